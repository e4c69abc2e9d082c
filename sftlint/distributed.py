"""``sftlint check --engine ray``: the same rules on Ray Data, with the local engine's output.

Install with ``pip install 'sftlint[ray]'``.  Ray reads the files itself, as raw
bytes in line-aligned ranges, and parses them with sftlint's own reader (never
Ray's JSON reader, which aborts the whole job on one bad line): a broken line
is a J finding here exactly as it is locally.

How a run goes:

1. **Plan** (driver).  Each plain JSONL file is cut into byte ranges of about
   ``range_bytes`` (16 MiB).  A cut is placed only right after a line that is a
   complete JSON value and before more content, so no record, blank-line run or
   pretty-printed record straddles two ranges.  Other inputs (``.json`` arrays,
   ``.gz``, tiny files) are one range each.
2. **Count** (Ray tasks, files that were cut).  Each range is read with the
   reader and counted: physical lines, record slots, and its first parsed
   records (the sample for format detection).  The driver turns the counts into
   each range's first line and first record index, and detects each file's
   format with :meth:`Engine.start_file`, like the local engine.
3. **Lint** (Ray actors, each holding one :class:`Engine` built from the run's
   settings).  A range is read again, numbered from its offsets, and every
   record goes through :meth:`Engine.process`; a whole-file range goes through
   :meth:`Engine.start_file` first.  The actor returns the range's diagnostics,
   dataset summaries, record count and errors.
4. **Reduce** (driver).  Results are taken in range order: diagnostics are
   yielded, summaries appended to the rules' collectors, then
   :meth:`Engine.finish` runs the dataset rules' reduces.

Files must be readable at the same path on every Ray node (a shared or
network file system); a local run (the default, ``ray.init(num_cpus=...)``)
needs nothing else.
"""

from __future__ import annotations

import glob
import io
import logging
import os
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    from sftlint.config import Settings
    from sftlint.diagnostic import Diagnostic
    from sftlint.engine import Engine

#: Target size of a range of a JSONL file (one Ray task each).
RANGE_BYTES = 16 * 1024 * 1024
#: How far past a target cut the planner looks for a safe cut before giving up on it.
CUT_SEARCH_BYTES = 64 * 1024 * 1024
_GLOB_CHARS = frozenset("*?[")


class RayUnavailable(RuntimeError):
    """Ray (the ``sftlint[ray]`` extra) is not installed."""


@dataclass
class Range:
    """A piece of one file that one Ray task reads."""

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


# -- sources ---------------------------------------------------------------------


