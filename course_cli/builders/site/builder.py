"""``course build site``: a static site of the whole course under build/site/.

A home page with the roadmap, one page per lesson (its README rendered, math typeset to SVG
at build time with the course macros: no math script on the pages), links to the built
slides, PDFs, book extract and notebooks (copied next to the page), and a page for the book.
Every link is relative, so the site works from a file:// path and from any sub-path of a
static host; nothing is fetched from the network at view time.

Each page and each copied file is one BuildStep, so a rebuild only redoes what changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from course_cli.builders.notebooks.builder import CONFIG_ASSET, MATHJAX_ASSET
from course_cli.builders.site.assets import asset_steps, copy_step
from course_cli.builders.site.book import book_extract_page, book_parts, book_steps
from course_cli.builders.site.conspect import ConspectHtml, conspect_html
from course_cli.builders.site.links import Link, lesson_dir_map, link_rewriter, linked_files
from course_cli.builders.site.markdown import drop_materials_list, render_markdown
from course_cli.builders.site.meta import SourceInfo, source_info
from course_cli.builders.site.notebooks import notebook_copies
from course_cli.builders.site.options import SiteOptions
from course_cli.builders.site.render import TEMPLATES, render_page
from course_cli.builders.site.typeset import typeset_pages
from course_cli.builders.site.workers import PROCESS_MIN, warm_up
from course_cli.core.boundary import Boundary, is_inside
from course_cli.core.config import Course, Lesson
from course_cli.core.errors import CourseError
from course_cli.core.templating import template_dirs, template_file
from course_cli.engine.steps import BuildOptions, BuildStep, Task, hash_text, key_of

SITE_DIR = "site"
ARTIFACTS = (
    ("slides.html", "Slides"),
    ("slides.pdf", "Slides (PDF)"),
    ("slides.pptx", "Slides (PowerPoint)"),
    ("conspect.pdf", "Lecture notes (PDF)"),
    ("book.pdf", "Book extract (PDF)"),
)


def site_dir(course: Course) -> Path:
    """Return build/site of ``course``."""
    return course.root / "build" / SITE_DIR


def plan_build(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]:
    """Plan every page, asset and copied artifact of the site (for all lessons of the course).

    Raises CourseError when the site templates are missing.
    """
    folders = template_dirs(course.root, "site")
    names = sorted({p.name for folder in folders for p in folder.glob("*") if p.is_file()})
    template_files = tuple(template_file(course.root, "site", name) for name in names)
    if "base.html.j2" not in names:
        raise CourseError(
            f"{TEMPLATES}/base.html.j2: site template missing",
            hint="delete templates/site/ to use the toolkit's default site templates",
        )
    out = options.build_dir / SITE_DIR
    if len(course.lessons) >= PROCESS_MIN and (options.force or not (out / "index.html").exists()):
        warm_up(options.jobs)  # every page will be rendered: start the workers while we plan
    solutions = options.of(SiteOptions).solutions
    solutions = course.build.solutions if solutions is None else solutions
    steps = asset_steps(
        course,
        out,
        template_file(course.root, "site", "site.css"),
        template_file(course.root, "site", "site.js"),
    )
    nb_config = options.build_dir / "assets" / CONFIG_ASSET
    if nb_config.is_file():  # the notebook pages (nbconvert's) still typeset in the browser
        steps.append(copy_step(nb_config, out / "assets" / CONFIG_ASSET, course.root))
        nb_mathjax = options.build_dir / "assets" / MATHJAX_ASSET
        if nb_mathjax.is_file():
            steps.append(copy_step(nb_mathjax, out / "assets" / MATHJAX_ASSET, course.root))
    titles, book_files, label_files = book_parts(course)
    # Per-course facts, made once: per lesson they would make the plan quadratic.
    shared = {
        "lesson_dirs": lesson_dir_map(course),
        "lessons_key": _lessons_key(course),
        "info": source_info(course),
        "toolbox": options.toolbox,
        "label_files": label_files,
    }
    pages: list[BuildStep] = []
    for index, lesson in enumerate(course.lessons):
        copies, links, notebooks, decks = _lesson_copies(
            course, lesson, options.build_dir, out, solutions
        )
        exercises = lesson.dir(course.root) / "exercises" / "README.md"
        if exercises.is_file():
            pages.append(
                _exercises_page(course, lesson, out, exercises, template_files, solutions, shared)
            )
            links.append(Link("Exercises", "exercises.html"))
        extract = lesson.dir(course.root) / "book" / "book.md"
        parts = [titles.get(label, label) for label in lesson.book]
        if extract.is_file():
            pages.append(
                book_extract_page(lesson, out, extract, template_files, course, shared, parts)
            )
            links.append(Link("Book extract", "book.html"))
        planned = {c.output for c in copies}
        copies.extend(_linked_copies(course, lesson, links + notebooks, out, planned, shared))
        steps.extend(copies)
        neighbours = (
            course.lessons[index - 1] if index > 0 else None,
            course.lessons[index + 1] if index + 1 < len(course.lessons) else None,
        )
        pages.append(
            _lesson_page(
                course,
                lesson,
                out,
                template_files,
                (links, notebooks, parts),
                book_files,
                solutions,
                {**shared, "neighbours": neighbours, "decks": decks},
            )
        )
    steps.extend(pages)
    steps.append(_index_page(course, out, template_files, shared))
    steps.append(_search_page(course, out, template_files))
    steps.extend(
        book_steps(course, options.build_dir, out, template_files, titles, book_files, shared)
    )
    steps = typeset_pages(steps, course.root, options, course.path(course.macros))
    prune_stale_copies(course.root, options.build_dir, {p for s in steps for p in s.outputs})
    return steps


def prune_stale_copies(root: Path, build_dir: Path, planned: set[Path]) -> list[Path]:
    """Delete the site's copies of outputs that are gone (a deleted deck, a conspect whose
    build failed) and the pages of lessons that are gone: files the manifest records as site
    copies or pages that no step makes any more (and the folders they leave empty). Returns
    what went."""
    import json

    from course_cli.engine.manifest import MANIFEST_NAME

    try:
        data = json.loads((build_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
        outputs = dict(data.get("outputs", {}))
    except (OSError, ValueError, AttributeError, TypeError):
        return []
    site = build_dir / SITE_DIR
    removed = []
    for rel, entry in outputs.items():
        if not isinstance(entry, dict) or entry.get("kind") not in ("site-copy", "site-page"):
            continue
        path = root / rel
        if path in planned or not is_inside(path, site) or not path.is_file():
            continue
        path.unlink()
        removed.append(path)
        folder = path.parent
        while folder != site and folder.is_relative_to(site) and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    return removed


# -- assets --------------------------------------------------------------------------------


# -- lessons -------------------------------------------------------------------------------


def _lesson_copies(
    course: Course, lesson: Lesson, build_dir: Path, out: Path, solutions: bool
) -> tuple[list[BuildStep], list[Link], list[Link], list[dict[str, str]]]:
    """Copy steps for a lesson's built outputs and notebooks, the links to show, and the HTML
    decks the page embeds (title, href, and the PDF's href or "")."""
    built = build_dir / lesson.dirname
    page_dir = out / lesson.dirname
    steps: list[BuildStep] = []
    links: list[Link] = []
    # Dotfiles are the engine's temporary outputs (.slides.part-1a2b.html), never pages. The
    # folder is listed once (a glob per kind of output listed it six times per lesson).
    try:
        listing = sorted(p for p in built.iterdir() if not p.name.startswith("."))
    except OSError:  # the lesson has not been built
        listing = []
    decks = [p for p in listing if p.name.endswith(".html")]
    deck_stems = {d.stem for d in decks}
    for deck_html in decks:
        steps.append(copy_step(deck_html, page_dir / deck_html.name, course.root))
        label = "Slides" if deck_html.stem == "slides" else f"Slides: {deck_html.stem}"
        links.append(Link(label, deck_html.name))
    for name, label in ARTIFACTS:
        if name.endswith(".html"):
            continue
        for src in (p for p in listing if p.name.endswith(Path(name).suffix)):
            if name.startswith("slides") and src.stem in deck_stems:
                text = label if src.stem == "slides" else f"{label}: {src.stem}"
            elif src.name == name:
                text = label
            else:
                continue
            steps.append(copy_step(src, page_dir / src.name, course.root))
            links.append(Link(text, src.name))
    assets = built / "_assets"
    if assets.is_dir():
        for src in sorted(p for p in assets.rglob("*") if p.is_file()):
            steps.append(
                copy_step(src, page_dir / "_assets" / src.relative_to(assets), course.root)
            )
    lesson_dir = lesson.dir(course.root)
    for img_dir in (lesson_dir / "slides" / "img",):
        if img_dir.is_dir():
            inside = Boundary(course.root)
            for src in sorted(p for p in img_dir.rglob("*") if p.is_file()):
                if inside.contains(src):  # a symlink out of the course is not published
                    steps.append(
                        copy_step(src, page_dir / "img" / src.relative_to(img_dir), course.root)
                    )
    nb_steps, notebooks = notebook_copies(lesson_dir, built / "notebooks", page_dir, solutions)
    steps.extend(nb_steps)
    book_md = lesson_dir / "book"
    if book_md.is_dir():
        for src in sorted(book_md.glob("*.md")):
            steps.append(copy_step(src, page_dir / "book" / src.name, course.root))
    embeds = [
        {
            "title": "Slides" if d.stem == "slides" else f"Slides: {d.stem}",
            "href": d.name,
            "pdf": f"{d.stem}.pdf" if (built / f"{d.stem}.pdf").is_file() else "",
        }
        for d in decks
    ]
    return steps, links, notebooks, embeds


def _linked_copies(
    course: Course,
    lesson: Lesson,
    links: list[Link],
    out: Path,
    planned: set[Path],
    shared: dict[str, Any],
) -> list[BuildStep]:
    steps = []
    for src, rel in linked_files(course, lesson, links, shared["lesson_dirs"]):
        dst = out / lesson.dirname / rel
        if dst not in planned:
            planned.add(dst)
            steps.append(copy_step(src, dst, course.root))
    return steps


def _lesson_page(
    course: Course,
    lesson: Lesson,
    out: Path,
    template_files: tuple[Path, ...],
    shown: tuple[list[Link], list[Link], list[str]],
    book_files: tuple[Path, ...],
    solutions: bool,
    shared: dict[str, Any],
) -> BuildStep:
    lesson_dir = lesson.dir(course.root)
    readme = lesson_dir / "README.md"
    links, notebooks, book_parts = shown
    notes = _notes_job(course, lesson, solutions)
    notes_inputs: tuple[Path, ...] = ()
    pandoc = ""
    if notes is not None:
        notes_inputs = (notes.source, notes.lua_filter)
        notes_inputs += (notes.bibliography,) if notes.bibliography else ()
        pandoc = shared["toolbox"].identity("pandoc", usable=True)
    extract = lesson_dir / "book" / "book.md"
    info: SourceInfo | None = shared["info"]
    meta = None
    notes_edit = ""
    if info is not None:
        meta = info.page([p for p in (readme, lesson_dir / "conspect.md") if p.is_file()], readme)
        notes_edit = info.edit_url(notes.source) if notes is not None else ""
    payload = {
        "solutions": solutions,
        "course": course,
        "lesson": lesson,
        "links": links,
        "notebooks": notebooks,
        "book_parts": book_parts,
        "out": out,
        "lesson_dirs": shared["lesson_dirs"],
        "neighbours": shared["neighbours"],
        "decks": shared["decks"],
        "notes": notes,
        "notes_edit": notes_edit,
        "toolbox": shared["toolbox"],
        "extract": extract if extract.is_file() else None,
        "meta": meta,
    }
    return BuildStep(
        kind="site-page",
        output=out / lesson.dirname / "index.html",
        inputs=(
            readme,
            course.config_path,
            *template_files,
            *book_files,
            *notes_inputs,
            *((extract,) if extract.is_file() else ()),
        ),
        action=_render_lesson,
        key=key_of(
            links=json.dumps([(x.label, x.href) for x in links]),
            notebooks=json.dumps([(x.label, x.href) for x in notebooks]),
            decks=json.dumps(shared["decks"]),
            lessons=shared["lessons_key"],
            solutions=solutions,
            pandoc=pandoc,
            meta=json.dumps([meta.edit_url, meta.updated, notes_edit] if meta else None),
        ),
        label=f"site: {lesson.dirname}/index.html",
        payload=payload,
    )


def _notes_job(course: Course, lesson: Lesson, solutions: bool) -> ConspectHtml | None:
    """How the lesson's conspect becomes HTML (None when the lesson has no conspect.md)."""
    source = lesson.dir(course.root) / "conspect.md"
    if not source.is_file():
        return None
    bib = course.path(course.book.bibliography)
    return ConspectHtml(
        source=source,
        lua_filter=template_file(course.root, "site", "conspect.lua"),
        bibliography=bib if bib.is_file() else None,
        root=course.root,
        solutions=solutions,
    )


def _lessons_key(course: Course) -> str:
    return hash_text(json.dumps([(x.number, x.title, x.summary, x.book) for x in course.lessons]))


def _render_lesson(tasks: Sequence[Task]) -> None:
    for task in tasks:
        p = task.step.payload
        course, lesson = p["course"], p["lesson"]
        readme = lesson.dir(course.root) / "README.md"
        body = ""
        if readme.is_file():
            text = readme.read_text(encoding="utf-8", errors="replace")
            rewrite = link_rewriter(course, lesson, p["links"] + p["notebooks"], p["lesson_dirs"])
            body = render_markdown(drop_materials_list(text), rewrite, solutions=p["solutions"])
        notes = ""
        if p["notes"] is not None:
            notes = conspect_html(p["notes"], p["toolbox"])
        # The slides come first after the title; the notebooks and the book extract after
        # the text: the page's table of contents lists them where they are.
        toc_before = [(2, "slides", "Slides")] if p["decks"] else []
        toc_after = [(2, "notebooks", "Notebooks")] if p["notebooks"] else []
        if p["extract"] is not None:
            toc_after.append((2, "book-extract", "Book extract"))
        pdf = "conspect.pdf" if any(x.href == "conspect.pdf" for x in p["links"]) else ""
        html = render_page(
            course,
            "lesson.html.j2",
            prefix="../",
            page_title=f"Lesson {lesson.number}: {lesson.title}",
            nav_current=lesson.dirname,
            lesson=lesson,
            body=body + _notes_section(notes, pdf, p["notes_edit"]),
            body_head="",
            links=p["links"],
            notebooks=p["notebooks"],
            book_parts=p["book_parts"],
            decks=p["decks"],
            extract=_extract_preview(p["extract"]) if p["extract"] is not None else None,
            prev=p["neighbours"][0],
            next=p["neighbours"][1],
            toc_before=toc_before,
            toc_after=toc_after,
            page_meta=p["meta"],
        )
        task.out().write_text(html, encoding="utf-8")


def _notes_section(notes: str, pdf: str, edit: str) -> str:
    """The "Lecture notes" part of a lesson page: the conspect's HTML under its heading, with
    its PDF and edit links ("" when the lesson has no conspect)."""
    if not notes:
        return ""
    from html import escape

    actions = []
    if pdf:
        actions.append(f'<a class="button secondary" href="{escape(pdf)}">Download PDF</a>')
    if edit:
        actions.append(f'<a href="{escape(edit)}">Edit the notes</a>')
    bar = f'<p class="notes-actions" data-pagefind-ignore>{" ".join(actions)}</p>\n'
    return (
        '<section class="notes" aria-labelledby="notes">\n<h2 id="notes">Lecture notes</h2>\n'
        f"{bar if actions else ''}{notes}</section>\n"
    )


def _extract_preview(path: Path) -> str:
    """The first paragraph of a book extract (its chapter's opening), as HTML."""
    from course_cli.builders.site.markdown import gfm_math_to_dollars

    text = gfm_math_to_dollars(path.read_text(encoding="utf-8", errors="replace"))
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    seen_title = False
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if block.startswith("#"):
            seen_title = True
            continue
        if seen_title and block and not block.startswith(("<", "|", "-", "*", "```", "$$", ">")):
            return render_markdown(block, lambda href: None)
    return ""


def _exercises_page(
    course: Course,
    lesson: Lesson,
    out: Path,
    source: Path,
    template_files: tuple[Path, ...],
    solutions: bool,
    shared: dict[str, Any],
) -> BuildStep:
    info: SourceInfo | None = shared["info"]
    meta = info.page([source], source) if info is not None else None
    return BuildStep(
        kind="site-page",
        output=out / lesson.dirname / "exercises.html",
        inputs=(source, *template_files),
        action=_render_exercises,
        key=key_of(
            lessons=shared["lessons_key"],
            solutions=solutions,
            meta=json.dumps([meta.edit_url, meta.updated] if meta else None),
        ),
        label=f"site: {lesson.dirname}/exercises.html",
        payload={
            "course": course,
            "lesson": lesson,
            "source": source,
            "solutions": solutions,
            "lesson_dirs": shared["lesson_dirs"],
            "meta": meta,
        },
    )


def _render_exercises(tasks: Sequence[Task]) -> None:
    for task in tasks:
        p = task.step.payload
        course, lesson, source = p["course"], p["lesson"], p["source"]
        rewrite = _exercises_rewriter(course, lesson, source.parent, p["lesson_dirs"])
        text = source.read_text(encoding="utf-8", errors="replace")
        html = render_page(
            course,
            "page.html.j2",
            prefix="../",
            page_title=f"Lesson {lesson.number}: exercises",
            nav_current=lesson.dirname,
            crumb=f"Lesson {lesson.number}",
            crumb_href="index.html",
            body=render_markdown(text, rewrite, solutions=p["solutions"]),
            page_meta=p["meta"],
        )
        task.out().write_text(html, encoding="utf-8")


def _exercises_rewriter(
    course: Course, lesson: Lesson, base: Path, lesson_dirs: dict[Path, Lesson]
) -> Callable[[str], str | None]:
    """Links of the exercises page: it sits beside the lesson page, so resolve each against
    exercises/ and ask the lesson page's rewriter with the path from the lesson folder."""
    lesson_rewrite = link_rewriter(
        course, lesson, [Link("Exercises", "exercises.html")], lesson_dirs
    )
    lesson_dir = lesson.dir(course.root).resolve()

    def rewrite(href: str) -> str | None:
        if "://" in href or href.startswith(("#", "mailto:")):
            return href
        path_part, _, anchor = href.partition("#")
        target = (base / path_part).resolve()
        if not target.is_relative_to(lesson_dir):
            return lesson_rewrite(href)
        rel = target.relative_to(lesson_dir).as_posix() or "."
        return lesson_rewrite(rel + (f"#{anchor}" if anchor else ""))

    return rewrite


# -- index and search ------------------------------------------------------------------------


def _index_page(
    course: Course, out: Path, template_files: tuple[Path, ...], shared: dict[str, Any]
) -> BuildStep:
    readme = course.root / "README.md"
    info: SourceInfo | None = shared["info"]
    meta = None
    if info is not None:
        edit = readme if readme.is_file() else course.config_path
        meta = info.page([course.config_path, edit], edit)
    return BuildStep(
        kind="site-page",
        output=out / "index.html",
        inputs=(course.config_path, *template_files, *((readme,) if readme.is_file() else ())),
        action=_render_index,
        key=key_of(
            lessons=shared["lessons_key"],
            has_readme=readme.is_file(),
            meta=json.dumps([meta.edit_url, meta.updated] if meta else None),
        ),
        label="site: index.html",
        payload={"course": course, "meta": meta},
    )


def _render_index(tasks: Sequence[Task]) -> None:
    for task in tasks:
        course = task.step.payload["course"]
        intro = readme_intro(course.root / "README.md")
        html = render_page(
            course,
            "index.html.j2",
            prefix="",
            page_title=course.title,
            nav_current="home",
            intro=intro,
            page_meta=task.step.payload["meta"],
        )
        task.out().write_text(html, encoding="utf-8")


def _search_page(course: Course, out: Path, template_files: tuple[Path, ...]) -> BuildStep:
    return BuildStep(
        kind="site-page",
        output=out / "search.html",
        inputs=(course.config_path, *template_files),
        action=_render_search,
        key=key_of(lessons=_lessons_key(course)),
        label="site: search.html",
        payload={"course": course},
    )


def _render_search(tasks: Sequence[Task]) -> None:
    for task in tasks:
        html = render_page(
            task.step.payload["course"], "search.html.j2", prefix="", page_title="Search"
        )
        task.out().write_text(html, encoding="utf-8")


def readme_intro(path: Path) -> str:
    """The first paragraph of prose under the README's title and before its first section, as
    plain text ("" if none).

    Headings, lists, tables, images, HTML comments and placeholders are not prose; emphasis and
    code marks are dropped, link texts kept.
    """
    import re

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    paragraph: list[str] = []
    for line in lines:
        text = line.strip()
        if not text:
            if paragraph:
                break
            continue
        if text.startswith("## ") or (text.startswith("#") and paragraph):
            break  # the introduction ends where the first section starts
        if text.startswith(("#", "<", "|", "-", "*", "!", ">", "```", "[![")):
            if paragraph:
                break
            continue
        paragraph.append(text)
    prose = " ".join(paragraph)
    prose = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", prose)
    return re.sub(r"[*_`]{1,2}", "", prose)
