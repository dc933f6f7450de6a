"""Reliability report rows 2, 10, 11, 12, 13, 14, 18, 19, 23, 25, 27: interrupts, concurrent
runs, broken tool outputs, full disks and leftovers. Each test reproduces the row and asserts the
safe outcome."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from course_cli.core.errors import ToolFailedError, ToolNotFoundError
from course_cli.core.locking import course_lock
from tests.hardening_helpers import (
    MINI_PDF,
    REPO,
    book_course,
    course_cmd,
    fake_tool,
    link_node_modules,
    snapshot,
)

CONSPECT = "---\ntitle: One\n---\n\n# Part\n\nSome text.\n"


def _sleepers(marker: str) -> list[int]:
    """Pids of processes whose command line is ``sleep MARKER``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if cmd.split(b"\0")[:2] == [b"sleep", marker.encode()]:
            found.append(int(proc.name))
    return found


def _wait_for(predicate, seconds: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


# --------------------------------------------------------------------------- rows 2, 18
@pytest.mark.parametrize(
    ("sig", "group", "code", "line"),
    [
        (signal.SIGINT, True, 130, "Interrupted."),
        (signal.SIGINT, False, 130, "Interrupted."),
        (signal.SIGTERM, False, 143, "Terminated."),
        (signal.SIGHUP, False, 129, "Hung up."),
    ],
)
def test_row02_row18_interrupt_stops_tools_keeps_outputs_and_exits_128_plus_signal(  # type: ignore[no-untyped-def]
    make_course, tmp_path: Path, sig: int, group: bool, code: int, line: str
) -> None:
    root = make_course({"lessons/lesson_01/conspect.md": CONSPECT})
    (root / "build/lesson_01").mkdir(parents=True)
    (root / "build/lesson_01/conspect.pdf").write_bytes(MINI_PDF)
    marker = str(random.randint(100000, 999999))
    pandoc = fake_tool(tmp_path / "pandoc", f"sleep {marker} &\nsleep {marker}\n")
    env = {**os.environ, "PANDOC_PATH": str(pandoc)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "course_cli", "build", "pdf", "1", "--force", "--root", str(root)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # like a terminal's foreground job: its own process group
    )
    try:
        assert _wait_for(lambda: len(_sleepers(marker)) == 2), "the fake pandoc did not start"
        if group:
            os.killpg(proc.pid, sig)  # Ctrl+C in a terminal
        else:
            os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code
    assert err.splitlines()[-1] == line
    assert "Traceback" not in err
    # the old, valid output is still there; the tool and its child are gone; no temporaries
    assert (root / "build/lesson_01/conspect.pdf").read_bytes() == MINI_PDF
    assert _wait_for(lambda: not _sleepers(marker), 5)
    leftovers = [
        p.relative_to(root).as_posix()
        for p in (root / "build").rglob("*")
        if ".part-" in p.name or (p.parent.name == "tmp" and p.is_dir())
    ]
    assert leftovers == []


def test_row02_typer_exit_code_130_is_not_swallowed(run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Typer turns a KeyboardInterrupt into a *returned* 130 in non-standalone mode.
    from course_cli import cli

    def interrupted(*args: object, **kwargs: object) -> int:
        return 130

    monkeypatch.setattr(cli, "app", interrupted)
    result = run_cli("list")
    assert result.exit_code == 130
    assert result.stderr == "Interrupted.\n"


def test_row18_leftovers_of_a_killed_build_are_removed_and_never_published(  # type: ignore[no-untyped-def]
    make_course,
) -> None:
    root = make_course({"lessons/lesson_01/README.md": "# Lesson 1: First steps\n\nText.\n"})
    link_node_modules(root)
    build = root / "build"
    (build / ".staging/marp-html-deadbeef").mkdir(parents=True)
    (build / ".staging/marp-html-deadbeef/slides.html").write_text("<html>torn", encoding="utf-8")
    (build / "tmp/conspect-abc").mkdir(parents=True)
    (build / "lesson_01").mkdir(parents=True)
    (build / "lesson_01/.slides.part-deadbeef.html").write_text("<html>torn", encoding="utf-8")
    (build / "lesson_01/.conspect.part-280dbe63.pdf").write_bytes(MINI_PDF[:40])
    done = course_cmd(root, "build", "site")
    assert done.returncode == 0, done.stderr
    assert list((build / ".staging").iterdir()) == []
    assert list((build / "tmp").iterdir()) == []
    assert not (build / "lesson_01/.slides.part-deadbeef.html").exists()
    assert not (build / "lesson_01/.conspect.part-280dbe63.pdf").exists()
    page = (build / "site/lesson_01/index.html").read_text(encoding="utf-8")
    assert ".slides.part" not in page


# --------------------------------------------------------------------------- rows 10, 11
@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            'for a; do case $a in --output=*) : > "${a#--output=}";; esac; done',
            "conspect.pdf is empty (0 bytes)",
        ),
        (
            'for a; do case $a in --output=*) echo "this is not a pdf" > "${a#--output=}";; '
            "esac; done",
            "conspect.pdf is not a PDF (no %PDF- header)",
        ),
        (
            'for a; do case $a in --output=*) printf "%%PDF-1.5\\n1 0 obj<</Type/Page" '
            '> "${a#--output=}";; esac; done',
            "conspect.pdf is a truncated PDF (no %%EOF at its end)",
        ),
    ],
)
def test_row10_row11_broken_tool_output_is_not_installed_or_cached(  # type: ignore[no-untyped-def]
    make_course, tmp_path: Path, body: str, problem: str
) -> None:
    root = make_course({"lessons/lesson_01/conspect.md": CONSPECT})
    (root / "build/lesson_01").mkdir(parents=True)
    (root / "build/lesson_01/conspect.pdf").write_bytes(MINI_PDF)
    pandoc = fake_tool(tmp_path / "pz", body)
    done = course_cmd(root, "build", "pdf", "1", "--force", env={"PANDOC_PATH": str(pandoc)})
    assert done.returncode == 4
    assert (
        f"error: pdf: the tool reported success but {problem}; the previous output is kept"
    ) in done.stderr
    assert (root / "build/lesson_01/conspect.pdf").read_bytes() == MINI_PDF
    manifest = (root / "build/.manifest.json").read_text(encoding="utf-8")
    assert '"build/lesson_01/conspect.pdf"' not in manifest  # nothing recorded as fresh


