"""The step labels a file defines in its own system prompt: read them, check the turns against them.

A second engineer names the ReAct steps in other words and says so in the system prompt
("思考过程标记为【推理】…", "Use Reasoning:/Tool:/Result:", "每一步按 分析 → 执行 → 反馈 的格式").
Turns that use the file's own labels are ReAct turns with every step; a turn that lacks one of
them still lacks it; where the prompt's labels cannot be read, R002 does not guess.
"""

from __future__ import annotations

import pytest
from conftest import chat

import sftlint
from sftlint.analysis.react import DEFAULT_SYNTAX, label_namings, parse_turn, prompt_step_labels

KB = " 知识库结果：用户反馈退款未到账，如何处理？ 处理方法是：先确认用户的支付方式。\n1. 如果是余额支付，退款即时到账。\n2. 如果是银行卡支付，退款1-3个工作日到账。"

BRACKET_PROMPT = (
    "你是电商平台的售后客服。请依据用户消息中的知识库结果回答。每次回复都要先用 ReAct 方法思考："
    "思考过程标记为【推理】，调用工具标记为【操作】，工具返回标记为【结果】。"
    "思考过程用<>包围起来，之后写---，再写给用户的答复。"
)
ENGLISH_PROMPT = (
    "You are the after-sales assistant of an online shop. Think with ReAct before every reply. "
    "Use Reasoning:/Tool:/Tool Input:/Result: for the steps, wrap them in < >, then write --- and the reply."
)
ARROW_PROMPT = (
    "你是银行的智能客服。每次回复都要先用 ReAct 方法思考，每一步按 分析 → 执行 → 反馈 的格式写，"
    "冒号后写内容。思考过程用<>包围起来，之后写---，再写给用户的答复。"
)
#: a phrasing the seed-kind generator does not use: 以…开头, 用…表示, 记为
PREFIX_PROMPT = (
    "你是通信运营商的在线客服。回复前先想清楚：推理部分以“思路：”开头，决定要做的事用“措施：”表示，"
    "得到的结果记为“结果：”。这些内容放在<>里，之后写---，再写给用户的话。"
)
EN_PREFIX_PROMPT = (
    "Reply in this format, one item per line. Begin your reasoning with Plan:, the step you take "
    "with Do:, what comes back with Seen:, and the answer to the user with Reply:."
)
TEMPLATE_PROMPT = "每次回复都要用 ReAct 方法，格式如下：\n< 推理：你的推理\n操作：你要做的事\n结果：操作的结果 >\n--- 给用户的答复"
SEED_PROMPT = (
    "ReAct 的方法是：1. 首先思考用户的问题该如何解决，给出你的推理，标记为思考。2. 然后根据你的推理决定合适的行动，"
    "标记为行动。3. 观察你行动的结果或收集必要的信息，标记为观察。"
)
LANGCHAIN_PROMPT = (
    "Answer the following questions as best you can. You have access to the following tools:\n\n"
    "search: look things up\n\nUse the following format:\n\nQuestion: the input question you must answer\n"
    "Thought: you should always think about what to do\nAction: the action to take, should be one of [search]\n"
    "Action Input: the input to the action\nObservation: the result of the action\n"
    "... (this Thought/Action/Action Input/Observation can repeat N times)\n"
    "Thought: I now know the final answer\nFinal Answer: the final answer to the original input question"
)


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        (BRACKET_PROMPT, {"thought": ("【推理",), "action": ("【操作",), "observation": ("【结果",)}),
        (
            ENGLISH_PROMPT,
            {
                "thought": ("Reasoning",),
                "action": ("Tool",),
                "observation": ("Result",),
                "action_input": ("Tool Input",),
            },
        ),
        (ARROW_PROMPT, {"thought": ("分析",), "action": ("执行",), "observation": ("反馈",)}),
        (PREFIX_PROMPT, {"thought": ("思路",), "action": ("措施",), "observation": ("结果",)}),
        (
            EN_PREFIX_PROMPT,
            {"thought": ("Plan",), "action": ("Do",), "observation": ("Seen",), "final": ("Reply",)},
        ),
        (TEMPLATE_PROMPT, {"thought": ("推理",), "action": ("操作",), "observation": ("结果",)}),
        # the known labels are learned from nowhere: nothing new
        (SEED_PROMPT, {}),
        (LANGCHAIN_PROMPT, {}),
        # only the action renamed: the known thought and observation anchor the order
        ("用 ReAct 方法思考，格式：\n思考：…\n操作：…\n观察：…", {"action": ("操作",)}),
    ],
)
def test_reads_the_labels_the_prompt_defines(prompt, expected):
    assert prompt_step_labels(prompt, DEFAULT_SYNTAX) == expected


