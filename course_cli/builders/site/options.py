"""What ``course build site`` takes from the command line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteOptions:
    """``--solutions/--no-solutions``: keep ``::: solution`` blocks in the pages (None:
    course.yaml ``build.solutions``)."""

    solutions: bool | None = None
