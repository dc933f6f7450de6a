#!/usr/bin/env bash
# Run the whole test suite: unit tests and the integration tests that drive the real pandoc,
# TeX, Marp and Chromium installed by ./scripts/setup.sh. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -m pytest "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit $rc
