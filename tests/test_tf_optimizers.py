"""The from-scratch Keras optimisers of dlcourse.tf against Keras's own, and Adam's two forms."""
import keras
import numpy as np
import pytest
from test_optim_vs_keras import B1, B2, EPS, LR, MOM, gradient_stream, initial_params, run_keras, run_ours

from dlcourse import optim
from dlcourse.tf import optim as scratch

CASES = {
    "sgd": (lambda: scratch.SGD(LR), lambda: keras.optimizers.SGD(LR)),
    "momentum": (lambda: scratch.SGD(LR, momentum=MOM), lambda: keras.optimizers.SGD(LR, momentum=MOM)),
    "nesterov": (lambda: scratch.SGD(LR, momentum=MOM, nesterov=True),
                 lambda: keras.optimizers.SGD(LR, momentum=MOM, nesterov=True)),
    "rmsprop": (lambda: scratch.RMSprop(LR, rho=MOM, epsilon=EPS),
                lambda: keras.optimizers.RMSprop(LR, rho=MOM, epsilon=EPS)),
    "adam": (lambda: scratch.Adam(LR, B1, B2, EPS), lambda: keras.optimizers.Adam(LR, B1, B2, EPS)),
    "adamax": (lambda: scratch.Adamax(LR, B1, B2, EPS), lambda: keras.optimizers.Adamax(LR, B1, B2, EPS)),
}


@pytest.mark.parametrize("name", CASES)
def test_scratch_optimizer_matches_keras_for_100_steps(name):
    ours, theirs = CASES[name]
    grads, params = gradient_stream(), initial_params()
    a, b = run_keras(ours(), grads, params), run_keras(theirs(), grads, params)
    for step, (pa, pb) in enumerate(zip(a, b), 1):
        for k in pa:
            np.testing.assert_allclose(pa[k], pb[k], rtol=1e-6, atol=1e-14, err_msg=f"{name} step {step} {k}")


def test_scratch_adam_paper_form_matches_numpy_paper_form():
    """The paper's Algorithm 1 (checked against PyTorch in test_optim_vs_keras) in Keras."""
    grads, params = gradient_stream(), initial_params()
    a = run_keras(scratch.Adam(LR, B1, B2, EPS, epsilon_hat=False), grads, params)
    b = run_ours(optim.Adam(LR, B1, B2, EPS), grads, params)
    for pa, pb in zip(a, b):
        np.testing.assert_allclose(pa["w"], pb["w"], rtol=1e-10)
    assert not np.allclose(a[-1]["w"], run_keras(keras.optimizers.Adam(LR, B1, B2, EPS), grads, params)[-1]["w"],
                           rtol=1e-6)


NUMPY_TWINS = {"momentum": optim.SGD(LR, MOM), "rmsprop": optim.RMSprop(LR, rho=MOM, epsilon=EPS),
               "adam": optim.Adam(LR, B1, B2, EPS, epsilon_hat=True), "adamax": optim.Adamax(LR, B1, B2, EPS)}


@pytest.mark.parametrize("name", NUMPY_TWINS)
def test_scratch_slots_are_named_and_equal_the_numpy_rules_slots(name):
    """The Keras twin keeps the same named slots as dlcourse.optim and fills them alike."""
    numpy_rule = NUMPY_TWINS[name]
    opt = CASES[name][0]()
    grads, params = gradient_stream(), initial_params()
    variables = {k: keras.Variable(v, dtype="float64") for k, v in params.items()}
    for g in grads:
        opt.apply_gradients([(keras.ops.convert_to_tensor(g[k]), variables[k]) for k in variables])
    state = numpy_rule.init(params)
    for g in grads:
        params, state = numpy_rule.step(params, g, state)
    for k, variable in variables.items():
        ours, theirs = opt.slots(variable), state.slots[k]
        assert type(ours) is type(theirs)
        for field in ours._fields:
            np.testing.assert_allclose(np.asarray(getattr(ours, field)), getattr(theirs, field), rtol=1e-9,
                                       err_msg=f"{name} {k}.{field}")


def test_scratch_adam_slots_are_the_moments():
    opt = scratch.Adam(LR, B1, B2, EPS)
    grads = gradient_stream()
    w = keras.Variable(initial_params()["w"], dtype="float64")
    for g in grads:
        opt.apply_gradients([(keras.ops.convert_to_tensor(g["w"]), w)])
    t = len(grads)
    m = (1 - B1) * sum(B1 ** (t - i) * grads[i - 1]["w"] for i in range(1, t + 1))
    v = (1 - B2) * sum(B2 ** (t - i) * grads[i - 1]["w"] ** 2 for i in range(1, t + 1))
    np.testing.assert_allclose(np.asarray(opt.slots(w).m), m, rtol=1e-9)
    np.testing.assert_allclose(np.asarray(opt.slots(w).v), v, rtol=1e-9)


def test_scratch_optimizer_trains_a_keras_model():
    from dlcourse.data import load_digits
    from dlcourse.tf import models
    from dlcourse.tf.train import fit

    Xtr, ytr, Xte, yte = load_digits()
    hist = fit(models.mlp([64, 32, 10]), Xtr, ytr, scratch.Adam(1e-2), epochs=5, test=(Xte, yte), progress=False)
    assert hist.test_accuracy[-1] > 0.9
