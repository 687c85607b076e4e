"""The optional leaderboard (``dlcourse.grading.leaderboard``, ``dlcourse leaderboard``) on a real
course: hw1 released by nbgrader, its results written into the real gradebook the way grading
writes them (``GradeWriter.write``), students' submission folders in ``submitted/``. The page
ranks by the cells course.toml names, under pseudonyms keyed with the course secret, leaves
out whoever handed in the opt-out file, and is one self-contained file; an assignment that has
not opted in gets one line and nothing written. Collecting carries the opt-out file from the
student's own hand-in."""
from __future__ import annotations

import os
import re
import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest
from courses import released_course

from dlcourse.cli import main
from dlcourse.grading import grader, leaderboard
from dlcourse.grading.course import Course

RANKED = ("test_affine_backward", "test_softmax_cross_entropy")  # 2 points each in hw1
SETTINGS = f'[leaderboard]\nhw1 = {list(RANKED)!r}\n'.replace("'", '"')
# student -> their scores on RANKED (None: not graded yet); ids unlike any word of the page
CLASS = {
    "s_ada7": (2.0, 2.0),
    "s_bo13": (2.0, 1.0),
    "s_cy21": (1.0, 2.0),  # ties with s_bo13
    "s_dee4": (0.0, 0.5),
    "s_eve9": (2.0, 2.0),  # the best score, but she opts out
    "s_fay5": (2.0, None),  # one ranked cell still without a score
}
OPTED_OUT = "s_eve9"
OTHER_CELL = "test_batchnorm_forward"  # graded, but not a ranked cell: must not count


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("leaderboard")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # nbgrader's alembic
        course = released_course(folder, settings=SETTINGS)
        with Course(course).open_gradebook() as writer:
            for student, scores in CLASS.items():
                tests = [grader.TestReport(cell, cell.removeprefix("test_"), 2.0, score)
                         for cell, score in zip(RANKED, scores) if score is not None]
                other = 2.0 if student == "s_dee4" else 0.0
                tests.append(grader.TestReport(OTHER_CELL, "batchnorm_forward", 2.0, other))
                writer.write(grader.SubmissionResult(student, "hw1", "hw1.ipynb", f"digest-{student}", tests))
                (course / "submitted" / student / "hw1").mkdir(parents=True)
    (course / "submitted" / OPTED_OUT / "hw1" / leaderboard.OPT_OUT_FILE).write_text("please leave me out\n")
    return course


@pytest.fixture
def course(template, tmp_path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "course"))


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def rows(page: str) -> list[tuple[int, str, float]]:
    """(rank, pseudonym, score) of each row of the published table."""
    found = re.findall(r"<tr><td class='n'>(\d+)</td><td>([^<]+)</td><td class='n'>([^<]+)</td></tr>", page)
    return [(int(r), name, float(s)) for r, name, s in found]


def secret() -> bytes:
    return Course(Path(".")).secret()


def test_the_page_ranks_by_the_named_cells_under_pseudonyms_and_ties_share_a_rank(course, tmp_path, capsys):
    code, out, err = cli(capsys, "leaderboard", "hw1", "--course", str(course), "--out", str(tmp_path / "site"))
    assert (code, err) == (0, "")
    assert "4 student(s) ranked" in out
    assert "1 opted out" in out
    assert "1 not scored yet" in out
    page = (tmp_path / "site" / "index.html").read_text()
    name = {s: leaderboard.pseudonym(secret(), "hw1", s) for s in CLASS}
    tied = sorted(["s_bo13", "s_cy21"], key=name.get)
    assert rows(page) == [(1, name["s_ada7"], 4.0), (2, name[tied[0]], 3.0), (2, name[tied[1]], 3.0),
                          (4, name["s_dee4"], 0.5)]
    assert "of 4)" in page  # the points the ranked cells are worth, not the assignment's
    for student in CLASS:
        assert student not in page
    assert name[OPTED_OUT] not in page


def test_the_page_is_one_file_that_fetches_nothing(template, tmp_path):
    board = leaderboard.build(Course(template), "hw1")
    page = leaderboard.page(board)
    assert rows(page)  # the page has its table: what follows is checked on a real one
    for outside in ("http:", "https:", "//", "<script", "<link", "src=", "@import", "url("):
        assert outside not in page.replace("<!doctype html>", ""), outside


