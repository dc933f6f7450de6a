"""tools: lookup order, typed errors, timeouts, fatal warnings, version cache, typst shim."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_cli.core.errors import ExitCode, ToolFailedError, ToolNotFoundError
from course_cli.tools import runner as tools
from course_cli.tools.runner import Toolbox
from course_cli.tools.specs import PANDOC_FATAL

REPO = Path(__file__).resolve().parents[1]


def script(path: Path, body: str) -> Path:
    """An executable Python script at ``path`` (a stand-in program for lookup tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\nimport sys\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """PATH with only an empty folder; no tool variables."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    for var in ("MARP_PATH", "CHROME_PATH", "PANDOC_PATH", "TYPST_PATH"):
        monkeypatch.delenv(var, raising=False)
    return empty


def test_lookup_order_config_env_node_modules_path(
    tmp_path: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "course"
    on_path = script(clean_env / "marp", "print('path')")
    local = script(root / "node_modules/.bin/marp", "print('local')")
    from_env = script(tmp_path / "env/marp", "print('env')")
    configured = script(root / "tools/marp", "print('config')")

    assert Toolbox(root).find("marp") == tools.ToolInfo("marp", local, "node_modules")
    local.unlink()
    assert Toolbox(root).find("marp") == tools.ToolInfo("marp", on_path, "PATH")
    monkeypatch.setenv("MARP_PATH", str(from_env))
    assert Toolbox(root).find("marp").source == "env"
    box = Toolbox(root, configured={"marp": "tools/marp"})
    assert box.find("marp") == tools.ToolInfo("marp", configured, "config")
    assert box.run("marp", []).stdout == "config\n"


def test_missing_tool_says_where_it_looked_and_how_to_install(
    tmp_path: Path, clean_env: Path
) -> None:
    with pytest.raises(ToolNotFoundError) as exc:
        Toolbox(tmp_path).find("chromium")
    assert exc.value.exit_code == ExitCode.TOOL_MISSING
    assert exc.value.message.startswith("chromium not found (needed for slides PDF/PPTX)")
    assert "$CHROME_PATH" in exc.value.message
    assert exc.value.hint == "install it: sudo apt-get install chromium"


def test_env_variable_pointing_nowhere_is_an_error(
    tmp_path: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHROME_PATH", str(tmp_path / "no-such-browser"))
    with pytest.raises(ToolNotFoundError, match=r"\$CHROME_PATH=.*no-such-browser is not an"):
        Toolbox(tmp_path).find("chromium")


def test_configured_path_that_is_not_executable(tmp_path: Path, clean_env: Path) -> None:
    with pytest.raises(ToolNotFoundError) as exc:
        Toolbox(tmp_path, configured={"pandoc": "bin/pandoc"}).find("pandoc")
    assert "course.yaml build.tools.pandoc points to" in exc.value.message


def test_failure_carries_command_line_and_stderr_tail(tmp_path: Path) -> None:
    prog = script(tmp_path / "bad tool", "print('\\n'.join(f'line {i}' for i in range(40)), "
                  "file=sys.stderr); sys.exit(3)")  # fmt: skip
    with pytest.raises(ToolFailedError) as exc:
        tools.run([prog, "an arg", "; rm -rf /"])
    assert exc.value.exit_code == ExitCode.TOOL_FAILED
    assert exc.value.message == (f"bad tool failed (exit 3): '{prog}' 'an arg' '; rm -rf /'")
    assert exc.value.hint is not None
    assert exc.value.hint.splitlines() == [f"line {i}" for i in range(25, 40)]


def test_timeout_is_a_tool_failure(tmp_path: Path) -> None:
    prog = script(tmp_path / "sleeper", "import time; time.sleep(30)")
    with pytest.raises(ToolFailedError, match=r"timed out after 0.5 s: .*sleeper"):
        tools.run([prog], timeout=0.5)


def test_fatal_warnings_become_errors(tmp_path: Path) -> None:
    prog = script(tmp_path / "pandoc-like", "print('[WARNING] Could not convert TeX math "
                  "\\\\foo, rendering as TeX', file=sys.stderr)")  # fmt: skip
    assert tools.run([prog]).returncode == 0
    with pytest.raises(ToolFailedError) as exc:
        tools.run([prog], fatal=PANDOC_FATAL)
    assert exc.value.hint == "[WARNING] Could not convert TeX math \\foo, rendering as TeX"


def test_missing_program_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(ToolNotFoundError):
        tools.run([tmp_path / "nothing-here"])


def test_versions_are_cached_by_binary(tmp_path: Path, clean_env: Path) -> None:
    counter = tmp_path / "calls"
    script(clean_env / "latexmk", f"open({str(counter)!r}, 'a').write('x')\n"
           "print('Latexmk, John Collins, 7 Jan. 2023. Version 4.79')")  # fmt: skip
    cache = tmp_path / "cache.json"
    assert Toolbox(tmp_path, cache_file=cache).version("latexmk") == "4.79"
    assert Toolbox(tmp_path, cache_file=cache).version("latexmk") == "4.79"
    assert counter.read_text() == "x"


def test_stdin_is_closed(tmp_path: Path) -> None:
    prog = script(tmp_path / "reader", "print(repr(sys.stdin.read()))")
    assert tools.run([prog], timeout=10).stdout == "''\n"


@pytest.mark.integration
def test_real_tools_are_found_with_versions() -> None:
    box = Toolbox(REPO)
    assert box.find("pandoc").source in {"bundled", "PATH", "env", "config"}
    assert tools.version_tuple(box.version("pandoc")) >= (3,)
    if (REPO / "node_modules/.bin/marp").exists():
        assert box.version("marp") == "4.5.1"  # the pin in package.json


@pytest.mark.integration
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="no poppler-utils")
def test_typst_shim_lets_pandoc_make_a_pdf(tmp_path: Path, clean_env: Path) -> None:
    pytest.importorskip("typst")
    box = Toolbox(tmp_path)
    typst = box.find("typst")
    assert typst.source == "shim"
    assert box.version("typst")
    (tmp_path / "a.md").write_text("# Hello typst\n\nEnergy $E = m c^2$.\n")
    box.run("pandoc", ["a.md", f"--pdf-engine={typst.path}", "-o", "a.pdf"], cwd=tmp_path,
            timeout=120)  # fmt: skip
    text = subprocess.run(["/usr/bin/pdftotext", str(tmp_path / "a.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "Hello typst" in text
    assert "Energy" in text
    assert os.access(typst.path, os.X_OK)


def test_a_file_that_is_not_a_program_is_a_tool_failure(tmp_path: Path) -> None:
    prog = tmp_path / "x"
    prog.write_text("hello\n")
    prog.chmod(0o755)
    with pytest.raises(ToolFailedError) as exc:
        tools.run([prog, "--version"])
    assert exc.value.exit_code == ExitCode.TOOL_FAILED
    assert exc.value.message == f"x cannot be run (Exec format error): {prog} --version"
    assert exc.value.hint is not None and str(prog) in exc.value.hint


def test_tail_cuts_long_lines() -> None:
    text = "short\n" + "x" * 12000 + "\nend\n"
    lines = tools.tail(text).splitlines()
    assert lines[0] == "short"
    assert lines[1] == "x" * 299 + "…"
    assert lines[2] == "end"


def test_running_a_tool_older_than_needed_is_not_found(
    tmp_path: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = script(tmp_path / "pandoc", "print('pandoc 2.17.1.1')")
    monkeypatch.setenv("PANDOC_PATH", str(old))
    with pytest.raises(ToolNotFoundError) as exc:
        Toolbox(tmp_path).run("pandoc", ["in.md"])
    assert exc.value.exit_code == ExitCode.TOOL_MISSING
    assert exc.value.message == f"pandoc 2.17.1.1 at {old}: version 3.0 or newer is needed"
    assert exc.value.hint == "install a newer one: pip install pypandoc-binary"
    new = script(tmp_path / "pandoc3", "print('pandoc 3.1.2')")
    monkeypatch.setenv("PANDOC_PATH", str(new))
    assert Toolbox(tmp_path).run("pandoc", []).stdout == "pandoc 3.1.2\n"


@pytest.mark.parametrize("content", ["5", "[1, 2]", "null", '"text"', "{not json"])
def test_a_damaged_version_cache_is_ignored(tmp_path: Path, content: str) -> None:
    from course_cli.tools.versions import load_version_cache

    cache = tmp_path / "tools.json"
    cache.write_text(content, encoding="utf-8")
    assert load_version_cache(cache) == {}
    cache.write_text('{"stamp": "3.9"}', encoding="utf-8")
    assert load_version_cache(cache) == {"stamp": "3.9"}
