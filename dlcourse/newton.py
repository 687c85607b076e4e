"""Newton's method for roots and for minimisation (syllabus 7)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


def newton_root(
    f: Callable[[float], float], df: Callable[[float], float], x0: float, tol: float = 1e-14, max_iter: int = 50
) -> list[float]:
    """x_{k+1} = x_k - f(x_k) / f'(x_k); returns the iterates x_0, x_1, ... until abs(step) <= tol."""
    xs = [float(x0)]
    for _ in range(max_iter):
        d = df(xs[-1])
        if d == 0:
            raise ZeroDivisionError(f"f'(x) = 0 at x = {xs[-1]}: Newton's step is undefined")
        step = f(xs[-1]) / d
        xs.append(xs[-1] - step)
        if abs(step) <= tol:
            break
    return xs


def newton_minimize(
    grad: Callable[[np.ndarray], np.ndarray],
    hess: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    step: float = 1.0,
    n_steps: int = 20,
    tol: float = 1e-12,
) -> list[np.ndarray]:
    """x_{k+1} = x_k - eta H(x_k)^{-1} grad(x_k): Newton on grad = 0. On J(w) = w^T H w one
    step gives w_new = (1 - eta) w_old (syllabus 7, 003 Q5)."""
    xs = [np.asarray(x0, dtype=float)]
    for _ in range(n_steps):
        g = grad(xs[-1])
        if np.linalg.norm(g) <= tol:
            break
        xs.append(xs[-1] - step * np.linalg.solve(hess(xs[-1]), g))
    return xs


def convergence_order(errors: list[float]) -> list[float]:
    """Observed orders q_k = ln(e_{k+1}/e_k) / ln(e_k/e_{k-1}); about 2 for Newton near a simple root."""
    e = np.asarray(errors, dtype=float)
    return list(np.log(e[2:] / e[1:-1]) / np.log(e[1:-1] / e[:-2]))
