"""A large site renders its pages in worker processes (course_cli.builders.site.workers) and
gives byte for byte the pages one process gives; a forced rebuild rewrites no copied file and
no light copy for the search whose content is unchanged."""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pytest

from course_cli.builders.site import workers
from course_cli.engine.steps import BuildStep, Task
from tests.site_helpers import build_site

LESSONS = workers.PROCESS_MIN + 2
SMALL = 3

CONSPECT = """---
title: "Notes {n}"
---

# Sums

The mean is $\\bar x = \\frac{{1}}{{n}} \\sum_i x_i$ for lesson {n}.
"""


def _big_course(make_course, name: str, lessons: int = LESSONS) -> Path:
    entries = "".join(
        f"  - number: {n}\n    title: Topic {n}\n    summary: Lesson {n}.\n"
        for n in range(1, lessons + 1)
    )
    files: dict[str, str | bytes] = {"README.md": "# Big\n\nA course.\n"}
    for n in range(1, lessons + 1):
        prev = max(1, n - 1)
        files[f"lessons/lesson_{n:02d}/README.md"] = (
            f"# Lesson {n}: Topic {n}\n\nSee [lesson {prev}](../lesson_{prev:02d}/README.md).\n\n"
            f"## Objectives\n\n- Show $x_{{{n}}} = {n} \\alpha$ and $$\\E[X] = \\mu .$$\n"
        )
    for n in (1, lessons):  # converted by pandoc in whichever process renders the page
        files[f"lessons/lesson_{n:02d}/conspect.md"] = CONSPECT.format(n=n)
        files[f"lessons/lesson_{n:02d}/slides/img/plot.svg"] = f"<svg>{n}</svg>"
    root = make_course(files, yaml=f"title: Big\nlessons:\n{entries}", name=name)
    return root


def _pages(root: Path) -> dict[str, bytes]:
    site = root / "build" / "site"
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*.html"))
        if "pagefind" not in p.parts
    }


@pytest.mark.integration
def test_worker_processes_render_the_pages_one_process_renders(make_course) -> None:
    one = _big_course(make_course, "one")
    many = _big_course(make_course, "many")
    done = build_site(one, "--jobs", "1")  # in this process
    assert done.returncode == 0, done.stderr
    done = build_site(many, "--jobs", "2")  # worker processes, pandoc run by them
    assert done.returncode == 0, done.stderr
    pages = _pages(many)
    assert len(pages) == LESSONS + 3  # the lessons, home, search and book pages
    assert pages == _pages(one)
    # again, every formula in the cache: the workers typeset the math themselves
    done = build_site(many, "--force", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert _pages(many) == pages
    lesson = pages["lesson_01/index.html"].decode()
    assert "Lecture notes" in lesson and "for lesson 1" in lesson  # the conspect, via pandoc
    assert "<mjx-container" in lesson and "\\alpha" not in lesson  # the math typeset
    last = pages[f"lesson_{LESSONS:02d}/index.html"].decode()
    assert (
        f"for lesson {LESSONS}" in last and f'href="../lesson_{LESSONS - 1:02d}/index.html"' in last
    )


@pytest.mark.integration
def test_a_forced_rebuild_rewrites_no_unchanged_copy(make_course) -> None:
    root = _big_course(make_course, "course", SMALL)
    assert build_site(root).returncode == 0
    image = root / "build/site/lesson_01/img/plot.svg"
    light = root / "build/.cache/search-site/lesson_01/index.html"
    assert image.read_text() == "<svg>1</svg>" and "data-pagefind-body" in light.read_text()
    # the Marp decks' copies carry no indexed part: Pagefind is not given them
    assert not (root / "build/.cache/search-site/lesson_01/slides.html").exists()
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (image, light)}
    index = (root / "build/site/assets/search-index.js").read_text()

    done = build_site(root, "--force")
    assert done.returncode == 0, done.stderr
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (image, light)} == before
    assert (root / "build/site/assets/search-index.js").read_text() == index
    assert "lesson_01/img/plot.svg" in done.stderr  # still reported as built (checked)

    # a changed source is copied; a light copy that is not the one written is written again
    (root / "lessons/lesson_01/slides/img/plot.svg").write_text("<svg>new</svg>")
    light.write_text("tampered")
    assert build_site(root, "--force").returncode == 0
    assert image.read_text() == "<svg>new</svg>"
    assert "data-pagefind-body" in light.read_text()
    # a lesson that is gone leaves neither its page nor its light copy behind
    shutil.rmtree(root / "lessons" / f"lesson_{SMALL:02d}")
    yaml = (root / "course.yaml").read_text()
    cut = yaml.index(f"  - number: {SMALL}\n")
    (root / "course.yaml").write_text(yaml[:cut])
    assert build_site(root).returncode == 0
    assert not (root / f"build/site/lesson_{SMALL:02d}").exists()
    assert not (root / f"build/.cache/search-site/lesson_{SMALL:02d}").exists()
    assert f"Topic {SMALL}" not in (root / "build/site/assets/search-index.js").read_text()
    assert (root / "build/.cache/search-site/lesson_02/index.html").is_file()


def _write_pid(tasks: list[Task]) -> None:
    for task in tasks:
        task.out().write_text(str(os.getpid()))


def _refuse(tasks: list[Task]) -> None:
    from course_cli.core.errors import ToolFailedError

    raise ToolFailedError(f"{tasks[0].step.output.name}: refused", hint="a hint")


def test_render_pages_uses_worker_processes_and_returns_their_errors(tmp_path: Path) -> None:
    tasks, renderers = [], {}
    for n in range(workers.PROCESS_MIN):
        out = tmp_path / f"p{n}.html"
        step = BuildStep(kind="site-page", output=out, inputs=(), action=_write_pid)
        tasks.append(Task(step, {out: tmp_path / f".p{n}.part"}))
        renderers[out] = _refuse if n == 5 else _write_pid
    finish = functools.partial(_finish, "made in")
    assert workers.render_pages(tasks[:-1], renderers, 2, finish) is None  # too few pages
    assert workers.render_pages(tasks, renderers, 1, finish) is None  # one job: this process
    rendered = workers.render_pages(tasks, renderers, 2, finish)
    assert rendered is not None and len(rendered) == len(tasks)
    texts = [t.out().read_text() for n, t in enumerate(tasks) if n != 5]
    pids = {text.split()[-1] for text in texts}
    assert all(text.startswith("made in ") for text in texts)
    assert str(os.getpid()) not in pids and 1 <= len(pids) <= 2
    assert [n for n, r in enumerate(rendered) if r.errors] == [5]
    assert rendered[5].typeset is None and rendered[0].typeset == ["p0.html"]
    (exc,) = rendered[5].errors.values()
    assert exc.message == "p5.html: refused" and exc.hint == "a hint" and exc.exit_code == 4


def _finish(prefix: str, staged: Path) -> list[str]:
    staged.write_text(f"{prefix} {staged.read_text()}")
    return [staged.name.removeprefix(".").removesuffix(".part") + ".html"]
