"""What a grading run leaves behind: per-student feedback HTML, a CSV of grades, and a
summary of what the class got wrong, with plots; all from the gradebook, overrides, hand grades
and late penalties included. Feedback names each failed case and how the result
differed, and the known mistake the result is, if it is one (the summary counts each across the
class); it never shows a test's source, a reference value or a seed, and shows a hidden
case's inputs only once the instructor reveals them (``reveal_hidden`` in course.toml)."""
from __future__ import annotations

import csv
import html
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlcourse.grading import cases
from dlcourse.grading.exercises import AUTOGRADED, SPECS
from dlcourse.grading.grader import CaseReport, TestReport
from dlcourse.grading.lateness import describe as describe_late
from dlcourse.grading.standing import Mark, Standing

STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}"
         ".pass{color:#1a7f37}.fail{color:#b42318}code{background:#f4f4f4;padding:0 .2em}"
         "pre{background:#f4f4f4;padding:.4em;overflow-x:auto;font-size:85%}.comment{color:#5a3e00}"
         ".late{color:#b42318}")


def revealed_inputs(grade_id: str, case: CaseReport) -> str:
    """A failed hidden case's arguments as Python a student can paste, e.g. ``x = np.array(...)``;
    nothing for an outcome's run (its data is the grader's, the held-out set never shown)."""
    if grade_id not in SPECS:
        return ""
    spec = SPECS[grade_id]
    args = spec.arguments(cases.inputs(spec, case.case()))
    # the shortest digits that read back as the same float: the pasted case is the graded one
    with np.printoptions(floatmode="unique", threshold=100_000, linewidth=100):
        return "\n".join(f"{k} = np.{np.asarray(v)!r}" for k, v in args.items())


def _score_cell(mark: Mark | None, test: TestReport | None) -> str:
    if mark is None:
        return f"{test.score:g} / {test.points:g}" if test else ""
    if mark.by_hand:
        return f"{mark.score:g} / {mark.points:g}" if mark.manual is not None else f"not graded yet / {mark.points:g}"
    if mark.overridden:
        return f"<b>{mark.score:g}</b> / {mark.points:g} (set by your TA; the autograder gave {mark.auto or 0:g})"
    return f"{mark.score:g} / {mark.points:g}"


def feedback_html(standing: Standing, reveal: bool = False) -> str:
    """One student's feedback page (a bare result: ``Standing.of(result)``)."""
    result = standing.result
    tests = {t.grade_id: t for t in result.tests}
    marks = {m.grade_id: m for m in standing.marks}
    rows = []
    for grade_id in list(tests) + [g for g in marks if g not in tests]:
        t, mark = tests.get(grade_id), marks.get(grade_id)
        lines = []
        for c in t.cases if t else []:
            what = f"<code>{html.escape(c.call)}</code>, {html.escape(c.name)}"
            if c.passed:
                lines.append(f'<div class="pass">&#10003; {what}</div>')
                continue
            revealed = revealed_inputs(t.grade_id, c) if reveal else ""
            shown = f"<pre>{html.escape(revealed)}</pre>" if revealed else ""
            lines.append(f'<div class="fail">&#10007; {what}: {html.escape(c.message)}{shown}</div>')
        if t is not None and t.feedback:  # an outcome's runs against its bands and budget
            lines.append(f"<pre>{html.escape(t.feedback)}</pre>")
        if mark is not None and mark.comment:
            lines.append(f'<div class="comment">Your TA: {html.escape(mark.comment)}</div>')
        what = "graded by hand" if mark is not None and mark.by_hand else "not run"
        rows.append(f"<tr><td>{html.escape(grade_id)}</td><td>{_score_cell(mark, t)}</td>"
                    f"<td>{''.join(lines) or what}</td></tr>")
    problems = "".join(f"<li>{html.escape(p)}</li>" for p in result.problems)
    notes = "".join(f"<li>{html.escape(p)}</li>" for p in result.notes)
    note = ("The inputs of each failed case are shown below it." if reveal else
            "Hidden cases are yours alone; their inputs are shown here once the instructor releases them.")
    late = _received_html(standing)
    waiting = standing.awaiting_hand_grading
    pending = f" Still to be graded by hand: {', '.join(map(html.escape, waiting))}." if waiting else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(result.assignment)}: "
            f"{html.escape(result.student)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{html.escape(result.assignment)}: feedback for {html.escape(result.student)}</h1>"
            f"<p>Score: <b>{standing.final:g} / {standing.max_score:g}</b>.{pending} {note}</p>{late}"
            + (f"<h2>Problems with the notebook</h2><ul>{problems}</ul>" if problems else "")
            + (f"<h2>Cells not run in full (no mark lost)</h2><ul>{notes}</ul>" if notes else "")
            + "<h2>Tests and answers</h2><table><tr><th>cell</th><th>score</th><th>cases</th></tr>"
            + "".join(rows) + "</table></body></html>")


