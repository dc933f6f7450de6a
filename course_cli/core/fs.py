"""File-system helpers: atomic writes, so an interrupted command leaves no torn file."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        mode = path.stat().st_mode & 0o7777  # keep an existing file's permissions
    except FileNotFoundError:
        mode = 0o666 & ~current_umask()  # what open() would give a new file
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def same_bytes(a: Path, b: Path) -> bool:
    """True when the regular files ``a`` and ``b`` hold the same bytes (False when either is
    missing or not a regular file)."""
    import stat

    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    if not (stat.S_ISREG(sa.st_mode) and stat.S_ISREG(sb.st_mode)) or sa.st_size != sb.st_size:
        return False
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                chunk = fa.read(1 << 20)
                if chunk != fb.read(1 << 20):
                    return False
                if not chunk:
                    return True
    except OSError:
        return False


def newline_of(raw: bytes) -> str:
    """The line ending a file uses: ``\\r\\n``, ``\\r`` or ``\\n`` (the first one found)."""
    for nl in (b"\r\n", b"\n", b"\r"):
        if nl in raw:
            return nl.decode()
    return "\n"


def write_keeping_style(path: Path, text: str) -> None:
    """Atomically replace the text file ``path`` with ``text`` (written with ``\\n``), keeping
    what the user chose: its line endings, its byte-order mark, and a symlink (the file it
    points to is updated; the link stays a link)."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        raw = target.read_bytes()
    except OSError:
        raw = b""
    nl = newline_of(raw)
    if nl != "\n":
        text = text.replace("\r\n", "\n").replace("\n", nl)
    data = text.encode("utf-8")
    if raw.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf"):
        data = b"\xef\xbb\xbf" + data
    atomic_write(target, data)


def clean_leftovers(build_dir: Path) -> list[Path]:
    """Remove what an interrupted or killed build left in ``build_dir``: the staging and
    temporary folders and the engine's ``.NAME.part-TOKEN.EXT`` files; return what went.

    Call it only while holding the course's lock: another build's temporaries look the same.
    """
    import re
    import shutil

    removed: list[Path] = []
    if not build_dir.is_dir():
        return removed
    for name in (".staging", ".tmp", "tmp"):
        folder = build_dir / name
        if folder.is_dir() and not folder.is_symlink():
            for child in folder.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
                removed.append(child)
    part = re.compile(r"^\..+\.part-[0-9a-f]{8}(\.[^.]+)?$")
    for path in build_dir.rglob(".*.part-*"):
        if path.is_file() and part.match(path.name):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
