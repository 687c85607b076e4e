"""Running the notebook's cells, as Jupyter would, each in a fork that keeps the notebook safe.

Each cell runs in a fresh fork while its parent keeps the state from before the cell: a cell
that raises, loops, calls ``os._exit`` or crashes the interpreter is reported and skipped, and
the parent carries on with the next cell. The child that ran a cell through becomes the
notebook (its parent exits), so the state after each cell lives in one process at a time. A
cell that can do none of these (``inert``) runs without a fork, which costs more than the cell.

The cells have ``cells_seconds`` in all, the rest of the notebook's time being the tests'; past
it, a cell runs only what the graded functions need (``needed``), and a cell stopped at its
limit runs that again on its own.
"""
from __future__ import annotations

import io
import math
import os
import time
from dataclasses import dataclass
from typing import Any

from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from . import inert, needed, supervise
from .protocol import MAX_PRINT, error_text, send


class SandboxShell(InteractiveShell):
    """IPython's shell without a kernel or an event loop: plots go nowhere, magics work."""

    def enable_gui(self, gui: str | None = None) -> None:
        pass  # no event loop to start: %matplotlib inline and friends just select a backend


def new_shell() -> SandboxShell:
    """The process's one shell (IPython's shell is a singleton), made on the first call."""
    config = Config()
    config.HistoryManager.enabled = False  # no sqlite file of past cells: nothing to keep here
    return SandboxShell.instance(config=config, colors="nocolor")


@dataclass
class Notebook:
    """What running a cell needs: the shell holding the notebook's state, the results
    descriptor, the buffer its prints go to, and the runtime as it was before its first cell."""
    shell: Any
    results: int
    captured: io.StringIO
    baseline: inert.Baseline


def _execute(nb: Notebook, cell_id: str, source: str, ok: dict | None = None) -> None:
    """Runs ``source`` as the cell ``cell_id`` and reports it: ``ok`` (``{"status": "ok"}`` unless
    given) when it ran through, else its error."""
    me = os.getpid()
    try:
        outcome = nb.shell.run_cell(source, store_history=False)
        error = outcome.error_before_exec or outcome.error_in_exec
        status = {"status": "error", "error": error_text(error)} if error is not None else (ok or {"status": "ok"})
    except BaseException as e:  # SystemExit and KeyboardInterrupt included: the cell failed
        status = {"status": "error", "error": error_text(e)}
    if os.getpid() != me:  # a process the student's code forked: it must not go on
        os._exit(0)
    send(nb.results, cell=cell_id, **status)
    if nb.captured.tell() > MAX_PRINT:
        nb.captured.seek(MAX_PRINT)
        nb.captured.truncate()


def _said(stopped: supervise.Stopped) -> str:
    """Why a cell did not finish, in the words of its record."""
    return str(stopped) if stopped.timed_out else f"{stopped}; the cells after it still ran"


def _run_guarded(nb: Notebook, cell_id: str, source: str, timeout: float,
                 ok: dict | None = None) -> supervise.Stopped | None:
    """Runs ``source`` as a cell, in a fresh fork unless it cannot stop. Returns None in the one
    process that holds the state after it (it has reported the cell), or why the cell did not
    finish, in the process that holds the state from before it (nothing reported yet)."""
    if inert.cannot_stop(source, nb.shell, nb.baseline):  # most of a homework: its functions
        _execute(nb, cell_id, source, ok)
        return None
    done_r, done_w = os.pipe()
    pid = supervise.fork()
    if pid is None:  # no process to spare: run the cell here, unprotected
        os.close(done_r)
        os.close(done_w)
        _execute(nb, cell_id, source, ok)
        return None
    if pid == 0:  # the child runs the cell and, if it survives, carries on with the notebook
        os.close(done_r)
        _execute(nb, cell_id, source, ok)
        supervise.say_done(done_w)
        os.close(done_w)
        return None
    os.close(done_w)  # the parent keeps the state from before the cell
    with supervise.Child(pid, done_r) as child:
        stopped = supervise.await_child(child, timeout, "cell")
    if stopped is None:
        os._exit(0)  # the child holds the notebook's state now
    return stopped


