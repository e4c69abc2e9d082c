"""Hierarchical list numbering in knowledge-base text (1. / 2.1 / 2.2.1, 1、, （1）, ①).

The seed article's knowledge base shows its structure through numbers::

    1. 如果用户收到了异常提示……
    2. 如果用户没收到异常提示……
    2.1 如果用户的账号不是大陆地区的账号……
    2.2 如果用户的账号是大陆地区账号……
    2.2.1 ……

A skipped, orphaned, repeated or mixed-style number makes that structure
ambiguous, which is what the K1xx rules report.  This module finds the items
(:func:`find_items`) and checks their sequence (:func:`check_items`); the rules
only turn :class:`Problem` objects into findings.

Precision comes first: a number is an item only where lists put numbers (at a
line start, or right after a sentence end or a colon), only in list shapes
(``1.``, ``1、``, ``1)``, ``（1）``, ``①``, ``2.2.1``), and never when it reads as a
price (12.5元), a version (2.0版本, v1.2, iOS 17.2), a clock time (9:00), a date
(2024.5.1, 6.18大促), a decimal, a phone or an order number.  Numbers after
plain whitespace or a comma are accepted only when they are exactly the next
number of a list already running in the same style (``1. 退款 2. 换货``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple

ProblemKind = Literal["gap", "orphan", "duplicate", "backwards", "style"]

#: Families: numbers of different families are different lists (a （1） list
#: nested under a 1. item is a sub-list, not a mix).  Within a family, the
#: style (the punctuation after the number) must not change.
FAMILY_ARABIC = "arabic"  # 1.  1、  1)  2.1  2.2.1
FAMILY_PAREN = "paren"  # （1） (1) ⑴
FAMILY_CIRCLED = "circled"  # ①
FAMILY_CN = "cn"  # 一、
FAMILY_CN_PAREN = "cn-paren"  # （一）

_FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

MAX_PART = 99  # list numbers are small; 2024.5.1 is a date, 400.1 is not an item

# What may follow a dotted number that makes it a price, version, size or date
# (12.5元, 2.1GB, 17.2 版, 6.18大促, 5.1假期, 3.5折) rather than a list number.
_UNIT = (
    r"[元块角折倍%％岁号日月年秒寸米斤克升亿万期级]|版|假|节|活动|大促|促销|期间|当天|当日"
    r"|之前|之后|前(?![往去面])|后(?![台续面来期])|起(?!来)|至\s*\d|到\s*\d|小时|分钟|分(?![享别类配])"
    r"|劳动|国庆|晚会|购物|狂欢|零点|当晚|开始|结束|截止|开抢|开售|秒杀"
)
_QUANTITY_AFTER = re.compile(
    rf"(?:{_UNIT}|[-~～—–/:：×*+=<>]|[A-Za-z]|\d)"
    rf"|[ \u3000](?:{_UNIT}|(?:GB|MB|KB|TB|kg|km|cm|mm|px|Hz|MHz|GHz|fps|inch|yuan|USD|RMB|%)(?![A-Za-z]))"
)

_STRONG_BEFORE = set("。！？；!?;：:")
_WEAK_BEFORE = set("，,、")
_SPACES = " \t\u3000\u00a0"

#: What a list number looks like, where it may start (not right after a digit, a dot, a Latin
#: letter or a symbol that makes it part of a code, a price or a path).  The grammar of record:
#: :func:`_item_matches` finds exactly its matches, faster (a test compares them); only the
#: tests compile it.
_ITEM_PATTERN = (
    r"(?<![0-9０-９.．A-Za-z_\-/#@$¥￥+])"
    r"(?:"
    r"(?P<paren>[（(](?P<pnum>[0-9０-９]{1,2})[）)])"
    r"|(?P<cnparen>[（(](?P<cpnum>[一二三四五六七八九十]{1,2})[）)])"
    r"|(?P<circ>[\u2460-\u2473])"
    r"|(?P<pcirc>[\u2474-\u2487])"
    r"|(?P<cn>(?P<cnum>[一二三四五六七八九十]{1,2})、)"
    r"|(?P<arabic>(?P<anum>[0-9０-９]{1,3}(?:[.．][0-9０-９]{1,3})*)(?P<aterm>[.．、)）]?))"
    r")"
)
#: :data:`_ITEM_PATTERN` without its look-behind, matched only at a candidate start.
_ITEM_AT = re.compile(_ITEM_PATTERN[_ITEM_PATTERN.index("(?:") :])
#: What may not come right before an item (the look-behind of :data:`_ITEM_PATTERN`).
_NOT_BEFORE = frozenset(
    "0123456789０１２３４５６７８９.．_-/#@$¥￥+abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
_CN_NUMERALS = frozenset("一二三四五六七八九十")
#: The characters an item can start with, and ``、`` that ends a ``一、`` item: a character class
#: alone, which the regex engine scans for without trying the whole pattern at every position.
_HIT = re.compile(r"[0-9０-９（(\u2460-\u2487、]")


def _item_matches(text: str) -> list[re.Match[str]]:
    """The matches of :data:`_ITEM_PATTERN`'s ``finditer`` over ``text``, found from candidate
    characters.

    The pattern has a look-behind first, so the regex engine tries the whole pattern at every
    position of the text (about 100 ns a character).  Every alternative starts with a digit, a
    bracket or a circled number, except ``一、``, whose numerals (common in Chinese prose) end
    one or two characters before a ``、``.  So the candidates are the characters of
    :data:`_HIT`, found by a character-class scan, and the one or two positions before each
    ``、``; each is matched in place with the look-behind checked here, left to right, going on
    after each match's end as ``finditer`` does.  A numeral start can only match when the
    characters up to its ``、`` are numerals, which no candidate character is, so candidates
    come in text order.
    """
    out: list[re.Match[str]] = []
    pos = 0
    match = _ITEM_AT.match
    for hit in _HIT.finditer(text):
        q = hit.start()
        if q < pos:
            continue
        if text[q] == "、":
            for p in (q - 2, q - 1):
                if p >= pos and text[p] in _CN_NUMERALS and (p == 0 or text[p - 1] not in _NOT_BEFORE):
                    m = match(text, p)
                    if m is not None:
                        out.append(m)
                        pos = m.end()
            continue
        if q and text[q - 1] in _NOT_BEFORE:
            continue
        m = match(text, q)
        if m is not None:
            out.append(m)
            pos = m.end()
    return out


class Item(NamedTuple):
    """One list number found in a text."""

    parts: tuple[int, ...]  # (2, 2, 1) for 2.2.1
    family: str
    style: str  # the marker shape: "1." "1、" "1)" "（1）" "①" "一、" "（一）"
    start: int  # span of the number itself (the digits, or the circled character)
    end: int
    token_start: int  # span of the whole marker, punctuation included
    token_end: int
    strong: bool  # at a line start or after a sentence end / colon
    opens_list: bool  # preceded by a colon or a blank line: may start a new list

    @property
    def label(self) -> str:
        """The number as people write it: 2.2.1, ①, （一）."""
        if self.family == FAMILY_CIRCLED:
            return chr(0x2460 + self.parts[0] - 1)
        if self.family in (FAMILY_CN, FAMILY_CN_PAREN):
            return _cn(self.parts[0])
        return ".".join(map(str, self.parts))


@dataclass(frozen=True, slots=True)
class Problem:
    """A fault in a numbered list."""

    kind: ProblemKind
    item: Item
    message: str
    expected: str | None = None  # K101: the number that should have been here
    missing_parent: str | None = None  # K102
    previous: Item | None = None  # K103 / K104: the item it conflicts with


@dataclass(frozen=True, slots=True)
class Numbering:
    """Items of one text and the problems of their sequence (shared: do not modify)."""

    items: tuple[Item, ...] = ()
    problems: tuple[Problem, ...] = ()


def _cn(n: int) -> str:
    inv = {v: k for k, v in _CN_DIGITS.items()}
    if n <= 10:
        return inv[n]
    tens, ones = divmod(n, 10)
    return (inv[tens] if tens > 1 else "") + "十" + (inv[ones] if ones else "")


def _cn_value(s: str) -> int | None:
    if len(s) == 1:
        return _CN_DIGITS.get(s)
    if s[0] == "十" and len(s) == 2:
        return 10 + _CN_DIGITS[s[1]] if s[1] != "十" else None
    if len(s) == 2 and s[1] == "十":
        return _CN_DIGITS[s[0]] * 10 if s[0] != "十" else None
    return None


#: a line that opens with an article or a chapter (第三条, 第二章, 第1节, 第四部分): the list
#: after it is the article's own, numbered from 1 again
_HEADING = re.compile(r"第[0-9０-９一二三四五六七八九十百零两]{1,4}[条章节款部篇]")


def _under_heading(text: str, newline: int) -> bool:
    """Whether the line that ends at ``newline`` opens with an article or a chapter number, or
    with a letter item (``a) 如果…``, ``B. …``: a level the numbering does not count, whose own
    ``①②`` start again).  Read from the line's own start (its first non-space character),
    never the whole text: this is asked of every item that opens a line."""
    i = text.rfind("\n", 0, newline) + 1
    while i < newline and text[i] in _SPACES:
        i += 1
    if i >= newline:
        return False
    if text[i] == "第":
        return _HEADING.match(text, i) is not None
    return text[i].isascii() and text[i].isalpha() and _LETTER_ITEM.match(text, i) is not None


#: a letter item opening its line: ``a) ``, ``b）``, ``A. ``, ``c、``
_LETTER_ITEM = re.compile(r"[A-Za-z](?:[)）]|[.．、](?=[ \t\u3000]|[^\x00-\x7f]))[ \t\u3000]*\S")


def _after_paragraph(text: str, newline: int) -> bool:
    """Whether the line that ends at ``newline`` closes a paragraph of prose that a blank line
    opened (up to three lines, none an item): the title of the next entry of a knowledge base
    (``\n\n用户反馈物流异常，如何处理？处理方法是：…`` then ``一、…``), whose list starts again."""
    end = newline
    for _ in range(3):
        start = text.rfind("\n", 0, end) + 1
        if start == 0:
            return False  # the text's first lines: no list before to start again from
        line = text[start:end].strip(" \t\u3000")
        if not line or _HIT.match(line) or line[0] in _CN_NUMERALS:
            return False  # a blank line right before the item, or a line of the list itself
        if not text[text.rfind("\n", 0, start - 1) + 1 : start - 1].strip(" \t\u3000"):
            return True  # a blank line above the paragraph
        end = start - 1
    return False


def _context(text: str, pos: int) -> tuple[str | None, bool]:
    """Classify what precedes ``pos``: ("strong" | "weak" | None, opens_list)."""
    i = pos - 1
    skipped = False
    while i >= 0 and text[i] in _SPACES:
        i -= 1
        skipped = True
    if i < 0:
        return "strong", True
    ch = text[i]
    if ch == "\n":
        # A blank line, or a heading line ending with a colon, opens a new list.
        j = i - 1
        while j >= 0 and text[j] in _SPACES:
            j -= 1
        opens = j < 0 or text[j] in "\n：:" or _under_heading(text, i) or _after_paragraph(text, i)
        return "strong", opens
    if ch in _STRONG_BEFORE:
        if ch in "：:" and i > 0 and (text[i - 1].isdigit()):
            return None, False  # 1:23.5 is a time, not a list after a colon
        return "strong", ch in "：:"
    if ch in _WEAK_BEFORE:
        return "weak", False
    if skipped and not ch.isascii():
        return "weak", False
    if skipped and ch.isascii() and not ch.isalnum():
        return "weak", False
    return None, False


def _quantity_after(text: str, end: int) -> bool:
    """Whether the text right after a dotted number makes it a quantity, version or date."""
    return _QUANTITY_AFTER.match(text, end) is not None


def find_items(text: str) -> list[Item]:
    """Candidate list numbers in ``text``, in order (weak ones still unconfirmed).

    The common case is read in place: an arabic number (all but a handful of the matches of
    real knowledge bases), and what precedes it when that is a line end or a character other
    than a space (:func:`_context` for the rest); the number is read as :func:`_arabic` reads
    it (tests/test_numbering_scan.py compares the items with the plain reading's)."""
    items: list[Item] = []
    new = tuple.__new__  # an Item without the namedtuple's Python-level __new__
    n_text = len(text)
    for m in _item_matches(text):
        start = m.start()
        kind = m.lastgroup  # the alternative that matched (its group closes last)
        # -- what precedes the number (_context), its common cases in place
        ch = text[start - 1] if start else "\n"
        if ch == "\n":
            if start:
                j = start - 2
                while j >= 0 and text[j] in _SPACES:
                    j -= 1
                opens = (
                    j < 0
                    or text[j] in "\n：:"
                    or _under_heading(text, start - 1)
                    or _after_paragraph(text, start - 1)
                )
            else:
                opens = True
            where: str | None = "strong"
        elif ch in _SPACES:
            where, opens = _context(text, start)
        elif ch in _STRONG_BEFORE:
            if ch in "：:" and start > 1 and text[start - 2].isdigit():
                where, opens = None, False
            else:
                where, opens = "strong", ch in "：:"
        elif ch in _WEAK_BEFORE:
            where, opens = "weak", False
        else:
            where, opens = None, False
        if kind == "arabic":
            # -- _arabic, in place
            term = m.group(_ATERM)
            if where is None:
                # Right after a word: only a marker that cannot be anything else
                # ("2.") may count, and only as the next number of a running list.
                if term != "." and term != "．":
                    continue
                strong = False
            else:
                strong = where == "strong"
            raw = m.group(_ANUM)
            if raw.isascii() and "." not in raw:  # the common case: one number in ASCII digits
                if raw[0] == "0":
                    continue  # 0, 05: never list numbers
                n = int(raw)
                if n > MAX_PART:
                    continue  # 400, 13800138000
                parts: tuple[int, ...] = (n,)
            else:
                raw = raw.translate(_FW_DIGITS)
                pieces = raw.replace("．", ".").split(".")
                if not all(p and p[0] != "0" for p in pieces):
                    continue  # 2.0, 1.05: versions and decimals, never list numbers
                parts = tuple(map(int, pieces))
                if max(parts) > MAX_PART:
                    continue  # 2024.5.1, 400.1, 13800138000
            end = m.end()
            if _CONTENT_AFTER.match(text, end) is None:
                continue
            if term == "、" and end < n_text and text[end].translate(_FW_DIGITS).isdigit():
                continue  # 5、8、10: an enumeration of numbers, not list items
            if len(parts) == 1:
                if not term:
                    continue  # a bare number ("3 件") is not an item
                if term in ".．" and end < n_text and (text[end] in ".．" or text[end].isdigit()):
                    continue  # "1..", ellipses
                style = _STYLES[term]
            else:
                if not term and _quantity_after(text, end):
                    continue  # 12.5元, 2.1GB, 6.18大促, 17.2 版
                style = "1."
            s = m.start(_ANUM)
            items.append(new(Item, (parts, FAMILY_ARABIC, style, s, s + len(raw), start, end, strong, opens)))
            continue
        if where is None:
            # Right after a word: only a marker that cannot be anything else
            # (（2）, ②) may count, and only as the next number of a running list.
            if kind == "cn":
                continue
            strong = False
        else:
            strong = where == "strong"
        end = m.end()
        item: Item | None = None
        if kind == "paren":
            n = int(m.group("pnum").translate(_FW_DIGITS))
            if 1 <= n <= MAX_PART:
                s, e = m.span("pnum")
                item = new(Item, ((n,), FAMILY_PAREN, "（1）", s, e, start, end, strong, opens))
        elif kind == "cnparen":
            n = _cn_value(m.group("cpnum"))
            if n:
                s, e = m.span("cpnum")
                item = new(Item, ((n,), FAMILY_CN_PAREN, "（一）", s, e, start, end, strong, opens))
        elif kind == "circ":
            item = new(
                Item,
                (
                    (ord(text[start]) - 0x2460 + 1,),
                    FAMILY_CIRCLED,
                    "①",
                    start,
                    end,
                    start,
                    end,
                    strong,
                    opens,
                ),
            )
        elif kind == "pcirc":
            item = new(
                Item,
                (
                    (ord(text[start]) - 0x2474 + 1,),
                    FAMILY_PAREN,
                    "（1）",
                    start,
                    end,
                    start,
                    end,
                    strong,
                    opens,
                ),
            )
        else:  # "cn": 一、 is a list number only at a line start or after a colon/sentence end.
            n = _cn_value(m.group("cnum"))
            if n and strong:
                s, e = m.span("cnum")
                item = new(Item, ((n,), FAMILY_CN, "一、", s, e, start, end, strong, opens))
        if item is not None:
            items.append(item)
    return items


_NO_CONTENT = set("\n。，；！？,;.!?=)）]】")


def _has_content_after(text: str, end: int) -> bool:
    """A list item has text after its number on the same line ("8.75\n" is a value)."""
    i = end
    while i < len(text) and text[i] in _SPACES:
        i += 1
    return i < len(text) and text[i] not in _NO_CONTENT


#: :func:`_has_content_after` as one match: spaces, then a character that is neither a space
#: nor one of :data:`_NO_CONTENT` (a space cannot stand for the character when the spaces
#: give one back, so the match succeeds exactly where the walk does)
_CONTENT_AFTER = re.compile(
    f"[{re.escape(_SPACES)}]*[^{''.join(re.escape(c) for c in sorted(_NO_CONTENT | set(_SPACES)))}]"
)


_STYLES = {"．": "1.", ".": "1.", "、": "1、", ")": "1)", "）": "1)"}


_GROUP = _ITEM_AT.groupindex  # groups read by number: a name is looked up at every call
_ANUM, _ATERM = _GROUP["anum"], _GROUP["aterm"]


def _arabic(text: str, m: re.Match[str], strong: bool, opens: bool) -> Item | None:
    raw = m.group(_ANUM)
    if raw.isascii() and "." not in raw:  # the common case: one number in ASCII digits
        if raw[0] == "0":
            return None  # 0, 05: never list numbers
        n = int(raw)
        if n > MAX_PART:
            return None  # 400, 13800138000
        parts: tuple[int, ...] = (n,)
    else:
        raw = raw.translate(_FW_DIGITS)
        pieces = raw.replace("．", ".").split(".")
        for p in pieces:
            if not p or p[0] == "0":
                return None  # 2.0, 1.05: versions and decimals, never list numbers
        parts = tuple(map(int, pieces))
        if max(parts) > MAX_PART:
            return None  # 2024.5.1, 400.1, 13800138000
    term = m.group(_ATERM)
    end = m.end()
    if _CONTENT_AFTER.match(text, end) is None:
        return None
    if term == "、" and end < len(text) and text[end].translate(_FW_DIGITS).isdigit():
        return None  # 5、8、10: an enumeration of numbers, not list items
    if len(parts) == 1:
        if not term:
            return None  # a bare number ("3 件") is not an item
        if term in ".．" and end < len(text) and (text[end] in ".．" or text[end].isdigit()):
            return None  # "1..", ellipses
        style = _STYLES[term]
    else:
        if not term and _quantity_after(text, end):
            return None  # 12.5元, 2.1GB, 6.18大促, 17.2 版
        style = "1."
    start = m.start(_ANUM)
    item: Item = tuple.__new__(
        Item, (parts, FAMILY_ARABIC, style, start, start + len(raw), m.start(), end, strong, opens)
    )
    return item


# -- sequence checking ---------------------------------------------------------


@dataclass(slots=True)
class _Tree:
    """State of the arabic (possibly dotted) outline."""

    seen: dict[tuple[int, ...], Item] = field(default_factory=dict)
    virtual: set[tuple[int, ...]] = field(default_factory=set)  # missing parents already reported
    last: tuple[int, ...] | None = None
    last_child: dict[tuple[int, ...], int] = field(default_factory=dict)

    def reset(self) -> None:
        self.seen.clear()
        self.virtual.clear()
        self.last = None
        self.last_child.clear()

    def has(self, parts: tuple[int, ...]) -> bool:
        return parts in self.seen or parts in self.virtual

    def expected_next(self, parent: tuple[int, ...] = ()) -> int:
        return self.last_child.get(parent, 0) + 1


@dataclass(slots=True)
class _Flat:
    """State of a flat list: （1）, ①, 一、, （一）."""

    last: int | None = None
    last_item: Item | None = None
    seen: dict[int, Item] = field(default_factory=dict)


def _dotted(parts: tuple[int, ...]) -> str:
    return ".".join(map(str, parts))


class _Checker:
    """Walks the items of one text, keeping one list per family on a nesting stack.

    A family seen for the first time opens a list nested under the current
    one (（1） items under a 1. item); an item of a family lower on the stack
    closes the lists above it, so the next （1） under the next 1. item starts a
    fresh sub-list.
    """

    def __init__(self) -> None:
        self.tree = _Tree()
        self.flats: dict[str, _Flat] = {}
        self.stack: list[str] = []
        self.styles: dict[tuple[str, int], Item] = {}
        self.style_reported = False
        self.last_item: Item | None = None
        self.problems: list[Problem] = []
        self.accepted: list[Item] = []

    # A problem-free "would this item fit" used to confirm weak candidates.
    def fits(self, item: Item) -> bool:
        if self.last_item is None or item.family not in self.stack:
            return False
        if item.family == FAMILY_ARABIC:
            if not self.tree.seen:
                return False
            parent = item.parts[:-1]
            if parent and not self.tree.has(parent):
                return False
            if item.parts in self.tree.seen or (self.tree.last and item.parts < self.tree.last):
                return False
            if item.parts[-1] != self.tree.expected_next(parent):
                return False
            level_style = self.styles.get((item.family, len(item.parts)))
            return level_style is None or level_style.style == item.style
        flat = self.flats.get(item.family)
        return bool(flat and flat.last is not None and item.parts[0] == flat.last + 1)

    def _reset(self, family: str) -> None:
        if family == FAMILY_ARABIC:
            self.tree.reset()
        else:
            self.flats[family] = _Flat()

    def plausible(self, item: Item) -> bool:
        """A dotted number must hang off the running outline: ``5.1劳动节`` after items 1-3,
        or ``9.30开始`` opening a text, is a date or a time, not an item."""
        if item.family != FAMILY_ARABIC or len(item.parts) < 2:
            return True
        root = item.parts[0]
        if not self.tree.seen:
            return root == 1
        return self.tree.has((root,)) or root == self.tree.expected_next()

    def add(self, item: Item) -> None:
        fam = item.family
        stack = self.stack
        if stack and stack[-1] == fam:
            fresh = False  # the list running now (a family is on the stack once): nothing to close
        elif fam in stack:
            idx = stack.index(fam)
            for child in stack[idx + 1 :]:
                self._reset(child)  # the sub-lists of the previous item are over
            del stack[idx + 1 :]
            fresh = False
        else:
            fresh = True
        other = self._continues_other(item) if fresh else None
        if other is not None:
            self._mixed(item, other)
        else:
            if fresh:
                self.stack.append(fam)
                self._reset(fam)
            if fam == FAMILY_ARABIC:
                self._arabic(item)
            else:
                self._flat(item)
        self._style(item)
        self.last_item = item
        self.accepted.append(item)

    def _style(self, item: Item) -> None:
        if item.family == FAMILY_ARABIC and len(item.parts) > 1:
            return  # 2.1 / 2.1. / 2.1、 at deeper levels: one style ("dotted")
        key = (item.family, 1)
        first = self.styles.get(key)
        if first is None:
            self.styles[key] = item
        elif first.style != item.style and not self.style_reported:
            self.style_reported = True
            self.problems.append(
                Problem(
                    "style",
                    item,
                    f"numbering style `{item.style}` mixed with `{first.style}` used earlier in this text "
                    f"(at {first.label})",
                    previous=first,
                )
            )

    def _continues_other(self, item: Item) -> Item | None:
        """An item that starts a new family but carries on the list just before it (1. 2. （3）)."""
        prev = self.last_item
        if prev is None or prev.family == item.family or len(item.parts) != 1 or item.parts[0] == 1:
            return None
        if len(prev.parts) == 1 and prev.parts[0] + 1 == item.parts[0]:
            return prev
        return None

    def _mixed(self, item: Item, prev: Item) -> None:
        if not self.style_reported:
            self.style_reported = True
            self.problems.append(
                Problem(
                    "style",
                    item,
                    f"numbering style `{item.style}` continues a `{prev.style}` list "
                    f"({prev.label} then {item.label}); use one style",
                    previous=prev,
                )
            )
        # Carry on the other list's numbering so later items are checked against it.
        if prev.family == FAMILY_ARABIC:
            self.tree.last_child[()] = item.parts[0]
            self.tree.seen[item.parts] = item
            self.tree.last = item.parts
        else:
            flat = self.flats.setdefault(prev.family, _Flat())
            flat.last = item.parts[0]
            flat.seen[item.parts[0]] = item

    def _arabic(self, item: Item) -> None:
        tree = self.tree
        parts = item.parts
        seen = tree.seen
        if seen and parts == (1,) and item.opens_list:
            tree.reset()  # a new list after a heading ("换货规则：1. …")
        virtual = tree.virtual
        last = tree.last
        parent = parts[:-1]
        if parts in seen or parts in virtual:
            first = seen.get(parts)
            self.problems.append(
                Problem("duplicate", item, f"number {item.label} repeats an earlier item", previous=first)
            )
        elif last is not None and parts < last:
            prev = seen.get(last)
            self.problems.append(
                Problem(
                    "backwards",
                    item,
                    f"number {item.label} goes backwards after {_dotted(last)}",
                    previous=prev,
                )
            )
        elif parent and not (parent in seen or parent in virtual):
            missing = [parts[:i] for i in range(1, len(parts)) if not tree.has(parts[:i])]
            names = ", ".join(_dotted(p) for p in missing)
            self.problems.append(
                Problem(
                    "orphan",
                    item,
                    f"item {item.label} has no parent {_dotted(parent)}"
                    + (f" (missing: {names})" if len(missing) > 1 else ""),
                    missing_parent=_dotted(parent),
                )
            )
            for p in missing:
                tree.virtual.add(p)
                grand = p[:-1]
                tree.last_child[grand] = max(tree.last_child.get(grand, 0), p[-1])
        else:
            want = tree.last_child.get(parent, 0) + 1  # tree.expected_next(parent)
            if parts[-1] > want:
                exp = _dotted((*parent, want))
                self.problems.append(
                    Problem(
                        "gap",
                        item,
                        f"number {item.label} skips {exp}: expected {exp}"
                        if want > 1 or parent
                        else f"list starts at {item.label}: expected 1",
                        expected=exp,
                    )
                )
        seen.setdefault(parts, item)
        if last is None or parts > last:
            tree.last = parts
        last_child = tree.last_child
        last_child[parent] = max(last_child.get(parent, 0), parts[-1])

    def _flat(self, item: Item) -> None:
        flat = self.flats.setdefault(item.family, _Flat())
        n = item.parts[0]
        if flat.last is None:
            if n != 1:
                exp = _label_like(item, 1)
                self.problems.append(
                    Problem("gap", item, f"list starts at {item.label}: expected {exp}", expected=exp)
                )
        elif n == 1 and item.opens_list:
            flat.seen.clear()  # a new list after a heading ending with a colon
        elif n == flat.last:
            self.problems.append(
                Problem(
                    "duplicate", item, f"number {item.label} repeats an earlier item", previous=flat.last_item
                )
            )
        elif n < flat.last:
            prev = flat.last_item
            self.problems.append(
                Problem(
                    "backwards",
                    item,
                    f"number {item.label} goes backwards after {prev.label if prev else flat.last}",
                    previous=prev,
                )
            )
        elif n > flat.last + 1:
            exp = _label_like(item, flat.last + 1)
            self.problems.append(
                Problem("gap", item, f"number {item.label} skips {exp}: expected {exp}", expected=exp)
            )
        flat.last = n
        flat.last_item = item
        flat.seen[n] = item


def _label_like(item: Item, n: int) -> str:
    if item.family == FAMILY_CIRCLED:
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if item.family in (FAMILY_CN, FAMILY_CN_PAREN):
        return _cn(n)
    return str(n)


def check_items(items: list[Item]) -> Numbering:
    """Check the sequence of candidate items; weak candidates must fit to count.

    Problems are only reported for texts with at least two list items: a lone
    "4." is not a list.
    """
    checker = _Checker()
    for k, item in enumerate(items):
        if (item.strong and (checker.plausible(item) or _heads_branch(checker, items, k))) or checker.fits(
            item
        ):
            checker.add(item)
    problems = tuple(checker.problems) if len(checker.accepted) >= 2 else ()
    return Numbering(tuple(checker.accepted), problems)


def _heads_branch(checker: _Checker, items: list[Item], k: int) -> bool:
    """Whether the dotted number ``items[k]``, off the running outline (``4.1`` after ``2.1``),
    is a branch numbered wrongly: it carries on a running outline without opening a section of
    its own (no heading, blank line or colon before it: ``第4章：…`` then ``4.1`` is a chapter's
    own outline), and its own first child follows it (``4.1.1``), which a date or a time
    (``5.1劳动节``) never has."""
    item = items[k]
    if item.opens_list or not checker.tree.seen or k + 1 >= len(items) or len(item.parts) < 2:
        return False
    nxt = items[k + 1]
    return nxt.strong and nxt.family == FAMILY_ARABIC and nxt.parts == (*item.parts, 1)


_EMPTY = Numbering()


@lru_cache(maxsize=2048)
def analyse(text: str) -> Numbering:
    """Items and problems of one text.

    Cached by content: retrieval context repeats (the seed's data carries the
    same knowledge base in every turn, and a retriever returns the same
    passages for many questions), so most texts of a dataset are analysed once.
    """
    if _HIT.search(text) is None:
        return _EMPTY  # no digit, bracket, circled number or 、: no item can start
    return check_items(find_items(text))


_recent: list[tuple[str, Numbering]] = []  # the last few texts analysed through analyse_span


def analyse_span(text: str, start: int, end: int) -> Numbering:
    """:func:`analyse` of ``text[start:end]``, reusing a recent identical text without copying it.

    The seed's data repeats one knowledge base in every user turn of a record, and a
    retriever returns the same passage for many questions: comparing in place
    (``startswith``) is cheaper than slicing and hashing the text again.
    """
    n = end - start
    for known, result in _recent:
        if len(known) == n and text.startswith(known, start):
            return result
    sub = text[start:end]
    result = analyse(sub)
    _recent.insert(0, (sub, result))
    del _recent[4:]
    return result


#: A text that says it is an excerpt (``（节选）``, ``摘录：``, ``[excerpt]``, a leading ``…``):
#: what it leaves out leaves gaps, orphans and a list whose style seems to change where an
#: item was cut (``1、…`` then ``（2）…`` without the ``（1）`` between), on purpose
_EXCERPT = re.compile(
    r"[ \t\r\n\u3000]*(?:"
    r"[（(【\[〔]\s*(?:节选|摘录|摘选|节录|部分内容|部分|excerpts?|abridged|partial)\s*[）)】\]〕]"
    r"|(?:节选|摘录|摘选|节录|excerpts?)\s*[:：]"
    r"|…|\.\.\.)",
    re.IGNORECASE,
)
#: the problems an excerpt's omissions make; a repeated or backwards number is none of them
OMISSION_KINDS = frozenset({"gap", "orphan", "style"})


def is_excerpt(text: str, start: int = 0) -> bool:
    """Whether the text at ``start`` opens by saying it is an excerpt of a longer one."""
    return _EXCERPT.match(text, start) is not None


def without(numbering: Numbering, drop: Callable[[Problem], bool]) -> Numbering:
    """``numbering`` without the problems ``drop`` picks (the same object when it picks none)."""
    kept = tuple(p for p in numbering.problems if not drop(p))
    return numbering if len(kept) == len(numbering.problems) else Numbering(numbering.items, kept)


def without_omissions(numbering: Numbering) -> Numbering:
    """``numbering`` without the problems an excerpt's omissions make (:data:`OMISSION_KINDS`)."""
    return without(numbering, lambda p: p.kind in OMISSION_KINDS)
