"""Rendering a CheckReport: rich text, JSON (docs/check-json.md), GitHub annotations, JUnit XML.

Every function returns a value (a rich renderable or a string); the CLI prints or writes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.check.findings import RULES, Finding
from course_cli.check.result import SCHEMA_VERSION, CheckReport
from course_cli.core.inventory import SHORT_NAMES

if TYPE_CHECKING:
    from rich.console import RenderableType

_CELL = {
    "ok": ("✓", "green"),
    "present": ("✓", "dim green"),
    "absent": ("–", "dim"),
    "missing": ("✗", "bold red"),
    "empty": ("empty", "red"),
    "template": ("template", "red"),
    "todo": ("TODO", "yellow"),
    "unreadable": ("?", "bold red"),
}
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _groups(report: CheckReport) -> list[tuple[str, list[Finding]]]:
    titles = {r.number: f"Lesson {r.number} · {r.title}" for r in report.lessons}
    groups: dict[str, list[Finding]] = {}
    if report.mode == "course":
        for r in report.lessons:
            groups.setdefault(titles[r.number], [])
    for f in report.findings:
        if report.mode == "files":
            key = f.path
        elif f.lesson is not None:
            key = titles.get(f.lesson, f"Lesson {f.lesson}")
        else:
            key = "Course"
        groups.setdefault(key, []).append(f)
    return [(k, v) for k, v in groups.items() if v]


def grid(report: CheckReport) -> Any:
    """Return the rich Table of lessons × deliverables (with error/warning counts)."""
    from rich.table import Table

    parts: list[str] = []
    for r in report.lessons:
        parts.extend(p for p in r.parts if p not in parts)
    table = Table(
        show_lines=False, title="Deliverables", title_style="bold", box=None, pad_edge=False
    )
    table.add_column("#", justify="right")
    table.add_column("Lesson", overflow="ellipsis", no_wrap=True, max_width=28)
    for part in parts:
        table.add_column(SHORT_NAMES.get(part, part), justify="center")
    table.add_column("errors", justify="right")
    table.add_column("warnings", justify="right")
    per: dict[int, dict[str, int]] = {}
    for f in report.findings:
        if f.lesson is not None:
            per.setdefault(f.lesson, {"error": 0, "warning": 0, "info": 0})[f.severity] += 1
    for r in report.lessons:
        cells = []
        for part in parts:
            symbol, style = _CELL.get(r.parts.get(part, "absent"), ("?", ""))
            cells.append(f"[{style}]{symbol}[/]")
        counts = per.get(r.number, {"error": 0, "warning": 0})
        errors = f"[bold red]{counts['error']}[/]" if counts["error"] else "[dim]0[/]"
        warnings = f"[yellow]{counts['warning']}[/]" if counts["warning"] else "[dim]0[/]"
        table.add_row(str(r.number), _escape(r.title), *cells, errors, warnings)
    return table


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def render_text(report: CheckReport, strict: bool = False) -> RenderableType:
    """Return the human report: the grid (course mode), findings grouped, a summary line."""
    from rich.console import Group
    from rich.text import Text

    items: list[Any] = []
    if report.lessons:
        items.extend([grid(report), Text("")])
    for title, findings in _groups(report):
        items.append(Text(title, style="bold underline"))
        for f in findings:
            line = Text("  ")
            line.append(f.location(), style="bold")
            line.append("  ")
            line.append(f"{f.severity:<7}", style=_STYLE[f.severity])
            line.append(f" {f.code} ", style="dim")
            line.append(f.message)
            items.append(line)
            if f.hint:
                items.append(Text(f"      hint: {f.hint}", style="dim"))
        items.append(Text(""))
    failed = report.failed(strict)
    summary = Text(
        ("✗ " if failed else "✓ ") + report.summary(), style="bold red" if failed else "bold green"
    )
    if strict and not report.counts()["error"] and failed:
        summary.append(" (--strict: warnings fail)", style="dim")
    items.append(summary)
    return Group(*items)


def to_json(report: CheckReport, strict: bool = False) -> dict[str, Any]:
    """Return the report as the JSON object documented in docs/check-json.md."""
    counts = report.counts()
    per: dict[int, dict[str, int]] = {}
    for f in report.findings:
        if f.lesson is not None:
            per.setdefault(f.lesson, {"error": 0, "warning": 0, "info": 0})[f.severity] += 1
    return {
        "schema": SCHEMA_VERSION,
        "mode": report.mode,
        "root": str(report.root),
        "summary": {
            "errors": counts["error"],
            "warnings": counts["warning"],
            "info": counts["info"],
            "files": report.files_checked,
            "lessons": len(report.lessons),
            "strict": strict,
            "failed": report.failed(strict),
        },
        "lessons": [
            {
                "number": r.number,
                "title": r.title,
                "folder": r.folder,
                "required": list(r.required),
                "deliverables": dict(r.parts),
                "errors": per.get(r.number, {}).get("error", 0),
                "warnings": per.get(r.number, {}).get("warning", 0),
            }
            for r in report.lessons
        ],
        "files": list(report.files),
        "findings": [f.to_json() for f in report.findings],
    }


def render_json(report: CheckReport, strict: bool = False) -> str:
    """Return :func:`to_json` serialised (indented, UTF-8 characters kept)."""
    return json.dumps(to_json(report, strict), indent=2, ensure_ascii=False)


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: CheckReport) -> str:
    """Return GitHub Actions workflow commands, one ``::error file=…,line=…::…`` per finding."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for f in report.findings:
        props = [f"file={_gh_prop(f.path)}"]
        if f.line:
            props.append(f"line={f.line}")
            if f.column:
                props.append(f"col={f.column}")
        props.append(f"title={_gh_prop(f'{f.code} {f.name}')}")
        message = f.message + (f" (hint: {f.hint})" if f.hint else "")
        lines.append(f"::{level[f.severity]} {','.join(props)}::{_gh_data(message)}")
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def render_junit(report: CheckReport, strict: bool = False) -> str:
    """Return JUnit XML: one test case per checked path; errors (and warnings with
    ``strict``) are failures, the rest goes to system-out."""
    from xml.sax.saxutils import escape, quoteattr

    by_path: dict[str, list[Finding]] = {p: [] for p in report.files}
    for f in report.findings:
        by_path.setdefault(f.path, []).append(f)
    cases, failures = [], 0
    for path, found in by_path.items():
        failing = [
            f for f in found if f.severity == "error" or (strict and f.severity == "warning")
        ]
        body = ""
        if failing:
            failures += 1
            first = failing[0]
            text = "\n".join(f"{f.location()}: {f.severity} {f.code} {f.message}" for f in failing)
            body += (
                f"<failure type={quoteattr(first.code)} "
                f"message={quoteattr(f'{len(failing)} problem(s): {first.message}')}>"
                f"{escape(text)}</failure>"
            )
        rest = [f for f in found if f not in failing]
        if rest:
            text = "\n".join(f"{f.location()}: {f.severity} {f.code} {f.message}" for f in rest)
            body += f"<system-out>{escape(text)}</system-out>"
        classname = f"course check.{report.mode}"
        cases.append(
            f"  <testcase classname={quoteattr(classname)} name={quoteattr(path)}>{body}</testcase>"
        )
    head = (
        f'<testsuite name="course check" tests="{len(cases)}" failures="{failures}" '
        f'errors="0" skipped="0">'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
        + head
        + "\n"
        + "\n".join(cases)
        + "\n</testsuite>\n</testsuites>\n"
    )


