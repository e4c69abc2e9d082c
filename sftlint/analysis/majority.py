"""Per-file majority votes for rules such as R001 and K001.

"Is ReAct expected here?" (R001) and "does this dataset use retrieval?" (K001)
are decided per record when the record says so (its system prompt, or an
option), and otherwise per *file*: when most turns of the file carry the
feature, the turns without it are the defects.  The second decision needs the
whole file, so these rules are dataset-scoped: ``map`` makes a :class:`Tally`
per record, :func:`reduce_by_file` votes and reports.

Memory stays bounded in practice: the turns of a record that is expected on
its own are reported directly (they are findings anyway); the others are kept
only while the file could still turn out to be a majority file.  Once a file
holds ``max_pending`` unreported turns *and* is currently below the majority,
they are dropped and only counted; if the file nevertheless ends up a majority
file, one finding says how many turns were not listed one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from sftlint.diagnostic import Finding, RecordRef

if TYPE_CHECKING:
    from sftlint.record import Message, Record

#: (pointer, line, column) of a turn that lacks the feature; line/column may be None.
Missing = tuple[str, int | None, int | None]

#: Between a file's path and the name of a group of its records that votes apart from the rest
#: (:func:`voting_path`); no path holds it.
GROUP_SEP = "\x00"


def voting_path(path: str, group: str) -> str:
    """The key a record votes under: its file's path, or the path and ``group`` for records that
    form a convention of their own inside the file (R001: records whose system prompt does not
    ask for ReAct, in a file whose other prompts may)."""
    return f"{path}{GROUP_SEP}{group}" if group else path


class Tally(NamedTuple):
    """One record's vote: how many turns have the feature, and which lack it.

    The record's place (``index``, ``line``) is only filled in for records with missing
    turns; ``ref`` builds the :class:`RecordRef` a finding needs when it is reported.
    """

    path: str
    forced: bool  # the record itself says the feature is expected
    having: int
    missing: tuple[Missing, ...] = ()
    index: int = -1  # where the record is (only needed when turns are missing)
    line: int = 0
    end_line: int | None = None

    @property
    def ref(self) -> RecordRef:
        path = self.path
        cut = path.find(GROUP_SEP)
        return RecordRef(path if cut < 0 else path[:cut], self.index, self.line, self.end_line)


@dataclass(slots=True)
class _FileVote:
    having: int = 0
    lacking: int = 0
    pending: list[Tally] = field(default_factory=list)  # records with lacking turns, kept whole
    pending_turns: int = 0  # the lacking turns they hold
    dropped: int = 0
    first_dropped: RecordRef | None = None


def clean_tally(path: str, having: int) -> Tally:
    """The tally of a record whose every turn has the feature (one per record in a ReAct or
    RAG dataset): built without the namedtuple's Python-level ``__new__``."""
    return tuple.__new__(Tally, (path, False, having, (), -1, 0, None))


def lacking_tally(
    record: Record, forced: bool, having: int, lacking: list[Message], group: str = "", locate: bool = False
) -> Tally:
    """The tally of a record whose turns ``lacking`` lack the feature (every record of a plain
    chat dataset).

    The turns are located in the file only when they will likely be reported: when the record
    expects the feature itself, or has it in other turns.  A record of a plain dataset keeps
    its pointers only; should its file turn out a majority file after all, the report locates
    nothing more than the record's line.
    """
    if forced or having or locate:
        located = []
        for m in lacking:
            loc = record.locate(m.content_pointer)
            located.append((m.content_pointer, loc.line, loc.column))
        missing = tuple(located)
    else:
        missing = tuple([(m.content_pointer, None, None) for m in lacking])
    return tuple.__new__(
        Tally,
        (
            voting_path(record.file.path, group),
            forced,
            having,
            missing,
            record.index,
            record.line,
            record.end_line,
        ),
    )


