"""course.yaml loading: every error names file, line and field; all are reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_cli.core.config import load_course
from course_cli.core.courseroot import find_root
from course_cli.core.errors import ConfigError, UsageError


def _errors(root: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_course(root)
    return info.value.messages


def test_repository_course_yaml_loads() -> None:
    course = load_course(Path(__file__).resolve().parents[1])
    assert [x.number for x in course.lessons] == list(range(1, 13))
    assert course.lessons[4].title == "RL fundamentals"
    assert {x.number: x.book for x in course.lessons if x.book} == {
        5: ["ch:rl-fundamentals", "sec:solutions-rl-fundamentals"],
        6: ["ch:policy-gradients", "sec:solutions-policy-gradients"],
        7: ["ch:bounded-optimization", "sec:solutions-bounded-optimization"],
        8: ["ch:alignment-methods", "sec:solutions-alignment-methods"],
    }
    assert course.build.pdf_engine == "xelatex"


def test_duplicate_number_names_line_and_field(make_course) -> None:
    root = make_course(
        yaml="title: T\nlessons:\n  - number: 1\n    title: A\n  - number: 1\n    title: B\n"
    )
    assert _errors(root) == [
        "course.yaml:5: lessons[1].number: duplicate lesson number 1 (first used at line 3)"
    ]


def test_unknown_key_did_you_mean(make_course) -> None:
    root = make_course(yaml="title: T\nlessons:\n  - number: 1\n    titel: A\n")
    assert _errors(root) == [
        "course.yaml:3: lessons[0].title: required field is missing",
        "course.yaml:4: lessons[0].titel: unknown key 'titel' (did you mean 'title'?)",
    ]


def test_all_errors_reported_at_once_in_line_order(make_course) -> None:
    root = make_course(
        yaml=(
            "title: T\n"
            "buld:\n"
            "  slides: [html]\n"
            "build:\n"
            "  pdf_engine: xelatx\n"
            "lessons:\n"
            "  - number: 0\n"
            "    title: Zero\n"
            "  - number: two\n"
            "    title: Two\n"
        )
    )
    assert _errors(root) == [
        "course.yaml:2: buld: unknown key 'buld' (did you mean 'build'?)",
        "course.yaml:5: build.pdf_engine: 'xelatx' is not one of 'xelatex', 'lualatex', "
        "'pdflatex' or 'typst' (did you mean 'xelatex'?)",
        "course.yaml:7: lessons[0].number: input should be greater than or equal to 1 (got 0)",
        "course.yaml:9: lessons[1].number: input should be a valid integer (got 'two')",
    ]


def test_yaml_syntax_error_shows_line_and_column(make_course) -> None:
    root = make_course(yaml="title: T\nlessons:\n  - number: 1\n   title: [oops\n")
    (msg,) = _errors(root)
    assert msg.startswith("course.yaml:4:")
    assert "YAML syntax error" in msg


def test_top_level_must_be_mapping(make_course) -> None:
    root = make_course(yaml="- a\n- b\n")
    assert _errors(root) == ["course.yaml:1: the top level must be a mapping of keys"]


def test_no_course_yaml_anywhere(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        find_root(tmp_path)
    expected = f"no course.yaml found in {tmp_path.resolve()} or any parent folder"
    assert info.value.messages == [expected]


def test_find_root_walks_up(make_course) -> None:
    root = make_course()
    deep = root / "lessons" / "x"
    deep.mkdir(parents=True)
    assert find_root(deep) == root.resolve()


def test_cli_config_error_exit_2_no_traceback(make_course, run_cli) -> None:
    root = make_course(yaml="title: T\nlessons:\n  - number: 1\n    title: A\n    sumary: s\n")
    result = run_cli("list", "--root", str(root))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: course.yaml:5: lessons[0].sumary: unknown key 'sumary' (did you mean 'summary'?)",
        "hint: fix course.yaml and run again",
    ]
    assert "Traceback" not in result.stderr


def test_cli_outside_a_course(tmp_path: Path, run_cli) -> None:
    result = run_cli("list", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"error: no course.yaml found in {tmp_path.resolve()} or any parent folder"
    )


def test_select_lessons_by_number(make_course) -> None:
    course = load_course(make_course())
    assert [x.number for x in course.select([2, 1, 2])] == [1, 2]
    assert [x.number for x in course.select([])] == [1, 2]
    with pytest.raises(UsageError) as info:
        course.select([7])
    assert info.value.message == "no lesson 7 in course.yaml (lessons: 1, 2)"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("true", "course.yaml:3: lessons[0].number: input should be a valid integer (got True)"),
        ("1.5", "course.yaml:3: lessons[0].number: input should be a valid integer (got 1.5)"),
    ],
)
def test_lesson_number_must_be_a_real_integer(make_course, value: str, message: str) -> None:
    root = make_course(yaml=f"title: T\nlessons:\n  - number: {value}\n    title: A\n")
    assert _errors(root) == [message]


def test_unknown_tool_name_in_build_tools(make_course) -> None:
    root = make_course(
        yaml="title: T\nbuild:\n  tools:\n    chromiun: /usr/bin/chromium\nlessons: []\n"
    )
    assert _errors(root) == [
        "course.yaml:4: build.tools.chromiun: unknown tool (did you mean 'chromium'?)"
    ]
