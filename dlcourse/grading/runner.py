"""Runs one submission's code inside the sandbox and ships only its outputs back.

Executed as a script by the sandbox's Python as ``runner.py <job folder>``; it needs the
standard library, NumPy, IPython, and ``hwcheck.py`` (the checker) and ``needed.py`` from the
job folder (the grader's dlcourse is not visible in there; the student library, at the path
``job.json`` names, is). It reads ``job.json`` and ``inputs.bin`` from the job folder
(read-only), runs the student's cells in an IPython shell as Jupyter would (magics, shell
escapes, ``display``, ``get_ipython()``), then calls each requested function in a forked
child with a time limit per call. Every cell's status and every call's return value (as raw
arrays, no pickles) go as JSON lines to the file descriptor named by ``DLCOURSE_RESULTS_FD``:
the only way out besides the printed output, and bounded in size by the sandbox. Nothing here
decides a grade: the grader reads those lines as untrusted data and compares them itself.

Each cell runs in a fresh fork while its parent keeps the state from before the cell: a cell
that raises, loops, calls ``os._exit`` or crashes the interpreter is reported and skipped, and
the parent carries on with the next cell. A cell that can do none of these (it only defines
functions, imports what is loaded already and binds constants: most of a homework) runs
without a fork, which costs more than the cell itself. The calls run one after another in one
child; a call that raises, loops, exits or crashes is reported, and a new child takes up the
next call. The cells have ``cells_seconds`` in all, the rest of the notebook's time being the
tests'; past it, a cell runs only what the graded functions need (``needed.py``), and a cell
stopped at its limit runs that again on its own. The first process only waits for the last
one to say it has finished, so no student process ever has it as its parent.
"""
import ast
import builtins
import contextlib
import io
import json
import math
import os
import select
import signal
import sys
import time
import traceback
import types

import numpy as np

MAX_PRINT = 20_000  # characters of student output kept per run


