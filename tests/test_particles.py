"""的/地/得 patterns of T001 (sftlint/analysis/text/particles.py), with the real model.

Both sides matter: the patterns exist because writers confuse the particles,
and they stay narrow because 的 is right far more often than not.
"""

from __future__ import annotations

import pytest

import sftlint
from sftlint.analysis.text.particles import particle_typos
from sftlint.analysis.text.typo import TypoDetector


@pytest.fixture(scope="module")
def detector() -> TypoDetector:
    return TypoDetector()


def _grammar(detector: TypoDetector, text: str) -> list[tuple[int, str, str]]:
    return [(t.start, t.wrong, t.right) for t in detector.detect(text) if t.source == "grammar"]


MISUSED = [
    # complement 得 after a verb that rarely heads a 的-phrase
    ("上次带孩子去乐园玩的很开心，这次还想再买票。", "的", "得"),
    ("您最近过的还好吗？上次的订单有什么问题随时联系我们。", "的", "得"),
    ("这件外套洗了以后变的很硬，是不是面料有问题？", "的", "得"),
    # verbs written with 得
    ("我觉的这款耳机的音质一般，想换一款。", "的", "得"),
    ("您还记的我上次买的那件衣服吗？", "的", "得"),
    # adverbial 地
    ("我们会认认真真得处理您的反馈，请您放心。", "得", "地"),
    ("快递小哥很耐心，我非常的满意。", "的", "地"),
    ("拆下转向柱后用手转动，发现非常的紧，判断是轴承过紧。", "的", "地"),
    ("请您好好得检查一下包裹再签收。", "得", "地"),
    # 真的
    ("这款面膜真得很好用，已经回购三次了。", "得", "的"),
]


@pytest.mark.parametrize(("text", "wrong", "right"), MISUSED)
def test_misused_particles_are_found_at_the_exact_character(detector, text, wrong, right):
    found = detector.detect(text)
    assert len(found) == 1, found  # nothing else in the sentence is flagged
    (t,) = found
    assert (t.source, t.wrong, t.right) == ("grammar", wrong, right)
    assert text[t.start : t.end] == wrong and t.end == t.start + 1
    # before/after show the words on both sides, so the message reads as a correction
    assert wrong in t.before and right in t.after and t.before.replace(wrong, right, 1) == t.after


RIGHT = [
    "我去过的很多地方都有这家店。",  # 过的 + quantity: a 的-phrase
    "以前遇过的十分不公平，这次希望能妥善处理。",  # 过 after a verb marks the aspect
    "好好的一件衣服洗了一次就坏了。",  # 的 before a noun phrase
    "按医生说的坚持治疗，慢慢的就会好转。",  # AA + 的: everyday usage, not corrected
    "给大家带来实实在在的好处。",  # AABB + 的 + noun
    "非常时期，非常的措施也可以理解。",  # 非常 as an adjective before a noun
    "这次活动的目的很明确。",  # 的 inside 目的
    "他说的很对，我们马上处理。",  # 说的: what he said
    "这里吃的很多，喝的也不少。",  # 吃的/喝的: food and drinks
    "我真得走了，明天再聊。",  # 真得 + verb: really must
    "这个数值的大小和单位都要核对。",  # 值 inside 数值
    "这个判决的结果已经送达。",  # 决 not 觉
    "您的感觉的确没错，这批货有问题。",  # 的确; 感觉 is a word
    "特别的礼物要送给特别的人。",  # 特别 as an adjective
    "由于没有十分的把握和合适的仪器，只好先换一个新的控制器试试。",  # 有 + a noun phrase
    "这次改革具有非常的意义，值得认真总结。",  # 具有 + a noun phrase
]


@pytest.mark.parametrize("text", RIGHT)
def test_right_particles_are_left_alone(detector, text):
    assert _grammar(detector, text) == []


def test_patterns_follow_the_segmentation_given():
    # with a segmentation that joins 的 into a word, nothing is reported
    def joined(s: str) -> list[int]:
        return list(range(1, len(s))) if "的" not in s else [s.index("的") + 2, len(s)]

    def every_char(s: str) -> list[int]:
        return list(range(1, len(s) + 1))

    def tag(w: str) -> str:
        return ""

    assert list(particle_typos("都玩的很开心", joined, tag)) == []
    assert list(particle_typos("都玩的很开心", every_char, tag)) == [(2, "得", "玩的很", "玩得很")]


def test_particles_option_turns_the_patterns_off():
    record = {"messages": [{"role": "user", "content": "我觉的这款耳机的音质一般。"}]}

    def t001(**kw) -> list:
        return [d for d in sftlint.lint([record], select=["T001"], **kw) if d.code == "T001"]

    (d,) = t001()
    assert d.message == "的/地/得用错“的”，应为“得”（觉的这 → 觉得这）"
    assert d.pointer == "/messages/0/content" and d.span == (2, 3) and d.data["source"] == "grammar"
    assert t001(options={"zh-typo": {"particles": False}}) == []
