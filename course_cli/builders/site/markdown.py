"""Markdown to HTML for the course site: GitHub-like headings, tables, math kept for MathJax.

Math (``$…$``, ``$$…$$``) is emitted as ``\\(…\\)`` and ``\\[…\\]`` inside elements of class
``math`` — the only places the site's MathJax looks — so a literal ``$ 17.83`` stays text.
A pandoc fenced div ``::: solution`` … ``:::`` (also ``::: {.solution}``) becomes a collapsed
``<details class="solution">`` block with the summary "Solution", or is left out.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable
from typing import Any

SOLUTION_RE = re.compile(r"^\s*(?:solution|\{\s*\.solution\s*\})\s*$")

_SLUG_DROP = re.compile(r"[^\w\- ]", re.UNICODE)


def github_slug(text: str, seen: dict[str, int]) -> str:
    """Return GitHub's anchor for a heading text (lower case, punctuation dropped, - for spaces)."""
    base = _SLUG_DROP.sub("", text.strip().lower()).replace(" ", "-")
    n = seen.get(base, 0)
    seen[base] = n + 1
    return base if n == 0 else f"{base}-{n}"


_PARSERS = threading.local()


def _parser() -> Any:
    """This thread's Markdown parser and renderer, made once per thread: making one (the
    rules, their regular expressions, the plugins) costs more than parsing a lesson page."""
    md = getattr(_PARSERS, "md", None)
    if md is None:
        md = _PARSERS.md = _make_parser()
    return md


def _make_parser() -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.container import container_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark", {"html": True, "typographer": False}).enable("table")
    md.enable("strikethrough")
    front_matter_plugin(md)
    dollarmath_plugin(md, allow_space=False, allow_digits=False, double_inline=True)
    container_plugin(md, "solution", validate=lambda params, *_: bool(SOLUTION_RE.match(params)))
    renderer: Any = md.renderer  # markdown-it's HTML renderer (its protocol lacks ``rules``)
    rules = renderer.rules
    rules["math_inline"] = lambda t, i, o, e: (
        f'<span class="math">\\({html.escape(t[i].content)}\\)</span>'
    )
    rules["math_inline_double"] = lambda t, i, o, e: (
        f'<div class="math">\\[{html.escape(t[i].content)}\\]</div>'
    )
    rules["math_block"] = lambda t, i, o, e: (
        f'<div class="math">\\[{html.escape(t[i].content)}\\]</div>\n'
    )
    rules["math_block_label"] = lambda t, i, o, e: (
        f'<div class="math" id="{html.escape(t[i].info)}">\\[{html.escape(t[i].content)}\\]</div>\n'
    )
    rules["front_matter"] = lambda t, i, o, e: ""
    rules["container_solution_open"] = lambda t, i, o, e: (
        '<details class="solution">\n<summary>Solution</summary>\n'
    )
    rules["container_solution_close"] = lambda t, i, o, e: "</details>\n"
    return md


def _drop_solutions(tokens: list[Any]) -> list[Any]:
    """The tokens without the ``::: solution`` containers (and everything inside them)."""
    out, depth = [], 0
    for tok in tokens:
        if tok.type == "container_solution_open":
            depth += 1
        elif tok.type == "container_solution_close":
            depth -= 1
        elif depth == 0:
            out.append(tok)
    return out


def _rewrite_links(children: list[Any], rewrite_href: Callable[[str], str | None]) -> None:
    """Rewrite hrefs in place; a link whose target is not available becomes a plain span."""
    stack: list[bool] = []
    for child in children:
        if child.type == "link_open":
            new = rewrite_href(str(child.attrGet("href") or ""))
            stack.append(new is None)
            if new is None:
                child.tag, child.attrs = "span", {"class": "missing-link"}
            else:
                child.attrSet("href", new)
        elif child.type == "link_close" and stack and stack.pop():
            child.tag = "span"
        elif child.type == "image":
            new = rewrite_href(str(child.attrGet("src") or ""))
            if new is not None:
                child.attrSet("src", new)


