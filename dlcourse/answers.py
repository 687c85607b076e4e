"""Your homework answers in the library's place, so that a lab runs on the student library.

While a homework is open, the student library withholds the library's functions that answer it
(calling one raises NotImplementedError naming the homework section). A lab that needs one has
one cell tagged ``student-answer``, which ends in ``answers.plug_in(...)``::

    # hw1: adam_step(p, g, m, v, t, lr, beta_1=0.9, beta_2=0.999, eps=1e-08)
    adam_step = None
    answers.plug_in(adam_step=adam_step)

The student pastes their answer over the ``None`` line. ``plug_in`` puts each answer given where
the library's calls reach it (``rebind``): in the library's modules, in default arguments bound
at import, and in the lab's own names. Where the homework's signature differs from the
library's, a ``Plug`` adapts one to the other (``optim.Adam(...).step`` calls ``adam_step``).
Where the homework asks for a narrower function than the lab calls (backtracking on a quadratic,
the lab's on any function), the line asks for the library's general form. An answer left
``None`` keeps the library's function; if the student library withholds it, ``plug_in`` raises
its message there, in the marked cell.

Where a lab runs a rule with settings the homework fixes (Adam's beta_2, batch norm's eps), the
answer takes them as keyword arguments, with the homework's values as defaults; an answer
without them stops with an error that names them. With the full library and every answer
``None``, ``plug_in`` changes nothing.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dlcourse import layers, losses, matcalc, optim, regularizers

WITHHELD = "its reference is released when"  # in every stub's message (the student library's build)
NO_BIAS_CORRECTION_T = 10**9  # beta**t is 0.0 in floating point: 1 - beta**t is exactly 1
# the settings each homework fixes, which a lab may vary: an answer takes them as keyword arguments
ADAM = {"beta_1": 0.9, "beta_2": 0.999, "eps": 1e-8}
ADAMAX = {"beta_1": 0.9, "beta_2": 0.999, "eps": 1e-7}
RMSPROP = {"rho": 0.9, "eps": 1e-7}
BATCHNORM_FORWARD = {"momentum": 0.99, "eps": 1e-5}
BATCHNORM_BACKWARD = {"eps": 1e-5}


def withheld(obj: object) -> str | None:
    """The message of a student-library stub (a function, or a class with stubbed methods), or
    None for the library's own code."""
    functions = [v for v in vars(obj).values() if inspect.isfunction(v)] if inspect.isclass(obj) else [obj]
    for f in functions:
        for const in getattr(getattr(f, "__code__", None), "co_consts", ()):
            if isinstance(const, str) and WITHHELD in const:
                return const
    return None


def _rebind_defaults(f: Callable, old: object, new: object) -> None:
    if f.__defaults__ and any(d is old for d in f.__defaults__):
        f.__defaults__ = tuple(new if d is old else d for d in f.__defaults__)
    if f.__kwdefaults__ and any(d is old for d in f.__kwdefaults__.values()):
        f.__kwdefaults__ = {k: new if d is old else d for k, d in f.__kwdefaults__.items()}


def _rebind_in(namespace: dict, old: object, new: object, owner: str | None = None) -> None:
    """In one module's (or a notebook's) names: ``old`` becomes ``new``, as a name and as a
    default argument of a function, or of a method of a class defined there."""
    for attr, value in list(namespace.items()):
        if value is old:
            namespace[attr] = new
        elif inspect.isfunction(value):
            _rebind_defaults(value, old, new)
        elif inspect.isclass(value) and (owner is None or value.__module__ == owner):
            for member in vars(value).values():
                if inspect.isfunction(member):
                    _rebind_defaults(member, old, new)


def rebind(old: object, new: object, notebook: dict | None = None) -> None:
    """Every reference to ``old`` in the loaded modules of dlcourse, and in ``notebook`` (the
    lab's own names), now names ``new``: names (``from dlcourse.train import fit`` made one) and
    default arguments (``loss_fn=losses.softmax_cross_entropy`` was bound when train.py was
    imported)."""
    for name, module in list(sys.modules.items()):
        if module is not None and (name == "dlcourse" or name.startswith("dlcourse.")):
            _rebind_in(vars(module), old, new, owner=name)
    if notebook is not None:
        _rebind_in(notebook, old, new, owner=notebook.get("__name__"))


