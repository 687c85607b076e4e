"""Releasing an assignment: the student version of its notebooks and the kit to check them.

``release(course, assignment)`` writes, beside the instructor's notebook in ``source/<a>/``:

- ``hwcheck.py``: ``checker.py`` as it is (NumPy only), with the student's ``check``;
- ``<a>_cases.json``: each test's visible cases, their inputs and the outputs the reference
  gave for them, what each known mistake gives on them (its words, its book section and its
  outputs, never its code), and the test's tolerances; for an outcome exercise, what its local
  check needs (``outcome_test``): public data and seeds, the bands and the budget, never the
  held-out set.

after making the notebook's grade cells from the exercise declarations (``cells.sync``); then
it runs ``nbgrader generate_assignment``, which copies both into ``release/<a>/`` next to the
student notebook (and stock ``nbgrader autograde`` copies them from ``source/``), and zips that
folder into ``downloads/<a>.zip``. ``site_kit`` makes the same zip for the course site in a
scratch copy, touching neither the course nor its gradebook. Nothing in the kit holds a
reference implementation or a hidden case.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

from nbgrader.utils import parse_utc

from dlcourse.errors import OptionError
from dlcourse.grading import cases, cells, checker, mistakes
from dlcourse.grading.course import Course
from dlcourse.grading.exercise import Spec
from dlcourse.grading.exercises import exercises
from dlcourse.grading.outcome import graded as outcome_graded
from dlcourse.grading.outcome.configured import Configured
from dlcourse.grading.outcome.exercise import Outcome

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


def outcome_test(exercise: Outcome | Configured) -> dict:
    """The cases file's entry of an outcome exercise, for ``checker.check_outcome``: the public
    data set's parameters (the student's training split and its public test split), public
    seeds, the bands and the CPU budget of a run; for a configuration exercise
    (``checker.check_configured``), also the given configuration and the keys it lets change."""
    outcome = outcome_graded.outcome_of(exercise)
    test = {"outcome": True, "function": outcome.function, "data": dataclasses.asdict(outcome.data),
            "seeds": list(outcome_graded.public_seeds(outcome).runs), "cpu_seconds": outcome.budget.cpu_seconds,
            "bands": [{"threshold": b.threshold, "fraction": b.fraction} for b in outcome.bands]}
    if isinstance(exercise, Configured):
        test |= {"configured": True, "given": dict(exercise.given), "changeable": sorted(exercise.changeable)}
    return test


def write_kit(course: Course | Path, assignment: str) -> list[Path]:
    """hwcheck.py and the cases file, into the assignment's source folder."""
    folder = Course.of(course).source_of(assignment)
    helper = folder / CHECKER_NAME
    shutil.copyfile(checker.__file__, helper)
    data = folder / cases_file(assignment)
    outcomes = {e.grade_id: outcome_test(e) for e in exercises(assignment) if isinstance(e, Outcome | Configured)}
    data.write_text(json.dumps({"format": 1, "assignment": assignment,
                                "tests": visible_tests(specs(assignment)) | outcomes}, indent=1) + "\n")
    return [helper, data]


def _zip(folder: Path, assignment: str, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                z.write(path, Path(assignment) / path.relative_to(folder))
    return target


def _generate(course: Course, assignment: str, *options: str) -> None:
    """nbgrader generate_assignment in ``course``: source/<a>/ -> release/<a>/."""
    cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force", "--log-level=WARN",
           *options]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(cmd, cwd=course.root, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed in {course}:\n{done.stderr[-3000:]}")


def release(course: Course | Path, assignment: str, db_url: str | None = None, due: str | None = None
            ) -> tuple[Path, list[str]]:
    """Releases the assignment to its course: the grade cells made from the declarations
    (written back into the source notebook), the kit, nbgrader's student version (registered in
    the gradebook, with the due date ``due`` when given, e.g. "2026-12-01 23:59:00 UTC"), and
    ``downloads/<a>.zip``. Returns the zip's path and what ``cells.sync`` changed in the source
    notebook."""
    course = Course.of(course, db_url)
    deadline = None if due is None else due_date(due)
    changes = cells.sync_assignment(course.root, assignment)
    write_kit(course, assignment)
    _generate(course, assignment, *([f"--CourseDirectory.db_url={course.db}"] if course.db else []))
    if deadline is not None:
        with course.open_gradebook(create=True) as writer:  # nbgrader has just made it, or the --db's
            writer.set_due(assignment, deadline)
    return _zip(course.release / assignment, assignment, course.downloads / f"{assignment}.zip"), changes


def due_date(text: str) -> datetime:
    """A due date as nbgrader reads it, e.g. "2026-12-01 23:59:00 UTC"; OptionError otherwise."""
    try:
        return parse_utc(text)
    except (ValueError, OverflowError) as e:
        raise OptionError(f"--due {text!r} is not a date nbgrader reads ({e})") from None


def site_kit(course: Course | Path, assignment: str, target: Path) -> Path:
    """The zip the course site offers, made in a scratch copy of the course: the same student
    version and kit as ``release``, without writing to the course, its gradebook or its
    source notebooks (so that building the site never touches grading state)."""
    course = Course.of(course)
    with tempfile.TemporaryDirectory(prefix=f"dlcourse-kit-{assignment}-") as scratch:
        copy = Course(Path(scratch))
        shutil.copytree(course.source_of(assignment), copy.source_of(assignment),
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", CHECKER_NAME, cases_file(assignment)))
        shutil.copyfile(course.nbgrader_config, copy.nbgrader_config)
        cells.sync_assignment(copy.root, assignment)
        write_kit(copy, assignment)
        _generate(copy, assignment, "--no-db")
        return _zip(copy.release / assignment, assignment, Path(target))
