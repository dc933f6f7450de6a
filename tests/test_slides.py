"""Slides: deck analysis (images, katex), planning, and real Marp + Chromium builds."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from course_cli.builders.slides import builder as slides
from course_cli.builders.slides import decks, marp
from course_cli.core.config import load_course
from course_cli.core.errors import CourseError, UsageError
from course_cli.engine.executor import execute
from course_cli.engine.steps import BuildOptions
from course_cli.tools.runner import Toolbox
from tests.conftest import MINI_COURSE_YAML

REPO = Path(__file__).resolve().parents[1]
MARP = REPO / "node_modules" / ".bin" / "marp"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))  # fmt: skip


DECK = """\
---
marp: true
theme: course
math: mathjax
paginate: true
---

# Policy gradient basics

The score function estimator:

$$
\\nabla_\\theta J = \\E_{\\tau \\sim \\pitheta}
\\left[ \\grad \\log \\pitheta(a \\mid s)\\, \\Ahat \\right]
$$

<!-- Speaker note: derive the log-derivative trick on the board. -->

---

# A figure

![w:300 A red square](img/square.png)

Inline math with an operator: $\\argmax_a \\clip(r, 0, 1)$.
"""

SECOND = """\
---
marp: true
theme: course
math: mathjax
---

# Second lesson deck

