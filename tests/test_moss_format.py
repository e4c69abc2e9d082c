"""MOSS's SFT layout: turns of tagged fields (`<|Human|>: …<eoh>`), read between tag and marker."""

from __future__ import annotations

import copy

import sftlint
from sftlint.formats import detect
from sftlint.plugins import default_registry

META = (
    "You are an AI assistant whose name is MOSS.\n- Inner thoughts: enabled.\n"
    "- Web search: enabled. API: Search(query)\n- Calculator: disabled.\n"
)

#: as OpenLMLab/MOSS's SFT_data/conversations/conversation_with_plugins/web_search writes a record
SEARCH = {
    "conversation_id": 1,
    "meta_instruction": META,
    "num_turns": 2,
    "chat": {
        "turn_1": {
            "Human": "<|Human|>: 世界上最大的3D打印建筑有哪些？<eoh>\n",
            "Inner Thoughts": "<|Inner Thoughts|>: 需要查询一下世界上哪些地方有3D打印建筑<eot>\n",
            "Commands": '<|Commands|>: Search("世界上 最大 3D打印建筑")<eoc>\n',
            "Tool Responses": "<|Results|>:\nSearch(\"世界上 最大 3D打印建筑\") =>\n<|1|>: '迪拜市政府用楼高达9.5米，共两层。'\n<eor>\n",
            "MOSS": "<|MOSS|>: 目前世界上最大的3D打印建筑是迪拜市政府用楼，高达9.5米，共两层。<eom>\n",
        },
        "turn_2": {
            "Human": "<|Human|>: 这个建筑的用途是什么？<eoh>\n",
            "Inner Thoughts": "<|Inner Thoughts|>: None<eot>\n",
            "Commands": "<|Commands|>: None<eoc>\n",
            "Tool Responses": "<|Results|>:\nNone\n<eor>\n",
            "MOSS": "<|MOSS|>: 它是迪拜市政府的办公楼。<eom>\n",
        },
    },
    "category": "tool",
}

#: a turn without plugins, its thoughts written (conversation_without_plugins)
PLAIN = {
    "conversation_id": 7,
    "meta_instruction": META,
    "num_turns": 1,
    "chat": {
        "turn_1": {
            "Human": "<|Human|>: 如何保持专注力？<eoh>\n",
            "Inner Thoughts": "<|Inner Thoughts|>: 这是一个学习方法的问题。<eot>\n",
            "Commands": "<|Commands|>: None<eoc>\n",
            "Tool Responses": "<|Results|>: None<eor>\n",
            "MOSS": "<|MOSS|>: 制定明确的学习计划，并在学习时关掉手机。<eom>\n",
        }
    },
    "category": "advice",
}


def _found(records):
    return [(d.code, d.pointer, d.span) for d in sftlint.lint(records) if d.severity != "info"]


def test_a_moss_record_is_detected_and_clean():
    fmt = default_registry().formats["moss"]
    for record in (SEARCH, PLAIN):
        assert detect([record], default_registry().formats) == "moss"
        assert fmt.quick_check(record) and fmt.schema_errors(record) == []
    assert _found([SEARCH, PLAIN]) == []


def test_each_field_is_a_turn_read_between_its_tag_and_its_marker():
    messages = default_registry().formats["moss"].to_messages(SEARCH)
    assert [(m.role, m.content) for m in messages] == [
        ("system", META),
        ("user", "世界上最大的3D打印建筑有哪些？"),
        ("assistant", '需要查询一下世界上哪些地方有3D打印建筑\nSearch("世界上 最大 3D打印建筑")'),
        ("tool", "Search(\"世界上 最大 3D打印建筑\") =>\n<|1|>: '迪拜市政府用楼高达9.5米，共两层。'"),
        ("assistant", "目前世界上最大的3D打印建筑是迪拜市政府用楼，高达9.5米，共两层。"),
        ("user", "这个建筑的用途是什么？"),  # the None thoughts, command and results are no turns
        ("assistant", "它是迪拜市政府的办公楼。"),
    ]
    call = messages[2]
    assert [(s.pointer, s.kind) for s in call.segments] == [
        ("/chat/turn_1/Inner Thoughts", "reasoning"),
        ("/chat/turn_1/Commands", "text"),
    ]
    plain = default_registry().formats["moss"].to_messages(PLAIN)
    assert [(m.role, m.content) for m in plain[1:]] == [
        ("user", "如何保持专注力？"),
        ("assistant", "这是一个学习方法的问题。\n制定明确的学习计划，并在学习时关掉手机。"),
    ]


def test_findings_point_into_the_field_string():
    record = copy.deepcopy(SEARCH)
    reply = "<|MOSS|>: 为了促进农村地区的教育发展，可以采取以下措施：<eom>\n"  # the list never came
    record["chat"]["turn_2"]["MOSS"] = reply
    record["chat"]["turn_1"]["MOSS"] = "<|MOSS|>: <eom>\n"  # an empty reply
    found = _found([record])
    assert ("S003", "/chat/turn_1/MOSS", (10, 10)) in found  # the empty stretch after the tag
    (t006,) = [f for f in found if f[0] == "T006"]
    assert t006[1] == "/chat/turn_2/MOSS" and reply[t006[2][0] : t006[2][1]] == "："


def test_results_without_a_command_do_not_follow_a_call():
    record = copy.deepcopy(SEARCH)
    record["chat"]["turn_1"]["Commands"] = "<|Commands|>: None<eoc>\n"  # results nobody asked for
    found = _found([record])
    assert [f[:2] for f in found if f[0] == "S004"] == [("S004", "/chat/turn_1/Tool Responses")]


