"""A class's grading without Dask: the plan (what a run grades, refuses or keeps, from the
course's files and the gradebook's digests) and the record (each result into the real nbgrader
gradebook, then lateness, the reports and the changes). The dispatch to Dask between them is
tested end to end in test_grader.py and test_course_week.py."""
from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest
from courses import released_course

from dlcourse.grading import batch, grader, notebook, sandbox
from dlcourse.grading.exercises import SPECS
from dlcourse.grading.gradebook import GradeWriter

TESTS = {"hw1.ipynb": [notebook.TestCell("test_adam_step", 3.0), notebook.TestCell("test_momentum_step", 2.0)]}


def _submit(course: Path, student: str, data: bytes = b'{"cells": []}') -> Path:
    path = course / "submitted" / student / "hw1" / "hw1.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ plan
def test_the_plan_grades_new_and_changed_notebooks_and_keeps_the_unchanged(tmp_path):
    _submit(tmp_path, "alice", b"alice's first version")
    _submit(tmp_path, "bob", b"bob, resubmitted")
    _submit(tmp_path, "carol", b"carol's, as graded")
    graded = {("bob", "hw1"): _digest(b"bob, as first submitted"), ("carol", "hw1"): _digest(b"carol's, as graded")}
    run = batch.plan(tmp_path, "hw1", TESTS, graded)
    assert run.everyone == [("alice", "hw1.ipynb"), ("bob", "hw1.ipynb"), ("carol", "hw1.ipynb")]
    assert run.to_grade == [("alice", "hw1.ipynb"), ("bob", "hw1.ipynb")]
    assert run.unchanged == [("carol", "hw1.ipynb")]
    assert run.refused == []


def test_a_regrade_sends_the_named_students_or_everyone_whatever_their_digest(tmp_path):
    graded = {}
    for student in ("alice", "bob"):
        graded[(student, "hw1")] = _digest(_submit(tmp_path, student, student.encode()).read_bytes())
    assert batch.plan(tmp_path, "hw1", TESTS, graded).to_grade == []
    assert batch.plan(tmp_path, "hw1", TESTS, graded, regrade=frozenset({"bob"})).to_grade == [("bob", "hw1.ipynb")]
    assert len(batch.plan(tmp_path, "hw1", TESTS, graded, regrade_all=True).to_grade) == 2


def test_a_linked_notebook_is_refused_in_the_plan_and_never_sent(tmp_path):
    outside = tmp_path / "outside.ipynb"
    outside.write_text("{}")
    link = tmp_path / "submitted" / "mallory" / "hw1" / "hw1.ipynb"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    run = batch.plan(tmp_path, "hw1", TESTS, {})
    assert run.to_grade == []
    [refusal] = run.refused
    assert (refusal.student, refusal.notebook, refusal.score, refusal.max_score) == ("mallory", "hw1.ipynb", 0, 5.0)
    assert "symbolic link" in refusal.problems[0]
    # the same refusal, already recorded, is not recorded again
    again = batch.plan(tmp_path, "hw1", TESTS, {("mallory", "hw1"): refusal.digest})
    assert (again.refused, again.unchanged) == ([], [("mallory", "hw1.ipynb")])


def test_the_plan_lists_only_student_folders_with_the_assignment(tmp_path):
    _submit(tmp_path, "alice")
    (tmp_path / "submitted" / "erin" / "hw2").mkdir(parents=True)  # handed in another assignment only
    _submit(tmp_path, ".hidden")
    _submit(tmp_path, "not a student id")
    (tmp_path / "submitted" / "frank" / "hw1").mkdir(parents=True)  # the folder, without the notebook
    run = batch.plan(tmp_path, "hw1", TESTS, {})
    assert [student for student, _ in run.everyone] == ["alice", "frank"]
    # a missing notebook goes to the grader, which says it was not found (was it renamed?)
    assert run.to_grade == [("alice", "hw1.ipynb"), ("frank", "hw1.ipynb")]


def test_no_course_submissions_make_an_empty_plan(tmp_path):
    run = batch.plan(tmp_path, "hw1", TESTS, {})
    assert (run.everyone, run.to_grade, run.refused, run.unchanged) == ([], [], [], [])


# ------------------------------------------------------------------ record
@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    return released_course(tmp_path_factory.mktemp("released"))


@pytest.fixture
def course(released, tmp_path) -> Path:
    copy = tmp_path / "course"
    shutil.copytree(released, copy)
    return copy


