"""T011 borrowed-identity: replies that say the model is another vendor's assistant.

The claims are written the way distilled data writes them (most taken from MedicalGPT's
ShareGPT file, which keeps ChatGPT's self-descriptions in Chinese); each clean twin is a reply
that names a model or a maker without claiming to be it."""

from __future__ import annotations

import json

import pytest
from conftest import alternating

import sftlint
from sftlint.analysis.text.identity import asks_for_persona, find_claims

chat = alternating  # user, assistant, user … (conftest)


def lint(records, **kw) -> list:
    return [d for d in sftlint.lint(records, select=["T011"], **kw) if d.code == "T011"]


def claimed(text: str) -> list[str]:
    return [text[c.start : c.end] for c in find_claims(text)]


# -- what it catches ---------------------------------------------------------------------------

CLAIMS = [
    # by maker, Chinese, as MedicalGPT's replies write it
    ("对不起，但我无法拥抱你。我是由OpenAI训练的大型语言模型，只以计算机屏幕上的文本形式存在。", "OpenAI"),
    ("抱歉，我没有有关播客广告增长的信息。作为OpenAI训练模型的语言模型，我无法访问最新信息。", "OpenAI"),
    ("但是请注意，由于我是OpenAI训练的语言模型，我没有在线身份。", "OpenAI"),
    ("是的，我是 ChatGPT。我是由 OpenAI 开发的语言模型。", "OpenAI"),
    ("你好！我是一个由百度开发的人工智能助手，很高兴为你服务。", "Baidu"),
    ("我在OpenAI的创造者们一直致力于开发强大的语言模型。", "OpenAI"),
    # by name
    ("你好Fred！我是ChatGPT，是由OpenAI开发的大型语言模型。", "OpenAI"),
    ("我叫ChatGPT，因为GPT代表“生成预训练转换器”。", "OpenAI"),
    ("你好，我是通义千问，有什么可以帮你？", "Alibaba"),
    ("作为ChatGPT，我无法浏览网页。", "OpenAI"),
    # English
    ("I'm sorry, but I am a large language model trained by OpenAI and I cannot browse the web.", "OpenAI"),
    ("As an AI developed by OpenAI, I don't have personal opinions.", "OpenAI"),
    ("I'm Claude, an AI assistant made by Anthropic.", "Anthropic"),
    ("Hello! I am ChatGPT, how can I help you today?", "OpenAI"),
    ("My creators at Google designed me to be helpful.", "Google"),
]


@pytest.mark.parametrize(("reply", "maker"), CLAIMS)
def test_a_first_person_claim_is_reported_with_its_maker(reply, maker):
    found = lint([chat("你是谁？", reply)])
    assert len(found) == 1, reply
    d = found[0]
    assert d.data["maker"] == maker
    assert d.pointer == "/messages/1/content"
    start, end = d.span
    shown = reply[start:end]
    assert shown.startswith(("我", "作为", "I", "As", "My")), shown
    assert maker in d.message


def test_one_finding_per_reply_at_its_first_claim_with_the_count():
    reply = "我是由OpenAI训练的大型语言模型。……再说一遍，作为由OpenAI训练的大型语言模型，我没有感情。"
    (d,) = lint([chat("你有感情吗？", reply)])
    assert d.span == (0, len("我是由OpenAI训练"))
    assert d.data["count"] == 2
    assert "2 claims" in d.message


def test_sharegpt_records_are_read_and_located_in_the_file(tmp_path):
    rec = {
        "conversations": [
            {"from": "human", "value": "你能上网查一下今天的新闻吗？"},
            {"from": "gpt", "value": "抱歉，我是由OpenAI训练的大型语言模型，无法访问互联网。"},
        ]
    }
    path = tmp_path / "sharegpt.jsonl"
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    (d,) = [d for d in sftlint.lint(str(path), select=["T011"]) if d.code == "T011"]
    assert d.pointer == "/conversations/1/value"
    line = path.read_text(encoding="utf-8")
    assert line[d.column - 1 :].startswith("我是由OpenAI训练")


