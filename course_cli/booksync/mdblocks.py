"""LaTeX that pandoc cannot turn into readable Markdown, rewritten for ``book.md`` only.

``algorithmic`` (algpseudocode) becomes nested LaTeX lists with bold keywords, which pandoc reads
as nested Markdown lists (pandoc itself runs every statement into one line); a ``tikzpicture``,
which pandoc drops, leaves a note that the figure is in the book PDF. ``book.tex`` keeps the
original LaTeX.
"""

from __future__ import annotations

import re

from course_cli.latex.text import read_group

_ALGORITHMIC_RE = re.compile(
    r"\\begin\{algorithmic\}(?:\[[^\]]*\])?(.*?)\\end\{algorithmic\}", re.S
)
_TIKZ_RE = re.compile(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", re.S)
_CMD_RE = re.compile(
    r"\\(State|Statex|Require|Ensure|Input|Output|Return|If|ElsIf|Else|EndIf|For|ForAll|"
    r"EndFor|While|EndWhile|Repeat|Until|Loop|EndLoop|Function|EndFunction|Procedure|"
    r"EndProcedure|Comment)\b"
)
FIGURE_NOTE = r"\emph{(The figure is drawn in the book PDF.)}"

# command -> (label, number of brace arguments, opens a block, closes a block)
_KINDS: dict[str, tuple[str, int, bool, bool]] = {
    "State": ("", 0, False, False),
    "Statex": ("", 0, False, False),
    "Require": (r"\textbf{Require:} ", 0, False, False),
    "Input": (r"\textbf{Input:} ", 0, False, False),
    "Ensure": (r"\textbf{Ensure:} ", 0, False, False),
    "Output": (r"\textbf{Output:} ", 0, False, False),
    "Return": (r"\textbf{return} ", 0, False, False),
    "If": (r"\textbf{if} {0} \textbf{then}", 1, True, False),
    "ElsIf": (r"\textbf{else if} {0} \textbf{then}", 1, True, True),
    "Else": (r"\textbf{else}", 0, True, True),
    "For": (r"\textbf{for} {0} \textbf{do}", 1, True, False),
    "ForAll": (r"\textbf{for all} {0} \textbf{do}", 1, True, False),
    "While": (r"\textbf{while} {0} \textbf{do}", 1, True, False),
    "Repeat": (r"\textbf{repeat}", 0, True, False),
    "Loop": (r"\textbf{loop}", 0, True, False),
    "Until": (r"\textbf{until} {0}", 1, False, True),
    "Function": (r"\textbf{function} \textsc{{{0}}}({1})", 2, True, False),
    "Procedure": (r"\textbf{procedure} \textsc{{{0}}}({1})", 2, True, False),
}
_ENDS = {"EndIf", "EndFor", "EndWhile", "EndLoop", "EndFunction", "EndProcedure"}


def markdown_rewrites(clean: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """Edits ``(start, end, text)`` of ``clean[a:b]`` that make algorithms and TikZ figures
    readable in Markdown."""
    edits = [(m.start(), m.end(), FIGURE_NOTE) for m in _TIKZ_RE.finditer(clean, a, b)]
    for m in _ALGORITHMIC_RE.finditer(clean, a, b):
        if m.end() <= b:
            edits.append((m.start(), m.end(), algorithmic_as_lists(m.group(1))))
    return edits


def algorithmic_as_lists(body: str) -> str:
    """The statements of an ``algorithmic`` body as nested ``enumerate``/``itemize`` lists."""
    lines: list[tuple[int, str]] = []  # (depth, LaTeX of the statement)
    depth = 0
    tokens = list(_CMD_RE.finditer(body))
    for i, m in enumerate(tokens):
        cmd = m.group(1)
        end_of_statement = tokens[i + 1].start() if i + 1 < len(tokens) else len(body)
        if cmd in _ENDS:
            depth = max(depth - 1, 0)
            continue
        if cmd == "Comment":
            said, _ = _args(body, m.end(), 1)
            comment = rf" \quad $\triangleright$ \emph{{{said[0].strip() if said else ''}}}"
            if lines:
                lines[-1] = (lines[-1][0], lines[-1][1] + comment)
            continue
        label, nargs, opens, closes = _KINDS[cmd]
        args, pos = _args(body, m.end(), nargs)
        if closes:
            depth = max(depth - 1, 0)
        rest = body[pos:end_of_statement].strip()
        text = label.replace("{0}", args[0] if args else "").replace(
            "{1}", args[1] if len(args) > 1 else ""
        )
        statement = (text + (" " + rest if rest else "")).strip()
        if statement:  # `\State \Return x` is one statement, not an empty one and a return
            lines.append((depth, statement))
        if opens:
            depth += 1
    return _nest(lines)


def _args(body: str, pos: int, n: int) -> tuple[list[str], int]:
    out = []
    for _ in range(n):
        while pos < len(body) and body[pos].isspace():
            pos += 1
        if pos >= len(body) or body[pos] != "{":
            break
        end = read_group(body, pos)
        if end < 0:
            break
        out.append(body[pos + 1 : end - 1])
        pos = end
    return out, pos


def _nest(lines: list[tuple[int, str]]) -> str:
    out = ["\\begin{enumerate}"]
    depth = 0
    for level, text in lines:
        while depth < level:
            out.append("\\begin{itemize}")
            depth += 1
        while depth > level:
            out.append("\\end{itemize}")
            depth -= 1
        out.append(f"\\item {text}")
    while depth > 0:
        out.append("\\end{itemize}")
        depth -= 1
    out.append("\\end{enumerate}")
    return "\n".join(out)