_notebook: dict | None = None  # the names of the notebook calling plug_in, while it installs an answer


def _replace(module: object, name: str, new: Callable) -> None:
    """``module.name`` is ``new`` wherever dlcourse or the notebook refers to it."""
    new.__name__ = name
    rebind(getattr(module, name), new, _notebook)
    setattr(module, name, new)


def _call(answer: Callable, name: str, args: tuple, settings: dict[str, float], homework: dict[str, float]):
    """answer(*args), passing as keywords the settings that differ from the homework's values;
    a clear TypeError if the answer cannot take them."""
    differ = {k: v for k, v in settings.items() if v != homework[k]}
    if differ:
        params = inspect.signature(answer).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
        missing = [k for k in differ if k not in params and not takes_any]
        if missing:
            defaults = ", ".join(f"{k}={homework[k]!r}" for k in homework)
            raise TypeError(f"this lab runs {name} with {', '.join(f'{k}={differ[k]!r}' for k in missing)}: "
                            f"give your {answer.__name__} the keyword arguments {defaults} (the homework's "
                            f"values as defaults) and use them in place of the constants")
    return answer(*args, **differ)


# ---------------------------------------------------------------- hw1: optimisers
def _adam(answer: Callable) -> None:
    """hw1 adam_step(p, g, m, v, t, lr) -> (p, m, v), the paper's Adam with b1 0.9, b2 0.999, eps 1e-8."""

    def update(self, p, g, slots, t, lr):
        eps = self.epsilon
        if not self.bias_correction:
            t = NO_BIAS_CORRECTION_T
        elif self.epsilon_hat:  # Keras's form is the paper's with eps / sqrt(1 - b2^t)
            eps = self.epsilon / np.sqrt(1 - self.beta_2**t)
        settings = {"beta_1": self.beta_1, "beta_2": self.beta_2, "eps": eps}
        p, m, v = _call(answer, "Adam", (p, g, slots.m, slots.v, t, lr), settings,
                        ADAM)
        return p, optim.AdamSlots(m, v)

    optim.Adam.update = update
    if importlib.util.find_spec("keras") is not None:  # with the tf extra, a lab trains Keras models with Adam too
        from dlcourse.tf import optim as tf_optim

        _replace(tf_optim, "Adam", _keras_adam(answer))


def _keras_adam(answer: Callable) -> type:
    """``dlcourse.tf.optim.Adam`` (a Keras optimiser) whose step is hw1's NumPy ``adam_step``, called
    from TensorFlow's graph through ``tf.numpy_function``."""
    from dlcourse.tf import optim as tf_optim
    from dlcourse.tf import tf

    def numpy_step(p, g, m, v, t, lr, beta_1, beta_2, eps):
        settings = {"beta_1": float(beta_1), "beta_2": float(beta_2), "eps": float(eps)}
        p, m, v = _call(answer, "Adam", (p, g, m, v, int(t), float(lr)), settings, ADAM)
        return [np.asarray(a, dtype=g.dtype) for a in (p, m, v)]

    class Adam(tf_optim._Scratch):
        slots_type = optim.AdamSlots

        def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, epsilon_hat=True,
                     name="scratch_adam", **kwargs):
            super().__init__(learning_rate=learning_rate, name=name, **kwargs)
            self.beta_1, self.beta_2, self.epsilon, self.epsilon_hat = beta_1, beta_2, epsilon, epsilon_hat

        def update_step(self, gradient, variable, learning_rate):
            dtype = variable.dtype
            m, v = self.slots(variable)
            t = tf.cast(self.iterations + 1, dtype)
            eps = tf.constant(self.epsilon, dtype)
            if self.epsilon_hat:  # Keras's form is the paper's with eps / sqrt(1 - b2^t)
                eps = eps / tf.sqrt(1 - tf.pow(tf.constant(self.beta_2, dtype), t))
            args = [variable, tf.cast(gradient, dtype), m, v, t, tf.cast(learning_rate, dtype),
                    tf.constant(self.beta_1, dtype), tf.constant(self.beta_2, dtype), eps]
            new = tf.numpy_function(numpy_step, args, [dtype] * 3, stateful=False)
            for slot, value in zip((variable, m, v), new):
                self.assign(slot, tf.reshape(value, variable.shape))

        def get_config(self):
            return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                    "epsilon_hat": self.epsilon_hat}

    return Adam


