# ruff: noqa: E501  (a table of cases: each YAML and its message on one line)
"""course.yaml's checks without a validation library: each kind of wrong value gets its
line, its field and a message in the house style; a course read back from the JSON cache is
the course the YAML gives; loading a course imports nothing heavy."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from course_cli.core.config import Course, load_course, new_lesson
from course_cli.core.errors import ConfigError

HEAD = "title: T\n"


def _errors(root: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_course(root)
    return info.value.messages


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("build:\n  solutions: maybe\n", "course.yaml:3: build.solutions: input should be a valid boolean (got 'maybe')"),
        ("build:\n  slides: html\n", "course.yaml:3: build.slides: input should be a valid list (got 'html')"),
        ("build:\n  slides: [html, pfd]\n", "course.yaml:3: build.slides[1]: 'pfd' is not one of 'html', 'pdf' or 'pptx' (did you mean 'pdf'?)"),
        ("build:\n  tools: [marp]\n", "course.yaml:3: build.tools: input should be a valid dictionary"),
        ("build:\n  jobs: 0\n", "course.yaml:3: build.jobs: input should be greater than or equal to 1 (got 0)"),
        ("build:\n  notebooks:\n    timeout: '60'\n", "course.yaml:4: build.notebooks.timeout: input should be a valid integer (got '60')"),
        ("build:\n  notebooks:\n    tmeout: 60\n", "course.yaml:4: build.notebooks.tmeout: unknown key 'tmeout' (did you mean 'timeout'?)"),
        ("build:\n  zzz: 1\n", "course.yaml:3: build.zzz: unknown key 'zzz' (allowed: jobs, notebooks, pdf_engine, slides, solutions, themes, tools)"),
        ("check:\n  severity:\n    C001: fatal\n", "course.yaml:4: check.severity.C001: 'fatal' is not one of 'error', 'warning' or 'info'"),
        ("check:\n  overfull_pt: -1\n", "course.yaml:3: check.overfull_pt: input should be greater than or equal to 0 (got -1)"),
        ("check:\n  overfull_pt: wide\n", "course.yaml:3: check.overfull_pt: input should be a valid number (got 'wide')"),
        ("book: materials/book\n", "course.yaml:2: book: input should be a mapping of keys (got 'materials/book')"),
        ("macros: 5\n", "course.yaml:2: macros: input should be a valid string (got 5)"),
        ("author: '  '\n", "course.yaml:2: author: must be one non-empty line of text"),
        ("repository: {branch: dev}\n", "course.yaml:2: repository.url: required field is missing"),
        ("lessons:\n  - number: 1\n    title: ''\n", "course.yaml:4: lessons[0].title: string should have at least 1 character (got '')"),
        ('lessons:\n  - number: 1\n    title: "a\\nb"\n', "course.yaml:4: lessons[0].title: must be one line (got 'a\\nb')"),
        ("lessons:\n  - number: 1\n    title: A\n    book: ch:x\n", "course.yaml:5: lessons[0].book: input should be a valid list (got 'ch:x')"),
        ("lessons:\n  - number: 1\n    title: A\n    deliverables:\n      required: [slide]\n", "course.yaml:6: lessons[0].deliverables.required[0]: 'slide' is not one of 'readme', 'slides', 'conspect', 'exercises', 'notebooks' or 'reading' (did you mean 'slides'?)"),
        ("check:\n  overfull_pt: .nan\n", "course.yaml:3: check.overfull_pt: input should be a finite number (got nan)"),
        ("check:\n  overfull_pt: 1" + "0" * 320 + "\n", "course.yaml:3: check.overfull_pt: input should be a finite number (got '100000000000…')"),
        ("build:\n  jobs: 2.5\n", "course.yaml:3: build.jobs: input should be a valid integer (got 2.5)"),
        ("build:\n  jobs: &j true\n", "course.yaml:3: build.jobs: input should be a valid integer (got True)"),
        ("build:\n  tools: {1: /usr/bin/marp}\n", "course.yaml:3: build.tools.1: keys should be text (got 1)"),
        ("lessons:\n  - number: 2.0\n    title: A\n", "course.yaml:3: lessons[0].number: input should be a valid integer (got 2.0)"),
        ("lessons: {number: 1}\n", "course.yaml:2: lessons: input should be a valid list"),
        ("lessons:\n  - 3\n", "course.yaml:3: lessons[0]: input should be a mapping of keys (got 3)"),
    ],
)  # fmt: skip
def test_each_wrong_value_names_line_field_and_why(make_course, yaml: str, message: str) -> None:
    assert _errors(make_course(yaml=HEAD + yaml)) == [message]


def test_shorthands_and_numbers_as_text(make_course) -> None:
    yaml = (
        "title: T\nversion: 1.2\nauthor: ' Ann '\nrepository: https://github.com/o/r\nlessons: []\n"
    )
    course = load_course(make_course(yaml=yaml))
    assert (course.version, course.author) == ("1.2", "Ann")
    assert (course.repository.url, course.repository.branch) == ("https://github.com/o/r", "main")
    assert course.build.slides == ["html", "pdf"]
    assert course.deliverables.required == ["readme", "slides", "conspect"]


def test_a_number_too_long_to_read_is_an_error_not_a_traceback(make_course, run_cli) -> None:
    root = make_course(yaml="title: T\nbuild:\n  jobs: " + "9" * 5000 + "\nlessons: []\n")
    result = run_cli("check", "--root", str(root))
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: course.yaml: a value cannot be read: Exceeds the limit")
    assert "Traceback" not in result.stderr


def test_anchored_booleans_and_whole_floats(make_course) -> None:
    """ruamel reads an anchored boolean as an int subclass: it is still a boolean; a count
    written 2.0 is 2 (a lesson number must be written as a whole number)."""
    yaml = "title: T\nbuild:\n  solutions: &s false\n  jobs: 2.0\n  notebooks: {timeout: 60.0}\n"
    course = load_course(make_course(yaml=yaml + "lessons: []\n"))
    assert course.build.solutions is False
    assert (course.build.jobs, course.build.notebooks.timeout) == (2, 60)
    assert type(course.build.jobs) is int


def test_the_cached_course_is_the_course(make_course) -> None:
    yaml = (
        "title: T\nbuild:\n  jobs: 2\n  tools: {pandoc: /usr/bin/pandoc}\n"
        "check:\n  overfull_pt: 3\nlessons:\n  - number: 2\n    title: B\n    book: [ch:x]\n"
        "    deliverables: {required: [readme]}\n"
    )
    root = make_course(yaml=yaml)
    (root / "build").mkdir()
    fresh = load_course(root)
    assert (root / "build" / ".cache" / "course.json").is_file()
    cached = load_course(root)
    assert dataclasses.asdict(cached) == dataclasses.asdict(fresh)
    assert isinstance(cached, Course)
    assert cached.lessons[0].deliverables.required == ["readme"]
    assert cached.check.overfull_pt == 3.0


def test_a_new_lesson_is_checked_like_course_yaml() -> None:
    lesson, problems = new_lesson(number=3, title="x\ny", summary="")
    assert lesson is None
    assert problems == [(("title",), "must be one line (got 'x\\ny')")]
    lesson, problems = new_lesson(number=3, title="Three", summary="s")
    assert (lesson.dirname, lesson.title, problems) == ("lesson_03", "Three", [])


def test_loading_a_course_imports_no_validation_library(make_course) -> None:
    root = make_course()
    code = (
        "import sys; from pathlib import Path; from course_cli.core.config import load_course; "
        f"load_course(Path({str(root)!r})); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'pydantic', 'rich', 'typer'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
