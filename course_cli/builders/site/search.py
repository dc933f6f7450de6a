"""The site's full-text search: a Pagefind index of the built pages (``build/site/pagefind/``).

Planned after the site's pages are built (a follow-up of ``course build site``). Pagefind reads
the part of each page marked ``data-pagefind-body`` (the lesson text, exercises, book extracts,
the home and book pages), so the sidebar's titles do not match every page. The search page
(``search.html``) loads Pagefind's own UI from the site; nothing is fetched from elsewhere.

Browsers refuse ``fetch()`` from ``file://`` pages, and Pagefind loads its index with it, so a
second step writes ``assets/search-index.js``: the same page text (the ``data-pagefind-body``
part without its ``data-pagefind-ignore`` parts and without math), cut at each heading, as one
JavaScript assignment. A ``<script>`` tag may load it from a file; the search page does so when
it is opened as a file and searches it in plain JavaScript (``assets/site-search.js``).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

from course_cli.core.config import Course, Lesson
from course_cli.engine.steps import BuildOptions, BuildStep, Task, key_of

INDEX_DIR = "pagefind"
ENTRY = "pagefind-entry.json"
OFFLINE_INDEX = "assets/search-index.js"
OFFLINE_VERSION = 1


def plan_build(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]:
    """One step: index every HTML page of build/site (rebuilt when a page changes)."""
    site = options.build_dir / "site"
    index = site / INDEX_DIR
    pages = tuple(
        sorted(p for p in site.rglob("*.html") if not p.is_relative_to(index) and p.is_file())
    )
    if not pages:
        return []
    return [
        BuildStep(
            kind="site-search",
            output=index / ENTRY,
            inputs=pages,
            action=_index,
            key=key_of(tool=options.toolbox.identity("pagefind")),
            label=f"site: search index ({len(pages)} pages)",
            payload=(options.toolbox, site),
        ),
        BuildStep(
            kind="site-search-offline",
            output=site / OFFLINE_INDEX,
            inputs=pages,
            action=_offline_index,
            key=key_of(version=OFFLINE_VERSION),
            label=f"site: offline search index ({len(pages)} pages)",
            payload=site,
        ),
    ]


def _index(tasks: Sequence[Task]) -> None:
    for task in tasks:
        toolbox, site = task.step.payload
        index = site / INDEX_DIR
        if index.is_dir():
            shutil.rmtree(index)  # fragments of deleted pages must not stay findable
        toolbox.run("pagefind", ["--site", site, "--output-subdir", INDEX_DIR, "--quiet"])
        shutil.copyfile(index / ENTRY, task.out())


def search_dir(site: Path) -> Path:
    """Where the index of ``site`` is."""
    return site / INDEX_DIR


# -- the index a page opened from a file can load ------------------------------------------

_SKIPPED = {"script", "style", "svg", "template", "noscript", "mjx-container", "iframe"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
_HEADINGS = {"h1", "h2", "h3", "h4"}
#: elements whose edges separate words ("is<br>the" reads "is the")
_BREAKS = {
    "br",
    "p",
    "li",
    "div",
    "td",
    "th",
    "tr",
    "section",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "figcaption",
    "summary",
    "details",
    "ul",
    "ol",
    "table",
    "article",
    "aside",
}


class _PageText(HTMLParser):
    """The searchable text of one page, cut at headings: what Pagefind would index."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, opens the body, hides its text)
        self.in_body = 0
        self.hidden = 0
        self.heading: tuple[str, str] | None = None  # (tag, id) of the heading being read
        self.heading_text: list[str] = []
        self.title = ""
        self.sections: list[dict[str, str]] = [{"id": "", "heading": "", "text": ""}]
        self.has_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.handle_data(" ")
        if tag in _VOID:
            return
        names = dict(attrs)
        classes = (names.get("class") or "").split()
        opens = "data-pagefind-body" in names
        hides = (
            tag in _SKIPPED
            or "data-pagefind-ignore" in names
            or "math" in classes
            or "heading-anchor" in classes
            or "anchor-link" in classes  # nbconvert's ¶ after each heading
        )
        self.stack.append((tag, opens, hides))
        if opens:
            self.in_body += 1
            self.has_body = True
        if hides:
            self.hidden += 1
        if tag in _HEADINGS and self.in_body and not self.hidden:
            self.heading = (tag, names.get("id") or "")
            self.heading_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKS:
            self.handle_data(" ")
        if tag in _VOID or not any(t == tag for t, _, _ in self.stack):
            return
        while self.stack:
            name, opens, hides = self.stack.pop()
            if opens:
                self.in_body -= 1
            if hides:
                self.hidden -= 1
            if name == tag:
                break
        if self.heading and tag == self.heading[0]:
            text = " ".join("".join(self.heading_text).split())
            if not self.title and tag == "h1":
                self.title = text
            self.sections.append({"id": self.heading[1], "heading": text, "text": ""})
            self.heading = None

    def handle_data(self, data: str) -> None:
        if not self.in_body or self.hidden:
            return
        if self.heading:
            self.heading_text.append(data)
        else:
            self.sections[-1]["text"] += data


def page_entry(html: str, url: str) -> dict[str, object] | None:
    """One page of the offline index: its url, title and sections (None: not searchable)."""
    parser = _PageText()
    parser.feed(html)
    parser.close()
    if not parser.has_body:
        return None
    sections = []
    for section in parser.sections:
        text = " ".join(section["text"].split())
        if text or section["heading"]:
            sections.append({**section, "text": text})
    if not sections:
        return None
    title = parser.title or next((s["heading"] for s in sections if s["heading"]), url)
    return {"url": url, "title": title, "sections": sections}


def offline_index(site: Path, pages: Sequence[Path]) -> str:
    """The JavaScript of ``assets/search-index.js`` for ``pages`` of ``site``."""
    entries = []
    for page in pages:
        entry = page_entry(
            page.read_text(encoding="utf-8", errors="replace"), page.relative_to(site).as_posix()
        )
        if entry is not None:
            entries.append(entry)
    data = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    # "</" cannot end a script element that is never inline, but keep the file safe to inline.
    return "window.COURSE_SEARCH_INDEX = " + data.replace("</", "<\\/") + ";\n"


def _offline_index(tasks: Sequence[Task]) -> None:
    for task in tasks:
        site = task.step.payload
        task.out().write_text(offline_index(site, task.step.inputs), encoding="utf-8")
