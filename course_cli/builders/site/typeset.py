"""Math of the course site, typeset at build time: pages carry SVG and load no math script.

:func:`typeset_pages` gives every page step of the site one action: each page is rendered by
its own renderer (with ``\\(…\\)`` and ``\\[…\\]`` in elements of class ``math``, see
:mod:`course_cli.builders.site.markdown`), then ALL formulas of the stale pages go to ONE Node
process (``data/node/site-math.mjs``: MathJax 3 with the course macros, as in the slides), and each
formula is replaced by its SVG with assistive MathML (screen readers and the search index read
it). Glyph outlines are shared: a page carries each glyph it uses once.

A formula MathJax rejects (an unknown control sequence, unbalanced braces) fails its page with
one line naming the Markdown file and line of the formula (exit 4, as for the slides).

Formulas that do not depend on the rest of their page (no ``\\label``, ``\\ref``, no numbered
environment) are typeset once per build however often they appear, and kept in
``build/.cache/site-math.sqlite`` by a hash of their TeX. The cache is keyed by the MathJax
version, this renderer and the course macros, so a hit is what a new rendering would give;
``--force`` rebuilds every page but still uses the cache (delete the file to render anew).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from course_cli.core.errors import CourseError, ToolFailedError, ToolNotFoundError
from course_cli.engine.steps import Action, BuildOptions, BuildStep, Task, key_of

SCRIPT = Path(__file__).resolve().parents[2] / "data" / "node" / "site-math.mjs"
PACKAGE = Path("node_modules") / "mathjax-full" / "package.json"
CACHE_NAME = "site-math.sqlite"
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
    from course_cli.core.macros import mathjax_macros

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
        jobs=options.jobs,
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
        jobs: int = 1,
    ) -> None:
        self.renderers = dict(renderers)
        self.jobs = max(1, jobs)
        self.toolbox = toolbox
        self.root = root
        self.macros = dict(macros)
        self.cache_file = cache_file
        self.cache_key = cache_key

    def __call__(self, tasks: Sequence[Task], /) -> dict[BuildStep, CourseError]:
        errors: dict[BuildStep, CourseError] = {}
        done: list[Task] = []
        # Many pages render in worker processes (see workers.py); else up to ``jobs`` pages
        # render at once in threads: a lesson page waits for pandoc (its conspect), which
        # runs while other pages render. Results are taken in the order of ``tasks``.
        # A worker also typesets its page's math when every formula is in the cache.
        from course_cli.builders.site.workers import render_pages

        finish = functools.partial(typeset_from_cache, self.cache_file, self.cache_key)
        in_workers = render_pages(tasks, self.renderers, self.jobs, finish)
        results: Sequence[Mapping[BuildStep, CourseError]]
        typeset: set[BuildStep] = set()
        if in_workers is not None:
            results = [r.errors for r in in_workers]
            used = {k for r in in_workers if r.typeset is not None for k in r.typeset}
            typeset = {
                t.step for t, r in zip(tasks, in_workers, strict=True) if r.typeset is not None
            }
            if used:
                cache = FormulaCache(self.cache_file, self.cache_key)
                cache.touch(used)
                cache.close()
        elif self.jobs > 1 and len(tasks) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(self.jobs, len(tasks))) as pool:
                results = list(pool.map(self._render_one, tasks))
        else:
            results = [self._render_one(task) for task in tasks]
        for task, failed in zip(tasks, results, strict=True):
            errors.update(failed)
            if task.step not in failed and task.step not in typeset:
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

    def _render_one(self, task: Task) -> Mapping[BuildStep, CourseError]:
        try:
            return self.renderers[task.step.output]([task]) or {}
        except CourseError as exc:
            return {task.step: exc}

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
        listed: list[list[tuple[str, str, bool, bool]]] = []  # key, tex, display, stateful
        rendered: dict[str, dict[str, Any]] = {}
        for matches in found:
            formulas, failed = _page_formulas(matches)
            listed.append(formulas)
            rendered.update(failed)
        cache = FormulaCache(self.cache_file, self.cache_key)
        wanted = {f[0] for page in listed for f in page} - set(rendered)
        stored = cache.get(wanted)
        glyphs = cache.glyphs({g for _, used in stored.values() for g in used})
        for key, (markup, used) in stored.items():
            if all(g in glyphs for g in used):
                rendered[key] = {"html": markup, "glyphs": used}
        shared: dict[str, dict[str, Any]] = {}
        pages: dict[str, list[dict[str, Any]]] = {}
        for formulas in listed:
            page: list[dict[str, Any]] = [
                {"id": k, "tex": t, "display": d} for k, t, d, stateful in formulas if stateful
            ]
            if any(f["id"] not in rendered for f in page):
                pages[str(page[-1]["id"])] = page
            for key, tex, display, stateful in formulas:
                if not stateful and key not in rendered:
                    shared[key] = {"id": key, "tex": tex, "display": display}
        if shared or pages:
            reply = self._run([list(shared.values()), *pages.values()])
            glyphs.update(reply.get("glyphs", {}))
            rendered.update(reply["math"])
            cache.put(
                {k: (e["html"], e["glyphs"]) for k, e in reply["math"].items() if "html" in e},
                reply.get("glyphs", {}),
            )
        cache.close()
        return [[f[0] for f in formulas] for formulas in listed], rendered, glyphs

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


def _page_formulas(
    matches: Sequence[re.Match[str]],
) -> tuple[list[tuple[str, str, bool, bool]], dict[str, dict[str, Any]]]:
    """The formulas of one page as (key, tex, display, stateful), and {"error"} for each one
    MathJax cannot be given."""
    formulas: list[tuple[str, str, bool, bool]] = []
    failed: dict[str, dict[str, Any]] = {}
    state = hashlib.sha256()
    for m in matches:
        tex, display = _tex(m)
        control = _CONTROL_RE.search(tex)
        key = _formula_key(m)
        if control is not None:  # MathJax fails on it with a JavaScript error
            failed[key] = {
                "error": f"the TeX holds the control character U+{ord(control[0]):04X}"
                " (an escape such as \\b written into the file as one character?)"
            }
            formulas.append((key, tex, display, False))
        elif _STATEFUL.search(tex):
            state.update(f"{int(display)}\0{tex}\0".encode())
            formulas.append(("s" + state.hexdigest()[:24], tex, display, True))
        else:
            formulas.append((key, tex, display, False))
    return formulas, failed


_OPEN_CACHES: dict[tuple[Path, str], FormulaCache] = {}


def typeset_from_cache(cache_file: Path, cache_key: str, page: Path) -> list[str] | None:
    """Typeset the math of the rendered ``page`` (in place) from the formula cache alone: what
    a worker process does after rendering a page (see workers.py). The keys of the formulas
    it used (to mark them used), or None when one is not cached, or not usable: the page is
    then left to the build's typesetting pass, which runs MathJax and reports errors."""
    text = page.read_text(encoding="utf-8")
    matches = list(MATH_RE.finditer(text))
    if not matches:
        return []
    formulas, failed = _page_formulas(matches)
    if failed:
        return None
    cache = _OPEN_CACHES.get((cache_file, cache_key))
    if cache is None:
        cache = _OPEN_CACHES[(cache_file, cache_key)] = FormulaCache(cache_file, cache_key)
    keys = [f[0] for f in formulas]
    stored = cache.get(set(keys), touch=False)
    if len(stored) < len(set(keys)):
        return None
    ids = {g for _, used in stored.values() for g in used}
    glyphs = cache.glyphs(ids)
    if len(glyphs) < len(ids):
        return None
    entries = [{"html": stored[k][0], "glyphs": stored[k][1]} for k in keys]
    page.write_text(_assemble(text, matches, entries, glyphs), encoding="utf-8")
    return keys


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


