"""Calibration of a configuration exercise (``configured``): as ``calibration`` does for an
exercise whose answers are ``train`` functions, its reference and each declared wrong answer
are judged over many gradings, each with its own secret; here each answer's configuration is
trained by the grader's trainer. The table and the misgrade rate are ``calibration``'s.
"""
from __future__ import annotations

from dlcourse.grading.outcome.calibration import answers, calibration_secret
from dlcourse.grading.outcome.configured import Configured
from dlcourse.grading.outcome.configured_judge import judge_changes
from dlcourse.grading.outcome.data import grading_data, run_seeds
from dlcourse.grading.outcome.exercise import define
from dlcourse.grading.outcome.judge import Verdict
from dlcourse.grading.outcome.trainer import Value


def changes(exercise: Configured) -> dict[str, object]:
    """What the reference and each declared wrong answer return, by name."""
    o = exercise.outcome
    return {name: define(code, o.function)() for name, code in answers(o).items()}


def configurations(exercise: Configured) -> dict[str, dict[str, Value]]:
    """The configuration each answer trains, by name (every declared answer is accepted: the
    declaration checks it)."""
    return {name: exercise.configuration(c) for name, c in changes(exercise).items()}


def calibrate_configured(exercise: Configured, gradings: int,
                         assignment: str = "calibration") -> dict[str, list[Verdict]]:
    """Each answer's verdicts over ``gradings`` gradings (the k-th with ``calibration_secret(k)``)."""
    answered = changes(exercise)
    verdicts: dict[str, list[Verdict]] = {name: [] for name in answered}
    for k in range(gradings):
        secret = calibration_secret(k)
        data = grading_data(exercise.outcome, secret, assignment)
        seeds = run_seeds(exercise.outcome, secret, assignment, "calibration")
        for name, answer in answered.items():
            judged = judge_changes(exercise, answer, data, seeds)
            if judged.verdict is None:
                raise AssertionError(f"{exercise.grade_id}: {name}'s answer is refused: {judged.refused}")
            verdicts[name].append(judged.verdict)
    return verdicts
