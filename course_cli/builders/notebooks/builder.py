"""``course build notebooks``: every lesson notebook executed and rendered into build/.

For a notebook ``lessons/lesson_NN/notebooks/NAME.py`` (jupytext percent, paired with
``NAME.ipynb``) one step writes, into ``build/lesson_NN/notebooks/``:

* ``NAME.ipynb`` — executed in a fresh kernel, all cells (the instructor rendering);
* ``NAME.html`` — its HTML (nbconvert, JupyterLab look, the course's bundled MathJax and
  macros, no CDN), cells tagged ``solution`` collapsed in a "Solution" block;
* when the notebook has ``solution`` cells: ``NAME.student.ipynb`` (solution cells replaced by
  a stub, no outputs: the file a student works in) and ``NAME.student.html`` (the executed
  outputs of the other cells, the stubs in place of the solutions);
* ``NAME_files/``: files the notebook wrote under the lesson folder while it ran (figures it
  saves), moved there (a file that existed before the run is copied, not moved).

The kernel starts in the lesson's folder (``lessons/lesson_NN/``), so a notebook reads
``notebooks/data.csv`` or ``../../materials/x`` the same way whichever notebook it is.
Timeout per notebook: ``build.notebooks.timeout`` in course.yaml (default 300 s).

Incremental: a notebook is re-executed only when its fingerprint changes — the bytes of its
source, of the files its code names that live in the lesson or in ``materials/`` (string
literals that resolve to such files), of lesson-local modules it imports, of the HTML template;
the timeout, the Python version, the repository link, and the versions of the installed
distributions it imports together with everything they require (see :func:`imported_versions`).
The shared assets (``build/assets/mathjax/…`` and ``build/assets/mathjax-notebook.js``) are
steps of their own.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.builders.notebooks.source import NotebookSource, find_notebooks, has_solution_cells
from course_cli.core.errors import CourseError
from course_cli.engine.steps import BuildOptions, BuildStep, Task, key_of

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from course_cli.core.config import Course, Lesson

OUT_DIR = "notebooks"
ASSETS = "assets"
MATHJAX = Path("node_modules") / "mathjax-full" / "es5" / "tex-svg-full.js"
MATHJAX_ASSET = "mathjax/tex-svg-full.js"
CONFIG_ASSET = "mathjax-notebook.js"
TEMPLATE_DIR = Path(__file__).parents[2] / "data" / "notebook"
TEMPLATE = "course_notebook.html.j2"
RENDER_VERSION = 1  # bump when the rendering changes in a way the key does not see
COLAB = "https://colab.research.google.com/github"


@dataclass(frozen=True)
class NotebookJob:
    """What the action needs for one notebook (the step's payload)."""

    source: NotebookSource
    lesson_dir: Path
    root: Path
    timeout: int
    title: str
    colab: str | None
    solutions: bool  # has cells tagged solution: write the student rendering too


def outputs_for(build_dir: Path, lesson: Lesson, name: str, solutions: bool) -> list[Path]:
    """The files the notebook step writes (main output first)."""
    folder = build_dir / lesson.dirname / OUT_DIR
    names = [f"{name}.ipynb", f"{name}.html"]
    if solutions:
        names += [f"{name}.student.ipynb", f"{name}.student.html"]
    return [folder / n for n in names]


def plan_build(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]:
    """Plan the shared assets and one step per notebook of ``lessons``.

    Raises CourseError when a lesson has a notebook but MathJax is not installed.
    """
    jobs = [(lesson, src) for lesson in lessons for src in find_notebooks(lesson.dir(course.root))]
    if not jobs:
        return []
    steps = asset_steps(course, options.build_dir / ASSETS)
    template = tuple(sorted(p for p in TEMPLATE_DIR.glob("*") if p.is_file()))
    for lesson, src in jobs:
        steps.append(_notebook_step(course, lesson, src, options, template))
    _save_requires()
    return steps


def asset_steps(course: Course, out: Path) -> list[BuildStep]:
    """Copy the bundled MathJax and write its notebook configuration under ``out``.

    Raises CourseError when MathJax is not installed (node_modules).
    """
    mathjax = course.root / MATHJAX
    if not mathjax.is_file():
        raise CourseError(
            f"{MATHJAX}: MathJax is not installed",
            hint="run `npm ci` in the course folder (./scripts/setup.sh does it)",
        )
    macros = course.path(course.macros)
    return [
        BuildStep(
            kind="notebook-asset",
            output=out / MATHJAX_ASSET,
            inputs=(mathjax,),
            action=_copy,
            label=f"{ASSETS}/{MATHJAX_ASSET}",
        ),
        BuildStep(
            kind="notebook-asset",
            output=out / CONFIG_ASSET,
            inputs=(macros,) if macros.is_file() else (),
            action=_write_config,
            key=key_of(version=RENDER_VERSION),
            label=f"{ASSETS}/{CONFIG_ASSET}",
            payload=macros,
        ),
    ]


def mathjax_config(macros_path: Path) -> str:
    """The MathJax 3 configuration of notebook pages: ``$…$``, ``$$…$$``, the course macros.

    Jupyter leaves math in Markdown cells as ``$…$`` text; code and outputs in ``<pre>`` are
    skipped by MathJax itself.
    """
    from course_cli.core.macros import mathjax_macros

    macros = mathjax_macros(macros_path)
    config = {
        "tex": {
            "inlineMath": [["$", "$"], ["\\(", "\\)"]],
            "displayMath": [["$$", "$$"], ["\\[", "\\]"]],
            "processEscapes": True,
            "processEnvironments": True,
            "tags": "ams",
            "macros": macros,
        },
        "svg": {"fontCache": "global"},
        "startup": {"typeset": True},
    }
    return "window.MathJax = " + json.dumps(config, indent=1, ensure_ascii=False) + ";\n"


def _copy(tasks: Sequence[Task]) -> None:
    for task in tasks:
        shutil.copyfile(task.step.inputs[0], task.out())


def _write_config(tasks: Sequence[Task]) -> None:
    for task in tasks:
        task.out().write_text(mathjax_config(task.step.payload), encoding="utf-8")


def colab_url(course: Course, lesson: Lesson, src: NotebookSource) -> str | None:
    """The Colab link of the notebook's ``.ipynb`` in the course repository, if course.yaml
    names one (``repository: {url, branch}``)."""
    repo = course.repository
    if repo is None or src.ipynb is None:
        return None
    slug = repo.url.rstrip("/").removeprefix("https://github.com/").removesuffix(".git")
    rel = src.ipynb.relative_to(course.root).as_posix()
    return f"{COLAB}/{slug}/blob/{repo.branch}/{rel}"


def _notebook_step(
    course: Course,
    lesson: Lesson,
    src: NotebookSource,
    options: BuildOptions,
    template: tuple[Path, ...],
) -> BuildStep:
    lesson_dir = lesson.dir(course.root)
    solutions = has_solution_cells(src.source)
    outputs = outputs_for(options.build_dir, lesson, src.name, solutions)
    code = _code_text(src.source)
    modules = imported_modules(code)
    local = local_modules(modules, lesson_dir, course.root)
    data = referenced_files(code, lesson_dir, course.root)
    job = NotebookJob(
        source=src,
        lesson_dir=lesson_dir,
        root=course.root,
        timeout=course.build.notebooks.timeout,
        title=course.title,
        colab=colab_url(course, lesson, src),
        solutions=solutions,
    )
    return BuildStep(
        kind="notebook",
        output=outputs[0],
        extra_outputs=tuple(outputs[1:]),
        inputs=(src.source, *template, *local, *data),
        action=_build_notebooks,
        key=key_of(
            timeout=job.timeout,
            python=".".join(map(str, sys.version_info[:3])),
            packages=imported_versions(
                {m for m in modules if not _is_local(m, local)},
                distributions(options.build_dir / ".cache"),
            ),
            colab=job.colab or "",
            title=job.title,
            version=RENDER_VERSION,
        ),
        label=f"{lesson.dirname}/{OUT_DIR}/{src.name}",
        payload=job,
    )


# -- what a notebook depends on ------------------------------------------------------------


def _code_text(path: Path) -> str:
    """The code of a notebook's code cells, as one text (read without jupytext: plan time)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
        except (ValueError, AttributeError):
            return ""
        parts = []
        for cell in cells:
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                source = cell.get("source", "")
                parts.append("".join(source) if isinstance(source, list) else str(source))
        return "\n".join(parts)
    # percent script: Markdown cells are comments, so the whole file is the code
    return text


_IMPORT_RE = re.compile(
    r"^[ \t]*(?:from[ \t]+([A-Za-z_]\w*)[\w.]*[ \t]+import\b|import[ \t]+([^#\n;]+))", re.MULTILINE
)


def imported_modules(code: str) -> set[str]:
    """Top-level names of the modules ``code`` imports (absolute imports; read line by line,
    which is fast and also works on code with IPython magics)."""
    names: set[str] = set()
    for m in _IMPORT_RE.finditer(code):
        if m.group(1):
            names.add(m.group(1))
        else:
            for part in m.group(2).split(","):
                name = part.strip().split(" ")[0].split(".")[0]
                if name.isidentifier():
                    names.add(name)
    return names


def local_modules(modules: Iterable[str], lesson_dir: Path, root: Path) -> list[Path]:
    """Source files of imported modules that live in the course: beside the kernel's working
    folder (the lesson folder), or installed from the course tree (an editable install)."""
    import importlib.util

    found: list[Path] = []
    for name in sorted(modules):
        candidates = [lesson_dir / f"{name}.py", lesson_dir / name]
        origin: Path | None = next((c for c in candidates if c.exists()), None)
        if origin is None and name not in sys.stdlib_module_names:
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                spec = None
            if spec is not None and spec.origin and spec.origin not in ("built-in", "frozen"):
                origin = Path(spec.origin)
                if origin.name == "__init__.py":
                    origin = origin.parent
        if origin is None or not _inside(origin.resolve(), root.resolve()):
            continue
        if origin.is_dir():
            found.extend(sorted(p for p in origin.rglob("*.py") if "__pycache__" not in p.parts))
        else:
            found.append(origin)
    return found


def _is_local(module: str, local: list[Path]) -> bool:
    return any(p.stem == module or module in p.parts for p in local)


_PATH_LIKE_RE = re.compile(r"^[\w.~-][\w./ ~-]*(?:/|\.[A-Za-z0-9]{1,5})[\w./ -]*$")
_STRING_RE = re.compile(r"""(?P<q>["'])(?P<s>[^"'\n]{1,200})(?P=q)""")


def referenced_files(code: str, lesson_dir: Path, root: Path) -> list[Path]:
    """Files (or folders) named by string literals of ``code`` that exist in the lesson folder
    or in ``materials/`` — relative to the kernel's folder (the lesson) or to the course root."""
    materials = (root / "materials").resolve()
    lesson = lesson_dir.resolve()
    found: dict[Path, None] = {}
    for m in _STRING_RE.finditer(code):
        text = m.group("s").strip()
        if not _PATH_LIKE_RE.match(text) or "://" in text:
            continue
        for base in (lesson_dir, root):
            try:
                path = (base / text).resolve()
            except (OSError, ValueError):
                continue
            if path in (lesson, materials, root.resolve()):
                continue
            if (_inside(path, lesson) or _inside(path, materials)) and path.exists():
                found[path] = None
                break
    return list(found)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _environment() -> list[str]:
    """The names of the installed distributions' metadata folders (``numpy-2.4.6.dist-info``):
    one directory listing per ``sys.path`` entry, so it is cheap."""
    names: list[str] = []
    for entry in sys.path:
        try:
            names.extend(n for n in os.listdir(entry or ".") if n.endswith(_DIST_SUFFIXES))
        except OSError:
            continue
    return sorted(names)


_DIST_SUFFIXES = (".dist-info", ".egg-info")
_DISTRIBUTIONS: dict[Path, dict[str, list[str]]] = {}
#: :func:`_requires` answers read from / to be added to the distributions cache file (valid
#: under the same listing of installed distributions: their names carry their versions)
_REQUIRES: dict[str, list[Any]] = {}
_REQUIRES_FILE: list[Any] = []  # [cache file, stamp, modules, new answers?] of this process


def distributions(cache_dir: Path) -> dict[str, list[str]]:
    """Top-level module name -> the distributions that provide it.

    ``importlib.metadata.packages_distributions()`` reads every distribution's file list (over
    a second with torch installed), so its answer is kept in ``cache_dir`` under the listing of
    the installed distributions, and recomputed only when that listing changes.
    """
    if cache_dir in _DISTRIBUTIONS:
        return _DISTRIBUTIONS[cache_dir]
    from importlib.metadata import packages_distributions

    from course_cli.core.fs import atomic_write
    from course_cli.engine.steps import hash_text

    stamp = hash_text(sys.executable, *_environment())
    cache = cache_dir / "notebook-distributions.json"
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("stamp") == stamp and isinstance(data.get("modules"), dict):
            _DISTRIBUTIONS[cache_dir] = data["modules"]
            requires = data.get("requires")
            if isinstance(requires, dict):
                _REQUIRES.update(requires)
            _REQUIRES_FILE[:] = [cache, stamp, data["modules"], False]
            return _DISTRIBUTIONS[cache_dir]
    except (OSError, ValueError, AttributeError):
        pass
    modules = {k: sorted(set(v)) for k, v in packages_distributions().items()}
    with contextlib.suppress(OSError):  # a read-only build folder: recompute next time
        atomic_write(cache, json.dumps({"stamp": stamp, "modules": modules}, sort_keys=True))
    _DISTRIBUTIONS[cache_dir] = modules
    _REQUIRES_FILE[:] = [cache, stamp, modules, True]
    return modules


def _save_requires() -> None:
    """Add the distributions' versions and requirements looked up in this run to the cache
    file (a no-op build then reads no distribution's metadata)."""
    if not _REQUIRES_FILE or not _REQUIRES_FILE[3]:
        return
    from course_cli.core.fs import atomic_write

    cache, stamp, modules, _ = _REQUIRES_FILE
    data = {"stamp": stamp, "modules": modules, "requires": _REQUIRES}
    with contextlib.suppress(OSError):
        atomic_write(cache, json.dumps(data, sort_keys=True))
    _REQUIRES_FILE[3] = False


def _requires(dist: str) -> tuple[str, tuple[str, ...]]:
    """(version, names of the distributions it requires outside extras) of ``dist``."""
    known = _REQUIRES.get(dist)
    if isinstance(known, list) and len(known) == 2:
        return str(known[0]), tuple(known[1])
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        d = distribution(dist)
    except PackageNotFoundError:
        return "missing", ()
    names = []
    for req in d.requires or []:
        if "extra ==" in req or "extra==" in req:
            continue
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
        if m:
            names.append(m.group(1))
    _REQUIRES[dist] = [str(d.version), names]
    if _REQUIRES_FILE:
        _REQUIRES_FILE[3] = True
    return str(d.version), tuple(names)


def imported_versions(modules: Iterable[str], dists: dict[str, list[str]]) -> str:
    """``name==version`` of the installed distributions that provide ``modules`` and of all
    they require (recursively), sorted and comma-separated; ``dists`` maps module names to
    distributions (:func:`distributions`).

    The kernel runs in this interpreter's environment (the ``python3`` kernel of ipykernel),
    so these are the versions the notebook ran with. Only what a notebook imports counts:
    upgrading an unrelated tool does not re-execute every notebook.
    """
    todo = [d for m in sorted(modules) for d in dists.get(m, [])]
    seen: dict[str, str] = {}
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        version, requires = _requires(name)
        seen[key] = version
        todo.extend(requires)
    return ",".join(f"{k}=={v}" for k, v in sorted(seen.items()))


# -- the action ----------------------------------------------------------------------------


def _build_notebooks(tasks: Sequence[Task]) -> dict[BuildStep, CourseError]:
    errors: dict[BuildStep, CourseError] = {}
    for task in tasks:
        try:
            build_notebook(task.step.payload, task)
        except CourseError as exc:
            errors[task.step] = exc
    return errors


def build_notebook(job: NotebookJob, task: Task) -> None:
    """Execute one notebook and write its renderings to the task's staged outputs.

    Raises NotebookFailed (a cell raised or timed out) or another CourseError.
    """
    from course_cli.builders.notebooks.run import execute, require

    require()
    import nbformat

    from course_cli.builders.notebooks.source import (
        cell_lines,
        read_notebook,
        shown,
        student_version,
    )

    src = job.source
    nb = read_notebook(src.source, job.root)
    lines = None
    if src.source.suffix == ".py":
        lines = cell_lines(src.source.read_text(encoding="utf-8", errors="replace"), nb)
    result = execute(
        nb,
        cwd=job.lesson_dir,
        timeout=job.timeout,
        shown=shown(src.source, job.root),
        cell_lines=lines,
    )
    figures = _collect_written(result.written, job, task.step.output.parent)
    nbformat.write(nb, task.out())  # type: ignore[no-untyped-call]
    links = _links(job, figures)
    html = task.step.extra_outputs[0]
    task.out(html).write_text(render_html(nb, job, links), encoding="utf-8")
    if job.solutions:
        student_nb, student_html = task.step.extra_outputs[1:3]
        student = student_version(nb, keep_outputs=False)
        nbformat.write(student, task.out(student_nb))  # type: ignore[no-untyped-call]
        task.out(student_html).write_text(
            render_html(student_version(nb, keep_outputs=True), job, links), encoding="utf-8"
        )


def _collect_written(written: list[tuple[Path, bool]], job: NotebookJob, out: Path) -> list[str]:
    """Move the files the notebook wrote under the lesson folder to ``out/NAME_files/``.

    A file that existed before the run is copied (it may be a tracked source), not moved.
    Returns the names relative to ``out``.
    """
    folder = out / f"{job.source.name}_files"
    if folder.is_dir():
        shutil.rmtree(folder)
    lesson = job.lesson_dir.resolve()
    names = []
    for path, existed in written:
        path = path.resolve()
        if not path.is_file() or not _inside(path, lesson):
            continue
        rel = path.relative_to(lesson)
        if "__pycache__" in rel.parts or path.suffix == ".pyc" or rel.parts[0] == "build":
            continue
        dest = folder / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if existed:
            shutil.copy2(path, dest)
        else:
            shutil.move(path, dest)
            _prune_empty(path.parent, lesson)
        names.append(dest.relative_to(out).as_posix())
    return names


def _prune_empty(folder: Path, stop: Path) -> None:
    while folder != stop and _inside(folder, stop) and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


@dataclass(frozen=True)
class PageLink:
    """A link in the bar at the top of a notebook page."""

    label: str
    href: str
    id: str = ""


def _links(job: NotebookJob, figures: list[str]) -> list[PageLink]:
    name = job.source.name
    links = [PageLink("Download .ipynb", f"{name}.ipynb", "download")]
    if job.solutions:
        links.append(PageLink("Student .ipynb", f"{name}.student.ipynb", "download-student"))
    if job.colab:
        links.append(PageLink("Open in Colab", job.colab, "colab"))
    links.extend(PageLink(f"Figure: {Path(f).name}", f) for f in figures)
    return links


def render_html(nb: NotebookNode, job: NotebookJob, links: list[PageLink]) -> str:
    """The notebook page: nbconvert's lab look, the course template, relative asset links.

    The page sits in ``lesson_NN/notebooks/`` both in build/ and on the site, so the assets
    are two folders up in ``assets/``.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(  # type: ignore[no-untyped-call]
        template_name="lab",
        extra_template_paths=[str(TEMPLATE_DIR)],
        template_file=TEMPLATE,
    )
    resources = {
        "metadata": {"name": job.source.name},
        "course": {
            "title": job.title,
            "links": links,
            "mathjax": f"../../{ASSETS}/{MATHJAX_ASSET}",
            "mathjax_config": f"../../{ASSETS}/{CONFIG_ASSET}",
        },
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return str(body)
