"""Custom Marp themes: every CSS in templates/marp/ (and build.themes of course.yaml) is in
the theme set Marp gets, and `course check` knows exactly those themes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from course_cli.builders.slides import builder as slides
from course_cli.check import check_course
from course_cli.core.config import load_course
from course_cli.core.errors import UsageError
from course_cli.engine.steps import BuildOptions
from course_cli.tools.runner import Toolbox
from tests.conftest import MINI_COURSE_YAML
from tests.test_slides import marp_env, needs_marp  # noqa: F401 (fixture)

MYTHEME = """\
/* @theme mytheme */
@import 'default';
section { background: rgb(1, 2, 3); }
h1 { color: rgb(250, 128, 114); }
"""
EXTRA = "/* @theme extra */\n@import 'default';\nsection { background: rgb(4, 5, 6); }\n"

DECK = "---\nmarp: true\ntheme: {theme}\nmath: mathjax\n---\n\n# Hello\n\nText.\n"


def themed(make_course: Callable[..., Path], theme: str = "mytheme", yaml: str = "") -> Path:
    return make_course(
        {
            "templates/marp/mytheme.css": MYTHEME,
            "styles/extra.css": EXTRA,
            "lessons/lesson_01/slides/slides.md": DECK.format(theme=theme),
        },
        yaml=MINI_COURSE_YAML + yaml,
    )


def test_theme_set_holds_every_css_of_templates_marp_and_build_themes(
    make_course: Callable[..., Path],
) -> None:
    root = themed(make_course, yaml="build:\n  themes: [styles/extra.css]\n")
    course = load_course(root)
    assert [p.relative_to(root).as_posix() for p in slides.theme_files(course)] == [
        "templates/marp/course.css",
        "templates/marp/mytheme.css",
        "styles/extra.css",
    ]
    options = BuildOptions(root=root, build_dir=root / "build", toolbox=Toolbox(root))
    [html] = [s for s in slides.plan_build(course, list(course.lessons), options)
              if s.kind == "slides-html"]  # fmt: skip
    assert root / "templates/marp/mytheme.css" in html.inputs
    assert root / "styles/extra.css" in html.inputs


def test_check_knows_exactly_the_themes_the_build_loads(make_course: Callable[..., Path]) -> None:
    def s003(root: Path) -> list[tuple[str, str]]:
        found = check_course(load_course(root), [1]).findings
        return [(f.code, f.message) for f in found if f.code.startswith("S")]

    assert s003(themed(make_course)) == []
    # a CSS elsewhere in the project is not in the theme set, so check rejects it too
    other = make_course(
        {"styles/extra.css": EXTRA,
         "lessons/lesson_01/slides/slides.md": DECK.format(theme="extra")},
        name="other",
    )  # fmt: skip
    assert s003(other) == [("S003", "unknown Marp theme extra")]


def test_a_listed_theme_that_does_not_exist_is_a_usage_error(
    make_course: Callable[..., Path],
) -> None:
    root = themed(make_course, yaml="build:\n  themes: [styles/nope.css]\n")
    with pytest.raises(
        UsageError, match=r"^course.yaml: build.themes: styles/nope.css: no such file"
    ):
        slides.theme_files(load_course(root))


@pytest.mark.integration
@needs_marp
def test_the_built_html_uses_the_custom_theme(
    make_course: Callable[..., Path],
    run_cli: Callable[..., Any],
    marp_env: None,  # noqa: F811
) -> None:
    root = themed(make_course)
    res = run_cli("build", "slides", "1", "--format", "html", "--root", str(root))
    assert res.exit_code == 0, res.stderr
    html = (root / "build/lesson_01/slides.html").read_text(encoding="utf-8")
    assert 'data-theme="mytheme"' in html
    assert "background:#010203" in html.replace(" ", "") or "rgb(1,2,3)" in html.replace(" ", "")
    assert "color:#fa8072" in html.replace(" ", "") or "rgb(250,128,114)" in html.replace(" ", "")
