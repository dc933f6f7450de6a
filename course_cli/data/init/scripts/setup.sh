#!/usr/bin/env bash
# Set up everything the course needs on a fresh Debian/Ubuntu machine, then build the course.
#   ./scripts/setup.sh            # system packages, .venv with the Python deps, Marp; build the course
#   ./scripts/setup.sh --no-build # install only
# Python packages go into .venv/ (the distribution's Python is never touched: it is "externally
# managed", PEP 668); afterwards `. .venv/bin/activate` puts `course` on PATH.
# Idempotent: a second run installs nothing new and takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=1
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
PYTHON=${PYTHON:-python3}
VENV=.venv

if ! command -v "$PYTHON" >/dev/null; then
  echo "setup.sh: $PYTHON not found; install Python 3.11 or newer (apt-get install python3)" >&2
  exit 3
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup.sh: $("$PYTHON" --version 2>&1) is too old; the course needs Python 3.11 or newer" >&2
  exit 3
fi

APT_PACKAGES=(
  # TeX for conspect PDFs and the book (xelatex + latexmk), with wide-Unicode fonts
  texlive-xetex texlive-luatex texlive-latex-recommended texlive-latex-extra
  texlive-fonts-recommended texlive-science texlive-pictures lmodern latexmk biber
  fonts-dejavu fonts-dejavu-extra fonts-cmu
  # pdftotext/pdftoppm/pdfimages, used by the tests
  poppler-utils
  # git: the tests clone the repository to try the setup and `course init` from scratch
  git
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
# venv + ensurepip: Debian and Ubuntu ship them apart from python3 (python3-venv, or
# python3.X-venv for the exact version), so a bare `python3 -m venv` fails there.
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  pyver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  APT_PACKAGES+=("python${pyver}-venv")
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    echo "setup.sh: these packages are missing and this is not a Debian/Ubuntu system:" >&2
    echo "  ${missing[*]}" >&2
    echo "install their equivalents, then run setup.sh again" >&2
    exit 3
  fi
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The virtual environment: made once; made again when it no longer runs (e.g. its Python was
# upgraded or removed).
if ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  echo "==> $PYTHON -m venv $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi

# Python packages (requirements.txt: the toolkit with its dev tools, and the lab), skipped when
# nothing they are made from changed since the last successful install.
stamp_of() {
  local f
  { "$VENV/bin/python" --version
    for f in requirements.txt pyproject.toml materials/lab/pyproject.toml; do
      if [[ -f "$f" ]]; then sha256sum "$f"; fi
    done; } 2>&1 | sha256sum | cut -d' ' -f1
}
py_stamp=$(stamp_of)
if [[ "$(cat "$VENV/.setup-stamp" 2>/dev/null)" != "$py_stamp" ]] || [[ ! -x "$VENV/bin/course" ]]; then
  echo "==> pip install -r requirements.txt (into $VENV)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r requirements.txt
  echo "$py_stamp" > "$VENV/.setup-stamp"
else
  echo "==> Python packages up to date ($VENV)"
fi

# The pinned Marp CLI (and MathJax for the site), again only when package-lock.json changed.
npm_stamp=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ "$(cat node_modules/.setup-stamp 2>/dev/null)" != "$npm_stamp" ]]; then
  echo "==> npm ci (pinned Marp CLI)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_stamp" > node_modules/.setup-stamp
else
  echo "==> node packages up to date (node_modules)"
fi

if ((BUILD)); then
  echo "==> course doctor && course build all"
  "$VENV/bin/course" doctor
  "$VENV/bin/course" build all
fi
echo "==> done. Put \`course\` on PATH with:  . $VENV/bin/activate"
