"""The LaTeX vocabulary the structure reader knows: sectioning levels, environments that are
numbered, skipped or floated, and the commands it looks for in the preamble and the body."""

from __future__ import annotations

import re

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

# the commands the body scan stops at (user macros that \label are added per book)
BODY_RE = re.compile(
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
PREAMBLE_RE = re.compile(r"\\([A-Za-z@]+)(\*?)")
THEOREM_MACRO_HINTS = ("newtheorem", "newaliascnt", "declaretheorem")
