"""Every lab with the student library, as a student runs it at home while the homework is open.

The student wheel is built and installed into a fresh virtual environment. Its third-party
packages (NumPy, TensorFlow for the ``tf`` extra, IPython) are the ones already installed for the
project, reached through a ``.pth`` file: nothing is downloaded, and a 2-core machine does not
reinstall TensorFlow. ``dlcourse`` itself comes from the wheel only.

Each lab runs cell by cell in that environment's Python, in an IPython shell (the labs use
magics), outside the repository:
(a) with the instructor's own homework answers pasted into the lab's cell tagged
    ``student-answer``, the lab runs to its end, its asserts included;
(b) as downloaded, it stops in that cell with the student library's message, which names the
    homework's section and the marked cell.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import jupytext
import nbformat
import pytest

from dlcourse.answers import PLUGS
from dlcourse.grading.student_library import ANSWER_TAG, build

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "autograder"
LABS = sorted((REPO / "book").glob("*/lab.md"))
LAB_TIMEOUT = 2400  # seconds for one lab; ch12 trains networks (1327 s with the answers pasted, load 9)
NONE_LINE = re.compile(r"^(\w+) = None$", re.MULTILINE)  # a marked cell's `name = None`, an answer's place

RUNNER = r'''
import json, sys
from IPython.core.interactiveshell import InteractiveShell

import dlcourse

cells = json.load(open(sys.argv[1]))
shell = InteractiveShell.instance()
shell.enable_gui = lambda gui=None: None  # %matplotlib inline asks for no event loop; a plain shell has none
report = {"dlcourse": dlcourse.__file__, "ran": 0, "error": None}
for i, cell in enumerate(cells):
    result = shell.run_cell(cell["source"], store_history=False, silent=True)
    if not result.success:
        e = result.error_in_exec or result.error_before_exec
        report["error"] = {"cell": i, "tags": cell["tags"], "type": type(e).__name__, "message": str(e)}
        break
    report["ran"] = i + 1
print("REPORT " + json.dumps(report))
'''

SATISFIED = r'''
from importlib import metadata
from packaging.requirements import Requirement

unmet = []
for line in metadata.requires("dlcourse"):
    req = Requirement(line)
    if req.marker is not None and not req.marker.evaluate({"extra": "tf"}):
        continue
    try:
        version = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        version = None
    if version is None or not req.specifier.contains(version, prereleases=True):
        unmet.append(f"{line}: {version}")
assert any("extra" in line for line in metadata.requires("dlcourse")), "the wheel has no tf extra"
assert not unmet, unmet
'''

# The instructor's answers take the homework's constants; a lab that runs other settings asks for
# them as keyword arguments (the marked cell says which). These are the instructor's answers with
# those constants made keywords, the homework's values as defaults;
# test_generalised_answers_are_the_instructors_at_the_homeworks_values ties them to the originals.
GENERALISED = {
    "adam_step": '''\
def adam_step(p, g, m, v, t, lr, beta_1=0.9, beta_2=0.999, eps=1e-8):
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g * g
    m_hat = m / (1 - beta_1 ** t)
    v_hat = v / (1 - beta_2 ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
''',
    "adamax_step": '''\
def adamax_step(p, g, m, u, t, lr, beta_1=0.9, beta_2=0.999, eps=1e-7):
    m = beta_1 * m + (1 - beta_1) * g
    u = np.maximum(beta_2 * u, np.abs(g))
    return p - lr / (1 - beta_1**t) * m / (u + eps), m, u
''',
    "rmsprop_step": '''\
def rmsprop_step(p, g, v, lr, rho=0.9, eps=1e-7):
    v = rho * v + (1 - rho) * g * g
    return p - lr * g / np.sqrt(v + eps), v
''',
    "batchnorm_forward": '''\
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.99, eps=1e-5):
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        mean, var = running_mean, running_var
    y = gamma * (x - mean) / np.sqrt(var + eps) + beta
    return y, running_mean, running_var
''',
    "batchnorm_backward": '''\
def batchnorm_backward(dout, x, gamma, eps=1e-5):
    n = x.shape[0]
    inv = 1.0 / np.sqrt(x.var(axis=0) + eps)
    xhat = (x - x.mean(axis=0)) * inv
    dxhat = dout * gamma
    dx = inv / n * (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)
''',
}


def instructor_answers() -> dict[str, str]:
    """Function name -> the instructor's answer (its solution cell, markers dropped), every homework."""
    answers = {}
    for notebook in sorted(COURSE.glob("source/*/*.ipynb")):
        for cell in nbformat.read(notebook, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution") and grade_id:
                answers[grade_id] = "".join(line for line in cell.source.splitlines(keepends=True)
                                            if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
    return answers


def lab_cells(lab: Path) -> list[dict]:
    notebook = jupytext.read(lab, fmt="md:myst")
    return [{"source": c.source, "tags": list(c.metadata.get("tags", []))} for c in notebook.cells
            if c.cell_type == "code"]


def marked(cells: list[dict]) -> list[int]:
    return [i for i, c in enumerate(cells) if ANSWER_TAG in c["tags"]]


def library_answer(key: str) -> tuple[str, list[str]]:
    """A library-form answer: the reference library's own function, as its source (this process
    has the full library), and the imports of the names it uses from its module."""
    module_name, _, attr = PLUGS[key].library[0].rpartition(".")
    module = importlib.import_module(module_name)
    source = textwrap.dedent(inspect.getsource(getattr(module, attr)))
    used = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    imports = [f"from {module_name} import {n}" for n in sorted(used)
               if n in vars(module) and n != attr and not n.startswith("__")]
    return source + (f"\n{key} = {attr}\n" if key != attr else ""), imports


def pasted(source: str, answers: dict[str, str]) -> str:
    """The marked cell with each ``name = None`` line replaced by that answer's code: the
    instructor's homework answer, or for a library-form line the reference library's function.
    The imports those need go first, so that no import undoes an answer pasted before it."""
    imports: list[str] = []

    def answer(match: re.Match) -> str:
        key = match.group(1)
        if PLUGS[key].form == "library":
            code, needs = library_answer(key)
            imports.extend(needs)
            return code
        return GENERALISED.get(key) or answers[key]

    body = NONE_LINE.sub(answer, source)
    return "\n".join(["import numpy as np", *dict.fromkeys(imports), body])


# ---------------------------------------------------------------- fast: the labs' marked cells
@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.parent.name)
def test_a_lab_has_one_marked_cell_and_it_says_so(lab: Path):
    cells = lab_cells(lab)
    found = marked(cells)
    assert len(found) == 1, f"{lab}: {len(found)} cells tagged {ANSWER_TAG}"
    source = cells[found[0]]["source"]
    assert source.splitlines()[0].startswith(f"# {ANSWER_TAG}:"), f"{lab}: the marked cell's first line"
    assert NONE_LINE.findall(source), f"{lab}: the marked cell has no `name = None` line"


def test_generalised_answers_are_the_instructors_at_the_homeworks_values():
    import numpy as np

    originals = instructor_answers()
    rng = np.random.default_rng(0)
    p, g, m, v = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4), rng.random(4)
    x, dout, gamma, beta = rng.standard_normal((6, 3)), rng.standard_normal((6, 3)), rng.random(3), rng.random(3)
    calls = {"adam_step": (p, g, m, v, 3, 0.01), "adamax_step": (p, g, m, v, 3, 0.01), "rmsprop_step": (p, g, v, 0.01),
             "batchnorm_forward": (x, gamma, beta, m[:3], v[:3], True), "batchnorm_backward": (dout, x, gamma)}
    for name, args in calls.items():
        theirs, ours = {"np": np}, {"np": np}
        exec(originals[name], theirs)
        exec(GENERALISED[name], ours)
        for a, b in zip(theirs[name](*args), ours[name](*args)):
            np.testing.assert_allclose(b, a, rtol=1e-13, err_msg=name)