def test_row11_binary_hash_not_tool_path_is_part_of_the_key(tmp_path: Path) -> None:
    from course_cli.tools.runner import Toolbox

    for folder in ("a", "b", "c"):
        (tmp_path / folder).mkdir()
    a = fake_tool(tmp_path / "a" / "pandoc", "exit 0")
    b = fake_tool(tmp_path / "b" / "pandoc", "exit 0  # another binary, same version")
    c = fake_tool(tmp_path / "c" / "pandoc", "exit 0")  # the binary of a/, installed elsewhere
    one, two, three = (Toolbox(configured={"pandoc": str(x)}).identity("pandoc") for x in (a, b, c))
    assert one.startswith("3.9 (sha256 ") and str(tmp_path) not in one
    assert two.startswith("3.9 (sha256 ")
    assert one != two  # another binary with the same version string: stale outputs
    assert one == three  # the same binary elsewhere: nothing to rebuild


def test_row10_full_disk_while_installing_is_one_line_and_keeps_the_old_output(  # type: ignore[no-untyped-def]
    make_course, run_cli, monkeypatch, tmp_path: Path
) -> None:
    from course_cli.engine import executor

    root = make_course({"lessons/lesson_01/conspect.md": CONSPECT})
    (root / "build/lesson_01").mkdir(parents=True)
    (root / "build/lesson_01/conspect.pdf").write_bytes(MINI_PDF)
    body = 'for a; do case $a in --output=*) printf \'%s\' "$PDF" > "${a#--output=}";; esac; done'
    pandoc = fake_tool(tmp_path / "pandoc", body)
    monkeypatch.setenv("PANDOC_PATH", str(pandoc))
    monkeypatch.setenv("PDF", MINI_PDF.decode())

    real = os.replace

    def full(src: str, dst: str) -> None:
        if str(dst).endswith("lesson_01/conspect.pdf"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        real(src, dst)

    monkeypatch.setattr(executor.os, "replace", full)
    result = run_cli("build", "pdf", "1", "--force", "--root", str(root))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-3:] == [
        f"error: cannot write {root}/build/lesson_01/conspect.pdf: No space left on device",
        "  (not built: build/lesson_01/conspect.pdf)",
        "hint: free some space or make build/ writable, then build again",
    ]
    assert (root / "build/lesson_01/conspect.pdf").read_bytes() == MINI_PDF


