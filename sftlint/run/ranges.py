"""Byte ranges of input files: the one planner that ``--jobs`` and the Ray engine share.

A plain JSONL file larger than a range is cut right after a line that is a complete
JSON value (so no record, blank-line run or pretty-printed record straddles two
ranges); other inputs are one range each.  Workers count each cut range's lines and
records (:func:`count_range`) so the driver can number them (:func:`apply_counts`),
then lint it (:func:`lint_range`); the driver folds each result back in order
(:func:`merge_range_result`).  Both back-ends import from here and never from each
other.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from sftlint.engine import DETECT_MAX_LINES
from sftlint.reader import (
    DEFAULT_MAX_RECORD_BYTES,
    SNIFF_BYTES,
    RawRecord,
    SourceError,
    read_jsonl,
    read_source,
    sniff_kind,
)

if TYPE_CHECKING:
    from sftlint.diagnostic import Diagnostic
    from sftlint.engine import Engine

#: Target size of a range of a JSONL file (one Ray task each).
RANGE_BYTES = 16 * 1024 * 1024
#: How far past a target cut the planner looks for a safe cut before giving up on it.
CUT_SEARCH_BYTES = 64 * 1024 * 1024


@dataclass
class Range:
    """A piece of one file that one worker (a process or a Ray task) reads."""

    seq: int
    path: str
    start: int = 0
    end: int | None = None  # None: to the end of the file
    whole: bool = True  # read with read_source (whole file) rather than as a JSONL byte range
    first_index: int = 0
    first_line: int = 1
    format: str | None = None
    limit: int = DEFAULT_MAX_RECORD_BYTES
    extra: dict[str, Any] = field(default_factory=dict)
    #: the dataset rules whose pieces bring their cache slots back (see :func:`caches_wanted`)
    bring_cache: tuple[str, ...] = ()


# -- planning (driver) -------------------------------------------------------------


def _splittable(path: str) -> bool:
    if (
        path == "-"
        or path.endswith((".gz", ".zst", ".parquet", ".arrow", ".csv", ".tsv"))
        or not os.path.isfile(path)
    ):
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return False
    return sniff_kind(head, path) == "jsonl"


def _is_record_line(line: bytes) -> bool:
    if not line.strip():
        return False
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


#: The planner reads at most this much of a line at once; a longer line is skipped in pieces.
READ_BYTES = 1 << 20


def _skip_line(fh: Any) -> int:
    """Read to the end of the current line in bounded pieces; return the bytes read."""
    total = 0
    while True:
        piece = fh.readline(READ_BYTES)
        total += len(piece)
        if not piece or piece.endswith(b"\n"):
            return total


def _next_cut(fh: Any, target: int, size: int) -> int | None:
    """The first safe cut at or after ``target``: right after a line that is a complete JSON
    value, with a non-blank line somewhere after it.  None when there is none near.

    Lines are read in pieces of at most :data:`READ_BYTES`: a line longer than that is never a
    cut (it is not checked whether it parses) and is never held whole in memory.
    """
    fh.seek(target)
    pos = target + _skip_line(fh)  # finish the line ``target`` falls in
    cut: int | None = None
    while pos < size and pos - target < CUT_SEARCH_BYTES:
        line = fh.readline(READ_BYTES)
        if not line:
            return None
        pos += len(line)
        long_line = not line.endswith(b"\n") and len(line) == READ_BYTES
        if long_line:
            pos += _skip_line(fh)
        if cut is None:
            if not long_line and line.endswith(b"\n") and _is_record_line(line):
                cut = pos
        elif line.strip():
            return cut  # content follows the cut
    return None


def plan_ranges(
    files: Sequence[str],
    range_bytes: int = RANGE_BYTES,
    limit: int | None = None,
    taper: tuple[int, int] | None = None,
) -> list[Range]:
    """Ranges for ``files``, in file order; a JSONL file larger than ``range_bytes`` is cut.

    ``taper``, ``(workers, least bytes)``: the ranges near the end of the input shrink, each
    about the bytes left from it to the end of the last file over twice the workers (not under
    the least bytes), so that the workers finish together: with equal ranges, one worker idles
    for half a range on average while the other checks the last one, and the reduces wait for
    both."""
    limit = limit or DEFAULT_MAX_RECORD_BYTES
    ranges: list[Range] = []
    sizes = [os.path.getsize(path) if path != "-" and os.path.isfile(path) else 0 for path in files]
    for k, (path, size) in enumerate(zip(files, sizes, strict=True)):
        if size <= range_bytes or not _splittable(path):
            ranges.append(Range(len(ranges), path, limit=limit))
            continue
        after = sum(sizes[k + 1 :])
        cuts = [0]
        with open(path, "rb") as fh:
            while True:
                step = range_bytes
                if taper is not None:
                    workers, least = taper
                    step = max(least, min(range_bytes, (size - cuts[-1] + after) // (2 * workers)))
                cut = _next_cut(fh, cuts[-1] + step, size)
                if cut is None or cut >= size:
                    break
                cuts.append(cut)
        if len(cuts) == 1:
            ranges.append(Range(len(ranges), path, limit=limit))
            continue
        ends = [*cuts[1:], None]
        for start, end in zip(cuts, ends, strict=True):
            ranges.append(Range(len(ranges), path, start, end, whole=False, limit=limit))
    return ranges


# -- reading and linting one range (in a worker) -------------------------------------


#: A range up to this size is read whole into memory (``--jobs`` ranges are 4 MB, Ray's 16 MB).
WHOLE_RANGE_BYTES = 32 * 1024 * 1024


class RangeStream:
    """The bytes ``[start, end)`` of a file as a binary stream (``read``, ``readline``); it
    counts the newlines it hands out so a range's physical lines are known once it has been
    read.  A range of at most :data:`WHOLE_RANGE_BYTES` is read whole at once and served by an
    in-memory buffer (its newlines counted then, all of them): the reader asks for every line
    by itself, and a Python ``readline`` that capped and counted each one cost a ``--jobs``
    run about 0.2 s of CPU per 100 MB over the serial run's plain file.  A longer one (a cut
    the planner could not make) is read from disk as the reader asks, never whole."""

    def __init__(self, path: str, start: int, end: int | None) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._fh.seek(start)
        self._left = None if end is None else end - start
        self.newlines = 0
        self.last = b""
        size = (os.fstat(self._fh.fileno()).st_size if end is None else end) - start
        if size <= WHOLE_RANGE_BYTES:
            data = self._fh.read(max(0, size))
            self.newlines = data.count(b"\n")
            self.last = data[-1:]
            buffer = io.BytesIO(data)
            self.read, self.readline = buffer.read, buffer.readline  # type: ignore[method-assign]

    def _take(self, data: bytes) -> bytes:
        if self._left is not None:
            self._left -= len(data)
        if data:
            self.newlines += data.count(b"\n")
            self.last = data[-1:]
        return data

    def _cap(self, n: int) -> int:
        if self._left is None:
            return n
        return min(n, self._left) if n >= 0 else self._left

    def read(self, n: int = -1) -> bytes:
        return self._take(self._fh.read(self._cap(n)))

    def readline(self, limit: int = -1) -> bytes:
        return self._take(self._fh.readline(self._cap(limit)))

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> RangeStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def count_range(rng: Range, sample_size: int) -> dict[str, Any]:
    """Physical lines, record slots and the first parsed records of a JSONL byte range."""
    records = 0
    sample: list[Any] = []
    taken = {dict: 0, list: 0}  # objects, and arrays (message-list files): each type's first records
    with RangeStream(rng.path, rng.start, rng.end) as stream:
        for raw in read_jsonl(stream, rng.path, rng.limit):  # type: ignore[arg-type]
            if raw.index >= 0:
                records += 1
                kind = type(raw.data) if raw.parsed else None
                if kind in taken and taken[kind] < sample_size:
                    taken[kind] += 1
                    sample.append((raw.line, raw.data))  # the line is relative to the range's start
        lines = stream.newlines + (0 if stream.last in (b"\n", b"") else 1)
    return {"seq": rng.seq, "lines": lines, "records": records, "sample": sample}


def fresh_pieces(engine: Engine) -> dict[str, Any]:
    """Empty containers for the dataset summaries of one piece of work (a range, a chunk) in a
    worker: per rule, its collector's :meth:`piece` where the collector has one (the main
    process then folds the piece with one ``merge``), else a plain list (its items are appended
    to the collector one by one: a third-party collector that only has ``append``).

    The makers are taken once from the engine's own collectors (``Rule.collector()`` may reset
    per-run state of the rule, D004's prompts sent, and must not run per range)."""
    makers = getattr(engine, "_piece_makers", None)
    if makers is None:
        makers = {code: getattr(coll, "piece", list) for code, coll in engine.summaries.items()}
        engine._piece_makers = makers  # type: ignore[attr-defined]
    return {code: make() for code, make in makers.items()}


