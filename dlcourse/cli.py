"""The ``dlcourse`` command. ``train-digits`` trains the reference MLP on digits. For
instructors, in the order of nbgrader's workflow: ``release`` (the student version of an
assignment and its check kit), ``collect``, ``grade`` (a whole class, sandboxed, on Dask),
``hand-grade`` (formgrader), ``override`` and ``extend``, ``feedback`` (the reports again from the
gradebook), ``similarity`` (pairs of alike submissions) and ``export`` (final grades for Canvas,
Moodle or as our CSV), ``leaderboard`` (a static page ranking the class, where course.toml opts
in); and ``site-kits`` (the homework zips for the course site), ``student-library`` (the students'
wheel) and ``check`` (a notebook's visible tests, as the grader runs them).

An error the user can fix (a ``DlcourseError``) is one line on stderr and exit status 1; a
usage error is argparse's, status 2. Every command checks its arguments (the course, the
assignment, the student, the gradebook, the files it reads) before it writes anything."""
from __future__ import annotations

import argparse
import statistics
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dlcourse.errors import DlcourseError, EnvironmentProblem, OptionError
from dlcourse.grading.course import Course

if TYPE_CHECKING:
    from dlcourse.grading.collect import Collected

Parent = argparse.ArgumentParser  # a parser of shared options, made once and given as parents=[...]


def train_digits(args: argparse.Namespace) -> int:
    from dlcourse import models, optim
    from dlcourse.data import load_digits
    from dlcourse.train import fit

    Xtr, ytr, Xte, yte = load_digits(seed=args.seed)
    model = models.mlp([64, 128, 64, 10], seed=args.seed)
    print(f"MLP 64-128-64-10 ({model.num_params()} parameters), Adam lr {args.lr}, "
          f"{len(Xtr)} training / {len(Xte)} test digits")
    hist = fit(model, Xtr, ytr, optim.Adam(learning_rate=args.lr), epochs=args.epochs,
               batch_size=64, test=(Xte, yte), seed=args.seed, progress=not args.quiet)
    print(f"test accuracy: {hist.test_accuracy[-1]:.4f}")
    return 0


def _course(args: argparse.Namespace) -> Course:
    """The course of ``--course`` (and ``--db``), checked to be there."""
    return Course(args.course, getattr(args, "db", None)).require()


def _sandbox_here(no_sandbox: bool) -> bool:
    """Whether student code runs confined; refuses (before anything else) a host that cannot
    confine it, unless ``--no-sandbox`` says the code is trusted."""
    from dlcourse.grading import sandbox

    if no_sandbox:
        return False
    if not sandbox.available():
        raise EnvironmentProblem(f"cannot sandbox student code on this host: {sandbox.unavailable_reason()}. "
                                 "Only for code you trust: --no-sandbox runs it unconfined")
    return True


def grade(args: argparse.Namespace) -> int:
    from dlcourse.grading.batch import grade_class

    _sandbox_here(args.no_sandbox)  # the host first: nothing of any course can be graded on it
    course = _course(args)
    course.require_assignment(args.assignment)
    for student in args.regrade:
        course.require_student(student)
    run = grade_class(course.root, args.assignment, scheduler=args.scheduler, workers=args.workers,
                      sandboxed=not args.no_sandbox, db_url=args.db, progress=not args.quiet,
                      regrade=frozenset(args.regrade), regrade_all=args.regrade_all)
    times = sorted(run.seconds)
    if times:
        print(f"graded {len(times)} notebook(s) in this run, each in {statistics.median(times):.2f} s "
              f"(median; slowest {times[-1]:.2f} s) on a worker")
    print(f"{run.notebooks} notebooks of {args.assignment} graded: mean score {run.mean_score:.2f} of "
          f"{run.max_score:g}; {run.with_problems} with problems")
    reports = course.reports_of(args.assignment)
    print(f"reports: {reports}/ (summary.html, grades.csv, feedback/)")
    _print_changes(reports)
    return 0


