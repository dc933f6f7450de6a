"""`course check --files` over real material (../shared/corpus): every finding is a real defect.

Each expected finding below was looked at by hand; the comment says why it is a defect of that
material. Anything new is either a regression (a false alarm) or a new defect to add here.
Links to files listed in a folder's DROPPED.txt are expected to be missing and are not reported.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from course_cli.check.files import check_files
from tests.conftest import CORPUS

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"real-world corpus not present at {CORPUS}"),
]

MARPSTYLE_PDFS = [  # README links to exported PDFs that were never committed next to the decks
    ("README.md:79:42", "socrates"),
    ("README.md:82:36", "plato"),
    ("README.md:86:45", "copernicus"),
    ("README.md:87:9", "copernicus"),
    ("README.md:90:44", "descartes"),
    ("README.md:93:40", "leibniz"),
    ("README.md:96:34", "kant"),
    ("README.md:99:36", "hegel"),
    ("README.md:102:36", "freud"),
    ("README.md:105:40", "husserl"),
    ("README.md:108:36", "weber"),
    ("README.md:111:42", "einstein"),
    ("README.md:114:44", "heidegger"),
    ("README.md:117:36", "orwell"),
    ("README.md:124:34", "godel"),
    ("README.md:127:36", "arendt"),
    ("README.md:130:36", "turing"),
    ("README.md:133:34", "king"),
    ("README.md:136:34", "jobs"),
]

# folder -> (findings other than L004 as (location, code, message), number of L004 findings)
EXPECTED: dict[str, tuple[list[tuple[str, str, str]], int]] = {
    "lessons/girafe-ai__ml-course": (
        [
            # PDFs linked from the schedule, not in the repository (nor in DROPPED.txt)
            (
                "README.md:11:241",
                "L001",
                "link target does not exist: "
                "week0_00_linear_algebra_recap/lecture00-linear_algebra_recap.pdf",
            ),
            (
                "README.md:13:205",
                "L001",
                "link target does not exist: "
                "week0_03_linear_classification/msai-ml_s21_lect003_logistic_regression.pdf",
            ),
            ("README.md:19:108", "L005", "link has an empty target"),  # [Слайды]()
            ("week0_07_intro_to_DL/README.md:2:10", "L005", "link target is a placeholder: TBD"),
        ],
        0,
    ),
    "lessons/huggingface__deep-rl-class": (
        [
            # <source src="assets/…mp4"> relative to units/en/unit8/: no such folder there
            (
                "units/en/unit8/hands-on-cleanrl.mdx:29:20",
                "L002",
                "image target does not exist: assets/63_deep_rl_intro/lunarlander.mp4",
            ),
        ],
        2,
    ),  # two <img> without alt
    "lessons/yandexdataschool__Practical_RL": (
        [
            (
                "week03_model_free/README.md:6:100",
                "L001",
                "link target does not exist: ./crawler_and_pacman/seminar_py2",
            ),  # folder gone from the repo
        ],
        0,
    ),
    "marp/cunhapaulo__marpstyle": (
        [
            *[
                (loc, "L001", f"link target does not exist: examples/example-{name}.pdf")
                for loc, name in MARPSTYLE_PDFS
            ],
            # img/copernicus2.gif is neither in the copy nor in DROPPED.txt (Copernicus.gif is)
            (
                "examples/example-copernicus.md:314:31",
                "L002",
                "image target does not exist: ../img/copernicus2.gif",
            ),
            (
                "examples/example-copernicus.md:324:33",
                "L002",
                "image target does not exist: ../img/copernicus2.gif",
            ),
            (
                "examples/example-leibniz.md:9",
                "S002",
                "`math: katex` loads its fonts from a CDN: formulas break offline",
            ),
            (
                "examples/example-leibniz.md:193:12",
                "L005",
                "image has an empty target",
            ),  # ![h:450px]()
        ],
        167,
    ),  # ![h:450px](…): Marp size keywords only, no alt text
    "marp/hofbi__tum-marp-template": ([], 1),
    "marp/kaisugi__marp-theme-academic": (
        [
            *[
                (f"README.md:{n + 2}:5", "L002", f"image target does not exist: ./demo.00{n}.png")
                for n in range(1, 7)
            ],  # screenshots the README shows are not in the copy, nor DROPPED
            (
                "demo.md:5",
                "S002",
                "`math: katex` loads its fonts from a CDN: formulas break offline",
            ),
        ],
        6,
    ),
    "marp/yhatt__marp-cli-example": ([], 6),  # README badges and screenshots as <img> without alt
    "mdnotes/ermongroup__cs228-notes": (
        [
            ("extras/vae/index.md:213:66", "L005", "link has an empty target"),  # [Next]()
            # \iid is defined neither in the note nor in _layouts/post.html's MathJax Macros
            (
                "inference/sampling/index.md:51:22",
                "M004",
                "\\iid is not defined here, in the shared macros, or in standard LaTeX/MathJax",
            ),
            (
                "preliminaries/applications/index.md:88:21",
                "L002",
                "image target does not exist: diffusionpics.png",
            ),
            (
                "preliminaries/applications/index.md:99:12",
                "L002",
                "image target does not exist: vaepics.png",
            ),
            (
                "preliminaries/applications/index.md:209:10",
                "L002",
                "image target does not exist: bird_new.gif",
            ),
            (
                "preliminaries/applications/old_index.md:154:10",
                "L002",
                "image target does not exist: bird_new.gif",
            ),
        ],
        0,
    ),
}


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_corpus_findings_are_the_known_real_defects(folder: str) -> None:
    report = check_files([CORPUS / folder])
    expected, alt_count = EXPECTED[folder]
    got = [(f.location(), f.code, f.message) for f in report.findings
           if f.code not in {"L004", "M008"}]  # fmt: skip
    assert sorted(got) == sorted(expected)
    # cs228 writes inline math as Kramdown's $$x$$: display math to pandoc
    want_m008 = 1867 if folder == "mdnotes/ermongroup__cs228-notes" else 0
    assert Counter(f.code for f in report.findings)["M008"] == want_m008
    assert Counter(f.code for f in report.findings)["L004"] == alt_count


def test_price_is_not_math_and_speaker_notes_are_not_links() -> None:
    deck = CORPUS / "marp/cunhapaulo__marpstyle/examples/example-plato.md"
    assert "$ 17.83" in deck.read_text(encoding="utf-8")
    report = check_files([deck])
    assert [f for f in report.findings if f.code.startswith("M")] == []


def test_every_corpus_markdown_file_is_read(tmp_path: Path) -> None:
    folders = [CORPUS / name for name in EXPECTED]
    report = check_files(folders)
    assert report.files_checked == 207
    assert [f for f in report.findings if f.code.startswith("F")] == []
