"""Hand-written probe records, each with its hand-written labels.

The generated records follow a few layouts; these are written one by one in
the other ways people write ReAct and knowledge-base text (a block on one
line, half-width colons, a space before the colon, ``——`` instead of ``---``,
quoted label names in the prompt, inline numbered lists, full-width digits,
English knowledge bases) and hold the traps (times, URLs, prices, versions,
dates, restarted lists, nested sub-lists).  Every record carries a system
prompt asking for ReAct and retrieval, so the file-level decisions are the
same for all of them.
"""

from __future__ import annotations

SYS = (
    "你是电商平台的客服助手。每次回复前先根据用户消息中的知识库结果，用 ReAct 方法思考：思考过程用<>包围，"
    "包含思考、动作、观察，然后另起一行写---和给用户的答复。"
)
SYS_EN = (
    "You are a support agent. Use the Knowledge Base Result in each user message and reason with ReAct inside "
    "< > (Thought, Action, Observation), then write --- and your reply."
)
KB_RETURN = "退货规则：1. 签收后7天内可申请无理由退货。2. 超过7天的仅支持质量问题退货。"


def _rec(*msgs: tuple[str, str], system: str = SYS) -> dict:
    return {
        "messages": [{"role": "system", "content": system}] + [{"role": r, "content": c} for r, c in msgs]
    }


U = "user"
A = "assistant"

