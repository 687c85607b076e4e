"""The judge of an outcome exercise: a pure function of the student's ``train``, the grading
data and the seeds (``dlcourse.grading.outcome.data``), run in process.

- The student's ``train`` runs once per graded seed on the graded training set; each
  ``predict`` it returns is scored on the held-out set. The grade is the band of the median
  accuracy: one lucky seed does not pass a broken pipeline, one unlucky seed does not fail a
  good one. A run that raises, returns something other than labels, or goes over the CPU
  budget counts as accuracy 0.
- The control: one more run, on the graded training set with its labels permuted. Trained on
  labels that carry no information, a ``predict`` can only be right by chance, so its
  held-out accuracy must stay below ``chance_bound``; above it, the predictions did not come
  from training on the given data (weights trained elsewhere and pasted in, a model that
  ignores ``y``), and the exercise earns nothing.
- A ``predict``'s answer is read by the judge, never compared by the student's own objects:
  only a plain ``np.ndarray`` (not a subclass) of integer dtype and of shape (N,) is accepted,
  then copied (``labels``). A lazy object that would compute at comparison time, an object
  array, a masked array or a list is refused.

What each defence covers, and what it leaves to the sandbox:

- Memorising by hashing inputs, returning the training labels: the held-out set is a fresh
  draw (no signal of it is in any public data), so both score at chance (the tests check it).
- Pasted weights: caught by the control, as long as ``train`` does not look at its labels to
  decide whether to train (a ``train`` that checks a pasted model against ``y`` and trains only
  when they disagree escapes it; the graded training set is a secret draw, so it cannot simply
  compare ``y`` with the public labels). The budget bounds what it may compute either way.
- In process (the calibration's way), the student's code shares the judge's interpreter and
  could patch it (replace ``accuracy``, say): in grading, the student's code runs in a sandbox
  process of its own, and only labels come back from it.
- Reading the held-out data or labels from files, the secret, another process's memory;
  spending the budget in a background thread; using more memory than the budget: the
  sandbox's. In process, the judge only measures: CPU seconds per run (``time.process_time``,
  every thread of the process, while the run lasts) and the process's peak memory.

How it plugs into grading (``dlcourse.grading.outcome.graded``, whose docstring has the
details): after the notebook's function tests, each run of ``train`` (each seed, and the
control) is a sandbox run of its own, with the exercise's ``Budget`` as its limits (the run a
fork whose RLIMIT_CPU is cpu_seconds, the sandbox's RLIMIT_AS memory_mb, its wall-clock time the
cells' share plus the run's), so the total per submission is bounded by the sum of its runs'
limits. The grader makes the grading data outside the sandbox (it needs the secret) and hands
each run only the training set, its own labels, its seed and the held-out signals, never their
labels; inside, a small harness calls ``train`` and ``predict`` and writes the labels out as soon
as it has them. The grader scores them itself with ``labels`` and ``accuracy``, the budget as
``scored`` does. Every run's result is written to the gradebook in the one transaction that
records the submission.
"""
from __future__ import annotations

import math
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dlcourse.grading.outcome.data import GradingData, RunSeeds
from dlcourse.grading.outcome.exercise import Band, Outcome, Train

CLASSES = 10
Clock = Callable[[], float]  # CPU seconds so far: the process's (time.process_time) or one thread's
CONTROL_ALPHA = 1e-4  # the chance that an honest control run is flagged, at most


class AnswerRefused(Exception):
    """What the student's ``train`` or ``predict`` returned cannot be graded; the message says why."""


def chance_bound(n: int, classes: int = CLASSES, alpha: float = CONTROL_ALPHA) -> float:
    """The highest held-out accuracy a ``predict`` that knows nothing of the labels reaches,
    but with probability ``alpha``: 1/classes + sqrt(ln(1/alpha) / (2 n)).

    The held-out set has n / classes signals of each class. If the predictions are independent
    of the labels, each is right with probability 1/classes whatever the predictions are, and
    the number right is a sum of n such draws (without replacement from the balanced labels,
    which is at least as concentrated: Hoeffding 1963, section 6), so by Hoeffding's inequality
    P(accuracy >= 1/classes + t) <= exp(-2 n t^2). With n = 2000 and alpha = 1e-4: 0.148."""
    return 1 / classes + math.sqrt(math.log(1 / alpha) / (2 * n))


def labels(predicted: object, n: int, classes: int = CLASSES) -> np.ndarray:
    """``predicted`` as n integer labels in [0, classes), copied into the judge's own array; no
    method of the student's objects is called."""
    if type(predicted) is not np.ndarray:  # type(), not isinstance: a subclass or a proxy can fake the latter
        raise AnswerRefused(f"predict returned a {type(predicted).__name__}: return a NumPy array (np.ndarray, not "
                            f"a subclass) of integer labels, e.g. scores.argmax(axis=1)")
    if predicted.dtype.kind not in "iu":
        raise AnswerRefused(f"predict returned an array of dtype {predicted.dtype}: return integer labels, "
                            f"e.g. scores.argmax(axis=1)")
    if predicted.shape != (n,):
        raise AnswerRefused(f"predict returned an array of shape {predicted.shape}: one label per signal, ({n},)")
    out = np.array(predicted, dtype=np.int64, copy=True)
    if n and (out.min() < 0 or out.max() >= classes):
        raise AnswerRefused(f"predict returned labels from {out.min()} to {out.max()}: labels are 0 to {classes - 1}")
    return out


