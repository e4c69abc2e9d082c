"""Findings beyond ``max-findings-per-record``: counted, not listed, their fixes merged.

A record can hold hundreds of thousands of findings of one rule (a megabyte of half-width
commas, an invisible character after every word).  Listing each costs a located diagnostic,
a source window and an output line, about 40 µs and a kilobyte apiece, and helps nobody.
So the engine lists the first ``max-findings-per-record`` findings of a rule on a record,
as ruff lists every violation, and turns the rest into one closing diagnostic: located at
the first finding not listed, counting all of them (``Diagnostic.count``), and carrying one
fix that applies every fix they had.

The merged fix is exact: edits of one string that lie close together become one edit whose
replacement is the string's own text between them, so ``--fix`` changes exactly the bytes
the separate fixes would have changed, in one round.  The edits are folded as they arrive
(rules yield a string's findings in order), so what is kept does not grow with the number
of findings: a merged edit per stretch of at most ``MAX_SPAN`` characters, at least ``GAP``
characters apart otherwise, so at most one per ``GAP`` characters of the string (and its
replacement, at most the stretch's own text).  Only an edit that arrives before one already
folded (a rule yielding a string's findings in two passes) is kept apart, 12 bytes, and
merged at the end.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from typing import Any

from sftlint.diagnostic import Edit, Finding, Fix
from sftlint.locate import unescape_pointer

#: Edits closer than this many characters are merged into one edit.
GAP = 64
#: A merged edit spans at most this many characters (its replacement stays small).
MAX_SPAN = 4096


class _Edits:
    """Edits of one string in typed arrays: start, end and the index of the replacement."""

    __slots__ = ("ends", "ids", "repl", "starts", "texts")

    def __init__(self) -> None:
        self.starts = array("i")  # a string holds at most max-record-bytes (< 2**31) characters
        self.ends = array("i")
        self.repl = array("i")
        self.ids: dict[str, int] = {}
        self.texts: list[str] = []

    def add(self, start: int, end: int, replacement: str, shared: bool = True) -> None:
        """``shared``: a replacement that many edits may have (interned); a merged edit's is not."""
        k = self.ids.get(replacement) if shared else None
        if k is None:
            k = len(self.texts)
            self.texts.append(replacement)
            if shared:
                self.ids[replacement] = k
        self.starts.append(start)
        self.ends.append(end)
        self.repl.append(k)

    def __len__(self) -> int:
        return len(self.starts)

    def edits(self, pointer: str) -> list[Edit]:
        texts = self.texts
        return [
            Edit(pointer, s, e, texts[k]) for s, e, k in zip(self.starts, self.ends, self.repl, strict=True)
        ]


class _Folder:
    """Merges edits of one string, given in order of their start, into the fewest equivalent edits.

    An edit that overlaps one taken, lies outside the string, or overlaps a listed finding's
    own edit is left out (a later ``--fix`` round sees it again); two edits join when at most
    ``GAP`` characters lie between them, the joined edit spans at most ``MAX_SPAN`` characters
    and no listed edit lies between them."""

    __slots__ = ("cur", "listed", "lstarts", "out", "pieces", "seg_start", "text")

    def __init__(self, text: str | None, listed: list[tuple[int, int]]) -> None:
        self.text = text  # None: not known (a dataset rule's record is gone): edits never join
        self.listed = sorted(listed)
        self.lstarts = [a for a, _ in self.listed]
        self.out = _Edits()
        self.seg_start = self.cur = -1
        self.pieces: list[str] = []

    def add(self, s: int, e: int, replacement: str) -> bool:
        """Take the edit (True), or leave it out (False)."""
        seg_start, cur, listed = self.seg_start, self.cur, self.listed
        text = self.text
        if (
            not 0 <= s <= e
            or (text is not None and e > len(text))
            or (seg_start >= 0 and (s < cur or s == e == cur))
        ):
            return False  # out of range, or overlapping an edit taken: a later round sees it again
        if listed:
            lstarts = self.lstarts
            i = bisect_right(lstarts, s)
            if (
                (i and listed[i - 1][1] > s)
                or (i < len(listed) and lstarts[i] < e)
                or (i and listed[i - 1][0] == s == e)
            ):
                return False  # overlaps a listed finding's own fix
        joins = (
            seg_start >= 0
            and text is not None
            and s - cur <= GAP
            and e - seg_start <= MAX_SPAN
            and not (listed and bisect_left(self.lstarts, cur) < bisect_left(self.lstarts, s))
        )
        if joins:
            self.pieces.append(self.text[cur:s])
        else:
            self.close()
            self.seg_start = s
        self.pieces.append(replacement)
        self.cur = e
        return True

    def close(self) -> None:
        if self.seg_start >= 0:
            pieces = self.pieces
            if len(pieces) == 1:
                self.out.add(self.seg_start, self.cur, pieces[0])
            else:
                self.out.add(self.seg_start, self.cur, "".join(pieces), shared=False)
        self.seg_start = self.cur = -1
        self.pieces = []


