"""D — dataset level: duplicates (D001), near-duplicates (D002), too few records (D003),
system-prompt drift (D004), context overflow (D005).

A run over several files is one dataset: a record of ``eval.jsonl`` that
copies one of ``train.jsonl`` is a duplicate, and every file must use the same
system prompt.

D001, D002 and D004 are split into a per-record ``map`` and a ``reduce`` so
that ``--jobs`` workers and Ray tasks can run the map anywhere; the summaries
go to compact collectors (typed arrays, not one Python object per record), so
memory grows by a few dozen bytes per record and not with record size:

* D001 keeps an 8-byte content digest and a location (path id, index, line):
  20 bytes per record.
* D002 keeps a 64-value MinHash signature of 16-bit values, an 8-byte digest
  and a location: 148 bytes per record (and, in the reduce, the start and end
  of the first user turn that most records of a file repeat: two texts per
  file, learned from 64 of its records read again).
* D004 keeps a prompt id and a location per record (14 bytes) and one text per
  distinct prompt (at most :data:`MAX_PROMPT_TEXTS`, each cut to
  :data:`MAX_PROMPT_CHARS`).
* D003 keeps a count.

Their findings are located at the line where the record starts (dataset
findings are made after the records are gone, so there is no column).  D005
needs nothing from other records, so it is a record rule and reports the
message where the conversation crosses the window.
"""

from __future__ import annotations

import heapq
import re
import sys
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pydantic import Field, field_validator

from sftlint.analysis import minhash as _minhash
from sftlint.analysis.minhash import BANDS as BANDS  # the sketch's parameters, re-exported
from sftlint.analysis.minhash import BLOCK_CHARS, LAST_K, PART_SEP, SHINGLE, Batch, Pairs, near_pair_arrays
from sftlint.analysis.minhash import NUM_HASHES as NUM_HASHES
from sftlint.analysis.minhash import ROWS as ROWS
from sftlint.analysis.minhash import estimate as estimate
from sftlint.analysis.minhash import near_pairs as near_pairs
from sftlint.analysis.minhash import nfkc as nfkc
from sftlint.analysis.minhash import signature as signature
from sftlint.analysis.retrieval import message_contexts
from sftlint.diagnostic import Finding, RecordRef
from sftlint.formats.messages import TEXT_PART_TYPES as _TEXT_PART_TYPES
from sftlint.formats.messages import part_type
from sftlint.native import native_module
from sftlint.record import FileInfo, Record
from sftlint.rule import Rule, RuleOptions
from sftlint.spill import SpilledTexts

# ---------------------------------------------------------------------------
# shared pieces


class _Locations:
    """Where each collected record is: 12 bytes per record in three arrays."""

    __slots__ = ("_ids", "index", "line", "path_id", "paths")

    def __init__(self) -> None:
        self.paths: list[str] = []
        self._ids: dict[str, int] = {}
        self.path_id = array("I")
        self.index = array("I")
        self.line = array("I")

    def add(self, path: str, index: int, line: int) -> None:
        pid = self._ids.get(path)
        if pid is None:
            pid = self._ids[path] = len(self.paths)
            self.paths.append(path)
        self.path_id.append(pid)
        self.index.append(index)
        self.line.append(line)

    def extend(self, other: _Locations) -> None:
        """Add ``other``'s records after these, as if added here one by one (paths keep the ids
        of their first appearance)."""
        ids = [self._id(path) for path in other.paths]
        if ids == list(range(len(ids))):
            self.path_id.extend(other.path_id)
        elif len(ids) == 1:
            self.path_id.extend(array("I", ids) * len(other.path_id))
        else:
            self.path_id.extend(array("I", [ids[i] for i in other.path_id]))
        self.index.extend(other.index)
        self.line.extend(other.line)

    def _id(self, path: str) -> int:
        pid = self._ids.get(path)
        if pid is None:
            pid = self._ids[path] = len(self.paths)
            self.paths.append(path)
        return pid

    def __len__(self) -> int:
        return len(self.index)

    def ref(self, i: int) -> RecordRef:
        line = self.line[i]
        return RecordRef(self.paths[self.path_id[i]], self.index[i], line, line)

    def where(self, i: int, relative_to: str | None = None) -> str:
        """``line 18`` in the same file, ``other.jsonl:18`` in another."""
        path = self.paths[self.path_id[i]]
        return f"line {self.line[i]}" if path == relative_to else f"{path}:{self.line[i]}"


def _digest(record: Record) -> int:
    """64 bits of the record's content hash (canonical JSON: key order and spacing do not count)."""
    return int(record.content_hash[:16], 16)


# ---------------------------------------------------------------------------
# D001


class _DigestCollector:
    __slots__ = ("digests", "loc")

    def __init__(self) -> None:
        self.digests = array("Q")
        self.loc = _Locations()

    def append(self, summary: tuple[int, str, int, int]) -> None:
        digest, path, index, line = summary
        self.digests.append(digest)
        self.loc.add(path, index, line)

    def piece(self) -> _DigestCollector:
        """An empty collector for a worker's range (see :func:`sftlint.run.ranges.fresh_pieces`)."""
        return _DigestCollector()

    def merge(self, other: _DigestCollector) -> None:
        """``other``'s summaries after these, as if appended here one by one."""
        self.digests.extend(other.digests)
        self.loc.extend(other.loc)


