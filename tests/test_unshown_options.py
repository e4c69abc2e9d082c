"""T016 unshown-options: a reply that picks an option letter of a multiple-choice question
whose options no earlier turn shows, on real-looking records (the shapes of 01-ai/Yi's SFT
example, where the exam stems were exported without their options, and English data whose
converter dropped the answer choices) and the clean twins it must leave alone (options on
their own lines, inline, full-width or bracketed; AQuA's `Answer Choices:`; a letter that is
part of a word, an article, a plan or a point; a quiz the reply writes itself; options in an
image; a KTO negative)."""

from __future__ import annotations

import sftlint
from sftlint.analysis.text.choice import find_picks, lists_options, may_pick


def chat(*turns: str, **extra) -> dict:
    msgs = [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]
    return {"messages": msgs, **extra}


def lint(records, **kw) -> list:
    return [d for d in sftlint.lint(records, select=["T016"], **kw) if d.code == "T016"]


# 01-ai/Yi's SFT example, record 60: the stem without its options, the reply argues about A-D
YI_PROMPT = "Human: 人体的细胞呼吸是产生能量的主要途径，以下哪个细胞器是人体进行呼吸作用的中心？ Assistant:"
YI_REPLY = (
    "本题考查细胞器结构与功能的联系。A是进行光合作用的；B是指导ATP产生，并进行钙离子调控的；"
    "C负责细胞吞噬和分解功能；D则合成和转运蛋白质。故本题选B。"
)
# Yi record 58: several right options
YI_MULTI = (
    "A不正确，人体的骨骼由颅骨、脊椎骨、胸骨、骨盆、四肢骨等组成；B正确，肋骨的主要功能是保护心肺；"
    "C正确，泪骨属于颅骨；D正确，腓骨属于人体的长管状骨。故本题选BCD。"
)
# an AQuA-style record whose converter kept the question and dropped `Answer Choices:`
AQUA_Q = "A train 110 meters long travelling at 45 km/hr crosses a bridge in 30 seconds. What is the length of the bridge?"
AQUA_A = "Speed = 45 * 5/18 = 25/2 m/sec. 2(110 + X) = 750, so X = 265 m.\nThe answer is (C)."
AQUA_CHOICES = "\nAnswer Choices: (A) 328 (B) 279 (C) 265 (D) 288 (E) 211"


def test_picks_of_options_never_shown_are_found():
    (yi,) = lint([{"prompt": YI_PROMPT, "completion": YI_REPLY}])
    assert yi.pointer == "/completion"
    at = YI_REPLY.index("故本题选B")
    assert yi.span == (at, at + len("故本题选B"))
    assert "picks option B" in yi.message and "never shown" in yi.message
    records = [
        chat("下列有关人体骨骼的描述，正确的是", YI_MULTI),
        chat(AQUA_Q, AQUA_A),
        chat(
            "Which planet is known as the red planet?", "Mars looks red because of iron oxide.\n\nAnswer: C"
        ),
        chat(
            "Which of the following best describes photosynthesis?",
            "Photosynthesis turns light into chemical energy, so option B is correct.",
        ),
        chat("下列哪个城市是中国的首都？", "北京是中国的首都，正确答案为Ｃ。"),
    ]
    found = lint(records)
    assert [(d.record, d.pointer) for d in found] == [(k, "/messages/1/content") for k in range(5)]
    assert "picks option B、C、D" in found[0].message
    assert AQUA_A[found[1].span[0] : found[1].span[1]] == "answer is (C)"
    assert "picks option C" in found[2].message
    assert "picks option B" in found[3].message
    assert "picks option C" in found[4].message


def test_one_finding_per_reply_at_its_pick_rather_than_a_weaker_phrase():
    reply = (
        "本题考查社交技巧。应该积极主动地与对方交流，故C正确；A：会让人有种被忽视的感觉，故排除A。故本题选C。"
    )
    (d,) = lint([chat("在和人交往中，当你遇到一个第一次见面的人时，你应该", reply)])
    assert reply[d.span[0] : d.span[1]] == "故本题选C"


