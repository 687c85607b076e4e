"""Grading one submission: run its code in the sandbox, then compare what it returned with
``dlcourse`` here, in the grader's process. Its grades are a function of the submission's
bytes, the instructor's test cells and the course secret alone (only ``seconds``, the time it
took, differs between two gradings), so a Dask worker anywhere can run it.

What comes back from the sandbox is untrusted: every line is parsed with a size cap, and no
array is decoded before its shape is checked against what the test can need.
"""
from __future__ import annotations

import atexit
import compileall
import functools
import hashlib
import json
import py_compile
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlcourse.grading import cases as casemod
from dlcourse.grading import checker, mistakes, notebook, sandbox
from dlcourse.grading.exercise import Spec
from dlcourse.grading.exercises import AUTOGRADED, OUTCOMES, SPECS
from dlcourse.grading.insandbox.protocol import read_status
from dlcourse.grading.outcome import graded as outcomes
from dlcourse.grading.outcome.configured import Configured
from dlcourse.grading.outcome.configured_judge import ConfiguredVerdict
from dlcourse.grading.outcome.exercise import Outcome
from dlcourse.grading.outcome.judge import Verdict
from dlcourse.grading.sandbox_library import folder as library_folder

INSANDBOX = Path(__file__).with_name("insandbox")  # the runner: copied whole into each job
PROPERTY_MAX_ELEMENTS = 100_000  # a test checked by a property has no reference shape to bound by


@dataclass
class CaseReport:
    name: str  # "hidden case 2", "edge case: ..." or "visible case 1"
    seed: int  # with the spec, makes the inputs again (instructor side; feedback never shows it)
    call: str
    passed: bool
    message: str = ""
    number: int = 0  # with ``edge``, the case's make_inputs arguments
    edge: str | None = None
    mistake: str | None = None  # the known mistake (of the spec's wrong_answers) the result is, if any

    def case(self) -> casemod.Case:
        return casemod.Case(self.name, self.seed, self.number, self.edge)


@dataclass
class TestReport:
    grade_id: str
    function: str
    points: float
    score: float
    cases: list[CaseReport] = field(default_factory=list)
    feedback: str = ""  # an outcome's: each run against the bands and the budget (``Verdict.feedback``)


@dataclass
class SubmissionResult:
    student: str
    assignment: str
    notebook: str
    digest: str
    tests: list[TestReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what went wrong with the notebook as a whole
    notes: list[str] = field(default_factory=list)  # cells not run in full, which cost no mark
    output: str = ""
    answers: dict[str, str] = field(default_factory=dict)  # the student's cells by grade id, for formgrader
    seconds: float = 0.0  # how long grading it took, on its worker

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)

    def to_json(self) -> str:
        # by hand: ``dataclasses.asdict`` deep-copies every value, several ms per result
        tests = [{**vars(t), "cases": [vars(c) for c in t.cases]} for t in self.tests]
        return json.dumps({**vars(self), "tests": tests})

    @classmethod
    def from_json(cls, text: str) -> SubmissionResult:
        d = json.loads(text)
        d["tests"] = [TestReport(**{**t, "cases": [CaseReport(**c) for c in t["cases"]]}) for t in d["tests"]]
        return cls(**d)


def _cases(tests: list[notebook.TestCell], secret: bytes | None, assignment: str, student: str):
    """(test cell, spec, case) for every case of every autograded test cell: the hidden cases of
    this student, or the visible ones when there is no secret (a check, not a grade)."""
    for tc in tests:
        if tc.grade_id in OUTCOMES:  # graded by a sandbox run of its own
            continue
        spec = SPECS[tc.grade_id]
        chosen = (casemod.hidden_cases(spec, secret, assignment, student) if secret is not None
                  else casemod.visible_cases(spec))
        for case in chosen:
            yield tc, spec, case


def _write_inputs(path: Path, args_of_cases: list[dict]) -> list[list[dict]]:
    """Writes every case's arguments to ``path`` as raw bytes, one after another; returns where
    each lies (name, dtype, shape, offset). The runner reads them in one go, where an ``.npz``
    took a zip member per array: a tenth of a plain notebook's time, on both sides. Arrays go in
    C order, as the student's own check decodes the visible cases."""
    layouts, chunks, offset = [], [], 0
    for args in args_of_cases:
        layout = []
        for name, value in args.items():
            a = np.asarray(value)
            if a.dtype.hasobject or a.dtype.names:  # an exercise's inputs are plain numbers
                raise TypeError(f"argument {name} has dtype {a.dtype}: a case's inputs must be numbers or arrays")
            layout.append({"name": name, "dtype": a.dtype.str, "shape": list(a.shape), "offset": offset})
            chunks.append(a.tobytes())
            offset += a.nbytes
        layouts.append(layout)
    path.write_bytes(b"".join(chunks))
    return layouts