def caches_wanted(engine: Engine) -> tuple[str, ...]:
    """The dataset rules whose collector in the driving engine still wants what a range's piece
    holds only to spare work (its ``cache_slots``: D002's turns of the first records), asked
    as each range is sent (:attr:`Range.bring_cache`): the run's first ranges bring it, so the
    reduce has what a serial run would have kept."""
    return tuple(
        code
        for code, coll in engine.summaries.items()
        if (wants := getattr(coll, "wants_cache", None)) is not None and wants()
    )


def lint_range(engine: Engine, rng: Range) -> dict[str, Any]:
    """Diagnostics, dataset summaries, record count and errors of one range."""
    summaries = fresh_pieces(engine)
    for code in rng.bring_cache:
        bring = getattr(summaries.get(code), "bring_cache", None)
        if bring is not None:  # (a collector that wants its cache but has no pieces gets none)
            bring()
    engine.summaries = summaries
    errors_before = len(engine.errors)
    records_before = engine.stats.records
    found: list[Diagnostic] = []
    source_error = None
    ignored = engine._ignored_for(rng.path)
    try:
        if rng.whole:
            state, stream = engine.start_file(read_source(rng.path, rng.limit), rng.path)
        else:
            # the first range holds the file's first record (S001 reports an unrecognised file there)
            state = engine.file_state(rng.path, rng.format, None if rng.first_index == 0 else -1)
            range_stream = RangeStream(rng.path, rng.start, rng.end)
            stream = read_jsonl(
                range_stream,  # type: ignore[arg-type]
                rng.path,
                rng.limit,
                rng.first_index,
                rng.first_line,
            )
        try:
            for raw in stream:
                for d in engine.process(raw, state):
                    if d.code not in ignored:
                        found.append(d)
        finally:
            if not rng.whole:
                range_stream.close()
    except SourceError as exc:
        source_error = str(exc)
    new_errors = engine.errors[errors_before:]
    del engine.errors[errors_before:]
    return {
        "diagnostics": found,
        "summaries": summaries,
        "records": engine.stats.records - records_before,
        "errors": new_errors,
        "source_error": source_error,
    }


