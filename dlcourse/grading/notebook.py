"""Reading submissions and the instructor's notebook, with a clear reason for every failure.

Students insert, copy, delete, reorder and retype cells. The grader therefore runs every
code cell of a submission in order, except the test cells (recognised by the instructor's
grade ids), and finds answers by the functions they define; the tests themselves always
come from the instructor's notebook and ``specs``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_BYTES = 50 * 1024**2
LOCAL_CHECKS = "local_checks"  # the cell importing the student's check helper: not run when grading


class SubmissionError(Exception):
    """The notebook cannot be read; the message says which file and why."""


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float


def read(path: Path | str, data: bytes | None = None) -> nbformat.NotebookNode:
    """Parses and validates a notebook (from ``data`` when given), or raises SubmissionError."""
    path = Path(path)
    if data is None:
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise SubmissionError(f"{path}: file not found") from None
        if size > MAX_BYTES:
            raise SubmissionError(f"{path}: {size} bytes, more than the {MAX_BYTES} a notebook may have")
        data = path.read_bytes()
    if not data.strip():
        raise SubmissionError(f"{path}: the file is empty")
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        raise SubmissionError(f"{path}: not UTF-8 text, so not a notebook") from None
    except Exception as e:  # nbformat raises several kinds for bad JSON or an unknown format
        raise SubmissionError(f"{path}: not a readable notebook ({type(e).__name__}: {str(e)[:200]})") from None
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as e:
        raise SubmissionError(f"{path}: invalid notebook format ({str(e).splitlines()[0][:200]})") from None
    return nb


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def test_cells(source_nb: nbformat.NotebookNode) -> list[TestCell]:
    """The autograded test cells of the instructor's notebook, with their points."""
    return [TestCell(m["grade_id"], float(m.get("points", 0))) for c in source_nb.cells
            if c.cell_type == "code" and (m := _nbgrader(c)).get("grade") and not m.get("solution")]


def code_to_run(nb: nbformat.NotebookNode, test_ids: set[str]) -> list[dict]:
    """The submission's code cells in order, minus test cells, with IPython syntax (magics,
    shell escapes) rewritten to plain Python; each as {"id", "source"}."""
    from IPython.core.inputtransformer2 import TransformerManager

    tm = TransformerManager()
    cells = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code" or _nbgrader(c).get("grade_id") in test_ids | {LOCAL_CHECKS}:
            continue
        src = c.source if isinstance(c.source, str) else "".join(c.source)
        try:
            src = tm.transform_cell(src)
        except Exception:
            pass  # left as is: compiling it inside the sandbox reports the syntax error for this cell
        cells.append({"id": _nbgrader(c).get("grade_id") or f"cell-{i + 1}", "source": src})
    return cells
