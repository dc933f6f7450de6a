"""course build site / course serve: pages, links, math in a real browser, live rebuilds."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from course_cli.builders.site.markdown import github_slug, render_markdown
from course_cli.serve import Rebuild, plan_rebuild
from tests import browser

REPO = Path(__file__).resolve().parents[1]

LESSON_README = """\
# Lesson 1: First steps

Intro with inline math $\\E[X] = \\sum_x x\\,p(x)$ and a price of $ 17.83 that is not math.

- Slides: [slides/slides.md](slides/slides.md)
- Conspect: [conspect.md](conspect.md)
- Next: [lesson 2](../lesson_02/README.md#objectives)
- Data: [table](data/table.csv)

## Objectives

$$
\\KL(\\pi \\,\\|\\, \\piref) = \\E_{y\\sim\\pi}\\left[\\log \\frac{\\pi(y)}{\\piref(y)}\\right]
$$

## Outline

See [the objectives](#objectives).
"""


def test_github_slugs() -> None:
    seen: dict[str, int] = {}
    assert github_slug("Hello, World!", seen) == "hello-world"
    assert github_slug("Hello, World!", seen) == "hello-world-1"
    assert github_slug("GRPO vs. Dr. GRPO", seen) == "grpo-vs-dr-grpo"


def test_markdown_math_and_price() -> None:
    html = render_markdown("A $x^2$ and $ 17.83.\n\n$$\na+b\n$$\n")
    assert '<span class="math">\\(x^2\\)</span>' in html
    assert "$ 17.83." in html
    assert '<div class="math">\\[\na+b\n\\]</div>' in html


def test_plan_rebuild_maps_changes_to_targets(tmp_path: Path) -> None:
    root = tmp_path
    changed = [
        root / "lessons/lesson_03/slides/slides.md",
        root / "lessons/lesson_05/conspect.md",
        root / "lessons/lesson_03/README.md",
    ]
    assert plan_rebuild(root, changed) == [
        Rebuild("slides", (3,)),
        Rebuild("pdf", (5,)),
        Rebuild("site", ()),
    ]
    assert plan_rebuild(root, [root / "materials/macros.tex"]) == [
        Rebuild("slides"),
        Rebuild("pdf"),
        Rebuild("book"),
        Rebuild("notebooks"),
        Rebuild("site"),
    ]
    assert plan_rebuild(root, [root / "lessons/lesson_02/notebooks/a.py"]) == [
        Rebuild("notebooks", (2,)),
        Rebuild("site"),
    ]
    assert plan_rebuild(root, [root / "materials/book/chapters/a.tex"]) == [
        Rebuild("book"),
        Rebuild("site"),
    ]
    assert plan_rebuild(root, [root / "build/site/index.html", root / ".git/x"]) == []


def _site_course(make_course):
    return make_course(
        {
            "README.md": "# T\n",
            "lessons/lesson_01/README.md": LESSON_README,
            "lessons/lesson_01/data/table.csv": "a,b\n1,2\n",
            "lessons/lesson_02/README.md": "# Lesson 2\n\n## Objectives\n\nMore.\n",
        }
    )


def _build_site(root: Path) -> None:
    node_modules = root / "node_modules"
    if not node_modules.exists():
        node_modules.symlink_to(REPO / "node_modules")
    done = subprocess.run(
        [sys.executable, "-m", "course_cli", "build", "site", "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_site_pages_and_relative_links(make_course) -> None:
    root = _site_course(make_course)
    _build_site(root)
    site = root / "build/site"
    page = (site / "lesson_01/index.html").read_text()
    assert '<a href="../lesson_02/index.html#objectives">lesson 2</a>' in page
    assert '<a href="data/table.csv">table</a>' in page
    assert (site / "lesson_01/data/table.csv").read_text() == "a,b\n1,2\n"
    assert 'href="../assets/site.css"' in page
    assert "http://" not in page and "https://" not in page
    index = (site / "index.html").read_text()
    assert '<a href="lesson_01/index.html">' in index
    # math typeset at build time with the course macros (\\KL is D_{\\mathrm{KL}}): no script
    assert '<div class="math"><mjx-container class="MathJax" jax="SVG" display="true"' in page
    assert "<msub><mi>D</mi><mrow><mrow><mi>KL</mi></mrow></mrow></msub>" in page
    assert "mathjax" not in page.lower().replace('class="mathjax"', "")
    assert 'href="../assets/math.css"' in page and (site / "assets/math.css").is_file()


def test_site_incremental(make_course) -> None:
    root = _site_course(make_course)
    _build_site(root)
    page = root / "build/site/lesson_02/index.html"
    before = page.stat().st_mtime_ns
    done = subprocess.run(
        [sys.executable, "-m", "course_cli", "build", "site", "--root", str(root)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert " built, " in done.stdout and done.stdout.startswith("0 built")
    assert page.stat().st_mtime_ns == before


def test_site_of_a_course_outside_the_toolkit_uses_the_default_stylesheet(make_course) -> None:
    # No templates/ of its own: the toolkit's default site.css is published from wherever the
    # toolkit is installed (here: outside the course folder), not refused as an outside file.
    from course_cli.core.templating import DEFAULTS

    root = make_course(
        {
            "README.md": "# T\n",
            "lessons/lesson_01/README.md": LESSON_README,
            "lessons/lesson_01/data/table.csv": "a,b\n1,2\n",
            "lessons/lesson_02/README.md": "# Lesson 2\n\n## Objectives\n\nMore.\n",
            # its README uses course macros (\\E, \\KL): a formula they miss fails the build
            "materials/macros.tex": (REPO / "materials/macros.tex").read_text(),
        },
        templates=False,
    )
    assert not (root / "templates").exists()
    _build_site(root)
    site = root / "build/site"
    assert (site / "assets/site.css").read_bytes() == (DEFAULTS / "site/site.css").read_bytes()
    first = (site / "lesson_01/index.html").read_text()
    second = (site / "lesson_02/index.html").read_text()
    # the neighbours of each page (planned once for the whole course)
    assert 'href="../lesson_02/index.html"' in first
    assert 'href="../lesson_01/index.html"' in second


needs_browser = pytest.mark.skipif(browser.chromium() is None, reason="Chromium not installed")


@pytest.mark.integration
@needs_browser
def test_site_in_browser_math_links_screenshot(make_course, tmp_path: Path) -> None:
    root = _site_course(make_course)
    _build_site(root)
    site = root / "build/site"
    pages = [site / "index.html", site / "lesson_01/index.html", site / "book/index.html"]
    for page in pages:
        html = browser.dom(page.as_uri())
        hrefs, _ = browser.links_and_ids(html)
        for href in hrefs:
            if href.startswith(("http:", "https:", "mailto:")):
                pytest.fail(f"{page}: external link {href}")
            target = urlparse(href)
            path = (page.parent / unquote(target.path)).resolve() if target.path else page
            assert path.exists(), f"{page.relative_to(site)}: broken link {href}"
            if target.fragment:
                _, ids = browser.links_and_ids(path.read_text() if path.suffix == ".html" else "")
                assert target.fragment in ids, f"{page}: missing anchor {href}"
    lesson = browser.dom((site / "lesson_01/index.html").as_uri())
    assert lesson.count("<mjx-container") == 2  # inline E[X] and the display KL
    assert "$$" not in lesson and "\\(" not in lesson
    assert "17.83 that is not math" in lesson
    shot = browser.screenshot((site / "lesson_01/index.html").as_uri(), tmp_path / "lesson.png")
    assert shot.stat().st_size > 20_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read().decode()


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


@pytest.mark.integration
def test_serve_rebuilds_and_reports_errors(make_course) -> None:
    root = _site_course(make_course)
    _build_site(root)
    port = _free_port()
    env = {**os.environ, "CI": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "course_cli",
            "serve",
            "--port",
            str(port),
            "--no-build",
            "--root",
            str(root),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert _wait_for(lambda: "First steps" in _get(f"{base}/lesson_01/"), 10)
        page = _get(f"{base}/lesson_01/index.html")
        assert '<script src="/__course/live.js"></script>' in page
        assert json.loads(_get(f"{base}/__course/status"))["version"] == 0

        readme = root / "lessons/lesson_01/README.md"
        readme.write_text(LESSON_README + "\nA freshly edited sentence.\n")
        start = time.monotonic()
        assert _wait_for(lambda: "freshly edited" in _get(f"{base}/lesson_01/index.html"), 5)
        assert time.monotonic() - start < 5
        assert _wait_for(lambda: json.loads(_get(f"{base}/__course/status"))["version"] >= 1, 5)

        (root / "course.yaml").write_text("title: T\nlessons: [oops\n")
        assert _wait_for(
            lambda: (
                "YAML syntax error" in (json.loads(_get(f"{base}/__course/status"))["error"] or "")
            ),
            5,
        )
        assert proc.poll() is None, "the server must keep running after a build error"
        (root / "course.yaml").write_text(
            "title: T\nlessons:\n  - number: 1\n    title: First steps\n"
        )
        assert _wait_for(lambda: json.loads(_get(f"{base}/__course/status"))["error"] is None, 5)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"at http://127.0.0.1:{port}/" in out
    assert "error: course.yaml:3:1: YAML syntax error" in out


def test_site_names_book_parts_and_renders_the_extract(make_course) -> None:
    yaml = (
        "title: T\nlessons:\n  - number: 1\n    title: First steps\n"
        "    book: [ch:bandits, ch:sol]\n"
    )
    root = make_course(
        {
            "README.md": "# T\n",
            "materials/book/src.tex": (
                "\\documentclass{book}\n\\begin{document}\n\\chapter{Intro}\n"
                "\\chapter{Multi-armed \\emph{bandits}}\\label{ch:bandits}\n"
                "\\appendix\n\\chapter{Solutions for Chapter~\\ref{ch:bandits}}\\label{ch:sol}\n"
                "\\end{document}\n"
            ),
            "lessons/lesson_01/README.md": "# L1\n\nSee [the extract](book/).\n",
            "lessons/lesson_01/book/book.md": (
                "# Chapter 2. Bandits\n\nA $`x^2`$ term.\n\n``` math\n\\E[R]\n```\n"
            ),
        },
        yaml=yaml,
    )
    _build_site(root)
    site = root / "build/site"
    page = (site / "lesson_01/index.html").read_text()
    assert "<li>Chapter 2: Multi-armed bandits</li>" in page
    assert "<li>Chapter A: Solutions for Chapter 2</li>" in page  # the \\ref, not its label
    assert '<a href="book.html">the extract</a>' in page
    assert '<li><a href="book.html">Book extract</a></li>' in page
    extract = (site / "lesson_01/book.html").read_text()
    # GitHub's math syntax, typeset: $`x^2`$ inline and a ``` math block with a course macro
    assert "<math><msup><mi>x</mi><mn>2</mn></msup></math>" in extract
    block = (
        '<mjx-assistive-mml unselectable="on" display="block"><math display="block"><mrow>'
        '<mi mathvariant="double-struck">E</mi></mrow><mo stretchy="false">[</mo><mi>R</mi>'
    )
    assert block in extract
    assert "Chapter 2: Multi-armed bandits" in (site / "book/index.html").read_text()


def test_book_part_names_follow_an_edit_of_an_included_chapter(make_course) -> None:
    """The names of the book's parts are kept in the plan cache between builds and read again
    when any file of the book changes, an \\input one included."""
    yaml = "title: T\nlessons:\n  - number: 1\n    title: First\n    book: [ch:b]\n"
    root = make_course(
        {
            "README.md": "# T\n",
            "materials/book/src.tex": (
                "\\documentclass{book}\n\\begin{document}\n\\chapter{Intro}\n"
                "\\input{chapters/b}\n\\end{document}\n"
            ),
            "materials/book/chapters/b.tex": "\\chapter{Bandits}\\label{ch:b}\n",
            "lessons/lesson_01/README.md": "# L1\n\nText.\n",
        },
        yaml=yaml,
    )
    chapter = root / "materials/book/chapters/b.tex"
    st = chapter.stat()
    os.utime(chapter, ns=(st.st_atime_ns, st.st_mtime_ns - 10**10))  # not just written
    _build_site(root)
    page = root / "build/site/lesson_01/index.html"
    assert "<li>Chapter 2: Bandits</li>" in page.read_text()
    plan = json.loads((root / "build/.cache/plan.json").read_text(encoding="utf-8"))
    entries = plan["entries"]["materials/book/src.tex"]
    kept = entries[f"book_parts:{root.resolve()}"]  # by the course's folder: paths are absolute
    assert sorted((rel, size == -1) for rel, size, _ in kept[1]) == [
        ("materials/book/book.cls", True),  # a class of the book's folder would be read: absent
        ("materials/book/chapters/b.tex", False),
        ("materials/book/src.tex", False),
    ]
    chapter.write_text("\\chapter{Contextual bandits}\\label{ch:b}\n", encoding="utf-8")
    _build_site(root)
    assert "<li>Chapter 2: Contextual bandits</li>" in page.read_text()


def test_serve_rejects_a_bad_port(make_course, run_cli) -> None:
    root = _site_course(make_course)
    result = run_cli("serve", "--port", "99999", "--no-build", "--root", str(root))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: --port: 99999 is not a port number (0–65535)"]


def test_serve_redirects_folders_to_their_slash(make_course) -> None:
    import threading

    from course_cli.serve import LiveState, make_server

    root = _site_course(make_course)
    _build_site(root)
    server = make_server(root / "build/site", "127.0.0.1", 0, LiveState())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lesson_01", timeout=5) as resp:
            assert resp.url == f"http://127.0.0.1:{port}/lesson_01/"
            assert "First steps" in resp.read().decode()
    finally:
        server.shutdown()
        server.server_close()


def test_home_page_lead_is_the_readme_first_paragraph(tmp_path: Path) -> None:
    from course_cli.builders.site.builder import readme_intro

    readme = tmp_path / "README.md"
    readme.write_text(
        "# Optics\n\n[![badge](b.svg)](x)\n<!-- TODO(course): intro -->\n\n"
        "A **short** course on [lenses](lenses.md)\nand `mirrors`.\n\nSecond paragraph.\n"
    )
    assert readme_intro(readme) == "A short course on lenses and mirrors."
    readme.write_text("# Optics\n\n<!-- TODO(course): intro -->\n\n## Roadmap\n\nProse.\n")
    assert readme_intro(readme) == ""
    assert readme_intro(tmp_path / "missing.md") == ""


def test_heading_anchors_toc_and_no_repository_paths(make_course) -> None:
    root = _site_course(make_course)
    _build_site(root)
    site = root / "build/site"
    page = (site / "lesson_01/index.html").read_text()
    assert (
        '<h2 id="objectives">Objectives<a class="heading-anchor" href="#objectives" '
        'aria-label="Link to this section" data-pagefind-ignore>#</a></h2>'
    ) in page
    toc = page[page.index('<nav class="toc"') :]
    assert '<li class="toc-h2"><a href="#objectives">Objectives</a></li>' in toc
    assert '<li class="toc-h2"><a href="#outline">Outline</a></li>' in toc
    # the README's "- Slides: [slides/slides.md](…)" list is not repeated with its paths
    assert "slides/slides.md" not in page and "conspect.md" not in page
    assert '<a href="../lesson_02/index.html#objectives">lesson 2</a>' in page  # kept
    assert "course build site" not in page and "generated by" not in page
    # the sidebar lists every lesson and the book and marks the current one
    assert '<a href="../lesson_01/index.html" class="current" aria-current="page">' in page
    assert '<a href="../lesson_02/index.html">' in page
    assert '<a class="side-book" href="../book/index.html">The book</a>' in page
    assert '<script src="../assets/site.js"></script>' in page
    assert (site / "assets/site.js").is_file()


def test_book_page_title_is_the_books_own(tmp_path: Path) -> None:
    from course_cli.builders.site.book import book_title

    main = tmp_path / "src.tex"
    main.write_text(
        "% \\title{commented out}\n"
        "\\title{Optics \\& Waves\\\\[1em]\\large a draft}\n\\begin{document}\n"
    )
    assert book_title(main) == "Optics & Waves"
    main.write_text("\\documentclass{book}\n\\begin{document}\n")
    assert book_title(main) == "The book"
    assert book_title(tmp_path / "missing.tex") == "The book"


@pytest.mark.integration
def test_an_edit_made_before_the_watcher_starts_is_built(make_course, monkeypatch) -> None:
    """``course serve`` answers before its watcher watches (later on a busy machine): an edit
    in that gap is found by comparing the sources when the watcher first reports."""
    import threading

    import watchfiles

    from course_cli import serve as serve_mod
    from course_cli.core.config import load_course

    root = _site_course(make_course)
    _build_site(root)
    readme = root / "lessons/lesson_01/README.md"
    real_watch = watchfiles.watch

    def late_watch(*paths, **kwargs):
        readme.write_text(LESSON_README + "\nWritten while the watcher started.\n")
        yield from real_watch(*paths, **kwargs)

    monkeypatch.setattr(watchfiles, "watch", late_watch)
    logs: list[str] = []
    stop = threading.Event()
    watcher = threading.Thread(
        target=serve_mod.watch_and_rebuild,
        args=(load_course(root), serve_mod.LiveState(), logs.append, stop, False),
        daemon=True,
    )
    watcher.start()
    page = root / "build/site/lesson_01/index.html"
    try:
        assert _wait_for(lambda: "Written while the watcher started." in page.read_text(), 30)
    finally:
        stop.set()
        watcher.join(10)
    assert "changed: README.md" in logs