def _print_changes(reports: Path) -> None:
    import csv

    from dlcourse.grading.report import CHANGES_FILE

    with open(reports / CHANGES_FILE, newline="") as fh:
        changed = list(csv.DictReader(fh))
    if changed:
        print(f"{len(changed)} autograded score(s) changed in this run ({reports / CHANGES_FILE}):")
        for row in changed[:20]:
            print(f"  {row['student']}: {float(row['before']):g} -> {float(row['after']):g}")


def collect(args: argparse.Namespace) -> int:
    from dlcourse.grading import collect as taking

    if args.source is None and (args.times or args.received_at):
        args.parser.error("--times and --received-at are for --from (an LMS download); the exchange's own "
                          "receipts give the times of what comes through it")
    if args.ids and not args.times:
        args.parser.error("--ids is for --times in Canvas's JSON")
    course = _course(args)
    course.notebooks(args.assignment)
    if args.source is None:
        done = taking.from_exchange(course, args.assignment, trust_times=args.trust_times)
        _print_collected(course, args.assignment, done)
        return 0
    times = taking.load_lms_times(args.times, args.ids) if args.times else None
    received = _utc(args.received_at, "--received-at") if args.received_at else None
    students = taking.collect_folder(course, args.assignment, args.source, times=times, received_at=received)
    print(f"collected {len(students)} submission(s) of {args.assignment} from {args.source} into "
          f"{course.submitted}/, received at "
          + ("the LMS's times" if times else f"{received} (your decision)") + "; receipts in "
          f"{course.receipts / args.assignment}/")
    return 0


def _utc(text: str, option: str) -> datetime:
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(text)
    except (ValueError, OverflowError) as e:
        raise OptionError(f"{option} {text!r} is not a date nbgrader reads ({e})") from None


def _print_collected(course: Course, assignment: str, done: Collected) -> None:
    print(f"collected {len(done.counted)} student(s)' latest submission of {assignment} from the exchange "
          f"into {course.submitted}/: {done.new} new arrival(s), {done.delivered} receipt(s) given to students")
    for x in done.refusals:
        print(f"REFUSED {x.folder}: {x.reason}")
    for r in done.disagreeing:
        print(f"note: {r.student}'s timestamp.txt says {r.claimed.strip()[:40]!r}, the exchange received it at "
              f"{r.received_at}; the receipt is what counts")
    for r in done.withdrawn:
        print(f"note: {r.student}'s submission received {r.received_at} is no longer in the exchange (its owner "
              "removed it); the latest one there counts, and the ledger keeps both")
    if done.suspect:
        print(f"WARNING: {done.suspect}. If you have checked them, collect again with --trust-times")
    print(f"every arrival and refusal: {course.receipts / assignment / 'collected.csv'}")


def receipts_cmd(args: argparse.Namespace) -> int:
    """Records receipts of what has arrived in the exchange, and gives students their copies,
    without collecting; with --watch, again every so many seconds (a JupyterHub service)."""
    import time

    from dlcourse.grading import collect as taking

    course = _course(args)
    assignments = args.assignments or course.assignments()
    for a in assignments:
        course.notebooks(a)  # an unknown assignment is refused before anything is read
    while True:
        for a in assignments:
            try:
                done = taking.from_exchange(course, a, take=False)
            except (DlcourseError, OSError) as e:  # a service: one bad pass is reported, the next one tries again
                if not args.watch:
                    raise
                print(f"{a}: not read this time: {e}", file=sys.stderr, flush=True)
                continue
            if done.new or not args.watch:
                print(f"{a}: {done.new} new arrival(s), {done.delivered} receipt(s) given; "
                      f"{len(done.refusals)} refused", flush=True)
        if not args.watch:
            return 0
        time.sleep(args.watch)


