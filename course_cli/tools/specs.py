"""The external tools the toolkit knows: executables, environment variable, install command.

One :class:`ToolSpec` per tool, in :data:`TOOLS`; ``course doctor`` lists them in this order.
"""

from __future__ import annotations

from dataclasses import dataclass

# pandoc exits 0 after these; each means a broken PDF (TOOLCHAIN.md).
PANDOC_FATAL: tuple[str, ...] = (
    r"Could not convert TeX math",
    r"Could not fetch resource",
    r"Missing character",
)


@dataclass(frozen=True)
class ToolSpec:
    """How to find one external tool and what to tell the user when it is missing."""

    name: str
    executables: tuple[str, ...]
    install: str
    env: str | None = None
    node_bin: bool = False  # look in <root>/node_modules/.bin first (after config/env)
    purpose: str = ""
    version_args: tuple[str, ...] = ("--version",)
    min_version: str | None = None


TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec(
            "pandoc",
            ("pandoc",),
            "pip install pypandoc-binary",
            env="PANDOC_PATH",
            purpose="conspect PDFs",
            min_version="3.0",
        ),
        ToolSpec(
            "node",
            ("node", "nodejs"),
            "sudo apt-get install nodejs npm",
            env="NODE_BINARY",
            purpose="runs Marp CLI",
            min_version="18",
        ),
        ToolSpec(
            "marp",
            ("marp",),
            "npm ci   # in the course root (pins @marp-team/marp-cli)",
            env="MARP_PATH",
            node_bin=True,
            purpose="slides",
        ),
        ToolSpec(
            "chromium",
            (
                "chromium",
                "chromium-browser",
                "google-chrome",
                "google-chrome-stable",
                "chrome",
                "microsoft-edge",
                "microsoft-edge-stable",
            ),
            "sudo apt-get install chromium",
            env="CHROME_PATH",
            purpose="slides PDF/PPTX",
        ),
        ToolSpec(
            "xelatex",
            ("xelatex",),
            "sudo apt-get install texlive-xetex",
            env="XELATEX_PATH",
            purpose="conspect/book PDF",
        ),
        ToolSpec(
            "lualatex",
            ("lualatex",),
            "sudo apt-get install texlive-luatex",
            env="LUALATEX_PATH",
            purpose="conspect PDF (engine lualatex)",
        ),
        ToolSpec(
            "pdflatex",
            ("pdflatex",),
            "sudo apt-get install texlive-latex-base",
            env="PDFLATEX_PATH",
            purpose="conspect PDF (engine pdflatex)",
        ),
        ToolSpec(
            "latexmk",
            ("latexmk",),
            "sudo apt-get install latexmk",
            env="LATEXMK_PATH",
            purpose="book PDF",
            version_args=("-v",),
        ),
        ToolSpec(
            "bibtex",
            ("bibtex",),
            "sudo apt-get install texlive-binaries",
            env="BIBTEX_PATH",
            purpose="book bibliography",
        ),
        ToolSpec(
            "biber",
            ("biber",),
            "sudo apt-get install biber",
            env="BIBER_PATH",
            purpose="biblatex bibliographies",
        ),
        ToolSpec(
            "typst",
            ("typst",),
            "pip install typst",
            env="TYPST_PATH",
            purpose="conspect PDF (engine typst)",
        ),
        ToolSpec(
            "pagefind",
            ("pagefind", "pagefind_extended"),
            "pip install 'pagefind[bin]'",
            env="PAGEFIND_PATH",
            purpose="site search index",
        ),
        ToolSpec("fc-list", ("fc-list",), "sudo apt-get install fontconfig", purpose="font check"),
        ToolSpec(
            "pdftotext",
            ("pdftotext",),
            "sudo apt-get install poppler-utils",
            purpose="tests: PDF text",
            version_args=("-v",),
        ),
    )
}
