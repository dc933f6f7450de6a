"""One Marp process per batch of decks and format, and what its output means.

Marp reports several broken outputs only as warnings and exits 0: any remaining warning fails
the decks it names (:func:`marp_warnings`), and math that MathJax cannot typeset, reported by
the course engine on Marp's stderr (:func:`math_problems`), fails the deck in every format.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from course_cli.builders.slides.decks import Deck, shown_path, staged_markdown
from course_cli.core.errors import CourseError, ToolFailedError, ToolNotFoundError
from course_cli.engine.steps import BuildStep, Task

if TYPE_CHECKING:
    from course_cli.tools.runner import Toolbox

BROWSER_FORMATS = ("pdf", "pptx")
_WARN = re.compile(r"^\[\s*WARN\s*\]\s?(.*)$")
MAX_PARALLEL_PAGES = 16  # decks Marp converts at once in one browser (its default is 5)
MATH_MARKER = "[course-math] "  # written by templates/marp/engine.mjs to Marp's stderr
_BENIGN_WARNINGS = ("Insecure local file accessing is enabled",)


class MarpAction:
    """Converts a batch of decks to one format with a single Marp process."""

    def __init__(
        self,
        fmt: str,
        toolbox: Toolbox,
        themes: tuple[Path, ...],
        engine: Path,
        macros: Path,
        root: Path,
        build_dir: Path,
    ):
        self.fmt, self.toolbox, self.themes, self.engine = fmt, toolbox, themes, engine
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
        if self.fmt == "html":
            self._measure([t for t in ready if t.step not in errors])
        return errors

    def _measure(self, tasks: Sequence[Task]) -> None:
        """Record how far each slide's content reaches past the slide (every deck of the
        batch in one browser) next to the HTML: ``build/.layout/…slides.json``. Without a
        browser, or when it fails, the record says why the layout was not measured."""
        from course_cli.builders.layout import write_record
        from course_cli.builders.slides.layout import measure_decks

        if not tasks:
            return
        records: list[dict[str, object]]
        try:
            browser = self.toolbox.find("chromium").path
            measured = measure_decks([t.out() for t in tasks], browser)
            records = [{"slides": [b.to_json() for b in measured[t.out()]]} for t in tasks]
        except ToolNotFoundError:
            records = [{"skipped": "no browser (install chromium or set CHROME_PATH)"}] * len(tasks)
        except ToolFailedError as exc:
            records = [{"skipped": exc.message}] * len(tasks)
        for task, record in zip(tasks, records, strict=True):
            out = next(p for p in task.staged if p.suffix == ".json")
            write_record(task.out(out), record)

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
            "--engine", self.engine, "--theme-set", *self.themes, "--allow-local-files",
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
            from course_cli.tools.runner import command_line, tail

            raise ToolFailedError(
                f"marp failed (exit {done.returncode}): {command_line(done.argv)}",
                hint=tail(done.stderr or done.stdout) or None,
            )
        problems = self._warnings(done.stderr + "\n" + done.stdout, names, src, fmt)
        for task in names.values():
            deck = task.step.payload
            math = math_problems(done.stderr, deck.text)
            if math and task.step not in problems:
                problems[task.step] = ToolFailedError(f"{shown_path(deck.path, self.root)}{math}")
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
                    f"{shown_path(deck.path, self.root)}: Marp warned: {warning}"
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
