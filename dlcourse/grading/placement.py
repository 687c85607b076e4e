"""Where a submission's grading task runs: on any Dask worker, unless the assignment has an
exercise whose budget declares resources (``outcome.Budget.resources``, e.g. {"GPU": 1});
then only on a worker that offers them (``dask worker --resources "GPU=1"``), through Dask's
worker resources. A class's function tests still run everywhere: only the assignments with such
an exercise are placed.

A task that needs a GPU also asks its sandbox for the GPU's device files (``needs_gpu``, for
``sandbox.Limits.gpu``). Dask counts a resource as tasks hold it: a worker declaring GPU=1
runs one such task at a time, which is the rule, because the sandbox bounds the memory of the
host, never the GPU's.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from dlcourse.errors import DeclarationError, UnknownAssignment
from dlcourse.grading.outcome.exercise import Budget

GPU = "GPU"  # the resource's name, as the README's worker command declares it


def _budget(exercise: object) -> Budget | None:
    """An outcome exercise's budget: its own, or that of the ``Outcome`` it wraps (a
    configuration exercise's); None for a ``Spec`` or a ``Written``."""
    for holder in (exercise, getattr(exercise, "outcome", None)):
        budget = getattr(holder, "budget", None)
        if isinstance(budget, Budget):
            return budget
    return None


def task_resources(exercises: Iterable[object]) -> dict[str, float]:
    """What one task grading these exercises needs of its worker: each resource any exercise's
    budget declares, at the most any of them asks (a task grades them one after another)."""
    needed: dict[str, float] = {}
    for exercise in exercises:
        budget = _budget(exercise)
        if budget is None:
            continue
        for name, amount in budget.resources.items():
            if not (isinstance(name, str) and name.strip()) or isinstance(amount, bool) \
                    or not isinstance(amount, int | float) or not math.isfinite(amount) or amount <= 0:
                raise DeclarationError(f"{getattr(exercise, 'grade_id', exercise)}: budget resource {name!r}: "
                                       f"{amount!r}; a resource is a name and a positive amount, e.g. {{'GPU': 1}}")
            needed[name] = max(needed.get(name, 0.0), float(amount))
    return needed


def assignment_resources(assignment: str) -> dict[str, float]:
    """``task_resources`` of the assignment's declared exercises; none for an assignment
    without declarations (graded from its notebook alone)."""
    from dlcourse.grading.exercises import exercises

    try:
        return task_resources(exercises(assignment))
    except UnknownAssignment:
        return {}


def needs_gpu(resources: Mapping[str, float]) -> bool:
    """Whether a task with these resources runs on a GPU worker, so its sandbox is given the GPU."""
    return resources.get(GPU, 0) > 0


def offering(workers: Mapping[str, Mapping], needed: Mapping[str, float]) -> list[str]:
    """The workers (``Client.scheduler_info()["workers"]``: address -> its information) that
    offer every resource ``needed``, in the amount needed."""
    return sorted(address for address, info in workers.items()
                  if all((info.get("resources") or {}).get(name, 0) >= amount for name, amount in needed.items()))


def describe(resources: Mapping[str, float]) -> str:
    """As ``dask worker --resources`` takes them: "GPU=1 MEMORY=8e9"."""
    return " ".join(f"{name}={amount:g}" for name, amount in sorted(resources.items()))
