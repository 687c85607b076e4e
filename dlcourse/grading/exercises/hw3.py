"""Homework 3: backpropagation through networks, regularisation, training practice, SVMs and
real networks (autograder/source/hw3/hw3.ipynb)."""
from __future__ import annotations

import itertools

import numpy as np

from dlcourse import layers, lipschitz, losses, models, neuron, optim, train, twobranch
from dlcourse.figures import real_networks
from dlcourse.grading.exercise import Inputs, Mistake, Spec, Written
from dlcourse.grading.exercises._draw import size


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
Draw the computational graph of the network of section {section:test_two_branch_backward} (in Markdown, as a list of nodes: each node's operation, its inputs and its output; or as an image you embed). Mark where the two branches split and where they meet. Then list what the forward pass must store for the backward pass, and say what happens to the gradient at a node with two children."""),  # noqa: E501
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
`l1 = ReLU(W1 x)`, `l21 = ReLU(W21 l1)`, `l22 = sigmoid(W22 l1)`, `z = max(l21, l22)` elementwise (ties go to `l21`), `L = cross-entropy(softmax(z), y)`. Inputs come as a batch: `x` is `(N, 4)`, `y` holds integer labels in {0, 1, 2}, weights are `(out, in)` as in the book, and the loss is the mean over the batch. Return `(dW1, dW21, dW22)`."""),  # noqa: E501
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
The network of chapter 2, with its weights laid out (out, in) as in the book: `a1 = W1 x + b1`, `h = ReLU(a1)`, `a2 = W2 h + b2`, `p = sigmoid(a2)`, where `W1` is (D_a1, D_x), `b1` (D_a1,), `W2` (1, D_a1) and `b2` (1,). `X` holds one example per row (N, D_x), `y` the labels in {0, 1}, and the loss is the mean binary cross-entropy over the batch. Return `(dW1, db1, dW2, db2)`, each shaped like its parameter."""),  # noqa: E501
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
In training, inverted dropout with rate `rate` returned `out = x * keep / (1 - rate)`, where `keep` is the mask it drew (1 where a unit was kept, 0 where it was dropped). Given the upstream gradient `dout`, return `dL/dx`."""),  # noqa: E501
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
For `f(x) = W3 sigmoid(W2 tanh(W1 x))`, return the upper bound on its Lipschitz constant that the product of the layers' constants gives (spectral norms and the activations' constants)."""),  # noqa: E501
    Written("answer_noise_and_weight_decay", points=2, questions=("8.3",),
         title="Noisy inputs and weight decay",
         text="""\
(a) A layer `f(x) = W x` receives `x + e` instead of `x`. Bound the change of its output in terms of `||e||`, say when the bound is attained, and extend it to a network of such layers with activations.

(b) Explain how the weight decay penalty `lambda ||W||_F^2` acts on `sigma_max(W)` during gradient descent with learning rate `eta`, and what that does to the noise of (a)."""),  # noqa: E501
    Written("proof_multiplicative_noise", points=2, questions=("8.4",),
         title="Multiplicative input noise",
         text="""\
For one example `(x, t)`, each input is multiplied by independent noise `d_k` with `E[d_k] = 1` and `Var(d_k) = s^2`, and `J = 1/2 (sum_k w_k x_k d_k - t)^2`. Derive `E[dJ/dw_i]` and show that it is the gradient of the clean loss plus the gradient of a penalty. Which penalty? What is `s^2` for inverted dropout with rate `p`?"""),  # noqa: E501
    Written("proof_weight_noise", points=3, questions=("8.5",),
         title="Additive weight noise in linear regression",
         text="""\
Seed 003, Q6: `y = sum_k (w_k + delta_k) x_k` with independent `delta_k ~ N(0, alpha w_k^2)`, and `J = 1/2 (y - t)^2` for one example `(x, t)`.

(a) Compute `E[dJ/dw_k]` when the noise is sampled and then held fixed while differentiating.

(b) Compute it again when the noise is written `delta_k = sqrt(alpha) w_k eps_k` with `eps_k ~ N(0, 1)` held fixed.

(c) Compute `E[J]`. Which of (a) and (b) is its gradient, and why do (a) and (b) differ?

(d) The seed's answer ends with the term `+ alpha w_k^2 x_k^2` and calls `E[x_k^2]` the variance of `x_k`. What is wrong with each?"""),  # noqa: E501
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
Row i of `G` (N, d) is the gradient of example i's loss, and the full gradient `g` is the mean of the rows. A mini-batch of `B` distinct examples is drawn uniformly at random, without replacement, and `g_B` is the mean of its rows. Return `E ||g_B - g||^2` exactly, not by sampling."""),  # noqa: E501
    Written("answer_saturation", points=2, questions=("10.2",),
         title="Saturating sigmoids",
         text="""\
(a) Bound the sigmoid's slope `sigma'(a)` in two ways, and explain why a network of sigmoid units with large positive initial weights and non-negative inputs barely learns.

(b) Seed 003 adds that sigmoid outputs "struggle to represent highly confident predictions". Is that right? What does a saturated output unit lose under a squared-error loss, and under cross-entropy?"""),  # noqa: E501
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
A fully connected network has layer widths `sizes` (input first, output last), with a bias in every layer. Return its number of parameters."""),  # noqa: E501
    Written("answer_initialisation", points=3, questions=("10.4",),
         title="Initialisation",
         text="""\
