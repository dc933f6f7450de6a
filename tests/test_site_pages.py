"""What a lesson page shows besides its README: the conspect as HTML (numbered like the PDF),
the embedded slides, notebooks and book extract by their titles, "Edit this page" and the
last-updated date; and the search index a page opened from a file can load."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_cli.builders.site.search import page_entry
from tests.site_helpers import build_site

REPO = Path(__file__).resolve().parents[1]

CONSPECT = """\
---
title: "Lesson 1: First steps"
---

# Right triangles

::: {.theorem #thm:pyth title="Pythagoras"}
For legs $a,b$ and hypotenuse $c$,
$$
a^2+b^2=c^2 .
\\label{eq:pyth}
$$
:::

::: proof
Rearrange four copies of the triangle.
:::

::: {.lemma}
A second numbered block.
$$
\\sin^2 x+\\cos^2 x=1 \\label{eq:trig}
$$
:::

By \\eqref{eq:trig} and $\\eqref{eq:pyth}$, Theorem \\ref{thm:pyth} holds; see @pythagoras.
An unnumbered display:
$$
x = \\eqref{eq:pyth}
$$

## Exercise

Prove it for $a=b$.

::: solution
Then $c=\\sqrt2\\,a$.
:::
"""

BIB = """\
@book{pythagoras,
  author = {Euclid},
  title = {Elements},
  year = {1956},
}
"""

YAML = """\
title: Test Course
repository: https://github.com/example/course
lessons:
  - number: 1
    title: First steps
  - number: 2
    title: Second steps
book:
  bibliography: materials/refs.bib
"""


def _course(make_course, yaml: str = YAML) -> Path:
    return make_course(
        {
            "README.md": "# T\n\nA course.\n",
            "materials/refs.bib": BIB,
            "lessons/lesson_01/README.md": (
                "# Lesson 1: First steps\n\nIntro.\n\n- Conspect: [conspect.md](conspect.md)\n\n"
                "## Objectives\n\nLearn.\n"
            ),
            "lessons/lesson_01/conspect.md": CONSPECT,
            "lessons/lesson_01/exercises/README.md": "# Exercises\n\nDo them.\n",
            "lessons/lesson_02/README.md": "# Lesson 2: Second steps\n\nMore.\n",
        },
        yaml=yaml,
    )


def _git(root: Path, *args: str, date: str = "2024-03-05T12:00:00+00:00") -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@example.org",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@example.org",
    }
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def test_conspect_becomes_numbered_html_under_lecture_notes(make_course) -> None:
    root = _course(make_course)
    done = build_site(root)
    assert done.returncode == 0, done.stderr
    page = (root / "build/site/lesson_01/index.html").read_text()
    notes = page[page.index('<section class="notes"') :]
    notes = notes[: notes.index("</section>")]
    # the heading, a level below the page's "Lecture notes", with an id of its own
    assert '<h2 id="notes">Lecture notes' in notes
    assert '<h3 id="notes-right-triangles">Right triangles' in notes
    # theorem blocks numbered on one counter as in the PDF; the proof ends with its mark
    assert "<strong>Theorem 1 (Pythagoras).</strong> For legs" in notes
    assert '<div id="notes-thm:pyth" class="thm theorem">' in notes
    assert "<strong>Lemma 2.</strong> A second numbered block." in notes
    assert (
        '<em>Proof.</em> Rearrange four copies of the triangle.<span class="qed">∎</span>' in notes
    )
    # labelled displays carry their number, typeset by the site's math step (MathML says it)
    pyth = notes[notes.index('<div class="math" id="notes-eq:pyth"><mjx-container') :]
    assert "<mlabeledtr><mtd><mtext>(1)</mtext></mtd>" in pyth[: pyth.index("</div>")]
    trig = notes[notes.index('<div class="math" id="notes-eq:trig"><mjx-container') :]
    assert "<mlabeledtr><mtd><mtext>(2)</mtext></mtd>" in trig[: trig.index("</div>")]
    assert "\\(" not in notes and "\\tag" not in notes  # no TeX left for the browser
    # references name the number and link to it
    assert 'By <a href="#notes-eq:trig" class="ref">(2)</a> and ' in notes
    assert '<a href="#notes-eq:pyth" class="ref">(1)</a>, Theorem ' in notes
    assert '<a href="#notes-thm:pyth" class="ref">1</a> holds' in notes
    # solutions collapse; citations resolve with a References heading
    assert '<details class="solution">\n<summary>Solution</summary>\n<p>Then ' in notes
    assert '<h3 class="unnumbered" id="notes-bibliography">References</h3>' in notes
    assert "Euclid" in notes and "<em>Elements</em>" in notes
    # its PDF (not built here) is not offered; the edit link goes to the conspect
    assert "Download PDF" not in notes
    assert (
        '<a href="https://github.com/example/course/edit/main/lessons/lesson_01/conspect.md">'
        "Edit the notes</a>"
    ) in notes
    # the page's table of contents lists the notes after the README's sections
    toc = page[page.index('<nav class="toc"') :]
    assert toc.index('href="#objectives"') < toc.index('href="#notes"')
    assert toc.index('href="#notes"') < toc.index('href="#notes-right-triangles"')
    # no repository path or front-matter title is shown
    assert "conspect.md</a>" not in page.replace("Edit the notes", "")
    assert "Lesson 1: First steps</h2>" not in page

    done = build_site(root, "--no-solutions")
    assert done.returncode == 0, done.stderr
    page = (root / "build/site/lesson_01/index.html").read_text()
    assert "Then " not in page and '<details class="solution">' not in page
    assert "Prove it for " in page


def test_conspect_fragment_writes_math_as_the_site_pages_do(make_course) -> None:
    """Before the site's math step: TeX in the site's math elements, a display a block."""
    from course_cli.builders.site.conspect import ConspectHtml, conspect_html
    from course_cli.core.config import load_course
    from course_cli.tools.runner import Toolbox

    root = _course(make_course)
    course = load_course(root)
    job = ConspectHtml(
        source=root / "lessons/lesson_01/conspect.md",
        lua_filter=root / "templates/site/conspect.lua",
        bibliography=root / "materials/refs.bib",
        root=root,
    )
    notes = conspect_html(job, Toolbox.for_course(course))
    assert (
        'hypotenuse <span class="math">\\(c\\)</span>,</p>\n'
        '<div class="math" id="notes-eq:pyth">\\[\na^2+b^2=c^2 .\n\n\\tag{1}\\]</div>\n</div>'
    ) in notes
    assert (
        '<div class="math" id="notes-eq:trig">\\[\n\\sin^2 x+\\cos^2 x=1 \n\\tag{2}\\]</div>'
    ) in notes
    assert '<div class="math">\\[\nx = \\text{(1)}\n\\]</div>' in notes  # in math: as text
    assert "\\label" not in notes and "\\eqref" not in notes


def test_conspect_html_is_converted_again_only_when_what_it_depends_on_changes(
    make_course, monkeypatch
) -> None:
    """build/.cache/site-notes/: pandoc runs once per conspect content (also under --force)."""
    from course_cli.builders.site.conspect import ConspectHtml, conspect_html
    from course_cli.core.config import load_course
    from course_cli.tools.runner import Toolbox

    root = _course(make_course)
    toolbox = Toolbox.for_course(load_course(root))
    runs: list[str] = []
    real_run = Toolbox.run

    def counting(self, name, args, **kwargs):
        runs.append(name)
        return real_run(self, name, args, **kwargs)

    monkeypatch.setattr(Toolbox, "run", counting)
    source = root / "lessons/lesson_01/conspect.md"
    job = ConspectHtml(
        source, root / "templates/site/conspect.lua", root / "materials/refs.bib", root
    )
    first = conspect_html(job, toolbox)
    assert runs == ["pandoc"]
    assert conspect_html(job, toolbox) == first
    assert runs == ["pandoc"]
    cache = root / "build/.cache/site-notes"
    assert len(list(cache.glob("*.html"))) == 1
    # the variant without solutions is an entry of its own
    bare = ConspectHtml(job.source, job.lua_filter, job.bibliography, root, solutions=False)
    assert "Then " not in conspect_html(bare, toolbox)
    assert len(runs) == 2 and len(list(cache.glob("*.html"))) == 2
    # an edit converts again, and replaces that conspect's entry
    source.write_text(CONSPECT.replace("Prove it for", "Show it for"), encoding="utf-8")
    edited = conspect_html(job, toolbox)
    assert "Show it for" in edited and len(runs) == 3
    assert len(list(cache.glob("*.html"))) == 2
    # so do a changed filter and a changed bibliography entry
    job.lua_filter.write_text(
        job.lua_filter.read_text(encoding="utf-8") + "\n-- a comment\n", encoding="utf-8"
    )
    assert conspect_html(job, toolbox) == edited and len(runs) == 4
    (root / "materials/refs.bib").write_text(BIB.replace("Elements", "Data"), encoding="utf-8")
    assert "<em>Data</em>" in conspect_html(job, toolbox) and len(runs) == 5
    # a page built from the cache is the page built without it
    assert build_site(root).returncode == 0
    page = (root / "build/site/lesson_01/index.html").read_bytes()
    shutil.rmtree(cache)
    assert build_site(root, "--force").returncode == 0
    assert (root / "build/site/lesson_01/index.html").read_bytes() == page
    assert len(list(cache.glob("*.html"))) == 1


def test_edit_link_and_last_updated_from_git(make_course) -> None:
    root = _course(make_course)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "README.md", "course.yaml", "lessons", "materials")
    _git(root, "commit", "-q", "-m", "first")
    _git(root, "commit", "-q", "--allow-empty", "-m", "later", date="2025-01-01T00:00:00+00:00")
    done = build_site(root)
    assert done.returncode == 0, done.stderr
    site = root / "build/site"
    lesson = (site / "lesson_01/index.html").read_text()
    assert (
        '<p class="page-meta" data-pagefind-ignore>Last updated '
        '<time datetime="2024-03-05">5 March 2024</time> · '
        '<a href="https://github.com/example/course/edit/main/lessons/lesson_01/README.md">'
        "Edit this page</a></p>"
    ) in lesson
    exercises = (site / "lesson_01/exercises.html").read_text()
    assert "edit/main/lessons/lesson_01/exercises/README.md" in exercises
    assert "edit/main/README.md" in (site / "index.html").read_text()
    # a file git does not know yet: its modification day
    (root / "lessons/lesson_02/README.md").write_text("# Lesson 2: Second steps\n\nNew.\n")
    stamp = 1_700_000_000  # 14 November 2023 (UTC)
    os.utime(root / "lessons/lesson_02/README.md", (stamp, stamp))
    _git(root, "rm", "-q", "--cached", "lessons/lesson_02/README.md")
    _git(root, "commit", "-q", "-m", "untrack", date="2026-06-01T00:00:00+00:00")
    done = build_site(root)
    assert done.returncode == 0, done.stderr
    second = (site / "lesson_02/index.html").read_text()
    assert '<time datetime="2023-11-14">14 November 2023</time>' in second


def test_no_edit_link_without_a_repository(make_course) -> None:
    root = _course(make_course, YAML.replace("repository: https://github.com/example/course\n", ""))
    done = build_site(root)
    assert done.returncode == 0, done.stderr
    for page in ("index.html", "lesson_01/index.html", "lesson_01/exercises.html"):
        text = (root / "build/site" / page).read_text()
        assert "Edit this page" not in text and "Last updated" not in text, page
    assert "Edit the notes" not in (root / "build/site/lesson_01/index.html").read_text()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "repository: {url: https://gitlab.com/a/b}",
            "course.yaml:2: repository.url: 'https://gitlab.com/a/b' is not a GitHub repository "
            "URL like https://github.com/OWNER/REPO (Colab and the site's edit links open it on "
            "GitHub)",
        ),
        (
            "repository: {url: https://github.com/a/b, branch: 'a b'}",
            "course.yaml:2: repository.branch: 'a b' is not a branch name (no spaces, '?', '#' "
            "or '..'), e.g. main",
        ),
    ],
)
def test_bad_repository_is_a_one_line_error(make_course, run_cli, value, message) -> None:
    yaml = YAML.replace("repository: https://github.com/example/course", value)
    root = _course(make_course, yaml)
    result = run_cli("build", "site", "--root", str(root))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"error: {message}"
    assert "Traceback" not in result.stderr


def test_notebook_and_extract_titles_not_names(make_course) -> None:
    yaml = YAML.replace(
        "    title: First steps\n", "    title: First steps\n    book: [ch:bandits]\n"
    ).replace("book:\n", "book:\n  source: materials/book/src.tex\n")
    root = _course(make_course, yaml)
    files = {
        "materials/book/src.tex": (
            "\\documentclass{book}\n\\begin{document}\n\\chapter{Intro}\n"
            "\\chapter{Multi-armed bandits}\\label{ch:bandits}\nText.\n\\end{document}\n"
        ),
        "lessons/lesson_01/book/book.md": (
            "<!-- DO NOT EDIT: generated by `course book-sync` from ch:bandits -->\n\n"
            "# Chapter 2. Bandits\n\nA slot machine has $`k`$ arms.\n\n## 2.1 More\n\nText.\n"
        ),
        "lessons/lesson_01/notebooks/mc_demo.py": (
            "# %% [markdown]\n# # Monte Carlo, by hand\n#\n# Text.\n\n# %%\nx = 1\n"
        ),
        "lessons/lesson_01/notebooks/plain_name.py": "# %%\nx = 1\n",
        "lessons/lesson_01/notebooks/best_of_n.py": (
            "# %% [markdown]\n# # Best-of-$n$ and $\\pi_\\theta$\n\n# %%\nx = 1\n"
        ),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "node_modules").symlink_to(REPO / "node_modules")
    executed = subprocess.run(
        [sys.executable, "-m", "course_cli", "build", "notebooks", "1", "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert executed.returncode == 0, executed.stderr
    done = build_site(root)
    assert done.returncode == 0, done.stderr
    site = root / "build/site"
    page = (site / "lesson_01/index.html").read_text()
    # the executed notebooks' pages are embedded, each with its download
    assert '<iframe src="notebooks/mc_demo.html" title="Notebook: Monte Carlo, by hand"' in page
    assert '<a class="button secondary" href="notebooks/mc_demo.ipynb" download>' in page
    nb_page = (site / "lesson_01/notebooks/mc_demo.html").read_text()
    assert nb_page.count("<main data-pagefind-body>") == 1  # searchable like the other pages
    # notebooks by their first heading (or their name in words), not their file names
    assert '<h3 class="embed-title">Monte Carlo, by hand</h3>' in page
    assert '<h3 class="embed-title">Plain name</h3>' in page
    # math in a title reads as text where nothing typesets it (link, heading, tooltip)
    assert '<h3 class="embed-title">Best-of-n and π_θ</h3>' in page
    assert 'title="Notebook: Best-of-n and π_θ"' in page and "$n$" not in page
    assert "Notebook: mc_demo" not in page
    # the book extract: its chapter's title and opening paragraph, no generated-by line
    extract = page[page.index('<section class="embed book-extract"') :]
    assert '<p class="extract-title"><strong>Chapter 2: Multi-armed bandits</strong></p>' in extract
    assert "A slot machine has" in extract
    assert '<a class="button" href="book.html">Read the extract</a>' in extract
    assert "generated by" not in page and "ch:bandits" not in page
    book = (site / "lesson_01/book.html").read_text()
    assert "<title>Chapter 2: Multi-armed bandits · Test Course</title>" in book
    assert "generated by" not in book and "ch:bandits" not in book
    assert "edit/main/materials/book/src.tex" in book


def test_offline_index_entry_is_what_pagefind_indexes() -> None:
    html = (
        "<html><head><title>x</title><script>var secret = 1;</script></head><body>"
        "<nav>Sidebar words</nav><main data-pagefind-body>"
        '<h1 id="lesson-1">Lesson 1<a class="heading-anchor" data-pagefind-ignore>#</a></h1>'
        '<p>Intro with <span class="math inline">\\(x^2\\)</span> math.</p>'
        '<nav class="pager" data-pagefind-ignore>Next lesson</nav>'
        '<h2 id="notes-zymurgy">Brewing <em>notes</em></h2><p>Zymurgy is<br>the study.</p>'
        "</main></body></html>"
    )
    assert page_entry(html, "lesson_01/index.html") == {
        "url": "lesson_01/index.html",
        "title": "Lesson 1",
        "sections": [
            {"id": "lesson-1", "heading": "Lesson 1", "text": "Intro with math."},
            {"id": "notes-zymurgy", "heading": "Brewing notes", "text": "Zymurgy is the study."},
        ],
    }
    assert page_entry("<html><body><p>No marked part.</p></body></html>", "a.html") is None


def test_offline_index_file_is_a_script(make_course) -> None:
    root = _course(make_course)
    done = build_site(root)
    assert done.returncode == 0, done.stderr
    script = (root / "build/site/assets/search-index.js").read_text()
    prefix = "window.COURSE_SEARCH_INDEX = "
    assert script.startswith(prefix) and script.endswith(";\n")
    entries = json.loads(script[len(prefix) : -2])
    urls = [e["url"] for e in entries]
    assert urls == [  # the search page has no text to find; the decks are not site pages
        "book/index.html",
        "index.html",
        "lesson_01/exercises.html",
        "lesson_01/index.html",
        "lesson_02/index.html",
    ]
    lesson = entries[urls.index("lesson_01/index.html")]
    assert lesson["title"] == "Lesson 1: First steps"
    headings = [(s["id"], s["heading"]) for s in lesson["sections"]]
    assert ("notes-right-triangles", "Right triangles") in headings
    assert ("notes-exercise", "Exercise") in headings


def test_search_pages_are_read_once_per_content(make_course, monkeypatch) -> None:
    """build/.cache/search-pages.json: a forced build (pages byte for byte as before) parses no
    page again; a page that changed is read again, and the index follows it."""
    from course_cli.builders.site import search

    root = _course(make_course)
    assert build_site(root).returncode == 0
    index = root / "build/site/assets/search-index.js"
    before = index.read_text(encoding="utf-8")
    assert "Prove it for" in before
    entries = json.loads((root / "build/.cache/search-pages.json").read_text("utf-8"))["pages"]
    assert any(key.startswith("lesson_01/index.html\0") for key in entries)

    cache = search._PageCache(root / "build/.cache/search-pages.json")
    page = root / "build/site/lesson_01/index.html"

    def must_not_parse(*args: object) -> None:
        raise AssertionError(f"{args[-1]} was parsed again")

    monkeypatch.setattr(search, "_entry", must_not_parse)
    monkeypatch.setattr(search, "_without_unread", must_not_parse)
    kept = cache.page(page, "lesson_01/index.html")
    assert kept.entry is not None and kept.entry["title"] == "Lesson 1: First steps"
    assert kept.marked and kept.light is None
    monkeypatch.undo()
    # what Pagefind reads: the glyph outlines are left out, the text of the MathML (the words
    # and symbols Pagefind indexes) is kept without its tags
    light = (root / "build/.cache/search-site/lesson_01/index.html").read_text(encoding="utf-8")
    assert light == kept.light_copy()
    assert "<mjx-container" in light and "<path" not in light
    assert "<mjx-assistive-mml" in light and "<mi>" not in light
    assert "a2+b2=c2" in light  # a^2+b^2=c^2 as MathML's text

    assert build_site(root, "--force").returncode == 0
    assert index.read_text(encoding="utf-8") == before
    source = root / "lessons/lesson_01/conspect.md"
    source.write_text(CONSPECT.replace("Prove it for", "Verify it for"), encoding="utf-8")
    assert build_site(root).returncode == 0
    after = index.read_text(encoding="utf-8")
    assert "Verify it for" in after and "Prove it for" not in after


def test_pagefind_indexes_text_only_mathml_as_the_whole_mathml(make_course, tmp_path) -> None:
    """The light copies give Pagefind the text of each formula's MathML without its tags;
    Pagefind's whole output (index, fragments, metadata) is byte for byte what the full
    MathML gives."""
    from course_cli.builders.site import search

    root = _course(make_course)
    assert build_site(root).returncode == 0
    pages = [root / "build/site/lesson_01/index.html", root / "build/site/lesson_01/notes.html"]
    pages = [p for p in pages if p.is_file()]
    assert pages and "<mjx-assistive-mml" in pages[0].read_text(encoding="utf-8")

    def light_copies(folder: Path) -> Path:
        for page in pages:
            copy = folder / page.relative_to(root / "build/site")
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(search._without_unread(page.read_text(encoding="utf-8")), "utf-8")
        return folder

    def whole_mathml(inner: str) -> str:  # what the light copies held before
        return inner[inner.find("<mjx-assistive-mml") :]

    light = light_copies(tmp_path / "light")
    original = search._mathml_text
    search._mathml_text = whole_mathml
    try:
        whole = light_copies(tmp_path / "whole")
    finally:
        search._mathml_text = original
    assert "<mi>" in (whole / "lesson_01/index.html").read_text(encoding="utf-8")
    assert "<mi>" not in (light / "lesson_01/index.html").read_text(encoding="utf-8")
    from course_cli.core.config import load_course
    from course_cli.tools.runner import Toolbox

    pagefind = str(Toolbox.for_course(load_course(root)).find("pagefind").path)
    outputs = []
    for site in (light, whole):
        out = tmp_path / f"index-{site.name}"
        subprocess.run([pagefind, "--site", str(site), "--output-path", str(out), "--quiet"],
                       check=True)  # fmt: skip
        outputs.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert any(name.suffix == ".pf_fragment" for name in outputs[0])
    assert outputs[0] == outputs[1]


def _fragment_texts(index: Path) -> list[str]:
    import gzip

    texts = []
    for fragment in sorted((index / "fragment").glob("*.pf_fragment")):
        raw = gzip.decompress(fragment.read_bytes())
        texts.append(json.loads(raw[raw.find(b"{") :])["content"])
    return texts


def test_a_changed_page_leaves_no_old_text_in_the_search_index(make_course) -> None:
    """Pagefind names its fragments by their content: the old index is moved aside and
    deleted (while Pagefind writes the new one), so a page's old text is not found again."""
    root = _course(make_course)
    readme = root / "lessons/lesson_02/README.md"
    readme.write_text("# Lesson 2: Second steps\n\nQuokkas everywhere.\n", encoding="utf-8")
    assert build_site(root).returncode == 0
    index = root / "build/site/pagefind"
    assert any("Quokkas everywhere" in t for t in _fragment_texts(index))
    readme.write_text("# Lesson 2: Second steps\n\nWombats everywhere.\n", encoding="utf-8")
    assert build_site(root).returncode == 0
    texts = _fragment_texts(index)
    assert any("Wombats everywhere" in t for t in texts)
    assert not any("Quokkas" in t for t in texts)
    assert not (root / "build/.cache/pagefind-old").exists()
    offline = (root / "build/site/assets/search-index.js").read_text(encoding="utf-8")
    assert "Wombats everywhere" in offline and "Quokkas" not in offline


def test_pagefind_is_not_given_embedded_images() -> None:
    """A notebook's plots are data: URIs; Pagefind would keep the first in the page's result
    fragment. The light copy drops their sources and keeps their alt text."""
    from course_cli.builders.site.search import _without_unread

    plot = "data:image/png;base64," + "iVBORw0KGgo" * 20_000
    page = (
        f'<main data-pagefind-body><p>Loss curve</p><img alt="loss > 1" class="" src="{plot}">'
        "<img src='data:image/gif;base64,R0lGOD' alt=small>"
        '<img src="img/plot.png" alt="kept"></main>'
    )
    assert _without_unread(page) == (
        '<main data-pagefind-body><p>Loss curve</p><img alt="loss > 1" class="">'
        '<img alt=small><img src="img/plot.png" alt="kept"></main>'
    )


def test_pagefind_is_given_notebook_headings_without_their_pilcrow_links() -> None:
    from course_cli.builders.site.search import _without_unread

    page = (
        '<main data-pagefind-body><h2 id="Fit">Fit<a class="anchor-link" href="#Fit">¶</a></h2>'
        "<p>Text</p></main>"
    )
    assert (
        _without_unread(page) == '<main data-pagefind-body><h2 id="Fit">Fit</h2><p>Text</p></main>'
    )


@pytest.mark.parametrize(
    ("title", "plain"),
    [
        ("Best-of-$n$ over-optimisation", "Best-of-n over-optimisation"),
        (r"$\mathrm{KL}(\pi_\theta\,\|\,\pi_{\text{ref}})$ penalty", "KL(π_θ ‖ π_ref) penalty"),
        (r"Clipping at $\varepsilon \le 0.2$ with $G=8$", "Clipping at ε ≤ 0.2 with G=8"),
        (r"A $\Delta$ of $\log n$, the set $\{1,2\}$", "A Δ of log n, the set {1,2}"),
        ("It costs $5 and $6", "It costs $5 and $6"),  # money, not math (pandoc's rule)
        (r"From \$5 to \$x", "From $5 to $x"),  # escaped dollars are money too
        (r"TD($\lambda$), $\Lambda$, $\phi$ or $\varphi$", "TD(λ), Λ, ϕ or φ"),
        (r"$\sqrt{n}$-consistency and $\tilde{O}(\sqrt{T})$", "√n-consistency and O(√T)"),
        (r"$\hat{\theta}$, $\frac{1}{2}$, $\frac{a+b}{2}$", "θ, 1/2, (a+b)/2"),
        (r"$\log{n}$ steps, $1,\dots,n$", "log n steps, 1,…,n"),
        ("No math", "No math"),
    ],
)
def test_titles_show_their_math_as_text(title: str, plain: str) -> None:
    from course_cli.builders.site.notebooks import plain_math

    assert plain_math(title) == plain
