"""Lesson notebooks: each ``.py`` (jupytext percent) is paired with an ``.ipynb`` holding the
same cells, no outputs, and a Python 3 kernel."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from course_cli.builders.notebooks.source import NotebookSource, cell_lines, find_notebooks
from course_cli.check.findings import Finding, make

KERNEL = "python3"


def check_notebooks(lesson_dir: Path, root: Path, lesson: int | None = None) -> list[Finding]:
    """N001–N005 for the notebooks of one lesson folder."""
    out: list[Finding] = []
    for src in find_notebooks(lesson_dir):
        out.extend(_check_one(src, root, lesson))
    return out


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _check_one(src: NotebookSource, root: Path, lesson: int | None) -> list[Finding]:
    out: list[Finding] = []

    def find(code: str, path: Path, line: int | None, message: str, hint: str | None) -> None:
        out.append(make(code, _rel(path, root), line, message, hint, lesson=lesson))

    if src.py is None and src.ipynb is not None:
        find(
            "N002",
            src.ipynb,
            None,
            f"{src.ipynb.name} has no paired {src.name}.py",
            f"cd {_rel(src.folder, root)} && jupytext --set-formats ipynb,py:percent "
            f"{src.ipynb.name}",
        )
    if src.ipynb is None and src.py is not None:
        find(
            "N002",
            src.py,
            None,
            f"{src.py.name} has no paired {src.name}.ipynb",
            f"cd {_rel(src.folder, root)} && jupytext --sync {src.py.name}",
        )
    ipynb_cells: list[tuple[str, str, tuple[str, ...]]] | None = None
    if src.ipynb is not None:
        text = src.ipynb.read_text(encoding="utf-8", errors="replace")
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
                raise ValueError("no list of cells")
        except ValueError as exc:
            find(
                "N005",
                src.ipynb,
                None,
                f"{src.ipynb.name} is not a notebook: {exc}",
                "recreate it from the .py with jupytext --sync",
            )
            data = None
        if data is not None:
            out.extend(_ipynb_findings(src.ipynb, text, data, root, lesson))
            ipynb_cells = [_cell_key(c) for c in data["cells"] if isinstance(c, dict)]
    if src.py is not None:
        out.extend(_py_findings(src, ipynb_cells, root, lesson))
    return out


def _line_of(text: str, pattern: str, start: int = 0) -> int | None:
    m = re.compile(pattern).search(text, start)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _ipynb_findings(
    path: Path, text: str, data: dict[str, Any], root: Path, lesson: int | None
) -> list[Finding]:
    out: list[Finding] = []
    rel = _rel(path, root)
    for index, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            line = _line_of(text, r'"outputs"\s*:\s*\[\s*\{') or _line_of(
                text, r'"execution_count"\s*:\s*\d'
            )
            out.append(
                make(
                    "N003",
                    rel,
                    line,
                    f"{path.name} carries outputs (cell {index + 1} is the first); the committed "
                    "notebook must have none",
                    f"jupyter nbconvert --clear-output --inplace {rel}, or jupytext --sync the .py",
                    lesson=lesson,
                )
            )
            break
    spec = (
        data.get("metadata", {}).get("kernelspec")
        if isinstance(data.get("metadata"), dict)
        else None
    )
    problem = _kernel_problem(spec)
    if problem:
        out.append(
            make(
                "N004",
                rel,
                _line_of(text, r'"kernelspec"'),
                f"{path.name}: {problem}",
                "use the python3 kernel: jupytext --set-kernel python3 on the .py",
                lesson=lesson,
            )
        )
    return out


def _kernel_problem(spec: Any) -> str | None:
    if not isinstance(spec, dict):
        return "no kernelspec (the notebook must name the python3 kernel)"
    name, language = spec.get("name"), spec.get("language", "python")
    if name != KERNEL or str(language).lower() != "python":
        return f"kernel {name!r} ({language}) is not Python 3 ({KERNEL!r})"
    return None


def _cell_key(cell: Any) -> tuple[str, str, tuple[str, ...]]:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(source)
    tags = (
        cell.get("metadata", {}).get("tags", []) if isinstance(cell.get("metadata"), dict) else []
    )
    return str(cell.get("cell_type")), str(source).strip("\n"), tuple(sorted(map(str, tags)))


def _py_findings(
    src: NotebookSource,
    ipynb_cells: list[tuple[str, str, tuple[str, ...]]] | None,
    root: Path,
    lesson: int | None,
) -> list[Finding]:
    assert src.py is not None
    rel = _rel(src.py, root)
    text = src.py.read_text(encoding="utf-8", errors="replace")
    spec, cells = quick_read(text)
    if _kernel_problem(spec) is None and (ipynb_cells is None or cells == ipynb_cells):
        return []  # the common case, without importing jupytext (a third of a second)
    try:
        import jupytext  # type: ignore[import-untyped]

        nb = jupytext.reads(text, fmt="py:percent")
    except Exception as exc:  # jupytext raises its own error types
        return [
            make(
                "N005",
                rel,
                None,
                f"{src.py.name} cannot be read by jupytext: {exc}",
                None,
                lesson=lesson,
            )
        ]
    out: list[Finding] = []
    header_end = _line_of(text, r"(?m)^# %%") or 1
    problem = _kernel_problem(nb.metadata.get("kernelspec"))
    if problem:
        out.append(
            make(
                "N004",
                rel,
                _line_of(text[: text.find("# %%")], r"kernelspec") or 1,
                f"{src.py.name}: {problem}",
                f"jupytext --set-kernel {KERNEL} {src.py.name}",
                lesson=lesson,
            )
        )
    if ipynb_cells is None or src.ipynb is None:
        return out
    py_cells = [_cell_key(c) for c in nb.cells]
    if py_cells == ipynb_cells:
        return out
    lines = cell_lines(text, nb)
    index = next(
        (i for i, (a, b) in enumerate(zip(py_cells, ipynb_cells, strict=False)) if a != b),
        min(len(py_cells), len(ipynb_cells)),
    )
    line = lines[index] if index < len(lines) else header_end
    if len(py_cells) != len(ipynb_cells) and index == min(len(py_cells), len(ipynb_cells)):
        what = f"{src.py.name} has {len(py_cells)} cells, {src.ipynb.name} {len(ipynb_cells)}"
    else:
        what = f"cell {index + 1} of {src.py.name} differs from {src.ipynb.name}"
    out.append(
        make(
            "N001",
            rel,
            line,
            f"notebook pair out of sync: {what}",
            f"edit the .py, then: jupytext --sync {rel}",
            lesson=lesson,
        )
    )
    return out


_MARKER_RE = re.compile(r"^#\s?%%(?!%)[ \t]*(?:\[(\w+)\])?(.*)$")
_TAGS_RE = re.compile(r"\btags\s*=\s*\[([^\]]*)\]")
_MAGIC_RE = re.compile(r"^# ?(%{1,2}\w|!)")


def quick_read(text: str) -> tuple[dict[str, str] | None, list[tuple[str, str, tuple[str, ...]]]]:
    """The kernelspec and the cells (type, source, tags) of a percent script, read by a small
    line scanner that knows what lesson notebooks use (header, ``# %%`` markers with
    ``[markdown]``/``[raw]`` and ``tags=[…]``, commented Markdown, commented magics).

    Agreement with the ``.ipynb`` proves the pair in sync; on any disagreement the caller asks
    jupytext, so a construct this scanner does not know costs time, never a false finding.
    """
    lines = text.splitlines()
    start, spec = 0, None
    if lines and lines[0].strip() == "# ---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "# ---"), 0)
        start, spec = end + 1, _header_kernelspec(lines[1:end])
    cells: list[tuple[str, str, tuple[str, ...]]] = []
    kind, tags, body = "code", (), []  # type: tuple[str, tuple[str, ...], list[str]]
    opened = False

    def flush() -> None:
        source = "\n".join(body).strip("\n")
        if opened or source:
            cells.append((kind, source, tags))

    for line in lines[start:]:
        m = _MARKER_RE.match(line)
        if m is None:
            if kind == "code":
                body.append(line[2:] if _MAGIC_RE.match(line) else line)
            else:
                body.append(line[2:] if line.startswith("# ") else line.removeprefix("#"))
            continue
        flush()
        word = (m.group(1) or "").lower()
        kind = {"markdown": "markdown", "md": "markdown", "raw": "raw"}.get(word, "code")
        t = _TAGS_RE.search(m.group(2))
        tags = tuple(sorted(re.findall(r"[\"']([^\"']+)[\"']", t.group(1)))) if t else ()
        body, opened = [], True
    flush()
    return spec, cells


def _header_kernelspec(header: list[str]) -> dict[str, str] | None:
    spec: dict[str, str] | None = None
    indent = -1
    for line in header:
        body = line[1:] if line.startswith("#") else line
        depth = len(body) - len(body.lstrip())
        if body.strip() == "kernelspec:":
            spec, indent = {}, depth
        elif spec is not None and depth > indent and ":" in body:
            key, _, value = body.strip().partition(":")
            spec[key.strip()] = value.strip().strip("'\"")
        elif spec is not None and body.strip():
            break
    return spec
