"""The cases each exercise is graded on (``dlcourse.grading.cases``): hidden cases per student from
the course secret, edge cases from their own functions, and a secret refused where others could
read it."""
from __future__ import annotations

import stat

import numpy as np
import pytest

from dlcourse.grading import cases
from dlcourse.grading.cases import load_secret
from dlcourse.grading.exercise import Spec
from dlcourse.grading.exercises import SPECS


def test_hidden_cases_differ_per_student_come_from_the_secret_and_keep_their_edge_cases():
    spec = SPECS["test_two_branch_backward"]
    secret = load_secret()
    alice = cases.hidden_cases(spec, secret, "hw3", "alice")
    assert alice == cases.hidden_cases(spec, secret, "hw3", "alice")  # the instructor can make them again
    bob = cases.hidden_cases(spec, secret, "hw3", "bob")
    assert [c.seed for c in alice if not c.edge] != [c.seed for c in bob if not c.edge]
    other = cases.hidden_cases(spec, b"another course's secret!", "hw3", "alice")
    assert [c.seed for c in alice] != [c.seed for c in other]
    assert spec.edge_cases, "the test needs an exercise with edge cases"
    assert [c.edge for c in alice if c.edge] == list(spec.edge_cases)
    visible = {c.seed for c in cases.visible_cases(spec)}
    assert not visible & {c.seed for c in alice}


def test_a_secret_inside_the_course_folder_is_refused(tmp_path, monkeypatch):
    inside = tmp_path / "course" / "secret"
    inside.parent.mkdir()
    inside.write_bytes(b"x" * 32)
    inside.chmod(0o600)
    monkeypatch.setenv(cases.SECRET_ENV, str(inside))
    with pytest.raises(cases.SecretError, match="outside the course folder"):
        load_secret(tmp_path / "course")


def _doubling_spec(**changes) -> Spec:
    return Spec("test_double", "double", lambda rng, k: {"x": rng.standard_normal(3)}, lambda x: (2 * x,),
                ("y",), points=1, **changes)


def test_an_edge_case_makes_its_inputs_from_its_own_function():
    spec = _doubling_spec(edge_cases={"zeros": lambda rng: {"x": np.zeros(5)}})
    [edge, *random] = cases.hidden_cases(spec, b"s" * 32, "hw", "alice")
    assert edge.name == "edge case: zeros"
    np.testing.assert_array_equal(cases.inputs(spec, edge)["x"], np.zeros(5))
    assert len(random) == spec.random_cases
    assert all(cases.inputs(spec, c)["x"].shape == (3,) for c in random)
    visible = cases.visible_cases(spec)
    assert [c.seed for c in visible] == list(spec.visible_seeds)


def test_a_secret_that_is_too_short_or_readable_by_others_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "secret"
    monkeypatch.setenv(cases.SECRET_ENV, str(path))
    with pytest.raises(cases.SecretError, match="no course secret"):
        load_secret()
    created = load_secret(create=True)
    assert len(created) == cases.SECRET_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret() == created
    path.chmod(0o640)
    with pytest.raises(cases.SecretError, match="readable by other users"):
        load_secret()
    path.write_bytes(b"short")
    path.chmod(0o600)
    with pytest.raises(cases.SecretError, match="too short"):
        load_secret()
