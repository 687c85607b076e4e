"""Each update rule stepped 100 times beside its reference on the same gradient stream.

References nobody here wrote: ``keras.optimizers`` (SGD, momentum, Nesterov, RMSprop,
Adam in the epsilon-hat form, Adamax, AdamW), ``torch.optim.Adam`` for Adam in the form of
the paper's Algorithm 1, and Keras's learning-rate schedules.
"""
import keras
import numpy as np
import pytest

from dlcourse import optim, schedules

STEPS = 100
# Keras rounds its hyperparameters through float32 (0.9 becomes 0.89999998), which alone moves
# the result by ~1e-6 after 100 steps. Dyadic values are exact in float32, so with them the
# only difference left is the rule itself, and the comparison can be far tighter than 1e-5.
LR, MOM, B1, B2, EPS, WD = 2.0**-6, 0.875, 0.875, 1 - 2.0**-10, 2.0**-10, 2.0**-3
RTOL = 1e-9
SHAPES = {"w": (4, 3), "b": (3,)}


def gradient_stream(seed: int = 0, steps: int = STEPS):
    r = np.random.default_rng(seed)
    return [{k: r.standard_normal(s) for k, s in SHAPES.items()} for _ in range(steps)]


def initial_params(seed: int = 1):
    r = np.random.default_rng(seed)
    return {k: r.standard_normal(s) for k, s in SHAPES.items()}


def run_ours(rule, grads, params):
    state = rule.init(params)
    trace = []
    for g in grads:
        params, state = rule.step(params, g, state)
        trace.append(params)
    return trace


def run_keras(opt, grads, params):
    variables = {k: keras.Variable(v, dtype="float64") for k, v in params.items()}
    trace = []
    for g in grads:
        opt.apply_gradients([(keras.ops.convert_to_tensor(g[k]), variables[k]) for k in variables])
        trace.append({k: np.array(v.numpy()) for k, v in variables.items()})
    return trace


CASES = {
    "sgd": (optim.SGD(learning_rate=LR), lambda: keras.optimizers.SGD(learning_rate=LR)),
    "momentum": (optim.SGD(learning_rate=LR, momentum=MOM),
                 lambda: keras.optimizers.SGD(learning_rate=LR, momentum=MOM)),
    "nesterov": (optim.SGD(learning_rate=LR, momentum=MOM, nesterov=True),
                 lambda: keras.optimizers.SGD(learning_rate=LR, momentum=MOM, nesterov=True)),
    "rmsprop": (optim.RMSprop(learning_rate=LR, rho=MOM), lambda: keras.optimizers.RMSprop(learning_rate=LR, rho=MOM)),
    "adam_epsilon_hat": (optim.Adam(LR, B1, B2, EPS, epsilon_hat=True),
                         lambda: keras.optimizers.Adam(LR, B1, B2, EPS)),
    "adamax": (optim.Adamax(LR, B1, B2, EPS), lambda: keras.optimizers.Adamax(LR, B1, B2, EPS)),
    "adamw": (optim.AdamW(LR, B1, B2, EPS, epsilon_hat=True, weight_decay=WD),
              lambda: keras.optimizers.AdamW(LR, WD, B1, B2, EPS)),
}


@pytest.mark.parametrize("name", CASES)
def test_rule_matches_keras_step_for_step(name):
    ours, theirs = CASES[name]
    grads, params = gradient_stream(), initial_params()
    for step, (a, b) in enumerate(zip(run_ours(ours, grads, params), run_keras(theirs(), grads, params)), 1):
        for k in a:
            np.testing.assert_allclose(a[k], b[k], rtol=RTOL, atol=1e-14, err_msg=f"{name} step {step} {k}")


def test_adam_forms_differ_where_epsilon_matters():
    """The two forms are different algorithms: each must match only its own reference."""
    grads, params = gradient_stream(), initial_params()
    a = run_ours(optim.Adam(learning_rate=LR, epsilon=EPS, epsilon_hat=False), grads, params)[-1]["w"]
    b = run_keras(keras.optimizers.Adam(learning_rate=LR, epsilon=EPS), grads, params)[-1]["w"]
    assert not np.allclose(a, b, rtol=1e-5)


