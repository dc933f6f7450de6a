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

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from course_cli.core.config import Course, Lesson
from course_cli.core.fs import atomic_write
from course_cli.engine.steps import BuildOptions, BuildStep, Task, key_of

INDEX_DIR = "pagefind"
ENTRY = "pagefind-entry.json"
OFFLINE_INDEX = "assets/search-index.js"
OFFLINE_VERSION = 2
#: what Pagefind is given of each page (see :func:`_without_unread`)
LIGHT_VERSION = 4
#: the light copies and offline entries of the last index's pages (see :class:`_PageCache`)
CACHE_NAME = "search-pages.json"
#: beside it: the light copies Pagefind indexes, kept between builds
COPIES_DIR = "search-site"
#: the attribute that marks the part of a page Pagefind indexes
BODY_MARK = "data-pagefind-body"
_PAGE_CACHE_VERSION = 3


def plan_build(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]:
    """One step: index every HTML page of build/site for Pagefind and for pages opened from a
    file (rebuilt when a page changes)."""
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
            extra_outputs=(site / OFFLINE_INDEX,),
            inputs=pages,
            action=_index,
            key=key_of(
                tool=options.toolbox.identity("pagefind"),
                offline=OFFLINE_VERSION,
                light=LIGHT_VERSION,
            ),
            label=f"site: search index ({len(pages)} pages)",
            payload=(options.toolbox, site, options.build_dir / ".cache" / CACHE_NAME),
        )
    ]


def _index(tasks: Sequence[Task]) -> None:
    """Read every page once: what it shows a search (math, glyph outlines and the sidebar
    left out) goes to Pagefind as a lighter copy of the page, and its text to the offline
    index."""
    for task in tasks:
        _index_site(task)


def _index_site(task: Task) -> None:
    toolbox, site, cache_file = task.step.payload
    cache = _PageCache(cache_file)
    pages = [cache.page(page, page.relative_to(site).as_posix()) for page in task.step.inputs]
    entries = [p.entry for p in pages if p.entry is not None]
    if any(p.marked for p in pages):
        # Pagefind indexes only the marked pages once one is marked: leave the rest out
        pages = [p for p in pages if p.marked]
    copies = cache_file.with_name(COPIES_DIR)
    with contextlib.suppress(OSError):
        cache.sync_copies(copies, pages)
    index = site / INDEX_DIR
    # fragments of deleted pages must not stay findable: the last index is moved aside and
    # deleted, and the offline index written, while Pagefind runs
    old = _moved_aside(index, cache_file.with_name("pagefind-old"))
    offline = task.out(site / OFFLINE_INDEX)

    def meanwhile() -> None:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        cache.save()
        offline.write_text(_script(entries), encoding="utf-8")

    with contextlib.ExitStack() as stack:
        if not cache.synced:  # an unwritable cache: the copies go to a temporary folder
            copies = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="course-")))
            for page in pages:
                page.write_light(copies)
        with ThreadPoolExecutor(max_workers=1) as pool:
            side = pool.submit(meanwhile)
            toolbox.run("pagefind", ["--site", copies, "--output-path", index, "--quiet"])
            side.result()
    shutil.copyfile(index / ENTRY, task.out())


def _moved_aside(folder: Path, aside: Path) -> Path | None:
    """Move ``folder`` (when there is one) to ``aside`` and return where it is now; delete it
    at once (None) when it cannot be moved."""
    if not folder.is_dir():
        return None
    try:
        if aside.is_dir():
            shutil.rmtree(aside)  # of a killed run
        folder.rename(aside)
    except OSError:  # an unwritable cache
        shutil.rmtree(folder)
        return None
    return aside


def _page_cache_version() -> str:
    """What a kept light copy and entry were made by (any change empties the cache)."""
    return f"{_PAGE_CACHE_VERSION}.{LIGHT_VERSION}.{OFFLINE_VERSION}"


def search_dir(site: Path) -> Path:
    """Where the index of ``site`` is."""
    return site / INDEX_DIR


@dataclass
class _Page:
    """One page of the index: ``key`` (its URL and a hash of its bytes), whether it has a
    part marked for Pagefind, its offline entry (None: not searchable) and, once made, its
    light copy."""

    path: Path
    url: str
    key: str
    marked: bool
    entry: dict[str, object] | None
    light: str | None = None

    def light_copy(self) -> str:
        """What Pagefind is given of the page (made from the page when not made yet)."""
        if self.light is None:
            self.light = _without_unread(self.path.read_bytes().decode("utf-8", errors="replace"))
        return self.light

    def write_light(self, folder: Path) -> Path:
        copy = folder / self.url
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(self.light_copy(), encoding="utf-8")
        return copy


