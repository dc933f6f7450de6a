"""Marp deck rules: ``marp: true``, no ``math: katex`` (needs a CDN), a known theme.

Missing local images in a deck are the Markdown rule L002 (an error: Marp itself only warns
and exports the deck without them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from course_cli.check.context import MARP_BUILTIN_THEMES, CheckContext
from course_cli.check.findings import Finding
from course_cli.check.source import Doc

_THEME_DECL_RE = re.compile(r"/\*[\s*!]*@theme\s+([\w-]+)")
_COMMENT_DIRECTIVE_RE = re.compile(r"<!--\s*(theme|math|marp)\s*:\s*([^\s>]+)\s*-->")
_BACKGROUND_RE = re.compile(
    r"(?:^|<!--)\s*_?backgroundImage\s*:\s*url\(\s*(['\"]?)(?P<url>[^'\")\s]+)\1\s*\)", re.M
)


def is_deck(doc: Doc) -> bool:
    """True when the front matter says ``marp: true``."""
    return bool(doc.front) and doc.front.get("marp") is True  # type: ignore[union-attr]


def theme_names(css_files: Iterable[Path]) -> frozenset[str]:
    """Return the theme names declared (``/* @theme name */``) in these CSS files."""
    names = set()
    for path in css_files:
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:4000]
        except OSError:
            continue
        names.update(_THEME_DECL_RE.findall(head))
    return frozenset(names)


def find_css(root: Path, limit: int = 500) -> list[Path]:
    """Return up to ``limit`` CSS files under ``root`` (hidden folders and node_modules skipped)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "node_modules"]
        found.extend(Path(folder) / f for f in files if f.endswith(".css"))
        if len(found) >= limit:
            break
    return found[:limit]


def known_themes(css_files: Iterable[Path]) -> frozenset[str]:
    """Return Marp's built-in themes plus those declared in ``css_files``."""
    return MARP_BUILTIN_THEMES | theme_names(css_files)


def _front_line(doc: Doc, key: str) -> int:
    pattern = re.compile(rf"^{re.escape(key)}\s*:", re.M)
    for number, line in enumerate(doc.text.split("\n", doc.front_lines)[: doc.front_lines], 1):
        if pattern.match(line):
            return number
    return 1


def check_deck(doc: Doc, ctx: CheckContext, *, must_be_marp: bool) -> list[Finding]:
    """Run the deck rules (S001–S003) over one deck.

    ``must_be_marp``: the file is in a lesson's slides/ folder, so it has to enable Marp.
    """
    out: list[Finding] = []
    front = doc.front or {}
    if must_be_marp and front.get("marp") is not True:
        out.append(
            doc.finding_at_line(
                "S001",
                1,
                "deck has no `marp: true` in its front matter",
                "start the file with ---, marp: true, theme: course, math: mathjax, ---",
            )
        )
    settings: list[tuple[str, object, int]] = [
        (key, front[key], _front_line(doc, key)) for key in ("math", "theme") if key in front
    ]
    for m in _COMMENT_DIRECTIVE_RE.finditer(doc.nocode):
        settings.append((m.group(1), m.group(2), doc.pos(m.start())[0]))
    out.extend(_background_images(doc, ctx))
    for key, value, line in settings:
        if key == "math" and str(value).strip().lower() == "katex":
            out.append(
                doc.finding_at_line(
                    "S002",
                    line,
                    "`math: katex` loads its fonts from a CDN: formulas break offline",
                    "use `math: mathjax`",
                )
            )
        elif key == "theme" and str(value) not in ctx.themes:
            out.append(
                doc.finding_at_line("S003", line, f"unknown Marp theme {value!s}", ctx.theme_hint)
            )
    return out


def _background_images(doc: Doc, ctx: CheckContext) -> list[Finding]:
    """L002 for local images named by ``backgroundImage: url(…)`` directives (front matter or
    comments): Marp exports the deck without them and only warns."""
    from course_cli.check.markdown import check_target

    out: list[Finding] = []
    front_end = doc.line_starts[min(doc.front_lines, len(doc.line_starts) - 1)]
    for m in _BACKGROUND_RE.finditer(doc.text):
        inside_front = m.start() < front_end
        if not inside_front and doc.nocode[m.start("url")] == " ":
            continue  # in code
        out.extend(check_target(doc, ctx, m.group("url"), m.start("url"), True))
    return out
