"""Optimisers as small update rules with explicit state, in the spirit of optax.

::

    rule = Adam(learning_rate=1e-3)
    state = rule.init(params)                    # params: dict name -> array
    params, state = rule.step(params, grads, state)
    state.slots["w"].v                           # Adam's second moment of parameter "w"

Nothing is mutated: ``step`` returns new parameters and a new state, so a rule is easy
to step beside ``tf.keras.optimizers`` and compare. Names and defaults follow Keras
(``learning_rate``, ``momentum``, ``rho``, ``beta_1``, ``beta_2``, ``epsilon``).
Each rule keeps one named tuple of slots per parameter (``AdamSlots(m, v)``, as optax's
``ScaleByAdamState(count, mu, nu)``), all zero at the start, and writes one parameter's
update in ``update``; ``step`` maps it over the dict.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

Params = dict[str, np.ndarray]
Schedule = Callable[[int], float]
Slots = tuple[np.ndarray, ...]  # one parameter's state: a rule's named tuple, such as AdamSlots(m, v)


def bias_corrected(moment: np.ndarray, beta: float, t: int) -> np.ndarray:
    """moment / (1 - beta^t): an average started at zero, divided by its expected shrinkage
    (for i.i.d. inputs E[v_t] = (1 - beta^t) E[g^2], syllabus 6)."""
    return moment / (1 - beta**t)


class SGDSlots(NamedTuple):
    """v, the velocity: the step just taken, p_t - p_{t-1}, except under Nesterov."""

    v: np.ndarray


class RMSpropSlots(NamedTuple):
    """v, the exponential moving average of g^2."""

    v: np.ndarray


class AdamSlots(NamedTuple):
    """m and v, the exponential moving averages of g and of g^2 (before bias correction)."""

    m: np.ndarray
    v: np.ndarray


class AdamaxSlots(NamedTuple):
    """m, the exponential moving average of g, and u = max(b2 u, abs(g)), the decayed largest abs(g)."""

    m: np.ndarray
    u: np.ndarray


@dataclass(frozen=True)
class OptState:
    """The step count t (number of updates done so far) and each parameter's slots."""

    t: int
    slots: dict[str, Slots]


class UpdateRule:
    """Base class: a rule names its slots type (its state for one parameter) and defines ``update``."""

    learning_rate: float | Schedule
    slots_type: ClassVar[type]

    def init_slots(self, p: np.ndarray) -> Slots:
        """One parameter's slots, every one zero and shaped like the parameter."""
        return self.slots_type(*(np.zeros_like(p) for _ in self.slots_type._fields))

    def update(
        self, p: np.ndarray, g: np.ndarray, slots: Slots, t: int, lr: float
    ) -> tuple[np.ndarray, Slots]:
        """One step for one parameter at step t (1-based): new parameter and slots."""
        raise NotImplementedError

    def init(self, params: Params) -> OptState:
        return OptState(0, {k: self.init_slots(np.asarray(v)) for k, v in params.items()})

    def lr_at(self, t: int) -> float:
        """The learning rate of step t (1-based), from a constant or a schedule of t - 1."""
        lr = self.learning_rate
        return float(lr(t - 1)) if callable(lr) else float(lr)

    def step(self, params: Params, grads: Params, state: OptState) -> tuple[Params, OptState]:
        t = state.t + 1
        lr = self.lr_at(t)
        new_params, new_slots = {}, {}
        for k, p in params.items():
            new_params[k], new_slots[k] = self.update(p, grads[k], state.slots[k], t, lr)
        return new_params, OptState(t, new_slots)


@dataclass(frozen=True)
class SGD(UpdateRule):
    """Keras's SGD. velocity v = momentum v - lr g; then
    p += v (classical momentum) or p += momentum v - lr g (Nesterov); p -= lr g if momentum = 0.
    """

    learning_rate: float | Schedule = 0.01
    momentum: float = 0.0
    nesterov: bool = False
    slots_type: ClassVar[type] = SGDSlots

    def update(
        self, p: np.ndarray, g: np.ndarray, slots: SGDSlots, t: int, lr: float
    ) -> tuple[np.ndarray, SGDSlots]:
        # momentum 0 is plain SGD: v = -lr g, and skipping 0 * v spares a pass over the parameter
        v = self.momentum * slots.v - lr * g if self.momentum else -lr * g
        step = self.momentum * v - lr * g if self.nesterov else v
        return p + step, SGDSlots(v)


