"""The parsed, format-independent view of one record that rules inspect.

Input formats (messages, ShareGPT, Alpaca, plugins) map a raw JSON object to a
list of :class:`Message`.  Each message keeps pointers back into the original
object, so a finding inside an Alpaca ``output`` is reported at ``/output``
and not at an invented message index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sftlint.diagnostic import RecordRef
from sftlint.hashing import canonical_hash, parsed_copy, record_hash

#: Top-level fields taken as a record's identity, in this order, when they hold a string or an int.
ID_FIELDS = ("id", "uuid", "conversation_id", "_id", "idx")


def record_id(data: Any) -> str | None:
    """``id:<value>`` of a record's id field, or None when it has none (then its content names it).
    Suppressions name records this way, so editing one elsewhere keeps its reviewed findings."""
    if not isinstance(data, dict):
        return None
    for name in ID_FIELDS:
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            return f"id:{value}"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"id:{value}"
    return None


if TYPE_CHECKING:
    from sftlint.locate import Location

T = TypeVar("T")

#: Canonical roles after mapping.  Formats map their own names onto these
#: (ShareGPT ``human`` -> ``user``, ``gpt`` -> ``assistant``, ``observation`` -> ``tool``).
ROLES = ("system", "user", "assistant", "tool")


_MISSING = object()  # a memo entry not computed yet (None is a valid value)


@dataclass(slots=True)
class Segment:
    """A piece of a message's text that lives at one pointer in the record.

    Most messages are one segment.  A message whose content is a list of typed
    parts, or an Alpaca user turn made of ``instruction`` + ``input``, has
    several; their texts are joined with ``joiner`` into ``Message.content``.
    """

    pointer: str
    start: int  # offset of this segment inside Message.content
    length: int
    kind: str = "text"  # "text", "reasoning", ... (type of a content part)
    #: offset of the segment's text inside the string at ``pointer`` (a turn cut out of one
    #: transcript string, as Anthropic's HH data writes a conversation; 0 for a whole string)
    base: int = 0


class Message:
    """One conversational turn.

    ``role`` is canonical (see :data:`ROLES`) or, for an unknown role, the raw
    value as written so that S002 can report it.  ``content`` is always a str
    (parts joined with a newline); ``segments`` maps offsets in it back to
    pointers.  Built once per message of every record, so it is a plain slotted
    class and the common single-segment case is materialised only on demand.
    """

    __slots__ = (
        "_segments",
        "content",
        "content_pointer",
        "has_media",
        "index",
        "pointer",
        "raw_role",
        "role",
        "role_pointer",
        "tool_calls",
        "weight",
    )

    def __init__(
        self,
        role: str,
        content: str,
        index: int,
        pointer: str,
        content_pointer: str,
        segments: list[Segment] | None = None,
        raw_role: Any = None,
        role_pointer: str | None = None,
        tool_calls: list[Any] | None = None,
        weight: float | None = None,
        has_media: bool = False,
    ) -> None:
        self.role = role
        self.content = content
        self.index = index
        self.pointer = pointer  # pointer of the message object itself ("" for Alpaca fields)
        self.content_pointer = content_pointer  # pointer of the whole content value
        self._segments = segments  # None: one segment, the whole content at content_pointer
        self.raw_role = raw_role
        self.role_pointer = role_pointer
        self.tool_calls = tool_calls
        self.weight = weight
        #: content includes non-text parts (images, audio): empty text is not empty content
        self.has_media = has_media

    @property
    def segments(self) -> list[Segment]:
        if self._segments is None:
            self._segments = [Segment(self.content_pointer, 0, len(self.content))]
        return self._segments

    def __repr__(self) -> str:
        return (
            f"Message(role={self.role!r}, index={self.index}, pointer={self.content_pointer!r}, "
            f"content={self.content[:40]!r})"
        )

    @property
    def cut_from_transcript(self) -> bool:
        """Whether the turn is a stretch of a longer string: a turn of HH-RLHF's
        ``Human:``/``Assistant:`` transcript, or of text put through a chat template."""
        segments = self._segments
        return segments is not None and len(segments) == 1 and bool(segments[0].base)

    def resolve(self, span: tuple[int, int] | None) -> tuple[str, tuple[int, int] | None]:
        """Map a span in ``content`` to ``(pointer, span-in-that-string)``.

        Without a span the finding is about the whole content: the whole string, or for a turn
        cut out of a transcript string (``Segment.base``) that turn's stretch of it, so that
        "assistant content is empty" points at the empty turn and not at the whole
        conversation.  A span that crosses segments is clipped to the segment where it starts:
        a pointer must name exactly one string.
        """
        segments = self._segments
        if span is None:
            if self.cut_from_transcript:
                # a turn cut out of a transcript string: the whole turn, not the whole string
                seg = segments[0]  # type: ignore[index]
                return seg.pointer, (seg.base, seg.base + seg.length)
            return self.content_pointer, None
        if segments is None:
            return self.content_pointer, span
        if not segments:
            return self.content_pointer, None
        start, end = span
        chosen = segments[0]
        for seg in segments:
            if seg.start <= start:
                chosen = seg
            else:
                break
        local_start = min(max(0, start - chosen.start), chosen.length)
        local_end = min(chosen.length, max(local_start, end - chosen.start))
        base = chosen.base
        return chosen.pointer, (local_start + base, local_end + base)


@dataclass(slots=True)
class FileInfo:
    """Per-file facts shared by all records of the file."""

    path: str
    format: str | None = None  # name of the input format used for this file
    input_format: Any = None  # the InputFormat object itself
    #: index of the file's first record that is an object, when no format was found: S001
    #: reports an unrecognised file once, on that record
    first_record: int | None = None
    #: rows of a Parquet/Arrow source: a finding's line is the row number, with no column
    columnar: bool = False


@dataclass(slots=True, eq=False)
class Record:
    """One parsed record, shared by all rules, parsed once.

    ``memo`` is the per-record analysis cache: costly derived data (segmented
    text, parsed ReAct blocks, numbering) is computed by the first rule that
    asks and reused by the others.
    """

    file: FileInfo
    index: int  # 0-based record index in the file
    line: int  # 1-based physical line where the record starts
    end_line: int
    data: Any  # the parsed JSON value
    raw: str | bytes  # the record's source (a JSONL line stays undecoded bytes until needed)
    raw_column: int = 1  # column where the record starts on ``line`` (JSON arrays)
    messages: list[Message] | None = None  # None when the format could not map it
    format: str | None = None
    #: which of a multi-view record's conversations the rules are reading: 0 the first, 1 a
    #: preference pair's rejected side (an answer offered as what not to say)
    side: int = 0
    _memo: dict[str, Any] | None = None
    _locator: Any = None
    _hash: str | None = None
    #: the canonical JSON J005 wrote (the bytes the hash is of), held until the hash is asked for
    _canonical: bytes | None = None
    _ref: RecordRef | None = None

    @property
    def path(self) -> str:
        return self.file.path

    @property
    def conversational(self) -> bool:
        """Whether the record is a conversation, with turns whose order and roles mean
        something: not a document (TRL's language-modeling ``{"text"}``), whose one message
        the turn rules (S004's order, S009's embedded turns) have nothing to say about.
        A format whose records are either asks each record (``is_document``)."""
        fmt = self.file.input_format
        is_document = getattr(fmt, "is_document", None)
        if is_document is not None:
            return not is_document(self.data)
        return getattr(fmt, "conversational", True)

    @property
    def text(self) -> str:
        """The record's source text, decoded (for locating findings)."""
        raw = self.raw
        if isinstance(raw, bytes):
            raw = self.raw = raw.decode("utf-8")
        return raw

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Return the cached value for ``key``, computing it once per record."""
        memo = self._memo
        if memo is None:
            value = compute()
            self._memo = {key: value}
            return value
        # ``get`` with a sentinel, not ``try/except KeyError``: most lookups are first
        # lookups (the rules share results by identity after that), and raising costs.
        value = memo.get(key, _MISSING)
        if value is _MISSING:
            value = memo[key] = compute()
        return value

    @property
    def system_prompt(self) -> str | None:
        """Content of the leading system message, if any."""
        msgs = self.messages
        if msgs and msgs[0].role == "system":
            return msgs[0].content
        return None

    def ref(self) -> RecordRef:
        """A small, picklable handle for dataset-level summaries.  Made once per record: a
        default run's dataset rules ask for it five times a record, and a ``RecordRef`` is
        frozen, so they can share it."""
        ref = self._ref
        if ref is None:
            ref = self._ref = RecordRef(
                self.file.path, self.index, self.line, self.end_line, record_id(self.data)
            )
        return ref

    @property
    def content_hash(self) -> str:
        """Stable hash of the record's canonical JSON (baseline key, duplicates)."""
        if self._hash is None:
            canonical = self._canonical
            if canonical is not None:
                self._hash = canonical_hash(canonical)
                self._canonical = None
            else:
                source = self.raw if type(self.raw) is bytes and not self.file.columnar else None
                self._hash = record_hash(parsed_copy(self.data, source), len(self.raw))
        return self._hash

    def cell_location(self, pointer: str | None, span: tuple[int, int] | None) -> Location | None:
        """Where ``pointer``/``span`` lies in a CSV/TSV row, whose source is the row's text, not
        JSON (:func:`sftlint.delimited.locate_cell`); None where it cannot be told (a Parquet row
        has no text)."""
        if not self.raw or type(self.data) is not dict or pointer is None:
            return None
        from sftlint.delimited import locate_cell

        return locate_cell(self.text, self.line, self.data, self.path, pointer, span)

    def locate(self, pointer: str, span: tuple[int, int] | None = None) -> Location:
        """Physical location (line/column) of ``pointer``/``span`` in the file."""
        from sftlint.locate import Location, Locator

        if self.file.columnar and self.raw:
            cell = self.cell_location(pointer, span)
            return cell if cell is not None else Location(self.line, 1, self.line, 1)
        if self._locator is None:
            self._locator = Locator(self.text, self.line, self.raw_column, data=self.data)
        return self._locator.locate(pointer, span)
