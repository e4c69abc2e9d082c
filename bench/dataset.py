"""Whole-dataset run: every default rule, ``--jobs 1`` and ``--jobs 2``, memory, and D002's recall.

    python bench/dataset.py                 # a 1 GB corpus (written once to bench/out/, then reused)
    python bench/dataset.py --mb 100        # a quicker look

On one seed-style corpus (``bench/corpus.py``, one planted defect of some family in about one
record in twenty, its ground truth in a sidecar), measured in the same run:

- ``orjson``: read the file line by line and ``orjson.loads`` each line: the fast-parser baseline;
- ``openai-prep``: the checks of OpenAI's chat fine-tuning data-preparation recipe (format errors,
  token counts; ``bench/openai_prep.py``), in-process: what a team runs when it runs anything;
- ``sftlint check --jobs 1`` and ``--jobs 2``, all default rules, as a user runs it (a fresh
  process, JSON-lines report to a file).  Wall time, records/s, MB/s, the ratio to orjson, and
  peak memory: the largest resident set of any one process, and the largest sum over the whole
  process tree (the main process and its workers), sampled every 0.2 s from ``/proc``.

Memory is also given as the proportional set size of the tree (PSS: pages a forked worker shares
with its parent counted once), which is what the processes really occupy together.

Then: whether the two reports are byte-identical, and D002 against the planted near-duplicates:
recall (planted lines reported), and for every D002 finding on a line where nothing was planted,
the exact similarity of the pair it names: below 0.8 it is a false pair; at or above it, the
generator happened to make two independent records that alike (they are near-duplicates by the
rule's definition).  The targets of issue 5: peak RSS <= 500 MB, ``--jobs 2`` >= 1.7x
``--jobs 1``, D002 recall >= 0.95 with no false pairs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_corpus
from openai_prep import check_file


def parse_orjson(path: Path) -> int:
    n = 0
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                with contextlib.suppress(orjson.JSONDecodeError):
                    orjson.loads(line)
                n += 1
    return n


def _proc_kb(pid: int, name: str, field: bytes) -> int:
    """A ``kB`` field of ``/proc/<pid>/<name>`` (0 once the process is gone)."""
    try:
        with open(f"/proc/{pid}/{name}", "rb") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_kb(pid: int) -> int:
    return _proc_kb(pid, "status", b"VmRSS:")


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (the interpreter and modules a forked worker shares
    with its parent) counted once across the processes that share them."""
    return _proc_kb(pid, "smaps_rollup", b"Pss:")


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, int, float, float, float]:
    """Wall seconds, exit code, peak RSS of one process, of the process tree, and peak PSS of
    the tree (MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak_one = peak_tree = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        # Light sampling: the sampler must not take CPU from the workers it measures (reading
        # smaps_rollup walks a process's page tables), so RSS every 0.2 s, PSS every second.
        nonlocal peak_one, peak_tree, peak_pss
        tick = 0
        while not done.is_set():
            pids = _descendants(proc.pid)
            sizes = [_rss_kb(p) for p in pids]
            if sizes:
                peak_one = max(peak_one, max(sizes))
                peak_tree = max(peak_tree, sum(sizes))
                if tick % 5 == 0:
                    peak_pss = max(peak_pss, sum(_pss_kb(p) for p in pids))
            tick += 1
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        sys.stderr.write(err.decode("utf-8", "replace"))
    return seconds, proc.returncode, peak_one / 1024, peak_tree / 1024, peak_pss / 1024


def count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def d002_scores(corpus: Path, report: Path, truth: Path) -> dict[str, object]:
    """D002 against the planted near-duplicates: how many were reported, and for every finding
    on a line where nothing was planted, the exact similarity of the pair it names (the
    generator's phrase pools sometimes make two independent records alike by chance)."""
    planted_lines = set()
    any_planted = set()
    for line in truth.read_text(encoding="utf-8").splitlines():
        t = json.loads(line)
        any_planted.add(t["line"])
        if t["code"] == "D002":
            planted_lines.add(t["line"])
    reported: dict[int, int] = {}
    with open(report, "rb") as fh:
        for line in fh:
            d = orjson.loads(line)
            if d["code"] == "D002":
                reported[d["line"]] = int(d["message"].split(" at line ")[1].split(" ")[0])
    unplanted = {a: b for a, b in reported.items() if a not in any_planted}
    similarity = {}
    if unplanted:
        from sftlint.rules.dataset import dialogue_text, jaccard

        from sftlint.api import load_records

        want = set(unplanted) | set(unplanted.values())
        texts = {}
        for record in load_records(corpus):
            if record.line in want:
                texts[record.line] = dialogue_text(record)
        similarity = {a: jaccard(texts[a], texts[b]) for a, b in unplanted.items()}
    return {
        "planted": len(planted_lines),
        "found": len(planted_lines & set(reported)),
        "unplanted": similarity,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mb", type=float, default=1024, help="corpus size in megabytes (default 1024)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=str(Path(__file__).resolve().parent / "out"))
    args = p.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus = out / f"dataset-{args.mb:g}mb-s{args.seed}.jsonl"
    truth = corpus.with_suffix(".truth")
    if not (corpus.exists() and truth.exists()):
        print(f"writing {corpus} ...", flush=True)
        write_corpus(corpus, mb=args.mb, seed=args.seed, plant_defects=True, truth=truth)
    size_mb = corpus.stat().st_size / 1e6

    t = time.perf_counter()
    records = parse_orjson(corpus)
    base = time.perf_counter() - t
    print(
        f"corpus: {corpus.name} ({records:,} records, {size_mb:,.1f} MB, "
        f"{count_lines(truth):,} planted defects); "
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores\n",
        flush=True,
    )
    rows = [("orjson.loads per line (baseline)", base, None, None, None)]
    t = time.perf_counter()
    prep = check_file(corpus)
    rows.append(("OpenAI data-prep recipe checks", time.perf_counter() - t, None, None, None))

    # As a user's machine runs it: bytecode written and reused (this sandbox sets
    # PYTHONDONTWRITEBYTECODE, which would recompile every module at every start).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["SFTLINT_NO_CACHE"] = "1"  # every run lints (the results cache would answer repeats)
    reports = {}
    for jobs in (1, 2):
        report = out / f"{corpus.stem}.jobs{jobs}.jsonl"
        cmd = [sys.executable, "-m", "sftlint.cli", "check", str(corpus), "--jobs", str(jobs)]
        cmd += ["--output-format", "json-lines", "-o", str(report), "--no-color"]
        seconds, code, one, tree, pss = run_measured(cmd, env)
        reports[jobs] = (report, code)
        rows.append((f"sftlint check, all default rules, --jobs {jobs}", seconds, one, tree, pss))

    print(
        f"{'':46} {'seconds':>8} {'records/s':>10} {'MB/s':>7} {'x orjson':>9} {'RSS MB':>7} "
        f"{'tree RSS':>8} {'tree PSS':>8}"
    )
    for name, seconds, one, tree, pss in rows:
        mem = f"{one:7.0f} {tree:8.0f} {pss:8.0f}" if one is not None else ""
        print(
            f"{name:46} {seconds:8.2f} {records / seconds:10,.0f} {size_mb / seconds:7.1f} "
            f"{seconds / base:9.1f} {mem}"
        )
    speedup = rows[2][1] / rows[3][1]
    same = reports[1][0].read_bytes() == reports[2][0].read_bytes()
    findings = count_lines(reports[1][0])
    print(
        f"\n--jobs 2 / --jobs 1 throughput: {speedup:.2f}x; reports identical: {'yes' if same else 'NO'} "
        f"({findings:,} findings, exit code {reports[1][1]} and {reports[2][1]})"
    )
    print(
        f"OpenAI recipe on the same file: {prep['examples']:,} examples, format errors "
        f"{sum(prep['format_errors'].values()):,} ({', '.join(f'{k} {v}' for k, v in sorted(prep['format_errors'].items()))}), "
        f"{prep['tokens']:,} tokens"
    )
    scores = d002_scores(corpus, reports[1][0], truth)
    planted, found, unplanted = scores["planted"], scores["found"], scores["unplanted"]
    recall = found / planted if planted else float("nan")
    false = sum(1 for sim in unplanted.values() if sim < 0.8)
    chance = ", ".join(f"line {a}: {sim:.3f}" for a, sim in sorted(unplanted.items()))
    print(
        f"D002: {found} of {planted} planted near-duplicates reported (recall {recall:.3f}); "
        f"false pairs (exact similarity below 0.8): {false}; other reported pairs, independent records "
        f"the generator made alike by chance: {len(unplanted) - false} ({chance or 'none'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
