"""S rules on customer-service dialogues: what they must catch and what they must leave alone."""

from __future__ import annotations

from conftest import FIXTURES, chat, codes

import sftlint

SYSTEM = "你是某电商平台的客服助手，请礼貌、准确地回答用户的问题。"


def lint(*records, select=("S",)):
    return sftlint.lint(list(records), select=list(select))


def test_clean_multi_turn_dialogue_has_no_findings():
    rec = chat(
        ("user", "我的快递到哪了？"),
        ("assistant", "请提供订单号，我帮您查询。"),
        ("user", "2024051812345"),
        ("assistant", "您的包裹已到达上海转运中心，预计明天送达。"),
        system=SYSTEM,
    )
    assert lint(rec) == []


def test_unknown_role_points_at_the_role():
    diags = lint(chat(("user", "在吗"), ("客服", "在的")))
    assert [(d.code, d.pointer) for d in diags] == [("S002", "/messages/1/role")]


def test_sharegpt_unknown_from():
    rec = {"conversations": [{"from": "human", "value": "在吗"}, {"from": "agent", "value": "在的"}]}
    diags = lint(rec)
    assert [(d.code, d.pointer) for d in diags] == [("S002", "/conversations/1/from")]
    assert "human, gpt" in diags[0].message


def test_empty_and_whitespace_content():
    diags = lint(
        chat(("user", "优惠券怎么用？"), ("assistant", " \n ")), chat(("user", ""), ("assistant", "您好"))
    )
    assert [(d.code, d.record, d.pointer) for d in diags] == [
        ("S003", 0, "/messages/1/content"),
        ("S003", 1, "/messages/0/content"),
    ]


def test_content_that_is_an_object_is_not_empty():
    """HammerBench writes a call as an object where the text belongs: S001 names its type, and
    S003 does not call it empty; a null content and an empty string still are."""
    call = {"name": "Navigation.TrafficViolations.queryViolation", "arguments": {"city": "广州"}}
    rec = {
        "messages": [
            {"role": "user", "content": "查一下我的车有没有违章记录"},
            {"role": "assistant", "content": call},
            {"role": "user", "content": None},
            {"role": "assistant", "content": ""},
        ]
    }
    got = [(d.code, d.pointer) for d in lint(rec, select=("S001", "S003"))]
    assert ("S001", "/messages/1/content") in got
    assert ("S003", "/messages/1/content") not in got
    assert ("S003", "/messages/2/content") in got
    assert ("S003", "/messages/3/content") in got


def test_role_order_problems():
    two_users = chat(("user", "我想退货"), ("user", "订单号123456"), ("assistant", "好的"))
    starts_with_assistant = chat(("assistant", "您好"), ("user", "在吗"), ("assistant", "在的"))
    double_assistant = chat(("user", "在吗"), ("assistant", "在的"), ("assistant", "请讲"))
    orphan_tool = {
        "messages": [
            {"role": "user", "content": "查订单"},
            {"role": "tool", "content": "已发货"},
            {"role": "assistant", "content": "已发货"},
        ]
    }
    diags = lint(two_users, starts_with_assistant, double_assistant, orphan_tool)
    assert [(d.record, d.code) for d in diags] == [(0, "S004"), (1, "S004"), (2, "S004"), (3, "S004")]
    assert "two user turns" in diags[0].message


def test_tool_calls_in_the_right_order_pass():
    rec = {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "帮我查一下订单2024051812345"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"type": "function", "function": {"name": "query_order"}}],
            },
            {"role": "tool", "content": '{"status": "已发货"}'},
            {"role": "assistant", "content": "您的订单已发货。"},
        ]
    }
    assert lint(rec) == []


def test_no_final_assistant():
    diags = lint(chat(("user", "会员怎么续费？"), ("assistant", "在会员中心续费。"), ("user", "好的谢谢")))
    assert [(d.code, d.pointer) for d in diags] == [("S005", "/messages/2/role")]


