"""A copy of standard input (or of records passed in memory) on disk, for the dataset rules
that read records again.

D002 keeps 128 bytes per record while streaming and, at the end, reads its candidate pairs
again to decide on their exact similarity.  A file can be read again; standard input cannot,
so the same data piped in used to be decided on the estimate and gave other findings than the
file.  When a selected rule reads records again, the bytes of standard input are written, as
they are read, to a temporary file (disk, not memory), and the rule reads that copy by the
name standard input goes by (``-`` or ``--stdin-filename``).  The copy is deleted when the
next one is made and when the process exits.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import tempfile
from typing import IO

_COPY: dict[str, str] = {}  # the name standard input goes by -> its copy on disk


class _Tee(io.RawIOBase):
    """Reads from ``source`` and writes every byte read to ``sink``."""

    def __init__(self, source: IO[bytes], sink: IO[bytes]) -> None:
        self.source = source
        self.sink = sink
        self._read = getattr(source, "read1", source.read)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._read(len(buffer))
        if not data:
            self.sink.flush()
            return 0
        self.sink.write(data)
        n = len(data)
        buffer[:n] = data
        return n


def tee(source: IO[bytes], names: tuple[str, ...] = ("-",)) -> IO[bytes]:
    """``source`` (standard input, which goes by ``names``) as a buffered stream whose bytes
    are also copied to disk."""
    # the copy is read again as standard input was read: a table by its name's suffix
    suffix = next((n[n.rfind(".") :] for n in names if n.endswith((".csv", ".tsv"))), ".jsonl")
    return io.BufferedReader(_Tee(source, sink(names, suffix)), 1 << 16)


def sink(names: tuple[str, ...], suffix: str = ".jsonl") -> IO[bytes]:
    """A new copy on disk that goes by ``names``, open for writing.  Records passed to the
    API in memory are written there as JSON lines while they are linted, so that the rules that
    read records again find them as they would find a file's (the engine's ``lint_objects``)."""
    forget()
    fd, path = tempfile.mkstemp(prefix="sftlint-stdin-", suffix=suffix)
    out = os.fdopen(fd, "wb")
    for n in names:
        _COPY[n] = path
    _SINKS.append(out)
    return out


_SINKS: list[IO[bytes]] = []


def spool(source: IO[bytes], names: tuple[str, ...], suffix: str) -> str:
    """Write all of ``source`` (standard input) to a file on disk and return its path: a
    Parquet or Arrow file is read from its end (the footer), which a pipe cannot give.  The
    file is standard input's copy under ``names`` (the dataset rules read records again from
    it) and is deleted as :func:`tee`'s copy is."""
    out = sink(names, suffix)
    read = getattr(source, "read1", source.read)
    while chunk := read(1 << 20):
        out.write(chunk)
    out.close()
    return _COPY[names[0]]


def copy_of(path: str) -> str | None:
    """The copy on disk of standard input when ``path`` is its name, else None."""
    copy = _COPY.get(path)
    if copy is None:
        return None
    for sink in _SINKS:
        with contextlib.suppress(ValueError, OSError):
            sink.flush()
    return copy


def forget() -> None:
    """Delete the copy (the next one replaces it; the process is ending)."""
    for sink in _SINKS:
        with contextlib.suppress(OSError):
            sink.close()
    _SINKS.clear()
    for path in set(_COPY.values()):
        with contextlib.suppress(OSError):
            os.unlink(path)
    _COPY.clear()


atexit.register(forget)
