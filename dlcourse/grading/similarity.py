"""Pairs of submissions whose answer code is unusually alike: evidence for a human, never a grade.

A student's *answer code* is what the grader runs: the code cells of their notebooks of the
assignment, in order, minus the test cells (the instructor's grade ids) and the local-check
import (``notebook.code_to_run``). Each file is opened as the grader opens it
(``notebook.read_submitted``): a link, a device or an oversize file is listed with its reason,
never followed.

The comparison is copydetect's (the winnowing of MOSS). Each answer code is tokenised: every
name becomes the one character ``V`` or ``F``, and comments and spacing vanish, so renaming
variables and rewriting comments hides nothing (``dz[np.arange(n), y] -= 1`` becomes the 14
characters ``V[V.V(V),V]-=1``). Its fingerprints are the hashes of every run of 25 such
characters (copydetect's noise threshold; shorter runs are common idioms). A pair's score is
the larger of its two shares: the part of one student's fingerprinted code found in the
other's. A pair is flagged above 0.33 (copydetect's default display threshold: a third of
someone's own code found in another's) when at least 100 characters match, some four lines of
code. Without that floor, students who added one short cell to the model answer share a third
of their little own code by accident: the one run of 25 where their cell meets the next.

What is never compared (copydetect's boilerplate, as Gradescope excludes template code):

- the starter code, the released notebook's code cells: imports and the stubs
  ``# YOUR CODE HERE / raise NotImplementedError()`` every student receives;
- the instructor's solution, the source notebook's code cells. Short exercises have one
  natural answer (``return dout @ w.T, x.T @ dout, dout.sum(axis=0)``) that students who never
  met write alike; compared, it would flag every pair of students who found it, and bury
  the copies under that noise. The cost: copies of a leaked answer key go unflagged, so
  ``keep_solution=True`` (``dlcourse similarity --keep-solution``) compares it, for that question.

So the score of a pair measures what the two students wrote beyond what they were given and
what the course expects. The report never opens the gradebook and changes no grade.
"""
from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat
import numpy as np
from copydetect import CodeFingerprint, compare_files, defaults
from copydetect.utils import highlight_overlap
from tqdm import tqdm

from dlcourse.errors import NotReady, OptionError
from dlcourse.grading import notebook
from dlcourse.grading.course import Course
from dlcourse.grading.report import STYLE

DISPLAY_THRESHOLD = defaults.DISPLAY_THRESHOLD
NOISE = defaults.NOISE_THRESHOLD  # characters of tokenised code: a shorter run in common is not evidence
WINDOW = defaults.GUARANTEE_THRESHOLD - defaults.NOISE_THRESHOLD + 1  # 1: every run of NOISE characters is kept
MIN_MATCH = 4 * NOISE  # characters in common below which a share, however large, is not evidence
MAX_CODE_CHARS = 200_000  # a student's answer code beyond this is not compared (a crafted notebook stays cheap)


@dataclass(frozen=True)
class Pair:
    """Two students' answer codes and how much of each is found in the other."""

    first: str
    second: str
    first_share: float  # of the first's fingerprinted code, the part found in the second's
    second_share: float
    overlap: int  # characters of the first's tokenised code that match the second's
    highlighted: tuple[str, str] = ("", "")  # both codes as HTML, matches marked (flagged pairs only)

    @property
    def score(self) -> float:
        return max(self.first_share, self.second_share)

    def flagged(self, threshold: float, min_match: int) -> bool:
        return self.score > threshold and self.overlap >= min_match


@dataclass(frozen=True)
class Report:
    assignment: str
    students: list[str]  # those whose answer code was compared
    skipped: list[tuple[str, str]]  # (student, what of theirs was not compared and why)
    pairs: list[Pair]  # every pair sharing code beyond the excluded code, most similar first
    threshold: float
    min_match: int
    html: Path
    csv: Path

    @property
    def flagged(self) -> list[Pair]:
        return [p for p in self.pairs if p.flagged(self.threshold, self.min_match)]


def answer_code(nb: nbformat.NotebookNode, test_ids: set[str]) -> str:
    """The code cells the grader runs, each headed by a comment naming it (comments are not compared)."""
    return "\n".join(f"# {cell['id']}\n{cell['source'].rstrip()}\n" for cell in notebook.code_to_run(nb, test_ids))