@pytest.mark.parametrize(
    "prompt",
    [
        # a form, not steps: no word of it names a step, and the prompt does not say ReAct
        "请按以下格式登记：\n姓名：\n电话：\n地址：",
        # a word naming one step where its place gives another
        "用 ReAct 方法，每一步按 结果 → 推理 → 操作 的格式写。",
        # a label named in a sentence with nothing saying its step
        "用 ReAct 方法思考。推理过程标记为【推理】，重要信息标记为【重点】。",
        # four steps: which is which cannot be read
        "用 ReAct 方法，每一步按 问题 → 推理 → 操作 → 结果 → 复核 的格式写。",
        # no prompt labels at all
        "每次回复都要先用 ReAct 方法思考。",
    ],
)
def test_learns_nothing_it_cannot_read(prompt):
    assert prompt_step_labels(prompt, DEFAULT_SYNTAX) == {}


def test_a_bracketed_label_ends_at_its_bracket_with_or_without_a_colon():
    syntax = DEFAULT_SYNTAX.for_prompt(BRACKET_PROMPT)
    turn = parse_turn(
        "< 【推理】用户想查退款。\n【操作】：查询退款状态\n【结果】退款中 >\n--- 您的退款正在处理中。", syntax
    )
    assert turn.is_block and turn.layout_ok
    assert [(u.kind, u.text) for u in turn.labels] == [
        ("thought", "【推理"),
        ("action", "【操作"),
        ("observation", "【结果"),
    ]
    action = turn.labels[1]
    assert turn.text[action.value_start :].startswith("查询退款状态")  # the colon is the label's
    assert not turn.colon_kinds


def test_r005_reads_the_learned_labels_too():
    namings = label_namings(BRACKET_PROMPT, DEFAULT_SYNTAX.for_prompt(BRACKET_PROMPT))
    assert {(n.kind, n.text) for n in namings} >= {
        ("thought", "【推理"),
        ("action", "【操作"),
        ("observation", "【结果"),
    }


# -- the rules on records ------------------------------------------------------------


def lint(records, *codes):
    return [d for d in sftlint.lint(records, select=list(codes)) if d.code in codes]


def record(system, *turns):
    msgs = []
    for i, t in enumerate(turns):
        msgs.append(("user", ("我的退款怎么还没到账？" if i == 0 else "银行卡支付的") + KB))
        msgs.append(("assistant", t))
    return chat(*msgs, system=system)


RENAMED = {
    BRACKET_PROMPT: (
        "< 【推理】根据知识库结果，我要先确认用户的支付方式。\n【操作】询问用户的支付方式\n【结果】等用户返回答案 >\n--- 请问您是用什么方式支付的？",
        "< 【推理】用户是银行卡支付，对应知识库第2条。\n【操作】告诉用户退款1-3个工作日到账 >\n--- 好的，银行卡支付的退款1-3个工作日到账，请耐心等待。",
        "【操作】",
    ),
    ENGLISH_PROMPT: (
        "< Reasoning: 根据知识库结果，我要先确认用户的支付方式。\nTool: 询问用户的支付方式\nResult: 等用户返回答案 >\n--- 请问您是用什么方式支付的？",
        "< Reasoning: 用户是银行卡支付，对应知识库第2条。\nTool: 告诉用户退款1-3个工作日到账 >\n--- 好的，银行卡支付的退款1-3个工作日到账。",
        "Tool",
    ),
    ARROW_PROMPT: (
        "< 分析：根据知识库结果，我要先确认用户的支付方式。\n执行：询问用户的支付方式\n反馈：等用户返回答案 >\n--- 请问您是用什么方式支付的？",
        "< 分析：用户是银行卡支付，对应知识库第2条。\n执行：告诉用户退款1-3个工作日到账 >\n--- 好的，银行卡支付的退款1-3个工作日到账。",
        "执行",
    ),
    PREFIX_PROMPT: (
        "< 思路：根据知识库结果，我要先确认用户的支付方式。\n措施：询问用户的支付方式\n结果：等用户返回答案 >\n--- 请问您是用什么方式支付的？",
        "< 思路：用户是银行卡支付，对应知识库第2条。\n措施：告诉用户退款1-3个工作日到账 >\n--- 好的，银行卡支付的退款1-3个工作日到账。",
        "措施",
    ),
}


