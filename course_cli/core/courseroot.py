"""Finding the course a command works on, without loading course.yaml (a light module: read-only
commands that replay a cached result need nothing more)."""

from __future__ import annotations

from pathlib import Path

from course_cli.core.errors import ConfigError

CONFIG_NAME = "course.yaml"


def find_root(start: Path | None = None) -> Path:
    """Return the nearest folder at or above ``start`` holding course.yaml.

    Raises ConfigError when there is none.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(
        [f"no {CONFIG_NAME} found in {here} or any parent folder"],
        hint="run the command inside a course repository, or pass --root PATH",
    )
