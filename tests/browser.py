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


class DevTools:
    """A small client of Chromium's DevTools protocol over ``--remote-debugging-pipe``.

    Enough to open a page, run JavaScript in it and click like a user (real mouse events), with
    no extra package and no network port.
    """

    def __init__(self, timeout: float = 60) -> None:
        import os

        exe = chromium()
        assert exe, "Chromium is not installed"
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory()
        import fcntl

        def high(fd: int) -> int:  # above 3 and 4, so the dup2 below cannot clobber them
            new = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
            os.close(fd)
            return new

        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        to_chrome_r, from_chrome_w = high(to_chrome_r), high(from_chrome_w)

        def fds() -> None:  # Chromium reads commands on fd 3 and answers on fd 4
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [
                exe,
                *FLAGS,
                f"--user-data-dir={self._profile.name}",
                "--remote-debugging-pipe",
                "--window-size=1200,900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=fds,
            pass_fds=(3, 4),  # kept open after fds() ran
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next = 0
        self.session = ""

    def send(self, method: str, params: dict | None = None, session: bool = True) -> dict:
        """Send one command; return its result (raises AssertionError on a protocol error)."""
        import json
        import os
        import select
        import time

        self._next += 1
        msg: dict = {"id": self._next, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\0" in self._buffer:
                raw, _, self._buffer = self._buffer.partition(b"\0")
                reply = json.loads(raw)
                if reply.get("id") == self._next:
                    assert "error" not in reply, reply["error"]
                    return dict(reply.get("result", {}))
            left = deadline - time.monotonic()
            assert left > 0, f"DevTools: no answer to {method}"
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 16)
                assert chunk, "Chromium closed the DevTools pipe"
                self._buffer += chunk

    def open(self, url: str) -> None:
        """Open ``url`` in a new tab and wait until it has loaded."""
        target = self.send("Target.createTarget", {"url": url}, session=False)["targetId"]
        self.session = self.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, session=False
        )["sessionId"]
        self.wait_for("document.readyState === 'complete'")

    def eval(self, expression: str) -> object:
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, expression: str) -> None:
        """Wait until ``expression`` is true in the page."""
        import time

        deadline = time.monotonic() + self.timeout
        while not self.eval(f"!!({expression})"):
            assert time.monotonic() < deadline, f"timed out waiting for {expression}"
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        """Scroll the first element matching ``selector`` into view and click its middle with the
        mouse."""
        box = self.eval(
            f"(() => {{ const e = document.querySelector({selector!r});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        assert isinstance(box, list)
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def close(self) -> None:
        """Stop Chromium."""
        import contextlib
        import os

        with contextlib.suppress(AssertionError, OSError):
            self.send("Browser.close", session=False)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        self._profile.cleanup()
