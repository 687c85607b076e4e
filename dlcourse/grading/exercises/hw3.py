"""Homework 3: backpropagation through networks, regularisation, training practice, SVMs and
real networks (autograder/source/hw3/hw3.ipynb)."""
from __future__ import annotations

import itertools

import numpy as np

from dlcourse import layers, lipschitz, losses, models, neuron, optim, train, twobranch
from dlcourse.figures import real_networks
from dlcourse.grading.exercise import Inputs, Mistake, Spec, Written
from dlcourse.grading.exercises._draw import size
from dlcourse.grading.outcome.diverging import DIVERGING_MLP
from dlcourse.grading.outcome.hw3 import MLP_MNIST1D


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


def _binary_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n, d_x, d_a = size(k), 3 + k % 3, 4
    return {"X": rng.standard_normal((n, d_x)), "y": rng.integers(0, 2, n).astype(float),
            "W1": rng.standard_normal((d_a, d_x)), "b1": 0.5 * rng.standard_normal(d_a),
            "W2": rng.standard_normal((1, d_a)), "b2": rng.standard_normal(1)}


def _binary_classifier_backward(X, y, W1, b1, W2, b2):
    """The book's layout, a = W h + b with W (out, in), on the layers' (in, out) layout."""
    a1, cache1 = layers.affine_forward(X, W1.T, b1)
    h, cache_relu = layers.relu_forward(a1)
    a2, cache2 = layers.affine_forward(h, W2.T, b2)
    _, da2 = losses.binary_cross_entropy_with_logits(a2, y)
    dh, grads2 = layers.affine_backward(da2, cache2)
    da1, _ = layers.relu_backward(dh, cache_relu)
    _, grads1 = layers.affine_backward(da1, cache1)
    return grads1["w"].T, grads1["b"], grads2["w"].T, grads2["b"]


def _dropout_inputs(rng: np.random.Generator, k: int, rate: float | None = None) -> Inputs:
    rate = (0.2, 0.5, 0.8)[k % 3] if rate is None else rate
    shape = (size(k), 5)
    keep = rng.random(shape) >= rate
    keep[0, 0] = True  # one unit kept at least: with every unit dropped, any rescaling passes
    return {"dout": rng.standard_normal(shape), "keep": keep.astype(float), "rate": np.array(rate)}


def _dropout_backward(dout, keep, rate):
    return (layers.dropout_backward(dout, keep / (1 - float(rate)))[0],)


def _weights_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n = size(k)
    return {"W1": rng.standard_normal((5, 3)), "W2": rng.standard_normal((n, 5)), "W3": rng.standard_normal((2, n))}


def _lipschitz_bound(W1, W2, W3):
    return (lipschitz.product_bound([W1, W2, W3], ["tanh", "sigmoid", "linear"]),)


def _gradients_inputs(rng: np.random.Generator, k: int) -> Inputs:
    """Batches of two or more: for B = 1 sampling with and without replacement agree."""
    n = 3 + k % 6
    return {"G": rng.standard_normal((n, 3)) + rng.standard_normal(3), "B": np.array(rng.integers(2, n + 1))}


def _whole_data_set(rng: np.random.Generator) -> Inputs:
    return {"G": rng.standard_normal((6, 3)), "B": np.array(6)}


def _minibatch_gradient_variance(G, B):
    """E ||g_B - g||^2 over every batch of B distinct examples, each equally likely: counted, not
    taken from the formula the exercise asks for."""
    g = G.mean(axis=0)
    batches = itertools.combinations(range(len(G)), int(B))
    return (np.array(np.mean([np.sum((G[list(b)].mean(axis=0) - g) ** 2) for b in batches])),)


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


def _scores_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"s": rng.standard_normal((6, 4)), "y": rng.integers(0, 4, 6)}


def _multiclass_hinge(s, y):
    return losses.multiclass_hinge(s, y.astype(int))


def _points_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"x": 10 * rng.standard_normal((200, 2))}


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


def _committee_inputs(rng: np.random.Generator, k: int) -> Inputs:
    members, n, classes = (3, 5, 7)[k % 3], size(k, (1, 4, 9, 20)), 2 + k % 4
    scores = rng.exponential(size=(members, n, classes))
    return {"P": scores / scores.sum(axis=-1, keepdims=True)}


def _one_confident_mistake(rng: np.random.Generator) -> Inputs:
    """The book's figure: four members lean to class 0, the fifth is sure of class 1."""
    return {"P": real_networks.EXAMPLE_MEMBERS[:, None, :].copy()}


def _committee_predictions(P):
    return tuple(real_networks.committee_scores(P, rule).argmax(axis=-1) for rule in real_networks.RULES)


