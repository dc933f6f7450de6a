"""One pass over the flattened document: :func:`read_book` walks the main file and the files
it includes, and hands each command it stops at to the module that understands it."""

from __future__ import annotations

import re
from pathlib import Path

from course_cli.latex.counters import Counters
from course_cli.latex.definitions import (
    declaretheorem,
    documentclass,
    newtheorem,
    numberwithin,
    preamble_macro,
    setcounter,
)
from course_cli.latex.environments import begin_env, end_env
from course_cli.latex.labels import caption, close_regions, footnote, item, label, label_macro
from course_cli.latex.model import Book, BookError, Command, Piece, SourceFile
from course_cli.latex.sections import boundary, heading, link_headings
from course_cli.latex.sources import input_command, load
from course_cli.latex.state import State
from course_cli.latex.text import parse_args
from course_cli.latex.vocabulary import (
    BOUNDARY_COMMANDS,
    CHAPTER_CLASSES,
    HEADING_LEVELS,
    INPUT_COMMANDS,
    PREAMBLE_COMMANDS,
    PREAMBLE_RE,
)

# arguments of the commands kept for extraction (bibliography, graphicspath, boundaries)
_COMMAND_ARGS = {"bibliography": "m", "bibliographystyle": "m", "addbibresource": "om",
                 "graphicspath": "m", "printbibliography": "o"}  # fmt: skip


def read_book(main: Path, strict: bool = True) -> Book:
    """Read the LaTeX book whose main file is ``main``.

    Returns a :class:`Book` with headings (numbered as LaTeX would), labels and source pieces.
    With ``strict`` a missing ``\\input`` file is an error; otherwise it is listed in
    ``Book.missing``. Raises BookError (message starting ``file:line``) for unreadable or
    malformed sources: unbalanced braces, invalid UTF-8, include cycles, directories,
    unterminated environments, no ``\\begin{document}`` or ``\\end{document}``.
    """
    if not main.is_file():
        raise BookError(
            f"{main}: the book's main file does not exist"
            if not main.is_dir()
            else f"{main}: is a directory, not a .tex file"
        )
    st = State(main, strict)
    fi = load(st, main, str(main))
    st.active.append((st.main, st.files[fi].name))
    walk(st, fi, st.root)
    _check_complete(st, st.files[fi].name)
    link_headings(st.headings, st.commands, st.end_doc)
    return Book(
        st.main, st.docclass, st.files, st.pieces, st.headings, st.labels, st.commands,
        st.begin_doc, st.end_doc, st.missing, st.env_names, st.blocks, st.eqtags, st.probed,
    )  # fmt: skip


def _check_complete(st: State, name: str) -> None:
    """Raise BookError unless the document began, ended, and closed every environment."""
    if st.begin_doc < 0:
        raise BookError(f"{name}:1: no \\begin{{document}} found")
    if st.end_doc < 0:
        b = next(c for c in st.commands if c.name == "begin-document")
        raise BookError(
            f"{st.files[b.file].where(b.pos)}: \\begin{{document}} has no \\end{{document}}"
        )
    if st.stack:
        f = st.stack[-1]
        raise BookError(f"{st.files[f.file].where(f.pos)}: \\begin{{{f.env}}} is never closed")


def walk(st: State, fi: int, base: Path) -> None:
    """Scan file ``fi`` (inputs resolved against ``base``), descending into the files it
    includes, and append its pieces of the flattened document."""
    src = st.files[fi]
    text = src.clean
    pos = last = src.body[0] if src.body else 0
    stop = src.body[1] if src.body else len(text)
    gbase = st.glen
    while not st.done:
        m = (PREAMBLE_RE if st.in_preamble else st.body_re).search(text, pos, stop)
        if m is None:
            break
        name = m.group(1)
        pos = m.end()
        if st.in_preamble and name in {"usepackage", "RequirePackage", "LoadClass"}:
            local_definitions(st, src, m)
        if st.in_preamble and name not in PREAMBLE_COMMANDS:
            pos = preamble_macro(st, src, m)
            continue
        g = gbase + (m.start() - last)
        if st.regions:
            close_regions(st, fi, m.start())
        if name in INPUT_COMMANDS:
            pos, child = input_command(st, src, m, base)
            if child is not None:
                st.pieces.append(Piece(fi, last, m.start(), gbase))
                st.glen = gbase + (m.start() - last)
                _follow(st, src, m, *child)
                last, gbase = pos, st.glen
            continue
        pos = handle(st, src, fi, m, g)
        if name == "documentclass":
            local_definitions(st, src, m)  # after the class's own counters are set up
        if name == "end" and st.done:
            st.end_doc = g
    st.pieces.append(Piece(fi, last, stop, gbase))
    st.glen = gbase + (stop - last)


