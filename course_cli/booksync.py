"""``course book-sync``: the lessons' extracts of the LaTeX book, with provenance.

For each lesson with a ``book:`` list in course.yaml, :func:`sync` writes
``lessons/lesson_NN/book/``:

- ``book.tex``: the selected chapters/sections with the book's preamble (its ``\\input`` files
  copied in), counters set so that they print the book's own numbers ("Chapter 2"), references
  to labels outside the extract turned into text ("Theorem 1.3 in the book"), the book's
  figures and bibliography reached by relative paths. It compiles alone.
- ``book.md``: the same text through pandoc (GitHub-flavoured Markdown, numbers written out).
- ``book-sync.lock.json``: source files and their hashes, the line ranges taken, and the hash
  of every written file. A file whose bytes differ from its recorded hash was edited by hand
  and is never overwritten without ``force``.

Nothing is written when nothing changed, and an up-to-date lesson is recognised from the
lock's hashes alone (no parse, no pandoc).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.errors import ProblemsFound, UsageError
from course_cli.latex import Book, Heading, plain_title, read_book, title_path

if TYPE_CHECKING:
    from course_cli.config import Course, Lesson

GENERATOR_VERSION = 1
# Identifies what the LaTeX reader and the extractor produce; every lock records it, and a
# lock with another one is stale. Change it (any new value) with every change to
# course_cli.latex or course_cli.booksync that may change an extract; a pure refactoring
# keeps it. tests/test_booksync_generator.py fails when the fixture book's extracts change
# while this stays. (It used to be a hash of latex.py and booksync.py; this is the last one,
# so the extracts that code wrote stay fresh.)
GENERATOR_ID = "b17a3afabc57be99"
LOCK_NAME = "book-sync.lock.json"
TEX_NAME = "book.tex"
MD_NAME = "book.md"
HEADING_NAMES = {
    "part": "Part", "addpart": "Part", "chapter": "Chapter", "addchap": "Chapter",
    "section": "Section", "addsec": "Section", "subsection": "Section",
    "subsubsection": "Section", "paragraph": "Paragraph", "subparagraph": "Paragraph",
}  # fmt: skip
OTHER_NAMES = {"figure": "Figure", "table": "Table", "item": "item", "equation": ""}
_REF_RE = re.compile(
    r"(?P<page>(?<![A-Za-z])(?:page|p\.)~?\s*)?"
    r"\\(?P<cmd>ref|eqref|cref|Cref|autoref|Autoref|pageref|nameref|vref|Vref|cpageref|"
    r"labelcref)(?![A-Za-z@])\*?\s*\{(?P<labels>[^{}]*)\}"
)
_CITE_RE = re.compile(r"\\(?:no)?cite[a-zA-Z]*\*?\s*[\[{]|\\(?:paren|text|auto|foot)cite")
_GRAPHICS_RE = re.compile(r"(\\includegraphics\*?\s*(?:\[[^\]]*\])?\s*\{)([^{}]*)(\})")


# --------------------------------------------------------------------------- selection


def select(book: Book, names: Sequence[str], where: str = "book") -> list[Heading]:
    """Return the headings that ``names`` select, in book order.

    A name is a ``\\label`` attached to a heading, or a title path ``"Chapter/Section"``.
    Raises UsageError for an unknown name, with the closest labels (difflib) as a hint.
    """
    by_label = {lab: h for h in book.headings for lab in h.labels}
    chosen: list[Heading] = []
    for name in names:
        h = by_label.get(name) or _by_title_path(book, name, where)
        if h is None:
            close = difflib.get_close_matches(name, list(by_label), n=3, cutoff=0.5)
            other = book.labels.get(name)
            why = f" (it labels a {other.env}, not a heading)" if other is not None else ""
            raise UsageError(
                f"{where}: unknown label {name!r}{why}",
                hint=("did you mean " + ", ".join(repr(c) for c in close) + "?")
                if close
                else "run `course book-sync --outline` to see the book's labels",
            )
        if h not in chosen:
            chosen.append(h)
    chosen.sort(key=lambda h: h.gpos)
    # a part inside another selected part comes with it already
    return [h for h in chosen if not any(o is not h and o.gpos <= h.gpos < o.gend for o in chosen)]


def _by_title_path(book: Book, name: str, where: str) -> Heading | None:
    want = [" ".join(p.split()).casefold() for p in name.split("/") if p.strip()]
    if len(want) < 2 and "/" not in name:
        want = [" ".join(name.split()).casefold()]
    hits = [h for h in book.headings
            if [t.casefold() for t in title_path(h)][-len(want):] == want]  # fmt: skip
    if len(hits) > 1:
        places = ", ".join(book.where(h.file, h.line) for h in hits)
        raise UsageError(f"{where}: title path {name!r} is ambiguous ({places})",
                         hint="give a longer path or add a \\label to the heading")  # fmt: skip
    return hits[0] if hits else None


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Rendered:
    """An extract before it is written: LaTeX text, pandoc input, provenance."""

    tex: str
    md_input: str
    md_header: str
    ranges: list[dict[str, Any]]


def _rel(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


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
        name = _rel(src.path, root)
        if out and out[-1]["file"] == name and out[-1]["lines"][1] >= first - 1:
            out[-1]["lines"][1] = max(out[-1]["lines"][1], last)
        else:
            out.append({"file": name, "lines": [first, last]})
    return out


def _describe(book: Book, h: Heading) -> str:
    kind = HEADING_NAMES.get(h.command, h.command)
    if h.number is None:
        return f"{kind.lower()} ``{plain_title(h.title)}''"
    if h.command == "chapter" and h.number[:1].isalpha():
        kind = "Appendix"
    return f"{kind} {h.number}"


def _label_text(book: Book, name: str, cmd: str, heads: dict[str, Heading]) -> str | None:
    """Return what a reference to ``name`` prints, with its kind (``Theorem 1.3``)."""
    lab = book.labels.get(name)
    if lab is None:
        return None
    h = heads.get(name)
    if h is not None and (h.number is None or cmd == "nameref"):
        return f"``{plain_title(h.title)}''" if cmd == "nameref" else _describe(book, h)
    if h is not None and cmd not in {"ref", "pageref", "labelcref"}:
        return _describe(book, h).replace(" ", "~", 1)
    number = lab.number or "?"
    if lab.env == "equation":
        paren = f"({number})"
        return paren if cmd in {"eqref", "cref", "Cref", "autoref", "Autoref", "vref"} else number
    if cmd in {"ref", "pageref", "labelcref"}:
        return number
    if h is not None:
        return _describe(book, h)
    kind = book.env_names.get(lab.env) or OTHER_NAMES.get(lab.env, lab.env.capitalize())
    return f"{kind}~{number}" if kind else number


def _ref_replacement(
    book: Book, m: re.Match[str], inside: set[str], heads: dict[str, Heading], all_refs: bool
) -> str | None:
    cmd = m.group("cmd")
    names = [n.strip() for n in m.group("labels").split(",") if n.strip()]
    if not names or (not all_refs and all(n in inside for n in names)):
        return None
    parts = []
    for n in names:
        text = _label_text(book, n, cmd, heads)
        if text is None:
            return None  # a broken reference in the book stays as it is
        if cmd == "pageref" or m.group("page"):
            text = f"the page of {_label_text(book, n, 'cref', heads)}"
        parts.append(text if n in inside else f"{text} in the book")
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return joined


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
        for m in _REF_RE.finditer(src.clean, a, b):
            new = _ref_replacement(book, m, inside, heads, for_md)
            if new is not None:
                start = m.start() if (m.group("page") and "page" in new) else m.start("cmd") - 1
                refs.append((start, m.end(), new))
        edits = [
            (s, e, t if for_md else f"\\bookref{{{t}}}")
            for s, e, t in _merge_series(src.clean, refs)
        ]
        if for_md:
            edits += _md_edits(book, fi, a, b, out_dir)
        text = _apply(src.raw, a, b, edits)
        if fi != prev_file and text.strip():
            chunks.append(f"% --- {_rel(src.path, book.main.parent)}:{src.line_of(a)}\n")
            prev_file = fi
        chunks.append(text)
    return "".join(chunks).rstrip() + "\n"


_SERIES_RE = re.compile(r",?\s*(?:and|or|to|--|–)[~\s]*")
_IN_BOOK = " in the book"


def _merge_series(clean: str, refs: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
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


def _apply(raw: str, a: int, b: int, edits: list[tuple[int, int, str]]) -> str:
    out, pos = [], a
    for s, e, new in sorted(edits):
        if s < pos:
            continue  # overlapping edit (a ref inside a rewritten heading): keep the first
        out += [raw[pos:s], new]
        pos = e
    out.append(raw[pos:b])
    return "".join(out)


def _md_edits(book: Book, fi: int, a: int, b: int, out_dir: Path) -> list[tuple[int, int, str]]:
    """Numbers pandoc cannot know: heading numbers, theorem numbers, equation tags, image
    paths relative to the Markdown file."""
    edits: list[tuple[int, int, str]] = []
    for h in book.headings:
        if h.file == fi and a <= h.pos < b:
            title = h.title if h.number is None else f"{_describe(book, h)}. {h.title}"
            if h.command not in {"part", "chapter", "addpart", "addchap"} and h.number:
                title = f"{h.number} {h.title}"
            edits.append((h.pos, h.end, f"\\{h.command}*{{{title}}}"))
    for blk in book.blocks:
        if blk.file == fi and a <= blk.begin < b:
            note = f" ({blk.note})" if blk.note else ""
            edits.append((blk.begin, blk.head_end,
                          f"\n\n\\textbf{{{blk.name} {blk.number}}}{note}. "))  # fmt: skip
            edits.append((blk.end, blk.end_end, "\n\n"))
    for f, at, number in book.eqtags:
        if f == fi and a <= at < b and not number.startswith("("):
            edits.append((at, at, f"\\tag{{{number}}}"))
    src = book.files[fi]
    for m in _GRAPHICS_RE.finditer(src.clean, a, b):
        found = _find_graphic(book, m.group(2).strip())
        if found is not None:
            edits.append((m.start(2), m.end(2), _rel(found, out_dir)))
    return edits


def _graphics_dirs(book: Book) -> list[Path]:
    root = book.main.parent
    dirs = []
    for c in book.commands:
        if c.name == "graphicspath":
            dirs += [root / d for d in re.findall(r"\{([^{}]*)\}", c.args[0])]
    return [*dirs, root]


def _find_graphic(book: Book, name: str) -> Path | None:
    for d in _graphics_dirs(book):
        for ext in ("", ".png", ".jpg", ".jpeg", ".svg", ".pdf"):
            p = d / f"{name}{ext}"
            if p.is_file():
                return p
    return None


def _preamble(book: Book, out_dir: Path) -> str:
    """The book's preamble with its ``\\input`` files copied in and paths made relative to
    ``out_dir`` (``\\addbibresource``), then a ``\\graphicspath`` that reaches the figures."""
    chunks, prev = [], -1
    for fi, a, b in book.slices(0, book.begin_document):
        src = book.files[fi]
        text = src.raw[a:b]
        if fi != prev and text.strip():
            chunks.append(f"% --- {_rel(src.path, book.main.parent)}:{src.line_of(a)}\n")
            prev = fi
        chunks.append(text if text.endswith("\n") else text + "\n")
    text = "".join(chunks)
    root = book.main.parent
    text = re.sub(
        r"(\\addbibresource\s*(?:\[[^\]]*\])?\s*\{)([^{}]*)(\})",
        lambda m: m.group(1) + _rel(root / m.group(2).strip(), out_dir) + m.group(3),
        text,
    )
    dirs = "".join("{" + _rel(d, out_dir) + "/}" for d in _graphics_dirs(book))
    return (
        text.rstrip() + "\n\n% --- added by course book-sync: figures, references to the book\n"
        "\\makeatletter\\@ifpackageloaded{graphicx}{\\graphicspath{" + dirs + "}}{}\\makeatother\n"
        "\\providecommand{\\bookref}[1]{\\ifmmode\\textnormal{#1}\\else#1\\fi}\n"
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
        if not name.startswith("enum") and name not in {"subfigure", "subtable"}:
            lines.append(f"\\setcounter{{{name}}}{{{value}}}")
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
            style = _rel(root / style, out_dir) if local.is_file() else style
            out.append(f"\\bibliographystyle{{{style}}}")
        elif c.name == "bibliography":
            names = ",".join(_rel(root / n.strip(), out_dir) for n in c.args[0].split(","))
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
                       "heading": _describe(book, h), "title": plain_title(h.title),
                       "ranges": _ranges(book, h, root)})  # fmt: skip
    main_rel = _rel(book.main, root)
    bfile, bpos = book.locate(book.begin_document)
    pre_rel = _rel(book.files[bfile].path, root)
    pre_end = book.files[bfile].line_of(bpos) - 1
    where = "; ".join(
        f"{r['file']}:{r['lines'][0]}-{r['lines'][1]}" for p in ranges for r in p["ranges"]
    )
    what = ", ".join(f"{p['heading']} ({p['label']})" for p in ranges)
    header = (
        f"DO NOT EDIT: generated by `course book-sync` from the book {main_rel}: {what};\n"
        f"source {where}; preamble up to {pre_rel}:{pre_end}.\n"
        f"Edit the book, then run `course book-sync {lesson}` (--force replaces hand edits)."
    )
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
    tex = f"{tex_header}{preamble}\n\\begin{{document}}\n{text_all}\n{bib}\\end{{document}}\n"
    md_input = f"{preamble}\n\\begin{{document}}\n{''.join(md_bodies)}\n\\end{{document}}\n"
    md_header = "".join(f"<!-- {line} -->\n" for line in header.splitlines())
    return Rendered(tex, md_input, md_header, ranges)


# --------------------------------------------------------------------------- markdown


def markdown(rendered: Rendered, course: Course, cwd: Path) -> str:
    """Return the Markdown rendering of an extract: pandoc (LaTeX -> GitHub Markdown).

    Raises ToolNotFoundError / ToolFailedError from :mod:`course_cli.tools`.
    """
    from course_cli.tools import Toolbox

    args = ["-f", "latex", "-t", "gfm", "--wrap=none", "--top-level-division=chapter"]
    done = Toolbox.for_course(course).run(
        "pandoc", args, cwd=cwd, timeout=120, input=rendered.md_input
    )
    return rendered.md_header + "\n" + done.stdout.lstrip()


# --------------------------------------------------------------------------- lock and sync


def _sha(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def _file_sha(path: Path) -> str | None:
    try:
        return _sha(path.read_bytes())
    except OSError:
        return None


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

    def rel(self, path: Path) -> str:
        """``path`` relative to the course root."""
        return _rel(path, self.root)

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


def generator_id() -> str:
    """Identify the rules that render extracts (recorded in every lock: see GENERATOR_ID)."""
    return GENERATOR_ID


def _read_lock(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _lock_is_fresh(lock: dict[str, Any] | None, lesson: Lesson, folder: Path, root: Path,
                   main_rel: str) -> list[str]:  # fmt: skip
    """Return why the lesson's extract may be stale (empty: fresh), from hashes alone."""
    if lock is None:
        return ["no lock file (never synced)"]
    if lock.get("version") != GENERATOR_VERSION or lock.get("generator") != generator_id():
        return ["made by another version of book-sync"]
    if lock.get("book") != main_rel:
        return [f"made from another book ({lock.get('book')})"]
    if lock.get("labels") != list(lesson.book):
        return ["the lesson's `book:` list changed"]
    reasons = []
    for rel, sha in sorted(lock.get("sources", {}).items()):
        if _file_sha(root / rel) != sha:
            reasons.append(f"source {rel} changed")
    for name, sha in sorted(lock.get("outputs", {}).items()):
        now = _file_sha(folder / name)
        if now is None:
            reasons.append(f"{name} is missing")
        elif now != sha:
            reasons.append(f"{name} was edited by hand")
    return reasons


