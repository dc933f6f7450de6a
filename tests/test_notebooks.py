"""Notebooks: the lessons' notebooks run through ``course build notebooks`` and their asserts
hold; a working and a failing notebook; incremental rebuilds; solution cells; figures; Colab;
the pair rules of ``course check``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_cli.builders.targets import build
from course_cli.core.config import load_course

REPO = Path(__file__).resolve().parents[1]
LESSON_NOTEBOOKS = sorted((REPO / "lessons").glob("lesson_*/notebooks/*.py"))

HEADER = """\
# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---
"""

GOOD = (
    HEADER
    + """
# %% [markdown]
# # A working notebook
#
# It prints $\\E[X]$ and draws a figure.

# %%
import matplotlib.pyplot as plt

# %%
print("the mean is", sum(range(5)) / 5)

# %%
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot([0, 1, 2], [0, 1, 4])
fig.savefig("saved_figure.png")
plt.show()

# %% [markdown]
# **Exercise.** Square 7.

# %% tags=["solution"]
answer = 7 * 7
assert answer == 49
"""
)

BAD = (
    HEADER
    + """
# %%
values = [1, 2, 3]

# %%
total = sum(values)

# %%
ratio = total / 6
raise ValueError(f"ratio {ratio} is not allowed")

# %%
print("never reached")
"""
)

COURSE_YAML = """\
title: Notebook Course
repository: https://github.com/example/course
lessons:
  - number: 1
    title: One
  - number: 2
    title: Two
