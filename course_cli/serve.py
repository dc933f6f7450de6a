"""``course serve``: the course site on localhost, rebuilt as files change, pages reloaded.

The HTTP server serves build/site/ and adds a small script to every HTML page; the script polls
``/__course/status`` and reloads the page when the build version changes, or shows the last
build error in an overlay. A watcher thread (watchfiles) maps each change to the targets it
affects (a README → the site; a deck → its slides; a conspect → its PDF; the book → the book)
and runs the incremental build for just those lessons. Errors never stop the server.
"""

from __future__ import annotations

import contextlib
import errno
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from course_cli.core.boundary import is_inside
from course_cli.core.config import Course, load_course
from course_cli.core.courseroot import CONFIG_NAME
from course_cli.core.errors import CourseError, UsageError
from course_cli.core.stamp import STAT_ONLY, Entry, changed_entries, tree_snapshot

WATCHED = ("lessons", "materials", "templates", CONFIG_NAME)
STATUS_PATH = "/__course/status"
SCRIPT_PATH = "/__course/live.js"
_LESSON_DIR = re.compile(r"^lesson_(\d+)$")

LIVE_JS = """\
(function () {
  var version = null;
  function show(error) {
    var box = document.getElementById('course-live-error');
    if (!error) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement('div');
      box.id = 'course-live-error';
      box.style.cssText = 'position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:1000;' +
        'background:#fff1f0;border:2px solid #c0392b;color:#7a1f17;border-radius:8px;' +
        'padding:.8rem 1rem;font:13px/1.45 monospace;white-space:pre-wrap';
      document.body.appendChild(box);
    }
    box.textContent = 'Build error:\\n' + error;
  }
  function poll() {
    fetch('__STATUS__', {cache: 'no-store'}).then(function (r) { return r.json(); })
      .then(function (s) {
        if (version !== null && s.version !== version) { location.reload(); return; }
        version = s.version; show(s.error);
      }).catch(function () {}).finally(function () { setTimeout(poll, 700); });
  }
  poll();
})();
""".replace("__STATUS__", STATUS_PATH)


@dataclass
class LiveState:
    """What the pages poll: a version bumped after each rebuild, and the last error."""

    version: int = 0
    error: str | None = None
    building: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> dict[str, Any]:
        """The JSON served at the status URL."""
        with self.lock:
            return {"version": self.version, "error": self.error, "building": self.building}

    def finish(self, error: str | None) -> None:
        """Record the end of a rebuild (bumps the version so open pages reload)."""
        with self.lock:
            self.version += 1
            self.error = error
            self.building = False


@dataclass(frozen=True)
class Rebuild:
    """One build to run after a change: a target and the lessons it concerns (empty: all)."""

    target: str
    numbers: tuple[int, ...] = ()


def plan_rebuild(root: Path, changed: Iterable[Path]) -> list[Rebuild]:
    """Map changed paths to the builds they need, site last. Returns [] for unrelated files."""
    targets: dict[str, set[int] | None] = {}

    def want(target: str, number: int | None) -> None:
        if number is None:
            targets[target] = None
        elif target not in targets or targets[target] is not None:
            targets.setdefault(target, set())
            current = targets[target]
            if current is not None:
                current.add(number)

    for path in changed:
        try:
            rel = path.resolve().relative_to(root.resolve())
        except ValueError:
            continue
        parts = rel.parts
        if not parts or any(p.startswith(".") for p in parts) or parts[0] == "build":
            continue
        if parts[0] == "lessons" and len(parts) >= 3 and (m := _LESSON_DIR.match(parts[1])):
            n = int(m.group(1))
            if parts[2] == "slides":
                want("slides", n)
            elif parts[2] == "conspect.md":
                want("pdf", n)
            elif parts[2] == "book":
                want("book", n)
            elif parts[2] in ("notebooks", "exercises") or parts[2].endswith(".py"):
                want("notebooks", n)  # a notebook, or a file it may read (cached if not)
            want("site", None)
        elif parts[0] == "materials":
            if len(parts) > 1 and parts[1] == "book":
                want("book", None)
            else:  # shared macros and images: everything that renders math may change
                want("slides", None)
                want("pdf", None)
                want("book", None)
                want("notebooks", None)  # data or lab code a notebook reads (cached if not)
            want("site", None)
        elif parts[0] == "templates":
            kind = parts[1] if len(parts) > 1 else ""
            mapping = {"marp": "slides", "pdf": "pdf", "site": "site"}
            if kind in mapping:
                want(mapping[kind], None)
            want("site", None)
        elif rel.as_posix() in (CONFIG_NAME, "README.md"):
            want("site", None)
    order = ["slides", "pdf", "book", "notebooks", "site"]
    return [Rebuild(t, tuple(sorted(targets[t] or ()))) for t in order if t in targets]