def hub_setup(args: argparse.Namespace) -> int:
    """The course on a JupyterHub: accounts, exchange, students' environment, hub config."""
    from dlcourse.grading.hub import setup

    d = setup(args.root, Course(args.course), args.students, port=args.port, lock=args.lock,
              python=args.student_python, watch_seconds=args.receipts_every)
    print(f"course {d.course_id} set up on a JupyterHub under {d.root}:\n"
          f"  the instructor's course folder: {d.course} (run dlcourse and nbgrader commands there)\n"
          f"  the exchange: {d.exchange}\n  the students' environment: {d.student_env}\n"
          f"  start the hub (as root): jupyterhub -f {d.config}   then open http://127.0.0.1:{d.port}/")
    return 0


def verify_receipt(args: argparse.Namespace) -> int:
    """Checks a student's receipt against the course secret and the ledger."""
    from dlcourse.errors import ReceiptError
    from dlcourse.grading import receipts

    course = _course(args)
    try:
        text = args.receipt.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise ReceiptError(f"{args.receipt}: cannot be read ({e})") from None
    fields = receipts.verify(text, course.secret())
    kept = receipts.Ledger(course, fields["assignment"]).arrivals(fields["student"])
    match = [r for r in kept if r.received_at == fields["received_at"] and r.notebooks == fields["notebooks_sha256"]]
    print(f"{args.receipt}: signed by this course: {fields['student']} handed in {fields['assignment']}, received "
          f"{fields['received_at']}" + ("; the ledger holds the same" if match else "; NOT in this course's ledger"))
    return 0 if match else 1


def extend(args: argparse.Namespace) -> int:
    from datetime import timedelta

    course = _course(args)
    with course.open_gradebook() as writer:
        writer.require_assignment(args.assignment)
        course.require_student(args.student, writer.students())
        due = writer.extend(args.assignment, args.student, timedelta(days=args.days, hours=args.hours))
    print(f"{args.student} is now due {due} for {args.assignment}; run `dlcourse feedback {args.assignment}` "
          "or grade again to apply it")
    return 0


def override(args: argparse.Namespace) -> int:
    course = _course(args)
    with course.open_gradebook() as writer:  # it checks the submission and the cell before it writes
        writer.override(args.assignment, args.student, args.cell, None if args.clear else args.score, args.reason)
    what = "back to the autograder's score" if args.clear else f"set to {args.score:g}"
    print(f"{args.assignment}/{args.student}/{args.cell}: {what}; kept across reruns. "
          f"Run `dlcourse feedback {args.assignment}` to show it in the feedback")
    return 0


def feedback(args: argparse.Namespace) -> int:
    from dlcourse.grading.batch import feedback as rebuild

    course = _course(args)
    course.require_assignment(args.assignment)
    course.require_gradebook()  # batch.feedback would otherwise make an empty one
    out = rebuild(course.root, args.assignment, db_url=args.db)
    print(f"reports from the gradebook as it stands: {out}/ (summary.html, grades.csv, feedback/)")
    return 0


def hand_grade(args: argparse.Namespace) -> int:
    import os
    import shutil

    course = _course(args)
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or "jupyter"
    print(f"hand grading in nbgrader's formgrader: {jupyter} server in {course.root}; open /formgrader")
    os.chdir(course.root)
    options = ["--ServerApp.open_browser=False", f"--port={args.port}"] + ["--allow-root"] * args.allow_root
    os.execv(jupyter, [jupyter, "server", *options])


def release(args: argparse.Namespace) -> int:
    from dlcourse.grading.kit import due_date
    from dlcourse.grading.kit import release as release_assignment

    course = _course(args)
    for assignment in args.assignments:  # all of them known before the first is released
        course.require_assignment(assignment)
    if args.due:
        due_date(args.due)
    for assignment in args.assignments:
        target, changes = release_assignment(course, assignment, due=args.due)
        for change in changes:
            print(f"updated from the declarations: {change}")
        print(f"released {assignment}: {course.release / assignment}/ and {target}")
    return 0


