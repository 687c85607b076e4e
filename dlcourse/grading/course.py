"""dlcourse's settings of a course, from ``course.toml`` in the course folder (nbgrader's own
settings stay in ``nbgrader_config.py``)::

    [assignments.hw1]
    open = true            # while open, the student library holds no reference it grades
    reveal_hidden = false  # true (after the deadline): feedback shows failed hidden cases' inputs
    late_policy = "per_day"      # "none", "zero" (nbgrader's LateSubmissionPlugin) or "per_day"
    late_penalty_per_day = 0.1   # per_day: this fraction of the points possible, per day or part of one
    late_penalty_cap = 0.5       # per_day: never more than this fraction

An assignment the file does not name is open, with its hidden cases kept secret and no late
penalty. The due date is nbgrader's, in the gradebook (``dlcourse release --due``), and an
extension is nbgrader's too (``dlcourse extend``).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

SETTINGS_FILE = "course.toml"


LATE_POLICIES = ("none", "zero", "per_day")


@dataclass(frozen=True)
class AssignmentSettings:
    open: bool = True
    reveal_hidden: bool = False
    late_policy: str = "none"
    late_penalty_per_day: float = 0.0
    late_penalty_cap: float = 1.0


def assignment_settings(course: Path, assignment: str) -> AssignmentSettings:
    """The settings of one assignment; raises ValueError naming the file for a bad entry."""
    path = Path(course) / SETTINGS_FILE
    if not path.exists():
        return AssignmentSettings()
    try:
        entry = tomllib.loads(path.read_text()).get("assignments", {}).get(assignment, {})
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: not valid TOML ({e})") from None
    where = f"{path}: [assignments.{assignment}]"
    kinds = {f.name: type(getattr(AssignmentSettings(), f.name)) for f in fields(AssignmentSettings)}
    if not isinstance(entry, dict) or set(entry) - set(kinds):
        raise ValueError(f"{where} may set only {sorted(kinds)}")
    for key, value in entry.items():
        wanted = kinds[key]
        if not (isinstance(value, wanted) or (wanted is float and type(value) is int)):
            raise ValueError(f"{where}: {key} must be {'true or false' if wanted is bool else wanted.__name__}, "
                             f"not {value!r}")
    settings = AssignmentSettings(**{k: float(v) if kinds[k] is float else v for k, v in entry.items()})
    if settings.late_policy not in LATE_POLICIES:
        raise ValueError(f"{where}: late_policy must be one of {', '.join(LATE_POLICIES)}, not "
                         f"{settings.late_policy!r}")
    if not (0 <= settings.late_penalty_per_day <= 1 and 0 <= settings.late_penalty_cap <= 1):
        raise ValueError(f"{where}: late_penalty_per_day and late_penalty_cap are fractions from 0 to 1")
    return settings


def open_assignments(course: Path) -> list[str]:
    """The assignments of ``source/`` still open, so the student library must not answer them."""
    names = sorted(p.name for p in (Path(course) / "source").iterdir() if p.is_dir())
    return [a for a in names if assignment_settings(course, a).open]
