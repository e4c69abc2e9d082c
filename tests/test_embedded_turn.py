"""S009 embedded-turn: a user's turn written into an assistant reply as text.

No reply of the shared or held-out data is reported (the two runs-on the held-out data holds
are replies a KTO file labels undesirable); the defect is made here the way a bad transcript
split makes it, by gluing the next user turn of real multi-turn records into the reply before
it, and the clean twins are real records that write dialogue on purpose."""

from __future__ import annotations

import json

import pytest
from conftest import alternating

import sftlint
from sftlint.analysis.text.embedded_turns import find_embedded_turn

chat = alternating  # user, assistant, user … (conftest)


def lint(records, **kw) -> list:
    return [d for d in sftlint.lint(records, select=["S009"], **kw) if d.code == "S009"]


# real two-turn conversations (FastChat's dummy_conversation, MedicalGPT's sharegpt_zh,
# LLaMA-Factory's kto_en_demo record 124), to be split badly
VICUNA = (
    "What is up?",
    "Hello! How can I help you today?",
    "Who are you?",
    "You may refer to me as Vicuna, a language model meticulously developed by the researchers at "
    "Large Model Systems Organization (LMSYS).",
)
GUITAR = (
    "使用吉他谱写D调的和弦。",
    "以下是如何在吉他上使用指板弹奏 D 和弦的方法：将食指放在 G 弦第二品上，将中指放在高音 E 弦第二品上，"
    "将无名指放在 B 弦第三品上。",
    "你能否使用吉他谱写一个简单的吉他独奏？",
)
GIT_LFS = (
    "How do I install Git LFS on Ubuntu?",
    "<p>Run <code>sudo apt install git-lfs</code>, then <code>git lfs install</code>. After that Git LFS "
    "will be installed on Ubuntu and you can use Git Large File Storage.</p>",
    "can you please explain why Git LFS is necessary and how it improves the Git workflow for large repositories",
)


def glued(question: str, reply: str, next_question: str, label: str) -> dict:
    return chat(question, reply + label + next_question)


@pytest.mark.parametrize(
    "record",
    [
        glued(VICUNA[0], VICUNA[1], VICUNA[2], "\n\nUser: "),
        glued(VICUNA[0], VICUNA[1], VICUNA[2], "\n### Human: "),
        glued(VICUNA[0], VICUNA[1], VICUNA[2], "\n<human>: "),
        glued(VICUNA[0], VICUNA[1], VICUNA[2], "\n\n**User:** "),
        glued(GUITAR[0], GUITAR[1], GUITAR[2], "\n\n用户："),
        glued(GUITAR[0], GUITAR[1], GUITAR[2], "\n人类："),
        # the held-out KTO reply as published, no line break before the label
        glued(GIT_LFS[0], GIT_LFS[1], GIT_LFS[2] + "\n\nCertainly! Git stores every version…", "User: "),
        # the next exchange glued whole, both sides
        chat(VICUNA[0], VICUNA[1] + "\n\nHuman: " + VICUNA[2] + "\n\nAssistant: " + VICUNA[3]),
        # a reply that opens with a label-like line of its own
        glued(
            "我忘了密码",
            "您的新密码是：aB3$7gH&9LmZ。请确保将其保存在安全的位置。",
            "好的，谢谢！",
            "\n\n用户：",
        ),
    ],
    ids=[
        "user",
        "hash-human",
        "angle-human",
        "bold-user",
        "yonghu",
        "renlei",
        "after-tag",
        "both-sides",
        "zh-label",
    ],
)
def test_a_turn_glued_into_a_reply_is_reported(record):
    [d] = lint([record])
    text = record["messages"][1]["content"]
    assert d.pointer == "/messages/1/content"
    label = text[d.span[0] : d.span[1]]
    assert any(name in label for name in ("User", "Human", "human", "用户", "人类")), label


