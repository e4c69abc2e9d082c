"""The whole speed table in one command: every rule family against a streaming orjson parse.

    python bench/speed.py                         # 100 MB corpus, best of 3 interleaved rounds
    python bench/speed.py --mb 20 --repeat 2      # smaller and quicker
    python bench/speed.py --docs                  # also write the table into docs/benchmarks.md
    python bench/speed.py --corpus data.jsonl     # a corpus of your own instead of the generated one

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
- ``--jobs 2`` against ``--jobs 1`` with the CPU of the main process and of the workers apart
  (``getrusage`` of the process and of its children), and a control in the same round: one
  busy Python loop alone, then two at once.  On a machine shared with other jobs the control
  says how many cores two processes actually got, so a wall speed-up the machine cannot give
  is told apart from one the design cannot give.  From the same CPU accounting it projects the
  speed-up on two free cores: ``--jobs 1`` CPU over (main process + workers / 2) if the main
  process's CPU were all serial, and twice the ``--jobs 1`` CPU over the ``--jobs 2`` CPU if
  it all overlapped the workers (the truth lies between).

Peak RSS on large files (issue 19: <= 500 MB on 1 GB), a separate mode::

    python bench/speed.py --rss 100,300,1000               # default rules, --jobs 1, per size
    python bench/speed.py --rss 100,300 --rss-args=--ignore=T001
    python bench/speed.py --rss 100,1000 --rss-exchanges --rss-jobs 2   # ~1.2 KB records, 2 workers

writes one corpus of the largest size (the smaller ones are its first lines), runs the default
rules once per size in a fresh process and prints peak RSS, CPU and the growth per record
between sizes, with the 1 GB value extrapolated linearly where 1 GB was not run.
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
ENV.pop("SFTLINT_NO_CACHE", None)
#: The results cache of the benchmark's cache directory.  Every row runs as a user's first run
#: of a file does, storing its findings there, so it is emptied before each measurement: a
#: repeated run would otherwise be answered from it.  One row measures that answer.
RESULTS: Path | None = None

#: The baseline parses every line.  A line orjson rejects (the corpus plants invalid JSON and
#: lone surrogates, as real files have) is caught and the loop goes on: without the ``try`` the
#: process stopped at the first such line (line 237 of the 100 MB corpus) and exited 1, so the
#: baseline had timed the interpreter's start and 1% of the file (0.04 s for 105 MB), and every
#: ``x orjson`` figure measured before 2026-12-05 09:00 was about 5 times too high.
ORJSON = (
    "import orjson, sys\nfor line in open(sys.argv[1], 'rb'):\n"
    "    try:\n        orjson.loads(line)\n    except ValueError:\n        pass\n"
)
#: ``sftlint ARGS`` in this process, then the CPU of the process itself and of its children
#: (the ``--jobs`` workers, reaped at the pool's shutdown) as JSON in the file ``argv[1]``.
SPLIT = """import json, resource, sys
out = sys.argv[1]
sys.argv = ["sftlint", *sys.argv[2:]]
from sftlint.cli import main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"main": me.ru_utime + me.ru_stime, "workers": kids.ru_utime + kids.ru_stime}, open(out, "w"))
sys.exit(code)
"""
#: The control: a fixed amount of pure-Python work (about a second of one core).
BUSY = "n = 0\nfor i in range(25_000_000):\n    n += i\n"
OPENAI = "import sys; sys.path.insert(0, sys.argv[2])\nfrom openai_prep import check_file\ncheck_file(sys.argv[1])\n"


@dataclass
class Run:
    cpu: float
    wall: float
    rss_mb: float
    code: int
    main_cpu: float | None = None  # the main process alone (rows run through SPLIT)


#: ``sftlint check`` exits 1 when it reports findings, which the corpus's planted defects are.
LINT_CODES = (0, 1)


@dataclass
class Row:
    name: str
    cmd: list[str]
    runs: list[Run] = field(default_factory=list)
    ok_codes: tuple[int, ...] = (0,)
    #: answered by the results cache (not emptied before the run)
    cached: bool = False

    def best(self, attr: str) -> float:
        return min(getattr(r, attr) for r in self.runs)


def measure(cmd: list[str], ok_codes: tuple[int, ...] = (0,), cached: bool = False) -> Run:
    """Run ``cmd``; its CPU (user + sys, its waited-for workers included), wall and peak RSS.

    A command that exits with a code outside ``ok_codes`` stops the bench: a baseline that
    stopped early, or a usage or internal error, did not do the work it is timed for."""
    if RESULTS is not None and not cached:
        for entry in RESULTS.glob("run-*"):
            entry.unlink()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    run = Run(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, proc.returncode)
    if run.code not in ok_codes:
        raise SystemExit(f"bench: {' '.join(cmd[:4])}... exited {run.code}; its time would mean nothing")
    return run


def measure_split(corpus: Path, report: Path, split: Path, *args: str) -> Run:
    """:func:`measure` of the default rules run through :data:`SPLIT`: the main process's own
    CPU is kept apart from its workers'."""
    import json

    cmd = [sys.executable, "-c", SPLIT, str(split), "check", str(corpus)]
    run = measure([*cmd, "--output-format", "json-lines", "-o", str(report), *args], LINT_CODES)
    run.main_cpu = json.loads(split.read_text())["main"]
    return run


