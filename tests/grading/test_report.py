"""The feedback page, grades.csv and the summary, all built from one model: ``Standing``
(the result, a TA's say and the lateness), whether it comes from the gradebook or from a bare
result."""
from __future__ import annotations

import csv
import html
import re
from datetime import datetime

import numpy as np
import pytest

from dlcourse.grading import cases, grader, report
from dlcourse.grading.exercises import SPECS
from dlcourse.grading.standing import Lateness, Standing

ADAM = "test_adam_step"
MOMENTUM = "test_momentum_step"
WRITTEN = "proof_line_search"
RECEIVED = datetime(2026, 3, 5, 14, 7, 9)


def _result(student: str) -> grader.SubmissionResult:
    failed = grader.CaseReport("hidden case 1", 777, "momentum_step(p: (4,), ...)", False,
                               "output v: 2 of 4 entries differ", 1)
    tests = [grader.TestReport(ADAM, "adam_step", 3.0, 3.0),
             grader.TestReport(MOMENTUM, "momentum_step", 2.0, 1.0,
                               [grader.CaseReport("hidden case 0", 776, "momentum_step(...)", True), failed])]
    return grader.SubmissionResult(student, "hw1", "hw1.ipynb", "digest", tests)


def _standing(student: str, lateness: Lateness | None, manual: float | None = None, comment: str = "",
              written: float | None = None) -> Standing:
    grades = {ADAM: (3.0, 3.0, None), MOMENTUM: (2.0, 1.0, manual), WRITTEN: (3.0, None, written)}
    return Standing.of(_result(student), grades, {"momentum_step": comment}, lateness)


def _rows(path) -> dict[str, dict[str, str]]:
    with open(path, newline="") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


def test_late_feedback_gives_the_receipt_time_the_delay_and_the_penalty_taken_off():
    standing = _standing("late", Lateness(RECEIVED, 26 * 3600, 0.8), written=2.0)
    page = report.feedback_html(standing)
    assert "Received 2026-03-05 14:07:09 UTC" in page
    assert "1 day 2 hours late" in page
    assert "takes off <b>0.8</b> point(s)" in page
    assert f"Score: <b>{3 + 1 + 2 - 0.8:g} / 8</b>" in page


def test_on_time_feedback_says_so_and_an_unknown_time_is_left_to_the_instructor():
    on_time = report.feedback_html(_standing("early", Lateness(RECEIVED)))
    assert "On time." in on_time
    assert "late policy" not in on_time
    unknown = report.feedback_html(_standing("nobody-knows", Lateness(None)))
    assert "no record of when this notebook was received" in unknown
    assert "On time" not in unknown  # an unknown time is never taken as on time
    assert "Received" not in unknown


def test_a_bare_result_s_feedback_speaks_of_no_receipt_at_all():
    page = report.feedback_html(Standing.of(_result("check")))
    assert "Received" not in page
    assert "no record of when" not in page
    assert "Score: <b>4 / 5</b>" in page


def test_feedback_shows_the_ta_s_override_with_the_reason_and_the_answer_still_to_be_graded():
    page = report.feedback_html(_standing("ta", Lateness(RECEIVED), manual=2.0, comment="v <is> right after all"))
    assert "<b>2</b> / 2 (set by your TA; the autograder gave 1)" in page
    assert html.escape("Your TA: v <is> right after all") in page
    assert f"Still to be graded by hand: {WRITTEN}." in page
    assert "not graded yet / 3" in page
    assert "output v: 2 of 4 entries differ" in page  # the failed case stays in view under the override
    assert "777" not in page  # the seed never


def test_grades_csv_has_each_mark_the_lateness_and_the_final_of_each_standing(tmp_path):
    standings = [_standing("late", Lateness(RECEIVED, 26 * 3600, 0.8), written=2.0),
                 _standing("unknown", Lateness(None)),
                 Standing.of(_result("bare"))]
    paths = report.write_reports(iter(standings), tmp_path)
    rows = _rows(paths["csv"])
    assert list(rows) == ["late", "unknown", "bare"]
    late, unknown, bare = rows["late"], rows["unknown"], rows["bare"]
    assert (float(late[ADAM]), float(late[MOMENTUM]), float(late[WRITTEN])) == (3.0, 1.0, 2.0)
    assert float(late["total"]) == pytest.approx(6.0)
    assert float(late["max"]) == pytest.approx(8.0)
    assert int(late["late_seconds"]) == 26 * 3600
    assert float(late["late_penalty"]) == pytest.approx(0.8)
    assert float(late["final"]) == pytest.approx(5.2)
    assert unknown["late_seconds"] == ""  # not known: left empty, never 0
    assert float(unknown["final"]) == pytest.approx(4.0)
    assert bare["late_seconds"] == "0"
    assert bare[WRITTEN] == ""  # a bare result has no written answer to show
    assert sorted(p.name for p in paths["feedback"].iterdir()) == ["bare.html", "late.html", "unknown.html"]
    summary = paths["summary"].read_text()
    assert "3 submissions" in summary
    assert "1 late" in summary
    assert f"mean final score {(5.2 + 4.0 + 4.0) / 3:.2f}" in summary


