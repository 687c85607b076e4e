"""What of a notebook its graded functions need (``needed.py``): the statements that still run
once the cells' time is spent, and that run again when a cell is stopped at its limit."""
from __future__ import annotations

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from dlcourse.grading.insandbox import needed
from dlcourse.grading.notebook import is_kept_test_cell

TRANSFORM = TransformerManager().transform_cell

CELLS = [
    "import numpy as np\nimport matplotlib.pyplot as plt\nSCALE = 2.0\nlosses = []",
    "def conv(x, w):\n    cols = _im2col(x, w.shape[0])\n    return SCALE * cols @ w.reshape(-1)",
    "for epoch in range(100):\n    losses.append(train(epoch))\nplt.plot(losses)",
    "x = np.ones((4, 4))\nprint(conv(x, np.ones((2, 2))))",
    "def _im2col(x, k):\n    rows = [x[i:i + k].ravel() for i in range(len(x) - k + 1)]\n    return np.array(rows)\n"
    "history = [train(e) for e in range(10)]",
]


def _plan(cells=CELLS, graded=("conv",)):
    parsed = [needed.statements(c, TRANSFORM) for c in cells]
    return parsed, needed.needed(parsed, graded)


def test_a_graded_function_needs_its_helpers_constants_and_imports_wherever_they_sit():
    parsed, names = _plan()
    assert {"conv", "_im2col", "SCALE", "np"} <= names
    assert not {"losses", "train", "plt", "x", "history", "cols", "rows", "k", "w"} & names  # locals and exploration


def test_only_the_statements_that_bind_a_needed_name_run_again():
    parsed, names = _plan()
    source, kept = needed.definitions(parsed[4], names)
    assert kept == ["_im2col"]
    assert "def _im2col" in source
    assert "train" not in source
    assert needed.definitions(parsed[2], names) == ("", [])  # exploration: nothing the tests need
    assert needed.definitions(parsed[3], names) == ("", [])
    source, kept = needed.definitions(parsed[0], names)
    assert kept == ["SCALE", "np"]
    assert "matplotlib" not in source
    assert "losses" not in source


def test_a_cell_all_of_which_the_tests_need_is_whole():
    parsed, names = _plan()
    assert [needed.whole(p, names) for p in parsed] == [False, True, False, False, False]


def test_a_cell_timed_with_a_cell_magic_still_defines_its_function():
    parsed, names = _plan(["%%time\ndef conv(x):\n    return x\nslow()"], ["conv"])
    source, kept = needed.definitions(parsed[0], names)
    assert kept == ["conv"]
    assert "slow" not in source


def test_a_line_magic_and_a_shell_escape_bind_nothing_and_a_broken_cell_is_no_definition():
    parsed, names = _plan(["%timeit conv(1)\n!ls", "def conv(:", "def conv(x):\n    return x"], ["conv"])
    assert [needed.definitions(p, names)[1] for p in parsed] == [[], [], ["conv"]]


def test_a_changed_global_counts_and_a_comprehension_s_variable_does_not():
    parsed, names = _plan(["TABLE = {}\nTABLE['a'] = 1\n[i for i in range(3)]", "def f():\n    return TABLE"],
                          ["f"])
    source, kept = needed.definitions(parsed[0], names)
    assert kept == ["TABLE"]
    assert source.count("TABLE") == 2
    assert "range" not in source
    assert "i" not in names


def test_a_global_declared_in_a_function_is_not_its_local():
    parsed, names = _plan(["def f():\n    global COUNT\n    COUNT = COUNT + 1\n    return COUNT", "COUNT = 0"],
                          ["f"])
    assert "COUNT" in names
    assert needed.definitions(parsed[1], names)[1] == ["COUNT"]


def test_a_star_import_is_kept_it_may_define_anything():
    parsed, names = _plan(["from math import *\nprint(pi)", "def f():\n    return sqrt(2)"], ["f"])
    source, kept = needed.definitions(parsed[0], names)
    assert kept == ["math.*"]
    assert "from math import *" in source
    assert "print" not in source


@pytest.mark.parametrize(("source", "kept"), [
    ('check("test_f", f)', True),
    ('check("test_f", f)\n', True),
    ('check("test_g", f)', False),  # no such test: the student's own call
    ('check("test_f", f)\ndef f():\n    return 1', False),  # a definition too: it runs
    ('check("test_f", f, 3)', False),
    ('check("test_f", lambda: 1)', False),
    ('hwcheck.check("test_f", f)', False),
    ("def check(a, b):\n    pass", False),
    ("print(1)", False),
    ("%%time\ncheck('test_f', f)", False),
])
def test_a_kept_test_cell_is_recognised_by_its_one_check_call(source, kept):
    assert is_kept_test_cell(source, {"test_f"}) is kept
