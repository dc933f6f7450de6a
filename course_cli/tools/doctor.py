"""``course doctor``: every external tool and package the course needs, found or not.

:func:`diagnose` returns a :class:`DoctorReport` (data only); the CLI renders it as a table or
JSON and exits 3 when a required item is missing. What is required follows ``course.yaml``:
Chromium only when slides are built to PDF/PPTX, typst only when it is the PDF engine.
"""

from __future__ import annotations

import importlib.metadata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.core.errors import CourseError
from course_cli.tools.runner import Toolbox
from course_cli.tools.specs import TOOLS
from course_cli.tools.versions import version_tuple

if TYPE_CHECKING:
    from course_cli.core.config import Course

#: Python distributions the toolkit imports (pyproject dependencies).
PYTHON_PACKAGES = (
    "typer", "rich", "pyyaml", "ruamel.yaml", "jinja2", "pypandoc-binary", "typst",
    "markdown-it-py",
)  # fmt: skip
FONT_FAMILIES = ("DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono")
FONT_INSTALL = "sudo apt-get install fonts-dejavu fonts-dejavu-extra"
TEX_ENGINES = ("xelatex", "lualatex", "pdflatex")


@dataclass(frozen=True)
class Item:
    """One thing the course needs. ``ok`` is False when missing or too old (see ``problem``)."""

    name: str
    category: str  # python | tool | font
    required: bool
    ok: bool
    version: str = ""
    path: str = ""
    source: str = ""
    purpose: str = ""
    problem: str = ""
    install: str = ""


@dataclass(frozen=True)
class DoctorReport:
    """All items, in display order."""

    items: tuple[Item, ...]

    @property
    def missing_required(self) -> list[Item]:
        """Required items that are missing or unusable."""
        return [i for i in self.items if i.required and not i.ok]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ``ok`` and one entry per item."""
        return {"ok": not self.missing_required, "items": [asdict(i) for i in self.items]}


def required_tools(course: Course | None) -> dict[str, bool]:
    """Tool name -> required, for this course's configuration (defaults without a course)."""
    formats = list(course.build.slides) if course else ["html", "pdf"]
    engine = course.build.pdf_engine if course else "xelatex"
    needs = dict.fromkeys(TOOLS, False)
    for name in ("pandoc", "node", "marp", "xelatex", "latexmk", "bibtex", "fc-list"):
        needs[name] = True
    needs["chromium"] = any(f in ("pdf", "pptx") for f in formats)
    needs[engine] = True
    return needs


def diagnose(course: Course | None, root: Path | None = None) -> DoctorReport:
    """Look for every package, tool and font; return the report (never raises for a miss).

    Writes nothing: no version cache, no ``typst`` shim.
    """
    toolbox = (
        Toolbox.for_course(course, read_only=True) if course else Toolbox(root, read_only=True)
    )
    needs = required_tools(course)
    with ThreadPoolExecutor(max_workers=8) as pool:
        tools = list(pool.map(lambda n: _tool_item(toolbox, n, needs[n]), TOOLS))
    fonts = _font_items(toolbox)
    return DoctorReport(tuple([*_python_items(), *tools, *fonts]))


def _python_items() -> list[Item]:
    items = []
    for dist in PYTHON_PACKAGES:
        try:
            version = importlib.metadata.version(dist)
            items.append(Item(dist, "python", True, True, version=version, source="pip"))
        except importlib.metadata.PackageNotFoundError:
            items.append(
                Item(dist, "python", True, False, problem="not installed",
                     install=f"pip install -e '.[dev]'   # or: pip install {dist}")
            )  # fmt: skip
    return items


def _tool_item(toolbox: Toolbox, name: str, required: bool) -> Item:
    spec = TOOLS[name]
    try:
        info = toolbox.find(name)
    except CourseError as exc:
        return Item(name, "tool", required, False, purpose=spec.purpose,
                    problem=exc.message, install=spec.install)  # fmt: skip
    try:
        version = toolbox.version(name)
    except CourseError as exc:
        return Item(name, "tool", required, False, path=str(info.path), source=info.source,
                    purpose=spec.purpose, problem=exc.message, install=spec.install)  # fmt: skip
    problem = ""
    if spec.min_version and version_tuple(version) < version_tuple(spec.min_version):
        problem = f"version {version} is older than the needed {spec.min_version}"
    return Item(name, "tool", required, not problem, version=version, path=str(info.path),
                source=info.source, purpose=spec.purpose, problem=problem,
                install=spec.install if problem else "")  # fmt: skip


def _font_items(toolbox: Toolbox) -> list[Item]:
    try:
        done = toolbox.run("fc-list", [":", "family", "file"], timeout=60)
    except CourseError as exc:
        return [Item(f, "font", True, False, problem=f"cannot list fonts: {exc.message}",
                     install=FONT_INSTALL) for f in FONT_FAMILIES]  # fmt: skip
    files: dict[str, str] = {}
    for line in done.stdout.splitlines():
        path, _, families = line.partition(": ")
        for family in families.split(","):
            family, path = family.strip(), path.strip()
            if family not in files or len(path) < len(files[family]):
                files[family] = path  # the shortest name is the regular face
    return [
        Item(f, "font", True, True, path=files[f], source="fontconfig", purpose="PDF text")
        if f in files
        else Item(
            f,
            "font",
            True,
            False,
            purpose="PDF text",
            problem="font not installed",
            install=FONT_INSTALL,
        )
        for f in FONT_FAMILIES
    ]


def missing_hint(report: DoctorReport) -> str:
    """The install commands of the missing required items, one a line, without repeats."""
    return "\n".join(dict.fromkeys(i.install for i in report.missing_required if i.install))


def render_lines(report: DoctorReport) -> list[str]:
    """Rich-markup lines: status, name, version, where found (or problem and install command)."""
    from rich.markup import escape

    def label(item: Item) -> str:
        return f"{item.name} (python)" if item.category == "python" else item.name

    width = max(len(label(i)) for i in report.items)
    lines = []
    for item in report.items:
        name = escape(label(item).ljust(width))
        if item.ok:
            where = f"{escape(item.path)} [dim]({item.source})[/]" if item.path else ""
            lines.append(f"[green]ok      [/] {name}  {escape(item.version):<15} {where}")
            continue
        mark = "[red]MISSING [/]" if item.required else "[yellow]optional[/]"
        shown = item.purpose and item.purpose not in item.problem
        purpose = f" [dim]— {escape(item.purpose)}[/]" if shown else ""
        lines.append(f"{mark} {name}  {escape(item.problem)}{purpose}")
        if item.install:
            lines.append(f"{'':8} {'':{width}}  install: [bold]{escape(item.install)}[/]")
    return lines
