"""Every fix is checked by linting again: a fix may not create a finding that was not there."""

from __future__ import annotations

import json

import pytest
from relint import assert_fixes_create_nothing, relint

import sftlint
from sftlint.rule_docs import builtin_rules, examples

FIXABLE = [r for r in builtin_rules() if r.fix_availability != "never" and examples(r)]


def chat(*turns: str) -> dict:
    return {
        "messages": [
            {"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)
        ]
    }


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("rule", FIXABLE, ids=lambda r: r.code)
def test_documented_example_fixed_and_relinted(rule, unsafe, tmp_path):
    r = assert_fixes_create_nothing(tmp_path, examples(rule)["Example"], unsafe=unsafe, select=["ALL"])
    assert any(d.code == rule.code for d in r.before)


def test_invisible_only_reply_is_empty_and_t005_does_not_blank_it(tmp_path):
    zw = "\u200b\u200b\ufeff"
    records = [chat("我的订单到哪了？", zw), chat("在吗？", " \u200b\n"), chat("您好\u200b在吗", "在的。")]
    diags = sftlint.lint(records, select=["S003", "T005"])
    s003 = [(d.record, d.pointer) for d in diags if d.code == "S003"]
    assert s003 == [(0, "/messages/1/content"), (1, "/messages/1/content")]
    assert "U+200B" in next(d for d in diags if d.code == "S003").message
    t005 = [d for d in diags if d.code == "T005"]
    # the invisible-only replies keep their T005 findings but get no fix; the real text does
    assert {d.record for d in t005} == {0, 1, 2}
    assert all(d.fix is None for d in t005 if d.record in (0, 1))
    assert all(d.fix is not None for d in t005 if d.record == 2)
    r = assert_fixes_create_nothing(tmp_path, records, select=["S003", "T005"])
    assert r.records[2]["messages"][0]["content"] == "您好在吗"
    assert r.records[0]["messages"][1]["content"] == zw  # left for a person to rewrite


def test_s003_leaves_visible_text_with_format_characters_alone():
    records = [
        chat("请问\u00ad价格？", "是 \u200e100 元。"),
        chat("谢谢👍\ufe0f", "不客气。"),
        chat("\u3000\u3000您好", "您好，请讲。"),
    ]
    assert [d for d in sftlint.lint(records, select=["S003"])] == []


def test_relint_reports_a_fix_that_creates_a_finding(tmp_path):
    """The helper itself can fail: a fix that blanks a reply is caught."""
    from sftlint.diagnostic import Edit, Fix

    records = [chat("在吗？", "\u200b")]
    diags = sftlint.lint(records, select=["T005"])
    # forge the old behaviour: a safe fix deleting the only character
    d = diags[0]
    d.fix = Fix("remove", (Edit(d.pointer, 0, 1, ""),), "safe")
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(records[0], ensure_ascii=False) + "\n", encoding="utf-8")
    from sftlint.fixes import apply_fixes

    assert apply_fixes(str(path), diags) == 1
    after = sftlint.lint(path, select=["S003"])
    assert [x.code for x in after] == ["S003"]
    # and relint() over the real rules shows none of that
    assert relint(tmp_path, records, select=["S003", "T005"]).applied == 0


REAL_LOOKING = [
    chat("帐号登录不了,怎么办?", "您好\u200b，请提供您的账号，我帮您查询。"),
    chat("我的账号被冻结了", "您好，请在设置里修改账号密码后重新登录。"),
    chat("Ã©tÃ© 的订单呢", "订单已发货\u200b\u200b。"),
    chat("优惠卷怎么用?", "下单时选择优惠卷即可。"),
]


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_real_looking_records_fixed_and_relinted(unsafe, tmp_path):
    r = assert_fixes_create_nothing(tmp_path, REAL_LOOKING, unsafe=unsafe, select=["ALL"])
    assert r.applied > 0
