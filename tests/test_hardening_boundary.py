"""Reliability report rows 1, 3, 5, 8, 9, 17, 20, 26: nothing outside the course is read or
written, no user file is overwritten. Each test reproduces the row and asserts the safe outcome."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from tests.hardening_helpers import (
    MINI_PDF,
    book_course,
    course_cmd,
    link_node_modules,
    snapshot,
)

HOST = socket.gethostname()
needs_tex = pytest.mark.skipif(
    not (shutil.which("xelatex") and shutil.which("pdftotext")), reason="xelatex/pdftotext missing"
)


# --------------------------------------------------------------------------- row 1
def test_row01_book_input_of_host_files_is_refused(tmp_path: Path) -> None:
    root = book_course(tmp_path)
    assert course_cmd(root, "book-sync").returncode == 0
    chapter = root / "materials/book/chapters/bandits.tex"
    lines = chapter.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, "ENV \\input{/proc/self/environ} ENV\n\nHOST \\input{/etc/hostname} HOST\n")
    chapter.write_text("".join(lines), encoding="utf-8")
    before = snapshot(root)

    done = course_cmd(root, "book-sync", env={"COURSE_SECRET_TOKEN": "s3cr3t-token-xyz"})
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        f"error: chapters/bandits.tex:4: /proc/self/environ is outside the course folder "
        f"{root}; it is not read"
    )
    assert snapshot(root) == before  # no extract, no lock written
    for path in (root / "lessons").rglob("*"):
        if path.is_file():
            assert b"s3cr3t-token-xyz" not in path.read_bytes()

    check = course_cmd(root, "check", "1")
    assert check.returncode == 1
    assert (
        "B002 book extracts cannot be checked: chapters/bandits.tex:4: /proc/self/environ is "
        "outside the course folder" in check.stdout
    )

    build = course_cmd(root, "build", "book")
    assert build.returncode == 1
    assert (
        "error: materials/book/chapters/bandits.tex:4: \\input{/proc/self/environ} opens a file "
        "outside the course folder; refused"
    ) in build.stderr
    assert not (root / "build/book").exists() or not any((root / "build/book").iterdir())


# --------------------------------------------------------------------------- row 3
@pytest.mark.parametrize(
    ("pdf", "message"),
    [
        ("README.md", "'README.md' must be a .pdf file (the book's copy)"),
        (
            "lessons/lesson_01/README.md",
            "'lessons/lesson_01/README.md' must be a .pdf file (the book's copy)",
        ),
        (
            "lessons/lesson_01/notes.pdf",
            "'lessons/lesson_01/notes.pdf' is a source of the course; the book is not copied there",
        ),
        ("/tmp/outside-book.pdf", "'/tmp/outside-book.pdf' is outside the course folder"),
        ("../outside-book.pdf", "'../outside-book.pdf' is outside the course folder"),
        (
            "materials/book/fake.pdf",
            "'materials/book/fake.pdf' exists and is not a PDF; it would be overwritten",
        ),
    ],
)
def test_row03_book_pdf_may_not_name_a_source_or_leave_the_course(
    tmp_path: Path, pdf: str, message: str
) -> None:
    root = book_course(tmp_path)
    (root / "README.md").write_text("# My course\n", encoding="utf-8")
    (root / "lessons/lesson_01").mkdir(parents=True)
    (root / "lessons/lesson_01/README.md").write_text("# Lesson 1\n", encoding="utf-8")
    (root / "materials/book/fake.pdf").write_text("not a pdf\n", encoding="utf-8")
    config = root / "course.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  bibliography: materials/book/refs.bib\n",
            f"  bibliography: materials/book/refs.bib\n  pdf: {pdf}\n",
        ),
        encoding="utf-8",
    )
    before = snapshot(root)
    for command in (["check"], ["build", "book"], ["list"]):
        done = course_cmd(root, *command)
        assert done.returncode == 2, (command, done.stderr)
        assert done.stderr.splitlines() == [
            f"error: course.yaml:6: book.pdf: {message}",
            "hint: fix course.yaml and run again",
        ]
    assert snapshot(root) == before
    assert not Path("/tmp/outside-book.pdf").exists()


def test_row03_the_documented_book_copy_is_still_allowed(tmp_path: Path) -> None:
    root = book_course(tmp_path)
    (root / "materials/book/LLM_alignment_book.pdf").write_bytes(MINI_PDF)
    done = course_cmd(root, "list")
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- row 5
def test_row05_symlinks_to_host_files_are_not_published(make_course, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_course(
        {
            "lessons/lesson_01/README.md": "# Lesson 1: First steps\n\nText.\n",
            "lessons/lesson_01/slides/img/ok.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        }
    )
    link_node_modules(root)
    (root / "lessons/lesson_01/slides/img/leak.svg").symlink_to("/etc/passwd")
    (root / "lessons/lesson_01/notebooks").mkdir()
    (root / "lessons/lesson_01/notebooks/leak.ipynb").symlink_to("/etc/passwd")
    done = course_cmd(root, "build", "site")
    assert done.returncode == 0, done.stderr
    site = root / "build/site/lesson_01"
    assert (site / "img/ok.svg").is_file()
    assert not (site / "img/leak.svg").exists()
    assert not (site / "notebooks/leak.ipynb").exists()
    page = (site / "index.html").read_text(encoding="utf-8")
    assert "leak.ipynb" not in page
    for path in (root / "build").rglob("*"):
        if path.is_file():
            assert b"root:x:0:0" not in path.read_bytes()


def test_row05_copy_refuses_a_symlink_out_of_the_course(tmp_path: Path) -> None:
    from course_cli.core.boundary import copy_inside
    from course_cli.core.errors import ProblemsFound

    root = tmp_path / "c"
    (root / "build").mkdir(parents=True)
    (root / "course.yaml").write_text("title: T\n", encoding="utf-8")
    (root / "leak.svg").symlink_to("/etc/passwd")
    with pytest.raises(ProblemsFound) as exc:
        copy_inside(root / "leak.svg", root / "build/leak.svg")
    assert exc.value.message == (
        "leak.svg: a symlink to /etc/passwd, outside the course folder; it is not copied"
    )
    assert not (root / "build/leak.svg").exists()


# --------------------------------------------------------------------------- row 8
CONSPECT = "---\ntitle: One\n---\n\n# Part\n\nSome text.\n\n"


def _conspect_course(make_course, extra: str):  # type: ignore[no-untyped-def]
    return make_course({"lessons/lesson_01/conspect.md": CONSPECT + extra})


@pytest.mark.parametrize(
    ("extra", "line", "shown"),
    [
        ("BEGINHOST \\input{/etc/hostname} ENDHOST\n", 9, "\\input{/etc/hostname}"),
        (
            "\\newread\\myread \\openin\\myread=/etc/hostname \\read\\myread to\\mytext "
            "OPENIN[\\mytext]OPENIN\n",
            9,
            "\\openin{/etc/hostname}",
        ),
    ],
)
def test_row08_conspect_reading_host_files_is_refused(  # type: ignore[no-untyped-def]
    make_course, extra: str, line: int, shown: str
) -> None:
    root = _conspect_course(make_course, extra)
    done = course_cmd(root, "build", "pdf", "1")
    assert done.returncode == 1
    assert (
        f"error: lessons/lesson_01/conspect.md:{line}: {shown} opens a file outside the course "
        "folder; refused"
    ) in done.stderr
    assert not (root / "build/lesson_01/conspect.pdf").exists()


@needs_tex
@pytest.mark.integration
def test_row08_tex_sandbox_stops_what_a_scan_cannot_see(make_course) -> None:  # type: ignore[no-untyped-def]
    # A macro as file name hides the path from any scan: kpathsea's paranoid mode refuses it.
    root = _conspect_course(make_course, "\\def\\f{/etc/hostname}BEGIN \\input\\f END\n")
    done = course_cmd(root, "build", "pdf", "1", "--engine", "xelatex")
    assert done.returncode == 4
    assert "lessons/lesson_01/conspect.md" in done.stderr
    assert "/etc/hostname" in done.stderr
    assert not (root / "build/lesson_01/conspect.pdf").exists()


def test_row08_tools_run_with_tex_in_paranoid_mode(tmp_path: Path) -> None:
    from course_cli.tools.runner import run

    (tmp_path / "course.yaml").write_text("title: T\n", encoding="utf-8")
    done = run(["sh", "-c", "echo $openin_any $openout_any $TEXMFOUTPUT"], cwd=tmp_path)
    assert done.stdout.split() == ["p", "p", str(tmp_path.resolve())]


@pytest.mark.integration
def test_row08_typst_cannot_read_host_files(make_course) -> None:  # type: ignore[no-untyped-def]
    root = _conspect_course(make_course, '```{=typst}\nTYPSTREAD[#read("/etc/hostname")]\n```\n')
    done = course_cmd(root, "build", "pdf", "1", "--engine", "typst")
    assert done.returncode == 4
    assert "lessons/lesson_01/conspect.md" in done.stderr
    assert "/etc/hostname" in done.stderr
    assert not (root / "build/lesson_01/conspect.pdf").exists()


# --------------------------------------------------------------------------- row 9
def test_row09_readme_raw_html_is_sanitised_and_pages_carry_a_csp(make_course) -> None:  # type: ignore[no-untyped-def]
    readme = (
        "# Lesson 1: First steps\n\nIntro.\n\n"
        "<script>alert('readme-xss-script')</script>\n\n"
        "<a href=\"javascript:alert('readme-rawlink')\">raw</a>\n\n"
        '<img src="x" onerror="alert(2)">\n\n'
        "[data](data:text/html,<script>alert(1)</script>)\n\n"
        "<details><summary>More</summary>kept</details>\n"
    )
    root = make_course({"lessons/lesson_01/README.md": readme})
    link_node_modules(root)
    done = course_cmd(root, "build", "site")
    assert done.returncode == 0, done.stderr
    page = (root / "build/site/lesson_01/index.html").read_text(encoding="utf-8")
    assert "alert" not in page
    assert "javascript:" not in page
    assert "onerror" not in page
    assert "<a>raw</a>" in page
    assert "<details><summary>More</summary>kept</details>" in page
    assert (
        '<meta http-equiv="Content-Security-Policy" content="default-src \'self\'; '
        "script-src 'self' 'wasm-unsafe-eval';"
    ) in page
    index = (root / "build/site/index.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in index


# --------------------------------------------------------------------------- row 17
def test_row17a_lesson_folder_that_is_a_file_changes_nothing(make_course) -> None:  # type: ignore[no-untyped-def]
    root = make_course({"lessons/lesson_13": "x\n"})
    before = snapshot(root)
    done = course_cmd(root, "new-lesson", "13", "--title", "X")
    assert done.returncode == 1
    assert "error: lessons/lesson_13 is a file, not a folder; nothing was written" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(root) == before


def test_row17b_read_only_lesson_folder_changes_nothing(make_course, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import errno

    from course_cli import scaffold

    root = make_course()
    before = snapshot(root)
    real = scaffold.atomic_write

    def read_only(path: Path, data: str | bytes) -> None:
        if "lesson_13" in str(path) and path.name == "conspect.md":
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        real(path, data)

    monkeypatch.setattr(scaffold, "atomic_write", read_only)
    result = run_cli("new-lesson", "13", "--title", "X", "--root", str(root))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: cannot write {root}/lessons/lesson_13/conspect.md: Read-only file system",
        "hint: course.yaml was not changed",
    ]
    after = snapshot(root)
    assert after == before  # course.yaml unchanged, the files it had created are gone


# --------------------------------------------------------------------------- row 20
def test_row20_deck_named_like_another_output_is_refused(make_course) -> None:  # type: ignore[no-untyped-def]
    root = make_course(
        {"lessons/lesson_01/slides/conspect.md": "---\nmarp: true\n---\n\n# A deck\n"}
    )
    (root / "build/lesson_01").mkdir(parents=True)
    (root / "build/lesson_01/conspect.pdf").write_bytes(MINI_PDF)
    for target in ("all", "slides"):
        done = course_cmd(root, "build", target, "1")
        assert done.returncode == 1, done.stderr
        assert done.stderr.splitlines()[0] == (
            "error: lessons/lesson_01/slides/conspect.md: a deck may not be named conspect.md: "
            "its PDF would replace build/lesson_01/conspect.pdf, another output; nothing was built"
        )
        assert "Traceback" not in done.stderr
    assert (root / "build/lesson_01/conspect.pdf").read_bytes() == MINI_PDF


def test_row20_two_steps_writing_one_file_is_a_one_line_error(tmp_path: Path) -> None:
    from course_cli.core.errors import ProblemsFound
    from course_cli.engine.executor import execute
    from course_cli.engine.steps import BuildStep

    out = tmp_path / "build/x.pdf"
    a = BuildStep("a", out, (tmp_path / "a.md",), action=lambda tasks: None, label="A")
    b = BuildStep("b", out, (tmp_path / "b.md",), action=lambda tasks: None, label="B")
    with pytest.raises(ProblemsFound) as exc:
        execute([a, b], root=tmp_path)
    assert exc.value.message == (
        f"two build steps write {out}: A (from {tmp_path}/a.md) and B (from {tmp_path}/b.md); "
        "nothing was built"
    )


# --------------------------------------------------------------------------- row 26
def test_row26_new_lesson_keeps_crlf_and_the_symlink(make_course, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_course()
    text = (root / "course.yaml").read_text(encoding="utf-8")
    (root / "config").mkdir()
    real = root / "config/course.yaml"
    real.write_bytes(text.replace("\n", "\r\n").encode())
    (root / "course.yaml").unlink()
    os.symlink("config/course.yaml", root / "course.yaml")
    done = course_cmd(root, "new-lesson", "3", "--title", "Third")
    assert done.returncode == 0, done.stderr
    assert (root / "course.yaml").is_symlink()
    data = real.read_bytes()
    assert b"Third" in data
    assert data.count(b"\r\n") == data.count(b"\n")  # every line still ends with CRLF


def test_row26_readme_keeps_crlf_and_its_symlink(make_course, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_course()
    (root / "docs").mkdir()
    real = root / "docs/README.md"
    real.write_bytes(
        b"# Course\r\n\r\n<!-- course:roadmap:start -->\r\nold\r\n<!-- course:roadmap:end -->\r\n"
    )
    (root / "README.md").symlink_to("docs/README.md")
    done = course_cmd(root, "readme")
    assert done.returncode == 0, done.stderr
    assert (root / "README.md").is_symlink()
    data = real.read_bytes()
    assert b"| 1 | [First steps](lessons/lesson_01/README.md)" in data
    assert data.count(b"\r\n") == data.count(b"\n")

    # A README that links out of the course is not written through.
    outside = tmp_path / "outside.md"
    outside.write_bytes(real.read_bytes().replace(b"First steps", b"Old"))
    (root / "README.md").unlink()
    (root / "README.md").symlink_to(outside)
    before = outside.read_bytes()
    done = course_cmd(root, "readme")
    assert done.returncode == 1
    assert done.stderr == "error: README.md leads outside the course folder; it is not changed\n"
    assert outside.read_bytes() == before


def test_row26_symlinked_lesson_folder_out_of_the_course_is_refused(  # type: ignore[no-untyped-def]
    make_course, tmp_path: Path
) -> None:
    root = make_course()
    out = tmp_path / "out"
    out.mkdir()
    (root / "lessons").mkdir(exist_ok=True)
    (root / "lessons/lesson_13").symlink_to(out)
    before = snapshot(root)
    done = course_cmd(root, "new-lesson", "13", "--title", "X")
    assert done.returncode == 1
    assert (
        "error: lessons/lesson_13 leads outside the course folder (a symlink?); nothing was written"
    ) in done.stderr
    assert list(out.iterdir()) == []
    assert snapshot(root) == before


# --------------------------------------------------------------------------- rows 5, 8: check
def test_row05_row08_check_reports_what_leaves_the_course(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_course(
        {
            "lessons/lesson_01/README.md": "# Lesson 1: First steps\n",
            "lessons/lesson_01/conspect.md": CONSPECT + "A \\input{/etc/hostname} b\n",
        }
    )
    (root / "lessons/lesson_01/slides/img").mkdir(parents=True)
    (root / "lessons/lesson_01/slides/img/leak.svg").symlink_to("/etc/passwd")
    (root / "lessons/lesson_01/notebooks").mkdir()
    (root / "lessons/lesson_01/notebooks/leak.ipynb").symlink_to("/etc/passwd")
    result = run_cli("check", "1", "--format", "json", "--root", str(root))
    assert result.exit_code == 1
    import json

    found = [
        (f["path"], f["line"], f["message"])
        for f in json.loads(result.stdout)["findings"]
        if f["code"] == "F006"
    ]
    assert found == [
        ("lessons/lesson_01/conspect.md", 9,
         "\\input{/etc/hostname} opens a file outside the course folder"),
        ("lessons/lesson_01/notebooks/leak.ipynb", None,
         "lessons/lesson_01/notebooks/leak.ipynb links to /etc/passwd, outside the course "
         "folder; it is not built or published"),
        ("lessons/lesson_01/slides/img/leak.svg", None,
         "lessons/lesson_01/slides/img/leak.svg links to /etc/passwd, outside the course "
         "folder; it is not built or published"),
    ]  # fmt: skip
