"""The ``dlcourse`` command: ``train-digits`` (the reference MLP on digits), and for
instructors ``release`` (the student version of an assignment and its check kit), ``site-kits``
(the same kits for the course site, without touching the course), ``grade``
(a whole class, sandboxed, on Dask), ``check`` (a notebook's visible tests, as the grader
runs them) and ``sample-class``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dlcourse import models, optim
from dlcourse.data import load_digits
from dlcourse.train import fit


def train_digits(args: argparse.Namespace) -> int:
    Xtr, ytr, Xte, yte = load_digits(seed=args.seed)
    model = models.mlp([64, 128, 64, 10], seed=args.seed)
    print(f"MLP 64-128-64-10 ({model.num_params()} parameters), Adam lr {args.lr}, "
          f"{len(Xtr)} training / {len(Xte)} test digits")
    hist = fit(model, Xtr, ytr, optim.Adam(learning_rate=args.lr), epochs=args.epochs,
               batch_size=64, test=(Xte, yte), seed=args.seed, progress=not args.quiet)
    print(f"test accuracy: {hist.test_accuracy[-1]:.4f}")
    return 0


def grade(args: argparse.Namespace) -> int:
    from dlcourse.grading.batch import grade_class

    results = grade_class(args.course, args.assignment, scheduler=args.scheduler, workers=args.workers,
                          sandboxed=not args.no_sandbox, db_url=args.db, progress=not args.quiet,
                          regrade=frozenset(args.regrade))
    total = sum(r.score for r in results)
    print(f"graded {len(results)} notebooks of {args.assignment}: mean score "
          f"{total / max(1, len(results)):.2f} of {results[0].max_score if results else 0:g}; "
          f"{sum(1 for r in results if r.problems)} with problems")
    print(f"reports: {args.course}/reports/{args.assignment}/ (summary.html, grades.csv, feedback/)")
    return 0


def release(args: argparse.Namespace) -> int:
    from dlcourse.grading.kit import release as release_assignment

    for assignment in args.assignments:
        target, changes = release_assignment(args.course, assignment, db_url=args.db)
        for change in changes:
            print(f"updated from the declarations: {change}")
        print(f"released {assignment}: {args.course}/release/{assignment}/ and {target}")
    return 0


def site_kits(args: argparse.Namespace) -> int:
    """The homework zips the course site offers, made without touching the course."""
    from dlcourse.grading.kit import site_kit

    for assignment in args.assignments:
        print(f"kit for the site: {site_kit(args.course, assignment, args.out / f'{assignment}.zip')}")
    return 0


def check_notebook(args: argparse.Namespace) -> int:
    """Runs a notebook's visible tests the way the grader does (same cases, same messages)."""
    from dlcourse.grading import notebook, sandbox
    from dlcourse.grading.exercises import SPECS
    from dlcourse.grading.grader import grade_submission

    try:
        nb = notebook.read(args.notebook)
    except notebook.SubmissionError as e:
        print(e)
        return 2
    tests = [t for t in notebook.test_cells(nb) if t.grade_id in SPECS]
    # a TA checking a student's notebook runs that student's code: in the sandbox wherever there is one
    confined = not args.no_sandbox and sandbox.available()
    if not confined and not args.no_sandbox:
        print(f"dlcourse check: cannot sandbox here ({sandbox.unavailable_reason()}); pass --no-sandbox to run "
              "the notebook unconfined, for code you trust", file=sys.stderr)
        return 2
    result = grade_submission("you", "check", args.notebook.name, args.notebook.read_bytes(), tests, secret=None,
                              sandboxed=confined)
    for p in result.problems:
        print(f"problem: {p}")
    for t in result.tests:
        for c in t.cases:
            print(f"{'ok  ' if c.passed else 'FAIL'} {c.call}, {c.name}" + ("" if c.passed else f": {c.message}"))
    print(f"visible tests: {sum(c.passed for t in result.tests for c in t.cases)} of "
          f"{sum(len(t.cases) for t in result.tests)} passed")
    return 0 if all(c.passed for t in result.tests for c in t.cases) else 1


def sample_class(args: argparse.Namespace) -> int:
    from dlcourse.grading import sample_class as sc

    students = sc.make(args.course, args.assignment, args.n)
    print(f"wrote {len(students)} submissions under {args.course}/submitted/")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlcourse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train-digits", help="train the reference MLP on digits and print its test accuracy")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=train_digits)

    g = sub.add_parser("grade", help="grade every submission of an assignment (sandboxed, on Dask)")
    g.add_argument("assignment")
    g.add_argument("--course", type=Path, default=Path("autograder"), help="the nbgrader course folder")
    g.add_argument("--scheduler", help="address of an existing Dask scheduler, e.g. tcp://host:8786")
    g.add_argument("--workers", type=int, help="local workers (default: one per core)")
    g.add_argument("--db", help="SQLAlchemy URL of the gradebook (default: sqlite in the course folder)")
    g.add_argument("--no-sandbox", action="store_true", help="run student code unconfined (trusted code only)")
    g.add_argument("--regrade", nargs="+", default=[], metavar="STUDENT",
                   help="grade these students again even if their notebook has not changed")
    g.add_argument("--quiet", action="store_true")
    g.set_defaults(func=grade)

    r = sub.add_parser("release", help="the student version of assignments, with the kit to check them locally")
    r.add_argument("assignments", nargs="+")
    r.add_argument("--course", type=Path, default=Path("autograder"), help="the nbgrader course folder")
    r.add_argument("--db", help="SQLAlchemy URL of the gradebook (default: nbgrader_config.py's)")
    r.set_defaults(func=release)

    k = sub.add_parser("site-kits", help="the homework zips for the course site, without touching the course")
    k.add_argument("assignments", nargs="+")
    k.add_argument("--course", type=Path, default=Path("autograder"), help="the nbgrader course folder")
    k.add_argument("--out", type=Path, default=Path("_build/kits"), help="where the zips go")
    k.set_defaults(func=site_kits)

    c = sub.add_parser("check", help="run a notebook's visible tests like the grader does")
    c.add_argument("notebook", type=Path)
    c.add_argument("--no-sandbox", action="store_true", help="run the notebook unconfined (trusted code only)")
    c.set_defaults(func=check_notebook)

    s = sub.add_parser("sample-class", help="write a synthetic class of submissions")
    s.add_argument("assignment")
    s.add_argument("--course", type=Path, default=Path("autograder"))
    s.add_argument("-n", type=int, default=30)
    s.set_defaults(func=sample_class)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (RuntimeError, FileNotFoundError, ValueError) as e:  # our own messages: no traceback needed
        print(f"dlcourse {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
