"""``python -m sample_class <assignment>`` (from the repository's root): writes a synthetic class of
submissions into a course folder, as scripts/grade_sample_class.sh does for the quickstart."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nbgrader.utils import parse_utc

from sample_class.write import make, write_lms_ids, write_timestamps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sample_class", description=__doc__)
    ap.add_argument("assignment")
    ap.add_argument("--course", type=Path, default=Path("autograder"))
    ap.add_argument("-n", type=int, default=30, help="how many students (the kinds cycled)")
    ap.add_argument("--due", help="write each student's timestamp.txt around this due date (some late)")
    ap.add_argument("--ids", type=Path, help="also write a student-ID mapping for `dlcourse export` here")
    args = ap.parse_args(argv)
    if not (args.course / "source" / args.assignment).is_dir():
        ap.error(f"{args.course / 'source' / args.assignment}: no such assignment folder")
    students = make(args.course, args.assignment, args.n)
    if args.due:
        write_timestamps(args.course, args.assignment, students, parse_utc(args.due))
    if args.ids:
        print(f"wrote the LMS roster mapping {write_lms_ids(args.ids, args.n)}")
    print(f"wrote {len(students)} submissions under {args.course}/submitted/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
