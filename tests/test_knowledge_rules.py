"""K001, K002, K101–K104 on realistic retrieval-augmented turns: catches, clean cases, spans, fixes."""

from __future__ import annotations

import json

from conftest import chat, run_cli, write_jsonl

import sftlint
from sftlint.analysis.retrieval import find_contexts, placeholder_span

SYSTEM = "你是客服助手，请根据知识库结果（knowledge base result）回答用户的问题。"
KB = (
    "用户反馈退款迟迟没有到账，如何处理？ 处理方法是：先查询退款申请的状态。\n"
    "1. 如果退款状态为“退款中”，要告诉用户退款正在处理，一般1-3个工作日完成。\n"
    "2. 如果退款状态为“退款成功”，要根据支付方式告诉用户到账时间。\n"
    "2.1 余额支付的，退款即时退回账户余额。\n"
    "2.2 银行卡支付的，退款在3-7个工作日内退回原银行卡。\n"
    "3. 如果退款状态为“退款失败”，要为用户转接人工客服。"
)
REPLY = "请问您的退款申请页面显示的是什么状态呢？"


def lint(records, code, **options):
    opts = {code: options} if options else None
    return [d for d in sftlint.lint(records, select=[code], options=opts) if d.code == code]


def kb_record(kb: str, system: str | None = SYSTEM) -> dict:
    return chat(
        ("user", f"我的退款怎么还没到？ Knowledge Base Result: {kb}"), ("assistant", REPLY), system=system
    )


def at(record: dict, pointer: str) -> str:
    node = record
    for tok in pointer.strip("/").split("/"):
        node = node[int(tok)] if isinstance(node, list) else node[tok]
    return node


# -- parsing the context ---------------------------------------------------------------


def test_contexts_and_placeholders():
    text = "没有。 Knowledge Base Result: [同上]"
    (ctx,) = find_contexts(text)
    assert text[ctx.marker_start : ctx.marker_end] == "Knowledge Base Result:"
    span = placeholder_span(text, ctx, ["同上"])
    assert text[span[0] : span[1]] == "[同上]"
    for ph in ["同上", "同上。", "【同上】", "（略）", "...", "……", "same as above", "[同上] 另见运费险说明"]:
        t = f"是。 知识库结果：{ph}"
        assert placeholder_span(t, find_contexts(t)[0], ["同上", "略", "...", "……", "same as above"]), ph
    real = "是。 知识库结果：同上述规则，退款3-7个工作日到账。"
    assert placeholder_span(real, find_contexts(real)[0], ["同上"]) is None
    assert find_contexts("knowledge base result：x")  # case and colon width do not matter
    assert find_contexts("根据知识库结果（knowledge base result）回答") == []  # no colon: not a marker


# -- K001 -------------------------------------------------------------------------------


def test_k001_prompt_says_turns_carry_context():
    every = "你是客服助手。每一轮用户消息都会附带知识库结果（knowledge base result），请据此回答。"
    rec = chat(
        ("user", f"退款呢？ Knowledge Base Result: {KB}"),
        ("assistant", REPLY),
        ("user", "显示退款成功。"),
        ("assistant", "请问您是用什么方式支付的？"),
        system=every,
    )
    (d,) = lint([rec], "K001")
    assert d.pointer == "/messages/3/content" and "system prompt" in d.message
    # a prompt that only says to answer from the knowledge base: the follow-up of the question
    # the record retrieved for goes bare by the record's own convention
    rec["messages"][0]["content"] = SYSTEM
    assert lint([rec], "K001") == []
    # … unless another follow-up of the record carries it on (``[同上]``): then one was lost
    carried = chat(
        ("user", f"退款呢？ Knowledge Base Result: {KB}"),
        ("assistant", REPLY),
        ("user", "显示退款成功。 Knowledge Base Result: [同上]"),
        ("assistant", "请问您是用什么方式支付的？"),
        ("user", "银行卡。"),
        ("assistant", "银行卡支付的退款在3-7个工作日内退回原银行卡。"),
        system=SYSTEM,
    )
    (d,) = lint([carried], "K001")
    assert d.pointer == "/messages/5/content"


