"""Learning-rate schedules: functions of the step count (0-based) to a learning rate.

Pass one as ``learning_rate`` to any rule in ``dlcourse.optim``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class StepDecay:
    """lr(s) = initial * rate^floor(s / decay_steps): the rate drops by ``rate`` every
    ``decay_steps`` steps (Keras's ExponentialDecay with staircase=True)."""

    initial: float
    decay_steps: int
    rate: float

    def __call__(self, step: int) -> float:
        return self.initial * self.rate ** (step // self.decay_steps)


@dataclass(frozen=True)
class CosineDecay:
    """lr(s) = initial * ((1 - alpha) (1 + cos(pi min(s, T) / T)) / 2 + alpha), T = decay_steps
    (Loshchilov & Hutter's SGDR without restarts; Keras's CosineDecay)."""

    initial: float
    decay_steps: int
    alpha: float = 0.0

    def __call__(self, step: int) -> float:
        frac = min(step, self.decay_steps) / self.decay_steps
        return self.initial * ((1 - self.alpha) * 0.5 * (1 + math.cos(math.pi * frac)) + self.alpha)
