"""An instructor's week on a real gradebook: a due date and late work, an extension, a TA's
override that outlives a rerun, a hand-graded proof, a resubmission regraded alone, and the
formgrader's needs-manual-grade flags; every piece reaches the feedback and the reports."""
from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import nbformat
import pytest
from courses import released_course
from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc

import sample_class
from dlcourse.grading import sandbox
from dlcourse.grading.batch import feedback, grade_class
from dlcourse.grading.exercise import Written
from dlcourse.grading.exercises import exercises
from dlcourse.grading.gradebook import GradeWriter
from dlcourse.grading.notebook import nbgrader_metadata

pytestmark = [pytest.mark.slow, pytest.mark.hw1]  # real sandboxed grading, of hw1

ROOT = Path(__file__).resolve().parents[1]
FAST = sandbox.Limits(wall_seconds=40, cell_seconds=5, case_seconds=5)
DUE = parse_utc("2026-12-01 23:59:00 UTC")
LATE_POLICY = """[assignments.hw1]
late_policy = "per_day"
late_penalty_per_day = 0.1
late_penalty_cap = 0.5
"""


@pytest.fixture(scope="module")
def week(tmp_path_factory) -> dict:
    """A ten-student hw1 class, graded once, then worked on as a TA would."""
    course = released_course(tmp_path_factory.mktemp("week"), "hw1", "2026-12-01 23:59:00 UTC", LATE_POLICY)
    students = sample_class.make(course, "hw1", 10)
    sample_class.write_timestamps(course, "hw1", students, DUE)  # student0008 3 h late, student0009 26 h
    writer = GradeWriter(f"sqlite:///{course / 'gradebook.db'}")
    writer.extend("hw1", "student0008", timedelta(hours=4))  # the extension covers its 3 hours
    writer.close()
    first = {r.student: r for r in grade_class(course, "hw1", workers=2, limits=FAST, progress=False)}
    return {"course": course, "students": students, "first": first}


def _standings(course: Path) -> dict:
    writer = GradeWriter(f"sqlite:///{course / 'gradebook.db'}")
    try:
        return {s.student: s for s in writer.standings("hw1")}
    finally:
        writer.close()


def test_late_work_is_graded_and_penalised_by_the_policy_and_an_extension_excuses_it(week):
    course = week["course"]
    standings = _standings(course)
    late = standings["student0009"]
    assert late.seconds_late == pytest.approx(26 * 3600)
    # a day and a bit late is two days of 10% of the points possible, never more than the score
    assert late.penalty == pytest.approx(min(late.score, 0.2 * late.max_score))
    assert late.final == pytest.approx(late.score - late.penalty)
    assert standings["student0008"].seconds_late == 0  # 3 hours late, with 4 hours' extension
    assert standings["student0008"].penalty == 0
    assert standings["student0000"].penalty == 0
    page = (course / "reports" / "hw1" / "feedback" / "student0009.html").read_text()
    assert "1 day 2 hours late" in page
    assert f"takes off <b>{late.penalty:g}</b>" in page
    with open(course / "reports" / "hw1" / "grades.csv", newline="") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert float(rows["student0009"]["late_penalty"]) == pytest.approx(late.penalty)
    assert float(rows["student0009"]["final"]) == pytest.approx(late.final)
    gb = Gradebook(f"sqlite:///{course / 'gradebook.db'}")
    try:
        submission = gb.find_submission("hw1", "student0009")
        assert submission.timestamp == DUE + timedelta(hours=26)  # nbgrader's own columns, for its export
        assert gb.find_submission_notebook("hw1", "hw1", "student0009").late_submission_penalty == late.penalty
    finally:
        gb.close()


def test_formgrader_is_asked_only_for_the_answers_a_person_must_grade(week):
    course = week["course"]
    gb = Gradebook(f"sqlite:///{course / 'gradebook.db'}")
    try:
        grades = gb.find_submission_notebook("hw1", "hw1", "student0000").grades
        waiting = {g.name for g in grades if g.needs_manual_grade}
    finally:
        gb.close()
    assert waiting == {e.grade_id for e in exercises("hw1") if isinstance(e, Written)}
    autograded = nbformat.read(course / "autograded" / "student0000" / "hw1" / "hw1.ipynb", as_version=4)
    cells = {nbgrader_metadata(c).get("grade_id"): c for c in autograded.cells}
    submitted = nbformat.read(course / "submitted" / "student0000" / "hw1" / "hw1.ipynb", as_version=4)
    answer = next(c.source for c in submitted.cells if nbgrader_metadata(c).get("grade_id") == "adam_step")
    assert cells["adam_step"].source == answer  # the student's answer, not the instructor's
    assert "### BEGIN SOLUTION" not in "".join(c.source for c in autograded.cells)
    assert cells["test_adam_step"].outputs[0]["text"].startswith("autograded: 3 / 3")


def test_an_override_and_a_hand_grade_reach_the_feedback_and_outlive_a_rerun(week):
    course = week["course"]
    writer = GradeWriter(f"sqlite:///{course / 'gradebook.db'}")
    writer.override("hw1", "student0001", "test_adam_step", 1.5, "the update is right but float32 was asked for")
    writer.override("hw1", "student0001", "proof_line_search", 2.0, "the last step needs the Lipschitz bound")
    writer.close()
    grade_class(course, "hw1", workers=2, limits=FAST, progress=False)  # a rerun touches no manual score
    s = _standings(course)["student0001"]
    marks = {m.grade_id: m for m in s.marks}
    assert marks["test_adam_step"].manual == 1.5
    assert marks["test_adam_step"].auto == 3
    assert marks["test_adam_step"].overridden
    assert marks["proof_line_search"].score == 2.0
    assert "proof_line_search" not in s.awaiting_hand_grading  # the other written answers still wait
    assert s.score == pytest.approx(week["first"]["student0001"].score - 1.5 + 2.0)
    page = (course / "reports" / "hw1" / "feedback" / "student0001.html").read_text()
    assert "set by your TA; the autograder gave 3" in page
    assert "float32 was asked for" in page
    assert "the Lipschitz bound" in page


def test_a_resubmission_is_regraded_alone_and_reported_as_a_change(week):
    course = week["course"]
    wrong = next(s for s in week["students"] if s.expected.fails)
    source = nbformat.read(course / "source" / "hw1" / "hw1.ipynb", as_version=4)
    nbformat.write(sample_class.honest(source), course / "submitted" / wrong.name / "hw1" / "hw1.ipynb")
    before = week["first"][wrong.name].score
    after = {r.student: r.score for r in grade_class(course, "hw1", workers=2, limits=FAST, progress=False)}
    with open(course / "reports" / "hw1" / "score_changes.csv", newline="") as fh:
        changes = list(csv.DictReader(fh))
    assert [(c["student"], float(c["before"]), float(c["after"])) for c in changes] == [
        (wrong.name, before, after[wrong.name])]
    assert after[wrong.name] > before
    grade_class(course, "hw1", workers=2, limits=FAST, progress=False, regrade_all=True)
    with open(course / "reports" / "hw1" / "score_changes.csv", newline="") as fh:
        assert list(csv.DictReader(fh)) == []  # the same tests again: nobody's score moves


def test_feedback_alone_rebuilds_the_reports_from_the_gradebook(week):
    course = week["course"]
    summary = course / "reports" / "hw1" / "summary.html"
    summary.unlink()
    feedback(course, "hw1")
    text = summary.read_text()
    assert "What the class got wrong" in text
    assert "To revisit in the next lecture" in text
    assert (course / "reports" / "hw1" / "full_marks_per_test.png").stat().st_size > 0
