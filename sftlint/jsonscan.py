"""Linear scans over raw JSON text: where a value ends, how deep a value nests.

Parsers give values, not positions.  The locator (finding -> line and column),
the JSON-array reader (where each record starts and ends) and the fixer (which
bytes to splice) need positions, so they scan the raw text.  Every scan here is
iterative (no recursion, so nesting depth cannot exhaust the stack) and linear
in the text it covers: strings are skipped with ``find`` and a count of the
backslashes before each quote, never with a backtracking regular expression.

The functions work on ``str`` and on ``bytes`` alike (the reader scans bytes,
the locator decoded text).
"""

from __future__ import annotations

import re
from typing import AnyStr

_STRUCT_STR = re.compile(r'["\[\]{}]')
_STRUCT_BYTES = re.compile(rb'["\[\]{}]')
_SCALAR_END_STR = re.compile(r"[,\]}\s]")
_SCALAR_END_BYTES = re.compile(rb"[,\]}\s]")
_WS_STR = re.compile(r"[ \t\r\n]*")
_WS_BYTES = re.compile(rb"[ \t\r\n]*")


def _pick(text: str | bytes, for_str: re.Pattern, for_bytes: re.Pattern) -> re.Pattern:
    return for_str if isinstance(text, str) else for_bytes


def skip_ws(text: AnyStr, i: int) -> int:
    """Index of the first non-whitespace character at or after ``i``."""
    return _pick(text, _WS_STR, _WS_BYTES).match(text, i).end()  # type: ignore[union-attr]


def string_end(text: AnyStr, start: int) -> int:
    """Index just past the string literal whose opening quote is at ``start``, or -1 when
    the text ends before the closing quote.

    A quote closes the string when an even number of backslashes precede it; each run of
    backslashes is counted once, so the scan is linear however the string is written.
    """
    quote: AnyStr = '"' if isinstance(text, str) else b'"'  # type: ignore[assignment]
    backslash = "\\" if isinstance(text, str) else 0x5C
    j = start + 1
    while True:
        q = text.find(quote, j)
        if q < 0:
            return -1
        k = q - 1
        while k > start and text[k] == backslash:
            k -= 1
        if (q - 1 - k) % 2 == 0:
            return q + 1
        j = q + 1


def skip_value(text: AnyStr, i: int) -> int:
    """Index just past the JSON value starting at ``i`` (the text's end when it is cut)."""
    end, _ = scan_value(text, i)
    return end if end >= 0 else len(text)


def scan_value(text: AnyStr, i: int, depth_limit: int | None = None) -> tuple[int, int]:
    """``(end, max_depth)`` of the JSON value starting at ``i``.

    ``end`` is -1 when the text ends inside the value.  With ``depth_limit``, the scan stops
    as soon as the nesting exceeds it and returns ``(-2, depth)``: a caller that only needs
    to know the value is too deep does not read the rest of a pathological record.
    """
    n = len(text)
    if i >= n:
        return -1, 0
    c = text[i : i + 1]
    if c in ('"', b'"'):
        return string_end(text, i), 0
    if c not in ("{", "[", b"{", b"["):
        m = _pick(text, _SCALAR_END_STR, _SCALAR_END_BYTES).search(text, i)
        return (m.start() if m else n), 0
    struct = _pick(text, _STRUCT_STR, _STRUCT_BYTES)
    opening = ("{", "[") if isinstance(text, str) else (0x7B, 0x5B)
    quote = '"' if isinstance(text, str) else 0x22
    depth = deepest = 0
    j = i
    while True:
        m = struct.search(text, j)
        if m is None:
            return -1, deepest
        k = m.start()
        ch = text[k]
        if ch == quote:
            j = string_end(text, k)
            if j < 0:
                return -1, deepest
            continue
        j = k + 1
        if ch in opening:
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth_limit is not None and depth > depth_limit:
                    return -2, depth
        else:
            depth -= 1
            if depth == 0:
                return j, deepest


#: every byte but ``[`` and ``{``
_NOT_OPENING = bytes(b for b in range(256) if b not in b"[{")
#: every byte but ``[``, ``{`` and ``:``
_NOT_STRUCTURAL = bytes(b for b in range(256) if b not in b"[{:")


def brackets_and_colons(line: bytes) -> tuple[int, int]:
    """How many opening brackets (``[`` and ``{`` together) and how many colons ``line``
    holds, in one pass: ``translate`` deleting every other byte leaves a short string to count.

    The reader needs the brackets (a record that may nest too deep, :func:`too_deep`) and J005
    the colons (a dropped duplicate key takes its colon with it); a pass each cost 37K and 29K
    instructions on a 4 KB line, one pass for both 37K."""
    kept = line.translate(None, _NOT_STRUCTURAL)
    colons = kept.count(b":")
    return len(kept) - colons, colons


def too_deep(text: AnyStr, limit: int) -> bool:
    """Whether the JSON value in ``text`` nests deeper than ``limit`` levels.

    A text with at most ``limit`` brackets cannot, which C code tells: bytes in one pass
    (``translate`` deleting every other byte leaves the brackets, a short string), text in two
    ``count`` passes.  Only the rare text with more brackets is scanned, and only until the
    limit is passed.
    """
    if isinstance(text, str):
        brackets = text.count("[") + text.count("{")
    else:
        brackets = len(text.translate(None, _NOT_OPENING))
    if brackets <= limit:
        return False
    _, depth = scan_value(text, skip_ws(text, 0), depth_limit=limit)
    return depth > limit
