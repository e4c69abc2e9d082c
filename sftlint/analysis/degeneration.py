"""Signs that generated text degenerated: a loop of repeated text, or an answer cut off.

Small on purpose, for ``sftlint eval`` (issue 16): the ``textrules`` work on
repeated-text and truncation rules for training data had not landed when this
was written; when it does, eval should use its detectors instead of these.

* :func:`repetition` finds a unit of text repeated back to back (a model stuck
  in a loop writes ``好的好的好的好的…`` or the same sentence again and again), or
  one line written three or more times.  Thresholds are high enough that
  lists, tables and refrains in ordinary answers do not trigger it.
* :func:`cut_off` says an answer stopped without an end: the generator said
  so (``finish_reason == "length"``), or, when the reference answers of the
  same file end their sentences, the output ends mid-sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: A unit of 1..40 characters repeated back to back, at least this many times in all ...
MIN_REPEATS = 5
#: ... covering at least this many characters.
MIN_LOOP_CHARS = 30
_LOOP = re.compile(r"(.{1,40}?)\1{" + str(MIN_REPEATS - 1) + ",}", re.DOTALL)
#: A non-blank line (of at least 8 characters) written this many times in a row.
MIN_LINE_REPEATS = 3
MIN_LINE_CHARS = 8
_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)

#: Characters an answer that ended on purpose ends with (sentence ends, closing brackets and quotes,
#: a closed code fence, emoji and symbols are handled by category below).
END_CHARS = set("。！？!?.…~～」』）)】]}>》\"'”’`*:：；;")


def _without_code(text: str) -> str:
    """``text`` with fenced code blanked out (same offsets): code repeats itself by nature."""
    return _FENCE.sub(lambda m: " " * len(m.group(0)), text)


def repetition(text: str) -> tuple[int, int, str] | None:
    """``(start, end, unit)`` of the longest back-to-back loop, or of a line written 3+ times in a row.

    Fenced code is skipped, and so are units without a letter (rules, table
    borders, digit runs, ellipses): those repeat in answers written by people.
    """
    prose = _without_code(text)
    best: tuple[int, int, str] | None = None
    for m in _LOOP.finditer(prose):
        unit = m.group(1)
        if not any(unicodedata.category(ch)[0] == "L" for ch in unit):
            continue
        if m.end() - m.start() < MIN_LOOP_CHARS:
            continue
        if best is None or m.end() - m.start() > best[1] - best[0]:
            best = (m.start(), m.end(), unit)
    if best is not None:
        return best
    run, prev, offset, run_start = 0, None, 0, 0
    for raw in prose.split("\n"):
        line = raw.strip()
        if line:
            if line == prev and len(line) >= MIN_LINE_CHARS:
                run += 1
                if run >= MIN_LINE_REPEATS:
                    return run_start, offset + len(raw), line
            else:
                prev, run, run_start = line, 1, offset
        offset += len(raw) + 1
    return None


def ends_cleanly(text: str) -> bool:
    """Whether ``text`` ends like a finished answer (a sentence end, a closing mark, an emoji)."""
    t = text.rstrip()
    if not t:
        return True  # empty answers are another rule's business
    if t.endswith("```"):
        return True
    ch = t[-1]
    return ch in END_CHARS or ord(ch) >= 0x1F000 or (ch.isdigit() and len(t) < 16)


def ends_sentences(labels: Iterable[str]) -> bool:
    """Whether reference answers end their last sentence (9 in 10 or more): then an output should too."""
    seen = [ends_cleanly(t) for t in labels if t and t.strip()]
    return len(seen) >= 3 and sum(seen) >= 0.9 * len(seen)


def cut_off(text: str, finish_reason: str | None = None, references_end: bool = False) -> str | None:
    """Why ``text`` looks cut off, or None.

    ``finish_reason`` is what the generator reported ("length": it hit the
    token limit); ``references_end`` says the file's reference answers end
    their sentences, so an output that does not is cut, not a style.
    """
    if finish_reason == "length":
        return "the generator stopped at its token limit (finish_reason=length)"
    if finish_reason in (None, "") and references_end and not ends_cleanly(text):
        tail = text.rstrip()[-12:]
        return f"ends mid-sentence ({tail!r}) while the reference answers end theirs"
    return None
