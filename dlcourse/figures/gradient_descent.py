"""Figure of chapter 4: the second-order Taylor model of Beale's function along the negative
gradient, at a point where the curvature along the gradient is positive and at one where it is
negative."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from dlcourse import quadratic
from dlcourse.gradcheck import numerical_hessian

# Two points of Beale's function: near the minimum (3, 0.5) g^T H g > 0; near the saddle (0, 1) it is < 0.
POSITIVE_CURVATURE_POINT = (2.0, 0.2)
NEGATIVE_CURVATURE_POINT = (-0.2, 1.2)


@dataclass(frozen=True)
class LineSlice:
    """Beale's function and its Taylor model f(x0) - eps g^T g + 1/2 eps^2 g^T H g along -g."""

    eps: np.ndarray
    actual: np.ndarray
    model: np.ndarray
    gradient: np.ndarray
    hessian: np.ndarray

    @property
    def curvature(self) -> float:
        """g^T H g, the sign of which decides whether the model has a minimum along -g."""
        return float(self.gradient @ self.hessian @ self.gradient)


def beale_slice(x0: tuple[float, float], eps: np.ndarray) -> LineSlice:
    """Beale's function and its second-order model at x0, along x0 - eps g."""
    x0 = np.asarray(x0, dtype=float)
    g = quadratic.beale_grad(x0)
    jacobian = numerical_hessian(quadratic.beale_grad, x0)
    H = (jacobian + jacobian.T) / 2  # the finite-difference Hessian is symmetric only up to rounding
    actual = np.array([quadratic.beale(x0 - e * g) for e in eps])
    model = quadratic.beale(x0) - eps * (g @ g) + 0.5 * eps**2 * (g @ H @ g)
    return LineSlice(np.asarray(eps, dtype=float), actual, model, g, H)


def taylor_model() -> Figure:
    """Left: positive curvature along -g, the model has its minimum at eps*, which lies between
    1/lambda_max and 1/lambda_min. Right: negative curvature, the model falls without bound."""
    fig = Figure(figsize=(10, 3.8))
    left, right = fig.subplots(1, 2)

    convex = beale_slice(POSITIVE_CURVATURE_POINT, np.linspace(0.0, 0.4, 201))
    eps_star = quadratic.optimal_step(convex.gradient, convex.hessian)
    lam = np.linalg.eigvalsh(convex.hessian)
    left.plot(convex.eps, convex.actual, label="Beale's $f(x_0 - \\epsilon g)$")
    left.plot(convex.eps, convex.model, "--", label="Taylor model")
    left.axvspan(1 / lam[-1], 1 / lam[0], color="tab:green", alpha=0.12,
                 label="$[1/\\lambda_{\\max}, 1/\\lambda_{\\min}]$")
    left.axvline(eps_star, color="k", lw=1, label="$\\epsilon^*$, the model's minimum")
    left.set_title(f"at {POSITIVE_CURVATURE_POINT}: $g^\\top H g$ = {convex.curvature:.1f} > 0", fontsize=9)

    concave = beale_slice(NEGATIVE_CURVATURE_POINT, np.linspace(0.0, 0.12, 201))
    right.plot(concave.eps, concave.actual, label="Beale's $f(x_0 - \\epsilon g)$")
    right.plot(concave.eps, concave.model, "--", label="Taylor model: no minimum")
    right.set_title(f"at {NEGATIVE_CURVATURE_POINT}: $g^\\top H g$ = {concave.curvature:.0f} < 0", fontsize=9)

    for ax in (left, right):
        ax.set_xlabel("step size $\\epsilon$")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    left.set_ylabel("function value")
    fig.tight_layout()
    return fig