Value of a state: $\\Vpi(s)$.
"""


# -- analysis (no external tools) ------------------------------------------------------------


def test_analyze_finds_images_with_lines_and_flags_missing(tmp_path: Path) -> None:
    deck = tmp_path / "lessons/lesson_01/slides/slides.md"
    deck.parent.mkdir(parents=True)
    (deck.parent / "img").mkdir()
    (deck.parent / "img/a.png").write_bytes(png(2, 2, (0, 0, 0)))
    deck.write_text(
        "---\nmarp: true\nbackgroundImage: url('img/a.png')\n---\n\n"
        "![alt](img/a.png)\n"
        "```\n![not an image](img/in-code.png)\n```\n"
        "`![inline code](img/x.png)` and ![remote](https://example.org/x.png)\n"
        '<img src="img/missing.png">\n'
        "<!-- ![in a note](img/note.png) -->\n"
        "![gone](img/gone%20too.png)\n",
        encoding="utf-8",
    )
    info = decks.analyze_deck(deck, tmp_path)
    assert [(r.line, r.url) for r in info.images] == [
        (3, "img/a.png"), (6, "img/a.png"), (11, "img/missing.png"), (13, "img/gone%20too.png"),
    ]  # fmt: skip
    assert info.problems == (
        "lessons/lesson_01/slides/slides.md:11: image img/missing.png not found "
        "(looked for lessons/lesson_01/slides/img/missing.png)",
        "lessons/lesson_01/slides/slides.md:13: image img/gone%20too.png not found "
        "(looked for lessons/lesson_01/slides/img/gone too.png)",
    )


def test_katex_and_outside_images_are_flagged(tmp_path: Path) -> None:
    course = tmp_path / "course"
    deck = course / "lessons/lesson_01/slides/deck.md"
    deck.parent.mkdir(parents=True)
    (tmp_path / "outside.png").write_bytes(png(2, 2, (0, 0, 0)))
    deck.write_text(
        "---\nmarp: true\nmath: katex\n---\n\n# T\n\n<!-- math: katex -->\n"
        "![x](../../../../outside.png)\n",
        encoding="utf-8",
    )
    problems = decks.analyze_deck(deck, course).problems
    assert problems[0] == (
        "lessons/lesson_01/slides/deck.md:9: image ../../../../outside.png is outside the course "
        "folder, so the built slides cannot carry it; copy it under slides/img/"
    )
    assert [p.split(": ")[0] for p in problems[1:]] == [
        "lessons/lesson_01/slides/deck.md:3",
        "lessons/lesson_01/slides/deck.md:8",
    ]
    assert "math: katex loads its fonts from a CDN" in problems[1]


def test_staged_markdown_rewrites_urls_and_keeps_lines(tmp_path: Path) -> None:
    root = tmp_path
    deck = root / "lessons/lesson_01/slides/s.md"
    (deck.parent / "img").mkdir(parents=True)
    (deck.parent / "img/a.png").write_bytes(b"x")
    (root / "materials").mkdir()
    (root / "materials/shared.png").write_bytes(b"y")
    deck.write_text("# T\n\n![a](img/a.png) ![b](../../../materials/shared.png)\n")
    info = decks.analyze_deck(deck, root)
    html = decks.staged_markdown(info, "html", root)
    assert html == "# T\n\n![a](img/a.png) ![b](_assets/materials/shared.png)\n"
    pdf = decks.staged_markdown(info, "pdf", root)
    assert pdf == (f"# T\n\n![a]({deck.parent / 'img/a.png'}) "
                   f"![b]({root / 'materials/shared.png'})\n")  # fmt: skip


def test_marp_warnings_are_joined() -> None:
    out = (
        "[  INFO ] Converting 1 markdown...\n"
        "[  WARN ] Insecure local file accessing is enabled for conversion from\n"
        "          in/lesson_01/slides.md.\n"
        "[  WARN ] The local file is missing and will be ignored.\n"
        "[  INFO ] in/a.md => out/a.pdf\n"
    )
    assert marp.marp_warnings(out) == [
        "Insecure local file accessing is enabled for conversion from in/lesson_01/slides.md.",
        "The local file is missing and will be ignored.",
    ]


def test_math_problems_from_the_engine_reports() -> None:
    deck = "---\nmarp: true\n---\n\n# A\n\nFine $x$ then $\\Fo y$ and\n\n$$\n\\frac{a}{b\n$$\n"
    stderr = (
        "[  INFO ] Converting 2 markdowns...\n"
        '[course-math] {"tex": "\\\\Fo y", "problems": ["\\\\Fo"]}\n'
        '[course-math] {"tex": "\\\\frac{a}{b\\n", "problems": ["Missing close brace"]}\n'
        '[course-math] {"tex": "\\\\elsewhere", "problems": ["\\\\elsewhere"]}\n'
        "[course-math] not json\n"
    )
    assert marp.math_problems(stderr, deck) == (
        ":7: 2 math expression(s) failed to typeset (undefined macro or TeX error); "
        "MathJax reported: Missing close brace, \\Fo; "
        "define course macros in the macros file, one per line"
    )
    assert marp.math_problems("[  INFO ] done\n", deck) == ""


def course_with_decks(make_course: Callable[..., Path]) -> Path:
    return make_course({
        "lessons/lesson_01/slides/slides.md": DECK,
        "lessons/lesson_01/slides/img/square.png": png(120, 80, (200, 30, 30)),
        "lessons/lesson_02/slides/slides.md": SECOND,
    })  # fmt: skip


def test_plan_steps_batches_and_assets(make_course: Callable[..., Path]) -> None:
    root = course_with_decks(make_course)
    course = load_course(root)
    options = BuildOptions(root=root, build_dir=root / "build", toolbox=Toolbox(root))
    steps = slides.plan_build(course, list(course.lessons), options)
    got = sorted((s.kind, s.output.relative_to(root).as_posix(), s.batch) for s in steps)
    assert got == [
        ("slides-asset", "build/lesson_01/img/square.png", "slides-assets"),
        ("slides-html", "build/lesson_01/slides.html", "marp-html"),
        ("slides-html", "build/lesson_02/slides.html", "marp-html"),
        ("slides-notes", "build/lesson_01/slides.notes.txt", "marp-notes"),
        ("slides-notes", "build/lesson_02/slides.notes.txt", "marp-notes"),
        ("slides-pdf", "build/lesson_01/slides.pdf", "marp-pdf"),
        ("slides-pdf", "build/lesson_02/slides.pdf", "marp-pdf"),
    ]
    pdf = next(s for s in steps if s.output.name == "slides.pdf" and "lesson_01" in str(s.output))
    assert root / "lessons/lesson_01/slides/img/square.png" in pdf.inputs
    assert root / "templates/marp/course.css" in pdf.inputs
    assert root / "materials/macros.tex" in pdf.inputs


def test_unknown_format_is_a_usage_error(make_course: Callable[..., Path]) -> None:
    course = load_course(make_course())
    with pytest.raises(UsageError, match="unknown slide format svg"):
        slides.resolve_formats(course, ["html", "svg"])


# -- real Marp and Chromium ------------------------------------------------------------------

needs_marp = pytest.mark.skipif(not MARP.exists(), reason="Marp CLI not installed (run npm ci)")
needs_browser = pytest.mark.skipif(
    not (shutil.which("chromium") or os.environ.get("CHROME_PATH")), reason="no Chromium"
)
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="no poppler-utils")


@pytest.fixture
def marp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARP_PATH", str(MARP))
    monkeypatch.setenv("CI", "1")


def statuses(stderr: str) -> list[str]:
    lines = [x.rsplit(" (", 1)[0] for x in stderr.splitlines()]
    return sorted(x for x in lines if x.startswith(("built ", "FAILED ")))


@pytest.mark.integration
@needs_marp
@needs_browser
@needs_poppler
def test_build_html_pdf_notes_and_rebuild_only_what_changed(
    make_course: Callable[..., Path], run_cli: Callable[..., object], marp_env: None
) -> None:
    root = course_with_decks(make_course)
    res = run_cli("build", "slides", "--root", str(root))
    assert res.exit_code == 0, res.stderr  # type: ignore[attr-defined]
    assert "7 built, 0 up to date, 0 failed" in res.stdout  # type: ignore[attr-defined]
    out = root / "build/lesson_01"

    html = (out / "slides.html").read_text(encoding="utf-8")
    assert 'data-c="1D53C"' in html  # \E from the course macros: a double-struck E
    assert '<g data-mml-node="merror"' not in html  # (the CSS names it; no element uses it)
    assert '<g data-mml-node="mtext" fill="red"' not in html
    assert 'src="img/square.png"' in html
    assert (out / "img/square.png").read_bytes() == png(120, 80, (200, 30, 30))

    text = subprocess.run(["pdftotext", str(out / "slides.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "Policy gradient basics" in text
    assert "A figure" in text
    images = subprocess.run(["pdfimages", "-list", str(out / "slides.pdf")], capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    rows = [line.split() for line in images.splitlines()[2:]]
    assert any(r[0] == "2" and r[3:5] == ["120", "80"] for r in rows), images
    notes = (out / "slides.notes.txt").read_text(encoding="utf-8")
    assert "Speaker note: derive the log-derivative trick on the board." in notes

    # Nothing changed: nothing runs.
    again = run_cli("build", "slides", "--root", str(root))
    assert "0 built, 7 up to date" in again.stdout  # type: ignore[attr-defined]
    # A new mtime with the same bytes is not a change.
    img = root / "lessons/lesson_01/slides/img/square.png"
    os.utime(img, (1, 1))
    assert "0 built, 7 up to date" in run_cli("build", "slides", "--root", str(root)).stdout  # type: ignore[attr-defined]
    # New image bytes: only that deck's PDF, the HTML's copy of the image, and that deck's HTML
    # (its step measures the slides' layout, which depends on the image).
    img.write_bytes(png(120, 80, (30, 30, 200)))
    changed = run_cli("build", "slides", "--root", str(root))
    assert statuses(changed.stderr) == [  # type: ignore[attr-defined]
        "built build/lesson_01/img/square.png",
        "built build/lesson_01/slides.html",
        "built build/lesson_01/slides.pdf",
    ]
    assert "3 built, 4 up to date" in changed.stdout  # type: ignore[attr-defined]


@pytest.mark.integration
@needs_marp
def test_missing_image_fails_with_path_and_line(
    make_course: Callable[..., Path], run_cli: Callable[..., object], marp_env: None
) -> None:
    root = make_course({"lessons/lesson_01/slides/slides.md": DECK})
    res = run_cli("build", "slides", "1", "--format", "html", "--root", str(root))
    assert res.exit_code == 4  # type: ignore[attr-defined]
    line = DECK.splitlines().index("![w:300 A red square](img/square.png)") + 1
    assert (
        f"lessons/lesson_01/slides/slides.md:{line}: image img/square.png not found "
        "(looked for lessons/lesson_01/slides/img/square.png)"
    ) in res.stderr  # type: ignore[attr-defined]
    assert not (root / "build/lesson_01/slides.html").exists()
    assert (root / "build/lesson_01/slides.notes.txt").exists()


@pytest.mark.integration
@needs_marp
def test_katex_deck_is_flagged(
    make_course: Callable[..., Path], run_cli: Callable[..., object], marp_env: None
) -> None:
    root = make_course({"lessons/lesson_02/slides/k.md": SECOND.replace("mathjax", "katex")})
    res = run_cli("build", "slides", "2", "--format", "html", "--root", str(root))
    assert res.exit_code == 4  # type: ignore[attr-defined]
    assert "lessons/lesson_02/slides/k.md:4: math: katex loads its fonts from a CDN" in (
        res.stderr  # type: ignore[attr-defined]
    )


@pytest.mark.integration
@needs_marp
def test_undefined_macro_fails_the_html(
    make_course: Callable[..., Path], run_cli: Callable[..., object], marp_env: None
) -> None:
    root = make_course({"lessons/lesson_02/slides/m.md": SECOND.replace("\\Vpi", "\\Vpix")})
    res = run_cli("build", "slides", "2", "--format", "html", "--root", str(root))
    assert res.exit_code == 4  # type: ignore[attr-defined]
    line = SECOND.splitlines().index("Value of a state: $\\Vpi(s)$.") + 1
    assert f"lessons/lesson_02/slides/m.md:{line}: 1 math expression(s) failed to typeset" in (
        res.stderr  # type: ignore[attr-defined]
    )
    assert "\\Vpix" in res.stderr  # type: ignore[attr-defined]


@pytest.mark.integration
@needs_marp
def test_no_browser_is_exit_3_with_the_install_hint(
    make_course: Callable[..., Path], run_cli: Callable[..., object], marp_env: None,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    root = make_course({"lessons/lesson_02/slides/slides.md": SECOND})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    node = shutil.which("node")
    assert node
    (bin_dir / "node").symlink_to(node)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("CHROME_PATH", raising=False)
    res = run_cli("build", "slides", "2", "--root", str(root))
    assert res.exit_code == 3  # type: ignore[attr-defined]
    assert "chromium not found" in res.stderr  # type: ignore[attr-defined]
    assert "sudo apt-get install chromium" in res.stderr  # type: ignore[attr-defined]
    # Only the PDF needs a browser: the HTML and the speaker notes were built anyway.
    assert statuses(res.stderr) == [  # type: ignore[attr-defined]
        "FAILED build/lesson_02/slides.pdf",
        "built build/lesson_02/slides.html",
        "built build/lesson_02/slides.notes.txt",
    ]
    assert (root / "build/lesson_02/slides.html").is_file()
    assert (root / "build/lesson_02/slides.notes.txt").read_text(encoding="utf-8") == ""
    assert max(len(line) for line in res.stderr.splitlines()) < 400  # type: ignore[attr-defined]


@pytest.mark.integration
@needs_marp
def test_html_slides_and_notes_need_no_browser(
    make_course: Callable[..., Path], run_cli: Callable[..., Any], marp_env: None,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    root = make_course(
        {
            "lessons/lesson_01/slides/slides.md": DECK.replace(
                "![w:300 A red square](img/square.png)", ""
            )
        },
        yaml=MINI_COURSE_YAML + "build:\n  slides: [html]\n",
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    node = shutil.which("node")
    assert node
    (bin_dir / "node").symlink_to(node)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("CHROME_PATH", raising=False)
    res = run_cli("build", "slides", "1", "--root", str(root))
    assert res.exit_code == 0, res.stderr
    assert statuses(res.stderr) == [
        "built build/lesson_01/slides.html",
        "built build/lesson_01/slides.notes.txt",
    ]
    notes = (root / "build/lesson_01/slides.notes.txt").read_text(encoding="utf-8")
    assert "Speaker note: derive the log-derivative trick on the board." in notes


@pytest.mark.integration
@needs_marp
@needs_browser
def test_pptx_has_one_slide_per_page(
    make_course: Callable[..., Path], run_cli: Callable[..., Any], marp_env: None
) -> None:
    import zipfile

    root = make_course(
        {
            "lessons/lesson_01/slides/deck.md": DECK.replace(
                "![w:300 A red square](img/square.png)", ""
            )
        }
    )
    res = run_cli("build", "slides", "1", "--format", "pptx", "--root", str(root))
    assert res.exit_code == 0, res.stderr
    with zipfile.ZipFile(root / "build/lesson_01/deck.pptx") as z:
        pages = [n for n in z.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
    assert len(pages) == 2


def test_a_deck_that_is_not_utf8_fails_its_own_outputs(make_course: Callable[..., Path]) -> None:
    root = course_with_decks(make_course)
    bad = root / "lessons/lesson_02/slides/slides.md"
    bad.write_bytes(SECOND.encode() + b"\xff\n")
    with pytest.raises(CourseError) as exc:
        decks.analyze_deck(bad, root)
    where = f"lessons/lesson_02/slides/slides.md:{SECOND.count(chr(10)) + 1}"
    assert exc.value.message == (
        f"{where}: not valid UTF-8 (byte 0xff at offset {len(SECOND.encode())})"
    )
    course = load_course(root)
    options = BuildOptions(root=root, build_dir=root / "build", toolbox=Toolbox(root))
    steps = slides.plan_build(course, list(course.lessons), options)
    report = execute([s for s in steps if "lesson_02" in str(s.output)], root=root)
    assert sorted(report.rel(r.step.output) for r in report.failed) == [
        "build/lesson_02/slides.html",
        "build/lesson_02/slides.notes.txt",
        "build/lesson_02/slides.pdf",
    ]
    assert {r.error.message for r in report.failed if r.error} == {exc.value.message}
    # The other lesson's deck is planned as usual.
    assert "build/lesson_01/slides.html" in {report.rel(s.output) for s in steps}


@pytest.mark.integration
@needs_marp
def test_a_non_utf8_deck_does_not_stop_the_others(
    make_course: Callable[..., Path], run_cli: Callable[..., Any], marp_env: None
) -> None:
    root = course_with_decks(make_course)
    (root / "lessons/lesson_02/slides/slides.md").write_bytes(SECOND.encode() + b"\xff\n")
    res = run_cli("build", "slides", "--format", "html", "--root", str(root))
    assert res.exit_code == 1
    assert "lessons/lesson_02/slides/slides.md:10: not valid UTF-8 (byte 0xff" in res.stderr
    assert "Traceback" not in res.stderr
    assert (root / "build/lesson_01/slides.html").is_file()
    assert not (root / "build/lesson_02/slides.html").exists()


@pytest.mark.integration
@needs_marp
def test_broken_math_fails_every_format_of_the_deck(
    make_course: Callable[..., Path], run_cli: Callable[..., Any], marp_env: None
) -> None:
    broken = SECOND.replace("$\\Vpi(s)$.", "$\\frac{a}{b$ and $\\foo x$.")
    root = make_course({"lessons/lesson_02/slides/m.md": broken})
    line = broken.splitlines().index("Value of a state: $\\frac{a}{b$ and $\\foo x$.") + 1
    res = run_cli("build", "slides", "2", "--format", "html,pdf", "--root", str(root))
    assert res.exit_code == 4, res.stderr
    assert f"lessons/lesson_02/slides/m.md:{line}: 2 math expression(s) failed to typeset" in (
        res.stderr
    )
    assert "(not built: build/lesson_02/m.html, build/lesson_02/m.pdf)" in res.stderr
    assert statuses(res.stderr) == [
        "FAILED build/lesson_02/m.html",
        "FAILED build/lesson_02/m.pdf",
        "built build/lesson_02/m.notes.txt",
    ]
    assert not (root / "build/lesson_02/m.pdf").exists()
    assert not (root / "build/lesson_02/m.html").exists()
    # A PDF-only build checks the math too.
    alone = run_cli("build", "slides", "2", "--format", "pdf", "--root", str(root))
    assert alone.exit_code == 4
    assert f"lessons/lesson_02/slides/m.md:{line}: 2 math expression(s)" in alone.stderr
    assert not (root / "build/lesson_02/m.pdf").exists()


@pytest.mark.integration
@needs_marp
def test_a_failed_rebuild_removes_the_outdated_slides(
    make_course: Callable[..., Path], run_cli: Callable[..., Any], marp_env: None
) -> None:
    root = course_with_decks(make_course)
    out = root / "build/lesson_01"
    first = run_cli("build", "slides", "1", "--format", "html", "--root", str(root))
    assert first.exit_code == 0, first.stderr
    assert (out / "slides.html").is_file()
    # The image disappears: no input of the HTML changed, but the deck is broken now.
    (root / "lessons/lesson_01/slides/img/square.png").unlink()
    res = run_cli("build", "slides", "1", "--format", "html", "--root", str(root))
    assert res.exit_code == 4
    assert "FAILED build/lesson_01/slides.html" in res.stderr
    assert "image img/square.png not found" in res.stderr
    assert not (out / "slides.html").exists()
    assert (out / "slides.notes.txt").is_file()  # notes do not show images


@pytest.mark.integration
@needs_marp
@needs_browser
def test_a_failed_rebuild_removes_the_outdated_pdf(
    make_course: Callable[..., Path], run_cli: Callable[..., Any], marp_env: None
) -> None:
    root = make_course({"lessons/lesson_02/slides/slides.md": SECOND})
    out = root / "build/lesson_02"
    assert run_cli("build", "slides", "2", "--root", str(root)).exit_code == 0
    assert (out / "slides.pdf").is_file()
    deck = root / "lessons/lesson_02/slides/slides.md"
    deck.write_text(SECOND + "\n![a plot](img/plot.png)\n", encoding="utf-8")
    res = run_cli("build", "slides", "2", "--root", str(root))
    assert res.exit_code == 4
    assert "image img/plot.png not found" in res.stderr
    assert not (out / "slides.pdf").exists()
    assert not (out / "slides.html").exists()
