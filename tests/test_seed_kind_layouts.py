"""Layouts another engineer writes after reading the seed article (found with bench/seed_kind_corpus.py):
retrieval under ``【参考资料】`` or ``已知信息：``, a line layout labelled 想法/行动/观察/回答, and English
labels without an ``Action Input`` where the system prompt's template has none.  Clean cases and
the defects the rules must still catch in them."""

from __future__ import annotations

import json

from conftest import chat, filled_from_pieces, write_jsonl

import sftlint
from sftlint.analysis.retrieval import find_contexts

KB = (
    "用户反馈退款一直没有到账，如何处理？ 处理方法是：先确认用户当时使用的支付方式。\n"
    "1. 如果用户使用余额支付，要告诉用户退款即时到账，请用户在“我的-余额-明细”中查看。\n"
    "2. 如果用户使用银行卡支付，要进一步确认退款申请是否已经审核通过。\n"
    "2.1 如果退款申请还在审核中，要告诉用户审核会在1到2个工作日内完成。\n"
    "2.2 如果审核已通过，要告诉用户银行处理需要3到7个工作日。"
)
ASK = "请问您这笔订单当时是用余额支付的，还是银行卡支付的呢？"
DONE = "余额支付的订单退款是即时退回的，您可以在“我的-余额-明细”里查看这笔退款记录。"


def lint(records, select, **options):
    return [
        d for d in sftlint.lint(records, select=list(select), options=options or None) if d.severity != "info"
    ]


def ref(question: str, kb: str = KB) -> str:
    return f"【参考资料】\n{kb}\n\n【用户问题】\n{question}"


def known(question: str, kb: str = KB) -> str:
    return f"已知信息：\n{kb}\n\n问题：{question}"


# -- retrieval headers ----------------------------------------------------------------------------


def test_bracket_header_and_known_information_are_markers():
    text = ref("我的退款怎么还没到账？")
    (ctx,) = find_contexts(text)
    assert text[ctx.marker_start : ctx.marker_end] == "参考资料】"
    # the context ends where the template's next header starts: the question is not retrieved text
    assert text[ctx.start : ctx.end] == KB
    text = known("我的退款怎么还没到账？")
    (ctx,) = find_contexts(text)
    assert text[ctx.start : ctx.end] == KB
    # a word in running text is not a header: no bracket, no colon
    assert find_contexts("请看一下参考资料】里的内容") == []
    assert find_contexts("这些已知信息都不对") == []


def test_k001_quiet_when_turns_carry_context_under_either_header(tmp_path):
    system = "你是电商平台的售后客服助手。请严格依据用户消息中的【参考资料】来处理问题。"
    recs = []
    for i in range(6):
        wrap = ref if i % 2 else known
        recs.append(
            chat(
                ("user", wrap("我的退款怎么还没到账？")),
                ("assistant", ASK),
                ("user", wrap("余额")),
                ("assistant", DONE),
                system=system,
            )
        )
    path = write_jsonl(tmp_path / "rag.jsonl", recs)
    assert lint(path, ["K"]) == []


def test_k001_catches_a_turn_without_context_in_a_bracket_header_file(tmp_path):
    system = "你是电商平台的售后客服助手。请严格依据用户消息中的【参考资料】来处理问题。"
    good = chat(
        ("user", ref("我的退款怎么还没到账？")),
        ("assistant", ASK),
        ("user", ref("余额")),
        ("assistant", DONE),
        system=system,
    )
    bad = chat(
        ("user", ref("我的退款怎么还没到账？")),
        ("assistant", ASK),
        ("user", "余额"),
        ("assistant", DONE),
        system=system,
    )
    path = write_jsonl(tmp_path / "rag.jsonl", [good, good, bad])
    found = [(d.code, d.line, d.pointer) for d in lint(path, ["K001"])]
    assert found == [("K001", 3, "/messages/3/content")]


def test_k101_reads_numbering_under_a_bracket_header():
    kb = KB.replace("2.2 如果审核", "2.3 如果审核")
    (d,) = lint([chat(("user", ref("退款呢？", kb)), ("assistant", ASK))], ["K101"])
    assert d.pointer == "/messages/0/content"
    assert "2.2" in d.message


