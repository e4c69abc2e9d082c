"""JSON Pointer + character span -> physical line and column.

Parsed JSON has no positions, and rules work on decoded strings.  Users need
the line and column in the file, and those differ from offsets in the decoded
string wherever the source has escapes (``\\n``, ``\\"``, ``\\u4e2d``).  This
module walks the raw text of one record to the value a pointer names and maps a
span in the decoded string back through its escapes.

It runs only when a finding is reported (the slow path), never per record, and
it walks iteratively so deeply nested values cannot exhaust the stack.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_WS = re.compile(r"[ \t\r\n]*")
_SCALAR = re.compile(r"[^,\]}\s]+")
_STRUCT = re.compile(r'["\[\]{}]')


@dataclass(frozen=True, slots=True)
class Location:
    line: int
    column: int
    end_line: int
    end_column: int
    #: the decoded string the span refers to (or the raw value text), for display
    source: str | None = None
    source_span: tuple[int, int] | None = None


def unescape_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [tok.replace("~1", "/").replace("~0", "~") for tok in pointer.split("/")[1:]]


def escape_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(*tokens: str | int) -> str:
    return "".join("/" + escape_token(t) for t in tokens)


def _skip_value(text: str, i: int) -> int:
    """Index just past the JSON value starting at ``i`` (iterative)."""
    c = text[i] if i < len(text) else ""
    if c == '"':
        m = _STRING.match(text, i)
        return m.end() if m else len(text)
    if c in "{[":
        depth = 0
        j = i
        while True:
            m = _STRUCT.search(text, j)
            if m is None:
                return len(text)
            ch = m.group()
            if ch == '"':
                sm = _STRING.match(text, m.start())
                j = sm.end() if sm else len(text)
                continue
            j = m.end()
            if ch in "{[":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return j
    m = _SCALAR.match(text, i)
    return m.end() if m else i + 1


def _ws(text: str, i: int) -> int:
    return _WS.match(text, i).end()


def find_value(text: str, pointer: str, start: int = 0) -> tuple[int, int] | None:
    """``(start, end)`` offsets in ``text`` of the value ``pointer`` names."""
    i = _ws(text, start)
    for token in unescape_pointer(pointer):
        if i >= len(text):
            return None
        c = text[i]
        if c == "{":
            i = _ws(text, i + 1)
            found = None
            while i < len(text) and text[i] != "}":
                m = _STRING.match(text, i)
                if m is None:
                    return None
                try:
                    key = json.loads(m.group())
                except ValueError:
                    return None
                i = _ws(text, m.end())
                if i >= len(text) or text[i] != ":":
                    return None
                i = _ws(text, i + 1)
                if key == token:
                    found = i  # JSON parsers keep the last duplicate; so do we
                i = _ws(text, _skip_value(text, i))
                if i < len(text) and text[i] == ",":
                    i = _ws(text, i + 1)
            if found is None:
                return None
            i = found
        elif c == "[":
            try:
                want = int(token)
            except ValueError:
                return None
            i = _ws(text, i + 1)
            k = 0
            while i < len(text) and text[i] != "]":
                if k == want:
                    break
                i = _ws(text, _skip_value(text, i))
                if i < len(text) and text[i] == ",":
                    i = _ws(text, i + 1)
                k += 1
            else:
                return None
        else:
            return None
    return i, _skip_value(text, i)


def raw_offsets(literal: str, span: tuple[int, int]) -> tuple[int, int]:
    """Map a span in the decoded string to offsets in its raw ``"..."`` literal.

    Offsets count Python characters (code points).  A ``\\uD83D\\uDE00``
    surrogate pair decodes to one character and spans 12 raw characters.
    """
    want_start, want_end = span
    i = 1  # past the opening quote
    n = len(literal) - 1
    decoded = 0
    raw_start = raw_end = None
    while i < n:
        if decoded == want_start and raw_start is None:
            raw_start = i
        if decoded == want_end:
            raw_end = i
            break
        if literal[i] == "\\":
            nxt = literal[i + 1] if i + 1 < n else ""
            if nxt == "u":
                code = literal[i + 2 : i + 6]
                i += 6
                try:
                    cp = int(code, 16)
                except ValueError:
                    cp = 0
                if 0xD800 <= cp <= 0xDBFF and literal[i : i + 2] == "\\u":
                    i += 6  # a surrogate pair is one character once decoded
            else:
                i += 2
        else:
            i += 1
        decoded += 1
    if raw_start is None:
        raw_start = min(i, n)
    if raw_end is None:
        raw_end = min(i, n)
    return raw_start, raw_end


class Locator:
    """Locates pointers inside one record's source text."""

    __slots__ = ("base_column", "base_line", "text")

    def __init__(self, text: str, base_line: int, base_column: int = 1) -> None:
        self.text = text
        self.base_line = base_line
        self.base_column = base_column

    def _line_col(self, offset: int) -> tuple[int, int]:
        text = self.text
        nl = text.count("\n", 0, offset)
        if nl == 0:
            return self.base_line, self.base_column + offset
        return self.base_line + nl, offset - text.rfind("\n", 0, offset)

    def locate(self, pointer: str, span: tuple[int, int] | None = None) -> Location:
        found = find_value(self.text, pointer) if self.text else None
        if found is None:
            line, col = self._line_col(0)
            return Location(line, col, line, col)
        start, end = found
        literal = self.text[start:end]
        source: str | None = None
        source_span = None
        if literal.startswith('"'):
            try:
                source = json.loads(literal)
            except ValueError:
                source = None
            if span is not None and source is not None:
                lo = max(0, min(span[0], len(source)))
                hi = max(lo, min(span[1], len(source)))
                rs, re_ = raw_offsets(literal, (lo, hi))
                source_span = (lo, hi)
                start, end = start + rs, start + re_
        else:
            source = literal if len(literal) <= 2000 else None
        line, col = self._line_col(start)
        end_line, end_col = self._line_col(end)
        return Location(line, col, end_line, end_col, source, source_span)
