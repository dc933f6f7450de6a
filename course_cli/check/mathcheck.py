"""Math rules: ``$``/``$$`` balance, ``\\begin``/``\\end``, ``\\left``/``\\right``, braces, macros.

Where math is (and unclosed dollars) comes from :mod:`course_cli.check.dollars`; which macros
are defined beyond the standard ones from :mod:`course_cli.check.mathdefs`.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from course_cli.check.dollars import MathSpan
from course_cli.check.findings import Finding
from course_cli.check.mathdefs import (
    MathContext,
    defined_environments,
    defined_names,
)
from course_cli.check.source import Doc

__all__ = [
    "check_labels",
    "check_math",
    "check_references",
]

_TOKEN_RE = re.compile(
    r"\\(begin|end)\s*\{([^{}]*)\}|\\(left|right)(?![A-Za-z])|\\([A-Za-z]+)|\\.|[{}]", re.S
)


def check_math(doc: Doc, ctx: MathContext, *, deck: bool) -> list[Finding]:
    """Run the math rules (M001–M005) over one document.

    ``deck`` selects the known names: a Marp deck is rendered by MathJax with every package,
    other Markdown goes through LaTeX, which knows fewer.
    """
    from course_cli.check import mathnames

    out = [doc.finding(p.code, p.offset, p.message, p.hint) for p in doc.dollar_problems]
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


def check_references(doc: Doc, external: frozenset[str] = frozenset()) -> list[Finding]:
    """M006: ``\\eqref{x}``/``\\ref{x}`` where the file has no ``\\label{x}`` nor an id ``x``
    and ``x`` is not among the ``external`` labels other files define (the PDF build fails on
    these; comments and code do not count)."""
    text = doc.visible
    if "ref" not in text:
        return []
    known = set(_LABEL_RE.findall(text)) | external
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


def read_label_names(path: Path) -> frozenset[str]:
    """The labels a references file declares: its ``\\label{x}``, its ``{#x}`` ids, and lines
    that hold one bare name (``eq:bellman``); ``#`` starts a comment line."""
    text = path.read_text(encoding="utf-8", errors="replace")
    names = set(_LABEL_RE.findall(text))
    names.update(a or b for a, b in _IDS_RE.findall(text))
    names.update(
        line.strip() for line in text.splitlines()
        if re.fullmatch(r"[\w:.-]+", line.strip()) and not line.lstrip().startswith("#")
    )  # fmt: skip
    return frozenset(n.strip() for n in names if n.strip())


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
