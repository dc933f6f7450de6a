"""A fast LaTeX structure reader: headings, labels and LaTeX's own numbering, without a TeX run.

:func:`read_book` follows ``\\input``/``\\include``/``\\subfile``/``\\import`` from a main file,
blanks out what TeX never sees (comments, ``\\iffalse`` blocks, verbatim-like environments,
``\\verb``) while keeping every offset, and walks the result once, stepping counters the way the
standard classes do. The result is a :class:`Book`: the heading tree, every label with its
environment and number, and the source pieces that make up the document, for extraction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from course_cli.errors import CourseError, ExitCode

HEADING_LEVELS = {
    "part": -1, "addpart": -1, "chapter": 0, "addchap": 0, "section": 1, "addsec": 1,
    "subsection": 2, "subsubsection": 3, "paragraph": 4, "subparagraph": 5,
}  # fmt: skip
UNNUMBERED_COMMANDS = {"addpart", "addchap", "addsec"}
CHAPTER_CLASSES = {"book", "report", "scrbook", "scrreprt", "kaobook", "memoir", "amsbook"}
MATTER_CLASSES = {"book", "scrbook", "kaobook", "memoir", "amsbook"}
VERBATIM_ENVS = (
    "verbatim", "verbatim*", "Verbatim", "Verbatim*", "BVerbatim", "LVerbatim", "lstlisting",
    "minted", "comment", "alltt", "filecontents", "filecontents*", "luacode", "luacode*",
)  # fmt: skip
EQUATION_ENVS = {"equation", "multline", "align", "gather", "flalign", "alignat", "eqnarray"}
MULTIROW_ENVS = {"align", "gather", "flalign", "alignat", "eqnarray"}
FLOAT_ENVS = {"figure": "figure", "figure*": "figure", "table": "table", "table*": "table"}
INPUT_COMMANDS = {"input", "include", "subfile", "import", "subimport", "inputfrom", "subinputfrom"}
BOUNDARY_COMMANDS = {
    "frontmatter", "mainmatter", "backmatter", "appendix", "bibliography", "printbibliography",
    "printindex",
}  # fmt: skip


class BookError(CourseError):
    """The book source cannot be read: message starts with ``file:line``."""

    exit_code = ExitCode.PROBLEMS


@dataclass
class SourceFile:
    """One file of the book: its path, display name, raw and cleaned text (same length)."""

    path: Path
    name: str
    raw: str
    clean: str
    line_starts: list[int]

    def line_of(self, pos: int) -> int:
        """Return the 1-based line number of character offset ``pos``."""
        from bisect import bisect_right

        return bisect_right(self.line_starts, pos)

    def where(self, pos: int) -> str:
        """Return ``name:line`` for offset ``pos``."""
        return f"{self.name}:{self.line_of(pos)}"


@dataclass(frozen=True)
class Piece:
    """A run of one file's text in document order: ``files[file].raw[start:end]``."""

    file: int
    start: int
    end: int
    gstart: int  # offset of ``start`` in the flattened document


@dataclass
class Heading:
    """A sectioning command as LaTeX numbers it."""

    command: str
    level: int
    title: str
    short: str | None
    starred: bool
    number: str | None
    file: int
    line: int
    pos: int  # offset of the command in its file
    end: int  # offset just after its last argument
    gpos: int
    labels: list[str] = field(default_factory=list)
    parent: Heading | None = None
    gend: int = 0  # end of the heading's span in the flattened document
    depth: int = 0  # open environments around the heading
    state: dict[str, object] = field(default_factory=dict)  # counters just before the heading


@dataclass(frozen=True)
class Label:
    """A ``\\label`` with the environment it numbers and the number ``\\ref`` would print."""

    name: str
    env: str
    number: str | None
    file: int
    line: int
    gpos: int


@dataclass(frozen=True)
class Block:
    """A numbered theorem-like environment: ``\\begin{env}[note]`` … ``\\end{env}``."""

    env: str
    name: str  # its printed name, e.g. "Theorem"
    number: str
    note: str | None
    file: int
    begin: int  # offset of \begin
    head_end: int  # offset after \begin{env}[note]
    end: int  # offset of \end
    end_end: int


@dataclass(frozen=True)
class Command:
    """A command the extractor needs later (bibliography, graphicspath, boundaries)."""

    name: str
    args: tuple[str, ...]
    file: int
    pos: int
    end: int
    gpos: int


@dataclass
class Book:
    """Everything :func:`read_book` learned about a LaTeX book."""

    main: Path
    docclass: str
    files: list[SourceFile]
    pieces: list[Piece]
    headings: list[Heading]
    labels: dict[str, Label]
    commands: list[Command]
    begin_document: int  # flattened offsets
    end_document: int
    missing: list[str] = field(default_factory=list)  # "file:line: name" of unresolved inputs
    env_names: dict[str, str] = field(default_factory=dict)  # theorem env -> "Theorem"
    blocks: list[Block] = field(default_factory=list)
    eqtags: list[tuple[int, int, str]] = field(default_factory=list)  # (file, row end, number)

    def where(self, file: int, line: int) -> str:
        """Return ``name:line`` for a file index and line."""
        return f"{self.files[file].name}:{line}"

    def locate(self, gpos: int) -> tuple[int, int]:
        """Map a flattened offset to ``(file index, offset in that file)``."""
        from bisect import bisect_right

        i = max(bisect_right([p.gstart for p in self.pieces], gpos) - 1, 0)
        piece = self.pieces[i]
        return piece.file, piece.start + (gpos - piece.gstart)

    def slices(self, gstart: int, gend: int) -> list[tuple[int, int, int]]:
        """Return the ``(file, start, end)`` runs of source text that cover ``[gstart, gend)``."""
        out = []
        for p in self.pieces:
            lo = max(gstart, p.gstart)
            hi = min(gend, p.gstart + (p.end - p.start))
            if lo < hi:
                out.append((p.file, p.start + lo - p.gstart, p.start + hi - p.gstart))
        return out