def control() -> tuple[float, float]:
    """Wall seconds of one busy loop alone, and of two started together (the later to end)."""
    one = measure([sys.executable, "-c", BUSY]).wall
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(2)]
    for proc in procs:
        proc.wait()
    return one, time.perf_counter() - start


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
    p.add_argument(
        "--corpus",
        metavar="FILE",
        help="time this JSON-lines file instead of bench/corpus.py's (a corpus the repo did not generate)",
    )
    p.add_argument("--out", default=str(HERE / "out"))
    p.add_argument("--docs", action="store_true", help="write the table into docs/benchmarks.md")
    p.add_argument(
        "--jobs-only",
        action="store_true",
        help="only the baseline, the --jobs 1 / --jobs 2 pair and the control (no start-up either)",
    )
    p.add_argument(
        "--rss",
        metavar="MB,MB,...",
        help="instead of the table: peak RSS and CPU of the default rules (--jobs 1) on corpora of these"
        " sizes (the first MB of --corpus where given: how the cost grows with the file)",
    )
    p.add_argument(
        "--rss-args",
        default="",
        metavar="ARGS",
        help="extra sftlint arguments for --rss, comma-separated (e.g. --ignore=T001)",
    )
    p.add_argument(
        "--rss-exchanges",
        action="store_true",
        help="--rss on a corpus of ~1.2 KB records (bench/corpus.py --exchanges: a user turn and its reply)",
    )
    p.add_argument("--rss-jobs", type=int, default=1, help="--jobs for --rss (default 1)")
    args = p.parse_args(argv)
    if args.rss:
        return rss_mode(args)

    from corpus import write_corpus

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # A cache of its own: on a machine shared with other installations, one of them could drop
    # this one's prepared typo model between two rows, and a row would pay its rebuild.
    ENV["SFTLINT_CACHE_DIR"] = str(out / "cache")
    global RESULTS
    RESULTS = out / "cache" / "results"
    # The compiled-pattern and compiled-code caches are keyed by sftlint's version, which a
    # checkout does not bump: one written by an older commit lacks the patterns (dataclass
    # methods) added since, and a run adds them to the file only when there are 8 or more, so
    # every start would compile them.  A user's first run of a release writes them all; the
    # warm-up run below does that here.
    for stale in [*(out / "cache").glob("regex-*"), *(out / "cache").glob("code-*")]:
        stale.unlink()
    if args.corpus:
        corpus, origin = Path(args.corpus).resolve(), "given with --corpus"
    else:
        corpus, origin = out / f"speed-{args.mb:g}mb-s{args.seed}.jsonl", "bench/corpus.py --plant-defects"
        if not corpus.exists():
            write_corpus(corpus, mb=args.mb, seed=args.seed, plant_defects=True)
    size_mb = corpus.stat().st_size / 1e6
    with open(corpus, "rb") as fh:
        records = sum(1 for line in fh if line.strip())
    subprocess.run(
        sftlint_cmd(corpus, out / "warm.jsonl", "--select", "T"), env=ENV, check=False
    )  # model cached

    rows = [Row("orjson.loads per line (baseline)", [sys.executable, "-c", ORJSON, str(corpus)])]
    if not args.jobs_only:
        rows += [
            Row("OpenAI cookbook data checks", [sys.executable, "-c", OPENAI, str(corpus), str(HERE)]),
            Row(
                "sftlint J+S",
                sftlint_cmd(corpus, out / "r-js.jsonl", "--select", "J,S", "--jobs", "1"),
                ok_codes=LINT_CODES,
            ),
        ]
    for fam in [] if args.jobs_only else families():
        rows.append(
            Row(
                f"sftlint {fam} alone",
                sftlint_cmd(corpus, out / f"r-{fam}.jsonl", "--select", fam, "--jobs", "1"),
                ok_codes=LINT_CODES,
            )
        )
    jobs1 = Row("sftlint default rules, --jobs 1", sftlint_cmd(corpus, out / "r-jobs1.jsonl", "--jobs", "1"))
    jobs2 = Row("sftlint default rules, --jobs 2", sftlint_cmd(corpus, out / "r-jobs2.jsonl", "--jobs", "2"))
    cached = Row(
        "sftlint default rules, unchanged",
        sftlint_cmd(corpus, out / "r-cached.jsonl", "--jobs", "1"),
        ok_codes=LINT_CODES,
        cached=True,
    )
    controls: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        for row in rows:
            row.runs.append(measure(row.cmd, row.ok_codes, row.cached))
        # the pair, then the control, back to back: the same moment's load falls on all three
        jobs1.runs.append(measure_split(corpus, out / "r-jobs1.jsonl", out / "split1.json", "--jobs", "1"))
        jobs2.runs.append(measure_split(corpus, out / "r-jobs2.jsonl", out / "split2.json", "--jobs", "2"))
        # the same run again on the unchanged file, answered by what --jobs 2 just stored
        if not args.jobs_only:
            cached.runs.append(measure(cached.cmd, cached.ok_codes, cached=True))
        controls.append(control())
    rows += [jobs1, jobs2] + ([] if args.jobs_only else [cached])
    same = (out / "r-jobs1.jsonl").read_bytes() == (out / "r-jobs2.jsonl").read_bytes()
    if not args.jobs_only:
        same = same and (out / "r-cached.jsonl").read_bytes() == (out / "r-jobs1.jsonl").read_bytes()
    findings = (out / "r-jobs1.jsonl").read_bytes().count(b"\n")

    # start-up: the console script on 10 records, next to the interpreter's own start
    ten = out / "speed-10.jsonl"
    with open(corpus, "rb") as src:
        ten.write_bytes(b"".join(src.readline() for _ in range(10)))
    starts = (
        []
        if args.jobs_only
        else [measure(sftlint_cmd(ten, out / "r-10.jsonl"), LINT_CODES) for _ in range(15)]
    )
    pythons = [] if args.jobs_only else [measure([sys.executable, "-c", "pass"]) for _ in range(15)]

    base = rows[0].best("cpu")
    lines = [
        f"corpus: {corpus.name} ({records:,} records, {size_mb:,.1f} MB, {origin}); "
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
        "records/s and MB/s are per CPU second (one core); x orjson = CPU time / the baseline's CPU time; "
        "'unchanged': the default rules run again on the same file, answered by the results cache "
        "(its report is compared with --jobs 1's)",
        f"--jobs 2 against --jobs 1, wall speed-up per round: {', '.join(f'{w:.2f}x' for w, _ in pairs)} "
        f"(best {max(w for w, _ in pairs):.2f}x); CPU of --jobs 2 / --jobs 1: "
        f"{', '.join(f'{c:.2f}' for _, c in pairs)}; reports identical: {'yes' if same else 'NO'} "
        f"({findings:,} findings)",
        "--jobs 2, CPU per round: main process "
        + ", ".join(f"{r.main_cpu:.2f}" for r in jobs2.runs)
        + " s, workers "
        + ", ".join(f"{r.cpu - (r.main_cpu or 0):.2f}" for r in jobs2.runs)
        + " s (--jobs 1: "
        + ", ".join(f"{r.cpu:.2f}" for r in jobs1.runs)
        + " s); were all of the main process's CPU serial, two free cores would give "
        + ", ".join(f"{amdahl(a, b):.2f}x" for a, b in zip(jobs1.runs, jobs2.runs, strict=True)),
        "control, two busy Python loops at once against one alone (2.00x on two free cores), per round: "
        + ", ".join(f"{2 * one / two:.2f}x" for one, two in controls),
        "projected --jobs 2 speed-up on two free cores, by CPU accounting, per round: main process "
        + ", ".join(
            f"{100 * (b.main_cpu or 0) / a.cpu:.1f}%" for a, b in zip(jobs1.runs, jobs2.runs, strict=True)
        )
        + " of the --jobs 1 CPU; "
        + ", ".join(
            f"{amdahl(a, b):.2f}x-{2 * a.cpu / b.cpu:.2f}x"
            for a, b in zip(jobs1.runs, jobs2.runs, strict=True)
        )
        + " (the first figure if all of the main process's CPU were serial, the second if it all"
        " overlapped the workers: twice the --jobs 1 CPU over the --jobs 2 CPU)",
    ]
    if starts:
        lines.append(
            f"start-up, `sftlint check` on 10 records (all default rules): median {statistics.median(r.wall for r in starts):.3f} s "
            f"wall (best {min(r.wall for r in starts):.3f} s), CPU median {statistics.median(r.cpu for r in starts):.3f} s; "
            f"`python -c pass`: {statistics.median(r.wall for r in pythons):.3f} s"
        )
    lines.append(f"load average while measuring: {os.getloadavg()[0]:.1f} (1 min)")
    table = "\n".join(lines)
    print(table)
    if args.docs:
        write_docs(table, args)
    return 0 if same else 1


