"""The built site in headless Chromium at a desktop (1280×900) and a phone (390×844) width: no
page scrolls sideways, previous/next walk every lesson in order, dark mode follows the system
setting and the toggle, the prose keeps a readable measure, the lesson menu folds on a phone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import browser

REPO = Path(__file__).resolve().parents[1]
SIZES = ((1280, 900), (390, 844))
PROSE = (
    "A policy maps each state to a distribution over actions, and its value is the expected "
    "discounted return collected by following it from that state onward. "
) * 4
WIDE_TABLE = (
    "| " + " | ".join(f"column {i} with a long header" for i in range(8)) + " |\n"
    "|" + "---|" * 8 + "\n"
    "| " + " | ".join(f"value_{i}_that_does_not_wrap" for i in range(8)) + " |\n"
)
WIDE_MATH = "$$\n" + " + ".join(f"\\frac{{a_{{{i}}}}}{{b_{{{i}}}}}" for i in range(40)) + "\n$$\n"

DECK = """\
---
marp: true
---

# Bandits

An arm, a reward.

---

## Regret

$R_T = T\\mu^* - \\sum_t \\mu_{a_t}$
"""
NOTEBOOK = """\
# %% [markdown]
# # A random walk
#
# Steps of $\\pm 1$.

# %%
import random

random.seed(1)
steps = [random.choice((-1, 1)) for _ in range(100)]
assert sum(abs(s) for s in steps) == 100
print(sum(steps))
"""
# "zymurgy" occurs only here: search must find it in the lecture notes of lesson 2.
CONSPECT = """\
# Fermentation

Zymurgy is the study of fermentation, used here only as a rare word.

::: {.theorem title="Yeast"}
Sugar becomes alcohol:
$$
C_6H_{12}O_6 \\to 2\\,C_2H_5OH + 2\\,CO_2 \\label{eq:yeast}
$$
:::

By \\eqref{eq:yeast} the mass is conserved.
"""

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(browser.chromium() is None, reason="Chromium not installed"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from course_cli.core.templating import DEFAULTS
    from tests.conftest import write_tree

    root = tmp_path_factory.mktemp("course")
    shutil.copytree(DEFAULTS, root / "templates")
    (root / "materials").mkdir()
    shutil.copy(REPO / "materials" / "macros.tex", root / "materials" / "macros.tex")
    titles = ["Bandits", "Markov decision processes", "Policy gradients", "Preference learning"]
    yaml = (
        "title: A Course With A Rather Long Title For A Phone\n"
        "repository: https://github.com/example/course\n"
        "build:\n  slides: [html]\nlessons:\n"
    ) + "".join(f"  - number: {i}\n    title: {t}\n" for i, t in enumerate(titles, 1))
    files = {
        "README.md": "# A course\n\nAn introduction.\n",
        "lessons/lesson_03/exercises/README.md": (
            "# Exercises\n\n## Homework\n\nDraw the quincunx of a Galton board.\n"
        ),
    }
    for i, title in enumerate(titles, 1):
        files[f"lessons/lesson_{i:02d}/README.md"] = files.get(
            f"lessons/lesson_{i:02d}/README.md", ""
        ) + (
            f"# Lesson {i}: {title}\n\n{PROSE}\n\n## Objectives\n\n{PROSE}\n\n"
            f"## A wide table\n\n{WIDE_TABLE}\n## Wide math\n\n{WIDE_MATH}\n"
        )
    files["course.yaml"] = yaml
    files["lessons/lesson_01/slides/slides.md"] = DECK
    files["lessons/lesson_01/notebooks/walk.py"] = NOTEBOOK
    files["lessons/lesson_02/conspect.md"] = CONSPECT
    write_tree(root, files)
    (root / "node_modules").symlink_to(REPO / "node_modules")
    for target in (["slides", "1"], ["notebooks", "1"], ["site"]):
        done = subprocess.run(
            [sys.executable, "-m", "course_cli", "build", *target, "--root", str(root)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    return root / "build" / "site"


@pytest.fixture(scope="module")
def server(site: Path):
    """The built site on a local static web server (no course code involved): its base URL."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def chrome():
    tools = browser.DevTools()
    yield tools
    tools.close()


