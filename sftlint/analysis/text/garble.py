"""Garbled text: decoding debris that a model would learn as if it were language.

Four kinds, found with precompiled regular expressions:

* ``replacement``: U+FFFD, left where a decoder met bytes it could not read;
* ``mojibake``: text decoded with the wrong codec.  Chinese debris (锟斤拷,
  烫烫烫, 屯屯屯: GBK views of U+FFFD and of uninitialised memory) and UTF-8
  read as Latin-1/cp1252 (``Ã©``, ``â€™``).  The latter is only reported when
  re-encoding the span gives valid UTF-8, which is also the repair offered;
* ``control``: C0/C1 control characters other than tab, newline, carriage return.  In text
  the model does not write (``terminal=True``: a prompt, a tool's output), a terminal's own
  control sequences are left alone: an ANSI escape sequence (``ESC [33m`` … ``ESC [0m``, a
  coloured log line) and the backspace, space, backspace that erases a progress spinner's
  character.  They are what a program printed, and what an agent is shown again at
  inference, not decoding debris; a lone control byte still is;
* ``zero-width``: U+200B, U+200C, U+200D, U+2060, U+FEFF inside text.  A
  zero-width joiner inside an emoji sequence and a non-joiner between letters
  of scripts that use it (Persian, Indic) are legitimate and left alone;
* ``lost``: a run of four or more ``?`` right after Chinese punctuation (``温阳之品，?????? 你好``):
  the characters a text held when it was saved in an encoding that could not hold them (GBK or
  Latin-1 writing ``?`` for each).  Question marks that close a question (``为什么????``,
  ``really????``) follow a word, and a run alone on a line may be a reaction: both are left alone;
* ``unknown``: a tokenizer's unknown token written into the text (``<UNK>``, ``<unk>``, ``[UNK]``,
  a run of them one finding) against a word or punctuation (``西服的<UNK>硬朗``, ``遮肉，<UNK>，很显``):
  the text was decoded back from token ids and each character the vocabulary lacked became the
  marker.  A marker set apart by spaces or quotes on both sides (``the [UNK] token``, ``unk_token="<unk>"``) is the token being talked about, and so
  is any marker of a text about tokenization (token, vocab, 分词, 词表, 未登录词 …: Chinese writes
  ``替换为[UNK]`` without spaces).

A run of consecutive control or invisible characters is one finding with the run's span
(its fix removes the whole run), so a string of 300,000 zero-width spaces is one finding.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass

ZERO_WIDTH = {
    "\u200b": "zero-width space (U+200B)",
    "\u200c": "zero-width non-joiner (U+200C)",
    "\u200d": "zero-width joiner (U+200D)",
    "\u2060": "word joiner (U+2060)",
    "\ufeff": "zero-width no-break space / BOM (U+FEFF)",
}

# cp1252 decodes bytes 0x80-0x9f to these characters (the five undefined
# bytes come back as C1 controls when a decoder falls back to Latin-1).
_CP1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\x81\x8d\x8f\x90\x9d"
_CONT = f"[\u00a0-\u00bf{re.escape(_CP1252_HIGH)}]"  # a UTF-8 continuation byte, mis-decoded
_MOJIBAKE_LATIN = re.compile(
    f"(?:[\u00c2-\u00df]{_CONT}|[\u00e0-\u00ef]{_CONT}{{2}}|[\u00f0-\u00f4]{_CONT}{{3}})+"
)
_MOJIBAKE_ZH = re.compile("(?:锟斤拷)+|烫{4,}|屯{4,}|(?:烫屯){2,}")
_REPLACEMENT = re.compile("\ufffd+")
# runs: a run of equal debris is one finding (and one fix), whatever its length
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")
#: a terminal's control sequences: an ANSI CSI sequence (ESC [ parameters, intermediates, final
#: byte) and the backspace-space-backspace that erases the previous character (a spinner)
_TERMINAL = re.compile("\x1b\\[[0-?]*[ -/]*[@-~]|\x08 \x08")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]+")
#: question marks standing for lost characters: a run of four right after Chinese punctuation
#: that ends a clause (a question closes on a word; a run alone on a line may be a reaction)
_LOST = re.compile(r"(?:(?<=[，。；：、）」』”])|(?<=[，。；：、）」』”] ))\?{4,}")
#: a tokenizer's unknown token standing where a character was (a run of them is one finding)
_UNKNOWN = re.compile(r"(?:<unk>|<UNK>|\[UNK\])+")
#: what stands around a marker that is mentioned rather than left in place of a character
_MENTION_SIDE = frozenset(" \t\n\r\"'`‘’“”「」『』()（）")
#: a text about tokenization, where the marker is the subject (Chinese writes no spaces around it)
_ABOUT_TOKENS = re.compile(r"(?i)token|vocab|\boov\b|bert|词表|词汇表|分词|未知词|未登录词|标记符|特殊符号")

#: A character that every finding above starts with: one scan of this rejects clean text
#: (nearly all of it) before the five patterns run.
_SUSPECT = re.compile(
    "[\ufffd锟烫屯\u00c2-\u00f4\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200c\u200d\u2060\ufeff]"
)

# scripts where U+200C/U+200D are part of correct spelling
_JOINING_SCRIPTS = re.compile("[\u0600-\u06ff\u0750-\u077f\u0900-\u0dff\u0f00-\u0fff\u1780-\u17ff]")


@dataclass(frozen=True, slots=True)
class Garble:
    """``text[start:end]`` is garbled; ``repair`` is its likely original, if known."""

    start: int
    end: int
    kind: str
    message: str
    repair: str | None = None


def _unmojibake(s: str) -> str | None:
    """The text that ``s`` was before UTF-8 bytes were decoded as cp1252/Latin-1."""
    data = bytearray()
    for ch in s:
        try:
            data += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return None
            data.append(ord(ch))
    try:
        out = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return out if any(ord(c) > 0x7F for c in out) else None


def _lone_foreign_letter(repair: str) -> bool:
    """Whether a mis-decoded span would be one letter of a script beyond Latin (``×\xa0``, a
    multiplication sign and a no-break space, read back as the Hebrew נ).  Text of such a script
    decoded with the wrong codec leaves runs of pairs, one per letter; a single pair is two real
    characters.  A lone accented Latin letter (``Ã©``: é) or symbol (``Â\xa0``: a no-break
    space) is reported."""
    return len(repair) == 1 and repair.isalpha() and ord(repair) > 0x24F


def _is_emoji(ch: str) -> bool:
    o = ord(ch)
    return o >= 0x1F000 or 0x2600 <= o <= 0x27BF or o == 0xFE0F or 0x1F3FB <= o <= 0x1F3FF


def _legit_zero_width(text: str, i: int) -> bool:
    ch = text[i]
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if ch == "\u200d" and prev and nxt and _is_emoji(prev) and _is_emoji(nxt):
        return True  # 👨‍👩‍👧
    return ch in "\u200c\u200d" and bool(
        (prev and _JOINING_SCRIPTS.match(prev)) or (nxt and _JOINING_SCRIPTS.match(nxt))
    )


def find_garbled(text: str, terminal: bool = False) -> Iterator[Garble]:
    """Every garbled span in ``text``, in order, without overlaps; lazily, so that a text with a
    million of them never holds them all.

    Each kind is found by its own pattern, and where two overlap the earlier kind in this
    order wins: replacement, Chinese mojibake, Latin mojibake, control, zero-width, lost, unknown.  The kinds'
    characters are disjoint except the C1 controls that Latin mojibake holds as continuation
    bytes, and a Latin mojibake match starts with a letter, never inside a control run; so
    merging the kinds by start and dropping what overlaps the span last taken gives what taking
    them kind by kind, each against every span taken before, gives.

    ``terminal``: the text is one the model does not write (a prompt, a tool's output), where a
    terminal's control sequences are what a program printed: their control characters are
    not reported."""
    lost = "????" in text
    unknown = "UNK" in text or "unk>" in text
    if not lost and not unknown and _SUSPECT.search(text) is None:
        return
    kinds = (
        _replacements(text),
        _mojibake_zh(text),
        _mojibake_latin(text),
        _controls(text, terminal),
        _zero_widths(text),
        _lost(text) if lost else iter(()),
        _unknowns(text) if unknown else iter(()),
    )
    streams = [((g.start, rank, g) for g in kind) for rank, kind in enumerate(kinds)]
    taken_end = -1
    for start, _rank, g in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
        if start < taken_end:
            continue
        taken_end = g.end
        yield g


def _replacements(text: str) -> Iterator[Garble]:
    for m in _REPLACEMENT.finditer(text):
        n = m.end() - m.start()
        yield Garble(
            m.start(),
            m.end(),
            "replacement",
            f"replacement character U+FFFD{' x' + str(n) if n > 1 else ''}: the text was decoded with errors",
        )


def _mojibake_zh(text: str) -> Iterator[Garble]:
    for m in _MOJIBAKE_ZH.finditer(text):
        yield Garble(
            m.start(),
            m.end(),
            "mojibake",
            f"mojibake “{m.group()[:12]}”: debris of a wrong decoding (GBK view of U+FFFD or of uninitialised memory)",
        )


def _mojibake_latin(text: str) -> Iterator[Garble]:
    for m in _MOJIBAKE_LATIN.finditer(text):
        repair = _unmojibake(m.group())
        if repair is not None and not _lone_foreign_letter(repair):
            yield Garble(
                m.start(),
                m.end(),
                "mojibake",
                f"mojibake “{m.group()}”: UTF-8 decoded as Latin-1/cp1252; it was “{repair}”",
                repair,
            )


def _lost(text: str) -> Iterator[Garble]:
    for m in _LOST.finditer(text):
        yield Garble(
            m.start(),
            m.end(),
            "lost",
            f"“{m.group()[:12]}”: question marks where characters were lost (the text was saved in an "
            "encoding that could not hold them)",
        )


def _unknowns(text: str) -> Iterator[Garble]:
    found = _UNKNOWN.search(text)
    if found is None or _ABOUT_TOKENS.search(text) is not None:
        return
    for m in _UNKNOWN.finditer(text, found.start()):
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if before in _MENTION_SIDE and after in _MENTION_SIDE:
            continue  # the token talked about: "the [UNK] token", unk_token="<unk>"
        yield Garble(
            m.start(),
            m.end(),
            "unknown",
            f"unknown-token marker “{m.group()[:20]}” in text: a character was lost when the text was decoded "
            "back from a tokenizer's ids (the vocabulary lacked it)",
        )


def _controls(text: str, terminal: bool = False) -> Iterator[Garble]:
    sequences = _terminal_controls(text) if terminal and ("\x1b" in text or "\x08" in text) else None
    for m in _CONTROL.finditer(text):
        if sequences and all(i in sequences for i in range(m.start(), m.end())):
            continue
        run = m.group()
        if len(run) == 1:
            message = _single_message(run, None)
        else:
            message = f"{len(run)} control characters in a row ({_names(run, None)}) in text"
        yield Garble(m.start(), m.end(), "control", message)


def _terminal_controls(text: str) -> set[int]:
    """The offsets of the control characters that a terminal control sequence of ``text`` holds."""
    found: set[int] = set()
    for m in _TERMINAL.finditer(text):
        found.update(i for i in range(m.start(), m.end()) if text[i] in "\x1b\x08")
    return found


def _zero_widths(text: str) -> Iterator[Garble]:
    for m in _ZERO_WIDTH.finditer(text):
        for start, end in _illegit_runs(text, m.start(), m.end()):
            run = text[start:end]
            if len(run) == 1:
                message = _single_message(run, ZERO_WIDTH)
            else:
                message = f"{len(run)} invisible characters in a row ({_names(run, ZERO_WIDTH)}) in text"
            yield Garble(start, end, "zero-width", message, "")


_MESSAGES: dict[str, str] = {}


def _single_message(ch: str, names: dict[str, str] | None) -> str:
    """The message of one control or invisible character, one string per character."""
    message = _MESSAGES.get(ch)
    if message is None:
        message = _MESSAGES[ch] = (
            f"invisible {names[ch]} in text" if names else f"control character U+{ord(ch):04X} in text"
        )
    return message


def _illegit_runs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The runs of ``text[start:end]`` (zero-width characters) without the legitimate ones."""
    if end - start == 1:
        return [] if _legit_zero_width(text, start) else [(start, end)]
    runs: list[tuple[int, int]] = []
    run_start = -1
    for i in range(start, end):
        if _legit_zero_width(text, i):
            if run_start >= 0:
                runs.append((run_start, i))
                run_start = -1
        elif run_start < 0:
            run_start = i
    if run_start >= 0:
        runs.append((run_start, end))
    return runs


def _names(run: str, names: dict[str, str] | None) -> str:
    """The distinct characters of a run, named (at most three)."""
    distinct = list(dict.fromkeys(run))
    shown = [names[c] if names else f"U+{ord(c):04X}" for c in distinct[:3]]
    return ", ".join(shown) + (", ..." if len(distinct) > 3 else "")
