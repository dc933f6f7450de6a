"""The one rich Console of the toolkit and small rendering helpers used by ``cli``."""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@lru_cache(maxsize=1)
def console() -> Console:
    """Return the shared stdout Console (created on first use, so ``--help`` stays fast).

    ``emoji=False``: text from files is never turned into emoji (``deck.md:100:`` stays).
    """
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True, emoji=False)


@lru_cache(maxsize=1)
def err_console() -> Console:
    """Return the shared stderr Console, used for errors, hints and progress."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def is_interactive() -> bool:
    """True when progress bars make sense: a TTY on stderr and not running in CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")
