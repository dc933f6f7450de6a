"""The one error family of the toolkit and the exit-code table.

Every user-facing failure is a :class:`CourseError`; the CLI's single handler prints its
message and hint and exits with its code. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every ``course`` command (DESIGN.md)."""

    OK = 0
    PROBLEMS = 1  # check findings, stale sync, conflicts
    USAGE = 2  # bad usage or bad course.yaml
    TOOL_MISSING = 3  # a needed external tool is missing
    TOOL_FAILED = 4  # an external tool failed


class CourseError(Exception):
    """A failure the user can act on: a one-line message, an optional hint, an exit code."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None, exit_code: ExitCode | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class UsageError(CourseError):
    """Bad arguments on the command line (exit 2)."""

    exit_code = ExitCode.USAGE


class ConfigError(CourseError):
    """course.yaml is missing or invalid (exit 2). ``messages`` holds every problem found."""

    exit_code = ExitCode.USAGE

    def __init__(self, messages: list[str], hint: str | None = None):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages), hint)


class ProblemsFound(CourseError):
    """The command ran and found problems the user must fix (exit 1)."""

    exit_code = ExitCode.PROBLEMS


class ToolNotFoundError(CourseError):
    """An external program is not installed or not where configuration points (exit 3)."""

    exit_code = ExitCode.TOOL_MISSING


class ToolFailedError(CourseError):
    """An external program ran and failed, or produced a broken output (exit 4)."""

    exit_code = ExitCode.TOOL_FAILED


class DiskError(CourseError):
    """A file could not be written: the disk is full or read-only (exit 1)."""

    exit_code = ExitCode.PROBLEMS


class BrokenOutputError(ToolFailedError):
    """A tool exited 0 but its output is empty, torn or not what it should be (exit 4)."""