def _open(chrome: browser.DevTools, page: Path) -> None:
    """Open ``page`` and wait until it (not the tab's first blank page) has loaded."""
    chrome.open(page.as_uri())
    chrome.wait_for(f"location.href === {page.as_uri()!r} && document.readyState === 'complete'")


def _follow(chrome: browser.DevTools, selector: str) -> str:
    """Click the link ``selector`` and return the h1 of the page it leads to, once loaded."""
    import time

    target = str(chrome.eval(f"document.querySelector({selector!r}).href"))
    chrome.click(selector)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:  # an evaluation during the navigation fails: ask again
            if chrome.eval(f"location.href === {target!r} && document.readyState === 'complete'"):
                return str(chrome.eval("document.querySelector('h1').textContent")).rstrip("#")
        except AssertionError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{selector} did not lead to {target}")


def _size(chrome: browser.DevTools, width: int, height: int) -> None:
    chrome.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500},
    )


def _typeset(chrome: browser.DevTools) -> None:
    """Wait until the page's MathJax (if it has one) has typeset everything."""
    chrome.eval(
        "window.MathJax && MathJax.startup && MathJax.startup.promise"
        " ? MathJax.startup.promise.then(() => true) : true"
    )


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_no_page_scrolls_sideways(site: Path, chrome, width: int, height: int) -> None:
    pages = sorted(p for p in site.rglob("*.html") if "pagefind" not in p.relative_to(site).parts)
    names = {p.relative_to(site).as_posix() for p in pages}
    # every kind of page: home, lessons with embedded slides, notes and notebooks, the deck
    # and the notebook themselves, exercises, book, search
    assert {
        "index.html",
        "lesson_01/index.html",
        "lesson_01/slides.html",
        "lesson_01/notebooks/walk.html",
        "lesson_02/index.html",
        "lesson_03/exercises.html",
        "book/index.html",
        "search.html",
    } <= names, names
    for page in pages:
        _open(chrome, page)
        _size(chrome, width, height)
        _typeset(chrome)
        sizes = chrome.eval(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert sizes == [width, width], f"{page} at {width}px: page width {sizes}"
    # the wide table and the wide equation scroll inside their own boxes
    _open(chrome, site / "lesson_01/index.html")
    _size(chrome, width, height)
    chrome.wait_for("document.querySelectorAll('mjx-container').length > 0")
    boxes = chrome.eval(
        "[...document.querySelectorAll('.content table, .content div.math')].map(e =>"
        " [getComputedStyle(e).overflowX, e.scrollWidth > e.clientWidth])"
    )
    assert boxes == [["auto", True], ["auto", True]]


def test_measure_is_at_most_80_characters(site: Path, chrome) -> None:
    _open(chrome, site / "lesson_01/index.html")
    _size(chrome, 1280, 900)
    per_line = chrome.eval(
        "[...document.querySelectorAll('.content p')].filter(p => p.textContent.length > 300)"
        ".map(p => p.textContent.length / Math.round(p.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(p).lineHeight)))"
    )
    assert isinstance(per_line, list) and len(per_line) == 2
    assert all(55 <= n <= 80 for n in per_line), per_line


def test_previous_next_walk_all_lessons_in_order(site: Path, chrome) -> None:
    _open(chrome, site / "lesson_01/index.html")
    assert chrome.eval("document.querySelector('.pager a.prev')") is None
    seen = [str(chrome.eval("document.querySelector('h1').textContent")).rstrip("#")]
    while chrome.eval("!!document.querySelector('.pager a.next')"):
        seen.append(_follow(chrome, ".pager a.next"))
    assert seen == [
        "Lesson 1: Bandits",
        "Lesson 2: Markov decision processes",
        "Lesson 3: Policy gradients",
        "Lesson 4: Preference learning",
    ]
    back = []
    while chrome.eval("!!document.querySelector('.pager a.prev')"):
        back.append(_follow(chrome, ".pager a.prev"))
    assert back == seen[-2::-1]


def test_dark_mode_follows_the_system_and_the_toggle(site: Path, chrome) -> None:
    background = "getComputedStyle(document.body).backgroundColor"
    _open(chrome, site / "lesson_01/index.html")
    assert chrome.eval(background) == "rgb(245, 247, 251)"
    chrome.send(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    assert chrome.eval(background) == "rgb(15, 19, 27)"
    assert chrome.eval("getComputedStyle(document.body).color") == "rgb(227, 231, 239)"
    chrome.click(".theme-toggle")
    assert chrome.eval(background) == "rgb(245, 247, 251)"
    assert chrome.eval("document.documentElement.dataset.theme") == "light"
    chrome.click(".theme-toggle")
    assert chrome.eval(background) == "rgb(15, 19, 27)"


def test_lesson_menu_folds_on_a_phone(site: Path, chrome) -> None:
    _open(chrome, site / "lesson_02/index.html")
    _size(chrome, 390, 844)
    visible = "getComputedStyle(document.getElementById('sidebar')).display !== 'none'"
    assert chrome.eval(visible) is False
    chrome.click(".nav-toggle")
    assert chrome.eval(visible) is True
    links = chrome.eval(
        "[...document.querySelectorAll('#sidebar a')].map(a => a.textContent.trim())"
    )
    assert links == [
        "Course home",
        "1 Bandits",
        "2 Markov decision processes",
        "3 Policy gradients",
        "4 Preference learning",
        "The book",
    ]
    chrome.click(".nav-toggle")
    assert chrome.eval(visible) is False
    _size(chrome, 1280, 900)  # on a desktop the sidebar is always there, with no menu button
    assert chrome.eval(visible) is True
    assert chrome.eval("getComputedStyle(document.querySelector('.nav-toggle')).display") == "none"


def test_search_finds_a_word_and_links_to_its_page(site: Path, chrome) -> None:
    import functools
    import http.server
    import threading

    index = site / "pagefind" / "pagefind-entry.json"
    assert index.is_file(), "course build site writes the Pagefind index"

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        chrome.open(f"{base}/search.html")
        chrome.wait_for("document.querySelector('.pagefind-ui__search-input')")
        chrome.eval(
            "(() => { const i = document.querySelector('.pagefind-ui__search-input');"
            " i.value = 'quincunx'; i.dispatchEvent(new Event('input', {bubbles: true})); })()"
        )
        chrome.wait_for("document.querySelectorAll('.pagefind-ui__result-link').length > 0")
        results = chrome.eval(
            "[...document.querySelectorAll('.pagefind-ui__result-link')]"
            ".map(a => [a.textContent, a.getAttribute('href')])"
        )
        assert results == [
            ["Exercises", "/lesson_03/exercises.html"],
            ["Homework", "/lesson_03/exercises.html#homework"],
        ]
        excerpt = chrome.eval("document.querySelector('.pagefind-ui__result-excerpt').textContent")
        assert "Draw the quincunx of a Galton board" in str(excerpt)
        assert _follow(chrome, ".pagefind-ui__result-link") == "Exercises"
    finally:
        server.shutdown()
        server.server_close()


def _type_search(chrome: browser.DevTools, selector: str, word: str) -> None:
    chrome.wait_for(f"document.querySelector({selector!r})")
    chrome.eval(
        f"(() => {{ const i = document.querySelector({selector!r});"
        f" i.value = {word!r}; i.dispatchEvent(new Event('input', {{bubbles: true}})); }})()"
    )


def test_search_from_a_file_finds_a_word_of_the_notes(site: Path, chrome) -> None:
    _open(chrome, site / "search.html")
    assert chrome.eval("location.protocol") == "file:"
    _type_search(chrome, ".offline-search-input", "Zymurgy")
    chrome.wait_for("document.querySelectorAll('.offline-search-link').length > 0")
    results = chrome.eval(
        "[...document.querySelectorAll('.offline-search-results li')].map(li => ["
        " li.querySelector('a').textContent, li.querySelector('a').getAttribute('href'),"
        " li.querySelector('.offline-search-section').textContent])"
    )
    assert results == [
        [
            "Lesson 2: Markov decision processes",
            "lesson_02/index.html#notes-fermentation",
            "Fermentation",
        ],
    ]
    excerpt = chrome.eval("document.querySelector('.offline-search-excerpt').textContent")
    assert "Zymurgy is the study of fermentation" in str(excerpt)
    assert chrome.eval("document.querySelector('.offline-search-excerpt mark').textContent") == (
        "Zymurgy"
    )
    assert chrome.eval("document.querySelector('.offline-search-status').textContent") == (
        "1 page for “Zymurgy”"
    )
    assert _follow(chrome, ".offline-search-link") == "Lesson 2: Markov decision processes"
    assert chrome.eval("location.hash") == "#notes-fermentation"
    heading = chrome.eval("document.getElementById('notes-fermentation').textContent")
    assert str(heading).rstrip("#") == "Fermentation"
    # a word that is nowhere: no result, said so
    _open(chrome, site / "search.html")
    _type_search(chrome, ".offline-search-input", "xylophonic")
    chrome.wait_for("document.querySelector('.offline-search-status').textContent !== ''")
    assert chrome.eval("document.querySelectorAll('.offline-search-results li').length") == 0
    assert chrome.eval("document.querySelector('.offline-search-status').textContent") == (
        "0 pages for “xylophonic”"
    )


def test_search_over_http_finds_a_word_of_the_notes(server: str, chrome) -> None:
    chrome.open(f"{server}/search.html")
    _type_search(chrome, ".pagefind-ui__search-input", "zymurgy")
    chrome.wait_for("document.querySelectorAll('.pagefind-ui__result-link').length > 0")
    assert chrome.eval("document.querySelector('.offline-search-input')") is None
    results = chrome.eval(
        "[...document.querySelectorAll('.pagefind-ui__result-link')]"
        ".map(a => [a.textContent, a.getAttribute('href')])"
    )
    assert results == [
        ["Lesson 2: Markov decision processes", "/lesson_02/"],
        ["Fermentation", "/lesson_02/#notes-fermentation"],
    ]
    selector = ".pagefind-ui__result-link[href$='#notes-fermentation']"
    assert _follow(chrome, selector) == "Lesson 2: Markov decision processes"
    assert chrome.eval("location.hash") == "#notes-fermentation"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_lesson_page_embeds_slides_and_notebook(
    server: str, chrome, width: int, height: int
) -> None:
    url = f"{server}/lesson_01/index.html"
    chrome.open(url)
    chrome.wait_for(f"location.href === {url!r} && document.readyState === 'complete'")
    _size(chrome, width, height)
    _typeset(chrome)
    boxes = chrome.eval(
        "[...document.querySelectorAll('.embed-frame iframe')].map(f => {"
        " const r = f.getBoundingClientRect(), c = f.closest('.content').getBoundingClientRect();"
        " return [f.getAttribute('src'), Math.round(r.width), Math.round(r.height),"
        " r.left >= c.left && r.right <= c.right]; })"
    )
    assert isinstance(boxes, list) and [b[0] for b in boxes] == [
        "slides.html",
        "notebooks/walk.html",
    ]
    (_, w, h, inside), (_, nb_w, _, nb_inside) = boxes
    assert inside and nb_inside, boxes
    assert abs(h - w * 9 / 16) <= 2, boxes  # the deck keeps its 16:9 shape at every width
    assert w == nb_w and w >= (300 if width < 500 else 600), boxes
    # the frames show the deck and the executed notebook (same origin over http)
    chrome.eval("document.querySelectorAll('.embed-frame iframe').forEach(f => f.scrollIntoView())")
    chrome.wait_for(
        "document.querySelector('.slides-frame iframe').contentDocument"
        "?.querySelectorAll('section').length >= 2"
    )
    chrome.wait_for(
        "document.querySelector('.notebook-frame iframe').contentDocument?.body"
        "?.textContent.includes('A random walk')"
    )
    links = chrome.eval(
        "[...document.querySelectorAll('.embed-actions a')].map(a => [a.textContent.trim(),"
        " a.getAttribute('href')])"
    )
    assert links == [
        ["Slides: full screen", "slides.html"],
        ["Open the notebook", "notebooks/walk.html"],
        ["Download .ipynb", "notebooks/walk.ipynb"],
    ]
    meta = chrome.eval("document.querySelector('.page-meta').textContent")
    assert str(meta).startswith("Last updated ") and str(meta).endswith(" · Edit this page")