def _adamax(answer: Callable) -> None:
    """hw1 adamax_step(p, g, m, u, t, lr) -> (p, m, u), with b1 0.9, b2 0.999, eps 1e-7."""

    def update(self, p, g, slots, t, lr):
        settings = {"beta_1": self.beta_1, "beta_2": self.beta_2, "eps": self.epsilon}
        p, m, u = _call(answer, "Adamax", (p, g, slots.m, slots.u, t, lr), settings,
                        ADAMAX)
        return p, optim.AdamaxSlots(m, u)

    optim.Adamax.update = update


def _momentum(answer: Callable) -> None:
    """hw1 momentum_step(p, g, v, lr, momentum, nesterov) -> (p, v), Keras's SGD."""

    def update(self, p, g, slots, t, lr):
        p, v = answer(p, g, slots.v, lr, self.momentum, self.nesterov)
        return p, optim.SGDSlots(v)

    optim.SGD.update = update


def _rmsprop(answer: Callable) -> None:
    """hw1 rmsprop_step(p, g, v, lr) -> (p, v), Keras's RMSprop with rho 0.9, eps 1e-7."""

    def update(self, p, g, slots, t, lr):
        settings = {"rho": self.rho, "eps": self.epsilon}
        p, v = _call(answer, "RMSprop", (p, g, slots.v, lr), settings, RMSPROP)
        return p, optim.RMSpropSlots(v)

    optim.RMSprop.update = update


# ---------------------------------------------------------------- hw1: batch normalisation
def _as_rows(x: np.ndarray) -> np.ndarray:
    """The homework's (n, d): every axis but the features' flattened into the batch."""
    return x.reshape(-1, x.shape[-1])


def _batchnorm_forward(answer: Callable) -> None:
    """hw1 batchnorm_forward(x, gamma, beta, running_mean, running_var, training) ->
    (y, running_mean, running_var), momentum 0.99 and eps 1e-5; the library's cache is built
    from the student's own normalisation (gamma 1, beta 0), for the backward pass and the labs."""
    homework = BATCHNORM_FORWARD

    def forward(x, gamma, beta, running, training, momentum=0.99, eps=1e-3):
        rows = _as_rows(x)
        settings = {"momentum": momentum, "eps": eps}
        y, mean, var = _call(answer, "batch norm", (rows, gamma, beta, running["mean"], running["var"], training),
                             settings, homework)
        ones, zeros = np.ones_like(gamma), np.zeros_like(gamma)
        xhat, _, _ = _call(answer, "batch norm", (rows, ones, zeros, running["mean"], running["var"], training),
                           settings, homework)
        # 1/sigma, which the library's cache holds beside xhat: the batch's variance, or the running one
        inv_std = 1 / np.sqrt((rows.var(axis=0) if training else running["var"]) + eps)
        running["mean"], running["var"] = mean, var
        axes = tuple(range(x.ndim - 1))
        return y.reshape(x.shape), (xhat.reshape(x.shape), gamma, inv_std, training, axes)

    _replace(layers, "batchnorm_forward", forward)


def _batchnorm_backward(answer: Callable) -> None:
    """hw1 batchnorm_backward(dout, x, gamma) -> (dx, dgamma, dbeta), training mode, eps 1e-5.
    The library's cache holds xhat and 1/sigma, not x: x = xhat sigma has the batch's variance
    (the mean does not matter to the gradient), and the eps the forward pass used is passed on."""

    def backward(dout, cache):
        xhat, gamma, inv_std, training, axes = cache
        if not training:
            raise NotImplementedError("your hw1 batchnorm_backward is the training-mode gradient; this lab "
                                      "asks for the inference-mode one")
        rows = _as_rows(xhat)
        var = rows.var(axis=0) / inv_std**2  # the batch's variance in x's units
        eps = max(float(np.mean(1 / inv_std**2 - var)), 0.0)  # what the forward pass added to var
        x = rows / inv_std
        dx, dgamma, dbeta = _call(answer, "batch norm", (_as_rows(dout), x, gamma), {"eps": eps}, BATCHNORM_BACKWARD)
        return dx.reshape(dout.shape), {"gamma": dgamma, "beta": dbeta}

    _replace(layers, "batchnorm_backward", backward)


