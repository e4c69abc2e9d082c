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
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Literal

import orjson

#: A record larger than this is reported (J007) and skipped instead of parsed.
DEFAULT_MAX_RECORD_BYTES = 128 * 1024 * 1024
#: How far we look ahead to recognise a pretty-printed record spanning lines.
MULTILINE_MAX_LINES = 10_000
MULTILINE_MAX_BYTES = 16 * 1024 * 1024
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
]


@dataclass(slots=True)
class ReadProblem:
    kind: ProblemKind
    message: str
    column: int | None = None  # 1-based, in characters of the line
    byte_offset: int | None = None  # offset in the line (encoding problems)
    end_line: int | None = None
    fatal: bool = True  # whether the record could not be parsed because of it


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
    raw_bytes: bytes | None = None  # for JSONL: the line as read (fast paths, hashing)

    def source_text(self) -> str | None:
        """The decoded source; JSONL lines are decoded only when someone asks."""
        if self.text is None and self.raw_bytes is not None and self.parsed:
            self.text = self.raw_bytes.decode("utf-8")
        return self.text


class SourceError(Exception):
    """A path that cannot be read at all (missing, permission, a directory)."""


def display_path(path: str | os.PathLike[str]) -> str:
    return "-" if str(path) == "-" else os.fspath(path)


def _open_binary(path: str) -> IO[bytes]:
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
        reader = zstandard.ZstdDecompressor().stream_reader(fh, closefd=True)
        return io.BufferedReader(reader)  # type: ignore[arg-type]
    return fh


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
    pending_blank: list[RawRecord] = []
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
            # (editors add those); we find out by looking at what follows.
            problems.append(
                ReadProblem("blank", "blank line between records; JSONL holds one record per line")
            )
            pending_blank.append(RawRecord(path, -1, lineno, lineno, "", problems=problems))
            continue
        if pending_blank:
            yield from pending_blank
            pending_blank = []
        saw_content = True
        try:
            data = loads(line)
        except orjson.JSONDecodeError:
            data = _FAILED
        if data is not _FAILED:
            yield RawRecord(path, index, lineno, lineno, None, data, True, 1, problems or (), line)
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
        stripped = text.lstrip()
        if _is_truncation(message) and stripped[:1] in "{[":
            joined = _try_multiline(lines, lineno, line)
            if joined is not None:
                end_line, data, full_text = joined
                problems.append(
                    ReadProblem(
                        "multiline",
                        f"one JSON record spans lines {lineno}-{end_line}; JSONL needs one record per line",
                        column=1,
                        end_line=end_line,
                        fatal=False,
                    )
                )
                yield RawRecord(path, index, lineno, end_line, full_text, data, True, 1, problems)
                index += 1
                continue
            following = lines.next()
            if following is None:
                message = "truncated record at the end of the file: " + message
            else:
                lines.push_back([following])
        problems.append(ReadProblem("invalid-json", message, column=pos + 1))
        yield RawRecord(path, index, lineno, lineno, text, problems=problems, raw_bytes=line)
        index += 1
    # Blank lines at the very end are an editor artefact, not a record gap,
    # except in a file that holds nothing else.
    if pending_blank and not saw_content:
        yield from pending_blank
    if not saw_content:
        yield RawRecord(path, -1, 1, 1, "", problems=[ReadProblem("empty-file", "file holds no records")])


_FAILED = object()


def _try_multiline(lines: _Lines, lineno: int, first_line: bytes) -> tuple[int, Any, str] | None:
    """Join following lines until they parse as one JSON value.

    Returns ``(end_line, value, text)`` or None (lines are pushed back so that
    they are read again as records of their own).
    """
    taken: list[tuple[int, bytes, bool]] = []
    buf = [first_line]
    size = len(first_line)
    while len(taken) < MULTILINE_MAX_LINES and size < MULTILINE_MAX_BYTES:
        item = lines.next()
        if item is None:
            break
        taken.append(item)
        if item[2]:
            break
        buf.append(item[1])
        size += len(item[1]) + 1
        stripped = item[1].strip()
        if not stripped.endswith((b"}", b"]")):
            continue
        joined = b"\n".join(buf)
        try:
            value = orjson.loads(joined)
        except orjson.JSONDecodeError as exc:
            if _is_truncation(str(exc)):
                continue
            break
        return item[0], value, joined.decode("utf-8")
    lines.push_back(taken)
    return None