#: an idle or slow connection is closed after this many seconds (no thread held for ever)
IDLE_TIMEOUT = 20.0
#: the longest request path answered; longer ones get 414
MAX_PATH = 2048
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def host_allowed(header: str | None, bound: str) -> bool:
    """True when the Host header names this machine: localhost, an IP literal or the address
    the server was bound to. Other names are refused (DNS rebinding)."""
    if not header:
        return True  # HTTP/1.0 clients send none
    name = header.strip().lower()
    if name.startswith("["):
        name = name[: name.find("]") + 1] if "]" in name else name
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name in _LOCAL_HOSTS or name == bound.lower():
        return True
    import ipaddress

    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class _Handler(SimpleHTTPRequestHandler):
    state: LiveState
    timeout = IDLE_TIMEOUT  # socket timeout: idle connections are dropped

    def __init__(self, *args: Any, state: LiveState, bound: str = "127.0.0.1", **kwargs: Any):
        self.state = state
        self.bound = bound
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the terminal for build messages."""

    def do_GET(self) -> None:
        """Answer a GET; a bad request gets an error status, never a traceback."""
        try:
            self._get()
        except (ValueError, OSError):  # NUL bytes, over-long names, vanished files
            with contextlib.suppress(OSError):
                self.send_error(HTTPStatus.NOT_FOUND)

    def do_HEAD(self) -> None:
        """Like GET, without the body."""
        try:
            if not self._allowed():
                return
            super().do_HEAD()
        except (ValueError, OSError):
            with contextlib.suppress(OSError):
                self.send_error(HTTPStatus.NOT_FOUND)

    def _allowed(self) -> bool:
        if not host_allowed(self.headers.get("Host"), self.bound):
            self.send_error(HTTPStatus.FORBIDDEN, "unknown Host")
            return False
        if len(self.path) > MAX_PATH:
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return False
        return True

    def translate_path(self, path: str) -> str:
        """The file for ``path``; a symlink that leads out of the site maps to nothing."""
        local = super().translate_path(path)
        if not is_inside(Path(local), Path(self.directory)):
            return str(Path(self.directory) / ".outside-the-site")  # never exists: 404
        return local

    def _get(self) -> None:
        """Serve the status, the live script, HTML pages with the script, or plain files."""
        if not self._allowed():
            return
        path = self.path.split("?", 1)[0]
        if path == STATUS_PATH:
            self._send(json.dumps(self.state.snapshot()).encode(), "application/json")
            return
        if path == SCRIPT_PATH:
            self._send(LIVE_JS.encode(), "text/javascript")
            return
        local = Path(self.translate_path(path))
        if local.is_dir():
            if not path.endswith("/"):  # relative links on the page need the slash
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            local = local / "index.html"
        if local.suffix == ".html" and local.is_file():
            html = local.read_text(encoding="utf-8", errors="replace")
            tag = f'<script src="{SCRIPT_PATH}"></script>'
            html = html.replace("</body>", f"{tag}\n</body>") if "</body>" in html else html + tag
            self._send(html.encode(), "text/html; charset=utf-8")
            return
        super().do_GET()

    def _send(self, body: bytes, ctype: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def make_server(site: Path, host: str, port: int, state: LiveState) -> ThreadingHTTPServer:
    """Return an HTTP server for ``site``; raises CourseError when the port is taken."""
    site.mkdir(parents=True, exist_ok=True)
    handler = partial(_Handler, directory=str(site), state=state, bound=host)
    if not 0 <= port <= 65535:
        raise UsageError(f"--port: {port} is not a port number (0–65535)")
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        in_use = getattr(exc, "errno", None) == errno.EADDRINUSE
        raise CourseError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="choose another --port" if in_use else "check --host (e.g. 127.0.0.1)",
        ) from None
    server.daemon_threads = True
    return server


Log = Callable[[str], None]


def run_builds(root: Path, builds: list[Rebuild], log: Log) -> str | None:
    """Run ``builds`` with the incremental engine; return the error text or None."""
    from course_cli.builders import targets as build_mod
    from course_cli.core.locking import course_lock

    try:
        with course_lock(root, "serve (rebuild)", on_wait=log):
            course = load_course(root)
            for item in builds:
                numbers = [n for n in item.numbers if any(x.number == n for x in course.lessons)]
                if item.numbers and not numbers:
                    continue
                report = build_mod.build(course, item.target, numbers)
                log(f"{item.target}: {report.summary()}")
                report.raise_for_failures()
    except CourseError as exc:
        lines = getattr(exc, "messages", None) or [exc.message]
        text = "\n".join(lines) + (f"\nhint: {exc.hint}" if exc.hint else "")
        log(f"error: {text}")
        return text
    except Exception as exc:  # a bug must not kill the watcher: report it, keep watching
        text = f"internal error: {type(exc).__name__}: {exc}"
        log(f"error: {text}")
        return text
    return None


def watch_and_rebuild(
    course: Course, state: LiveState, log: Log, stop: threading.Event, initial: bool = True
) -> None:
    """Build once (when ``initial``), then rebuild on every change until ``stop`` is set."""
    from watchfiles import watch

    root = course.root
    paths = [root / p for p in WATCHED if (root / p).exists()]
    # The watcher starts watching some time after the server answers (after the initial
    # build, later still on a busy machine): at its first word (a batch, or the first quiet
    # half second) the course's files are compared with how they were before, so an edit made
    # in between is built too, not lost (plan_rebuild ignores what is not a source).
    before: dict[str, Entry] | None = tree_snapshot(root, hash_from=STAT_ONLY)
    if initial:
        with state.lock:
            state.building = True
        state.finish(run_builds(root, [Rebuild("all")], log))
    for changes in watch(
        *paths, stop_event=stop, debounce=300, step=50, rust_timeout=500, yield_on_timeout=True
    ):
        changed = [Path(p) for _, p in changes]
        if before is not None:
            now = tree_snapshot(root, hash_from=STAT_ONLY)
            changed += [root / name for name in changed_entries(before, now)]
            before = None
        if not changed:
            continue
        builds = plan_rebuild(root, relevant_changes(course, changed))
        if not builds:
            continue
        log("changed: " + ", ".join(sorted({p.name for p in changed})))
        with state.lock:
            state.building = True
        state.finish(run_builds(root, builds, log))


def relevant_changes(course: Course, paths: Iterable[Path]) -> list[Path]:
    """The changed ``paths`` that are sources: the book PDF copy the build itself writes
    (``book.pdf`` of course.yaml) would otherwise trigger one more rebuild after every build."""
    own = course.path(course.book.pdf).resolve()
    return [p for p in paths if Path(p).resolve() != own]


def serve(course: Course, host: str, port: int, log: Log, initial_build: bool = True) -> None:
    """Serve the site and rebuild on changes until interrupted (blocks)."""
    from course_cli.builders.site.builder import site_dir

    state = LiveState()
    server = make_server(site_dir(course), host, port, state)
    stop = threading.Event()
    watcher = threading.Thread(
        target=watch_and_rebuild, args=(course, state, log, stop, initial_build), daemon=True
    )
    watcher.start()
    log(f"serving {site_dir(course)} at http://{host}:{server.server_address[1]}/ (Ctrl+C stops)")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        stop.set()
        server.server_close()