class _Needs:
    """What of each cell the graded functions need (``needed``), worked out the first time it is
    asked: only a notebook whose time runs short, or whose cell is stopped, pays for it."""

    def __init__(self, job: dict, shell: Any):
        self.job, self.shell, self.cells, self.names = job, shell, None, set()

    def _plan(self) -> list[list[needed.Statement]]:
        if self.cells is None:
            self.cells = [needed.statements(c["source"], self.shell.transform_cell) for c in self.job["cells"]]
            self.names = needed.needed(self.cells, {case["function"] for case in self.job["cases"]})
        return self.cells

    def definitions(self, index: int) -> tuple[str, list[str]]:
        """(source, names kept) of what the graded functions need of the cell: ("", []) for nothing."""
        return needed.definitions(self._plan()[index], self.names)

    def whole(self, index: int) -> bool:
        """Whether all of the cell is what the graded functions need (a helper's own cell)."""
        return needed.whole(self._plan()[index], self.names)


def _after_stop(nb: Notebook, cell_id: str, problem: str, cut: bool, definitions: tuple[str, list[str]],
                timeout: float) -> None:
    """A cell stopped at its limit (``cut``: when the notebook's time for cells ran out, as an
    interrupt in Jupyter): its definitions the graded functions need run again on their own,
    then it is reported. Returns in the process that holds the state."""
    source, kept = definitions
    if not kept:
        send(nb.results, cell=cell_id, **({"status": "interrupted", "kept": []} if cut else
                                          {"status": "error", "error": problem}))
        return
    ok = ({"status": "interrupted", "kept": kept} if cut else
          {"status": "error", "error": f"{problem}; its definitions of {', '.join(kept)} ran again on their own"})
    again = _run_guarded(nb, cell_id, source, timeout, ok)
    if again is not None:
        send(nb.results, cell=cell_id, status="error",
             error=f"{problem}; running its definitions of {', '.join(kept)} again failed too: {_said(again)}")


def _definitions_only(nb: Notebook, needs: _Needs, index: int, cell_id: str, limit: float) -> None:
    """Once the cells' time is spent: only what the tests need of the cell runs, if anything."""
    source, kept = needs.definitions(index)
    if not kept:
        send(nb.results, cell=cell_id, status="skipped")
        return
    stopped = _run_guarded(nb, cell_id, source, limit, {"status": "definitions", "kept": kept})
    if stopped is not None:
        send(nb.results, cell=cell_id, status="error",
             error=f"{_said(stopped)} (running only its definitions of {', '.join(kept)})")


def run_cells(job: dict, nb: Notebook) -> None:
    """Runs every cell; returns in the one process that holds the state after the last cell.

    The cells have ``cells_seconds`` in all, the rest of the notebook's time being the tests'.
    Once it is spent, a cell runs only its statements that define what the graded functions
    need, and a cell with none is skipped: exploration never eats the tests' time."""
    limit = float(job["cell_timeout"])
    deadline = time.monotonic() + float(job.get("cells_seconds", math.inf))
    needs = _Needs(job, nb.shell)
    for index, cell in enumerate(job["cells"]):
        left = deadline - time.monotonic()
        if left <= 0 and not needs.whole(index):  # the cells' time is spent: only what the tests need runs
            _definitions_only(nb, needs, index, cell["id"], limit)
            continue
        timeout = min(limit, left) if left > 0 else limit
        stopped = _run_guarded(nb, cell["id"], cell["source"], timeout)
        if stopped is None:
            continue
        if stopped.timed_out:  # stopped: what it defined for the tests still counts
            # (all of a cell the tests need would only be stopped again)
            again = ("", []) if needs.whole(index) else needs.definitions(index)
            _after_stop(nb, cell["id"], _said(stopped), 0 < left < limit, again, limit)
        else:
            send(nb.results, cell=cell["id"], status="error", error=_said(stopped))
