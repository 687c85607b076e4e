"""Calibration of a configuration exercise (``configured``): as ``calibration`` does for an
exercise whose answers are ``train`` functions, its reference and each declared wrong answer
are judged over many gradings, each with its own secret; here each answer's configuration is
trained by the grader's trainer. The table and the misgrade rate are ``calibration``'s; the
other right answers (``Configured.alternatives``) follow, each misgraded when it earns less
than full credit, as the reference is.
"""
from __future__ import annotations

import statistics

from dlcourse.grading.outcome.calibration import calibration_secret, table
from dlcourse.grading.outcome.configured import Configured
from dlcourse.grading.outcome.configured_judge import judge_changes
from dlcourse.grading.outcome.data import grading_data, run_seeds
from dlcourse.grading.outcome.exercise import define
from dlcourse.grading.outcome.judge import Verdict
from dlcourse.trainer import Value


def changes(exercise: Configured) -> dict[str, object]:
    """What each declared answer returns, by name."""
    return {name: define(code, exercise.outcome.function)() for name, code in exercise.answers().items()}


def configurations(exercise: Configured) -> dict[str, dict[str, Value]]:
    """The configuration each declared answer trains, by name (every one is accepted: the
    declaration checks it)."""
    return {name: exercise.configuration(c) for name, c in changes(exercise).items()}


def calibrate_configured(exercise: Configured, gradings: int,
                         assignment: str = "calibration") -> dict[str, list[Verdict]]:
    """Each declared answer's verdicts over ``gradings`` gradings (the k-th with ``calibration_secret(k)``)."""
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


def misgraded_configured(exercise: Configured, name: str, verdict: Verdict) -> bool:
    """A right answer (the reference, an alternative) below full credit, or a wrong one at full."""
    return verdict.fraction < 1.0 if exercise.right(name) else verdict.fraction >= 1.0


def configured_table(exercise: Configured, verdicts: dict[str, list[Verdict]]) -> str:
    """``calibration.table`` of the reference and the wrong answers, then one line per other
    right answer, and the misgrade rate over them all."""
    main = {name: vs for name, vs in verdicts.items() if name not in exercise.alternatives}
    lines = [table(exercise.outcome, main), "other right answers (misgraded below full credit):"]
    for name in exercise.alternatives:
        medians = [v.median for v in verdicts[name]]
        wrong = sum(misgraded_configured(exercise, name, v) for v in verdicts[name])
        lines.append(f"{name:<18}{statistics.median(medians):>8.1%}{f'{min(medians):.1%}-{max(medians):.1%}':>15}"
                     f"{statistics.mean(v.fraction for v in verdicts[name]):>13.2f}{wrong:>21}/{len(medians):<2}")
    total = sum(misgraded_configured(exercise, name, v) for name, vs in verdicts.items() for v in vs)
    count = sum(len(vs) for vs in verdicts.values())
    lines.append(f"misgrade rate, every declared answer: {total}/{count} = {total / count:.1%}")
    return "\n".join(lines)
