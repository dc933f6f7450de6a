"""course — scaffold, check, build and sync a Markdown/Marp/LaTeX course repository."""

__version__ = "0.1.0"
