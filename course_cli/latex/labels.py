"""What a ``\\label`` refers to: the last numbered thing (heading, theorem, caption, item,
footnote, ``\\refstepcounter``) and the number ``\\ref`` prints for it."""

from __future__ import annotations

import re

from course_cli.latex.counters import format_counter, roman
from course_cli.latex.model import Label, SourceFile
from course_cli.latex.state import State
from course_cli.latex.text import parse_args, skip_space

_LABEL_BODY_RE = re.compile(r"\\(refstepcounter|label)\s*\{([^{}]*)\}")
_ENUM_THE_RE = re.compile(r"\\(arabic|roman|Roman|alph|Alph)\s*\{([a-z]+)\}")
_LISTS = {"enumerate", "itemize", "description"}


def label(st: State, name: str, fi: int, line: int, g: int) -> None:
    """Record ``\\label{name}`` for what is numbered at this point (first definition wins)."""
    if name in st.labels:
        return  # LaTeX warns "multiply defined"; the first definition wins in our tables
    env, number = st.current
    if st.attach is not None and len(st.stack) == st.attach.depth:
        st.attach.labels.append(name)
        env = st.attach.command
    st.labels[name] = Label(name, env or "document", number, fi, line, g)


def label_macro(st: State, src: SourceFile, fi: int, m: re.Match[str], g: int) -> int:
    """A user macro such as ``\\symlabel{x}`` = ``\\refstepcounter{c}\\label{x}``."""
    nargs, body = st.label_macros[m.group(1)]
    args, end = parse_args(src, m.end(), "m" * nargs, m.group(1))
    for k, arg in enumerate(args, 1):
        body = body.replace(f"#{k}", str(arg))
    for t in _LABEL_BODY_RE.finditer(body):
        if t.group(1) == "label":
            label(st, t.group(2).strip(), fi, src.line_of(m.start()), g)
        else:
            counter = t.group(2).strip()
            st.ctr.new(counter, st.ctr.within.get(counter))
            st.current, st.attach = (counter, st.ctr.step(counter)), None
    return end


def footnote(st: State, src: SourceFile, fi: int, m: re.Match[str]) -> int:
    """Labels inside ``\\footnote{…}`` get the footnote's number (until its end)."""
    args, end = parse_args(src, m.end(), "om", "footnote")
    number = args[0] if args[0] is not None else st.ctr.step("footnote")
    st.regions.append((fi, end, st.current, st.attach))
    st.current, st.attach = ("footnote", number), None
    return m.end()  # the footnote's text is scanned too


def close_regions(st: State, fi: int, pos: int) -> None:
    """Leave the footnotes of file ``fi`` that end before ``pos``."""
    while st.regions and st.regions[-1][0] == fi and st.regions[-1][1] <= pos:
        _, _, st.current, st.attach = st.regions.pop()


def caption(st: State, src: SourceFile, m: re.Match[str], name: str) -> int:
    """``\\caption`` steps its float's counter; ``\\captionof{kind}`` steps ``kind``."""
    spec = "mom" if name == "captionof" else "om"
    args, end = parse_args(src, m.end(), spec, name)
    kind = str(args[0]).strip() if name == "captionof" else None
    if kind is None:
        for f in reversed(st.stack):
            if f.env.startswith("sub"):
                return end  # subcaption numbering is not modelled
            if f.env in st.floats:
                kind = st.floats[f.env]
                break
    if kind is not None and kind in st.ctr.value:
        st.current = (kind, st.ctr.step(kind))
    return end


def item(st: State, src: SourceFile, m: re.Match[str]) -> int:
    """``\\item`` in an ``enumerate`` steps its counter (``\\item[x]`` steps nothing)."""
    nxt = skip_space(src.clean, m.end())
    if nxt < len(src.clean) and src.clean[nxt] == "[":
        _, end = parse_args(src, m.end(), "o", "item")
        return end  # an explicit item label steps nothing
    lists = [f.env for f in st.stack if f.env in _LISTS]
    if lists and lists[-1] == "enumerate":
        depth = min(lists.count("enumerate"), 4)
        refs = []
        for d in range(1, depth + 1):
            name = f"enum{roman(d).lower()}"
            if d == depth:
                st.ctr.value[name] = st.ctr.value.get(name, 0) + 1
            refs.append(enum_the(st, name, d))
        # LaTeX's \p@enumii = \theenumi, \p@enumiii = \theenumi(\theenumii), ...
        ref = refs[-1] if depth == 1 else refs[0] + "".join(f"({r})" for r in refs[1:-1]) + refs[-1]
        st.current = ("item", ref)
    return m.end()


def enum_the(st: State, name: str, depth: int) -> str:
    """``\\theenumi``…: the book's own template if it redefines one, else LaTeX's default."""
    template = st.enum_templates.get(name)
    value = st.ctr.value.get(name, 0)
    if template is None:
        return format_counter(("arabic", "alph", "roman", "Alph")[depth - 1], value)
    return _ENUM_THE_RE.sub(
        lambda t: format_counter(t.group(1), st.ctr.value.get(t.group(2), 0)),
        template,
    )