def _status(fd: int, **record) -> None:
    data = (json.dumps(record) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def _short(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    line = next((f" (line {f.lineno})" for f in reversed(tb) if f.filename.startswith("<ipython-input")), "")
    return f"{type(exc).__name__}: {str(exc)[:300]}{line}"


def _encoded(value) -> list[dict]:
    from hwcheck import as_real, encode  # imported by main() before any fork: compiled once

    values = value if isinstance(value, tuple) else (value,)
    out = []
    for i, v in enumerate(values):
        try:
            out.append(encode(as_real(v)))
        except (TypeError, ValueError) as e:
            raise TypeError(f"return value {i} is not a real number or array ({e})") from None
    return out


def _shell():
    """An IPython shell without a kernel or an event loop: plots go nowhere, magics work."""
    from IPython.core.interactiveshell import InteractiveShell

    class SandboxShell(InteractiveShell):
        def enable_gui(self, gui=None):
            pass  # no event loop to start: %matplotlib inline and friends just select a backend

    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no sqlite file of past cells: nothing to keep here
    return SandboxShell.instance(config=config, colors="nocolor")


def _fork() -> int | None:
    """os.fork(), retried for a while: a fork bomb earlier may hold the process limit for a moment."""
    for _ in range(500):
        try:
            return os.fork()
        except BlockingIOError:
            time.sleep(0.01)
    return None


def _exec_cell(cell_id: str, source: str, shell, results, captured, ok: dict | None = None) -> None:
    """Runs ``source`` as the cell ``cell_id`` and reports it: ``ok`` (``{"status": "ok"}`` unless
    given) when it ran through, else its error."""
    me = os.getpid()
    try:
        outcome = shell.run_cell(source, store_history=False)
        error = outcome.error_before_exec or outcome.error_in_exec
        status = {"status": "error", "error": _short(error)} if error is not None else (ok or {"status": "ok"})
    except BaseException as e:  # SystemExit and KeyboardInterrupt included: the cell failed
        status = {"status": "error", "error": _short(e)}
    if os.getpid() != me:  # a process the student's code forked: it must not go on
        os._exit(0)
    _status(results, cell=cell_id, **status)
    if captured.tell() > MAX_PRINT:
        captured.seek(MAX_PRINT)
        captured.truncate()


def _signal_name(number: int) -> str:
    """SIGSEGV, say, or the number of a signal Python has no name for (a real-time one)."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _exited(pid: int) -> int:
    """A descriptor that turns readable when the child ``pid`` ends (-1 where Linux has none)."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return -1


def _watch(fds: list[int], pidfd: int, timeout: float) -> list[int]:
    """Waits until one of ``fds`` or the child's pidfd is readable, at most ``timeout`` seconds
    (in short steps where there is no pidfd to wake on)."""
    watched = fds + ([pidfd] if pidfd >= 0 else [])
    step = timeout if pidfd >= 0 else min(timeout, 0.005)
    return select.select(watched, [], [], max(step, 0))[0]


def _await_cell(pid: int, done_r: int, timeout: float) -> str | None:
    """Waits for the child running a cell: None once it reports the cell done, else why it is gone."""
    deadline = time.monotonic() + timeout
    pidfd = _exited(pid)
    watched = [done_r]
    try:
        while True:
            ready = _watch(watched, pidfd, deadline - time.monotonic())
            if done_r in ready:
                # read by the pipeful: a cell that floods the pipe is drained at once, not byte by byte
                words = os.read(done_r, 65536)
                if b"1" in words:
                    return None
                if not words:  # the child closed its end of the pipe: from now on, wait for its end alone
                    watched = []
            ended, st = os.waitpid(pid, os.WNOHANG)
            if ended:
                if select.select([done_r], [], [], 0)[0] and b"1" in os.read(done_r, 65536):
                    return None
                how = (f"signal {_signal_name(os.WTERMSIG(st))}" if os.WIFSIGNALED(st)
                       else f"exit status {os.WEXITSTATUS(st)}")
                return f"ProcessEnded: the cell ended its process ({how}); the cells after it still ran"
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return f"TimeoutError: the cell ran past {timeout:g} s and was stopped"
    finally:
        if pidfd >= 0:
            os.close(pidfd)


_UNSAFE = object()  # a hint whose evaluation could run the notebook's code
# what a name may hold when a cell binds it again (unless its class has a __del__)
_PLAIN = (types.FunctionType, types.ModuleType, type, int, float, complex, str, bytes, type(None), np.ndarray,
          np.generic)


def _inert_value(node: ast.expr | None) -> bool:
    """A constant, a name, ``-1``, or a tuple or list of these: evaluating it runs no code."""
    if isinstance(node, ast.Tuple | ast.List):
        return all(_inert_value(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.USub | ast.UAdd) and isinstance(node.operand, ast.Constant)
    return node is None or isinstance(node, ast.Constant | ast.Name)


def _hint_object(node: ast.expr, shell):
    """What a name or a chain of module attributes (``np.ndarray``) refers to, found without
    running code: a module's own attributes only (no lazy loader, no property)."""
    if isinstance(node, ast.Name):
        return shell.user_ns.get(node.id, vars(builtins).get(node.id))  # unbound: a NameError, as usual
    if isinstance(node, ast.Attribute):
        owner = _hint_object(node.value, shell)
        if type(owner) is types.ModuleType and node.attr in vars(owner):
            return vars(owner)[node.attr]
    return _UNSAFE


def _inert_hint(node: ast.expr | None, shell) -> bool:
    return node is None or isinstance(node, ast.Constant) or _hint_object(node, shell) is not _UNSAFE


def _loaded(module: str | None, names: list[str]) -> bool:
    """Whether importing ``names`` from ``module`` (or the modules ``names``) runs no code: all
    of it is loaded already."""
    if module is None:
        return all(name in sys.modules for name in names)
    loaded = sys.modules.get(module)
    return type(loaded) is types.ModuleType and all(
        name != "*" and (name in vars(loaded) or f"{module}.{name}" in sys.modules) for name in names)


def _droppable(namespace: dict, name: str) -> bool:
    """Whether binding ``name`` again runs no code: it holds nothing, or a value whose end runs
    no ``__del__``."""
    return name not in namespace or (isinstance(namespace[name], _PLAIN)
                                     and not hasattr(type(namespace[name]), "__del__"))


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names]
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [t.id if isinstance(t, ast.Name) else "" for t in targets]  # "": not a plain name
    return [node.name] if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else []


def _statement_cannot_stop(node: ast.stmt, shell) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):  # its body does not run here
        a = node.args
        hints = [x.annotation for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x is not None]
        return (not node.decorator_list and not getattr(node, "type_params", None)
                and all(_inert_value(x) for x in [*a.defaults, *a.kw_defaults])
                and all(_inert_hint(x, shell) for x in [*hints, node.returns]))
    if isinstance(node, ast.Import):
        return _loaded(None, [alias.name for alias in node.names])
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and _loaded(node.module, [alias.name for alias in node.names])
    if isinstance(node, ast.Assign):
        return _inert_value(node.value)
    if isinstance(node, ast.AnnAssign):
        return _inert_value(node.value) and _inert_hint(node.annotation, shell)
    return isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))


