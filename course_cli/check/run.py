"""Running the per-file rules and applying the check configuration to the findings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from course_cli.check.context import CheckContext
from course_cli.check.findings import RULES, SEVERITY_RANK, Finding, Severity
from course_cli.check.source import Doc

MARKDOWN_SUFFIXES = (".md", ".mdx", ".markdown")


def rules_for(doc: Doc, ctx: CheckContext, *, deck: bool, must_be_marp: bool) -> list[Finding]:
    """Run the Markdown, math and (for a deck) Marp rules over one document."""
    from course_cli.check.markdown import check_citations, check_markdown
    from course_cli.check.marp import check_deck, is_deck
    from course_cli.check.mathcheck import check_labels, check_math, check_references
    from course_cli.check.solutions import check_solutions

    deck = deck or is_deck(doc)
    out = check_markdown(doc, ctx, deck=deck)
    out.extend(check_citations(doc, ctx))
    out.extend(check_math(doc, ctx.math, deck=deck))
    out.extend(check_references(doc))
    out.extend(check_labels(doc))
    out.extend(check_solutions(doc))
    if deck:
        out.extend(check_deck(doc, ctx, must_be_marp=must_be_marp))
    return out


def check_markdown_file(path: Path, ctx: CheckContext) -> list[Finding]:
    """Read one file and run :func:`rules_for` over it (file problems included)."""
    doc, problems = ctx.doc(path)
    if doc is None:
        return problems
    return problems + rules_for(doc, ctx, deck=False, must_be_marp=False)


def finalize(
    findings: list[Finding],
    ctx: CheckContext,
    checked: Iterable[Path],
    disable: Sequence[str],
    severity: dict[str, Severity],
) -> list[Finding]:
    """Apply ignore comments (C006 for unknown codes), ``disable`` and ``severity``; sort.

    Returns the findings a user sees, without duplicates.
    """
    ignores: dict[str, dict[int, set[str]]] = {}
    for path in checked:
        doc, _ = ctx.docs.get(Path(path), (None, []))
        if doc is None:
            continue
        ignores[doc.rel] = doc.ignores
        findings.extend(_unknown_ignore_codes(doc))
    off = set(disable)
    out = []
    for f in findings:
        if f.code in off:
            continue
        if f.line is not None and f.code in ignores.get(f.path, {}).get(f.line, ()):
            continue
        if f.code in severity:
            f = f.with_severity(severity[f.code])
        out.append(f)
    out = list(dict.fromkeys(out))
    out.sort(key=lambda f: (*f.sort_key(), SEVERITY_RANK[f.severity]))
    return out


def _unknown_ignore_codes(doc: Doc) -> list[Finding]:
    out = []
    hint = "write <!-- course: ignore CODE --> with codes such as L001"
    for line, codes in doc.ignore_comments:
        if not codes:
            out.append(doc.finding_at_line("C006", line, "ignore comment names no rule code", hint))
        for code in codes:
            if code not in RULES:
                message = f"ignore comment names unknown rule code {code}"
                out.append(doc.finding_at_line("C006", line, message, hint))
    return out