def _fingerprint(name: str, code: str, excluded: np.ndarray, window: int = WINDOW) -> CodeFingerprint:
    return CodeFingerprint(f"{name}.py", NOISE, window, excluded, language="python", fp=io.StringIO(code))


def _excluded_hashes(boilerplate: list[str]) -> np.ndarray:
    """Every fingerprint of the boilerplate (a window of 1 keeps them all, as copydetect does)."""
    hashes = [h for code in boilerplate for h in _fingerprint("boilerplate", code, np.array([]), window=1).hashes]
    return np.unique(np.array(hashes, dtype=np.int64))


def _marked(fingerprint: CodeFingerprint, slices: np.ndarray) -> str:
    return highlight_overlap(fingerprint.raw_code, slices, "<mark>", "</mark>", escape_html=True)[0]


def compare(answers: dict[str, str], boilerplate: list[str], threshold: float = DISPLAY_THRESHOLD,
            min_match: int = MIN_MATCH, progress: bool = False) -> list[Pair]:
    """Every pair of ``answers`` (student -> code) sharing code that is not in ``boilerplate``,
    most similar first; the flagged pairs come with both codes highlighted."""
    excluded = _excluded_hashes(boilerplate)
    prints = {s: _fingerprint(s, code, excluded) for s, code in answers.items()}
    students = sorted(prints)
    pairs = []
    for i, first in enumerate(tqdm(students, desc="comparing", unit="student", disable=not progress)):
        for second in students[i + 1:]:
            overlap, shares, slices = compare_files(prints[first], prints[second])
            if overlap == 0:
                continue
            pair = Pair(first, second, float(shares[0]), float(shares[1]), int(overlap))
            if pair.flagged(threshold, min_match):
                marked = (_marked(prints[first], slices[0]), _marked(prints[second], slices[1]))
                pair = replace(pair, highlighted=marked)
            pairs.append(pair)
    return sorted(pairs, key=lambda p: (-p.score, -p.overlap, p.first, p.second))


def notebook_tests(course: Course | Path, assignment: str) -> dict[str, set[str]]:
    """The assignment's notebooks, each with the grade ids of its test cells (from the instructor's copy)."""
    course = Course.of(course)
    return {name: {t.grade_id for t in notebook.test_cells(notebook.read(course.source_of(assignment) / name))}
            for name in course.notebooks(assignment)}


def excluded_code(course: Course | Path, assignment: str, tests: dict[str, set[str]],
                  keep_solution: bool = False) -> list[str]:
    """The starter code of each notebook, and the instructor's solution unless ``keep_solution``."""
    course = Course.of(course)
    code = []
    for name, test_ids in tests.items():
        released = course.release / assignment / name
        if not released.exists():
            raise NotReady(f"{released}: the starter code is the released notebook; "
                                    f"run `dlcourse release {assignment}` first")
        code.append(answer_code(notebook.read(released), test_ids))
        if not keep_solution:
            code.append(answer_code(notebook.read(course.source_of(assignment) / name), test_ids))
    return code


