"""The two-branch Keras model, the Keras regularisers, the Lipschitz report, NumPy-TF parity
and TensorFlow's silence."""
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from test_syllabus_numbers import BACKWARD

from dlcourse import losses, models, optim, twobranch
from dlcourse.gradcheck import numerical_gradient, rel_error
from dlcourse.tf import models as tf_models
from dlcourse.tf import regularizers as tf_reg
from dlcourse.tf import tf
from dlcourse.tf import twobranch as tf_twobranch


def test_two_branch_gradienttape_gives_the_syllabus_numbers():
    g = tf_twobranch.gradients(**twobranch.EXAMPLE)
    assert round(g["L"], 4) == 2.6967
    for name in ("W1", "W21", "W22"):
        np.testing.assert_allclose(g[name], BACKWARD[name], atol=5e-5)
    np.testing.assert_allclose(g["z"][0], BACKWARD["z"], atol=5e-5)


def test_two_branch_gradienttape_equals_numpy_on_random_batches(rng):
    ex = {"x": rng.standard_normal((6, 4)), "y": rng.integers(0, 3, 6),
          "W1": rng.standard_normal((2, 4)), "W21": rng.standard_normal((3, 2)), "W22": rng.standard_normal((3, 2))}
    values, cache = twobranch.forward(**ex)
    ours = twobranch.backward(cache)
    theirs = tf_twobranch.gradients(**ex)
    assert theirs["L"] == pytest.approx(values["L"], rel=1e-12)
    for name in ("W1", "W21", "W22", "z"):
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("reg", [tf_reg.L2(0.3), tf_reg.QuadraticForm([[1, -1], [-1, 1]], 0.5),
                                 tf_reg.QuadraticForm(np.arange(9.0).reshape(3, 3) - 4, 0.2),
                                 tf_reg.SpectralNorm(0.7, n_iter=200)])
def test_regulariser_gradient_matches_finite_differences(reg, rng):
    n_in = 2 if isinstance(reg, tf_reg.QuadraticForm) and reg.S.shape[0] == 2 else 3
    W = rng.standard_normal((n_in, 4))
    w = tf.Variable(W)
    with tf.GradientTape() as tape:
        value = reg(w)
    grad = tape.gradient(value, w).numpy()
    num = numerical_gradient(lambda v: float(reg(tf.constant(v))), W)
    assert rel_error(grad, num) < 1e-6


def test_regularisers_agree_with_their_numpy_twins(rng):
    from dlcourse import regularizers

    w = rng.standard_normal(2)
    assert float(tf_reg.L2(0.3)(tf.constant(w))) == pytest.approx(regularizers.l2(w, 0.3)[0])
    assert float(tf_reg.QuadraticForm(regularizers.SYMMETRY_S, 0.5)(tf.constant(w[:, None]))) == pytest.approx(
        regularizers.quadratic_form(w, regularizers.SYMMETRY_S, 0.5)[0])
    W = rng.standard_normal((5, 3))
    assert float(tf_reg.SpectralNorm(1.0, 200)(tf.constant(W))) == pytest.approx(np.linalg.norm(W, 2) ** 2, rel=1e-6)


def _trained_mlp(weight_decay: float, seed: int = 0):
    from dlcourse.data import load_digits
    from dlcourse.tf.train import fit

    Xtr, ytr, _, _ = load_digits()
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((64,))] + [
        keras.layers.Dense(n, activation=a, kernel_regularizer=tf_reg.L2(weight_decay) if weight_decay else None)
        for n, a in [(32, "relu"), (32, "relu"), (10, "linear")]])
    fit(model, Xtr, ytr, keras.optimizers.Adam(1e-2), epochs=10, seed=seed, progress=False)
    return model


def test_lipschitz_report_bound_holds_and_weight_decay_shrinks_it():
    plain, decayed = tf_reg.lipschitz_report(_trained_mlp(0.0)), tf_reg.lipschitz_report(_trained_mlp(1e-2))
    for rep in (plain, decayed):
        assert 0 < rep.empirical <= rep.bound
        assert len(rep.layers) == 3
        assert "product bound" in rep.table()
    assert decayed.bound < plain.bound


