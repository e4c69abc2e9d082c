"""A pure function mapped over tasks in processes forked for the purpose, at the end of a run.

A dataset reduce whose work splits into independent tasks (D002's exact verification of its
candidate pairs) runs after the ``--jobs`` workers have checked every record.  Handing the tasks
to those workers meant sending each one what it reads: the collector's locations and the
turns it kept, pickled through one pipe, while the workers waited (on a 100 MB seed-kind file
the sending took as long as the work, and two workers verified no faster than one).  A process
forked at that point already holds all of it: it inherits the main process's memory, and
only its results, small, come back.

Forking is safe here because the run has no other thread by then: the ``--jobs`` pool, whose
threads feed its workers, is shut down before the reduces (see
:func:`sftlint.run.processes.lent_pool`).  A child that fails in any way (it cannot be forked,
it raises, it is killed) sends no more, and the parent runs that child's tasks left itself, so
the results never depend on the children: the function must be pure (its result a function of
its task and of what the parent held when it forked).  A child sends each result as soon as it
has it, and the parent takes them from whichever child has one: a share of several tasks (D002's
verification blocks, four a process) never waits in the parent as one message, pickled beside
its results, and a child that dies keeps what it sent.  (D002's LSH bands are one task a child:
their pairs still come back as one message each.)
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def forked_map(fn: Callable[[T], R], tasks: Sequence[T], processes: int) -> list[R]:
    """``[fn(task) for task in tasks]``, computed by up to ``processes`` forked children, each
    taking every ``processes``-th task (so tasks whose cost grows along the sequence are shared
    evenly).  Where the platform does not fork, or a child fails, this process computes the
    tasks left."""
    from multiprocessing.connection import wait

    results: list[Any] = [None] * len(tasks)
    done = [False] * len(tasks)
    # per pipe end: its child and the positions of the results still to come, in order
    running: dict[Any, tuple[Any, Iterator[int]]] = {}
    if processes > 1 and len(tasks) > 1 and "fork" in multiprocessing.get_all_start_methods():
        for first in range(min(processes, len(tasks))):
            share = range(first, len(tasks), processes)
            started = fork_with_pipe(_run_share, fn, [tasks[k] for k in share])
            if started is not None:  # (else this process computes the share)
                child, receive = started
                running[receive] = (child, iter(share))
    try:
        while running:
            for receive in wait(list(running)):
                child, positions = running[receive]
                try:
                    result = receive.recv()
                    k = next(positions)
                except (EOFError, OSError, StopIteration):  # done, or the child died: the
                    receive.close()  # rest of its share is computed here
                    child.join()
                    del running[receive]
                    continue
                results[k] = result
                done[k] = True
    except BaseException:  # stopped (Ctrl-C, SIGTERM): the children's work is not wanted
        for receive, (child, _) in running.items():
            receive.close()
            if child.exitcode is None:
                child.kill()
                child.join()
        raise
    for k, task in enumerate(tasks):
        if not done[k]:
            results[k] = fn(task)
    return results


def fork_with_pipe(target: Callable[..., None], *args: Any) -> tuple[Any, Any] | None:
    """A forked daemon process running ``target(*args, send)``, and the end of its pipe to
    receive from; None when it cannot be forked now (the caller does its work instead).  The
    child's end is closed here: the child's exit closes the pipe, so a ``recv`` cannot hang."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=target, args=(*args, send), daemon=True)
    try:
        child.start()
    except OSError:
        receive.close()
        send.close()
        return None
    send.close()
    return child, receive


def _run_share(fn: Callable[[Any], Any], share: list[Any], send: Any) -> None:
    """A child's work: its share's results in order, each sent as it is done (none from a task
    that fails on: the parent computes the rest of the share, and meets the error)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    try:
        for task in share:
            try:
                result = fn(task)
            except BaseException:
                return
            try:
                send.send(result)
            except OSError:  # the parent is gone (killed): nobody to tell
                return
            del result
    finally:
        send.close()


__all__ = ["fork_with_pipe", "forked_map"]
