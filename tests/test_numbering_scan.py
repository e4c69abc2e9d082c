"""The knowledge-base numbering scan finds exactly what its grammar says, however it is sped up.

:func:`sftlint.analysis.numbering.find_items` finds candidate list numbers from candidate
characters (:func:`_item_matches`) instead of running the item pattern (``_ITEM_PATTERN``, with
a look-behind, tried at every position) over the text, and builds the items by the alternative
that matched.  These tests compare both with the direct forms they replace, a ``finditer`` of
the pattern and the per-match reading written out plainly (:func:`reference_items`), on crafted
texts, random mixtures of the characters that matter, and every string of the shared data.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.analysis import numbering as N
from sftlint.analysis.numbering import Item, _item_matches, find_items

ITEM = re.compile(N._ITEM_PATTERN)

#: Digits (both widths), every list punctuation, brackets, Chinese numerals, circled numbers,
#: what the look-behind forbids, line ends and ordinary text.
ALPHABET = "0123456789０１２３４５６７８９.．、)）(（一二三十五①⑳⑴⒇ aZ_-/#@$¥+:：\n。，的是元"

CRAFTED = [
    "",
    "1",
    "一、二、",
    "三十、",
    "十二十、",  # three numerals: only the last two start an item
    "a一、",  # a numeral after a letter: not a start, the next one is
    "1一、",
    "x（1）a",  # the bracket is rejected, the digit inside it is a start
    "（一）（二）",
    "⑴⑵①②",
    "2024.5.1 活动\n1. 退款\n2. 换货",
    "价格12.5元，1、2、3、",
    "13800138000",
    "v1.2 和 iOS 17.2\n1) 第一\n2）第二",
    "、、一、",
    "处理方法：\n1. 查询\n1.1 如果\n2. 转接",
]


def _key(matches) -> list[tuple[int, int, tuple]]:
    return [(m.start(), m.end(), m.groups()) for m in matches]


def reference_items(text: str) -> list[Item]:
    """:func:`find_items` as first written: every match of the item pattern read group by group."""
    items: list[Item] = []
    for m in ITEM.finditer(text):
        where, opens = N._context(text, m.start())
        if where is None:
            distinctive = m.group("arabic") is None or m.group("aterm") in (".", "．")
            if not distinctive or m.group("cn"):
                continue
            where = "weak"
        strong = where == "strong"

        def make(n: int, family: str, style: str, group: str | None, m=m, s=strong, o=opens) -> Item:
            start, end = (m.start(group), m.end(group)) if group else (m.start(), m.end())
            return Item((n,), family, style, start, end, m.start(), m.end(), s, o)

        item = None
        if m.group("paren"):
            n = int(m.group("pnum").translate(N._FW_DIGITS))
            if 1 <= n <= N.MAX_PART:
                item = make(n, N.FAMILY_PAREN, "（1）", "pnum")
        elif m.group("cnparen"):
            n = N._cn_value(m.group("cpnum"))
            if n:
                item = make(n, N.FAMILY_CN_PAREN, "（一）", "cpnum")
        elif m.group("circ"):
            item = make(ord(m.group("circ")) - 0x2460 + 1, N.FAMILY_CIRCLED, "①", None)
        elif m.group("pcirc"):
            item = make(ord(m.group("pcirc")) - 0x2474 + 1, N.FAMILY_PAREN, "（1）", None)
        elif m.group("cn"):
            n = N._cn_value(m.group("cnum"))
            if n and strong:
                item = make(n, N.FAMILY_CN, "一、", "cnum")
        else:
            item = _reference_arabic(text, m, strong, opens)
        if item is not None:
            items.append(item)
    return items


def _reference_arabic(text: str, m: re.Match[str], strong: bool, opens: bool) -> Item | None:
    raw = m.group("anum").translate(N._FW_DIGITS)
    pieces = re.split(r"[.．]", raw)
    if any(not p or (len(p) > 1 and p[0] == "0") or p == "0" for p in pieces):
        return None
    parts = tuple(int(p) for p in pieces)
    if any(p > N.MAX_PART for p in parts):
        return None
    term = m.group("aterm")
    end = m.end()
    if not N._has_content_after(text, end):
        return None
    if term == "、" and end < len(text) and text[end].translate(N._FW_DIGITS).isdigit():
        return None
    if len(parts) == 1:
        if not term:
            return None
        if term in ".．" and end < len(text) and (text[end] in ".．" or text[end].isdigit()):
            return None
        style = {"．": "1.", ".": "1.", "、": "1、", ")": "1)", "）": "1)"}[term]
    else:
        if not term and N._quantity_after(text, end):
            return None
        style = "1."
    start = m.start("anum")
    return Item(parts, N.FAMILY_ARABIC, style, start, start + len(raw), m.start(), end, strong, opens)


def _same(text: str) -> None:
    assert _key(_item_matches(text)) == _key(ITEM.finditer(text)), text
    assert find_items(text) == reference_items(text), text


@pytest.mark.parametrize("text", CRAFTED)
def test_crafted_texts(text):
    _same(text)


def test_crafted_texts_hold_items():
    """The crafted texts are not all empty-handed: the comparison compares items."""
    assert sum(len(find_items(t)) for t in CRAFTED) >= 12


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_random_mixtures(text):
    _same(text)


def _strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _records(path: Path):
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    yield json.loads(line)
                except ValueError:
                    continue
    else:
        yield json.loads(path.read_text(encoding="utf-8"))


def test_every_string_of_the_shared_data(shared_data):
    files = sorted(p for d in ("wild", "sft") for p in (shared_data / d).glob("*.json*"))
    assert files
    texts = items = 0
    for path in files:
        for record in _records(path):
            for text in _strings(record):
                _same(text)
                texts += 1
                items += bool(N._HIT.search(text))
    assert texts > 1000 and items > 100


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=ALPHABET + "\t\u3000\u00a0]】!?=;", max_size=20))
def test_content_after_is_the_walk(text):
    """The one-match test of what follows a number agrees with the character walk at every end."""
    for end in range(len(text) + 1):
        assert (N._CONTENT_AFTER.match(text, end) is not None) == N._has_content_after(text, end), (text, end)
