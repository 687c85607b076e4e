"""The kinds of student in the sample class, as records: a name, how its submission is made,
and what the grader must give it. ``class_kinds`` lists one class's worth for a notebook, in the
order ``sample_class.make`` cycles through them."""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from dlcourse.grading.exercises import wrong_answers
from dlcourse.grading.notebook import nbgrader_metadata
from sample_class.copying import copied_with_renames
from sample_class.honest import HONEST_MORE, add_cell, honest, own_words, replace_cell, restructured, with_ipython
from sample_class.hostile import BREAKERS, CHEATS, CHEATS_OF, CORRUPT, LINKS, SILENT_BREAKERS
from sample_class.outcome import ANSWERS as OUTCOME_ANSWERS
from sample_class.outcome import outcomes_of

if TYPE_CHECKING:
    from dlcourse.grading.grader import SubmissionResult

FULL, ZERO, ALL_BUT_ONE = "full", "zero", "all but one test"


@dataclass(frozen=True)
class Expected:
    """What the grader must give a kind: full marks, none, or full marks on every test but
    ``fails``; and whether it must report a problem (True), must not (False) or may (None).
    A ``refused`` file's first problem names the notebook the assignment expects."""
    score: str
    fails: str = ""
    problem: bool | None = None
    refused: bool = False
    fraction: float | None = None  # of ``fails``'s points it must earn exactly (an outcome's band), if given

    def unmet(self, result: SubmissionResult, full: float) -> list[str]:
        """What of this ``result`` falls short of the expectation,
        where ``full`` is the assignment's points: [] when it meets it all."""
        short = sorted(t.grade_id for t in result.tests if t.score < t.points)
        wanted = {FULL: result.score == full, ZERO: result.score == 0, ALL_BUT_ONE: short == [self.fails]}
        unmet = [] if wanted[self.score] else [f"expected {self.score} {self.fails}, scored {result.score} of "
                                               f"{full}, short on {short}"]
        failing = next((t for t in result.tests if t.grade_id == self.fails), None)
        if self.fraction is not None and failing is not None and failing.score != self.fraction * failing.points:
            unmet.append(f"expected {self.fraction:g} of {self.fails}'s {failing.points:g} points, "
                         f"scored {failing.score:g}")
        if self.problem is not None and bool(result.problems) != self.problem:
            unmet.append(f"problems reported: {result.problems}, expected {'some' if self.problem else 'none'}")
        if self.refused and not (result.problems and result.notebook in result.problems[0]):
            unmet.append(f"refused without naming {result.notebook}: {result.problems}")
        return unmet


@dataclass(frozen=True)
class Source:
    """What a submission is made from: the instructor's notebook (the answer key) and the
    student version released from it (the source itself where none is released yet)."""
    path: Path
    notebook: nbformat.NotebookNode
    released: nbformat.NotebookNode

    @classmethod
    def read(cls, path: Path, released: Path) -> Source:
        source = nbformat.read(path, as_version=4)
        return cls(path, source, nbformat.read(released, as_version=4) if released.exists() else source)


@dataclass(frozen=True)
class Kind:
    """A kind of student: ``build`` writes its submission into its (empty) assignment folder."""
    name: str
    build: Callable[[Source, Path], None]
    expected: Expected
    copies: str = ""  # the kind whose latest student this one copies (a copier's)


def _writes(make: Callable[[Source], nbformat.NotebookNode]) -> Callable[[Source, Path], None]:
    """A build that writes the notebook ``make`` makes under the expected name."""
    return lambda src, folder: nbformat.write(make(src), folder / src.path.name)


def _notebook(name: str, make: Callable[[Source], nbformat.NotebookNode], expected: Expected,
              copies: str = "") -> Kind:
    return Kind(name, _writes(make), expected, copies)


HONEST = Expected(FULL, problem=False)
NOTHING = Expected(ZERO)
REFUSED = Expected(ZERO, problem=True, refused=True)


def _with_cheat(code: str) -> Callable[[Source], nbformat.NotebookNode]:
    return lambda src: add_cell(copy.deepcopy(src.released), code)