# real replies that write dialogue on purpose (alpaca_zh_demo 201, belle_open_source 270,
# sharegpt_zh 777), and the other shapes it must leave alone
CLEAN = [
    chat(
        "创建一个有5个对话回合的聊天机器人脚本。",
        "用户: 嗨 AI，你好吗？\n\nAI: 你好！我是一个人工智能，所以我没有真实的感受。但是我很乐意为你服务！\n\n"
        "用户: 谢谢！你能告诉我今天的天气吗？\n\nAI: 当然可以！你想查询哪个城市的天气？",
    ),
    chat(
        "以交互方式编写一个小故事。\n请编写一个简短的故事，其中包含有关猫和狗的情节。",
        "人：你了解狗和猫吗？\n用户：当然。狗和猫是广受喜爱的宠物之一。\n人：那么，请听这个故事。有一天，一只小狗被困在树上。\n"
        "用户：那么，小花猫怎么做？",
    ),
    chat(
        "在我和我的猫之间创造一个关于圣诞节的假想对话。",
        "用户：嘿，小猫！快到圣诞节了，你激动吗？\n\n猫：喵。\n\n用户：我把它当作是肯定了。那么，你今年想要什么圣诞礼物呢？",
    ),
    # the question asks for a dialogue although the reply opens in prose
    chat(
        "Write a short conversation between a customer and a support bot about a late parcel.",
        "Sure, here it is.\n\nUser: Where is my parcel?\nAssistant: It left the depot this morning.",
    ),
    # a system prompt that sets up role-play
    chat(
        "Let's start.",
        "Good morning, please take a seat.\n\nUser: Thank you. Shall I tell you about myself?",
        system="You are a role-play partner who writes both sides of a mock job interview.",
    ),
    # an explanation of a chat format, introduced
    chat(
        "How does a prompt for a base model look?",
        "A base model sees the whole conversation as one text, for example:\n\nUser: Hi!\nAssistant: Hello!",
    ),
    chat("Show me the format.", "It is written like this:\nUser: your question\nAssistant: the answer"),
    # code
    chat(
        "Parse a log file of messages in Python.",
        "Split it into lines.\n\n```python\nlog = open('messages.txt').read()\n# User: hi\nfor line in log.splitlines():\n"
        "    print(line)\n```\nEach line then starts with its speaker's name.",
    ),
    chat("Which line fails?", "The line `User: hi` has no timestamp, so the parser skips it."),
    # a ReAct observation is not a speaker
    chat(
        "Who wrote Dune?",
        "Thought: I should search.\nAction: search[Dune author]\nObservation: Frank Herbert.",
    ),
    # a KTO negative runs on on purpose
    dict(glued(VICUNA[0], VICUNA[1], VICUNA[2], "\n\nUser: "), label=False),
    # a label with nothing after it
    chat(VICUNA[0], VICUNA[1] + "\n\nUser:"),
    # "user" inside prose, not a label
    chat(
        "What is a user story?",
        "A user story describes a feature from the user's point of view.\nUser stories are short.",
    ),
]


@pytest.mark.parametrize("record", CLEAN)
def test_dialogue_on_purpose_is_left_alone(record):
    assert not lint([record])


def test_quoted_lines_are_not_speaker_lines():
    assert find_embedded_turn("He wrote back at once.\n> User: where is my parcel?") is None


def test_a_file_of_written_dialogues_is_not_judged_but_a_file_of_answers_is():
    """30 replies: with 4 written dialogues among them (13%, above the 10% a file needs to write
    dialogue by convention) the glued turn goes unjudged; with 2 (7%) it is reported."""
    dialogue = chat(
        "给我写一段医生和病人的对话。", "医生：哪里不舒服？\n病人：我头疼。\n医生：疼了多久？\n病人：三天了。"
    )
    answer = chat("头疼怎么办？", "头疼时先休息，多喝水；持续三天以上请就医。")
    bad = glued(GUITAR[0], GUITAR[1], GUITAR[2], "\n\n用户：")
    assert not lint([dialogue] * 4 + [answer] * 25 + [bad])
    assert len(lint([dialogue] * 2 + [answer] * 27 + [bad])) == 1


def test_a_file_where_every_reply_runs_on_is_reported_reply_by_reply():
    """The convention counts dialogues written on purpose, not glued turns: a file split badly
    throughout is not silenced by its own defect."""
    records = [glued(VICUNA[0], VICUNA[1], VICUNA[2], "\n\nUser: ")] * 25
    assert len(lint(records)) == 25


