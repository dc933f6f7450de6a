"""Headless Chromium for tests: the rendered DOM of a page and screenshots (real browser)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str | None:
    """Path of a Chromium/Chrome binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(extra: list[str], url: str, timeout: float = 60) -> str:
    exe = chromium()
    assert exe, "Chromium is not installed"
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [exe, *FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dom(url: str, budget_ms: int = 8000) -> str:
    """The page's DOM after its scripts ran (``--dump-dom``)."""
    return _run(["--dump-dom", f"--virtual-time-budget={budget_ms}"], url)


def screenshot(url: str, path: Path, size: str = "1280,900", budget_ms: int = 8000) -> Path:
    """Save a PNG screenshot of ``url`` to ``path``."""
    _run(
        [f"--screenshot={path}", f"--window-size={size}", f"--virtual-time-budget={budget_ms}"], url
    )
    return path


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        if d.get("id"):
            self.ids.add(str(d["id"]))
        for key in ("href", "src"):
            value = d.get(key)
            if value and tag in {"a", "link", "script", "img"}:
                self.hrefs.append(value)


def links_and_ids(html: str) -> tuple[list[str], set[str]]:
    """All href/src values and element ids of an HTML document."""
    parser = _Links()
    parser.feed(html)
    return parser.hrefs, parser.ids
