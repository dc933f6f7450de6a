#!/usr/bin/env bash
# Check the course in the project's .venv (made by ./scripts/setup.sh): the deliverables
# contract, links, math and decks (`course check`), the book extracts (`course book-sync
# --check`), and the project's own tests when it has a tests/ folder. Extra arguments go to
# `course check` (e.g. --strict).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x .venv/bin/course ]]; then
  echo "error: .venv is missing; run ./scripts/setup.sh first" >&2
  exit 2
fi
.venv/bin/course check "$@"
.venv/bin/course book-sync --check
if [[ -d tests ]]; then
  .venv/bin/python -m pytest tests
fi
