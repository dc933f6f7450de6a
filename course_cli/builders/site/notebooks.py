"""The lessons' notebooks on the site: their pages, ``.ipynb`` files and saved files copied
next to the lesson page, and their titles for the links."""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from course_cli.builders.site.assets import copy_step
from course_cli.builders.site.links import Link
from course_cli.core.boundary import is_inside
from course_cli.engine.steps import BuildStep, Task, key_of


def notebook_copies(
    lesson_dir: Path, built: Path, page_dir: Path, solutions: bool
) -> tuple[list[BuildStep], list[Link]]:
    """Copy steps for a lesson's notebooks and their links on the lesson page.

    A notebook built by ``course build notebooks`` gets its page (``notebooks/NAME.html``),
    its ``.ipynb`` files and the files it saved. Without solutions the student rendering takes
    the place of the instructor one (``NAME.html``, ``NAME.ipynb``). A notebook not built yet
    is linked as its source ``.ipynb``.
    """
    from course_cli.builders.notebooks.source import find_notebooks

    steps: list[BuildStep] = []
    links: list[Link] = []
    dest = page_dir / "notebooks"
    for src in find_notebooks(lesson_dir):
        name = src.name
        page = built / f"{name}.html"
        if page.is_file():
            student_page, student_nb = (
                built / f"{name}.student.html",
                built / f"{name}.student.ipynb",
            )
            has_student = student_page.is_file() and student_nb.is_file()
            if solutions or not has_student:
                steps.append(_notebook_page_step(page, dest / f"{name}.html"))
                steps.append(copy_step(built / f"{name}.ipynb", dest / f"{name}.ipynb"))
            else:
                steps.append(_notebook_page_step(student_page, dest / f"{name}.html"))
                steps.append(copy_step(student_nb, dest / f"{name}.ipynb"))
            if has_student:
                steps.append(copy_step(student_nb, dest / f"{name}.student.ipynb"))
            files = built / f"{name}_files"
            if files.is_dir():
                for f in sorted(p for p in files.rglob("*") if p.is_file()):
                    steps.append(copy_step(f, dest / f.relative_to(built)))
            links.append(Link(notebook_title(src.source), f"notebooks/{name}.html"))
        elif src.ipynb is not None and is_inside(src.ipynb, lesson_dir.parents[1]):
            steps.append(copy_step(src.ipynb, dest / src.ipynb.name))
            links.append(Link(notebook_title(src.source), f"notebooks/{src.ipynb.name}"))
    return steps, links


_NB_HEADING = re.compile(r"^#\s?#\s+(.+?)\s*#*\s*$")
_IPYNB_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$")


def notebook_title(source: Path) -> str:
    """A notebook's title: the first ``#`` heading of its first Markdown cell, else its name
    in words ("policy_gradient" -> "Policy gradient")."""
    fallback = source.stem.replace("_", " ").replace("-", " ").strip().capitalize() or source.stem
    try:
        text = source.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return fallback
    lines: list[str] = []
    if source.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
        except (ValueError, AttributeError):
            return fallback
        for cell in cells:
            if isinstance(cell, dict) and cell.get("cell_type") == "markdown":
                body = cell.get("source", "")
                lines = ("".join(body) if isinstance(body, list) else str(body)).splitlines()
                break
        pattern = _IPYNB_HEADING
    else:
        pattern = _NB_HEADING
        in_markdown = False
        for line in text.splitlines():
            if line.startswith("# %%"):
                if in_markdown:
                    break
                in_markdown = "[markdown]" in line or "[md]" in line
            elif in_markdown:
                lines.append(line)
    for line in lines:
        m = pattern.match(line)
        if m:
            return plain_math(m.group(1).replace("`", ""))
    return fallback


