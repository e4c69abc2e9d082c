"""C rules (structured tool calls) on files of five real-looking records each.

Every planted defect sits in one record of a five-record file written the way public
tool-calling data is written (OpenAI messages with ``tool_calls``; LLaMA-Factory ShareGPT with
``function_call`` / ``observation`` turns and ``tools`` as a JSON string; content parts), and
must be found there with its pointer; the same file without the defect (its clean twin)
yields no C finding and no error at all.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

import sftlint

WEATHER = {
    "name": "get_weather",
    "description": "查询城市天气",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "城市名"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city"],
    },
}
ORDER = {
    "name": "query_order",
    "description": "按订单号查询订单状态",
    "parameters": {
        "type": "object",
        "properties": {"order_id": {"type": "string", "description": "订单号"}},
        "required": ["order_id"],
    },
}
REFUND = {
    "name": "apply_refund",
    "description": "为订单申请退款",
    "parameters": {
        "type": "object",
        "properties": {
            "order_id": {"type": "string"},
            "amount": {"type": "number", "description": "退款金额（元）"},
            "reason": {"type": "string"},
        },
        "required": ["order_id", "amount"],
    },
}
TOOLS = [WEATHER, ORDER, REFUND]

#: (user question, tool, arguments, tool result, final answer)
DIALOGUES = [
    (
        "上海明天天气怎么样？",
        "get_weather",
        {"city": "上海"},
        {"weather": "多云", "temp": 22},
        "上海明天多云，22度。",
    ),
    (
        "帮我查一下订单 20240518001 到哪了",
        "query_order",
        {"order_id": "20240518001"},
        {"status": "已发货"},
        "您的订单已发货。",
    ),
    (
        "订单 20240601007 的耳机坏了，我要退款 199 元",
        "apply_refund",
        {"order_id": "20240601007", "amount": 199, "reason": "商品损坏"},
        {"refund_id": "R8812", "status": "处理中"},
        "已为您提交退款申请，单号 R8812。",
    ),
    (
        "北京今天多少度？用华氏度",
        "get_weather",
        {"city": "北京", "unit": "fahrenheit"},
        {"temp": 68},
        "北京今天68华氏度。",
    ),
    (
        "订单 20240422113 发货了吗",
        "query_order",
        {"order_id": "20240422113"},
        {"status": "待发货"},
        "您的订单还在等待发货。",
    ),
]


def openai_records() -> list[dict[str, Any]]:
    out = []
    for k, (question, tool, args, result, answer) in enumerate(DIALOGUES):
        cid = f"call_{k}a{k * 7}"
        out.append(
            {
                "messages": [
                    {"role": "system", "content": "你是电商平台的客服助手，可以调用工具查询信息。"},
                    {"role": "user", "content": question},
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": cid,
                                "type": "function",
                                "function": {"name": tool, "arguments": json.dumps(args, ensure_ascii=False)},
                            }
                        ],
                    },
                    {"role": "tool", "tool_call_id": cid, "content": json.dumps(result, ensure_ascii=False)},
                    {"role": "assistant", "content": answer},
                ],
                "tools": [{"type": "function", "function": t} for t in TOOLS],
            }
        )
    return out


def sharegpt_records() -> list[dict[str, Any]]:
    out = []
    for question, tool, args, result, answer in DIALOGUES:
        call = json.dumps({"name": tool, "arguments": args}, ensure_ascii=False)
        out.append(
            {
                "conversations": [
                    {"from": "human", "value": question},
                    {"from": "function_call", "value": call},
                    {"from": "observation", "value": json.dumps(result, ensure_ascii=False)},
                    {"from": "gpt", "value": answer},
                ],
                "system": "你是电商平台的客服助手。",
                "tools": json.dumps(TOOLS, ensure_ascii=False),
            }
        )
    return out


def parts_records() -> list[dict[str, Any]]:
    """LLaMA-Factory's content-part layout (reason_tool_use): a ``tool_call`` part holds the call."""
    out = []
    for question, tool, args, result, answer in DIALOGUES:
        call = json.dumps({"name": tool, "arguments": args}, ensure_ascii=False)
        out.append(
            {
                "messages": [
                    {"role": "user", "content": [{"type": "text", "value": question}]},
                    {
                        "role": "assistant",
                        "content": [
                            {"type": "reasoning", "value": f"用户的问题需要调用 {tool}。"},
                            {"type": "tool_call", "value": call},
                        ],
                    },
                    {
                        "role": "tool",
                        "content": [{"type": "text", "value": json.dumps(result, ensure_ascii=False)}],
                    },
                    {"role": "assistant", "content": [{"type": "text", "value": answer}]},
                ],
                "tools": json.dumps([{"type": "function", "function": t} for t in TOOLS], ensure_ascii=False),
            }
        )
    return out


def swift_records() -> list[dict[str, Any]]:
    """ms-swift's agent format: each call a ``tool_call`` turn holding the call as JSON, each
    result a ``tool_response`` turn, ``tools`` a JSON string; one record thinks first, one
    makes two calls in parallel (consecutive ``tool_call`` turns, then their results)."""
    tools = json.dumps([{"type": "function", "function": t} for t in TOOLS], ensure_ascii=False)
    out = []
    for k, (question, tool, args, result, answer) in enumerate(DIALOGUES):
        call = json.dumps({"name": tool, "arguments": args}, ensure_ascii=False)
        turns = [{"role": "user", "content": question}]
        if k == 1:
            turns.append(
                {"role": "assistant", "content": f"<think>\n用户的问题需要调用 {tool}。\n</think>\n"}
            )
        turns.append({"role": "tool_call", "content": call})
        if k == 3:
            second = json.dumps({"name": tool, "arguments": {"city": "上海"}}, ensure_ascii=False)
            turns.append({"role": "tool_call", "content": second})
        turns.append({"role": "tool_response", "content": json.dumps(result, ensure_ascii=False)})
        if k == 3:
            turns.append({"role": "tool_response", "content": json.dumps({"temp": 71}, ensure_ascii=False)})
        turns.append({"role": "assistant", "content": answer})
        out.append({"tools": tools, "messages": turns})
    return out


