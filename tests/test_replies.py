"""T006-T009 (whole-reply defects) through the engine, on real-looking records and their clean twins."""

from __future__ import annotations

import pytest

import sftlint
from sftlint.analysis.text.repeat import find_repeats, repeated_fraction


def chat(*turns: str, system: str | None = None) -> dict:
    msgs = [{"role": "system", "content": system}] if system else []
    for i, t in enumerate(turns):
        msgs.append({"role": "user" if i % 2 == 0 else "assistant", "content": t})
    return {"messages": msgs}


def lint(records, code: str, **kw) -> list:
    return [d for d in sftlint.lint(records, select=[code], **kw) if d.code == code]


# -- T009 repeated-text ---------------------------------------------------------

REPEATED = [
    # a sentence generated twice in a row
    chat(
        "高血压患者平时饮食要注意什么？",
        "高血压患者应当低盐饮食，每天食盐摄入量不超过5克。多吃新鲜蔬菜和水果，有助于控制血压。"
        "多吃新鲜蔬菜和水果，有助于控制血压。同时要戒烟限酒，保持规律作息。",
    ),
    # a phrase looping to the end of the reply
    chat(
        "帮我查一下订单到哪了",
        "好的，您的订单已经到达上海转运中心，预计明天送达。好的好的好的好的好的好的好的",
    ),
    # a short English sentence three times
    chat(
        "Can you write the report for me?",
        "I'm sorry, but I can't do that. I'm sorry, but I can't do that. I'm sorry, but I can't do that.",
    ),
    # a long sentence back later in the same paragraph
    chat(
        "如何缓解焦虑？",
        "重要的是通过心理治疗、咨询或其他形式的心理健康治疗来解决潜在问题。此外，规律运动和充足睡眠也有帮助。"
        "重要的是通过心理治疗、咨询或其他形式的心理健康治疗来解决潜在问题。",
    ),
]

CLEAN = [
    # the twin of the first: each sentence once
    chat(
        "高血压患者平时饮食要注意什么？",
        "高血压患者应当低盐饮食，每天食盐摄入量不超过5克。多吃新鲜蔬菜和水果，有助于控制血压。同时要戒烟限酒，保持规律作息。",
    ),
    # a song has a refrain
    chat(
        "写一首关于熊猫的歌",
        "熊猫，熊猫，多么甜美\n让空气弥漫着你那神奇的气味\n竹林深处是你的家\n"
        "熊猫，熊猫，多么甜美\n让空气弥漫着你那神奇的气味\n我们永远爱着你",
    ),
    # code repeats lines
    chat(
        "写一个函数打印两次问候",
        "可以这样写：\n```python\ndef greet():\n    print('你好，欢迎光临本店，祝您购物愉快')\n"
        "    print('你好，欢迎光临本店，祝您购物愉快')\n```\n调用 greet() 即可。",
    ),
    # list items and labelled lines in parallel
    chat(
        "给我两个锻炼动作",
        "1. 俯卧撑\n- 双手撑地，身体保持一条直线。\n- 重复3组，每组10次。\n替代方案：使用稳固的柜台或墙壁代替地面。\n"
        "2. 平板支撑\n- 前臂撑地，收紧核心。\n- 重复3组，每组10次。\n替代方案：使用稳固的柜台或墙壁代替地面。",
    ),
    # two versions of an e-mail (paragraphs repeat across versions)
    chat(
        "写两封推广邮件",
        "版本一\n您是厌倦了跟踪费用的活动策划者吗？我们的新工具可以让您轻松地将所有东西集中在一个地方。\n\n"
        "版本二\n您是厌倦了跟踪费用的自由职业者吗？我们的新工具可以让您轻松地将所有东西集中在一个地方。",
    ),
    # a laugh, an IP address, a binary string, a rule
    chat(
        "讲个笑话",
        "哈哈哈哈哈哈，这个笑话太好笑了！DNS 服务器是 8.8.8.8，编码为 10101010101010。\n==========",
    ),
    # a short sentence repeated far apart
    chat("你好", "我明白了。您的问题是关于退款的进度。我们会尽快处理。我明白了。"),
]


@pytest.mark.parametrize("record", REPEATED, ids=range(len(REPEATED)))
def test_t009_finds_planted_repetition(record):
    diags = lint([record], "T009")
    assert len(diags) == 1, diags
    d = diags[0]
    text = record["messages"][1]["content"]
    s, e = d.span
    assert d.pointer == "/messages/1/content"
    first_s, first_e = d.data["first"]
    assert first_e <= s
    # the reported span is made of the repeated unit
    unit = text[first_s:first_e].strip()
    assert unit.rstrip("。.") in text[s:e]


@pytest.mark.parametrize("record", CLEAN, ids=range(len(CLEAN)))
def test_t009_leaves_clean_twins_alone(record):
    assert lint([record], "T009") == []


def test_t009_checks_only_assistant_turns_by_default():
    rec = chat("好的好的好的好的好的好的，我知道了，谢谢", "不客气，祝您生活愉快。")
    assert lint([rec], "T009") == []
    assert len(lint([rec], "T009", config={"rules": {"repeated-text": {"roles": ["user"]}}})) == 1


def test_find_repeats_for_eval_outputs():
    looping = "The answer is 42. The answer is 42. The answer is 42. The answer is 42."
    reps = find_repeats(looping)
    assert [(r.kind, r.count) for r in reps] == [("loop", 4)]
    assert repeated_fraction(looping) > 0.6
    assert repeated_fraction("The answer is 42, because six times seven is forty-two.") == 0.0
    assert repeated_fraction("") == 0.0
