"""What ``course build pdf`` takes from the command line: the engine and the solutions."""

from __future__ import annotations

from dataclasses import dataclass

from course_cli.core.errors import UsageError

#: the engines pandoc can typeset a conspect with
ENGINES = ("xelatex", "lualatex", "pdflatex", "typst")


@dataclass(frozen=True)
class PdfOptions:
    """``--engine`` (None: front matter ``engine:``, then course.yaml) and
    ``--solutions/--no-solutions`` (None: course.yaml ``build.solutions``).

    Raises UsageError when the engine is not one of :data:`ENGINES`.
    """

    engine: str | None = None
    solutions: bool | None = None

    def __post_init__(self) -> None:
        if self.engine is not None and self.engine not in ENGINES:
            raise UsageError(
                f"unknown PDF engine {self.engine!r}", hint="use one of: " + ", ".join(ENGINES)
            )
