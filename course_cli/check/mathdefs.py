"""Macros and environments defined outside standard LaTeX/MathJax: in the file itself, in the
course's shared macros file, or in a site's MathJax configuration; :class:`MathContext`
carries the shared ones to the math rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_DEF_RE = re.compile(
    r"\\(?:(?:re)?newcommand|providecommand|DeclareMathOperator\*?|DeclarePairedDelimiter)"
    r"\s*\{?\s*\\([A-Za-z]+)"
    r"|\\(?:def|let|gdef|edef)\s*\\([A-Za-z]+)"
)
_ENVDEF_RE = re.compile(r"\\(?:re)?newenvironment\s*\{([^{}]+)\}")


def defined_names(text: str) -> set[str]:
    """Return the macro names (without backslash) that ``text`` defines."""
    return {a or b for a, b in _DEF_RE.findall(text)}


def defined_environments(text: str) -> set[str]:
    """Return the environment names that ``text`` defines with ``\\newenvironment``."""
    return set(_ENVDEF_RE.findall(text))


def read_macro_names(path: Path) -> frozenset[str]:
    """Return the macro names the shared macros file defines (empty when it is missing).

    Uses ``course_cli.core.macros.read_macros`` when that module exists, else a line scan.
    """
    reader: Any = None
    try:
        from course_cli.core.macros import read_macros

        reader = read_macros
    except ImportError:
        pass
    if not path.is_file():
        return frozenset()
    if reader is not None:
        try:
            return frozenset(_names_of(reader(path)))
        except Exception:
            pass
    try:
        return frozenset(defined_names(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return frozenset()


def _names_of(macros: object) -> Iterable[str]:
    items: Iterable[object] = macros.keys() if isinstance(macros, dict) else macros  # type: ignore[assignment]
    for item in items:
        name = item if isinstance(item, str) else getattr(item, "name", "")
        name = str(name).lstrip("\\")
        if name:
            yield name


_MATHJAX_MACROS_RE = re.compile(r"\bmacros\s*:\s*\{", re.I)
_MATHJAX_KEY_RE = re.compile(r"[{,]\s*[\"']?([A-Za-z]+)[\"']?\s*:")


def mathjax_config_macros(root: Path, limit: int = 300) -> set[str]:
    """Return macro names defined in MathJax configurations (``Macros: {name: …}``) found in
    the HTML and JavaScript files under ``root`` (a site's layouts often define them)."""
    import os

    names: set[str] = set()
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "node_modules"]
        for name in files:
            if not name.endswith((".html", ".js", ".mjs")):
                continue
            seen += 1
            if seen > limit:
                return names
            path = Path(folder) / name
            try:
                if path.stat().st_size > 200_000:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for m in _MATHJAX_MACROS_RE.finditer(text):
                names.update(_top_level_keys(text, m.end() - 1))
    return names


def _top_level_keys(text: str, start: int) -> set[str]:
    depth, i, keys = 0, start, set()
    while i < len(text):
        c = text[i]
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                break
        if depth == 1 and c in "{,":
            m = _MATHJAX_KEY_RE.match(text, i)
            if m:
                keys.add(m.group(1))
        i += 1
    return keys


class MathContext:
    """What the math rules need to know beyond the file: the macros defined elsewhere."""

    def __init__(
        self,
        shared_macros: Iterable[str] = (),
        shared_path: str = "materials/macros.tex",
        shared_missing: bool = False,
    ):
        self.shared = frozenset(shared_macros)
        self.shared_path = shared_path
        self.shared_missing = shared_missing