def site_kits(args: argparse.Namespace) -> int:
    """The homework zips the course site offers, made without touching the course."""
    from dlcourse.grading.kit import site_kit

    course = _course(args)
    for assignment in args.assignments:
        course.require_assignment(assignment)
    for assignment in args.assignments:
        print(f"kit for the site: {site_kit(course, assignment, args.out / f'{assignment}.zip')}")
    return 0


def student_library(args: argparse.Namespace) -> int:
    """The students' wheel of the library, with the references open assignments grade stubbed."""
    from dlcourse.grading.student_library import build

    course = _course(args)
    library = build(course.root, args.out) if args.out else build(course.root)
    print(library.wheel)
    for assignment, names in library.stubbed.items():
        print(f"{assignment}: stubbed {', '.join(names) if names else 'nothing'}")
    if not library.stubbed:
        print("no open assignment: nothing stubbed")
    return 0


def check_notebook(args: argparse.Namespace) -> int:
    """Runs a notebook's visible tests the way the grader does (same cases, same messages)."""
    from dlcourse.grading import notebook
    from dlcourse.grading.exercises import AUTOGRADED
    from dlcourse.grading.grader import grade_submission

    try:
        nb = notebook.read(args.notebook)
    except notebook.SubmissionError as e:
        raise OptionError(str(e)) from None
    # an outcome exercise runs on public data here (no course secret): the kit's data, in the sandbox
    tests = [t for t in notebook.test_cells(nb) if t.grade_id in AUTOGRADED]
    # a TA checking a student's notebook runs that student's code: in the sandbox wherever there is one
    confined = _sandbox_here(args.no_sandbox)
    result = grade_submission("you", "check", args.notebook.name, args.notebook.read_bytes(), tests, secret=None,
                              sandboxed=confined)
    for p in result.problems:
        print(f"problem: {p}")
    for t in result.tests:
        for c in t.cases:
            print(f"{'ok  ' if c.passed else 'FAIL'} {c.call}, {c.name}" + ("" if c.passed else f": {c.message}"))
        if t.feedback:
            print(t.feedback)
    print(f"visible tests: {sum(c.passed for t in result.tests for c in t.cases)} of "
          f"{sum(len(t.cases) for t in result.tests)} passed")
    return 0 if all(c.passed for t in result.tests for c in t.cases) else 1


def similarity(args: argparse.Namespace) -> int:
    """Pairs of submissions with unusually alike answer code: evidence for a person, never a grade."""
    from dlcourse.grading.similarity import DISPLAY_THRESHOLD, similarity_report

    course = _course(args)
    course.notebooks(args.assignment)
    threshold = DISPLAY_THRESHOLD if args.threshold is None else args.threshold
    report = similarity_report(course, args.assignment, threshold=threshold,
                               keep_solution=args.keep_solution, progress=not args.quiet)
    print(f"compared the answer code of {len(report.students)} students of {args.assignment}: "
          f"{len(report.flagged)} pair(s) above {report.threshold:.0%}")
    for pair in report.flagged[:20]:
        print(f"  {pair.first} and {pair.second}: {pair.score:.0%}")
    for _, reason in report.skipped:
        print(f"not compared: {reason}")
    print(f"report: {report.html} (every pair with shared code: {report.csv.name}); no grade was changed")
    return 0


