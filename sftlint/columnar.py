"""Parquet files, Arrow files and Hugging Face ``datasets`` folders, read as records.

pyarrow is an optional extra (``pip install 'sftlint[parquet]'``); without it a
columnar source is a :class:`~sftlint.reader.SourceError` that says how to get it.
Rows are read a batch at a time, so memory stays flat whatever the file's size.

A row is a record: its number (1-based) is its line, and findings inside it carry
the JSON Pointer of the value (nested columns map like JSON: a struct is an
object, a list an array).  A struct field that is null is left out of the
record, as the key was in the JSON the file was written from: Arrow stores every
field of a struct column in every row (the union of the keys of all records), so
``{"role": "user", "content": "hi"}`` comes back with ``"tool_calls": null`` and
``"name": null`` unless the nulls are dropped.  Values JSON has no type for
(bytes, dates, decimals) become strings.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import os
from collections.abc import Iterator
from typing import Any

from sftlint.delimited import DELIMITED_SUFFIXES, read_delimited
from sftlint.reader import RawRecord, ReadProblem, SourceError

#: Rows converted to Python objects at a time.
BATCH_ROWS = 512
COLUMNAR_SUFFIXES = (".parquet", ".arrow")
INSTALL_HINT = "pip install 'sftlint[parquet]'"


def is_columnar(path: str) -> bool:
    """Parquet/Arrow files, ``save_to_disk`` folders and CSV/TSV files (:mod:`sftlint.delimited`):
    sources read row by row, not by the JSON reader, whose findings point at a row and a cell."""
    if path.endswith(COLUMNAR_SUFFIXES + DELIMITED_SUFFIXES):
        return True
    return path != "-" and os.path.isdir(path)


def _pyarrow(path: str) -> Any:
    try:
        import pyarrow
        import pyarrow.ipc
        import pyarrow.parquet
    except ImportError as exc:
        raise SourceError(
            f"{path}: reading Parquet and Arrow data needs pyarrow, an optional extra: {INSTALL_HINT}"
        ) from exc
    return pyarrow


def jsonable(value: Any) -> Any:
    """A row value as JSON would hold it: null struct fields dropped, other types as strings."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (bytes, bytearray)):
        return "base64:" + base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, tuple):  # map columns come back as lists of (key, value) tuples
        return [jsonable(v) for v in value]
    return str(value)


def _problem(path: str, message: str, kind: str = "binary") -> RawRecord:
    return RawRecord(path, -1, 1, 1, None, problems=[ReadProblem(kind, message)])  # type: ignore[arg-type]


def _rows(batches: Iterator[Any], path: str, first_index: int = 0) -> Iterator[RawRecord]:
    index = first_index
    for batch in batches:
        for row in batch.to_pylist():
            data = jsonable(row)
            yield RawRecord(path, index, index + 1, index + 1, None, data, True, 1, (), json_source=False)
            index += 1


def read_parquet(path: str) -> Iterator[RawRecord]:
    pa = _pyarrow(path)
    try:
        pf = pa.parquet.ParquetFile(path)
    except FileNotFoundError as exc:
        raise SourceError(f"{path}: no such file or directory") from exc
    except (OSError, pa.ArrowException) as exc:
        yield _problem(path, f"not a readable Parquet file: {exc}")
        return
    if pf.metadata.num_rows == 0:
        yield _problem(path, "file holds no records", "empty-file")
        return
    try:
        yield from _rows(pf.iter_batches(batch_size=BATCH_ROWS), path)
    except (OSError, pa.ArrowException) as exc:
        yield _problem(path, f"read error in the Parquet file: {exc}")


def _arrow_batches(pa: Any, path: str) -> Iterator[Any]:
    """Record batches of an Arrow IPC stream (what ``save_to_disk`` writes) or IPC file."""
    source = pa.memory_map(path, "r")
    try:
        reader = pa.ipc.open_stream(source)
    except pa.ArrowInvalid:
        source = pa.memory_map(path, "r")
        reader = pa.ipc.open_file(source)
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i)
        return
    yield from reader


def _chunked(batches: Iterator[Any]) -> Iterator[Any]:
    """Large record batches cut into slices of at most BATCH_ROWS rows."""
    for batch in batches:
        for start in range(0, batch.num_rows, BATCH_ROWS):
            yield batch.slice(start, BATCH_ROWS)


def read_arrow(path: str) -> Iterator[RawRecord]:
    pa = _pyarrow(path)
    if not os.path.exists(path):
        raise SourceError(f"{path}: no such file or directory")
    try:
        yield from _rows(_chunked(_arrow_batches(pa, path)), path)
    except (OSError, pa.ArrowException) as exc:
        yield _problem(path, f"not a readable Arrow file: {exc}")


def dataset_files(path: str) -> list[str]:
    """The Arrow shards of a ``save_to_disk`` folder, in order (from its ``state.json``)."""
    try:
        with open(os.path.join(path, "state.json"), encoding="utf-8") as fh:
            state = json.load(fh)
        names = [f["filename"] for f in state.get("_data_files", [])]
    except (OSError, ValueError, KeyError, TypeError):
        names = []
    if not names:
        names = sorted(n for n in os.listdir(path) if n.endswith(".arrow"))
    return [os.path.join(path, n) for n in names]


def read_dataset_dir(path: str) -> Iterator[RawRecord]:
    """Rows of every shard of a ``datasets`` folder, numbered as one file."""
    pa = _pyarrow(path)
    shards = dataset_files(path)
    if not shards:
        raise SourceError(f"{path}: is a directory (not a Hugging Face dataset folder: no Arrow files)")
    index = 0
    for shard in shards:
        try:
            for raw in _rows(_chunked(_arrow_batches(pa, shard)), path, index):
                index += 1
                yield raw
        except (OSError, pa.ArrowException) as exc:
            yield _problem(path, f"{os.path.basename(shard)}: not a readable Arrow file: {exc}")
            return
    if index == 0:
        yield _problem(path, "dataset holds no records", "empty-file")


def read_columnar(path: str) -> Iterator[RawRecord]:
    if os.path.isdir(path):
        return read_dataset_dir(path)
    if path.endswith(DELIMITED_SUFFIXES):
        return read_delimited(path)
    if path.endswith(".parquet"):
        return read_parquet(path)
    return read_arrow(path)