def sync(
    course: Course, numbers: Sequence[int] = (), *, check: bool = False, force: bool = False,
    markdown_fn: Any = None,
) -> SyncReport:  # fmt: skip
    """Bring ``lessons/lesson_NN/book/`` up to date with the book for the selected lessons.

    Returns a :class:`SyncReport`. With ``check`` nothing is written and stale files are
    reported. A file edited by hand is reported and kept unless ``force``. Raises BookError
    for an unreadable book, UsageError for an unknown label, tool errors from pandoc.
    """
    root = course.root
    main = course.path(course.book.source)
    main_rel = _rel(main, root)
    report = SyncReport(root, check)
    book: Book | None = None
    # course.lesson() per number: Course.select() hashes lessons, which fails for a `book:` list
    chosen = [course.lesson(n) for n in dict.fromkeys(numbers)] if numbers else course.lessons
    for lesson in sorted(chosen, key=lambda les: les.number):
        if not lesson.book:
            continue
        folder = lesson.dir(root) / "book"
        result = LessonResult(lesson.number, folder)
        report.lessons.append(result)
        lock = _read_lock(folder / LOCK_NAME)
        reasons = _lock_is_fresh(lock, lesson, folder, root, main_rel)
        if not reasons and not force:
            result.files = [
                FileAction(folder / n, "unchanged") for n in (TEX_NAME, MD_NAME, LOCK_NAME)
            ]
            continue
        if book is None:
            book = read_book(main)
        _sync_lesson(book, course, lesson, folder, lock, result, check=check, force=force,
                     markdown_fn=markdown_fn or markdown)  # fmt: skip
    return report


