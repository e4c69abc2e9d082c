"""Terms with two accepted-looking spellings (rule T002).

帐号/账号, 其它/其他, 登陆/登录 ... are each written both ways in real data.
Either may be defensible; a dataset that mixes them teaches the model both.
Each group lists the standard form first.  Patterns carry guards where a
form also occurs by accident across a word boundary (全部份额 is 全部+份额, not
部份) or in another sense (登陆月球 is landing, not logging in: 登陆 is only
counted next to words that make it mean "log in").  Beyond those, a form is counted only
where the words of its sentence keep it whole: 梦想像是 is 梦想 + 像是 and holds no 想像,
which the typo model's dictionary segmentation (:func:`split_across_words`) tells.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sftlint.analysis.text.memo import PerText
from sftlint.analysis.text.native import NATIVE
from sftlint.analysis.text.zh import HAN_CHARS

#: Words that make 登陆 mean "log in" when they follow or precede it.
_LOGIN_AFTER = [
    "账号",
    "帐号",
    "账户",
    "帐户",
    "密码",
    "失败",
    "成功",
    "页面",
    "界面",
    "后台",
    "网站",
    "网页",
    "系统",
    "平台",
    "官网",
    "app",
    "APP",
    "App",
    "微信",
    "QQ",
    "小程序",
    "客户端",
    "入口",
    "状态",
    "验证",
    "超时",
    "异常",
    "不了",
    "不上",
    "信息",
    "记录",
    "名",
    "框",
    "按钮",
    "窗口",
]
_LOGIN_BEFORE = [
    "无法",
    "不能",
    "没法",
    "重新",
    "请先",
    "自动",
    "扫码",
    "账号",
    "帐号",
    "用户",
    "尝试",
    "首次",
    "再次",
    "点击",
    "如何",
    "怎么",
    "不会",
    "快捷",
    "手机",
]


#: Words that make a sentence about going ashore, whatever stands next to 登陆 (使他无法登陆 in
#: a sentence about a riverbank is a landing; 无法登陆 alone is usually a failed login).
_LANDING = re.compile(r"[岸船舰艇舟岛港滩]|码头|海军|部队|军队|士兵|登陆艇|月球|火星|诺曼底|台风|河边|海边")
_SENTENCE_END = re.compile(r"[。！？!?\n]")


def _login_sense(text: str, start: int, end: int) -> bool:
    after, before = text[end : end + 3], text[max(0, start - 2) : start]
    if any(after.startswith(w) for w in _LOGIN_AFTER):
        return True
    if not any(before.endswith(w) for w in _LOGIN_BEFORE):
        return False
    # the words before (无法, 重新, 如何 …) fit both senses: the sentence decides
    ends = [m.start() for m in _SENTENCE_END.finditer(text, max(0, start - 200), start)]
    head = ends[-1] + 1 if ends else max(0, start - 200)
    tail = _SENTENCE_END.search(text, end, end + 200)
    sentence = text[head : tail.start() if tail else end + 200]
    return _LANDING.search(sentence) is None


#: (group key, standard form, other form, guard for the other form or None).  A guard
#: says whether a match of the other form at ``text[start:end]`` really is that term.
GROUPS: tuple[tuple[str, str, str, Callable[[str, int, int], bool] | None], ...] = (
    ("账号", "账号", "帐号", None),
    ("账户", "账户", "帐户", None),
    ("账单", "账单", "帐单", None),
    ("账目", "账目", "帐目", None),
    ("转账", "转账", "转帐", None),
    ("到账", "到账", "到帐", None),
    ("对账", "对账", "对帐", None),
    ("其他", "其他", "其它", None),
    ("登录", "登录", "登陆", _login_sense),
    ("成分", "成分", "成份", lambda t, s, e: not t.startswith("额", e)),
    ("部分", "部分", "部份", lambda t, s, e: not t.startswith("额", e) and not (s > 0 and t[s - 1] == "全")),
    ("唯一", "唯一", "惟一", None),
    ("想象", "想象", "想像", None),
    ("图像", "图像", "图象", None),
    ("重叠", "重叠", "重迭", None),
)


@dataclass(frozen=True, slots=True)
class Occurrence:
    group: str
    form: str
    start: int
    end: int
    standard: bool


_FORMS: dict[str, tuple[str, bool, Callable[[str, int, int], bool] | None]] = {}
for _key, _standard, _other, _guard in GROUPS:
    _FORMS[_standard] = (_key, True, None)
    _FORMS[_other] = (_key, False, _guard)
# one alternation of literals: no look-around, so the scan stays fast on long texts
_PATTERN = re.compile("|".join(sorted(_FORMS, key=len, reverse=True)))
#: Every form is two characters long: the scans below report where a form starts, and the
#: C scan matches pairs of characters (a longer form would need both changed).
FORM_LENGTH = 2
if any(len(form) != FORM_LENGTH for form in _FORMS):
    raise ValueError("variant forms are two characters long (see FORM_LENGTH)")
#: every form, one after another, for the C scan
_PAIRS = "".join(_FORMS)


def _form_starts_py(text: str) -> list[int]:
    """Where the forms occur in ``text``: the starts of :data:`_PATTERN`'s matches."""
    return [m.start() for m in _PATTERN.finditer(text)]


