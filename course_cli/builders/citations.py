"""The entries of the course's .bib that a Markdown text cites (pandoc's ``@key``): what the
conspect PDFs and their HTML on the site give citeproc, which parses the whole bibliography on
every run."""

from __future__ import annotations

import re
from pathlib import Path

from course_cli.builders.targets import read_source

_CITE_RE = re.compile(r"(?<![\w.])-?@\{?([\w][\w:.#$%&+?<>~/-]*)")
_BIB_START_RE = re.compile(r"^@(\w+)\s*[{(]\s*([^,\s]*)", re.M)


def cited_entries(text: str, bib: Path, root: Path) -> str | None:
    """The entries of ``bib`` that ``text`` cites, with every ``@string`` and ``@preamble``
    (None when ``text`` cites nothing). Raises ProblemsFound naming the .bib (relative to
    ``root``) when it is not valid UTF-8."""
    keys = {k.rstrip(".:") for k in _CITE_RE.findall(text)}
    if not keys:
        return None
    source = read_source(bib, root)
    found = list(_BIB_START_RE.finditer(source))
    kept = []
    ends = [*(f.start() for f in found[1:]), len(source)] if found else []
    for m, end in zip(found, ends, strict=True):
        if m.group(1).lower() in ("string", "preamble") or m.group(2) in keys:
            kept.append(source[m.start() : end])
    return "".join(kept)
