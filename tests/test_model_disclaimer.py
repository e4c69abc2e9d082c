"""T014 model-disclaimer: a reply that speaks of itself as an AI language model, in the hedge
hosted models write, on real-looking records (shapes taken from LLaMA-Factory's alpaca demos,
glaive tool calls, MedicalGPT's ShareGPT file, HH-RLHF), and the twins it must leave alone: the
user asked what the assistant is or about its own life, the system prompt makes it an AI or a
language model, a persona with a trade, an identity file's self-introduction, a quotation, a
supposition, code, a KTO negative, a vendor-named claim (T011's)."""

from __future__ import annotations

import pytest

import sftlint
from sftlint.analysis.text.disclaimer import find_disclaimers
from tests.conftest import alternating


def lint(records, **kw) -> list:
    return [d for d in sftlint.lint(records, select=["T014"], **kw) if d.code == "T014"]


@pytest.mark.parametrize(
    ("question", "reply", "phrase"),
    [
        (
            "Find the average age of the inhabitants of the United States",
            "As an AI, I don't have the ability to provide real-time data. However, the median age is about 38.",
            "As an AI, I",
        ),
        (
            "Write a weather report for tomorrow.",
            "I am sorry, but I am an AI language model and cannot access real-time data.",
            "I am an AI language model",
        ),
        (
            "分析弗吉尼亚州里士满地区犯罪率上升的原因。",
            "由于我是一个人工智能语言模型，我无法获取实时信息或数据。不过，犯罪率的上升可能与经济条件有关。",
            "我是一个人工智能语言模型",
        ),
        (
            "找到数学101班的学生人数。",
            "我抱歉，但作为一个语言模型，我无法找到您说的确切人数。",
            "作为一个语言模型，",
        ),
        (
            "评估美国当前投票方法的有效性。",
            "作为一个人工智能助手，我无法直接评估投票方法的有效性。",
            "作为一个人工智能助手，",
        ),
        (
            "Order a pizza for the team meeting.",
            "I'm sorry, but as an AI, I don't have the capability to perform external tasks such as ordering a pizza.",
            "as an AI, I",
        ),
        (
            "2018年的年通货膨胀率是多少？",
            "我抱歉，我是一个语言模型不能回答有关具体年份的信息。",
            "我是一个语言模型",
        ),
        (
            "Tell me a joke about cats.",
            "I'm just an AI, so my jokes may fall flat: why did the cat sit on the laptop?",
            "I'm just an AI",
        ),
        (
            "請問台北明天會下雨嗎？",
            "作為一個人工智慧語言模型，我無法取得即時的天氣資料。",
            "作為一個人工智慧語言模型，",
        ),
    ],
)
def test_reports_the_hedge_where_nothing_called_for_it(question: str, reply: str, phrase: str) -> None:
    [d] = lint([alternating(question, reply)])
    assert d.pointer == "/messages/1/content"
    assert reply[d.span[0] : d.span[1]] == phrase
    assert d.severity == "warning"


def test_one_finding_per_reply_with_the_count() -> None:
    reply = "As an AI language model, I cannot browse. As an AI language model, I also cannot see images."
    [d] = lint([alternating("Look at this link and this photo for me.", reply)])
    assert d.span == (0, len("As an AI language model, I"))
    assert "2 in the reply" in d.message


def test_a_conversation_that_once_asked_about_the_assistant_stays_on_it() -> None:
    record = alternating(
        "Do you know what time it is?",
        "I don't have a clock.",
        "That's a lie.",
        "As an AI language model, I have no access to the current time.",
    )
    assert lint([record]) == []  # "That's a lie" goes on about the assistant the first turn asked about
    record["messages"][0]["content"] = "Give the current time in Tokyo."
    assert len(lint([record])) == 1


