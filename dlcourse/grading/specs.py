"""What the autograder tests: for each nbgrader test cell (by grade id), the student
function it calls, how its inputs are made, and the reference from ``dlcourse``.

This is the instructor's copy of the tests; the grader never takes tests from a submission,
and no student receives this file. Every case is made from a seed by ``make_inputs(rng, k)``
(k: the case's number, which varies shapes), or by a named edge case:

- the visible cases use the public ``visible_seeds``; their inputs and expected outputs ship
  to students in the assignment's kit (``dlcourse.grading.kit``);
- the hidden cases are the edge cases plus ``random_cases`` random ones, each seeded from the
  course secret, the student and the case (``dlcourse.grading.cases``), so they differ per
  student, and only the instructor can make them again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from dlcourse import layers, linesearch, lipschitz, losses, matcalc, models, neuron, newton, optim, quadratic, \
    regularizers, train, twobranch

Inputs = dict[str, np.ndarray]
MakeInputs = Callable[[np.random.Generator, int], Inputs]
EdgeCase = Callable[[np.random.Generator], Inputs]


@dataclass(frozen=True)
class Spec:
    grade_id: str
    function: str
    make_inputs: MakeInputs  # (rng, case number) -> named arguments
    reference: Callable[..., tuple]
    outputs: tuple[str, ...]
    visible_seeds: tuple[int, ...] = (0,)
    edge_cases: dict[str, EdgeCase] = field(default_factory=dict)  # name -> inputs, hidden cases graded every time
    random_cases: int = 4  # hidden cases from secret seeds
    rtol: float = 1e-6
    atol: float = 1e-8
    property: str | None = None  # a check of checker.PROPERTIES instead of comparing with the reference
    call_args: tuple[str, ...] | None = None  # which inputs the student function takes (default: all)
    references: tuple[str, ...] = ()  # the library's functions and classes that answer this exercise

    def arguments(self, inputs: Inputs) -> Inputs:
        return inputs if self.call_args is None else {k: inputs[k] for k in self.call_args}


# ---------------------------------------------------------------- references with plain signatures
def _affine_backward(dout, x, w):
    dx, g = layers.affine_backward(dout, (x, w))
    return dx, g["w"], g["b"]


def _softmax_ce(z, y):
    return losses.softmax_cross_entropy(z, y.astype(int))


def _batchnorm_backward(dout, x, gamma):
    _, cache = layers.batchnorm_forward(x, gamma, np.zeros_like(gamma), {"mean": 0 * gamma, "var": 0 * gamma + 1},
                                        training=True, eps=1e-5)
    dx, g = layers.batchnorm_backward(dout, cache)
    return dx, g["gamma"], g["beta"]


def _one_step(rule: optim.UpdateRule, p, g, slots, t=1):
    """One step of ``rule`` from the given slots, as step number t."""
    new, state = rule.step({"p": p}, {"p": g}, optim.OptState(int(t) - 1, {"p": tuple(slots)}))
    return (new["p"], *state.slots["p"])


def _adam_step(p, g, m, v, t, lr):
    """One step of the paper's Adam (Algorithm 1), epsilon 1e-8, betas 0.9 and 0.999."""
    return _one_step(optim.Adam(float(lr), 0.9, 0.999, 1e-8), p, g, (m, v), t)


def _line_search_bound(Q, x, t0, beta):
    g = Q @ x
    return (np.array(linesearch.iteration_bound(g, -g, float(np.linalg.eigvalsh(Q).max()), float(t0), float(beta))),)


def _backtracking(Q, c, x, t0, alpha, beta):
    g = Q @ x + c
    found = linesearch.backtracking(lambda z: 0.5 * z @ Q @ z + c @ z, g, x, -g, float(alpha), float(beta), float(t0))
    return np.array(found.t), np.array(found.iterations)


def _optimal_step(g, H):
    return (np.array(quadratic.optimal_step(g, H)),)


def _spectral_norm(W):
    return (np.array(np.linalg.norm(W, 2)),)


def _hinge(s, y):
    return losses.multiclass_hinge(s, y.astype(int))


