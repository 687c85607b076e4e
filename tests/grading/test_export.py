"""LMS exports (``dlcourse export``) on real nbgrader gradebooks, read back with the csv module.

The slow test releases hw1 into a fresh course (as test_grader.py's ``make_course`` does), puts
grades in through nbgrader's own API (a TA's manual score, a hand grade, late penalties, a student
without a submission) and reads back each format's file: Canvas's and Moodle's required columns,
Canvas's Points Possible row, the identifiers of the mapping file, the final grades and the empty
cell of a student with no submission; and the refusals (no gradebook, an unknown assignment, a
student the mapping lacks, a row an LMS could not match). The mapping file's own checks are fast.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from courses import released_course
from nbgrader.api import Gradebook

from dlcourse.cli import main
from dlcourse.grading.export import MappingError, read_mapping

ROOT = Path(__file__).resolve().parents[2]
CANVAS_TITLE = re.compile(r"^(.*)\s+\((\d+)\)$")  # how Canvas splits "hw1 (4242)" into title and id
CANVAS_ID = 4242
MAPPING_HEADER = ["student", "canvas_id", "sis_user_id", "sis_login_id", "section", "name", "email",
                  "moodle_idnumber"]


def _lms_ids(student: str, number: int) -> list[str]:
    return [student, str(100 + number), f"S{number:03d}", f"{student}.login", f"sec{number % 2}",
            f"{student.title()}, Test", f"{student}@uni.example", f"M{number:03d}"]


def _write_mapping(path: Path, rows: list[list[str]], header: list[str] = MAPPING_HEADER) -> Path:
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def _read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


# What the slow test puts in the gradebook. Per student: the autograder's score of every test as a
# fraction of its points, the TA's manual scores (points), and the late penalty (points).
AUTOGRADED_FRACTION = {"ann": 1.0, "bo": 1.0, "cy": 0.5, "zed": 0.0}
MANUAL = {"ann": {"proof_line_search": 2.0}, "bo": {"test_adam_step": 1.0}}
PENALTY = {"cy": 4.0, "zed": 3.0}
IN_GRADEBOOK_WITHOUT_SUBMISSION = "dee"
ONLY_IN_MAPPING = "eve"


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory) -> tuple[Path, dict[str, float | None], float]:
    """(course, the final grade each student should get (None: no grade), the points possible)."""
    course = released_course(tmp_path_factory.mktemp("export"))
    expected: dict[str, float | None] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        points_possible = gb.find_assignment("hw1").max_score
        gb.add_student(IN_GRADEBOOK_WITHOUT_SUBMISSION)
        for student, fraction in AUTOGRADED_FRACTION.items():
            gb.add_student(student)
            gb.add_submission("hw1", student, timestamp="2026-03-02 10:00:00 UTC")
            (nb,) = gb.find_submission("hw1", student).notebooks
            score = 0.0
            for grade in nb.grades:
                manual = MANUAL.get(student, {}).get(grade.name)
                if grade.name.startswith("test_"):
                    grade.auto_score = fraction * grade.max_score
                grade.manual_score = manual
                score += manual if manual is not None else (grade.auto_score or 0.0)
            nb.late_submission_penalty = PENALTY.get(student)
            expected[student] = max(0.0, score - PENALTY.get(student, 0.0))
        gb.db.commit()
    expected[IN_GRADEBOOK_WITHOUT_SUBMISSION] = expected[ONLY_IN_MAPPING] = None
    return course, expected, points_possible


@pytest.fixture(scope="module")
def mapping(graded_course) -> dict[str, list[str]]:
    _, expected, _ = graded_course
    return {student: _lms_ids(student, number) for number, student in enumerate(sorted(expected))}


def _export(course: Path, to: str, ids: Path, out: Path, *options: str) -> list[list[str]]:
    assert main(["export", "hw1", "--to", to, "--ids", str(ids), "--course", str(course), "--out", str(out),
                 *options]) == 0
    return _read(out)


def _is_grade(cell: str, expected: float | None) -> bool:
    """The cell holds the expected grade; no grade is an empty cell, never a zero."""
    return cell == "" if expected is None else cell != "" and float(cell) == pytest.approx(expected)


@pytest.mark.slow
def test_each_format_reads_back_with_its_columns_ids_and_final_grades(graded_course, mapping, tmp_path):
    course, expected, points_possible = graded_course
    ids = _write_mapping(tmp_path / "ids.csv", list(mapping.values()))

    canvas = _export(course, "canvas", ids, tmp_path / "canvas.csv", "--canvas-assignment-id", str(CANVAS_ID))
    header, possible, *students = canvas
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert len(header) == 6, header
    title = CANVAS_TITLE.match(header[5])
    assert title is not None, header[5]
    assert (title[1], int(title[2])) == ("hw1", CANVAS_ID)
    assert possible[0] == "Points Possible"
    assert possible[1:5] == ["", "", "", ""]
    assert float(possible[5]) == points_possible
    by_canvas_id = {row[1]: row for row in students}
    assert len(by_canvas_id) == len(students) == len(expected)
    for student, final in expected.items():
        row = by_canvas_id[mapping[student][1]]
        assert row[0] == mapping[student][5]
        assert row[2:5] == mapping[student][2:5]
        assert _is_grade(row[5], final), (student, row)

    moodle = _export(course, "moodle", ids, tmp_path / "moodle.csv")
    header, *students = moodle
    assert header[0] == "ID number"
    assert "hw1" in header
    grade_col, feedback_col = header.index("hw1"), header.index("hw1 (feedback)")
    by_idnumber = {row[0]: row for row in students}
    assert len(by_idnumber) == len(students) == len(expected)
    for student, final in expected.items():
        row = by_idnumber[mapping[student][7]]
        assert _is_grade(row[grade_col], final), (student, row)
    cy = by_idnumber[mapping["cy"][7]][feedback_col]
    assert f"{PENALTY['cy']:g} off" in cy, cy
    assert by_idnumber[mapping[ONLY_IN_MAPPING][7]][feedback_col] == "no submission"

    rows = _export(course, "csv", ids, tmp_path / "ours.csv")
    table = [dict(zip(rows[0], row)) for row in rows[1:]]
    by_student = {row["student"]: row for row in table}
    assert set(by_student) == set(expected)
    assert by_student["bo"]["test_adam_step"] == "1"
    assert by_student["ann"]["proof_line_search"] == "2"
    assert by_student["cy"]["proof_line_search"] == "", "a cell nobody has scored stays empty"
    for student, final in expected.items():
        row = by_student[student]
        assert float(row["max"]) == points_possible
        assert _is_grade(row["final"], final), (student, row)
        if final is not None:
            assert float(row["final"]) == pytest.approx(max(0.0, float(row["total"]) - float(row["late_penalty"])))
            assert float(row["late_penalty"]) == PENALTY.get(student, 0.0)
    assert by_student["dee"]["total"] == by_student["dee"]["submitted_at"] == ""


def _cli(capsys, *args: str) -> tuple[int, str]:
    code = main(["export", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(("content", "said"), [
    ("canvas_id\n1\n", "line 1"),
    ("student,sis_userid\nann,1\n", "'sis_userid'"),
    ("student,canvas_id\nann,1\nann,2\n", "line 3: student 'ann' is already on line 2"),
    ("student,canvas_id\nann,1,extra\n", "line 2: 3 fields"),
    ("student,email\nann,a@x\nbo,a@x\n", "line 3: email 'a@x' of 'bo' is also given to 'ann' (line 2)"),
    ("student,canvas_id\n,1\n", "line 2: no student id"),
])
def test_a_bad_mapping_file_is_refused_naming_the_file_and_line(tmp_path, content, said):
    path = tmp_path / "ids.csv"
    path.write_text(content)
    with pytest.raises(MappingError) as refused:
        read_mapping(path)
    assert str(path) in str(refused.value)
    assert said in str(refused.value)


def test_a_spreadsheet_byte_order_mark_is_not_part_of_the_header(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_bytes("student,canvas_id\nann,7\n".encode("utf-8-sig"))
    assert read_mapping(path)["ann"].canvas_id == "7"


@pytest.mark.slow
def test_no_gradebook_and_an_unknown_assignment_are_clear_errors(graded_course, mapping, tmp_path, capsys):
    course, _, _ = graded_course
    ids = _write_mapping(tmp_path / "ids.csv", list(mapping.values()))
    code, said = _cli(capsys, "hw1", "--to", "canvas", "--ids", str(ids), "--course", str(course), "--db",
                      f"sqlite:///{tmp_path / 'none' / 'gradebook.db'}")
    assert code == 1
    assert f"no gradebook at {tmp_path / 'none' / 'gradebook.db'}" in said
    assert not (tmp_path / "none" / "gradebook.db").exists(), "looking must not make an empty gradebook"
    code, said = _cli(capsys, "hw7", "--to", "canvas", "--ids", str(ids), "--course", str(course))
    assert code == 1
    assert "no assignment 'hw7'" in said
    assert "it has: hw1" in said


@pytest.mark.slow
def test_a_student_missing_from_the_mapping_stops_the_export_unless_allowed(graded_course, mapping, tmp_path,
                                                                           capsys):
    course, _, _ = graded_course
    ids = _write_mapping(tmp_path / "ids.csv", [row for student, row in mapping.items() if student != "bo"])
    out = tmp_path / "canvas.csv"
    code, said = _cli(capsys, "hw1", "--to", "canvas", "--ids", str(ids), "--course", str(course), "--out", str(out))
    assert code == 1
    assert f"{ids}: no row for 'bo'" in said
    assert not out.exists()
    code, said = _cli(capsys, "hw1", "--to", "canvas", "--ids", str(ids), "--course", str(course), "--out", str(out),
                      "--allow-unmapped")
    assert code == 0
    assert "left out, not in the mapping file: 1: bo" in said
    assert {row[1] for row in _read(out)[2:]} == {row[1] for student, row in mapping.items() if student != "bo"}


@pytest.mark.slow
def test_canvas_needs_an_identifier_it_can_match_on_every_row(graded_course, mapping, tmp_path, capsys):
    course, _, _ = graded_course
    rows = [[student, *(["", "", ""] if student == "cy" else row[1:4]), *row[4:]] for student, row in mapping.items()]
    ids = _write_mapping(tmp_path / "ids.csv", rows)
    code, said = _cli(capsys, "hw1", "--to", "canvas", "--ids", str(ids), "--course", str(course))
    assert code == 1
    assert f"none is given for 'cy' (line {2 + list(mapping).index('cy')})" in said


@pytest.mark.slow
def test_moodle_uses_email_when_an_id_number_is_missing_and_refuses_a_row_with_neither(graded_course, mapping,
                                                                                       tmp_path, capsys):
    course, expected, _ = graded_course
    without_number = [[*row[:7], "" if student == "bo" else row[7]] for student, row in mapping.items()]
    ids = _write_mapping(tmp_path / "ids.csv", without_number)
    header, *students = _export(course, "moodle", ids, tmp_path / "moodle.csv")
    assert header[0] == "Email address"
    by_email = {row[0]: row[header.index("hw1")] for row in students}
    assert all(_is_grade(by_email[mapping[student][6]], final) for student, final in expected.items()), by_email
    without_either = [[*row[:6], "", ""] if row[0] == "bo" else row for row in without_number]
    ids = _write_mapping(tmp_path / "ids.csv", without_either)
    code, said = _cli(capsys, "hw1", "--to", "moodle", "--ids", str(ids), "--course", str(course))
    assert code == 1
    assert f"'bo' (line {2 + list(mapping).index('bo')})" in said
