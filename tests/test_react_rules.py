"""R001–R006 on realistic customer-service turns: what they catch, what they leave alone, spans, fixes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import chat, run_cli, write_jsonl

import sftlint
from sftlint.analysis.react import (
    ReactSyntax,
    ReactTurn,
    extra_colons,
    label_namings,
    parse_turn,
    prompt_requests_react,
)

SYSTEM = (
    "你是电商平台的客服助手。每次回复都要用 ReAct 方法思考：思考过程用<>包围，包含思考、动作、观察，"
    "然后另起一行写---和给用户的答复。"
)
GOOD = "< 思考：用户想查询退款进度，需要先确认退款状态。\n动作：查询用户的退款状态。\n观察：退款状态为“退款中” >\n--- 您的退款正在处理中，一般1-3个工作日完成。"
GOOD2 = "< 思考：用户想知道到账时间，余额支付即时到账。\n动作：告诉用户退款会即时退回余额。>\n--- 余额支付的退款会即时退回您的账户余额。"


def lint(records, code, **options):
    opts = {code: options} if options else None
    return [d for d in sftlint.lint(records, select=[code], options=opts) if d.code == code]


def one(text: str, code: str, system: str | None = SYSTEM, **options):
    rec = chat(("user", "我的退款到哪了？"), ("assistant", text), system=system)
    return lint([rec], code, **options)


def content_at(record: dict, pointer: str) -> str:
    node = record
    for tok in pointer.strip("/").split("/"):
        node = node[int(tok)] if isinstance(node, list) else node[tok]
    return node


# -- the parser ----------------------------------------------------------------------


def test_parser_reads_the_seed_layout():
    text = (
        '< 思考：根据知识库结果，我要先确认用户是否在开播时收到了异常提示，即"账号异常，无法开播"。 \n'
        '动作：询问用户是否在开播时收到了异常提示，即"账号异常，无法开播"。 \n'
        "观察：等用户返回是否收到了异常提示 > \n"
        '--- 请问您是否在开播时收到了异常提示，即"账号异常，无法开播"？'
    )
    turn = parse_turn(text)
    assert turn.is_block
    assert [(u.kind, u.text) for u in turn.labels] == [
        ("thought", "思考"),
        ("action", "动作"),
        ("observation", "观察"),
    ]
    assert text[turn.close] == ">" and turn.open == 0
    assert text[turn.reply[0] : turn.reply[1]].startswith("请问您是否")
    assert not turn.reply_wrapped


def test_parser_close_glued_to_text_and_english_labels():
    turn = parse_turn("< 思考：转人工。\n动作：为用户转接人工客服> \n--- 请稍等。")
    assert turn.close is not None and turn.labels[-1].text == "动作"
    en = parse_turn(
        "< Thought 1: check the order.\nAction 1: look up the order.\nObservation 1: shipped. >\n--- It shipped."
    )
    assert [u.kind for u in en.labels] == ["thought", "action", "observation"]


def test_parser_does_not_take_words_in_prose_for_labels():
    assert not parse_turn("根据您的描述，下一步动作：请您在设置中修改密码。").is_block
    assert not parse_turn("思考：您的身高175cm，建议选L码。").is_block  # one label, no block
    assert not parse_turn("<活动公告> 双11期间全场满300减50。").is_block
    assert not parse_turn("两款对比：\n---\nA款续航30小时。\n---\nB款续航24小时。").is_block


def _general(text: str, syntax: ReactSyntax) -> ReactTurn:
    """The general parse of ``text``, without the one-pattern path for canonical turns."""
    saved = syntax.fast_re
    syntax.fast_re = None
    try:
        return parse_turn(text, syntax)
    finally:
        syntax.fast_re = saved


CANONICAL_EDGES = [
    GOOD,
    GOOD2,
    "<思考：先确认订单状态。\n动作：查询订单。>\n---\n您的订单已发货。",
    "  < 思考：无需观察。\n\n  动作：直接答复。 \n > \n ----- 好的，已为您登记。  \n",
    "< Thought 1: check.\nACTION 2 : look up.\nobservation: shipped. >\n--- It shipped.",
    "< 思考：x。\n动作：y。>\n---",  # no reply
    "< 思考：x。\n动作：y。>\n--- <包起来的答复>",  # wrapped reply
    "< 思考：x。\n动作：y。>\n--- 第一段 --- 第二段",
    "< 思考：用户问 a---b 的区别。\n动作：解释。>\n--- 两者不同。",  # an earlier '---' is the separator
    "< 思考：x\n动作：y\n观察：z\n思考：再想\n动作：再做 >\n--- 好的。",  # two cycles
    "< 思考：x。动作：y。>\n--- 同一行两个标签。",
    "< 动作：先做。\n思考：后想。>\n--- 顺序反了。",
    "< 思考：时间是9:00。\n动作：告诉用户。>\n--- 好的。",
    "< 思考：x。\n行动：y。>\n--- 行动标签。",
    "思考：x。\n动作：y。>\n--- 没有开头。",
    "< 思考：x。\n动作：y。\n--- 没有结尾。",
    "< 思考：x。\n动作：y。> 好的。",
    "< 思考：用户昨天21:30被冻结。\n动作：告诉用户今天21：30以后可登录。>\n--- 好的。",  # times in label lines
    "< 思考：x\n动作：回复“温馨提示：请稍候”。\n观察：ok >\n--- 好的。",  # a quoted colon
    "< 思考：x\n动作：打开 https://a.example.com:8080/x 。>\n--- 好的。",  # a URL
    "< 思考：x\n动作：询问用户：您好 >\n--- 好的。",  # an extra colon (R003)
    "< 思考：x\n动作：y 观察：z >\n--- 一行里的第三个标签。",  # a label inside a line
    "< Thought: x\nAction: y Observation 1: z >\n--- numbered label inside a line.",
    "< Thought: x\nAction: call f(a: 1) >\n--- a colon in a call.",
    # a line between action and observation (a tool call's arguments), the block opened on its own line
    '<\n思考：查询订单。\n动作：调用订单查询\n动作输入：{"order_id": "A123", "时间": "9:00"}\n观察：已发货 >\n--- 您的订单已发货。',
    '< 思考：x\n动作：y\n动作输入：{"id": 1}>\n---\n好的。',
    "< 思考：x\n动作：y\n备注。思考：再想\n观察：z >\n--- 多出的一行里有标签。",
    "< 思考：x\n动作：y\n动作输入：a\n动作输入：b\n观察：z >\n--- 两行参数。",
    "< 思考：x\n动作：y\n观察到的情况\n观察：z >\n--- 像观察开头的一行。",
]


@pytest.mark.parametrize("text", CANONICAL_EDGES)
def test_canonical_path_equals_the_general_parse(text):
    """The one-pattern path for canonical turns gives exactly the general parse (or declines)."""
    syntax = ReactSyntax()
    assert parse_turn(text, syntax) == _general(text, syntax)


def test_canonical_path_with_configured_syntax():
    syntax = ReactSyntax(thought=("Reasoning",), block_open="[", block_close="]", separator="===")
    for text in (
        "[ Reasoning: check.\nAction: look up.\nObservation: ok. ]\n=== Done.",
        "[ Reasoning: check.\nAction: look up. ]\n==== Done.",
        "[ Reasoning: check.\nAction: look up. ] === Done.",
    ):
        assert syntax.fast_re.match(text) is not None
        assert parse_turn(text, syntax) == _general(text, syntax)
    # one word for two steps: no canonical path (the general parse decides which step it is)
    assert ReactSyntax(thought=("Step",), action=("step",)).fast_re is None


def test_canonical_path_equals_the_general_parse_on_every_corpus_turn():
    corpus = Path(__file__).parent / "corpus" / "react_rag"
    syntax = ReactSyntax()
    taken = compared = 0
    for path in sorted(corpus.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for m in json.loads(line).get("messages", []):
                if m.get("role") != "assistant" or not isinstance(m.get("content"), str):
                    continue
                text = m["content"]
                compared += 1
                taken += syntax.fast_re.match(text) is not None
                assert parse_turn(text, syntax) == _general(text, syntax), text
    assert compared > 300 and taken > compared // 3  # the path is exercised, not bypassed


def test_prompt_detection():
    assert prompt_requests_react("请用 ReAct 方法思考后答复。")
    assert prompt_requests_react("先思考，标记为思考；再决定动作，标记为动作。")
    assert not prompt_requests_react("You are a React and TypeScript expert.")
    assert not prompt_requests_react("你是客服助手，请礼貌回答。")
    names = label_namings("1. 首先思考，标记为思考。2. 决定合适的行动，标记为行动。")
    assert [(n.kind, n.text) for n in names] == [("thought", "思考"), ("action", "行动")]
    assert [n.text for n in label_namings('Mark your reasoning as Thought and each step as "Action:".')] == [
        "Thought",
        "Action",
    ]


@pytest.mark.parametrize(
    ("line", "extra"),
    [
        ("动作：询问用户：您的账号是否是大陆地区的？", ["："]),
        ("动作:询问用户:您的订单号是多少？", [":"]),
        ("Action: lookup_order: 123", [":"]),
        ("动作：告诉用户客服时间为9:00-21:00，并询问用户：是否预约？", ["："]),
        ("动作：告诉用户客服时间为9:00-21:00。", []),
        ("动作：为用户预约14：30的回访电话。", []),
        ("动作：告诉用户积分按100:1抵扣。", []),
        ("动作：发送链接 https://help.example.com:8080/refund?id=1 给用户。", []),
        ("动作：回复用户“注意：请勿透露验证码”。", []),
        ('Action: lookup_order({"order_id": 123})', []),
        ("Action: search[time: 9:30]", []),
        ("动作：转接人工客服（工号：1024）。", []),
    ],
)
def test_extra_colons(line, extra):
    start = line.index("：") + 1 if "：" in line[:4] else line.index(":") + 1
    found = extra_colons(line, start, len(line))
    assert [line[i] for i in found] == extra


# -- R001 ------------------------------------------------------------------------------


def test_r001_prompt_asks_for_react():
    rec = chat(
        ("user", "退款到哪了？"),
        ("assistant", GOOD),
        ("user", "要多久？"),
        ("assistant", "一般1-3个工作日。"),
        system=SYSTEM,
    )
    found = lint([rec], "R001")
    assert [d.pointer for d in found] == ["/messages/4/content"]
    assert "system prompt" in found[0].message
    assert found[0].line == 1 and found[0].column is not None


def test_r001_file_majority_decides_without_prompt(tmp_path):
    react = [chat(("user", "退款到哪了？"), ("assistant", GOOD)) for _ in range(4)]
    plain = chat(("user", "要多久？"), ("assistant", "一般1-3个工作日。"))
    path = write_jsonl(tmp_path / "react.jsonl", [*react, plain])
    found = lint(path, "R001")
    assert [(d.record, d.pointer) for d in found] == [(4, "/messages/1/content")]
    assert "80%" in found[0].message


def test_r001_plain_chat_file_is_silent(tmp_path):
    plain = [chat(("user", f"问题{i}"), ("assistant", "好的，已为您处理。")) for i in range(6)]
    odd = chat(("user", "退款到哪了？"), ("assistant", GOOD))
    path = write_jsonl(tmp_path / "plain.jsonl", [*plain, odd])
    assert lint(path, "R001") == []


def test_r001_files_are_decided_separately(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [chat(("user", "q"), ("assistant", GOOD)) for _ in range(3)])
    b = write_jsonl(tmp_path / "b.jsonl", [chat(("user", "q"), ("assistant", "好的。")) for _ in range(3)])
    assert lint([str(a), str(b)], "R001") == []


def test_r001_options():
    rec = chat(("user", "q"), ("assistant", "好的，已为您处理。"))
    assert lint([rec], "R001") == []
    assert len(lint([rec], "R001", require=True)) == 1
    prompted = chat(("user", "q"), ("assistant", "好的。"), system=SYSTEM)
    assert lint([prompted], "R001", require=False) == []


def test_r001_tool_call_turns_are_not_counted():
    rec = {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "查一下订单"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"type": "function", "function": {"name": "q", "arguments": "{}"}}],
            },
            {"role": "tool", "content": '{"status": "shipped"}'},
            {"role": "assistant", "content": GOOD},
        ]
    }
    assert lint([rec], "R001") == []


def test_majority_vote_memory_cap():
    from sftlint.analysis.majority import Tally, reduce_by_file
    from sftlint.diagnostic import Finding, RecordRef

    def tallies():
        for i in range(4):  # plain turns first ...
            yield Tally("f.jsonl", False, 0, ((f"/messages/{i}/content", None, None),), i, i + 1)
        for _ in range(4, 14):  # ... then the file turns out to be a ReAct file
            yield Tally("f.jsonl", False, 1)
        yield Tally("g.jsonl", False, 0, (("/messages/1/content", None, None),), 0, 1)

    def report(ref, m, reason):
        return Finding(f"one {reason}", pointer=m[0], ref=ref)

    def summary(ref, n, reason):
        return Finding(f"{n} more", ref=ref)

    roomy = list(reduce_by_file(tallies(), threshold=0.5, report=report, summary=summary))
    assert [(f.ref.path, f.pointer) for f in roomy] == [
        ("f.jsonl", f"/messages/{i}/content") for i in range(4)
    ]
    assert "71% of the file's turns" in roomy[0].message  # 10 of 14 turns
    capped = list(reduce_by_file(tallies(), threshold=0.5, report=report, summary=summary, max_pending=2))
    assert [(f.message, f.ref) for f in capped] == [("4 more", RecordRef("f.jsonl", 0, 1))]

    # The rules' collector counts as tallies arrive: clean records only add to their file's
    # count, and the findings are the same as counting a list afterwards.
    from sftlint.analysis.majority import VoteCollector

    coll = VoteCollector(0.5)
    for t in tallies():
        coll.append(t)
    assert {p: (v.having, v.lacking, v.pending_turns) for p, v in coll.files.items()} == {
        "f.jsonl": (10, 4, 4),
        "g.jsonl": (0, 1, 1),
    }
    collected = list(reduce_by_file(coll, threshold=0.5, report=report, summary=summary))
    assert [(f.ref, f.pointer) for f in collected] == [(f.ref, f.pointer) for f in roomy]


def test_vote_collector_memory_is_bounded_on_a_plain_dataset():
    """A plain chat file (no turn has the feature) holds at most max_pending turns, not one per
    record, and yields nothing: it is not a majority file."""
    from sftlint.analysis.majority import Tally, VoteCollector
    from sftlint.diagnostic import Finding

    coll = VoteCollector(0.5, max_pending=100)
    for i in range(10_000):
        coll.append(Tally("plain.jsonl", False, 0, (("/messages/2/content", i + 1, 1),), i, i + 1))
    vote = coll.files["plain.jsonl"]
    assert vote.pending_turns <= 100 and vote.dropped + vote.pending_turns == 10_000
    assert (
        list(coll.findings(lambda r, m, why: Finding("x", ref=r), lambda r, n, why: Finding("y", ref=r)))
        == []
    )


# -- R002 ------------------------------------------------------------------------------


def test_r002_missing_action_and_thought():
    found = one("< 思考：需要确认退款状态。>\n--- 请稍等。", "R002")
    assert len(found) == 1 and "action" in found[0].message and "动作" in found[0].message
    found = one("< 动作：查询退款状态。>\n--- 请稍等。", "R002")
    assert len(found) == 1 and "thought" in found[0].message
    en = one("< Thought: check the refund.\nObservation: pending. >\n--- Please wait.", "R002")
    assert "Action" in en[0].message


def test_r002_observation_optional_by_default_and_configurable():
    assert one(GOOD2, "R002") == []
    assert len(one(GOOD2, "R002", required=["thought", "action", "observation"])) == 1


def test_r002_plain_answers_are_not_blocks():
    assert one("您的退款正在处理中，一般1-3个工作日完成。", "R002") == []
    assert one("思考：这个问题需要先确认订单。", "R002") == []


# -- R003 ------------------------------------------------------------------------------


def test_r003_marks_exactly_the_extra_colon():
    text = "< 思考：需要确认账号地区。\n动作：询问用户：您的账号是否是大陆地区的？>\n--- 请问您的账号是大陆地区的账号吗？"
    rec = chat(("user", "为什么不能开播？"), ("assistant", text))
    (d,) = lint([rec], "R003")
    assert d.pointer == "/messages/1/content"
    assert text[d.span[0] : d.span[1]] == "："
    assert d.span[0] == text.index("询问用户：") + 4
    assert d.fix is None  # rephrasing is not mechanical


def test_r003_checks_only_action_lines_by_default():
    text = "< 思考：用户问：能不能退款？\n动作：查询订单状态。\n观察：状态：已签收 >\n--- 请稍等。"
    assert one(text, "R003") == []
    assert len(one(text, "R003", labels=["thought", "action", "observation"])) == 2


def test_r003_traps_in_action_lines():
    for action in [
        "告诉用户营业时间为9:00-21:00",
        "为用户预约21：30的回电",
        "发送链接https://m.example.com/refund?a=1给用户",
        "告诉用户积分按100:1抵扣",
        "回复用户“温馨提示：退款将原路返回”",
    ]:
        assert one(f"< 思考：处理用户问题。\n动作：{action}。>\n--- 好的。", "R003") == [], action


def test_r003_english():
    found = one(
        "< Thought: I need the email.\nAction: ask the customer: which email did you use? >\n--- Which email did you use?",
        "R003",
    )
    assert len(found) == 1
    assert (
        one("< Thought: book it.\nAction: schedule a callback at 14:30 >\n--- Booked for 14:30.", "R003")
        == []
    )


def test_r003_fix_removes_a_doubled_colon(tmp_path):
    text = "< 思考：查询订单。\n动作：：查询用户的订单状态。>\n--- 请稍等。"
    path = write_jsonl(tmp_path / "d.jsonl", [chat(("user", "订单呢？"), ("assistant", text))])
    (d,) = lint(path, "R003")
    assert d.fix is not None and d.fix.applicability == "safe"
    result = run_cli("check", path, "--select", "R003", "--fix")
    assert result.code == 0, result
    fixed = json.loads(path.read_text(encoding="utf-8"))["messages"][1]["content"]
    assert "动作：查询用户的订单状态。" in fixed and "：：" not in fixed
    assert lint(path, "R003") == []


# -- R004 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("< 思考：查询状态。\n动作：查询退款状态。\n--- 请稍等。", "not closed"),
        ("< 思考：查询状态。\n动作：查询退款状态。> 请稍等，我帮您查询。", "separator"),
        ("< 思考：查询状态。\n动作：查询退款状态。>", "no reply"),
        ("< 思考：查询状态。\n动作：查询退款状态。>\n--- ", "reply is missing"),
        ("< 思考：查询状态。\n动作：查询退款状态。>\n--- <请稍等，我帮您查询。>", "wrapped"),
        ("思考：查询状态。\n动作：查询退款状态。>\n--- 请稍等。", "does not open"),
        ("< 思考：查询状态。\n动作：查询退款状态。 >\n—— 请稍等。", "separator"),
    ],
)
def test_r004_layout_problems(text, words):
    found = one(text, "R004")
    assert len(found) == 1, found
    assert words in found[0].message


def test_r004_good_layouts():
    for text in [
        GOOD,
        GOOD2,
        "<思考:查询。\n动作:查询状态。>\n---\n请稍等。",
        "<思考：查询。动作：查询状态。>--- 请稍等。",
    ]:
        assert one(text, "R004") == [], text


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        (
            "< 思考：查询。\n动作：查询状态。 \n--- 请稍等。",
            "< 思考：查询。\n动作：查询状态。> \n--- 请稍等。",
        ),
        ("< 思考：查询。\n动作：查询状态。> 请稍等。", "< 思考：查询。\n动作：查询状态。> \n--- 请稍等。"),
        ("思考：查询。\n动作：查询状态。>\n--- 请稍等。", "< 思考：查询。\n动作：查询状态。>\n--- 请稍等。"),
        (
            "< 思考：查询。\n动作：查询状态。 >\n—— 请稍等。",
            "< 思考：查询。\n动作：查询状态。 >\n--- 请稍等。",
        ),
    ],
)
def test_r004_safe_fixes_only_add_delimiters(tmp_path, text, fixed):
    path = write_jsonl(tmp_path / "d.jsonl", [chat(("user", "q"), ("assistant", text))])
    result = run_cli("check", path, "--select", "R004", "--fix")
    assert result.code == 0, result
    assert json.loads(path.read_text(encoding="utf-8"))["messages"][1]["content"] == fixed


def test_r004_wrapped_reply_fix_is_unsafe(tmp_path):
    text = "< 思考：查询。\n动作：查询状态。>\n--- <请稍等。>"
    path = write_jsonl(tmp_path / "d.jsonl", [chat(("user", "q"), ("assistant", text))])
    run_cli("check", path, "--select", "R004", "--fix")
    assert (
        json.loads(path.read_text(encoding="utf-8"))["messages"][1]["content"] == text
    )  # safe only: untouched
    run_cli("check", path, "--select", "R004", "--fix", "--unsafe-fixes")
    assert json.loads(path.read_text(encoding="utf-8"))["messages"][1]["content"].endswith("--- 请稍等。")


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("< 思考：查询。\n动作：查询状态。 \n--- 请稍等。", "close the block with `>`"),
        ("思考：查询。\n动作：查询状态。>\n--- 请稍等。", "open the block with `<`"),
        ("< 思考：查询。\n动作：查询状态。> 请稍等。", "write the `---` separator before the reply"),
        ("< 思考：查询。\n动作：查询状态。>\n--- <请稍等。>", "unwrap the reply"),
    ],
)
def test_r004_fix_says_what_it_does(text, verb):
    """The fix's message names the edit (as --show-fixes lists it), not the problem again."""
    (d,) = one(text, "R004")
    assert d.fix is not None and d.fix.message == verb