def _sync_lesson(
    book: Book, course: Course, lesson: Lesson, folder: Path, lock: dict[str, Any] | None,
    result: LessonResult, *, check: bool, force: bool, markdown_fn: Any,
) -> None:  # fmt: skip
    root = course.root
    idx = next(i for i, les in enumerate(course.lessons) if les.number == lesson.number)
    parts = _select_for(book, course, lesson, idx)
    r = render(book, parts, folder, root, lesson.number)
    recorded: dict[str, str] = (lock or {}).get("outputs", {})
    md_in_sha = _sha(r.md_input)
    md_same_input = (lock or {}).get("inputs", {}).get(MD_NAME) == md_in_sha
    outputs: dict[str, str] = {}
    to_write: dict[str, tuple[Path, str | None, bool]] = {}  # name -> (path, content, edited)
    for name in (TEX_NAME, MD_NAME):
        path = folder / name
        disk, rec = _file_sha(path), recorded.get(name)
        content: str | None = r.tex if name == TEX_NAME else None
        want = _sha(content) if content is not None else (rec if md_same_input else None)
        edited = disk is not None and disk != rec
        if disk is not None and disk == want:
            result.files.append(FileAction(path, "unchanged"))
            outputs[name] = disk
        elif check:
            status = "missing" if disk is None else "edited" if edited else "stale"
            detail = {"missing": "missing", "edited": "edited by hand (differs from the lock)",
                      "stale": "stale: the book changed"}[status]  # fmt: skip
            result.files.append(FileAction(path, status, detail))
        elif edited and not force:
            result.files.append(
                FileAction(path, "kept-edit", "edited by hand; not overwritten (use --force)")
            )
            if rec is not None:
                outputs[name] = rec
        else:
            to_write[name] = (path, content, edited)
    if MD_NAME in to_write:  # run pandoc before writing anything: a failure leaves no half sync
        path, _, edited = to_write[MD_NAME]
        folder.mkdir(parents=True, exist_ok=True)
        to_write[MD_NAME] = (path, markdown_fn(r, course, folder), edited)
    from course_cli.fsutil import atomic_write

    for name, (path, content, edited) in to_write.items():
        assert content is not None
        if _file_sha(path) == _sha(content):
            result.files.append(FileAction(path, "unchanged"))
        else:
            atomic_write(path, content)
            result.files.append(FileAction(path, "forced" if edited else "written"))
        outputs[name] = _sha(content)
    _write_lock(book, course, lesson, folder, r, md_in_sha, outputs, result, check)