def test_a_field_without_its_tag_is_read_whole():
    record = copy.deepcopy(PLAIN)
    record["chat"]["turn_1"]["MOSS"] = "制定明确的学习计划。\n"
    messages = default_registry().formats["moss"].to_messages(record)
    assert messages[-1].content == "这是一个学习方法的问题。\n制定明确的学习计划。"


def test_schema_errors_name_the_field():
    record = copy.deepcopy(PLAIN)
    record["chat"]["turn_1"]["MOSS"] = None
    fmt = default_registry().formats["moss"]
    assert not fmt.quick_check(record)
    assert [p for p, _ in fmt.schema_errors(record)] == ["/chat/turn_1/MOSS"]
    assert ("S001", "/chat/turn_1/MOSS") in [f[:2] for f in _found([record])]


def test_a_reply_restating_its_thoughts_is_no_repeat():
    record = copy.deepcopy(PLAIN)
    turn = record["chat"]["turn_1"]
    turn["Inner Thoughts"] = (
        "<|Inner Thoughts|>: 这是一个常识问题，我可以直接回答。三棱柱的体积公式为：底面积×高。<eot>\n"
    )
    turn["MOSS"] = "<|MOSS|>: 三棱柱的体积公式为：底面积×高。<eom>\n"
    assert [f for f in _found([record]) if f[0] == "T009"] == []
    sentence = "三棱柱的体积公式为：底面积×高。"
    turn["MOSS"] = f"<|MOSS|>: {sentence}{sentence}<eom>\n"  # a loop inside the reply still is one
    second = len("<|MOSS|>: ") + len(sentence)
    assert [f for f in _found([record]) if f[0] == "T009"] == [
        ("T009", "/chat/turn_1/MOSS", (second, second + len(sentence)))
    ]


#: MOSS's calculator plugin, as conversation_with_plugins/calculator writes its records
CALC_META = META.replace(
    "- Web search: enabled. API: Search(query)\n- Calculator: disabled.",
    ("- Web search: disabled.\n- Calculator: enabled. API: Calculate(expression)"),
)


def _calc(commands: str, results: str, reply: str = "正方体的边长约为14.7厘米。") -> dict:
    return {
        "conversation_id": 20,
        "meta_instruction": CALC_META,
        "num_turns": 1,
        "chat": {
            "turn_1": {
                "Human": "<|Human|>: 一个正方体的底面积是216平方厘米，边长减少1厘米后底面积是多少？<eoh>\n",
                "Inner Thoughts": "<|Inner Thoughts|>: 先求边长，再减一求新的底面积。<eot>\n",
                "Commands": f"<|Commands|>: {commands}<eoc>\n",
                "Tool Responses": f"<|Results|>:\n{results}\n<eor>\n",
                "MOSS": f"<|MOSS|>: {reply}<eom>\n",
            }
        },
        "category": "tool",
    }


def _c(records):
    return [f for f in _found(records) if f[0].startswith("C")]


def test_a_plugin_call_whose_results_are_none_is_never_answered():
    record = _calc('Solve("x+y=650;y=1/5x")', "None")
    record["meta_instruction"] += "- Equation solver: enabled. API: Solve(equation)\n"
    tag = len("<|Commands|>: ")
    assert _c([record]) == [("C004", "/chat/turn_1/Commands", (tag, tag + len("Solve")))]


def test_a_call_the_results_do_not_echo_is_never_answered():
    second = 'Calculate("({} - 1)**2".format(14.696938456699069))'
    commands = f'Calculate("sqrt(216)-1") , {second}'
    record = _calc(commands, "Calculate(\"sqrt(216)-1\") => '13.696938456699069'")
    at = len("<|Commands|>: ") + commands.index(second)
    assert _c([record]) == [("C004", "/chat/turn_1/Commands", (at, at + len("Calculate")))]
    (finding,) = [d for d in sftlint.lint([record]) if d.code == "C004"]
    assert "echo 1 of the turn's 2 calls to 'Calculate'" in finding.message


def test_a_call_to_a_plugin_the_meta_instruction_does_not_enable_is_undeclared():
    commands = 'Calculate("sqrt(216)"), Count("边长")'
    record = _calc(commands, "Calculate(\"sqrt(216)\") => '14.696938456699069'")
    at = len("<|Commands|>: ") + commands.index("Count")
    assert _c([record]) == [("C002", "/chat/turn_1/Commands", (at, at + len("Count")))]


def test_answered_calls_and_results_without_echoes_are_clean():
    both = _calc(
        'Calculate("sqrt(216)"), Calculate("(sqrt(216)-1)**2")',
        "Calculate(\"sqrt(216)\") => '14.696938456699069'\nCalculate(\"(sqrt(216)-1)**2\") => '187.6'",
    )
    # the plugin's own parser split the call differently: its answer still echoes the tool once
    garbled = _calc('Calculate("("+ str(2) + str(-4) + ")")', 'Calculate("(")+ str(2) + " => \'No result.\'')
    image = copy.deepcopy(both)
    image["meta_instruction"] += "- Text-to-image: enabled. API: Text2Image(description)\n"
    image["chat"]["turn_1"]["Commands"] = '<|Commands|>: Text2Image("a city in the future")<eoc>\n'
    image["chat"]["turn_1"]["Tool Responses"] = "<|Results|>: Image generated successfully.<eor>\n"
    prose = _calc("None (This question doesn't require any external API calls.)", "None")
    # a list ending in MOSS's "no command": the call before it is read, and answered
    trailing = _calc('Calculate("sqrt(216)"), None', "Calculate(\"sqrt(216)\") => '14.696938456699069'")
    assert _c([both, garbled, image, prose, trailing, SEARCH, PLAIN]) == []
    unanswered = _calc('Calculate("sqrt(216)"), None', "None")
    assert [f[0] for f in _c([unanswered])] == ["C004"]
