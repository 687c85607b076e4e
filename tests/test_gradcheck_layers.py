"""Every layer and loss against central differences in float64: relative error < 1e-6."""
import numpy as np
import pytest

from dlcourse import layers, losses
from dlcourse.gradcheck import numerical_gradient, numerical_hessian, numerical_vjp, rel_error

TOL = 1e-6


def away_from_zero(a: np.ndarray, margin: float = 1e-2) -> np.ndarray:
    """Keeps inputs off the kinks of ReLU-like layers, where differences straddle two pieces."""
    return np.where(np.abs(a) < margin, np.sign(a + 1e-12) * margin, a)


def check_layer(forward, backward, inputs: dict[str, np.ndarray], rng, wrt_x="x"):
    """forward(**inputs) -> (out, cache); compares backward's dx and grads with finite differences."""
    out, cache = forward(**inputs)
    dout = rng.standard_normal(out.shape)
    dx, grads = backward(dout, cache)
    for name in [wrt_x, *grads]:
        def f(v, name=name):
            return forward(**{**inputs, name: v})[0]
        num = numerical_vjp(f, inputs[name], dout)
        got = dx if name == wrt_x else grads[name]
        assert got.shape == inputs[name].shape, name
        assert rel_error(got, num) < TOL, f"{forward.__name__} d{name}: {rel_error(got, num):.2e}"


def test_affine(rng):
    inputs = {"x": rng.standard_normal((5, 3, 2)), "w": rng.standard_normal((6, 4)), "b": rng.standard_normal(4)}
    check_layer(layers.affine_forward, layers.affine_backward, inputs, rng)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "flatten"])
def test_activations(name, rng):
    fwd, bwd = getattr(layers, f"{name}_forward"), getattr(layers, f"{name}_backward")
    check_layer(fwd, bwd, {"x": away_from_zero(3 * rng.standard_normal((4, 7, 2)))}, rng)


def test_leaky_relu(rng):
    check_layer(lambda x: layers.leaky_relu_forward(x, 0.1), layers.leaky_relu_backward,
                {"x": away_from_zero(rng.standard_normal((6, 5)))}, rng)


def test_max2_routes_to_the_winner_and_ties_to_the_first(rng):
    a, b = rng.standard_normal((2, 4, 6))
    b = np.where(np.abs(a - b) < 1e-2, b + 0.05, b)
    out, cache = layers.max2_forward(a, b)
    dout = rng.standard_normal(out.shape)
    (da, db), _ = layers.max2_backward(dout, cache)
    assert rel_error(da, numerical_vjp(lambda v: layers.max2_forward(v, b)[0], a, dout)) < TOL
    assert rel_error(db, numerical_vjp(lambda v: layers.max2_forward(a, v)[0], b, dout)) < TOL
    (da, db), _ = layers.max2_backward(np.ones(3), layers.max2_forward(np.ones(3), np.ones(3))[1])
    np.testing.assert_array_equal(da, 1.0)
    np.testing.assert_array_equal(db, 0.0)


def test_dropout_train_and_eval(rng):
    x = rng.standard_normal((200, 50))
    check_layer(lambda x: layers.dropout_forward(x, 0.3, True, 7), layers.dropout_backward, {"x": x}, rng)
    out, _ = layers.dropout_forward(x, 0.3, True, 7)
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(out[kept], x[kept] / 0.7)
    np.testing.assert_array_equal(layers.dropout_forward(x, 0.3, True, 7)[0], out)  # seeded
    assert layers.dropout_forward(x, 0.3, False, 7)[0] is x


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 3, 2)])
def test_batchnorm(training, shape, rng):
    c = shape[-1]
    running = {"mean": rng.standard_normal(c), "var": rng.random(c) + 0.5}

    def fwd(x, gamma, beta):
        return layers.batchnorm_forward(x, gamma, beta, dict(running), training)

    inputs = {"x": 2 * rng.standard_normal(shape) + 1, "gamma": rng.standard_normal(c),
              "beta": rng.standard_normal(c)}
    check_layer(fwd, layers.batchnorm_backward, inputs, rng)


def test_batchnorm_single_example_has_zero_gradient(rng):
    """Syllabus 9: with n = 1 the normalised output is constant, so dL/dx = 0."""
    out, cache = layers.batchnorm_forward(rng.standard_normal((1, 4)), np.ones(4), np.zeros(4),
                                          {"mean": np.zeros(4), "var": np.ones(4)}, True)
    dx, _ = layers.batchnorm_backward(rng.standard_normal((1, 4)), cache)
    np.testing.assert_allclose(dx, 0.0, atol=1e-12)


@pytest.mark.parametrize("stride,pad,kernel", [(1, 0, (3, 3)), (1, 1, (3, 3)), (2, 1, (3, 3)), (2, 0, (3, 3)),
                                               ((2, 1), (1, 0), (5, 1)), ((1, 2), (0, 2), (2, 3))])
