#!/usr/bin/env bash
# Run the whole test suite in the project's .venv (made by ./scripts/setup.sh): unit tests and the
# integration tests that drive the real pandoc, TeX, Marp and Chromium. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x .venv/bin/python ]]; then
  echo "error: .venv is missing; run ./scripts/setup.sh first" >&2
  exit 2
fi
.venv/bin/python -m pytest "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit $rc
