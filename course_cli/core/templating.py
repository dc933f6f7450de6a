"""Jinja rendering of template trees with strict variables and errors that name template:line."""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from typing import Any

from course_cli.core.errors import CourseError

SUFFIX = ".j2"

DEFAULTS = Path(__file__).resolve().parents[1] / "data" / "templates"
"""The toolkit's own templates (lesson scaffold, Marp theme and engine, site), shipped in the
package so that the commands work in any course; ``course init`` copies them into a new course."""


def template_dir(root: Path, kind: str) -> Path:
    """The folder of ``kind`` templates (``lesson``, ``marp``, ``site``) a course uses.

    Returns the course's own ``templates/<kind>/`` when it exists, else the toolkit's default.
    A whole folder is chosen (not single files): the lesson scaffold is one tree.
    """
    own = root / "templates" / kind
    return own if own.is_dir() else DEFAULTS / kind


def template_dirs(root: Path, kind: str) -> tuple[Path, ...]:
    """The folders to look ``kind`` templates up in, file by file: the course's own first."""
    own = root / "templates" / kind
    return (own, DEFAULTS / kind) if own.is_dir() else (DEFAULTS / kind,)


def template_file(root: Path, kind: str, name: str) -> Path:
    """``templates/<kind>/<name>`` of the course when it exists, else the toolkit's default."""
    for folder in template_dirs(root, kind):
        if (folder / name).is_file():
            return folder / name
    return DEFAULTS / kind / name


def environment(root: Path) -> Any:
    """A Jinja environment over ``root``: strict variables, trailing newlines kept, the
    ``yaml_str`` filter. Callers may add filters before rendering."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(root)),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    # A double-quoted YAML scalar (JSON strings are valid YAML) for front matter values.
    env.filters["yaml_str"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    return env


def render_tree(
    root: Path,
    context: dict[str, Any],
    skip_dirs: set[str] | frozenset[str] = frozenset(),
    env: Any = None,
) -> list[tuple[Path, str]]:
    """Render every file under ``root`` (``*.j2`` through Jinja, others copied as text).

    Returns ``(relative output path, text)`` pairs sorted by path; ``.j2`` is dropped from names.
    Top-level folders named in ``skip_dirs`` are left out. Raises CourseError naming the template
    and line when a variable is undefined or the template is malformed.
    """
    if not root.is_dir():
        raise CourseError(
            f"template folder {root} does not exist",
            hint="restore it from git, or delete it to use the toolkit's default templates",
        )
    env = env if env is not None else environment(root)
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root)
        if rel.parts[0] in skip_dirs:
            continue
        if path.suffix == SUFFIX:
            text = render_file(env, rel.as_posix(), context, root)
            out.append((rel.with_suffix(""), text))
        else:
            out.append((rel, path.read_text(encoding="utf-8")))
    return out


def render_file(env: Any, name: str, context: dict[str, Any], root: Path) -> str:
    """Render one template; raises CourseError with ``template:line: problem``."""
    from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError

    try:
        return str(env.get_template(name).render(**context))
    except TemplateSyntaxError as exc:
        raise CourseError(f"{root / name}:{exc.lineno}: template error: {exc.message}") from None
    except UndefinedError as exc:
        line = _template_line(exc, name)
        raise CourseError(
            f"{root / name}:{line}: template uses an undefined variable: {exc.message}",
            hint="available: " + ", ".join(sorted(context)),
        ) from None
    except TemplateError as exc:
        raise CourseError(f"{root / name}: template error: {exc}") from None


def _template_line(exc: BaseException, name: str) -> int | str:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.replace("\\", "/").endswith(name):
            return frame.lineno or "?"
    return "?"
