"""ReAct layouts (block, line, inline) and the rules that check each: planted defects in files of
five similar records per prompt style, and the clean files silent.

The clean files are in tests/fixtures/react_layouts/ (written by make.py there, in the styles of
LangChain's and LlamaIndex's ReAct prompts, Qwen's Chinese prompt, the ReAct paper's inline
trajectories and the seed's block layout).  Each test plants one defect into a copy, the way it
happens in real data, and expects exactly the finding that names it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from conftest import filled_from_pieces

import sftlint
from sftlint.analysis.layouts import exact_json, prompt_asks_json, prompt_layout, prompt_tools
from sftlint.fixes import apply_fixes

FIX = Path(__file__).resolve().parent / "fixtures" / "react_layouts"
STYLES = ["langchain_en", "llamaindex_en", "llamaindex_zh", "qwen_zh", "react_inline", "seed_block"]


def load(style: str) -> list[dict]:
    return [json.loads(line) for line in (FIX / f"{style}.jsonl").read_text(encoding="utf-8").splitlines()]


def lint(records: list[dict], tmp_path: Path, select=("R", "S"), **options) -> list[sftlint.Diagnostic]:
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return list(sftlint.lint(path, select=list(select), options=options or None))


def found(diags) -> list[tuple[str, int, str]]:
    return sorted((d.code, d.record, d.pointer) for d in diags)


def plant(style: str, record: int, message: int, old: str, new: str) -> list[dict]:
    recs = copy.deepcopy(load(style))
    msg = recs[record]["messages"][message]
    assert old in msg["content"], (style, record, message, msg["content"])
    msg["content"] = msg["content"].replace(old, new, 1)
    return recs


@pytest.mark.parametrize("style", STYLES)
def test_clean_files_are_silent(style, tmp_path):
    recs = load(style)
    assert len(recs) == 5
    assert found(lint(recs, tmp_path)) == []


# -- the layout decision ----------------------------------------------------------------


def test_prompt_templates_decide_the_layout():
    recs = {s: load(s)[0]["messages"][0]["content"] for s in STYLES if s != "react_inline"}
    assert prompt_layout(recs["langchain_en"]) == "line"
    assert prompt_layout(recs["llamaindex_en"]) == "line"
    assert prompt_layout(recs["llamaindex_zh"]) == "line"
    assert prompt_layout(recs["qwen_zh"]) == "line"
    assert prompt_layout(recs["seed_block"]) == "block"
    paper = (
        "Solve a question answering task with interleaving Thought, Action, Observation steps. Thought can "
        "reason about the current situation, and Action can be three types:\n(1) Search[entity], which searches "
        "the exact entity on Wikipedia.\n(2) Lookup[keyword], which returns the next sentence containing keyword.\n"
        "(3) Finish[answer], which returns the answer and finishes the task."
    )
    assert prompt_layout(paper) == "inline"
    assert prompt_tools(paper) == {"search", "lookup", "finish"}
    assert prompt_layout("You are a helpful assistant.") is None
    # a Markdown rule is not the block's separator
    assert prompt_layout("Use ReAct with Thought and Action steps.\n\n---\n\nTools: search") is None
    assert prompt_layout("每次回复都先用<>包裹ReAct思考过程，再另起一行以---开头写给用户的答复。") == "block"


@pytest.mark.parametrize(
    "prompt",
    [
        "每次回复都先用<>包裹ReAct思考过程，再另起一行以---开头写给用户的答复。",
        "思考过程用＜ ＞包围起来，答复不要用<>包围。",
        "Use the format:\n  < Thought: what to do\nAction: the step >\n--- your reply",
        "Use the format:\n< 思考：……\n动作：…… >",
        "先写思考和动作，之后写---，再写给用户的答复。",
        "Write your reply after ---",
        "Write your RESPONSE then ---, nothing else.",
        "Use ReAct with Thought and Action steps.\n\n---\n\nTools: search",
        "a----b reply, x---y answer, 回复：见下文 ---- 结束",
        "Compare 3 < 5 and 7 > 2; no block here.",
        "You are a helpful assistant.",
        "",
    ],
)
def test_block_mention_branch_by_branch_is_the_whole_pattern(prompt):
    """``_mentions_block`` tries the branches of ``_BLOCK_MENTION`` one by one (the cheapest
    first); it must say what the whole pattern says."""
    from sftlint.analysis.layouts import _BLOCK_MENTION, _mentions_block

    assert _mentions_block(prompt) == (_BLOCK_MENTION.search(prompt) is not None)


def test_tool_lists_and_json_requests_are_read_from_the_templates():
    assert prompt_tools(load("langchain_en")[0]["messages"][0]["content"]) == {"search", "calculator"}
    assert prompt_tools(load("llamaindex_en")[0]["messages"][0]["content"]) == {
        "get_weather",
        "convert_currency",
    }
    assert prompt_tools(load("llamaindex_zh")[0]["messages"][0]["content"]) == {"query_order", "query_refund"}
    assert prompt_tools(load("qwen_zh")[0]["messages"][0]["content"]) == {"search_flight", "book_hotel"}
    assert prompt_tools("Action: the action to take, should be one of [{tool_names}]") == frozenset()
    assert prompt_tools("行动：要采取的行动，应为[搜索, 计算器]中的一个") == {"搜索", "计算器"}
    assert prompt_tools("Action: must be one of the following tools: [web_search, python]") == {
        "web_search",
        "python",
    }
    # "Final Answer" ends the episode: not a tool (R010 never asks about it)
    assert prompt_tools('Valid "action" values: "Final Answer" or get_weather, get_time') == {
        "get_weather",
        "get_time",
    }
    assert prompt_asks_json(load("llamaindex_en")[0]["messages"][0]["content"])
    assert prompt_asks_json(load("llamaindex_zh")[0]["messages"][0]["content"])
    assert prompt_asks_json(load("qwen_zh")[0]["messages"][0]["content"])
    assert not prompt_asks_json(load("langchain_en")[0]["messages"][0]["content"])


def test_a_pinned_layout_wins(tmp_path):
    """Pinned to the block layout, the inline trajectories are broken blocks (R004)."""
    recs = load("react_inline")
    assert not [d for d in lint(recs, tmp_path) if d.code == "R004"]
    pinned = lint(recs, tmp_path, select=["R004"], **{"react-layout": {"layout": "block"}})
    assert len(pinned) == 10


# -- R001 / R004 keep to their layout -----------------------------------------------------


def test_block_layout_defects_still_found(tmp_path):
    recs = plant("seed_block", 2, 4, "询问用户是否已寄回商品。>\n---", "询问用户是否已寄回商品。\n---")
    assert found(lint(recs, tmp_path)) == [("R004", 2, "/messages/4/content")]


def test_r001_in_the_line_layout(tmp_path):
    """A mid-trajectory turn with no steps is R001's; a final turn without the label is R008's."""
    recs = plant(
        "langchain_en",
        1,
        4,
        "Thought: Now I need to calculate.\nAction: calculator\nAction Input: 2025 - 1889",
        "2025 - 1889",
    )
    assert found(lint(recs, tmp_path, select=["R"])) == [("R001", 1, "/messages/4/content")]


# -- R007 action without its input -------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "record", "message", "old", "new"),
    [
        ("langchain_en", 2, 2, "\nAction Input: Tesla Model 3 base price US", ""),
        ("llamaindex_zh", 4, 2, '\n行动输入：{"order_id": "40417"}', ""),
    ],
)
def test_r007_action_without_input(style, record, message, old, new, tmp_path):
    recs = plant(style, record, message, old, new)
    assert found(lint(recs, tmp_path, select=["R"])) == [("R007", record, f"/messages/{message}/content")]


def test_r007_not_in_the_inline_layout(tmp_path):
    assert found(lint(load("react_inline"), tmp_path, select=["R007"])) == []


# -- R008 final turn without the final-answer label ---------------------------------------------


@pytest.mark.parametrize(
    ("style", "record", "message", "old"),
    [
        ("langchain_en", 0, 6, "Final Answer: "),
        ("llamaindex_en", 2, 4, "Answer: "),
        ("llamaindex_zh", 1, 4, "答案："),
        ("qwen_zh", 3, 4, "最终答案："),
    ],
)
def test_r008_final_turn_without_label(style, record, message, old, tmp_path):
    recs = plant(style, record, message, old, "")
    assert found(lint(recs, tmp_path, select=["R"])) == [("R008", record, f"/messages/{message}/content")]


def test_r008_by_the_file_majority_without_a_prompt(tmp_path):
    """No system prompt: the file's other final turns carry `Final Answer:`, so the one that does not is reported."""
    recs = load("langchain_en")
    for r in recs:
        r["messages"] = r["messages"][1:]
    assert found(lint(recs, tmp_path, select=["R"])) == []
    recs[4]["messages"][5]["content"] = recs[4]["messages"][5]["content"].replace("Final Answer: ", "")
    assert found(lint(recs, tmp_path, select=["R"])) == [("R008", 4, "/messages/5/content")]


