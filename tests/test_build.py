"""The build engine: staleness by content, batching, atomic installs, failures, manifest."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from course_cli.core.errors import CourseError, ExitCode, ToolFailedError
from course_cli.engine.executor import execute
from course_cli.engine.steps import BuildOptions, BuildStep, Task, key_of


class Recorder:
    """An action that upper-cases its input into the output and records each call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.lock = threading.Lock()

    def __call__(self, tasks: Sequence[Task]) -> None:
        with self.lock:
            self.calls.append([t.step.output.name for t in tasks])
        for t in tasks:
            t.out().write_text(t.step.inputs[0].read_text().upper())
            for extra in t.step.extra_outputs:
                t.out(extra).write_text("extra")


def make_steps(
    root: Path, action: Recorder, names: Sequence[str], batch: str | None = None, **key: object
) -> list[BuildStep]:
    steps = []
    for name in names:
        src = root / "src" / f"{name}.txt"
        if not src.exists():
            src.parent.mkdir(parents=True, exist_ok=True)
            src.write_text(f"text of {name}\n")
        steps.append(
            BuildStep(
                kind="upper",
                output=root / "build" / f"{name}.out",
                inputs=(src,),
                action=action,
                key=key_of(**key),
                label=name,
                batch=batch,
            )
        )
    return steps


def test_first_build_runs_all_then_nothing(tmp_path: Path) -> None:
    act = Recorder()
    report = execute(make_steps(tmp_path, act, ["a", "b"]), root=tmp_path)
    assert [r.status for r in report.results] == ["built", "built"]
    assert (tmp_path / "build" / "a.out").read_text() == "TEXT OF A\n"
    again = execute(make_steps(tmp_path, act, ["a", "b"]), root=tmp_path)
    assert [r.status for r in again.results] == ["fresh", "fresh"]
    assert len(act.calls) == 2
    assert again.summary().startswith("0 built, 2 up to date, 0 failed")


