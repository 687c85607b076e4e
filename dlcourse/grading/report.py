"""What a grading run leaves behind: per-student feedback HTML, a CSV of grades, and a
summary page with the score distribution. Feedback names each failed case and how the result
differed; it never shows a test's source, a reference value or a seed, and shows a hidden
case's inputs only once the instructor reveals them (``reveal_hidden`` in course.toml)."""
from __future__ import annotations

import csv
import html
from pathlib import Path

import numpy as np

from dlcourse.grading import cases
from dlcourse.grading.grader import CaseReport, SubmissionResult
from dlcourse.grading.specs import SPECS

STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}"
         ".pass{color:#1a7f37}.fail{color:#b42318}code{background:#f4f4f4;padding:0 .2em}"
         "pre{background:#f4f4f4;padding:.4em;overflow-x:auto;font-size:85%}")


def revealed_inputs(grade_id: str, case: CaseReport) -> str:
    """A failed hidden case's arguments as Python a student can paste, e.g. ``x = np.array(...)``."""
    spec = SPECS[grade_id]
    args = spec.arguments(cases.inputs(spec, case.case()))
    with np.printoptions(precision=17, threshold=100_000, linewidth=100):
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


def write_reports(results: list[SubmissionResult], out: Path, reveal: bool = False) -> dict[str, Path]:
    """feedback/<student>.html, grades.csv and summary.html with score_distribution.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    results = sorted(results, key=lambda r: r.student)
    for r in results:
        (out / "feedback" / f"{r.student}.html").write_text(feedback_html(r, reveal))
    test_ids = [t.grade_id for t in results[0].tests] if results else []
    with open(out / "grades.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", *test_ids, "total", "max", "problems"])
        for r in results:
            by_id = {t.grade_id: t.score for t in r.tests}
            w.writerow([r.student, *[by_id.get(i, 0) for i in test_ids], r.score, r.max_score, len(r.problems)])
    scores = [r.score for r in results]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    top = max((r.max_score for r in results), default=1)
    ax.hist(scores, bins=min(20, max(5, len(scores) // 3)), range=(0, top), color="#2a5599")
    ax.set_xlabel("autograded score"); ax.set_ylabel("students")
    ax.set_title(f"{len(scores)} submissions")
    fig.tight_layout()
    fig.savefig(out / "score_distribution.png", dpi=100)
    plt.close(fig)
    per_test = "".join(
        f"<tr><td>{i}</td><td>{sum(t.score for r in results for t in r.tests if t.grade_id == i) / max(1, len(results)):.2f}"
        f" / {results[0].tests[k].points:g}</td></tr>" for k, i in enumerate(test_ids))
    (out / "summary.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>summary</title><style>{STYLE}</style></head><body>"
        f"<h1>Grading summary</h1><p>{len(results)} submissions; mean {sum(scores) / max(1, len(scores)):.2f} of {top:g}; "
        f"{sum(1 for r in results if r.problems)} with problems.</p><img src='score_distribution.png' alt='score distribution'>"
        f"<h2>Mean score per test</h2><table>{per_test}</table></body></html>")
    return {"feedback": out / "feedback", "csv": out / "grades.csv", "summary": out / "summary.html"}