def test_a_marker_named_in_quotes_is_not_a_header():
    """A system prompt that says where the retrieved text is (“Knowledge Base Result:”之后的内容)
    names the marker: its numbered requirements are not a knowledge base starting at 2."""
    prompt = (
        "要求：\n1. 只依据知识库检索结果作答，用户消息中“Knowledge Base Result:”之后的内容是知识库检索结果。\n"
        "2. 每轮按“思考—行动—观察—回复”四段输出。\n3. 回复语气友好。"
    )
    assert find_contexts(prompt) == []
    assert (
        lint(
            [chat(("user", "退款呢？ Knowledge Base Result: " + KB), ("assistant", ASK), system=prompt)],
            ["K"],
        )
        == []
    )
    # a marker a quote merely follows is still a header
    (ctx,) = find_contexts("“退款呢？” Knowledge Base Result: " + KB)
    assert ctx.end - ctx.start == len(KB)


def test_an_excerpt_of_the_knowledge_base_may_leave_items_out():
    """Retrieved text that says it is an excerpt (（节选）, 摘录：, a leading …) leaves items out on
    purpose: no gap, orphan or style change from what it omits; a repeated number is still one."""
    lines = KB.split("\n")
    excerpt = "\n".join(["（节选）" + lines[0], *lines[2:]])  # item 1 left out
    assert excerpt.split("\n")[1].startswith("2. ")
    assert lint([chat(("user", known("退款呢？", excerpt)), ("assistant", ASK))], ["K"]) == []
    (d,) = lint(
        [chat(("user", known("退款呢？", excerpt.removeprefix("（节选）"))), ("assistant", ASK))], ["K"]
    )
    assert d.code == "K101"
    for mark in ("摘录：", "……", "[excerpt] "):
        kb = mark + excerpt.removeprefix("（节选）")
        assert lint([chat(("user", known("退款呢？", kb)), ("assistant", ASK))], ["K"]) == []
    repeated = excerpt.replace("2.2 如果审核", "2.1 如果审核")
    assert [
        d.code for d in lint([chat(("user", known("退款呢？", repeated)), ("assistant", ASK))], ["K"])
    ] == ["K103"]


def test_k001_counts_a_turn_under_its_own_header_or_tag_in_a_marker_file(tmp_path):
    """In a file where most turns carry `Knowledge Base Result:`, a record of another template
    that carries its retrieved text under a header (参考知识：) or in a tag (<knowledge>) the
    prompt names has it; a turn with neither still lacks it."""
    marked = chat(
        ("user", "退款呢？ Knowledge Base Result: " + KB),
        ("assistant", ASK),
        ("user", "余额 Knowledge Base Result: [同上]"),
        ("assistant", DONE),
    )
    headed = chat(
        ("user", f"用户问题：退款呢？\n参考知识：\n{KB}"),
        ("assistant", ASK),
        ("user", "用户问题：余额\n参考知识：\n[同上]"),
        ("assistant", DONE),
    )
    tagged = chat(
        ("user", f"<knowledge>\n{KB}\n</knowledge>\n\n退款呢？"),
        ("assistant", ASK),
        ("user", "<knowledge>\n[同上]\n</knowledge>\n\n余额"),
        ("assistant", DONE),
        system="用户消息中<kb>标签内的内容是检索到的资料。",
    )
    tagged_kb = json.loads(json.dumps(tagged).replace("knowledge>", "kb>"))  # a tag only the prompt names
    bare = chat(("user", "退款呢？"), ("assistant", ASK))
    path = write_jsonl(tmp_path / "rag.jsonl", [marked] * 6 + [headed, tagged, tagged_kb, bare])
    assert [(d.code, d.line) for d in lint(path, ["K001"])] == [("K001", 10)]
    # a tag named after nothing retrieved (<question>) carries no context
    asked = chat(("user", "<question>\n退款呢？\n</question>"), ("assistant", ASK))
    path = write_jsonl(tmp_path / "rag2.jsonl", [marked] * 6 + [asked])
    assert [(d.code, d.line) for d in lint(path, ["K001"])] == [("K001", 7)]


# -- 想法 / 行动 / 观察 / 回答 ---------------------------------------------------------------------

LINE_ZH = (
    "你是电商平台的售后客服助手。每一轮回复请按以下格式输出，每项单独一行：\n"
    "想法：你对问题的分析\n行动：你决定采取的行动\n观察：行动的结果或需要等待的信息\n回答：给用户的答复"
)
T1 = (
    "想法：根据知识库结果，我要先确认用户当时使用的支付方式。\n行动：询问用户当时使用的支付方式\n观察：等待用户回复\n回答："
    + ASK
)
T2 = (
    "想法：用户使用余额支付，对应第1条，要告诉用户退款即时到账。\n行动：告诉用户余额支付的退款即时到账\n回答："
    + DONE
)


