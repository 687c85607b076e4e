"""Late work: the receipt time the course trusts, the penalty each policy takes, and the words
feedback uses for it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dlcourse.grading import lateness, receipts
from dlcourse.grading.course import AssignmentSettings, Course

PER_DAY = AssignmentSettings(late_policy="per_day", late_penalty_per_day=0.1, late_penalty_cap=0.5)


def _receive(course, student: str, when: datetime | None, suspect: bool = False) -> None:
    ledger = receipts.Ledger(course, "hw1")
    receipt = receipts.Receipt(student, "hw1", receipts.iso(when) if when else None, "exchange",
                               folder=f"inbound/{student}", suspect=suspect)
    ledger.record(receipt)
    ledger.count(student, receipt.folder)


def test_the_receipt_s_time_is_the_submission_time_in_naive_utc(tmp_path):
    when = datetime(2026, 3, 2, 17, 30, 5, tzinfo=UTC)
    _receive(tmp_path, "alice", when)
    assert lateness.received_at(tmp_path, "alice", "hw1") == (datetime(2026, 3, 2, 17, 30, 5), None)


def test_a_receipt_in_another_time_zone_is_read_as_the_same_instant(tmp_path):
    tokyo = datetime(2026, 3, 3, 11, 30, tzinfo=timezone(timedelta(hours=9)))
    _receive(tmp_path, "bob", tokyo)
    assert lateness.received_at(tmp_path, "bob", "hw1")[0] == datetime(2026, 3, 3, 2, 30)


@pytest.mark.parametrize("how, words", [
    ("none", "no receipt"),  # collected by hand: no ledger entry
    ("timeless", "no receipt"),  # a receipt that records no time
    ("suspect", "doubtful"),  # the exchange's change times moved for most of the class
    ("broken", "not a receipts file"),  # a ledger file dlcourse did not write
])
def test_an_unknown_or_doubtful_time_is_none_with_the_reason(tmp_path, how, words):
    if how == "timeless":
        _receive(tmp_path, "carol", None)
    elif how == "suspect":
        _receive(tmp_path, "carol", datetime(2026, 3, 1, tzinfo=UTC), suspect=True)
    elif how == "broken":
        folder = Course(tmp_path).receipts / "hw1"
        folder.mkdir(parents=True)
        (folder / "carol.json").write_text("{not json")
    when, why = lateness.received_at(tmp_path, "carol", "hw1")
    assert when is None
    assert words in why
    assert "instructor" in why  # never taken as on time: the instructor decides


def test_the_student_s_own_timestamp_is_never_the_submission_time(tmp_path):
    folder = tmp_path / "submitted" / "dave" / "hw1"
    folder.mkdir(parents=True)
    (folder / lateness.TIMESTAMP_FILE).write_text("2020-01-01 00:00:00.000000 UTC")  # claims years early
    assert lateness.received_at(tmp_path, "dave", "hw1")[0] is None


@pytest.mark.parametrize("seconds_late, days", [(1, 1), (lateness.DAY, 1), (lateness.DAY + 1, 2), (26 * 3600, 2),
                                                (3 * lateness.DAY, 3)])
def test_per_day_takes_a_fraction_of_the_points_for_each_day_or_part_of_one(seconds_late, days):
    assert lateness.penalty(PER_DAY, 9.0, 10.0, seconds_late) == pytest.approx(0.1 * 10.0 * days)


def test_per_day_stops_at_the_cap_and_never_takes_more_than_the_score():
    assert lateness.penalty(PER_DAY, 9.0, 10.0, 30 * lateness.DAY) == pytest.approx(5.0)  # the cap: half the points
    assert lateness.penalty(PER_DAY, 1.5, 10.0, 4 * lateness.DAY) == pytest.approx(1.5)  # 4 days is 4.0 > 1.5 scored


@pytest.mark.parametrize("settings", [PER_DAY, AssignmentSettings(late_policy="zero"), AssignmentSettings()])
def test_on_time_costs_nothing_under_any_policy(settings):
    assert lateness.penalty(settings, 7.0, 10.0, 0.0) == 0.0
    assert lateness.penalty(settings, 7.0, 10.0, -3600.0) == 0.0  # early


def test_the_zero_policy_takes_the_whole_score_as_nbgrader_does_and_none_takes_nothing():
    assert lateness.penalty(AssignmentSettings(late_policy="zero"), 7.25, 10.0, 60.0) == pytest.approx(7.25)
    assert lateness.penalty(AssignmentSettings(late_policy="none"), 7.25, 10.0, 30 * lateness.DAY) == 0.0


@pytest.mark.parametrize("seconds, words", [
    (26 * 3600, "1 day 2 hours late"),
    (60, "1 hour late"),  # part of an hour counts as one
    (2 * lateness.DAY, "2 days late"),
    (timedelta(days=3, hours=1, minutes=1).total_seconds(), "3 days 2 hours late"),
])
def test_describe_says_days_and_hours_rounded_up(seconds, words):
    assert lateness.describe(seconds) == words
