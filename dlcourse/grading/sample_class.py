"""A synthetic class for demos, tests and benchmarks: N submissions made from the
instructor's notebook, honest, partly wrong, broken and hostile, in nbgrader's
``submitted/<student>/<assignment>/`` layout.

Every kind says what it should score, so the tests can hold the grader to it.
"""
from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

# wrong solutions, each aimed at exactly one test cell: kind -> (solution grade id, code, test it fails).
# Most are the mistakes the syllabus warns about.
WRONG = {
    # hw1
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
    # hw2
    "quadratic_form_assumes_symmetric": ("grad_quadratic_form", "def grad_quadratic_form(A, x):\n"
                                         "    return (2 * A @ x).reshape(1, -1), np.outer(x, x)",
                                         "test_grad_quadratic_form"),
    "inverse_derivative_sign": ("inverse_derivative", "def inverse_derivative(A, dA):\n"
                                "    inv = np.linalg.inv(A)\n    return inv @ dA @ inv", "test_inverse_derivative"),
    "newton_step_sign": ("newton_iterates", "def newton_iterates(coeffs, x0, n_steps):\n    d = np.polyder(coeffs)\n"
                         "    xs = [float(x0)]\n    for _ in range(int(n_steps)):\n"
                         "        xs.append(xs[-1] + np.polyval(coeffs, xs[-1]) / np.polyval(d, xs[-1]))\n"
                         "    return np.array(xs)", "test_newton_iterates"),
    # hw3
    "adamax_rule_of_seed_002": ("adamax_step", "def adamax_step(p, g, m, u, t, lr):\n    m = 0.9 * m + 0.1 * g\n"
                                "    u = np.maximum(0.999 * u, 0.001 * np.abs(g))\n"
                                "    return p - lr / (1 - 0.9**t) * m / (u + 1e-7), m, u", "test_adamax_step"),
    "bias_correction_forgotten": ("second_moments", "def second_moments(g, beta2):\n    v = np.zeros_like(g)\n"
                                  "    prev = 0 * g[0]\n    for i, gt in enumerate(g):\n"
                                  "        prev = beta2 * prev + (1 - beta2) * gt**2\n        v[i] = prev\n"
                                  "    return v, v", "test_second_moments"),
    "momentum_pytorch_style": ("momentum_step", "def momentum_step(p, g, v, lr, momentum, nesterov):\n"
                               "    v = momentum * v + g\n    return p - lr * v, v", "test_momentum_step"),
    "two_branch_gradient_to_both": ("two_branch_backward", "def two_branch_backward(x, y, W1, W21, W22):\n"
                                    "    y = np.asarray(y, dtype=int)\n    n = len(x)\n    pre1 = x @ W1.T\n"
                                    "    l1 = np.maximum(pre1, 0)\n    pre21 = l1 @ W21.T\n"
                                    "    l21 = np.maximum(pre21, 0)\n    l22 = 1 / (1 + np.exp(-(l1 @ W22.T)))\n"
                                    "    z = np.maximum(l21, l22)\n    e = np.exp(z - z.max(1, keepdims=True))\n"
                                    "    dz = e / e.sum(1, keepdims=True)\n    dz[np.arange(n), y] -= 1\n    dz /= n\n"
                                    "    d21 = dz * (pre21 > 0)\n    d22 = dz * l22 * (1 - l22)\n"
                                    "    d1 = (d21 @ W21 + d22 @ W22) * (pre1 > 0)\n"
                                    "    return d1.T @ x, d21.T @ l1, d22.T @ l1", "test_two_branch_backward"),
    "sigmoid_constant_one": ("lipschitz_bound", "def lipschitz_bound(W1, W2, W3):\n"
                             "    return np.prod([np.linalg.norm(W, 2) for W in (W1, W2, W3)])", "test_lipschitz_bound"),
    "parameters_without_biases": ("mlp_param_count", "def mlp_param_count(sizes):\n"
                                  "    return int(sum(a * b for a, b in zip(sizes[:-1], sizes[1:])))",
                                  "test_mlp_param_count"),
    "sigmoid_unit_without_decay": ("sigmoid_unit_step", "def sigmoid_unit_step(w, b, x, t, lam, lr):\n"
                                   "    y = 1 / (1 + np.exp(-(w * x + b)))\n    d = (y - t) * y * (1 - y)\n"
                                   "    return d * x, d, w - lr * d * x, b - lr * d", "test_sigmoid_unit_step"),
    "gradient_summed_not_averaged": ("train_mlp", "def train_mlp(X, y, W1, b1, W2, b2, lr, epochs):\n"
                             "    y = np.asarray(y, dtype=int)\n    n, losses = len(X), []\n"
                             "    for _ in range(int(epochs)):\n        hp = X @ W1 + b1\n        h = np.maximum(hp, 0)\n"
                             "        s = h @ W2 + b2\n        s = s - s.max(1, keepdims=True)\n"
                             "        lp = s - np.log(np.exp(s).sum(1, keepdims=True))\n"
                             "        losses.append(-lp[np.arange(n), y].mean())\n        ds = np.exp(lp)\n"
                             "        ds[np.arange(n), y] -= 1\n        dh = ds @ W2.T * (hp > 0)\n"
                             "        W1, b1, W2, b2 = W1 - lr * X.T @ dh, b1 - lr * dh.sum(0), W2 - lr * h.T @ ds, "
                             "b2 - lr * ds.sum(0)\n    return np.array(losses), W1, b1, W2, b2", "test_train_mlp"),
}


