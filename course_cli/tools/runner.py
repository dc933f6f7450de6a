"""External programs: finding them, asking their versions, running them.

This module is the only place in ``course_cli`` that starts a process. Library code asks a
:class:`Toolbox` for a tool by name and runs it::

    tb = Toolbox.for_course(course)          # or Toolbox(root) outside a course
    info = tb.find("marp")                   # ToolInfo(name, path, source); ToolNotFoundError (3)
    tb.version("marp")                       # "4.5.1" (cached by path, mtime and size)
    done = tb.run("pandoc", ["in.md", "-o", "out.pdf"], cwd=dir, timeout=120,
                  fatal=PANDOC_FATAL)        # Completed; ToolFailedError (4) on failure

Lookup order for each tool: ``course.yaml`` ``build.tools`` > environment variable (e.g.
``MARP_PATH``, ``CHROME_PATH``, ``PANDOC_PATH``) > the project's ``node_modules/.bin`` (Node
tools) > a bundled binary (pandoc from ``pypandoc-binary``) > ``PATH`` > a shim (``typst``: a
small script over the ``typst`` Python module, since pandoc needs an executable); see
:mod:`course_cli.tools.paths`. The tools and their install commands are in
:mod:`course_cli.tools.specs`.

Every call has a timeout, never uses a shell, captures output and raises a typed error that
carries the command line and the tail of stderr. ``fatal`` patterns turn warnings that mean a
broken output (pandoc's "Could not convert TeX math", Marp's "local file is missing") into errors.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_cli.core.errors import ToolFailedError, ToolNotFoundError
from course_cli.tools import interrupts
from course_cli.tools.paths import (
    ToolInfo,
    locate,
    write_typst_shim,
)
from course_cli.tools.specs import TOOLS, ToolSpec
from course_cli.tools.versions import (
    load_version_cache,
    marp_package_json,
    parse_version,
    save_version_cache,
    version_stamp,
    version_tuple,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "STDERR_TAIL_LINES",
    "TAIL_LINE_CHARS",
    "Completed",
    "Toolbox",
    "command_line",
    "fatal_lines",
    "run",
    "tail",
]

DEFAULT_TIMEOUT = 600.0
STDERR_TAIL_LINES = 15
TAIL_LINE_CHARS = 300  # a longer line (minified JS in a stack trace) is cut with an ellipsis


@dataclass(frozen=True)
class Completed:
    """The result of a finished call: argv, exit code, captured text, wall time in seconds."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def command_line(argv: Sequence[str | os.PathLike[str]]) -> str:
    """Return ``argv`` as a copy-pasteable shell command line."""
    return shlex.join(str(a) for a in argv)


