"""Notebooks: each lesson's jupytext notebook executed and rendered to HTML."""
