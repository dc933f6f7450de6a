"""Build steps and what the engine reports about them: the types every builder uses.

A :class:`BuildStep` names its output, the input files whose bytes matter, a ``key``
(options, tool versions, anything else that changes the output) and an ``action``. The
action is called with a list of :class:`Task` and writes each output to ``task.out(path)``
(see :mod:`course_cli.builders.targets` for the whole contract).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from course_cli.core.errors import CourseError, ToolFailedError, ToolNotFoundError

if TYPE_CHECKING:
    from course_cli.core.config import Course, Lesson
    from course_cli.tools.runner import Toolbox


@dataclass(frozen=True)
class BuildStep:
    """One output to make. Paths are absolute; ``key`` pairs are (name, value) strings."""

    kind: str
    output: Path
    inputs: tuple[Path, ...]
    action: Action
    key: tuple[tuple[str, str], ...] = ()
    label: str = ""
    batch: str | None = None
    extra_outputs: tuple[Path, ...] = ()
    payload: Any = field(default=None, compare=False, hash=False)

    @property
    def outputs(self) -> tuple[Path, ...]:
        """The main output followed by the extra ones."""
        return (self.output, *self.extra_outputs)


@dataclass(frozen=True)
class Task:
    """A step handed to its action: ``staged`` maps each final output to its temporary path.
    An output the action found already holding exactly what it would write is ``unchanged``
    (see :meth:`keep`)."""

    step: BuildStep
    staged: Mapping[Path, Path]
    unchanged: set[Path] = field(default_factory=set, compare=False)

    def out(self, path: Path | None = None) -> Path:
        """Where the action must write ``path`` (default: the step's main output)."""
        return self.staged[path or self.step.output]

    def keep(self, path: Path | None = None) -> None:
        """Say that the output ``path`` (default: the main one) already holds, byte for byte,
        what the action would write: it is checked like a new output but not replaced (a
        forced rebuild of a copied file then rewrites nothing)."""
        self.unchanged.add(path or self.step.output)


class Action(Protocol):
    """Makes the outputs of one batch of tasks (see the module docstring)."""

    def __call__(self, tasks: Sequence[Task], /) -> Mapping[BuildStep, CourseError] | None: ...


_O = TypeVar("_O")


@dataclass(frozen=True)
class BuildOptions:
    """What every builder gets besides the course and lessons."""

    root: Path
    build_dir: Path
    toolbox: Toolbox
    force: bool = False
    jobs: int = 1
    #: one frozen options object per builder that takes any (``PdfOptions(engine=…)``, …),
    #: made and validated where the command line is parsed; the engine never looks inside
    builder_options: tuple[object, ...] = ()

    def of(self, kind: type[_O]) -> _O:
        """The options object of type ``kind`` given for this build, else ``kind()`` (the
        builder's defaults)."""
        for item in self.builder_options:
            if isinstance(item, kind):
                return item
        return kind()


Builder = Callable[["Course", "list[Lesson]", BuildOptions], "list[BuildStep]"]


@dataclass(frozen=True)
class StepResult:
    """What happened to one step: status is ``built``, ``fresh`` (up to date) or ``failed``."""

    step: BuildStep
    status: str
    seconds: float = 0.0
    error: CourseError | None = None


@dataclass
class BuildReport:
    """All step results of one build, in plan order, with the wall time."""

    root: Path
    results: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0
    unavailable: list[str] = field(default_factory=list)

    def with_status(self, status: str) -> list[StepResult]:
        """The results with ``status``."""
        return [r for r in self.results if r.status == status]

    @property
    def failed(self) -> list[StepResult]:
        """The failed steps."""
        return self.with_status("failed")

    def summary(self) -> str:
        """One line: counts by status and the time."""
        built, fresh, failed = (len(self.with_status(s)) for s in ("built", "fresh", "failed"))
        text = f"{built} built, {fresh} up to date, {failed} failed in {self.seconds:.2f} s"
        if self.unavailable:
            text += f" (not available yet: {', '.join(self.unavailable)})"
        return text

    def raise_for_failures(self) -> None:
        """Raise one CourseError for all failures (the exit code of the first); else nothing.

        Steps that failed with the same error (one broken deck, several formats) share a line.
        """
        failed = self.failed
        if not failed:
            return
        first = failed[0].error or ToolFailedError("build failed")
        groups: dict[tuple[str, str], list[str]] = {}
        for r in failed:
            err = r.error or ToolFailedError("failed")
            groups.setdefault((err.message, err.hint or ""), []).append(self.rel(r.step.output))
        if len(groups) == 1:
            (message, hint), outputs = next(iter(groups.items()))
            message += f"\n  (not built: {', '.join(outputs)})"
        else:
            lines = []
            for (msg, detail), outputs in groups.items():
                lines.append(f"{msg}\n  (not built: {', '.join(outputs)})")
                lines.extend("    " + h for h in detail.splitlines())
            message, hint = "\n".join(lines), ""
        cls = type(first) if isinstance(first, ToolNotFoundError | ToolFailedError) else CourseError
        raise cls(message, hint=hint or None, exit_code=first.exit_code)

    def rel(self, path: Path) -> str:
        """``path`` relative to the course root when inside it."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: one entry per step and the summary."""
        return {
            "seconds": round(self.seconds, 3),
            "steps": [
                {
                    "kind": r.step.kind,
                    "output": self.rel(r.step.output),
                    "status": r.status,
                    "seconds": round(r.seconds, 3),
                    **({"error": r.error.message, "hint": r.error.hint} if r.error else {}),
                }
                for r in self.results
            ],
            "unavailable": self.unavailable,
        }


class Progress(Protocol):
    """Receives build events (the CLI renders them; the library never prints)."""

    def start(self, total: int, fresh: int) -> None: ...
    def started(self, steps: Sequence[BuildStep]) -> None: ...
    def finished(self, result: StepResult) -> None: ...
    def stop(self) -> None: ...


class NullProgress:
    """A Progress that ignores everything."""

    def start(self, total: int, fresh: int) -> None:
        """Ignore."""

    def started(self, steps: Sequence[BuildStep]) -> None:
        """Ignore."""

    def finished(self, result: StepResult) -> None:
        """Ignore."""

    def stop(self) -> None:
        """Ignore."""


@dataclass(frozen=True)
class FailingAction:
    """The action of a step that cannot be made (e.g. its source is unreadable): its error.

    Planning such a step instead of raising lets every other output of the build be made.
    """

    error: CourseError

    def __call__(self, tasks: Sequence[Task], /) -> Mapping[BuildStep, CourseError]:
        """Fail every task with ``error``."""
        return {task.step: self.error for task in tasks}


def key_of(**items: object) -> tuple[tuple[str, str], ...]:
    """Build a step key from keyword arguments (values turned into strings, sorted by name)."""
    return tuple(sorted((k, str(v)) for k, v in items.items()))


def hash_text(*parts: str | bytes) -> str:
    """SHA-256 hex of the concatenated parts (for keys that depend on generated text)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def flatten(groups: Iterable[Iterable[BuildStep]]) -> list[BuildStep]:
    """Concatenate lists of steps."""
    return [s for g in groups for s in g]
