"""The instructor notebook's grade cells, made from the exercise declarations.

An instructor writes, for each exercise, only the solution cell (a code cell whose nbgrader grade
id is the function's name) or, for an answer graded by hand, the Markdown answer cell (grade id
of its ``Written``). ``sync`` then puts each autograded test cell right after its solution cell,
with its grade id, points and the one line it runs, and sets the nbgrader metadata of every
graded cell from the declaration. ``dlcourse release`` runs it before nbgrader sees the
notebook, and the grader refuses to grade from a notebook that is out of step.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from dlcourse.errors import DeclarationError
from dlcourse.grading import notebook
from dlcourse.grading.exercise import Spec, Written
from dlcourse.grading.exercises import exercises


def _meta(grade_id: str, grade: bool, solution: bool, points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": grade and not solution, "schema_version": 3,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def _find(nb, grade_id: str) -> int | None:
    return next((i for i, c in enumerate(nb.cells) if notebook.nbgrader_metadata(c).get("grade_id") == grade_id),
                None)


def _set(cell, cell_type: str, meta: dict, source: str | None, changes: list[str], what: str) -> None:
    if cell.cell_type != cell_type:
        raise DeclarationError(f"{what} is a {cell.cell_type} cell; it must be a {cell_type} cell")
    if notebook.nbgrader_metadata(cell) != meta:
        cell.metadata["nbgrader"] = meta
        changes.append(f"{what}: nbgrader metadata set from the declaration")
    if source is not None and cell.source != source:
        cell.source = source
        changes.append(f"{what}: source set to {source!r}")


def sync(nb: nbformat.NotebookNode, assignment: str, path: Path | str = "notebook") -> list[str]:
    """Makes ``nb``'s grade cells what ``assignment``'s declarations say; returns what changed.

    Raises DeclarationError, naming the file, for what cannot be made: a declared exercise
    without its solution or answer cell, or a graded cell that no declaration knows."""
    changes: list[str] = []
    declared = exercises(assignment)
    known = {e.grade_id for e in declared} | {e.function for e in declared if isinstance(e, Spec)}
    for cell in nb.cells:
        meta = notebook.nbgrader_metadata(cell)
        if (meta.get("grade") or meta.get("solution")) and meta.get("grade_id") not in known:
            raise DeclarationError(f"{path}: graded cell {meta.get('grade_id')!r} is declared in no exercise of "
                                   f"dlcourse/grading/exercises/{assignment}.py")
    for e in declared:
        if isinstance(e, Written):
            at = _find(nb, e.grade_id)
            if at is None:
                raise DeclarationError(f"{path}: no Markdown answer cell with grade id {e.grade_id!r}, which "
                                       f"dlcourse/grading/exercises/{assignment}.py declares")
            _set(nb.cells[at], "markdown", _meta(e.grade_id, True, True, e.points), None, changes, e.grade_id)
            continue
        at = _find(nb, e.function)
        if at is None:
            raise DeclarationError(f"{path}: no solution cell with grade id {e.function!r} for {e.grade_id}, which "
                                   f"dlcourse/grading/exercises/{assignment}.py declares; add a code cell defining "
                                   f"{e.function} and give it that grade id")
        _set(nb.cells[at], "code", _meta(e.function, False, True), None, changes, e.function)
        test_at = _find(nb, e.grade_id)
        if test_at is not None and test_at != at + 1:
            nb.cells.pop(test_at)
            changes.append(f"{e.grade_id}: moved to follow {e.function}")
            test_at = None
            at = _find(nb, e.function)
        meta = _meta(e.grade_id, True, False, e.points)
        if test_at is None:
            nb.cells.insert(at + 1, nbformat.v4.new_code_cell(e.test_source(), metadata={"nbgrader": meta}))
            changes.append(f"{e.grade_id}: test cell added after {e.function}")
        _set(nb.cells[at + 1], "code", meta, e.test_source(), changes, e.grade_id)
    return changes


def sync_file(path: Path, assignment: str, write: bool = True) -> list[str]:
    """``sync`` on a notebook file, written back (ids kept) when something changed and ``write``."""
    nb = nbformat.read(path, as_version=4)
    changes = sync(nb, assignment, path)
    if changes and write:
        nbformat.write(nb, path)
    return [f"{path}: {c}" for c in changes]


def sync_assignment(course: Path, assignment: str, write: bool = True) -> list[str]:
    """``sync_file`` on every source notebook of the assignment; every declared exercise must
    be in one of them."""
    folder = Path(course) / "source" / assignment
    books = sorted(folder.glob("*.ipynb"))
    if not books:
        raise FileNotFoundError(f"{folder}: no source notebook for assignment {assignment!r}")
    if len(books) > 1:
        raise DeclarationError(f"{folder}: {len(books)} notebooks; an assignment's exercises live in one notebook")
    return sync_file(books[0], assignment, write)
