"""What an exercise is: an autograded function (``Spec``) or an answer graded by hand
(``Written``). Each is declared once, in ``dlcourse/grading/exercises/<assignment>.py``, with
its question and its solution; the notebook's numbered section (heading, question, solution or
model answer, grade cells: ``dlcourse.grading.cells``), the coverage map's exercise column (and
its row, for a ``Question`` declared here), the check kit and the sample class's wrong answers
are all made from these declarations.

A question's text or a model answer may refer to another exercise's section as
``{section:<its grade id>}``: ``dlcourse release`` writes the number, so inserting an exercise
renumbers the references too.

Every case of a ``Spec`` is made from a seed by ``make_inputs(rng, k)`` (k: the case's number,
which varies shapes), or by a named edge case:

- the visible cases use the public ``visible_seeds`` (two or more, one of them not degenerate:
  a batch above 1, a matrix neither 1 x 1 nor symmetric), plus the edge cases named in
  ``visible_edges`` (the public worked examples of the syllabus and the book); their inputs and
  expected outputs ship to students in the assignment's kit (``dlcourse.grading.kit``), with
  what each known mistake (``Mistake``) gives on them;
- the hidden cases are the edge cases plus ``random_cases`` random ones, each seeded from the
  course secret, the student and the case (``dlcourse.grading.cases``), so they differ per
  student, and only the instructor can make them again.
"""
from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Inputs = dict[str, np.ndarray]
MakeInputs = Callable[[np.random.Generator, int], Inputs]
EdgeCase = Callable[[np.random.Generator], Inputs]


@dataclass(frozen=True)
class Question:
    """A homework question of the coverage map (``book/coverage.yml``'s row), declared with the
    exercise that grades it first; other exercises grading it name it by ``id``."""

    id: str  # "<chapter>.<n>", numbered on from the chapter's last question
    question: str  # the question in a line, as the map shows it
    source: str  # where the syllabus asks it, e.g. "000 Q5"
    theory: str  # page#anchor of the section that teaches it, e.g. "book/04-gradient-descent/theory#sec-taylor"
    lab: str  # page#anchor of the lab cell that checks it in numbers

    def row(self) -> dict[str, str]:
        """The question as a row of the coverage map."""
        return {"id": self.id, "question": self.question, "source": self.source, "theory": self.theory,
                "lab": self.lab}


def question_ids(questions: tuple[str | Question, ...]) -> tuple[str, ...]:
    return tuple(q.id if isinstance(q, Question) else q for q in questions)


@dataclass(frozen=True)
class Mistake:
    """A wrong answer students are known to give. Its code (a one-line edit of a right answer)
    stays on the instructor's side; when a failed case returns what this code returns on the
    same inputs, the feedback and the student's ``check`` say "this is what you get when
    <says>: see <see>"."""

    says: str  # the mistake in words, completing "this is what you get when ..."
    anchor: str  # the label in book/ where the right thing is taught, e.g. "eq-binary-deltas"
    see: str  # that label as the book shows it, "chapter 2, Eq. (5)" (tests/test_exercises.py checks both)
    code: str  # the wrong function, defined under the exercise's function name


@dataclass(frozen=True)
class Spec:
    """An autograded exercise: the student writes ``function``; the test cell ``grade_id`` calls
    it on every case and compares what it returns with ``reference`` on the same inputs."""

    grade_id: str  # the test cell's nbgrader grade id
    function: str  # the student's function, defined in the solution cell of the same name
    make_inputs: MakeInputs  # (rng, case number) -> the named arguments
    reference: Callable[..., tuple]  # the same arguments -> the expected outputs
    outputs: tuple[str, ...]  # names of what the function returns, in order
    points: float
    questions: tuple[str | Question, ...] = ()  # the coverage questions it grades: ids, or new ones
    wrong_answers: dict[str, Mistake] = field(default_factory=dict)  # name -> a mistake students make
    visible_seeds: tuple[int, ...] = (0, 1)  # case numbers 0 and 1: a batch of 1, then one of 2
    edge_cases: dict[str, EdgeCase] = field(default_factory=dict)  # name -> inputs, graded every time
    visible_edges: tuple[str, ...] = ()  # edge cases shown in the kit too: public worked examples
    random_cases: int = 4  # hidden cases from secret seeds
    rtol: float = 1e-6
    atol: float = 1e-8
    property: str | None = None  # a check of checker.PROPERTIES instead of comparing with the reference
    call_args: tuple[str, ...] | None = None  # which inputs the student function takes (default: all)
    references: tuple[str, ...] = ()  # the library's names that answer this exercise (kept from students)
    title: str = ""  # its section's heading, which release numbers: "## <n>. <title>"
    text: str = ""  # the question under the heading (Markdown)
    solution: str | None = None  # the solution cell's code, the answer between ### BEGIN/END SOLUTION
    # (None: the notebook holds that cell, a code cell defining ``function``)

    @builtins.property  # the field ``property`` hides the built-in here
    def key(self) -> str:
        """The grade id of the cell the student answers in: the function's name."""
        return self.function

    @builtins.property
    def question_ids(self) -> tuple[str, ...]:
        return question_ids(self.questions)

    def arguments(self, inputs: Inputs) -> Inputs:
        return inputs if self.call_args is None else {k: inputs[k] for k in self.call_args}

    def test_source(self) -> str:
        """The code of the test cell: the student's kit and the grader both read this call."""
        return f'check("{self.grade_id}", {self.function})'


@dataclass(frozen=True)
class Written:
    """An answer graded by hand in formgrader (a proof, a derivation, an explanation): a Markdown
    cell of the notebook with the same grade id, holding the model answer and the rubric."""

    grade_id: str
    points: float
    questions: tuple[str | Question, ...] = ()  # as Spec's
    title: str = ""  # as Spec's; release adds "(graded by hand)"
    text: str = ""  # as Spec's
    answer: str | None = None  # the answer cell's Markdown, the model answer between ### BEGIN/END SOLUTION
    # and the rubric (None: the notebook holds that cell, with the grade id)

    @property
    def key(self) -> str:
        """The grade id of the cell the student answers in: the exercise's own."""
        return self.grade_id

    @property
    def question_ids(self) -> tuple[str, ...]:
        return question_ids(self.questions)


Exercise = Spec | Written
