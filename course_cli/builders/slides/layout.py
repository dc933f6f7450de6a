"""Rendered slide layout: content that runs off a slide, measured in the built HTML.

Marp exits 0 when a slide's content is taller or wider than the slide: the overflow is simply
clipped. :func:`measure_decks` opens the built HTML decks in ONE headless Chromium (the
browser the slides build already uses), driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: no port, no extra Python package), un-hides every slide and
measures, for each ``<section>``, how far the boxes of its content (elements, their text, the
SVG of rendered math) reach below, right of, above or left of the slide's own box, in slide
pixels. Content inside a scrolling or clipping element (a ``pre`` with ``overflow: auto``) is
measured by that element's box.

:func:`slide_lines` maps a slide number to the line of the deck where the slide starts: slides
are separated by horizontal rules at the top level (``---``, ``***``, ``___``) outside code
fences and the front matter; ``headingDivider`` (front matter or a ``<!-- headingDivider: N -->``
comment) also starts a slide at each heading of level ≤ N. When this count disagrees with the
number of slides Marp made (a construct the scanner does not know), findings name the slide
without a line.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_cli.core.errors import ToolFailedError

LAYOUT_VERSION = "1"  # of the measurement: part of the HTML step's key
TOLERANCE_PX = 2.0  # sub-pixel rounding and anti-aliasing are not an overflow
PAGE_TIMEOUT = 60.0

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_BLOCK_START = re.compile(r"^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)|^ {0,3}(?:>|<|\|)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]|$)")
_DIVIDER = re.compile(r"headingDivider\s*:\s*(\d)")

# Runs in the page: every slide visible, then per <section> the overshoot in slide pixels.
MEASURE_JS = r"""
(async () => {
  if (document.readyState !== 'complete')
    await new Promise((ok) => addEventListener('load', ok, { once: true }));
  await document.fonts.ready;
  const style = document.createElement('style');
  style.textContent = 'svg[data-marpit-svg]{content-visibility:visible!important;' +
    'display:block!important}';
  document.head.appendChild(style);
  const sections = [...document.querySelectorAll(
    'svg[data-marpit-svg] > foreignObject > section')];
  const clipped = (el, sec) => {
    for (let p = el.parentElement; p && p !== sec; p = p.parentElement) {
      const cs = getComputedStyle(p);
      if (cs.overflowX !== 'visible' || cs.overflowY !== 'visible') return true;
    }
    return false;
  };
  const range = document.createRange();
  return sections.map((sec, i) => {
    const box = sec.getBoundingClientRect();
    const sx = box.width / sec.offsetWidth, sy = box.height / sec.offsetHeight;
    const out = { slide: i + 1, width: sec.offsetWidth, height: sec.offsetHeight,
                  bottom: 0, right: 0, top: 0, left: 0 };
    // Quick screen: nothing reaches past the padding box (what scrollHeight/Width count,
    // end padding included) -> nothing reaches past the slide. Content can go above or left
    // of a slide only by negative positioning, which the course theme does not use.
    if (sec.scrollHeight <= sec.clientHeight + 1 && sec.scrollWidth <= sec.clientWidth + 1)
      return out;
    for (const el of sec.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      const math = el.parentElement.closest('svg');  // the slide itself is in Marp's <svg>
      if (math && sec.contains(math)) continue;  // inside math or a figure: its <svg> counts
      if (clipped(el, sec)) continue;
      const rects = [el.getBoundingClientRect()];
      if (tag !== 'svg') {
        range.selectNodeContents(el);
        rects.push(range.getBoundingClientRect());
      }
      for (const r of rects) {
        if (r.width === 0 && r.height === 0) continue;
        out.bottom = Math.max(out.bottom, (r.bottom - box.bottom) / sy);
        out.right = Math.max(out.right, (r.right - box.right) / sx);
        out.top = Math.max(out.top, (box.top - r.top) / sy);
        out.left = Math.max(out.left, (box.left - r.left) / sx);
      }
    }
    return out;
  });
})()
"""


@dataclass(frozen=True)
class SlideBox:
    """How far a slide's content reaches beyond the slide, in slide pixels (0: inside)."""

    slide: int
    width: float
    height: float
    bottom: float = 0.0
    right: float = 0.0
    top: float = 0.0
    left: float = 0.0

    def overflows(self, tolerance: float = TOLERANCE_PX) -> list[tuple[str, float]]:
        """The edges the content crosses by more than ``tolerance``: (edge, pixels)."""
        edges = (("bottom", self.bottom), ("right", self.right), ("top", self.top),
                 ("left", self.left))  # fmt: skip
        return [(name, px) for name, px in edges if px > tolerance]

    def to_json(self) -> dict[str, float]:
        """A JSON-ready dict (rounded to 0.1 px)."""
        return {k: round(float(v), 1) for k, v in self.__dict__.items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SlideBox:
        """The SlideBox of :meth:`to_json` (or of the page script)."""
        return cls(
            slide=int(data["slide"]),
            width=float(data.get("width", 0)),
            height=float(data.get("height", 0)),
            bottom=float(data.get("bottom", 0)),
            right=float(data.get("right", 0)),
            top=float(data.get("top", 0)),
            left=float(data.get("left", 0)),
        )


# --------------------------------------------------------------------------- slide lines


def slide_lines(text: str) -> list[int]:
    """The 1-based line where each slide of a Marp deck starts (its first non-blank line)."""
    lines = text.splitlines()
    i = 0
    divider = 0
    if lines and lines[0].strip() == "---":  # front matter
        for j in range(1, len(lines)):
            if lines[j].strip() in ("---", "..."):
                m = _DIVIDER.search("\n".join(lines[1:j]))
                divider = int(m.group(1)) if m else 0
                i = j + 1
                break
    starts: list[int] = []
    pending = True  # the next non-blank line starts a slide
    fence: str | None = None
    prev_text = False  # the line before is paragraph text
    in_comment = False
    for n in range(i, len(lines)):
        line = lines[n]
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            prev_text = False
            continue
        if in_comment:
            in_comment = "-->" not in line
            m = _DIVIDER.search(line)
            divider = int(m.group(1)) if m else divider
            continue
        if stripped.startswith("<!--"):
            m = _DIVIDER.search(line)
            divider = int(m.group(1)) if m else divider
            in_comment = "-->" not in line
            if pending:  # a directive comment belongs to the slide that follows
                continue
        m = _FENCE.match(line)
        if m:
            fence = m.group(1)[0] * 3
        # "---" right under paragraph text underlines a heading (setext); anywhere else a
        # rule is a slide separator
        if _RULE.match(line) and (not prev_text or stripped[0] != "-") and fence is None:
            pending = True
            prev_text = False
            continue
        if not stripped:
            prev_text = False
            continue
        h = _HEADING.match(line)
        if h and divider and len(h.group(1)) <= divider and not pending and starts:
            pending = True
        if pending:
            starts.append(n + 1)
            pending = False
        prev_text = not (h or _BLOCK_START.match(line) or fence is not None)
    return starts or [i + 1]


# --------------------------------------------------------------------------- the browser


# Runs in the child: make descriptors argv[1] and argv[2] the browser's 3 (commands in) and 4
# (answers out), then become the browser. Both are first moved above 4 so that neither
# dup2 clobbers the other. (sh cannot do this for descriptors above 9.)
_EXEC_WITH_PIPE = (
    "import fcntl, os, sys\n"
    "r, w = (fcntl.fcntl(int(a), fcntl.F_DUPFD, 5) for a in sys.argv[1:3])\n"
    "os.dup2(r, 3)\nos.dup2(w, 4)\nos.close(r)\nos.close(w)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)


class Browser:
    """One headless Chromium driven over the DevTools protocol on a pipe (file descriptors 3
    and 4 of the browser, set up by ``sh``). Use as a context manager."""

    def __init__(self, executable: Path, timeout: float = PAGE_TIMEOUT):
        self.executable, self.timeout = executable, timeout
        self._next = 0
        self._buffer = b""
        self._answers: dict[int, dict[str, Any]] = {}

    def __enter__(self) -> Browser:
        self._profile = tempfile.mkdtemp(prefix="course-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
            f"--user-data-dir={self._profile}", "--no-first-run", "--hide-scrollbars",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--mute-audio", "about:blank",
        ]  # fmt: skip
        try:
            self._proc = subprocess.Popen(  # argv list; the helper only moves the pipe ends
                [
                    sys.executable,
                    "-c",
                    _EXEC_WITH_PIPE,
                    str(to_browser_r),
                    str(from_browser_w),
                    str(self.executable),
                    *flags,
                ],
                pass_fds=(to_browser_r, from_browser_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            os.close(to_browser_r)
            os.close(from_browser_w)
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError, ToolFailedError):
            self._send("Browser.close")
        with contextlib.suppress(OSError):
            os.close(self._to_browser)
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        with contextlib.suppress(OSError):
            os.close(self._from_browser)
        shutil.rmtree(self._profile, ignore_errors=True)

    def _send(self, method: str, params: dict[str, Any] | None = None,
              session: str | None = None) -> int:  # fmt: skip
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self._to_browser, data) :]
        except OSError as exc:  # the browser is gone (a crash, a missing library)
            raise ToolFailedError(f"chromium exited while measuring slides ({exc})") from exc
        return self._next

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ToolFailedError("chromium did not answer in time while measuring slides")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise ToolFailedError("chromium exited while measuring slides")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        data: dict[str, Any] = json.loads(raw)
        return data

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:  # fmt: skip
        """Send one command and return its result (events are dropped; answers to other
        commands are kept for their own :meth:`_wait`).

        Raises ToolFailedError when the browser reports an error, exits or does not answer.
        """
        wanted = self._send(method, params, session)
        return self._wait(wanted)

    def _wait(self, wanted: int) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while wanted not in self._answers:
            message = self._receive(deadline)
            if "id" in message:
                self._answers[int(message["id"])] = message
        message = self._answers.pop(wanted)
        if "error" in message:
            raise ToolFailedError(f"chromium: {message['error'].get('message', message)}")
        result: dict[str, Any] = message.get("result", {})
        return result

    def evaluate_pages(self, urls: Sequence[str], script: str) -> list[Any]:
        """Open every URL in its own tab at 1280×720 (all at once), run ``script`` (an
        expression that may return a promise) in each and return the values in order."""
        sessions = []
        for _ in urls:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            attached = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
            sessions.append(attached["sessionId"])
        viewport = {"width": 1280, "height": 720, "deviceScaleFactor": 1, "mobile": False}
        pending = [self._send("Emulation.setDeviceMetricsOverride", viewport, s) for s in sessions]
        for wanted in pending:
            self._wait(wanted)
        pending = [
            self._send("Page.navigate", {"url": u}, s) for u, s in zip(urls, sessions, strict=True)
        ]
        for wanted in pending:
            self._wait(wanted)
        params = {"expression": script, "awaitPromise": True, "returnByValue": True}
        pending = [self._send("Runtime.evaluate", params, s) for s in sessions]
        values = []
        for wanted in pending:
            result = self._wait(wanted)
            if "exceptionDetails" in result:
                details = result["exceptionDetails"]
                raise ToolFailedError(
                    f"chromium: the measuring script failed: {details.get('text')}"
                )
            values.append(result.get("result", {}).get("value"))
        return values


def measure_decks(html_files: Sequence[Path], executable: Path) -> dict[Path, list[SlideBox]]:
    """The content boxes of every slide of each built HTML deck, in one browser.

    Raises ToolFailedError when the browser cannot be started or fails.
    """
    if not html_files:
        return {}
    urls = [f.resolve().as_uri() for f in html_files]
    with Browser(executable) as browser:
        values = browser.evaluate_pages(urls, MEASURE_JS)
    out: dict[Path, list[SlideBox]] = {}
    for path, value in zip(html_files, values, strict=True):
        out[path] = [SlideBox.from_json(v) for v in (value or [])]
    return out


def iter_overflows(
    boxes: Sequence[SlideBox], text: str, tolerance: float = TOLERANCE_PX
) -> Iterator[tuple[int, int | None, str]]:
    """(slide, source line or None, description) for each slide whose content leaves it."""
    starts = slide_lines(text)
    exact = len(starts) == len(boxes)
    for box in boxes:
        edges = box.overflows(tolerance)
        if not edges:
            continue
        line = starts[box.slide - 1] if exact and box.slide <= len(starts) else None
        what = ", ".join(f"{px:.0f} px past the {edge} edge" for edge, px in edges)
        yield box.slide, line, f"{what} of the {box.width:.0f}×{box.height:.0f} slide"
