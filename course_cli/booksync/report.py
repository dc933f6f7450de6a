"""What a sync did or would do, per lesson and file, and how it is shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_cli.booksync.paths import rel
from course_cli.core.errors import ProblemsFound


@dataclass
class FileAction:
    """What happened (or would happen) to one output file."""

    path: Path
    status: str  # written | unchanged | stale | missing | edited | kept-edit | forced
    detail: str = ""


@dataclass
class LessonResult:
    """The outcome for one lesson's ``book/`` folder."""

    number: int
    folder: Path
    files: list[FileAction] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why it is stale (check mode)

    @property
    def problems(self) -> list[FileAction]:
        """Files a user must look at: stale, missing, or edited by hand."""
        return [f for f in self.files if f.status in {"stale", "missing", "edited", "kept-edit"}]


@dataclass
class SyncReport:
    """What :func:`sync` did for every selected lesson."""

    root: Path
    check: bool
    lessons: list[LessonResult] = field(default_factory=list)
    numbers: str = ""  # where the book's numbers came from (empty: the book was not read)
    warnings: list[str] = field(default_factory=list)  # unresolved inputs, LaTeX vs reader

    def rel(self, path: Path) -> str:
        """``path`` relative to the course root."""
        return rel(path, self.root)

    def problems(self) -> list[str]:
        """One line per problem: ``path: what is wrong``."""
        return [f"{self.rel(f.path)}: {f.detail or f.status}"
                for les in self.lessons for f in les.problems]  # fmt: skip

    def written(self) -> list[Path]:
        """The files this run wrote."""
        return [f.path for les in self.lessons for f in les.files
                if f.status in {"written", "forced"}]  # fmt: skip

    def raise_for_problems(self) -> None:
        """Raise ProblemsFound (exit 1) listing stale or hand-edited extracts, if any."""
        problems = self.problems()
        if not problems:
            return
        if self.check:
            hint = "run `course book-sync` to update the extracts"
        else:
            hint = ("an extract was edited by hand: move the edit into the book, or run "
                    "`course book-sync --force` to overwrite it")  # fmt: skip
        raise ProblemsFound("book extracts need attention:\n" + "\n".join(problems), hint=hint)


def describe(report: SyncReport) -> list[str]:
    """Return the report as lines for the terminal: one per file that changed or needs care,
    and a summary line."""
    lines = [f"warning: {w}" for w in report.warnings]
    if report.numbers:
        lines.append(f"note: {report.numbers}")
    for les in report.lessons:
        for f in les.files:
            if f.status != "unchanged":
                lines.append(f"{f.status:>9}  {report.rel(f.path)}")  # details: the error
    n = len(report.lessons)
    if report.check:
        stale = sum(1 for les in report.lessons if les.problems)
        lines.append(f"{n - stale} of {n} lesson extract(s) up to date")
    else:
        lines.append(f"{len(report.written())} file(s) written for {n} lesson(s)")
    return lines


def to_json(report: SyncReport) -> dict[str, Any]:
    """Return the report as JSON-ready data."""
    return {
        "check": report.check,
        "numbers": report.numbers,
        "warnings": report.warnings,
        "lessons": [
            {"lesson": les.number, "folder": report.rel(les.folder),
             "files": [{"path": report.rel(f.path), "status": f.status, "detail": f.detail}
                       for f in les.files]}
            for les in report.lessons
        ],
        "problems": report.problems(),
    }  # fmt: skip