def tail(text: str, lines: int = STDERR_TAIL_LINES, width: int = TAIL_LINE_CHARS) -> str:
    """Return the last ``lines`` non-empty lines of ``text``, each cut to ``width`` characters."""
    kept = [line for line in text.splitlines() if line.strip()]
    return "\n".join(
        line if len(line) <= width else line[: width - 1] + "…" for line in kept[-lines:]
    )


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    check: bool = True,
    fatal: Sequence[str] = (),
) -> Completed:
    """Run ``argv`` (no shell) and return :class:`Completed`.

    ``env`` entries are added to the current environment. Raises ToolNotFoundError when the
    program does not exist, ToolFailedError when it cannot be executed, on a timeout, on a
    non-zero exit (when ``check``) or when a line of its output matches one of the ``fatal``
    regular expressions.
    """
    args = [str(a) for a in argv]
    full_env = sandbox_env(os.environ, env, cwd)
    start = time.perf_counter()
    try:
        returncode, stdout, stderr = _communicate(args, cwd, full_env, input, timeout)
    except FileNotFoundError as exc:
        raise ToolNotFoundError(f"{args[0]}: program not found", hint=None) from exc
    except OSError as exc:  # not a program (exec format error), no permission, …
        raise ToolFailedError(
            f"{Path(args[0]).name} cannot be run ({exc.strerror or exc}): {command_line(args)}",
            hint=f"{args[0]} is not a program this system can start; check the *_PATH "
            "variable or course.yaml build.tools entry that points to it",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolFailedError(
            f"timed out after {timeout:g} s: {command_line(args)}",
            hint=_decode_tail(exc.stderr) or None,
        ) from exc
    proc = subprocess.CompletedProcess(args, returncode, stdout, stderr)
    done = Completed(
        tuple(args), proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start
    )
    if check and proc.returncode != 0:
        raise ToolFailedError(
            f"{Path(args[0]).name} failed (exit {proc.returncode}): {command_line(args)}",
            hint=tail(proc.stderr or proc.stdout) or None,
        )
    bad = fatal_lines(done.stderr + "\n" + done.stdout, fatal)
    if bad:
        raise ToolFailedError(
            f"{Path(args[0]).name} reported a broken output: {command_line(args)}",
            hint="\n".join(bad),
        )
    return done


def _communicate(
    args: list[str],
    cwd: Path | None,
    env: Mapping[str, str],
    input: str | None,
    timeout: float,
) -> tuple[int, str, str]:
    """Run ``args`` in a new process group; on a timeout or an interrupt stop the whole group
    (the tool's own children too) before the exception goes on."""
    proc = subprocess.Popen(  # argv list, never a shell
        args,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,  # its own group: Ctrl+C reaches course, which stops it
    )
    with interrupts.registered(proc):
        try:
            stdout, stderr = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            interrupts.stop_group(proc)
            with contextlib.suppress(subprocess.TimeoutExpired):
                _, err = proc.communicate(timeout=5)
                exc.stderr = _printable(err or "").encode()
            raise
        except BaseException:
            interrupts.stop_group(proc)
            raise
    return proc.returncode, stdout, _printable(stderr)


_CONTROL_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f]")


