"""Findings beyond ``max-findings-per-record``: counted, not listed, their fixes merged.

A record can hold hundreds of thousands of findings of one rule (a megabyte of half-width
commas, an invisible character after every word).  Listing each costs a located diagnostic,
a source window and an output line, about 40 µs and a kilobyte apiece, and helps nobody.
So the engine lists the first ``max-findings-per-record`` findings of a rule on a record,
as ruff lists every violation, and turns the rest into one closing diagnostic: located at
the first finding not listed, counting all of them (``Diagnostic.count``), and carrying one
fix that applies every fix they had.  What is kept per finding not listed is its edit, in
typed arrays (12 bytes), not a diagnostic.

The merged fix is exact: edits of one string that lie close together become one edit whose
replacement is the string's own text between them, so ``--fix`` changes exactly the bytes
the separate fixes would have changed, in one round.
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


class _Group:
    """The edits of one string (one pointer, one applicability), in typed arrays."""

    __slots__ = ("ends", "ids", "repl", "starts", "texts")

    def __init__(self) -> None:
        self.starts = array("i")  # a string holds at most max-record-bytes (< 2**31) characters
        self.ends = array("i")
        self.repl = array("i")
        self.ids: dict[str, int] = {}
        self.texts: list[str] = []

    def add(self, start: int, end: int, replacement: str) -> None:
        k = self.ids.get(replacement)
        if k is None:
            k = self.ids[replacement] = len(self.texts)
            self.texts.append(replacement)
        self.starts.append(start)
        self.ends.append(end)
        self.repl.append(k)

    def merged(self, pointer: str, text: str, listed: list[tuple[int, int]]) -> list[Edit]:
        """Edits equivalent to all of this group's, none overlapping another or a listed edit."""
        starts, ends, repl, texts = self.starts, self.ends, self.repl, self.texts
        n = len(starts)
        order: Any = range(n)
        if any(starts[k] > starts[k + 1] for k in range(n - 1)):
            order = sorted(range(n), key=lambda k: (starts[k], ends[k]))
        listed = sorted(listed)
        lstarts = [a for a, _ in listed]
        out: list[Edit] = []
        seg_start = cur = -1
        pieces: list[str] = []
        length = len(text)

        def close() -> None:
            if seg_start >= 0:
                out.append(Edit(pointer, seg_start, cur, "".join(pieces)))

        for k in order:
            s, e = starts[k], ends[k]
            if not 0 <= s <= e <= length or (seg_start >= 0 and (s < cur or s == e == cur)):
                continue  # out of range, or overlapping an edit taken: a later round sees it again
            if listed:
                i = bisect_right(lstarts, s)
                if (
                    (i and listed[i - 1][1] > s)
                    or (i < len(listed) and lstarts[i] < e)
                    or (i and listed[i - 1][0] == s == e)
                ):
                    continue  # overlaps a listed finding's own fix
            joins = (
                seg_start >= 0
                and s - cur <= GAP
                and e - seg_start <= MAX_SPAN
                and not (listed and bisect_left(lstarts, cur) < bisect_left(lstarts, s))
            )
            if joins:
                pieces.append(text[cur:s])
            else:
                close()
                seg_start, pieces = s, []
            pieces.append(texts[repl[k]])
            cur = e
        close()
        return out


class Overflow:
    """The findings of one rule on one record after the first ``max-findings-per-record``."""

    __slots__ = ("count", "first", "fixable", "groups", "line_edits")

    def __init__(self, first: Finding) -> None:
        self.first = first
        self.count = 0
        self.fixable = {"safe": 0, "unsafe": 0}
        self.groups: dict[tuple[str, str], _Group] = {}
        self.line_edits: dict[str, list[Edit]] = {}

    def add(self, f: Finding) -> None:
        self.count += 1
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
                group = self.groups[(app, e.pointer)] = _Group()
            group.add(e.start, e.end, e.replacement)

    def fix(self, data: Any, listed: list[Edit]) -> Fix | None:
        """One fix with every edit of the safe fixes (or, when none is safe, of the unsafe ones).

        ``data`` is the parsed record (for the text between merged edits); ``listed`` the
        edits of the listed findings' fixes, which the merged edits must not overlap.
        """
        app = "safe" if self.fixable.get("safe") else "unsafe" if self.fixable.get("unsafe") else None
        if app is None:
            return None
        edits: list[Edit] = []
        for (a, pointer), group in self.groups.items():
            if a != app:
                continue
            text = string_at(data, pointer)
            if text is None:
                continue  # not a string: such a fix could not be applied anyway
            spans = [(e.start, e.end) for e in listed if e.pointer == pointer]
            edits.extend(group.merged(pointer, text, spans))
        edits.extend(self.line_edits.get(app, ()))
        if not edits:
            return None
        n = self.fixable[app]
        return Fix(f"apply the {n:,} {app} fix{'es' if n != 1 else ''} of these findings", tuple(edits), app)  # type: ignore[arg-type]


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
