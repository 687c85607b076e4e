"""An assignment's final grades as files an LMS imports as they are, read from the nbgrader
gradebook through nbgrader's own API (what formgrader and ``nbgrader export`` read too).

The final grade of a submission is nbgrader's: ``max(0, score - late_submission_penalty)``,
where each graded cell scores the TA's manual score when there is one, else the autograder's.
Everyone in the gradebook or in the mapping file is listed; a student with no submission has
an empty grade cell, which both LMSs read as "no grade", not as zero. Three formats:

- ``canvas``: Canvas's gradebook import CSV. Columns Student, ID, SIS User ID, SIS Login ID,
  Section and one for the assignment, titled ``hw1 (<Canvas assignment id>)`` when the id is
  given (otherwise ``hw1``, which Canvas matches by title or imports as a new assignment); the
  second row is "Points Possible". Canvas finds a student by ID, then SIS User ID, then SIS
  Login ID, so every row has at least one of them. Any further column would become an
  assignment, so lateness is not in this file: ``dlcourse export`` lists it.
- ``moodle``: Moodle's "Import grades from CSV". One identifier column ("ID number" when every
  student has one in the mapping, else "Email address"), the full name, the grade and its
  feedback (the score, the late penalty, the submission time). On Moodle's mapping page, map
  the identifier to the user's field of that name, the grade column to the grade item and the
  feedback column to its feedback. Moodle carries the previous row's user over a blank
  identifier, so a file with a blank one is never written.
- ``csv``: ours, by nbgrader student id: every graded cell's score, the total, the maximum, the
  late penalty, the final grade and the submission time.

The mapping file is the instructor's CSV, one row per student: ``student`` (the nbgrader id),
then any of ``canvas_id, sis_user_id, sis_login_id, section, name, email, moodle_idnumber``.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SQLAlchemyError

from dlcourse.errors import MappingError, MissingGradebook, OptionError, UnknownAssignment
from dlcourse.grading.course import Course

FORMATS = ("canvas", "moodle", "csv")
__all__ = ["MappingError", "export", "read_grades", "read_mapping"]  # MappingError: where callers found it


@dataclass(frozen=True)
class StudentGrade:
    student: str
    name: str  # "Last, First" from the gradebook, "" when it has none
    submitted: bool
    score: float | None = None  # None: no submission, or one with no score yet
    cells: dict[str, float] = field(default_factory=dict)  # the graded cells that have a score
    unscored: tuple[str, ...] = ()  # cells still without any score (a hand grade not given yet)
    late_penalty: float = 0.0
    submitted_at: datetime | None = None  # UTC, as nbgrader records it

    @property
    def final(self) -> float | None:
        return None if self.score is None else max(0.0, self.score - self.late_penalty)


@dataclass(frozen=True)
class AssignmentGrades:
    assignment: str
    max_score: float
    cells: dict[str, float]  # every graded cell -> its points, the columns of our CSV
    students: dict[str, StudentGrade]  # by nbgrader id: everyone in the gradebook


@dataclass(frozen=True)
class LmsIds:
    """One row of the mapping file."""

    student: str
    line: int  # where the row is in the mapping file, for error messages
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    name: str = ""
    email: str = ""
    moodle_idnumber: str = ""


MAPPING_COLUMNS = tuple(f.name for f in fields(LmsIds) if f.name != "line")
UNIQUE_IDS = ("canvas_id", "sis_user_id", "sis_login_id", "email", "moodle_idnumber")


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    listed: list[str]  # nbgrader ids of the rows written, in file order
    no_submission: list[str]
    not_graded: list[str]  # submitted, with no score at all yet
    awaiting_hand_grading: list[str]  # graded, but with cells nobody has scored yet
    late: dict[str, float]  # student -> penalty taken off
    unmapped: list[str]  # in the gradebook, not in the mapping: left out (--allow-unmapped)


def _open_gradebook(db_url: str) -> Gradebook:
    """nbgrader's gradebook, refusing to make an empty SQLite file where none was."""
    try:
        return Gradebook(Course(Path("."), db_url).require_gradebook())
    except SQLAlchemyError as e:
        raise MissingGradebook(f"cannot open the gradebook {db_url}: {e}") from None


def _name(first: str | None, last: str | None) -> str:
    return ", ".join(part for part in (last, first) if part)


