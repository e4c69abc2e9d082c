"""T001-T005 through the engine, on real-looking Chinese customer-service records."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sftlint
from sftlint.fixes import _apply_pointer_edits

FIXTURES = Path(__file__).parent / "fixtures" / "text"


def chat(*turns: str, system: str | None = None) -> dict:
    msgs = [{"role": "system", "content": system}] if system else []
    for i, t in enumerate(turns):
        msgs.append({"role": "user" if i % 2 == 0 else "assistant", "content": t})
    return {"messages": msgs}


def lint(records, code: str, **kw) -> list:
    return [d for d in sftlint.lint(records, select=[code], **kw) if d.code == code]


def fixed(record: dict, diags: list, *, unsafe: bool) -> dict:
    out = copy.deepcopy(record)
    edits = [e for d in diags if d.fix and (unsafe or d.fix.applicability == "safe") for e in d.fix.edits]
    _apply_pointer_edits(out, edits)
    return out


# -- T001 zh-typo -------------------------------------------------------------

SEED_STYLE_WITH_TYPOS = chat(
    "我上周申情了退款，为什么还没到账？ Knowledge Base Result: 退款处理方法：\n1. 确认用户是否已提交退款申请。\n2. 退款一般在3个工作日内原路退回。",
    "< 思考：根据知识库结果，需要确认用户是否已经提交申请。\n动作：询问用户的订单号。> \n--- 您好，您的退款申请我们以经收到，请提供订单号，我帮您查询进度。",
    "订单号是20240501。另外我的优惠卷也不见了。 Knowledge Base Result: [同上]",
    "< 思考：用户的优惠券可能随退款一起失效。\n动作：告知用户原因。> \n--- 退款后对应的优惠卷会失效，请输入短信里的验正码，我帮您重新发放一张。",
    system="你是一个帮助用户解决问题的客服助手，请根据知识库结果回答。",
)


def test_t001_finds_the_seed_style_typos_with_exact_spans_and_unsafe_fixes():
    diags = lint([SEED_STYLE_WITH_TYPOS], "T001")
    got = [(d.pointer, d.message) for d in diags]
    assert got == [
        ("/messages/1/content", "可能的错别字“情”，应为“请”（申情 → 申请）"),
        ("/messages/2/content", "可能的错别字“以”，应为“已”（以经 → 已经）"),
        ("/messages/3/content", "可能的错别字“卷”，应为“券”（优惠卷 → 优惠券）"),
        ("/messages/4/content", "可能的错别字“卷”，应为“券”（优惠卷 → 优惠券）"),
        ("/messages/4/content", "可能的错别字“正”，应为“证”（验正 → 验证）"),
    ]
    msgs = SEED_STYLE_WITH_TYPOS["messages"]
    for d in diags:
        index = int(d.pointer.split("/")[2])
        text = msgs[index]["content"]
        start, end = d.span
        assert end - start == 1 and text[start:end] in "情以卷正"
        assert d.severity == "warning"
        assert d.fix is not None and d.fix.applicability == "unsafe"
    repaired = fixed(SEED_STYLE_WITH_TYPOS, diags, unsafe=True)
    text = json.dumps(repaired, ensure_ascii=False)
    for wrong in ("申情", "以经", "优惠卷", "验正"):
        assert wrong not in text
    assert "申请了退款" in text and "已经收到" in text and "验证码" in text
    assert lint([repaired], "T001") == []
    # a safe-only fix run leaves typos alone (the fix could change meaning)
    assert fixed(SEED_STYLE_WITH_TYPOS, diags, unsafe=False) == SEED_STYLE_WITH_TYPOS


def test_t001_reports_physical_location_in_a_file(tmp_path):
    path = tmp_path / "cs.jsonl"
    clean = chat("你好", "您好，请问有什么可以帮您？")
    path.write_text(
        json.dumps(clean, ensure_ascii=False)
        + "\n"
        + json.dumps(chat("优惠卷怎么用？", "您好，下单时自动抵扣。"), ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    (d,) = lint(path, "T001")
    assert d.line == 2 and d.record == 1
    line = path.read_text(encoding="utf-8").splitlines()[1]
    assert line[d.column - 1] == "卷"


def test_t001_clean_customer_service_dialogues_yield_nothing():
    records = [json.loads(x) for x in (FIXTURES / "clean_cs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 20
    assert sum(len(r["messages"]) for r in records) >= 40
    assert lint(records, "T001") == []
    # the whole T family is quiet on them too (T003 is opt-in)
    assert [d for d in sftlint.lint(records, select=["T"]) if d.severity != "info"] == []


def test_t001_whitelist_option():
    # the brand once: written on two lines without 漂亮 beside it, it reads as the file's word
    record = chat("你们的票亮洗衣液怎么卖？", "现在买二送一。")
    assert [d.message for d in lint([record], "T001")][:1] == ["可能的错别字“票”，应为“漂”（票亮 → 漂亮）"]
    assert lint([record], "T001", options={"zh-typo": {"whitelist": ["票亮洗衣液"]}}) == []


def test_t001_roles_option_and_tool_output_skipped_by_default():
    record = {
        "messages": [
            {"role": "user", "content": "查一下我的订单"},
            {"role": "assistant", "content": "好的，请稍等。"},
            {"role": "tool", "content": "订单状态：优惠卷已使用"},
            {"role": "assistant", "content": "您的订单已发货。"},
        ]
    }
    assert lint([record], "T001") == []
    only_tool = lint([record], "T001", options={"zh-typo": {"roles": ["tool"]}})
    assert [d.pointer for d in only_tool] == ["/messages/2/content"]


def test_t001_does_not_load_the_model_for_records_without_chinese():
    import sftlint.rules.text as installed

    saved = dict(installed._DETECTORS)
    installed._DETECTORS.clear()
    try:
        english = [chat("Where is my parcel?", "It ships tomorrow.") for _ in range(5)]
        assert lint(english, "T001") == []
        assert installed._DETECTORS == {}
        lint([chat("你好", "您好")], "T001")
        assert () in installed._DETECTORS
    finally:
        installed._DETECTORS.clear()
        installed._DETECTORS.update(saved)


def test_t001_alpaca_record_points_at_the_field():
    record = {
        "instruction": "请回答用户的问题",
        "input": "我的优惠卷过期了怎么办？",
        "output": "过期的优惠券无法使用，请关注后续活动。",
    }
    (d,) = lint([record], "T001")
    assert d.pointer == "/input"
    assert record["input"][d.span[0] : d.span[1]] == "卷"


# -- T002 term-variant ----------------------------------------------------------


def test_t002_flags_the_minority_form_with_counts_and_safe_fix():
    records = [
        chat("我的账号登录不了", "请提供您的账号，我帮您查询。"),
        chat("账号被冻结了怎么办？", "请在登录页面点击申诉，账号会在一天内解冻。"),
        chat("怎么修改帐号密码？", "在设置里可以修改账号密码。"),
        chat("其他问题找谁？", "其他问题请联系人工客服。"),
    ]
    diags = lint(records, "T002")
    assert len(diags) == 1
    d = diags[0]
    assert d.record == 2 and d.pointer == "/messages/0/content"
    assert records[2]["messages"][0]["content"][d.span[0] : d.span[1]] == "帐号"
    assert "“帐号”应统一为“账号”" in d.message and "“账号” 5 次" in d.message and "“帐号” 1 次" in d.message
    assert d.line is not None and d.column is not None
    assert d.fix.applicability == "safe" and d.fix.edits[0].replacement == "账号"


def test_t002_login_sense_of_denglu_only():
    landing = chat("人类什么时候登陆月球的？", "1969年，阿波罗11号登陆月球。")
    logins = [chat("我无法登录账号", "请重新登录试试。"), chat("登录失败怎么办", "请检查密码后再登录。")]
    assert lint([landing, *logins], "T002") == []  # 登陆 (landing) is not the login term
    mixed = [*logins, chat("我一直无法登陆", "请清除缓存后重新登录。")]
    (d,) = lint(mixed, "T002")
    assert "“登陆”应统一为“登录”" in d.message and d.fix.applicability == "unsafe"


def test_t002_words_that_fit_both_senses_let_the_sentence_decide():
    # 无法登陆 is a failed login in a support chat, a landing in a sentence about a riverbank
    logins = [chat("我无法登录账号", "请重新登录试试。"), chat("登录失败怎么办", "请检查密码后再登录。")]
    history = chat(
        "1381年农民起义时国王做了什么？",
        "国王于6月13日沿着泰晤士河出发，但格林威治河岸上聚集的人群太多，使他无法登陆，被迫返回伦敦塔。",
    )
    assert lint([*logins, history], "T002") == []
    support = chat("我的手机一直无法登陆，怎么办？", "请清除缓存后重新登录。")
    (d,) = lint([*logins, support], "T002")
    assert d.pointer == "/messages/0/content" and "“登陆”应统一为“登录”" in d.message


def test_t002_guards_accidental_matches():
    # 全部份额 is 全部 + 份额; nothing here is the variant 部份
    records = [chat("基金的全部份额都能赎回吗？", "可以赎回全部份额，部分产品有锁定期。")]
    assert lint(records, "T002") == []


def test_t002_counts_a_form_only_where_the_words_keep_it_whole():
    # 梦想像是 is 梦想 + 像是 and 思想像 is 思想 + 像: no 想像 there, however many 想象 the data holds
    majority = [chat("你能想象一下未来的生活吗？", "可以想象，未来的生活会更加便利。") for _ in range(3)]
    across = [
        chat("我总感觉自己的梦想像是沉重的负担", "梦想不该是负担，试着把它拆成小目标。"),
        chat("我总感觉自己的梦想像一个无底深渊", "先从最小的一步开始吧。"),
        chat("他的思想像一面镜子，照出了时代", "这个比喻很贴切。"),
    ]
    assert lint(majority + across, "T002") == []
    # the same form inside its words is still the variant: 想像 alone, in 难以想像, before 一下
    real = [
        chat("我真的难以想像那种生活", "可以理解，这需要时间适应。"),
        chat("你能想像一下吗？", "当然可以。"),
    ]
    records = majority + across + real
    diags = lint(records, "T002")
    assert [d.record for d in diags] == [6, 7]
    for d in diags:
        text = records[d.record]["messages"][0]["content"]
        assert text[d.span[0] : d.span[1]] == "想像" and "（数据集中“想象” 6 次，“想像” 2 次）" in d.message


def test_t002_word_boundary_test_reads_the_dictionary():
    from sftlint.analysis.text.variants import split_across_words

    assert split_across_words("自己的梦想像是沉重的负担", 4, 6)
    assert split_across_words("基金的全部份额", 4, 6)
    assert split_across_words("这是我的梦想象征着", 5, 7)  # 梦想 + 象征: no 想象
    assert not split_across_words("难以想像", 2, 4)  # inside the longer word 难以想像
    assert not split_across_words("蒜及其它调味佐料", 2, 4)  # 及 + 其它, though 及其 is a word
    assert not split_across_words("有一部份超重", 2, 4)
    assert not split_across_words("款项已到帐了", 3, 5)  # 到帐 is no dictionary word: not judged
    assert not split_across_words("想像", 0, 2)


def test_t002_majority_decides_and_refs_are_bounded():
    records = [chat("其它问题呢？", "其它问题请留言。") for _ in range(5)] + [
        chat("还有其他问题吗？", "其他其他其他其他其他问题都可以问。")
    ]
    diags = lint(records, "T002")
    assert {d.record for d in diags} == {5}  # 其它 is the majority here (10 vs 6)
    assert len(diags) == 3  # at most 3 occurrences located per form and record
    assert "另有" in diags[-1].message


def test_t002_lists_at_most_max_listed_per_form_and_counts_the_rest(monkeypatch, tmp_path):
    """Memory stays bounded: beyond MAX_LISTED located occurrences of a form, the rest are
    counted and named in one finding at the record where they begin."""
    from sftlint.rules import text as T

    monkeypatch.setattr(T, "MAX_LISTED", 4)
    records = [chat("我的账号登录不了", "请提供您的账号。") for _ in range(12)]
    records += [chat(f"帐号{i}号被冻结了", "请提供帐号。") for i in range(6)]  # 2 each: 12 in all
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    diags = lint(path, "T002")
    listed = [d for d in diags if d.fix is not None]
    assert [(d.line, d.pointer) for d in listed] == [
        (13, "/messages/0/content"),
        (13, "/messages/1/content"),
        (14, "/messages/0/content"),
        (14, "/messages/1/content"),
    ]
    (rest,) = [d for d in diags if d.fix is None]
    assert rest.line == 15 and "另有 8 处未逐一列出" in rest.message
    assert "“账号” 24 次" in rest.message and "“帐号” 12 次" in rest.message
    # the collector kept 4 places per form (账号, 帐号, 登录), not one per occurrence
    rule = T.TermVariant()
    coll = rule.collector()
    for r in sftlint.load_records(path):
        coll.append(rule.map(r))
    kept = Counter(key for key, *_ in coll.places)
    assert kept == {("账号", "账号"): 4, ("账号", "帐号"): 4, ("登录", "登录"): 4}
    assert coll.counts[("账号", "帐号")] == 12 and coll.counts[("账号", "账号")] == 24


# -- T003 punct-width -------------------------------------------------------------


def test_t003_is_off_by_default_and_flags_half_width_in_chinese():
    record = chat("快递到哪了?", "您好,包裹已到达上海转运中心(预计明天送达)!")
    assert [d for d in sftlint.lint([record]) if d.code == "T003"] == []
    diags = lint([record], "T003")
    marks = [
        (d.pointer, record["messages"][int(d.pointer.split("/")[2])]["content"][d.span[0]]) for d in diags
    ]
    assert marks == [
        ("/messages/0/content", "?"),
        ("/messages/1/content", ","),
        ("/messages/1/content", "("),
        ("/messages/1/content", ")"),
        ("/messages/1/content", "!"),
    ]
    repaired = fixed(record, diags, unsafe=False)
    assert repaired["messages"][1]["content"] == "您好，包裹已到达上海转运中心（预计明天送达）！"
    assert repaired["messages"][0]["content"] == "快递到哪了？"


@pytest.mark.parametrize(
    "text",
    [
        "营业时间是9:00-18:00，价格是3.5元。",
        "请访问 https://example.com/help?id=1,2 查看帮助。",
        "Please call us at 400-123-4567, thanks!",
        "调用 `get_order(id)` 接口，返回值是 JSON。",
        "```python\nprint('你好,世界')\n```",
        "联系邮箱：service@example.com",
        "商品编号(SKU)是A123。",
    ],
)
def test_t003_leaves_numbers_urls_english_and_code_alone(text):
    assert lint([chat("请问", text)], "T003") == []


def test_t003_leaves_japanese_lines_alone():
    """Alpaca-jp writes 意味: 仲間はずれ and 鶏肉, 魚 in Japanese answers: the kana say the line is
    Japanese, whose typography is its own.  A Chinese line of the same reply is still judged."""
    reply = "意味: 仲間はずれ。群衆になじめない人。\n- タンパク質: 鶏肉、魚、豆腐\n中文解释:不合群的人"
    diags = lint([chat("次の慣用句を説明してください。", reply)], "T003")
    assert [reply[d.span[0] : d.span[1]] for d in diags] == [":"]
    assert diags[0].span[0] == reply.index("解释:") + 2


def test_t003_leaves_a_gloss_in_an_english_sentence_alone():
    """OpenHermes's answers gloss a name in Chinese characters inside an English sentence:
    ``Explore the Shuri Castle (渋利城) and …``, ``**Cantonese (廣東語 / 广东语)**``.  The
    parentheses are the English sentence's.  A Chinese sentence that writes an English word
    before its half-width parentheses, or opens with an English name (BELLE's ``Apple (苹果公司)
    是一家…``), is still reported."""
    reply = (
        "Here are some recommendations for your trip:\n\n1. Explore the Shuri Castle (渋利城) and Shuri "
        "Castle Heritage Park.\n\n**Cantonese (廣東語 / 广东语)**"
    )
    assert lint([chat("What should I see in Okinawa?", reply)], "T003") == []
    chinese = "我最喜欢的语言是Python(一种编程语言)。\nApple (苹果公司) 是一家以设计电子产品为主的公司。"
    diags = lint([chat("你喜欢什么语言？", chinese)], "T003")
    assert [chinese[d.span[0]] for d in diags] == ["(", ")", "(", ")"]


# -- T005 garbled-text ------------------------------------------------------------


def test_t005_finds_debris_of_every_kind():
    record = chat(
        "订单号是多少锟斤拷",
        "您好\u200b，请提供订单号。烫烫烫烫",
        "Ã©tÃ© sale: â€œ50% offâ€\u009d",
        "退款\ufffd\ufffd已到账\x08",
    )
    diags = lint([record], "T005")
    got = [(d.pointer, d.message.split(":")[0].split("“")[0].strip()) for d in diags]
    assert got == [
        ("/messages/0/content", "mojibake"),
        ("/messages/1/content", "invisible zero-width space (U+200B) in text"),
        ("/messages/1/content", "mojibake"),
        ("/messages/2/content", "mojibake"),
        ("/messages/2/content", "mojibake"),
        ("/messages/2/content", "mojibake"),
        ("/messages/2/content", "mojibake"),
        ("/messages/3/content", "replacement character U+FFFD x2"),
        ("/messages/3/content", "control character U+0008 in text"),
    ]
    assert all(d.severity == "error" for d in diags)
    repaired = fixed(record, diags, unsafe=True)
    assert repaired["messages"][1]["content"] == "您好，请提供订单号。烫烫烫烫"
    assert repaired["messages"][2]["content"] == "été sale: “50% off”"


def test_t005_leaves_emoji_sequences_and_ordinary_text_alone():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    records = [
        chat("谢谢" + family, "不客气，祝您全家开心！"),
        chat("这个汤很烫，烫烫的。", "请小心饮用。"),
        chat("Café crème à 3€, naïve façade", "Très bien."),
        chat("第一行\n第二行\t制表符", "收到。"),
    ]
    assert lint(records, "T005") == []


def test_t005_leaves_a_terminals_control_sequences_in_what_the_model_reads():
    """SWE-agent's demonstrations show the agent a CTF tool's coloured log (ANSI escapes) and
    pip's spinner (backspace, space, backspace) as the terminal printed them: the environment's
    output, shown again at inference, not decoding debris.  In a reply, and as lone bytes (a
    netcat session's EOT, LaTeX's \\beta read as a backspace), control characters still count."""
    log = (
        "\x1b[33;21mprivate argument is not set, the private key will not be displayed.\x1b[0m\n"
        "\x1b[38;21m[*] Performing common_factors attack.\x1b[0m\n(Open file: n/a)\nbash-$"
    )
    pip = "Obtaining file:///testbed\r\n  Installing build dependencies ... -\x08 \x08\\\x08 \x08done\r\n"
    trajectory = {
        "messages": [
            {"role": "system", "content": "You are an autonomous programmer working in a shell."},
            {"role": "user", "content": "Recover the flag from pub1.pub and pub2.pub."},
            {"role": "assistant", "content": "Let me run RsaCtfTool.\n```\npython RsaCtfTool.py\n```"},
            {"role": "user", "content": log},
            {
                "role": "assistant",
                "content": "Let me install the package.",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "bash", "arguments": '{"command": "pip install -e ."}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": pip},
            {"role": "assistant", "content": "The package is installed."},
        ]
    }
    assert lint([trajectory], "T005") == []

    # a reply that writes the escapes itself, a lone control byte in an observation, and a
    # backspace where LaTeX's \beta was are still reported
    reply = chat("Why is my log red?", "Because of \x1b[31mERROR\x1b[0m: the build failed.")
    session = chat("Password: \nflag{d316}\n\x04\n\x03\n^C", "The flag is flag{d316}.")
    latex = chat("Show that \x08eta = 2 when x = 1.", "Substituting x = 1 gives 2.")
    got = [(d.pointer, d.message) for d in lint([reply, session, latex], "T005")]
    assert got == [
        ("/messages/1/content", "control character U+001B in text"),
        ("/messages/1/content", "control character U+001B in text"),
        ("/messages/0/content", "control character U+0004 in text"),
        ("/messages/0/content", "control character U+0003 in text"),
        ("/messages/0/content", "control character U+0008 in text"),
    ]


def test_t005_a_multiplication_sign_before_a_no_break_space_is_no_mojibake():
    """BELLE's eval answers write ``400米\u00a0×\u00a02``: the pair ``×\u00a0`` re-encodes to the
    UTF-8 of the Hebrew נ, but one letter of another script alone is two real characters.  Runs
    of such pairs, and a lone accented Latin letter or no-break space, are still mojibake."""
    maths = chat(
        "小明每天在400米的跑道上跑5个来回，他一天跑了多少千米？",
        "一次来回的长度 = 400米\u00a0×\u00a02 = 800米\n小明一天跑的总长度 = 800米\u00a0×\u00a05 = 4000米",
    )
    assert lint([maths], "T005") == []
    debris = chat(
        "Как сказать вода по-английски?",
        "Ð²Ð¾Ð´Ð° is water; cafÃ© is café; priceÂ\u00a0list",
    )
    got = [d.message.split("it was ")[1] for d in lint([debris], "T005")]
    assert got == ["“вода”", "“é”", "“\u00a0”"]


def test_t005_finds_question_marks_standing_for_lost_characters():
    """A scraped medical answer where GBK wrote "?" for each character it could not hold (seen in
    MedicalGPT's medical_sft_1K); question marks that close a question are punctuation."""
    lost = chat(
        "阴茎勃起时间长怎么办？",
        "你的这种情况可能是虚热，阴火上冲，可以用肉桂泡服，方法是在滋阴药中加入附子、肉桂之类温阳之品，"
        "?????? 你好，长时间的阴茎勃起有害。",
    )
    (d,) = lint([lost], "T005")
    text = lost["messages"][1]["content"]
    assert text[d.span[0] : d.span[1]] == "??????" and "lost" in d.message and d.fix is None
    asking = [
        chat("为什么会这样????", "可能是虚热引起的。"),
        chat("Really????", "Yes."),
        chat("？？？？", "您好，请问有什么可以帮您？"),
        chat("Yuen Lung Yuen\n????? 🤣🤣🤣", "哈哈。"),  # a comment that may be a reaction
    ]
    assert lint(asking, "T005") == []


def test_t005_finds_a_tokenizers_unknown_token_left_in_the_text():
    """Ad copy decoded back from token ids (ChatGLM3's AdvertiseGen demo data): each character the
    vocabulary lacked became ``<UNK>``; a run of them is one finding.  A marker mentioned, set apart
    by spaces or quotes, or in a text about tokenization, is left alone."""
    copy_ = chat(
        "类型#上衣*材质#蕾丝*衣样式#西装",
        "春暖花开，又到了西装发挥作用的时候，西服的<UNK>硬朗是不可磨灭的。裤口不规则磨破撕边，"
        "遮肉，<UNK><UNK>，很显腿直！",
    )
    got = lint([copy_], "T005")
    text = copy_["messages"][1]["content"]
    assert [text[d.span[0] : d.span[1]] for d in got] == ["<UNK>", "<UNK><UNK>"]
    assert all("unknown-token" in d.message and d.fix is None for d in got)
    (d,) = lint([chat("Translate: the cat sat", "Le chat s'est<unk>.")], "T005")
    assert d.span is not None
    mentions = [
        chat("What is [UNK] in BERT?", "The [UNK] token stands for a word outside the vocabulary."),
        chat("分词器怎么处理生僻字？", "词表里没有的字会被替换为[UNK]，解码时就丢失了。"),
        chat("写一行配置", '设置 tokenizer.unk_token = "<unk>" 即可。'),
        chat("占位符是什么", "模板里用 “<UNK>” 表示缺失的词。"),
    ]
    assert lint(mentions, "T005") == []


def test_t002_fix_is_applied_by_the_cli(tmp_path):
    from conftest import run_cli

    path = tmp_path / "cs.jsonl"
    records = [
        chat("我的账号登录不了", "请提供您的账号，我帮您查询。"),
        chat("怎么修改帐号密码？", "在设置里可以修改账号密码。"),
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    r = run_cli("check", path, "--select", "T002", "--fix")
    assert r.code == 0, r
    assert "帐号" not in path.read_text(encoding="utf-8")
    assert run_cli("check", path, "--select", "T002").code == 0


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("您好订单锟斤拷烫屯ÃÂ©â€™\ufffd\u200b\u200d\x07\x9f\u00a0aZ1 \n👨??"))
)
def test_garble_prefilter_never_hides_a_finding(text):
    """The one-pattern rejection of clean text must not skip anything the six patterns find."""
    from sftlint.analysis.text import garble

    if "????" not in text:
        assert garble._LOST.search(text) is None
    if garble._SUSPECT.search(text) is None:
        for pattern in (
            garble._REPLACEMENT,
            garble._MOJIBAKE_ZH,
            garble._MOJIBAKE_LATIN,
            garble._CONTROL,
            garble._ZERO_WIDTH,
        ):
            assert pattern.search(text) is None, (pattern.pattern, text)
