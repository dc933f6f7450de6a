"""``course check --files``: the Markdown, Marp and math rules over any files and folders."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from course_cli.check.context import CheckContext
from course_cli.check.findings import Finding, Severity
from course_cli.check.result import CheckReport
from course_cli.check.run import MARKDOWN_SUFFIXES, check_markdown_file, finalize
from course_cli.core.errors import UsageError

_ROOT_MARKERS = (
    ".git",
    "course.yaml",
    "package.json",
    ".marprc.yml",
    ".marprc.yaml",
    ".marprc",
    "DROPPED.txt",
)


def project_root(path: Path) -> Path:
    """Return the folder that absolute links and theme lookup start from for ``path``:
    the path itself for a folder, else the nearest parent with a project marker
    (.git, course.yaml, package.json, .marprc*, DROPPED.txt), else the file's folder."""
    path = path.absolute()
    if path.is_dir():
        return path
    for folder in path.parents:
        if any((folder / marker).exists() for marker in _ROOT_MARKERS):
            return folder
    return path.parent


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders to the Markdown files under them (hidden folders, node_modules skipped).

    Raises UsageError for a path that does not exist.
    """
    out: list[Path] = []
    for given in paths:
        path = Path(given).absolute()
        if path.is_dir():
            for here, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
                out.extend(Path(here) / f for f in sorted(files) if f.endswith(MARKDOWN_SUFFIXES))
        elif path.exists() or path.is_symlink():
            out.append(path)
        else:
            raise UsageError(f"{given}: no such file or folder")
    return list(dict.fromkeys(out))


def check_files(
    paths: Sequence[Path],
    *,
    macros: Iterable[str] = (),
    macros_label: str = "the shared macros",
    root: Path | None = None,
    disable: Sequence[str] = (),
    severity: dict[str, Severity] | None = None,
    site_root: Path | None = None,
    labels: frozenset[str] = frozenset(),
) -> CheckReport:
    """Run the Markdown, Marp and math rules over files and folders that need not be a course.

    ``macros``: names (no backslash) defined elsewhere, e.g. read from a macros.tex.
    ``root``: where CSS themes are looked up and paths are shown from (default: see
    project_root). Relative links resolve against each file's folder; links starting with
    ``/`` against ``site_root`` (default: ``root``). ``labels``: labels other files define.
    A deck is a file whose front matter says ``marp: true``. Returns the report.
    """
    from course_cli.check.marp import find_css, known_themes
    from course_cli.check.mathdefs import MathContext, mathjax_config_macros

    files = collect_files(paths)
    if root is None:
        roots = [project_root(Path(p)) for p in paths] or [Path.cwd()]
        root = Path(os.path.commonpath([str(r) for r in roots]))
    themes = known_themes(find_css(root))
    macros = set(macros) | mathjax_config_macros(root)
    ctx = CheckContext(
        root=root,
        math=MathContext(macros, macros_label),
        themes=themes,
        theme_hint="themes: " + ", ".join(sorted(themes)),
        site_root=site_root.absolute() if site_root is not None else None,
        external_labels=labels,
    )
    findings: list[Finding] = []
    for path in files:
        findings.extend(check_markdown_file(path, ctx))
    findings = finalize(findings, ctx, files, disable, severity or {})
    return CheckReport("files", root, findings, [], [ctx.rel(p) for p in files])


def check_paths(
    targets: Sequence[str], macros_file: Path | None = None, site_root: Path | None = None,
    refs_file: Path | None = None,
) -> CheckReport:  # fmt: skip
    """``course check --files``: check these files/folders, with the names a macros file
    defines, root-relative links under ``site_root`` and the labels ``refs_file`` declares.

    Raises UsageError when no path is given or a path does not exist.
    """
    from course_cli.check.mathcheck import read_label_names
    from course_cli.check.mathdefs import read_macro_names

    if site_root is not None and not site_root.is_dir():
        raise UsageError(f"--site-root: {site_root}: no such folder")
    labels: frozenset[str] = frozenset()
    if refs_file is not None:
        if not refs_file.is_file():
            raise UsageError(f"--refs: {refs_file}: no such file")
        labels = read_label_names(refs_file)

    if not targets:
        raise UsageError("--files needs at least one file or folder")
    macros: frozenset[str] = frozenset()
    label = "the shared macros"
    if macros_file is not None:
        if not macros_file.is_file():
            raise UsageError(f"--macros: {macros_file}: no such file")
        macros, label = read_macro_names(macros_file), str(macros_file)
    return check_files([Path(t) for t in targets], macros=macros, macros_label=label,
                       site_root=site_root, labels=labels)  # fmt: skip
