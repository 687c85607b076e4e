"""Homework 1: backward passes of layers, step sizes, adaptive optimisers and the spectral norm
(autograder/source/hw1/hw1.ipynb)."""
from __future__ import annotations

import numpy as np

from dlcourse import layers, linesearch, losses, optim, quadratic
from dlcourse.grading.exercise import Inputs, Mistake, Spec, Written
from dlcourse.grading.exercises._draw import one_step, size, spd


def _affine_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n = size(k)
    return {"dout": rng.standard_normal((n, 4)), "x": rng.standard_normal((n, 3)), "w": rng.standard_normal((3, 4))}


def _affine_backward(dout, x, w):
    dx, grads = layers.affine_backward(dout, (x, w))
    return dx, grads["w"], grads["b"]


def _logits_inputs(rng: np.random.Generator, k: int, scale: float = 1.0) -> Inputs:
    return {"z": scale * rng.standard_normal((5, 4)), "y": rng.integers(0, 4, 5)}


def _softmax_cross_entropy(z, y):
    return losses.softmax_cross_entropy(z, y.astype(int))


def _batchnorm_forward_inputs(rng: np.random.Generator, k: int, n: int = 8) -> Inputs:
    return {"x": 3 * rng.standard_normal((n, 3)) + 1, "gamma": rng.standard_normal(3), "beta": rng.standard_normal(3),
            "running_mean": rng.standard_normal(3), "running_var": rng.uniform(0.5, 2, 3),
            "training": np.array(k % 2 == 0)}


def _batch_of_one(rng: np.random.Generator) -> Inputs:
    return _batchnorm_forward_inputs(rng, 0, n=1)


def _batchnorm_forward(x, gamma, beta, running_mean, running_var, training):
    """Keras's momentum 0.99; the epsilon of the backward pass's exercise, 1e-5."""
    running = {"mean": running_mean.copy(), "var": running_var.copy()}
    y, _ = layers.batchnorm_forward(x, gamma, beta, running, training=bool(training), momentum=0.99, eps=1e-5)
    return y, running["mean"], running["var"]


def _batchnorm_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"dout": rng.standard_normal((8, 3)), "x": 3 * rng.standard_normal((8, 3)) + 1,
            "gamma": rng.standard_normal(3)}


def _batchnorm_backward(dout, x, gamma):
    running = {"mean": np.zeros_like(gamma), "var": np.ones_like(gamma)}
    _, cache = layers.batchnorm_forward(x, gamma, np.zeros_like(gamma), running, training=True, eps=1e-5)
    dx, grads = layers.batchnorm_backward(dout, cache)
    return dx, grads["gamma"], grads["beta"]


def _conv_case(rng: np.random.Generator, n: int, h: int, w: int, kernel: tuple[int, int], channels: tuple[int, int],
               stride: int, pad: int) -> Inputs:
    """x (n, h, w, C_in) and w (KH, KW, C_in, C_out), random, hence asymmetric (a flipped kernel
    shows), and an upstream gradient shaped like the output."""
    (kh, kw), (c_in, c_out) = kernel, channels
    out_h, out_w = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
    return {"dout": rng.standard_normal((n, out_h, out_w, c_out)), "x": rng.standard_normal((n, h, w, c_in)),
            "w": rng.standard_normal((kh, kw, c_in, c_out)), "stride": np.array(stride), "pad": np.array(pad)}


def _conv_inputs(rng: np.random.Generator, k: int) -> Inputs:
    kh, kw = int(rng.integers(2, 4)), int(rng.integers(1, 4))  # never 1 x 1: a flipped kernel must show
    stride, pad = 1 + k % 3, k % 3
    h, w = (int(v) for v in rng.integers(max(kh, kw), 9, 2))
    return _conv_case(rng, 1 + k % 3, h, w, (kh, kw), (int(rng.integers(1, 4)), int(rng.integers(1, 5))), stride,
                      pad)


def _conv2d_backward(dout, x, w, stride, pad):
    _, cache = layers.conv2d_forward(x, w, np.zeros(w.shape[-1]), int(stride), int(pad))
    dx, grads = layers.conv2d_backward(dout, cache)
    return dx, grads["w"], grads["b"]


def _step_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"g": rng.standard_normal(4), "H": spd(rng, 4, 100.0)}


def _optimal_step(g, H):
    return (np.array(quadratic.optimal_step(g, H)),)