def _graded(run: batch.Plan, student: str, passed: set[str]) -> grader.SubmissionResult:
    """A result as a worker sends it: full marks on the tests in ``passed``, none elsewhere."""
    tests = []
    for tc in run.tests["hw1.ipynb"]:
        function, ok = SPECS[tc.grade_id].function, tc.grade_id in passed
        case = grader.CaseReport("hidden case 1", 1, f"{function}(...)", ok, "" if ok else "output differs")
        tests.append(grader.TestReport(tc.grade_id, function, tc.points, tc.points if ok else 0.0, [case]))
    return grader.SubmissionResult(student, "hw1", "hw1.ipynb", _digest(student.encode()), tests, seconds=1.25)


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow  # releases hw1 through nbgrader once for the module
def test_record_keeps_each_result_and_the_plan_s_refusals_then_reports(course):
    url = f"sqlite:///{course / 'gradebook.db'}"
    _submit(course, "alice")
    link = course / "submitted" / "mallory" / "hw1" / "hw1.ipynb"
    link.parent.mkdir(parents=True)
    link.symlink_to(course / "source" / "hw1" / "hw1.ipynb")
    tests = batch.instructor_tests(course, "hw1")
    with GradeWriter(url) as writer:
        run = batch.plan(course, "hw1", tests, writer.graded("hw1"))
        assert run.to_grade == [("alice", "hw1.ipynb")]
        alice = _graded(run, "alice", {"test_adam_step", "test_affine_backward"})
        summary = batch.record(writer, run, [alice], url)
        kept = {r.student: r for r in writer.results("hw1")}
    assert (summary.notebooks, summary.with_problems) == (2, 1)  # mallory's refusal is kept, with its reason
    assert summary.mean_score == pytest.approx(alice.score / 2)
    assert summary.max_score == pytest.approx(alice.max_score)
    assert sorted(summary.seconds) == [0.0, 1.25]
    assert kept["alice"].score == pytest.approx(SPECS["test_adam_step"].points + SPECS["test_affine_backward"].points)
    assert "symbolic link" in kept["mallory"].problems[0]
    reports = course / "reports" / "hw1"
    rows = {r["student"]: r for r in _csv(reports / "grades.csv")}
    assert float(rows["alice"]["total"]) == pytest.approx(alice.score)
    assert float(rows["mallory"]["total"]) == 0.0
    assert rows["alice"]["late_seconds"] == ""  # no receipt: left to the instructor, never "on time"
    assert "symbolic link" in (reports / "feedback" / "mallory.html").read_text()
    assert (course / "autograded" / "alice" / "hw1" / "hw1.ipynb").is_file()  # formgrader's copy
    assert _csv(reports / batch.CHANGES_FILE) == []  # nobody had a score before


@pytest.mark.slow
def test_record_reports_whose_score_a_regrade_moved(course):
    url = f"sqlite:///{course / 'gradebook.db'}"
    _submit(course, "alice")
    _submit(course, "bob")
    tests = batch.instructor_tests(course, "hw1")
    with GradeWriter(url) as writer:
        run = batch.plan(course, "hw1", tests, writer.graded("hw1"))
        first = [_graded(run, "alice", {"test_adam_step"}), _graded(run, "bob", {"test_adam_step"})]
        batch.record(writer, run, first, url)
        again = batch.plan(course, "hw1", tests, writer.graded("hw1"), regrade_all=True)
        second = [_graded(again, "alice", {"test_adam_step", "test_momentum_step"}),
                  _graded(again, "bob", {"test_adam_step"})]
        batch.record(writer, again, second, url)
    changes = _csv(course / "reports" / "hw1" / batch.CHANGES_FILE)
    assert [(c["student"], float(c["before"]), float(c["after"])) for c in changes] == [
        ("alice", first[0].score, second[0].score)]
    assert second[0].score > first[0].score
    autograded = nbformat.read(course / "autograded" / "alice" / "hw1" / "hw1.ipynb", as_version=4)
    [cell] = [c for c in autograded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_momentum_step"]
    points = SPECS["test_momentum_step"].points
    shown = "".join(output.get("text", "") for output in cell.outputs)
    assert f"autograded: {points:g} / {points:g}" in shown  # the second result's, where the first gave 0


# ------------------------------------------------------------------ refusals before a run

def test_refuses_to_grade_unsandboxed_without_being_told(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: False)
    with pytest.raises(RuntimeError, match="--no-sandbox"):
        batch.grade_class(tmp_path, "hw1")
