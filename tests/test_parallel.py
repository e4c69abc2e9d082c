"""``--jobs N`` and ``--engine ray``: the same diagnostics, in the same order, as the serial run.

The corpora are the benchmarks' seed-style customer-service records with one planted defect in
about one record in ten, cycling through every rule family (J, S, R, K, T, D), so every kind of
finding (line-level read problems, record rules, dataset reduces) has to survive the trip
through worker processes or Ray actors.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest
from conftest import ROOT, run_cli
from sftlint.rules import dataset as _dataset

import sftlint
from sftlint.run import processes as parallel

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench import corpus

_REAL_VERIFY_BLOCK = _dataset._verify_block


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Two files with planted defects of every family, and their ground truth."""
    d = tmp_path_factory.mktemp("planted")
    (d / "data").mkdir()
    a, b = d / "data" / "a.jsonl", d / "data" / "b.jsonl"
    corpus.write_corpus(a, 1500, seed=21, plant_defects=True, defect_rate=0.1, truth=d / "a.truth")
    corpus.write_corpus(b, 700, seed=22, plant_defects=True, defect_rate=0.1, truth=d / "b.truth")
    truth = [json.loads(x) for x in (d / "a.truth").read_text().splitlines()]
    return [a, b], truth


@pytest.fixture
def small_chunks(monkeypatch):
    """Force the parallel path on small test files, with many ranges (and, for standard
    input, many chunks) per file."""
    monkeypatch.setattr(parallel, "SERIAL_BELOW_BYTES", 0)
    monkeypatch.setattr(parallel, "RANGE_BYTES", 150_000)
    monkeypatch.setattr(parallel, "MIN_RANGE_BYTES", 50_000)
    monkeypatch.setattr(parallel, "CHUNK_RECORDS", 97)


def test_the_corpus_plants_every_family(planted):
    _, truth = planted
    families = {t["code"][0] for t in truth}
    assert families == set("JSRKTD")


def test_jobs_2_gives_the_serial_diagnostics_in_the_serial_order(planted, small_chunks):
    files, truth = planted
    serial = sftlint.lint(files, jobs=1)
    par = sftlint.lint(files, jobs=2)
    assert par == serial
    # and the run found what was planted, not just the same nothing twice
    found = {(d.line, d.code) for d in serial if d.path == str(files[0])}
    assert sum((t["line"], t["code"]) in found for t in truth) / len(truth) > 0.9
    # dataset rules saw both files as one dataset: D001 across files is possible, D003 is absent
    assert "D003" not in {d.code for d in par}


def test_jobs_2_numbers_a_file_named_twice_from_its_first_line_each_time(planted, small_chunks):
    """``check a b a --jobs 2``: the second reading of a cut file is numbered from line 1, as the
    serial run numbers it (its ranges were numbered on from the first reading: line 1501 of a
    file of 1500 lines, and the findings that depend on the line wrong with it)."""
    (a, b), _ = planted
    files = [a, b, a]
    serial = sftlint.lint(files, jobs=1)
    assert sftlint.lint(files, jobs=2) == serial
    lines = a.read_bytes().count(b"\n")
    assert max(d.line or 0 for d in serial if d.path == str(a)) <= lines


def test_jobs_all_cores_and_many_chunks_in_flight(planted, small_chunks, monkeypatch):
    monkeypatch.setattr(parallel, "IN_FLIGHT_PER_JOB", 1)  # the main process waits on workers often
    files, _ = planted
    assert sftlint.lint(files, jobs=0) == sftlint.lint(files, jobs=1)


def test_jobs_with_selection_and_per_rule_options(planted, small_chunks):
    files, _ = planted
    kw = {"select": ["R", "K", "D002"], "options": {"near-duplicate": {"threshold": 0.9}}}
    serial = sftlint.lint(files, jobs=1, **kw)
    assert serial and {d.code[0] for d in serial} <= {"R", "K", "D"}
    assert sftlint.lint(files, jobs=2, **kw) == serial


