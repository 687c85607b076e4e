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
""")},
         title="The affine layer's backward pass",
         text="""\
For `out = x @ w + b` with `x` of shape (N, D) and `w` (D, M), return `(dx, dw, db)` given the upstream gradient `dout` (N, M).""",  # noqa: E501
         solution="""\
def affine_backward(dout, x, w):
    ### BEGIN SOLUTION
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)
    ### END SOLUTION"""),
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
""")},
         title="Softmax cross-entropy",
         text="""\
Return `(loss, dz)`: the mean cross-entropy of `softmax(z)` against integer labels `y`, and its gradient in `z`. Keep it stable for large logits.""",  # noqa: E501
         solution="""\
def softmax_cross_entropy(z, y):
    ### BEGIN SOLUTION
    y = np.asarray(y, dtype=int)
    shifted = z - z.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = z.shape[0]
    loss = -logp[np.arange(n), y].mean()
    dz = np.exp(logp)
    dz[np.arange(n), y] -= 1
    return loss, dz / n
    ### END SOLUTION"""),
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
""")},
         title="Batch normalisation, forward: training and inference",
         text="""\
`x` is a batch of shape (N, D). In training (`training` true), normalise each feature (column of `x`) with the batch's mean and biased variance (divided by N), `y = gamma * (x - mean) / sqrt(var + 1e-5) + beta`, and update the running statistics as Keras does, `running = 0.99 * running + 0.01 * batch value`, for the mean and for the variance. At inference (`training` false), normalise with `running_mean` and `running_var` and leave them as they are. Return `(y, running_mean, running_var)` without modifying the arrays passed in.""",  # noqa: E501
         solution="""\
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training):
    ### BEGIN SOLUTION
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running_mean = 0.99 * running_mean + 0.01 * mean
        running_var = 0.99 * running_var + 0.01 * var
    else:
        mean, var = running_mean, running_var
    y = gamma * (x - mean) / np.sqrt(var + 1e-5) + beta
    return y, running_mean, running_var
    ### END SOLUTION"""),
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
""")},
         title="Batch normalisation, backward",
         text="""\
In training mode, `y = gamma * (x - mu) / sqrt(var + 1e-5) + beta` per feature (columns of `x`). Return `(dx, dgamma, dbeta)` given `dout`: the full gradient, variance term included.""",  # noqa: E501
         solution="""\