# --------------------------------------------------------------------------- cleaning

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
    pos = 0
    blanks: list[tuple[int, int]] = []
    while True:
        m = _CLEAN_RE.search(raw, pos)
        if m is None:
            break
        tok = m.group(0)
        if tok.startswith("\\") and len(tok) == 2:
            pos = m.end()
            continue
        if tok == "%":
            eol = raw.find("\n", m.start())
            eol = len(raw) if eol < 0 else eol
            blanks.append((m.start() + 1, eol))  # keep '%': a comment line is no blank line
            pos = eol
        elif tok.endswith("{"):  # \\url{...}: '%' and '#' are literal characters there
            close = raw.find("}", m.end())
            if close < 0:
                line = raw.count("\n", 0, m.start()) + 1
                raise BookError(f"{name}:{line}: {tok.rstrip('{ ')}{{ is never closed")
            blanks.append((m.end(), close))
            pos = close + 1
        elif tok.startswith("\\verb") or tok.startswith("\\lstinline"):
            pos = _skip_verb(raw, m, name, blanks)
        elif tok.startswith("\\iffalse"):
            pos = _skip_iffalse(raw, m, name, blanks)
        else:
            env = m.group(1)
            end_re = re.compile(r"\\end\s*\{" + re.escape(env) + r"\}")
            e = end_re.search(raw, m.end())
            if e is None:
                raise BookError(
                    f"{name}:{raw.count(chr(10), 0, m.start()) + 1}: \\begin{{{env}}} "
                    f"has no \\end{{{env}}}"
                )
            blanks.append((m.start(), e.end()))
            pos = e.end()
    if not blanks:
        return raw
    out, pos = [], 0
    for a, b in blanks:  # in order, never overlapping
        seg = raw[a:b]
        out += [raw[pos:a], " " * len(seg) if "\n" not in seg else re.sub(r"[^\n]", " ", seg)]
        pos = b
    out.append(raw[pos:])
    return "".join(out)


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


def _skip_space(text: str, i: int) -> int:
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


def parse_args(src: SourceFile, i: int, spec: str, command: str) -> tuple[list[str | None], int]:
    """Read arguments after offset ``i`` of ``src.clean`` by ``spec`` (``o`` optional
    ``[..]``, ``m`` mandatory ``{..}``); return their texts and the offset after them.

    Raises BookError (``file:line``) when a group is not closed.
    """
    text = src.clean
    out: list[str | None] = []
    for kind in spec:
        j = _skip_space(text, i)
        if kind == "o":
            if j < len(text) and text[j] == "[":
                k = read_group(text, j, "[", "]")
                if k < 0:
                    raise BookError(f"{src.where(j)}: \\{command}: '[' is never closed")
                out.append(text[j + 1 : k - 1])
                i = k
            else:
                out.append(None)
            continue
        if j < len(text) and text[j] == "{":
            k = read_group(text, j)
            if k < 0:
                raise BookError(
                    f"{src.where(j)}: \\{command}: '{{' is never closed (unbalanced braces)"
                )
            out.append(text[j + 1 : k - 1])
            i = k
        elif j < len(text) and text[j] == "\\":  # \input\foo or \label\x: one token
            m = re.match(r"\\([A-Za-z@]+|.)", text[j:])
            tok = m.group(0) if m else text[j]
            out.append(tok)
            i = j + len(tok)
        elif j < len(text) and text[j] not in "}]":
            if command == "input":  # plain TeX: \input file
                m = re.match(r"[^\s{}%]+", text[j:])
                assert m is not None
                out.append(m.group(0))
                i = j + len(m.group(0))
            else:
                out.append(text[j])
                i = j + 1
        else:
            raise BookError(f"{src.where(i)}: \\{command} is missing its argument")
    return out, i


def _squash(text: str) -> str:
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


# --------------------------------------------------------------------------- numbering

_CMD_RE = re.compile(
    r"\\(part|addpart|chapter|addchap|section|addsec|subsection|subsubsection|paragraph"
    r"|subparagraph|input|include|subfile|import|subimport|inputfrom|subinputfrom|begin|end|label"
    r"|appendix|frontmatter|mainmatter|backmatter|newtheorem|declaretheorem|numberwithin"
    r"|setcounter|addtocounter|documentclass|caption|captionof|bibliography|bibliographystyle"
    r"|addbibresource|printbibliography|printindex|graphicspath|item|footnote)(?![A-Za-z@])(\*?)"
)
PREAMBLE_COMMANDS = {
    "input", "include", "subfile", "import", "subimport", "inputfrom", "subinputfrom", "begin",
    "newtheorem", "declaretheorem", "numberwithin", "setcounter", "addtocounter",
    "documentclass", "graphicspath", "addbibresource", "bibliography", "bibliographystyle",
}  # fmt: skip
_PRE_RE = re.compile(r"\\([A-Za-z@]+)(\*?)")
_THEOREM_MACRO_HINTS = ("newtheorem", "newaliascnt", "declaretheorem")
_ROW_RE = re.compile(
    r"\\\\|\\(begin|end)\s*\{([^{}]*)\}|\\(label|nonumber|notag|tag)(?![A-Za-z@])(\*?)|[{}]|\\."
)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                           (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                           (4, "IV"), (1, "I")):  # fmt: skip
        while n >= value:
            out += letters
            n -= value
    return out