def test_misplaced_and_repeated_system():
    late = chat(("user", "你好"), ("system", SYSTEM), ("assistant", "您好"))
    twice = {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "system", "content": "补充"},
            {"role": "user", "content": "你好"},
            {"role": "assistant", "content": "您好"},
        ]
    }
    diags = lint(late, twice)
    assert [(d.record, d.code) for d in diags] == [(0, "S006"), (1, "S006")]


def test_template_placeholder_spans_and_code_blocks():
    rec = chat(("user", "你是谁？"), ("assistant", "我是{{ name }}，请问有什么可以帮您？"))
    diags = lint(rec, select=["S007"])
    assert [(d.pointer, d.span) for d in diags] == [("/messages/1/content", (2, 12))]
    code = chat(
        ("user", "Vue 里怎么插值？"),
        ("assistant", "用双花括号：`{{ message }}`，或者\n```html\n<p>{{ msg }}</p>\n```"),
    )
    prose_braces = chat(("user", "集合怎么写？"), ("assistant", '数学里写作 {1, 2, 3}，JSON 写作 {"a": 1}。'))
    assert lint(code, prose_braces, select=["S007"]) == []


def test_schema_violation_lists_each_problem_with_its_pointer():
    rec = {"messages": [{"role": "user", "content": 42}, {"content": "您好"}]}
    diags = lint(rec, select=["S001"])
    assert {d.pointer for d in diags} == {"/messages/0/content", "/messages/1"}
    assert all(d.severity == "error" for d in diags)


def test_schema_violation_inside_a_list_of_parts_names_the_part():
    """S001's page example (content as a list of strings): the message said 'must be string or
    null or array, got array'; the value is an array, and what breaks the schema is its item."""
    rec = chat(("user", "我的订单什么时候发货？"), ("assistant", "已为您催促仓库。"))
    rec["messages"][1]["content"] = ["已为您催促仓库。"]
    [d] = lint(rec, select=["S001"])
    assert d.pointer == "/messages/1/content/0"
    assert d.message == "messages/1/content/0 must be object, got string (messages format)"
    rec["messages"][1]["content"] = 5  # a type no alternative has: the alternatives are named
    [d] = lint(rec, select=["S001"])
    assert d.message == "messages/1/content must be string or null or array, got number (messages format)"


def test_fixture_dataset_is_clean_for_every_default_rule():
    assert [d for d in sftlint.lint(FIXTURES / "clean_messages.jsonl") if d.severity != "info"] == []
    assert codes(sftlint.lint(FIXTURES / "clean_messages.jsonl", select=["S"])) == []


# -- S010 media-placeholders --------------------------------------------------------------------


def _mm(text: str, **media) -> dict:
    return {
        "messages": [
            {"role": "user", "content": text},
            {"role": "assistant", "content": "左图是白天，右图是夜晚。"},
        ],
        **media,
    }


def test_s010_placeholders_and_media_must_match_in_number():
    records = [
        _mm("<image>这两张图有什么不同？", images=["day.jpg", "night.jpg"]),  # one tag, two images
        _mm("<image><image>这两张图有什么不同？", images=["day.jpg", "night.jpg"]),
        _mm("这张图里是什么？", images=["cat.jpg"]),  # no tag at all: the trainer may put it first
        _mm("<video>视频里发生了什么？<image>", videos=["run.mp4"], images=[]),  # an image tag, no image
        _mm("HTML 里 <image> 标签是什么？"),  # no media field: a text about markup
        _mm("<audio>这段录音说了什么？", audios=["a.wav"]),
    ]
    found = [(d.record, d.pointer) for d in sftlint.lint(records, select=["S010"])]
    assert found == [(0, "/images"), (3, "/images")]
    (first, _) = sftlint.lint(records, select=["S010"])
    assert "2 images" in first.message and "1 `<image>`" in first.message


# -- S011 unclosed-turn -------------------------------------------------------------------------


