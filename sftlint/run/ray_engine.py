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
   yielded, summaries merged into the rules' collectors (a piece per range, or
   appended one by one where a collector has no pieces), then
   :meth:`Engine.finish` runs the dataset rules' reduces.

Files must be readable at the same path on every Ray node (a shared or
network file system); a local run (the default, ``ray.init(num_cpus=...)``)
needs nothing else.
"""

from __future__ import annotations

import glob
import logging
import os
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sftlint.reader import DEFAULT_MAX_RECORD_BYTES, SourceError
from sftlint.run.ranges import (
    RANGE_BYTES,
    Range,
    apply_counts,
    count_range,
    lint_range,
    merge_range_result,
    plan_ranges,
)

if TYPE_CHECKING:
    from sftlint.config import Settings
    from sftlint.diagnostic import Diagnostic
    from sftlint.engine import Engine

_GLOB_CHARS = frozenset("*?[")


class RayUnavailable(RuntimeError):
    """Ray (the ``sftlint[ray]`` extra) is not installed."""


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


# -- work done on Ray ------------------------------------------------------------------


def _actor_class(settings: Settings, want_hashes: bool) -> type:
    """A Ray Data callable class holding one Engine per actor; the settings travel inside the
    class (a closure), not as constructor arguments in the object store."""

    class LintActor:
        def __init__(self) -> None:
            from sftlint.engine import Engine

            self.engine = Engine(settings, want_hashes=want_hashes)
            self.engine.keep_every_failure()  # the driver lists and counts them in order

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