def test_content_change_rebuilds_only_that_step_and_touch_does_not(tmp_path: Path) -> None:
    act = Recorder()
    execute(make_steps(tmp_path, act, ["a", "b"]), root=tmp_path)
    src_b = tmp_path / "src" / "b.txt"
    os.utime(src_b, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    touched = execute(make_steps(tmp_path, act, ["a", "b"]), root=tmp_path)
    assert [r.status for r in touched.results] == ["fresh", "fresh"]
    src_b.write_text("changed\n")
    report = execute(make_steps(tmp_path, act, ["a", "b"]), root=tmp_path)
    assert [r.status for r in report.results] == ["fresh", "built"]
    assert (tmp_path / "build" / "b.out").read_text() == "CHANGED\n"


def test_key_change_missing_output_and_force_rebuild(tmp_path: Path) -> None:
    act = Recorder()
    execute(make_steps(tmp_path, act, ["a"], v="1"), root=tmp_path)
    assert (
        execute(make_steps(tmp_path, act, ["a"], v="2"), root=tmp_path).results[0].status == "built"
    )
    (tmp_path / "build" / "a.out").unlink()
    assert (
        execute(make_steps(tmp_path, act, ["a"], v="2"), root=tmp_path).results[0].status == "built"
    )
    forced = execute(make_steps(tmp_path, act, ["a"], v="2"), root=tmp_path, force=True)
    assert forced.results[0].status == "built"


def test_batched_steps_go_to_one_call(tmp_path: Path) -> None:
    act = Recorder()
    steps = make_steps(tmp_path, act, ["a", "b", "c"], batch="one") + make_steps(
        tmp_path, act, ["d"]
    )
    execute(steps, root=tmp_path, jobs=4)
    assert sorted(sorted(c) for c in act.calls) == [["a.out", "b.out", "c.out"], ["d.out"]]


def test_failure_removes_the_outdated_output_and_is_retried(tmp_path: Path) -> None:
    act = Recorder()
    execute(make_steps(tmp_path, act, ["a"]), root=tmp_path)
    (tmp_path / "src" / "a.txt").write_text("new\n")

    def broken(tasks: Sequence[Task]) -> None:
        tasks[0].out().write_text("half")  # a torn temporary file
        raise ToolFailedError("marp failed (exit 1): marp x.md", hint="boom")

    step = BuildStep(
        kind="upper",
        output=tmp_path / "build" / "a.out",
        inputs=(tmp_path / "src" / "a.txt",),
        action=broken,
    )
    report = execute([step], root=tmp_path)
    assert report.results[0].status == "failed"
    # The output of the old source is gone (nothing outdated gets published), no torn file.
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == [".manifest.json"]
    with pytest.raises(ToolFailedError) as exc:
        report.raise_for_failures()
    assert exc.value.exit_code == ExitCode.TOOL_FAILED
    assert exc.value.message == "marp failed (exit 1): marp x.md\n  (not built: build/a.out)"
    assert exc.value.hint == "boom"
    # The failed step is stale next time even though nothing changed.
    assert execute(make_steps(tmp_path, act, ["a"]), root=tmp_path).results[0].status == "built"


def test_per_step_errors_and_missing_output(tmp_path: Path) -> None:
    def partial(tasks: Sequence[Task]) -> dict[BuildStep, ToolFailedError]:
        tasks[0].out().write_text("ok")
        return {tasks[1].step: ToolFailedError("deck.md:3: image img/x.png not found")}

    steps = [
        BuildStep(
            kind="k", output=tmp_path / "build" / f"{n}.out", inputs=(), action=partial, batch="b"
        )
        for n in "abc"
    ]
    report = execute(steps, root=tmp_path)
    assert [r.status for r in report.results] == ["built", "failed", "failed"]
    assert report.results[1].error is not None
    assert "image img/x.png not found" in report.results[1].error.message
    assert report.results[2].error is not None
    assert "wrote no c.out" in report.results[2].error.message


def test_manifest_records_fingerprints(tmp_path: Path) -> None:
    act = Recorder()
    execute(make_steps(tmp_path, act, ["a"]), root=tmp_path)
    data = json.loads((tmp_path / "build" / ".manifest.json").read_text())
    assert set(data["outputs"]) == {"build/a.out"}
    assert "src/a.txt" in data["files"]


def test_duplicate_outputs_are_refused_before_anything_runs(tmp_path: Path) -> None:
    from course_cli.core.errors import ProblemsFound

    act = Recorder()
    steps = make_steps(tmp_path, act, ["a"]) * 2
    with pytest.raises(ProblemsFound, match="two build steps write"):
        execute(steps, root=tmp_path)
    assert act.calls == []


def test_jobs_run_units_in_parallel(tmp_path: Path) -> None:
    active, peak = [0], [0]
    lock = threading.Lock()

    def slow(tasks: Sequence[Task]) -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.2)
        tasks[0].out().write_text("x")
        with lock:
            active[0] -= 1

    steps = [
        BuildStep(kind="k", output=tmp_path / "build" / f"{n}", inputs=(), action=slow)
        for n in "abcd"
    ]
    execute(steps, root=tmp_path, jobs=4)
    assert peak[0] >= 2


def test_build_arguments_target_and_lessons() -> None:
    from course_cli.builders.targets import parse_build_args
    from course_cli.core.errors import UsageError

    assert parse_build_args([]) == ("all", [])
    assert parse_build_args(["slides", "3", "5"]) == ("slides", [3, 5])
    assert parse_build_args(["4"]) == ("all", [4])
    with pytest.raises(UsageError, match="unknown build target 'slide'") as exc:
        parse_build_args(["slide"])
    assert exc.value.hint == "use one of: slides, pdf, book, notebooks, site, all"
    with pytest.raises(UsageError, match="lesson numbers must be numbers: five"):
        parse_build_args(["pdf", "five"])


