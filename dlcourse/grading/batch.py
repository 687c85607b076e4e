"""Grading a whole class on Dask: a LocalCluster with one worker per core by default, or an
existing cluster given by its scheduler address (the same code path). Workers grade; this
process is the only writer, to the nbgrader gradebook, as results arrive.

Course layout (nbgrader's): ``source/<assignment>/<nb>.ipynb`` (the instructor's copy, with
the tests) and ``submitted/<student>/<assignment>/<nb>.ipynb``. Every result is also kept
as JSON under ``dlcourse-results/<assignment>/``; feedback, the CSV and the summary are
written from those under ``reports/<assignment>/``.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tqdm import tqdm

from dlcourse.grading import notebook, sandbox
from dlcourse.grading.grader import SubmissionResult, grade_submission
from dlcourse.grading.gradebook import GradeWriter
from dlcourse.grading.report import write_reports


def instructor_tests(course: Path, assignment: str) -> dict[str, list[notebook.TestCell]]:
    """notebook file name -> its autograded test cells, from the instructor's source copy."""
    folder = course / "source" / assignment
    books = sorted(folder.glob("*.ipynb"))
    if not books:
        raise FileNotFoundError(f"{folder}: no source notebook for assignment {assignment!r}")
    return {p.name: notebook.test_cells(notebook.read(p)) for p in books}


def submissions(course: Path, assignment: str, books: list[str]) -> list[tuple[str, str, Path]]:
    """(student, notebook name, path) for every expected notebook of every student who submitted."""
    root = course / "submitted"
    out = []
    for student_dir in sorted(p for p in root.glob("*") if (p / assignment).is_dir()):
        for name in books:
            out.append((student_dir.name, name, student_dir / assignment / name))
    return out


def _store(result: SubmissionResult, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result.student}__{result.notebook}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(result.to_json())
    os.replace(tmp, path)  # atomic: a killed run never leaves half a file


def grade_class(
    course: Path, assignment: str, scheduler: str | None = None, workers: int | None = None,
    sandboxed: bool = True, db_url: str | None = None, progress: bool = True,
    limits: sandbox.Limits = sandbox.Limits(),
) -> list[SubmissionResult]:
    """Grades every submission not yet graded in its current version; returns all results."""
    from dask.distributed import Client, LocalCluster, as_completed

    course = Path(course).resolve()
    if sandboxed and not sandbox.available():
        raise RuntimeError("bubblewrap (bwrap), setpriv and root are needed to sandbox student code; "
                           "install bubblewrap, or pass --no-sandbox to run student code unconfined")
    tests = instructor_tests(course, assignment)
    results_dir = course / "dlcourse-results" / assignment
    writer = GradeWriter(db_url or f"sqlite:///{course / 'gradebook.db'}")
    done = writer.graded(assignment)
    todo, results = [], []
    for student, name, path in submissions(course, assignment, list(tests)):
        data = path.read_bytes() if path.is_file() else None
        digest = hashlib.sha256(data or b"").hexdigest()
        stored = results_dir / f"{student}__{name}.json"
        if done.get((student, name.removesuffix(".ipynb"))) == digest and stored.exists():
            results.append(SubmissionResult.from_json(stored.read_text()))
        else:
            todo.append((student, name, path, data))
    if todo:
        cluster = None
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=workers or os.cpu_count(), threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster)
        try:
            futures = [client.submit(grade_submission, s, assignment, n, d, tests[n], sandboxed, limits,
                                     key=f"{s}/{n}", pure=False) for s, n, _, d in todo]
            bar = tqdm(total=len(futures), desc=f"grading {assignment}", unit="notebook", disable=not progress)
            for fut in as_completed(futures):
                result = fut.result()
                _store(result, results_dir)
                writer.write(result)
                results.append(result)
                bar.update()
            bar.close()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    writer.close()
    write_reports(results, course / "reports" / assignment)
    return results
