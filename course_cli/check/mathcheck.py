"""Math rules: ``$``/``$$`` balance, ``\\begin``/``\\end``, ``\\left``/``\\right``, braces, macros.

Math is found the way pandoc finds it (``tex_math_dollars``): an opening ``$`` has a
non-space character on its right, the closing one a non-space on its left and no digit after
it, and inline math never crosses a blank line. So ``$ 17.83`` and ``$5 and $10`` are prices,
not math. Code spans and blocks are blanked before this module sees the text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from course_cli.check.findings import Finding
from course_cli.check.source import Doc, DollarProblem, MathSpan

_INLINE_STOP_RE = re.compile(r"\\.|\$|\n[ \t]*(?:\n|\Z)", re.S)
_TEXISH_RE = re.compile(r"\\[A-Za-z]+|\^|_\{|[{}]")
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
_TOKEN_RE = re.compile(
    r"\\(begin|end)\s*\{([^{}]*)\}|\\(left|right)(?![A-Za-z])|\\([A-Za-z]+)|\\.|[{}]", re.S
)
_DEF_RE = re.compile(
    r"\\(?:(?:re)?newcommand|providecommand|DeclareMathOperator\*?|DeclarePairedDelimiter)"
    r"\s*\{?\s*\\([A-Za-z]+)"
    r"|\\(?:def|let|gdef|edef)\s*\\([A-Za-z]+)"
)
_ENVDEF_RE = re.compile(r"\\(?:re)?newenvironment\s*\{([^{}]+)\}")


def _escaped(text: str, pos: int) -> bool:
    n = 0
    while pos > 0 and text[pos - 1] == "\\":
        n += 1
        pos -= 1
    return n % 2 == 1


def scan_dollars(text: str) -> tuple[list[MathSpan], list[DollarProblem]]:
    """Find ``$…$`` and ``$$…$$`` spans in ``text`` (code already blanked).

    Returns the spans and the problems: a ``$$`` never closed (or closed only after a blank
    line), and a ``$`` that opens TeX-looking content but never closes.
    """
    spans: list[MathSpan] = []
    problems: list[DollarProblem] = []
    n = len(text)
    i = text.find("$")
    while 0 <= i < n:
        if _escaped(text, i):
            i = text.find("$", i + 1)
            continue
        if text.startswith("$$", i):
            end = _display_end(text, i)
            if end is None:
                problems.append(_display_problem(text, i))
                i = text.find("$", i + 2)
                continue
            spans.append(MathSpan(i, end + 2, i + 2, end, True))
            i = text.find("$", end + 2)
            continue
        after = text[i + 1 : i + 2]
        if not after or after.isspace():
            i = text.find("$", i + 1)  # "$ 17.83": a price, not math
            continue
        close, reason = _inline_end(text, i)
        if close is not None:
            spans.append(MathSpan(i, close + 1, i + 1, close, False))
            i = text.find("$", close + 1)
            continue
        problem = _inline_problem(text, i, reason)
        if problem is not None:
            problems.append(problem)
        i = text.find("$", i + 1)
    return spans, problems


def _display_end(text: str, start: int) -> int | None:
    pos = start + 2
    while True:
        end = text.find("$$", pos)
        if end < 0:
            return None
        if not _escaped(text, end):
            break
        pos = end + 2
    if _BLANK_LINE_RE.search(text, start + 2, end):
        return None
    return end


def _display_problem(text: str, start: int) -> DollarProblem:
    blank = _BLANK_LINE_RE.search(text, start + 2)
    later = text.find("$$", start + 2)
    if later >= 0 and blank is not None and blank.start() < later:
        return DollarProblem(
            start,
            "display math opened with $$ runs into a blank line before its closing $$",
            "remove the blank line inside $$ … $$",
        )
    return DollarProblem(start, "display math opened with $$ is never closed", "close it with $$")


def _inline_end(text: str, start: int) -> tuple[int | None, str]:
    for m in _INLINE_STOP_RE.finditer(text, start + 1):
        token = m.group()
        if token.startswith("\\"):
            continue
        if token != "$":
            return None, "paragraph"
        pos = m.start()
        if text[pos - 1].isspace():
            return None, "space"
        if pos + 1 < len(text) and text[pos + 1].isdigit():
            return None, "digit"
        return pos, ""
    return None, "paragraph"


def _inline_problem(text: str, start: int, reason: str) -> DollarProblem | None:
    stop = re.compile(r"\s").search(text, start + 1)
    word = text[start + 1 : stop.start() if stop else len(text)]
    if not _TEXISH_RE.search(word):
        return None  # "$5 and $10", "$HOME": prose, not math
    if reason == "space":
        return DollarProblem(
            start,
            "inline math is not closed: the next $ follows a space",
            "write $x$ with no space before the closing $",
        )
    if reason == "digit":
        return DollarProblem(
            start,
            "inline math is not closed: the closing $ is followed by a digit",
            "put a space after the closing $",
        )
    return DollarProblem(
        start,
        "inline math opened with $ is never closed in its paragraph",
        "close it with $ (write \\$ for a literal dollar sign)",
    )


def defined_names(text: str) -> set[str]:
    """Return the macro names (without backslash) that ``text`` defines."""
    return {a or b for a, b in _DEF_RE.findall(text)}


def defined_environments(text: str) -> set[str]:
    """Return the environment names that ``text`` defines with ``\\newenvironment``."""
    return set(_ENVDEF_RE.findall(text))


def read_macro_names(path: Path) -> frozenset[str]:
    """Return the macro names the shared macros file defines (empty when it is missing).

    Uses ``course_cli.macros.read_macros`` when that module exists, else a line scan.
    """
    reader: Any = None
    try:
        from course_cli.macros import read_macros

        reader = read_macros
    except ImportError:
        pass
    if not path.is_file():
        return frozenset()
    if reader is not None:
        try:
            return frozenset(_names_of(reader(path)))
        except Exception:
            pass
    try:
        return frozenset(defined_names(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return frozenset()


def _names_of(macros: object) -> Iterable[str]:
    items: Iterable[object] = macros.keys() if isinstance(macros, dict) else macros  # type: ignore[assignment]
    for item in items:
        name = item if isinstance(item, str) else getattr(item, "name", "")
        name = str(name).lstrip("\\")
        if name:
            yield name


_MATHJAX_MACROS_RE = re.compile(r"\bmacros\s*:\s*\{", re.I)
_MATHJAX_KEY_RE = re.compile(r"[{,]\s*[\"']?([A-Za-z]+)[\"']?\s*:")


def mathjax_config_macros(root: Path, limit: int = 300) -> set[str]:
    """Return macro names defined in MathJax configurations (``Macros: {name: …}``) found in
    the HTML and JavaScript files under ``root`` (a site's layouts often define them)."""
    import os

    names: set[str] = set()
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "node_modules"]
        for name in files:
            if not name.endswith((".html", ".js", ".mjs")):
                continue
            seen += 1
            if seen > limit:
                return names
            path = Path(folder) / name
            try:
                if path.stat().st_size > 200_000:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for m in _MATHJAX_MACROS_RE.finditer(text):
                names.update(_top_level_keys(text, m.end() - 1))
    return names


