"""``course book-sync``: the lessons' extracts of the LaTeX book, with provenance.

For each lesson with a ``book:`` list in course.yaml, :func:`sync` writes
``lessons/lesson_NN/book/``:

- ``book.tex``: the selected chapters/sections with the book's preamble (its ``\\input`` files
  copied in), counters set so that they print the book's own numbers ("Chapter 2"), references
  to labels outside the extract turned into text ("Theorem 1.3 in the book"), the book's
  figures and bibliography reached by relative paths. It compiles alone.
- ``book.md``: the same text through pandoc (GitHub-flavoured Markdown, numbers written out).
- ``book-sync.lock.json``: source files and their hashes, the line ranges taken, and the hash
  of every written file. A file whose bytes differ from its recorded hash was edited by hand
  and is never overwritten without ``force``.

Nothing is written when nothing changed, and an up-to-date lesson is recognised from the
lock's hashes alone (no parse, no pandoc).

Modules: ``selection`` (which parts), ``outline`` (the book's tree), ``extract`` (rendering,
with ``references`` and ``paths``), ``lock`` (provenance and freshness), ``runner`` (sync,
pandoc), ``report``.
The extracts' PDFs are built by :mod:`course_cli.builders.book.builder`.
"""
