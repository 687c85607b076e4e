"""Homework 2: matrix calculus, Hessians and convexity, gradient descent and Newton's method on
quadratics (autograder/source/hw2/hw2.ipynb)."""
from __future__ import annotations

import numpy as np

from dlcourse import losses, matcalc, newton, quadratic, regularizers
from dlcourse.grading.exercise import Inputs, Mistake, Spec, Written
from dlcourse.grading.exercises._draw import size, spd


def _quadratic_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n = 2 + k % 4  # from 2 up: a 1 x 1 matrix is symmetric and would hide the A + A^T
    return {"A": rng.standard_normal((n, n)), "x": rng.standard_normal(n)}


def _grad_quadratic_form(A, x):
    return matcalc.d_quadratic_dx(A, x), matcalc.d_quadratic_dA(x)


def _trace_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"A": rng.standard_normal((3, 3)), "X": rng.standard_normal((3, size(k)))}


def _grad_trace_form(A, X):
    return (matcalc.d_trace_XtAX_dX(A, X),)


def _matvec_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"A": rng.standard_normal((size(k), 3)), "dx_dz": rng.standard_normal((3, 2))}


def _chain_matvec(A, dx_dz):
    return (matcalc.d_chain_matvec(A, dx_dz),)


def _bilinear_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n = size(k)
    return {"A": rng.standard_normal((n, 3)), "x": rng.standard_normal(3), "y": rng.standard_normal(n)}


def _inner_chain_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n = size(k)
    return {"x": rng.standard_normal(3), "y": rng.standard_normal(3), "dx_dz": rng.standard_normal((3, n)),
            "dy_dz": rng.standard_normal((3, n))}


def _grad_inner_chain(x, y, dx_dz, dy_dz):
    return (matcalc.d_inner_chain(x, y, dx_dz, dy_dz),)


def _inverse_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n = size(k)
    return {"A": rng.standard_normal((n, n)) + 3 * np.eye(n), "dA": rng.standard_normal((n, n))}


def _inverse_derivative(A, dA):
    return (matcalc.d_inverse(A, dA),)


def _penalty_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"w": rng.standard_normal(2), "lam": np.array(rng.uniform(0.1, 2))}


def _equal_weights(rng: np.random.Generator) -> Inputs:
    return {"w": np.array([1.5, 1.5]), "lam": np.array(rng.uniform(0.1, 2))}


def _symmetric_penalty(w, lam):
    return regularizers.quadratic_form(w, regularizers.SYMMETRY_S, float(lam))


def _logits_inputs(rng: np.random.Generator, k: int, scale: float = 1.0) -> Inputs:
    return {"z": scale * rng.standard_normal(2 + k % 5)}


def _softmax_hessian(z):
    return (losses.softmax_hessian(z),)


def _logistic_inputs(rng: np.random.Generator, k: int) -> Inputs:
    n, d = size(k, (1, 4, 9, 20)), 1 + k % 4
    return {"w": rng.standard_normal(d), "X": rng.standard_normal((n, d)),
            "y": rng.integers(0, 2, n).astype(float)}


def _logistic_gradient_hessian(w, X, y):
    return losses.logistic_gradient(w, X, y), losses.logistic_hessian(w, X)


def _whw_inputs(rng: np.random.Generator, k: int) -> Inputs:
    """A symmetric H, positive definite or (every third case) with one negative eigenvalue, and
    a step on either side of the stable range 0 < eps < 1 / lambda_max."""
    n = 2 + k % 4
    H = spd(rng, n, 10 ** rng.uniform(0.3, 2))
    if k % 3 == 2:
        lam, q = np.linalg.eigh(H)
        H = (q * np.where(np.arange(n) == 0, -lam, lam)) @ q.T
    lam_max = np.linalg.eigvalsh(H).max()
    return {"H": H, "w0": rng.standard_normal(n), "eps": np.array(rng.uniform(0.1, 1.15) / lam_max),
            "t": np.array(5 + k % 26)}


def _gd_on_quadratic_form(H, w0, eps, t):
    """t steps of gradient descent on J(w) = w^T H w, whose gradient is 2 H w (the quadratic
    1/2 w^T Q w with Q = 2 H), and the factor max_i |1 - 2 eps lambda_i| by which the worst
    eigen-direction is multiplied per step."""
    path = quadratic.gd_quadratic(2 * H, np.zeros(len(w0)), w0, float(eps), int(t))
    return path[-1], np.array(np.abs(1 - 2 * float(eps) * np.linalg.eigvalsh(H)).max())


