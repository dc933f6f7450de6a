"""The site's full-text search: a Pagefind index of the built pages (``build/site/pagefind/``).

Planned after the site's pages are built (a follow-up of ``course build site``). Pagefind reads
the part of each page marked ``data-pagefind-body`` (the lesson text, exercises, book extracts,
the home and book pages), so the sidebar's titles do not match every page. The search page
(``search.html``) loads Pagefind's own UI from the site; nothing is fetched from elsewhere.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from course_cli.core.config import Course, Lesson
from course_cli.engine.steps import BuildOptions, BuildStep, Task, key_of

INDEX_DIR = "pagefind"
ENTRY = "pagefind-entry.json"


def plan_build(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]:
    """One step: index every HTML page of build/site (rebuilt when a page changes)."""
    site = options.build_dir / "site"
    index = site / INDEX_DIR
    pages = tuple(
        sorted(p for p in site.rglob("*.html") if not p.is_relative_to(index) and p.is_file())
    )
    if not pages:
        return []
    return [
        BuildStep(
            kind="site-search",
            output=index / ENTRY,
            inputs=pages,
            action=_index,
            key=key_of(tool=options.toolbox.identity("pagefind")),
            label=f"site: search index ({len(pages)} pages)",
            payload=(options.toolbox, site),
        )
    ]


def _index(tasks: Sequence[Task]) -> None:
    for task in tasks:
        toolbox, site = task.step.payload
        index = site / INDEX_DIR
        if index.is_dir():
            shutil.rmtree(index)  # fragments of deleted pages must not stay findable
        toolbox.run("pagefind", ["--site", site, "--output-subdir", INDEX_DIR, "--quiet"])
        shutil.copyfile(index / ENTRY, task.out())


def search_dir(site: Path) -> Path:
    """Where the index of ``site`` is."""
    return site / INDEX_DIR
