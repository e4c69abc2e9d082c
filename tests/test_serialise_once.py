"""A record is serialised once (issue 19): J005 counts colons in the canonical JSON the content
hash is of, and the nesting check counts brackets in one pass; findings and hashes as before."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.jsonscan import scan_value, skip_ws, too_deep


def _nested(depth: int, leaf: str = '"好"') -> str:
    """A record whose messages hold a value nested ``depth`` levels in all (record included)."""
    inner = leaf
    for k in range(depth - 3):
        inner = f'{{"k{k}": {inner}}}' if k % 2 else f"[{inner}]"
    return '{"messages": [{"role": "user", "content": "你好", "meta": ' + inner + "}]}"


def _depth(text: str) -> int:
    return scan_value(text, skip_ws(text, 0))[1]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from('[]{}"\\:a中, '), max_size=400), st.integers(0, 40))
def test_brackets_counted_in_one_pass_as_two_counts_do(text, limit):
    """Bytes (one ``translate`` pass) answer as text (two ``count`` passes) on any text,
    brackets inside strings included."""
    assert too_deep(text.encode("utf-8"), limit) == too_deep(text, limit)


def test_nesting_at_and_past_the_limit():
    for depth in (3, 20, 127, 128, 129, 200):
        line = _nested(depth)
        assert _depth(line) == depth
        assert too_deep(line.encode(), 128) is (depth > 128)
        assert too_deep(line, 128) is (depth > 128)
    # many brackets, shallow: past the count, the scan says no
    flat = '{"messages": [' + ", ".join(['{"role": "user", "content": "[{"}'] * 300) + "]}"
    assert not too_deep(flat.encode(), 128)