def _beale_inputs(rng: np.random.Generator, k: int) -> Inputs:
    return {"p": rng.uniform(-4.5, 4.5, 2)}


def _beale_hessian(x: float, y: float) -> np.ndarray:
    """f = sum_k r_k^2 with r_k = c_k - x + x y^k: H = 2 sum_k (grad r_k grad r_k^T + r_k Hess r_k)."""
    H = np.zeros((2, 2))
    for k, c in enumerate((1.5, 2.25, 2.625), start=1):
        r = c - x + x * y**k
        grad_r = np.array([y**k - 1, k * x * y ** (k - 1)])
        hess_r = np.array([[0.0, k * y ** (k - 1)], [k * y ** (k - 1), k * (k - 1) * x * y ** max(k - 2, 0)]])
        H += 2 * (np.outer(grad_r, grad_r) + r * hess_r)
    return H


def _beale_derivatives(p):
    return quadratic.beale_grad(p), _beale_hessian(*(float(v) for v in p))


def _polynomial_near_root(rng: np.random.Generator, k: int) -> Inputs:
    roots = np.sort(rng.uniform(-3, 3, 2 + k % 3))
    roots += np.arange(len(roots))  # at least one apart: simple roots
    j = int(rng.integers(len(roots)))
    return {"coeffs": np.poly(roots), "x0": np.array(roots[j] + rng.uniform(-0.2, 0.2)), "n_steps": np.array(6)}


def _newton_iterates(coeffs, x0, n_steps):
    """Every iterate, converged or not: a negative tolerance never stops early."""
    dcoeffs = np.polyder(coeffs)
    xs = newton.newton_root(lambda x: np.polyval(coeffs, x), lambda x: np.polyval(dcoeffs, x), float(x0),
                            tol=-1.0, max_iter=int(n_steps))
    return (np.array(xs),)


