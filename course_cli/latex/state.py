"""What the single pass over a book accumulates: files, pieces, headings, labels, counters and
the environments open at the current position (see :func:`course_cli.latex.reader.read_book`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from course_cli.core.boundary import course_root_of
from course_cli.latex.counters import Counters
from course_cli.latex.model import Block, Command, Heading, Label, Piece, SourceFile
from course_cli.latex.vocabulary import BODY_RE, FLOAT_ENVS


@dataclass
class Frame:
    """An open environment: what ``\\label`` referred to before it, and its own number."""

    env: str
    current: tuple[str, str | None]
    attach: Heading | None
    file: int
    pos: int
    number: str | None = None
    head_end: int = 0
    note: str | None = None


class State:
    """The reader's state: the document read so far and the numbering at the current point."""

    def __init__(self, main: Path, strict: bool):
        self.main = main.resolve()
        self.root = self.main.parent
        self.limit = course_root_of(self.main)  # nothing outside the course is read
        self.strict = strict
        # files and the flattened document
        self.files: list[SourceFile] = []
        self.by_path: dict[Path, int] = {}
        self.pieces: list[Piece] = []
        self.glen = 0
        self.active: list[tuple[Path, str]] = []
        self.missing: list[str] = []
        # what the book contains
        self.headings: list[Heading] = []
        self.labels: dict[str, Label] = {}
        self.commands: list[Command] = []
        self.blocks: list[Block] = []
        self.eqtags: list[tuple[int, int, str]] = []
        self.docclass = "article"
        self.in_preamble = True
        self.done = False
        self.begin_doc = -1
        self.end_doc = -1
        # numbering
        self.ctr = Counters(False)
        self.env_counter: dict[str, str | None] = {}
        self.env_names: dict[str, str] = {}
        self.mainmatter = True
        self.matter: str | None = None
        self.appendix = False
        self.current: tuple[str, str | None] = ("", None)
        self.attach: Heading | None = None
        self.stack: list[Frame] = []
        self.subeq: list[object] = []
        self.regions: list[tuple[int, int, tuple[str, str | None], Heading | None]] = []
        # definitions found in the preamble
        self.macros: dict[str, tuple[int, str]] = {}
        self.tcb_prefix: dict[str, str] = {}  # \\newtcbtheorem env -> its label prefix
        self.simple_macros: dict[str, str] = {}  # \\newcommand{\\x}{body} without arguments
        self.probed: list[Path] = []  # files looked for (see Book.probed)
        self.enum_templates: dict[str, str] = {}
        self.body_re = BODY_RE
        self.label_macros: dict[str, tuple[int, str]] = {}  # user macros that \\label
        self.env_alias: dict[str, str] = {}  # user environment -> the equation env it wraps
        self.floats = dict(FLOAT_ENVS)  # float environment -> its counter