def render_markdown(
    text: str,
    rewrite_href: Callable[[str], str | None] | None = None,
    *,
    solutions: bool = True,
) -> str:
    """Return the HTML body for Markdown ``text``; local links pass through ``rewrite_href``.

    ``::: solution`` blocks become collapsed ``<details>`` blocks, or are left out when
    ``solutions`` is false.
    """
    md = _parser()
    tokens = md.parse(text)
    if not solutions:
        tokens = _drop_solutions(tokens)
    seen: dict[str, int] = {}
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and i + 1 < len(tokens):
            tok.attrSet("id", github_slug(tokens[i + 1].content, seen))
        if rewrite_href and tok.children:
            _rewrite_links(tok.children, rewrite_href)
    from course_cli.builders.site.safe import sanitize

    # Raw HTML in the Markdown passes markdown-it untouched: clean the whole body.
    return sanitize(str(md.renderer.render(tokens, md.options, {})))


def local_targets(text: str) -> list[str]:
    """Return the local (relative) link and image targets of Markdown ``text``, in order."""
    out = []
    for tok in _parser().parse(text):
        for child in tok.children or []:
            href = child.attrGet("href") if child.type == "link_open" else None
            if child.type == "image":
                href = child.attrGet("src")
            if href and "://" not in str(href) and not str(href).startswith(("#", "mailto:", "/")):
                out.append(str(href))
    return out


_GFM_INLINE = re.compile(r"\$`(.+?)`\$")
_GFM_BLOCK = re.compile(r"^``` ?math\n(.*?)\n```$", re.MULTILINE | re.DOTALL)


def gfm_math_to_dollars(text: str) -> str:
    """Turn GitHub's math syntax (pandoc's gfm writer: $`x`$ and ```math blocks) into $ and $$."""
    text = _GFM_BLOCK.sub(lambda m: f"$$\n{m.group(1)}\n$$", text)
    return _GFM_INLINE.sub(lambda m: f"${m.group(1)}$", text)


_HEADING_RE = re.compile(r'<h([1-4]) id="([^"]+)">(.*?)</h\1>', re.DOTALL)
_LINK_TAG_RE = re.compile(r"</?a\b[^>]*>")


def heading_anchors(body: str) -> tuple[str, list[tuple[int, str, str]]]:
    """``body`` with a "#" link after the text of each heading that has an id, and the page's
    table of contents: (level, id, inner HTML without links) of its h2 and h3 headings."""
    toc: list[tuple[int, str, str]] = []

    def add(m: re.Match[str]) -> str:
        level, anchor, inner = int(m.group(1)), m.group(2), m.group(3)
        if level in (2, 3):
            toc.append((level, anchor, _LINK_TAG_RE.sub("", inner).strip()))
        link = (
            f'<a class="heading-anchor" href="#{anchor}" aria-label="Link to this section" '
            "data-pagefind-ignore>#</a>"
        )
        return f'<h{level} id="{anchor}">{inner}{link}</h{level}>'

    return _HEADING_RE.sub(add, body), toc


_MATERIALS_ITEM = re.compile(
    r"^[-*] (?:Slides|Conspect|Book extract|(?:Lab )?[Nn]otebooks?|Exercises|Reading)\b[^:\n]*: "
    r".*\]\((?!https?:)[^)]*\)"
)


def drop_materials_list(text: str) -> str:
    """A lesson README without its list of materials under the title (lines such as
    ``- Slides: [slides/slides.md](slides/slides.md)``): the lesson page shows the built
    materials by their titles, so the repository paths are not repeated to students."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    in_intro = True
    for line in lines:
        if line.startswith("## "):
            in_intro = False
        if in_intro and _MATERIALS_ITEM.match(line):
            continue
        out.append(line)
    return "".join(out)
