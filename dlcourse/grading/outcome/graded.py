"""An outcome exercise in the grading of a submission: what its sandbox runs are handed, their
limits, and the verdict made from what comes back.

A submission's notebook is graded in several sandbox runs (``dlcourse.grading.grader``): the
function tests first, then an outcome exercise's runs, each of which runs the notebook's cells
again and then the harness (``insandbox/outcome.py``) instead of the cases. Each run of the
student's ``train`` (a graded seed, or the control) is a sandbox run of its own, holding only
its own labels, with limits of its own from the exercise's ``Budget``:

- the run of ``train`` (and its ``predict``) is a fork whose RLIMIT_CPU is the budget's CPU
  seconds (all its threads together), and whose wall-clock time is ``run_seconds``;
- the sandbox's address space (RLIMIT_AS) is the budget's memory;
- the sandbox's wall-clock limit is the cells' share of the notebook's time plus ``run_seconds``
  plus the runner's start.

So the total per submission is bounded by its runs' wall-clock limits added, and a student's
long training delays nobody else's submission beyond its own limits (each submission is a task
of its own on the workers). Every run's result is in the one ``SubmissionResult`` the batch
records in one gradebook transaction.

The control is a wall, not a speed bump, because of that split. A run's job holds a training
set, labels, a seed and the held-out signals, and nothing tells the control's from a graded
run's: the same files, one run at index 0, a seed drawn from the secret, labels permuted
from a secret draw, and no state kept from one sandbox run to the next. A record forged from
inside (as for the function tests, the first word counts) must bet on which run it is in, and a
"chance" record in a graded run scores that run nothing. Only a ``train`` that tells the labels
apart by what it already knows (a pasted model checked against ``y``) escapes the control, as
``judge``'s docstring says; the budget bounds what it may compute either way.

A configuration exercise (``Configured``) has one sandbox run, with one call in it: the
student's function, under the budget, whose answer leaves as JSON text. The grader checks it
and trains it here, outside the sandbox, with its own trainer (``configured_verdict``): no code
of the student's runs in that training, and the configuration's cost was bounded before it
started (``dlcourse.trainer.changed``). A forged answer record is only the student's own answer.

The grader makes the data outside the sandbox (it needs the course secret) and hands in only
the graded training set (or the control's permuted labels) and the held-out signals, never the
held-out labels; it scores the labels that come back itself (``judge.labels``,
``judge.accuracy``). Without a secret (a check of a notebook, or the kit's local check) the
runs use public data only: the student's training split and the paper's public test split.
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
    """An outcome sandbox run's limits: the notebook's for its cells, the budget's for its one run
    (a graded seed, the control, or a configuration exercise's call of its function)."""
    outcome = outcome_of(exercise)
    tests = run_seconds(outcome) + START_SECONDS
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


Job = tuple[dict, dict[str, np.ndarray]]  # the harness's part of job.json, and its arrays


def jobs(exercise: Outcome | Configured, data: GradingData, seeds: RunSeeds) -> list[Job]:
    """What the harness is handed in each sandbox run: one per run of ``train``, the graded seeds
    then the control, each holding only its own labels as ``y`` (never the held-out labels); for
    a configuration exercise, one run and no data: its function is called, and the grader trains."""
    outcome = outcome_of(exercise)
    common = {"function": outcome.function, "cpu_seconds": outcome.budget.cpu_seconds,
              "run_seconds": run_seconds(outcome)}
    if isinstance(exercise, Configured):
        return [({**common, "configured": True}, {})]
    permuted = np.random.default_rng(seeds.permutation).permutation(data.y_train)
    labelled = [(s, data.y_train) for s in seeds.runs] + [(seeds.control, permuted)]
    return [({**common, "runs": [{"index": 0, "seed": seed, "labels": "y"}]},
             {"X": data.X_train, "y": y, "X_heldout": data.X_heldout}) for seed, y in labelled]


NEVER_RAN = "never ran: its sandbox run was stopped before it (while the notebook's cells ran, or its process ended)"
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


def verdict(outcome: Outcome, results: list[bytes], data: GradingData, seeds: RunSeeds) -> Verdict:
    """The judge's verdict on what the sandbox runs sent back (``results``, in the order of ``jobs``)."""
    every = (*seeds.runs, seeds.control)
    records = [read_runs(r, 1).get(0) for r in results] + [None] * (len(every) - len(results))
    runs = tuple(_run(outcome, s, record, data.y_heldout) for s, record in zip(every, records))
    peaks = [r["peak_mb"] for r in records if r is not None and r.get("peak_mb") is not None]
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
