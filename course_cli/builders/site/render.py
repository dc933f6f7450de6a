"""The site's pages from the course's Jinja templates: one environment per template folders
(compiled templates kept in ``build/.cache/site-templates/``), the sidebar made once per link
prefix, and the page itself with its table of contents and content security policy."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from course_cli.builders.site.markdown import heading_anchors
from course_cli.core.config import Course
from course_cli.core.errors import CourseError
from course_cli.core.templating import template_dirs

TEMPLATES = Path("templates") / "site"

_ENVIRONMENTS: dict[tuple[str, ...], Any] = {}


def _environment(course: Course) -> Any:
    """The Jinja environment of the course's site templates, made once per template folders
    (it compiles each template once; its loader reloads a template whose file changed).
    Compiled templates are kept in build/.cache/site-templates/ by Jinja's own key (the
    template's name and a hash of its text), so a build compiles only an edited template."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    dirs = tuple(str(p) for p in template_dirs(course.root, "site"))
    env = _ENVIRONMENTS.get(dirs)
    if env is None:
        env = Environment(
            loader=FileSystemLoader(list(dirs)),
            undefined=StrictUndefined,
            autoescape=True,
            keep_trailing_newline=True,
            bytecode_cache=_template_cache(course.root / "build" / ".cache" / "site-templates"),
        )
        _ENVIRONMENTS[dirs] = env
    return env


def _template_cache(folder: Path) -> Any:
    """Jinja's file cache of compiled templates, quiet when the folder cannot be read or
    written (a read-only build/ compiles each time)."""
    from jinja2.bccache import Bucket, FileSystemBytecodeCache

    class QuietCache(FileSystemBytecodeCache):
        def load_bytecode(self, bucket: Bucket) -> None:
            with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
                super().load_bytecode(bucket)

        def dump_bytecode(self, bucket: Bucket) -> None:
            with contextlib.suppress(OSError):
                folder.mkdir(parents=True, exist_ok=True)
                super().dump_bytecode(bucket)

    return QuietCache(str(folder))


_Sidebar = tuple[list[tuple[str, str]], list[str], dict[str, list[int]], Course]
_SIDEBARS: dict[tuple[str, int], _Sidebar] = {}
_CURRENT = ' class="current" aria-current="page"'


def side_lessons(course: Course, prefix: str, current: str) -> Any:
    """The sidebar's lesson items (``side_lessons`` of the site templates), the lessons whose
    folder is ``current`` marked. The items are made once per link prefix, not per page:
    every page lists every lesson, so a page per lesson made them quadratic."""
    from markupsafe import Markup, escape

    key = (prefix, id(course))
    made = _SIDEBARS.get(key)
    if made is None or made[3] is not course:  # an id may be reused by a later course
        lessons = tuple((x.dirname, x.number, x.title) for x in course.lessons)
        items: list[tuple[str, str]] = []
        where: dict[str, list[int]] = {}
        for index, (dirname, number, title) in enumerate(lessons):
            head = f'\n    <li><a href="{escape(prefix)}{escape(dirname)}/index.html"'
            tail = f'><span class="num">{escape(number)}</span> {escape(title)}</a></li>\n  '
            items.append((head, tail))
            where.setdefault(dirname, []).append(index)
        if len(_SIDEBARS) > 16:
            _SIDEBARS.clear()
        made = _SIDEBARS[key] = (items, [head + tail for head, tail in items], where, course)
    items, plain, where, _ = made
    parts = list(plain)
    for index in where.get(current, ()):
        head, tail = items[index]
        parts[index] = head + _CURRENT + tail
    return Markup("".join(parts))


def render_page(course: Course, name: str, **context: Any) -> str:
    """The page ``name`` (a template of the course's site templates) rendered with ``context``,
    the sidebar and a content security policy. Raises CourseError naming the template and
    line when the template fails."""
    env = _environment(course)
    context.setdefault("nav_current", "")
    context.setdefault("toc", [])
    context.setdefault("page_meta", None)
    if "body" in context:
        from markupsafe import Markup

        body, toc = heading_anchors(context["body"])
        context["body"] = body
        toc = context.pop("toc_before", []) + toc + context.pop("toc_after", [])
        context["toc"] = [(level, anchor, Markup(text)) for level, anchor, text in toc]
        if "body_head" in context:  # the lesson page: its materials panel after the title
            split = after_title(body)
            context["body_head"], context["body"] = body[:split], body[split:]
    try:
        from course_cli.builders.site.safe import with_csp

        sidebar = side_lessons(course, context.get("prefix", ""), context["nav_current"])
        template = env.get_template(name)
        return with_csp(template.render(course=course, side_lessons=sidebar, **context))
    except Exception as exc:
        from jinja2 import TemplateError

        if isinstance(exc, TemplateError):
            line = getattr(exc, "lineno", None) or "?"
            raise CourseError(f"{TEMPLATES}/{name}:{line}: template error: {exc}") from None
        raise


def after_title(body: str) -> int:
    """Where the lesson's materials panel goes in its body: after the title and the paragraph
    under it (0 when the README has no title)."""
    end = body.find("</h1>")
    if end < 0:
        return 0
    end += len("</h1>")
    rest = body[end:].lstrip()
    if rest.startswith("<p>"):
        return len(body) - len(rest) + rest.find("</p>") + len("</p>")
    return end
