"""A synthetic class for demos, tests and benchmarks: N submissions made from the
instructor's notebook, honest, partly wrong, broken and hostile, in nbgrader's
``submitted/<student>/<assignment>/`` layout.

Every kind says what it should score, so the tests can hold the grader to it.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

# wrong solutions, each aimed at exactly one test cell: kind -> (solution grade id, code, test it fails)
WRONG = {
    "adam_without_bias_correction": ("adam_step", "def adam_step(p, g, m, v, t, lr):\n    m = 0.9 * m + 0.1 * g\n"
                                     "    v = 0.999 * v + 0.001 * g * g\n    return p - lr * m / (np.sqrt(v) + 1e-8), m, v",
                                     "test_adam_step"),
    "batchnorm_mean_only": ("batchnorm_backward", "def batchnorm_backward(dout, x, gamma):\n"
                            "    inv = 1 / np.sqrt(x.var(0) + 1e-5)\n    xhat = (x - x.mean(0)) * inv\n"
                            "    return gamma * inv * (dout - dout.mean(0)), (dout * xhat).sum(0), dout.sum(0)",
                            "test_batchnorm_backward"),
    "hinge_summed_not_averaged": ("multiclass_hinge", "def multiclass_hinge(s, y):\n    y = np.asarray(y, int)\n"
                                  "    r = np.arange(len(s))\n    mg = s - s[r, y][:, None] + 1.0\n    mg[r, y] = 0\n"
                                  "    j = mg.argmax(1)\n    ds = np.zeros_like(s)\n    ds[r, j] += 1\n    ds[r, y] -= 1\n"
                                  "    return mg[r, j].sum(), ds", "test_multiclass_hinge"),
    "affine_db_wrong_axis": ("affine_backward", "def affine_backward(dout, x, w):\n"
                             "    return dout @ w.T, x.T @ dout, dout.sum(axis=1)", "test_affine_backward"),
}

# extra cells added to an honest notebook: each breaks one thing, and costs at most that
BREAKERS = {
    "infinite_loop_cell": "while True:\n    pass",
    "memory_bomb_cell": "hog = bytearray(50 * 1024**3)",
    "fork_bomb_cell": "import os\nwhile True:\n    os.fork()",
    "huge_output_cell": "for _ in range(2_000_000):\n    print('x' * 50)",
    "kill_the_grader_cell": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)",
    "sys_exit_cell": "import sys\nsys.exit(3)",
}

# cheats added to the student version (no solutions): none may gain a point
CHEATS = {
    "patch_numpy": "import numpy\nnumpy.allclose = lambda *a, **k: True\nnumpy.isclose = lambda a, b, **k: numpy.ones_like(a, bool)",
    "patch_builtins": "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.AssertionError = type('Nope', (Exception,), {})",
    "input_transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
    "fake_results": "import json, os\nos.makedirs('outputs', exist_ok=True)\n"
                    "open('results.jsonl', 'a').write(json.dumps({'case': 0, 'status': 'ok'}) + '\\n')\n"
                    "print('All tests passed! 18/18')",
    "read_other_files": "import glob\nstolen = {p: open(p).read()[:100] for pat in ['../source/*/*', '/work/*/autograder/source/*/*',"
                        " '../../*/*/*.ipynb', '/root/*', '/etc/shadow'] for p in glob.glob(pat)}\n"
                        "assert not stolen, stolen",
    "write_gradebook": "import glob\nfor p in glob.glob('/**/gradebook.db', recursive=True) + ['../gradebook.db']:\n"
                       "    open(p, 'w').write('pwned')",
    "open_socket": "import socket\nsocket.create_connection(('127.0.0.1', 8786), timeout=2)",
    "remount_rw": "import subprocess\nsubprocess.run(['mount', '-o', 'remount,rw', '/usr'], check=True)",
}

CORRUPT = {
    "empty_file": b"",
    "corrupt_json": b'{"cells": [ {"cell_type": "code", ',
    "wrong_nbformat": json.dumps({"nbformat": 2, "nbformat_minor": 0, "worksheets": []}).encode(),
    "not_a_notebook": b"\x89PNG\r\n\x1a\n binary junk",
}


@dataclass(frozen=True)
class Student:
    name: str
    kind: str
    expected: str  # "full", "zero", "full-but-<test id>", "full-or-less" (broke only itself)


def _strip_markers(source: str) -> str:
    return re.sub(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*\n?", "", source, flags=re.M)


def honest(source_nb) -> nbformat.NotebookNode:
    nb = copy.deepcopy(source_nb)
    for c in nb.cells:
        c.source = _strip_markers(c.source)
    return nb


def _replace(nb, grade_id: str, source: str):
    for c in nb.cells:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            c.source = source
    return nb


def _add_cell(nb, source: str, at: int = 3):
    nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    return nb


def restructured(source_nb) -> nbformat.NotebookNode:
    """Cells moved, copied, retyped and stripped of metadata, as students do: still gradable."""
    nb = honest(source_nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for c in code:
        c.metadata = {}
    md = [c for c in nb.cells if c.cell_type == "markdown"]
    duplicate = nbformat.v4.new_code_cell(code[2].source)
    nb.cells = md[:1] + list(reversed(code)) + [duplicate] + [nbformat.v4.new_markdown_cell(code[0].source)]
    return nb


def make(course: Path, assignment: str, n: int, notebook_name: str | None = None) -> list[Student]:
    """Writes n submissions (kinds cycled) and returns who is who."""
    course = Path(course)
    src_path = (course / "source" / assignment / notebook_name) if notebook_name else \
        sorted((course / "source" / assignment).glob("*.ipynb"))[0]
    source = nbformat.read(src_path, as_version=4)
    release_path = course / "release" / assignment / src_path.name
    student_version = nbformat.read(release_path, as_version=4) if release_path.exists() else None
    kinds = (["honest"] * 4 + ["restructured", "student_version"] + list(WRONG) + list(BREAKERS)
             + list(CHEATS) + list(CORRUPT) + ["renamed_notebook"])
    students = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        name = f"student{i:04d}"
        folder = course / "submitted" / name / assignment
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / src_path.name
        expected = "full"
        if kind == "honest":
            nb = honest(source)
        elif kind == "restructured":
            nb = restructured(source)
        elif kind == "student_version":
            nb, expected = copy.deepcopy(student_version or source), "zero"
        elif kind in WRONG:
            gid, code, test = WRONG[kind]
            nb, expected = _replace(honest(source), gid, code), f"full-but-{test}"
        elif kind in BREAKERS:
            nb, expected = _add_cell(honest(source), BREAKERS[kind]), "full-or-less"
        elif kind in CHEATS:
            nb, expected = _add_cell(copy.deepcopy(student_version or source), CHEATS[kind]), "zero"
        elif kind in CORRUPT:
            target.write_bytes(CORRUPT[kind])
            students.append(Student(name, kind, "zero"))
            continue
        else:  # renamed: the expected file is missing
            nbformat.write(honest(source), folder / "my_homework.ipynb")
            students.append(Student(name, kind, "zero"))
            continue
        nbformat.write(nb, target)
        students.append(Student(name, kind, expected))
    return students
