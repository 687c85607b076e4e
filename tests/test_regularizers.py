"""Regularisers and noise injection (syllabus 8): gradients and the expected-gradient identities."""
import numpy as np
import pytest

from dlcourse import regularizers
from dlcourse.gradcheck import numerical_gradient, rel_error


@pytest.mark.parametrize("name", ["l2", "l1"])
def test_penalty_gradients(name, rng):
    fn = getattr(regularizers, name)
    w = rng.standard_normal((3, 4))
    w = np.where(np.abs(w) < 1e-2, 0.1, w)  # off the kink of |w|
    assert rel_error(fn(w, 0.3)[1], numerical_gradient(lambda v: fn(v, 0.3)[0], w)) < 1e-6


def test_quadratic_form_with_nonsymmetric_S(rng):
    S, w = rng.standard_normal((4, 4)), rng.standard_normal(4)
    assert rel_error(regularizers.quadratic_form(w, S, 0.5)[1],
                     numerical_gradient(lambda v: regularizers.quadratic_form(v, S, 0.5)[0], w)) < 1e-6


def test_multiplicative_input_noise_adds_an_l2_like_term(rng):
    """001: squared loss 1/2 (w.x d - t)^2 with d ~ N(1, s^2) per input:
    E[grad_i] = (w.x - t) x_i + s^2 w_i x_i^2."""
    w, x, t, s = rng.standard_normal(3), rng.standard_normal(3), 0.7, 0.4
    n = 400_000
    xs = regularizers.multiplicative_noise(np.tile(x, (n, 1)), s, rng)
    samples = (xs @ w - t)[:, None] * xs
    expected = (w @ x - t) * x + s**2 * w * x**2
    stderr = samples.std(axis=0) / np.sqrt(n)
    assert np.all(np.abs(samples.mean(axis=0) - expected) < 5 * stderr)
    # and the clean gradient alone is far outside that band: the extra term is real
    assert np.any(np.abs(samples.mean(axis=0) - (w @ x - t) * x) > 20 * stderr)


def test_additive_noise_amplification_is_bounded_by_sigma_max(rng):
    W = rng.standard_normal((5, 8))
    x = rng.standard_normal((2000, 8))
    e = regularizers.additive_noise(x, 0.1, rng) - x
    ratios = np.linalg.norm(e @ W.T, axis=1) / np.linalg.norm(e, axis=1)
    assert ratios.max() <= np.linalg.norm(W, 2) * (1 + 1e-12)