def test_options_shown_in_any_common_form_are_left_alone():
    records = [
        chat("人体进行呼吸作用的中心是\nA. 叶绿体\nB. 线粒体\nC. 溶酶体\nD. 核糖体", YI_REPLY),
        chat("人体进行呼吸作用的中心是 A.叶绿体 B.线粒体 C.溶酶体 D.核糖体", YI_REPLY),
        chat("人体进行呼吸作用的中心是（　）\nＡ．叶绿体　Ｂ．线粒体　Ｃ．溶酶体　Ｄ．核糖体", YI_REPLY),
        chat("人体进行呼吸作用的中心是 (A)叶绿体 (B)线粒体 (C)溶酶体 (D)核糖体", YI_REPLY),
        chat("人体进行呼吸作用的中心是\nA、叶绿体\nB、线粒体\nC、溶酶体\nD、核糖体", YI_REPLY),
        chat("人体进行呼吸作用的中心是\nA）叶绿体\nB）线粒体\nC）溶酶体\nD）核糖体", YI_REPLY),
        chat(AQUA_Q + AQUA_CHOICES, AQUA_A),
        # an option list whose letters do not include the pick's: a list exists, the letters
        # may number it another way
        chat("Pick one:\na) 328\nb) 279\nc) 265", AQUA_A),
        chat("细胞器有：①叶绿体 ②线粒体 ③溶酶体。选项：甲、乙、丙", "故本题选B。"),
    ]
    assert lint(records) == []


def test_options_in_an_earlier_turn_are_shown():
    quiz = "好的，来一道题：人体进行呼吸作用的中心是？\nA. 叶绿体\nB. 线粒体\nC. 溶酶体"
    records = [
        chat("出一道生物选择题考考我", quiz, "我选B", "答案是B，回答正确！线粒体是有氧呼吸的主要场所。"),
        {
            "messages": [
                {"role": "system", "content": "Answer the question.\nOptions:\n(A) 328\n(B) 279\n(C) 265"},
                {"role": "user", "content": AQUA_Q},
                {"role": "assistant", "content": AQUA_A},
            ]
        },
    ]
    assert lint(records) == []


def test_a_letter_that_means_something_else_is_left_alone():
    records = [
        chat("我想学编程，先学哪门语言好？", "入门的话，我建议选C语言，它能帮你理解内存。"),
        chat("孕检应该做什么检查？", "早孕期的答案是B超检查，可以确认胎儿的位置。"),
        chat("现在适合投资什么？", "如果风险承受能力高，可以选A股里的蓝筹股。"),
        chat("方案A是坐高铁，方案B是自驾。你选哪个？", "我选B。自驾更灵活。"),
        chat("三角形ABC中，AB=AC，哪个角最大？", "计算可得∠A最大，答案是A。"),
        chat(
            "Should I learn C or Python first?", "The answer is C, because it teaches you how memory works."
        ),
        chat("Describe the picture in one sentence.", "Answer: A dog is running across a field."),
        chat("What should I learn to write fast systems code?", "My answer is C++."),
        chat("What grade did you get?", "I got an A in chemistry."),
    ]
    assert lint(records) == []


def test_a_list_the_reply_writes_itself_is_left_alone():
    reply = (
        "题目：人体进行呼吸作用的中心是？\nA. 叶绿体\nB. 线粒体\nC. 溶酶体\nD. 核糖体\n\n答案：B\n"
        "解析：线粒体是有氧呼吸的主要场所。"
    )
    plans = "You have three options:\nA. take the train\nB. drive\nC. fly\n\nThe best option is B: it is cheapest."
    records = [chat("出一道生物选择题。", reply), chat("How should I get to Boston?", plans)]
    assert lint(records) == []


