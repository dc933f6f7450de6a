"""Ctrl+C and SIGTERM: stop the external tools, keep every valid output, exit 130 or 143.

Each tool runs in its own process group (:func:`course_cli.tools.runner.run` registers it here). On
SIGINT or SIGTERM the handler marks the run as interrupted, stops every registered group (a
tool's own children included) and raises :class:`Interrupted` in the main thread. The build
engine sees :func:`interrupted` and neither installs half-made outputs nor deletes the old
ones; the CLI prints one line and exits with 128 + the signal number.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

_EVENT = threading.Event()
_LOCK = threading.Lock()
_GROUPS: set[subprocess.Popen[str]] = set()
GRACE_SECONDS = 2.0


class Interrupted(BaseException):
    """The user (SIGINT) or the system (SIGTERM) stopped the command.

    A BaseException so that no ``except Exception`` (nor Typer's KeyboardInterrupt handler)
    swallows it; ``exit_code`` is 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
    """

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = int(signum)
        self.exit_code = 128 + self.signum

    @property
    def message(self) -> str:
        """The one line the CLI prints."""
        if self.signum == signal.SIGHUP:
            return "Hung up."
        return "Interrupted." if self.signum == signal.SIGINT else "Terminated."


def interrupted() -> bool:
    """True once SIGINT or SIGTERM arrived (running steps must not install or delete)."""
    return _EVENT.is_set()


def reset() -> None:
    """Forget an earlier interrupt (tests; ``course serve`` between rebuilds)."""
    _EVENT.clear()


def _handler(signum: int, frame: FrameType | None) -> None:
    _EVENT.set()
    stop_all()
    raise Interrupted(signum)


Handlers = dict[int, Any]


def install() -> Handlers:
    """Route SIGINT and SIGTERM to :class:`Interrupted` (main thread only; else a no-op);
    forget an earlier interrupt. Returns the previous handlers for :func:`restore`."""
    reset()
    previous: Handlers = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    # SIGHUP too: a closed terminal must stop the tools (they run in their own sessions).
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):
            previous[sig] = signal.signal(sig, _handler)
    return previous


def restore(previous: Handlers) -> None:
    """Put back the handlers :func:`install` replaced (the CLI run in-process, in tests)."""
    for sig, handler in previous.items():
        with contextlib.suppress(ValueError, OSError, TypeError):
            signal.signal(sig, handler)


@contextlib.contextmanager
def registered(proc: subprocess.Popen[str]) -> Iterator[None]:
    """Keep ``proc`` (a process-group leader) in the set that an interrupt stops."""
    with _LOCK:
        _GROUPS.add(proc)
    try:
        yield
    finally:
        with _LOCK:
            _GROUPS.discard(proc)


def stop_group(proc: subprocess.Popen[str], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM the process group of ``proc``; SIGKILL it after ``grace`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        if sig == signal.SIGKILL:
            break
        deadline = time.monotonic() + grace
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is not None:
            # The leader is gone; its children in the group get the SIGKILL below too.
            continue


def stop_all() -> None:
    """Stop every registered tool's process group (called from the signal handler)."""
    with _LOCK:
        procs = list(_GROUPS)
    for proc in procs:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
        time.sleep(0.05)
    for proc in procs:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
