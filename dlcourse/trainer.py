"""The configured trainer: a configuration (a dict of plain values) names an MLP and how to
train it, and this library code builds the network and trains it. The course's configuration
exercises (``dlcourse.grading.outcome.configured``) grade a student's *changes* to a given
configuration by training them with it: no code of the student's runs during training, so what
the student changed is exactly what the configuration says. The student library ships it, so a
student's local check trains what the grader will (``changed`` checks the changes as it does).

A configuration is a dict over ``KEYS``: an MLP ``[n_in, width, width, classes]`` (ReLU,
He initialisation; BatchNorm before each ReLU and dropout after it when asked), trained as
``dlcourse.train.fit`` trains, with one of the library's update rules (``OPTIMIZERS``), mini-batches
shuffled by the run's seed. ``momentum`` is SGD's; the other rules have none and ignore it.

Its cost is known before it runs (``estimated_cpu_seconds``): the matrix products of an epoch,
three per dense layer and example (forward, the weights' gradient, the input's), and each
update's fixed cost (the layers' Python, which dominates tiny widths and batches), both at
rates measured on one thread here and halved, so a configuration that cannot fit its budget is
refused before any training: a grader that trains it never starts a run of hours.
"""
from __future__ import annotations

import json
import math
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from dlcourse import losses, models, optim
from dlcourse.nn import Sequential
from dlcourse.train import batches

Value = bool | int | float | str
Configuration = Mapping[str, Value]
Predict = Callable[[np.ndarray], object]  # signals (N, n_in) -> N integer labels, once checked
Train = Callable[[np.ndarray, np.ndarray, int], Predict]  # train(X, y, seed) -> predict

OPTIMIZERS: dict[str, Callable[[float, float], optim.UpdateRule]] = {
    "sgd": lambda lr, momentum: optim.SGD(lr, momentum=momentum),
    "rmsprop": lambda lr, momentum: optim.RMSprop(lr),
    "adam": lambda lr, momentum: optim.Adam(lr),
}

# multiply-adds a second on one thread: 1.25e10 measured here (an MLP of width 100 on MNIST-1D,
# SGD, 20 epochs in 0.29 s), halved for slower workers
MULTIPLY_ADDS_PER_SECOND = 6e9
# an update's fixed cost: 1e-4 s measured here (width 1, batches of 1: 4000 updates in 0.38 s), doubled
SECONDS_PER_UPDATE = 2e-4
BATCHNORM_COST = 2.1  # BatchNorm about doubles an epoch's time at width 100 (measured: 0.60 s)
ADAPTIVE_COST = 1.4  # an adaptive rule's update (Adam, RMSprop) costs 40% more (measured: 0.40 s)


UNSENDABLE = "the answer must be a dict of plain values (True/False, numbers, strings)"  # as JSON carries it
KINDS = {bool: "True or False", int: "an int", float: "a number (a float or an int)", str: "a str"}


class ConfigurationRefused(ValueError):
    """A configuration the trainer or the exercise does not accept; the message says why."""


