"""A file's own phrases: the whole clauses its texts write, counted per file.

A templated dataset (customer-service replies generated from a knowledge base, the seed's
kind) writes the same few hundred clauses over and over: a seed-kind corpus of 25,000 records
has 144 distinct clauses on its replies' last lines.  What the file writes shows what a text
of it meant to write, where the text alone cannot:

* a reply that stops on ``很高兴`` where the file writes ``很高兴能帮到您`` and never ends a clause
  at ``很高兴`` was cut (T006), though ``很高兴`` is a whole word;
* a clause that writes ``提交申清后请留意短信通知`` where the file writes
  ``提交申请后请留意短信通知`` holds a slip (T001), though the slip repeats wherever the template
  was copied.

Text that does not repeat (real data) writes each clause about once, tens of thousands in a
thousand records; :class:`FilePhrases` gives a file up past :data:`PHRASES_MOST` distinct ones,
which bounds its memory, and what the rules ask of a real file's phrases finds nothing there
(a templated file writes each of its phrases 20 times or more on average, the real files here
2 or less).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from sftlint.analysis.text.memo import PerText
from sftlint.analysis.text.zh import HAN

#: what parts the clauses of a text; not ``、``, which parts the items of an enumeration inside
#: a clause: its last item may begin a longer term the file writes elsewhere (…吸收不良综合征、
#: 休克、荨麻疹 beside 荨麻疹性血管炎)
CLAUSE_PARTING = re.compile(r"[，,；;。！？!?：:\n]")
#: markup around a clause's words, stripped (``--- 回复``, ``> 引用``, a list's bullet, a ReAct
#: block's closing ``>``)
CLAUSE_MARKUP = " \t\u3000-—*<>#•·"
#: the lengths of the clauses counted (a longer one is a sentence, not a phrase a template repeats)
PHRASE_CHARS = (2, 40)
#: the distinct clauses counted per file before the file is taken for one that does not repeat
#: its phrases and given up (real dialogues write about 18 a record: EmoLLM's pass it at record
#: 726; MedicalGPT's 1,000 ShareGPT dialogues write 17,653, each about once)
PHRASES_MOST = 20_000
#: how often a file must write a phrase (or the longer phrases a clause begins, in all) for it
#: to be the file's own
PHRASE_LEAST = 2
#: a file's phrases are a template's when each is written this many times on average (seed-kind
#: corpora: 150-1,670; every held-out and shared file 4.7 or less, all but a 12-record one 2.0)
TEMPLATED_REPEATS = 20

if TYPE_CHECKING:
    from sftlint.record import Message, Record


def _line_clauses(line: str) -> tuple[str, ...]:
    lo, hi = PHRASE_CHARS
    out = []
    # the last part is followed by no separator: it is not a whole clause
    for seg in CLAUSE_PARTING.split(line)[:-1]:
        if len(seg) < lo or seg.isascii():
            continue
        seg = seg.strip(CLAUSE_MARKUP)
        if lo <= len(seg) <= hi:
            out.append(seg)
    return tuple(out)


#: by line, not by text: a templated file's replies differ (names, numbers, a ReAct trace) while
#: their closing lines come back (a seed-kind corpus: 144 distinct clauses on 87,292 last lines)
_CLAUSES = PerText(_line_clauses)


def last_line_clauses(text: str) -> tuple[str, ...]:
    """The whole clauses of the last line of ``text`` (where a reply closes, and is cut): each
    stretch between separators (``，`` ``。`` ``：`` …) that a separator ends, its markup
    stripped, of 2 to 40 characters, not ASCII alone.  Once per distinct line."""
    end = len(text)
    while end and text[end - 1].isspace():
        end -= 1
    return _CLAUSES[text[text.rfind("\n", 0, end) + 1 : end]]


def reply_phrases(record: Record) -> tuple[str, ...]:
    """The whole clauses of the last lines of the record's replies (its assistant messages),
    in order: what the record adds to its file's phrases.  Once per record (T001 and T006
    both count them)."""
    return record.memo("reply-phrases", lambda: _reply_phrases(record.messages))


def _reply_phrases(messages: list[Message] | None) -> tuple[str, ...]:
    out: tuple[str, ...] = ()
    for m in messages or ():
        if m.role == "assistant" and m.content:
            clauses = last_line_clauses(m.content)
            if clauses:
                out += clauses
    return out


class FilePhrases:
    """Per file, how often each clause is written, in the order first met; ``None`` for a file
    past :data:`PHRASES_MOST` distinct ones.  Merging gives what adding every clause in order
    gives: counts add up, new clauses follow in their order, and a file is given up when its
    pieces' clauses together pass the bound (so ``--jobs`` changes nothing)."""

    __slots__ = ("_sorted", "_templated", "counts")
    #: the phrases in order and whether the file is a template's, made when first asked: not
    #: part of what pieces merge
    cache_slots = ("_sorted", "_templated")

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str] | None] = {}
        self._sorted: dict[str, list[str]] = {}
        self._templated: dict[str, bool] = {}

    def add(self, path: str, clauses: Iterable[str] | Mapping[str, int]) -> None:
        """Count ``clauses`` for the file at ``path``: each once more, or, from a mapping (a
        piece's counts), by its counts."""
        counts = self.counts.get(path)
        if counts is None:
            if path in self.counts:
                return  # given up
            counts = self.counts[path] = Counter()
        counts.update(clauses)
        if len(counts) > PHRASES_MOST:
            self.counts[path] = None  # a file that does not repeat its phrases

    def merge(self, other: FilePhrases) -> None:
        for path, counts in other.counts.items():
            if counts is None:
                self.counts[path] = None
            else:
                self.add(path, counts)

    def templated(self, path: str) -> bool:
        """Whether the file at ``path`` is a template's: its phrases each come back
        :data:`TEMPLATED_REPEATS` times or more on average (never a file given up)."""
        known = self._templated.get(path)
        if known is None:
            counts = self.counts.get(path)
            known = self._templated[path] = bool(counts) and counts.total() >= TEMPLATED_REPEATS * len(counts)
        return known

    def holding(self, path: str, word: str) -> int:
        """How many of the clauses the file at ``path`` writes hold ``word`` (0 for a file given
        up): the word's use in the file's own phrases."""
        counts = self.counts.get(path)
        return sum(n for c, n in counts.items() if word in c) if counts else 0

    def completion(self, path: str, clause: str) -> tuple[str, int] | None:
        """The phrase the file at ``path`` writes most often of those ``clause`` begins, and how
        often it writes that one, when it writes them at least :data:`PHRASE_LEAST` times in all
        and ``clause`` never ends a clause itself: what a text cut partway through one of the
        file's phrases stops on (``很高兴`` -> ``("很高兴能帮到您", 672)`` on a seed-kind corpus).
        A phrase goes on after the clause with a Chinese character, or, after a Chinese one,
        with anything but a space: a number begins a longer number (费用总计100 of 费用总计1000元)
        and says nothing."""
        counts = self.counts.get(path)
        if not counts or clause in counts:
            return None
        keys = self._sorted.get(path)
        if keys is None:
            keys = self._sorted[path] = sorted(counts)
        n = len(clause)
        number = clause[-1].isdigit()
        total = 0
        best: tuple[int, str] | None = None
        for k in range(bisect_left(keys, clause), len(keys)):
            longer = keys[k]
            if not longer.startswith(clause):
                break
            after = longer[n]
            if HAN.match(after) is not None or not (number or after.isspace()):
                written = counts[longer]
                total += written
                if best is None or written > best[0]:
                    best = (written, longer)
        if best is None or total < PHRASE_LEAST:
            return None
        return best[1], best[0]
