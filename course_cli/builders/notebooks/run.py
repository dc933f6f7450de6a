"""Executing one notebook: a fresh kernel (nbclient), a timeout, errors mapped to the ``.py``.

The kernel starts in the folder the builder chooses (the lesson's folder) with its stderr
discarded (kernel warnings are not the notebook's output). Before the first cell, a silent
request installs an audit hook in the kernel that records the files the notebook opens for
writing: the figures it saves. They are reported back, so the builder can keep them with the
executed notebook. A failing cell becomes a :class:`NotebookFailed` naming the line of the
raising statement in the ``.py`` source, the cell's number, the exception and the last lines of
its traceback.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.core.errors import ProblemsFound, ToolFailedError, ToolNotFoundError

if TYPE_CHECKING:
    from nbformat import NotebookNode

KERNEL = "python3"
TRACEBACK_LINES = 6
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_FRAME_RE = re.compile(r"Cell In\s*\[(\d+)\],\s*line (\d+)")

# Runs silently in the kernel before the first cell: an audit hook that records the paths the
# notebook opens for writing (and whether each existed before), without touching user names.
_SETUP = r"""
def __course_setup():
    import os, sys
    written = {}
    def hook(event, args):
        if event != "open" or not args:
            return
        try:
            path, mode = args[0], args[1] if len(args) > 1 else "r"
            flags = args[2] if len(args) > 2 else 0
            if isinstance(path, int):
                return
            if isinstance(mode, str):
                writing = any(c in mode for c in "wax+")
            else:
                writing = bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if writing:
                full = os.path.abspath(os.fsdecode(path))
                if full not in written:
                    written[full] = os.path.exists(full)
        except Exception:
            pass
    sys.addaudithook(hook)
    sys.modules[__name__].__dict__.pop("__course_setup", None)
    sys.__course_written__ = written
__course_setup()
"""
_COLLECT = "sorted(__import__('sys').__course_written__.items())"


class NotebookFailed(ProblemsFound):
    """A cell of a notebook raised (or timed out): where, which cell, what."""


@dataclass
class RunResult:
    """An executed notebook and the files it wrote: (absolute path, existed before the run)."""

    nb: NotebookNode
    written: list[tuple[Path, bool]] = field(default_factory=list)


def require() -> None:
    """Raise ToolNotFoundError naming the packages notebook builds need when one is missing."""
    import importlib.util

    missing = [
        name
        for name in ("nbformat", "nbclient", "nbconvert", "jupytext", "ipykernel")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise ToolNotFoundError(
            f"{', '.join(missing)} not installed: notebooks cannot be executed and rendered",
            hint=f"pip install {' '.join(missing)} (./scripts/setup.sh installs them)",
        )


def execute(
    nb: NotebookNode,
    *,
    cwd: Path,
    timeout: int,
    shown: str,
    cell_lines: list[int] | None = None,
) -> RunResult:
    """Execute ``nb`` in place in a fresh Python 3 kernel started in ``cwd``.

    ``shown`` names the source in messages (``lessons/…/NAME.py``); ``cell_lines`` gives the
    source line of each cell (see :func:`~.source.cell_lines`) so a failure names
    the ``.py`` line. Returns the RunResult. Raises NotebookFailed when a cell raises or runs
    out of time, ToolNotFoundError when nbclient or the kernel is missing, ToolFailedError
    when the kernel dies or cannot start.
    """
    try:
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    except ImportError as exc:
        raise ToolNotFoundError(
            f"{shown}: nbclient is not installed, so notebooks cannot be executed",
            hint="pip install nbclient nbconvert jupytext ipykernel (./scripts/setup.sh does it)",
        ) from exc
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_core.utils import run_sync

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL,
        allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    counts: dict[int, int] = {}  # execution count -> cell index
    written: list[tuple[Path, bool]] = []
    index = -1

    async def run() -> None:
        nonlocal index
        import subprocess  # only for the DEVNULL constant handed to the kernel launcher

        async with client.async_setup_kernel(stderr=subprocess.DEVNULL):
            assert client.kc is not None
            info = await client.async_wait_for_reply(client.kc.kernel_info())
            if info is not None and "language_info" in info["content"]:
                nb.metadata["language_info"] = info["content"]["language_info"]
            await _silent(client, _SETUP)
            for index, cell in enumerate(nb.cells):
                count = client.code_cells_executed + 1
                if cell.cell_type == "code":
                    counts[count] = index
                await client.async_execute_cell(cell, index, execution_count=count)
            reply = await _silent(client, "", {"w": _COLLECT})
            written.extend(_written(reply))

    try:
        run_sync(run)()
    except NoSuchKernel as exc:
        raise ToolNotFoundError(
            f"{shown}: no Jupyter kernel named {KERNEL!r}",
            hint="pip install ipykernel (the course's setup installs it)",
        ) from exc
    except CellTimeoutError:
        reason = f"timed out after {timeout} s"
        raise _failure(nb, index, counts, cell_lines, shown, None, reason) from None
    except CellExecutionError as exc:
        raise _failure(nb, index, counts, cell_lines, shown, exc, "") from None
    except DeadKernelError as exc:
        raise ToolFailedError(f"{shown}: cell {index + 1}: the kernel died ({exc})") from None
    except RuntimeError as exc:
        if "Kernel" in str(exc) or "kernel" in str(exc):
            raise ToolFailedError(f"{shown}: the kernel failed: {exc}") from None
        raise
    return RunResult(nb, written)


async def _silent(
    client: Any, code: str, expressions: dict[str, str] | None = None
) -> dict[str, Any]:
    msg_id = client.kc.execute(
        code, silent=False, store_history=False, user_expressions=expressions or {}
    )
    reply = await client.async_wait_for_reply(msg_id)
    return dict(reply["content"]) if reply else {}


def _written(reply: dict[str, Any]) -> list[tuple[Path, bool]]:
    value = reply.get("user_expressions", {}).get("w", {})
    text = value.get("data", {}).get("text/plain", "[]") if value.get("status") == "ok" else "[]"
    try:
        items = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return []
    return [(Path(p), bool(existed)) for p, existed in items]


def _failure(
    nb: NotebookNode,
    index: int,
    counts: dict[int, int],
    cell_lines: list[int] | None,
    shown: str,
    exc: Any,
    reason: str,
) -> NotebookFailed:
    """The error for cell ``index``: ``shown:LINE: cell K: Name: value`` plus the traceback tail."""
    cell_no = index + 1
    where_index, where_line = index, 1
    tail: list[str] = []
    if exc is not None:
        text = _ANSI_RE.sub("", str(getattr(exc, "traceback", "") or ""))
        frames = _CELL_FRAME_RE.findall(text)
        if frames:
            count, line = (int(x) for x in frames[-1])
            where_index, where_line = counts.get(count, index), line
        tail = [ln.rstrip() for ln in text.splitlines() if ln.strip()][-TRACEBACK_LINES:]
        ename, evalue = getattr(exc, "ename", "Error"), getattr(exc, "evalue", "")
        reason = f"{ename}: {evalue}" if evalue else str(ename)
    if cell_lines is not None and 0 <= where_index < len(cell_lines):
        location = f"{shown}:{cell_lines[where_index] + where_line - 1}"
    else:
        location = f"{shown}: cell {where_index + 1}, line {where_line}"
    message = (
        f"{location}: cell {cell_no} raised {reason}"
        if exc
        else f"{location}: cell {cell_no} {reason}"
    )
    return NotebookFailed(message, hint="\n".join(tail) or None)
