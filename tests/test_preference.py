"""Preference pairs: every shape the preference format reads, and the F rules that compare the
two sides (F001 identical-pair, F002 pair-prompt-mismatch)."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli, write_jsonl

import sftlint
from sftlint.formats import PreferenceFormat, detect
from sftlint.formats.pairs import preference_sides
from sftlint.plugins import default_registry


def _found(records, select="F"):
    return [(d.code, d.pointer) for d in sftlint.lint(records, select=[select]) if d.severity != "info"]


def _diags(records, select="F"):
    return [d for d in sftlint.lint(records, select=[select]) if d.severity != "info"]


ANSWER = "退款一般在 1-3 个工作日内原路退回。"
OTHER = "不知道。"


def _whole(chosen_key: str, rejected_key: str) -> dict:
    """A pair written as two whole conversations under these keys, the answers the same."""
    turns = [{"role": "user", "content": "退货要多久到账？"}, {"role": "assistant", "content": ANSWER}]
    return {chosen_key: turns, rejected_key: [dict(t) for t in turns]}


# one pair in each shape that people publish, the two answers the same; (record, the pointer
# of its rejected answer)
SAME_IN_EVERY_SHAPE = [
    (
        {
            "prompt": [{"role": "user", "content": "退货要多久到账？"}],
            "chosen": [{"role": "assistant", "content": ANSWER}],
            "rejected": [{"role": "assistant", "content": ANSWER}],
        },
        "/rejected/0/content",
    ),
    ({"prompt": "退货要多久到账？", "chosen": ANSWER, "rejected": ANSWER}, "/rejected"),
    (
        {
            "conversations": [{"from": "human", "value": "退货要多久到账？"}],
            "chosen": {"from": "gpt", "value": ANSWER},
            "rejected": {"from": "gpt", "value": ANSWER},
        },
        "/rejected/value",
    ),
    # MedicalGPT's reward data
    (
        {
            "system": "",
            "history": [["你好", "你好！"]],
            "question": "退货要多久到账？",
            "response_chosen": ANSWER,
            "response_rejected": ANSWER,
        },
        "/response_rejected",
    ),
    # the Hub's chosen_response / rejected_response datasets
    (
        {"instruction": "退货要多久到账？", "chosen_response": ANSWER, "rejected_response": ANSWER},
        "/rejected_response",
    ),
    # ms-swift: the conversation's own answer, and the rejected one beside it
    (
        {
            "messages": [
                {"role": "user", "content": "退货要多久到账？"},
                {"role": "assistant", "content": ANSWER},
            ],
            "rejected_response": ANSWER,
        },
        "/rejected_response",
    ),
    ({"query": "退货要多久到账？", "response": ANSWER, "rejected_response": ANSWER}, "/rejected_response"),
    # whole conversations on both sides: LLaMA-Factory v1, ms-swift's rejected_messages
    (_whole("chosen_messages", "rejected_messages"), "/rejected_messages/1/content"),
    (_whole("messages", "rejected_messages"), "/rejected_messages/1/content"),
    # OpenAI's preference fine-tuning (and Together AI's)
    (
        {
            "input": {
                "messages": [{"role": "user", "content": "退货要多久到账？"}],
                "tools": [],
                "parallel_tool_calls": True,
            },
            "preferred_output": [{"role": "assistant", "content": ANSWER}],
            "non_preferred_output": [{"role": "assistant", "content": ANSWER}],
        },
        "/non_preferred_output/0/content",
    ),
    # Anthropic's HH-RLHF transcripts
    (
        {
            "chosen": f"\n\nHuman: 退货要多久到账？\n\nAssistant: {ANSWER}",
            "rejected": f"\n\nHuman: 退货要多久到账？\n\nAssistant: {ANSWER}",
        },
        "/rejected",
    ),
]


def _differing(record: dict, rejected_pointer: str) -> dict:
    """The same record with its rejected answer made another one."""
    out = json.loads(json.dumps(record))
    parts = rejected_pointer.strip("/").split("/")
    target = out
    for p in parts[:-1]:
        target = target[int(p)] if isinstance(target, list) else target[p]
    last = int(parts[-1]) if isinstance(target, list) else parts[-1]
    target[last] = target[last].replace(ANSWER, OTHER)
    return out


@pytest.mark.parametrize(("record", "pointer"), SAME_IN_EVERY_SHAPE, ids=range(len(SAME_IN_EVERY_SHAPE)))
def test_each_shape_is_read_as_a_pair_and_p001_points_at_the_rejected_answer(record, pointer):
    assert detect([record], default_registry().formats) == "preference"
    fmt = PreferenceFormat()
    assert fmt.quick_check(record) and not fmt.schema_errors(record)
    diags = _diags([record])
    assert [(d.code, d.pointer) for d in diags] == [("F001", pointer)]
    assert "the same text as the chosen one" in diags[0].message
    # the span covers the rejected answer in its string (a transcript: the turn inside it)
    d = diags[0]
    target = record
    for p in pointer.strip("/").split("/"):
        target = target[int(p)] if isinstance(target, list) else target[p]
    assert target[d.span[0] : d.span[1]] == ANSWER
    # the same pair with another rejected answer: nothing
    assert _found([_differing(record, pointer)]) == []


def test_shapes_each_lint_both_sides_at_their_pointers():
    record = {
        "messages": [
            {"role": "user", "content": "你好"},
            {"role": "assistant", "content": "你好！\u200b有什么可以帮你？"},
        ],
        "rejected_response": "你好\ufffd",
    }
    got = _found([record], select="T005")
    assert ("T005", "/messages/1/content") in got and ("T005", "/rejected_response") in got
    chosen, rejected = PreferenceFormat().views(record)
    assert [m.content_pointer for m in chosen] == ["/messages/0/content", "/messages/1/content"]
    assert [m.content_pointer for m in rejected] == ["/messages/0/content", "/rejected_response"]


def test_preference_sides_names_the_shape():
    assert preference_sides({"prompt": "q", "chosen": "a", "rejected": "b"}) == (
        "answers",
        "chosen",
        "rejected",
    )
    assert preference_sides({"messages": [], "rejected_messages": []}) == (
        "whole",
        "messages",
        "rejected_messages",
    )
    assert preference_sides({"messages": [], "rejected_response": "b"}) == (
        "own",
        "messages",
        "rejected_response",
    )
    # a plain SFT record is no pair, and neither is a lone rejected answer
    assert preference_sides({"messages": []}) is None
    assert preference_sides({"rejected_response": "b"}) is None
    assert preference_sides(["chosen", "rejected"]) is None


def test_p001_whitespace_only_difference_is_named():
    record = {"prompt": "退货要多久到账？", "chosen": ANSWER, "rejected": ANSWER + " \n"}
    (d,) = _diags([record])
    assert d.code == "F001" and "but for spaces and line breaks" in d.message


def test_p001_leaves_empty_answers_to_s003_and_real_pairs_alone():
    assert _found([{"prompt": "你好", "chosen": "", "rejected": ""}]) == []
    assert ("S003", "/rejected") in _found([{"prompt": "你好", "chosen": "", "rejected": ""}], select="S003")
    # one word apart is a preference, however small
    assert _found([{"prompt": "1+1=?", "chosen": "2", "rejected": "3"}]) == []
    # an SFT file is not read by the F rules at all
    assert (
        _found([{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hi"}]}])
        == []
    )


def _turns(*pairs):
    return [{"role": r, "content": c} for r, c in pairs]


def test_p002_reports_sides_that_answer_different_conversations():
    record = {
        "chosen": _turns(("user", "怎么修改密码？"), ("assistant", "在“设置-账号安全”中修改。")),
        "rejected": _turns(("user", "怎么注销账号？"), ("assistant", "不清楚。")),
    }
    (d,) = _diags([record])
    assert (d.code, d.pointer) == ("F002", "/rejected/0/content")
    assert "turn 0 (user)" in d.message and "怎么注销账号？" in d.message
    # a later user turn that differs, after the same first exchange
    later = {
        "chosen_messages": _turns(
            ("user", "你好"),
            ("assistant", "你好！"),
            ("user", "怎么修改密码？"),
            ("assistant", "在设置中修改。"),
        ),
        "rejected_messages": _turns(
            ("user", "你好"), ("assistant", "你好！"), ("user", "怎么注销账号？"), ("assistant", "不清楚。")
        ),
    }
    assert _found([later]) == [("F002", "/rejected_messages/2/content")]


def test_p002_leaves_answers_that_part_at_an_assistant_turn_alone():
    # trajectory-level preference: the first difference is the assistant's, and what follows
    # (the tool's results) differs because the calls did
    record = {
        "chosen_messages": _turns(
            ("user", "查北京天气"),
            ("assistant", "调用 weather(北京)"),
            ("tool", "晴 25℃"),
            ("assistant", "北京今天晴，25℃。"),
        ),
        "rejected_messages": _turns(
            ("user", "查北京天气"),
            ("assistant", "调用 weather(上海)"),
            ("tool", "多云 22℃"),
            ("assistant", "北京今天多云。"),
        ),
    }
    assert _found([record]) == []
    # whitespace alone in a user turn is the same turn
    spaced = {
        "chosen": _turns(("user", "怎么修改密码？"), ("assistant", "在设置中修改。")),
        "rejected": _turns(("user", " 怎么修改密码？\n"), ("assistant", "不清楚。")),
    }
    assert _found([spaced]) == []


def test_the_rejected_reply_is_not_judged_for_its_quality_but_for_pipeline_damage():
    looped = "好的好的好的好的好的好的好的好的好的好的"
    record = {"prompt": "今天天气怎么样？", "chosen": "今天晴，气温25℃。", "rejected": looped + "\ufffd"}
    found = _found([record], select="ALL")
    assert ("T009", "/rejected") not in found  # a looping reply is what a rejected answer is for
    assert ("T005", "/rejected") in found  # a replacement character is the pipeline's damage
    # the same loop in the chosen answer is reported
    chosen_loop = {"prompt": "今天天气怎么样？", "chosen": looped, "rejected": "不知道"}
    assert ("T009", "/chosen") in _found([chosen_loop], select="T009")


def test_cli_reports_p001_with_its_line_and_column(tmp_path):
    path = tmp_path / "dpo.jsonl"
    write_jsonl(
        path,
        [
            {"prompt": "1+1=?", "chosen": "2", "rejected": "3"},
            {"prompt": "你好", "chosen": ANSWER, "rejected": ANSWER},
        ],
    )
    result = run_cli("check", str(path), "--select", "F", "--output-format", "json")
    assert result.code == 1
    (d,) = result.json()
    line = path.read_text(encoding="utf-8").splitlines()[1]
    assert d["code"] == "F001" and d["line"] == 2 and d["pointer"] == "/rejected"
    assert line[d["column"] - 1 :] == ANSWER + '"}'


def test_f003_reports_a_pair_that_an_earlier_record_prefers_the_other_way():
    a, b = "《机器学习》（周志华）", "《深度学习》"
    records = [
        {"prompt": "推荐一本入门的机器学习书", "chosen": a, "rejected": b},
        {"prompt": "推荐一本机器学习的书", "chosen": b, "rejected": a},  # another prompt: no conflict
        {"prompt": "推荐一本入门的机器学习书", "chosen": a, "rejected": "不知道"},  # another answer
        {"prompt": "推荐一本入门的机器学习书", "chosen": b + " ", "rejected": a},  # the other way round
    ]
    diags = _diags(records, select="F003")
    assert [(d.code, d.record, d.line) for d in diags] == [("F003", 3, 4)]
    assert "the record at line 1 prefers this record's rejected answer" in diags[0].message


def test_f003_reads_whole_conversation_sides_and_other_files_of_the_run(tmp_path):
    turn = {"role": "user", "content": "1+1=?"}
    right, wrong = {"role": "assistant", "content": "2"}, {"role": "assistant", "content": "3"}
    first = write_jsonl(tmp_path / "a.jsonl", [{"chosen": [turn, right], "rejected": [turn, wrong]}])
    second = write_jsonl(
        tmp_path / "b.jsonl", [{"chosen_messages": [turn, wrong], "rejected_messages": [turn, right]}]
    )
    diags = [d for d in sftlint.lint([str(first), str(second)], select=["F003"])]
    assert [(d.code, d.path, d.line) for d in diags] == [("F003", str(second), 1)]
    assert f"{first}:1" in diags[0].message
    # the same preference twice is D001's (a copy), not a contradiction
    assert _found([{"prompt": "q", "chosen": "2", "rejected": "3"}] * 2, select="F003") == []


def test_openai_preference_records_declare_tools_in_their_input():
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]

    def record(name, arguments):
        call = {"id": "c1", "type": "function", "function": {"name": name, "arguments": arguments}}
        return {
            "input": {
                "messages": [{"role": "user", "content": "What's the weather in Paris?"}],
                "tools": tools,
            },
            "preferred_output": [{"role": "assistant", "content": None, "tool_calls": [call]}],
            "non_preferred_output": [{"role": "assistant", "content": "It is sunny."}],
        }

    assert _found([record("get_weather", '{"city": "Paris"}')], select="C") == []
    found = _found(
        [record("get_wether", '{"city": "Paris"}'), record("get_weather", '{"town": "Paris"}')], select="C"
    )
    assert ("C002", "/preferred_output/0/tool_calls/0/function/name") in found
    assert any(code == "C003" for code, _ in found)


@pytest.mark.parametrize(("record", "pointer"), SAME_IN_EVERY_SHAPE, ids=range(len(SAME_IN_EVERY_SHAPE)))
def test_a_side_of_the_wrong_type_is_refused_by_the_quick_check_and_the_schema(record, pointer):
    # the quick check may only accept what the schema accepts, in every layout
    fmt = PreferenceFormat()
    side = pointer.strip("/").split("/")[0]
    broken = {**record, side: 5}
    assert not fmt.quick_check(broken)
    assert fmt.schema_errors(broken)