def _alph(n: int) -> str:
    return chr(ord("A") + n - 1) if 1 <= n <= 26 else str(n)


def format_counter(style: str, n: int) -> str:
    """Return counter value ``n`` in a LaTeX style (arabic, Roman, roman, Alph, alph)."""
    if style == "Roman":
        return _roman(n)
    if style == "roman":
        return _roman(n).lower()
    if style == "Alph":
        return _alph(n)
    if style == "alph":
        return _alph(n).lower()
    return str(n)


class Counters:
    """LaTeX counters with ``within`` parents (representation and cascading resets)."""

    def __init__(self, chapters: bool):
        self.value: dict[str, int] = {}
        self.alias: dict[str, str] = {}  # \newaliascnt / \let\c@a\c@b: a shares b's value
        self.within: dict[str, str | None] = {}
        self.style: dict[str, str] = {}
        chain = ["chapter", "section"] if chapters else ["section"]
        self.new("part", None, "Roman")
        parent = None
        for name in [*chain, "subsection", "subsubsection", "paragraph", "subparagraph"]:
            self.new(name, parent)
            parent = name
        for name in ("equation", "figure", "table", "footnote"):
            self.new(name, "chapter" if chapters else None)
        self.secnumdepth = 2 if chapters else 3
        # book/report print "\\thechapter." before these only when the chapter counter is > 0
        self.conditional = {"equation", "figure", "table"} if chapters else set()
        self.plain = {"footnote"}  # reset by chapters but printed without the prefix

    def new(self, name: str, within: str | None, style: str = "arabic") -> None:
        """Declare a counter numbered within ``within`` (None: plain)."""
        self.value.setdefault(name, 0)
        self.within[name] = within if within in self.value else None
        self.style.setdefault(name, style)

    def key(self, name: str) -> str:
        """Return the counter whose value ``name`` uses (itself unless aliased)."""
        seen = 0
        while name in self.alias and seen < 10:
            name, seen = self.alias[name], seen + 1
        return name

    def step(self, name: str) -> str:
        """Step ``name``, reset its descendants, and return its representation."""
        key = self.key(name)
        self.value[key] = self.value.get(key, 0) + 1
        self._reset_below(name)
        if key != name:
            self._reset_below(key)
        return self.the(name)

    def _reset_below(self, name: str) -> None:
        for child, parent in self.within.items():
            if parent == name and self.value.get(self.key(child)):
                self.value[self.key(child)] = 0
                self._reset_below(child)

    def the(self, name: str) -> str:
        """Return ``\\the<name>`` as LaTeX prints it."""
        own = format_counter(self.style.get(name, "arabic"), self.value.get(self.key(name), 0))
        parent = self.within.get(name)
        if name in self.plain or (
            name in self.conditional and parent and not self.value.get(self.key(parent))
        ):
            return own
        return f"{self.the(parent)}.{own}" if parent else own


@dataclass
class _Row:
    numbered: bool
    tag: str | None = None
    labels: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class _Frame:
    env: str
    current: tuple[str, str | None]
    attach: Heading | None
    file: int
    pos: int
    number: str | None = None
    head_end: int = 0
    note: str | None = None