def write(tmp_path: Path, records: list[dict[str, Any]], name: str = "data.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def c_findings(path: Path, **kw: Any) -> list[Any]:
    return [d for d in sftlint.lint(path, **kw) if d.code.startswith("C")]


def errors(path: Path) -> list[Any]:
    return [d for d in sftlint.lint(path) if d.severity == "error"]


@pytest.mark.parametrize("make", [openai_records, sharegpt_records, parts_records, swift_records])
def test_clean_files_are_silent(make, tmp_path):
    path = write(tmp_path, make())
    assert errors(path) == []
    assert c_findings(path) == []


# -- planted defects, messages form ----------------------------------------------------


def _openai_call(rec: dict[str, Any]) -> dict[str, Any]:
    return rec["messages"][2]["tool_calls"][0]


def test_openai_arguments_not_json(tmp_path):
    recs = openai_records()
    _openai_call(recs[1])["function"]["arguments"] = '{"order_id": "20240518001"'  # truncated
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.line, d.pointer) == ("C001", 2, "/messages/2/tool_calls/0/function/arguments")
    assert d.span == (26, 26) and "not valid JSON" in d.message  # where the text stops


def test_openai_python_dict_arguments_are_named(tmp_path):
    recs = openai_records()
    _openai_call(recs[0])["function"]["arguments"] = "{'city': '上海'}"
    (d,) = c_findings(write(tmp_path, recs))
    assert d.code == "C001" and "Python dict literal" in d.message and d.span == (1, 2)


def test_openai_undeclared_tool(tmp_path):
    recs = openai_records()
    _openai_call(recs[3])["function"]["name"] = "get_weather_forecast"
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.line, d.pointer) == ("C002", 4, "/messages/2/tool_calls/0/function/name")
    assert "get_weather_forecast" in d.message


def test_openai_wrong_argument_key(tmp_path):
    recs = openai_records()
    _openai_call(recs[2])["function"]["arguments"] = json.dumps(
        {"order_id": "20240601007", "amount": 199, "reasons": "商品损坏"}, ensure_ascii=False
    )
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.line, d.pointer) == ("C003", 3, "/messages/2/tool_calls/0/function/arguments")
    args = _openai_call(recs[2])["function"]["arguments"]
    assert args[d.span[0] : d.span[1]] == '"reasons"'
    assert "unknown argument 'reasons'" in d.message and "did you mean 'reason'" in d.message


def test_openai_misspelt_required_key_is_missing_and_unknown(tmp_path):
    recs = openai_records()
    _openai_call(recs[1])["function"]["arguments"] = '{"orderid": "20240518001"}'
    found = c_findings(write(tmp_path, recs))
    assert [d.code for d in found] == ["C003", "C003"]
    messages = " | ".join(d.message for d in found)
    assert "required argument 'order_id' is missing" in messages and "unknown argument 'orderid'" in messages


def test_openai_wrong_type_and_enum(tmp_path):
    recs = openai_records()
    _openai_call(recs[2])["function"]["arguments"] = '{"order_id": "20240601007", "amount": "199元"}'
    _openai_call(recs[3])["function"]["arguments"] = '{"city": "北京", "unit": "F"}'
    found = c_findings(write(tmp_path, recs))
    assert [(d.code, d.line) for d in found] == [("C003", 3), ("C003", 4)]
    assert "'amount' must be number, got string" in found[0].message
    assert "'unit' must be one of ['celsius', 'fahrenheit'], got 'F'" in found[1].message


def test_object_arguments_point_at_the_argument(tmp_path):
    recs = openai_records()
    for r in recs:  # the whole file writes arguments as objects (no C005)
        fn = _openai_call(r)["function"]
        fn["arguments"] = json.loads(fn["arguments"])
    del _openai_call(recs[2])["function"]["arguments"]["amount"]
    _openai_call(recs[0])["function"]["arguments"]["unit"] = "kelvin"
    found = c_findings(write(tmp_path, recs))
    assert [(d.code, d.line, d.pointer) for d in found] == [
        ("C003", 1, "/messages/2/tool_calls/0/function/arguments/unit"),
        ("C003", 3, "/messages/2/tool_calls/0/function/arguments"),
    ]


def test_openai_unmatched_tool_call_id(tmp_path):
    recs = openai_records()
    recs[4]["messages"][3]["tool_call_id"] = "call_9z"
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.line, d.pointer) == ("C004", 5, "/messages/3/tool_call_id")
    assert "call_9z" in d.message and "call_4a28" in d.message


def test_openai_unanswered_call(tmp_path):
    recs = openai_records()
    del recs[1]["messages"][3]  # the tool result is gone: the assistant answers itself
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.line, d.pointer) == ("C004", 2, "/messages/2/tool_calls/0/id")
    assert "never answered" in d.message


def test_openai_one_of_two_parallel_calls_unanswered(tmp_path):
    recs = openai_records()
    calls = recs[0]["messages"][2]["tool_calls"]
    calls.append(
        {
            "id": "call_bj",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "北京"}'},
        }
    )
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.pointer) == ("C004", "/messages/2/tool_calls/1/id") and "call_bj" in d.message


def test_a_call_that_ends_the_conversation_is_a_target_not_unanswered(tmp_path):
    """Samples that teach *when* to call end with the call (OpenAI's fine-tuning format)."""
    recs = openai_records()
    for r in recs:
        del r["messages"][3:]
    assert c_findings(write(tmp_path, recs)) == []


