"""Bytes -> raw records with locations.

The reader never raises on bad data: every problem (invalid UTF-8, a BOM, NUL
bytes, a line that is not JSON, a pretty-printed record spread over several
lines, a record too large to hold) becomes a :class:`ReadProblem` on a
:class:`RawRecord`, which the J rules turn into findings.  Only a file that
cannot be opened at all raises :class:`SourceError`, which the CLI reports as
an error (exit 2).

JSONL is streamed line by line and never loaded whole.  A ``.json`` file whose
first non-blank character is ``[`` is a JSON array of records: it is read whole
(that is what a JSON array is) and each element is located at the line where
it starts.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import sys
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Literal

import orjson

from sftlint.jsonscan import brackets_and_colons, scan_value, string_end, too_deep

#: A record larger than this is reported (J007) and skipped instead of parsed.
DEFAULT_MAX_RECORD_BYTES = 128 * 1024 * 1024
#: How far we look ahead to recognise a pretty-printed record spanning lines.
MULTILINE_MAX_LINES = 10_000
MULTILINE_MAX_BYTES = 16 * 1024 * 1024
#: A record nesting deeper than this is reported (J007) and skipped, as serde_json does by
#: default: no chat record nests so deep, and code walking a deeper value can exhaust the stack.
MAX_DEPTH = 128
#: Bytes sniffed at the start of a file to recognise binary / UTF-16 files.
SNIFF_BYTES = 8192

ProblemKind = Literal[
    "invalid-json",  # J001
    "multiline",  # J001, a record spread over several lines
    "not-object",  # J002 (set by the engine from the parsed value)
    "invalid-utf8",  # J003
    "bom",  # J003 (the record is still parsed)
    "nul",  # J003
    "binary",  # J003, the whole file
    "utf16",  # J003, the whole file
    "blank",  # J004
    "duplicate-key",  # J005 (set by the engine)
    "empty-file",  # J006
    "too-large",  # J007
    "unreadable",  # J003, bytes that stop being readable half-way (a damaged .gz)
    "lone-surrogate",  # J003, a string escape (\ud800) that encodes no character
]


@dataclass(slots=True)
class ReadProblem:
    kind: ProblemKind
    message: str
    column: int | None = None  # 1-based, in characters of the line
    byte_offset: int | None = None  # offset in the line (encoding problems)
    end_line: int | None = None
    fatal: bool = True  # whether the record could not be parsed because of it
    line: int | None = None  # the line it is on, where that is not the record's first


@dataclass(slots=True)
class RawRecord:
    """One record slot of a file: a line of JSONL, an element of a JSON array,
    or a blank line / unreadable span that the J rules report.

    ``text`` is the decoded source of the record (None when it could not be
    decoded), ``data`` the parsed value when parsing succeeded (``parsed``).
    """

    path: str
    index: int
    line: int
    end_line: int
    text: str | None
    data: Any = None
    parsed: bool = False
    column: int = 1  # column of the record's first character on ``line``
    problems: list[ReadProblem] | tuple[()] = ()  # empty on the fast path (shared, never mutated)
    raw_bytes: bytes | None = None  # the record's bytes as read (fast paths, hashing, --fix)
    offset: int = -1  # byte offset of the record in the file (-1: unknown), for --fix
    #: whether the source (``text``, ``raw_bytes``) is the record's JSON; a CSV row's is CSV, so
    #: what scans the JSON text (J005's duplicate keys) leaves it alone
    json_source: bool = True
    #: the record's canonical JSON (:func:`sftlint.hashing.canonical_json`) where a file rule
    #: wrote it (J005): the record's content hash is then taken from it, not written again
    canonical: bytes | None = None
    #: how many colons ``raw_bytes`` holds, where the reader counted them with the brackets
    #: (:func:`sftlint.jsonscan.brackets_and_colons`) for J005; -1 where it did not
    colons: int = -1

    def source_text(self) -> str | None:
        """The decoded source; JSONL lines are decoded only when someone asks."""
        if self.text is None and self.raw_bytes is not None and self.parsed:
            self.text = self.raw_bytes.decode("utf-8")
        return self.text


class SourceError(Exception):
    """A path that cannot be read at all (missing, permission, a directory)."""


def display_path(path: str | os.PathLike[str]) -> str:
    return "-" if str(path) == "-" else os.fspath(path)


def open_binary(path: str) -> IO[bytes]:
    """``path`` opened for reading bytes (standard input for ``-``, decompressed for ``.gz`` and
    ``.zst``); a path that cannot be opened is a :class:`SourceError` saying why."""
    if path == "-":
        return sys.stdin.buffer
    try:
        fh: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError as exc:
        raise SourceError(f"{path}: no such file or directory") from exc
    except IsADirectoryError as exc:
        raise SourceError(f"{path}: is a directory") from exc
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from exc
    if path.endswith(".gz"):
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    if path.endswith(".zst"):
        try:
            import zstandard
        except ImportError as exc:
            fh.close()
            raise SourceError(
                f"{path}: reading .zst files needs zstandard, an optional extra: pip install 'sftlint[zstd]'"
            ) from exc
        return io.BufferedReader(_ZstdFrames(fh, zstandard.ZstdDecompressor()))
    return fh


class _ZstdFrames(io.RawIOBase):
    """A ``.zst`` file decompressed as it is read, frame after frame.  Input that ends inside a
    frame raises EOFError, as gzip does: zstandard's own stream reader ends there in silence,
    so a truncated file read as a shorter one, or as an empty one (J006, exit 0).  The input is
    fed a little at a time, so one piece's output stays small however well it compressed."""

    PIECE = 1024

    def __init__(self, fh: IO[bytes], dctx: Any) -> None:
        self._fh = fh
        self._dctx = dctx
        self._obj = dctx.decompressobj()
        self._in_frame = False  # input fed to the current frame, whose end has not come
        self._out = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while self._pos >= len(self._out):
            data = self._fh.read(self.PIECE)
            if not data:
                if self._in_frame:
                    raise EOFError("compressed file ended before the end of its frame")
                return 0
            self._out, self._pos = self._decompress(data), 0
        n = min(len(b), len(self._out) - self._pos)
        b[:n] = self._out[self._pos : self._pos + n]
        self._pos += n
        return n

    def _decompress(self, data: bytes) -> bytes:
        out = []
        while data:
            self._in_frame = True
            out.append(self._obj.decompress(data))
            if not self._obj.eof:
                break
            data = self._obj.unused_data  # the next frame's first bytes
            self._obj = self._dctx.decompressobj()
            self._in_frame = False
        return b"".join(out)

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


