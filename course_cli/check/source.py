"""Reading one Markdown file for the rules: safe decoding, front matter, and masked views.

Rules never see raw bytes. A :class:`Doc` carries the text plus views of it in which code,
comments and math are blanked out with spaces (newlines kept), so every offset still maps to
the same line and column of the file, and a rule looking for links never trips over a code
span, nor a math rule over a ``$`` inside code.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from course_cli.check.dollars import DollarProblem, MathSpan, scan_dollars
from course_cli.check.findings import Finding, make

MAX_BYTES = 2_000_000  # a lesson file is a few dozen KB; past this it is not hand-written prose
_BLANK_RE = re.compile(r"[^\n]")
_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_IGNORE_RE = re.compile(r"<!--\s*course:\s*ignore\b([^>]*?)-->", re.I)
_BACKTICKS_RE = re.compile(r"`+")
_PARA_END_RE = re.compile(r"\n[ \t]*(?:\n|\Z)")


def blank(text: str) -> str:
    """Return ``text`` with every character but newlines replaced by a space."""
    return _BLANK_RE.sub(" ", text)


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """Return ``text`` with the ``(start, end)`` spans blanked (offsets and lines preserved)."""
    if not spans:
        return text
    out, pos = [], 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        start = max(start, pos)
        out.append(text[pos:start])
        out.append(blank(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


@dataclass(frozen=True)
class Heading:
    """A Markdown heading: 1-based line, level 1–6 and its raw inline text."""

    line: int
    level: int
    text: str


@dataclass
class Doc:
    """One Markdown file, decoded and analysed once, shared by every rule."""

    path: Path
    rel: str
    text: str
    front: dict[str, Any] | None = None
    front_lines: int = 0  # lines taken by the front matter block (0 without one)
    nocode: str = ""  # front matter and code (fences, indented, spans) blanked
    visible: str = ""  # nocode with HTML comments blanked too
    prose: str = ""  # visible with HTML blocks and math blanked too
    headings: list[Heading] = field(default_factory=list)
    math: list[MathSpan] = field(default_factory=list)
    dollar_problems: list[DollarProblem] = field(default_factory=list)
    lesson: int | None = None

    @cached_property
    def line_starts(self) -> list[int]:
        """Offsets at which each line starts."""
        starts = [0]
        find = self.text.find
        pos = find("\n")
        while pos >= 0:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        return starts

    def pos(self, offset: int) -> tuple[int, int]:
        """Return the 1-based ``(line, column)`` of a character offset."""
        index = bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    @cached_property
    def ignores(self) -> dict[int, set[str]]:
        """Line → codes silenced there by ``<!-- course: ignore CODE… -->`` (own and next line)."""
        out: dict[int, set[str]] = {}
        for line, codes in self.ignore_comments:
            for target in (line, line + 1):
                out.setdefault(target, set()).update(codes)
        return out

    @cached_property
    def ignore_comments(self) -> list[tuple[int, list[str]]]:
        """Every ignore comment outside code: its line and the codes it names."""
        found = []
        for m in _IGNORE_RE.finditer(self.nocode):
            codes = [c for c in re.split(r"[\s,]+", m.group(1).strip()) if c]
            found.append((self.pos(m.start())[0], codes))
        return found

    def finding(
        self, code: str, offset: int | None, message: str, hint: str | None = None
    ) -> Finding:
        """Return a finding of rule ``code`` at character ``offset`` (None: no line)."""
        line, column = self.pos(offset) if offset is not None else (None, None)
        return make(code, self.rel, line, message, hint, column=column, lesson=self.lesson)

    def finding_at_line(
        self, code: str, line: int | None, message: str, hint: str | None = None
    ) -> Finding:
        """Return a finding of rule ``code`` at a 1-based line (no column)."""
        return make(code, self.rel, line, message, hint, lesson=self.lesson)


def read_text(path: Path, rel: str, lesson: int | None = None) -> tuple[str | None, list[Finding]]:
    """Read ``path`` as UTF-8 text (BOM dropped, CRLF folded).

    Returns ``(text, [])`` or ``(None, [finding])`` for a file that is missing, unreadable,
    binary, too large or not UTF-8. Never raises for a bad file.
    """

    def fail(
        code: str,
        message: str,
        hint: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> tuple[None, list[Finding]]:
        return None, [make(code, rel, line, message, hint, column=column, lesson=lesson)]

    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return fail(
                "F004",
                f"not checked: {size / 1e6:.1f} MB is over the "
                f"{MAX_BYTES / 1e6:.0f} MB limit for a Markdown file",
                "split the file, or move generated content out of the course sources",
            )
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return fail(
            "F001",
            f"cannot read the file: {reason}",
            "fix or remove the file (a symbolic link loop or a permission problem)",
        )
    if b"\x00" in data[:8192]:
        return fail(
            "F001",
            "binary data in a Markdown file",
            "replace it with the real Markdown source or rename it",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return fail(
            "F001",
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded",
            "save the file as UTF-8",
            line,
            column,
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, []


def load_doc(path: Path, rel: str, lesson: int | None = None) -> tuple[Doc | None, list[Finding]]:
    """Read and analyse one Markdown file.

    Returns the Doc (None when the file cannot be read at all) and the file-level findings
    (unreadable file, unclosed or invalid front matter).
    """
    text, problems = read_text(path, rel, lesson)
    if text is None:
        return None, problems
    doc = Doc(path=path, rel=rel, text=text, lesson=lesson)
    problems.extend(_front_matter(doc))
    _analyse(doc)
    return doc, problems


def _front_matter(doc: Doc) -> list[Finding]:
    text = doc.text
    if not text.startswith("---\n") or text[4:5] in ("\n", ""):
        return []  # like pandoc: "---" then a blank line is a rule, not front matter
    close = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.M)
    if close is None:
        return [
            doc.finding_at_line(
                "F002",
                1,
                "front matter opened with --- on line 1 is never closed",
                "end the front matter with a line holding only ---",
            )
        ]
    end = 4 + close.end()
    raw = text[4 : 4 + close.start()]
    doc.front_lines = text.count("\n", 0, end) + 1
    try:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(raw, Loader=loader)
    except Exception as exc:  # yaml.YAMLError and friends: report, never crash
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        doc.front = {}
        return [
            doc.finding_at_line(
                "F003",
                line,
                f"front matter is not valid YAML: {problem}",
                "fix the YAML between the --- lines",
            )
        ]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        doc.front = {}
        return [
            doc.finding_at_line(
                "F003",
                2,
                "front matter must be a mapping of keys",
                "write `key: value` lines between the --- lines",
            )
        ]
    doc.front = data
    return []


def _analyse(doc: Doc) -> None:
    from course_cli.check.blocks import scan_blocks

    text = doc.text
    starts = doc.line_starts
    nl = len(starts)
    front_end = starts[doc.front_lines] if doc.front_lines < nl else len(text)
    base = mask(text, [(0, front_end)]) if doc.front_lines else text
    blocks = scan_blocks(base.split("\n"))

    def span(first: int, last: int) -> tuple[int, int]:
        return starts[first], (starts[last] if last < nl else len(text))

    code = [span(a, b) for a, b in blocks.code]
    html = [span(a, b) for a, b in blocks.html]
    doc.headings = [Heading(line + 1, level, title) for line, level, title in blocks.headings]
    nocode = mask(base, code)
    nocode = mask(nocode, _code_spans(nocode))
    doc.nocode = nocode
    visible = mask(nocode, [m.span() for m in _COMMENT_RE.finditer(nocode)])
    doc.visible = visible
    prose = mask(visible, html)
    doc.math, doc.dollar_problems = scan_dollars(prose)
    doc.prose = mask(prose, [(m.start, m.end) for m in doc.math])


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Return the spans of inline code (CommonMark backtick runs) in ``text``."""
    spans: list[tuple[int, int]] = []
    pos = 0
    search = _BACKTICKS_RE.search
    while True:
        m = search(text, pos)
        if m is None:
            return spans
        start, run = m.start(), m.end() - m.start()
        if start and text[start - 1] == "\\":
            pos = start + 1
            continue
        stop = _PARA_END_RE.search(text, m.end())
        limit = stop.start() if stop else len(text)
        closer = re.compile(rf"(?<!`)`{{{run}}}(?!`)").search(text, m.end(), limit)
        if closer is None:
            pos = m.end()
            continue
        spans.append((start, closer.end()))
        pos = closer.end()