def test_legacy_function_call(tmp_path):
    recs = openai_records()
    for r in recs:
        call = r["messages"][2].pop("tool_calls")[0]
        r["messages"][2]["function_call"] = call["function"]
        r["messages"][3] = {"role": "function", "name": call["function"]["name"], "content": "{}"}
        r["functions"] = r.pop("tools")
        r["functions"] = [t["function"] for t in r["functions"]]
    path = write(tmp_path, recs)
    assert errors(path) == []
    assert c_findings(path) == []
    recs[1]["messages"][2]["function_call"]["name"] = "search_order"
    recs[1]["messages"][3]["name"] = "search_order"
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.pointer) == ("C002", "/messages/2/function_call/name")
    recs[1]["messages"][3]["name"] = "query_order"
    recs[1]["messages"][2]["function_call"]["name"] = "query_order"
    recs[2]["messages"][3]["name"] = "query_order"  # the result of another tool than the one called
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.line, d.pointer) == ("C004", 3, "/messages/3/name")
    recs[2]["messages"][3]["name"] = "apply_refund"
    recs[0]["messages"][2]["function_call"]["arguments"] = "{city: 上海}"
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.pointer) == ("C001", "/messages/2/function_call/arguments")


# -- planted defects, ShareGPT form ----------------------------------------------------


def test_sharegpt_function_call_not_json(tmp_path):
    recs = sharegpt_records()
    recs[2]["conversations"][1]["value"] = recs[2]["conversations"][1]["value"][:-2]
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.line, d.pointer) == ("C001", 3, "/conversations/1/value")
    assert d.span is not None and "the function call is not valid JSON" in d.message


def test_sharegpt_undeclared_tool(tmp_path):
    recs = sharegpt_records()
    recs[1]["conversations"][1]["value"] = recs[1]["conversations"][1]["value"].replace(
        "query_order", "check_order"
    )
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.line, d.pointer) == ("C002", 2, "/conversations/1/value")
    value = recs[1]["conversations"][1]["value"]
    assert value[d.span[0] : d.span[1]] == '"check_order"'


def test_sharegpt_missing_required_argument(tmp_path):
    recs = sharegpt_records()
    recs[4]["conversations"][1]["value"] = json.dumps({"name": "query_order", "arguments": {}})
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.line, d.pointer) == ("C003", 5, "/conversations/1/value")
    assert "required argument 'order_id' is missing" in d.message


def test_sharegpt_wrong_argument_key(tmp_path):
    recs = sharegpt_records()
    recs[0]["conversations"][1]["value"] = json.dumps(
        {"name": "get_weather", "arguments": {"city": "上海", "date": "明天"}}, ensure_ascii=False
    )
    (d,) = c_findings(write(tmp_path, recs))
    value = recs[0]["conversations"][1]["value"]
    assert d.code == "C003" and value[d.span[0] : d.span[1]] == '"date"'


def test_sharegpt_call_not_followed_by_observation(tmp_path):
    recs = sharegpt_records()
    del recs[3]["conversations"][2]
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.line, d.pointer) == ("C004", 4, "/conversations/1/value")
    assert "never answered" in d.message


def test_sharegpt_observation_without_call_is_role_order(tmp_path):
    """A result that follows no calling turn is S004's (role order), reported once."""
    recs = sharegpt_records()
    recs[1]["conversations"][1] = {"from": "gpt", "value": "好的，我帮您查一下。"}
    found = [d for d in sftlint.lint(write(tmp_path, recs)) if d.severity == "error"]
    assert [(d.code, d.pointer) for d in found] == [("S004", "/conversations/2/from")]


def test_sharegpt_tools_string_not_json(tmp_path):
    recs = sharegpt_records()
    recs[2]["tools"] = recs[2]["tools"][:-1]
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.pointer) == ("C001", "/tools") and "tools declaration is not valid JSON" in d.message


def test_call_with_empty_tools_is_undeclared_unless_the_prompt_names_it(tmp_path):
    recs = sharegpt_records()
    recs[1]["tools"] = "[]"
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.line) == ("C002", 2) and "tools is empty" in d.message
    recs[1]["system"] = "你可以调用 query_order 查询订单。"
    assert c_findings(write(tmp_path, recs)) == []


def _toolace(call_name: str, args: dict[str, Any]) -> dict[str, Any]:
    """A ToolACE conversion: ``tools`` left ``"[]"``, the tools listed as JSON in the system prompt."""
    listed = [
        {
            "name": "Market Trends API",
            "description": "Get the latest market trends for a country.",
            "parameters": {
                "type": "dict",
                "properties": {"trend_type": {"type": "string"}, "country": {"type": "string"}},
                "required": ["trend_type"],
            },
        },
        {
            "name": "SEC Filings",
            "description": "Returns a list of SEC Filings for a company.",
            "parameters": {
                "type": "dict",
                "properties": {"identifier": {"type": "string"}},
                "required": ["identifier"],
            },
        },
    ]
    return {
        "conversations": [
            {"from": "human", "value": "Could you get me the top market trends in the US?"},
            {"from": "function_call", "value": json.dumps({"name": call_name, "arguments": args})},
            {
                "from": "observation",
                "value": json.dumps({"trends": [{"name": "S&P 500", "change": "+0.68%"}]}),
            },
            {"from": "gpt", "value": "The S&P 500 is up 0.68% today."},
        ],
        "system": "You are an expert in composing functions.\nHere is a list of functions in JSON format that you "
        f"can invoke:\n{json.dumps(listed)}. \nShould you decide to return the function call(s), put it in the tools call section.",
        "tools": "[]",
    }


def test_empty_tools_reads_the_json_tool_list_of_the_system_prompt(tmp_path):
    """ToolACE's converted calls name ``API`` for ``Market Trends API`` (the last word of the
    name): the prompt names "API" in prose, so only reading its JSON list exactly catches them;
    the call with the declared name is silent, and its arguments are checked against the list."""
    args = {"trend_type": "MARKET_INDEXES", "country": "us"}
    (d,) = c_findings(write(tmp_path, [_toolace("API", args)]))
    assert d.code == "C002" and d.message.startswith("call to 'API', which the system prompt's tool list")
    assert c_findings(write(tmp_path, [_toolace("Market Trends API", args)])) == []
    (d,) = c_findings(write(tmp_path, [_toolace("Market Trends API", {"country": "us"})]))
    assert d.code == "C003" and "trend_type" in d.message


