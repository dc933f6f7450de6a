"""A lesson's conspect as HTML for its site page: pandoc's HTML writer with the site's Lua filter
(``templates/site/conspect.lua``: theorem blocks and equations numbered as in the PDF, solutions
collapsed), citations from the course bibliography, headings under the page's "Lecture notes"
heading and ids prefixed with ``notes-``. Math stays TeX, written as the site's Markdown pages
write it (``<span class="math">\\(…\\)</span>``, ``<div class="math">\\[…\\]</div>``) for the
site's math step and the course macros.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from course_cli.builders.targets import read_source
from course_cli.core.errors import ToolFailedError
from course_cli.core.fs import atomic_write

if TYPE_CHECKING:
    from course_cli.tools.runner import Toolbox

ID_PREFIX = "notes-"
#: bump when what a cached conspect HTML holds changes in a way the key does not see
CACHE_VERSION = 1
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
    when pandoc fails, and ProblemsFound when a file is not UTF-8.

    The result is kept in ``build/.cache/site-notes/`` under a hash of everything pandoc's
    output depends on (the conspect's bytes, the filter's, the cited entries', the options,
    pandoc's version and binary, this module and the sanitiser), like the formula cache: a
    forced site build re-renders its pages but converts only conspects that changed. One entry
    per conspect and solutions setting is kept.
    """
    from course_cli.builders.citations import cited_entries
    from course_cli.builders.site.safe import sanitize

    text = read_source(job.source, job.root)
    name = job.source.relative_to(job.root).as_posix()
    cited = None
    if job.bibliography is not None:
        cited = cited_entries(text, job.bibliography, job.root)
    key = _cache_key(job, text, cited, toolbox)
    folder = job.root / "build" / ".cache" / "site-notes"
    slot = hashlib.sha256(f"{name}\0{job.solutions}".encode()).hexdigest()[:16]
    entry = folder / f"{slot}-{key}.html"
    with contextlib.suppress(OSError):
        return entry.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="course-notes-") as work:
        bib = None
        if cited is not None:
            bib = Path(work) / "cited.bib"
            bib.write_text(cited, encoding="utf-8")
        try:
            done = toolbox.run("pandoc", pandoc_args(job, bib), cwd=job.source.parent)
        except ToolFailedError as exc:
            raise ToolFailedError(f"{name}: pandoc could not make its HTML: {exc}") from None
    html = sanitize(done.stdout)
    with contextlib.suppress(OSError):  # an unwritable cache: the next build converts again
        for old in folder.glob(f"{slot}-*.html"):
            old.unlink()
        atomic_write(entry, html)
    return html


def _cache_key(job: ConspectHtml, text: str, cited: str | None, toolbox: Toolbox) -> str:
    """A hash of what pandoc's HTML of ``job`` depends on (the paths in its arguments are
    replaced by the contents they name)."""
    from course_cli.builders.site import safe

    h = hashlib.sha256(f"{CACHE_VERSION}\0{toolbox.identity('pandoc')}\0".encode())
    args = pandoc_args(ConspectHtml(Path("SOURCE"), Path("FILTER"), None, job.root, job.solutions),
                       Path("BIB") if cited is not None else None)  # fmt: skip
    h.update("\0".join(args).encode())
    for data in (
        text.encode(),
        job.lua_filter.read_bytes(),
        cited.encode() if cited is not None else b"",
    ):
        h.update(hashlib.sha256(data).digest())
    h.update(_code_hash(Path(__file__), Path(safe.__file__)).encode())
    return h.hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def _code_hash(*files: Path) -> str:
    """A hash of the toolkit's code that shapes the HTML (read once per process)."""
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
