"""Helpers for the hardening tests: fake tools, a valid PDF, running ``course`` as a process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BOOK_FIXTURE = Path(__file__).parent / "fixtures" / "books" / "course"

# A minimal one-page PDF (header, catalog, pages, one page, xref, trailer, %%EOF).
MINI_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def fake_tool(path: Path, body: str, version: str = "pandoc 3.9") -> Path:
    """An executable shell script at ``path`` that answers ``--version`` and runs ``body``."""
    path.write_text(
        f'#!/bin/sh\nif [ "$1" = --version ]; then echo "{version}"; exit 0; fi\n' + body + "\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def course_cmd(
    root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m course_cli ARGS --root ROOT`` as a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "course_cli", *args, "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )


def book_course(tmp_path: Path) -> Path:
    """A copy of the book fixture course (lessons 1 and 2 take chapters of its book)."""
    root = tmp_path / "course"
    shutil.copytree(BOOK_FIXTURE, root)
    return root


def link_node_modules(root: Path) -> None:
    """Make the repository's node_modules (MathJax, Marp) available to ``root``."""
    target = root / "node_modules"
    if not target.exists():
        target.symlink_to(REPO / "node_modules")


def snapshot(root: Path, skip: tuple[str, ...] = ("build",)) -> dict[str, bytes]:
    """Every regular file under ``root`` (not under ``skip``) and its bytes; links as text."""
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts and rel.parts[0] in skip:
            continue
        if path.is_symlink():
            out[rel.as_posix()] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            out[rel.as_posix()] = path.read_bytes()
    return out
