"""A scratch course for the tests: the bundled instructor notebooks and nbgrader configuration
in a folder of the test's own, with one assignment released into it (a real gradebook)."""
from __future__ import annotations

import json
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


def kit_folder(folder: Path, assignment: str) -> tuple[Path, dict]:
    """The kit ``write_kit`` makes for ``assignment`` in a course under ``folder``: the source
    folder a student's ``check`` runs in (hwcheck.py and the cases file), and the cases file's tests."""
    course = folder / "course"
    shutil.copytree(ROOT / "autograder" / "source" / assignment, course / "source" / assignment)
    kit.write_kit(course, assignment)
    source = course / "source" / assignment
    return source, json.loads((source / kit.cases_file(assignment)).read_text())["tests"]