def _verify_block_recorded(*args):
    """D002's verification of one block, with the process it ran in written down (a module-level
    function, so that a worker can unpickle it)."""
    import os

    with open(os.environ["SFTLINT_TEST_PIDS"], "a") as fh:
        fh.write(f"{os.getpid()}\n")
    kept_log = os.environ.get("SFTLINT_TEST_KEPT")
    if kept_log:  # how many of the block's records it had the turns of, of how many
        block, kept = args[1], args[6] or {}
        records = {k for i, pairs in block.items() for k in (i, *(j for j, _ in pairs))}
        with open(kept_log, "a") as fh:
            fh.write(f"{len(records & kept.keys())} {len(records)}\n")
    return _REAL_VERIFY_BLOCK(*args)


#: Where processes fork, D002's blocks go to processes forked at the reduce (the pool shut down
#: first); elsewhere to the pool's workers, sent what they read: both ways are tested here.
FORKING = [pytest.param(True, id="forked"), pytest.param(False, id="pool")]


def _use_pool_unless(forking: bool, monkeypatch) -> None:
    if not forking:  # as where processes do not fork: the pool stays up for the reduces
        monkeypatch.setattr(parallel, "_forks", lambda: False)


@pytest.mark.parametrize("forking", FORKING)
def test_d002_verification_runs_in_other_processes_with_the_serial_result(
    tmp_path, small_chunks, monkeypatch, forking
):
    """Templated records (most a near-copy of an earlier one): D002's exact verification is
    most of the run, so with --jobs its blocks run in other processes; the findings stay the
    serial run's, and the blocks really ran elsewhere."""
    import os

    from sftlint.rules import dataset as D

    from bench.same_findings import templated

    seed, tmpl = tmp_path / "seed.jsonl", tmp_path / "templated.jsonl"
    corpus.write_corpus(seed, 1200, seed=31, plant_defects=True)
    templated(seed, tmpl, 1200)
    monkeypatch.setattr(D, "PARALLEL_VERIFY_MIN", 1)
    monkeypatch.setattr(D, "BLOCKS_PER_WORKER", 5)
    pids = tmp_path / "pids"
    monkeypatch.setenv("SFTLINT_TEST_PIDS", str(pids))
    monkeypatch.setattr(D, "_verify_block", _verify_block_recorded)  # the workers are forked after this
    _use_pool_unless(forking, monkeypatch)
    serial = sftlint.lint([tmpl], jobs=1, select=["D002"])
    assert set(pids.read_text().split()) == {str(os.getpid())}  # a serial run verifies here
    pids.unlink()
    par = sftlint.lint([tmpl], jobs=2, select=["D002"])
    assert par == serial
    assert len(serial) > 300 and all("(similarity " in d.message for d in serial)
    ran_in = pids.read_text().split()
    assert len(ran_in) >= 8 and len(set(ran_in)) >= 2 and str(os.getpid()) not in ran_in
    # standard input: its copy on disk is read through its own path
    import io

    pids.unlink()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(tmpl.read_bytes())))
    piped = sftlint.lint(["-"], jobs=2, select=["D002"])
    assert [(d.line, d.message) for d in piped] == [(d.line, d.message) for d in serial]
    ran_in = pids.read_text().split()
    assert len(ran_in) >= 8 and str(os.getpid()) not in ran_in


