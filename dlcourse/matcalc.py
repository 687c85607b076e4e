"""The matrix-calculus identities of syllabus 1, each as the Jacobian it claims.

Layout: J in R^{m x n} for f: R^n -> R^m (rows are transposed gradients); matrices are
flattened row-major, so a derivative with respect to a matrix has that matrix's shape.
The book and the tests check each one against ``gradcheck.numerical_jacobian``.
"""
from __future__ import annotations

import numpy as np


def d_inner_dx(a: np.ndarray) -> np.ndarray:
    """d(a^T x)/dx = d(x^T a)/dx = a^T, a (1, n) row."""
    return a.reshape(1, -1)


def d_matvec_dx(A: np.ndarray) -> np.ndarray:
    """d(A x)/dx = A."""
    return A


def d_quadratic_dx(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """d(x^T A x)/dx = x^T (A + A^T), a (1, n) row."""
    return (x @ (A + A.T)).reshape(1, -1)


def d_quadratic_dA(x: np.ndarray) -> np.ndarray:
    """d(x^T A x)/dA = x x^T, shaped like A."""
    return np.outer(x, x)


def d_trace_XtAX_dX(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """d tr(X^T A X)/dX = (A + A^T) X  (= 2 A X for symmetric A), shaped like X."""
    return (A + A.T) @ X


def d_chain_matvec(A: np.ndarray, dx_dz: np.ndarray) -> np.ndarray:
    """y = A x(z)  =>  dy/dz = A dx/dz."""
    return A @ dx_dz


def d_bilinear(A: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """alpha = y^T A x  =>  (d alpha/dx, d alpha/dy) = (y^T A, x^T A^T), as rows."""
    return (y @ A).reshape(1, -1), (x @ A.T).reshape(1, -1)


def d_inner_chain(x: np.ndarray, y: np.ndarray, dx_dz: np.ndarray, dy_dz: np.ndarray) -> np.ndarray:
    """alpha = y(z)^T x(z)  =>  d alpha/dz = x^T dy/dz + y^T dx/dz, a (1, n) row."""
    return (x @ dy_dz + y @ dx_dz).reshape(1, -1)


def d_inverse(A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """d(A^{-1})/d alpha = -A^{-1} (dA/d alpha) A^{-1}."""
    inv = np.linalg.inv(A)
    return -inv @ dA @ inv
