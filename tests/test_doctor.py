"""course doctor: what is required follows course.yaml; missing tools give exit 3 and the hint."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from course_cli.core.config import load_course
from course_cli.tools import doctor

HTML_ONLY = """\
title: Test Course
build:
  slides: [html]
  pdf_engine: typst
lessons:
  - number: 1
    title: First steps
"""


def test_requirements_follow_the_course(make_course: Callable[..., Path]) -> None:
    default = doctor.required_tools(None)
    assert default["chromium"] and default["xelatex"] and default["marp"]
    assert not default["typst"] and not default["lualatex"]
    course = load_course(make_course(yaml=HTML_ONLY))
    needs = doctor.required_tools(course)
    assert not needs["chromium"]
    assert needs["typst"]


@pytest.mark.integration
def test_doctor_json_lists_every_tool_with_version_and_path(
    make_course: Callable[..., Path], run_cli: Callable[..., object]
) -> None:
    root = make_course()
    res = run_cli("doctor", "--format", "json", "--root", str(root))
    data = json.loads(res.stdout)  # type: ignore[attr-defined]
    names = [i["name"] for i in data["items"]]
    for name in ("pandoc", "node", "marp", "chromium", "xelatex", "lualatex", "pdflatex",
                 "latexmk", "bibtex", "typst", "DejaVu Sans", "pypandoc-binary"):  # fmt: skip
        assert name in names
    pandoc = next(i for i in data["items"] if i["name"] == "pandoc")
    if pandoc["ok"]:
        assert pandoc["version"].startswith("3.")
        assert Path(pandoc["path"]).is_file()
    assert data["ok"] == (res.exit_code == 0)  # type: ignore[attr-defined]


@pytest.mark.integration
def test_missing_browser_is_exit_3_with_the_install_command(
    make_course: Callable[..., Path],
    run_cli: Callable[..., object],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    root = make_course()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("node", "xelatex", "latexmk", "bibtex", "fc-list"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("CHROME_PATH", raising=False)
    res = run_cli("doctor", "--root", str(root))
    assert res.exit_code == 3  # type: ignore[attr-defined]
    assert "MISSING  chromium" in res.stdout  # type: ignore[attr-defined]
    assert "install: sudo apt-get install chromium" in res.stdout  # type: ignore[attr-defined]
    assert "required tool(s) missing: " in res.stderr  # type: ignore[attr-defined]
    assert "chromium" in res.stderr  # type: ignore[attr-defined]

    # A course that builds HTML slides only does not need the browser.
    (root / "course.yaml").write_text(HTML_ONLY.replace("typst", "xelatex"))
    res = run_cli("doctor", "--root", str(root))
    assert "optional chromium" in res.stdout  # type: ignore[attr-defined]


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.integration
def test_doctor_writes_nothing_even_when_build_is_a_file(
    make_course: Callable[..., Path],
    run_cli: Callable[..., object],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    pytest.importorskip("typst")
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("TYPST_PATH", raising=False)
    root = make_course(yaml=HTML_ONLY)
    before = _files(root)
    res = run_cli("doctor", "--format", "json", "--root", str(root))
    assert "Traceback" not in res.stderr  # type: ignore[attr-defined]
    assert _files(root) == before  # no build/.cache/tools.json, no typst shim
    assert not cache.exists()
    typst = next(i for i in json.loads(res.stdout)["items"] if i["name"] == "typst")  # type: ignore[attr-defined]
    assert typst["version"]

    (root / "build").write_text("not a folder\n")
    again = run_cli("doctor", "--root", str(root))
    assert "Traceback" not in again.stderr  # type: ignore[attr-defined]
    assert "typst" in again.stdout  # type: ignore[attr-defined]
    assert (root / "build").read_text() == "not a folder\n"
