"""的/地/得 confusions: the structural particle the grammar around it asks for.

The dictionary model cannot see these: 的, 地 and 得 stand alone by grammar,
so no broken word points at them.  Writers (and transcribed speech) often put
的 for all three, and a model fine-tuned on 慢慢的觉得 writes it back.  Only a
few patterns are checked, each one where the particle is decided by its
neighbours alone and the other reading would be ungrammatical:

* **adverbial 地** — a reduplicated adverb (好好, 慢慢, 默默) or an AABB form
  (开开心心) followed by 得: 好好得听 → 好好地听, 开开心心得回家 → 开开心心地回家.
  Followed by 的 they are left alone: 慢慢的恢复 is everyday usage that
  corpora do not correct, and 实实在在的好处 or 在好好的照顾下 are right.
* **degree adverb + 地** — 非常/十分/极其/格外 + 的 + an adjective or verb:
  非常的高兴 → 非常地高兴.  (特别 and 相当 are also adjectives: 特别的礼物.)  After 有 or
  无 the phrase is an object, a noun: 没有十分的把握 is right.
* **complement 得** — a verb that rarely heads a 的-phrase (玩, 过, 睡, 长 …)
  followed by 的 and a degree word: 玩的很开心 → 玩得很开心.  Quantities (很多,
  很少) are left alone: 去过的很多地方 is right.
* **verbs ending in 得** — 觉, 记, 值, 显 standing alone after a pronoun or an
  adverb and before 的 and a verb, a pronoun or a degree word: 我觉的 → 我觉得,
  还记的我 → 还记得我 (判觉的 is another typo, 判决的: left alone).
* **真得** before a degree word: 真得很好 → 真的很好.

Every pattern also asks the segmentation of the surrounding characters to put
word boundaries on both sides of the particle, so a particle inside a word
(目的, 的确, 得到, 值得) is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

#: Word classes (jieba's tags) that read as a verb or an adjective after the particle.
VERBAL_TAGS = frozenset({"v", "vd", "vi", "vg", "ad", "a", "an", "ag", "b", "z", "d", "p", "ug"})
#: Tags of the reduplicated adverbs that take 地 (好好 d, 悄悄 z, 轻轻 d).
ADVERB_TAGS = frozenset({"d", "z", "a", "ad"})
#: Degree adverbs that are only adverbs.
DEGREE = frozenset({"非常", "十分", "极其", "格外", "极为"})
#: Verbs whose object a degree adverb + 的 phrase is (没有十分的把握, 具有非常的意义): what follows
#: the 的 is a noun, and 的 is right.
HAVE = frozenset("有无")
#: Single-character verbs that rarely head a 的-phrase before a degree word.
COMPLEMENT_VERBS = frozenset("玩过睡跑长变活笑哭住走飞跳来")
#: Words that open a degree complement after 得.
DEGREE_WORDS = frozenset(
    {
        "很",
        "非常",
        "太",
        "十分",
        "特别",
        "挺",
        "真",
        "更",
        "还",
        "有点",
        "有点儿",
        "不错",
        "不好",
        "还好",
        "不太",
        "越来越",
        "开心",
        "愉快",
        "快乐",
        "顺利",
        "好开心",
    }
)
#: Quantities after the particle: a 的-phrase followed by how many (去过的很多地方).
QUANTITY_HEADS = ("很多", "很少", "好多", "更多", "还多")
#: Verbs written with 得 whose 得 is often typed as 的 (觉得, 记得, 值得, 显得).
DE_VERBS = frozenset("觉记值显")
#: What may stand before them (我觉的, 还记的): a pronoun or an adverb.
DE_VERB_PREV = frozenset("我你他她它们也都还就总真不很再才却又")
#: What may follow 真得 when it means 真的.
REALLY_NEXT = frozenset({"很", "非常", "太", "是", "好", "挺", "十分", "特别", "不错"})

_PARTICLE = re.compile("[的得]")
_DEGREE_FIRST = frozenset(w[0] for w in DEGREE_WORDS)
_REALLY_FIRST = frozenset(w[0] for w in REALLY_NEXT)
#: Characters of context on each side that the segmentation sees.
WINDOW = 5

Segment = Callable[[str], list[int]]
Tag = Callable[[str], str]


def _redup(word: str) -> bool:
    """AA (好好) or AABB (开开心心)."""
    if len(word) == 2:
        return word[0] == word[1]
    return len(word) == 4 and word[0] == word[1] and word[2] == word[3] and word[0] != word[2]


def _tokens(run: str, i: int, segment: Segment) -> tuple[str, str, str] | None:
    """The words before and after the particle at ``run[i]`` and the one after that.

    None when the segmentation does not leave the particle a word of its own.
    """
    a = max(0, i - WINDOW)
    window = run[a : i + WINDOW + 1]
    ends = segment(window)
    k = i - a
    starts = [0, *ends[:-1]]
    try:
        idx = starts.index(k)
    except ValueError:
        return None
    if ends[idx] != k + 1:
        return None
    left = window[starts[idx - 1] : k] if idx > 0 else ""
    right = window[k + 1 : ends[idx + 1]] if idx + 1 < len(ends) else ""
    after = window[ends[idx + 1] : ends[idx + 2]] if idx + 2 < len(ends) else ""
    return left, right, after


def _wanted(run: str, i: int) -> bool:
    """A cheap test on the characters alone: could any pattern apply at ``run[i]``?"""
    c, prev, nxt = run[i], run[i - 1], run[i + 1 : i + 2]
    if c == "得":
        if i >= 2 and run[i - 2] == prev:
            return True  # a reduplication ends here (好好得, 认认真真得)
        return prev == "真" and nxt in _REALLY_FIRST
    if run[max(0, i - 2) : i] in DEGREE:
        return True
    if prev in COMPLEMENT_VERBS:
        return nxt in _DEGREE_FIRST
    return prev in DE_VERBS and i >= 2 and run[i - 2] in DE_VERB_PREV


def has_particle(run: str) -> bool:
    """Whether :func:`particle_typos` has a particle to look at in ``run`` (none: it yields
    nothing, and a caller need not set it up)."""
    return _PARTICLE.search(run, 1) is not None


def particle_typos(run: str, segment: Segment, tag: Tag) -> Iterator[tuple[int, str, str, str]]:
    """``(index, right particle, before, after)`` for each misused 的/得 in a run of Chinese.

    ``segment`` gives the word end offsets of a string (the detector's
    segmentation); ``tag`` gives a word's class (jieba's tag, "" if unknown
    or a noun).
    """
    for m in _PARTICLE.finditer(run, 1):
        i = m.start()
        c = run[i]
        if not _wanted(run, i):
            continue
        toks = _tokens(run, i, segment)
        if toks is None:
            continue
        left, right, after = toks
        if not left or not right:
            continue
        before = run[i - len(left) - 1] if i > len(left) else ""
        fix = _rule(c, before, left, right, after, tag)
        if fix is not None:
            yield i, fix, left + c + right, left + fix + right


def _rule(c: str, before: str, left: str, right: str, after: str, tag: Tag) -> str | None:
    """The particle the patterns ask for, or None."""
    verbal_next = tag(right) in VERBAL_TAGS
    if _redup(left) and (len(left) == 4 or tag(left) in ADVERB_TAGS):
        return "地" if c == "得" else None
    if c == "的":
        if left in DEGREE and verbal_next and before not in HAVE:
            return "地"
        if left in COMPLEMENT_VERBS and right in DEGREE_WORDS:
            if (right + after).startswith(QUANTITY_HEADS):
                return None
            if left == "过" and tag(before).startswith("v"):
                return None  # 过 marks the aspect of a verb (遇过的十分不公平): 的 heads a phrase
            return "得"
        if (
            left in DE_VERBS
            and before in DE_VERB_PREV
            and (verbal_next or right in DEGREE_WORDS or tag(right) == "r")
        ):
            return "得"
        return None
    if left == "真" and right in REALLY_NEXT:
        return "的"
    return None
