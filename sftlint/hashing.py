"""Content hashes of records: stable across formatting and key order.

Used as the baseline key (a team adopts sftlint and fails only on new
findings) and by duplicate detection.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

#: Records whose text is longer than this are hashed piece by piece (see :func:`record_hash`).
PIECEWISE_CHARS = 1 << 20
#: Strings are encoded in pieces of this many characters.
_PIECE = 1 << 16


def record_hash(data: Any, size: int = 0) -> str:
    """Hex digest of the record's canonical JSON (sorted keys, compact).

    ``size``: the record's length in the file, when known.  From :data:`PIECEWISE_CHARS` on,
    the canonical JSON is hashed as it is written, piece by piece: orjson holds its whole
    output at about 14 bytes per character of Chinese text (a 10 MB record made a 140 MB
    buffer).  The bytes hashed are the same either way (a test compares them)."""
    h = hashlib.blake2b(digest_size=12)
    try:
        if size > PIECEWISE_CHARS:
            for piece in canonical_pieces(data):
                h.update(piece)
        else:
            h.update(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
    except (TypeError, RecursionError):  # pragma: no cover - parsed JSON is always serialisable
        h = hashlib.blake2b(repr(data).encode(), digest_size=12)
    return h.hexdigest()


def parsed_copy(data: Any, source: bytes | str | None) -> Any:
    """A copy of ``data`` parsed again from ``source``, the JSON text it was read from, to
    serialise in its place; ``data`` itself where ``source`` is missing or is not its text.

    orjson keeps the UTF-8 form of every non-ASCII string it writes *inside the string*
    (``PyUnicode_AsUTF8AndSize``): 3 more bytes a character of Chinese, for as long as the
    string lives.  The rules keep turns' texts, the very strings of ``data``, as the keys of
    their memos, so writing ``data`` for the content hash made every kept Chinese text two and
    a half times its size (peak RSS on a gigabyte of real Chinese text: 527 MB, against 500 for
    issue 19).  The copy's strings, and the UTF-8 forms orjson gives them, are freed as soon as
    it is written; the bytes are the same.  A record past :data:`PIECEWISE_CHARS` is not held
    twice: it is written as it is (:func:`record_hash` writes it a piece at a time)."""
    if source is None or len(source) > PIECEWISE_CHARS:
        return data
    try:
        copy = orjson.loads(source)
    except orjson.JSONDecodeError:
        return data
    return copy if copy == data else data


def canonical_json(data: Any) -> bytes:
    """The bytes :func:`record_hash` hashes (sorted keys, compact), for a caller that needs them
    too: J005 counts the colons in them and hands them on, so the record is written once."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def canonical_hash(canonical: bytes) -> str:
    """:func:`record_hash` of the record whose :func:`canonical_json` is ``canonical``."""
    return hashlib.blake2b(canonical, digest_size=12).hexdigest()


def canonical_pieces(data: Any) -> Any:
    """``orjson.dumps(data, option=OPT_SORT_KEYS)`` as a sequence of byte strings, each small:
    containers are walked, long strings encoded a piece at a time (JSON escapes one character
    at a time, so the pieces join to the same bytes)."""
    dumps = orjson.dumps
    stack: list[Any] = [data]
    while stack:
        v = stack.pop()
        if type(v) is bytes:
            yield v
        elif isinstance(v, dict):
            keys = sorted(v)
            yield b"{"
            todo: list[Any] = []
            for k, key in enumerate(keys):
                todo.append((b"," if k else b"") + dumps(key) + b":")
                todo.append(v[key])
            todo.append(b"}")
            stack.extend(reversed(todo))
        elif isinstance(v, list):
            todo = [b"["]
            for k, item in enumerate(v):
                if k:
                    todo.append(b",")
                todo.append(item)
            todo.append(b"]")
            stack.extend(reversed(todo))
        elif isinstance(v, str) and len(v) > _PIECE:
            yield b'"'
            for i in range(0, len(v), _PIECE):
                yield dumps(v[i : i + _PIECE])[1:-1]
            yield b'"'
        else:
            yield dumps(v)


def text_hash(text: str | bytes) -> str:
    """Hex digest of raw text (lines that could not be parsed)."""
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=12).hexdigest()
