"""Files that mix conventions record by record, as two more strangers' seed-kind corpora do
(``bench/seed_kind_teams.py``, ``bench/seed_kind_pipeline.py``): each record's system prompt says
how its turns are written, and a rule measures a turn against its own record's convention, not
against the file's other records.  Clean cases and the defects the rules must still catch."""

from __future__ import annotations

import json

from conftest import chat, write_jsonl

import sftlint
from sftlint.analysis.react import parse_turn, prompt_requests_react, structured_steps

KB = (
    "用户反馈退款一直没有到账，如何处理？ 处理方法是：先确认用户当时使用的支付方式。\n"
    "1. 如果用户使用余额支付，要告诉用户退款即时到账。\n"
    "2. 如果用户使用银行卡支付，要告诉用户银行处理需要3到7个工作日。"
)
BLOCK_PROMPT = (
    "你是客服助手。请使用ReAct方法：先在<>内写出思考、动作、观察，再另起一行写“---”和给用户的答复。"
)
BLOCK = (
    "< 思考：要先确认支付方式。\n动作：询问用户支付方式\n观察：等待用户回复 >\n--- 请问您是用什么方式支付的？"
)
PLAIN_PROMPT = "你是客服助手，请依据知识库内容，用简洁、礼貌的语言直接回答用户问题。"
PLAIN = "您好，余额支付的退款会即时退回，请在“我的-余额”中查看。"


def lint(records, select, **options):
    return [
        d for d in sftlint.lint(records, select=list(select), options=options or None) if d.severity != "info"
    ]


def test_react_named_inside_chinese_text_asks_for_react():
    """按“思考—动作—观察”的ReAct格式: no space around ReAct, still its name."""
    assert prompt_requests_react("请按“思考—动作—观察”的ReAct格式推理。")
    assert prompt_requests_react("每轮输出依次包含思考、动作、观察、回复四个部分，各占一行。")
    assert prompt_requests_react("回复用户时先写“思考：”，再以“回复：”给出答复。")
    assert not prompt_requests_react("请根据用户的反应（react to the user）调整语气，直接回答。")
    assert not prompt_requests_react(PLAIN_PROMPT)


def test_r001_a_record_whose_prompt_answers_directly_is_not_outvoted(tmp_path):
    """Most of the file's records ask for ReAct blocks; some, under a prompt that asks for a
    direct answer, answer directly: not a missing block.  A block record without its block is."""
    react = chat(("user", "退款呢？"), ("assistant", BLOCK), system=BLOCK_PROMPT)
    plain = chat(("user", "退款呢？"), ("assistant", PLAIN), system=PLAIN_PROMPT)
    lost = chat(("user", "退款呢？"), ("assistant", PLAIN), system=BLOCK_PROMPT)
    path = write_jsonl(tmp_path / "mixed.jsonl", [react] * 8 + [plain] * 3 + [lost])
    assert [(d.code, d.record) for d in lint(path, ["R001"])] == [("R001", 11)]
    # records without a prompt of their own still vote with the file's majority
    bare = [chat(("user", "退款呢？"), ("assistant", BLOCK))] * 8 + [
        chat(("user", "退款呢？"), ("assistant", PLAIN))
    ]
    assert [(d.code, d.record) for d in lint(write_jsonl(tmp_path / "bare.jsonl", bare), ["R001"])] == [
        ("R001", 8)
    ]


def test_steps_written_as_json_keys_or_tags_are_not_a_turn_without_react():
    assert structured_steps(
        '{\n  "thought": "先确认支付方式。",\n  "action": "询问用户",\n  "reply": "请问…？"\n}'
    )
    assert structured_steps('```json\n{"Thought": "x", "Action": "y", "Response": "z"}\n```')
    assert structured_steps(
        "<think>先确认支付方式。</think>\n<action>询问用户</action>\n<response>请问…？</response>"
    )
    assert not structured_steps('好的，这是结果：{"order": 1, "status": "paid"}')
    assert not structured_steps("<b>注意</b>：退款需要3到7个工作日。")
    prompt = "你是客服助手。每次只输出一个JSON对象，必须包含以下字段：thought、action、observation、reply。"
    turn = (
        '{"thought": "先确认支付方式。", "action": "询问用户", "observation": "等待回复", "reply": "请问…？"}'
    )
    rec = chat(("user", "退款呢？"), ("assistant", turn), system=prompt)
    assert lint([rec], ["R001"]) == []
    # … but a turn that drops the object for plain text under that prompt lacks its steps
    assert [
        d.code for d in lint([chat(("user", "退款呢？"), ("assistant", PLAIN), system=prompt)], ["R001"])
    ] == ["R001"]