def test_r004_missing_reply_has_no_fix():
    (d,) = one("< 思考：查询。\n动作：查询状态。>", "R004")
    assert d.fix is None


# -- R005 ------------------------------------------------------------------------------


def test_r005_seed_mismatch_span_on_the_prompt_label():
    system = "1. 首先思考，标记为思考。2. 然后决定合适的行动，标记为行动。3. 观察结果，标记为观察。"
    rec = chat(("user", "q"), ("assistant", GOOD), ("user", "q2"), ("assistant", GOOD2), system=system)
    (d,) = lint([rec], "R005")
    assert d.pointer == "/messages/0/content"
    assert system[d.span[0] : d.span[1]] == "行动"
    assert "`动作` (2×)" in d.message


def test_r005_agreeing_labels_and_other_prompt_forms():
    same = "先思考，标记为思考；再决定动作，标记为动作。"
    assert lint([chat(("user", "q"), ("assistant", GOOD), system=same)], "R005") == []
    quoted = "推理用“思考”标记，决定用“行动”标记。"
    assert len(lint([chat(("user", "q"), ("assistant", GOOD), system=quoted)], "R005")) == 1
    template = "回复格式：\n< 思考：…\n行动：…\n观察：… >\n--- 答复"
    assert len(lint([chat(("user", "q"), ("assistant", GOOD), system=template)], "R005")) == 1
    english = "Mark your reasoning as Thought and your step as Action."
    en_turn = "< Thought: check.\nAction: look up the order. >\n--- Let me check."
    assert lint([chat(("user", "q"), ("assistant", en_turn), system=english)], "R005") == []


