"""Lesson notebooks as sources: jupytext "percent" ``.py`` files paired with ``.ipynb``.

A notebook ``NAME`` of a lesson lives in ``lessons/lesson_NN/notebooks/`` as ``NAME.py`` (the
source a maintainer edits; it has ``# %%`` cell markers and a jupytext header) paired with
``NAME.ipynb`` (the same cells, no outputs). This module finds the pairs, reads them, maps
notebook cells back to lines of the ``.py`` and makes the student version of a notebook
(cells tagged ``solution`` replaced by a stub).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.core.errors import ProblemsFound

if TYPE_CHECKING:
    from nbformat import NotebookNode

NOTEBOOKS_DIR = "notebooks"
SOLUTION_TAG = "solution"
STUB_TAG = "solution-stub"
CODE_STUB = "# Your solution here.\n"
MARKDOWN_STUB = "*Your answer here.*"

_MARKER_RE = re.compile(r"^#\s?%%(?!%)")
_SOLUTION_MARKER_RE = re.compile(r"^#\s?%%.*\btags\s*=\s*\[[^\]]*[\"']solution[\"']", re.MULTILINE)


@dataclass(frozen=True)
class NotebookSource:
    """One notebook of a lesson: its name and the files that hold it (either may be absent)."""

    name: str
    folder: Path
    py: Path | None
    ipynb: Path | None

    @property
    def source(self) -> Path:
        """The file the notebook is built from: the ``.py`` when there is one."""
        path = self.py or self.ipynb
        assert path is not None
        return path


def is_percent_script(text: str) -> bool:
    """True when ``text`` is a jupytext percent script (it has a ``# %%`` cell marker)."""
    return any(_MARKER_RE.match(line) for line in text.splitlines())


def find_notebooks(lesson_dir: Path) -> list[NotebookSource]:
    """The notebooks of a lesson folder, by name (``.py`` without cell markers are modules).

    A file that resolves outside the course (a symlink out of it) is no notebook of the course:
    it is never run or published (``course check`` reports it, F006).
    """
    from course_cli.core.boundary import is_inside

    folder = lesson_dir / NOTEBOOKS_DIR
    course_root = lesson_dir.parents[1]
    if not folder.is_dir():
        return []
    names: dict[str, dict[str, Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file() or not is_inside(path, course_root):
            continue
        if path.suffix == ".ipynb":
            names.setdefault(path.stem, {})["ipynb"] = path
        elif path.suffix == ".py":
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if is_percent_script(text):
                names.setdefault(path.stem, {})["py"] = path
    return [
        NotebookSource(name, folder, files.get("py"), files.get("ipynb"))
        for name, files in sorted(names.items())
    ]


def has_solution_cells(path: Path) -> bool:
    """True when the notebook at ``path`` (``.py`` or ``.ipynb``) has a cell tagged solution.

    Read as text, without parsing: this runs at plan time for every notebook.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if path.suffix == ".py":
        return _SOLUTION_MARKER_RE.search(text) is not None
    return re.search(r"\"tags\"\s*:\s*\[[^\]]*\"solution\"", text) is not None


def read_notebook(path: Path, root: Path) -> NotebookNode:
    """Read a notebook from its ``.py`` (jupytext) or ``.ipynb``.

    Raises ProblemsFound naming the file when it cannot be read or parsed.
    """
    shown = _rel(path, root)
    try:
        if path.suffix == ".py":
            import jupytext  # type: ignore[import-untyped]

            nb: NotebookNode = jupytext.read(path)
            return nb
        import nbformat

        nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
        return nb
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ProblemsFound(f"{shown}: cannot read the notebook: {exc}") from exc
    except Exception as exc:  # jupytext/nbformat raise their own validation errors
        raise ProblemsFound(f"{shown}: not a valid notebook: {exc}") from exc


def cell_lines(py_text: str, nb: NotebookNode) -> list[int]:
    """The 1-based line of the ``.py`` where each cell's source starts (one per cell).

    jupytext starts a cell at each ``# %%`` marker (after the YAML header); the cell's first
    source line is the first line after its marker that matches it (Markdown lines carry a
    ``# `` prefix; a magic may be commented out). Code before the first marker is a cell too.
    """
    lines = py_text.splitlines()
    start = 0
    if lines and lines[0].strip() == "# ---":
        for i in range(1, len(lines)):
            if lines[i].strip() == "# ---":
                start = i + 1
                break
    markers = [i for i in range(start, len(lines)) if _MARKER_RE.match(lines[i])]
    bounds: list[tuple[int, int]] = []
    head = [i for i in range(start, markers[0] if markers else len(lines)) if lines[i].strip()]
    if head:
        bounds.append((head[0] - 1, markers[0] if markers else len(lines)))
    for k, m in enumerate(markers):
        bounds.append((m, markers[k + 1] if k + 1 < len(markers) else len(lines)))
    out: list[int] = []
    for index, cell in enumerate(nb.cells):
        if index >= len(bounds):
            out.append(len(lines))
            continue
        marker, end = bounds[index]
        first = str(cell.source).split("\n", 1)[0].strip()
        found = marker + 2  # default: the line after the marker
        for i in range(marker + 1, end):
            text = lines[i].strip()
            if first and text in (first, f"# {first}", f"#{first}", f"# {first}".rstrip()):
                found = i + 1
                break
        out.append(found)
    return out


def student_version(nb: NotebookNode, *, keep_outputs: bool) -> NotebookNode:
    """A copy of ``nb`` whose cells tagged ``solution`` are stubs (tagged ``solution-stub``).

    ``keep_outputs`` keeps the other cells' outputs (the student HTML); without it every
    output is cleared (the student ``.ipynb`` a student runs).
    """
    import nbformat

    out = copy.deepcopy(nb)
    cells: list[Any] = []
    for cell in out.cells:
        tags = list(cell.get("metadata", {}).get("tags", []))
        if SOLUTION_TAG in tags:
            if cell.cell_type == "code":
                stub = nbformat.v4.new_code_cell(CODE_STUB.rstrip("\n"))  # type: ignore[no-untyped-call]
            else:
                stub = nbformat.v4.new_markdown_cell(MARKDOWN_STUB)  # type: ignore[no-untyped-call]
            stub.metadata["tags"] = [STUB_TAG]
            cell = stub
        elif cell.cell_type == "code" and not keep_outputs:
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    out.cells = cells
    return out


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def shown(path: Path, root: Path) -> str:
    """``path`` relative to the course root (POSIX), for messages."""
    return _rel(path, root)
