"""JSON Pointer + character span -> physical line and column.

Parsed JSON has no positions, and rules work on decoded strings.  Users need
the line and column in the file, and those differ from offsets in the decoded
string wherever the source has escapes (``\\n``, ``\\"``, ``\\u4e2d``).  This
module walks the raw text of one record to the value a pointer names and maps a
span in the decoded string back through its escapes.

It runs only when a finding is reported (the slow path), never per record.  A
record may have thousands of findings, so nothing is recomputed per finding:
the :class:`Locator` of a record indexes the offsets of every container's members
in one pass over its tokens at the first lookup (a record over a megabyte: each
container it walks through, once), keeps a sparse map of each string's escapes, and
finds lines with a bisection over the record's newlines.  Locating every
finding of a record costs one pass over the record however many there are, and
what a diagnostic keeps of the text (``source``) is a bounded window around its
span, never a copy of the whole string.
"""

from __future__ import annotations

import contextlib
import json
import re
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from json.decoder import scanstring
from json.encoder import encode_basestring
from typing import Any

from sftlint.jsonscan import skip_value, skip_ws, string_end

#: One escape sequence of a JSON string; a surrogate pair is one character once decoded.
_ESCAPE = re.compile(
    r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", re.S
)
_SURROGATE = re.compile("[\ud800-\udfff]")
#: A string's escape map keeps the position of every this-many-th escape.
CHECKPOINT_EVERY = 64
#: A string with at most this many backslashes keeps every escape instead (16 bytes each), so a
#: lookup is one bisection with no walk: the record-sized strings most findings point into.
FULL_MAP_MAX = 4096
#: Decoded characters a diagnostic keeps before its span and after its start (a reporter shows
#: at most 50 columns before the span and 100 in all).
SOURCE_WINDOW = 64
SOURCE_AFTER = 112
#: A non-string value longer than this is not kept for display.
SOURCE_MAX = 2000
#: A record up to this many characters has every container indexed in one pass at its first
#: lookup; a bigger one is walked lazily, container by container along each pointer (an index
#: of every container of a huge record would hold far more than its findings need).
INDEX_ALL_MAX = 1 << 20
#: Pointers to a string a record's locator may find by searching its text for the string's
#: JSON form (:meth:`Locator._find_string`) before it indexes the record: each search reads the
#: record, so a record with more findings than this is indexed once instead.
QUICK_FINDS = 8
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_SCALAR = r'[^\s{}\[\]:,"]+'
#: One step of the one-pass index (:meth:`Locator._index_all`), told apart by its last group:
#: 1-3 a key and its colon (2: its string or scalar value, 3: the comma after it), 4 an opening
#: bracket, 5-6 a closing one (6: the comma after it), 7-8 an array's string or scalar element
#: (8: the comma), 9 a stray ``:`` or ``,`` or a string cut off.  Every character that is not
#: whitespace starts one of them, so only whitespace falls between two.
_MEMBER = re.compile(
    rf"({_STRING})\s*:\s*(?:({_STRING}|{_SCALAR})\s*(,)?)?"
    r"|([{\[])"
    r"|([}\]])\s*(,)?"
    rf"|({_STRING}|{_SCALAR})\s*(,)?"
    r'|([:,"])',
    re.S,
)
#: What may come next in the one-pass index: a key or the end of an empty object, a key (after
#: a comma), a container (after a key), a value or the end of an empty array, a value (after a
#: comma), the end of the container (after a member with no comma).
_W_KEY0, _W_KEY, _W_OPEN, _W_VALUE0, _W_VALUE, _W_END = range(6)
#: A :class:`Locator` given no parsed value (None is a value: JSON's null).
_NO_DATA: Any = object()


@dataclass(frozen=True, slots=True)
class Location:
    line: int
    column: int
    end_line: int
    end_column: int
    #: the decoded string the span refers to (or the raw value text), for display
    source: str | None = None
    source_span: tuple[int, int] | None = None