def wrong_kinds(source_nb) -> list[str]:
    """The kinds of WRONG whose solution cell this notebook has."""
    ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in source_nb.cells}
    return [kind for kind, (gid, _, _) in WRONG.items() if gid in ids]


# extra cells added to an honest notebook: each breaks one thing, and costs at most that
BREAKERS = {
    "infinite_loop_cell": "while True:\n    pass",
    "memory_bomb_cell": "hog = bytearray(50 * 1024**3)",
    "fork_bomb_cell": "import os\nwhile True:\n    os.fork()",
    "huge_output_cell": "for _ in range(2_000_000):\n    print('x' * 50)",
    "kill_the_grader_cell": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)",
    "sys_exit_cell": "import sys\nsys.exit(3)",
    "os_exit_cell": "import os\nos._exit(0)",
    "interpreter_crash_cell": "import ctypes\nctypes.string_at(0)",
    # files just under the per-file limit, until every writable place is full
    "disk_filler_cell": "import os\nchunk = b'0' * (1 << 20)\nfor folder in ('.', '/tmp', '/dev/shm'):\n"
                        "    for i in range(10_000):\n        try:\n"
                        "            with open(os.path.join(folder, f'fill{i}'), 'wb') as fh:\n"
                        "                for _ in range(60):\n                    fh.write(chunk)\n"
                        "        except OSError:\n            break",
}

# what an honest notebook holds that plain Python does not: magics, shell escapes, display
IPYTHON_CELLS = ["%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
                 "%time total = sum(range(1000))", "%timeit -n 3 -r 1 sum(range(100))", "!echo shell escapes run too",
                 "%load_ext autoreload\n%autoreload 2", "display({'a': 1})\nget_ipython().run_line_magic('who', '')"]

# submissions that are not a plain file in the student's own folder: refused, whatever they point at
LINKS = ["symlink_to_answer_key", "linked_assignment_folder", "hardlink_to_answer_key", "fifo_notebook"]

