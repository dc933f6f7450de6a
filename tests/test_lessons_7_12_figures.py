"""Figure labels of the lesson 7-12 decks are readable at slide size.

A slide is 1280x720 px. Each SVG figure is placed with a Marp width (``![w:900 ...]``), so an SVG
font size ``f`` in viewBox units is rendered at ``f * width / viewBox_width`` px. Every text element
must render at 18 px or more; within one text element, smaller glyphs (sub- and superscripts of
mathematical labels, drawn at 70 % by matplotlib) must render at 12.6 px (70 % of 18) or more.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MIN_PX = 18.0
SCRIPT_PX = 0.7 * MIN_PX
SIZE = re.compile(r"font-size:\s*([\d.]+)px|font:\s*(?:[a-z]+\s+)*([\d.]+)px")


def placements() -> list[tuple[Path, Path, int]]:
    """Return (deck, svg, display width) for every SVG image of the lesson 7-12 decks."""
    found = []
    for n in range(7, 13):
        for deck in sorted((REPO / f"lessons/lesson_{n:02d}/slides").glob("*.md")):
            for width, rel in re.findall(r"!\[w:(\d+)[^\]]*\]\(([^)]+\.svg)\)", deck.read_text()):
                found.append((deck, deck.parent / rel, int(width)))
    return found


def own_size(el: ET.Element) -> float | None:
    """Return the font size an element sets itself (attribute or style), or None."""
    if el.get("font-size"):
        return float(el.get("font-size", "0").replace("px", ""))
    m = SIZE.search(el.get("style", ""))
    if m:
        return float(m.group(1) or m.group(2))
    return None


def text_sizes(svg: Path) -> tuple[float, list[tuple[float, float]]]:
    """Return the viewBox width and, per <text> element, (largest, smallest) font size inside it."""
    root = ET.parse(svg).getroot()
    vbw = float(root.get("viewBox", "0 0 0 0").split()[2])
    inherited: dict[ET.Element, float] = {}
    out = []

    def walk(el: ET.Element, size: float | None) -> None:
        size = own_size(el) or size
        if el.tag.endswith("}text") or el.tag == "text":
            sizes = [s for s in (own_size(e) or size for e in el.iter()) if s is not None]
            if sizes:
                out.append((max(sizes), min(sizes)))
            return
        for child in el:
            walk(child, size)

    walk(root, own_size(root))
    del inherited
    return vbw, out


CASES = placements()


def test_every_lesson_7_12_deck_figure_is_checked() -> None:
    assert len(CASES) >= 12


@pytest.mark.parametrize(
    "deck,svg,width", CASES, ids=[f"{d.parent.parent.name}/{d.stem}/{s.name}" for d, s, _ in CASES]
)
def test_figure_labels_readable_at_slide_size(deck: Path, svg: Path, width: int) -> None:
    vbw, texts = text_sizes(svg)
    assert texts, f"{svg}: no text found"
    scale = width / vbw
    small = [
        (round(big * scale, 1), round(low * scale, 1))
        for big, low in texts
        if big * scale < MIN_PX - 0.05 or low * scale < SCRIPT_PX - 0.05
    ]
    assert not small, (
        f"{svg.name} at w:{width}: labels rendered (size, smallest glyph) px {small[:5]}"
    )