class VoteCollector:
    """The rules' summary container: the per-file vote, counted as tallies arrive.

    A clean record only adds to its file's count; the records with turns that lack the feature
    are kept (the tally itself, no copy) while the file could still turn out to be a majority
    file, and only counted once more than ``max_pending`` such turns wait in a file that is below
    the majority so far.  The turns of a record that expects the feature itself (``forced``) are
    findings anyway and are kept.  So memory grows with the findings, not with the dataset: a
    plain chat dataset of a million records (every turn "lacking") holds at most ``max_pending``.
    """

    __slots__ = ("files", "forced", "groups", "max_pending", "threshold")

    def __init__(
        self,
        threshold: float = 0.5,
        max_pending: int = 50_000,
        groups: dict[str, tuple[float, int]] | None = None,
    ) -> None:
        self.threshold = threshold
        self.max_pending = max_pending
        #: per group of records that votes apart (:func:`voting_path`), the share its turns must
        #: pass once it holds at least so many turns (a convention, not a majority)
        self.groups = groups or {}
        self.files: dict[str, _FileVote] = {}
        self.forced: list[Tally] = []

    def append(self, t: Tally) -> None:
        if type(t) is tuple:  # a record's tallies in two votes (:meth:`holds`)
            for part in t:
                self.append(part)
            return
        vote = self.files.get(t.path)
        if vote is None:
            vote = self.files[t.path] = _FileVote()
        vote.having += t.having
        if not t.missing:
            return
        n = len(t.missing)
        vote.lacking += n
        if t.forced:
            self.forced.append(t)
            return
        if vote.first_dropped is not None:
            vote.dropped += n
            return
        vote.pending.append(t)
        vote.pending_turns += n
        if vote.pending_turns > self.max_pending and not self.holds(t.path, vote):
            vote.first_dropped = vote.pending[0].ref
            vote.dropped = vote.pending_turns
            vote.pending = []
            vote.pending_turns = 0

    def holds(self, key: str, vote: _FileVote) -> bool:
        """Whether the turns voting under ``key`` are expected to have the feature: more than the
        threshold of them have it, or, for a group with a rule of its own that holds enough
        turns, more than its share."""
        cut = key.find(GROUP_SEP)
        if cut >= 0:
            rule = self.groups.get(key[cut + 1 :])
            if rule is not None and vote.having + vote.lacking >= rule[1]:
                return vote.having / (vote.having + vote.lacking) > rule[0]
        return _is_majority(vote, self.threshold)

    def piece(self) -> VotePiece:
        """An empty piece for a worker's range (see :func:`sftlint.run.ranges.fresh_pieces`)."""
        return VotePiece()

    def merge(self, piece: VotePiece) -> None:
        """The piece's tallies after these, exactly as if appended here one by one: the clean
        tallies' turns are added as sums, and each tally with lacking turns is appended with its
        file's count as it stood when that tally came (the dropping decision reads it)."""
        files = self.files
        for path in piece.having:
            if path not in files:
                files[path] = _FileVote()
        for before, t in piece.log:
            files[t.path].having += before
            self.append(t)
        for path, having in piece.having.items():
            files[path].having += having

    def findings(
        self,
        report: Callable[[RecordRef, Missing, str], Finding],
        summary: Callable[[RecordRef, int, str], Finding],
    ) -> Iterator[Finding]:
        """The turns that lack the feature where it is expected (see :func:`reduce_by_file`)."""
        for t in self.forced:
            ref = t.ref
            for m in t.missing:
                yield report(ref, m, "forced")
        for key, vote in self.files.items():
            if not self.holds(key, vote):
                continue
            share = vote.having / (vote.having + vote.lacking)
            reason = f"{share:.0%} of the file's turns"
            if GROUP_SEP in key:
                reason += f" ({key[key.index(GROUP_SEP) + 1 :]})"
            yield from kept_findings(vote.pending, vote.dropped, vote.first_dropped, reason, report, summary)


def kept_findings(
    kept: Iterable[Any],
    dropped: int,
    first_dropped: RecordRef | None,
    reason: str,
    report: Callable[[RecordRef, Missing, str], Finding],
    summary: Callable[[RecordRef, int, str], Finding],
) -> Iterator[Finding]:
    """The findings of a file's kept summaries (each with ``ref`` and its ``missing`` places), and
    the one finding for the ``dropped`` places counted from ``first_dropped`` on."""
    for t in kept:
        ref = t.ref
        for m in t.missing:
            yield report(ref, m, reason)
    if dropped and first_dropped is not None:
        yield summary(first_dropped, dropped, reason)


class VotePiece:
    """The tallies of one piece of a file (a worker's range), folded into a :class:`VoteCollector`
    by one ``merge``: a clean tally only adds its turns to its file's sum; a tally with lacking
    turns is logged with the turns its file gained since the file's previous logged tally."""

    __slots__ = ("having", "log")

    def __init__(self) -> None:
        #: per file (in order of first appearance): turns with the feature since its last logged tally
        self.having: dict[str, int] = {}
        self.log: list[tuple[int, Tally]] = []

    def append(self, t: Tally) -> None:
        if type(t) is tuple:  # a record's tallies in two votes
            for part in t:
                self.append(part)
            return
        before = self.having.get(t.path, 0)
        if not t.missing:
            self.having[t.path] = before + t.having
            return
        self.log.append((before, t))
        self.having[t.path] = 0


