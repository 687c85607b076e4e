"""The instructor notebook's sections and grade cells, made from the exercise declarations.

Each exercise of ``dlcourse/grading/exercises/<assignment>.py`` is a numbered section of the
notebook, in the order ``EXERCISES`` lists them: a Markdown heading ``## <n>. <title>`` (and
"(graded by hand)" for a ``Written`` answer) with the question's text (both declared;
``{section:<grade id>}`` in the text becomes that exercise's number), the cell the student
answers in, and for a ``Spec`` its test cell. ``sync`` writes them: the heading and the answer
cell's source where the declaration holds them, every graded cell's nbgrader metadata (grade id,
points), and each autograded test cell right after its solution cell with the one line it runs.
An instructor who keeps a solution in the notebook instead writes a code cell defining the
function, with or without its grade id (the function's name); a ``Written`` answer kept there is
a Markdown cell with the exercise's grade id. ``dlcourse release`` runs ``sync`` before nbgrader
sees the notebook, and the grader refuses to grade from a notebook that is out of step.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

from dlcourse.errors import DeclarationError
from dlcourse.grading import notebook
from dlcourse.grading.exercise import Exercise, Spec, Written
from dlcourse.grading.exercises import exercises
from dlcourse.grading.outcome.configured import Configured
from dlcourse.grading.outcome.exercise import Outcome

CODED = (Spec, Outcome, Configured)  # answered in a code cell defining the function, checked by a test cell under it

SECTION_REF = re.compile(r"\{section:(\w+)\}")
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def _meta(grade_id: str, grade: bool, solution: bool, points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": grade and not solution, "schema_version": 3,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def _text_meta(grade_id: str) -> dict:
    """A heading's: read-only, so nbgrader puts back a heading a student edited."""
    return {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3, "solution": False}


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
        changes.append(f"{what}: source set to {source!r}" if "\n" not in source
                       else f"{what}: source set from the declaration")


def declared_in(assignment: str) -> str:
    return f"dlcourse/grading/exercises/{assignment}.py"


def section_numbers(declared: list[Exercise]) -> dict[str, int]:
    """Grade id (and, for a Spec, function name) -> its section's number: the exercises with a
    title, counted in declaration order."""
    numbers: dict[str, int] = {}
    titled = [e for e in declared if e.title]
    for n, e in enumerate(titled, start=1):
        numbers[e.grade_id] = numbers[e.key] = n
    return numbers


def numbered(text: str, e: Exercise, numbers: dict[str, int], where: str) -> str:
    """``text`` (a question or a model answer of ``e``) with each ``{section:<grade id>}`` as its number."""
    def number(ref: re.Match) -> str:
        if ref.group(1) not in numbers:
            raise DeclarationError(f"{where}: the text of {e.grade_id} refers to {ref.group(0)}, but no exercise "
                                   "of this file with a title has that grade id")
        return str(numbers[ref.group(1)])

    return SECTION_REF.sub(number, text)


def heading(e: Exercise, numbers: dict[str, int], where: str) -> str:
    """The Markdown of the exercise's section heading and question, its references numbered."""
    text = numbered(e.text, e, numbers, where)
    by_hand = " (graded by hand)" if isinstance(e, Written) else ""
    return f"## {numbers[e.grade_id]}. {e.title}{by_hand}" + (f"\n\n{text}" if text else "")


def _check_declaration(e: Exercise, where: str) -> None:
    code = e.solution if isinstance(e, CODED) else e.answer
    if code is not None and not all(marker in code for marker in SOLUTION_MARKERS):
        raise DeclarationError(f"{where}: the {'solution' if isinstance(e, CODED) else 'answer'} of {e.grade_id} "
                               "has no ### BEGIN SOLUTION / ### END SOLUTION lines, so it would ship to students")
    if e.text and not e.title:
        raise DeclarationError(f"{where}: {e.grade_id} has a text but no title; its section needs a heading")


def _defining_cell(nb, function: str) -> int | None:
    """A code cell without a grade id that defines ``function``: a solution written in the notebook."""
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code" or notebook.nbgrader_metadata(c).get("grade_id") or function not in c.source:
            continue
        try:
            body = ast.parse(c.source).body
        except SyntaxError:
            continue
        if any(isinstance(s, ast.FunctionDef) and s.name == function for s in body):
            return i
    return None