def test_thought_labelled_xiangfa_is_a_react_turn(tmp_path):
    recs = [
        chat(
            ("user", known("我的退款怎么还没到账？")),
            ("assistant", T1),
            ("user", known("余额")),
            ("assistant", T2),
            system=LINE_ZH,
        )
    ] * 3
    path = write_jsonl(tmp_path / "line_zh.jsonl", recs)
    assert lint(path, ["R", "K"]) == []


def test_xiangfa_turns_still_report_a_missing_step_and_a_missing_trace(tmp_path):
    no_thought = T1.split("\n", 1)[1]  # 行动 / 观察 / 回答
    rec = chat(
        ("user", known("退款呢？")),
        ("assistant", no_thought),
        ("user", known("余额")),
        ("assistant", T2),
        system=LINE_ZH,
    )
    (d,) = lint([rec], ["R002"])
    assert d.pointer == "/messages/2/content"
    assert "想法" in d.message or "思考" in d.message
    # a line-layout turn with a thought and the answer but no action is a final turn, by design
    no_action = T2.replace("行动：告诉用户余额支付的退款即时到账\n", "")
    rec = chat(
        ("user", known("退款呢？")),
        ("assistant", T1),
        ("user", known("余额")),
        ("assistant", no_action),
        system=LINE_ZH,
    )
    assert lint([rec], ["R002"]) == []
    plain = chat(
        ("user", known("退款呢？")),
        ("assistant", T1),
        ("user", known("余额")),
        ("assistant", DONE),
        system=LINE_ZH,
    )
    assert {d.code for d in lint(write_jsonl(tmp_path / "p.jsonl", [plain]), ["R"])} & {"R001", "R008"}


# -- Thought / Action without Action Input ----------------------------------------------------------

LINE_EN = (
    "你是银行的智能客服。请使用ReAct格式回复，每项单独一行：\n"
    "Thought: 你的分析\nAction: 你要采取的行动\nObservation: 行动的结果\nFinal Answer: 给用户的答复"
)
E1 = "Thought: 需要先确认用户是否收到过冻结原因的短信。\nAction: 询问用户是否收到过冻结原因的短信通知\nObservation: 等待用户回复\nFinal Answer: 请问您是否收到过我行发送的冻结原因短信通知？"
E2 = "Thought: 用户收到司法冻结通知，要告诉用户联系冻结机关。\nAction: 告诉用户司法冻结需要联系冻结机关处理\nFinal Answer: 司法冻结需要由冻结机关出具解冻手续，建议您联系短信中写明的冻结机关。"


def test_r007_quiet_where_the_template_has_no_action_input():
    rec = chat(
        ("user", "卡被冻结了怎么办"),
        ("assistant", E1),
        ("user", "收到了，说是司法冻结"),
        ("assistant", E2),
        system=LINE_EN,
    )
    assert lint([rec], ["R"]) == []


def test_r007_still_reports_where_the_template_or_the_record_uses_action_input():
    langchain = LINE_EN.replace(
        "Action: 你要采取的行动\n", "Action: 你要采取的行动\nAction Input: 行动的输入\n"
    )
    rec = chat(
        ("user", "卡被冻结了怎么办"),
        ("assistant", E1),
        ("user", "收到了，说是司法冻结"),
        ("assistant", E2),
        system=langchain,
    )
    assert [d.code for d in lint([rec], ["R007"])] == ["R007", "R007"]
    # the template omits it, but the record's own other turn writes one: the convention is to write it
    e1 = E1.replace("\nObservation", '\nAction Input: {"card": "1234"}\nObservation')
    rec = chat(
        ("user", "卡被冻结了怎么办"),
        ("assistant", e1),
        ("user", "收到了，说是司法冻结"),
        ("assistant", E2),
        system=LINE_EN,
    )
    assert [(d.code, d.pointer) for d in lint([rec], ["R007"])] == [("R007", "/messages/4/content")]


