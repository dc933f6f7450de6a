"""A lesson's conspect as HTML for its site page: pandoc's HTML writer with the site's Lua filter
(``templates/site/conspect.lua``: theorem blocks and equations numbered as in the PDF, solutions
collapsed), citations from the course bibliography, headings under the page's "Lecture notes"
heading and ids prefixed with ``notes-``. Math stays TeX, written as the site's Markdown pages
write it (``<span class="math">\\(…\\)</span>``, ``<div class="math">\\[…\\]</div>``) for the
site's math step and the course macros.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from course_cli.builders.targets import read_source
from course_cli.core.errors import ToolFailedError

if TYPE_CHECKING:
    from course_cli.tools.runner import Toolbox

ID_PREFIX = "notes-"
FILTER = "conspect.lua"


@dataclass(frozen=True)
class ConspectHtml:
    """What converting one conspect needs (absolute paths)."""

    source: Path
    lua_filter: Path
    bibliography: Path | None
    root: Path
    solutions: bool = True


def pandoc_args(job: ConspectHtml, bibliography: Path | None) -> list[str]:
    """The pandoc command line (without the program) that prints the conspect's HTML."""
    args = [str(job.source), "--from=markdown", "--to=html5", "--mathjax", "--wrap=none"]
    args += [f"--id-prefix={ID_PREFIX}", f"--metadata=course-id-prefix:{ID_PREFIX}"]
    if not job.solutions:
        args.append("--metadata=course-solutions:false")
    if bibliography is not None:  # before the filter: it moves the references heading down too
        args += [
            "--citeproc",
            f"--bibliography={bibliography}",
            "--metadata=reference-section-title:References",
            "--metadata=link-citations:true",
        ]
    args.append(f"--lua-filter={job.lua_filter}")
    return args


def conspect_html(job: ConspectHtml, toolbox: Toolbox) -> str:
    """The conspect's HTML (a fragment, sanitised). Raises ToolFailedError naming the conspect
    when pandoc fails, and ProblemsFound when a file is not UTF-8."""
    from course_cli.builders.pdf.builder import cited_bibliography
    from course_cli.builders.site.safe import sanitize

    text = read_source(job.source, job.root)
    name = job.source.relative_to(job.root).as_posix()
    with tempfile.TemporaryDirectory(prefix="course-notes-") as work:
        bib = None
        if job.bibliography is not None:
            bib = cited_bibliography(text, job.bibliography, Path(work), job.root)
        try:
            done = toolbox.run("pandoc", pandoc_args(job, bib), cwd=job.source.parent)
        except ToolFailedError as exc:
            raise ToolFailedError(f"{name}: pandoc could not make its HTML: {exc}") from None
    return sanitize(done.stdout)
