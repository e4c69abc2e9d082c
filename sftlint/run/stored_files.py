"""One file's findings and dataset summaries, replayed from the results cache or stored there.

The results cache (:mod:`sftlint.results_cache`) answers an unchanged run whole.  When some files
of a run changed, the run's key misses; this module lets the others be answered from their own
entries while the changed ones are linted.  A file's part of a run is what one ``--jobs`` worker
returns for it (:func:`sftlint.run.ranges.lint_range`): its diagnostics, the summaries its
records gave the dataset rules (a piece per rule, :func:`~sftlint.run.ranges.fresh_pieces`) and
its record count.  Replaying a file folds its pieces into the run's collectors exactly as the
main process folds a worker's, so the dataset rules' reduces see every file and report across
them as in a run that linted everything.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from sftlint.engine import INTERNAL_CODE
from sftlint.reader import SourceError
from sftlint.results_cache import _BATCH, BATCH, CachedRun, EntryWriter
from sftlint.run.ranges import fold, fresh_pieces, lint_file, report_source_error
from sftlint.transport import pack_diagnostics

if TYPE_CHECKING:
    from sftlint.diagnostic import Diagnostic
    from sftlint.engine import Engine
    from sftlint.results_cache import FileResults


def replay_or_lint(
    engine: Engine,
    path: str,
    stored: FileResults,
    errors: list[str] | None,
    on_error: Callable[[str], None] | None,
    packed_sink: Callable[[bytes, int], None] | None = None,
) -> Iterator[Diagnostic]:
    """A file that had an entry when the run was planned: replayed from it, or, when the entry
    is gone or damaged by now (another run pruned it), linted here and stored again."""
    cached = stored.load(path)
    if cached is not None:
        stored.replayed.add(path)
        yield from replay_file(engine, path, cached)
        return
    writer = stored.writer(path)
    if writer is not None:
        yield from lint_file_storing(engine, path, writer, errors, on_error, packed_sink)
        return
    yield from lint_file(engine, path, errors, on_error)


def replay_file(engine: Engine, path: str, cached: CachedRun) -> Iterator[Diagnostic]:
    """A stored file's diagnostics, its summaries folded into ``engine``'s collectors."""
    engine.stats.files += 1
    engine.stats.records += cached.records
    for kind, value in cached.contents():
        if kind == _BATCH:
            yield from value
        else:
            fold(engine, 0, [], value)
    if engine.progress is not None:
        with contextlib.suppress(OSError):
            engine.progress(os.path.getsize(path))


def lint_file_storing(
    engine: Engine,
    path: str,
    writer: EntryWriter,
    errors: list[str] | None,
    on_error: Callable[[str], None] | None,
    packed_sink: Callable[[bytes, int], None] | None = None,
) -> Iterator[Diagnostic]:
    """Lint ``path`` in this process as the serial run does, storing its diagnostics and its
    summaries in ``writer`` (committed only when every record was checked cleanly).

    The diagnostics are packed in batches (:func:`sftlint.transport.pack_diagnostics`), and each
    batch's bytes go to the file's entry and to ``packed_sink`` (the run's entry, which would
    otherwise pickle every finding a second time) before the batch is yielded."""
    ignored = engine._ignored_for(path)
    collectors = engine.summaries
    # a dataset rule may keep per-run state in its map (D004 sends each prompt's text once);
    # a file's stored summaries must not lean on what files before it sent
    for rule in engine.dataset_rules:
        rule.collector()
    pieces = fresh_pieces(engine)
    engine.summaries = pieces
    errors_before = len(engine.errors)
    records_before = engine.stats.records
    clean = False
    batch: list[Diagnostic] = []

    def stored(batch: list[Diagnostic]) -> list[Diagnostic]:
        try:
            payload = pack_diagnostics(batch)
        except Exception:  # a plugin put something unpicklable in a diagnostic's data
            writer.abort()
            if packed_sink is not None:
                packed_sink(b"", -1)
            return batch
        writer.write_packed(payload, len(batch))
        if packed_sink is not None:
            packed_sink(payload, len(batch))
        return batch

    try:
        try:
            for d in engine.lint_path(path):
                if d.code in ignored:
                    continue
                if d.code == INTERNAL_CODE:
                    writer.abort()  # a crashed or timed-out rule: not stored
                batch.append(d)
                if len(batch) >= BATCH:
                    yield from stored(batch)
                    batch = []
            clean = len(engine.errors) == errors_before
        except SourceError as exc:
            failed: SourceError | None = exc
        else:
            failed = None
        yield from stored(batch)
        batch = []
        if failed is not None:  # after the findings before it, as the serial run reports it
            report_source_error(str(failed), errors, on_error)
    finally:
        engine.summaries = collectors
        if clean:
            writer.add_summaries(pieces)  # before folding: a merge may take the piece's insides
            writer.commit_file(engine.stats.records - records_before)
        else:
            writer.abort()
        fold(engine, 0, [], pieces)


class RangedFile:
    """The ranges of one file linted by ``--jobs`` workers, stored as they are folded."""

    def __init__(self, writer: EntryWriter | None) -> None:
        self.writer = writer
        self.records = 0

    def add(self, result: dict[str, Any], packed: bytes) -> None:
        """Store one range's result, its diagnostics as the worker ``packed`` them (before
        :func:`~sftlint.run.ranges.merge_range_result` folds its summaries)."""
        writer = self.writer
        if writer is None:
            return
        if result["source_error"] is not None or result["errors"]:
            writer.abort()
            self.writer = None
            return
        if any(d.code == INTERNAL_CODE for d in result["diagnostics"]):
            writer.abort()
            self.writer = None
            return
        writer.write_packed(packed, len(result["diagnostics"]))
        writer.add_summaries(result["summaries"])
        self.records += result["records"]

    def commit(self) -> None:
        if self.writer is not None:
            self.writer.commit_file(self.records)

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()
