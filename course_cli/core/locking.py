"""One build, sync or course.yaml edit at a time per course: ``build/.lock``.

The lock is an advisory ``flock`` on ``build/.lock`` (released by the kernel when the process
dies, so a killed run never leaves a stale lock). The file names the holder (pid and command)
for the message of the one who waits. When ``build/`` cannot be written (a read-only disk)
commands that only read or write elsewhere still run, unlocked.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from course_cli.core.errors import UsageError

LOCK_NAME = ".lock"
POLL_SECONDS = 0.2


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return text[:200]


@contextlib.contextmanager
def course_lock(
    root: Path,
    what: str,
    *,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    timeout: float | None = None,
) -> Iterator[None]:
    """Hold the course's lock while the block runs.

    ``what`` names the command (shown to whoever waits). When another process holds the lock:
    with ``wait``, call ``on_wait(message)`` once and wait (up to ``timeout`` seconds, None:
    for ever); without ``wait`` raise UsageError (exit 2) naming the holder. Raises UsageError
    also when the wait times out.
    """
    build = root / "build"
    path = build / LOCK_NAME
    try:
        build.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC):
            yield  # nothing can be built there anyway; reading commands still work
            return
        if build.exists() and not build.is_dir():
            raise UsageError(
                "build is not a folder; course build writes its outputs there",
                hint="move or delete build",
            ) from exc
        raise
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path) or "another course command"
                if not wait:
                    raise UsageError(
                        f"{holder} is running in this course; not starting {what}",
                        hint="wait for it to end, or run without --no-wait to wait for it",
                    ) from None
                if deadline is not None and time.monotonic() > deadline:
                    raise UsageError(f"{holder} still holds build/{LOCK_NAME}; gave up") from None
                if not told and on_wait is not None:
                    on_wait(f"waiting for {holder} to finish …")
                    told = True
                time.sleep(POLL_SECONDS)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"course {what} (pid {os.getpid()})\n".encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
