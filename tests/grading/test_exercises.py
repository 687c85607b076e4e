"""The exercise declarations (dlcourse/grading/exercises/): every instructor solution passes
every case of its exercise, visible, edge and hidden alike, run in-process in milliseconds (the
sandboxed end-to-end versions are in test_grader.py); the visible cases a student gets teach
something (two or more, one not degenerate, the worked examples among them); every known mistake
fails a visible case of the shipped kit, which names it, and points to a place the book has."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse.grading import cases, checker, grader, kit
from dlcourse.grading.exercises import ASSIGNMENTS, SPECS, wrong_answers
from dlcourse.grading.notebook import nbgrader_metadata

ROOT = Path(__file__).resolve().parents[2]


def _solution(spec) -> str:
    """The instructor's solution cell of the exercise, markers removed."""
    assignment = next(a for a, es in ASSIGNMENTS.items() if spec in es)
    nb = nbformat.read(ROOT / "autograder" / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if nbgrader_metadata(c).get("grade_id") == spec.function)
    return re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", "", cell.source, flags=re.M)


@pytest.mark.parametrize("grade_id", sorted(SPECS))
def test_the_instructors_solution_passes_every_case(grade_id):
    spec = SPECS[grade_id]
    namespace = {"np": np}
    exec(_solution(spec), namespace)
    answer = namespace[spec.function]
    chosen = cases.visible_cases(spec) + cases.hidden_cases(spec, b"a fixed secret for these tests", "hw", "s")
    assert len(chosen) == len(spec.visible_seeds) + len(spec.visible_edges) + len(spec.edge_cases) + spec.random_cases
    for case in chosen:
        inputs = cases.inputs(spec, case)
        values = checker.as_outputs(answer(**spec.arguments(inputs)), spec.outputs, spec.function)
        problems = grader.check_outputs(spec, inputs, [checker.encode(values[k]) for k in spec.outputs])
        assert problems == [], f"{grade_id}, {case.name}: {problems}"


def test_every_edge_case_is_named_and_drawn_the_same_each_time():
    for spec in SPECS.values():
        for name, make in spec.edge_cases.items():
            assert name.strip(), spec.grade_id
            first, again = make(np.random.default_rng(1)), make(np.random.default_rng(1))
            assert set(first) == set(spec.make_inputs(np.random.default_rng(1), 0)), (spec.grade_id, name)
            for key in first:
                np.testing.assert_array_equal(first[key], again[key])



# ------------------------------------------------------------------ what the visible cases teach
def _shapes(spec, chosen) -> list[dict[str, tuple]]:
    return [{k: np.shape(v) for k, v in cases.inputs(spec, c).items()} for c in chosen]


def _degenerate(inputs: dict, always_one: set[str], always_symmetric: set[str]) -> bool:
    """A batch of 1 where the exercise has batches, or a square matrix that is 1 x 1 or
    symmetric where the exercise's matrices are not all so."""
    for k, v in inputs.items():
        v = np.asarray(v)
        if v.ndim and v.shape[0] == 1 and k not in always_one:
            return True
        if v.ndim == 2 and v.shape[0] == v.shape[1] and np.allclose(v, v.T) and k not in always_symmetric:
            return True
    return False


@pytest.mark.parametrize("grade_id", sorted(SPECS))
def test_two_visible_cases_or_more_one_of_them_not_degenerate(grade_id):
    spec = SPECS[grade_id]
    visible = cases.visible_cases(spec)
    assert len(visible) >= 2, f"{grade_id}: {len(visible)} visible case(s)"
    every = [cases.inputs(spec, c) for c in visible + cases.hidden_cases(spec, b"a fixed secret", "hw", "s")]
    always_one = {k for k in every[0] if all(np.ndim(x[k]) and np.shape(x[k])[0] == 1 for x in every)}
    always_symmetric = {k for k in every[0] if all(np.ndim(x[k]) == 2 and np.shape(x[k])[0] == np.shape(x[k])[1]
                                                  and np.allclose(x[k], np.transpose(x[k])) for x in every)}
    shown = [cases.inputs(spec, c) for c in visible]
    assert not all(_degenerate(x, always_one, always_symmetric) for x in shown), \
        f"{grade_id}: every visible case is degenerate: {_shapes(spec, visible)}"


