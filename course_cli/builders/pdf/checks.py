"""What pandoc, TeX and typst say, turned into errors that name the source file and line.

pandoc exits 0 after "Could not convert TeX math", "Could not fetch resource" and "Missing
character", each a broken PDF; a TeX error names a line of pandoc's generated .tex, not of the
Markdown. These functions find the Markdown line from the offending text. Also here:
:func:`typst_incompatibilities`, the lint ``course check`` runs on conspects built with typst.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from course_cli.core.errors import ToolFailedError

_TEXMATH_RE = re.compile(
    r"\[WARNING\] Could not convert TeX math\s(?P<math>.*?), rendering as TeX:\n(?P<detail>.*?)"
    r"(?=\n\[\w+\]|\Z)",
    re.S,
)
_FETCH_RE = re.compile(r"\[WARNING\] Could not fetch resource '?(?P<res>[^':\n]+?)'?(?::|\n|$)")
_MISSING_CHAR_RE = re.compile(
    r"Missing character:? (?:There is no )?(?P<char>\S+)(?: \((?P<code>U\+[0-9A-Fa-f]+)\))?"
    r"(?: in font (?P<font>[^/:;!\n]+))?"
)
_TEX_ERROR_RE = re.compile(r"^! (?P<msg>.+)$", re.M)
_TEX_LINE_RE = re.compile(r"^l\.(?P<num>\d+) (?P<ctx>.*)$", re.M)
_CSNAME_RE = re.compile(r"\\[A-Za-z@]+")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")


def _lines(text: str) -> list[str]:
    return text.splitlines()


def find_line(text: str, needle: str) -> int | None:
    """1-based number of the first line of ``text`` containing ``needle`` (a stripped piece)."""
    needle = needle.strip()
    if not needle:
        return None
    for i, line in enumerate(_lines(text), 1):
        if needle in line:
            return i
    return None


def _math_line(text: str, formula: str, detail: str) -> int | None:
    """Where a formula pandoc could not convert sits in the Markdown."""
    first = formula.strip().splitlines()[0] if formula.strip() else ""
    culprit = re.findall(r"unexpected control sequence (\\[A-Za-z@]+)", detail)
    for probe in (*culprit, first, first[:40], *_CSNAME_RE.findall(formula)):
        line = find_line(text, probe)
        if line:
            return line
    return None


def pandoc_problems(name: str, text: str, stderr: str) -> ToolFailedError | None:
    """The broken-output warnings in pandoc's ``stderr`` as one error, or None if there are none.

    ``name`` is the conspect as the user knows it, ``text`` its Markdown (for line numbers).
    """
    found: list[tuple[int, str]] = []

    def add(line: int | None, message: str) -> None:
        item = (line or 0, f"{name}:{line}: {message}" if line else f"{name}: {message}")
        if item not in found:  # the typst route may report one formula twice
            found.append(item)

    for m in _TEXMATH_RE.finditer(stderr):
        formula = m.group("math")
        details = [ln.strip() for ln in m.group("detail").splitlines()]
        reason = next((ln for ln in details if ln.startswith("unexpected")), "")
        shown = " ".join(formula.split())
        if len(shown) > 90:
            shown = shown[:87] + "..."
        why = f" ({reason})" if reason else ""
        add(
            _math_line(text, formula, m.group("detail")),
            f"could not convert TeX math: {shown}{why}",
        )
    for m in re.finditer(r"Undefined reference (\\\w+\{[^}]*\})", stderr):
        add(find_line(text, m.group(1)), f"undefined reference {m.group(1)} (no such \\label)")
    for m in re.finditer(r"\[WARNING\] Citeproc: citation (\S+) not found", stderr):
        key = m.group(1)
        add(find_line(text, "@" + key), f"unknown citation key {key} (not in the bibliography)")
    for m in _FETCH_RE.finditer(stderr):
        res = m.group("res").strip()
        add(find_line(text, res), f"missing image or resource: {res}")
    for m in _MISSING_CHAR_RE.finditer(stderr):
        char, code, font = m.group("char"), m.group("code"), m.group("font")
        what = f"{char!r}" + (f" ({code})" if code else "")
        add(
            find_line(text, char),
            f"no glyph for {what}" + (f" in font {font.strip()}" if font else ""),
        )
    found.sort(key=lambda item: item[0])
    messages = [message for _, message in found]
    if not messages:
        return None
    hints = []
    if any("TeX math" in f for f in messages):
        hints.append(
            "define the macro in materials/macros.tex, or use a LaTeX engine (engine: xelatex)"
        )
    if any("undefined reference" in f for f in messages):
        hints.append(
            "a numbered equation is $$ … \\label{eq:name} $$, referenced as \\eqref{eq:name}"
        )
    if any("unknown citation" in f for f in messages):
        hints.append("add the entry to materials/book/refs.bib or fix the key")
    if any("missing image" in f for f in messages):
        hints.append("image paths are relative to the conspect's folder")
    if any("no glyph" in f for f in messages):
        hints.append("use a character the DejaVu fonts have, or write it as math")
    return ToolFailedError("\n".join(messages), hint="; ".join(hints) or None)


def _tex_source_line(text: str, context: str) -> int | None:
    """The Markdown line nearest to the TeX error context ``l.NN <context>``."""
    names = [n for n in _CSNAME_RE.findall(context) if n not in ("\\(", "\\)", "\\[", "\\]")]
    words = _WORD_RE.findall(context)
    if not names and not words:  # e.g. a lone non-Latin character
        return find_line(text, context.strip()[-12:])
    best, best_score = None, 0
    for i, line in enumerate(_lines(text), 1):
        score = 0
        if names and names[-1] in line:
            score += 10  # TeX stops right after the command it choked on
        score += sum(1 for w in words if w in line)
        if score > best_score:
            best, best_score = i, score
    return best


_RUNAWAY_RE = re.compile(
    r"(?:File ended while scanning use of|Paragraph ended before) (?P<cs>\\[A-Za-z@]+)"
)


def _unbalanced_line(text: str, command: str) -> int | None:
    """The line of the first ``command`` whose braces do not close within its paragraph.

    TeX reports a runaway argument ("File ended while scanning use of \\frac") without a line
    number: the culprit is the first use of the command that opens more braces than it closes
    before the next blank line (the end of its paragraph).
    """
    for m in re.finditer(re.escape(command) + r"(?![A-Za-z@])", text):
        end = text.find("\n\n", m.end())
        rest = re.sub(r"\\[{}]", "", text[m.end() : end if end != -1 else len(text)])
        if rest.count("{") > rest.count("}"):
            return text.count("\n", 0, m.start()) + 1
    return None


def latex_failure(name: str, text: str, stderr: str, engine: str) -> ToolFailedError:
    """The error for a failed pandoc -> LaTeX -> PDF run: conspect:line, TeX message, context."""
    msgs = [m.group("msg").strip() for m in _TEX_ERROR_RE.finditer(stderr)]
    ctx = _TEX_LINE_RE.search(stderr)
    if not msgs:
        tail = "\n".join(ln for ln in stderr.splitlines() if ln.strip())[-1500:]
        return ToolFailedError(f"{name}: pandoc failed ({engine})", hint=tail or None)
    line = _tex_source_line(text, ctx.group("ctx")) if ctx else None
    context = f" near: {ctx.group('ctx').strip()}" if ctx else ""
    hint = None
    runaway = _RUNAWAY_RE.search(msgs[0])
    if runaway:
        line = line or _unbalanced_line(text, runaway.group("cs"))
        hint = f"a {{ after {runaway.group('cs')} is not closed: check the braces of its arguments"
    where = f"{name}:{line}" if line else name
    if "Unicode character" in msgs[0]:
        hint = "pdflatex has no glyphs for this text: use engine xelatex or lualatex"
    if "Undefined control sequence" in msgs[0]:
        hint = (
            "define the macro in materials/macros.tex (one \\newcommand a line) or fix its spelling"
        )
    return ToolFailedError(f"{where}: {engine}: {msgs[0]}{context}", hint=hint)


def typst_failure(name: str, text: str, stderr: str) -> ToolFailedError:
    """The error for a failed typst compile; the Markdown line when the quoted code is there."""
    lines = [
        ln.rstrip() for ln in stderr.splitlines() if ln.strip() and "Error producing PDF" not in ln
    ]
    msg = next((ln.strip() for ln in lines if ln.strip().startswith("error")), "")
    msg = msg or (lines[0].strip() if lines else "failed")
    where = name
    for quoted in re.findall(r"^\s*\d+\s*│\s?(.*)$", stderr, re.M):
        line = find_line(text, quoted.strip()[:60])
        if line:
            where = f"{name}:{line}"
            break
    return ToolFailedError(
        f"{where}: typst: {msg}",
        hint="\n".join(lines[-10:]) + "\ntry a LaTeX engine: course build pdf --engine xelatex",
    )


# --------------------------------------------------------------------------- typst lint

#: TeX math that pandoc's TeX reader cannot convert for typst (measured with pandoc 3.9).
_TYPST_MATH = {
    r"\intertext": "\\intertext", r"\shortintertext": "\\shortintertext", r"\mkern": "\\mkern",
    r"\mathbbm": "\\mathbbm", r"\smash": "\\smash", r"\vphantom": "\\vphantom",
    r"\textcolor": "\\textcolor", r"\sideset": "\\sideset", r"\mathclap": "\\mathclap",
    r"\mathrlap": "\\mathrlap", r"\mathllap": "\\mathllap", r"\bmod": "\\bmod",
    r"\genfrac": "\\genfrac", r"\middle": "\\middle", r"\verb": "\\verb",
    r"\begin{subarray}": "subarray",
}  # fmt: skip
#: Raw LaTeX outside math that the typst writer drops silently.
_RAW_LATEX = re.compile(
    r"\\(newpage|clearpage|pagebreak|vspace|hspace|noindent|centering|cite[pt]?|citep|"
    r"autoref|cref|Cref|pageref|footnote|includegraphics|input|include|usepackage|"
    r"DeclareMathOperator|renewcommand)(?![A-Za-z])"
    r"|\\begin\{(figure|table|tikzpicture|algorithm|algorithmic|center|minipage|tabular|"
    r"itemize|enumerate|description|verbatim|lstlisting|minted|theorem|lemma|proof|definition)\}"
)
_FENCE_RE = re.compile(r"^\s*(```|~~~)")


def _without_code(text: str) -> str:
    """``text`` with fenced code blocks and inline code blanked out (line numbers kept)."""
    out = []
    fence: str | None = None
    for line in text.splitlines():
        m = _FENCE_RE.match(line)
        if m and (fence is None or fence == m.group(1)):
            fence = m.group(1) if fence is None else None
            out.append("")
        elif fence:
            out.append("")
        else:
            out.append(re.sub(r"`[^`\n]*`", "", line))
    return "\n".join(out)


_DISPLAY_RE = re.compile(
    r"\$\$(?P<a>.*?)\$\$|\\begin\{(?P<env>align|gather|multline|flalign|alignat)\*?\}(?P<b>.*?)"
    r"\\end\{(?P=env)\*?\}",
    re.S,
)


# Scripts the fonts built into typst (Libertinus Serif, New Computer Modern, DejaVu Sans Mono)
# cover: Latin, Greek, Cyrillic, punctuation, letterlike symbols, arrows and math operators.
_TYPST_BUILTIN_RANGES = (
    (0x0000, 0x052F), (0x1E00, 0x1FFF), (0x2000, 0x22FF), (0x27E8, 0x27EF), (0x1D400, 0x1D7FF),
    (0xFB00, 0xFB06),
)  # fmt: skip


def missing_glyphs(text: str, font_files: list[Path]) -> list[tuple[int, str]]:
    """Characters of ``text`` that neither typst's built-in fonts nor ``font_files`` have:
    ``[(line, char)]``, first occurrence of each. Font files are read only when the text has
    a character outside the built-in fonts' scripts."""
    wanted: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        for ch in line:
            code = ord(ch)
            if ch not in wanted and not any(a <= code <= b for a, b in _TYPST_BUILTIN_RANGES):
                wanted[ch] = number
    if not wanted:
        return []
    covered = _coverage(tuple(font_files))
    return [(line, ch) for ch, line in wanted.items() if ord(ch) not in covered]


