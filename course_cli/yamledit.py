"""Text-level edits of course.yaml that keep the user's comments, order and formatting.

A round-trip YAML dump would re-indent and re-flow the file; instead the new lesson is
inserted as a block of lines, indented like its neighbours, and the result is re-parsed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from course_cli.config import Lesson
from course_cli.errors import ConfigError
from course_cli.yamlpos import load_yaml

_PLAIN = re.compile(r"[A-Za-z0-9(][\w .,()&+/'’–—-]*")


def yaml_scalar(text: str) -> str:
    """Return ``text`` as a YAML scalar: plain when safe, else double-quoted."""
    if _PLAIN.fullmatch(text) and not text.endswith((" ", ":")) and text.lower() not in {
        "yes", "no", "true", "false", "on", "off", "null", "~",
    } and not re.fullmatch(r"[\d.]+", text):
        return text
    return json.dumps(text, ensure_ascii=False)


def add_lesson(config_path: Path, lesson: Lesson) -> str:
    """Return the text of course.yaml with ``lesson`` inserted in number order.

    Raises ConfigError if the file cannot hold a new entry (e.g. ``lessons`` is not a list).
    """
    text = config_path.read_text(encoding="utf-8")
    doc = load_yaml(config_path)
    data = doc.data
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    seq = data.get("lessons") if data is not None else None
    if seq is None or (hasattr(seq, "__len__") and len(seq) == 0):
        return _append_first(lines, data, lesson)
    if not isinstance(seq, list) or not hasattr(seq, "lc"):
        raise ConfigError([f"{config_path.name}: lessons: must be a list to add a lesson"])
    positions: Any = seq.lc  # ruamel's line/column record of the sequence
    first_line, key_col = positions.item(0)
    dash_col = lines[first_line].index("-")
    block = _block(lesson, dash_col, key_col)
    after = [i for i, item in enumerate(seq) if _number(item) > lesson.number]
    if after:
        at = positions.item(after[0])[0]
        # keep comment lines that introduce the next item attached to it
        while at > 0 and lines[at - 1].strip().startswith("#") and _indent(lines[at - 1]) >= dash_col:
            at -= 1
    else:
        at = _end_of_sequence(lines, first_line, dash_col)
    new_text = "".join(lines[:at] + block + lines[at:])
    return new_text


def _number(item: object) -> int:
    try:
        return int(item["number"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return 0


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block(lesson: Lesson, dash_col: int, key_col: int) -> list[str]:
    pad, key_pad = " " * dash_col, " " * key_col
    out = [f"{pad}-{' ' * (key_col - dash_col - 1)}number: {lesson.number}\n"]
    out.append(f"{key_pad}title: {yaml_scalar(lesson.title)}\n")
    if lesson.summary:
        out.append(f"{key_pad}summary: {yaml_scalar(lesson.summary)}\n")
    return out


def _end_of_sequence(lines: list[str], start: int, dash_col: int) -> int:
    """Index after the last line that belongs to the sequence starting at ``start``."""
    last = start
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            continue  # belongs to the sequence only if another item follows
        indent = _indent(lines[i])
        if indent < dash_col or (indent == dash_col and not stripped.startswith("-")):
            break
        last = i
    return last + 1


def _append_first(lines: list[str], data: object, lesson: Lesson) -> str:
    block = _block(lesson, 2, 4)
    out = [ln for ln in lines if not re.match(r"^lessons:\s*(\[\s*\])?\s*(#.*)?$", ln)]
    if out and out[-1].strip():
        out.append("\n")
    return "".join([*out, "lessons:\n", *block])