def _received_html(standing: Standing) -> str:
    """When the course received the notebook (its receipt, not the student's own timestamp) and
    what that costs; an unknown time is said to be unknown, never taken as on time."""
    lateness = standing.lateness
    if lateness is None:  # graded outside a course: no receipt to speak of
        return ""
    if not lateness.known:
        return ("<p class='late'>We have no record of when this notebook was received, so its lateness is left "
                "to your instructor.</p>")
    when = f"<p>Received {lateness.received_at:%Y-%m-%d %H:%M:%S} UTC (by the course, not your own timestamp)."
    if lateness.seconds_late > 0:
        return (f"{when}</p><p class='late'>Submitted {describe_late(lateness.seconds_late)}: the late policy "
                f"takes off <b>{lateness.penalty:g}</b> point(s).</p>")
    return f"{when} On time.</p>"


def _late_seconds_cell(standing: Standing) -> str | int:
    """The CSV's late_seconds: empty where the receipt time is unknown (the instructor decides)."""
    if standing.lateness is not None and not standing.lateness.known:
        return ""
    return round(standing.seconds_late)


def _failure_kind(message: str) -> str:
    """A failure message without its numbers, so alike mistakes count together."""
    first = message.split(";")[0]
    return re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "#", first)[:160]


@dataclass
class TestSummary:
    """What the class did on one graded cell."""

    points: float
    scores: list[float] = field(default_factory=list)
    full: int = 0
    failures: Counter = field(default_factory=Counter)
    mistakes: Counter = field(default_factory=Counter)  # known mistake -> students whose results it gave

    def add(self, score: float, cases: list[CaseReport]) -> None:
        self.scores.append(score)
        self.full += score >= self.points - 1e-9
        self.failures.update({_failure_kind(c.message) for c in cases if not c.passed})
        self.mistakes.update({c.mistake for c in cases if c.mistake})

    @property
    def full_rate(self) -> float:
        return self.full / max(1, len(self.scores))


