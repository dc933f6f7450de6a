"""Allow ``python -m course_cli``."""

from course_cli.launch import main

if __name__ == "__main__":
    main()
