"""Property tests (hypothesis) of line search, GD on quadratics, Newton and Lipschitz bounds."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlcourse import layers, linesearch, lipschitz, newton, quadratic

seeds = st.integers(0, 2**32 - 1)


def random_spd(r: np.random.Generator, n: int, cond: float) -> np.ndarray:
    """A symmetric positive definite matrix with eigenvalues spread over [1, cond]."""
    Q, _ = np.linalg.qr(r.standard_normal((n, n)))
    lam = np.geomspace(1.0, cond, n)
    return (Q * lam) @ Q.T


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 8), cond=st.floats(1, 1e4), alpha=st.floats(0.01, 0.49), beta=st.floats(0.05, 0.95),
       t0=st.floats(1e-3, 1e3), seed=seeds)
def test_line_search_never_exceeds_its_bound(n, cond, alpha, beta, t0, seed):
    r = np.random.default_rng(seed)
    H = random_spd(r, n, cond)
    x, c = r.standard_normal(n), r.standard_normal(n)
    f = lambda v: 0.5 * v @ H @ v + c @ v  # noqa: E731
    g = H @ x + c
    assume(np.linalg.norm(g) > 1e-6)
    M = np.linalg.eigvalsh(H).max()
    for dx in (-g, -np.linalg.solve(H, g)):  # gradient and Newton directions
        res = linesearch.backtracking(f, g, x, dx, alpha, beta, t0)
        assert res.iterations <= linesearch.iteration_bound(g, dx, M, t0, beta)
        assert f(x + res.t * dx) <= f(x) + alpha * res.t * g @ dx + 1e-12 * (1 + abs(f(x)))


def test_line_search_bound_is_attained_on_a_one_dimensional_quadratic():
    """On f = M x^2 / 2 with dx = -grad, every t <= 1/M passes, and t < 2(1-alpha)/M is needed."""
    M, x = 4.0, np.array([1.0])
    res = linesearch.backtracking(lambda v: 0.5 * M * float(v @ v), M * x, x, -M * x, alpha=0.25, beta=0.5, t0=8.0)
    # 8 -> 4 -> 2 -> 1 -> 0.5 -> 0.25: first t with t <= 2 (1 - 0.25) / 4 = 0.375 is 0.25, after 5 halvings
    assert res.iterations == 5
    assert res.t == 0.25
    assert linesearch.iteration_bound(M * x, -M * x, M, 8.0, 0.5) == 5


def test_line_search_rejects_an_ascent_direction():
    with pytest.raises(ValueError, match="not a descent direction"):
        linesearch.backtracking(lambda v: float(v @ v), np.array([2.0]), np.array([1.0]), np.array([1.0]))


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 6), cond=st.floats(1, 100), frac=st.one_of(st.floats(0.02, 0.95), st.floats(1.05, 3.0)),
       seed=seeds)
def test_gd_on_quadratics_converges_iff_step_below_two_over_lambda_max(n, cond, frac, seed):
    r = np.random.default_rng(seed)
    Q, c = random_spd(r, n, cond), r.standard_normal(n)
    x_star = -np.linalg.solve(Q, c)
    alpha = frac * 2 / np.linalg.eigvalsh(Q).max()
    x0 = x_star + r.standard_normal(n)
    # slowest contraction factor is max|1 - alpha lambda|; run enough steps to see it shrink 1e6 times
    rate = np.max(np.abs(1 - alpha * np.linalg.eigvalsh(Q)))
    steps = int(min(20000, np.ceil(np.log(1e-6) / np.log(max(rate, 1e-12))) + 5)) if rate < 1 else 200
    xs = quadratic.gd_quadratic(Q, c, x0, alpha, steps)
    err0, err = np.linalg.norm(x0 - x_star), np.linalg.norm(xs[-1] - x_star)
    assert (err < 1e-3 * err0) == (frac < 1) == quadratic.gd_converges(Q, alpha)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 6), cond=st.floats(1, 1e3), seed=seeds)
def test_optimal_step_lies_between_inverse_eigenvalues(n, cond, seed):
    r = np.random.default_rng(seed)
    H, g = random_spd(r, n, cond), r.standard_normal(n)
    lam = np.linalg.eigvalsh(H)
    eps = quadratic.optimal_step(g, H)
    assert 1 / lam.max() * (1 - 1e-9) <= eps <= 1 / lam.min() * (1 + 1e-9)
    # and it minimises the quadratic model along -g
    model = lambda e: -e * g @ g + 0.5 * e**2 * g @ H @ g  # noqa: E731
    assert model(eps) <= min(model(0.9 * eps), model(1.1 * eps))


def test_optimal_step_refuses_non_positive_curvature():
    with pytest.raises(ValueError, match="unbounded"):
        quadratic.optimal_step(np.array([1.0, 0.0]), np.diag([-1.0, 2.0]))


@settings(max_examples=60, deadline=None)
@given(root=st.floats(-3, 3), shift=st.floats(0.5, 3), x_off=st.floats(0.05, 0.3), seed=seeds)
def test_newton_converges_quadratically_near_a_simple_root(root, shift, x_off, seed):
    """f(x) = (x - r)(x - r - shift) e^{x/4}: a simple root at r; observed order ~ 2."""
    f = lambda x: (x - root) * (x - root - shift) * np.exp(x / 4)  # noqa: E731
    df = lambda x: ((x - root - shift) + (x - root) + (x - root) * (x - root - shift) / 4) * np.exp(x / 4)  # noqa: E731
    xs = newton.newton_root(f, df, root - x_off)
    errors = [abs(x - root) for x in xs if abs(x - root) > 1e-12]
    assume(len(errors) >= 4)
    orders = newton.convergence_order(errors)
    assert 1.7 <= orders[-1] <= 2.3


def test_newton_minimize_one_step_on_quadratic(rng):
    """003 Q5: on J(w) = w^T H w a Newton step of size eta gives w_new = (1 - eta) w_old."""
    H = random_spd(rng, 4, 50.0)
    w0 = rng.standard_normal(4)
    for eta in (1.0, 0.3):
        ws = newton.newton_minimize(lambda w: 2 * H @ w, lambda w: 2 * H, w0, step=eta, n_steps=1)
        np.testing.assert_allclose(ws[1], (1 - eta) * w0, atol=1e-12)


def test_beale_is_not_convex_and_gd_is_stuck_at_0_1():
    from dlcourse.gradcheck import numerical_gradient, numerical_hessian

    np.testing.assert_allclose(quadratic.beale_grad(np.array([0.0, 1.0])), [0.0, 0.0])
    assert quadratic.beale(np.array([3.0, 0.5])) == 0.0
    for p in (np.array([0.0, 1.0]), np.array([1.3, -0.7]), np.array([3.0, 0.5])):
        np.testing.assert_allclose(quadratic.beale_grad(p), numerical_gradient(quadratic.beale, p), atol=1e-5)
    H = numerical_hessian(quadratic.beale_grad, np.array([0.0, 1.0]))
    assert np.linalg.eigvalsh((H + H.T) / 2).min() < 0  # an indefinite Hessian: not convex


@settings(max_examples=50, deadline=None)
@given(m=st.integers(1, 8), n=st.integers(1, 8), seed=seeds)
def test_power_iteration_matches_svd(m, n, seed):
    W = np.random.default_rng(seed).standard_normal((m, n))
    assert lipschitz.spectral_norm(W, n_iter=500) == pytest.approx(np.linalg.svd(W, compute_uv=False)[0], rel=1e-4)


@settings(max_examples=50, deadline=None)
@given(sizes=st.lists(st.integers(1, 8), min_size=2, max_size=5), act=st.sampled_from(["relu", "tanh", "sigmoid"]),
       seed=seeds)
def test_sampled_lipschitz_ratios_never_exceed_the_bound(sizes, act, seed):
    r = np.random.default_rng(seed)
    Ws = [r.standard_normal((b, a)) for a, b in zip(sizes[:-1], sizes[1:])]
    fwd = {"relu": layers.relu_forward, "tanh": layers.tanh_forward, "sigmoid": layers.sigmoid_forward}[act]

    def net(X):
        for W in Ws:
            X = fwd(X @ W.T)[0]
        return X

    bound = lipschitz.product_bound(Ws, [act] * len(Ws))
    assert lipschitz.empirical_lipschitz(net, sizes[0], n_pairs=300, rng=r) <= bound * (1 + 1e-6)


def test_single_linear_layer_estimate_approaches_sigma_max(rng):
    W = rng.standard_normal((5, 7))
    est = lipschitz.empirical_lipschitz(lambda X: X @ W.T, 7, n_pairs=20000, rng=rng)
    assert 0.8 * np.linalg.norm(W, 2) <= est <= np.linalg.norm(W, 2) * (1 + 1e-9)