def _top_level_keys(text: str, start: int) -> set[str]:
    depth, i, keys = 0, start, set()
    while i < len(text):
        c = text[i]
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                break
        if depth == 1 and c in "{,":
            m = _MATHJAX_KEY_RE.match(text, i)
            if m:
                keys.add(m.group(1))
        i += 1
    return keys


class MathContext:
    """What the math rules need to know beyond the file: the macros defined elsewhere."""

    def __init__(
        self,
        shared_macros: Iterable[str] = (),
        shared_path: str = "materials/macros.tex",
        shared_missing: bool = False,
    ):
        self.shared = frozenset(shared_macros)
        self.shared_path = shared_path
        self.shared_missing = shared_missing


def check_math(doc: Doc, ctx: MathContext, *, deck: bool) -> list[Finding]:
    """Run the math rules (M001–M005) over one document.

    ``deck`` selects the known names: a Marp deck is rendered by MathJax with every package,
    other Markdown goes through LaTeX, which knows fewer.
    """
    from course_cli.check import mathnames

    out = [doc.finding("M001", p.offset, p.message, p.hint) for p in doc.dollar_problems]
    if not doc.math:
        return out
    known = mathnames.MATHJAX_MACROS if deck else mathnames.LATEX_MACROS
    envs = mathnames.MATHJAX_ENVIRONMENTS if deck else mathnames.LATEX_ENVIRONMENTS
    local = defined_names(doc.text)
    local_envs = defined_environments(doc.text)
    reported: set[str] = set()
    names = known | local | ctx.shared if local or ctx.shared else known
    environments = envs | local_envs if local_envs else envs
    for span in doc.math:
        out.extend(_check_span(doc, span, names, environments, ctx, reported))
    return out


_MESSAGES = {
    "unknown-env": ("M002", "unknown environment {{{x}}}",
                    "use an amsmath environment such as aligned or cases"),
    "open-env": ("M002", "\\begin{{{x}}} is never ended",
                 "add \\end{{{x}}} inside the same math block"),
    "stray-right": ("M003", "\\right without a matching \\left",
                    "pair every \\right with a \\left in the same formula"),
    "open-left": ("M003", "\\left without a matching \\right",
                  "add \\right. (an invisible delimiter) if only one side is wanted"),
    "stray-brace": ("M005", "}} without a matching {{ in math",
                    "remove it or write \\}} for a literal brace"),
    "open-brace": ("M005", "{{ is never closed in math",
                   "add the missing }} or write \\{{ for a literal brace"),
}  # fmt: skip


def _say(doc: Doc, what: str, at: int, x: str = "") -> Finding:
    code, message, hint = _MESSAGES[what]
    return doc.finding(code, at, message.format(x=x), hint.format(x=x))