class _Group:
    """The edits of one string (one pointer, one applicability): folded as they arrive."""

    __slots__ = ("dropped", "folder", "last", "late", "listed", "text")

    def __init__(self, text: str | None, listed: list[tuple[int, int]], known: bool = True) -> None:
        self.text = text  # None: not a string, such a fix could not be applied anyway
        self.listed = listed
        # (``known`` False: the string is not at hand, its edits are kept as they come, unjoined)
        self.folder = _Folder(text, listed) if text is not None or not known else None
        self.last = -1  # the start of the last edit folded
        self.late: _Edits | None = None  # edits that arrived before one folded
        self.dropped = 0  # edits left out of the merged fix (a later round applies them)

    def add(self, start: int, end: int, replacement: str) -> None:
        if self.folder is None:
            self.dropped += 1
            return
        if start < self.last:
            if self.late is None:
                self.late = _Edits()
            self.late.add(start, end, replacement)
            return
        self.last = start
        if not self.folder.add(start, end, replacement):
            self.dropped += 1

    def merged(self, pointer: str) -> list[Edit]:
        """Edits equivalent to all of this group's, none overlapping another or a listed edit."""
        folder = self.folder
        if folder is None:
            return []
        folder.close()
        out = folder.out.edits(pointer)
        late = self.late
        if late is not None:
            # the out-of-order edits, in order, around the folded ones (which they must not
            # overlap) and the listed ones
            again = _Folder(folder.text, self.listed + [(e.start, e.end) for e in out])
            order = sorted(range(len(late)), key=lambda k: (late.starts[k], late.ends[k]))
            for k in order:
                if not again.add(late.starts[k], late.ends[k], late.texts[late.repl[k]]):
                    self.dropped += 1
            again.close()
            out = sorted(out + again.out.edits(pointer), key=lambda e: (e.start, e.end))
        return out