def _hooks(shell) -> list:
    """What the shell runs besides a cell's own code: a cell may add to it."""
    manager = shell.input_transformer_manager
    return [*manager.cleanup_transforms, *manager.line_transforms, *manager.token_transformers,
            *shell.input_transformers_post, *shell.ast_transformers,
            *(cb for callbacks in shell.events.callbacks.values() for cb in callbacks)]


def _cannot_stop(source: str, shell, hooks: list) -> bool:
    """Whether running the cell can neither loop nor end its process: it only defines functions
    (their bodies do not run), imports what is loaded already and binds constants, over names
    that hold nothing with a ``__del__``, and the shell runs nothing of the notebook's around it.
    Such a cell needs no fork to protect the notebook."""
    try:
        now = _hooks(shell)
        if len(now) != len(hooks) or any(a is not b for a, b in zip(now, hooks)):
            return False
        tree = ast.parse(shell.transform_cell(source))
        return all(_statement_cannot_stop(node, shell) and all(name and _droppable(shell.user_ns, name)
                                                               for name in _bound_names(node)) for node in tree.body)
    except BaseException:  # whatever the notebook made of the shell: the fork and the run will tell
        return False


def _run_guarded(cell_id: str, source: str, shell, results, captured, hooks: list, timeout: float,
                 ok: dict | None = None) -> str | None:
    """Runs ``source`` as a cell, in a fresh fork unless it cannot stop. Returns None in the one
    process that holds the state after it (it has reported the cell), or why the cell did not
    finish, in the process that holds the state from before it (nothing reported yet)."""
    if _cannot_stop(source, shell, hooks):  # most of a homework: its functions
        _exec_cell(cell_id, source, shell, results, captured, ok)
        return None
    done_r, done_w = os.pipe()
    pid = _fork()
    if pid is None:  # no process to spare: run the cell here, unprotected
        os.close(done_r)
        os.close(done_w)
        _exec_cell(cell_id, source, shell, results, captured, ok)
        return None
    if pid == 0:  # the child runs the cell and, if it survives, carries on with the notebook
        os.close(done_r)
        _exec_cell(cell_id, source, shell, results, captured, ok)
        with contextlib.suppress(OSError):  # the cell killed its parent: nobody is waiting, carry on
            os.write(done_w, b"1")
        os.close(done_w)
        return None
    os.close(done_w)  # the parent keeps the state from before the cell
    problem = _await_cell(pid, done_r, timeout)
    os.close(done_r)
    if problem is None:
        os._exit(0)  # the child holds the notebook's state now
    return problem


class _Needs:
    """What of each cell the graded functions need (``needed.py``), worked out the first time it
    is asked: only a notebook whose time runs short, or whose cell is stopped, pays for it."""

    def __init__(self, job: dict, shell):
        self.job, self.shell, self.cells, self.names = job, shell, None, set()

    def _plan(self):
        import needed  # the grader's, beside this runner in the job folder

        if self.cells is None:
            self.cells = [needed.statements(c["source"], self.shell.transform_cell) for c in self.job["cells"]]
            self.names = needed.needed(self.cells, {case["function"] for case in self.job["cases"]})
        return needed

    def definitions(self, index: int) -> tuple[str, list[str]]:
        """(source, names kept) of what the graded functions need of the cell: ("", []) for nothing."""
        return self._plan().definitions(self.cells[index], self.names)

    def whole(self, index: int) -> bool:
        """Whether all of the cell is what the graded functions need (a helper's own cell)."""
        return self._plan().whole(self.cells[index], self.names)


