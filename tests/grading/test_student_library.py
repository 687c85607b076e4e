"""The student library: references of open assignments are stubs, the grader is absent.

The unit tests stub a small synthetic package; the slow ones build the real wheel, install
it into a fresh virtual environment with only the core dependencies, and look at it from there.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from dlcourse.grading import kit
from dlcourse.grading.course import open_assignments
from dlcourse.grading.exercises import SPECS
from dlcourse.grading.student_library import Reference, build, notebook_sections, stub_message, stub_package

REPO = Path(__file__).resolve().parents[2]
COURSE = REPO / "autograder"


def raise_line(name: str, assignment: str) -> str:
    message = (f"{name} is part of homework {assignment}; its reference is released when {assignment} closes. "
               'To run a lab meanwhile, paste your own answer into the lab\'s cell tagged "student-answer" '
               '(the course site\'s page "Running the labs" says how).')
    return f"raise NotImplementedError({json.dumps(message)})"


# ---------------------------------------------------------------- stubbing a synthetic package
MODULE = '''\
"""A module whose answers are withheld."""
from dataclasses import dataclass

LIMIT = 3  # a constant


def answer(x, y=1):
    """The answer, to the power π."""
    # a hint that must go
    total = x + y
    return total * LIMIT
    # a trailing note of the body


def helper(x):  # stays as it is
    return x * LIMIT


@dataclass(frozen=True)
class Rule:
    """A rule."""

    rate: float = 0.1
    NAME = "rule"

    def step(self, g: float) -> float:
        return self.rate * g

    @staticmethod
    def one_liner(x): return x + 1


def tiny(): "π day"; return 3.14
'''

STUBBED = f'''\
"""A module whose answers are withheld."""
from dataclasses import dataclass

LIMIT = 3  # a constant


def answer(x, y=1):
    """The answer, to the power π."""
    {raise_line("mini.mod.answer", "hw9")}


def helper(x):  # stays as it is
    return x * LIMIT


@dataclass(frozen=True)
class Rule:
    """A rule."""

    rate: float = 0.1
    NAME = "rule"

    def step(self, g: float) -> float:
        {raise_line("mini.mod.Rule", "hw9")}

    @staticmethod
    def one_liner(x): {raise_line("mini.mod.Rule", "hw9")}


def tiny(): "π day"; {raise_line("mini.mod.tiny", "hw9")}
'''


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    package = tmp_path / "mini"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text(MODULE, encoding="utf-8")
    return package


def _import(path: Path):
    spec = importlib.util.spec_from_file_location("mini_mod_stubbed", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stubbing_replaces_bodies_and_keeps_everything_else(mini: Path):
    refs = [Reference(f"mini.mod.{n}", ("hw9",), (f"test_{n}",)) for n in ("answer", "Rule", "tiny")]
    changed = stub_package(mini, refs)
    assert (mini / "mod.py").read_text(encoding="utf-8") == STUBBED
    assert changed == {mini / "mod.py": ["mini.mod.answer", "mini.mod.Rule", "mini.mod.tiny"]}


def test_stubbed_module_raises_and_keeps_its_data(mini: Path):
    stub_package(mini, [Reference(f"mini.mod.{n}", ("hw9",), (f"test_{n}",)) for n in ("answer", "Rule", "tiny")])
    mod = _import(mini / "mod.py")
    with pytest.raises(NotImplementedError, match="mini.mod.answer is part of homework hw9"):
        mod.answer(1)
    with pytest.raises(NotImplementedError, match="mini.mod.Rule"):
        mod.Rule().step(2.0)
    with pytest.raises(NotImplementedError, match="mini.mod.Rule"):
        mod.Rule.one_liner(1)
    with pytest.raises(NotImplementedError, match="mini.mod.tiny"):
        mod.tiny()
    assert mod.helper(2) == 6
    assert mod.Rule(rate=0.5).rate == 0.5
    assert mod.Rule.NAME == "rule"
    assert mod.answer.__doc__ == "The answer, to the power π."


def test_a_missing_reference_names_the_spec_and_the_name(mini: Path):
    with pytest.raises(ValueError, match=r"test_gone \(hw9\).*'mini\.mod\.gone'.*no def or class named gone"):
        stub_package(mini, [Reference("mini.mod.gone", ("hw9",), ("test_gone (hw9)",))])
    assert (mini / "mod.py").read_text(encoding="utf-8") == MODULE


def test_the_message_names_the_homework_sections_that_ask_for_it():
    ref = Reference("mini.mod.Rule", ("hw9",), ("test_rule (hw9)",), ("hw9 §3, One rule step", "hw9 §5, Rules"))
    message = stub_message(ref)
    assert message.startswith("mini.mod.Rule is part of homework hw9 (hw9 §3, One rule step; hw9 §5, Rules); ")
    assert 'cell tagged "student-answer"' in message


def test_sections_come_from_the_numbered_headings_of_the_instructors_notebook(tmp_path: Path):
    def cell(kind: str, text: str, grade_id: str | None = None) -> dict:
        meta = {"nbgrader": {"grade_id": grade_id}} if grade_id else {}
        return {"cell_type": kind, "source": text, "metadata": meta}

    cells = [cell("markdown", "# Homework 9"), cell("code", "x = 1", "setup"),
             cell("markdown", "## 1. A first step\n\nText."), cell("code", "check(1)", "test_first"),
             cell("markdown", "No heading here."), cell("code", "check(2)", "test_second"),
             cell("markdown", "## 12. Rules, again"), cell("code", "check(3)", "test_third")]
    folder = tmp_path / "source" / "hw9"
    folder.mkdir(parents=True)
    (folder / "hw9.ipynb").write_text(json.dumps({"cells": cells}))
    assert notebook_sections(tmp_path, "hw9") == {
        "test_first": "hw9 §1, A first step", "test_second": "hw9 §1, A first step",
        "test_third": "hw9 §12, Rules, again"}
    assert notebook_sections(tmp_path, "hw8") == {}


def test_every_open_reference_of_the_course_names_a_section():
    from dlcourse.grading.student_library import withheld_references

    refs = withheld_references(COURSE)
    assert refs
    for ref in refs:
        assert ref.sections, ref.name
        assert all(re.fullmatch(r"hw\d+ §\d+, .+", s) for s in ref.sections), ref.sections
    adam = next(r for r in refs if r.name == "dlcourse.optim.Adam")
    assert "hw1 §15, One Adam step" in adam.sections


def test_a_reference_outside_the_package_is_refused(mini: Path):
    with pytest.raises(ValueError, match=r"test_np.*'numpy\.linalg\.norm'.*not a name in the mini package"):
        stub_package(mini, [Reference("numpy.linalg.norm", ("hw9",), ("test_np",))])


# ---------------------------------------------------------------- the real wheel, installed
PROBE = r'''
import importlib, inspect, json, sys
from importlib import metadata


def resolve(name):
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(name)


def call(fn):
    """Calls fn with None for every required argument: a stub raises before looking at them."""
    params = inspect.signature(fn).parameters.values()
    args = [None for p in params if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    kwargs = {p.name: None for p in params if p.default is p.empty and p.kind is p.KEYWORD_ONLY}
    try:
        fn(*args, **kwargs)
    except Exception as e:
        return [type(e).__name__, str(e)]
    return ["returned", ""]


todo = json.loads(sys.argv[1])
out = {"names": {}}
try:
    import dlcourse.grading  # noqa: F401
    out["grading"] = "imported"
except ModuleNotFoundError:
    out["grading"] = "ModuleNotFoundError"
import dlcourse
import dlcourse.layers
import numpy as np

out["dlcourse_file"] = dlcourse.__file__
out["requires"] = metadata.requires("dlcourse")
for name, methods in todo.items():
    try:
        obj = resolve(name)
    except (ImportError, AttributeError) as e:
        out["names"][name] = {"error": repr(e)}
        continue
    if inspect.isclass(obj):
        instance = obj.__new__(obj)
        calls = {f"{name}.{m}": call(getattr(instance, m)) for m in methods}
    else:
        calls = {name: call(obj)}
    out["names"][name] = {"source": inspect.getsource(obj), "calls": calls}
out["relu"] = dlcourse.layers.relu_forward(np.array([-1.0, 2.0]))[0].tolist()
# the configured trainer ships for the kit's check of a configuration exercise: it trains even
# while what it resembles (dlcourse.train.fit, hw3's reference) is withheld
from dlcourse import trainer

try:
    X, y = np.random.default_rng(0).standard_normal((20, 4)), np.arange(20) % 3
    config = trainer.checked({"optimizer": "sgd", "learning_rate": 0.1, "momentum": 0.9, "batchnorm": False,
                              "dropout": 0.0, "width": 8, "epochs": 2, "batch_size": 5})
    out["trainer"] = trainer.trainer(config, classes=3)(X, y, 0)(X).tolist()
except Exception as e:
    out["trainer"] = repr(e)
print(json.dumps(out))
'''


TF_HALF = "dlcourse.tf."


def _withheld() -> dict[str, list[str]]:
    """Reference name -> the open assignments grading it, straight from the grading modules."""
    out: dict[str, list[str]] = {}
    for assignment in open_assignments(COURSE):
        for grade_id in kit.test_ids(assignment):
            for name in SPECS[grade_id].references:
                out.setdefault(name, []).append(assignment)
    return out


def _resolve(name: str):
    """The object a dotted name means: its longest importable module prefix, then attributes."""
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(name)


def _definition(obj) -> ast.FunctionDef | ast.ClassDef:
    return ast.parse(textwrap.dedent(inspect.getsource(obj))).body[0]


def _implementation_lines(obj) -> list[str]:
    """The repository's lines of the body of a function, or of each method of a class, past
    the docstrings: none of them may appear in the student copy."""
    node = _definition(obj)
    functions = [m for m in node.body if isinstance(m, ast.FunctionDef)] if isinstance(node, ast.ClassDef) else [node]
    source = textwrap.dedent(inspect.getsource(obj)).splitlines()
    lines = []
    for f in functions:
        body = f.body[1:] if ast.get_docstring(f) is not None else f.body
        if body:
            lines += [s.strip() for s in source[body[0].lineno - 1:f.end_lineno] if s.strip()]
    return lines


def _methods(obj) -> list[str]:
    node = _definition(obj)
    return [m.name for m in node.body if isinstance(m, ast.FunctionDef)] if isinstance(node, ast.ClassDef) else []


@pytest.fixture(scope="module")
def student(tmp_path_factory) -> dict:
    """Builds the wheel, installs it into a fresh venv beside the core dependencies only, and
    returns what the probe saw there, with the wheel's build report and the venv's path."""
    tmp = tmp_path_factory.mktemp("student")
    library = build(COURSE, tmp / "dist")
    venv = tmp / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "numpy", "scipy", "matplotlib", "scikit-learn", "tqdm"], check=True, env=env, timeout=900)
    subprocess.run([*pip, "--no-deps", str(library.wheel)], check=True, env=env, timeout=300)
    withheld = _withheld()
    # the TensorFlow half needs TensorFlow to import: its stubs are checked from their source
    todo = {name: _methods(_resolve(name)) for name in withheld if not name.startswith(TF_HALF)}
    # run outside the repository, so that its dlcourse/ is not on the path
    done = subprocess.run([python, "-c", PROBE, json.dumps(todo)], check=False, cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return {**json.loads(done.stdout), "stubbed": library.stubbed, "venv": str(venv), "withheld": withheld}


@pytest.mark.slow
def test_the_build_stubs_exactly_the_open_references(student: dict):
    expected = student["withheld"]
    assert expected, "no open assignment lists a reference: nothing would be checked"
    assert {n for names in student["stubbed"].values() for n in names} == set(expected)


@pytest.mark.slow
def test_dlcourse_comes_from_the_wheel(student: dict):
    assert Path(student["dlcourse_file"]).is_relative_to(student["venv"]), student["dlcourse_file"]


@pytest.mark.slow
def test_the_grader_is_not_in_the_student_library(student: dict):
    assert student["grading"] == "ModuleNotFoundError"


@pytest.mark.slow
def test_the_wheel_declares_only_the_core_dependencies_and_the_tf_extra(student: dict):
    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *(f'{d}; extra == "tf"' for d in project["optional-dependencies"]["tf"])]
    assert sorted(str(Requirement(r)) for r in student["requires"]) == sorted(str(Requirement(r)) for r in wanted)


@pytest.mark.slow
def test_every_open_reference_exists(student: dict):
    missing = {name: entry["error"] for name, entry in student["names"].items() if "error" in entry}
    assert not missing


@pytest.mark.slow
def test_every_open_reference_raises_not_implemented(student: dict):
    for name, entry in student["names"].items():
        assert entry.get("calls"), f"{name}: nothing was called"
        for call, (kind, message) in entry["calls"].items():
            assert kind == "NotImplementedError", f"{call}: {kind} {message}"
            for assignment in student["withheld"][name]:
                assert assignment in message, f"{call}: {message!r} does not name {assignment}"


@pytest.mark.slow
def test_no_line_of_an_open_reference_ships(student: dict):
    for name, entry in student["names"].items():
        shipped = {line.strip() for line in entry.get("source", "").splitlines()}
        leaked = [line for line in _implementation_lines(_resolve(name)) if line in shipped]
        assert not leaked, f"{name}: the student copy holds {leaked}"


@pytest.mark.slow
def test_every_open_reference_is_a_stub_in_the_installed_source(student: dict):
    """Read from the files pip installed, without importing them (the TensorFlow half too):
    every function or method body of an open reference is one raise of NotImplementedError."""
    site = next(Path(student["venv"]).glob("lib/python*/site-packages"))
    for name in student["withheld"]:
        module, _, attr = name.rpartition(".")
        tree = ast.parse((site / Path(*module.split("."))).with_suffix(".py").read_text())
        node = next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == attr)
        functions = [m for m in node.body if isinstance(m, ast.FunctionDef)] if isinstance(node, ast.ClassDef) \
            else [node]
        assert functions, f"{name}: no function to check"
        for f in functions:
            body = f.body[1:] if ast.get_docstring(f) is not None else f.body
            assert len(body) == 1, f"{name}.{f.name}: {len(body)} statements"
            assert isinstance(body[0], ast.Raise), f"{name}.{f.name}: not a raise"
            assert ast.unparse(body[0].exc).startswith("NotImplementedError("), f"{name}.{f.name}"


@pytest.mark.slow
def test_a_library_function_that_is_no_reference_still_works(student: dict):
    assert "dlcourse.layers.relu_forward" not in student["withheld"]
    assert student["relu"] == [0.0, 2.0]


# what the configured trainer calls of the library (dlcourse/trainer.py)
TRAINER_CALLS = ("dlcourse.losses.softmax_cross_entropy", "dlcourse.optim.", "dlcourse.layers.", "dlcourse.models.")


@pytest.mark.slow
def test_the_configured_trainer_needs_no_withheld_training_loop(student: dict):
    """While hw3 is open dlcourse.train.fit is withheld, and the trainer (shipped for the kit's
    check of a configuration exercise) must not need it: it trains, or stops only on a withheld
    function of an earlier homework's that it calls (when that homework is open too)."""
    assert "dlcourse.train.fit" in student["withheld"]
    result = student["trainer"]
    if isinstance(result, list):
        assert len(result) == 20
        return
    assert result.startswith("NotImplementedError("), result
    assert "dlcourse.train." not in result, result
    assert any(f"{name}" in result for name in TRAINER_CALLS), result
