"""Reading nbgrader's exchange on the instructor's side (``exchange``, ``collect``, ``receipts``,
``lateness``, ``feedback_files``), in process on real folders: identity from the files' owner,
receipt time from their change times, the student's own time kept as a claim, forged and broken
folders refused by name while the class is collected. Root makes folders of other owners, as a
student's account would; ``test_hub.py`` does the same with real accounts and nbgrader's commands."""
from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nbgrader.utils import parse_utc

from dlcourse.grading import collect, exchange, receipts
from dlcourse.grading.feedback_files import publish
from dlcourse.grading.gradebook import GradeWriter
from dlcourse.grading.lateness import received_at
from dlcourse.grading.receipts import Ledger, Receipt

ME = "root"  # the account these tests run as (CI runs as root): its folders are its own work
STRANGER = 54_321  # a uid with no account: a folder it owns is nobody's work here

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="folders of other owners need root (CI runs as root)")


@pytest.fixture
def course(tmp_path) -> Path:
    """A course folder whose nbgrader config points at an exchange of its own."""
    course = tmp_path / "course"
    (course / "source" / "hw1").mkdir(parents=True)
    (course / "source" / "hw1" / "hw1.ipynb").write_text("{}")
    root = tmp_path / "exchange"
    (root / "dlc" / "inbound").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = 'dlc'\nc.Exchange.root = {str(root)!r}\n")
    return course


