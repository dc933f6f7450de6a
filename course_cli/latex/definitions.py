"""Preamble definitions that change numbering: theorem environments, counters and their
aliases, floats with their own counter, environments that wrap numbered ones, user macros
that declare theorems or place labels."""

from __future__ import annotations

import re

from course_cli.latex.counters import Counters
from course_cli.latex.model import SourceFile
from course_cli.latex.state import State
from course_cli.latex.text import parse_args, read_group, skip_space
from course_cli.latex.vocabulary import (
    CHAPTER_CLASSES,
    EQUATION_ENVS,
    PREAMBLE_RE,
    THEOREM_MACRO_HINTS,
)

_LET_RE = re.compile(r"\\c@([A-Za-z]+)\s*=?\s*\\c@([A-Za-z]+)")
_DEF_RE = re.compile(r"\s*\{?\\([A-Za-z@]+)\}?\s*(?:\[(\d)\]|((?:#\d)*))")
_LABELS_RE = re.compile(r"\\(label|refstepcounter)(?![A-Za-z@])")


def preamble_macro(st: State, src: SourceFile, m: re.Match[str]) -> int:
    """Follow what numbering needs from preamble definitions: counter aliases
    (``\\newaliascnt``, ``\\let\\c@a\\c@b``) and user macros that declare theorems.
    Returns the offset where the scan goes on."""
    name = m.group(1)
    if name == "newaliascnt":
        return _newaliascnt(st, src, m)
    if name == "let":
        return _let(st, src, m)
    if name in {"newtcbtheorem", "renewtcbtheorem"}:
        return _newtcbtheorem(st, src, m)
    if name in {"counterwithin", "@addtoreset"}:
        return _counterwithin(st, src, m)
    if name in {"newenvironment", "renewenvironment"}:
        return newenvironment(st, src, m)
    if name in {"usepackage", "newfloat", "DeclareFloatingEnvironment"}:
        return new_float(st, src, m)
    if name in {"def", "newcommand", "renewcommand", "providecommand"}:
        return _define(st, src, m)
    if name in st.macros:
        return _expand_theorem_macro(st, src, m)
    return m.end()


def _newaliascnt(st: State, src: SourceFile, m: re.Match[str]) -> int:
    args, end = parse_args(src, m.end(), "mm", m.group(1))
    a, b = str(args[0]).strip(), str(args[1]).strip()
    st.ctr.new(a, st.ctr.within.get(b))
    st.ctr.alias[a] = b
    return end


def _newtcbtheorem(st: State, src: SourceFile, m: re.Match[str]) -> int:
    """tcolorbox's ``\\newtcbtheorem[init]{env}{Name}{options}{prefix}``: numbered (within
    ``number within=``, or sharing ``use counter from=``), labelled ``prefix:key``."""
    args, end = parse_args(src, m.end(), "ommmm", m.group(1))
    env, init = str(args[1]).strip(), args[0] or ""
    st.env_names[env] = " ".join(str(args[2]).split())
    st.tcb_prefix[env] = str(args[4]).strip()
    shared = re.search(r"use counter from\s*=\s*(\w+)", init)
    within = re.search(r"number within\s*=\s*(\w+)", init)
    if m.group(2) == "*" or re.search(r"no counter", init):
        st.env_counter[env] = None
    elif shared:
        st.env_counter[env] = st.env_counter.get(shared.group(1), shared.group(1))
    else:
        st.env_counter[env] = env
        st.ctr.new(env, within.group(1) if within else None)
    return end


def _counterwithin(st: State, src: SourceFile, m: re.Match[str]) -> int:
    """``\\counterwithin{child}{parent}`` (reset and print within, like ``\\numberwithin``);
    ``\\counterwithin*`` and ``\\@addtoreset`` reset only."""
    args, end = parse_args(src, m.end(), "mm", m.group(1))
    child, parent = str(args[0]).strip(), str(args[1]).strip()
    if m.group(1) == "counterwithin" and m.group(2) != "*":
        st.ctr.new(child, None)
        st.ctr.within[child] = parent
        st.ctr.conditional.discard(child)
    else:
        st.ctr.resets.setdefault(parent, set()).add(child)
    return end


