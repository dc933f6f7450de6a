"""``resolve_from`` (the site's link targets) gives what ``Path.resolve`` gives, on a tree with
symlinks, missing files, files in the way, ``..`` and absolute links."""

from __future__ import annotations

import itertools
from pathlib import Path

from course_cli.builders.site.links import resolve_from


def test_resolve_from_is_path_resolve(tmp_path: Path) -> None:
    root = tmp_path / "course"
    lesson = root / "lessons" / "lesson_01"
    (lesson / "slides" / "img").mkdir(parents=True)
    (root / "lessons" / "lesson_02").mkdir()
    (root / "shared").mkdir()
    (lesson / "README.md").write_text("x")
    (root / "shared" / "notes.md").write_text("x")
    (lesson / "linked").symlink_to(root / "shared")
    (lesson / "to-file").symlink_to(root / "shared" / "notes.md")
    (lesson / "dangling").symlink_to(root / "nowhere")
    (root / "lessons" / "up").symlink_to(root / "shared")
    base = lesson.resolve()
    names = ["", ".", "..", "README.md", "slides", "img", "linked", "notes.md", "to-file",
             "dangling", "missing", "lesson_02", "lessons", "up", "shared"]  # fmt: skip
    checked = 0
    for n in (1, 2, 3):
        for combo in itertools.product(names, repeat=n):
            rel = "/".join(combo)
            for variant in (rel, rel + "/", "./" + rel, str(root / rel)):
                assert resolve_from(base, variant) == (base / variant).resolve(), variant
                checked += 1
    assert checked > 10_000
