"""What ``course build slides`` takes from the command line: the formats to write."""

from __future__ import annotations

from dataclasses import dataclass

from course_cli.core.errors import UsageError

#: the formats Marp writes for a deck
FORMATS = ("html", "pdf", "pptx")


@dataclass(frozen=True)
class SlidesOptions:
    """``--format``: the slide formats (None: course.yaml ``build.slides``).

    Raises UsageError when a format is not one of :data:`FORMATS`.
    """

    formats: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.formats is not None:
            check_formats(self.formats)

    @classmethod
    def parse(cls, text: str | None) -> SlidesOptions:
        """``"html, PDF"`` -> ``SlidesOptions(("html", "pdf"))``; None or empty: the default.

        Raises UsageError on an unknown format.
        """
        if not text:
            return cls()
        chosen = [f.strip().lower() for f in text.split(",") if f.strip()]
        return cls(tuple(dict.fromkeys(chosen)) or None)


def check_formats(formats: tuple[str, ...] | list[str]) -> None:
    """Raise UsageError naming every format that is not one of :data:`FORMATS`."""
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise UsageError(
            f"unknown slide format {', '.join(bad)}", hint="use html, pdf or pptx (comma-separated)"
        )