def test_r005_each_record_counts_its_own_turns():
    """R005 remembers its findings per prompt by the blocks' label words: records with the same
    prompt but other words, or as many blocks, each get their own counts."""
    system = "先思考，标记为思考；再决定合适的行动，标记为行动。"
    en = "< Thought: check the refund.\nAction: look up the refund. >\n--- Let me check."
    mixed = "< 思考：确认退款状态。\n行动：查询退款状态。>\n--- 我帮您查一下。"
    records = [
        chat(("user", "q"), ("assistant", GOOD), ("user", "q2"), ("assistant", GOOD2), system=system),
        chat(("user", "q"), ("assistant", GOOD), system=system),
        chat(("user", "q"), ("assistant", mixed), system=system),
        chat(("user", "q"), ("assistant", GOOD), ("user", "q2"), ("assistant", en), system=system),
        chat(("user", "q"), ("assistant", GOOD2), ("user", "q2"), ("assistant", GOOD), system=system),
    ]
    found = {d.record: d.message for d in lint(records, "R005")}
    assert sorted(found) == [0, 1, 3, 4]  # the record that writes 行动 agrees with its prompt
    assert "`动作` (2×)" in found[0] and "`动作` (2×)" in found[4]
    assert "`动作` (1×)" in found[1]
    assert "`动作` (1×)" in found[3] and "`Action` (1×)" in found[3]


