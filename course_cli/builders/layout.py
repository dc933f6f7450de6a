"""Layout records: what a build measured about an output's rendered layout, beside it.

Each step that makes a slides HTML, a conspect PDF or the book PDF also writes a JSON record
to ``build/.layout/`` (written by the same step as the output, so it is exactly as fresh):

* ``lesson_NN/<deck>.slides.json`` — how far each slide's content reaches past the slide,
  measured in the built HTML (:mod:`course_cli.builders.slides.layout`);
* ``lesson_NN/conspect.json`` — TeX's "Overfull \\hbox" reports of the final LaTeX run with the
  lines of pandoc's generated .tex they name (pandoc ``--verbose`` prints both);
* ``book/<name>.json`` — the overfull lines of the book's LaTeX log with their .tex file.

:mod:`course_cli.check.rendered` turns records into findings. Conspect lines: pandoc keeps no
source map, so :func:`markdown_line` traces a .tex fragment back to the Markdown by its text:
display math keeps its TeX as written, so a line of it is found verbatim (whitespace ignored);
a paragraph (which pandoc re-wraps) goes to the Markdown line sharing most of its words and
control sequences. Limits: text that appears several times goes to the best (first) match;
material that is not in the Markdown (the title block, made from course.yaml) matches nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LAYOUT_DIR = ".layout"
VERSION = 1

_OVERFULL_RE = re.compile(
    r"^Overfull \\hbox \((?P<pt>[\d.]+)pt too wide\) "
    r"(?:in paragraph at lines (?P<a>\d+)--(?P<b>\d+)|detected at line (?P<at>\d+)"
    r"|in alignment at lines (?P<c>\d+)--(?P<d>\d+))",
    re.M,
)
_CS_RE = re.compile(r"\\[A-Za-z]{2,}")
_WORD_RE = re.compile(r"[A-Za-z]{4,}")
_DISPLAY_OPEN = re.compile(
    r"\\\[|\\begin\{(?:equation|align|gather|multline|displaymath)\*?\}|\$\$"
)
# What the LaTeX writer adds around Markdown text: not evidence of a Markdown line.
_NOISE = frozenset(
    "\\" + name
    for name in [
        "begin",
        "end",
        "label",
        "textbf",
        "emph",
        "textit",
        "texttt",
        "section",
        "subsection",
        "subsubsection",
        "hypertarget",
        "protect",
        "phantomsection",
        "tightlist",
        "item",
        "citet",
        "citep",
        "cite",
        "href",
        "url",
        "ref",
        "eqref",
        "mathrm",
        "text",
        "left",
        "right",
        "quad",
        "qquad",
        "tag",
        "nonumber",
    ]
)


def layout_dir(build_dir: Path) -> Path:
    """``build/.layout``: where the builds record what they measured."""
    return build_dir / LAYOUT_DIR


def slides_record(build_dir: Path, lesson_dir: str, stem: str) -> Path:
    """The layout record of the HTML deck ``build/<lesson_dir>/<stem>.html``."""
    return layout_dir(build_dir) / lesson_dir / f"{stem}.slides.json"


def conspect_record(build_dir: Path, lesson_dir: str) -> Path:
    """The layout record of ``build/<lesson_dir>/conspect.pdf``."""
    return layout_dir(build_dir) / lesson_dir / "conspect.json"


def book_record(build_dir: Path, pdf_name: str) -> Path:
    """The layout record of ``build/book/<pdf_name>``."""
    return layout_dir(build_dir) / "book" / f"{Path(pdf_name).stem}.json"


def write_record(path: Path, data: dict[str, Any]) -> None:
    """Write one layout record (JSON)."""
    path.write_text(json.dumps({"version": VERSION, **data}, indent=1), encoding="utf-8")


def read_record(path: Path) -> dict[str, Any] | None:
    """A layout record, or None when it is missing or unreadable (an older build)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("version") == VERSION else None


# --------------------------------------------------------------------------- TeX logs


@dataclass(frozen=True)
class Overfull:
    """One overfull line: how many points too wide, and the .tex lines TeX names."""

    pt: float
    first: int
    last: int
    display: bool  # "detected at line N": a display (math) box, N is where it ends

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"pt": self.pt, "first": self.first, "last": self.last, "display": self.display}


def parse_overfull(log: str) -> list[Overfull]:
    """Every "Overfull \\hbox" report of a TeX log or terminal output, in order."""
    found = []
    for m in _OVERFULL_RE.finditer(log):
        if m.group("at"):
            first = last = int(m.group("at"))
            display = True
        else:
            first = int(m.group("a") or m.group("c"))
            last = int(m.group("b") or m.group("d"))
            display = False
        found.append(Overfull(float(m.group("pt")), first, last, display))
    return found