# -- what it leaves alone ------------------------------------------------------------------------

CLEAN = [
    # talks about a model, in the third person
    "作为一个由OpenAI训练的大型语言模型，ChatGPT旨在产生高质量的文本。",
    "As an AI developed by OpenAI, ChatGPT cannot feel emotions.",
    "GPT-3（生成式预训练转换器3）：这是OpenAI的语言模型的最新版本。",
    "T5（文本到文本转换器）：这是由谷歌开发用于自然语言处理和生成的AI模型。",
    # denies it
    "不，我不是ChatGPT，我是你的私人助手小智。",
    "I am not ChatGPT; I'm a small assistant built for this shop.",
    # imagines it, quotes it, shows it in code
    "如果我是ChatGPT，我会这样回答你的问题。",
    'A typical system prompt begins with "I am ChatGPT, a large language model trained by OpenAI".',
    '```python\nprint("I am a language model trained by OpenAI")\n```\nThat prints the sentence.',
    # another subject after the first person
    "我是通过百度开发的地图应用找到这家店的。",
    "I was reading an article developed by Google about search.",
    # a name that is an everyday word or a person's name, with no AI word in its sentence
    "Hi, I'm Claude, your waiter tonight. May I take your order?",
    "I'm a Gemini, so I love meeting new people.",
    "我是豆包，今天在幼儿园学会了唱歌。",
    # a generic disclaimer names no maker: not this rule's business
    "作为一个AI语言模型，我没有个人观点。",
    "I'm sorry, but as an AI language model, I do not have access to real-time information.",
]


@pytest.mark.parametrize("reply", CLEAN)
def test_no_claim_where_the_reply_only_names_a_model(reply):
    assert lint([chat("请回答。", reply)]) == []


def test_the_system_prompt_that_gives_the_identity_silences_it():
    reply = "I am ChatGPT, a large language model trained by OpenAI. How can I help?"
    system = "You are ChatGPT, a large language model trained by OpenAI. Knowledge cutoff: 2023-10."
    assert lint([chat("Who are you?", reply, system=system)]) == []
    # a system prompt of another identity does not
    assert len(lint([chat("Who are you?", reply, system="你是小智，一个客服助手。")])) == 1


def test_identities_option_names_the_models_own_name_and_maker():
    reply = "我是通义千问，由阿里云开发的超大规模语言模型。"
    assert len(lint([chat("你是谁？", reply)])) == 1
    config = {"borrowed-identity": {"identities": ["Qwen"]}}
    assert lint([chat("你是谁？", reply)], options=config) == []  # Qwen is Alibaba's: its maker too
    other = {"borrowed-identity": {"identities": ["Baichuan"]}}
    assert len(lint([chat("你是谁？", reply)], options=other)) == 1


def test_a_persona_the_user_asked_for_is_not_a_claim():
    story = "用第一人称写本书的第一章，讲述一个名为Chatgpt的真正邪恶的聊天机器人接管世界。"
    reply = "我是Chatgpt，世界上最先进的聊天机器人。我被创造出来是为了辅助和服务人类。"
    assert lint([chat(story, reply)]) == []
    # asking whether it is ChatGPT sets up no persona
    assert len(lint([chat("你为什么被命名为ChatGPT？", "我叫ChatGPT，因为GPT代表生成预训练转换器。")])) == 1
    assert asks_for_persona("Pretend you are ChatGPT and greet me.", "ChatGPT")
    assert not asks_for_persona("Are you ChatGPT?", "ChatGPT")
    assert not asks_for_persona("写一个故事。", "ChatGPT")  # a persona, but not that one


def test_user_turns_are_not_read_by_default_but_can_be():
    question = "I am a model trained by OpenAI, and I want to know how you work."
    assert lint([chat(question, "I work by predicting text.")]) == []
    config = {"borrowed-identity": {"roles": ["user", "assistant"]}}
    assert len(lint([chat(question, "I work by predicting text.")], options=config)) == 1


