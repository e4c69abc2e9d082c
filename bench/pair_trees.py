"""``--jobs 1`` against ``--jobs 2`` in two checkouts side by side: CPU, wall and peak RSS of the
whole process tree, the runs alternating so that the load of a shared machine falls on both.

    python bench/pair_trees.py bench/out/sk100mb.jsonl --rounds 3 old=/tmp/old38 new=.
    python bench/pair_trees.py bench/out/sk3000.jsonl --fork-points old=/tmp/old38 new=.

Each TREE is a checkout with its own ``.venv`` (an editable install of that checkout: a copy of
another commit made with ``git archive``).  Each run is ``python -m sftlint check FILE --jobs N
--output-format json-lines -q -o OUT`` from a neutral folder, with the results cache off; CPU
is user+sys of the process and every worker it reaped (``os.wait4``), the best of the rounds,
and the reports of all runs must be the same.

``--fork-points`` counts instructions instead (cachegrind: the noise of a shared machine does
not reach them).  A process forked under valgrind starts with its parent's count, so each
``--jobs 2`` process's own count is its count less its parent's at the fork, measured by running
the parent alone up to that point (the counters fork before the warm-up, the workers after it).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Run the CLI, but leave at one of the fork points of ``--jobs``: ``counters`` (before the
#: processes that count the ranges fork) or ``pool`` (after the warm-up, before the workers fork).
FORK_POINT = """
import os, sys
import sftlint.run.processes as P
if sys.argv[1] == "counters":
    def stop(self, *a, **k):
        os._exit(0)
    P._Counters.__init__ = stop
else:
    class NoCounters:
        def __init__(self, *a, **k): pass
        def collect(self): return {}
        def stop(self): pass
    P._Counters = NoCounters
    def pool(engine, n, files=()):
        if P._forks():
            P._warm_up(engine, files)
        os._exit(0)
    P._pool = pool
from sftlint.cli import main
main(sys.argv[2:])
"""


def _python(tree: str) -> str:
    return str(Path(tree).resolve() / ".venv" / "bin" / "python")


def _check_args(path: str, jobs: int, out: str, select: str | None) -> list[str]:
    args = ["check", path, "--jobs", str(jobs), "--output-format", "json-lines", "-q", "-o", out]
    return [*args, "--select", select] if select else args


def _timed(cmd: list[str], env: dict[str, str], cwd: str) -> tuple[float, float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - start, usage.ru_maxrss // 1024


def paired(path: str, trees: dict[str, str], rounds: int, select: str | None) -> None:
    env = dict(os.environ, SFTLINT_NO_CACHE="1")
    best: dict[tuple[str, int], tuple[float, float, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for name, tree in trees.items():
                for jobs in (1, 2):
                    out = f"{tmp}/{name}-{jobs}.jsonl"
                    cpu, wall, rss = _timed(
                        [_python(tree), "-m", "sftlint", *_check_args(path, jobs, out, select)], env, tmp
                    )
                    old = best.get((name, jobs))
                    best[(name, jobs)] = (
                        (min(old[0], cpu), min(old[1], wall), max(old[2], rss)) if old else (cpu, wall, rss)
                    )
        reports = {Path(f"{tmp}/{n}-{j}.jsonl").read_bytes() for n in trees for j in (1, 2)}
    for name in trees:
        (c1, w1, r1), (c2, w2, r2) = best[(name, 1)], best[(name, 2)]
        print(
            f"{name:10s} --jobs 1 {c1:7.2f} s CPU ({w1:6.2f} s wall) | --jobs 2 {c2:7.2f} s CPU ({w2:6.2f} s wall)"
            f" | wall speed-up {w1 / w2:.2f}x | CPU ratio {c2 / c1:.2f} | peak RSS {r1}/{r2} MB"
        )
    print(f"best of {rounds}; the same report in every run: {'yes' if len(reports) == 1 else 'NO'}")


def _instructions(cmd: list[str], env: dict[str, str], cwd: str) -> list[int]:
    """Instructions of each process of ``cmd`` under cachegrind, in the order they ended."""
    full = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *cmd]
    done = subprocess.run(full, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    return [int(m.replace(",", "")) for m in re.findall(r"I\s+refs:\s+([\d,]+)", done.stderr)]


def fork_points(path: str, trees: dict[str, str], select: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "fork_point.py"
        script.write_text(FORK_POINT)
        for name, tree in trees.items():
            env = dict(
                os.environ, SFTLINT_NO_CACHE="1", PYTHONHASHSEED="0", SFTLINT_CACHE_DIR=f"{tmp}/cache-{name}"
            )
            py = _python(tree)
            subprocess.run(
                [py, "-m", "compileall", "-q", f"{tree}/sftlint", f"{tree}/rules"], capture_output=True
            )
            for jobs in (1, 2):  # warm the private caches (models, compiled regexes)
                subprocess.run(
                    [py, "-m", "sftlint", *_check_args(path, jobs, os.devnull, select)], env=env, cwd=tmp
                )
            one = _instructions(
                [py, "-m", "sftlint", *_check_args(path, 1, f"{tmp}/1.jsonl", select)], env, tmp
            )[0]
            procs = _instructions(
                [py, "-m", "sftlint", *_check_args(path, 2, f"{tmp}/2.jsonl", select)], env, tmp
            )
            at = {}
            for point in ("counters", "pool"):
                at[point] = _instructions(
                    [py, str(script), point, *_check_args(path, 2, os.devnull, select)], env, tmp
                )[0]
            main, children = procs[-1], procs[:-1]
            counters, workers = children[:-2], children[-2:]
            own_counters = sum(c - at["counters"] for c in counters)
            own_workers = sum(w - at["pool"] for w in workers)
            same = Path(f"{tmp}/1.jsonl").read_bytes() == Path(f"{tmp}/2.jsonl").read_bytes()
            print(
                f"{name}: --jobs 1 {one / 1e6:,.0f}M | --jobs 2 main {main / 1e6:,.0f}M, workers (own)"
                f" {own_workers / 1e6:,.0f}M, counters (own) {own_counters / 1e6:,.0f}M, main at the"
                f" workers' fork {at['pool'] / 1e6:,.0f}M | --jobs 2 / --jobs 1"
                f" {(main + own_workers + own_counters) / one:.2f} | the same report: {'yes' if same else 'NO'}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("trees", nargs="+", metavar="NAME=TREE")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--select", help="rules to run (default: the default rules)")
    parser.add_argument("--fork-points", action="store_true", help="count instructions (cachegrind)")
    args = parser.parse_args(argv)
    trees = dict(t.split("=", 1) for t in args.trees)
    path = str(Path(args.file).resolve())
    if args.fork_points:
        fork_points(path, trees, args.select)
    else:
        paired(path, trees, args.rounds, args.select)
    return 0


if __name__ == "__main__":
    sys.exit(main())
