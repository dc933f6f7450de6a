"""Running the stale steps of a plan: batches, parallel units, atomic installs.

Steps that share a ``batch`` form one unit (one action call). Each output is written to a
temporary file beside the final one and renamed into place only after success, so an
interrupted build leaves no torn file; the outputs of a failed step are deleted.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from course_cli.core.errors import (
    BrokenOutputError,
    CourseError,
    DiskError,
    ExitCode,
    ProblemsFound,
    ToolFailedError,
    ToolNotFoundError,
    UsageError,
)
from course_cli.engine.manifest import MANIFEST_NAME, Manifest
from course_cli.engine.outputcheck import output_problem
from course_cli.engine.steps import BuildReport, BuildStep, NullProgress, Progress, StepResult, Task
from course_cli.tools import interrupts

#: Seconds between two writes of the manifest while units finish. The manifest is written once
#: when the phase ends or is interrupted (``execute``'s ``finally``), not after every unit:
#: rewriting the whole file per unit made large courses quadratic.
SAVE_EVERY = 10.0


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
    stale_set = set(stale)  # once: a set per step made every build quadratic in its steps
    results: dict[BuildStep, StepResult] = {
        s: StepResult(s, "fresh") for s in steps if s not in stale_set
    }
    progress.start(len(steps), len(results))
    try:
        if stale:
            units = _units(stale, manifest.last_seconds)
            results.update(_run_units(units, fingerprints, manifest, jobs, progress))
    finally:
        if stale:
            manifest.save()
        progress.stop()
    report = BuildReport(root=root, results=[results[s] for s in steps])
    report.seconds = time.perf_counter() - start
    return report


def _check_unique_outputs(steps: Sequence[BuildStep]) -> None:
    """Raise ProblemsFound (exit 1) before anything runs when two steps write one file (a
    deck named conspect.md and the conspect both make conspect.pdf)."""
    seen: dict[Path, BuildStep] = {}
    for step in steps:
        for out in step.outputs:
            if out in seen:
                first = seen[out]
                raise ProblemsFound(
                    f"two build steps write {out}: {first.label or first.kind} (from "
                    f"{_source(first)}) and {step.label or step.kind} (from {_source(step)}); "
                    "nothing was built",
                    hint="rename one of the two sources",
                )
            seen[out] = step


def _source(step: BuildStep) -> str:
    return str(step.inputs[0]) if step.inputs else step.kind


def _units(
    stale: Sequence[BuildStep], last_seconds: Callable[[BuildStep], float] = lambda _: 0.0
) -> list[list[BuildStep]]:
    """The stale steps grouped into units (one per batch), longest first: by how long the
    unit took last time (``last_seconds`` of its steps, e.g. the book before the decks),
    then by its number of steps."""
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
    # Long units first: they bound the wall time.
    return sorted(units, key=lambda u: (max(map(last_seconds, u)), len(u)), reverse=True)


def _run_units(
    units: list[list[BuildStep]],
    fingerprints: Mapping[BuildStep, str],
    manifest: Manifest,
    jobs: int,
    progress: Progress,
) -> dict[BuildStep, StepResult]:
    results: dict[BuildStep, StepResult] = {}
    saved = time.monotonic()
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
                    built = res.status == "built"
                    manifest.record(
                        res.step, fingerprints[res.step] if built else None, res.seconds
                    )
                    results[res.step] = res
                    progress.finished(res)
            if time.monotonic() - saved >= SAVE_EVERY:
                # A long build (the book) keeps what finished even if it is killed (SIGKILL);
                # at most one write per SAVE_EVERY seconds, so the cost stays linear.
                manifest.save()
                saved = time.monotonic()
    return results


def _run_unit(unit: list[BuildStep]) -> list[StepResult]:
    start = time.perf_counter()
    token = secrets.token_hex(4)
    tasks = [Task(step, {out: _staged_path(out, token) for out in step.outputs}) for step in unit]
    errors: dict[BuildStep, CourseError] = {}
    try:
        try:
            for folder in dict.fromkeys(p.parent for t in tasks for p in t.step.outputs):
                _make_folder(folder)
            errors = dict(unit[0].action(tasks) or {})
        except CourseError as exc:
            errors = {step: exc for step in unit}
        except OSError as exc:  # a full or read-only disk while the tool wrote
            errors = {step: _os_error(exc) for step in unit}
        seconds = time.perf_counter() - start
        results = []
        for task in tasks:
            if interrupts.interrupted():
                # Ctrl+C: the tools were stopped mid-way; keep every old output, install nothing.
                results.append(StepResult(task.step, "failed", seconds, _INTERRUPTED))
                continue
            err = errors.get(task.step)
            if err is None:
                err = _install(task)
            elif _source_failure(err):
                _remove_outdated(task.step)
            status = "failed" if err else "built"
            results.append(StepResult(task.step, status, seconds, err))
        return results
    finally:
        for task in tasks:
            for tmp in task.staged.values():
                with contextlib.suppress(OSError):  # e.g. its folder could not be made
                    tmp.unlink(missing_ok=True)  # a failed step's; installed ones are gone


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


_INTERRUPTED = CourseError("interrupted", exit_code=ExitCode.PROBLEMS)


def _source_failure(err: CourseError) -> bool:
    """True when a failure means the old outputs no longer match their sources (delete them);
    a missing tool, a full disk or an interrupt says nothing about the sources (keep them)."""
    return err is not _INTERRUPTED and not isinstance(
        err, ToolNotFoundError | DiskError | BrokenOutputError
    )


def _os_error(exc: OSError) -> CourseError:
    return DiskError(
        f"cannot write {exc.filename or 'an output'}: {exc.strerror or exc}",
        hint="free some space or make build/ writable, then build again",
    )


def _install(task: Task) -> CourseError | None:
    """Rename the staged outputs into place once every one of them looks sound; else the
    error (the old outputs stay, nothing is recorded as fresh)."""
    # an output the action kept (Task.keep) is checked where it is, and stays
    made = {final: final if final in task.unchanged else tmp for final, tmp in task.staged.items()}
    missing = [final for final, path in made.items() if not path.is_file()]
    if missing:
        return ToolFailedError(
            f"{task.step.kind}: the tool reported success but wrote no "
            + ", ".join(p.name for p in missing)
        )
    for final, path in made.items():
        problem = output_problem(path)
        if problem is not None:
            return BrokenOutputError(
                f"{task.step.kind}: the tool reported success but {final.name} {problem}; "
                "the previous output is kept"
            )
    try:
        for final, path in made.items():
            if path is not final:
                os.replace(path, final)
    except OSError as exc:
        return _os_error(exc)
    return None
