"""The exercise declarations (dlcourse/grading/exercises/): every instructor solution passes
every case of its exercise, visible, edge and hidden alike, run in-process in milliseconds (the
sandboxed end-to-end versions are in test_grader.py)."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse.grading import cases, checker, grader
from dlcourse.grading.exercises import ASSIGNMENTS, SPECS
from dlcourse.grading.notebook import nbgrader_metadata

ROOT = Path(__file__).resolve().parents[1]


def _solution(spec) -> str:
    """The instructor's solution cell of the exercise, markers removed."""
    assignment = next(a for a, es in ASSIGNMENTS.items() if spec in es)
    nb = nbformat.read(ROOT / "autograder" / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if nbgrader_metadata(c).get("grade_id") == spec.function)
    return re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", "", cell.source, flags=re.M)


@pytest.mark.parametrize("grade_id", sorted(SPECS))
def test_the_instructors_solution_passes_every_case(grade_id):
    spec = SPECS[grade_id]
    namespace = {"np": np}
    exec(_solution(spec), namespace)
    answer = namespace[spec.function]
    chosen = cases.visible_cases(spec) + cases.hidden_cases(spec, b"a fixed secret for these tests", "hw", "s")
    assert len(chosen) == len(spec.visible_seeds) + len(spec.edge_cases) + spec.random_cases
    for case in chosen:
        inputs = cases.inputs(spec, case)
        values = checker.as_outputs(answer(**spec.arguments(inputs)), spec.outputs, spec.function)
        problems = grader.check_outputs(spec, inputs, [checker.encode(values[k]) for k in spec.outputs])
        assert problems == [], f"{grade_id}, {case.name}: {problems}"


def test_every_edge_case_is_named_and_drawn_the_same_each_time():
    for spec in SPECS.values():
        for name, make in spec.edge_cases.items():
            assert name.strip(), spec.grade_id
            first, again = make(np.random.default_rng(1)), make(np.random.default_rng(1))
            assert set(first) == set(spec.make_inputs(np.random.default_rng(1), 0)), (spec.grade_id, name)
            for key in first:
                np.testing.assert_array_equal(first[key], again[key])

