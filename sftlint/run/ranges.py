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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

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


# -- planning (driver) -------------------------------------------------------------


def _splittable(path: str) -> bool:
    if path == "-" or path.endswith((".gz", ".zst", ".parquet", ".arrow")) or not os.path.isfile(path):
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


def _next_cut(fh: Any, target: int, size: int) -> int | None:
    """The first safe cut at or after ``target``: right after a line that is a complete JSON
    value, with a non-blank line somewhere after it.  None when there is none near."""
    fh.seek(target)
    fh.readline()  # finish the line ``target`` falls in
    pos = fh.tell()
    cut: int | None = None
    while pos < size and pos - target < CUT_SEARCH_BYTES:
        line = fh.readline()
        if not line:
            return None
        pos += len(line)
        if cut is None:
            if line.endswith(b"\n") and _is_record_line(line):
                cut = pos
        elif line.strip():
            return cut  # content follows the cut
    return None


def plan_ranges(
    files: Sequence[str], range_bytes: int = RANGE_BYTES, limit: int | None = None
) -> list[Range]:
    """Ranges for ``files``, in file order; a JSONL file larger than ``range_bytes`` is cut."""
    limit = limit or DEFAULT_MAX_RECORD_BYTES
    ranges: list[Range] = []
    for path in files:
        size = os.path.getsize(path) if path != "-" and os.path.isfile(path) else 0
        if size <= range_bytes or not _splittable(path):
            ranges.append(Range(len(ranges), path, limit=limit))
            continue
        cuts = [0]
        with open(path, "rb") as fh:
            while True:
                cut = _next_cut(fh, cuts[-1] + range_bytes, size)
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


def _read_range(rng: Range) -> bytes:
    with open(rng.path, "rb") as fh:
        fh.seek(rng.start)
        return fh.read() if rng.end is None else fh.read(rng.end - rng.start)


def count_range(rng: Range, sample_size: int) -> dict[str, Any]:
    """Physical lines, record slots and the first parsed records of a JSONL byte range."""
    data = _read_range(rng)
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    records = 0
    sample: list[Any] = []
    for raw in read_jsonl(io.BytesIO(data), rng.path, rng.limit):
        if raw.index >= 0:
            records += 1
        if len(sample) < sample_size and raw.parsed and isinstance(raw.data, dict):
            sample.append(raw.data)
    return {"seq": rng.seq, "lines": lines, "records": records, "sample": sample}


def lint_range(engine: Engine, rng: Range) -> dict[str, Any]:
    """Diagnostics, dataset summaries, record count and errors of one range."""
    summaries: dict[str, list[Any]] = {code: [] for code in engine.summaries}
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
            stream = read_jsonl(
                io.BytesIO(_read_range(rng)), rng.path, rng.limit, rng.first_index, rng.first_line
            )
        for raw in stream:
            for d in engine.process(raw, state):
                if d.code not in ignored:
                    found.append(d)
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
    by_file: dict[str, list[Range]] = {}
    for r in cut:
        by_file.setdefault(r.path, []).append(r)
    for path, parts in by_file.items():
        line, index = 1, 0
        sample: list[Any] = []
        for r in parts:
            c = counts[r.seq]
            r.first_line, r.first_index = line, index
            line += c["lines"]
            index += c["records"]
            if len(sample) < sample_size:
                sample.extend(c["sample"][: sample_size - len(sample)])
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


def fold(engine: Engine, records: int, new_errors: list[str], summaries: dict[str, list[Any]]) -> None:
    """Add a piece of work done elsewhere (a chunk, a range) to the driving engine: its record
    count, its engine errors, and its dataset summaries, appended in order to the collectors."""
    engine.stats.records += records
    engine.errors.extend(new_errors)
    for code, items in summaries.items():
        collector = engine.summaries[code]
        for s in items:
            collector.append(s)


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
    return result["diagnostics"]
