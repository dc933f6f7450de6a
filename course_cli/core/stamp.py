"""Cheap fingerprints for the caches that let a command replay an earlier result.

* :func:`toolkit_stamp` — the toolkit's own files and the libraries a result depends on, by
  file metadata (a changed toolkit or library invalidates every cached result);
* :func:`tree_snapshot` / :func:`same_tree` — a folder's files by metadata, with a content hash
  to forgive a file that was only touched (mtime changed, bytes did not).

Nothing here imports more than the standard library: these run before the heavy modules.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from collections.abc import Iterable
from importlib.util import find_spec
from pathlib import Path

#: Folders a snapshot of a course never descends into: version control, installed packages,
#: tool caches. ``build/`` (outputs) is left out at the top only.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
    }
)

#: the toolkit package (course_cli/), every file of which a stamp covers
_TOOLKIT = Path(__file__).resolve().parents[1]

#: A file modified this close (ns) before a snapshot is hashed again on every comparison: a
#: second edit within a coarse file-system clock's tick would keep size and mtime.
RACY_NS = 2_000_000_000

Entry = list[object]
"""``["f", size, mtime_ns, sha256]`` for a file, ``["l", target]`` for a symlink, ``["d"]``."""


def toolkit_stamp(modules: Iterable[str] = ()) -> str:
    """Return a SHA-256 over the Python version, every file of the toolkit (name, size, mtime)
    and the file of each module in ``modules`` (found, not imported)."""
    h = hashlib.sha256(_toolkit_files(_TOOLKIT).encode())
    for module in modules:
        h.update(f"{module}\0{_module_stamp(module)}\0".encode())
    return h.hexdigest()


@functools.lru_cache(maxsize=4)
def _toolkit_files(folder: Path) -> str:
    """A digest of the Python version and every file under ``folder`` by name, size and
    mtime (walked once per process)."""
    h = hashlib.sha256(sys.version.encode())
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            h.update(f"{os.path.relpath(path, folder)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def _module_stamp(module: str) -> str:
    try:
        spec = find_spec(module)
    except (ImportError, ValueError):
        return "missing"
    origin = spec.origin if spec is not None else None
    if not origin:
        return "missing"
    try:
        st = os.stat(origin)
    except OSError:
        return "missing"
    return f"{origin}\0{st.st_size}\0{st.st_mtime_ns}"


#: ``hash_from`` of a snapshot by metadata only (no file is read)
STAT_ONLY = 1 << 62

#: Paths outside a course snapshot that this process's work depended on (tools it found, the
#: git repository it asked): :mod:`course_cli.engine.noop` keeps their stamps.
WATCHED: set[str] = set()


def watch(path: Path | str) -> None:
    """Note that the work of this process depends on ``path`` (see :data:`WATCHED`)."""
    WATCHED.add(os.fspath(path))


def tree_snapshot(
    root: Path, skip_top: Iterable[str] = ("build",), *, hash_from: int = 0
) -> dict[str, Entry]:
    """Return every file, symlink and folder under ``root`` (relative POSIX name → entry),
    without descending into :data:`SKIPPED_DIRS` or the top-level folders ``skip_top``.

    Files carry size, mtime and SHA-256 — the hash only for files modified at or after
    ``hash_from`` (ns; the others get None, so :func:`same_tree` takes them as changed as soon
    as their size or mtime differs); symlinks are not followed (their target is recorded).
    ``skip_top`` names are left out at the top whatever they are.
    """
    out: dict[str, Entry] = {}
    top = frozenset(skip_top)

    def walk(folder: str, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            rel = prefix + entry.name
            if not prefix and entry.name in top:
                continue
            if entry.is_symlink():
                try:
                    out[rel] = ["l", os.readlink(entry.path)]
                except OSError:
                    out[rel] = ["l", None]
            elif entry.is_dir():
                if entry.name in SKIPPED_DIRS:
                    continue
                out[rel] = ["d"]
                walk(entry.path, rel + "/")
            else:
                try:
                    st = entry.stat()
                    digest = _sha256(entry.path) if st.st_mtime_ns >= hash_from else None
                    out[rel] = ["f", st.st_size, st.st_mtime_ns, digest]
                except OSError:
                    out[rel] = ["f", None, None, None]

    walk(str(root), "")
    return out


def same_tree(
    root: Path,
    recorded: dict[str, Entry],
    taken_ns: int,
    skip_top: Iterable[str] = ("build",),
) -> bool:
    """True when ``root`` holds exactly the files, symlinks and folders of ``recorded`` (a
    snapshot taken at ``taken_ns``) with the same contents.

    A file whose size and mtime match is taken as unchanged (as the build's hash cache does),
    unless its mtime is within :data:`RACY_NS` of the snapshot: then it may have been edited
    again within the clock's granularity, so it is hashed, as is any file whose mtime differs.
    """
    racy = taken_ns - RACY_NS
    top = frozenset(skip_top)
    seen = 0

    def walk(folder: str, prefix: str) -> bool:
        nonlocal seen
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return False
        for entry in entries:
            rel = prefix + entry.name
            if (not prefix and entry.name in top) or (
                entry.name in SKIPPED_DIRS and not entry.is_symlink() and entry.is_dir()
            ):
                continue
            old = recorded.get(rel)
            if old is None:
                return False  # a new file or folder
            seen += 1
            if entry.is_symlink():
                try:
                    if old != ["l", os.readlink(entry.path)]:
                        return False
                except OSError:
                    return False
            elif entry.is_dir():
                if old != ["d"] or not walk(entry.path, rel + "/"):
                    return False
            else:
                if old[0] != "f":
                    return False
                try:
                    st = entry.stat()
                except OSError:
                    return False
                if st.st_size != old[1]:
                    return False
                mtime = st.st_mtime_ns
                if (mtime != old[2] or mtime >= racy) and (
                    old[3] is None or _sha256(entry.path) != old[3]
                ):
                    return False
        return True

    return walk(str(root), "") and seen == len(recorded)


def changed_entries(old: dict[str, Entry], new: dict[str, Entry]) -> list[str]:
    """The names added, removed, or changed in kind, size or mtime between two snapshots."""
    return sorted(
        set(old) ^ set(new) | {k for k, v in new.items() if k in old and old[k][:3] != v[:3]}
    )


def path_stamp(path: Path) -> list[object]:
    """A file's or folder's size, mtime and kind (``["missing"]`` when it does not exist)."""
    try:
        st = os.stat(path)
    except OSError:
        return ["missing"]
    kind = "d" if os.path.isdir(path) else "f"
    return [kind, st.st_size, st.st_mtime_ns]


def _sha256(path: str) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 16), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()
