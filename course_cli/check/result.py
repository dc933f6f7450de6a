"""What one ``course check`` returns: the report and the rows of the lesson grid."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from course_cli.check.findings import Finding
from course_cli.core.errors import ExitCode

SCHEMA_VERSION = 1  # of the JSON report (docs/check-json.md)


@dataclass(frozen=True)
class LessonResult:
    """One row of the lesson × deliverable grid.

    ``parts`` maps each deliverable to ok | todo | template | empty | missing (required) or
    present | absent (optional).
    """

    number: int
    title: str
    folder: str
    parts: dict[str, str]
    required: tuple[str, ...]


@dataclass
class CheckReport:
    """Everything one check found: findings (sorted), the lesson grid, what was looked at."""

    mode: str  # "course" or "files"
    root: Path
    findings: list[Finding] = field(default_factory=list)
    lessons: list[LessonResult] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the files checked, relative to root

    @property
    def files_checked(self) -> int:
        """How many files the rules ran over."""
        return len(self.files)

    def counts(self) -> dict[str, int]:
        """Return the number of findings per severity (error, warning, info)."""
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def failed(self, strict: bool = False) -> bool:
        """True when there are errors (or, with ``strict``, warnings)."""
        counts = self.counts()
        return counts["error"] > 0 or (strict and counts["warning"] > 0)

    def exit_code(self, strict: bool = False) -> ExitCode:
        """Return PROBLEMS when :meth:`failed`, else OK."""
        return ExitCode.PROBLEMS if self.failed(strict) else ExitCode.OK

    def summary(self) -> str:
        """Return the one-line summary, e.g. ``2 errors, 1 warning in 40 files (12 lessons)``."""
        c = self.counts()

        def plural(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        parts = [plural(c["error"], "error"), plural(c["warning"], "warning")]
        if c["info"]:
            parts.append(plural(c["info"], "info"))
        where = plural(self.files_checked, "file")
        if self.mode == "course":
            where += f" ({plural(len(self.lessons), 'lesson')})"
        return f"{', '.join(parts)} in {where}"
