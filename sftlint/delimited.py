"""CSV and TSV files, read as records: the header row names the keys, each row is an object.

Spreadsheets, pandas exports and many small Hugging Face datasets keep SFT data this way
(``instruction,input,output``, ``prompt,completion``, ``query,response``, a ``text`` column).
Each row becomes the object a JSON Lines file would hold, so the formats and rules read it as
they read JSON: a cell is a string, an empty cell an empty string.

Read as the trainers' loaders read it (``datasets.load_dataset("csv")`` is pandas'
``read_csv``): ``,`` separates a ``.csv`` file's cells and a tab a ``.tsv`` file's, quotes as
Excel writes them, a UTF-8 byte-order mark (Excel's "CSV UTF-8") ignored, blank lines skipped.
A row that pandas would refuse (more cells than the header names, a stray quote) is J001, one
per row, and the run goes on with the next row.

A cell of a column that holds structure in the formats (``messages``, ``conversations``,
``tools``, ...) and is written as JSON text (``json.dumps`` of the list, which is how such a
column survives a CSV) is decoded, so the conversation is linted; anything else stays text.
Python's repr of a list in such a cell (what pandas' ``to_csv`` writes for a list column) is
decoded too, and its row is J001: a loader's ``json.loads`` fails on it.

A row's number in findings is the line it starts on (a quoted cell may hold line breaks), and
its JSON Pointer names the cell (``/output``), as for Parquet rows.
"""

from __future__ import annotations

import ast
import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sftlint.reader import RawRecord, ReadProblem, SourceError

DELIMITED_SUFFIXES = (".csv", ".tsv")
#: columns whose cells the formats read as lists or objects (decoded when they hold JSON)
STRUCTURED_COLUMNS = frozenset(
    {
        "messages",
        "conversations",
        "conversation",
        "tools",
        "functions",
        "tool_calls",
        "history",
        "images",
        "videos",
        "audios",
        "chosen",
        "rejected",
    }
)
#: the largest cell the csv module accepts (its default, 128 KiB, is below a long conversation)
_FIELD_LIMIT = 1 << 30
_SNIFF_BYTES = 64 * 1024


def is_delimited(path: str) -> bool:
    return path.endswith(DELIMITED_SUFFIXES)


def _delimiter(path: str) -> str:
    return "\t" if path.endswith(".tsv") else ","


def _delimiter_name(path: str) -> str:
    return "tab" if path.endswith(".tsv") else "`,`"


def header_record(path: str) -> dict[str, Any] | None:
    """The header row of ``path`` as a record of empty cells (``{"instruction": "", ...}``; a
    structured column an empty list), for deciding in a directory walk whether the file holds
    a dataset; None if unreadable."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError:
        return None
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    try:
        row = next(csv.reader(io.StringIO(text), delimiter=_delimiter(path)), None)
    except csv.Error:
        return None
    if not row:
        return None
    return {c.strip(): [] if c.strip() in STRUCTURED_COLUMNS else "" for c in row}


def _problem_record(path: str, index: int, line: int, end_line: int, kind: Any, message: str) -> RawRecord:
    return RawRecord(path, index, line, end_line, None, problems=[ReadProblem(kind, message)])


def _cell(column: str, value: str, problems: list[ReadProblem]) -> Any:
    if column not in STRUCTURED_COLUMNS or value[:1] not in ("[", "{"):
        return value
    try:
        return json.loads(value)
    except ValueError:
        pass
    try:
        decoded = ast.literal_eval(value)  # literals only: never runs code
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return value  # the format's schema says what is wrong with it
    if not isinstance(decoded, (list, dict)):
        return value
    # pandas' to_csv writes a list column as Python's repr; the conversation is linted, and
    # the row says why a loader's json.loads fails on it
    problems.append(
        ReadProblem(
            "invalid-json",
            f"the `{column}` cell is Python's repr of a {type(decoded).__name__} (as pandas' to_csv "
            "writes one), not JSON: a loader's json.loads fails on it; write the column with json.dumps",
            fatal=False,
        )
    )
    return decoded


def read_delimited(path: str) -> Iterator[RawRecord]:
    """The rows of a CSV or TSV file as records (see the module's docstring)."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below, after the generator is done
    except FileNotFoundError as exc:
        raise SourceError(f"{path}: no such file or directory") from exc
    except IsADirectoryError as exc:
        raise SourceError(f"{path}: is a directory") from exc
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from exc
    with raw:
        start = raw.read(4)
        if start.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in start:
            yield _problem_record(path, -1, 1, 1, "utf16", "file is not UTF-8 text (UTF-16 or binary)")
            return
        raw.seek(3 if start.startswith(b"\xef\xbb\xbf") else 0)
        # surrogateescape: a byte that is not UTF-8 reaches the row it is in, which says so
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        yield from _rows(path, text)


def _rows(path: str, text: io.TextIOWrapper) -> Iterator[RawRecord]:
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    reader = csv.reader(text, delimiter=_delimiter(path), strict=True)
    header: list[str] | None = None
    index = 0
    line = 1  # where the next row starts
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield _problem_record(
                path, index, line, reader.line_num, "invalid-json", f"row cannot be read as CSV: {exc}"
            )
            index += 1
            line = reader.line_num + 1
            continue
        row_line, line = line, reader.line_num + 1
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line: pandas skips it
        if header is None:
            header = [c.strip() for c in row]
            continue
        yield _record(path, index, row_line, reader.line_num, header, row)
        index += 1
    if index == 0:
        message = "file holds no records" if header is None else "file holds a header row and no records"
        yield _problem_record(path, -1, 1, 1, "empty-file", message)


def _record(path: str, index: int, line: int, end_line: int, header: list[str], row: list[str]) -> RawRecord:
    problems: list[ReadProblem] = []
    if len(row) > len(header):
        return _problem_record(
            path,
            index,
            line,
            end_line,
            "invalid-json",
            f"row has {len(row)} cells where the header names {len(header)}: an unquoted "
            f"{_delimiter_name(path)} inside a cell? (pandas and `datasets` refuse the file)",
        )
    if any("\udc80" <= ch <= "\udcff" for cell in row for ch in cell):
        row = [cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for cell in row]
        problems.append(ReadProblem("invalid-utf8", "bytes that are not UTF-8 in this row", fatal=False))
    data = {column: _cell(column, cell, problems) for column, cell in zip(header, row, strict=False)}
    return RawRecord(path, index, line, end_line, None, data, True, 1, problems or ())
