"""Optimisers as small update rules with explicit state, in the spirit of optax.

::

    rule = Adam(learning_rate=1e-3)
    state = rule.init(params)                    # params: dict name -> array
    params, state = rule.step(params, grads, state)

Nothing is mutated: ``step`` returns new parameters and a new state, so a rule is easy
to step beside ``tf.keras.optimizers`` and compare. Names and defaults follow Keras
(``learning_rate``, ``momentum``, ``rho``, ``beta_1``, ``beta_2``, ``epsilon``).
Each rule writes one parameter's update in ``update``; ``step`` maps it over the dict.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

Params = dict[str, np.ndarray]
Schedule = Callable[[int], float]


def bias_corrected(moment: np.ndarray, beta: float, t: int) -> np.ndarray:
    """moment / (1 - beta^t): an average started at zero, divided by its expected shrinkage
    (for i.i.d. inputs E[v_t] = (1 - beta^t) E[g^2], syllabus 6)."""
    return moment / (1 - beta**t)


@dataclass(frozen=True)
class OptState:
    """The step count t (number of updates done so far) and each parameter's slots."""

    t: int
    slots: dict[str, tuple[np.ndarray, ...]]


class UpdateRule:
    """Base class: a rule defines ``slots`` (its state for one parameter) and ``update``."""

    learning_rate: float | Schedule

    def slots(self, p: np.ndarray) -> tuple[np.ndarray, ...]:
        return ()

    def update(
        self, p: np.ndarray, g: np.ndarray, slots: tuple[np.ndarray, ...], t: int, lr: float
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """One step for one parameter at step t (1-based): new parameter and slots."""
        raise NotImplementedError

    def init(self, params: Params) -> OptState:
        return OptState(0, {k: self.slots(np.asarray(v)) for k, v in params.items()})

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

    learning_rate: Any = 0.01
    momentum: float = 0.0
    nesterov: bool = False

    def slots(self, p):
        return (np.zeros_like(p),) if self.momentum else ()

    def update(self, p, g, slots, t, lr):
        if not self.momentum:
            return p - lr * g, ()
        (v,) = slots
        v = self.momentum * v - lr * g
        step = self.momentum * v - lr * g if self.nesterov else v
        return p + step, (v,)


@dataclass(frozen=True)
class RMSprop(UpdateRule):
    """Keras's RMSprop (uncentred, no momentum): v = rho v + (1 - rho) g^2;
    p -= lr g / sqrt(v + epsilon)   (Keras puts epsilon inside the square root).
    """

    learning_rate: Any = 0.001
    rho: float = 0.9
    epsilon: float = 1e-7

    def slots(self, p):
        return (np.zeros_like(p),)

    def update(self, p, g, slots, t, lr):
        v = self.rho * slots[0] + (1 - self.rho) * g * g
        return p - lr * g / np.sqrt(v + self.epsilon), (v,)


@dataclass(frozen=True)
class Adam(UpdateRule):
    """Adam (Kingma & Ba, 2015). m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2.

    ``epsilon_hat=False`` (default) is Algorithm 1 of the paper, as in PyTorch::

        p -= lr * m_hat / (sqrt(v_hat) + epsilon),  m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)

    ``epsilon_hat=True`` is the paper's efficient form, which Keras uses::

        p -= lr_t * m / (sqrt(v) + epsilon),  lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)

    ``bias_correction=False`` drops both 1 - b^t factors, to show the bias toward zero.
    """

    learning_rate: Any = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    bias_correction: bool = True
    epsilon_hat: bool = False

    def slots(self, p):
        return (np.zeros_like(p), np.zeros_like(p))

    def update(self, p, g, slots, t, lr):
        m, v = slots
        m = self.beta_1 * m + (1 - self.beta_1) * g
        v = self.beta_2 * v + (1 - self.beta_2) * g * g
        if not self.bias_correction:
            step = lr * m / (np.sqrt(v) + self.epsilon)
        elif self.epsilon_hat:
            step = lr * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t) * m / (np.sqrt(v) + self.epsilon)
        else:
            step = lr * bias_corrected(m, self.beta_1, t) / (np.sqrt(bias_corrected(v, self.beta_2, t)) + self.epsilon)
        return p - step, (m, v)


@dataclass(frozen=True)
class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p -= lr * wd * p, then Adam.

    The decay uses the parameter before the Adam step, as Keras's AdamW does.
    """

    weight_decay: float = 0.004

    def update(self, p, g, slots, t, lr):
        return super().update(p - lr * self.weight_decay * p, g, slots, t, lr)


@dataclass(frozen=True)
class Adamax(UpdateRule):
    """AdaMax, Adam's infinity-norm limit: m = b1 m + (1 - b1) g, u = max(b2 u, abs(g));
    p -= lr / (1 - b1^t) * m / (u + epsilon).
    """

    learning_rate: Any = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7

    def slots(self, p):
        return (np.zeros_like(p), np.zeros_like(p))

    def update(self, p, g, slots, t, lr):
        m, u = slots
        m = self.beta_1 * m + (1 - self.beta_1) * g
        u = np.maximum(self.beta_2 * u, np.abs(g))
        return p - lr * bias_corrected(m, self.beta_1, t) / (u + self.epsilon), (m, u)
