"""An outcome exercise in the grading of a submission: what its sandbox run is handed, its
limits, and the verdict made from what comes back.

A submission with an outcome exercise has two sandbox runs (``dlcourse.grading.grader``): the
notebook's function tests first, then one run per outcome exercise, which runs the notebook's
cells again and then the harness (``insandbox/outcome.py``) instead of the cases. That second
run gets limits of its own from the exercise's ``Budget``:

- each run of ``train`` (and its ``predict``) is a fork whose RLIMIT_CPU is the budget's CPU
  seconds (all its threads together), and whose wall-clock time is ``run_seconds``;
- the sandbox's address space (RLIMIT_AS) is the budget's memory;
- the sandbox's wall-clock limit is the cells' share of the notebook's time plus ``run_seconds``
  for each run (the seeds and the control) plus the runner's start.

So the total per submission is bounded by the two runs' wall-clock limits added, and a
student's long training delays nobody else's submission beyond its own limits (each submission
is a task of its own on the workers). Both runs' results are in the one ``SubmissionResult``
the batch records in one gradebook transaction.

A configuration exercise (``Configured``) has the same second run, with one call in it: the
student's function, under the budget, whose answer leaves as JSON text. The grader checks it
and trains it here, outside the sandbox, with its own trainer (``configured_verdict``): no code
of the student's runs in that training, and the configuration's cost was bounded before it
started (``dlcourse.trainer.changed``). A forged answer record is only the student's own answer.

The grader makes the data outside the sandbox (it needs the course secret) and hands in only
the graded training set, the control's permuted labels and the held-out signals, never the
held-out labels; it scores the labels that come back itself (``judge.labels``,
``judge.accuracy``). Without a secret (a check of a notebook, or the kit's local check) the
runs use public data only: the student's training split and the paper's public test split.

What is left open: all the runs share one sandbox run and the notebook's process, so the
control is a speed bump, not a wall. A record on the results descriptor can be forged from
inside the sandbox (as for the function tests, the first word on a run counts), and the job's
files hold both label sets, so a ``train`` can tell the control's labels from the graded ones.
A forged or detected run gains nothing on the graded runs, whose labels are scored on held-out
labels the sandbox never holds; but it can hide weights trained elsewhere from the control. A
wall needs each run in a sandbox run of its own, holding only its own labels.
"""
from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np

from dlcourse.grading import checker, sandbox
from dlcourse.grading.insandbox.protocol import read_answer, read_runs
from dlcourse.grading.outcome.configured import Configured
from dlcourse.grading.outcome.configured_judge import ConfiguredVerdict, judge_changes, refused
from dlcourse.grading.outcome.data import GradingData, RunSeeds, _draw, grading_data, run_seeds
from dlcourse.grading.outcome.exercise import Outcome
from dlcourse.grading.outcome.judge import AnswerRefused, Run, Verdict, chance_bound, labels, scored
from dlcourse.trainer import UNSENDABLE

START_SECONDS = 20.0  # the runner's start and its imports, before the cells
PUBLIC_SEEDS = 1000  # the public runs' seeds start here: no graded seed is public anyway


def run_seconds(outcome: Outcome) -> float:
    """The wall-clock time one run may take: its CPU budget three times over, for a worker whose
    cores are busy, and a margin to start the fork and send the labels."""
    return 3 * outcome.budget.cpu_seconds + 5


def outcome_of(exercise: Outcome | Configured) -> Outcome:
    """What every outcome exercise declares: the exercise itself, or the one a configuration exercise holds."""
    return exercise.outcome if isinstance(exercise, Configured) else exercise


def limits(exercise: Outcome | Configured, base: sandbox.Limits) -> sandbox.Limits:
    """The outcome run's sandbox limits: the notebook's for its cells, the budget's for the runs
    (a configuration exercise's one run is the call of its function)."""
    outcome = outcome_of(exercise)
    runs = 1 if isinstance(exercise, Configured) else outcome.seeds + 1
    tests = runs * run_seconds(outcome) + START_SECONDS
    cells = max(0.0, base.wall_seconds - base.tests_seconds)
    return replace(base, wall_seconds=cells + tests, tests_seconds=tests,
                   cpu_seconds=max(base.cpu_seconds, math.ceil(outcome.budget.cpu_seconds) + 2),
                   memory_bytes=outcome.budget.memory_mb * 1024**2)


def public_data(outcome: Outcome) -> GradingData:
    """The data of a run without the course secret: the student's own training split, and the
    public test split of the same data set as the held-out set."""
    X, y, X_test, y_test = _draw(outcome.data)
    return GradingData(X, y, X_test, y_test)


