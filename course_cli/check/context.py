"""State shared by the rules during one check: the root, parsed files, DROPPED.txt lists."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from course_cli.check.anchors import doc_anchors
from course_cli.check.findings import Finding
from course_cli.check.mathdefs import MathContext
from course_cli.check.source import Doc, load_doc

MARP_BUILTIN_THEMES = frozenset({"default", "gaia", "uncover"})
DROPPED = "DROPPED.txt"  # a folder's list of files left out of a copy: links to them are expected


@dataclass
class CheckContext:
    """Everything a rule may look up; files are parsed at most once per check."""

    root: Path
    math: MathContext = field(default_factory=MathContext)
    themes: frozenset[str] = MARP_BUILTIN_THEMES
    theme_hint: str = "use default, gaia or uncover"
    bib_keys: frozenset[str] | None = None  # citation keys of the bibliography (None: unchecked)
    bib_path: str = "materials/book/refs.bib"
    site_root: Path | None = None  # where links starting with / point (default: root)
    external_labels: frozenset[str] = frozenset()  # labels other files define (--refs)
    generated: tuple[Path, ...] = ()  # folders of build outputs: links into them are not checked
    docs: dict[Path, tuple[Doc | None, list[Finding]]] = field(default_factory=dict)
    _dropped: dict[Path, frozenset[str]] = field(default_factory=dict)
    _anchors: dict[Path, frozenset[str]] = field(default_factory=dict)
    outside: set[Path] = field(default_factory=set)  # looked-at paths beyond the sources

    def note(self, path: Path) -> None:
        """Remember ``path`` when a finding may depend on it although it lies beyond the
        course's sources (outside the root, in a generated folder or a skipped one such as
        node_modules/): a cached report is replayed only while these are unchanged."""
        from course_cli.core.stamp import SKIPPED_DIRS

        path = Path(path)
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            self.outside.add(path)
            return
        if any(path.is_relative_to(folder) for folder in self.generated) or any(
            part in SKIPPED_DIRS or part == ".." for part in parts
        ):
            self.outside.add(path)

    def rel(self, path: Path) -> str:
        """Return ``path`` relative to the root (POSIX form), or as given when outside it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def doc(self, path: Path, lesson: int | None = None) -> tuple[Doc | None, list[Finding]]:
        """Return the parsed file and its file-level findings (cached)."""
        key = Path(path)
        if key not in self.docs:
            self.note(key)
            self.docs[key] = load_doc(key, self.rel(key), lesson)
        doc, problems = self.docs[key]
        if lesson is not None and doc is not None and doc.lesson is None:
            # first read for another file's anchors: now we know which lesson it belongs to
            doc.lesson = lesson
            problems = [replace(f, lesson=lesson) for f in problems]
            self.docs[key] = (doc, problems)
        return doc, problems

    def anchors(self, path: Path) -> frozenset[str] | None:
        """Return the anchors a Markdown file defines, or None when it cannot be read."""
        if path in self._anchors:
            return self._anchors[path]
        doc, _ = self.doc(path)
        result = doc_anchors(doc) if doc is not None else None
        if result is not None:
            self._anchors[path] = result
        return result

    def is_dropped(self, target: Path) -> bool:
        """True when a DROPPED.txt in a folder above ``target`` lists it (expected missing)."""
        for folder in target.parents:
            listed = self._dropped_in(folder)
            if listed:
                try:
                    if target.relative_to(folder).as_posix() in listed:
                        return True
                except ValueError:
                    pass
            if folder == self.root or folder == folder.parent:
                break
        return False

    def _dropped_in(self, folder: Path) -> frozenset[str]:
        if folder not in self._dropped:
            names: frozenset[str] = frozenset()
            listing = folder / DROPPED
            self.note(listing)
            try:
                if listing.is_file():
                    lines = listing.read_text(encoding="utf-8", errors="replace").splitlines()
                    names = frozenset(x.strip() for x in lines if x.strip())
            except OSError:
                pass
            self._dropped[folder] = names
        return self._dropped[folder]