def export_grades(args: argparse.Namespace) -> int:
    """Final grades as the CSV Canvas or Moodle imports as it is, or as our own CSV."""
    from dlcourse.grading.export import export

    if args.to != "csv" and args.ids is None:
        args.parser.error(f"--to {args.to} needs the mapping file of student ids (--ids)")
    done = export(_course(args), args.assignment, args.to, ids=args.ids, out=args.out,
                  allow_unmapped=args.allow_unmapped, canvas_assignment_id=args.canvas_assignment_id)
    print(f"wrote {done.path}: {len(done.listed)} students, {args.assignment} for {args.to}")
    for label, students in (("no submission (grade left empty)", done.no_submission),
                            ("submitted, not graded yet (grade left empty)", done.not_graded),
                            ("cells still to grade by hand (they count 0 so far)", done.awaiting_hand_grading),
                            ("left out, not in the mapping file", done.unmapped)):
        if students:
            shown = ", ".join(students[:20]) + (f" and {len(students) - 20} more" if len(students) > 20 else "")
            print(f"{label}: {len(students)}: {shown}")
    if done.late:
        print(f"late, penalty taken off: {', '.join(f'{s} {p:g}' for s, p in done.late.items())}")
    return 0


def leaderboard(args: argparse.Namespace) -> int:
    """A static page ranking the class on an assignment's outcome, under pseudonyms."""
    from dlcourse.grading import leaderboard as board

    course = _course(args)
    course.notebooks(args.assignment)
    board.check_out(course, args.assignment, args.out)
    board.build(course, args.assignment)  # the setting, the gradebook and the secret, before any file is written
    for student, file in zip(args.leave_out, board.leave_out(course, args.leave_out, args.assignment)):
        print(f"{student}: left off the board at their request ({file})")
    done = board.publish(course, args.assignment, args.out)
    b = done.board
    print(f"leaderboard of {args.assignment}: {len(b.entries)} student(s) ranked by {', '.join(b.cells)} "
          f"(of {b.max_score:g} points); {len(b.opted_out)} opted out; {len(b.not_scored)} not scored yet")
    print(f"publish {done.page} (one file, nothing else needed)")
    print(f"the pseudonyms' key, for you only (each student may be told their own): {done.key}")
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dlcourse")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _shared_options() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The parent parsers of ``--course`` and ``--db``, written once for every command that takes them."""
    course = argparse.ArgumentParser(add_help=False)
    course.add_argument("--course", type=Path, default=Path("autograder"),
                        help="the nbgrader course folder (default: autograder)")
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", help="SQLAlchemy URL of the gradebook (default: gradebook.db in the course folder)")
    return course, db


def _add_grading(sub: argparse._SubParsersAction, course: Parent, db: Parent) -> None:
    g = sub.add_parser("grade", parents=[course, db],
                       help="grade every submission of an assignment (sandboxed, on Dask)")
    g.add_argument("assignment")
    g.add_argument("--scheduler", help="address of an existing Dask scheduler, e.g. tcp://host:8786")
    g.add_argument("--workers", type=int, help="local workers (default: one per core)")
    g.add_argument("--no-sandbox", action="store_true", help="run student code unconfined (trusted code only)")
    again = g.add_mutually_exclusive_group()
    again.add_argument("--regrade", nargs="+", default=[], metavar="STUDENT",
                       help="grade these students again even if their notebook has not changed")
    again.add_argument("--regrade-all", action="store_true",
                       help="grade everyone again (after a fix of the tests); score_changes.csv says whose changed")
    g.add_argument("--quiet", action="store_true")
    g.set_defaults(func=grade)

    r = sub.add_parser("release", parents=[course, db],
                       help="the student version of assignments, with the kit to check them locally")
    r.add_argument("assignments", nargs="+")
    r.add_argument("--due", help="the due date, as nbgrader takes it, e.g. '2026-12-01 23:59:00 UTC'")
    r.set_defaults(func=release)

    e = sub.add_parser("extend", parents=[course, db], help="give one student more time (nbgrader's extension)")
    e.add_argument("assignment")
    e.add_argument("student")
    e.add_argument("--days", type=float, default=0.0)
    e.add_argument("--hours", type=float, default=0.0)
    e.set_defaults(func=extend)

    o = sub.add_parser("override", parents=[course, db],
                       help="a TA's score for one graded cell of one student, with the reason")
    o.add_argument("assignment")
    o.add_argument("student")
    o.add_argument("cell", help="the grade id, e.g. test_adam_step or proof_line_search")
    value = o.add_mutually_exclusive_group(required=True)  # one of them: nothing is changed by guesswork
    value.add_argument("--score", type=float, help="the points to give")
    value.add_argument("--clear", action="store_true", help="back to the autograder's score")
    o.add_argument("--reason", default="", help="what the student reads in the feedback")
    o.set_defaults(func=override)

    f = sub.add_parser("feedback", parents=[course, db],
                       help="the reports again from the gradebook (after hand grading or an override)")
    f.add_argument("assignment")
    f.set_defaults(func=feedback)

    fg = sub.add_parser("hand-grade", parents=[course],
                        help="grade answers by hand in nbgrader's formgrader (a Jupyter server)")
    fg.add_argument("--port", type=int, default=8888)
    fg.add_argument("--allow-root", action="store_true", help="let Jupyter run as root (a container, say)")
    fg.set_defaults(func=hand_grade)


