"""Conspect PDFs: a lesson's Markdown through pandoc and a LaTeX or typst engine, then checked."""
