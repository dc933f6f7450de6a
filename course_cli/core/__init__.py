"""The core every stage shares: the course.yaml model, the error family, the console, files,
YAML editing with positions, templates, the course macros, the lesson inventory, the course
boundary and the course lock. It imports nothing else of course_cli."""
