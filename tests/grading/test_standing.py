"""Where a submission stands: the autograder's result with a TA's say and the lateness on top,
built in one place (``Standing.of``) from a bare result or from the gradebook's rows."""
from __future__ import annotations

from datetime import datetime

import pytest

from dlcourse.grading import grader
from dlcourse.grading.exercises import SPECS
from dlcourse.grading.standing import Lateness, Mark, Standing

ADAM = "test_adam_step"  # autograded, worth 3 in hw1
MOMENTUM = "test_momentum_step"
WRITTEN = "proof_line_search"  # graded by hand: in no exercise's declaration


def _result() -> grader.SubmissionResult:
    tests = [grader.TestReport(ADAM, "adam_step", 3.0, 2.0), grader.TestReport(MOMENTUM, "momentum_step", 2.0, 0.5)]
    return grader.SubmissionResult("alice", "hw1", "hw1.ipynb", "digest", tests)


def test_the_declarations_used_here_are_autograded_and_the_written_answer_is_not():
    assert SPECS[ADAM].function == "adam_step"
    assert SPECS[MOMENTUM].function == "momentum_step"
    assert WRITTEN not in SPECS


def test_a_bare_result_stands_on_the_autograder_s_scores_with_no_lateness():
    standing = Standing.of(_result())
    assert [(m.grade_id, m.points, m.auto, m.manual) for m in standing.marks] == [(ADAM, 3.0, 2.0, None),
                                                                                  (MOMENTUM, 2.0, 0.5, None)]
    assert standing.score == 2.5
    assert standing.max_score == 5.0
    assert standing.final == 2.5
    assert standing.lateness is None  # graded outside a course: there is no due date to miss
    assert standing.penalty == 0.0
    assert standing.seconds_late == 0.0
    assert standing.awaiting_hand_grading == []


def test_the_gradebook_s_rows_give_overrides_hand_grades_and_comments_in_the_result_s_order():
    grades = {WRITTEN: (4.0, None, None), MOMENTUM: (2.0, 0.5, 2.0), ADAM: (3.0, 2.0, None)}
    comments = {"momentum_step": "the sign was a typo in the handout", WRITTEN: ""}
    standing = Standing.of(_result(), grades, comments)
    assert [m.grade_id for m in standing.marks] == [ADAM, MOMENTUM, WRITTEN]  # the result's tests first
    adam, momentum, written = standing.marks
    assert not adam.overridden
    assert adam.score == 2.0
    assert momentum.overridden
    assert (momentum.score, momentum.auto) == (2.0, 0.5)
    assert momentum.comment == "the sign was a typo in the handout"  # kept on the answer cell, named by the function
    assert written.by_hand
    assert (written.auto, written.score) == (None, 0.0)
    assert standing.awaiting_hand_grading == [WRITTEN]
    assert standing.score == pytest.approx(4.0)
    assert standing.max_score == pytest.approx(9.0)


def test_a_hand_grade_ends_the_wait_and_a_test_gone_from_the_gradebook_is_left_out():
    grades = {ADAM: (3.0, 2.0, None), WRITTEN: (4.0, None, 3.5)}  # MOMENTUM no longer in the gradebook
    standing = Standing.of(_result(), grades, {WRITTEN: "the last step needs the Lipschitz bound"})
    assert [m.grade_id for m in standing.marks] == [ADAM, WRITTEN]
    assert standing.awaiting_hand_grading == []
    assert standing.marks[1].comment == "the last step needs the Lipschitz bound"
    assert not standing.marks[1].overridden  # a hand grade is no override of the autograder
    assert standing.score == pytest.approx(5.5)


def test_the_penalty_comes_off_the_score_and_the_final_is_never_below_zero():
    grades = {ADAM: (3.0, 2.0, None), MOMENTUM: (2.0, 0.5, None)}
    late = Standing.of(_result(), grades, lateness=Lateness(datetime(2026, 3, 4, 12), 26 * 3600, 1.0))
    assert late.seconds_late == 26 * 3600
    assert late.final == pytest.approx(1.5)
    more = Standing.of(_result(), grades, lateness=Lateness(datetime(2026, 3, 4, 12), 26 * 3600, 4.0))
    assert more.final == 0.0


def test_an_unknown_receipt_time_is_said_to_be_unknown_and_costs_nothing():
    unknown = Lateness(None)
    assert not unknown.known
    assert Lateness(datetime(2026, 3, 4, 12)).known
    standing = Standing.of(_result(), lateness=unknown)
    assert standing.penalty == 0.0
    assert standing.final == standing.score == 2.5


def test_a_mark_s_score_is_the_ta_s_when_there_is_one():
    assert Mark(ADAM, 3.0, 1.0, 0.0).score == 0.0  # a TA's zero is a score, not a missing one
    assert Mark(ADAM, 3.0, 1.0, 0.0).overridden
    assert not Mark(ADAM, 3.0, 1.0, 1.0).overridden  # the same score as the autograder's
    assert Mark(WRITTEN, 4.0, None, by_hand=True).score == 0.0
