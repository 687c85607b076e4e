"""The runner's entry: reads the job, runs the cells, calls the cases, hands the output back.

The first process only waits for the last one to say it has finished: the cells hand the
notebook's state from fork to fork (``cells``), so no student process ever has it as its parent,
and it exits at once with 0 when the work was finished, else 1.
"""
from __future__ import annotations

import io
import json
import os
import sys

from . import calls, cells, inert, outcome
from .protocol import MAX_PRINT


def main(job_dir: str) -> None:
    """Runs the job in ``job_dir``: ``job.json`` (cells, cases, limits, the student library's
    folder; or, for an outcome exercise, its runs) and ``inputs.bin`` (the cases' arguments, or
    the outcome's data), both read-only. Records go to the file
    descriptor named by ``DLCOURSE_RESULTS_FD``; printed output, capped, to stdout."""
    # hwcheck.py is the grader's checker, beside this package: it encodes results, and a cell that
    # imports it as the kit's helper (``from hwcheck import check``) finds it
    import hwcheck  # noqa: F401

    results = int(os.environ.pop("DLCOURSE_RESULTS_FD"))
    with open(os.path.join(job_dir, "job.json")) as fh:
        job = json.load(fh)
    inputs = calls.read_inputs(os.path.join(job_dir, "inputs.bin"), job["cases"])
    finished_r, finished_w = os.pipe()
    if os.fork() != 0:  # the first process: wait until the last worker says it is done
        os.close(finished_w)
        with os.fdopen(finished_r, "rb") as f:
            done = f.read(1) == b"1"
        os._exit(0 if done else 1)  # at once: the interpreter's teardown would only delay the grader
    os.close(finished_r)
    captured = io.StringIO()
    sys.stdout = sys.stderr = captured  # student prints stay in memory, capped
    shell = cells.new_shell()
    notebook = cells.Notebook(shell, results, captured, inert.Baseline(shell))
    if job.get("library"):  # the student library, as students install it: after the job, before the system
        sys.path.insert(1, job["library"])  # (once the runner's own imports are done: they never look there)
    cells.run_cells(job, notebook)
    if job.get("outcome"):  # an outcome exercise's run: its one "case" holds the training and held-out data
        outcome.run_outcome(job, shell, inputs[0], results)
    else:
        calls.run_cases(job, shell, inputs, results)
    sys.__stdout__.write(captured.getvalue()[:MAX_PRINT])
    sys.__stdout__.flush()
    os.write(finished_w, b"1")