def expand_sources(source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[str]:
    """Paths from a path, a glob (``data/**/*.jsonl``), a directory, or a list of them."""
    from sftlint.files import expand_paths

    items = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    out: list[str] = []
    for item in items:
        text = os.fspath(item)
        if _GLOB_CHARS & set(text):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise SourceError(f"{text}: no file matches this pattern")
            out.extend(expand_paths(matches))
        elif os.path.isdir(text):
            out.extend(expand_paths([text]))
        else:
            out.append(text)
    return out


# -- planning (driver) -------------------------------------------------------------


def _splittable(path: str) -> bool:
    if path == "-" or path.endswith(".gz") or not os.path.isfile(path):
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


# -- work done on Ray ------------------------------------------------------------------


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
            state = engine.file_state(rng.path, rng.format)
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


def _actor_class(settings: Settings, want_hashes: bool) -> type:
    """A Ray Data callable class holding one Engine per actor; the settings travel inside the
    class (a closure), not as constructor arguments in the object store."""

    class LintActor:
        def __init__(self) -> None:
            from sftlint.engine import Engine

            self.engine = Engine(settings, want_hashes=want_hashes)

        def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
            import numpy as np

            seqs, results = [], []
            for blob in batch["spec"]:
                rng: Range = pickle.loads(blob)
                seqs.append(rng.seq)
                result = lint_range(self.engine, rng)
                results.append(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
            return {"seq": np.array(seqs, dtype=np.int64), "result": np.array(results, dtype=object)}

    return LintActor


def _count_batch(batch: dict[str, Any], sample_size: int) -> dict[str, Any]:
    import numpy as np

    seqs, results = [], []
    for blob in batch["spec"]:
        rng: Range = pickle.loads(blob)
        seqs.append(rng.seq)
        results.append(pickle.dumps(count_range(rng, sample_size)))
    return {"seq": np.array(seqs, dtype=np.int64), "result": np.array(results, dtype=object)}


# -- driver ----------------------------------------------------------------------------


def _ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise RayUnavailable(
            "--engine ray needs Ray Data: pip install 'sftlint[ray]' (that is, 'ray[data]')"
        ) from exc
    return ray


def _start(ray: Any, address: str | None, num_cpus: int | None) -> bool:
    """Initialise Ray unless it already is; True when this call started it."""
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {
        "include_dashboard": False,
        "logging_level": logging.WARNING,
        "log_to_driver": False,
    }
    if address or os.environ.get("RAY_ADDRESS"):
        ray.init(address=address, **kwargs)
    else:
        ray.init(num_cpus=num_cpus, **kwargs)
    return True


class _Quiet:
    """Ray's INFO/WARNING chatter (start-up notes, "execution finished", progress-bar notes)
    would land in the middle of sftlint's report on stderr: silenced for the run, then restored."""

    NAMES = ("ray", "ray.data", "ray._private", "ray.data._internal")

    def __init__(self) -> None:
        import logging

        self.saved = {}
        for name in self.NAMES:
            logger = logging.getLogger(name)
            self.saved[name] = logger.level
            logger.setLevel(logging.ERROR)

    def restore(self) -> None:
        import logging

        for name, level in self.saved.items():
            logging.getLogger(name).setLevel(level)


def _quiet_data_context(ray: Any) -> None:
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    for name in ("enable_progress_bars", "enable_operator_progress_bars"):
        if hasattr(ctx, name):
            setattr(ctx, name, False)
    if hasattr(ctx, "print_on_execution_start"):
        ctx.print_on_execution_start = False


def _dataset(ray: Any, ranges: Sequence[Range]) -> Any:
    items = [{"spec": pickle.dumps(r)} for r in ranges]
    return ray.data.from_items(items, override_num_blocks=max(1, len(items)))


def ray_diagnostics(
    engine: Engine,
    files: Sequence[str],
    errors: list[str] | None = None,
    on_error: Callable[[str], None] | None = None,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    range_bytes: int = RANGE_BYTES,
) -> Iterator[Diagnostic]:
    """Diagnostics of ``files`` linted on Ray, then the dataset reduces: the local engine's output.

    Ray is started locally with ``num_cpus`` (all cores when None) unless it is already
    initialised or ``address`` / ``RAY_ADDRESS`` names a cluster; a Ray started here is shut
    down at the end.  Unreadable files go to ``errors`` / ``on_error`` (or raise
    :class:`SourceError` when ``errors`` is None), as in the local engine.
    """
    from sftlint.engine import DETECT_SAMPLE
    from sftlint.parallel import merge_range_result

    ray = _ray()
    files = list(files)
    if "-" in files:
        raise SourceError("-: the Ray engine reads files; standard input needs the local engine")
    limit = engine.settings.max_record_bytes or DEFAULT_MAX_RECORD_BYTES
    for path in files:
        if not os.path.exists(path):
            raise SourceError(f"{path}: no such file or directory")
    ranges = plan_ranges(files, range_bytes, limit)
    quiet = _Quiet()
    started = _start(ray, address, num_cpus)
    try:
        _quiet_data_context(ray)
        _number_ranges(ray, engine, ranges, DETECT_SAMPLE)
        workers = max(1, min(len(ranges), int(ray.cluster_resources().get("CPU", 1))))
        ds = _lint_dataset(ray, engine, ranges, workers)
        pending: dict[int, dict[str, Any]] = {}
        next_seq = 0
        for row in ds.iter_rows():
            pending[int(row["seq"])] = pickle.loads(row["result"])
            while next_seq in pending:
                result = pending.pop(next_seq)
                rng = ranges[next_seq]
                next_seq += 1
                yield from merge_range_result(engine, rng, result, errors, on_error)
        if next_seq != len(ranges):  # pragma: no cover - Ray lost a range
            raise RuntimeError(f"Ray returned {next_seq} of {len(ranges)} ranges")
    finally:
        if started:
            ray.shutdown()
        quiet.restore()
    yield from engine.finish()


def _lint_dataset(ray: Any, engine: Engine, ranges: Sequence[Range], workers: int) -> Any:
    import warnings

    actor = _actor_class(engine.settings, engine.want_hashes)
    kwargs: dict[str, Any] = {
        "batch_size": 1,
        "compute": ray.data.ActorPoolStrategy(size=workers),
        "num_cpus": 1,
    }
    with warnings.catch_warnings():
        # ``max_restarts`` still goes through Ray's deprecated ``**ray_remote_args``.  With it, a
        # crashed actor fails the run instead of being restarted, and Ray does not log an error
        # about restarting actors whose constructor lives in the object store.
        warnings.simplefilter("ignore")
        try:
            return _dataset(ray, ranges).map_batches(actor, max_restarts=0, **kwargs)
        except TypeError:  # a Ray that no longer takes it
            return _dataset(ray, ranges).map_batches(actor, **kwargs)


def _number_ranges(ray: Any, engine: Engine, ranges: list[Range], sample_size: int) -> None:
    """Give the ranges of cut files their first line and record index, and their file's format."""
    cut = [r for r in ranges if not r.whole]
    if not cut:
        return
    counted = (
        _dataset(ray, cut)
        .map_batches(_count_batch, fn_kwargs={"sample_size": sample_size}, batch_size=1)
        .take_all()
    )
    counts = {int(row["seq"]): pickle.loads(row["result"]) for row in counted}
    apply_counts(engine, cut, counts, sample_size)


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


__all__ = [
    "RANGE_BYTES",
    "RayUnavailable",
    "apply_counts",
    "count_range",
    "expand_sources",
    "lint_range",
    "plan_ranges",
    "ray_diagnostics",
]