#: inline math as pandoc reads it: no space inside either dollar, no digit after the closing
#: one, an escaped dollar (``\$5``) is money
_MATH = re.compile(r"(?<!\\)\$(?=\S)((?:[^$\\]|\\.)*?(?:[^\s$\\]|\\.))\$(?!\d)")
_COMMAND = re.compile(r"\\([A-Za-z]+|[^A-Za-z])")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
#: what a command in a title's math reads as in plain text (other Greek letters: by their
#: Unicode names)
_SYMBOLS = {
    "lambda": "λ", "Lambda": "Λ", "phi": "ϕ", "varphi": "φ", "varepsilon": "ε",
    "vartheta": "ϑ", "varrho": "ϱ", "varsigma": "ς", "varpi": "ϖ", "ell": "ℓ", "hbar": "ℏ",
    "cdot": "·", "times": "×", "pm": "±", "mp": "∓", "circ": "∘", "ast": "∗", "star": "⋆",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈",
    "equiv": "≡", "propto": "∝", "sim": "~", "infty": "∞", "nabla": "∇", "partial": "∂",
    "sum": "Σ", "prod": "Π", "int": "∫", "sqrt": "√", "in": "∈", "notin": "∉",
    "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩", "emptyset": "∅",
    "forall": "∀", "exists": "∃", "neg": "¬", "land": "∧", "lor": "∨", "top": "⊤",
    "perp": "⊥", "to": "→", "rightarrow": "→", "gets": "←", "leftarrow": "←",
    "Rightarrow": "⇒", "Leftarrow": "⇐", "leftrightarrow": "↔", "mapsto": "↦",
    "langle": "⟨", "rangle": "⟩", "mid": "|", "vert": "|", "lvert": "|", "rvert": "|",
    "Vert": "‖", "lVert": "‖", "rVert": "‖", "dots": "…", "ldots": "…", "cdots": "⋯",
    "|": "‖", ",": " ", ";": " ", ":": " ", " ": " ", "!": "", "_": "_", "%": "%",
    "$": "$", "&": "&", "#": "#", "\\": " ",
}  # fmt: skip
#: commands that only choose a font, a size or an accent: their argument stays, they go
_DROPPED = {"mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathcal", "mathbb", "mathfrak",
            "boldsymbol", "bm", "text", "textrm", "textit", "textbf", "operatorname", "mbox",
            "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
            "hat", "widehat", "tilde", "widetilde", "bar", "overline", "underline", "vec",
            "dot", "ddot", "check", "breve", "acute", "grave", "mathring",
            "displaystyle"}  # fmt: skip


def plain_math(title: str) -> str:
    """``title`` with its inline math (``$…$``) as plain text, for a link, a heading or a
    tooltip that shows no typeset math: ``best-of-$n$`` -> ``best-of-n``, ``$\\pi_\\theta$``
    -> ``π_θ``, ``$\\mathrm{KL}$`` -> ``KL``, ``$\\frac{1}{2}$`` -> ``1/2``,
    ``$\\hat\\theta$`` -> ``θ`` (accents and fonts go); other commands lose their backslash
    (``\\log n`` -> ``log n``); grouping braces go; ``\\$`` is a dollar sign."""

    def symbol(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in _DROPPED:
            return ""
        if len(name) > 1:
            case = "CAPITAL" if name[0].isupper() else "SMALL"
            with contextlib.suppress(KeyError):
                return unicodedata.lookup(f"GREEK {case} LETTER {name.upper()}")
        following = m.string[m.end() : m.end() + 1]
        return name + (" " if following.isalnum() or following == "{" else "")  # \log{n}

    def fraction(m: re.Match[str]) -> str:
        top, bottom = (t if len(t.strip()) <= 1 else f"({t.strip()})" for t in m.groups())
        return f"{top}/{bottom}"

    def plain(m: re.Match[str]) -> str:
        text = m.group(1).replace("\\{", "\ue000").replace("\\}", "\ue001")  # literal braces
        text = _FRAC.sub(fraction, text)
        text = _COMMAND.sub(symbol, text).replace("{", "").replace("}", "")  # grouping ones go
        return " ".join(text.replace("\ue000", "{").replace("\ue001", "}").split())

    return _MATH.sub(plain, title).replace("\\$", "$")


def _notebook_page_step(src: Path, dst: Path) -> BuildStep:
    """Copy a notebook's page, its ``<main>`` marked for the search index (Pagefind indexes
    only the marked part of each page once any page is marked)."""
    return BuildStep(
        kind="site-copy",
        output=dst,
        inputs=(src,),
        action=_copy_notebook_page,
        key=key_of(version=1),
        label=f"site: {dst.name}",
    )


def _copy_notebook_page(tasks: Sequence[Task]) -> None:
    for task in tasks:
        html = task.step.inputs[0].read_text(encoding="utf-8", errors="replace")
        if "data-pagefind-body" not in html:
            html = html.replace("<main>", "<main data-pagefind-body>", 1)
        task.out().write_text(html, encoding="utf-8")
