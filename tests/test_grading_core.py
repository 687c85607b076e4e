"""The grading core without a sandbox: reading notebooks and the runner's stream, and the
checker students receive. Fast: no process, no cluster."""
from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest

from dlcourse.grading import checker, notebook
from dlcourse.grading.grader import read_status


def _notebook_bytes(**changes) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("def f(x):\n    return x")]
    nb.cells[0].metadata["nbgrader"] = {"grade_id": "f", "solution": True}
    data = json.loads(nbformat.writes(nb))
    for key, value in changes.items():
        data["cells"][0][key] = value
    return json.dumps(data).encode()


def test_a_byte_order_mark_does_not_cost_the_notebook():
    nb = notebook.read("hw.ipynb", b"\xef\xbb\xbf" + _notebook_bytes())
    assert notebook.code_to_run(nb, set())[0]["source"].startswith("def f")


def test_a_cell_slightly_off_the_schema_is_still_graded():
    nb = notebook.read("hw.ipynb", _notebook_bytes(execution_count="seven", outputs=[{"transient": {}}]))
    assert [c["id"] for c in notebook.code_to_run(nb, set())] == ["f"]


def test_a_notebook_without_readable_cells_is_refused_with_its_name():
    with pytest.raises(notebook.SubmissionError, match="hw.ipynb: (invalid|not a readable) notebook"):
        notebook.read("hw.ipynb", _notebook_bytes(source=[1, 2]))


def test_a_grade_id_that_is_not_a_string_counts_as_none():
    data = json.loads(_notebook_bytes())
    data["cells"][0]["metadata"]["nbgrader"]["grade_id"] = ["not", "hashable"]
    nb = notebook.read("hw.ipynb", json.dumps(data).encode())
    assert [c["id"] for c in notebook.code_to_run(nb, {"test_f"})] == ["cell-1"]


def test_the_runner_stream_ignores_forged_cells_and_keeps_the_first_word_on_each():
    lines = [{"cell": "nowhere", "status": "error", "error": "planted text"},
             {"cell": ["unhashable"], "status": "error"},
             {"cell": "f", "status": "error", "error": "NameError"},
             {"cell": "f", "status": "ok"},
             {"case": 0, "status": "ok", "outputs": []},
             {"case": 0, "status": "error", "error": "later"}]
    data = b"\n".join(json.dumps(r).encode() for r in lines) + b"\nnot json\n[1, 2]\n"
    status = read_status(data, {"f"})
    assert status["cells"] == {"f": "NameError"}
    assert status["cases"] == {0: []}


@pytest.mark.parametrize("value", [np.array([1 + 0j, 2 + 0j]), np.longdouble(2.5), [1, 2], True, np.float32(0.5)])
def test_real_values_of_any_numeric_type_are_accepted(value):
    assert checker.as_real(value).dtype == np.float64


@pytest.mark.parametrize("value", [np.array([1 + 1j]), "text", None, np.array([{}])])
def test_values_that_are_not_real_numbers_are_refused(value):
    with pytest.raises(ValueError):
        checker.as_real(value)


def test_a_decoded_array_is_bounded_before_its_data_is_read():
    huge = {"dtype": "<f8", "shape": [1 << 40], "data": "AAAA"}
    with pytest.raises(ValueError, match="more than the 12"):
        checker.decode(huge, max_elements=12)
    assert checker.decode(checker.encode(np.arange(6.0).reshape(2, 3))).shape == (2, 3)


def test_the_comparison_names_the_worst_entry_but_no_expected_value():
    got = {"dx": np.array([1.0, 2.0, 3.5])}
    expected = {"dx": np.array([1.0, 2.0, 3.0])}
    [message] = checker.compare(got, expected, rtol=1e-6, atol=1e-8)
    assert "1 of 3 entries differ" in message
    assert "index (2,)" in message
    assert "3.0" not in message.replace("3.5", "")
