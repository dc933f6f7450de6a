"""`course check` rules on single files: a hit and a near miss each, exact messages and lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_cli.check.files import check_files
from tests.conftest import write_tree


def found(
    tmp_path: Path, files: dict[str, str | bytes], *, macros: tuple[str, ...] = ()
) -> list[tuple[str, str, str]]:
    """Write ``files`` under tmp_path/p, check the folder, return (location, code, message)."""
    root = write_tree(tmp_path / "p", files)
    report = check_files([root], macros=macros, macros_label="macros.tex")
    return [(f.location(), f.code, f.message) for f in report.findings]


# --- L001 broken-link ----------------------------------------------------------------------


def test_l001_missing_link_target(tmp_path: Path) -> None:
    assert found(tmp_path, {"a.md": "Intro\n\nSee [the notes](notes/missing.md).\n"}) == [
        ("a.md:3:17", "L001", "link target does not exist: notes/missing.md")
    ]


def test_l001_near_miss_existing_external_code_and_dropped(tmp_path: Path) -> None:
    files = {
        "a.md": (
            "[b](b.md) [web](https://example.org/x.md) [mail](mailto:a@b.c) [dir](sub/)\n"
            "`[code](nowhere.md)`\n\n```\n[fence](nowhere.md)\n```\n"
            "[dropped](big.pdf) [escaped](week_\\[recap\\]/README.md)\n"
            "<!-- [comment](nowhere.md) -->\n"
        ),
        "b.md": "b\n",
        "sub/x.txt": "x",
        "week_[recap]/README.md": "r\n",
        "DROPPED.txt": "Files left out of this copy.\nbig.pdf\n",
    }
    assert found(tmp_path, files) == []


def test_l001_reference_definition_and_html_link(tmp_path: Path) -> None:
    text = 'Use [the guide][g].\n\n[g]: guide.md\n\n<a href="gone.html">gone</a>\n'
    assert found(tmp_path, {"a.md": text}) == [
        ("a.md:3:6", "L001", "link target does not exist: guide.md"),
        ("a.md:5:10", "L001", "link target does not exist: gone.html"),
    ]


# --- L002 broken-image ---------------------------------------------------------------------


def test_l002_missing_image_with_did_you_mean(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "p", {"a.md": "![Plot](img/plot.svg)\n", "img/plots.svg": "<svg/>"}
    )
    report = check_files([root])
    [f] = report.findings
    assert (f.location(), f.code, f.message) == (
        "a.md:1:9",
        "L002",
        "image target does not exist: img/plot.svg",
    )
    assert f.hint == "did you mean plots.svg? (paths are relative to this file)"


def test_l002_near_miss_marp_colours_and_present_image(tmp_path: Path) -> None:
    deck = (
        "---\nmarp: true\n---\n\n"
        "![bg](#ffa903)\n![](rgb(255,128,0))\n![bg](red)\n![Logo](logo.png)\n"
    )
    assert found(tmp_path, {"deck.md": deck, "logo.png": b"\x89PNG"}) == []


def test_l002_colour_syntax_outside_a_deck_is_a_file(tmp_path: Path) -> None:
    assert found(tmp_path, {"a.md": "![Red](red)\n"}) == [
        ("a.md:1:8", "L002", "image target does not exist: red")
    ]


# --- L003 missing-anchor -------------------------------------------------------------------


def test_l003_missing_anchor_here_and_in_other_file(tmp_path: Path) -> None:
    files = {
        "a.md": "# Policy Gradient (REINFORCE)\n\n[x](#policy-gradient) [y](b.md#results)\n",
        "b.md": "# Method\n",
    }
    assert found(tmp_path, files) == [
        ("a.md:3:5", "L003", "anchor #policy-gradient does not exist in this file"),
        ("a.md:3:27", "L003", "anchor #results does not exist in b.md"),
    ]


def test_l003_near_miss_github_slugs_duplicates_ids_and_slides(tmp_path: Path) -> None:
    files = {
        "a.md": (
            "# Policy Gradient (REINFORCE)\n\n"
            "## Step 1: `grad` **log** π\n\n## Step 1: `grad` **log** π\n\n"
            '## Bellman {#bellman-eq}\n\n<a name="custom"></a>\n\n'
            "[a](#policy-gradient-reinforce) [b](#step-1-grad-log-π) [c](#step-1-grad-log-π-1)\n"
            "[d](#bellman-eq) [e](#custom) [f](b.md#method) [g](#Policy-Gradient-REINFORCE)\n"
        ),
        "b.md": "# Method\n",
        "deck.md": "---\nmarp: true\n---\n\n# One\n\n---\n\n[back](#1)\n",
    }
    assert found(tmp_path, files) == []


# --- L004 image-without-alt ----------------------------------------------------------------


def test_l004_image_without_alt(tmp_path: Path) -> None:
    files = {
        "a.md": '![](x.png)\n\n<img src="x.png">\n',
        "deck.md": "---\nmarp: true\n---\n\n![w:300](x.png)\n",
        "x.png": b"\x89PNG",
    }
    assert found(tmp_path, files) == [
        ("a.md:1:1", "L004", "image has no alt text"),
        ("a.md:3:1", "L004", "<img> has no alt attribute"),
        (
            "deck.md:5:1",
            "L004",
            "image has no alt text (Marp keywords such as w:300 are not alt text)",
        ),
    ]


def test_l004_near_miss_alt_text_and_decorative_background(tmp_path: Path) -> None:
    files = {
        "a.md": '![A plot](x.png) <img alt="plot" src="x.png">\n',
        "deck.md": "---\nmarp: true\n---\n\n![bg left:30%](x.png)\n![w:300 Loss curve](x.png)\n",
        "x.png": b"\x89PNG",
    }
    assert found(tmp_path, files) == []


# --- L005 empty-link -----------------------------------------------------------------------


def test_l005_empty_and_placeholder_links(tmp_path: Path) -> None:
    assert found(tmp_path, {"a.md": "[Slides]() | [Notes](TBD) | ![h:450px]()\n"}) == [
        ("a.md:1:10", "L005", "link has an empty target"),
        ("a.md:1:22", "L005", "link target is a placeholder: TBD"),
        ("a.md:1:40", "L005", "image has an empty target"),
    ]


def test_l005_near_miss_top_link_and_real_target(tmp_path: Path) -> None:
    assert found(tmp_path, {"a.md": "# T\n\n[top](#) [tbd.md](tbd.md)\n", "tbd.md": "x\n"}) == []


# --- M001 unbalanced-dollar ----------------------------------------------------------------


def test_m001_unclosed_display_and_inline(tmp_path: Path) -> None:
    text = "Let $x^2 + 1 be it.\n\n$$\n\\sum_i x_i\n\nMore.\n"
    assert found(tmp_path, {"a.md": text}) == [
        ("a.md:1:5", "M001", "inline math opened with $ is never closed in its paragraph"),
        ("a.md:3:1", "M001", "display math opened with $$ is never closed"),
    ]


def test_m001_space_before_closing_dollar(tmp_path: Path) -> None:
    assert found(tmp_path, {"a.md": "Then $\\alpha $ follows.\n"}) == [
        ("a.md:1:6", "M001", "inline math is not closed: the next $ follows a space"),
    ]


def test_m001_near_miss_prices_code_and_escapes(tmp_path: Path) -> None:
    text = (
        "[Price at Amazon](https://example.org): $ 17.83\n\n"
        "It costs $5 and $10 today; \\$x^2 is escaped.\n\n"
        "`$x^2` and\n\n```\n$$ \\begin{x}\n```\n\n    $ pip install x\n\n"
        "Inline $$a+b$$ as cs228 writes it, and $\\pi_\\theta$.\n"
    )
    # no M001; Kramdown's inline $$ is pandoc's display math: M008 (a warning)
    assert found(tmp_path, {"a.md": text}) == [
        ("a.md:13:8", "M008", "$$…$$ inside a sentence becomes display math on its own line "
                              "(Kramdown's inline $$ is not pandoc's)"),
    ]  # fmt: skip


# --- M002 environment-mismatch -------------------------------------------------------------


def test_m002_mismatched_and_unclosed_environments(tmp_path: Path) -> None:
    text = (
        "$$\n\\begin{aligned}\na &= b\n\\end{align}\n$$\n\n"
        "$$\\begin{cases} x\\end{cases} \\begin{pmatrix} y$$\n"
    )
    assert found(tmp_path, {"a.md": text}) == [
        ("a.md:4:1", "M002", "\\end{align} closes \\begin{aligned} opened on line 2"),
        ("a.md:7:30", "M002", "\\begin{pmatrix} is never ended"),
    ]


def test_m002_near_miss_nested_environments(tmp_path: Path) -> None:
    text = "$$\\begin{aligned} f &= \\begin{cases} 1 & x>0 \\\\ 0 \\end{cases} \\end{aligned}$$\n"
    assert found(tmp_path, {"a.md": text}) == []


# --- M003 left-right-mismatch --------------------------------------------------------------


def test_m003_left_without_right(tmp_path: Path) -> None:
    assert found(tmp_path, {"a.md": "$\\left( \\frac{a}{b}$ and $x \\right)$\n"}) == [
        ("a.md:1:2", "M003", "\\left without a matching \\right"),
        ("a.md:1:29", "M003", "\\right without a matching \\left"),
    ]


def test_m003_near_miss_invisible_delimiters(tmp_path: Path) -> None:
    assert (
        found(
            tmp_path,
            {
                "a.md": "$\\left. \\frac{df}{dx} \\right|_{x=0}$ "
                "$\\left\\{ x \\middle| y \\right\\}$\n"
            },
        )
        == []
    )


# --- M004 undefined-macro ------------------------------------------------------------------


def test_m004_undefined_macro_with_suggestion(tmp_path: Path) -> None:
    assert found(tmp_path, {"a.md": "Here $a \\neD b$ and $\\Foo$ and $\\Foo$ again.\n"}) == [
        (
            "a.md:1:9",
            "M004",
            "\\neD is not defined here, in macros.tex, or in standard LaTeX/MathJax "
            "(did you mean \\ne?)",
        ),
        (
            "a.md:1:22",
            "M004",
            "\\Foo is not defined here, in macros.tex, or in standard LaTeX/MathJax",
        ),
    ]


def test_m004_near_miss_defined_locally_shared_or_standard(tmp_path: Path) -> None:
    text = (
        "$$\\newcommand{\\Foo}{F} \\DeclareMathOperator*{\\Top}{top}$$\n\n"
        "$\\Foo + \\Top_x + \\alpha + \\mathbb{R} + \\operatorname{Var} + \\KL$\n"
    )
    assert found(tmp_path, {"a.md": text}, macros=("KL",)) == []


def test_m004_physics_macro_is_fine_in_a_deck_but_not_in_a_conspect(tmp_path: Path) -> None:
    files = {"deck.md": "---\nmarp: true\n---\n\n$\\abs{x}$\n", "notes.md": "$\\abs{x}$\n"}
    assert found(tmp_path, files) == [
        (
            "notes.md:1:2",
            "M004",
            "\\abs is not defined here, in macros.tex, or in standard LaTeX/MathJax",
        ),
    ]


def test_m004_mathjax_config_macros_of_a_site_count(tmp_path: Path) -> None:
    files = {
        "_layouts/post.html": '<script>MathJax.Hub.Config({TeX: {Macros: {bfx: "{\\\\bf x}", '
        'E: "{\\\\mathbb{E}}", note: ["#1", 1]}}});</script>\n',
        "a.md": "$\\bfx + \\E + \\note{a}$ and $\\iid$\n",
    }
    assert found(tmp_path, files) == [
        (
            "a.md:1:29",
            "M004",
            "\\iid is not defined here, in macros.tex, or in standard LaTeX/MathJax",
        ),
    ]


# --- M005 unbalanced-braces ----------------------------------------------------------------


def test_m005_unbalanced_braces(tmp_path: Path) -> None:
    assert found(tmp_path, {"a.md": "$\\frac{a}{b$ and $x}$\n"}) == [
        ("a.md:1:10", "M005", "{ is never closed in math"),
        ("a.md:1:20", "M005", "} without a matching { in math"),
    ]


def test_m005_near_miss_escaped_braces(tmp_path: Path) -> None:
    assert found(tmp_path, {"a.md": "$\\{x : x > 0\\}$\n"}) == []


# --- S002/S003 Marp ------------------------------------------------------------------------


def test_s002_katex_and_s003_unknown_theme(tmp_path: Path) -> None:
    deck = "---\nmarp: true\ntheme: fancy\nmath: katex\n---\n\n# Hi\n"
    report = check_files([write_tree(tmp_path / "p", {"deck.md": deck})])
    assert [(f.location(), f.code, f.message, f.hint) for f in report.findings] == [
        ("deck.md:3", "S003", "unknown Marp theme fancy", "themes: default, gaia, uncover"),
        (
            "deck.md:4",
            "S002",
            "`math: katex` loads its fonts from a CDN: formulas break offline",
            "use `math: mathjax`",
        ),
    ]


def test_s003_near_miss_theme_declared_in_project_css(tmp_path: Path) -> None:
    files = {
        "slides/deck.md": "---\nmarp: true\ntheme: academic\nmath: mathjax\n---\n\n# Hi\n",
        "themes/academic.css": "/* @theme academic */\nsection { color: black; }\n",
        "package.json": "{}",
    }
    assert found(tmp_path, files) == []


# --- ignore comments and C006 --------------------------------------------------------------


def test_ignore_comment_own_line_and_next_line_only(tmp_path: Path) -> None:
    text = (
        "[a](gone1.md) <!-- course: ignore L001 -->\n"
        "<!-- course: ignore L001, M004 -->\n"
        "[b](gone2.md) $\\Foo$\n"
        "[c](gone3.md)\n"
    )
    assert found(tmp_path, {"a.md": text}) == [
        ("a.md:4:5", "L001", "link target does not exist: gone3.md"),
    ]


def test_c006_unknown_code_in_ignore_comment(tmp_path: Path) -> None:
    assert found(tmp_path, {"a.md": "[a](a.md) <!-- course: ignore L999 -->\n"}) == [
        ("a.md:1", "C006", "ignore comment names unknown rule code L999"),
    ]


def test_ignore_comment_inside_code_is_not_an_ignore(tmp_path: Path) -> None:
    text = "```\n<!-- course: ignore L001 -->\n```\n[a](gone.md)\n"
    assert found(tmp_path, {"a.md": text}) == [
        ("a.md:4:5", "L001", "link target does not exist: gone.md")
    ]


@pytest.mark.parametrize("mdx", [True, False])
def test_mdx_routes_without_suffix(tmp_path: Path, mdx: bool) -> None:
    name = "a.mdx" if mdx else "a.md"
    result = found(tmp_path, {name: "[next](./b)\n", "b.mdx": "b\n"})
    assert result == ([] if mdx else [(f"{name}:1:8", "L001", "link target does not exist: ./b")])


def test_c006_ignore_comment_without_codes(tmp_path: Path) -> None:
    assert found(tmp_path, {"a.md": "text <!-- course: ignore -->\n"}) == [
        ("a.md:1", "C006", "ignore comment names no rule code"),
    ]


def test_docs_rule_table_matches_the_rules() -> None:
    import re

    from course_cli.check.findings import RULES
    from tests.conftest import REPO

    doc = (REPO / "docs" / "check-json.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([A-Z]\d{3}) \| ([a-z-]+) \| (error|warning|info) \|", doc, re.M)
    assert rows == [(r.code, r.name, r.severity) for r in RULES.values()]


def test_cli_files_mode_text_report_groups_by_file(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(tmp_path / "notes", {"a.md": "[x](gone.md)\n", "b.md": "$\\Foo$\n"})
    macros = write_tree(tmp_path, {"m.tex": "\\newcommand{\\Foo}{F}\n"}) / "m.tex"
    result = run_cli("check", "--files", str(root), "--macros", str(macros))
    assert result.exit_code == 1
    assert "a.md\n  a.md:1:5  error   L001 link target does not exist: gone.md" in result.stdout
    assert "b.md" not in result.stdout.replace("in 2 files", "")
    assert "✗ 1 error, 0 warnings in 2 files" in result.stdout


def test_l002_marp_background_image_directives(tmp_path: Path) -> None:
    deck = (
        "---\nmarp: true\nbackgroundImage: url('img/paper.png')\n---\n\n# One\n\n"
        "<!-- _backgroundImage: url(img/gone.jpg) -->\n\n"
        "`backgroundImage: url(img/in-code.png)`\n\n"
        "<!-- backgroundImage: url(https://example.org/x.png) -->\n"
    )
    assert found(tmp_path, {"deck.md": deck}) == [
        ("deck.md:3:23", "L002", "image target does not exist: img/paper.png"),
        ("deck.md:8:28", "L002", "image target does not exist: img/gone.jpg"),
    ]


# --- M006 undefined-reference --------------------------------------------------------------


def test_m006_reference_to_a_missing_label(tmp_path: Path) -> None:
    text = "$$ a = b \\label{eq:a} $$\n\nSee \\eqref{eq:b} and \\ref{thm:x}.\n"
    assert found(tmp_path, {"a.md": text}) == [
        ("a.md:3:5", "M006", "\\eqref{eq:b} names no \\label or id in this file"),
        ("a.md:3:22", "M006", "\\ref{thm:x} names no \\label or id in this file"),
    ]


def test_m006_near_miss_labels_div_ids_code_and_comments(tmp_path: Path) -> None:
    text = (
        '$$ a = b \\label{eq:a} $$\n\n::: {#thm:pg .theorem title="PG"}\nx\n:::\n\n'
        "## Setup {#sec:setup}\n\n"
        "See \\eqref{eq:a}, Theorem \\ref{thm:pg}, Section \\ref{sec:setup}.\n\n"
        "`\\eqref{eq:code}` <!-- \\ref{later} -->\n"
    )
    assert found(tmp_path, {"a.md": text}) == []


# --- M007 duplicate-label -----------------------------------------------------------------


def test_m007_label_defined_twice_names_both_lines(tmp_path: Path) -> None:
    text = (
        "$$\na = b \\label{eq:a}\n$$\n\nText.\n\n$$ c = d \\label{eq:b} $$\n\n"
        "$$ e = f \\label{eq:a} $$\n\nSee \\eqref{eq:a}.\n"
    )
    assert found(tmp_path, {"a.md": text}) == [
        ("a.md:9:10", "M007", "\\label{eq:a} is defined twice, on lines 2 and 9"),
    ]


def test_m007_three_definitions_are_one_finding_and_decks_count(tmp_path: Path) -> None:
    deck = (
        "---\nmarp: true\nmath: mathjax\n---\n\n$$ x \\label{eq:x} $$\n\n---\n\n"
        "$$ y \\label{eq:x} $$\n\n---\n\n$$ z \\label{ eq:x } $$\n"
    )
    assert found(tmp_path, {"deck.md": deck}) == [
        ("deck.md:10:6", "M007", "\\label{eq:x} is defined 3 times, on lines 6, 10 and 14"),
    ]


def test_m007_near_miss_distinct_labels_code_comments_and_other_files(tmp_path: Path) -> None:
    text = (
        "$$ a \\label{eq:a} $$\n\n$$ b \\label{eq:b} $$\n\n"
        "`\\label{eq:a}`\n\n```latex\n\\label{eq:a}\n```\n\n<!-- $$ \\label{eq:a} $$ -->\n"
    )
    other = "$$ a \\label{eq:a} $$\n"
    assert found(tmp_path, {"a.md": text, "b.md": other}) == []


# --- L006 unknown-citation (course mode: the course's refs.bib) ----------------------------


def test_l006_unknown_citation(tmp_path: Path) -> None:
    from course_cli.check.context import CheckContext
    from course_cli.check.markdown import check_citations, read_bib_keys
    from course_cli.check.source import load_doc

    root = write_tree(
        tmp_path,
        {
            "refs.bib": (
                "@article{schulman2017ppo,\n  title={PPO},\n}\n@book{sutton2018rl, title={RL}}\n"
            ),
            "a.md": "PPO [@schulman2017ppo, Sec. 3; @sutton2018rl] and [see @schulman2017pp].\n"
            "Mail me@example.org, `[@incode]`, [a @link](x.md), $[@x]$.\n",
        },
    )
    ctx = CheckContext(root=root, bib_keys=read_bib_keys(root / "refs.bib"), bib_path="refs.bib")
    doc, _ = load_doc(root / "a.md", "a.md")
    assert doc is not None
    got = [(f.location(), f.code, f.message, f.hint) for f in check_citations(doc, ctx)]
    assert got == [
        (
            "a.md:1:56",
            "L006",
            "citation @schulman2017pp is not in refs.bib",
            "did you mean @schulman2017ppo?",
        ),
    ]


def test_l006_is_off_without_a_bibliography(tmp_path: Path) -> None:
    assert found(tmp_path, {"a.md": "As shown [@nobody2099].\n"}) == []
