"""hw3's outcome exercise in the real grading path (issue 23): declared with the course's
exercises, its cells written by release, graded in a second sandbox run under its budget, its
score and feedback in the same result as the function tests, and in the gradebook through the
batch. The sandbox tests are marked slow one by one; the reader of the runs' records and the
limits are fast."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from courses import kit_folder, released_course

import sample_class
from dlcourse.grading import checker, notebook, sandbox
from dlcourse.grading.batch import grade_class
from dlcourse.grading.exercises import AUTOGRADED, OUTCOMES, exercises
from dlcourse.grading.grader import grade_submission
from dlcourse.grading.insandbox.protocol import read_runs
from dlcourse.grading.notebook import TestCell, nbgrader_metadata
from dlcourse.grading.outcome import graded
from dlcourse.grading.outcome.data import grading_data, run_seeds
from dlcourse.grading.outcome.exercise import define
from sample_class.outcome import ANSWERS

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "autograder" / "source" / "hw3" / "hw3.ipynb"
MLP = OUTCOMES["test_outcome_mlp"]
SECRET = b"outcome grading test secret, 32+"
FAST = sandbox.Limits(wall_seconds=40, cell_seconds=5, case_seconds=5)


def _notebook(train_code: str) -> bytes:
    """The honest hw3 notebook with ``train_code`` in the train cell."""
    nb = sample_class.replace_cell(sample_class.honest(nbformat.read(SOURCE, 4)), MLP.key, train_code)
    return nbformat.writes(nb).encode()


def _train_only(train_code: str) -> bytes:
    """A notebook of one cell, the train cell: the outcome alone, graded quicker."""
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(train_code)])).encode()


def _grade(data: bytes, tests: list[TestCell], student: str = "s"):
    return grade_submission(student, "hw3", "hw3.ipynb", data, tests, SECRET, True, FAST)


# ------------------------------------------------------------------ declaration and release
def test_hw3_declares_the_outcome_exercise_and_its_committed_cells_follow_it():
    assert MLP in exercises("hw3")
    assert AUTOGRADED[MLP.grade_id] is MLP
    nb = nbformat.read(SOURCE, 4)
    ids = [nbgrader_metadata(c).get("grade_id") for c in nb.cells]
    at = ids.index(MLP.key)
    assert ids[at + 1] == MLP.grade_id  # its test cell, under the train cell
    assert nb.cells[at + 1].source == MLP.test_source()
    assert TestCell(MLP.grade_id, MLP.points) in notebook.test_cells(nb)


# ------------------------------------------------------------------ the runs' records (fast)
def _record(**rec) -> bytes:
    return (json.dumps(rec) + "\n").encode()


def test_read_runs_keeps_the_first_word_on_a_run_and_ignores_the_malformed():
    labels = checker.encode(np.arange(4))
    stream = (_record(run=0, status="ok", labels=labels, cpu=0.5, peak_mb=40)
              + _record(run=0, status="ok", labels=labels, cpu=0.1)  # a second word: ignored
              + _record(run=1, status="stopped", error="the run used its budget", cpu=5.1)
              + _record(run=7, status="ok", labels=labels)  # no such run
              + _record(run=2, status="ok", labels={"dtype": "<i8", "shape": [1], "data": 3})  # malformed
              + b"not json\n" + _record(run="3", status="ok", labels=labels))
    got = read_runs(stream, 4)
    assert got[0] == {"cpu": 0.5, "labels": labels, "peak_mb": 40.0}
    assert got[1] == {"cpu": 5.1, "error": "the run used its budget"}
    assert got[2]["error"] == "failed"
    assert set(got) == {0, 1, 2}


def test_the_verdict_scores_returned_labels_and_counts_a_missing_run_as_stopped():
    data, seeds = grading_data(MLP, SECRET, "hw3"), run_seeds(MLP, SECRET, "hw3", "s")
    right = checker.encode(data.y_heldout)
    results = [_record(run=0, status="ok", labels=right, cpu=0.4), _record(run=0, status="ok", labels=right, cpu=9.0),
               b"", b""]  # one sandbox run per run: the last two sent nothing
    v = graded.verdict(MLP, results, data, seeds)
    assert v.runs[0].accuracy == 1.0
    assert v.runs[0].error is None
    assert v.runs[1].accuracy == 0.0
    assert "over the budget" in v.runs[1].error
    assert v.runs[2].error == graded.NEVER_RAN
    assert v.control.error == graded.NEVER_RAN
    assert v.score == 0  # the control never ran: nothing shows the labels came from training
    assert "how far it got: 2 of 4 runs (the control included) ran to the end; stopped: run 3, the control" in (
        graded.how_far(v))


def test_each_run_is_a_sandbox_run_of_its_own_under_the_budget():
    base = sandbox.Limits()
    limits = graded.limits(MLP, base)
    assert limits.memory_bytes == MLP.budget.memory_mb * 1024**2
    assert limits.tests_seconds == graded.run_seconds(MLP) + graded.START_SECONDS
    assert limits.wall_seconds - limits.tests_seconds == base.wall_seconds - base.tests_seconds  # the cells' share
    assert graded.run_seconds(MLP) > MLP.budget.cpu_seconds
    data, seeds = grading_data(MLP, SECRET, "hw3"), run_seeds(MLP, SECRET, "hw3", "s")
    jobs = graded.jobs(MLP, data, seeds)
    assert len(jobs) == MLP.seeds + 1  # the graded seeds, then the control
    for part, arrays in jobs:
        assert set(arrays) == {"X", "y", "X_heldout"}  # its own labels only, never the held-out labels
        assert part["runs"] == [{"index": 0, "seed": part["runs"][0]["seed"], "labels": "y"}]
    assert [p["runs"][0]["seed"] for p, _ in jobs] == [*seeds.runs, seeds.control]
    graded_labels = [a["y"] for _, a in jobs[:-1]]
    assert all(np.array_equal(y, data.y_train) for y in graded_labels)
    control = jobs[-1][1]["y"]
    assert not np.array_equal(control, data.y_train)  # the control's: the same labels, permuted
    assert np.array_equal(np.sort(control), np.sort(data.y_train))
    # nothing but the labels and the seed tells the control's job from a graded one's
    assert {k: v for k, v in jobs[-1][0].items() if k != "runs"} == {k: v for k, v in jobs[0][0].items() if k != "runs"}


# ------------------------------------------------------------------ in the sandbox
@pytest.mark.slow
def test_the_reference_and_a_function_test_are_graded_together_and_a_wrong_answer_earns_its_band():
    tests = notebook.test_cells(nbformat.read(SOURCE, 4))
    at = [t.grade_id for t in tests].index(MLP.grade_id)
    right = _grade(_notebook(MLP.solution), tests)
    assert right.problems == []
    assert [t.score for t in right.tests] == [t.points for t in tests]  # the function tests and the outcome
    outcome = right.tests[at]
    assert [c.name for c in outcome.cases] == [f"run {k}" for k in range(1, MLP.seeds + 1)] + [
        "control run (shuffled labels)"]
    assert all(c.passed for c in outcome.cases)
    assert "median" in outcome.feedback
    assert "chance as it should be" in outcome.feedback
    under = _grade(_notebook(MLP.wrong_answers["under_trained"].code), tests)
    assert [t.score for t in under.tests] == [t.points if t.grade_id != MLP.grade_id else
                                              MLP.points * MLP.bands[1].fraction for t in tests]
    # the result as the gradebook keeps it: the feedback survives the round trip
    assert type(under).from_json(under.to_json()).tests[at].feedback == under.tests[at].feedback


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(ANSWERS[MLP.grade_id]))
def test_each_outcome_kind_of_the_sample_class_earns_what_the_calibration_predicts(kind):
    answer, fraction = ANSWERS[MLP.grade_id][kind]
    result = _grade(_train_only(answer), [TestCell(MLP.grade_id, MLP.points)], student=kind)
    assert result.problems == []
    assert result.tests[0].score == fraction * MLP.points, result.tests[0].feedback
    feedback = result.tests[0].feedback
    if kind in ("outcome_over_budget", "outcome_background_thread"):
        assert "stopped" in feedback
        assert "how far it got" in feedback
        assert all("every thread counts" in c.message for c in result.tests[0].cases), feedback
    if kind == "outcome_lazy_labels":
        assert "np.ndarray" in feedback
    if kind in ("outcome_reads_heldout", "outcome_hash_memoriser", "outcome_training_labels"):
        # each run ran to the end and scored at chance: nothing to read, nothing memorised
        assert all(c.message.startswith("held-out accuracy") for c in result.tests[0].cases), feedback
        assert all(not c.passed for c in result.tests[0].cases[:-1])


@pytest.mark.slow
def test_the_outcome_score_reaches_the_gradebook_through_the_batch(tmp_path):
    """Release writes the train cell (its solution stripped) and its test cell; the batch grades
    an honest student, an under-trained one and a hostile one, and nbgrader's gradebook holds each
    outcome score beside the function tests'."""
    course = released_course(tmp_path, "hw3")
    released = nbformat.read(course / "release" / "hw3" / "hw3.ipynb", 4)
    ids = [nbgrader_metadata(c).get("grade_id") for c in released.cells]
    train_cell = released.cells[ids.index(MLP.key)]
    assert "def train(X, y, seed):" in train_cell.source
    assert "rule.step" not in train_cell.source  # the solution stays in the source
    assert released.cells[ids.index(MLP.grade_id)].source == MLP.test_source()
    source = nbformat.read(course / "source" / "hw3" / "hw3.ipynb", 4)
    students = sample_class.make(course, "hw3", len(sample_class.class_kinds(source)))
    wanted = ("honest", "outcome_under_trained", "outcome_lazy_labels")
    keep = {s.name: s for s in [next(s for s in students if s.kind == kind) for kind in wanted]}
    for s in students:
        if s.name not in keep:
            shutil.rmtree(course / "submitted" / s.name)
    results = {r.student: r for r in grade_class(course, "hw3", workers=1, limits=FAST, progress=False)}
    full = sum(t.points for t in results[next(iter(keep))].tests)
    for name, s in keep.items():
        assert s.expected.unmet(results[name], full) == [], (s.kind, results[name].problems)
    with sqlite3.connect(course / "gradebook.db") as db:
        rows = dict(db.execute(
            "SELECT student.id, grade.auto_score FROM grade "
            "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
            "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
            "JOIN student ON submitted_assignment.student_id = student.id "
            "JOIN base_cell ON grade.cell_id = base_cell.id WHERE base_cell.name = ?", (MLP.grade_id,)).fetchall())
    expected = {"honest": MLP.points, "outcome_under_trained": MLP.points / 2, "outcome_lazy_labels": 0.0}
    assert rows == {name: expected[s.kind] for name, s in keep.items()}
    page = (course / "reports" / "hw3" / "feedback" / f"{next(iter(keep))}.html").read_text()
    assert "control run on shuffled labels" in page