def test_line_turn_with_an_action_and_the_answer_but_no_thought():
    no_thought = "行动：告诉用户余额支付的退款即时到账\n回答：" + DONE
    rec = chat(
        ("user", known("退款呢？")),
        ("assistant", T1),
        ("user", known("余额")),
        ("assistant", no_thought),
        system=LINE_ZH,
    )
    (d,) = lint([rec], ["R"])
    assert (d.code, d.pointer) == ("R002", "/messages/4/content")
    assert "想法" in d.message or "思考" in d.message
    e2 = E2.split("\n", 1)[1]  # Action / Final Answer
    rec = chat(
        ("user", "卡被冻结了怎么办"),
        ("assistant", E1),
        ("user", "收到了，说是司法冻结"),
        ("assistant", e2),
        system=LINE_EN,
    )
    assert [(d.code, d.pointer) for d in lint([rec], ["R"])] == [("R002", "/messages/4/content")]
    # the layout's own final turn (a thought and the answer) and a block-layout record stay quiet
    final = "想法：用户表示没有其他问题了。\n回答：不客气，很高兴能帮到您。"
    rec = chat(
        ("user", known("退款呢？")),
        ("assistant", T1),
        ("user", known("好的")),
        ("assistant", final),
        system=LINE_ZH,
    )
    assert lint([rec], ["R"]) == []


# -- a line-layout turn that stops before its answer (R008) ----------------------------------------


def _line_file(n: int, system: str = LINE_ZH) -> list[dict]:
    """``n`` records of the seed's kind in the 想法/行动/观察/回答 layout: every turn acts and answers."""
    return [
        chat(
            ("user", known(f"我的退款怎么还没到账？订单尾号{1000 + i}")),
            ("assistant", T1),
            ("user", known("余额")),
            ("assistant", T2),
            system=system,
        )
        for i in range(n)
    ]


def test_r008_a_turn_that_acts_and_stops_before_its_answer(tmp_path):
    recs = _line_file(24)
    recs[5]["messages"][4]["content"] = T2.split("\n回答：")[0]  # cut after its action
    recs[9]["messages"][2]["content"] = T1.split("\n回答：")[0] + "\n回"  # the label itself cut
    recs[13]["messages"][4]["content"] = T2.split("回答：")[0] + "回答："  # the label, nothing after it
    path = write_jsonl(tmp_path / "cut.jsonl", recs)
    found = [(d.code, d.line, d.pointer) for d in lint(path, ["R"])]
    assert found == [
        ("R008", 6, "/messages/4/content"),
        ("R008", 10, "/messages/2/content"),
        ("R008", 14, "/messages/4/content"),
    ]
    messages = {d.line: d.message for d in lint(path, ["R008"])}
    assert "stops before its answer" in messages[6] and "`回答:`" in messages[6]
    # the acting turns that end an exchange: those that answer, of all (the empty one is neither)
    assert "45 of 47" in messages[6]
    assert "no answer after it" in messages[14]
    # --jobs 2 gives the same report
    assert [(d.code, d.line) for d in sftlint.lint(path, select=["R008"], jobs=2)] == [
        (c, line) for c, line, _ in found
    ]


def test_r008_quiet_where_turns_act_and_wait(tmp_path):
    """Where the file's turns that act do not answer in the same turn (the user brings the
    result, or the record ends on the action: one agent step per record), a turn that acts and
    stops is a step; and a file with too few acting turns to show its convention says nothing."""
    step = "想法：要先查询订单状态。\n行动：查询订单状态"
    waiting = [
        chat(("user", known(f"订单{i}到哪了？")), ("assistant", step), system=LINE_ZH) for i in range(30)
    ]
    assert lint(write_jsonl(tmp_path / "steps.jsonl", waiting), ["R008"]) == []
    few = _line_file(8)
    few[2]["messages"][4]["content"] = T2.split("\n回答：")[0]
    assert lint(write_jsonl(tmp_path / "few.jsonl", few), ["R008"]) == []
    # nor where more than a tenth of them stop so: that is how the file is written
    many = _line_file(24)
    for rec in many[:6]:
        rec["messages"][4]["content"] = T2.split("\n回答：")[0]
    assert lint(write_jsonl(tmp_path / "many.jsonl", many), ["R008"]) == []