def _looks_binary(head: bytes) -> bool:
    """NUL bytes plus bytes that are not UTF-8 text, the way git tells binary files.

    A text file with one stray NUL byte is still text (J003 reports the byte).
    """
    sample = head[:SNIFF_BYTES]
    if b"\x00" not in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut by the sample's end
            return True
    controls = sum(1 for b in sample if b < 0x20 and b not in (9, 10, 13))
    return controls / len(sample) > 0.1


def _utf16_bom(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    return None


class _Lines:
    """Physical lines of a binary stream, with a size cap and push-back (for
    the look-ahead that recognises a record spread over several lines)."""

    def __init__(self, stream: IO[bytes], max_bytes: int) -> None:
        self.stream = stream
        self.max_bytes = max_bytes
        self.lineno = 0
        self._pushed: deque[tuple[int, bytes, bool]] = deque()
        #: start line -> end line of a record spread over lines (None: none ends), see _try_multiline
        self.ends: dict[int, int | None] = {}

    def skip_rest(self) -> None:
        """Discard the rest of an oversized line without holding it in memory."""
        while True:
            chunk = self.stream.readline(1 << 20)
            if not chunk or chunk.endswith(b"\n"):
                return

    def next(self) -> tuple[int, bytes, bool] | None:
        """Return ``(lineno, line_without_newline, too_large)`` or None at EOF."""
        if self._pushed:
            return self._pushed.popleft()
        line = self.stream.readline(self.max_bytes + 1)
        if not line:
            return None
        self.lineno += 1
        too_large = len(line) > self.max_bytes and not line.endswith(b"\n")
        if too_large:
            self.skip_rest()
            line = line[:256]
        elif line.endswith(b"\n"):
            line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
        return self.lineno, line, too_large

    def push_back(self, items: list[tuple[int, bytes, bool]]) -> None:
        self._pushed.extendleft(reversed(items))


_STRUCT_BYTES = re.compile(rb'["\[\]{}]')


def _too_deep_problem() -> ReadProblem:
    return ReadProblem("too-large", f"record nests deeper than {MAX_DEPTH} levels; skipped")


def _decode_problem(data: bytes) -> ReadProblem | None:
    """Explain why ``data`` is not valid UTF-8 / holds NUL bytes, or None."""
    nul = data.find(b"\x00")
    if nul >= 0:
        return ReadProblem(
            "nul",
            f"NUL byte at byte offset {nul}",
            byte_offset=nul,
            column=len(data[:nul].decode("utf-8", "replace")) + 1,
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 4].hex(" ")
        return ReadProblem(
            "invalid-utf8",
            f"invalid UTF-8 at byte offset {exc.start} (bytes {bad}); sftlint reads UTF-8 only",
            byte_offset=exc.start,
            column=len(data[: exc.start].decode("utf-8", "replace")) + 1,
        )
    return None


def _json_error(text: str) -> tuple[str, int]:
    """Message and 0-based char position of why ``text`` is not JSON."""
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        msg = str(exc).split(": line ", 1)[0]
        return msg, exc.pos
    except Exception as exc:  # pragma: no cover - orjson raises JSONDecodeError only
        return str(exc), 0
    return "invalid JSON", 0  # pragma: no cover


def _json_problem(text: str, message: str, column: int) -> ReadProblem:
    """The problem of a record that orjson would not parse, with ``message`` and ``column`` as
    :func:`_json_error` explains it: J001's, or J003's where the cause is a lone surrogate."""
    kind, message = _surrogate(text, message, column - 1) or ("invalid-json", message)
    return ReadProblem(kind, message, column=column)  # type: ignore[arg-type]


_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")


def _surrogate(text: str, message: str, pos: int) -> tuple[str, str] | None:
    """``("lone-surrogate", message)`` when orjson refused a string at ``pos`` for a surrogate
    escape without its pair (``\ud800`` alone, or followed by something other than a low
    surrogate; ``\udc00`` first): valid JSON by its grammar, but an escape that encodes no
    character, which UTF-8 cannot hold.  Python's ``json`` reads it and the text then fails to
    encode (a tokenizer, a writer); orjson, Arrow and serde refuse the line."""
    if "surrogate" not in message:
        return None
    m = _ESCAPE.match(text, pos)
    if m is None:
        return None
    return (
        "lone-surrogate",
        f"a string holds the escape “{m.group()}”, half of a surrogate pair without its other half: "
        "it encodes no character and cannot be written as UTF-8 (strict JSON readers refuse the record)",
    )


def _after_document(text: str, pos: int) -> str:
    """What to add to "unexpected content after document" when the line holds more records: a
    bare carriage return between them (old Mac line ends, which JSON reads as blank space and
    a JSON Lines reader as no line end at all) is named, since every record after the first on
    such a line is lost to the loader."""
    before = text[:pos]
    gap = before[len(before.rstrip()) :]
    if "\r" in gap and text[pos : pos + 1] in ("{", "["):
        n = text.count("\r")
        return (
            f": records separated by a bare carriage return (\\r, {n:,} on this line): JSON Lines "
            "ends a line with \\n (or \\r\\n), so a loader reads them as one broken line"
        )
    return ""


def _is_truncation(message: str) -> bool:
    return message.startswith("unexpected end of data")


def read_jsonl(
    stream: IO[bytes],
    path: str,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    first_index: int = 0,
    first_line: int = 1,
) -> Iterator[RawRecord]:
    """Stream a JSONL file: one raw record per non-blank line.

    The loop is the hot path of every run: a line that parses costs one
    ``readline``, one ``orjson.loads`` and one small object; everything else
    (decoding for messages, explaining failures) happens only when needed.
    ``first_index``/``first_line`` number a stream that starts inside a file
    (a byte range read by a distributed worker).
    """
    lines = _Lines(stream, max_record_bytes)
    lines.lineno = first_line - 1
    readline = stream.readline
    limit = max_record_bytes + 1
    pushed = lines._pushed
    index = first_index
    saw_content = False
    blank_run = blank_first = 0
    loads = orjson.loads
    while True:
        problems: list[ReadProblem] = []
        if pushed:
            lineno, line, too_large = pushed.popleft()
        else:
            line = readline(limit)
            if not line:
                break
            lineno = lines.lineno = lines.lineno + 1
            too_large = len(line) >= limit and not line.endswith(b"\n")
            if too_large:
                lines.skip_rest()
                line = line[:256]
            elif line[-1:] == b"\n":
                line = line[:-2] if line[-2:-1] == b"\r" else line[:-1]
            if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
                problems.append(
                    ReadProblem(
                        "bom",
                        "file starts with a UTF-8 byte-order mark (BOM)",
                        column=1,
                        byte_offset=0,
                        fatal=False,
                    )
                )
        if too_large:
            problems.append(
                ReadProblem(
                    "too-large", f"line is larger than {max_record_bytes // (1024 * 1024)} MiB; skipped"
                )
            )
            yield RawRecord(path, index, lineno, lineno, None, problems=problems)
            index += 1
            saw_content = True
            continue
        if not line.strip():
            # Blank lines are reported as J004 unless they trail the last record
            # (editors add those); we find out by looking at what follows.  Only the
            # run's first line and length are kept: a file of blank lines costs no memory.
            if blank_run == 0:
                blank_first = lineno
            blank_run += 1
            continue
        if blank_run:
            yield from _blank_lines(path, blank_first, blank_run)
            blank_run = 0
        saw_content = True
        try:
            data = loads(line)
        except orjson.JSONDecodeError:
            data = _FAILED
        if data is not _FAILED:
            brackets, colons = brackets_and_colons(line)
            if brackets > MAX_DEPTH and too_deep(line, MAX_DEPTH):
                problems.append(_too_deep_problem())
                yield RawRecord(path, index, lineno, lineno, None, problems=problems, raw_bytes=line)
            else:
                record = RawRecord(path, index, lineno, lineno, None, data, True, 1, problems or (), line)
                record.colons = colons
                yield record
            index += 1
            continue
        # -- slow path: explain the failure --------------------------------
        problem = _decode_problem(line)
        if problem is not None:
            problems.append(problem)
            yield RawRecord(path, index, lineno, lineno, None, problems=problems, raw_bytes=line)
            index += 1
            continue
        text = line.decode("utf-8")
        message, pos = _json_error(text)
        if message.startswith("depth limit exceeded"):
            problems.append(_too_deep_problem())
            yield RawRecord(path, index, lineno, lineno, text, problems=problems, raw_bytes=line)
            index += 1
            continue
        stripped = text.lstrip()
        if _is_truncation(message) and stripped[:1] in "{[":
            joined = _try_multiline(lines, lineno, line)
            if joined is not None:
                end_line, data, full_text = joined
                if data is _LONE_SURROGATE:
                    # a record spread over lines that only a lone surrogate keeps from parsing:
                    # J001's one finding for the lines, J003's at the escape
                    problems.append(_surrogate_over_lines(full_text, lineno))
                    data, parsed = None, False
                elif too_deep(full_text, MAX_DEPTH):
                    problems.append(_too_deep_problem())
                    data, parsed = None, False
                else:
                    parsed = True
                problems.append(
                    ReadProblem(
                        "multiline",
                        f"one JSON record spans lines {lineno}-{end_line}; JSONL needs one record per line",
                        column=1,
                        end_line=end_line,
                        fatal=False,
                    )
                )
                yield RawRecord(path, index, lineno, end_line, full_text, data, parsed, 1, problems)
                index += 1
                continue
            following = lines.next()
            if following is None:
                message = "truncated record at the end of the file: " + message
            else:
                lines.push_back([following])
        elif message.startswith("unexpected content after document"):
            message += _after_document(text, pos)
        problems.append(_json_problem(text, message, pos + 1))
        yield RawRecord(path, index, lineno, lineno, text, problems=problems, raw_bytes=line)
        index += 1
    # Blank lines at the very end are an editor artefact, not a record gap,
    # except in a file that holds nothing else.
    if blank_run and not saw_content:
        yield from _blank_lines(path, blank_first, blank_run)
    if not saw_content:
        yield RawRecord(path, -1, 1, 1, "", problems=[ReadProblem("empty-file", "file holds no records")])


_FAILED = object()


def _blank_lines(path: str, first: int, count: int) -> Iterator[RawRecord]:
    """The J004 slot of a run of ``count`` blank lines starting at line ``first``: one slot
    for the run (J004 reports it once, and its fix removes the whole run)."""
    if count == 1:
        message = "blank line between records; JSONL holds one record per line"
    else:
        message = f"{count:,} blank lines between records; JSONL holds one record per line"
    problem = ReadProblem("blank", message, end_line=first + count - 1)
    yield RawRecord(path, -1, first, first + count - 1, "", problems=[problem])


def _line_levels(line: bytes) -> tuple[int, int, bool]:
    """``(delta, low, broken)`` of one physical line: how much it changes the nesting depth,
    the lowest depth it reaches (relative to its start, <= 0) and whether it leaves a string
    open (a JSON string cannot hold a raw newline, so such a line can end no record)."""
    depth = low = 0
    j = 0
    search = _STRUCT_BYTES.search
    while True:
        m = search(line, j)
        if m is None:
            return depth, low, False
        k = m.start()
        c = line[k]
        if c == 0x22:  # a quote
            j = string_end(line, k)
            if j < 0:
                return depth, low, True
            continue
        j = k + 1
        if c == 0x7B or c == 0x5B:
            depth += 1
        else:
            depth -= 1
            if depth < low:
                low = depth


def _try_multiline(lines: _Lines, lineno: int, first_line: bytes) -> tuple[int, Any, str] | None:
    """The pretty-printed record starting at line ``lineno``, as ``(end_line, value, text)``,
    or None (the lines read ahead are pushed back and read again as records of their own).

    The look-ahead tracks the nesting depth line by line and parses once, at the line where
    the depth returns to where it started.  Every line read ahead that opens a value is a
    possible start too: its end (or that it has none) is worked out in the same pass with a
    stack of open starts, and kept in ``lines.ends``, so when a failed look-ahead pushes its
    lines back nothing is scanned twice: the whole file costs one pass however it is broken.
    """
    known = lines.ends.pop(lineno, _UNKNOWN)
    if known is None:
        return None
    taken: list[tuple[int, bytes, bool]] = []
    if known is _UNKNOWN:
        end = _look_ahead(lines, lineno, first_line, taken)
    else:
        end = known
        while True:
            item = lines.next()
            if item is None:
                break
            taken.append(item)
            if item[0] >= end:
                break
    if end is None or not taken or taken[-1][0] != end:
        lines.push_back(taken)
        return None
    joined = b"\n".join([first_line, *(item[1] for item in taken)])
    try:
        value = orjson.loads(joined)
    except orjson.JSONDecodeError as exc:
        if "surrogate" in str(exc) and _decode_problem(joined) is None:
            text = joined.decode("utf-8")
            message, pos = _json_error(text)
            if _surrogate(text, message, pos) is not None:
                return end, _LONE_SURROGATE, text
        lines.push_back(taken)
        return None
    return end, value, joined.decode("utf-8")


#: :func:`_try_multiline`'s value for a record whose lines join up but hold a lone surrogate
_LONE_SURROGATE = object()


def _surrogate_over_lines(text: str, first_line: int) -> ReadProblem:
    """J003's problem for the lone surrogate of a record spread over lines from ``first_line``
    (``text``, the lines joined), at the escape's own line and column."""
    message, pos = _json_error(text)
    kind, message = _surrogate(text, message, pos) or ("lone-surrogate", message)
    start = text.rfind("\n", 0, pos) + 1
    return ReadProblem(kind, message, column=pos - start + 1, line=first_line + text.count("\n", 0, pos))  # type: ignore[arg-type]


_UNKNOWN = object()


def _look_ahead(
    lines: _Lines, lineno: int, first_line: bytes, taken: list[tuple[int, bytes, bool]]
) -> int | None:
    """Read lines after ``lineno`` until the value it opens closes; return that line or None.

    Fills ``lines.ends`` for the other starts seen on the way (see :func:`_try_multiline`).
    """
    delta, _, broken = _line_levels(first_line)
    if broken or delta <= 0:
        return None
    level = delta
    pending: list[tuple[int, int]] = [(0, lineno)]  # (depth before the start, its line), depth ascending
    size = len(first_line)
    result: int | None = None
    while len(taken) < MULTILINE_MAX_LINES and size < MULTILINE_MAX_BYTES:
        item = lines.next()
        if item is None or item[2]:
            if item is not None:
                taken.append(item)
            break
        taken.append(item)
        line = item[1]
        size += len(line) + 1
        delta, low, broken = _line_levels(line)
        if broken:
            break
        before = level
        level += delta
        while pending and pending[-1][0] >= before + low:
            _threshold, start = pending.pop()
            if start == lineno:
                result = item[0]
            else:
                lines.ends[start] = item[0]
        if result is not None:
            return result
        if line.lstrip()[:1] in (b"{", b"["):
            if before <= MAX_DEPTH:
                pending.append((before, item[0]))
            else:
                lines.ends[item[0]] = None  # would be too deep to report anyway
    for _threshold, start in pending:  # the window ended before these closed
        if start != lineno:
            lines.ends[start] = None
    return None


#: Bytes a JSON-array file is read in (more while one record is longer).
ARRAY_CHUNK = 1 << 20
_SKIP_TOKENS = re.compile(rb'["\\\[\]{}]')
_ARRAY_WS = b" \t\r\n"


class _ArrayReader:
    """Streams the elements of a JSON array file (see :func:`read_json_array`).

    ``buf`` holds the unread part of the file from ``base`` on; ``mark`` is a position in it
    whose line and column (``line``, ``col``: characters since the line's start) are known,
    moved forward only, so counting lines and columns costs one pass over the file.
    """

    def __init__(self, stream: IO[bytes], path: str, max_record_bytes: int) -> None:
        self.stream = stream
        self.path = path
        self.limit = max_record_bytes
        self.buf = b""
        self.base = 0
        self.mark = 0
        self.line = 1
        self.col = 0
        self.eof = False

    def more(self, keep_from: int) -> int:
        """Read more bytes, dropping what lies before ``keep_from``; return the shift."""
        if self.eof:
            return 0
        self.position(keep_from)
        want = max(ARRAY_CHUNK, len(self.buf) - keep_from)  # doubling: a long record costs O(its size)
        chunk = self.stream.read(want)
        if not chunk:
            self.eof = True
        shift = keep_from
        self.buf = self.buf[keep_from:] + chunk
        self.base += shift
        self.mark -= shift
        return shift

    def position(self, i: int) -> tuple[int, int]:
        """1-based ``(line, column)`` of ``buf[i]``."""
        buf = self.buf
        if i > self.mark:
            nl = buf.count(b"\n", self.mark, i)
            if nl:
                last = buf.rfind(b"\n", self.mark, i)
                self.line += nl
                self.col = len(buf[last + 1 : i].decode("utf-8", "replace"))
            else:
                self.col += len(buf[self.mark : i].decode("utf-8", "replace"))
            self.mark = i
        return self.line, self.col + 1

    def skip_ws(self, i: int) -> int:
        while True:
            buf = self.buf
            n = len(buf)
            while i < n and buf[i] in _ARRAY_WS:
                i += 1
            if i < n or self.eof:
                return i
            i -= self.more(i)

    def value_end(self, i: int) -> tuple[int, int]:
        """``(start, end)`` of the value at ``i``, reading on as needed: reading drops the bytes
        before the value, so its start moves and the caller must take it from here.  ``end`` is
        -1 at the end of the file, -2 when the value is larger than the record limit."""
        while True:
            end, _ = scan_value(self.buf, i)
            if end >= 0 and (end < len(self.buf) or self.eof):
                return i, end
            if end < 0 and self.eof:
                return i, -1
            if len(self.buf) - i > self.limit:
                return i, -2
            i -= self.more(i)

    def skip_large(self, i: int) -> int:
        """Skip the oversized value at ``i`` without holding it; return where it ends (-1: EOF)."""
        depth, in_string = 0, False
        j = i
        while True:
            buf = self.buf
            n = len(buf)
            while j < n:
                if in_string:
                    m = _STRING_STOP.search(buf, j)
                    if m is None:
                        j = n
                        break
                    j = m.end()
                    if buf[m.start()] == 0x5C:  # a backslash: the next byte is escaped
                        j += 1
                        continue
                    in_string = False
                    if depth == 0:
                        return j
                    continue
                m = _SKIP_TOKENS.search(buf, j)
                if m is None:
                    j = n
                    break
                c = buf[m.start()]
                j = m.end()
                if c == 0x22:
                    in_string = True
                elif c in (0x7B, 0x5B):
                    depth += 1
                elif c in (0x7D, 0x5D):
                    depth -= 1
                    if depth <= 0:
                        return j
            if self.eof:
                return -1
            j -= self.more(min(j, n))


_STRING_STOP = re.compile(rb'["\\]')


def read_json_array(
    source: bytes | IO[bytes], path: str, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
) -> Iterator[RawRecord]:
    """Records of a JSON array file, each located at the line where it starts.

    Streamed: each element is found by a linear scan of the bytes (strings skipped, brackets
    counted) and parsed on its own by the parser JSON Lines use, so an array file takes the
    memory of its largest record, an element that does not parse is reported (J001/J003/J007)
    and the elements after it are still read, and every record knows its byte ``offset`` (for
    ``--fix``, which splices edits into the original bytes).
    """
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    r = _ArrayReader(stream, path, max_record_bytes)
    r.more(0)
    problems: list[ReadProblem] = []
    pos = 0
    if r.buf.startswith(b"\xef\xbb\xbf"):
        problems.append(
            ReadProblem(
                "bom", "file starts with a UTF-8 byte-order mark (BOM)", column=1, byte_offset=0, fatal=False
            )
        )
        pos = 3
        r.mark = 3  # the BOM is not a character of the line
    pos = r.skip_ws(pos)
    if pos >= len(r.buf) or r.buf[pos] != 0x5B:
        yield from read_jsonl(io.BytesIO(r.buf[pos:]), path, max_record_bytes)  # pragma: no cover
        return
    pos = r.skip_ws(pos + 1)
    index = 0

    def failure(at: int, message: str, element: int = -1, where: tuple[int, int] | None = None) -> RawRecord:
        """A problem of the array's structure at ``at`` (or at ``where``, a line and column):
        of the element ``element`` (one that starts there and never ends, or one followed by
        something other than ``,`` or ``]``), else of the file (index -1, as a blank line of
        JSON Lines), so that every record keeps its own index, its position in the array."""
        line, col = where or r.position(at)
        return RawRecord(
            path,
            element,
            line,
            line,
            None,
            column=col,
            problems=[*problems, ReadProblem("invalid-json", message, column=col)],
        )

    if pos < len(r.buf) and r.buf[pos] == 0x5D:
        yield RawRecord(
            path, -1, 1, 1, "", problems=[*problems, ReadProblem("empty-file", "file holds no records")]
        )
        rest = r.skip_ws(pos + 1)
        if rest < len(r.buf):
            yield failure(rest, "unexpected content after the end of the array")
        return
    while True:
        if pos >= len(r.buf):
            yield failure(pos, "truncated file: the array is not closed")
            return
        pos, end = r.value_end(pos)
        cut: int | None = None  # where an element with an unterminated string breaks
        if end == -2:
            line, col = r.position(pos)
            end = r.skip_large(pos)
            yield RawRecord(
                path,
                index,
                line,
                line,
                None,
                column=col,
                problems=[
                    *problems,
                    ReadProblem(
                        "too-large", f"record is larger than {r.limit // (1024 * 1024)} MiB; skipped"
                    ),
                ],
            )
            problems = []
            index += 1
            if end < 0:
                yield failure(len(r.buf), "truncated file: the array is not closed")
                return
            pos = end
        elif end < 0 and (cut := _unterminated_string(r.buf, pos, len(r.buf))) is None:
            yield failure(pos, "truncated file: the array is not closed", index)
            return
        elif cut is not None or (cut := _broken_element(r.buf, pos, end)) is not None:
            # a string that runs past its line's end: JSON strings hold no raw line break, so
            # the string was never closed there, and every quote after it pairs wrongly; the
            # element is reported up to that line's end and reading goes on at the next line
            # that starts an element (at most the broken element's indentation), instead of
            # swallowing the rest of the file as one string
            line, col = r.position(pos)
            broken = _array_element(path, index, line, col, r.buf[pos:cut], r.base + pos, problems)
            if broken.problems and broken.problems[-1].kind == "invalid-json":
                broken.problems[
                    -1
                ].message = "unterminated string: no closing quote before the end of the line"
            yield broken
            problems = []
            index += 1
            nxt = _next_element_line(r.buf, cut, col)
            if nxt is None:
                yield failure(len(r.buf), "truncated file: the array is not closed")
                return
            pos = nxt
            continue
        else:
            line, col = r.position(pos)
            data = r.buf[pos:end]
            yield _array_element(path, index, line, col, data, r.base + pos, problems)
            problems = []
            index += 1
            pos = end
        after: tuple[int, int] | None = None  # where the element ends: where a ',' belongs
        buf = r.buf
        j = pos
        while j < len(buf) and buf[j] in _ARRAY_WS:
            j += 1
        if j >= len(buf) or buf[j] not in b",]":
            after = r.position(pos)  # (before reading on moves the buffer)
        while True:  # what follows an element
            pos = r.skip_ws(pos)
            c = r.buf[pos] if pos < len(r.buf) else None
            if c == 0x2C:  # ,
                pos = r.skip_ws(pos + 1)
                if pos < len(r.buf) and r.buf[pos] == 0x5D:
                    yield failure(pos, "trailing comma before the end of the array", index - 1)
                    c = 0x5D
                else:
                    break
            if c == 0x5D:  # ]
                rest = r.skip_ws(pos + 1)
                if rest < len(r.buf):
                    yield failure(rest, "unexpected content after the end of the array")
                return
            if c is None:
                yield failure(pos, "truncated file: the array is not closed")
                return
            # of the element just read: at a stray "}", or where its ',' belongs
            yield failure(
                pos, "expected ',' or ']' after an array element", index - 1, None if c == 0x7D else after
            )
            if c != 0x7D:
                break  # a missing comma (or junk): read on from here as the next element
            # a stray "}" ends every value: reading on from it would read an empty element and
            # come back here for ever (found by fuzzing: a 436-byte file filled the memory);
            # it is stepped over, and what follows it is what follows the element
            pos += 1
            after = r.position(pos)


def _unterminated_string(buf: bytes, start: int, stop: int) -> int | None:
    """Where the first string literal of ``buf[start:stop]`` that holds a raw line break breaks
    (the index of that line break), or None.  Strings are skipped as the scanner skips them, so
    quotes pair as a parser pairs them, up to the first string that crosses a line."""
    j = start
    while True:
        q = buf.find(b'"', j, stop)
        if q < 0:
            return None
        e = string_end(buf, q)
        nl = buf.find(b"\n", q, e if 0 <= e <= stop else stop)
        if nl >= 0:
            return nl
        if e < 0 or e >= stop:
            return None
        j = e


def _broken_element(buf: bytes, start: int, end: int) -> int | None:
    """:func:`_unterminated_string` for a complete element that does not parse (only then: a
    well-formed element holds no raw line break inside a string, and parsing is the cheap test)."""
    data = buf[start:end]
    if b"\n" not in data:
        return None
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        return _unterminated_string(buf, start, end)
    return None


def _next_element_line(buf: bytes, after: int, column: int) -> int | None:
    """Start of the first line after ``after`` whose first character opens an object or array
    at most ``column`` characters in: the next element of a one-per-line or pretty-printed
    array (lines nested deeper inside the broken element are indented further)."""
    k = buf.find(b"\n", after)
    while k >= 0:
        p = k + 1
        while p < len(buf) and buf[p] in b" \t\r":
            p += 1
        if p < len(buf) and buf[p] in b"{[" and p - k <= column:
            return p
        k = buf.find(b"\n", p)
    return None


def _array_element(
    path: str, index: int, line: int, col: int, data: bytes, offset: int, problems: list[ReadProblem]
) -> RawRecord:
    """One element of a JSON array, parsed the way a JSON Lines record is."""
    end_line = line + data.count(b"\n")
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        value = _FAILED
    if value is not _FAILED:
        if too_deep(data, MAX_DEPTH):
            return RawRecord(
                path,
                index,
                line,
                end_line,
                None,
                column=col,
                offset=offset,
                problems=[*problems, _too_deep_problem()],
                raw_bytes=data,
            )
        return RawRecord(path, index, line, end_line, None, value, True, col, problems, data, offset)
    problem = _decode_problem(data)
    text = data.decode("utf-8", "replace")
    if problem is None:
        message, at = _json_error(text)
        if message.startswith("depth limit exceeded"):
            problem = _too_deep_problem()
            at = 0
        problem = problem or _json_problem(text, message, at + 1)
    else:
        at = len(data[: problem.byte_offset or 0].decode("utf-8", "replace"))
    nl = text.count("\n", 0, at)
    if nl:
        problem.column = at - text.rfind("\n", 0, at)
    else:
        problem.column = col + at
    line_of = line + nl
    return RawRecord(
        path,
        index,
        line_of,
        line_of,
        text,
        column=col,
        offset=offset,
        problems=[*problems, problem],
        raw_bytes=data,
    )


def read_json_document(content: bytes, path: str) -> Iterator[RawRecord]:
    """A ``.json`` file holding one object (or something else): one record."""
    problems: list[ReadProblem] = []
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
        problems.append(
            ReadProblem(
                "bom", "file starts with a UTF-8 byte-order mark (BOM)", column=1, byte_offset=0, fatal=False
            )
        )
    try:
        value = orjson.loads(content)
    except orjson.JSONDecodeError:
        # Not one document: maybe JSON Lines under a .json name.
        yield from read_jsonl(io.BytesIO(content), path)
        return
    from sftlint.formats import wrapped_record_keys

    keys = wrapped_record_keys(value)
    if keys:
        if problems:  # the BOM: a problem of the file's first line, whichever record starts there
            yield RawRecord(path, -1, 1, 1, None, problems=problems)
        yield from _wrapped_records(content, path, keys, 3 if problems else 0)
        return
    text = content.decode("utf-8")
    end_line = text.rstrip().count("\n") + 1
    yield RawRecord(path, 0, 1, end_line, text, value, True, 1, problems)


def _wrapped_records(content: bytes, path: str, keys: list[str], skipped: int) -> Iterator[RawRecord]:
    """The elements of a document's lists of records (:func:`~sftlint.formats.wrapped_record_keys`),
    each read as an element of a JSON array file is, located in the whole file: its line and
    column, and its byte ``offset`` for ``--fix`` (``skipped``: bytes before ``content``, a BOM)."""
    index = 0
    for key, start, end in _members(content):
        if key not in keys:
            continue
        before = content[:start]
        line0 = before.count(b"\n")  # lines before the list's line
        col0 = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace"))
        for raw in read_json_array(content[start:end], path):
            if raw.index < 0:
                continue  # an empty list, or trailing content: the document parsed, so neither
            first_line = raw.line == 1
            raw.index = index
            raw.line += line0
            raw.end_line += line0
            if first_line:
                raw.column += col0
            if raw.offset >= 0:
                raw.offset += start + skipped
            index += 1
            yield raw


def _members(content: bytes) -> Iterator[tuple[str, int, int]]:
    """``(key, start, end)`` of each member's value in a JSON object that parses."""
    i = content.index(b"{") + 1
    while True:
        i = _skip_ws(content, i)
        if content[i : i + 1] != b'"':
            return
        key_end = string_end(content, i)
        key = orjson.loads(content[i:key_end])
        start = _skip_ws(content, content.index(b":", key_end) + 1)
        end, _ = scan_value(content, start)
        yield key, start, end
        i = _skip_ws(content, end)
        if content[i : i + 1] != b",":
            return
        i += 1


def _skip_ws(content: bytes, i: int) -> int:
    while i < len(content) and content[i] in _ARRAY_WS:
        i += 1
    return i


#: What a damaged compressed file raises half-way through reading it (zstandard's ZstdError too).
_STREAM_ERRORS = (OSError, EOFError, zlib.error)
_COMPRESSED = (".gz", ".zst")


def _stream_error(exc: BaseException) -> bool:
    return isinstance(exc, _STREAM_ERRORS) or type(exc).__name__ == "ZstdError"


def _corrupt(path: str, line: int, exc: BaseException) -> RawRecord:
    """The J003 slot of a file whose bytes stop being readable (a damaged ``.gz``)."""
    what = "compressed data is damaged" if path.endswith(_COMPRESSED) else "read error"
    return RawRecord(
        path,
        -1,
        line,
        line,
        None,
        problems=[
            ReadProblem(
                "unreadable",
                f"{what} from line {line} on ({type(exc).__name__}: {exc}); the rest of the "
                "file cannot be read",
            )
        ],
    )


#: How a Git LFS pointer file starts: what a clone without git-lfs (or a download of the
#: repository's raw files) holds in place of a dataset
_LFS_POINTER = b"version https://git-lfs.github.com/spec/"


def _lfs_message(head: bytes) -> str:
    """J001's message for a Git LFS pointer: what it stands for, and how to get the data."""
    size = re.search(rb"^size (\d+)", head, re.M)
    what = f" for {int(size.group(1)):,} bytes" if size else ""
    return (
        f"file is a Git LFS pointer{what}, not the data: the repository was cloned without "
        "git-lfs (run `git lfs pull`, or download the file itself)"
    )


def read_source(
    path: str,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    progress: Any = None,
    stdin_names: tuple[str, ...] | None = None,
    name: str | None = None,
) -> Iterator[RawRecord]:
    """Raw records of one source (a path or ``-``), whatever its kind.

    Raises :class:`SourceError` only when the source cannot be opened; bytes that stop being
    readable half-way (a damaged ``.gz`` or ``.zst``) are a J003 finding after the records read
    so far.  Parquet, Arrow and ``datasets`` folders are read by :mod:`sftlint.columnar`.
    ``stdin_names``: for ``-``, copy standard input to disk as it is read, under these names,
    for the rules that read records again (see :mod:`sftlint.stdin_copy`).  ``name``: what
    ``-`` goes by (``--stdin-filename``); a table's name (``data.csv``) makes it read as one.
    """
    from sftlint.columnar import is_columnar, read_columnar
    from sftlint.delimited import is_delimited, read_delimited

    if path != "-" and is_columnar(path):
        yield from read_columnar(path)
        return
    stream = open_binary(path)
    if path == "-":
        stream, suffix = _columnar_stdin(stream, name)
        if suffix is not None:
            yield from _read_columnar_stdin(stream, path, suffix, stdin_names)
            return
    if path == "-" and stdin_names:
        from sftlint import stdin_copy

        stream = stdin_copy.tee(stream, stdin_names)
    if path == "-" and name is not None and is_delimited(name):
        yield from read_delimited(path, stream, name)
        return
    try:
        yield from read_stream(stream, path, max_record_bytes, progress)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _columnar_stdin(stream: IO[bytes], name: str | None) -> tuple[IO[bytes], str | None]:
    """Standard input (buffered, so that its first bytes can be looked at) and the suffix of the
    columnar file it holds (``--stdin-filename data.parquet``, or its bytes begin with Parquet's
    or an Arrow file's magic), or None."""
    from sftlint.columnar import COLUMNAR_SUFFIXES

    if name is not None and name.endswith(COLUMNAR_SUFFIXES):
        return stream, name[name.rfind(".") :]
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream)  # type: ignore[arg-type]
    head = stream.peek(8)[:8]  # type: ignore[attr-defined]
    if head.startswith(b"PAR1"):
        return stream, ".parquet"
    if head.startswith(b"ARROW1"):
        return stream, ".arrow"
    return stream, None