def test_markdown_bold_and_traditional_labels_are_labels():
    bold = "**思考**：要先确认支付方式。\n**动作**：询问用户支付方式\n**观察**：等待用户回复\n\n**回复**：请问您是用什么方式支付的？"
    assert parse_turn(bold).kinds() == ["thought", "action", "observation"]
    assert parse_turn("**Thought:** check the payment.\n**Action:** ask the user").kinds() == [
        "thought",
        "action",
    ]
    assert parse_turn("see my_Action: nothing").kinds() == []
    trad = "< 思考：要先確認支付方式。\n行動：詢問用戶支付方式\n觀察：等待用戶回覆 >\n--- 請問您是用什麼方式支付的？"
    turn = parse_turn(trad)
    assert turn.kinds() == ["thought", "action", "observation"] and turn.layout_ok
    dropped = "< 思考：要先確認支付方式。\n觀察：等待用戶回覆 >\n--- 請問您是用什麼方式支付的？"
    (d,) = lint([chat(("user", "退款呢？"), ("assistant", dropped))], ["R002"])
    assert "action" in d.message


def test_a_tool_call_after_a_labelled_thought_acts():
    """OpenAI tool calls with the thought in the content (``思考：…`` then the call): a ReAct step."""
    prompt = "你是客服助手。调用工具前先在content中以“思考：”写出理由；回复用户时先写“思考：”，再以“回复：”给出答复。"
    call = {
        "role": "assistant",
        "content": "思考：需要先检索知识库。",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "search_kb", "arguments": '{"q": "退款"}'}}
        ],
    }
    rec = {
        "messages": [
            {"role": "system", "content": prompt},
            {"role": "user", "content": "退款呢？"},
            call,
            {"role": "tool", "tool_call_id": "c1", "content": KB},
            {
                "role": "assistant",
                "content": "思考：按知识库先问支付方式。\n回复：请问您是用什么方式支付的？",
            },
        ]
    }
    assert lint([rec], ["R001"]) == []


def test_k001_traditional_markers_and_headers_carry_context(tmp_path):
    recs = [
        chat(("user", f"【參考資料】\n{KB}\n\n問題：退款呢？"), ("assistant", PLAIN)),
        chat(
            ("user", f"退款呢？ [知识库检索]\n{KB}"),
            ("assistant", PLAIN),
            ("user", "余额。 [知识库检索]\n同上"),
            ("assistant", PLAIN),
        ),
        chat(("user", f"退款呢？ 相关条款：\n{KB}"), ("assistant", PLAIN)),
    ]
    rag = chat(("user", f"退款呢？ Knowledge Base Result: {KB}"), ("assistant", PLAIN))
    path = write_jsonl(tmp_path / "rag.jsonl", [rag] * 6 + recs)
    assert lint(path, ["K001"]) == []


def test_k001_alpaca_history_before_the_question_its_input_serves(tmp_path):
    """Alpaca with history: the input holds the retrieved text for the instruction's question;
    the history turns before it carry none by the record's convention.  Where the input says
    ``[同上]`` (the text is in the history), a history turn without it lost it."""
    kb_input = f"参考资料：\n{KB}"
    reply = "思考：先问支付方式。\n动作：询问用户\n回复：请问您是用什么方式支付的？"
    record = {"instruction": "余额。", "input": kb_input, "output": reply, "history": [["退款呢？", reply]]}
    path = write_jsonl(tmp_path / "history.jsonl", [record] * 6)
    assert lint(path, ["K001"]) == []
    pointing = {
        "instruction": "余额。",
        "input": "参考资料：\n[同上]",
        "output": reply,
        "history": [[f"退款呢？ 参考资料：{KB}", reply], ["银行卡", reply]],
    }
    lost = write_jsonl(tmp_path / "pointing.jsonl", [pointing] * 6)
    assert {d.pointer for d in lint(lost, ["K001"])} == {"/history/1/0"}


