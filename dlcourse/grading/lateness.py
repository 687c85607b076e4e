"""Late work, read the way nbgrader records it: the submission time is ``timestamp.txt`` in the
student's submitted folder (written by ``nbgrader collect``), the due date is the assignment's in
the gradebook, moved by the student's extension (nbgrader's ``SubmittedAssignment.extension``).
The penalty follows the course's policy (``course.toml``): none, nbgrader's own
``LateSubmissionPlugin`` ("zero": a late notebook scores nothing), or a per-day penalty with a
cap. A late submission is always graded; its penalty is shown, never applied silently.
"""
from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.utils import parse_utc

from dlcourse.grading import notebook
from dlcourse.grading.course import AssignmentSettings

TIMESTAMP_FILE = "timestamp.txt"
DAY = 86_400.0


def read_timestamp(course: Path, student: str, assignment: str) -> tuple[datetime | None, str | None]:
    """(when the submission was collected, or None; why the timestamp could not be read, or None).

    An unreadable timestamp counts as on time: the grader never guesses a student late."""
    try:
        data = notebook.read_submitted(Path(course) / "submitted", (student, assignment, TIMESTAMP_FILE))
    except notebook.SubmissionError as e:
        return None, f"{e}; counted as on time"
    if data is None:
        return None, None
    try:
        return parse_utc(data[:200].decode("utf-8").strip()), None
    except (UnicodeDecodeError, ValueError, TypeError, OverflowError) as e:
        return None, f"{TIMESTAMP_FILE} is not a time nbgrader wrote ({type(e).__name__}); counted as on time"


def penalty(settings: AssignmentSettings, score: float, max_score: float, seconds_late: float) -> float:
    """Points taken off a notebook that scored ``score`` of ``max_score``, ``seconds_late`` late."""
    if seconds_late <= 0 or settings.late_policy == "none":
        return 0.0
    if settings.late_policy == "zero":
        return float(LateSubmissionPlugin(penalty_method="zero").late_submission_penalty("", score, seconds_late))
    days = math.ceil(seconds_late / DAY)  # a day or part of one
    return min(score, max_score * min(settings.late_penalty_cap, settings.late_penalty_per_day * days))


def describe(seconds_late: float) -> str:
    """``2 days 3 hours late``, for feedback and reports."""
    hours = math.ceil(seconds_late / 3600)
    days, hours = divmod(hours, 24)
    parts = [f"{days} day{'s' * (days != 1)}"] * bool(days) + [f"{hours} hour{'s' * (hours != 1)}"] * bool(hours)
    return " ".join(parts) + " late"
