"""Work over a big record is done in pieces or lazily (issue 18), with the results of doing it whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_JSON_VALUES, st.text(alphabet=st.sampled_from('中a"\\\n\x00\u2028😀\u200b'), max_size=300))
def test_records_hashed_piece_by_piece_hash_the_same_bytes(value, long_text):
    """A big record is hashed as its canonical JSON is written, in pieces; the bytes are orjson's."""
    import orjson

    from sftlint import hashing

    record = {"v": value, "t": long_text * 3, "m": [{"content": long_text}]}
    old = hashing._PIECE
    hashing._PIECE = 7  # strings cut into many pieces
    try:
        joined = b"".join(hashing.canonical_pieces(record))
        assert joined == orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
        assert hashing.record_hash(record, size=hashing.PIECEWISE_CHARS + 1) == hashing.record_hash(record)
    finally:
        hashing._PIECE = old


def _garbled_kind_by_kind(text):
    """The reference: each kind in turn, a span kept unless it overlaps one taken before."""
    from sftlint.analysis.text import garble

    kinds = [
        garble._replacements,
        garble._mojibake_zh,
        garble._mojibake_latin,
        garble._controls,
        garble._zero_widths,
        garble._lost,
    ]
    taken, out = [False] * len(text), []
    for kind in kinds:
        for g in kind(text):
            if not any(taken[g.start : g.end]):
                taken[g.start : g.end] = [True] * (g.end - g.start)
                out.append(g)
    return sorted(out, key=lambda g: g.start)


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("您好锟斤拷烫屯ÃÂ©â€™\ufffd\u200b\u200d\x07\x9f\x81\x8d\u00a0aZ 👨ا??"))
)
def test_garbled_spans_found_lazily_are_those_found_kind_by_kind(text):
    from sftlint.analysis.text import garble

    assert list(garble.find_garbled(text)) == _garbled_kind_by_kind(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*"中文好a1.@_-`:/w ,;?!()\n", "```", "://", "www.", "a@b.cn"])).map("".join))
def test_t003_skips_the_protected_scan_only_where_nothing_can_be_protected(text):
    # the quick checks ("@", a backtick, "://", "www.") choose the pattern; the spans it
    # protects are the full pattern's, so T003's findings are the same
    from sftlint.analysis.text import punct

    full = [m.span() for m in punct._PROTECTED.finditer(text)]
    chosen = punct._protected_pattern(text)
    assert (full == []) if chosen is None else ([m.span() for m in chosen.finditer(text)] == full)


def test_t003_guards_urls_and_code_after_the_quick_check():
    from sftlint.analysis.text.punct import find_half_width

    def marks(text):
        return [(h.start, h.mark) for h in find_half_width(text)]

    assert marks("网址https://a.cn/中,文，或 好,的") == [(22, ",")]  # not the comma in the URL
    assert marks("见 www.中,文.cn 和 `好,的` 好,的") == [(22, ",")]  # nor in the code
    assert marks("邮箱 好,的@a.cn 好,的") == [(4, ","), (13, ",")]
    assert marks("好的,谢谢;再见") == [(2, ","), (5, ";")]  # nothing to guard: the quick path


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["```", "~~~", "\n", " ", "\t", "\u3000", "\r", "a", "`", "~", "\x1c"])).map(
        "".join
    )
)
def test_t006_tells_an_open_fence_as_the_line_by_line_count_does(text):
    from sftlint.analysis.text.truncation import _in_fence

    inside = False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            inside = not inside
    assert _in_fence(text) == inside


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.sampled_from(["word", " ", "\n", "\u3000", "中文", "\x1c", "\u2028"]), max_size=40),
    st.integers(1, 4),
)
def test_t008_counts_the_words_of_a_long_text_in_pieces_as_split_does(parts, reps):
    from sftlint.analysis.text.language import LONG_TEXT, word_count

    text = "".join(parts) * (LONG_TEXT // max(1, len("".join(parts))) * reps) if parts else ""
    assert word_count(text) == len(text.split())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\x1c", " ", "好", "。", "a" * 41, "ab", "，"])
    ).map("".join)
)
def test_verse_is_told_line_by_line_or_by_a_scan_alike(text):
    from sftlint.analysis.text import repeat

    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    short = sum(1 for ln in lines if len(ln) <= 40 and not repeat._SENT_END.search(ln.rstrip("，,")))
    lyric = sum(1 for ln in lines if len(ln) <= 40)
    n = len(lines)
    verse = n >= 4 and (short >= 0.5 * n or (lyric >= 0.8 * n and short >= 0.3 * n))
    assert repeat.is_verse(text) == verse
    saved = repeat.LONG_TEXT
    repeat.LONG_TEXT = 0  # the scan
    try:
        assert repeat.is_verse(text) == verse
    finally:
        repeat.LONG_TEXT = saved


def test_a_long_reply_is_read_for_loops_a_piece_at_a_time_at_the_right_places():
    from sftlint.analysis.text.repeat import LONG_TEXT, find_repeats

    prose = "".join(f"第{i}步，我们检查第{i}个配置文件里的参数是否正确。\n" for i in range(4000))
    loop = "请重新启动服务器后再试一次。" * 3 + "\n"
    text = prose + loop + prose + loop
    assert len(text) > 2 * LONG_TEXT
    found = find_repeats(text)
    assert [(r.kind, text[r.start : r.end]) for r in found] == [("loop", loop[14:-1])] * 2
    assert found[1].first == (found[1].start - 14, found[1].start)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["\n", " ", "1. 好。", "2. 以", "a", "\u3000"])).map("".join), st.integers(1, 4)
)
def test_the_last_lines_read_from_the_end_are_those_of_the_split(text, n):
    from sftlint.analysis.text.truncation import _last_lines

    assert _last_lines(text, n) == [ln.strip() for ln in text.split("\n") if ln.strip()][-n:]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["中", "文", "好的", "a", " ", "1", "·", "\n", "\u3000"])).map("".join))
def test_t001_splits_a_long_text_lazily_into_the_parts_of_the_split(text):
    from sftlint.analysis.text import typo

    assert list(typo._split_lazily(text)) == typo._RUNS_AND_GAPS.split(text)
    assert list(typo._lines(text)) == text.split("\n")


def test_t001_finds_the_same_typos_reading_a_text_lazily(monkeypatch):
    from sftlint.analysis.text import typo

    # real-looking mixed text with typos planted (a run longer than MAX_RUN included)
    text = (
        "在 Node 的 ES 模块中使用__dirname，请按步聚操作。我们以经检查了配置。\n" * 40
        + "天气很好我们出去散步吧" * 120
    )
    whole = typo.TypoDetector().detect(text)
    monkeypatch.setattr(typo, "_LONG_TEXT", 0)
    assert typo.TypoDetector().detect(text) == whole and whole
