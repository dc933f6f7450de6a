"""``::: solution`` fenced divs: every one is closed and holds a worked solution."""

from __future__ import annotations

import re

from course_cli.check.findings import Finding
from course_cli.check.source import Doc

_OPEN_RE = re.compile(r"^[ \t]*(:{3,})[ \t]*(\S.*?)[ \t]*$")
_CLOSE_RE = re.compile(r"^[ \t]*:{3,}[ \t]*$")
_SOLUTION_RE = re.compile(r"^(?:solution|\{[ \t]*\.solution[ \t]*\})$")
_HINT_SYNTAX = "a solution is a line `::: solution`, the worked solution, and a line `:::`"


def check_solutions(doc: Doc) -> list[Finding]:
    """X001 for a ``::: solution`` with no content, X002 for one that is never closed.

    Fenced divs nest as in pandoc: a line of three or more colons closes the innermost open
    div. Code blocks and HTML comments are not looked at.
    """
    out: list[Finding] = []
    stack: list[tuple[int, bool, bool]] = []  # (line, is solution, has content)
    for number, line in enumerate(doc.visible.split("\n"), start=1):
        if _CLOSE_RE.match(line):
            if stack:
                start, solution, content = stack.pop()
                if solution and not content:
                    out.append(
                        doc.finding_at_line(
                            "X001", start, "`::: solution` block is empty", _HINT_SYNTAX
                        )
                    )
            continue
        m = _OPEN_RE.match(line)
        if m:
            if stack:
                stack[-1] = (stack[-1][0], stack[-1][1], True)
            stack.append((number, bool(_SOLUTION_RE.match(m.group(2))), False))
            continue
        if line.strip() and stack:
            stack[-1] = (stack[-1][0], stack[-1][1], True)
    for start, solution, _ in stack:
        if solution:
            out.append(
                doc.finding_at_line(
                    "X002",
                    start,
                    "`::: solution` block is never closed",
                    "end the solution with a line `:::`",
                )
            )
    return out