def amdahl(one: Run, two: Run) -> float:
    """The wall speed-up of ``two`` (``--jobs 2``) over ``one`` on two free cores, if the main
    process's CPU were all serial (it is not: it folds results while the workers run) and the
    workers' CPU split evenly: ``one.cpu / (main + workers / 2)``."""
    main = two.main_cpu or 0.0
    return one.cpu / (main + (two.cpu - main) / 2)


def rss_mode(args: argparse.Namespace) -> int:
    """Peak RSS of the default rules on corpora of the sizes in ``--rss`` (one fresh process
    each, ``--jobs 1``), the growth per record between sizes, and 1 GB by extrapolation."""
    from corpus import write_corpus

    sizes = sorted(float(x) for x in args.rss.split(","))
    extra = [a for a in args.rss_args.split(",") if a]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ENV["SFTLINT_CACHE_DIR"] = str(out / "cache")
    global RESULTS
    RESULTS = out / "cache" / "results"
    kind = "rss-exch" if args.rss_exchanges else "rss"
    if args.corpus:  # the sizes are the given file's first MB (the last size: the whole file)
        big = Path(args.corpus).resolve()
        kind = f"rss-{big.stem}"
        sizes[-1] = big.stat().st_size / 1e6
        origin = f"the first MB of {big.name}"
    else:
        big = out / f"{kind}-{sizes[-1]:g}mb-s{args.seed}.jsonl"
        origin = f"bench/corpus.py --plant-defects{' --exchanges' if args.rss_exchanges else ''}"
        if not big.exists():
            write_corpus(big, mb=sizes[-1], seed=args.seed, plant_defects=True, exchanges=args.rss_exchanges)
    jobs = ["--jobs", str(args.rss_jobs)]
    points = []
    for mb in sizes:
        corpus = big if mb == sizes[-1] else out / f"{kind}-{mb:g}mb-s{args.seed}.jsonl"
        if not corpus.exists():
            want = int(mb * 1e6)
            with open(big, "rb") as src, open(corpus, "wb") as dst:
                written = 0
                for line in src:
                    if written >= want:
                        break
                    dst.write(line)
                    written += len(line)
        with open(corpus, "rb") as fh:
            records = sum(1 for line in fh if line.strip())
        report = out / f"r-rss-{mb:g}.jsonl"
        run = measure(sftlint_cmd(corpus, report, *jobs, *extra), LINT_CODES)
        findings = report.read_bytes().count(b"\n")
        points.append((corpus.stat().st_size / 1e6, records, run, findings))
    lines = [
        f"peak RSS of `{' '.join(['sftlint check FILE', *jobs, *extra])}` (ru_maxrss, the largest "
        f"process; one fresh run per size, corpus: {origin}); Python {platform.python_version()}",
        "",
        f"{'MB':>8} {'records':>10} {'findings':>9} {'CPU s':>8} {'wall s':>8} {'RSS MB':>8} {'us/record':>10}",
    ]
    for mb, records, run, findings in points:
        lines.append(
            f"{mb:8.0f} {records:10,} {findings:9,} {run.cpu:8.1f} {run.wall:8.1f} {run.rss_mb:8.0f}"
            f" {run.cpu / max(1, records) * 1e6:10,.0f}"
        )
    if len(points) > 1:
        (mb0, n0, r0, _), (mb1, n1, r1, _) = points[0], points[-1]
        per_record = (r1.rss_mb - r0.rss_mb) * 2**20 / max(1, n1 - n0)
        lines.append(f"growth between {mb0:.0f} and {mb1:.0f} MB: {per_record:,.0f} bytes per record")
        # a cost linear in the records keeps its CPU per record (a quadratic reduce does not)
        cpu_growth = (r1.cpu / max(1, n1)) / (r0.cpu / max(1, n0))
        lines.append(f"CPU per record at {n1:,} records / at {n0:,}: {cpu_growth:.2f}")
        if mb1 < 999:
            at_1g = r1.rss_mb + max(0.0, per_record) * (n1 / mb1 * 1000 - n1) / 2**20
            lines.append(f"extrapolated to 1,000 MB ({n1 / mb1 * 1000:,.0f} records): {at_1g:,.0f} MB")
    print("\n".join(lines))
    return 0


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
