"""`course check` on a course: deliverables, consistency, configuration, output formats."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from course_cli.check import check_course
from course_cli.core.config import load_course
from tests.conftest import MINI_COURSE_YAML, REPO, write_tree

GOOD = REPO / "tests" / "fixtures" / "check" / "good_lesson"


def lesson_files(number: int, **changes: str | None) -> dict[str, str | bytes]:
    """The good lesson fixture as files of lessons/lesson_NN, with some replaced or removed."""
    prefix = f"lessons/lesson_{number:02d}/"
    files: dict[str, str | bytes] = {}
    for path in sorted(GOOD.rglob("*")):
        if path.is_file():
            rel = path.relative_to(GOOD).as_posix()
            text = path.read_text(encoding="utf-8").replace("Lesson 1", f"Lesson {number}")
            text = text.replace("\nlesson: 1\n", f"\nlesson: {number}\n")
            files[prefix + rel] = text
    for rel, text in changes.items():
        key = prefix + rel.replace("__", "/")
        if text is None:
            files.pop(key, None)
        else:
            files[key] = text
    return files


def roadmap_readme(root: Path) -> None:
    from course_cli.readme import END, START, render_roadmap

    table = render_roadmap(load_course(root))
    (root / "README.md").write_text(f"# Test Course\n\n{START}\n{table}{END}\n", encoding="utf-8")


@pytest.fixture
def course(make_course: Callable[..., Path]) -> Callable[..., Path]:
    """A two-lesson course whose lessons are the good fixture, with a README roadmap in sync."""

    def factory(
        files: dict[str, str | bytes] | None = None,
        yaml: str = MINI_COURSE_YAML,
        lessons: tuple[int, ...] = (1, 2),
    ) -> Path:
        tree: dict[str, str | bytes] = {}
        for n in lessons:
            tree.update(lesson_files(n))
        root = make_course(tree, yaml=yaml)
        roadmap_readme(root)
        write_tree(root, files or {})
        return root

    return factory


def findings(root: Path, *numbers: int) -> list[tuple[str, str, str]]:
    report = check_course(load_course(root), numbers)
    return [(f.location(), f.code, f.message) for f in report.findings]


def test_good_course_is_clean(course: Callable[..., Path]) -> None:
    root = course()
    report = check_course(load_course(root))
    assert [(f.location(), f.code, f.message) for f in report.findings] == []
    assert report.lessons[0].parts == {
        "readme": "ok",
        "slides": "ok",
        "conspect": "ok",
        "exercises": "absent",
        "notebooks": "absent",
        "reading": "absent",
    }
    assert report.summary() == "0 errors, 0 warnings in 7 files (2 lessons)"


# --- deliverables ------------------------------------------------------------------------


def test_d006_freshly_scaffolded_lesson_is_untouched_template(
    course: Callable[..., Path], run_cli: Callable[..., object]
) -> None:
    root = course(lessons=(1,))
    result = run_cli("new-lesson", "2", cwd=root)
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert findings(root, 2) == [
        (
            "lessons/lesson_02/README.md:1",
            "D006",
            "still the untouched template from `course new-lesson`",
        ),
        (
            "lessons/lesson_02/conspect.md:1",
            "D006",
            "still the untouched template from `course new-lesson`",
        ),
        (
            "lessons/lesson_02/slides/slides.md:1",
            "D006",
            "still the untouched template from `course new-lesson`",
        ),
    ]
    report = check_course(load_course(root), [2])
    assert report.lessons[0].parts["readme"] == "template"


def test_d007_placeholder_left_in_an_edited_file(course: Callable[..., Path]) -> None:
    readme = (
        (GOOD / "README.md")
        .read_text(encoding="utf-8")
        .replace("## Reading\n", "## Reading\n\n<!-- TODO(course): papers -->\n")
    )
    root = course({"lessons/lesson_01/README.md": readme})
    assert findings(root, 1) == [
        (
            "lessons/lesson_01/README.md:19",
            "D007",
            "template placeholder left: <!-- TODO(course): … -->",
        ),
    ]
    assert check_course(load_course(root), [1]).lessons[0].parts["readme"] == "todo"


def test_d001_missing_conspect_and_slides(course: Callable[..., Path]) -> None:
    root = course()
    (root / "lessons/lesson_02/conspect.md").unlink()
    shutil.rmtree(root / "lessons/lesson_02/slides")
    (root / "lessons/lesson_02/README.md").write_text(
        (GOOD / "README.md")
        .read_text(encoding="utf-8")
        .replace("- Slides: [slides/slides.md](slides/slides.md)\n", "")
        .replace(
            "- Conspect: [conspect.md](conspect.md), in particular "
            "[its estimator](conspect.md#the-monte-carlo-estimator)\n",
            "",
        ),
        encoding="utf-8",
    )
    assert findings(root, 2) == [
        (
            "lessons/lesson_02/conspect.md",
            "D001",
            "lesson 2: required conspect is missing (conspect.md)",
        ),
        (
            "lessons/lesson_02/slides/",
            "D001",
            "lesson 2: required slides is missing (slides/ (a folder of Marp decks))",
        ),
    ]


def test_d002_d003_readme_sections(course: Callable[..., Path]) -> None:
    readme = "# Lesson 1\n\n## Learning objectives\n\n- a\n\n## Outline\n\n## Reading\n\n- b\n"
    root = course({"lessons/lesson_01/README.md": readme})
    assert findings(root, 1) == [
        ("lessons/lesson_01/README.md", "D002", "README has no “Homework” section"),
        ("lessons/lesson_01/README.md:7", "D003", "section “Outline” has no content"),
    ]


def test_d002_near_miss_heading_case_and_title_heading(course: Callable[..., Path]) -> None:
    readme = (
        "# Reading Group I\n\n## OBJECTIVES\n\nx\n\n## outline:\n\n1. y\n\n"
        "### Reading list\n\nz\n\n"
        "## Homework assignment\n\n<!-- nothing here counts -->\nw\n"
    )
    root = course({"lessons/lesson_01/README.md": readme})
    assert findings(root, 1) == []


def test_d004_empty_slides_folder_and_d005_empty_conspect(course: Callable[..., Path]) -> None:
    root = course({"lessons/lesson_01/conspect.md": "---\ntitle: x\n---\n\n<!-- later -->\n"})
    (root / "lessons/lesson_01/slides/slides.md").unlink()
    readme = root / "lessons/lesson_01/README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8").replace(
            "[slides/slides.md](slides/slides.md)", "slides"
        ),
        encoding="utf-8",
    )
    assert findings(root, 1) == [
        (
            "lessons/lesson_01/README.md:6:71",
            "L003",
            "anchor #the-monte-carlo-estimator does not exist in lessons/lesson_01/conspect.md",
        ),
        ("lessons/lesson_01/conspect.md:1", "D005", "conspect.md is empty"),
        ("lessons/lesson_01/slides/", "D004", "lesson 1: slides/ holds no Markdown deck (*.md)"),
    ]


def test_s001_deck_without_marp(course: Callable[..., Path]) -> None:
    root = course({"lessons/lesson_01/slides/extra.md": "# Not a deck\n"})
    assert findings(root, 1) == [
        (
            "lessons/lesson_01/slides/extra.md:1",
            "S001",
            "deck has no `marp: true` in its front matter",
        ),
    ]


def test_s003_course_theme_comes_from_templates(course: Callable[..., Path]) -> None:
    root = course()
    deck = root / "lessons/lesson_01/slides/slides.md"
    deck.write_text(
        deck.read_text(encoding="utf-8").replace("theme: course", "theme: corse"), encoding="utf-8"
    )
    report = check_course(load_course(root), [1])
    [f] = report.findings
    assert (f.location(), f.code, f.message) == (
        "lessons/lesson_01/slides/slides.md:3",
        "S003",
        "unknown Marp theme corse",
    )
    assert f.hint == (
        "themes: course, default, gaia, uncover (course themes live in templates/marp/*.css)"
    )


def test_m004_shared_macros_are_known_and_typos_are_not(course: Callable[..., Path]) -> None:
    conspect = (GOOD / "conspect.md").read_text(
        encoding="utf-8"
    ) + "\n$\\piref + \\pitheta + \\pirfe$\n"
    root = course({"lessons/lesson_01/conspect.md": conspect})
    assert findings(root, 1) == [
        (
            "lessons/lesson_01/conspect.md:29:22",
            "M004",
            "\\pirfe is not defined here, in materials/macros.tex, or in standard LaTeX/MathJax "
            "(did you mean \\piref?)",
        ),
    ]


# --- consistency -------------------------------------------------------------------------


def test_c001_orphan_and_misnamed_folders_c002_missing_folder(course: Callable[..., Path]) -> None:
    root = course(lessons=(1,))
    write_tree(root, {"lessons/lesson_07/README.md": "x\n", "lessons/lesson_2/README.md": "y\n"})
    assert findings(root) == [
        ("lessons/lesson_02/", "C002", "lesson 2 has no folder lessons/lesson_02"),
        ("lessons/lesson_07/", "C001", "lessons/lesson_07 is not a lesson listed in course.yaml"),
        (
            "lessons/lesson_2/",
            "C001",
            "lessons/lesson_2 is not named like its lesson (expected lessons/lesson_02)",
        ),
    ]


def test_c003_number_gap(course: Callable[..., Path]) -> None:
    yaml = MINI_COURSE_YAML.replace("number: 2", "number: 4")
    root = course(yaml=yaml, lessons=(1, 4))
    assert findings(root) == [("course.yaml:6", "C003", "lesson numbers skip 2, 3")]


def test_c004_c005_roadmap(course: Callable[..., Path]) -> None:
    root = course()
    (root / "README.md").write_text("# Test Course\n", encoding="utf-8")
    assert findings(root) == [("README.md", "C004", "README.md has no roadmap table markers")]
    roadmap_readme(root)
    text = (root / "README.md").read_text(encoding="utf-8").replace("Second steps", "2nd steps")
    (root / "README.md").write_text(text, encoding="utf-8")
    report = check_course(load_course(root))
    assert [(f.location(), f.code, f.message, f.hint) for f in report.findings] == [
        (
            "README.md:3",
            "C005",
            "the roadmap table is out of date with course.yaml",
            "run `course readme`",
        ),
    ]


def test_root_readme_links_are_checked(course: Callable[..., Path]) -> None:
    root = course()
    with (root / "README.md").open("a", encoding="utf-8") as fh:
        fh.write("\nSee [the syllabus](syllabus.md).\n")
    assert findings(root) == [
        ("README.md:10:20", "L001", "link target does not exist: syllabus.md")
    ]


# --- configuration -----------------------------------------------------------------------

CONFIG_YAML = MINI_COURSE_YAML.replace(
    "lessons:\n",
    "check:\n  disable: [L004, X123]\n  severity:\n    L001: warning\n    Q9: info\nlessons:\n",
)


def test_c006_unknown_codes_in_course_yaml_and_config_applied(course: Callable[..., Path]) -> None:
    extra = "\n![](slides/img/hist.svg) [gone](gone.md)\n"
    readme = (GOOD / "README.md").read_text(encoding="utf-8") + extra
    root = course({"lessons/lesson_01/README.md": readme}, yaml=CONFIG_YAML)
    report = check_course(load_course(root))
    assert [(f.location(), f.code, f.severity, f.message) for f in report.findings] == [
        (
            "lessons/lesson_01/README.md:25:33",
            "L001",
            "warning",
            "link target does not exist: gone.md",
        ),
        ("course.yaml:7", "C006", "error", "check.disable: unknown rule code X123"),
        ("course.yaml:10", "C006", "error", "check.severity: unknown rule code Q9"),
    ]


def test_ignore_comment_in_a_lesson(course: Callable[..., Path]) -> None:
    readme = (GOOD / "README.md").read_text(
        encoding="utf-8"
    ) + "\n<!-- course: ignore L001 -->\n[gone](gone.md)\n"
    root = course({"lessons/lesson_01/README.md": readme})
    assert findings(root, 1) == []


# --- book --------------------------------------------------------------------------------

BOOK_YAML = MINI_COURSE_YAML.replace(
    "summary: The second lesson.\n", "summary: The second lesson.\n    book: [ch:two]\n"
)


def test_b003_without_booksync_an_unsynced_lesson_is_a_warning(
    course: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from course_cli.check import book

    monkeypatch.setattr(book, "booksync_available", lambda: False)  # as before book-sync existed
    root = course(yaml=BOOK_YAML)
    assert findings(root, 2) == [
        ("lessons/lesson_02/book/", "B003", "lesson 2: book extract (ch:two) not synced yet"),
    ]
    write_tree(root, {"lessons/lesson_02/book/book.tex": "% extract\n"})
    assert findings(root, 2) == []


BOOK_TEX = (
    "\\documentclass{book}\n\\begin{document}\n"
    "\\chapter{One}\\label{ch:one}\nFirst.\n"
    "\\chapter{Two}\\label{ch:two}\nSecond: $x^2$.\n\\end{document}\n"
)


def test_b001_never_synced_and_unreadable_book(course: Callable[..., Path]) -> None:
    from course_cli.booksync import lock
    from course_cli.check.book import GENERATOR_VERSION, LOCK_NAME

    assert LOCK_NAME == lock.LOCK_NAME
    assert GENERATOR_VERSION == lock.GENERATOR_VERSION
    root = course({"materials/book/src.tex": BOOK_TEX}, yaml=BOOK_YAML)
    assert findings(root, 2) == [
        ("lessons/lesson_02/book/", "B001", "lesson 2: no book extract for ch:two (never synced)"),
    ]
    write_tree(root, {"lessons/lesson_02/book/book-sync.lock.json": "{}"})
    (root / "materials/book/src.tex").unlink()
    [(where, code, message)] = findings(root, 2)
    assert (where, code) == ("materials/book/src.tex", "B002")
    assert message.startswith("book extracts cannot be checked: ")


@pytest.mark.integration
def test_b002_stale_after_the_book_changes(
    course: Callable[..., Path], run_cli: Callable[..., object]
) -> None:
    root = course({"materials/book/src.tex": BOOK_TEX}, yaml=BOOK_YAML)
    synced = run_cli("book-sync", "2", "--root", str(root))
    assert synced.exit_code == 0, synced.stderr  # type: ignore[attr-defined]
    assert findings(root, 2) == []
    src = root / "materials/book/src.tex"
    src.write_text(BOOK_TEX.replace("Second:", "Second, revised:"), encoding="utf-8")
    got = findings(root, 2)
    assert (
        "lessons/lesson_02/book/book.tex",
        "B002",
        "lesson 2: book extract stale: the book changed",
    ) in got


# --- typst -------------------------------------------------------------------------------


def test_t001_typst_conspect(course: Callable[..., Path]) -> None:
    conspect = (GOOD / "conspect.md").read_text(encoding="utf-8").replace(
        "lesson: 1\n", "lesson: 1\nengine: typst\n"
    ) + "\n$a \\bmod b$\n"
    root = course({"lessons/lesson_01/conspect.md": conspect})
    got = findings(root, 1)
    assert got == [
        (
            "lessons/lesson_01/conspect.md:30",
            "T001",
            "\\bmod is not supported by pandoc's typst math writer; needs a LaTeX engine",
        )
    ]
    conspect = conspect.replace("engine: typst\n", "")
    write_tree(root, {"lessons/lesson_01/conspect.md": conspect})
    assert findings(root, 1) == []


def test_m007_duplicate_label_in_a_conspect(
    course: Callable[..., Path], run_cli: Callable[..., object]
) -> None:
    conspect = (GOOD / "conspect.md").read_text(encoding="utf-8") + "\n$$ a = b \\label{eq:mc} $$\n"
    root = course({"lessons/lesson_01/conspect.md": conspect})
    assert findings(root, 1) == [
        (
            "lessons/lesson_01/conspect.md:29:10",
            "M007",
            "\\label{eq:mc} is defined twice, on lines 11 and 29",
        )
    ]
    result = run_cli("check", "1", "--root", str(root))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert (
        "lessons/lesson_01/conspect.md:29:10  error   M007 \\label{eq:mc} is defined twice, "
        "on lines 11 and 29" in result.stdout  # type: ignore[attr-defined]
    )


# --- front matter: engine (F005) and lesson (C007) ----------------------------------------


def with_front(extra: str, *, lesson_line: str = "lesson: 1\n") -> str:
    """The good conspect with its `lesson: 1` line replaced by ``lesson_line`` + ``extra``."""
    text = (GOOD / "conspect.md").read_text(encoding="utf-8")
    return text.replace("lesson: 1\n", lesson_line + extra)


def test_f005_unknown_engine_in_a_conspect(
    course: Callable[..., Path], run_cli: Callable[..., object]
) -> None:
    root = course({"lessons/lesson_01/conspect.md": with_front("engine: word\n")})
    report = check_course(load_course(root), [1])
    [f] = report.findings
    assert (f.location(), f.code, f.severity, f.message) == (
        "lessons/lesson_01/conspect.md:4:9",
        "F005",
        "error",
        "front matter engine: 'word' is not a PDF engine (`course build pdf` stops here)",
    )
    assert f.hint == (
        "use one of: xelatex, lualatex, pdflatex, typst "
        "(or drop the line for course.yaml's default)"
    )
    result = run_cli("check", "1", "--root", str(root))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "conspect.md:4:9  error   F005 front matter engine: 'word'" in result.stdout  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "value", ["word", "XeLaTeX", "''", "3", "[xelatex]", "xelatex", "lualatex", "typst", "null"]
)
def test_f005_agrees_with_what_the_pdf_build_accepts(
    course: Callable[..., Path], value: str
) -> None:
    from course_cli.builders.pdf.builder import choose_engine, read_front_matter
    from course_cli.core.errors import UsageError

    conspect = with_front(f"engine: {value}\n")
    root = course({"lessons/lesson_01/conspect.md": conspect})
    try:
        choose_engine(read_front_matter(conspect), "xelatex", None, Path("conspect.md"))
        build_refuses = False
    except UsageError:
        build_refuses = True
    codes = [f.code for f in check_course(load_course(root), [1]).findings]
    assert codes == (["F005"] if build_refuses else [])


def test_c007_lesson_number_disagrees_with_the_folder(course: Callable[..., Path]) -> None:
    deck = (
        (GOOD / "slides" / "slides.md")
        .read_text(encoding="utf-8")
        .replace("marp: true\n", "marp: true\nlesson: one\n")
    )
    root = course(
        {
            "lessons/lesson_01/conspect.md": with_front("", lesson_line="lesson: 7\n"),
            "lessons/lesson_01/slides/slides.md": deck,
            "lessons/lesson_02/conspect.md": with_front("", lesson_line="lesson: '02'\n"),
        }
    )
    report = check_course(load_course(root), [1, 2])
    got = [(f.location(), f.code, f.severity, f.message) for f in report.findings]
    assert got == [
        (
            "lessons/lesson_01/conspect.md:3:9",
            "C007",
            "warning",
            "front matter lesson: 7 disagrees with the folder lessons/lesson_01",
        ),
        (
            "lessons/lesson_01/slides/slides.md:3:9",
            "C007",
            "warning",
            "front matter lesson: 'one' is not a lesson number",
        ),
    ]
    assert report.findings[0].hint == "write `lesson: 1`"


# --- the command line --------------------------------------------------------------------


def broken(course: Callable[..., Path]) -> Path:
    readme = (GOOD / "README.md").read_text(
        encoding="utf-8"
    ) + "\n[gone](gone.md) ![](slides/img/hist.svg)\n"
    return course({"lessons/lesson_02/README.md": readme})


def test_cli_text_report(course: Callable[..., Path], run_cli: Callable[..., object]) -> None:
    root = broken(course)
    result = run_cli("check", "--root", str(root))
    out = result.stdout  # type: ignore[attr-defined]
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "Deliverables" in out
    assert "Lesson 2 · Second steps" in out
    assert (
        "lessons/lesson_02/README.md:25:8  error   L001 link target does not exist: gone.md" in out
    )
    assert "hint: paths are relative to the file that holds the link" in out
    assert "✗ 1 error, 1 warning in 7 files (2 lessons)" in out
    assert "error: course check: 1 error, 1 warning in 7 files (2 lessons)" in result.stderr  # type: ignore[attr-defined]


def test_cli_lesson_selection_and_strict(
    course: Callable[..., Path], run_cli: Callable[..., object]
) -> None:
    root = broken(course)
    clean = run_cli("check", "1", "--root", str(root))
    assert clean.exit_code == 0  # type: ignore[attr-defined]
    assert "✓ 0 errors, 0 warnings in 3 files (1 lesson)" in clean.stdout  # type: ignore[attr-defined]
    write_tree(
        root,
        {
            "lessons/lesson_02/README.md": (GOOD / "README.md").read_text(encoding="utf-8")
            + "\n![](slides/img/hist.svg)\n"
        },
    )
    assert run_cli("check", "2", "--root", str(root)).exit_code == 0  # type: ignore[attr-defined]
    strict = run_cli("check", "2", "--strict", "--root", str(root))
    assert strict.exit_code == 1  # type: ignore[attr-defined]
    assert "(--strict: warnings fail)" in strict.stdout  # type: ignore[attr-defined]


def test_cli_json_schema(course: Callable[..., Path], run_cli: Callable[..., object]) -> None:
    root = broken(course)
    result = run_cli("check", "--format", "json", "--root", str(root))
    data = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert data["schema"] == 1
    assert data["mode"] == "course"
    assert data["summary"] == {
        "errors": 1,
        "warnings": 1,
        "info": 0,
        "files": 7,
        "lessons": 2,
        "strict": False,
        "failed": True,
    }
    assert data["lessons"][1] == {
        "number": 2,
        "title": "Second steps",
        "folder": "lessons/lesson_02",
        "required": ["readme", "slides", "conspect"],
        "deliverables": {
            "readme": "ok",
            "slides": "ok",
            "conspect": "ok",
            "exercises": "absent",
            "notebooks": "absent",
            "reading": "absent",
        },
        "errors": 1,
        "warnings": 1,
    }
    assert data["findings"][0] == {
        "path": "lessons/lesson_02/README.md",
        "line": 25,
        "column": 8,
        "code": "L001",
        "name": "broken-link",
        "severity": "error",
        "message": "link target does not exist: gone.md",
        "hint": "paths are relative to the file that holds the link",
        "lesson": 2,
    }


def test_cli_github_and_junit(
    course: Callable[..., Path], run_cli: Callable[..., object], tmp_path: Path
) -> None:
    root = broken(course)
    junit = tmp_path / "out" / "check.xml"
    result = run_cli("check", "--format", "github", "--junit", str(junit), "--root", str(root))
    lines = result.stdout.splitlines()  # type: ignore[attr-defined]
    assert lines[0] == (
        "::error file=lessons/lesson_02/README.md,line=25,col=8,title=L001 broken-link::"
        "link target does not exist: gone.md "
        "(hint: paths are relative to the file that holds the link)"
    )
    assert lines[1].startswith(
        "::warning file=lessons/lesson_02/README.md,line=25,col=17,title=L004 image-without-alt::"
    )
    xml = junit.read_text(encoding="utf-8")
    assert '<testsuite name="course check" tests="7" failures="1"' in xml
    assert (
        '<failure type="L001" message="1 problem(s): link target does not exist: gone.md">' in xml
    )
    import xml.etree.ElementTree as ET

    ET.fromstring(xml)  # well-formed


def test_cli_junit_refuses_a_folder_and_a_file_that_is_not_a_report(
    course: Callable[..., Path], run_cli: Callable[..., object], tmp_path: Path
) -> None:
    root = course()
    folder = tmp_path / "reports"
    folder.mkdir()
    result = run_cli("check", "--junit", str(folder), "--root", str(root))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    err = result.stderr  # type: ignore[attr-defined]
    assert f"error: --junit {folder}: is a folder, not a file" in err
    assert f"--junit {folder / 'course-check.xml'}" in err
    assert list(folder.iterdir()) == []

    readme = root / "README.md"
    before = readme.read_text(encoding="utf-8")
    result = run_cli("check", "--junit", str(readme), "--root", str(root))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert (
        f"error: --junit {readme}: the file exists and is not a JUnit report of course check; "
        "not overwriting it" in result.stderr  # type: ignore[attr-defined]
    )
    assert readme.read_text(encoding="utf-8") == before

    other = tmp_path / "pytest.xml"
    other.write_text('<?xml version="1.0"?><testsuites><testsuite name="pytest"/></testsuites>')
    result = run_cli("check", "--junit", str(other), "--root", str(root))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "pytest" in other.read_text(encoding="utf-8")

    inside_a_file = readme / "check.xml"
    result = run_cli("check", "--junit", str(inside_a_file), "--root", str(root))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert (
        f"error: --junit {inside_a_file}: {readme} is a file, not a folder" in result.stderr  # type: ignore[attr-defined]
    )
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]


def test_cli_junit_replaces_an_earlier_report_and_an_empty_file(
    course: Callable[..., Path], run_cli: Callable[..., object], tmp_path: Path
) -> None:
    root = course()
    junit = tmp_path / "check.xml"
    junit.write_text("")
    assert run_cli("check", "--junit", str(junit), "--root", str(root)).exit_code == 0  # type: ignore[attr-defined]
    first = junit.read_text(encoding="utf-8")
    assert '<testsuite name="course check" tests="7" failures="0"' in first
    write_tree(
        root,
        {
            "lessons/lesson_01/README.md": (GOOD / "README.md").read_text(encoding="utf-8")
            + "\n[gone](gone.md)\n"
        },
    )
    assert run_cli("check", "--junit", str(junit), "--root", str(root)).exit_code == 1  # type: ignore[attr-defined]
    assert '<testsuite name="course check" tests="7" failures="1"' in junit.read_text(
        encoding="utf-8"
    )


def test_cli_usage_errors(course: Callable[..., Path], run_cli: Callable[..., object]) -> None:
    root = course()
    bad = run_cli("check", "abc", "--root", str(root))
    assert bad.exit_code == 2  # type: ignore[attr-defined]
    assert "error: 'abc' is not a lesson number" in bad.stderr  # type: ignore[attr-defined]
    unknown = run_cli("check", "9", "--root", str(root))
    assert unknown.exit_code == 2  # type: ignore[attr-defined]
    assert "no lesson 9 in course.yaml" in unknown.stderr  # type: ignore[attr-defined]
    fmt = run_cli("check", "--format", "xml", "--root", str(root))
    assert fmt.exit_code == 2  # type: ignore[attr-defined]


def test_cli_rules_table(run_cli: Callable[..., object]) -> None:
    result = run_cli("check", "--rules")
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert "L001" in result.stdout and "broken-link" in result.stdout  # type: ignore[attr-defined]


def test_missing_shared_macros_file_is_named_in_the_hint(course: Callable[..., Path]) -> None:
    root = course()
    (root / "materials/macros.tex").unlink()
    report = check_course(load_course(root), [1])
    first = report.findings[0]
    assert (first.location(), first.code) == ("lessons/lesson_01/README.md:23:15", "M004")
    assert first.message == (
        "\\E is not defined here, in materials/macros.tex, or in standard LaTeX/MathJax"
    )
    assert first.hint == (
        "materials/macros.tex (course.yaml `macros:`) does not exist: create it, or "
        "define it in materials/macros.tex: \\newcommand{\\E}{…}"
    )


def test_missing_lesson_folder_is_one_finding_even_with_book_labels(
    course: Callable[..., Path],
) -> None:
    root = course(yaml=BOOK_YAML, lessons=(1,))
    assert findings(root, 2) == [
        ("lessons/lesson_02/", "C002", "lesson 2 has no folder lessons/lesson_02")
    ]


def test_links_into_build_outputs_are_not_checked(course: Callable[..., Path]) -> None:
    readme = (GOOD / "README.md").read_text(encoding="utf-8") + (
        "\n[PDF](../../build/lesson_01/conspect.pdf) [src](../../src/gone.md)\n"
    )
    root = course({"lessons/lesson_01/README.md": readme})
    assert findings(root, 1) == [
        (
            "lessons/lesson_01/README.md:25:49",
            "L001",
            "link target does not exist: ../../src/gone.md",
        ),
    ]


def test_grid_marks_scaffolded_optional_parts(course: Callable[..., Path]) -> None:
    root = course(
        {
            "lessons/lesson_01/exercises/README.md": "# Lesson 1 exercises\n\n"
            '<!-- TODO(course): problem sets for "First steps", with hints -->\n',
            "lessons/lesson_01/reading/papers.md": "# Papers\n\n- One.\n",
        }
    )
    report = check_course(load_course(root), [1])
    assert report.lessons[0].parts == {
        "readme": "ok",
        "slides": "ok",
        "conspect": "ok",
        "exercises": "template",
        "notebooks": "absent",
        "reading": "present",
    }
    assert [(f.location(), f.code) for f in report.findings] == [
        ("lessons/lesson_01/exercises/README.md:1", "D006"),
    ]


def test_l006_citations_against_the_course_bibliography(course: Callable[..., Path]) -> None:
    conspect = (GOOD / "conspect.md").read_text(encoding="utf-8") + (
        "\nAs in [@sutton2018rl] and [@nobody2099].\n"
    )
    bib = "@book{sutton2018rl,\n  title = {Reinforcement Learning},\n}\n"
    root = course({"lessons/lesson_01/conspect.md": conspect, "materials/book/refs.bib": bib})
    assert findings(root, 1) == [
        (
            "lessons/lesson_01/conspect.md:29:28",
            "L006",
            "citation @nobody2099 is not in materials/book/refs.bib",
        ),
    ]
