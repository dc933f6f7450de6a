"""The ``course`` entry point: replays what a command printed last time when nothing it
depends on has changed, else runs the Typer app (:mod:`course_cli.cli`) and remembers.

Two kinds of output are replayed, byte for byte, without importing Typer or rich
(Typer alone costs more than the 3× ``python -c pass`` a help screen may take):

* a help screen (``course --help``, ``course CMD --help``, ``-h``, or no arguments) — kept in
  the user's cache folder (``$XDG_CACHE_HOME/course-cli/``), keyed by the arguments, the
  toolkit's and Typer's/rich's files, and everything that shapes the rendering: the environment
  variables rich, Typer and click read, which standard streams are terminals and their sizes,
  the encodings, the program name;
* a ``course check`` of a course whose cached report (:mod:`course_cli.check.cache`) is still
  valid — kept in that cache entry, keyed by the same rendering facts plus the working folder;
* a ``course build`` (without ``--force``) that found everything up to date, while nothing it
  looked at has changed (:mod:`course_cli.engine.noop`) — the summary line gives the time the
  replay took.

Anything else, and any miss, runs the app as usual. The replay writes the same text to the same
streams in the same order and exits with the same code.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

TYPE_CHECKING = False  # typing itself is not imported on the replay path
if TYPE_CHECKING:
    from typing import Any

RECORD_VERSION = 1

#: every environment variable rich, Typer (with its click) or the toolkit's console read that
#: changes what a command prints (tests/test_replay_cache.py checks the libraries for more)
RENDER_ENV = (
    "CI",
    "COLORTERM",
    "COLUMNS",
    "DATABRICKS_RUNTIME_VERSION",
    "FORCE_COLOR",
    "GITHUB_ACTIONS",
    "JUPYTER_COLUMNS",
    "JUPYTER_LINES",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "LC_MESSAGES",
    "LINES",
    "NO_COLOR",
    "PYTHONIOENCODING",
    "PYTHONUTF8",
    "PY_COLORS",
    "TERM",
    "TERMINAL_WIDTH",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "TYPER_STANDARD_TRACEBACK",
    "TYPER_USE_RICH",
    "UNICODE_VERSION",
    "_TYPER_FORCE_DISABLE_TERMINAL",
    "_TYPER_STANDARD_TRACEBACK",
)
#: environment variables of shell completion: such a run is never replayed nor recorded
_COMPLETION_PREFIXES = ("_TYPER_COMPLETE", "_COURSE_COMPLETE", "_COURSE_CLI_COMPLETE")

_HELP_FLAGS = ("--help", "-h")
_COMMANDS = (
    "new-lesson", "init", "check", "list", "readme", "build", "book-sync", "doctor", "serve",
)  # fmt: skip


def main() -> None:
    """Run ``course`` with the arguments of this process (the console script's entry)."""
    started = time.perf_counter()
    argv = sys.argv[1:]
    kind = _replayable(argv)
    if kind is not None:
        record = _find(kind, argv, started)
        if record is not None:
            _play(record)
            sys.exit(record["code"])
    tee = _Recorder() if kind is not None else None
    plain = plain_command(argv)
    if plain is not None:  # ``course build`` or ``book-sync`` without Typer (course_cli.command)
        from course_cli import command

        body = getattr(command, plain[0].replace("-", "_"))

        def run_app() -> None:
            command.guarded(lambda: body(**plain[1]))
    else:
        from course_cli.cli import main as run_app

    code: Any = None  # stays None when the run ends with another exception (not kept)
    try:
        run_app()
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
        raise
    finally:
        if tee is not None:
            tee.uninstall()
            if kind is not None and isinstance(code, int) and not tee.tainted:
                _remember(kind, argv, code, tee.chunks)


#: the commands run without Typer, and their options: name -> (keyword, takes a value)
_PLAIN_OPTIONS: dict[str, dict[str, tuple[str, bool]]] = {
    "build": {
        "--force": ("force", False),
        "--strict": ("strict", False),
        "--no-wait": ("no_wait", False),
        "--solutions": ("solutions", False),
        "--no-solutions": ("solutions", False),
        "--jobs": ("jobs", True),
        "-j": ("jobs", True),
        "--format": ("formats", True),
        "--engine": ("engine", True),
        "--root": ("root", True),
    },
    "book-sync": {
        "--check": ("check_only", False),
        "--force": ("force", False),
        "--outline": ("show_outline", False),
        "--format": ("fmt", True),
        "--no-wait": ("no_wait", False),
        "--root": ("root", True),
    },
}
#: the keyword the arguments go to: build's targets are words, book-sync's lesson numbers
_PLAIN_ARGUMENTS = {"build": "what", "book-sync": "lessons"}


def plain_build(argv: list[str]) -> dict[str, Any] | None:
    """The keyword arguments of :func:`course_cli.command.build` for a plain ``course build``
    command line (see :func:`plain_command`), or None."""
    plain = plain_command(argv)
    return plain[1] if plain is not None and plain[0] == "build" else None


def plain_command(argv: list[str]) -> tuple[str, dict[str, Any]] | None:
    """The command and the keyword arguments of its function in :mod:`course_cli.command` for
    a plain command line ``course [--root R] build|book-sync [ARGS…] [OPTIONS]`` — what Typer
    would pass it — or None for anything else (help, a repeated or unknown option, a value Typer
    would refuse, ``--``): Typer then parses it and says what is wrong.
    tests/test_plain_build.py holds both to the same results."""
    if any(name.startswith(_COMPLETION_PREFIXES) for name in os.environ):
        return None
    args = list(argv)
    global_root: str | None = None
    if args[:1] == ["--root"] and len(args) > 1:
        global_root, args = args[1], args[2:]
    elif args[:1] and args[0].startswith("--root="):
        global_root, args = args[0].removeprefix("--root="), args[1:]
    if not args or args[0] not in _PLAIN_OPTIONS:
        return None
    if global_root is not None and global_root.startswith("-"):
        return None
    name, options = args[0], _PLAIN_OPTIONS[args[0]]
    kwargs: dict[str, Any] = {}
    positional: list[Any] = []
    rest = args[1:]
    while rest:
        token = rest.pop(0)
        if not token.startswith("-") or token == "-":
            if name == "book-sync":  # lesson numbers: plain digits, else Typer says why
                if not (token.isascii() and token.isdigit()):
                    return None
                positional.append(int(token))
            else:
                positional.append(token)
            continue
        option, eq, value = token.partition("=")
        spec = options.get(option)
        if spec is None or spec[0] in kwargs or (eq and (not spec[1] or option == "-j")):
            return None  # unknown, repeated, a flag given a value, or "-j=2"
        key, takes_value = spec
        if not takes_value:
            kwargs[key] = option != "--no-solutions"
            continue
        if not eq:
            if not rest:
                return None
            value = rest.pop(0)
        if not value or value.startswith("-"):
            return None
        if key == "jobs":
            if not (value.isascii() and value.isdigit()) or int(value) < 1:
                return None
            kwargs[key] = int(value)
        else:
            kwargs[key] = value
    root = kwargs.pop("root", global_root)
    for given in (global_root, root):  # Typer checks both, though the command's own one wins
        if given is not None and not _usable_folder(given):
            return None
    if root is not None:
        kwargs["root"] = Path(root)
    return name, {_PLAIN_ARGUMENTS[name]: positional, **kwargs}


def _usable_folder(path: str) -> bool:
    """What Typer's ``--root`` accepts: a name, not a file, readable if it exists (else Typer
    says "Directory … is a file" or "… is not readable")."""
    if not path:
        return False
    if not os.path.exists(path):
        return True
    return os.path.isdir(path) and os.access(path, os.R_OK)


def _replayable(argv: list[str]) -> str | None:
    """``"help"``, ``"check"`` or ``"build"`` when these arguments may be replayed, else
    None."""
    if any(name.startswith(_COMPLETION_PREFIXES) for name in os.environ):
        return None
    if sys.platform == "win32":
        return None  # legacy consoles are written through the Win32 API, not the stream
    if not argv or (
        argv[-1] in _HELP_FLAGS and (len(argv) == 1 or (len(argv) == 2 and argv[0] in _COMMANDS))
    ):
        return "help"
    if argv[0] == "check":
        return "check"
    if argv[0] == "build" and not {"--force", *_HELP_FLAGS} & set(argv):
        return "build"
    return None


def render_key(argv: list[str]) -> str:
    """A SHA-256 over everything besides the command's inputs that shapes what it prints."""
    streams = []
    for fd, stream in ((0, sys.stdin), (1, sys.stdout), (2, sys.stderr)):
        try:
            tty = os.isatty(fd)
        except OSError:
            tty = False
        try:
            size: Any = tuple(os.get_terminal_size(fd))
        except (OSError, ValueError):
            size = None
        encoding = getattr(stream, "encoding", None)
        streams.append([tty, size, encoding])
    doc = {
        "argv0": sys.argv[0],
        "argv": argv,
        "env": {name: os.environ.get(name) for name in RENDER_ENV},
        "streams": streams,
        "platform": sys.platform,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _help_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "course-cli" / "help"


def _help_stamp() -> str:
    from course_cli.core.stamp import toolkit_stamp

    return toolkit_stamp(("typer", "rich", "click"))


def _find(kind: str, argv: list[str], started: float) -> dict[str, Any] | None:
    """The remembered output of this run, or None (a miss, a stale or unreadable record)."""
    try:
        key = render_key(argv)
        if kind == "help":
            data = json.loads((_help_dir() / f"{key}.json").read_text(encoding="utf-8"))
            if data.get("version") != RECORD_VERSION or data.get("stamp") != _help_stamp():
                return None
            return _valid(data)
        if kind == "build":
            from course_cli.engine.noop import replay_output as replay_build

            found = replay_build(Path.cwd(), key, started)
            return _valid(found) if found is not None else None
        from course_cli.check.cache import replay_output

        record = replay_output(Path.cwd(), f"{Path.cwd()}\0{key}")
        return _valid(record) if record is not None else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _valid(data: dict[str, Any]) -> dict[str, Any] | None:
    chunks, code = data.get("chunks"), data.get("code")
    if not isinstance(chunks, list) or not isinstance(code, int):
        return None
    if not all(isinstance(c, list) and len(c) == 2 and c[0] in (1, 2) for c in chunks):
        return None
    return data


def _play(record: dict[str, Any]) -> None:
    for fd, text in record["chunks"]:
        stream = sys.stdout if fd == 1 else sys.stderr
        stream.write(text)
        stream.flush()


def _remember(kind: str, argv: list[str], code: int, chunks: list[list[Any]]) -> None:
    try:
        key = render_key(argv)
        if kind == "help":
            if code not in (0, 2):  # 2: no arguments, the help screen as a usage error
                return
            data = {
                "version": RECORD_VERSION,
                "stamp": _help_stamp(),
                "code": code,
                "chunks": chunks,
            }
            from course_cli.core.fs import atomic_write

            atomic_write(_help_dir() / f"{key}.json", json.dumps(data))
            return
        if kind == "build":
            from course_cli.engine.noop import remember_output as remember_build

            remember_build(Path.cwd(), key, code, chunks)
            return
        from course_cli.check.cache import remember_output

        remember_output(f"{Path.cwd()}\0{key}", code, chunks)
    except OSError:
        pass  # no cache folder to write: the next run renders again


class _Tee:
    """Stands in for sys.stdout and sys.stderr: passes everything on and keeps a copy."""

    def __init__(self, stream: Any, fd: int, chunks: list[list[Any]]) -> None:
        self._stream, self._fd, self._chunks = stream, fd, chunks
        self.tainted = False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            written = self._stream.write(text)  # a text stream raises TypeError (click's probe)
            self.tainted = True
            return int(written)
        if text:
            if self._chunks and self._chunks[-1][0] == self._fd:
                self._chunks[-1][1] += text
            else:
                self._chunks.append([self._fd, text])
        return int(self._stream.write(text))

    @property
    def buffer(self) -> Any:
        self.tainted = True  # bytes written past the text layer are not seen
        return self._stream.buffer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _Recorder:
    """The two tees of one run."""

    def __init__(self) -> None:
        self.chunks: list[list[Any]] = []
        self._out = _Tee(sys.stdout, 1, self.chunks)
        self._err = _Tee(sys.stderr, 2, self.chunks)
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout, sys.stderr = self._out, self._err

    @property
    def tainted(self) -> bool:
        return self._out.tainted or self._err.tainted

    def uninstall(self) -> None:
        sys.stdout, sys.stderr = self._saved
