"""How many CPU threads torch may use for a run on this machine.

Torch starts one compute thread per core and lets them spin while they wait.
On a small or shared machine that is much slower than fewer threads: on a
loaded 2-core machine a 20-step tiny run took 3.6 s with one thread and
22-60 s with torch's default.  So unless the user chose (``threads`` in the
config, ``--threads``, or ``OMP_NUM_THREADS``), a run uses the cores that are
idle now — the CPU count less the load average — never more than the CPU
count and at least one.
"""

from __future__ import annotations

import contextlib
import os


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_threads(cpus: int | None = None, load: float | None = None) -> int:
    """Idle cores now: ``cpus`` minus the 1-minute load average, in [1, cpus]."""
    cpus = cpus if cpus is not None else available_cpus()
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):
            load = 0.0
    return max(1, min(cpus, int(cpus - load + 0.5)))


def choose_threads(requested: int | None) -> tuple[int, str]:
    """The thread count for a run and why it was chosen."""
    if requested:
        return requested, f"{requested} CPU thread(s), as configured"
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env), f"{env} CPU thread(s), from OMP_NUM_THREADS"
    cpus = available_cpus()
    n = default_threads(cpus)
    return n, (
        f"{n} CPU thread(s): {cpus} CPU(s), load {os.getloadavg()[0]:.1f} "
        "(set `threads` or OMP_NUM_THREADS to choose)"
        if hasattr(os, "getloadavg")
        else f"{n} CPU thread(s) of {cpus}"
    )


def apply_threads(torch: object, n: int) -> None:
    """Set torch's intra-op threads to ``n`` and its inter-op pool to match (once, before any work)."""
    torch.set_num_threads(n)  # type: ignore[attr-defined]
    # RuntimeError: already set, or parallel work already ran in this process.
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(max(1, min(n, 2)))  # type: ignore[attr-defined]
