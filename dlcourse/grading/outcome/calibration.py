"""Calibration of an outcome exercise's bands: its reference and each declared wrong answer
judged over many gradings, each with its own secret (so its own graded training set, held-out
set and seeds), and the misgrade rate of the bands: the fraction of gradings in which a wrong
answer earns full credit or the reference earns less than full.

``benchmarks/calibrate_outcome.py`` prints the table; tests/grading/test_outcome.py asserts on
a few gradings that the bands separate the answers.
"""
from __future__ import annotations

import hashlib
import statistics
from dataclasses import dataclass

from dlcourse.grading.outcome.data import grading_data, run_seeds
from dlcourse.grading.outcome.exercise import Outcome, define
from dlcourse.grading.outcome.judge import Verdict, judge

REFERENCE = "reference"


def calibration_secret(k: int) -> bytes:
    """The secret of calibration grading k: fixed, so a table can be made again."""
    return hashlib.sha256(f"dlcourse outcome calibration {k}".encode()).digest()


def answers(outcome: Outcome) -> dict[str, str]:
    """The reference and the declared wrong answers, by name, as code."""
    return {REFERENCE: outcome.solution} | {name: w.code for name, w in outcome.wrong_answers.items()}


def calibrate(outcome: Outcome, gradings: int, assignment: str = "calibration") -> dict[str, list[Verdict]]:
    """Each answer's verdicts over ``gradings`` gradings (the k-th with ``calibration_secret(k)``)."""
    trains = {name: define(code, outcome.function) for name, code in answers(outcome).items()}
    verdicts: dict[str, list[Verdict]] = {name: [] for name in trains}
    for k in range(gradings):
        secret = calibration_secret(k)
        data = grading_data(outcome, secret, assignment)
        seeds = run_seeds(outcome, secret, assignment, "calibration")
        for name, train in trains.items():
            verdicts[name].append(judge(outcome, train, data, seeds))
    return verdicts


def misgraded(name: str, verdict: Verdict) -> bool:
    """The reference below full credit, or a wrong answer at full credit."""
    return verdict.fraction < 1.0 if name == REFERENCE else verdict.fraction >= 1.0


@dataclass(frozen=True)
class Row:
    name: str
    medians: list[float]  # the median accuracy of each grading
    fractions: list[float]
    controls: list[float]  # the control run's accuracy of each grading
    misgrades: int
    cpu_seconds: float  # mean CPU time of a graded run

    @classmethod
    def of(cls, name: str, verdicts: list[Verdict]) -> Row:
        runs = [r for v in verdicts for r in v.runs]
        return cls(name, [v.median for v in verdicts], [v.fraction for v in verdicts],
                   [v.control.accuracy for v in verdicts], sum(misgraded(name, v) for v in verdicts),
                   statistics.mean(r.cpu_seconds for r in runs))


def table(outcome: Outcome, verdicts: dict[str, list[Verdict]]) -> str:
    """One row per answer: its median outcome over the gradings (and their range), the credit it
    earned, the control's highest accuracy, how often the bands misgrade it; then the overall rate."""
    rows = [Row.of(name, vs) for name, vs in verdicts.items()]
    n = len(next(iter(verdicts.values())))
    bands = ", ".join(f">= {b.threshold:.0%}: {b.fraction:g}" for b in outcome.bands)
    lines = [f"{outcome.grade_id}: {n} gradings, {outcome.seeds} seeds each, held-out {outcome.heldout_size}; "
             f"bands {bands}; control bound {verdicts[REFERENCE][0].control_bound:.1%}",
             f"{'answer':<18}{'median':>8}{'range':>15}{'mean credit':>13}{'control max':>13}{'misgraded':>11}"
             f"{'CPU s/run':>11}"]
    for r in rows:
        spread = f"{min(r.medians):.1%}-{max(r.medians):.1%}"
        lines.append(f"{r.name:<18}{statistics.median(r.medians):>8.1%}{spread:>15}{statistics.mean(r.fractions):>13.2f}"
                     f"{max(r.controls):>13.1%}{r.misgrades:>8}/{n:<2}{r.cpu_seconds:>11.2f}")
    total = sum(r.misgrades for r in rows)
    lines.append(f"misgrade rate: {total}/{n * len(rows)} = {total / (n * len(rows)):.1%}")
    return "\n".join(lines)