# -- R009 Action Input not JSON where the prompt asks for JSON ----------------------------------------


def test_r009_python_dict_gets_a_safe_fix(tmp_path):
    recs = plant(
        "llamaindex_en", 0, 2, 'Action Input: {"city": "Lisbon"}', "Action Input: {'city': 'Lisbon'}"
    )
    diags = lint(recs, tmp_path, select=["R"])
    assert found(diags) == [("R009", 0, "/messages/2/content")]
    (d,) = diags
    assert d.fix is not None and d.fix.applicability == "safe"
    assert apply_fixes(str(tmp_path / "data.jsonl"), diags) == 1
    fixed = json.loads((tmp_path / "data.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert fixed["messages"][2]["content"].endswith('Action Input: {"city": "Lisbon"}')
    assert (
        found(lint([json.loads(x) for x in (tmp_path / "data.jsonl").read_text().splitlines()], tmp_path))
        == []
    )


def test_r009_chinese_and_no_fix_where_not_exact(tmp_path):
    recs = plant("llamaindex_zh", 2, 2, '{"order_id": "55120"}', "order_id=55120")
    recs[3]["messages"][2]["content"] = recs[3]["messages"][2]["content"].replace(
        '{"order_id": "73009"}', "{'order_id': ('73009',)}"
    )
    diags = lint(recs, tmp_path, select=["R"])
    assert found(diags) == [("R009", 2, "/messages/2/content"), ("R009", 3, "/messages/2/content")]
    assert all(d.fix is None for d in diags)  # a tuple would become a list: not exact


def test_r009_silent_where_the_prompt_does_not_ask_json(tmp_path):
    """LangChain's prompt asks for "the input to the action": a plain string is right there."""
    assert found(lint(load("langchain_en"), tmp_path, select=["R009"])) == []


# -- R010 a tool the prompt does not list ----------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "record", "message", "old", "new"),
    [
        ("langchain_en", 2, 4, "Action: calculator", "Action: python_repl"),
        ("llamaindex_en", 4, 2, "Action: get_weather", "Action: weather_lookup"),
        ("qwen_zh", 2, 2, "行动：book_hotel", "行动：reserve_room"),
    ],
)
def test_r010_undeclared_tool(style, record, message, old, new, tmp_path):
    recs = plant(style, record, message, old, new)
    diags = lint(recs, tmp_path, select=["R"])
    assert found(diags) == [("R010", record, f"/messages/{message}/content")]
    assert new.split("：")[-1].split(": ")[-1] in diags[0].message


def test_r010_silent_without_a_tool_list(tmp_path):
    recs = plant("react_inline", 1, 1, "Action: search[", "Action: browse[")
    assert found(lint(recs, tmp_path, select=["R010"])) == []


# -- R011 invented observations ---------------------------------------------------------------------


def test_r011_observation_written_before_the_real_one(tmp_path):
    recs = plant(
        "react_inline", 0, 1, "Action: search[first modern Olympic Games]",
        "Action: search[first modern Olympic Games]\nObservation: The first modern Olympics were held in Paris in 1900.",
    )  # fmt: skip
    diags = lint(recs, tmp_path, select=["R"])
    assert found(diags) == [("R011", 0, "/messages/1/content")]
    text = recs[0]["messages"][1]["content"]
    assert text[slice(*diags[0].span)].startswith("Observation: The first modern Olympics")


def test_r011_by_the_file_majority(tmp_path):
    """A record whose assistant wrote the whole trajectory in one turn, in a file whose observations
    come from user turns: the file decides."""
    recs = load("react_inline")
    m = recs[3]["messages"]
    m[1]["content"] += "\nObservation: Sergey Brin attended the University of Maryland.\n" + m[3]["content"]
    del m[2:4]
    assert found(lint(recs, tmp_path, select=["R011"])) == [("R011", 3, "/messages/1/content")]


@pytest.mark.parametrize(
    ("style", "record", "message", "old", "new"),
    [
        ("llamaindex_en", 1, 2, '"Vancouver"}', '"Vancouver"}\nObservation: Vancouver: 14°C, sunny'),
        ("llamaindex_zh", 0, 2, '"20240611"}', '"20240611"}\n观察：订单已签收'),
        (
            "langchain_en",
            4,
            2,
            "Mount Everest height meters",
            "Mount Everest height meters\nObservation: 8,849 m",
        ),
    ],
)
def test_r011_line_layouts(style, record, message, old, new, tmp_path):
    recs = plant(style, record, message, old, new)
    assert found(lint(recs, tmp_path, select=["R"])) == [("R011", record, f"/messages/{message}/content")]


def test_r011_whole_trajectories_in_one_turn_are_the_file_convention(tmp_path):
    """FireAct's Alpaca shape: every output holds the whole trajectory; nothing to report."""
    recs = []
    for r in load("react_inline"):
        m = r["messages"]
        recs.append(
            {"instruction": m[0]["content"], "input": "", "output": "\n".join(x["content"] for x in m[1:])}
        )
    assert found(lint(recs, tmp_path, select=["R", "S"])) == []


def test_r011_planned_observation_in_the_block_layout_is_legal(tmp_path):
    assert "观察：等用户返回" in load("seed_block")[0]["messages"][2]["content"]
    assert found(lint(load("seed_block"), tmp_path, select=["R011"])) == []


# -- converting Python literals --------------------------------------------------------------------


def test_exact_json():
    assert (
        exact_json("{'input': 'hello world', 'num_beams': 5}") == '{"input": "hello world", "num_beams": 5}'
    )
    assert exact_json("{'ok': True, 'x': None, 'xs': [1, 2.5]}") == '{"ok": true, "x": null, "xs": [1, 2.5]}'
    assert exact_json("{'city': '北京'}") == '{"city": "北京"}'
    assert exact_json("{'a': (1, 2)}") is None  # a tuple becomes a list: not exact
    assert exact_json("{1: 'a'}") is None  # a non-string key
    assert exact_json("'just a string'") is None
    assert exact_json("os.system('x')") is None
    assert exact_json("{'a': float('nan')}") is None


# -- the shared FireAct files -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fireact_gpt_hotpotqa.jsonl", "fireact_alpaca_multitask_multimethod.json"])
def test_fireact_has_no_r001_or_r004(shared_data, name):
    path = shared_data / "wild" / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    codes = {d.code for d in sftlint.lint(path, select=["R001", "R004", "R007", "R008", "R010", "R011"])}
    assert codes == set()


def test_r011_a_bare_stop_word_is_not_an_observation(tmp_path):
    """Some datasets end each action turn with the framework's stop word `Observation:` and nothing after it."""
    recs = load("langchain_en")
    for r in recs:
        for m in r["messages"]:
            if m["role"] == "assistant" and "Action Input:" in m["content"]:
                m["content"] += "\n\nObservation:"
    assert found(lint(recs, tmp_path)) == []


def test_chinese_inline_actions(tmp_path):
    """`行动：搜索[…]` is the inline layout too: no Action Input is expected."""
    recs = load("react_inline")
    for r in recs:
        for m in r["messages"]:
            m["content"] = (
                m["content"].replace("Thought:", "思考：").replace("Action: search[", "行动：搜索[")
                .replace("Action: finish[", "行动：完成[").replace("Observation:", "观察：")
            )  # fmt: skip
    assert found(lint(recs, tmp_path)) == []
    recs[2]["messages"][1]["content"] += "\n观察：布达佩斯位于多瑙河两岸。"
    assert found(lint(recs, tmp_path)) == [("R011", 2, "/messages/1/content")]


def test_s005_names_an_episode_end_observation(tmp_path):
    recs = load("react_inline")
    recs[0]["messages"].append({"role": "user", "content": "Observation: Episode finished, reward = True"})
    diags = lint(recs, tmp_path)
    assert found(diags) == [("S005", 0, "/messages/4/role")]
    assert "ends with an observation" in diags[0].message and "drop the whole record" in diags[0].message


def test_the_line_rules_gate_is_quiet_only_where_every_member_is(tmp_path):
    """On every record of the clean files and of planted copies, the react-line family's gate
    (which lets the engine skip R007/R009/R010) is quiet only where each rule reports nothing."""
    from sftlint.config import Settings
    from sftlint.engine import Engine
    from sftlint.reader import read_source
    from sftlint.record import Record

    engine = Engine(Settings(select=["R"]))
    ((gate, rules),) = [(g, rs) for g, rs in engine.record_units if rs[0].family == "react-line"]
    planted = [
        plant("langchain_en", 2, 2, "\nAction Input: Tesla Model 3 base price US", ""),
        plant("llamaindex_en", 0, 2, 'Action Input: {"city": "Lisbon"}', "Action Input: {'city': 'Lisbon'}"),
        plant("qwen_zh", 2, 2, "行动：book_hotel", "行动：reserve_room"),
        plant("llamaindex_en", 1, 2, "Action: get_weather", "**Action**: get_weather"),
    ]
    sets = [load(s) for s in STYLES] + planted
    reported_somewhere = 0
    for i, recs in enumerate(sets):
        path = tmp_path / f"{i}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
        state, raws = engine.start_file(read_source(str(path), 1 << 24), str(path))
        for raw in raws:
            record = Record(state.info, raw.index, raw.line, raw.end_line, raw.data, raw.text, raw.column)
            record.messages = state.fmt.to_messages(raw.data)
            reported = [r.code for r in rules if list(r.check(record))]
            if gate(record):
                assert not reported, (i, raw.index, reported)
            reported_somewhere += bool(reported)
    assert reported_somewhere == 3


def test_r010_reads_the_records_tools_declaration(tmp_path):
    """No list in the prompt, but a `tools` field (a JSON string, as in ShareGPT data): it is the list."""
    recs = load("react_inline")
    tools = json.dumps(
        [{"name": "search", "description": "Search Wikipedia", "parameters": {"type": "object"}}]
    )
    for r in recs:
        r["tools"] = tools
    assert found(lint(recs, tmp_path, select=["R"])) == []
    recs[4]["messages"][1]["content"] = recs[4]["messages"][1]["content"].replace(
        "Action: search[", "Action: lookup["
    )
    assert found(lint(recs, tmp_path, select=["R"])) == [("R010", 4, "/messages/1/content")]


# -- R008 a whole trajectory in one turn, cut after an action ----------------------------------------

QWEN_PROMPT = (
    "Answer the following questions as best you can. You have access to the following tools:\n\n"
    "knowledge_graph: Call this tool to interact with the 知识图谱 API. Parameters: "
    '[{"name": "weapon_query", "required": true, "schema": {"type": "string"}}] '
    "Format the arguments as a JSON object.\n\nUse the following format:\n\n"
    "Question: the input question you must answer\nThought: you should always think about what to do\n"
    "Action: the action to take, should be one of [knowledge_graph]\nAction Input: the input to the action\n"
    "Observation: the result of the action\n... (this Thought/Action/Action Input/Observation can be "
    "repeated zero or more times)\nThought: I now know the final answer\n"
    "Final Answer: the final answer to the original input question\n\nBegin!\n\nQuestion: "
)
WEAPONS = [("坦克", "射程", "4千米"), ("直升机", "速度", "300千米每小时"), ("火箭炮", "重量", "20吨")] * 2


def _trajectory(weapon: str, attribute: str, value: str) -> dict:
    """One Qwen-style record: the whole trajectory, observations included, in the output."""
    return {
        "instruction": "You are a helpful assistant.",
        "input": QWEN_PROMPT + f"{weapon}的{attribute}是多少？",
        "output": (
            f"Thought: 我需要调用知识图谱API来获取{weapon}的{attribute}。\n"
            "Action: knowledge_graph\n"
            f'Action Input: {{"weapon_query": "{weapon}"}}\n'
            f"Observation: {weapon}的{attribute}为{value}。\n"
            "Thought: I now know the final answer\n"
            f"Final Answer: {weapon}的{attribute}是{value}。"
        ),
    }


def test_r008_a_whole_trajectory_cut_after_an_action(tmp_path):
    recs = [_trajectory(*w) for w in WEAPONS]
    assert found(lint(recs, tmp_path, select=["R"])) == []
    # the generator hit its step limit: a second action, and nothing after it
    first = recs[2]["output"].split("\nThought: I now know")[0]
    recs[2]["output"] = (
        first + '\nThought: 再查一次。\nAction: knowledge_graph\nAction Input: {"weapon_query": "火箭炮"}'
    )
    diags = lint(recs, tmp_path, select=["R"])
    assert found(diags) == [("R008", 2, "/output")]
    assert "stops after an action" in diags[0].message
    # a trajectory that ends on an action without having observed anything is a step, not a cut one
    recs[2]["output"] = first.split("\nObservation:")[0]
    assert found(lint(recs, tmp_path, select=["R"])) == []


def test_r008_a_step_that_invents_an_observation_is_r011s_in_a_step_wise_file(tmp_path):
    """In a file whose observations come from user turns, a turn that writes one itself and then
    acts again is a step with an invented observation (R011), not a cut trajectory."""
    system = QWEN_PROMPT.split("\n\nBegin!")[0]
    recs = []
    for weapon, attribute, value in WEAPONS:
        recs.append(
            {
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": f"{weapon}的{attribute}是多少？"},
                    {
                        "role": "assistant",
                        "content": f'Thought: 查询。\nAction: knowledge_graph\nAction Input: {{"weapon_query": "{weapon}"}}',
                    },
                    {"role": "user", "content": f"Observation: {weapon}的{attribute}为{value}。"},
                    {
                        "role": "assistant",
                        "content": f"Thought: I now know the final answer\nFinal Answer: {value}。",
                    },
                ]
            }
        )
    recs[1]["messages"] = [
        *recs[1]["messages"][:2],
        {
            "role": "assistant",
            "content": 'Thought: 查询。\nAction: knowledge_graph\nAction Input: {"weapon_query": "直升机"}\n'
            "Observation: 直升机的速度为300千米每小时。\nThought: 再查一次。\nAction: knowledge_graph\n"
            'Action Input: {"weapon_query": "直升机"}',
        },
    ]
    assert [code for code, _, _ in found(lint(recs, tmp_path, select=["R"]))] == ["R011"]


