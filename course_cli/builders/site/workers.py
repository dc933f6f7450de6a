"""Rendering many site pages in worker processes.

A page is Markdown parsing, Jinja and string work: Python code that holds the interpreter
lock, so threads render one page at a time and slow the build's other threads (the copies)
down besides. From :data:`PROCESS_MIN` stale pages on, :func:`render_pages` hands the pages to
``jobs`` worker processes in a few chunks (each chunk sends the course once), which render
them side by side and write each page to its staged path; the engine installs them as usual.
A worker then typesets the page's math too when every formula is in the formula cache
(:func:`course_cli.builders.site.typeset.typeset_from_cache`); the other pages go through the
build's one MathJax pass, which also reports the errors.

The workers come from a fork server that has imported the site builder and its Markdown and
Jinja libraries once, so starting them costs one import, not one per worker; a build that will
render every page (``--force``, a first build) starts them while it plans (:func:`warm_up`),
on the core the planning leaves idle. Ctrl+C reaches the workers too: each stops its own tools
(a conspect's pandoc) and gives the interrupt back, and the engine installs nothing. When no
worker process can be started (no semaphores in a sandbox, say), or one dies, the pages are
rendered in this process instead.

As with any fork server, the program's ``__main__`` script is imported by it: the ``course``
command and ``python -m course_cli`` guard theirs; a script that builds a large site through
the library needs an ``if __name__ == "__main__":`` guard too.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.core.errors import CourseError
from course_cli.engine.steps import Action, BuildStep, Task

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

#: stale pages from which worker processes pay off: starting them costs about one import of
#: the site builder (0.2–0.3 s of a core), a page 3–6 ms. Measured on 2 cores (forced builds
#: of synthetic courses): at 50 lessons workers made the build 0.2 s slower, at 200 lessons
#: 0.6–0.9 s faster
PROCESS_MIN = 96
#: chunks per worker: enough to even out pages of different lengths, few enough that the
#: course (in every chunk's payloads) is sent only a few times
CHUNKS_PER_WORKER = 3

#: what a worker needs of one page: its renderer, its output, the path to write, its payload
Job = tuple[Action, Path, Path, Any]


#: the modules a worker renders with, imported once by the fork server
PRELOAD = ["course_cli.builders.site.builder", "jinja2", "markdown_it", "mdit_py_plugins"]
#: what starting worker processes may raise where they cannot run (BrokenProcessPool is a
#: RuntimeError: a worker died)
_STARTUP_ERRORS = (OSError, ImportError, NotImplementedError, ValueError, RuntimeError)

_lock = threading.Lock()
_warm: ProcessPoolExecutor | None = None


def warm_up(jobs: int) -> None:
    """Start ``jobs`` worker processes in the background for the next :func:`render_pages`
    (a thread waits for them; nothing here blocks the caller)."""
    global _warm
    if jobs < 2:
        return
    with _lock:
        if _warm is not None:
            return
        try:
            pool = _warm = _pool(jobs)
        except _STARTUP_ERRORS:
            return

    def start() -> None:
        with contextlib.suppress(*_STARTUP_ERRORS):
            for _ in range(jobs):
                pool.submit(int)  # makes the pool fork its workers

    threading.Thread(target=start, name="course-site-workers", daemon=True).start()


@dataclass(frozen=True)
class Rendered:
    """What became of one page: its errors, and the keys of the formulas ``finish`` typeset
    it with (None: its math is still to be typeset)."""

    errors: dict[BuildStep, CourseError]
    typeset: list[str] | None


#: what a worker runs on each page it rendered (its staged file): the formula keys used, or
#: None when it left the page as it was
Finish = Callable[[Path], "list[str] | None"]


def render_pages(
    tasks: Sequence[Task], renderers: dict[Path, Action], jobs: int, finish: Finish
) -> list[Rendered] | None:
    """Each task's page rendered by a worker process, then given to ``finish`` (a picklable
    callable, e.g. a ``functools.partial`` of a module's function); None when there are too
    few pages for workers to pay off, or none could be started (render the pages in this
    process then)."""
    global _warm
    if jobs < 2 or len(tasks) < PROCESS_MIN:
        return None
    chunks = _chunks(list(range(len(tasks))), jobs * CHUNKS_PER_WORKER)
    with _lock:
        pool, _warm = _warm, None
    try:
        with pool or _pool(jobs) as running:
            futures = [
                running.submit(_render_chunk, [_job(tasks[i], renderers) for i in chunk], finish)
                for chunk in chunks
            ]
            replies = [f.result() for f in futures]
    except Exception:  # no workers, a dead one, a payload that cannot travel:
        return None  # the caller renders every page here, where its errors are reported
    out: list[Rendered] = []
    for chunk, reply in zip(chunks, replies, strict=True):
        for index, (exc, typeset) in zip(chunk, reply, strict=True):
            step = tasks[index].step
            out.append(Rendered({step: exc} if exc is not None else {}, typeset))
    return out


def _job(task: Task, renderers: dict[Path, Action]) -> Job:
    output = task.step.output
    return (renderers[output], output, task.out(), task.step.payload)


def _chunks(items: list[int], count: int) -> list[list[int]]:
    """``items`` in up to ``count`` contiguous chunks of near-equal size."""
    size, extra = divmod(len(items), max(1, count))
    out, start = [], 0
    for n in range(max(1, count)):
        end = start + size + (1 if n < extra else 0)
        if end > start:
            out.append(items[start:end])
        start = end
    return out


def _pool(jobs: int) -> ProcessPoolExecutor:
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=_start_worker)


def _context() -> Any:
    """A fork server that has imported the site builder (spawn where there is none)."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def _start_worker() -> None:
    """Ctrl+C in a worker stops its tools and ends its chunk with the interrupt."""
    from course_cli.tools import interrupts

    interrupts.install()


def _render_chunk(
    jobs: list[Job], finish: Finish
) -> list[tuple[CourseError | None, list[str] | None]]:
    """Render each page of ``jobs`` and ``finish`` it; per page its error (None: rendered)
    and what ``finish`` returned."""
    out: list[tuple[CourseError | None, list[str] | None]] = []
    for render, output, staged, payload in jobs:
        step = BuildStep(kind="site-page", output=output, inputs=(), action=render, payload=payload)
        try:
            failed = render([Task(step, {output: staged})]) or {}
        except CourseError as exc:
            failed = {step: exc}
        if failed:
            out.append((next(iter(failed.values())), None))
        else:
            out.append((None, finish(staged)))
    return out
