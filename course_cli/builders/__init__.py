"""One sub-package per output format. Each builder's ``plan_build(course, lessons, options)``
returns engine steps; :mod:`course_cli.builders.targets` maps ``course build TARGET`` to it."""