@pytest.mark.parametrize("prompt", list(RENAMED))
def test_turns_in_the_prompts_own_labels_are_complete(prompt):
    first, second, _action = RENAMED[prompt]
    assert lint([record(prompt, first, second)], "R001", "R002", "R003", "R004", "R005", "R006") == []


@pytest.mark.parametrize("prompt", list(RENAMED))
def test_a_turn_that_really_lacks_a_step_is_still_reported(prompt):
    first, second, action = RENAMED[prompt]
    # the second turn loses its action line: the step the prompt calls `action`
    lines = second.split("\n")
    broken = "\n".join(x for x in lines if not x.startswith(action)).replace("第2条。", "第2条。 >", 1)
    found = lint([record(prompt, first, broken)], "R002")
    assert [d.pointer for d in found] == ["/messages/4/content"]
    assert action.strip("【】") in found[0].message  # named in the file's own words


def test_default_labels_behave_as_before():
    system = "每次回复都要用 ReAct 方法思考：思考过程用<>包围，包含思考、动作、观察，然后另起一行写---和给用户的答复。"
    good = "< 思考：用户想查退款。\n动作：询问用户的支付方式 >\n--- 请问您是用什么方式支付的？"
    lacking = "< 思考：用户是银行卡支付，对应知识库第2条。 >\n--- 银行卡支付的退款1-3个工作日到账。"
    found = lint([record(system, good, lacking)], "R002")
    assert [(d.pointer, "动作" in d.message) for d in found] == [("/messages/4/content", True)]


def test_the_prompts_labels_against_the_default_ones_is_r005s_finding():
    turns = (
        "< 思考：根据知识库结果，我要先确认用户的支付方式。\n动作：询问用户的支付方式 >\n--- 请问您是用什么方式支付的？",
    )
    found = lint([record(BRACKET_PROMPT, *turns)], "R002", "R005")
    assert {d.code for d in found} == {"R005"}
    assert any("【推理" in d.message or "推理" in d.message for d in found)


def test_own_labels_the_prompt_does_not_define_are_not_guessed():
    """The prompt asks for ReAct but names no label; the turns use their own consistently:
    which line is the thought cannot be known, so R002 says nothing of them.  A block with no
    labelled line at all still lacks its steps."""
    system = (
        "你是客服助手。每次回复都要先用 ReAct 方法思考，思考过程用<>包围起来，之后写---，再写给用户的答复。"
    )
    own = "< 推理：根据知识库结果，我要先确认用户的支付方式。\n操作：询问用户的支付方式\n结果：等用户返回答案 >\n--- 请问您是用什么方式支付的？"
    bare = "< 用户是银行卡支付，退款1-3个工作日到账。 >\n--- 好的，银行卡支付的退款1-3个工作日到账。"
    assert lint([record(system, own)], "R002") == []
    found = lint([record(system, own, bare)], "R002")
    assert [d.pointer for d in found] == ["/messages/4/content"]


def test_a_double_colon_after_a_bracketed_label_is_still_r003s():
    turns = (
        "< 【推理】用户想查退款。\n【操作】：询问用户：您是用什么方式支付的？\n【结果】等用户返回答案 >\n--- 请问您是用什么方式支付的？",
    )
    found = lint([record(BRACKET_PROMPT, *turns)], "R003")
    assert len(found) == 1