def test_r005_needs_a_prompt_that_names_labels():
    assert lint([chat(("user", "q"), ("assistant", GOOD))], "R005") == []
    assert lint([chat(("user", "q"), ("assistant", GOOD), system=SYSTEM)], "R005") == []


# -- R006 ------------------------------------------------------------------------------


def test_r006_out_of_order():
    text = "< 动作：查询退款状态。\n思考：用户关心到账时间。>\n--- 请稍等。"
    (d,) = one(text, "R006")
    assert text[d.span[0] : d.span[1]] == "思考"
    text2 = "< 思考：用户关心到账时间。\n观察：尚未查询。\n动作：查询退款状态。>\n--- 请稍等。"
    (d2,) = one(text2, "R006")
    assert text2[d2.span[0] : d2.span[1]] == "动作"


def test_r006_cycles_are_fine():
    text = (
        "< Thought: check the order.\nAction: look up the order.\nObservation: shipped.\n"
        "Thought: tell the customer.\nAction: reply. >\n--- It shipped today."
    )
    assert one(text, "R006") == []
    assert one(GOOD, "R006") == []


# -- options and robustness ---------------------------------------------------------------


def test_custom_labels_and_separator():
    text = "[ Reason: check.\nDo: look up the order. ]\n=== It shipped."
    opts = {
        "thought_labels": ["Reason"],
        "action_labels": ["Do"],
        "block_open": "[",
        "block_close": "]",
        "separator": "===",
    }
    rec = chat(("user", "q"), ("assistant", text))
    for code in ("R002", "R004", "R006"):
        assert lint([rec], code, **opts) == [], code
    bad = chat(("user", "q"), ("assistant", "[ Reason: check. ]\n=== It shipped."))
    assert len(lint([bad], "R002", **opts)) == 1


