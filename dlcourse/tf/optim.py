"""Keras optimisers written from scratch, for reading: each is a subclass of
``keras.optimizers.Optimizer`` with ``build`` (its slots) and ``update_step`` (the maths
in its docstring), and matches the built-in Keras optimiser of the same name step for step.

Each keeps, per variable, the named slots of its twin in ``dlcourse.optim`` (``AdamSlots(m, v)``
and so on), here as Keras variables: ``optimizer.slots(variable).v``.

Hyperparameters are used at the variable's precision; Keras's own optimisers round them
through float32 first, so compare the two with values that float32 holds exactly.
"""
from __future__ import annotations

import keras
from keras import ops

from dlcourse import optim
from dlcourse.tf import tf  # noqa: F401  (quiet TensorFlow import first)


class _Scratch(keras.optimizers.Optimizer):
    """Shared plumbing: one slot variable per field of ``slots_type`` and per model variable."""

    slots_type: type  # the named tuple of dlcourse.optim this rule shares

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        fields = self.slots_type._fields
        self._slots = [self.slots_type(*(self.add_variable_from_reference(v, name) for name in fields))
                       for v in var_list]

    def slots(self, variable):
        """The named slots of ``variable``, e.g. ``AdamSlots(m, v)`` of Keras variables."""
        return self._slots[self._get_variable_index(variable)]

    def step_and_powers(self, variable, *betas: float):
        """t = iterations + 1, and beta^t for each beta, in the variable's dtype."""
        t = ops.cast(self.iterations + 1, variable.dtype)
        return [ops.power(ops.cast(b, variable.dtype), t) for b in betas]


class SGD(_Scratch):
    """v <- momentum v - lr g;  w <- w + v (classical) or w + momentum v - lr g (Nesterov);
    plain w <- w - lr g when momentum = 0."""

    slots_type = optim.SGDSlots

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="scratch_sgd", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum, self.nesterov = momentum, nesterov

    def update_step(self, gradient, variable, learning_rate):
        lr, g = ops.cast(learning_rate, variable.dtype), ops.cast(gradient, variable.dtype)
        if not self.momentum:
            self.assign_sub(variable, lr * g)
            return
        v = self.slots(variable).v
        self.assign(v, self.momentum * v - lr * g)
        self.assign_add(variable, self.momentum * v - lr * g if self.nesterov else v)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(_Scratch):
    """v <- rho v + (1 - rho) g^2;  w <- w - lr g / sqrt(v + epsilon)  (epsilon inside the root, as Keras)."""

    slots_type = optim.RMSpropSlots

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7, name="scratch_rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def update_step(self, gradient, variable, learning_rate):
        lr, g = ops.cast(learning_rate, variable.dtype), ops.cast(gradient, variable.dtype)
        v = self.slots(variable).v
        self.assign(v, self.rho * v + (1 - self.rho) * g * g)
        self.assign_sub(variable, lr * g / ops.sqrt(v + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adam(_Scratch):
    """m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2, then

    ``epsilon_hat=True`` (default, what Keras does; the paper's efficient form)::

        w <- w - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)

    ``epsilon_hat=False`` (the paper's Algorithm 1, what PyTorch does)::

        w <- w - lr m_hat / (sqrt(v_hat) + epsilon),  m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)
    """

    slots_type = optim.AdamSlots

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, epsilon_hat=True,
                 name="scratch_adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.epsilon_hat = beta_1, beta_2, epsilon, epsilon_hat

    def update_step(self, gradient, variable, learning_rate):
        lr, g = ops.cast(learning_rate, variable.dtype), ops.cast(gradient, variable.dtype)
        b1t, b2t = self.step_and_powers(variable, self.beta_1, self.beta_2)
        m, v = self.slots(variable)
        self.assign(m, self.beta_1 * m + (1 - self.beta_1) * g)
        self.assign(v, self.beta_2 * v + (1 - self.beta_2) * g * g)
        if self.epsilon_hat:
            step = lr * ops.sqrt(1 - b2t) / (1 - b1t) * m / (ops.sqrt(v) + self.epsilon)
        else:
            step = lr * (m / (1 - b1t)) / (ops.sqrt(v / (1 - b2t)) + self.epsilon)
        self.assign_sub(variable, step)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "epsilon_hat": self.epsilon_hat}


class Adamax(_Scratch):
    """m <- b1 m + (1 - b1) g,  u <- max(b2 u, abs(g));  w <- w - lr / (1 - b1^t) * m / (u + epsilon).

    (The Adam paper's rule; seed 002's u = max(b2 u, (1 - b2) abs(g)) is not it.)
    """

    slots_type = optim.AdamaxSlots

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="scratch_adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def update_step(self, gradient, variable, learning_rate):
        lr, g = ops.cast(learning_rate, variable.dtype), ops.cast(gradient, variable.dtype)
        (b1t,) = self.step_and_powers(variable, self.beta_1)
        m, u = self.slots(variable)
        self.assign(m, self.beta_1 * m + (1 - self.beta_1) * g)
        self.assign(u, ops.maximum(self.beta_2 * u, ops.abs(g)))
        self.assign_sub(variable, lr / (1 - b1t) * m / (u + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
