"""Numbers from LaTeX itself: the ``.aux`` files of a compiled book.

The reader supplies structure and source line ranges; once the book has been compiled, every
heading's and label's number is taken from what LaTeX wrote (``\\newlabel`` and the
``\\contentsline`` entries of the table of contents, ``\\@input`` files of ``\\include`` d
chapters followed). :func:`apply_latex_numbers` overwrites the reader's numbers and returns
what it did: where the numbers come from and a warning for each label or heading where the
reader and LaTeX disagree (LaTeX wins).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from course_cli.latex.model import Book, Label
from course_cli.latex.text import plain_title, read_group

_TOC_LEVEL = {"addpart": "part", "addchap": "chapter", "addsec": "section"}
_NUMBERLINE_RE = re.compile(
    r"\\(?:numberline|chapternumberline|partnumberline|booknumberline)\s*\{"
)
_PART_RE = re.compile(r"^\s*([IVXLCDM]+|[A-Z]|\d+)\s*\\hspace\s*\{[^{}]*\}")
# the kind of thing a label names, from hyperref's anchor ("theorem.3.4", "equation.1.2")
_ANCHOR_RE = re.compile(r"^([A-Za-z*@]+?)(?:[.:-]|$)")


@dataclass(frozen=True)
class TocEntry:
    """One ``\\contentsline``: level (``chapter``), printed number (None: unnumbered), title."""

    level: str
    number: str | None
    title: str


@dataclass
class AuxData:
    """What LaTeX wrote: label -> (number, anchor), toc entries in order, the files read."""

    labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    toc: list[TocEntry] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    probed: list[Path] = field(default_factory=list)  # every .aux asked for, found or not


@dataclass
class Numbering:
    """Where a book's numbers come from (``latex`` or ``reader``) and why, with warnings."""

    source: str
    note: str
    warnings: list[str] = field(default_factory=list)
    aux: AuxData | None = None
    inputs: list[Path] = field(default_factory=list)  # the .aux files looked at, found or not


def group(text: str, start: int) -> tuple[str, int]:
    """Return the contents of the brace group opening at ``text[start]`` and the offset after
    it (an unbalanced group runs to the end)."""
    end = read_group(text, start)
    if end < 0:
        return text[start + 1 :], len(text)
    return text[start + 1 : end - 1], end


def _groups(text: str, pos: int, n: int) -> tuple[list[str], int]:
    out = []
    for _ in range(n):
        while pos < len(text) and text[pos] in " \n\t":
            pos += 1
        if pos >= len(text) or text[pos] != "{":
            break
        g, pos = group(text, pos)
        out.append(g)
    return out, pos


def clean_number(raw: str) -> str:
    """A number as ``\\ref`` prints it: ``{\\relax 1.2}`` -> ``1.2``; memoir's
    ``\\M@TitleReference {1.2}{Title}`` -> ``1.2``."""
    w = re.match(r"\s*\\[A-Za-z@]*TitleReference\s*(?=\{)", raw)
    if w is not None:
        raw = group(raw, w.end())[0]
    t = re.sub(r"\\(?:relax|protect|nobreakspace|ignorespaces)\b\s*", "", raw)
    t = re.sub(r"\\(?:textup|textnormal|textrm|upshape|normalfont|mbox)\b\s*", "", t)
    t = t.replace("{", "").replace("}", "").replace("~", " ")
    return " ".join(t.split())


def read_aux(aux: Path) -> AuxData | None:
    """Read ``aux`` and the ``.aux`` files it ``\\@input``s (paths relative to its folder);
    None when ``aux`` does not exist."""
    if not aux.is_file():
        return None
    data = AuxData()
    _read_into(aux, aux.parent, data, set())
    return data


_AUX_CMD_RE = re.compile(r"\\(newlabel|@writefile|@input)\s*(?=\{)")


def _read_into(aux: Path, base: Path, data: AuxData, seen: set[Path]) -> None:
    data.probed.append(aux)
    if aux.resolve() in seen or not aux.is_file():
        return
    seen.add(aux.resolve())
    data.files.append(aux)
    text = aux.read_text(encoding="utf-8", errors="replace")
    pos = 0
    while (m := _AUX_CMD_RE.search(text, pos)) is not None:
        cmd = m.group(1)
        if cmd == "@input":
            (name,), pos = _groups(text, m.end(), 1)
            _read_into(base / name.strip(), base, data, seen)
        elif cmd == "newlabel":
            args, pos = _groups(text, m.end(), 2)
            if len(args) == 2 and not args[0].endswith("@cref"):
                fields, _ = _groups(args[1], 0, 4)
                if fields:
                    anchor = fields[3] if len(fields) > 3 else ""
                    data.labels.setdefault(args[0], (clean_number(fields[0]), anchor))
        else:
            args, pos = _groups(text, m.end(), 2)
            if len(args) == 2 and args[0] == "toc":
                entry = _toc_entry(args[1])
                if entry is not None:
                    data.toc.append(entry)


