"""Sectioning: headings numbered as LaTeX numbers them, matter and appendix boundaries, and
the span of each heading in the flattened document."""

from __future__ import annotations

import re

from course_cli.latex.model import Command, Heading, SourceFile
from course_cli.latex.state import State
from course_cli.latex.text import parse_args, skip_space, squash
from course_cli.latex.vocabulary import (
    BOUNDARY_COMMANDS,
    HEADING_LEVELS,
    MATTER_CLASSES,
    UNNUMBERED_COMMANDS,
)

_COUNTER_OF = {"addpart": "part", "addchap": "chapter", "addsec": "section"}


def heading(st: State, src: SourceFile, fi: int, m: re.Match[str], g: int) -> int:
    """Record the sectioning command at ``m`` (stepping its counter when LaTeX numbers it);
    return the offset after its arguments."""
    cmd, star = m.group(1), m.group(2) == "*"
    nxt = skip_space(src.clean, m.end())
    if nxt >= len(src.clean) or src.clean[nxt] not in "[{":
        return m.end()  # the command passed as a token (\titleformat{\chapter}, \let)
    args, end = parse_args(src, m.end(), "om", cmd)
    if st.docclass == "kaobook":  # \section[toc]{title}[margin]
        _, end = parse_args(src, end, "o", cmd)
    level = HEADING_LEVELS[cmd]
    counter = _COUNTER_OF.get(cmd, cmd)
    state: dict[str, object] = {
        "counters": dict(st.ctr.value), "appendix": st.appendix, "matter": st.matter,
    }  # fmt: skip
    number = st.ctr.step(counter) if _numbered(st, cmd, star, level, counter) else None
    title = squash(str(args[1]))
    short = squash(args[0]) if args[0] is not None else None
    h = Heading(cmd, level, title, short, star, number, fi, src.line_of(m.start()),
                m.start(), end, g, state=state, depth=len(st.stack))  # fmt: skip
    st.headings.append(h)
    if number is not None:
        st.current = (counter, number)
    st.attach = h
    return end


def _numbered(st: State, cmd: str, star: bool, level: int, counter: str) -> bool:
    if star or cmd in UNNUMBERED_COMMANDS or level > st.ctr.secnumdepth:
        return False
    if counter not in st.ctr.value:
        return False
    return not (counter == "chapter" and st.docclass in MATTER_CLASSES and not st.mainmatter)


def boundary(st: State, name: str) -> None:
    """``\\frontmatter``/``\\mainmatter``/``\\backmatter``/``\\appendix``: how chapters number."""
    if name == "frontmatter":
        st.mainmatter, st.matter = False, "front"
    elif name == "mainmatter":
        st.mainmatter, st.matter = True, "main"
    elif name == "backmatter":
        st.mainmatter, st.matter = False, "back"
    elif name == "appendix":
        st.appendix = True
        top = "chapter" if "chapter" in st.ctr.value else "section"
        st.ctr.value[top] = 0
        st.ctr.reset_below(top)
        st.ctr.style[top] = "Alph"


def link_headings(headings: list[Heading], commands: list[Command], end_doc: int) -> None:
    """Set each heading's parent and the end of its span (next heading at its level or
    above, a matter/appendix/bibliography boundary, or ``\\end{document}``)."""
    bounds = sorted(c.gpos for c in commands if c.name in BOUNDARY_COMMANDS)
    stack: list[Heading] = []
    for i, h in enumerate(headings):
        while stack and stack[-1].level >= h.level:
            stack.pop()
        h.parent = stack[-1] if stack else None
        stack.append(h)
        end = end_doc
        for later in headings[i + 1 :]:
            if later.level <= h.level:
                end = later.gpos
                break
        for b in bounds:
            if b > h.gpos:
                end = min(end, b)
                break
        h.gend = end
