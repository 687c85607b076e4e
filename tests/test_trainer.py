"""The configured trainer (dlcourse.trainer): it trains as dlcourse.train.fit does, its cost
estimate counts what a configuration spends, and the changes a student may make are checked
before anything trains."""
from __future__ import annotations

import numpy as np
import pytest

from dlcourse import train, trainer
from dlcourse.data.mnist1d import MNIST1DConfig, make_mnist1d

GIVEN = {"optimizer": "sgd", "learning_rate": 0.1, "momentum": 0.9, "batchnorm": False, "dropout": 0.0,
         "width": 32, "epochs": 3, "batch_size": 50}


@pytest.mark.parametrize("changes", [{}, {"optimizer": "adam", "learning_rate": 0.01}, {"batchnorm": True},
                                     {"dropout": 0.3}])
def test_the_trainer_trains_step_for_step_as_fit(changes):
    """Its loop is fit's written out (fit is withheld from students while hw3 is open): the same
    network, the same batches, the same updates, so the same predictions."""
    config = trainer.checked(GIVEN | changes)
    X, y, X_test, _ = make_mnist1d(MNIST1DConfig(num_samples=400))
    ours = trainer.trainer(config)(X, y, 7)(X_test)
    model = trainer.network(config, X.shape[1], 10, 7)
    rule = trainer.OPTIMIZERS[config["optimizer"]](config["learning_rate"], config["momentum"])
    train.fit(model, X, y, rule, epochs=config["epochs"], batch_size=config["batch_size"], seed=7, progress=False)
    np.testing.assert_array_equal(ours, model.forward(X_test, training=False).argmax(axis=1))


def test_the_estimate_counts_updates_so_tiny_batches_cannot_run_for_hours():
    """Width 1, batches of 1, 10,000 epochs of 4,000 examples: next to no arithmetic, 40 million updates."""
    tiny = GIVEN | {"width": 1, "batch_size": 1, "epochs": 10_000}
    assert trainer.multiply_adds(tiny, 4000, 40, 10) / trainer.MULTIPLY_ADDS_PER_SECOND < 2  # arithmetic alone
    assert trainer.estimated_cpu_seconds(tiny, 4000, 40) > 1000


def test_changed_applies_only_changeable_keys_within_the_budget():
    may = frozenset({"learning_rate", "epochs"})
    assert trainer.changed(GIVEN, may, {"learning_rate": 0.5}, 4000, 40, 4.0)["learning_rate"] == 0.5
    with pytest.raises(trainer.ConfigurationRefused, match="'width' is not yours to change"):
        trainer.changed(GIVEN, may, {"width": 64}, 4000, 40, 4.0)
    with pytest.raises(trainer.ConfigurationRefused, match="refused before training"):
        trainer.changed(GIVEN, may, {"epochs": 10_000}, 4000, 40, 4.0)
    with pytest.raises(trainer.ConfigurationRefused, match="must return a dict"):
        trainer.changed(GIVEN, may, [("epochs", 2)], 4000, 40, 4.0)
    with pytest.raises(trainer.ConfigurationRefused, match=r"\(True/False, numbers, strings\)"):
        trainer.sent({"epochs": {2}})
