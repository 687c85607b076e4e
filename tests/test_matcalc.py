"""Every identity of syllabus 1 against the numerical Jacobian, on random shapes."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcourse import matcalc, regularizers
from dlcourse.gradcheck import numerical_hessian, numerical_jacobian, rel_error

TOL = 1e-6
dims = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=25, deadline=None)
@given(n=dims, m=dims, seed=seeds)
def test_vector_identities(n, m, seed):
    r = np.random.default_rng(seed)
    a, x, A, B = r.standard_normal(n), r.standard_normal(n), r.standard_normal((m, n)), r.standard_normal((n, n))
    assert rel_error(matcalc.d_inner_dx(a), numerical_jacobian(lambda v: a @ v, x)) < TOL
    assert rel_error(matcalc.d_inner_dx(a), numerical_jacobian(lambda v: v @ a, x)) < TOL
    assert rel_error(matcalc.d_matvec_dx(A), numerical_jacobian(lambda v: A @ v, x)) < TOL
    assert rel_error(matcalc.d_quadratic_dx(B, x), numerical_jacobian(lambda v: v @ B @ v, x)) < TOL
    assert rel_error(matcalc.d_quadratic_dA(x), numerical_jacobian(lambda M: x @ M @ x, B).reshape(n, n)) < TOL


@settings(max_examples=25, deadline=None)
@given(n=dims, k=dims, seed=seeds)
def test_trace_identity(n, k, seed):
    r = np.random.default_rng(seed)
    A, X = r.standard_normal((n, n)), r.standard_normal((n, k))
    num = numerical_jacobian(lambda M: np.trace(M.T @ A @ M), X).reshape(n, k)
    assert rel_error(matcalc.d_trace_XtAX_dX(A, X), num) < TOL
    S = A + A.T
    np.testing.assert_allclose(matcalc.d_trace_XtAX_dX(S, X), 2 * S @ X)


@settings(max_examples=25, deadline=None)
@given(n=dims, m=dims, p=dims, seed=seeds)
def test_chain_and_bilinear_identities(n, m, p, seed):
    r = np.random.default_rng(seed)
    A, Cx, Cy, z = r.standard_normal((m, n)), r.standard_normal((n, p)), r.standard_normal((m, p)), r.standard_normal(p)
    # x(z) = Cx z + sin(Cx z) / 2, y(z) = Cy z + cos(Cy z) / 2: non-linear, so the chain rule is really
    # exercised, and never flat: a saturated tanh's derivative (1e-5 at 6) drowns in the rounding of
    # finite differences (1e-10), which failed this check on some draws
    xf, yf = (lambda v: Cx @ v + np.sin(Cx @ v) / 2), (lambda v: Cy @ v + np.cos(Cy @ v) / 2)
    dx_dz, dy_dz = numerical_jacobian(xf, z), numerical_jacobian(yf, z)
    assert rel_error(matcalc.d_chain_matvec(A, dx_dz), numerical_jacobian(lambda v: A @ xf(v), z)) < TOL
    x, y = xf(z), yf(z)
    dax, day = matcalc.d_bilinear(A, x, y)
    assert rel_error(dax, numerical_jacobian(lambda v: y @ A @ v, x)) < TOL
    assert rel_error(day, numerical_jacobian(lambda v: v @ A @ x, y)) < TOL
    if n == m:
        got = matcalc.d_inner_chain(x, yf(z)[:n], dx_dz, dy_dz[:n])
        assert rel_error(got, numerical_jacobian(lambda v: yf(v)[:n] @ xf(v), z)) < TOL


@settings(max_examples=25, deadline=None)
@given(n=dims, seed=seeds)
def test_inverse_derivative(n, seed):
    r = np.random.default_rng(seed)
    A0, A1 = r.standard_normal((n, n)) + 3 * n * np.eye(n), r.standard_normal((n, n))
    alpha = 0.3
    num = numerical_jacobian(lambda s: np.linalg.inv(A0 + s[0] * A1), np.array([alpha])).reshape(n, n)
    assert rel_error(matcalc.d_inverse(A0 + alpha * A1, A1), num) < TOL


def test_hessian_is_jacobian_of_gradient(rng):
    A = rng.standard_normal((4, 4))
    H = numerical_hessian(lambda v: matcalc.d_quadratic_dx(A, v)[0], rng.standard_normal(4))
    np.testing.assert_allclose(H, A + A.T, atol=1e-6)


def test_symmetric_regulariser_penalises_asymmetry(rng):
    w = rng.standard_normal(2)
    value, grad = regularizers.quadratic_form(w)
    assert value == pytest.approx((w[0] - w[1]) ** 2)
    assert rel_error(grad, numerical_jacobian(lambda v: v @ regularizers.SYMMETRY_S @ v, w)[0]) < TOL
    assert regularizers.quadratic_form(np.array([1.5, 1.5]))[0] == 0
