"""Following ``\\input``/``\\include``/``\\subfile``/``\\import``: finding, reading and cleaning the
book's files (each file is read once; include cycles are errors)."""

from __future__ import annotations

import re
from pathlib import Path

from course_cli.core.boundary import is_inside, read_bounded
from course_cli.latex.model import BookError, SourceFile
from course_cli.latex.state import State
from course_cli.latex.text import check_braces, clean_text, parse_args


def load(st: State, path: Path, where: str) -> int:
    """Read, clean and register the file at ``path`` (once); return its index in ``st.files``.

    Raises BookError (at ``where``) for a file outside the course folder (symlinks followed),
    a directory, an unreadable or oversized file, invalid UTF-8 or unbalanced braces.
    """
    if not is_inside(path, st.limit):
        raise BookError(
            f"{where}: {path} is outside the course folder {st.limit}; it is not read",
            hint="keep every \\input file inside the course",
        )
    path = path.resolve()
    if path in st.by_path:
        return st.by_path[path]
    try:
        name = path.relative_to(st.root).as_posix()
    except ValueError:
        name = path.as_posix()
    try:
        data = read_bounded(path)
    except IsADirectoryError as exc:
        raise BookError(f"{where}: {path.name} is a directory, not a file") from exc
    except OSError as exc:
        raise BookError(f"{where}: cannot read {name}: {exc.strerror}") from exc
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BookError(
            f"{name}:{line}: invalid UTF-8 (byte 0x{data[exc.start]:02x})",
            hint="Save the file as UTF-8.",
        ) from exc
    raw = raw.replace("\r\n", "\n")
    starts = [0] + [m.end() for m in re.finditer("\n", raw)]
    src = SourceFile(path, name, raw, "", starts)
    src.clean = clean_text(raw, name)
    check_braces(src)
    st.files.append(src)
    st.by_path[path] = len(st.files) - 1
    return len(st.files) - 1


_MACRO_RE = re.compile(r"\\([A-Za-z@]+)(?![A-Za-z@])\s*(?:\{\})?")


def expand(st: State, text: str) -> str:
    """Expand the argument-free macros the preamble defines (``\\main`` -> ``.``) in a file
    name; what is not defined stays."""
    for _ in range(8):
        new = _MACRO_RE.sub(lambda m: st.simple_macros.get(m.group(1), m.group(0)), text)
        if new == text:
            break
        text = new
    return text


def resolve(base: Path, arg: str, add_tex: bool, probed: list[Path] | None = None) -> Path | None:
    """Return the file ``arg`` names relative to ``base`` (``.tex`` added as TeX does), or None;
    each candidate looked at is appended to ``probed``."""
    arg = arg.strip().strip('"')
    candidates = [base / arg]
    if add_tex or not arg.endswith(".tex"):
        candidates.insert(0, base / f"{arg}.tex")
    if add_tex and not arg.endswith(".tex"):
        candidates = [base / f"{arg}.tex"]
    for c in candidates:
        if probed is not None:
            probed.append(c)
        if c.exists():
            return c
    return None


_TWO_ARGS = {"import", "subimport", "inputfrom", "subinputfrom"}


def input_command(
    st: State, src: SourceFile, m: re.Match[str], base: Path
) -> tuple[int, tuple[Path, Path] | None]:
    """Read an input command at ``m``; return the offset after it and, when it names a file
    to follow, ``(path, base folder for that file's own inputs)``.

    Raises BookError for a missing file (unless not ``st.strict``: then it is listed in
    ``st.missing``) or a directory.
    """
    name = m.group(1)
    args, end = parse_args(src, m.end(), "mm" if name in _TWO_ARGS else "m", name)
    where = src.where(m.start())
    args = [expand(st, a) if a is not None else None for a in args]
    cbase, target = _target(st, src, name, args, base)
    if "\\" in target or any("\\" in str(a) for a in args):
        msg = (
            f"{where}: \\{name}{{{target}}}: the file name uses a macro the reader cannot "
            "expand (define it with \\newcommand or \\providecommand in the main file)"
        )
        if st.strict:
            raise BookError(msg)
        st.missing.append(msg)
        return end, None
    path = resolve(
        cbase if name != "subfile" else src.path.parent, target, name == "include", st.probed
    )
    if path is None:
        msg = f"{where}: \\{name}{{{target}}}: no such file (looked in {cbase})"
        if st.strict:
            raise BookError(msg, hint="Fix the path; it is relative to the main file.")
        st.missing.append(msg)
        return end, None
    if path.is_dir():
        raise BookError(f"{where}: \\{name}{{{target}}} names a directory, not a file")
    if name == "subfile":
        cbase = path.parent
    return end, (path, cbase)


def _target(
    st: State, src: SourceFile, name: str, args: list[str | None], base: Path
) -> tuple[Path, str]:
    """The folder an input command looks in and the file name it gives."""
    if name in {"import", "inputfrom"}:
        d = Path(str(args[0]))
        return (d if d.is_absolute() else st.root / d), str(args[1])
    if name in {"subimport", "subinputfrom"}:
        return base / str(args[0]), str(args[1])
    if name == "subfile":
        return src.path.parent, str(args[0])
    return base, str(args[0])