def test_r008_file_votes_merge_as_serial_whatever_the_cut(tmp_path):
    """FinalVotes filled from pieces (--jobs) gives the findings of the serial collector, wherever
    the record whose observations come from a turn falls."""
    from sftlint.rules.react_line import FinalAnswerMissing

    rule = FinalAnswerMissing()
    cut = _trajectory("火箭炮", "重量", "20吨")
    cut["output"] = (
        cut["output"].split("\nThought: I now know")[0]
        + '\nAction: knowledge_graph\nAction Input: {"weapon_query": "x"}'
    )
    data = tmp_path / "data.jsonl"
    data.write_text(
        "".join(
            json.dumps(r, ensure_ascii=False) + "\n" for r in [*map(lambda w: _trajectory(*w), WEAPONS), cut]
        )
    )
    summaries = [s for s in (rule.map(r) for r in sftlint.load_records(data)) if s is not None]
    from sftlint.rules.react_line import EnvSeen

    for with_env in (False, True):
        # with_env: a record of the same file whose observation came from a user turn
        path = next(iter(sftlint.load_records(data))).file.path
        items = summaries + ([EnvSeen(path)] if with_env else [])
        serial = rule.collector()
        for s in items:
            serial.append(s)
        expect = [f.message for f in rule.reduce(serial)]
        assert len(expect) == (0 if with_env else 1)
        for k in range(len(items) + 1):
            merged = filled_from_pieces(rule.collector(), items, [k])
            assert [f.message for f in rule.reduce(merged)] == expect