def read_class(course: Course | Path, assignment: str, tests: dict[str, set[str]],
               progress: bool = False) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(student -> answer code, [(student, what of theirs was not compared and why)])."""
    course = Course.of(course)
    listed = course.submissions(assignment, list(tests), warn=tqdm.write)
    if not listed:
        raise NotReady(f"no submissions of {assignment} in {course.submitted}/<student>/{assignment}/: "
                           "collect them first (nbgrader collect)")
    answers: dict[str, str] = {}
    skipped = []
    for student, name in tqdm(listed, desc=f"reading {assignment}", unit="notebook", disable=not progress):
        shown = Path(student, assignment, name)
        try:
            data = notebook.read_submitted(course.submitted, (student, assignment, name))
            if data is None:
                raise notebook.SubmissionError(f"{shown}: not submitted (no file of that name)")
            code = answer_code(notebook.read(shown, data), tests[name])
        except notebook.SubmissionError as e:
            skipped.append((student, str(e)))
            continue
        if len(code) > MAX_CODE_CHARS:
            skipped.append((student, f"{shown}: {len(code)} characters of code; only the first {MAX_CODE_CHARS} "
                                     "are compared"))
        answers[student] = answers.get(student, "") + code[:MAX_CODE_CHARS]
    return answers, skipped


def similarity_report(course: Course | Path, assignment: str, threshold: float = DISPLAY_THRESHOLD,
                      min_match: int = MIN_MATCH, keep_solution: bool = False, progress: bool = True) -> Report:
    """Compares every pair of the assignment's submissions and writes
    ``reports/<assignment>/similarity.html`` (the flagged pairs side by side) and ``similarity.csv``
    (every pair sharing code beyond the excluded code). Reads submissions; writes nothing else."""
    course = Course.of(course)
    if not 0 <= threshold < 1:
        raise OptionError(f"the threshold is a share of a student's code, from 0 up to 1 (not {threshold}); "
                         f"copydetect's default is {DISPLAY_THRESHOLD}")
    tests = notebook_tests(course, assignment)
    boilerplate = excluded_code(course, assignment, tests, keep_solution)
    answers, skipped = read_class(course, assignment, tests, progress)
    pairs = compare(answers, boilerplate, threshold, min_match, progress)
    out = course.reports_of(assignment)
    out.mkdir(parents=True, exist_ok=True)
    report = Report(assignment, sorted(answers), skipped, pairs, threshold, min_match, out / "similarity.html",
                    out / "similarity.csv")
    _write_csv(report)
    report.html.write_text(_page(report, keep_solution))
    return report


def _write_csv(report: Report) -> None:
    with open(report.csv, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student_a", "student_b", "share_of_a_in_b", "share_of_b_in_a", "matching_characters", "flagged"])
        for p in report.pairs:
            w.writerow([p.first, p.second, f"{p.first_share:.4f}", f"{p.second_share:.4f}", p.overlap,
                        p.flagged(report.threshold, report.min_match)])


SIDE_BY_SIDE = ("body{max-width:110em}.pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}"
                ".pair pre{white-space:pre-wrap;margin:0}mark{background:#f6d365}.note{background:#eef4fb;"
                "border-left:4px solid #2a5599;padding:.5em 1em}")


def _page(report: Report, keep_solution: bool) -> str:
    e = html.escape
    excluded = "the starter code" + ("" if keep_solution else " and the instructor's solution")
    rows = "".join(
        f"<tr><td><a href='#pair-{k}'>{k}</a></td><td>{e(p.first)}</td><td>{e(p.second)}</td>"
        f"<td>{p.first_share:.0%}</td><td>{p.second_share:.0%}</td><td>{p.overlap}</td></tr>"
        for k, p in enumerate(report.flagged, 1))
    sections = "".join(
        f"<h3 id='pair-{k}'>{k}. {e(p.first)} and {e(p.second)}: {p.score:.0%}</h3><div class='pair'>"
        f"<div><b>{e(p.first)}</b> ({p.first_share:.0%} of it found in the other)<pre>{p.highlighted[0]}</pre></div>"
        f"<div><b>{e(p.second)}</b> ({p.second_share:.0%} of it found in the other)<pre>{p.highlighted[1]}</pre>"
        "</div></div>" for k, p in enumerate(report.flagged, 1))
    skipped = "".join(f"<li>{e(reason)}</li>" for _, reason in report.skipped)
    table = ("<table><tr><th>#</th><th>student</th><th>student</th><th>share of the first in the second</th>"
             f"<th>share of the second in the first</th><th>matching characters</th></tr>{rows}</table>"
             if report.flagged else "<p>No pair is above the threshold.</p>")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{e(report.assignment)}: similarity</title>"
            f"<style>{STYLE}{SIDE_BY_SIDE}</style></head><body>"
            f"<h1>{e(report.assignment)}: submissions with unusually alike code</h1>"
            "<p class='note'><b>This report changes no grade.</b> It is evidence for a person to weigh: alike code "
            "can have innocent causes (working together where that is allowed, a shared textbook idiom), and "
            "a copy can escape it. The gradebook is not opened.</p>"
            f"<p>{len(report.students)} students' answer code compared (the code cells the grader runs), without "
            f"{excluded}. Code is compared after copydetect's tokenising: names and comments do not count. "
            f"A pair is flagged when more than {report.threshold:.0%} of one student's code is found in the "
            f"other's, in runs of at least {NOISE} characters of tokenised code and {report.min_match} in all. "
            f"{len(report.flagged)} flagged, most similar first; "
            f"every pair sharing any code: <a href='{e(report.csv.name)}'>{e(report.csv.name)}</a>.</p>"
            f"<h2>Flagged pairs</h2>{table}{sections}"
            + (f"<h2>Not compared</h2><ul>{skipped}</ul>" if skipped else "")
            + "</body></html>")
