"""Reading LaTeX source text: blanking what TeX never sees, braces, groups and arguments."""

from __future__ import annotations

import re

from course_cli.latex.model import BookError, SourceFile
from course_cli.latex.vocabulary import VERBATIM_ENVS

_CLEAN_RE = re.compile(
    r"\\[\\%{}$&#_ ]|%|\\(?:verb\*?|lstinline)(?![A-Za-z@])|\\iffalse(?![A-Za-z@])"
    r"|\\(?:url|href|path)\s*\{"
    r"|\\begin\s*\{(" + "|".join(re.escape(e) for e in VERBATIM_ENVS) + r")\}"
)
_IF_RE = re.compile(r"\\(if[A-Za-z@]*|fi)(?![A-Za-z@])")


def clean_text(raw: str, name: str) -> str:
    """Return ``raw`` with comments, ``\\iffalse`` blocks, verbatim content and ``\\verb``
    blanked by spaces (newlines kept, so offsets and line numbers stay the same).

    Raises BookError (``name:line``) for an unterminated verbatim environment or ``\\iffalse``.
    """
    if "%" not in raw and "\\" not in raw:
        return raw
    blanks = _skipped_spans(raw, name)
    return _blank_out(raw, blanks) if blanks else raw


def _skipped_spans(raw: str, name: str) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` spans TeX never sees, in order and never overlapping."""
    pos = 0
    blanks: list[tuple[int, int]] = []
    while True:
        m = _CLEAN_RE.search(raw, pos)
        if m is None:
            return blanks
        tok = m.group(0)
        if tok.startswith("\\") and len(tok) == 2:
            pos = m.end()
        elif tok == "%":
            eol = raw.find("\n", m.start())
            eol = len(raw) if eol < 0 else eol
            blanks.append((m.start() + 1, eol))  # keep '%': a comment line is no blank line
            pos = eol
        elif tok.endswith("{"):  # \\url{...}: '%' and '#' are literal characters there
            pos = _skip_url(raw, m, name, blanks)
        elif tok.startswith("\\verb") or tok.startswith("\\lstinline"):
            pos = _skip_verb(raw, m, name, blanks)
        elif tok.startswith("\\iffalse"):
            pos = _skip_iffalse(raw, m, name, blanks)
        else:
            pos = _skip_verbatim_env(raw, m, name, blanks)


def _blank_out(raw: str, blanks: list[tuple[int, int]]) -> str:
    """Return ``raw`` with every span of ``blanks`` replaced by spaces (newlines kept)."""
    out, pos = [], 0
    for a, b in blanks:  # in order, never overlapping
        seg = raw[a:b]
        out += [raw[pos:a], " " * len(seg) if "\n" not in seg else re.sub(r"[^\n]", " ", seg)]
        pos = b
    out.append(raw[pos:])
    return "".join(out)


def _line(raw: str, pos: int) -> int:
    return raw.count("\n", 0, pos) + 1


def _skip_url(raw: str, m: re.Match[str], name: str, blanks: list[tuple[int, int]]) -> int:
    close = raw.find("}", m.end())
    if close < 0:
        tok = m.group(0)
        raise BookError(f"{name}:{_line(raw, m.start())}: {tok.rstrip('{ ')}{{ is never closed")
    blanks.append((m.end(), close))
    return close + 1


def _skip_verbatim_env(raw: str, m: re.Match[str], name: str, blanks: list[tuple[int, int]]) -> int:
    env = m.group(1)
    end_re = re.compile(r"\\end\s*\{" + re.escape(env) + r"\}")
    e = end_re.search(raw, m.end())
    if e is None:
        raise BookError(f"{name}:{_line(raw, m.start())}: \\begin{{{env}}} has no \\end{{{env}}}")
    blanks.append((m.start(), e.end()))
    return e.end()


def _skip_verb(raw: str, m: re.Match[str], name: str, blanks: list[tuple[int, int]]) -> int:
    i = m.end()
    if i < len(raw) and raw[i] == "[":  # \lstinline[style]{...}
        j = raw.find("]", i)
        i = j + 1 if j >= 0 else i
    if i >= len(raw):
        return i
    delim = raw[i]
    close = "}" if delim == "{" else delim
    j = raw.find(close, i + 1)
    nl = raw.find("\n", i + 1)
    if j < 0 or (0 <= nl < j):
        line = raw.count("\n", 0, m.start()) + 1
        raise BookError(f"{name}:{line}: {m.group(0)} without a closing {close!r} on its line")
    blanks.append((m.start(), j + 1))
    return j + 1


def _skip_iffalse(raw: str, m: re.Match[str], name: str, blanks: list[tuple[int, int]]) -> int:
    depth = 1
    pos = m.end()
    for t in _IF_RE.finditer(raw, pos):
        word = t.group(1)
        # A conditional inside a comment does not count; \ifthenelse is no TeX conditional.
        ls = raw.rfind("\n", 0, t.start()) + 1
        if "%" in raw[ls : t.start()] and re.search(r"(?<!\\)%", raw[ls : t.start()]):
            continue
        if word == "fi":
            depth -= 1
            if depth == 0:
                blanks.append((m.start(), t.end()))
                return t.end()
        elif word != "ifthenelse":
            depth += 1
    line = raw.count("\n", 0, m.start()) + 1
    raise BookError(f"{name}:{line}: \\iffalse has no matching \\fi")


def check_braces(src: SourceFile) -> None:
    """Raise BookError at the first unbalanced brace of ``src`` (after cleaning)."""
    stack: list[int] = []
    for m in re.finditer(r"\\[{}\\]|[{}]", src.clean):
        t = m.group(0)
        if t == "{":
            stack.append(m.start())
        elif t == "}":
            if not stack:
                raise BookError(f"{src.where(m.start())}: '}}' closes nothing (unbalanced braces)")
            stack.pop()
    if stack:
        raise BookError(f"{src.where(stack[-1])}: '{{' is never closed (unbalanced braces)")


# --------------------------------------------------------------------------- arguments


def read_group(text: str, i: int, open_: str = "{", close: str = "}") -> int:
    """Return the offset just after the group that starts at ``text[i] == open_``, or -1."""
    depth = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == open_ or (open_ == "[" and c == "{"):
            if c == "{" and open_ == "[":
                j = read_group(text, i)
                if j < 0:
                    return -1
                i = j
                continue
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def skip_space(text: str, i: int) -> int:
    """Skip spaces and comment remains; stop at a blank line (TeX's \\par)."""
    n = len(text)
    blank_line = False
    while i < n:
        c = text[i]
        if c == "\n":
            if blank_line:
                return i
            blank_line = True
        elif c == "%":
            blank_line = False
        elif c not in " \t\r":
            break
        i += 1
    return i


_TOKEN_RE = re.compile(r"\\([A-Za-z@]+|.)")
_PLAIN_FILE_RE = re.compile(r"[^\s{}%]+")


def parse_args(src: SourceFile, i: int, spec: str, command: str) -> tuple[list[str | None], int]:
    """Read arguments after offset ``i`` of ``src.clean`` by ``spec`` (``o`` optional
    ``[..]``, ``m`` mandatory ``{..}``); return their texts and the offset after them.

    Raises BookError (``file:line``) when a group is not closed.
    """
    out: list[str | None] = []
    for kind in spec:
        j = skip_space(src.clean, i)
        if kind == "o":
            arg, end = _optional(src, j, command)
            i = end if arg is not None else i
        else:
            arg, i = _mandatory(src, i, j, command)
        out.append(arg)
    return out, i


def _optional(src: SourceFile, j: int, command: str) -> tuple[str | None, int]:
    """An optional ``[..]`` argument at ``j``: its text and the offset after it, or None."""
    text = src.clean
    if j < len(text) and text[j] == "[":
        k = read_group(text, j, "[", "]")
        if k < 0:
            raise BookError(f"{src.where(j)}: \\{command}: '[' is never closed")
        return text[j + 1 : k - 1], k
    return None, j


def _mandatory(src: SourceFile, i: int, j: int, command: str) -> tuple[str, int]:
    """A mandatory argument at ``j``: a ``{..}`` group, one token, or (``\\input file``) a
    plain file name; its text and the offset after it."""
    text = src.clean
    if j < len(text) and text[j] == "{":
        k = read_group(text, j)
        if k < 0:
            raise BookError(
                f"{src.where(j)}: \\{command}: '{{' is never closed (unbalanced braces)"
            )
        return text[j + 1 : k - 1], k
    if j < len(text) and text[j] == "\\":  # \input\foo or \label\x: one token
        m = _TOKEN_RE.match(text, j)
        tok = m.group(0) if m else text[j]
        return tok, j + len(tok)
    if j < len(text) and text[j] not in "}]":
        if command == "input":  # plain TeX: \input file
            m = _PLAIN_FILE_RE.match(text, j)
            assert m is not None
            return m.group(0), j + len(m.group(0))
        return text[j], j + 1
    raise BookError(f"{src.where(i)}: \\{command} is missing its argument")


def squash(text: str) -> str:
    """Collapse whitespace and the ``%`` left by cleaned comments (not ``\\%``)."""
    return " ".join(re.sub(r"(?<!\\)%", " ", text).split())


def plain_title(title: str) -> str:
    """Return a heading title as plain words: ``\\texorpdfstring{a}{b}`` -> b, commands dropped."""
    t = re.sub(
        r"\\texorpdfstring\s*\{((?:[^{}]|\{[^{}]*\})*)\}\s*\{((?:[^{}]|\{[^{}]*\})*)\}",
        r"\2",
        title,
    )
    t = re.sub(r"\\(?:emph|textbf|textit|textsc|texttt|textsf|mbox|text)\s*", "", t)
    t = re.sub(r"\\[A-Za-z@]+\*?", " ", t)
    t = re.sub(r"[{}~$\\]", " ", t)
    return " ".join(t.split())