def test_s011_a_chatml_turn_without_its_end_token():
    closed = "<|im_start|>user\n退货要多久到账？<|im_end|>\n<|im_start|>assistant\n审核通过后3-5个工作日原路退回。<|im_end|>\n"
    records = [
        {"text": closed},
        {"text": closed.replace("原路退回。<|im_end|>", "原路退回。")},  # the reply runs to the end
        {"text": closed.replace("到账？<|im_end|>\n", "到账？\n")},  # the user's turn runs into the reply
        {"text": "<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n"},  # a generation prompt: S003's
        {"text": "Plain text that mentions <|im_start|> once."},  # not a transcript: not judged
    ]
    found = [(d.record, d.message.split(" turn")[0]) for d in sftlint.lint(records, select=["S011"])]
    assert found == [(1, "the assistant"), (2, "the user")]
    (d,) = [d for d in sftlint.lint(records, select=["S011"]) if d.record == 1]
    assert d.pointer == "/text" and records[1]["text"][d.span[0] : d.span[1]] == "。"


AGENT_PROMPT = (
    "You are a helpful coding agent. Use tools when needed. Respond with tool calls in this format:\n"
    "invoke tool tool_name with arg1 is value1\n"
    "When finished, give a clear final answer."
)


def _agent_trace(call_turn: str, **extra) -> dict:
    return {
        "messages": [
            {"role": "system", "content": AGENT_PROMPT},
            {"role": "user", "content": "What does README.md in the project root say in its first line?"},
            {"role": "assistant", "content": call_turn},
            {
                "role": "tool",
                "content": "# Agent SFT Demo\n\nMinimal reproducible project for SFT on agent traces.",
            },
            {"role": "assistant", "content": "The first line of `README.md` is `# Agent SFT Demo`."},
        ],
        **extra,
    }


def test_a_call_in_the_syntax_the_system_prompt_defines_is_a_call():
    """A coding agent's trace: the system prompt defines its own call syntax (`invoke tool
    tool_name with arg1 is value1`), the assistant calls in it, the tool answers.  The tool turn
    answers a call; the same trace in prompt/completion form (TRL) too."""
    call = "I'll read the README to check the first line.\n\ninvoke tool read_file with path is README.md"
    rec = _agent_trace(call)
    pc = {"prompt": rec["messages"][:4], "completion": rec["messages"][4:]}
    assert lint(rec, pc, select=["S004"]) == []


def test_a_tool_result_after_a_turn_that_calls_nothing_is_still_reported():
    """The same trace where the assistant only announces the call: nothing was called."""
    diags = lint(_agent_trace("I'll read the README to check the first line."), select=["S004"])
    assert [(d.code, d.pointer) for d in diags] == [("S004", "/messages/3/role")]
    assert "does not follow an assistant turn calling a tool" in diags[0].message


def test_a_prose_call_in_a_record_with_structured_tools_is_still_reported():
    """A record that declares its tools in a `tools` field calls them structurally: a call
    written as prose, even in words its system prompt shows, calls nothing (glaive's
    `AI 计算折扣: {...}` before an observation)."""
    tools = [{"type": "function", "function": {"name": "read_file", "parameters": {"type": "object"}}}]
    call = "invoke tool read_file with path is README.md"
    diags = lint(_agent_trace(call, tools=tools), select=["S004"])
    assert [(d.code, d.pointer) for d in diags] == [("S004", "/messages/3/role")]
    sharegpt = {
        "conversations": [
            {"from": "human", "value": "原价200美元，打八折后是多少？"},
            {
                "from": "gpt",
                "value": '好的，让我帮你计算一下。\nAI 计算折扣: {"原价": 200, "折扣百分比": 20}',
            },
            {"from": "observation", "value": '{"discounted_price": 160}'},
            {"from": "gpt", "value": "打折后您需要支付160美元。"},
        ],
        "system": "你是一个乐于助人的助手。\nAI 计算折扣: 调用折扣工具",
        "tools": '[{"name": "calculate_discount", "parameters": {"type": "object"}}]',
    }
    assert [d.code for d in lint(sharegpt, select=["S004"])] == ["S004"]
