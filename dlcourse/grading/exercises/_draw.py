"""Helpers the exercise declarations share to draw inputs and call the references."""
from __future__ import annotations

import numpy as np

from dlcourse import optim


def size(case: int, sizes: tuple[int, ...] = (1, 2, 3, 7)) -> int:
    """A batch size that varies with the case number, the edge size 1 included."""
    return sizes[case % len(sizes)]


def spd(rng: np.random.Generator, n: int, cond: float) -> np.ndarray:
    """A random symmetric positive definite n x n matrix with condition number ``cond``."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (q * np.geomspace(1, cond, n)) @ q.T


def one_step(rule: optim.UpdateRule, p: np.ndarray, g: np.ndarray, slots: tuple, t: int = 1) -> tuple:
    """One step of ``rule`` on one parameter from the given slot values, as step number t:
    (the new parameter, *the new slot values)."""
    new, state = rule.step({"p": p}, {"p": g}, optim.OptState(int(t) - 1, {"p": rule.slots_type(*slots)}))
    return (new["p"], *state.slots["p"])