def _let(st: State, src: SourceFile, m: re.Match[str]) -> int:
    let = _LET_RE.match(src.clean[m.end() : m.end() + 80].strip())
    if let:
        st.ctr.new(let.group(1), st.ctr.within.get(let.group(1)))
        st.ctr.alias[let.group(1)] = let.group(2)
    return m.end()


def _define(st: State, src: SourceFile, m: re.Match[str]) -> int:
    """``\\def``/``\\newcommand``: remember ``\\theenum…`` templates and macros whose body
    places labels or declares theorems."""
    text = src.clean
    d = _DEF_RE.match(text, m.end())
    if d is None:
        return m.end()
    nxt = skip_space(text, d.end())
    if nxt >= len(text) or text[nxt] != "{":
        return m.end()
    close = read_group(text, nxt)
    body = text[nxt + 1 : close - 1] if close > 0 else ""
    macro = d.group(1)
    nargs = int(d.group(2) or 0) or len(d.group(3) or "") // 2
    if nargs == 0 and (m.group(1) != "providecommand" or macro not in st.simple_macros):
        st.simple_macros[macro] = body.strip()
    if macro.startswith("the") and not re.fullmatch(r"theenum(i|ii|iii|iv)", macro):
        st.ctr.template[macro[3:]] = body.strip()
    if re.fullmatch(r"theenum(i|ii|iii|iv)", macro):
        st.enum_templates[macro[3:]] = body.strip()
    if _LABELS_RE.search(body):
        st.label_macros[macro] = (nargs, body)
    if any(h in body for h in THEOREM_MACRO_HINTS):
        st.macros[macro] = (nargs, body)
    return close if close > 0 else m.end()


def _expand_theorem_macro(st: State, src: SourceFile, m: re.Match[str]) -> int:
    """A use of a user macro that declares theorems: read its expansion's declarations."""
    name = m.group(1)
    nargs, body = st.macros[name]
    args, end = parse_args(src, m.end(), "m" * nargs, name)
    for k, arg in enumerate(args, 1):
        body = body.replace(f"#{k}", str(arg))
    tmp = SourceFile(src.path, src.name, body, body, [0])
    for t in PREAMBLE_RE.finditer(body):
        if t.group(1) == "newtheorem":
            newtheorem(st, tmp, t, t.group(2) == "*")
        elif t.group(1) == "declaretheorem":
            declaretheorem(st, tmp, t)
        elif t.group(1) == "newaliascnt":
            preamble_macro(st, tmp, t)
    return end


def newenvironment(st: State, src: SourceFile, m: re.Match[str]) -> int:
    """Remember environments that wrap a numbered one (``\\begin{equation}`` or
    ``\\csname equation\\endcsname`` in their begin code) so they number alike."""
    args, end = parse_args(src, m.end(), "moom", m.group(1))
    name, begin = str(args[0]).strip(), str(args[3])
    inner = re.search(r"\\begin\s*\{([A-Za-z*]+)\}|\\csname\s*([A-Za-z*]+)\s*\\endcsname", begin)
    if inner:
        target = inner.group(1) or inner.group(2)
        if target.rstrip("*") in EQUATION_ENVS:
            st.env_alias[name] = target
        elif target in st.env_counter:
            st.env_counter[name] = st.env_counter[target]
            st.env_names[name] = st.env_names.get(target, target)
    return end


