"""A fast LaTeX structure reader: headings, labels and LaTeX's own numbering, without a TeX run.

:func:`read_book` follows ``\\input``/``\\include``/``\\subfile``/``\\import`` from a main file,
blanks out what TeX never sees (comments, ``\\iffalse`` blocks, verbatim-like environments,
``\\verb``) while keeping every offset, and walks the result once, stepping counters the way the
standard classes do. The result is a :class:`Book`: the heading tree, every label with its
environment and number, and the source pieces that make up the document, for extraction.

Modules: ``model`` (what is returned), ``text`` (cleaning, braces, arguments), ``sources``
(include following), ``reader`` (the pass and its dispatch), ``sections``, ``environments``,
``equations``, ``labels``, ``definitions`` and ``counters`` (numbering), ``outline``.
"""

from course_cli.latex.counters import Counters, format_counter
from course_cli.latex.model import (
    Block,
    Book,
    BookError,
    Command,
    Heading,
    Label,
    Piece,
    SourceFile,
)
from course_cli.latex.outline import format_outline, title_path
from course_cli.latex.reader import read_book
from course_cli.latex.text import check_braces, clean_text, parse_args, plain_title, read_group
from course_cli.latex.vocabulary import (
    BOUNDARY_COMMANDS,
    CHAPTER_CLASSES,
    EQUATION_ENVS,
    FLOAT_ENVS,
    HEADING_LEVELS,
    INPUT_COMMANDS,
    MATTER_CLASSES,
    MULTIROW_ENVS,
    PREAMBLE_COMMANDS,
    UNNUMBERED_COMMANDS,
    VERBATIM_ENVS,
)

__all__ = [
    "BOUNDARY_COMMANDS",
    "CHAPTER_CLASSES",
    "EQUATION_ENVS",
    "FLOAT_ENVS",
    "HEADING_LEVELS",
    "INPUT_COMMANDS",
    "MATTER_CLASSES",
    "MULTIROW_ENVS",
    "PREAMBLE_COMMANDS",
    "UNNUMBERED_COMMANDS",
    "VERBATIM_ENVS",
    "Block",
    "Book",
    "BookError",
    "Command",
    "Counters",
    "Heading",
    "Label",
    "Piece",
    "SourceFile",
    "check_braces",
    "clean_text",
    "format_counter",
    "format_outline",
    "parse_args",
    "plain_title",
    "read_book",
    "read_group",
    "title_path",
]
