"""hw3's configuration exercise (chapter 12's diverging MLP) in the real grading path: declared
with the course's exercises, its cells written by release, its function called in a sandbox
run of its own, its answer checked and trained by the grader outside the sandbox, and the
kit's local check saying what the grader will. The sandbox tests are marked slow one by one."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pytest
from courses import kit_folder

import sample_class
from dlcourse.grading import checker, notebook, sandbox
from dlcourse.grading.exercises import AUTOGRADED, OUTCOMES, exercises
from dlcourse.grading.grader import grade_submission
from dlcourse.grading.insandbox.protocol import MAX_ANSWER, read_answer
from dlcourse.grading.notebook import nbgrader_metadata
from dlcourse.grading.outcome import graded
from dlcourse.grading.outcome.data import grading_data, run_seeds
from dlcourse.grading.outcome.exercise import define
from dlcourse.trainer import UNSENDABLE
from sample_class.outcome import ANSWERS

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "autograder" / "source" / "hw3" / "hw3.ipynb"
DIVERGING = OUTCOMES["test_outcome_diverging"]
SECRET = b"configured grading test secret 32"
FAST = sandbox.Limits(wall_seconds=40, cell_seconds=5, case_seconds=5)


def _answer_only(code: str) -> bytes:
    """A notebook of one cell, the answer cell: the exercise alone, graded quicker."""
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])).encode()


def _grade(data: bytes, tests: list[notebook.TestCell], student: str = "s"):
    return grade_submission(student, "hw3", "hw3.ipynb", data, tests, SECRET, True, FAST)


def _record(**rec) -> bytes:
    return (json.dumps(rec) + "\n").encode()


# ------------------------------------------------------------------ declaration and release
def test_hw3_declares_the_configuration_exercise_and_its_committed_cells_follow_it():
    assert DIVERGING in exercises("hw3")
    assert AUTOGRADED[DIVERGING.grade_id] is DIVERGING
    nb = nbformat.read(SOURCE, 4)
    ids = [nbgrader_metadata(c).get("grade_id") for c in nb.cells]
    at = ids.index(DIVERGING.key)
    assert nb.cells[at].source == DIVERGING.solution
    assert ids[at + 1] == DIVERGING.grade_id
    assert nb.cells[at + 1].source == DIVERGING.test_source()
    assert notebook.TestCell(DIVERGING.grade_id, DIVERGING.points) in notebook.test_cells(nb)


# ------------------------------------------------------------------ the answer's record (fast)
def test_read_answer_keeps_the_first_word_on_run_0_and_only_a_bounded_text():
    assert read_answer(b"") == {}
    first = _record(run=1, status="ok", changes="{}") + _record(run=True, status="ok", changes="{}")
    assert read_answer(first) == {}  # no word on run 0: a bool is no run index
    ok = _record(run=0, status="ok", changes='{"learning_rate": 0.1}') + _record(run=0, status="ok", changes="{}")
    assert read_answer(ok) == {"changes": '{"learning_rate": 0.1}'}
    long = _record(run=0, status="ok", changes=" " * (MAX_ANSWER + 1))
    assert read_answer(long) == {"error": "failed", "unsendable": False}
    assert read_answer(_record(run=0, status="unsendable", error="TypeError: a set")) == {
        "error": "TypeError: a set", "unsendable": True}


def test_the_verdict_checks_the_answer_then_trains_it_with_the_grader_s_trainer():
    data, seeds = grading_data(DIVERGING.outcome, SECRET, "hw3"), run_seeds(DIVERGING.outcome, SECRET, "hw3", "s")
    right = graded.configured_verdict(DIVERGING, _record(run=0, status="ok", changes='{"learning_rate": 0.1}'),
                                      data, seeds)
    assert right.configuration["learning_rate"] == 0.1
    assert right.score == DIVERGING.points, right.feedback()
    assert "trained with your changes (learning_rate=0.1)" in right.feedback()
    refused = {
        b"": "changes() never came back",
        _record(run=0, status="unsendable", error="TypeError: a set"): f"{UNSENDABLE}: TypeError: a set",
        _record(run=0, status="error", error="ZeroDivisionError: division by zero"): "ZeroDivisionError",
        _record(run=0, status="ok", changes="{not json"): "is not JSON",  # only a forged record
        _record(run=0, status="ok", changes='{"width": 400}'): "'width' is not yours to change",
        _record(run=0, status="ok", changes='{"epochs": 5000}'): "refused before training",
    }
    for stream, said in refused.items():
        judged = graded.configured_verdict(DIVERGING, stream, data, seeds)
        assert judged.verdict is None, judged.feedback()
        assert judged.score == 0
        assert said in judged.refused


def test_the_configuration_run_is_one_call_under_the_budget_and_carries_no_data():
    [(part, arrays)] = graded.jobs(DIVERGING, grading_data(DIVERGING.outcome, SECRET, "hw3"),
                                   run_seeds(DIVERGING.outcome, SECRET, "hw3", "s"))
    assert arrays == {}  # no training set, no held-out signals: the grader trains outside
    assert part["configured"] is True
    assert part["cpu_seconds"] == DIVERGING.outcome.budget.cpu_seconds
    limits = graded.limits(DIVERGING, sandbox.Limits())
    assert limits.tests_seconds == graded.run_seconds(DIVERGING.outcome) + graded.START_SECONDS


# ------------------------------------------------------------------ in the sandbox
@pytest.mark.slow
def test_the_reference_is_graded_with_the_notebook_s_other_tests():
    tests = notebook.test_cells(nbformat.read(SOURCE, 4))
    nb = sample_class.honest(nbformat.read(SOURCE, 4))
    result = _grade(nbformat.writes(nb).encode(), tests)
    assert result.problems == []
    assert [t.score for t in result.tests] == [t.points for t in tests]
    report = next(t for t in result.tests if t.grade_id == DIVERGING.grade_id)
    assert [c.name for c in report.cases] == [f"run {k}" for k in range(1, DIVERGING.outcome.seeds + 1)] + [
        "control run (shuffled labels)"]
    assert "trained with your changes (learning_rate=0.1)" in report.feedback


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(ANSWERS[DIVERGING.grade_id]))
def test_each_configured_kind_of_the_sample_class_earns_what_the_calibration_predicts(kind):
    answer, fraction = ANSWERS[DIVERGING.grade_id][kind]
    result = _grade(_answer_only(answer), [notebook.TestCell(DIVERGING.grade_id, DIVERGING.points)], student=kind)
    report = result.tests[0]
    assert result.problems == []
    assert report.score == fraction * DIVERGING.points, report.feedback
    said = {"configured_over_budget": "refused before training", "configured_not_changeable": "not yours to change",
            "configured_huge_number": "an integer of 1329 bits", "configured_spins": "every thread counts",
            "configured_patches_trainer": "nothing changed"}
    if kind in said:
        assert said[kind] in report.feedback


# ------------------------------------------------------------------ the kit's local check
def _kit(tmp_path: Path, monkeypatch) -> dict:
    """hw3's kit in a course of the test's own, as the working directory the student's ``check`` reads it from."""
    source, tests = kit_folder(tmp_path, "hw3")
    monkeypatch.chdir(source)
    return tests

