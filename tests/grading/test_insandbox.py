"""The in-sandbox package as the grader ships it: copied whole into a job folder, it runs from
there alone, on the standard library, NumPy, IPython and the checker beside it."""
from __future__ import annotations

import ast
import json
import shutil
import sys
from pathlib import Path

import numpy as np

from dlcourse.grading import checker, sandbox
from dlcourse.grading.grader import INSANDBOX
from dlcourse.grading.insandbox.protocol import read_status

ALLOWED = {"numpy", "IPython", "traitlets", "hwcheck"}  # besides the standard library


def test_the_package_imports_nothing_of_the_instructor_s_code():
    """Nothing in it names dlcourse: in the sandbox it is not there, and it must not need to be."""
    for path in sorted(INSANDBOX.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in ALLOWED or top in sys.stdlib_module_names, f"{path.name} imports {name}"


def _job(folder: Path, cells: list[dict], x: np.ndarray) -> Path:
    shutil.copytree(INSANDBOX, folder / INSANDBOX.name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(checker.__file__, folder / "hwcheck.py")
    (folder / "inputs.bin").write_bytes(x.tobytes())
    case = {"function": "f", "args": [{"name": "x", "dtype": x.dtype.str, "shape": list(x.shape), "offset": 0}]}
    (folder / "job.json").write_text(json.dumps({"cells": cells, "cases": [case], "cell_timeout": 1,
                                                 "case_timeout": 5, "library": None}))
    return folder


def test_a_job_runs_from_its_own_copy_of_the_package(tmp_path):
    cells = [{"id": "where", "source": "import sys\nprint(sys.modules['insandbox.cells'].__file__)"},
             {"id": "f", "source": "def f(x):\n    return 2 * x"},
             {"id": "loop", "source": "while True:\n    pass"},
             {"id": "exit", "source": "import os\nos._exit(4)"}]
    job = _job(tmp_path / "job", cells, np.array([1.0, 2.0]))
    run = sandbox.run(job, f"{INSANDBOX.name}/launch.py", sandbox.Limits(wall_seconds=60), sandboxed=False)
    assert run.returncode == 0, run.stdout
    assert run.stdout.strip() == str(job / "insandbox" / "cells.py")  # the job's copy, not the grader's
    status = read_status(run.results, {c["id"] for c in cells})
    assert status["cells"] == {"where": None, "f": None,
                               "loop": "TimeoutError: the cell ran past 1 s and was stopped",
                               "exit": "ProcessEnded: the cell ended its process (exit status 4); "
                                       "the cells after it still ran"}
    assert checker.decode(status["cases"][0][0]).tolist() == [2.0, 4.0]
