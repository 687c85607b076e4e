"""Where a submission stands once people have had their say: the autograder's result, a TA's
overrides and hand grades (nbgrader's manual scores and comments, from formgrader or
``dlcourse override``), and its lateness. Reports and exports read this, never the bare result:
``Standing.of`` is the one way to build it, from the result and, in a course, the gradebook's
rows and the receipt."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from dlcourse.grading.exercises import AUTOGRADED
from dlcourse.grading.grader import SubmissionResult

# a graded cell's row in nbgrader's gradebook: (max score, auto score, manual score)
GradeRow = tuple[float, float | None, float | None]


@dataclass(frozen=True)
class Mark:
    """One graded cell of the gradebook."""

    grade_id: str
    points: float
    auto: float | None  # the autograder's score (None for an answer graded by hand)
    manual: float | None = None  # a TA's score: a hand grade, or an override of the autograder's
    comment: str = ""  # the TA's reason or feedback
    by_hand: bool = False  # a written answer, graded in formgrader

    @property
    def score(self) -> float:
        return self.manual if self.manual is not None else (self.auto or 0.0)

    @property
    def overridden(self) -> bool:
        return not self.by_hand and self.manual is not None and self.manual != self.auto


@dataclass(frozen=True)
class Lateness:
    """When the course received a submission (its receipt, never the student's own timestamp)
    and what that costs. An unknown time is never taken as on time: it costs nothing here, and
    the instructor decides."""

    received_at: datetime | None  # None: no trustworthy receipt
    seconds_late: float = 0.0
    penalty: float = 0.0

    @property
    def known(self) -> bool:
        return self.received_at is not None


@dataclass(frozen=True)
class Standing:
    """One submission as reports, feedback and the CSV show it: its result, its marks, its lateness."""

    result: SubmissionResult
    marks: list[Mark] = field(default_factory=list)
    lateness: Lateness | None = None  # None: graded outside a course (a check), with no due date to miss

    @classmethod
    def of(cls, result: SubmissionResult, grades: Mapping[str, GradeRow] | None = None,
           comments: Mapping[str, str] | None = None, lateness: Lateness | None = None) -> Standing:
        """The result as it stands: with the gradebook's rows (grade id -> its row) and comments
        (cell name -> the TA's comment) where given, else with nobody's say but the
        autograder's. A test the gradebook no longer has is left out; a cell it has beyond the
        result's tests (a written answer) comes after them."""
        if grades is None:
            return cls(result, [Mark(t.grade_id, t.points, t.score) for t in result.tests], lateness)
        comments = comments or {}
        ids = [t.grade_id for t in result.tests]
        order = [g for g in ids if g in grades] + sorted(set(grades) - set(ids))
        marks = []
        for grade_id in order:
            max_score, auto_score, manual_score = grades[grade_id]
            by_hand = grade_id not in AUTOGRADED
            # a TA's comment sits on the answer cell: the function's for an autograded test
            comment = comments.get(grade_id if by_hand else AUTOGRADED[grade_id].function, "")
            marks.append(Mark(grade_id, max_score, None if by_hand else auto_score, manual_score, comment, by_hand))
        return cls(result, marks, lateness)

    @property
    def student(self) -> str:
        return self.result.student

    @property
    def score(self) -> float:
        return sum(m.score for m in self.marks)

    @property
    def max_score(self) -> float:
        return sum(m.points for m in self.marks)

    @property
    def seconds_late(self) -> float:
        return self.lateness.seconds_late if self.lateness else 0.0

    @property
    def penalty(self) -> float:
        return self.lateness.penalty if self.lateness else 0.0

    @property
    def final(self) -> float:
        return max(0.0, self.score - self.penalty)

    @property
    def awaiting_hand_grading(self) -> list[str]:
        return [m.grade_id for m in self.marks if m.by_hand and m.manual is None]
