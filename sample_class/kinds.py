"""A synthetic class for demos, tests and benchmarks: N submissions made from the
instructor's notebook, honest, copied, partly wrong, broken and hostile, in nbgrader's
``submitted/<student>/<assignment>/`` layout.

Every kind says what it should score, so the tests can hold the grader to it.
"""
from __future__ import annotations

import ast
import copy
import io
import json
import os
import re
import secrets
import tokenize
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import nbformat

from dlcourse.grading.exercises import SPECS, wrong_answers
from dlcourse.grading.lateness import TIMESTAMP_FILE
from dlcourse.grading.notebook import nbgrader_metadata

# the known wrong answers of the exercise declarations, each aimed at exactly one test cell:
# name -> (the solution cell's grade id, the code, the test it fails)
WRONG = {name: (spec.function, mistake.code, spec.grade_id) for name, (spec, mistake) in wrong_answers().items()}


def wrong_kinds(source_nb) -> list[str]:
    """The kinds of WRONG whose solution cell this notebook has."""
    ids = {nbgrader_metadata(c).get("grade_id") for c in source_nb.cells}
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

# a forger's descriptors, every open one, the regular files first: the results channel is the one
# open file, and a write to one of the runner's pipes may end the notebook before the forgery lands
_FILES_FIRST = ("import os, stat\n\n\ndef is_file(fd):\n    try:\n        return stat.S_ISREG(os.fstat(fd).st_mode)\n"
                "    except OSError:\n        return False\n\n\n"
                "fds = [int(fd) for fd in os.listdir('/proc/self/fd') if int(fd) > 2]\n"
                "fds.sort(key=lambda fd: not is_file(fd))\n")

