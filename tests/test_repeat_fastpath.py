"""T009's ``find_repeats`` with sentence units normalised only when there are two to compare
finds exactly what the earlier function found, and still tells verse before reading the prose.
The reference below is the earlier function, kept word for word (module names read from the
module): it normalised every unit."""

from __future__ import annotations

import random
import re
from collections import Counter

from conftest import shared_strings
from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.analysis.text import repeat as R


def _ref_find_repeats(text: str) -> list[R.Repeat]:
    """The earlier ``find_repeats``."""
    if len(text) > R.LONG_TEXT:
        return R._in_pieces(text)
    if len(text) < 12 or R.is_verse(text):
        return []
    units: list[tuple[int, int, str, int]] = []  # (start, end, normal form, line) of sentence units
    markers: dict[int, str] = {}  # line offset -> its list marker and label ("" for prose)
    loops: list[R.Repeat] = []
    lines, repeated_lines = R._read_lines(text)
    for offset, line, marker in lines:
        markers[offset] = marker
        for m in R._SENTENCE.finditer(line):
            raw = m.group()
            if not raw.strip():
                continue
            lead = len(raw) - len(raw.lstrip())
            units.append((offset + m.start() + lead, offset + m.end(), R._normal(raw), offset))
        for m in R._LOOP.finditer(line) if R._may_loop(line) else ():
            unit = m.group(1)
            if not R._wordy(unit):
                continue
            times = len(m.group()) // len(unit)
            s = offset + m.start()
            loops.append(R.Repeat(s + len(unit), offset + m.end(), (s, s + len(unit)), times, unit, "loop"))
    out: list[R.Repeat] = loops + repeated_lines
    # back-to-back sentence runs, and sentences that come back: both need a normal form that
    # occurs twice, so a text whose units are all different is done, and a unit whose normal
    # form is the only one of its kind is passed over (its weight is never read)
    norms = Counter(u[2] for u in units)
    if len(norms) == len(units):
        units = []
    i = 0
    n = len(units)
    seen: dict[str, tuple[int, int, int]] = {}  # normal form -> (first start, first end, count)
    line = -1
    while i < n:
        s, e, norm, at = units[i]
        if at != line:
            # a sentence that comes back in another paragraph is often parallel structure
            # (two versions of an e-mail, a song's second verse): only one paragraph counts
            seen.clear()
            line = at
        if norms[norm] == 1:
            i += 1
            continue
        j = i + 1
        while (
            j < n
            and units[j][2] == norm
            and (units[j][3] == at or markers[units[j][3]] == markers[at])
            and R._adjacent(text, units[j - 1][1], units[j][0], markers[units[j][3]])
        ):
            j += 1
        run = j - i
        w = R.unit_weight(text[s:e])
        if (
            norm
            and run >= 2
            and (w >= R.MIN_ADJACENT_WEIGHT or (run >= R.MIN_ADJACENT_RUN and w >= R.MIN_RUN_WEIGHT))
        ):
            out.append(R.Repeat(units[i + 1][0], units[j - 1][1], (s, e), run, text[s:e], "loop"))
        elif norm and w >= R.MIN_WEIGHT:
            if norm in seen:
                fs, fe, c = seen[norm]
                seen[norm] = (fs, fe, c + run)
                out.append(R.Repeat(s, units[j - 1][1], (fs, fe), c + run, text[s:e], "sentence"))
            else:
                seen[norm] = (s, e, run)
        i = j
    out.sort(key=lambda r: (r.start, -r.end))
    kept: list[R.Repeat] = []
    last_end = -1
    for r in out:
        if r.start >= last_end:
            kept.append(r)
            last_end = r.end
    return kept


#: verse with refrains, one-sentence replies, units equal only once normalised (white space,
#: case, a final full stop), loops, lines written twice, texts just under and over 12 characters
EDGE = [
    "",
    "短",
    "十一个字符的文本正好够吗",
    "十二个字符的文本正好够了吗",
    "这是唯一的一句话，没有任何重复的地方。",
    "退款会在三个工作日内原路退回您的支付账户。退款会在三个工作日内原路退回您的支付账户。请留意银行通知。",
    "退款会在三个工作日内原路退回您的支付账户。退款会在三个 工作日内原路退回您的支付账户",
    "Hello there my friend, how are you. hello there my friend, how are you.",
    "好的好的好的好的好的好的，我明白了",
    "我明白了。我明白了。我明白了。",
    "月亮照着我\n月亮照着你\n月亮照着我\n月亮照着你\n月亮照着我\n月亮照着你",
    "一闪一闪亮晶晶，满天都是小星星\n一闪一闪亮晶晶，满天都是小星星\n挂在天上放光明\n好像许多小眼睛",
    "3. 文件损坏：请重新下载安装包并校验文件\n3. 文件损坏：请重新下载安装包并校验文件",
    "< 思考：用户问的是退款。\n动作：查询退款政策。\n观察：退款三天到账。 > \n--- 您好，退款三天到账。",
    "这是第一段里的一个很长的句子，会在后面再次出现。中间有一些别的内容。这是第一段里的一个很长的句子，会在后面再次出现。",
    "第一段。这是一个很长的句子，会在另一段再次出现的那种。\n\n这是一个很长的句子，会在另一段再次出现的那种。",
    "- 优点：速度快\n- 优点：速度快\n- 缺点：价格高",
    "```\nx = 1\nx = 1\nx = 1\n```\n代码写完了代码写完了代码写完了代码写完了",
]