def read_grades(db_url: str, assignment: str) -> AssignmentGrades:
    """Every gradebook student's standing on the assignment, as nbgrader scores it."""
    with _open_gradebook(db_url) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            known = ", ".join(a.name for a in gb.assignments) or "none"
            raise UnknownAssignment(f"no assignment {assignment!r} in the gradebook {db_url} (it has: {known})"
                                    ) from None
        notebooks = sorted(found.notebooks, key=lambda nb: nb.name)

        def column(notebook: str, cell: str) -> str:
            return f"{notebook}/{cell}" if len(notebooks) > 1 else cell

        cells = {column(nb.name, c.name): c.max_score
                 for nb in notebooks for c in sorted([*nb.grade_cells, *nb.task_cells], key=lambda c: c.name)}
        students = {}
        for sub in gb.assignment_submissions(assignment):
            grades = {column(nb.name, g.name): g for nb in sub.notebooks for g in nb.grades}
            scored = {c: g.score for c, g in grades.items() if g.manual_score is not None or g.auto_score is not None}
            students[sub.student_id] = StudentGrade(
                sub.student_id, _name(sub.student.first_name, sub.student.last_name), submitted=True,
                score=sub.score if scored else None, cells=scored,
                unscored=tuple(sorted(set(grades) - set(scored))) if scored else (),
                late_penalty=sub.late_submission_penalty, submitted_at=sub.timestamp)
        for s in gb.students:
            students.setdefault(s.id, StudentGrade(s.id, _name(s.first_name, s.last_name), submitted=False))
        return AssignmentGrades(assignment, found.max_score, cells, dict(sorted(students.items())))


def read_mapping(path: Path) -> dict[str, LmsIds]:
    """The instructor's mapping file, checked: a known header with ``student``, one row per
    student, and no LMS identifier given to two students."""
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"no mapping file at {path}")
    try:
        return _parse_mapping(path)
    except UnicodeDecodeError as e:
        raise MappingError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8 CSV") from None


def _parse_mapping(path: Path) -> dict[str, LmsIds]:
    with open(path, newline="", encoding="utf-8-sig") as fh:  # -sig: a spreadsheet's byte-order mark
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        unknown = [h for h in header if h not in MAPPING_COLUMNS]
        if "student" not in header or unknown:
            raise MappingError(f"{path}, line 1: the header must name a 'student' column and only columns of "
                               f"{', '.join(MAPPING_COLUMNS)}; it has {', '.join(map(repr, header)) or 'nothing'}")
        if len(set(header)) < len(header):
            raise MappingError(f"{path}, line 1: a column is named twice")
        mapping: dict[str, LmsIds] = {}
        owners: dict[tuple[str, str], LmsIds] = {}
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise MappingError(f"{path}, line {line}: {len(row)} fields, the header has {len(header)}")
            ids = LmsIds(line=line, **{h: cell.strip() for h, cell in zip(header, row)})
            if not ids.student:
                raise MappingError(f"{path}, line {line}: no student id")
            if ids.student in mapping:
                raise MappingError(f"{path}, line {line}: student {ids.student!r} is already on line "
                                   f"{mapping[ids.student].line}")
            for kind in UNIQUE_IDS:
                value = getattr(ids, kind)
                if value and (kind, value) in owners:
                    other = owners[kind, value]
                    raise MappingError(f"{path}, line {line}: {kind} {value!r} of {ids.student!r} is also given to "
                                       f"{other.student!r} (line {other.line})")
                owners[kind, value] = ids
            mapping[ids.student] = ids
    return mapping


def _where(rows: Iterable[LmsIds], shown: int = 5) -> str:
    """``'ann' (line 3), 'bo' (line 7)``: the rows of the mapping file an error is about."""
    rows = list(rows)
    named = ", ".join(f"{r.student!r} (line {r.line})" for r in rows[:shown])
    return named + (f" and {len(rows) - shown} more" if len(rows) > shown else "")


def points(x: float | None) -> str:
    """A score as an LMS reads it: plain decimals, never an exponent; empty for no grade."""
    return "" if x is None else f"{x:.4f}".rstrip("0").rstrip(".")


def canvas_rows(grades: AssignmentGrades, roster: list[LmsIds], mapping_path: Path,
                canvas_assignment_id: int | None = None) -> list[list[str]]:
    lacking = [ids for ids in roster if not (ids.canvas_id or ids.sis_user_id or ids.sis_login_id)]
    if lacking:
        raise MappingError(f"{mapping_path}: Canvas finds a student by canvas_id, sis_user_id or sis_login_id; "
                           f"none is given for {_where(lacking)}")
    title = grades.assignment if canvas_assignment_id is None else f"{grades.assignment} ({canvas_assignment_id})"
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title],
            ["Points Possible", "", "", "", "", points(grades.max_score)]]
    for ids in roster:
        student = grades.students.get(ids.student)
        name = ids.name or (student.name if student else "") or ids.student
        rows.append([name, ids.canvas_id, ids.sis_user_id, ids.sis_login_id, ids.section,
                     points(student.final if student else None)])
    return rows