@pytest.mark.parametrize("channels", [1, 3, layers.FEW_CHANNELS + 1])  # both of conv2d's memory layouts
def test_conv2d(stride, pad, kernel, channels, rng):
    inputs = {"x": rng.standard_normal((2, 7, 6, channels)), "w": rng.standard_normal((*kernel, channels, 4)),
              "b": rng.standard_normal(4)}
    check_layer(lambda x, w, b: layers.conv2d_forward(x, w, b, stride, pad), layers.conv2d_backward, inputs, rng)


@pytest.mark.parametrize("pool,stride", [(2, 2), (3, 1), (2, 1), ((2, 1), (2, 1)), ((3, 2), None)])
def test_maxpool2d(pool, stride, rng):
    x = rng.permutation(np.arange(2 * 6 * 6 * 3, dtype=float)).reshape(2, 6, 6, 3) / 10  # no ties
    check_layer(lambda x: layers.maxpool2d_forward(x, pool, stride), layers.maxpool2d_backward, {"x": x}, rng)


def test_maxpool2d_gradient_goes_to_the_first_maximum():
    """Row by row, as argmax: of tied maxima only the first gets the window's gradient."""
    x = np.array([[1.0, 3, 0, 0], [3, 2, 0, 0]])[None, :, :, None]  # windows: two 3s tied; four 0s
    out, cache = layers.maxpool2d_forward(x, 2)
    dx, _ = layers.maxpool2d_backward(np.array([5.0, 7])[None, None, :, None], cache)
    np.testing.assert_array_equal(out[0, 0, :, 0], [3, 0])
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 5, 7, 0], [0, 0, 0, 0]])


def _labels(rng, n, k):
    return rng.integers(0, k, n)


@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "multiclass_hinge"])
def test_classification_losses(loss, rng):
    fn = getattr(losses, loss)
    z, y = 3 * rng.standard_normal((6, 5)), _labels(rng, 6, 5)
    _, dz = fn(z, y)
    assert rel_error(dz, numerical_gradient(lambda v: fn(v, y)[0], z)) < TOL


def test_binary_cross_entropy_and_mse(rng):
    z, y = 3 * rng.standard_normal((7, 1)), rng.integers(0, 2, (7, 1)).astype(float)
    for fn in (losses.binary_cross_entropy_with_logits, losses.mean_squared_error):
        _, dz = fn(z, y)
        assert rel_error(dz, numerical_gradient(lambda v: fn(v, y)[0], z)) < TOL


def test_softmax_cross_entropy_is_stable_and_matches_the_definition(rng):
    z, y = rng.standard_normal((4, 3)), _labels(rng, 4, 3)
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    loss, dz = losses.softmax_cross_entropy(z, y)
    assert loss == pytest.approx(-np.log(p[np.arange(4), y]).mean(), rel=1e-12)
    np.testing.assert_allclose(dz * 4, p - np.eye(3)[y])  # y_hat - y (syllabus 3)
    big_loss, _ = losses.softmax_cross_entropy(z + 1000.0, y)
    assert big_loss == pytest.approx(loss, rel=1e-9)


def test_softmax_hessian_is_the_jacobian_of_the_gradient_and_psd(rng):
    z, y = rng.standard_normal(5), np.array([2])
    H = losses.softmax_hessian(z)
    assert rel_error(H, numerical_hessian(lambda v: losses.softmax_cross_entropy(v[None], y)[1][0], z)) < TOL
    assert np.linalg.eigvalsh(H).min() > -1e-12


def test_logistic_regression_gradient_sign_and_convexity(rng):
    X, y, w = rng.standard_normal((20, 3)), rng.integers(0, 2, 20).astype(float), rng.standard_normal(3)
    g = losses.logistic_gradient(w, X, y)
    assert rel_error(g, numerical_gradient(lambda v: losses.logistic_loss(v, X, y), w)) < TOL
    H = losses.logistic_hessian(w, X)
    assert rel_error(H, numerical_hessian(lambda v: losses.logistic_gradient(v, X, y), w)) < TOL
    assert np.linalg.eigvalsh(H).min() >= -1e-12


@pytest.mark.parametrize("scale", [1.0, 8.0])  # 8: a saturated unit, where the gradient all but vanishes
def test_sigmoid_unit_gradient_and_step(scale, rng):
    from dlcourse.neuron import sigmoid_unit, sigmoid_unit_step

    for _ in range(5):
        w, b, x, lam = scale * rng.standard_normal(), rng.standard_normal(), rng.standard_normal(), rng.uniform(0, 1)
        t = float(rng.integers(0, 2))
        loss, dw, db = sigmoid_unit(w, b, x, t, lam)
        num = numerical_gradient(lambda p: sigmoid_unit(p[0], p[1], x, t, lam)[0], np.array([w, b]))
        assert rel_error(np.array([dw, db]), num) < 1e-7
        w1, b1 = sigmoid_unit_step(w, b, x, t, lam, 1e-3)
        assert np.allclose([w - w1, b - b1], 1e-3 * np.array([dw, db]), rtol=1e-9, atol=1e-15)
        assert sigmoid_unit(w1, b1, x, t, lam)[0] <= loss