# hw2: matrix calculus and Newton's method
def _grad_quadratic_form(A, x):
    return matcalc.d_quadratic_dx(A, x), matcalc.d_quadratic_dA(x)


def _symmetric_penalty(w, lam):
    return regularizers.quadratic_form(w, regularizers.SYMMETRY_S, float(lam))


def _newton_iterates(coeffs, x0, n_steps):
    """Every iterate, converged or not: a negative tolerance never stops early."""
    dcoeffs = np.polyder(coeffs)
    xs = newton.newton_root(lambda x: np.polyval(coeffs, x), lambda x: np.polyval(dcoeffs, x), float(x0),
                            tol=-1.0, max_iter=int(n_steps))
    return (np.array(xs),)


def _polynomial_near_root(r: np.random.Generator, k: int) -> Inputs:
    roots = np.sort(r.uniform(-3, 3, 2 + k % 3))
    roots += np.arange(len(roots))  # at least one apart: simple roots
    j = int(r.integers(len(roots)))
    return {"coeffs": np.poly(roots), "x0": np.array(roots[j] + r.uniform(-0.2, 0.2)), "n_steps": np.array(6)}


# hw3: backpropagation, adaptive optimisers, Lipschitz bounds, training
def _two_branch_inputs(r: np.random.Generator, k: int) -> Inputs:
    n = _shape(r, k)
    while True:  # each branch must win somewhere, or routing the gradient to both could go unseen
        inputs = {"x": r.standard_normal((n, 4)), "y": r.integers(0, 3, n), "W1": r.standard_normal((2, 4)),
                  "W21": r.standard_normal((3, 2)), "W22": r.standard_normal((3, 2))}
        values, _ = twobranch.forward(inputs["x"], inputs["y"], inputs["W1"], inputs["W21"], inputs["W22"])
        if (values["l21"] > values["l22"]).any() and (values["l22"] > values["l21"]).any():
            return inputs


def _two_branch_backward(x, y, W1, W21, W22):
    _, cache = twobranch.forward(x, y.astype(int), W1, W21, W22)
    g = twobranch.backward(cache)
    return g["W1"], g["W21"], g["W22"]


def _second_moments(g, beta2):
    """Adam's v_t for every t (from the rule itself), and v_t / (1 - beta2^t)."""
    rule, b2 = optim.Adam(0.0, 0.9, float(beta2)), float(beta2)
    state, vs = rule.init({"p": g[0]}), []
    for gt in g:
        _, state = rule.step({"p": gt}, {"p": gt}, state)
        vs.append(state.slots["p"][1])
    v = np.array(vs)
    return v, np.array([optim.bias_corrected(vt, b2, t) for t, vt in enumerate(v, start=1)])


def _train_mlp_inputs(r: np.random.Generator, k: int) -> Inputs:
    n, d, h, k = 40, 4, 8, 3
    X = r.standard_normal((n, d))
    return {"X": X, "y": (X @ r.standard_normal((d, k))).argmax(1),
            "W1": 0.5 * r.standard_normal((d, h)), "b1": np.zeros(h), "W2": 0.5 * r.standard_normal((h, k)),
            "b2": np.zeros(k), "lr": np.array((0.5, 0.05, 0.2)[k % 3]), "epochs": np.array(25)}


def _train_mlp(X, y, W1, b1, W2, b2, lr, epochs):
    model = models.mlp([W1.shape[0], W1.shape[1], W2.shape[1]], "relu")
    model.load_parameters({"0.w": W1, "0.b": b1, "2.w": W2, "2.b": b2})
    hist = train.fit(model, X, y.astype(int), optim.SGD(float(lr)), epochs=int(epochs), batch_size=len(X),
                     seed=None, progress=False)
    p = model.parameters()
    return np.array(hist.loss), p["0.w"], p["0.b"], p["2.w"], p["2.b"]


def _mlp_sizes(r: np.random.Generator, k: int) -> Inputs:
    return {"sizes": r.integers(1, 50, 2 + k % 5)}


def _sigmoid_unit_inputs(r: np.random.Generator, k: int, w_scale: float = 1.0) -> Inputs:
    return {"w": np.array(r.normal(0, w_scale)), "b": np.array(r.normal()), "x": np.array(r.normal()),
            "t": np.array(float(r.integers(0, 2))), "lam": np.array(r.uniform(0, 0.5)), "lr": np.array(0.1)}


