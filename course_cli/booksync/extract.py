"""Rendering an extract: the selected spans of the book with its preamble, its counters
and its references rewritten, as LaTeX and as pandoc's input (nothing is written here)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_cli.booksync.mdblocks import markdown_rewrites
from course_cli.booksync.paths import find_graphic, graphics_dirs, rel
from course_cli.booksync.references import REF_RE, heading_name, merge_series, ref_replacement
from course_cli.latex.model import Book, Heading
from course_cli.latex.outline import title_path
from course_cli.latex.text import plain_title

_CITE_RE = re.compile(r"\\(?:no)?cite[a-zA-Z]*\*?\s*[\[{]|\\(?:paren|text|auto|foot)cite")

_GRAPHICS_RE = re.compile(r"(\\includegraphics\*?\s*(?:\[[^\]]*\])?\s*\{)([^{}]*)(\})")


@dataclass(frozen=True)
class Rendered:
    """An extract before it is written: LaTeX text, pandoc input, provenance."""

    tex: str
    md_input: str
    md_header: str
    ranges: list[dict[str, Any]]
    # the book's own .sty/.cls files, copied beside book.tex so that it compiles alone
    support: dict[str, str] = field(default_factory=dict)
    bibliography: tuple[Path, ...] = ()  # the book's .bib files (book.md renders citations)


def span_slices(book: Book, h: Heading) -> list[tuple[int, int, int]]:
    """Return the source runs of ``h``'s span without trailing runs that TeX would not see
    (the blank lines between ``\\include``s, the comment heading the next chapter's file)."""
    runs = book.slices(h.gpos, h.gend)
    while (
        len(runs) > 1
        and not book.files[runs[-1][0]].clean[runs[-1][1] : runs[-1][2]].replace("%", "").strip()
    ):
        runs.pop()
    return runs


def _ranges(book: Book, h: Heading, root: Path) -> list[dict[str, Any]]:
    """Return ``[{file, lines: [a, b]}]`` covering the heading's span, per source file."""
    out: list[dict[str, Any]] = []
    for fi, a, b in span_slices(book, h):
        src = book.files[fi]
        text = src.raw[a:b].rstrip()
        if not text.strip():
            continue
        first, last = src.line_of(a), src.line_of(a + len(text) - 1 if text else a)
        name = rel(src.path, root)
        if out and out[-1]["file"] == name and out[-1]["lines"][1] >= first - 1:
            out[-1]["lines"][1] = max(out[-1]["lines"][1], last)
        else:
            out.append({"file": name, "lines": [first, last]})
    return out


def _body(
    book: Book, h: Heading, inside: set[str], heads: dict[str, Heading], for_md: bool,
    out_dir: Path,
) -> str:  # fmt: skip
    """Return the raw LaTeX of ``h``'s span with outside references rewritten (and, for the
    Markdown route, every number written out)."""
    chunks: list[str] = []
    prev_file = -1
    for fi, a, b in span_slices(book, h):
        src = book.files[fi]
        refs: list[tuple[int, int, str]] = []
        for m in REF_RE.finditer(src.clean, a, b):
            new = ref_replacement(book, m, inside, heads, for_md)
            if new is not None:
                start = m.start() if (m.group("page") and "page" in new) else m.start("cmd") - 1
                refs.append((start, m.end(), new))
        edits = [
            (s, e, t if for_md else f"\\bookref{{{t}}}")
            for s, e, t in merge_series(src.clean, refs)
        ]
        if for_md:
            edits += _md_edits(book, fi, a, b, out_dir, inside, heads)
        text = _apply(src.raw, a, b, edits)
        if fi != prev_file and text.strip():
            chunks.append(f"% --- {rel(src.path, book.main.parent)}:{src.line_of(a)}\n")
            prev_file = fi
        chunks.append(text)
    return "".join(chunks).rstrip() + "\n"


def _apply(raw: str, a: int, b: int, edits: list[tuple[int, int, str]]) -> str:
    out, pos = [], a
    for s, e, new in sorted(edits):
        if s < pos:
            continue  # overlapping edit (a ref inside a rewritten heading): keep the first
        out += [raw[pos:s], new]
        pos = e
    out.append(raw[pos:b])
    return "".join(out)


def _md_edits(
    book: Book, fi: int, a: int, b: int, out_dir: Path, inside: set[str],
    heads: dict[str, Heading],
) -> list[tuple[int, int, str]]:  # fmt: skip
    """Numbers pandoc cannot know: heading numbers, theorem numbers, equation tags, image
    paths relative to the Markdown file; references inside the headings and theorem notes that
    these replace; algorithms and TikZ figures pandoc cannot render (:mod:`.mdblocks`)."""
    edits: list[tuple[int, int, str]] = []
    for h in book.headings:
        if h.file == fi and a <= h.pos < b:
            text = _refs_in(h.title, book, inside, heads)
            title = text if h.number is None else f"{heading_name(book, h)}. {text}"
            if h.command not in {"part", "chapter", "addpart", "addchap"} and h.number:
                title = f"{h.number} {text}"
            edits.append((h.pos, h.end, f"\\{h.command}*{{{title}}}"))
    for blk in book.blocks:
        if blk.file == fi and a <= blk.begin < b:
            note = f" ({_refs_in(blk.note, book, inside, heads)})" if blk.note else ""
            edits.append((blk.begin, blk.head_end,
                          f"\n\n\\textbf{{{blk.name} {blk.number}}}{note}. "))  # fmt: skip
            edits.append((blk.end, blk.end_end, "\n\n"))
    for f, at, number in book.eqtags:
        if f == fi and a <= at < b and not number.startswith("("):
            edits.append((at, at, f"\\tag{{{number}}}"))
    src = book.files[fi]
    for m in _GRAPHICS_RE.finditer(src.clean, a, b):
        found = find_graphic(book, m.group(2).strip())
        if found is not None:
            edits.append((m.start(2), m.end(2), rel(found, out_dir)))
    rewrites = markdown_rewrites(src.clean, a, b)
    return edits + [(s, e, _refs_in(text, book, inside, heads)) for s, e, text in rewrites]


def _refs_in(text: str, book: Book, inside: set[str], heads: dict[str, Heading]) -> str:
    """``text`` (a heading title or theorem note) with its references written out as the
    Markdown route writes them in running text."""
    out, pos = [], 0
    for m in REF_RE.finditer(text):
        new = ref_replacement(book, m, inside, heads, True)
        if new is None:
            continue
        start = m.start() if (m.group("page") and "page" in new) else m.start("cmd") - 1
        out += [text[pos:start], new]
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _preamble(book: Book, out_dir: Path) -> str:
    """The book's preamble with its ``\\input`` files copied in and paths made relative to
    ``out_dir`` (``\\addbibresource``), then a ``\\graphicspath`` that reaches the figures."""
    chunks, prev = [], -1
    for fi, a, b in book.slices(0, book.begin_document):
        src = book.files[fi]
        text = src.raw[a:b]
        if fi != prev and text.strip():
            chunks.append(f"% --- {rel(src.path, book.main.parent)}:{src.line_of(a)}\n")
            prev = fi
        chunks.append(text if text.endswith("\n") else text + "\n")
    text = "".join(chunks)
    root = book.main.parent
    text = re.sub(
        r"(\\addbibresource\s*(?:\[[^\]]*\])?\s*\{)([^{}]*)(\})",
        lambda m: m.group(1) + rel(root / m.group(2).strip(), out_dir) + m.group(3),
        text,
    )
    dirs = "".join("{" + rel(d, out_dir) + "/}" for d in graphics_dirs(book))
    return (
        text.rstrip() + "\n\n% --- added by course book-sync: figures, references to the book\n"
        "\\makeatletter\\@ifpackageloaded{graphicx}{\\graphicspath{" + dirs + "}}{}\\makeatother\n"
        "\\providecommand{\\bookref}[1]{\\ifmmode\\textnormal{#1}\\else#1\\fi}\n"
    )


# counters every class the reader knows defines (others come from packages and the preamble)
_KERNEL_COUNTERS = {
    "part", "chapter", "section", "subsection", "subsubsection", "paragraph", "subparagraph",
    "equation", "figure", "table", "footnote",
}  # fmt: skip


def _cross_document_setup(book: Book, out_dir: Path, root: Path) -> str:
    """The book's ``.aux`` (``build/.book-aux/``, written by ``course build book``) as an
    external document: references outside the extract print what the book prints."""
    aux = rel(root / "build" / ".book-aux" / book.main.stem, out_dir)
    return (
        "\\makeatletter\\@ifpackageloaded{xr-hyper}{}{\\@ifpackageloaded{xr}{}{\\usepackage{xr}}}\n"
        f"\\externaldocument[book-]{{{aux}}}\n"
        "\\providecommand{\\bookrefnum}[2]{\\@ifundefined{r@book-#1}{#2}"
        "{\\expandafter\\expandafter\\expandafter\\@car\\csname r@book-#1\\endcsname\\@nil}}\n"
        "\\makeatother\n"
    )


def _counters_tex(book: Book, h: Heading, prev: Heading | None) -> str:
    """Commands that put LaTeX's counters where the book has them before heading ``h``."""
    state = h.state
    lines = []
    matter = state.get("matter")
    matter_class = book.docclass in {"book", "scrbook", "kaobook", "memoir", "amsbook"}
    if matter_class and matter and (prev is None or prev.state.get("matter") != matter):
        lines.append(f"\\{matter}matter")
    if state.get("appendix") and (prev is None or not prev.state.get("appendix")):
        lines.append("\\appendix")
    counters = state.get("counters", {})
    assert isinstance(counters, dict)
    for name, value in counters.items():
        if name.startswith("enum") or name in {"subfigure", "subtable"}:
            continue
        if name in _KERNEL_COUNTERS:
            lines.append(f"\\setcounter{{{name}}}{{{value}}}")
        else:  # a package's counter: set only where the preamble defined it
            lines.append(f"\\ifcsname c@{name}\\endcsname\\setcounter{{{name}}}{{{value}}}\\fi")
    return "\n".join(lines) + "\n"


def _bibliography(book: Book, out_dir: Path) -> str:
    root = book.main.parent
    if any(c.name == "addbibresource" for c in book.commands):
        return "\\printbibliography\n"
    out = []
    for c in book.commands:
        if c.name == "bibliographystyle":
            style = c.args[0].strip()
            local = root / f"{style}.bst"
            style = rel(root / style, out_dir) if local.is_file() else style
            out.append(f"\\bibliographystyle{{{style}}}")
        elif c.name == "bibliography":
            names = ",".join(rel(root / n.strip(), out_dir) for n in c.args[0].split(","))
            out.append(f"\\bibliography{{{names}}}")
    return "\n".join(out) + "\n" if out else ""


def render(
    book: Book, parts: Sequence[Heading], out_dir: Path, root: Path, lesson: int
) -> Rendered:
    """Return the extract of ``parts`` for a lesson folder ``out_dir`` (nothing is written)."""
    inside = {
        name for name, lab in book.labels.items()
        if any(h.gpos <= lab.gpos < h.gend for h in parts)
    }  # fmt: skip
    heads = {lab: h for h in book.headings for lab in h.labels}
    ranges: list[dict[str, Any]] = []
    for h in parts:
        ranges.append({"label": h.labels[0] if h.labels else "/".join(title_path(h)),
                       "heading": heading_name(book, h), "title": plain_title(h.title),
                       "ranges": _ranges(book, h, root)})  # fmt: skip
    header = _provenance(book, ranges, root, lesson)
    tex_header = "".join(f"% {line}\n" for line in header.splitlines())
    preamble = _preamble(book, out_dir)
    bodies, md_bodies, prev = [], [], None
    for h in parts:
        setup = _counters_tex(book, h, prev)
        bodies.append(setup + _body(book, h, inside, heads, False, out_dir))
        md_bodies.append(_body(book, h, inside, heads, True, out_dir))
        prev = h
    text_all = "".join(bodies)
    bib = _bibliography(book, out_dir) if _CITE_RE.search(text_all) else ""
    xr = _cross_document_setup(book, out_dir, root) if "\\bookrefnum{" in text_all else ""
    tex = (f"{tex_header}{preamble}{xr}\n\\begin{{document}}\n{text_all}\n{bib}"
           "\\end{document}\n")  # fmt: skip
    md_input = f"{preamble}\n\\begin{{document}}\n{''.join(md_bodies)}\n\\end{{document}}\n"
    md_header = "".join(f"<!-- {line} -->\n" for line in header.splitlines())
    unresolved(book, parts, root)
    support = {
        f.path.name: f.path.read_text(encoding="utf-8")
        for f in book.files if f.path.suffix in {".sty", ".cls"}
    }  # fmt: skip
    return Rendered(tex, md_input, md_header, ranges, support, bib_files(book))


_CITE_KEYS_RE = re.compile(
    r"\\(?:[a-zA-Z]*cite[a-zA-Z]*|nocite)\*?\s*(?:\[[^\]]*\]\s*){0,2}\{([^{}]*)\}"
)
_BIB_KEY_RE = re.compile(r"@\s*[A-Za-z]+\s*[{(]\s*([^,\s]+)\s*,")


def bib_files(book: Book) -> tuple[Path, ...]:
    """The ``.bib`` files the book names (``\\bibliography``, ``\\addbibresource``) that exist."""
    root = book.main.parent
    names = [n.strip() for c in book.commands if c.name in {"bibliography", "addbibresource"}
             for n in c.args[-1].split(",") if n.strip()]  # fmt: skip
    paths = [root / (n if n.endswith(".bib") else f"{n}.bib") for n in names]
    return tuple(dict.fromkeys(p.resolve() for p in paths if p.is_file()))


def bib_keys(book: Book) -> set[str] | None:
    """The entry keys of the book's ``.bib`` files (None: the book names none that exists)."""
    keys: set[str] | None = None
    for path in bib_files(book):
        text = path.read_text(encoding="utf-8", errors="replace")
        keys = (keys or set()) | set(_BIB_KEY_RE.findall(text))
    return keys


def unresolved(book: Book, parts: Sequence[Heading], root: Path) -> None:
    """Raise BookError listing every reference to a label the book does not define and every
    citation its bibliography lacks, inside the extract (``file:line: \\ref{x}: …``)."""
    from course_cli.latex.model import BookError

    problems: list[str] = []
    keys = bib_keys(book)
    for h in parts:
        for fi, a, b in span_slices(book, h):
            src = book.files[fi]
            where = rel(src.path, root)
            for m in REF_RE.finditer(src.clean, a, b):
                for name in (n.strip() for n in m.group("labels").split(",")):
                    if name and name not in book.labels:
                        at = f"{where}:{src.line_of(m.start())}"
                        problems.append(
                            f"{at}: \\{m.group('cmd')}{{{name}}}: the book defines no label {name}"
                        )
            for m in _CITE_KEYS_RE.finditer(src.clean, a, b):
                for key in (k.strip() for k in m.group(1).split(",")):
                    if key and key != "*" and (keys is None or key not in keys):
                        why = (
                            "not in the bibliography"
                            if keys is not None
                            else ("the book names no bibliography file that exists")
                        )
                        problems.append(f"{where}:{src.line_of(m.start())}: citation {key}: {why}")
    if problems:
        raise BookError(
            f"{len(problems)} unresolved reference(s)/citation(s) in the extract:\n"
            + "\n".join(problems),
            hint="define the label or add the entry to the .bib file; nothing was written",
        )


def _provenance(book: Book, ranges: list[dict[str, Any]], root: Path, lesson: int) -> str:
    """The "DO NOT EDIT" lines that head both outputs: what was taken from where."""
    main_rel = rel(book.main, root)
    bfile, bpos = book.locate(book.begin_document)
    pre_rel = rel(book.files[bfile].path, root)
    pre_end = book.files[bfile].line_of(bpos) - 1
    where = "; ".join(
        f"{r['file']}:{r['lines'][0]}-{r['lines'][1]}" for p in ranges for r in p["ranges"]
    )
    what = ", ".join(f"{p['heading']} ({p['label']})" for p in ranges)
    return (
        f"DO NOT EDIT: generated by `course book-sync` from the book {main_rel}: {what};\n"
        f"source {where}; preamble up to {pre_rel}:{pre_end}.\n"
        f"Edit the book, then run `course book-sync {lesson}` (--force replaces hand edits)."
    )
