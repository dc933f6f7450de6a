"""Markdown rules: local links and images resolve, #anchors exist, alt text, empty links.

Links are found in the document's ``prose`` view (code, comments, HTML blocks and math
blanked), so a ``[x](y)`` inside code or a formula is never taken for a link. Anchors follow
GitHub's slug rules; explicit ``id=``/``name=`` attributes and pandoc ``{#id}`` count too.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from course_cli.check.context import CheckContext
from course_cli.check.findings import Finding
from course_cli.check.source import Doc

MARKDOWN_SUFFIXES = (".md", ".mdx", ".markdown")
PLACEHOLDER_TARGETS = frozenset({"tbd", "tba", "todo", "fixme", "xxx", "link", "url", "..."})
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")
_TEMPLATED_RE = re.compile(r"\{\{|\{%|\$\{")
_REFDEF_RE = re.compile(r"^ {0,3}\[([^\]\^][^\]]*)\]:[ \t]*(?:\n[ \t]*)?(<[^>\n]*>|\S+)", re.M)
_HTML_REF_RE = re.compile(
    r"<(img|a|source|video|audio)\b([^>]*?)\b(src|href)\s*=\s*(\"[^\"]*\"|'[^']*')([^>]*)>",
    re.I | re.S,
)
_CITE_GROUP_RE = re.compile(r"\[[^\[\]\n]*@[^\[\]\n]*\]")
_CITE_KEY_RE = re.compile(r"(?<![\w@])-?@([A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*[\w])?)")
_BIB_KEY_RE = re.compile(
    r"^\s*@(?!comment\b|string\b|preamble\b)\w+\s*[{(]\s*([^,\s]+)\s*,", re.M | re.I
)
_UNESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark backslash escapes
_CSS_COLOR_RE = re.compile(
    r"^(?:#[0-9a-f]{3,8}|(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(.*\)|[a-z]+)$", re.I | re.S
)
_ALT_RE = re.compile(r"\balt\s*=", re.I)
_MARP_IMAGE_WORD_RE = re.compile(
    r"^(?:bg|left|right|fit|cover|contain|auto|vertical|\d+(?:\.\d+)?%|"
    r"(?:w|h|width|height|blur|brightness|contrast|drop-shadow|grayscale|hue-rotate|invert|"
    r"opacity|saturate|sepia|sizing)(?::.*)?)$",
    re.I,
)


@dataclass(frozen=True)
class Link:
    """A Markdown link or image: where it starts, its text, its target and where that starts."""

    offset: int
    image: bool
    text: str
    target: str
    target_offset: int


def iter_links(text: str) -> Iterator[Link]:
    """Yield every inline link and image of ``text`` (a prose view), nested ones included."""
    n = len(text)
    for i, close in _bracket_pairs(text):
        if close + 1 < n and text[close + 1] == "(":
            parsed = _destination(text, close + 2)
            if parsed is not None:
                target, target_at = parsed
                image = i > 0 and text[i - 1] == "!" and not _escaped(text, i - 1)
                yield Link(i - 1 if image else i, image, text[i + 1 : close], target, target_at)


def _escaped(text: str, pos: int) -> bool:
    n = 0
    while pos > 0 and text[pos - 1] == "\\":
        n += 1
        pos -= 1
    return n % 2 == 1


_BRACKET_RE = re.compile(r"\\.|[\[\]]|\n[ \t]*\n", re.S)


def _bracket_pairs(text: str) -> list[tuple[int, int]]:
    """Return (open, close) offsets of matching [ ] pairs within paragraphs, by open offset.

    One pass with a stack, so a line of thousands of brackets stays linear.
    """
    pairs = []
    stack: list[int] = []
    for m in _BRACKET_RE.finditer(text):
        token = m.group()
        if token == "[":
            stack.append(m.start())
        elif token == "]":
            if stack:
                pairs.append((stack.pop(), m.start()))
        elif token.startswith("\n"):
            stack.clear()  # a blank line ends the paragraph
    pairs.sort()
    return pairs


def _destination(text: str, pos: int) -> tuple[str, int] | None:
    n = len(text)
    while pos < n and text[pos] in " \t":
        pos += 1
    if pos < n and text[pos] == "\n":
        pos += 1
        while pos < n and text[pos] in " \t":
            pos += 1
    start = pos
    if pos < n and text[pos] == "<":
        end = text.find(">", pos)
        if end < 0 or "\n" in text[pos:end]:
            return None
        target, pos = text[pos + 1 : end], end + 1
    else:
        depth = 0
        while pos < n:
            c = text[pos]
            if c == "\\":
                pos += 2
                continue
            if c.isspace():
                break
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    break
                depth -= 1
            pos += 1
        target = text[start:pos]
    while pos < n and text[pos] in " \t\n":
        pos += 1
    if pos < n and text[pos] in "\"'(":
        closer = ")" if text[pos] == "(" else text[pos]
        end = text.find(closer, pos + 1)
        if end < 0:
            return None
        pos = end + 1
        while pos < n and text[pos] in " \t\n":
            pos += 1
    if pos < n and text[pos] == ")":
        return target, start
    return None


# --- the rules -------------------------------------------------------------------------------


def check_markdown(doc: Doc, ctx: CheckContext, *, deck: bool = False) -> list[Finding]:
    """Run the Markdown rules (L001–L005) over one document; returns the findings."""
    out: list[Finding] = []
    for link in iter_links(doc.prose):
        if deck and _marp_special(link):
            continue
        out.extend(check_target(doc, ctx, link.target, link.target_offset, link.image))
        if link.image and not _has_alt(link.text, deck):
            message = "image has no alt text"
            if deck and link.text.strip():
                message += f" (Marp keywords such as {link.text.split()[0]} are not alt text)"
            out.append(
                doc.finding(
                    "L004",
                    link.offset,
                    message,
                    "describe the image inside ![…]( … ) for readers who cannot see it",
                )
            )
    for m in _REFDEF_RE.finditer(doc.prose):
        out.extend(check_target(doc, ctx, m.group(2), m.start(2), False))
    for m in _HTML_REF_RE.finditer(doc.visible):
        tag, attr = m.group(1).lower(), m.group(3).lower()
        value = m.group(4)[1:-1]
        image = tag != "a"
        out.extend(check_target(doc, ctx, value, m.start(4) + 1, image))
        if tag == "img" and attr == "src" and not _ALT_RE.search(m.group(2) + m.group(5)):
            out.append(
                doc.finding(
                    "L004",
                    m.start(),
                    "<img> has no alt attribute",
                    'add alt="…" describing the image',
                )
            )
    return out


def _marp_special(link: Link) -> bool:
    """True for deck syntax that is not a file: ``![bg](#fff)`` colours, ``[…](#3)`` slide links."""
    target = link.target.strip()
    if link.image:
        return bool(_CSS_COLOR_RE.match(target)) and (target.endswith(")") or "." not in target)
    return target.startswith("#") and target[1:].isdigit()


def _has_alt(text: str, deck: bool) -> bool:
    words = text.split()
    if not deck:
        return bool(words)
    rest = [w for w in words if not _MARP_IMAGE_WORD_RE.match(w)]
    return bool(rest) or any(w.lower() == "bg" for w in words)  # a background is decorative


def check_target(doc: Doc, ctx: CheckContext, raw: str, offset: int, image: bool) -> list[Finding]:
    """L001/L002/L003/L005 for one link or image target found at ``offset`` of ``doc``."""
    target = raw.strip()
    if target.startswith("<") and target.endswith(">"):
        target = target[1:-1].strip()
    what = "image" if image else "link"
    if not target:
        return [
            doc.finding(
                "L005",
                offset,
                f"{what} has an empty target",
                "point it at a file or URL, or remove it",
            )
        ]
    if target.lower() in PLACEHOLDER_TARGETS:
        return [
            doc.finding(
                "L005",
                offset,
                f"{what} target is a placeholder: {target}",
                "replace the placeholder with the real file or URL",
            )
        ]
    if _SCHEME_RE.match(target) or _TEMPLATED_RE.search(target):
        return []
    target = _UNESCAPE_RE.sub(r"\1", target)
    path_part, _, fragment = target.partition("#")
    path_part = unquote(path_part.split("?", 1)[0])
    fragment = unquote(fragment)
    if not path_part:
        return _check_anchor(doc, ctx, doc.path, fragment, offset, target) if fragment else []
    site = ctx.site_root or ctx.root
    base = site if path_part.startswith("/") else doc.path.parent
    resolved = Path(os.path.normpath(base / path_part.lstrip("/")))
    ctx.note(resolved)
    if not os.path.exists(resolved):
        if any(resolved.is_relative_to(folder) for folder in ctx.generated):
            return []  # a build output (build/…): made by `course build`, not a source
        ctx.note(Path(f"{resolved}.mdx"))
        if doc.path.suffix == ".mdx" and os.path.exists(f"{resolved}.mdx"):
            return []  # doc-site routes drop the suffix
        if ctx.is_dropped(resolved):
            return []
        code = "L002" if image else "L001"
        ctx.note(resolved.parent)  # the hint lists its files
        return [
            doc.finding(
                code,
                offset,
                f"{what} target does not exist: {path_part}",
                _missing_hint(resolved, path_part),
            )
        ]
    if fragment and resolved.suffix.lower() in MARKDOWN_SUFFIXES and resolved.is_file():
        return _check_anchor(doc, ctx, resolved, fragment, offset, target)
    return []


def _missing_hint(resolved: Path, raw: str) -> str:
    folder = resolved.parent
    try:
        if folder.is_dir():
            import difflib

            names = [p.name for p in folder.iterdir()]
            close = difflib.get_close_matches(resolved.name, names, n=1, cutoff=0.8)
            if close:
                return f"did you mean {close[0]}? (paths are relative to this file)"
    except OSError:
        pass
    return "paths are relative to the file that holds the link"


def _check_anchor(
    doc: Doc, ctx: CheckContext, path: Path, fragment: str, offset: int, target: str
) -> list[Finding]:
    anchors = ctx.anchors(path)
    if anchors is None or not fragment:
        return []
    key = fragment.lower()
    if key in anchors or key.removeprefix("user-content-") in anchors:
        return []
    where = "this file" if path == doc.path else ctx.rel(path)
    import difflib

    close = difflib.get_close_matches(key, sorted(anchors), n=1, cutoff=0.6)
    hint = f"did you mean #{close[0]}?" if close else "link to a heading's GitHub anchor"
    return [doc.finding("L003", offset, f"anchor #{fragment} does not exist in {where}", hint)]


def read_bib_keys(path: Path) -> frozenset[str] | None:
    """Return the entry keys of a BibTeX file, or None when it cannot be read."""
    try:
        return frozenset(_BIB_KEY_RE.findall(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return None


def check_citations(doc: Doc, ctx: CheckContext) -> list[Finding]:
    """L006: pandoc citations ``[@key]``, ``[see @a; @b, p. 3]`` whose key refs.bib lacks."""
    keys = ctx.bib_keys
    if keys is None:
        return []
    out = []
    for group in _CITE_GROUP_RE.finditer(doc.prose):
        if group.end() < len(doc.prose) and doc.prose[group.end()] == "(":
            continue  # [text @x](url) is a link
        for m in _CITE_KEY_RE.finditer(group.group()):
            if m.group(1) not in keys:
                close = difflib.get_close_matches(m.group(1), sorted(keys), n=1, cutoff=0.75)
                hint = f"did you mean @{close[0]}?" if close else f"add the entry to {ctx.bib_path}"
                out.append(
                    doc.finding(
                        "L006",
                        group.start() + m.start(1) - 1,
                        f"citation @{m.group(1)} is not in {ctx.bib_path}",
                        hint,
                    )
                )
    return out
