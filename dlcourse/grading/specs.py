"""What the autograder tests: for each nbgrader test cell (by grade id), the student
function it calls, how its seeded inputs are made, and the reference from ``dlcourse``.

This file is the instructor's copy of the tests; the grader never takes tests from a
submission. Inputs come from a seed, so a student can rerun a failing case exactly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from dlcourse import layers, linesearch, lipschitz, losses, matcalc, models, neuron, newton, optim, quadratic, \
    regularizers, train, twobranch

Inputs = dict[str, np.ndarray]


@dataclass(frozen=True)
class Spec:
    grade_id: str
    function: str
    make_inputs: Callable[[np.random.Generator, int], Inputs]  # (rng, case index) -> named arguments
    reference: Callable[..., tuple]
    outputs: tuple[str, ...]
    visible_seeds: tuple[int, ...] = (0,)
    hidden_seeds: tuple[int, ...] = (101, 202, 303, 404)
    rtol: float = 1e-6
    atol: float = 1e-8
    check: Callable[[Inputs, dict[str, np.ndarray]], list[str]] | None = field(default=None)
    call_args: tuple[str, ...] | None = None  # which inputs the student function takes (default: all)

    def inputs(self, seed: int) -> Inputs:
        return self.make_inputs(np.random.default_rng(seed), seed)

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


def _polynomial_near_root(r: np.random.Generator, c: int) -> Inputs:
    roots = np.sort(r.uniform(-3, 3, 2 + c % 3))
    roots += np.arange(len(roots))  # at least one apart: simple roots
    j = int(r.integers(len(roots)))
    return {"coeffs": np.poly(roots), "x0": np.array(roots[j] + r.uniform(-0.2, 0.2)), "n_steps": np.array(6)}


# hw3: backpropagation, adaptive optimisers, Lipschitz bounds, training
def _two_branch_inputs(r: np.random.Generator, c: int) -> Inputs:
    if c == 101:  # the worked example of the syllabus
        return {k: v.copy() for k, v in twobranch.EXAMPLE.items()}
    n = _shape(r, c)
    return {"x": r.standard_normal((n, 4)), "y": r.integers(0, 3, n), "W1": r.standard_normal((2, 4)),
            "W21": r.standard_normal((3, 2)), "W22": r.standard_normal((3, 2))}


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


def _train_mlp_inputs(r: np.random.Generator, c: int) -> Inputs:
    n, d, h, k = 40, 4, 8, 3
    X = r.standard_normal((n, d))
    return {"X": X, "y": (X @ r.standard_normal((d, k))).argmax(1),
            "W1": 0.5 * r.standard_normal((d, h)), "b1": np.zeros(h), "W2": 0.5 * r.standard_normal((h, k)),
            "b2": np.zeros(k), "lr": np.array((0.5, 0.05, 0.2)[c % 3]), "epochs": np.array(25)}


def _train_mlp(X, y, W1, b1, W2, b2, lr, epochs):
    model = models.mlp([W1.shape[0], W1.shape[1], W2.shape[1]], "relu")
    model.load_parameters({"0.w": W1, "0.b": b1, "2.w": W2, "2.b": b2})
    hist = train.fit(model, X, y.astype(int), optim.SGD(float(lr)), epochs=int(epochs), batch_size=len(X),
                     seed=None, progress=False)
    p = model.parameters()
    return np.array(hist.loss), p["0.w"], p["0.b"], p["2.w"], p["2.b"]


def _mlp_sizes(r: np.random.Generator, c: int) -> Inputs:
    if c == 101:  # syllabus 10: input 20, five hidden layers of 10, one output
        return {"sizes": np.array([20, 10, 10, 10, 10, 10, 1])}
    return {"sizes": r.integers(1, 50, 2 + c % 5)}


_FIRST_ZERO = np.arange(4) > 0  # an entry whose gradient and moments are all zero: the step must be 0, not NaN


def _spd(rng: np.random.Generator, n: int, cond: float) -> np.ndarray:
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (Q * np.geomspace(1, cond, n)) @ Q.T


def _shape(rng: np.random.Generator, case: int, small=(1, 2, 3, 7)) -> int:
    return small[case % len(small)]


def _relu_max_check(inputs: Inputs, out: dict[str, np.ndarray]) -> list[str]:
    """The returned weights must make ReLU(x W1^T) w2 equal max(x1, x2) on the test points."""
    W1, w2 = out["W1"], out["w2"]
    if W1.ndim != 2 or W1.shape[1] != 2 or w2.shape != (W1.shape[0],):
        return [f"W1 must be (hidden, 2) and w2 (hidden,), got {W1.shape} and {w2.shape}"]
    x = inputs["x"]
    got = np.maximum(x @ W1.T, 0) @ w2
    bad = ~np.isclose(got, x.max(1), atol=1e-8)
    if bad.any():
        i = int(np.argmax(bad))
        return [f"the network differs from max(x1, x2) at {int(bad.sum())} of {len(x)} points, "
                f"e.g. x = {x[i].round(3).tolist()} (off by {abs(got[i] - x[i].max()):.3g})"]
    return []


SPECS: dict[str, Spec] = {s.grade_id: s for s in [
    Spec("test_affine_backward", "affine_backward",
         lambda r, c: {"dout": r.standard_normal((_shape(r, c), 4)), "x": r.standard_normal((_shape(r, c), 3)),
                       "w": r.standard_normal((3, 4))},
         _affine_backward, ("dx", "dw", "db")),
    Spec("test_softmax_cross_entropy", "softmax_cross_entropy",
         lambda r, c: {"z": (1 + 500 * (c == 303)) * r.standard_normal((5, 4)), "y": r.integers(0, 4, 5)},
         _softmax_ce, ("loss", "dz")),
    Spec("test_batchnorm_backward", "batchnorm_backward",
         lambda r, c: {"dout": r.standard_normal((8, 3)), "x": 3 * r.standard_normal((8, 3)) + 1,
                       "gamma": r.standard_normal(3)},
         _batchnorm_backward, ("dx", "dgamma", "dbeta")),
    Spec("test_adam_step", "adam_step",
         lambda r, c: {"p": r.standard_normal(4), "g": r.standard_normal(4), "m": 0.1 * r.standard_normal(4),
                       "v": r.random(4), "t": np.array(1 + c % 5), "lr": np.array(0.01)},
         _adam_step, ("p", "m", "v")),
    Spec("test_line_search_bound", "line_search_bound",
         lambda r, c: {"Q": _spd(r, 3, 10 ** r.uniform(0, 3)), "x": r.standard_normal(3),
                       "t0": np.array(10 ** r.uniform(-1, 2)), "beta": np.array(r.uniform(0.2, 0.9))},
         _line_search_bound, ("bound",), atol=0.0, rtol=0.0),
    Spec("test_backtracking", "backtracking",
         lambda r, c: {"Q": _spd(r, 3, 10 ** r.uniform(0, 3)), "c": r.standard_normal(3), "x": r.standard_normal(3),
                       "t0": np.array(10 ** r.uniform(-1, 2)), "alpha": np.array(r.uniform(0.1, 0.45)),
                       "beta": np.array(r.uniform(0.3, 0.9))},
         _backtracking, ("t", "iterations")),
    Spec("test_optimal_step", "optimal_step",
         lambda r, c: {"g": r.standard_normal(4), "H": _spd(r, 4, 100.0)}, _optimal_step, ("eps",)),
    Spec("test_spectral_norm", "spectral_norm",
         lambda r, c: {"W": r.standard_normal((3 + c % 4, 5))}, _spectral_norm, ("sigma",), rtol=1e-5),
    Spec("test_multiclass_hinge", "multiclass_hinge",
         lambda r, c: {"s": r.standard_normal((6, 4)), "y": r.integers(0, 4, 6)}, _hinge, ("loss", "ds")),
    Spec("test_relu_max", "relu_max_weights",
         lambda r, c: {"x": 10 * r.standard_normal((200, 2))}, lambda x: (), ("W1", "w2"), check=_relu_max_check,
         call_args=()),
    # hw2
    Spec("test_grad_quadratic_form", "grad_quadratic_form",
         lambda r, c: {"A": r.standard_normal((2 + c % 4,) * 2), "x": r.standard_normal(2 + c % 4)},  # 1x1 is symmetric
         _grad_quadratic_form, ("dx", "dA")),
    Spec("test_grad_trace_form", "grad_trace_form",
         lambda r, c: {"A": r.standard_normal((3, 3)), "X": r.standard_normal((3, _shape(r, c)))},
         lambda A, X: (matcalc.d_trace_XtAX_dX(A, X),), ("dX",)),
    Spec("test_chain_matvec", "chain_matvec",
         lambda r, c: {"A": r.standard_normal((_shape(r, c), 3)), "dx_dz": r.standard_normal((3, 2))},
         lambda A, dx_dz: (matcalc.d_chain_matvec(A, dx_dz),), ("dy_dz",)),
    Spec("test_grad_bilinear", "grad_bilinear",
         lambda r, c: {"A": r.standard_normal((_shape(r, c), 3)), "x": r.standard_normal(3),
                       "y": r.standard_normal(_shape(r, c))},
         matcalc.d_bilinear, ("dalpha_dx", "dalpha_dy")),
    Spec("test_grad_inner_chain", "grad_inner_chain",
         lambda r, c: {"x": r.standard_normal(3), "y": r.standard_normal(3),
                       "dx_dz": r.standard_normal((3, _shape(r, c))), "dy_dz": r.standard_normal((3, _shape(r, c)))},
         lambda x, y, dx_dz, dy_dz: (matcalc.d_inner_chain(x, y, dx_dz, dy_dz),), ("dalpha_dz",)),
    Spec("test_inverse_derivative", "inverse_derivative",
         lambda r, c: {"A": r.standard_normal((_shape(r, c),) * 2) + 3 * np.eye(_shape(r, c)),
                       "dA": r.standard_normal((_shape(r, c),) * 2)},
         lambda A, dA: (matcalc.d_inverse(A, dA),), ("dAinv",)),
    Spec("test_symmetric_penalty", "symmetric_penalty",
         lambda r, c: {"w": r.standard_normal(2) * (c != 202) + 1.5 * (c == 202), "lam": np.array(r.uniform(0.1, 2))},
         _symmetric_penalty, ("R", "dR")),
    Spec("test_newton_iterates", "newton_iterates", _polynomial_near_root, _newton_iterates, ("xs",)),
    # hw3
    Spec("test_two_branch_backward", "two_branch_backward", _two_branch_inputs, _two_branch_backward,
         ("dW1", "dW21", "dW22")),
    Spec("test_adamax_step", "adamax_step",
         lambda r, c: {"p": r.standard_normal(4), "g": r.standard_normal(4) * _FIRST_ZERO,
                       "m": 0.1 * r.standard_normal(4) * _FIRST_ZERO, "u": 0.1 * r.random(4) * _FIRST_ZERO,
                       "t": np.array(1 + c % 5), "lr": np.array(0.01)},
         lambda p, g, m, u, t, lr: _one_step(optim.Adamax(float(lr), 0.9, 0.999, 1e-7), p, g, (m, u), t),
         ("p", "m", "u")),
    Spec("test_second_moments", "second_moments",
         lambda r, c: {"g": r.standard_normal((5 + c % 40, 3)), "beta2": np.array((0.9, 0.99, 0.999)[c % 3])},
         _second_moments, ("v", "v_hat")),
    Spec("test_momentum_step", "momentum_step",
         lambda r, c: {"p": r.standard_normal(4), "g": r.standard_normal(4), "v": 0.1 * r.standard_normal(4),
                       "lr": np.array(0.05), "momentum": np.array(0.9), "nesterov": np.array(c % 2 == 1)},
         lambda p, g, v, lr, momentum, nesterov: _one_step(
             optim.SGD(float(lr), float(momentum), bool(nesterov)), p, g, (v,)),
         ("p", "v")),
    Spec("test_rmsprop_step", "rmsprop_step",
         lambda r, c: {"p": r.standard_normal(4), "g": r.standard_normal(4), "v": r.random(4), "lr": np.array(0.01)},
         lambda p, g, v, lr: _one_step(optim.RMSprop(float(lr), 0.9, 1e-7), p, g, (v,)), ("p", "v")),
    Spec("test_lipschitz_bound", "lipschitz_bound",
         lambda r, c: {"W1": r.standard_normal((5, 3)), "W2": r.standard_normal((_shape(r, c), 5)),
                       "W3": r.standard_normal((2, _shape(r, c)))},
         lambda W1, W2, W3: (lipschitz.product_bound([W1, W2, W3], ["tanh", "sigmoid", "linear"]),), ("bound",),
         rtol=1e-5),
    Spec("test_mlp_param_count", "mlp_param_count", _mlp_sizes,
         lambda sizes: (models.mlp_param_count([int(s) for s in sizes]),), ("count",), atol=0.0, rtol=0.0),
    Spec("test_sigmoid_unit_step", "sigmoid_unit_step",
         lambda r, c: {"w": np.array(r.normal(0, 1 + 9 * (c == 303))), "b": np.array(r.normal()),
                       "x": np.array(r.normal()), "t": np.array(float(r.integers(0, 2))),
                       "lam": np.array(r.uniform(0, 0.5)), "lr": np.array(0.1)},
         lambda w, b, x, t, lam, lr: (*neuron.sigmoid_unit(*map(float, (w, b, x, t, lam)))[1:],
                                      *neuron.sigmoid_unit_step(*map(float, (w, b, x, t, lam, lr)))),
         ("dw", "db", "w_new", "b_new")),
    Spec("test_train_mlp", "train_mlp", _train_mlp_inputs, _train_mlp, ("losses", "W1", "b1", "W2", "b2")),
]}