def test_r008_acting_turns_merge_as_serial_wherever_the_pieces_split(tmp_path):
    """FinalVotes filled from worker pieces (--jobs) reports the turns that stop before their
    answer exactly as the serial collector does, wherever the file is split."""
    from sftlint.rules.react_line import FinalAnswerMissing

    recs = _line_file(24)
    recs[3]["messages"][4]["content"] = T2.split("\n回答：")[0]
    recs[20]["messages"][2]["content"] = T1.split("\n观察：")[0]
    data = write_jsonl(tmp_path / "cut.jsonl", recs)
    rule = FinalAnswerMissing()
    items = [s for s in (rule.map(r) for r in sftlint.load_records(data)) if s is not None]
    serial = rule.collector()
    for s in items:
        serial.append(s)
    expect = [(f.line, f.message) for f in rule.reduce(serial)]
    assert [line for line, _ in expect] == [4, 21]
    for k in range(len(items) + 1):
        merged = filled_from_pieces(rule.collector(), items, [k])
        assert [(f.line, f.message) for f in rule.reduce(merged)] == expect


# -- a turn that drops the observation its file always writes (R013) --------------------------------

BLOCK_ASK = (
    "< 思考：根据知识库结果，我要先确认用户当时使用的支付方式。\n动作：询问用户当时使用的支付方式\n观察：等待用户回复 >\n--- "
    + ASK
)
BLOCK_DONE = (
    "< 思考：用户使用余额支付，对应第1条。\n动作：告诉用户余额支付的退款即时到账\n观察：已告知用户 >\n--- "
    + DONE
)


def _block_file(n: int) -> list[dict]:
    return [
        chat(
            ("user", known(f"退款呢？订单尾号{1000 + i}")),
            ("assistant", BLOCK_ASK),
            ("user", known("余额")),
            ("assistant", BLOCK_DONE),
        )
        for i in range(n)
    ]


def test_r013_a_turn_without_the_observation_its_file_always_writes(tmp_path):
    recs = _block_file(15)
    recs[4]["messages"][3]["content"] = BLOCK_DONE.replace("\n观察：已告知用户", "")
    path = write_jsonl(tmp_path / "obs.jsonl", recs)
    (d,) = lint(path, ["R"])
    assert (d.code, d.line, d.pointer) == ("R013", 5, "/messages/3/content")
    assert "(观察)" in d.message and "29 of 30" in d.message
    # the seed's own way: the observation written in the first turn only is no convention
    seed_like = _block_file(15)
    for rec in seed_like:
        rec["messages"][3]["content"] = BLOCK_DONE.replace("\n观察：已告知用户", "")
    assert lint(write_jsonl(tmp_path / "seed.jsonl", seed_like), ["R013"]) == []
    # nor are a few turns (fewer than 20) one
    few = _block_file(9)
    few[4]["messages"][3]["content"] = BLOCK_DONE.replace("\n观察：已告知用户", "")
    assert lint(write_jsonl(tmp_path / "few.jsonl", few), ["R013"]) == []


BRACKET_PROMPT = (
    "你是电商平台的客服。回答时请用【思考】【动作】【观察】【回复】四个小标题依次组织内容，"
    "每个小标题单独起一行，前三部分是你的内部推理，【回复】部分是直接发给用户的话。"
)
BRACKET_TURN = (
    "【思考】用户想知道退款进度，要先确认支付方式。\n【动作】询问用户的支付方式。\n【观察】等待用户回复。\n【回复】"
    + ASK
)


def test_labels_a_prompt_lists_in_brackets_one_after_another():
    """A prompt that lists its steps as bracketed headers in a row (【思考】【动作】【观察】【回复】)
    defines them: its turns are ReAct turns, a turn without its thought is R002's, and the
    labels agree with the prompt (R005 is quiet: the brackets are layout, not another label)."""
    good = chat(("user", known("退款呢？")), ("assistant", BRACKET_TURN), system=BRACKET_PROMPT)
    assert lint([good], ["R"]) == []
    no_thought = BRACKET_TURN.split("\n", 1)[1]
    bad = chat(("user", known("退款呢？")), ("assistant", no_thought), system=BRACKET_PROMPT)
    assert [(d.code, d.pointer) for d in lint([bad], ["R"])] == [
        ("R002", "/messages/2/content")
    ]  # (0: system)


# -- retrieved text under a header or in a tag of the template's own (K1xx, K002, D002) ----------

FAQ_KB = (
    "【问题】退款一直没有到账\n【处理方法】先确认用户当时使用的支付方式，再按以下情况分别处理：\n"
    + "\n".join(KB.split("\n")[1:])
)


