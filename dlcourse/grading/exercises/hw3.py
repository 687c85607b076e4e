"""Homework 3: backpropagation, adaptive optimisers, Lipschitz bounds and training
(autograder/source/hw3/hw3.ipynb)."""
from __future__ import annotations

import numpy as np

from dlcourse import lipschitz, models, neuron, optim, train, twobranch
from dlcourse.grading.exercise import Inputs, Spec, Written
from dlcourse.grading.exercises._draw import one_step, size


def _two_branch_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n = size(k)
    while True:  # each branch must win somewhere, or routing the gradient to both could go unseen
        inputs = {"x": rng.standard_normal((n, 4)), "y": rng.integers(0, 3, n), "W1": rng.standard_normal((2, 4)),
                  "W21": rng.standard_normal((3, 2)), "W22": rng.standard_normal((3, 2))}
        values, _ = twobranch.forward(inputs["x"], inputs["y"], inputs["W1"], inputs["W21"], inputs["W22"])
        if (values["l21"] > values["l22"]).any() and (values["l22"] > values["l21"]).any():
            return inputs


def _worked_example(rng: np.random.Generator) -> Inputs:
    return {name: value.copy() for name, value in twobranch.EXAMPLE.items()}


def _two_branch_backward(x, y, W1, W21, W22):
    _, cache = twobranch.forward(x, y.astype(int), W1, W21, W22)
    grads = twobranch.backward(cache)
    return grads["W1"], grads["W21"], grads["W22"]


def _gradients_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"g": rng.standard_normal((5 + k % 40, 3)), "beta2": np.array((0.9, 0.99, 0.999)[k % 3])}


def _second_moments(g, beta2):
    """Adam's v_t for every t (from the rule itself), and v_t / (1 - beta2^t)."""
    rule = optim.Adam(0.0, 0.9, float(beta2))
    state = rule.init({"p": g[0]})
    vs = []
    for gt in g:
        _, state = rule.step({"p": gt}, {"p": gt}, state)
        vs.append(state.slots["p"].v)
    v = np.array(vs)
    return v, np.array([optim.bias_corrected(vt, float(beta2), t) for t, vt in enumerate(v, start=1)])


_FIRST_ZERO = np.arange(4) > 0  # an entry whose gradient and moments are all zero: the step must be 0, not NaN


def _adamax_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"p": rng.standard_normal(4), "g": rng.standard_normal(4) * _FIRST_ZERO,
            "m": 0.1 * rng.standard_normal(4) * _FIRST_ZERO, "u": 0.1 * rng.random(4) * _FIRST_ZERO,
            "t": np.array(1 + k % 5), "lr": np.array(0.01)}


def _adamax_step(p, g, m, u, t, lr):
    return one_step(optim.Adamax(float(lr), 0.9, 0.999, 1e-7), p, g, (m, u), t)


def _momentum_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"p": rng.standard_normal(4), "g": rng.standard_normal(4), "v": 0.1 * rng.standard_normal(4),
            "lr": np.array(0.05), "momentum": np.array(0.9), "nesterov": np.array(k % 2 == 1)}


def _momentum_step(p, g, v, lr, momentum, nesterov):
    return one_step(optim.SGD(float(lr), float(momentum), bool(nesterov)), p, g, (v,))


def _rmsprop_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"p": rng.standard_normal(4), "g": rng.standard_normal(4), "v": rng.random(4), "lr": np.array(0.01)}


def _rmsprop_step(p, g, v, lr):
    return one_step(optim.RMSprop(float(lr), 0.9, 1e-7), p, g, (v,))


def _weights_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n = size(k)
    return {"W1": rng.standard_normal((5, 3)), "W2": rng.standard_normal((n, 5)), "W3": rng.standard_normal((2, n))}


def _lipschitz_bound(W1, W2, W3):
    return (lipschitz.product_bound([W1, W2, W3], ["tanh", "sigmoid", "linear"]),)


def _sizes_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"sizes": rng.integers(1, 50, 2 + k % 5)}


def _syllabus_network(rng: np.random.Generator) -> Inputs:
    return {"sizes": np.array([20, 10, 10, 10, 10, 10, 1])}


