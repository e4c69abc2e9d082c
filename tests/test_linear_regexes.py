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
