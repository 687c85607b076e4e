"""Batch norm, conv2d and max-pool forward and backward against TensorFlow (GradientTape)."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from dlcourse import layers


def tape_grads(fn, inputs: dict[str, np.ndarray], dout: np.ndarray):
    """TF's output of fn and the gradients of sum(out * dout) in every input."""
    tensors = {k: tf.Variable(v, dtype=tf.float64) for k, v in inputs.items()}
    with tf.GradientTape() as tape:
        out = fn(**tensors)
        target = tf.reduce_sum(out * dout)
    grads = tape.gradient(target, list(tensors.values()))
    return out.numpy(), dict(zip(tensors, (g.numpy() for g in grads)))


@pytest.mark.parametrize("shape", [(16, 5), (4, 6, 6, 3)])
def test_batchnorm_training_matches_keras(shape, rng):
    c = shape[-1]
    x, gamma, beta = 3 * rng.standard_normal(shape) + 2, rng.standard_normal(c), rng.standard_normal(c)
    dout = rng.standard_normal(shape)
    bn = keras.layers.BatchNormalization(dtype="float64")  # momentum 0.99, epsilon 1e-3, like ours
    bn.build(shape)
    bn.gamma.assign(gamma)
    bn.beta.assign(beta)

    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        out_tf = bn(xv, training=True)
        target = tf.reduce_sum(out_tf * dout)
    dx_tf, dg_tf, db_tf = tape.gradient(target, [xv, bn.gamma, bn.beta])

    running = {"mean": np.zeros(c), "var": np.ones(c)}
    out, cache = layers.batchnorm_forward(x, gamma, beta, running, training=True)
    dx, grads = layers.batchnorm_backward(dout, cache)
    np.testing.assert_allclose(out, out_tf.numpy(), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(dx, dx_tf.numpy(), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(grads["gamma"], dg_tf.numpy(), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(grads["beta"], db_tf.numpy(), rtol=1e-7, atol=1e-10)
    # running statistics after one training step, and inference with them
    np.testing.assert_allclose(running["mean"], bn.moving_mean.numpy(), rtol=1e-10)
    np.testing.assert_allclose(running["var"], bn.moving_variance.numpy(), rtol=1e-10)
    x2 = rng.standard_normal(shape)
    out_eval, _ = layers.batchnorm_forward(x2, gamma, beta, running, training=False)
    np.testing.assert_allclose(out_eval, bn(x2, training=False).numpy(), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("stride,pad,kernel", [(1, 0, (3, 3)), (1, 1, (3, 3)), (2, 1, (3, 3)), (2, 2, (3, 3)),
                                               ((2, 1), (1, 0), (5, 1))])
@pytest.mark.parametrize("channels", [1, layers.FEW_CHANNELS, layers.FEW_CHANNELS + 2])  # both memory layouts
def test_conv2d_matches_tf_nn_conv2d(stride, pad, kernel, channels, rng):
    x, w = rng.standard_normal((3, 9, 8, channels)), rng.standard_normal((*kernel, channels, 5))
    b = rng.standard_normal(5)
    out, cache = layers.conv2d_forward(x, w, b, stride, pad)
    dout = rng.standard_normal(out.shape)
    dx, grads = layers.conv2d_backward(dout, cache)
    ph, pw = layers.pair(pad)
    padding = [[0, 0], [ph, ph], [pw, pw], [0, 0]]
    out_tf, g_tf = tape_grads(
        lambda x, w, b: tf.nn.conv2d(x, w, strides=stride, padding=padding) + b, {"x": x, "w": w, "b": b}, dout)
    np.testing.assert_allclose(out, out_tf, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, g_tf["x"], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grads["w"], g_tf["w"], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grads["b"], g_tf["b"], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("pool,stride", [(2, 2), (3, 2)])
def test_maxpool2d_matches_tf(pool, stride, rng):
    x = rng.standard_normal((2, 8, 7, 3))
    out, cache = layers.maxpool2d_forward(x, pool, stride)
    dout = rng.standard_normal(out.shape)
    dx, _ = layers.maxpool2d_backward(dout, cache)
    out_tf, g_tf = tape_grads(lambda x: tf.nn.max_pool2d(x, pool, stride, "VALID"), {"x": x}, dout)
    np.testing.assert_allclose(out, out_tf)
    np.testing.assert_allclose(dx, g_tf["x"], rtol=1e-12)