def test_the_syllabus_worked_examples_are_visible_cases_and_still_graded_hidden():
    examples = {"test_two_branch_backward": "the worked example of the syllabus",
                "test_mlp_param_count": "syllabus 10: input 20, five hidden layers of 10, one output"}
    for grade_id, name in examples.items():
        spec = SPECS[grade_id]
        assert name in [c.edge for c in cases.visible_cases(spec)], grade_id
        assert name in [c.edge for c in cases.hidden_cases(spec, b"a fixed secret", "hw", "s")], grade_id
    for spec in SPECS.values():
        assert set(spec.visible_edges) <= set(spec.edge_cases), spec.grade_id


# ------------------------------------------------------------------ the known mistakes, in the shipped kit
def _owner(spec) -> str:
    return next(a for a, es in ASSIGNMENTS.items() if spec in es)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> dict:
    """Each assignment's kit as ``dlcourse release`` writes it (hwcheck.py and the cases file),
    its checker imported from there as a student's notebook imports it."""
    course = tmp_path_factory.mktemp("course")
    kits = {}
    for assignment in ASSIGNMENTS:
        (course / "source" / assignment).mkdir(parents=True)
        helper, data = kit.write_kit(course, assignment)
        found = importlib.util.spec_from_file_location(f"hwcheck_{assignment}", helper)
        module = importlib.util.module_from_spec(found)
        found.loader.exec_module(module)
        kits[assignment] = (module, data.read_text())
    return kits


def test_every_autograded_exercise_declares_a_known_mistake_and_the_kit_holds_none_of_their_code(shipped):
    assert [g for g, spec in SPECS.items() if not spec.wrong_answers] == []
    for _, text in shipped.values():
        assert "def " not in text
        assert "return " not in text


@pytest.mark.parametrize("name", sorted(wrong_answers()))
def test_every_known_mistake_fails_a_visible_case_of_the_shipped_kit_which_names_it(name, shipped):
    spec, mistake = wrong_answers()[name]
    namespace = {"np": np}
    exec(mistake.code, namespace)
    hwcheck, _ = shipped[_owner(spec)]
    with pytest.raises(AssertionError) as failed:
        hwcheck.check(spec.grade_id, namespace[spec.function])
    assert checker.known_mistake(mistake.says, mistake.see) in str(failed.value), str(failed.value)


@pytest.mark.parametrize("grade_id", sorted(SPECS))
def test_the_solution_passes_the_shipped_kit_and_is_named_no_mistake(grade_id, shipped, capsys):
    spec = SPECS[grade_id]
    namespace = {"np": np}
    exec(_solution(spec), namespace)
    shipped[_owner(spec)][0].check(grade_id, namespace[spec.function])
    assert "visible case(s) passed" in capsys.readouterr().out


def _book_anchors() -> dict[str, tuple[int, str]]:
    """Every label of the chapters: label -> (chapter, how the book shows it). An equation is
    numbered in its page's order, as the site numbers them; a section is named by its title."""
    found = {}
    for page in sorted((ROOT / "book").glob("[0-9][0-9]-*/*.md")):
        chapter, equations = int(page.parent.name[:2]), 0
        for line in page.read_text().splitlines():
            if m := re.search(r"\$\$\s*\((eq-[\w-]+)\)\s*$", line):
                equations += 1
                found[m.group(1)] = (chapter, f"chapter {chapter}, Eq. ({equations})")
            elif m := re.match(r"^\(([\w-]+)\)=\s*$", line):
                found[m.group(1)] = (chapter, f"chapter {chapter}, section")
    return found


@pytest.mark.parametrize("name", sorted(wrong_answers()))
def test_every_known_mistake_says_what_it_is_and_points_to_a_place_the_book_has(name):
    _, mistake = wrong_answers()[name]
    assert mistake.says.strip()
    assert "\n" not in mistake.says
    anchors = _book_anchors()
    assert mistake.anchor in anchors, f"{name}: no label ({mistake.anchor})= in book/"
    _, shown = anchors[mistake.anchor]
    if mistake.anchor.startswith("eq-"):
        assert mistake.see == shown, f"{name}: the book shows {mistake.anchor} as {shown!r}"
    else:
        assert mistake.see.startswith(shown + " "), f"{name}: {mistake.anchor} is in {shown}"
