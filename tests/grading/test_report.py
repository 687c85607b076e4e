"""Feedback and the class's reports (``dlcourse.grading.report``): what the student controls is
escaped, no seed is shown, revealed cases paste back as their inputs, and the summary counts
each known mistake."""
from __future__ import annotations

import csv
import html
import re

import numpy as np

from dlcourse.grading import cases, grader, report
from dlcourse.grading.exercises import SPECS


def _result(student: str = "alice", message: str = "output y: 1 of 3 entries differ") -> grader.SubmissionResult:
    failed = grader.CaseReport("hidden case 1", 12345, "two_branch_backward(...)", False, message, 0)
    passed = grader.CaseReport("visible case 1", 0, "two_branch_backward(...)", True)
    tests = [grader.TestReport("test_two_branch_backward", "two_branch_backward", 2.0, 1.0, [passed, failed]),
             grader.TestReport("test_unreached", "unreached", 1.0, 0.0)]
    return grader.SubmissionResult(student, "hw3", "hw3.ipynb", "digest", tests, ["cell 4 failed: NameError"])


def test_feedback_escapes_what_the_student_controls_and_shows_no_seed():
    page = report.feedback_html(_result(student="<b>eve</b>", message="<script>alert(1)</script>"))
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<b>eve</b>" not in page
    assert "12345" not in page
    assert "<pre>" not in page  # hidden inputs stay hidden until the instructor reveals them
    assert "1 / 3" in page
    assert "not run" in page
    assert "cell 4 failed: NameError" in page


def test_revealed_feedback_pastes_back_as_the_failed_case_s_very_inputs():
    result = _result()
    page = report.feedback_html(result, reveal=True)
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
    results = (_result(student) for student in ("bob", "alice"))  # read one at a time, as from the store
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
    summary = report.write_reports(iter(class_), tmp_path)["summary"].read_text()
    assert "23 students: the batch mean&#x27;s 1/N is left out (chapter 2, Eq. (5))" in summary