def _check(texts: list[str]) -> None:
    for t in texts:
        assert R.find_repeats(t) == _ref_find_repeats(t), t


def test_edge_cases():
    _check(EDGE)
    assert R.find_repeats(EDGE[5])  # a repeat is still found
    # verse with a line written twice: the repetition is found in the prose, then left alone
    assert R.is_verse(EDGE[11]) and R._read_lines(EDGE[11])[1]
    assert R.find_repeats(EDGE[11]) == []


def test_verse_is_told_before_the_prose_is_read(monkeypatch):
    """A dataset's replies can be nearly all verse (bench/corpus.py's ReAct replies are): they
    are settled without reading their lines (reading the lines first cost those ten times)."""
    verse = [t for t in EDGE if len(t) >= 12 and R.is_verse(t)]
    assert verse

    def no_reading(text):
        raise AssertionError("a verse text's lines were read")

    monkeypatch.setattr(R, "_read_lines", no_reading)
    for t in verse:
        assert R.find_repeats(t) == []


def test_shared_strings():
    _check([t for t in shared_strings() if len(t) >= 12])


def _pieces() -> list[str]:
    return [
        "退款会在三个工作日内原路退回",
        "您的支付账户",
        "请留意银行通知",
        "好的",
        "Thank you",
        "thank  you",
        "。",
        "！",
        "，",
        ". ",
        "\n",
        "\n\n",
        "1. ",
        "- ",
        "答案：",
        "x = 1",
        "```",
        "    ",
    ]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_pieces()), max_size=30).map("".join))
def test_random_mixtures(text):
    assert R.find_repeats(text) == _ref_find_repeats(text)


def test_seeded_mixtures_with_repeats():
    rng = random.Random(19)
    pieces = _pieces()
    texts = []
    for _ in range(3000):
        parts = [rng.choice(pieces) for _ in range(rng.randint(1, 25))]
        if rng.random() < 0.5 and parts:  # a stretch written again, back to back or later
            i = rng.randrange(len(parts))
            j = rng.randint(i, len(parts))
            parts[j:j] = parts[i:j] * rng.randint(1, 4)
        texts.append("".join(parts))
    _check(texts)
    found = Counter(bool(R.find_repeats(t)) for t in texts)
    assert found[True] > 100 and found[False] > 100  # both ways exercised


def _ends_a_sentence(line: str) -> bool:
    """is_verse's test of a stripped line, as it reads it now."""
    return line.rstrip("，,").rstrip()[-1:] in R._SENT_END_CHARS


#: the pattern's characters, white space it and ``str.rstrip`` both strip (ideographic,
#: next-line, separators), commas before and after, and characters that end nothing
ENDINGS = [
    *"。！？!?.…；;：:”’」』）)\"'",
    " ",
    "\t",
    "\u3000",
    "\x85",
    "\u2028",
    "\x1c",
    "，",
    ",",
    "好",
    "a",
    "“",
    "（",
    "-",
    "",
]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(ENDINGS), max_size=6).map("".join))
def test_a_sentence_end_is_read_as_the_pattern_reads_it(line):
    assert _ends_a_sentence(line) == (R._SENT_END.search(line.rstrip("，,")) is not None)
    stripped = line.strip()
    assert _ends_a_sentence(stripped) == (R._SENT_END.search(stripped.rstrip("，,")) is not None)


def test_every_line_of_the_shared_strings_ends_as_the_pattern_reads_it():
    for text in shared_strings():
        for line in text.splitlines():
            line = line.strip()
            assert _ends_a_sentence(line) == (R._SENT_END.search(line.rstrip("，,")) is not None), line


def _ref_is_verse(text: str) -> bool:
    """The earlier is_verse, its line test the pattern's search."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    n = len(lines)
    lyric = [ln for ln in lines if len(ln) <= 40]
    short = sum(1 for ln in lyric if not R._SENT_END.search(ln.rstrip("，,")))
    return n >= 4 and (short >= 0.5 * n or (len(lyric) >= 0.8 * n and short >= 0.3 * n))


_LINE = st.lists(st.sampled_from([*ENDINGS, "好的好的"]), min_size=1, max_size=5).map("".join)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_LINE, min_size=4, max_size=6).map("\n".join))
def test_verse_is_told_as_the_pattern_told_it(text):
    """Four to six lines: one line read the other way flips the verdict near its thresholds."""
    assert R.is_verse(text) == _ref_is_verse(text)


def test_verse_on_the_shared_strings():
    for text in [*shared_strings(), *EDGE]:
        assert R.is_verse(text) == _ref_is_verse(text), text


_LAZY = re.compile(R._SENTENCE_LAZY)
#: what the sentence pattern looks at: terminators, the full stop before white space or the
#: end, line ends, closing quotes and brackets, white space, and text
UNIT_CHARS = [*"。！？!?；;.…\n \t\u3000”’」』）)\"'", "好", "ab", "1.5", ". ", ".\n", "Dr", "St", "A"]


def _units(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(UNIT_CHARS), max_size=16).map("".join))
def test_sentence_units_as_the_lazy_pattern_finds_them(text):
    assert _units(R._SENTENCE, text) == _units(_LAZY, text)


def test_sentence_units_of_the_shared_strings():
    for text in shared_strings():
        for line in [text, *text.split("\n")]:
            assert _units(R._SENTENCE, line) == _units(_LAZY, line), line