def test_content_part_tool_call(tmp_path):
    recs = parts_records()
    part = recs[2]["messages"][1]["content"][1]
    part["value"] = part["value"].replace('"amount": 199', '"amount": "一百九十九"')
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.pointer) == ("C003", "/messages/1/content/1/value")
    assert part["value"][d.span[0] : d.span[1]] == '"一百九十九"'


# -- what hand-written schemas say loosely --------------------------------------------


def _with_params(params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": "查一下设备 71491234-A"},
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_call", "value": json.dumps({"name": "get_device", "arguments": args})}
                ],
            },
            {"role": "tool", "content": "{}"},
            {"role": "assistant", "content": "查到了。"},
        ],
        "tools": json.dumps([{"type": "function", "function": {"name": "get_device", "parameters": params}}]),
    }


def test_python_type_names_are_read_as_json_types(tmp_path):
    params = {"type": "dict", "properties": {"identifier": {"type": "str"}, "limit": {"type": "int"}}}
    ok = _with_params(params, {"identifier": "71491234-A", "limit": 3})
    bad = _with_params(params, {"identifier": "71491234-A", "limit": "三"})
    (d,) = c_findings(write(tmp_path, [ok, bad]))
    assert (d.code, d.line) == ("C003", 2) and "'limit' must be integer, got string" in d.message


def test_unreadable_schema_parts_are_not_enforced(tmp_path):
    params = {
        "type": "object",
        "properties": {
            "ids": {"type": "List[int]"},
            "name": {"type": "string", "required": True},
            "email": {"type": "string", "format": "email"},
        },
        "required": "name",
    }
    rec = _with_params(params, {"ids": "1,2", "email": "not an email"})
    assert c_findings(write(tmp_path, [rec])) == []


def test_a_required_list_holding_a_non_name_is_not_enforced(tmp_path):
    # a list inside `required` (a hand-written schema) is unreadable: it constrains nothing, and
    # the rule neither crashes on it nor reports the argument left out
    params = {
        "type": "object",
        "properties": {"plate_number": {"type": "string"}, "city": {"type": "string"}},
        "required": ["plate_number", []],
    }
    rec = _with_params(params, {"city": None})
    assert [d.code for d in sftlint.lint(write(tmp_path, [rec])) if d.code[0] in "CX"] == []
    params["required"] = ["plate_number"]
    assert [d.code for d in c_findings(write(tmp_path, [_with_params(params, {"city": None})]))] == ["C003"]


def test_open_schemas_and_the_closed_properties_option(tmp_path):
    open_params = {"type": "object", "properties": {"q": {"type": "string"}}, "additionalProperties": True}
    closed = {"type": "object", "properties": {"q": {"type": "string"}}}
    args = {"q": "耳机", "page": 2}
    path = write(tmp_path, [_with_params(open_params, args)])
    assert c_findings(path) == []
    path = write(tmp_path, [_with_params(closed, args)])
    assert [d.code for d in c_findings(path)] == ["C003"]
    assert c_findings(path, config={"rules": {"tool-arguments-schema": {"closed-properties": False}}}) == []


# -- C005 -----------------------------------------------------------------------------


def test_mixed_argument_encodings_flag_the_minority(tmp_path):
    recs = openai_records()
    fn = _openai_call(recs[3])["function"]
    fn["arguments"] = json.loads(fn["arguments"])
    found = c_findings(write(tmp_path, recs))
    assert [(d.code, d.line, d.pointer, d.severity) for d in found] == [
        ("C005", 4, "/messages/2/tool_calls/0/function/arguments", "warning")
    ]
    assert "4 of 5 records" in found[0].message


def test_mixed_declaration_shapes_and_tools_containers(tmp_path):
    recs = sharegpt_records()
    recs[2]["tools"] = json.dumps([{"type": "function", "function": t} for t in TOOLS], ensure_ascii=False)
    recs[4]["tools"] = copy.deepcopy(TOOLS)
    found = c_findings(write(tmp_path, recs))
    assert [(d.code, d.line, d.pointer) for d in found] == [("C005", 3, "/tools"), ("C005", 5, "/tools")]
    assert "OpenAI shape" in found[0].message and "JSON list" in found[1].message


def test_each_file_is_judged_on_its_own(tmp_path):
    strings = openai_records()
    objects = openai_records()
    for r in objects:
        fn = _openai_call(r)["function"]
        fn["arguments"] = json.loads(fn["arguments"])
    a, b = write(tmp_path, strings, "a.jsonl"), write(tmp_path, objects, "b.jsonl")
    assert [d for d in sftlint.lint([a, b]) if d.code.startswith("C")] == []


def test_c005_under_jobs_matches_the_serial_run(tmp_path, monkeypatch):
    from sftlint.run import processes

    monkeypatch.setattr(processes, "SERIAL_BELOW_BYTES", 0)
    monkeypatch.setattr(processes, "RANGE_BYTES", 2_000)
    recs = [r for _ in range(8) for r in openai_records()]
    for r in recs[5::9]:
        fn = _openai_call(r)["function"]
        fn["arguments"] = json.loads(fn["arguments"])
    path = write(tmp_path, recs)
    serial = [d for d in sftlint.lint(path, select=["C"]) if d.code == "C005"]
    assert len(serial) == 4
    assert [d for d in sftlint.lint(path, select=["C"], jobs=2) if d.code == "C005"] == serial


def test_cli_exit_codes(tmp_path):
    recs = openai_records()
    assert run_cli("check", str(write(tmp_path, recs)), "--select", "C").code == 0
    _openai_call(recs[0])["function"]["arguments"] = "{"
    r = run_cli("check", str(write(tmp_path, recs)), "--select", "C")
    assert r.code == 1 and "C001" in r.out


# -- real data ------------------------------------------------------------------------


def test_glaive_zh_search_books_without_keywords(shared_data):
    path = shared_data / "sft" / "llamafactory_glaive_toolcall_zh_demo.json"
    found = [d for d in sftlint.lint(path, select=["C003"]) if "search_books" in d.message]
    assert found and all("required argument 'keywords' is missing" in d.message for d in found)
    assert any(d.line > 619 and d.line < 660 for d in found)


