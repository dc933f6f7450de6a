"""Plain data (parsed YAML or JSON) checked into frozen dataclasses, every problem at once.

A dataclass field says how its value is checked: ``name: int = spec(integer(ge=1), default=3)``.
:func:`validate_fields` checks a mapping against a dataclass's fields and returns the keyword
arguments for it; each problem is a ``(location, message)`` pair, the location a tuple of keys
and list indexes (``("lessons", 3, "number")``) that the caller turns into a file line. A
field without ``default`` or ``factory`` is required; a key the class has no field for is
refused with a "did you mean". Nothing here imports more than the standard library, so loading
a course costs what its checks cost.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

Loc = tuple[int | str, ...]
Problem = tuple[Loc, str]
#: a check: (value, where it is, the problems so far) -> the checked value, or BAD after
#: adding a problem
Check = Callable[[Any, Loc, list[Problem]], Any]

#: what a check returns for a value it refused (it has added the problem)
BAD: Any = object()
_CHECK = "course_check"


def spec(
    check: Check, default: Any = dataclasses.MISSING, factory: Any = dataclasses.MISSING
) -> Any:
    """A dataclass field checked by ``check``; required unless it has a default or factory."""
    return dataclasses.field(default=default, default_factory=factory, metadata={_CHECK: check})


def _refuse(problems: list[Problem], loc: Loc, message: str, given: Any = None) -> Any:
    if _is_bool(given):  # an anchored YAML boolean is an int to ruamel: say True/False
        given = bool(given)
    if given is not None and not isinstance(given, dict | list):
        message = f"{message} (got {given!r})"
    problems.append((loc, message))
    return BAD


def text(*, min_length: int = 0, one_line: bool = False) -> Check:
    """A string (not a number); at least ``min_length`` characters; no line break."""

    def check(value: Any, loc: Loc, problems: list[Problem]) -> Any:
        if not isinstance(value, str):
            return _refuse(problems, loc, "input should be a valid string", value)
        if len(value) < min_length:
            unit = "character" if min_length == 1 else "characters"
            return _refuse(problems, loc, f"string should have at least {min_length} {unit}", value)
        if one_line and "\n" in value:
            return _refuse(problems, loc, "must be one line", value)
        return str(value)

    return check


def _is_bool(value: Any) -> bool:
    """A YAML boolean: ``bool``, or ruamel's ``ScalarBoolean`` (an anchored ``&a true``, an
    ``int`` underneath)."""
    return isinstance(value, bool) or type(value).__name__ == "ScalarBoolean"


def integer(*, ge: int | None = None, le: int | None = None, strict: bool = False) -> Check:
    """A whole number within the bounds: not a bool, not "3"; ``2.0`` only when not
    ``strict``."""

    def check(value: Any, loc: Loc, problems: list[Problem]) -> Any:
        whole_float = (
            not strict and isinstance(value, float) and math.isfinite(value) and value.is_integer()
        )
        if _is_bool(value) or not (isinstance(value, int) or whole_float):
            return _refuse(problems, loc, "input should be a valid integer", value)
        return _bounded(int(value), ge, le, loc, problems)

    return check


def number(*, ge: float | None = None) -> Check:
    """A finite number (an int or a float, not a bool), at least ``ge``."""

    def check(value: Any, loc: Loc, problems: list[Problem]) -> Any:
        if _is_bool(value) or not isinstance(value, int | float):
            return _refuse(problems, loc, "input should be a valid number", value)
        try:
            as_float = float(value)
        except OverflowError:
            as_float = math.inf
        if not math.isfinite(as_float):
            shown = value if isinstance(value, float) else f"{str(value)[:12]}…"
            return _refuse(problems, loc, "input should be a finite number", shown)
        checked = _bounded(value, ge, None, loc, problems)
        return BAD if checked is BAD else as_float

    return check


def _bounded(
    value: Any, ge: float | None, le: float | None, loc: Loc, problems: list[Problem]
) -> Any:
    if ge is not None and value < ge:
        return _refuse(problems, loc, f"input should be greater than or equal to {ge}", value)
    if le is not None and value > le:
        return _refuse(problems, loc, f"input should be less than or equal to {le}", value)
    return value


def boolean() -> Check:
    """true or false."""

    def check(value: Any, loc: Loc, problems: list[Problem]) -> Any:
        if not _is_bool(value):
            return _refuse(problems, loc, "input should be a valid boolean", value)
        return bool(value)

    return check


def one_of(options: tuple[str, ...]) -> Check:
    """One of ``options``; a near miss gets a "did you mean"."""
    quoted = [repr(o) for o in options]
    allowed = ", ".join(quoted[:-1]) + f" or {quoted[-1]}" if len(quoted) > 1 else quoted[0]

    def check(value: Any, loc: Loc, problems: list[Problem]) -> Any:
        if isinstance(value, str) and value in options:
            return str(value)
        message = f"{value!r} is not one of {allowed}"
        close = _close(str(value), options)
        if close:
            message += f" (did you mean {close!r}?)"
        problems.append((loc, message))
        return BAD

    return check


def optional(inner: Check) -> Check:
    """None (an empty YAML value, ``null``) or what ``inner`` accepts."""

    def check(value: Any, loc: Loc, problems: list[Problem]) -> Any:
        return None if value is None else inner(value, loc, problems)

    return check


def list_of(item: Check) -> Check:
    """A list whose every item ``item`` accepts."""

    def check(value: Any, loc: Loc, problems: list[Problem]) -> Any:
        if not isinstance(value, list):
            return _refuse(problems, loc, "input should be a valid list", value)
        out = [item(v, (*loc, i), problems) for i, v in enumerate(value)]
        return BAD if any(v is BAD for v in out) else out

    return check


def dict_of(item: Check) -> Check:
    """A mapping of text keys whose every value ``item`` accepts."""

    def check(value: Any, loc: Loc, problems: list[Problem]) -> Any:
        if not isinstance(value, Mapping):
            return _refuse(problems, loc, "input should be a valid dictionary", value)
        out = {}
        for key, v in value.items():
            if not isinstance(key, str):  # shown as a key (.1), not as a list index ([1])
                out[key] = _refuse(problems, (*loc, repr(key)), "keys should be text", key)
            else:
                out[str(key)] = item(v, (*loc, key), problems)
        return BAD if any(v is BAD for v in out.values()) else out

    return check


def model(cls: type) -> Check:
    """A mapping checked against the dataclass ``cls``; the value is a ``cls``."""

    def check(value: Any, loc: Loc, problems: list[Problem]) -> Any:
        kwargs = validate_fields(cls, value, loc, problems)
        return BAD if kwargs is None else cls(**kwargs)

    return check


def before(transform: Callable[[Any], Any], inner: Check) -> Check:
    """``inner`` on ``transform(value)``; a ValueError from ``transform`` is the problem."""

    def check(value: Any, loc: Loc, problems: list[Problem]) -> Any:
        try:
            value = transform(value)
        except ValueError as exc:
            problems.append((loc, str(exc)))
            return BAD
        return inner(value, loc, problems)

    return check


def after(inner: Check, rule: Callable[[Any], Any]) -> Check:
    """``rule`` on what ``inner`` accepted; a ValueError from ``rule`` is the problem."""

    def check(value: Any, loc: Loc, problems: list[Problem]) -> Any:
        value = inner(value, loc, problems)
        if value is BAD:
            return BAD
        try:
            return rule(value)
        except ValueError as exc:
            problems.append((loc, str(exc)))
            return BAD

    return check


def field_names(cls: type) -> list[str]:
    """The keys a mapping for ``cls`` may have."""
    return [f.name for f in dataclasses.fields(cls) if _CHECK in f.metadata]


def validate_fields(
    cls: type, value: Any, loc: Loc, problems: list[Problem]
) -> dict[str, Any] | None:
    """The keyword arguments for ``cls`` from the mapping ``value``; None when a problem was
    found (added to ``problems``). Absent fields are left to the dataclass's defaults."""
    if not isinstance(value, Mapping):
        _refuse(problems, loc, "input should be a mapping of keys", value)
        return None
    before_count = len(problems)
    kwargs: dict[str, Any] = {}
    names = []
    for f in dataclasses.fields(cls):
        check = f.metadata.get(_CHECK)
        if check is None:
            continue
        names.append(f.name)
        if f.name in value:
            kwargs[f.name] = check(value[f.name], (*loc, f.name), problems)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            problems.append(((*loc, f.name), "required field is missing"))
    for key in value:
        if key not in names:
            message = f"unknown key {key!r}"
            close = _close(str(key), names)
            if close:
                message += f" (did you mean {close!r}?)"
            else:
                message += f" (allowed: {', '.join(sorted(names))})"
            problems.append(((*loc, key), message))
    return None if len(problems) > before_count else kwargs


def _close(word: str, options: Any) -> str | None:
    import difflib

    matches = difflib.get_close_matches(word, list(options), n=1)
    return matches[0] if matches else None


def field_path(loc: Loc) -> str:
    """``("lessons", 3, "number")`` as ``lessons[3].number``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
