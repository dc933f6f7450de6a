"""Reliability report rows 4, 6, 7, 15, 16, 21, 24, 28: bounded and hostile input, README
markers, ``course serve``. Each test reproduces the row and asserts the safe outcome."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.hardening_helpers import book_course, course_cmd, snapshot

README_HEAD = "# Test Course\n\nIntro.\n\n"
TABLE = (
    "| # | Lesson | Description | Slides | Conspect |\n"
    "|---:|---|---|---|---|\n"
    "| 1 | [First steps](lessons/lesson_01/README.md) | The first lesson. "
    "| [Slides](lessons/lesson_01/slides/) | [Conspect](lessons/lesson_01/conspect.md) |\n"
    "| 2 | [Second steps](lessons/lesson_02/README.md) | The second lesson. "
    "| [Slides](lessons/lesson_02/slides/) | [Conspect](lessons/lesson_02/conspect.md) |\n"
)
START, END = "<!-- course:roadmap:start -->", "<!-- course:roadmap:end -->"


# --------------------------------------------------------------------------- row 4
def test_row04_marker_quoted_in_prose_does_not_cut_the_readme(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    prose = (
        f"Maintainers: the table below lives between `{START}` and the end marker.\n\n"
        "IMPORTANT USER PROSE THAT MUST SURVIVE.\n\n"
    )
    text = README_HEAD + prose + f"## Course roadmap\n\n{START}\nold table\n{END}\n\nTail.\n"
    root = make_course({"README.md": text})
    result = run_cli("readme", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert (root / "README.md").read_text(encoding="utf-8") == (
        README_HEAD + prose + f"## Course roadmap\n\n{START}\n{TABLE}{END}\n\nTail.\n"
    )


def test_row04_markers_in_a_fenced_example_are_not_the_table(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    example = f"How it works:\n\n```markdown\n{START}\n| table |\n{END}\n```\n\n"
    text = README_HEAD + example + f"{START}\nold table\n{END}\n"
    root = make_course({"README.md": text})
    check = run_cli("readme", "--check", "--root", str(root))
    assert check.exit_code == 1  # the real table is stale, and --check says so
    result = run_cli("readme", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert (root / "README.md").read_text(encoding="utf-8") == (
        README_HEAD + example + f"{START}\n{TABLE}{END}\n"
    )


def test_row04_ambiguous_markers_are_refused(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    text = README_HEAD + f"{START}\na\n{END}\n\nkeep me\n\n{START}\nb\n{END}\n"
    root = make_course({"README.md": text})
    result = run_cli("readme", "--root", str(root))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: README.md: the roadmap markers are ambiguous (marker lines 5, 7, 11, 13); "
        "nothing was changed",
        "hint: keep exactly one start line and one end line after it",
    ]
    assert (root / "README.md").read_text(encoding="utf-8") == text


# --------------------------------------------------------------------------- row 6
ALIAS_BOMB = (
    "title: T\ncheck:\n  disable: &a0 ["
    + ", ".join(['"lol"'] * 9)
    + "]\n  severity:\n"
    + "".join(f"    K{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10))
    + "lessons: [ {number: 1, title: One, book: *a9} ]\n"
)


@pytest.mark.parametrize("command", [["check"], ["list"], ["readme", "--check"], ["build"]])
def test_row06_yaml_alias_bomb_is_refused_fast(make_course, run_cli, command) -> None:  # type: ignore[no-untyped-def]
    root = make_course(yaml=ALIAS_BOMB)
    start = time.perf_counter()
    result = run_cli(*command, "--root", str(root))
    assert time.perf_counter() - start < 10
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith("error: course.yaml:")
    assert "more than 50000 values once YAML aliases are expanded; refused" in result.stderr


# --------------------------------------------------------------------------- row 7
@pytest.mark.parametrize("number", ["9999999999999999999999999999999999999999", "100000000"])
def test_row07_huge_lesson_number_is_refused(make_course, run_cli, number: str) -> None:  # type: ignore[no-untyped-def]
    yaml = f"title: T\nlessons:\n  - number: {number}\n    title: Big\n"
    root = make_course(yaml=yaml)
    for command in (["check"], ["list"], ["build"], ["new-lesson", "2", "-t", "X"]):
        result = run_cli(*command, "--root", str(root))
        assert result.exit_code == 2, command
        assert result.stderr.splitlines()[0].startswith(
            "error: course.yaml:3: lessons[0].number: input should be less than or equal to 999"
        )


# --------------------------------------------------------------------------- row 15
def test_row15_an_unexpected_error_in_a_rebuild_does_not_kill_the_watcher(make_course) -> None:  # type: ignore[no-untyped-def]
    from course_cli.builders import targets as build_mod
    from course_cli.serve import Rebuild, run_builds

    def broken(course, lessons, options):  # type: ignore[no-untyped-def]
        raise ValueError("zip() argument 2 is longer than argument 1")

    build_mod.register_builder("broken-for-test", broken)
    try:
        root = make_course()
        lines: list[str] = []
        error = run_builds(root, [Rebuild("broken-for-test")], lines.append)
        assert error == "internal error: ValueError: zip() argument 2 is longer than argument 1"
        assert lines == [f"error: {error}"]
        # the next rebuild runs normally (the lock was released)
        assert run_builds(root, [Rebuild("site", (99,))], lines.append) is None
    finally:
        build_mod._REGISTERED.pop("broken-for-test", None)
        build_mod.TARGETS.pop("broken-for-test", None)
        build_mod.PHASES.pop("broken-for-test", None)


# --------------------------------------------------------------------------- row 16
def test_row16_deck_scan_is_linear(tmp_path: Path) -> None:
    from course_cli.builders.slides.decks import analyze_deck

    (tmp_path / "course.yaml").write_text("title: T\n", encoding="utf-8")
    slide = (
        "---\n\n# Slide {i}\n\n- a bullet point with some text about $x^2$ and `code`\n"
        "- another bullet that is fairly long to fill space in the deck\n\n"
        "<!-- speaker notes here -->\n\n"
    )

    def deck(size: int) -> Path:
        parts, total, i = ["---\nmarp: true\nmath: mathjax\n---\n\n"], 0, 0
        while total < size:
            parts.append(slide.format(i=i))
            total += len(parts[-1])
            i += 1
        path = tmp_path / f"deck{size}.md"
        path.write_text("".join(parts), encoding="utf-8")
        return path

    small, big = deck(500_000), deck(5_000_000)

    def timed(path: Path) -> float:
        best = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            analyze_deck(path, tmp_path)
            best = min(best, time.perf_counter() - start)
        return best

    t_small, t_big = timed(small), timed(big)
    assert t_big < 20, f"5 MB deck took {t_big:.1f} s"
    assert t_big / t_small < 20, f"0.5 MB: {t_small:.3f} s, 5 MB: {t_big:.3f} s"


def test_row16_katex_directive_still_found() -> None:
    from course_cli.builders.slides.decks import _KATEX

    assert _KATEX.search("x\n  math: katex\n")
    assert _KATEX.search("<!--\n math: 'katex' -->")
    assert not _KATEX.search("text math: katex in prose\n")


# --------------------------------------------------------------------------- row 21
def test_row21a_deep_nesting_is_a_one_line_error(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    for body in (
        "x: " + "[" * 5000 + "]" * 5000,
        "".join(f"{' ' * i}k{i}:\n" for i in range(3000)),
    ):
        root = make_course(yaml="title: T\n" + body + "\n")
        result = run_cli("list", "--root", str(root))
        assert result.exit_code == 2
        assert len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith("error: course.yaml")
        assert "nested too deeply" in result.stderr


def test_row21b_readme_with_invalid_utf8_is_a_one_line_error(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_course()
    data = f"# C\n\nbad \xff byte\n{START}\n{END}\n".encode("latin-1")
    (root / "README.md").write_bytes(data)
    for command in (["readme"], ["readme", "--check"]):
        result = run_cli(*command, "--root", str(root))
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [
            "error: README.md:3: not valid UTF-8 (byte 0xff at offset 9); nothing was changed",
            "hint: save the file as UTF-8",
        ]
    assert (root / "README.md").read_bytes() == data


@pytest.mark.parametrize(
    "lock", [b"\xff\xfe", b'{"version":1,"outputs":"notadict"}', b'{"sources": ["/dev/zero"]}']
)
def test_row21cd_corrupt_book_sync_lock_is_no_crash(tmp_path: Path, lock: bytes) -> None:
    root = book_course(tmp_path)
    assert course_cmd(root, "book-sync").returncode == 0
    extract = root / "lessons/lesson_01/book/book.md"
    before = extract.read_bytes()
    (root / "lessons/lesson_01/book/book-sync.lock.json").write_bytes(lock)
    for command in (["book-sync"], ["book-sync", "--check"], ["check", "1"]):
        done = course_cmd(root, *command)
        assert "Traceback" not in done.stderr, (command, done.stderr)
        assert done.returncode in (0, 1), (command, done.stderr)
    assert extract.read_bytes() == before  # never overwritten without --force


def test_row21e_input_of_dev_zero_is_refused(tmp_path: Path) -> None:
    root = book_course(tmp_path)
    assert course_cmd(root, "book-sync").returncode == 0
    chapter = root / "materials/book/chapters/bandits.tex"
    chapter.write_text(
        chapter.read_text(encoding="utf-8").replace(
            "\\label{ch:bandits}", "\\label{ch:bandits}\\input{/dev/zero}"
        ),
        encoding="utf-8",
    )
    for command in (["book-sync"], ["check"]):
        done = course_cmd(root, *command, timeout=60)
        assert done.returncode == 1
        assert "/dev/zero is outside the course folder" in done.stderr + done.stdout
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["9" * 300, "--title", "X"], f"error: lesson number must be at most 999, got {'9' * 12}…"),
        (["1000", "--title", "X"], "error: lesson number must be at most 999, got 1000"),
        (["13", "--title", "a\nb"], "error: --title: must be one line (got 'a\\nb')"),
        (["٣", "--title", "X"], "error: lesson number must be a whole number, got '٣'"),
    ],
)
def test_row21gh_row28_bad_new_lesson_arguments(make_course, run_cli, args, message) -> None:  # type: ignore[no-untyped-def]
    root = make_course()
    before = snapshot(root)
    result = run_cli("new-lesson", *args, "--root", str(root))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == message
    assert snapshot(root) == before


def test_row21i_full_disk_in_book_sync_is_one_line(tmp_path: Path, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import errno

    from course_cli.core import fs as fsutil

    root = book_course(tmp_path)

    def full(path: Path, data: str | bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(fsutil, "atomic_write", full)
    result = run_cli("book-sync", "--root", str(root))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(f"error: cannot write {root}/lessons/lesson_0")
    assert result.stderr.splitlines()[0].endswith(": No space left on device")
    assert not (root / "lessons").exists() or not any((root / "lessons").rglob("*.md"))


# --------------------------------------------------------------------------- row 24
@pytest.fixture
def server(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    from course_cli import serve

    monkeypatch.setattr(serve._Handler, "timeout", 1.0)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><body>hi</body></html>", encoding="utf-8")
    (site / "leak.txt").symlink_to("/etc/passwd")
    (site / "etcdir").symlink_to("/etc")
    srv = serve.make_server(site, "127.0.0.1", 0, serve.LiveState())
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()
    thread.join()


def _get(port: int, path: str, host: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_host=host is not None)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body


def test_row24_serve_answers_bad_requests_with_a_status(server: int) -> None:
    assert _get(server, "/")[0] == 200
    assert _get(server, "/%00")[0] == 404
    assert _get(server, "/lesson_01/..%00/etc/passwd")[0] == 404
    assert _get(server, "/" + "a" * 5000)[0] == 414
    assert _get(server, "/", host="evil.example")[0] == 403
    assert _get(server, "/", host="localhost:8000")[0] == 200
    assert _get(server, "/", host="127.0.0.1")[0] == 200
    status, body = _get(server, "/leak.txt")
    assert status == 404 and b"root:" not in body
    assert _get(server, "/etcdir/")[0] == 404


def test_row24_idle_connections_are_closed(server: int) -> None:
    sock = socket.create_connection(("127.0.0.1", server), timeout=10)
    sock.sendall(b"GET / HTTP/1.1\r\n")  # and then nothing
    start = time.perf_counter()
    data = sock.recv(1024)  # the server gives up on the idle client
    assert time.perf_counter() - start < 8
    assert b"hi" not in data
    sock.close()


def test_row28_bad_host_hint_names_the_host_not_the_port(tmp_path: Path) -> None:
    from course_cli.core.errors import CourseError
    from course_cli.serve import LiveState, make_server

    with pytest.raises(CourseError) as exc:
        make_server(tmp_path / "site", "256.1.1.1", 0, LiveState())
    assert exc.value.message.startswith("cannot listen on 256.1.1.1:0: ")
    assert exc.value.hint == "check --host (e.g. 127.0.0.1)"


def test_row28_serve_ignores_the_book_pdf_it_writes_itself(make_course) -> None:  # type: ignore[no-untyped-def]
    from course_cli.core.config import load_course
    from course_cli.serve import Rebuild, plan_rebuild, relevant_changes

    root = make_course()
    course = load_course(root)
    own = root / "materials/book/LLM_alignment_book.pdf"
    chapter = root / "materials/book/chapters/a.tex"
    assert relevant_changes(course, [own]) == []
    assert plan_rebuild(root, relevant_changes(course, [own, chapter])) == [
        Rebuild("book"),
        Rebuild("site"),
    ]