def test_reason_tool_use_content_parts_are_read(shared_data):
    """The file's calls live in content parts and its schemas use Python type names."""
    path = shared_data / "sft" / "llamafactory_reason_tool_use_demo_50.jsonl"
    found = [d for d in sftlint.lint(path) if d.code.startswith("C")]
    c003 = [d for d in found if d.code == "C003"]
    assert len(c003) == 1 and "unknown argument 'year'" in c003[0].message
    # and the one reply that misquotes its result: a UUID copied with an extra hyphen (C006)
    assert [(d.code, d.line) for d in found if d.code != "C003"] == [("C006", 13)]


# -- calls written by template markup (Hermes / Qwen2.5) -------------------------------


def hermes_records(python: bool = False) -> list[dict[str, Any]]:
    """NousResearch hermes-function-calling style: tools in the system prompt's <tools>, calls in
    <tool_call> tags of the gpt turn, results in tool turns wrapped in <tool_response>."""
    dump = repr if python else (lambda v: json.dumps(v, ensure_ascii=False))
    tools = [{"type": "function", "function": t} for t in TOOLS]
    system = (
        "You are a function calling AI model. You are provided with function signatures within "
        f"<tools></tools> XML tags.\n<tools>\n{dump(tools)}\n</tools>\nFor each function call return a json "
        "object with function name and arguments within <tool_call></tool_call> XML tags."
    )
    out = []
    for question, tool, args, result, answer in DIALOGUES:
        call = {"name": tool, "arguments": args}
        out.append(
            {
                "conversations": [
                    {"from": "system", "value": system},
                    {"from": "human", "value": question},
                    {"from": "gpt", "value": f"<tool_call>\n{dump(call)}\n</tool_call>"},
                    {
                        "from": "tool",
                        "value": f"<tool_response>\n{json.dumps(result, ensure_ascii=False)}\n</tool_response>",
                    },
                    {"from": "gpt", "value": answer},
                ]
            }
        )
    return out


@pytest.mark.parametrize("python", [False, True], ids=["json", "python-literal"])
def test_hermes_clean_files_are_silent(python, tmp_path):
    path = write(tmp_path, hermes_records(python))
    assert errors(path) == []
    assert c_findings(path) == []


def test_hermes_planted_defects(tmp_path):
    recs = hermes_records()
    turn = recs[0]["conversations"][2]
    turn["value"] = turn["value"].replace('"city": "上海"}', '"city": "上海"')  # unbalanced
    recs[1]["conversations"][2]["value"] = recs[1]["conversations"][2]["value"].replace(
        "query_order", "order_query"
    )
    recs[2]["conversations"][2]["value"] = (
        '<tool_call>\n{"name": "apply_refund", "arguments": {"order_id": "20240601007"}}\n</tool_call>'
    )
    del recs[3]["conversations"][3]  # the call is never answered
    found = c_findings(write(tmp_path, recs))
    assert [(d.code, d.line, d.pointer) for d in found] == [
        ("C001", 1, "/conversations/2/value"),
        ("C002", 2, "/conversations/2/value"),
        ("C003", 3, "/conversations/2/value"),
        ("C004", 4, "/conversations/2/value"),
    ]
    value = recs[1]["conversations"][2]["value"]
    assert value[found[1].span[0] : found[1].span[1]] == '"order_query"'
    assert "required argument 'amount' is missing" in found[2].message


def test_hermes_mixed_json_and_python_literals(tmp_path):
    recs = hermes_records()
    recs[4] = hermes_records(python=True)[4]
    (d,) = c_findings(write(tmp_path, recs))
    assert (d.code, d.line) == ("C005", 5) and "Python literals" in d.message


@pytest.mark.parametrize(
    "call",
    [
        '<functioncall> {"name": "query_order", "arguments": "{\\"order_id\\": \\"1\\"}"}',
        '[TOOL_CALLS] [{"name": "query_order", "arguments": {"order_id": "1"}}]',
        '<|python_tag|>{"name": "query_order", "parameters": {"order_id": "1"}}',
        '✿FUNCTION✿: query_order\n✿ARGS✿: {"order_id": "1"}',
    ],
)
def test_role_order_takes_template_markup_as_a_call(call, tmp_path):
    rec = {
        "messages": [
            {"role": "user", "content": "查订单1"},
            {"role": "assistant", "content": call},
            {"role": "tool", "content": '{"status": "已发货"}'},
            {"role": "assistant", "content": "已发货。"},
        ]
    }
    assert [d for d in sftlint.lint(write(tmp_path, [rec])) if d.code == "S004"] == []
    rec["messages"][1]["content"] = "我来查一下。"
    assert [d.code for d in sftlint.lint(write(tmp_path, [rec])) if d.code == "S004"] == ["S004"]


def test_xlam_parameters_are_the_properties_themselves(tmp_path):
    """xLAM/APIGen write ``parameters`` as the properties mapping, with Python type names."""
    params = {
        "type": {"description": "giveaway type", "type": "str", "default": "game"},
        "limit": {"description": "how many", "type": "int, optional", "default": 10},
    }
    ok = _with_params(params, {"type": "loot", "limit": "ten"})  # "int, optional" is not enforced
    bad = _with_params(params, {"kind": "loot"})
    found = c_findings(write(tmp_path, [ok, bad]))
    assert [(d.code, d.line) for d in found] == [("C003", 2)] and "unknown argument 'kind'" in found[
        0
    ].message


def test_an_optional_argument_may_be_null(tmp_path):
    params = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
        "required": ["city"],
    }
    ok = _with_params(params, {"city": "上海", "unit": None})
    bad = _with_params(params, {"city": None})
    found = c_findings(write(tmp_path, [ok, bad]))
    assert [(d.code, d.line) for d in found] == [("C003", 2)] and "'city' must be string, got null" in found[
        0
    ].message