def test_lipschitz_report_refuses_layers_it_cannot_bound():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                              keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="not covered by the product bound"):
        tf_reg.lipschitz_report(model)


@pytest.mark.parametrize("rule,keras_opt", [
    (optim.SGD(0.1), lambda: keras.optimizers.SGD(0.1)),
    (optim.Adam(0.01, epsilon=1e-7, epsilon_hat=True), lambda: keras.optimizers.Adam(0.01)),
])
def test_numpy_and_tensorflow_mlps_give_the_same_loss_curve(rule, keras_opt):
    """Same initial weights, same batches, 50 steps: same loss per step (rtol 1e-4)."""
    from dlcourse.data import load_digits

    Xtr, ytr, _, _ = load_digits()
    sizes = [64, 32, 16, 10]
    np_model = models.mlp(sizes, seed=3)
    tf_model = tf_models.mlp(sizes, dtype="float64")
    dense = [layer for layer in tf_model.layers if isinstance(layer, keras.layers.Dense)]
    params = np_model.parameters()
    for layer, i in zip(dense, (0, 2, 4)):
        layer.kernel.assign(params[f"{i}.w"])
        layer.bias.assign(params[f"{i}.b"])
    batches = np.random.default_rng(0).permutation(len(Xtr))[: 50 * 16].reshape(50, 16)
    state, opt = rule.init(params), keras_opt()
    ours, theirs = [], []
    for idx in batches:
        loss, d = losses.softmax_cross_entropy(np_model(Xtr[idx], training=True), ytr[idx])
        _, grads = np_model.backward(d, need_dx=False)
        params, state = rule.step(params, grads, state)
        np_model.load_parameters(params)
        ours.append(loss)
        with tf.GradientTape() as tape:
            tloss = keras.losses.sparse_categorical_crossentropy(ytr[idx], tf_model(Xtr[idx], training=True),
                                                                 from_logits=True)
            tloss = tf.reduce_mean(tloss)
        opt.apply_gradients(zip(tape.gradient(tloss, tf_model.trainable_variables), tf_model.trainable_variables))
        theirs.append(float(tloss))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    assert ours[-1] < ours[0]


@pytest.mark.slow  # a fresh interpreter importing TensorFlow
def test_tensorflow_start_up_chatter_stays_off_the_screen():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    code = ("from dlcourse.tf import tf, models; from dlcourse.tf.train import fit; import numpy as np, keras;"
            "m = models.mlp([4, 3]);"
            "fit(m, np.ones((8, 4)), np.zeros(8, int), keras.optimizers.SGD(0.1), epochs=1, progress=False);"
            "print('ok')")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
                         check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"
    assert res.stderr == "", res.stderr


def test_mnist1d_mlp_gives_numpys_logits_with_numpys_weights(rng):
    ours = models.mnist1d_mlp(5, 3, hidden=4, seed=1)
    theirs = tf_models.mnist1d_mlp(5, 3, hidden=4)
    params = ours.parameters()
    theirs.set_weights([params[k] for k in ("0.w", "0.b", "2.0.w", "2.0.b", "3.w", "3.b")])
    x = rng.standard_normal((6, 5))
    np.testing.assert_allclose(theirs(x).numpy(), ours.forward(x), rtol=1e-5, atol=1e-6)


def test_fit_without_shuffling_takes_the_same_batches_whatever_the_seed(rng):
    from dlcourse.tf import train as tf_train

    X, y = rng.standard_normal((12, 5)), rng.integers(0, 3, 12)
    start = tf_models.mnist1d_linear(5, 3).get_weights()

    def first_epoch_loss(seed: int, shuffle: bool) -> float:
        model = tf_models.mnist1d_linear(5, 3)
        model.set_weights(start)
        hist = tf_train.fit(model, X, y, keras.optimizers.SGD(0.5), epochs=1, batch_size=4, seed=seed,
                            progress=False, shuffle=shuffle)
        return hist.loss[0]

    assert first_epoch_loss(0, shuffle=False) == first_epoch_loss(1, shuffle=False)
    assert first_epoch_loss(0, shuffle=True) != first_epoch_loss(1, shuffle=True)  # the seed orders batches