def grade_submission(
    student: str, assignment: str, notebook_name: str, data: bytes | None, tests: list[notebook.TestCell],
    secret: bytes | None, sandboxed: bool = True, limits: sandbox.Limits = sandbox.Limits(),
) -> SubmissionResult:
    """Grades one submitted notebook's bytes (None: not submitted) against the instructor's test
    cells, on the student's hidden cases (``secret=None``: on the visible cases)."""
    if data is None:
        return refused(student, assignment, notebook_name, tests,
                       f"{notebook_name}: not found in the submission (was it renamed?)")
    started = time.perf_counter()
    result = _unscored(student, assignment, notebook_name, tests, hashlib.sha256(data).hexdigest())
    reports = {t.grade_id: t for t in result.tests}
    try:
        nb = notebook.read(notebook_name, data)
    except notebook.SubmissionError as e:
        result.problems.append(str(e))
        result.seconds = round(time.perf_counter() - started, 3)
        return result
    cells = notebook.code_to_run(nb, {tc.grade_id for tc in tests})
    library = library_folder(assignment, tuple(sorted(tc.grade_id for tc in tests if tc.grade_id in SPECS)))
    result.answers = notebook.answers(nb, {tc.grade_id for tc in tests})
    chosen = list(_cases(tests, secret, assignment, student))
    job_spec = {"cells": cells, "case_timeout": limits.case_seconds, "cell_timeout": limits.cell_seconds,
                "cells_seconds": cells_seconds(limits), "cases": [],
                "library": sandbox.LIBRARY if sandboxed else str(library)}
    all_inputs = [casemod.inputs(spec, case) for _, spec, case in chosen]
    run = _sandbox_job(student, job_spec, [(spec.function, spec.arguments(inputs))
                                           for (_, spec, _), inputs in zip(chosen, all_inputs)],
                       limits, sandboxed, library)
    result.output = run.stdout
    if run.timed_out:
        result.problems.append(f"the notebook ran past the {limits.wall_seconds:g} s limit and was stopped; "
                               "tests it had not reached count as failed")
    elif run.returncode not in (0, None):
        result.problems.append(f"the notebook's process ended abnormally (exit status {run.returncode}); "
                               "tests it had not reached count as failed")
    status = read_status(run.results, {c["id"] for c in cells})
    for cell_id, err in status["cells"].items():
        if err is not None:
            result.problems.append(f"cell {cell_id} failed: {err}")
    result.notes = cell_notes(status["notes"], cells_seconds(limits))
    for i, (tc, spec, case) in enumerate(chosen):
        call = f"{spec.function}({checker.describe_inputs(spec.arguments(all_inputs[i]))})"
        got, mistake = status["cases"].get(i), None
        if got is None:  # never reached: a result that does not come back counts as failed
            msgs = ["this call never completed (the notebook's process stopped before it)"]
        elif isinstance(got, str):
            msgs = [got]
        else:
            msgs = check_outputs(spec, all_inputs[i], got)
            mistake = mistakes.recognise(spec, all_inputs[i], got) if msgs else None  # failed cases only
            msgs += [mistakes.words(spec, mistake)] if mistake else []
        reports[tc.grade_id].cases.append(CaseReport(case.name, case.seed, call, not msgs, "; ".join(msgs),
                                                     case.number, case.edge, mistake))
    for report in reports.values():
        if report.cases:
            report.score = round(report.points * sum(c.passed for c in report.cases) / len(report.cases), 4)
    for tc in tests:
        if tc.grade_id in OUTCOMES:
            _grade_outcome(reports[tc.grade_id], OUTCOMES[tc.grade_id], cells, student, assignment, secret, limits,
                           sandboxed)
    _clean_texts(result)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _sandbox_job(student: str, job_spec: dict, calls: list[tuple[str, dict]], limits: sandbox.Limits,
                 sandboxed: bool, library: Path) -> sandbox.RunResult:
    """Runs the runner on ``job_spec`` in the sandbox; ``calls``: (function, arguments) of each
    case, whose arguments go to ``inputs.bin``."""
    # the folder names the student, so an instructor (or a test) can tell whose code a process runs
    job = Path(tempfile.mkdtemp(prefix=f"dlcourse-job-{re.sub(r'[^A-Za-z0-9_.-]', '_', student)[:40]}-"))
    try:
        layouts = _write_inputs(job / "inputs.bin", [args for _, args in calls])
        (job / "job.json").write_text(json.dumps({**job_spec, "cases": [
            {"function": function, "args": layout} for (function, _), layout in zip(calls, layouts)]}))
        shutil.copytree(compiled_runner(), job / INSANDBOX.name)
        shutil.copy(checker.__file__, job / "hwcheck.py")
        return sandbox.run(job, f"{INSANDBOX.name}/launch.py", limits, sandboxed, library)
    finally:
        shutil.rmtree(job, ignore_errors=True)