class _Reader:
    """One pass over the flattened document (see :func:`read_book`)."""

    def __init__(self, main: Path, strict: bool):
        self.main = main.resolve()
        self.root = self.main.parent
        self.strict = strict
        self.files: list[SourceFile] = []
        self.by_path: dict[Path, int] = {}
        self.pieces: list[Piece] = []
        self.glen = 0
        self.active: list[tuple[Path, str]] = []
        self.headings: list[Heading] = []
        self.labels: dict[str, Label] = {}
        self.commands: list[Command] = []
        self.missing: list[str] = []
        self.docclass = "article"
        self.ctr = Counters(False)
        self.env_counter: dict[str, str | None] = {}
        self.in_preamble = True
        self.done = False
        self.begin_doc = -1
        self.end_doc = -1
        self.mainmatter = True
        self.matter: str | None = None
        self.appendix = False
        self.current: tuple[str, str | None] = ("", None)
        self.attach: Heading | None = None
        self.stack: list[_Frame] = []
        self.subeq: list[object] = []
        self.macros: dict[str, tuple[int, str]] = {}
        self.enum_templates: dict[str, str] = {}
        self.env_names: dict[str, str] = {}
        self.body_re = _CMD_RE
        self.label_macros: dict[str, tuple[int, str]] = {}  # user macros that \\label
        self.regions: list[tuple[int, int, tuple[str, str | None], Heading | None]] = []
        self.env_alias: dict[str, str] = {}
        self.floats = dict(
            FLOAT_ENVS
        )  # float environment -> its counter  # user environment -> the equation env it wraps
        self.blocks: list[Block] = []
        self.eqtags: list[tuple[int, int, str]] = []

    # -- files --------------------------------------------------------------
    def load(self, path: Path, where: str) -> int:
        path = path.resolve()
        if path in self.by_path:
            return self.by_path[path]
        try:
            name = path.relative_to(self.root).as_posix()
        except ValueError:
            name = path.as_posix()
        try:
            data = path.read_bytes()
        except IsADirectoryError as exc:
            raise BookError(f"{where}: {path.name} is a directory, not a file") from exc
        except OSError as exc:
            raise BookError(f"{where}: cannot read {name}: {exc.strerror}") from exc
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise BookError(
                f"{name}:{line}: invalid UTF-8 (byte 0x{data[exc.start]:02x})",
                hint="Save the file as UTF-8.",
            ) from exc
        raw = raw.replace("\r\n", "\n")
        starts = [0] + [m.end() for m in re.finditer("\n", raw)]
        src = SourceFile(path, name, raw, "", starts)
        src.clean = clean_text(raw, name)
        check_braces(src)
        self.files.append(src)
        self.by_path[path] = len(self.files) - 1
        return len(self.files) - 1

    def resolve(self, base: Path, arg: str, add_tex: bool) -> Path | None:
        arg = arg.strip().strip('"')
        candidates = [base / arg]
        if add_tex or not arg.endswith(".tex"):
            candidates.insert(0, base / f"{arg}.tex")
        if add_tex and not arg.endswith(".tex"):
            candidates = [base / f"{arg}.tex"]
        for c in candidates:
            if c.exists():
                return c
        return None

    # -- walking ------------------------------------------------------------
    def preamble_macro(self, src: SourceFile, m: re.Match[str]) -> int:
        """Follow what numbering needs from preamble definitions: counter aliases
        (``\\newaliascnt``, ``\\let\\c@a\\c@b``) and user macros that declare theorems."""
        name, text = m.group(1), src.clean
        if name == "newaliascnt":
            args, end = parse_args(src, m.end(), "mm", name)
            a, b = str(args[0]).strip(), str(args[1]).strip()
            self.ctr.new(a, self.ctr.within.get(b))
            self.ctr.alias[a] = b
            return end
        if name == "let":
            let = re.match(
                r"\\c@([A-Za-z]+)\s*=?\s*\\c@([A-Za-z]+)", text[m.end() : m.end() + 80].strip()
            )
            if let:
                self.ctr.new(let.group(1), self.ctr.within.get(let.group(1)))
                self.ctr.alias[let.group(1)] = let.group(2)
            return m.end()
        if name in {"newenvironment", "renewenvironment"}:
            return self.newenvironment(src, m)
        if name in {"usepackage", "newfloat", "DeclareFloatingEnvironment"}:
            return self.new_float(src, m)
        if name in {"def", "newcommand", "renewcommand", "providecommand"}:
            d = re.match(r"\s*\{?\\([A-Za-z@]+)\}?\s*(?:\[(\d)\]|((?:#\d)*))", text[m.end() :])
            if d is None:
                return m.end()
            start = m.end() + d.end()
            nxt = _skip_space(text, start)
            if nxt < len(text) and text[nxt] == "{":
                close = read_group(text, nxt)
                body = text[nxt + 1 : close - 1] if close > 0 else ""
                if re.fullmatch(r"theenum(i|ii|iii|iv)", d.group(1)):
                    self.enum_templates[d.group(1)[3:]] = body.strip()
                if re.search(r"\\(label|refstepcounter)(?![A-Za-z@])", body):
                    nargs = int(d.group(2) or 0) or len(d.group(3) or "") // 2
                    self.label_macros[d.group(1)] = (nargs, body)
                if any(h in body for h in _THEOREM_MACRO_HINTS):
                    nargs = int(d.group(2) or 0) or len(d.group(3) or "") // 2
                    self.macros[d.group(1)] = (nargs, body)
                return close if close > 0 else m.end()
            return m.end()
        if name in self.macros:
            nargs, body = self.macros[name]
            args, end = parse_args(src, m.end(), "m" * nargs, name)
            for k, arg in enumerate(args, 1):
                body = body.replace(f"#{k}", str(arg))
            tmp = SourceFile(src.path, src.name, body, body, [0])
            for t in _PRE_RE.finditer(body):
                if t.group(1) == "newtheorem":
                    self.newtheorem(tmp, t, t.group(2) == "*")
                elif t.group(1) in {"newaliascnt", "declaretheorem"}:
                    if t.group(1) == "declaretheorem":
                        self.declaretheorem(tmp, t)
                    else:
                        self.preamble_macro(tmp, t)
            return end
        return m.end()

    def newenvironment(self, src: SourceFile, m: re.Match[str]) -> int:
        """Remember environments that wrap a numbered one (``\\begin{equation}`` or
        ``\\csname equation\\endcsname`` in their begin code) so they number alike."""
        args, end = parse_args(src, m.end(), "moom", m.group(1))
        name, begin = str(args[0]).strip(), str(args[3])
        inner = re.search(
            r"\\begin\s*\{([A-Za-z*]+)\}|\\csname\s*([A-Za-z*]+)\s*\\endcsname", begin
        )
        if inner:
            target = inner.group(1) or inner.group(2)
            if target.rstrip("*") in EQUATION_ENVS:
                self.env_alias[name] = target
            elif target in self.env_counter:
                self.env_counter[name] = self.env_counter[target]
                self.env_names[name] = self.env_names.get(target, target)
        return end

    def new_float(self, src: SourceFile, m: re.Match[str]) -> int:
        """Floats with their own counter: ``algorithm`` (package option ``[chapter]`` or
        ``[section]`` numbers within), ``\\newfloat{name}{ext}{Title}[within]``."""
        name = m.group(1)
        if name == "usepackage":
            args, end = parse_args(src, m.end(), "om", name)
            packages = {p.strip() for p in str(args[1]).split(",")}
            if packages & {"algorithm", "algorithm2e"}:
                opts = {o.strip() for o in (args[0] or "").split(",")}
                within = next((w for w in ("chapter", "section") if w in opts), None)
                self.ctr.new("algorithm", within)
                self.floats.update({"algorithm": "algorithm", "algorithm*": "algorithm"})
            return end
        spec = "mmmo" if name == "newfloat" else "om"
        args, end = parse_args(src, m.end(), spec, name)
        parent: str | None
        if name == "newfloat":
            float_name, parent = str(args[0]).strip(), args[3]
        else:
            float_name = str(args[1]).strip()
            found = re.search(r"within\s*=\s*(\w+)", args[0] or "")
            parent = found.group(1) if found and found.group(1) != "none" else None
        self.ctr.new(float_name, parent.strip() if parent else None)
        self.floats[float_name] = float_name
        return end

    def walk(self, fi: int, base: Path) -> None:
        src = self.files[fi]
        text = src.clean
        pos = last = 0
        gbase = self.glen
        while not self.done:
            m = (_PRE_RE if self.in_preamble else self.body_re).search(text, pos)
            if m is None:
                break
            name = m.group(1)
            pos = m.end()
            if self.in_preamble and name not in PREAMBLE_COMMANDS:
                pos = self.preamble_macro(src, m)
                continue
            g = gbase + (m.start() - last)
            if self.regions:
                self.close_regions(fi, m.start())
            if name in INPUT_COMMANDS:
                pos, child = self.input_command(src, fi, m, base)
                if child is None:
                    continue
                path, cbase = child
                self.pieces.append(Piece(fi, last, m.start(), gbase))
                self.glen = gbase + (m.start() - last)
                where = src.where(m.start())
                if any(p == path.resolve() for p, _ in self.active):
                    chain = " -> ".join(w for _, w in self.active[1:]) + f" -> {where}"
                    raise BookError(
                        f"{where}: \\{name} cycle: {path.name} is already open ({chain})"
                    )
                ci = self.load(path, where)
                self.active.append((path.resolve(), where))
                self.walk(ci, cbase)
                self.active.pop()
                last, gbase = pos, self.glen
                continue
            pos = self.handle(src, fi, m, g)
            if name == "end" and self.done:
                self.end_doc = g
        self.pieces.append(Piece(fi, last, len(text), gbase))
        self.glen = gbase + (len(text) - last)

    def input_command(
        self, src: SourceFile, fi: int, m: re.Match[str], base: Path
    ) -> tuple[int, tuple[Path, Path] | None]:
        name = m.group(1)
        spec = "mm" if name in {"import", "subimport", "inputfrom", "subinputfrom"} else "m"
        args, end = parse_args(src, m.end(), spec, name)
        where = src.where(m.start())
        if name in {"import", "inputfrom"}:
            d = Path(str(args[0]))
            cbase = d if d.is_absolute() else self.root / d
            target = str(args[1])
        elif name in {"subimport", "subinputfrom"}:
            cbase = base / str(args[0])
            target = str(args[1])
        elif name == "subfile":
            cbase = src.path.parent
            target = str(args[0])
        else:
            cbase = base
            target = str(args[0])
        if target.startswith("\\"):
            return end, None  # a macro as file name: cannot be resolved without TeX
        path = self.resolve(
            cbase if name != "subfile" else src.path.parent, target, name == "include"
        )
        if path is None:
            msg = f"{where}: \\{name}{{{target}}}: no such file (looked in {cbase})"
            if self.strict:
                raise BookError(msg, hint="Fix the path; it is relative to the main file.")
            self.missing.append(msg)
            return end, None
        if path.is_dir():
            raise BookError(f"{where}: \\{name}{{{target}}} names a directory, not a file")
        if name == "subfile":
            cbase = path.parent
        return end, (path, cbase)

    # -- commands -----------------------------------------------------------
    def handle(self, src: SourceFile, fi: int, m: re.Match[str], g: int) -> int:
        name, star = m.group(1), m.group(2) == "*"
        if name in HEADING_LEVELS:
            return self.heading(src, fi, m, g)
        if name == "begin":
            return self.begin(src, fi, m, g)
        if name == "end":
            return self.end(src, m)
        if name == "label":
            args, end = parse_args(src, m.end(), "m", name)
            self.label(str(args[0]).strip(), fi, src.line_of(m.start()), g)
            return end
        if name in {"caption", "captionof"}:
            return self.caption(src, m, name)
        if name == "item":
            return self.item(src, m)
        if name == "footnote":
            return self.footnote(src, fi, m)
        if name in self.label_macros:
            return self.label_macro(src, fi, m, g)
        if name in BOUNDARY_COMMANDS:
            self.boundary(name)
        if name == "documentclass":
            args, end = parse_args(src, m.end(), "om", name)
            self.docclass = str(args[1]).strip()
            self.ctr = Counters(self.docclass in CHAPTER_CLASSES)
            self.mainmatter = True
            return end
        if name == "newtheorem":
            return self.newtheorem(src, m, star)
        if name == "declaretheorem":
            return self.declaretheorem(src, m)
        if name == "numberwithin":
            args, end = parse_args(src, m.end(), "omm", name)
            child, parent = str(args[1]).strip(), str(args[2]).strip()
            self.ctr.new(child, None)
            self.ctr.within[child] = parent
            self.ctr.conditional.discard(child)
            return end
        if name in {"setcounter", "addtocounter"}:
            return self.setcounter(src, m, name)
        spec = {"bibliography": "m", "bibliographystyle": "m", "addbibresource": "om",
                "graphicspath": "m", "printbibliography": "o"}.get(name, "")  # fmt: skip
        args, end = parse_args(src, m.end(), spec, name)
        self.commands.append(Command(name, tuple(a or "" for a in args), fi, m.start(), end, g))
        return end

    def boundary(self, name: str) -> None:
        if name == "frontmatter":
            self.mainmatter, self.matter = False, "front"
        elif name == "mainmatter":
            self.mainmatter, self.matter = True, "main"
        elif name == "backmatter":
            self.mainmatter, self.matter = False, "back"
        elif name == "appendix":
            self.appendix = True
            top = "chapter" if "chapter" in self.ctr.value else "section"
            self.ctr.value[top] = 0
            self.ctr._reset_below(top)
            self.ctr.style[top] = "Alph"

    def heading(self, src: SourceFile, fi: int, m: re.Match[str], g: int) -> int:
        cmd, star = m.group(1), m.group(2) == "*"
        nxt = _skip_space(src.clean, m.end())
        if nxt >= len(src.clean) or src.clean[nxt] not in "[{":
            return m.end()  # the command passed as a token (\titleformat{\chapter}, \let)
        args, end = parse_args(src, m.end(), "om", cmd)
        if self.docclass == "kaobook":  # \section[toc]{title}[margin]
            _, end = parse_args(src, end, "o", cmd)
        level = HEADING_LEVELS[cmd]
        counter = {"addpart": "part", "addchap": "chapter", "addsec": "section"}.get(cmd, cmd)
        numbered = (
            not star
            and cmd not in UNNUMBERED_COMMANDS
            and level <= self.ctr.secnumdepth
            and counter in self.ctr.value
        )
        if counter == "chapter" and self.docclass in MATTER_CLASSES and not self.mainmatter:
            numbered = False
        state: dict[str, object] = {
            "counters": dict(self.ctr.value), "appendix": self.appendix, "matter": self.matter,
        }  # fmt: skip
        number = self.ctr.step(counter) if numbered else None
        title = _squash(str(args[1]))
        short = _squash(args[0]) if args[0] is not None else None
        h = Heading(cmd, level, title, short, star, number, fi, src.line_of(m.start()),
                    m.start(), end, g, state=state, depth=len(self.stack))  # fmt: skip
        self.headings.append(h)
        if number is not None:
            self.current = (counter, number)
        self.attach = h
        return end

    def label(self, name: str, fi: int, line: int, g: int) -> None:
        if name in self.labels:
            return  # LaTeX warns "multiply defined"; the first definition wins in our tables
        env, number = self.current
        if self.attach is not None and len(self.stack) == self.attach.depth:
            self.attach.labels.append(name)
            env = self.attach.command
        self.labels[name] = Label(name, env or "document", number, fi, line, g)

    def begin(self, src: SourceFile, fi: int, m: re.Match[str], g: int) -> int:
        args, end = parse_args(src, m.end(), "m", "begin")
        env = str(args[0]).strip()
        if env == "document":
            if not self.in_preamble:
                raise BookError(f"{src.where(m.start())}: a second \\begin{{document}}")
            self.in_preamble = False
            if self.label_macros:
                names = "|".join(sorted(map(re.escape, self.label_macros), key=len, reverse=True))
                self.body_re = re.compile(
                    _CMD_RE.pattern.replace(")(?![A-Za-z@])", f"|{names})(?![A-Za-z@])", 1)
                )
            self.begin_doc = g
            self.commands.append(Command("begin-document", (), fi, m.start(), end, g))
            return end
        if self.in_preamble:
            return end
        kind = self.env_alias.get(env, env)
        if kind.rstrip("*") in EQUATION_ENVS:
            return self.equation(src, fi, m, env, end, g, kind)
        frame = _Frame(env, self.current, self.attach, fi, m.start())
        self.stack.append(frame)
        if env == "subequations":
            number = self.ctr.step("equation")
            self.current = ("equation", number)
            self.subeq.append([number, 0])
            self.attach = None
        elif env in self.env_counter:
            counter = self.env_counter[env]
            if counter is not None:
                self.current = (env, self.ctr.step(counter))
                self.attach = None
                frame.number = self.current[1]
                note, frame.head_end = parse_args(src, end, "o", env)
                frame.note = note[0]
        elif env in self.floats:
            self.attach = None
        elif env == "enumerate":
            depth = sum(1 for f in self.stack if f.env == "enumerate")
            name = f"enum{_roman(min(depth, 4)).lower()}"
            self.ctr.new(name, None)
            opts, end = parse_args(src, end, "o", env)
            start = re.search(r"start\s*=\s*(\d+)", opts[0] or "")
            if start:
                self.ctr.value[name] = int(start.group(1)) - 1
            elif "resume" not in (opts[0] or ""):  # enumitem's [resume] continues the count
                self.ctr.value[name] = 0
            self.attach = None
        return end

    def label_macro(self, src: SourceFile, fi: int, m: re.Match[str], g: int) -> int:
        """A user macro such as ``\\symlabel{x}`` = ``\\refstepcounter{c}\\label{x}``."""
        nargs, body = self.label_macros[m.group(1)]
        args, end = parse_args(src, m.end(), "m" * nargs, m.group(1))
        for k, arg in enumerate(args, 1):
            body = body.replace(f"#{k}", str(arg))
        for t in re.finditer(r"\\(refstepcounter|label)\s*\{([^{}]*)\}", body):
            if t.group(1) == "label":
                self.label(t.group(2).strip(), fi, src.line_of(m.start()), g)
            else:
                counter = t.group(2).strip()
                self.ctr.new(counter, self.ctr.within.get(counter))
                self.current, self.attach = (counter, self.ctr.step(counter)), None
        return end

    def footnote(self, src: SourceFile, fi: int, m: re.Match[str]) -> int:
        """Labels inside ``\\footnote{…}`` get the footnote's number (until its end)."""
        args, end = parse_args(src, m.end(), "om", "footnote")
        number = args[0] if args[0] is not None else self.ctr.step("footnote")
        self.regions.append((fi, end, self.current, self.attach))
        self.current, self.attach = ("footnote", number), None
        return m.end()  # the footnote's text is scanned too

    def close_regions(self, fi: int, pos: int) -> None:
        while self.regions and self.regions[-1][0] == fi and self.regions[-1][1] <= pos:
            _, _, self.current, self.attach = self.regions.pop()

    def item(self, src: SourceFile, m: re.Match[str]) -> int:
        nxt = _skip_space(src.clean, m.end())
        if nxt < len(src.clean) and src.clean[nxt] == "[":
            _, end = parse_args(src, m.end(), "o", "item")
            return end  # an explicit item label steps nothing
        lists = [f.env for f in self.stack if f.env in {"enumerate", "itemize", "description"}]
        if lists and lists[-1] == "enumerate":
            depth = min(lists.count("enumerate"), 4)
            refs = []
            for d in range(1, depth + 1):
                name = f"enum{_roman(d).lower()}"
                if d == depth:
                    self.ctr.value[name] = self.ctr.value.get(name, 0) + 1
                refs.append(self.enum_the(name, d))
            # LaTeX's \p@enumii = \theenumi, \p@enumiii = \theenumi(\theenumii), ...
            ref = (
                refs[-1]
                if depth == 1
                else refs[0] + "".join(f"({r})" for r in refs[1:-1]) + refs[-1]
            )
            self.current = ("item", ref)
        return m.end()

    def enum_the(self, name: str, depth: int) -> str:
        template = self.enum_templates.get(name)
        value = self.ctr.value.get(name, 0)
        if template is None:
            return format_counter(("arabic", "alph", "roman", "Alph")[depth - 1], value)
        return re.sub(
            r"\\(arabic|roman|Roman|alph|Alph)\s*\{([a-z]+)\}",
            lambda t: format_counter(t.group(1), self.ctr.value.get(t.group(2), 0)),
            template,
        )

    def end(self, src: SourceFile, m: re.Match[str]) -> int:
        args, end = parse_args(src, m.end(), "m", "end")
        env = str(args[0]).strip()
        if self.in_preamble:
            return end
        if env == "document":
            if self.stack:
                f = self.stack[-1]
                raise BookError(
                    f"{self.files[f.file].where(f.pos)}: \\begin{{{f.env}}} is "
                    f"closed by \\end{{document}} at {src.where(m.start())}"
                )
            self.done = True
            return end
        if not self.stack or self.stack[-1].env != env:
            opened = (
                f"\\begin{{{self.stack[-1].env}}} at "
                f"{self.files[self.stack[-1].file].where(self.stack[-1].pos)}"
                if self.stack
                else "no open environment"
            )
            raise BookError(f"{src.where(m.start())}: \\end{{{env}}} does not match {opened}")
        frame = self.stack.pop()
        if frame.number is not None and frame.file == self.by_path.get(src.path, -1):
            self.blocks.append(Block(env, self.env_names.get(env, env.capitalize()), frame.number,
                                     frame.note, frame.file, frame.pos, frame.head_end,
                                     m.start(), end))  # fmt: skip
        if env == "subequations" and self.subeq:
            self.subeq.pop()
        self.current, self.attach = frame.current, frame.attach
        return end

    def step_equation(self) -> str:
        if self.subeq:
            top = self.subeq[-1]
            assert isinstance(top, list)
            top[1] += 1
            return f"{top[0]}{_alph(top[1]).lower()}"
        return self.ctr.step("equation")

    def equation(self, src: SourceFile, fi: int, m: re.Match[str], env: str, start: int,
                 g: int, kind: str) -> int:  # fmt: skip
        """Number an equation-like environment row by row (labels, \\nonumber, \\tag)."""
        text = src.clean
        starred = kind.endswith("*")
        multirow = kind.rstrip("*") in MULTIROW_ENVS
        depth = 0
        envs: list[str] = []
        row = _Row(not starred)

        def finish(r: _Row, at: int) -> None:
            labels = r.labels
            if r.tag is not None:
                number: str | None = r.tag
            elif r.numbered:
                number = self.step_equation()
                self.eqtags.append((fi, at, number))
            else:
                number = self.current[1] if labels else None
            for name, line, gl in labels:
                if name not in self.labels:
                    self.labels[name] = Label(name, "equation", number, fi, line, gl)

        if kind.rstrip("*") == "alignat":
            _, start = parse_args(src, start, "m", env)
        for t in _ROW_RE.finditer(text, start):
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
                finish(row, t.start())
                return t.end()
            elif tok == "\\\\" and multirow and depth == 0 and not envs:
                finish(row, t.start())
                row = _Row(not starred)
            elif t.group(3) == "label":
                args, _ = parse_args(src, t.end(), "m", "label")
                gl = g + (t.start() - m.start())
                row.labels.append((str(args[0]).strip(), src.line_of(t.start()), gl))
            elif t.group(3) in {"nonumber", "notag"}:
                row.numbered = False
            elif t.group(3) == "tag":
                args, _ = parse_args(src, t.end(), "m", "tag")
                row.tag = str(args[0]).strip()
        raise BookError(f"{src.where(m.start())}: \\begin{{{env}}} has no \\end{{{env}}}")

    def caption(self, src: SourceFile, m: re.Match[str], name: str) -> int:
        spec = "mom" if name == "captionof" else "om"
        args, end = parse_args(src, m.end(), spec, name)
        kind = str(args[0]).strip() if name == "captionof" else None
        if kind is None:
            for f in reversed(self.stack):
                if f.env.startswith("sub"):
                    return end  # subcaption numbering is not modelled
                if f.env in self.floats:
                    kind = self.floats[f.env]
                    break
        if kind is not None and kind in self.ctr.value:
            self.current = (kind, self.ctr.step(kind))
        return end

    def newtheorem(self, src: SourceFile, m: re.Match[str], star: bool) -> int:
        args, end = parse_args(src, m.end(), "mom", "newtheorem")
        name = str(args[0]).strip()
        self.env_names[name] = " ".join(str(args[2]).split())
        within = None
        if args[1] is None and not star:
            more, end2 = parse_args(src, end, "o", "newtheorem")
            within, end = more[0], end2
        if star:
            self.env_counter[name] = None
        elif args[1] is not None:
            self.env_counter[name] = self.env_counter.get(args[1].strip(), args[1].strip())
        else:
            self.env_counter[name] = name
            self.ctr.new(name, within.strip() if within else None)
        return end

    def declaretheorem(self, src: SourceFile, m: re.Match[str]) -> int:
        args, end = parse_args(src, m.end(), "om", "declaretheorem")
        opts = dict(
            [*kv.split("=", 1), ""][:2] for kv in (args[0] or "").replace(" ", "").split(",") if kv
        )
        for name in str(args[1]).replace(" ", "").split(","):
            self.env_names[name] = opts.get("name") or name.capitalize()
            shared = opts.get("sibling") or opts.get("sharenumber") or opts.get("sharecounter")
            if opts.get("numbered") == "no":
                self.env_counter[name] = None
            elif shared:
                self.env_counter[name] = self.env_counter.get(shared, shared)
            else:
                self.env_counter[name] = name
                self.ctr.new(name, opts.get("numberwithin") or opts.get("parent") or None)
        return end

    def setcounter(self, src: SourceFile, m: re.Match[str], name: str) -> int:
        args, end = parse_args(src, m.end(), "mm", name)
        counter, raw = str(args[0]).strip(), str(args[1]).strip()
        try:
            value = int(raw)
        except ValueError:
            return end
        if counter == "secnumdepth":
            self.ctr.secnumdepth = value + (self.ctr.secnumdepth if name == "addtocounter" else 0)
        elif counter in self.ctr.value:
            base = self.ctr.value[counter] if name == "addtocounter" else 0
            self.ctr.value[counter] = base + value
        return end