def window_bounds(length: int, lo: int, hi: int) -> tuple[int, int, tuple[int, int]]:
    """What of a string of ``length`` characters a diagnostic keeps to show the span ``[lo,
    hi)``: ``SOURCE_WINDOW`` characters before it and ``SOURCE_AFTER`` from its start, as
    ``(start, end, the span inside that window)``."""
    wlo, whi = max(0, lo - SOURCE_WINDOW), min(length, lo + SOURCE_AFTER)
    return wlo, whi, (lo - wlo, max(lo, min(hi, whi)) - wlo)


def unescape_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    if "~" not in pointer:
        return pointer.split("/")[1:]
    return [tok.replace("~1", "/").replace("~0", "~") for tok in pointer.split("/")[1:]]


def escape_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(*tokens: str | int) -> str:
    return "".join("/" + escape_token(t) for t in tokens)


class _StringMap:
    """Decoded offset -> raw offset inside one string literal of the record's text.

    A literal without backslashes maps one to one.  One with at most :data:`FULL_MAP_MAX`
    backslashes keeps every escape, and a lookup is a bisection.  A longer one keeps the raw and
    decoded position of every :data:`CHECKPOINT_EVERY`-th escape, so a lookup bisects to a
    checkpoint and walks at most that many escapes: memory stays a small fraction of the
    string, and thousands of lookups in one long string cost no more than reading it once.
    """

    __slots__ = ("_dec", "_raw", "_shift", "end", "length", "start", "text")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start + 1  # past the opening quote
        self.end = max(self.start, end - 1)  # at the closing quote
        self._dec: array | None = None
        self._raw: array | None = None
        self._shift: array | None = None
        backslashes = text.count("\\", self.start, self.end)
        if not backslashes:
            self.length = self.end - self.start
            return
        if backslashes <= FULL_MAP_MAX:
            # every escape: its decoded offset, and how far the raw text runs ahead after it
            dec_at, shift_after = array("q"), array("q")
            shift = 0
            for a, b in (m.span() for m in _ESCAPE.finditer(text, self.start, self.end)):
                dec_at.append(a - self.start - shift)
                shift += b - a - 1
                shift_after.append(shift)
            self.length = self.end - self.start - shift
            self._dec, self._shift = dec_at, shift_after
            return
        dec_cp, raw_cp = array("q", [0]), array("q", [self.start])
        dec, raw = 0, self.start
        for count, m in enumerate(_ESCAPE.finditer(text, self.start, self.end), start=1):
            dec += m.start() - raw
            if count % CHECKPOINT_EVERY == 0:
                dec_cp.append(dec)
                raw_cp.append(m.start())
            dec += 1
            raw = m.end()
        self.length = dec + self.end - raw
        self._dec, self._raw = dec_cp, raw_cp

    def raw(self, d: int) -> int:
        """Offset in the record's text of decoded offset ``d`` (clamped to the string)."""
        d = max(0, min(d, self.length))
        if self._dec is None:
            return self.start + d
        shift_after = self._shift
        if shift_after is not None:  # the escapes before ``d`` are those decoded before it
            k = bisect_left(self._dec, d)
            return self.start + d + (shift_after[k - 1] if k else 0)
        k = bisect_right(self._dec, d) - 1
        dec, raw = self._dec[k], self._raw[k]  # type: ignore[index]
        for m in _ESCAPE.finditer(self.text, raw, self.end):
            plain = m.start() - raw
            if dec + plain >= d:
                return raw + (d - dec)
            dec += plain
            raw = m.end()
            dec += 1
        return min(raw + (d - dec), self.end)

    def decode(self, lo: int, hi: int) -> str:
        """The decoded characters ``[lo, hi)`` (lone surrogates shown as U+FFFD)."""
        a, b = self.raw(lo), self.raw(hi)
        chunk = self.text[a:b]
        if self._dec is not None and "\\" in chunk:  # a chunk with no escape reads as written
            with contextlib.suppress(ValueError):
                # what json.loads does for one string literal, without its wrappers
                literal = '"' + chunk + '"'
                decoded, end = scanstring(literal, 1, False)
                if end == len(literal):
                    chunk = decoded
        return _SURROGATE.sub("\ufffd", chunk)

    def window(self, lo: int, hi: int) -> tuple[str, tuple[int, int]]:
        """A bounded piece of the decoded string around ``[lo, hi)``, and the span inside it."""
        wlo, whi, inside = window_bounds(self.length, lo, hi)
        return self.decode(wlo, whi), inside


