"""Gradient descent on quadratics and its step size (syllabus 4), and the Beale function."""
from __future__ import annotations

import numpy as np


def optimal_step(g: np.ndarray, H: np.ndarray) -> float:
    """eps* = g^T g / (g^T H g), the minimiser of the quadratic model along -g.

    It lies in [1/lambda_max, 1/lambda_min]. If g^T H g <= 0 the model has no minimum
    along -g (a longer step always looks better), so there is no optimal step.
    """
    curv = float(g @ H @ g)
    if curv <= 0:
        raise ValueError(f"g^T H g = {curv:.3g} <= 0: the quadratic model is unbounded along -g")
    return float(g @ g) / curv


def gd_quadratic(Q: np.ndarray, c: np.ndarray, x0: np.ndarray, alpha: float, n_steps: int) -> np.ndarray:
    """Iterates of x_{k+1} = x_k - alpha (Q x_k + c) on h(x) = 1/2 x^T Q x + c^T x + b.

    Returns an array of shape (n_steps + 1, n). Converges iff 0 < alpha < 2 / lambda_max(Q)
    (for positive definite Q): in the eigenbasis each coordinate scales by 1 - alpha lambda_i.
    """
    xs = [np.asarray(x0, dtype=float)]
    for _ in range(n_steps):
        xs.append(xs[-1] - alpha * (Q @ xs[-1] + c))
    return np.array(xs)


def gd_converges(Q: np.ndarray, alpha: float) -> bool:
    """The closed-form criterion: max_i abs(1 - alpha lambda_i) < 1."""
    lam = np.linalg.eigvalsh(Q)
    return bool(np.max(np.abs(1 - alpha * lam)) < 1)


def beale(p: np.ndarray) -> float:
    """Beale's function, (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2.

    Not convex: minimum 0 at (3, 0.5), and a stationary point at (0, 1) where GD never moves.
    """
    x, y = p
    return float((1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2)


def beale_grad(p: np.ndarray) -> np.ndarray:
    """The analytic gradient of ``beale``."""
    x, y = p
    r = [1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3]
    dx = [y - 1, y**2 - 1, y**3 - 1]
    dy = [x, 2 * x * y, 3 * x * y**2]
    return np.array([2 * sum(a * b for a, b in zip(r, dx)), 2 * sum(a * b for a, b in zip(r, dy))])
