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

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy import inspect, text
from sqlalchemy.exc import SAWarning

# nbgrader 0.9's own queries trip SQLAlchemy 2's autoflush warnings: noise an instructor can do
# nothing about, so it stays off their terminal
warnings.filterwarnings("ignore", message=".*autoflush.*", category=SAWarning)

from dlcourse.grading.grader import SubmissionResult

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

    def write(self, result: SubmissionResult) -> None:
        """All of one submission's grades, and its result, in one transaction."""
        nb_name = result.notebook.removesuffix(".ipynb")
        try:
            self.gb.find_student(result.student)
        except MissingEntry:
            self.gb.add_student(result.student)
        try:
            self.gb.find_submission(result.assignment, result.student)
        except MissingEntry:
            self.gb.add_submission(result.assignment, result.student)
        try:
            for t in result.tests:
                grade = self.gb.find_grade(t.grade_id, nb_name, result.assignment, result.student)
                grade.auto_score = t.score
            self.db.execute(text(f"DELETE FROM {MARKS} WHERE assignment = :a AND student = :s AND notebook = :n"),
                            {"a": result.assignment, "s": result.student, "n": nb_name})
            self.db.execute(text(f"INSERT INTO {MARKS} (assignment, student, notebook, digest, score, result) "
                                 "VALUES (:a, :s, :n, :d, :score, :result)"),
                            {"a": result.assignment, "s": result.student, "n": nb_name, "d": result.digest,
                             "score": result.score, "result": result.to_json()})
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise

    def close(self) -> None:
        self.gb.close()