# ---------------------------------------------------------------- hw2: matrix calculus
def _grad_quadratic_form(answer: Callable) -> None:
    """hw2 grad_quadratic_form(A, x) -> (d/dx, d/dA) of x^T A x."""

    def d_quadratic_dx(A, x):
        return answer(A, x)[0]

    def d_quadratic_dA(x):
        return answer(np.zeros((len(x), len(x))), x)[1]  # d/dA of x^T A x does not depend on A

    _replace(matcalc, "d_quadratic_dx", d_quadratic_dx)
    _replace(matcalc, "d_quadratic_dA", d_quadratic_dA)


def _same(module: str, name: str) -> Callable[[Callable], None]:
    """An answer with the library function's signature (the homework's is the same, or the lab
    needs the library's general form): it takes the library's place as it is."""

    def install(answer: Callable) -> None:
        where = importlib.import_module(module)
        rebind(getattr(where, name), answer, _notebook)
        setattr(where, name, answer)

    return install


def _symmetric_penalty(answer: Callable) -> None:
    """hw2 symmetric_penalty(w, lam) -> (R, dR): the library's quadratic_form with its default S."""

    def quadratic_form(w, S=regularizers.SYMMETRY_S, lam=1.0):
        if not np.array_equal(S, regularizers.SYMMETRY_S):
            raise TypeError("your hw2 symmetric_penalty has S = [[1, -1], [-1, 1]]; this lab asks for another S")
        return answer(w, lam)

    _replace(regularizers, "quadratic_form", quadratic_form)


# ---------------------------------------------------------------- hw1: layers and losses
def _affine_backward(answer: Callable) -> None:
    """hw1 affine_backward(dout, x, w) -> (dx, dw, db), x of shape (N, D)."""

    def affine_backward(dout, cache, need_dx=True):
        x, w = cache
        dx, dw, db = answer(dout, x.reshape(x.shape[0], -1), w)
        return (dx.reshape(x.shape) if need_dx else None), {"w": dw, "b": db}

    _replace(layers, "affine_backward", affine_backward)


def _softmax_cross_entropy(answer: Callable) -> None:
    """hw1 softmax_cross_entropy(z, y) -> (loss, dz), integer labels. The library also takes
    probability rows: softmax(z) = N dz + onehot(0) from the answer with every label 0, and the
    loss and gradient are linear in the labels' distribution."""

    def softmax_cross_entropy(z, y):
        y = np.asarray(y)
        if y.ndim == 1:
            return answer(z, y)
        n = z.shape[0]
        _, dz_first = answer(z, np.zeros(n, dtype=int))
        p = n * dz_first
        p[:, 0] += 1
        return float(-(y * np.log(p)).sum() / n), (p - y) / n

    _replace(losses, "softmax_cross_entropy", softmax_cross_entropy)


def _dropout_backward(answer: Callable) -> None:
    """hw3 dropout_backward(dout, keep, rate) -> dx. The library's cache is keep / (1 - rate),
    or None where the layer let everything through."""

    def dropout_backward(dout, cache):
        if cache is None:
            return dout, {}
        keep = cache != 0
        rate = 1 - 1 / cache.max() if keep.any() else 0.0
        return answer(dout, keep, rate), {}

    _replace(layers, "dropout_backward", dropout_backward)


def _conv2d_backward(answer: Callable) -> None:
    """hw1 conv2d_backward(dout, x, w, stride, pad) -> (dx, dw, db), one stride and one pad for
    both axes. The library's cache holds the im2col patches, not x: the forward pass (no
    homework's) keeps x in its cache too, for this answer. A (pad along H, pad along W) pair is
    applied here, and the answer gets pad 0; an axis with one output position takes any stride,
    so a 1-D convolution (N, L, 1, C) with stride (s, 1) gets stride s."""
    library_forward = layers.conv2d_forward

    def conv2d_forward(x, w, b, stride=1, pad=0):
        out, cache = library_forward(x, w, b, stride, pad)
        return out, (*cache, x)

    def conv2d_backward(dout, cache, need_dx=True):
        *_, w, (sh, sw), (ph, pw), x = cache
        _, oh, ow, _ = dout.shape
        if oh > 1 and ow > 1 and sh != sw:
            raise NotImplementedError(f"your hw1 conv2d_backward takes one stride; this lab uses {(sh, sw)}")
        xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
        dxp, dw, db = answer(dout, xp, w, sh if oh > 1 else sw, 0)
        dx = dxp[:, ph:ph + x.shape[1], pw:pw + x.shape[2]]
        return (dx if need_dx else None), {"w": dw, "b": db}

    _replace(layers, "conv2d_forward", conv2d_forward)
    _replace(layers, "conv2d_backward", conv2d_backward)