@dataclass(frozen=True)
class Key:
    """One key of a configuration: its type and the values it may take."""

    kind: type  # bool, int, float or str
    says: str  # what it sets, for the messages
    low: float | None = None  # numbers: inclusive bounds
    high: float | None = None
    choices: tuple[str, ...] = ()  # strings: the allowed values

    def check(self, name: str, value: object) -> Value:
        """``value`` if it is one this key takes; ``ConfigurationRefused`` naming the key otherwise.
        Types are checked exactly (``type(value)``): True is no int here, a str subclass no str."""
        if self.kind is int and type(value) is float and value.is_integer():
            value = int(value)  # 40.0 epochs are 40: JSON and NumPy write whole numbers as floats too
        kinds = (int, float) if self.kind is float else (self.kind,)  # a float key takes 1 for 1.0
        if type(value) not in kinds:
            # its type's name only: the value's own repr is the student's code, and could be anything
            raise ConfigurationRefused(f"{name!r} ({self.says}) must be {KINDS[self.kind]}, "
                                       f"got {type(value).__name__}")
        if self.choices and value not in self.choices:
            raise ConfigurationRefused(f"{name!r} must be one of {', '.join(map(repr, self.choices))}, "
                                       f"got {reprlib.repr(value)}")
        if self.kind in (int, float) and not self._finite_within(value):  # type: ignore[arg-type]
            raise ConfigurationRefused(f"{name!r} ({self.says}) must be from {self.low:g} to {self.high:g}, "
                                       f"got {_shown(value)}")
        return float(value) if self.kind is float else value  # type: ignore[arg-type]

    def _finite_within(self, value: float) -> bool:
        # an int is finite however large (math.isfinite would overflow on one past 1e308)
        finite = type(value) is int or math.isfinite(value)
        return finite and (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


def _shown(number: object) -> str:
    """A number as a message shows it: a huge int by its size (its digits could be thousands)."""
    if type(number) is int and abs(number) >= 10**15:
        return f"an integer of {number.bit_length()} bits"
    return repr(number)


KEYS: dict[str, Key] = {
    "optimizer": Key(str, "the update rule", choices=tuple(OPTIMIZERS)),
    "learning_rate": Key(float, "the update rule's step size", low=1e-6, high=10.0),
    "momentum": Key(float, "SGD's momentum", low=0.0, high=0.99),
    "batchnorm": Key(bool, "BatchNorm before each hidden ReLU"),
    "dropout": Key(float, "the dropout rate after each hidden ReLU", low=0.0, high=0.9),
    "width": Key(int, "the width of the two hidden layers", low=1, high=4096),
    "epochs": Key(int, "passes over the training set", low=1, high=10_000),
    "batch_size": Key(int, "examples per update", low=1, high=100_000),
}


def checked(config: object) -> dict[str, Value]:
    """``config`` as a complete configuration the trainer runs: a plain dict with every key of
    ``KEYS``, each value of its key's type and range (``ConfigurationRefused`` otherwise)."""
    if type(config) is not dict:
        raise ConfigurationRefused(f"a configuration is a dict, got {type(config).__name__}")
    unknown = sorted(repr(k) for k in config if k not in KEYS)
    if unknown:
        raise ConfigurationRefused(f"unknown key(s) {', '.join(unknown)}: the trainer knows {', '.join(KEYS)}")
    missing = [k for k in KEYS if k not in config]
    if missing:
        raise ConfigurationRefused(f"missing key(s) {', '.join(missing)}")
    return {name: key.check(name, config[name]) for name, key in KEYS.items()}


def sent(changes: object) -> object:
    """``changes`` as a grader receives them from its sandbox: through JSON, so a NumPy float
    arrives as a float and a dict subclass as a dict; a value JSON cannot carry is refused
    (``ConfigurationRefused``). A local check passes an answer through it too, so that it says
    what the grader will."""
    try:
        return json.loads(json.dumps(changes, default=plain))
    except (TypeError, ValueError, RecursionError) as e:  # a set, an object, a circular dict
        raise ConfigurationRefused(f"{UNSENDABLE}: {e}") from None


def plain(value: object) -> object:
    """A NumPy scalar (np.float32(0.1), np.int64(40), np.bool_(True)) as the Python value it
    holds, for ``json.dumps``; anything else JSON cannot carry is refused (TypeError)."""
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def changed(given: Configuration, changeable: frozenset[str], changes: object, n: int, n_in: int,
            cpu_budget: float, function: str = "changes") -> dict[str, Value]:
    """The configuration trained for ``changes`` (what the student's ``function`` returned): the
    ``given`` one with them applied. Refused (``ConfigurationRefused``, saying why) unless
    ``changes`` is a plain dict of ``changeable`` keys with values the trainer takes, whose run
    on ``n`` examples fits ``cpu_budget`` seconds; another key may only repeat its given value
    (a student who returns the whole configuration, one value changed, changed only that)."""
    allowed = ", ".join(repr(k) for k in KEYS if k in changeable)
    if type(changes) is not dict:
        raise ConfigurationRefused(f"{function}() must return a dict of changes, e.g. {{'learning_rate': 0.01}}; "
                                   f"it returned a {type(changes).__name__}")
    kept = {}
    for name, value in changes.items():
        if type(name) is not str or name not in KEYS:
            key = reprlib.repr(name) if type(name) is str else f"of type {type(name).__name__}"  # no student repr
            raise ConfigurationRefused(f"unknown key {key}: you may change {allowed}")
        if name in changeable:
            kept[name] = value
        elif not (type(value) is type(given[name]) and value == given[name]):  # a given value repeated changes nothing
            raise ConfigurationRefused(f"{name!r} is not yours to change (it stays {given[name]!r}): "
                                       f"you may change {allowed}")
    config = checked(dict(given) | kept)
    seconds = estimated_cpu_seconds(config, n, n_in)
    if seconds > cpu_budget:
        raise ConfigurationRefused(f"this configuration needs about {seconds:.1f} s of CPU a run, over the "
                                   f"budget of {cpu_budget:g} s: it is refused before training")
    return config


def multiply_adds(config: Configuration, n: int, n_in: int, classes: int) -> float:
    """The multiply-adds of training ``config`` on ``n`` examples: three matrix products per dense
    layer, example and epoch."""
    width = int(config["width"])
    per_example = n_in * width + width * width + width * classes
    return 3.0 * per_example * n * int(config["epochs"])


def updates(config: Configuration, n: int) -> int:
    """The updates of training ``config`` on ``n`` examples: one per batch, the last one short."""
    return int(config["epochs"]) * -(-n // int(config["batch_size"]))


def estimated_cpu_seconds(config: Configuration, n: int, n_in: int, classes: int = 10) -> float:
    """About what one run of ``config`` on ``n`` examples takes on one thread (twice what it took
    here): its arithmetic and its updates' fixed cost, weighted by what BatchNorm and an adaptive
    rule add."""
    weight = (BATCHNORM_COST if config["batchnorm"] else 1.0) * (1.0 if config["optimizer"] == "sgd" else ADAPTIVE_COST)
    arithmetic = multiply_adds(config, n, n_in, classes) / MULTIPLY_ADDS_PER_SECOND
    return (arithmetic + updates(config, n) * SECONDS_PER_UPDATE) * weight


def network(config: Configuration, n_in: int, classes: int, seed: int) -> Sequential:
    """The network ``config`` names, its weights drawn from ``seed``."""
    width = int(config["width"])
    return models.mlp([n_in, width, width, classes], dropout=float(config["dropout"]),
                      batchnorm=bool(config["batchnorm"]), seed=seed)


def trainer(config: Configuration, classes: int = 10) -> Train:
    """``train(X, y, seed) -> predict`` for ``config`` (a ``checked`` one): the judge runs it as it
    runs a student's ``train``."""
    def train(X: np.ndarray, y: np.ndarray, seed: int) -> Predict:
        model = network(config, X.shape[1], classes, seed)
        rule = OPTIMIZERS[str(config["optimizer"])](float(config["learning_rate"]), float(config["momentum"]))
        state = rule.init(model.parameters())
        rng = np.random.default_rng(seed)
        # dlcourse.train.fit's loop, step for step (tests/test_trainer.py checks it), written out because
        # fit is withheld from the student library while hw3 is open and this trainer ships in it; a
        # diverging configuration overflows on purpose: its NaN scores are its outcome, not an error
        with np.errstate(all="ignore"):
            for _ in range(int(config["epochs"])):
                for idx in batches(len(X), int(config["batch_size"]), rng):
                    scores = model.forward(X[idx], training=True)
                    _, dscores = losses.softmax_cross_entropy(scores, y[idx])
                    _, grads = model.backward(dscores, need_dx=False)
                    params, state = rule.step(model.parameters(), grads, state)
                    model.load_parameters(params)

        def predict(X_new: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                return model.forward(X_new, training=False).argmax(axis=1)

        return predict

    return train