def batchnorm_backward(dout, x, gamma):
    ### BEGIN SOLUTION
    n = x.shape[0]
    inv = 1.0 / np.sqrt(x.var(axis=0) + 1e-5)
    xhat = (x - x.mean(axis=0)) * inv
    dxhat = dout * gamma
    dx = inv / n * (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)
    ### END SOLUTION"""),
    Written("answer_batchnorm_in_practice", points=3, questions=("9.1", "9.3"),
         title="Batch normalisation in training and at inference",
         text="""\
(a) Ioffe and Szegedy motivated batch normalisation by *internal covariate shift*. Say what that means, and what later experiments found about it.

(b) Why does batch normalisation act as a regulariser, and how does the size of that effect change with the batch size n? Estimate how much a fixed example's normalised value fluctuates from batch to batch, for a Gaussian feature.

(c) Why does a BN layer use running averages at inference instead of the statistics of the batch it is given? What goes wrong if the model is evaluated after only a few training steps, with momentum m = 0.99 and running averages that start where Keras starts them (the mean at 0, the variance at 1)?""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
(a) Internal covariate shift: while the layers below learn, the distribution of a layer's inputs keeps changing, so the layer chases a moving target; normalising each feature over the batch was meant to hold that distribution steady. Santurkar et al. (2018) added noise with a fresh random mean and scale after each BN layer at every step, so the distributions shifted more than without BN, and those networks still trained almost as well as with plain BN; BN also did not reliably reduce a measure of covariate shift. Their explanation is that BN makes the loss and its gradient change more slowly (smaller Lipschitz constants), so larger steps are safe. Covariate shift is the historical motivation, not the established mechanism.

(b) Each example is normalised with the mean and variance of its batch, which depend on the other examples drawn with it: a random perturbation of its activations that changes at every step, noise injected into training as dropout injects it. With the feature's mean mu_* and standard deviation sigma_* over the data and z = (x - mu_*)/sigma_*, the batch mean misses mu_* by Delta_mu with standard deviation sigma_*/sqrt(n), and for Gaussian features the batch standard deviation misses sigma_* by Delta_sigma with standard deviation about sigma_*/sqrt(2n), independently. To first order xhat = (x - mu_* - Delta_mu)/(sigma_* + Delta_sigma) ~ z - Delta_mu/sigma_* - z Delta_sigma/sigma_*, whose standard deviation is about sqrt((1 + z^2/2)/n). The noise shrinks like 1/sqrt(n): large batches regularise less.

(c) At inference there may be a single example, and a prediction must not depend on which other examples happen to be served with it, so the layer normalises with fixed statistics: running averages r <- m r + (1 - m) b of the batch values b, collected in training. From r_0, after t batches r_t = m^t r_0 + (1 - m) sum_j m^(t-j) b_j, whose mean is m^t r_0 + (1 - m^t) E[b]: a weighted average of where it started and the data's value. After t = 10 steps, 0.99^10 ~ 0.90: the running mean is about a tenth of the data's mean (it started at 0), and the running variance is about 0.90 + 0.10 sigma^2, still close to its start at 1 whatever the data's variance sigma^2 is. So the model normalises with the wrong statistics at inference and behaves differently than in training; it takes a few hundred steps (0.99^460 ~ 0.01) for the start to fade. Training on very small batches, whose statistics differ from the population's, causes the same mismatch.

Rubric (3 points): 1 for (a): the moving input distribution, and that experiments (noise added after BN) did not support it as the mechanism (1/2 for the definition alone). 1 for (b): normalisation by statistics of the other examples in the batch as noise, shrinking like 1/sqrt(n) (1/2 without the estimate or the 1/sqrt(n) scaling). 1 for (c): independence from the batchmates at inference (1/2) and the pull of the running averages towards their starting values early in training, m^t of the start (the mean towards 0, the variance towards 1) (1/2).
### END SOLUTION"""),  # noqa: E501
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
""")},
         title="A convolution's backward pass",
         text="""\
The layer of chapter 13: `out[n, i, j, f] = sum over p, q, c of xpad[n, S i + p, S j + q, c] w[p, q, c, f] + b[f]`, a cross-correlation of `x` (N, H, W, C_in), zero-padded by `pad` on each side of H and W, with the kernel `w` (KH, KW, C_in, C_out), at stride `S = stride`. Given the upstream gradient `dout` (N, OH, OW, C_out), return `(dx, dw, db)`, shaped like `x`, `w` and `b`. Rows or columns that no window reads get a zero gradient.""",  # noqa: E501
         solution="""\