_FIRST_ZERO = np.arange(4) > 0  # an entry whose gradient and moments are all zero: the step must be 0, not NaN


def _spd(rng: np.random.Generator, n: int, cond: float) -> np.ndarray:
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (Q * np.geomspace(1, cond, n)) @ Q.T


def _shape(rng: np.random.Generator, case: int, small=(1, 2, 3, 7)) -> int:
    return small[case % len(small)]


SPECS: dict[str, Spec] = {s.grade_id: s for s in [
    Spec("test_affine_backward", "affine_backward",
         lambda r, k: {"dout": r.standard_normal((_shape(r, k), 4)), "x": r.standard_normal((_shape(r, k), 3)),
                       "w": r.standard_normal((3, 4))},
         _affine_backward, ("dx", "dw", "db"),
         references=("dlcourse.layers.affine_backward",)),
    Spec("test_softmax_cross_entropy", "softmax_cross_entropy",
         lambda r, k: {"z": r.standard_normal((5, 4)), "y": r.integers(0, 4, 5)},
         _softmax_ce, ("loss", "dz"), random_cases=3,
         edge_cases={"large logits (a naive exp overflows)": lambda r: {"z": 500 * r.standard_normal((5, 4)),
                                                                        "y": r.integers(0, 4, 5)}},
         references=("dlcourse.losses.softmax_cross_entropy", "dlcourse.losses.log_softmax")),
    Spec("test_batchnorm_backward", "batchnorm_backward",
         lambda r, k: {"dout": r.standard_normal((8, 3)), "x": 3 * r.standard_normal((8, 3)) + 1,
                       "gamma": r.standard_normal(3)},
         _batchnorm_backward, ("dx", "dgamma", "dbeta"),
         references=("dlcourse.layers.batchnorm_backward",)),
    Spec("test_adam_step", "adam_step",
         lambda r, k: {"p": r.standard_normal(4), "g": r.standard_normal(4), "m": 0.1 * r.standard_normal(4),
                       "v": r.random(4), "t": np.array(1 + k % 5), "lr": np.array(0.01)},
         _adam_step, ("p", "m", "v"),
         references=("dlcourse.optim.Adam", "dlcourse.optim.bias_corrected", "dlcourse.tf.optimizers.Adam")),
    Spec("test_line_search_bound", "line_search_bound",
         lambda r, k: {"Q": _spd(r, 3, 10 ** r.uniform(0, 3)), "x": r.standard_normal(3),
                       "t0": np.array(10 ** r.uniform(-1, 2)), "beta": np.array(r.uniform(0.2, 0.9))},
         _line_search_bound, ("bound",), atol=0.0, rtol=0.0,
         references=("dlcourse.linesearch.iteration_bound", "dlcourse.linesearch.accepted_step_bound")),
    Spec("test_backtracking", "backtracking",
         lambda r, k: {"Q": _spd(r, 3, 10 ** r.uniform(0, 3)), "c": r.standard_normal(3), "x": r.standard_normal(3),
                       "t0": np.array(10 ** r.uniform(-1, 2)), "alpha": np.array(r.uniform(0.1, 0.45)),
                       "beta": np.array(r.uniform(0.3, 0.9))},
         _backtracking, ("t", "iterations"),
         references=("dlcourse.linesearch.backtracking",)),
    Spec("test_optimal_step", "optimal_step",
         lambda r, k: {"g": r.standard_normal(4), "H": _spd(r, 4, 100.0)}, _optimal_step, ("eps",),
         references=("dlcourse.quadratic.optimal_step",)),
    Spec("test_spectral_norm", "spectral_norm",
         lambda r, k: {"W": r.standard_normal((3 + k % 4, 5))}, _spectral_norm, ("sigma",), rtol=1e-5,
         references=("dlcourse.lipschitz.spectral_norm", "dlcourse.tf.regularizers.SpectralNorm")),
    Spec("test_multiclass_hinge", "multiclass_hinge",
         lambda r, k: {"s": r.standard_normal((6, 4)), "y": r.integers(0, 4, 6)}, _hinge, ("loss", "ds"),
         references=("dlcourse.losses.multiclass_hinge",)),
    Spec("test_relu_max", "relu_max_weights",
         lambda r, k: {"x": 10 * r.standard_normal((200, 2))}, lambda x: (), ("W1", "w2"),
         property="relu_network_equals_max", call_args=()),
    # hw2
    Spec("test_grad_quadratic_form", "grad_quadratic_form",
         lambda r, k: {"A": r.standard_normal((2 + k % 4,) * 2), "x": r.standard_normal(2 + k % 4)},  # 1x1 is symmetric
         _grad_quadratic_form, ("dx", "dA"),
         references=("dlcourse.matcalc.d_quadratic_dx", "dlcourse.matcalc.d_quadratic_dA")),
    Spec("test_grad_trace_form", "grad_trace_form",
         lambda r, k: {"A": r.standard_normal((3, 3)), "X": r.standard_normal((3, _shape(r, k)))},
         lambda A, X: (matcalc.d_trace_XtAX_dX(A, X),), ("dX",),
         references=("dlcourse.matcalc.d_trace_XtAX_dX",)),
    Spec("test_chain_matvec", "chain_matvec",
         lambda r, k: {"A": r.standard_normal((_shape(r, k), 3)), "dx_dz": r.standard_normal((3, 2))},
         lambda A, dx_dz: (matcalc.d_chain_matvec(A, dx_dz),), ("dy_dz",),
         references=("dlcourse.matcalc.d_chain_matvec",)),
    Spec("test_grad_bilinear", "grad_bilinear",
         lambda r, k: {"A": r.standard_normal((_shape(r, k), 3)), "x": r.standard_normal(3),
                       "y": r.standard_normal(_shape(r, k))},
         matcalc.d_bilinear, ("dalpha_dx", "dalpha_dy"),
         references=("dlcourse.matcalc.d_bilinear",)),
    Spec("test_grad_inner_chain", "grad_inner_chain",
         lambda r, k: {"x": r.standard_normal(3), "y": r.standard_normal(3),
                       "dx_dz": r.standard_normal((3, _shape(r, k))), "dy_dz": r.standard_normal((3, _shape(r, k)))},
         lambda x, y, dx_dz, dy_dz: (matcalc.d_inner_chain(x, y, dx_dz, dy_dz),), ("dalpha_dz",),
         references=("dlcourse.matcalc.d_inner_chain",)),
    Spec("test_inverse_derivative", "inverse_derivative",
         lambda r, k: {"A": r.standard_normal((_shape(r, k),) * 2) + 3 * np.eye(_shape(r, k)),
                       "dA": r.standard_normal((_shape(r, k),) * 2)},
         lambda A, dA: (matcalc.d_inverse(A, dA),), ("dAinv",),
         references=("dlcourse.matcalc.d_inverse",)),
    Spec("test_symmetric_penalty", "symmetric_penalty",
         lambda r, k: {"w": r.standard_normal(2), "lam": np.array(r.uniform(0.1, 2))},
         _symmetric_penalty, ("R", "dR"), random_cases=3,
         edge_cases={"equal weights (the penalty is zero)": lambda r: {"w": np.array([1.5, 1.5]),
                                                                       "lam": np.array(r.uniform(0.1, 2))}},
         references=("dlcourse.regularizers.quadratic_form", "dlcourse.tf.regularizers.QuadraticForm")),
    Spec("test_newton_iterates", "newton_iterates", _polynomial_near_root, _newton_iterates, ("xs",),
         references=("dlcourse.newton.newton_root", "dlcourse.newton.newton_minimize")),
    # hw3
    Spec("test_two_branch_backward", "two_branch_backward", _two_branch_inputs, _two_branch_backward,
         ("dW1", "dW21", "dW22"), random_cases=3,
         edge_cases={"the worked example of the syllabus":
                     lambda r: {k: v.copy() for k, v in twobranch.EXAMPLE.items()}},
         references=("dlcourse.twobranch.forward", "dlcourse.twobranch.backward",
                     "dlcourse.tf.twobranch.gradients")),
    Spec("test_adamax_step", "adamax_step",
         lambda r, k: {"p": r.standard_normal(4), "g": r.standard_normal(4) * _FIRST_ZERO,
                       "m": 0.1 * r.standard_normal(4) * _FIRST_ZERO, "u": 0.1 * r.random(4) * _FIRST_ZERO,
                       "t": np.array(1 + k % 5), "lr": np.array(0.01)},
         lambda p, g, m, u, t, lr: _one_step(optim.Adamax(float(lr), 0.9, 0.999, 1e-7), p, g, (m, u), t),
         ("p", "m", "u"),
         references=("dlcourse.optim.Adamax", "dlcourse.optim.bias_corrected", "dlcourse.tf.optimizers.Adamax")),
    Spec("test_second_moments", "second_moments",
         lambda r, k: {"g": r.standard_normal((5 + k % 40, 3)), "beta2": np.array((0.9, 0.99, 0.999)[k % 3])},
         _second_moments, ("v", "v_hat"),
         references=("dlcourse.optim.Adam", "dlcourse.optim.bias_corrected")),
    Spec("test_momentum_step", "momentum_step",
         lambda r, k: {"p": r.standard_normal(4), "g": r.standard_normal(4), "v": 0.1 * r.standard_normal(4),
                       "lr": np.array(0.05), "momentum": np.array(0.9), "nesterov": np.array(k % 2 == 1)},
         lambda p, g, v, lr, momentum, nesterov: _one_step(
             optim.SGD(float(lr), float(momentum), bool(nesterov)), p, g, (v,)),
         ("p", "v"),
         references=("dlcourse.optim.SGD", "dlcourse.tf.optimizers.SGD")),
    Spec("test_rmsprop_step", "rmsprop_step",
         lambda r, k: {"p": r.standard_normal(4), "g": r.standard_normal(4), "v": r.random(4), "lr": np.array(0.01)},
         lambda p, g, v, lr: _one_step(optim.RMSprop(float(lr), 0.9, 1e-7), p, g, (v,)), ("p", "v"),
         references=("dlcourse.optim.RMSprop", "dlcourse.tf.optimizers.RMSprop")),
    Spec("test_lipschitz_bound", "lipschitz_bound",
         lambda r, k: {"W1": r.standard_normal((5, 3)), "W2": r.standard_normal((_shape(r, k), 5)),
                       "W3": r.standard_normal((2, _shape(r, k)))},
         lambda W1, W2, W3: (lipschitz.product_bound([W1, W2, W3], ["tanh", "sigmoid", "linear"]),), ("bound",),
         rtol=1e-5,
         references=("dlcourse.lipschitz.product_bound",)),
    Spec("test_mlp_param_count", "mlp_param_count", _mlp_sizes,
         lambda sizes: (models.mlp_param_count([int(s) for s in sizes]),), ("count",), atol=0.0, rtol=0.0,
         random_cases=3,
         edge_cases={"syllabus 10: input 20, five hidden layers of 10, one output":
                     lambda r: {"sizes": np.array([20, 10, 10, 10, 10, 10, 1])}},
         references=("dlcourse.models.mlp_param_count",)),
    Spec("test_sigmoid_unit_step", "sigmoid_unit_step", _sigmoid_unit_inputs,
         lambda w, b, x, t, lam, lr: (*neuron.sigmoid_unit(*map(float, (w, b, x, t, lam)))[1:],
                                      *neuron.sigmoid_unit_step(*map(float, (w, b, x, t, lam, lr)))),
         ("dw", "db", "w_new", "b_new"), random_cases=3,
         edge_cases={"a large weight (the sigmoid saturates)": lambda r: _sigmoid_unit_inputs(r, 0, w_scale=10.0)},
         references=("dlcourse.neuron.sigmoid_unit", "dlcourse.neuron.sigmoid_unit_step")),
    Spec("test_train_mlp", "train_mlp", _train_mlp_inputs, _train_mlp, ("losses", "W1", "b1", "W2", "b2"),
         references=("dlcourse.train.fit", "dlcourse.train.train_step")),
]}
