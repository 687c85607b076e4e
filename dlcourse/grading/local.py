"""The student's side: ``check(test_id, function)`` in a notebook's test cell runs the visible
cases of that test here, with the same inputs and the same messages as the grader."""
from __future__ import annotations

from typing import Callable

from dlcourse.grading.compare import as_outputs, compare, describe_inputs
from dlcourse.grading.specs import SPECS


def run_case(test_id: str, fn: Callable, seed: int) -> list[str]:
    """The problems of one case (empty when it passes); exceptions become messages."""
    spec = SPECS[test_id]
    inputs = spec.inputs(seed)
    try:
        outputs = as_outputs(spec, fn(**spec.arguments(inputs)))
    except Exception as e:
        return [f"{type(e).__name__}: {e}"]
    return compare(spec, inputs, outputs)


def check(test_id: str, fn: Callable, hidden: bool = False, seeds: tuple[int, ...] | None = None) -> None:
    """Raises AssertionError listing every failing case of ``test_id``; prints a line when all pass.

    ``seeds`` reruns particular cases, e.g. a seed named in the grader's feedback.
    """
    spec = SPECS[test_id]
    seeds = seeds or (spec.visible_seeds + (spec.hidden_seeds if hidden else ()))
    failures = []
    for seed in seeds:
        problems = run_case(test_id, fn, seed)
        if problems:
            call = describe_inputs(spec.arguments(spec.inputs(seed)))
            failures.append(f"{spec.function}({call}) with seed {seed}: " + "; ".join(problems))
    if failures:
        raise AssertionError("\n".join(failures))
    print(f"{spec.function}: {len(seeds)} case(s) passed")