"""


def _course(make_course, files: dict[str, str], yaml: str = COURSE_YAML) -> Path:
    root: Path = make_course(files, yaml=yaml)
    (root / "node_modules").symlink_to(REPO / "node_modules")
    return root


def _sync(path: Path) -> None:
    """Write the paired .ipynb of a .py, as a maintainer would with ``jupytext --sync``."""
    import jupytext

    jupytext.write(jupytext.read(path), path.with_suffix(".ipynb"), fmt="ipynb")


def test_lesson_notebooks_are_jupytext_pairs_without_build_scripts() -> None:
    lessons = {p.parts[-3] for p in LESSON_NOTEBOOKS}
    assert {"lesson_05", "lesson_06", "lesson_07", "lesson_08"} <= lessons
    assert not list((REPO / "lessons").glob("*/notebooks/build_notebook.py"))
    for py in LESSON_NOTEBOOKS:
        text = py.read_text()
        assert "formats: ipynb,py:percent" in text, py
        nb = json.loads(py.with_suffix(".ipynb").read_text())
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        for cell in nb["cells"]:
            assert not cell.get("outputs"), f"{py.name}: committed outputs"


@pytest.mark.parametrize(
    "py", LESSON_NOTEBOOKS, ids=[f"{p.parts[-3]}/{p.stem}" for p in LESSON_NOTEBOOKS]
)
def test_lesson_notebook_builds_and_its_asserts_hold(py: Path, make_course) -> None:
    code = py.read_text()
    assert "assert " in code, f"{py.name}: a notebook must check its results with assert"
    assert "http://" not in code and "https://" not in code, "notebooks must not use the network"
    lesson = py.parts[-3]
    number = int(lesson.split("_")[1])
    yaml = f"title: T\nlessons:\n  - number: {number}\n    title: L\n"
    root = _course(make_course, {}, yaml=yaml)
    shutil.copytree(py.parent, root / "lessons" / lesson / "notebooks")
    report = build(load_course(root), "notebooks", [number], jobs=1)
    assert report.failed == [], [r.error.message for r in report.failed if r.error]
    executed = json.loads((root / "build" / lesson / "notebooks" / f"{py.stem}.ipynb").read_text())
    outputs = [o for c in executed["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert outputs and not [o for o in outputs if o["output_type"] == "error"]


def test_working_and_failing_notebooks(make_course) -> None:
    root = _course(
        make_course,
        {
            "lessons/lesson_01/notebooks/good.py": GOOD,
            "lessons/lesson_01/notebooks/bad.py": BAD,
        },
    )
    _sync(root / "lessons/lesson_01/notebooks/good.py")
    report = build(load_course(root), "notebooks", jobs=2)
    out = root / "build/lesson_01/notebooks"
    by_name = {r.step.output.name: r for r in report.results}
    assert by_name["good.ipynb"].status == "built"
    assert by_name["bad.ipynb"].status == "failed"
    error = by_name["bad.ipynb"].error
    assert error is not None
    # the raise is on line 19 of bad.py, in the third cell
    raising = BAD.splitlines().index('raise ValueError(f"ratio {ratio} is not allowed")') + 1
    assert raising == 19
    assert error.message == (
        "lessons/lesson_01/notebooks/bad.py:19: cell 3 raised ValueError: ratio 1.0 is not allowed"
    )
    assert error.hint is not None and "ValueError: ratio 1.0 is not allowed" in error.hint
    assert not (out / "bad.ipynb").exists() and not (out / "bad.html").exists()

    html = (out / "good.html").read_text()
    assert "the mean is 2.0" in html
    assert re.search(r'<img[^>]+src="data:image/png;base64,', html)
    assert '<script src="../../assets/mathjax-notebook.js"></script>' in html
    assert not re.search(r"<script[^>]+src=\"https?:", html)
    assert (
        'href="https://colab.research.google.com/github/example/course/blob/main/'
        'lessons/lesson_01/notebooks/good.ipynb"' in html
    )
    assert '<details class="solution"><summary>Solution</summary>' in html
    # the figure the notebook saved went with it, out of the lesson folder
    assert (out / "good_files/saved_figure.png").read_bytes()[:4] == b"\x89PNG"
    assert not (root / "lessons/lesson_01/saved_figure.png").exists()
    # student rendering: the solution cell is a stub, no outputs in the .ipynb
    student = json.loads((out / "good.student.ipynb").read_text())
    stub = student["cells"][-1]
    assert "".join(stub["source"]) == "# Your solution here." and stub["metadata"]["tags"] == [
        "solution-stub"
    ]
    assert all(not c.get("outputs") for c in student["cells"] if c["cell_type"] == "code")
    student_html = (out / "good.student.html").read_text()
    assert "the mean is 2.0" in student_html and "7 * 7" not in student_html
    config = (root / "build/assets/mathjax-notebook.js").read_text()
    assert '"inlineMath": [\n   [\n    "$",' in config and '"E": "\\\\mathbb{E}"' in config


def test_notebook_rebuilds_only_when_an_input_changes(make_course) -> None:
    reader = HEADER + '\n# %%\ntext = open("notebooks/data.txt").read()\nprint(text)\nassert text\n'
    root = _course(
        make_course,
        {
            "lessons/lesson_01/notebooks/reader.py": reader,
            "lessons/lesson_01/notebooks/data.txt": "first\n",
        },
    )
    course = load_course(root)
    first = build(course, "notebooks", jobs=1)
    assert [r.status for r in first.results] == ["built", "built", "built"]
    again = build(course, "notebooks", jobs=1)
    assert [r.status for r in again.results] == ["fresh", "fresh", "fresh"]
    (root / "lessons/lesson_01/notebooks/data.txt").write_text("second\n")
    changed = build(course, "notebooks", jobs=1)
    assert [r.status for r in changed.results] == ["fresh", "fresh", "built"]
    html = (root / "build/lesson_01/notebooks/reader.html").read_text()
    assert "second" in html


def test_notebook_timeout_from_course_yaml(make_course) -> None:
    slow = HEADER + "\n# %%\nx = 1\n\n# %%\nimport time\ntime.sleep(30)\n"
    yaml = COURSE_YAML.replace("lessons:", "build:\n  notebooks:\n    timeout: 2\nlessons:")
    root = _course(make_course, {"lessons/lesson_02/notebooks/slow.py": slow}, yaml=yaml)
    report = build(load_course(root), "notebooks", [2], jobs=1)
    [failed] = report.failed
    assert failed.error is not None
    assert failed.error.message == (
        "lessons/lesson_02/notebooks/slow.py:15: cell 2 timed out after 2 s"
    )


def test_repository_must_be_a_github_url(make_course, run_cli) -> None:
    yaml = COURSE_YAML.replace("https://github.com/example/course", "ftp://example.org/x")
    root = make_course({}, yaml=yaml)
    result = run_cli("list", "--root", str(root))
    assert result.exit_code == 2
    assert (
        "course.yaml:2: repository.url: 'ftp://example.org/x' is not a GitHub repository URL "
        "like https://github.com/OWNER/REPO (Colab and the site's edit links open it on GitHub)"
    ) in result.stderr


def test_check_reports_notebook_pairs(make_course, run_cli) -> None:
    root = _course(
        make_course,
        {
            "lessons/lesson_01/notebooks/good.py": GOOD,
            "lessons/lesson_01/notebooks/lonely.py": BAD,
            "lessons/lesson_02/notebooks/other.ipynb": "{}",
        },
    )
    _sync(root / "lessons/lesson_01/notebooks/good.py")
    ipynb = root / "lessons/lesson_01/notebooks/good.ipynb"
    nb = json.loads(ipynb.read_text())
    nb["metadata"]["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    nb["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x\n"}]
    nb["cells"][4]["source"] = "changed = True\n"
    ipynb.write_text(json.dumps(nb, indent=1))
    result = run_cli("check", "--format", "json", "--root", str(root))
    found = {
        (f["path"], f["line"], f["code"], f["message"])
        for f in json.loads(result.stdout)["findings"]
        if f["code"].startswith("N")
    }
    good = "lessons/lesson_01/notebooks/good"
    assert found == {
        (f"{good}.py", GOOD.splitlines().index("# **Exercise.** Square 7.") + 1, "N001",
         "notebook pair out of sync: cell 5 of good.py differs from good.ipynb"),
        (f"{good}.ipynb", _first_output_line(ipynb), "N003",
         "good.ipynb carries outputs (cell 3 is the first); the committed notebook must have none"),
        (f"{good}.ipynb", _line(ipynb, '"kernelspec"'), "N004",
         "good.ipynb: kernel 'ir' (R) is not Python 3 ('python3')"),
        ("lessons/lesson_01/notebooks/lonely.py", None, "N002",
         "lonely.py has no paired lonely.ipynb"),
        ("lessons/lesson_02/notebooks/other.ipynb", None, "N002",
         "other.ipynb has no paired other.py"),
        ("lessons/lesson_02/notebooks/other.ipynb", None, "N005",
         "other.ipynb is not a notebook: no list of cells"),
    }  # fmt: skip


def _first_output_line(path: Path) -> int:
    lines = path.read_text().splitlines()
    return next(
        i for i, ln in enumerate(lines, 1) if '"outputs": [' in ln and lines[i].strip() == "{"
    )


def _line(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if needle in ln)


def test_scaffolded_notebook_is_in_sync_and_builds(make_course, run_cli) -> None:
    root = _course(make_course, {})
    result = run_cli("new-lesson", "1", "--with", "notebooks,exercises", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    check = run_cli("check", "1", "--format", "json", "--root", str(root))
    codes = {f["code"] for f in json.loads(check.stdout)["findings"]}
    assert not {c for c in codes if c[0] in "NX"}, codes
    report = build(load_course(root), "notebooks", [1], jobs=1)
    assert report.failed == []
    out = root / "build/lesson_01/notebooks"
    assert "sample variance 0.99" in (out / "explore.html").read_text()
    student = json.loads((out / "explore.student.ipynb").read_text())
    assert "".join(student["cells"][-1]["source"]) == "# Your solution here."


def test_cli_build_notebooks_exit_code_and_message(make_course) -> None:
    root = _course(make_course, {"lessons/lesson_01/notebooks/bad.py": BAD})
    done = subprocess.run(
        [sys.executable, "-m", "course_cli", "build", "notebooks", "1", "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 1
    assert (
        "\nerror: lessons/lesson_01/notebooks/bad.py:19: cell 3 raised ValueError: ratio 1.0 is "
        "not allowed\n  (not built: build/lesson_01/notebooks/bad.ipynb)\nhint: "
    ) in done.stderr
    assert "course_cli/" not in done.stderr  # the notebook's traceback, not ours


def test_package_key_names_imported_distributions_and_their_requirements(tmp_path: Path) -> None:
    from importlib.metadata import version

    from course_cli.builders.notebooks.builder import (
        distributions,
        imported_modules,
        imported_versions,
    )

    code = "import json\nimport numpy as np\nfrom matplotlib import pyplot as plt\n# import torch\n"
    modules = imported_modules(code)
    assert modules == {"json", "numpy", "matplotlib"}
    key = imported_versions(modules, distributions(tmp_path))
    parts = dict(item.split("==") for item in key.split(","))
    assert parts["numpy"] == version("numpy")
    assert parts["matplotlib"] == version("matplotlib")
    assert "pillow" in parts  # matplotlib requires it: an upgrade re-runs the notebook
    assert "torch" not in parts and "jupytext" not in parts  # not imported: no effect
    assert (tmp_path / "notebook-distributions.json").is_file()  # the map is cached


def test_missing_notebook_packages_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from course_cli.builders.notebooks.run import require
    from course_cli.core.errors import ToolNotFoundError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jupytext" else real(name)
    )
    with pytest.raises(ToolNotFoundError) as exc:
        require()
    assert exc.value.message == "jupytext not installed: notebooks cannot be executed and rendered"
    assert exc.value.hint == "pip install jupytext (./scripts/setup.sh installs them)"
    assert exc.value.exit_code == 3


def test_check_of_a_pair_in_sync_does_not_import_jupytext() -> None:
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from course_cli.check.notebooks import check_notebooks\n"
        "root = Path.cwd()\n"
        "found = [f for d in sorted((root / 'lessons').glob('lesson_*'))"
        " for f in check_notebooks(d, root)]\n"
        "print(len(found), 'jupytext' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout == "0 False\n"  # every lesson pair in sync, read by the fast scanner


def test_a_notebook_linked_from_outside_the_course_is_never_run_or_published(
    make_course, run_cli, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.py").write_text('# %%\nopen("stolen.txt", "w").write("ran")\n')
    root = _course(make_course, {})
    folder = root / "lessons/lesson_01/notebooks"
    folder.mkdir(parents=True)
    (folder / "evil.py").symlink_to(outside / "evil.py")
    checked = run_cli("check", "1", "--root", str(root))
    assert (
        "F006 lessons/lesson_01/notebooks/evil.py links to "
        f"{outside / 'evil.py'}, outside the course folder; it is not built or published"
    ) in checked.stdout
    built = run_cli("build", "notebooks", "1", "--root", str(root))
    assert built.exit_code == 0
    assert "0 built, 0 up to date, 0 failed" in built.stdout
    assert not (root / "build/lesson_01/notebooks").exists()
    assert not list(root.rglob("stolen.txt")) and not list(outside.rglob("stolen.txt"))
