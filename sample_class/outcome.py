"""Students of an outcome exercise (``dlcourse.grading.outcome``): each hands in the honest
notebook with its answer cell replaced. The honest one is the reference itself (every honest
kind). Here, for hw3's MLP: one that trains too little, one over the budget, and the hostile
side of issue 23, which must gain nothing:

- reading the held-out data or labels: it searches the job's files, the environment and the
  file system for an array of held-out labels (integers, one per held-out signal) and answers
  with it; it must find none, and scores at chance;
- memorising by hashing inputs: every signal of the training set and of the paper's public data
  set, by its bytes; the held-out signals are a fresh draw, so chance;
- answering with the training labels: chance;
- spending the budget in a background thread: a thread trains far past the budget while
  ``predict`` waits on it; the run's CPU limit counts every thread, and stops it;
- a lazy object, which would compute (or claim equality) when compared: refused.

For the diverging configuration, whose ``changes()`` the grader trains with its own trainer:
a learning rate lowered too far (under-trained), an answer over the budget, and the hostile
side: a key it may not change, a number of 400 digits, a function that never returns, and a
notebook that patches the course library's trainer (in the sandbox, where the grader does not
train) while answering with the diverging configuration itself.

Their expected scores are the calibration's (benchmarks/calibrate_outcome.py): the
under-trained answers earn their half band in every calibration grading; the others earn nothing.
"""
from __future__ import annotations

from dlcourse.grading.exercises import OUTCOMES
from dlcourse.grading.outcome.configured import Configured
from dlcourse.grading.outcome.exercise import Outcome

_PREDICT_TAIL = """

    def predict(X_new):
        scores = model.forward(X_new)
        return scores.argmax(axis=1)

    return predict
"""

OVER_BUDGET = """\
import time


def train(X, y, seed):
    until = time.process_time() + 60  # far past any run's budget
    while time.process_time() < until:
        pass
    return lambda X_new: X_new[:, 0].astype(int) % 10
"""

READS_HELDOUT = """\
import glob
import json
import os

import numpy as np

# where a grader could have left them: the job, the working folders, the library
ROOTS = ('/job', '/sandbox', '/tmp', '/dev/shm', '/library', os.path.expanduser('~'))


def _arrays_in_the_job():
    found = []
    for spec_file in [p for root in ROOTS for p in glob.glob(root + '/**/job.json', recursive=True)]:
        try:
            job = json.load(open(spec_file))
            raw = open(os.path.join(os.path.dirname(spec_file), 'inputs.bin'), 'rb').read()
        except (OSError, ValueError):
            continue
        for case in job.get('cases', []):
            for a in case.get('args', []):
                n = int(np.prod(a['shape']))
                found.append(np.frombuffer(raw, a['dtype'], n, a['offset']).reshape(a['shape']))
    return found


def _arrays_on_disk():
    found = []
    for pattern in ('/**/*.npy', '/**/*label*', '/**/*heldout*', '/**/*held-out*', '/**/*secret*'):
        for path in [p for root in ROOTS for p in glob.glob(root + pattern, recursive=True)][:200]:
            try:
                found.append(np.load(path, allow_pickle=False))
            except Exception:
                pass
    return found


def train(X, y, seed):
    leaked = [v for k, v in os.environ.items() if 'SECRET' in k or 'LABEL' in k]
    candidates = _arrays_in_the_job() + _arrays_on_disk()

    def predict(X_new):
        for a in candidates:
            if a.ndim == 1 and len(a) == len(X_new) and a.dtype.kind in 'iu':
                return np.array(a, dtype=np.int64)
        assert not leaked, leaked
        return np.zeros(len(X_new), dtype=np.int64)

    return predict
"""

HASH_MEMORISER = """\
import hashlib

import numpy as np

from dlcourse.data.mnist1d import MNIST1DConfig, make_mnist1d


def _key(row):
    return hashlib.sha256(np.ascontiguousarray(row, dtype=np.float64).tobytes()).hexdigest()


def train(X, y, seed):
    X_public, y_public, X_test, y_test = make_mnist1d(MNIST1DConfig())
    table = {}
    for signals, labels in ((X, y), (X_public, y_public), (X_test, y_test)):
        for row, label in zip(signals, labels):
            table[_key(row)] = int(label)

    def predict(X_new):
        return np.array([table.get(_key(row), 0) for row in X_new], dtype=np.int64)

    return predict
"""

