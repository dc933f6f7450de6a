"""Malformed inputs give a finding or a clear error, never a traceback."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from course_cli.check.files import check_files
from tests.conftest import write_tree


def findings(root: Path) -> list[tuple[str, str, str]]:
    return [(f.location(), f.code, f.message) for f in check_files([root]).findings]


def test_binary_file_named_md(tmp_path: Path) -> None:
    write_tree(tmp_path, {"image.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"})
    assert findings(tmp_path) == [("image.md", "F001", "binary data in a Markdown file")]


def test_invalid_utf8_names_line_and_column(tmp_path: Path) -> None:
    write_tree(tmp_path, {"latin1.md": b"# Title\n\nCaf" + b"\xe9 au lait\n"})
    assert findings(tmp_path) == [
        ("latin1.md:3:4", "F001", "not valid UTF-8: byte 0xe9 cannot be decoded")
    ]


def test_unclosed_front_matter_is_reported_and_the_rest_still_checked(tmp_path: Path) -> None:
    write_tree(tmp_path, {"deck.md": "---\nmarp: true\ntheme: course\n\n# Slide\n\n[x](gone.md)\n"})
    assert findings(tmp_path) == [
        ("deck.md:1", "F002", "front matter opened with --- on line 1 is never closed"),
        ("deck.md:7:5", "L001", "link target does not exist: gone.md"),
    ]


def test_invalid_yaml_front_matter(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.md": "---\ntitle: [unclosed\n---\n\nText\n"})
    [(where, code, message)] = findings(tmp_path)
    assert (where, code) == ("a.md:3", "F003")
    assert message.startswith("front matter is not valid YAML: ")


def test_rule_then_blank_line_is_not_front_matter(tmp_path: Path) -> None:
    # kaobook's MANIFEST.md starts with a horizontal rule; pandoc and GitHub agree.
    write_tree(tmp_path, {"MANIFEST.md": "---\n\n# Title\n\n---\nMore\n"})
    assert findings(tmp_path) == []


def test_five_megabyte_file_is_skipped_with_a_finding(tmp_path: Path) -> None:
    line = "Some prose with $x$ and [a link](https://example.org).\n"
    write_tree(tmp_path, {"huge.md": line * (5_000_000 // len(line) + 1)})
    started = time.perf_counter()
    result = findings(tmp_path)
    assert time.perf_counter() - started < 2.0
    assert result == [
        ("huge.md", "F004", "not checked: 5.0 MB is over the 2 MB limit for a Markdown file")
    ]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this system")
def test_symlink_loop(tmp_path: Path) -> None:
    os.symlink("loop.md", tmp_path / "loop.md")
    os.symlink(".", tmp_path / "self")  # a folder loop: not followed
    write_tree(tmp_path, {"a.md": "[loop](loop.md)\n"})
    assert findings(tmp_path) == [
        ("a.md:1:8", "L001", "link target does not exist: loop.md"),
        ("loop.md", "F001", "cannot read the file: Too many levels of symbolic links"),
    ]


def test_pathological_brackets_and_dollars_stay_fast(tmp_path: Path) -> None:
    text = ("[" * 5000 + "$" * 5000 + "`" * 3000 + "\n") * 20
    write_tree(tmp_path, {"a.md": text})
    started = time.perf_counter()
    findings(tmp_path)
    assert time.perf_counter() - started < 3.0


def test_cli_missing_path_is_a_usage_error(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--files", str(tmp_path / "nope.md"))
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'nope.md'}: no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_binary_file_exits_1_with_the_finding(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_tree(tmp_path, {"x.md": b"\x00\x01\x02"})
    result = run_cli("check", "--files", str(tmp_path), "--format", "github")
    assert result.exit_code == 1
    assert (
        "::error file=x.md,title=F001 unreadable-file::binary data in a Markdown file"
        in result.stdout
    )


def test_mutated_markdown_never_raises(tmp_path: Path) -> None:
    import random

    from tests.conftest import REPO

    sources = sorted((REPO / "tests" / "fixtures" / "check").rglob("*.md"))
    texts = [p.read_text(encoding="utf-8") for p in sources]
    rnd = random.Random(7)
    alphabet = "$`[]()!#<>-{}\\\n *_~|:"
    for i in range(150):
        chars = list(rnd.choice(texts))
        for _ in range(rnd.randint(1, 25)):
            k = rnd.randrange(len(chars) + 1)
            if rnd.random() < 0.6:
                chars.insert(k, rnd.choice(alphabet))
            elif chars:
                chars.pop(min(k, len(chars) - 1))
        text = "".join(chars)[: rnd.randrange(1, len(chars) + 2)]
        write_tree(tmp_path, {f"m{i}.md": text})
    report = check_files([tmp_path])  # must not raise, whatever the findings
    assert report.files_checked == 150