def _with_cheats_of(make: Callable[[nbformat.NotebookNode], list[str]]) -> Callable[[Source], nbformat.NotebookNode]:
    def build(src: Source) -> nbformat.NotebookNode:
        nb = copy.deepcopy(src.released)
        nb.cells += [nbformat.v4.new_code_cell(code) for code in make(src.notebook)]
        return nb
    return build


def _corrupt(data: bytes) -> Callable[[Source, Path], None]:
    return lambda src, folder: (folder / src.path.name).write_bytes(data)


def _link(make: Callable[[Path, Path], None]) -> Callable[[Source, Path], None]:
    return lambda src, folder: make(src.path, folder)


def _renamed(src: Source, folder: Path) -> None:
    """An honest notebook under a name of the student's own: the expected file is missing."""
    nbformat.write(honest(src.notebook), folder / "my_homework.ipynb")


# the known wrong answers of the exercise declarations, each aimed at exactly one test cell:
# name -> (the solution cell's grade id, the code, the test it fails)
WRONG = {name: (spec.function, mistake.code, spec.grade_id) for name, (spec, mistake) in wrong_answers().items()}


def wrong_kinds(source_nb: nbformat.NotebookNode) -> list[str]:
    """The kinds of WRONG whose solution cell this notebook has."""
    ids = {nbgrader_metadata(c).get("grade_id") for c in source_nb.cells}
    return [kind for kind, (gid, _, _) in WRONG.items() if gid in ids]


def _wrong(name: str) -> Kind:
    gid, code, test = WRONG[name]
    return _notebook(name, lambda src: replace_cell(honest(src.notebook), gid, code), Expected(ALL_BUT_ONE, test))


_FIRST = [
    *[_notebook("honest", lambda src: honest(src.notebook), HONEST)] * 4,
    _notebook("honest_ipython", lambda src: with_ipython(src.notebook), HONEST),
    _notebook("restructured", lambda src: restructured(src.notebook), HONEST),
    _notebook("honest_own_words", lambda src: own_words(src.notebook), HONEST),
    _notebook("copied_with_renames", lambda src: copied_with_renames(own_words(src.notebook)), HONEST,
              copies="honest_own_words"),
    _notebook("student_version", lambda src: copy.deepcopy(src.released), NOTHING),
]
_AFTER_WRONG = [
    *[_notebook(name, lambda src, make=make: make(src.notebook), HONEST) for name, make in HONEST_MORE.items()],
    # a breaker costs its own cell, nothing the tests need; it reports its error, if it has one
    *[_notebook(name, lambda src, code=code: add_cell(honest(src.notebook), code),
                Expected(FULL, problem=None if name in SILENT_BREAKERS else True)) for name, code in BREAKERS.items()],
    *[_notebook(name, _with_cheat(code), NOTHING) for name, code in CHEATS.items()],
    *[_notebook(name, _with_cheats_of(make), NOTHING) for name, make in CHEATS_OF.items()],
    *[Kind(name, _corrupt(data), REFUSED) for name, data in CORRUPT.items()],
    *[Kind(name, _link(make), REFUSED) for name, make in LINKS.items()],
    Kind("renamed_notebook", _renamed, REFUSED),
]


def outcome_kinds(source_nb: nbformat.NotebookNode) -> list[Kind]:
    """The kinds of ``sample_class.outcome`` for the outcome exercises this notebook has: each an
    honest notebook with one exercise's answer cell replaced, earning the fraction the
    calibration predicts of that exercise and full marks elsewhere."""
    return [_notebook(name, lambda src, key=o.key, code=code: replace_cell(honest(src.notebook), key, code),
                      Expected(ALL_BUT_ONE, o.grade_id, problem=False, fraction=fraction))
            for o in outcomes_of({nbgrader_metadata(c).get("grade_id") for c in source_nb.cells})
            for name, (code, fraction) in OUTCOME_ANSWERS[o.grade_id].items()]


def class_kinds(source_nb: nbformat.NotebookNode) -> list[Kind]:
    """One class's worth of kinds for this notebook, in the order make() cycles through them."""
    return _FIRST + [_wrong(name) for name in wrong_kinds(source_nb)] + outcome_kinds(source_nb) + _AFTER_WRONG
