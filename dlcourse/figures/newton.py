"""Figures of chapter 7: Newton's tangent steps towards a root, and Newton against gradient
descent on an ill-conditioned quadratic.

Every iterate drawn comes from ``dlcourse.newton`` or ``dlcourse.quadratic``, so a wrong
method draws a wrong figure. Lines carry labels (``"f"``, ``"tangent k"``, ``"gradient
descent"``, ``"Newton"``, ``"damped Newton"``) so tests can read the figure back.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure

from dlcourse import newton, quadratic

# Newton's own example (1669): x^3 - 2x - 5 = 0, a simple root near 2.0946.
CUBIC_ROOT_START = 3.0

# 1/2 w^T Q w with eigenvalues 1 and 10 along axes rotated by 30 degrees: condition number 10.
_ROTATION = np.array([[np.cos(np.pi / 6), -np.sin(np.pi / 6)], [np.sin(np.pi / 6), np.cos(np.pi / 6)]])
ILL_CONDITIONED_Q = _ROTATION @ np.diag([1.0, 10.0]) @ _ROTATION.T
QUADRATIC_START = np.array([-2.0, 0.5])


def cubic(x: float) -> float:
    return x**3 - 2 * x - 5


def cubic_derivative(x: float) -> float:
    return 3 * x**2 - 2


def newton_tangents(
    f: Callable[[float], float] = cubic,
    df: Callable[[float], float] = cubic_derivative,
    x0: float = CUBIC_ROOT_START,
    n_steps: int = 3,
) -> Figure:
    """f, and for each of the first ``n_steps`` iterates the tangent from (x_k, f(x_k)) down to
    its root x_{k+1}: the next iterate is where the tangent crosses zero."""
    xs = newton.newton_root(f, df, x0, max_iter=n_steps)
    left = min(xs) - 0.2
    right = max(xs) + 0.2
    grid = np.linspace(left, right, 400)
    fig = Figure(figsize=(6, 3.4))
    ax = fig.add_subplot()
    ax.plot(grid, [f(x) for x in grid], color="black", label="f")
    ax.axhline(0.0, color="grey", lw=0.8)
    for k, (x_k, x_next) in enumerate(zip(xs[:-1], xs[1:])):
        ax.plot([x_k, x_next], [f(x_k), 0.0], "--", color="tab:red", label=f"tangent {k}")
        ax.plot([x_k, x_k], [0.0, f(x_k)], ":", color="grey", lw=0.8)
        ax.annotate(f"$x_{k}$", (x_k, 0.0), textcoords="offset points", xytext=(0, -14), ha="center")
    ax.plot(xs, [0.0] * len(xs), "o", color="tab:red", ms=4)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.set_title(r"$x_{k+1}$ is the root of the tangent at $x_k$", fontsize=10)
    fig.tight_layout()
    return fig


def gradient_descent_path(Q: np.ndarray, w0: np.ndarray, step: float, n_steps: int) -> np.ndarray:
    """Gradient descent with a fixed step on 1/2 w^T Q w (gradient Q w)."""
    return quadratic.gd_quadratic(Q, np.zeros(len(w0)), w0, step, n_steps)


def newton_path(Q: np.ndarray, w0: np.ndarray, step: float, n_steps: int) -> np.ndarray:
    """Newton's method with step ``step`` on 1/2 w^T Q w (gradient Q w, Hessian Q)."""
    return np.array(newton.newton_minimize(lambda w: Q @ w, lambda w: Q, w0, step=step, n_steps=n_steps))


def newton_vs_gradient_descent(
    Q: np.ndarray = ILL_CONDITIONED_Q, w0: np.ndarray = QUADRATIC_START, n_steps: int = 20
) -> Figure:
    """Contours of 1/2 w^T Q w with the paths of gradient descent (step 1.8 / lambda_max, inside
    the stable range 0 < step < 2 / lambda_max), Newton (step 1) and damped Newton (step 1/2)."""
    gd = gradient_descent_path(Q, w0, 1.8 / np.linalg.eigvalsh(Q)[-1], n_steps)
    full = newton_path(Q, w0, 1.0, n_steps)
    damped = newton_path(Q, w0, 0.5, 6)
    radius = 1.1 * np.max(np.abs(gd))
    grid = np.linspace(-radius, radius, 201)
    a, b = np.meshgrid(grid, grid)
    points = np.stack([a.ravel(), b.ravel()], axis=1)
    values = 0.5 * np.einsum("ij,jk,ik->i", points, Q, points).reshape(a.shape)
    fig = Figure(figsize=(5.2, 4.4))
    ax = fig.add_subplot()
    ax.contour(a, b, values, levels=np.geomspace(0.02, values.max(), 14), colors="grey", linewidths=0.6)
    ax.plot(gd[:, 0], gd[:, 1], "o-", ms=3, color="tab:blue", label="gradient descent")
    ax.plot(damped[:, 0], damped[:, 1], "s-", ms=3, color="tab:green", label="damped Newton")
    ax.plot(full[:, 0], full[:, 1], "o-", ms=4, color="tab:red", label="Newton")
    ax.plot(0.0, 0.0, "k*", ms=10)
    kappa = np.linalg.cond(Q)
    ax.set_title(f"condition number {kappa:.0f}: Newton steps point at the minimum", fontsize=10)
    ax.set_aspect("equal")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