def conv2d_backward(dout, x, w, stride, pad):
    ### BEGIN SOLUTION
    kh, kw = w.shape[:2]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(dout.shape[1]):
        for j in range(dout.shape[2]):
            rows = slice(stride * i, stride * i + kh)
            cols = slice(stride * j, stride * j + kw)
            # each output pixel sends dout[:, i, j] back through the weights it used
            dxp[:, rows, cols, :] += np.einsum("nf,pqcf->npqc", dout[:, i, j], w)
            dw += np.einsum("npqc,nf->pqcf", xp[:, rows, cols, :], dout[:, i, j])
    dx = dxp[:, pad:pad + x.shape[1], pad:pad + x.shape[2]]
    return dx, dw, dout.sum(axis=(0, 1, 2))
    ### END SOLUTION"""),
    Written("proof_taylor_model", points=2, questions=("4.1", "4.2"),
         title="The quadratic model along the gradient",
         text="""\
Let `g = grad f(x0)`, non-zero, and `H` the (symmetric) Hessian of f at `x0`.

(a) From the second-order Taylor expansion of f around `x0`, derive the model of `f(x0 - eps g)` as a function of the step `eps`, term by term. What is its slope at `eps = 0`?

(b) Suppose `g^T H g <= 0`. What does the model say about the best step along `-g`? Does a small step along `-g` still decrease f?""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
(a) f(x) = f(x0) + (x - x0)^T g + 1/2 (x - x0)^T H (x - x0) + O(||x - x0||^3). Put x - x0 = -eps g: the first-order term is (-eps g)^T g = -eps g^T g; the second-order term is 1/2 (-eps g)^T H (-eps g) = 1/2 eps^2 g^T H g (the two minus signs cancel); the remainder is O(eps^3 ||g||^3). So f(x0 - eps g) ~ m(eps) = f(x0) - eps g^T g + 1/2 eps^2 g^T H g, a parabola in eps whose slope at eps = 0 is -g^T g < 0.

(b) Write c = g^T H g. If c = 0, m(eps) = f(x0) - eps g^T g is a line that falls for ever. If c < 0, m is a concave parabola: its only stationary point, eps = g^T g / c < 0, is a maximum behind us, and m(eps) -> -infinity as eps grows. Either way a longer step always looks better: the model has no minimum along -g, so there is no optimal step and the second-order rule for the step length breaks down (near saddle points, in concave regions); the model can be trusted only for small eps, and the step must be chosen otherwise (a line search or a trust region). A small enough step still decreases f: the first-order term -eps g^T g < 0 dominates for small eps, so -g is still a descent direction. What fails is the rule for the step's length, not the direction.

Rubric (2 points): 1 for (a): the model with the sign of each term and the slope -g^T g. 1 for (b): no minimum, hence no optimal step, for c < 0 and for c = 0 (1/2 if only one case is treated), and that a small step still decreases f (1/2). Answering, as seed 000 does, that moving along -g "does not necessarily decrease f" loses that half.
### END SOLUTION"""),  # noqa: E501
    Spec("test_optimal_step", "optimal_step", _step_inputs, _optimal_step, ("eps",), points=1, questions=("4.3",),
         references=("dlcourse.quadratic.optimal_step",),
         wrong_answers={"optimal_step_upside_down": Mistake(
        "the quotient is upside down: g^T H g / g^T g instead of g^T g / g^T H g",
        "eq-eps-star", 'chapter 4, Eq. (2)', """\
def optimal_step(g, H):
    return g @ H @ g / (g @ g)
""")},
         title="The optimal step along the gradient",
         text="""\
`g` is the gradient at a point and `H` the Hessian there, symmetric positive definite. Return the step `eps` that minimises the quadratic model of section {section:proof_taylor_model} along `-g` (section {section:proof_optimal_step_bounds} asks you to derive it).""",  # noqa: E501
         solution="""\
def optimal_step(g, H):
    ### BEGIN SOLUTION
    return (g @ g) / (g @ H @ g)
    ### END SOLUTION"""),
    Written("proof_optimal_step_bounds", points=3, questions=("4.3",),
         title="Bounds on the optimal step",
         text="""\
(a) From the model of section {section:proof_taylor_model}, derive the step `eps*` that minimises it when `g^T H g > 0`, and say why it is a minimum.

(b) For `H` positive definite with eigenvalues `lambda_min <= ... <= lambda_max`, prove `1/lambda_max <= eps* <= 1/lambda_min`, and say when each bound is attained.

(c) Which of the two bounds still holds if `H` has a negative eigenvalue but `g^T H g > 0`?""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
(a) dm/deps = -g^T g + eps g^T H g = 0 gives eps* = g^T g / (g^T H g). The second derivative is g^T H g > 0, so this stationary point is the minimum of the parabola.

(b) Let q_1, ..., q_n be orthonormal eigenvectors of H with eigenvalues lambda_i > 0, and expand g = sum_i ghat_i q_i with ghat_i = q_i^T g. Since q_i^T q_j is 1 for i = j and 0 otherwise, g^T g = sum_i ghat_i^2; and H g = sum_i lambda_i ghat_i q_i, so g^T H g = sum_i lambda_i ghat_i^2. Hence g^T H g / g^T g = sum_i w_i lambda_i with w_i = ghat_i^2 / sum_j ghat_j^2 >= 0 and sum_i w_i = 1: a weighted average of the eigenvalues, so lambda_min <= g^T H g / g^T g <= lambda_max. All three numbers are positive, and eps* is the reciprocal of the middle one, so taking reciprocals reverses the inequalities: 1/lambda_max <= eps* <= 1/lambda_min. The bound 1/lambda_max is attained when all the weight sits on lambda_max, i.e. g is an eigenvector of lambda_max; 1/lambda_min when g is an eigenvector of lambda_min.

(c) The weighted average is still at most lambda_max, so eps* >= 1/lambda_max still holds. The upper bound does not: the average can be positive and as small as we like (weight on a negative eigenvalue cancelling weight on a positive one), so eps* has no upper bound.

Rubric (3 points): 1 for (a), with the second-derivative check. 1 for the expansion in the eigenvectors giving g^T g and g^T H g, and the quotient as a weighted average of the eigenvalues (a bare appeal to "the Rayleigh quotient lies between lambda_min and lambda_max" earns 1/2). 1 for taking reciprocals, which needs every quantity positive, with when the bounds are attained (1/2) and (c) (1/2).
### END SOLUTION"""),  # noqa: E501
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
""")},
         title="Backtracking line search",
         text="""\
