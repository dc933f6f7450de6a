""" "Edit this page" links and "last updated" dates of site pages, when course.yaml names the
repository (``repository: https://github.com/OWNER/REPO``).

The date of a page is the latest of its source files' dates: the day of the last commit that
changed the file (one ``git log`` for the whole course), or the file's modification day when
git does not know it (no repository, a new file, git missing).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from course_cli.core.config import Course

GIT_TIMEOUT = 30.0


@dataclass(frozen=True)
class PageMeta:
    """What a page shows under its text: the edit link and the date (ISO ``YYYY-MM-DD``)."""

    edit_url: str
    updated: str

    @property
    def updated_text(self) -> str:
        """The date as people read it: "6 December 2026"."""
        day = dt.date.fromisoformat(self.updated)
        return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class SourceInfo:
    """The course's repository facts for every page: edit base URL and commit dates."""

    edit_base: str  # https://github.com/OWNER/REPO/edit/BRANCH/PREFIX/
    dates: dict[Path, str]  # absolute, resolved path -> day of its last commit
    root: Path  # the course root, resolved

    def page(self, sources: Iterable[Path], edit: Path) -> PageMeta:
        """The meta of a page made from ``sources``, edited in ``edit`` (absolute paths)."""
        days = [d for d in (self.date(p) for p in sources) if d]
        return PageMeta(self.edit_url(edit), max(days) if days else "")

    def edit_url(self, path: Path) -> str:
        """The code host's editor for ``path`` (absolute, inside the course)."""
        try:
            rel = path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            rel = path.name
        return self.edit_base + rel

    def date(self, path: Path) -> str:
        """The day ``path`` last changed: its last commit, else its modification time."""
        found = self.dates.get(path.resolve())
        if found:
            return found
        from course_cli.core.stamp import watch

        watch(path)  # its mtime is shown: a no-op build record must see a mere touch
        try:
            stamp = path.stat().st_mtime
        except OSError:
            return ""
        return dt.datetime.fromtimestamp(stamp, tz=dt.UTC).date().isoformat()


def source_info(course: Course) -> SourceInfo | None:
    """The repository facts of ``course`` (None when course.yaml names no repository)."""
    repo = course.repository
    if repo is None:
        return None
    base = repo.url.rstrip("/").removesuffix(".git")
    prefix = _git(course.root, ["rev-parse", "--show-prefix"]).strip()
    edit_base = f"{base}/edit/{repo.branch}/{prefix}"
    return SourceInfo(edit_base, commit_dates(course.root), course.root.resolve())


def commit_dates(root: Path) -> dict[Path, str]:
    """Each file git tracks under ``root`` -> the day (YYYY-MM-DD) of its last commit ({} when
    ``root`` is not in a git repository or git is missing). Paths are relative to ``root``
    in both git commands (``ls-files`` and ``log --relative``)."""
    tracked = set(_git(root, ["ls-files", "-z", "--", "."]).split("\0"))
    if not tracked - {""}:
        return {}
    out = _git(root, ["log", "--relative", "--format=@%cs", "--name-only", "--", "."])
    dates: dict[Path, str] = {}
    day = ""
    top = root.resolve()
    for line in out.splitlines():
        if line.startswith("@"):
            day = line[1:]
        elif line and day and line in tracked:  # a file removed from git is not "in git"
            dates.setdefault(top / line, day)
    return dates


def _git(root: Path, args: list[str]) -> str:
    """git's output, or "" when git is missing, fails or ``root`` is not in a repository."""
    from course_cli.core.errors import CourseError
    from course_cli.tools.runner import run

    _watch_repository(root)
    try:
        done = run(["git", "-C", str(root), *args], timeout=GIT_TIMEOUT, check=False)
    except CourseError:
        return ""
    return done.stdout if done.returncode == 0 else ""


def _watch_repository(root: Path) -> None:
    """Note the files a commit, a checkout or ``git add`` changes in the repository that holds
    ``root`` (for the no-op build record: page dates come from git)."""
    from course_cli.core.stamp import watch

    for folder in (root, *root.parents):
        dot = folder / ".git"
        watch(dot)  # also where there is none yet: a `git init` there changes the dates
        if not (dot.exists() or dot.is_symlink()):
            continue
        git_dir = dot
        if dot.is_file():  # a worktree or submodule: "gitdir: PATH"
            try:
                text = dot.read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                return
            git_dir = (folder / text.removeprefix("gitdir:").strip()).resolve()
        head = git_dir / "HEAD"
        for name in ("HEAD", "index", "packed-refs", "logs/HEAD"):
            watch(git_dir / name)
        try:
            ref = head.read_text(encoding="utf-8").strip()
        except OSError:
            return
        if ref.startswith("ref:"):
            watch(git_dir / ref.removeprefix("ref:").strip())
            common = git_dir / "commondir"  # a worktree keeps its branches in the main one
            with contextlib.suppress(OSError):
                base = (git_dir / common.read_text(encoding="utf-8").strip()).resolve()
                watch(base / ref.removeprefix("ref:").strip())
                watch(base / "packed-refs")
        return
