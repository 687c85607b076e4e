"""Homework 2: matrix calculus and Newton's method (autograder/source/hw2/hw2.ipynb)."""
from __future__ import annotations

import numpy as np

from dlcourse import matcalc, newton, regularizers
from dlcourse.grading.exercise import Inputs, Spec, Written
from dlcourse.grading.exercises._draw import size


def _quadratic_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n = 2 + k % 4  # from 2 up: a 1 x 1 matrix is symmetric and would hide the A + A^T
    return {"A": rng.standard_normal((n, n)), "x": rng.standard_normal(n)}


def _grad_quadratic_form(A, x):
    return matcalc.d_quadratic_dx(A, x), matcalc.d_quadratic_dA(x)


def _trace_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"A": rng.standard_normal((3, 3)), "X": rng.standard_normal((3, size(k)))}


def _grad_trace_form(A, X):
    return (matcalc.d_trace_XtAX_dX(A, X),)


def _matvec_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"A": rng.standard_normal((size(k), 3)), "dx_dz": rng.standard_normal((3, 2))}


def _chain_matvec(A, dx_dz):
    return (matcalc.d_chain_matvec(A, dx_dz),)


def _bilinear_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n = size(k)
    return {"A": rng.standard_normal((n, 3)), "x": rng.standard_normal(3), "y": rng.standard_normal(n)}


def _inner_chain_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n = size(k)
    return {"x": rng.standard_normal(3), "y": rng.standard_normal(3), "dx_dz": rng.standard_normal((3, n)),
            "dy_dz": rng.standard_normal((3, n))}


def _grad_inner_chain(x, y, dx_dz, dy_dz):
    return (matcalc.d_inner_chain(x, y, dx_dz, dy_dz),)


def _inverse_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n = size(k)
    return {"A": rng.standard_normal((n, n)) + 3 * np.eye(n), "dA": rng.standard_normal((n, n))}


def _inverse_derivative(A, dA):
    return (matcalc.d_inverse(A, dA),)


def _penalty_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"w": rng.standard_normal(2), "lam": np.array(rng.uniform(0.1, 2))}


def _equal_weights(rng: np.random.Generator) -> Inputs:
    return {"w": np.array([1.5, 1.5]), "lam": np.array(rng.uniform(0.1, 2))}


def _symmetric_penalty(w, lam):
    return regularizers.quadratic_form(w, regularizers.SYMMETRY_S, float(lam))


def _polynomial_near_root(rng: np.random.Generator, k: int) -> Inputs:
    roots = np.sort(rng.uniform(-3, 3, 2 + k % 3))
    roots += np.arange(len(roots))  # at least one apart: simple roots
    j = int(rng.integers(len(roots)))
    return {"coeffs": np.poly(roots), "x0": np.array(roots[j] + rng.uniform(-0.2, 0.2)), "n_steps": np.array(6)}


def _newton_iterates(coeffs, x0, n_steps):
    """Every iterate, converged or not: a negative tolerance never stops early."""
    dcoeffs = np.polyder(coeffs)
    xs = newton.newton_root(lambda x: np.polyval(coeffs, x), lambda x: np.polyval(dcoeffs, x), float(x0),
                            tol=-1.0, max_iter=int(n_steps))
    return (np.array(xs),)


EXERCISES = [
    Spec("test_grad_quadratic_form", "grad_quadratic_form", _quadratic_inputs, _grad_quadratic_form, ("dx", "dA"),
         points=2, questions=("1.3",),
         references=("dlcourse.matcalc.d_quadratic_dx", "dlcourse.matcalc.d_quadratic_dA"),
         wrong_answers={"quadratic_form_assumes_symmetric": """\
def grad_quadratic_form(A, x):
    return (2 * A @ x).reshape(1, -1), np.outer(x, x)
"""}),
    Spec("test_grad_trace_form", "grad_trace_form", _trace_inputs, _grad_trace_form, ("dX",), points=1,
         questions=("1.4",), references=("dlcourse.matcalc.d_trace_XtAX_dX",)),
    Spec("test_chain_matvec", "chain_matvec", _matvec_inputs, _chain_matvec, ("dy_dz",), points=1,
         questions=("1.2", "1.5"), references=("dlcourse.matcalc.d_chain_matvec",)),
    Spec("test_grad_bilinear", "grad_bilinear", _bilinear_inputs, matcalc.d_bilinear, ("dalpha_dx", "dalpha_dy"),
         points=1, questions=("1.6",), references=("dlcourse.matcalc.d_bilinear",)),
    Spec("test_grad_inner_chain", "grad_inner_chain", _inner_chain_inputs, _grad_inner_chain, ("dalpha_dz",),
         points=1, questions=("1.1", "1.7"), references=("dlcourse.matcalc.d_inner_chain",)),
    Spec("test_inverse_derivative", "inverse_derivative", _inverse_inputs, _inverse_derivative, ("dAinv",),
         points=2, questions=("1.8",), references=("dlcourse.matcalc.d_inverse",),
         wrong_answers={"inverse_derivative_sign": """\
def inverse_derivative(A, dA):
    inv = np.linalg.inv(A)
    return inv @ dA @ inv
"""}),
    Spec("test_symmetric_penalty", "symmetric_penalty", _penalty_inputs, _symmetric_penalty, ("R", "dR"),
         points=1, questions=("1.10",), random_cases=3,
         edge_cases={"equal weights (the penalty is zero)": _equal_weights},
         references=("dlcourse.regularizers.quadratic_form", "dlcourse.tf.regularizers.QuadraticForm")),
    Spec("test_newton_iterates", "newton_iterates", _polynomial_near_root, _newton_iterates, ("xs",), points=2,
         questions=("7.1",), references=("dlcourse.newton.newton_root", "dlcourse.newton.newton_minimize"),
         wrong_answers={"newton_step_sign": """\
def newton_iterates(coeffs, x0, n_steps):
    d = np.polyder(coeffs)
    xs = [float(x0)]
    for _ in range(int(n_steps)):
        xs.append(xs[-1] + np.polyval(coeffs, xs[-1]) / np.polyval(d, xs[-1]))
    return np.array(xs)
"""}),
    Written("proof_newton_quadratic", points=2, questions=("7.2",)),
]
