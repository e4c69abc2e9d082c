"""What a run holds on disk instead of in memory: items sorted by a key (:class:`SortedSpill`), and
texts by position (:class:`SpilledTexts`).

Items sorted by a key without holding them all: sorted runs spilled to a temporary file.

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
import os
from array import array
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
                import tempfile  # (a check that never spills never imports it)

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


#: Bytes of texts :class:`SpilledTexts` holds in memory before it writes them to its file.
TEXTS_HOLD = 1 << 20
#: Bytes copied at a time when one :class:`SpilledTexts` takes another's file.
_COPY_BLOCK = 1 << 20

#: Set while summaries are pickled to be stored in the results cache (:func:`storing`).
_STORING: list[bool] = [False]


@contextlib.contextmanager
def storing() -> Iterator[None]:
    """Pickle inside this block to store (the results cache): :class:`SpilledTexts` then leaves
    its texts out.  They only spare this run work, and would make a file's entry a quarter of
    the file's size; pickled to cross from a ``--jobs`` worker to the main process, they go."""
    _STORING.append(True)
    try:
        yield
    finally:
        _STORING.pop()


class SpilledTexts:
    """Texts by position (0, 1, 2 ..., appended in order, None allowed), the first
    :data:`TEXTS_HOLD` bytes in memory and the rest in an unnamed temporary file, read back one
    at a time by :meth:`get`.  Memory is four bytes a position (where its text ends; eight once
    the texts pass 4 GB).

    D002 keeps here every record's normalised conversation, which its signature was made of,
    so that its verification reads the candidates' texts back instead of reading the records
    again from their files and normalising them once more (six times the cost, and on
    templated data most records are candidates in two or three blocks).  Where the file cannot
    be made or written (no temporary directory, a full disk), every text is forgotten and
    :meth:`get` gives None: the caller reads the records again, as it would without this.

    The file is read with ``pread``, never by seeking, so processes forked from this one (D002
    verifies blocks in forked processes) read it at once without moving each other's place.
    Pickled, it carries its texts (a ``--jobs`` worker's range to the main process), except
    while :func:`storing`."""

    __slots__ = ("_buf", "_ends", "_file", "_flushed", "_lost")

    def __init__(self) -> None:
        #: where each position's text ends, in bytes from the first text's start (a text starts
        #: where the one before it ends; one of no bytes is None)
        self._ends = array("I")
        self._buf = bytearray()  # the bytes past ``_flushed``
        self._file: IO[bytes] | None = None
        self._flushed = 0  # bytes written to the file
        self._lost = False  # a write failed: every text is forgotten

    def __len__(self) -> int:
        return len(self._ends)

    def add(self, text: str | None) -> None:
        """The text of the next position (None, or an empty text: none)."""
        if text and not self._lost:
            self._buf += text.encode("utf-8", "surrogatepass")
            self._write_if_full()
        end = self._flushed + len(self._buf)
        try:
            self._ends.append(end)
        except OverflowError:  # past 4 GB of texts
            self._extend_ends(array("Q", [end]))

    def _write(self, data: bytes | bytearray) -> None:
        """Append ``data`` to the file (made now if need be); on failure, forget every text."""
        if self._lost:
            return
        try:
            if self._file is None:
                import tempfile

                self._file = tempfile.TemporaryFile(prefix="sftlint-texts-")  # noqa: SIM115 - closed by close()
            self._file.seek(0, 2)
            self._file.write(data)
            self._file.flush()
        except OSError:
            self._forget()
            return
        self._flushed += len(data)

    def _write_if_full(self) -> None:
        """Past :data:`TEXTS_HOLD` bytes held, write them to the file."""
        if len(self._buf) >= TEXTS_HOLD:
            self._write(self._buf)
            self._buf = bytearray()

    def _forget(self) -> None:
        self._lost = True
        self._buf = bytearray()
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None

    def get(self, k: int) -> str | None:
        """The text of position ``k``, None where there is none (or it was forgotten)."""
        ends = self._ends
        if self._lost or not 0 <= k < len(ends):
            return None
        start = ends[k - 1] if k else 0
        end = ends[k]
        if start == end:
            return None
        flushed = self._flushed
        if start >= flushed:
            data = bytes(self._buf[start - flushed : end - flushed])
        else:
            try:
                data = _read_at(self._file, min(end, flushed) - start, start)  # type: ignore[arg-type]
            except (OSError, AttributeError, ValueError):
                return None
            if end > flushed:
                data += self._buf[: end - flushed]
        return data.decode("utf-8", "surrogatepass")

    def extend(self, other: SpilledTexts) -> None:
        """``other``'s positions after these, with their texts (``other`` is emptied where its
        file is taken over rather than copied)."""
        if self._lost or other._lost:
            self._add_without_texts(len(other))
            return
        if not self._ends and other._file is not None and self._file is None:
            # nothing here yet: take over its file rather than copy it
            self._ends, self._buf, self._file, self._flushed = (
                other._ends,
                other._buf,
                other._file,
                other._flushed,
            )
            other._ends, other._buf, other._file, other._flushed = array("I"), bytearray(), None, 0
            return
        base = self._flushed + len(self._buf)
        if other._file is not None:
            self._write(self._buf)
            self._buf = bytearray()
            pos = 0
            while pos < other._flushed and not self._lost:
                try:
                    block = _read_at(other._file, min(_COPY_BLOCK, other._flushed - pos), pos)
                except OSError:
                    self._forget()
                    break
                self._write(block)
                pos += len(block)
        if self._lost:
            self._add_without_texts(len(other))
        else:
            self._buf += other._buf
            self._write_if_full()
            self._extend_ends(array("Q", [end + base for end in other._ends]) if base else other._ends)

    def _add_without_texts(self, count: int) -> None:
        """``count`` positions more, none with a text."""
        self._extend_ends(array("Q", [self._ends[-1] if self._ends else 0]) * count)

    def _extend_ends(self, ends: array) -> None:
        """Append ``ends``: four bytes each while every end fits, eight from then on."""
        if self._ends.typecode == "I" and (not ends or max(ends) <= 0xFFFFFFFF):
            self._ends.extend(ends if ends.typecode == "I" else array("I", ends))
        else:
            if self._ends.typecode == "I":
                self._ends = array("Q", self._ends)
            self._ends.extend(ends if ends.typecode == "Q" else array("Q", ends))

    def close(self) -> None:
        """Forget the texts and remove the file (the positions stay, without texts)."""
        self._forget()

    def __getstate__(self) -> dict[str, Any]:
        if _STORING[-1] or self._lost:
            return {"count": len(self._ends)}
        data = bytes(self._buf)
        if self._file is not None:
            try:
                data = _read_at(self._file, self._flushed, 0) + data
            except OSError:
                return {"count": len(self._ends)}
        return {"ends": self._ends, "data": data}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._file, self._flushed, self._lost = None, 0, False
        if "ends" in state:
            self._ends, self._buf = state["ends"], bytearray(state["data"])
        else:  # the positions alone, each without a text
            self._ends, self._buf = array("I", bytes(4 * state["count"])), bytearray()


def _read_at(fh: IO[bytes], size: int, offset: int) -> bytes:
    """``size`` bytes of ``fh`` from ``offset`` (``pread``, which may return fewer at a time);
    OSError where the file is shorter."""
    parts = []
    while size > 0:
        part = os.pread(fh.fileno(), size, offset)
        if not part:
            raise OSError(f"{size} bytes missing from a temporary file")
        parts.append(part)
        size -= len(part)
        offset += len(part)
    return b"".join(parts)
