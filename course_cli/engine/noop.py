"""``build/.cache/noop/``: what a ``course build`` that found everything up to date printed,
replayed while nothing such a build looks at has changed.

A build that built nothing and failed nothing leaves a record (one file per working folder,
command line and terminal): its output, with the summary's time left open, and stamps of
everything the build's verdict depends on:

* the toolkit's files and the libraries (:func:`course_cli.core.stamp.toolkit_stamp`), and
  every folder on ``sys.path`` (installing or removing a package changes its folder);
* the whole environment (``PATH`` and every tool variable included) and every ``PATH`` folder
  (a tool installed ahead of the one found);
* every file and folder of the course outside ``build/`` (content hashes; taken *before* the
  build, so an edit made while it ran is seen), course.yaml included;
* every file of ``build/`` but its caches, lock and staging folder (outputs, manifest, layout
  records) by size and mtime;
* the tools found (:data:`course_cli.core.stamp.WATCHED`: binaries, the git files asked for
  page dates), the course's ``node_modules`` (Marp, MathJax) and the inputs of any step that
  lie outside the course.

The replay (:func:`replay_output`, called by :mod:`course_cli.launch` before Typer is
imported) checks them all, under the course's lock, and prints the same text with the time it
took. Anything changed, missing or unreadable is a miss: the build runs as usual.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from pathlib import Path

from course_cli.core.stamp import (
    RACY_NS,
    SKIPPED_DIRS,
    STAT_ONLY,
    WATCHED,
    changed_entries,
    path_stamp,
    same_tree,
    toolkit_stamp,
    tree_snapshot,
)

TYPE_CHECKING = False  # typing is not imported on the replay path
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from course_cli.engine.steps import BuildReport

CACHE_VERSION = 1
#: what a no-op build's verdict does not depend on: the caches (hashes, versions, formulas,
#: this record), the lock and a run's staging folder
BUILD_SKIPPED = (".cache", ".lock", ".staging")
#: environment variables that differ between two runs of the same shell without meaning anything
_VOLATILE_ENV = frozenset({"_", "OLDPWD", "PWD", "SHLVL"})
#: libraries whose files shape what a build plans (a changed one rebuilds nothing by itself,
#: but its folder on sys.path is stamped too)
_LIBRARIES = ("typer", "rich", "click", "ruamel.yaml", "yaml", "markdown_it")
#: the summary's time in a kept output
_SECONDS = "\0seconds\0"


class _Pending:
    """What :func:`begin` saw before a build: the course's files by metadata, and when."""

    def __init__(self, root: Path, taken: int, files: dict[str, Any]) -> None:
        self.root, self.taken, self.files = root, taken, files


#: the record of this process's no-op build, kept until :mod:`course_cli.launch` adds the
#: output (None: nothing to keep)
LAST: dict[str, Any] | None = None


def record_dir(root: Path) -> Path:
    """Where the no-op records of the course at ``root`` live."""
    return root / "build" / ".cache" / "noop"


def begin(root: Path) -> _Pending:
    """Note the course's files (metadata only) before a build that may be kept."""
    global LAST
    LAST = None
    WATCHED.clear()
    taken = time.time_ns()
    return _Pending(root.resolve(), taken, tree_snapshot(root, hash_from=STAT_ONLY))


def finish(pending: _Pending, report: BuildReport) -> None:
    """After the build (under the lock): when it built and failed nothing and no course file
    changed while it ran, prepare the record :func:`remember_output` completes."""
    global LAST
    LAST = None
    if report.failed or report.with_status("built") or not report.results:
        return
    root = pending.root
    tree = tree_snapshot(root)  # with hashes, to forgive a file that is only touched
    if changed_entries(pending.files, tree):
        return  # something changed while the build ran: its verdict may be stale already
    outside = set(WATCHED) | _fixed_outside(root)
    for result in report.results:
        for path in result.step.inputs:
            if not _in_snapshot(path, root):
                outside.add(os.fspath(path))
    now = time.time_ns()
    LAST = {
        "version": CACHE_VERSION,
        "stamp": toolkit_stamp(_LIBRARIES),
        "root": str(root),
        "env": _env_hash(),
        "taken_ns": pending.taken,
        "tree": tree,
        "build_taken_ns": now,
        "build": tree_snapshot(root / "build", BUILD_SKIPPED, hash_from=now - RACY_NS),
        "outside": {p: path_stamp(Path(p)) for p in sorted(outside)},
        "summary": report.summary(),
        "seconds": f"{report.seconds:.2f}",
    }