def _mlp_param_count(sizes):
    return (models.mlp_param_count([int(s) for s in sizes]),)


def _sigmoid_unit_inputs(rng: np.random.Generator, k: int, w_scale: float = 1.0) -> Inputs:
    return {"w": np.array(rng.normal(0, w_scale)), "b": np.array(rng.normal()), "x": np.array(rng.normal()),
            "t": np.array(float(rng.integers(0, 2))), "lam": np.array(rng.uniform(0, 0.5)), "lr": np.array(0.1)}


def _saturated_unit(rng: np.random.Generator) -> Inputs:
    return _sigmoid_unit_inputs(rng, 0, w_scale=10.0)


def _sigmoid_unit_step(w, b, x, t, lam, lr):
    _, dw, db = neuron.sigmoid_unit(*map(float, (w, b, x, t, lam)))
    w_new, b_new = neuron.sigmoid_unit_step(*map(float, (w, b, x, t, lam, lr)))
    return dw, db, w_new, b_new


def _train_mlp_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n, d, h, classes = 40, 4, 8, 3
    X = rng.standard_normal((n, d))
    return {"X": X, "y": (X @ rng.standard_normal((d, classes))).argmax(1),
            "W1": 0.5 * rng.standard_normal((d, h)), "b1": np.zeros(h), "W2": 0.5 * rng.standard_normal((h, classes)),
            "b2": np.zeros(classes), "lr": np.array((0.5, 0.05, 0.2)[k % 3]), "epochs": np.array(25)}


def _train_mlp(X, y, W1, b1, W2, b2, lr, epochs):
    model = models.mlp([W1.shape[0], W1.shape[1], W2.shape[1]], "relu")
    model.load_parameters({"0.w": W1, "0.b": b1, "2.w": W2, "2.b": b2})
    hist = train.fit(model, X, y.astype(int), optim.SGD(float(lr)), epochs=int(epochs), batch_size=len(X),
                     seed=None, progress=False)
    p = model.parameters()
    return np.array(hist.loss), p["0.w"], p["0.b"], p["2.w"], p["2.b"]


