"""Backtracking (Armijo) line search and the bound on its iterations (syllabus 5)."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LineSearchResult:
    t: float
    iterations: int  # how many times t was shrunk


def backtracking(
    f: Callable[[np.ndarray], float],
    grad_x: np.ndarray,
    x: np.ndarray,
    dx: np.ndarray,
    alpha: float = 0.3,
    beta: float = 0.8,
    t0: float = 1.0,
    max_iter: int = 10_000,
) -> LineSearchResult:
    """Shrink t <- beta t while f(x + t dx) > f(x) + alpha t grad^T dx.

    Requires 0 < alpha < 0.5, 0 < beta < 1 and a descent direction (grad^T dx < 0).
    """
    if not (0 < alpha < 0.5 and 0 < beta < 1 and t0 > 0):
        raise ValueError(f"need 0 < alpha < 0.5, 0 < beta < 1, t0 > 0; got {alpha}, {beta}, {t0}")
    slope = float(np.vdot(grad_x, dx))
    if slope >= 0:
        raise ValueError(f"dx is not a descent direction: grad^T dx = {slope:.3g} >= 0")
    fx, t = f(x), t0
    for k in range(max_iter):
        if f(x + t * dx) <= fx + alpha * t * slope:
            return LineSearchResult(t, k)
        t *= beta
    raise RuntimeError(f"no sufficient decrease after {max_iter} halvings")


def accepted_step_bound(grad_x: np.ndarray, dx: np.ndarray, M: float) -> float:
    """Every t in (0, -grad^T dx / (M ||dx||^2)] passes the exit test when Hess f <= M I."""
    return -float(np.vdot(grad_x, dx)) / (M * float(np.vdot(dx, dx)))


def iteration_bound(grad_x: np.ndarray, dx: np.ndarray, M: float, t0: float, beta: float) -> int:
    """k <= ceil(ln(-grad^T dx / (t0 M ||dx||^2)) / ln beta), and 0 if t0 already qualifies."""
    ratio = accepted_step_bound(grad_x, dx, M) / t0
    return 0 if ratio >= 1 else math.ceil(math.log(ratio) / math.log(beta))
