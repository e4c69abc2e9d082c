"""Conversations written as lists of speaker-tagged strings (``string-turns``):
``{"history": ["[客户] …", "[律师] …"]}`` and the like, and the lists that are left alone."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli, write_jsonl

import sftlint
from sftlint.formats import detect
from sftlint.formats.string_turns import speaker_turns
from sftlint.plugins import default_registry

LAWS = [
    "《民法典》第一千零八十七条：离婚时，夫妻的共同财产由双方协议处理；协议不成的，由人民法院根据财产的具体情况，"
    "按照照顾子女、女方和无过错方权益的原则判决。"
]


def counsel(*history: str) -> dict:
    """A lawyer-llama multi-turn counsel record: ``query`` repeats the first question, ``laws``
    are the articles retrieved for it."""
    first = history[0].split("] ", 1)[-1]
    return {"query": first, "laws": LAWS, "history": list(history)}


COUNSEL = counsel(
    "[客户] 如果夫妻一方因为赌博而离婚，可否让其净身出户",
    "[律师] 根据《民法典》第一千零九十二条，挥霍夫妻共同财产的一方在分割时可以少分或者不分。请问对方是否有重大过错？",
    "[客户] 是有重大过错。",
    "[律师] 那么根据《民法典》第一千零九十一条，您可以请求对方进行损害赔偿。",
)


def _found(records, **kwargs):
    return [(d.code, d.pointer, d.span) for d in sftlint.lint(records, **kwargs) if d.severity != "info"]


def _turns(record):
    messages = default_registry().formats["string-turns"].to_messages(record)
    return [(m.role, m.content_pointer, m.content) for m in messages]


def test_a_counsel_record_is_read_by_its_tags():
    assert detect([COUNSEL], default_registry().formats) == "string-turns"
    fmt = default_registry().formats["string-turns"]
    assert fmt.quick_check(COUNSEL) and fmt.schema_errors(COUNSEL) == []
    assert _turns(COUNSEL) == [
        ("user", "/history/0", "如果夫妻一方因为赌博而离婚，可否让其净身出户"),
        ("assistant", "/history/1", COUNSEL["history"][1][len("[律师] ") :]),
        ("user", "/history/2", "是有重大过错。"),
        ("assistant", "/history/3", COUNSEL["history"][3][len("[律师] ") :]),
    ]
    assert _found([COUNSEL]) == []  # query and laws are not turns: nothing is read twice


@pytest.mark.parametrize(
    ("history", "roles"),
    [
        # the tags' words decide, wherever they stand
        (
            ["User: 你好", "Assistant: 你好！", "User: 再见", "Assistant: 再见！"],
            "user assistant user assistant",
        ),
        (["[Human] hi", "[Assistant] hello"], "user assistant"),
        (
            ["患者：头痛两天了。", "医生：有没有发热？", "患者：没有。", "医生：先多休息。"],
            "user assistant user assistant",
        ),
        (["【用户】在吗", "【助手】在的，请讲。"], "user assistant"),
        # a greeting first: the agent's word says who it is
        (
            ["[客服] 您好，请问有什么可以帮您？", "[买家] 我要退货", "[客服] 好的，请提供订单号。"],
            "assistant user assistant",
        ),
        # words known to no list: the speaker who opens the conversation is the user
        (
            ["[甲] 明天开会吗？", "[乙] 开，九点。", "[甲] 在哪？", "[乙] 三楼会议室。"],
            "user assistant user assistant",
        ),
        (["Alice: Is the bridge open?", "Ranger: It reopened this morning."], "user assistant"),
        # an instruction is the user's, its response the assistant's (not a system prompt)
        (["Instruction: Translate to French: good morning", "Response: Bonjour"], "user assistant"),
        # a name of several words is known by its last
        (["AI Assistant: How can I help?", "Customer: My order is late."], "assistant user"),
        # a system prompt first, then the two speakers
        (["System: 你是法律顾问。", "问：可以离婚吗？", "答：可以。"], "system user assistant"),
    ],
)
def test_who_is_the_user_comes_from_the_record(history, roles):
    record = {"history": history}
    assert detect([record], default_registry().formats) == "string-turns"
    assert " ".join(role for role, _, _ in _turns(record)) == roles


def test_spans_point_into_the_string_past_the_tag(tmp_path):
    record = counsel(
        "[客户] 婚后买一辆车，离婚了算是共同材产吗",
        "[律师] 婚后购买的车辆一般属于夫妻共同财产，离婚时可以协商分割。",
    )
    path = write_jsonl(tmp_path / "counsel.jsonl", [record])
    result = run_cli("check", path, "--select", "T001", "--output-format", "json")
    (finding,) = result.json()
    text = record["history"][0]
    assert finding["pointer"] == "/history/0"
    start, end = finding["span"]
    assert text[start:end] == "材" and start > len("[客户] ")
    line = path.read_text(encoding="utf-8").splitlines()[0]
    assert line[finding["column"] - 1] == "材"


def test_turn_findings_name_the_tagged_string():
    # two answers in a row, then a question left without an answer, then an empty tagged turn
    twice = counsel("[客户] 孩子抚养权归谁？", "[律师] 一般由双方协商。", "[律师] 协商不成由法院判决。")
    unanswered = counsel("[客户] 怎么起诉离婚？", "[律师] 向法院递交起诉状。", "[客户] 好的，明白了。")
    empty = counsel("[客户] 彩礼要退吗？", "[律师]")
    found = _found([twice, unanswered, empty])
    assert ("S004", "/history/2", None) in found
    assert ("S005", "/history/2", None) in found
    assert ("S003", "/history/1", (4, 4)) in found


def test_a_json_array_file_of_counsel_records(tmp_path):
    path = tmp_path / "counsel.json"
    path.write_text(
        json.dumps([COUNSEL, COUNSEL | {"query": "另一个问题"}], ensure_ascii=False, indent=2), "utf-8"
    )
    result = run_cli("check", path, "--output-format", "json", "--select", "S,T")
    assert result.code == 0, result.out
    assert [f for f in result.json() if f["severity"] != "info"] == []


@pytest.mark.parametrize(
    "history",
    [
        ["[客户] 如何分割房产？", "根据法律规定，婚后房产一般平均分割。"],  # only some strings carry a tag
        ["[客户] 如何分割房产？", "[律师] 一般平均分割。", "[法官] 本院认为……"],  # a third speaker
        ["[客户] 如何分割房产？", "[客户] 车怎么办？"],  # one speaker
        ["[客户] 问题", "[律师] 回答", "System: 晚了的系统提示"],  # a system prompt after the turns
    ],
)
def test_a_list_whose_strings_are_not_all_tagged_is_not_mangled(history):
    record = {"query": history[0], "history": history}
    assert speaker_turns(history) is None
    assert detect([record], default_registry().formats) is None  # S001 names the file's keys
    fmt = default_registry().formats["string-turns"]
    assert fmt.to_messages(record) == [] and not fmt.quick_check(record)
    ((pointer, _message),) = fmt.schema_errors(record)
    assert pointer.startswith("/history")
    # in a file of tagged records, such a record is S001's, at the string that breaks the pattern
    found = _found([COUNSEL, record])
    assert [f for f in found if f[0] != "S001"] == [] and ("S001", pointer, None) in found


def test_a_tag_free_history_is_left_to_s001(tmp_path):
    records = [
        {"query": "如何分割房产？", "history": ["如何分割房产？", "婚后房产一般平均分割。"]},
        {"query": "车怎么办？", "history": ["车怎么办？", "婚后买的车也是共同财产。"]},
    ]
    path = write_jsonl(tmp_path / "untagged.jsonl", records)
    result = run_cli("check", path, "--output-format", "json")
    findings = [f for f in result.json() if f["severity"] != "info"]
    assert [f["code"] for f in findings] == ["S001"]
    assert "matches no known input format" in findings[0]["message"]


def test_alpaca_and_query_response_keep_their_history_pairs():
    qr = {"query": "头痛怎么办？", "response": "多休息。", "history": [["[用户] 你好", "[助手] 你好！"]]}
    alpaca = {"instruction": "翻译", "output": "Hello", "history": ["[用户] 你好", "[助手] 你好！"]}
    formats = default_registry().formats
    assert detect([qr], formats) == "query-response"
    assert detect([alpaca], formats) == "alpaca"


def test_untagged_ultrachat_lists_keep_their_positions():
    # a list whose first strings happen to open with a word and a colon is not a tagged one
    # unless every string carries a tag of one of two speakers
    record = {
        "id": "1",
        "data": ["Note: the meeting moved.", "Understood, I will update the invite.", "Thanks!", "Done."],
    }
    assert [(r, p) for r, p, _ in _turns(record)] == [
        ("user", "/data/0"),
        ("assistant", "/data/1"),
        ("user", "/data/2"),
        ("assistant", "/data/3"),
    ]
    assert _turns(record)[0][2] == "Note: the meeting moved."