def _check_span(
    doc: Doc,
    span: MathSpan,
    known: frozenset[str] | set[str],
    envs: frozenset[str] | set[str],
    ctx: MathContext,
    reported: set[str],
) -> list[Finding]:
    """M002–M005 inside one formula: environments, \\left/\\right and braces pair up,
    every macro is known (each unknown name is reported once per file)."""
    out: list[Finding] = []
    env_stack: list[tuple[str, int]] = []
    lr_stack: list[int] = []
    braces: list[int] = []
    body = doc.text[span.body_start : span.body_end]
    for m in _TOKEN_RE.finditer(body):
        at = span.body_start + m.start()
        kind, env, lr, name = m.group(1), (m.group(2) or "").strip(), m.group(3), m.group(4)
        token = m.group()
        if kind == "begin":
            env_stack.append((env, at))
            if env not in envs:
                out.append(_say(doc, "unknown-env", at, env))
        elif kind == "end":
            out.extend(_close_env(doc, env, at, env_stack))
        elif lr:
            if not _pair(lr == "left", at, lr_stack):
                out.append(_say(doc, "stray-right", at))
        elif name is not None:
            if name not in known and name not in reported:
                reported.add(name)
                out.append(_undefined(doc, name, at, known, ctx))
        elif token in ("{", "}") and not _pair(token == "{", at, braces):
            out.append(_say(doc, "stray-brace", at))
    out.extend(_say(doc, "open-env", at, env) for env, at in env_stack)
    out.extend(_say(doc, "open-left", at) for at in lr_stack)
    out.extend(_say(doc, "open-brace", at) for at in braces)
    return out


def _pair(opens: bool, at: int, stack: list[int]) -> bool:
    """Push an opener or pop its match; False for a closer without an opener."""
    if opens:
        stack.append(at)
    elif stack:
        stack.pop()
    else:
        return False
    return True


def _close_env(doc: Doc, env: str, at: int, stack: list[tuple[str, int]]) -> list[Finding]:
    if not stack:
        return [
            doc.finding(
                "M002",
                at,
                f"\\end{{{env}}} without a matching \\begin",
                f"add \\begin{{{env}}} or remove the \\end",
            )
        ]
    open_env, open_at = stack.pop()
    if open_env == env:
        return []
    line = doc.pos(open_at)[0]
    return [
        doc.finding(
            "M002",
            at,
            f"\\end{{{env}}} closes \\begin{{{open_env}}} opened on line {line}",
            f"write \\end{{{open_env}}} here, or fix the \\begin",
        )
    ]


def _undefined(
    doc: Doc, name: str, at: int, known: frozenset[str] | set[str], ctx: MathContext
) -> Finding:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    message = f"\\{name} is not defined here, in {ctx.shared_path}, or in standard LaTeX/MathJax"
    if close:
        message += f" (did you mean \\{close[0]}?)"
    hint = f"define it in {ctx.shared_path}: \\newcommand{{\\{name}}}{{…}}"
    if ctx.shared_missing:
        hint = f"{ctx.shared_path} (course.yaml `macros:`) does not exist: create it, or " + hint
    return doc.finding("M004", at, message, hint)


_LABEL_RE = re.compile(r"\\label\s*\{([^{}]+)\}")
_REF_RE = re.compile(r"\\(eqref|ref|autoref|cref|Cref)\s*\{([^{}]+)\}")
_IDS_RE = re.compile(r"\{[^{}\n]*#([\w:.-]+)[^{}\n]*\}|\bid\s*=\s*[\"']([^\"']+)[\"']")


def check_references(doc: Doc) -> list[Finding]:
    """M006: ``\\eqref{x}``/``\\ref{x}`` where the file has no ``\\label{x}`` nor an id ``x``
    (the PDF build fails on these; comments and code do not count)."""
    text = doc.visible
    if "ref" not in text:
        return []
    known = set(_LABEL_RE.findall(text))
    known.update(a or b for a, b in _IDS_RE.findall(text))
    out = []
    for m in _REF_RE.finditer(text):
        for name in (x.strip() for x in m.group(2).split(",")):
            if name and name not in known:
                out.append(
                    doc.finding(
                        "M006",
                        m.start(),
                        f"\\{m.group(1)}{{{name}}} names no \\label or id in this file",
                        f"label the equation inside its $$ … $$: \\label{{{name}}}",
                    )
                )
    return out


def check_labels(doc: Doc) -> list[Finding]:
    """M007: a ``\\label{x}`` defined more than once in a file (LaTeX warns "multiply defined"
    and every ``\\eqref{x}`` points at the last one; MathJax refuses the second). One finding per
    name, at its second definition, naming every line; comments and code do not count."""
    text = doc.visible
    if "\\label" not in text:
        return []
    seen: dict[str, list[int]] = {}
    for m in _LABEL_RE.finditer(text):
        seen.setdefault(m.group(1).strip(), []).append(m.start())
    out = []
    for name, offsets in seen.items():
        if len(offsets) < 2:
            continue
        lines = [doc.pos(at)[0] for at in offsets]
        times = "twice" if len(lines) == 2 else f"{len(lines)} times"
        where = ", ".join(map(str, lines[:-1])) + f" and {lines[-1]}"
        out.append(
            doc.finding(
                "M007",
                offsets[1],
                f"\\label{{{name}}} is defined {times}, on lines {where}",
                "give each equation its own label (a \\ref or \\eqref can only point at one)",
            )
        )
    return out
