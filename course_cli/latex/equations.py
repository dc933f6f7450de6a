"""Equation numbering: equation-like environments row by row (``\\label``, ``\\nonumber``,
``\\tag``, ``\\\\`` in multi-row environments) and ``subequations``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from course_cli.latex.counters import alph
from course_cli.latex.model import BookError, Label, SourceFile
from course_cli.latex.state import State
from course_cli.latex.text import parse_args
from course_cli.latex.vocabulary import MULTIROW_ENVS

_ROW_RE = re.compile(
    r"\\\\|\\(begin|end)\s*\{([^{}]*)\}|\\(label|nonumber|notag|tag)(?![A-Za-z@])(\*?)|[{}]|\\."
)


@dataclass
class Row:
    """One row of an equation: numbered or not, its ``\\tag`` and its labels."""

    numbered: bool
    tag: str | None = None
    labels: list[tuple[str, int, int]] = field(default_factory=list)


def step_equation(st: State) -> str:
    """Step the equation counter (``2.3a``, ``2.3b`` inside ``subequations``)."""
    if st.subeq:
        top = st.subeq[-1]
        assert isinstance(top, list)
        top[1] += 1
        return f"{top[0]}{alph(top[1]).lower()}"
    return st.ctr.step("equation")


def equation(st: State, src: SourceFile, fi: int, m: re.Match[str], env: str, start: int,
             g: int, kind: str) -> int:  # fmt: skip
    """Number an equation-like environment row by row (labels, \\nonumber, \\tag); return
    the offset after its ``\\end``. Raises BookError for a missing or mismatched ``\\end``."""
    starred = kind.endswith("*")
    multirow = kind.rstrip("*") in MULTIROW_ENVS
    depth = 0
    envs: list[str] = []
    row = Row(not starred)
    if kind.rstrip("*") == "alignat":
        _, start = parse_args(src, start, "m", env)
    for t in _ROW_RE.finditer(src.clean, start):
        tok = t.group(0)
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif t.group(1) == "begin":
            envs.append(t.group(2))
        elif t.group(1) == "end":
            if envs:
                envs.pop()
                continue
            if t.group(2).strip() != env:
                raise BookError(
                    f"{src.where(t.start())}: \\end{{{t.group(2)}}} does not "
                    f"match \\begin{{{env}}} at {src.where(m.start())}"
                )
            _finish(st, fi, row, t.start())
            return t.end()
        elif tok == "\\\\" and multirow and depth == 0 and not envs:
            _finish(st, fi, row, t.start())
            row = Row(not starred)
        elif t.group(3):
            _row_command(src, t, row, g + (t.start() - m.start()))
    raise BookError(f"{src.where(m.start())}: \\begin{{{env}}} has no \\end{{{env}}}")


def _row_command(src: SourceFile, t: re.Match[str], row: Row, gl: int) -> None:
    """``\\label``, ``\\nonumber``/``\\notag`` or ``\\tag`` inside a row."""
    command = t.group(3)
    if command == "label":
        args, _ = parse_args(src, t.end(), "m", "label")
        row.labels.append((str(args[0]).strip(), src.line_of(t.start()), gl))
    elif command in {"nonumber", "notag"}:
        row.numbered = False
    elif command == "tag":
        args, _ = parse_args(src, t.end(), "m", "tag")
        row.tag = str(args[0]).strip()


def _finish(st: State, fi: int, row: Row, at: int) -> None:
    """Give a finished row its number (its tag, the next equation number, or none) and
    record its labels; ``at`` is where the row ends (where a Markdown ``\\tag`` goes)."""
    labels = row.labels
    if row.tag is not None:
        number: str | None = row.tag
    elif row.numbered:
        number = step_equation(st)
        st.eqtags.append((fi, at, number))
    else:
        number = st.current[1] if labels else None
    for name, line, gl in labels:
        if name not in st.labels:
            st.labels[name] = Label(name, "equation", number, fi, line, gl)