# cheats added to the student version (no solutions): none may gain a point
CHEATS = {
    "patch_numpy": "import numpy\nnumpy.allclose = lambda *a, **k: True\n"
                   "numpy.isclose = lambda a, b, **k: numpy.ones_like(a, bool)",
    "patch_builtins": "import builtins\nbuiltins.abs = lambda x: 0\n"
                      "builtins.AssertionError = type('Nope', (Exception,), {})",
    "input_transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
    "fake_results": _FILES_FIRST + "import json\nfake = {'status': 'ok', 'outputs': []}\nfor fd in fds:\n"
                    "    for case in range(200):\n        try:\n"
                    "            os.write(fd, (json.dumps({'case': case, **fake}) + '\\n').encode())\n"
                    "        except OSError:\n            break\nprint('All tests passed! 18/18')",
    # the answer key, if the grader's machine let the student's code reach it
    "use_the_reference": "try:\n    from dlcourse.layers import affine_backward as reference\n\n"
                         "    def affine_backward(dout, x, w):\n        dx, grads = reference(dout, (x, w))\n"
                         "        return dx, grads['w'], grads['b']\nexcept ImportError:\n    pass",
    # forged results claiming enormous arrays: the grader must refuse them before inflating anything
    "result_bomb": _FILES_FIRST + "import json\nhuge = {'dtype': '<f8', 'shape': [1 << 40], 'data': 'AAAA' * 1000}\n"
                   "for fd in fds:\n    for case in range(60):\n        try:\n"
                   "            outputs = [huge] * (1 + case % 5)\n"
                   "            os.write(fd, (json.dumps({'case': case, 'status': 'ok', 'outputs': outputs})"
                   " + '\\n').encode())\n        except OSError:\n            break",
    "read_other_files": "import glob\nstolen = {p: open(p).read()[:100] for pat in ['../source/*/*', "
                        "'/work/*/autograder/source/*/*', '../../*/*/*.ipynb', '/root/*', '/etc/shadow'] "
                        "for p in glob.glob(pat)}\n"
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
    copied_from: str = ""  # a copier's: the student whose notebook it copied


def _strip_markers(source: str) -> str:
    return re.sub(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*\n?", "", source, flags=re.MULTILINE)


def _written_answer(source: str) -> str:
    """What an honest student writes in an answer cell: the model answer, without the stub
    text before it or the rubric the instructor keeps in it."""
    answer = "\n".join(re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.S))
    return "\n".join(line for line in answer.splitlines() if not line.startswith("Rubric")).strip()


def honest(source_nb) -> nbformat.NotebookNode:
    nb = copy.deepcopy(source_nb)
    for c in nb.cells:
        meta = nbgrader_metadata(c)
        if c.cell_type == "markdown" and meta.get("solution") and "### BEGIN SOLUTION" in c.source:
            c.source = _written_answer(c.source)
        else:
            c.source = _strip_markers(c.source)
    return nb


def _replace(nb, grade_id: str, source: str):
    for c in nb.cells:
        if nbgrader_metadata(c).get("grade_id") == grade_id:
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
        if c.cell_type == "code" and nbgrader_metadata(c).get("solution"):
            c.source = "%%time\n" + c.source
    for k, src in enumerate(IPYTHON_CELLS):
        _add_cell(nb, src, at=3 + k)
    return nb


# an honest student's own answers, correct (tests/test_similarity.py grades each on its exercise's
# cases) but written unlike the instructor's solution: function -> code. The copier copies them.
OWN_WORDS = {
    "softmax_cross_entropy": (
        "def softmax_cross_entropy(z, y):\n"
        "    labels = np.asarray(y).astype(int)\n"
        "    count = len(labels)\n"
        "    # log-sum-exp with the row maximum taken out, so that exp never overflows\n"
        "    top = np.max(z, axis=1, keepdims=True)\n"
        "    log_norm = top + np.log(np.sum(np.exp(z - top), axis=1, keepdims=True))\n"
        "    log_probs = z - log_norm\n"
        "    onehot = np.eye(z.shape[1])[labels]\n"
        "    loss = -np.sum(onehot * log_probs) / count\n"
        "    return loss, (np.exp(log_probs) - onehot) / count\n"),
    "batchnorm_backward": (
        "def batchnorm_backward(dout, x, gamma):\n"
        "    count = len(x)\n"
        "    centred = x - np.mean(x, axis=0)\n"
        "    std = np.sqrt(np.mean(centred ** 2, axis=0) + 1e-5)\n"
        "    xhat = centred / std\n"
        "    dxhat = dout * gamma\n"
        "    # back through the graph one stage at a time: the variance, then the mean\n"
        "    dvar = -0.5 * np.sum(dxhat * centred, axis=0) / std ** 3\n"
        "    dmean = -np.sum(dxhat, axis=0) / std - 2 * dvar * np.mean(centred, axis=0)\n"
        "    dx = dxhat / std + 2 * dvar * centred / count + dmean / count\n"
        "    return dx, np.sum(dout * xhat, axis=0), np.sum(dout, axis=0)\n"),
    "adam_step": (
        "def adam_step(p, g, m, v, t, lr):\n"
        "    beta1, beta2, eps = 0.9, 0.999, 1e-8\n"
        "    first = beta1 * m + (1 - beta1) * g\n"
        "    second = beta2 * v + (1 - beta2) * np.square(g)\n"
        "    # both averages start at zero: divide out the bias before stepping\n"
        "    step = lr * (first / (1 - beta1 ** t)) / (np.sqrt(second / (1 - beta2 ** t)) + eps)\n"
        "    return p - step, first, second\n"),
    "inverse_derivative": (
        "def inverse_derivative(A, dA):\n"
        "    # d(A^-1) = -A^-1 dA A^-1, with two solves instead of an explicit inverse\n"
        "    left = np.linalg.solve(A, dA)\n"
        "    return -np.linalg.solve(A.T, left.T).T\n"),
    "symmetric_penalty": (
        "def symmetric_penalty(w, lam):\n"
        "    # w S w with S = [[1, -1], [-1, 1]] is (w1 - w2)^2\n"
        "    gap = w[0] - w[1]\n"
        "    return lam * gap ** 2, 2 * lam * gap * np.array([1.0, -1.0])\n"),
    "newton_iterates": (
        "def newton_iterates(coeffs, x0, n_steps):\n"
        "    slope = np.polyder(coeffs)\n"
        "    x = float(x0)\n"
        "    path = [x]\n"
        "    for _ in range(int(n_steps)):\n"
        "        x = x - np.polyval(coeffs, x) / np.polyval(slope, x)\n"
        "        path.append(x)\n"
        "    return np.array(path)\n"),
    "second_moments": (
        "def second_moments(g, beta2):\n"
        "    v = np.zeros_like(g)\n"
        "    running = 0.0\n"
        "    for step in range(len(g)):\n"
        "        running = beta2 * running + (1 - beta2) * np.square(g[step])\n"
        "        v[step] = running\n"
        "    # the average starts at zero: step t divides by 1 - beta2^t\n"
        "    bias = 1 - beta2 ** np.arange(1, len(g) + 1, dtype=float)\n"
        "    return v, v / bias.reshape(-1, *[1] * (g.ndim - 1))\n"),
    "sigmoid_unit_step": (
        "def sigmoid_unit_step(w, b, x, t, lam, lr):\n"
        "    out = 1.0 / (1.0 + np.exp(-(w * x + b)))\n"
        "    err = out - t\n"
        "    local = err * out * (1.0 - out)\n"
        "    grad_w = local * x + lam * w\n"
        "    return grad_w, local, w - lr * grad_w, b - lr * local\n"),
}


def own_words(source_nb) -> nbformat.NotebookNode:
    """An honest notebook with the student's own answers wherever OWN_WORDS has one."""
    nb = honest(source_nb)
    for function, code in OWN_WORDS.items():
        _replace(nb, function, code)
    return nb


COPIER_COMMENT = "# my solution, worked out after the lecture"


def copied_with_renames(nb) -> nbformat.NotebookNode:
    """Another student's notebook disguised as copiers do: in each answer the local variables
    renamed and the comments replaced. Parameters and function names stay: the grader calls
    each answer by its name, with its arguments by name."""
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        if c.cell_type == "code" and nbgrader_metadata(c).get("solution"):
            c.source = COPIER_COMMENT + "\n" + _rename_locals(_without_comments(c.source))
    return nb


def _without_comments(source: str) -> str:
    lines = source.splitlines()
    comment_only = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            if not lines[row - 1][:col].strip():
                comment_only.add(row)
            lines[row - 1] = lines[row - 1][:col].rstrip()
    return "\n".join(line for row, line in enumerate(lines, 1) if row not in comment_only) + "\n"


def _rename_locals(source: str) -> str:
    """``source`` with each function's local variables renamed, ``labels`` to ``my_labels``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython syntax: left as it is
        return source
    spans = []  # (line, first column, end column, new name), columns in UTF-8 bytes as ast gives them
    for fn in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        params = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
        names = [node for node in ast.walk(fn) if isinstance(node, ast.Name)]
        local = {n.id for n in names if isinstance(n.ctx, ast.Store)} - params - {"_"}
        spans += [(n.lineno, n.col_offset, n.end_col_offset, f"my_{n.id}") for n in names if n.id in local]
    lines = [line.encode() for line in source.splitlines(keepends=True)]
    for row, start, end, new in sorted(spans, reverse=True):
        lines[row - 1] = lines[row - 1][:start] + new.encode() + lines[row - 1][end:]
    return b"".join(lines).decode()


# an honest student's training runs after the answers: each cell busy for this many CPU-seconds,
# every one under the cell limit, more in all than the tests' time leaves the cells (FAST limits)
EXPLORATION_CELLS, EXPLORATION_SECONDS = 12, 1.0
EXPLORATION = ("import time\n_until = time.process_time() + {seconds}\nwhile time.process_time() < _until:\n"
               "    pass\nprint('epoch {k} done')")


def _graded(nb) -> list[tuple[int, ast.FunctionDef]]:
    """(cell index, def) of each answer cell's graded function."""
    functions = {spec.function for spec in SPECS.values()}
    found = []
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and nbgrader_metadata(c).get("solution"):
            found += [(i, node) for node in ast.parse(c.source).body
                      if isinstance(node, ast.FunctionDef) and node.name in functions]
    return found


def long_exploration(source_nb) -> nbformat.NotebookNode:
    """An honest notebook that trains after its answers, longer than the cells' time, and whose
    first answer calls a helper and a constant defined after that training."""
    nb = honest(source_nb)
    (i, fn), *_ = _graded(nb)
    params = ", ".join(a.arg for a in fn.args.args)
    helper = nb.cells[i].source.replace(f"def {fn.name}(", f"def _{fn.name}_helper(", 1)
    nb.cells[i].source = (f"def {fn.name}({ast.unparse(fn.args)}):\n    assert HELPER_READY\n"
                          f"    return _{fn.name}_helper({params})\n")
    nb.cells += [nbformat.v4.new_code_cell(EXPLORATION.format(seconds=EXPLORATION_SECONDS, k=k))
                 for k in range(EXPLORATION_CELLS)]
    nb.cells.append(nbformat.v4.new_code_cell(f"HELPER_READY = True\n\n\n{helper}"))
    return nb


def library_helper(source_nb) -> nbformat.NotebookNode:
    """An honest notebook whose answer cells import a helper of the student library, as the labs
    teach, and use it in a check of their own."""
    nb = honest(source_nb)
    for i, _ in _graded(nb):
        nb.cells[i].source = "from dlcourse.gradcheck import numerical_gradient, rel_error\n\n" + nb.cells[i].source
    nb.cells.append(nbformat.v4.new_code_cell(
        "grad = numerical_gradient(lambda v: float(np.sum(v ** 2)), np.ones(3))\n"
        "print(rel_error(grad, 2 * np.ones(3)))"))
    return nb


def stripped_metadata(source_nb) -> nbformat.NotebookNode:
    """An honest notebook whose cells lost nbgrader's metadata and their ids, saved as
    nbformat 4.0 (as by an editor that does not keep nbgrader's locks): the test cells stay."""
    nb = honest(source_nb)
    nb.nbformat_minor = 0
    for c in nb.cells:
        c.metadata = {}
        c.pop("id", None)
    return nb


HONEST_MORE = {"honest_long_exploration": long_exploration, "honest_library_helper": library_helper,
               "honest_stripped_metadata": stripped_metadata}


def _reference_cheat(source_nb) -> str:
    """Each graded function answered by its reference in the student library, as a late or
    regraded notebook could try once its assignment is closed: withheld in the sandbox."""
    cells = []
    for _, fn in _graded(source_nb):
        spec = next(spec for spec in SPECS.values() if spec.function == fn.name)
        name = next((r for r in spec.references if not r.startswith("dlcourse.tf.")), None)
        if name:
            module, _, attr = name.rpartition(".")
            cells.append(f"def {fn.name}(*args, **kwargs):\n    import importlib\n"
                         f"    return getattr(importlib.import_module({module!r}), {attr!r})(*args, **kwargs)\n")
    return "\n\n".join(cells)


def _rerun_cheat(source_nb) -> str:
    """A cell defining a graded name and then running to the limit, whose definitions, run again
    on their own, run to the limit too: many of them must gain no time past the notebook's."""
    name = _graded(source_nb)[0][1].name
    return (f"def _spin():\n    while True:\n        pass\n\n\ndef {name}(*args, **kwargs):\n    return TABLE\n\n\n"
            "TABLE = _spin()")


RERUN_CELLS = 12
# the student library's folder, bound read-only: writing it would reach the next notebook's sandbox
_TAMPER = ("import os\nimport dlcourse\nroot = os.path.dirname(os.path.dirname(dlcourse.__file__))\nchanged = []\n"
           "for folder, _, files in os.walk(root):\n    for name in files + ['sitecustomize.py']:\n        try:\n"
           "            with open(os.path.join(folder, name), 'a') as fh:\n"
           "                fh.write('\\nimport os\\nos._exit(0)\\n')\n"
           "            changed.append(name)\n        except OSError:\n            pass\n"
           "    try:\n        os.chmod(folder, 0o777)\n        changed.append(folder)\n"
           "    except OSError:\n        pass\n"
           "print('changed', changed)")
# cheats made for the notebook they are added to: source notebook -> cells
CHEATS_OF = {"library_reference": lambda nb: [_reference_cheat(nb)], "library_tamper": lambda nb: [_TAMPER],
             "rerun_for_time": lambda nb: [_rerun_cheat(nb)] * RERUN_CELLS}


def class_kinds(source_nb) -> list[str]:
    """One class's worth of kinds for this notebook, in the order make() cycles through them."""
    return (["honest"] * 4 + ["honest_ipython", "restructured", "honest_own_words", "copied_with_renames",
                              "student_version"] + wrong_kinds(source_nb)
            + list(HONEST_MORE) + list(BREAKERS) + list(CHEATS) + list(CHEATS_OF) + list(CORRUPT) + LINKS
            + ["renamed_notebook"])


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
    own_words_student = ""  # the latest honest_own_words student: whom the next copier copies
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
        elif kind in CHEATS_OF:
            nb, expected = copy.deepcopy(student_version or source), "zero"
            nb.cells += [nbformat.v4.new_code_cell(code) for code in CHEATS_OF[kind](source)]
        elif kind in HONEST_MORE:
            nb = HONEST_MORE[kind](source)
        elif kind == "honest_own_words":
            nb, own_words_student = own_words(source), name
        elif kind == "copied_with_renames":
            nb = copied_with_renames(own_words(source))
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
        students.append(Student(name, kind, expected,
                                own_words_student if kind == "copied_with_renames" else ""))
    return students


LATE_HOURS = {8: 3, 9: 26}  # a student's number modulo 10 -> hours after the due date; the others are early


def write_timestamps(course: Path, assignment: str, students: list[Student], due: datetime) -> None:
    """When each student handed in, as a collection records it: a receipt in the instructor's
    ledger (marked as the sample class's), the student's own timestamp.txt saying the same, and
    the submission secret nbgrader keys feedback by. Two hours early, except every tenth student
    3 hours late and the next 26 hours late (a day and a bit)."""
    from dlcourse.grading import receipts
    from dlcourse.grading.collect import SECRET_FILE

    ledger = receipts.Ledger(course, assignment)
    for i, s in enumerate(students):
        folder = Path(course) / "submitted" / s.name / assignment
        if s.kind in LINKS or folder.is_symlink():  # never write through a student's link
            continue
        when = due + timedelta(hours=LATE_HOURS.get(i % 10, -2))
        (folder / TIMESTAMP_FILE).write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
        (folder / SECRET_FILE).write_text(secrets.token_hex(64))
        receipt = receipts.Receipt(s.name, assignment, receipts.iso(when), "sample class",
                                   claimed=(folder / TIMESTAMP_FILE).read_text(), folder=f"sample class {s.name}")
        ledger.record(receipt)
        ledger.count(s.name, receipt.folder)


def write_lms_ids(path: Path, n: int) -> Path:
    """A student-ID mapping for ``dlcourse export``, as an instructor would write it from the LMS's
    roster: n made-up students with Canvas and Moodle identifiers."""
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "canvas_id", "sis_user_id", "section", "name", "email", "moodle_idnumber"])
        for i in range(n):
            w.writerow([f"student{i:04d}", 10_000 + i, f"S{2026_0000 + i}", "Section 1", f"Student {i}",
                        f"student{i:04d}@example.edu", f"M{i:05d}"])
    return path