def test_plug_in_with_no_answer_leaves_the_full_library_as_it_is():
    from dlcourse import answers, optim

    update = optim.Adam.update
    answers.plug_in(adam_step=None, softmax_cross_entropy=None, fit=None)
    assert optim.Adam.update is update


def test_plug_in_names_an_unknown_homework_function():
    from dlcourse import answers

    with pytest.raises(TypeError, match="knows no homework function adam_stpe"):
        answers.plug_in(adam_stpe=None)


def test_a_stub_is_recognised_by_its_message_and_a_reference_is_not():
    from dlcourse import answers, optim

    namespace = {}
    exec('def f(x):\n    raise NotImplementedError("f is part of homework hw9; its reference is released when '
         'hw9 closes.")\n', namespace)
    assert "hw9" in answers.withheld(namespace["f"])
    assert answers.withheld(optim.Adam) is None
    assert answers.withheld(optim.bias_corrected) is None


def test_a_lab_setting_the_homework_fixes_asks_for_it_by_name():
    from dlcourse import answers

    def adam_step(p, g, m, v, t, lr):
        return p, m, v

    with pytest.raises(TypeError, match=r"runs Adam with beta_2=0\.9.*keyword arguments beta_1=0\.9, beta_2=0\.999"):
        answers._call(adam_step, "Adam", (0, 0, 0, 0, 1, 0.1), {"beta_1": 0.9, "beta_2": 0.9, "eps": 1e-8},
                      answers.ADAM)
    assert answers._call(adam_step, "Adam", (1, 0, 2, 3, 1, 0.1), dict(answers.ADAM), answers.ADAM) == (1, 2, 3)