def _answer_cell(nb, e: Exercise, numbers: dict[str, int], after: int, changes: list[str], path,
                 assignment: str) -> int:
    """The index of the cell the student answers in, found (by grade id, or for a Spec by the
    function it defines) or made from the declaration after cell ``after``; its source and
    metadata set from the declaration."""
    if isinstance(e, CODED):
        cell_type, meta, source = "code", _meta(e.key, False, True), e.solution
        missing = (f"{path}: no solution cell with grade id {e.key!r} for {e.grade_id}, which "
                   f"{declared_in(assignment)} declares; add a code cell defining {e.function}, or declare its "
                   "solution there")
    else:
        cell_type, meta, source = "markdown", _meta(e.grade_id, True, True, e.points), e.answer
        if source is not None:
            source = numbered(source, e, numbers, declared_in(assignment))
        missing = (f"{path}: no Markdown answer cell with grade id {e.grade_id!r}, which {declared_in(assignment)} "
                   "declares; add it, or declare its answer there")
    at = _find(nb, e.key)
    if at is None and isinstance(e, CODED):
        at = _defining_cell(nb, e.function)
    if at is None:
        if source is None:
            raise DeclarationError(missing)
        at = after + 1
        if at < len(nb.cells) and notebook.nbgrader_metadata(nb.cells[at]).get("grade_id") == f"{e.key}_text":
            at += 1  # under its own heading, still there
        maker = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
        nb.cells.insert(at, maker(source, metadata={"nbgrader": meta}))
        changes.append(f"{e.key}: {'solution' if isinstance(e, CODED) else 'answer'} cell added from the declaration")
    _set(nb.cells[at], cell_type, meta, source, changes, e.key)
    return at


def _is_heading(cell, grade_id: str) -> bool:
    meta = notebook.nbgrader_metadata(cell)
    return (cell.cell_type == "markdown" and not meta.get("grade") and not meta.get("solution")
            and (meta.get("grade_id") == grade_id or cell.source.startswith("## ")))


def _heading_cell(nb, e: Exercise, at: int, numbers: dict[str, int], changes: list[str], assignment: str) -> int:
    """Writes the section heading into the Markdown cell just above the answer cell ``at`` (made
    when there is none); returns the answer cell's index after it."""
    if not e.title:
        return at
    source = heading(e, numbers, declared_in(assignment))
    grade_id = f"{e.key}_text"
    if at > 0 and _is_heading(nb.cells[at - 1], grade_id):
        kept = notebook.nbgrader_metadata(nb.cells[at - 1]).get("grade_id") or grade_id  # a released cell keeps its id
        _set(nb.cells[at - 1], "markdown", _text_meta(kept), source, changes, kept)
        return at
    nb.cells.insert(at, nbformat.v4.new_markdown_cell(source, metadata={"nbgrader": _text_meta(grade_id)}))
    changes.append(f"{grade_id}: heading added above {e.key}")
    return at + 1


def _test_cell(nb, e: Spec | Outcome | Configured, changes: list[str]) -> int:
    """Puts the test cell right under the solution cell; returns the test cell's index."""
    at = _find(nb, e.function)
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
    return at + 1


def _refuse_unknown(nb, declared: list[Exercise], path, assignment: str) -> None:
    known = {e.grade_id for e in declared} | {e.key for e in declared}
    for cell in nb.cells:
        meta = notebook.nbgrader_metadata(cell)
        if (meta.get("grade") or meta.get("solution")) and meta.get("grade_id") not in known:
            raise DeclarationError(f"{path}: graded cell {meta.get('grade_id')!r} is declared in no exercise of "
                                   f"{declared_in(assignment)}")


def _check_order(nb, declared: list[Exercise], path, assignment: str) -> None:
    """The sections' numbers follow the declarations, so the notebook must too."""
    at = [_find(nb, e.key) for e in declared]
    for (e, i), (f, j) in zip(zip(declared, at), zip(declared[1:], at[1:])):
        if i is not None and j is not None and j < i:
            raise DeclarationError(f"{path}: {f.key} comes before {e.key}, but {declared_in(assignment)} declares "
                                   "it after; put the cells in the order of EXERCISES (their sections are "
                                   "numbered in it)")


def sync(nb: nbformat.NotebookNode, assignment: str, path: Path | str = "notebook") -> list[str]:
    """Makes ``nb``'s sections and grade cells what ``assignment``'s declarations say; returns
    what changed.

    Raises DeclarationError, naming the file, for what cannot be made: a declared exercise
    without its solution or answer (in the notebook or the declaration), a graded cell that no
    declaration knows, cells out of the declared order."""
    changes: list[str] = []
    declared = exercises(assignment)
    for e in declared:
        _check_declaration(e, declared_in(assignment))
    _refuse_unknown(nb, declared, path, assignment)
    _check_order(nb, declared, path, assignment)
    numbers = section_numbers(declared)
    local_checks = _find(nb, notebook.LOCAL_CHECKS)
    last = len(nb.cells) - 1 if local_checks is None else local_checks  # where a first new section goes
    for e in declared:
        at = _answer_cell(nb, e, numbers, last, changes, path, assignment)
        at = _heading_cell(nb, e, at, numbers, changes, assignment)
        last = _test_cell(nb, e, changes) if isinstance(e, CODED) else at
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