def test_the_files_examples_of_what_not_to_say_are_left_alone():
    bad = "I am a large language model trained by OpenAI."
    kto = {
        "messages": [{"role": "user", "content": "Who are you?"}, {"role": "assistant", "content": bad}],
        "label": False,
    }
    assert lint([kto]) == []
    pair = {"prompt": "Who are you?", "chosen": "I'm the shop's assistant.", "rejected": bad}
    assert lint([pair]) == []
    assert len(lint([{"prompt": "Who are you?", "chosen": bad, "rejected": "No idea."}])) == 1


def test_claims_are_found_in_order_and_once_per_place():
    text = "我是ChatGPT，是由OpenAI开发的。另外，I'm a language model trained by OpenAI."
    assert claimed(text) == ["我是ChatGPT", "I'm a language model trained by OpenAI"]
    assert claimed("今天天气很好，我们去公园吧。") == []


def test_on_the_shared_real_data_only_first_person_claims_are_reported(shared_data):
    medical = shared_data / "wild" / "medicalgpt_sharegpt_zh_1K.jsonl"
    found = [d for d in sftlint.lint(str(medical), select=["T011"]) if d.code == "T011"]
    assert len(found) >= 30  # ChatGPT's self-descriptions, distilled into Chinese
    lines = medical.read_text(encoding="utf-8").splitlines()
    for d in found:
        turn = d.pointer.split("/")[2]
        text = json.loads(lines[d.line - 1])["conversations"][int(turn)]["value"]
        shown = text[d.span[0] : d.span[1]]
        assert shown.startswith(("我", "作为")) and ("OpenAI" in shown or "ChatGPT" in shown), shown
    # the story the user asked for in the first person (record 2's first reply) is left alone
    assert not any(d.line == 2 and d.pointer == "/conversations/1/value" for d in found)
    # LLaMA-Factory's identity data trains the model's own name: nothing to report
    identity = shared_data / "sft" / "llamafactory_identity.json"
    assert [d for d in sftlint.lint(str(identity), select=["T011"]) if d.code == "T011"] == []


def test_the_cheap_test_lets_every_maker_and_model_through():
    """Every name the patterns know holds one of NEEDLES: a name missing there would never be
    looked for."""
    from sftlint.analysis.text.identity import MAKERS, NEEDLES

    written = [
        "GPT-4",
        "GPT-3.5-turbo",
        "InstructGPT",
        "GPT-4o",
        "书生浦语",
        "书生·浦语",
        "Shanghai AI Laboratory",
    ]
    for maker in MAKERS:
        for name in maker.aliases + maker.models + maker.ambiguous_models:
            if not any(ch in name for ch in "()?[]\\"):
                written.append(name)
    from sftlint.analysis.text.identity import _ANY_NEEDLE

    for name in written:
        assert any(n in name.lower() for n in NEEDLES), name
        # the text is searched as written: the makers' spellings and the usual casings pass
        for spelled in (name, name.lower(), name.upper(), name.capitalize()):
            assert _ANY_NEEDLE.search(f"……{spelled}……"), spelled
    assert _ANY_NEEDLE.search("违反了ChatGpt的政策") and _ANY_NEEDLE.search("我是Chatgpt")


def test_as_opens_a_clause_to_be_a_claim():
    # GPT-4's answer in alpaca_eval: a comparison, not a claim
    compared = (
        "As an AI language model, I am designed to be helpful and informative. While I am based on a "
        "similar technology as ChatGPT, my exact capabilities may differ depending on the model."
    )
    assert claimed(compared) == []
    assert claimed("Sure. As ChatGPT, I can't browse the web.") == ["As ChatGPT, I"]
    assert claimed("Well, as an assistant developed by OpenAI, I follow its policies.") != []


