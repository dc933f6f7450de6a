"""Every lesson notebook runs top to bottom (nbclient) and its own assertions hold.

The notebooks are small numpy demos (no network, seconds each); each one ends its cells
with ``assert`` statements on the results it demonstrates, so running it is the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "lessons").glob("lesson_*/notebooks/*.ipynb"))


def test_lessons_5_to_8_have_a_notebook() -> None:
    lessons = {p.parts[-3] for p in NOTEBOOKS}
    assert {"lesson_05", "lesson_06", "lesson_07", "lesson_08"} <= lessons


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[f"{p.parts[-3]}/{p.name}" for p in NOTEBOOKS])
def test_notebook_runs_and_asserts(path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "assert " in code, f"{path.name}: a notebook must check its results with assert"
    assert "http://" not in code and "https://" not in code, "notebooks must not use the network"
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert errors == []
