"""The block scanner behind `course check`: code, HTML blocks and headings by line."""

from __future__ import annotations

from course_cli.check.blocks import scan_blocks


def scan(
    text: str,
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int, str]]]:
    b = scan_blocks(text.split("\n"))
    return b.code, b.html, b.headings


def test_fences_indented_code_and_unclosed_fence() -> None:
    text = "# T\n\n```python\nx = 1\n```\n\n    indented\n    code\n\npara\n~~~~\nopen to the end\n"
    code, _, headings = scan(text)
    assert code == [(2, 5), (6, 8), (10, 13)]
    assert headings == [(0, 1, "T")]


def test_inline_triple_backticks_are_not_a_fence() -> None:
    assert scan("Write ```code``` inline\n")[0] == []


def test_list_continuation_is_not_indented_code() -> None:
    assert scan("- item\n\n    more of the item\n")[0] == []


def test_setext_atx_in_list_and_rule_versus_heading() -> None:
    text = "Title\n=====\n\ntext\n---\n\n---\n\n- ### Listed heading\n## Closed ##\n"
    assert scan(text)[2] == [
        (0, 1, "Title"),
        (3, 2, "text"),
        (8, 3, "Listed heading"),
        (9, 2, "Closed"),
    ]


def test_html_blocks() -> None:
    text = (
        '<div class="x">\n[not a link](a.md)\n</div>\n\n<!-- note\nmore -->\n\n'
        "<style>\na { }\n\nb { }\n</style>\n\ntext <span>inline</span>\n"
    )
    assert scan(text)[1] == [(0, 3), (4, 6), (7, 12)]