KERAS_ADAM = r'''
import keras
import numpy as np

from dlcourse import answers
from dlcourse.tf import optim as tf_optim
from dlcourse.tf import tf

library = [tf_optim.Adam]  # in a list: plug_in rebinds the script's own names too


def adam_step(p, g, m, v, t, lr, beta_1=0.9, beta_2=0.999, eps=1e-8):
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g * g
    return p - lr * (m / (1 - beta_1**t)) / (np.sqrt(v / (1 - beta_2**t)) + eps), m, v


answers.plug_in(adam_step=adam_step)
assert tf_optim.Adam is not library[0]
for epsilon_hat in (False, True):
    trained = []
    for rule in (library[0], tf_optim.Adam):
        w = keras.Variable(np.array([1.0, -2.0, 3.0], dtype="float32"))
        optimizer = rule(learning_rate=0.1, beta_2=0.99, epsilon=1e-6, epsilon_hat=epsilon_hat)

        @tf.function
        def step():
            optimizer.apply_gradients([(2 * w.value, w)])

        for _ in range(5):
            step()
        trained.append(keras.ops.convert_to_numpy(w.value))
    np.testing.assert_allclose(trained[1], trained[0], rtol=1e-5)
print("same")
'''


def test_a_pasted_adam_step_trains_keras_models_as_the_library_s_keras_adam():
    """ch12's lab trains Keras models with ``dlcourse.tf.optim.Adam``: with hw1's NumPy answer
    plugged in, the optimiser takes the same steps, in both epsilon forms (own process: plug_in
    changes the library for the rest of the process)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", KERAS_ADAM], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("same"), done.stdout[-3000:]


# ---------------------------------------------------------------- slow: a fresh venv
@pytest.fixture(scope="module")
def student_python(tmp_path_factory) -> Path:
    """A fresh venv holding the student wheel; third-party packages from this environment."""
    tmp = tmp_path_factory.mktemp("labs")
    wheel = build(COURSE, tmp / "dist").wheel
    venv = tmp / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, env=env, timeout=300)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, env=env, capture_output=True, text=True).stdout.strip())
    # after the venv's own site-packages, so its dlcourse (the wheel's) wins over the editable one
    (site / "zz_project_packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    # what `pip install "<wheel>[tf]"` would bring is there: every requirement, the extra's too
    done = subprocess.run([str(python), "-c", SATISFIED], env=env, cwd=tmp, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    return python


def run_lab(python: Path, cells: list[dict], where: Path) -> dict:
    where.mkdir()
    (where / "cells.json").write_text(json.dumps(cells))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="3", OMP_NUM_THREADS="2")
    done = subprocess.run([str(python), "-c", RUNNER, "cells.json"], cwd=where, env=env, capture_output=True,
                          text=True, timeout=LAB_TIMEOUT, check=False)
    reports = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")]
    assert reports, f"the lab's runner died (exit {done.returncode}):\n{done.stderr[-3000:]}"
    report = json.loads(reports[-1].removeprefix("REPORT "))
    assert Path(report["dlcourse"]).is_relative_to(python.parent.parent), report["dlcourse"]
    report["output"] = done.stdout[-3000:]
    return report


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.parent.name)
def test_with_the_instructors_answers_pasted_a_lab_runs_to_its_end(lab: Path, student_python: Path, tmp_path: Path):
    cells = lab_cells(lab)
    assert marked(cells), f"{lab}: no cell tagged {ANSWER_TAG}"
    answers = instructor_answers()
    for i in marked(cells):
        cells[i]["source"] = pasted(cells[i]["source"], answers)
    report = run_lab(student_python, cells, tmp_path / "run")
    assert report["error"] is None, f"{lab}: {report['error']}\n{report['output']}"
    assert report["ran"] == len(cells)


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.parent.name)
def test_as_downloaded_a_lab_stops_at_its_marked_cell_with_the_message(lab: Path, student_python: Path,
                                                                       tmp_path: Path):
    cells = lab_cells(lab)
    report = run_lab(student_python, cells, tmp_path / "run")
    error = report["error"]
    assert error is not None, f"{lab}: ran to its end on the student library"
    assert ANSWER_TAG in error["tags"], f"{lab}: stopped in cell {error['cell']}, not the marked one: {error}"
    assert error["type"] == "NotImplementedError", error
    assert re.search(r"is part of homework hw\d \(hw\d §\d+, ", error["message"]), error["message"]
    assert f'cell tagged "{ANSWER_TAG}"' in error["message"], error["message"]