def _backtracking_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"Q": spd(rng, 3, 10 ** rng.uniform(0, 3)), "c": rng.standard_normal(3), "x": rng.standard_normal(3),
            "t0": np.array(10 ** rng.uniform(-1, 2)), "alpha": np.array(rng.uniform(0.1, 0.45)),
            "beta": np.array(rng.uniform(0.3, 0.9))}


def _backtracking(Q, c, x, t0, alpha, beta):
    g = Q @ x + c
    found = linesearch.backtracking(lambda z: 0.5 * z @ Q @ z + c @ z, g, x, -g, float(alpha), float(beta),
                                    float(t0))
    return np.array(found.t), np.array(found.iterations)


def _bound_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"Q": spd(rng, 3, 10 ** rng.uniform(0, 3)), "x": rng.standard_normal(3),
            "t0": np.array(10 ** rng.uniform(-1, 2)), "beta": np.array(rng.uniform(0.2, 0.9))}


def _line_search_bound(Q, x, t0, beta):
    g = Q @ x
    lipschitz = float(np.linalg.eigvalsh(Q).max())
    return (np.array(linesearch.iteration_bound(g, -g, lipschitz, float(t0), float(beta))),)


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


def _adam_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"p": rng.standard_normal(4), "g": rng.standard_normal(4), "m": 0.1 * rng.standard_normal(4),
            "v": rng.random(4), "t": np.array(1 + k % 5), "lr": np.array(0.01)}


def _adam_step(p, g, m, v, t, lr):
    """One step of the paper's Adam (Algorithm 1), epsilon 1e-8, betas 0.9 and 0.999."""
    return one_step(optim.Adam(float(lr), 0.9, 0.999, 1e-8), p, g, (m, v), t)


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


def _matrix_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"W": rng.standard_normal((3 + k % 4, 5))}


def _spectral_norm(W):
    return (np.array(np.linalg.norm(W, 2)),)


