"""Input formats: detection, mapping to messages, pointers back into the record, schemas."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, chat, codes, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import sftlint
from sftlint.formats import AlpacaFormat, MessagesFormat, ShareGPTFormat


def test_each_fixture_is_detected_and_clean():
    for name, fmt in [
        ("clean_messages.jsonl", "messages"),
        ("clean_sharegpt.json", "sharegpt"),
        ("clean_alpaca.json", "alpaca"),
    ]:
        records = list(sftlint.load_records(FIXTURES / name))
        assert records and all(r.format == fmt for r in records), name
        assert [d for d in sftlint.lint(FIXTURES / name) if d.severity != "info"] == [], name


def test_alpaca_findings_point_at_the_field_not_an_invented_message():
    rec = {"instruction": "你是谁？", "input": "我叫{{user}}", "output": "我是{{name}}。"}
    diags = sftlint.lint([rec], select=["S007"])
    assert [(d.pointer, d.span) for d in diags] == [("/input", (2, 10)), ("/output", (2, 10))]


def test_alpaca_history_and_system_become_turns():
    rec = {
        "system": "你是客服。",
        "history": [["在吗", "在的"]],
        "instruction": "退款",
        "input": "",
        "output": "好的",
    }
    msgs = AlpacaFormat().to_messages(rec)
    assert [(m.role, m.content, m.content_pointer) for m in msgs] == [
        ("system", "你是客服。", "/system"),
        ("user", "在吗", "/history/0/0"),
        ("assistant", "在的", "/history/0/1"),
        ("user", "退款", "/instruction"),
        ("assistant", "好的", "/output"),
    ]


def test_sharegpt_roles_and_tool_calls():
    rec = {
        "conversations": [
            {"from": "human", "value": "查天气"},
            {"from": "function_call", "value": '{"name": "get_weather", "arguments": {"city": "北京"}}'},
            {"from": "observation", "value": "晴"},
            {"from": "gpt", "value": "今天晴。"},
        ]
    }
    msgs = ShareGPTFormat().to_messages(rec)
    assert [m.role for m in msgs] == ["user", "assistant", "tool", "assistant"]
    assert msgs[1].tool_calls and msgs[2].content_pointer == "/conversations/2/value"
    assert [d for d in sftlint.lint([rec]) if d.severity != "info"] == []


def test_content_parts_keep_their_own_pointers():
    rec = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "你好"},
                    {"type": "image_url", "image_url": {}},
                    {"type": "text", "text": "这是{{x}}"},
                ],
            },
            {
                "role": "assistant",
                "content": [{"type": "reasoning", "value": "想一想"}, {"type": "text", "value": "好的"}],
            },
        ]
    }
    msgs = MessagesFormat().to_messages(rec)
    assert msgs[0].content == "你好\n这是{{x}}"
    diags = sftlint.lint([rec], select=["S007"])
    assert [(d.pointer, d.span) for d in diags] == [("/messages/0/content/2/text", (2, 7))]


def test_image_only_message_is_not_empty_and_tool_call_turn_is_not_empty():
    rec = {
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"type": "function", "function": {"name": "f"}}],
            },
            {"role": "tool", "content": "结果"},
            {"role": "assistant", "content": "完成"},
        ]
    }
    assert [d for d in sftlint.lint([rec]) if d.severity != "info"] == []


def test_format_override_and_unknown_format(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"instruction": "a", "output": "b"}) + "\n")
    assert codes(sftlint.lint(p, format="messages", select=["S"])) == ["S001"]
    r = run_cli("check", "--format", "nope", p)
    assert r.code == 2 and "unknown input format" in r.err


def test_unrecognised_records_are_reported():
    assert codes(sftlint.lint([{"body": "hello"}], ignore=["D"])) == ["S001"]


@pytest.mark.parametrize("fmt", [MessagesFormat(), ShareGPTFormat(), AlpacaFormat()], ids=lambda f: f.name)
def test_schema_violations_have_pointers(fmt):
    bad = {"messages": [{"role": 3, "content": 5}], "conversations": [{"from": "human"}], "instruction": 1}
    errors = fmt.schema_errors(bad)
    assert errors and all(p.startswith("/") or p == "" for p, _ in errors)
    assert not fmt.quick_check(bad)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(0, 2)
    | st.sampled_from(["", "user", "text", "x"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "role",
                    "content",
                    "type",
                    "text",
                    "value",
                    "from",
                    "tool_calls",
                    "weight",
                    "name",
                    "instruction",
                    "input",
                    "output",
                    "system",
                    "history",
                    "messages",
                    "conversations",
                    "tools",
                    "tool_call_id",
                    "function_call",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_quick_check_never_accepts_what_the_schema_rejects(value):
    """The fast path must imply schema validity, or S001 would miss violations."""
    for fmt in (MessagesFormat(), ShareGPTFormat(), AlpacaFormat()):
        if fmt.quick_check(value):
            assert fmt.schema_errors(value) == [], (fmt.name, value)


def test_quick_check_accepts_real_records():
    assert MessagesFormat().quick_check(chat(("user", "a"), ("assistant", "b")))
    assert ShareGPTFormat().quick_check({"conversations": [{"from": "human", "value": "a"}], "tools": "[]"})
    assert AlpacaFormat().quick_check(
        {"instruction": "a", "input": "", "output": "b", "history": [["q", "a"]]}
    )


def test_legacy_function_call_and_null_tool_calls_are_tool_turns():
    """OpenAI exports: the legacy ``function_call`` answered by role ``function``, and
    ``"tool_calls": null`` on a turn that calls nothing, are valid and in order."""
    rec = {
        "messages": [
            {"role": "user", "content": "上海今天天气怎么样？", "tool_calls": None},
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "get_weather", "arguments": '{"city": "上海"}'},
            },
            {"role": "function", "name": "get_weather", "content": '{"temp": 21}'},
            {"role": "assistant", "content": "上海今天21度。", "tool_calls": None, "function_call": None},
        ]
    }
    assert MessagesFormat().quick_check(rec)
    assert MessagesFormat().to_messages(rec)[1].tool_calls == [rec["messages"][1]["function_call"]]
    assert codes(sftlint.lint([rec], select=["S"])) == []
    rec["messages"][1]["function_call"] = "get_weather"
    assert codes(sftlint.lint([rec], select=["S001"])) == ["S001"]


def test_input_output_records_are_prompt_and_answer_not_missing_an_instruction():
    """Files written as {input, output} (KnowAgent, lawyer-llama's 法考 set) give the prompt in
    ``input``: each record is complete, so S001 must not report 1,000 missing instructions; a
    record with no prompt at all is still reported."""
    rec = {
        "input": "甲男与乙女于某日中午公开在某公园内发生性关系，造成恶劣的社会影响。对甲、乙的行为应如何认定?",
        "output": "在分析甲男与乙女的行为是否构成犯罪之前，我们需要明确相关法律规定。",
        "type": "主观题",
    }
    assert "S001" not in codes(sftlint.lint([rec], ignore=["D"]))
    msgs = AlpacaFormat().to_messages(rec)
    assert [(m.role, m.content_pointer) for m in msgs] == [("user", "/input"), ("assistant", "/output")]
    for lost in ({"input": "", "output": rec["output"]}, {"output": rec["output"]}):
        found = [d for d in sftlint.lint([lost], ignore=["D"]) if d.code == "S001"]
        assert found and "'instruction' or 'input'" in found[0].message