def apply_counts(
    engine: Engine, cut: Sequence[Range], counts: dict[int, dict[str, Any]], sample_size: int
) -> None:
    """Number the ranges of cut files from their counts (:func:`count_range`, by ``seq``), and
    detect each such file's format on its first records with the local engine's own detection.
    Shared by the Ray engine and ``--jobs``."""
    # the ranges of each file as named, in order: a file named twice is numbered from its
    # first line each time, as the serial run reads it twice (not on from the first reading)
    by_file: list[tuple[str, list[Range]]] = []
    for r in cut:
        if r.start == 0 or not by_file or by_file[-1][0] != r.path:
            by_file.append((r.path, []))
        by_file[-1][1].append(r)
    for path, parts in by_file:
        line, index = 1, 0
        sample: list[Any] = []
        taken = {dict: 0, list: 0}
        for r in parts:
            c = counts[r.seq]
            r.first_line, r.first_index = line, index
            for rel, data in c["sample"]:  # what the serial run samples: see Engine.start_file
                kind = type(data)
                if taken[kind] < sample_size and line + rel - 1 <= DETECT_MAX_LINES:
                    taken[kind] += 1
                    sample.append(data)
            line += c["lines"]
            index += c["records"]
        state, _ = engine.start_file(
            (RawRecord(path, i, 0, 0, None, d, True) for i, d in enumerate(sample)), path
        )
        for r in parts:
            r.format = state.info.format


# -- folding results into the driving engine ---------------------------------------


def report_source_error(
    message: str, errors: list[str] | None, on_error: Callable[[str], None] | None
) -> None:
    """A file that cannot be read: raised for the Python API (``errors`` None), else listed
    and passed to ``on_error`` (the CLI prints it) while the run goes on."""
    if errors is None:
        raise SourceError(message)
    errors.append(message)
    if on_error is not None:
        on_error(message)


def lint_file(
    engine: Engine, path: str, errors: list[str] | None, on_error: Callable[[str], None] | None
) -> Iterator[Diagnostic]:
    """One file linted in this process, without the codes its per-file ignores name (the serial
    run's step for each file)."""
    ignored = engine._ignored_for(path)
    try:
        for d in engine.lint_path(path):
            if d.code not in ignored:
                yield d
    except SourceError as exc:
        report_source_error(str(exc), errors, on_error)


def fold(engine: Engine, records: int, new_errors: list[str], summaries: dict[str, Any]) -> None:
    """Add a piece of work done elsewhere (a chunk, a range) to the driving engine: its record
    count, its engine errors, and its dataset summaries (pieces, in order: see
    :func:`fresh_pieces`): a collector's piece merged at once, a list appended item by item."""
    engine.stats.records += records
    engine.errors.extend(new_errors)
    for code, items in summaries.items():
        collector = engine.summaries[code]
        if type(items) is not list:
            collector.merge(items)
            continue
        append = collector.append
        for s in items:
            append(s)


def merge_range_result(
    engine: Engine,
    rng: Any,
    result: dict[str, Any],
    errors: list[str] | None,
    on_error: Callable[[str], None] | None,
) -> list[Diagnostic]:
    """Fold one range's :func:`lint_range` result into the driving engine
    and return its diagnostics (``--jobs`` and Ray alike)."""
    if rng.whole:
        engine.stats.files += 1
    if result["source_error"] is not None:
        report_source_error(result["source_error"], errors, on_error)
    fold(engine, result["records"], result["errors"], result["summaries"])
    return engine.admitted(result["diagnostics"])
