"""Anchors a Markdown document defines: GitHub and pandoc heading slugs, ``id=``/``name=``
attributes and ``{#id}`` attribute blocks. Read by link checks (``L003``) for any file a link
points into.
"""

from __future__ import annotations

import re
import unicodedata

from course_cli.check.source import Doc

_ID_RE = re.compile(r"\b(?:id|name)\s*=\s*[\"']([^\"']+)[\"']", re.I)
_ATTR_ID_RE = re.compile(r"\{[^{}\n]*#([\w:.-]+)[^{}\n]*\}")


def github_slug(text: str) -> str:
    """Return GitHub's anchor for a heading's text (github-slugger rules, before de-duplication)."""
    plain = _plain_heading(text).lower()
    kept = []
    for ch in plain:
        cat = unicodedata.category(ch)
        if ch in " -" or cat[0] in "LMN" or cat == "Pc":
            kept.append(ch)
    return "".join(kept).replace(" ", "-")


def pandoc_slug(text: str) -> str:
    """Return pandoc's auto identifier for a heading (so pandoc-built conspects link right)."""
    plain = _plain_heading(text).lower()
    kept = "".join(ch for ch in plain if ch.isalnum() or ch in "_-. " or ch.isspace())
    slug = re.sub(r"\s+", "-", kept.strip())
    return re.sub(r"^[^a-z]+", "", slug) or "section"


def _plain_heading(text: str) -> str:
    text = _ATTR_ID_RE.sub("", text)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\[[^\]]*\]", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"(?<![\w\\])_+|_+(?!\w)", "", text)
    return text.strip()


def doc_anchors(doc: Doc) -> frozenset[str]:
    """Return the anchors of a document: heading slugs (GitHub, de-duplicated; pandoc) and ids."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for heading in doc.headings:
        slug = github_slug(heading.text)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
        anchors.add(pandoc_slug(heading.text))
    anchors.update(m.group(1) for m in _ID_RE.finditer(doc.nocode))
    anchors.update(m.group(1) for m in _ATTR_ID_RE.finditer(doc.nocode))
    return frozenset(a.lower() for a in anchors)
