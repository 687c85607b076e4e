"""Figures of chapter 6: gradient descent, momentum and Nesterov on an ill-conditioned quadratic,
and how far Adam and AdaMax move after one large gradient that follows a long silence."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure

from dlcourse import optim

# f(w) = 1/2 w^T H w with condition number 20; one learning rate for the three rules.
HESSIAN = np.diag([0.2, 4.0])
START = (-5.0, -2.0)
LEARNING_RATE, MOMENTUM = 0.3, 0.6
VALLEY_STEPS = 40


def trajectory(rule: optim.UpdateRule, grad: Callable[[np.ndarray], np.ndarray], start, steps: int) -> np.ndarray:
    """The iterates w_0, ..., w_steps of ``rule`` on the gradient field ``grad``, shape (steps + 1, n)."""
    params = {"w": np.asarray(start, dtype=float)}
    state = rule.init(params)
    points = [params["w"]]
    for _ in range(steps):
        params, state = rule.step(params, {"w": grad(params["w"])}, state)
        points.append(params["w"])
    return np.array(points)


def momentum_rules() -> dict[str, optim.UpdateRule]:
    return {
        f"gradient descent, $\\alpha$ = {LEARNING_RATE}": optim.SGD(LEARNING_RATE),
        f"momentum $\\mu$ = {MOMENTUM}": optim.SGD(LEARNING_RATE, MOMENTUM),
        f"Nesterov $\\mu$ = {MOMENTUM}": optim.SGD(LEARNING_RATE, MOMENTUM, nesterov=True),
    }


def momentum_on_a_valley(steps: int = VALLEY_STEPS) -> Figure:
    """Left: the three paths on the contours of f. Right: their distance to the minimum per step."""
    fig = Figure(figsize=(11, 3.9))
    paths, distances = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
    xx, yy = np.meshgrid(np.linspace(-5.5, 1.5, 200), np.linspace(-2.5, 2.5, 200))
    paths.contour(xx, yy, 0.5 * (HESSIAN[0, 0] * xx**2 + HESSIAN[1, 1] * yy**2), levels=12, cmap="Greys")
    for name, rule in momentum_rules().items():
        points = trajectory(rule, lambda w: HESSIAN @ w, START, steps)
        paths.plot(*points.T, "o-", ms=2.5, lw=1, label=name)
        distances.plot(np.linalg.norm(points, axis=1), label=name)
    paths.plot(0, 0, "k*", ms=10)
    paths.set_xlabel("$w_1$ (curvature 0.2)")
    paths.set_ylabel("$w_2$ (curvature 4)")
    paths.set_aspect("equal")
    paths.legend(fontsize=8, loc="lower right")
    distances.set_yscale("log")
    distances.set_xlabel("step")
    distances.set_ylabel("distance to the minimum")
    distances.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def displacement_after_one_gradient(
    rule: optim.UpdateRule, size: float, silence: int = 20_000, after: int = 150
) -> np.ndarray:
    """|theta_{T+k} - theta_T| for k = 1..after, where step T + 1 sees the gradient ``size`` and every
    other step a zero gradient. A long ``silence`` first lets the bias corrections reach 1."""
    gradients = np.zeros(silence + after)
    gradients[silence] = size
    params = {"w": np.zeros(1)}
    state = rule.init(params)
    positions = []
    for g in gradients:
        params, state = rule.step(params, {"w": np.array([g])}, state)
        positions.append(params["w"][0])
    positions = np.array(positions)
    return np.abs(positions[silence:] - positions[silence - 1])


def adam_moves_up_to(beta_1: float, beta_2: float) -> float:
    """Adam's total move after one gradient, in learning rates: the geometric series of
    (1 - b1) b1^k / (sqrt(1 - b2) sqrt(b2)^k)."""
    return (1 - beta_1) / (np.sqrt(1 - beta_2) * (1 - beta_1 / np.sqrt(beta_2)))


def adamax_moves_up_to(beta_1: float, beta_2: float) -> float:
    """AdaMax's bound on one step, and its total move after one gradient, in learning rates:
    the geometric series of (1 - b1) b1^k / b2^k."""
    return (1 - beta_1) / (1 - beta_1 / beta_2)


def one_large_gradient(size: float = 1000.0, learning_rate: float = 0.001) -> Figure:
    """How far Adam and AdaMax (default betas) move, in learning rates, after one gradient."""
    fig = Figure(figsize=(7, 3.6))
    ax = fig.add_subplot()
    rules = {"Adam": optim.Adam(learning_rate), "AdaMax": optim.Adamax(learning_rate)}
    limits = {"Adam": adam_moves_up_to(0.9, 0.999), "AdaMax": adamax_moves_up_to(0.9, 0.999)}
    for (name, rule), colour in zip(rules.items(), ("tab:blue", "tab:orange")):
        moved = displacement_after_one_gradient(rule, size) / learning_rate
        ax.plot(np.arange(1, len(moved) + 1), moved, color=colour, label=f"{name}: total move")
        ax.axhline(limits[name], color=colour, ls="--", lw=1, label=f"{name}: limit {limits[name]:.3f}")
    ax.set_yscale("log")
    ax.set_xlabel("steps since the gradient")
    ax.set_ylabel("distance moved / learning rate")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