def test_a_column_mapping_names_the_tools_column_and_the_function_tag(tmp_path):
    """LLaMA-Factory's dataset_info.json: renamed tools column, custom function/observation tags."""
    recs = sharegpt_records()
    for r in recs:
        r["functions_json"] = r.pop("tools")
        for turn in r["conversations"]:
            turn["from"] = {"function_call": "call", "observation": "result"}.get(turn["from"], turn["from"])
    recs[2]["conversations"][1]["value"] = recs[2]["conversations"][1]["value"].replace(
        "apply_refund", "refund"
    )
    write(tmp_path, recs)
    info = {
        "d": {
            "file_name": "data.jsonl",
            "formatting": "sharegpt",
            "columns": {"messages": "conversations", "system": "system", "tools": "functions_json"},
            "tags": {
                "role_tag": "from",
                "content_tag": "value",
                "user_tag": "human",
                "assistant_tag": "gpt",
                "function_tag": "call",
                "observation_tag": "result",
            },
        }
    }
    (tmp_path / "dataset_info.json").write_text(json.dumps(info), encoding="utf-8")
    found = [d for d in sftlint.lint(tmp_path / "data.jsonl") if d.severity != "info"]
    assert [(d.code, d.line, d.pointer) for d in found] == [("C002", 3, "/conversations/1/value")]


# -- ms-swift's agent format: tool_call / tool_response turns --------------------------------


def test_swift_roles_are_read_as_calls_and_results(tmp_path):
    """No S002 for ``tool_call``/``tool_response``, no S004 for a thinking turn before a call,
    no C004 for parallel calls written as consecutive turns (the clean file's whole report)."""
    path = write(tmp_path, swift_records())
    assert [d.code for d in sftlint.lint(path) if d.code != "D003"] == []
    messages = list(sftlint.load_records(path))[3].messages
    assert [(m.role, bool(m.tool_calls)) for m in messages] == [
        ("user", False),
        ("assistant", True),
        ("assistant", True),
        ("tool", False),
        ("tool", False),
        ("assistant", False),
    ]


def _swift_call(rec: dict[str, Any], k: int = 0) -> dict[str, Any]:
    return [m for m in rec["messages"] if m["role"] == "tool_call"][k]


@pytest.mark.parametrize(
    ("content", "code", "where"),
    [
        ('{"name": "get_weather", "arguments": {"city": "上海"}', "C001", None),
        ('{"name": "get_forecast", "arguments": {"city": "上海"}}', "C002", None),
        ('{"name": "get_weather", "arguments": {"town": "上海"}}', "C003", "/arguments/town"),
    ],
)
def test_swift_planted_call_defects(content, code, where, tmp_path):
    recs = swift_records()
    _swift_call(recs[0])["content"] = content
    found = [d for d in c_findings(write(tmp_path, recs)) if d.code == code]
    assert found and all(d.record == 0 and d.pointer == "/messages/1/content" for d in found)


def test_swift_unanswered_call_and_parallel_call_count(tmp_path):
    recs = swift_records()
    # the first record's result dropped: its call is followed by the assistant's answer
    recs[0]["messages"] = [m for m in recs[0]["messages"] if m["role"] != "tool_response"]
    # one of record 3's two parallel calls answered: matched by position, nothing to pair by id
    recs[3]["messages"] = [m for m in recs[3]["messages"] if m["content"] != '{"temp": 71}']
    found = [(d.code, d.record, d.pointer) for d in c_findings(write(tmp_path, recs))]
    assert found == [("C004", 0, "/messages/1/content")]


def test_swift_assistant_turns_in_a_row_without_a_call_are_still_reported(tmp_path):
    recs = swift_records()
    msgs = recs[1]["messages"]
    msgs.insert(
        2, {"role": "assistant", "content": "好的，我来查一下。"}
    )  # two thinking turns, then the call
    found = [(d.code, d.record) for d in sftlint.lint(write(tmp_path, recs)) if d.code == "S004"]
    assert found == [("S004", 1)]


def test_sharegpt_parallel_calls_as_turns_in_a_row_are_named(tmp_path):
    """ShareGPT parallel calls written as two function_call turns, then two observations:
    LLaMA-Factory's reader wants the roles to alternate and skips the sample.  The finding says
    why, rather than that the next turn is an assistant's."""
    recs = sharegpt_records()
    conv = recs[3]["conversations"]
    conv.insert(
        2,
        {
            "from": "function_call",
            "value": json.dumps({"name": "get_weather", "arguments": {"city": "上海"}}),
        },
    )
    conv.insert(4, {"from": "observation", "value": json.dumps({"temp": 71})})
    found = [d for d in c_findings(write(tmp_path, recs)) if d.code == "C004"]
    assert [(d.record, d.pointer) for d in found] == [(3, "/conversations/1/value")]
    assert "another function_call" in found[0].message and "JSON list" in found[0].message


# -- the built-in code interpreter (functionary's test case) -------------------------------------

#: functionary's tests/test_case.json, shortened: a function tool and the built-in code
#: interpreter, whose calls go by ``python`` with the code itself as their arguments.
FUNCTIONARY = {
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "This function's purpose is to get the weather of a location",
                "parameters": {
                    "type": "object",
                    "properties": {"location": {"type": "string", "description": "where to get weather"}},
                    "required": ["location"],
                },
            },
        },
        {"type": "code_interpreter"},
    ],
    "messages": [
        {"role": "user", "content": "what's the weather like in Hanoi?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"location": "Hanoi"}'},
                }
            ],
        },
        {"role": "tool", "name": "get_weather", "content": '{"result": {"temperature": 10}}'},
        {"role": "assistant", "content": "The temperature in Hanoi is 10 degrees."},
        {
            "role": "user",
            "content": "Given the list of strings: '0','1','2','3','4','5' remove the number in the list "
            "that is close to 3.6 the most",
        },
        {
            "role": "assistant",
            "content": "I'll use code interpreter to handle this",
            "tool_calls": [
                {
                    "function": {
                        "name": "python",
                        "arguments": "l=[int('0'),int('1'),int('2'),int('3'),int('4'),int('5')]\nl.remove(3.6)",
                    }
                }
            ],
        },
        {"role": "tool", "name": "python", "content": "ValueError: list.remove(x): x not in list"},
        {"role": "assistant", "content": "The list is [0, 1, 2, 3, 5] after removing 4."},
    ],
}