def test_k001_greetings_and_tool_lookups_need_no_context(tmp_path):
    """A turn that only greets asks nothing to retrieve for; a record whose assistant looks
    things up with a tool gets its text back in the tool's turn."""
    rag = chat(("user", f"退款呢？ Knowledge Base Result: {KB}"), ("assistant", PLAIN))
    greeted = chat(("user", "在吗？"), ("assistant", "在的，请问有什么可以帮您？"), *rag["messages"])
    english = chat(("user", "Hi there, anyone around?"), ("assistant", "Hello!"), *rag["messages"])
    tool = {
        "messages": [
            {"role": "user", "content": "退款呢？"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"id": "c", "type": "function", "function": {"name": "search_kb", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c", "content": KB},
            {"role": "assistant", "content": PLAIN},
        ]
    }
    question = chat(("user", "你好，我的退款到哪了？"), ("assistant", PLAIN))
    path = write_jsonl(tmp_path / "mixed.jsonl", [rag] * 6 + [greeted, english, tool, question])
    assert [(d.record, d.pointer) for d in lint(path, ["K001"])] == [(9, "/messages/0/content")]


def test_a_system_prompt_knowledge_base_under_an_english_header_holds_the_text(tmp_path):
    prompt = (
        f"You are the after-sales assistant. The knowledge base is appended below.\n\nKnowledge base:\n{KB}"
    )
    in_prompt = chat(("user", "Where is my refund?"), ("assistant", PLAIN), system=prompt)
    rag = chat(("user", f"退款呢？ Knowledge Base Result: {KB}"), ("assistant", PLAIN))
    assert lint(write_jsonl(tmp_path / "kb.jsonl", [rag] * 6 + [in_prompt]), ["K001"]) == []


def test_numbering_starts_again_after_a_paragraph_that_opens_the_next_entry():
    """Knowledge-base entries one after another, each a title paragraph after a blank line and
    its own list: each list numbers from 1; a list that runs on without a paragraph does not."""
    second = "用户反馈物流异常，如何处理？处理方法是：先确认物流状态。\n一、 如果显示运输中，要询问是否超过72小时。\n二、 如果显示已签收，要建议用户先查看快递柜。"
    first = "用户申请退货，如何处理？处理方法是：先确认是否签收。\n一、 如果尚未签收，要告知可拒收。\n二、 如果已签收，要询问签收时间。"
    text = f"退货呢？ Knowledge Base Result: {first}\n\n{second}"
    assert lint([chat(("user", text), ("assistant", PLAIN))], ["K"]) == []
    run_on = f"退货呢？ Knowledge Base Result: {first}\n一、 如果用户要换货，要登记换货。"
    assert [d.code for d in lint([chat(("user", run_on), ("assistant", PLAIN))], ["K"])] == ["K103"]


def test_a_separator_the_prompt_quotes_is_the_records_separator():
    prompt = "你是客服助手。请使用ReAct方法：思考过程用<>包围，依次写出思考、动作、观察；给用户的答复写在「——」之后。"
    turn = "<思考：要先确认支付方式。\n动作：询问用户支付方式\n观察：等待用户回复>\n——\n请问您是用什么方式支付的？"
    assert lint([chat(("user", "退款呢？"), ("assistant", turn), system=prompt)], ["R"]) == []
    dashes = chat(("user", "退款呢？"), ("assistant", turn), system=prompt.replace("「——」", "“---”"))
    assert [d.code for d in lint([dashes], ["R004"])] == ["R004"]


def test_r002_a_cycle_of_several_that_lacks_a_step():
    """Numbered rounds (Thought 1 / Action 1 / Observation 1 / Thought 2 …): a round whose
    observation comes with no action, or whose action follows an observation with no thought,
    lacks that step; a last round of a lone thought is the final one."""
    prompt = "Follow the ReAct pattern with numbered steps: Thought 1 / Action 1 / Observation 1, then `Final Answer:`."
    full = (
        "Thought 1: 先查看历史工单。\nAction 1: 查询历史工单\nObservation 1: 近30天无工单\n"
        "Thought 2: 再确认户籍。\nAction 2: 询问用户户籍\nObservation 2: 等待用户答复\n"
        "Final Answer: 请问您是本市户籍吗？"
    )
    assert lint([chat(("user", "身份证丢了"), ("assistant", full), system=prompt)], ["R002"]) == []
    final_thought = full.replace("Final Answer:", "Thought 3: 我已知道答案。\nFinal Answer:")
    assert lint([chat(("user", "身份证丢了"), ("assistant", final_thought), system=prompt)], ["R002"]) == []
    no_action = full.replace("Action 2: 询问用户户籍\n", "")
    (d,) = lint([chat(("user", "身份证丢了"), ("assistant", no_action), system=prompt)], ["R002"])
    assert "cycle lacks the action" in d.message and no_action[d.span[0] :].startswith("Thought 2")
    no_thought = full.replace("Thought 2: 再确认户籍。\n", "")
    (d,) = lint([chat(("user", "身份证丢了"), ("assistant", no_thought), system=prompt)], ["R002"])
    assert "cycle lacks the thought" in d.message and no_thought[d.span[0] :].startswith("Action 2")


def test_k001_a_record_whose_prompt_does_not_mention_retrieval_is_not_outvoted(tmp_path):
    """A RAG file (the prompt names the knowledge base, turns carry it) mixed with records of a
    chit-chat task under their own prompt: those are not turns that lost their context; a
    record under the RAG prompt without it is."""
    rag_prompt = "你是客服助手，请根据知识库结果（knowledge base result）回答用户的问题。"
    rag = chat(("user", f"退款呢？ Knowledge Base Result: {KB}"), ("assistant", PLAIN), system=rag_prompt)
    chitchat = chat(
        ("user", "今天天气怎么样？"), ("assistant", "今天晴，适合出门。"), system="你是一个友好的聊天助手。"
    )
    lost = chat(("user", "退款呢？"), ("assistant", PLAIN), system=rag_prompt)
    path = write_jsonl(tmp_path / "mixed.jsonl", [rag] * 8 + [chitchat] * 4 + [lost])
    assert [(d.code, d.record) for d in lint(path, ["K001"])] == [("K001", 12)]


def test_r002_a_turn_written_as_data_that_lacks_a_step_its_record_writes():
    prompt = "每次只输出一个JSON对象，必须包含以下字段：thought、action、observation、reply。"
    full = json.dumps(
        {"thought": "先确认支付方式。", "action": "询问用户", "observation": "等待回复", "reply": "请问…？"}
    )
    dropped = json.dumps({"thought": "按知识库回答。", "observation": "无", "reply": "余额支付即时到账。"})
    rec = chat(
        ("user", "退款呢？"), ("assistant", full), ("user", "余额"), ("assistant", dropped), system=prompt
    )
    (d,) = lint([rec], ["R"])
    assert d.code == "R002" and d.pointer == "/messages/4/content" and "lacks the action step" in d.message
    rec["messages"][4]["content"] = full
    assert lint([rec], ["R"]) == []
    tags = "<think>先确认。</think>\n<action>询问用户</action>\n<response>请问…？</response>"
    no_action = "<think>按知识库回答。</think>\n<response>余额支付即时到账。</response>"
    tagged = chat(("user", "退款呢？"), ("assistant", tags), ("user", "余额"), ("assistant", no_action))
    (d,) = lint([tagged], ["R"])
    assert d.code == "R002" and "written as tags" in d.message
