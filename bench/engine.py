"""Engine speed: the J and S rules against plain JSON parsing, and the start-up a pre-commit hook pays.

    python bench/engine.py                   # 100,000 records, best of 3
    python bench/engine.py --records 20000 --repeat 5

Measured in one run on the same file (the seed-style corpus of ``bench/corpus.py``, messages format):

- ``orjson``: read the file line by line and ``orjson.loads`` each line: the fast-parser baseline;
- ``json``: the same with the standard library's ``json.loads``, for context;
- ``reader``: sftlint's reader alone (lines -> raw records, the J problems found while reading);
- ``J+S``: the engine with ``select=["J", "S"]``, serial (``--jobs 1``), in-process (no start-up).

The budget (issue 2) is J+S <= 5x orjson.  Then ``sftlint check`` on a 10-record file as a user
runs it (a fresh process, all default rules, the typo model's prepared data already cached),
the median of ``--repeat`` runs, next to ``python -c pass`` (the interpreter's own start); the
budget is 0.3 s wall.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_corpus

from sftlint.config import Settings
from sftlint.engine import Engine, iter_diagnostics
from sftlint.reader import read_source


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def parse_orjson(path: Path) -> None:
    with open(path, "rb") as fh:
        for line in fh:
            orjson.loads(line)


def parse_json(path: Path) -> None:
    loads = json.loads
    with open(path, "rb") as fh:
        for line in fh:
            loads(line)


def read_only(path: Path) -> None:
    for _ in read_source(str(path)):
        pass


def lint(path: Path, select: list[str]) -> int:
    engine = Engine(Settings(select=select))
    return sum(1 for _ in iter_diagnostics(engine, [str(path)]))


#: As a user's machine runs it: bytecode written once and reused.  (This sandbox sets
#: PYTHONDONTWRITEBYTECODE, which would recompile every imported module at every start.)
USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
USER_ENV["SFTLINT_NO_CACHE"] = "1"  # every run lints (the results cache would answer repeats)


def wall(cmd: list[str], repeat: int) -> tuple[float, float]:
    """Median and best wall time of ``repeat`` runs (the best is the machine without neighbours)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=USER_ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--out", default=str(Path(__file__).resolve().parent / "out"))
    args = p.parse_args(argv)

    out = Path(args.out)
    corpus = out / f"engine-{args.records}.jsonl"
    if not corpus.exists():
        write_corpus(corpus, args.records, seed=0)
    size_mb = corpus.stat().st_size / 1e6
    print(
        f"corpus: {corpus} ({args.records:,} records, {size_mb:.1f} MB); "
        f"Python {platform.python_version()} on {platform.machine()}, best of {args.repeat} interleaved runs\n"
    )

    # Interleaved: every repeat runs each measurement once, and each keeps its best, so load
    # from other processes on a shared machine falls on the baseline and on sftlint alike.
    measures: list[tuple[str, Callable[[], object]]] = [
        ("orjson.loads per line (baseline)", lambda: parse_orjson(corpus)),
        ("json.loads per line", lambda: parse_json(corpus)),
        ("sftlint reader only", lambda: read_only(corpus)),
        ("sftlint J+S rules, --jobs 1", lambda: lint(corpus, ["J", "S"])),
    ]
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, fn in measures:
            best[name] = min(best.get(name, float("inf")), best_of(1, fn))
    rows = [(name, best[name]) for name, _ in measures]
    base = rows[0][1]
    print(f"{'':36} {'seconds':>8} {'records/s':>11} {'MB/s':>7} {'x orjson':>9}")
    for name, seconds in rows:
        print(
            f"{name:36} {seconds:8.3f} {args.records / seconds:11,.0f} {size_mb / seconds:7.1f} "
            f"{seconds / base:9.2f}"
        )

    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "ten.jsonl"
        with open(corpus, "rb") as src, open(small, "wb") as dst:
            for _ in range(10):
                dst.write(src.readline())
        # the console script, as a user and pre-commit run it (``python -m`` adds runpy's work)
        script = Path(sys.executable).with_name("sftlint")
        launcher = [str(script)] if script.exists() else [sys.executable, "-m", "sftlint.cli"]
        sftlint = [*launcher, "check", str(small)]
        subprocess.run(
            sftlint, capture_output=True, check=False, env=USER_ENV
        )  # warm caches (typo model, .pyc)
        runs = args.repeat * 7
        python, _ = wall([sys.executable, "-c", "pass"], runs)
        check, fastest = wall(sftlint, runs)
    print(
        f"\n`sftlint check` on a 10-record file, all default rules: {check:.3f} s wall (median of "
        f"{runs}; best {fastest:.3f} s); `python -c pass`: {python:.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
