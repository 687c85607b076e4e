"""The one store of results: nbgrader's own gradebook (SQLite by default, any SQLAlchemy
URL, e.g. PostgreSQL), so ``nbgrader export`` and formgrader see the scores.

Each submission's scores (nbgrader's grade rows) and its full result (one row of
``dlcourse_graded``: the digest of the notebook graded, and every case's outcome as JSON) are
written in one transaction: a run killed at any moment leaves every submission either fully
graded or not at all, and the next run grades exactly what is left. Reports are built from
this store alone. SQLite runs in WAL mode with a busy timeout, so a reader (formgrader, an
export) never aborts the run.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta

from nbgrader.api import (
    Assignment,
    BaseCell,
    Comment,
    Grade,
    Gradebook,
    MissingEntry,
    Notebook,
    SubmittedAssignment,
    SubmittedNotebook,
)
from sqlalchemy import inspect, select, text, update
from sqlalchemy.exc import SAWarning

from dlcourse.errors import NotReady, OptionError, UnknownAssignment, UnknownCell, UnknownStudent
from dlcourse.grading import lateness
from dlcourse.grading.course import AssignmentSettings
from dlcourse.grading.exercises import AUTOGRADED
from dlcourse.grading.grader import SubmissionResult
from dlcourse.grading.standing import Lateness, Standing

# nbgrader 0.9's own queries trip SQLAlchemy 2's autoflush warnings: noise an instructor can do
# nothing about, so it stays off their terminal
warnings.filterwarnings("ignore", message=".*autoflush.*", category=SAWarning)


MARKS = "dlcourse_graded"


class GradeWriter:
    def __init__(self, db_url: str):
        self.gb = Gradebook(db_url)
        self.db = self.gb.db
        if self.gb.engine.dialect.name == "sqlite":
            self.db.execute(text("PRAGMA journal_mode=WAL"))
            self.db.execute(text("PRAGMA busy_timeout=30000"))
        self.db.execute(text(f"CREATE TABLE IF NOT EXISTS {MARKS} (assignment VARCHAR(128), student VARCHAR(128), "
                             "notebook VARCHAR(128), digest VARCHAR(64), score FLOAT, result TEXT, "
                             "PRIMARY KEY (assignment, student, notebook))"))
        columns = {c["name"] for c in inspect(self.db.connection()).get_columns(MARKS)}
        if "result" not in columns:  # a gradebook from before results were kept here: those rows regrade
            self.db.execute(text(f"ALTER TABLE {MARKS} ADD COLUMN result TEXT"))
        self.db.commit()

    def __enter__(self) -> GradeWriter:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def students(self) -> set[str]:
        """Every student the gradebook knows."""
        return {s.id for s in self.gb.students}

    def require_assignment(self, assignment: str) -> None:
        """UnknownAssignment, naming those it has, for an assignment the gradebook does not know."""
        try:
            self.gb.find_assignment(assignment)
        except MissingEntry:
            known = ", ".join(a.name for a in self.gb.assignments) or "none"
            raise UnknownAssignment(f"no assignment {assignment!r} in the gradebook (it has: {known}); "
                                    f"release it first (`dlcourse release {assignment}`)") from None

    def due(self, assignment: str) -> datetime | None:
        """The assignment's due date in the gradebook (before any student's extension), or None."""
        try:
            return self.gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None

    def graded(self, assignment: str) -> dict[tuple[str, str], str]:
        """(student, notebook) -> digest of the submission already graded, with its result kept."""
        rows = self.db.execute(text(f"SELECT student, notebook, digest FROM {MARKS} "
                                    "WHERE assignment = :a AND result IS NOT NULL"), {"a": assignment})
        return {(s, n): d for s, n, d in rows}

    def results(self, assignment: str) -> Iterator[SubmissionResult]:
        """Every kept result of the assignment, by student, read a few at a time."""
        rows = self.db.execute(text(f"SELECT result FROM {MARKS} WHERE assignment = :a AND result IS NOT NULL "
                                    "ORDER BY student, notebook"), {"a": assignment})
        for (result,) in rows.yield_per(64):
            yield SubmissionResult.from_json(result)

    def write(self, result: SubmissionResult) -> float | None:
        """One submission's grades, and its result, in one transaction; returns the autograded
        score it had before (None if it had none). A TA's manual score is never touched: a rerun
        keeps every override and hand grade."""
        self._submission(result.assignment, result.student)  # nbgrader's own calls, which commit
        try:
            before = self._put(result)
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise
        return before

    def _put(self, result: SubmissionResult) -> float | None:
        nb_name = result.notebook.removesuffix(".ipynb")
        key = {"a": result.assignment, "s": result.student, "n": nb_name}
        before = self.db.execute(text(f"SELECT score FROM {MARKS} WHERE assignment = :a AND student = :s "
                                      "AND notebook = :n AND result IS NOT NULL"), key).scalar()
        autograded = {t.grade_id: t.score for t in result.tests}
        scored, waiting = [], []
        for name, row_id, _, _, manual_score in self._grades(self._notebook_id(result.assignment, result.student,
                                                                              nb_name)):
            if name in autograded:  # an override, if any, is a decision already made
                scored.append({"id": row_id, "auto_score": autograded[name], "needs_manual_grade": False})
            else:  # an answer graded by hand: waits for a person until one has scored it
                waiting.append({"id": row_id, "needs_manual_grade": manual_score is None})
        for rows in (scored, waiting):
            if rows:
                self.db.execute(update(Grade), rows)
        self.db.execute(text(f"DELETE FROM {MARKS} WHERE assignment = :a AND student = :s AND notebook = :n"), key)
        self.db.execute(text(f"INSERT INTO {MARKS} (assignment, student, notebook, digest, score, result) "
                             "VALUES (:a, :s, :n, :d, :score, :result)"),
                        {**key, "d": result.digest, "score": result.score, "result": result.to_json()})
        return before

    def _notebook_id(self, assignment: str, student: str, notebook: str) -> str:
        """The id of nbgrader's row for one submitted notebook, in one query."""
        return self.db.execute(
            select(SubmittedNotebook.id)
            .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .where(Notebook.name == notebook, Assignment.name == assignment, SubmittedAssignment.student_id == student)
        ).scalar_one()

    def _grades(self, notebook_id: str) -> list[tuple[str, str, float, float | None, float | None]]:
        """(cell name, row id, max, auto and manual score) of each of nbgrader's grade rows of one
        submitted notebook, in one query (through the ORM's relations it takes one per cell)."""
        return self.db.execute(
            select(BaseCell.name, Grade.id, Grade.max_score, Grade.auto_score, Grade.manual_score)
            .join(BaseCell, Grade.cell_id == BaseCell.id).where(Grade.notebook_id == notebook_id)
        ).all()

    def _submission(self, assignment: str, student: str):
        try:
            self.gb.find_student(student)
        except MissingEntry:
            self.gb.add_student(student)
        try:
            return self.gb.find_submission(assignment, student)
        except MissingEntry:
            return self.gb.add_submission(assignment, student)

    def settle_lateness(self, assignment: str, student: str, notebook: str, submitted_at: datetime | None,
                        settings: AssignmentSettings) -> None:
        """Records when the submission came in, and the penalty it earns as its score stands now
        (hand grades and overrides included), on nbgrader's own columns."""
        try:
            submission = self._submission(assignment, student)
            submission.timestamp = submitted_at  # none readable: none kept, never an older one
            nb = self.gb.find_submission_notebook(notebook.removesuffix(".ipynb"), assignment, student)
            late = lateness.penalty(settings, nb.score, nb.max_score, submission.total_seconds_late)
            nb.late_submission_penalty = late or None
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise

    def set_due(self, assignment: str, due: datetime) -> None:
        self.gb.update_or_create_assignment(assignment, duedate=due)

    def extend(self, assignment: str, student: str, extension: timedelta) -> datetime | None:
        """Moves one student's due date (nbgrader's extension); returns the new due date. The
        assignment must be in the gradebook already (a name mistyped is not made a new one)."""
        self.require_assignment(assignment)
        if self.due(assignment) is None:  # nbgrader would keep the extension, then fail to add it to nothing
            raise NotReady(f"{assignment} has no due date to extend; set one first "
                           f"(`dlcourse release {assignment} --due '2026-12-01 23:59:00 UTC'`)")
        submission = self._submission(assignment, student)
        submission.extension = extension
        self.db.commit()
        return submission.duedate

    def override(self, assignment: str, student: str, grade_id: str, score: float | None, reason: str) -> None:
        """A TA's score for one graded cell, with the reason the student will read (None: back to
        the autograder's). The reason is kept as the comment on the answer cell, where formgrader
        shows it too."""
        self.require_assignment(assignment)
        try:
            submission = self.gb.find_submission(assignment, student)
        except MissingEntry:
            raise UnknownStudent(f"{assignment}: {student} has no graded submission (never submitted, or not graded "
                             "yet)") from None
        found = [(nb, g) for nb in submission.notebooks for g in nb.grades if g.name == grade_id]
        if not found:
            raise UnknownCell(f"{assignment}: {student} has no graded cell {grade_id!r}")
        nb, grade = found[0]
        if score is not None and not 0 <= score <= grade.max_score:
            raise OptionError(f"{grade_id} is worth {grade.max_score:g} points: {score:g} is out of range")
        answer_cell = AUTOGRADED[grade_id].function if grade_id in AUTOGRADED else grade_id
        try:
            grade.manual_score = score
            grade.needs_manual_grade = score is None and grade.auto_score is None
            self.gb.find_comment(answer_cell, nb.name, assignment, student).manual_comment = reason or None
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise

    def standings(self, assignment: str) -> Iterator[Standing]:
        """Every graded submission of the assignment as it stands: the kept result, with the
        gradebook's manual scores and comments, the submission time and the late penalty."""
        for result in self.results(assignment):
            nb = self.gb.find_submission_notebook(result.notebook.removesuffix(".ipynb"), assignment, result.student)
            # a query each for the grades and the comments: through the ORM's relations, one per cell
            grades = {name: scores for name, _, *scores in self._grades(nb.id)}
            comments = {name: text or "" for name, text in self.db.execute(
                select(BaseCell.name, Comment.manual_comment)
                .join(BaseCell, Comment.cell_id == BaseCell.id).where(Comment.notebook_id == nb.id))}
            submission = nb.assignment
            lateness = Lateness(submission.timestamp, submission.total_seconds_late, nb.late_submission_penalty or 0.0)
            yield Standing.of(result, grades, comments, lateness)

    def close(self) -> None:
        self.gb.close()