# ---------------------------------------------------------------- hw2: losses and functions
def _logistic_gradient_hessian(answer: Callable) -> None:
    """hw2 logistic_gradient_hessian(w, X, y) -> (grad, H)."""

    def logistic_gradient(w, X, y):
        return answer(w, X, y)[0]

    def logistic_hessian(w, X):
        return answer(w, X, np.zeros(len(X)))[1]  # the Hessian does not depend on the labels

    _replace(losses, "logistic_gradient", logistic_gradient)
    _replace(losses, "logistic_hessian", logistic_hessian)


def _beale_derivatives(answer: Callable) -> None:
    """hw2 beale_derivatives(p) -> (grad, H)."""
    from dlcourse import quadratic

    def beale_grad(p):
        return answer(p)[0]

    _replace(quadratic, "beale_grad", beale_grad)


# ---------------------------------------------------------------- hw3
def _sigmoid_unit_step(answer: Callable) -> None:
    """hw3 sigmoid_unit_step(w, b, x, t, lam, lr) -> (dw, db, w_new, b_new)."""
    from dlcourse import neuron

    def sigmoid_unit_step(w, b, x, t, lam, learning_rate):
        _, _, w_new, b_new = answer(w, b, x, t, lam, learning_rate)
        return w_new, b_new

    _replace(neuron, "sigmoid_unit_step", sigmoid_unit_step)


@dataclass(frozen=True)
class Plug:
    """Where a homework function goes: the library names it stands in for, and how."""

    homework: str  # the homework that asks for it
    library: tuple[str, ...]  # the names it replaces, as the student library's stubs name them
    install: Callable[[Callable], None]
    form: str = "homework"  # the answer's signature: the homework's, or "library" (the lab needs the general one)
    settings: dict[str, float] = field(default_factory=dict)  # keyword arguments a lab may pass, homework's values


def _as_is(homework: str, name: str) -> Plug:
    """A homework function with the library function's signature."""
    module, _, attr = name.rpartition(".")
    return Plug(homework, (name,), _same(module, attr))


def _library_form(homework: str, name: str) -> Plug:
    """A library function the homework asks for in a narrower form (on a quadratic, for one
    network): a lab that needs the general one takes the student's general answer."""
    module, _, attr = name.rpartition(".")
    return Plug(homework, (name,), _same(module, attr), "library")