class DuplicateRecord(Rule):
    """## What it does
    Reports a record that is identical to an earlier record of the dataset (all files of the run),
    pointing at the first copy.  Identical means the same JSON value: key order and spacing do
    not count.

    ## Why is this bad?
    A duplicated record is trained on twice as often as its neighbours, which overweights it
    (the model memorises its exact wording), and a copy that lands in both the training and the
    evaluation split inflates the evaluation score.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "我的快递到哪了？"}, {"role": "assistant", "content": "您的快递已到达本市分拣中心，预计明天送达。"}]}
    {"messages": [{"role": "user", "content": "我的快递到哪了？"}, {"role": "assistant", "content": "您的快递已到达本市分拣中心，预计明天送达。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "我的快递到哪了？"}, {"role": "assistant", "content": "您的快递已到达本市分拣中心，预计明天送达。"}]}
    {"messages": [{"role": "user", "content": "退货运费谁出？"}, {"role": "assistant", "content": "七天无理由退货的运费由商家承担。"}]}
    ```

    ## Fix availability
    None: which copy to keep (and whether the copy belongs to another split) is the author's call.
    """

    code = "D001"
    name = "duplicate-record"
    severity = "warning"
    scope = "dataset"

    def map(self, record: Record) -> tuple[int, str, int, int]:
        return (_digest(record), record.path, record.index, record.line)

    def collector(self) -> _DigestCollector:
        return _DigestCollector()

    def reduce(self, summaries: Iterable[Any]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        digests, loc = coll.digests, coll.loc
        for copy, first, size in _copies(digests):
            ref = loc.ref(copy)
            where = loc.where(first, ref.path)
            copies = f" ({size} copies in all)" if size > 2 else ""
            yield self.finding(
                f"record is identical to the record at {where} (its first copy){copies}",
                pointer="",
                ref=ref,
                first_path=loc.paths[loc.path_id[first]],
                first_line=loc.line[first],
                first_record=loc.index[first],
                # the baseline key: the copies' shared content, so it holds whichever copy comes later
                record_hash=f"{digests[copy]:016x}",
            )


#: D001 alone (numpy not imported yet) groups the digests with numpy from this many records: the
#: plain sort of 100,000 digests takes about as long as importing numpy (0.08 s against 0.1 s).
COPIES_IMPORT_NUMPY_FROM = 100_000


def _copies(digests: array) -> Iterable[tuple[int, int, int]]:
    """``(copy, first, copies in the group)`` for every record whose digest an earlier record
    has, in record order (``first``: the group's earliest record)."""
    n = len(digests)
    np = None
    if n >= _minhash.PLAIN_PAIRS_BELOW:
        # numpy where D002 (or anything) has imported it already; imported for D001 alone only
        # where the plain sort would cost more than the import (about 0.1 s of CPU)
        np = _minhash.numpy_if_imported() or (_minhash._numpy() if n >= COPIES_IMPORT_NUMPY_FROM else None)
    if np:  # a sort of the digests in arrays (sorting the positions in Python held ~70 bytes each)
        dig = (
            np.frombuffer(digests, dtype=np.uint64) if digests.itemsize == 8 else np.array(digests, np.uint64)
        )
        order = np.argsort(dig, kind="stable")  # stable: copies stay in file order
        ordered = dig[order]
        new = np.ones(n, dtype=bool)
        np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
        del ordered
        starts = np.flatnonzero(new)
        sizes = np.diff(np.append(starts, n))
        group = np.cumsum(new) - 1
        later = np.flatnonzero(~new)  # sorted positions of the copies
        copy, first, size = order[later], order[starts[group[later]]], sizes[group[later]]
        by_copy = np.argsort(copy)
        return _in_pieces(copy[by_copy], first[by_copy], size[by_copy])
    if len(set(digests)) == n:
        return []  # no copies (the usual case): no sort
    order = sorted(range(n), key=digests.__getitem__)  # stable: copies stay in file order
    found: list[tuple[int, int, int]] = []
    i = 0
    while i < n:
        j = i + 1
        d = digests[order[i]]
        while j < n and digests[order[j]] == d:
            j += 1
        if j - i > 1:
            found.extend((order[k], order[i], j - i) for k in range(i + 1, j))
        i = j
    found.sort()
    return found


#: Rows of D001's arrays turned into Python ints at a time (see :func:`_in_pieces`; not
#: :data:`_PIECE`, which is characters of a text).
ROWS_AT_A_TIME = 4096


def _in_pieces(*columns: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of equally long numpy arrays as tuples of ints, ROWS_AT_A_TIME rows at a time: a
    templated dataset has copies of a fifth of its records, and the tuples of all of them at
    once held about 100 bytes a copy while the findings themselves go to disk."""
    for a in range(0, len(columns[0]), ROWS_AT_A_TIME):
        yield from zip(*(column[a : a + ROWS_AT_A_TIME].tolist() for column in columns), strict=True)


# ---------------------------------------------------------------------------
# D002

_NOT_WORD = re.compile(r"[\W_]+")


def _native_dedup() -> Any:
    """The optional C kernels (``sftlint._dedup_native``), or None: not built, stale, or
    ``SFTLINT_PURE_PYTHON`` set (see :func:`sftlint.native.native_module`)."""
    return native_module("_dedup_native", NATIVE_KERNELS)


#: The native kernels' interface this module calls (``KERNELS`` in ``sftlint/_dedup_native.c``).
NATIVE_KERNELS = 2
#: The native kernels in use, or None for Python (the reference: :func:`normalise` and
#: :func:`jaccard` give the same with both; ``tests/test_dedup_native.py`` compares them).
NATIVE: Any = _native_dedup()
_fold_bytes: bytes | None = None


def _native_fold_table() -> bytes | None:
    """The MinHash batch's fold table as bytes for the native :func:`normalise`, once numpy is
    imported (a small check that never imported it normalises in Python)."""
    global _fold_bytes
    if _fold_bytes is None and NATIVE is not None and _minhash._np:
        _fold_bytes = _minhash._fold_table(_minhash._np).tobytes()
    return _fold_bytes


def normalise(text: str) -> str:
    """Text as D002 compares it: NFKC (full-width forms folded), case-folded, and without any
    whitespace, punctuation or symbol, so re-spacing and re-punctuating a record changes nothing."""
    table = _fold_bytes or _native_fold_table()
    if table is not None:
        # where every character folds alone: its fold's word characters (C, the same text)
        words = NATIVE.fold_words(text, table)
        if words is not None:
            return words
    if len(text) <= _PIECE:
        return _NOT_WORD.sub("", nfkc(text).casefold())
    # A long text a piece at a time, so that its normalised copies are never all held at once
    # (``sub`` alone holds one small string per stretch it keeps: a megabyte of "你好，" made
    # 16 MB of them).  Pieces end before an ASCII character or a CJK ideograph: neither ever
    # composes with what precedes it, so normalising the pieces gives the whole text's result.
    out, start = [], 0
    while start < len(text):
        m = _SAFE_CUT.search(text, start + _PIECE)
        end = m.start() if m is not None else len(text)
        out.append(_NOT_WORD.sub("", nfkc(text[start:end]).casefold()))
        start = end
    return "".join(out)


_PIECE = 1 << 15
_SAFE_CUT = re.compile("[\x00-\x7f\u4e00-\u9fff]")


#: The role :func:`_turn_contents` gives an assistant turn the trainer does not learn (loss weight
#: 0: OpenAI's ``weight: 0``, the assistant turns of a prompt/completion record's prompt): it is
#: context, on the prompt side with the user turns and tool results.
CONTEXT_REPLY = "context"


def _turn_contents(record: Record) -> list[tuple[str, str]]:
    """(role, text) of every turn but the system prompt, without the retrieved knowledge-base
    context after a marker (records on one topic legitimately share it; a passage under a header
    of the text's own stays: it may be what the task is about); empty turns left out.  An assistant
    turn of weight 0 is :data:`CONTEXT_REPLY`."""
    # The retrieval parse is shared with the K rules through the record's memo; it covers the
    # turns that can carry context (not the assistant's).
    contexts_of = {id(msg): contexts for msg, contexts in message_contexts(record)}
    out: list[tuple[str, str]] = []
    for msg in record.messages or ():
        if msg.role == "system" or not msg.content:
            continue
        content = msg.content
        contexts = contexts_of.get(id(msg))
        if contexts and not contexts[0].own:  # (a text's contexts are all after markers, or all its own)
            pieces, pos = [], 0
            for ctx in contexts:
                pieces.append(content[pos : ctx.marker_start])
                pos = ctx.end
            pieces.append(content[pos:])
            content = "".join(pieces)
        out.append((CONTEXT_REPLY if msg.weight == 0 and msg.role == "assistant" else msg.role, content))
    return out


def _turn_texts(record: Record) -> list[tuple[str, str]]:
    """(role, normalised text) of every turn but the system prompt, without the retrieved
    knowledge-base context; turns empty once normalised left out."""
    out: list[tuple[str, str]] = []
    for role, content in _turn_contents(record):
        text = normalise(content)
        if text:
            out.append((role, text))
    return out


def folded_dialogue(record: Record) -> str | None:
    """The turns of :func:`dialogue_text`, each full-width folded (NFKC) and case-folded but
    with its punctuation, symbols and whitespace still in, joined by ``\x1f``: what
    :func:`~sftlint.analysis.minhash.words_of_parts` turns into :func:`dialogue_text`.  NFKC and
    case folding never join a character to ``\x1f``, so folding the joined turns at once is
    folding each.  None where a turn holds ``\x1f`` itself or the turns are long (then
    :func:`dialogue_text` reads a long text a piece at a time)."""
    return fold_turns([content for _, content in _turn_contents(record)])


def fold_turns(turns: list[str]) -> str | None:
    """:func:`folded_dialogue` of the turns' texts (see there)."""
    joined = joined_turns(turns)
    return None if joined is None else _minhash.fold(joined)


def joined_turns(turns: list[str]) -> str | None:
    """The turns joined by ``\x1f``, which :func:`fold_turns` folds, or None where it gives None."""
    joined = PART_SEP.join(turns)
    if len(joined) > _PIECE or joined.count(PART_SEP) != len(turns) - 1:
        return None
    return joined


def dialogue_text(record: Record) -> str:
    """The normalised text of the conversation: every turn but the system prompt, without the
    retrieved knowledge-base context (records on one topic legitimately share it)."""
    return whole_of_turns([content for _, content in _turn_contents(record)])


def dialogue_texts(record: Record, frame: Frame | None = None) -> tuple[Any, ...]:
    """:func:`dialogue_text` and :func:`dialogue_sides` together, normalising each turn once,
    with the record's :func:`media_key`, its user turns alone (what was asked, without the
    tool results of the prompt side) and the numbers its user turns and replies write
    (:func:`written_numbers`).  With a ``frame`` (the start and end that most records of
    the file repeat in their first user turns: :func:`learn_frame`), a seventh item says how much
    of the record's first user turn is the frame (:func:`_framed`)."""
    return texts_of_turns(_turn_contents(record), media_key(record.data), frame)


def texts_of_turns(
    contents: list[tuple[str, str]], media: str, frame: Frame | None = None
) -> tuple[Any, ...]:
    """:func:`dialogue_texts` of a record's :func:`_turn_contents` and :func:`media_key`: what
    D002's verification needs, from the turns kept while streaming or read again."""
    turns, asked_numbers, said_numbers = [], [], []
    for role, content in contents:
        text = normalise(content)
        if not text:
            continue
        turns.append((role, text))
        if role == "user":
            asked_numbers.append(written_numbers(content))
        elif role == "assistant":
            said_numbers.append(written_numbers(content))
    asking = [(role, text) for role, text in turns if role != "assistant"]
    prompt = "\x1f".join(text for _, text in asking)
    reply = "\x1f".join(text for role, text in turns if role == "assistant")
    asked = "\x1f".join(text for role, text in turns if role == "user")
    # The numbers as short strings, worked out now: holding the turns to work them out only
    # for the few pairs that get that far held 36 MB more of a verification block.
    numbers = " ".join(asked_numbers), " ".join(said_numbers)
    texts = "\x1f".join(text for _, text in turns), prompt, reply, media, asked, numbers
    return texts if frame is None else (*texts, _framed(asking, frame))


def written_numbers(text: str) -> str:
    """The runs of digits of a turn as written (full-width digits folded), one space between:
    the normalised text glues the numbers of a formula into one run (``45 * 2 + 3 * 55 = 255``
    -> ``452355255``), this keeps each."""
    runs = _DIGITS.findall(text)
    if not runs:
        return ""
    return " ".join(nfkc(run) if not run.isascii() else run for run in runs)


#: The start and end (normalised) that most records of a file repeat in their first user turns.
Frame = tuple[str, str]


def _framed(asking: list[tuple[str, str]], frame: Frame) -> tuple[int, int, int, int] | None:
    """Where the first user turn lies in the prompt side (the turns ``asking``, joined: its
    start and end offsets) and how many of its first and last characters are the ``frame``'s
    start and end (as far as it has them); None without a user turn."""
    offset = 0
    for role, turn in asking:
        if role == "user":
            break
        offset += len(turn) + 1
    else:
        return None
    start, end = frame
    head = _shared_start(turn, start) if start else 0
    tail = _shared_start(turn[::-1], end[::-1]) if end else 0
    return offset, offset + len(turn), head, tail


def _unframed_prompts(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[str, str]:
    """The prompt sides of two records (as :func:`dialogue_texts` gives them with their files'
    frames) without the frame's start and end, as far as *both* first user turns have them: the
    same characters come off both, so a copy whose edit falls inside the frame loses no more
    than the record it copies.  Without a frame on either side, the prompt sides as they are."""
    fa = a[6] if len(a) > 6 else None
    fb = b[6] if len(b) > 6 else None
    if fa is None or fb is None:
        return a[1], b[1]
    head, tail = min(fa[2], fb[2]), min(fa[3], fb[3])
    if not head and not tail:
        return a[1], b[1]
    out = []
    for (start, end, _, _), prompt in ((fa, a[1]), (fb, b[1])):
        cut = min(tail, end - start - head)  # a turn that is all frame: its start comes off first
        out.append(prompt[:start] + prompt[start + head : end - cut] + prompt[end:])
    return out[0], out[1]


def first_user_turn(record: Record) -> str | None:
    """The normalised text of the record's first user turn (None without one)."""
    return first_user_turn_of(_turn_contents(record))


def first_user_turn_of(contents: list[tuple[str, str]]) -> str | None:
    """:func:`first_user_turn` of a record's :func:`_turn_contents`."""
    for role, content in contents:
        if role == "user" and (text := normalise(content)):
            return text
    return None


def learn_frame(turns: list[str]) -> Frame | None:
    """The frame of a file from a sample of its records' first user turns (normalised): the
    longest start and the longest end that more than half of them share (a task instruction
    repeated before each question, a format demand after it), found on the sorted turns (and
    the sorted reversed turns) as the longest common prefix of any run of that many neighbours.
    None when the sample is smaller than :data:`FRAME_MIN_RECORDS` or shares nothing."""
    if len(turns) < FRAME_MIN_RECORDS:
        return None
    most = len(turns) // 2 + 1

    def shared_start(texts: list[str]) -> str:
        texts = sorted(texts)
        best = ""
        for k in range(len(texts) - most + 1):
            first, last = texts[k], texts[k + most - 1]
            n = _shared_start(first, last)
            if n > len(best):
                best = first[:n]
        return best

    start = shared_start(turns)
    end = shared_start([t[::-1] for t in turns])[::-1]
    return (start, end) if start or end else None


#: The records of a file whose first user turns D002 reads again to learn the file's frame
#: (evenly spaced over the file), and the fewest for a frame to be learned at all.
FRAME_SAMPLE = 64
FRAME_MIN_RECORDS = 8


#: Where multimodal records name their images, videos and audio (LLaMA-Factory, ms-swift, TRL).
MEDIA_KEYS = ("images", "image", "videos", "video", "audios", "audio")
#: Where a record's turns may live (their content parts may be images, audio, video).
TURN_LISTS = ("messages", "conversations", "conversation", "prompt", "completion", "chosen", "rejected")


def media_key(data: Any) -> str:
    """What a record shows besides its text: its media fields and the non-text parts of its
    turns, as canonical JSON ("" for a text-only record).  Two records that ask "What is in the
    picture?" of two pictures are two examples, however alike their text (D002)."""
    if type(data) is list:
        data = {"messages": data}  # a message-list record: the turns themselves
    if type(data) is not dict:
        return ""
    found: list[Any] = [[k, data[k]] for k in MEDIA_KEYS if data.get(k)]
    for key in TURN_LISTS:
        turns = data.get(key)
        if type(turns) is not list:
            continue
        for turn in turns:
            content = turn.get("content") if type(turn) is dict else None
            if type(content) is list:
                found.extend(p for p in content if type(p) is dict and part_type(p) not in _TEXT_PART_TYPES)
    if not found:
        return ""
    import orjson

    try:
        return orjson.dumps(found, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        # what orjson cannot write (an integer past 64 bits that a table's JSON cell decoded,
        # nesting past its limit): a key all the same, compared with other records' keys alike
        return repr(found)


def dialogue_sides(record: Record) -> tuple[str, str]:
    """The normalised prompt side (every turn that is neither the system prompt nor the
    assistant's: user turns, tool results) and reply side (the assistant's turns) of the
    conversation, each joined like :func:`dialogue_text`.  D002 asks both to be alike: a record
    copied with edits keeps its question *and* its answer, while a second question on one long
    passage (a different reply) or a second phrasing of a greeting that gets the same templated
    reply (a different prompt) is a record of its own."""
    turns = _turn_texts(record)
    prompt = [text for role, text in turns if role != "assistant"]
    reply = [text for role, text in turns if role == "assistant"]
    return "\x1f".join(prompt), "\x1f".join(reply)


class _SignatureCollector:
    """D002's summaries: per record a signature, a digest and a location.

    The map hands over the record's text (normalised, or its turns joined as they are, which
    the batch folds as :func:`folded_dialogue` would, most of them in arrays:
    :meth:`~sftlint.analysis.minhash.Batch.add_raw`); it waits in a :class:`Batch` and is normalised and signed
    with the next few dozen records' (``sigs`` is complete after :meth:`settle`, which
    pickling, merging and the reduce call), so only signatures leave a worker.  A record whose
    normalised text turns out shorter than ``min-chars`` is dropped then, as the map drops the
    others."""

    __slots__ = (
        "brings_kept",
        "digests",
        "formats",
        "kept",
        "kept_chars",
        "loc",
        "pending",
        "sigs",
        "spilled",
        "waiting",
    )
    #: what only spares work (the same findings without it): a pickled piece leaves it out,
    #: unless told to :meth:`bring_cache`
    cache_slots = ("kept", "kept_chars")

    def __init__(self) -> None:
        self.sigs = bytearray()
        self.digests = array("Q")
        self.loc = _Locations()
        self.formats: dict[str, str | None] = {}  # input format per path, to read candidates again
        self.pending: Batch | None = None  # texts of the last records, not yet signed
        self.waiting: list[tuple[Any, ...]] = []  # and the rest of their summaries
        # The turns and media key of the first records, by position, up to KEEP_CHARS characters
        # of turns in all: verification takes them from here instead of reading them again.
        self.kept: dict[int, Kept] = {}
        self.kept_chars = 0
        self.brings_kept = False
        # Every record's normalised conversation, as signed, by position, past a few MB on disk:
        # verification reads a candidate's whole text back from here instead of reading the
        # record again from its file (see SpilledTexts).
        self.spilled = SpilledTexts()

    def append(self, summary: tuple[Any, ...]) -> None:
        sig, rest = summary[0], (*summary[1:6],)
        if len(summary) > 9 and self.kept_chars < KEEP_CHARS:
            # the turns to keep, once the record has its position (the media key is worked out
            # only for the records kept)
            rest = (*rest, (sig, summary[8], media_key(summary[9])))
        if isinstance(sig, str):  # a text, signed in a batch
            if self.pending is None:
                self.pending = Batch()
            if len(summary) > 7 and summary[7]:
                self.pending.add_raw(sig, summary[6])
            elif len(summary) > 6 and summary[6]:
                self.pending.add_parts(sig, summary[6])
            else:
                self.pending.add(sig)
            self.waiting.append(rest)
            pending = self.pending
            if (pending.chars >= BLOCK_CHARS or len(pending) >= _BATCH_TEXTS) and (
                # a run's first texts wait while numpy may still come (signed in plain Python
                # now, or with numpy at the text that imports it: the same signatures)
                not _minhash.numpy_undecided()
                or pending.chars >= _minhash.HOLD_CHARS
                or len(pending) >= 4 * _BATCH_TEXTS
            ):
                self.settle()
        else:
            self.settle()
            self._put(sig, rest, None)

    def _put(self, sig: bytes, rest: tuple[Any, ...], words: str | None) -> None:
        digest, path, index, line = rest[:4]
        if len(rest) > 5:
            kept = rest[5]
            self.kept[len(self.digests)] = kept
            self.kept_chars += len(kept[0])
        self.spilled.add(words)
        self.sigs += sig
        self.digests.append(digest)
        self.loc.add(path, index, line)
        if len(rest) > 4 and path not in self.formats:
            self.formats[path] = rest[4]

    def settle(self) -> None:
        """Sign the texts waiting: afterwards ``sigs`` holds every record's signature."""
        if self.pending is not None:
            words: list[str | None] = []
            sigs = self.pending.sign(words)
            for sig, rest, text in zip(sigs, self.waiting, words, strict=True):
                if sig is not None:
                    self._put(sig, rest, text)
            self.pending, self.waiting = None, []

    def __getstate__(self) -> dict[str, Any]:
        self.settle()  # a worker's piece carries signatures, not texts
        state = {name: getattr(self, name) for name in self.__slots__}
        if not self.brings_kept:
            # nor the turns it kept, unless the main process still keeps turns (a run's
            # first ranges: see wants_cache); it reads the others again
            state["kept"], state["kept_chars"] = {}, 0
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)

    def piece(self) -> _SignatureCollector:
        """An empty collector for a worker's range (see :func:`sftlint.run.ranges.fresh_pieces`)."""
        return _SignatureCollector()

    def wants_cache(self) -> bool:
        """Whether the pieces merged next should bring the turns they kept: this collector
        keeps turns still (see :func:`sftlint.run.ranges.caches_wanted`)."""
        return self.kept_chars < KEEP_CHARS

    def bring_cache(self) -> None:
        """Pickle the turns kept with this piece."""
        self.brings_kept = True

    def merge(self, other: _SignatureCollector) -> None:
        """``other``'s summaries after these, as if appended here one by one (the turns it
        brings kept as far as appending would have kept them)."""
        self.settle()
        other.settle()
        offset = len(self.digests)
        for k, kept in other.kept.items():  # (in position order, as kept)
            if self.kept_chars >= KEEP_CHARS:
                break
            self.kept[offset + k] = kept
            self.kept_chars += len(kept[0])
        self.sigs += other.sigs
        self.digests.extend(other.digests)
        self.loc.extend(other.loc)
        self.spilled.extend(other.spilled)
        for path, fmt in other.formats.items():
            self.formats.setdefault(path, fmt)


#: D002's collector signs its waiting texts when they reach BLOCK_CHARS characters or this many.
_BATCH_TEXTS = 256

#: What D002's collector keeps of a record for the verification: its turns joined by
#: PART_SEP (:func:`joined_turns`, the text the map signs), their roles and its media key.
#: Three objects a record, not a list of turns: many small objects held over a run pin
#: the allocator's arenas, which cost more memory than the text.
Kept = tuple[str, tuple[str, ...], str]


def kept_turns(kept: Kept) -> list[tuple[str, str]]:
    """The :func:`_turn_contents` a :data:`Kept` was made of."""
    return list(zip(kept[1], kept[0].split(PART_SEP), strict=True))


#: Characters of turns D002's collector keeps for verification (the first records' turns;
#: the others are read again from their files).  About 16-32 MB.  Reading a candidate again
#: costs about six times normalising its kept turns, and on seed-kind data nearly every record
#: is a candidate: 16 million characters kept bench/out/sk100mb.jsonl's 25,000 records whole
#: (its verification 0.94 -> 0.49 s), but took peak RSS on a gigabyte of real Chinese text
#: 16-20 MB further past 500 MB (issue 19), so the budget stays at 8 million.
KEEP_CHARS = 8_000_000


class NearDuplicate(Rule):
    """## What it does
    Reports a record whose conversation is nearly identical to an earlier record's, pointing at
    the earliest such record.  The conversation is every turn except the system prompt, without
    the retrieved knowledge-base context (`Knowledge Base Result:`), normalised: full-width forms
    folded (NFKC), case folded, all whitespace, punctuation and symbols removed.  Two records are
    near-duplicates when the Jaccard similarity of their character 5-shingles is at least
    `threshold` (0.8).  While streaming, a 64-value MinHash signature (128 bytes) is kept per
    record, its normalised conversation is written to a temporary file (past the first few MB),
    and the turns of the first records are kept, up to 8 million characters in all; at the end,
    LSH (16 bands of 4 values) finds the pairs whose *estimated* similarity is within 0.15 of
    the threshold, and those candidates are decided on their *exact* similarity, which the
    message gives: from the conversations written, and the turns kept or read again from their
    files (standard input is copied to a temporary file as it is read, and read again from
    there, so piped data gives what the file gives).  Only where the temporary file could not be
    written and a record cannot be read again does the estimate decide, and the message says
    "estimated".  A verified pair must also be alike on each side, its
    prompts (user turns and tool results) at least 0.5 and its replies (assistant turns) at
    least 0.7: one long passage asked two different questions, "hi" and "hello" given one
    templated reply, or two agent episodes under one long few-shot prompt whose trajectories
    share only their templated lines (`> Think: …`), are separate examples.  The prompts are
    compared without the start and the end of the first user turn that more than half of the
    file's records repeat (an instruction written before every question, as the system prompt
    is left out), learned from 64 of the file's records read again, evenly spaced, and left out
    as far as both records have it: AutoAct's records repeat a 1,450-character instruction and
    differ in a short question, so two different questions answered with one search are two
    examples, while a question copied with a few edits, or a file of copies, is still reported.
    Separate examples too are two records that ask the same of different images, audio or video
    (multimodal records: their `images`, `videos`, `audios` fields and their turns' non-text
    parts must be the same), and two that ask about different numbers which the record writes
    again (rows of one table: "… for the
    year 1929" answered `… WHERE Year = '1929'`, and the same for 1934; a word problem written
    again with 35 mph for 45 mph, its rationale computing `35 * 2 + 3 * 55` with its own numbers;
    a document needs the number changed at two places), and two successive steps of an agent episode written a step
    per record, the episode so far in the prompt (AutoAct, API-Bank; TRL's prompt/completion
    records, whose prompt holds the earlier steps as assistant turns the trainer does not learn:
    a reply of loss weight 0 is on the prompt side): the later step's prompt
    holds the earlier step's reply, the action already taken, and its own reply is another
    action (a step that sends the same action again is still reported), and two questions
    generated from one document that ask of two things it names (doc2query: "深度睡眠是多少个小时？"
    and "浅度睡眠是多少个小时？" of a text on deep and light sleep; the replies differ by one
    word replaced, and both prompts write both words: a word added, or one the document does not
    write, is still a copy).  A document (TRL's text, without turns) has no sides: two
    are alike only if what lies between their common start and end, when it is a fifth of the
    text or more, is at least 0.7 alike too (WikiSQL written as text repeats a table's schema
    before questions on different columns).  Exact copies are left to D001.

    ## Why is this bad?
    A record copied with a few edits (re-spaced, re-punctuated, one word changed) weighs twice in
    training like an exact duplicate, and one half in the training split and the other in the
    evaluation split leaks the answer into the evaluation.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "我的退款怎么还没到账？订单号是 1234。"}, {"role": "assistant", "content": "您的退款仍在审核中，审核通常在一到三个工作日内完成，请您耐心等待。"}]}
    {"messages": [{"role": "user", "content": "我的退款怎么还没到账? 订单号是1234"}, {"role": "assistant", "content": "您的退款仍在审核中, 审核通常在一到三个工作日内完成, 请您耐心等待!"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "我的退款怎么还没到账？订单号是 1234。"}, {"role": "assistant", "content": "您的退款仍在审核中，审核通常在一到三个工作日内完成，请您耐心等待。"}]}
    {"messages": [{"role": "user", "content": "退款显示成功了，可是银行卡里没有钱。"}, {"role": "assistant", "content": "银行卡退款需要三到七个工作日到账，请您留意银行的入账通知。"}]}
    ```

    ## Options
    `threshold`: the Jaccard similarity (0.7 to 1.0) from which two records are reported.  The
    estimate has a standard error of about 0.05 near 0.8; candidates are taken from 0.15 below
    the threshold (three standard errors) and verified exactly, so a reported pair is always at
    or above the threshold, and a pair at the threshold is missed only when its estimate falls
    three standard errors short; below 0.7 the LSH bands would miss too many pairs, so lower
    values are refused.  `min-chars`: conversations shorter
    than this (after normalisation) are not compared (short greetings are alike by nature).

    ## Fix availability
    None: which version to keep is the author's call.
    """

    code = "D002"
    name = "near-duplicate"
    severity = "warning"
    scope = "dataset"
    #: the reduce reads candidate records again (standard input is copied to disk for it)
    reads_again = True

    class Options(RuleOptions):
        threshold: float = Field(default=0.8, ge=0.7, le=1.0)
        min_chars: int = Field(default=20, ge=SHINGLE)

    def map(self, record: Record) -> tuple[Any, ...] | None:
        # The text, not its signature: the collector signs texts in batches (a summary whose
        # first item is a signature, bytes, is taken as it is).  The joined turns (the last
        # items: min-chars, and True: the collector drops the text if it is shorter than
        # min-chars once normalised) leave folding them (NFKC, case) and removing what is not a
        # word to the batch, which folds most texts in arrays.  A text shorter than min-chars is
        # left to the batch too: folding can make a text longer (``…`` to ``...``).
        # The last items, the turns' roles and the record's data, let the collector keep the
        # turns for the verification (:data:`Kept`) instead of reading the record again.
        if not record.messages:
            return None
        contents = _turn_contents(record)
        text = joined_turns([content for _, content in contents])
        if text is None:
            text = dialogue_text(record)
            if len(text) < self.options.min_chars:
                return None
            return (text, _digest(record), record.path, record.index, record.line, record.format, 0, False)
        return (
            text,
            _digest(record),
            record.path,
            record.index,
            record.line,
            record.format,
            self.options.min_chars,
            True,
            tuple(role for role, _ in contents),
            record.data,
        )

    def collector(self) -> _SignatureCollector:
        return _SignatureCollector()

    def reduce(self, summaries: Iterable[Any]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        coll.settle()
        threshold = self.options.threshold
        loc = coll.loc
        # Candidates by the estimate, from a margin below the threshold (the estimate's standard
        # error is about 0.05), then decided on the exact similarity of the texts themselves.
        low = max(0.5, threshold - VERIFY_MARGIN)
        # Both looks at the LSH buckets in one pass (the bands sorted once): the first, and a
        # second further back for the records the first leaves without a pair (templated data
        # fills a bucket with hundreds of near-copies), which only adds findings.  The pairs and
        # the decisions are held in flat arrays (templated data has pairs for most records).
        cands, wide = near_pair_arrays(
            coll.sigs, coll.digests, low, CANDIDATES_PER_RECORD, (LAST_K, WIDE_LAST_K), spread=_forks_lent()
        )
        frames = _Frames(coll)
        try:
            found = self._verify(coll, cands, frames)
            more = _untried(wide, cands, found, len(coll.digests))
            del wide, cands
            also = self._verify(coll, more, frames)
        finally:
            _MADE_TEXTS.clear()  # (a long-lived process, the Python API's, holds none of it)
        for i, (j, sim, what) in _in_order(found, also):
            ref = loc.ref(i)
            yield self.finding(
                f"record is a near-duplicate of the record at {loc.where(j, ref.path)} "
                f"({what} {sim:.2f} >= {threshold:g})",
                pointer="",
                ref=ref,
                first_path=loc.paths[loc.path_id[j]],
                first_line=loc.line[j],
                first_record=loc.index[j],
                similarity=round(sim, 4),
                # the baseline key: the pair's contents, in either order, so reordering keeps it hidden
                record_hash="pair:" + ":".join(sorted(f"{coll.digests[k]:016x}" for k in (i, j))),
            )

    def _verify(self, coll: _SignatureCollector, cands: Pairs, frames: _Frames) -> _Chosen:
        """For each record with candidates: the first (earliest) whose exact similarity reaches the
        threshold (both sides alike too, the prompts without their file's frame), as
        ``(record, similarity, what)``; the estimate decides only where the texts cannot be read
        again."""
        count = cands.records()
        threshold = self.options.threshold
        chosen = _Chosen(len(coll.digests))
        from sftlint.run.processes import lent_pool

        lent = lent_pool()
        if lent is not None and count >= PARALLEL_VERIFY_MIN:
            # Each record's decision is its own, so blocks verified by the --jobs workers (idle
            # by now) give exactly what the main process would; each block reads its records
            # again itself.
            from concurrent.futures import BrokenExecutor

            from sftlint import stdin_copy

            pool, workers = lent
            if pool is None:  # the workers are gone: processes forked now inherit the collector
                return self._verify_forked(coll, cands, frames, workers)
            size = min(VERIFY_BLOCK, -(-count // (workers * BLOCKS_PER_WORKER)))
            # The workers read standard input's copy by its own path: the copy's registry and
            # its writer belong to this process (a worker must never flush a forked writer).
            sources = [stdin_copy.copy_of(p) or p for p in coll.loc.paths]
            formats = {src: coll.formats.get(p) for p, src in zip(coll.loc.paths, sources, strict=True)}
            in_flight: deque[Any] = deque()
            try:
                for lo, hi in cands.bounds(size):
                    if len(in_flight) >= 2 * workers:  # what is held for the tasks stays bounded
                        chosen.add(in_flight.popleft().result())
                    part = cands.part(lo, hi)  # (the worker makes the block's dictionary)
                    sent, pids = _sent_locations(coll, part, sources)
                    framed = frames.of_paths(pids)
                    in_flight.append(pool.submit(_verify_sent, threshold, part, sent, formats, framed))
                while in_flight:
                    chosen.add(in_flight.popleft().result())
                return chosen
            except BrokenExecutor:  # a worker died (killed, out of memory): verify here instead
                chosen = _Chosen(len(coll.digests))
        # in blocks, so that templated data (every record a candidate) never holds every text
        for block in cands.blocks(VERIFY_BLOCK):
            framed = frames.of(block)
            chosen.add(
                _verify_block(
                    threshold, block, coll.loc, coll.digests, coll.formats, framed, coll.kept, coll.spilled
                )
            )
        return chosen

    def _verify_forked(
        self, coll: _SignatureCollector, cands: Pairs, frames: _Frames, processes: int
    ) -> _Chosen:
        """:meth:`_verify` by ``processes`` forked processes, each verifying every
        ``processes``-th block of :data:`FORKED_BLOCKS_PER_PROCESS` per process (the blocks
        further in the file read more records again, as fewer of their turns were kept)."""
        from sftlint.run.forked import forked_map

        threshold = self.options.threshold
        size = min(VERIFY_BLOCK, -(-cands.records() // (processes * FORKED_BLOCKS_PER_PROCESS)))
        bounds = cands.bounds(size)
        # the frames learned here, before the fork: each process would learn them again
        framed = frames.of_paths(_paths_of(coll.loc, cands))

        def verify(bound: tuple[int, int]) -> dict[int, tuple[int, float, str]]:
            block = cands.part(*bound).as_dict()
            return _verify_block(
                threshold, block, coll.loc, coll.digests, coll.formats, framed, coll.kept, coll.spilled
            )

        chosen = _Chosen(len(coll.digests))
        for found in forked_map(verify, bounds, processes):
            chosen.add(found)
        return chosen


def _forks_lent() -> tuple[Callable[[Callable[[Any], Any], list[Any]], list[Any]], int] | None:
    """``(map, n)`` where a ``--jobs`` run lends the reduces ``n`` processes to fork: ``map(fn,
    tasks)`` runs the tasks in them (:func:`~sftlint.run.forked.forked_map`)."""
    from sftlint.run.processes import lent_pool

    lent = lent_pool()
    if lent is None or lent[0] is not None:
        return None
    from sftlint.run.forked import forked_map

    processes = lent[1]
    return (lambda fn, tasks: forked_map(fn, tasks, processes)), processes


def _paths_of(loc: _Locations, cands: Pairs) -> Iterable[int]:
    """The path ids of the records in ``cands``."""
    if len(loc.paths) == 1:
        return [0]
    np = _minhash._numpy()
    if np:
        at = np.union1d(_as_numpy(np, cands.i), _as_numpy(np, cands.j))
        return np.unique(_as_numpy(np, loc.path_id)[at]).tolist()
    return {loc.path_id[k] for k in (*cands.i, *cands.j)}


class _Frames:
    """The frame of each file (:func:`learn_frame`), learned the first time a verification block
    holds one of its records, from :data:`FRAME_SAMPLE` of its records evenly spaced over the
    collector and read again (one more read of the file; a file that cannot be read again has no
    frame).  The sample depends on the collected records alone, so ``--jobs`` learns the same."""

    def __init__(self, coll: _SignatureCollector) -> None:
        self.coll = coll
        self.learned: dict[int, Frame | None] = {}
        self.runs: dict[int, list[tuple[int, int]]] | None = None

    def of(self, block: dict[int, list[tuple[int, float]]]) -> dict[int, Frame]:
        """The frames of the files of ``block``'s records, by path id."""
        loc = self.coll.loc
        if len(loc.paths) == 1:
            pids = {0}
        else:
            path_id = loc.path_id
            pids = {path_id[k] for i, pairs in block.items() for k in (i, *(j for j, _ in pairs))}
        return self.of_paths(pids)

    def of_paths(self, pids: Iterable[int]) -> dict[int, Frame]:
        """The frames of the files with these path ids."""
        out: dict[int, Frame] = {}
        for pid in sorted(pids):
            if pid not in self.learned:
                self.learned[pid] = self._learn(pid)
            frame = self.learned[pid]
            if frame is not None:
                out[pid] = frame
        return out

    def _learn(self, pid: int) -> Frame | None:
        coll = self.coll
        if self.runs is None:
            self.runs = _path_runs(coll.loc.path_id, len(coll.loc.paths))
        runs = self.runs.get(pid, [])
        count = sum(end - start for start, end in runs)
        if count < FRAME_MIN_RECORDS:
            return None
        picked: list[int] = []
        ranks = iter(
            [(r * count) // FRAME_SAMPLE for r in range(FRAME_SAMPLE)]
            if count > FRAME_SAMPLE
            else range(count)
        )
        rank = next(ranks, None)
        before = 0
        for start, end in runs:
            while rank is not None and rank < before + end - start:
                picked.append(start + rank - before)
                rank = next(ranks, None)
            before += end - start
        kept = coll.kept
        turns = {k: first_user_turn_of(kept_turns(kept[k])) for k in picked if k in kept}
        wanted = {coll.loc.paths[pid]: {k for k in picked if k not in kept}}
        turns.update(_texts_again(coll.loc, coll.digests, coll.formats, wanted, _first_user_turn_of))
        return learn_frame([t for k in sorted(turns) if (t := turns[k]) is not None])


def _first_user_turn_of(record: Record, k: int) -> str | None:
    return first_user_turn(record)


def _path_runs(path_id: array, paths: int) -> dict[int, list[tuple[int, int]]]:
    """The runs of consecutive collector positions of each path id, ``(start, end)`` in order
    (one run per file, unless a file was given twice)."""
    n = len(path_id)
    if paths <= 1:
        return {0: [(0, n)]} if n else {}
    np = _minhash._numpy()
    if np:
        ids = (
            np.frombuffer(path_id, dtype=np.uint32) if path_id.itemsize == 4 else np.array(path_id, np.uint32)
        )
        cuts = (np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist()
        starts = [0, *cuts]
        pids = ids[starts].tolist()
    else:  # pragma: no cover - numpy is a dependency
        starts = [k for k in range(n) if k == 0 or path_id[k] != path_id[k - 1]]
        pids = [path_id[k] for k in starts]
    out: dict[int, list[tuple[int, int]]] = {}
    for start, end, pid in zip(starts, [*starts[1:], n], pids, strict=True):
        out.setdefault(pid, []).append((start, end))
    return out


class _Chosen:
    """D002's decisions in record order: per record decided, the earlier record it repeats, the
    similarity and whether only the estimate decided (``estimated``), in flat arrays (about 25
    bytes a decision; a dictionary of tuples held about 200)."""

    __slots__ = ("estimated", "i", "j", "sim")

    def __init__(self, n: int) -> None:
        code = Pairs.typecode(n)
        self.i, self.j = array(code), array(code)
        self.sim = array("d")
        self.estimated = bytearray()

    def add(self, block: dict[int, tuple[int, float, str]]) -> None:
        """The decisions of a block of records, all after those added before."""
        for i in sorted(block):
            if self.i and i <= self.i[-1]:
                raise ValueError("D002's decisions must come in record order")
            j, sim, what = block[i]
            self.i.append(i)
            self.j.append(j)
            self.sim.append(sim)
            self.estimated.append(what != "similarity")

    def __len__(self) -> int:
        return len(self.i)

    def __iter__(self) -> Iterator[tuple[int, tuple[int, float, str]]]:
        for k, i in enumerate(self.i):
            yield i, (self.j[k], self.sim[k], "estimated similarity" if self.estimated[k] else "similarity")


def _in_order(*chosen: _Chosen) -> Iterator[tuple[int, tuple[int, float, str]]]:
    """The decisions of several passes over disjoint records, in record order."""
    return heapq.merge(*chosen, key=lambda item: item[0])


def _untried(wide: Pairs, cands: Pairs, found: _Chosen, n: int) -> Pairs:
    """The second look's pairs for the records the first did not decide, less the earlier
    records the first look tried for them (both in record order, so one walk over each)."""
    code = Pairs.typecode(n)
    oi, oj, oa = array(code), array(code), bytearray()
    ci, cj = cands.i, cands.j
    fi = found.i
    c = f = 0
    nc, nf = len(ci), len(fi)
    wi, wj, wa = wide.i, wide.j, wide.agree
    for k in range(len(wi)):
        i = wi[k]
        while f < nf and fi[f] < i:
            f += 1
        if f < nf and fi[f] == i:
            continue
        while c < nc and ci[c] < i:
            c += 1
        j = wj[k]
        t = c
        while t < nc and ci[t] == i and cj[t] < j:  # a record's pairs are in order of j
            t += 1
        if t < nc and ci[t] == i and cj[t] == j:
            continue
        oi.append(i)
        oj.append(j)
        oa.append(wa[k])
    return Pairs(oi, oj, oa)


def _sent_locations(
    coll: _SignatureCollector, part: Pairs, sources: list[str]
) -> tuple[tuple[Any, ...], list[int]]:
    """What a worker needs to read the records of a verification block again: the files to
    read (``sources``, by path id), and for every record involved its collector position, path
    id, record number, line and digest (compact arrays: 28 bytes a record), and the turns the
    collector kept of them (which the worker then does not read again); and the path ids of the
    files they are in.  The main process does this for every block while the workers wait, so
    it is done in numpy, a few calls a block."""
    loc = coll.loc
    np = _minhash._numpy()
    kept = coll.kept
    if not np:  # (numpy is a dependency; the plain way gives the same)
        positions = sorted({*part.i, *part.j})
        sent = (
            sources,
            array("Q", positions),
            array("I", (loc.path_id[k] for k in positions)),
            array("I", (loc.index[k] for k in positions)),
            array("I", (loc.line[k] for k in positions)),
            array("Q", (coll.digests[k] for k in positions)),
            {k: kept[k] for k in positions if k in kept},
        )
        return sent, sorted({loc.path_id[k] for k in positions})

    at = np.union1d(_as_numpy(np, part.i), _as_numpy(np, part.j))

    def taken(values: array, typecode: str) -> array:
        out = array(typecode)
        out.frombytes(_as_numpy(np, values)[at].astype(np.uint32 if typecode == "I" else np.uint64).tobytes())
        return out

    positions = at.tolist()
    sent = (
        sources,
        array("Q", positions),
        taken(loc.path_id, "I"),
        taken(loc.index, "I"),
        taken(loc.line, "I"),
        taken(coll.digests, "Q"),
        {k: kept[k] for k in positions if k in kept} if kept else {},
    )
    return sent, np.unique(_as_numpy(np, sent[2])).tolist()


def _as_numpy(np: Any, values: array) -> Any:
    """An array of unsigned integers (4 or 8 bytes each) as numpy sees it, without a copy."""
    return np.frombuffer(values, dtype=np.uint32 if values.itemsize == 4 else np.uint64)


class _SentLocations:
    """:func:`_sent_locations` read back in a worker, with the collector's lookups by position."""

    def __init__(self, sent: tuple[Any, ...]) -> None:
        paths, positions, path_id, index, line, digests, kept = sent
        self.kept: dict[int, Kept] = kept
        self.paths = paths
        self.path_id = dict(zip(positions, path_id, strict=True))
        self.index = dict(zip(positions, index, strict=True))
        self.line = dict(zip(positions, line, strict=True))
        self.digests = dict(zip(positions, digests, strict=True))


def _verify_sent(
    threshold: float,
    part: Pairs,
    sent: tuple[Any, ...],
    formats: dict[str, str | None],
    frames: dict[int, Frame] | None = None,
) -> dict[int, tuple[int, float, str]]:
    """:func:`_verify_block` in a ``--jobs`` worker, of a block sent as its pairs."""
    loc = _SentLocations(sent)
    return _verify_block(threshold, part.as_dict(), loc, loc.digests, formats, frames, loc.kept)


def _verify_block(
    threshold: float,
    cands: dict[int, list[tuple[int, float]]],
    loc: Any,
    digests: Any,
    formats: dict[str, str | None],
    frames: dict[int, Frame] | None = None,
    kept: dict[int, Kept] | None = None,
    spilled: SpilledTexts | None = None,
) -> dict[int, tuple[int, float, str]]:
    """D002's decision for each record of ``cands`` (collector positions, each with its
    candidates): the first (earliest) candidate whose exact similarity reaches the threshold,
    both sides alike too, as ``(record, similarity, what)``; the estimate decides only where the
    texts cannot be read again.  ``loc`` and ``digests`` look records up by collector position
    (the collector's own, or :class:`_SentLocations` in a worker); ``frames`` (by path id) are
    the files' frames, left out of the prompt sides; ``kept`` holds the turns and media keys the
    collector kept while streaming (by position), which are not read again; ``spilled``, the
    whole texts it signed (by position), which are read back rather than made again.

    In two steps: the whole texts of every record of the block first (one string each), then
    the rest of :func:`texts_of_turns` (the sides, the numbers, the media key, the frame) only
    for the pairs whose whole texts reach the threshold.  Candidates come from a margin below
    the threshold, and on templated data most of them fall short of it: making their sides and
    numbers cost more than comparing them."""
    path_id = loc.path_id
    frames = frames or {}
    kept = kept or {}
    made = _made_texts_for(loc.paths, formats)
    keys: dict[int, Any] = {}

    def key_of(k: int) -> Any:
        key = keys.get(k)
        if key is None:
            pid = path_id[k]
            keys[k] = key = _made_key(digests[k], pid, frames.get(pid))
        return key

    # 1. the whole texts
    wholes: dict[int, str] = {}
    wanted: dict[str, set[int]] = {}
    made_now: list[int] = []  # the whole texts made here (normalised again), for `made`
    for i, pairs in cands.items():
        for k in (i, *(j for j, _ in pairs)):
            if k in keys:
                continue
            done = made.get(key_of(k))
            if done is not None:
                wholes[k] = done if type(done) is str else done[0]
            elif spilled is not None and (done := spilled.get(k)) is not None:
                wholes[k] = done  # (read back again more cheaply than `made` holds it)
            elif k in kept:
                made_now.append(k)
                wholes[k] = whole_of_turns(kept[k][0].split(PART_SEP))
            else:
                wanted.setdefault(loc.paths[path_id[k]], set()).add(k)
    if wanted:
        again = _texts_again(loc, digests, formats or {}, wanted, _whole_text)
        wholes.update(again)
        made_now += again
    for k in made_now:
        made.put(keys[k], wholes[k])
    # each record's candidates as far as the first the estimate decides, those whose whole
    # texts reach the threshold, in order
    passed: dict[int, list[tuple[int, float]]] = {}
    chosen: dict[int, tuple[int, float, str]] = {}
    for i, pairs in cands.items():
        mine = _Shingled(wholes[i]) if i in wholes else None
        for j, est in pairs:
            if mine is not None and j in wholes:
                sim = mine.jaccard(wholes[j])
                if sim >= threshold - 1e-9:
                    passed.setdefault(i, []).append((j, sim))
            elif est >= threshold - 1e-9:  # the text could not be read again (stdin, in memory)
                chosen[i] = (j, est, "estimated similarity")
                break
    if not passed:
        return chosen
    # 2. the rest of the texts, for those pairs: the first pair alike on both sides is chosen
    texts: dict[int, tuple[Any, ...]] = {}
    wanted = {}
    for i, pairs in passed.items():
        for k in (i, *(j for j, _ in pairs)):
            if k in texts:
                continue
            done = made.get(keys[k])
            if type(done) is tuple:
                texts[k] = done
            elif k in kept:
                texts[k] = texts_of_turns(kept_turns(kept[k]), kept[k][2], frames.get(path_id[k]))
            else:
                wanted.setdefault(loc.paths[path_id[k]], set()).add(k)
    if wanted:

        def convert(record: Record, k: int) -> tuple[Any, ...]:
            return dialogue_texts(record, frames.get(path_id[k]))

        texts.update(_texts_again(loc, digests, formats or {}, wanted, convert))
    for k, full in texts.items():
        made.put(keys[k], full)
    for i, pairs in passed.items():
        for j, sim in pairs:
            # (a record whose turns cannot be read again, its file changed since it was read, is
            # judged on its whole text alone, which was kept: as the estimate judges one not kept)
            if i not in texts or j not in texts or _both_sides_alike(texts[i], texts[j]):
                chosen[i] = (j, sim, "similarity")
                break
    return chosen


def whole_of_turns(turns: list[str]) -> str:
    """:func:`dialogue_text` of a record's turns (:func:`_turn_contents`' texts)."""
    return "\x1f".join(text for text in map(normalise, turns) if text)


def _whole_text(record: Record, k: int) -> str:
    return dialogue_text(record)


class _MadeTexts:
    """The verification texts this process made last, by record (its file, line, number, digest
    and frame): a record's whole text (:func:`dialogue_text`), or all its :func:`texts_of_turns`
    once a pair of it got that far, up to :data:`MADE_TEXTS_CHARS` characters, the least
    recently used going first.  Templated data pairs most records with a few earlier copies, so
    a record is in many verification blocks; reading and normalising it again for each (or
    normalising its kept turns again) cost more than all the comparisons.

    The key is the record's content (its digest), its file and the file's frame
    (:func:`_made_key`): the texts follow from nothing else.  The entries are this reduce's:
    they are cleared after it, the file ids being the collector's.  Each entry and each string it holds counts :data:`ENTRY_CHARS` and
    :data:`STRING_CHARS` characters more than its text: a gigabyte of short records (a question
    and its answer, 300 characters normalised) made as many objects as characters, and 16
    million characters of them held 80 MB, not 32."""

    __slots__ = ("budget", "chars", "texts")

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.chars = 0
        # each entry with its size, counted once
        self.texts: dict[Any, tuple[str | tuple[Any, ...], int]] = {}

    @staticmethod
    def size(texts: str | tuple[Any, ...]) -> int:
        """What the entry costs in characters: those of every text it holds (the whole text,
        both sides, the user turns, the numbers, the media key) and its objects'
        (:data:`ENTRY_CHARS`, :data:`STRING_CHARS`), which its memory follows."""
        if type(texts) is str:
            return ENTRY_CHARS + STRING_CHARS + len(texts)
        size = ENTRY_CHARS
        for part in texts:
            if type(part) is str:
                size += STRING_CHARS + len(part)
            elif type(part) is tuple:
                size += sum(STRING_CHARS + len(p) for p in part if type(p) is str)
        return size

    def get(self, key: Any) -> str | tuple[Any, ...] | None:
        entry = self.texts.pop(key, None)
        if entry is None:
            return None
        self.texts[key] = entry  # the last used
        return entry[0]

    def put(self, key: Any, texts: str | tuple[Any, ...]) -> None:
        """Hold ``texts`` for ``key``; all the texts replace a whole text held alone."""
        entry = self.texts.get(key)
        if entry is not None:
            if type(entry[0]) is not str or type(texts) is str:
                return
            del self.texts[key]
            self.chars -= entry[1]
        size = self.size(texts)
        self.texts[key] = (texts, size)
        self.chars += size
        while self.chars > self.budget:
            self.chars -= self.texts.pop(next(iter(self.texts)))[1]

    def clear(self) -> None:
        self.texts.clear()
        self.chars = 0


#: Characters of verification texts each process holds between blocks (whole texts, both sides
#: and the user turns, normalised, with their objects counted as characters: :meth:`_MadeTexts.size`):
#: 32-64 MB, 128 MB where a text needs four bytes a character.
MADE_TEXTS_CHARS = 16_000_000
#: What an entry of :class:`_MadeTexts` costs beyond its strings, in characters (a UCS-2 text
#: takes two bytes a character): its slot in the dictionary, its key, and the tuple holding the
#: texts and their size, about 150 bytes.
ENTRY_CHARS = 80
#: What a string costs beyond its characters: its header, 56-74 bytes.
STRING_CHARS = 32
_MADE_TEXTS = _MadeTexts(MADE_TEXTS_CHARS)


#: The files and formats :data:`_MADE_TEXTS` holds texts of (see :func:`_made_texts_for`).
_made_for: tuple[Any, ...] | None = None


def _made_texts_for(paths: list[str], formats: dict[str, str | None] | None) -> _MadeTexts:
    """:data:`_MADE_TEXTS`, emptied first where its texts were made for other files or formats:
    its keys hold a file's id in its run (:func:`_made_key`), and a ``--jobs`` worker of a
    long-lived process (the Python API's) verifies the blocks of one run after another."""
    global _made_for
    owner = (tuple(paths), tuple(sorted((formats or {}).items(), key=str)))
    if owner != _made_for:
        _MADE_TEXTS.clear()
        _made_for = owner
    return _MADE_TEXTS


def _made_key(digest: int, path_id: int, frame: Frame | None) -> Any:
    """The key of a record's texts in :class:`_MadeTexts`: its content (the digest), its file
    (whose format maps the content to turns: the same object in two files of different formats
    can be two conversations) and the file's frame, which :func:`texts_of_turns` leaves out of
    the prompt side.  One int for the first file of a run where it has no frame, the common case:
    a key of the record's place (path, line, number) took as much memory as its whole text on
    short records."""
    return digest if path_id == 0 and frame is None else (digest, path_id, frame)


#: The least similarity of the prompt sides and of the reply sides of a near-duplicate pair: the
#: whole conversation may be 0.8 alike while one side differs entirely (one long passage with two
#: different questions and answers; "hi" and "hello" given one templated reply).  Replies need
#: more: under a long shared prompt (a few-shot agent prompt of 4,000 characters) two different
#: episodes are 0.95 alike overall while their trajectories, written in one template, are
#: 0.5-0.67 alike; records copied with edits keep their replies at least 0.74 alike on the
#: shared data.
MIN_SIDE_SIMILARITY = 0.5
MIN_REPLY_SIMILARITY = 0.7


def _both_sides_alike(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether the prompts and the replies of two records (as :func:`_texts_again` gives them)
    are at least :data:`MIN_SIDE_SIMILARITY` and :data:`MIN_REPLY_SIMILARITY` alike, a side
    empty in both being alike, and whether they show the same media (one question about two
    pictures is two examples)."""
    if a[3] != b[3]:
        return False
    prompts = _unframed_prompts(a, b)
    for (x, y), least in ((prompts, MIN_SIDE_SIMILARITY), ((a[2], b[2]), MIN_REPLY_SIMILARITY)):
        if (x or y) and jaccard(x, y) < least:
            return False
    return (
        not _carries_a_value(a, b)
        and not _two_items_in_one_frame(a, b)
        and not _successive_steps(a, b)
        and not _asks_of_another_thing(a, b)
    )


#: The fewest characters of a term that :func:`_asks_of_another_thing` looks for in a prompt:
#: two of a script that writes words without spaces in a character or two (Chinese, Japanese,
#: Korean syllables: 深度, 男性), four of any other (a normalised English text has lost its
#: spaces, and two letters are inside any long prompt by chance).
MIN_TERM_WIDE = 2
MIN_TERM = 4


def _term(middle: str, before: str, after: str) -> str:
    """``middle`` (where two replies differ) widened by the characters around it, the following
    ones first, to :data:`MIN_TERM_WIDE` or :data:`MIN_TERM` characters (as far as there are)."""
    term = middle
    while True:
        least = MIN_TERM_WIDE if any(c >= "\u2e80" for c in term) else MIN_TERM
        if len(term) >= least or not (before or after):
            return term
        if after:
            term, after = term + after[0], after[1:]
        else:
            term, before = before[-1] + term, before[:-1]


def _asks_of_another_thing(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two alike records ask of two different things that their prompts both name: the
    replies differ in one place, a word replaced by another (not a word added or dropped), and
    each prompt writes both words, each with the characters around it up to a word's length
    (:func:`_term`).  Questions generated from one document (doc2query) share the document, most
    of the text, and differ in a word or two: 深度睡眠是多少个小时？ and 浅度睡眠是多少个小时？ of a
    document that treats deep and light sleep, 男性/女性最佳生育年龄 of one that treats both
    sexes, are two questions, not a copy with an edit.  A copy paraphrased (a synonym the
    prompt does not write) or the same question written again with a word added (淡盐水 for
    盐水) is still reported."""
    ra, rb = a[2], b[2]
    if not ra or not rb or ra == rb:
        return False
    start = _shared_start(ra, rb)
    x, y = ra[start:], rb[start:]
    end = _shared_start(x[::-1], y[::-1])
    end = min(end, len(x), len(y))
    if end:
        x, y = x[:-end], y[:-end]
    if not x or not y:
        return False  # a word added or dropped: the same question written again
    before, after = ra[:start], ra[len(ra) - end :] if end else ""
    ta, tb = _term(x, before, after), _term(y, before, after)
    pa, pb = a[1], b[1]
    return ta in pa and tb in pa and ta in pb and tb in pb


#: The shortest reply (normalised) that :func:`_successive_steps` looks for in the other record's
#: prompt: a reply of a few characters ("yes", "C") is inside many prompts by chance.
MIN_STEP_REPLY = 8


def _successive_steps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two alike records are successive steps of one agent episode written a step per
    record (AutoAct's and API-Bank's files: each record's prompt is the episode so far, its reply
    the next action): one record's prompt holds the other's whole reply, the action already
    taken (more often than the record's own prompt does: a search for words of the question
    is in both questions), and the two replies differ.  Each step adds one action and its
    result to a long shared prompt, so neighbouring steps are 0.9 alike while each teaches its
    own action (the next hospital checked, a search refined after the first found nothing).  A
    later step that writes the earlier step's action again (an agent re-running it) trains the
    same target twice and is still reported, and so is a copy with edits: its prompt holds a
    reply only as often as the other copy's prompt (an edit task whose answer repeats the text
    given).  Where the history is written as turns (ShareGPT, messages), the earlier actions
    are assistant turns, on the reply side: a conversation and its own prefix are not
    affected."""
    ra, rb = a[2], b[2]
    if ra == rb:
        return False
    return _holds_more(b[1], a[1], ra) or _holds_more(a[1], b[1], rb)


def _holds_more(prompt: str, own_prompt: str, reply: str) -> bool:
    """Whether ``prompt`` writes ``reply`` (at least :data:`MIN_STEP_REPLY` characters) more
    often than ``own_prompt``, the prompt that ``reply`` answered."""
    return len(reply) >= MIN_STEP_REPLY and prompt.count(reply) > own_prompt.count(reply)


#: The least share of a document that the differing part between its common start and end with
#: another must make up for :func:`_two_items_in_one_frame` to look at it: a smaller part is an
#: edit in place (a word, a number).
MIN_CHANGED_SHARE = 0.2


def _two_items_in_one_frame(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two alike documents (records without user turns, TRL's language-modeling text)
    are two items written in one frame: what lies between their common start and their common
    end is a fair part of each (:data:`MIN_CHANGED_SHARE`) and less alike than replies must be
    (:data:`MIN_REPLY_SIMILARITY`).  WikiSQL written as text repeats a table's schema before each
    question (`table: … columns: … Q: what was the film that … A: SELECT …`): the frame makes
    them alike, the items differ.  A copy edited here and there keeps its middle alike too, and
    an edit in one place (a word) is a small part of the document.  Conversations are judged by
    their sides instead (:func:`_both_sides_alike`)."""
    if a[4] or b[4]:
        return False
    x, y = a[0], b[0]
    start = _shared_start(x, y)
    x, y = x[start:], y[start:]
    end = _shared_start(x[::-1], y[::-1])
    if end:
        x, y = x[:-end], y[:-end]
    shortest = min(len(a[0]), len(b[0]))
    if not shortest or max(len(x), len(y)) < MIN_CHANGED_SHARE * shortest:
        return False
    return not (x and y) or jaccard(x, y) < MIN_REPLY_SIMILARITY


def _shared_start(x: str, y: str) -> int:
    """The length of the longest common prefix of ``x`` and ``y`` (a binary search of slice
    comparisons, each done in C)."""
    lo, hi = 0, min(len(x), len(y))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if x[:mid] == y[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _carries_a_value(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two alike records differ by a number that the user's question asks and the
    reply writes again: each user side holds a number the other lacks, and each reply holds its
    own side's number and not the other's.  That is how examples generated from a table's rows
    differ (WikiSQL's "the typhoid fever number for the year 1929" and its
    ``SELECT … WHERE Year = '1929'``), and a word problem generated again with other numbers
    (AQuA's "drove at 45 mph for 2 hours", whose rationale computes ``45 * 2 + 3 * 55 = 255``,
    against 35 mph and ``35 * 2 + 3 * 55 = 235``): two questions, two examples, not a copy with
    edits.  A record without user turns (a document) needs each number at two places of its
    own text.

    Only numbers count: a word replaced in the question and again in the answer (who headlined
    the show *at* … -> *for*) is how a copy is paraphrased.  And only numbers the user writes:
    the same question answered again with a tool's other result (a rate of 425.50, then
    420.00, which the reply repeats) is the same example generated twice.

    The numbers are looked for twice: in the normalised texts (no spaces or punctuation, so a
    number is a run of digits, and "written again" is found by containment from three digits
    on: ``1991`` in ``1991167``, where ``= '16.7%'`` followed the year; and so is "the other
    lacks it": an order number cut in two by a stray character, ``5862021106024上469``, is
    still the other record's number), and in the runs of digits as written
    (:func:`written_numbers`), where a formula's numbers stay apart."""
    document = not a[4] and not b[4]
    if _carries_in(a[4], b[4], a[2], b[2], document, glued=True):
        return True
    (asked_a, said_a), (asked_b, said_b) = a[5], b[5]
    return _carries_in(asked_a, asked_b, said_a, said_b, document, glued=False)


def _carries_in(asked_a: str, asked_b: str, reply_a: str, reply_b: str, document: bool, glued: bool) -> bool:
    """:func:`_carries_a_value` on one reading of the two records' numbers: their user sides and
    their replies, normalised (``glued``: a number may lie inside a longer run) or as the runs
    of digits written (each run a number of its own: ``200`` is not written by ``72000``)."""
    if document:
        asked_a, asked_b = reply_a, reply_b
    if not (_DIGITS.search(asked_a) and _DIGITS.search(asked_b)):
        return False
    nums_a, nums_b = Counter(_DIGITS.findall(asked_a)), Counter(_DIGITS.findall(asked_b))
    if document:  # (a number next to another is one run of digits: count it inside runs too)
        return _carries(
            nums_a - nums_b, (nums_a, asked_a), (nums_b, asked_b), None, None, glued
        ) and _carries(nums_b - nums_a, (nums_b, asked_b), (nums_a, asked_a), None, None, glued)
    said_a = (Counter(_DIGITS.findall(reply_a)), reply_a)
    said_b = (Counter(_DIGITS.findall(reply_b)), reply_b)
    return _carries(
        nums_a - nums_b, (nums_a, asked_a), (nums_b, asked_b), said_a, said_b, glued
    ) and _carries(nums_b - nums_a, (nums_b, asked_b), (nums_a, asked_a), said_b, said_a, glued)


_Written = tuple[Counter[str], str]  # a text's runs of digits, and the text


def _carries(
    own: Iterable[str],
    asked: _Written,
    other_asked: _Written,
    said: _Written | None,
    other_said: _Written | None,
    glued: bool = True,
) -> bool:
    """Whether one of ``own`` (numbers this record's user side holds and the other's lacks) is
    written again by this record and nowhere by the other: in its reply (``said``), or, in a
    document (no reply), at a second place of the text itself; ``glued``: see :func:`_written`."""
    for n in own:
        if _written(n, *other_asked, glued):
            continue
        if said is None:
            if _written(n, *asked, glued) >= 2:
                return True
        elif other_said is not None and _written(n, *said, glued) and not _written(n, *other_said, glued):
            return True
    return False


def _written(number: str, runs: Counter[str], text: str, glued: bool = True) -> int:
    """How many times ``text`` (whose runs of digits are ``runs``) writes ``number``: as a run
    of its own, or, in a normalised text (``glued``: its numbers may run together), from three
    digits on inside a longer run too (one or two digits are inside most long numbers by
    chance)."""
    return text.count(number) if glued and len(number) >= 3 else runs[number]


_DIGITS = re.compile(r"\d+")


#: Pairs are candidates from this far below the threshold by the estimate.
VERIFY_MARGIN = 0.15
#: Earliest candidates kept per record for exact verification.
CANDIDATES_PER_RECORD = 4
#: How far back in an LSH bucket the second look goes (the first compares with the last 3).
WIDE_LAST_K = 32
#: Records verified per pass over the input (their texts and their candidates' are held: on a
#: seed-kind corpus, where most records are candidates, 20,000 held 17 MB more at the peak; each
#: pass reads the file again up to the block's last line, a small cost beside the rules').
VERIFY_BLOCK = 10_000
#: With ``--jobs``, verification is spread from this many records with candidates: over forked
#: processes (:meth:`NearDuplicate._verify_forked`), or where processes do not fork over the
#: pool's workers, in about this many blocks per worker (each block reads its files again up to
#: its last line, and is sent its records' locations and kept turns).
PARALLEL_VERIFY_MIN = 1000
BLOCKS_PER_WORKER = 2
#: Verification blocks per forked process (:meth:`NearDuplicate._verify_forked`): more, smaller
#: blocks than a pool's, as nothing is sent for them, so the processes finish together.
FORKED_BLOCKS_PER_PROCESS = 4


def shingles(text: str) -> set[str]:
    n = len(text) - SHINGLE + 1
    return {text[i : i + SHINGLE] for i in range(n)} if n > 0 else {text}


class _Shingled:
    """A text compared with several others: :func:`jaccard` natively, or in Python with its
    shingles made once."""

    __slots__ = ("shingles", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.shingles: set[str] | None = None

    def jaccard(self, other: str) -> float:
        """:func:`jaccard` of this text and ``other``."""
        if NATIVE is not None and len(self.text) >= SHINGLE and len(other) >= SHINGLE:
            return NATIVE.jaccard(self.text, other)  # the same float (five code points a key)
        if self.shingles is None:
            self.shingles = shingles(self.text)
        theirs = shingles(other)
        inter = len(self.shingles & theirs)
        return inter / (len(self.shingles) + len(theirs) - inter)


def jaccard(a: str, b: str) -> float:
    """Exact Jaccard similarity of the character 5-shingles of two normalised texts."""
    return _Shingled(a).jaccard(b)


def _texts_again(
    loc: _Locations,
    digests: array,
    formats: dict[str, str | None],
    wanted: dict[str, set[int]],
    convert: Callable[[Record, int], Any] | None = None,
) -> dict[int, Any]:
    """The normalised dialogue text, prompt side and reply side of the ``wanted`` records
    (collector positions per path), read again from their files (or what ``convert`` makes of
    each record and its position).  Only candidates are read, so
    memory stays small; a record whose content changed since (its digest differs) or that cannot
    be read (a file gone; standard input and records passed in memory are read from their copy on
    disk, :mod:`sftlint.stdin_copy`) is left out and judged on the estimate.

    A JSONL file is scanned by line number and only the wanted lines are parsed; records that
    this does not give back as they were (a record spread over several lines, a file changed
    since, a format the registry does not name) are read by the one reader, as before."""
    import os

    from sftlint import stdin_copy
    from sftlint.api import load_records

    if convert is None:
        convert = _plain_texts
    out: dict[int, Any] = {}
    for path, positions in wanted.items():
        source = stdin_copy.copy_of(path) or path  # standard input: its copy on disk
        if source == "-" or not os.path.isfile(source):
            continue
        left = _lines_again(source, formats.get(path), loc, digests, positions, out, convert)
        if not left:
            continue
        by_index = {loc.index[k]: k for k in left}
        try:
            for record in load_records(source, formats.get(path), indices=by_index.keys()):
                k = by_index.get(record.index)
                if k is not None and record.messages and _digest(record) == digests[k]:
                    out[k] = convert(record, k)
        except (OSError, ValueError):
            continue
    return out


def _plain_texts(record: Record, k: int) -> tuple[Any, ...]:
    return dialogue_texts(record)


def _lines_again(
    path: str,
    format_name: str | None,
    loc: _Locations,
    digests: array,
    positions: set[int],
    out: dict[int, Any],
    convert: Callable[[Record, int], Any],
) -> set[int]:
    """Fill ``out`` with the texts of the records at ``positions`` read straight from their lines
    (JSONL files: one record per line); return the positions this could not read."""
    import orjson

    from sftlint.delimited import is_delimited
    from sftlint.plugins import default_registry
    from sftlint.reader import SNIFF_BYTES, sniff_kind

    fmt = default_registry().formats.get(format_name) if format_name else None
    if fmt is None or path.endswith(".gz") or is_delimited(path):
        return positions  # (a table's row is no JSON line, however its bytes look)
    by_line: dict[int, int] = {loc.line[k]: k for k in positions}
    if len(by_line) != len(positions):
        return positions
    try:
        with open(path, "rb") as fh:
            if sniff_kind(fh.read(SNIFF_BYTES), path) != "jsonl":
                return positions
            fh.seek(0)
            info = FileInfo(path)
            info.format = format_name
            info.input_format = fmt
            for lineno, line in lines_at(fh, sorted(by_line)):
                k = by_line[lineno]
                line = line.rstrip(b"\r\n")
                if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                try:
                    data = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                if type(data) is not dict and type(data) is not fmt.record_type:
                    continue  # a message-list file's records are arrays
                record = Record(info, loc.index[k], lineno, lineno, data, line, 1)
                record.format = format_name
                try:
                    record.messages = fmt.to_messages(data)
                except Exception:
                    continue
                if record.messages and _digest(record) == digests[k]:
                    out[k] = convert(record, k)
    except OSError:
        return positions
    return {k for k in positions if k not in out}


#: Bytes :func:`lines_at` reads at a time.
LINES_BLOCK = 1 << 20


def lines_at(fh: Any, numbers: list[int], block: int = LINES_BLOCK) -> Iterator[tuple[int, bytes]]:
    """``(number, line)`` for each of the wanted line ``numbers`` (ascending, 1-based) of the
    binary file ``fh`` read from its start, numbered as iterating the file numbers them: a line
    ends after each ``\\n`` (kept), the last may lack it; a number past the end gives nothing.

    The file is read in blocks of ``block`` bytes, and the lines before a wanted one are only
    skipped (``find`` from newline to newline, or, across many short lines, ``count`` over the
    rest of a block), never cut out: D002's reduce reads a few hundred candidate lines scattered
    over a file of hundreds of MB, and iterating every line of it cost its main process about
    0.1 s per 100 MB.  A block's newlines are counted once and the count kept as lines are
    skipped: counting the rest of the block again before each line skipped one by one (a
    wanted line more than SKIP_BY_COUNT lines ahead in the same block) cost 20 s for a 1 MB table
    of short lines."""
    buf = fh.read(block)
    pos = 0  # where line ``lineno`` starts in ``buf`` (or continues, at a block's start)
    lineno = 1
    find = buf.find
    left = -1  # the newlines from ``pos`` to the end of ``buf`` once counted (-1: not counted)
    for target in numbers:
        while lineno < target:
            if target - lineno >= SKIP_BY_COUNT:
                if left < 0:
                    left = buf.count(b"\n", pos)
                if left < target - lineno:  # the wanted line starts past this block
                    lineno += left
                    buf, pos, left = fh.read(block), 0, -1
                    find = buf.find
                    if not buf:
                        return
                    continue
            nl = find(b"\n", pos)
            if nl < 0:
                buf, pos, left = fh.read(block), 0, -1
                find = buf.find
                if not buf:
                    return
                continue
            pos = nl + 1
            lineno += 1
            if left > 0:
                left -= 1
        end = find(b"\n", pos)
        if end >= 0:
            line = buf[pos : end + 1]
            pos = end + 1
            if left > 0:
                left -= 1
        else:  # the line runs into the next blocks
            parts = [buf[pos:]]
            buf, pos, left = fh.read(block), 0, -1
            while buf:
                end = buf.find(b"\n")
                if end >= 0:
                    parts.append(buf[: end + 1])
                    pos = end + 1
                    break
                parts.append(buf)
                buf = fh.read(block)
            find = buf.find
            line = b"".join(parts)
            if not line:
                return
        lineno += 1
        yield target, line


#: From this many lines to skip, :func:`lines_at` counts the newlines of the rest of its block
#: first (0.9 ms a MB) rather than finding them one by one (about 0.3 us each, in Python).
SKIP_BY_COUNT = 2048


# ---------------------------------------------------------------------------
# D003


class _Counter:
    __slots__ = ("files", "first", "n")

    def __init__(self) -> None:
        self.n = 0
        self.first: tuple[str, int, int] | None = None
        self.files: set[str] = set()

    def append(self, summary: tuple[str, int, int]) -> None:
        if self.first is None:
            self.first = summary
        self.n += 1
        if len(self.files) < 1000:
            self.files.add(summary[0])

    def piece(self) -> _Counter:
        """An empty counter for a worker's range (see :func:`sftlint.run.ranges.fresh_pieces`)."""
        return _Counter()

    def merge(self, other: _Counter) -> None:
        """``other``'s summaries after these, as if appended here one by one (``files`` is only
        ever counted, up to 1000, and the union of capped sets has the same size capped)."""
        if self.first is None:
            self.first = other.first
        self.n += other.n
        for path in other.files:
            if len(self.files) >= 1000:
                break
            self.files.add(path)


class TooFewRecords(Rule):
    """## What it does
    Reports (as info, which never fails a run) a dataset with fewer than `min-records` records
    (50).  The dataset is every file of the run together; the finding is placed on its first
    record.

    ## Why is this bad?
    Fine-tuning on a handful of examples rarely changes a model's behaviour reliably.  OpenAI's
    fine-tuning guide asks for at least 10 examples and reports clear gains from 50 to 100, with
    each doubling of good data giving a similar further gain; the seed article's point is the
    same: collect enough production-like dialogues first.

    ## Example
    A file of 10 records: `sftlint check data.jsonl` reports `D003` on its first record.
    (A page cannot show 50 records; the rule's tests build both cases.)

    ## Use instead
    A dataset of at least 50 records, in one file or across the files of one run.

    ## Options
    `min-records`: the least number of records that does not get the note.

    ## Fix availability
    None: more data has to be collected.
    """

    code = "D003"
    name = "too-few-records"
    severity = "info"
    scope = "dataset"

    class Options(RuleOptions):
        min_records: int = Field(default=50, ge=1)

    def map(self, record: Record) -> tuple[str, int, int]:
        return (record.path, record.index, record.line)

    def collector(self) -> _Counter:
        return _Counter()

    def reduce(self, summaries: Iterable[Any]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        want = self.options.min_records
        if coll.first is None or coll.n >= want:
            return
        path, index, line = coll.first
        files = len(coll.files)
        scope = f"the dataset ({files} files)" if files > 1 else "the dataset"
        yield self.finding(
            f"{scope} has {coll.n} record{'s' if coll.n != 1 else ''}; fine-tuning usually needs at "
            f"least {want} to show a reliable gain",
            pointer="",
            ref=RecordRef(path, index, line, line),
            records=coll.n,
        )


# ---------------------------------------------------------------------------
# D004

#: Distinct system prompts whose text is kept for messages (more are counted, not quoted).
MAX_PROMPT_TEXTS = 256
MAX_PROMPT_CHARS = 20_000
_NO_PROMPT = 0


class _PromptCollector:
    __slots__ = (
        "counts",
        "ids",
        "loc",
        "pointer_ids",
        "pointer_of",
        "pointers",
        "prompt_of",
        "text_limit",
        "texts",
    )

    def __init__(self, text_limit: int = MAX_PROMPT_TEXTS) -> None:
        #: distinct prompts whose text is kept (a worker's piece keeps all of its range's, so that
        #: the merge keeps exactly the ones the serial run keeps)
        self.text_limit = text_limit
        self.ids: dict[int, int] = {_NO_PROMPT: 0}  # digest -> prompt id (0: no system prompt)
        self.counts: list[int] = [0]
        self.texts: dict[int, str] = {}
        self.prompt_of = array("I")
        self.pointers: list[str] = []
        self.pointer_ids: dict[str, int] = {}
        self.pointer_of = array("H")
        self.loc = _Locations()

    def append(self, summary: tuple[int, str | None, str, str, int, int]) -> None:
        digest, text, pointer, path, index, line = summary
        pid = self.ids.get(digest)
        if pid is None:
            pid = self.ids[digest] = len(self.counts)
            self.counts.append(0)
        self.counts[pid] += 1
        if text is not None and pid not in self.texts and len(self.texts) < self.text_limit:
            self.texts[pid] = text[:MAX_PROMPT_CHARS]
        self.prompt_of.append(pid)
        ptr = self.pointer_ids.get(pointer)
        if ptr is None:
            ptr = self.pointer_ids[pointer] = len(self.pointers)
            self.pointers.append(pointer)
        self.pointer_of.append(ptr)
        self.loc.add(path, index, line)

    def piece(self) -> _PromptCollector:
        """An empty collector for a worker's range (see :func:`sftlint.run.ranges.fresh_pieces`),
        keeping every prompt text of the range (bounded by the range's size)."""
        return _PromptCollector(text_limit=sys.maxsize)

    def merge(self, other: _PromptCollector) -> None:
        """``other``'s summaries after these, as if appended here one by one: prompts and
        pointers new here get their ids in the order they first appeared there, and texts are
        kept in the order they arrived there, up to this collector's limit."""
        digest_of = {pid: digest for digest, pid in other.ids.items()}
        pids = []
        for opid in range(len(other.counts)):
            digest = digest_of[opid]
            pid = self.ids.get(digest)
            if pid is None:
                pid = self.ids[digest] = len(self.counts)
                self.counts.append(0)
            self.counts[pid] += other.counts[opid]
            pids.append(pid)
        for opid, text in other.texts.items():
            pid = pids[opid]
            if pid not in self.texts and len(self.texts) < self.text_limit:
                self.texts[pid] = text
        self.prompt_of.extend(array("I", [pids[p] for p in other.prompt_of]))
        ptrs = []
        for pointer in other.pointers:
            ptr = self.pointer_ids.get(pointer)
            if ptr is None:
                ptr = self.pointer_ids[pointer] = len(self.pointers)
                self.pointers.append(pointer)
            ptrs.append(ptr)
        self.pointer_of.extend(array("H", [ptrs[p] for p in other.pointer_of]))
        self.loc.extend(other.loc)


def _text_digest(text: str) -> int:
    import hashlib

    value = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
    return value or 1  # 0 means "no system prompt"


def describe_difference(text: str, reference: str) -> str:
    """Where ``text`` departs from ``reference``, quoted briefly."""
    if "".join(text.split()) == "".join(reference.split()):
        return "they differ only in whitespace"
    start = 0
    limit = min(len(text), len(reference))
    while start < limit and text[start] == reference[start]:
        start += 1
    end_t, end_r = len(text), len(reference)
    while end_t > start and end_r > start and text[end_t - 1] == reference[end_r - 1]:
        end_t -= 1
        end_r -= 1

    def quote(s: str, a: int, b: int) -> str:
        lo = max(0, a - 8)
        piece = s[lo : min(b, a + 40)]
        return ("…" if lo > 0 else "") + f"{piece}" + ("…" if min(b, a + 40) < len(s) else "")

    if end_t == start:
        return f"from character {start + 1} on it lacks “{quote(reference, start, end_r)}”"
    if end_r == start:
        return f"from character {start + 1} on it adds “{quote(text, start, end_t)}”"
    return (
        f"from character {start + 1} on it has “{quote(text, start, end_t)}” where the reference has "
        f"“{quote(reference, start, end_r)}”"
    )


class SystemPromptDrift(Rule):
    """## What it does
    Reports a record whose system prompt differs from the production prompt (option
    `production-prompt`) or, without that option, from the dataset's dominant prompt: the prompt
    that more than `min-share` (half) of the records use.  A record without a system prompt is
    reported too when the reference has one.  The message says where the two texts part.

    ## Why is this bad?
    The seed article's first rule: training data must look exactly like what the model sees in
    production.  A few records with an older or edited prompt teach the model behaviour tied to a
    prompt it will never be given, and records without it teach behaviour without instructions.

    ## Example
    ```json
    {"messages": [{"role": "system", "content": "你是电商客服助手，请礼貌地回答用户的问题。"}, {"role": "user", "content": "我的快递到哪了？"}, {"role": "assistant", "content": "您的快递已到达本市分拣中心。"}]}
    {"messages": [{"role": "system", "content": "你是电商客服助手，请礼貌地回答用户的问题。"}, {"role": "user", "content": "退货运费谁出？"}, {"role": "assistant", "content": "七天无理由退货的运费由商家承担。"}]}
    {"messages": [{"role": "system", "content": "你是电商客服助手，请礼貌地回答用户的问题。"}, {"role": "user", "content": "能开发票吗？"}, {"role": "assistant", "content": "确认收货后可以在订单详情页申请发票。"}]}
    {"messages": [{"role": "system", "content": "你是客服，回答要简短。"}, {"role": "user", "content": "优惠券怎么用不了？"}, {"role": "assistant", "content": "这张优惠券需要订单满一百元才能使用。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "system", "content": "你是电商客服助手，请礼貌地回答用户的问题。"}, {"role": "user", "content": "我的快递到哪了？"}, {"role": "assistant", "content": "您的快递已到达本市分拣中心。"}]}
    {"messages": [{"role": "system", "content": "你是电商客服助手，请礼貌地回答用户的问题。"}, {"role": "user", "content": "退货运费谁出？"}, {"role": "assistant", "content": "七天无理由退货的运费由商家承担。"}]}
    {"messages": [{"role": "system", "content": "你是电商客服助手，请礼貌地回答用户的问题。"}, {"role": "user", "content": "能开发票吗？"}, {"role": "assistant", "content": "确认收货后可以在订单详情页申请发票。"}]}
    {"messages": [{"role": "system", "content": "你是电商客服助手，请礼貌地回答用户的问题。"}, {"role": "user", "content": "优惠券怎么用不了？"}, {"role": "assistant", "content": "这张优惠券需要订单满一百元才能使用。"}]}
    ```

    ## Options
    `production-prompt`: the exact system prompt used in production; every record is compared
    with it.  `min-share`: without a production prompt, the share of records the most common
    prompt must exceed to count as the dataset's prompt (below it, prompts vary by design and
    nothing is reported).  The dataset is every file of the run.

    ## Fix availability
    None: whether the record or the prompt is outdated is the author's call.
    """

    code = "D004"
    name = "system-prompt-drift"
    severity = "warning"
    scope = "dataset"

    class Options(RuleOptions):
        production_prompt: str | None = None
        min_share: float = Field(default=0.5, ge=0.0, lt=1.0)

        @field_validator("production_prompt")
        @classmethod
        def _not_blank(cls, v: str | None) -> str | None:
            if v is not None and not v.strip():
                raise ValueError("must not be blank (leave it unset to use the dominant prompt)")
            return v

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        self._sent: set[int] = set()

    def map(self, record: Record) -> tuple[int, str | None, str, str, int, int] | None:
        msgs = record.messages
        if msgs is None:
            return None  # format unknown: nothing to compare
        if msgs and msgs[0].role == "system":
            text: str | None = msgs[0].content
            pointer = msgs[0].content_pointer
        else:
            text, pointer = None, ""
        production = self.options.production_prompt
        if production is not None and text == production:
            return None
        digest = _NO_PROMPT if text is None else _text_digest(text)
        if text is not None and production is None:
            # Each process sends a prompt's text once; the collector keeps the first that arrives.
            if digest in self._sent:
                text = None
            elif len(self._sent) < 4 * MAX_PROMPT_TEXTS:
                self._sent.add(digest)
        return (digest, text, pointer, record.path, record.index, record.line)

    def collector(self) -> _PromptCollector:
        self._sent = set()
        return _PromptCollector()

    def reduce(self, summaries: Iterable[Any]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        total = len(coll.prompt_of)
        if total == 0:
            return
        production = self.options.production_prompt
        if production is not None:
            reference, ref_id = production, -1
            basis = "the production prompt (option `production-prompt`)"
        else:
            ref_id = max(range(1, len(coll.counts)), key=lambda p: coll.counts[p], default=0)
            share = coll.counts[ref_id] / total if ref_id else 0.0
            if ref_id == 0 or share <= self.options.min_share or coll.counts[ref_id] == total:
                return
            reference = coll.texts.get(ref_id, "")
            first = coll.prompt_of.index(ref_id)
        for i in range(total):
            pid = coll.prompt_of[i]
            if pid == ref_id:
                continue
            ref = coll.loc.ref(i)
            if production is None:  # "line 1" in the same file, "other.jsonl:1" in another
                basis = (
                    f"the dataset's dominant prompt ({coll.counts[ref_id]:,} of {total:,} records, "
                    f"first at {coll.loc.where(first, relative_to=ref.path)})"
                )
            pointer = coll.pointers[coll.pointer_of[i]]
            if pid == 0:
                yield self.finding(f"record has no system prompt; {basis} has one", pointer=pointer, ref=ref)
                continue
            others = coll.counts[pid]
            used = f"; this version is used by {others:,} records" if others > 1 else ""
            text = coll.texts.get(pid)
            how = f": {describe_difference(text, reference)}" if text is not None and reference else ""
            yield self.finding(f"system prompt differs from {basis}{how}{used}", pointer=pointer, ref=ref)


# ---------------------------------------------------------------------------
# D005


class ContextOverflow(Rule):
    """## What it does
    Reports a record whose conversation, in tokens, is longer than the context window the model
    is trained with (`context-window`, 8192), naming the message where it crosses the window.
    Tokens are counted with the tokenizer named in `tokenizer` (a `tokenizer.json` file, or
    `tiktoken:<encoding>`; both need `pip install 'sftlint[tokenizers]'`), or else approximated
    as one token per non-ASCII character plus one per four ASCII characters; the message says
    which.  Each message adds `per-message-tokens` (4) for the chat template's role markers.

    ## Why is this bad?
    Trainers cut a sequence at their maximum length (TRL's `max_length`, LLaMA-Factory's
    `cutoff_len`) or drop it: the end of the conversation, usually the final assistant answer the
    record exists to teach, is silently lost.

    ## Example
    A record of 9,000 Chinese characters with the default window: `sftlint check` reports
    `D005 record is ~9,0xx tokens (approximation: …), over the 8,192-token context window from
    /messages/N on`.  (A page cannot hold such a record; the rule's tests build it.)

    ## Use instead
    Split the conversation into records that each fit the window, or raise `context-window` to
    the length your trainer really uses.

    ## Options
    `context-window`: the trainer's maximum sequence length in tokens.  `tokenizer`: path to the
    model's `tokenizer.json`, or `tiktoken:cl100k_base` / `tiktoken:o200k_base`; unset, the
    approximation is used.  `per-message-tokens`: template tokens added per message.
    A record whose UTF-8 size is below the window is not tokenized at all: no byte-level
    tokenizer makes more tokens than bytes.

    ## Fix availability
    None: where to split a conversation is the author's call.
    """

    code = "D005"
    name = "context-overflow"
    severity = "error"
    scope = "record"

    class Options(RuleOptions):
        context_window: int = Field(default=8192, gt=0)
        tokenizer: str | None = None
        per_message_tokens: int = Field(default=4, ge=0)

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        from sftlint.analysis.tokens import get_counter

        self.counter = get_counter(self.options.tokenizer)  # TokenizerError: the run stops with exit 2

    def check(self, record: Record) -> Iterator[Finding]:
        msgs = record.messages
        if not msgs:
            return
        opts = self.options
        window, per = opts.context_window, opts.per_message_tokens
        overhead = per * len(msgs)
        raw = record.raw
        if isinstance(raw, bytes) and len(raw) + overhead + len(msgs) <= window:
            return  # fast path: fewer bytes than the window cannot make more tokens
        texts = [m.content for m in msgs]
        if sum(len(t.encode("utf-8")) + 1 for t in texts) + overhead <= window:
            return
        counts = self.counter.count(texts)
        total = sum(counts) + overhead
        if total <= window:
            return
        running, at = 0, msgs[-1]
        for m, c in zip(msgs, counts, strict=False):
            running += c + per
            if running > window:
                at = m
                break
        where = at.pointer or at.content_pointer or "the record"
        yield self.finding(
            f"record is {total:,} tokens ({self.counter.description}), over the {window:,}-token "
            f"context window from {where} on; training truncates or drops it",
            pointer=at.pointer if at.pointer else at.content_pointer,
            tokens=total,
        )


RULES = [DuplicateRecord, NearDuplicate, TooFewRecords, SystemPromptDrift, ContextOverflow]