@dataclass(frozen=True)
class RMSprop(UpdateRule):
    """Keras's RMSprop (uncentred, no momentum): v = rho v + (1 - rho) g^2;
    p -= lr g / sqrt(v + epsilon)   (Keras puts epsilon inside the square root).
    """

    learning_rate: float | Schedule = 0.001
    rho: float = 0.9
    epsilon: float = 1e-7
    slots_type: ClassVar[type] = RMSpropSlots

    def update(
        self, p: np.ndarray, g: np.ndarray, slots: RMSpropSlots, t: int, lr: float
    ) -> tuple[np.ndarray, RMSpropSlots]:
        v = self.rho * slots.v + (1 - self.rho) * g * g
        return p - lr * g / np.sqrt(v + self.epsilon), RMSpropSlots(v)


@dataclass(frozen=True)
class Adam(UpdateRule):
    """Adam (Kingma & Ba, 2015). m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2.

    ``epsilon_hat=False`` (default) is Algorithm 1 of the paper, as in PyTorch::

        p -= lr * m_hat / (sqrt(v_hat) + epsilon),  m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)

    ``epsilon_hat=True`` is the paper's efficient form, which Keras uses::

        p -= lr_t * m / (sqrt(v) + epsilon),  lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)

    ``bias_correction=False`` drops both 1 - b^t factors, to show the bias toward zero.
    """

    learning_rate: float | Schedule = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    bias_correction: bool = True
    epsilon_hat: bool = False
    slots_type: ClassVar[type] = AdamSlots

    def update(
        self, p: np.ndarray, g: np.ndarray, slots: AdamSlots, t: int, lr: float
    ) -> tuple[np.ndarray, AdamSlots]:
        m = self.beta_1 * slots.m + (1 - self.beta_1) * g
        v = self.beta_2 * slots.v + (1 - self.beta_2) * g * g
        if not self.bias_correction:
            step = lr * m / (np.sqrt(v) + self.epsilon)
        elif self.epsilon_hat:
            lr_t = lr * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
            step = lr_t * m / (np.sqrt(v) + self.epsilon)
        else:
            m_hat, v_hat = bias_corrected(m, self.beta_1, t), bias_corrected(v, self.beta_2, t)
            step = lr * m_hat / (np.sqrt(v_hat) + self.epsilon)
        return p - step, AdamSlots(m, v)


@dataclass(frozen=True)
class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p -= lr * wd * p, then Adam.

    The decay uses the parameter before the Adam step, as Keras's AdamW does.
    """

    weight_decay: float = 0.004

    def update(
        self, p: np.ndarray, g: np.ndarray, slots: AdamSlots, t: int, lr: float
    ) -> tuple[np.ndarray, AdamSlots]:
        return super().update(p - lr * self.weight_decay * p, g, slots, t, lr)


@dataclass(frozen=True)
class Adamax(UpdateRule):
    """AdaMax, Adam's infinity-norm limit: m = b1 m + (1 - b1) g, u = max(b2 u, abs(g));
    p -= lr / (1 - b1^t) * m / (u + epsilon).
    """

    learning_rate: float | Schedule = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    slots_type: ClassVar[type] = AdamaxSlots

    def update(
        self, p: np.ndarray, g: np.ndarray, slots: AdamaxSlots, t: int, lr: float
    ) -> tuple[np.ndarray, AdamaxSlots]:
        m = self.beta_1 * slots.m + (1 - self.beta_1) * g
        u = np.maximum(self.beta_2 * slots.u, np.abs(g))
        return p - lr * bias_corrected(m, self.beta_1, t) / (u + self.epsilon), AdamaxSlots(m, u)