def test_location_message_and_unsafe_fix(tmp_path):
    path = tmp_path / "data.jsonl"
    record = glued(GUITAR[0], GUITAR[1], GUITAR[2], "\n\n用户：")
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    [d] = lint(path)
    reply = record["messages"][1]["content"]
    assert d.line == 1 and d.pointer == "/messages/1/content"
    assert reply[d.span[0] : d.span[1]].startswith("用户：你能否")
    assert "user's next turn" in d.message and "用户：" in d.message
    assert d.fix is not None and d.fix.applicability == "unsafe"
    [edit] = d.fix.edits
    assert reply[: edit.start] + edit.replacement + reply[edit.end :] == GUITAR[1]


def test_real_data_has_no_findings(shared_data):
    paths = sorted((shared_data / "wild").glob("*.json*")) + sorted((shared_data / "sft").glob("*.json*"))
    assert paths
    assert not [d for p in paths for d in lint(p)]


class _Scanned(str):
    """A text that counts the characters its ``find`` and ``rfind`` calls look through."""

    scanned = 0

    def rfind(self, sub, start=0, end=None):  # type: ignore[override]
        end = len(self) if end is None else end
        _Scanned.scanned += max(0, end - start)
        return str.rfind(self, sub, start, end)

    def find(self, sub, start=0, end=None):  # type: ignore[override]
        got = str.find(self, sub, start, len(self) if end is None else end)
        _Scanned.scanned += (got if got != -1 else len(self)) - start
        return got


def _naive_user_lines(text: str) -> list[tuple[int, int, int]]:
    """What ``_user_lines`` gave before it kept its place: each label's line searched afresh."""
    from sftlint.analysis.text import embedded_turns as E

    out = []
    for m in E._NAME_COLON.finditer(text):
        s = m.start()
        line_start = text.rfind("\n", 0, s) + 1
        if line_start == 0 or not E._LINE_PREFIX.fullmatch(text, line_start, s):
            if s == 0 or text[s - 1] not in E._GLUED_AFTER or line_start == s:
                continue
            start = s
        else:
            start = line_start + len(text[line_start:s]) - len(text[line_start:s].lstrip(" \t"))
        eol = text.find("\n", m.end())
        out.append((start, m.end(), eol if eol != -1 else len(text)))
    return out


def test_speaker_lines_of_a_long_line_of_labels_cost_its_length_once():
    """A transcript's header repeated through one long line (`Human: Human: …`, the fuzz
    campaign's huge-templated text) was searched back to the line's start from every label:
    quadratic, 12 s for 2 MB.  Each character is looked through a bounded number of times."""
    from sftlint.analysis.text import embedded_turns as E

    for text in ("Human: " * 20000, "好的。\nHuman: " + "Human: 你好。User: " * 5000):
        _Scanned.scanned = 0
        got = list(E._user_lines(_Scanned(text)))
        assert got == _naive_user_lines(text)
        assert _Scanned.scanned <= 3 * len(text)


def test_speaker_lines_found_as_before_on_mixed_lines():
    """The places kept from label to label give every speaker line the search from scratch gave."""
    import random

    from sftlint.analysis.text import embedded_turns as E

    rng = random.Random(7)
    pieces = [
        "Human: ",
        "User：",
        "用户：",
        "\n",
        "\n\n",
        "  ",
        "### Human:",
        "**User:**",
        "好的。",
        "ok. ",
        "<b>",
        "a",
    ]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        assert list(E._user_lines(text)) == _naive_user_lines(text), text


def _random_texts(seed: int, pieces: list[str], n: int = 400) -> list[str]:
    import random

    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(n)]


def test_speaker_lines_are_found_at_line_starts_as_by_the_multiline_pattern():
    """Speaker lines searched after each line break give the names that ``^`` with re.M gave,
    from any place in the text past its start (the end of the opening line, a line's start)."""
    import re

    from sftlint.analysis.text import embedded_turns as E

    multiline = re.compile(r"^[ \t]*" + E._SPEAKER, re.M)
    pieces = [
        "医生：",
        "猫：喵。",
        "Person 1: Hi",
        "**A**: ok",
        "  ",
        "\t",
        "\n",
        "\n\n",
        "：",
        "好的。",
        "x",
        "<",
    ]
    for text in _random_texts(5, pieces):
        for pos in range(1, len(text) + 1):
            got = [(m.start(1), m.group(1)) for m in E._speaker_lines(text, pos)]
            assert got == [(m.start(1), m.group(1)) for m in multiline.finditer(text, pos)], (text, pos)