def test_options_said_to_be_elsewhere_are_taken_at_their_word():
    records = [
        chat("如图所示，下列说法正确的是", "由图可知，故本题选C。"),
        chat("<image>Which option matches the diagram?", "The answer is (B).", images=["q.png"]),
        chat("Which of the options above is a prime number?", "17 is prime, so the answer is D."),
        chat("Look at the table below and pick the right row.", "The answer is B."),
    ]
    assert lint(records) == []


def test_an_undesirable_reply_is_not_judged():
    kto = chat("下列有关人体骨骼的描述，正确的是", YI_MULTI, label=False)
    assert lint([kto]) == []


def test_user_turns_are_not_read_as_picks():
    assert lint([chat("答案是B吗？", "不是，线粒体是有氧呼吸的主要场所。")]) == []


def test_pick_phrases():
    def letters(t: str) -> list[str]:
        return [p.letters for p in find_picks(t)]

    assert letters("故选D。") == ["D"]
    assert letters("所以，本题选A、C。") == ["AC"]
    assert letters("本题选C/D两项。") == ["CD"]
    assert letters("正确答案是（B）") == ["B"]
    assert letters("参考答案：E") == ["E"]
    assert letters("故排除ACD，选B。") == ["B"]
    assert letters("The correct answer is D.") == ["D"]
    assert letters("the best choice would be (A)") == ["A"]
    assert letters("(D) is the correct answer") == ["D"]
    assert letters("选C语言") == []
    assert letters("维生素C含量高，选维生素C。") == []
    assert letters("Answer: A man walks into a bar") == []
    assert letters("the answer is C++") == []
    assert not may_pick("线粒体是有氧呼吸的主要场所。")


def test_option_lists():
    assert lists_options("中心是\nA. 叶绿体\nB. 线粒体")
    assert lists_options("中心是 A.叶绿体 B.线粒体")
    assert lists_options("中心是 Ａ．叶绿体 Ｂ．线粒体")
    assert lists_options("Answer Choices: (A) 6 (B) 30")
    assert not lists_options("人体进行呼吸作用的中心是")
    assert not lists_options("Dr. A. Smith wrote to Washington D.C.")


def test_options_in_a_formats_other_fields_are_read_as_context():
    # Alpaca's `input` and a ShareGPT system turn are mapped to the turns before the reply
    stem = "人体进行呼吸作用的中心是？"
    alpaca = [
        {
            "instruction": stem,
            "input": "A. 叶绿体\nB. 线粒体\nC. 溶酶体",
            "output": "线粒体是有氧呼吸的主要场所，故选B。",
        },
        {"instruction": stem, "input": "", "output": "线粒体是有氧呼吸的主要场所，故选B。"},
    ]
    assert [(d.record, d.pointer) for d in lint(alpaca)] == [(1, "/output")]
    sharegpt = [
        {
            "conversations": [
                {"from": "system", "value": "选项：A. 叶绿体 B. 线粒体"},
                {"from": "human", "value": stem},
                {"from": "gpt", "value": "故选B。"},
            ]
        },
        {"conversations": [{"from": "human", "value": stem}, {"from": "gpt", "value": "故选B。"}]},
    ]
    assert [(d.record, d.pointer) for d in lint(sharegpt)] == [(1, "/conversations/1/value")]


def test_may_pick_words_are_the_alternations():
    """``may_pick`` looks for its words with ``in``: exactly where their alternation matched."""
    import re

    from conftest import shared_strings

    from sftlint.analysis.text import choice

    hint = re.compile("选|答案|nswer|NSWER|ption|hoice|orrect|项正确")
    texts = ["选B", "答案：C", "The answer is A", "Option B", "项正确 A", "选项正确：A", "无 A", "", "A"]
    texts += shared_strings()
    for text in texts:
        assert choice.may_pick(text) == (
            hint.search(text) is not None and choice._LETTER.search(text) is not None
        ), text[:80]