def test_numbering_is_checked_under_the_templates_own_header_or_tag():
    """Retrieved text under 【知识库检索结果】 or 参考知识：, or in <knowledge> tags, is read as
    retrieved text: its numbering is checked, its [同上] is a placeholder; a knowledge-base
    entry's own headers (【问题】 then 【处理方法】) do not end it."""
    gap = FAQ_KB.replace("2.2 如果审核", "2.3 如果审核")
    for wrap in (
        lambda kb: f"退款呢？\n\n【知识库检索结果】\n{kb}",
        lambda kb: f"用户问题：退款呢？\n参考知识：\n{kb}",
        lambda kb: f"<knowledge>\n{kb}\n</knowledge>\n\n退款呢？",
        lambda kb: f"退款呢？ Knowledge Base Result: {kb}",
    ):
        assert lint([chat(("user", wrap(FAQ_KB)), ("assistant", ASK))], ["K"]) == []
        (d,) = lint([chat(("user", wrap(gap)), ("assistant", ASK))], ["K"])
        assert d.code == "K101" and "2.2" in d.message
        (p,) = lint([chat(("user", wrap("[同上]")), ("assistant", ASK))], ["K002"])
        assert "[同上]" in p.message
    # a header inside a sentence names the text (a system prompt saying where it is), it heads nothing
    prompt = "要求：\n1. 用户消息中【知识库检索结果】下方的内容是检索结果。\n2. 回复要简洁。"
    assert find_contexts(prompt) == []
    # nor does a header of the user's own background
    assert find_contexts("背景：我是学生\n1. 第一点\n3. 第三点\n问题：怎么办？") == []


def test_a_retrieved_chunk_that_opens_mid_list_is_not_a_gap():
    """A retriever's chunk cut from a longer document opens on whatever item it was cut at
    (（2）本周…): that start is no gap; a gap inside it still is."""
    chunk = "上下文：\n（2）本周消费电子板块涨幅最高；（3）电子板块涨幅前三公司为茂莱光学。\n\n问题：请分析本周电子板块。"
    assert lint([chat(("user", chunk), ("assistant", "茂莱光学涨幅最高。"))], ["K"]) == []
    gapped = chunk.replace("（3）", "（4）")
    assert [d.code for d in lint([chat(("user", gapped), ("assistant", "茂莱光学涨幅最高。"))], ["K"])] == [
        "K101"
    ]


def test_d002_keeps_a_passage_under_a_header_of_the_texts_own(tmp_path):
    """Two task records that differ only in the passage under 上下文： are different records:
    the passage is what the task asks about, not a knowledge base records on one topic share."""
    passages = [
        "中欧动力：2017年亏损138.78亿元，成为A股亏损王；公司实际控制人可能发生变更风险。",
        "新浪财经讯，5月8日消息，全资子公司名下新增25个银行账户被法院冻结，涉及金额61.77万元。",
    ]
    recs = [
        chat(("user", f"请根据上下文判断情绪。\n\n上下文：{p}\n选项：积极、消极"), ("assistant", "消极"))
        for p in passages
    ]
    assert lint(write_jsonl(tmp_path / "task.jsonl", recs), ["D002"]) == []


# -- a third stranger's shapes: numbered steps, documents in brackets, articles ---------------------

STEPS_PROMPT = (
    "你是银行的智能客服。请基于知识库内容，采用多步ReAct推理：按“思考1”“行动1”“观察1”的格式逐步推进，"
    "最后用“最终回复：”给出对客户的答复。"
)
STEPS_TURN = "思考1：要先确认到账方式。\n行动1：询问客户选择的到账方式\n观察1：等待客户回复\n最终回复：请问您选择的是实时到账吗？"


def test_r007_expects_an_input_line_only_where_the_convention_has_one():
    """An action aimed at the user carries itself: a prompt that names its steps (思考1/行动1)
    and no input, or no prompt and no input anywhere, expects none; a prompt that names
    Action Input, or another turn that writes one, does."""
    ask = ("user", "转账没到账")
    assert lint([chat(ask, ("assistant", STEPS_TURN), system=STEPS_PROMPT)], ["R007"]) == []
    assert lint([chat(ask, ("assistant", STEPS_TURN))], ["R007"]) == []
    langchain = (
        "Use the following format:\nThought: …\nAction: the action\nAction Input: the input\nObservation: …"
    )
    (d,) = lint(
        [chat(ask, ("assistant", "Thought: 查询。\nAction: query_transfer"), system=langchain)], ["R007"]
    )
    assert d.code == "R007"
    with_input = 'Thought: 查询。\nAction: query_transfer\nAction Input: {"no": "1"}'
    rec = chat(
        ask,
        ("assistant", with_input),
        ("user", "好"),
        ("assistant", "Thought: 再查。\nAction: query_transfer"),
    )
    assert [d.pointer for d in lint([rec], ["R007"])] == ["/messages/3/content"]