class Overflow:
    """The findings of one rule on one record after the first ``max-findings-per-record``.

    ``data`` is the parsed record (for the text between merged edits); ``listed`` the edits
    of the listed findings' fixes, which the merged edits must not overlap.  ``texts_known``
    False: the record is not at hand (a dataset rule reports after it is gone), so each edit is
    kept as it comes instead of joined with its neighbours through the text between them.
    A finding counts :attr:`Finding.count` findings."""

    __slots__ = ("count", "data", "first", "fixable", "groups", "known", "line_edits", "listed")

    def __init__(
        self, first: Finding, data: Any = None, listed: list[Edit] | None = None, texts_known: bool = True
    ) -> None:
        self.first = first
        self.count = 0
        self.data = data
        self.known = texts_known
        self.listed = listed or []
        self.fixable = {"safe": 0, "unsafe": 0}
        self.groups: dict[tuple[str, str], _Group] = {}
        self.line_edits: dict[str, list[Edit]] = {}

    def add(self, f: Finding) -> None:
        self.count += f.count
        fix = f.fix
        if fix is None:
            return
        app = fix.applicability
        self.fixable[app] = self.fixable.get(app, 0) + 1
        for e in fix.edits:
            if e.pointer is None:
                self.line_edits.setdefault(app, []).append(e)
                continue
            group = self.groups.get((app, e.pointer))
            if group is None:
                spans = [(x.start, x.end) for x in self.listed if x.pointer == e.pointer]
                text = string_at(self.data, e.pointer) if self.known else None
                group = self.groups[(app, e.pointer)] = _Group(text, spans, self.known)
            group.add(e.start, e.end, e.replacement)

    def fix(self) -> tuple[Fix, int] | None:
        """One fix with every edit of the safe fixes (or, when none is safe, of the unsafe ones)
        and how many fixes it applies: those with an edit left out (overlapping another, a
        rule's own mistake) are not counted, and a later ``--fix`` round sees them again."""
        app = "safe" if self.fixable.get("safe") else "unsafe" if self.fixable.get("unsafe") else None
        if app is None:
            return None
        edits: list[Edit] = []
        dropped = 0
        for (a, pointer), group in self.groups.items():
            if a == app:
                edits.extend(group.merged(pointer))
                dropped += group.dropped
        edits.extend(self.line_edits.get(app, ()))
        if not edits:
            return None
        n = max(1, self.fixable[app] - dropped)
        fix = Fix(f"apply the {n:,} {app} fix{'es' if n != 1 else ''} of these findings", tuple(edits), app)  # type: ignore[arg-type]
        return fix, n


def string_at(data: Any, pointer: str) -> str | None:
    """The string at ``pointer`` in ``data`` (None when there is none)."""
    value = data
    try:
        for tok in unescape_pointer(pointer):
            value = value[int(tok)] if isinstance(value, list) else value[tok]
    except (KeyError, IndexError, ValueError, TypeError):
        return None
    return value if isinstance(value, str) else None


def closing_message(first: Finding, count: int, code: str, cap: int) -> str:
    """The closing diagnostic's message: the first finding not listed, and how many follow."""
    more = count - 1
    return (
        f"{first.message}; and {more:,} more {code} finding{'s' if more != 1 else ''} in this record, "
        f"not listed one by one (max-findings-per-record = {cap})"
    )


#: Record positions below this are counted in a typed array (one or four bytes a record of the
#: file, so at most 64 MB for a file of 67 million records); a position past it, or one that is
#: not an int (a plugin's own ref), is counted in a dict.
DENSE_POSITIONS = 1 << 26


class ListedPerRecord:
    """How many findings of one dataset rule each record has had listed, for the cap.

    A dataset rule can report hundreds of thousands of records (D001 and D002 on templated
    data), and a dict of ``(path, record)`` keys held an entry of about 150 bytes per finding
    while the findings themselves went to disk (:mod:`sftlint.spill`).  Records of a file are
    numbered from 0 with no gaps, so a count per position in a typed array costs one byte a
    record of the file (four where the cap is 255 or more), whatever the number of findings."""

    __slots__ = ("_counts", "_other", "_typecode")

    def __init__(self, cap: int) -> None:
        self._typecode = "B" if cap < 255 else "L"
        self._counts: dict[str, array] = {}
        self._other: dict[tuple[str, Any], int] = {}

    def get(self, path: str, index: Any) -> int:
        """The findings listed so far on record ``index`` of ``path``."""
        if type(index) is int and 0 <= index < DENSE_POSITIONS:
            counts = self._counts.get(path)
            return counts[index] if counts is not None and index < len(counts) else 0
        return self._other.get((path, index), 0)

    def add(self, path: str, index: Any) -> None:
        """One more finding listed on record ``index`` of ``path`` (never more than the cap:
        the engine lists no more)."""
        if type(index) is int and 0 <= index < DENSE_POSITIONS:
            counts = self._counts.get(path)
            if counts is None:
                counts = self._counts[path] = array(self._typecode)
            if index >= len(counts):
                # doubling, so a file's records reported in order cost amortised O(1)
                grow = max(index + 1, 2 * len(counts)) - len(counts)
                counts.frombytes(bytes(grow * counts.itemsize))
            counts[index] += 1
        else:
            key = (path, index)
            self._other[key] = self._other.get(key, 0) + 1