@functools.lru_cache(maxsize=4)
def _coverage(font_files: tuple[Path, ...]) -> frozenset[int]:
    """Every code point some font in ``font_files`` maps (fontTools; unreadable fonts skip)."""
    from fontTools.ttLib import TTCollection, TTFont  # type: ignore[import-untyped]

    codes: set[int] = set()
    for path in font_files:
        try:
            fonts = (TTCollection(str(path), lazy=True).fonts if path.suffix.lower() == ".ttc"
                     else [TTFont(str(path), lazy=True)])  # fmt: skip
            for font in fonts:
                cmap = font.getBestCmap()
                if cmap:
                    codes.update(cmap)
        except Exception:  # a broken font file covers nothing
            continue
    return frozenset(codes)


def typst_incompatibilities(markdown_text: str) -> list[tuple[int, str]]:
    """Constructs of a conspect that the typst engine cannot render right: [(line, message)].

    Each message says what to do; the usual answer is a LaTeX engine (``engine: xelatex``
    in the front matter). Code blocks and inline code are ignored.
    """
    text = _without_code(markdown_text)
    found: set[tuple[int, str]] = set()
    for number, line in enumerate(text.splitlines(), 1):
        for needle, shown in _TYPST_MATH.items():
            if needle in line:
                found.add(
                    (
                        number,
                        f"{shown} is not supported by pandoc's typst math writer; "
                        "needs a LaTeX engine",
                    )
                )
        for m in _RAW_LATEX.finditer(line):
            what = m.group(0)
            if what.startswith("\\cite"):
                advice = "write a citation as [@key]"
            elif m.group(2) in {"theorem", "lemma", "proof", "definition"}:
                advice = f"write it as a ::: {{.{m.group(2)}}} fenced div"
            else:
                advice = "needs a LaTeX engine"
            found.add((number, f"raw LaTeX {what} is dropped by the typst writer; {advice}"))
        if re.search(r"\\(h|m)space\{\s*-", line):
            found.add((number, "a negative \\hspace/\\mspace in math fails in typst; use \\!"))
    div_ids = set(re.findall(r"^:::+\s*\{[^}]*#([\w:.-]+)", text, re.M))
    for number, line in enumerate(text.splitlines(), 1):
        for name in re.findall(r"\\(?:eq)?ref\{([^}]*)\}", line):
            if name in div_ids:
                found.add(
                    (
                        number,
                        f"\\ref{{{name}}} points at a theorem-like block: typst shows "
                        "?? (only equations are numbered there); needs a LaTeX engine",
                    )
                )
    for m in _DISPLAY_RE.finditer(text):
        body = m.group("a") if m.group("a") is not None else m.group("b")
        if len(re.findall(r"\\label\{", body)) > 1:
            number = text.count("\n", 0, m.start()) + 1
            found.add(
                (
                    number,
                    "several \\label in one display: typst numbers the block once; "
                    "split it or use a LaTeX engine",
                )
            )
    return sorted(found)
