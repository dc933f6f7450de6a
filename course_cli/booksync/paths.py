"""Paths in extracts: relative links from a lesson folder back into the book, the book's
figures (``\\graphicspath`` folders searched as LaTeX does) and the compiled book's ``.aux``."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from course_cli.core.config import Course
    from course_cli.latex.model import Book


def rel(path: Path, start: Path) -> str:
    """``path`` relative to ``start`` (``..`` allowed), with forward slashes."""
    return Path(os.path.relpath(path, start)).as_posix()


def graphics_dirs(book: Book) -> list[Path]:
    """The folders LaTeX searches for figures: the book's ``\\graphicspath``, then its folder."""
    root = book.main.parent
    dirs = []
    for c in book.commands:
        if c.name == "graphicspath":
            dirs += [root / d for d in re.findall(r"\{([^{}]*)\}", c.args[0])]
    return [*dirs, root]


def find_graphic(book: Book, name: str) -> Path | None:
    """The figure file ``\\includegraphics{name}`` finds (extension added), or None."""
    for d in graphics_dirs(book):
        for ext in ("", ".png", ".jpg", ".jpeg", ".svg", ".pdf"):
            p = d / f"{name}{ext}"
            if p.is_file():
                return p
    return None


def aux_file(course: Course) -> Path:
    """The ``.aux`` file of the compiled book, whose numbers the extracts and the outline use
    when it exists."""
    return course.root / "build" / ".book-aux" / f"{course.path(course.book.source).stem}.aux"
