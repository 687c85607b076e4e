"""The harness of an outcome exercise's sandbox run: the student's ``train`` run as the cells
left it, and the run's labels sent out as soon as it has them; for a configuration exercise,
its function called once and its answer sent as JSON (the grader checks it and trains it
outside the sandbox, with its own trainer: ``dlcourse.grading.outcome.configured``).

The grader gives each run of ``train`` (a graded seed, or the control) a sandbox run of its
own, and hands in the training set, that run's labels, its seed and the held-out signals
(never their labels: it scores what comes back itself, with ``dlcourse.grading.outcome.judge``).
The run is a fork of its own, so that what it leaves behind (a background thread, a patched
module, a process it forked) dies with it:

- CPU: the run's child lowers its own RLIMIT_CPU to the run's budget (a forked child's CPU time
  starts at zero, and every thread of it counts), so a run past its budget is stopped by the
  kernel, whatever the student's code blocks or ignores; the parent also stops a run past its
  wall-clock time (a run that sleeps), and reports the CPU time each run used;
- what a run returns: only a plain ``np.ndarray`` of integers leaves, encoded here without
  calling any method of the student's objects; anything else is refused with the judge's words
  (the grader checks the labels again, the shape and the range, on its side);
- how far it got: a run that finished sent its labels before anything could stop it; one that
  was stopped says so.

Standard library and NumPy only: this module runs inside the sandbox.
"""
from __future__ import annotations

import base64
import json
import math
import os
import resource
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from . import supervise
from .protocol import MAX_ANSWER, error_text, send


def _read_only(a: np.ndarray) -> np.ndarray:
    out = a.copy()
    out.flags.writeable = False
    return out


def _encoded_labels(predicted: Any) -> dict:
    """The labels as the grader reads them back; a ValueError saying why they cannot be."""
    if type(predicted) is not np.ndarray:  # type(), not isinstance: a subclass or a proxy fakes the latter
        raise ValueError(f"predict returned a {type(predicted).__name__}: return a NumPy array (np.ndarray, not a "
                         f"subclass) of integer labels, e.g. scores.argmax(axis=1)")
    if predicted.dtype.kind not in "iu":
        raise ValueError(f"predict returned an array of dtype {predicted.dtype}: return integer labels, "
                         f"e.g. scores.argmax(axis=1)")
    a = np.array(predicted, dtype=np.int64, copy=True)  # the harness's own array, whatever the student's holds
    return {"dtype": a.dtype.str, "shape": list(a.shape), "data": base64.b64encode(a.tobytes("C")).decode()}


def _limit_cpu(seconds: float) -> None:
    """This process's CPU time capped at ``seconds`` (SIGXCPU), and one second later for good
    (SIGKILL, which no handler the student installs can catch): lowering a limit needs no privilege."""
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = max(1, math.ceil(seconds))
    if hard != resource.RLIM_INFINITY:
        soft = max(1, min(soft, hard - 1))
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 1))


def _train_and_predict(train: Any, data: dict, run: dict) -> dict:
    """One run of a ``train``: trained on the run's labels, its labels of the held-out signals."""
    predict = train(_read_only(data["X"]), _read_only(data[run["labels"]]), int(run["seed"]))
    if not callable(predict):
        raise ValueError(f"train returned a {type(predict).__name__}, not a function predict(X)")
    return {"status": "ok", "labels": _encoded_labels(predict(_read_only(data["X_heldout"])))}


def _answer(function: Any) -> dict:
    """A configuration exercise's answer: what the function returns, as JSON text (the grader
    reads it with ``json.loads`` and checks it; a value JSON cannot carry is said so)."""
    changes = function()
    try:
        text = json.dumps(changes, default=_plain)
    except (TypeError, ValueError, RecursionError) as e:  # a set, an object, a circular dict
        return {"status": "unsendable", "error": error_text(e)}
    if len(text) > MAX_ANSWER:
        return {"status": "unsendable", "error": f"{len(text)} characters of JSON, more than {MAX_ANSWER}"}
    return {"status": "ok", "changes": text}


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds, as ``dlcourse.trainer.plain`` (the kit's) does."""
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _in_child(work: Callable[[], dict], index: int, spec: dict, results: int, done_w: int) -> None:
    """In the run's child: the work under the run's CPU budget, its record and CPU time sent."""
    me = os.getpid()
    _limit_cpu(float(spec["cpu_seconds"]))
    start = time.process_time()
    try:
        record = work()
    except BaseException as e:  # the student's code: any failure is this run's, reported
        record = {"status": "error", "error": error_text(e)}
    if os.getpid() != me:  # a process the student's code forked: it says nothing
        os._exit(0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    send(results, run=index, cpu=time.process_time() - start, peak_mb=peak_mb, **record)
    supervise.say_done(done_w)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _one_run(work: Callable[[], dict], index: int, spec: dict, results: int) -> None:
    """``work`` in a fork of its own, under the budget; a record on run ``index`` whatever happens."""
    before = _children_cpu()  # a stopped run's CPU time: its child's, once reaped (runs go one at a time)
    done_r, done_w = os.pipe()
    pid = supervise.fork()
    if pid is None:
        os.close(done_r)
        os.close(done_w)
        send(results, run=index, status="error", error="could not start: process limit reached")
        return
    if pid == 0:
        os.close(done_r)
        try:
            _in_child(work, index, spec, results, done_w)
        finally:  # whatever the student's code did, this child never returns into the harness
            os._exit(0)
    os.close(done_w)
    with supervise.Child(pid, done_r) as child:
        stopped = supervise.await_child(child, float(spec["run_seconds"]), "run")
        child.kill()  # its work is done or it is stopped: what it left running ends now (and it is reaped)
    if stopped is not None:
        send(results, run=index, status="stopped", error=_stopped_words(stopped, spec),
             cpu=_children_cpu() - before)


def _stopped_words(stopped: supervise.Stopped, spec: dict) -> str:
    if stopped.timed_out:
        return f"the run took more than {stopped.seconds:g} s of wall-clock time and was stopped"
    if stopped.ended in ("killed by signal SIGXCPU", "killed by signal SIGKILL"):
        return (f"the run used its budget of {float(spec['cpu_seconds']):g} s of CPU (every thread counts) "
                f"and was stopped ({stopped.ended})")
    return str(stopped)


def run_outcome(job: dict, shell: Any, data: dict, results: int) -> None:
    """Every run of ``job["outcome"]``: the graded seeds, then the control; or, for a
    configuration exercise, the one call of its function whose answer the grader trains."""
    spec = job["outcome"]
    function = shell.user_ns.get(spec["function"])
    runs = [{"index": 0}] if spec.get("configured") else spec["runs"]
    for run in runs:
        if not callable(function):
            send(results, run=run["index"], status="error", error=f"no function named {spec['function']} was defined")
        elif spec.get("configured"):
            _one_run(lambda: _answer(function), 0, spec, results)
        else:
            _one_run(lambda run=run: _train_and_predict(function, data, run), run["index"], spec, results)