def _is_index(token: str) -> bool:
    return token.isdigit() and token.isascii() and (token == "0" or token[0] != "0")


class Locator:
    """Locates pointers inside one record's source text (see the module docstring)."""

    __slots__ = (
        "_containers",
        "_data",
        "_indexed",
        "_newlines",
        "_quick",
        "_root",
        "_strings",
        "_values",
        "base_column",
        "base_line",
        "text",
    )

    def __init__(
        self, text: str, base_line: int, base_column: int = 1, root: int = 0, data: Any = _NO_DATA
    ) -> None:
        self.text = text
        # the parsed value of the text from ``root``, when the caller has it: a pointer to a
        # string can then be found by searching for the string (see _find_string)
        self._data = data
        self._quick = QUICK_FINDS if data is not _NO_DATA else 0
        self.base_line = base_line
        self.base_column = base_column
        self._root = root
        self._containers: dict[int, dict[str, tuple[int, int]] | tuple[array, array] | None] = {}
        self._values: dict[str, tuple[int, int] | None] = {}
        self._strings: dict[int, _StringMap] = {}
        self._newlines: array | None = None
        self._indexed: bool | None = None  # None: not tried yet

    # -- walking -----------------------------------------------------------------
    def _index_all(self, root: int) -> bool:
        """Index the members of every container of the value at ``root`` in one pass.

        Walking a pointer container by container skips each sibling value with a scan of its
        own, so a finding deep in a record costs a scan per level (the root's members skip the
        whole record, the messages array's skip it again).  One pass over the record's tokens
        fills every container's members at once; every later pointer is dictionary lookups.
        A token of :data:`_MEMBER` is a whole member where it can be (a key, its colon, a
        string or scalar value and the comma after it), so a chat message costs four Python
        steps, not nine.  Returns False, with nothing kept, if the text is not the well-formed
        JSON this expects (the lazy walk then handles it as before).
        """
        text = self.text
        if text[root : root + 1] not in ("{", "["):
            return False
        found: dict[int, dict[str, tuple[int, int]] | tuple[array, array] | None] = {}
        # per open container: (its start, its members: a dict, or starts and ends, the key its
        # value will have in its parent); `want` is what may come next (the _W* states)
        stack: list[tuple[int, Any, str | None]] = []
        members: Any = None
        key: str | None = None
        want = _W_VALUE0
        for m in _MEMBER.finditer(text, root):
            g = m.lastindex
            if g is None or g >= 9:
                return False  # a stray ':' or ',', or a string cut off
            if g <= 3:  # a key, and its value when that is not a container
                if want != _W_KEY and want != _W_KEY0:
                    return False
                tok = m.group(1)
                key = tok[1:-1] if "\\" not in tok else json.loads(tok)
                if g == 1:
                    want = _W_OPEN
                    continue
                members[key] = m.span(2)  # JSON parsers keep the last duplicate; so do we
                want = _W_KEY if g == 3 else _W_END
            elif g == 4:  # an opening bracket
                if want != _W_OPEN and want != _W_VALUE and want != _W_VALUE0:
                    return False
                if want != _W_OPEN:
                    key = None
                if m.group(4) == "{":
                    members = {}
                    want = _W_KEY0
                else:
                    members = (array("q"), array("q"))
                    want = _W_VALUE0
                stack.append((m.start(), members, key))
                key = None
            elif g <= 6:  # a closing bracket, and the comma after it
                obj = isinstance(members, dict)
                if (m.group(5) == "}") != obj or not (
                    want == _W_END or want == (_W_KEY0 if obj else _W_VALUE0)
                ):
                    return False
                open_start, closed, parent_key = stack.pop()
                found[open_start] = closed
                if not stack:
                    self._containers.update(found)
                    return True
                members = stack[-1][1]
                close = m.end(5)
                if isinstance(members, dict):
                    members[parent_key] = (open_start, close)
                    want = _W_KEY if g == 6 else _W_END
                else:
                    members[0].append(open_start)
                    members[1].append(close)
                    want = _W_VALUE if g == 6 else _W_END
            else:  # an array's string or scalar element, and the comma after it
                if (want != _W_VALUE and want != _W_VALUE0) or not stack:
                    return False
                members[0].append(m.start(7))
                members[1].append(m.end(7))
                want = _W_VALUE if g == 8 else _W_END
        return False

    def _members(self, pos: int) -> dict[str, tuple[int, int]] | tuple[array, array] | None:
        """The members of the container starting at ``pos``, scanned once and kept."""
        if pos in self._containers:
            return self._containers[pos]
        if self._indexed:
            return None  # the one-pass index holds every container: this is not one
        text = self.text
        n = len(text)
        c = text[pos] if pos < n else ""
        found: dict[str, tuple[int, int]] | tuple[array, array] | None
        if c == "{":
            members: dict[str, tuple[int, int]] = {}
            i = skip_ws(text, pos + 1)
            while i < n and text[i] == '"':
                key_end = string_end(text, i)
                if key_end < 0:
                    break
                try:
                    key = json.loads(text[i:key_end])
                except ValueError:
                    break
                i = skip_ws(text, key_end)
                if i >= n or text[i] != ":":
                    break
                i = skip_ws(text, i + 1)
                end = skip_value(text, i)
                members[key] = (i, end)  # JSON parsers keep the last duplicate; so do we
                i = skip_ws(text, end)
                if i < n and text[i] == ",":
                    i = skip_ws(text, i + 1)
                else:
                    break
            found = members
        elif c == "[":
            starts, ends = array("q"), array("q")
            i = skip_ws(text, pos + 1)
            while i < n and text[i] != "]":
                end = skip_value(text, i)
                starts.append(i)
                ends.append(end)
                i = skip_ws(text, end)
                if i < n and text[i] == ",":
                    i = skip_ws(text, i + 1)
                else:
                    break
            found = (starts, ends)
        else:
            found = None
        self._containers[pos] = found
        return found

    def value_span(self, pointer: str) -> tuple[int, int] | None:
        """``(start, end)`` offsets in the text of the value ``pointer`` names, or None."""
        if pointer in self._values:
            return self._values[pointer]
        if self._quick and self._indexed is None:
            span = self._find_string(pointer)
            if span is not None:
                self._values[pointer] = span
                return span
        text = self.text
        pos = skip_ws(text, self._root)
        if self._indexed is None:
            self._indexed = len(text) - pos <= INDEX_ALL_MAX and self._index_all(pos)
        span: tuple[int, int] | None = None
        for token in unescape_pointer(pointer):
            members = self._members(pos)
            if isinstance(members, dict):
                span = members.get(token)
            elif members is not None and _is_index(token) and int(token) < len(members[0]):
                k = int(token)
                span = (members[0][k], members[1][k])
            else:
                span = None
            if span is None:
                break
            pos = span[0]
        else:
            if not pointer or pos >= len(text):  # a member's span is known from its container
                span = (pos, skip_value(text, pos)) if pos < len(text) else None
        self._values[pointer] = span
        return span

    def _find_string(self, pointer: str) -> tuple[int, int] | None:
        """The span of the string ``pointer`` names, found by searching the text for the
        string's JSON form, or None when that cannot be sure (the caller then indexes).

        Most records have a finding or two, in a long content string, and indexing the record
        for them is a Python step per member, about a microsecond per 20 characters; a search is
        ``str.find``.  It is exact when every string literal of the text is written as
        ``json.dumps(..., ensure_ascii=False)`` writes it, which holds when the text has no
        ``\\u`` and no ``\\/`` escape (the reader's JSON parser is strict, so no string holds a
        raw control character): the value's own literal is then one occurrence of that form,
        and when it is the only occurrence it is the value's.  A string that occurs twice (a
        role, a repeated turn) or text with other escapes goes to the index.
        """
        value = self._data
        self._quick -= 1
        if self._quick == 0:
            self._data = _NO_DATA  # no more searches: the index will answer, free the value
        for token in unescape_pointer(pointer):
            if isinstance(value, dict):
                if token not in value:
                    return None
                value = value[token]
            elif isinstance(value, list) and _is_index(token) and int(token) < len(value):
                value = value[int(token)]
            else:
                return None
        if not isinstance(value, str):
            return None
        text = self.text
        if "\\u" in text or "\\/" in text:
            self._quick = 0
            self._data = _NO_DATA
            return None
        literal = encode_basestring(value)  # what json.dumps(value, ensure_ascii=False) returns
        start = text.find(literal, self._root)
        if start < 0 or text.find(literal, start + 1) >= 0:
            return None
        return start, start + len(literal)

    def _string(self, start: int, end: int) -> _StringMap:
        smap = self._strings.get(start)
        if smap is None:
            smap = self._strings[start] = _StringMap(self.text, start, end)
        return smap

    def _line_col(self, offset: int) -> tuple[int, int]:
        newlines = self._newlines
        if newlines is None:
            text = self.text
            newlines = array("q")
            if "\n" in text:
                newlines.extend(m.start() for m in re.finditer("\n", text))
            self._newlines = newlines
        k = bisect_left(newlines, offset)
        if k == 0:
            return self.base_line, self.base_column + offset
        return self.base_line + k, offset - newlines[k - 1]

    def offsets(
        self, pointer: str, span: tuple[int, int] | None = None
    ) -> tuple[int, int, str | None, tuple[int, int] | None] | None:
        """``(start, end, source, source_span)``: the offsets in the text of ``pointer``/``span``
        (of the span through the string's escapes, or of the whole value), and what to display
        of it; None where the pointer names no value of the text.  :meth:`locate` turns the
        offsets into lines and columns; a JSON text kept inside another text (a CSV cell) maps
        them through that text's own quoting instead."""
        found = self.value_span(pointer) if self.text else None
        if found is None:
            return None
        start, end = found
        source: str | None = None
        source_span = None
        if self.text[start] == '"':
            smap = self._string(start, end)
            if span is not None:
                lo = max(0, min(span[0], smap.length))
                hi = max(lo, min(span[1], smap.length))
                source, source_span = smap.window(lo, hi)
                start, end = smap.raw(lo), smap.raw(hi)
            else:
                source = smap.decode(0, min(smap.length, SOURCE_WINDOW + SOURCE_AFTER))
        elif end - start <= SOURCE_MAX:
            source = self.text[start:end]
        return start, end, source, source_span

    def locate(self, pointer: str, span: tuple[int, int] | None = None) -> Location:
        found = self.offsets(pointer, span)
        if found is None:
            line, col = self._line_col(0)
            return Location(line, col, line, col)
        start, end, source, source_span = found
        line, col = self._line_col(start)
        end_line, end_col = self._line_col(end)
        return Location(line, col, end_line, end_col, source, source_span)


def find_value(text: str, pointer: str, start: int = 0) -> tuple[int, int] | None:
    """``(start, end)`` offsets in ``text`` of the value ``pointer`` names."""
    return Locator(text, 1, root=start).value_span(pointer)


def raw_offsets(literal: str, span: tuple[int, int]) -> tuple[int, int]:
    """Map a span in the decoded string to offsets in its raw ``"..."`` literal.

    Offsets count Python characters (code points).  A ``\\uD83D\\uDE00``
    surrogate pair decodes to one character and spans 12 raw characters.
    """
    smap = _StringMap(literal, 0, len(literal))
    return smap.raw(span[0]), smap.raw(span[1])