For `f(x) = x^T Q x / 2 + c^T x`, search along `dx = -grad f(x)`: start at `t = t0` and shrink `t <- beta t` while `f(x + t dx) > f(x) + alpha t grad^T dx`. Return `(t, k)`: the accepted step and how many times it was shrunk.""",  # noqa: E501
         solution="""\
def backtracking(Q, c, x, t0, alpha, beta):
    ### BEGIN SOLUTION
    def f(z):
        return 0.5 * z @ Q @ z + c @ z

    g = Q @ x + c
    t, k = t0, 0
    while f(x - t * g) > f(x) - alpha * t * (g @ g):
        t, k = beta * t, k + 1
    return t, k
    ### END SOLUTION"""),
    Written("proof_line_search", points=3, questions=("5.1",),
         title="The exit condition of backtracking",
         text="""\
Let `m I <= Hess f <= M I`, `dx` a descent direction (`grad^T dx < 0`) and `0 < alpha < 1/2`. Show that the backtracking exit condition `f(x + t dx) <= f(x) + alpha t grad^T dx` holds for every `0 < t <= -grad^T dx / (M ||dx||^2)`.""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
By the upper curvature bound, f(x + t dx) <= f(x) + t grad^T dx + M t^2 ||dx||^2 / 2; for t in the interval the last term is at most -t grad^T dx / 2, so f(x + t dx) <= f(x) + t grad^T dx / 2 <= f(x) + alpha t grad^T dx since alpha < 1/2.

Rubric (3 points): 1 for the upper model f(x + t dx) <= f(x) + t grad^T dx + M t^2 ||dx||^2 / 2, from the curvature bound; 1 for bounding the quadratic term by -t grad^T dx / 2 on the interval; 1 for concluding with alpha < 1/2 (and grad^T dx < 0). A proof that only checks one t, or uses the Hessian at x instead of the curvature bound, earns at most 1.
### END SOLUTION"""),  # noqa: E501
    Spec("test_line_search_bound", "line_search_bound", _bound_inputs, _line_search_bound, ("bound",),
         points=2, questions=("5.2",), atol=0.0, rtol=0.0,
         references=("dlcourse.linesearch.iteration_bound", "dlcourse.linesearch.accepted_step_bound"),
         wrong_answers={"line_search_bound_rounded_down": Mistake(
        "the bound is rounded down; a count of halvings that must bring t below the accepted step rounds up",
        "eq-ls-bound", 'chapter 5, Eq. (3)', """\
def line_search_bound(Q, x, t0, beta):
    ratio = 1 / (np.linalg.eigvalsh(Q).max() * t0)
    return 0 if ratio >= 1 else int(np.floor(np.log(ratio) / np.log(beta)))
""")},
         title="The backtracking bound",
         text="""\
For `f(x) = x^T Q x / 2` at `x`, with the gradient direction `dx = -grad f(x)` and `M = lambda_max(Q)`, return chapter 5's bound on the number of backtracking iterations: the fewest shrinkings `k` after which `beta^k t0` lies in the interval of section {section:proof_line_search}, where the exit condition is sure to hold. Return 0 if `t0` already lies in it (then the first step passes the Armijo test, and backtracking stops at once).""",  # noqa: E501
         solution="""\
def line_search_bound(Q, x, t0, beta):
    ### BEGIN SOLUTION
    g = Q @ x
    M = np.linalg.eigvalsh(Q).max()
    ratio = (g @ g) / (M * (g @ g)) / t0
    return 0 if ratio >= 1 else int(np.ceil(np.log(ratio) / np.log(beta)))
    ### END SOLUTION"""),
    Written("proof_v_sum", points=2, questions=("6.1",),
         title="Adam's second moment in closed form",
         text="""\
Show by induction that with `v_0 = 0`, `v_t = (1 - beta2) sum_{i=1..t} beta2^(t-i) g_i^2`, and deduce `E[v_t] = (1 - beta2^t) E[g^2]` when the `g_i` are identically distributed.""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
t = 1: v_1 = (1 - beta2) g_1^2. If it holds for t - 1, v_t = beta2 v_{t-1} + (1 - beta2) g_t^2 = (1 - beta2) (sum_{i<t} beta2^(t-i) g_i^2 + g_t^2). Taking expectations, E[v_t] = E[g^2] (1 - beta2) sum_{i=1..t} beta2^(t-i) = E[g^2] (1 - beta2^t) (a geometric sum).

Rubric (2 points): 1 for the induction (base case t = 1 and the step from t - 1 to t); 1 for the expectation with the geometric sum (1 - beta2) sum beta2^(t-i) = 1 - beta2^t. Independence of the g_i is not needed; identically distributed is.
### END SOLUTION"""),  # noqa: E501
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
""")},
         title="Adam's second moment and its bias",
         text="""\
