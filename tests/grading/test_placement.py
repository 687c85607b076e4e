"""Where a submission's task runs: the resources an assignment's exercises declare
(``placement``), and a real Dask cluster sending the tasks that need a GPU only to the worker
that offers one, the others anywhere. The workers are started with the very command the README
gives (``dask worker <scheduler> --resources "GPU=1"``), beside one started without; they grade
for real (``grade_submission``), on notebooks refused at once so that a test costs seconds."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from distributed.diagnostics.plugin import SchedulerPlugin

from dlcourse.errors import DeclarationError, EnvironmentProblem
from dlcourse.grading import batch, notebook, placement
from dlcourse.grading.exercises import SPECS
from dlcourse.grading.outcome import Budget
from dlcourse.grading.outcome.hw3 import MLP_MNIST1D

TESTS = {"hw1.ipynb": [notebook.TestCell("test_adam_step", 3.0)]}


def _outcome(grade_id: str, **resources: float):
    return dataclasses.replace(MLP_MNIST1D, grade_id=grade_id,
                               budget=Budget(cpu_seconds=5.0, memory_mb=1024, resources=resources))


# ------------------------------------------------------------------ declarations
def test_a_task_needs_each_resource_at_the_most_any_exercise_declares():
    spec = next(iter(SPECS.values()))
    exercises = [spec, _outcome("a", GPU=1), _outcome("b", MEMORY=8e9), _outcome("c", GPU=2), _outcome("d")]
    assert placement.task_resources(exercises) == {"GPU": 2.0, "MEMORY": 8e9}
    assert placement.task_resources([spec, _outcome("d")]) == {}  # function tests, and a CPU outcome: anywhere


@dataclasses.dataclass(frozen=True)
class Wrapping:
    """An exercise built around an ``Outcome`` (as a configuration exercise is): its budget is the outcome's."""

    grade_id: str
    outcome: object


def test_an_exercise_wrapping_an_outcome_needs_what_the_outcome_s_budget_declares():
    assert placement.task_resources([Wrapping("w", _outcome("inner", GPU=1))]) == {"GPU": 1.0}


@pytest.mark.parametrize("resources", [{"GPU": 0}, {"GPU": -1}, {"GPU": float("nan")}, {"": 1}, {"GPU": "1"}])
def test_a_resource_without_a_name_or_a_positive_amount_is_refused_naming_its_exercise(resources):
    with pytest.raises(DeclarationError, match="test_bad_budget.*positive amount"):
        placement.task_resources([_outcome("test_bad_budget", **resources)])


def test_an_assignment_without_declared_resources_runs_anywhere():
    """hw1 has no outcome exercise; an assignment without declarations has none either."""
    assert placement.assignment_resources("hw1") == {}
    assert placement.assignment_resources("no-such-assignment") == {}


def test_a_worker_offers_a_task_s_resources_only_in_the_amount_it_needs():
    workers = {"tcp://a": {"resources": {"GPU": 1}}, "tcp://b": {"resources": {}}, "tcp://c": {},
               "tcp://d": {"resources": {"GPU": 2, "MEMORY": 1e9}}}
    assert placement.offering(workers, {"GPU": 1}) == ["tcp://a", "tcp://d"]
    assert placement.offering(workers, {"GPU": 2}) == ["tcp://d"]
    assert placement.offering(workers, {}) == sorted(workers)
    assert placement.needs_gpu({"GPU": 1})
    assert not placement.needs_gpu({"MEMORY": 1e9})
    assert placement.describe({"MEMORY": 8e9, "GPU": 1}) == "GPU=1 MEMORY=8e+09"


# ------------------------------------------------------------------ a real cluster
class Where(SchedulerPlugin):
    """A scheduler plugin: the worker each task was sent to."""

    name = "dlcourse-where"

    def __init__(self, scheduler):
        self.scheduler = scheduler
        self.sent: dict[tuple, str] = {}

    def transition(self, key, start, finish, *args, **kwargs):
        if finish == "processing":
            self.sent[key] = self.scheduler.tasks[key].processing_on.address


@pytest.fixture(scope="module")
def cluster():
    """A local scheduler, and two workers started as a GPU node's and a CPU node's are."""
    from dask.distributed import Client, LocalCluster

    local = LocalCluster(n_workers=0, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40)
    address = local.scheduler_address
    dask = [sys.executable, "-m", "dask", "worker", address, "--nthreads", "1", "--no-dashboard"]
    started = [subprocess.Popen([*dask, "--name", "gpu", "--resources", "GPU=1"]),
               subprocess.Popen([*dask, "--name", "cpu"])]
    try:
        with Client(address) as client:
            client.wait_for_workers(2, timeout=180)
            names = {info["name"]: a for a, info in client.scheduler_info(n_workers=-1)["workers"].items()}
        where = Where(local.scheduler)
        local.scheduler.add_plugin(where)
        yield address, names, where
    finally:
        for proc in started:
            proc.terminate()
        for proc in started:
            proc.wait(timeout=60)
        local.close()


def _plan(course: Path, students: int, resources: dict[str, float]) -> batch.Plan:
    for k in range(students):
        path = course / "submitted" / f"student{k}" / "hw1" / "hw1.ipynb"
        path.parent.mkdir(parents=True)
        path.write_bytes(b"not a notebook")  # refused by the worker's grader at once
    planned = batch.plan(course, "hw1", TESTS, {})
    planned.resources = resources  # as an assignment with an outcome exercise declaring them gets
    return planned


def _graded_on(cluster, planned: batch.Plan) -> set[str]:
    address, names, where = cluster
    where.sent.clear()
    results = list(batch.dispatch(planned, batch.Grading(b"s" * 32, sandboxed=False), scheduler=address,
                                  progress=False))
    assert sorted(r.student for r in results) == sorted(s for s, _ in planned.to_grade)
    assert all(r.problems for r in results), results  # each refused by the grader on its worker
    by_address = {a: n for n, a in names.items()}
    return {by_address[a] for key, a in where.sent.items() if key[0] == "grade"}


@pytest.mark.slow  # Dask
def test_tasks_that_need_a_gpu_go_only_to_the_gpu_worker(cluster, tmp_path):
    assert _graded_on(cluster, _plan(tmp_path, 6, {"GPU": 1})) == {"gpu"}


@pytest.mark.slow  # Dask
def test_tasks_that_need_nothing_run_on_every_worker(cluster, tmp_path):
    assert _graded_on(cluster, _plan(tmp_path, 10, {})) == {"gpu", "cpu"}


@pytest.mark.slow  # Dask
def test_a_run_needing_what_no_worker_offers_is_refused_before_anything_is_sent(cluster, tmp_path):
    address, _, where = cluster
    where.sent.clear()
    with pytest.raises(EnvironmentProblem, match='none of the 2 workers.*--resources "GPU=2"'):
        # refused by the call itself, before grade_class records anything (the plan's refusals included)
        batch.dispatch(_plan(tmp_path, 2, {"GPU": 2}), batch.Grading(b"s" * 32, sandboxed=False),
                       scheduler=address, progress=False)
    assert where.sent == {}


@pytest.mark.slow  # Dask
def test_a_local_cluster_on_a_machine_without_a_gpu_grades_the_gpu_tasks_on_its_cpu(tmp_path):
    """No scheduler given: the local workers offer what the tasks need, so nothing waits for ever."""
    planned = _plan(tmp_path, 3, {"GPU": 1})
    results = list(batch.dispatch(planned, batch.Grading(b"s" * 32, sandboxed=False), workers=2, progress=False))
    assert sorted(r.student for r in results) == ["student0", "student1", "student2"]
