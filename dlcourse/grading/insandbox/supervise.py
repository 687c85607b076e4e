"""Forking a child for the student's code and waiting for it: the one wait loop of the runner.

A parent forks a child (``fork``), which runs a cell or a series of calls and writes ``DONE`` on
a pipe after each piece of work (``say_done``). The parent waits on that pipe and on the child's
end (``await_child``), and enforces the time limit itself: the child runs the student's code, which
can ignore or block any alarm of its own. What the parent learns is one of three things, worded
alike for cells and calls (``Stopped``): the work is done, the child ended (an exit or a signal),
or it ran past its time and was killed.
"""
from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from dataclasses import dataclass

DONE = b"."  # the word a child writes on its pipe when a piece of work (a cell, a call) is done
_READ = 65536  # by the pipeful: a child that floods its pipe is drained at once, not byte by byte


def fork() -> int | None:
    """os.fork(), retried for a while (a fork bomb earlier may hold the process limit for a
    moment); None when no process could be had."""
    for _ in range(500):
        try:
            return os.fork()
        except BlockingIOError:
            time.sleep(0.01)
    return None


def say_done(done_w: int) -> None:
    """In the child: the word that one piece of work is done. A parent that is gone (the
    student's code killed it) hears nothing, and the child carries on."""
    with contextlib.suppress(OSError):
        os.write(done_w, DONE)


@dataclass(frozen=True)
class Stopped:
    """Why a child did not say its work was done: it ended (``ended`` says how), or it ran past
    ``seconds`` and was killed (``ended`` is None)."""
    what: str  # "cell" or "call": the words students read
    seconds: float
    ended: str | None = None

    @property
    def timed_out(self) -> bool:
        return self.ended is None

    def __str__(self) -> str:
        if self.ended is None:
            return f"TimeoutError: the {self.what} ran past {self.seconds:g} s and was stopped"
        return f"ProcessEnded: the {self.what} ended its process ({self.ended})"


def _signal_name(number: int) -> str:
    """SIGSEGV, say, or the number of a signal Python has no name for (a real-time one)."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


class Child:
    """A forked child seen from its parent: its pid, the read end of its pipe, and a pidfd that
    turns readable when it ends (-1 where Linux has none: then the wait polls)."""

    def __init__(self, pid: int, done_r: int):
        self.pid, self.done_r = pid, done_r
        self.words = 0  # DONE words read but not yet taken: several pieces of work may end in one read
        self.listening = True  # False once the child closed its end of the pipe
        try:
            self.pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self.pidfd = -1

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.done_r)
        if self.pidfd >= 0:
            os.close(self.pidfd)

    def watch(self, seconds: float) -> bool:
        """Waits until the pipe or the child's end is readable, at most ``seconds`` (in short
        steps without a pidfd to wake on); whether the pipe is."""
        watched = ([self.done_r] if self.listening else []) + ([self.pidfd] if self.pidfd >= 0 else [])
        step = seconds if self.pidfd >= 0 else min(seconds, 0.005)
        return self.done_r in select.select(watched, [], [], max(step, 0))[0]

    def hear(self) -> None:
        """Reads what the pipe holds (without blocking only when called after ``watch`` said so)."""
        words = os.read(self.done_r, _READ)
        self.words += words.count(DONE)
        if not words:  # the child closed its end: from now on, wait for its end alone
            self.listening = False

    def take_word(self) -> bool:
        if self.words:
            self.words -= 1
            return True
        return False

    def ended(self) -> str | None:
        """How the child ended ("exit status 3", "killed by signal SIGSEGV"), or None while it runs."""
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:  # already reaped: it ended, we cannot say how
            return "exit status unknown"
        if not pid:
            return None
        if os.WIFSIGNALED(status):
            return f"killed by signal {_signal_name(os.WTERMSIG(status))}"
        return f"exit status {os.WEXITSTATUS(status)}"

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


def await_child(child: Child, seconds: float, what: str) -> Stopped | None:
    """Waits for the child's word that its current piece of work (a ``what``: "cell" or "call")
    is done: None once it comes, else why it will not (the child ended, or ran past ``seconds``
    and was killed)."""
    deadline = time.monotonic() + seconds
    while not child.take_word():
        if child.watch(deadline - time.monotonic()):
            child.hear()  # then on to the checks below: a child that floods its pipe still meets its deadline
            if child.take_word():
                return None
        how = child.ended()
        if how is not None:
            if child.listening and select.select([child.done_r], [], [], 0)[0]:
                child.hear()  # its last word may have come with its end
            return None if child.take_word() else Stopped(what, seconds, how)
        if time.monotonic() > deadline:
            child.kill()
            return Stopped(what, seconds)
    return None


def reap(child: Child, seconds: float) -> None:
    """Waits up to ``seconds`` for the child to end, then kills it: a child whose work is done
    has one more time limit to end."""
    deadline = time.monotonic() + seconds
    child.listening = False  # words after the last piece of work: nobody waits for them
    while child.ended() is None:
        if time.monotonic() >= deadline:
            child.kill()
            return
        child.watch(deadline - time.monotonic())