JUNIT_MARK = '<testsuite name="course check"'  # what every report of render_junit holds


def check_junit_target(path: Path) -> None:
    """Raise UsageError unless ``path`` may receive the JUnit report: it must not be a folder
    or a special file, and an existing file is only replaced when it is empty or an earlier
    report of ``course check`` (so ``--junit README.md`` cannot destroy a source file)."""
    from course_cli.core.errors import UsageError

    if path.is_dir():
        raise UsageError(
            f"--junit {path}: is a folder, not a file",
            hint=f"name a file, e.g. --junit {path / 'course-check.xml'}",
        )
    if not path.exists():
        for folder in path.parents:
            if folder.exists():
                if not folder.is_dir():
                    raise UsageError(
                        f"--junit {path}: {folder} is a file, not a folder",
                        hint="name a file in a folder, e.g. --junit build/course-check.xml",
                    )
                break
        return
    if not path.is_file():
        raise UsageError(f"--junit {path}: is not a regular file", hint="name an XML file")
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    except OSError as exc:
        raise UsageError(f"--junit {path}: cannot read it: {exc.strerror or exc}") from None
    if head and not (head.startswith("<?xml") and JUNIT_MARK in head):
        raise UsageError(
            f"--junit {path}: the file exists and is not a JUnit report of course check; "
            "not overwriting it",
            hint="choose another file name (e.g. build/course-check.xml), or remove the file",
        )


def write_junit(report: CheckReport, path: Path, strict: bool = False) -> None:
    """Write :func:`render_junit` to ``path`` atomically (folders created).

    Raises UsageError (see :func:`check_junit_target`) for a folder, a special file, an
    existing file that is not an earlier report, or a path that cannot be written.
    """
    from course_cli.core.errors import UsageError
    from course_cli.core.fs import atomic_write

    check_junit_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, render_junit(report, strict))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(f"--junit {path}: cannot write the report: {reason}") from None


def rules_table(rules: Iterable[str] | None = None) -> Any:
    """Return a rich Table of the rules: code, name, default severity, what it finds."""
    from rich.table import Table

    table = Table(title="course check rules", box=None, pad_edge=False)
    for col in ("code", "name", "severity", "topic", "finds"):
        table.add_column(col)
    for code in rules or RULES:
        r = RULES[code]
        table.add_row(
            r.code, r.name, f"[{_STYLE[r.severity]}]{r.severity}[/]", r.topic, _escape(r.summary)
        )
    return table