# (record, [(code, pointer), ...])
PROBES: list[tuple[dict, list[tuple[str, str]]]] = [
    # 0: a whole block on one line, inline knowledge-base list: clean
    (
        _rec(
            (U, f"我想退货。知识库结果：{KB_RETURN}"),
            (
                A,
                "<思考：用户想退货，需要先确认签收时间。动作：查询订单签收时间。观察：签收于3天前。>--- 您的订单签收才3天，可以申请无理由退货。",
            ),
        ),
        [],
    ),
    # 1: half-width colons, no spaces: clean
    (
        _rec(
            (U, f"衣服不合适能退吗？ Knowledge Base Result: {KB_RETURN}"),
            (
                A,
                "<思考:用户想退货,要先确认签收时间。\n动作:查询订单签收时间。\n观察:签收于5天前。>\n---\n可以的，您的订单签收5天，在7天无理由退货期内。",
            ),
        ),
        [],
    ),
    # 2: a space before the colon: clean
    (
        _rec(
            (U, f"鞋子能退吗？ Knowledge Base Result: {KB_RETURN}"),
            (
                A,
                "< 思考 ：用户想退鞋子，先确认签收时间。\n动作 ：查询订单签收时间。 >\n--- 请稍等，我帮您查一下签收时间。",
            ),
        ),
        [],
    ),
    # 3: R003 with half-width colons
    (
        _rec(
            (U, f"我要退货。 Knowledge Base Result: {KB_RETURN}"),
            (
                A,
                "<思考:需要订单号才能查询签收时间。\n动作:询问用户:您的订单号是多少？>\n--- 请问您的订单号是多少？",
            ),
        ),
        [("R003", "/messages/2/content")],
    ),
    # 4: a time and a second colon on the same action line
    (
        _rec(
            (
                U,
                "能电话联系我吗？ Knowledge Base Result: 回电服务：客服在9:00-21:00之间提供回电服务，需要用户预约时间。",
            ),
            (
                A,
                "< 思考：用户希望电话沟通，回电需要预约。\n动作：告诉用户客服在线时间为9:00-21:00，并询问用户：希望预约哪个时间？ >\n--- 客服会在9:00-21:00之间回电，请问您希望预约哪个时间？",
            ),
        ),
        [("R003", "/messages/2/content")],
    ),
    # 5: a URL with a query string and a port in the action line: clean
    (
        _rec(
            (U, "退款进度在哪看？ Knowledge Base Result: 退款进度可在“我的-退款/售后”或退款进度页面查看。"),
            (
                A,
                "< 思考：用户想查看退款进度，可以直接给出查询链接。\n动作：发送退款进度页面 http://m.example.com:8080/refund?id=8848 给用户。\n观察：链接已发送 >\n--- 您可以打开 http://m.example.com:8080/refund?id=8848 查看退款进度。",
            ),
        ),
        [],
    ),
    # 6: full-width clock time in the action line: clean
    (
        _rec(
            (
                U,
                "明天下午能回电吗？ Knowledge Base Result: 回电服务：用户可预约次日9:00-18:00之间的回电时间。",
            ),
            (
                A,
                "< 思考：用户想预约明天下午回电，在可预约范围内。\n动作：为用户预约明天14：30的回访电话。\n观察：预约成功 >\n--- 已为您预约明天14：30的回访电话，请保持手机畅通。",
            ),
        ),
        [],
    ),
    # 7: a colon inside quotes in the action line: clean (documented decision)
    (
        _rec(
            (
                U,
                "验证码可以告诉客服吗？ Knowledge Base Result: 安全提示：平台客服不会索要验证码，用户不得向任何人透露验证码。",
            ),
            (
                A,
                "< 思考：用户在询问验证码能否告诉客服，知识库说明不能透露。\n动作：回复用户“注意：请勿向任何人透露验证码”。 >\n--- 请注意，平台客服不会向您索要验证码，请勿向任何人透露。",
            ),
        ),
        [],
    ),
    # 8: R004, the reply glued to the block without a separator
    (
        _rec(
            (U, f"退货运费谁出？ Knowledge Base Result: {KB_RETURN}"),
            (
                A,
                "< 思考：知识库没有说明运费，需要确认退货原因。\n动作：询问用户退货原因。 > 请问您退货的原因是什么呢？",
            ),
        ),
        [("R004", "/messages/2/content")],
    ),
    # 9: R004, not closed, separator on the same line
    (
        _rec(
            (U, f"质量问题可以退吗？ Knowledge Base Result: {KB_RETURN}"),
            (
                A,
                "< 思考：用户的商品有质量问题，超过7天也可以退。\n动作：告诉用户质量问题可以退货 --- 质量问题的商品即使超过7天也可以申请退货。",
            ),
        ),
        [("R004", "/messages/2/content")],
    ),
    # 10: R004, "——" instead of the --- separator
    (
        _rec(
            (U, "退货要多久审核？ Knowledge Base Result: 退货审核：退货申请提交后，商家会在48小时内审核。"),
            (
                A,
                "< 思考：用户想知道退货审核时长，知识库说明48小时内审核。\n动作：告诉用户审核时长。 >\n—— 退货申请提交后，商家会在48小时内完成审核。",
            ),
        ),
        [("R004", "/messages/2/content")],
    ),
    # 11: R006, observation before action
    (
        _rec(
            (U, f"七天无理由怎么算？ Knowledge Base Result: {KB_RETURN}"),
            (
                A,
                "< 思考：用户想了解七天无理由的计算方式。\n观察：知识库说明从签收后开始计算。\n动作：告诉用户从签收次日起算7天。 >\n--- 七天无理由是从签收后开始计算的，7天内都可以申请。",
            ),
        ),
        [("R006", "/messages/2/content")],
    ),
    # 12: R002 in English (no Action), English knowledge base
    (
        _rec(
            (
                U,
                "Can I return opened headphones? Knowledge Base Result: Returns: 1. Unopened items can be returned within 30 days. 2. Opened electronics can be returned only if faulty.",
            ),
            (
                A,
                "< Thought: The headphones are opened, so they can be returned only if they are faulty.\nObservation: The customer has not said whether they are faulty. >\n--- Opened headphones can be returned only if they're faulty. Is there a problem with them?",
            ),
            system=SYS_EN,
        ),
        [("R002", "/messages/2/content")],
    ),
    # 13: R001, the second reply skips the block
    (
        _rec(
            (U, f"我想退货。 Knowledge Base Result: {KB_RETURN}"),
            (
                A,
                "< 思考：先确认签收时间。\n动作：查询订单签收时间。\n观察：签收于2天前 >\n--- 您的订单签收2天，可以申请无理由退货。",
            ),
            (U, f"怎么申请？ Knowledge Base Result: {KB_RETURN}"),
            (A, "在订单详情页点击“申请退货”，选择“七天无理由”即可。"),
        ),
        [("R001", "/messages/4/content")],
    ),
    # 14: R005, the prompt names the step with a quoted label
    (
        _rec(
            (U, "退货地址在哪？ Knowledge Base Result: 退货地址：在退货申请通过后显示在申请详情页。"),
            (
                A,
                "< 思考：退货地址在申请通过后显示。\n动作：告诉用户在申请详情页查看退货地址。 >\n--- 退货申请通过后，您可以在申请详情页看到退货地址。",
            ),
            system="你是客服助手。请根据知识库结果作答，用 ReAct 方法思考：推理部分用“思考”标记，决定部分用“行动”标记，结果用“观察”标记，思考过程用<>包围，之后写---和答复。",
        ),
        [("R005", "/messages/0/content")],
    ),
    # 15: K002, 同上 with a full stop
    (
        _rec(
            (U, f"我想退货。 Knowledge Base Result: {KB_RETURN}"),
            (A, "< 思考：先确认签收时间。\n动作：查询订单签收时间。 >\n--- 请稍等，我查一下您的签收时间。"),
            (U, "签收一周了。 Knowledge Base Result: 同上。"),
            (
                A,
                "< 思考：签收一周正好7天，仍可申请。\n动作：告诉用户今天内申请。 >\n--- 今天是第7天，您今天内申请还来得及。",
            ),
        ),
        [("K002", "/messages/3/content")],
    ),
    # 16: K002, （略）
    (
        _rec(
            (U, f"能退吗？ 知识库结果：{KB_RETURN}"),
            (A, "< 思考：先确认签收时间。\n动作：询问用户签收时间。 >\n--- 请问您是哪天签收的？"),
            (U, "上周五。 知识库结果：（略）"),
            (
                A,
                "< 思考：上周五签收，未超过7天。\n动作：告诉用户可以退货。 >\n--- 上周五签收还在7天内，可以申请退货。",
            ),
        ),
        [("K002", "/messages/3/content")],
    ),
    # 17: K001, the second user turn lacks the context
    (
        _rec(
            (U, f"我想退货。 Knowledge Base Result: {KB_RETURN}"),
            (A, "< 思考：先确认签收时间。\n动作：询问用户签收时间。 >\n--- 请问您是哪天签收的？"),
            (U, "前天签收的。"),
            (
                A,
                "< 思考：前天签收，在7天内。\n动作：告诉用户可以退货。 >\n--- 前天签收在7天内，可以申请无理由退货。",
            ),
        ),
        [("K001", "/messages/3/content")],
    ),
    # 18: K101 inline, 、 style, after semicolons
    (
        _rec(
            (
                U,
                "订单异常怎么办？ Knowledge Base Result: 处理方法：1、确认订单状态；2、核实支付方式；4、为用户转接人工客服。",
            ),
            (A, "< 思考：先确认订单状态。\n动作：查询订单状态。 >\n--- 请稍等，我先帮您查询订单状态。"),
        ),
        [("K101", "/messages/1/content")],
    ),
    # 19: K101 with （1）（2）（4）
    (
        _rec(
            (
                U,
                "开发票需要什么？ Knowledge Base Result: 开具企业发票需要提供：\n（1）企业名称；\n（2）纳税人识别号；\n（4）注册地址及电话。",
            ),
            (
                A,
                "< 思考：用户要开企业发票，需要告诉用户所需信息。\n动作：告诉用户需要提供的信息。 >\n--- 开企业发票需要提供企业名称、纳税人识别号和注册地址及电话。",
            ),
        ),
        [("K101", "/messages/1/content")],
    ),
    # 20: K101 with ①②④
    (
        _rec(
            (
                U,
                "会员有什么权益？ Knowledge Base Result: 会员权益：\n①每月4张免运费券；\n②会员专享价；\n④生日当月双倍积分。",
            ),
            (
                A,
                "< 思考：用户询问会员权益。\n动作：告诉用户会员权益。 >\n--- 会员每月有4张免运费券，还能享受会员专享价和生日当月双倍积分。",
            ),
        ),
        [("K101", "/messages/1/content")],
    ),
    # 21: K102, three levels, 1.2 missing
    (
        _rec(
            (
                U,
                "账号被盗怎么办？ Knowledge Base Result: 账号被盗处理：\n1. 先冻结账号。\n1.1 用户能登录的，引导用户在“账号安全”中冻结。\n1.1.1 冻结后要提醒用户修改密码。\n1.2.1 用户无法登录的，为用户提交人工冻结申请。\n2. 冻结后24小时内为用户核查异常记录。",
            ),
            (
                A,
                "< 思考：先确认用户能否登录。\n动作：询问用户现在能否登录账号。 >\n--- 请问您现在还能登录账号吗？",
            ),
        ),
        [("K102", "/messages/1/content")],
    ),
    # 22: K103, a repeated last number
    (
        _rec(
            (
                U,
                "优惠券为什么不能用？ Knowledge Base Result: 优惠券不可用的原因：\n1. 未达到使用门槛。\n2. 优惠券已过期。\n3. 商品不在适用范围。\n3. 优惠券已被冻结。",
            ),
            (
                A,
                "< 思考：先确认门槛和有效期。\n动作：询问用户优惠券的面额和门槛。 >\n--- 请问您用的是哪张优惠券呢？",
            ),
        ),
        [("K103", "/messages/1/content")],
    ),
    # 23: K103, two lists pasted together without a heading
    (
        _rec(
            (
                U,
                "积分怎么用？ Knowledge Base Result: 积分规则：\n1. 积分可兑换优惠券。\n2. 积分可兑换实物礼品。\n1. 积分有效期为12个月。\n2. 过期积分自动清零。",
            ),
            (
                A,
                "< 思考：用户询问积分用途。\n动作：告诉用户积分可兑换优惠券和礼品。 >\n--- 积分可以兑换优惠券或实物礼品。",
            ),
        ),
        [("K103", "/messages/1/content")],
    ),
    # 24: K104, 1) 2) then 3.
    (
        _rec(
            (
                U,
                "怎么修改密码？ Knowledge Base Result: 修改密码步骤：\n1) 打开“设置-账号与安全”；\n2) 点击“修改密码”；\n3. 输入验证码和新密码。",
            ),
            (
                A,
                "< 思考：用户想修改密码，按步骤告诉用户。\n动作：告诉用户修改密码的步骤。 >\n--- 打开“设置-账号与安全”，点击“修改密码”，输入验证码和新密码即可。",
            ),
        ),
        [("K104", "/messages/1/content")],
    ),
    # 25: K104, ① ② then 3.
    (
        _rec(
            (
                U,
                "怎么绑定银行卡？ Knowledge Base Result: 绑卡步骤：\n①进入“我的-钱包”；\n②点击“添加银行卡”；\n3. 输入卡号并完成验证。",
            ),
            (
                A,
                "< 思考：用户想绑定银行卡。\n动作：告诉用户绑卡步骤。 >\n--- 进入“我的-钱包”，点击“添加银行卡”，输入卡号并完成验证即可。",
            ),
        ),
        [("K104", "/messages/1/content")],
    ),
    # 26: trap: dates, prices and versions around a clean list
    (
        _rec(
            (
                U,
                "双11活动怎么参加？ Knowledge Base Result: 活动规则：\n1. 活动时间为2024.11.1至2024.11.11。\n2. 满300减50，可与店铺券叠加，12.5元以下商品不参与。\n3. 请将App升级至V8.6.0及以上版本参与，5.1版本以下的旧版App无法领券。",
            ),
            (
                A,
                "< 思考：用户想参加双11活动，需要告诉用户时间、规则和版本要求。\n动作：告诉用户活动时间和参与条件。 >\n--- 活动时间是11月1日至11日，满300减50，请先把App升级到V8.6.0及以上版本。",
            ),
        ),
        [],
    ),
    # 27: trap: clock times at line starts before a list
    (
        _rec(
            (
                U,
                "客服几点上班？ Knowledge Base Result: 客服工作时间：\n9:00-12:00 在线客服\n13:30-21:00 电话客服\n1. 紧急问题请拨打400-820-1234。\n2. 其他问题请留言，24小时内回复。",
            ),
            (
                A,
                "< 思考：用户询问客服工作时间。\n动作：告诉用户在线客服和电话客服的时间。 >\n--- 在线客服9:00-12:00，电话客服13:30-21:00，紧急问题可以拨打400-820-1234。",
            ),
        ),
        [],
    ),
    # 28: trap: nested （1） sub-lists and a second list after a heading
    (
        _rec(
            (
                U,
                "退换货有什么要求？ Knowledge Base Result: 退货规则：\n1. 七天无理由：\n（1）商品完好；\n（2）吊牌未拆。\n2. 质量问题：\n（1）提供问题照片；\n（2）商家审核通过。\n换货规则：\n1. 仅限同款换尺码或颜色。\n2. 换货运费由买家承担。",
            ),
            (
                A,
                "< 思考：用户询问退换货要求，分别说明。\n动作：告诉用户退货和换货的主要要求。 >\n--- 七天无理由退货需要商品完好、吊牌未拆；换货仅限同款换尺码或颜色，运费由您承担。",
            ),
        ),
        [],
    ),
    # 29: trap: English knowledge base with prices, a ratio and a sub-item
    (
        _rec(
            (
                U,
                "What's your refund policy? Knowledge Base Result: Refund policy:\n1. Refunds are issued within 5 business days.\n2. Orders over $49.99 get free return shipping.\n2.1 Returns must be in the original packaging.\n3. Store credit is issued at a 1:1 rate.",
            ),
            (
                A,
                "< Thought: The customer asks about refunds in general.\nAction: summarise the refund policy.\nObservation: none needed >\n--- Refunds are issued within 5 business days, and orders over $49.99 get free return shipping.",
            ),
            system=SYS_EN,
        ),
        [],
    ),
    # 30: K101 in English
    (
        _rec(
            (
                U,
                "How do I reset my password? Knowledge Base Result: Password reset:\n1. Click Forgot password on the login page.\n2. Enter your email.\n4. Follow the link in the email.",
            ),
            (
                A,
                "< Thought: Walk the customer through the reset.\nAction: explain the reset steps. >\n--- Click Forgot password, enter your email and follow the link we send you.",
            ),
            system=SYS_EN,
        ),
        [("K101", "/messages/1/content")],
    ),
    # 31: trap: two-digit sub-items and full-width digits
    (
        _rec(
            (
                U,
                "有哪些支付方式？ Knowledge Base Result: 支付方式：\n１．在线支付\n２．货到付款\n２.１ 仅支持现金\n２.２ 限500元以下订单\n３．分期付款",
            ),
            (
                A,
                "< 思考：用户询问支付方式。\n动作：告诉用户支持的支付方式。 >\n--- 支持在线支付、货到付款（限500元以下、仅现金）和分期付款。",
            ),
        ),
        [],
    ),
    # 32: trap: numbered English steps and a "<" in the reply
    (
        _rec(
            (
                U,
                "Can I pay in installments? Knowledge Base Result: Installments are available for orders of $100 or more.",
            ),
            (
                A,
                "< Thought 1: Installments need an order of $100 or more.\nAction 1: check the customer's basket total.\nObservation 1: the basket is $80. >\n--- Installments need an order of $100 or more; orders < $100 can't be split.",
            ),
            system=SYS_EN,
        ),
        [],
    ),
    # 33: K002, a bracketed placeholder followed by more text
    (
        _rec(
            (U, f"我想退货。 Knowledge Base Result: {KB_RETURN}"),
            (A, "< 思考：先确认签收时间。\n动作：询问用户签收时间。 >\n--- 请问您是哪天签收的？"),
            (U, "昨天。 Knowledge Base Result: [同上] 另见运费险说明。"),
            (
                A,
                "< 思考：昨天签收，在7天内。\n动作：告诉用户可以申请退货。 >\n--- 昨天签收的话可以申请无理由退货。",
            ),
        ),
        [("K002", "/messages/3/content")],
    ),
    # 34: K002 in English
    (
        _rec(
            (
                U,
                "Where's my parcel? Knowledge Base Result: Tracking updates every 24 hours; parcels stuck for 48 hours get a trace.",
            ),
            (
                A,
                "< Thought: Check how long the parcel has been stuck.\nAction: ask when the tracking last updated. >\n--- When did the tracking last update?",
            ),
            (U, "Three days ago. Knowledge Base Result: same as above"),
            (
                A,
                "< Thought: Three days is over 48 hours, so a trace applies.\nAction: open a trace for the parcel. >\n--- That's over 48 hours, so I've opened a trace with the courier.",
            ),
            system=SYS_EN,
        ),
        [("K002", "/messages/3/content")],
    ),
    # 35: R004, no opening <
    (
        _rec(
            (U, f"能换货吗？ Knowledge Base Result: {KB_RETURN}"),
            (
                A,
                "思考：知识库只有退货规则，需要确认用户是要退货还是换货。\n动作：询问用户想退货还是换货。>\n--- 请问您是想退货还是换货呢？",
            ),
        ),
        [("R004", "/messages/2/content")],
    ),
]