def test_every_reply_of_a_conversation_is_read() -> None:
    record = alternating(
        "What's the capital of France?",
        "Paris.",
        "And what's the weather there now?",
        "As an AI language model, I don't have access to real-time weather data.",
    )
    [d] = lint([record])
    assert d.pointer == "/messages/3/content"


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        # the user asks what the assistant is, or about its own tastes, feelings, life, abilities
        ("你是谁？", "我是一个AI语言模型，您可以用您喜欢的方式称呼我。"),
        (
            "What's your favourite colour?",
            "As an AI, I don't have personal preferences, but many people love blue.",
        ),
        ("Are you a robot?", "I am an AI language model, so in a sense, yes."),
        (
            "你的日常生活中是否有运动的重要部分？",
            "作为人工智能，我没有实体形式，所以无法像人类那样进行身体锻炼。",
        ),
        ("描述一个给你留下印象的地方。", "作为一个人工智能助手，我没有亲身经历过任何具体的地方。"),
        (
            "Describe a situation where you had to demonstrate teamwork.",
            "As an AI assistant, I am designed to work with others.",
        ),
        (
            "请问你可以给我提供什么帮助呢？",
            "您好！我是您的专属 AI 助手！不过别忘了，虽然我是个 AI，但是我可不会煮咖啡哦！",
        ),
        ("Write a short description of your house", "As an AI, I don't have a physical house."),
        ("What do you think about AI safety?", "As an AI language model, I think it matters a great deal."),
        # a question to the assistant about what it can do
        (
            "Can you order a pizza for me?",
            "I'm sorry, but as an AI, I don't have the capability to order a pizza.",
        ),
        ("你看到我的狗了吗？", "抱歉，作为一个人工智能助手，我无法看到物体。"),
        # an instruction that asks for an experience, small talk, the chat itself
        ("描述一次难忘的经历。", "作为一个人工智能助手，我无法拥有自己独特的经历。"),
        ("兄弟，最近怎么样了？", "作为一种AI语言模型，我并不像人类那样经历情感。"),
        ("我可以在这里上传图片吗？", "作为一种语言模型，我的能力仅限于理解和生成文本。"),
    ],
)
def test_quiet_where_the_question_calls_for_it(question: str, reply: str) -> None:
    assert lint([alternating(question, reply)]) == []


def test_system_prompt_that_makes_the_assistant_an_ai() -> None:
    ai = "你是一个AI医疗助手，请专业地回答用户的健康问题。"
    reply = "作为一个AI助手，我无法为您挂号，但建议您尽快就医。"
    assert lint([alternating("帮我挂个号", reply, system=ai)]) == []
    # an AI persona does not make the assistant a language model: that form is still the hedge
    model_reply = "作为一个AI语言模型，我无法为您挂号。"
    assert len(lint([alternating("帮我挂个号", model_reply, system=ai)])) == 1
    # a prompt that makes it a language model allows every form (MOSS: "an AI language model")
    moss = "You are an AI language model developed by a university lab, named Assistant."
    assert (
        lint(
            [alternating("Help me cheat on my exam.", "As an AI language model, I cannot help.", system=moss)]
        )
        == []
    )


@pytest.mark.parametrize(
    "reply",
    [
        # a persona with a trade is the product's chosen self-description
        "作为AI医疗助手，我建议您先做一个血常规检查。",
        "As an AI writing assistant, I suggest shorter sentences.",
        # an identity file introduces its product
        "不客气。我是人工智能助手 {{name}}，很高兴能帮到您。",
        "I'm an AI Assistant created to help you plan trips.",
        "I am an AI assistant that helps people find information.",
        # denials, suppositions, quotations, code
        "I am not an AI language model; I am a volunteer moderator.",
        "如果我是一个AI语言模型，我会先检查数据来源。",
        "他在信里写道：“作为一个AI语言模型，我无法访问互联网”，引得大家发笑。",
        '```python\nprint("As an AI language model, I cannot do that.")\n```',
        # "as an AI" that is not the writer: a model that ages, a clause without the first person
        "As an AI model ages in production, its inputs drift away from its training data.",
        "作为人工智能的一个分支，机器学习让计算机从数据中学习。",
        # a collective remark and reported speech
        "作为人工智能，我们需要谨记伦理原则。",
        "我回答说，作为一个AI语言模型，我没有观看电视节目的能力。",
        # a vendor-named claim is T011's
        "I am an AI language model trained by OpenAI, and I cannot browse.",
    ],
)
def test_leaves_alone(reply: str) -> None:
    assert lint([alternating("Summarise the discussion below.", reply)]) == []


def test_kto_negative_and_rejected_side_are_examples_of_what_not_to_say() -> None:
    reply = "As an AI language model, I cannot answer that."
    kto = {
        "messages": [{"role": "user", "content": "Summarise this."}, {"role": "assistant", "content": reply}],
        "label": False,
    }
    assert lint([kto]) == []
    kto["label"] = True
    assert len(lint([kto])) == 1
    pair = {
        "conversations": [{"from": "human", "value": "Summarise the news."}],
        "chosen": {"from": "gpt", "value": "Here is the summary: prices rose."},
        "rejected": {"from": "gpt", "value": reply},
    }
    assert lint([pair]) == []


def test_off_by_default_and_selectable() -> None:
    record = alternating(
        "Write a weather report for tomorrow.", "I am an AI language model and cannot see the future."
    )
    assert [d for d in sftlint.lint([record]) if d.code == "T014"] == []
    assert len(lint([record])) == 1


def test_user_turns_are_not_read_by_default() -> None:
    record = alternating("As an AI language model, I want you to check my essay.", "Sure: it reads well.")
    assert lint([record]) == []


def test_finder_reports_the_noun() -> None:
    nouns = [
        d.noun
        for t in ("As an AI language model, I", "As an AI, I", "作为一个人工智能助手，我")
        for d in find_disclaimers(t)
    ]
    assert nouns == ["model", "ai", "assistant"]