def test_k001_follow_ups_of_a_record_that_retrieves_once_per_question(tmp_path):
    """A file whose records attach the knowledge base to each question and let its follow-ups go
    bare (or open a new question with a new passage): no follow-up is reported; a record whose
    question itself has none is, and a turn under a header of its own with ``（同上）`` carries it."""
    other = KB.replace("退款", "换货")
    once = chat(
        ("user", f"退款呢？ Knowledge Base Result: {KB}"),
        ("assistant", REPLY),
        ("user", "显示退款成功。"),
        ("assistant", "请问您是用什么方式支付的？"),
        ("user", f"那换货呢？ Knowledge Base Result: {other}"),
        ("assistant", "请问您要换什么商品？"),
        ("user", "换个颜色。"),
        ("assistant", "好的，我为您登记换货。"),
    )
    bare = chat(("user", "退款呢？"), ("assistant", REPLY), ("user", "显示退款成功。"), ("assistant", REPLY))
    path = write_jsonl(tmp_path / "once.jsonl", [once] * 6 + [bare])
    assert [(d.record, d.pointer) for d in lint(path, "K001")] == [
        (6, "/messages/0/content"),
        (6, "/messages/2/content"),
    ]
    headed = chat(
        ("user", f"退款呢？ Knowledge Base Result: {KB}"),
        ("assistant", REPLY),
        ("user", "显示退款成功。 相关条款：\n（同上）"),
        ("assistant", REPLY),
        ("user", "银行卡。 Knowledge Base Result: [同上]"),
        ("assistant", REPLY),
        ("user", "那要等几天？"),
        ("assistant", REPLY),
    )
    found = lint(write_jsonl(tmp_path / "headed.jsonl", [headed] * 6), "K001")
    assert {d.pointer for d in found} == {"/messages/6/content"}
    # the same follow-up in a record whose only follow-up went bare: one of a file whose
    # follow-ups carry the text on (more than 90% of at least 20), a lost context
    first = (("user", f"退款呢？ Knowledge Base Result: {KB}"), ("assistant", REPLY))
    carried = chat(*first, ("user", "显示退款成功。 Knowledge Base Result: [同上]"), ("assistant", REPLY))
    lost = chat(*first, ("user", "显示退款成功。"), ("assistant", REPLY))
    path = write_jsonl(tmp_path / "carried.jsonl", [carried] * 30 + [lost])
    (d,) = lint(path, "K001")
    assert (d.record, d.pointer, d.line) == (30, "/messages/2/content", 31)
    assert "after a turn with retrieved text" in d.message


def test_k001_file_majority(tmp_path):
    rag = [chat(("user", f"退款呢？ 知识库结果：{KB}"), ("assistant", REPLY)) for _ in range(3)]
    bare = chat(("user", "退款呢？"), ("assistant", REPLY))
    found = lint(write_jsonl(tmp_path / "rag.jsonl", [*rag, bare]), "K001")
    assert [(d.record, d.pointer) for d in found] == [(3, "/messages/0/content")]


def test_k001_plain_files_and_kb_in_system_prompt_are_silent(tmp_path):
    plain = [chat(("user", f"问题{i}"), ("assistant", "好的。")) for i in range(5)]
    assert lint(write_jsonl(tmp_path / "plain.jsonl", plain), "K001") == []
    in_system = chat(
        ("user", "退款呢？"), ("assistant", REPLY), system=f"请根据下面的知识库结果回答。\n知识库结果：{KB}"
    )
    assert lint([in_system], "K001") == []


def test_k001_options():
    rec = chat(("user", "退款呢？"), ("assistant", REPLY))
    assert lint([rec], "K001") == []
    assert len(lint([rec], "K001", require=True)) == 1
    assert (
        lint([chat(("user", "退款呢？"), ("assistant", REPLY), system=SYSTEM)], "K001", require=False) == []
    )
    custom = chat(("user", "退款呢？ 参考资料：退款1-3天到账。"), ("assistant", REPLY))
    assert lint([custom], "K001", require=True, markers=["参考资料"]) == []