def remember_output(cwd: Path, render_key: str, code: int, chunks: list[list[Any]]) -> None:
    """Keep what this process's no-op build printed (``chunks``, exit ``code``) for the
    command line and terminal ``render_key``."""
    global LAST
    record, LAST = LAST, None
    if record is None or code not in (0, 1):
        return
    summary = str(record.pop("summary"))
    seconds = str(record.pop("seconds"))
    opened = summary.replace(f" in {seconds} s", f" in {_SECONDS} s")
    kept, found = [], False
    for fd, text in chunks:
        if not found and fd == 1 and summary in text:
            text, found = text.replace(summary, opened, 1), True
        kept.append([fd, text])
    if not found or _SECONDS not in opened:
        return
    record.update(code=code, chunks=kept)
    root = Path(record["root"])
    with contextlib.suppress(OSError):  # a read-only build/: the next build runs as usual
        from course_cli.core.fs import atomic_write

        atomic_write(_record_path(root, cwd, render_key), json.dumps(record))


def replay_output(cwd: Path, render_key: str, started: float) -> dict[str, Any] | None:
    """The output of the kept no-op build for this working folder, command line and terminal,
    with the summary's time since ``started`` (``time.perf_counter()``), when nothing it
    depends on has changed; else None."""
    from course_cli.core.courseroot import find_root
    from course_cli.core.errors import ConfigError

    try:
        root = find_root(cwd)
    except ConfigError:
        return None
    try:
        data = json.loads(_record_path(root, cwd, render_key).read_text(encoding="utf-8"))
        with _holding_lock(root):
            if not _valid(root, data):
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    seconds = f"{time.perf_counter() - started:.2f}"
    chunks = [[fd, text.replace(_SECONDS, seconds)] for fd, text in data["chunks"]]
    return {"code": data["code"], "chunks": chunks}


def _valid(root: Path, data: dict[str, Any]) -> bool:
    if (
        data.get("version") != CACHE_VERSION
        or data.get("root") != str(root)
        or data.get("env") != _env_hash()
        or data.get("stamp") != toolkit_stamp(_LIBRARIES)
    ):
        return False
    for name, recorded in data["outside"].items():
        if path_stamp(Path(name)) != recorded:
            return False
    build = root / "build"
    return same_tree(build, data["build"], int(data["build_taken_ns"]), BUILD_SKIPPED) and (
        same_tree(root, data["tree"], int(data["taken_ns"]))
    )


@contextlib.contextmanager
def _holding_lock(root: Path) -> Iterator[None]:
    """Hold the course's lock while the record is checked; raise OSError when another
    command holds it (its work may change what is checked: the build waits for it)."""
    import fcntl

    fd = os.open(root / "build" / ".lock", os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError is an OSError
        yield
    finally:
        os.close(fd)  # releases the lock


def _record_path(root: Path, cwd: Path, render_key: str) -> Path:
    name = hashlib.sha256(f"{cwd}\0{render_key}".encode()).hexdigest()[:32]
    return record_dir(root) / f"{name}.json"


def _env_hash() -> str:
    items = sorted((k, v) for k, v in os.environ.items() if k not in _VOLATILE_ENV)
    doc = [sys.executable, sys.path, items]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()


def _fixed_outside(root: Path) -> set[str]:
    """What any build depends on outside the course snapshot: the folders on ``PATH`` and
    ``sys.path`` and the course's installed Node packages."""
    paths = {p for p in os.environ.get("PATH", "").split(os.pathsep) if p}
    paths.update(p for p in sys.path if p)
    modules = root / "node_modules"
    paths.update(os.fspath(p) for p in (modules, modules / ".package-lock.json"))
    return {os.path.abspath(p) for p in paths}


def _in_snapshot(path: Path, root: Path) -> bool:
    """True when ``tree_snapshot(root)`` covers ``path`` (inside the course, not in a
    skipped folder such as node_modules)."""
    try:
        parts = path.resolve().relative_to(root).parts
    except ValueError:
        return False
    return not parts or not (set(parts[:-1]) & SKIPPED_DIRS or parts[0] == "build")
