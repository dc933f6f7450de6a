"""What a ``\\ref`` to the book prints once its target is outside the extract
("Theorem~1.3 in the book"), and how headings are named ("Chapter 2", "Appendix A")."""

from __future__ import annotations

import re

from course_cli.latex.model import Book, Heading
from course_cli.latex.text import plain_title

HEADING_NAMES = {
    "part": "Part", "addpart": "Part", "chapter": "Chapter", "addchap": "Chapter",
    "section": "Section", "addsec": "Section", "subsection": "Section",
    "subsubsection": "Section", "paragraph": "Paragraph", "subparagraph": "Paragraph",
}  # fmt: skip

OTHER_NAMES = {"figure": "Figure", "table": "Table", "item": "item", "equation": ""}

REF_RE = re.compile(
    r"(?P<page>(?<![A-Za-z])(?:page|p\.)~?\s*)?"
    r"\\(?P<cmd>ref|eqref|cref|Cref|autoref|Autoref|pageref|nameref|vref|Vref|cpageref|"
    r"labelcref)(?![A-Za-z@])\*?\s*\{(?P<labels>[^{}]*)\}"
)


def heading_name(book: Book, h: Heading) -> str:
    """How a reference names a heading: ``Chapter 2``, ``Appendix A``, or by its title."""
    kind = HEADING_NAMES.get(h.command, h.command)
    if h.number is None:
        return f"{kind.lower()} ``{plain_title(h.title)}''"
    if h.command == "chapter" and h.number[:1].isalpha():
        kind = "Appendix"
    return f"{kind} {h.number}"


def label_text(book: Book, name: str, cmd: str, heads: dict[str, Heading]) -> str | None:
    """Return what a reference to ``name`` prints, with its kind (``Theorem 1.3``)."""
    lab = book.labels.get(name)
    if lab is None:
        return None
    h = heads.get(name)
    if h is not None and (h.number is None or cmd == "nameref"):
        return f"``{plain_title(h.title)}''" if cmd == "nameref" else heading_name(book, h)
    if h is not None and cmd not in {"ref", "pageref", "labelcref"}:
        return heading_name(book, h).replace(" ", "~", 1)
    number = lab.number or "?"
    if lab.env == "equation":
        paren = f"({number})"
        return paren if cmd in {"eqref", "cref", "Cref", "autoref", "Autoref", "vref"} else number
    if cmd in {"ref", "pageref", "labelcref"}:
        return number
    if h is not None:
        return heading_name(book, h)
    kind = book.env_names.get(lab.env) or OTHER_NAMES.get(lab.env, lab.env.capitalize())
    return f"{kind}~{number}" if kind else number


def ref_replacement(
    book: Book, m: re.Match[str], inside: set[str], heads: dict[str, Heading], all_refs: bool
) -> str | None:
    """The text that replaces the reference ``m`` (``Theorem~1.3 in the book``), or None to
    keep it (every label inside the extract, unless ``all_refs``; or a broken reference)."""
    cmd = m.group("cmd")
    names = [n.strip() for n in m.group("labels").split(",") if n.strip()]
    if not names or (not all_refs and all(n in inside for n in names)):
        return None
    parts = []
    for n in names:
        text = label_text(book, n, cmd, heads)
        if text is None:
            return None  # a broken reference in the book stays as it is
        if cmd == "pageref" or m.group("page"):
            text = f"the page of {label_text(book, n, 'cref', heads)}"
        if n not in inside and not all_refs and cmd != "nameref":
            text = _cross_document(book, n, text, heads)
        parts.append(text if n in inside else f"{text} in the book")
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return joined


def _cross_document(book: Book, name: str, text: str, heads: dict[str, Heading]) -> str:
    """In LaTeX, the number of an outside label comes from the book's own ``.aux`` through
    the cross-document mechanism (``xr``: ``\\bookrefnum{label}{number}`` prints the book's
    ``\\ref`` when that file is readable, else the number LaTeX printed when the extract was
    written)."""
    h = heads.get(name)
    lab = book.labels.get(name)
    number = h.number if h is not None else (lab.number if lab is not None else None)
    if not number or number not in text:
        return text
    head, _, tail = text.rpartition(number)
    return f"{head}\\bookrefnum{{{name}}}{{{number}}}{tail}"


_SERIES_RE = re.compile(r",?\s*(?:and|or|to|--|–)[~\s]*")

_IN_BOOK = " in the book"


def merge_series(clean: str, refs: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """ "Chapters 4 in the book and 5 in the book" -> "Chapters 4 and 5 in the book": drop the
    suffix of an outside reference that a list connector joins to the next one."""
    out = list(refs)
    for i in range(len(out) - 1):
        s, e, text = out[i]
        between = clean[e : out[i + 1][0]]
        if (
            text.endswith(_IN_BOOK)
            and out[i + 1][2].endswith(_IN_BOOK)
            and _SERIES_RE.fullmatch(between)
        ):
            out[i] = (s, e, text[: -len(_IN_BOOK)])
    return out