def test_k001_context_under_the_templates_own_header():
    """Another engineer's RAG template names its retrieved text in its own words: the prompt
    asks for retrieved text (检索结果) and each turn carries it under 【背景资料】 or 相关文档：."""
    system = "你是银行客服，请严格依据每轮提供的检索结果回答，检索结果放在【背景资料】中。"
    bracket = chat(
        ("user", f"【背景资料】\n{KB}\n【用户问题】\n我的退款怎么还没到？"),
        ("assistant", REPLY),
        system=system,
    )
    labelled = chat(
        ("user", f"相关文档：{KB}\n问题：我的退款怎么还没到？"),
        ("assistant", REPLY),
        system="请根据检索结果回答客户的问题。",
    )
    english = chat(
        ("user", f"Context: {KB}\nQuestion: 我的退款怎么还没到？"),
        ("assistant", REPLY),
        system="Answer using the retrieved context only.",
    )
    inline = chat(
        ("user", f"我的退款怎么还没到？ 政策原文：{KB}"),
        ("assistant", REPLY),
        system="你是客服。请严格依据用户消息中的政策原文（knowledge base result）回答。",
    )
    assert lint([bracket, labelled, english, inline], "K001") == []


def test_k001_a_word_the_prompt_only_uses_is_no_source():
    """订单号 is in the prompt, but not as what the answer comes from."""
    rec = chat(
        ("user", "订单号：20231201"),
        ("assistant", REPLY),
        system="请根据知识库结果回答，并向用户询问订单号。",
    )
    assert [d.pointer for d in lint([rec], "K001")] == ["/messages/1/content"]


def test_k001_a_question_or_party_label_is_no_context():
    """The headers that label the question or a speaker never stand for retrieved text, and a
    turn under the prompt's header with nothing after it still lacks it."""
    system = "你是银行客服，请严格依据每轮提供的检索结果回答，检索结果放在【背景资料】中。"
    rec = chat(
        ("user", f"【背景资料】\n{KB}\n【用户问题】\n我的退款怎么还没到？"),
        ("assistant", REPLY),
        ("user", "问题：显示退款成功了，钱在哪？"),
        ("assistant", "请问您是用什么方式支付的？"),
        ("user", "用户：银行卡支付的"),
        ("assistant", "银行卡支付的退款在3-7个工作日内退回原银行卡。"),
        ("user", "【背景资料】"),
        ("assistant", "好的。"),
        system=system,
    )
    found = lint([rec], "K001")
    assert [d.pointer for d in found] == ["/messages/3/content", "/messages/5/content", "/messages/7/content"]
    # `require = true` asks for the configured markers themselves
    assert len(lint([rec], "K001", require=True)) == 4


# -- K002 -------------------------------------------------------------------------------


def test_k002_span_on_the_placeholder_and_unsafe_fix(tmp_path):
    rec = chat(
        ("user", f"退款呢？ Knowledge Base Result: {KB}"),
        ("assistant", REPLY),
        ("user", "显示退款成功。 Knowledge Base Result: [同上]"),
        ("assistant", "请问您是用什么方式支付的？"),
    )
    (d,) = lint([rec], "K002")
    assert d.pointer == "/messages/2/content"  # no system prompt: user, assistant, user
    assert at(rec, d.pointer)[d.span[0] : d.span[1]] == "[同上]"
    assert d.fix is not None and d.fix.applicability == "unsafe"
    path = write_jsonl(tmp_path / "d.jsonl", [rec])
    run_cli("check", path, "--select", "K002", "--fix")
    assert "[同上]" in path.read_text(encoding="utf-8")  # unsafe: not applied by --fix alone
    run_cli("check", path, "--select", "K002", "--fix", "--unsafe-fixes")
    fixed = json.loads(path.read_text(encoding="utf-8"))
    assert fixed["messages"][2]["content"] == f"显示退款成功。 Knowledge Base Result: {KB}"


def test_k002_empty_context_marks_the_marker():
    rec = chat(("user", "是。 知识库结果："), ("assistant", REPLY))
    (d,) = lint([rec], "K002")
    assert at(rec, d.pointer)[d.span[0] : d.span[1]] == "知识库结果："
    assert d.fix is None


def test_k002_real_context_and_custom_placeholders():
    assert lint([kb_record(KB)], "K002") == []
    rec = chat(("user", "是。 Knowledge Base Result: 无"), ("assistant", REPLY))
    assert lint([rec], "K002") == []  # "no result" can be what production returns
    assert len(lint([rec], "K002", placeholders=["无"])) == 1


# -- K101–K104 ----------------------------------------------------------------------------


