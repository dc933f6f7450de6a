"""`course check --files` on notes written elsewhere: links relative to each file, a site
root for /links, the [comment]: # idiom, declared macros and labels, Kramdown's inline $$,
and console output that never turns file text into markup or emoji."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import Result, write_tree

NOTE = """\
# Notes

[comment]: # (a hidden comment, not a link)
[//]: # "another one"

See ![pic](/img/x.png), [the other note](../b.md) and ![here](pic.png).

The identity $$x = y$$ holds in a sentence.

$$
E = mc^2 \\label{eq:near}
$$

- $$a + b$$
> $$c$$.

Macros $\\R^n$ and $\\myop{x}$; as in \\eqref{eq:far} and $\\eqref{eq:near}$.
"""


def notes(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "proj", {
        "notes/sub/a.md": NOTE,
        "notes/b.md": "# B\n",
        "notes/sub/pic.png": b"x",
        "site/img/x.png": b"x",
        "macros.tex": "\\newcommand{\\R}{\\mathbb{R}}\n\\newcommand{\\myop}{\\operatorname{op}}\n",
        "refs.txt": "# labels of the other chapters\neq:far\n",
    })  # fmt: skip


def test_without_declarations_every_alarm_names_its_cause(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    root = notes(tmp_path)
    res = run_cli("check", "--files", str(root / "notes" / "sub"), "--format", "github")
    assert res.exit_code == 1
    got = [line.split(" (hint:")[0] for line in res.stdout.splitlines() if "::" in line]
    assert got == [
        "::error file=a.md,line=6,col=12,title=L002 broken-image::image target does not "
        "exist: /img/x.png",
        "::warning file=a.md,line=8,col=14,title=M008 display-math-in-sentence::$$…$$ inside a "
        "sentence becomes display math on its own line (Kramdown's inline $$ is not pandoc's)",
        "::error file=a.md,line=17,col=9,title=M004 undefined-macro::\\R is not defined here, "
        "in the shared macros, or in standard LaTeX/MathJax",
        "::error file=a.md,line=17,col=20,title=M004 undefined-macro::\\myop is not defined "
        "here, in the shared macros, or in standard LaTeX/MathJax",
        "::error file=a.md,line=17,col=37,title=M006 undefined-reference::\\eqref{eq:far} names "
        "no \\label or id in this file",
    ]


def test_a_projects_conventions_declared_leave_only_the_real_finding(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    root = notes(tmp_path)
    res = run_cli(
        "check", "--files", str(root / "notes" / "sub"), "--site-root", str(root / "site"),
        "--macros", str(root / "macros.tex"), "--refs", str(root / "refs.txt"),
        "--format", "json",
    )  # fmt: skip
    import json

    found = [(f["line"], f["code"]) for f in json.loads(res.stdout)["findings"]]
    assert found == [(8, "M008")]  # $$x = y$$ in a sentence is the one true problem


def test_missing_site_root_and_refs_are_usage_errors(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    root = notes(tmp_path)
    res = run_cli("check", "--files", str(root / "notes"), "--site-root", str(root / "nope"))
    assert res.exit_code == 2
    assert f"error: --site-root: {root}/nope: no such folder" in res.stderr


def test_console_never_reads_file_text_as_emoji_or_markup(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    lines = [f"line {i} [bold]x[/bold] :smile:" for i in range(1, 100)]
    deck = "\n".join([*lines, "![a](:smile:[b]x.png)\n"])
    root = write_tree(tmp_path / "p", {"deck.md": deck})
    res = run_cli("check", "--files", str(root / "deck.md"))
    assert "deck.md:100:6  error   L002 image target does not exist: :smile:[b]x.png" in (
        res.stdout
    )
    assert "💯" not in res.stdout + res.stderr and "😄" not in res.stdout