(a) Show that two hidden units that start with the same incoming weights and bias and the same outgoing weights stay equal under gradient descent. What breaks the symmetry?

(b) For one layer `z = W h` with `n_in` inputs and weights drawn independently with mean 0 and variance `v`, independent of `h`, show that `Var(z_i) = n_in v E[h_j^2]`. Deduce the variance `v` that keeps `Var(z)` from layer to layer in a ReLU network (He's), and what happens to it over 20 ReLU layers of width n with `v = 1/n` and with `v = 4/n`."""),  # noqa: E501
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
`y = sigmoid(w x + b)`, `L = (y - t)^2 / 2 + lam w^2 / 2` (the bias is not decayed). Return `(dL/dw, dL/db, w_new, b_new)` after one gradient-descent step with learning rate `lr`."""),  # noqa: E501
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
Return `(loss, ds)`: the average over rows of `max_j (s_j - s_y + [j != y])` and a subgradient of that average in the scores `s`."""),  # noqa: E501
    Written("proof_hinge_zero_error", points=3, questions=("11.1",),
         title="Zero training error on separable data",
         text="""\
With scores `<w_j, x>` and the multiclass hinge loss `l(W; x, y) = max_j (<w_j, x> - <w_y, x> + [j != y])` of section {section:test_multiclass_hinge}, suppose the data are separable: some `W0` has `<w0_{y_n}, x_n> > <w0_j, x_n>` for every example n and every `j != y_n`. Prove that every minimiser of the average loss `f(W) = (1/n) sum_n l(W; x_n, y_n)` has zero training error, where the classifier predicts `argmax_j <w_j, x>`."""),  # noqa: E501
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
Return `(W1, w2)` such that `relu(x @ W1.T) @ w2 == max(x1, x2)` exactly for every `x` in R^2."""),
    Written("proof_svm_dual", points=4, questions=("11.3",),
         title="Soft SVM with squared slacks",
         text="""\
`min over w, b, xi of 1/2 ||w||^2 + C/2 sum_i xi_i^2` subject to `y_i (w^T x_i + b) >= 1 - xi_i` for every i, with labels `y_i` in {-1, +1}.

(a) Show that adding the constraints `xi >= 0` changes nothing: no optimum has a negative slack.

(b) Write the Lagrangian, with multipliers `alpha >= 0` for the margin constraints and `beta >= 0` for `xi >= 0`, and derive the dual problem.

(c) Express `w` and `xi` at the optimum through the dual solution, and say which examples have `alpha_i > 0`."""),  # noqa: E501
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

Mind the layout: here each row of `X` is an example and the weights are laid out (in, out), `W1` (D, H) and `W2` (H, K), so that `X @ W1` computes every example's hidden pre-activation at once. Sections {section:test_two_branch_backward} and {section:test_binary_classifier_backward} use the book's (out, in) layout, `W1 x` for one example as a column; this section's `W1` is the transpose of that matrix."""),  # noqa: E501
    Written("answer_cnn_optimisers", points=2, questions=("12.2",),
         title="A CNN trained with SGD and with Adam",
         text="""\
Seed 004 trains a CNN on CIFAR-10 (ten classes): SGD at learning rate 0.005 reaches 49.91% test accuracy, Adam at 5e-5 reaches 62.49%, and Adam at 0.005 reaches 13.63%, with a final training loss of 2.2486.

(a) What do 13.63% and 2.2486 tell you about the run at 0.005? One explanation offered for the failure is the size of Adam's first steps: show that Adam's first step moves every coordinate by almost exactly the learning rate, whatever its gradient. Can that property, on its own, explain why 0.005 fails and 5e-5 trains? Chapter 12's lab runs Adam at 0.005 on its small CNN: what does it find, and what does that make of the explanation?

(b) The seed then adds BatchNorm and Dropout. Its rows for that experiment read: without them, loss 2.2486 and 61.86% accuracy; with them, loss 0.6086, 61.89% validation and 62.49% test accuracy. What can you conclude from these rows? When do BatchNorm and Dropout raise the test accuracy?"""),  # noqa: E501
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
`P` (M, N, K) holds M members' class probabilities for N examples and K classes. Return the committee's predicted class for each example under three rules, `(vote, mean, median)`: the class most members predict (each member predicts its most probable class; a tie goes to the lowest class index), the class of largest mean probability over the members, and the class of largest median probability over the members."""),  # noqa: E501
    Written("answer_mnist1d", points=2, questions=("12.4",),
         title="MNIST-1D",
         text="""\
On MNIST, the MNIST-1D paper reports about 94% test accuracy for logistic regression and 99% or more for its MLP and its CNN. On MNIST-1D it reports about 32% for logistic regression, 68% for the MLP and 94% for the CNN. Explain this ordering from how MNIST-1D's signals are made and from what a convolution shares across positions, and say why MNIST separates the models by only a few points where MNIST-1D separates them by tens. Does chapter 12's lab reproduce the ordering?"""),  # noqa: E501
]
