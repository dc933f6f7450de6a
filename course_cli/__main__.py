"""Allow ``python -m course_cli``."""

from course_cli.cli import main

if __name__ == "__main__":
    main()