def _grade_outcome(report: TestReport, exercise: Outcome | Configured, cells: list[dict], student: str,
                   assignment: str, secret: bytes | None, limits: sandbox.Limits, sandboxed: bool) -> None:
    """The outcome exercise's own sandbox runs (``outcome.graded``): in each, the notebook's cells
    again, then one run of the student's ``train`` under the budget's limits (or, for a
    configuration exercise, its function called once, its answer trained by the grader); scored here."""
    data, seeds = outcomes.data_and_seeds(exercise, secret, assignment, student)
    run_limits = outcomes.limits(exercise, limits)
    # the student library without stubs: an outcome has no reference to withhold, and its own
    # reference trains with the library's trainer
    library = library_folder(assignment, ())
    job_spec = {"cells": cells, "case_timeout": run_limits.case_seconds, "cell_timeout": run_limits.cell_seconds,
                "cells_seconds": cells_seconds(run_limits), "library": sandbox.LIBRARY if sandboxed else str(library)}
    runs = [_sandbox_job(student, {**job_spec, "outcome": part}, [(exercise.function, arrays)], run_limits,
                         sandboxed, library) for part, arrays in outcomes.jobs(exercise, data, seeds)]
    results = [run.results for run in runs]
    if isinstance(exercise, Configured):
        lines = _configured_report(report, outcomes.configured_verdict(exercise, results[0], data, seeds))
    else:
        lines = _outcome_report(report, outcomes.verdict(exercise, results, data, seeds))
    stopped = sum(run.timed_out for run in runs)
    if stopped:
        lines.append(f"  {stopped} of the outcome's sandbox runs passed their {run_limits.wall_seconds:g} s limit "
                     f"and were stopped")
    report.feedback = "\n".join(lines)


def _run_cases(report: TestReport, verdict: Verdict, call: str) -> None:
    """A case per run of ``verdict``, the control last: passed when it reaches the full band."""
    every = (*verdict.runs, verdict.control)
    top = verdict.outcome.bands[0].threshold
    for k, r in enumerate(every):
        control = k == len(verdict.runs)
        name = "control run (shuffled labels)" if control else f"run {k + 1}"
        passed = (not verdict.flagged) if control else (r.error is None and r.accuracy >= top)
        said = r.error if r.error is not None else f"held-out accuracy {r.accuracy:.1%}"
        report.cases.append(CaseReport(name, r.seed, call, passed, f"{said}, {r.cpu_seconds:.2f} s of CPU"))


def _outcome_report(report: TestReport, verdict: Verdict) -> list[str]:
    """The score and cases of a ``train``'s runs; the feedback's lines."""
    report.score = round(verdict.score, 4)
    _run_cases(report, verdict, f"{verdict.outcome.function}(X, y, seed)")
    return [verdict.feedback()] + ([far] if (far := outcomes.how_far(verdict)) else [])


def _configured_report(report: TestReport, judged: ConfiguredVerdict) -> list[str]:
    """The score and cases of a configuration's training, or of its refusal; the feedback's lines."""
    report.score = round(judged.score, 4)
    call = f"{judged.exercise.function}()"
    if judged.verdict is None:
        report.cases.append(CaseReport("your answer", 0, call, False, judged.refused or "refused"))
    else:
        _run_cases(report, judged.verdict, f"the grader's training of {call}")
    return [judged.feedback()]


