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

How it plugs into grading (next step; the first exercise's slice shows the way):

- The student's function takes no arguments and returns a dict, so it is called with the
  notebook's function tests, in the first sandbox run, and only its return value leaves the
  sandbox, as a JSON record (``insandbox.protocol.send``): a bool, an int, a float or a str per
  key, which are exactly the types ``Configured.configuration`` accepts (JSON keeps 1 and 1.0
  apart; a NaN it carries is refused as out of range). A value JSON cannot carry is refused in
  the sandbox with the same message. A forged record can only change the student's own answer.
- The grader checks the answer (``Configured.configuration``) outside the sandbox; a refused
  one earns nothing and starts no training (an over-budget one included).
- The training: the second sandbox run of the first exercise, with its harness given the
  checked configuration instead of the notebook: it calls ``trainer(config)`` where it would
  call the student's ``train``, with the same seeds, the same training set and held-out signals
  (never their labels), the same limits from the Budget and the same records of labels, run by
  run. No student code runs in it, but the run keeps the grading worker's own CPU clock and
  memory apart from it (a Dask worker runs several tasks in threads of one process, which
  ``time.process_time`` would count together) and says how far it got as the first exercise's
  does. The grader scores the labels with ``judge.labels`` and ``judge.accuracy``, builds the
  ``Verdict`` and this module's ``ConfiguredVerdict`` for the feedback, and the score joins the
  submission's in the one gradebook transaction.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from dlcourse.data.mnist1d import make_mnist1d
from dlcourse.grading.outcome.configured import Configure, Configured, sent
from dlcourse.grading.outcome.data import GradingData, RunSeeds
from dlcourse.grading.outcome.judge import Verdict, accuracy, judge
from dlcourse.grading.outcome.trainer import ConfigurationRefused, Value, trainer


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
    return ConfiguredVerdict(exercise, config, judge(exercise.outcome, trainer(config), data, seeds))


def judge_configured(exercise: Configured, configure: Configure, data: GradingData,
                     seeds: RunSeeds) -> ConfiguredVerdict:
    """Calls the student's function (in process: the sandbox's, once integrated) and judges its answer."""
    try:
        changes = configure()
    except Exception as e:  # the student's code: its failure is the answer's, reported
        return refused(exercise, f"{type(e).__name__}: {e}")
    return judge_changes(exercise, changes, data, seeds)


def local_check(exercise: Configured, changes: object, seed: int = 0) -> str:
    """What the kit can tell a student before they hand in, from public data only: their changes
    checked as the grader checks them (after ``sent``), trained once by the grader's trainer on
    the training split they are given, scored on the paper's public test split against the
    bands. Not the grade: the grader's training set, held-out set and seeds are its own."""
    o = exercise.outcome
    try:
        config = exercise.configuration(sent(changes))
    except ConfigurationRefused as e:
        return f"{o.grade_id}: the grader would refuse your {o.function}(): {e}"
    X, y, X_test, y_test = make_mnist1d(o.data)
    start = time.process_time()
    predicted = trainer(config)(X, y, seed)(X_test)
    seconds = time.process_time() - start
    outcome = accuracy(predicted, y_test)
    band = o.band(outcome)
    credit = f"{band.fraction:.0%} of the points" if band else "no points"
    return (f"{o.grade_id}: your configuration reached {outcome:.1%} on the public test split in {seconds:.1f} s "
            f"of CPU ({o.budget.cpu_seconds:g} s allowed): {credit} if the held-out set agrees. The grade is "
            f"the median of {o.seeds} runs on data the grader keeps.")
