"""course readme (idempotent, touches only the marked block), course list, --version, --help."""

from __future__ import annotations

import json

from course_cli import __version__

README = (
    "# My course\n\nIntro stays.\n\n<!-- course:roadmap:start -->\nold\n"
    "<!-- course:roadmap:end -->\n\nTail stays.\n"
)


def test_readme_writes_table_between_markers_only(make_course, run_cli) -> None:
    root = make_course({"README.md": README})
    result = run_cli("readme", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "README.md: roadmap updated (2 lessons)\n"
    assert (root / "README.md").read_text() == (
        "# My course\n\nIntro stays.\n\n<!-- course:roadmap:start -->\n"
        "| # | Lesson | Description | Slides | Conspect |\n"
        "|---:|---|---|---|---|\n"
        "| 1 | [First steps](lessons/lesson_01/README.md) | The first lesson. "
        "| [Slides](lessons/lesson_01/slides/) | [Conspect](lessons/lesson_01/conspect.md) |\n"
        "| 2 | [Second steps](lessons/lesson_02/README.md) | The second lesson. "
        "| [Slides](lessons/lesson_02/slides/) | [Conspect](lessons/lesson_02/conspect.md) |\n"
        "<!-- course:roadmap:end -->\n\nTail stays.\n"
    )


def test_readme_is_idempotent(make_course, run_cli) -> None:
    root = make_course({"README.md": README})
    run_cli("readme", "--root", str(root))
    first = (root / "README.md").read_bytes()
    mtime = (root / "README.md").stat().st_mtime_ns
    result = run_cli("readme", "--root", str(root))
    assert result.stdout == "README.md: roadmap already up to date\n"
    assert (root / "README.md").read_bytes() == first
    assert (root / "README.md").stat().st_mtime_ns == mtime
    assert run_cli("readme", "--check", "--root", str(root)).exit_code == 0


def test_readme_check_reports_drift(make_course, run_cli) -> None:
    root = make_course({"README.md": README})
    result = run_cli("readme", "--check", "--root", str(root))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: README.md: the roadmap table is out of date",
        "hint: run `course readme`",
    ]
    assert (root / "README.md").read_text() == README


def test_readme_without_markers(make_course, run_cli) -> None:
    root = make_course({"README.md": "# x\n"})
    result = run_cli("readme", "--root", str(root))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: README.md: no roadmap markers",
        "hint: put the lines <!-- course:roadmap:start --> and <!-- course:roadmap:end --> "
        "where the table belongs",
    ]


def test_list_json(make_course, run_cli) -> None:
    root = make_course(
        {"lessons/lesson_01/README.md": "# x\n", "lessons/lesson_01/slides/a.md": "x"}
    )
    result = run_cli("list", "--format", "json", "--root", str(root))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data[0] == {
        "number": 1,
        "title": "First steps",
        "folder": "lessons/lesson_01",
        "exists": True,
        "deliverables": {
            "readme": True,
            "slides": True,
            "conspect": False,
            "exercises": False,
            "notebooks": False,
            "reading": False,
        },
        "book": [],
        "book_synced": False,
    }
    assert data[1]["exists"] is False


def test_list_table_shows_lessons(make_course, run_cli) -> None:
    root = make_course()
    result = run_cli("list", "--root", str(root))
    assert result.exit_code == 0
    assert "First steps" in result.stdout and "Second steps" in result.stdout
    assert "Test Course" in result.stdout


def test_list_bad_format(make_course, run_cli) -> None:
    root = make_course()
    result = run_cli("list", "--format", "xml", "--root", str(root))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "error: --format: 'xml' is not one of text, json"


def test_version_and_help(run_cli) -> None:
    assert run_cli("--version").stdout == f"course {__version__}\n"
    result = run_cli("--help")
    assert result.exit_code == 0
    for command in ("new-lesson", "list", "readme"):
        assert command in result.stdout


def test_repository_readme_roadmap_is_current(run_cli) -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    assert run_cli("readme", "--check", "--root", str(root)).exit_code == 0


def test_roadmap_escapes_brackets_and_pipes_in_titles(make_course, run_cli) -> None:
    yaml = 'title: T\nlessons:\n  - number: 1\n    title: "[Draft] A | B"\n    summary: x | y\n'
    root = make_course({"README.md": README}, yaml=yaml)
    assert run_cli("readme", "--root", str(root)).exit_code == 0
    assert (
        "| 1 | [\\[Draft\\] A \\| B](lessons/lesson_01/README.md) | x \\| y |"
        in (root / "README.md").read_text()
    )


def test_root_before_the_command_works_like_after_it(make_course, run_cli, tmp_path) -> None:
    """`course --root X list` (as the README says every command takes --root) is the same as
    `course list --root X`; the command's own --root wins when both are given."""
    root = make_course()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = run_cli("--root", str(root), "list", "--format", "json", cwd=elsewhere)
    after = run_cli("list", "--format", "json", "--root", str(root), cwd=elsewhere)
    assert before.exit_code == 0, before.stderr
    assert before.stdout == after.stdout
    assert '"title": "First steps"' in before.stdout
    missing = run_cli("--root", str(elsewhere), "list", "--root", str(root), cwd=elsewhere)
    assert missing.exit_code == 0
    plain = run_cli("list", cwd=elsewhere)  # nothing remembered from the runs before
    assert plain.exit_code == 2
    assert "no course.yaml found in" in plain.stderr