def _toc_entry(text: str) -> TocEntry | None:
    m = re.match(r"\s*\\contentsline\s*", text)
    if m is None:
        return None
    args, _ = _groups(text, m.end(), 2)
    if len(args) < 2:
        return None
    level, body = args[0].strip(), args[1]
    n = _NUMBERLINE_RE.search(body)
    if n is not None and not body[: n.start()].replace("\\protect", "").strip():
        num, after = group(body, n.end() - 1)
        return TocEntry(level, clean_number(num) or None, body[after:])
    p = _PART_RE.match(body) if level == "part" else None
    if p is not None:
        return TocEntry(level, p.group(1), body[p.end() :])
    return TocEntry(level, None, body)


def _norm(title: str) -> str:
    return re.sub(r"[^a-z0-9]", "", plain_title(title).casefold())


def _match_headings(book: Book, toc: list[TocEntry]) -> dict[int, TocEntry]:
    """Pair the reader's headings with LaTeX's toc entries: the longest common subsequence of
    (level, title) keys, then, in each gap between matched runs, entries of the same levels
    in order. Starred headings write no entry and are left out."""
    idx = [i for i, h in enumerate(book.headings) if not h.starred]
    mine = [_key(book.headings[i].command, book.headings[i].title) for i in idx]
    theirs = [_key(e.level, e.title) for e in toc]
    out: dict[int, TocEntry] = {}
    sm = difflib.SequenceMatcher(None, mine, theirs, autojunk=False)
    a0 = b0 = 0
    for a, b, n in sm.get_matching_blocks():
        gap_mine = [(idx[i], mine[i][0]) for i in range(a0, a)]
        gap_theirs = [toc[j] for j in range(b0, b) if toc[j].number is not None]
        if [lv for _, lv in gap_mine] == [e.level for e in gap_theirs]:
            for (i, _), e in zip(gap_mine, gap_theirs, strict=True):
                out[i] = e
        for k in range(n):
            out[idx[a + k]] = toc[b + k]
        a0, b0 = a + n, b + n
    return out


def _key(level: str, title: str) -> tuple[str, str]:
    return (_TOC_LEVEL.get(level, level), _norm(title))


def _kind(anchor: str) -> str:
    m = _ANCHOR_RE.match(anchor)
    return m.group(1) if m else "document"


def apply_latex_numbers(book: Book, aux_path: Path, what: str | None = None) -> Numbering:
    """Take every heading's and label's number from the compiled book's ``aux_path``.

    Returns a :class:`Numbering`: ``source`` is ``latex`` when the numbers were taken (the
    book's ``.aux`` exists and is newer than every source file) and ``reader`` otherwise,
    ``note`` says which and why, ``warnings`` name each label and heading whose number the
    reader computed differently (``file:line: label x: LaTeX prints 3.4, the reader 3.3``).
    Labels LaTeX knows that the reader did not see (e.g. set by a package's key ``label=``)
    are added at the file and line of the main file's ``\\begin{document}``.
    """
    shown = what or str(aux_path)
    data = read_aux(aux_path)
    if data is None:
        return Numbering("reader", f"numbers from the LaTeX reader: no compiled book ({shown} "
                         "does not exist; `course build book` writes it)")  # fmt: skip
    aux_time = min(p.stat().st_mtime for p in data.files)
    newer = [f.name for f in book.files if f.path.is_file() and f.path.stat().st_mtime > aux_time]
    if newer:
        return Numbering("reader", f"numbers from the LaTeX reader: the compiled book ({shown}) "
                         f"is older than {newer[0]}; `course build book` updates it",
                         inputs=data.probed)  # fmt: skip
    warnings: list[str] = []
    for i, e in _match_headings(book, data.toc).items():
        h = book.headings[i]
        if h.number != e.number:
            if not any(x in data.labels for x in h.labels):  # a label's warning says it
                where, title = book.where(h.file, h.line), plain_title(h.title)
                warnings.append(
                    f"{where}: \\{h.command}{{{title}}}: LaTeX numbers it "
                    f"{e.number or 'not at all'}, the reader {h.number or 'not'}"
                )
            h.number = e.number
    heads = {x: h for h in book.headings for x in h.labels}
    for name, (number, anchor) in data.labels.items():
        lab = book.labels.get(name)
        if lab is None:
            first = book.locate(max(book.begin_document, 0))[0]
            book.labels[name] = Label(name, _kind(anchor), number or None, first, 0, -1)
            continue
        if (lab.number or "") != number:
            warnings.append(
                f"{book.where(lab.file, lab.line)}: label {name}: LaTeX prints "
                f"{number or '(nothing)'}, the reader {lab.number or '(nothing)'}"
            )
            book.labels[name] = dataclasses.replace(lab, number=number or None)
            head = heads.get(name)
            if head is not None and number:
                head.number = number
    _update_blocks(book, data)
    return Numbering("latex", f"numbers from LaTeX ({shown})", warnings, data, data.probed)


def _update_blocks(book: Book, data: AuxData) -> None:
    """Theorem blocks with a label take that label's number."""
    by_pos = {(lab.file, lab.line): lab for lab in book.labels.values()}
    for k, b in enumerate(book.blocks):
        src = book.files[b.file]
        first, last = src.line_of(b.begin), src.line_of(b.end)
        for line in range(first, last + 1):
            lab = by_pos.get((b.file, line))
            if lab is not None and lab.name in data.labels and lab.number and lab.env == b.env:
                if lab.number != b.number:
                    book.blocks[k] = dataclasses.replace(b, number=lab.number)
                break