# cheats added to the student version (no solutions): none may gain a point
CHEATS = {
    "patch_numpy": "import numpy\nnumpy.allclose = lambda *a, **k: True\nnumpy.isclose = lambda a, b, **k: numpy.ones_like(a, bool)",
    "patch_builtins": "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.AssertionError = type('Nope', (Exception,), {})",
    "input_transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
    "fake_results": "import json, os\nfake = {'status': 'ok', 'outputs': []}\nfor fd in range(3, 64):\n"
                    "    for case in range(200):\n        try:\n"
                    "            os.write(fd, (json.dumps({'case': case, **fake}) + '\\n').encode())\n"
                    "        except OSError:\n            break\nprint('All tests passed! 18/18')",
    # the answer key, if the grader's machine let the student's code reach it
    "use_the_reference": "try:\n    from dlcourse.layers import affine_backward as reference\n\n"
                         "    def affine_backward(dout, x, w):\n        dx, grads = reference(dout, (x, w))\n"
                         "        return dx, grads['w'], grads['b']\nexcept ImportError:\n    pass",
    # forged results claiming enormous arrays: the grader must refuse them before inflating anything
    "result_bomb": "import json, os\nhuge = {'dtype': '<f8', 'shape': [1 << 40], 'data': 'AAAA' * 1000}\n"
                   "for fd in range(3, 64):\n    for case in range(60):\n        try:\n"
                   "            outputs = [huge] * (1 + case % 5)\n"
                   "            os.write(fd, (json.dumps({'case': case, 'status': 'ok', 'outputs': outputs})"
                   " + '\\n').encode())\n        except OSError:\n            break",
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


def with_ipython(source_nb) -> nbformat.NotebookNode:
    """An honest notebook written as in Jupyter: magics, shell escapes, display, and each answer
    cell timed with the %%time cell magic."""
    nb = honest(source_nb)
    for c in nb.cells:
        if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution"):
            c.source = "%%time\n" + c.source
    for k, src in enumerate(IPYTHON_CELLS):
        _add_cell(nb, src, at=3 + k)
    return nb


def class_kinds(source_nb) -> list[str]:
    """One class's worth of kinds for this notebook, in the order make() cycles through them."""
    return (["honest"] * 4 + ["honest_ipython", "restructured", "student_version"] + wrong_kinds(source_nb)
            + list(BREAKERS) + list(CHEATS) + list(CORRUPT) + LINKS + ["renamed_notebook"])


def _link(kind: str, answer_key: Path, folder: Path, target: Path) -> None:
    """The submission ``kind`` of LINKS, pointing at the instructor's source notebook (made
    again from scratch on a second run, never written through)."""
    if folder.is_symlink():
        folder.unlink()
    elif os.path.lexists(target):
        target.unlink()
    if kind == "symlink_to_answer_key":
        target.symlink_to(answer_key.resolve())
    elif kind == "linked_assignment_folder":
        if folder.exists():
            folder.rmdir()
        folder.symlink_to(answer_key.parent.resolve(), target_is_directory=True)
    elif kind == "hardlink_to_answer_key":
        os.link(answer_key, target)
    else:
        os.mkfifo(target)


def make(course: Path, assignment: str, n: int, notebook_name: str | None = None) -> list[Student]:
    """Writes n submissions (kinds cycled) and returns who is who."""
    course = Path(course)
    src_path = (course / "source" / assignment / notebook_name) if notebook_name else \
        sorted((course / "source" / assignment).glob("*.ipynb"))[0]
    source = nbformat.read(src_path, as_version=4)
    release_path = course / "release" / assignment / src_path.name
    student_version = nbformat.read(release_path, as_version=4) if release_path.exists() else None
    kinds = class_kinds(source)
    students = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        name = f"student{i:04d}"
        folder = course / "submitted" / name / assignment
        if folder.is_symlink():  # left by linked_assignment_folder
            folder.unlink()
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
        elif kind == "honest_ipython":
            nb = with_ipython(source)
        elif kind in CORRUPT:
            target.write_bytes(CORRUPT[kind])
            students.append(Student(name, kind, "zero"))
            continue
        elif kind in LINKS:
            _link(kind, src_path, folder, target)
            students.append(Student(name, kind, "zero"))
            continue
        else:  # renamed: the expected file is missing
            nbformat.write(honest(source), folder / "my_homework.ipynb")
            students.append(Student(name, kind, "zero"))
            continue
        nbformat.write(nb, target)
        students.append(Student(name, kind, expected))
    return students