def test_documents_in_brackets_and_a_markdown_section_are_retrieved_text():
    """[文档1] … and ## 知识库 head retrieved text (its numbering checked, K001 counts it); a
    Markdown section ends at the next heading, so the next section's list is not its."""
    docs = f"转账没到账\n\n[文档1] {KB}"
    assert lint([chat(("user", docs), ("assistant", ASK))], ["K"]) == []
    (d,) = lint([chat(("user", docs.replace("2.2 如果审核", "2.3 如果审核")), ("assistant", ASK))], ["K"])
    assert d.code == "K101"
    system = f"你是客服。\n\n## 知识库\n{KB}\n\n## 回复要求\n1. 先思考\n1. 再回复"
    (ctx,) = find_contexts(system)
    assert system[ctx.start : ctx.end] == KB  # the requirements' own (repeated) list is not in it


def test_an_article_heading_opens_its_own_list():
    """第三条 … then (一) (二): the article's own items, numbered from one again, not a repeat of
    the (一) under the article before it."""
    kb = (
        "第一条 如果用户未满半年，要告诉用户暂不符合条件。\n(一) 如果用户有居住登记，要告诉用户继续等待。\n"
        "(二) 如果没有，要告诉用户先办理居住登记。\n第二条 如果用户已提交申请，要查询进度。\n"
        "(一) 如果审核中，要告诉用户等待短信。\n(二) 如果材料退回，要告诉用户补充材料。"
    )
    assert lint([chat(("user", known("怎么办？", kb)), ("assistant", ASK))], ["K"]) == []
    repeated = kb.replace("(二) 如果材料退回", "(一) 如果材料退回")
    assert [
        d.code for d in lint([chat(("user", known("怎么办？", repeated)), ("assistant", ASK))], ["K"])
    ] == ["K103"]


def test_k001_counts_a_header_with_a_note_before_its_colon(tmp_path):
    """参考文档（共2篇）： heads retrieved text as 参考文档： does (a turn under it is not one without)."""
    marked = chat(("user", "退款呢？ Knowledge Base Result: " + KB), ("assistant", ASK))
    noted = chat(("user", f"退款呢？\n\n参考文档（共2篇）：\n1) {KB}"), ("assistant", ASK))
    bare = chat(("user", "退款呢？"), ("assistant", ASK))
    path = write_jsonl(tmp_path / "rag.jsonl", [marked] * 6 + [noted, bare])
    assert [(d.code, d.line) for d in lint(path, ["K001"])] == [("K001", 8)]


def test_k001_a_record_whose_system_prompt_holds_the_knowledge_base_does_not_vote(tmp_path):
    """A file that keeps the knowledge base in the system prompt for some records (## 知识库 or
    [文档1] opening its line) and in the user turns for others: the first kind's turns need none
    and do not vote, however the file divides; a prompt that only names where the text is
    (每次用户输入都会附带【参考资料】) holds none."""
    in_system = chat(("user", "退款呢？"), ("assistant", ASK), system=f"你是客服。\n\n## 知识库\n{KB}")
    in_turn = chat(("user", "退款呢？ Knowledge Base Result: " + KB), ("assistant", ASK))
    bare = chat(("user", "退款呢？"), ("assistant", ASK))
    path = write_jsonl(tmp_path / "mixed.jsonl", [in_system] * 6 + [in_turn] * 5 + [bare])
    assert [(d.code, d.line) for d in lint(path, ["K001"])] == [("K001", 12)]
    names = "你是客服。每次用户输入都会附带【参考资料】，你必须根据【参考资料】回答。"
    (d,) = lint([chat(("user", "退款呢？"), ("assistant", ASK), system=names)], ["K001"])
    assert "system prompt says" in d.message


# -- several retrieved documents, each numbered on its own ----------------------------------------