def _add_collecting(sub: argparse._SubParsersAction, course: Parent, db: Parent) -> None:
    co = sub.add_parser("collect", parents=[course, db], help="each student's latest submission into "
                        "submitted/<student>/<assignment>/, with a receipt of when it was received")
    co.add_argument("assignment")
    co.add_argument("--from", dest="source", type=Path,
                    help="a folder of <student>.ipynb files (e.g. an LMS download); without it, nbgrader's exchange "
                         "(c.Exchange.root), read for who made each submission and when it arrived")
    co.add_argument("--times", type=Path, help="with --from: the LMS's submission times, a CSV (student, "
                    "submitted_at) or Canvas's submissions API JSON (user_id, submitted_at; with --ids)")
    co.add_argument("--ids", type=Path, help="with --times in Canvas's JSON: the mapping file (student, canvas_id)")
    co.add_argument("--received-at", help="with --from: the time the submissions without an LMS time count as "
                    "received, your decision, e.g. '2026-12-01 23:59:00 UTC'")
    co.add_argument("--trust-times", action="store_true", help="you have checked the exchange's change times: "
                    "take them although most of the class turns late by them (otherwise marked doubtful)")
    co.set_defaults(func=collect)

    rc = sub.add_parser("receipts", parents=[course], help="record what has arrived in the exchange and give "
                        "students their receipts, without collecting (--watch: as a JupyterHub service)")
    rc.add_argument("assignments", nargs="*", help="default: every assignment of the course")
    rc.add_argument("--watch", type=float, metavar="SECONDS", help="look again every SECONDS, until stopped")
    rc.set_defaults(func=receipts_cmd)

    hs = sub.add_parser("hub-setup", parents=[course], help="set up the course on a JupyterHub: student accounts, "
                        "nbgrader's exchange, the students' environment and the hub's config (as root)")
    hs.add_argument("--root", type=Path, required=True, help="where it all goes, e.g. /srv/dlcourse")
    hs.add_argument("--students", type=Path, required=True, help="a file of logins, one per line, each optionally "
                    "with :password (PAM); a real deployment uses its own authenticator")
    hs.add_argument("--port", type=int, default=8000,
                    help="the hub's public port (the next two: its API and the proxy's)")
    hs.add_argument("--lock", action="store_true", help="close the instructor's files to other accounts (chmod o-rwx)")
    hs.add_argument("--student-python", default="/usr/bin/python3", help="the Python the students' environment is "
                    "made from (one every account can run: not one under /root)")
    hs.add_argument("--receipts-every", type=float, default=10.0, metavar="SECONDS",
                    help="how often the hub's receipts service looks at the exchange")
    hs.set_defaults(func=hub_setup)

    vr = sub.add_parser("verify-receipt", parents=[course],
                        help="check a student's receipt: signed by this course, and in its ledger")
    vr.add_argument("receipt", type=Path)
    vr.set_defaults(func=verify_receipt)