def _form_starts_native(text: str) -> list[int]:
    """:func:`_form_starts_py` in C (``pair_starts`` in ``sftlint/_text_native.c``).  The
    alternation tests each character against the forms' first characters one by one, about
    100 instructions a character, which made the scan most of T002's cost; the kernel rejects
    nearly every character by one byte table."""
    return NATIVE.pair_starts(text, _PAIRS)


#: Where the forms occur in a text, leftmost first, none overlapping the one before.
_form_starts = _form_starts_py if NATIVE is None else _form_starts_native


def standard_form(group: str) -> str:
    for key, standard, _other, _guard in GROUPS:
        if key == group:
            return standard
    raise KeyError(group)


def find_variants(text: str) -> Iterator[Occurrence]:
    """Every occurrence of a form of a variant group in ``text``."""
    for key, form, start, end, standard in variant_spans(text):
        yield Occurrence(key, form, start, end, standard)


def variant_spans(text: str) -> list[tuple[str, str, int, int, bool]]:
    """:func:`find_variants` as plain tuples ``(group, form, start, end, standard)``: T002 meets
    about ten occurrences a record, and a frozen dataclass costs a call per field to build.

    Once per distinct text (:class:`~sftlint.analysis.text.memo.PerText`): a dataset's system
    prompt comes back in every record and many of its turns more than once (a third of the
    seed-style corpus's characters), and the scan cost about 190 instructions a character (a few in C:
    :func:`_form_starts_native`).
    The list is shared: do not modify it."""
    return _SPANS[text]


#: Chinese characters on each side of a form that the segmentation reads (the model's words
#: are at most five characters long, so a word that takes a form's character fits inside)
_SEG_CONTEXT = 5
#: how much likelier (natural log) the best segmentation must be than the best one that keeps
#: the form whole for the form to count as split: e² ≈ 7 times.  On held-out data the real
#: splits score 2.9 (梦想|像|一个) to 13 (全部|份额); the unigram model's near misses, where the
#: form is the word after all, 0.7 (及其|它 for 及|其它) to 1.3 (某部|份 for 某|部份)
MIN_SPLIT_MARGIN = 2.0
_NOT_HAN = re.compile(f"[^{HAN_CHARS}]")
#: the last character that is not Chinese (greedy: the match ends after it)
_NOT_HAN_BEFORE = re.compile(f".*[^{HAN_CHARS}]", re.DOTALL)


def _detector() -> Any:
    """The typo model's detector, shared with T001 (loaded on first use), or None without one."""
    if _DETECTOR:
        return _DETECTOR[0]
    from sftlint.rules.text import typo_detector

    try:
        det = typo_detector()
    except Exception:  # no model (a damaged install): count every match, as before
        det = None
    else:
        det = det if det.use_model else None
    _DETECTOR.append(det)
    return det


