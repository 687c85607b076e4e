"""Calling the graded functions, as the cells left them, on each case's inputs.

The calls run one after another in one child, as a notebook's tests run one after another in
one kernel: one fork for them all. The child says after each call that it is done; a call that
raises is reported, and one that loops, exits or crashes ends the child and costs that case only:
a new child takes up the case after it. Return values go back as raw arrays (no pickles).
"""
from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from . import supervise
from .protocol import error_text, send


def read_inputs(path: str, cases: list[dict]) -> list[dict]:
    """Each case's arguments, from the raw bytes the grader wrote and the layout in ``job.json``:
    arrays of their own, writable, as ``np.load`` would give them."""
    with open(path, "rb") as fh:
        raw = fh.read()
    return [{a["name"]: np.frombuffer(raw, a["dtype"], math.prod(a["shape"]), a["offset"]).reshape(a["shape"]).copy()
             for a in case["args"]} for case in cases]


def _encoded(value: Any) -> list[dict]:
    from hwcheck import as_real, encode  # the grader's checker, imported by main() before any cell

    values = value if isinstance(value, tuple) else (value,)
    out = []
    for i, v in enumerate(values):
        try:
            out.append(encode(as_real(v)))
        except (TypeError, ValueError) as e:
            raise TypeError(f"return value {i} is not a real number or array ({e})") from None
    return out


def _calls_in_child(functions: dict, cases: list[dict], todo: list[int], inputs: list[dict], results: int,
                    done_w: int) -> None:
    """In the child: each case's call and its record, then the word to the parent that it is done."""
    me = os.getpid()
    for i in todo:
        try:
            outputs, error = _encoded(functions[cases[i]["function"]](**inputs[i])), None
        except BaseException as e:  # SystemExit and KeyboardInterrupt included: the call failed
            outputs, error = None, error_text(e)
        if os.getpid() != me:  # a process the student's function forked: it says nothing and stops
            return
        if error is None:
            send(results, case=i, status="ok", outputs=outputs)
        else:
            send(results, case=i, status="error", error=error)
        supervise.say_done(done_w)


def _call_cases(functions: dict, cases: list[dict], todo: list[int], inputs: list[dict], results: int,
                timeout: float) -> list[int]:
    """Calls the cases ``todo`` in one child; returns the cases still to run (those after one
    that ended the child or ran past its time)."""
    done_r, done_w = os.pipe()
    pid = supervise.fork()
    if pid is None:
        os.close(done_r)
        os.close(done_w)
        for i in todo:
            send(results, case=i, status="error", error="could not start: process limit reached")
        return []
    if pid == 0:
        os.close(done_r)
        try:
            _calls_in_child(functions, cases, todo, inputs, results, done_w)
        finally:  # whatever the student's function did, this child never returns into the runner
            os._exit(0)
    os.close(done_w)
    with supervise.Child(pid, done_r) as child:
        for k, i in enumerate(todo):
            stopped = supervise.await_child(child, timeout, "call")
            if stopped is not None:
                send(results, case=i, status="error", error=str(stopped))
                return todo[k + 1:]
        supervise.reap(child, timeout)
    return []


def run_cases(job: dict, shell: Any, inputs: list[dict], results: int) -> None:
    """Calls each case's function, as the cells left it in ``shell``, and reports every case."""
    cases, timeout = job["cases"], float(job["case_timeout"])
    functions = {case["function"]: shell.user_ns.get(case["function"]) for case in cases}
    todo = []
    for i, case in enumerate(cases):
        if callable(functions[case["function"]]):
            todo.append(i)
        else:
            send(results, case=i, status="error", error=f"no function named {case['function']} was defined")
    while todo:
        todo = _call_cases(functions, cases, todo, inputs, results, timeout)
