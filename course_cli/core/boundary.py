"""The course boundary: every path the toolkit reads or writes must lie inside the course.

A path is inside when it resolves (symlinks followed) to the course root or below. Files that
resolve elsewhere (``\\input{/etc/hostname}``, ``img/leak.svg -> /etc/passwd``, an absolute
``book.pdf``) are refused, so no host file is ever published or overwritten.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

#: the most a course source file may hold; a larger one (``/dev/zero``) is refused unread
MAX_SOURCE_BYTES = 64 * 1024 * 1024

#: environment for every external tool: TeX opens no file outside its working folder tree
#: (kpathsea's "paranoid" mode refuses absolute paths, ``..`` and dot files).
TEX_SANDBOX_ENV = {"openin_any": "p", "openout_any": "p", "shell_escape": "f"}


def course_root_of(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds course.yaml, else ``start``'s folder."""
    start = start.resolve()
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        if (folder / "course.yaml").is_file():
            return folder
    return here


def is_inside(path: Path, root: Path) -> bool:
    """True when ``path`` resolves (symlinks followed) to ``root`` or a path below it."""
    try:
        real = Path(os.path.realpath(path))
        base = Path(os.path.realpath(root))
    except (OSError, ValueError):
        return False
    return real == base or base in real.parents


class Boundary:
    """:func:`is_inside` for many paths under one ``root`` (one batch of copies): the root and
    each folder are resolved once, then a path costs one ``lstat`` (a symlink is resolved
    whole). Folders are not expected to be re-linked while the batch runs."""

    def __init__(self, root: Path) -> None:
        self.base = os.path.realpath(root)
        self._folders: dict[str, str] = {}

    def contains(self, path: Path) -> bool:
        """True when ``path`` resolves to the root or below it."""
        import stat

        text = os.path.abspath(path)
        folder, name = os.path.split(text)
        try:
            plain = name not in ("", ".", "..") and not stat.S_ISLNK(os.lstat(text).st_mode)
        except (OSError, ValueError):
            plain = False
        if plain:
            real_folder = self._folders.get(folder)
            if real_folder is None:
                real_folder = self._folders[folder] = os.path.realpath(folder)
            real = os.path.join(real_folder, name)
        else:
            try:
                real = os.path.realpath(text)
            except (OSError, ValueError):
                return False
        base = self.base
        return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def escapes(path: Path, root: Path) -> bool:
    """True when ``path`` is a symlink (or under one) that leads outside ``root``."""
    return not is_inside(path, root)


def shown(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when it is written below it, else as given."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def read_bounded(path: Path, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """Read at most ``limit`` bytes of ``path``; raise OSError(EFBIG) when there is more."""
    import errno

    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit // (1024 * 1024)} MB")
    return data


def copy_inside(
    src: Path,
    dst: Path,
    root: Path | None = None,
    boundary: Boundary | None = None,
    unless_same_as: Path | None = None,
) -> bool:
    """Copy the course file ``src`` to ``dst``; refuse (ProblemsFound, exit 1) a ``src`` that
    resolves outside the course (``root``, default: the course around ``dst``; or the
    ``boundary`` of a batch of copies), e.g. a symlink ``img/leak.svg -> /etc/passwd``, so
    that no host file is published. False (nothing written) when ``unless_same_as`` already
    holds the same bytes as ``src``."""
    import shutil

    from course_cli.core.errors import ProblemsFound
    from course_cli.core.fs import same_bytes

    if boundary is not None:
        base = Path(boundary.base)
        inside = boundary.contains(src)
    else:
        base = root or course_root_of(dst)
        inside = is_inside(src, base)
    if not inside and not _installed_tool_file(src, base):
        raise ProblemsFound(
            f"{shown(src, base)}: a symlink to {os.path.realpath(src)}, outside the course "
            "folder; it is not copied",
            hint="copy the file into the course instead of linking to it",
        )
    if unless_same_as is not None and same_bytes(src, unless_same_as):
        return False
    shutil.copyfile(src, dst)
    return True


#: The toolkit's shipped files (default templates, the site stylesheet): published from
#: wherever the toolkit is installed, inside the course or not.
_TOOLKIT_DATA = Path(__file__).resolve().parents[1] / "data"


def _installed_tool_file(path: Path, root: Path) -> bool:
    """True for a file of the course's installed Node tools (``node_modules``, often a
    symlink to a shared install) or of the toolkit's own data (the default templates): the
    toolkit's own assets, e.g. MathJax, not course content."""
    if is_inside(path, _TOOLKIT_DATA):
        return True
    try:
        rel = path.relative_to(root)
    except ValueError:
        return False
    return bool(rel.parts) and rel.parts[0] == "node_modules"


#: TeX commands that open a file by name (reading, or writing with \openout)
_TEX_OPENERS = (
    r"input|include|subfile|InputIfFileExists|IfFileExists|lstinputlisting|verbatiminput|"
    r"VerbatimInput|includegraphics|includepdf|includesvg|includestandalone|import|subimport|"
    r"inputfrom|subinputfrom|bibliography|addbibresource|openin|openout|graphicspath"
)
_TEX_FILE_RE = re.compile(
    r"\\(" + _TEX_OPENERS + r")(?![A-Za-z@])\*?\s*"
    r"(?:\\[A-Za-z@]+\s*=?\s*)?"  # \openin\handle=
    r"(?:\[[^\]\n]*\]\s*)?"  # [options]
    r"(?:\{\{?([^{}\n]*)\}?\}|([^\s{}\\%]+))"  # {name}, {{dir/}} or a bare name
)


def tex_escapes(
    text: str, base: Path, root: Path, *, comments: bool = True
) -> list[tuple[int, str, str]]:
    """The file names that TeX ``text`` opens outside ``root``: (line, command, name).

    Names are resolved from ``base`` (the folder TeX runs in), symlinks followed; an
    absolute name or one that climbs out with ``..`` is reported (LaTeX comments skipped
    unless ``comments`` is False, for Markdown). Names made of macros
    cannot be resolved here; the TeX sandbox (``openin_any``) covers those.
    """
    if comments:  # LaTeX source: % starts a comment (Markdown has none)
        text = re.sub(r"(?<!\\)%[^\n]*", "", text)
    out: list[tuple[int, str, str]] = []
    for m in _TEX_FILE_RE.finditer(text):
        raw = (m.group(2) if m.group(2) is not None else m.group(3) or "").strip()
        for name in (part.strip() for part in raw.split(",")):
            if not name or name.startswith("\\") or "#" in name:
                continue
            if os.path.isabs(name) or name.startswith("~") or not is_inside(base / name, root):
                line = text.count("\n", 0, m.start()) + 1
                out.append((line, m.group(1), name))
    return out
