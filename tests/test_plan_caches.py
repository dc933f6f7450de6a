"""Caches of planning and configuration: reused only while their file is unchanged, and an
unreadable cache is ignored (never a traceback)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from course_cli.core.config import load_course
from course_cli.core.errors import ConfigError
from course_cli.engine.plancache import PlanCache
from tests.conftest import MINI_COURSE_YAML


def _counting(values: list[str]) -> Callable[[str], list[str]]:
    def compute(text: str) -> list[str]:
        values.append(text)
        return text.split()

    return compute


def _age(path: Path, seconds: float) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


def test_plan_cache_derives_once_per_file_version(tmp_path: Path) -> None:
    source = tmp_path / "README.md"
    source.write_text("a b c", encoding="utf-8")
    _age(source, 10)  # written well before it was recorded
    calls: list[str] = []
    cache = PlanCache(tmp_path / "build/.cache/plan.json", tmp_path)
    assert cache.derive(source, "words", _counting(calls)) == ["a", "b", "c"]
    cache.save()
    again = PlanCache(tmp_path / "build/.cache/plan.json", tmp_path)
    assert again.derive(source, "words", _counting(calls)) == ["a", "b", "c"]
    assert calls == ["a b c"]  # the second process read and parsed nothing
    source.write_text("x y z", encoding="utf-8")  # same size, new content
    assert again.derive(source, "words", _counting(calls)) == ["x", "y", "z"]
    assert calls == ["a b c", "x y z"]


def test_plan_cache_rereads_a_file_edited_within_the_clock_tick(tmp_path: Path) -> None:
    source = tmp_path / "README.md"
    source.write_text("a b c", encoding="utf-8")
    calls: list[str] = []
    cache = PlanCache(tmp_path / "plan.json", tmp_path)
    cache.derive(source, "words", _counting(calls))
    mtime = source.stat().st_mtime_ns
    source.write_text("x y z", encoding="utf-8")
    os.utime(source, ns=(mtime, mtime))  # same size and mtime: only the bytes tell
    assert cache.derive(source, "words", _counting(calls)) == ["x", "y", "z"]


def test_a_value_of_several_files_is_kept_until_one_of_them_changes(tmp_path: Path) -> None:
    main, part = tmp_path / "main.tex", tmp_path / "part.tex"
    main.write_text("\\input{part}", encoding="utf-8")
    part.write_text("one", encoding="utf-8")
    for f in (main, part):
        _age(f, 10)
    calls: list[int] = []

    def compute() -> tuple[str, list[Path]]:
        calls.append(1)
        return part.read_text(encoding="utf-8"), [main, part]

    cache = PlanCache(tmp_path / "build/.cache/plan.json", tmp_path)
    assert cache.derive_tree(main, "parts", compute) == "one"
    cache.save()
    again = PlanCache(tmp_path / "build/.cache/plan.json", tmp_path)
    assert again.derive_tree(main, "parts", compute) == "one"
    assert len(calls) == 1  # the second process read nothing
    part.write_text("two", encoding="utf-8")  # a file drawn in, not the one asked about
    assert again.derive_tree(main, "parts", compute) == "two"
    assert len(calls) == 2
    part.unlink()
    assert again.derive_tree(main, "parts", lambda: ("gone", [main])) == "gone"


def test_a_tree_value_waits_for_a_file_that_does_not_exist_yet(tmp_path: Path) -> None:
    """A file the value depends on by its absence (the compiled book's .aux) is recorded as
    absent: the value is derived again when it appears, and again when it goes."""
    main = tmp_path / "main.txt"
    main.write_text("main", encoding="utf-8")
    os.utime(main, ns=(0, main.stat().st_mtime_ns - 10**10))
    extra = tmp_path / "build" / "extra.txt"
    calls: list[int] = []

    def compute() -> tuple[str, list[Path]]:
        calls.append(1)
        return ("with" if extra.exists() else "without"), [main, extra]

    cache = PlanCache(tmp_path / "build/.cache/plan.json", tmp_path)
    assert cache.derive_tree(main, "k", compute) == "without"
    assert cache.derive_tree(main, "k", compute) == "without" and len(calls) == 1
    extra.parent.mkdir(exist_ok=True)
    extra.write_text("x", encoding="utf-8")
    assert cache.derive_tree(main, "k", compute) == "with" and len(calls) == 2
    extra.unlink()
    assert cache.derive_tree(main, "k", compute) == "without" and len(calls) == 3
    assert cache.derive_tree(main, "k", compute) == "without" and len(calls) == 3


def test_the_toolkit_stamp_covers_every_file_of_the_package(tmp_path: Path) -> None:
    """Replays (help, check, no-op build) and the plan and course caches are keyed by the
    toolkit's files: all of course_cli/, not only the folder of the module that stamps."""
    import course_cli
    from course_cli.core import stamp

    assert Path(course_cli.__file__).resolve().parent == stamp._TOOLKIT
    package = tmp_path / "pkg"
    (package / "core").mkdir(parents=True)
    (package / "builders").mkdir()
    (package / "core" / "a.py").write_text("a = 1\n", encoding="utf-8")
    module = package / "builders" / "b.py"
    module.write_text("b = 1\n", encoding="utf-8")
    before = stamp._toolkit_files(package)
    module.write_text("b = 22\n", encoding="utf-8")  # a module outside core/ changes
    stamp._toolkit_files.cache_clear()
    assert stamp._toolkit_files(package) != before


@pytest.mark.parametrize("garbage", ["{broken", "[]", '{"version": 1, "entries": 5}', ""])
def test_a_corrupt_plan_cache_is_ignored(tmp_path: Path, garbage: str) -> None:
    source = tmp_path / "README.md"
    source.write_text("a b", encoding="utf-8")
    (tmp_path / "plan.json").write_text(garbage, encoding="utf-8")
    cache = PlanCache(tmp_path / "plan.json", tmp_path)
    assert cache.derive(source, "words", _counting([])) == ["a", "b"]
    cache.save()
    assert json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))["version"] == 1