def _after_stop(cell_id: str, problem: str, cut: bool, definitions: tuple[str, list[str]], shell, results, captured,
                hooks: list, timeout: float) -> None:
    """A cell stopped at its limit (``cut``: when the notebook's time for cells ran out, as an
    interrupt in Jupyter): its definitions the graded functions need run again on their own,
    then it is reported. Returns in the process that holds the state."""
    source, kept = definitions
    if not kept:
        _status(results, cell=cell_id, **({"status": "interrupted", "kept": []} if cut else
                                          {"status": "error", "error": problem}))
        return
    ok = ({"status": "interrupted", "kept": kept} if cut else
          {"status": "error", "error": f"{problem}; its definitions of {', '.join(kept)} ran again on their own"})
    again = _run_guarded(cell_id, source, shell, results, captured, hooks, timeout, ok)
    if again is not None:
        _status(results, cell=cell_id, status="error",
                error=f"{problem}; running its definitions of {', '.join(kept)} again failed too: {again}")


def _run_cells(job, shell, results, captured) -> None:
    """Runs every cell; returns in the one process that holds the state after the last cell.

    The cells have ``cells_seconds`` in all, the rest of the notebook's time being the tests'.
    Once it is spent, a cell runs only its statements that define what the graded functions
    need, and a cell with none is skipped: exploration never eats the tests' time."""
    hooks = _hooks(shell)
    limit = float(job["cell_timeout"])
    deadline = time.monotonic() + float(job.get("cells_seconds", math.inf))
    needs = _Needs(job, shell)
    for index, cell in enumerate(job["cells"]):
        left = deadline - time.monotonic()
        if left <= 0 and not needs.whole(index):  # the cells' time is spent: only what the tests need runs
            source, kept = needs.definitions(index)
            if not kept:
                _status(results, cell=cell["id"], status="skipped")
                continue
            problem = _run_guarded(cell["id"], source, shell, results, captured, hooks, limit,
                                   {"status": "definitions", "kept": kept})
            if problem is not None:
                _status(results, cell=cell["id"], status="error",
                        error=f"{problem} (running only its definitions of {', '.join(kept)})")
            continue
        problem = _run_guarded(cell["id"], cell["source"], shell, results, captured, hooks,
                               min(limit, left) if left > 0 else limit)
        if problem is None:
            continue
        if problem.startswith("TimeoutError"):  # stopped: what it defined for the tests still counts
            # (all of a cell the tests need would only be stopped again)
            again = ("", []) if needs.whole(index) else needs.definitions(index)
            _after_stop(cell["id"], problem, 0 < left < limit, again, shell, results, captured, hooks, limit)
        else:
            _status(results, cell=cell["id"], status="error", error=problem)


def _call_cases(functions: dict, cases: list[dict], todo: list[int], inputs: list[dict], results: int,
                timeout: float) -> list[int]:
    """Calls the cases ``todo``, one after another in one child, which says after each case that
    it is done; returns the cases still to run. A case that crashes or hangs ends the child and
    costs that case only: the next call takes up the case after it."""
    progress_r, progress_w = os.pipe()
    pid = _fork()
    if pid is None:
        os.close(progress_r)
        os.close(progress_w)
        for i in todo:
            _status(results, case=i, status="error", error="could not start: process limit reached")
        return []
    if pid == 0:
        os.close(progress_r)
        try:
            _calls_in_child(functions, cases, todo, inputs, results, progress_w)
        finally:  # whatever the student's function did, this child never returns into the runner
            os._exit(0)
    # the parent enforces the time limit of each case: a child can ignore or block any alarm of its own
    os.close(progress_w)
    pidfd = _exited(pid)
    try:
        for k, i in enumerate(todo):
            problem = _await_case(pid, progress_r, pidfd, timeout)
            if problem is not None:
                _status(results, case=i, status="error", error=problem)
                return todo[k + 1:]
        _reap(pid, pidfd, timeout)  # every case is done: the child has one more time limit to end
        return []
    finally:
        os.close(progress_r)
        if pidfd >= 0:
            os.close(pidfd)


def _calls_in_child(functions: dict, cases: list[dict], todo: list[int], inputs: list[dict], results: int,
                    progress_w: int) -> None:
    """In the child: each case's call and its status, then a word to the parent that it is done."""
    me = os.getpid()
    for i in todo:
        try:
            outputs, error = _encoded(functions[cases[i]["function"]](**inputs[i])), None
        except BaseException as e:  # SystemExit and KeyboardInterrupt included: the call failed
            outputs, error = None, _short(e)
        if os.getpid() != me:  # a process the student's function forked: it says nothing and stops
            return
        if error is None:
            _status(results, case=i, status="ok", outputs=outputs)
        else:
            _status(results, case=i, status="error", error=error)
        os.write(progress_w, b".")


