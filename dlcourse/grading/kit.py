"""Releasing an assignment: the student version of its notebooks and the kit to check them.

``release(course, assignment)`` writes, beside the instructor's notebook in ``source/<a>/``:

- ``hwcheck.py``: ``checker.py`` as it is (NumPy only), with the student's ``check``;
- ``<a>_cases.json``: each test's visible cases, their inputs and the outputs the reference
  gave for them, and the test's tolerances.

then runs ``nbgrader generate_assignment``, which copies both into ``release/<a>/`` next to
the student notebook (and stock ``nbgrader autograde`` copies them from ``source/``), and zips
that folder into ``downloads/<a>.zip``, the file the site offers. Nothing in the kit holds a
reference implementation or a hidden case.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from dlcourse.grading import cases, checker, notebook
from dlcourse.grading.specs import SPECS

CHECKER_NAME = "hwcheck.py"


def cases_file(assignment: str) -> str:
    return f"{assignment}_cases.json"


def test_ids(course: Path, assignment: str) -> list[str]:
    """The autograded test cells of the assignment's source notebooks, in notebook order."""
    folder = Path(course) / "source" / assignment
    books = sorted(folder.glob("*.ipynb"))
    if not books:
        raise FileNotFoundError(f"{folder}: no source notebook for assignment {assignment!r}")
    ids = [t.grade_id for p in books for t in notebook.test_cells(notebook.read(p))]
    unknown = [i for i in ids if i not in SPECS]
    if unknown:
        raise KeyError(f"{folder}: test cells without a spec in dlcourse.grading.specs: {unknown}")
    return ids


def visible_tests(ids: list[str]) -> dict[str, dict]:
    """The cases file's content: every test's visible cases with their expected outputs."""
    out = {}
    for test_id in ids:
        spec = SPECS[test_id]
        entries = []
        for case in cases.visible_cases(spec):
            inputs = cases.inputs(spec, case)
            expected = None
            if spec.property is None:
                ref = checker.as_outputs(spec.reference(**spec.arguments(inputs)), spec.outputs, spec.function)
                expected = {k: checker.encode(v) for k, v in ref.items()}
            entries.append({"name": case.name, "inputs": {k: checker.encode(v) for k, v in inputs.items()},
                            "expected": expected})
        out[test_id] = {"function": spec.function, "outputs": list(spec.outputs),
                        "args": list(spec.arguments(inputs)), "rtol": spec.rtol, "atol": spec.atol,
                        "property": spec.property, "cases": entries}
    return out


def write_kit(course: Path, assignment: str) -> list[Path]:
    """hwcheck.py and the cases file, into the assignment's source folder."""
    folder = Path(course) / "source" / assignment
    helper = folder / CHECKER_NAME
    shutil.copyfile(checker.__file__, helper)
    data = folder / cases_file(assignment)
    data.write_text(json.dumps({"format": 1, "assignment": assignment,
                                "tests": visible_tests(test_ids(course, assignment))}, indent=1) + "\n")
    return [helper, data]


def zip_release(course: Path, assignment: str) -> Path:
    """downloads/<a>.zip: the released folder, as a student downloads it from the site."""
    folder = Path(course) / "release" / assignment
    target = Path(course) / "downloads" / f"{assignment}.zip"
    target.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                z.write(path, Path(assignment) / path.relative_to(folder))
    return target


def release(course: Path, assignment: str, db_url: str | None = None) -> Path:
    """The kit, nbgrader's student version, and the zip; returns the zip's path."""
    course = Path(course)
    write_kit(course, assignment)
    cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force", "--log-level=WARN"]
    if db_url:
        cmd.append(f"--CourseDirectory.db_url={db_url}")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed in {course}:\n{done.stderr[-3000:]}")
    return zip_release(course, assignment)
