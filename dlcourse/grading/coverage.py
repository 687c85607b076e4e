"""The coverage map's rows: every homework question of the syllabus, where the book teaches it
(``theory``) and where a lab checks it in numbers (``lab``).

A row lives in one place: ``book/coverage.yml`` for the questions the map has always listed, or
the exercise that grades a new question first (``Spec(..., questions=(Question(...),))`` in
``dlcourse/grading/exercises/<assignment>.py``). ``rows`` joins the two, and refuses a question
written in both or declared twice. Which exercises grade each question comes from the
declarations either way (``exercises.graded_questions``).
"""
from __future__ import annotations

from dlcourse.grading.exercise import Question
from dlcourse.grading.exercises import ASSIGNMENTS

MAP = "book/coverage.yml"


class CoverageError(ValueError):
    """A question of the coverage map is written twice; the message says where."""


def declared() -> dict[str, tuple[str, Question]]:
    """Question id -> (the exercise that declares it, as ``hw1.py: test_x``, and the question)."""
    found: dict[str, tuple[str, Question]] = {}
    for assignment, exercises in ASSIGNMENTS.items():
        for e in exercises:
            for q in e.questions:
                if not isinstance(q, Question):
                    continue
                where = f"dlcourse/grading/exercises/{assignment}.py: {e.grade_id}"
                if q.id in found:
                    raise CoverageError(f"{where}: question {q.id} is declared in {found[q.id][0]} too; declare "
                                        f"it once and name it by its id, questions=({q.id!r},), elsewhere")
                found[q.id] = (where, q)
    return found


def _order(question_id: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in question_id.split("."))


def rows(listed: list[dict], where: str = MAP) -> list[dict]:
    """The map's rows: ``listed`` (book/coverage.yml's ``questions``, read from ``where``) and the
    declared questions, in question order."""
    new = declared()
    for row in listed:
        if row["id"] in new:
            raise CoverageError(f"{where}: question {row['id']} is declared in {new[row['id']][0]} too; keep "
                                "one of the two")
    return sorted([*listed, *(q.row() for _, q in new.values())], key=lambda row: _order(str(row["id"])))
