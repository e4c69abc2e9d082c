"""T006's ``ends_open`` read from the end answers what the pattern searched from 64 characters
before the end answered."""

from __future__ import annotations

from conftest import shared_strings
from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.analysis.text import truncation as T


def _ref_ends_open(text: str) -> bool:
    return T._HAN_LAST.search(text, max(0, len(text) - 64)) is not None


#: Chinese characters (the CJK blocks and a compatibility one), punctuation after them, the white
#: space both ``\s`` and ``str.rstrip`` strip (ideographic, next-line, separators), and runs of
#: white space around the 64-character reach
PIECES = [
    "好",
    "中文",
    "\u3400",
    "\uf900",
    "。",
    "a",
    "1",
    "，",
    " ",
    "\n",
    "\t",
    "\u3000",
    "\x85",
    "\u2028",
    "\x1c",
    " " * 62,
    " " * 63,
    " " * 64,
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8).map("".join))
def test_random_endings(text):
    assert T.ends_open(text) == _ref_ends_open(text)


def test_the_reach_of_64_characters():
    for n in range(60, 70):
        for text in ("好" + " " * n, "好" * 3 + "\n" * n, " " * n + "好", "好。" + " " * n):
            assert T.ends_open(text) == _ref_ends_open(text), (n, text[:3])
    assert T.ends_open("好" + " " * 63) and not T.ends_open("好" + " " * 64)
    assert not T.ends_open("") and not T.ends_open("   ") and T.ends_open("好")


def test_shared_strings():
    for text in shared_strings():
        assert T.ends_open(text) == _ref_ends_open(text)
