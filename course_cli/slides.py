"""Slides: Marp decks (``lessons/lesson_NN/slides/*.md``) to HTML, PDF, PPTX and notes.

:func:`plan_build` plans one step per deck and format (``build/lesson_NN/<stem>.<fmt>``), one
``<stem>.notes.txt`` per deck, and a copy of each local image the HTML needs. Steps of one
format share a batch, so all stale decks of a format go to ONE Marp process (one browser).

Marp reports several broken outputs only as warnings and exits 0; so before Marp runs, each
deck is read (:func:`analyze_deck`) and these are errors naming the deck and line: a local
image that is missing or lies outside the course folder, and ``math: katex`` (its fonts come
from a CDN). Any remaining Marp warning fails the batch. Math that MathJax cannot typeset
(reported by the course engine on Marp's stderr, :func:`math_problems`) fails the deck in
every format. The
course's math macros (``course.yaml`` ``macros``) reach MathJax through
``templates/marp/engine.mjs``. HTML and speaker notes need no browser.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from course_cli.build import (
    BuildOptions,
    BuildStep,
    FailingAction,
    Task,
    hash_text,
    key_of,
    read_source,
)
from course_cli.errors import CourseError, ToolFailedError, ToolNotFoundError, UsageError

if TYPE_CHECKING:
    from course_cli.config import Course, Lesson
    from course_cli.tools import Toolbox

FORMATS = ("html", "pdf", "pptx")
BROWSER_FORMATS = ("pdf", "pptx")
THEME = "templates/marp/course.css"
ENGINE = "templates/marp/engine.mjs"
ASSETS_DIR = "_assets"  # in build/lesson_NN/: HTML copies of images from outside the deck folder
_PACKAGE_ROOT = Path(__file__).resolve().parents[1]

_MD_IMAGE = re.compile(
    r"!\[[^\]\n]*\]\(\s*(?:<([^>\n]+)>|([^\s)]+))(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
_HTML_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]+)\"|'([^']+)')", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(?:\"([^\"]+)\"|'([^']+)'|([^)'\"\s]+))\s*\)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_KATEX = re.compile(r"(?:^|<!--)\s*math\s*:\s*['\"]?katex\b", re.MULTILINE)
_WARN = re.compile(r"^\[\s*WARN\s*\]\s?(.*)$")
MAX_PARALLEL_PAGES = 16  # decks Marp converts at once in one browser (its default is 5)
MATH_MARKER = "[course-math] "  # written by templates/marp/engine.mjs to Marp's stderr
_BENIGN_WARNINGS = ("Insecure local file accessing is enabled",)


@dataclass(frozen=True)
class ImageRef:
    """A local image of a deck: 1-based line, the URL as written, its span in the text."""

    line: int
    url: str
    start: int
    end: int
    path: Path


@dataclass(frozen=True)
class Deck:
    """One analysed deck: its lesson folder name, text, local images, problems (path:line: …)."""

    path: Path
    lesson_dir: str
    text: str
    images: tuple[ImageRef, ...]
    problems: tuple[str, ...]

    @property
    def stem(self) -> str:
        """The file name without ``.md``: the name of every output."""
        return self.path.stem


def find_decks(course: Course, lessons: Sequence[Lesson]) -> list[tuple[Lesson, Path]]:
    """Every ``slides/*.md`` of the given lessons, in lesson then name order."""
    found: list[tuple[Lesson, Path]] = []
    for lesson in lessons:
        folder = lesson.dir(course.root) / "slides"
        if folder.is_dir():
            found.extend((lesson, p) for p in sorted(folder.glob("*.md")) if p.is_file())
    return found


def analyze_deck(path: Path, root: Path, lesson_dir: str = "") -> Deck:
    """Read a deck: its local images (resolved) and the problems that would break its output.

    Problems read ``<deck>:<line>: <message>`` with the deck relative to ``root``. Raises
    ProblemsFound (exit 1) naming the deck when it is not valid UTF-8 or cannot be read.
    """
    text = read_source(path, root)
    shown = _rel(path, root)
    images: list[ImageRef] = []
    problems: list[str] = []
    for line, url, start, end in _local_urls(text):
        target = _resolve(url, path.parent)
        images.append(ImageRef(line, url, start, end, target))
        if not target.is_file():
            problems.append(
                f"{shown}:{line}: image {url} not found (looked for {_rel(target, root)})"
            )
        elif not _inside(target, root):
            problems.append(
                f"{shown}:{line}: image {url} is outside the course folder, so the built slides "
                "cannot carry it; copy it under slides/img/"
            )
    for m in _KATEX.finditer(_directive_text(text)):
        line = text.count("\n", 0, m.start()) + 1
        problems.append(
            f"{shown}:{line}: math: katex loads its fonts from a CDN and breaks offline "
            "builds; use math: mathjax"
        )
    return Deck(path, lesson_dir, text, tuple(images), tuple(problems))


def _directive_text(text: str) -> str:
    """The front matter and HTML comments (where Marp directives live); blanks elsewhere."""
    spans = [(m.start(), m.end()) for m in _COMMENT.finditer(text)]
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            spans.append((0, end + 4))
    out = list(_blank(text))
    for a, b in spans:
        out[a:b] = text[a:b]
    return "".join(out)


def _local_urls(text: str) -> list[tuple[int, str, int, int]]:
    """(line, url, start, end) of every local image URL outside code; comments: url() only."""
    masked = _mask_code(text)
    comments = [(m.start(), m.end()) for m in _COMMENT.finditer(masked)]

    def in_comment(pos: int) -> bool:
        return any(a <= pos < b for a, b in comments)

    found: dict[int, tuple[int, str, int, int]] = {}
    for rx, everywhere in ((_MD_IMAGE, False), (_HTML_IMG, False), (_CSS_URL, True)):
        for m in rx.finditer(masked):
            if not everywhere and in_comment(m.start()):
                continue
            group = next(g for g in range(1, rx.groups + 1) if m.group(g) is not None)
            url, start, end = m.group(group), m.start(group), m.end(group)
            if _is_remote(url) or start in found:
                continue
            found[start] = (masked.count("\n", 0, start) + 1, url, start, end)
    return [found[k] for k in sorted(found)]


def _mask_code(text: str) -> str:
    """``text`` with fenced code blocks and inline code replaced by spaces (same offsets)."""
    out: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0] * 3
            out.append(_blank(line))
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            out.append(_blank(line))
        else:
            out.append(_INLINE_CODE.sub(lambda c: _blank(c.group(0)), line))
    return "".join(out)


def _blank(s: str) -> str:
    return "".join("\n" if ch == "\n" else " " for ch in s)


def _is_remote(url: str) -> bool:
    scheme = urlsplit(url).scheme.lower()
    return url.startswith("//") or url.startswith("#") or scheme in {"http", "https", "data"}


def _resolve(url: str, base: Path) -> Path:
    parts = urlsplit(url)
    raw = unquote(parts.path) if parts.scheme in ("", "file") else url
    path = Path(raw)
    return Path(os.path.normpath(path if path.is_absolute() else base / path))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if _inside(path, root) else str(path)


def html_asset_path(image: Path, deck_dir: Path, root: Path) -> str:
    """Where the HTML of a deck finds ``image``, relative to ``build/lesson_NN/``."""
    if _inside(image, deck_dir):
        return image.relative_to(deck_dir).as_posix()
    return f"{ASSETS_DIR}/{image.relative_to(root).as_posix()}"


def staged_markdown(deck: Deck, fmt: str, root: Path) -> str:
    """The deck's text for Marp: image paths made absolute (PDF/PPTX) or HTML-relative.

    Only URLs change, so line numbers stay those of the source.
    """
    if fmt == "notes" or not deck.images:
        return deck.text
    pieces: list[str] = []
    last = 0
    for ref in deck.images:
        if fmt == "html":
            new = quote(html_asset_path(ref.path, deck.path.parent, root))
        else:
            # A plain absolute path: Chromium loads it; a file:// URL is dropped silently.
            new = quote(ref.path.as_posix())
        pieces.extend((deck.text[last : ref.start], new))
        last = ref.end
    pieces.append(deck.text[last:])
    return "".join(pieces)


# -- planning ------------------------------------------------------------------------------


def resolve_formats(course: Course, formats: Sequence[str] | None) -> tuple[str, ...]:
    """The requested formats (default: course.yaml build.slides). Raises UsageError."""
    chosen = [f.strip().lower() for f in (formats or course.build.slides) if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad:
        raise UsageError(
            f"unknown slide format {', '.join(bad)}", hint="use html, pdf or pptx (comma-separated)"
        )
    return tuple(dict.fromkeys(chosen))


def support_file(root: Path, rel: str) -> Path:
    """A Marp support file of the course (theme, engine), else the toolkit's own copy."""
    for base in (root, _PACKAGE_ROOT):
        if (base / rel).is_file():
            return base / rel
    raise CourseError(f"{rel} not found in the course or the toolkit", hint="restore it from git")


def plan_build(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]:
    """Plan slides for ``lessons``: per deck one step per format, notes, and HTML image copies."""
    formats = resolve_formats(course, options.formats)
    tb = options.toolbox
    theme, engine = support_file(course.root, THEME), support_file(course.root, ENGINE)
    macros = course.path(course.macros)
    versions = {"marp": _version(tb, "marp")}
    if any(f in BROWSER_FORMATS for f in formats):
        versions["chromium"] = _version(tb, "chromium")
    actions = {
        fmt: MarpAction(fmt, tb, theme, engine, macros, course.root, options.build_dir)
        for fmt in (*formats, "notes")
    }
    steps: list[BuildStep] = []
    assets: dict[Path, BuildStep] = {}
    for lesson, path in find_decks(course, lessons):
        out_dir = options.build_dir / lesson.dirname
        try:
            deck = analyze_deck(path, course.root, lesson.dirname)
        except CourseError as exc:  # an unreadable deck fails its own outputs only
            steps.extend(_unreadable_deck(path, out_dir, (*formats, "notes.txt"), exc, lesson))
            continue
        images = tuple(sorted({r.path for r in deck.images}))
        for fmt in formats:
            browser = fmt in BROWSER_FORMATS
            steps.append(
                BuildStep(
                    kind=f"slides-{fmt}",
                    output=out_dir / f"{deck.stem}.{fmt}",
                    inputs=(path, theme, engine, macros, *(images if browser else ())),
                    action=actions[fmt],
                    key=key_of(
                        marp=versions["marp"],
                        chromium=versions.get("chromium", "") if browser else "",
                        # an image that went missing fails the deck even if no input changed
                        problems=hash_text(*deck.problems),
                    ),
                    label=f"{lesson.dirname}/{deck.stem}.{fmt}",
                    batch=f"marp-{fmt}",
                    payload=deck,
                )
            )
        steps.append(
            BuildStep(
                kind="slides-notes",
                output=out_dir / f"{deck.stem}.notes.txt",
                inputs=(path, engine),
                action=actions["notes"],
                key=key_of(marp=versions["marp"]),
                label=f"{lesson.dirname}/{deck.stem}.notes.txt",
                batch="marp-notes",
                payload=deck,
            )
        )
        if "html" in formats:
            for image in images:
                if image.is_file() and _inside(image, course.root):
                    out = out_dir / html_asset_path(image, path.parent, course.root)
                    assets.setdefault(
                        out,
                        BuildStep(
                            kind="slides-asset",
                            output=out,
                            inputs=(image,),
                            action=copy_assets,
                            label=f"{lesson.dirname}/{out.relative_to(out_dir).as_posix()}",
                            batch="slides-assets",
                        ),
                    )
    return steps + list(assets.values())


def _unreadable_deck(
    path: Path, out_dir: Path, exts: Sequence[str], error: CourseError, lesson: Lesson
) -> list[BuildStep]:
    action = FailingAction(error)
    return [
        BuildStep(
            kind=f"slides-{ext.removesuffix('.txt')}",
            output=out_dir / f"{path.stem}.{ext}",
            inputs=(path,),
            action=action,
            label=f"{lesson.dirname}/{path.stem}.{ext}",
        )
        for ext in exts
    ]


def _version(tb: Toolbox, name: str) -> str:
    try:
        return tb.version(name)
    except CourseError:
        return "missing"  # the action reports the missing tool, so HTML can still build


def copy_assets(tasks: Sequence[Task]) -> None:
    """Action: copy each image next to the HTML that shows it."""
    for task in tasks:
        shutil.copyfile(task.step.inputs[0], task.out())


# -- running Marp --------------------------------------------------------------------------


class MarpAction:
    """Converts a batch of decks to one format with a single Marp process."""

    def __init__(
        self,
        fmt: str,
        toolbox: Toolbox,
        theme: Path,
        engine: Path,
        macros: Path,
        root: Path,
        build_dir: Path,
    ):
        self.fmt, self.toolbox, self.theme, self.engine = fmt, toolbox, theme, engine
        self.macros, self.root, self.build_dir = macros, root, build_dir

    def __call__(self, tasks: Sequence[Task]) -> Mapping[BuildStep, CourseError]:
        """Run Marp on the decks without problems; return the per-deck errors."""
        errors: dict[BuildStep, CourseError] = {}
        ready: list[Task] = []
        for task in tasks:
            deck: Deck = task.step.payload
            if deck.problems and self.fmt != "notes":
                errors[task.step] = ToolFailedError("\n".join(deck.problems))
            else:
                ready.append(task)
        if not ready:
            return errors
        stage = self._stage(self.fmt)
        try:
            errors.update(self._convert(ready, stage))
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        return errors

    def _stage(self, fmt: str) -> Path:
        return self.build_dir / ".staging" / f"marp-{fmt}-{secrets.token_hex(4)}"

    def _marp(
        self, tasks: Sequence[Task], stage: Path, fmt: str
    ) -> tuple[dict[str, Task], Path, dict[BuildStep, CourseError]]:
        """Run one Marp process on ``tasks`` to ``fmt``: (deck names, output folder, warnings).

        Raises ToolNotFoundError / ToolFailedError when Marp (or the browser) fails.
        """
        self.toolbox.find("marp")
        env = {"COURSE_MARP_MACROS": str(self.macros)} if self.macros.is_file() else {}
        if fmt == "notes":
            env = {"COURSE_MARP_NOTES": "1"}  # notes need no rendering: a bare Marpit
            # Marp CLI 4 looks a browser up even for --notes but never starts it: give it the
            # real one when there is one, else a placeholder program that only says so.
            try:
                env.update(self.toolbox.browser_env())
            except ToolNotFoundError:
                env["CHROME_PATH"] = str(_no_browser(stage))
        if fmt in BROWSER_FORMATS:
            env.update(self.toolbox.browser_env())
        src, out = stage / "in", stage / "out"
        names: dict[str, Task] = {}
        for task in tasks:
            deck: Deck = task.step.payload
            name = f"{deck.lesson_dir}/{deck.stem}.md"
            names[name] = task
            (src / deck.lesson_dir).mkdir(parents=True, exist_ok=True)
            (src / name).write_text(staged_markdown(deck, fmt, self.root), encoding="utf-8")
        flag: list[str] = {"html": [], "pdf": ["--pdf"], "pptx": ["--pptx"], "notes": ["--notes"]}[
            fmt
        ]
        args: list[str | os.PathLike[str]] = [
            "--engine", self.engine, "--theme-set", self.theme, "--allow-local-files",
            "--no-stdin", "--input-dir", src, "-o", out, *flag,
            # A page waits on the browser more than it computes: render them all at once.
            "--parallel", str(min(max(len(tasks), 1), MAX_PARALLEL_PAGES)),
        ]  # fmt: skip
        timeout = 120 + (45 if fmt in BROWSER_FORMATS else 10) * len(tasks)
        done = self.toolbox.run("marp", args, cwd=self.root, env=env, timeout=timeout, check=False)
        if done.returncode == 2 and fmt in BROWSER_FORMATS:
            raise ToolNotFoundError(
                f"Marp found no browser for {fmt.upper()} export (exit 2)",
                hint="install one: sudo apt-get install chromium   (or set CHROME_PATH)",
            )
        if done.returncode != 0:
            from course_cli.tools import command_line, tail

            raise ToolFailedError(
                f"marp failed (exit {done.returncode}): {command_line(done.argv)}",
                hint=tail(done.stderr or done.stdout) or None,
            )
        problems = self._warnings(done.stderr + "\n" + done.stdout, names, src, fmt)
        for task in names.values():
            deck = task.step.payload
            math = math_problems(done.stderr, deck.text)
            if math and task.step not in problems:
                problems[task.step] = ToolFailedError(f"{_rel(deck.path, self.root)}{math}")
        return names, out, problems

    def _convert(self, tasks: Sequence[Task], stage: Path) -> dict[BuildStep, CourseError]:
        names, out, errors = self._marp(tasks, stage, self.fmt)
        ext = "txt" if self.fmt == "notes" else self.fmt
        for name, task in names.items():
            made = out / f"{name[:-3]}.{ext}"
            if self.fmt == "notes" and task.step not in errors and not made.is_file():
                task.out().write_text("", encoding="utf-8")  # a deck without notes
                continue
            if task.step in errors or not made.is_file():
                continue
            os.replace(made, task.out())
        return errors

    def _warnings(
        self, output: str, names: Mapping[str, Task], src: Path, fmt: str
    ) -> dict[BuildStep, CourseError]:
        errors: dict[BuildStep, CourseError] = {}
        for warning in marp_warnings(output):
            if any(b in warning for b in _BENIGN_WARNINGS):
                continue
            if fmt == "notes" and warning.endswith("contains no notes."):
                continue
            hits = [t for n, t in names.items() if n in warning.replace(f"{src}/", "")]
            for task in hits or list(names.values()):
                deck: Deck = task.step.payload
                errors[task.step] = ToolFailedError(
                    f"{_rel(deck.path, self.root)}: Marp warned: {warning}"
                    + ("" if hits else " (in this batch; deck not named)")
                )
        return errors


def _no_browser(stage: Path) -> Path:
    """An executable in ``stage`` that stands for the browser Marp looks up but never starts."""
    path = stage / "no-browser"
    stage.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "#!/bin/sh\necho 'no browser installed (speaker notes need none)' >&2\nexit 1\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def math_problems(output: str, text: str) -> str:
    """``:LINE: message`` for the math of deck ``text`` that MathJax could not typeset, from the
    ``[course-math]`` lines the course engine writes to Marp's stderr; ``""`` when none.

    Marp exits 0 and draws such math in red; the engine reports every failing expression (its
    TeX and MathJax's complaint) in each format, so no deck is rendered twice to check it.
    """
    failed: list[tuple[int, list[str]]] = []
    for line in output.splitlines():
        if not line.startswith(MATH_MARKER):
            continue
        try:
            report = json.loads(line[len(MATH_MARKER) :])
            tex, problems = str(report["tex"]), [str(p) for p in report["problems"]]
        except (ValueError, KeyError, TypeError):
            continue
        at = text.find(tex.strip()) if tex.strip() else -1
        if at >= 0:
            failed.append((text.count("\n", 0, at) + 1, problems))
    if not failed:
        return ""
    names = sorted({p for _, found in failed for p in found})
    return (
        f":{min(line for line, _ in failed)}: {len(failed)} math expression(s) failed to typeset"
        " (undefined macro or TeX error)"
        + (f"; MathJax reported: {', '.join(names)}" if names else "")
        + "; define course macros in the macros file, one per line"
    )


def marp_warnings(output: str) -> list[str]:
    """Marp's ``[  WARN ]`` messages, each joined with its continuation lines."""
    found: list[str] = []
    current: list[str] | None = None
    for line in output.splitlines():
        m = _WARN.match(line)
        if m:
            current = [m.group(1).strip()]
            found.append("")
        elif current is not None and line.startswith(" ") and line.strip():
            current.append(line.strip())
        else:
            current = None
        if current is not None:
            found[-1] = " ".join(current)
    return found