def _no_yaml_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(path: Path) -> None:
        raise AssertionError(f"{path} was parsed again")

    monkeypatch.setattr("course_cli.core.config.load_yaml", fail)


def test_course_yaml_is_validated_once_per_content(
    make_course: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_course({"build/.keep": ""})
    first = load_course(root)
    assert (root / "build/.cache/course.json").is_file()
    with monkeypatch.context() as m:
        _no_yaml_parser(m)
        cached = load_course(root)
    assert cached == first
    assert [x.title for x in cached.lessons] == ["First steps", "Second steps"]
    (root / "course.yaml").write_text(MINI_COURSE_YAML + "colour: blue\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_course(root)
    assert info.value.messages[0].startswith("course.yaml:13: colour: unknown key 'colour'")


def test_cached_course_yaml_still_checks_the_paths_it_names(
    make_course: Callable[..., Path],
) -> None:
    yaml = MINI_COURSE_YAML + "book:\n  pdf: out/book.pdf\n"
    root = make_course({"build/.keep": ""}, yaml=yaml)
    load_course(root)  # valid: cached
    (root / "out/book.pdf").mkdir(parents=True)  # the book's copy would overwrite a folder
    with pytest.raises(ConfigError) as info:
        load_course(root)
    assert info.value.messages == ["course.yaml:14: book.pdf: 'out/book.pdf' is a folder"]


def test_a_corrupt_course_cache_is_ignored(make_course: Callable[..., Path]) -> None:
    root = make_course({"build/.keep": ""})
    expected = load_course(root)
    (root / "build/.cache/course.json").write_text('{"version": 1, "key": [', encoding="utf-8")
    assert load_course(root) == expected
    assert json.loads((root / "build/.cache/course.json").read_text(encoding="utf-8"))["course"]


def test_read_only_commands_do_not_create_build(make_course: Callable[..., Path]) -> None:
    root = make_course()
    load_course(root)
    assert not (root / "build").exists()
