"""The one wait loop (``insandbox/supervise.py``), on real children: the words it has for a
child that finished its work, ended, was killed by a signal or ran past its time."""
from __future__ import annotations

import faulthandler
import os
import signal
import time

import pytest

from dlcourse.grading.insandbox import supervise


def _child(work) -> supervise.Child:
    """A forked child that runs ``work(done_w)`` and exits 0."""
    read, write = os.pipe()
    pid = supervise.fork()
    if pid == 0:
        os.close(read)
        faulthandler.disable()  # pytest's: a child's deliberate crash needs no traceback
        try:
            work(write)
        finally:
            os._exit(0)
    os.close(write)
    return supervise.Child(pid, read)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_child_that_says_it_is_done_is_heard_for_each_piece_of_work():
    def two_calls_in_one_breath(w):
        os.write(w, supervise.DONE * 2)  # both words may arrive in one read: each counts once
        time.sleep(60)

    with _child(two_calls_in_one_breath) as child:
        assert supervise.await_child(child, 5, "call") is None
        assert supervise.await_child(child, 5, "call") is None
        started = time.monotonic()
        stopped = supervise.await_child(child, 0.3, "call")
        assert stopped is not None
        assert stopped.timed_out
        assert time.monotonic() - started < 5
        assert str(stopped) == "TimeoutError: the call ran past 0.3 s and was stopped"


@pytest.mark.parametrize("what", ["cell", "call"])
def test_an_exit_and_a_signal_are_said_alike_for_cells_and_calls(what):
    with _child(lambda w: os._exit(3)) as child:
        said = str(supervise.await_child(child, 5, what))
        assert said == f"ProcessEnded: the {what} ended its process (exit status 3)"
    with _child(lambda w: os.kill(os.getpid(), signal.SIGSEGV)) as child:
        said = str(supervise.await_child(child, 5, what))
        assert said == f"ProcessEnded: the {what} ended its process (killed by signal SIGSEGV)"
    with _child(lambda w: os.kill(os.getpid(), signal.SIGRTMIN + 6)) as child:
        said = str(supervise.await_child(child, 5, what))
        assert said == f"ProcessEnded: the {what} ended its process (killed by signal {signal.SIGRTMIN + 6})"


def test_the_last_word_before_an_exit_counts():
    def done_then_exit(w):
        os.write(w, supervise.DONE)
        os._exit(7)

    with _child(done_then_exit) as child:
        time.sleep(0.2)  # both the word and the end are there when the parent looks
        assert supervise.await_child(child, 5, "cell") is None


def test_a_child_that_floods_its_pipe_still_meets_its_deadline_and_is_killed():
    def flood(w):
        while True:
            os.write(w, b"x" * 4096)

    with _child(flood) as child:
        started = time.monotonic()
        stopped = supervise.await_child(child, 0.5, "cell")
        assert stopped is not None
        assert stopped.timed_out
        assert time.monotonic() - started < 5
        assert _gone(child.pid)


def test_a_child_that_closes_its_pipe_and_loops_is_stopped_at_its_time():
    def close_and_loop(w):
        os.close(w)
        while True:
            pass

    with _child(close_and_loop) as child:
        stopped = supervise.await_child(child, 0.5, "call")
        assert stopped is not None
        assert stopped.timed_out
        assert _gone(child.pid)


def test_reap_gives_a_finished_child_its_time_then_kills_it():
    with _child(lambda w: time.sleep(60)) as child:
        started = time.monotonic()
        supervise.reap(child, 0.3)
        assert 0.25 < time.monotonic() - started < 5
        assert _gone(child.pid)
    with _child(lambda w: None) as child:
        supervise.reap(child, 30)  # ends at once: no wait for the limit
        assert _gone(child.pid)