KB_ARTICLES = (
    "用户反馈手机无法上网，如何处理？\n处理方法是：先确认用户的号码是否欠费停机。\n"
    "第一条 如果用户的号码已欠费停机，要告诉用户缴清欠费后自动恢复。\n"
    "第二条 如果用户的号码没有欠费，要进一步询问用户是否开启了移动数据。\n"
    "(一) 如果用户没有开启移动数据，要引导用户打开“移动数据”。\n"
    "(二) 如果用户已开启移动数据，要询问流量是否已经用完。\n"
    "1. 如果流量已经用完，要告诉用户可以订购流量包。\n"
    "2. 如果流量没有用完，要请用户提供手机号码，查询网络状态。\n"
    "(1) 如果号码状态正常，要引导用户重启手机。\n"
    "(2) 如果所在区域基站故障，要告诉用户工程师正在抢修。"
)
CHANNELS = "畅联移动服务渠道\n客服热线400-123-4567（7×24小时）；营业厅营业时间为9:00-18:00。"


def documents_turn(first: str, count: int = 2) -> str:
    docs = f"1) {first}\n2) {CHANNELS}" if count == 2 else f"1) {first}"
    return f"流量用不了，微信都发不出去\n\n参考文档（共{count}篇）：\n{docs}"


def test_each_listed_document_is_numbered_on_its_own():
    """参考文档（共2篇）： then 1) … 2) …: each document's knowledge base starts again at 1, and
    its items are not read as repeats of the document labels."""
    for count in (1, 2):
        text = documents_turn(KB_ARTICLES, count)
        assert lint([chat(("user", text), ("assistant", ASK))], ["K"]) == []
    skipped = KB_ARTICLES.replace("(2) 如果所在区域", "(3) 如果所在区域")
    found = lint([chat(("user", documents_turn(skipped)), ("assistant", ASK))], ["K"])
    assert [d.code for d in found] == ["K101"]
    text = documents_turn(skipped)
    (d,) = found
    assert text[d.span[0] : d.span[1]] == "3"
    assert text[d.span[0] - 1 : d.span[1] + 1] == "(3)"


def test_documents_split_only_where_their_labels_run_one_by_one():
    """A text whose ``1)`` labels do not run 1, 2, 3 is one list, as before: 1) then 3) is a gap."""
    from sftlint.analysis.retrieval import documents

    text = f"1) {KB_ARTICLES}\n2) {CHANNELS}"
    spans = documents(text, 0, len(text))
    assert [text[s:e] for s, e in spans] == [KB_ARTICLES, CHANNELS]
    assert documents("1) 第一步\n3) 第三步", 0, 12) == [(0, 12)]
    assert documents("先看 1) 第一步", 0, 8) == [(0, 8)]  # no label opening the text
    bracketed = "[1] 退款规则\n1. 余额支付即时到账。\n2. 银行卡支付3到7个工作日。\n[2] 客服热线400-123-4567"
    assert [bracketed[s:e] for s, e in documents(bracketed, 0, len(bracketed))] == [
        "退款规则\n1. 余额支付即时到账。\n2. 银行卡支付3到7个工作日。",
        "客服热线400-123-4567",
    ]


def test_k001_alpaca_input_is_the_text_the_instruction_works_on(tmp_path):
    """An Alpaca RAG file: most inputs under 参考文档（共1篇）：, some inputs the knowledge base
    without a header (the field names it), one record without any input: only that one lacks it.
    A plain Alpaca file whose inputs are sentences to work on is no retrieval file."""
    system_like = "你是畅联移动的客服。请根据参考文档，先写思考和动作，再回复用户。\n\n用户：流量用不了"
    reply = "思考：先确认是否欠费。\n动作：询问用户\n回复：请问您的号码是否欠费了？"
    headed = {"instruction": system_like, "input": f"参考文档（共1篇）：\n1) {KB_ARTICLES}", "output": reply}
    headless = {"instruction": system_like, "input": KB_ARTICLES, "output": reply}
    without = {"instruction": system_like, "input": "", "output": reply}
    path = write_jsonl(tmp_path / "alpaca.jsonl", [headed] * 5 + [headless] * 4 + [without])
    assert [(d.code, d.line) for d in lint(path, ["K001"])] == [("K001", 10)]
    plain = [
        {"instruction": "把下面的句子翻译成英文。", "input": "今天天气很好。", "output": "It is nice today."}
    ] * 5
    plain.append({"instruction": "写一首关于春天的短诗。", "input": "", "output": "春风拂面，花开满园。"})
    assert lint(write_jsonl(tmp_path / "plain.jsonl", plain), ["K001"]) == []
