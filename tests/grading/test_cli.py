"""The ``dlcourse`` command's error contract, on a real course (hw1 released by nbgrader, a real
gradebook in which the student ``ada`` has a TA's manual score): for every subcommand, a missing
course, an unknown assignment or student, a missing gradebook and options that conflict each
print one line (exit 1) or argparse's usage (exit 2), never a traceback, and leave the
gradebook's bytes as they were. Run in-process (``main([...])``), so nothing here grades."""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import pytest
from courses import released_course

from dlcourse.cli import main, parser
from dlcourse.grading.course import Course

CELL = "test_affine_backward"
DUE = "2026-12-01 23:59:00 UTC"
TA_SCORE = 1.0
NO_COURSE = {"train-digits", "check"}  # the commands that take no course folder


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """hw1 released, due ``DUE``, into a course with an exchange of its own; ``ada`` submitted,
    and a TA gave her ``TA_SCORE`` on ``CELL``."""
    folder = tmp_path_factory.mktemp("cli")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # nbgrader's alembic
        course = released_course(folder, due=DUE)
        (folder / "exchange" / "dlcourse" / "inbound").mkdir(parents=True)
        config = course / "nbgrader_config.py"
        config.write_text(config.read_text() + f"\nc.Exchange.root = {str(folder / 'exchange')!r}\n")
        (course / "submitted" / "ada" / "hw1").mkdir(parents=True)
        with Course(course).open_gradebook() as writer:
            writer._submission("hw1", "ada")
            writer.override("hw1", "ada", CELL, TA_SCORE, "checked by hand")
    return course


@pytest.fixture
def course(template, tmp_path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "course"))


def gradebook_state(course: Path) -> str:
    """The gradebook's bytes (with its write-ahead log, if any), hashed; "absent" when there is none."""
    files = [course / "gradebook.db", course / "gradebook.db-wal"]
    if not files[0].exists():
        return "absent"
    return hashlib.sha256(b"".join(f.read_bytes() for f in files if f.exists())).hexdigest()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as e:  # argparse: --help, --version and usage errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, course: Path, argv: list[str], code: int, said: str) -> str:
    """Runs ``argv``, which must fail with ``code``, say ``said`` and change no gradebook byte."""
    before = gradebook_state(course)
    got, out, err = run(capsys, *argv)
    assert "Traceback" not in out + err
    assert got == code, (got, out, err)
    assert said in err, err
    command = argv[0]
    if code == 1:  # our own message: one line, naming the command
        assert err.startswith(f"dlcourse {command}: "), err
        assert err.count("\n") == 1, err
    else:  # argparse's: the command's usage, then one line saying what is wrong
        assert err.startswith(f"usage: dlcourse {command}"), err
        assert err.splitlines()[-1].startswith(f"dlcourse {command}: error: "), err
    assert gradebook_state(course) == before
    return err


def commands() -> dict:
    """Subcommand name -> its parser, as ``dlcourse -h`` lists them."""
    return next(a for a in parser()._actions if a.dest == "command").choices


def _args(course: Path, tmp: Path, template: list[str]) -> list[str]:
    return [a.format(course=course, tmp=tmp) for a in template]


MISSING_COURSE = [
    ["grade", "hw1"],
    ["release", "hw1"],
    ["extend", "hw1", "ada", "--days", "1"],
    ["override", "hw1", "ada", CELL, "--score", "1"],
    ["feedback", "hw1"],
    ["hand-grade"],
    ["collect", "hw1"],
    ["receipts"],
    ["hub-setup", "--root", "{tmp}/hub", "--students", "{tmp}/students.txt"],
    ["verify-receipt", "{tmp}/receipt.json"],
    ["site-kits", "hw1", "--out", "{tmp}/kits"],
    ["student-library", "--out", "{tmp}/wheel"],
    ["similarity", "hw1"],
    ["export", "hw1", "--to", "csv", "--out", "{tmp}/grades.csv"],
    ["leaderboard", "hw1", "--out", "{tmp}/board"],
]