# -- R012 a misspelt label --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "record", "message", "old", "new"),
    [
        ("langchain_en", 2, 2, "\nAction: ", "\nAciton: "),  # two letters swapped
        ("langchain_en", 1, 2, "Thought: ", "Thougth: "),
        ("langchain_en", 3, 2, "Action Input: ", "Action_Input: "),
        ("react_inline", 1, 1, "\nAction: search", "\nActon: search"),  # the inline layout too
    ],
)
def test_r012_a_misspelt_label_is_reported_with_a_fix(style, record, message, old, new, tmp_path):
    recs = plant(style, record, message, old, new)
    diags = lint(recs, tmp_path, select=["R012"])
    assert found(diags) == [("R012", record, f"/messages/{message}/content")]
    (d,) = diags
    content = recs[record]["messages"][message]["content"]
    assert content[d.span[0] : d.span[1]] == new.strip().split(":")[0]
    assert d.fix is not None and d.fix.applicability == "unsafe"
    assert apply_fixes(str(tmp_path / "data.jsonl"), diags, unsafe=True) == 1
    fixed = [json.loads(x) for x in (tmp_path / "data.jsonl").read_text(encoding="utf-8").splitlines()]
    assert fixed == load(style)


@pytest.mark.parametrize(
    ("style", "record", "message", "old", "new"),
    [
        ("langchain_en", 1, 2, "Thought: ", "Thought:Thought: "),  # adan_application's slip
        ("langchain_en", 2, 2, "\nAction: ", "\nAction: Action: "),
        ("react_inline", 1, 1, "\nAction: search", "\nAction:Action: search"),
    ],
)
def test_r012_a_label_written_twice_is_reported_and_written_once_by_the_fix(
    style, record, message, old, new, tmp_path
):
    recs = plant(style, record, message, old, new)
    diags = lint(recs, tmp_path, select=["R012"])
    assert found(diags) == [("R012", record, f"/messages/{message}/content")]
    (d,) = diags
    label = old.strip().split(":")[0]
    content = recs[record]["messages"][message]["content"]
    assert content[d.span[0] : d.span[1]].strip() == f"{label}:" and "written twice" in d.message
    assert apply_fixes(str(tmp_path / "data.jsonl"), diags, unsafe=True) == 1
    fixed = [json.loads(x) for x in (tmp_path / "data.jsonl").read_text(encoding="utf-8").splitlines()]
    assert fixed == load(style)