#: :func:`_detector`'s answer, once found (the process-wide detector never changes)
_DETECTOR: list[Any] = []


def _best_logp(det: Any, s: str, inside: range) -> float:
    """The log-probability of the best unigram segmentation of ``s`` with no word boundary at
    the positions ``inside`` (those words that hold a form's characters may be longer than the
    form: 难以想像): the typo model's own dynamic programme (``TypoDetector._fill``) with those
    positions barred."""
    from sftlint.analysis.text.typo import SEG_MAX_WORD

    n = len(s)
    freq, logtotal, prefix, log = det.freq, det.logtotal, det.prefix2, math.log
    best = [0.0] * (n + 1)
    for i in range(n - 1, -1, -1):
        if i in inside:
            best[i] = -math.inf
            continue
        f = freq.get(s[i])
        b = (log(f) if f else 0.0) - logtotal + best[i + 1]
        if s[i : i + 2] in prefix:
            for j in range(i + 2, min(n, i + SEG_MAX_WORD) + 1):
                f = freq.get(s[i:j])
                if f:
                    b = max(b, log(f) - logtotal + best[j])
        best[i] = b
    return best[0]


def split_across_words(text: str, start: int, end: int, detector: Any = None) -> bool:
    """Whether the characters ``text[start:end]`` that spell a form belong to two words: the
    best dictionary segmentation (the typo model's unigram one) of the Chinese characters
    around it cuts the form, by a clear margin (:data:`MIN_SPLIT_MARGIN`) over the best
    segmentation that keeps the form inside one word (梦想|像是, 梦想|像|一个, 思想|像: no 想像
    there; 难以想像 keeps it).  A form the dictionary does not know (到帐) cannot be judged this
    way and stays counted."""
    det = _detector() if detector is None else detector
    if det is None:
        return False
    lo, hi = max(0, start - _SEG_CONTEXT), min(len(text), end + _SEG_CONTEXT)
    key = (text[lo:hi], start - lo, end - lo, id(det))
    split = _SPLITS.get(key)
    if split is None:
        if len(_SPLITS) >= _SPLITS_KEPT:
            _SPLITS.clear()
        split = _SPLITS[key] = _split_in_window(det, key[0], start - lo, end - lo)
    return split


#: :func:`split_across_words`'s answers by the characters around the form: templated data
#: writes the same few words around a form in thousands of distinct texts (the seed corpus's
#: 其他 and 账号), where the two dynamic programmes cost more than the rest of T002 together
_SPLITS: dict[tuple[str, int, int, int], bool] = {}
_SPLITS_KEPT = 100_000


def _split_in_window(det: Any, text: str, start: int, end: int) -> bool:
    """:func:`split_across_words` on ``text``, the form ``text[start:end]`` and at most
    :data:`_SEG_CONTEXT` characters on each side."""
    lo, hi = 0, len(text)
    # the window stops at the first character that is not Chinese on each side
    m = _NOT_HAN_BEFORE.search(text[lo:start])
    if m is not None:
        lo += m.end()
    m = _NOT_HAN.search(text, end, hi)
    if m is not None:
        hi = m.start()
    if lo == start and hi == end:
        return False
    window = text[lo:hi]
    det._need(window)
    if not det.freq.get(text[start:end]):
        return False
    inside = range(start - lo + 1, end - lo)
    return _best_logp(det, window, range(0)) - _best_logp(det, window, inside) >= MIN_SPLIT_MARGIN


def _variant_spans(text: str) -> list[tuple[str, str, int, int, bool]]:
    """:func:`variant_spans`, not memoised."""
    out = []
    for start in _form_starts(text):
        end = start + FORM_LENGTH
        form = text[start:end]
        key, standard, guard = _FORMS[form]
        if (guard is None or guard(text, start, end)) and not split_across_words(text, start, end):
            out.append((key, form, start, end, standard))
    return out


_SPANS = PerText(_variant_spans)
