"""T009's loop pre-test (``_may_loop``) rules out only lines the loop pattern finds nothing in,
so ``find_repeats`` finds exactly what it found when the pattern ran on every line."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import shared_strings
from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.analysis.text import repeat as R

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

LINES = [
    "好的好的好的好的",  # a laugh-like loop of a two-character unit, four times
    "好的好的好的",  # three times: no loop
    "我明白了我明白了我明白了我明白了，谢谢",
    "ab ab ab ab ",
    "abcabcabcab",
    "这是一个没有任何重复的普通句子。",
    "的的的的的的的的",  # one character: pairs repeat, the pattern's unit is two characters
    "x" * 7,
    "请问请问请问请问请问请问请问请问请问请问请问请问请问请问请问请问请问请问请问请问请问",
    "a1b2" * 4 + "tail",
]


def _loops(line: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(1)) for m in R._LOOP.finditer(line)]


@pytest.mark.parametrize("line", LINES)
def test_a_line_with_a_loop_is_never_ruled_out(line):
    if _loops(line):
        assert R._may_loop(line)


def test_the_pre_test_rules_out_plain_lines():
    assert not R._may_loop("这是一个没有任何重复的普通句子。")
    assert not R._may_loop("好的好的好的")
    assert R._may_loop("好的好的好的好的")


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.text(alphabet="好的ab 1。", min_size=1, max_size=4), min_size=1, max_size=12).map("".join)
    | st.builds(
        lambda u, k, pre: pre + u * k,
        st.text(alphabet="好的是ab ", min_size=1, max_size=6),
        st.integers(1, 6),
        st.text(alphabet="中文x", max_size=5),
    )
)
def test_no_loop_is_missed_on_random_lines(line):
    if _loops(line):
        assert R._may_loop(line)


def test_find_repeats_finds_what_it_found_without_the_pre_test(monkeypatch):
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not checked out next to the repository")
    texts = [t for t in shared_strings() if len(t) >= 12] + LINES
    with_test = [R.find_repeats(t) for t in texts]
    monkeypatch.setattr(R, "_may_loop", lambda line: True)
    assert [R.find_repeats(t) for t in texts] == with_test
