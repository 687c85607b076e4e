"""Figure of chapter 1: the gradient of a quadratic form x^T A x with a non-symmetric A,
against the common mistake 2 A x, on the level set f(x) = 1."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from dlcourse import matcalc

# The worked example of the chapter: not symmetric, and its symmetric part is positive definite,
# so the level sets of x^T A x are ellipses.
EXAMPLE_A = np.array([[1.0, 2.0], [0.0, 3.0]])
# Arrows are drawn at this fraction of their length, so that they fit beside the ellipse.
ARROW_SCALE = 0.12


def quadratic_form(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """x^T A x for one point x (n,) or for many points stacked along the last axis (..., n)."""
    return np.einsum("...i,ij,...j->...", x, A, x)


def level_set_points(A: np.ndarray, level: float, count: int) -> np.ndarray:
    """``count`` points (count, 2) on the curve x^T A x = level, evenly spaced in angle.

    Along the unit direction u the form grows like r^2 u^T A u, so the curve sits at radius
    sqrt(level / u^T A u); this needs u^T A u > 0 in every direction.
    """
    angles = np.linspace(0.0, 2 * np.pi, count, endpoint=False)
    directions = np.column_stack([np.cos(angles), np.sin(angles)])
    radii = np.sqrt(level / quadratic_form(A, directions))
    return directions * radii[:, None]


def quadratic_form_gradients(A: np.ndarray = EXAMPLE_A, count: int = 8) -> Figure:
    """Level sets of f(x) = x^T A x with, at ``count`` points of the level set f = 1, the gradient
    (A + A^T) x from ``matcalc.d_quadratic_dx`` and the mistake 2 A x, both scaled by ARROW_SCALE."""
    grid = np.linspace(-1.6, 1.6, 201)
    gx, gy = np.meshgrid(grid, grid)
    values = quadratic_form(A, np.stack([gx, gy], axis=-1))
    points = level_set_points(A, 1.0, count)
    gradients = np.vstack([matcalc.d_quadratic_dx(A, p)[0] for p in points])
    mistakes = 2 * points @ A.T
    fig = Figure(figsize=(5.6, 5.2))
    ax = fig.add_subplot()
    ax.contour(gx, gy, values, levels=[0.25, 0.5, 1.0, 2.0, 4.0], colors="0.7", linewidths=0.8)
    ax.contour(gx, gy, values, levels=[1.0], colors="k", linewidths=1.2)
    arrow_sets = [(gradients, "tab:blue", r"gradient $(A + A^\top)x$", "gradient"),
                  (mistakes, "tab:red", r"mistake $2Ax$", "mistake")]
    for arrows, colour, label, gid in arrow_sets:
        ax.quiver(points[:, 0], points[:, 1], ARROW_SCALE * arrows[:, 0], ARROW_SCALE * arrows[:, 1],
                  angles="xy", scale_units="xy", scale=1, color=colour, width=0.006, label=label, gid=gid)
    ax.plot(points[:, 0], points[:, 1], "k.", ms=5)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(r"level sets of $x^\top A x$, $A$ = " + str(A.tolist()).replace(".0", ""), fontsize=10)
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig
