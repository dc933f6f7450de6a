"""course new-lesson: golden output, comment-keeping course.yaml edits, dry runs, no clobbering."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import MINI_COURSE_YAML

GOLDEN = Path(__file__).parent / "golden" / "scaffold"


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_new_lesson_matches_golden_files(make_course, run_cli) -> None:
    root = make_course()
    result = run_cli(
        "new-lesson",
        "3",
        "--title",
        "Third steps",
        "--summary",
        "Walking: carefully.",
        "--with",
        "notebooks,exercises",
        "--root",
        str(root),
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "update   course.yaml (add lesson 3: Third steps)",
        "create   lessons/lesson_03/README.md",
        "create   lessons/lesson_03/conspect.md",
        "create   lessons/lesson_03/exercises/README.md",
        "create   lessons/lesson_03/notebooks/README.md",
        "create   lessons/lesson_03/notebooks/explore.ipynb",
        "create   lessons/lesson_03/notebooks/explore.py",
        "create   lessons/lesson_03/slides/slides.md",
        "created lessons/lesson_03/",
    ]
    made = _tree(root / "lessons" / "lesson_03")
    if os.environ.get("UPDATE_GOLDEN"):
        for rel, text in made.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_text(text, encoding="utf-8")
    assert made == _tree(GOLDEN)


def test_new_lesson_keeps_comments_order_and_formatting(make_course, run_cli) -> None:
    root = make_course()
    result = run_cli("new-lesson", "3", "--title", "Third: steps", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert (root / "course.yaml").read_text() == MINI_COURSE_YAML + (
        '  - number: 3\n    title: "Third: steps"\n'
    )


def test_new_lesson_inserted_in_number_order_before_its_comment(make_course, run_cli) -> None:
    yaml = (
        "title: T  # keep me\n"
        "lessons:\n"
        "- number: 1\n"
        "  title: One\n"
        "# Part two\n"
        "- number: 5\n"
        "  title: Five\n"
        "build: {pdf_engine: typst}\n"
    )
    root = make_course(yaml=yaml)
    assert run_cli("new-lesson", "2", "-t", "Two", "--root", str(root)).exit_code == 0
    assert (root / "course.yaml").read_text() == (
        "title: T  # keep me\n"
        "lessons:\n"
        "- number: 1\n"
        "  title: One\n"
        "- number: 2\n"
        "  title: Two\n"
        "# Part two\n"
        "- number: 5\n"
        "  title: Five\n"
        "build: {pdf_engine: typst}\n"
    )
    assert run_cli("new-lesson", "9", "-t", "Nine", "--root", str(root)).exit_code == 0
    assert (
        (root / "course.yaml")
        .read_text()
        .endswith(
            "- number: 5\n  title: Five\n- number: 9\n  title: Nine\nbuild: {pdf_engine: typst}\n"
        )
    )


def test_existing_entry_is_scaffolded_from_metadata(make_course, run_cli) -> None:
    root = make_course()
    before = (root / "course.yaml").read_text()
    result = run_cli("new-lesson", "2", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert (root / "course.yaml").read_text() == before
    readme = (root / "lessons/lesson_02/README.md").read_text()
    assert readme.startswith("# Lesson 2: Second steps\n\nThe second lesson.\n")


def test_dry_run_prints_plan_and_writes_nothing(make_course, run_cli) -> None:
    root = make_course()
    before = _tree(root)
    result = run_cli("new-lesson", "4", "-t", "Four", "--dry-run", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "update   course.yaml (add lesson 4: Four)",
        "create   lessons/lesson_04/README.md",
        "create   lessons/lesson_04/conspect.md",
        "create   lessons/lesson_04/slides/slides.md",
        "dry run: nothing written",
    ]
    assert _tree(root) == before


def test_refuses_to_overwrite_and_writes_nothing(make_course, run_cli) -> None:
    root = make_course({"lessons/lesson_01/conspect.md": "my notes\n"})
    result = run_cli("new-lesson", "1", "--root", str(root))
    assert result.exit_code == 1
    assert "conflict lessons/lesson_01/conspect.md" in result.stdout
    assert result.stderr.splitlines() == [
        "error: refusing to overwrite existing files: lessons/lesson_01/conspect.md",
        "hint: nothing was written; pass --force to overwrite them",
    ]
    assert (root / "lessons/lesson_01/conspect.md").read_text() == "my notes\n"
    assert not (root / "lessons/lesson_01/README.md").exists()


def test_force_overwrites(make_course, run_cli) -> None:
    root = make_course({"lessons/lesson_01/conspect.md": "my notes\n"})
    result = run_cli("new-lesson", "1", "--force", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert "overwrite lessons/lesson_01/conspect.md" in result.stdout
    assert "TODO(course)" in (root / "lessons/lesson_01/conspect.md").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["0", "-t", "Z"], "error: lesson number must be 1 or more, got 0"),
        (["-3", "-t", "Z"], "error: lesson number must be 1 or more, got -3"),
        (["abc", "-t", "Z"], "error: lesson number must be a whole number, got 'abc'"),
        (["2.5", "-t", "Z"], "error: lesson number must be a whole number, got '2.5'"),
        (["7"], "error: --title is required for a new lesson (7 is not in course.yaml)"),
        (["7", "-t", "first STEPS"], "error: lesson 1 already has the title 'first STEPS'"),
        (["1", "-t", "Other"], "error: lesson 1 already exists in course.yaml as 'First steps'"),
        (
            ["7", "-t", "X", "--with", "slides"],
            "error: --with: unknown part 'slides' (choose from exercises, notebooks, reading)",
        ),
    ],
)
def test_bad_input_clear_error_exit_2(make_course, run_cli, args, message) -> None:
    root = make_course()
    before = _tree(root)
    result = run_cli("new-lesson", *args, "--root", str(root))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == message
    assert "Traceback" not in result.stderr
    assert _tree(root) == before


def test_undefined_template_variable_names_template_and_line(make_course, run_cli) -> None:
    root = make_course()
    (root / "templates/lesson/conspect.md.j2").write_text("---\ntitle: {{ title }}\n{{ nope }}\n")
    result = run_cli("new-lesson", "1", "--root", str(root))
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first == (
        f"error: {root}/templates/lesson/conspect.md.j2:3: template uses an undefined "
        "variable: 'nope' is undefined"
    )
    assert not (root / "lessons").exists()


def test_placeholders_are_marked(make_course, run_cli) -> None:
    root = make_course()
    run_cli("new-lesson", "1", "--with", "exercises,notebooks,reading", "--root", str(root))
    for path in (root / "lessons/lesson_01").rglob("*.md"):
        assert "<!-- TODO(course):" in path.read_text(), path


@pytest.mark.parametrize(
    ("title", "summary", "expected"),
    [
        ("2024-01-01", None, '    title: "2024-01-01"\n'),
        ("1e5", None, '    title: "1e5"\n'),
        ("Intro", "0x1F", '    title: Intro\n    summary: "0x1F"\n'),
        ("yes", None, '    title: "yes"\n'),
        ("null", None, '    title: "null"\n'),
        ("[draft] RL", None, '    title: "[draft] RL"\n'),
        ("It's #1", None, '    title: "It\'s #1"\n'),
        ("Bellman's equations", None, "    title: Bellman's equations\n"),
        ('Say "hi": now', None, '    title: "Say \\"hi\\": now"\n'),
        ("Ünïcödé – ok", None, "    title: Ünïcödé – ok\n"),
    ],
)
def test_new_lesson_values_stay_strings(make_course, run_cli, title, summary, expected) -> None:
    root = make_course()
    args = ["new-lesson", "15", "--title", title, "--root", str(root)]
    if summary:
        args += ["--summary", summary]
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    text = (root / "course.yaml").read_text()
    assert text == MINI_COURSE_YAML + "  - number: 15\n" + expected
    listed = run_cli("list", "--format", "json", "--root", str(root))
    assert listed.exit_code == 0, listed.stderr
    assert f'"title": {json.dumps(title, ensure_ascii=True)}' in listed.stdout


def test_new_lesson_flow_style_list_is_a_clear_error(make_course, run_cli) -> None:
    yaml = "title: T\nlessons: [{number: 1, title: A}]\n"
    root = make_course(yaml=yaml)
    result = run_cli("new-lesson", "2", "-t", "B", "--root", str(root))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: course.yaml:2: lessons: written as a [flow] list; add the lesson by hand",
        "hint: or rewrite lessons as a block list (one '- number: …' item per lesson)",
    ]
    assert (root / "course.yaml").read_text() == yaml
    assert not (root / "lessons").exists()


def test_new_lesson_after_items_with_a_lone_dash(make_course, run_cli) -> None:
    yaml = "title: T\nlessons:\n  -\n    number: 1\n    title: A\n"
    root = make_course(yaml=yaml)
    result = run_cli("new-lesson", "2", "-t", "B", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert (root / "course.yaml").read_text() == yaml + "  - number: 2\n    title: B\n"


def test_written_files_keep_their_mode(make_course, run_cli) -> None:
    markers = "<!-- course:roadmap:start -->\n<!-- course:roadmap:end -->\n"
    root = make_course({"README.md": markers})
    (root / "course.yaml").chmod(0o664)
    (root / "README.md").chmod(0o644)
    old = os.umask(0o022)
    try:
        assert run_cli("new-lesson", "3", "-t", "Perm", "--root", str(root)).exit_code == 0
        assert run_cli("readme", "--root", str(root)).exit_code == 0
    finally:
        os.umask(old)
    assert (root / "course.yaml").stat().st_mode & 0o777 == 0o664
    assert (root / "README.md").stat().st_mode & 0o777 == 0o644
    assert (root / "lessons/lesson_03/README.md").stat().st_mode & 0o777 == 0o644
