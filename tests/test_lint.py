"""The repository stays lint-clean: ruff over everything, mypy --strict over the toolkit.

The versions are pinned in pyproject's dev extras, so a new release of either tool cannot turn
this test red on its own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, check=False
    )


def test_ruff_check_is_clean_over_the_whole_repository() -> None:
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed!" in result.stdout


def test_ruff_format_leaves_every_file_as_it_is() -> None:
    result = _run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "would be reformatted" not in result.stdout


def test_mypy_strict_is_clean_over_the_toolkit() -> None:
    result = _run("mypy", "--strict", "--cache-dir", "/dev/null", "course_cli")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found")