def _printable(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (tabs and newlines
    stay), so a tool's stderr cannot drive the terminal through an error hint."""
    return _CONTROL_RE.sub("", text) if text else text


def sandbox_env(
    base: Mapping[str, str], extra: Mapping[str, str] | None, cwd: Path | None
) -> dict[str, str]:
    """The environment of a tool: ``base`` + ``extra``, with TeX confined to the course.

    kpathsea's paranoid mode (``openin_any=p``, ``openout_any=p``) refuses absolute paths,
    ``..`` and dot files; ``TEXMFOUTPUT`` (the course around ``cwd``) is the one absolute
    tree TeX may still open, so ``\\input{/etc/hostname}`` fails while the course's own
    outputs work.
    """
    from course_cli.core.boundary import TEX_SANDBOX_ENV, course_root_of

    env = {**base, **TEX_SANDBOX_ENV, **(extra or {})}  # a caller may relax it (the book)
    if cwd is not None and not (extra and "TEXMFOUTPUT" in extra):
        env["TEXMFOUTPUT"] = str(course_root_of(Path(cwd)))
    return env


def _node_script(path: Path) -> bool:
    """True when ``path`` is a script run by node (``#!/usr/bin/env node``)."""
    try:
        with Path(os.path.realpath(path)).open("rb") as fh:
            first = fh.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"node" in first


def fatal_lines(text: str, patterns: Sequence[str]) -> list[str]:
    """Return the lines of ``text`` that match any of ``patterns`` (regular expressions)."""
    if not patterns:
        return []
    rx = re.compile("|".join(f"(?:{p})" for p in patterns))
    return [line.strip() for line in text.splitlines() if rx.search(line)]


def _decode_tail(data: bytes | str | None) -> str:
    if data is None:
        return ""
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    return tail(text)


def _watch_tool(path: Path) -> None:
    """Note the binary (and the package a Node launcher runs) for the no-op build record."""
    from course_cli.core.stamp import watch

    watch(path)
    watch(os.path.realpath(path))
    package = marp_package_json(path) if "node_modules" in Path(path).parts else None
    if package is not None:
        watch(package)


@dataclass
class Toolbox:
    """Finds and runs the external tools of one course (or of no course: ``root=None``).

    ``configured`` is ``course.yaml`` ``build.tools`` (name -> path, relative to ``root``);
    ``cache_file`` keeps tool versions between runs so that a no-op build stays fast.
    ``read_only`` (``course doctor``): write nothing, neither the version cache nor the
    ``typst`` shim (its would-be path is reported; the version comes from the module).
    """

    root: Path | None = None
    configured: Mapping[str, str] = field(default_factory=dict)
    cache_file: Path | None = None
    read_only: bool = False
    _found: dict[str, ToolInfo] = field(default_factory=dict, repr=False)
    _versions: dict[str, str] | None = field(default=None, repr=False)
    _identities: dict[tuple[str, bool], str] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def for_course(cls, course: object, *, read_only: bool = False) -> Toolbox:
        """Return the Toolbox of a loaded ``Course`` (its root, build.tools, build/.cache)."""
        root = Path(course.root)  # type: ignore[attr-defined]
        build_cfg = getattr(course, "build", None)
        tools = dict(getattr(build_cfg, "tools", {}) or {})
        return cls(
            root=root,
            configured=tools,
            cache_file=root / "build" / ".cache" / "tools.json",
            read_only=read_only,
        )

    def __getstate__(self) -> dict[str, Any]:
        """Picklable (a worker process renders site pages with it): without the lock."""
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # -- finding ---------------------------------------------------------------------------
    def find(self, name: str) -> ToolInfo:
        """Return where tool ``name`` is. Raises ToolNotFoundError with the install command."""
        with self._lock:
            if name in self._found:
                return self._found[name]
        info = self._locate(name)
        _watch_tool(info.path)
        with self._lock:
            self._found[name] = info
        return info

    def has(self, name: str) -> bool:
        """True when ``find(name)`` would succeed."""
        try:
            self.find(name)
        except ToolNotFoundError:
            return False
        return True

    def _locate(self, name: str) -> ToolInfo:
        return locate(name, root=self.root, configured=self.configured, typst_shim=self._typst_shim)

    def _typst_shim(self) -> Path:
        # Beside the version cache of a course (build/.cache/bin), else in the user's cache.
        if self.cache_file is not None:
            base = self.cache_file.parent / "bin"
        else:
            base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "course/bin"
        if self.read_only:
            return base / "typst"
        return write_typst_shim(base / "typst")

    # -- versions --------------------------------------------------------------------------
    def version(self, name: str) -> str:
        """Return the version number of tool ``name`` (cached by path, mtime and size).

        Raises ToolNotFoundError when missing, ToolFailedError when it cannot say its version.
        """
        info = self.find(name)
        spec = TOOLS.get(name) or ToolSpec(name, (name,), "")
        stamp = version_stamp(info.path)
        with self._lock:
            cache = self._load_versions()
            if stamp in cache:
                return cache[stamp]
        if info.source == "shim":
            import importlib.metadata

            version = importlib.metadata.version("typst")
        else:
            version = self._ask_version(name, info, spec)
        with self._lock:
            cache[stamp] = version
            self._save_versions(cache)
        return version

    def identity(self, name: str, *, usable: bool = False) -> str:
        """What a build step's key records about tool ``name``: its version and a hash of its
        binary (cached by path, mtime and size), so that another binary with the same version
        string (a PANDOC_PATH that writes nothing) makes outputs stale. Not its path: the same
        binary installed elsewhere (another checkout, a moved environment) rebuilds nothing.

        With ``usable`` the version is checked against the tool's ``min_version`` first.
        Raises like :meth:`version`.
        """
        with self._lock:
            known = self._identities.get((name, usable))
        if known is not None:
            return known
        version = self.usable_version(name) if usable else self.version(name)
        info = self.find(name)
        stamp = "sha256|" + version_stamp(info.path)
        with self._lock:
            cache = self._load_versions()
            digest = cache.get(stamp)
        if digest is None:
            from course_cli.core.fs import sha256_file

            try:
                digest = sha256_file(Path(os.path.realpath(info.path)))
            except OSError:
                digest = "unreadable"
            with self._lock:
                cache[stamp] = digest
                self._save_versions(cache)
        identity = f"{version} (sha256 {digest[:16]})"
        with self._lock:
            self._identities[(name, usable)] = identity  # one build asks once per tool
        return identity

    def usable_version(self, name: str) -> str:
        """Return the version of tool ``name`` after checking its ``min_version``.

        Raises ToolNotFoundError (with the install command) when the tool is missing or older
        than the toolkit needs, ToolFailedError when it cannot say its version.
        """
        version = self.version(name)
        spec = TOOLS.get(name)
        if spec and spec.min_version and version_tuple(version) < version_tuple(spec.min_version):
            raise ToolNotFoundError(
                f"{name} {version} at {self.find(name).path}: version {spec.min_version} or newer "
                "is needed",
                hint=f"install a newer one: {spec.install}",
            )
        return version

    def _ask_version(self, name: str, info: ToolInfo, spec: ToolSpec) -> str:
        if name == "marp":
            pkg = marp_package_json(info.path)
            if pkg is not None:
                return str(json.loads(pkg.read_text(encoding="utf-8"))["version"])
        done = run([info.path, *spec.version_args], timeout=60, check=False)
        text = done.stdout + "\n" + done.stderr
        if name == "latexmk":
            m = re.search(r"Version\s+(\S+)", text)
            if m:
                return m.group(1)
        version = parse_version(text)
        if not version:
            raise ToolFailedError(
                f"{name}: cannot read its version from "
                f"{command_line([info.path, *spec.version_args])}",
                hint=tail(text) or None,
            )
        return version

    def _load_versions(self) -> dict[str, str]:
        if self._versions is None:
            self._versions = {}  # what later calls see if reading the cache raises
            self._versions = load_version_cache(self.cache_file)
        return self._versions

    def _save_versions(self, cache: dict[str, str]) -> None:
        if self.cache_file is None or self.read_only:
            return
        save_version_cache(self.cache_file, cache)

    # -- running ---------------------------------------------------------------------------
    def run(
        self,
        name: str,
        args: Sequence[str | os.PathLike[str]],
        *,
        cwd: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        check: bool = True,
        fatal: Sequence[str] = (),
    ) -> Completed:
        """Find tool ``name`` and run it with ``args``; see :func:`run` for errors.

        A tool with a ``min_version`` (pandoc, node; Marp runs on node) is checked first:
        ToolNotFoundError when it is too old.
        """
        info = self.find(name)
        spec = TOOLS.get(name)
        if spec is not None and spec.min_version:
            self.usable_version(name)
        if spec is not None and spec.node_bin and (self.has("node") or _node_script(info.path)):
            # A Node launcher without node would fail with exit 127: say "missing" (exit 3).
            self.usable_version("node")
        return run(
            [info.path, *args],
            cwd=cwd,
            timeout=timeout,
            env=env,
            input=input,
            check=check,
            fatal=fatal,
        )

    def browser_env(self) -> dict[str, str]:
        """Environment for Marp's browser: CHROME_PATH of the found browser, no-sandbox if needed.

        Raises ToolNotFoundError (with the install command) when no browser is found.
        """
        info = self.find("chromium")
        env = {"CHROME_PATH": str(info.path)}
        if hasattr(os, "geteuid") and os.geteuid() != 0:
            # Containers usually lack the user namespaces Chromium's sandbox needs; as root
            # Marp adds --no-sandbox by itself.
            env.setdefault("CHROME_NO_SANDBOX", os.environ.get("CHROME_NO_SANDBOX", "1"))
        return env