def test_row10_torn_book_aux_files_are_dropped_and_force_starts_afresh(tmp_path: Path) -> None:
    from course_cli.builders.book.builder import reset_aux

    aux = tmp_path / ".book-aux"
    (aux / "chapters").mkdir(parents=True)
    (aux / "src.aux").write_bytes(b"")
    (aux / "chapters/one.aux").write_bytes(b"")
    (aux / "src.log").write_bytes(b"")
    (aux / "src.toc").write_text("\\contentsline{chapter}{1}\n", encoding="utf-8")
    reset_aux(aux)
    assert sorted(p.relative_to(aux).as_posix() for p in aux.rglob("*") if p.is_file()) == [
        "src.log",
        "src.toc",
    ]
    reset_aux(aux, everything=True)
    assert not aux.exists()


def test_row21f_read_only_disk_in_any_command_is_one_line(
    run_cli, monkeypatch, make_course
) -> None:  # type: ignore[no-untyped-def]
    from course_cli import cli

    root = make_course()

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", f"{root}/build/x")

    monkeypatch.setattr(cli, "app", read_only)
    result = run_cli("build", "--root", str(root))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: cannot write {root}/build/x: Read-only file system",
        "hint: free some space or make the folder writable, then run the command again",
    ]


# --------------------------------------------------------------------------- row 12
def test_row12_concurrent_new_lesson_keeps_both_lessons(make_course) -> None:  # type: ignore[no-untyped-def]
    root = make_course()
    original = (root / "course.yaml").read_text(encoding="utf-8")
    for _ in range(3):
        (root / "course.yaml").write_text(original, encoding="utf-8")
        for n in ("13", "14"):
            if (root / f"lessons/lesson_{n}").exists():
                import shutil

                shutil.rmtree(root / f"lessons/lesson_{n}")
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "course_cli",
                    "new-lesson",
                    n,
                    "--title",
                    f"T{n}",
                    "--root",
                    str(root),
                ],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in ("13", "14")
        ]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], results
        text = (root / "course.yaml").read_text(encoding="utf-8")
        assert "number: 13" in text and "number: 14" in text


# --------------------------------------------------------------------------- rows 13, 14
def test_row13_row14_a_second_run_waits_or_refuses_with_no_wait(make_course) -> None:  # type: ignore[no-untyped-def]
    root = make_course()
    before = snapshot(root)
    with course_lock(root, "build"):
        for command in (
            ["build", "book"],
            ["book-sync"],
            ["readme"],
            ["new-lesson", "3", "-t", "X"],
        ):
            done = course_cmd(root, *command, "--no-wait")
            assert done.returncode == 2, (command, done.stderr)
            what = command[0]
            assert done.stderr.splitlines() == [
                f"error: course build (pid {os.getpid()}) is running in this course; not "
                f"starting {what}",
                "hint: wait for it to end, or run without --no-wait to wait for it",
            ]
    assert snapshot(root) == before


def test_row13_a_second_run_waits_for_the_first(make_course) -> None:  # type: ignore[no-untyped-def]
    root = make_course()
    (root / "README.md").write_text(
        "# C\n\n<!-- course:roadmap:start -->\n<!-- course:roadmap:end -->\n", encoding="utf-8"
    )
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with course_lock(root, "build"):
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(5)
    proc = subprocess.Popen(
        [sys.executable, "-m", "course_cli", "readme", "--root", str(root)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(1.5)
    assert proc.poll() is None  # still waiting
    assert b"First steps" not in (root / "README.md").read_bytes()
    release.set()
    out, err = proc.communicate(timeout=60)
    t.join()
    assert proc.returncode == 0
    assert err == f"waiting for course build (pid {os.getpid()}) to finish …\n"
    assert out == "README.md: roadmap updated (2 lessons)\n"


def test_row14_concurrent_book_sync_leaves_no_false_hand_edit(tmp_path: Path) -> None:
    root = book_course(tmp_path)
    assert course_cmd(root, "book-sync").returncode == 0
    chapter = root / "materials/book/chapters/bandits.tex"
    for r in range(3):
        text = chapter.read_text(encoding="utf-8").splitlines(keepends=True)
        text.insert(3, f"Extra {r} {random.randint(0, 99999)}.\n")
        chapter.write_text("".join(text), encoding="utf-8")
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "course_cli", "book-sync", "--root", str(root)],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], results
        check = course_cmd(root, "book-sync", "--check")
        assert check.returncode == 0, check.stdout + check.stderr
        assert "edited by hand" not in check.stdout