def write_reports(standings: Iterable[Standing], out: Path, reveal: bool = False) -> dict[str, Path]:
    """feedback/<student>.html, grades.csv and summary.html (what the class got wrong, per test,
    with plots), from standings read one at a time (the class is never held in memory)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    finals, top, with_problems, late = [], 1.0, 0, 0
    per_test: dict[str, TestSummary] = {}
    columns: list[str] = []
    with open(out / "grades.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        for standing in standings:
            (out / "feedback" / f"{standing.student}.html").write_text(feedback_html(standing, reveal))
            if not columns:
                columns = [m.grade_id for m in standing.marks]
                w.writerow(["student", *columns, "total", "max", "late_seconds", "late_penalty", "final",
                            "problems"])
            marks = {m.grade_id: m for m in standing.marks}
            cases_of = {t.grade_id: t.cases for t in standing.result.tests}
            for m in standing.marks:
                per_test.setdefault(m.grade_id, TestSummary(m.points)).add(m.score, cases_of.get(m.grade_id, []))
            w.writerow([standing.student, *[marks[i].score if i in marks else "" for i in columns], standing.score,
                        standing.max_score, _late_seconds_cell(standing),
                        standing.penalty, standing.final,
                        len(standing.result.problems)])
            finals.append(standing.final)
            top = max(top, standing.max_score)
            with_problems += bool(standing.result.problems)
            late += standing.seconds_late > 0
    _plots(plt, finals, top, per_test, out)
    (out / "summary.html").write_text(_summary_html(finals, top, with_problems, late, per_test))
    return {"feedback": out / "feedback", "csv": out / "grades.csv", "summary": out / "summary.html"}


def _plots(plt, finals: list[float], top: float, per_test: dict[str, TestSummary], out: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(finals, bins=min(20, max(5, len(finals) // 3)), range=(0, top), color="#2a5599")
    ax.set_xlabel("final score")
    ax.set_ylabel("students")
    ax.set_title(f"{len(finals)} submissions")
    fig.tight_layout()
    fig.savefig(out / "score_distribution.png", dpi=100)
    plt.close(fig)
    names = list(per_test)
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1.2))
    ax.barh(names, [100 * per_test[n].full_rate for n in names], color="#2a5599")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("students with full marks (%)")
    fig.tight_layout()
    fig.savefig(out / "full_marks_per_test.png", dpi=100)
    plt.close(fig)


def mistake_line(grade_id: str, name: str, count: int) -> str:
    """A known mistake counted across the class, e.g. "23 students: the batch mean's 1/N is
    left out (chapter 2, Eq. (5))"."""
    mistake = SPECS[grade_id].wrong_answers.get(name) if grade_id in SPECS else None
    what = f"{mistake.says} ({mistake.see})" if mistake else name  # a mistake no longer declared: its name
    return f"{count} student{'s' if count != 1 else ''}: {what}"


def _summary_html(finals: list[float], top: float, with_problems: int, late: int,
                  per_test: dict[str, TestSummary]) -> str:
    n = max(1, len(finals))
    rows = []
    for grade_id, t in per_test.items():
        common = "".join(f"<li>{html.escape(kind)} <i>({count} student(s))</i></li>"
                         for kind, count in t.failures.most_common(3))
        common += "".join(f"<li class='mistake'>{html.escape(mistake_line(grade_id, name, count))}</li>"
                          for name, count in t.mistakes.most_common())
        rows.append(f"<tr><td>{html.escape(grade_id)}</td><td>{t.full} of {len(t.scores)}</td>"
                    f"<td>{sum(t.scores) / n:.2f} / {t.points:g}</td><td><ul>{common}</ul></td></tr>")
    autograded = {g: t for g, t in per_test.items() if g in AUTOGRADED}
    revisit = sorted(autograded, key=lambda g: autograded[g].full_rate)[:1]
    advice = (f"<p class='revisit'>To revisit in the next lecture: <b>{html.escape(revisit[0])}</b>, where "
              f"{100 * autograded[revisit[0]].full_rate:.0f}% of the class got full marks.</p>") if revisit else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>summary</title><style>{STYLE}</style></head>"
            f"<body><h1>Grading summary</h1><p>{len(finals)} submissions; mean final score "
            f"{sum(finals) / n:.2f} of {top:g}; {with_problems} with problems; {late} late.</p>{advice}"
            "<img src='score_distribution.png' alt='distribution of final scores'>"
            "<img src='full_marks_per_test.png' alt='students with full marks, per test'>"
            "<h2>What the class got wrong</h2><table><tr><th>cell</th><th>full marks</th><th>mean</th>"
            "<th>most common failures, then the known mistakes recognised</th></tr>"
            f"{''.join(rows)}</table></body></html>")


CHANGES_FILE = "score_changes.csv"


def write_changes(changed: list[tuple[str, str, float, float]], path: Path) -> Path:
    """Whose autograded score this run changed (a regrade after a fix of the tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "notebook", "before", "after"])
        w.writerows(sorted(changed))
    return path