def _read_columnar_stdin(
    stream: IO[bytes], path: str, suffix: str, stdin_names: tuple[str, ...] | None
) -> Iterator[RawRecord]:
    """Rows of a Parquet or Arrow file piped in: written to disk first (it is read from its
    footer), then read as the file would be, each record named as standard input goes by."""
    from sftlint import stdin_copy
    from sftlint.columnar import read_columnar

    copy = stdin_copy.spool(stream, stdin_names or (path,), suffix)
    try:
        for raw in read_columnar(copy):
            raw.path = path
            for p in raw.problems:
                p.message = p.message.replace(copy, path)
            yield raw
    except SourceError as exc:  # pyarrow missing: said of standard input, not of the copy
        raise SourceError(str(exc).replace(copy, path)) from exc


def read_stream(
    stream: IO[bytes], path: str, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES, progress: Any = None
) -> Iterator[RawRecord]:
    """Raw records of an open binary stream named ``path`` (see :func:`read_source`)."""
    line = 1
    try:
        try:
            head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(stream, "peek") else b""
            if not head and not hasattr(stream, "peek"):
                stream = io.BufferedReader(stream)  # type: ignore[arg-type]
                head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
        except Exception as exc:
            if not _stream_error(exc):
                raise
            if not path.endswith(_COMPRESSED) or isinstance(exc, PermissionError):
                raise SourceError(f"{path}: cannot read: {exc}") from exc
            yield _corrupt(path, 1, exc)
            return
        wide = _utf16_bom(head)
        if wide:
            yield RawRecord(
                path,
                -1,
                1,
                1,
                None,
                problems=[
                    ReadProblem(
                        "utf16", f"file is {wide}-encoded; sftlint reads UTF-8 (convert it, e.g. with iconv)"
                    )
                ],
            )
            return
        if _looks_binary(head):
            yield RawRecord(
                path,
                -1,
                1,
                1,
                None,
                problems=[
                    ReadProblem("binary", "file looks binary (NUL bytes and non-text data), not JSON Lines")
                ],
            )
            return
        if head.startswith(_LFS_POINTER):
            yield RawRecord(path, -1, 1, 1, None, problems=[ReadProblem("invalid-json", _lfs_message(head))])
            return
        kind = sniff_kind(head, path)
        if kind == "document":
            content = stream.read()
            if progress is not None:
                progress(len(content))
            yield from read_json_document(content, path)
            return
        if kind == "array":
            reader = read_json_array(stream, path, max_record_bytes)
        else:
            reader = read_jsonl(stream, path, max_record_bytes)
        last = 0
        for raw in reader:
            line = raw.end_line + 1
            if progress is not None:
                pos = _position(stream)
                if pos is not None and pos - last > (1 << 20):
                    progress(pos - last)
                    last = pos
            yield raw
    except Exception as exc:
        if not _stream_error(exc):
            raise
        if isinstance(exc, PermissionError):
            raise SourceError(f"{path}: cannot read: {exc}") from exc
        yield _corrupt(path, line, exc)