def test_the_opt_out_file_is_what_leaves_a_student_out(course):
    board = leaderboard.build(Course(course), "hw1")
    assert board.opted_out == [OPTED_OUT]
    assert OPTED_OUT not in board.key
    (course / "submitted" / OPTED_OUT / "hw1" / leaderboard.OPT_OUT_FILE).unlink()
    board = leaderboard.build(Course(course), "hw1")
    assert board.opted_out == []
    assert board.entries[0].rank == board.entries[1].rank == 1  # back, level with s_ada7
    assert board.key[OPTED_OUT] in {e.pseudonym for e in board.entries[:2]}


def test_pseudonyms_are_stable_per_student_and_assignment_and_need_the_secret():
    key, other = b"k" * 32, b"o" * 32
    names = {s: leaderboard.pseudonym(key, "hw1", s) for s in CLASS}
    assert names == {s: leaderboard.pseudonym(key, "hw1", s) for s in CLASS}
    assert len(set(names.values())) == len(CLASS)
    assert all(leaderboard.pseudonym(key, "hw3", s) != names[s] for s in CLASS)  # unlinkable across assignments
    assert all(leaderboard.pseudonym(other, "hw1", s) != names[s] for s in CLASS)  # the secret decides
    assert all(s not in n for s, n in names.items())


def test_students_whose_pseudonyms_collide_get_longer_distinct_ones():
    key = b"k" * 32
    short: dict[str, str] = {}
    pair = None
    for i in range(40_000):  # about 2**26 short names: a collision is all but certain by here
        student = f"x{i}"
        name = leaderboard.pseudonym(key, "hw1", student)
        if name in short:
            pair = (short[name], student)
            break
        short[name] = student
    assert pair is not None
    names = leaderboard._pseudonyms(key, "hw1", [*pair, "s_ada7"])
    assert names[pair[0]] != names[pair[1]]
    assert names[pair[0]].startswith(leaderboard.pseudonym(key, "hw1", pair[0]))
    assert names["s_ada7"] == leaderboard.pseudonym(key, "hw1", "s_ada7")  # the others keep theirs


def test_the_key_stays_with_the_instructor(course, tmp_path, capsys):
    code, out, _ = cli(capsys, "leaderboard", "hw1", "--course", str(course), "--out", str(tmp_path / "site"))
    assert code == 0
    key = course / "reports" / "hw1" / leaderboard.KEY_FILE
    assert str(key) in out
    assert key.stat().st_mode & 0o077 == 0
    lines = key.read_text().splitlines()
    assert lines[0] == "student,pseudonym"
    assert sorted(lines[1:]) == sorted(f"{s},{leaderboard.pseudonym(secret(), 'hw1', s)}"
                                       for s in ("s_ada7", "s_bo13", "s_cy21", "s_dee4"))
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == ["index.html"]


def test_the_default_folder_is_one_to_publish_apart_from_the_reports(course, capsys):
    code, out, _ = cli(capsys, "leaderboard", "hw1", "--course", str(course))
    assert code == 0
    page = course / "leaderboards" / "hw1" / "index.html"
    assert str(page) in out
    assert rows(page.read_text())


def refused(capsys, course: Path, argv: list[str], said: str) -> None:
    """One line on stderr, exit 1, and nothing written: no page, no key, no gradebook byte."""
    before = sorted(p.relative_to(course) for p in course.rglob("*"))
    gradebook = (course / "gradebook.db").read_bytes() if (course / "gradebook.db").exists() else None
    code, out, err = cli(capsys, *argv, "--course", str(course))
    assert code == 1, (code, out, err)
    assert err.startswith("dlcourse leaderboard: "), err
    assert err.count("\n") == 1, err
    assert said in err, err
    assert sorted(p.relative_to(course) for p in course.rglob("*")) == before
    if gradebook is not None:
        assert (course / "gradebook.db").read_bytes() == gradebook


@pytest.mark.parametrize(("settings", "said"), [
    ("", "hw1 has no leaderboard: it is opt-in, per assignment"),
    ('[leaderboard]\nhw3 = ["test_outcome_mlp"]\n', "hw1 has no leaderboard: it is opt-in, per assignment"),
    ('[leaderboard]\nhw1 = "test_affine_backward"\n', "[leaderboard] maps an assignment to a list of grade ids"),
    ('[leaderboard]\nhw1 = []\n', "hw1 has no leaderboard"),
    ('[leaderboard]\nhw1 = ["test_affine_backward", "test_affine_backward"]\n', "names a grade id twice"),
    ('[leaderboard]\nhw1 = ["test_nothing"]\n', "names 'test_nothing', which is no graded cell of hw1"),
    ("leaderboard = 3\n", "[leaderboard] maps an assignment to a list of grade ids"),
    ("[leaderboard\n", "not valid TOML"),
], ids=["no file", "another assignment", "a string", "empty", "twice", "unknown cell", "not a table", "not toml"])
def test_an_assignment_that_has_not_opted_in_or_a_bad_setting_is_one_line(settings, said, course, capsys):
    if settings:
        (course / "course.toml").write_text(settings)
    else:
        (course / "course.toml").unlink()
    refused(capsys, course, ["leaderboard", "hw1"], said)