`g` holds a gradient sequence, one row per step `t = 1, ..., T`. Starting from `v_0 = 0`, return `(v, v_hat)`: every `v_t = beta2 v_{t-1} + (1 - beta2) g_t^2` and its bias-corrected `v_t / (1 - beta2^t)`, both shaped like `g`.""",  # noqa: E501
         solution="""\
def second_moments(g, beta2):
    ### BEGIN SOLUTION
    v = np.zeros_like(g)
    prev = np.zeros(g.shape[1:])
    for i, gt in enumerate(g):
        prev = beta2 * prev + (1 - beta2) * gt**2
        v[i] = prev
    t = np.arange(1, len(g) + 1).reshape(-1, *([1] * (g.ndim - 1)))
    return v, v / (1 - beta2**t)
    ### END SOLUTION"""),
    Spec("test_adam_step", "adam_step", _adam_inputs, _adam_step, ("p", "m", "v"), points=3, questions=("6.3",),
         references=("dlcourse.optim.Adam", "dlcourse.optim.bias_corrected", "dlcourse.tf.optim.Adam"),
         wrong_answers={"adam_without_bias_correction": Mistake(
        "Adam's bias correction is left out: the step uses m_t and v_t, not m_hat and v_hat",
        "eq-adam", 'chapter 6, Eq. (1)', """\
def adam_step(p, g, m, v, t, lr):
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g * g
    return p - lr * m / (np.sqrt(v) + 1e-8), m, v
""")},
         title="One Adam step",
         text="""\
The paper's Algorithm 1 with `beta1 = 0.9`, `beta2 = 0.999`, `eps = 1e-8`: given parameters `p`, gradient `g`, moments `m`, `v` after `t - 1` steps, the step number `t` and learning rate `lr`, return the new `(p, m, v)`. Do not forget the bias correction.""",  # noqa: E501
         solution="""\
def adam_step(p, g, m, v, t, lr):
    ### BEGIN SOLUTION
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g * g
    m_hat = m / (1 - 0.9 ** t)
    v_hat = v / (1 - 0.999 ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + 1e-8), m, v
    ### END SOLUTION"""),
    Written("proof_adamax_limit", points=3, questions=("6.4",),
         title="AdaMax as the limit p -> infinity",
         text="""\
Replace Adam's second moment by the p-th power `v_t = beta2^p v_{t-1} + (1 - beta2^p) |g_t|^p`, with `v_0 = 0`.

(a) Unroll `v_t` as a sum over the past gradients.

(b) Show that `u_t = lim_{p -> infinity} v_t^(1/p) = max_{i <= t} beta2^(t-i) |g_i|`, and deduce the recursion `u_t = max(beta2 u_{t-1}, |g_t|)`.

(c) Why does `u_t` need no bias correction? Seed 002 writes `u_t = max(beta2 u_{t-1}, (1 - beta2) |g_t|)`: is that the limit?""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
(a) As for Adam's v_t (section {section:proof_v_sum}), by induction: v_t = (1 - beta2^p) sum_{i=1..t} beta2^(p(t-i)) |g_i|^p = (1 - beta2^p) sum_{i=1..t} a_i^p with a_i = beta2^(t-i) |g_i| >= 0.

(b) v_t^(1/p) = (1 - beta2^p)^(1/p) (sum_i a_i^p)^(1/p). The first factor tends to 1: 1 - beta2^p lies in [1 - beta2, 1], so its logarithm lies in [ln(1 - beta2), 0], and divided by p it tends to 0. For the second, let a_max = max_i a_i: the sum has t terms, each at most a_max^p and one equal to it, so a_max <= (sum_i a_i^p)^(1/p) <= t^(1/p) a_max, and t^(1/p) -> 1. Hence u_t = max_{i<=t} beta2^(t-i) |g_i|. Splitting off the last term, u_t = max(beta2 max_{i<=t-1} beta2^(t-1-i) |g_i|, |g_t|) = max(beta2 u_{t-1}, |g_t|).

(c) Adam needs a correction because the weights of its average sum to 1 - beta2^t, not 1. Here the weights (1 - beta2^p) beta2^(p(t-i)) sum to 1 - beta2^(pt), and (1 - beta2^(pt))^(1/p) -> 1 by the argument of (b): a maximum started at 0 is not pulled toward 0. Seed 002's rule is not the limit: a constant factor such as 1 - beta2 (or 1 - beta2^p) inside v_t becomes 1 after the p-th root, so it disappears; the paper's rule is max(beta2 u_{t-1}, |g_t|).

Rubric (3 points): 1 for (a) with a_i = beta2^(t-i)|g_i|. 1 for (b): both limits, (1 - beta2^p)^(1/p) -> 1 and the p-norm -> max with the bounds a_max <= (sum a_i^p)^(1/p) <= t^(1/p) a_max (1/2 for asserting that the p-norm tends to the max without the bounds), and the recursion. 1 for (c): no bias correction, with the reason (1/2), and why the factor (1 - beta2) disappears (1/2).
### END SOLUTION"""),  # noqa: E501
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
""")},
         title="One AdaMax step",
         text="""\
