"""Checking one call of a student's function against expected outputs: the comparison the
grader makes, and the student's ``check`` for the visible cases.

This module needs nothing but NumPy and the standard library, because it ships to students
as ``hwcheck.py`` beside each released notebook, with ``<assignment>_cases.json``: the
visible cases' inputs and the outputs the reference gave for them. A student's check and the
grader therefore use the same comparison and print the same messages. Nothing here knows a
reference implementation or a hidden case.

Messages say how a result differed (shape, how many entries, by how much, where), never an
expected value. When a failed result is what a known mistake gives on the same inputs, the
message also names the mistake and where the book teaches it: the cases file carries each
known mistake's outputs on the visible cases (never its code), the grader computes them on the
hidden ones on its own side.
"""
from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

Arrays = dict[str, np.ndarray]
NUMERIC_KINDS = "biuf"  # bool, signed and unsigned integers, floats


# ------------------------------------------------------------------ arrays as JSON, and back
def encode(a) -> dict:
    """An array as JSON: dtype, shape and the raw bytes (exact, unlike decimal text)."""
    a = np.asarray(a)
    return {"dtype": a.dtype.str, "shape": list(a.shape), "data": base64.b64encode(a.tobytes("C")).decode()}


def decode(d: dict, max_elements: int | None = None) -> np.ndarray:
    """The array ``encode`` wrote. Untrusted input: the dtype must be numeric, the shape is
    checked against ``max_elements`` before any data is decoded, and the data must fit it."""
    dtype = np.dtype(str(d["dtype"]))
    if dtype.kind not in NUMERIC_KINDS or dtype.itemsize > 8:
        raise ValueError(f"dtype {dtype} is not numeric")
    shape = tuple(int(n) for n in d["shape"])
    if len(shape) > 32 or any(n < 0 for n in shape):
        raise ValueError(f"shape {shape} is not a valid array shape")
    count = int(np.prod(shape, dtype=object))
    if max_elements is not None and count > max_elements:
        raise ValueError(f"{count} entries, more than the {max_elements} this test can need")
    text = d["data"]
    if not isinstance(text, str) or len(text) != 4 * -(-count * dtype.itemsize // 3):
        raise ValueError(f"the data does not hold {count} entries of {dtype}")
    return np.frombuffer(base64.b64decode(text), dtype=dtype).reshape(shape).copy()


# ------------------------------------------------------------------ comparing one call
def as_real(v) -> np.ndarray:
    """A value as a float64 array: complex numbers whose imaginary parts are all zero (as
    ``np.roots`` or ``np.linalg.eig`` return) and long doubles are accepted; raises ValueError
    for anything else that is not a number."""
    a = np.asarray(v)
    if a.dtype.kind == "c":
        if np.any(a.imag != 0):
            raise ValueError("complex values with a nonzero imaginary part")
        a = a.real
    if a.dtype.kind not in NUMERIC_KINDS + "f":
        raise ValueError(f"got {type(v).__name__}")
    return a.astype(np.float64)


def as_outputs(value, names: tuple[str, ...], function: str) -> Arrays:
    """A function's return value as named float arrays; raises ValueError when it has the wrong
    number of values or one is not numeric."""
    values = value if isinstance(value, tuple) else (value,)
    if len(values) != len(names):
        raise ValueError(f"{function} must return {len(names)} value(s) ({', '.join(names)}), "
                         f"it returned {len(values)}")
    out = {}
    for name, v in zip(names, values):
        try:
            out[name] = as_real(v)
        except (TypeError, ValueError) as e:
            raise ValueError(f"output {name} is not a real number or array ({e})") from None
    return out


def compare(got: Arrays, expected: Arrays, rtol: float, atol: float) -> list[str]:
    """Every difference between ``got`` and ``expected``, as messages; empty when they agree."""
    problems = []
    for name, ref in expected.items():
        out = got.get(name)
        if out is None:
            problems.append(f"output {name} is missing")
        elif out.shape != ref.shape:
            problems.append(f"output {name} has shape {out.shape}, expected {ref.shape}")
        elif not np.all(np.isfinite(out)):
            problems.append(f"output {name} contains {int((~np.isfinite(out)).sum())} NaN or infinite entries")
        else:
            bad = ~np.isclose(out, ref, rtol=rtol, atol=atol)
            if bad.any():
                err = np.abs(out - ref)
                rel = float(err.max() / max(np.abs(ref).max(), 1e-300))
                where = ""
                if out.ndim:
                    index = np.unravel_index(int(np.argmax(np.where(bad, err, -1))), out.shape)
                    where = f" at index {tuple(int(i) for i in index)}"
                problems.append(f"output {name}: {int(bad.sum())} of {out.size} entries differ; largest absolute "
                                f"difference {err.max():.3g} (relative {rel:.3g}){where}")
    return problems


def relu_network_equals_max(inputs: Arrays, got: Arrays) -> list[str]:
    """The returned weights must make ReLU(x W1^T) w2 equal max(x1, x2) at the points x."""
    W1, w2 = got["W1"], got["w2"]
    if W1.ndim != 2 or W1.shape[1] != 2 or w2.shape != (W1.shape[0],):
        return [f"W1 must be (hidden, 2) and w2 (hidden,), got {W1.shape} and {w2.shape}"]
    x = inputs["x"]
    net = np.maximum(x @ W1.T, 0) @ w2
    bad = ~np.isclose(net, x.max(1), atol=1e-8)
    if bad.any():
        i = int(np.argmax(bad))
        return [f"the network differs from max(x1, x2) at {int(bad.sum())} of {len(x)} points, "
                f"e.g. x = {x[i].round(3).tolist()} (off by {abs(net[i] - x[i].max()):.3g})"]
    return []


# tests whose answer is a property, not one array: name -> check(inputs, outputs)
PROPERTIES: dict[str, Callable[[Arrays, Arrays], list[str]]] = {
    "relu_network_equals_max": relu_network_equals_max,
}


def describe_inputs(args: Arrays) -> str:
    """The call's arguments by shape, e.g. ``x: (3, 4), t: scalar``."""
    return ", ".join(f"{k}: {'scalar' if np.ndim(v) == 0 else tuple(np.shape(v))}" for k, v in args.items())


def check_call(test: dict, inputs: Arrays, got: Arrays, expected: Arrays | None) -> list[str]:
    """The problems of one call's outputs ``got``, for a test as the cases file declares it."""
    if test.get("property"):
        return PROPERTIES[test["property"]](inputs, got)
    return compare(got, expected or {}, test["rtol"], test["atol"])


# ------------------------------------------------------------------ naming a known mistake
def relu_network_values(inputs: Arrays, got: Arrays) -> Arrays:
    """The function the returned weights compute at the points x: two sets of weights that
    compute the same function are the same answer."""
    return {"net": np.maximum(inputs["x"] @ got["W1"].T, 0) @ got["w2"]}


# how a property test's outputs are compared with a known mistake's: name -> what to compare
SIGNATURES: dict[str, Callable[[Arrays, Arrays], Arrays]] = {
    "relu_network_equals_max": relu_network_values,
}


def same_answer(test: dict, inputs: Arrays, got: Arrays, wrong: Arrays) -> bool:
    """Whether ``got`` is what a known wrong answer returned on the same inputs, within the
    test's tolerances (finite values only: an overflow matches no mistake)."""
    if set(got) != set(wrong):
        return False
    signature = SIGNATURES.get(test.get("property") or "")
    try:
        if signature is not None:
            got, wrong = signature(inputs, got), signature(inputs, wrong)
        return not compare(got, wrong, test["rtol"], test["atol"])
    except (ValueError, KeyError, IndexError):  # weights that make no network: not that mistake
        return False


def known_mistake(says: str, see: str) -> str:
    """What feedback says of a result that a known mistake gives."""
    return f"this is what you get when {says}: see {see}"


def _named_mistake(test: dict, case: dict, inputs: Arrays, got: Arrays) -> list[str]:
    """The first of the case's known mistakes whose outputs ``got`` are, as a message."""
    for mistake in case.get("mistakes", []):
        wrong = {k: decode(v) for k, v in mistake["outputs"].items()}
        if same_answer(test, inputs, got, wrong):
            return [known_mistake(mistake["says"], mistake["see"])]
    return []


# ------------------------------------------------------------------ the student's check
def _load_tests() -> dict[str, dict]:
    """Every test of every ``*_cases.json`` beside this file or in the working directory."""
    tests: dict[str, dict] = {}
    for folder in dict.fromkeys([Path(__file__).resolve().parent, Path.cwd()]):
        for path in sorted(folder.glob("*_cases.json")):
            tests.update(json.loads(path.read_text())["tests"])
    return tests


def _outcome_run(fn: Callable, data: tuple, seed: int) -> tuple[float | None, float, str]:
    """(accuracy or None, CPU seconds, what went wrong) of one public run of a ``train``."""
    import time

    X, y, X_test, y_test = data
    start = time.process_time()
    try:
        predicted = fn(X.copy(), y.copy(), seed)(X_test.copy())
    except Exception as e:
        return None, time.process_time() - start, f"{type(e).__name__}: {e}"
    cpu = time.process_time() - start
    # the grader's own rule: a plain integer array, one label per signal, never the student's object compared
    if type(predicted) is not np.ndarray or predicted.dtype.kind not in "iu" or predicted.shape != y_test.shape:
        what = (f"an array of dtype {predicted.dtype} and shape {predicted.shape}" if type(predicted) is np.ndarray
                else f"a {type(predicted).__name__}")
        return None, cpu, f"predict must return a NumPy array (np.ndarray) of {len(y_test)} integer labels, not {what}"
    return float(np.mean(np.array(predicted, dtype=np.int64) == y_test)), cpu, ""


def _public_mnist1d(test: dict) -> tuple:
    """The public data of an outcome exercise's check: the student's training split and the
    data set's public test split, made by the student library."""
    try:
        from dlcourse.data.mnist1d import MNIST1DConfig, make_mnist1d  # made locally, never downloaded
    except ImportError as e:
        raise ImportError(f"{test['function']} is checked on MNIST-1D, which the course's student library makes: "
                          "install it (the course site's page \"Running the labs\" says how), then check again "
                          f"({e})") from None
    return make_mnist1d(MNIST1DConfig(**{**test["data"], "padding": tuple(test["data"]["padding"])}))


def _against_bands(test: dict, train: Callable, data: tuple) -> None:
    """``train`` run with the check's public seeds, each run against the budget and the median
    against the bands: printed when it earns every point, an AssertionError otherwise."""
    budget, lines, outcomes = test["cpu_seconds"], [], []
    for seed in test["seeds"]:
        accuracy, cpu, problem = _outcome_run(train, data, seed)
        outcomes.append(accuracy if not problem else 0.0)
        said = problem or f"{accuracy:.1%} on the public test split"
        # only a warning here: a laptop's NumPy may use every core, and CPU time counts them all,
        # where the grader's runs have one thread each
        # (a configuration's cost is checked before training, as the grader checks it: no warning)
        over = f" (over the budget of {budget:g} s: with one thread, as the grader runs it, it is stopped)" \
            if cpu > budget and not test.get("configured") else ""
        lines.append(f"  seed {seed}: {said}, {cpu:.2f} s of CPU{over}")
    if all(line.split(": ", 1)[1].startswith("NotImplementedError") for line in lines):
        # the student library withholds what the training calls while a homework is open
        raise AssertionError(f"{test['function']} could not be trained here: the student library withholds a "
                             f"function it calls while its homework is open; the grader trains with the whole "
                             f"library, so this is no verdict on your answer.\n" + "\n".join(lines))
    median = float(np.median(outcomes))
    band = next((b for b in test["bands"] if median >= b["threshold"]), None)
    said = f"{band['fraction']:.0%} of the points" if band else "no points"
    bands = ", ".join(f"{b['threshold']:.0%}: {b['fraction']:.0%}" for b in test["bands"])
    lines.insert(0, f"{test['function']}: median {median:.1%} on the public test split, which would earn {said} "
                    f"(bands {bands}); the grader uses held-out data and seeds of its own")
    if band is None or band is not test["bands"][0]:
        raise AssertionError("\n".join(lines))
    print("\n".join(lines))


def check_outcome(test: dict, fn: Callable) -> None:
    """An outcome exercise's local check: ``fn`` (``train``) run with a few public seeds on the
    public data only (the student's training split, scored on the data set's public test split),
    each run against the budget and the median against the bands. The grader's held-out set and
    seeds differ, and it also runs a control on shuffled labels: a guide, not the grade."""
    _against_bands(test, fn, _public_mnist1d(test))


def check_configured(test: dict, fn: Callable) -> None:
    """A configuration exercise's local check: the changes ``fn`` returns checked as the grader
    checks them (``dlcourse.trainer.changed``: only the keys it may change, a run within the
    budget), then trained by the course library's trainer, the grader's, as ``check_outcome``
    runs a ``train``. The grader's held-out set and seeds differ: a guide, not the grade."""
    X, y, X_test, y_test = _public_mnist1d(test)
    from dlcourse import trainer  # the student library, as the data above

    try:
        config = trainer.changed(test["given"], frozenset(test["changeable"]), trainer.sent(fn()), len(X),
                                 X.shape[1], test["cpu_seconds"], test["function"])
    except trainer.ConfigurationRefused as e:
        raise AssertionError(f"{test['function']}: the grader would refuse this answer, and train nothing: {e}") \
            from None
    _against_bands(test, trainer.trainer(config), (X, y, X_test, y_test))


def check(test_id: str, fn: Callable) -> None:
    """Runs the visible cases of ``test_id`` on ``fn``; raises AssertionError listing every
    failing case (naming a known mistake where the result is one), or prints a line when all
    pass. The grader runs hidden cases the same way. An outcome exercise is checked by
    ``check_outcome``, a configuration exercise by ``check_configured``."""
    tests = _load_tests()
    if test_id not in tests:
        raise LookupError(f"no visible cases for {test_id!r}: keep hwcheck.py and the homework's "
                          "*_cases.json in the notebook's folder")
    test = tests[test_id]
    if test.get("configured"):
        check_configured(test, fn)
        return
    if test.get("outcome"):
        check_outcome(test, fn)
        return
    failures = []
    for case in test["cases"]:
        inputs = {k: decode(v) for k, v in case["inputs"].items()}
        args = {k: inputs[k] for k in test["args"]}
        expected = {k: decode(v) for k, v in case["expected"].items()} if case.get("expected") else None
        try:
            got = as_outputs(fn(**args), tuple(test["outputs"]), test["function"])
            problems = check_call(test, inputs, got, expected)
            if problems:
                problems += _named_mistake(test, case, inputs, got)
        except Exception as e:
            problems = [f"{type(e).__name__}: {e}"]
        if problems:
            failures.append(f"{test['function']}({describe_inputs(args)}), {case['name']}: " + "; ".join(problems))
    if failures:
        raise AssertionError("\n".join(failures))
    print(f"{test['function']}: {len(test['cases'])} visible case(s) passed")
