"""Diagnostics: what every rule produces and every reporter consumes.

A :class:`Finding` is what a rule yields: a message plus *where inside the
record* (a JSON Pointer and an optional character span in that string).  The
engine turns it into a :class:`Diagnostic`, which adds the physical location
(file, line, column) that users and editors need.  Keeping the two apart means
rules never deal with raw bytes, escapes or line numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sftlint.transport import compact_pickle

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}

DOCS_URL = "https://github.com/sftlint/sftlint/blob/main/docs/rules/{code}.md"


@compact_pickle
@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``[start, end)`` of the string at ``pointer`` with ``replacement``.

    With ``pointer=None`` the edit applies to the raw physical ``line`` of the
    file instead (used for file-level fixes such as removing a blank line or a
    BOM); ``start``/``end`` are then character offsets in that line.  An edit
    that spans several lines (a run of blank lines) sets ``end_line``: ``start``
    is then an offset in ``line`` and ``end`` one in ``end_line``.
    """

    pointer: str | None
    start: int
    end: int
    replacement: str
    line: int | None = None
    end_line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "span": [self.start, self.end],
            "replacement": self.replacement,
            "line": self.line,
            "end_line": self.end_line,
        }


@compact_pickle
@dataclass(frozen=True, slots=True)
class Fix:
    """A proposed change.  ``safe`` fixes are applied by ``--fix``; ``unsafe``
    ones only with ``--unsafe-fixes`` (same convention as ruff)."""

    message: str
    edits: tuple[Edit, ...]
    applicability: Literal["safe", "unsafe"] = "safe"

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "applicability": self.applicability,
            "edits": [e.to_dict() for e in self.edits],
        }


@compact_pickle
@dataclass(frozen=True, slots=True)
class RecordRef:
    """Enough about a record to point at it after the record itself is gone.

    Dataset-level rules keep these in their summaries instead of whole records,
    which is what keeps memory flat while streaming.
    """

    path: str
    index: int  # 0-based position of the record in its file
    line: int  # 1-based physical line where the record starts
    end_line: int | None = None
    id: str | None = None  # ``id:<value>`` of the record's id field, when it has one (suppressions)


@dataclass(slots=True)
class Finding:
    """What a rule yields.  Location is relative to the record.

    ``pointer`` is an RFC 6901 JSON Pointer into the record as written in the
    file ("" is the whole record); ``span`` is ``[start, end)`` in the decoded
    string at ``pointer``.  Rules with scope ``dataset`` set ``ref`` because by
    the time they report, the engine no longer holds the record.  File-level
    rules (J) may set ``line``/``column`` directly.
    """

    message: str
    pointer: str = ""
    span: tuple[int, int] | None = None
    fix: Fix | None = None
    severity: Severity | None = None  # override the rule's default
    ref: RecordRef | None = None
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    # Extra structured data for reporters/tools (e.g. the first duplicate's line).
    data: dict[str, Any] = field(default_factory=dict)
    #: what a reporter shows of the text (a window of the decoded string) and the span in it:
    #: set by a dataset rule that located its finding while the record was at hand
    source: str | None = None
    source_span: tuple[int, int] | None = None
    #: how many findings this one stands for: more than 1 for the last place a dataset rule kept
    #: of a record when it counted the places past :attr:`Rule.places_per_record` instead of
    #: keeping them (the engine makes it a closing diagnostic, as for findings past the cap)
    count: int = 1

    def place(self, loc: Any) -> Finding:
        """Put the finding where ``loc`` (a :class:`~sftlint.locate.Location` a dataset rule
        found while it held the record) says, with its excerpt: the rule reports after the
        record is gone, so the engine cannot locate it then."""
        self.line, self.column, self.end_line, self.end_column = (
            loc.line,
            loc.column,
            loc.end_line,
            loc.end_column,
        )
        self.source, self.source_span = loc.source, loc.source_span
        return self


@compact_pickle
@dataclass(slots=True)
class Diagnostic:
    """One reported problem, with a stable code and an exact location."""

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    pointer: str | None = None
    span: tuple[int, int] | None = None
    fix: Fix | None = None
    url: str = ""
    record: int | None = None  # 0-based record index in the file
    record_hash: str | None = None  # content hash of the record (for baselines)
    record_line: int | None = None  # line where the record starts (for applying fixes)
    source: str | None = None  # the offending text, for human-readable output
    source_span: tuple[int, int] | None = None  # span inside ``source`` to mark
    record_id: str | None = None  # ``id:<value>`` of the record's id field (suppressions)
    flagged_text: str | None = None  # the decoded text at ``pointer``/``span`` (suppressions)
    data: dict[str, Any] = field(default_factory=dict)
    #: how many findings this diagnostic stands for: 1, or for the closing diagnostic of a rule
    #: that found more than ``max-findings-per-record`` in one record, the ones not listed
    count: int = 1

    def to_dict(self) -> dict[str, Any]:
        """The JSON output contract (DESIGN.md): every field always present."""
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "pointer": self.pointer,
            "span": list(self.span) if self.span is not None else None,
            "fix": self.fix.to_dict() if self.fix is not None else None,
            "url": self.url,
            "record": self.record,
            "count": self.count,
        }

    def sort_key(self) -> tuple:
        return (
            self.path,
            self.line if self.line is not None else 0,
            self.column if self.column is not None else 0,
            self.code,
        )