def reduce_by_file(
    tallies: Iterable[Tally] | VoteCollector,
    *,
    threshold: float,
    report: Callable[[RecordRef, Missing, str], Finding],
    summary: Callable[[RecordRef, int, str], Finding],
    max_pending: int = 50_000,
) -> Iterator[Finding]:
    """Findings for the turns that lack the feature where it is expected.

    ``report(ref, missing, reason)`` builds one finding; ``summary(ref, n,
    reason)`` builds the single finding for turns dropped from memory.  A
    :class:`VoteCollector` has counted already (with its own threshold); a plain
    iterable of tallies is counted here.
    """
    if isinstance(tallies, VoteCollector):
        coll = tallies
    else:
        coll = VoteCollector(threshold, max_pending)
        for t in tallies:
            coll.append(t)
    yield from coll.findings(report, summary)


class FileVoteMixin:
    """For a dataset rule whose ``map`` returns a :class:`Tally` and whose findings are the turns
    that lack what the file's majority (or the record's own prompt) has: the collector and the
    reduce, written once for R001, R008, R011 and K001.  A rule supplies
    :meth:`lacking` (message and span of one turn) and :meth:`lacking_summary` (the one finding
    for the turns dropped from memory); it reads ``self.options.majority``."""

    #: per group of a file's records that votes apart, its share and least turns (VoteCollector)
    vote_groups: ClassVar[dict[str, tuple[float, int]] | None] = None

    def collector(self) -> VoteCollector:
        return VoteCollector(self.options.majority, groups=self.vote_groups)  # type: ignore[attr-defined]

    def lacking(self, missing: Missing, reason: str) -> tuple[str, tuple[int, int] | None]:
        """The message (and span, if any) for one turn; ``reason`` is ``"forced"`` when the
        record asks for the feature itself, else the file's share that has it."""
        raise NotImplementedError

    def lacking_summary(self, n: int, reason: str) -> str:
        raise NotImplementedError

    def reduce(self, summaries: Iterable[Tally]) -> Iterator[Finding]:
        def report(ref: RecordRef, m: Missing, reason: str) -> Finding:
            message, span = self.lacking(m, reason)
            f = self.finding(message, pointer=m[0], span=span, ref=ref)  # type: ignore[attr-defined]
            f.line, f.column = m[1], m[2]
            return f

        def summary(ref: RecordRef, n: int, reason: str) -> Finding:
            return self.finding(self.lacking_summary(n, reason), pointer="", ref=ref)  # type: ignore[attr-defined]

        yield from reduce_by_file(
            summaries,
            threshold=self.options.majority,  # type: ignore[attr-defined]
            report=report,
            summary=summary,
        )


def _is_majority(vote: _FileVote, threshold: float) -> bool:
    total = vote.having + vote.lacking
    return total > 0 and vote.having / total > threshold


#: A file needs this many counted items (texts, records) before a share of them says anything
#: about its convention.
CONVENTION_LEAST = 20


class FileTallies:
    """A file-vote rule's summaries in flat memory (T006, T007, S008): per file, the sums of two of
    the tallies' counts (the file's convention is judged from them), and only the tallies with
    places to report.  ``first`` and ``second`` name the counted fields."""

    __slots__ = ("counts", "fields", "kept")

    def __init__(self, first: str, second: str) -> None:
        self.fields = (first, second)
        self.counts: dict[str, tuple[int, int]] = {}
        self.kept: dict[str, list[Any]] = {}

    def append(self, t: Any) -> None:
        path = t.ref.path
        first, second = self.counts.get(path, (0, 0))
        self.counts[path] = (first + getattr(t, self.fields[0]), second + getattr(t, self.fields[1]))
        if t.places:
            self.kept.setdefault(path, []).append(t)

    def convention(self, path: str, share: float) -> bool:
        """Whether the second count of ``path`` is more than ``share`` of its first, in a file
        with at least :data:`CONVENTION_LEAST` of the first: what the file does on purpose."""
        first, second = self.counts.get(path, (0, 0))
        return first >= CONVENTION_LEAST and second > share * first

    def rare(self, path: str, share: float) -> bool:
        """Whether the second count of ``path`` is at most ``share`` of its first, in a file
        with at least :data:`CONVENTION_LEAST` of the first: what the file nearly never does."""
        first, second = self.counts.get(path, (0, 0))
        return first >= CONVENTION_LEAST and second <= share * first

    def piece(self) -> FileTallies:
        """An empty collector for a worker's range (see :func:`sftlint.run.ranges.fresh_pieces`)."""
        return FileTallies(*self.fields)

    def merge(self, other: FileTallies) -> None:
        """``other``'s tallies after these, as if appended here one by one."""
        for path, (first, second) in other.counts.items():
            had_first, had_second = self.counts.get(path, (0, 0))
            self.counts[path] = (had_first + first, had_second + second)
        for path, tallies in other.kept.items():
            self.kept.setdefault(path, []).extend(tallies)
