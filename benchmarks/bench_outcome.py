"""The class-scale cost of the outcome exercises (issue 23): hw3's honest notebooks, graded
sandboxed as `dlcourse grade` grades them, with the outcome exercise's own sandbox run and
without it.

Run: .venv/bin/python benchmarks/bench_outcome.py [--students 24] [--sample 4]

Prints the CPU seconds one submission costs (the machine's CPU time while it is graded alone:
run it on a machine doing nothing else), with and without the outcome exercise, so the
exercise's own share; then the throughput of `grade_class` on the class with 1 and 2 local
workers (wall time, start to end, reports included). OpenBLAS and the other BLAS run one thread
in the sandbox, as in grading.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the sample class: a fixture at the repository's root, not in the installed package
import sample_class  # noqa: E402
from dlcourse.grading import kit  # noqa: E402
from dlcourse.grading.batch import grade_class, instructor_tests  # noqa: E402
from dlcourse.grading.cases import load_secret  # noqa: E402
from dlcourse.grading.exercises import OUTCOMES  # noqa: E402
from dlcourse.grading.grader import grade_submission  # noqa: E402

ASSIGNMENT, NOTEBOOK = "hw3", "hw3.ipynb"


def honest_class(where: Path, n: int) -> Path:
    """A course with hw3 released and n copies of the sample class's honest hw3 submission."""
    course = where / "course"
    course.mkdir(parents=True)
    shutil.copytree(ROOT / "autograder" / "source", course / "source")
    shutil.copy(ROOT / "autograder" / "nbgrader_config.py", course)
    kit.release(course, ASSIGNMENT)
    first = sample_class.make(course, ASSIGNMENT, 1)[0]
    assert first.kind == "honest", first
    honest = (course / "submitted" / first.name / ASSIGNMENT / NOTEBOOK).read_bytes()
    shutil.rmtree(course / "submitted")
    for i in range(n):
        folder = course / "submitted" / f"s{i:04d}" / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / NOTEBOOK).write_bytes(honest)
    shutil.copy(course / "gradebook.db", course / "gradebook.pristine")
    return course


def machine_cpu() -> float:
    """CPU seconds the whole machine has spent so far, every process's: a sandbox's processes are
    not this one's children to the kernel's accounting (its PID namespace reaps them), so a
    grading's cost is read machine-wide, on a machine doing nothing else."""
    times = psutil.cpu_times()
    return times.user + times.nice + times.system + getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0)


def cpu_per_submission(course: Path, sample: int) -> tuple[list[float], list[float], float]:
    """CPU seconds of each of ``sample`` gradings, with the outcome exercise and without it, and
    the full score (the honest class must keep it)."""
    tests = instructor_tests(course, ASSIGNMENT)[NOTEBOOK]
    without = [t for t in tests if t.grade_id not in OUTCOMES]
    assert len(without) < len(tests), "hw3 has no outcome exercise"
    secret = load_secret(course, create=True)
    data = (course / "submitted" / "s0000" / ASSIGNMENT / NOTEBOOK).read_bytes()
    full, functions, score = [], [], 0.0
    for i in range(sample):
        for chosen, into in ((tests, full), (without, functions)):
            before = machine_cpu()
            result = grade_submission(f"s{i:04d}", ASSIGNMENT, NOTEBOOK, data, chosen, secret)
            into.append(machine_cpu() - before)
            if chosen is tests:
                score = result.score
    return full, functions, score


def throughput(course: Path, workers: int) -> tuple[float, float, int]:
    """(seconds, the class's mean score, notebooks) of one grade_class run from a fresh gradebook."""
    shutil.copy(course / "gradebook.pristine", course / "gradebook.db")
    started = time.perf_counter()
    # its notes on the copies (no receipts, no submission secrets: not collected) are not the point here
    with contextlib.redirect_stdout(io.StringIO()):
        run = grade_class(course, ASSIGNMENT, workers=workers, progress=False)
    return time.perf_counter() - started, run.mean_score, run.notebooks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--sample", type=int, default=4, help="submissions timed one by one for the CPU seconds")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-outcome-"))
    try:
        course = honest_class(work, args.students)
        outcome = next(iter(OUTCOMES.values()))
        print(f"hw3's outcome exercise {outcome.grade_id}: {outcome.seeds} seeds and a control run, budget "
              f"{outcome.budget.cpu_seconds:g} s of CPU a run; OPENBLAS_CORETYPE="
              f"{os.environ.get('OPENBLAS_CORETYPE', '(not set)')}; load {os.getloadavg()[0]:.1f}")
        full, functions, score = cpu_per_submission(course, args.sample)
        share = [a - b for a, b in zip(full, functions)]
        print(f"CPU seconds per submission, {args.sample} sandboxed gradings: with the outcome exercise "
              f"median {statistics.median(full):.2f} s; function tests only {statistics.median(functions):.2f} s; "
              f"the outcome exercise's own share {statistics.median(share):.2f} s "
              f"(range {min(share):.2f}-{max(share):.2f} s); an honest submission scores {score:g}")
        rates = {}
        for workers in (1, 2):
            seconds, mean, graded = throughput(course, workers)
            rates[workers] = 60 * graded / seconds
            print(f"grade_class, {workers} worker(s): {graded} notebooks in {seconds:.1f} s, "
                  f"{rates[workers]:.1f} notebooks per minute; mean score {mean:g} of {score:g} "
                  f"(load {os.getloadavg()[0]:.1f})")
        print(f"2 workers vs 1: {rates[2] / rates[1]:.2f}x the throughput")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