EXERCISES = [
    Written("answer_two_branch_graph", points=2, questions=("2.1",),
         title="The computational graph of the two-branch network",
         text="""\
Draw the computational graph of the network of section {section:test_two_branch_backward} (in Markdown, as a list of nodes: each node's operation, its inputs and its output; or as an image you embed). Mark where the two branches split and where they meet. Then list what the forward pass must store for the backward pass, and say what happens to the gradient at a node with two children.""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
Nodes, in forward order (the weights W1, W21, W22 and the label y are leaves):
- a1 = W1 x (product), l1 = ReLU(a1);
- branch 1: a21 = W21 l1, l21 = ReLU(a21);
- branch 2: a22 = W22 l1, l22 = sigmoid(a22);
- the branches meet: z = max(l21, l22), elementwise;
- yhat = softmax(z), L = cross-entropy(yhat, y).
l1 is where the graph splits: it has two children, the products W21 l1 and W22 l1. The max is where the branches meet.
At a node with two children the gradient is the sum of what flows back along each (the chain rule of several variables): dL/dl1 = W21^T delta21 + W22^T delta22.
For the backward pass the forward pass stores: x and l1 (the inputs of the products, for the weights' gradients), a1 and a21 or their signs (for the ReLUs' derivatives), l22 (the sigmoid's derivative is l22 (1 - l22)), which branch won each entry of the max (the mask m, ties to l21), and yhat (for dL/dz = yhat - y).

Rubric (2 points): 1 for a correct graph with every operation in order, the split at l1 and the merge at the max (1/2 if a node or an edge is missing). 1 for the stored values (1/2, at least the inputs of the products, the ReLU masks, l22, the max's mask and yhat) and the sum at l1 (1/2).
### END SOLUTION"""),  # noqa: E501
    Spec("test_two_branch_backward", "two_branch_backward", _two_branch_inputs, _two_branch_backward,
         ("dW1", "dW21", "dW22"), points=3, questions=("2.2", "2.3"), random_cases=3,
         edge_cases={"the worked example of the syllabus": _worked_example},
         visible_edges=("the worked example of the syllabus",),
         references=("dlcourse.twobranch.forward", "dlcourse.twobranch.backward",
                     "dlcourse.tf.twobranch.gradients"),
         wrong_answers={"two_branch_gradient_to_both": Mistake(
        "the max passes the gradient to both branches, where only the larger one gets it",
        "eq-dmax", 'chapter 2, Eq. (3)', """\
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
"""),
                        "two_branch_without_batch_mean": Mistake(
        "the batch mean's 1/N is left out",
        "sec-derivation", 'chapter 2, section "(2) The gradients, node by node"', """\
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
    to21 = l21 >= l22
    d21 = dz * to21 * (pre21 > 0)
    d22 = dz * ~to21 * l22 * (1 - l22)
    d1 = (d21 @ W21 + d22 @ W22) * (pre1 > 0)
    return d1.T @ x, d21.T @ l1, d22.T @ l1
""")},
         title="Backpropagation through the two-branch network",
         text="""\
`l1 = ReLU(W1 x)`, `l21 = ReLU(W21 l1)`, `l22 = sigmoid(W22 l1)`, `z = max(l21, l22)` elementwise (ties go to `l21`), `L = cross-entropy(softmax(z), y)`. Inputs come as a batch: `x` is `(N, 4)`, `y` holds integer labels in {0, 1, 2}, weights are `(out, in)` as in the book, and the loss is the mean over the batch. Return `(dW1, dW21, dW22)`.""",  # noqa: E501
         solution="""\
def two_branch_backward(x, y, W1, W21, W22):
    ### BEGIN SOLUTION
    y = np.asarray(y, dtype=int)
    n = x.shape[0]
    pre1 = x @ W1.T
    l1 = np.maximum(pre1, 0)
    pre21 = l1 @ W21.T
    l21 = np.maximum(pre21, 0)
    l22 = 1 / (1 + np.exp(-(l1 @ W22.T)))
    first = l21 >= l22
    z = np.where(first, l21, l22)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    dz = e / e.sum(axis=1, keepdims=True)
    dz[np.arange(n), y] -= 1
    dz /= n
    d21 = np.where(first, dz, 0) * (pre21 > 0)
    d22 = np.where(first, 0, dz) * l22 * (1 - l22)
    dl1 = d21 @ W21 + d22 @ W22
    d1 = dl1 * (pre1 > 0)
    return d1.T @ x, d21.T @ l1, d22.T @ l1
    ### END SOLUTION"""),
    Spec("test_binary_classifier_backward", "binary_classifier_backward", _binary_inputs, _binary_classifier_backward,
         ("dW1", "db1", "dW2", "db2"), points=3, questions=("2.4",),
         references=("dlcourse.losses.binary_cross_entropy_with_logits",),
         wrong_answers={"binary_classifier_without_batch_mean": Mistake(
        "the batch mean's 1/N is left out",
        "eq-binary-deltas", 'chapter 2, Eq. (5)', """\
def binary_classifier_backward(X, y, W1, b1, W2, b2):
    a1 = X @ W1.T + b1
    h = np.maximum(a1, 0)
    p = 1 / (1 + np.exp(-(h @ W2.T + b2)))
    d2 = p - y.reshape(-1, 1)
    d1 = d2 @ W2 * (a1 > 0)
    return d1.T @ X, d1.sum(axis=0), d2.T @ h, d2.sum(axis=0)
""")},
         title="A two-layer binary classifier",
         text="""\
The network of chapter 2, with its weights laid out (out, in) as in the book: `a1 = W1 x + b1`, `h = ReLU(a1)`, `a2 = W2 h + b2`, `p = sigmoid(a2)`, where `W1` is (D_a1, D_x), `b1` (D_a1,), `W2` (1, D_a1) and `b2` (1,). `X` holds one example per row (N, D_x), `y` the labels in {0, 1}, and the loss is the mean binary cross-entropy over the batch. Return `(dW1, db1, dW2, db2)`, each shaped like its parameter.""",  # noqa: E501
         solution="""\
def binary_classifier_backward(X, y, W1, b1, W2, b2):
    ### BEGIN SOLUTION
    n = X.shape[0]
    a1 = X @ W1.T + b1
    h = np.maximum(a1, 0)
    p = 1 / (1 + np.exp(-(h @ W2.T + b2)))
    # the sigmoid's slope cancels the cross-entropy's denominator: dL/da2 = (p - y) / N
    delta2 = (p[:, 0] - y)[:, None] / n
    delta1 = (delta2 @ W2) * (a1 > 0)
    return delta1.T @ X, delta1.sum(axis=0), delta2.T @ h, delta2.sum(axis=0)
    ### END SOLUTION"""),
    Spec("test_dropout_backward", "dropout_backward", _dropout_inputs, _dropout_backward, ("dx",), points=1,
         questions=("2.5",), random_cases=3,
         edge_cases={"rate 0.95 (nearly every unit dropped)": lambda rng: _dropout_inputs(rng, 3, rate=0.95)},
         references=("dlcourse.layers.dropout_backward",),
         wrong_answers={"dropout_mask_without_rescaling": Mistake(
        "the mask is applied without inverted dropout's rescaling by 1 / (1 - rate)",
        "sec-dropout-backprop", 'chapter 2, section "Dropout in backpropagation (seed 001)"', """\
def dropout_backward(dout, keep, rate):
    return dout * keep
""")},
         title="Dropout, backward",
         text="""\
In training, inverted dropout with rate `rate` returned `out = x * keep / (1 - rate)`, where `keep` is the mask it drew (1 where a unit was kept, 0 where it was dropped). Given the upstream gradient `dout`, return `dL/dx`.""",  # noqa: E501
         solution="""\
def dropout_backward(dout, keep, rate):
    ### BEGIN SOLUTION
    return dout * keep / (1 - rate)
    ### END SOLUTION"""),
    Spec("test_lipschitz_bound", "lipschitz_bound", _weights_inputs, _lipschitz_bound, ("bound",), points=2,
         questions=("8.2",), rtol=1e-5, references=("dlcourse.lipschitz.product_bound",),
         wrong_answers={"sigmoid_constant_one": Mistake(
        "the sigmoid's Lipschitz constant is taken as 1, where it is 1/4",
        "eq-product-bound", 'chapter 8, Eq. (2)', """\
def lipschitz_bound(W1, W2, W3):
    return np.prod([np.linalg.norm(W, 2) for W in (W1, W2, W3)])
""")},
         title="The product bound on a Lipschitz constant",
         text="""\
For `f(x) = W3 sigmoid(W2 tanh(W1 x))`, return the upper bound on its Lipschitz constant that the product of the layers' constants gives (spectral norms and the activations' constants).""",  # noqa: E501
         solution="""\
def lipschitz_bound(W1, W2, W3):
    ### BEGIN SOLUTION
    return 1.0 * 0.25 * np.prod([np.linalg.norm(W, 2) for W in (W1, W2, W3)])
    ### END SOLUTION"""),
    Written("answer_noise_and_weight_decay", points=2, questions=("8.3",),
         title="Noisy inputs and weight decay",
         text="""\
(a) A layer `f(x) = W x` receives `x + e` instead of `x`. Bound the change of its output in terms of `||e||`, say when the bound is attained, and extend it to a network of such layers with activations.

(b) Explain how the weight decay penalty `lambda ||W||_F^2` acts on `sigma_max(W)` during gradient descent with learning rate `eta`, and what that does to the noise of (a).""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
(a) ||W (x + e) - W x|| = ||W e|| <= sigma_max(W) ||e||, with equality when e is along v_1, the top right singular vector: a layer amplifies noise by at most sigma_max. Through a network x -> h_n(W_n ... h_1(W_1 x)), the constants multiply: the change is at most prod_i L_{h_i} sigma_max(W_i) ||e|| (L_h = 1 for ReLU and tanh, 1/4 for the sigmoid), an upper bound that need not be attained.

(b) The penalty's gradient is 2 lambda W, so a step is W <- W - eta (grad_W L_data + 2 lambda W) = (1 - 2 eta lambda) W - eta grad_W L_data. The decay part multiplies W by (1 - 2 eta lambda), and scaling a matrix scales every singular value (c W = U (c Sigma) V^T), so it multiplies sigma_max by (1 - 2 eta lambda) at every step. The data gradient pushes back, and training settles where the two balance, at a smaller sigma_max than without decay (an observation, which the lab measures, not a theorem). A smaller sigma_max in every layer lowers the bound of (a) and so the amplification of input noise.

Rubric (2 points): 1 for (a): the bound with its equality case (1/2) and the product over the layers (1/2). 1 for (b): the multiplicative shrink by (1 - 2 eta lambda) of every singular value (1/2) and its effect on the bound (1/2). An answer that rests on sigma_max <= ||W||_F alone (true, but not why decay shrinks sigma_max) earns at most 1/2 for (b).
### END SOLUTION"""),  # noqa: E501
    Written("proof_multiplicative_noise", points=2, questions=("8.4",),
         title="Multiplicative input noise",
         text="""\
For one example `(x, t)`, each input is multiplied by independent noise `d_k` with `E[d_k] = 1` and `Var(d_k) = s^2`, and `J = 1/2 (sum_k w_k x_k d_k - t)^2`. Derive `E[dJ/dw_i]` and show that it is the gradient of the clean loss plus the gradient of a penalty. Which penalty? What is `s^2` for inverted dropout with rate `p`?""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
By the chain rule, dJ/dw_i = (sum_k w_k x_k d_k - t) x_i d_i = sum_k w_k x_k x_i d_k d_i - t x_i d_i. The moments: for k != i, E[d_k d_i] = E[d_k] E[d_i] = 1 (independence); E[d_i^2] = Var(d_i) + E[d_i]^2 = 1 + s^2; E[d_i] = 1. Taking expectations term by term, E[dJ/dw_i] = sum_{k != i} w_k x_k x_i + (1 + s^2) w_i x_i^2 - t x_i = (w^T x - t) x_i + s^2 w_i x_i^2. The first part is the gradient of the clean loss 1/2 (w^T x - t)^2; the second is the gradient of (s^2/2) sum_i w_i^2 x_i^2: an L2 penalty on each weight, scaled by its input's square (over a data set, by the input's second moment). Inverted dropout has d_k = m_k/(1 - p) with m_k ~ Bernoulli(1 - p): E[d_k] = 1 and E[d_k^2] = (1 - p)/(1 - p)^2 = 1/(1 - p), so s^2 = 1/(1 - p) - 1 = p/(1 - p).

Rubric (2 points): 1 for the moments (E[d_k d_i] = 1 for k != i, E[d_i^2] = 1 + s^2) and the expectation term by term. 1 for the penalty (s^2/2) sum_i w_i^2 x_i^2 (1/2) and s^2 = p/(1 - p) for dropout (1/2).
### END SOLUTION"""),  # noqa: E501
    Written("proof_weight_noise", points=3, questions=("8.5",),
         title="Additive weight noise in linear regression",
         text="""\
Seed 003, Q6: `y = sum_k (w_k + delta_k) x_k` with independent `delta_k ~ N(0, alpha w_k^2)`, and `J = 1/2 (y - t)^2` for one example `(x, t)`.

(a) Compute `E[dJ/dw_k]` when the noise is sampled and then held fixed while differentiating.

(b) Compute it again when the noise is written `delta_k = sqrt(alpha) w_k eps_k` with `eps_k ~ N(0, 1)` held fixed.

(c) Compute `E[J]`. Which of (a) and (b) is its gradient, and why do (a) and (b) differ?

(d) The seed's answer ends with the term `+ alpha w_k^2 x_k^2` and calls `E[x_k^2]` the variance of `x_k`. What is wrong with each?""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
First, y - t = (w^T x - t) + sum_j delta_j x_j.
(a) With delta fixed, dy/dw_k = x_k and dJ/dw_k = (y - t) x_k. Since E[delta_j] = 0, E[dJ/dw_k] = (w^T x - t) x_k + x_k sum_j x_j E[delta_j] = (w^T x - t) x_k: the clean gradient, and no penalty at all.
(b) Now y = sum_k w_k (1 + sqrt(alpha) eps_k) x_k: multiplicative noise d_k = 1 + sqrt(alpha) eps_k with E[d_k] = 1 and Var(d_k) = alpha, so section {section:proof_multiplicative_noise} gives E[dJ/dw_k] = (w^T x - t) x_k + alpha w_k x_k^2.
(c) Square y - t and take expectations: the cross term 2 (w^T x - t) sum_j x_j E[delta_j] vanishes, and E[(sum_j delta_j x_j)^2] = sum_j x_j^2 E[delta_j^2] because E[delta_i delta_j] = 0 for i != j. So E[J] = 1/2 (w^T x - t)^2 + (alpha/2) sum_k w_k^2 x_k^2, a data-dependent L2 penalty, whose gradient is (b)'s, not (a)'s. They differ because the noise's variance alpha w_k^2 depends on w: holding delta fixed ignores that dependence, so in (a) E[grad J] != grad E[J]; writing delta = sqrt(alpha) w eps moves the dependence into the function, and then expectation and gradient commute.
(d) The term has the wrong power of w: the gradient of (alpha/2) w_k^2 x_k^2 is alpha w_k x_k^2 (and the seed's own algebra gives 0 for it: it is added, not derived). E[x_k^2] is a second moment, equal to the variance only when E[x_k] = 0; and here x is a given input, not a random one. (The seed also uses k both as the free index and as the summation index.)

Rubric (3 points): 1 for (a) and (b) (1/2 each). 1 for (c): E[J] with the vanishing cross term and E[delta_i delta_j] = 0 (1/2), its gradient matching (b) and the reason, a variance that depends on w (1/2). 1 for (d): the wrong power of w (1/2) and a second moment called a variance (1/2).
### END SOLUTION"""),  # noqa: E501
    Spec("test_minibatch_gradient_variance", "minibatch_gradient_variance", _gradients_inputs,
         _minibatch_gradient_variance, ("variance",), points=2, questions=("10.1",),
         edge_cases={"the whole data set as the batch (no noise)": _whole_data_set},
         wrong_answers={"batch_variance_with_replacement": Mistake(
        "the batch is drawn as if with replacement: the factor (N - B) / (N - 1) is left out",
        "eq-batch-variance", 'chapter 10, Eq. (1)', """\
def minibatch_gradient_variance(G, B):
    return np.sum((G - G.mean(axis=0)) ** 2) / len(G) / B
""")},
         title="How noisy is a mini-batch gradient?",
         text="""\
Row i of `G` (N, d) is the gradient of example i's loss, and the full gradient `g` is the mean of the rows. A mini-batch of `B` distinct examples is drawn uniformly at random, without replacement, and `g_B` is the mean of its rows. Return `E ||g_B - g||^2` exactly, not by sampling.""",  # noqa: E501
         solution="""\
def minibatch_gradient_variance(G, B):
    ### BEGIN SOLUTION
    n = len(G)
    sigma2 = np.sum((G - G.mean(axis=0)) ** 2) / n
    # sampling without replacement: the finite-population factor (N - B) / (N - 1)
    return sigma2 / B * (n - B) / (n - 1)
    ### END SOLUTION"""),
    Written("answer_saturation", points=2, questions=("10.2",),
         title="Saturating sigmoids",
         text="""\
(a) Bound the sigmoid's slope `sigma'(a)` in two ways, and explain why a network of sigmoid units with large positive initial weights and non-negative inputs barely learns.

(b) Seed 003 adds that sigmoid outputs "struggle to represent highly confident predictions". Is that right? What does a saturated output unit lose under a squared-error loss, and under cross-entropy?""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
(a) sigma'(a) = sigma(a) (1 - sigma(a)) <= 1/4, because 1/4 - u (1 - u) = (u - 1/2)^2 >= 0; and sigma'(a) <= e^(-|a|): for a >= 0, sigma'(a) = e^(-a)/(1 + e^(-a))^2 <= e^(-a), and sigma' is even (at |a| = 10 it is below 5e-5). Backpropagation through a layer h = sigma(a), a = W h_prev + b, multiplies the gradient by these slopes: dL/dh_prev = W^T (sigma'(a) * dL/dh). With large positive weights and non-negative inputs, every pre-activation is a large sum of positive terms, every unit sits near 1 where sigma'(a) ~ e^(-a), and every gradient through it is multiplied by almost zero, layer after layer: the first layers' gradients vanish and learning stalls.

(b) No: sigma takes every value in (0, 1), and a probability p is reached at the finite logit a = ln(p/(1 - p)) (p = 1 - 1e-6 at a ~ 13.8). What a saturated output unit can lose is its learning signal, and that depends on the loss. Under squared error, d/da 1/2 (sigma(a) - t)^2 = (sigma(a) - t) sigma'(a), which vanishes when the unit is confidently wrong, just when it most needs correcting. Under cross-entropy the chain rule gives dL/da = sigma(a) - t: the slope cancels, and the gradient stays near +-1 however confident the mistake. Saturated outputs call for cross-entropy; saturated hidden units for a smaller initial scale or a non-saturating activation such as ReLU.

Rubric (2 points): 1 for (a): the two bounds (1/2) and the product of small slopes through the layers (1/2). 1 for (b): "no", with the finite logit (1/2), and the gradient (sigma - t) sigma' under squared error against sigma - t under cross-entropy (1/2).
### END SOLUTION"""),  # noqa: E501
    Spec("test_mlp_param_count", "mlp_param_count", _sizes_inputs, _mlp_param_count, ("count",), points=1,
         questions=("10.3",), atol=0.0, rtol=0.0, random_cases=3,
         edge_cases={"syllabus 10: input 20, five hidden layers of 10, one output": _syllabus_network},
         visible_edges=("syllabus 10: input 20, five hidden layers of 10, one output",),
         references=("dlcourse.models.mlp_param_count",),
         wrong_answers={"parameters_without_biases": Mistake(
        "the biases are not counted: each layer has (n_in + 1) n_out parameters, not n_in n_out",
        "eq-661", 'chapter 10, Eq. (2)', """\
def mlp_param_count(sizes):
    return int(sum(a * b for a, b in zip(sizes[:-1], sizes[1:])))
""")},
         title="Counting parameters",
         text="""\
A fully connected network has layer widths `sizes` (input first, output last), with a bias in every layer. Return its number of parameters.""",  # noqa: E501
         solution="""\
def mlp_param_count(sizes):
    ### BEGIN SOLUTION
    return int(sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])))
    ### END SOLUTION"""),
    Written("answer_initialisation", points=3, questions=("10.4",),
         title="Initialisation",
         text="""\
(a) Show that two hidden units that start with the same incoming weights and bias and the same outgoing weights stay equal under gradient descent. What breaks the symmetry?

(b) For one layer `z = W h` with `n_in` inputs and weights drawn independently with mean 0 and variance `v`, independent of `h`, show that `Var(z_i) = n_in v E[h_j^2]`. Deduce the variance `v` that keeps `Var(z)` from layer to layer in a ReLU network (He's), and what happens to it over 20 ReLU layers of width n with `v = 1/n` and with `v = 4/n`.""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
(a) By induction over the steps. If units k and k' have equal incoming weights and bias, they compute the same activation on every input. If they also have equal outgoing weights, they receive the same backpropagated gradient, delta_k = phi'(a_k) sum_m W_mk delta_m = delta_k'. Then their incoming weights get the same gradients delta_k x, and their outgoing weights the same gradients delta_m h_k; after the step they are equal again. The layer behaves like one unit, however wide. Random initialisation breaks the symmetry.

(b) Each term W_ij h_j has mean E[W_ij] E[h_j] = 0, so its variance is E[W_ij^2 h_j^2] = E[W_ij^2] E[h_j^2] = v E[h_j^2] (independence), and the terms are uncorrelated, so Var(z_i) = sum_j Var(W_ij h_j) = n_in v E[h_j^2]. In a ReLU network h = max(0, z_prev); if z_prev is symmetric about 0, h keeps exactly its positive half, so E[h_j^2] = E[z_prev^2 1[z_prev > 0]] = 1/2 Var(z_prev), and Var(z) = 1/2 n_in v Var(z_prev): the variance is kept iff v = 2/n_in (He). With width n the factor per layer is n v / 2, so over 20 layers Var is multiplied by (n v / 2)^20: with v = 1/n (Glorot's for equal fans) by 2^-20 ~ 1e-6, it vanishes; with v = 4/n by 2^20 ~ 1e6, it explodes. The backpropagated gradients are multiplied by the same factors.

Rubric (3 points): 1 for (a): the induction, with equal activations forward and equal gradients backward (1/2 if only one direction), and randomness breaking it. 1 for the variance of the sum: zero-mean terms, independence, uncorrelated terms. 1 for the ReLU's factor 1/2 and v = 2/n_in (1/2), and the two 20-layer factors 2^-20 and 2^20 (1/2).
### END SOLUTION"""),  # noqa: E501
    Spec("test_sigmoid_unit_step", "sigmoid_unit_step", _sigmoid_unit_inputs, _sigmoid_unit_step,
         ("dw", "db", "w_new", "b_new"), points=2, questions=("10.5",), random_cases=3,
         edge_cases={"a large weight (the sigmoid saturates)": _saturated_unit},
         references=("dlcourse.neuron.sigmoid_unit", "dlcourse.neuron.sigmoid_unit_step"),
         wrong_answers={"sigmoid_unit_without_decay": Mistake(
        "the weight decay's lambda w is left out of dL/dw",
        "eq-sigmoid-unit", 'chapter 10, Eq. (4)', """\
def sigmoid_unit_step(w, b, x, t, lam, lr):
    y = 1 / (1 + np.exp(-(w * x + b)))
    d = (y - t) * y * (1 - y)
    return d * x, d, w - lr * d * x, b - lr * d
""")},
         title="One sigmoid unit, one gradient step",
         text="""\
`y = sigmoid(w x + b)`, `L = (y - t)^2 / 2 + lam w^2 / 2` (the bias is not decayed). Return `(dL/dw, dL/db, w_new, b_new)` after one gradient-descent step with learning rate `lr`.""",  # noqa: E501
         solution="""\
def sigmoid_unit_step(w, b, x, t, lam, lr):
    ### BEGIN SOLUTION
    y = 1 / (1 + np.exp(-(w * x + b)))
    delta = (y - t) * y * (1 - y)
    dw, db = delta * x + lam * w, delta
    return dw, db, w - lr * dw, b - lr * db
    ### END SOLUTION"""),
    Spec("test_multiclass_hinge", "multiclass_hinge", _scores_inputs, _multiclass_hinge, ("loss", "ds"),
         points=2, questions=("11.1",), references=("dlcourse.losses.multiclass_hinge",),
         wrong_answers={"hinge_summed_not_averaged": Mistake(
        "the loss and its gradient are summed over the examples, where the loss is their mean",
        "sec-hinge", 'chapter 11, section "The multiclass hinge loss (seed 004, Q1)"', """\
def multiclass_hinge(s, y):
    y = np.asarray(y, int)
    r = np.arange(len(s))
    mg = s - s[r, y][:, None] + 1.0
    mg[r, y] = 0
    j = mg.argmax(1)
    ds = np.zeros_like(s)
    ds[r, j] += 1
    ds[r, y] -= 1
    return mg[r, j].sum(), ds
""")},
         title="The multiclass hinge loss",
         text="""\
Return `(loss, ds)`: the average over rows of `max_j (s_j - s_y + [j != y])` and a subgradient of that average in the scores `s`.""",  # noqa: E501
         solution="""\
def multiclass_hinge(s, y):
    ### BEGIN SOLUTION
    y = np.asarray(y, dtype=int)
    n = s.shape[0]
    rows = np.arange(n)
    margins = s - s[rows, y][:, None] + 1.0
    margins[rows, y] = 0.0
    j = margins.argmax(axis=1)
    ds = np.zeros_like(s)
    ds[rows, j] += 1.0 / n
    ds[rows, y] -= 1.0 / n
    return margins[rows, j].mean(), ds
    ### END SOLUTION"""),
    Written("proof_hinge_zero_error", points=3, questions=("11.1",),
         title="Zero training error on separable data",
         text="""\
With scores `<w_j, x>` and the multiclass hinge loss `l(W; x, y) = max_j (<w_j, x> - <w_y, x> + [j != y])` of section {section:test_multiclass_hinge}, suppose the data are separable: some `W0` has `<w0_{y_n}, x_n> > <w0_j, x_n>` for every example n and every `j != y_n`. Prove that every minimiser of the average loss `f(W) = (1/n) sum_n l(W; x_n, y_n)` has zero training error, where the classifier predicts `argmax_j <w_j, x>`.""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
1. f >= 0: each loss has the term j = y, which is 0, so l >= 0, and so is their average.
2. The hinge bounds the zero-one loss: l(W; x, y) >= [yhat(x) != y] for every W. If yhat(x) = y the right side is 0 and step 1 applies. If yhat(x) = k != y, then <w_k, x> >= <w_y, x> (whatever the rule for ties), so the term j = k is <w_k, x> - <w_y, x> + 1 >= 1, and the maximum is at least that: l >= 1. Averaging over the examples, err(W) <= f(W).
3. min f = 0: the gaps gamma_n = <w0_{y_n}, x_n> - max_{j != y_n} <w0_j, x_n> are finitely many and all strictly positive, so gamma_0 = min_n gamma_n > 0. Scores are linear in W, so the gaps of W0/gamma_0 are those of W0 divided by gamma_0: all at least 1. Every term j != y_n of l(W0/gamma_0; x_n, y_n) is then 1 - (its gap) <= 0, so every loss is 0 and f(W0/gamma_0) = 0. With step 1, min f = 0.
4. A minimiser W* has f(W*) = min f = 0, so by step 2, 0 <= err(W*) <= f(W*) = 0: every training example is classified correctly. (Since an average of non-negative numbers is 0 only if each is, every example even has a gap of at least 1.)

Rubric (3 points): 1 for step 2, the hinge bounding the zero-one loss, including the case of a tie. 1 for step 3, rescaling by the smallest gap, which needs the strict inequality (and finitely many examples) to be positive. 1 for steps 1 and 4, the sandwich 0 <= err <= f = 0. A proof that rescales by a gap that may be 0, or uses separability without the strict inequality, earns at most 2.
### END SOLUTION"""),  # noqa: E501
    # graded by a property of what the student returns, not against one reference answer
    Spec("test_relu_max", "relu_max_weights", _points_inputs, lambda x: (), ("W1", "w2"), points=1,
         questions=("11.2",), property="relu_network_equals_max", call_args=(),
         wrong_answers={"relu_max_loses_a_negative_x2": Mistake(
        "max(x1, x2) is built as ReLU(x1 - x2) + ReLU(x2), and ReLU(x2) loses a negative x2",
        "eq-relu-max", 'chapter 11, Eq. (2)', """\
def relu_max_weights():
    return np.array([[1.0, -1.0], [0.0, 1.0]]), np.array([1.0, 1.0])
""")},
         title="A ReLU network for max(x1, x2)",
         text="""\
Return `(W1, w2)` such that `relu(x @ W1.T) @ w2 == max(x1, x2)` exactly for every `x` in R^2.""",
         solution="""\
def relu_max_weights():
    ### BEGIN SOLUTION
    W1 = np.array([[0.5, 0.5], [-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5]])
    return W1, np.array([1.0, -1.0, 1.0, 1.0])
    ### END SOLUTION"""),
    Written("proof_svm_dual", points=4, questions=("11.3",),
         title="Soft SVM with squared slacks",
         text="""\
`min over w, b, xi of 1/2 ||w||^2 + C/2 sum_i xi_i^2` subject to `y_i (w^T x_i + b) >= 1 - xi_i` for every i, with labels `y_i` in {-1, +1}.

(a) Show that adding the constraints `xi >= 0` changes nothing: no optimum has a negative slack.

(b) Write the Lagrangian, with multipliers `alpha >= 0` for the margin constraints and `beta >= 0` for `xi >= 0`, and derive the dual problem.

(c) Express `w` and `xi` at the optimum through the dual solution, and say which examples have `alpha_i > 0`.""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
(a) If some xi_i < 0 at a solution, then y_i (w^T x_i + b) >= 1 - xi_i > 1, so setting xi_i = 0 keeps the constraint satisfied and lowers C/2 xi_i^2: a better point, a contradiction. No optimum has a negative slack, so adding xi >= 0 changes nothing (and beta = 0 at the optimum, as the dual shows again).

(b) L(w, b, xi, alpha, beta) = 1/2 ||w||^2 + C/2 sum_i xi_i^2 + sum_i alpha_i (1 - xi_i - y_i (w^T x_i + b)) - sum_i beta_i xi_i. The dual function g(alpha, beta) = min over w, b, xi of L, minimised variable by variable:
- in b, the term -b sum_i alpha_i y_i is linear: unless sum_i alpha_i y_i = 0, b -> +-infinity sends L to -infinity, so the dual keeps sum_i alpha_i y_i = 0;
- in w, 1/2 ||w||^2 - w^T sum_i alpha_i y_i x_i is strictly convex with gradient zero at w = sum_i alpha_i y_i x_i, where it equals -1/2 ||w||^2 = -1/2 sum_{i,j} alpha_i alpha_j y_i y_j x_i^T x_j;
- in each xi_i, C/2 xi_i^2 - (alpha_i + beta_i) xi_i is minimised at xi_i = (alpha_i + beta_i)/C, with value -(alpha_i + beta_i)^2/(2C).
So g(alpha, beta) = sum_i alpha_i - 1/2 sum_{i,j} alpha_i alpha_j y_i y_j x_i^T x_j - 1/(2C) sum_i (alpha_i + beta_i)^2 when sum_i alpha_i y_i = 0. For alpha_i >= 0 the last term decreases as beta_i >= 0 grows, so the maximum over beta is at beta = 0, and the dual is: maximise sum_i alpha_i - 1/2 sum_{i,j} alpha_i alpha_j y_i y_j x_i^T x_j - 1/(2C) sum_i alpha_i^2 subject to alpha >= 0 and sum_i alpha_i y_i = 0 (the hard-margin dual with the kernel matrix's diagonal raised by 1/C).

(c) The primal is a convex quadratic programme with affine constraints that some point satisfies, so strong duality holds and the minimisers above are the primal solution: w = sum_i alpha_i y_i x_i and xi_i = alpha_i / C >= 0. By complementary slackness, alpha_i (y_i (w^T x_i + b) - 1 + xi_i) = 0, so an example with alpha_i > 0 meets its constraint with equality, y_i (w^T x_i + b) = 1 - xi_i; and xi_i = alpha_i / C > 0 then, so y_i (w^T x_i + b) < 1. Conversely, y_i (w^T x_i + b) < 1 needs xi_i > 0, hence alpha_i = C xi_i > 0. The support vectors (alpha_i > 0) are exactly the examples strictly inside the margin or on its wrong side; an example exactly on the margin has xi_i = 0 and so alpha_i = 0, unlike in the hinge-slack SVM.

Rubric (4 points): 1 for (a), showing that no optimum has a negative slack (an argument that only shows the optimal value is unchanged earns 1/2). 1 for the Lagrangian and the minimisation in b (the constraint sum_i alpha_i y_i = 0) and in w. 1 for the minimisation in xi and beta = 0. 1 for the dual with its constraints alpha >= 0 and sum_i alpha_i y_i = 0 (1/2) and (c): w and xi from alpha, and the support vectors as the examples with y_i (w^T x_i + b) < 1, strictly inside the margin (1/2; "on or inside the margin" earns 1/4).
### END SOLUTION"""),  # noqa: E501
    Spec("test_train_mlp", "train_mlp", _train_mlp_inputs, _train_mlp, ("losses", "W1", "b1", "W2", "b2"),
         points=3, questions=("12.1",), references=("dlcourse.train.fit", "dlcourse.train.train_step"),
         wrong_answers={"gradient_summed_not_averaged": Mistake(
        "the gradient is summed over the batch: the batch mean's 1/N is left out",
        "sec-derivation", 'chapter 2, section "(2) The gradients, node by node"', """\
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
""")},
         title="A small training run",
         text="""\
Train the network `softmax(relu(X @ W1 + b1) @ W2 + b2)` with the mean cross-entropy loss by full-batch gradient descent: `epochs` steps with learning rate `lr`, starting from the given weights (do not modify the arrays passed in). Return `(losses, W1, b1, W2, b2)`: the loss before each step (length `epochs`) and the final weights. The grader runs it at several learning rates.

Mind the layout: here each row of `X` is an example and the weights are laid out (in, out), `W1` (D, H) and `W2` (H, K), so that `X @ W1` computes every example's hidden pre-activation at once. Sections {section:test_two_branch_backward} and {section:test_binary_classifier_backward} use the book's (out, in) layout, `W1 x` for one example as a column; this section's `W1` is the transpose of that matrix.""",  # noqa: E501
         solution="""\
def train_mlp(X, y, W1, b1, W2, b2, lr, epochs):
    ### BEGIN SOLUTION
    y = np.asarray(y, dtype=int)
    n = len(X)
    losses = []
    for _ in range(int(epochs)):
        h_pre = X @ W1 + b1
        h = np.maximum(h_pre, 0)
        s = h @ W2 + b2
        s = s - s.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        losses.append(-logp[np.arange(n), y].mean())
        ds = np.exp(logp)
        ds[np.arange(n), y] -= 1
        ds /= n
        dh = ds @ W2.T * (h_pre > 0)
        W1, b1, W2, b2 = W1 - lr * X.T @ dh, b1 - lr * dh.sum(0), W2 - lr * h.T @ ds, b2 - lr * ds.sum(0)
    return np.array(losses), W1, b1, W2, b2
    ### END SOLUTION"""),
    Written("answer_cnn_optimisers", points=2, questions=("12.2",),
         title="A CNN trained with SGD and with Adam",
         text="""\
Seed 004 trains a CNN on CIFAR-10 (ten classes): SGD at learning rate 0.005 reaches 49.91% test accuracy, Adam at 5e-5 reaches 62.49%, and Adam at 0.005 reaches 13.63%, with a final training loss of 2.2486.

(a) What do 13.63% and 2.2486 tell you about the run at 0.005? One explanation offered for the failure is the size of Adam's first steps: show that Adam's first step moves every coordinate by almost exactly the learning rate, whatever its gradient. Can that property, on its own, explain why 0.005 fails and 5e-5 trains? Chapter 12's lab runs Adam at 0.005 on its small CNN: what does it find, and what does that make of the explanation?

(b) The seed then adds BatchNorm and Dropout. Its rows for that experiment read: without them, loss 2.2486 and 61.86% accuracy; with them, loss 0.6086, 61.89% validation and 62.49% test accuracy. What can you conclude from these rows? When do BatchNorm and Dropout raise the test accuracy?""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
(a) 13.63% is close to chance, 10% for ten classes, and 2.2486 is close to ln 10 ~ 2.30, the cross-entropy of a uniform guess over ten classes: the network never learned. Adam's step in each coordinate is alpha mhat_t / (sqrt(vhat_t) + eps). At the first step mhat_1 = g_1 and vhat_1 = g_1^2, so every coordinate moves by almost exactly alpha, whatever the size of its gradient (and while the gradients keep their sign the ratio stays near 1): Adam uses its rate as a step length for every weight, where SGD multiplies it by the gradient. But this holds at every rate, at 5e-5 as at 0.005, so on its own it cannot say why one rate fails and the other trains; at most it suggests a hypothesis, that steps of 0.005 in every weight were too long for that network on that data. The lab does not bear it out at its scale: its small CNN on the digits trains with Adam at 0.005 about as well as at 0.001, and fails only at 0.5. So the first-step property is not the established cause; what makes a rate too large depends on the network, its initialisation and the data, and the seed's run does not tell which. At 5e-5 Adam's per-parameter scaling makes progress where SGD's single small rate crawls.

(b) Nothing: the rows cannot be read. The row without BatchNorm and Dropout pairs the diverged run's loss, 2.2486 (a uniform guess), with 61.86% accuracy, which cannot come from one run; and the row with them repeats the plain Adam row (loss 0.6086, 61.89% and 62.49%) digit for digit. Regularisers such as BatchNorm and Dropout pay off when a network overfits (training accuracy well above test accuracy); a network that barely overfits gains little from them.

Rubric (2 points): 1 for (a): chance accuracy with the loss ln 10 of a uniform guess (1/2); Adam's first step of about alpha in every coordinate, with the point that it holds at every rate, so it is at most a hypothesis, which the lab's run at 0.005 does not bear out (1/2: 1/4 for the derivation, 1/4 for its limits; an answer that gives the first step as the established cause of the failure earns only the first 1/4). 1 for (b): the rows are inconsistent, so no conclusion can be drawn (1/2), and overfitting as the condition for the regularisers to help (1/2).
### END SOLUTION"""),  # noqa: E501
    Spec("test_committee_predictions", "committee_predictions", _committee_inputs, _committee_predictions,
         ("vote", "mean", "median"), points=2, questions=("12.3",),
         edge_cases={"one member sure of a wrong class": _one_confident_mistake},
         visible_edges=("one member sure of a wrong class",),
         references=("dlcourse.figures.real_networks.committee_scores",),
         wrong_answers={"committee_vote_averages_labels": Mistake(
        "the vote averages the members' class numbers, where it counts the votes for each class",
        "sec-committees", 'chapter 12, section "Committees of MLPs (seed 003, Q2)"', """\
def committee_predictions(P):
    labels = P.argmax(axis=-1)
    vote = np.rint(labels.mean(axis=0)).astype(int)
    return vote, P.mean(axis=0).argmax(axis=-1), np.median(P, axis=0).argmax(axis=-1)
""")},
         title="Committees",
         text="""\
`P` (M, N, K) holds M members' class probabilities for N examples and K classes. Return the committee's predicted class for each example under three rules, `(vote, mean, median)`: the class most members predict (each member predicts its most probable class; a tie goes to the lowest class index), the class of largest mean probability over the members, and the class of largest median probability over the members.""",  # noqa: E501
         solution="""\
def committee_predictions(P):
    ### BEGIN SOLUTION
    votes = np.eye(P.shape[-1])[P.argmax(axis=-1)].sum(axis=0)
    mean = P.mean(axis=0)
    median = np.median(P, axis=0)
    return votes.argmax(axis=-1), mean.argmax(axis=-1), median.argmax(axis=-1)
    ### END SOLUTION"""),
    Written("answer_mnist1d", points=2, questions=("12.4",),
         title="MNIST-1D",
         text="""\
On MNIST, the MNIST-1D paper reports about 94% test accuracy for logistic regression and 99% or more for its MLP and its CNN. On MNIST-1D it reports about 32% for logistic regression, 68% for the MLP and 94% for the CNN. Explain this ordering from how MNIST-1D's signals are made and from what a convolution shares across positions, and say why MNIST separates the models by only a few points where MNIST-1D separates them by tens. Does chapter 12's lab reproduce the ordering?""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
MNIST-1D turns ten 1-D templates into 40-point signals with random padding, scaling, translation, shear and correlated noise: the same pattern appears at different positions. Logistic regression is linear in the 40 inputs, one fixed template per class at fixed positions, so it cannot follow a shifted pattern (about 32%). An MLP is non-linear and does better (about 68%), but its weights are tied to positions: it must learn a pattern separately at every position where it can appear, from limited data. A convolution applies the same kernel at every position (weight sharing), so it is translation-equivariant: shift the input and the feature maps shift with it, and after pooling the network is nearly invariant to the shift; it learns a pattern once, wherever it appears (about 94%). MNIST's digits are centred and size-normalised, so position matters little: even a linear model reaches about 94%, and the MLP and the CNN 99% and more. The models differ there by a few points, on MNIST-1D by tens: MNIST-1D is the better test of what an architecture buys. The lab trains the three models on generated MNIST-1D, with both backends, and asserts that each lands within 5 percentage points of the paper's figure, so it reproduces the ordering.

Rubric (2 points): 1 for the translated signals and the convolution's weight sharing, hence translation equivariance (1/2 each). 1 for why logistic regression and the MLP fall short (a linear template; weights tied to positions) (1/2), and for MNIST's centred digits, which leave the models a few points apart there (about 94% against 99%+), and the lab's agreement with the paper's ordering (1/2; an answer that puts every model near 99% on MNIST loses 1/4).
### END SOLUTION"""),  # noqa: E501
    MLP_MNIST1D,  # graded by its outcome: dlcourse/grading/outcome/hw3.py
    DIVERGING_MLP,  # graded by the outcome of its configuration: dlcourse/grading/outcome/diverging.py
]