class FormulaCache:
    """Typeset formulas by key in an SQLite file: a build reads the entries it needs and adds
    the ones it typeset (no whole-file rewrite). An unusable file is as good as an empty cache:
    it costs time, not correctness. Entries of another MathJax, renderer or macros (``key``)
    are dropped; beyond CACHE_LIMIT formulas the least recently used go."""

    def __init__(self, path: Path, key: str) -> None:
        import sqlite3

        self.db: Any = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30)
            db.executescript(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT);"
                "CREATE TABLE IF NOT EXISTS math"
                " (key TEXT PRIMARY KEY, html TEXT, glyphs TEXT, used INTEGER);"
                "CREATE TABLE IF NOT EXISTS glyph (id TEXT PRIMARY KEY, path TEXT);"
            )
            row = db.execute("SELECT key FROM meta").fetchone()
            if row is None or row[0] != key:
                with db:
                    db.execute("DELETE FROM meta")
                    db.execute("DELETE FROM math")
                    db.execute("DELETE FROM glyph")
                    db.execute("INSERT INTO meta VALUES (?)", (key,))
            self.db = db
            self.now = int(db.execute("SELECT coalesce(max(used), 0) + 1 FROM math").fetchone()[0])
        except (OSError, sqlite3.Error):
            self.db = None

    def get(self, keys: set[str], touch: bool = True) -> dict[str, tuple[str, list[str]]]:
        """The stored (html, glyph ids) of those of ``keys`` that are stored, marked used
        unless ``touch`` is false (a worker process only reads: see :meth:`touch`)."""
        import sqlite3

        found: dict[str, tuple[str, list[str]]] = {}
        if self.db is None or not keys:
            return found
        try:
            ordered = sorted(keys)
            for i in range(0, len(ordered), 500):
                chunk = ordered[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for key, markup, ids in self.db.execute(
                    f"SELECT key, html, glyphs FROM math WHERE key IN ({marks})", chunk
                ):
                    found[key] = (markup, ids.split())
        except sqlite3.Error:
            return {}
        if touch:
            self.touch(set(found))
        return found

    def touch(self, keys: set[str]) -> None:
        """Mark the formulas ``keys`` used by this build (the least recently used go first)."""
        import sqlite3

        if self.db is None or not keys:
            return
        with contextlib.suppress(sqlite3.Error), self.db:
            self.db.executemany(
                "UPDATE math SET used = ? WHERE key = ?", [(self.now, k) for k in sorted(keys)]
            )

    def glyphs(self, ids: set[str]) -> dict[str, str]:
        """The stored outlines of glyphs ``ids``."""
        import sqlite3

        found: dict[str, str] = {}
        if self.db is None or not ids:
            return found
        try:
            ordered = sorted(ids)
            for i in range(0, len(ordered), 500):
                chunk = ordered[i : i + 500]
                marks = ",".join("?" * len(chunk))
                found.update(
                    self.db.execute(f"SELECT id, path FROM glyph WHERE id IN ({marks})", chunk)
                )
        except sqlite3.Error:
            return {}
        return found

    def put(self, entries: Mapping[str, tuple[str, list[str]]], glyphs: Mapping[str, str]) -> None:
        """Store typeset formulas and glyph outlines; keep the CACHE_LIMIT most recent."""
        import sqlite3

        if self.db is None:
            return
        rows = [(k, markup, " ".join(ids), self.now) for k, (markup, ids) in entries.items()]
        with contextlib.suppress(sqlite3.Error), self.db:
            self.db.executemany("INSERT OR REPLACE INTO math VALUES (?, ?, ?, ?)", rows)
            self.db.executemany("INSERT OR REPLACE INTO glyph VALUES (?, ?)", glyphs.items())
            self.db.execute(
                "DELETE FROM math WHERE key IN (SELECT key FROM math"
                " ORDER BY used DESC LIMIT -1 OFFSET ?)",
                (CACHE_LIMIT,),
            )

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
