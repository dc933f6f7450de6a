"""Where the math is: ``$…$`` and ``$$…$$`` spans, and dollars that open math never closed.

Math is found the way pandoc finds it (``tex_math_dollars``): an opening ``$`` has a
non-space character on its right, the closing one a non-space on its left and no digit after
it, and inline math never crosses a blank line. So ``$ 17.83`` and ``$5 and $10`` are prices,
not math. Code spans and blocks are blanked before this module sees the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class MathSpan:
    """A math span: offsets of the whole span and of its body, and whether it is display math."""

    start: int
    end: int
    body_start: int
    body_end: int
    display: bool


@dataclass(frozen=True)
class DollarProblem:
    """A ``$``/``$$`` that opens math but never closes it: offset and the reason."""

    offset: int
    message: str
    hint: str
    code: str = "M001"


_INLINE_STOP_RE = re.compile(r"\\.|\$|\n[ \t]*(?:\n|\Z)", re.S)
_TEXISH_RE = re.compile(r"\\[A-Za-z]+|\^|_\{|[{}]")
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")


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
            if in_sentence(text, i, end + 2):
                problems.append(
                    DollarProblem(
                        i,
                        "$$…$$ inside a sentence becomes display math on its own line "
                        "(Kramdown's inline $$ is not pandoc's)",
                        "write inline math as $…$, or put $$ … $$ on lines of its own",
                        "M008",
                    )
                )
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


_LINE_PREFIX_RE = re.compile(r"[ \t]*(?:(?:>|[-*+]|\d+[.)])[ \t]*)*")


def in_sentence(text: str, start: int, end: int) -> bool:
    """True when ``$$…$$`` at ``[start, end)`` has words before it on its line (beyond a list
    or quote marker) or after it (beyond punctuation): prose around display math."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start]
    m = _LINE_PREFIX_RE.match(before)
    if m is not None and m.end() < len(before):
        return True
    line_end = text.find("\n", end)
    after = text[end : line_end if line_end >= 0 else len(text)]
    return bool(after.strip(" \t.,;:!?)"))


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
