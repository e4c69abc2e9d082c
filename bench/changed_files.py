"""A folder of shards where one changed: what the results cache's per-file entries save.

    python bench/changed_files.py                          # real-20mb in 10 shards, --jobs 1 and 2
    python bench/changed_files.py --corpus data.jsonl --shards 50 --jobs 2 --repeat 3

Teams keep a dataset as many shards and edit a few between two checks.  The results cache
answers an unchanged run whole; when some files changed, each unchanged file is replayed from
its own entry (its findings, and the summaries its records gave the dataset rules) and only the
changed ones are linted (``sftlint/run/stored_files.py``).  For each ``--jobs`` value, in a
fresh process each, as a user runs it (``sftlint check FOLDER --output-format json-lines``):

- ``lint all, no cache``: ``SFTLINT_NO_CACHE=1``, the cost of linting every shard;
- ``lint all, storing``: the cache on and empty (a first run: it stores the run's entry and
  every shard's);
- ``one shard changed``: one record of the middle shard edited, every other shard stored;
- ``unchanged``: the same again, answered by the run's entry.

CPU is user + sys of the process and its workers (``wait4``), best of ``--repeat`` rounds.  The
report of every cached row must be byte-identical to a ``--no-cache`` run of the same data, and
the bench stops if it is not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from speed import ENV, LINT_CODES, measure, sftlint_cmd  # noqa: E402


def shard(corpus: Path, folder: Path, shards: int) -> list[Path]:
    """``corpus``'s lines dealt into ``shards`` files of consecutive records."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    lines = corpus.read_bytes().splitlines(keepends=True)
    per = -(-len(lines) // shards)
    paths = []
    for k in range(shards):
        path = folder / f"shard{k:03d}.jsonl"
        path.write_bytes(b"".join(lines[k * per : (k + 1) * per]))
        paths.append(path)
    return paths


def edit(path: Path, suffix: str) -> None:
    """Append ``suffix`` to the last message of the first record that has messages."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("messages"), list) and record["messages"]:
            record["messages"][-1]["content"] = str(record["messages"][-1].get("content", "")) + suffix
            lines[i] = json.dumps(record, ensure_ascii=False) + "\n"
            path.write_text("".join(lines), encoding="utf-8")
            return
    raise SystemExit(f"bench: no record with messages in {path}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default=str(HERE / "out" / "real-20mb.jsonl"))
    p.add_argument("--shards", type=int, default=10)
    p.add_argument("--jobs", default="1,2", help="comma-separated --jobs values (default 1,2)")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--out", default=str(HERE / "out" / "changed"))
    args = p.parse_args(argv)

    corpus = Path(args.corpus)
    if not corpus.exists():
        mb = 20
        subprocess.run(
            [sys.executable, str(HERE / "real_text_corpus.py"), "--mb", str(mb), "--out", str(corpus)],
            check=True,
        )
    out = Path(args.out)
    folder = out / "data"
    paths = shard(corpus, folder, args.shards)
    middle = paths[len(paths) // 2]
    cache = out / "cache"
    results = cache / "results"
    env = dict(ENV, SFTLINT_CACHE_DIR=str(cache))
    off = dict(env, SFTLINT_NO_CACHE="1")
    ENV.clear()
    ENV.update(env)  # speed.measure runs its commands with ENV
    # the typo model is built once in this cache directory, outside every measurement
    subprocess.run(sftlint_cmd(paths[0], out / "warm.jsonl", "--select", "T"), env=off, check=False)

    def report(name: str) -> Path:
        return out / f"r-{name}.jsonl"

    def reference(name: str, jobs: str) -> bytes:
        subprocess.run(sftlint_cmd(folder, report(name), "--jobs", jobs), env=off, check=False)
        return report(name).read_bytes()

    original = middle.read_bytes()
    table: dict[tuple[str, str], float] = {}
    findings = 0
    for _ in range(args.repeat):
        for jobs in args.jobs.split(","):
            middle.write_bytes(original)
            rows = []
            ENV["SFTLINT_NO_CACHE"] = "1"
            rows.append(
                (
                    "lint all, no cache",
                    measure(sftlint_cmd(folder, report("off"), "--jobs", jobs), LINT_CODES),
                )
            )
            del ENV["SFTLINT_NO_CACHE"]
            shutil.rmtree(results, ignore_errors=True)
            first = measure(sftlint_cmd(folder, report("first"), "--jobs", jobs), LINT_CODES, cached=True)
            rows.append(("lint all, storing", first))
            if report("first").read_bytes() != report("off").read_bytes():
                raise SystemExit("bench: the storing run's report differs from the --no-cache one")
            edit(middle, " 补充说明：以上内容仅供参考。")
            changed = measure(sftlint_cmd(folder, report("changed"), "--jobs", jobs), LINT_CODES, cached=True)
            rows.append(("one shard changed", changed))
            expected = reference("changed-off", jobs)
            if report("changed").read_bytes() != expected:
                raise SystemExit("bench: the report after one shard changed differs from the --no-cache one")
            again = measure(sftlint_cmd(folder, report("again"), "--jobs", jobs), LINT_CODES, cached=True)
            rows.append(("unchanged", again))
            if report("again").read_bytes() != expected:
                raise SystemExit("bench: the replayed report differs from the --no-cache one")
            findings = expected.count(b"\n")
            for name, run in rows:
                key = (name, jobs)
                table[key] = min(table.get(key, run.cpu), run.cpu)
    middle.write_bytes(original)

    jobs_list = args.jobs.split(",")
    size = sum(p.stat().st_size for p in paths) / 1e6
    print(
        f"corpus: {corpus.name} in {len(paths)} shards ({size:,.1f} MB, {findings:,} findings after the edit); "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cpus; best of {args.repeat}; CPU seconds"
    )
    print()
    print(f"{'':24}" + "".join(f"{'--jobs ' + j:>12}" for j in jobs_list))
    for name in ("lint all, no cache", "lint all, storing", "one shard changed", "unchanged"):
        print(f"{name:24}" + "".join(f"{table[(name, j)]:12.2f}" for j in jobs_list))
    print()
    print("every cached row's report is byte-identical to a --no-cache run of the same data")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
