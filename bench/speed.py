"""The whole speed table in one command: every rule family against a streaming orjson parse.

    python bench/speed.py                         # 100 MB corpus, best of 3 interleaved rounds
    python bench/speed.py --mb 20 --repeat 2      # smaller and quicker
    python bench/speed.py --docs                  # also write the table into docs/benchmarks.md

Everything runs as a user runs it: a fresh process per measurement (``sftlint check`` with
``--jobs 1`` unless said otherwise, JSON-lines report to a file), on a seed-style corpus of
``bench/corpus.py`` with planted defects.  What is reported:

- **CPU seconds** (user + sys of the process and its workers, from ``wait4``): the ratio
  ``x orjson`` is CPU time over the baseline's CPU time, so a loaded machine slows both alike;
  wall seconds are given too.  Each row is the best of ``--repeat`` rounds, every round running
  every row once (interleaved).
- **Baselines that do not flatter**: ``orjson.loads`` once per line, streaming, nothing kept;
  and the OpenAI cookbook's chat fine-tuning data checks (``bench/openai_prep.py``).
- Records/s and MB/s for J+S, each family alone and the default rules.
- ``--jobs 1`` against ``--jobs 2`` on the same file, paired in each round (wall and CPU); the
  two reports must be byte-identical.
- Start-up: ``sftlint check`` on a 10-record file (the console script, all default rules, the
  typo model already cached, in a cache directory of the benchmark's own), median and best of 15 runs, next to ``python -c pass``.
- Peak RSS: the largest process of the default run (``ru_maxrss``), for ``--jobs 1`` and 2.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

#: As a user's machine runs it: bytecode written once and reused.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

ORJSON = "import orjson, sys\nfor line in open(sys.argv[1], 'rb'):\n    orjson.loads(line)\n"
OPENAI = "import sys; sys.path.insert(0, sys.argv[2])\nfrom openai_prep import check_file\ncheck_file(sys.argv[1])\n"


@dataclass
class Run:
    cpu: float
    wall: float
    rss_mb: float
    code: int


@dataclass
class Row:
    name: str
    cmd: list[str]
    runs: list[Run] = field(default_factory=list)

    def best(self, attr: str) -> float:
        return min(getattr(r, attr) for r in self.runs)


def measure(cmd: list[str]) -> Run:
    """Run ``cmd``; its CPU (user + sys, its waited-for workers included), wall and peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, proc.returncode)


def sftlint_cmd(corpus: Path, report: Path, *args: str) -> list[str]:
    script = Path(sys.executable).with_name("sftlint")
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "sftlint.cli"]
    return [*launcher, "check", str(corpus), "--output-format", "json-lines", "-o", str(report), *args]