def split_pandoc_verbose(stderr: str) -> tuple[str, str, str]:
    """pandoc ``--verbose`` stderr -> (what pandoc says without --verbose, the generated .tex,
    the terminal output of the last LaTeX run)."""
    plain: list[str] = []
    source: list[str] = []
    runs: list[list[str]] = []
    block: list[str] | None = None
    for line in stderr.splitlines():
        if line.startswith("[INFO]"):
            if "[makePDF] Source:" in line:
                source = []
                block = source
            elif "[makePDF] LaTeX output" in line:
                runs.append([])
                block = runs[-1]
            else:
                block = []  # other information (temp dir, environment): dropped
            continue
        if block is not None and (line.startswith("  ") or not line):
            block.append(line[2:])
            continue
        block = None
        plain.append(line)
    # the source block keeps blank lines as empty lines: strip the trailing ones only
    tex = "\n".join(source).rstrip("\n")
    return "\n".join(plain), tex, "\n".join(runs[-1]) if runs else ""


def tex_fragment(tex_lines: Sequence[str], item: Overfull) -> str:
    """The .tex text an overfull report names; for a display, from where the display opens."""
    first = item.first
    if item.display:
        for i in range(item.last - 1, max(item.last - 60, 0) - 1, -1):
            if i < len(tex_lines) and _DISPLAY_OPEN.search(tex_lines[i]):
                first = i + 1
                break
    return "\n".join(tex_lines[first - 1 : item.last])


def markdown_line(markdown: str, fragment: str) -> int | None:
    """The Markdown line a fragment of pandoc's .tex comes from (see the module docstring)."""
    lines = markdown.splitlines()
    squeezed = ["".join(line.split()) for line in lines]
    # 1. a line of the fragment found verbatim (display math), longest first
    for probe in sorted((p.strip() for p in fragment.splitlines()), key=len, reverse=True):
        key = "".join(probe.split())
        if len(key) < 12 or (key.startswith("\\") and key.rstrip("{}[]*").count("\\") == 1):
            continue  # too short, or only \[ / \begin{equation} scaffolding
        for i, line in enumerate(squeezed, 1):
            if key in line:
                return i
    # 2. the line sharing most words and control sequences
    tokens = {t for t in _CS_RE.findall(fragment) if t not in _NOISE}
    tokens |= set(_WORD_RE.findall(_CS_RE.sub(" ", fragment)))
    if not tokens:
        return None
    best, best_score = None, 1
    for i, line in enumerate(lines, 1):
        score = sum(1 for t in tokens if t in line)
        if score > best_score:
            best, best_score = i, score
    return best


def conspect_layout(stderr_tex: str, last_run: str) -> dict[str, Any]:
    """The layout record of one conspect from pandoc's .tex and the last LaTeX run's output."""
    tex_lines = stderr_tex.splitlines()
    items = []
    for item in parse_overfull(last_run):
        items.append({**item.to_json(), "tex": tex_fragment(tex_lines, item)[:4000]})
    return {"overfull": items}


def book_layout(log: str, main: Path, root: Path) -> dict[str, Any]:
    """The layout record of the book from its LaTeX log: each overfull line with its file.

    The file is the innermost ``(file.tex`` TeX had open (the log is written with
    ``max_print_line`` large, so file names are not broken across lines).
    """
    items = []
    stack: list[str | None] = []
    pos = 0
    token = re.compile(r"\((?P<file>[^\s()]+\.tex)|\(|\)|^Overfull \\hbox", re.M)
    for m in token.finditer(log):
        if m.start() < pos:
            continue
        text = m.group(0)
        if text.startswith("Overfull"):
            found = _OVERFULL_RE.match(log, m.start())
            if found:
                item = parse_overfull(found.group(0))[0]
                current = next((f for f in reversed(stack) if f), None)
                path = (main.parent / current).resolve() if current else main
                try:
                    shown = path.relative_to(root.resolve()).as_posix()
                except ValueError:
                    shown = str(path)
                items.append({**item.to_json(), "file": shown})
                pos = found.end()  # its "(…pt too wide)" is no file
            continue
        if m.group("file"):
            stack.append(m.group("file"))
        elif text == "(":
            stack.append(None)
        elif stack:
            stack.pop()
    return {"overfull": items}
