"""Tool version numbers: reading them from text, comparing them, and their cache file.

The cache (``build/.cache/tools.json``) maps a stamp of the binary (path, real path, mtime,
size) to its version, so a no-op build asks no tool for its version. Nothing here starts a
process: :class:`course_cli.tools.runner.Toolbox` asks the tool and uses these helpers.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path


def parse_version(text: str) -> str:
    """Return the first dotted version number in ``text`` (``""`` if none)."""
    m = re.search(r"\d+(?:\.\d+)+", text) or re.search(r"\d+", text)
    return m.group(0) if m else ""


def version_tuple(version: str) -> tuple[int, ...]:
    """``"3.1.2"`` -> ``(3, 1, 2)``; non-numeric parts are ignored."""
    return tuple(int(p) for p in re.findall(r"\d+", version))


def version_stamp(path: Path) -> str:
    """The cache key of a binary: its path, real path, mtime and size (the path alone if gone)."""
    try:
        real = path.resolve()
        st = real.stat()
    except OSError:
        return str(path)
    return f"{path}|{real}|{st.st_mtime_ns}|{st.st_size}"


def marp_package_json(path: Path) -> Path | None:
    """The package.json of marp-cli when ``path`` is its node_modules launcher."""
    real = path.resolve()
    for parent in real.parents:
        candidate = parent / "package.json"
        if candidate.is_file():
            return candidate if parent.name == "marp-cli" else None
    return None


def load_version_cache(cache_file: Path | None) -> dict[str, str]:
    """The cached versions (stamp -> version); empty when there is no readable cache."""
    if cache_file is not None and cache_file.is_file():
        try:
            data = json.loads(cache_file.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            return {}
        if isinstance(data, dict):  # anything else is a damaged cache: start afresh
            return {str(k): str(v) for k, v in data.items()}
    return {}


def save_version_cache(cache_file: Path, cache: dict[str, str]) -> None:
    """Write the cache atomically; a cache that cannot be written is skipped silently."""
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_name(f".{cache_file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(cache, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, cache_file)
    except OSError:
        pass  # a cache that cannot be written only costs time
