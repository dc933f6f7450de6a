"""course — scaffold, check, build and sync a Markdown/Marp/LaTeX course repository.

The package is laid out by pipeline stage, so the tree shows the data flow (docs/architecture.md
has the map): ``cli`` (the Typer app only) -> ``core`` (course.yaml model, errors, files) ->
``builders/<format>`` (slides, pdf, book, notebooks, site: each plans frozen build steps) ->
``engine`` (hash, run the stale steps, install outputs; knows no format) with ``tools`` (the
one place an external program runs). ``check``, ``latex`` and ``booksync`` are the other
commands' rooms. A name is imported from the module that defines it; there are no import
cycles and no re-export facades (tests/test_architecture.py guards both).
"""

__version__ = "0.1.0"