def test_the_code_interpreter_declares_python_whose_arguments_are_code():
    found = {d.code for d in sftlint.lint([FUNCTIONARY]) if d.code.startswith("C")}
    assert found == set()
    # without the built-in declared, the call is undeclared and its code is no JSON: both said
    bare = copy.deepcopy(FUNCTIONARY)
    bare["tools"] = bare["tools"][:1]
    found = sorted((d.code, d.pointer) for d in sftlint.lint([bare]) if d.code in ("C001", "C002"))
    assert found == [
        ("C001", "/messages/5/tool_calls/0/function/arguments"),
        ("C002", "/messages/5/tool_calls/0/function/name"),
    ]
    # a function tool's arguments stay JSON's, code interpreter or not
    broken = copy.deepcopy(FUNCTIONARY)
    broken["messages"][1]["tool_calls"][0]["function"]["arguments"] = "location=Hanoi"
    assert [d.code for d in sftlint.lint([broken]) if d.code.startswith("C")] == ["C001"]


# -- HammerBench: `function call` turns whose content is the call object, `multiple_tools` --------

VIOLATION = {
    "name": "Navigation.TrafficViolations.queryViolation",
    "description": "按车牌号、违章城市等条件搜索所有交通违章的记录",
    "parameters": {
        "type": "object",
        "properties": {
            "plate_number": {"type": "string", "description": "车牌号"},
            "city": {"type": "string", "description": "违章所在城市"},
            "time": {"type": "string", "description": "开单时间"},
        },
        "required": ["plate_number", "city"],
    },
}
TRAIN_ORDER = {
    "name": "Navigation.TrainTickets.queryPassengerTrainOrder",
    "description": "查询乘客的火车票订单信息",
    "parameters": {
        "type": "object",
        "properties": {"passenger_id": {"type": "string", "description": "乘客身份证号"}},
        "required": ["passenger_id"],
    },
}


def hammerbench_record(arguments: list[dict[str, Any]], name: str = VIOLATION["name"]) -> dict[str, Any]:
    """A HammerBench example (MadeAgents/HammerBench data/zh/examples.json): each `function call`
    turn the call as far as the user has given its arguments, the assistant asking for the
    next; `multiple_tools` the candidate tools, `single_tool` the answer's."""
    asks = ["违章所在城市是哪个", "请提供车牌号"]
    says = ["违章所在城市是广州。", "我的车牌号是粤B67890。"]
    messages: list[dict[str, Any]] = [{"role": "user", "content": "查一下我的车有没有违章记录"}]
    for k, args in enumerate(arguments):
        messages.append({"role": "function call", "content": {"name": name, "arguments": args}})
        if k < len(asks) and k < len(arguments) - 1:
            messages += [{"role": "assistant", "content": asks[k]}, {"role": "user", "content": says[k]}]
    return {
        "id": "Based_0_3",
        "messages": messages,
        "multiple_tools": [TRAIN_ORDER, VIOLATION],
        "single_tool": [VIOLATION],
    }


def test_hammerbench_calls_are_checked_against_multiple_tools(tmp_path):
    """HammerBench writes a call as a `function call` turn whose content is the call object, and
    the tools offered as `multiple_tools`: the calls are read and checked against them.  Calls
    with the arguments the schema requires are clean (the role and the object content stay
    S002 and S001: no trainer reads them); a call missing a required argument, an argument the
    tool does not have, and a call to a tool that is not a candidate are found where they are."""
    full = {"city": "广州", "plate_number": "粤B67890"}
    clean = hammerbench_record([full, {**full, "time": "2024-05-01"}])
    path = write(tmp_path, [clean])
    assert c_findings(path) == []
    assert {d.code for d in sftlint.lint(path)} >= {"S001", "S002"}

    snapshots = hammerbench_record([{}, {"city": "广州"}, {**full, "date": "2024-05-01"}])
    found = c_findings(write(tmp_path, [snapshots]))
    assert [(d.code, d.pointer) for d in found] == [
        ("C003", "/messages/1/content/arguments"),
        ("C003", "/messages/4/content/arguments"),
        ("C003", "/messages/7/content/arguments/date"),  # the key itself
    ]
    assert "'plate_number', 'city' are missing" in found[0].message
    assert "unknown argument 'date'" in found[2].message

    elsewhere = hammerbench_record([full], name="ConvenientLiving.GovernmentServices.queryTrafficViolations")
    (d,) = c_findings(write(tmp_path, [elsewhere]))
    assert (d.code, d.pointer) == ("C002", "/messages/1/content/name")
    assert "queryPassengerTrainOrder" in d.message  # the candidates are listed


def test_hammerbench_a_call_named_by_a_non_string_is_undeclared(tmp_path):
    """A call whose `name` is written as a list or a number names no tool a runtime can dispatch:
    C002 points at the name and says what it is, even where the arguments are broken too."""
    full = {"city": "广州", "plate_number": "粤B67890"}
    listed = hammerbench_record([full], name=[VIOLATION["name"]])  # type: ignore[arg-type]
    numbered = hammerbench_record([full], name=3)  # type: ignore[arg-type]
    numbered["messages"][1]["content"]["arguments"] = "{city: 广州}"  # and arguments that do not parse
    found = [
        (d.code, d.pointer, d.message) for r in (listed, numbered) for d in c_findings(write(tmp_path, [r]))
    ]
    assert [f[:2] for f in found] == [
        ("C002", "/messages/1/content/name"),
        ("C002", "/messages/1/content/name"),
        ("C001", "/messages/1/content/arguments"),
    ]
    assert "array ['Navigation.TrafficViolations.queryViolation']" in found[0][2]
    assert "number 3" in found[1][2]