EXERCISES = [
    Spec("test_affine_backward", "affine_backward", _affine_inputs, _affine_backward, ("dx", "dw", "db"),
         points=2, references=("dlcourse.layers.affine_backward",),
         wrong_answers={"affine_db_wrong_axis": Mistake(
        "db sums the upstream gradient over the features, not over the batch",
        "sec-binary-classifier", 'chapter 2, section "A two-layer binary classifier (seed 002)"', """\
def affine_backward(dout, x, w):
    return dout @ w.T, x.T @ dout, dout.sum(axis=1)
""")}),
    Spec("test_softmax_cross_entropy", "softmax_cross_entropy", _logits_inputs, _softmax_cross_entropy,
         ("loss", "dz"), points=2, questions=("3.1",), random_cases=3,
         edge_cases={"large logits (a naive exp overflows)": lambda rng: _logits_inputs(rng, 0, scale=500.0)},
         references=("dlcourse.losses.softmax_cross_entropy", "dlcourse.losses.log_softmax"),
         wrong_answers={"softmax_gradient_without_batch_mean": Mistake(
        "the gradient leaves out the batch mean's 1/N, though the loss is the mean over the batch",
        "sec-maximum-likelihood", 'chapter 3, section "Why cross-entropy: maximum likelihood"', """\
def softmax_cross_entropy(z, y):
    y = np.asarray(y, dtype=int)
    rows = np.arange(len(y))
    s = z - z.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    dz = np.exp(logp)
    dz[rows, y] -= 1
    return -logp[rows, y].mean(), dz
""")}),
    Spec("test_batchnorm_forward", "batchnorm_forward", _batchnorm_forward_inputs, _batchnorm_forward,
         ("y", "running_mean", "running_var"), points=2, questions=("9.1", "9.3"),
         edge_cases={"a batch of one in training (every output is beta)": _batch_of_one},
         references=("dlcourse.layers.batchnorm_forward",),
         wrong_answers={"running_average_momentum_swapped": Mistake(
        "the running averages give the new batch the weight 0.99 and the old average 0.01, the other way round",
        "sec-bn-regulariser", 'chapter 9, section "Noise, regularisation, and inference (seed 003, Q1b)"', """\
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training):
    if training:
        mu, var = x.mean(axis=0), x.var(axis=0)
        running_mean = 0.01 * running_mean + 0.99 * mu
        running_var = 0.01 * running_var + 0.99 * var
    else:
        mu, var = running_mean, running_var
    return gamma * (x - mu) / np.sqrt(var + 1e-5) + beta, running_mean, running_var
""")}),
    Spec("test_batchnorm_backward", "batchnorm_backward", _batchnorm_inputs, _batchnorm_backward,
         ("dx", "dgamma", "dbeta"), points=3, questions=("9.2",),
         references=("dlcourse.layers.batchnorm_backward",),
         wrong_answers={"batchnorm_mean_only": Mistake(
        "the variance's path is left out: only the mean of the upstream gradient is subtracted",
        "eq-bn-backward", 'chapter 9, Eq. (2)', """\
def batchnorm_backward(dout, x, gamma):
    inv = 1 / np.sqrt(x.var(0) + 1e-5)
    xhat = (x - x.mean(0)) * inv
    return gamma * inv * (dout - dout.mean(0)), (dout * xhat).sum(0), dout.sum(0)
""")}),
    Written("answer_batchnorm_in_practice", points=3, questions=("9.1", "9.3")),
    Spec("test_conv2d_backward", "conv2d_backward", _conv_inputs, _conv2d_backward, ("dx", "dw", "db"), points=3,
         questions=("13.1",), random_cases=3,
         edge_cases={
             "a stride that skips the last rows (they get no gradient)":
                 lambda rng: _conv_case(rng, 2, 8, 7, (3, 2), (2, 3), 3, 0),
             "a one-row kernel (1 x 3) on a one-row image": lambda rng: _conv_case(rng, 2, 1, 6, (1, 3), (3, 2), 1, 0),
             "a kernel as large as the padded input (a 1 x 1 output)":
                 lambda rng: _conv_case(rng, 2, 3, 3, (5, 5), (2, 2), 1, 1),
         },
         references=("dlcourse.layers.conv2d_backward",),
         wrong_answers={"conv_backward_with_flipped_kernel": Mistake(
        "dx scatters each output's gradient through the flipped kernel, where the scatter uses the kernel as it is",
        "eq-conv-dx", 'chapter 13, Eq. (9)', """\
def conv2d_backward(dout, x, w, stride, pad):
    kh, kw = w.shape[:2]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(dout.shape[1]):
        for j in range(dout.shape[2]):
            rows = slice(stride * i, stride * i + kh)
            cols = slice(stride * j, stride * j + kw)
            dxp[:, rows, cols, :] += np.einsum("nf,pqcf->npqc", dout[:, i, j], w[::-1, ::-1])
            dw += np.einsum("npqc,nf->pqcf", xp[:, rows, cols, :], dout[:, i, j])
    dx = dxp[:, pad:pad + x.shape[1], pad:pad + x.shape[2]]
    return dx, dw, dout.sum(axis=(0, 1, 2))
""")}),
    Written("proof_taylor_model", points=2, questions=("4.1", "4.2")),
    Spec("test_optimal_step", "optimal_step", _step_inputs, _optimal_step, ("eps",), points=1, questions=("4.3",),
         references=("dlcourse.quadratic.optimal_step",),
         wrong_answers={"optimal_step_upside_down": Mistake(
        "the quotient is upside down: g^T H g / g^T g instead of g^T g / g^T H g",
        "eq-eps-star", 'chapter 4, Eq. (2)', """\
def optimal_step(g, H):
    return g @ H @ g / (g @ g)
""")}),
    Written("proof_optimal_step_bounds", points=3, questions=("4.3",)),
    Spec("test_backtracking", "backtracking", _backtracking_inputs, _backtracking, ("t", "iterations"),
         points=2, questions=("5.3",), references=("dlcourse.linesearch.backtracking",),
         wrong_answers={"backtracking_counts_the_accepted_try": Mistake(
        "the count includes the test that accepts the step: it counts tries, where the book counts the shrinks",
        "sec-backtracking", 'chapter 5, section "The algorithm (seed 000)"', """\
def backtracking(Q, c, x, t0, alpha, beta):
    def f(z):
        return 0.5 * z @ Q @ z + c @ z

    g = Q @ x + c
    t, tries = float(t0), 1
    while f(x - t * g) > f(x) - alpha * t * (g @ g):
        t = beta * t
        tries += 1
    return t, tries
""")}),
    Written("proof_line_search", points=3, questions=("5.1",)),
    Spec("test_line_search_bound", "line_search_bound", _bound_inputs, _line_search_bound, ("bound",),
         points=2, questions=("5.2",), atol=0.0, rtol=0.0,
         references=("dlcourse.linesearch.iteration_bound", "dlcourse.linesearch.accepted_step_bound"),
         wrong_answers={"line_search_bound_rounded_down": Mistake(
        "the bound is rounded down; a count of halvings that must bring t below the accepted step rounds up",
        "eq-ls-bound", 'chapter 5, Eq. (3)', """\
def line_search_bound(Q, x, t0, beta):
    ratio = 1 / (np.linalg.eigvalsh(Q).max() * t0)
    return 0 if ratio >= 1 else int(np.floor(np.log(ratio) / np.log(beta)))
""")}),
    Written("proof_v_sum", points=2, questions=("6.1",)),
    Spec("test_second_moments", "second_moments", _gradients_inputs, _second_moments, ("v", "v_hat"), points=2,
         questions=("6.2",), references=("dlcourse.optim.Adam", "dlcourse.optim.bias_corrected"),
         wrong_answers={"bias_correction_forgotten": Mistake(
        "the bias correction is left out: v_hat is returned as v_t, not v_t / (1 - beta2^t)",
        "sec-bias-correction", 'chapter 6, section "(3) Bias correction"', """\
def second_moments(g, beta2):
    v = np.zeros_like(g)
    prev = 0 * g[0]
    for i, gt in enumerate(g):
        prev = beta2 * prev + (1 - beta2) * gt**2
        v[i] = prev
    return v, v
""")}),
    Spec("test_adam_step", "adam_step", _adam_inputs, _adam_step, ("p", "m", "v"), points=3, questions=("6.3",),
         references=("dlcourse.optim.Adam", "dlcourse.optim.bias_corrected", "dlcourse.tf.optim.Adam"),
         wrong_answers={"adam_without_bias_correction": Mistake(
        "Adam's bias correction is left out: the step uses m_t and v_t, not m_hat and v_hat",
        "eq-adam", 'chapter 6, Eq. (1)', """\
def adam_step(p, g, m, v, t, lr):
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g * g
    return p - lr * m / (np.sqrt(v) + 1e-8), m, v
""")}),
    Written("proof_adamax_limit", points=3, questions=("6.4",)),
    Spec("test_adamax_step", "adamax_step", _adamax_inputs, _adamax_step, ("p", "m", "u"), points=2,
         questions=("6.4",),
         references=("dlcourse.optim.Adamax", "dlcourse.optim.bias_corrected", "dlcourse.tf.optim.Adamax"),
         wrong_answers={"adamax_rule_of_seed_002": Mistake(
        "u_t takes max(beta2 u, (1 - beta2) |g|) as seed 002 writes, not the paper's max(beta2 u, |g|)",
        "eq-adamax", 'chapter 6, Eq. (4)', """\
def adamax_step(p, g, m, u, t, lr):
    m = 0.9 * m + 0.1 * g
    u = np.maximum(0.999 * u, 0.001 * np.abs(g))
    return p - lr / (1 - 0.9**t) * m / (u + 1e-7), m, u
""")}),
    Written("answer_adamax_when", points=3, questions=("6.5",)),
    Spec("test_momentum_step", "momentum_step", _momentum_inputs, _momentum_step, ("p", "v"), points=2,
         questions=("6.6",), references=("dlcourse.optim.SGD", "dlcourse.tf.optim.SGD"),
         wrong_answers={"momentum_pytorch_style": Mistake(
        "the velocity sums raw gradients (v = mu v + g, PyTorch's form), not Keras's v = mu v - lr g",
        "sec-momentum-rmsprop", 'chapter 6, section "Momentum and RMSProp"', """\
def momentum_step(p, g, v, lr, momentum, nesterov):
    v = momentum * v + g
    return p - lr * v, v
""")}),
    Spec("test_rmsprop_step", "rmsprop_step", _rmsprop_inputs, _rmsprop_step, ("p", "v"), points=1,
         references=("dlcourse.optim.RMSprop", "dlcourse.tf.optim.RMSprop"),
         wrong_answers={"rmsprop_without_square_root": Mistake(
        "the step divides by the running mean square itself, not by its square root",
        "sec-momentum-rmsprop", 'chapter 6, section "Momentum and RMSProp"', """\
def rmsprop_step(p, g, v, lr):
    v = 0.9 * v + 0.1 * g * g
    return p - lr * g / (v + 1e-7), v
""")}),
    Written("proof_spectral_norm", points=3, questions=("8.1",)),
    Spec("test_spectral_norm", "spectral_norm", _matrix_inputs, _spectral_norm, ("sigma",), points=2,
         questions=("8.1",), rtol=1e-5,
         references=("dlcourse.lipschitz.spectral_norm", "dlcourse.tf.regularizers.SpectralNorm"),
         wrong_answers={"spectral_norm_frobenius": Mistake(
        "the Frobenius norm is taken instead of the largest singular value",
        "eq-lipschitz-linear", 'chapter 8, Eq. (1)', """\
def spectral_norm(W):
    return np.linalg.norm(W)
""")}),
]