def sniff_kind(head: bytes, path: str) -> Literal["utf16", "binary", "array", "document", "jsonl"]:
    """What a file is, from its first bytes: how :func:`read_source` will read it.

    ``array``: a JSON array of records; ``document``: a ``.json`` file holding
    one object; ``jsonl``: JSON Lines (also the fallback for anything else).
    """
    if _utf16_bom(head):
        return "utf16"
    if _looks_binary(head):
        return "binary"
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    first = body[:1]
    name = path[:-3] if path.endswith(".gz") else path[:-4] if path.endswith(".zst") else path
    if first == b"[" and _first_line_is_a_record(body, name):
        first = b"\n"  # JSON Lines whose first record happens to be an array (J002)
    if first == b"[":
        return "array"
    if name.endswith(".json") and first == b"{":
        return "document"
    return "jsonl"


def _first_line_is_a_record(body: bytes, name: str) -> bool:
    """Whether a file starting with ``[`` is JSON Lines after all: its first
    line is a complete JSON value and (for names other than ``.jsonl``) more
    content follows it.  A pretty-printed array's first line is just ``[``."""
    nl = body.find(b"\n")
    if nl < 0:
        return False
    try:
        orjson.loads(body[:nl])
    except orjson.JSONDecodeError:
        return False
    return name.endswith(".jsonl") or bool(body[nl:].strip())


def _position(stream: IO[bytes]) -> int | None:
    try:
        return stream.tell()
    except (OSError, ValueError):
        return None