def test_paper_form_adam_matches_torch():
    import torch

    grads, params = gradient_stream(), initial_params()
    ours = run_ours(optim.Adam(LR, B1, B2, EPS), grads, params)
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    opt = torch.optim.Adam(list(tensors.values()), lr=LR, betas=(B1, B2), eps=EPS)
    for step, g in enumerate(grads):
        for k, t in tensors.items():
            t.grad = torch.tensor(g[k], dtype=torch.float64)
        opt.step()
        for k, t in tensors.items():
            np.testing.assert_allclose(ours[step][k], t.detach().numpy(), rtol=RTOL, atol=1e-14)


def test_adam_without_bias_correction_starts_biased_toward_zero():
    """Without correction the first step is (1 - b1) / sqrt(1 - b2) ~ 3.2 x lr for g = 1, not lr."""
    p = {"w": np.zeros(1)}
    g = {"w": np.ones(1)}
    for corrected, expected in [(True, -0.1), (False, -0.1 * 0.1 / np.sqrt(0.001))]:
        rule = optim.Adam(learning_rate=0.1, epsilon=0.0, bias_correction=corrected)
        new, _ = rule.step(p, g, rule.init(p))
        assert new["w"][0] == pytest.approx(expected, rel=1e-12)


def test_second_moment_is_the_weighted_sum_of_squares():
    """Syllabus 6 (1): v_t = (1 - b2) sum_i b2^(t - i) g_i^2."""
    rule = optim.Adam(beta_2=0.95)
    grads = gradient_stream(steps=30)
    params, state = initial_params(), rule.init(initial_params())
    for g in grads:
        params, state = rule.step(params, g, state)
    t = len(grads)
    expected = (1 - 0.95) * sum(0.95 ** (t - i) * grads[i - 1]["w"] ** 2 for i in range(1, t + 1))
    np.testing.assert_allclose(state.slots["w"].v, expected, rtol=1e-12)


@pytest.mark.parametrize("rule,fields", [
    (optim.SGD(momentum=0.5), ("v",)), (optim.RMSprop(), ("v",)), (optim.Adam(), ("m", "v")),
    (optim.AdamW(), ("m", "v")), (optim.Adamax(), ("m", "u")),
])
def test_every_rule_starts_from_named_zero_slots_shaped_like_its_parameter(rule, fields):
    state = rule.init(initial_params())
    for name, shape in SHAPES.items():
        slots = state.slots[name]
        assert slots._fields == fields
        for field in fields:
            np.testing.assert_array_equal(getattr(slots, field), np.zeros(shape))


def test_classical_momentum_velocity_is_the_step_taken():
    rule = optim.SGD(learning_rate=LR, momentum=MOM)
    params, state = initial_params(), rule.init(initial_params())
    for g in gradient_stream(steps=5):
        new, state = rule.step(params, g, state)
        np.testing.assert_allclose(state.slots["w"].v, new["w"] - params["w"], rtol=1e-12, atol=1e-15)
        params = new


def test_adamax_u_is_the_decayed_maximum_of_abs_g():
    """Syllabus 6 (4): u_t = max(b2 u_{t-1}, abs(g_t)), from u_0 = 0."""
    rule = optim.Adamax(beta_2=B2)
    grads = gradient_stream(steps=30)
    params, state = initial_params(), rule.init(initial_params())
    u = np.zeros(SHAPES["w"])
    for g in grads:
        params, state = rule.step(params, g, state)
        u = np.maximum(B2 * u, np.abs(g["w"]))
    np.testing.assert_array_equal(state.slots["w"].u, u)


@pytest.mark.parametrize("ours,theirs", [
    (schedules.StepDecay(0.1, 10, 0.5),
     keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)),
    (schedules.CosineDecay(0.1, 50, alpha=0.1), keras.optimizers.schedules.CosineDecay(0.1, 50, alpha=0.1)),
])
def test_schedules_match_keras(ours, theirs):
    for s in range(0, 80, 3):
        assert ours(s) == pytest.approx(float(theirs(s)), rel=1e-6)


def test_schedule_drives_a_rule_like_keras():
    grads, params = gradient_stream(), initial_params()
    ours = run_ours(optim.SGD(learning_rate=schedules.CosineDecay(0.1, 60), momentum=0.5), grads, params)
    keras_opt = keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.CosineDecay(0.1, 60), momentum=0.5)
    theirs = run_keras(keras_opt, grads, params)
    # Keras evaluates the schedule in float32, hence the looser tolerance here
    np.testing.assert_allclose(ours[-1]["w"], theirs[-1]["w"], rtol=1e-5)
