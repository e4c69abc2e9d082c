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

from sftlint.jsonscan import skip_value, skip_ws, string_end

#: One escape sequence of a JSON string; a surrogate pair is one character once decoded.
_ESCAPE = re.compile(
    r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", re.S
)
_SURROGATE = re.compile("[\ud800-\udfff]")
#: A string's escape map keeps the position of every this-many-th escape.
CHECKPOINT_EVERY = 64
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
#: One token of JSON text: a string literal (escapes skipped by the unrolled loop, which never
#: backtracks), one structural character, or a scalar (number, true, false, null) up to the
#: next delimiter; a lone ``"`` is a string cut off (the index then gives up).  Only whitespace
#: falls between two tokens, since every other character starts one of them.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+|"', re.S)


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


class _StringMap:
    """Decoded offset -> raw offset inside one string literal of the record's text.

    A literal without backslashes maps one to one.  Otherwise the map keeps the raw and
    decoded position of every :data:`CHECKPOINT_EVERY`-th escape, so a lookup bisects to a
    checkpoint and walks at most that many escapes: memory stays a small fraction of the
    string, and thousands of lookups in one long string cost no more than reading it once.
    """

    __slots__ = ("_dec", "_raw", "end", "length", "start", "text")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start + 1  # past the opening quote
        self.end = max(self.start, end - 1)  # at the closing quote
        self._dec: array | None = None
        self._raw: array | None = None
        if text.find("\\", self.start, self.end) < 0:
            self.length = self.end - self.start
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
        if self._dec is not None:
            with contextlib.suppress(ValueError):
                chunk = json.loads('"' + chunk + '"', strict=False)
        return _SURROGATE.sub("\ufffd", chunk)

    def window(self, lo: int, hi: int) -> tuple[str, tuple[int, int]]:
        """A bounded piece of the decoded string around ``[lo, hi)``, and the span inside it."""
        wlo = max(0, lo - SOURCE_WINDOW)
        whi = min(self.length, lo + SOURCE_AFTER)
        return self.decode(wlo, whi), (lo - wlo, max(lo, min(hi, whi)) - wlo)


def _is_index(token: str) -> bool:
    return token.isdigit() and token.isascii() and (token == "0" or token[0] != "0")


class Locator:
    """Locates pointers inside one record's source text (see the module docstring)."""

    __slots__ = (
        "_containers",
        "_indexed",
        "_newlines",
        "_root",
        "_strings",
        "_values",
        "base_column",
        "base_line",
        "text",
    )

    def __init__(self, text: str, base_line: int, base_column: int = 1, root: int = 0) -> None:
        self.text = text
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
        Returns False, with nothing kept, if the text is not the well-formed JSON this expects
        (the lazy walk then handles it as before).
        """
        text = self.text
        if text[root : root + 1] not in ("{", "["):
            return False
        found: dict[int, dict[str, tuple[int, int]] | tuple[array, array] | None] = {}
        # per open container: [its start, its members (a dict, or starts and ends), the key
        # its value will have in its parent]; `want` is what may come next: "value", "key"
        # (or the end of an empty object), ":" after a key, "," after a value (or the end)
        stack: list[list] = []
        key: str | None = None
        want = "value"
        for m in _TOKEN.finditer(text, root):
            tok = m.group()
            c = tok[0]
            start = m.start()
            if c == "{" or c == "[":
                if want != "value":
                    return False
                stack.append([start, {} if c == "{" else (array("q"), array("q")), key])
                want = "key" if c == "{" else "value"
                key = None
                continue
            if c == "}" or c == "]":
                if not stack:
                    return False
                open_start, members, parent_key = stack.pop()
                empty = not (members if isinstance(members, dict) else members[0])
                if (c == "}") != isinstance(members, dict) or not (
                    want == "," or (empty and want == ("key" if c == "}" else "value"))
                ):
                    return False
                found[open_start] = members
                if not stack:
                    self._containers.update(found)
                    return True
                value = (open_start, start + 1)
                key = parent_key
            elif c == ":":
                if want != ":":
                    return False
                want = "value"
                continue
            elif c == ",":
                if want != "," or not stack:
                    return False
                want = "key" if isinstance(stack[-1][1], dict) else "value"
                continue
            elif c == '"' and len(tok) == 1:
                return False  # a string cut off
            elif want == "key":
                if c != '"':
                    return False
                key = tok[1:-1] if "\\" not in tok else json.loads(tok)
                want = ":"
                continue
            elif want != "value":
                return False
            else:
                value = (start, m.end())
            if not stack:
                return False
            members = stack[-1][1]
            if isinstance(members, dict):
                members[key] = value  # JSON parsers keep the last duplicate; so do we
                key = None
            else:
                members[0].append(value[0])
                members[1].append(value[1])
            want = ","
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
            span = (pos, skip_value(text, pos)) if pos < len(text) else None
        self._values[pointer] = span
        return span

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

    def locate(self, pointer: str, span: tuple[int, int] | None = None) -> Location:
        found = self.value_span(pointer) if self.text else None
        if found is None:
            line, col = self._line_col(0)
            return Location(line, col, line, col)
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