def test_the_summary_counts_full_marks_from_the_standing_not_the_bare_result(tmp_path):
    overridden = _standing("ta", None, manual=2.0)  # the TA's 2 of 2: full marks on the momentum test
    plain = _standing("plain", None)
    summary = report.write_reports(iter([overridden, plain]), tmp_path)["summary"].read_text()
    assert f"<td>{MOMENTUM}</td><td>1 of 2</td>" in summary
    assert f"<td>{ADAM}</td><td>2 of 2</td>" in summary



def _failed_result(student: str = "alice", message: str = "output y: 1 of 3 entries differ") -> grader.SubmissionResult:
    failed = grader.CaseReport("hidden case 1", 12345, "two_branch_backward(...)", False, message, 0)
    passed = grader.CaseReport("visible case 1", 0, "two_branch_backward(...)", True)
    tests = [grader.TestReport("test_two_branch_backward", "two_branch_backward", 2.0, 1.0, [passed, failed]),
             grader.TestReport("test_unreached", "unreached", 1.0, 0.0)]
    return grader.SubmissionResult(student, "hw3", "hw3.ipynb", "digest", tests, ["cell 4 failed: NameError"])


def test_feedback_escapes_what_the_student_controls_and_shows_no_seed():
    page = report.feedback_html(Standing.of(_failed_result(student="<b>eve</b>", message="<script>alert(1)</script>")))
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<b>eve</b>" not in page
    assert "12345" not in page
    assert "<pre>" not in page  # hidden inputs stay hidden until the instructor reveals them
    assert "1 / 3" in page
    assert "not run" in page
    assert "cell 4 failed: NameError" in page


def test_revealed_feedback_pastes_back_as_the_failed_case_s_very_inputs():
    result = _failed_result()
    page = report.feedback_html(Standing.of(result), reveal=True)
    [shown_code] = re.findall(r"<pre>(.*?)</pre>", page, re.DOTALL)
    shown = {}
    exec(html.unescape(shown_code), {"np": np}, shown)
    spec = SPECS["test_two_branch_backward"]
    failed = result.tests[0].cases[1]
    expected = spec.arguments(cases.inputs(spec, failed.case()))
    assert set(shown) == set(expected)
    for name, value in expected.items():
        np.testing.assert_array_equal(shown[name], value)


def test_the_reports_hold_one_row_per_student_with_each_test_s_score(tmp_path):
    # read one at a time, as from the store
    results = (Standing.of(_failed_result(student)) for student in ("bob", "alice"))
    paths = report.write_reports(results, tmp_path)
    with open(paths["csv"], newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    assert sorted(rows) == ["alice", "bob"]
    for row in rows.values():
        assert float(row["test_two_branch_backward"]) == 1.0
        assert float(row["test_unreached"]) == 0.0
        assert float(row["total"]) == 1.0
        assert float(row["max"]) == 3.0
        assert int(row["problems"]) == 1
    assert sorted(p.name for p in paths["feedback"].iterdir()) == ["alice.html", "bob.html"]
    assert "2 submissions" in paths["summary"].read_text()
    assert (tmp_path / "score_distribution.png").stat().st_size > 0


def test_the_summary_counts_each_known_mistake_across_the_class(tmp_path):
    def student(name: str, mistake: str | None) -> grader.SubmissionResult:
        case = grader.CaseReport("hidden case 1", 1, "binary_classifier_backward(...)", mistake is None,
                                 "" if mistake is None else "output dW1: 3 of 8 entries differ", 0, None, mistake)
        tests = [grader.TestReport("test_binary_classifier_backward", "binary_classifier_backward", 3.0,
                                   3.0 if mistake is None else 0.0, [case])]
        return grader.SubmissionResult(name, "hw3", "hw3.ipynb", name, tests)

    class_ = [student(f"s{i}", "binary_classifier_without_batch_mean") for i in range(23)] + [student("ok", None)]
    summary = report.write_reports(map(Standing.of, class_), tmp_path)["summary"].read_text()
    assert "23 students: the batch mean&#x27;s 1/N is left out (chapter 2, Eq. (5))" in summary
