"""The book: the whole LaTeX book and each lesson's book extract typeset with latexmk."""
