"""``build/.manifest.json``: the fingerprint each output was made from, and content hashes.

A step's fingerprint is a SHA-256 over its kind, key, output names and the content hashes of
its inputs. Content hashes are cached by (mtime, size), so a no-op build reads only metadata.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from course_cli.core.fs import atomic_write, sha256_file
from course_cli.engine.steps import BuildStep

MANIFEST_NAME = ".manifest.json"
MANIFEST_VERSION = 1

#: The toolkit's own folder (the ``course_cli`` package): where it is installed is no part of
#: a fingerprint, only the content of the files of it a step reads.
_TOOLKIT = Path(__file__).parents[1]
_TOOLKIT_NAMES = tuple(dict.fromkeys((str(_TOOLKIT.resolve()), str(_TOOLKIT))))


class Manifest:
    """``build/.manifest.json``: output fingerprints and a (mtime, size) -> sha256 cache."""

    def __init__(self, path: Path, root: Path):
        self.path, self.root = path, root
        self._root_text = os.fspath(root)
        self.outputs: dict[str, dict[str, Any]] = {}
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
        text, root = os.fspath(path), self._root_text
        if text.startswith(root) and text[len(root) : len(root) + 1] in ("/", ""):
            return text[len(root) + 1 :] or "."  # what relative_to gives, on strings
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

    def portable(self, text: str) -> str:
        """``text`` with the toolkit's folder written ``<toolkit>`` and the course's ``<course>``
        (the toolkit first: a checkout has it inside the course)."""
        for name in _TOOLKIT_NAMES:
            text = text.replace(name, "<toolkit>")
        return text.replace(str(self.root), "<course>")

    def portable_name(self, path: Path) -> str:
        """The fingerprint's name for an input: ``<toolkit>/…`` for a file of the toolkit,
        else :meth:`rel` (relative to the course root when inside it)."""
        text = os.fspath(path)
        for name in _TOOLKIT_NAMES:
            if text.startswith(name) and text[len(name) : len(name) + 1] == "/":
                return "<toolkit>/" + path.relative_to(name).as_posix()
        return self.rel(path)

    def fingerprint(self, step: BuildStep) -> str:
        """SHA-256 over the step's kind, key, output names and input content hashes."""
        # Neither the course's path nor the toolkit's install path is part of a fingerprint:
        # moving the folder or switching from the checkout to an installed `course` rebuilds
        # nothing; the content of every input is.
        doc = {
            "kind": step.kind,
            "key": [[name, self.portable(value)] for name, value in step.key],
            "outputs": [self.rel(p) for p in step.outputs],
            "inputs": [[self.portable_name(p), self.file_hash(p)] for p in step.inputs],
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

    def record(self, step: BuildStep, fingerprint: str | None, seconds: float = 0.0) -> None:
        """Remember a built step (``fingerprint``, and how many ``seconds`` its unit took) or
        forget a failed one (``None``)."""
        with self._lock:
            for out in step.outputs:
                if fingerprint is None:
                    self.outputs.pop(self.rel(out), None)
                else:
                    self.outputs[self.rel(out)] = {
                        "fingerprint": fingerprint,
                        "kind": step.kind,
                        "seconds": round(seconds, 3),
                    }

    def last_seconds(self, step: BuildStep) -> float:
        """How long the unit that last built ``step`` took (0 when unknown)."""
        with self._lock:
            entry = self.outputs.get(self.rel(step.output))
        value = entry.get("seconds") if isinstance(entry, dict) else None
        return float(value) if isinstance(value, int | float) else 0.0

    def save(self) -> None:
        """Write the manifest atomically."""
        with self._lock:
            data = {"version": MANIFEST_VERSION, "outputs": self.outputs, "files": self.files}
            # compact: json's C encoder (an indented dump takes its pure-Python path)
            text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        atomic_write(self.path, text)
