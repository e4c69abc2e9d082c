"""Half-width punctuation inside Chinese sentences (rule T003).

Chinese text uses full-width marks (，；：？！（）).  A half-width mark is
reported only where it sits in Chinese: a comma, semicolon or colon between two
Chinese characters, a question or exclamation mark after one, a pair of
parentheses around Chinese text.  Numbers (3.5, 9:00), URLs, e-mail
addresses, English text and code (fenced blocks and `inline code`) are left
alone.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sftlint.analysis.text.zh import HAN_CHARS

FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}

_HAN = re.compile(f"[{HAN_CHARS}]")
_PROTECTED = re.compile(
    r"```.*?(?:```|\Z)"  # fenced code
    r"|`[^`\n]*`"  # inline code
    r"|(?:https?|ftp)://\S+|www\.\S+"  # URLs
    # e-mail; the look-behind starts a match only where a run of name characters starts, so a
    # long run without an "@" (40,000 Chinese characters are all \w) is tried once, not once
    # per character
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    re.S,
)
#: the same without the e-mail alternative, for a text with no "@" (where it cannot match):
#: it was tried at every character of Chinese text, all of it name characters (\w)
_PROTECTED_NO_MAIL = re.compile(_PROTECTED.pattern.rsplit("|", 1)[0], re.S)
# , ; : between Chinese characters (one optional space after the mark).  The look-behind comes
# after the mark: a pattern that opens with a character class is searched for by a scan over
# that class, one that opens with a look-behind is tried at every character of the text; the
# matches are the same (:data:`_BETWEEN_RECORD` is the grammar of record, a test compares them).
_BETWEEN_RECORD = f"(?<=[{HAN_CHARS}])([,;:]) ?(?=[{HAN_CHARS}])"
_BETWEEN = re.compile(f"([,;:])(?<=[{HAN_CHARS}][,;:]) ?(?=[{HAN_CHARS}])")
# ? ! after a Chinese character, ending the sentence or followed by Chinese; the same move
# (``[?!]+`` is ``[?!][?!]*``, the look-behind checked after the first mark: it gives back the
# same characters, down to the first one)
_ENDING_RECORD = f"(?<=[{HAN_CHARS}）」』])([?!]+)(?=$|\\s|[{HAN_CHARS}\"'”’」』）)])"
_ENDING = re.compile(f"([?!](?<=[{HAN_CHARS}）」』][?!])[?!]*)(?=$|\\s|[{HAN_CHARS}\"'”’」』）)])", re.M)
_PARENS = re.compile(r"\(([^()\n]{1,80})\)")


#: kana (hiragana, katakana, their half-width forms): a line holding any is Japanese, whose
#: typography is its own (意味: 仲間はずれ, 鶏肉, 魚)
KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")


def in_kana_line(text: str, i: int) -> bool:
    """Whether the line of ``text`` that holds position ``i`` holds kana."""
    start = text.rfind("\n", 0, i) + 1
    end = text.find("\n", i)
    return KANA.search(text, start, end if end >= 0 else len(text)) is not None


@dataclass(frozen=True, slots=True)
class HalfWidth:
    """``text[start:end]`` should read ``replacement`` (a span may include one trailing space)."""

    start: int
    end: int
    mark: str
    replacement: str


def find_half_width(text: str) -> Iterator[HalfWidth]:
    """Half-width marks used inside Chinese sentences, in order; lazily, so that a text with a
    million of them never holds them all (the three kinds are merged by position; at one
    position, in the order between, ending, parentheses).

    Each kind needs its own mark in the text (``,;:``, ``?!``, ``(``): a few ``in`` scans at C
    speed leave out the kinds that cannot occur, and most texts need no merge (a kind alone is
    already in order)."""
    between = "," in text or ";" in text or ":" in text
    ending = "?" in text or "!" in text
    parens = "(" in text
    if not (between or ending or parens) or _HAN.search(text) is None:
        return
    pattern = _protected_pattern(text)
    protected = bytearray(len(text)) if pattern is not None and pattern.search(text) else None
    if protected is not None:
        assert pattern is not None
        for m in pattern.finditer(text):
            protected[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    streams = []
    if between:
        streams.append(_between(text, protected))
    if ending:
        streams.append(_endings(text, protected))
    if parens:
        streams.append(_parens(text, protected))
    if len(streams) == 1:
        yield from streams[0]
    else:
        yield from heapq.merge(*streams, key=_start)


def _start(h: HalfWidth) -> int:
    return h.start


def _protected_pattern(text: str) -> re.Pattern[str] | None:
    """The pattern of code, URLs and e-mail addresses that can match in ``text`` (None: none
    can).  Each alternative holds a literal: a backtick, "://", "www." or "@"; a few ``in``
    scans at C speed rule out most Chinese text, and the e-mail alternative is left out of
    any text without an "@" (the same matches: an alternative that cannot match changes none)."""
    if "@" in text:
        return _PROTECTED
    if "`" in text or "://" in text or "www." in text:
        return _PROTECTED_NO_MAIL
    return None


def _between(text: str, protected: bytearray | None) -> Iterator[HalfWidth]:
    for m in _BETWEEN.finditer(text):
        if protected is None or not protected[m.start()]:
            mark = m.group(1)
            yield HalfWidth(m.start(), m.end(), mark, FULL_WIDTH[mark])


def _endings(text: str, protected: bytearray | None) -> Iterator[HalfWidth]:
    for m in _ENDING.finditer(text):
        for k in range(m.start(1), m.end(1)):
            if protected is None or not protected[k]:
                yield HalfWidth(k, k + 1, text[k], FULL_WIDTH[text[k]])


#: How far back on its line :func:`_english_before` reads
_GLOSS_CONTEXT = 40
_LATIN_LETTERS = re.compile("[A-Za-z]{2}")


_CHINESE = re.compile(f"[{HAN_CHARS}。，、！？；：]")


def _english_around(text: str, i: int, j: int) -> bool:
    """Whether ``text[i:j]`` stands in an English sentence: on its line, the
    :data:`_GLOSS_CONTEXT` characters before it hold Latin words and no Chinese character, and
    as many after it hold no Chinese character or punctuation."""
    start = max(text.rfind("\n", 0, i) + 1, i - _GLOSS_CONTEXT)
    if _LATIN_LETTERS.search(text, start, i) is None or _HAN.search(text, start, i) is not None:
        return False
    end = text.find("\n", j)
    end = min(len(text) if end < 0 else end, j + _GLOSS_CONTEXT)
    return _CHINESE.search(text, j, end) is None


def _parens(text: str, protected: bytearray | None) -> Iterator[HalfWidth]:
    for m in _PARENS.finditer(text):
        inner = m.group(1)
        before = text[m.start() - 1] if m.start() > 0 else ""
        if (protected is not None and protected[m.start()]) or _HAN.search(inner) is None:
            continue
        # Chinese inside, and Chinese right before it or starting it: （注：…）
        if not (_HAN.match(before or " ") or _HAN.match(inner[0])):
            continue
        # a gloss in an English sentence ("Explore the Shuri Castle (渋利城) and …"): the
        # parentheses are the English sentence's, half-width as English writes them; a Chinese
        # sentence that opens with an English name goes on in Chinese ("Apple (苹果公司) 是…")
        if _english_around(text, m.start(), m.end()):
            continue
        yield HalfWidth(m.start(), m.start() + 1, "(", "（")
        yield HalfWidth(m.end() - 1, m.end(), ")", "）")
        # ?/! right after the closing parenthesis ends the Chinese sentence too
        k = m.end()
        while k < len(text) and text[k] in "?!" and (protected is None or not protected[k]):
            yield HalfWidth(k, k + 1, text[k], FULL_WIDTH[text[k]])
            k += 1