# --------------------------------------------------------------------------- the book


def read_book(main: Path, strict: bool = True) -> Book:
    """Read the LaTeX book whose main file is ``main``.

    Returns a :class:`Book` with headings (numbered as LaTeX would), labels and source pieces.
    With ``strict`` a missing ``\\input`` file is an error; otherwise it is listed in
    ``Book.missing``. Raises BookError (message starting ``file:line``) for unreadable or
    malformed sources: unbalanced braces, invalid UTF-8, include cycles, directories,
    unterminated environments, no ``\\begin{document}`` or ``\\end{document}``.
    """
    if not main.is_file():
        raise BookError(
            f"{main}: the book's main file does not exist"
            if not main.is_dir()
            else f"{main}: is a directory, not a .tex file"
        )
    r = _Reader(main, strict)
    fi = r.load(main, str(main))
    r.active.append((r.main, r.files[fi].name))
    r.walk(fi, r.root)
    name = r.files[fi].name
    if r.begin_doc < 0:
        raise BookError(f"{name}:1: no \\begin{{document}} found")
    if r.end_doc < 0:
        b = next(c for c in r.commands if c.name == "begin-document")
        raise BookError(
            f"{r.files[b.file].where(b.pos)}: \\begin{{document}} has no \\end{{document}}"
        )
    if r.stack:
        f = r.stack[-1]
        raise BookError(f"{r.files[f.file].where(f.pos)}: \\begin{{{f.env}}} is never closed")
    _link_headings(r.headings, r.commands, r.end_doc)
    return Book(r.main, r.docclass, r.files, r.pieces, r.headings, r.labels, r.commands,
                r.begin_doc, r.end_doc, r.missing, r.env_names, r.blocks, r.eqtags)  # fmt: skip


