"""What the autograder tests: for each nbgrader test cell (by grade id), the student
function it calls, how its seeded inputs are made, and the reference from ``dlcourse``.

This file is the instructor's copy of the tests; the grader never takes tests from a
submission. Inputs come from a seed, so a student can rerun a failing case exactly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from dlcourse import layers, linesearch, losses, optim, quadratic

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


def _adam_step(p, g, m, v, t, lr):
    """One step of the paper's Adam (Algorithm 1), epsilon 1e-8, betas 0.9 and 0.999."""
    rule = optim.Adam(float(lr), 0.9, 0.999, 1e-8)
    new, state = rule.step({"p": p}, {"p": g}, optim.OptState(int(t) - 1, {"p": (m, v)}))
    return new["p"], state.slots["p"][0], state.slots["p"][1]


def _line_search_bound(Q, x, t0, beta):
    g = Q @ x
    return (np.array(linesearch.iteration_bound(g, -g, float(np.linalg.eigvalsh(Q).max()), float(t0), float(beta))),)


def _optimal_step(g, H):
    return (np.array(quadratic.optimal_step(g, H)),)


def _spectral_norm(W):
    return (np.array(np.linalg.norm(W, 2)),)


def _hinge(s, y):
    return losses.multiclass_hinge(s, y.astype(int))


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
    Spec("test_optimal_step", "optimal_step",
         lambda r, c: {"g": r.standard_normal(4), "H": _spd(r, 4, 100.0)}, _optimal_step, ("eps",)),
    Spec("test_spectral_norm", "spectral_norm",
         lambda r, c: {"W": r.standard_normal((3 + c % 4, 5))}, _spectral_norm, ("sigma",), rtol=1e-5),
    Spec("test_multiclass_hinge", "multiclass_hinge",
         lambda r, c: {"s": r.standard_normal((6, 4)), "y": r.integers(0, 4, 6)}, _hinge, ("loss", "ds")),
    Spec("test_relu_max", "relu_max_weights",
         lambda r, c: {"x": 10 * r.standard_normal((200, 2))}, lambda x: (), ("W1", "w2"), check=_relu_max_check,
         call_args=()),
]}
