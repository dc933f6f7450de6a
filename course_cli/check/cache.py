"""``build/.cache/check.json``: the last course check's report, replayed while nothing it read
has changed.

The entry is valid while all of these are unchanged: the toolkit and the libraries the rules
use (:func:`course_cli.core.stamp.toolkit_stamp`), the course folder and the lessons asked for,
every file and folder under the course root except build/
(:func:`course_cli.core.stamp.tree_snapshot`, course.yaml included) and every path outside that
snapshot a rule looked at (link targets outside the course or in build/, macros, bibliography,
theme files). An unreadable, corrupt or foreign cache file is ignored and rewritten. Replaying
imports neither the rules nor the course.yaml model: it needs only the findings and the lesson
grid.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.core.stamp import path_stamp, same_tree, toolkit_stamp, tree_snapshot

if TYPE_CHECKING:
    from course_cli.check.result import CheckReport

CACHE_VERSION = 1
#: libraries whose behaviour shapes the findings (a new version re-checks everything)
#: (and of the rendering: a replayed output is also kept here, see :mod:`course_cli.launch`)
_LIBRARIES = (
    "markdown_it", "mdit_py_plugins", "yaml", "ruamel.yaml", "jupytext",
    "rich", "typer", "click",
)  # fmt: skip
#: rendered outputs of one report kept at most (one per command line and terminal)
_MAX_OUTPUTS = 16

#: ``(root, key, report)`` of the entry the last :func:`cached_check` of this process returned
#: (when its output may be replayed)
LAST: tuple[Path, str, dict[str, Any]] | None = None


def cache_path(root: Path) -> Path:
    """Where the check cache of the course at ``root`` lives."""
    return root / "build" / ".cache" / "check.json"


def cached_check(
    root: Path,
    numbers: Sequence[int],
    run: Callable[[set[Path]], CheckReport],
    *,
    options: Iterable[str] = (),
    replayable: bool = True,
) -> CheckReport:
    """Return the report of the last check of ``root`` when nothing it read has changed, else
    ``run(outside)`` (which fills ``outside`` with the paths beyond the snapshot its rules
    looked at) and remember that report.

    ``options`` are whatever else shapes the report (part of the key); ``replayable``: the
    command has no other effect than printing the report, so its output may be kept.
    """
    global LAST
    LAST = None
    root = root.resolve()
    stamp = toolkit_stamp(_LIBRARIES)
    key = _key(root, numbers, options, stamp)
    data = _valid_entry(root, stamp)
    if data is not None and data["key"] == key:
        report = _report_from_json(root, data["report"])
    else:
        taken = time.time_ns()
        tree = tree_snapshot(root)
        outside: set[Path] = set()
        report = run(outside)
        _store(root, key, stamp, taken, tree, outside, report)
    if replayable:
        LAST = (root, key, json.loads(json.dumps(_report_to_json(report))))  # as stored
    return report


def _key(root: Path, numbers: Sequence[int], options: Iterable[str], stamp: str) -> str:
    doc = [CACHE_VERSION, str(root), sorted(set(numbers)), sorted(options)]
    return hashlib.sha256(f"{json.dumps(doc)}\0{stamp}".encode()).hexdigest()


def _valid_entry(root: Path, stamp: str, load_report: bool = True) -> dict[str, Any] | None:
    """The cache entry of ``root`` when the toolkit and everything it read are unchanged, else
    None (never raises for a missing, corrupt or stale cache file)."""
    try:
        data = json.loads(cache_path(root).read_text(encoding="utf-8"))
        if (
            not isinstance(data, dict)
            or data.get("version") != CACHE_VERSION
            or data.get("stamp") != stamp
            or data.get("root") != str(root)
            or not isinstance(data.get("key"), str)
            or not isinstance(data.get("report"), dict)
        ):
            return None
        for name, recorded in data["outside"].items():
            if path_stamp(Path(name)) != recorded:
                return None
        if not same_tree(root, data["tree"], int(data["taken_ns"])):
            return None
        if load_report:
            _report_from_json(root, data["report"])  # a report that does not load is no report
        return data
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None


def replay_output(cwd: Path, render_key: str) -> dict[str, Any] | None:
    """What a ``course check`` run in ``cwd`` printed, for the command line and terminal
    ``render_key``, when its report is still valid; else None."""
    from course_cli.core.courseroot import find_root
    from course_cli.core.errors import ConfigError

    try:
        root = find_root(cwd)
    except ConfigError:
        return None
    data = _valid_entry(root, toolkit_stamp(_LIBRARIES), load_report=False)
    if data is None:
        return None
    record = data.get("rendered", {}).get(render_key)
    return record if isinstance(record, dict) else None


def remember_output(render_key: str, code: int, chunks: list[list[Any]]) -> None:
    """Keep what this process's check printed beside the report it rendered (when the
    command used :func:`cached_check` and its entry is still the current one)."""
    if LAST is None or code not in (0, 1):
        return
    root, key, report = LAST
    try:
        data = json.loads(cache_path(root).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("key") != key or data.get("report") != report:
            return  # another run has replaced the entry meanwhile
        rendered = data.get("rendered")
        if not isinstance(rendered, dict) or len(rendered) >= _MAX_OUTPUTS:
            rendered = {}
        rendered[render_key] = {"code": code, "chunks": chunks}
        data["rendered"] = rendered
        from course_cli.core.fs import atomic_write

        atomic_write(cache_path(root), json.dumps(data, separators=(",", ":")))
    except (OSError, ValueError, TypeError, AttributeError):
        pass


def _store(
    root: Path,
    key: str,
    stamp: str,
    taken: int,
    tree: dict[str, Any],
    outside: set[Path],
    report: CheckReport,
) -> None:
    from course_cli.core.fs import atomic_write

    data = {
        "version": CACHE_VERSION,
        "key": key,
        "stamp": stamp,
        "root": str(root),
        "taken_ns": taken,
        "tree": tree,
        "outside": {str(p): path_stamp(p) for p in sorted(outside)},
        "report": _report_to_json(report),
    }
    with contextlib.suppress(OSError):  # a read-only course: the next check runs the rules
        atomic_write(cache_path(root), json.dumps(data, separators=(",", ":")))


def _report_to_json(report: CheckReport) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        "mode": report.mode,
        "findings": [asdict(f) for f in report.findings],
        "lessons": [asdict(x) for x in report.lessons],
        "files": list(report.files),
    }


def _report_from_json(root: Path, data: dict[str, Any]) -> CheckReport:
    from course_cli.check.findings import Finding
    from course_cli.check.result import CheckReport, LessonResult

    findings = [Finding(**f) for f in data["findings"]]
    lessons = [
        LessonResult(
            number=x["number"],
            title=x["title"],
            folder=x["folder"],
            parts=dict(x["parts"]),
            required=tuple(x["required"]),
        )
        for x in data["lessons"]
    ]
    return CheckReport(str(data["mode"]), root, findings, lessons, list(data["files"]))
