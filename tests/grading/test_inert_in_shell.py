"""The inert-cell analyser inside the sandbox (``dlcourse.grading.insandbox.inert``), in process: which cells may run
without a fork (none that can loop or end its process), and none once the notebook hooks into
the shell."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from dlcourse.grading.insandbox import cells as insandbox_cells
from dlcourse.grading.insandbox import inert


@pytest.fixture(scope="module")
def shell():
    """The runner's IPython shell (one per process: IPython's shell is a singleton)."""
    return insandbox_cells.new_shell()


@pytest.mark.parametrize("source, unforked", [
    ("def f(x: np.ndarray, k: int = -1, *, mode: 'str' = ('a', None)) -> np.ndarray:\n    while True:\n"
     "        pass", True),
    ("import numpy as np\nfrom numpy import linalg\n'notes'\nSEED = 0\npass", True),
    ("@functools.cache\ndef f(x):\n    return x", False),  # a decorator runs when the function is defined
    ("def f(x=make_default()):\n    return x", False),  # and so does a default
    ("def f(x=10 ** 10 ** 10):\n    return x", False),
    ("def f(x) -> tuple[int, int] | None:\n    return x", False),  # [] and | may run a class's code
    ("x = data[0]", False),  # so may indexing,
    ("x = np.pi", False),  # an attribute (a property, a lazy loader)
    ("def f(x: ShellHolder.prop):\n    return x", False),
    ("from a_fake_module import x", False),  # and importing from what is not a module
    ("dropped = 1", False),  # a name whose value has a __del__
    ("dropped_number = 1", False),  # even a number's
    ("a_number = 1\ndef a_function():\n    pass", True),
    ("import a_module_nobody_loaded", False),
    ("%timeit 1", False),
    ("print('hi')", False),
    ("class A:\n    pass", False),
    ("for i in range(3):\n    pass", False),
    ("def f(:", False),  # the run reports the syntax error
])
def test_only_a_cell_that_can_neither_loop_nor_end_its_process_runs_without_a_fork(shell, source, unforked,
                                                                                   monkeypatch):
    class WithDel:
        def __del__(self):
            pass

    class NumberWithDel(int):
        def __del__(self):
            pass

    monkeypatch.setitem(shell.user_ns, "dropped_number", NumberWithDel(3))
    monkeypatch.setitem(shell.user_ns, "a_number", 3)
    defined: dict = {}
    exec("def a_function():\n    pass", shell.user_ns, defined)  # as a cell defines it: the notebook's globals
    monkeypatch.setitem(shell.user_ns, "a_function", defined["a_function"])
    monkeypatch.setitem(shell.user_ns, "np", np)  # as an earlier cell imported it
    monkeypatch.setitem(shell.user_ns, "dropped", WithDel())
    monkeypatch.setitem(shell.user_ns, "ShellHolder", WithDel)
    monkeypatch.setitem(sys.modules, "a_fake_module", WithDel())
    assert inert.cannot_stop(source, shell, inert.Baseline(shell)) is unforked


def test_every_cell_runs_in_a_fork_once_the_notebook_has_hooked_into_the_shell(shell):
    baseline = inert.Baseline(shell)
    callback = print
    shell.events.register("post_run_cell", callback)
    try:
        assert not inert.cannot_stop("def f(x):\n    return x", shell, baseline)
    finally:
        shell.events.unregister("post_run_cell", callback)
    assert inert.cannot_stop("def f(x):\n    return x", shell, baseline)