def accuracy(predicted: np.ndarray, y: np.ndarray) -> float:
    """The fraction of labels ``predicted`` gets right (both the judge's own arrays)."""
    return float(np.count_nonzero(predicted == y)) / len(y)


@dataclass(frozen=True)
class Run:
    """One run of the student's ``train``, and its ``predict`` on the held-out set."""

    seed: int
    accuracy: float  # 0 when the run failed
    cpu_seconds: float
    error: str | None = None  # why it failed: an exception, a refused answer, the budget


def _read_only(a: np.ndarray) -> np.ndarray:
    """A copy the student's code cannot write into the judge's data through."""
    out = a.copy()
    out.flags.writeable = False
    return out


def _run(train: Train, X: np.ndarray, y: np.ndarray, seed: int, data: GradingData, cpu_budget: float,
         clock: Clock) -> Run:
    start = clock()
    try:
        predict = train(_read_only(X), _read_only(y), seed)
        if not callable(predict):
            raise AnswerRefused(f"train returned a {type(predict).__name__}, not a function predict(X)")
        predicted = labels(predict(_read_only(data.X_heldout)), len(data.y_heldout))
    except Exception as e:  # the student's code: any failure is this run's, reported, never the grader's
        return Run(seed, 0.0, clock() - start, f"{type(e).__name__}: {e}")
    return scored(seed, predicted, data.y_heldout, clock() - start, cpu_budget)


def scored(seed: int, predicted: np.ndarray, y: np.ndarray, cpu: float, cpu_budget: float) -> Run:
    """A run that returned its labels (the judge's own array): its accuracy, or nothing when it
    went over the CPU budget."""
    if cpu > cpu_budget:
        return Run(seed, 0.0, cpu, f"over the budget: {cpu:.1f} s of CPU, {cpu_budget:g} s allowed")
    return Run(seed, accuracy(predicted, y), cpu)


@dataclass(frozen=True)
class Verdict:
    """The judge's findings on one student's ``train``; ``feedback`` is what the student sees."""

    outcome: Outcome
    runs: tuple[Run, ...]
    control: Run
    control_bound: float
    peak_memory_mb: float | None  # the sandbox's high-water mark; None when the grader trained (a configuration)

    @property
    def median(self) -> float:
        return float(statistics.median(r.accuracy for r in self.runs))

    @property
    def flagged(self) -> bool:
        """The control did not fall to chance (or did not run): not trained on the given data."""
        return self.control.error is not None or self.control.accuracy > self.control_bound

    @property
    def band(self) -> Band | None:
        return None if self.flagged else self.outcome.band(self.median)

    @property
    def fraction(self) -> float:
        return self.band.fraction if self.band else 0.0

    @property
    def score(self) -> float:
        return self.fraction * self.outcome.points

    def feedback(self) -> str:
        """Each run's accuracy and CPU time against the bands and the budget; never the held-out data."""
        o = self.outcome
        bands = ", ".join(f">= {b.threshold:.0%}: {b.fraction:.0%} of the points" for b in o.bands)
        lines = [f"{o.grade_id}: held-out accuracy of {len(self.runs)} runs of your {o.function} "
                 f"(bands: {bands}; budget {o.budget.cpu_seconds:g} s of CPU and {o.budget.memory_mb} MB a run)"]
        for k, r in enumerate(self.runs, 1):
            lines.append(f"  run {k} (seed {r.seed}): " + (f"{r.accuracy:.1%}" if r.error is None else r.error)
                         + f", {r.cpu_seconds:.2f} s of CPU")
        peak = "" if self.peak_memory_mb is None else f"; peak memory {self.peak_memory_mb:.0f} MB"
        lines.append(f"  median {self.median:.1%}{peak}")
        if self.control.error is not None:
            lines.append(f"  control run on shuffled labels failed ({self.control.error}): without it, nothing shows "
                         f"the predictions came from training on the given data: no credit.")
        elif self.flagged:
            lines.append(f"  control run on shuffled labels: {self.control.accuracy:.1%}, above chance (at most "
                         f"{self.control_bound:.1%}). These predictions did not come from training on the given "
                         f"data: no credit.")
        else:
            lines.append(f"  control run on shuffled labels: {self.control.accuracy:.1%}, chance as it should be")
        lines.append(f"  score: {self.score:g} of {o.points:g}")
        return "\n".join(lines)


def judge(outcome: Outcome, train: Train, data: GradingData, seeds: RunSeeds,
          clock: Clock = time.process_time, cpu_budget: float | None = None) -> Verdict:
    """Runs ``train`` with each of ``seeds.runs`` and once on permuted labels (the control), and
    scores every ``predict`` on the held-out set; each run's CPU time is ``clock``'s, and a run
    over ``cpu_budget`` (the outcome's budget unless given) scores nothing."""
    cpu = outcome.budget.cpu_seconds if cpu_budget is None else cpu_budget
    runs = tuple(_run(train, data.X_train, data.y_train, s, data, cpu, clock) for s in seeds.runs)
    permuted = np.random.default_rng(seeds.permutation).permutation(data.y_train)
    control = _run(train, data.X_train, permuted, seeds.control, data, cpu, clock)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    return Verdict(outcome, runs, control, chance_bound(len(data.y_heldout)), peak_mb)
