"""What a grading run leaves behind: per-student feedback HTML, a CSV of grades, and a
summary page with the score distribution. Feedback names each failed case and how the result
differed; it never shows a test's source, a reference value or a seed, and shows a hidden
case's inputs only once the instructor reveals them (``reveal_hidden`` in course.toml)."""
from __future__ import annotations

import csv
import html
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from dlcourse.grading import cases
from dlcourse.grading.exercises import SPECS
from dlcourse.grading.grader import CaseReport, SubmissionResult

STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}"
         ".pass{color:#1a7f37}.fail{color:#b42318}code{background:#f4f4f4;padding:0 .2em}"
         "pre{background:#f4f4f4;padding:.4em;overflow-x:auto;font-size:85%}")


def revealed_inputs(grade_id: str, case: CaseReport) -> str:
    """A failed hidden case's arguments as Python a student can paste, e.g. ``x = np.array(...)``."""
    spec = SPECS[grade_id]
    args = spec.arguments(cases.inputs(spec, case.case()))
    # the shortest digits that read back as the same float: the pasted case is the graded one
    with np.printoptions(floatmode="unique", threshold=100_000, linewidth=100):
        return "\n".join(f"{k} = np.{np.asarray(v)!r}" for k, v in args.items())


def feedback_html(r: SubmissionResult, reveal: bool = False) -> str:
    rows = []
    for t in r.tests:
        lines = []
        for c in t.cases:
            what = f"<code>{html.escape(c.call)}</code>, {html.escape(c.name)}"
            if c.passed:
                lines.append(f'<div class="pass">&#10003; {what}</div>')
                continue
            shown = f"<pre>{html.escape(revealed_inputs(t.grade_id, c))}</pre>" if reveal else ""
            lines.append(f'<div class="fail">&#10007; {what}: {html.escape(c.message)}{shown}</div>')
        rows.append(f"<tr><td>{html.escape(t.grade_id)}</td><td>{t.score:g} / {t.points:g}</td>"
                    f"<td>{''.join(lines) or 'not run'}</td></tr>")
    problems = "".join(f"<li>{html.escape(p)}</li>" for p in r.problems)
    note = ("The inputs of each failed case are shown below it." if reveal else
            "Hidden cases are yours alone; their inputs are shown here once the instructor releases them.")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(r.assignment)}: "
            f"{html.escape(r.student)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{html.escape(r.assignment)}: feedback for {html.escape(r.student)}</h1>"
            f"<p>Autograded score: <b>{r.score:g} / {r.max_score:g}</b> (answers graded by hand come separately). "
            f"{note}</p>"
            + (f"<h2>Problems with the notebook</h2><ul>{problems}</ul>" if problems else "")
            + "<h2>Tests</h2><table><tr><th>test</th><th>score</th><th>cases</th></tr>"
            + "".join(rows) + "</table></body></html>")


def write_reports(results: Iterable[SubmissionResult], out: Path, reveal: bool = False) -> dict[str, Path]:
    """feedback/<student>.html, grades.csv and summary.html with score_distribution.png, from
    results read one at a time (the class is never held in memory)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    scores, top, with_problems = [], 1.0, 0
    per_test: dict[str, list[float]] = {}  # grade id -> [points, sum of scores]
    with open(out / "grades.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        for r in results:
            (out / "feedback" / f"{r.student}.html").write_text(feedback_html(r, reveal))
            if not per_test:
                w.writerow(["student", *[t.grade_id for t in r.tests], "total", "max", "problems"])
            by_id = {t.grade_id: t for t in r.tests}
            for t in r.tests:
                per_test.setdefault(t.grade_id, [t.points, 0.0])[1] += t.score
            w.writerow([r.student, *[by_id[i].score if i in by_id else 0 for i in per_test], r.score, r.max_score,
                        len(r.problems)])
            scores.append(r.score)
            top = max(top, r.max_score)
            with_problems += bool(r.problems)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(scores, bins=min(20, max(5, len(scores) // 3)), range=(0, top), color="#2a5599")
    ax.set_xlabel("autograded score")
    ax.set_ylabel("students")
    ax.set_title(f"{len(scores)} submissions")
    fig.tight_layout()
    fig.savefig(out / "score_distribution.png", dpi=100)
    plt.close(fig)
    n = max(1, len(scores))
    rows = "".join(f"<tr><td>{html.escape(i)}</td><td>{total / n:.2f} / {points:g}</td></tr>"
                   for i, (points, total) in per_test.items())
    (out / "summary.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>summary</title><style>{STYLE}</style></head>"
        f"<body><h1>Grading summary</h1><p>{len(scores)} submissions; mean {sum(scores) / n:.2f} of {top:g}; "
        f"{with_problems} with problems.</p><img src='score_distribution.png' alt='score distribution'>"
        f"<h2>Mean score per test</h2><table>{rows}</table></body></html>")
    return {"feedback": out / "feedback", "csv": out / "grades.csv", "summary": out / "summary.html"}