def test_k101_gap_span_and_expected_number():
    kb = KB.replace("2.2 银行卡", "2.3 银行卡")
    rec = kb_record(kb)
    (d,) = lint([rec], "K101")
    assert d.pointer == "/messages/1/content"
    assert at(rec, d.pointer)[d.span[0] : d.span[1]] == "2.3"
    assert "expected 2.2" in d.message
    assert d.fix is None


def test_k102_orphan_names_the_parent():
    kb = KB.replace("2.1 余额", "2.1.1 余额")
    rec = kb_record(kb)
    (d,) = lint([rec], "K102")
    assert at(rec, d.pointer)[d.span[0] : d.span[1]] == "2.1.1"
    assert "no parent 2.1" in d.message


def test_k103_repeat_and_backwards():
    rec = kb_record(KB.replace("3. 如果退款状态为“退款失败”", "2. 如果退款状态为“退款失败”"))
    (d,) = lint([rec], "K103")
    assert at(rec, d.pointer)[d.span[0] : d.span[1]] == "2" and "repeats" in d.message


def test_k104_style_and_safe_fix(tmp_path):
    kb = KB.replace("\n3. 如果", "\n3、如果")
    rec = kb_record(kb)
    (d,) = lint([rec], "K104")
    assert at(rec, d.pointer)[d.span[0] : d.span[1]] == "3"
    assert d.fix is not None and d.fix.applicability == "safe"
    path = write_jsonl(tmp_path / "d.jsonl", [rec])
    assert run_cli("check", path, "--select", "K104", "--fix").code == 0
    # only the punctuation changes, to the list's own: "3、如果" -> "3.如果"
    fixed = json.loads(path.read_text(encoding="utf-8"))["messages"][1]["content"]
    assert fixed == kb_record(KB.replace("\n3. 如果", "\n3.如果"))["messages"][1]["content"]
    assert lint(path, "K104") == []


def test_k104_other_family_has_no_fix():
    rec = kb_record("处理方法：\n1. 查询状态\n2. 核实支付方式\n（3）转接人工")
    (d,) = lint([rec], "K104")
    assert d.fix is None


def test_numbering_rules_leave_clean_and_non_kb_text_alone():
    clean = kb_record(KB)
    for code in ("K101", "K102", "K103", "K104"):
        assert lint([clean], code) == [], code
    # numbered lists outside retrieval context are not knowledge bases (the seed's own prompt lists 1. 2. 3.)
    gappy_answer = chat(("user", "退货流程？"), ("assistant", "1. 申请退货\n2. 寄回商品\n4. 等待退款"))
    gappy_prompt = chat(("user", "q"), ("assistant", "好的"), system="规则：1. 礼貌。3. 简洁。")
    assert lint([gappy_answer, gappy_prompt], "K101") == []


def test_texts_option_checks_whole_messages():
    gappy_answer = chat(("user", "退货流程？"), ("assistant", "1. 申请退货\n2. 寄回商品\n4. 等待退款"))
    (d,) = lint([gappy_answer], "K101", texts=["assistant"])
    assert d.pointer == "/messages/1/content"


def test_kb_in_system_prompt_after_a_marker_is_checked():
    system = "请根据下面的知识库结果回答。\n知识库结果：处理方法：\n1. 查询状态\n3. 转接人工"
    rec = chat(("user", "退款呢？"), ("assistant", REPLY), system=system)
    (d,) = lint([rec], "K101")
    assert d.pointer == "/messages/0/content"


def test_k_rules_share_one_parse_per_record(monkeypatch):
    """Four numbering rules, two user turns carrying the same knowledge base: parsed once."""
    from sftlint.analysis import numbering

    calls = []
    real = numbering.find_items

    def counting(text):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(numbering, "find_items", counting)
    kb = KB.replace("如何处理？", "如何处理（本测试专用）？")  # a text no other test has analysed
    rec = chat(
        ("user", f"退款呢？ Knowledge Base Result: {kb}"),
        ("assistant", REPLY),
        ("user", f"显示退款成功。 Knowledge Base Result: {kb}"),
        ("assistant", "请问您是用什么方式支付的？"),
    )
    assert sftlint.lint([rec], select=["K101", "K102", "K103", "K104"]) == []
    assert calls == [kb]