EXERCISES = [
    Spec("test_grad_quadratic_form", "grad_quadratic_form", _quadratic_inputs, _grad_quadratic_form, ("dx", "dA"),
         points=2, questions=("1.3",),
         references=("dlcourse.matcalc.d_quadratic_dx", "dlcourse.matcalc.d_quadratic_dA"),
         wrong_answers={"quadratic_form_assumes_symmetric": Mistake(
        "A is taken as symmetric: 2 A x in place of (A + A^T) x",
        "eq-quadratic", 'chapter 1, Eq. (4)', """\
def grad_quadratic_form(A, x):
    return (2 * A @ x).reshape(1, -1), np.outer(x, x)
""")},
         title="The quadratic form",
         text="""\
For `f(x, A) = x^T A x` with a square `A` that need not be symmetric, return `(dx, dA)`: the Jacobian `df/dx` as a `(1, n)` row and `df/dA` shaped like `A` (row-major flattening, as in the book).""",  # noqa: E501
         solution="""\
def grad_quadratic_form(A, x):
    ### BEGIN SOLUTION
    return (x @ (A + A.T)).reshape(1, -1), np.outer(x, x)
    ### END SOLUTION"""),
    Spec("test_grad_trace_form", "grad_trace_form", _trace_inputs, _grad_trace_form, ("dX",), points=1,
         questions=("1.4",), references=("dlcourse.matcalc.d_trace_XtAX_dX",),
         wrong_answers={"trace_form_assumes_symmetric": Mistake(
        "A is taken as symmetric: 2 A X in place of (A + A^T) X",
        "eq-trace", 'chapter 1, Eq. (5)', """\
def grad_trace_form(A, X):
    return 2 * A @ X
""")},
         title="The trace form",
         text="""\
For `f(X) = tr(X^T A X)`, return `df/dX`, shaped like `X`.""",
         solution="""\
def grad_trace_form(A, X):
    ### BEGIN SOLUTION
    return (A + A.T) @ X
    ### END SOLUTION"""),
    Spec("test_chain_matvec", "chain_matvec", _matvec_inputs, _chain_matvec, ("dy_dz",), points=1,
         questions=("1.2", "1.5"), references=("dlcourse.matcalc.d_chain_matvec",),
         wrong_answers={"chain_rule_without_inner_jacobian": Mistake(
        "the inner Jacobian dx/dz is left out: dy/dx = A is returned for dy/dz",
        "eq-chain-matvec", 'chapter 1, Eq. (6)', """\
def chain_matvec(A, dx_dz):
    return A
""")},
         title="The chain rule through a matrix",
         text="""\
`y = A x` where `x` depends on `z` with Jacobian `dx_dz` (shape `(n, k)`). Return `dy/dz`.""",
         solution="""\
def chain_matvec(A, dx_dz):
    ### BEGIN SOLUTION
    return A @ dx_dz
    ### END SOLUTION"""),
    Spec("test_grad_bilinear", "grad_bilinear", _bilinear_inputs, matcalc.d_bilinear, ("dalpha_dx", "dalpha_dy"),
         points=1, questions=("1.6",), references=("dlcourse.matcalc.d_bilinear",),
         wrong_answers={"bilinear_gradients_as_columns": Mistake(
        "the derivatives are returned as 1-D vectors, where the book's convention makes them Jacobian rows (1, n)",
        "sec-conventions", 'chapter 1, section "Conventions"', """\
def grad_bilinear(A, x, y):
    return y @ A, A @ x
""")},
         title="The bilinear form",
         text="""\
For `alpha = y^T A x`, return `(dalpha/dx, dalpha/dy)`, each as a row (`(1, n)` and `(1, m)`).""",
         solution="""\
def grad_bilinear(A, x, y):
    ### BEGIN SOLUTION
    return (y @ A).reshape(1, -1), (x @ A.T).reshape(1, -1)
    ### END SOLUTION"""),
    Spec("test_grad_inner_chain", "grad_inner_chain", _inner_chain_inputs, _grad_inner_chain, ("dalpha_dz",),
         points=1, questions=("1.1", "1.7"), references=("dlcourse.matcalc.d_inner_chain",),
         wrong_answers={"inner_chain_one_term": Mistake(
        "the product rule is applied to one factor only: the term x^T dy/dz is left out",
        "eq-inner-chain", 'chapter 1, Eq. (8)', """\
def grad_inner_chain(x, y, dx_dz, dy_dz):
    return (y @ dx_dz).reshape(1, -1)
""")},
         title="An inner product of two functions",
         text="""\
For `alpha = y^T x` where both `x` and `y` depend on `z` (Jacobians `dx_dz`, `dy_dz`, each `(n, k)`), return `dalpha/dz` as a `(1, k)` row.""",  # noqa: E501
         solution="""\
def grad_inner_chain(x, y, dx_dz, dy_dz):
    ### BEGIN SOLUTION
    return (x @ dy_dz + y @ dx_dz).reshape(1, -1)
    ### END SOLUTION"""),
    Spec("test_inverse_derivative", "inverse_derivative", _inverse_inputs, _inverse_derivative, ("dAinv",),
         points=2, questions=("1.8",), references=("dlcourse.matcalc.d_inverse",),
         wrong_answers={"inverse_derivative_sign": Mistake(
        "the minus sign is left out: A^-1 dA A^-1 instead of -A^-1 dA A^-1",
        "eq-inverse", 'chapter 1, Eq. (9)', """\
def inverse_derivative(A, dA):
    inv = np.linalg.inv(A)
    return inv @ dA @ inv
"""),
                        "inverse_derivative_wrong_order": Mistake(
        "the factors are in the wrong order: -A^-1 A^-1 dA instead of -A^-1 dA A^-1 (matrices do not commute)",
        "eq-inverse", 'chapter 1, Eq. (9)', """\
def inverse_derivative(A, dA):
    inv = np.linalg.inv(A)
    return -inv @ inv @ dA
""")},
         title="The derivative of an inverse",
         text="""\
`A` depends on a scalar `alpha` with `dA/dalpha = dA`. Return `d(A^{-1})/dalpha`.""",
         solution="""\
def inverse_derivative(A, dA):
    ### BEGIN SOLUTION
    inv = np.linalg.inv(A)
    return -inv @ dA @ inv
    ### END SOLUTION"""),
    Written("proof_hessian_is_jacobian", points=2, questions=("1.9",),
         title="The Hessian is the Jacobian of the gradient",
         text="""\
For a twice differentiable `f: R^n -> R`, show that its Hessian `H(f)`, with entries `d^2 f / (dx_i dx_j)`, is the Jacobian of its gradient in the convention of this course (`J_ij = df_i/dx_j`), and say when `H` is symmetric. Use this to find the Hessian of `f(x) = x^T A x` for a square `A` that need not be symmetric.""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
The gradient grad f maps R^n to R^n with entries (grad f)_i = df/dx_i. By the Jacobian convention J_ij = df_i/dx_j, its Jacobian has entries J(grad f)_ij = d/dx_j (df/dx_i): the second partial derivative of f in x_i and x_j, which is H(f)_ij. When the second partial derivatives are continuous they do not depend on the order of differentiation (Schwarz's theorem), so H_ij = H_ji: H is symmetric, and the transposed (denominator-layout) convention gives the same matrix. For f(x) = x^T A x, the gradient is the column (A + A^T) x (section {section:test_grad_quadratic_form}), a matrix times x, and d(Mx)/dx = M, so H = A + A^T: constant and symmetric even when A is not. The tempting 2A is wrong unless A is symmetric.

Rubric (2 points): 1 for identifying J(grad f)_ij with the second partial derivative, and symmetry under continuous second partial derivatives (1/2 each). 1 for H = A + A^T through grad f = (A + A^T) x; 2A earns nothing for this point.
### END SOLUTION"""),  # noqa: E501
    Spec("test_symmetric_penalty", "symmetric_penalty", _penalty_inputs, _symmetric_penalty, ("R", "dR"),
         points=1, questions=("1.10",), random_cases=3,
         edge_cases={"equal weights (the penalty is zero)": _equal_weights},
         references=("dlcourse.regularizers.quadratic_form", "dlcourse.tf.regularizers.QuadraticForm"),
         wrong_answers={"penalty_gradient_without_two": Mistake(
        "the gradient of w^T S w is taken as S w, without its factor 2",
        "sec-symmetric-regulariser", 'chapter 1, section "Avoiding becoming asymmetric (seed 002)"', """\
def symmetric_penalty(w, lam):
    S = np.array([[1.0, -1.0], [-1.0, 1.0]])
    return lam * w @ S @ w, lam * S @ w
""")},
         title="A regulariser against asymmetric weights",
         text="""\
For `w` in R^2 and `S = [[1, -1], [-1, 1]]`, return `(R, dR)`: `R = lam * w^T S w` and its gradient in `w` (a vector shaped like `w`).""",  # noqa: E501
         solution="""\
def symmetric_penalty(w, lam):
    ### BEGIN SOLUTION
    S = np.array([[1.0, -1.0], [-1.0, 1.0]])
    return lam * w @ S @ w, lam * (S + S.T) @ w
    ### END SOLUTION"""),
    Spec("test_softmax_hessian", "softmax_hessian", _logits_inputs, _softmax_hessian, ("H",), points=1,
         questions=("3.2",), random_cases=3,
         edge_cases={"large logits (a naive exp overflows)": lambda rng: _logits_inputs(rng, 3, scale=500.0)},
         references=("dlcourse.losses.softmax_hessian",),
         wrong_answers={"softmax_hessian_diagonal_only": Mistake(
        "the term -y_hat y_hat^T is left out: only diag(y_hat) is returned",
        "eq-softmax-hessian", 'chapter 3, Eq. (2)', """\
def softmax_hessian(z):
    e = np.exp(z - z.max())
    return np.diag(e / e.sum())
""")},
         title="The Hessian of softmax cross-entropy",
         text="""\
For one example with logits `z` (a vector of K entries), a target `y` whose entries sum to one and `L = -sum_i y_i log softmax(z)_i`, return the K x K Hessian of `L` in `z`. (It does not depend on `y`; section {section:proof_convexity} asks why it is positive semi-definite.) Keep it finite for large logits.""",  # noqa: E501
         solution="""\
def softmax_hessian(z):
    ### BEGIN SOLUTION
    e = np.exp(z - z.max())
    p = e / e.sum()
    return np.diag(p) - np.outer(p, p)
    ### END SOLUTION"""),
    Spec("test_logistic_gradient_hessian", "logistic_gradient_hessian", _logistic_inputs, _logistic_gradient_hessian,
         ("grad", "H"), points=2, questions=("3.3",),
         references=("dlcourse.losses.logistic_gradient", "dlcourse.losses.logistic_hessian"),
         wrong_answers={"logistic_gradient_sign_of_seed_001": Mistake(
        "the gradient's sign is backwards, X^T (y - z) as seed 001 writes, not X^T (z - y)",
        "eq-logistic", 'chapter 3, Eq. (3)', """\
def logistic_gradient_hessian(w, X, y):
    z = 1 / (1 + np.exp(-(X @ w)))
    return X.T @ (y - z), X.T @ (X * (z * (1 - z))[:, None])
"""),
                        "logistic_mean_not_sum": Mistake(
        "the gradient and the Hessian are averaged over the examples, where E(w) is their sum",
        "eq-logistic", 'chapter 3, Eq. (3)', """\
def logistic_gradient_hessian(w, X, y):
    z = 1 / (1 + np.exp(-(X @ w)))
    return X.T @ (z - y) / len(y), X.T @ (X * (z * (1 - z))[:, None]) / len(y)
""")},
         title="Logistic regression: gradient and Hessian",
         text="""\
`X` holds one example per row (N, d), `y` the labels in {0, 1}, and `z_n = sigmoid(x_n^T w)`. For the summed loss `E(w) = -sum_n [y_n ln z_n + (1 - y_n) ln(1 - z_n)]`, return `(grad, H)`: the gradient of `E` in `w` (shaped like `w`) and its d x d Hessian.""",  # noqa: E501
         solution="""\
def logistic_gradient_hessian(w, X, y):
    ### BEGIN SOLUTION
    z = 1 / (1 + np.exp(-(X @ w)))
    grad = X.T @ (z - y)
    H = X.T @ (X * (z * (1 - z))[:, None])
    return grad, H
    ### END SOLUTION"""),
    Written("proof_convexity", points=3, questions=("3.2", "3.3"),
         title="Convexity of the two losses",
         text="""\
(a) Prove that the Hessian `diag(yhat) - yhat yhat^T` of section {section:test_softmax_hessian}, with `yhat = softmax(z)`, is positive semi-definite, and find a direction along which it is zero.

(b) Prove that the logistic loss `E(w)` of section {section:test_logistic_gradient_hessian} is convex.

(c) Seed 001 concludes that `E` has exactly one minimiser, which gradient descent finds. Is that right? Consider data whose two classes are linearly separable.""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
(a) For any v, v^T (diag(yhat) - yhat yhat^T) v = sum_i yhat_i v_i^2 - (sum_i yhat_i v_i)^2. Cauchy-Schwarz, (sum_i a_i b_i)^2 <= (sum_i a_i^2)(sum_i b_i^2), with a_i = sqrt(yhat_i) and b_i = sqrt(yhat_i) v_i gives (sum_i yhat_i v_i)^2 <= (sum_i yhat_i)(sum_i yhat_i v_i^2) = sum_i yhat_i v_i^2, because the yhat_i sum to 1. So the form is >= 0: it is the variance of v_i when i is drawn with probabilities yhat. It is zero when v_i is the same for every i: along v = 1 (adding a constant to every logit changes nothing), so L is convex in the logits but not strictly.

(b) The Hessian of E is X^T diag(z_n (1 - z_n)) X. For any v, v^T X^T D X v = sum_n z_n (1 - z_n) (x_n^T v)^2 >= 0, since 0 < z_n < 1. A twice differentiable function whose Hessian is positive semi-definite everywhere is convex, so E is convex and every local minimum is global.

(c) Two steps are missing. First, H is only positive semi-definite: v^T H v = 0 exactly when X v = 0, so H is positive definite, and E strictly convex with at most one minimiser, only if X has full column rank. Second, convexity does not give existence. If the classes are separable by u (u^T x_n > 0 when y_n = 1 and < 0 when y_n = 0), then along w = t u each term is ln(1 + e^(-t |u^T x_n|)), which decreases to 0 as t -> infinity, so inf E = 0, yet E(w) > 0 for every finite w: there is no minimiser. Gradient descent then lets ||w|| grow without bound while E creeps toward 0 (the direction w/||w|| turns toward the maximum-margin separator). A penalty lambda/2 ||w||^2 makes E strongly convex and gives a unique minimiser in every case.

Rubric (3 points): 1 for (a): the quadratic form, Cauchy-Schwarz with sum_i yhat_i = 1 (1/2 without the zero direction 1). 1 for (b): the quadratic form of the Hessian as a sum of non-negative terms. 1 for (c): "no" with both gaps, positive semi-definite rather than definite (full column rank) (1/2) and no minimiser on separable data, with the argument along t u (1/2).
### END SOLUTION"""),  # noqa: E501
    Written("answer_two_outputs", points=2, questions=("3.4",),
         title="Softmax regression with two outputs",
         text="""\
Two-class softmax regression has two weight vectors `w_s1`, `w_s2`; logistic regression has one, `w_l`. Show that they describe the same set of classifiers, giving the map from `(w_s1, w_s2)` to `w_l`. Is two-output softmax "a generalisation" of logistic regression, as seed 003 says?""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
Divide the numerator and the denominator by e^(w_s1^T x): yhat_1 = e^(w_s1^T x) / (e^(w_s1^T x) + e^(w_s2^T x)) = 1 / (1 + e^(-(w_s1 - w_s2)^T x)) = sigmoid((w_s1 - w_s2)^T x). So every two-output softmax classifier is the logistic classifier with w_l = w_s1 - w_s2 (and b_l = b_s1 - b_s2 with biases), and every logistic classifier w_l is the softmax one with (w_s1, w_s2) = (w_l, 0). The two describe exactly the same set of classifiers: softmax has twice the parameters, but only their difference matters (adding the same vector to both changes nothing), so the extra parameters are redundant. It is not more general. (Seed 003 substitutes w_s2 = -w_l and gets sigmoid(2 w_l^T x); the right map is the difference, though its conclusion that the models match stands.)

Rubric (2 points): 1 for yhat_1 = sigmoid((w_s1 - w_s2)^T x), derived. 1 for both directions of the correspondence and "the same model class, redundant parameters, not a generalisation" (1/2 if only one direction is shown).
### END SOLUTION"""),  # noqa: E501
    Spec("test_gd_on_quadratic_form", "gd_on_quadratic_form", _whw_inputs, _gd_on_quadratic_form, ("w", "rate"),
         points=2, questions=("4.4", "4.5"), references=("dlcourse.quadratic.gd_quadratic",),
         wrong_answers={"gradient_without_its_factor_two": Mistake(
        "the gradient of w^T H w is taken as H w, without its factor 2 (and so is the rate)",
        "sec-whw", 'chapter 4, section "J(w) = w^T H w (seed 003, Q5)"', """\
def gd_on_quadratic_form(H, w0, eps, t):
    w = np.array(w0, dtype=float)
    for _ in range(int(t)):
        w = w - eps * H @ w
    return w, np.abs(1 - eps * np.linalg.eigvalsh(H)).max()
""")},
         title="Gradient descent on `J(w) = w^T H w`",
         text="""\
`H` is symmetric, not necessarily positive definite. Gradient descent with step `eps` starts at `w0`. Return `(w, rate)`: the iterate after `t` steps, computed in closed form from the eigendecomposition of `H` rather than by taking the steps (section {section:proof_gd_quadratic_convergence} asks you to derive the form), and the factor by which the worst eigen-direction is multiplied at each step, in absolute value.""",  # noqa: E501
         solution="""\
def gd_on_quadratic_form(H, w0, eps, t):
    ### BEGIN SOLUTION
    lam, Q = np.linalg.eigh(H)
    factors = 1 - 2 * eps * lam
    w = Q @ (factors**t * (Q.T @ w0))
    return w, np.abs(factors).max()
    ### END SOLUTION"""),
    Written("proof_gd_quadratic_convergence", points=3, questions=("4.4", "4.5"),
         title="When gradient descent on a quadratic converges",
         text="""\
(a) For `h(x) = 1/2 x^T Q x + c^T x + b` with `Q` symmetric positive definite, show that gradient descent `x_{k+1} = x_k - eps grad h(x_k)` converges to the minimiser from every start if and only if `0 < eps < 2/lambda_max(Q)`.

(b) For `J(w) = w^T H w` with `H = V Lambda V^T` symmetric, derive `w_t = V (I - 2 eps Lambda)^t V^T w_0`, and state exactly when `w_t -> 0` from every `w_0` (section {section:test_gd_on_quadratic_form}'s `rate` is the largest factor).""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
(a) grad h(x) = Q x + c. The minimiser solves Q x* + c = 0, so grad h(x) = Q (x - x*), and the error e_k = x_k - x* obeys e_{k+1} = (I - eps Q) e_k. With Q = V Lambda V^T (V orthogonal) and ehat_k = V^T e_k, ehat_{k+1} = (I - eps Lambda) ehat_k: each eigen-coordinate evolves alone, ehat_{k,i} = (1 - eps lambda_i)^k ehat_{0,i}. If |1 - eps lambda_i| < 1 for every i, every coordinate tends to 0, and so does e_k (||e_k|| = ||ehat_k||). If some |1 - eps lambda_i| >= 1, a start along that eigenvector never shrinks. So convergence from every start holds iff 0 < eps lambda_i < 2 for every i, and since every lambda_i > 0 the binding one is lambda_max: 0 < eps < 2/lambda_max.

(b) grad J = (H + H^T) w = 2 H w, so w_{t+1} = (I - 2 eps H) w_t. Since V V^T = I, I - 2 eps H = V (I - 2 eps Lambda) V^T, and by induction w_t = (V (I - 2 eps Lambda) V^T)^t w_0 = V (I - 2 eps Lambda)^t V^T w_0, each inner V^T V being I. In eigen-coordinates (V^T w_t)_i = (1 - 2 eps lambda_i)^t (V^T w_0)_i, which tends to 0 for every w_0 iff |1 - 2 eps lambda_i| < 1, i.e. 0 < eps lambda_i < 1, for every i: iff H is positive definite and 0 < eps < 1/lambda_max. The factor 2 of the gradient halves the bound of (a). A zero eigenvalue gives the factor 1 (that coordinate never moves), a negative one a factor above 1 (it grows): positive definiteness is needed for the factors, not only for a unique minimum.

Rubric (3 points): 1 for (a)'s error recursion and its decoupling in the eigenbasis. 1 for the "if and only if" of (a): sufficiency and necessity (a start along an eigenvector) (1/2 each). 1 for (b): the closed form (1/2) and the condition, H positive definite and 0 < eps < 1/lambda_max (1/2; stating 2/lambda_max or leaving out positive definiteness loses it).
### END SOLUTION"""),  # noqa: E501
    Spec("test_beale_derivatives", "beale_derivatives", _beale_inputs, _beale_derivatives, ("grad", "H"), points=2,
         questions=("4.6",), random_cases=3, rtol=1e-9, atol=1e-9,
         edge_cases={"the stationary point (0, 1)": lambda rng: {"p": np.array([0.0, 1.0])},
                     "the minimum (3, 0.5)": lambda rng: {"p": np.array([3.0, 0.5])}},
         visible_edges=("the stationary point (0, 1)",),
         references=("dlcourse.quadratic.beale_grad",),
         wrong_answers={"beale_hessian_without_residual_term": Mistake(
        "the Hessian keeps only the products of the residuals' gradients: each residual times its own Hessian is "
        "left out",
        "sec-beale", 'chapter 4, section "Beale\'s function is not convex (seed 002)"', """\
def beale_derivatives(p):
    x, y = float(p[0]), float(p[1])
    grad = np.zeros(2)
    H = np.zeros((2, 2))
    for k, c in enumerate((1.5, 2.25, 2.625), start=1):
        r = c - x + x * y**k
        dr = np.array([y**k - 1, k * x * y ** (k - 1)])
        grad += 2 * r * dr
        H += 2 * np.outer(dr, dr)
    return grad, H
""")},
         title="Beale's function: gradient and Hessian",
         text="""\
`f(x, y) = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2`. Return `(grad, H)` at the point `p = (x, y)`: the gradient, of shape (2,), and the 2 x 2 Hessian, both exact (finite differences are not accurate enough for the test).""",  # noqa: E501
         solution="""\
def beale_derivatives(p):
    ### BEGIN SOLUTION
    x, y = p
    grad = np.zeros(2)
    H = np.zeros((2, 2))
    for k, c in enumerate([1.5, 2.25, 2.625], start=1):
        r = c - x + x * y**k
        dr = np.array([y**k - 1, k * x * y ** (k - 1)])
        # r_k is linear in x, so its second derivative in x is 0
        d2r = np.array([[0, k * y ** (k - 1)], [k * y ** (k - 1), k * (k - 1) * x * y ** max(k - 2, 0)]])
        grad += 2 * r * dr
        H += 2 * (np.outer(dr, dr) + r * d2r)
    return grad, H
    ### END SOLUTION"""),
    Written("answer_beale_not_convex", points=2, questions=("4.6",),
         title="Beale's function is not convex",
         text="""\
Seed 002 calls Beale's function convex "as it is the sum of three quadratic functions". With your derivatives of section {section:test_beale_derivatives}, show that `(0, 1)` is a stationary point and say what kind, then prove in two different ways that the function is not convex. Where does the seed's reasoning fail?""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
At (0, 1) every y^k - 1 and every x vanishes, so both partial derivatives, 2 sum_k r_k (y^k - 1) and 2 sum_k r_k k x y^(k-1), are 0: (0, 1) is stationary, and gradient descent started there never moves. There r_k = c_k, and the Hessian is [[0, 27.75], [27.75, 0]] (the mixed derivative is 2 (1.5 + 2 * 2.25 + 3 * 2.625) = 27.75, the other two entries carry a factor x or y^k - 1). Its eigenvalues are +27.75 and -27.75: it is indefinite, and (0, 1) is a saddle point.
First proof: a twice differentiable convex function has a positive semi-definite Hessian everywhere; this one is indefinite at (0, 1).
Second proof: a convex differentiable f satisfies f(z) >= f(x) + grad f(x)^T (z - x), so at a stationary point f(z) >= f(x) for every z: every stationary point of a convex function is a global minimum. But f(0, 1) = 1.5^2 + 2.25^2 + 2.625^2 = 14.203 > 0 = f(3, 0.5).
The seed's reasoning fails because the terms are squares of r_k = c_k - x + x y^k, polynomials of degree up to 4 in (x, y), not affine functions, and the square of a non-affine function need not be convex.

Rubric (2 points): 1 for the stationary point and the indefinite Hessian, a saddle (1/2 each). 1 for two valid proofs of non-convexity (1/2 each), e.g. the Hessian test and a stationary point that is not a global minimum.
### END SOLUTION"""),  # noqa: E501
    Spec("test_newton_iterates", "newton_iterates", _polynomial_near_root, _newton_iterates, ("xs",), points=2,
         questions=("7.1",), references=("dlcourse.newton.newton_root", "dlcourse.newton.newton_minimize"),
         wrong_answers={"newton_step_sign": Mistake(
        "the Newton step is added, x + f(x)/f\'(x), where it is subtracted",
        "sec-newton-root", 'chapter 7, section "Newton\'s method for roots converges quadratically"', """\
def newton_iterates(coeffs, x0, n_steps):
    d = np.polyder(coeffs)
    xs = [float(x0)]
    for _ in range(int(n_steps)):
        xs.append(xs[-1] + np.polyval(coeffs, xs[-1]) / np.polyval(d, xs[-1]))
    return np.array(xs)
""")},
         title="Newton's method for a root",
         text="""\
`coeffs` are a polynomial's coefficients, highest power first (as `np.polyval` takes them). Starting from `x0`, take exactly `n_steps` Newton steps `x <- x - f(x) / f'(x)` and return every iterate, `[x0, x1, ..., x_n]`, as an array of length `n_steps + 1`.""",  # noqa: E501
         solution="""\
def newton_iterates(coeffs, x0, n_steps):
    ### BEGIN SOLUTION
    d = np.polyder(coeffs)
    xs = [float(x0)]
    for _ in range(int(n_steps)):
        xs.append(xs[-1] - np.polyval(coeffs, xs[-1]) / np.polyval(d, xs[-1]))
    return np.array(xs)
    ### END SOLUTION"""),
    Written("proof_newton_quadratic", points=2, questions=("7.2",),
         title="Newton on a quadratic",
         text="""\
For `J(w) = w^T H w` with `H` symmetric positive definite, show that one Newton step with step size `eta`, `w_new = w_old - eta H_J^{-1} grad J(w_old)`, gives `w_new = (1 - eta) w_old`. What happens for `eta = 1`?""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
grad J(w) = 2 H w and the Hessian of J is 2 H, so w_new = w_old - eta (2H)^{-1} 2 H w_old = (1 - eta) w_old. With eta = 1 the step lands on the minimiser w = 0 in one step, whatever the conditioning of H.

Rubric (2 points): 1 for grad J = 2 H w and Hessian 2 H (not H: the factor 2 cancels only if both carry it); 1 for w_new = (1 - eta) w_old and the one-step landing on w = 0 at eta = 1, whatever the conditioning.
### END SOLUTION"""),  # noqa: E501
    Written("answer_newton_drawbacks", points=2, questions=("7.3",),
         title="Newton's method in deep learning",
         text="""\
Give the drawbacks of Newton's method for training a network with n parameters: its cost in memory and time, what mini-batches do to it, and what it does near a saddle point (write its step and gradient descent's in the eigenvectors of the Hessian). Name one practical method that keeps the idea and say which drawback it repairs.""",  # noqa: E501
         answer="""\
### BEGIN SOLUTION
Cost: the Hessian has n^2 entries (O(n^2) memory) and solving with it costs O(n^3) time; with millions of parameters neither is possible. Noise: mini-batch Hessians are noisy estimates, and inverting a noisy matrix amplifies the noise along its small eigenvalues. Saddles: write g = sum_i ghat_i u_i in the eigenvectors u_i of H. Gradient descent moves by -eps sum_i ghat_i u_i, always downhill; Newton moves by -sum_i (ghat_i / lambda_i) u_i, and along a direction with lambda_i < 0 the sign flips: Newton goes uphill, toward the stationary point of its quadratic model, so near a saddle it is attracted to it (deep networks have many). Far from a solution the model is poor, and a full step can overshoot: convergence is only local.
Repairs: damped Newton takes a step eta < 1 from a line search (overshooting); Levenberg-Marquardt or a trust region adds lambda I with lambda > -lambda_min(H), which makes the step a descent direction again (saddles); Gauss-Newton replaces H by the positive semi-definite J^T J (saddles); L-BFGS builds an approximation of H^-1 from differences of gradients in O(mn) memory (cost); Hessian-free methods solve H d = -g by conjugate gradients with Hessian-vector products only, each about the cost of a gradient (cost).

Rubric (2 points): 1/2 for the O(n^2) memory and O(n^3) solve; 1/2 for mini-batch noise amplified by the inversion; 1/2 for the saddle, with the sign flip along negative eigenvalues shown in the eigen-expansion; 1/2 for one method and the drawback it repairs.
### END SOLUTION"""),  # noqa: E501
]