# ------------------------------------------------------------------ the kit's local check
def _kit(tmp_path: Path, monkeypatch) -> dict:
    """hw3's kit in a course of the test's own, as the working directory the student's ``check`` reads it from."""
    source, tests = kit_folder(tmp_path, "hw3")
    monkeypatch.chdir(source)
    return tests

def test_the_kit_carries_public_data_seeds_bands_and_budget_never_the_held_out_set(tmp_path, monkeypatch):
    entry = _kit(tmp_path, monkeypatch)[MLP.grade_id]
    assert entry["data"]["seed"] == MLP.data.seed  # the public data set's own parameters
    assert entry["bands"][0]["threshold"] == MLP.bands[0].threshold
    secret_seeds = set(run_seeds(MLP, SECRET, "hw3", "s").runs)
    assert not secret_seeds & set(entry["seeds"])
    assert "heldout" not in json.dumps(entry)


def test_the_local_check_passes_the_reference_and_fails_a_wrong_answer_saying_why(tmp_path, monkeypatch, capsys):
    _kit(tmp_path, monkeypatch)
    checker.check(MLP.grade_id, define(MLP.solution, MLP.function))
    said = capsys.readouterr().out
    assert "on the public test split, which would earn 100% of the points" in said
    assert said.count("seed ") == MLP.seeds
    with pytest.raises(AssertionError, match="which would earn 50% of the points"):
        checker.check(MLP.grade_id, define(MLP.wrong_answers["under_trained"].code, MLP.function))
    with pytest.raises(AssertionError, match=r"must return a NumPy array \(np.ndarray\).*not a Labels"):
        checker.check(MLP.grade_id, define(ANSWERS[MLP.grade_id]["outcome_lazy_labels"][0], MLP.function))


@pytest.mark.slow
def test_dlcourse_check_runs_the_outcome_on_public_data_in_the_sandbox(tmp_path):
    """A TA's ``dlcourse check`` grades the outcome as the grader does, on the kit's public data
    (no course secret): its runs and the control are listed, then the verdict."""
    path = tmp_path / "hw3.ipynb"
    path.write_bytes(_notebook(MLP.solution))
    done = subprocess.run([sys.executable, "-m", "dlcourse", "check", str(path)], capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "ok   train(X, y, seed), control run (shuffled labels)" in done.stdout
    assert f"run 1 (seed {graded.PUBLIC_SEEDS})" in done.stdout
    assert f"score: {MLP.points:g} of {MLP.points:g}" in done.stdout
