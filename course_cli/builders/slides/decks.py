"""Marp decks as the build sees them: local images, directives that break a build, staging.

:func:`analyze_deck` reads a deck (code blanked out, so examples in code do not count) and
reports, by deck and line, a local image that is missing or lies outside the course folder and
``math: katex`` (its fonts come from a CDN). :func:`staged_markdown` is the deck's text with
image paths rewritten for one output format.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from course_cli.builders.targets import read_source

if TYPE_CHECKING:
    from course_cli.core.config import Course, Lesson

ASSETS_DIR = "_assets"  # in build/lesson_NN/: HTML copies of images from outside the deck folder

_MD_IMAGE = re.compile(
    r"!\[[^\]\n]*\]\(\s*(?:<([^>\n]+)>|([^\s)]+))(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
_HTML_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]+)\"|'([^']+)')", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(?:\"([^\"]+)\"|'([^']+)'|([^)'\"\s]+))\s*\)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
# Linear: after a line start only blanks of that line ([ \t]*); a \s* there would run over
# every following blank line at every line start (quadratic on a large deck).
_KATEX = re.compile(r"(?:^[ \t]*|<!--\s*)math[ \t]*:[ \t]*['\"]?katex\b", re.MULTILINE)


@dataclass(frozen=True)
class ImageRef:
    """A local image of a deck: 1-based line, the URL as written, its span in the text."""

    line: int
    url: str
    start: int
    end: int
    path: Path


@dataclass(frozen=True)
class Deck:
    """One analysed deck: its lesson folder name, text, local images, problems (path:line: …)."""

    path: Path
    lesson_dir: str
    text: str
    images: tuple[ImageRef, ...]
    problems: tuple[str, ...]

    @property
    def stem(self) -> str:
        """The file name without ``.md``: the name of every output."""
        return self.path.stem


def find_decks(course: Course, lessons: Sequence[Lesson]) -> list[tuple[Lesson, Path]]:
    """Every ``slides/*.md`` of the given lessons, in lesson then name order."""
    found: list[tuple[Lesson, Path]] = []
    for lesson in lessons:
        folder = lesson.dir(course.root) / "slides"
        if folder.is_dir():
            found.extend((lesson, p) for p in sorted(folder.glob("*.md")) if p.is_file())
    return found


def analyze_deck(path: Path, root: Path, lesson_dir: str = "") -> Deck:
    """Read a deck: its local images (resolved) and the problems that would break its output.

    Problems read ``<deck>:<line>: <message>`` with the deck relative to ``root``. Raises
    ProblemsFound (exit 1) naming the deck when it is not valid UTF-8 or cannot be read.
    """
    text = read_source(path, root)
    shown = shown_path(path, root)
    images: list[ImageRef] = []
    problems: list[str] = []
    for line, url, start, end in _local_urls(text):
        target = _resolve(url, path.parent)
        images.append(ImageRef(line, url, start, end, target))
        if not target.is_file():
            problems.append(
                f"{shown}:{line}: image {url} not found (looked for {shown_path(target, root)})"
            )
        elif not is_inside(target, root):
            problems.append(
                f"{shown}:{line}: image {url} is outside the course folder, so the built slides "
                "cannot carry it; copy it under slides/img/"
            )
    for m in _KATEX.finditer(_directive_text(text)):
        line = text.count("\n", 0, m.start()) + 1
        problems.append(
            f"{shown}:{line}: math: katex loads its fonts from a CDN and breaks offline "
            "builds; use math: mathjax"
        )
    return Deck(path, lesson_dir, text, tuple(images), tuple(problems))


def _directive_text(text: str) -> str:
    """The front matter and HTML comments (where Marp directives live); blanks elsewhere."""
    spans = [(m.start(), m.end()) for m in _COMMENT.finditer(text)]
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            spans.append((0, end + 4))
    out = list(_blank(text))
    for a, b in spans:
        out[a:b] = text[a:b]
    return "".join(out)


def _local_urls(text: str) -> list[tuple[int, str, int, int]]:
    """(line, url, start, end) of every local image URL outside code; comments: url() only."""
    masked = _mask_code(text)
    comments = [(m.start(), m.end()) for m in _COMMENT.finditer(masked)]

    def in_comment(pos: int) -> bool:
        return any(a <= pos < b for a, b in comments)

    found: dict[int, tuple[int, str, int, int]] = {}
    for rx, everywhere in ((_MD_IMAGE, False), (_HTML_IMG, False), (_CSS_URL, True)):
        for m in rx.finditer(masked):
            if not everywhere and in_comment(m.start()):
                continue
            group = next(g for g in range(1, rx.groups + 1) if m.group(g) is not None)
            url, start, end = m.group(group), m.start(group), m.end(group)
            if _is_remote(url) or start in found:
                continue
            found[start] = (masked.count("\n", 0, start) + 1, url, start, end)
    return [found[k] for k in sorted(found)]


def _mask_code(text: str) -> str:
    """``text`` with fenced code blocks and inline code replaced by spaces (same offsets)."""
    out: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0] * 3
            out.append(_blank(line))
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            out.append(_blank(line))
        else:
            out.append(_INLINE_CODE.sub(lambda c: _blank(c.group(0)), line))
    return "".join(out)


def _blank(s: str) -> str:
    return "".join("\n" if ch == "\n" else " " for ch in s)


def _is_remote(url: str) -> bool:
    scheme = urlsplit(url).scheme.lower()
    return url.startswith("//") or url.startswith("#") or scheme in {"http", "https", "data"}


def _resolve(url: str, base: Path) -> Path:
    parts = urlsplit(url)
    raw = unquote(parts.path) if parts.scheme in ("", "file") else url
    path = Path(raw)
    return Path(os.path.normpath(path if path.is_absolute() else base / path))


def is_inside(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies under it."""
    return path == folder or folder in path.parents


def shown_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it (POSIX), else as it is."""
    return path.relative_to(root).as_posix() if is_inside(path, root) else str(path)


def html_asset_path(image: Path, deck_dir: Path, root: Path) -> str:
    """Where the HTML of a deck finds ``image``, relative to ``build/lesson_NN/``."""
    if is_inside(image, deck_dir):
        return image.relative_to(deck_dir).as_posix()
    return f"{ASSETS_DIR}/{image.relative_to(root).as_posix()}"


def staged_markdown(deck: Deck, fmt: str, root: Path) -> str:
    """The deck's text for Marp: image paths made absolute (PDF/PPTX) or HTML-relative.

    Only URLs change, so line numbers stay those of the source.
    """
    if fmt == "notes" or not deck.images:
        return deck.text
    pieces: list[str] = []
    last = 0
    for ref in deck.images:
        if fmt == "html":
            new = quote(html_asset_path(ref.path, deck.path.parent, root))
        else:
            # A plain absolute path: Chromium loads it; a file:// URL is dropped silently.
            new = quote(ref.path.as_posix())
        pieces.extend((deck.text[last : ref.start], new))
        last = ref.end
    pieces.append(deck.text[last:])
    return "".join(pieces)
