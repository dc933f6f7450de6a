"""What every benchmark shares: a scratch copy of this course, timed commands, interleaved
rounds and the table of min/median times and ratios to a floor.

A round runs every case once, in an order that rotates from round to round, so that load from
other programs and warm caches hit every case alike; a ratio is taken within one round (case
time / floor time of the same round) and the table shows the min and the median of those ratios.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import yaml
from _synth import ROOT

COPIED = ("lessons", "materials", "templates")


def course_env() -> dict[str, str]:
    """The environment of a toolkit command: this checkout's code, a fixed terminal width."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120", "CI": "1"}


def course(*args: str) -> list[str]:
    """``python -m course_cli ARGS`` with this interpreter."""
    return [sys.executable, "-m", "course_cli", *args]


def scratch_course(dest: Path, lessons: int | None = None) -> Path:
    """A copy of this course in ``dest`` (lessons/, materials/, templates/, course.yaml,
    README.md; node_modules linked), never its build/. With ``lessons`` = N > 12 the real
    lessons are repeated in order (lesson 13 is a copy of lesson 1, ...) with their course.yaml
    entries, and the README's roadmap is regenerated, so the copy is a real course of N lessons.
    """
    dest.mkdir(parents=True, exist_ok=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pdf", ".ipynb_checkpoints")
    for name in COPIED:
        shutil.copytree(ROOT / name, dest / name, ignore=skip)
    for name in ("course.yaml", "README.md"):
        shutil.copy(ROOT / name, dest / name)
    (dest / "node_modules").symlink_to((ROOT / "node_modules").resolve())
    if lessons:
        _replicate(dest, lessons)
    return dest


def _replicate(root: Path, total: int) -> None:
    config = yaml.safe_load((root / "course.yaml").read_text(encoding="utf-8"))
    real = list(config["lessons"])
    for number in range(len(real) + 1, total + 1):
        model = real[(number - 1) % len(real)]
        entry = {**model, "number": number, "title": f"{model['title']} ({number})"}
        config["lessons"].append(entry)
        src = root / "lessons" / f"lesson_{model['number']:02d}"
        copy = root / "lessons" / f"lesson_{number:02d}"
        shutil.copytree(src, copy)
        for md in copy.rglob("*.md"):  # front matter `lesson: N` names the folder's number
            text = md.read_text(encoding="utf-8")
            fixed = re.sub(r"(?m)^lesson: \d+$", f"lesson: {number}", text, count=1)
            if fixed != text:
                md.write_text(fixed, encoding="utf-8")
    (root / "course.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    from course_cli.core.config import load_course
    from course_cli.readme import update_readme

    update_readme(load_course(root))


def run(
    argv: Sequence[str | Path],
    cwd: Path,
    ok: tuple[int, ...] = (0,),
    env: Mapping[str, str] | None = None,
    stdin: Path | None = None,
) -> float:
    """Run ``argv`` in ``cwd`` (output captured); its wall time in seconds. Exits with the
    command's error output when its exit code is not in ``ok``. ``env`` is added to
    :func:`course_env`; ``stdin``, a file to read from."""
    feed = stdin.read_text(encoding="utf-8") if stdin else None
    start = time.perf_counter()
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env={**course_env(), **(env or {})},
        input=feed,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode not in ok:
        tail = (done.stderr or done.stdout)[-3000:]
        raise SystemExit(f"failed ({done.returncode}): {' '.join(map(str, argv))}\n{tail}")
    return seconds


#: case -> CPU seconds (user + system) of the processes each of its runs waited for: on a
#: machine shared with other work the wall time measures the others too, the CPU time less so.
CPU: dict[str, list[float]] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def rounds(cases: Mapping[str, Callable[[], float]], count: int) -> dict[str, list[float]]:
    """Run every case once per round, ``count`` (at least 3) rounds, rotating the order; a case
    returns its own time (so that it can prepare outside the timed part). The CPU time of each
    run goes to :data:`CPU`."""
    names = list(cases)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(max(3, count)):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            before = _children_cpu()
            times[name].append(cases[name]())
            CPU.setdefault(name, []).append(_children_cpu() - before)
        done = ", ".join(f"{n} {times[n][-1]:.2f}s (cpu {CPU[n][-1]:.2f}s)" for n in names)
        print(f"  round {i + 1}: {done}", flush=True)
    return times


def run_parallel(commands: Path, jobs: int | str, cwd: Path) -> float:
    """Time ``xargs -P JOBS`` running each line of the file ``commands`` with ``sh -c``."""
    argv = ["xargs", "-P", str(jobs), "-d", "\n", "-I", "{}", "sh", "-c", "{}"]
    return run(argv, cwd, stdin=commands)


FLOOR = "python -c pass"


def with_start_floor(
    name: str, argv: Sequence[str], cwd: Path, count: int
) -> dict[str, list[float]]:
    """Rounds of ``argv`` (named ``name``) interleaved with the floor every command pays, the
    interpreter's start (:data:`FLOOR`)."""
    return rounds({FLOOR: lambda: run([sys.executable, "-c", "pass"], cwd),
                   name: lambda: run(argv, cwd)}, count)  # fmt: skip


def cold_build_vs_commands(
    root: Path,
    target: str,
    jobs: str,
    floor: tuple[str, Path, Path],
    outputs: Callable[[], list[Path]],
    count: int,
    repeats: int,
) -> tuple[str, str, dict[str, list[float]]]:
    """Rounds of a cold ``course build TARGET --jobs JOBS`` in ``root`` (build/ deleted first)
    against ``floor`` = (its name, a file of shell commands run by :func:`run_parallel` with
    the same JOBS, their folder), whose ``outputs()`` are deleted before and counted after
    each run (there must be ``count``); ``repeats`` rounds; then as many rounds of a no-op
    build against :data:`FLOOR`. Returns
    the names of the cold build and of the no-op, and the times of every case."""
    name, commands, cwd = floor

    def toolkit() -> float:
        shutil.rmtree(root / "build", ignore_errors=True)
        return run(course("build", target, "--jobs", jobs), root)

    def by_hand() -> float:
        for path in outputs():
            path.unlink()
        seconds = run_parallel(commands, jobs, cwd)
        if len(outputs()) != count:
            raise SystemExit(f"{name} made {len(outputs())} of {count} outputs")
        return seconds

    cold = f"course build {target} --jobs {jobs} (cold)"
    times = rounds({cold: toolkit, name: by_hand}, repeats)
    noop = f"no-op course build {target}"
    times.update(with_start_floor(noop, course("build", target), root, repeats))
    return cold, noop, times


def table(times: Mapping[str, list[float]], floors: Mapping[str, str]) -> dict[str, float]:
    """Print each case's min and median wall time and median CPU time and, for a case in
    ``floors``, the min and median of its per-round wall-time ratio to that floor case and the
    median of its CPU-time ratio. Returns case -> median wall-time ratio. (A name may end in
    spaces to compare the same runs with a second floor; its CPU times are those of the name.)"""
    width = max(len(name) for name in times)
    print(f"{'case':<{width}}  {'min s':>8} {'median s':>8} {'cpu s':>7}   "
          "wall ratio to floor (min / median), cpu ratio (median)")  # fmt: skip
    medians: dict[str, float] = {}
    for name, values in times.items():
        cpu = CPU.get(name.rstrip(), [0.0])
        line = f"{name:<{width}}  {min(values):>8.3f} {statistics.median(values):>8.3f}"
        line += f" {statistics.median(cpu):>7.2f}"
        floor = floors.get(name)
        if floor:
            ratios = [a / b for a, b in zip(values, times[floor], strict=True)]
            medians[name] = statistics.median(ratios)
            floor_cpu = CPU.get(floor.rstrip(), [])
            cpu_ratios = [a / b for a, b in zip(cpu, floor_cpu, strict=False) if b > 0]
            shown = f"{statistics.median(cpu_ratios):5.2f}" if cpu_ratios else "  -  "
            line += f"   {min(ratios):5.2f} / {medians[name]:5.2f}, cpu {shown}  x {floor}"
        print(line)
    return medians


def verdict(name: str, ratio: float, target: float) -> None:
    """One line: the median ratio against its target."""
    state = "met" if ratio <= target else "NOT met"
    print(f"target {name}: median ratio {ratio:.2f} <= {target:.2f}: {state}")
