#!/usr/bin/env bash
# Set up everything the course needs on a fresh Debian/Ubuntu machine, then build the course.
#   ./scripts/setup.sh            # install system packages, Python deps, Marp; build the course
#   ./scripts/setup.sh --no-build # install only
# Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=1
[[ "${1:-}" == "--no-build" ]] && BUILD=0

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

APT_PACKAGES=(
  # TeX for conspect PDFs and the book (xelatex + latexmk), with wide-Unicode fonts
  texlive-xetex texlive-luatex texlive-latex-recommended texlive-latex-extra
  texlive-fonts-recommended texlive-science texlive-pictures lmodern latexmk biber
  fonts-dejavu fonts-dejavu-extra
  # pdftotext/pdftoppm/pdfimages, used by the tests
  poppler-utils
)
# A browser for Marp PDF/PPTX export and the site tests: Debian's chromium unless one exists.
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null \
   && ! command -v google-chrome >/dev/null && [[ -z "${CHROME_PATH:-}" ]]; then
  APT_PACKAGES+=(chromium)
fi
# Node.js and npm for the pinned Marp CLI, unless the machine already has them (e.g. from
# NodeSource, whose nodejs package conflicts with Debian's npm).
if ! command -v npm >/dev/null; then
  APT_PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "==> pip install -e .[dev]"
python3 -m pip install -q -e '.[dev]'

echo "==> npm ci (pinned Marp CLI)"
npm ci --no-audit --no-fund --loglevel=error

if ((BUILD)); then
  echo "==> course doctor && course build"
  python3 -m course_cli doctor
  python3 -m course_cli build all
fi
echo "==> done"
