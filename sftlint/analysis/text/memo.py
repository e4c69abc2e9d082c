"""Results of pure functions of a text, computed once per distinct text.

Datasets repeat whole texts: a system prompt in every record, boilerplate replies, a
templated question with its knowledge-base paragraph (a third of the turns of the seed-style
corpus are repeats).  Rules that judge a turn by its text alone (its language, whether it
was cut off, whether it asks for a translation) look each text up here first.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any


class PerText(dict):  # type: ignore[type-arg]
    """``memo[text]`` is ``compute(text)``, computed on the first lookup of each distinct text.

    Bounded by the characters of the texts it keeps, in two generations: when the texts kept
    would pass ``limit`` they become the older generation (the one before is forgotten at
    once, which costs nothing per entry) and a new one starts; a text found in the older
    generation moves to the new one.  So a text the dataset keeps repeating stays however
    many others pass between its repeats, as long as it comes back within a generation (a
    single generation, cleared when full, forgot a third of the seed corpus's repeated turns).
    A text longer than ``longest`` is computed and not kept.  A lookup hashes the text once;
    Python keeps a string's hash, so the other rules that look up the same turn pay only the
    comparison.

    A text is kept from its second lookup on: the first only sets a bit for its hash (in two
    generations of :data:`SEEN_BITS` bits, the older forgotten when the newer has had
    :data:`SEEN_PER_GENERATION` texts; a text whose bit another set is kept at once, which
    only costs memory).  Text that does not repeat (most turns of real data) then costs the
    memo no text: on a gigabyte of real Chinese text the seven memos held about 30 MB of turns
    nobody asked for again.  A repeated text is computed twice instead of once, but the texts
    that repeat stay longer.  A generation holds 500,000 characters (a million before): with
    both, peak RSS on that gigabyte 527 -> 473 MB (issue 19's target is 500; the turns D002
    keeps went back to 8 million characters too), and the memos of a default run on
    bench/out/sk100mb.jsonl compute 439,344 times (393,481 with a million characters and no
    bitmap, 379,256 with a million and the bitmap).
    """

    __slots__ = (
        "__weakref__",
        "chars",
        "compute",
        "limit",
        "longest",
        "noted",
        "older",
        "seen",
        "seen_older",
    )

    def __init__(self, compute: Callable[[str], Any], limit: int = 500_000, longest: int = 20_000) -> None:
        super().__init__()
        self.compute = compute
        self.limit = limit
        self.longest = longest
        self.clear()
        _MEMOS.append(weakref.ref(self))

    def __missing__(self, text: str) -> Any:
        older = self.older.get(text, _NONE)
        if older is _NONE:
            value = self.compute(text)
            at = hash(text) & (SEEN_BITS - 1)
            byte, bit = at >> 3, 1 << (at & 7)
            if not (self.seen[byte] & bit or self.seen_older[byte] & bit):  # its first lookup
                if self.noted >= SEEN_PER_GENERATION:
                    self.seen_older, self.seen, self.noted = self.seen, bytearray(SEEN_BITS // 8), 0
                self.seen[byte] |= bit
                self.noted += 1
                return value
        else:
            value = older
        n = len(text)
        if n <= self.longest:
            if self.chars + n > self.limit:
                self.older = dict(self)
                super().clear()
                self.chars = 0
            self[text] = value
            self.chars += n
        return value

    def clear(self) -> None:
        super().clear()
        self.older: dict[str, Any] = {}
        self.chars = 0
        self.seen = bytearray(SEEN_BITS // 8)
        self.seen_older = bytearray(SEEN_BITS // 8)
        self.noted = 0


#: Bits a :class:`PerText` sets for the texts it has met once, per generation (two held:
#: 256 KB), and how many texts a generation notes (an eighth of its bits: one text in about
#: sixteen that is met once is kept all the same).
SEEN_BITS = 1 << 20
SEEN_PER_GENERATION = SEEN_BITS // 8


_NONE = object()


#: Every memo, emptied by :func:`forget_texts` (weak references: a dict is not hashable, so no
#: WeakSet; the memos are module-level, and the few a test makes are dropped as they die).
_MEMOS: list[weakref.ref[PerText]] = []
#: Other caches of per-text analyses, emptied by :func:`forget_texts` too (T001's lines).
_OTHERS: list[Callable[[], None]] = []


def forget_too(clear: Callable[[], None]) -> None:
    """Have :func:`forget_texts` call ``clear`` as well (a process-wide cache's own emptying)."""
    _OTHERS.append(clear)


def forget_texts() -> None:
    """Empty the memos and the caches of per-text analyses: the engine calls this when a run's
    records are all checked, before the dataset rules' reduces, which read none of them.

    The caches hold tens of megabytes of turns and their analyses at the end of a large run
    (T001's 4 million characters of lines, seven memos of up to a million characters each),
    and the reduces are where a run's memory peaks: D002's LSH and verification on a gigabyte
    of short records.  Emptied, their memory is reused by the reduces instead of adding to
    them.  Nothing changes but time: each entry is a pure function of its text, computed again
    by a later run that asks."""
    for memo in live_memos():
        memo.clear()
    for clear in _OTHERS:
        clear()


def live_memos() -> list[PerText]:
    """The memos alive (the references to those gone are dropped)."""
    alive = [memo for memo in (ref() for ref in _MEMOS) if memo is not None]
    _MEMOS[:] = [weakref.ref(memo) for memo in alive]
    return alive
