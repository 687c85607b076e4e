"""The sample class: N synthetic submissions made from the instructor's notebook (honest,
copied, partly wrong, broken and hostile) in nbgrader's ``submitted/<student>/<assignment>/``
layout. Every kind says what the grader must give it, so the tests hold the grader to it.

A fixture of the tests, the benchmarks and the quickstart, not part of the ``dlcourse`` package an
instructor installs. Run from the repository's root: ``python -m sample_class hw1 --course autograder``.

- ``kinds``: the kinds of student as records (name, how its submission is made, what it must get);
- ``honest``, ``copying``, ``hostile``, ``outcome``: the notebooks and files they hand in (``outcome``:
  the train cells of an outcome exercise's kinds, honest, under-trained, over budget and hostile);
- ``write``: writing a class of them into a course folder, with hand-in times and an LMS roster.
"""
from sample_class.copying import COPIER_COMMENT, copied_with_renames, rename_locals, without_comments
from sample_class.honest import (
    HONEST_MORE,
    OWN_WORDS,
    add_cell,
    honest,
    library_helper,
    long_exploration,
    own_words,
    replace_cell,
    restructured,
    stripped_metadata,
    with_ipython,
)
from sample_class.hostile import BREAKERS, CHEATS, CHEATS_OF, CORRUPT, LINKS
from sample_class.kinds import ALL_BUT_ONE, FULL, HONEST, WRONG, ZERO, Expected, Kind, class_kinds, wrong_kinds
from sample_class.write import LATE_HOURS, Student, make, write_lms_ids, write_timestamps

__all__ = [
    "ALL_BUT_ONE", "BREAKERS", "CHEATS", "CHEATS_OF", "COPIER_COMMENT", "CORRUPT", "FULL", "HONEST", "HONEST_MORE",
    "LATE_HOURS", "LINKS", "OWN_WORDS", "WRONG", "ZERO", "Expected", "Kind", "Student", "add_cell", "class_kinds",
    "copied_with_renames", "honest", "library_helper", "long_exploration", "make", "own_words", "rename_locals",
    "replace_cell", "restructured", "stripped_metadata", "with_ipython", "without_comments", "write_lms_ids",
    "write_timestamps", "wrong_kinds",
]
