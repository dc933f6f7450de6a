"""The build engine: builders plan steps, the engine runs only the stale ones.

API for builders (slides, conspect PDF, book, site)::

    def plan_build(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]

registered in :data:`TARGETS` (target name -> module that defines ``plan_build``), or at run
time with :func:`register_builder`. A :class:`BuildStep` names its output, the input files whose
bytes matter, a ``key`` (options, tool versions, anything else that changes the output) and an
``action``. The action is called with a list of :class:`Task` (several when steps share a
``batch``: e.g. every stale deck of one format goes to ONE Marp process) and must write each
output to ``task.out(path)``, a temporary file beside the final one; the engine renames it into
place only after success, so an interrupted build leaves no torn file. An action raises a
CourseError to fail the whole batch, or returns ``{step: error}`` to fail single steps. The
outputs of a failed step are deleted: an older copy would not match its sources any more.

:func:`execute` keeps ``build/.manifest.json``: for each output, the fingerprint (SHA-256 over
kind, key, output names and the content hashes of the inputs). A step is stale when ``force``,
when an output is missing or when its fingerprint changed. Content hashes are cached by
(mtime, size), so a no-op build reads only file metadata.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from course_cli.errors import (
    CourseError,
    ProblemsFound,
    ToolFailedError,
    ToolNotFoundError,
    UsageError,
)
from course_cli.fsutil import atomic_write, sha256_file

if TYPE_CHECKING:
    from course_cli.config import Course, Lesson
    from course_cli.tools import Toolbox

MANIFEST_NAME = ".manifest.json"
MANIFEST_VERSION = 1

#: target -> module whose ``plan_build(course, lessons, options)`` plans its steps. Targets of
#: a later phase are planned after the earlier phases ran (the site reads built slides/PDFs).
TARGETS: dict[str, str] = {
    "slides": "course_cli.slides",
    "pdf": "course_cli.pdf",
    "book": "course_cli.bookpdf",
    "site": "course_cli.site",
}
PHASES: dict[str, int] = {"site": 1}
_REGISTERED: dict[str, Builder] = {}


@dataclass(frozen=True)
class BuildStep:
    """One output to make. Paths are absolute; ``key`` pairs are (name, value) strings."""

    kind: str
    output: Path
    inputs: tuple[Path, ...]
    action: Action
    key: tuple[tuple[str, str], ...] = ()
    label: str = ""
    batch: str | None = None
    extra_outputs: tuple[Path, ...] = ()
    payload: Any = field(default=None, compare=False, hash=False)

    @property
    def outputs(self) -> tuple[Path, ...]:
        """The main output followed by the extra ones."""
        return (self.output, *self.extra_outputs)


@dataclass(frozen=True)
class Task:
    """A step handed to its action: ``staged`` maps each final output to its temporary path."""

    step: BuildStep
    staged: Mapping[Path, Path]

    def out(self, path: Path | None = None) -> Path:
        """Where the action must write ``path`` (default: the step's main output)."""
        return self.staged[path or self.step.output]


class Action(Protocol):
    """Makes the outputs of one batch of tasks (see the module docstring)."""

    def __call__(self, tasks: Sequence[Task], /) -> Mapping[BuildStep, CourseError] | None: ...


@dataclass(frozen=True)
class BuildOptions:
    """What every builder gets besides the course and lessons."""

    root: Path
    build_dir: Path
    toolbox: Toolbox
    force: bool = False
    jobs: int = 1
    formats: tuple[str, ...] | None = None  # slides: html/pdf/pptx (None: course.yaml)
    extra: Mapping[str, Any] = field(default_factory=dict)


Builder = Callable[["Course", "list[Lesson]", BuildOptions], "list[BuildStep]"]


@dataclass(frozen=True)
class StepResult:
    """What happened to one step: status is ``built``, ``fresh`` (up to date) or ``failed``."""

    step: BuildStep
    status: str
    seconds: float = 0.0
    error: CourseError | None = None


@dataclass
class BuildReport:
    """All step results of one build, in plan order, with the wall time."""

    root: Path
    results: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0
    unavailable: list[str] = field(default_factory=list)

    def with_status(self, status: str) -> list[StepResult]:
        """The results with ``status``."""
        return [r for r in self.results if r.status == status]

    @property
    def failed(self) -> list[StepResult]:
        """The failed steps."""
        return self.with_status("failed")

    def summary(self) -> str:
        """One line: counts by status and the time."""
        built, fresh, failed = (len(self.with_status(s)) for s in ("built", "fresh", "failed"))
        text = f"{built} built, {fresh} up to date, {failed} failed in {self.seconds:.2f} s"
        if self.unavailable:
            text += f" (not available yet: {', '.join(self.unavailable)})"
        return text

    def raise_for_failures(self) -> None:
        """Raise one CourseError for all failures (the exit code of the first); else nothing.

        Steps that failed with the same error (one broken deck, several formats) share a line.
        """
        failed = self.failed
        if not failed:
            return
        first = failed[0].error or ToolFailedError("build failed")
        groups: dict[tuple[str, str], list[str]] = {}
        for r in failed:
            err = r.error or ToolFailedError("failed")
            groups.setdefault((err.message, err.hint or ""), []).append(self.rel(r.step.output))
        if len(groups) == 1:
            (message, hint), outputs = next(iter(groups.items()))
            message += f"\n  (not built: {', '.join(outputs)})"
        else:
            lines = []
            for (msg, detail), outputs in groups.items():
                lines.append(f"{msg}\n  (not built: {', '.join(outputs)})")
                lines.extend("    " + h for h in detail.splitlines())
            message, hint = "\n".join(lines), ""
        cls = type(first) if isinstance(first, ToolNotFoundError | ToolFailedError) else CourseError
        raise cls(message, hint=hint or None, exit_code=first.exit_code)

    def rel(self, path: Path) -> str:
        """``path`` relative to the course root when inside it."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: one entry per step and the summary."""
        return {
            "seconds": round(self.seconds, 3),
            "steps": [
                {
                    "kind": r.step.kind,
                    "output": self.rel(r.step.output),
                    "status": r.status,
                    "seconds": round(r.seconds, 3),
                    **({"error": r.error.message, "hint": r.error.hint} if r.error else {}),
                }
                for r in self.results
            ],
            "unavailable": self.unavailable,
        }


class Progress(Protocol):
    """Receives build events (the CLI renders them; the library never prints)."""

    def start(self, total: int, fresh: int) -> None: ...
    def started(self, steps: Sequence[BuildStep]) -> None: ...
    def finished(self, result: StepResult) -> None: ...
    def stop(self) -> None: ...


class NullProgress:
    """A Progress that ignores everything."""

    def start(self, total: int, fresh: int) -> None:
        """Ignore."""

    def started(self, steps: Sequence[BuildStep]) -> None:
        """Ignore."""

    def finished(self, result: StepResult) -> None:
        """Ignore."""

    def stop(self) -> None:
        """Ignore."""


# -- fingerprints and the manifest ---------------------------------------------------------


class Manifest:
    """``build/.manifest.json``: output fingerprints and a (mtime, size) -> sha256 cache."""

    def __init__(self, path: Path, root: Path):
        self.path, self.root = path, root
        self.outputs: dict[str, dict[str, str]] = {}
        self.files: dict[str, list[Any]] = {}
        self._lock = threading.Lock()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == MANIFEST_VERSION:
                self.outputs, self.files = dict(data["outputs"]), dict(data["files"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no or unreadable manifest: everything is stale

    def rel(self, path: Path) -> str:
        """The manifest's name for ``path``: relative to the root when inside it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def file_hash(self, path: Path) -> str:
        """SHA-256 of a file (cached by mtime and size), of a folder's files, or ``missing``."""
        try:
            st = path.stat()
        except OSError:
            return "missing"
        if path.is_dir():
            h = hashlib.sha256()
            for sub in sorted(p for p in path.rglob("*") if p.is_file()):
                h.update(f"{sub.relative_to(path).as_posix()}\0{self.file_hash(sub)}\0".encode())
            return "dir:" + h.hexdigest()
        name = self.rel(path)
        with self._lock:
            cached = self.files.get(name)
        if cached and cached[0] == st.st_mtime_ns and cached[1] == st.st_size:
            return str(cached[2])
        digest = sha256_file(path)
        with self._lock:
            self.files[name] = [st.st_mtime_ns, st.st_size, digest]
        return digest

    def fingerprint(self, step: BuildStep) -> str:
        """SHA-256 over the step's kind, key, output names and input content hashes."""
        doc = {
            "kind": step.kind,
            "key": [list(pair) for pair in step.key],
            "outputs": [self.rel(p) for p in step.outputs],
            "inputs": [[self.rel(p), self.file_hash(p)] for p in step.inputs],
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()

    def is_fresh(self, step: BuildStep, fingerprint: str) -> bool:
        """True when every output exists and was made from the same fingerprint."""
        with self._lock:
            entry = self.outputs.get(self.rel(step.output))
        return (
            entry is not None
            and entry.get("fingerprint") == fingerprint
            and all(p.exists() for p in step.outputs)
        )

    def record(self, step: BuildStep, fingerprint: str | None) -> None:
        """Remember a built step (``fingerprint``) or forget a failed one (``None``)."""
        with self._lock:
            for out in step.outputs:
                if fingerprint is None:
                    self.outputs.pop(self.rel(out), None)
                else:
                    self.outputs[self.rel(out)] = {"fingerprint": fingerprint, "kind": step.kind}

    def save(self) -> None:
        """Write the manifest atomically."""
        with self._lock:
            data = {"version": MANIFEST_VERSION, "outputs": self.outputs, "files": self.files}
            text = json.dumps(data, indent=1, sort_keys=True)
        atomic_write(self.path, text)


# -- execution -----------------------------------------------------------------------------


def execute(
    steps: Sequence[BuildStep],
    *,
    root: Path,
    build_dir: Path | None = None,
    force: bool = False,
    jobs: int = 1,
    progress: Progress | None = None,
) -> BuildReport:
    """Run the stale ``steps`` (batched, up to ``jobs`` units at once); return a BuildReport.

    Failures of one unit do not stop the others; they are reported in the result (call
    :meth:`BuildReport.raise_for_failures`). Raises ValueError when two steps share an output.
    """
    start = time.perf_counter()
    build_dir = build_dir or root / "build"
    progress = progress or NullProgress()
    _check_unique_outputs(steps)
    manifest = Manifest(build_dir / MANIFEST_NAME, root)
    fingerprints = {step: manifest.fingerprint(step) for step in steps}
    stale = [s for s in steps if force or not manifest.is_fresh(s, fingerprints[s])]
    results: dict[BuildStep, StepResult] = {
        s: StepResult(s, "fresh") for s in steps if s not in set(stale)
    }
    progress.start(len(steps), len(results))
    try:
        if stale:
            results.update(_run_units(_units(stale), fingerprints, manifest, jobs, progress))
    finally:
        if stale:
            manifest.save()
        progress.stop()
    report = BuildReport(root=root, results=[results[s] for s in steps])
    report.seconds = time.perf_counter() - start
    return report


def _check_unique_outputs(steps: Sequence[BuildStep]) -> None:
    seen: dict[Path, BuildStep] = {}
    for step in steps:
        for out in step.outputs:
            if out in seen:
                raise ValueError(f"two build steps write {out}: {seen[out].kind} and {step.kind}")
            seen[out] = step


def _units(stale: Sequence[BuildStep]) -> list[list[BuildStep]]:
    units: list[list[BuildStep]] = []
    batches: dict[str, list[BuildStep]] = {}
    for step in stale:
        if step.batch is None:
            units.append([step])
        elif step.batch in batches:
            batches[step.batch].append(step)
        else:
            batches[step.batch] = [step]
            units.append(batches[step.batch])
    # Long batches first: they bound the wall time.
    return sorted(units, key=len, reverse=True)


def _run_units(
    units: list[list[BuildStep]],
    fingerprints: Mapping[BuildStep, str],
    manifest: Manifest,
    jobs: int,
    progress: Progress,
) -> dict[BuildStep, StepResult]:
    results: dict[BuildStep, StepResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        pending: set[Future[list[StepResult]]] = set()
        queue = list(units)
        while queue or pending:
            while queue and len(pending) < max(1, jobs):
                unit = queue.pop(0)
                progress.started(unit)
                pending.add(pool.submit(_run_unit, unit))
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                for res in fut.result():
                    manifest.record(
                        res.step, fingerprints[res.step] if res.status == "built" else None
                    )
                    results[res.step] = res
                    progress.finished(res)
            manifest.save()
    return results


def _run_unit(unit: list[BuildStep]) -> list[StepResult]:
    start = time.perf_counter()
    token = secrets.token_hex(4)
    tasks = [Task(step, {out: _staged_path(out, token) for out in step.outputs}) for step in unit]
    errors: dict[BuildStep, CourseError] = {}
    try:
        try:
            for out in (p for t in tasks for p in t.step.outputs):
                _make_folder(out.parent)
            errors = dict(unit[0].action(tasks) or {})
        except CourseError as exc:
            errors = {step: exc for step in unit}
        seconds = time.perf_counter() - start
        results = []
        for task in tasks:
            err = errors.get(task.step) or _install(task)
            if err:
                _remove_outdated(task.step)
            status = "failed" if err else "built"
            results.append(StepResult(task.step, status, seconds, err))
        return results
    finally:
        for task in tasks:
            for tmp in task.staged.values():
                with contextlib.suppress(OSError):  # e.g. its folder could not be made
                    tmp.unlink(missing_ok=True)


def _make_folder(folder: Path) -> None:
    """``mkdir -p``; a file in the way is a UsageError naming it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in (folder, *folder.parents) if p.is_file()), folder)
        if not blocker.is_file():
            raise UsageError(f"cannot create the folder {folder}: {exc.strerror or exc}") from exc
        where = "" if blocker == folder else f"cannot create the folder {folder}: "
        raise UsageError(
            f"{where}{blocker} is a file, not a folder", hint=f"move or delete {blocker}"
        ) from exc


def _remove_outdated(step: BuildStep) -> None:
    """Delete the outputs of a failed step: they were made from older sources (or are torn),
    so nothing downstream (the site) may pick them up."""
    for out in step.outputs:
        if out.is_file() or out.is_symlink():
            out.unlink(missing_ok=True)


def _staged_path(out: Path, token: str) -> Path:
    # Keep the suffix: tools choose the output format by it.
    return out.with_name(f".{out.stem}.part-{token}{out.suffix}")


def _install(task: Task) -> CourseError | None:
    missing = [final for final, tmp in task.staged.items() if not tmp.is_file()]
    if missing:
        return ToolFailedError(
            f"{task.step.kind}: the tool reported success but wrote no "
            + ", ".join(p.name for p in missing)
        )
    for final, tmp in task.staged.items():
        os.replace(tmp, final)
    return None


# -- targets -------------------------------------------------------------------------------


def register_builder(target: str, builder: Builder, phase: int = 0) -> None:
    """Make ``course build TARGET`` call ``builder`` (tests, plug-ins)."""
    _REGISTERED[target] = builder
    PHASES[target] = phase
    TARGETS.setdefault(target, "")


def builder_for(target: str) -> Builder | None:
    """The builder of ``target`` or None when its module is not available (yet)."""
    if target in _REGISTERED:
        return _REGISTERED[target]
    module_name = TARGETS.get(target)
    if not module_name:
        return None
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    fn = getattr(module, "plan_build", None)
    return fn if callable(fn) else None


def resolve_targets(target: str) -> list[str]:
    """``all`` -> every known target; one name -> [name]. Raises UsageError when unknown."""
    if target == "all":
        return list(TARGETS)
    if target not in TARGETS:
        raise UsageError(
            f"unknown build target {target!r}", hint="use one of: " + ", ".join([*TARGETS, "all"])
        )
    return [target]


def parse_build_args(args: Sequence[str]) -> tuple[str, list[int]]:
    """``["slides", "3", "5"]`` -> ``("slides", [3, 5])``; no target means ``all``.

    Raises UsageError on an unknown target or a lesson that is not a number.
    """
    target, rest = "all", list(args)
    if rest and not rest[0].isdigit():
        target = rest.pop(0)
        resolve_targets(target)
    bad = [a for a in rest if not a.isdigit()]
    if bad:
        raise UsageError(
            f"lesson numbers must be numbers: {', '.join(bad)}",
            hint="course build [slides|pdf|book|site|all] [N…]",
        )
    return target, [int(a) for a in rest]


def build(
    course: Course,
    target: str = "all",
    numbers: Sequence[int] = (),
    *,
    force: bool = False,
    jobs: int | None = None,
    formats: Sequence[str] | None = None,
    progress: Progress | None = None,
    extra: Mapping[str, Any] | None = None,
) -> BuildReport:
    """Plan and run ``target`` (slides, pdf, book, site or all) for lessons ``numbers``.

    Returns the merged BuildReport. Raises UsageError on an unknown target or lesson, or when
    an explicitly requested target is not available; plan-time errors of builders propagate.
    """
    from course_cli.tools import Toolbox

    targets = resolve_targets(target)
    lessons = course.select(numbers)
    check_build_dir(course.root / "build", course.root)
    jobs = jobs or course.build.jobs or os.cpu_count() or 1
    options = BuildOptions(
        root=course.root,
        build_dir=course.root / "build",
        toolbox=Toolbox.for_course(course),
        force=force,
        jobs=jobs,
        formats=tuple(formats) if formats else None,
        extra=dict(extra or {}),
    )
    report = BuildReport(root=course.root)
    start = time.perf_counter()
    for phase in sorted({PHASES.get(t, 0) for t in targets}):
        steps: list[BuildStep] = []
        for name in (t for t in targets if PHASES.get(t, 0) == phase):
            builder = builder_for(name)
            if builder is None:
                if target != "all":
                    raise UsageError(f"course build {name}: this target is not available yet")
                report.unavailable.append(name)
                continue
            steps.extend(builder(course, lessons, options))
        if steps:
            part = execute(
                steps,
                root=course.root,
                build_dir=options.build_dir,
                force=force,
                jobs=jobs,
                progress=progress,
            )
            report.results.extend(part.results)
    report.seconds = time.perf_counter() - start
    return report


def read_source(path: Path, root: Path) -> str:
    """The text of a course source file (UTF-8).

    Raises ProblemsFound (exit 1) naming the file, line and byte offset when it is not valid
    UTF-8, and naming the file when it cannot be read.
    """
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProblemsFound(f"{shown}: cannot read it: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProblemsFound(
            f"{shown}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            hint="save the file as UTF-8",
        ) from exc


@dataclass(frozen=True)
class FailingAction:
    """The action of a step that cannot be made (e.g. its source is unreadable): its error.

    Planning such a step instead of raising lets every other output of the build be made.
    """

    error: CourseError

    def __call__(self, tasks: Sequence[Task], /) -> Mapping[BuildStep, CourseError]:
        """Fail every task with ``error``."""
        return {task.step: self.error for task in tasks}


def check_build_dir(build_dir: Path, root: Path) -> None:
    """Raise UsageError (exit 2) naming ``build_dir`` when it exists but is not a folder."""
    for path in (build_dir, build_dir / ".cache"):
        if (path.exists() or path.is_symlink()) and not path.is_dir():
            raise UsageError(
                f"{_shown(path, root)} is not a folder; course build writes its outputs there",
                hint=f"move or delete {_shown(path, root)}",
            )


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def key_of(**items: object) -> tuple[tuple[str, str], ...]:
    """Build a step key from keyword arguments (values turned into strings, sorted by name)."""
    return tuple(sorted((k, str(v)) for k, v in items.items()))


def hash_text(*parts: str | bytes) -> str:
    """SHA-256 hex of the concatenated parts (for keys that depend on generated text)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def flatten(groups: Iterable[Iterable[BuildStep]]) -> list[BuildStep]:
    """Concatenate lists of steps."""
    return [s for g in groups for s in g]
