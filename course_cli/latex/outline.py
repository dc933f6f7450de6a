"""The book's heading tree as text, and a heading's path of titles."""

from __future__ import annotations

from course_cli.latex.model import Book, Heading
from course_cli.latex.text import plain_title


def title_path(h: Heading) -> list[str]:
    """Return the plain titles from the outermost heading down to ``h``."""
    out = []
    node: Heading | None = h
    while node is not None:
        out.append(plain_title(node.title))
        node = node.parent
    return out[::-1]


def format_outline(book: Book, max_level: int = 5) -> str:
    """Return the book's heading tree as text: number, title, labels, ``file:line``."""
    lines = []
    top = min((h.level for h in book.headings), default=0)
    for h in book.headings:
        if h.level > max_level:
            continue
        number = h.number if h.number is not None else "*"
        if h.command in {"part", "addpart"}:
            number = f"Part {number}"
        labels = " " + " ".join(f"<{x}>" for x in h.labels) if h.labels else ""
        indent = "  " * (h.level - top)
        lines.append(f"{indent}{number} {h.title}{labels}  [{book.where(h.file, h.line)}]")
    return "\n".join(lines) + ("\n" if lines else "")
