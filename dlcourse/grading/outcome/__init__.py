"""Training graded by its outcome (issue 23): the third kind of exercise (``Outcome``), the data
and seeds it is graded with (``data``), and its judge (``judge``, whose docstring says what it
defends against and how it will run inside the sandbox). A configuration exercise
(``Configured``) is graded by the same judge with the grader's own trainer (``trainer``)
training what the student's configuration names (``configured_judge``)."""
from __future__ import annotations

from dlcourse.grading.outcome.configured import Configured
from dlcourse.grading.outcome.configured_judge import ConfiguredVerdict, judge_changes, judge_configured
from dlcourse.grading.outcome.data import GradingData, RunSeeds, grading_data, run_seeds, student_data
from dlcourse.grading.outcome.exercise import Band, Budget, Outcome, WrongTraining, define
from dlcourse.grading.outcome.judge import AnswerRefused, Run, Verdict, chance_bound, judge, labels
from dlcourse.trainer import ConfigurationRefused

__all__ = ["AnswerRefused", "Band", "Budget", "ConfigurationRefused", "Configured", "ConfiguredVerdict",
           "GradingData", "Outcome", "Run", "RunSeeds", "Verdict", "WrongTraining", "chance_bound", "define",
           "grading_data", "judge", "judge_changes", "judge_configured", "labels", "run_seeds",
           "student_data"]