def families() -> list[str]:
    from sftlint.config import Settings
    from sftlint.engine import Engine

    return sorted({r.code[0] for r in Engine(Settings()).rules})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mb", type=float, default=100, help="corpus size in megabytes (default 100)")
    p.add_argument("--repeat", type=int, default=3, help="interleaved rounds; each row keeps its best")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=str(HERE / "out"))
    p.add_argument("--docs", action="store_true", help="write the table into docs/benchmarks.md")
    args = p.parse_args(argv)

    from corpus import write_corpus

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # A cache of its own: on a machine shared with other installations, one of them could drop
    # this one's prepared typo model between two rows, and a row would pay its rebuild.
    ENV["SFTLINT_CACHE_DIR"] = str(out / "cache")
    corpus = out / f"speed-{args.mb:g}mb-s{args.seed}.jsonl"
    if not corpus.exists():
        write_corpus(corpus, mb=args.mb, seed=args.seed, plant_defects=True)
    size_mb = corpus.stat().st_size / 1e6
    with open(corpus, "rb") as fh:
        records = sum(1 for line in fh if line.strip())
    subprocess.run(
        sftlint_cmd(corpus, out / "warm.jsonl", "--select", "T"), env=ENV, check=False
    )  # model cached

    rows = [
        Row("orjson.loads per line (baseline)", [sys.executable, "-c", ORJSON, str(corpus)]),
        Row("OpenAI cookbook data checks", [sys.executable, "-c", OPENAI, str(corpus), str(HERE)]),
        Row("sftlint J+S", sftlint_cmd(corpus, out / "r-js.jsonl", "--select", "J,S", "--jobs", "1")),
    ]
    for fam in families():
        rows.append(
            Row(
                f"sftlint {fam} alone",
                sftlint_cmd(corpus, out / f"r-{fam}.jsonl", "--select", fam, "--jobs", "1"),
            )
        )
    jobs1 = Row("sftlint default rules, --jobs 1", sftlint_cmd(corpus, out / "r-jobs1.jsonl", "--jobs", "1"))
    jobs2 = Row("sftlint default rules, --jobs 2", sftlint_cmd(corpus, out / "r-jobs2.jsonl", "--jobs", "2"))
    rows += [jobs1, jobs2]
    for _ in range(args.repeat):
        for row in rows:
            row.runs.append(measure(row.cmd))
    same = (out / "r-jobs1.jsonl").read_bytes() == (out / "r-jobs2.jsonl").read_bytes()
    findings = (out / "r-jobs1.jsonl").read_bytes().count(b"\n")

    # start-up: the console script on 10 records, next to the interpreter's own start
    ten = out / "speed-10.jsonl"
    with open(corpus, "rb") as src:
        ten.write_bytes(b"".join(src.readline() for _ in range(10)))
    starts = [measure(sftlint_cmd(ten, out / "r-10.jsonl")) for _ in range(15)]
    pythons = [measure([sys.executable, "-c", "pass"]) for _ in range(15)]

    base = rows[0].best("cpu")
    lines = [
        f"corpus: {corpus.name} ({records:,} records, {size_mb:,.1f} MB, bench/corpus.py --plant-defects); "
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpus; "
        f"best of {args.repeat} interleaved rounds",
        "",
        f"{'':36} {'CPU s':>8} {'wall s':>8} {'records/s':>10} {'MB/s':>7} {'x orjson':>9} {'RSS MB':>7}",
    ]
    for row in rows:
        cpu, wall, rss = row.best("cpu"), row.best("wall"), max(r.rss_mb for r in row.runs)
        lines.append(
            f"{row.name:36} {cpu:8.2f} {wall:8.2f} {records / cpu:10,.0f} {size_mb / cpu:7.1f} "
            f"{cpu / base:9.1f} {rss:7.0f}"
        )
    pairs = [(a.wall / b.wall, b.cpu / a.cpu) for a, b in zip(jobs1.runs, jobs2.runs, strict=True)]
    lines += [
        "",
        "records/s and MB/s are per CPU second (one core); x orjson = CPU time / the baseline's CPU time",
        f"--jobs 2 against --jobs 1, wall speed-up per round: {', '.join(f'{w:.2f}x' for w, _ in pairs)} "
        f"(best {max(w for w, _ in pairs):.2f}x); CPU of --jobs 2 / --jobs 1: "
        f"{', '.join(f'{c:.2f}' for _, c in pairs)}; reports identical: {'yes' if same else 'NO'} "
        f"({findings:,} findings)",
        f"start-up, `sftlint check` on 10 records (all default rules): median {statistics.median(r.wall for r in starts):.3f} s "
        f"wall (best {min(r.wall for r in starts):.3f} s), CPU median {statistics.median(r.cpu for r in starts):.3f} s; "
        f"`python -c pass`: {statistics.median(r.wall for r in pythons):.3f} s",
        f"load average while measuring: {os.getloadavg()[0]:.1f} (1 min)",
    ]
    table = "\n".join(lines)
    print(table)
    if args.docs:
        write_docs(table, args)
    return 0 if same else 1


def write_docs(table: str, args: argparse.Namespace) -> None:
    docs = HERE.parent / "docs" / "benchmarks.md"
    text = docs.read_text(encoding="utf-8")
    command = "python bench/speed.py" + (f" --mb {args.mb:g}" if args.mb != 100 else "")
    command += f" --repeat {args.repeat}" if args.repeat != 3 else ""
    body = f"```\n{command}\n```\n\n```\n{table}\n```\n"
    start, end = "<!-- speed-table -->", "<!-- /speed-table -->"
    if start in text:
        text = re.sub(f"{re.escape(start)}.*?{re.escape(end)}", f"{start}\n{body}{end}", text, flags=re.S)
    else:
        text += f"\n{start}\n{body}{end}\n"
    docs.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
