"""The second outcome exercise (chapter 12, seed 004's real networks): a configuration of the
grader's trainer that diverges, which the student makes train by changing only the learning
rate, the optimiser (its momentum included), BatchNorm or the number of epochs. The seed's
CNN diverged with Adam at a learning rate of 0.005; here an MLP on MNIST-1D diverges with SGD
at 1.0 and momentum 0.9 (its held-out accuracy is chance).

Its reference lowers the learning rate to 0.1 (about 64% held out). Three other right answers
are declared and must earn full credit too: SGD without momentum at 1.0 (a step ten times
shorter), Adam at 0.01, BatchNorm at 0.1. The subtle wrong answer, a learning rate lowered
to 0.01, lands nine points below the reference: half the points. A learning rate of 0.02 lands
four to six points below, within what the graded training set's draw moves the reference (one
of three exploratory gradings gave it full credit at a threshold of 60%): the bands cannot
separate it, so it is not declared. The bands are calibrated by
``benchmarks/calibrate_outcome.py`` (its docstring has the table);
tests/grading/test_outcome_config.py checks they separate.
"""
from __future__ import annotations

from dlcourse.grading.outcome.configured import Configured, RightAnswer
from dlcourse.grading.outcome.exercise import Band, Budget, Outcome, WrongTraining

FUNCTION = "changes"

GIVEN = {
    "optimizer": "sgd",
    "learning_rate": 1.0,
    "momentum": 0.9,
    "batchnorm": False,
    "dropout": 0.0,
    "width": 100,
    "epochs": 20,
    "batch_size": 100,
}
CHANGEABLE = frozenset({"optimizer", "learning_rate", "momentum", "batchnorm", "epochs"})


def _answer(changes: str) -> str:
    """An answer's code, as a student writes it."""
    return f"def {FUNCTION}():\n    return {changes}\n"


SOLUTION = f"""def {FUNCTION}():
    ### BEGIN SOLUTION
    return {{"learning_rate": 0.1}}
    ### END SOLUTION
"""

WRONG = {
    "lowered_too_far": WrongTraining("the learning rate is lowered a hundredfold, to 0.01: it trains, too slowly "
                                     "for its 20 epochs", _answer('{"learning_rate": 0.01}')),
    "barely_lowered": WrongTraining("the learning rate is only halved, to 0.5: still too long a step",
                                    _answer('{"learning_rate": 0.5}')),
    "batchnorm_only": WrongTraining("BatchNorm is added and the learning rate left at 1.0: it trains, unsteadily",
                                    _answer('{"batchnorm": True}')),
    "adam_same_rate": WrongTraining("the optimiser becomes Adam at the same learning rate of 1.0: it diverges too",
                                    _answer('{"optimizer": "adam"}')),
}

RIGHT = {
    "no_momentum": RightAnswer("SGD without its momentum at 1.0: a step ten times shorter than with momentum 0.9",
                               _answer('{"momentum": 0.0}')),
    "adam": RightAnswer("Adam at 0.01", _answer('{"optimizer": "adam", "learning_rate": 0.01}')),
    "batchnorm": RightAnswer("BatchNorm and a learning rate of 0.1",
                             _answer('{"batchnorm": True, "learning_rate": 0.1}')),
}

BANDS = (Band(0.59, 1.0), Band(0.35, 0.5))  # calibrated: benchmarks/calibrate_outcome.py
BUDGET = Budget(cpu_seconds=4.0, memory_mb=1024)  # the reference takes about 0.3 s a run
SEEDS = 3

DIVERGING_MLP = Configured(
    outcome=Outcome(
        grade_id="test_outcome_diverging",
        points=5,
        solution=SOLUTION,
        bands=BANDS,
        budget=BUDGET,
        function=FUNCTION,
        heldout_size=2000,
        seeds=SEEDS,
        wrong_answers=WRONG,
        title="Make a diverging network train",
        questions=("12.2",),
        text=f"""The grader trains an MLP on MNIST-1D with this configuration, and it diverges: `{GIVEN}`. \
Write `{FUNCTION}()`: it returns a dict of the keys you change, and only these: \
{", ".join(repr(k) for k in sorted(CHANGEABLE))}; any other key is refused. The grader trains your configuration \
with its own trainer (the course library's `dlcourse.trainer.trainer`: you can train a configuration with \
it yourself, and the check below does), {SEEDS} times with seeds of its own, and scores it on held-out \
signals it never shows: a median accuracy of {BANDS[0].threshold:.0%} earns all the points, \
{BANDS[1].threshold:.0%} earns {BANDS[1].fraction:.0%} of them. A configuration that cannot train within \
{BUDGET.cpu_seconds:g} seconds of CPU a run is refused before training.""",
    ),
    given=GIVEN,
    changeable=CHANGEABLE,
    alternatives=RIGHT,
)
