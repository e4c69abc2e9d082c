"""The knowledge-base numbering parser (sftlint.analysis.numbering): items, traps, sequence problems."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.analysis.numbering import analyse, find_items

SEED_KB = (
    '用户反馈无法开直播，如何处理？ 处理方法是：先确认用户是否在开播时收到了异常提示，即"账号异常，无法开播"。 \n'
    "1. 如果用户收到了异常提示，要让用户自行核查账号是否存在历史违规。 \n"
    "2. 如果用户没收到异常提示，要进一步询问用户的账号是否为大陆地区的账号。 \n"
    "2.1 如果用户的账号不是大陆地区的账号，要告诉用户，非大陆地区暂无法开启直播。 \n"
    "2.2 如果用户的账号是大陆地区账号，要进一步询问用户是否已完成实名认证。 \n"
    "2.2.1 如果用户的账号没有完成实名认证，要告诉用户，需要完成实名认证才能开启直播。 \n"
    "2.2.2 如果用户的账号已经完成实名认证，要进一步询问用户的实名认证是否依旧审核通过。 \n"
    "2.2.2.1 如果用户的实名认证没有通过，要告诉用户，需要等实名认证通过后才能开启直播。 \n"
    "2.2.2.2 如果用户的实名认证通过了但仍然无法开启直播，要为用户转接人工客服。"
)
SEED_PROMPT_LIST = (
    "ReAct 的方法是：1. 首先思考用户的问题该如何解决，给出你的推理，标记为思考。2. 然后根据你的推理决定合适的行动，"
    "标记为行动。3. 观察你行动的结果或收集必要的信息，标记为观察。"
)


def labels(text: str) -> list[str]:
    return [i.label for i in analyse(text).items]


def problems(text: str) -> list[tuple[str, str]]:
    return [(p.kind, p.item.label) for p in analyse(text).problems]


# -- items ---------------------------------------------------------------------


def test_seed_knowledge_base_is_read_as_a_clean_hierarchy():
    result = analyse(SEED_KB)
    assert [i.label for i in result.items] == [
        "1",
        "2",
        "2.1",
        "2.2",
        "2.2.1",
        "2.2.2",
        "2.2.2.1",
        "2.2.2.2",
    ]
    assert result.problems == ()


def test_seed_system_prompt_inline_list_is_clean():
    assert labels(SEED_PROMPT_LIST) == ["1", "2", "3"]
    assert problems(SEED_PROMPT_LIST) == []


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("步骤：\n1. 登录\n2. 设置\n3. 退出", "1."),
        ("步骤：\n1、登录\n2、设置\n3、退出", "1、"),
        ("步骤：\n1) 登录\n2) 设置\n3) 退出", "1)"),
        ("步骤：\n1）登录\n2）设置\n3）退出", "1)"),
        ("步骤：\n（1）登录\n（2）设置\n（3）退出", "（1）"),
        ("步骤：\n(1) 登录\n(2) 设置\n(3) 退出", "（1）"),
        ("步骤：\n①登录\n②设置\n③退出", "①"),
        ("步骤：\n一、登录\n二、设置\n三、退出", "一、"),
        ("步骤：\n１．登录\n２．设置\n３．退出", "1."),
    ],
)
def test_every_style_is_read(text, style):
    items = analyse(text).items
    assert [i.parts for i in items] == [(1,), (2,), (3,)]
    assert {i.style for i in items} == {style}
    assert analyse(text).problems == ()


def test_inline_items_after_sentence_ends_and_colons():
    text = "处理方法：1. 确认订单状态。2. 核实支付方式！3. 转接人工？4. 结束；5. 记录"
    assert labels(text) == ["1", "2", "3", "4", "5"]


def test_items_after_plain_spaces_count_only_when_they_continue_the_list():
    assert labels("处理方法：1. 退款 2. 换货 3. 补发") == ["1", "2", "3"]
    # "2. 换货" after a space is the next item; "5. 补发" after a space is not.
    assert labels("处理方法：1. 退款 2. 换货 5. 补发") == ["1", "2"]
    # and a list never starts on a weak candidate
    assert labels("请准备 1. 身份证 2. 银行卡") == []


def test_span_is_the_number_itself():
    text = "规则：\n1. 甲\n2.1 乙"
    item = analyse(text).items[1]
    assert text[item.start : item.end] == "2.1"
    circled = analyse("规则：\n①甲\n②乙").items[1]
    assert circled.label == "②"


@pytest.mark.parametrize(
    "text",
    [
        "价格：\n12.5元起，限时优惠。\n1. 满199元减20元\n2. 2.5折商品不参与",  # prices and discounts
        "升级说明：\n2.0版本上线\n1. 请升级到v1.2以上\n2. iOS 17.2 及以上可用",  # versions
        "营业时间：\n9:00-21:00 在线\n21：30以后留言\n1. 紧急问题拨打电话\n2. 其他问题留言",  # clock times
        "时间安排：\n2024.5.1起调整。\n5.1假期期间暂停发货。\n1. 已付款订单顺延\n2. 未付款订单取消",  # dates
        "数据：\n3.14是圆周率\n0.5倍积分\n1. 积分翻倍\n2. 限会员",  # decimals
        "联系方式：\n13800138000\n400-820-1234\n订单号：2024051200123。\n1. 电话咨询\n2. 在线咨询",  # numbers
        "活动：\n6.18大促期间价格调整\n11.11当天0:00开抢\n1. 满300减50\n2. 可叠加",  # shopping dates
        "活动时间：9.30开始。\n1. 报名\n2. 参赛",  # a time written with a dot
        "平均值：5、8、10和12的平均值为: 8.75\n1. 求和\n2. 除以4",  # number lists and a value after a colon
        "圈速为1:23.5。\n1. 起步\n2. 冲刺",  # a lap time
    ],
)
def test_traps_are_not_items_and_lists_around_them_are_clean(text):
    result = analyse(text)
    assert [i.parts for i in result.items] == [(1,), (2,)], [i.label for i in result.items]
    assert result.problems == ()


def test_a_lone_number_is_not_a_list():
    assert problems("4. 如有疑问请联系客服") == []
    assert problems("2.2.1 如果用户没有完成实名认证") == []


# -- problems ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("1. 甲\n3. 丙", "3", "2"),
        ("1. 甲\n2. 乙\n2.1 丙\n2.3 丁", "2.3", "2.2"),
        ("2. 乙\n3. 丙", "2", "1"),
        ("（1）甲\n（2）乙\n（4）丁", "4", "3"),
        ("①甲\n②乙\n④丁", "④", "③"),
        ("处理方法：1、确认；2、核实；4、转接。", "4", "3"),
        ("一、总则\n三、附则", "三", "二"),
    ],
)
def test_gap_names_the_expected_number(text, label, expected):
    result = analyse(text)
    gaps = [p for p in result.problems if p.kind == "gap"]
    assert [(p.item.label, p.expected) for p in gaps] == [(label, expected)]
    assert f"expected {expected}" in gaps[0].message


def test_orphan_names_the_missing_parent_once_for_its_children():
    result = analyse("1. 甲\n2. 乙\n2.1 丙\n2.2.1 丁\n2.2.2 戊\n2.3 己\n3. 庚")
    assert [(p.kind, p.item.label, p.missing_parent) for p in result.problems] == [("orphan", "2.2.1", "2.2")]
    assert "2.2" in result.problems[0].message


def test_orphan_with_several_missing_ancestors():
    result = analyse("1. 甲\n1.1 乙\n2.1.1 丙")
    (p,) = result.problems
    assert (p.kind, p.missing_parent) == ("orphan", "2.1")
    assert "missing: 2, 2.1" in p.message


@pytest.mark.parametrize(
    ("text", "kind", "label"),
    [
        ("1. 甲\n2. 乙\n2. 丙\n3. 丁", "duplicate", "2"),
        ("1. 甲\n2. 乙\n3. 丙\n2. 丁", "duplicate", "2"),
        ("1. 甲\n2. 乙\n2.2 丙\n2.1 丁", "backwards", "2.1"),
        ("（1）甲\n（2）乙\n（2）丙", "duplicate", "2"),
        ("①甲\n③丙\n②乙", "backwards", "②"),
        ("1. 甲\n2. 乙\n1. 丙", "duplicate", "1"),  # a restart with no heading is a repeat
    ],
)
def test_repeats_and_backwards(text, kind, label):
    result = analyse(text)
    assert (kind, label) in [(p.kind, p.item.label) for p in result.problems]


def test_a_new_list_after_a_heading_restarts():
    assert problems("退货规则：\n1. 甲\n2. 乙\n换货规则：\n1. 丙\n2. 丁") == []
    assert problems("退货规则：1. 甲。2. 乙。换货规则：1. 丙。2. 丁。") == []
    assert problems("1. 甲\n2. 乙\n\n1. 丙\n2. 丁") == []


def test_sub_lists_under_each_parent_restart():
    text = "规则：\n1. 七天无理由：\n（1）完好\n（2）吊牌在\n2. 质量问题：\n（1）照片\n（2）审核\n3. 其他"
    assert problems(text) == []
    assert problems("规则：\n1. 甲：\n（1）子\n（2）子\n2. 乙：\n（2）子") == [("gap", "2")]


def test_outer_circled_list_with_arabic_children():
    assert problems("①退货：\n1. 甲\n2. 乙\n②换货：\n1. 丙\n2. 丁\n③维修") == []


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("1. 甲\n2、乙\n3. 丙", "2"),
        ("1) 甲\n2) 乙\n3. 丙", "3"),
        ("①甲\n②乙\n3. 丙", "3"),
        ("1. 甲\n2. 乙\n（3）丙", "3"),
        ("退货：\n1. 甲\n2. 乙\n换货：\n1、丙\n2、丁", "1"),
    ],
)
def test_mixed_styles_reported_once(text, label):
    styles = [p for p in analyse(text).problems if p.kind == "style"]
    assert [p.item.label for p in styles] == [label]


def test_levels_in_different_styles_are_a_hierarchy_not_a_mix():
    assert problems("一、退款\n（一）流程\n1. 甲\n2. 乙\n（二）时效\n二、换货") == []
    assert problems("1. 甲\n（1）子\n（2）子\n2. 乙") == []
    assert problems("1. 甲\n①子\n②子\n2. 乙") == []


def test_mixed_style_continuation_keeps_checking_the_sequence():
    # "（3）" continues the 1. list (a style problem) and "5." then skips 4.
    kinds = problems("1. 甲\n2. 乙\n（3）丙\n5. 丁")
    assert ("style", "3") in kinds and ("gap", "5") in kinds


# -- properties ------------------------------------------------------------------------


@st.composite
def outlines(draw) -> list[tuple[int, ...]]:
    """A well-formed outline: 1, 1.1, 1.2, 2, 2.1, 2.1.1 …"""
    out: list[tuple[int, ...]] = []

    def level(prefix: tuple[int, ...], depth: int) -> None:
        n = draw(st.integers(min_value=1 if not prefix else 0, max_value=4 if depth == 0 else 3))
        for i in range(1, n + 1):
            out.append((*prefix, i))
            if depth < 2 and draw(st.booleans()):
                level((*prefix, i), depth + 1)

    level((), 0)
    return out


def render(outline: list[tuple[int, ...]], sep: str) -> str:
    words = ["确认订单", "核实身份", "转接人工", "告知时效", "补发商品", "退还差价", "登记催件"]
    lines = []
    for k, parts in enumerate(outline):
        num = f"{parts[0]}. " if len(parts) == 1 else ".".join(map(str, parts)) + " "
        lines.append(f"{num}如果需要{words[k % len(words)]}，请按流程处理。")
    return "处理方法是：" + sep + sep.join(lines)


@settings(max_examples=150, deadline=None)
@given(outlines(), st.sampled_from(["\n", " \n", ""]))
def test_any_well_formed_outline_is_clean(outline, sep):
    result = analyse(render(outline, sep))
    assert [i.parts for i in result.items] == outline
    assert result.problems == ()


@settings(max_examples=150, deadline=None)
@given(outlines(), st.data())
def test_removing_an_item_is_always_noticed(outline, data):
    if len(outline) < 3:
        return
    i = data.draw(st.integers(min_value=0, max_value=len(outline) - 2))
    removed = outline[i]
    rest = outline[:i] + outline[i + 1 :]
    has_children = any(p[: len(removed)] == removed and len(p) > len(removed) for p in rest)
    has_next_sibling = (*removed[:-1], removed[-1] + 1) in rest
    kinds = {p.kind for p in analyse(render(rest, "\n")).problems}
    if has_children:
        assert "orphan" in kinds
    elif has_next_sibling:
        assert "gap" in kinds
    # removing the last leaf of a level leaves a well-formed outline


def test_find_items_never_raises_on_odd_text():
    for text in [
        "",
        "1",
        "（",
        "①" * 30,
        "1." * 50,
        "\n\n\n",
        "（99）（100）",
        "一、" * 20,
        "1.1.1.1.1.1.1.1",
    ]:
        find_items(text)
        analyse(text)


def test_a_branch_numbered_off_the_outline_is_an_orphan():
    """2.1 then 4.1 with its own 4.1.1: a branch numbered wrongly (2.2 meant), reported; the same
    numbers opening a chapter's own outline (第4章： then 4.1, 4.1.1) or a date (5.1劳动节) are not."""
    wrong = (
        "处理方法是：先确认用户的账号地区。\n1. 如果用户收到了异常提示，要让用户核查。\n"
        "2. 如果用户没收到异常提示，要询问账号地区。\n2.1 如果不是大陆地区的账号，要告诉用户暂无法开播。\n"
        "4.1 如果是大陆地区账号，要询问是否已实名认证。\n4.1.1 如果没有实名认证，要告诉用户先认证。\n"
        "4.1.2 如果已经实名认证，要为用户转接人工客服。"
    )
    problems = analyse(wrong).problems
    assert [(p.kind, p.item.label) for p in problems] == [("orphan", "4.1")]
    chapter = "第4章：地震预防\n4.1 地震预防方法\n4.1.1 建筑物的耐久性\n4.1.2 隔离技术\n4.2 地震保险\n4.2.1 保险范围"
    assert analyse(chapter).problems == ()
    dates = "活动规则：\n1. 报名时间为每周一。\n2. 名额有限。\n5.1 劳动节当天暂停报名。"
    assert analyse(dates).problems == ()


def test_a_letter_item_opens_its_own_circled_list():
    """a) … ①② then b) … ①②: the letters are a level of their own, each with its own ①."""
    text = (
        "处理方法：先确认物流状态。\na) 如果显示已签收，要引导用户查看快递柜。\n①签收凭证一般在2小时内生成。\n"
        "②如无人代收，需登记投诉。\nb) 如果未显示签收，要确认是否超过72小时。\n①未超过的，建议耐心等待。\n②超过的，要催件。"
    )
    assert analyse(text).problems == ()
    repeated = text.replace("②超过的", "①超过的")
    assert [p.kind for p in analyse(repeated).problems] == ["duplicate"]
