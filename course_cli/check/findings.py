"""What ``course check`` reports: the Finding record and the table of rules with stable codes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Rule:
    """One check: a stable code, a short kebab-case name, its default severity and topic."""

    code: str
    name: str
    severity: Severity
    topic: str
    summary: str


_RULES = [
    # deliverables contract (course.yaml `deliverables:`)
    Rule("D001", "missing-deliverable", "error", "deliverables", "a required part is missing"),
    Rule(
        "D002",
        "readme-section-missing",
        "error",
        "deliverables",
        "README lacks one of objectives, outline, reading, homework",
    ),
    Rule(
        "D003",
        "readme-section-empty",
        "error",
        "deliverables",
        "a required README section has no content",
    ),
    Rule("D004", "no-slide-deck", "error", "deliverables", "slides/ holds no Markdown deck"),
    Rule("D005", "empty-conspect", "error", "deliverables", "conspect.md has no content"),
    Rule(
        "D006",
        "untouched-template",
        "error",
        "deliverables",
        "a file is still the scaffolded template",
    ),
    Rule(
        "D007",
        "template-placeholder",
        "warning",
        "deliverables",
        "a <!-- TODO(course): … --> placeholder is left",
    ),
    # course.yaml ↔ lessons/ ↔ README roadmap
    Rule(
        "C001",
        "orphan-lesson-folder",
        "error",
        "consistency",
        "a lessons/ folder that course.yaml does not list",
    ),
    Rule(
        "C002",
        "missing-lesson-folder",
        "error",
        "consistency",
        "a course.yaml lesson without its folder",
    ),
    Rule("C003", "lesson-number-gap", "warning", "consistency", "lesson numbers skip a value"),
    Rule(
        "C004",
        "roadmap-markers-missing",
        "warning",
        "consistency",
        "README.md has no roadmap markers",
    ),
    Rule(
        "C005",
        "roadmap-out-of-date",
        "error",
        "consistency",
        "the README roadmap differs from course.yaml",
    ),
    Rule(
        "C006",
        "unknown-rule-code",
        "error",
        "consistency",
        "check configuration or an ignore comment names an unknown code",
    ),
    Rule(
        "C007",
        "lesson-number-mismatch",
        "warning",
        "consistency",
        "front matter `lesson:` is not the lesson of the folder",
    ),
    # Markdown
    Rule("L001", "broken-link", "error", "markdown", "a local link target does not exist"),
    Rule("L002", "broken-image", "error", "markdown", "a local image does not exist"),
    Rule("L003", "missing-anchor", "error", "markdown", "a #fragment names no heading or id"),
    Rule("L004", "image-without-alt", "warning", "markdown", "an image has no alt text"),
    Rule("L005", "empty-link", "warning", "markdown", "a link with no target or a TBD target"),
    Rule(
        "L006",
        "unknown-citation",
        "error",
        "markdown",
        "a [@key] citation that refs.bib does not define",
    ),
    # Marp decks
    Rule("S001", "not-marp", "error", "marp", "a deck lacks `marp: true`"),
    Rule("S002", "katex-offline", "error", "marp", "`math: katex` needs a CDN (use mathjax)"),
    Rule("S003", "unknown-theme", "error", "marp", "the deck's theme is not known"),
    # math
    Rule("M001", "unbalanced-dollar", "error", "math", "a $ or $$ is never closed"),
    Rule("M002", "environment-mismatch", "error", "math", "\\begin/\\end do not match"),
    Rule("M003", "left-right-mismatch", "error", "math", "\\left/\\right do not pair up"),
    Rule("M004", "undefined-macro", "error", "math", "a macro defined nowhere"),
    Rule("M005", "unbalanced-braces", "error", "math", "{ and } do not balance in math"),
    Rule(
        "M006",
        "undefined-reference",
        "error",
        "math",
        "\\eqref/\\ref names no \\label or id of the file",
    ),
    Rule(
        "M007",
        "duplicate-label",
        "error",
        "math",
        "one \\label name is defined twice in a file",
    ),
    Rule(
        "M008",
        "display-math-in-sentence",
        "warning",
        "math",
        "$$…$$ inside a sentence: pandoc and MathJax make it display math",
    ),
    # book extracts
    Rule("B001", "book-extract-missing", "error", "book", "a book: lesson has no extract"),
    Rule("B002", "book-extract-stale", "error", "book", "the extract is older than the book"),
    Rule("B003", "book-not-synced", "warning", "book", "book extracts cannot be verified yet"),
    # typst engine
    Rule("T001", "typst-incompatible", "warning", "typst", "a conspect needs a LaTeX engine"),
    # notebooks (jupytext percent .py paired with an output-free .ipynb)
    Rule(
        "N001",
        "notebook-out-of-sync",
        "error",
        "notebooks",
        "a notebook's .py and .ipynb hold different cells",
    ),
    Rule(
        "N002",
        "notebook-unpaired",
        "error",
        "notebooks",
        "a notebook has a .py without its .ipynb or the other way round",
    ),
    Rule("N003", "notebook-outputs", "error", "notebooks", "a committed .ipynb carries outputs"),
    Rule("N004", "notebook-kernel", "error", "notebooks", "a notebook's kernel is not Python 3"),
    Rule("N005", "notebook-invalid", "error", "notebooks", "a notebook file cannot be parsed"),
    # solutions (pandoc fenced divs `::: solution`)
    Rule("X001", "solution-empty", "error", "solutions", "a `::: solution` block is empty"),
    Rule("X002", "solution-unclosed", "error", "solutions", "a `::: solution` is never closed"),
    # the built outputs, as rendered (`course build`, `course check --rendered`)
    Rule("R001", "slide-overflow", "warning", "rendered", "a slide's content runs off the slide"),
    Rule(
        "R002",
        "conspect-overfull",
        "warning",
        "rendered",
        "a conspect PDF line runs into the right margin (check.overfull_pt)",
    ),
    Rule(
        "R003",
        "book-overfull",
        "warning",
        "rendered",
        "a book PDF line runs into the right margin (check.overfull_pt)",
    ),
    Rule("R004", "not-built", "warning", "rendered", "--rendered: an output is not built yet"),
    # files that cannot be read
    Rule("F001", "unreadable-file", "error", "files", "binary, not UTF-8, or unreadable"),
    Rule("F002", "front-matter-unclosed", "error", "files", "front matter `---` is not closed"),
    Rule("F003", "front-matter-invalid", "error", "files", "front matter is not valid YAML"),
    Rule("F004", "file-too-large", "warning", "files", "file skipped: over the size limit"),
    Rule(
        "F005",
        "unknown-pdf-engine",
        "error",
        "files",
        "a conspect's front matter `engine:` is not a PDF engine",
    ),
    Rule(
        "F006",
        "outside-the-course",
        "error",
        "files",
        "a symlink or a TeX file name that leads outside the course folder",
    ),
]

RULES: dict[str, Rule] = {r.code: r for r in _RULES}


@dataclass(frozen=True)
class Finding:
    """One problem: where (path from the checked root, 1-based line/column), what, how to fix.

    ``lesson`` is the lesson number the file belongs to, or None for course-wide findings.
    """

    path: str
    line: int | None
    column: int | None
    code: str
    severity: Severity
    message: str
    hint: str | None = None
    lesson: int | None = None

    @property
    def name(self) -> str:
        """The rule's kebab-case name, e.g. ``broken-link``."""
        rule = RULES.get(self.code)
        return rule.name if rule else "unknown"

    def location(self) -> str:
        """Return ``path:line:column`` with the parts that are known."""
        loc = self.path
        if self.line:
            loc += f":{self.line}"
            if self.column:
                loc += f":{self.column}"
        return loc

    def with_severity(self, severity: Severity) -> Finding:
        """Return a copy with another severity (course.yaml `check: severity:`)."""
        return replace(self, severity=severity)

    def to_json(self) -> dict[str, Any]:
        """Return the finding as the JSON object documented in docs/check-json.md."""
        data = asdict(self)
        data["name"] = self.name
        return data

    def sort_key(self) -> tuple[Any, ...]:
        """Order: lesson (course-wide last), path, line, column, code."""
        return (
            self.lesson is None,
            self.lesson or 0,
            self.path,
            self.line or 0,
            self.column or 0,
            self.code,
        )


def make(
    code: str,
    path: str,
    line: int | None,
    message: str,
    hint: str | None = None,
    *,
    column: int | None = None,
    lesson: int | None = None,
) -> Finding:
    """Return a Finding of rule ``code`` with the rule's default severity."""
    return Finding(path, line, column, code, RULES[code].severity, message, hint, lesson)
