"""A fast LaTeX structure reader: headings, labels and LaTeX's own numbering, without a TeX run.

:func:`read_book` follows ``\\input``/``\\include``/``\\subfile``/``\\import`` from a main file,
blanks out what TeX never sees (comments, ``\\iffalse`` blocks, verbatim-like environments,
``\\verb``) while keeping every offset, and walks the result once, stepping counters the way the
standard classes do. The result is a :class:`Book`: the heading tree, every label with its
environment and number, and the source pieces that make up the document, for extraction.

Modules: ``model`` (what is returned), ``text`` (cleaning, braces, arguments), ``sources``
(include following), ``reader`` (the pass and its dispatch), ``sections``, ``environments``,
``equations``, ``labels``, ``definitions`` and ``counters`` (numbering), ``outline``.
"""
