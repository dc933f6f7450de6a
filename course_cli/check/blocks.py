"""A small line scanner for the Markdown block structure the rules need.

It finds fenced and indented code, HTML blocks and headings (ATX and setext) the way
CommonMark does for the cases lesson material uses, in one pass over the lines; a full
Markdown parser spends most of its time on lists and paragraphs the rules never look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_FENCE_RE = re.compile(r"^(?P<lead>[ \t]*(?:>[ \t]?)*[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_ATX_RE = re.compile(
    r"^ {0,3}(?:(?:>[ \t]?)+ {0,3}|(?:[-*+]|\d{1,9}[.)])[ \t]+)?"  # in a quote or a list item
    r"(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$"
)
_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_HR_RE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LIST_RE = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_HTML1_RE = re.compile(r"^ {0,3}<(script|pre|style|textarea)(?:[\s>]|$)", re.I)
_HTML1_END_RE = re.compile(r"</(?:script|pre|style|textarea)>", re.I)
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h1|h2|"
    "h3|h4|h5|h6|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|"
    "optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|"
    "track|ul"
)
_HTML6_RE = re.compile(rf"^ {{0,3}}</?(?:{_BLOCK_TAGS})(?:[\s/>]|$)", re.I)
_ATTR = r"\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:[^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?"
_HTML7_RE = re.compile(
    rf"^ {{0,3}}(?:<[A-Za-z][A-Za-z0-9-]*(?:{_ATTR})*\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>)[ \t]*$"
)


@dataclass
class Blocks:
    """Line ranges (0-based, end exclusive) of code and HTML blocks, and the headings found."""

    code: list[tuple[int, int]] = field(default_factory=list)
    html: list[tuple[int, int]] = field(default_factory=list)
    headings: list[tuple[int, int, str]] = field(default_factory=list)  # (line0, level, text)


def _indent(line: str) -> int:
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def scan_blocks(lines: list[str]) -> Blocks:
    """Return the code blocks, HTML blocks and headings of a document's lines."""
    out = Blocks()
    n = len(lines)
    i = 0
    para: list[int] = []  # line numbers of the open paragraph
    in_list = False
    prev_blank = True
    while i < n:
        line = lines[i]
        if not line.strip():
            para = []
            prev_blank = True
            i += 1
            continue
        end = _fence_end(lines, i)
        if end is not None:
            out.code.append((i, end))
            i, para, prev_blank = end, [], False
            continue
        indent = _indent(line)
        if indent >= 4 and not para and not in_list and prev_blank:
            j = i + 1
            while j < n and (not lines[j].strip() or _indent(lines[j]) >= 4):
                j += 1
            while j > i + 1 and not lines[j - 1].strip():
                j -= 1
            out.code.append((i, j))
            i, prev_blank = j, False
            continue
        end = _html_end(lines, i, bool(para))
        if end is not None:
            out.html.append((i, end))
            i, para, prev_blank = end, [], False
            continue
        m = _ATX_RE.match(line)
        if m:
            text = (m.group(2) or "").strip()
            if re.fullmatch(r"#+", text):
                text = ""
            out.headings.append((i, len(m.group(1)), text))
            i, para, prev_blank, in_list = i + 1, [], False, False
            continue
        m = _SETEXT_RE.match(line)
        if m and para:
            text = " ".join(lines[k].strip() for k in para)
            out.headings.append((para[0], 1 if m.group(1)[0] == "=" else 2, text))
            i, para, prev_blank = i + 1, [], False
            continue
        if _HR_RE.match(line):
            i, para, prev_blank = i + 1, [], False
            continue
        if _LIST_RE.match(line):
            in_list = True
        elif indent == 0 and prev_blank:
            in_list = False
        para.append(i)
        prev_blank = False
        i += 1
    return out


def _fence_end(lines: list[str], i: int) -> int | None:
    m = _FENCE_RE.match(lines[i])
    if m is None:
        return None
    fence = m.group("fence")
    if fence[0] == "`" and "`" in m.group("info"):
        return None  # an inline code span, not a fence
    close = re.compile(rf"^[ \t]*(?:>[ \t]?)*[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    for j in range(i + 1, len(lines)):
        if close.match(lines[j]):
            return j + 1
    return len(lines)  # an unclosed fence runs to the end of the document


def _html_end(lines: list[str], i: int, in_paragraph: bool) -> int | None:
    line = lines[i]
    if not line.lstrip(" ").startswith("<"):
        return None
    if _HTML1_RE.match(line):
        return _until(lines, i, lambda s: bool(_HTML1_END_RE.search(s)))
    stripped = line.lstrip(" ")
    if stripped.startswith("<!--"):
        return _until(lines, i, lambda s: "-->" in s, skip_first_prefix=4)
    if _HTML6_RE.match(line) or (not in_paragraph and _HTML7_RE.match(line)):
        j = i + 1
        while j < len(lines) and lines[j].strip():
            j += 1
        return j
    return None


def _until(
    lines: list[str], i: int, done: Callable[[str], bool], skip_first_prefix: int = 0
) -> int:
    if done(lines[i].lstrip(" ")[skip_first_prefix:]):
        return i + 1
    for j in range(i + 1, len(lines)):
        if done(lines[j]):
            return j + 1
    return len(lines)
