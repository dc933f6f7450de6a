"""Math of the course site, typeset at build time: pages carry SVG and load no math script.

:func:`typeset_pages` gives every page step of the site one action: each page is rendered by
its own renderer (with ``\\(…\\)`` and ``\\[…\\]`` in elements of class ``math``, see
:mod:`course_cli.sitemd`), then ALL formulas of the stale pages go to ONE Node process
(``data/node/site-math.mjs``: MathJax 3 with the course macros, as in the slides), and each
formula is replaced by its SVG with assistive MathML (screen readers and the search index read
it). Glyph outlines are shared: a page carries each glyph it uses once.

A formula MathJax rejects (an unknown control sequence, unbalanced braces) fails its page with
one line naming the Markdown file and line of the formula (exit 4, as for the slides).

Formulas that do not depend on the rest of their page (no ``\\label``, ``\\ref``, no numbered
environment) are typeset once per build however often they appear, and kept in
``build/.cache/site-math.json`` by a hash of their TeX. The cache is keyed by the MathJax
version, this renderer and the course macros, so a hit is what a new rendering would give;
``--force`` rebuilds every page but still uses the cache (delete the file to render anew).
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from course_cli.errors import CourseError, ToolFailedError, ToolNotFoundError
from course_cli.steps import Action, BuildOptions, BuildStep, Task, key_of

SCRIPT = Path(__file__).resolve().parent / "data" / "node" / "site-math.mjs"
PACKAGE = Path("node_modules") / "mathjax-full" / "package.json"
CACHE_NAME = "site-math.json"
BATCH = "site-pages"
CACHE_LIMIT = 20_000  # formulas kept in the cache (about 1 kB each)

#: the math the site's Markdown renderer emits (TeX HTML-escaped inside)
MATH_RE = re.compile(
    r'<span class="math">\\\((?P<inline>.*?)\\\)</span>'
    r'|<div class="math"(?P<id> id="[^"]*")?>\\\[(?P<display>.*?)\\\]</div>',
    re.DOTALL,
)
#: TeX whose rendering depends on the formulas before it on the page (numbers, labels)
_STATEFUL = re.compile(
    r"\\(?:label|ref|eqref|autoref|cref|Cref)\b"
    r"|\\begin\s*\{(?:equation|align|gather|multline|flalign|alignat|xalignat|xxalignat)\}"
)
_BODY_RE = re.compile(r"<body\b[^>]*>")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: LaTeX text commands MathJax 3 lacks, for the site only and unless the course defines them
#: (book extracts carry the book's LaTeX): small capitals become upright text.
FALLBACK_MACROS: dict[str, Any] = {"textsc": ["\\text{#1}", 1]}


def engine_key(root: Path) -> str:
    """What a typeset page depends on besides its text: the MathJax version and this renderer.

    Raises ToolNotFoundError (exit 3) when MathJax is not installed in the course's node_modules.
    """
    package = root / PACKAGE
    try:
        version = json.loads(package.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ToolNotFoundError(
            f"{PACKAGE.parent}: MathJax is not installed (the site typesets its math with it)",
            hint="run `npm ci` in the course folder (./scripts/setup.sh does it)",
        ) from None
    script = hashlib.sha256(SCRIPT.read_bytes()).hexdigest()[:16]
    return f"mathjax {version}, site-math.mjs {script}"


def typeset_pages(
    steps: Sequence[BuildStep], root: Path, options: BuildOptions, macros_path: Path
) -> list[BuildStep]:
    """``steps`` with every ``site-page`` step rendered through one math-typesetting batch."""
    from course_cli.macros import mathjax_macros

    pages = [s for s in steps if s.kind == "site-page"]
    if not pages:
        return list(steps)
    engine = engine_key(root)
    macros = {**FALLBACK_MACROS, **mathjax_macros(macros_path)}
    action = TypesetPages(
        {s.output: s.action for s in pages},
        toolbox=options.toolbox,
        root=root,
        macros=macros,
        cache_file=options.build_dir / ".cache" / CACHE_NAME,
        cache_key=hashlib.sha256(json.dumps([engine, macros], sort_keys=True).encode()).hexdigest(),
    )
    extra_inputs = (macros_path,) if macros_path.is_file() else ()
    out = []
    for step in steps:
        if step.kind == "site-page":
            step = replace(
                step,
                action=action,
                batch=BATCH,
                inputs=(*step.inputs, *extra_inputs),
                key=(*step.key, *key_of(math=engine)),
            )
        out.append(step)
    return out


class TypesetPages:
    """The action of the site's pages (see the module docstring). Identity-hashed: steps that
    carry it stay hashable."""

    def __init__(
        self,
        renderers: Mapping[Path, Action],
        *,
        toolbox: Any,
        root: Path,
        macros: Mapping[str, Any],
        cache_file: Path,
        cache_key: str,
    ) -> None:
        self.renderers = dict(renderers)
        self.toolbox = toolbox
        self.root = root
        self.macros = dict(macros)
        self.cache_file = cache_file
        self.cache_key = cache_key

    def __call__(self, tasks: Sequence[Task], /) -> dict[BuildStep, CourseError]:
        errors: dict[BuildStep, CourseError] = {}
        done: list[Task] = []
        for task in tasks:
            try:
                failed = self.renderers[task.step.output]([task]) or {}
            except CourseError as exc:
                failed = {task.step: exc}
            errors.update(failed)
            if task.step not in failed:
                done.append(task)
        texts = [task.out().read_text(encoding="utf-8") for task in done]
        found = [list(MATH_RE.finditer(text)) for text in texts]
        if not any(found):
            return errors
        ids, rendered, glyphs = self._typeset(found)
        for task, text, matches, keys in zip(done, texts, found, ids, strict=True):
            if not matches:
                continue
            entries = [rendered[key] for key in keys]
            problem = next((i for i, e in enumerate(entries) if "error" in e), None)
            if problem is not None:
                errors[task.step] = self._error(task.step, matches[problem], entries[problem])
                continue
            task.out().write_text(_assemble(text, matches, entries, glyphs), encoding="utf-8")
        return errors

    # -- typesetting -----------------------------------------------------------------------

    def _typeset(
        self, found: list[list[re.Match[str]]]
    ) -> tuple[list[list[str]], dict[str, dict[str, Any]], dict[str, str]]:
        """The key of each formula of ``found``; every formula by its key: {"html", "glyphs"}
        or {"error"}; and the glyph outlines they use.

        A stateless formula is keyed by its TeX: typeset once, or taken from the cache. A
        stateful one (numbers, labels) is keyed by its TeX and the stateful formulas before
        it on its page; a page with one such formula not in the cache has all of them typeset
        in order, after a reset of numbers and labels, as a browser would.
        """
        cache = self._load_cache()
        cached: dict[str, Any] = cache["math"]
        glyphs: dict[str, str] = cache["glyphs"]
        rendered: dict[str, dict[str, Any]] = {}
        shared: dict[str, dict[str, Any]] = {}
        pages: dict[str, list[dict[str, Any]]] = {}
        ids: list[list[str]] = []

        def hit(key: str) -> bool:
            entry = cached.pop(key, None)
            if entry is None or not all(g in glyphs for g in entry[1]):
                return False
            cached[key] = entry  # the least recently used entries go first (CACHE_LIMIT)
            rendered[key] = {"html": entry[0], "glyphs": entry[1]}
            return True

        for matches in found:
            keys: list[str] = []
            page: list[dict[str, Any]] = []
            state = hashlib.sha256()
            for m in matches:
                tex, display = _tex(m)
                control = _CONTROL_RE.search(tex)
                key = _formula_key(m)
                if _STATEFUL.search(tex) and control is None:
                    state.update(f"{int(display)}\0{tex}\0".encode())
                    key = "s" + state.hexdigest()[:24]
                    page.append({"id": key, "tex": tex, "display": display})
                keys.append(key)
                if key in rendered or key in shared or key.startswith("s"):
                    continue
                if control is not None:  # MathJax fails on it with a JavaScript error
                    rendered[key] = {
                        "error": f"the TeX holds the control character U+{ord(control[0]):04X}"
                        " (an escape such as \\b written into the file as one character?)"
                    }
                elif not hit(key):
                    shared[key] = {"id": key, "tex": tex, "display": display}
            ids.append(keys)
            stale = [f for f in page if f["id"] not in rendered and not hit(f["id"])]
            if stale:
                pages[page[-1]["id"]] = page
        if shared or pages:
            reply = self._run([list(shared.values()), *pages.values()])
            glyphs.update(reply.get("glyphs", {}))
            rendered.update(reply["math"])
            for key, entry in reply["math"].items():
                if "html" in entry:
                    cached[key] = [entry["html"], entry["glyphs"]]
            for key in list(cached)[: max(0, len(cached) - CACHE_LIMIT)]:
                del cached[key]
            self._save_cache(cache)
        return ids, rendered, glyphs

    def _run(self, pages: list[list[dict[str, Any]]]) -> dict[str, Any]:
        request = json.dumps({"macros": self.macros, "pages": pages}, ensure_ascii=False)
        done = self.toolbox.run(
            "node", [SCRIPT, self.root / "node_modules"], input=request, cwd=self.root
        )
        try:
            reply = json.loads(done.stdout)
            if not isinstance(reply.get("math"), dict):
                raise ValueError("no math in the reply")
        except (ValueError, AttributeError) as exc:
            raise ToolFailedError(
                f"{SCRIPT.name}: MathJax gave no readable result ({exc})",
                hint=(done.stderr or "").strip()[-500:] or None,
            ) from None
        return dict(reply)

    # -- cache -----------------------------------------------------------------------------

    def _load_cache(self) -> dict[str, Any]:
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
            if data.get("key") == self.cache_key:
                return {"key": self.cache_key, "math": data["math"], "glyphs": data["glyphs"]}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        return {"key": self.cache_key, "math": {}, "glyphs": {}}

    def _save_cache(self, cache: dict[str, Any]) -> None:
        from course_cli.fsutil import atomic_write

        with contextlib.suppress(OSError):  # an unwritable cache costs time, not correctness
            atomic_write(self.cache_file, json.dumps(cache, ensure_ascii=False))

    # -- errors ----------------------------------------------------------------------------

    def _error(
        self, step: BuildStep, m: re.Match[str], entry: Mapping[str, Any]
    ) -> ToolFailedError:
        tex, display = _tex(m)
        where = self._where(step, tex)
        shown = " ".join(_CONTROL_RE.sub("?", tex).split())
        if len(shown) > 60:
            shown = shown[:57] + "…"
        delim = "$$" if display else "$"
        reason = entry["error"]
        return ToolFailedError(
            f"{where}: math does not typeset: {reason} (in {delim}{shown}{delim})",
            hint="define course macros in the macros file (one \\newcommand a line) and "
            "check the formula's braces and environments",
        )

    def _where(self, step: BuildStep, tex: str) -> str:
        """``file:line`` of ``tex`` in the Markdown sources of the page (the first that holds
        it); the first source without a line when none does."""
        sources = [p for p in step.inputs if p.suffix.lower() in {".md", ".markdown"}]
        needle = tex.strip()
        for path in sources:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            at = text.find(needle) if needle else -1
            if at >= 0:
                return f"{self._shown(path)}:{text.count(chr(10), 0, at) + 1}"
        return self._shown(sources[0] if sources else step.output)

    def _shown(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def _tex(m: re.Match[str]) -> tuple[str, bool]:
    display = m.group("display") is not None
    return html.unescape(m.group("display") if display else m.group("inline")), display


def _formula_key(m: re.Match[str]) -> str:
    tex, display = _tex(m)
    return hashlib.sha256(f"{int(display)}\0{tex}".encode()).hexdigest()[:24]


def _assemble(
    text: str,
    matches: list[re.Match[str]],
    entries: Sequence[Mapping[str, Any]],
    glyphs: Mapping[str, str],
) -> str:
    """The page ``text`` with its formulas typeset and, first in its body, the glyph outlines
    they use (once each)."""
    parts: list[str] = []
    used: dict[str, None] = {}
    last = 0
    for m, entry in zip(matches, entries, strict=True):
        used.update(dict.fromkeys(entry["glyphs"]))
        parts.append(text[last : m.start()])
        if m.group("display") is not None:
            parts.append(f'<div class="math"{m.group("id") or ""}>{entry["html"]}</div>')
        else:
            parts.append(f'<span class="math">{entry["html"]}</span>')
        last = m.end()
    parts.append(text[last:])
    page = "".join(parts)
    defs = "".join(f'<path id="{g}" d="{glyphs[g]}"></path>' for g in used if g in glyphs)
    head = '<svg class="math-glyphs" style="display:none" aria-hidden="true"><defs>'
    sprite = f"{head}{defs}</defs></svg>"
    body = _BODY_RE.search(page)
    if body is None:
        return sprite + page
    return page[: body.end()] + "\n" + sprite + page[body.end() :]
