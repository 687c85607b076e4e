"""Runs one submission's code inside the sandbox and ships only its outputs back.

Executed as a script by the sandbox's Python; it needs nothing but the standard library and
NumPy (dlcourse is not visible in there). It reads ``job.json`` and ``inputs/*.npz`` from
the working directory, runs the student's cells in one namespace (a failing cell is
reported and skipped), then calls each requested function in a forked child with a time
limit and saves what it returned to ``outputs/<i>.npz`` (no pickles). A status line per
cell and per case goes to ``results.jsonl``. Nothing here decides a grade: the grader
reads these files as untrusted data and compares them itself.
"""
import io
import json
import os
import signal
import sys
import time
import traceback

import numpy as np

MAX_PRINT = 20_000  # characters of student output kept per run


def _status(fh, **record):
    fh.write(json.dumps(record) + "\n")
    fh.flush()


def _short(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    line = next((f" (line {f.lineno})" for f in reversed(tb) if f.filename.startswith("<cell")), "")
    return f"{type(exc).__name__}: {str(exc)[:300]}{line}"


def _save(path, value):
    values = value if isinstance(value, tuple) else (value,)
    arrays = {}
    for i, v in enumerate(values):
        a = np.asarray(v)
        if a.dtype == object:
            raise TypeError(f"return value {i} is not numeric ({type(v).__name__})")
        arrays[f"out{i}"] = a
    np.savez(path, **arrays)


def main():
    job = json.load(open("job.json"))
    os.makedirs("outputs", exist_ok=True)
    results = open("results.jsonl", "w")
    captured = io.StringIO()
    sys.stdout = sys.stderr = captured  # student prints stay in memory, capped below
    namespace = {"__name__": "__main__"}
    main_pid = os.getpid()

    def too_long(signum, frame):
        raise TimeoutError(f"the cell ran past {job['cell_timeout']} s")

    for cell in job["cells"]:
        signal.signal(signal.SIGALRM, too_long)
        signal.alarm(int(job["cell_timeout"]))
        try:
            exec(compile(cell["source"], f"<cell {cell['id']}>", "exec"), namespace)
            signal.alarm(0)
            _status(results, cell=cell["id"], status="ok")
        except BaseException as e:  # SystemExit and KeyboardInterrupt included: the cell failed
            signal.alarm(0)
            if os.getpid() == main_pid:
                _status(results, cell=cell["id"], status="error", error=_short(e))
        if os.getpid() != main_pid:  # a process the student's code forked: it must not run the tests
            os._exit(0)
        if captured.tell() > MAX_PRINT:
            captured.seek(0)
            captured.truncate()
    for i, case in enumerate(job["cases"]):
        fn = namespace.get(case["function"])
        if not callable(fn):
            _status(results, case=i, status="error", error=f"no function named {case['function']} was defined")
            continue
        with np.load(f"inputs/{i}.npz", allow_pickle=False) as data:
            args = {k: data[k] for k in case["args"]}
        for _ in range(500):  # a fork bomb earlier may hold the process limit for a moment
            try:
                pid = os.fork()
                break
            except BlockingIOError:
                time.sleep(0.01)
        else:
            _status(results, case=i, status="error", error="could not start: process limit reached")
            continue
        if pid == 0:  # the child calls the student function; a crash or hang costs this case only
            code = 0
            try:
                _save(f"outputs/{i}.npz", fn(**args))
                _status(results, case=i, status="ok")
            except BaseException as e:
                _status(results, case=i, status="error", error=_short(e))
                code = 1
            finally:
                os._exit(code)
        # the parent enforces the time limit: a child can ignore or block any alarm of its own
        deadline = time.monotonic() + float(job["case_timeout"])
        while True:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                _status(results, case=i, status="error", error=f"time limit of {job['case_timeout']} s exceeded")
                break
            time.sleep(0.005)
        if done and os.WIFSIGNALED(st):
            _status(results, case=i, status="error", error=f"killed by signal {signal.Signals(os.WTERMSIG(st)).name}")
    sys.__stdout__.write(captured.getvalue()[:MAX_PRINT])


if __name__ == "__main__":
    main()