def test_a_missing_gradebook_secret_or_assignment_is_one_line(course, tmp_path, capsys, monkeypatch):
    refused(capsys, course, ["leaderboard", "hw9"], "no such assignment")
    refused(capsys, course, ["leaderboard", "../source/hw1"], "no such assignment")
    (course / "site").write_text("a file")
    refused(capsys, course, ["leaderboard", "hw1", "--out", str(course / "site")], "a file, not a folder")
    refused(capsys, course, ["leaderboard", "hw1", "--out", str(course)], "would hold the pseudonyms' key")
    monkeypatch.setenv("DLCOURSE_SECRET_FILE", str(tmp_path / "no-secret"))
    refused(capsys, course, ["leaderboard", "hw1"], "no course secret")
    monkeypatch.undo()
    (course / "gradebook.db").unlink()
    refused(capsys, course, ["leaderboard", "hw1"], "no gradebook at")
    assert not (course / "gradebook.db").exists()


# --- collect carries the opt-out from the student's own hand-in ----------------------------------

@pytest.mark.skipif(os.geteuid() != 0, reason="the exchange's folders are credited by owner: root makes them")
def test_collect_takes_the_opt_out_from_the_exchange_and_keeps_it(tmp_path):
    from dlcourse.grading import collect

    course = tmp_path / "course"
    (course / "source" / "hw1").mkdir(parents=True)
    (course / "source" / "hw1" / "hw1.ipynb").write_text("{}")
    inbound = tmp_path / "exchange" / "dlc" / "inbound"
    inbound.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = 'dlc'\nc.Exchange.root = {str(tmp_path / 'exchange')!r}\n")
    wish = course / "submitted" / "root" / "hw1" / leaderboard.OPT_OUT_FILE

    def hand_in(tag: str, opt_out: bool, collect_now: bool = True) -> None:
        folder = inbound / f"root+hw1+2026-01-01 00:00:0{tag} UTC+{tag}"
        folder.mkdir()
        files = {"hw1.ipynb": f'{{"v": {tag}}}', "timestamp.txt": "2026-01-01 00:00:00 UTC"}
        # the opt-out's content is never read: a long one costs the student nothing
        for name, text in {**files, **({leaderboard.OPT_OUT_FILE: "out\n" * 5000} if opt_out else {})}.items():
            (folder / name).write_text(text)
        if collect_now:
            collect.from_exchange(course, "hw1")

    hand_in("1", opt_out=False)
    assert not wish.exists()
    hand_in("2", opt_out=True)
    assert "+2\n" in wish.read_text()  # which hand-in carried it: the student's own
    hand_in("3", opt_out=False)  # a later hand-in without the file does not undo the wish
    assert "+2\n" in wish.read_text()
    assert (course / "submitted" / "root" / "hw1" / "hw1.ipynb").read_text() == '{"v": 3}'
    shutil.rmtree(course / "submitted")
    hand_in("4", opt_out=True, collect_now=False)
    hand_in("5", opt_out=False)  # the file came with an earlier hand-in of the same collection
    assert "+4\n" in wish.read_text()
    assert (course / "submitted" / "root" / "hw1" / "hw1.ipynb").read_text() == '{"v": 5}'


def test_the_instructor_leaves_out_a_student_who_asks_after_the_due_date(course, capsys):
    student = "s_ada7"
    assert main(["leaderboard", "hw1", "--course", str(course), "--leave-out", student]) == 0
    assert "left off the board at their request" in capsys.readouterr().out
    wish = course / "submitted" / student / "hw1" / leaderboard.OPT_OUT_FILE
    assert "at the student's request" in wish.read_text()
    assert sorted(leaderboard.build(Course(course), "hw1").opted_out) == sorted([OPTED_OUT, student])


