"""Grading one submission: run its code in the sandbox, then compare what it returned with
``dlcourse`` here, in the grader's process. A pure function of the submission's bytes and
the instructor's test cells, so a Dask worker anywhere can run it, and grading the same
submission twice gives the same result."""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from dlcourse.grading import notebook, sandbox
from dlcourse.grading.compare import as_outputs, compare, describe_inputs
from dlcourse.grading.specs import SPECS

RUNNER = Path(__file__).with_name("runner.py")


@dataclass
class CaseReport:
    seed: int
    call: str
    passed: bool
    message: str = ""


@dataclass
class TestReport:
    grade_id: str
    function: str
    points: float
    score: float
    cases: list[CaseReport] = field(default_factory=list)


@dataclass
class SubmissionResult:
    student: str
    assignment: str
    notebook: str
    digest: str
    tests: list[TestReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what went wrong with the notebook as a whole
    output: str = ""

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "SubmissionResult":
        d = json.loads(text)
        d["tests"] = [TestReport(**{**t, "cases": [CaseReport(**c) for c in t["cases"]]}) for t in d["tests"]]
        return cls(**d)


def _cases(tests: list[notebook.TestCell], seeds: dict[str, tuple[int, ...]] | None):
    """(test cell, spec, seed) for every case of every autograded test cell: the hidden seeds,
    unless ``seeds`` names others per test (the student's check runs the visible ones)."""
    for tc in tests:
        spec = SPECS[tc.grade_id]
        for seed in (seeds or {}).get(tc.grade_id, spec.hidden_seeds):
            yield tc, spec, seed


def grade_submission(
    student: str, assignment: str, notebook_name: str, data: bytes | None, tests: list[notebook.TestCell],
    sandboxed: bool = True, limits: sandbox.Limits = sandbox.Limits(),
    seeds: dict[str, tuple[int, ...]] | None = None,
) -> SubmissionResult:
    """Grades one submitted notebook's bytes (None: not submitted) against the instructor's test cells."""
    result = SubmissionResult(student, assignment, notebook_name, hashlib.sha256(data or b"").hexdigest())
    unknown = [tc.grade_id for tc in tests if tc.grade_id not in SPECS]
    if unknown:  # an instructor's mistake, not a student's: stop loudly
        raise KeyError(f"test cells without a spec in dlcourse.grading.specs: {unknown}")
    reports = {tc.grade_id: TestReport(tc.grade_id, SPECS[tc.grade_id].function, tc.points, 0.0) for tc in tests}
    result.tests = list(reports.values())
    if data is None:
        result.problems.append(f"{notebook_name}: not found in the submission (was it renamed?)")
        return result
    try:
        nb = notebook.read(notebook_name, data)
    except notebook.SubmissionError as e:
        result.problems.append(str(e))
        return result
    cells = notebook.code_to_run(nb, {tc.grade_id for tc in tests})
    cases = list(_cases(tests, seeds))
    scratch = Path(tempfile.mkdtemp(prefix="dlcourse-grade-"))
    try:
        (scratch / "inputs").mkdir()
        (scratch / "outputs").mkdir()
        job = {"cells": cells, "case_timeout": limits.case_seconds, "cell_timeout": limits.cell_seconds, "cases": []}
        all_inputs = []
        for i, (_, spec, seed) in enumerate(cases):
            inputs = spec.inputs(seed)
            all_inputs.append(inputs)
            args = spec.arguments(inputs)
            np.savez(scratch / "inputs" / f"{i}.npz", **args)
            job["cases"].append({"function": spec.function, "args": list(args)})
        (scratch / "job.json").write_text(json.dumps(job))
        shutil.copy(RUNNER, scratch / "runner.py")
        run = sandbox.run(scratch, [sys.executable, "-I", "runner.py"], limits, sandboxed)
        result.output = run.stdout
        if run.timed_out:
            result.problems.append(f"the notebook ran past the {limits.wall_seconds:g} s limit and was stopped; "
                                   "tests it had not reached count as failed")
        elif run.returncode not in (0, None):
            result.problems.append(f"the notebook's process ended abnormally (exit status {run.returncode}); "
                                   "tests it had not reached count as failed")
        status = _read_status(scratch / "results.jsonl")
        for cell_id, err in status["cells"].items():
            result.problems.append(f"cell {cell_id} failed: {err}")
        for i, (tc, spec, seed) in enumerate(cases):
            call = f"{spec.function}({describe_inputs(spec.arguments(all_inputs[i]))})"
            report = reports[tc.grade_id]
            err = status["cases"].get(i)
            if err is None:  # never reached: a result that does not come back counts as failed
                msgs = ["this call never completed (the notebook's process stopped before it)"]
            elif err == "ok":
                msgs = _check(spec, all_inputs[i], scratch / "outputs" / f"{i}.npz")
            else:
                msgs = [err]
            report.cases.append(CaseReport(seed, call, not msgs, "; ".join(msgs)))
        for report in reports.values():
            if report.cases:
                report.score = round(report.points * sum(c.passed for c in report.cases) / len(report.cases), 4)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def _read_status(path: Path) -> dict:
    """The runner's status lines; anything unparsable is ignored (the file is untrusted)."""
    cells, cases = {}, {}
    if path.exists():
        for line in path.read_text(errors="replace").splitlines()[:10_000]:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if not isinstance(rec, dict):
                continue
            if "cell" in rec and rec.get("status") == "error":
                cells[str(rec["cell"])[:80]] = str(rec.get("error", ""))[:400]
            elif isinstance(rec.get("case"), int):
                cases[rec["case"]] = "ok" if rec.get("status") == "ok" else str(rec.get("error", "failed"))[:400]
    return {"cells": cells, "cases": cases}


def _check(spec, inputs, path: Path) -> list[str]:
    """Loads a case's outputs (no pickles, untrusted) and compares them with the reference."""
    if not path.exists():
        return ["no result came back from this call"]
    try:
        with np.load(path, allow_pickle=False) as data:
            values = tuple(data[f"out{k}"] for k in range(len(data.files)))
        outputs = as_outputs(spec, values if len(values) != 1 else values[0])
    except Exception as e:  # a malformed file counts as a failed call
        return [f"the returned value could not be read ({type(e).__name__}: {str(e)[:200]})"]
    try:
        return compare(spec, inputs, outputs)
    except Exception as e:
        return [f"the returned value could not be compared ({type(e).__name__}: {str(e)[:200]})"]