def test_every_subcommand_is_tested_for_a_missing_course_or_takes_none():
    assert {argv[0] for argv in MISSING_COURSE} | NO_COURSE == set(commands())


@pytest.mark.parametrize("argv", MISSING_COURSE, ids=lambda a: a[0])
def test_a_missing_course_is_one_line_and_nothing_is_made(argv, tmp_path, capsys):
    (tmp_path / "students.txt").write_text("ada\n")
    (tmp_path / "receipt.json").write_text("{}")
    missing = tmp_path / "nowhere"
    refused(capsys, missing, [*_args(missing, tmp_path, argv), "--course", str(missing)], 1,
            f"{missing}: no such course folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["receipt.json", "students.txt"]


def test_a_folder_that_is_not_an_nbgrader_course_is_refused(tmp_path, capsys):
    (tmp_path / "source" / "hw1").mkdir(parents=True)
    refused(capsys, tmp_path, ["feedback", "hw1", "--course", str(tmp_path)], 1,
            "not an nbgrader course folder (no nbgrader_config.py)")


UNKNOWN_ASSIGNMENT = [
    (["grade", "hw9"], "no such assignment"),
    (["release", "hw1", "hw9"], "no such assignment"),  # hw1 is not released either
    (["extend", "hw9", "ada", "--days", "1"], "no assignment 'hw9' in the gradebook"),
    (["override", "hw9", "ada", CELL, "--score", "1"], "no assignment 'hw9' in the gradebook"),
    (["feedback", "hw9"], "no such assignment"),
    (["collect", "hw9"], "no such assignment"),
    (["receipts", "hw9"], "no such assignment"),
    (["site-kits", "hw9", "--out", "{tmp}/kits"], "no such assignment"),
    (["similarity", "hw9"], "no such assignment"),
    # a path is never an assignment: the receipts or the submissions would land inside source/
    (["collect", "../source/hw1"], "no such assignment"),
    (["receipts", "hw1/.."], "no such assignment"),
    (["similarity", "../source/hw1"], "no such assignment"),
    (["export", "hw9", "--to", "csv", "--out", "{tmp}/grades.csv"], "no assignment 'hw9' in the gradebook"),
    (["leaderboard", "hw9", "--out", "{tmp}/board"], "no such assignment"),
]


@pytest.mark.parametrize(("argv", "said"), UNKNOWN_ASSIGNMENT, ids=[" ".join(a[:2]) for a, _ in UNKNOWN_ASSIGNMENT])
def test_an_unknown_assignment_is_one_line_and_changes_nothing(argv, said, course, tmp_path, capsys):
    released = (course / "downloads" / "hw1.zip").stat().st_mtime_ns
    refused(capsys, course, [*_args(course, tmp_path, argv), "--course", str(course)], 1, said)
    assert (course / "downloads" / "hw1.zip").stat().st_mtime_ns == released
    assert not (tmp_path / "kits").exists()
    assert not (tmp_path / "grades.csv").exists()


@pytest.mark.parametrize("command", ["grade", "feedback", "release", "site-kits"])
def test_an_assignment_with_a_source_folder_but_no_declarations_is_one_line(command, course, tmp_path, capsys):
    """The review's case: ``dlcourse feedback hw9`` with ``source/hw9/`` once ended in a KeyError traceback."""
    (course / "source" / "hw9").mkdir()
    shutil.copy(course / "source" / "hw1" / "hw1.ipynb", course / "source" / "hw9" / "hw9.ipynb")
    refused(capsys, course, [command, "hw9", "--course", str(course)], 1, "no exercises are declared for 'hw9'")


UNKNOWN_STUDENT = [
    (["extend", "hw1", "nobody", "--days", "1"], "no student 'nobody'"),
    (["override", "hw1", "nobody", CELL, "--score", "1"], "nobody has no graded submission"),
    (["override", "hw1", "ada", "test_nothing", "--score", "1"], "ada has no graded cell 'test_nothing'"),
    (["override", "hw1", "ada", CELL, "--score", "99"], "99 is out of range"),
    (["grade", "hw1", "--regrade", "nobody"], "no student 'nobody'"),
    # a path is never a student: each would reach a folder of the course that is not theirs
    (["extend", "hw1", "..", "--days", "1"], "no student '..'"),
    (["extend", "hw1", "../source", "--days", "1"], "no student '../source'"),
    (["extend", "hw1", "", "--days", "1"], "no student ''"),
    (["extend", "hw1", "ada\n", "--days", "1"], "no student 'ada\\n'"),
    (["grade", "hw1", "--regrade", "../x"], "no student '../x'"),
]


def test_an_extension_of_an_assignment_without_a_due_date_is_refused_before_it_is_kept(course, capsys):
    with Course(course).open_gradebook() as writer:
        writer.gb.update_or_create_assignment("hw1", duedate=None)
    refused(capsys, course, ["extend", "hw1", "ada", "--days", "1", "--course", str(course)], 1,
            "hw1 has no due date to extend")
    with Course(course).open_gradebook() as writer:
        assert writer.gb.find_submission("hw1", "ada").extension is None


@pytest.mark.parametrize(("argv", "said"), UNKNOWN_STUDENT, ids=[" ".join(a[:2]) for a, _ in UNKNOWN_STUDENT])
def test_an_unknown_student_or_cell_is_one_line_and_changes_nothing(argv, said, course, capsys):
    refused(capsys, course, [*argv, "--course", str(course)], 1, said)


MISSING_GRADEBOOK = [
    ["extend", "hw1", "ada", "--days", "1"],
    ["override", "hw1", "ada", CELL, "--score", "1"],
    ["feedback", "hw1"],
    ["export", "hw1", "--to", "csv"],
]


@pytest.mark.parametrize("argv", MISSING_GRADEBOOK, ids=lambda a: a[0])
def test_a_missing_gradebook_is_one_line_and_none_is_made(argv, course, capsys):
    (course / "gradebook.db").unlink()
    refused(capsys, course, [*argv, "--course", str(course)], 1, f"no gradebook at {course.resolve()}/gradebook.db")
    assert gradebook_state(course) == "absent"


def test_a_gradebook_url_without_its_file_is_refused_too(course, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    refused(capsys, course, ["override", "hw1", "ada", CELL, "--clear", "--course", str(course), "--db", url], 1,
            f"no gradebook at {tmp_path / 'elsewhere.db'}")
    assert not (tmp_path / "elsewhere.db").exists()


CONFLICTS = [
    (["override", "hw1", "ada", CELL], "one of the arguments --score --clear is required"),
    (["override", "hw1", "ada", CELL, "--score", "1", "--clear"], "not allowed with argument"),
    (["grade", "hw1", "--regrade", "ada", "--regrade-all"], "not allowed with argument"),
    (["collect", "hw1", "--times", "{tmp}/t.csv"], "--times and --received-at are for --from"),
    (["collect", "hw1", "--from", "{tmp}", "--ids", "{tmp}/ids.csv"], "--ids is for --times"),
    (["export", "hw1", "--to", "canvas"], "--to canvas needs the mapping file of student ids (--ids)"),
    (["release"], "the following arguments are required: assignments"),
    (["extend", "hw1", "ada", "--days", "two"], "invalid float value: 'two'"),
]


@pytest.mark.parametrize(("argv", "said"), CONFLICTS, ids=[" ".join(a[:2]) for a, _ in CONFLICTS])
def test_conflicting_or_incomplete_options_are_usage_errors_and_change_nothing(argv, said, course, tmp_path, capsys):
    refused(capsys, course, [*_args(course, tmp_path, argv), "--course", str(course)], 2, said)


@pytest.mark.parametrize(("argv", "said"), [
    (["train-digits", "--epochs", "many"], "invalid int value: 'many'"),
    (["check"], "the following arguments are required: notebook"),
], ids=["train-digits", "check"])
def test_the_commands_without_a_course_have_usage_errors_too(argv, said, course, capsys):
    refused(capsys, course, argv, 2, said)


def test_override_without_a_value_exits_2_and_keeps_the_tas_score(course, capsys):
    """The review's case: without --score or --clear, the TA's score was cleared, then the command crashed."""
    err = refused(capsys, course, ["override", "hw1", "ada", CELL, "--course", str(course)], 2,
                  "one of the arguments --score --clear is required")
    assert "usage: dlcourse override" in err
    with Course(course).open_gradebook() as writer:
        (grade,) = [g for nb in writer.gb.find_submission("hw1", "ada").notebooks for g in nb.grades if g.name == CELL]
        assert grade.manual_score == TA_SCORE


def test_override_and_extend_change_the_gradebook_when_their_arguments_hold(course, capsys):
    code, out, _ = run(capsys, "override", "hw1", "ada", CELL, "--clear", "--course", str(course))
    assert code == 0
    assert "back to the autograder's score" in out
    code, out, _ = run(capsys, "extend", "hw1", "ada", "--days", "2", "--course", str(course))
    assert code == 0
    assert "ada is now due 2026-12-03 23:59:00" in out
    with Course(course).open_gradebook() as writer:
        submission = writer.gb.find_submission("hw1", "ada")
        assert submission.extension.days == 2
        assert [g.manual_score for nb in submission.notebooks for g in nb.grades if g.name == CELL] == [None]


@pytest.mark.parametrize(("argv", "said"), [
    (["check", "{tmp}/none.ipynb"], "none.ipynb: file not found"),
    (["verify-receipt", "{tmp}/none.json"], "none.json: cannot be read"),
    (["verify-receipt", "{tmp}/receipt.json"], "not a dlcourse receipt"),
    (["collect", "hw1", "--from", "{tmp}/lms", "--times", "{tmp}/times.csv"], "times.csv: not a table"),
    (["collect", "hw1", "--from", "{tmp}/lms", "--received-at", "someday"], "--received-at 'someday' is not a date"),
    (["collect", "hw1", "--from", "{tmp}/nothing", "--received-at", "2026-12-01 10:00:00 UTC"],
     "nothing: no such folder of submissions"),
    (["release", "hw1", "--due", "someday"], "--due 'someday' is not a date nbgrader reads"),
    (["export", "hw1", "--to", "canvas", "--ids", "{tmp}/ids.csv", "--out", "{tmp}/grades.csv"], "ids.csv, line 1"),
    (["similarity", "hw1", "--threshold", "2"], "the threshold is a share"),
], ids=lambda a: "-".join(a[:2]) if isinstance(a, list) else "")
def test_unusable_files_and_values_are_one_line_and_change_nothing(argv, said, course, tmp_path, capsys):
    (tmp_path / "receipt.json").write_text("not json")
    (tmp_path / "times.csv").write_text("who,when\nbo,yesterday\n")
    (tmp_path / "ids.csv").write_text("canvas\n1\n")
    (tmp_path / "lms").mkdir()
    (tmp_path / "lms" / "bo.ipynb").write_text("{}")
    released = (course / "downloads" / "hw1.zip").stat().st_mtime_ns
    arguments = _args(course, tmp_path, argv)
    refused(capsys, course, [*arguments, *(["--course", str(course)] if argv[0] != "check" else [])], 1, said)
    assert not (course / "submitted" / "bo").exists()
    assert not (tmp_path / "grades.csv").exists()
    assert (course / "downloads" / "hw1.zip").stat().st_mtime_ns == released


def test_version_is_the_installed_packages(capsys):
    from importlib.metadata import version

    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"dlcourse {version('dlcourse')}"


def test_course_and_db_options_are_the_same_for_every_command_that_takes_them():
    helps = {(opt, action.help) for p in commands().values() for action in p._actions
             for opt in action.option_strings if opt in ("--course", "--db")}
    assert len({h for o, h in helps if o == "--course"}) == 1
    assert len({h for o, h in helps if o == "--db"}) == 1