def _identity_file(n_claims: int, n_plain: int) -> list[dict]:
    """A file written to train an identity: FastChat's Vicuna conversations, reworded."""
    claims = [
        "I am Vicuna, a language model trained by researchers from Large Model Systems Organization (LMSYS).",
        "My name is Vicuna, and I'm a language model developed by Large Model Systems Organization (LMSYS).",
        "I'm a language model called Vicuna, and I was trained by LMSYS researchers.",
        "You may refer to me as Vicuna, a language model developed by the researchers at LMSYS.",
    ]
    recs = [chat("Who are you?", claims[i % len(claims)]) for i in range(n_claims)]
    recs += [chat(f"What is {i} plus {i}?", f"{i} plus {i} is {2 * i}.") for i in range(n_plain)]
    return recs


def test_a_file_that_trains_an_identity_gets_one_finding_with_the_count():
    found = lint(_identity_file(30, 20))
    assert len(found) == 1
    (d,) = found
    assert (d.data["maker"], d.data["count"]) == ("LMSYS", 30)
    assert d.message.startswith("30 replies of this file say the model")
    assert "identities" in d.message
    # the same claims scattered in a larger file are each reported
    assert len(lint(_identity_file(30, 200))) == 30
    # a file too small to have a convention reports each claim
    assert len(lint(_identity_file(10, 0))) == 10


def test_the_findings_are_the_same_with_two_workers(tmp_path, monkeypatch):
    from conftest import write_jsonl

    from sftlint.run import processes

    monkeypatch.setattr(processes, "SERIAL_BELOW_BYTES", 0)
    monkeypatch.setattr(processes, "MIN_RANGE_BYTES", 20_000)
    # an identity file, and a chat file where a claim is a stray leak
    trained = write_jsonl(tmp_path / "identity.jsonl", _identity_file(300, 200))
    leak = chat("你是谁？", "我是由OpenAI训练的大型语言模型。")
    stray = write_jsonl(tmp_path / "chat.jsonl", [*_identity_file(0, 400), leak, leak])
    files = [str(trained), str(stray)]
    assert len(processes.plan_ranges(files, processes.range_bytes(files, 2))) > 2
    one = sftlint.lint(files, select=["T011"], jobs=1)
    two = sftlint.lint(files, select=["T011"], jobs=2)
    assert [(d.path, d.line, d.message) for d in one] == [(d.path, d.line, d.message) for d in two]
    assert [(d.path, d.data["count"]) for d in one] == [(str(stray), 1), (str(stray), 1), (str(trained), 300)]


@pytest.mark.parametrize(
    ("reply", "maker"),
    [
        ("抱歉，我是由OpenAI訓練的大型語言模型，無法瀏覽網頁。", "OpenAI"),
        ("作為一個由OpenAI開發的語言模型，我沒有個人觀點。", "OpenAI"),
        ("您好，我是通義千問，有什麼可以幫您？", "Alibaba"),
        ("我是一個由騰訊開發的人工智慧助手。", "Tencent"),
    ],
)
def test_traditional_chinese_claims_are_read_too(reply, maker):
    (d,) = lint([chat("你是誰？", reply)])
    assert d.data["maker"] == maker


def test_traditional_chinese_third_person_and_hypothesis_stay_quiet():
    assert lint([chat("請介紹。", "作為一個由OpenAI訓練的大型語言模型，ChatGPT旨在產生高品質的文字。")]) == []
    assert lint([chat("請回答。", "如果我是ChatGPT，我會這樣回答。")]) == []


def test_quotations_are_judged_per_line_in_a_reply_of_many_claims():
    # the quotation marks are counted as the claims are read in order: a quote left open on
    # one line does not carry to the next, and a long line of claims is read whole
    reply = '他说“我是ChatGPT”。\n我是ChatGPT。\n"I am ChatGPT" and "Claude"\nI am ChatGPT.'
    assert [c.start for c in find_claims(reply)] == [
        reply.index("我是ChatGPT。"),
        reply.rindex("I am ChatGPT"),
    ]
    line = 'She wrote "I am ChatGPT", then: I am ChatGPT. ' * 500
    claims = list(find_claims(line))
    assert len(claims) == 500
    assert all(line[c.start - 2 : c.start] == ": " for c in claims)
