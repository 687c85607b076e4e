"""The class-scale cost of the outcome exercises (issue 23): hw3's honest notebooks, graded
sandboxed as `dlcourse grade` grades them, with both outcome exercises (the MLP, whose train
runs in its own sandbox run; the diverging configuration, whose changes() is called in one and
trained by the grader), with each alone, and with neither.

Run: .venv/bin/python benchmarks/bench_outcome.py [--students 24] [--sample 4]

Prints the CPU seconds one submission costs (the machine's CPU time while it is graded alone:
run it on a machine doing nothing else), with and without the outcome exercises, so each
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
from dlcourse.grading.outcome.graded import outcome_of  # noqa: E402

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


def cpu_per_submission(course: Path, sample: int) -> tuple[dict[str, list[float]], float]:
    """CPU seconds of each of ``sample`` gradings: with every test ("all"), with the function
    tests only ("functions"), and with the function tests and one outcome exercise (its grade
    id); and the full score (the honest class must keep it)."""
    tests = instructor_tests(course, ASSIGNMENT)[NOTEBOOK]
    functions = [t for t in tests if t.grade_id not in OUTCOMES]
    outcomes = [t for t in tests if t.grade_id in OUTCOMES]
    assert outcomes, "hw3 has no outcome exercise"
    chosen = {"all": tests, "functions": functions} | {t.grade_id: functions + [t] for t in outcomes}
    secret = load_secret(course, create=True)
    data = (course / "submitted" / "s0000" / ASSIGNMENT / NOTEBOOK).read_bytes()
    seconds: dict[str, list[float]] = {name: [] for name in chosen}
    score = 0.0
    for i in range(sample):
        for name, some in chosen.items():
            before = machine_cpu()
            result = grade_submission(f"s{i:04d}", ASSIGNMENT, NOTEBOOK, data, some, secret)
            seconds[name].append(machine_cpu() - before)
            if name == "all":
                score = result.score
    return seconds, score


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
        for o in map(outcome_of, OUTCOMES.values()):
            print(f"hw3's outcome exercise {o.grade_id}: {o.seeds} seeds and a control run, budget "
                  f"{o.budget.cpu_seconds:g} s of CPU a run")
        print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(not set)')}; load {os.getloadavg()[0]:.1f}")
        seconds, score = cpu_per_submission(course, args.sample)
        median = {name: statistics.median(s) for name, s in seconds.items()}
        print(f"CPU seconds per submission, {args.sample} sandboxed gradings (medians): every test "
              f"{median['all']:.2f} s; function tests only {median['functions']:.2f} s; the outcome exercises' "
              f"share {median['all'] - median['functions']:.2f} s; an honest submission scores {score:g}")
        for name in OUTCOMES:
            share = [a - b for a, b in zip(seconds[name], seconds["functions"])]
            print(f"  {name} alone: {statistics.median(share):.2f} s (range {min(share):.2f}-{max(share):.2f} s)")
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
