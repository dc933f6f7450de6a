"""``\\begin`` and ``\\end``: the document's bounds, numbered theorem-like environments (kept
as blocks), floats, lists and the stack of open environments."""

from __future__ import annotations

import re

from course_cli.latex.counters import roman
from course_cli.latex.equations import equation
from course_cli.latex.labels import label
from course_cli.latex.model import Block, BookError, Command, SourceFile
from course_cli.latex.state import Frame, State
from course_cli.latex.text import parse_args, skip_space
from course_cli.latex.vocabulary import BODY_RE, EQUATION_ENVS

_START_RE = re.compile(r"start\s*=\s*(\d+)")


def begin_env(st: State, src: SourceFile, fi: int, m: re.Match[str], g: int) -> int:
    """Open the environment at ``m``; return the offset where the scan goes on."""
    args, end = parse_args(src, m.end(), "m", "begin")
    env = str(args[0]).strip()
    if env == "document":
        return _begin_document(st, src, fi, m, g, end)
    if st.in_preamble:
        return end
    kind = st.env_alias.get(env, env)
    if kind.rstrip("*") in EQUATION_ENVS:
        return equation(st, src, fi, m, env, end, g, kind)
    frame = Frame(env, st.current, st.attach, fi, m.start())
    st.stack.append(frame)
    if env == "subequations":
        number = st.ctr.step("equation")
        st.current = ("equation", number)
        st.subeq.append([number, 0])
        st.attach = None
    elif env in st.tcb_prefix:
        end = _begin_tcb_theorem(st, src, fi, frame, end, g)
    elif env in st.env_counter:
        _begin_numbered(st, src, frame, end)
        end = max(end, _option_label(st, src, fi, end, g))
    elif env in st.floats:
        st.attach = None
    elif env == "enumerate":
        end = _begin_enumerate(st, src, end)
    else:
        end = _option_label(st, src, fi, end, g)
    return end


_LABEL_KEY_RE = re.compile(r"(?:^|,)\s*label\s*=\s*\{?([^,{}\]]+)\}?")


def _option_label(st: State, src: SourceFile, fi: int, end: int, g: int) -> int:
    """``\\begin{box}[label=x, …]`` (tcolorbox and others): a label given as an option."""
    nxt = skip_space(src.clean, end)
    if nxt >= len(src.clean) or src.clean[nxt] != "[":
        return end
    args, after = parse_args(src, end, "o", "begin")
    found = _LABEL_KEY_RE.search(args[0] or "")
    if found is None:
        return end
    label(st, found.group(1).strip(), fi, src.line_of(nxt), g)
    return after


def _begin_tcb_theorem(st: State, src: SourceFile, fi: int, frame: Frame, end: int, g: int) -> int:
    """A ``\\newtcbtheorem`` environment: ``\\begin{theo}[opts]{Title}{key}`` is numbered
    and labelled ``prefix:key``."""
    counter = st.env_counter.get(frame.env)
    if counter is not None:
        st.current, st.attach = (frame.env, st.ctr.step(counter)), None
        frame.number = st.current[1]
    args, after = parse_args(src, end, "omm", frame.env)
    frame.head_end = after
    key = str(args[2]).strip()
    if key:
        label(st, f"{st.tcb_prefix[frame.env]}:{key}", fi, src.line_of(end), g)
    found = _LABEL_KEY_RE.search(args[0] or "")
    if found is not None:
        label(st, found.group(1).strip(), fi, src.line_of(end), g)
    return after


def _begin_document(st: State, src: SourceFile, fi: int, m: re.Match[str], g: int, end: int) -> int:
    if not st.in_preamble:
        raise BookError(f"{src.where(m.start())}: a second \\begin{{document}}")
    st.in_preamble = False
    if st.label_macros:  # the body scan stops at user macros that \label too
        names = "|".join(sorted(map(re.escape, st.label_macros), key=len, reverse=True))
        st.body_re = re.compile(
            BODY_RE.pattern.replace(")(?![A-Za-z@])", f"|{names})(?![A-Za-z@])", 1)
        )
    st.begin_doc = g
    st.commands.append(Command("begin-document", (), fi, m.start(), end, g))
    return end


def _begin_numbered(st: State, src: SourceFile, frame: Frame, end: int) -> None:
    """A theorem-like environment: step its counter, read its ``[note]``."""
    counter = st.env_counter[frame.env]
    if counter is not None:
        st.current = (frame.env, st.ctr.step(counter))
        st.attach = None
        frame.number = st.current[1]
        note, frame.head_end = parse_args(src, end, "o", frame.env)
        frame.note = note[0]


def _begin_enumerate(st: State, src: SourceFile, end: int) -> int:
    """A new ``enumerate`` level (enumitem's ``start=`` and ``resume`` understood)."""
    depth = sum(1 for f in st.stack if f.env == "enumerate")
    name = f"enum{roman(min(depth, 4)).lower()}"
    st.ctr.new(name, None)
    opts, end = parse_args(src, end, "o", "enumerate")
    start = _START_RE.search(opts[0] or "")
    if start:
        st.ctr.value[name] = int(start.group(1)) - 1
    elif "resume" not in (opts[0] or ""):  # enumitem's [resume] continues the count
        st.ctr.value[name] = 0
    st.attach = None
    return end


def end_env(st: State, src: SourceFile, m: re.Match[str]) -> int:
    """Close the environment at ``m`` (a numbered one becomes a :class:`Block`); return the
    offset after it. Raises BookError when it does not match the open environment."""
    args, end = parse_args(src, m.end(), "m", "end")
    env = str(args[0]).strip()
    if st.in_preamble:
        return end
    if env == "document":
        if st.stack:
            f = st.stack[-1]
            raise BookError(
                f"{st.files[f.file].where(f.pos)}: \\begin{{{f.env}}} is "
                f"closed by \\end{{document}} at {src.where(m.start())}"
            )
        st.done = True
        return end
    if not st.stack or st.stack[-1].env != env:
        raise BookError(f"{src.where(m.start())}: \\end{{{env}}} does not match {_open(st)}")
    frame = st.stack.pop()
    if frame.number is not None and frame.file == st.by_path.get(src.path, -1):
        st.blocks.append(Block(env, st.env_names.get(env, env.capitalize()), frame.number,
                               frame.note, frame.file, frame.pos, frame.head_end,
                               m.start(), end))  # fmt: skip
    if env == "subequations" and st.subeq:
        st.subeq.pop()
    st.current, st.attach = frame.current, frame.attach
    return end


def _open(st: State) -> str:
    """The innermost open environment and where it begins, for an error message."""
    if not st.stack:
        return "no open environment"
    top = st.stack[-1]
    return f"\\begin{{{top.env}}} at {st.files[top.file].where(top.pos)}"
