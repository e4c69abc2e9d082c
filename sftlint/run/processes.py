"""``--jobs N``: records checked in worker processes, with the serial run's exact output.

Files are cut into byte ranges that the workers read themselves (the ranges of
:mod:`sftlint.run.ranges`, which the Ray engine uses too): a plain JSONL file
larger than :data:`RANGE_BYTES` is cut right after complete records, each
range's lines and records are counted first (so every range knows its first
line and record index, and the file's format is detected on its first records
in the main process, with the one detector; where processes fork, by counters
forked before the main process warms up, see :class:`_Counters`), then the
workers lint the ranges.  The main
process reads nothing itself: it takes the ranges' results back in order,
merges each range's dataset summaries into the rules' collectors (one
``merge`` per range and rule where the collector has pieces, see
:meth:`Rule.collector`), and runs the reduces.
So the workers have the machine's cores to themselves, and ``--jobs N``
yields the same diagnostics, in the same order, as ``--jobs 1``.

Standard input cannot be cut into ranges; it takes the *chunked* scheme.
The main process reads the input with the one reader (:func:`read_source`)
and detects its input format with the one detector (:meth:`Engine.start_file`),
so record numbering, line numbers and read problems are the serial run's by
construction.  It ships *chunks* of raw records to a pool of worker processes:
a line that parsed travels as ``(index, line, bytes)`` and is parsed again in
the worker (cheaper than pickling the parsed object); anything else (a read
problem, a record of a JSON array) travels as the :class:`RawRecord` itself.

Each worker builds one :class:`Engine` from the run's settings and runs
:meth:`Engine.process` on each record: the file and record rules and the maps
of the dataset rules.  It sends back the chunk's diagnostics, the dataset
summaries, how many records it saw, and any engine errors.  The main process
yields chunk results strictly in submission order, merges the summaries into
the rules' collectors in that order (pieces, as for ranges), and finally runs :meth:`Engine.finish`
(the reduces, which may spread their work over processes again: see :func:`lent_pool`).  So
``--jobs N`` yields the same diagnostics, in the same order, as ``--jobs 1``.

Memory stays flat in both schemes: at most ``IN_FLIGHT_PER_JOB * jobs``
ranges or chunks are in flight, and what the main process keeps is only the
dataset rules' compact summaries.

Small inputs run serially (see :func:`wants_parallel`): starting processes
and loading the rules' models in each costs more than it saves, and a
pre-commit run over a few files must stay fast.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from sftlint.reader import DEFAULT_MAX_RECORD_BYTES, RawRecord, SourceError, read_source
from sftlint.run.ranges import (
    apply_counts,
    caches_wanted,
    count_range,
    fold,
    fresh_pieces,
    lint_file,
    lint_range,
    merge_range_result,
    plan_ranges,
    report_source_error,
)
from sftlint.transport import pack_diagnostics, unpack_diagnostics

if TYPE_CHECKING:
    from concurrent.futures import Future

    from sftlint.config import Settings
    from sftlint.diagnostic import Diagnostic
    from sftlint.engine import Engine
    from sftlint.results_cache import FileResults

#: Largest byte range a worker reads (a file smaller than a range is one range).
RANGE_BYTES = 4 * 1024 * 1024
#: Smallest range the planner cuts, and how many ranges it aims at per worker: a 12 MB file in
#: 4 MB ranges gives two workers three ranges, and one of them idles for the last third.
MIN_RANGE_BYTES = 512 * 1024
RANGES_PER_JOB = 8
#: Below this much input (bytes, all files together) ``--jobs`` runs serially.
SERIAL_BELOW_BYTES = 4 * 1024 * 1024
#: A chunk closes at this many bytes of records or this many records, whichever comes first.
CHUNK_BYTES = 1024 * 1024
CHUNK_RECORDS = 2000
#: Chunks in flight per worker (queued plus running): enough to keep workers busy, few enough
#: to keep memory flat.
IN_FLIGHT_PER_JOB = 3
#: ``.gz`` inputs count this many times their size when deciding whether the input is small.
GZ_RATIO = 5


#: The pool of the ``--jobs`` run whose dataset reduces are running (None once it is shut
#: down), and its size.
_LENT: list[tuple[Any, int]] = []


def lent_pool() -> tuple[Any, int] | None:
    """``(pool, n)`` while a ``--jobs`` run's dataset reduces run, else None: a reduce whose work
    splits into independent tasks (D002's exact verification of candidate pairs) spreads them
    over ``n`` processes instead of running them in the main process after everything else.

    Where processes fork, ``pool`` is None: the workers have been shut down, and the reduce
    forks ``n`` processes of its own (:func:`sftlint.run.forked.forked_map`), which inherit
    what the main process holds instead of being sent it.  Elsewhere ``pool`` is the workers'
    executor, idle by then, and a task carries what it needs."""
    return _LENT[-1] if _LENT else None


def _finish_with(engine: Engine, pool: Any, n: int) -> Iterator[Diagnostic]:
    """:meth:`Engine.finish` with ``pool`` lent to the reduces (shut down first where processes
    fork: the reduces fork their own, and the pool's threads must be gone before they do)."""
    if _forks():
        pool.shutdown(wait=True)
        pool = None
    _LENT.append((pool, n))
    try:
        yield from engine.finish()
    finally:
        _LENT.pop()


def default_jobs() -> int:
    """All the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_jobs(jobs: int | None) -> int:
    """``None`` or ``0`` (or less) mean all cores."""
    if jobs is None or jobs <= 0:
        return default_jobs()
    return jobs


def input_size(files: Sequence[str]) -> int | None:
    """Bytes of input (``.gz`` counted as uncompressed, roughly), None when unknown (stdin)."""
    total = 0
    for path in files:
        if path == "-":
            return None
        try:
            size = os.path.getsize(path)
        except OSError:
            continue  # reported when read
        total += size * GZ_RATIO if path.endswith(".gz") else size
    return total


def wants_parallel(files: Sequence[str], jobs: int | None) -> bool:
    """Whether worker processes pay off: more than one job and more than a few MB of input.

    Standard input (size unknown) goes parallel only when ``jobs`` was given explicitly.
    """
    if resolve_jobs(jobs) <= 1:
        return False
    size = input_size(files)
    if size is None:
        return jobs is not None and jobs > 1
    return size >= SERIAL_BELOW_BYTES


# -- worker side -------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(settings: Settings, want_hashes: bool) -> None:
    import signal

    from sftlint.engine import Engine

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    _WORKER["engine"] = Engine(settings, want_hashes=want_hashes)
    _WORKER["engine"].keep_every_failure()  # the main process lists and counts them in order
    _WORKER["states"] = {}


def _unpack(path: str, item: Any) -> RawRecord:
    if type(item) is tuple:
        index, line, data = item
        return RawRecord(path, index, line, line, None, orjson.loads(data), True, 1, (), data)
    return item


def _run_chunk(
    path: str, format_name: str | None, items: list[Any], first_record: int | None = -1
) -> tuple[Any, ...]:
    """Process one chunk in a worker: (diagnostics, summaries by rule, records seen, new errors)."""
    engine: Engine = _WORKER["engine"]
    key = (path, format_name)
    state = _WORKER["states"].get(key)
    if state is None:
        state = _WORKER["states"][key] = engine.file_state(path, format_name, first_record)
    summaries = fresh_pieces(engine)
    engine.summaries = summaries
    errors_before = len(engine.errors)
    records_before = engine.stats.records
    ignored = state.ignored
    found: list[Diagnostic] = []
    for item in items:
        raw = _unpack(path, item)
        for d in engine.process(raw, state):
            if d.code not in ignored:
                found.append(d)
    new_errors = engine.errors[errors_before:]
    del engine.errors[errors_before:]
    return found, summaries, engine.stats.records - records_before, new_errors


def _count_task(rng: Any, sample_size: int) -> dict[str, Any]:

    return count_range(rng, sample_size)


def _lint_task(rng: Any) -> dict[str, Any]:
    """:func:`lint_range` in a worker, its diagnostics packed as the results cache stores them
    (the main process then writes the bytes as they are: see :func:`_ranged`).

    A dataset rule may keep per-run state in its map (D004 sends each prompt's text once per
    process), reset by its ``collector()``: it is reset whenever the worker moves to another
    file, so what a file's ranges give the dataset rules never leans on another file this
    worker read before (the results cache stores each file's summaries on their own)."""
    engine = _WORKER["engine"]
    last = _WORKER.get("path")
    if last != rng.path:
        if last is not None:
            for rule in engine.dataset_rules:
                rule.collector()
        _WORKER["path"] = rng.path
    result = lint_range(engine, rng)
    result["diagnostics"] = pack_diagnostics(result["diagnostics"])
    return result


# -- main side ---------------------------------------------------------------------


def _pack(raw: RawRecord) -> tuple[Any, int]:
    """What travels to a worker for ``raw``, and its size in bytes (roughly)."""
    data = raw.raw_bytes
    if (
        raw.parsed
        and not raw.problems
        and data is not None
        and raw.text is None
        and raw.line == raw.end_line
        and raw.column == 1
        and raw.offset < 0
    ):
        return (raw.index, raw.line, data), len(data)
    text = raw.text or ""
    return raw, len(text) * 3 + len(data or b"") + 64


def parallel_diagnostics(
    engine: Engine,
    files: Sequence[str],
    jobs: int | None,
    errors: list[str] | None = None,
    on_error: Callable[[str], None] | None = None,
    stored: FileResults | None = None,
    packed_sink: Callable[[bytes, int], None] | None = None,
) -> Iterator[Diagnostic]:
    """Diagnostics of ``files`` checked by ``jobs`` worker processes, then the dataset reduces.

    Yields exactly what the serial run yields (for each file ``engine.lint_path`` without the
    file's ignored codes, then ``engine.finish()``).  A file that cannot be opened is appended to
    ``errors`` and passed to ``on_error`` (the CLI prints it), or raised as :class:`SourceError`
    when ``errors`` is None (the Python API).  Runs serially when :func:`wants_parallel` says so.

    With ``stored`` (the CLI's results cache, :class:`sftlint.results_cache.FileResults`), a file
    whose own entry is there is replayed in its place instead of linted, and the files linted
    are stored (:mod:`sftlint.run.stored_files`); only the files to lint count for going parallel.
    ``packed_sink(payload, count)`` (the run's entry in the results cache,
    :meth:`~sftlint.results_cache.EntryWriter.add_packed`) is handed each range's diagnostics as
    the worker packed them, just before they are yielded.
    """
    # the files with an entry (each verified when its turn comes: see replay_or_lint)
    cached: set[str] = set()
    if stored is not None:
        # (a file named twice is linted twice: an entry is read once)
        named = Counter(files)
        cached = {p for p, n in named.items() if n == 1 and stored.has(p)}
    to_lint = [path for path in files if path not in cached]
    if not to_lint or not wants_parallel(to_lint, jobs):
        yield from _serial(engine, files, errors, on_error, stored, cached, packed_sink)
    elif "-" in files:
        yield from _chunked(engine, files, resolve_jobs(jobs), errors, on_error)
    else:
        yield from _ranged(engine, files, resolve_jobs(jobs), errors, on_error, stored, cached, packed_sink)


def _ranged(
    engine: Engine,
    files: Sequence[str],
    n: int,
    errors: list[str] | None,
    on_error: Callable[[str], None] | None,
    stored: FileResults | None = None,
    cached: set[str] | None = None,
    packed_sink: Callable[[bytes, int], None] | None = None,
) -> Iterator[Diagnostic]:
    """Workers read, count and lint byte ranges of the files; results come back in range order.
    Files in ``cached`` are replayed at their place in the order instead (see
    :func:`parallel_diagnostics`)."""
    from sftlint.engine import DETECT_SAMPLE

    cached = cached or set()
    if stored is not None:
        from sftlint.run.stored_files import RangedFile, replay_or_lint
    limit = engine.settings.max_record_bytes or DEFAULT_MAX_RECORD_BYTES
    # the files in order, each either to replay or to lint; a linted file's ranges arrive in order
    slots = deque(files)
    files = [path for path in files if path not in cached]
    ranges = plan(files, n, limit)
    cut = [r for r in ranges if not r.whole]
    storing = None  # the stored entry of the file whose ranges are being folded
    # the cut ranges are counted while the main process warms up (see _Counters)
    counters = _Counters(cut, n) if cut and _forks() else None
    try:
        pool = _pool(engine, n, files)
    except BaseException:
        if counters is not None:
            counters.stop()
        raise
    try:
        if cut:
            counts = counters.collect() if counters is not None else {}
            missing = [r for r in cut if r.seq not in counts]
            if missing:  # no counters (not forking), or one failed: the pool counts
                counted = pool.map(_count_task, missing, [DETECT_SAMPLE] * len(missing))
                counts.update({r.seq: c for r, c in zip(missing, counted, strict=True)})
            apply_counts(engine, cut, counts, DETECT_SAMPLE)
        in_flight: deque[tuple[Any, Future]] = deque()
        max_in_flight = IN_FLIGHT_PER_JOB * n
        pending = iter(ranges)

        def fill() -> None:
            while len(in_flight) < max_in_flight:
                rng = next(pending, None)
                if rng is None:
                    return
                rng.bring_cache = caches_wanted(engine)
                in_flight.append((rng, pool.submit(_lint_task, rng)))

        fill()
        while in_flight:
            rng, future = in_flight.popleft()
            result = future.result()
            fill()
            if rng.whole or rng.start == 0:  # a file's first range: replay the stored files before it
                if storing is not None:
                    storing.commit()
                    storing = None
                while slots and slots[0] in cached:
                    path = slots.popleft()
                    yield from replay_or_lint(engine, path, stored, errors, on_error, packed_sink)
                slots.popleft()
                if stored is not None:
                    storing = RangedFile(stored.writer(rng.path))
            packed = result["diagnostics"]
            result["diagnostics"] = unpack_diagnostics(packed)
            if storing is not None:
                storing.add(result, packed)
            count = len(result["diagnostics"])
            found = merge_range_result(engine, rng, result, errors, on_error)
            if packed_sink is not None:
                # (a failure a worker listed past the run's first few is not reported, and the
                # run, which has failed, is not stored: then the count is not the bytes')
                packed_sink(packed, count if len(found) == count else -1)
            if engine.progress is not None:
                engine.progress(_range_size(rng))
            yield from found
        if storing is not None:
            storing.commit()
            storing = None
        for path in slots:  # the stored files after the last linted one
            if path in cached:
                yield from replay_or_lint(engine, path, stored, errors, on_error, packed_sink)
        yield from _finish_with(engine, pool, n)
    finally:
        if storing is not None:
            storing.abort()  # cut short: the file was not folded whole
        if counters is not None:
            counters.stop()
        pool.shutdown(wait=True, cancel_futures=True)


def plan(files: Sequence[str], jobs: int, limit: int) -> list[Any]:
    """The ranges ``jobs`` workers check: about RANGES_PER_JOB each (:func:`range_bytes`), the
    last ones tapering down to MIN_RANGE_BYTES so that the workers finish together."""
    return plan_ranges(files, range_bytes(files, jobs), limit, taper=(jobs, MIN_RANGE_BYTES))


def range_bytes(files: Sequence[str], jobs: int) -> int:
    """Range size for ``jobs`` workers: about RANGES_PER_JOB ranges each, within the bounds."""
    total = input_size(files) or 0
    return max(MIN_RANGE_BYTES, min(RANGE_BYTES, total // (jobs * RANGES_PER_JOB)))


def _forks() -> bool:
    """Whether new processes are forked from this one (they inherit what it has loaded)."""
    import multiprocessing

    return multiprocessing.get_start_method() == "fork"


class _Counters:
    """The cut ranges counted (:func:`count_range`) by ``n`` processes forked *before* the main
    process warms up (:func:`_warm_up`), so that the count, a full parse of the input, runs
    while the main process loads what the rules use, instead of after it in the pool.  (The
    pool's workers must be forked after the warm-up to inherit it, so they cannot count
    meanwhile.)  Each counter takes every ``n``-th range and sends back its counts through a
    pipe when done; :meth:`collect` gives the counts by ``seq``, leaving out the ranges of a
    counter that failed (the pool counts those)."""

    def __init__(self, cut: Sequence[Any], n: int) -> None:
        from sftlint.engine import DETECT_SAMPLE
        from sftlint.run.forked import fork_with_pipe

        self._running: list[tuple[Any, Any]] = []
        for k in range(min(n, len(cut))):
            started = fork_with_pipe(_count_share, cut[k::n], DETECT_SAMPLE)
            if started is not None:  # (else the pool counts these ranges)
                self._running.append(started)

    def collect(self) -> dict[int, dict[str, Any]]:
        counts: dict[int, dict[str, Any]] = {}
        for proc, receive in self._running:
            try:
                for c in receive.recv():
                    counts[c["seq"]] = c
            except (EOFError, OSError):  # the counter died: its ranges are left to the pool
                pass
            finally:
                receive.close()
                proc.join()
        self._running = []
        return counts

    def stop(self) -> None:
        """End the counters (the run stopped before it needed their counts)."""
        for proc, receive in self._running:
            receive.close()
            proc.kill()
            proc.join()
        self._running = []


def _count_share(share: list[Any], sample_size: int, send: Any) -> None:
    """A counter's work (in its own forked process): count ``share`` and send the counts."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    try:
        send.send([count_range(rng, sample_size) for rng in share])
    except Exception:  # nothing sent: the pool counts these ranges and meets the error itself
        pass
    finally:
        send.close()


def _pool(engine: Engine, n: int, files: Sequence[str] = ()) -> Any:
    """``n`` worker processes, each with an engine built from the run's settings."""
    from concurrent.futures import ProcessPoolExecutor  # not imported by small serial runs

    if _forks():
        _warm_up(engine, files)
    return ProcessPoolExecutor(
        max_workers=n, initializer=_init_worker, initargs=(engine.settings, engine.want_hashes)
    )


#: Records the main process checks, with an engine of its own, before it forks the workers.
WARM_RECORDS = 64


def _warm_up(engine: Engine, files: Sequence[str]) -> None:
    """Check the first :data:`WARM_RECORDS` records of the first file with a throwaway engine
    (the run's settings, its results dropped), so that what the rules load on first use (numpy
    for D002, the text analysis modules, T001's model) is loaded once, here, and every forked
    worker inherits it instead of loading it again.

    Only module-level state carries over: each worker still builds its own engine and rules
    (rule instances may hold per-run state, D004's prompts sent), so the results cannot depend
    on this.  Anything that goes wrong here is left for the real run to meet and report."""
    from sftlint.engine import Engine

    path = next((f for f in files if f != "-" and os.path.isfile(f)), None)
    if path is None:
        return
    raws: Any = None
    try:
        warm = Engine(engine.settings, want_hashes=engine.want_hashes)
        warm.keep_every_failure()
        raws = read_source(path, engine.settings.max_record_bytes or DEFAULT_MAX_RECORD_BYTES)
        state, stream = warm.start_file(raws, path)
        for i, raw in enumerate(stream):
            if i >= WARM_RECORDS:
                break
            warm.process(raw, state)
    except Exception:  # the workers will meet it again and report it
        pass
    finally:
        close = getattr(raws, "close", None)
        if close is not None:
            close()


def _range_size(rng: Any) -> int:
    if rng.end is not None:
        return rng.end - rng.start
    try:
        return os.path.getsize(rng.path) - rng.start
    except OSError:
        return 0


def _chunked(
    engine: Engine,
    files: Sequence[str],
    n: int,
    errors: list[str] | None,
    on_error: Callable[[str], None] | None,
) -> Iterator[Diagnostic]:
    """The main process reads (standard input among the files); workers lint chunks of records."""
    limit = engine.settings.max_record_bytes or DEFAULT_MAX_RECORD_BYTES
    in_flight: deque[Future] = deque()
    max_in_flight = IN_FLIGHT_PER_JOB * n
    pool = _pool(engine, n)
    try:

        def drain_one() -> list[Diagnostic]:
            found, summaries, records, new_errors = in_flight.popleft().result()
            fold(engine, records, new_errors, summaries)
            return engine.admitted(found)

        for path in files:
            try:
                raws = read_source(
                    path,
                    limit,
                    progress=engine.progress,
                    stdin_names=engine.stdin_names(),
                    name=engine.display_path(path),
                )
                state, stream = engine.start_file(raws, path)
            except SourceError as exc:
                report_source_error(str(exc), errors, on_error)
                continue
            fmt = state.info.format
            first = state.info.first_record
            batch: list[Any] = []
            size = 0
            for raw in stream:
                item, n_bytes = _pack(raw)
                batch.append(item)
                size += n_bytes
                if size >= CHUNK_BYTES or len(batch) >= CHUNK_RECORDS:
                    while len(in_flight) >= max_in_flight:
                        yield from drain_one()
                    in_flight.append(pool.submit(_run_chunk, path, fmt, batch, first))
                    batch, size = [], 0
            if batch:
                while len(in_flight) >= max_in_flight:
                    yield from drain_one()
                in_flight.append(pool.submit(_run_chunk, path, fmt, batch, first))
        while in_flight:
            yield from drain_one()
        yield from _finish_with(engine, pool, n)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _serial(
    engine: Engine,
    files: Sequence[str],
    errors: list[str] | None,
    on_error: Callable[[str], None] | None,
    stored: FileResults | None = None,
    cached: set[str] | None = None,
    packed_sink: Callable[[bytes, int], None] | None = None,
) -> Iterator[Diagnostic]:
    """The serial run (the reference the parallel one reproduces); files in ``cached`` are
    replayed, and with ``stored`` the others are stored as they are linted (their packed
    diagnostics handed to ``packed_sink`` too)."""
    if stored is not None:
        from sftlint.run.stored_files import lint_file_storing, replay_or_lint
    for path in files:
        if cached and path in cached:
            yield from replay_or_lint(engine, path, stored, errors, on_error, packed_sink)
            continue
        writer = stored.writer(path) if stored is not None else None
        if writer is not None:
            yield from lint_file_storing(engine, path, writer, errors, on_error, packed_sink)
            continue
        yield from lint_file(engine, path, errors, on_error)
    yield from engine.finish()


__all__ = ["default_jobs", "lent_pool", "parallel_diagnostics", "resolve_jobs", "wants_parallel"]