def _follow(st: State, src: SourceFile, m: re.Match[str], path: Path, cbase: Path) -> None:
    """Walk the file an input command at ``m`` names; raises BookError for a cycle."""
    where = src.where(m.start())
    if any(p == path.resolve() for p, _ in st.active):
        chain = " -> ".join(w for _, w in st.active[1:]) + f" -> {where}"
        raise BookError(f"{where}: \\{m.group(1)} cycle: {path.name} is already open ({chain})")
    ci = load(st, path, where)
    subfile_body(st.files[ci])
    st.active.append((path.resolve(), where))
    walk(st, ci, cbase)
    st.active.pop()


def local_definitions(st: State, src: SourceFile, m: re.Match[str]) -> None:
    """A package or class of the book's own folder (``\\usepackage{mythm}`` with
    ``mythm.sty`` beside the main file): read its definitions (theorems, counters) as part of
    the preamble; its text is not part of the document."""
    args, _ = parse_args(src, m.end(), "om", m.group(1))
    ext = ".cls" if m.group(1) in {"documentclass", "LoadClass"} else ".sty"
    for name in str(args[1]).split(","):
        path = st.root / f"{name.strip()}{ext}"
        if not name.strip():
            continue
        st.probed.append(path)
        if not path.is_file():
            continue
        if any(p == path.resolve() for p, _ in st.active):
            continue
        ci = load(st, path, src.where(m.start()))
        pieces, glen, in_preamble = list(st.pieces), st.glen, st.in_preamble
        st.active.append((path.resolve(), src.where(m.start())))
        if ext == ".cls":
            base_class = re.search(r"\\LoadClass\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}",
                                   st.files[ci].clean)  # fmt: skip
            if base_class:
                st.docclass = base_class.group(1).strip()
                st.ctr = Counters(st.docclass in CHAPTER_CLASSES)
        walk(st, ci, st.root)
        st.active.pop()
        st.pieces, st.glen, st.in_preamble = pieces, glen, in_preamble


_SUBFILES_RE = re.compile(r"\\documentclass\s*(?:\[[^\]]*\])?\s*\{\s*subfiles\s*\}")
_DOC_RE = re.compile(r"\\(begin|end)\s*\{document\}")


def subfile_body(src: SourceFile) -> None:
    """A ``subfiles`` file (``\\documentclass[../main]{subfiles}``) compiles alone; included,
    TeX reads only what lies between its ``\\begin{document}`` and ``\\end{document}``."""
    if src.body is not None or not _SUBFILES_RE.search(src.clean):
        return
    marks = {m.group(1): m for m in _DOC_RE.finditer(src.clean)}
    if "begin" not in marks or "end" not in marks:
        raise BookError(f"{src.name}:1: a subfiles file without \\begin{{document}} and "
                        "\\end{document}")  # fmt: skip
    src.body = (marks["begin"].end(), marks["end"].start())


def handle(st: State, src: SourceFile, fi: int, m: re.Match[str], g: int) -> int:
    """Act on the body or preamble command at ``m``; return the offset where the scan goes
    on."""
    name = m.group(1)
    if name in HEADING_LEVELS:
        return heading(st, src, fi, m, g)
    if name == "begin":
        return begin_env(st, src, fi, m, g)
    if name == "end":
        return end_env(st, src, m)
    if name == "label":
        args, end = parse_args(src, m.end(), "m", name)
        label(st, str(args[0]).strip(), fi, src.line_of(m.start()), g)
        return end
    if name in {"caption", "captionof"}:
        return caption(st, src, m, name)
    if name == "item":
        return item(st, src, m)
    if name == "footnote":
        return footnote(st, src, fi, m)
    if name in st.label_macros:
        return label_macro(st, src, fi, m, g)
    if name in BOUNDARY_COMMANDS:
        boundary(st, name)
    return _declaration(st, src, fi, m, g)


def _declaration(st: State, src: SourceFile, fi: int, m: re.Match[str], g: int) -> int:
    """Counter and theorem declarations; anything else is kept as a :class:`Command`."""
    name = m.group(1)
    if name == "documentclass":
        return documentclass(st, src, m)
    if name == "newtheorem":
        return newtheorem(st, src, m, m.group(2) == "*")
    if name == "declaretheorem":
        return declaretheorem(st, src, m)
    if name == "numberwithin":
        return numberwithin(st, src, m)
    if name in {"setcounter", "addtocounter"}:
        return setcounter(st, src, m, name)
    args, end = parse_args(src, m.end(), _COMMAND_ARGS.get(name, ""), name)
    st.commands.append(Command(name, tuple(a or "" for a in args), fi, m.start(), end, g))
    return end
