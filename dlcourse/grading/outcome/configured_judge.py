"""The judge of a configuration exercise (``configured``): the student's answer is data, the
training is the grader's.

- The answer (what the student's function returned) is checked strictly by the exercise
  (``Configured.configuration``): a plain dict of changeable keys, values of the trainer's
  types and ranges, a run that fits the budget. Anything else is refused with the reason and
  earns nothing; nothing is trained for it.
- The configuration it names is trained by the grader's trainer (``trainer.trainer``) and
  judged by the outcome judge (``judge.judge``): its seeds, its held-out set, its median and
  bands, its control run. No code of the student's runs in training, so the control cannot
  catch anything here; it stays as the judge's check that the trainer learns from its labels.

How it plugs into grading (``dlcourse.grading.outcome.graded``): the student's function is
called in the exercise's own sandbox run, after the notebook's cells, under the budget, and only
its answer leaves, as JSON text; a value JSON cannot carry is refused with ``trainer.sent``'s
words. Here, outside the sandbox, the answer is checked and, if accepted, trained by the grader's
trainer with the grading data and seeds of the course secret; the score joins the submission's
in the one gradebook transaction. A forged answer record can only change the student's own
answer. The kit's check (``checker.check_configured``) checks and trains the same way on public
data.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

from threadpoolctl import threadpool_limits

from dlcourse.grading.outcome.configured import Configure, Configured
from dlcourse.grading.outcome.data import GradingData, RunSeeds
from dlcourse.grading.outcome.judge import Verdict, judge
from dlcourse.trainer import ConfigurationRefused, Value, trainer


@dataclass(frozen=True)
class ConfiguredVerdict:
    """The judge's findings on one answer: the configuration trained and its outcome, or why the
    answer was refused (then nothing was trained)."""

    exercise: Configured
    configuration: dict[str, Value] | None
    verdict: Verdict | None  # None when refused
    refused: str | None = None

    @property
    def fraction(self) -> float:
        return self.verdict.fraction if self.verdict else 0.0

    @property
    def score(self) -> float:
        return self.fraction * self.exercise.outcome.points

    def feedback(self) -> str:
        """The refusal, or the configuration trained and the outcome's feedback."""
        o = self.exercise.outcome
        if self.verdict is None:
            return f"{o.grade_id}: your {o.function}() was refused: {self.refused}\n  score: 0 of {o.points:g}"
        changed = {k: v for k, v in (self.configuration or {}).items() if v != self.exercise.given[k]}
        trained = ", ".join(f"{k}={v!r}" for k, v in changed.items()) or "nothing changed"
        return f"{o.grade_id}: trained with your changes ({trained})\n" + self.verdict.feedback()


def refused(exercise: Configured, why: str) -> ConfiguredVerdict:
    return ConfiguredVerdict(exercise, None, None, why)


def judge_changes(exercise: Configured, changes: object, data: GradingData, seeds: RunSeeds) -> ConfiguredVerdict:
    """Judges the changes a student's function returned (see the module's docstring)."""
    try:
        config = exercise.configuration(changes)
    except ConfigurationRefused as e:
        return refused(exercise, str(e))
    # the grader's own training, in a grading worker whose other threads may be grading others:
    # one BLAS thread, as the estimate assumes, and this thread's CPU time, shown in the feedback;
    # the cost was bounded before training (Configured.configuration), so no run is refused after it
    with threadpool_limits(1):
        verdict = judge(exercise.outcome, trainer(config), data, seeds, clock=time.thread_time, cpu_budget=math.inf)
    return ConfiguredVerdict(exercise, config, replace(verdict, peak_memory_mb=None))  # the worker's, not the run's


def judge_configured(exercise: Configured, configure: Configure, data: GradingData,
                     seeds: RunSeeds) -> ConfiguredVerdict:
    """Calls the student's function in process and judges its answer (the calibration's way;
    grading calls it in the sandbox: ``graded.configured_verdict``)."""
    try:
        changes = configure()
    except Exception as e:  # the student's code: its failure is the answer's, reported
        return refused(exercise, f"{type(e).__name__}: {e}")
    return judge_changes(exercise, changes, data, seeds)