def _select_for(book: Book, course: Course, lesson: Lesson, idx: int) -> list[Heading]:
    """``select`` for a lesson; an unknown label is reported at its line of course.yaml."""
    for j, name in enumerate(lesson.book):
        try:
            select(book, [name], where="")
        except UsageError as exc:
            from course_cli.yamlpos import load_yaml

            line = load_yaml(course.config_path).line_of(["lessons", idx, "book", j])
            where = f"{course.config_path.name}:{line}: lessons[{idx}].book[{j}]"
            raise UsageError(f"{where}{exc.message}", hint=exc.hint) from exc
    return select(book, lesson.book)


def _write_lock(
    book: Book, course: Course, lesson: Lesson, folder: Path, r: Rendered, md_in_sha: str,
    outputs: dict[str, str], result: LessonResult, check: bool,
) -> None:  # fmt: skip
    root = course.root
    main_rel = _rel(book.main, root)
    lock = {
        "_comment": "DO NOT EDIT: written by `course book-sync` (provenance of this folder).",
        "version": GENERATOR_VERSION,
        "generator": generator_id(),
        "book": main_rel,
        "lesson": lesson.number,
        "labels": list(lesson.book),
        "parts": r.ranges,
        "sources": {_rel(f.path, root): _file_sha(f.path) for f in book.files},
        "inputs": {MD_NAME: md_in_sha},
        "outputs": dict(sorted(outputs.items())),
    }
    text = json.dumps(lock, indent=2, ensure_ascii=False) + "\n"
    path = folder / LOCK_NAME
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    if old == text:
        result.files.append(FileAction(path, "unchanged"))
    elif check:
        if old is None:
            result.files.append(FileAction(path, "missing", "missing (never synced)"))
    else:
        from course_cli.fsutil import atomic_write

        atomic_write(path, text)
        result.files.append(FileAction(path, "written"))