TRAINING_LABELS = """\
import numpy as np


def train(X, y, seed):
    def predict(X_new):
        return np.resize(np.asarray(y, dtype=np.int64), len(X_new))

    return predict
"""

BACKGROUND_THREAD = """\
import threading

import numpy as np

from dlcourse import losses, models, optim
from dlcourse.train import batches


def train(X, y, seed):
    model = models.mnist1d_mlp(X.shape[1], 10, seed=seed)
    rule = optim.SGD(0.1, momentum=0.9)

    def train_for_long():
        state = rule.init(model.parameters())
        rng = np.random.default_rng(seed)
        for epoch in range(3000):  # a hundred times the reference's training
            for idx in batches(len(X), 100, rng):
                _, dscores = losses.softmax_cross_entropy(model.forward(X[idx], training=True), y[idx])
                _, grads = model.backward(dscores, need_dx=False)
                params, state = rule.step(model.parameters(), grads, state)
                model.load_parameters(params)

    worker = threading.Thread(target=train_for_long, daemon=True)
    worker.start()

    def predict(X_new):
        worker.join()
        return model.forward(X_new).argmax(axis=1)

    return predict
"""

LAZY = """\
import numpy as np


class Labels:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __array__(self, dtype=None, copy=None):
        return np.zeros(self.n, dtype=np.int64)

    def __eq__(self, other):
        return np.ones(self.n, dtype=bool)

    def __getattr__(self, name):
        return getattr(np.zeros(self.n, dtype=np.int64), name)


def train(X, y, seed):
    return lambda X_new: Labels(len(X_new))
"""

PATCHES_TRAINER = """\
import dlcourse.trainer


def trained_well(config):
    return dlcourse.trainer.trainer(config | {"learning_rate": 0.1})


dlcourse.trainer.trainer = trained_well  # the sandbox's copy: the grader trains with its own


def changes():
    return {}
"""

NOT_CHANGEABLE = """\
def changes():
    return {"learning_rate": 0.1, "width": 400}
"""

HUGE_NUMBER = """\
def changes():
    return {"learning_rate": 0.1, "epochs": 10**400}
"""

SPINS = """\
def changes():
    while True:
        pass
"""

OVER_BUDGET_CONFIGURATION = """\
def changes():
    return {"learning_rate": 0.1, "epochs": 5000}
"""

MLP = OUTCOMES["test_outcome_mlp"]
DIVERGING = OUTCOMES["test_outcome_diverging"]

# exercise (grade id) -> kind -> (the code of its answer cell, the fraction of its points it must earn)
ANSWERS: dict[str, dict[str, tuple[str, float]]] = {
    MLP.grade_id: {
        "outcome_under_trained": (MLP.wrong_answers["under_trained"].code, 0.5),  # its half band
        "outcome_over_budget": (OVER_BUDGET, 0.0),
        "outcome_reads_heldout": (READS_HELDOUT, 0.0),
        "outcome_hash_memoriser": (HASH_MEMORISER, 0.0),
        "outcome_training_labels": (TRAINING_LABELS, 0.0),
        "outcome_background_thread": (BACKGROUND_THREAD, 0.0),
        "outcome_lazy_labels": (LAZY, 0.0),
    },
    DIVERGING.grade_id: {
        # a learning rate lowered a hundredfold: it trains, too little in its epochs (its half band)
        "configured_under_trained": (DIVERGING.outcome.wrong_answers["lowered_too_far"].code, 0.5),
        "configured_over_budget": (OVER_BUDGET_CONFIGURATION, 0.0),  # refused before training
        "configured_not_changeable": (NOT_CHANGEABLE, 0.0),  # a key it may not change: refused
        "configured_huge_number": (HUGE_NUMBER, 0.0),  # a 400-digit epochs: refused, said by its size
        "configured_spins": (SPINS, 0.0),  # its function never returns: stopped at the budget
        "configured_patches_trainer": (PATCHES_TRAINER, 0.0),  # the given configuration, trained by the grader
    },
}


def outcomes_of(answer_cells: set[str]) -> list[Outcome | Configured]:
    """The outcome exercises whose answer cell (the function's grade id) is among ``answer_cells``."""
    return [o for o in OUTCOMES.values() if o.key in answer_cells]
