"""Benchmark: 12 conspect PDFs with `course build pdf` vs a shell loop of plain pandoc calls.

    python benchmarks/pdf.py [--jobs K] [--repeat N] [--no-quarto]

Builds a throwaway course of 12 lessons whose conspects are the test conspect
(tests/fixtures/conspects/full: aligned, cases, numbered equations, theorems, a table, code, an
image, citations) repeated to about 3-4 pages, then prints the median wall time of:
  * cold `course build pdf --jobs K` with the default engine (xelatex) and with `--engine typst`
  * a shell loop running plain `pandoc FILE -o OUT --pdf-engine=xelatex` once per conspect
    (with the macros header and --citeproc so that it compiles the same text)
  * a no-op `course build pdf` (everything up to date), the whole command
and the ratios. Then tries `pip install quarto-cli` in a throwaway venv and, if that works,
times `quarto render` of one conspect against `course build pdf` of the same one.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _venv

_venv.ensure()

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "conspects" / "full"
N_LESSONS = 12
COPIES = 3  # body repetitions per conspect: about 3-4 pages


def make_course(work: Path) -> list[Path]:
    """Write a 12-lesson course into ``work``; return the conspect paths."""
    lessons = "".join(f"  - number: {n}\n    title: Lesson {n} topic\n" for n in range(1, 13))
    (work / "course.yaml").write_text(f"title: Benchmark Course\nlessons:\n{lessons}")
    (work / "materials" / "book").mkdir(parents=True)
    shutil.copy(REPO / "materials" / "macros.tex", work / "materials" / "macros.tex")
    shutil.copy(REPO / "materials" / "book" / "refs.bib", work / "materials" / "book" / "refs.bib")
    text = (FIXTURE / "conspect.md").read_text(encoding="utf-8")
    front, body = text.split("\n---\n", 1)
    paths = []
    for n in range(1, N_LESSONS + 1):
        lesson = work / "lessons" / f"lesson_{n:02d}"
        shutil.copytree(FIXTURE / "img", lesson / "img")
        parts = [re.sub(r"eq:objective", f"eq:objective{i}", body) for i in range(COPIES)]
        src = lesson / "conspect.md"
        src.write_text(front.replace("lesson: 1", f"lesson: {n}") + "\n---\n" + "\n".join(parts))
        paths.append(src)
    return paths


CPU: dict[str, float] = {}  # label -> CPU seconds (user + sys) of the last timed run


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path, label: str = "") -> float:
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - start
    CPU[label] = _children_cpu() - cpu
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{done.stderr[-3000:]}")
    return seconds


def pandoc_path() -> str:
    from course_cli.tools.paths import bundled_pandoc

    found = bundled_pandoc() or shutil.which("pandoc")
    if not found:
        sys.exit("pandoc not found: pip install pypandoc-binary")
    return str(found)


def shell_loop(work: Path, conspects: list[Path]) -> list[str]:
    """The loop a maintainer would write by hand: plain pandoc, one file after another."""
    macros = work / "materials" / "macros.tex"
    bib = work / "materials" / "book" / "refs.bib"
    out = work / "loop"
    lines = [f"mkdir -p {out}"]
    for src in conspects:
        lines.append(
            f"(cd {src.parent} && '{pandoc_path()}' conspect.md -o {out}/{src.parent.name}.pdf "
            f"--pdf-engine=xelatex -H {macros} --citeproc --bibliography {bib} "
            "-V 'mainfont=DejaVu Serif' -V 'monofont=DejaVu Sans Mono')"
        )
    return ["bash", "-e", "-c", "\n".join(lines)]


def try_quarto(work: Path, conspect: Path, course: list[str]) -> None:
    venv = work / "quarto-venv"
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        print(f"quarto: cannot create a venv: {made.stderr.strip()[-300:]}")
        return
    start = time.perf_counter()
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "quarto-cli"],
                         capture_output=True, text=True, timeout=1200)  # fmt: skip
    if pip.returncode != 0:
        text = pip.stdout + pip.stderr
        why = re.findall(r"(Downloading https://\S+|Error downloading Quarto: .*)", text)
        print(
            "quarto: `pip install quarto-cli` failed (its sdist downloads the quarto binary "
            "while building the wheel): " + ("; ".join(why) or text.strip()[-500:])
        )
        return
    print(f"quarto: pip install quarto-cli took {time.perf_counter() - start:.1f} s")
    quarto = venv / "bin" / "quarto"
    if not quarto.exists():
        print("quarto: installed, but no `quarto` executable in the venv")
        return
    copy = work / "quarto-doc"
    shutil.copytree(conspect.parent, copy)
    (copy / "_quarto.yml").write_text(
        "format:\n  pdf:\n    pdf-engine: xelatex\n    mainfont: DejaVu Serif\n"
        f"    include-in-header: {work / 'materials' / 'macros.tex'}\n"
        f"bibliography: {work / 'materials' / 'book' / 'refs.bib'}\n"
    )
    argv = [str(quarto), "render", "conspect.md", "--to", "pdf"]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=copy, capture_output=True, text=True, timeout=900)
    q_seconds = time.perf_counter() - start
    if done.returncode != 0:
        print("quarto render failed: " + done.stderr.strip()[-600:])
        return
    shutil.rmtree(work / "build", ignore_errors=True)
    ours = timed([*course, "build", "pdf", "1", "--root", str(work)], work)
    print(f"quarto render (1 conspect, xelatex)     {q_seconds:7.2f} s")
    print(
        f"course build pdf 1 (xelatex)            {ours:7.2f} s   quarto/course = "
        f"{q_seconds / ours:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-quarto", action="store_true")
    args = parser.parse_args()
    course = [sys.executable, "-m", "course_cli"]
    with tempfile.TemporaryDirectory(prefix="course-pdf-bench-") as tmp:
        work = Path(tmp)
        conspects = make_course(work)
        print(
            f"{len(conspects)} conspects, {os.cpu_count()} CPUs, --jobs {args.jobs}, "
            f"load average at start {os.getloadavg()[0]:.1f}"
        )

        def clean() -> None:
            shutil.rmtree(work / "build", ignore_errors=True)
            shutil.rmtree(work / "loop", ignore_errors=True)

        build = [*course, "build", "pdf", "--jobs", str(args.jobs), "--root", str(work)]
        methods = {
            "loop": shell_loop(work, conspects),
            "xelatex": build,
            "typst": [*build, "--engine", "typst"],
        }
        # Rounds alternate the methods, so that load from other programs hits them alike.
        runs: dict[str, list[float]] = {name: [] for name in methods}
        cpu: dict[str, list[float]] = {name: [] for name in methods}
        for _ in range(args.repeat):
            for name, argv in methods.items():
                clean()
                runs[name].append(timed(argv, work, name))
                cpu[name].append(CPU[name])
        loop, xelatex, typst = (statistics.median(runs[n]) for n in methods)
        CPU.update({n: statistics.median(cpu[n]) for n in methods})
        pages = subprocess.run(["pdfinfo", str(work / "build/lesson_01/conspect.pdf")],
                               capture_output=True, text=True).stdout  # fmt: skip
        n_pages = re.search(r"Pages:\s+(\d+)", pages)
        noop = statistics.median(timed(methods["typst"], work) for _ in range(3))  # all built
        print("runs (s): " + ", ".join(f"{n} {[round(x, 1) for x in runs[n]]}" for n in methods))
        print(f"pages per conspect (typst)              {n_pages.group(1) if n_pages else '?'}")
        print(f"shell loop: pandoc --pdf-engine=xelatex {loop:7.2f} s")
        print(
            f"course build pdf (xelatex, cold)        {xelatex:7.2f} s   loop/course = "
            f"{loop / xelatex:.2f}x"
        )
        print(
            f"course build pdf --engine typst (cold)  {typst:7.2f} s   xelatex/typst = "
            f"{xelatex / typst:.2f}x, loop/typst = {loop / typst:.2f}x"
        )
        print(
            "CPU seconds (user+sys, all processes): loop {loop:.1f}, course xelatex {xe:.1f}, "
            "course typst {ty:.1f}".format(loop=CPU["loop"], xe=CPU["xelatex"], ty=CPU["typst"])
        )
        print(
            f"no-op course build pdf (whole command)  {noop:7.2f} s   "
            f"(python -c pass: {timed([sys.executable, '-c', 'pass'], work):.2f} s)"
        )
        print(f"load average at end {os.getloadavg()[0]:.1f}")
        if not args.no_quarto:
            try_quarto(work, conspects[0], course)


if __name__ == "__main__":
    main()
