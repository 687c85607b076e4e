"""A scratch course for the tests: the bundled instructor notebooks and nbgrader configuration
in a folder of the test's own, with one assignment released into it (a real gradebook)."""
from __future__ import annotations

import shutil
from pathlib import Path

from dlcourse.grading import kit

ROOT = Path(__file__).resolve().parents[1]


def released_course(folder: Path, assignment: str = "hw1", due: str | None = None, settings: str = "") -> Path:
    """``folder/course`` with ``assignment`` released (``due``: its due date in the gradebook),
    and ``settings`` as its course.toml when given."""
    course = folder / "course"
    course.mkdir()
    shutil.copytree(ROOT / "autograder" / "source", course / "source")
    shutil.copy(ROOT / "autograder" / "nbgrader_config.py", course)
    if settings:
        (course / "course.toml").write_text(settings)
    kit.release(course, assignment, due=due)
    return course