def read_json_array(content: bytes, path: str) -> Iterator[RawRecord]:
    """Records of a JSON array file, each located at the line where it starts."""
    import json

    problems: list[ReadProblem] = []
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
        problems.append(
            ReadProblem(
                "bom", "file starts with a UTF-8 byte-order mark (BOM)", column=1, byte_offset=0, fatal=False
            )
        )
    decode_problem = _decode_problem(content)
    if decode_problem is not None:
        prefix = content[: decode_problem.byte_offset or 0]
        line = prefix.count(b"\n") + 1
        col_bytes = prefix[prefix.rfind(b"\n") + 1 :]
        decode_problem.column = len(col_bytes.decode("utf-8", "replace")) + 1
        yield RawRecord(path, 0, line, line, None, problems=[*problems, decode_problem])
        return
    text = content.decode("utf-8")
    decoder = json.JSONDecoder()
    n = len(text)
    pos = text.index("[") + 1
    line = text.count("\n", 0, pos) + 1
    last = pos
    index = 0
    ws = " \t\r\n"

    def skip_ws(i: int) -> int:
        while i < n and text[i] in ws:
            i += 1
        return i

    def line_col(i: int) -> tuple[int, int]:
        nonlocal line, last
        line += text.count("\n", last, i)
        last = i
        return line, i - (text.rfind("\n", 0, i) + 1) + 1

    pos = skip_ws(pos)
    if pos < n and text[pos] == "]":
        yield RawRecord(
            path, -1, 1, 1, "", problems=[*problems, ReadProblem("empty-file", "file holds no records")]
        )
        return
    while pos < n:
        start = pos
        start_line, start_col = line_col(start)
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            eline, ecol = line_col(exc.pos)
            yield RawRecord(
                path,
                index,
                eline,
                eline,
                None,
                problems=[
                    *problems,
                    ReadProblem(
                        "invalid-json", f"{exc.msg}; the rest of the array cannot be read", column=ecol
                    ),
                ],
            )
            return
        except RecursionError:
            yield RawRecord(
                path,
                index,
                start_line,
                start_line,
                None,
                problems=[
                    *problems,
                    ReadProblem(
                        "invalid-json",
                        "value nested too deeply to parse; the rest of the array cannot be read",
                        column=start_col,
                    ),
                ],
            )
            return
        raw = text[start:end]
        end_line = start_line + raw.count("\n")
        yield RawRecord(path, index, start_line, end_line, raw, value, True, start_col, problems)
        problems = []
        index += 1
        pos = skip_ws(end)
        if pos < n and text[pos] == ",":
            pos = skip_ws(pos + 1)
            continue
        if pos < n and text[pos] == "]":
            rest = skip_ws(pos + 1)
            if rest < n:
                eline, ecol = line_col(rest)
                yield RawRecord(
                    path,
                    index,
                    eline,
                    eline,
                    None,
                    problems=[
                        ReadProblem(
                            "invalid-json", "unexpected content after the end of the array", column=ecol
                        )
                    ],
                )
            return
        eline, ecol = line_col(min(pos, n))
        yield RawRecord(
            path,
            index,
            eline,
            eline,
            None,
            problems=[
                ReadProblem(
                    "invalid-json",
                    "expected ',' or ']' after an array element"
                    if pos < n
                    else "truncated file: the array is not closed",
                    column=ecol,
                )
            ],
        )
        return


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
    text = content.decode("utf-8")
    end_line = text.rstrip().count("\n") + 1
    yield RawRecord(path, 0, 1, end_line, text, value, True, 1, problems)


def read_source(
    path: str, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES, progress: Any = None
) -> Iterator[RawRecord]:
    """Raw records of one source (a path or ``-``), whatever its kind.

    Raises :class:`SourceError` only when the source cannot be opened.
    Parquet, Arrow and ``datasets`` folders are read by :mod:`sftlint.columnar`.
    """
    from sftlint.columnar import is_columnar, read_columnar

    if path != "-" and is_columnar(path):
        yield from read_columnar(path)
        return
    stream = _open_binary(path)
    try:
        try:
            head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(stream, "peek") else b""
        except (OSError, EOFError) as exc:
            raise SourceError(f"{path}: cannot read: {exc}") from exc
        if not head and not hasattr(stream, "peek"):
            stream = io.BufferedReader(stream)  # type: ignore[arg-type]
            head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
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
        kind = sniff_kind(head, path)
        if kind in ("array", "document"):
            try:
                content = stream.read()
            except (OSError, EOFError) as exc:
                raise SourceError(f"{path}: cannot read: {exc}") from exc
            if progress is not None:
                progress(len(content))
            if kind == "array":
                yield from read_json_array(content, path)
            else:
                yield from read_json_document(content, path)
            return
        if progress is None:
            yield from read_jsonl(stream, path, max_record_bytes)
        else:
            reader = read_jsonl(stream, path, max_record_bytes)
            last = 0
            for raw in reader:
                pos = _position(stream)
                if pos is not None and pos - last > (1 << 20):
                    progress(pos - last)
                    last = pos
                yield raw
    except (OSError, EOFError) as exc:
        # A read error half-way (a corrupt .gz) is reported, not raised.
        yield RawRecord(path, -1, 1, 1, None, problems=[ReadProblem("invalid-json", f"read error: {exc}")])
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


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