Kingma and Ba's AdaMax with `beta1 = 0.9`, `beta2 = 0.999` and, as Keras does, `eps = 1e-7` added to `u`: `m = beta1 m + (1 - beta1) g`, `u = max(beta2 u, |g|)`, `p -= lr / (1 - beta1^t) * m / (u + eps)`. Return the new `(p, m, u)`.""",  # noqa: E501
         solution="""\
def adamax_step(p, g, m, u, t, lr):
    ### BEGIN SOLUTION
    m = 0.9 * m + 0.1 * g
    u = np.maximum(0.999 * u, np.abs(g))
    return p - lr / (1 - 0.9**t) * m / (u + 1e-7), m, u
    ### END SOLUTION"""),
    Written("answer_adamax_when", points=3, questions=("6.5",),
         title="When does AdaMax beat Adam?",
         text="""\
(a) Show that for `beta1 < beta2` every AdaMax step (without epsilon) obeys `|Delta_t| <= alpha (1 - beta1) / (1 - beta1/beta2)`, whatever the scale of the gradients, and evaluate the constant for `beta1 = 0.9`, `beta2 = 0.999`.

(b) Adam has no such bound. A coordinate sees one gradient `G` after a long silence (zero gradients before and after, `t` large enough that the bias corrections are 1). How far does Adam move it in all, and how far AdaMax?

(c) Seeds 000 and 002 say AdaMax helps "with sparse or heavy-tailed gradients". Is that right? Say when AdaMax wins and when it loses, and why.""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
(a) By (b) of section {section:proof_adamax_limit}, u_t >= beta2^(t-i) |g_i| for every i <= t. Unrolling m_t, |m_t| <= (1 - beta1) sum_{i=1..t} beta1^(t-i) |g_i| <= (1 - beta1) u_t sum_{k=0..t-1} (beta1/beta2)^k. Summing the geometric series and dividing by (1 - beta1^t) u_t: |Delta_t|/alpha = |m_t| / ((1 - beta1^t) u_t) <= (1 - beta1)/(1 - beta1/beta2) * (1 - (beta1/beta2)^t)/(1 - beta1^t), and the last fraction is at most 1 because beta1/beta2 >= beta1. So |Delta_t| <= alpha (1 - beta1)/(1 - beta1/beta2) = alpha beta2 (1 - beta1)/(beta2 - beta1) ~ 1.009 alpha. Multiplying every gradient by c > 0 multiplies m_t and u_t by c and leaves the step unchanged.

(b) k steps after G, m = (1 - beta1) beta1^k G and v = (1 - beta2) beta2^k G^2, so Adam steps by alpha (1 - beta1)/sqrt(1 - beta2) (beta1/sqrt(beta2))^k, and in all by alpha (1 - beta1)/(sqrt(1 - beta2) (1 - beta1/sqrt(beta2))) ~ 31.8 alpha. AdaMax has u = beta2^k G, steps alpha (1 - beta1) (beta1/beta2)^k, and moves alpha (1 - beta1)/(1 - beta1/beta2) ~ 1.009 alpha in all. Neither depends on G.

(c) Not as a rule: which wins is an empirical question, and it turns on whether a rare large gradient is signal or noise. After a gradient G much larger than the typical size s, AdaMax's u stays inflated for about ln(G/s)/(1 - beta2) steps (about 9000 for G/s = 10^4), during which it barely moves. If the rare large gradients carry the information (a sparse coordinate that sees a large gradient every 50 steps), Adam's long jumps are what is needed and Adam wins (in the book's lab Adam ends within 1e-6 of the optimum, AdaMax about 0.4 away). If a rare large gradient is an outlier (noise), Adam jumps about 25 learning rates off and creeps back slowly, while AdaMax moves about one learning rate: AdaMax wins (9 to 25 times smaller mean distance in the lab). What can be said in general is the bound of (a): AdaMax never steps much farther than alpha.

Rubric (3 points): 1 for (a): the bound from u_t >= beta2^(t-i)|g_i| and the geometric series (1/2), the constant about 1.009 and the scale invariance (1/2). 1 for (b): Adam's total about 31.8 alpha against AdaMax's about 1.009 alpha (1/2 for either alone). 1 for (c): the claim is folklore, the answer depends on whether rare large gradients are signal or noise, with one case each way; repeating the seeds' claim earns nothing here.
### END SOLUTION"""),  # noqa: E501
    Spec("test_momentum_step", "momentum_step", _momentum_inputs, _momentum_step, ("p", "v"), points=2,
         questions=("6.6",), references=("dlcourse.optim.SGD", "dlcourse.tf.optim.SGD"),
         wrong_answers={"momentum_pytorch_style": Mistake(
        "the velocity sums raw gradients (v = mu v + g, PyTorch's form), not Keras's v = mu v - lr g",
        "sec-momentum-rmsprop", 'chapter 6, section "Momentum and RMSProp"', """\
def momentum_step(p, g, v, lr, momentum, nesterov):
    v = momentum * v + g
    return p - lr * v, v
""")},
         title="SGD with momentum, as Keras does it",
         text="""\
Keras keeps a velocity `v`: `v = momentum * v - lr * g`, then `p += v`, or with Nesterov `p += momentum * v - lr * g` (using the new `v`). Return the new `(p, v)`.""",  # noqa: E501
         solution="""\
def momentum_step(p, g, v, lr, momentum, nesterov):
    ### BEGIN SOLUTION
    v = momentum * v - lr * g
    return p + (momentum * v - lr * g if nesterov else v), v
    ### END SOLUTION"""),
    Spec("test_rmsprop_step", "rmsprop_step", _rmsprop_inputs, _rmsprop_step, ("p", "v"), points=1,
         references=("dlcourse.optim.RMSprop", "dlcourse.tf.optim.RMSprop"),
         wrong_answers={"rmsprop_without_square_root": Mistake(
        "the step divides by the running mean square itself, not by its square root",
        "sec-momentum-rmsprop", 'chapter 6, section "Momentum and RMSProp"', """\
def rmsprop_step(p, g, v, lr):
    v = 0.9 * v + 0.1 * g * g
    return p - lr * g / (v + 1e-7), v
""")},
         title="One RMSProp step, as Keras does it",
         text="""\
`v = 0.9 v + 0.1 g^2`, `p -= lr * g / sqrt(v + 1e-7)` (Keras puts epsilon inside the root). Return the new `(p, v)`.""",
         solution="""\
def rmsprop_step(p, g, v, lr):
    ### BEGIN SOLUTION
    v = 0.9 * v + 0.1 * g * g
    return p - lr * g / np.sqrt(v + 1e-7), v
    ### END SOLUTION"""),
    Written("proof_spectral_norm", points=3, questions=("8.1",),
         title="The Lipschitz constant of a linear map",
         text="""\
Prove that the smallest `L` with `||W x1 - W x2|| <= L ||x1 - x2||` for all `x1`, `x2` is `sigma_max(W)`, the largest singular value of `W`, using the singular value decomposition `W = U Sigma V^T`. Then say why the power iteration of section {section:test_spectral_norm} converges to it, and from which side.""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
By linearity ||W x1 - W x2|| = ||W (x1 - x2)||, and every delta is a difference x1 - x2, so W is L-Lipschitz iff ||W delta|| <= L ||delta|| for every delta, and the smallest such L is sup_{delta != 0} ||W delta|| / ||delta||. Take W = U Sigma V^T with U and V orthogonal and Sigma zero except for Sigma_ii = sigma_i >= 0. Orthogonal matrices keep lengths (||U z||^2 = z^T U^T U z = ||z||^2), so ||W delta|| = ||Sigma V^T delta||. Put xi = V^T delta: ||xi|| = ||delta||, and as delta runs over the non-zero vectors so does xi (delta = V xi). So the supremum is sup_xi ||Sigma xi|| / ||xi||, and ||Sigma xi||^2 / ||xi||^2 = sum_i sigma_i^2 xi_i^2 / sum_i xi_i^2 = sum_i p_i sigma_i^2 with p_i = xi_i^2 / ||xi||^2 >= 0 summing to 1: a weighted average of the sigma_i^2, at most sigma_max^2, and equal to it for xi = e_1, i.e. delta = v_1, the top right singular vector, where W v_1 = sigma_1 u_1. Hence L = sigma_max(W): no smaller L works, because delta = v_1 attains the ratio.

Power iteration: W^T W = V Sigma^T Sigma V^T has eigenvectors v_i and eigenvalues sigma_i^2, so each step v <- W^T W v / ||W^T W v|| multiplies the component along v_i by sigma_i^2 and rescales. After k steps the other components, relative to the top one, have shrunk by (sigma_i / sigma_1)^(2k); if sigma_2 < sigma_1 and the start has a component along v_1, v -> +-v_1 and ||W v|| -> sigma_max. For a unit v, ||W v|| <= sigma_max, so the estimate approaches sigma_max from below.

Rubric (3 points): 1 for reducing the Lipschitz constant to sup ||W delta|| / ||delta|| by linearity. 1 for the invariance of lengths under U and V and the ratio as a weighted average of the sigma_i^2. 1 for attaining sigma_max at v_1, which makes it the smallest constant (1/2), and for the power iteration and its approach from below (1/2). A proof of the upper bound ||W delta|| <= sigma_max ||delta|| only, without attainment, earns at most 2.
### END SOLUTION"""),  # noqa: E501
    Spec("test_spectral_norm", "spectral_norm", _matrix_inputs, _spectral_norm, ("sigma",), points=2,
         questions=("8.1",), rtol=1e-5,
         references=("dlcourse.lipschitz.spectral_norm", "dlcourse.tf.regularizers.SpectralNorm"),
         wrong_answers={"spectral_norm_frobenius": Mistake(
        "the Frobenius norm is taken instead of the largest singular value",
        "eq-lipschitz-linear", 'chapter 8, Eq. (1)', """\
def spectral_norm(W):
    return np.linalg.norm(W)
""")},
         title="Spectral norm by power iteration",
         text="""\
Return `sigma_max(W)` computed by power iteration (no SVD), to a relative accuracy of `1e-6`.""",
         solution="""\
def spectral_norm(W):
    ### BEGIN SOLUTION
    v = np.ones(W.shape[1])
    for _ in range(1000):
        v = W.T @ (W @ v)
        v /= np.linalg.norm(v)
    return np.linalg.norm(W @ v)
    ### END SOLUTION"""),
]
