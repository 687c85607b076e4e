"""Every exercise of the course, declared once: one module per assignment, named like it
(``hw1.py`` for ``autograder/source/hw1/``), whose list ``EXERCISES`` holds its ``Spec``s,
``Written`` answers and outcome exercises (``Outcome``: graded by what the student's training
reaches; ``Configured``: by what the grader's training of the student's configuration reaches;
``dlcourse.grading.outcome``) in notebook order.

From these declarations come the notebook's grade cells (``dlcourse.grading.cells``), the
coverage map's exercise column (``graded_questions``), the check kit, the grader's cases and
the sample class's wrong answers. This is the instructor's side: no student receives it.
"""
from __future__ import annotations

import importlib
import pkgutil

from dlcourse.errors import DeclarationError, UnknownAssignment
from dlcourse.grading.exercise import Exercise, Mistake, Spec, Written
from dlcourse.grading.outcome.configured import Configured
from dlcourse.grading.outcome.exercise import Outcome


def _load() -> dict[str, list[Exercise | Outcome | Configured]]:
    found: dict[str, list[Exercise | Outcome | Configured]] = {}
    owner: dict[str, str] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
        exercises = list(importlib.import_module(f"{__name__}.{module}").EXERCISES)
        for e in exercises:
            if e.grade_id in owner:
                raise DeclarationError(f"dlcourse/grading/exercises/{module}.py: grade id {e.grade_id!r} is declared "
                                 f"in {owner[e.grade_id]}.py too; a grade id names one exercise")
            owner[e.grade_id] = module
        found[module] = exercises
    return found


ASSIGNMENTS: dict[str, list[Exercise | Outcome | Configured]] = _load()
SPECS: dict[str, Spec] = {e.grade_id: e for es in ASSIGNMENTS.values() for e in es if isinstance(e, Spec)}
WRITTEN: dict[str, Written] = {e.grade_id: e for es in ASSIGNMENTS.values() for e in es if isinstance(e, Written)}
OUTCOMES: dict[str, Outcome | Configured] = {e.grade_id: e for es in ASSIGNMENTS.values() for e in es
                                             if isinstance(e, Outcome | Configured)}
# every test the grader scores by itself (a function's cases, or a training's outcome): grade id -> its exercise
AUTOGRADED: dict[str, Spec | Outcome | Configured] = {**SPECS, **OUTCOMES}


def exercises(assignment: str) -> list[Exercise | Outcome | Configured]:
    """The assignment's exercises, or an UnknownAssignment (a KeyError) saying which assignments are declared."""
    if assignment not in ASSIGNMENTS:
        raise UnknownAssignment(f"no exercises are declared for {assignment!r}: add dlcourse/grading/exercises/"
                       f"{assignment}.py (declared: {', '.join(ASSIGNMENTS) or 'none'})")
    return ASSIGNMENTS[assignment]


def graded_questions() -> dict[str, list[tuple[str, Exercise | Outcome | Configured]]]:
    """Coverage question id -> (assignment, exercise) for every exercise that grades it."""
    out: dict[str, list[tuple[str, Exercise | Outcome | Configured]]] = {}
    for assignment, es in ASSIGNMENTS.items():
        for e in es:
            for q in e.question_ids:
                out.setdefault(q, []).append((assignment, e))
    return out


def wrong_answers() -> dict[str, tuple[Spec, Mistake]]:
    """Every known wrong answer of the course: name -> (its exercise, the mistake)."""
    return {name: (spec, mistake) for spec in SPECS.values() for name, mistake in spec.wrong_answers.items()}
