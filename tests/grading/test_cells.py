"""The notebook's grade cells are made from the exercise declarations (dlcourse.grading.cells):
a missing or stale test cell is written back, what cannot be made is refused naming the file."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import nbformat
import pytest

from dlcourse.grading import cells, exercises
from dlcourse.grading.notebook import nbgrader_metadata

ROOT = Path(__file__).resolve().parents[2]
HW1 = ROOT / "autograder" / "source" / "hw1" / "hw1.ipynb"


def _hw1() -> nbformat.NotebookNode:
    return nbformat.read(HW1, as_version=4)


def _index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if nbgrader_metadata(c).get("grade_id") == grade_id)


def test_the_committed_notebook_needs_no_change():
    assert cells.sync(_hw1(), "hw1", HW1) == []


def test_a_deleted_test_cell_is_made_again_after_its_solution():
    nb = _hw1()
    del nb.cells[_index(nb, "test_adam_step")]
    changes = cells.sync(nb, "hw1", HW1)
    assert changes == ["test_adam_step: test cell added after adam_step"]
    test = nb.cells[_index(nb, "adam_step") + 1]
    assert test.source == 'check("test_adam_step", adam_step)'
    assert nbgrader_metadata(test) == {"grade": True, "grade_id": "test_adam_step", "locked": True, "points": 3,
                                       "schema_version": 3, "solution": False}
    assert cells.sync(nb, "hw1", HW1) == []  # made once, then stable


def test_points_and_source_follow_the_declaration(monkeypatch):
    declared = exercises.ASSIGNMENTS["hw1"]
    changed = [dataclasses.replace(e, points=7) if e.grade_id == "test_backtracking" else e for e in declared]
    monkeypatch.setitem(exercises.ASSIGNMENTS, "hw1", changed)
    nb = _hw1()
    nb.cells[_index(nb, "test_backtracking")].source = "check('test_backtracking', lambda *a: 0)"
    changes = cells.sync(nb, "hw1", HW1)
    assert len(changes) == 2, changes
    test = nb.cells[_index(nb, "test_backtracking")]
    assert nbgrader_metadata(test)["points"] == 7
    assert test.source == 'check("test_backtracking", backtracking)'


def test_a_moved_test_cell_goes_back_under_its_solution():
    nb = _hw1()
    moved = nb.cells.pop(_index(nb, "test_optimal_step"))
    nb.cells.insert(0, moved)
    assert "test_optimal_step: moved to follow optimal_step" in cells.sync(nb, "hw1", HW1)
    assert _index(nb, "test_optimal_step") == _index(nb, "optimal_step") + 1


def test_a_deleted_solution_cell_is_made_again_from_the_declaration():
    nb = _hw1()
    del nb.cells[_index(nb, "spectral_norm")]
    assert cells.sync(nb, "hw1", HW1) == ["spectral_norm: solution cell added from the declaration"]
    assert [c.source for c in nb.cells] == [c.source for c in _hw1().cells]  # back where it was, as it was


def test_an_exercise_without_its_solution_cell_or_a_declared_solution_is_refused_naming_the_file(monkeypatch):
    declared = exercises.ASSIGNMENTS["hw1"]
    changed = [dataclasses.replace(e, solution=None) if e.grade_id == "test_spectral_norm" else e for e in declared]
    monkeypatch.setitem(exercises.ASSIGNMENTS, "hw1", changed)
    nb = _hw1()
    del nb.cells[_index(nb, "spectral_norm")]
    with pytest.raises(cells.DeclarationError, match=r"hw1\.ipynb: no solution cell with grade id 'spectral_norm'"):
        cells.sync(nb, "hw1", HW1)


def test_a_graded_cell_no_declaration_knows_is_refused():
    nb = _hw1()
    stray = nbformat.v4.new_code_cell("check('test_nothing', print)")
    stray.metadata["nbgrader"] = {"grade": True, "grade_id": "test_nothing", "points": 1, "solution": False}
    nb.cells.append(stray)
    with pytest.raises(cells.DeclarationError, match="'test_nothing' is declared in no exercise"):
        cells.sync(nb, "hw1", HW1)


def test_a_written_answer_must_be_markdown():
    nb = _hw1()
    at = _index(nb, "proof_line_search")
    nb.cells[at] = nbformat.v4.new_code_cell("proof = 1", metadata=nb.cells[at].metadata)
    with pytest.raises(cells.DeclarationError, match="must be a markdown cell"):
        cells.sync(nb, "hw1", HW1)


def test_sync_file_writes_back_only_a_changed_notebook(tmp_path):
    path = tmp_path / "hw1.ipynb"
    nb = _hw1()
    nbformat.write(nb, path)
    before = path.read_bytes()
    assert cells.sync_file(path, "hw1") == []
    assert path.read_bytes() == before
    del nb.cells[_index(nb, "test_spectral_norm")]
    nbformat.write(nb, path)
    assert cells.sync_file(path, "hw1") == [f"{path}: test_spectral_norm: test cell added after spectral_norm"]
    assert cells.sync_file(path, "hw1") == []


def test_every_grade_id_is_declared_once_and_every_assignment_has_a_folder():
    ids = [e.grade_id for es in exercises.ASSIGNMENTS.values() for e in es]
    assert len(ids) == len(set(ids))
    assert set(exercises.ASSIGNMENTS) == {p.name for p in (ROOT / "autograder" / "source").iterdir() if p.is_dir()}
