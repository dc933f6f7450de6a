"""Where an external tool is: the lookup order and the fallbacks that need no install.

Lookup order for each tool: ``course.yaml`` ``build.tools`` > environment variable (e.g.
``MARP_PATH``) > the project's ``node_modules/.bin`` (Node tools) > a bundled binary (pandoc
from ``pypandoc-binary``) > ``PATH`` > a shim (``typst``: a small script over the ``typst``
Python module, since pandoc needs an executable). Nothing here starts a process.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from course_cli.core.errors import ToolNotFoundError
from course_cli.tools.specs import TOOLS, ToolSpec


@dataclass(frozen=True)
class ToolInfo:
    """A found tool: ``source`` is config, env, node_modules, bundled, PATH or shim."""

    name: str
    path: Path
    source: str


def locate(
    name: str,
    *,
    root: Path | None,
    configured: Mapping[str, str],
    typst_shim: Callable[[], Path],
) -> ToolInfo:
    """Return where tool ``name`` is (``typst_shim`` makes the typst fallback when needed).

    Raises ToolNotFoundError naming where it looked and the install command.
    """
    spec = TOOLS.get(name) or ToolSpec(name, (name,), f"install {name}")
    if name in configured:
        return _from_config(spec, resolve_configured(configured[name], root))
    looked: list[str] = []
    if spec.env:
        value = os.environ.get(spec.env)
        if value:
            return _from_env(spec, value)
        looked.append(f"${spec.env}")
    if spec.node_bin and root is not None:
        for exe in spec.executables:
            path = root / "node_modules" / ".bin" / exe
            if _is_executable(path):
                return ToolInfo(name, path, "node_modules")
        looked.append(str(root / "node_modules" / ".bin"))
    if name == "pandoc":
        bundled = bundled_pandoc()
        if bundled is not None:
            return ToolInfo(name, bundled, "bundled")
        looked.append("pypandoc-binary")
    if name == "pagefind":
        wheel = bundled_pagefind()
        if wheel is not None:
            return ToolInfo(name, wheel, "bundled")
        looked.append("pagefind-bin")
    for exe in spec.executables:
        found = shutil.which(exe)
        if found:
            return ToolInfo(name, Path(found), "PATH")
    looked.append("PATH (" + ", ".join(spec.executables) + ")")
    if name == "typst" and importlib.util.find_spec("typst") is not None:
        return ToolInfo(name, typst_shim(), "shim")
    raise ToolNotFoundError(
        f"{name} not found (needed for {spec.purpose or name}); looked in: " + "; ".join(looked),
        hint=f"install it: {spec.install}",
    )


def _from_config(spec: ToolSpec, path: Path) -> ToolInfo:
    name = spec.name
    if _is_executable(path):
        return ToolInfo(name, path, "config")
    raise ToolNotFoundError(
        f"{name}: course.yaml build.tools.{name} points to {path}, which is not an executable file",
        hint=f"fix build.tools.{name} in course.yaml or remove it; install: {spec.install}",
    )


def _from_env(spec: ToolSpec, value: str) -> ToolInfo:
    path = Path(value).expanduser()
    if _is_executable(path):
        return ToolInfo(spec.name, path, "env")
    raise ToolNotFoundError(
        f"{spec.name}: ${spec.env}={value} is not an executable file",
        hint=f"unset {spec.env} or point it to {spec.name}; install: {spec.install}",
    )


def resolve_configured(value: str, root: Path | None) -> Path:
    """A ``build.tools`` entry as a path: relative to ``root``, else a bare name on PATH."""
    path = Path(value).expanduser()
    if not path.is_absolute() and root is not None:
        path = root / path
    if not path.exists() and os.sep not in value:
        found = shutil.which(value)
        if found:
            return Path(found)
    return path


def bundled_pagefind() -> Path | None:
    """Return the pagefind binary of the ``pagefind-bin`` wheel (``pip install 'pagefind[bin]'``)
    without importing it."""
    spec = importlib.util.find_spec("pagefind_bin")
    if spec is None or not spec.origin:
        return None
    for exe in ("pagefind_extended", "pagefind"):
        path = Path(spec.origin).parent / exe
        if _is_executable(path):
            return path
    return None


def bundled_pandoc() -> Path | None:
    """Return pandoc inside the ``pypandoc-binary`` wheel without importing pypandoc."""
    spec = importlib.util.find_spec("pypandoc")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        for exe in ("pandoc", "pandoc.exe"):
            path = Path(location) / "files" / exe
            if _is_executable(path):
                return path
    return None


TYPST_SHIM = '''#!{python}
"""typst command line over the typst Python module (written by `course`; safe to delete).

Supports what pandoc's --pdf-engine=typst calls: typst compile [--root DIR] [--font-path DIR]
[--input KEY=VALUE] [--ppi N] INPUT OUTPUT, and typst --version.
"""
import argparse
import sys

import typst

if sys.argv[1:2] in (["--version"], ["-V"]):
    from importlib.metadata import version
    print("typst " + version("typst") + " (python module)")
    sys.exit(0)
parser = argparse.ArgumentParser(prog="typst")
sub = parser.add_subparsers(dest="command", required=True)
c = sub.add_parser("compile", aliases=["c"])
c.add_argument("input")
c.add_argument("output", nargs="?")
c.add_argument("--root")
c.add_argument("--font-path", action="append", default=[])
c.add_argument("--input", action="append", default=[], dest="inputs")
c.add_argument("--ppi", type=float)
c.add_argument("--format", "-f")
args = parser.parse_args()
output = args.output or args.input.rsplit(".", 1)[0] + ".pdf"
try:
    typst.compile(args.input, output=output, root=args.root, font_paths=args.font_path,
                  sys_inputs=dict(kv.split("=", 1) for kv in args.inputs),
                  **({{"ppi": args.ppi}} if args.ppi else {{}}),
                  **({{"format": args.format}} if args.format else {{}}))
except Exception as exc:  # typst raises its own error types with the diagnostics
    print(getattr(exc, "diagnostic", None) or f"error: {{exc}}", file=sys.stderr)
    sys.exit(1)
'''


def write_typst_shim(path: Path) -> Path:
    """Write (if changed) an executable ``typst`` script at ``path`` and return ``path``."""
    text = TYPST_SHIM.format(python=sys.executable)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o755)
        os.replace(tmp, path)
    return path


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