# --------------------------------------------------------------------------- row 19
@pytest.mark.parametrize("bib", ["", "% only a comment\n", "root:x:0:0:root:/root:/bin/bash\n"])
def test_row19_bibliography_without_entries_is_no_crash(tmp_path: Path, bib: str) -> None:
    from course_cli.builders.pdf.builder import cited_bibliography

    (tmp_path / "refs.bib").write_text(bib, encoding="utf-8")
    out = cited_bibliography("See [@sutton2018].", tmp_path / "refs.bib", tmp_path, tmp_path)
    assert out == tmp_path / "cited.bib"
    assert "@" not in out.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- row 23
def test_row23_node_launcher_without_node_is_tool_missing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from course_cli.tools.runner import Toolbox

    marp = tmp_path / "marp"
    marp.write_text("#!/usr/bin/env node\nconsole.log('hi')\n", encoding="utf-8")
    marp.chmod(0o755)
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("NODE_PATH", raising=False)
    tb = Toolbox(root=tmp_path, configured={"marp": str(marp)})
    with pytest.raises(ToolNotFoundError) as exc:
        tb.run("marp", ["--version"])
    assert exc.value.exit_code == 3
    assert exc.value.message.startswith("node")


def test_row23_missing_tool_keeps_the_old_outputs(tmp_path: Path) -> None:
    from course_cli.engine.executor import execute
    from course_cli.engine.steps import BuildStep, FailingAction

    out = tmp_path / "build/lesson_01/slides.html"
    out.parent.mkdir(parents=True)
    out.write_text("<html>old</html>", encoding="utf-8")
    src = tmp_path / "slides.md"
    src.write_text("# x\n", encoding="utf-8")
    step = BuildStep(
        "slides-html", out, (src,), action=FailingAction(ToolNotFoundError("node not found"))
    )
    report = execute([step], root=tmp_path, force=True)
    assert [r.status for r in report.results] == ["failed"]
    assert out.read_text(encoding="utf-8") == "<html>old</html>"