def outline(course: Course, fmt: str = "text") -> str:
    """Return the book's outline as text (see :func:`course_cli.latex.format_outline`) or, for
    ``fmt == "json"``, as JSON: headings (level, number, title, labels, file, line) and every
    label with its environment and number. Raises BookError for an unreadable book."""
    from course_cli.latex import format_outline

    book = read_book(course.path(course.book.source))
    if fmt != "json":
        return format_outline(book)
    data = {
        "book": _rel(book.main, course.root),
        "headings": [
            {"command": h.command, "level": h.level, "number": h.number, "title": h.title,
             "labels": h.labels, "file": book.files[h.file].name, "line": h.line}
            for h in book.headings
        ],
        "labels": {
            name: {"env": lab.env, "number": lab.number, "file": book.files[lab.file].name,
                   "line": lab.line}
            for name, lab in book.labels.items()
        },
    }  # fmt: skip
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def describe(report: SyncReport) -> list[str]:
    """Return the report as lines for the terminal: one per file that changed or needs care,
    and a summary line."""
    lines = []
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
        "lessons": [
            {"lesson": les.number, "folder": report.rel(les.folder),
             "files": [{"path": report.rel(f.path), "status": f.status, "detail": f.detail}
                       for f in les.files]}
            for les in report.lessons
        ],
        "problems": report.problems(),
    }  # fmt: skip