def test_multiple_tools_written_as_an_object_are_declared(tmp_path):
    """`multiple_tools` (or `tools`) written as one object: a single declaration, or declarations
    keyed by tool name (the key names a declaration that does not name itself).  Calls are
    checked against them as against a list; an object holding anything else declares nothing."""
    full = {"city": "广州", "plate_number": "粤B67890"}
    keyed = hammerbench_record([full, {**full, "time": "2024-05-01"}])
    nameless = {k: v for k, v in VIOLATION.items() if k != "name"}
    keyed["multiple_tools"] = {TRAIN_ORDER["name"]: TRAIN_ORDER, VIOLATION["name"]: nameless}
    single = hammerbench_record([full])
    single["multiple_tools"] = VIOLATION
    assert c_findings(write(tmp_path, [keyed, single])) == []

    wrong = hammerbench_record([full], name="Navigation.Traffic.queryViolation")
    wrong["multiple_tools"] = {TRAIN_ORDER["name"]: TRAIN_ORDER, VIOLATION["name"]: nameless}
    missing = hammerbench_record([{"city": "广州"}])
    missing["multiple_tools"] = VIOLATION
    found = c_findings(write(tmp_path, [wrong, missing]))
    assert [(d.code, d.pointer) for d in found] == [
        ("C002", "/messages/1/content/name"),
        ("C003", "/messages/1/content/arguments"),
    ]
    assert "did you mean 'Navigation.TrafficViolations.queryViolation'" in found[0].message

    odd = hammerbench_record([full], name="Navigation.Traffic.queryViolation")
    odd["multiple_tools"] = {"version": 2, "tools": "see the prompt"}  # not declarations: not judged
    assert c_findings(write(tmp_path, [odd])) == []


# -- C006 misquoted-tool-result -------------------------------------------------------------------


def _password(reply: str, result: str = "AB3#FG7!KL9@") -> dict[str, Any]:
    """LLaMA-Factory's glaive_toolcall_zh_demo: a generated password, then the reply giving it."""
    return {
        "conversations": [
            {"from": "human", "value": "我需要一个新密码，你能帮我生成一个吗？"},
            {"from": "gpt", "value": "当然可以，您希望密码有多长？"},
            {"from": "human", "value": "我希望它有12个字符长。"},
            {"from": "function_call", "value": '{"name": "generate_password", "arguments": {"length": 12}}'},
            {"from": "observation", "value": json.dumps({"password": result})},
            {"from": "gpt", "value": reply},
        ],
        "tools": json.dumps(
            [
                {
                    "name": "generate_password",
                    "description": "生成随机密码",
                    "parameters": {
                        "type": "object",
                        "properties": {"length": {"type": "integer"}},
                        "required": ["length"],
                    },
                }
            ]
        ),
    }


def _account(reply: str) -> dict[str, Any]:
    """ToolTalk: an account lookup, then the reply reporting it."""
    result = {"user": {"email": "VirginiaJGraham@gahoo.com", "phone": "703-607-3363", "username": "decture"}}
    return {
        "messages": [
            {"role": "user", "content": "What's my account information? I'm logged in as decture."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "GetAccountInformation", "arguments": '{"username": "decture"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": json.dumps(result)},
            {"role": "assistant", "content": reply},
        ]
    }


def c006(tmp_path: Path, records: list[dict[str, Any]]) -> list[tuple[str, Any, str]]:
    """C006's findings, each record in a file of its own (the two layouts do not share one)."""
    return [
        (d.pointer, d.span, d.message)
        for r in records
        for d in c_findings(write(tmp_path, [r]))
        if d.code == "C006"
    ]


def test_a_reply_that_misquotes_an_identifier_of_its_tool_result(tmp_path):
    """The letters' case changed (glaive_toolcall_zh's passwords), a character dropped (ToolTalk's
    e-mail address), one added (a UUID given with an extra hyphen): each at the reply's token."""
    lowered = "您的新密码是：aB3#fG7!kL9@。请确保将其保存在安全的地方。"
    dropped = "Your email is VirgniaJGraham@gahoo.com and your phone number is 703-607-3363."
    uuid = "d3e4f5g6-h7i8-j9k0-l1m2-n3o4p5q6r7s8"
    added = "Here is your UUID:\n```\n" + uuid.replace("n3o4", "n3o4-") + "\n```"
    found = c006(tmp_path, [_password(lowered), _account(dropped), _password(added, result=uuid)])
    assert [f[:2] for f in found] == [
        ("/conversations/5/value", (7, 19)),
        ("/messages/3/content", (14, 38)),
        ("/conversations/5/value", (23, 23 + len(uuid) + 1)),
    ]
    assert "“AB3#FG7!KL9@” (with the letters' case changed)" in found[0][2]
    assert "(with a character dropped)" in found[1][2]
    assert "(with a character added)" in found[2][2]


def test_identifiers_quoted_right_or_not_from_the_result_are_left_alone(tmp_path):
    """Exact quotes, an identifier the user wrote, another order (a changed character), the case of
    an e-mail address or of hexadecimal, arithmetic, and a reply that also quotes the result."""
    exact = _password("您的新密码是：AB3#FG7!KL9@。请确保将其保存在安全的地方。")
    email_case = _account("Your email is virginiajgraham@gahoo.com.")
    hex_case = _password(
        "UUID: F47AC10B-58CC-4372-A567-0E02B2C3D479", result="f47ac10b-58cc-4372-a567-0e02b2c3d479"
    )
    other_order = _password("订单ORD2024-0013也已发货，ORD2024-0012正在处理。", result="ORD2024-0012")
    from_user = _account("Your username decture2 is not decture, please check.")
    from_user["messages"][0]["content"] += " Or maybe decture2."
    both = _password("您的新密码是 AB3#FG7!KL9@（不是 aB3#fG7!kL9@）。")
    arithmetic = _password("总价为 5*2500+2*2501 元。", result="5*2500+2*2500")
    records = [exact, email_case, hex_case, other_order, from_user, both, arithmetic]
    assert c006(tmp_path, records) == []
