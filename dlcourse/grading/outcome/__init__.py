"""Training graded by its outcome (issue 23): the third kind of exercise (``Outcome``), the data
and seeds it is graded with (``data``), and its judge (``judge``, whose docstring says what it
defends against and how it will run inside the sandbox)."""
from __future__ import annotations

from dlcourse.grading.outcome.data import GradingData, RunSeeds, grading_data, run_seeds, student_data
from dlcourse.grading.outcome.exercise import Band, Budget, Outcome, WrongTraining, define
from dlcourse.grading.outcome.judge import AnswerRefused, Run, Verdict, chance_bound, judge, labels

__all__ = ["AnswerRefused", "Band", "Budget", "GradingData", "Outcome", "Run", "RunSeeds", "Verdict", "WrongTraining",
           "chance_bound", "define", "grading_data", "judge", "labels", "run_seeds", "student_data"]
