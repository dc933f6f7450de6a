"""Text-level edits of course.yaml that keep the user's comments, order and formatting.

A round-trip YAML dump would re-indent and re-flow the file; instead the new lesson is
inserted as a block of lines, indented like its neighbours, and the result is re-parsed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from course_cli.core.config import Lesson
from course_cli.core.errors import ConfigError
from course_cli.core.yamlpos import load_yaml


def yaml_scalar(text: str) -> str:
    """Return ``text`` as a YAML scalar: plain when YAML reads it back as the same string,
    else double-quoted (JSON strings are valid YAML). Dates, numbers, booleans, ``null``,
    leading indicators and ``: ``/`` #`` all end up quoted."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    plain = (
        text == text.strip()
        and "\n" not in text
        and not text.startswith(tuple("[]{},&*!|>'\"%@`#-?:"))
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
    )
    if plain:
        import yaml  # YAML 1.1 too: other readers of course.yaml must see the same string

        try:
            same = YAML(typ="safe", pure=True).load(text) == text == yaml.safe_load(text)
        except (YAMLError, yaml.YAMLError):
            same = False
        if same:
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
    if not isinstance(seq, list) or not hasattr(seq, "lc") or not hasattr(seq, "fa"):
        raise ConfigError([f"{config_path.name}: lessons: must be a list to add a lesson"])
    style: Any = seq.fa  # ruamel's record of block vs flow style
    if style.flow_style():
        line = doc.line_of(("lessons",))
        raise ConfigError(
            [
                f"{config_path.name}:{line}: lessons: written as a [flow] list; "
                "add the lesson by hand"
            ],
            hint="or rewrite lessons as a block list (one '- number: …' item per lesson)",
        )
    positions: Any = seq.lc  # ruamel's line/column record of the sequence
    first_line, key_col = positions.item(0)
    dash_line = first_line
    while dash_line > 0 and not lines[dash_line].lstrip().startswith("-"):
        dash_line -= 1  # an item written as a lone "-" line followed by its keys
    dash_col = _indent(lines[dash_line])
    key_col = max(key_col, dash_col + 2)
    block = _block(lesson, dash_col, key_col)
    after = [i for i, item in enumerate(seq) if _number(item) > lesson.number]
    if after:
        at = positions.item(after[0])[0]
        # keep comment lines that introduce the next item attached to it
        while at > 0 and _is_comment_at(lines[at - 1], dash_col):
            at -= 1
    else:
        at = _end_of_sequence(lines, first_line, dash_col)
    new_text = "".join(lines[:at] + block + lines[at:])
    _validate(config_path, new_text, lesson)
    return new_text


def _validate(config_path: Path, text: str, lesson: Lesson) -> None:
    """Re-read the edited text; raises ConfigError if it no longer holds ``lesson`` intact."""
    import tempfile

    from course_cli.core.config import load_course

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / config_path.name).write_text(text, encoding="utf-8")
        try:
            course = load_course(Path(tmp))
        except ConfigError as exc:
            raise ConfigError(
                [
                    f"{config_path.name}: adding lesson {lesson.number} would break the file: {m}"
                    for m in exc.messages
                ],
                hint="nothing was written; add the lesson to course.yaml by hand",
            ) from None
    added = [x for x in course.lessons if x.number == lesson.number]
    if not added or (added[0].title, added[0].summary) != (lesson.title, lesson.summary):
        raise ConfigError(
            [f"{config_path.name}: could not add lesson {lesson.number} faithfully"],
            hint="nothing was written; add the lesson to course.yaml by hand",
        )


def _is_comment_at(line: str, col: int) -> bool:
    return line.strip().startswith("#") and _indent(line) >= col


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
    new_text = "".join([*out, "lessons:\n", *block])
    _validate(Path("course.yaml"), new_text, lesson)
    return new_text