@pytest.fixture
def graded(course, monkeypatch) -> Path:
    """The course with a gradebook, where hw1 was due on 1 January 2026."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # nbgrader's alembic
    with GradeWriter(f"sqlite:///{course / 'gradebook.db'}") as writer:
        writer.set_due("hw1", parse_utc("2026-01-01 00:00:00 UTC"))
    return course


def submit(course: Path, name: str, claim: str = "2025-12-31 23:00:00 UTC", uid: int = 0, notebook: bytes = b"{}",
           extra: dict | None = None) -> Path:
    folder = course.parent / "exchange" / "dlc" / "inbound" / name
    folder.mkdir()
    files = {"hw1.ipynb": notebook, "timestamp.txt": claim.encode(), "submission_secret.txt": b"s3cret" * 20,
             **(extra or {})}
    for file, data in files.items():
        (folder / file).write_bytes(data)
    for p in [folder, *folder.iterdir()]:
        os.lchown(p, uid, uid)
    return folder


def test_the_exchanges_settings_come_from_nbgraders_config(course):
    where = exchange.settings(course)
    assert where.course_id == "dlc"
    assert where.inbound == course.parent / "exchange" / "dlc" / "inbound"


def test_a_submission_is_received_at_the_latest_change_time_not_at_its_claim(course):
    folder = submit(course, f"{ME}+hw1+2025-12-31 23:00:00 UTC+abc", claim="2025-12-31 23:00:00 UTC")
    os.utime(folder / "hw1.ipynb", (0, 0))  # touch -d moves the modification time, never the change time
    arrivals, refusals = exchange.scan(folder.parent, "hw1", ["hw1.ipynb"])
    assert not refusals
    [a] = arrivals
    assert a.account == ME
    assert abs(a.received - datetime.now(UTC)) < timedelta(seconds=30)
    assert a.claimed == "2025-12-31 23:00:00 UTC"
    assert a.secret == "s3cret" * 20


def test_forged_broken_and_foreign_folders_are_refused_by_name_and_the_rest_collected(course):
    submit(course, f"{ME}+hw1+2026-01-01 00:00:00 UTC+ok")
    submit(course, f"{ME}+hw1+2099-01-01 00:00:00 UTC+forged", uid=STRANGER)  # made by someone else, in my name
    submit(course, "x+hw1+garbage+y+z")
    submit(course, f"{ME}+hw1+2026-01-01 00:00:00 UTC+link", extra={})
    link_folder = course.parent / "exchange" / "dlc" / "inbound" / f"{ME}+hw1+2026-01-01 00:00:00 UTC+link"
    (link_folder / "data.npy").symlink_to("/etc/shadow")
    mixed = submit(course, f"{ME}+hw1+2026-01-01 00:00:00 UTC+mixed")
    os.lchown(mixed / "hw1.ipynb", STRANGER, STRANGER)  # another account's notebook in my folder
    submit(course, f"{ME}+hw1+2026-01-01 00:00:00 UTC+empty", extra={}).joinpath("hw1.ipynb").unlink()
    submit(course, f"{ME}+hw2+2026-01-01 00:00:00 UTC+other")  # another assignment: not this one's business
    arrivals, refusals = exchange.scan(course.parent / "exchange" / "dlc" / "inbound", "hw1", ["hw1.ipynb"])
    assert [a.folder for a in arrivals] == [f"{ME}+hw1+2026-01-01 00:00:00 UTC+ok"]
    why = {r.folder.rsplit("+", 1)[-1]: r.reason for r in refusals}
    assert set(why) == {"forged", "z", "link", "mixed", "empty"}
    assert f"uid {STRANGER}" in why["forged"]
    assert "credited to nobody" in why["forged"]
    assert "not named" in why["z"]
    assert "not a plain file" in why["link"]
    assert f"belongs to uid {STRANGER}" in why["mixed"]
    assert "no hw1.ipynb" in why["empty"]


def test_collect_counts_the_latest_receipt_keeps_the_claim_and_judges_lateness_by_the_receipt(course):
    submit(course, f"{ME}+hw1+2025-12-31 20:00:00 UTC+first", notebook=b'{"first": 1}')
    time.sleep(0.05)
    # handed in now (months after the due date), claiming a time before it
    submit(course, f"{ME}+hw1+2025-12-31 22:00:00 UTC+second", claim="2025-12-31 22:00:00 UTC",
           notebook=b'{"second": 2}')
    done = collect.from_exchange(course, "hw1")
    assert done.counted[ME].folder.endswith("+second")
    assert done.counted[ME].claim_disagrees()
    assert (course / "submitted" / ME / "hw1" / "hw1.ipynb").read_bytes() == b'{"second": 2}'
    assert (course / "submitted" / ME / "hw1" / "timestamp.txt").read_text() == "2025-12-31 22:00:00 UTC"
    assert (course / "submitted" / ME / "hw1" / "submission_secret.txt").read_text() == "s3cret" * 20
    when, problem = received_at(course, ME, "hw1")
    assert problem is None
    assert when > parse_utc("2026-01-01 00:00:00 UTC")  # late, whatever the claim says
    assert len(Ledger(course, "hw1").arrivals(ME)) == 2
    log = (course / "receipts" / "hw1" / "collected.csv").read_text()
    assert "claim disagrees" in log
    again = collect.from_exchange(course, "hw1")  # nothing new: no new receipt
    assert again.new == 0


def test_a_folder_edited_after_it_was_received_is_a_new_later_arrival(course):
    folder = submit(course, f"{ME}+hw1+2025-12-31 20:00:00 UTC+a")
    first = collect.from_exchange(course, "hw1").counted[ME]
    time.sleep(0.05)
    (folder / "hw1.ipynb").write_bytes(b'{"edited": true}')
    second = collect.from_exchange(course, "hw1").counted[ME]
    assert second.received > first.received
    assert second.notebooks != first.notebooks
    assert len(Ledger(course, "hw1").arrivals(ME)) == 2


def test_a_class_late_by_receipt_but_on_time_by_claim_is_marked_doubtful_not_penalised(graded, monkeypatch):
    course = graded
    # the receipts are all "now", months after the due date; every claim is before it. Five
    # students, each uid named as an account would be (the machine has no such accounts)
    names = [f"s{i}" for i in range(5)]
    monkeypatch.setattr(exchange, "_account", lambda uid: names[uid - 60_000])
    for i, n in enumerate(names):
        submit(course, f"{n}+hw1+2025-12-31 20:00:00 UTC+r", uid=60_000 + i)
    done = collect.from_exchange(course, "hw1")
    assert done.suspect
    assert "restore from backup" in done.suspect
    when, problem = received_at(course, "s0", "hw1")
    assert when is None
    assert "doubtful" in problem
    collect.from_exchange(course, "hw1", trust_times=True)  # the instructor checked: they were late
    when, problem = received_at(course, "s0", "hw1")
    assert problem is None
    assert when > parse_utc("2026-01-01 00:00:00 UTC")


def test_a_student_receipt_verifies_and_an_edited_copy_fails():
    r = Receipt("ada", "hw1", "2026-12-01T10:00:00+00:00", "exchange", {"hw1.ipynb": "ab" * 32}, "claim", "f", "ada")
    secret = os.urandom(32)
    text = receipts.signed(r, "dlc", secret)
    assert receipts.verify(text, secret)["received_at"] == r.received_at
    edited = json.loads(text)
    edited["received_at"] = "2026-11-30T10:00:00+00:00"
    with pytest.raises(ValueError, match="signature does not match"):
        receipts.verify(json.dumps(edited), secret)
    with pytest.raises(ValueError, match="signature does not match"):
        receipts.verify(text, os.urandom(32))  # another course's secret
    with pytest.raises(ValueError, match="not a dlcourse receipt"):
        receipts.verify("garbage", secret)


def test_without_a_receipt_the_time_is_unknown_never_on_time(course):
    (course / "submitted" / "bob" / "hw1").mkdir(parents=True)
    (course / "submitted" / "bob" / "hw1" / "timestamp.txt").write_text("2025-01-01 00:00:00 UTC")
    when, problem = received_at(course, "bob", "hw1")
    assert when is None
    assert "instructor to decide" in problem


def test_an_lms_download_takes_the_lms_times_or_asks_for_a_decision(course, tmp_path):
    lms = tmp_path / "lms"
    lms.mkdir()
    (lms / "ada.ipynb").write_text("{}")
    (lms / "bo.ipynb").write_text("{}")
    with pytest.raises(ValueError, match="no submission time for ada, bo"):
        collect.collect_folder(course, "hw1", lms)
    assert not (course / "submitted").exists()  # nothing written before the arguments are complete
    times = tmp_path / "times.csv"
    times.write_text("student,submitted_at\nada,2026-01-02 00:00:00 UTC\n")
    with pytest.raises(ValueError, match="no submission time for bo"):
        collect.collect_folder(course, "hw1", lms, times=collect.load_lms_times(times))
    decided = parse_utc("2025-12-31 00:00:00 UTC")
    collect.collect_folder(course, "hw1", lms, times=collect.load_lms_times(times), received_at=decided)
    assert received_at(course, "ada", "hw1")[0] == parse_utc("2026-01-02 00:00:00 UTC")
    assert received_at(course, "bo", "hw1")[0] == decided
    assert Ledger(course, "hw1").counted("bo").source == "instructor"
    assert (course / "submitted" / "ada" / "hw1" / "submission_secret.txt").read_text()  # nbgrader's feedback key


def test_canvas_submission_times_are_mapped_through_the_ids_file(tmp_path):
    api = tmp_path / "submissions.json"
    api.write_text(json.dumps([{"user_id": 101, "submitted_at": "2026-01-02T03:04:05Z"},
                               {"user_id": 102, "submitted_at": None}]))
    ids = tmp_path / "ids.csv"
    ids.write_text("student,canvas_id\nada,101\nbo,102\n")
    assert collect.load_lms_times(api, ids) == {"ada": parse_utc("2026-01-02 03:04:05 UTC")}
    with pytest.raises(ValueError, match="pass --ids"):
        collect.load_lms_times(api)


def test_feedback_is_published_in_nbgraders_layout_with_the_submissions_secret(course, tmp_path):
    submit(course, f"{ME}+hw1+2026-01-01 00:00:00 UTC+a")
    collect.from_exchange(course, "hw1")
    (course / "submitted" / "nosecret" / "hw1").mkdir(parents=True)
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / f"{ME}.html").write_text("<p>mine</p>")
    (pages / "nosecret.html").write_text("<p>theirs</p>")
    problems = publish(course, "hw1", pages, [ME, "nosecret"])
    folder = course / "feedback" / ME / "hw1"
    assert (folder / "hw1.html").read_text() == "<p>mine</p>"
    assert (folder / "submission_secret.txt").read_text() == "s3cret" * 20
    assert (folder / "timestamp.txt").exists()
    assert len(problems) == 1
    assert "nosecret" in problems[0]
    assert "fetch_feedback" in problems[0]


def _cli(capsys, *argv: str) -> tuple[int, str]:
    from dlcourse.cli import main

    try:
        code = main(list(argv))
    except SystemExit as e:  # argparse's usage errors
        code = e.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_loops_commands_say_what_is_wrong_in_one_line_and_change_nothing(graded, capsys, tmp_path):
    course = graded
    gradebook = (course / "gradebook.db").read_bytes()
    (course / "nbgrader_config.py").write_text((course / "nbgrader_config.py").read_text().replace("'dlc'", "'dl9'"))
    code, said = _cli(capsys, "collect", "hw1", "--course", str(course))
    assert code == 1
    assert "no inbound folder for course 'dl9'" in said
    assert "Traceback" not in said
    code, said = _cli(capsys, "collect", "hw9", "--course", str(course))
    assert code == 1
    assert "no such assignment" in said
    code, said = _cli(capsys, "collect", "hw1", "--course", str(course), "--times", "t.csv")
    assert code == 2
    assert "--times and --received-at are for --from" in said
    code, said = _cli(capsys, "override", "hw1", "nobody", "test_affine_backward", "--score", "1", "--course",
                      str(course))
    assert code == 1
    assert "nobody has no graded submission" in said
    code, said = _cli(capsys, "override", "hw1", "nobody", "test_affine_backward", "--course", str(course))
    assert code == 2
    assert "one of the arguments --score --clear is required" in said
    assert (course / "gradebook.db").read_bytes() == gradebook
    students = tmp_path / "students.txt"
    students.write_text("ada:pw\nBad Name\n")
    code, said = _cli(capsys, "hub-setup", "--root", str(tmp_path / "hub"), "--students", str(students), "--course",
                      str(course))
    assert code == 1
    assert f"{students}:2: 'Bad Name' is not a login" in said
    assert not (tmp_path / "hub").exists()  # nothing made before the arguments are known to be right


def test_verify_receipt_refuses_an_edited_copy(course, capsys, tmp_path):
    from dlcourse.grading.cases import load_secret

    r = Receipt("ada", "hw1", "2026-12-01T10:00:00+00:00", "exchange", {"hw1.ipynb": "ab" * 32}, "", "f", "ada")
    Ledger(course, "hw1").record(r)
    copy = tmp_path / "receipt.json"
    copy.write_text(receipts.signed(r, "dlc", load_secret(course, create=True)))
    code, said = _cli(capsys, "verify-receipt", str(copy), "--course", str(course))
    assert code == 0
    assert "the ledger holds the same" in said
    copy.write_text(copy.read_text().replace("2026-12-01T10", "2026-11-30T10"))
    code, said = _cli(capsys, "verify-receipt", str(copy), "--course", str(course))
    assert code == 1
    assert "signature does not match" in said


def test_a_folder_already_received_and_unchanged_is_not_read_again_but_still_collected(course):
    folder = submit(course, f"{ME}+hw1+2025-12-31 20:00:00 UTC+a", notebook=b'{"mine": 1}')
    first = collect.from_exchange(course, "hw1").counted[ME]
    known = {first.folder: datetime.fromisoformat(first.received_at)}
    [again], _ = exchange.scan(folder.parent, "hw1", ["hw1.ipynb"], known)
    assert again.files == {}  # a service looking every few seconds reads each submission once
    (course / "submitted" / ME / "hw1" / "hw1.ipynb").unlink()
    done = collect.from_exchange(course, "hw1")
    assert done.new == 0
    assert done.counted[ME] == first
    assert (course / "submitted" / ME / "hw1" / "hw1.ipynb").read_bytes() == b'{"mine": 1}'


def test_a_flood_of_folders_is_read_only_to_its_makers_cost(course, monkeypatch):
    monkeypatch.setattr(exchange, "MAX_ARRIVALS", 5)
    for i in range(8):  # a stranger floods folders named for me: they use up no share of mine
        submit(course, f"{ME}+hw1+2026-01-01 00:00:00 UTC+forged{i}", uid=STRANGER)
    mine = submit(course, f"{ME}+hw1+2026-01-01 00:00:00 UTC+mine")
    arrivals, refusals = exchange.scan(mine.parent, "hw1", ["hw1.ipynb"])
    assert [a.folder for a in arrivals] == [mine.name]
    flood = [r for r in refusals if "more than 5 submissions" in r.reason]
    assert len(flood) == 1
    assert flood[0].account == f"uid {STRANGER}"
    assert len(refusals) == 1 + 5  # the summary, and the five forgeries read and refused by name


def test_a_name_that_is_not_utf8_is_refused_and_the_class_still_collected(course):
    mine = submit(course, f"{ME}+hw1+2026-01-01 00:00:00 UTC+mine")
    odd = os.path.join(os.fsencode(mine.parent), b"root+hw1+\xff+x")
    os.mkdir(odd)
    with open(os.path.join(odd, b"hw1.ipynb"), "wb") as fh:
        fh.write(b"{}")
    done = collect.from_exchange(course, "hw1")
    assert done.counted[ME].folder == mine.name
    [odd_refusal] = done.refusals
    assert "not printable UTF-8" in odd_refusal.reason
    assert "root+hw1+\\xff+x" in (course / "receipts" / "hw1" / "collected.csv").read_text()


def test_a_partial_hand_in_of_a_two_notebook_assignment_is_taken_as_it_is(course):
    (course / "source" / "hw1" / "extra.ipynb").write_text("{}")
    submit(course, f"{ME}+hw1+2026-01-01 00:00:00 UTC+part")  # hw1.ipynb only
    done = collect.from_exchange(course, "hw1")
    assert set(done.counted[ME].notebooks) == {"hw1.ipynb"}
    assert (course / "submitted" / ME / "hw1" / "hw1.ipynb").exists()


def test_a_submission_withdrawn_from_the_exchange_is_reported_and_kept_in_the_ledger(course):
    first = submit(course, f"{ME}+hw1+2025-12-31 20:00:00 UTC+first", notebook=b'{"first": 1}')
    time.sleep(0.05)
    later = submit(course, f"{ME}+hw1+2026-01-02 00:00:00 UTC+later", notebook=b'{"later": 2}')
    assert collect.from_exchange(course, "hw1").counted[ME].folder == later.name
    for p in later.iterdir():
        p.unlink()
    later.rmdir()
    done = collect.from_exchange(course, "hw1")
    assert done.counted[ME].folder == first.name
    assert [r.folder for r in done.withdrawn] == [later.name]
    assert "withdrawn" in (course / "receipts" / "hw1" / "collected.csv").read_text()
    assert len(Ledger(course, "hw1").arrivals(ME)) == 2
