"""Figure labels of the lesson 1-6 decks are readable at slide size.

A slide is 1280x720 px with 64 px side padding, so an image is at most 1152 px wide. Each SVG is
placed with a Marp width (``![w:900 ...]``) or height (``![h:420 ...]``); an SVG font size ``f`` in
viewBox units is rendered at ``f * displayed_width / viewBox_width`` px. The largest glyphs of every
text element must render at 18 px or more, sub- and superscripts at 12.6 px (70 % of 18) or more.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MIN_PX = 18.0
SCRIPT_PX = 0.7 * MIN_PX
CONTENT_WIDTH = 1280 - 2 * 64
PLACEMENT = re.compile(r"!\[([wh]):(\d+)[^\]]*\]\(([^)]+\.svg)\)")


def placements() -> list[tuple[Path, Path, str, int]]:
    """Return (deck, svg, 'w' or 'h', size) for every SVG image of the lesson 1-6 decks."""
    found = []
    for n in range(1, 7):
        for deck in sorted((REPO / f"lessons/lesson_{n:02d}/slides").glob("*.md")):
            for axis, size, rel in PLACEMENT.findall(deck.read_text()):
                found.append((deck, deck.parent / rel, axis, int(size)))
    return found


def font_size(el: ET.Element) -> float | None:
    """Return the font size an element sets itself, or None."""
    value = el.get("font-size")
    return float(value.replace("px", "")) if value else None


def text_sizes(svg: Path) -> tuple[float, float, list[tuple[float, float]]]:
    """Return the viewBox width and height and, per <text>, its (largest, smallest) font size."""
    root = ET.parse(svg).getroot()
    _, _, vbw, vbh = (float(v) for v in root.get("viewBox", "0 0 0 0").split())
    out: list[tuple[float, float]] = []

    def walk(el: ET.Element, size: float | None) -> None:
        size = font_size(el) or size
        if el.tag.rsplit("}", 1)[-1] == "text":
            sizes = [s for s in (font_size(e) or size for e in el.iter()) if s is not None]
            if sizes:
                out.append((max(sizes), min(sizes)))
            return
        for child in el:
            walk(child, size)

    walk(root, font_size(root))
    return vbw, vbh, out


CASES = placements()


def test_every_lesson_1_6_deck_figure_is_checked() -> None:
    assert len(CASES) >= 14


@pytest.mark.parametrize(
    "deck,svg,axis,size",
    CASES,
    ids=[f"{d.parent.parent.name}/{s.name}" for d, s, _, _ in CASES],
)
def test_figure_labels_readable_at_slide_size(deck: Path, svg: Path, axis: str, size: int) -> None:
    vbw, vbh, texts = text_sizes(svg)
    assert texts, f"{svg}: no text found"
    width = size if axis == "w" else size * vbw / vbh
    scale = min(width, CONTENT_WIDTH) / vbw
    small = [
        (round(big * scale, 1), round(low * scale, 1))
        for big, low in texts
        if big * scale < MIN_PX - 0.05 or low * scale < SCRIPT_PX - 0.05
    ]
    assert not small, (
        f"{svg.name} at {axis}:{size}: labels rendered (size, smallest) px {small[:5]}"
    )