def _await_case(pid: int, progress_r: int, pidfd: int, timeout: float) -> str | None:
    """Waits for the child's word that a case is done (None), or for its end, or past the time
    limit (then kills it): why the case failed."""
    deadline = time.monotonic() + timeout
    watched = [progress_r]
    while True:
        ready = _watch(watched, pidfd, deadline - time.monotonic())
        if progress_r in ready:
            word = os.read(progress_r, 1)
            if word == b".":
                return None
            if not word:  # the child closed its end of the pipe: from now on, wait for its end alone
                watched = []
        try:
            ended, st = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # already reaped: it ended
            return "the call ended its process"
        if ended:
            if select.select([progress_r], [], [], 0)[0] and os.read(progress_r, 1) == b".":
                return None
            if os.WIFSIGNALED(st):
                return f"killed by signal {_signal_name(os.WTERMSIG(st))}"
            return f"the call ended its process (exit status {os.WEXITSTATUS(st)})"
        if time.monotonic() > deadline:
            _reap(pid, pidfd, 0)
            return f"time limit of {timeout:g} s exceeded"


def _reap(pid: int, pidfd: int, timeout: float) -> None:
    """Waits up to ``timeout`` seconds for the child to end, then kills it."""
    deadline = time.monotonic() + timeout
    with contextlib.suppress(ChildProcessError):
        while not os.waitpid(pid, os.WNOHANG)[0]:
            if time.monotonic() >= deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            _watch([], pidfd, deadline - time.monotonic())


def _run_cases(job: dict, shell, inputs: list[dict], results: int) -> None:
    """Calls each case's function, as the cells left it. The calls run one after another in one
    child, as a notebook's tests run one after another in one kernel: one fork for them all."""
    cases, timeout = job["cases"], float(job["case_timeout"])
    functions = {case["function"]: shell.user_ns.get(case["function"]) for case in cases}
    todo = []
    for i, case in enumerate(cases):
        if callable(functions[case["function"]]):
            todo.append(i)
        else:
            _status(results, case=i, status="error", error=f"no function named {case['function']} was defined")
    while todo:
        todo = _call_cases(functions, cases, todo, inputs, results, timeout)


def _read_inputs(path: str, cases: list[dict]) -> list[dict]:
    """Each case's arguments, from the raw bytes the grader wrote and the layout in ``job.json``:
    arrays of their own, writable, as ``np.load`` would give them."""
    with open(path, "rb") as fh:
        raw = fh.read()
    return [{a["name"]: np.frombuffer(raw, a["dtype"], math.prod(a["shape"]), a["offset"]).reshape(a["shape"]).copy()
             for a in case["args"]} for case in cases]


def main():
    job_dir = sys.argv[1]
    # hwcheck.py is the grader's checker: it encodes results, and a cell that imports it as the
    # kit's helper (``from hwcheck import check``) finds it
    sys.path.insert(0, job_dir)
    import hwcheck  # noqa: F401
    results = int(os.environ.pop("DLCOURSE_RESULTS_FD"))
    with open(os.path.join(job_dir, "job.json")) as fh:
        job = json.load(fh)
    inputs = _read_inputs(os.path.join(job_dir, "inputs.bin"), job["cases"])
    finished_r, finished_w = os.pipe()
    if os.fork() != 0:  # the first process: wait until the last worker says it is done
        os.close(finished_w)
        with os.fdopen(finished_r, "rb") as f:
            done = f.read(1) == b"1"
        os._exit(0 if done else 1)  # at once: the interpreter's teardown would only delay the grader
    os.close(finished_r)
    captured = io.StringIO()
    sys.stdout = sys.stderr = captured  # student prints stay in memory, capped below
    shell = _shell()
    if job.get("library"):  # the student library, as students install it: after the job, before the system
        sys.path.insert(1, job["library"])  # (once the runner's own imports are done: they never look there)
    _run_cells(job, shell, results, captured)
    _run_cases(job, shell, inputs, results)
    sys.__stdout__.write(captured.getvalue()[:MAX_PRINT])
    sys.__stdout__.flush()
    os.write(finished_w, b"1")


if __name__ == "__main__":
    main()
