"""``build/.cache/plan.json``: what planning derived from a source file (the local link targets
of a README, …), kept by the file's size, mtime and SHA-256, so a no-op build re-reads and
re-parses nothing that is unchanged.

A value is reused only while the file's size and mtime match the recorded ones and the file was
last modified well before it was recorded (a second edit within a coarse clock's tick keeps
size and mtime: such a file is read and hashed again). An unreadable or corrupt cache file is
ignored and rewritten; values must be JSON (lists, strings, numbers).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from course_cli.core.stamp import RACY_NS, toolkit_stamp

T = TypeVar("T")

CACHE_VERSION = 1
_caches: dict[Path, PlanCache] = {}
_lock = threading.Lock()


def plan_cache(root: Path) -> PlanCache:
    """The plan cache of the course at ``root`` (one per process)."""
    root = root.resolve()
    with _lock:
        if root not in _caches:
            _caches[root] = PlanCache(root / "build" / ".cache" / "plan.json", root)
        return _caches[root]


class PlanCache:
    """Derived values per (file, kind): ``{rel: {kind: [size, mtime_ns, sha256, stamp_ns, v]}}``."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path, self.root = path, root
        self._stamp = toolkit_stamp(("markdown_it", "mdit_py_plugins", "yaml", "jupytext"))
        self._entries: dict[str, dict[str, list[Any]]] = {}
        self._dirty = False
        self._lock = threading.Lock()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == CACHE_VERSION and data.get("stamp") == self._stamp:
                entries = data["entries"]
                if isinstance(entries, dict):
                    self._entries = entries
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no or unreadable cache: everything is derived again

    def derive(self, path: Path, kind: str, compute: Callable[[str], T]) -> T:
        """``compute(text)`` of the file at ``path`` (read as UTF-8, errors replaced), or the
        value recorded for ``kind`` when the file is unchanged."""
        name = self._name(path)
        st = os.stat(path)
        with self._lock:
            old = self._entries.get(name, {}).get(kind)
        if (
            isinstance(old, list)
            and len(old) == 5
            and old[0] == st.st_size
            and old[1] == st.st_mtime_ns
            and st.st_mtime_ns < old[3] - RACY_NS
        ):
            return old[4]  # type: ignore[no-any-return]
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if isinstance(old, list) and len(old) == 5 and old[2] == digest:
            value = old[4]  # same bytes (a touched file): only the stat is new
        else:
            value = compute(raw.decode("utf-8", errors="replace"))
        with self._lock:
            self._entries.setdefault(name, {})[kind] = [
                st.st_size,
                st.st_mtime_ns,
                digest,
                time.time_ns(),
                value,
            ]
            self._dirty = True
        return value  # type: ignore[no-any-return]

    def derive_tree(self, path: Path, kind: str, compute: Callable[[], tuple[T, list[Path]]]) -> T:
        """The value ``compute()`` returns for the file at ``path`` and the files it draws in
        (``compute`` returns the value and all those files, ``path`` among them), or the value
        recorded for ``kind`` while each of those files has its recorded size and mtime (and
        was modified well before it was recorded). A file of that list that does not exist is
        recorded as absent: the value is derived again when it appears. A value whose file
        list is empty is not kept."""
        name = self._name(path)
        with self._lock:
            old = self._entries.get(name, {}).get(kind)
        if isinstance(old, list) and len(old) == 4 and old[0] == "tree" and old[1]:
            try:
                fresh = all(
                    self._unchanged(rel, size, mtime, old[2]) for rel, size, mtime in old[1]
                )
            except (OSError, TypeError, ValueError):
                fresh = False
            if fresh:
                return old[3]  # type: ignore[no-any-return]
        stamp = time.time_ns()  # a file changed while it is read is newer: read again
        value, files = compute()
        stats: list[list[Any]] = []
        try:
            for f in files:
                try:
                    st = os.stat(f)
                except FileNotFoundError:
                    stats.append([self._name(f, follow=False), -1, 0])
                else:
                    stats.append([self._name(f, follow=False), st.st_size, st.st_mtime_ns])
        except OSError:
            return value
        if stats:
            with self._lock:
                self._entries.setdefault(name, {})[kind] = ["tree", stats, stamp, value]
                self._dirty = True
        return value

    def _unchanged(self, rel: str, size: int, mtime: int, stamp: int) -> bool:
        """Whether the file ``rel`` still has the recorded size and mtime (size -1: it still
        does not exist)."""
        if size == -1:
            return not os.path.lexists(self.root / rel)
        st = os.stat(self.root / rel)
        return st.st_size == size and st.st_mtime_ns == mtime and mtime < stamp - RACY_NS

    def save(self) -> None:
        """Write the cache when something new was derived (never raises for a read-only
        build folder: the next build derives again)."""
        with self._lock:
            if not self._dirty:
                return
            data = {"version": CACHE_VERSION, "stamp": self._stamp, "entries": self._entries}
            text = json.dumps(data, separators=(",", ":"))
            self._dirty = False
        from course_cli.core.fs import atomic_write

        with contextlib.suppress(OSError):
            atomic_write(self.path, text)

    def _name(self, path: Path, follow: bool = True) -> str:
        """``path`` relative to the course (symlinks resolved unless not ``follow``: a file
        of a tree is watched as it was named, so a link that is pointed elsewhere is seen)."""
        full = path.resolve() if follow else Path(os.path.abspath(path))
        try:
            return full.relative_to(self.root).as_posix()
        except ValueError:
            return str(full)


def save_all() -> None:
    """Write every plan cache this process has used."""
    with _lock:
        caches = list(_caches.values())
    for cache in caches:
        cache.save()
