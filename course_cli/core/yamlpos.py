"""YAML loading that remembers where every value came from, and comment-keeping edits.

ruamel.yaml's round-trip mode keeps line numbers, comments, key order and formatting, so the
same loader serves error messages (``course.yaml:14: …``) and ``course new-lesson``'s edits.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_cli.core.errors import ConfigError


@dataclass
class YamlDoc:
    """A parsed YAML file: ``data`` (ruamel round-trip objects) and its path."""

    path: Path
    data: Any

    def line_of(self, loc: Sequence[int | str]) -> int:
        """Return the 1-based line of the deepest node of ``loc`` that exists (1 if none)."""
        node = self.data
        line = 1
        for part in loc:
            lc = getattr(node, "lc", None)
            try:
                if isinstance(part, int):
                    if lc is not None:
                        line = lc.item(part)[0] + 1
                    node = node[part]
                else:
                    if lc is not None and part in node:
                        line = lc.key(part)[0] + 1
                    node = node[part]
            except (KeyError, IndexError, TypeError, AttributeError):
                break
        return line


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def load_yaml(path: Path, raw: bytes | None = None) -> YamlDoc:
    """Parse ``path`` (or ``raw``, its bytes already read); raises ConfigError with line and
    column on a syntax error."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        text = (path.read_bytes() if raw is None else raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path.name}: not valid UTF-8 (byte {exc.start})"]) from None
    except OSError as exc:
        raise ConfigError([f"{path.name}: cannot read: {exc.strerror}"]) from None
    try:
        data = _yaml().load(text)
    except RecursionError:
        raise ConfigError(
            [f"{path.name}: values are nested too deeply (more than {MAX_DEPTH} levels)"]
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path.name}:{mark.line + 1}:{mark.column + 1}" if mark else path.name
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([f"{where}: YAML syntax error: {problem}"]) from None
    except YAMLError as exc:
        raise ConfigError([f"{path.name}: YAML syntax error: {exc}"]) from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts (4,300)
        raise ConfigError([f"{path.name}: a value cannot be read: {exc}"]) from None
    check_bounds(data, path.name)
    return YamlDoc(path=path, data=data)


#: the deepest nesting and the most values (aliases expanded) course.yaml may hold
MAX_DEPTH = 32
MAX_VALUES = 50_000


def check_bounds(data: Any, name: str) -> None:
    """Raise ConfigError when ``data`` nests deeper than MAX_DEPTH or, with its aliases
    expanded, holds more than MAX_VALUES values (a "billion laughs" document).

    The walk stops at the first limit it passes, so it costs at most MAX_VALUES steps: the
    expansion is never built, neither here nor in a validation message later.
    """
    count = 0
    stack: list[tuple[Any, int, int]] = [(data, 0, 1)]
    while stack:
        node, depth, line = stack.pop()
        count += 1
        lc = getattr(node, "lc", None)
        here = (lc.line + 1) if lc is not None and lc.line is not None else line
        if depth > MAX_DEPTH:
            raise ConfigError(
                [f"{name}:{here}: values are nested too deeply (more than {MAX_DEPTH} levels)"]
            )
        if count > MAX_VALUES:
            raise ConfigError(
                [
                    f"{name}:{here}: more than {MAX_VALUES} values once YAML aliases are "
                    "expanded; refused (an alias bomb?)"
                ],
                hint="write the values out instead of nesting aliases",
            )
        if isinstance(node, dict):
            children: list[Any] = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = list(node)
        else:
            continue
        stack.extend((child, depth + 1, here) for child in children)


def dump_yaml(data: Any) -> str:
    """Serialise round-trip ``data`` back to text, keeping comments and order."""
    buf = io.StringIO()
    _yaml().dump(data, buf)
    return buf.getvalue()