def new_float(st: State, src: SourceFile, m: re.Match[str]) -> int:
    """Floats with their own counter: ``algorithm`` (package option ``[chapter]`` or
    ``[section]`` numbers within), ``\\newfloat{name}{ext}{Title}[within]``."""
    name = m.group(1)
    if name == "usepackage":
        args, end = parse_args(src, m.end(), "om", name)
        packages = {p.strip() for p in str(args[1]).split(",")}
        if packages & {"algorithm", "algorithm2e"}:
            opts = {o.strip() for o in (args[0] or "").split(",")}
            within = next((w for w in ("chapter", "section") if w in opts), None)
            # algorithm2e counts its floats with the counter algocf
            counter = "algocf" if "algorithm2e" in packages else "algorithm"
            st.ctr.new(counter, within)
            st.floats.update({"algorithm": counter, "algorithm*": counter})
        return end
    spec = "mmmo" if name == "newfloat" else "om"
    args, end = parse_args(src, m.end(), spec, name)
    parent: str | None
    if name == "newfloat":
        float_name, parent = str(args[0]).strip(), args[3]
    else:
        float_name = str(args[1]).strip()
        found = re.search(r"within\s*=\s*(\w+)", args[0] or "")
        parent = found.group(1) if found and found.group(1) != "none" else None
    st.ctr.new(float_name, parent.strip() if parent else None)
    st.floats[float_name] = float_name
    return end


def newtheorem(st: State, src: SourceFile, m: re.Match[str], star: bool) -> int:
    """``\\newtheorem{env}[shared]{Name}[within]``; returns the offset after it."""
    args, end = parse_args(src, m.end(), "mom", "newtheorem")
    name = str(args[0]).strip()
    st.env_names[name] = " ".join(str(args[2]).split())
    within = None
    if args[1] is None and not star:
        more, end2 = parse_args(src, end, "o", "newtheorem")
        within, end = more[0], end2
    if star:
        st.env_counter[name] = None
    elif args[1] is not None:
        st.env_counter[name] = st.env_counter.get(args[1].strip(), args[1].strip())
    else:
        st.env_counter[name] = name
        st.ctr.new(name, within.strip() if within else None)
    return end


def declaretheorem(st: State, src: SourceFile, m: re.Match[str]) -> int:
    """thmtools' ``\\declaretheorem[options]{env,…}``; returns the offset after it."""
    args, end = parse_args(src, m.end(), "om", "declaretheorem")
    opts = dict(
        [*kv.split("=", 1), ""][:2] for kv in (args[0] or "").replace(" ", "").split(",") if kv
    )
    for name in str(args[1]).replace(" ", "").split(","):
        st.env_names[name] = opts.get("name") or name.capitalize()
        shared = opts.get("sibling") or opts.get("sharenumber") or opts.get("sharecounter")
        if opts.get("numbered") == "no":
            st.env_counter[name] = None
        elif shared:
            st.env_counter[name] = st.env_counter.get(shared, shared)
        else:
            st.env_counter[name] = name
            st.ctr.new(name, opts.get("numberwithin") or opts.get("parent") or None)
    return end


def setcounter(st: State, src: SourceFile, m: re.Match[str], name: str) -> int:
    """``\\setcounter``/``\\addtocounter`` with a number (``secnumdepth`` included)."""
    args, end = parse_args(src, m.end(), "mm", name)
    counter, raw = str(args[0]).strip(), str(args[1]).strip()
    try:
        value = int(raw)
    except ValueError:
        return end
    if counter == "secnumdepth":
        st.ctr.secnumdepth = value + (st.ctr.secnumdepth if name == "addtocounter" else 0)
    elif counter in st.ctr.value:
        base = st.ctr.value[counter] if name == "addtocounter" else 0
        st.ctr.value[counter] = base + value
    return end


def numberwithin(st: State, src: SourceFile, m: re.Match[str]) -> int:
    """amsmath's ``\\numberwithin{child}{parent}``; returns the offset after it."""
    args, end = parse_args(src, m.end(), "omm", "numberwithin")
    child, parent = str(args[1]).strip(), str(args[2]).strip()
    st.ctr.new(child, None)
    st.ctr.within[child] = parent
    st.ctr.conditional.discard(child)
    return end


def documentclass(st: State, src: SourceFile, m: re.Match[str]) -> int:
    """``\\documentclass``: the class decides which counters exist (chapters or not)."""
    args, end = parse_args(src, m.end(), "om", "documentclass")
    st.docclass = str(args[1]).strip()
    st.ctr = Counters(st.docclass in CHAPTER_CLASSES)
    st.mainmatter = True
    return end
