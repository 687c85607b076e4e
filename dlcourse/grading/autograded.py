"""The notebooks stock formgrader opens: ``autograded/<student>/<assignment>/<nb>.ipynb``.

Each is the instructor's source notebook (its cells, and the nbgrader metadata by which
formgrader finds each cell's grade in the gradebook) with the student's answers in place of the
solutions, each test cell showing what its cases gave, and under each answer graded by hand the
model answer and rubric of the instructor's cell. It is built from the grading result
alone: the submission is never run again, and nothing the student wrote outside an answer cell
reaches a TA's browser.
"""
from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import nbformat

from dlcourse.grading.grader import SubmissionResult
from dlcourse.grading.notebook import nbgrader_metadata

MISSING = "(this answer cell is not in the submission: the student deleted it or removed its metadata)"


def _case_lines(result: SubmissionResult, grade_id: str) -> str:
    test = next((t for t in result.tests if t.grade_id == grade_id), None)
    if test is None or not test.cases:
        return "not run\n"
    lines = [f"autograded: {test.score:g} / {test.points:g}"]
    lines += [f"{'ok  ' if c.passed else 'FAIL'} {c.name}" + ("" if c.passed else f": {c.message}") for c in test.cases]
    lines += [test.feedback] if test.feedback else []  # an outcome's runs against its bands and budget
    return "\n".join(lines) + "\n"


def model_answer(cell) -> str:
    """The instructor's model answer and rubric: the solution region of an answer cell."""
    found = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)
    return "\n".join(part.strip() for part in found)


def autograded_notebook(source: nbformat.NotebookNode, result: SubmissionResult) -> nbformat.NotebookNode:
    nb = copy.deepcopy(source)
    graded_by_hand = []
    # with no answer at all, the notebook was not read or not graded: say why, not "deleted"
    missing = f"(not graded: {result.problems[0]})" if result.problems and not result.answers else MISSING
    for cell in nb.cells:
        meta = nbgrader_metadata(cell)
        grade_id = meta.get("grade_id")
        if meta.get("solution") and meta.get("grade") and cell.cell_type == "markdown":
            graded_by_hand.append((cell, model_answer(cell)))
        if meta.get("solution"):
            cell.source = result.answers.get(grade_id, missing)
            if cell.cell_type == "markdown":  # rendered in a TA's browser: the student's HTML stays text
                cell.source = html.escape(cell.source, quote=False)
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.outputs = []
            if meta.get("grade") and not meta.get("solution"):
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=_case_lines(result, grade_id))]
    for cell, rubric in graded_by_hand:  # shown to the TA in formgrader, under the student's answer
        at = next(i for i, c in enumerate(nb.cells) if c is cell)
        note = f"**For the grader: model answer and rubric**\n\n{rubric}"
        nb.cells.insert(at + 1, nbformat.v4.new_markdown_cell(note))
    return nb


def write_autograded(course: Path, source: nbformat.NotebookNode, result: SubmissionResult) -> Path:
    folder = Path(course) / "autograded" / result.student / result.assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / result.notebook
    # made from the validated source with valid cells: written without nbformat's validation,
    # half of the time this takes, for every notebook of the class
    path.write_text(nbformat.v4.writes(autograded_notebook(source, result)), encoding="utf-8")
    return path
