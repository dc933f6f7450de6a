"""The site's shortcuts give what the slow way gave: the sidebar made once per link prefix is
the template loop's HTML, and the search index reads the same text when it skips the typeset
math, glyph outlines and sidebar (and reads them when they are not what it can skip)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from jinja2 import Environment

from course_cli.builders.site.render import side_lessons
from course_cli.builders.site.search import page_entry

LOOP = (
    "{% for item in course.lessons %}\n"
    '    <li><a href="{{ prefix }}{{ item.dirname }}/index.html"'
    "{% if nav_current == item.dirname %}"
    ' class="current" aria-current="page"{% endif %}><span class="num">{{ item.number }}</span>'
    " {{ item.title }}</a></li>\n  {% endfor %}"
)


def _course(*titles: str) -> Any:
    lessons = [
        SimpleNamespace(dirname=f"lesson_{n:02d}", number=n, title=t)
        for n, t in enumerate(titles, 1)
    ]
    return SimpleNamespace(lessons=lessons)


def test_sidebar_items_are_the_template_loops_html() -> None:
    course = _course("Bandits & <regret>", 'Policy "gradients" {}', "MDPs")
    loop = Environment(autoescape=True, keep_trailing_newline=True).from_string(LOOP)
    for prefix in ("", "../"):
        for current in ("home", "lesson_02", "lesson_03", ""):
            made = str(side_lessons(cast(Any, course), prefix, current))
            assert made == loop.render(course=course, prefix=prefix, nav_current=current)
    made = str(side_lessons(cast(Any, course), "../", "lesson_02"))
    assert (
        '<a href="../lesson_01/index.html"><span class="num">1</span> Bandits &amp; &lt;regret&gt;'
        in made
    )
    assert (
        '<a href="../lesson_02/index.html" class="current" aria-current="page">'
        '<span class="num">2</span> Policy &#34;gradients&#34; {}</a>'
    ) in made


PAGE = (
    '<html><body><svg class="math-glyphs" style="display:none"><defs>'
    '<path id="g1" d="M0 0"/></defs></svg>'
    '<nav id="sidebar" class="sidebar"><ol><li><a href="a.html">Sidebar lesson</a></li></ol></nav>'
    '<main data-pagefind-body><h1 id="t">Title</h1>'
    '<p>Text <span class="math"><mjx-container class="MathJax"><svg><g><use href="#g1"/></g>'
    "</svg><mjx-assistive-mml><math><mi>x</mi></math></mjx-assistive-mml></mjx-container>"
    "</span> after.</p>{extra}</main></body></html>"
)


def test_search_text_with_and_without_the_skipped_parts() -> None:
    entry = page_entry(PAGE.format(extra=""), "p.html")
    assert entry == {
        "url": "p.html",
        "title": "Title",
        "sections": [{"id": "t", "heading": "Title", "text": "Text after."}],
    }
    # A sidebar inside the indexed part is read; unbalanced math is parsed as it stands.
    inside = '<nav id="sidebar"><p>Listed lesson</p></nav><svg><g>Stray</svg> words'
    entry = page_entry(PAGE.format(extra=inside), "p.html")
    assert entry is not None
    assert entry["sections"] == [
        {"id": "t", "heading": "Title", "text": "Text after. Listed lesson words"}
    ]