# --------------------------------------------------------------------------- row 25
def test_row25_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    from course_cli.tools.runner import run

    script = tmp_path / "noisy"
    script.write_text(
        "#!/bin/sh\nprintf 'bad \\033[31mred\\033[0m \\000nul \\007bell\\n' >&2\nexit 1\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    with pytest.raises(ToolFailedError) as exc:
        run([script])
    assert exc.value.hint == "bad red nul bell"


# --------------------------------------------------------------------------- row 27
def test_row27_timed_out_tool_and_its_children_are_stopped(tmp_path: Path) -> None:
    from course_cli.tools.runner import run

    marker = str(random.randint(100000, 999999))
    script = tmp_path / "hang"
    script.write_text(f"#!/bin/sh\nsleep {marker} &\nsleep {marker}\n", encoding="utf-8")
    script.chmod(0o755)
    with pytest.raises(ToolFailedError) as exc:
        run([script], timeout=1)
    assert exc.value.message == f"timed out after 1 s: {script}"
    assert _wait_for(lambda: not _sleepers(marker), 5)


# --------------------------------------------------------------------------- row 22
def test_row22_outputs_of_a_deleted_deck_are_removed_and_unlinked(make_course) -> None:  # type: ignore[no-untyped-def]
    import json

    from course_cli.builders.slides.builder import prune_removed_decks
    from course_cli.core.config import load_course

    root = make_course(
        {
            "lessons/lesson_01/README.md": "# Lesson 1: First steps\n\nText.\n",
            "lessons/lesson_01/slides/slides.md": "---\nmarp: true\n---\n\n# Deck\n",
        }
    )
    link_node_modules(root)
    out = root / "build/lesson_01"
    out.mkdir(parents=True)
    made = {
        "slides.html": "slides-html",
        "slides.pdf": "slides-pdf",
        "evil.html": "slides-html",
        "evil.pdf": "slides-pdf",
        "evil.notes.txt": "slides-notes",
        "conspect.pdf": "pdf",
    }
    for name in made:
        (out / name).write_bytes(MINI_PDF if name.endswith(".pdf") else b"<html></html>")
    manifest = {
        "version": 1,
        "files": {},
        "outputs": {
            f"build/lesson_01/{n}": {"fingerprint": "x", "kind": k} for n, k in made.items()
        },
    }
    (root / "build/.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    course = load_course(root)
    removed = prune_removed_decks(course, course.lessons, root / "build")
    assert sorted(p.name for p in removed) == ["evil.html", "evil.notes.txt", "evil.pdf"]
    assert sorted(p.name for p in out.iterdir()) == ["conspect.pdf", "slides.html", "slides.pdf"]
    done = course_cmd(root, "build", "site")
    assert done.returncode == 0, done.stderr
    page = (root / "build/site/lesson_01/index.html").read_text(encoding="utf-8")
    assert "evil" not in page
    assert "slides.html" in page


def test_row22_site_copy_of_a_failed_output_is_removed(make_course) -> None:  # type: ignore[no-untyped-def]
    root = make_course({"lessons/lesson_01/README.md": "# Lesson 1: First steps\n\nText.\n"})
    link_node_modules(root)
    (root / "build/lesson_01").mkdir(parents=True)
    (root / "build/lesson_01/conspect.pdf").write_bytes(MINI_PDF)
    assert course_cmd(root, "build", "site").returncode == 0
    copy = root / "build/site/lesson_01/conspect.pdf"
    assert copy.read_bytes() == MINI_PDF
    (root / "build/lesson_01/conspect.pdf").unlink()  # what a failed conspect build does
    done = course_cmd(root, "build", "site")
    assert done.returncode == 0, done.stderr
    assert not copy.exists()
    page = (root / "build/site/lesson_01/index.html").read_text(encoding="utf-8")
    assert "conspect.pdf" not in page
    assert (root / "build/site/assets/site.css").is_file()  # planned copies stay


# --------------------------------------------------------------------------- row 28
def test_row28_moving_the_course_folder_keeps_outputs_fresh(tmp_path: Path) -> None:
    import shutil

    from course_cli.engine.executor import execute
    from course_cli.engine.steps import BuildStep, key_of

    def make(root: Path) -> list[BuildStep]:
        def action(tasks):  # type: ignore[no-untyped-def]
            for t in tasks:
                t.out().write_text("made", encoding="utf-8")

        src = root / "lessons/a.md"
        args = f"--lua-filter={root}/templates/pdf/course.lua --resource-path={root}/lessons"
        return [BuildStep("x", root / "build/a.txt", (src,), action, key=key_of(args=args))]

    first = tmp_path / "one" / "course"
    (first / "lessons").mkdir(parents=True)
    (first / "lessons/a.md").write_text("a", encoding="utf-8")
    assert [r.status for r in execute(make(first), root=first).results] == ["built"]
    moved = tmp_path / "two" / "elsewhere"
    moved.parent.mkdir()
    shutil.move(first, moved)
    assert [r.status for r in execute(make(moved), root=moved).results] == ["fresh"]


def test_row28_neither_the_course_folder_nor_the_toolkit_install_path_is_in_a_key(
    make_course, tmp_path: Path
) -> None:
    # A built site stays up to date when the toolkit runs from another install (two copies of
    # the package, as a checkout and an installed `course`) and when the course is moved.
    import shutil

    repo = Path(__file__).resolve().parents[1]
    root = make_course(
        {
            "README.md": "# T\n\nA course.\n",
            "lessons/lesson_01/README.md": "# Lesson 1\n\n## Objectives\n\nSee $x$.\n",
        },
        templates=False,  # the site's templates and stylesheet come from the toolkit itself
    )
    (root / "node_modules").symlink_to(repo / "node_modules")
    kits = []
    for name in ("kit_a", "kit_b"):
        shutil.copytree(repo / "course_cli", tmp_path / name / "course_cli")
        kits.append(tmp_path / name)

    def site(course: Path, kit: Path | None) -> str:
        env = {**os.environ, "PYTHONPATH": str(kit or repo)}
        done = subprocess.run(
            [sys.executable, "-m", "course_cli", "build", "site", "--root", str(course)],
            cwd=kit or repo,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    first = site(root, kits[0])
    built = int(first.split()[0])
    assert built > 0 and first.startswith(f"{built} built, 0 up to date, 0 failed")
    assert site(root, kits[1]).startswith(f"0 built, {built} up to date, 0 failed")
    moved = tmp_path / "elsewhere" / "moved-course"
    moved.parent.mkdir()
    shutil.move(root, moved)
    assert site(moved, None).startswith(f"0 built, {built} up to date, 0 failed")
    page = (moved / "build/site/lesson_01/index.html").read_text(encoding="utf-8")
    assert "<h1" in page and "Objectives" in page
