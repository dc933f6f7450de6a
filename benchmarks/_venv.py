"""Run every benchmark in the project's environment (.venv, made by ./scripts/setup.sh), and
describe the machine a figure was measured on."""

from __future__ import annotations

import os
import sys
from pathlib import Path

VENV = Path(__file__).resolve().parents[1] / ".venv"


def ensure() -> None:
    """Re-run this script with .venv's Python when started with another one (and .venv exists)."""
    python = VENV / "bin" / "python"
    if python.exists() and Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(python, [str(python), *sys.argv])


def load() -> str:
    """The machine's load averages and core count, printed next to every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