def test_the_kit_carries_the_given_configuration_and_what_may_change_never_the_held_out_set(tmp_path, monkeypatch):
    entry = _kit(tmp_path, monkeypatch)[DIVERGING.grade_id]
    assert entry["given"] == dict(DIVERGING.given)
    assert entry["changeable"] == sorted(DIVERGING.changeable)
    assert not set(run_seeds(DIVERGING.outcome, SECRET, "hw3", "s").runs) & set(entry["seeds"])
    assert "heldout" not in json.dumps(entry)


def test_the_local_check_checks_and_trains_as_the_grader_does(tmp_path, monkeypatch, capsys):
    _kit(tmp_path, monkeypatch)
    checker.check(DIVERGING.grade_id, define(DIVERGING.solution, DIVERGING.function))
    assert "which would earn 100% of the points" in capsys.readouterr().out
    lowered = DIVERGING.outcome.wrong_answers["lowered_too_far"].code
    with pytest.raises(AssertionError, match="which would earn 50% of the points"):
        checker.check(DIVERGING.grade_id, define(lowered, DIVERGING.function))
    with pytest.raises(AssertionError, match="would refuse this answer, and train nothing: 'width' is not yours"):
        checker.check(DIVERGING.grade_id, lambda: {"width": 400})
    with pytest.raises(AssertionError, match=UNSENDABLE.replace("(", r"\(").replace(")", r"\)")):
        checker.check(DIVERGING.grade_id, lambda: {"learning_rate": {1, 2}})
    # as the grader receives it: a NumPy float is a float once sent
    checker.check(DIVERGING.grade_id, lambda: {"learning_rate": np.float64(0.1)})


def test_the_local_check_says_when_the_student_library_cannot_train(tmp_path, monkeypatch):
    """While an earlier homework is open, the student library withholds what the trainer calls:
    the check says so, and gives no verdict on the answer."""
    _kit(tmp_path, monkeypatch)

    def withheld(*args, **kwargs):
        raise NotImplementedError("dlcourse.losses.softmax_cross_entropy is part of homework hw1")

    monkeypatch.setattr("dlcourse.losses.softmax_cross_entropy", withheld)
    with pytest.raises(AssertionError, match="could not be trained here: the student library withholds"):
        checker.check(DIVERGING.grade_id, define(DIVERGING.solution, DIVERGING.function))
