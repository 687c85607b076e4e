"""dlcourse's settings of a course, from ``course.toml`` in the course folder (nbgrader's own
settings stay in ``nbgrader_config.py``)::

    [assignments.hw1]
    open = true            # while open, the student library holds no reference it grades
    reveal_hidden = false  # true (after the deadline): feedback shows failed hidden cases' inputs

An assignment the file does not name is open, with its hidden cases kept secret.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

SETTINGS_FILE = "course.toml"


@dataclass(frozen=True)
class AssignmentSettings:
    open: bool = True
    reveal_hidden: bool = False


def assignment_settings(course: Path, assignment: str) -> AssignmentSettings:
    """The settings of one assignment; raises ValueError naming the file for a bad entry."""
    path = Path(course) / SETTINGS_FILE
    if not path.exists():
        return AssignmentSettings()
    try:
        entry = tomllib.loads(path.read_text()).get("assignments", {}).get(assignment, {})
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: not valid TOML ({e})") from None
    known = {f.name for f in fields(AssignmentSettings)}
    if not isinstance(entry, dict) or set(entry) - known or not all(isinstance(v, bool) for v in entry.values()):
        raise ValueError(f"{path}: [assignments.{assignment}] may set only {sorted(known)}, each true or false")
    return AssignmentSettings(**entry)


def open_assignments(course: Path) -> list[str]:
    """The assignments of ``source/`` still open, so the student library must not answer them."""
    names = sorted(p.name for p in (Path(course) / "source").iterdir() if p.is_dir())
    return [a for a in names if assignment_settings(course, a).open]