LINE_PROMPT = (
    "你是电商平台的售后客服助手。请依据用户消息中的知识库结果回答。"
    "Use Reasoning:/Tool:/Tool Input:/Result:, one per line, then Response: with the reply to the user."
)
BRACKET_LINE_PROMPT = (
    "你是电商平台的售后客服助手。每一轮回复请按以下格式输出，每项单独一行：\n"
    "【推理】你对问题的分析\n【操作】你决定采取的行动\n【结果】行动的结果\n【答复】给用户的答复"
)


@pytest.mark.parametrize(
    ("prompt", "good", "acted"),
    [
        (
            LINE_PROMPT,
            "Reasoning: 根据知识库结果，我要先确认用户的支付方式。\nTool: 询问用户的支付方式\nResult: 等用户返回答案\nResponse: 请问您是用什么方式支付的？",
            "Tool: 告诉用户退款1-3个工作日到账\nResponse: 好的，银行卡支付的退款1-3个工作日到账。",
        ),
        (
            BRACKET_LINE_PROMPT,
            "【推理】根据知识库结果，我要先确认用户的支付方式。\n【操作】询问用户的支付方式\n【结果】等用户返回答案\n【答复】请问您是用什么方式支付的？",
            "【操作】告诉用户退款1-3个工作日到账\n【答复】好的，银行卡支付的退款1-3个工作日到账。",
        ),
    ],
)
def test_the_line_layout_in_the_prompts_own_labels(prompt, good, acted):
    """The prompt's final label makes the layout the line layout; a turn with the action and the
    final answer but no thought lacks the thought, named in the file's words."""
    assert lint([record(prompt, good)], "R001", "R002", "R004", "R005", "R006", "R008") == []
    found = lint([record(prompt, good, acted)], "R002")
    assert [d.pointer for d in found] == ["/messages/4/content"]
    assert ("【推理】" if "【" in prompt else "Reasoning") in found[0].message


def test_an_action_input_label_of_the_prompts_own_is_asked_for_where_it_names_one():
    """R007: `Use Reasoning:/Tool:/Tool Input:/Result:` asks for the input after each tool call;
    a prompt of its own labels that names no input (the actions are aimed at the user) does not."""
    asks = (
        "Answer with the tools. Use Reasoning:/Tool:/Tool Input:/Result:, one per line, "
        "then Response: with the answer."
    )
    calls = "Reasoning: I need the order status.\nTool: query_order"
    done = "Reasoning: The order has shipped.\nResponse: Your order shipped yesterday."
    found = lint([record(asks, calls, done)], "R007")
    assert len(found) == 1 and "`Tool Input`" in found[0].message
    with_input = calls + '\nTool Input: {"order_id": "A123"}'
    assert lint([record(asks, with_input, done)], "R007") == []
    silent = "【推理】用户想知道退款进度。\n【操作】询问用户的支付方式\n【答复】请问您是用什么方式支付的？"
    assert lint([record(BRACKET_LINE_PROMPT, silent)], "R007") == []


def test_r001_does_not_guess_steps_under_labels_the_prompt_does_not_define():
    """A file whose blocks are the majority, with records in a line layout of its own labels that
    no prompt defines: those turns have their steps; a plain reply in the same file still lacks them."""
    system = (
        "你是客服助手。每次回复都要先用 ReAct 方法思考，思考过程用<>包围起来，之后写---，再写给用户的答复。"
    )
    block = "< 思考：用户想查退款。\n动作：询问用户的支付方式 >\n--- 请问您是用什么方式支付的？"
    own = "推理：用户想查退款，要先确认支付方式。\n操作：询问用户的支付方式\n结果：等用户返回答案\n答复：请问您是用什么方式支付的？"
    plain = "请问您是用什么方式支付的？"
    records = [record(system, block, block) for _ in range(3)] + [
        record("每一轮回复请按固定的格式输出。", own)
    ]
    assert lint(records, "R001") == []
    found = lint([*records, record(system, block, plain)], "R001")
    assert [(d.record, d.pointer) for d in found] == [(4, "/messages/4/content")]