EXERCISES = [
    Spec("test_two_branch_backward", "two_branch_backward", _two_branch_inputs, _two_branch_backward,
         ("dW1", "dW21", "dW22"), points=3, questions=("2.2", "2.3"), random_cases=3,
         edge_cases={"the worked example of the syllabus": _worked_example},
         references=("dlcourse.twobranch.forward", "dlcourse.twobranch.backward",
                     "dlcourse.tf.twobranch.gradients"),
         wrong_answers={"two_branch_gradient_to_both": """\
def two_branch_backward(x, y, W1, W21, W22):
    y = np.asarray(y, dtype=int)
    n = len(x)
    pre1 = x @ W1.T
    l1 = np.maximum(pre1, 0)
    pre21 = l1 @ W21.T
    l21 = np.maximum(pre21, 0)
    l22 = 1 / (1 + np.exp(-(l1 @ W22.T)))
    z = np.maximum(l21, l22)
    e = np.exp(z - z.max(1, keepdims=True))
    dz = e / e.sum(1, keepdims=True)
    dz[np.arange(n), y] -= 1
    dz /= n
    d21 = dz * (pre21 > 0)
    d22 = dz * l22 * (1 - l22)
    d1 = (d21 @ W21 + d22 @ W22) * (pre1 > 0)
    return d1.T @ x, d21.T @ l1, d22.T @ l1
"""}),
    Written("proof_v_sum", points=2, questions=("6.1",)),
    Spec("test_second_moments", "second_moments", _gradients_inputs, _second_moments, ("v", "v_hat"), points=2,
         questions=("6.2",), references=("dlcourse.optim.Adam", "dlcourse.optim.bias_corrected"),
         wrong_answers={"bias_correction_forgotten": """\
def second_moments(g, beta2):
    v = np.zeros_like(g)
    prev = 0 * g[0]
    for i, gt in enumerate(g):
        prev = beta2 * prev + (1 - beta2) * gt**2
        v[i] = prev
    return v, v
"""}),
    Spec("test_adamax_step", "adamax_step", _adamax_inputs, _adamax_step, ("p", "m", "u"), points=2,
         questions=("6.4",),
         references=("dlcourse.optim.Adamax", "dlcourse.optim.bias_corrected", "dlcourse.tf.optim.Adamax"),
         wrong_answers={"adamax_rule_of_seed_002": """\
def adamax_step(p, g, m, u, t, lr):
    m = 0.9 * m + 0.1 * g
    u = np.maximum(0.999 * u, 0.001 * np.abs(g))
    return p - lr / (1 - 0.9**t) * m / (u + 1e-7), m, u
"""}),
    Spec("test_momentum_step", "momentum_step", _momentum_inputs, _momentum_step, ("p", "v"), points=2,
         questions=("6.6",), references=("dlcourse.optim.SGD", "dlcourse.tf.optim.SGD"),
         wrong_answers={"momentum_pytorch_style": """\
def momentum_step(p, g, v, lr, momentum, nesterov):
    v = momentum * v + g
    return p - lr * v, v
"""}),
    Spec("test_rmsprop_step", "rmsprop_step", _rmsprop_inputs, _rmsprop_step, ("p", "v"), points=1,
         references=("dlcourse.optim.RMSprop", "dlcourse.tf.optim.RMSprop")),
    Spec("test_lipschitz_bound", "lipschitz_bound", _weights_inputs, _lipschitz_bound, ("bound",), points=2,
         questions=("8.2",), rtol=1e-5, references=("dlcourse.lipschitz.product_bound",),
         wrong_answers={"sigmoid_constant_one": """\
def lipschitz_bound(W1, W2, W3):
    return np.prod([np.linalg.norm(W, 2) for W in (W1, W2, W3)])
"""}),
    Spec("test_mlp_param_count", "mlp_param_count", _sizes_inputs, _mlp_param_count, ("count",), points=1,
         questions=("10.3",), atol=0.0, rtol=0.0, random_cases=3,
         edge_cases={"syllabus 10: input 20, five hidden layers of 10, one output": _syllabus_network},
         references=("dlcourse.models.mlp_param_count",),
         wrong_answers={"parameters_without_biases": """\
def mlp_param_count(sizes):
    return int(sum(a * b for a, b in zip(sizes[:-1], sizes[1:])))
"""}),
    Spec("test_sigmoid_unit_step", "sigmoid_unit_step", _sigmoid_unit_inputs, _sigmoid_unit_step,
         ("dw", "db", "w_new", "b_new"), points=2, questions=("10.5",), random_cases=3,
         edge_cases={"a large weight (the sigmoid saturates)": _saturated_unit},
         references=("dlcourse.neuron.sigmoid_unit", "dlcourse.neuron.sigmoid_unit_step"),
         wrong_answers={"sigmoid_unit_without_decay": """\
def sigmoid_unit_step(w, b, x, t, lam, lr):
    y = 1 / (1 + np.exp(-(w * x + b)))
    d = (y - t) * y * (1 - y)
    return d * x, d, w - lr * d * x, b - lr * d
"""}),
    Spec("test_train_mlp", "train_mlp", _train_mlp_inputs, _train_mlp, ("losses", "W1", "b1", "W2", "b2"),
         points=3, questions=("12.1",), references=("dlcourse.train.fit", "dlcourse.train.train_step"),
         wrong_answers={"gradient_summed_not_averaged": """\
def train_mlp(X, y, W1, b1, W2, b2, lr, epochs):
    y = np.asarray(y, dtype=int)
    n = len(X)
    losses = []
    for _ in range(int(epochs)):
        hp = X @ W1 + b1
        h = np.maximum(hp, 0)
        s = h @ W2 + b2
        s = s - s.max(1, keepdims=True)
        lp = s - np.log(np.exp(s).sum(1, keepdims=True))
        losses.append(-lp[np.arange(n), y].mean())
        ds = np.exp(lp)
        ds[np.arange(n), y] -= 1
        dh = ds @ W2.T * (hp > 0)
        W1 = W1 - lr * X.T @ dh
        b1 = b1 - lr * dh.sum(0)
        W2 = W2 - lr * h.T @ ds
        b2 = b2 - lr * ds.sum(0)
    return np.array(losses), W1, b1, W2, b2
"""}),
]