PLUGS: dict[str, Plug] = {
    "adam_step": Plug("hw1", ("dlcourse.optim.Adam",), _adam, settings=ADAM),
    "adamax_step": Plug("hw1", ("dlcourse.optim.Adamax",), _adamax, settings=ADAMAX),
    "momentum_step": Plug("hw1", ("dlcourse.optim.SGD",), _momentum),
    "rmsprop_step": Plug("hw1", ("dlcourse.optim.RMSprop",), _rmsprop, settings=RMSPROP),
    "batchnorm_forward": Plug("hw1", ("dlcourse.layers.batchnorm_forward",), _batchnorm_forward,
                              settings=BATCHNORM_FORWARD),
    "batchnorm_backward": Plug("hw1", ("dlcourse.layers.batchnorm_backward",), _batchnorm_backward,
                               settings=BATCHNORM_BACKWARD),
    "grad_quadratic_form": Plug("hw2", ("dlcourse.matcalc.d_quadratic_dx", "dlcourse.matcalc.d_quadratic_dA"),
                                _grad_quadratic_form),
    "grad_trace_form": _as_is("hw2", "dlcourse.matcalc.d_trace_XtAX_dX"),
    "chain_matvec": _as_is("hw2", "dlcourse.matcalc.d_chain_matvec"),
    "grad_bilinear": _as_is("hw2", "dlcourse.matcalc.d_bilinear"),
    "grad_inner_chain": _as_is("hw2", "dlcourse.matcalc.d_inner_chain"),
    "inverse_derivative": _as_is("hw2", "dlcourse.matcalc.d_inverse"),
    "symmetric_penalty": Plug("hw2", ("dlcourse.regularizers.quadratic_form",), _symmetric_penalty),
    "softmax_hessian": _as_is("hw2", "dlcourse.losses.softmax_hessian"),
    "logistic_gradient_hessian": Plug("hw2", ("dlcourse.losses.logistic_gradient", "dlcourse.losses.logistic_hessian"),
                                      _logistic_gradient_hessian),
    "beale_derivatives": Plug("hw2", ("dlcourse.quadratic.beale_grad",), _beale_derivatives),
    "optimal_step": _library_form("hw1", "dlcourse.quadratic.optimal_step"),  # it refuses g^T H g <= 0
    "affine_backward": Plug("hw1", ("dlcourse.layers.affine_backward",), _affine_backward),
    "softmax_cross_entropy": Plug("hw1", ("dlcourse.losses.softmax_cross_entropy",), _softmax_cross_entropy),
    "dropout_backward": Plug("hw3", ("dlcourse.layers.dropout_backward",), _dropout_backward),
    "multiclass_hinge": _as_is("hw3", "dlcourse.losses.multiclass_hinge"),
    "mlp_param_count": _as_is("hw3", "dlcourse.models.mlp_param_count"),
    # the homework asks for these on one case (a quadratic, a polynomial, one network); the labs
    # call the general function, so the answer takes the library's signature (help() shows it)
    "backtracking": _library_form("hw1", "dlcourse.linesearch.backtracking"),
    "iteration_bound": _library_form("hw1", "dlcourse.linesearch.iteration_bound"),
    "accepted_step_bound": _library_form("hw1", "dlcourse.linesearch.accepted_step_bound"),
    "bias_corrected": _library_form("hw1", "dlcourse.optim.bias_corrected"),
    "spectral_norm": _library_form("hw1", "dlcourse.lipschitz.spectral_norm"),
    "conv2d_backward": Plug("hw1", ("dlcourse.layers.conv2d_backward",), _conv2d_backward),
    "log_softmax": _library_form("hw1", "dlcourse.losses.log_softmax"),
    "gd_quadratic": _library_form("hw2", "dlcourse.quadratic.gd_quadratic"),
    "newton_root": _library_form("hw2", "dlcourse.newton.newton_root"),
    "newton_minimize": _library_form("hw2", "dlcourse.newton.newton_minimize"),
    "binary_cross_entropy_with_logits": _library_form("hw3", "dlcourse.losses.binary_cross_entropy_with_logits"),
    "twobranch_forward": _library_form("hw3", "dlcourse.twobranch.forward"),
    "twobranch_backward": _library_form("hw3", "dlcourse.twobranch.backward"),
    "product_bound": _library_form("hw3", "dlcourse.lipschitz.product_bound"),
    "sigmoid_unit": _library_form("hw3", "dlcourse.neuron.sigmoid_unit"),
    "sigmoid_unit_step": Plug("hw3", ("dlcourse.neuron.sigmoid_unit_step",), _sigmoid_unit_step),
    "train_step": _library_form("hw3", "dlcourse.train.train_step"),
    "fit": _library_form("hw3", "dlcourse.train.fit"),
    "committee_scores": _library_form("hw3", "dlcourse.figures.real_networks.committee_scores"),
}


def _library(name: str) -> object:
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def _install(plug: Plug, answer: Callable, notebook: dict) -> None:
    global _notebook
    saved, _notebook = _notebook, notebook  # the lab's own names are rebound too
    try:
        plug.install(answer)
    finally:
        _notebook = saved


def plug_in(**answers: Callable | None) -> None:
    """Puts each answer given in the library's place (see the module's docstring). Raises the
    student library's NotImplementedError for a withheld function whose answer is None."""
    unknown = sorted(set(answers) - set(PLUGS))
    if unknown:
        raise TypeError(f"plug_in knows no homework function {', '.join(unknown)}; it knows {', '.join(PLUGS)}")
    caller = inspect.currentframe().f_back
    for name, answer in answers.items():
        plug = PLUGS[name]
        if answer is not None:
            _install(plug, answer, caller.f_globals)
            continue
        for library_name in plug.library:
            message = withheld(_library(library_name))
            if message is not None:
                raise NotImplementedError(f"{message}\n(the cell's {name} is None: paste your {plug.homework} "
                                          f"{name} over that line)")