def _link_headings(headings: list[Heading], commands: list[Command], end_doc: int) -> None:
    """Set each heading's parent and the end of its span (next heading at its level or
    above, a matter/appendix/bibliography boundary, or ``\\end{document}``)."""
    bounds = sorted(c.gpos for c in commands if c.name in BOUNDARY_COMMANDS)
    stack: list[Heading] = []
    for i, h in enumerate(headings):
        while stack and stack[-1].level >= h.level:
            stack.pop()
        h.parent = stack[-1] if stack else None
        stack.append(h)
        end = end_doc
        for later in headings[i + 1 :]:
            if later.level <= h.level:
                end = later.gpos
                break
        for b in bounds:
            if b > h.gpos:
                end = min(end, b)
                break
        h.gend = end


def title_path(h: Heading) -> list[str]:
    """Return the plain titles from the outermost heading down to ``h``."""
    out = []
    node: Heading | None = h
    while node is not None:
        out.append(plain_title(node.title))
        node = node.parent
    return out[::-1]


def format_outline(book: Book, max_level: int = 5) -> str:
    """Return the book's heading tree as text: number, title, labels, ``file:line``."""
    lines = []
    top = min((h.level for h in book.headings), default=0)
    for h in book.headings:
        if h.level > max_level:
            continue
        number = h.number if h.number is not None else "*"
        if h.command in {"part", "addpart"}:
            number = f"Part {number}"
        labels = " " + " ".join(f"<{x}>" for x in h.labels) if h.labels else ""
        indent = "  " * (h.level - top)
        lines.append(f"{indent}{number} {h.title}{labels}  [{book.where(h.file, h.line)}]")
    return "\n".join(lines) + ("\n" if lines else "")
