"""Layer objects over the functions of ``layers``, and a Sequential container.

A module holds its parameters and its last cache; ``forward(x, training)`` returns the
output and ``backward(dout)`` returns ``(dx, grads)``. The container is a module too, so
containers nest; it names parameters ``"<index>.<name>"`` (``"1.0.w"`` inside a nested one)
so that one flat dict goes to an optimiser in ``dlcourse.optim``.
"""
from __future__ import annotations

import textwrap
from collections.abc import Callable

import numpy as np

from dlcourse import initializers, layers

Initializer = Callable[..., np.ndarray]


class Module:
    """A layer without parameters unless a subclass fills ``params``."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self._cache = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        raise NotImplementedError

    def backward_params_only(self, dout: np.ndarray) -> dict[str, np.ndarray]:
        """The parameter gradients alone; layers that can skip computing dx override it."""
        return self.backward(dout)[1]

    def parameters(self) -> dict[str, np.ndarray]:
        return dict(self.params)

    def load_parameters(self, params: dict[str, np.ndarray]) -> None:
        unknown = set(params) - set(self.params)
        if unknown:  # a misspelt name would otherwise add a parameter nothing reads
            raise KeyError(f"{type(self).__name__} has no parameter {sorted(unknown)}")
        self.params.update(params)

    def num_params(self) -> int:
        return sum(v.size for v in self.parameters().values())

    def astype(self, dtype) -> Module:
        """Casts every parameter to ``dtype``; returns self."""
        self.params = {k: v.astype(dtype) for k, v in self.params.items()}
        return self

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}{tuple(v.shape)}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"


class _Functional(Module):
    """Wraps a pair ``<name>_forward`` / ``<name>_backward`` whose forward takes only x."""

    forward_fn: Callable = staticmethod(lambda x: (x, None))
    backward_fn: Callable = staticmethod(lambda d, c: (d, {}))

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        out, self._cache = type(self).forward_fn(x)
        return out

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return type(self).backward_fn(dout, self._cache)


class ReLU(_Functional):
    forward_fn, backward_fn = staticmethod(layers.relu_forward), staticmethod(layers.relu_backward)


class Sigmoid(_Functional):
    forward_fn, backward_fn = staticmethod(layers.sigmoid_forward), staticmethod(layers.sigmoid_backward)


class Tanh(_Functional):
    forward_fn, backward_fn = staticmethod(layers.tanh_forward), staticmethod(layers.tanh_backward)


class Flatten(_Functional):
    forward_fn, backward_fn = staticmethod(layers.flatten_forward), staticmethod(layers.flatten_backward)


class Reshape(Module):
    """(N, ...) -> (N, ``*shape``), e.g. a signal (N, L) to an image (N, L, 1, 1) for conv2d."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._cache = x.shape
        return x.reshape(x.shape[0], *self.shape)

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return dout.reshape(self._cache), {}


class LeakyReLU(Module):
    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        out, self._cache = layers.leaky_relu_forward(x, self.alpha)
        return out

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return layers.leaky_relu_backward(dout, self._cache)


class Dense(Module):
    def __init__(
        self, n_in: int, n_out: int, init: Initializer = initializers.glorot_uniform, rng=None
    ) -> None:
        super().__init__()
        self.params = {"w": init((n_in, n_out), rng), "b": np.zeros(n_out)}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        out, self._cache = layers.affine_forward(x, self.params["w"], self.params["b"])
        return out

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return layers.affine_backward(dout, self._cache)

    def backward_params_only(self, dout: np.ndarray) -> dict[str, np.ndarray]:
        return layers.affine_backward(dout, self._cache, need_dx=False)[1]


class Conv2D(Module):
    def __init__(
        self, c_in: int, c_out: int, kernel: layers.Pair = 3, stride: layers.Pair = 1, pad: layers.Pair = 0,
        init: Initializer = initializers.he_normal, rng=None,
    ) -> None:
        super().__init__()
        self.stride, self.pad = stride, pad
        kh, kw = layers.pair(kernel)
        self.params = {"w": init((kh, kw, c_in, c_out), rng), "b": np.zeros(c_out)}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        out, self._cache = layers.conv2d_forward(x, self.params["w"], self.params["b"], self.stride, self.pad)
        return out

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return layers.conv2d_backward(dout, self._cache)

    def backward_params_only(self, dout: np.ndarray) -> dict[str, np.ndarray]:
        return layers.conv2d_backward(dout, self._cache, need_dx=False)[1]