@functools.cache
def compiled_runner() -> Path:
    """A copy of the runner package with its bytecode, made once per process and removed when it
    exits: the job folder is read-only in the sandbox, where each import would compile afresh.
    Hash-based and unchecked, the bytecode stays valid in every job's copy of the folder."""
    root = Path(tempfile.mkdtemp(prefix="dlcourse-runner-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    target = root / INSANDBOX.name
    shutil.copytree(INSANDBOX, target, ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(target, quiet=2, workers=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    return target


def cells_seconds(limits: sandbox.Limits) -> float:
    """The cells' share of a notebook's time; the rest is kept for the tests."""
    return max(0.0, limits.wall_seconds - limits.tests_seconds)


def cell_notes(notes: dict[str, tuple[str, list[str]]], seconds: float) -> list[str]:
    """What the feedback says of the cells that did not run in full for lack of time, which cost
    no mark: the skipped ones together, each of the others on its own."""
    spent = f"the notebook's {seconds:g} s for running cells were spent (the rest of its time is the tests')"
    skipped = [cell_id for cell_id, (how, _) in notes.items() if how == "skipped"]
    out = []
    if skipped:
        which = f"cell {skipped[0]} was" if len(skipped) == 1 else f"cells {', '.join(skipped)} were"
        out.append(f"{which} not run: {spent}, and they define nothing the graded functions use "
                   "(as cells never run in Jupyter)")
    for cell_id, (how, kept) in notes.items():
        names = ", ".join(kept)
        if how == "definitions":
            out.append(f"cell {cell_id}: only its definitions of {names} were run: {spent}")
        elif how == "interrupted":
            kept_text = (f"its definitions of {names} were run again on their own" if kept else
                         "it defines nothing the graded functions use")
            out.append(f"cell {cell_id} was stopped, as an interrupt in Jupyter would stop it, when {spent}; "
                       f"{kept_text}")
    return out


def _clean_texts(result: SubmissionResult) -> None:
    """The student can put a lone surrogate in an exception message or the output: make every text
    something a file, the gradebook and a terminal can take."""
    result.problems = [notebook.clean_text(p) for p in result.problems]
    result.notes = [notebook.clean_text(p) for p in result.notes]
    result.output = notebook.clean_text(result.output)
    for t in result.tests:
        t.feedback = notebook.clean_text(t.feedback)
        for c in t.cases:
            c.message = notebook.clean_text(c.message)


def _unscored(student: str, assignment: str, notebook_name: str, tests: list[notebook.TestCell],
              digest: str) -> SubmissionResult:
    """A result with every test at zero and no case run yet."""
    unknown = [tc.grade_id for tc in tests if tc.grade_id not in AUTOGRADED]
    if unknown:  # an instructor's mistake, not a student's: stop loudly
        raise KeyError(f"test cells declared in no exercise of dlcourse/grading/exercises: {unknown}")
    result = SubmissionResult(student, assignment, notebook_name, digest)
    result.tests = [TestReport(tc.grade_id, AUTOGRADED[tc.grade_id].function, tc.points, 0.0) for tc in tests]
    return result


def refused(student: str, assignment: str, notebook_name: str, tests: list[notebook.TestCell], reason: str,
            digest: str | None = None) -> SubmissionResult:
    """A result of zero for every test, with the reason; its digest is the reason's, unless given."""
    result = _unscored(student, assignment, notebook_name, tests, digest or hashlib.sha256(reason.encode()).hexdigest())
    result.problems.append(reason)
    return result


def check_outputs(spec: Spec, inputs: dict[str, np.ndarray], encoded: list) -> list[str]:
    """Decodes a case's outputs, each bounded by what the test can need, and compares them."""
    expected = None
    if spec.property is None:
        expected = checker.as_outputs(spec.reference(**spec.arguments(inputs)), spec.outputs, spec.function)
    if len(encoded) != len(spec.outputs):
        return [f"{spec.function} must return {len(spec.outputs)} value(s) ({', '.join(spec.outputs)}), "
                f"it returned {len(encoded)}"]
    got = {}
    for name, item in zip(spec.outputs, encoded):
        bound = expected[name].size if expected is not None else PROPERTY_MAX_ELEMENTS
        try:
            got[name] = checker.as_real(checker.decode(item, max_elements=max(bound, 1)))
        except Exception as e:  # a malformed or oversized value counts as a failed call
            return [f"output {name} could not be read ({str(e)[:200]})"]
    try:
        return checker.check_call({"property": spec.property, "rtol": spec.rtol, "atol": spec.atol}, inputs, got,
                                  expected)
    except Exception as e:
        return [f"the returned value could not be compared ({type(e).__name__}: {str(e)[:200]})"]
