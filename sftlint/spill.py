"""Items sorted by a key without holding them all: sorted runs spilled to a temporary file.

A dataset rule's findings are sorted before they are printed (by path, line, column, code), and
a rule can have very many: D002 reports one record in eight of a templated dataset, a hundred
thousand findings in a gigabyte of short records, about a kilobyte each as diagnostics.  Up to
:data:`HOLD` items are sorted in memory as a list would be; past that, each full run of HOLD is
sorted and pickled to one temporary file, and the runs are merged as they are read back, a
few hundred items of each at a time.  The order is the one ``list.sort`` gives (stable: items
with equal keys keep the order they came in), since the runs are consecutive and
``heapq.merge`` takes equal keys from the earlier run first.  Where the temporary file cannot
be made or written (no temporary directory, a full disk), a run stays sorted in memory and is
merged in its place: the check costs memory then, never findings.
"""

from __future__ import annotations

import contextlib
import heapq
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

#: Items held in memory; a run of this many is written out when one more comes.
HOLD = 20_000
#: Items of a run read back at a time while merging.
READ_BACK = 256


class SortedSpill:
    """Append items, then iterate over them sorted by ``key`` (stably), once."""

    __slots__ = ("_file", "_items", "_key", "_runs")

    def __init__(self, key: Callable[[Any], Any]) -> None:
        self._key = key
        self._items: list[Any] = []
        self._file: IO[bytes] | None = None
        #: the runs in the order they were cut: ``(offset, count)`` in the file, or a sorted
        #: list held in memory where writing the file failed (no temporary directory, a full disk)
        self._runs: list[tuple[int, int] | list[Any]] = []

    def append(self, item: Any) -> None:
        if len(self._items) >= HOLD:
            self._spill()
        self._items.append(item)

    def _spill(self) -> None:
        import pickle  # only a rule with more than HOLD findings spills: a small check never needs it

        self._items.sort(key=self._key)
        start = -1
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="sftlint-sort-")  # noqa: SIM115 - closed by close()
            fh = self._file
            fh.seek(0, 2)
            start = fh.tell()
            dump = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)
            for item in self._items:
                dump.clear_memo()  # each item stands alone: it is read back by itself
                dump.dump(item)
        except OSError:
            # the findings are worth more than the memory: this run stays, sorted, in memory
            if self._file is not None and start >= 0:
                with contextlib.suppress(OSError):
                    self._file.truncate(start)
            self._runs.append(self._items)
        else:
            self._runs.append((start, len(self._items)))
        self._items = []

    def __iter__(self) -> Iterator[Any]:
        try:
            if not self._runs:
                self._items.sort(key=self._key)
                items, self._items = self._items, []
                yield from items
                return
            if self._items:
                self._spill()
            fh = self._file
            runs = [iter(run) if isinstance(run, list) else _read_run(fh, *run) for run in self._runs]
            yield from heapq.merge(*runs, key=self._key)
        finally:
            self.close()

    def close(self) -> None:
        """Forget the items and remove the temporary file."""
        self._items = []
        self._runs = []
        if self._file is not None:
            self._file.close()
            self._file = None


def _read_run(fh: IO[bytes], start: int, count: int) -> Iterator[Any]:
    """The ``count`` items of the run at ``start``, a few hundred at a time (the file is shared
    by the runs: each read seeks to where its run left off)."""
    import pickle

    pos = start
    while count > 0:
        fh.seek(pos)
        load = pickle.Unpickler(fh)
        some = [load.load() for _ in range(min(READ_BACK, count))]
        pos = fh.tell()
        count -= len(some)
        yield from some
