"""Where a submission stands once people have had their say: the autograder's result, a TA's
overrides and hand grades (nbgrader's manual scores and comments, from formgrader or
``dlcourse override``), and the lateness penalty. Reports and exports read this, never the
bare result."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dlcourse.grading.grader import SubmissionResult


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


TIMELESS = datetime.min  # a result checked outside any course (``dlcourse check``): no receipt to speak of


@dataclass(frozen=True)
class Standing:
    result: SubmissionResult
    marks: list[Mark] = field(default_factory=list)
    submitted_at: datetime | None = None  # when it was received; None: not known, the instructor decides
    seconds_late: float = 0.0
    penalty: float = 0.0

    @classmethod
    def of(cls, result: SubmissionResult) -> Standing:
        """A result as it stands with nobody's say but the autograder's, on time."""
        return cls(result, [Mark(t.grade_id, t.points, t.score) for t in result.tests], submitted_at=TIMELESS)

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
    def final(self) -> float:
        return max(0.0, self.score - self.penalty)

    @property
    def awaiting_hand_grading(self) -> list[str]:
        return [m.grade_id for m in self.marks if m.by_hand and m.manual is None]