def _feedback(student: StudentGrade | None, max_score: float) -> str:
    if student is None or not student.submitted:
        return "no submission"
    if student.score is None:
        return "submitted, not graded yet"
    text = f"{points(student.score)} of {points(max_score)}"
    if student.late_penalty:
        when = f", submitted {student.submitted_at:%Y-%m-%d %H:%M} UTC" if student.submitted_at else ""
        text += f"; late{when}: {points(student.late_penalty)} off, {points(student.final)} in all"
    return text


def moodle_rows(grades: AssignmentGrades, roster: list[LmsIds], mapping_path: Path) -> list[list[str]]:
    if all(ids.moodle_idnumber for ids in roster):
        header, key = "ID number", "moodle_idnumber"
    elif all(ids.email for ids in roster):
        header, key = "Email address", "email"
    else:
        raise MappingError(f"{mapping_path}: Moodle needs the same identifier on every row, moodle_idnumber or "
                           f"email; moodle_idnumber is missing for {_where(r for r in roster if not r.moodle_idnumber)}"
                           f", email for {_where(r for r in roster if not r.email)}")
    rows = [[header, "Full name", grades.assignment, f"{grades.assignment} (feedback)"]]
    for ids in roster:
        student = grades.students.get(ids.student)
        name = ids.name or (student.name if student else "")
        rows.append([getattr(ids, key), name, points(student.final if student else None),
                     _feedback(student, grades.max_score)])
    return rows


def csv_rows(grades: AssignmentGrades, roster: list[str]) -> list[list[str]]:
    rows = [["student", *grades.cells, "total", "max", "late_penalty", "final", "submitted_at"]]
    for name in roster:
        s = grades.students.get(name) or StudentGrade(name, "", submitted=False)
        rows.append([name, *(points(s.cells.get(c)) for c in grades.cells), points(s.score), points(grades.max_score),
                     points(s.late_penalty if s.score is not None else None), points(s.final),
                     s.submitted_at.isoformat(sep=" ") if s.submitted_at else ""])
    return rows


def export(course: Course | Path, assignment: str, to: str, ids: Path | None = None, db_url: str | None = None,
           out: Path | None = None, allow_unmapped: bool = False,
           canvas_assignment_id: int | None = None) -> ExportSummary:
    """Writes the assignment's grades in format ``to`` (one of FORMATS) and says what it wrote.

    The LMS formats need the mapping file ``ids``; a gradebook student missing from it is an
    error, or with ``allow_unmapped`` is left out of the file (and named in the summary)."""
    if to not in FORMATS:
        raise OptionError(f"unknown format {to!r}: one of {', '.join(FORMATS)}")
    if to != "csv" and ids is None:
        raise OptionError(f"{to} needs the mapping file of student ids (--ids)")
    course = Course.of(course, db_url)
    mapping = read_mapping(ids) if ids is not None else {}
    grades = read_grades(course.require_gradebook(), assignment)
    unmapped = [s for s in grades.students if s not in mapping] if to != "csv" else []
    if unmapped and not allow_unmapped:
        raise MappingError(f"{ids}: no row for {', '.join(map(repr, unmapped[:5]))}"
                           + (f" and {len(unmapped) - 5} more" if len(unmapped) > 5 else "")
                           + " of the gradebook; add them, or pass --allow-unmapped to leave them out")
    if to == "csv":
        listed = sorted(set(grades.students) | set(mapping))
        rows = csv_rows(grades, listed)
    else:
        roster = list(mapping.values())
        listed = [r.student for r in roster]
        rows = (canvas_rows(grades, roster, ids, canvas_assignment_id) if to == "canvas"
                else moodle_rows(grades, roster, ids))
    path = Path(out) if out else course.reports_of(assignment) / f"{assignment}-{to}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    written = [grades.students.get(s) or StudentGrade(s, "", submitted=False) for s in listed]
    return ExportSummary(path, listed,
                         no_submission=[g.student for g in written if not g.submitted],
                         not_graded=[g.student for g in written if g.submitted and g.score is None],
                         awaiting_hand_grading=[g.student for g in written if g.unscored],
                         late={g.student: g.late_penalty for g in written if g.late_penalty},
                         unmapped=unmapped)
