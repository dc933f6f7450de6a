"""External programs: the tool table, finding a tool (config > environment > PATH), its
version, the one place a subprocess runs (:func:`course_cli.tools.runner.run`), stopping tools
on Ctrl+C, and ``course doctor``."""
