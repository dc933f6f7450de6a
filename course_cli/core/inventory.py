"""What each lesson folder holds: the data behind ``course list`` (and the check grid)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table

    from course_cli.core.config import Course, Lesson

PARTS = ("readme", "slides", "conspect", "exercises", "notebooks", "reading")
SHORT_NAMES = {  # column headings of the deliverables grid (list and check)
    "readme": "README",
    "slides": "slides",
    "conspect": "conspect",
    "exercises": "ex.",
    "notebooks": "nb.",
    "reading": "read.",
}


def decks(lesson_dir: Path) -> list[Path]:
    """Return the Marp decks of a lesson: ``slides/*.md``, sorted."""
    folder = lesson_dir / "slides"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.md") if p.is_file())


def present_parts(lesson_dir: Path) -> dict[str, bool]:
    """Return, for each deliverable name, whether the lesson folder has it."""

    def has_dir(name: str) -> bool:
        d = lesson_dir / name
        return d.is_dir() and any(d.iterdir())

    return {
        "readme": (lesson_dir / "README.md").is_file(),
        "slides": bool(decks(lesson_dir)),
        "conspect": (lesson_dir / "conspect.md").is_file(),
        "exercises": has_dir("exercises"),
        "notebooks": has_dir("notebooks"),
        "reading": has_dir("reading"),
    }


@dataclass(frozen=True)
class LessonRow:
    """One lesson as ``course list`` shows it."""

    number: int
    title: str
    folder: str
    exists: bool
    parts: dict[str, bool]
    book: tuple[str, ...]
    book_synced: bool

    def to_json(self) -> dict[str, Any]:
        """Return the row as the JSON object of ``course list --format json``."""
        return {
            "number": self.number,
            "title": self.title,
            "folder": self.folder,
            "exists": self.exists,
            "deliverables": self.parts,
            "book": list(self.book),
            "book_synced": self.book_synced,
        }


def row(course: Course, lesson: Lesson) -> LessonRow:
    """Return the inventory row of one lesson."""
    folder = lesson.dir(course.root)
    parts = present_parts(folder) if folder.is_dir() else dict.fromkeys(PARTS, False)
    book_dir = folder / "book"
    return LessonRow(
        number=lesson.number,
        title=lesson.title,
        folder=f"lessons/{lesson.dirname}",
        exists=folder.is_dir(),
        parts=parts,
        book=tuple(lesson.book),
        book_synced=book_dir.is_dir() and any(book_dir.iterdir()),
    )


def inventory(course: Course) -> list[LessonRow]:
    """Return one row per lesson of the course, in course.yaml order."""
    return [row(course, lesson) for lesson in course.lessons]


def render_table(course: Course, rows: list[LessonRow]) -> Table:
    """Return the rich table of ``course list``."""
    from rich.table import Table

    table = Table(title=course.title, title_style="bold", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("Title", min_width=20, overflow="fold")
    for part in PARTS:
        table.add_column(SHORT_NAMES[part], justify="center")
    table.add_column("Book")
    required = set(course.deliverables.required)
    for r in rows:
        cells = []
        for part in PARTS:
            if r.parts[part]:
                cells.append("[green]✓[/]")
            elif part in required:
                cells.append("[red]✗[/]")
            else:
                cells.append("[dim]–[/]")
        book = ", ".join(r.book)
        if r.book:
            book += "" if r.book_synced else " [yellow](not synced)[/]"
        title = r.title if r.exists else f"{r.title} [red](no folder)[/]"
        table.add_row(str(r.number), title, *cells, book)
    return table