def test_r012_leaves_a_label_word_in_the_text_alone(tmp_path):
    # the word after the label is the step's own text, not the label again
    recs = plant("langchain_en", 1, 2, "Thought: ", "Thought: thought: it over, ")
    assert found(lint(recs, tmp_path, select=["R012"])) == []
    recs = plant("langchain_en", 1, 2, "Thought: ", "Thought: Thought experiments aside, ")
    assert found(lint(recs, tmp_path, select=["R012"])) == []


def test_r012_leaves_the_formats_own_spelling_and_other_lines_alone(tmp_path):
    # the prompt's format spells it `Thoughts:` throughout: that is the format, not a slip
    recs = load("langchain_en")
    for r in recs:
        for m in r["messages"]:
            m["content"] = m["content"].replace("Thought:", "Thoughts:")
    assert found(lint(recs, tmp_path, select=["R012"])) == []
    # prose lines that open with other words and a colon; a seed-style block turn
    recs = plant(
        "langchain_en", 0, 6, "Final Answer: ", "Caution: prices change.\nOptions: two.\nFinal Answer: "
    )
    assert found(lint(recs, tmp_path, select=["R012"])) == []
    assert found(lint(load("seed_block"), tmp_path, select=["R012"])) == []


def test_r012_needs_the_right_spelling_somewhere_in_the_record(tmp_path):
    # a plain chat reply that happens to open a line with `Actions:` is no ReAct turn at all
    plain = {
        "messages": [
            {"role": "user", "content": "How do I prepare for the audit?"},
            {"role": "assistant", "content": "Thought: gather documents.\nActions: list receipts, invoices."},
        ]
    }
    assert found(lint([plain], tmp_path, select=["R012"])) == []


def test_near_label():
    from rules.react_line import near_label

    assert near_label("Obversation") == "Observation"  # two letters apart: two edits, a long label
    assert near_label("Final Answers") == "Final Answer"
    assert near_label("Action") is None and near_label("final answer") is None  # the labels
    assert near_label("Caution") is None and near_label("Question") is None and near_label("Function") is None
