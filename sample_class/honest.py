"""Honest students' notebooks, made from the instructor's: the model answers in several styles
(as written, restructured, in IPython's syntax, in a student's own words, with training runs and
library helpers, without metadata). Each must score full marks."""
from __future__ import annotations

import ast
import copy
import re

import nbformat

from dlcourse.grading.exercises import SPECS
from dlcourse.grading.notebook import nbgrader_metadata


def _strip_markers(source: str) -> str:
    return re.sub(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*\n?", "", source, flags=re.MULTILINE)


def _written_answer(source: str) -> str:
    """What an honest student writes in an answer cell: the model answer, without the stub
    text before it or the rubric the instructor keeps in it."""
    answer = "\n".join(re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.S))
    return "\n".join(line for line in answer.splitlines() if not line.startswith("Rubric")).strip()


def honest(source_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The instructor's notebook as a student who solved it hands it in."""
    nb = copy.deepcopy(source_nb)
    for c in nb.cells:
        meta = nbgrader_metadata(c)
        if c.cell_type == "markdown" and meta.get("solution") and "### BEGIN SOLUTION" in c.source:
            c.source = _written_answer(c.source)
        else:
            c.source = _strip_markers(c.source)
    return nb


def replace_cell(nb: nbformat.NotebookNode, grade_id: str, source: str) -> nbformat.NotebookNode:
    """``nb`` with the source of its cell ``grade_id`` replaced (in place)."""
    for c in nb.cells:
        if nbgrader_metadata(c).get("grade_id") == grade_id:
            c.source = source
    return nb


def add_cell(nb: nbformat.NotebookNode, source: str, at: int = 3) -> nbformat.NotebookNode:
    """``nb`` with a code cell inserted at ``at`` (in place)."""
    nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    return nb


def restructured(source_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Cells moved, copied, retyped and stripped of metadata, as students do: still gradable."""
    nb = honest(source_nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for c in code:
        c.metadata = {}
    md = [c for c in nb.cells if c.cell_type == "markdown"]
    duplicate = nbformat.v4.new_code_cell(code[2].source)
    nb.cells = md[:1] + list(reversed(code)) + [duplicate] + [nbformat.v4.new_markdown_cell(code[0].source)]
    return nb


# what an honest notebook holds that plain Python does not: magics, shell escapes, display
IPYTHON_CELLS = ["%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
                 "%time total = sum(range(1000))", "%timeit -n 3 -r 1 sum(range(100))", "!echo shell escapes run too",
                 "%load_ext autoreload\n%autoreload 2", "display({'a': 1})\nget_ipython().run_line_magic('who', '')"]


def with_ipython(source_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An honest notebook written as in Jupyter: magics, shell escapes, display, and each answer
    cell timed with the %%time cell magic."""
    nb = honest(source_nb)
    for c in nb.cells:
        if c.cell_type == "code" and nbgrader_metadata(c).get("solution"):
            c.source = "%%time\n" + c.source
    for k, src in enumerate(IPYTHON_CELLS):
        add_cell(nb, src, at=3 + k)
    return nb


# an honest student's own answers, correct (tests/grading/test_similarity.py grades each on its
# exercise's cases) but written unlike the instructor's solution: function -> code. The copier copies them.
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


def own_words(source_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An honest notebook with the student's own answers wherever OWN_WORDS has one."""
    nb = honest(source_nb)
    for function, code in OWN_WORDS.items():
        replace_cell(nb, function, code)
    return nb


# an honest student's training runs after the answers: each cell busy for this many CPU-seconds,
# every one under the cell limit, more in all than the tests' time leaves the cells (FAST limits)
EXPLORATION_CELLS, EXPLORATION_SECONDS = 12, 1.0
EXPLORATION = ("import time\n_until = time.process_time() + {seconds}\nwhile time.process_time() < _until:\n"
               "    pass\nprint('epoch {k} done')")


def graded(nb: nbformat.NotebookNode) -> list[tuple[int, ast.FunctionDef]]:
    """(cell index, def) of each answer cell's graded function."""
    functions = {spec.function for spec in SPECS.values()}
    found = []
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and nbgrader_metadata(c).get("solution"):
            found += [(i, node) for node in ast.parse(c.source).body
                      if isinstance(node, ast.FunctionDef) and node.name in functions]
    return found


def long_exploration(source_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An honest notebook that trains after its answers, longer than the cells' time, and whose
    first answer calls a helper and a constant defined after that training."""
    nb = honest(source_nb)
    (i, fn), *_ = graded(nb)
    params = ", ".join(a.arg for a in fn.args.args)
    helper = nb.cells[i].source.replace(f"def {fn.name}(", f"def _{fn.name}_helper(", 1)
    nb.cells[i].source = (f"def {fn.name}({ast.unparse(fn.args)}):\n    assert HELPER_READY\n"
                          f"    return _{fn.name}_helper({params})\n")
    nb.cells += [nbformat.v4.new_code_cell(EXPLORATION.format(seconds=EXPLORATION_SECONDS, k=k))
                 for k in range(EXPLORATION_CELLS)]
    nb.cells.append(nbformat.v4.new_code_cell(f"HELPER_READY = True\n\n\n{helper}"))
    return nb


def library_helper(source_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An honest notebook whose answer cells import a helper of the student library, as the labs
    teach, and use it in a check of their own."""
    nb = honest(source_nb)
    for i, _ in graded(nb):
        nb.cells[i].source = "from dlcourse.gradcheck import numerical_gradient, rel_error\n\n" + nb.cells[i].source
    nb.cells.append(nbformat.v4.new_code_cell(
        "grad = numerical_gradient(lambda v: float(np.sum(v ** 2)), np.ones(3))\n"
        "print(rel_error(grad, 2 * np.ones(3)))"))
    return nb


def stripped_metadata(source_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An honest notebook whose cells lost nbgrader's metadata and their ids, saved as
    nbformat 4.0 (as by an editor that does not keep nbgrader's locks): the test cells stay."""
    nb = honest(source_nb)
    nb.nbformat_minor = 0
    for c in nb.cells:
        c.metadata = {}
        c.pop("id", None)
    return nb


# the honest kinds of issue 20: name -> how its notebook is made from the instructor's
HONEST_MORE = {"honest_long_exploration": long_exploration, "honest_library_helper": library_helper,
               "honest_stripped_metadata": stripped_metadata}
