"""The course macros file (``materials/macros.tex``): one LaTeX definition a line.

The same definitions serve the book (``\\input``), every conspect (LaTeX header, or prepended to
the Markdown so pandoc expands them for typst), the slides (MathJax) and ``course check``
(which macros exist). Accepted lines::

    \\newcommand{\\name}{body}            \\newcommand{\\name}[n]{body with #1..#n}
    \\renewcommand / \\providecommand      (same shapes)
    \\DeclareMathOperator{\\name}{text}    \\DeclareMathOperator*{\\name}{text}

``%`` comments and blank lines are skipped. A definition may run over several lines as long as
its braces balance.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from course_cli.core.errors import ConfigError
from course_cli.latex.text import read_group

_DEF_RE = re.compile(
    r"\\(?P<cmd>newcommand|renewcommand|providecommand|DeclareMathOperator)(?P<star>\*?)\s*"
)
_NAME_RE = re.compile(r"\s*(?:\{\s*\\(?P<braced>[A-Za-z]+)\s*\}|\\(?P<bare>[A-Za-z]+))")
_NARGS_RE = re.compile(r"\s*\[\s*(\d)\s*\]")
_DEFAULT_RE = re.compile(r"\s*\[[^\]]*\]")

Macros = dict[str, tuple[int, str]]


def strip_comment(line: str) -> str:
    """Return ``line`` without its ``%`` comment (an escaped ``\\%`` is kept)."""
    m = re.search(r"(?<!\\)(?:\\\\)*%", line)
    return line[: m.start()] if m else line


def _group(text: str, i: int) -> tuple[str, int] | None:
    """The ``{...}`` group starting at or after ``i`` (skipping spaces): (content, end) or None."""
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text) or text[i] != "{":
        return None
    end = read_group(text, i)
    return (text[i + 1 : end - 1], end) if end >= 0 else None


def mathjax_macros(macros_path: Path) -> dict[str, Any]:
    """The course macros as MathJax 3 wants them (``name: body`` or ``name: [body, nargs]``);
    empty when the file does not exist."""
    macros: dict[str, Any] = {}
    if macros_path.is_file():
        for name, (nargs, body) in read_macros(macros_path).items():
            macros[name] = [body, nargs] if nargs else body
    return macros


def parse_macros(text: str, name: str = "macros.tex") -> Macros:
    """Parse definitions from ``text``; return ``{name: (nargs, body)}`` in file order.

    Names carry no backslash (``"argmax"``). A ``\\DeclareMathOperator`` becomes an
    ``\\operatorname`` body (``\\operatorname*{arg\\,max}`` for the starred form) with 0 args.
    Raises ConfigError listing every line that starts a definition but cannot be read.
    """
    macros: Macros = {}
    problems: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        chunk = strip_comment(lines[i])
        i += 1
        m = _DEF_RE.search(chunk)
        if not m:
            continue
        # A definition over several lines: join until its braces balance.
        while chunk.count("{") - chunk.count("\\{") > chunk.count("}") - chunk.count(
            "\\}"
        ) and i < len(lines):
            chunk += "\n" + strip_comment(lines[i])
            i += 1
        parsed = _parse_one(chunk, m)
        if parsed is None:
            shown = lines[start].strip()
            problems.append(f"{name}:{start + 1}: cannot read this definition: {shown}")
            continue
        macros[parsed[0]] = parsed[1]
    if problems:
        raise ConfigError(
            problems,
            hint="one definition a line: \\newcommand{\\name}[n]{body} or "
            "\\DeclareMathOperator{\\name}{text}",
        )
    return macros


def _parse_one(chunk: str, m: re.Match[str]) -> tuple[str, tuple[int, str]] | None:
    pos = m.end()
    nm = _NAME_RE.match(chunk, pos)
    if not nm:
        return None
    name = nm.group("braced") or nm.group("bare")
    pos = nm.end()
    if m.group("cmd") == "DeclareMathOperator":
        group = _group(chunk, pos)
        if group is None:
            return None
        star = "*" if m.group("star") else ""
        return name, (0, f"\\operatorname{star}{{{group[0]}}}")
    nargs = 0
    na = _NARGS_RE.match(chunk, pos)
    if na:
        nargs = int(na.group(1))
        pos = na.end()
        default = _DEFAULT_RE.match(chunk, pos)  # an optional first argument's default
        if default:
            pos = default.end()
    group = _group(chunk, pos)
    if group is None:
        return None
    return name, (nargs, group[0])


@lru_cache(maxsize=8)
def _read_cached(path: str, mtime_ns: int, size: int) -> Macros:
    p = Path(path)
    return parse_macros(p.read_text(encoding="utf-8"), p.name)


def read_macros(path: Path) -> Macros:
    """Read the macros file at ``path``: ``{name: (nargs, body)}``, names without backslash.

    Raises ConfigError when the file is missing or a definition cannot be read.
    """
    try:
        st = path.stat()
    except OSError as exc:
        raise ConfigError(
            [f"{path}: no such macros file"], hint="create it or fix `macros:` in course.yaml"
        ) from exc
    return dict(_read_cached(str(path), st.st_mtime_ns, st.st_size))


def as_newcommands(macros: Macros) -> str:
    """The macros as ``\\newcommand`` lines (operators as ``\\operatorname`` bodies).

    This is the form pandoc's Markdown reader expands (``latex_macros``) and that a Markdown
    body may carry: ``\\DeclareMathOperator`` is only legal in a LaTeX preamble.
    """
    lines = []
    for name, (nargs, body) in macros.items():
        args = f"[{nargs}]" if nargs else ""
        lines.append(f"\\newcommand{{\\{name}}}{args}{{{body}}}")
    return "\n".join(lines) + "\n"


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def tex_text(text: str) -> str:
    """``text`` as LaTeX text: the ten special characters escaped."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)
