"""What the LaTeX reader returns: source files, headings, labels, blocks and the :class:`Book`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from course_cli.core.errors import CourseError, ExitCode


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
    # the part TeX reads when the file is included: a ``subfiles`` file's body only
    body: tuple[int, int] | None = None

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
    # every file whose presence decided what was read (an \\input's candidates, a local .sty
    # or .cls), as looked up, whether or not it exists: what a cache of the reading depends on
    probed: list[Path] = field(default_factory=list)

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