class _PageCache:
    """``build/.cache/search-pages.json``: for each page (by URL and a hash of its bytes)
    whether it is marked for Pagefind and the offline entry made from it, so that a forced
    build, whose pages come out byte for byte as before, parses none of them again. Holds the
    pages of the last index only; an unreadable or foreign file is ignored.

    The light copies Pagefind reads stay in ``build/.cache/search-site/`` between builds, each
    rewritten only when its page changed (or the file is not the one written: its size and
    modification time are kept); making hundreds of files and folders anew cost more than
    Pagefind's own work."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.old: dict[str, list[object]] = {}
        self.new: dict[str, list[object]] = {}
        self.old_copies: dict[str, list[object]] = {}
        self.copies: dict[str, list[object]] = {}  # url -> [page key, size, mtime_ns]
        self.synced = False
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("version") == _page_cache_version():
                self.old = dict(data["pages"])
                self.old_copies = dict(data.get("copies") or {})
        except (OSError, ValueError, KeyError, TypeError):
            self.old, self.old_copies = {}, {}

    def page(self, path: Path, url: str) -> _Page:
        """The page at ``path`` (``url`` in the site), parsed only when its bytes are new."""
        raw = path.read_bytes()
        key = f"{url}\0{hashlib.sha256(raw).hexdigest()}"
        found = self.old.get(key)
        if isinstance(found, list) and len(found) == 2 and isinstance(found[0], bool):
            marked, entry, light = found[0], found[1], None
        else:
            light = _without_unread(raw.decode("utf-8", errors="replace"))
            marked, entry = BODY_MARK in light, _entry(light, url)
        self.new[key] = [marked, entry]
        entry = entry if isinstance(entry, dict) else None
        return _Page(path, url, key, marked, entry, light)

    def sync_copies(self, folder: Path, pages: Sequence[_Page]) -> None:
        """Make ``folder`` hold exactly the light copies of ``pages``: write those whose page
        changed, delete the others. Raises OSError (``synced`` stays False) when the folder
        cannot be written."""
        kept = set()
        for page in pages:
            copy = folder / page.url
            was = self.old_copies.get(page.url)
            if was is not None and was[0] == page.key:
                try:
                    st = copy.stat()
                except OSError:
                    st = None
                if st is not None and [st.st_size, st.st_mtime_ns] == was[1:]:
                    self.copies[page.url] = was
                    kept.add(copy)
                    continue
            st = page.write_light(folder).stat()
            self.copies[page.url] = [page.key, st.st_size, st.st_mtime_ns]
            kept.add(copy)
        for dirpath, _, filenames in os.walk(folder, topdown=False):
            here = Path(dirpath)
            for name in filenames:
                if here / name not in kept:
                    (here / name).unlink()
            if here != folder and not os.listdir(here):
                here.rmdir()
        self.synced = True

    def save(self) -> None:
        data = {"version": _page_cache_version(), "pages": self.new, "copies": self.copies}
        if self.new == self.old and self.copies == self.old_copies:
            return  # a forced build of unchanged pages: nothing to write
        with contextlib.suppress(OSError):  # an unwritable cache: the next index reads again
            atomic_write(self.path, json.dumps(data, ensure_ascii=False))


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


#: subtrees whose text the index never reads: typeset math and the glyph outlines (hidden
#: wherever they are) and the sidebar before the indexed part (every page lists every lesson)
_ATTRS = r"""(?:[^>"']|"[^"]*"|'[^']*')*>"""
_UNREAD = re.compile(
    rf"(<mjx-container\b{_ATTRS})(.*?)</mjx-container>"
    rf"|(<svg\b{_ATTRS})(.*?)</svg>"
    rf'|(<nav id="sidebar"{_ATTRS})(.*?)</nav>',
    re.DOTALL,
)
#: nbconvert's link after each heading of a notebook page
_ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="#[^"<>]*">¶</a>')
#: the source of an image embedded in the page (a notebook's plots: hundreds of KB of base64)
_DATA_SRC = re.compile(
    r"""(<img\b(?:[^>"']|"[^"]*"|'[^']*')*?)\s+src\s*=\s*(?:"data:[^"]*"|'data:[^']*')""",
    re.IGNORECASE,
)
_TAG = re.compile(r"""<(/?)([a-zA-Z][^\s/>"']*)([^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)>""")


def _balanced(inner: str) -> bool:
    """Whether ``inner`` is text and well-nested tags only (no comment, script, stray ``<``):
    then the page's parser leaves its stack as it found it, whatever the tags are."""
    if "data-pagefind-body" in inner:
        return False
    if "<" in _TAG.sub("", inner):
        return False
    stack: list[str] = []
    for closing, name, attrs in _TAG.findall(inner):
        name = name.lower()
        if name in {"script", "style"}:
            return False
        if name in _VOID or (attrs.endswith("/") and not closing):
            continue
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def _math(index: int, inner: str) -> bool:
    """Whether a matched subtree is typeset math as the site's math step writes it (MathJax
    serialises a tree: its tags nest), which spares :func:`_balanced` the most of the page."""
    return index == 1 and not any(
        mark in inner for mark in ("<!--", "<script", "<style", "data-pagefind-body", "<mjx-c")
    )


def _without_unread(html: str) -> str:
    """``html`` with the insides of the subtrees :data:`_UNREAD` emptied when that cannot
    change what :class:`_PageText` reads (it parses every tag: on a site of N lessons the
    sidebars alone make the index quadratic in N).

    This is also the light copy Pagefind indexes, so typeset math keeps the text of its MathML
    (the words and symbols Pagefind indexes; without the glyph outlines, and without the MathML
    tags, which cost Pagefind a third of its time and change none of its output), and
    nbconvert's ``¶`` links after the notebook headings go (the offline index never read
    either), and so do the ``data:`` sources of embedded images: Pagefind would store the
    first as the page's image in its result fragment (a notebook's plot: up to 300 KB per
    result, and two thirds of Pagefind's time on this course), which the search page does not
    show (``showImages: false``); the images' alt text is still indexed."""
    html = _DATA_SRC.sub(r"\1", _ANCHOR_LINK.sub("", html))
    body = html.find("data-pagefind-body")
    parts: list[str] = []
    last = 0
    for m in _UNREAD.finditer(html):
        index = next(i for i in (1, 3, 5) if m.group(i) is not None)
        opening, inner = m.group(index), m.group(index + 1)
        if index == 5 and (body < 0 or m.end() > body):
            continue  # a sidebar inside the indexed part is read
        if not (_math(index, inner) or _balanced(inner)):
            continue
        closing = html[m.start() + len(opening) + len(inner) : m.end()]
        kept = ""
        if index == 1 and _math(index, inner):
            kept = _mathml_text(inner)
        parts += [html[last : m.start()], opening, kept, closing]
        last = m.end()
    if not parts:
        return html
    parts.append(html[last:])
    return "".join(parts)


def _mathml_text(inner: str) -> str:
    """The assistive MathML of typeset math (``inner``: what its container holds) as its
    opening tag, its text and its closing tag: Pagefind reads the text of MathML's elements as
    one run, so it indexes (and shows in its results) exactly what it does for the whole tree
    (a test compares Pagefind's output of both)."""
    at = inner.find("<mjx-assistive-mml")
    opening = _TAG.match(inner, at) if at >= 0 else None
    if opening is None:
        return ""
    text = _TAG.sub("", inner[opening.end() :])
    return f"{opening.group(0)}{text}</mjx-assistive-mml>"


def page_entry(html: str, url: str) -> dict[str, object] | None:
    """One page of the offline index: its url, title and sections (None: not searchable)."""
    return _entry(_without_unread(html), url)


def _entry(light: str, url: str) -> dict[str, object] | None:
    """:func:`page_entry` of a page whose unread subtrees are already emptied."""
    start = light.find("data-pagefind-body")
    if start < 0:
        return None
    # nothing before the indexed element is read: parse from its tag on
    parser = _PageText()
    parser.feed(light[light.rfind("<", 0, start) :])
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
    return _script(entries)


def _script(entries: list[dict[str, object]]) -> str:
    data = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    # "</" cannot end a script element that is never inline, but keep the file safe to inline.
    return "window.COURSE_SEARCH_INDEX = " + data.replace("</", "<\\/") + ";\n"