def test_bad_options_are_a_usage_error(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [chat(("user", "q"), ("assistant", GOOD))])
    cfg = tmp_path / "sftlint.toml"
    cfg.write_text('[rules.action-colons]\nlabels = ["verb"]\n', encoding="utf-8")
    assert run_cli("check", path, "--config", cfg).code == 2


def test_odd_records_are_not_crashes():
    records = [
        {"messages": [{"role": "assistant", "content": "<"}]},
        {"messages": [{"role": "assistant", "content": ">>>---<<<"}]},
        {"messages": [{"role": "assistant", "content": "< 思考：\n动作：>\n---"}]},
        {
            "messages": [
                {"role": "assistant", "content": [{"type": "text", "text": "< 思考：a\n动作：b：c >\n--- d"}]}
            ]
        },
        {"messages": "nope"},
        {"instruction": "q", "output": "< 思考：a\n动作：b >\n--- c"},
    ]
    found = sftlint.lint(records, select=["R"])
    assert not [d for d in found if d.code == "X001"], found


def test_span_in_a_list_of_parts_points_at_the_part():
    rec = {
        "messages": [
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "< 思考：a\n动作：询问用户：b >\n--- c"}],
            },
        ]
    }
    (d,) = lint([rec], "R003")
    assert d.pointer.startswith("/messages/1/content/0")
    assert content_at(rec, d.pointer)[d.span[0] : d.span[1]] == "："