def _add_outputs(sub: argparse._SubParsersAction, course: Parent, db: Parent) -> None:
    k = sub.add_parser("site-kits", parents=[course],
                       help="the homework zips for the course site, without touching the course")
    k.add_argument("assignments", nargs="+")
    k.add_argument("--out", type=Path, default=Path("_build/kits"), help="where the zips go")
    k.set_defaults(func=site_kits)

    sl = sub.add_parser("student-library", parents=[course], help="the students' wheel of the library, with the "
                        "references that open assignments grade replaced by stubs")
    sl.add_argument("--out", type=Path, help="the folder the wheel goes into (default: dist/student)")
    sl.set_defaults(func=student_library)

    c = sub.add_parser("check", help="run a notebook's visible tests like the grader does")
    c.add_argument("notebook", type=Path)
    c.add_argument("--no-sandbox", action="store_true", help="run the notebook unconfined (trusted code only)")
    c.set_defaults(func=check_notebook)

    sm = sub.add_parser("similarity", parents=[course],
                        help="pairs of submissions with unusually alike code (never changes a grade)")
    sm.add_argument("assignment")
    sm.add_argument("--threshold", type=float,
                    help="flag a pair when more than this share of one student's code is found in the other's "
                         "(default: copydetect's 0.33)")
    sm.add_argument("--keep-solution", action="store_true",
                    help="compare the instructor's solution too (to find copies of a leaked answer key); "
                         "students who wrote the model answer then look alike")
    sm.add_argument("--quiet", action="store_true", help="no progress bars")
    sm.set_defaults(func=similarity)

    x = sub.add_parser("export", parents=[course, db],
                       help="final grades as the CSV Canvas or Moodle imports, or as our own CSV")
    x.add_argument("assignment")
    x.add_argument("--to", required=True, choices=["canvas", "moodle", "csv"])
    x.add_argument("--ids", type=Path, help="the mapping file, a CSV: student (nbgrader id), canvas_id, sis_user_id, "
                   "sis_login_id, section, name, email, moodle_idnumber; needed for canvas and moodle")
    x.add_argument("--out", type=Path, help="the file to write (default: <course>/reports/<a>/<a>-<to>.csv)")
    x.add_argument("--allow-unmapped", action="store_true",
                   help="leave out gradebook students the mapping file lacks, instead of stopping")
    x.add_argument("--canvas-assignment-id", type=int,
                   help="the assignment's id in Canvas (the last number of its URL), so the import updates it")
    x.set_defaults(func=export_grades)

    lb = sub.add_parser("leaderboard", parents=[course, db], help="a static page ranking the class on an "
                        "assignment's outcome, under pseudonyms (opt-in per assignment in course.toml)")
    lb.add_argument("assignment")
    lb.add_argument("--out", type=Path, help="the folder the page goes into, to publish as it is "
                    "(default: <course>/leaderboards/<assignment>)")
    lb.add_argument("--leave-out", action="append", default=[], metavar="STUDENT",
                    help="leave this student off the board at their request (after the due date, when handing "
                    "in the opt-out file would make them late); repeatable")
    lb.set_defaults(func=leaderboard)


def parser() -> argparse.ArgumentParser:
    """The ``dlcourse`` command line: its subcommands, each with ``--help``."""
    top = argparse.ArgumentParser(prog="dlcourse", description=__doc__.replace("``", ""))
    top.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train-digits", help="train the reference MLP on digits and print its test accuracy")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=train_digits)
    course, db = _shared_options()
    _add_grading(sub, course, db)
    _add_collecting(sub, course, db)
    _add_outputs(sub, course, db)
    for name, command in sub.choices.items():
        command.set_defaults(parser=command, command=name)  # a command's own usage error: its own usage line
    return top


def main(argv: list[str] | None = None) -> int:
    """Runs one command: 0 done, 1 an error the user can fix (one line on stderr), 2 a usage error."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except DlcourseError as e:  # our own messages say what to do: no traceback
        print(f"dlcourse {args.command}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
