"""Where a check's CPU goes, rule by rule, in one process.

(``bench/rule_cost.py`` measures a family's cost against reading alone, in fresh processes and
without locating findings; this splits one run among its rules and gates.)

    python bench/rule_profile.py bench/out/speed-20mb-s0.jsonl --ignore D002
    python bench/rule_profile.py bench/out/real-20mb.jsonl --select T001,T008

Each rule's entry points (``check_raw``, ``check``, ``map``, ``reduce``; a generator is run to
its end inside the clock) and each family's gate are wrapped with ``time.process_time_ns``, and
the engine runs the file with one worker as ``sftlint check`` does.  What a rule pays includes
what it is the first to ask for: a per-record analysis that several rules share (ReAct turns,
numbering) is charged to the gate or rule that computes it, and first-use loading (T001's model
pages, numpy) to the first call.  CPU, not wall time, so a loaded machine slows every row alike;
the clock itself costs about 0.5 us a call (a few percent of the cheap rules).  Process CPU
includes start-up and the engine's own reading, parsing and mapping.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

ENTRY_POINTS = ("check_raw", "check", "map", "reduce")


def _wrap(cost: Counter[str], key: str, f: Callable[..., Any], consume: bool) -> Callable[..., Any]:
    clock = time.process_time_ns

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = clock()
        out = f(*args, **kwargs)
        if consume:
            out = list(out)
        cost[key] += clock() - t
        return out

    return timed


def measure(path: str, select: list[str] | None, ignore: list[str] | None) -> tuple[Counter[str], float, int]:
    """CPU nanoseconds per rule entry point and gate, the process's CPU seconds, findings."""
    from sftlint.config import Settings
    from sftlint.engine import Engine
    from sftlint.rule import Rule
    from sftlint.run.processes import parallel_diagnostics

    kwargs: dict[str, Any] = {}
    if select:
        kwargs["select"] = select
    if ignore:
        kwargs["ignore"] = ignore
    engine = Engine(Settings(**kwargs))
    cost: Counter[str] = Counter()
    for rule in engine.rules:
        for name in ENTRY_POINTS:
            f = getattr(rule, name)
            if getattr(f, "__func__", None) is getattr(Rule, name, None):
                continue  # the base class's: never called for this scope
            setattr(rule, name, _wrap(cost, f"{rule.code}.{name}", f, name != "map"))
    engine.record_units = [
        (gate if gate is None else _wrap(cost, f"gate:{rules[0].family}", gate, False), rules)
        for gate, rules in engine.record_units
    ]
    found = sum(1 for _ in parallel_diagnostics(engine, [path], 1))
    return cost, time.process_time(), found


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("file")
    p.add_argument("--select", help="comma-separated codes or prefixes (default: the default rules)")
    p.add_argument("--ignore", help="comma-separated codes or prefixes to leave out")
    p.add_argument("--top", type=int, default=30)
    args = p.parse_args(argv)
    split = lambda s: [c for c in s.split(",") if c] if s else None  # noqa: E731
    cost, cpu, found = measure(args.file, split(args.select), split(args.ignore))
    inside = sum(cost.values()) / 1e9
    print(f"{args.file}: process CPU {cpu:.2f} s, inside rules and gates {inside:.2f} s, {found:,} findings")
    for key, ns in cost.most_common(args.top):
        print(f"{ns / 1e9:8.3f} s  {100 * ns / 1e9 / inside:5.1f}%  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
