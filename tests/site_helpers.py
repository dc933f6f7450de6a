"""Running ``course build site`` on a test course, as a user would (a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def build_site(
    root: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``course build site --root ROOT ARGS…``, the course's node_modules (MathJax) linked to
    the toolkit's first."""
    node_modules = root / "node_modules"
    if not node_modules.exists() and not node_modules.is_symlink():
        node_modules.symlink_to(REPO / "node_modules")
    return subprocess.run(
        [sys.executable, "-m", "course_cli", "build", "site", "--root", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
        env=dict(env) if env is not None else None,
    )
