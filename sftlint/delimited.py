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

A finding's line and column are where it lies in the file: each row keeps its source text, and
:func:`locate_cell` maps a cell's character span to it (a quoted cell writes ``"`` as ``""`` and
may span lines), through the JSON text's own escapes too for a span inside a decoded JSON cell;
its JSON Pointer names the cell (``/output``) or the value inside it (``/messages/1/content``).
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import csv
import io
import json
import re
import sys
from collections.abc import Iterator
from typing import IO, Any

from sftlint.jsonscan import too_deep
from sftlint.locate import Location, Locator, window_bounds
from sftlint.reader import MAX_DEPTH, RawRecord, ReadProblem, open_binary

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
_NEWLINE = re.compile("\n")
#: a byte that is not UTF-8, as ``surrogateescape`` decodes it
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def is_delimited(path: str) -> bool:
    return path.endswith(DELIMITED_SUFFIXES)


def _delimiter(path: str) -> str:
    return "\t" if path.endswith(".tsv") else ","


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


#: an escape of a UTF-16 surrogate in JSON or a Python literal (``\ud800``, ``\U0000dc00``)
_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F][0-9a-fA-F]{2}")


def _lone_surrogate(value: Any) -> bool:
    """Whether a string of the decoded ``value`` holds a surrogate that is not half of a pair
    (a JSON Lines line holding one is J001, and no rule meets such text)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if type(v) is str:
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif type(v) is list:
            stack.extend(v)
        elif type(v) is dict:
            stack.extend(v.keys())
            stack.extend(v.values())
    return False


def _cell(column: str, value: str, problems: list[ReadProblem]) -> Any:
    if column not in STRUCTURED_COLUMNS or value[:1] not in ("[", "{"):
        return value
    decoded = _structured(column, value, problems)
    if decoded is not value and _SURROGATE_ESCAPE.search(value) and _lone_surrogate(decoded):
        # as in a JSON Lines record: J001 (a strict JSON parser, orjson's or pyarrow's, refuses
        # it, and it cannot be written as UTF-8), and the cell is read as text
        problems.append(
            ReadProblem(
                "invalid-json",
                f"the `{column}` cell holds a lone surrogate escape (`\\ud800` without its pair): "
                "UTF-8 cannot encode it and a strict JSON parser refuses it; read as text",
                fatal=False,
            )
        )
        return value
    return decoded


def _structured(column: str, value: str, problems: list[ReadProblem]) -> Any:
    if too_deep(value, MAX_DEPTH):
        # as a JSON Lines record that deep: J007 (json.loads and literal_eval would recurse)
        message = f"the `{column}` cell nests deeper than {MAX_DEPTH} levels; read as text"
        problems.append(ReadProblem("too-large", message, fatal=False))
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


def read_delimited(
    path: str, stream: IO[bytes] | None = None, name: str | None = None
) -> Iterator[RawRecord]:
    """The rows of a CSV or TSV file as records (see the module's docstring).  ``stream``:
    standard input (``path`` is ``-``), a table by ``name`` (``--stdin-filename data.csv``)."""
    name = name or path
    if stream is None:
        stream = open_binary(path)  # closed below, after the generator is done
    raw = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)  # type: ignore[arg-type]
    with contextlib.ExitStack() as closing:
        if stream is not sys.stdin.buffer:
            closing.callback(stream.close)
        start = raw.peek(4)[:4]
        if start.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in start:
            yield _problem_record(path, -1, 1, 1, "utf16", "file is not UTF-8 text (UTF-16 or binary)")
            return
        if start.startswith(b"\xef\xbb\xbf"):
            raw.read(3)
        # surrogateescape: a byte that is not UTF-8 reaches the row it is in, which says so
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        yield from _rows(path, text, _delimiter(name))


class _RowSource:
    """The file's lines as the csv reader pulls them, keeping those of the row being read: the
    reader asks for exactly one row's lines at a time, so they are the row's source text."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.lines = iter(text)
        self.taken: list[str] = []

    def __iter__(self) -> _RowSource:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.taken.append(line)
        return line

    def row_text(self) -> str:
        """The source of the row just read (without its line end); the next row starts anew."""
        text = "".join(self.taken)
        self.taken = []
        if _ESCAPED_BYTE.search(text):
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return text.removesuffix("\n").removesuffix("\r")


def _rows(path: str, text: io.TextIOWrapper, delimiter: str) -> Iterator[RawRecord]:
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    source = _RowSource(text)
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    header: list[str] | None = None
    index = 0
    line = 1  # where the next row starts
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            source.row_text()
            yield _problem_record(
                path, index, line, reader.line_num, "invalid-json", f"row cannot be read as CSV: {exc}"
            )
            index += 1
            line = reader.line_num + 1
            continue
        row_line, line = line, reader.line_num + 1
        row_text = source.row_text()
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line: pandas skips it
        if header is None:
            header = [c.strip() for c in row]
            renamed = _mangle_duplicates(header)
            if renamed:
                yield _duplicate_columns(path, row_line, row_text, delimiter, header, renamed)
            continue
        yield _record(path, index, row_line, reader.line_num, header, row, row_text, delimiter)
        index += 1
    if index == 0:
        message = "file holds no records" if header is None else "file holds a header row and no records"
        yield _problem_record(path, -1, 1, 1, "empty-file", message)


def _mangle_duplicates(header: list[str]) -> list[tuple[int, str]]:
    """Rename, in place, each header name met again as pandas does (``output``, ``output.1``,
    ``output.2``), so a row holds the keys a loader gives it: the first column keeps the name.
    Returns ``(position, original name)`` of each renamed column."""
    seen = set(header)
    counts: dict[str, int] = {}
    renamed: list[tuple[int, str]] = []
    for i, name in enumerate(header):
        if name not in counts:
            counts[name] = 0
            continue
        k = counts[name]
        while True:
            k += 1
            new = f"{name}.{k}"
            if new not in seen:
                break
        counts[name] = k
        seen.add(new)
        header[i] = new
        renamed.append((i, name))
    return renamed


def _duplicate_columns(
    path: str, line: int, text: str, delimiter: str, header: list[str], renamed: list[tuple[int, str]]
) -> RawRecord:
    """J005 on the header row: a column named twice is read under another name, so its cells
    are not what a format reads (pandas keeps the first under the name)."""
    bounds = _cell_bounds(text, delimiter)
    problems = []
    for i, name in renamed:
        first = header.index(name) + 1
        start = bounds[i][0] if i < len(bounds) else 0
        problems.append(
            ReadProblem(
                "duplicate-key",
                f"column {name!r} is named twice in the header (columns {first} and {i + 1}): pandas and "
                f"`datasets` read the second as {header[i]!r}, which no format reads, so its cells are not "
                "trained on",
                column=None if "\n" in text[:start] else start + 1,  # (a header cell over lines: rare)
            )
        )
    return RawRecord(path, -1, line, line, None, problems=problems)


def _record(
    path: str,
    index: int,
    line: int,
    end_line: int,
    header: list[str],
    row: list[str],
    text: str,
    delimiter: str,
) -> RawRecord:
    problems: list[ReadProblem] = []
    if len(row) > len(header):
        return _problem_record(
            path,
            index,
            line,
            end_line,
            "invalid-json",
            f"row has {len(row)} cells where the header names {len(header)}: an unquoted "
            f"{'tab' if delimiter == chr(9) else '`,`'} inside a cell? (pandas and `datasets` refuse the file)",
        )
    if any(_ESCAPED_BYTE.search(cell) for cell in row):
        row = [cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for cell in row]
        problems.append(ReadProblem("invalid-utf8", "bytes that are not UTF-8 in this row", fatal=False))
    data = {column: _cell(column, cell, problems) for column, cell in zip(header, row, strict=False)}
    return RawRecord(path, index, line, end_line, text, data, True, 1, problems or (), json_source=False)


# -- locating a finding inside a row ------------------------------------------------------


def _cell_bounds(text: str, delimiter: str) -> list[tuple[int, int, bool]]:
    """``(start, end, quoted)`` of each cell's content in a row's source text (inside the
    quotes of a quoted cell).  The row parsed in strict mode, so its quoting is well formed."""
    cells: list[tuple[int, int, bool]] = []
    i, n = 0, len(text)
    while True:
        if i < n and text[i] == '"':
            j = i + 1
            while True:
                j = text.index('"', j)
                if text[j + 1 : j + 2] == '"':
                    j += 2
                    continue
                break
            cells.append((i + 1, j, True))
            i = j + 1
        else:
            j = text.find(delimiter, i)
            j = n if j < 0 else j
            cells.append((i, j, False))
            i = j
        if i >= n:
            return cells
        i += 1  # the delimiter


def _source_offset(text: str, start: int, end: int, quoted: bool, offset: int) -> int:
    """Where the cell value's character ``offset`` lies in the row's text (a quoted cell
    writes each ``"`` of its value as ``""``)."""
    if not quoted:
        return min(start + offset, end)
    quotes = _quotes_of(text, start, end)
    # the value's quotes before ``offset`` each take one more character in the text
    return min(start + offset + bisect.bisect_left(quotes, offset), end)


#: the last row asked about: its text (held, so that its identity is not reused), its cells'
#: bounds, and each quoted cell's quotes and the row's line breaks; a row with many findings is
#: parsed once
_last_row: list[Any] = [None, (), {}]


def _bounds_of(text: str, delimiter: str) -> list[tuple[int, int, bool]]:
    if _last_row[0] is not text:
        _last_row[0], _last_row[1], _last_row[2] = text, _cell_bounds(text, delimiter), {}
    return _last_row[1]  # type: ignore[no-any-return]


def _quotes_of(text: str, start: int, end: int) -> list[int]:
    """The value offsets of the ``"`` characters of the quoted cell ``text[start:end]``."""
    cache = _last_row[2] if _last_row[0] is text else {}
    quotes = cache.get(start)
    if quotes is None:
        quotes = []
        pos = text.find('"', start, end)
        while pos >= 0:
            quotes.append(pos - start - len(quotes))  # each earlier pair is one character less
            pos = text.find('"', pos + 2, end)
        cache[start] = quotes
    return quotes  # type: ignore[no-any-return]


def locate_cell(
    text: str, line: int, data: dict[str, Any], path: str, pointer: str, span: tuple[int, int] | None
) -> Location | None:
    """Where ``pointer``/``span`` lies in a row whose source is ``text`` (starting at ``line``),
    with what to display of it: exact inside a text cell, and inside a decoded JSON cell too (the
    JSON text's own escapes, then the cell's quoting, mapped back); the whole cell where the
    pointer names no value of the cell's text (a Python repr cell); None where the row's cells
    cannot be matched to its keys (a header that names a column twice)."""
    parts = pointer.split("/")
    if len(parts) < 2:
        return None
    key = parts[1].replace("~1", "/").replace("~0", "~")
    if key not in data:
        return None
    try:
        cells = _bounds_of(text, _delimiter(path))
    except ValueError:
        return None
    keys = list(data)
    if len(cells) != len(keys):
        return None
    start, end, quoted = cells[keys.index(key)]
    value = data[key]
    source: str | None = None
    source_span: tuple[int, int] | None = None
    found = None
    if len(parts) == 2 and isinstance(value, str):
        lo, hi = span if span is not None else (0, 0)
        wlo, whi, inside = window_bounds(len(value), lo, hi)
        source = value[wlo:whi]
        if span is not None:
            found, source_span = (lo, hi), inside
    elif len(parts) > 2 and isinstance(value, (list, dict)):
        cell = text[start:end].replace('""', '"') if quoted else text[start:end]
        inner = Locator(cell, 1).offsets("/" + "/".join(parts[2:]), span)
        if inner is not None:
            found = inner[:2]
            source, source_span = inner[2:]
    if found is not None:
        a = _source_offset(text, start, end, quoted, found[0])
        b = _source_offset(text, start, end, quoted, found[1])
    else:
        a, b = (start - 1, end + 1) if quoted else (start, end)
    return Location(*_line_column(text, line, a), *_line_column(text, line, b), source, source_span)


def _line_column(text: str, line: int, pos: int) -> tuple[int, int]:
    newlines = _newlines_of(text)
    before = bisect.bisect_left(newlines, pos)  # the line breaks before ``pos``
    return line + before, pos - (newlines[before - 1] + 1 if before else 0) + 1


def _newlines_of(text: str) -> list[int]:
    """Where the row's line breaks are (cached with the row's cells)."""
    cache = _last_row[2] if _last_row[0] is text else {}
    newlines = cache.get("newlines")
    if newlines is None:
        newlines = cache["newlines"] = [m.start() for m in _NEWLINE.finditer(text)] if "\n" in text else []
    return newlines  # type: ignore[no-any-return]
