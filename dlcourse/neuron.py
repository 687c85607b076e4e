"""One sigmoid unit trained by gradient descent (syllabus 10, 003 Q3).

y = sigmoid(w x + b),  L = 1/2 (y - t)^2 + (lambda / 2) w^2  (the bias is not decayed).
"""
from __future__ import annotations

import numpy as np

from dlcourse.layers import sigmoid


def sigmoid_unit(w: float, b: float, x: float, t: float, lam: float) -> tuple[float, float, float]:
    """Returns (L, dL/dw, dL/db): dL/dw = (y - t) y (1 - y) x + lambda w, dL/db = (y - t) y (1 - y)."""
    y = float(sigmoid(np.asarray(w * x + b, dtype=float)))
    delta = (y - t) * y * (1.0 - y)
    return 0.5 * (y - t) ** 2 + 0.5 * lam * w**2, delta * x + lam * w, delta


def sigmoid_unit_step(
    w: float, b: float, x: float, t: float, lam: float, learning_rate: float
) -> tuple[float, float]:
    """One gradient-descent step on (w, b): w -= learning_rate dL/dw, b -= learning_rate dL/db."""
    _, dw, db = sigmoid_unit(w, b, x, t, lam)
    return w - learning_rate * dw, b - learning_rate * db
