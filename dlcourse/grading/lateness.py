"""Late work: the submission time is when the instructor's side received it (the receipt that
``dlcourse collect`` records, from evidence the student cannot set), the due date is the assignment's in
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

from dlcourse.grading.course import AssignmentSettings, Course
from dlcourse.grading.receipts import Ledger

TIMESTAMP_FILE = "timestamp.txt"
DAY = 86_400.0


def received_at(course: Course | Path, student: str, assignment: str) -> tuple[datetime | None, str | None]:
    """(when the instructor's side received the graded submission, or None; why that is not
    known, or None). The time is the receipt's (``receipts.Ledger``), never the student's own
    ``timestamp.txt``. An unknown or doubtful time is never counted as on time: it is reported,
    no penalty is taken, and the instructor decides."""
    try:
        receipt = Ledger(course, assignment).counted(student)
    except ValueError as e:
        return None, f"{e}; lateness left for the instructor to decide"
    if receipt is None or receipt.received is None:
        return None, ("no receipt of when this was received (collected by hand?); lateness left for the "
                      "instructor to decide: collect it with `dlcourse collect`")
    if receipt.suspect:
        return None, (f"the receipt time {receipt.received_at} is doubtful (the exchange's change times moved "
                      "for most of the class); lateness left for the instructor to decide")
    return receipt.received, None


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