def test_cli_build_runs_a_registered_builder(
    make_course: Callable[..., Path], run_cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from course_cli.builders import targets as build

    root = make_course()
    act = Recorder()

    def plan(course: Any, lessons: list[Any], options: BuildOptions) -> list[BuildStep]:
        names = [lesson.dirname for lesson in lessons]
        return make_steps(options.root, act, names, batch="all-in-one")

    monkeypatch.setattr(build, "_REGISTERED", {})
    monkeypatch.setattr(build, "TARGETS", {"demo": ""})
    monkeypatch.setattr(build, "PHASES", {})
    build.register_builder("demo", plan)
    res = run_cli("build", "demo", "2", "--root", str(root))
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("1 built, 0 up to date, 0 failed")
    assert (root / "build/lesson_02.out").read_text() == "TEXT OF LESSON_02\n"
    again = run_cli("build", "--root", str(root))
    assert again.stdout.startswith("1 built, 1 up to date, 0 failed")  # lesson 1 was new
    assert act.calls[-1] == ["lesson_01.out"]


def test_build_folder_that_is_a_file_is_a_usage_error(
    make_course: Callable[..., Path], run_cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from course_cli.builders import targets as build

    root = make_course()
    act = Recorder()

    def plan(course: Any, lessons: list[Any], options: BuildOptions) -> list[BuildStep]:
        return make_steps(options.root, act, [lesson.dirname for lesson in lessons])

    monkeypatch.setattr(build, "_REGISTERED", {})
    monkeypatch.setattr(build, "TARGETS", {"demo": ""})
    monkeypatch.setattr(build, "PHASES", {})
    build.register_builder("demo", plan)
    (root / "build").write_text("notes\n")
    res = run_cli("build", "demo", "--root", str(root))
    assert res.exit_code == 2
    assert "error: build is not a folder; course build writes its outputs there" in res.stderr
    assert "hint: move or delete build" in res.stderr
    assert "Traceback" not in res.stderr
    assert (root / "build").read_text() == "notes\n"
    assert act.calls == []


def test_a_file_in_the_way_of_an_output_folder_fails_that_step(tmp_path: Path) -> None:
    act = Recorder()
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "sub").write_text("in the way\n")
    steps = make_steps(tmp_path, act, ["a"])
    blocked = BuildStep(
        kind="upper",
        output=tmp_path / "build" / "sub" / "b.out",
        inputs=steps[0].inputs,
        action=act,
    )
    report = execute([*steps, blocked], root=tmp_path)
    assert [r.status for r in report.results] == ["built", "failed"]
    with pytest.raises(CourseError) as exc:
        report.raise_for_failures()
    assert exc.value.message == (
        f"{tmp_path / 'build' / 'sub'} is a file, not a folder\n  (not built: build/sub/b.out)"
    )
    assert exc.value.exit_code == ExitCode.USAGE


def test_manifest_is_written_once_per_phase_not_per_unit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 60 units of one phase: one write of build/.manifest.json at the end, which records all
    # of them (a write per unit made a large course quadratic).
    from course_cli.engine.manifest import Manifest

    writes: list[int] = []
    original = Manifest.save

    def counting_save(self: Manifest) -> None:
        writes.append(len(self.outputs))
        original(self)

    monkeypatch.setattr(Manifest, "save", counting_save)
    names = [f"s{i:02d}" for i in range(60)]
    report = execute(make_steps(tmp_path, Recorder(), names), root=tmp_path, jobs=2)
    assert report.summary().startswith("60 built, 0 up to date, 0 failed")
    assert writes == [60]
    data = json.loads((tmp_path / "build" / ".manifest.json").read_text())
    assert sorted(data["outputs"]) == [f"build/{n}.out" for n in names]
    # a no-op build writes nothing
    writes.clear()
    again = execute(make_steps(tmp_path, Recorder(), names), root=tmp_path, jobs=2)
    assert again.summary().startswith("0 built, 60 up to date")
    assert writes == []


def test_an_interrupted_phase_still_records_the_units_that_finished(tmp_path: Path) -> None:
    # Ctrl+C after two units: the manifest written on the way out keeps those two fresh, so
    # the next build redoes only the rest (and deletes nothing).
    from course_cli.tools.interrupts import Interrupted

    done: list[str] = []

    def action(tasks: Sequence[Task]) -> None:
        for t in tasks:
            if len(done) == 2:
                raise Interrupted()
            t.out().write_text("made")
            done.append(t.step.output.name)

    steps = [
        BuildStep(kind="k", output=tmp_path / "build" / f"{n}.out", inputs=(), action=action)
        for n in ("a", "b", "c", "d")
    ]
    with pytest.raises(Interrupted):
        execute(steps, root=tmp_path, jobs=1)
    data = json.loads((tmp_path / "build" / ".manifest.json").read_text())
    assert sorted(data["outputs"]) == ["build/a.out", "build/b.out"]
    assert sorted(p.name for p in (tmp_path / "build").glob("*.out")) == ["a.out", "b.out"]


def test_the_unit_that_took_longest_last_time_starts_first(tmp_path: Path) -> None:
    # One worker: on the first build the units run in plan order; on --force the one that
    # took longest (recorded in the manifest) starts first, so it no longer bounds the end.
    order: list[str] = []

    def action(tasks: Sequence[Task]) -> None:
        for t in tasks:
            order.append(t.step.output.stem)
            if t.step.output.stem == "book":
                time.sleep(0.3)
            t.out().write_text("made")

    def steps() -> list[BuildStep]:
        return [
            BuildStep(kind="k", output=tmp_path / "build" / f"{n}.out", inputs=(), action=action)
            for n in ("a", "b", "book", "c")
        ]

    execute(steps(), root=tmp_path, jobs=1)
    assert order == ["a", "b", "book", "c"]
    data = json.loads((tmp_path / "build" / ".manifest.json").read_text())
    assert data["outputs"]["build/book.out"]["seconds"] >= 0.3
    order.clear()
    execute(steps(), root=tmp_path, jobs=1, force=True)
    assert order[0] == "book" and sorted(order) == ["a", "b", "book", "c"]


# --- typed builder options, validated where the command line is parsed -----------------------


def test_builder_options_are_frozen_typed_and_validated() -> None:
    import dataclasses

    from course_cli.builders.pdf.options import PdfOptions
    from course_cli.builders.site.options import SiteOptions
    from course_cli.builders.slides.options import SlidesOptions
    from course_cli.core.errors import UsageError
    from course_cli.tools.runner import Toolbox

    assert SlidesOptions.parse(" HTML, pdf,html ") == SlidesOptions(("html", "pdf"))
    assert SlidesOptions.parse(None) == SlidesOptions() == SlidesOptions.parse("")
    with pytest.raises(UsageError, match="unknown slide format svg") as exc:
        SlidesOptions.parse("html,svg")
    assert exc.value.hint == "use html, pdf or pptx (comma-separated)"
    with pytest.raises(UsageError, match="unknown PDF engine 'word'") as exc:
        PdfOptions(engine="word")
    assert exc.value.hint == "use one of: xelatex, lualatex, pdflatex, typst"
    pdf = PdfOptions(engine="typst", solutions=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pdf.engine = "xelatex"  # type: ignore[misc]
    options = BuildOptions(
        root=Path("."), build_dir=Path("build"), toolbox=Toolbox(Path(".")), builder_options=(pdf,)
    )
    assert options.of(PdfOptions) is pdf
    assert options.of(SiteOptions) == SiteOptions(solutions=None)  # not given: the defaults


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "word"], "unknown PDF engine 'word'"),
        (["--format", "html,svg"], "unknown slide format svg"),
    ],
)
def test_bad_build_option_is_refused_before_anything_is_read(
    args: list[str], message: str, make_course: Callable[..., Path], run_cli: Any
) -> None:
    root = make_course()
    result = run_cli("build", "pdf", *args, "--root", str(root))
    assert result.exit_code == ExitCode.USAGE
    assert message in result.stderr
    assert not (root / "build").exists()  # refused before the lock or any step
