"""Figure of chapter 5: one backtracking line search on a quadratic, drawn along its direction:
the function, the Armijo line, the upper model of eq-upper-model, the interval (0, t_max] where
every step passes, and the trial steps t0, beta t0, ... up to the accepted one."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from dlcourse import linesearch

# A 2-d quadratic with Hessian eigenvalues 1 and 4 (so M = 4), searched along -grad.
HESSIAN = np.array([[2.5, 1.5], [1.5, 2.5]])
CURVATURE_BOUND = 4.0
START = np.array([1.0, -0.4])
ALPHA, BETA, T0 = 0.3, 0.6, 1.0


def quadratic(x: np.ndarray) -> float:
    return 0.5 * float(x @ HESSIAN @ x)


def trial_steps(result: linesearch.LineSearchResult) -> np.ndarray:
    """t0, beta t0, ..., beta^k t0: every step the search tried, the accepted one last."""
    return T0 * BETA ** np.arange(result.iterations + 1)


def backtracking() -> Figure:
    """phi(t) = f(x + t dx) with the lines the proof compares it with, and the search's trials."""
    g = HESSIAN @ START
    dx = -g
    slope = float(g @ dx)
    result = linesearch.backtracking(quadratic, g, START, dx, alpha=ALPHA, beta=BETA, t0=T0)
    t_max = linesearch.accepted_step_bound(g, dx, CURVATURE_BOUND)
    f0 = quadratic(START)
    t = np.linspace(0.0, 1.05 * T0, 300)
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    ax.plot(t, [quadratic(START + s * dx) for s in t], lw=2, label="$f(x + t\\Delta x)$")
    ax.plot(t, f0 + t * slope, ":", color="grey", label="tangent $f(x) + t\\nabla f^\\top\\Delta x$")
    ax.plot(t, f0 + ALPHA * t * slope, "--", label=f"Armijo line, $\\alpha$ = {ALPHA}")
    upper = f0 + t * slope + 0.5 * CURVATURE_BOUND * t**2 * float(dx @ dx)
    ax.plot(t, upper, "-.", label="upper model, curvature $M$")
    ax.axvspan(0, t_max, color="tab:green", alpha=0.15, label="$(0, t_{\\max}]$: every step passes")
    trials = trial_steps(result)
    ax.plot(trials[:-1], [quadratic(START + s * dx) for s in trials[:-1]], "x", color="tab:red", ms=9,
            label="rejected trials")
    ax.plot(trials[-1:], [quadratic(START + trials[-1] * dx)], "*", color="k", ms=13,
            label=f"accepted $t = \\beta^{result.iterations} t_0$")
    highest = max(quadratic(START + s * dx) for s in trials)
    ax.set_ylim(f0 + 1.5 * ALPHA * slope * T0, 1.1 * highest)
    ax.set_xlabel(f"step $t$ ($t_0$ = {T0}, $\\beta$ = {BETA})")
    ax.set_ylabel("function value")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