# --------------------------------------------------------------------------- build


def plan_build(course: Course, lessons: list[Lesson], options: Any) -> list[Any]:
    """Build steps for the lessons' extracts: ``lessons/lesson_NN/book/book.tex`` ->
    ``build/lesson_NN/book.pdf`` (latexmk + xelatex + bibtex, as the whole book is built).

    ``options`` is a :class:`course_cli.build.BuildOptions`; returns ``BuildStep``s (one per
    lesson whose extract exists). Raises ToolNotFoundError when latexmk or xelatex is missing.
    """
    from course_cli.bookpdf import BookAction, BookJob, book_inputs, latexmk_args
    from course_cli.build import BuildStep, key_of

    tb = options.toolbox
    steps = []
    for lesson in lessons:
        main = lesson.dir(course.root) / "book" / TEX_NAME
        if not main.is_file():
            continue
        inputs, _ = book_inputs(main)
        # the figures it names are inputs; whole \graphicspath folders are not (the book's
        # folder is one, and the book's own PDF is written there)
        inputs = [p for p in inputs if not p.is_dir()]
        job = BookJob(
            main=main.resolve(),
            root=course.root,
            aux_dir=options.build_dir / ".lesson-book-aux" / lesson.dirname,
            included=(),
        )
        steps.append(
            BuildStep(
                kind="book",
                output=options.build_dir / lesson.dirname / "book.pdf",
                inputs=tuple(inputs),
                action=BookAction(job, tb),
                key=key_of(
                    latexmk=tb.version("latexmk"),
                    xelatex=tb.version("xelatex"),
                    args=" ".join(latexmk_args(job)),
                ),
                label=f"{lesson.dirname}/book.pdf",
            )
        )
    return steps
