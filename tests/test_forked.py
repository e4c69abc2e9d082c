"""``forked_map``: a pure function over tasks in forked processes, with the serial results
whatever happens to the children (they fail, they die, the platform does not fork)."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from sftlint.run import forked
from sftlint.run.forked import forked_map

needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="this platform does not fork"
)

PARENT = os.getpid()


def square_with_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


@needs_fork
def test_results_come_back_in_task_order_computed_in_the_children():
    tasks = list(range(23))
    got = forked_map(square_with_pid, tasks, 3)
    assert [r for r, _ in got] == [x * x for x in tasks]
    pids = [pid for _, pid in got]
    assert PARENT not in pids and len(set(pids)) == 3
    # each child took every third task
    assert all(pids[k] == pids[k % 3] for k in range(len(tasks)))


@needs_fork
def test_a_child_that_fails_leaves_the_rest_of_its_share_to_the_parent():
    parent = os.getpid()

    def fails_in_a_child(x: int) -> tuple[int, int]:
        if os.getpid() != parent and x == 4:
            raise RuntimeError("a child's failure")
        return square_with_pid(x)

    got = forked_map(fails_in_a_child, list(range(10)), 2)
    assert [r for r, _ in got] == [x * x for x in range(10)]
    # the share holding task 4 (the even tasks): those before it came from its child, task 4 and
    # those after it were computed here; the other share all in a child
    pids = [pid for _, pid in got]
    assert pids[0] != parent and pids[2] == pids[0]
    assert all(pid == parent for pid in pids[4::2])
    assert all(pid != parent for pid in pids[1::2])


@needs_fork
def test_the_results_a_child_sent_before_it_died_are_kept():
    """Each result is sent as it is done: a child killed at its share's third task has sent the
    first two, which the parent keeps; it computes the rest.  (Sent as one message at the end,
    the whole share would have been lost with the child.)"""
    parent = os.getpid()

    def dies_at_the_third(x: int) -> tuple[int, int]:
        if os.getpid() != parent and x == 4:
            os._exit(9)
        return square_with_pid(x)

    got = forked_map(dies_at_the_third, list(range(8)), 2)
    assert [r for r, _ in got] == [x * x for x in range(8)]
    pids = [pid for _, pid in got]
    assert parent not in pids[0:4:2] and pids[4] == pids[6] == parent


@needs_fork
def test_a_child_that_dies_leaves_its_share_to_the_parent():
    parent = os.getpid()

    def dies_in_a_child(x: int) -> tuple[int, int]:
        if os.getpid() != parent and x == 1:
            os._exit(9)  # killed: nothing sent, nothing flushed
        return square_with_pid(x)

    got = forked_map(dies_in_a_child, list(range(6)), 2)
    assert [r for r, _ in got] == [x * x for x in range(6)]
    assert all(pid == parent for _, pid in got[1::2])


def test_one_process_or_no_fork_computes_here(monkeypatch):
    assert [pid for _, pid in forked_map(square_with_pid, [1, 2, 3], 1)] == [os.getpid()] * 3
    monkeypatch.setattr(forked.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    got = forked_map(square_with_pid, [1, 2, 3], 2)
    assert got == [(1, os.getpid()), (4, os.getpid()), (9, os.getpid())]


@needs_fork
def test_an_error_of_the_function_itself_reaches_the_caller():
    def always_fails(x: int) -> int:
        raise ValueError(f"bad task {x}")

    with pytest.raises(ValueError, match="bad task 0"):
        forked_map(always_fails, [0, 1], 2)


class _Stop(Exception):
    pass


@needs_fork
def test_a_parent_stopped_while_it_waits_kills_its_children():
    """Ctrl-C or a SIGTERM (here an alarm whose handler raises, as the CLI's do) while the
    children work: they are killed, not waited for, and the exception reaches the caller."""
    import signal
    import time

    def slow(x: int) -> int:
        time.sleep(60)
        return x

    before = set(multiprocessing.active_children())
    old = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(_Stop()))
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(_Stop):
            forked_map(slow, [1, 2, 3, 4], 2)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert time.monotonic() - start < 20
    assert set(multiprocessing.active_children()) <= before