@pytest.mark.parametrize("forking", FORKING)
def test_d002_blocks_take_the_turns_the_ranges_brought_back(tmp_path, small_chunks, monkeypatch, forking):
    """With --jobs, the run's first ranges bring back the turns their D002 pieces kept, as far as
    a serial run would have kept them (KEEP_CHARS), and each verification block has those of
    its records (inherited by a forked process, or sent to a worker) instead of reading them
    again: the same findings as a serial run, and as a parallel run that keeps none."""
    from sftlint.rules import dataset as D

    from bench.same_findings import templated

    seed, tmpl = tmp_path / "seed.jsonl", tmp_path / "templated.jsonl"
    corpus.write_corpus(seed, 1200, seed=31, plant_defects=True)
    templated(seed, tmpl, 1200)
    monkeypatch.setattr(D, "PARALLEL_VERIFY_MIN", 1)
    monkeypatch.setattr(D, "BLOCKS_PER_WORKER", 5)
    monkeypatch.setenv("SFTLINT_TEST_PIDS", str(tmp_path / "pids"))
    kept_log = tmp_path / "kept"
    monkeypatch.setattr(D, "_verify_block", _verify_block_recorded)
    _use_pool_unless(forking, monkeypatch)
    serial = sftlint.lint([tmpl], jobs=1, select=["D002"])
    assert len(serial) > 300
    # the turns of the first records kept (retrieval context and system prompts left out, so
    # more than a sixth of them): the ranges after that bring none
    chars = sum(
        len(m["content"]) for line in tmpl.read_bytes().splitlines() for m in orjson.loads(line)["messages"]
    )
    monkeypatch.setattr(D, "KEEP_CHARS", chars // 6)
    monkeypatch.setenv("SFTLINT_TEST_KEPT", str(kept_log))
    assert sftlint.lint([tmpl], jobs=2, select=["D002"]) == serial
    blocks = [tuple(map(int, line.split())) for line in kept_log.read_text().splitlines()]
    assert sum(k for k, _ in blocks) > 200  # turns came with the blocks
    assert sum(n - k for k, n in blocks) > 200  # and the rest was read again
    kept_log.unlink()
    monkeypatch.setattr(D, "KEEP_CHARS", 0)
    assert sftlint.lint([tmpl], jobs=2, select=["D002"]) == serial
    assert all(line.startswith("0 ") for line in kept_log.read_text().splitlines())


_REAL_COUNT_RANGE = parallel.count_range


def _count_range_recorded(rng, sample_size):
    """:func:`count_range` with the process it ran in written down."""
    import os

    with open(os.environ["SFTLINT_TEST_PIDS"], "a") as fh:
        fh.write(f"count {os.getpid()}\n")
    return _REAL_COUNT_RANGE(rng, sample_size)


def _pool_count_recorded(rng, sample_size):
    """The pool's count task, written down (the pool counts only what the counters did not)."""
    import os

    with open(os.environ["SFTLINT_TEST_PIDS"], "a") as fh:
        fh.write(f"pool {os.getpid()}\n")
    return _REAL_COUNT_RANGE(rng, sample_size)


def _counter_dies(share, sample_size, send):
    """A counter process that dies before it sends anything."""
    import os

    os._exit(3)


forking = pytest.mark.skipif(
    not hasattr(__import__("os"), "fork") or __import__("multiprocessing").get_start_method() != "fork",
    reason="the counters are forked only where processes start by fork",
)


@forking
def test_ranges_are_counted_while_the_main_process_warms_up(planted, small_chunks, monkeypatch, tmp_path):
    """The cut ranges are counted by processes forked before the warm-up, not by the pool after
    it, and the run is the serial one."""
    import os

    files, _ = planted
    pids = tmp_path / "pids"
    monkeypatch.setenv("SFTLINT_TEST_PIDS", str(pids))
    monkeypatch.setattr(parallel, "count_range", _count_range_recorded)
    monkeypatch.setattr(parallel, "_count_task", _pool_count_recorded)
    order: list[str] = []
    real_warm, real_counters = parallel._warm_up, parallel._Counters

    def warm(engine, files):
        order.append("warm-up")
        real_warm(engine, files)

    def counters(cut, n):
        order.append("counters")
        return real_counters(cut, n)

    monkeypatch.setattr(parallel, "_warm_up", warm)
    monkeypatch.setattr(parallel, "_Counters", counters)
    serial = sftlint.lint(files, jobs=1)
    assert not pids.exists()
    assert sftlint.lint(files, jobs=2) == serial
    counted = pids.read_text().split("\n")
    ranges = [r for r in parallel.plan([str(f) for f in files], 2, 1 << 20) if not r.whole]
    assert len([c for c in counted if c.startswith("count ")]) == len(ranges) >= 8
    assert not [c for c in counted if c.startswith("pool ")]
    assert str(os.getpid()) not in {c.split()[-1] for c in counted if c}
    assert len({c.split()[-1] for c in counted if c}) == 2  # two counters
    assert order == ["counters", "warm-up"]


@forking
def test_a_counter_that_dies_leaves_its_ranges_to_the_pool(planted, small_chunks, monkeypatch, tmp_path):
    files, _ = planted
    pids = tmp_path / "pids"
    monkeypatch.setenv("SFTLINT_TEST_PIDS", str(pids))
    monkeypatch.setattr(parallel, "_count_share", _counter_dies)
    monkeypatch.setattr(parallel, "_count_task", _pool_count_recorded)
    serial = sftlint.lint(files, jobs=1)
    assert sftlint.lint(files, jobs=2) == serial
    assert len(pids.read_text().split("\n")) > 8  # the pool counted every range


def test_files_are_cut_into_ranges_the_workers_read(planted, small_chunks):
    from sftlint.run.ranges import plan_ranges

    files, _ = planted
    ranges = plan_ranges([str(f) for f in files], parallel.RANGE_BYTES)
    assert sum(not r.whole for r in ranges) >= 8  # both files cut, several ranges each


def test_the_last_ranges_taper_so_the_workers_finish_together(tmp_path):
    from sftlint.run.ranges import plan_ranges

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    corpus.write_corpus(a, 600, seed=5)
    corpus.write_corpus(b, 300, seed=6)
    files = [str(a), str(b)]
    even = plan_ranges(files, 100_000)
    tapered = plan_ranges(files, 100_000, taper=(2, 10_000))
    for ranges in (even, tapered):  # each file covered once, in order, cut after whole lines
        for path in files:
            mine = [r for r in ranges if r.path == path]
            assert mine[0].start == 0 and mine[-1].end is None
            assert all(x.end == y.start for x, y in itertools.pairwise(mine))
            data = Path(path).read_bytes()
            assert all(data[r.start - 1 : r.start] == b"\n" for r in mine[1:])
    sizes = [(r.end or Path(r.path).stat().st_size) - r.start for r in tapered]
    assert [r.seq for r in tapered] == list(range(len(tapered)))
    # a cut comes after the line the target falls in and the next complete record
    slack = 2 * max(len(line) for f in files for line in Path(f).read_bytes().splitlines(keepends=True))
    left = sum(sizes)
    for size in sizes:  # each range about what is left of the whole input over 4 (2 workers)
        assert size <= max(10_000, min(100_000, left // 4)) + slack
        left -= size
    assert sizes[-1] < 20_000 and sizes[0] > 90_000
    assert len(even) < len(tapered) <= len(even) + 12


def test_ranges_are_sized_so_every_worker_gets_several(tmp_path):
    """A 12 MB file is not three 4 MB ranges for two workers (one would idle for the last third);
    a big file keeps the largest ranges, a small one is not cut into crumbs."""
    path = tmp_path / "d.jsonl"
    for size, jobs, want in (
        (12_000_000, 2, 750_000),
        (1_000_000_000, 2, parallel.RANGE_BYTES),
        (4_000_000, 4, parallel.MIN_RANGE_BYTES),
    ):
        with open(path, "wb") as fh:
            fh.truncate(size)
        assert parallel.range_bytes([str(path)], jobs) == want


def test_standard_input_goes_through_chunks_with_the_same_result(planted, small_chunks):
    files, _ = planted
    data = files[1].read_bytes()
    one = run_cli("check", "-", "--jobs", "1", "--output-format", "json", stdin=data)
    two = run_cli("check", "-", "--jobs", "2", "--output-format", "json", stdin=data)
    assert one.code == two.code == 1 and one.json() == two.json() and len(one.json()) > 20


def test_small_inputs_run_serially():
    assert not parallel.wants_parallel([str(ROOT / "examples" / "seed_dialogue.jsonl")], 4)
    assert not parallel.wants_parallel([str(ROOT / "examples" / "seed_dialogue.jsonl")], 1)
    assert parallel.wants_parallel(["-"], 2) and not parallel.wants_parallel(["-"], None)


def test_cli_jobs_on_a_file_above_the_serial_threshold(tmp_path):
    """As a user runs it: a file of a few MB goes to worker processes by default (all cores)."""
    path = tmp_path / "big.jsonl"
    info = corpus.write_corpus(path, mb=parallel.SERIAL_BELOW_BYTES / 2**20 + 0.5, seed=5, plant_defects=True)
    assert info["bytes"] > parallel.SERIAL_BELOW_BYTES
    one = run_cli("check", path, "--jobs", "1", "--output-format", "json")
    two = run_cli("check", path, "--jobs", "2", "--output-format", "json")
    assert one.code == two.code == 1
    assert one.json() == two.json() and len(one.json()) > 50
    stats = run_cli("check", path, "--jobs", "2", "--statistics")
    assert stats.out == run_cli("check", path, "--jobs", "1", "--statistics").out


def test_cli_jobs_reports_a_missing_file_and_goes_on(planted, small_chunks, tmp_path):
    files, _ = planted
    res = run_cli("check", files[1], tmp_path / "nope.jsonl", "--jobs", "2", "--output-format", "json")
    assert res.code == 2 and "nope.jsonl" in res.err
    assert res.json() == [d.to_dict() for d in sftlint.lint(files[1])]


# -- Ray -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray", reason="the Ray tests need the sftlint[ray] extra")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.ray
@pytest.mark.slow
def test_ray_and_local_engines_agree_exactly(planted, ray_local, tmp_path):
    from sftlint.config import Settings
    from sftlint.engine import Engine
    from sftlint.run.ranges import plan_ranges
    from sftlint.run.ray_engine import ray_diagnostics

    files, _ = planted
    strs = [str(f) for f in files]
    local = sftlint.lint(files)
    assert {d.code[0] for d in local} == set("JSRKTD")  # every family found

    # cut the first file into several byte ranges, as a big file would be
    ranges = plan_ranges(strs, range_bytes=200_000)
    assert sum(r.path == strs[0] for r in ranges) >= 4
    on_ray = list(ray_diagnostics(Engine(Settings()), strs, range_bytes=200_000))
    assert on_ray == local

    # the public API, whole files per task, a glob as the source
    assert sftlint.lint_ray(str(files[0].parent / "*.jsonl")) == sftlint.lint(sorted(files))


@pytest.mark.ray
@pytest.mark.slow
def test_ray_cli_matches_local_cli(planted, ray_local):
    files, _ = planted
    local = run_cli("check", *files, "--output-format", "json", "--jobs", "1")
    remote = run_cli("check", *files, "--output-format", "json", "--engine", "ray")
    assert remote.code == local.code == 1
    assert remote.json() == local.json()
    counts = Counter(d["code"] for d in remote.json())
    assert counts["D001"] and counts["J001"] and counts["R003"] >= 1


@pytest.mark.ray
def test_ray_refuses_stdin_with_a_clear_error(ray_local):
    res = run_cli("check", "-", "--engine", "ray", stdin=b'{"messages": []}\n')
    assert res.code == 2 and "standard input needs the local engine" in res.err


def test_a_range_read_whole_gives_the_lines_and_counts_it_gives_streamed(tmp_path, monkeypatch):
    """RangeStream serves a range of up to WHOLE_RANGE_BYTES from memory: every range of a file
    of awkward lines (CRLF, blank, long, a last line without its newline) reads as the same
    lines, newline count and last byte as read from disk line by line, with and without a
    limit per line, the last range running to the end of the file."""
    from sftlint.run import ranges

    rng = random.Random(4)
    lines = [
        rng.choice([b"", b"\r", b"{}", b'{"a": "' + b"x" * rng.randint(0, 3000) + b'"}']) for _ in range(400)
    ]
    data = b"".join(line + rng.choice([b"\n", b"\r\n"]) for line in lines) + b'{"last": 1}'
    path = tmp_path / "awkward.jsonl"
    path.write_bytes(data)
    cuts = sorted(rng.sample(range(1, len(data)), 12))
    bounds = list(zip([0, *cuts], [*cuts, None], strict=True))

    def read(start, end, limit):
        with ranges.RangeStream(str(path), start, end) as stream:
            got = []
            while line := stream.readline(limit):
                got.append(line)
            return got, stream.newlines, stream.last

    for limit in (-1, 700):
        whole = [read(s, e, limit) for s, e in bounds]
        with monkeypatch.context() as m:
            m.setattr(ranges, "WHOLE_RANGE_BYTES", 0)
            streamed = [read(s, e, limit) for s, e in bounds]
        assert whole == streamed
        assert b"".join(b"".join(got) for got, _, _ in whole) == data