class MaxPool2D(Module):
    def __init__(self, pool: layers.Pair = 2, stride: layers.Pair | None = None) -> None:
        super().__init__()
        self.pool, self.stride = pool, stride

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        out, self._cache = layers.maxpool2d_forward(x, self.pool, self.stride)
        return out

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return layers.maxpool2d_backward(dout, self._cache)


class Dropout(Module):
    def __init__(self, rate: float, rng=None) -> None:
        super().__init__()
        self.rate, self.rng = rate, np.random.default_rng(rng)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        out, self._cache = layers.dropout_forward(x, self.rate, training, self.rng)
        return out

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return layers.dropout_backward(dout, self._cache)


class BatchNorm(Module):
    def __init__(self, n_features: int, momentum: float = 0.99, eps: float = 1e-3) -> None:
        super().__init__()
        self.momentum, self.eps = momentum, eps
        self.params = {"gamma": np.ones(n_features), "beta": np.zeros(n_features)}
        self.running = {"mean": np.zeros(n_features), "var": np.ones(n_features)}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        out, self._cache = layers.batchnorm_forward(
            x, self.params["gamma"], self.params["beta"], self.running, training, self.momentum, self.eps
        )
        return out

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return layers.batchnorm_backward(dout, self._cache)

    def astype(self, dtype) -> BatchNorm:
        """Casts the parameters and the running statistics to ``dtype``; returns self."""
        super().astype(dtype)
        self.running = {k: v.astype(dtype) for k, v in self.running.items()}
        return self


class Residual(Module):
    """``x + inner(x)``: a skip connection around ``inner`` (a Sequential, whose parameters
    it shows as its own), so the gradient reaches ``x`` both through ``inner`` and directly."""

    def __init__(self, inner: Sequential) -> None:
        # no Module.__init__: the parameters are the inner module's
        self.inner = inner

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return x + self.inner.forward(x, training)

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        dx, grads = self.inner.backward(dout)
        return dout + dx, grads

    def backward_params_only(self, dout: np.ndarray) -> dict[str, np.ndarray]:
        return self.inner.backward_params_only(dout)

    def parameters(self) -> dict[str, np.ndarray]:
        return self.inner.parameters()

    def load_parameters(self, params: dict[str, np.ndarray]) -> None:
        self.inner.load_parameters(params)

    def astype(self, dtype) -> Residual:
        self.inner.astype(dtype)
        return self

    def __repr__(self) -> str:
        return "Residual(" + repr(self.inner).split("  #")[0] + ")"


class Sequential(Module):
    """Modules applied in order; parameters flattened to ``{"<i>.<name>": array}``. A module
    may itself be a Sequential, whose names then nest: ``"<i>.<j>.<name>"``."""

    def __init__(self, modules: list[Module]) -> None:
        # no Module.__init__: a container holds no parameters of its own, only its modules'
        self.modules = list(modules)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        for m in self.modules:
            x = m.forward(x, training)
        return x

    __call__ = forward

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """Gradients of every parameter, and of the input unless ``need_dx=False`` (training
        needs none, and skipping it saves the first layer's largest matmul)."""
        grads = {}
        for i in reversed(range(len(self.modules))):
            m = self.modules[i]
            if i == 0 and not need_dx:
                dout, g = None, m.backward_params_only(dout)
            else:
                dout, g = m.backward(dout)
            grads.update({f"{i}.{k}": v for k, v in g.items()})
        return dout, grads

    def backward_params_only(self, dout: np.ndarray) -> dict[str, np.ndarray]:
        return self.backward(dout, need_dx=False)[1]

    def parameters(self) -> dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, m in enumerate(self.modules) for k, v in m.parameters().items()}

    def load_parameters(self, params: dict[str, np.ndarray]) -> None:
        """Hands each ``"<i>.<rest>"`` to module i as ``"<rest>"``."""
        by_module: dict[int, dict[str, np.ndarray]] = {}
        for name, value in params.items():
            i, rest = name.split(".", 1)
            by_module.setdefault(int(i), {})[rest] = value
        for i, module_params in by_module.items():
            self.modules[i].load_parameters(module_params)

    def astype(self, dtype) -> Sequential:
        """Casts every parameter (and running statistic) to ``dtype``; returns self."""
        for m in self.modules:
            m.astype(dtype)
        return self

    def __repr__(self) -> str:
        body = "\n".join(textwrap.indent(f"({i}) {m!r}", "  ") for i, m in enumerate(self.modules))
        return f"Sequential(\n{body}\n)  # {self.num_params()} parameters"
