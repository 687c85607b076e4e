"""Releasing an assignment: the student version of its notebooks and the kit to check them.

``release(course, assignment)`` writes, beside the instructor's notebook in ``source/<a>/``:

- ``hwcheck.py``: ``checker.py`` as it is (NumPy only), with the student's ``check``;
- ``<a>_cases.json``: each test's visible cases, their inputs and the outputs the reference
  gave for them, what each known mistake gives on them (its words, its book section and its
  outputs, never its code), and the test's tolerances.

after making the notebook's grade cells from the exercise declarations (``cells.sync``); then
it runs ``nbgrader generate_assignment``, which copies both into ``release/<a>/`` next to the
student notebook (and stock ``nbgrader autograde`` copies them from ``source/``), and zips that
folder into ``downloads/<a>.zip``. ``site_kit`` makes the same zip for the course site in a
scratch copy, touching neither the course nor its gradebook. Nothing in the kit holds a
reference implementation or a hidden case.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from nbgrader.utils import parse_utc

from dlcourse.grading import cases, cells, checker, mistakes
from dlcourse.grading.exercise import Spec
from dlcourse.grading.exercises import exercises
from dlcourse.grading.gradebook import GradeWriter

CHECKER_NAME = "hwcheck.py"


def cases_file(assignment: str) -> str:
    return f"{assignment}_cases.json"


def specs(assignment: str) -> list[Spec]:
    """The assignment's autograded exercises, as declared."""
    return [e for e in exercises(assignment) if isinstance(e, Spec)]


def test_ids(assignment: str) -> list[str]:
    """The assignment's autograded tests, as declared."""
    return [spec.grade_id for spec in specs(assignment)]


def visible_tests(tests: list[Spec]) -> dict[str, dict]:
    """The cases file's content: every test's visible cases with their expected outputs."""
    out = {}
    for spec in tests:
        entries = []
        for case in cases.visible_cases(spec):
            inputs = cases.inputs(spec, case)
            ref = None
            if spec.property is None:
                ref = checker.as_outputs(spec.reference(**spec.arguments(inputs)), spec.outputs, spec.function)
            entries.append({"name": case.name, "inputs": {k: checker.encode(v) for k, v in inputs.items()},
                            "expected": None if ref is None else {k: checker.encode(v) for k, v in ref.items()},
                            "mistakes": mistakes.visible_outputs(spec, inputs, ref)})
        out[spec.grade_id] = {"function": spec.function, "outputs": list(spec.outputs),
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
                                "tests": visible_tests(specs(assignment))}, indent=1) + "\n")
    return [helper, data]


def _zip(folder: Path, assignment: str, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                z.write(path, Path(assignment) / path.relative_to(folder))
    return target


def _generate(course: Path, assignment: str, *options: str) -> None:
    """nbgrader generate_assignment in ``course``: source/<a>/ -> release/<a>/."""
    cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force", "--log-level=WARN",
           *options]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed in {course}:\n{done.stderr[-3000:]}")


def release(course: Path, assignment: str, db_url: str | None = None, due: str | None = None
            ) -> tuple[Path, list[str]]:
    """Releases the assignment to its course: the grade cells made from the declarations
    (written back into the source notebook), the kit, nbgrader's student version (registered in
    the gradebook, with the due date ``due`` when given, e.g. "2026-12-01 23:59:00 UTC"), and
    ``downloads/<a>.zip``. Returns the zip's path and what ``cells.sync`` changed in the source
    notebook."""
    course = Path(course)
    deadline = None
    if due is not None:
        try:
            deadline = parse_utc(due)
        except (ValueError, OverflowError) as e:
            raise ValueError(f"--due {due!r} is not a date nbgrader reads ({e})") from None
    changes = cells.sync_assignment(course, assignment)
    write_kit(course, assignment)
    _generate(course, assignment, *([f"--CourseDirectory.db_url={db_url}"] if db_url else []))
    if deadline is not None:
        writer = GradeWriter(db_url or f"sqlite:///{course.resolve() / 'gradebook.db'}")
        try:
            writer.set_due(assignment, deadline)
        finally:
            writer.close()
    return _zip(course / "release" / assignment, assignment, course / "downloads" / f"{assignment}.zip"), changes


def site_kit(course: Path, assignment: str, target: Path) -> Path:
    """The zip the course site offers, made in a scratch copy of the course: the same student
    version and kit as ``release``, without writing to the course, its gradebook or its
    source notebooks (so that building the site never touches grading state)."""
    course = Path(course)
    with tempfile.TemporaryDirectory(prefix=f"dlcourse-kit-{assignment}-") as scratch:
        copy = Path(scratch)
        shutil.copytree(course / "source" / assignment, copy / "source" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", CHECKER_NAME, cases_file(assignment)))
        shutil.copyfile(course / "nbgrader_config.py", copy / "nbgrader_config.py")
        cells.sync_assignment(copy, assignment)
        write_kit(copy, assignment)
        _generate(copy, assignment, "--no-db")
        return _zip(copy / "release" / assignment, assignment, Path(target))
