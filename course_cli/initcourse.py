"""``course init``: plan, then create, a new course repository from the toolkit's defaults.

Everything comes from package data (``course_cli/data/init`` and the default templates), so a
wheel-installed ``course`` can start a course anywhere. The plan is computed and validated in full
(the course.yaml it writes is loaded back, every lesson scaffold rendered) before anything is
written; a new folder is filled under a temporary name and renamed into place, so a failure leaves
nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from course_cli import __version__
from course_cli.core.config import load_course
from course_cli.core.courseroot import CONFIG_NAME
from course_cli.core.errors import ProblemsFound, UsageError
from course_cli.core.fs import atomic_write, current_umask
from course_cli.core.templating import DEFAULTS

INIT_DATA = Path(__file__).resolve().parent / "data" / "init"
MAX_LESSONS = 99
RENAMED = {"gitignore": ".gitignore", "github": ".github"}
"""Package data avoids dot-names; these become the course's dot files."""
EXECUTABLE = {"scripts/setup.sh", "scripts/test.sh"}
_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    '"': r"\textquotedbl{}",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}


@dataclass(frozen=True)
class InitPlan:
    """Everything ``apply`` will write: files relative to ``root``, with their text."""

    root: Path
    title: str
    files: tuple[tuple[str, str], ...]
    existing: tuple[str, ...]  # entries already in ``root`` (only with force)
    force: bool


def default_title(folder: Path) -> str:
    """A title from the folder's name: ``rl-course`` → ``Rl course``."""
    words = folder.name.replace("_", " ").replace("-", " ").split()
    text = " ".join(words) or "My course"
    return text[0].upper() + text[1:]


def latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped, for the book's title."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


def validate_title(title: str) -> str:
    """Return the stripped title; raises UsageError for an empty one or one with control chars."""
    text = title.strip()
    if not text:
        raise UsageError("--title: the title is empty")
    bad = [ch for ch in text if ord(ch) < 32 or ord(ch) == 127]
    if bad:
        raise UsageError(f"--title: the title must be one line of text (it contains {bad[0]!r})")
    return text


def _check_target(root: Path, force: bool) -> tuple[str, ...]:
    """The entries of ``root`` (empty when it does not exist); raises when it cannot be a course."""
    try:
        return _entries(root, force)
    except OSError as exc:  # e.g. a parent folder we may not enter
        raise UsageError(f"{root}: cannot access it: {exc.strerror or exc}") from None


def _entries(root: Path, force: bool) -> tuple[str, ...]:
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root}: is a file, not a folder", hint="choose a new folder name")
    parent = root.parent
    for folder in (parent, *parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise UsageError(f"{root}: {folder} is a file, not a folder")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise UsageError(f"{root}: cannot create it: {folder} is not writable")
            break
    if not root.is_dir():
        return ()
    entries = tuple(sorted(p.name for p in root.iterdir()))
    if entries and not force:
        more = f" … ({len(entries)} entries)" if len(entries) > 10 else ""
        shown = ", ".join(entries[:10]) + more
        raise ProblemsFound(
            f"{root}: the folder is not empty: {shown}",
            hint="nothing was written; choose an empty folder or pass --force to write into it",
        )
    return entries


def plan_init(root: Path, *, title: str | None, lessons: int, force: bool = False) -> InitPlan:
    """Plan a new course in ``root`` with ``lessons`` scaffolded lessons.

    Returns the plan (nothing written). Raises UsageError for a bad title or lesson count, a
    ``root`` that is a file or cannot be created, and ProblemsFound for a non-empty ``root``
    without ``force``.
    """
    root = root.absolute()
    if not 0 <= lessons <= MAX_LESSONS:
        raise UsageError(f"--lessons: must be between 0 and {MAX_LESSONS}, got {lessons}")
    text_title = validate_title(title if title is not None else default_title(root))
    existing = _check_target(root, force)
    files = dict(_render_init(text_title, lessons))
    files.update(_default_templates())
    files.update(_lessons_and_readme(files))
    return InitPlan(
        root=root,
        title=text_title,
        files=tuple(sorted(files.items())),
        existing=existing,
        force=force,
    )


def _render_init(title: str, lessons: int) -> list[tuple[str, str]]:
    from course_cli.core.templating import environment, render_tree

    env = environment(INIT_DATA)
    env.filters["latex_escape"] = latex_escape
    context = {"title": title, "lessons": list(range(1, lessons + 1)), "version": __version__}
    out = []
    for rel, text in render_tree(INIT_DATA, context, env=env):
        parts = list(rel.parts)
        parts[0] = RENAMED.get(parts[0], parts[0])
        out.append(("/".join(parts), text))
    return out


def _default_templates() -> list[tuple[str, str]]:
    return [
        (f"templates/{p.relative_to(DEFAULTS).as_posix()}", p.read_text(encoding="utf-8"))
        for p in sorted(DEFAULTS.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    ]


def _lessons_and_readme(files: dict[str, str]) -> list[tuple[str, str]]:
    """Load the planned course.yaml back (validating it), scaffold its lessons, fill the roadmap."""
    from course_cli.readme import render_roadmap, splice
    from course_cli.scaffold import render_lesson

    with tempfile.TemporaryDirectory(prefix="course-init-") as tmp:
        scratch = Path(tmp)
        for rel, text in files.items():
            if rel == CONFIG_NAME or rel.startswith("templates/"):
                atomic_write(scratch / rel, text)
        course = load_course(scratch)
        out = []
        for lesson in course.lessons:
            for path, text in render_lesson(course, lesson, ()):
                out.append((path.relative_to(scratch).as_posix(), text))
        out.append(("README.md", splice(files["README.md"], render_roadmap(course))))
    return out


def describe(plan: InitPlan) -> list[str]:
    """The plan as lines a person reads: one per file, paths relative to the new course."""
    lines = [f"course   {plan.root} ({plan.title})"]
    if plan.existing:
        lines.append(f"keep     {len(plan.existing)} existing entries (--force)")
    for rel, _ in plan.files:
        verb = "overwrite" if (plan.root / rel).exists() else "create"
        lines.append(f"{verb:<8} {rel}")
    return lines


def apply(plan: InitPlan) -> None:
    """Write the plan. A new folder is filled under a temporary name and renamed into place."""
    if plan.root.is_dir() and plan.existing:
        _write_all(plan.root, plan.files)
        return
    plan.root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{plan.root.name}.init-", dir=plan.root.parent))
    try:
        staging.chmod(0o777 & ~current_umask())  # mkdtemp makes it private; a course folder is not
        _write_all(staging, plan.files)
        if plan.root.is_dir():  # an empty folder: rename replaces it
            plan.root.rmdir()
        staging.rename(plan.root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_all(root: Path, files: tuple[tuple[str, str], ...]) -> None:
    for rel, text in files:
        atomic_write(root / rel, text)
        if rel in EXECUTABLE:
            (root / rel).chmod(0o755)
