"""Property test: for generated course.yaml documents and lesson trees, no command prints a
traceback, every exit code is one of DESIGN.md's, and no file outside build/ changes except the
ones a command is documented to write (README.md for ``readme``, course.yaml and the new lesson
folder for ``new-lesson``). Files next to the course are never touched.

Only commands that need no TeX, Marp or Chromium run here, so the test stays fast.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening_helpers import snapshot

SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
)
HOSTILE = st.sampled_from(
    [
        "README.md",
        "lessons/lesson_01/README.md",
        "/etc/passwd",
        "../outside/secret.txt",
        "course.yaml",
        "materials/book/src.tex",
        "build/book.pdf",
        "x.pdf",
        "",
    ]
)
SCALARS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.booleans(),
    st.none(),
    SAFE_TEXT,
    st.floats(allow_nan=False, allow_infinity=False),
)


def _yaml_scalar(value: object) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


@st.composite
def course_yaml(draw: st.DrawFn) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append(f"title: {_yaml_scalar(draw(st.one_of(SAFE_TEXT, SCALARS)))}")
    else:
        lines.append("title: Course")
    if draw(st.booleans()):
        lines.append("book:")
        for key in draw(st.lists(st.sampled_from(["source", "pdf", "bibliography"]), unique=True)):
            lines.append(f"  {key}: {_yaml_scalar(draw(HOSTILE))}")
    if draw(st.booleans()):
        lines.append(f"macros: {_yaml_scalar(draw(HOSTILE))}")
    if draw(st.booleans()):
        lines.append("build:")
        lines.append(f"  jobs: {_yaml_scalar(draw(SCALARS))}")
    if draw(st.booleans()):
        lines.append(
            f"{draw(st.sampled_from(['lesson', 'x', 'extra']))}: {_yaml_scalar(draw(SCALARS))}"
        )
    if draw(st.booleans()):
        depth = draw(st.integers(min_value=1, max_value=200))
        lines.append("deep: " + "[" * depth + "]" * depth)
    lessons = draw(
        st.lists(
            st.tuples(
                st.one_of(st.integers(min_value=1, max_value=12), SCALARS),
                st.one_of(SAFE_TEXT, SCALARS),
                st.lists(SAFE_TEXT, max_size=2),
            ),
            max_size=4,
        )
    )
    if lessons or draw(st.booleans()):
        lines.append("lessons:")
        for number, title, book in lessons:
            lines.append(f"  - number: {_yaml_scalar(number)}")
            lines.append(f"    title: {_yaml_scalar(title)}")
            if book:
                lines.append("    book: [" + ", ".join(_yaml_scalar(b) for b in book) + "]")
    return "\n".join(lines) + "\n"


CONTENT = st.sampled_from(
    [
        "# Lesson\n\nText with $x^2$.\n",
        "<!-- course:roadmap:start -->\n",
        "`<!-- course:roadmap:end -->` in code\n",
        "\\input{/etc/hostname}\n",
        "<script>alert(1)</script>\n",
        "```\n<!-- course:roadmap:start -->\n```\n",
        "---\nmarp: true\nmath: katex\n---\n\n# Deck\n\n![x](../../../../etc/passwd)\n",
        "\xff\xfe invalid",
        "",
    ]
)


@st.composite
def lesson_tree(draw: st.DrawFn) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for number in draw(st.lists(st.integers(min_value=1, max_value=4), max_size=3, unique=True)):
        base = f"lessons/lesson_{number:02d}"
        for name in draw(
            st.lists(st.sampled_from(["README.md", "conspect.md", "slides/slides.md"]), unique=True)
        ):
            text = "".join(draw(st.lists(CONTENT, min_size=1, max_size=3)))
            files[f"{base}/{name}"] = text.encode("latin-1", "replace") if "\xff" in text else text
    readme = "".join(draw(st.lists(CONTENT, max_size=4)))
    files["README.md"] = readme.encode("latin-1", "replace") if "\xff" in readme else readme
    return files


COMMANDS: list[tuple[list[str], tuple[str, ...]]] = [
    (["check"], ()),
    (["list"], ()),
    (["readme", "--check"], ()),
    (["book-sync", "--check"], ()),
    (["build", "site"], ()),
    (["readme"], ("README.md",)),
    (["new-lesson", "7", "--title", "Seven"], ("course.yaml", "lessons/lesson_07/")),
]


def _run(args: list[str], root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run ``course ARGS --root ROOT`` in-process; a traceback (any exception) fails the test."""
    from course_cli.cli import main

    old = sys.argv
    sys.argv = ["course", *args, "--root", str(root)]
    capsys.readouterr()
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = old
    return code, capsys.readouterr().err


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(yaml=course_yaml(), files=lesson_tree())
def test_no_traceback_and_nothing_outside_build_changes(
    yaml: str, files: dict[str, str | bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = base / "course"
        outside = base / "outside"
        outside.mkdir()
        (outside / "secret.txt").write_text("secret\n", encoding="utf-8")
        root.mkdir()
        (root / "course.yaml").write_text(yaml, encoding="utf-8")
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        shutil.copytree(Path(__file__).resolve().parents[1] / "templates", root / "templates")
        outside_before = snapshot(outside)
        for args, allowed in COMMANDS:
            before = snapshot(root)
            code, err = _run(args, root, capsys)
            assert code in (0, 1, 2, 3, 4), (args, code, err)
            assert "Traceback" not in err, (args, err)
            after = snapshot(root)
            changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
            unexpected = {c for c in changed if not any(c == a or c.startswith(a) for a in allowed)}
            assert not unexpected, (args, sorted(unexpected))
            assert snapshot(outside) == outside_before, args