def public_seeds(outcome: Outcome) -> RunSeeds:
    return RunSeeds(tuple(range(PUBLIC_SEEDS, PUBLIC_SEEDS + outcome.seeds)), PUBLIC_SEEDS - 1, PUBLIC_SEEDS - 2)


def data_and_seeds(exercise: Outcome | Configured, secret: bytes | None, assignment: str, student: str
                   ) -> tuple[GradingData, RunSeeds]:
    outcome = outcome_of(exercise)
    if secret is None:
        return public_data(outcome), public_seeds(outcome)
    return grading_data(outcome, secret, assignment), run_seeds(outcome, secret, assignment, student)


def job(exercise: Outcome | Configured, data: GradingData, seeds: RunSeeds) -> tuple[dict, dict[str, np.ndarray]]:
    """What the harness is handed: its part of ``job.json``, and the arrays (no held-out labels);
    for a configuration exercise, no data at all: its function is called, and the grader trains."""
    outcome = outcome_of(exercise)
    if isinstance(exercise, Configured):
        return ({"function": outcome.function, "configured": True, "cpu_seconds": outcome.budget.cpu_seconds,
                 "run_seconds": run_seconds(outcome)}, {})
    permuted = np.random.default_rng(seeds.permutation).permutation(data.y_train)
    runs = [{"index": k, "seed": s, "labels": "y"} for k, s in enumerate(seeds.runs)]
    runs.append({"index": len(runs), "seed": seeds.control, "labels": "y_control"})
    arrays = {"X": data.X_train, "y": data.y_train, "y_control": permuted, "X_heldout": data.X_heldout}
    return ({"function": outcome.function, "runs": runs, "cpu_seconds": outcome.budget.cpu_seconds,
             "run_seconds": run_seconds(outcome)}, arrays)


NEVER_RAN = "never ran: the sandbox run was stopped before it (the runs before it count)"
STOPPED = "the run "  # how the harness's words on a stopped run begin (insandbox/outcome.py)


def _run(outcome: Outcome, seed: int, record: dict | None, y_heldout: np.ndarray) -> Run:
    """One run as the judge counts it, from its record (None: it never came back)."""
    if record is None:
        return Run(seed, 0.0, 0.0, NEVER_RAN)
    cpu = record["cpu"] or 0.0
    if "error" in record:
        return Run(seed, 0.0, cpu, record["error"])
    try:
        predicted = labels(checker.decode(record["labels"], max_elements=max(len(y_heldout), 1)), len(y_heldout))
    except (AnswerRefused, ValueError, TypeError, KeyError) as e:
        return Run(seed, 0.0, cpu, f"{type(e).__name__}: {str(e)[:300]}")
    return scored(seed, predicted, y_heldout, cpu, outcome.budget.cpu_seconds)


def verdict(outcome: Outcome, results: bytes, data: GradingData, seeds: RunSeeds) -> Verdict:
    """The judge's verdict on what the sandbox run sent back (``results``)."""
    every = (*seeds.runs, seeds.control)
    records = read_runs(results, len(every))
    runs = tuple(_run(outcome, s, records.get(k), data.y_heldout) for k, s in enumerate(every))
    peaks = [r["peak_mb"] for r in records.values() if r.get("peak_mb") is not None]
    return Verdict(outcome, runs[:-1], runs[-1], chance_bound(len(data.y_heldout)), max(peaks, default=0.0))


def configured_verdict(exercise: Configured, results: bytes, data: GradingData, seeds: RunSeeds
                       ) -> ConfiguredVerdict:
    """The judge's verdict on the answer the sandbox run sent back (``results``): checked, then
    trained here by the grader's own trainer (``configured_judge.judge_changes``)."""
    answer = read_answer(results)
    if not answer:
        return refused(exercise, f"{exercise.function}() never came back: the sandbox run was stopped before it")
    if "error" in answer:
        return refused(exercise, f"{UNSENDABLE}: {answer['error']}" if answer["unsendable"] else answer["error"])
    try:
        changes = json.loads(answer["changes"])
    except (ValueError, RecursionError):  # only a forged record is not the harness's JSON
        return refused(exercise, "the answer that came back is not JSON")
    return judge_changes(exercise, changes, data, seeds)


def _stopped(r: Run) -> bool:
    return r.error is not None and (r.error == NEVER_RAN or r.error.startswith(STOPPED))


def how_far(v: Verdict) -> str | None:
    """What the feedback says when runs were stopped: how many ran to the end, and which were stopped."""
    every = (*v.runs, v.control)
    stopped = [k for k, r in enumerate(every, 1) if _stopped(r)]
    if not stopped:
        return None
    which = ", ".join("the control" if k == len(every) else f"run {k}" for k in stopped)
    return (f"  how far it got: {len(every) - len(stopped)} of {len(every)} runs (the control included) ran to "
            f"the end; stopped: {which}")
