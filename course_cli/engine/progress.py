"""Rendering build progress on stderr: a rich bar in a terminal, plain lines otherwise (CI, pipes).

Both classes implement :class:`~course_cli.engine.steps.Progress`; the engine calls them from
the main thread only.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from course_cli.engine.steps import BuildStep, Progress, StepResult


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


#: what rich strips from a line it prints (BEL, BS, VT, FF, CR): a file name cannot move the
#: cursor or ring the bell
_CONTROL = dict.fromkeys((7, 8, 11, 12, 13))


class PlainProgress:
    """One line per finished step: ``built build/lesson_01/slides.pdf (2.31 s)``. Plain writes
    to stderr: what rich would print for these lines, without importing it (a tenth of a
    short build) or its rendering machinery (more than a step costs on a site of many pages)."""

    def __init__(self, root: Path):
        self.root = root

    def _line(self, text: str) -> None:
        stream = sys.stderr
        stream.write(text.translate(_CONTROL) + "\n")
        stream.flush()

    def start(self, total: int, fresh: int) -> None:
        """Say how much there is to do."""
        if total > fresh:
            self._line(f"building {total - fresh} of {total} outputs ({fresh} up to date)")

    def started(self, steps: Sequence[BuildStep]) -> None:
        """Nothing: plain output reports finished steps only."""

    def finished(self, result: StepResult) -> None:
        """Print the step's status and time."""
        word = "built" if result.status == "built" else "FAILED"
        self._line(f"{word} {_rel(result.step.output, self.root)} ({result.seconds:.2f} s)")

    def stop(self) -> None:
        """Nothing to clean up."""


class RichProgress:
    """A rich progress bar over the stale steps; failures are printed above the bar."""

    def __init__(self, root: Path):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from course_cli.core.console import err_console

        self.root = root
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console(),
            transient=True,
        )
        self.task: Any = None
        self.running: dict[str, int] = {}  # label of a running unit -> steps not finished
        self.label_of: dict[BuildStep, str] = {}

    def start(self, total: int, fresh: int) -> None:
        """Show the bar when there is work."""
        if total > fresh:
            self.bar.start()
            self.task = self.bar.add_task("building", total=total - fresh)

    def started(self, steps: Sequence[BuildStep]) -> None:
        """Name what is running now."""
        if self.task is None:
            return
        kinds = sorted({s.kind for s in steps})
        label = f"{', '.join(kinds)} ×{len(steps)}" if len(steps) > 1 else steps[0].label
        self.running[label] = self.running.get(label, 0) + len(steps)
        self.label_of.update(dict.fromkeys(steps, label))
        self._describe()

    def _describe(self) -> None:
        self.bar.update(self.task, description=" | ".join(list(self.running)[:2]) or "building")

    def finished(self, result: StepResult) -> None:
        """Advance; print a failure line."""
        if self.task is None:
            return
        if result.status == "failed":
            self.bar.console.print(
                f"[red]FAILED[/] {_rel(result.step.output, self.root)}", highlight=False
            )
        label = self.label_of.pop(result.step, None)
        if label in self.running:
            self.running[label] -= 1
            if not self.running[label]:
                del self.running[label]
        self._describe()
        self.bar.advance(self.task)

    def stop(self) -> None:
        """Remove the bar."""
        if self.task is not None:
            self.bar.stop()
            self.task = None
            self.running.clear()


def make_progress(root: Path, interactive: bool | None = None) -> Progress:
    """A RichProgress on a terminal outside CI, else PlainProgress."""
    if interactive is None:
        from course_cli.core.console import is_interactive

        interactive = is_interactive()
    return RichProgress(root) if interactive else PlainProgress(root)