def test_leaving_out_an_unknown_student_writes_nothing(course, capsys):
    before = {p: p.stat().st_mtime_ns for p in course.rglob("*")}
    assert main(["leaderboard", "hw1", "--course", str(course), "--leave-out", "s_ada7",
                 "--leave-out", "nobody"]) == 1
    assert "nobody" in capsys.readouterr().err
    assert {p: p.stat().st_mtime_ns for p in course.rglob("*")} == before


def test_the_key_file_is_the_instructor_s_alone_even_when_it_was_there(course):
    key = Course(course).reports_of("hw1") / leaderboard.KEY_FILE
    key.parent.mkdir(parents=True)
    key.write_text("old\n")
    key.chmod(0o644)
    leaderboard.publish(Course(course), "hw1")
    assert key.stat().st_mode & 0o777 == 0o600


def test_collect_takes_the_opt_out_from_an_lms_download_folder(tmp_path):
    from dlcourse.grading.collect import collect_folder

    course = tmp_path / "course"
    (course / "source" / "hw1").mkdir(parents=True)
    (course / "source" / "hw1" / "hw1.ipynb").write_text("{}")
    download = tmp_path / "lms"
    for student, opt_out in (("s_ada7", True), ("s_bo13", False)):
        (download / student).mkdir(parents=True)
        (download / student / "hw1.ipynb").write_text("{}")
        if opt_out:
            (download / student / leaderboard.OPT_OUT_FILE).write_text("")
    (download / "s_cy21").mkdir()
    (download / "s_cy21" / "hw1.ipynb").write_text("{}")
    (download / "s_cy21" / leaderboard.OPT_OUT_FILE).symlink_to(tmp_path / "elsewhere")  # a link is no file
    collect_folder(course, "hw1", download, received_at=datetime(2026, 1, 1))
    out = {s for s in ("s_ada7", "s_bo13", "s_cy21")
           if leaderboard.opted_out(Course(course), s, "hw1")}
    assert out == {"s_ada7"}


def test_a_gradebook_elsewhere_is_read_through_db(course, tmp_path, capsys):
    for suffix in ("", "-wal", "-shm"):
        if (course / f"gradebook.db{suffix}").exists():
            (course / f"gradebook.db{suffix}").rename(tmp_path / f"elsewhere.db{suffix}")
    code, _, err = cli(capsys, "leaderboard", "hw1", "--course", str(course), "--out", str(tmp_path / "site"),
                       "--db", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    assert (code, err) == (0, "")
    assert len(rows((tmp_path / "site" / "index.html").read_text())) == 4
    assert not (course / "gradebook.db").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the exchange's folders are credited by owner: root makes them")
@pytest.mark.slow  # three of nbgrader's own commands, each a fresh process
def test_a_file_handed_in_with_stock_nbgrader_submit_takes_the_student_off_the_board(course, tmp_path, capsys):
    """The student's whole path: ``nbgrader fetch_assignment``, the file beside the notebook,
    ``nbgrader submit``; then ``dlcourse collect`` and ``dlcourse leaderboard``."""
    import subprocess

    exchange_root = tmp_path / "exchange"
    exchange_root.mkdir()
    exchange_root.chmod(0o777)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\nc.Exchange.root = {str(exchange_root)!r}\n")
    home = tmp_path / "home"
    home.mkdir()
    student = ["--CourseDirectory.course_id=dlcourse", f"--Exchange.root={exchange_root}",
               f"--Exchange.cache={tmp_path / 'cache'}"]
    for argv, cwd in ((["release_assignment", "hw1"], course), (["fetch_assignment", "hw1", *student], home)):
        done = subprocess.run([sys.executable, "-m", "nbgrader", *argv], cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
    (home / "hw1" / leaderboard.OPT_OUT_FILE).write_text("")
    done = subprocess.run([sys.executable, "-m", "nbgrader", "submit", "hw1", *student], cwd=home,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert cli(capsys, "collect", "hw1", "--course", str(course))[0] == 0
    with Course(course).open_gradebook() as writer:  # graded: the best score of the class
        tests = [grader.TestReport(cell, cell.removeprefix("test_"), 2.0, 2.0) for cell in RANKED]
        writer.write(grader.SubmissionResult("root", "hw1", "hw1.ipynb", "digest-root", tests))
    code, out, _ = cli(capsys, "leaderboard", "hw1", "--course", str(course), "--out", str(tmp_path / "site"))
    assert code == 0
    assert "2 opted out" in out
    page = (tmp_path / "site" / "index.html").read_text()
    assert leaderboard.pseudonym(secret(), "hw1", "root") not in page
    assert len(rows(page)) == 4
