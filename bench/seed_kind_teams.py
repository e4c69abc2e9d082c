#!/usr/bin/env python3
"""A fourth stranger's seed-kind corpus: records that mix the conventions other teams use, with --score.

    python bench/seed_kind_teams.py --seed 1 --n 3000 --out bench/out/teams-clean.jsonl
    python bench/seed_kind_teams.py --seed 2 --n 3000 --plant 0.3 --out bench/out/teams-planted.jsonl
    python bench/seed_kind_teams.py --score bench/out/teams-planted.jsonl

A helper session wrote this generator from the seed article alone, without reading sftlint or
the other generators, asked to write the corpus "as other teams would": one JSONL file whose
records each follow the convention their system prompt states: OpenAI ``tool_calls`` with a
``tool`` turn, ``思考/行动/观察/回复`` lines, ``Thought/Action/Action Input/Observation/Final
Answer``, a JSON object per turn, ``【思考】…`` brackets, XML tags, the seed's block, plain replies;
retrieval in every turn (``[同上]`` and variants), only when a question opens, in the system
prompt, or through a ``search_kb`` tool; zh-CN, zh-TW and English records; knowledge bases with
tables, code, prices, dates and numbering of eight styles.  ``--plant`` gives 30% of records one
defect of eleven kinds and writes ``<out>.truth.jsonl`` (record index, kind, detail; see
``bench/seed_kind_score.py``).  Standard library only; output is a pure function of the
arguments.  ``--score FILE`` lints FILE and prints recall per planted kind and the findings on
records with no plant.
"""

# ruff: noqa  (the stranger's generator, kept as written: its output is the benchmark)
import argparse
import collections
import copy
import json
import os
import random
import re
import string

# ---------------------------------------------------------------------------
# Scenario data.  Text fields are "zh||en"; alternatives separated by "|".
# Placeholders are filled from per-record entities.
# ---------------------------------------------------------------------------


def I(c, d, q, a, u, k):
    return {"c": c, "d": d, "q": q, "a": a, "u": u, "k": k}


def L(c, d, act, say, u, tool=None):
    return {"c": c, "d": d, "act": act, "say": say, "u": u, "tool": tool}


SCENARIOS = []


def S(**kw):
    SCENARIOS.append(kw)


# ---------------- banking ----------------
S(
    id="bank_transfer",
    domain="banking",
    title="手机银行转账失败处理流程||Handling failed mobile-banking transfers",
    open="我用手机银行给别人转账，一直提示失败，怎么回事？|转账转不出去，{amt}元卡在那里了，帮我看看|你好，手机银行转账失败是什么原因？||My mobile banking transfer keeps failing, what's going on?|I can't send {amt} to my landlord, the transfer fails every time.|Hi, why does my app transfer fail?",
    topic="手机银行转账失败||failed transfers",
    intro="用户反馈手机银行转账失败，如何处理？处理方法是：||A customer reports a failed mobile-banking transfer. How to handle it:",
    root=I(
        None,
        "先询问用户转账失败时页面显示的错误提示||first ask which error message the app displayed",
        "询问用户转账失败时页面显示的错误提示||ask the customer which error message was displayed",
        "您好，请问转账失败时页面上显示的是什么提示呢？|请问您转账失败时，页面弹出的提示是什么内容？||Could you tell me what error message appeared when the transfer failed?|Which message did the app show when the transfer failed?",
        None,
        [
            I(
                "用户提示超出单日转账限额||the message says the daily transfer limit was exceeded",
                "要告知用户手机银行默认单日限额为5万元，并询问用户是否已开通数字证书||explain that the default daily limit is 50,000 and ask whether the customer has a digital certificate",
                "询问用户是否已开通数字证书||ask whether the customer has a digital certificate",
                "您这笔转账超过了手机银行默认的单日限额5万元。请问您是否已经开通数字证书呢？||This transfer exceeds the default daily limit of 50,000. Have you activated a digital certificate?",
                "提示超出单日限额了|说超过当日转账限额||It says I exceeded the daily limit.|Something about the daily limit being exceeded.",
                [
                    L(
                        "用户已开通数字证书||the customer has a digital certificate",
                        "要引导用户在App“我的-安全中心-转账限额”中调高限额，最高可调至50万元||guide the customer to raise the limit under Me > Security Center > Transfer Limits, up to 500,000",
                        "引导用户在App中调高转账限额||guide the customer to raise the transfer limit in the app",
                        "您可以在App“我的-安全中心-转账限额”中调高限额，最高可调至50万元，调整后即可再次发起转账。||You can raise the limit under Me > Security Center > Transfer Limits (up to 500,000). After that, please try the transfer again.",
                        "已经开通了|开通过了||Yes, I have one.|Yes, it's activated.",
                    ),
                    L(
                        "用户未开通数字证书||the customer has no digital certificate",
                        "要告知用户需携带身份证到任一网点开通数字证书后才能提高限额||tell the customer to bring an ID card to any branch to get a digital certificate first",
                        "告知用户到网点开通数字证书||tell the customer to get a digital certificate at a branch",
                        "提高限额需要先开通数字证书，请您携带身份证到任一网点办理，开通后即可在App中调整限额。||Raising the limit requires a digital certificate. Please bring your ID to any branch; once it is set up you can adjust the limit in the app.",
                        "还没有|没开通过||No, I don't.|Not yet.",
                    ),
                ],
            ),
            I(
                "用户提示收款账户信息有误||the message says the payee details are wrong",
                "要请用户核对收款人姓名、账号和开户行是否一致||ask the customer to verify payee name, account number and bank",
                "请用户核对收款人姓名、账号和开户行||ask the customer to verify the payee details",
                "请您核对一下收款人的姓名、账号和开户行是否完全一致，核对后转账是否成功？||Please double-check the payee's name, account number and bank. Did the transfer go through after that?",
                "说收款账户信息有误|提示收款方信息不对||It says the payee account information is incorrect.|Payee details are wrong, apparently.",
                [
                    L(
                        "用户核对后转账成功||the transfer succeeds after correction",
                        "要提醒用户在转账记录中保存电子回单||remind the customer to save the e-receipt from the transfer history",
                        "提醒用户保存电子回单||remind the customer to save the e-receipt",
                        "好的，转账已经成功了。建议您在“转账记录”中保存电子回单，方便以后查询。||Great, the transfer went through. We suggest saving the e-receipt from your transfer history for future reference.",
                        "改了开户行，成功了|重新填了一遍，转过去了||I fixed the bank name and it worked.|Re-entered everything and it went through.",
                    ),
                    L(
                        "用户核对无误但仍然失败||the details are correct but it still fails",
                        "要为用户提交转账异常工单，由后台在1-3个工作日内核查||open a transfer-exception ticket; the back office checks within 1-3 business days",
                        "为用户提交转账异常工单||open a transfer-exception ticket",
                        "已为您提交转账异常工单，工单号{ticket}，后台将在1-3个工作日内核查，并通过短信通知您结果。||I've opened a transfer-exception ticket ({ticket}). The back office will review it within 1-3 business days and notify you by text message.",
                        "信息都对，还是不行|核对过了，还是失败||Everything is correct and it still fails.|I checked, still failing.",
                        tool=(
                            "create_ticket",
                            {"type": "transfer_exception", "amount": "{amt}"},
                            {"ticket_id": "{ticket}", "status": "submitted"},
                        ),
                    ),
                ],
            ),
            L(
                "用户提示账户状态异常或账户已冻结||the message says the account is abnormal or frozen",
                "要为用户转接人工客服核实账户状态||transfer the customer to a human agent to verify the account status",
                "为用户转接人工客服||transfer the customer to a human agent",
                "您的账户状态需要人工核实，请您稍等，正在为您转接人工客服。||Your account status needs to be verified by an agent. Please hold on while I transfer you.",
                "提示账户状态异常|说我的账户被冻结了||It says my account status is abnormal.|It says my account is frozen.",
                tool=(
                    "transfer_to_human",
                    {"reason": "account_frozen"},
                    {"queue": "bank_vip", "position": 3},
                ),
            ),
        ],
    ),
    extras=["table_bank", "contact_bank"],
)

S(
    id="bank_card_lost",
    domain="banking",
    title="信用卡挂失与补卡流程||Lost credit card and replacement",
    open="我的信用卡好像丢了，怎么办？|信用卡找不到了，尾号{card}，需要挂失吗？|卡丢了，会不会被盗刷？||I think I lost my credit card. What should I do?|My card ending in {card} is missing, do I need to report it?|I lost my card, could someone use it?",
    topic="信用卡挂失||lost card",
    intro="用户反馈信用卡遗失，如何处理？处理方法是：||A customer reports a lost credit card. How to handle it:",
    root=I(
        None,
        "先询问用户卡片遗失后是否出现了非本人交易||first ask whether any unauthorized transactions have appeared",
        "询问用户是否发现非本人交易||ask whether there are unauthorized transactions",
        "请问您的卡片遗失后，是否发现有不是您本人操作的交易？||Since losing the card, have you noticed any transactions you did not make?",
        None,
        [
            I(
                "用户发现了非本人交易||there are unauthorized transactions",
                "要立即为用户办理挂失，并询问交易发生的时间是否在挂失前72小时内||report the card lost immediately and ask whether the transactions happened within 72 hours before the report",
                "为用户办理挂失并询问交易时间||block the card and ask when the transactions happened",
                "已为您紧急挂失该卡片。请问这些交易是在什么时间发生的，是否在最近72小时内？||I've blocked the card. When did those transactions happen — within the last 72 hours?",
                "有一笔{amt}元的消费不是我刷的|发现了两笔陌生交易||There's a charge of {amt} that wasn't me.|Yes, two transactions I don't recognise.",
                [
                    L(
                        "交易发生在挂失前72小时内||the transactions are within 72 hours before the report",
                        "要告知用户可申请失卡保障，需在7天内提交报案回执||tell the customer they can claim lost-card protection by submitting a police report receipt within 7 days",
                        "告知用户申请失卡保障的方法||explain how to claim lost-card protection",
                        "这笔交易在失卡保障范围内。请您在7天内到派出所报案，并将报案回执上传至App“卡片管理-失卡保障”，我们会在5个工作日内处理。||That transaction is covered by lost-card protection. Please file a police report within 7 days and upload the receipt under Card Management > Lost-Card Protection; we'll process it within 5 business days.",
                        "就是昨天晚上|前天下午发生的||Yesterday evening.|The day before yesterday.",
                    ),
                    L(
                        "交易发生在72小时以前||the transactions are older than 72 hours",
                        "要为用户转接人工客服发起争议交易调查||transfer to an agent to open a dispute investigation",
                        "为用户转接人工客服发起争议调查||transfer to an agent for a dispute",
                        "超过72小时的交易需要人工发起争议调查，请您稍等，正在为您转接人工客服。||Transactions older than 72 hours need a manual dispute investigation. Please hold while I connect you to an agent.",
                        "是上周的事了|好像是十天前||It was last week.|About ten days ago.",
                        tool=(
                            "transfer_to_human",
                            {"reason": "card_dispute"},
                            {"queue": "card_dispute", "position": 2},
                        ),
                    ),
                ],
            ),
            I(
                "用户没有发现非本人交易||there are no unauthorized transactions",
                "要为用户办理挂失，并询问用户是否需要补办新卡||report the card lost and ask whether a replacement is needed",
                "为用户办理挂失并询问是否补卡||block the card and ask about a replacement",
                "好的，已为您挂失这张卡片，挂失后原卡无法继续使用。请问您需要补办新卡吗？||Done, the card is now blocked and can no longer be used. Would you like a replacement card?",
                "没有|暂时没看到||No.|None that I can see.",
                [
                    L(
                        "用户需要补办新卡||the customer wants a replacement",
                        "要告知用户补卡工本费为{fee}元，新卡将在7-10个工作日内寄到账单地址||tell the customer the replacement fee is {fee} and the card arrives in 7-10 business days",
                        "为用户申请补办新卡||request a replacement card",
                        "已为您申请补卡，工本费{fee}元将计入下期账单，新卡预计7-10个工作日寄到您的账单地址。||Your replacement has been requested. A fee of {fee} will appear on your next statement and the card should arrive at your billing address within 7-10 business days.",
                        "需要，帮我补一张|要的||Yes, please send a new one.|Yes.",
                        tool=(
                            "apply_card_replacement",
                            {"card_tail": "{card}"},
                            {"result": "accepted", "eta_days": "7-10"},
                        ),
                    ),
                    L(
                        "用户暂不需要补卡||the customer does not want a replacement",
                        "要告知用户如需补卡可随时在App中申请||tell the customer they can request one in the app at any time",
                        "告知用户后续可在App中申请补卡||tell the customer how to request a card later",
                        "好的，如果以后需要补卡，您可以随时在App“卡片管理-补换卡”中申请。||Understood. If you need a replacement later, you can request it any time under Card Management > Replace Card.",
                        "先不用了|暂时不需要||Not for now.|No thanks.",
                    ),
                ],
            ),
        ],
    ),
    extras=["table_card_fee", "contact_bank"],
)

# ---------------- telecom ----------------
S(
    id="tel_roam",
    domain="telecom",
    title="国际漫游无法使用处理流程||International roaming troubleshooting",
    open="我到{country}了，手机没信号，打不了电话也上不了网|出国以后手机不能上网，怎么办？|在{country}用不了流量，帮忙看一下||I just landed in {country} and my phone has no service.|My mobile data doesn't work abroad, can you help?|Roaming isn't working in {country}.",
    topic="国际漫游||roaming",
    intro="用户反馈在境外无法使用手机通话或上网，如何处理？处理方法是：||A customer reports that calls or data do not work abroad. How to handle it:",
    root=I(
        None,
        "先确认用户是否已开通国际漫游功能||first confirm whether international roaming is enabled on the line",
        "询问用户是否已开通国际漫游||ask whether roaming is enabled",
        "请问您出发前是否已经开通了国际漫游功能？||Did you enable international roaming before your trip?",
        None,
        [
            L(
                "用户未开通国际漫游||roaming is not enabled",
                "要告知用户可发送短信KTMY到10086开通，开通后重启手机即可使用||tell the customer to text KTMY to the service number and restart the phone",
                "告知用户开通国际漫游的方法||explain how to enable roaming",
                '您可以发送短信“KTMY”到10086开通国际漫游，开通后请重启手机，一般5分钟内即可生效。||Please text "KTMY" to 10086 to enable roaming, then restart your phone. It usually takes effect within 5 minutes.',
                "没开通|好像没有||No, I didn't.|I don't think so.",
            ),
            I(
                "用户已开通国际漫游||roaming is enabled",
                "要进一步询问用户手机的网络设置中是否打开了“数据漫游”开关||ask whether the Data Roaming switch is on in the phone settings",
                "询问用户是否打开了数据漫游开关||ask whether Data Roaming is switched on",
                "请您在手机“设置-移动网络”中查看一下，“数据漫游”开关是否已经打开？||Please check Settings > Mobile Network: is the Data Roaming switch turned on?",
                "开通了|开过了，上个月去日本还能用||Yes, it's enabled.|Yes, it worked in Japan last month.",
                [
                    L(
                        "数据漫游开关未打开||Data Roaming is off",
                        "要引导用户打开“数据漫游”开关并手动选择当地运营商网络||guide the customer to turn Data Roaming on and select a local carrier manually",
                        "引导用户打开数据漫游并手动选网||guide the customer to enable Data Roaming and select a network",
                        "请您打开“数据漫游”开关，然后在“运营商”中关闭自动选择，手动选择当地网络，稍等1-2分钟即可恢复。||Please turn on Data Roaming, then disable automatic carrier selection and pick a local network manually. Service should return within a minute or two.",
                        "没打开|原来是关着的||It was off.|Oh, it's switched off.",
                    ),
                    I(
                        "数据漫游开关已打开但仍无法使用||Data Roaming is on but still nothing works",
                        "要询问用户话费余额是否充足||ask whether the account balance is sufficient",
                        "询问用户话费余额是否充足||ask about the account balance",
                        "好的。请问您目前的话费余额是否充足？余额不足时漫游服务会自动暂停。||OK. Is your account balance sufficient? Roaming is suspended automatically when the balance runs low.",
                        "打开了，还是不行|开关是开着的||It's on, still not working.|Yes, it's on.",
                        [
                            L(
                                "用户余额不足||the balance is insufficient",
                                "要告知用户可通过App或微信充值，到账后服务自动恢复||tell the customer to top up via the app; service resumes automatically",
                                "告知用户充值方式||explain how to top up",
                                "请您通过App或微信公众号充值，到账后漫游服务会在10分钟内自动恢复。||Please top up through the app or our official account. Roaming resumes automatically within 10 minutes after the payment arrives.",
                                "好像欠费了|余额只剩几块钱||I think I'm out of credit.|Only a few left on the balance.",
                            ),
                            L(
                                "用户余额充足||the balance is sufficient",
                                "要为用户提交网络故障工单，并告知24小时内处理||open a network-fault ticket and promise a response within 24 hours",
                                "为用户提交漫游故障工单||open a roaming-fault ticket",
                                "已为您提交漫游故障工单，工单号{ticket}，技术人员会在24小时内处理并短信通知您。||I've opened a roaming-fault ticket ({ticket}). Our engineers will handle it within 24 hours and text you the result.",
                                "余额够的|还有{amt}元||The balance is fine.|I have {amt} left.",
                                tool=(
                                    "create_ticket",
                                    {"type": "roaming_fault", "country": "{country}"},
                                    {"ticket_id": "{ticket}", "sla_hours": 24},
                                ),
                            ),
                        ],
                    ),
                ],
            ),
        ],
    ),
    extras=["table_roam", "contact_tel"],
)

S(
    id="tel_bill",
    domain="telecom",
    title="话费异常扣费处理流程||Unexpected charges on the phone bill",
    open="这个月话费怎么多扣了{amt}元？|我的话费账单不对，多了一笔增值业务费|为什么我的套餐外还扣了钱？||Why was I charged an extra {amt} this month?|My bill has a value-added service fee I never ordered.|Why am I being charged beyond my plan?",
    topic="异常扣费||unexpected charges",
    intro="用户反馈话费出现异常扣费，如何处理？处理方法是：||A customer reports unexpected charges on the bill. How to handle it:",
    root=I(
        None,
        "先查询并询问用户异常费用属于哪一类：增值业务费、套餐外流量费还是国际通话费||first ask which type of charge it is: value-added service, out-of-plan data, or international calls",
        "询问用户异常费用的类型||ask which type of charge it is",
        "请问您看到的异常费用在账单上显示为哪一类：增值业务费、套餐外流量费，还是国际通话费？||Which category does the charge show on your bill: value-added service, out-of-plan data, or international calls?",
        None,
        [
            I(
                "费用为增值业务费||it is a value-added service fee",
                "要询问用户是否记得订购过该业务||ask whether the customer remembers subscribing",
                "询问用户是否主动订购过该业务||ask whether the customer subscribed",
                "请问您是否记得自己订购过这项增值业务，比如视频会员或彩铃？||Do you remember subscribing to this service, such as a video membership or ringback tone?",
                "是增值业务费|账单上写的是增值业务||It's a value-added service fee.|The bill says value-added service.",
                [
                    L(
                        "用户未主动订购||the customer never subscribed",
                        "要为用户退订该业务并申请退还本月费用，退款在3个工作日内返还||unsubscribe the service and refund this month's fee within 3 business days",
                        "为用户退订业务并申请退费||unsubscribe and request a refund",
                        "已为您退订该业务，并申请退还本月费用，退款将在3个工作日内返还到您的话费账户。||I've cancelled the service and requested a refund for this month; it will be returned to your phone account within 3 business days.",
                        "没有订过|我从来没订过||I never ordered it.|Definitely not.",
                        tool=(
                            "refund_vas",
                            {"phone": "{phone}", "month": "{month}"},
                            {"refund": "{amt}", "eta": "3 business days"},
                        ),
                    ),
                    L(
                        "用户曾经订购过||the customer did subscribe",
                        "要告知用户可发送短信0000到10086查询并退订，退订次月生效||tell the customer to text 0000 to unsubscribe; it takes effect next month",
                        "告知用户自助退订方法||explain self-service unsubscription",
                        '您可以发送“0000”到10086，按提示回复序号即可退订，退订从次月开始生效。||You can text "0000" to 10086 and reply with the item number to unsubscribe; it takes effect from next month.',
                        "好像是订过视频会员|订过，忘了退||I think I ordered a video membership.|Yes, I forgot to cancel it.",
                    ),
                ],
            ),
            L(
                "费用为套餐外流量费||it is out-of-plan data",
                "要向用户说明超出流量按5元/GB计费，并推荐升级套餐||explain that extra data is billed at 5 per GB and suggest upgrading the plan",
                "说明计费规则并推荐升级套餐||explain billing and suggest an upgrade",
                "您本月使用的流量超出了套餐额度，超出部分按5元/GB计费。如果您经常超出，建议升级到{plan}，每月包含更多流量。||You used more data than your plan includes; the excess is billed at 5 per GB. If this happens often, we suggest upgrading to {plan}, which includes more data.",
                "是流量费|套餐外流量||It's data charges.|Out-of-plan data.",
            ),
            L(
                "费用为国际通话费||it is international calls",
                "要为用户转接人工客服核对通话详单||transfer to an agent to check the call records",
                "为用户转接人工客服||transfer to a human agent",
                "国际通话费需要核对详细的通话记录，请您稍等，正在为您转接人工客服。||International call charges need a check of the detailed call records. Please hold while I transfer you to an agent.",
                "国际通话|写着国际长途||International calls.|It says international long distance.",
                tool=(
                    "transfer_to_human",
                    {"reason": "intl_call_billing"},
                    {"queue": "billing", "position": 5},
                ),
            ),
        ],
    ),
    extras=["table_plan", "contact_tel"],
)

# ---------------- e-commerce ----------------
S(
    id="ec_return",
    domain="ecommerce",
    title="退货退款处理流程||Return and refund process",
    open="我买的{prod}想退货，怎么操作？|订单{ord}能退吗？收到的东西有问题|我要退款，{prod}不想要了||I'd like to return the {prod} I bought.|Can I return order {ord}? The item has a problem.|I want a refund for the {prod}.",
    topic="退货退款||returns",
    intro="用户申请退货退款，如何处理？处理方法是：||A customer asks to return an item for a refund. How to handle it:",
    root=I(
        None,
        "先确认用户是否已经签收商品||first confirm whether the customer has received the item",
        "询问用户是否已签收商品||ask whether the item has been received",
        "请问您是否已经签收了这件商品？||Have you already received the item?",
        None,
        [
            L(
                "用户尚未签收||the item has not been received",
                "要告知用户可直接在订单页点击“取消订单”或拒收，退款将原路退回||tell the customer to cancel the order or refuse delivery; the refund goes back to the original payment method",
                "告知用户取消订单或拒收的方法||explain how to cancel or refuse delivery",
                '商品还没签收的话，您可以直接在订单页点击“取消订单”，或者快递送达时拒收，退款将原路退回。||Since you haven\'t received it yet, you can tap "Cancel Order" on the order page or refuse the delivery; the refund goes back to your original payment method.',
                "还没收到|快递还在路上||Not yet.|It's still in transit.",
            ),
            I(
                "用户已签收||the item has been received",
                "要询问用户签收时间是否在7天以内||ask whether it was received within the last 7 days",
                "询问用户签收时间是否在7天内||ask whether it was received within 7 days",
                "请问您是哪天签收的？是否在7天以内？||When did you receive it — within the last 7 days?",
                "收到了|已经签收了||Yes, I got it.|Yes, it was delivered.",
                [
                    I(
                        "签收在7天以内||received within 7 days",
                        "要询问商品是否影响二次销售，包括吊牌、包装是否完好||ask whether tags and packaging are intact",
                        "询问商品吊牌和包装是否完好||ask whether tags and packaging are intact",
                        "好的。请问商品的吊牌和外包装是否都还完好？||OK. Are the tags and original packaging still intact?",
                        "{date}签收的|前天刚收到||It arrived on {date}.|Two days ago.",
                        [
                            L(
                                "商品完好||the item is intact",
                                "要为用户提交退货申请，并告知上门取件时间||submit the return request and confirm the pickup time",
                                "为用户提交退货申请并预约上门取件||submit a return and schedule pickup",
                                "已为您提交退货申请，快递员将于{date2} {time}前上门取件，商品入库后1-3个工作日内退款。||Your return request is submitted. A courier will pick it up before {time} on {date2}; the refund is issued 1-3 business days after the item reaches our warehouse.",
                                "都是完好的|吊牌还在，包装也没拆||Yes, everything is intact.|Tags are on and the box is unopened.",
                                tool=(
                                    "create_return",
                                    {"order_id": "{ord}", "pickup_date": "{date2}"},
                                    {"return_id": "{ticket}", "pickup_before": "{time}"},
                                ),
                            ),
                            L(
                                "商品已影响二次销售||the item cannot be resold",
                                "要告知用户不支持无理由退货，如有质量问题可上传照片申请售后||explain that no-reason returns are not possible; quality issues can be reported with photos",
                                "告知用户可上传照片申请质量售后||explain how to file a quality claim with photos",
                                "很抱歉，商品吊牌或包装已损坏，不支持七天无理由退货。如果商品存在质量问题，您可以在订单页上传照片申请售后，我们会在24小时内审核。||Sorry, once tags or packaging are damaged, no-reason returns are not possible. If there is a quality issue, please upload photos on the order page to file an after-sales claim; we review within 24 hours.",
                                "吊牌剪掉了|包装已经扔了||I cut off the tags.|I threw away the box.",
                            ),
                        ],
                    ),
                    L(
                        "签收超过7天||received more than 7 days ago",
                        "要告知用户已超过七天无理由退货期限，可联系商家协商或申请质量售后||explain that the 7-day window has passed; the customer may contact the seller or file a quality claim",
                        "告知用户已超出无理由退货期限||explain that the return window has passed",
                        "您的订单签收已超过7天，无法申请七天无理由退货。如商品有质量问题，可在订单页申请售后，或联系商家协商处理。||The order was received more than 7 days ago, so the no-reason return window has closed. For quality issues you can still file an after-sales claim or contact the seller.",
                        "半个月前收到的|好像是上个月签收的||About two weeks ago.|Last month I think.",
                    ),
                ],
            ),
        ],
    ),
    extras=["table_return", "contact_ec"],
)

S(
    id="ec_delivery",
    domain="ecommerce",
    title="物流异常处理流程||Delivery problems",
    open="我的快递好几天没动了，订单号{ord}|显示已签收但我没收到东西|{prod}什么时候能到？物流一直不更新||My parcel hasn't moved for days, order {ord}.|It says delivered but I never got it.|When will my {prod} arrive? Tracking isn't updating.",
    topic="物流异常||delivery problems",
    intro="用户反馈物流异常，如何处理？处理方法是：||A customer reports a delivery problem. How to handle it:",
    root=I(
        None,
        "先确认物流页面显示的状态是“运输中”还是“已签收”||first check whether tracking shows In Transit or Delivered",
        "询问用户物流页面显示的状态||ask about the tracking status",
        '请问您的物流页面目前显示的状态是“运输中”还是“已签收”？||Does the tracking page show "In transit" or "Delivered"?',
        None,
        [
            I(
                "显示运输中||tracking shows In Transit",
                "要询问物流信息是否超过72小时未更新||ask whether tracking has not updated for over 72 hours",
                "询问物流是否超过72小时未更新||ask whether tracking stalled for 72 hours",
                "请问物流信息是否已经超过72小时没有更新了？||Has the tracking information been unchanged for more than 72 hours?",
                "运输中|一直是运输中||In transit.|It keeps saying in transit.",
                [
                    L(
                        "超过72小时未更新||no update for over 72 hours",
                        "要为用户向快递公司发起催件，并告知24小时内回复||file a chase request with the courier and reply within 24 hours",
                        "为用户发起催件||file a chase request",
                        "已为您向快递公司发起催件，编号{ticket}，我们会在24小时内把处理结果通过短信告诉您。||I've filed a chase request with the courier (ref {ticket}). We'll text you the result within 24 hours.",
                        "三天都没动了|从{date}到现在都没更新||It hasn't moved for three days.|No update since {date}.",
                        tool=(
                            "urge_delivery",
                            {"order_id": "{ord}"},
                            {"ticket_id": "{ticket}", "reply_within_hours": 24},
                        ),
                    ),
                    L(
                        "未超过72小时||updated within 72 hours",
                        "要告知用户属于正常运输，建议耐心等待||explain that this is normal and ask the customer to wait",
                        "告知用户物流属于正常范围||explain that the delay is normal",
                        "目前物流仍在正常时效内，偏远地区或促销期间可能会慢1-2天，建议您再耐心等待一下。||The shipment is still within normal delivery time; remote areas or sale periods can add 1-2 days. Please bear with us a little longer.",
                        "昨天还更新过|没有那么久||It updated yesterday.|Not that long.",
                    ),
                ],
            ),
            L(
                "显示已签收但用户未收到||tracking shows Delivered but the customer has nothing",
                "要建议用户先询问家人、门卫或快递柜，仍找不到时为用户提交丢件核查||suggest checking with family, reception or lockers, then open a lost-parcel investigation",
                "为用户提交丢件核查||open a lost-parcel investigation",
                "建议您先问一下家人、门卫，或查看附近的快递柜。如果仍找不到，我已为您提交丢件核查，编号{ticket}，48小时内会有专人联系您。||Please check with family, reception or nearby lockers first. In case it's still missing, I've opened a lost-parcel investigation ({ticket}); someone will contact you within 48 hours.",
                "显示已签收，可是我没收到|签收了但东西不在||It says delivered but I don't have it.|Marked as delivered, nothing here.",
                tool=(
                    "create_ticket",
                    {"type": "lost_parcel", "order_id": "{ord}"},
                    {"ticket_id": "{ticket}", "status": "open"},
                ),
            ),
        ],
    ),
    extras=["table_courier", "contact_ec"],
)

# ---------------- hospital ----------------
S(
    id="hosp_book",
    domain="hospital",
    title="门诊预约挂号流程||Outpatient appointment booking",
    open="我想挂{dept}的号，{doc}医生这周还有号吗？|怎么预约{hosp}的{dept}？|帮我约一下{dept}专家号||I'd like an appointment with {dept}.|Does {doc} have any slots this week?|How do I book {dept} at {hosp}?",
    topic="预约挂号||appointments",
    intro="患者咨询预约挂号，如何处理？处理方法是：||A patient asks to book an appointment. How to handle it:",
    root=I(
        None,
        "先询问患者是初诊还是复诊||first ask whether this is a first visit or a follow-up",
        "询问患者是初诊还是复诊||ask first visit or follow-up",
        "请问您这次是初诊还是复诊呢？||Is this your first visit or a follow-up?",
        None,
        [
            I(
                "患者为初诊||it is a first visit",
                "要询问患者是否已在本院建档||ask whether the patient has a medical record with the hospital",
                "询问患者是否已建档||ask whether the patient is registered",
                "请问您之前在我院办理过就诊卡或建过档吗？||Have you registered or had a patient card with us before?",
                "初诊|第一次来看||First visit.|It's my first time.",
                [
                    L(
                        "患者未建档||the patient is not registered",
                        "要引导患者在公众号“就诊服务-建档”中填写身份证信息完成建档，再预约号源||guide the patient to register with ID in the official account, then book",
                        "引导患者先完成建档||guide the patient to register",
                        "初次就诊需要先建档。请您在公众号“就诊服务-建档”中填写身份证信息，完成后即可预约{doc}医生{date}的号源。||First-time patients need to register. Please fill in your ID details under Patient Services > Register in our official account, and then you can book {doc} on {date}.",
                        "没有|没建过||No.|Never registered.",
                    ),
                    L(
                        "患者已建档||the patient is registered",
                        "要为患者预约号源并提醒就诊当天提前30分钟到院取号||book the slot and remind the patient to arrive 30 minutes early",
                        "为患者预约号源||book the appointment",
                        "已为您预约{date} {time}{doc}医生的号，挂号费{fee}元。请您就诊当天提前30分钟到{dept}分诊台签到。||You're booked with {doc} on {date} at {time}; the registration fee is {fee}. Please check in at the {dept} desk 30 minutes early.",
                        "建过了|有就诊卡||Yes, I'm registered.|I have a patient card.",
                        tool=(
                            "book_appointment",
                            {"dept": "{dept}", "doctor": "{doc}", "date": "{date}", "time": "{time}"},
                            {"booking_id": "{ticket}", "fee": "{fee}"},
                        ),
                    ),
                ],
            ),
            L(
                "患者为复诊||it is a follow-up",
                "要提醒患者携带上次的检查报告，并为其预约原主治医生||remind the patient to bring previous reports and book the same doctor",
                "为复诊患者预约原主治医生||book the previous doctor for the follow-up",
                "已为您预约{date} {time}{doc}医生的复诊号。请携带上次的检查报告和病历本，如需复查血常规请空腹前来。||Your follow-up with {doc} is booked for {date} at {time}. Please bring your previous reports; if a blood test is needed, come fasting.",
                "复诊|上次看过，这次复查||A follow-up.|I was here before, this is a check-up.",
                tool=(
                    "book_appointment",
                    {"dept": "{dept}", "doctor": "{doc}", "date": "{date}", "type": "follow_up"},
                    {"booking_id": "{ticket}"},
                ),
            ),
        ],
    ),
    extras=["table_hosp", "contact_hosp"],
)

S(
    id="hosp_cancel",
    domain="hospital",
    title="预约取消与退号流程||Cancelling an appointment",
    open="我{date}约的{dept}去不了了，能退号吗？|挂号费能退吗？临时有事|怎么取消预约？||I can't make my {dept} appointment on {date}, can I cancel?|Can I get the registration fee back?|How do I cancel my booking?",
    topic="退号||cancellation",
    intro="患者申请取消预约，如何处理？处理方法是：||A patient wants to cancel an appointment. How to handle it:",
    root=I(
        None,
        "先确认距离就诊时间是否超过24小时||first check whether the appointment is more than 24 hours away",
        "询问患者距离就诊时间是否超过24小时||ask whether the visit is more than 24 hours away",
        "请问您预约的就诊时间距现在是否超过24小时？||Is your appointment more than 24 hours from now?",
        None,
        [
            L(
                "超过24小时||more than 24 hours away",
                "要为患者在线退号，挂号费在1-7个工作日内原路退回||cancel online and refund the fee within 1-7 business days",
                "为患者办理在线退号||cancel the appointment online",
                "已为您取消预约，挂号费将在1-7个工作日内原路退回。||Your appointment is cancelled and the fee will be refunded to your original payment method within 1-7 business days.",
                "还有三天|是下周的号||It's in three days.|Next week.",
                tool=(
                    "cancel_appointment",
                    {"booking_id": "{ticket}"},
                    {"status": "cancelled", "refund": "{fee}"},
                ),
            ),
            I(
                "不足24小时||less than 24 hours away",
                "要询问患者是否因急诊住院等特殊情况无法就诊||ask whether an emergency or hospitalization prevents the visit",
                "询问患者是否属于特殊情况||ask whether there is a special circumstance",
                "距离就诊已不足24小时，系统无法自助退号。请问您是因为急诊或住院等特殊情况无法前来吗？||It's less than 24 hours away, so self-service cancellation is unavailable. Is this because of an emergency or a hospital stay?",
                "就是明天上午的|不到一天了||It's tomorrow morning.|Less than a day.",
                [
                    L(
                        "属于特殊情况||there is a special circumstance",
                        "要请患者提供相关证明并转接人工客服处理||ask for proof and transfer to an agent",
                        "为患者转接人工客服||transfer to an agent",
                        "理解您的情况，请您准备好急诊病历或住院证明，正在为您转接人工客服办理特殊退号。||I understand. Please have your emergency record or admission certificate ready; I'm transferring you to an agent for a special cancellation.",
                        "我家人住院了|临时急诊||A family member was hospitalised.|I had an emergency.",
                        tool=(
                            "transfer_to_human",
                            {"reason": "special_cancellation"},
                            {"queue": "outpatient", "position": 1},
                        ),
                    ),
                    L(
                        "不属于特殊情况||no special circumstance",
                        "要告知患者无法退号，可改约其他时间||explain that cancellation is not possible but rescheduling is",
                        "告知患者可改约||explain rescheduling",
                        "很抱歉，不足24小时的预约无法退号，但您可以在公众号“我的预约”中改约一次其他时间。||Sorry, appointments within 24 hours can't be refunded, but you can reschedule once under My Appointments.",
                        "不是，就是有事|工作走不开||No, just something came up.|Work, I can't leave.",
                    ),
                ],
            ),
        ],
    ),
    extras=["table_hosp", "contact_hosp"],
)

# ---------------- SaaS ----------------
S(
    id="saas_login",
    domain="saas",
    title="登录与双因素认证问题||Sign-in and two-factor authentication issues",
    open="{prod}登录不上去了，一直提示验证码错误|我们公司的{prod}账号登录失败|换了手机之后{prod}的双因素认证用不了了||I can't sign in to {prod}, it keeps saying the code is wrong.|Login to {prod} fails for our team.|After switching phones my {prod} 2FA stopped working.",
    topic="登录问题||sign-in issues",
    intro="用户反馈无法登录{prod}，如何处理？处理方法是：||A user cannot sign in to {prod}. How to handle it:",
    root=I(
        None,
        "先确认用户的账号是使用密码登录还是企业单点登录（SSO）||first confirm whether the account uses a password or company single sign-on (SSO)",
        "询问用户使用的登录方式||ask which sign-in method is used",
        "请问您平时是用账号密码登录，还是通过公司的单点登录（SSO）进入{prod}？||Do you usually sign in with a password, or through your company's single sign-on (SSO)?",
        None,
        [
            I(
                "用户使用密码登录||the user signs in with a password",
                "要询问用户是否开启了双因素认证且更换过手机||ask whether 2FA is enabled and whether the phone was changed",
                "询问用户是否更换过双因素认证的手机||ask whether the 2FA phone was changed",
                "请问您是否开启了双因素认证，并且最近更换过手机？||Do you have two-factor authentication on, and did you recently change phones?",
                "用密码登录|账号密码||Password.|Username and password.",
                [
                    L(
                        "用户更换过手机||the phone was changed",
                        "要引导用户使用备用恢复码登录，或由管理员在后台重置双因素认证||guide the user to sign in with a recovery code or ask an admin to reset 2FA",
                        "引导用户使用恢复码或联系管理员重置||guide the user to use a recovery code or admin reset",
                        '您可以在登录页点击“使用恢复码”，输入开通双因素认证时保存的恢复码。如果没有保存，请联系贵公司管理员在“成员管理”中重置双因素认证。||On the sign-in page, choose "Use a recovery code" and enter one of the codes saved when 2FA was set up. If you don\'t have them, ask your admin to reset 2FA under Members.',
                        "对，上周换了新手机|换过手机||Yes, I got a new phone last week.|Yes.",
                        tool=None,
                    ),
                    L(
                        "用户没有更换手机||the phone was not changed",
                        "要提醒用户检查手机时间是否为自动同步，时间偏差超过30秒会导致验证码失效||ask the user to enable automatic time sync; a drift over 30 seconds breaks codes",
                        "提醒用户开启手机时间自动同步||ask the user to enable automatic time sync",
                        "验证码错误通常是手机时间不准导致的。请您在手机“设置-日期与时间”中开启自动同步，偏差超过30秒就会导致验证码失效。||Wrong-code errors usually come from clock drift. Please enable automatic time in your phone's Date & Time settings; a drift of more than 30 seconds invalidates codes.",
                        "没换过|还是原来的手机||No.|Same phone as before.",
                    ),
                ],
            ),
            L(
                "用户使用企业单点登录||the user signs in with SSO",
                "要为用户提交工单，由技术支持检查企业身份提供商的证书是否过期||open a ticket so support can check whether the identity provider certificate has expired",
                "为用户提交SSO故障工单||open an SSO ticket",
                "SSO登录失败通常与企业身份提供商的证书有关，已为您提交工单{ticket}，技术支持会在4小时内联系贵公司管理员。||SSO failures are usually caused by an expired identity-provider certificate. I've opened ticket {ticket}; support will contact your admin within 4 hours.",
                "用公司的SSO|单点登录||Company SSO.|Single sign-on.",
                tool=(
                    "create_ticket",
                    {"type": "sso_failure", "product": "{prod}", "version": "{ver}"},
                    {"ticket_id": "{ticket}", "priority": "P2"},
                ),
            ),
        ],
    ),
    extras=["code_saas", "contact_saas"],
)

S(
    id="saas_api",
    domain="saas",
    title="API调用报错排查||Troubleshooting API errors",
    open="调用{prod}的接口一直返回429|我们的集成报错了，{prod} API返回401|webhook收不到回调，怎么排查？||Our {prod} API calls keep returning 429.|The {prod} API returns 401 for our integration.|We stopped receiving webhooks, how do we debug?",
    topic="接口报错||API errors",
    intro="开发者反馈调用{prod} API报错，如何处理？处理方法是：||A developer reports {prod} API errors. How to handle it:",
    root=I(
        None,
        "先询问接口返回的HTTP状态码||first ask for the HTTP status code returned",
        "询问接口返回的HTTP状态码||ask for the status code",
        "请问接口返回的HTTP状态码是多少？||What HTTP status code does the API return?",
        None,
        [
            L(
                "返回401||the API returns 401",
                "要告知用户检查API Key是否过期或被重置，并确认请求头格式正确||tell the developer to check whether the API key expired and the header format is correct",
                "告知用户检查API Key和请求头||ask the developer to check the API key and header",
                '401表示认证失败。请检查API Key是否过期或被重置，并确认请求头格式为“Authorization: Bearer <API Key>”。||A 401 means authentication failed. Please check whether the API key expired or was rotated, and that the header is "Authorization: Bearer <API key>".',
                "401|返回401 Unauthorized||401.|401 Unauthorized.",
            ),
            I(
                "返回429||the API returns 429",
                "要询问用户当前套餐版本，并说明各版本的速率限制||ask for the current plan tier and explain the rate limits",
                "询问用户当前的套餐版本||ask for the plan tier",
                "429表示请求频率超过了限制。请问贵公司目前使用的是标准版还是企业版？||A 429 means you are over the rate limit. Are you on the Standard or Enterprise plan?",
                "429 Too Many Requests|一直是429||429 Too Many Requests.|Always 429.",
                [
                    L(
                        "用户使用标准版||the customer is on Standard",
                        "要告知用户标准版限制为每分钟600次，建议加入指数退避重试或升级企业版||explain the 600 requests/min limit and suggest exponential backoff or an upgrade",
                        "告知用户速率限制并建议退避重试||explain the limit and suggest backoff",
                        "标准版的限制是每分钟600次请求。建议在代码中读取响应头Retry-After并加入指数退避重试；如果业务量持续较大，可以升级到企业版。||The Standard plan allows 600 requests per minute. Please honour the Retry-After header with exponential backoff; if your volume stays high, consider upgrading to Enterprise.",
                        "标准版|用的是标准版||Standard.|We're on Standard.",
                    ),
                    L(
                        "用户使用企业版||the customer is on Enterprise",
                        "要为用户提交工单申请临时提高配额||open a ticket to request a temporary quota increase",
                        "为用户提交提升配额工单||open a quota-increase ticket",
                        "企业版默认限制为每分钟3000次。已为您提交临时提升配额的工单{ticket}，审批通过后将在2小时内生效。||Enterprise allows 3000 requests per minute by default. I've opened ticket {ticket} for a temporary increase; once approved it takes effect within 2 hours.",
                        "企业版|我们是企业版客户||Enterprise.|We are Enterprise customers.",
                        tool=(
                            "create_ticket",
                            {"type": "quota_increase", "product": "{prod}"},
                            {"ticket_id": "{ticket}", "priority": "P3"},
                        ),
                    ),
                ],
            ),
            L(
                "返回5xx错误||the API returns a 5xx error",
                "要引导用户查看状态页是否有故障公告，并提供请求ID以便排查||point to the status page and ask for the request ID",
                "引导用户查看状态页并提供请求ID||point to the status page and ask for the request ID",
                "5xx属于服务端错误。请先查看状态页{url}是否有故障公告；如果没有，请把响应头中的X-Request-Id发给我们，便于排查。||5xx errors are server-side. Please check {url} for incident notices; if there are none, send us the X-Request-Id response header so we can investigate.",
                "502|有时候返回503||502.|Sometimes 503.",
            ),
        ],
    ),
    extras=["code_saas", "contact_saas"],
)

# ---------------- insurance ----------------
S(
    id="ins_auto",
    domain="insurance",
    title="车险理赔报案流程||Motor insurance claims",
    open="我的车被追尾了，怎么理赔？|刚才在{city}出了个小事故，车险怎么报案？|车子刮了，保险能赔吗？保单号{policy}||My car was rear-ended, how do I claim?|I had a minor accident in {city}, how do I report it?|My car got scratched — am I covered? Policy {policy}.",
    topic="车险理赔||motor claim",
    intro="客户咨询车险理赔，如何处理？处理方法是：||A policyholder asks about a motor claim. How to handle it:",
    root=I(
        None,
        "先确认事故是否有人员受伤||first confirm whether anyone was injured",
        "询问客户事故中是否有人员受伤||ask whether anyone was injured",
        "请问这次事故中是否有人员受伤？||Was anyone injured in the accident?",
        None,
        [
            L(
                "有人员受伤||someone was injured",
                "要提醒客户立即拨打120和122，并为客户转接人工理赔专员||tell the customer to call emergency services and transfer to a claims specialist",
                "提醒客户报警并转接理赔专员||tell the customer to call emergency services and transfer",
                "请您先确保人身安全，立即拨打120和122报警。正在为您转接人工理赔专员，协助您处理后续事宜。||Please make sure everyone is safe and call emergency services right away. I'm transferring you to a claims specialist to help with the next steps.",
                "有人受伤了|对方司机说脖子疼||Someone was hurt.|The other driver says his neck hurts.",
                tool=(
                    "transfer_to_human",
                    {"reason": "injury_claim", "policy": "{policy}"},
                    {"queue": "claims_urgent", "position": 1},
                ),
            ),
            I(
                "没有人员受伤||no one was injured",
                "要询问事故是单方事故还是双方事故||ask whether it is a single-vehicle or two-vehicle accident",
                "询问是单方事故还是双方事故||ask single or two-vehicle",
                "好的，人没事就好。请问是您一辆车的单方事故，还是与其他车辆发生的双方事故？||Glad everyone is fine. Was it a single-vehicle incident, or did it involve another vehicle?",
                "没有人受伤|人都没事||No one was hurt.|Everyone's fine.",
                [
                    L(
                        "单方事故||single-vehicle accident",
                        "要引导客户在App上传现场照片自助报案，损失在{limit}元以内可快速理赔||guide the customer to file in the app with photos; losses under {limit} qualify for fast-track",
                        "引导客户在App自助报案||guide the customer to self-report in the app",
                        "您可以在App“理赔-自助报案”中上传车损和现场照片，损失在{limit}元以内的案件可走快速理赔，一般3个工作日内赔付。||You can file under Claims > Self-Service in the app with photos of the damage and scene. Losses under {limit} qualify for fast-track and are usually paid within 3 business days.",
                        "单方的，撞到柱子了|就我自己刮到墙了||Just me, I hit a pillar.|Only my car, I scraped a wall.",
                    ),
                    L(
                        "双方事故||two-vehicle accident",
                        "要提醒客户与对方拍照并交换驾驶证、行驶证信息，然后为客户登记报案||remind the customer to photograph the scene and exchange licence details, then register the claim",
                        "为客户登记报案||register the claim",
                        "请您与对方拍摄现场照片，并交换驾驶证和行驶证信息。已为您登记报案，报案号{claim}，查勘员会在2小时内与您联系。||Please photograph the scene with the other driver and exchange licence and registration details. I've registered the claim ({claim}); an adjuster will call you within 2 hours.",
                        "是被后面的车追尾的|和一辆出租车碰了||I was rear-ended.|I collided with a taxi.",
                        tool=(
                            "register_claim",
                            {"policy_no": "{policy}", "type": "two_vehicle", "city": "{city}"},
                            {"claim_no": "{claim}", "adjuster_eta_hours": 2},
                        ),
                    ),
                ],
            ),
        ],
    ),
    extras=["table_ins", "contact_ins"],
)

S(
    id="ins_med",
    domain="insurance",
    title="医疗险报销流程||Medical insurance reimbursement",
    open="我住院花了{amt}元，医疗险怎么报销？|门诊的费用能理赔吗？|上个月做了{exam}，想申请报销||I spent {amt} on a hospital stay, how do I claim?|Are outpatient costs covered?|I had a {exam} last month and want reimbursement.",
    topic="医疗险报销||medical claim",
    intro="客户咨询医疗险报销，如何处理？处理方法是：||A policyholder asks about a medical claim. How to handle it:",
    root=I(
        None,
        "先确认费用属于住院还是门诊||first confirm whether the expenses are inpatient or outpatient",
        "询问客户费用属于住院还是门诊||ask inpatient or outpatient",
        "请问这次的医疗费用是住院产生的，还是门诊产生的？||Were these expenses from a hospital stay or an outpatient visit?",
        None,
        [
            I(
                "住院费用||inpatient",
                "要询问客户是否已经先通过医保结算||ask whether public medical insurance has already been applied",
                "询问客户是否已用医保结算||ask whether public insurance was used",
                "请问住院费用是否已经先通过医保结算了？||Has the hospital bill already been settled through public medical insurance?",
                "是住院|住了五天院||Inpatient.|I was in hospital for five days.",
                [
                    L(
                        "已用医保结算||public insurance was used",
                        "要告知客户准备发票原件、费用清单、出院小结和医保结算单，在App上传后3-5个工作日审核||list the documents (invoice, itemized bill, discharge summary, settlement) and explain the 3-5 day review",
                        "告知客户理赔所需材料||list the required documents",
                        "请您准备好发票原件、费用清单、出院小结和医保结算单，在App“理赔-医疗报销”中拍照上传，我们会在3-5个工作日内完成审核。||Please prepare the original invoice, itemised bill, discharge summary and the insurance settlement statement, and upload photos under Claims > Medical in the app. We review within 3-5 business days.",
                        "结算过了|用医保报过一部分||Yes, it was settled.|Public insurance covered part of it.",
                    ),
                    L(
                        "未用医保结算||public insurance was not used",
                        "要告知客户未经医保结算的费用按60%比例赔付，并建议先到医保中心补办结算||explain that costs not settled through public insurance are reimbursed at 60% and suggest settling first",
                        "说明赔付比例并建议先补办医保结算||explain the 60% ratio and suggest settling first",
                        "未经医保结算的费用将按60%的比例赔付。建议您先到当地医保中心补办结算，再提交理赔，这样可以按100%比例赔付。||Costs not settled through public insurance are reimbursed at 60%. We recommend settling at your local insurance centre first; then the claim is paid at 100%.",
                        "没有用医保|忘了刷医保卡||No, I didn't use it.|I forgot to use my insurance card.",
                    ),
                ],
            ),
            L(
                "门诊费用||outpatient",
                "要告知客户门诊费用需单次超过{limit}元免赔额才可赔付，并提供理赔进度查询方式||explain the per-visit deductible of {limit} and how to track the claim",
                "告知客户门诊免赔额和查询方式||explain the outpatient deductible",
                "门诊费用单次超过免赔额{limit}元的部分可以赔付。提交后您可以拨打{hotline}或在App中查询理赔进度。||Outpatient costs above the {limit} deductible per visit are covered. After you submit, you can track the claim via {hotline} or in the app.",
                "门诊|就是门诊检查||Outpatient.|Just an outpatient test.",
            ),
        ],
    ),
    extras=["table_ins_med", "contact_ins"],
)

# ---------------------------------------------------------------------------
# Extras appended to KB documents (tables, contacts, code).  (zh, en)
# ---------------------------------------------------------------------------
EXTRAS = {
    "table_bank": (
        "转账限额说明",
        "Transfer limits",
        "| 渠道 | 单笔限额 | 单日限额 | 手续费 |\n|---|---|---|---|\n| 手机银行 | 5万元 | 5万元 | 免费 |\n| 网上银行（U盾） | 50万元 | 100万元 | 免费 |\n| 柜台 | 不限 | 不限 | 跨行0.5% |",
        "| Channel | Per transaction | Per day | Fee |\n|---|---|---|---|\n| Mobile app | 50,000 | 50,000 | Free |\n| Online banking (token) | 500,000 | 1,000,000 | Free |\n| Branch | No limit | No limit | 0.5% inter-bank |",
    ),
    "table_card_fee": (
        "信用卡费用标准",
        "Card fees",
        "| 项目 | 标准 |\n|---|---|\n| 补卡工本费 | {fee}元/张 |\n| 挂失手续费 | 免费 |\n| 加急补卡 | 50元/张，3个工作日寄出 |\n| 年费 | 首年免年费，刷卡满6次免次年年费 |",
        "| Item | Fee |\n|---|---|\n| Replacement card | {fee} |\n| Lost-card report | Free |\n| Express replacement | 50, shipped in 3 business days |\n| Annual fee | Waived in year one; waived next year after 6 purchases |",
    ),
    "contact_bank": (
        "联系方式",
        "Contact",
        "- 客服热线：{hotline}（7×24小时）\n- 信用卡中心：{hotline2}，服务时间 8:30-21:00\n- 官网：{url}\n- 更新日期：{kbdate}",
        "- Hotline: {hotline} (24/7)\n- Card centre: {hotline2}, 8:30-21:00\n- Website: {url}\n- Last updated: {kbdate}",
    ),
    "table_roam": (
        "国际漫游资费（部分）",
        "Roaming rates (excerpt)",
        "| 地区 | 日套餐 | 语音 | 短信 |\n|---|---|---|---|\n| 日本、韩国 | 25元/天 不限量 | 0.99元/分钟 | 0.39元/条 |\n| 欧洲 | 35元/天 3GB | 1.99元/分钟 | 0.69元/条 |\n| 美国、加拿大 | 30元/天 2GB | 0.99元/分钟 | 0.69元/条 |",
        "| Region | Day pass | Voice | SMS |\n|---|---|---|---|\n| Japan, Korea | 25/day unlimited | 0.99/min | 0.39/msg |\n| Europe | 35/day 3GB | 1.99/min | 0.69/msg |\n| USA, Canada | 30/day 2GB | 0.99/min | 0.69/msg |",
    ),
    "table_plan": (
        "在售套餐",
        "Current plans",
        "| 套餐 | 月费 | 通用流量 | 通话 |\n|---|---|---|---|\n| 畅享58 | 58元 | 30GB | 200分钟 |\n| 畅享88 | 88元 | 60GB | 500分钟 |\n| 畅享128 | 128元 | 100GB | 1000分钟 |",
        "| Plan | Monthly | Data | Minutes |\n|---|---|---|---|\n| Unlimited 58 | 58 | 30GB | 200 |\n| Unlimited 88 | 88 | 60GB | 500 |\n| Unlimited 128 | 128 | 100GB | 1000 |",
    ),
    "contact_tel": (
        "服务渠道",
        "Service channels",
        "- 客服热线：10086（24小时）\n- 境外拨打：+86-{hotline}\n- 营业厅营业时间：9:00-18:00\n- 网上营业厅：{url}",
        "- Hotline: 10086 (24h)\n- From abroad: +86-{hotline}\n- Store hours: 9:00-18:00\n- Online: {url}",
    ),
    "table_return": (
        "退货运费规则",
        "Return shipping rules",
        "| 退货原因 | 运费承担 | 退款时效 |\n|---|---|---|\n| 质量问题 | 商家承担 | 入库后24小时 |\n| 七天无理由 | 买家承担（运费险可抵扣） | 入库后1-3个工作日 |\n| 发错货 | 商家承担 | 入库后24小时 |",
        "| Reason | Shipping paid by | Refund time |\n|---|---|---|\n| Defective | Seller | 24h after receipt |\n| 7-day no reason | Buyer (return insurance applies) | 1-3 business days |\n| Wrong item | Seller | 24h after receipt |",
    ),
    "table_courier": (
        "合作快递时效参考",
        "Courier delivery times",
        "| 快递公司 | 省内 | 跨省 | 偏远地区 |\n|---|---|---|---|\n| 顺丰 | 1天 | 1-2天 | 3-5天 |\n| 中通 | 1-2天 | 2-4天 | 5-7天 |\n| 京东物流 | 当日/次日 | 1-3天 | 4-6天 |",
        "| Courier | Same province | Cross-province | Remote |\n|---|---|---|---|\n| SF Express | 1 day | 1-2 days | 3-5 days |\n| ZTO | 1-2 days | 2-4 days | 5-7 days |\n| JD Logistics | Same/next day | 1-3 days | 4-6 days |",
    ),
    "contact_ec": (
        "售后渠道",
        "After-sales channels",
        "- 在线客服：App“我的-客服中心”，服务时间 9:00-23:00\n- 售后热线：{hotline}\n- 退货地址：{city}市仓储中心（以系统分配为准）\n- 规则页面：{url}",
        "- Chat: app > Me > Help Center, 9:00-23:00\n- Hotline: {hotline}\n- Returns address: assigned by the system\n- Policy page: {url}",
    ),
    "table_hosp": (
        "门诊挂号费（{kbdate}起执行）",
        "Registration fees (effective {kbdate})",
        "| 号别 | 挂号费 | 医保报销 |\n|---|---|---|\n| 普通门诊 | 10元 | 可报销 |\n| 副主任医师 | 25元 | 可报销 |\n| 主任医师 | {fee}元 | 部分报销 |\n| 特需门诊 | 300元 | 不可报销 |",
        "| Type | Fee | Covered by insurance |\n|---|---|---|\n| General | 10 | Yes |\n| Associate chief | 25 | Yes |\n| Chief physician | {fee} | Partly |\n| VIP clinic | 300 | No |",
    ),
    "contact_hosp": (
        "就诊须知",
        "Visit information",
        "- 放号时间：每日 7:00 放出第7天号源\n- 门诊时间：周一至周五 8:00-12:00，13:30-17:00\n- 预约电话：{hotline}\n- 医院地址：{city}{street}\n- 公众号：{hospname}服务号",
        "- New slots released daily at 7:00 for day 7\n- Clinic hours: Mon-Fri 8:00-12:00, 13:30-17:00\n- Phone: {hotline}\n- Address: {street_en}\n- Web: {url}",
    ),
    "code_saas": (
        "示例代码（{prod} {ver}）",
        "Example ({prod} {ver})",
        '```python\nimport time, requests\n\ndef call(url, headers, retries=5):\n    for i in range(retries):\n        r = requests.get(url, headers=headers, timeout=10)\n        if r.status_code != 429:\n            return r\n        time.sleep(int(r.headers.get("Retry-After", 2 ** i)))\n    raise RuntimeError("rate limited")\n```\n速率限制：标准版 600 次/分钟，企业版 3000 次/分钟。SDK 最低版本 {ver}。',
        '```python\nimport time, requests\n\ndef call(url, headers, retries=5):\n    for i in range(retries):\n        r = requests.get(url, headers=headers, timeout=10)\n        if r.status_code != 429:\n            return r\n        time.sleep(int(r.headers.get("Retry-After", 2 ** i)))\n    raise RuntimeError("rate limited")\n```\nRate limits: Standard 600 req/min, Enterprise 3000 req/min. Minimum SDK version {ver}.',
    ),
    "contact_saas": (
        "支持信息",
        "Support",
        "- 状态页：{url}\n- 技术支持邮箱：support@{domainname}\n- 工单响应：P1 30分钟，P2 4小时，P3 1个工作日\n- 当前版本：{ver}（{kbdate}发布）",
        "- Status page: {url}\n- Email: support@{domainname}\n- Response: P1 30 min, P2 4 h, P3 1 business day\n- Current release: {ver} ({kbdate})",
    ),
    "table_ins": (
        "车险理赔时效",
        "Motor claim timelines",
        "| 案件类型 | 报案时限 | 赔付时效 |\n|---|---|---|\n| 单方小额（{limit}元以内） | 48小时 | 3个工作日 |\n| 双方事故 | 48小时 | 10个工作日 |\n| 人伤案件 | 立即 | 30个工作日 |",
        "| Case | Report within | Paid within |\n|---|---|---|\n| Single vehicle under {limit} | 48 h | 3 business days |\n| Two vehicles | 48 h | 10 business days |\n| Injury | Immediately | 30 business days |",
    ),
    "table_ins_med": (
        "医疗险赔付比例",
        "Medical reimbursement ratios",
        "| 情形 | 免赔额 | 赔付比例 |\n|---|---|---|\n| 住院（经医保结算） | 0元 | 100% |\n| 住院（未经医保结算） | 0元 | 60% |\n| 门诊 | {limit}元/次 | 80% |",
        "| Case | Deductible | Ratio |\n|---|---|---|\n| Inpatient, settled via public insurance | 0 | 100% |\n| Inpatient, not settled | 0 | 60% |\n| Outpatient | {limit} per visit | 80% |",
    ),
    "contact_ins": (
        "理赔服务",
        "Claims service",
        "- 报案电话：{hotline}（24小时）\n- 理赔材料上传：App“理赔”或 {url}\n- 保单查询：微信搜索“{company}服务号”",
        "- Claims line: {hotline} (24h)\n- Upload documents: app > Claims or {url}\n- Policy lookup: {url}",
    ),
}

COMPANY = {
    "banking": ("华信银行|安泰银行|鼎元银行", "Northbank|Harbor Trust Bank|Crestline Bank"),
    "telecom": ("云通移动|联讯通信|星河电信", "SkyLink Mobile|Orbit Telecom|Nova Wireless"),
    "ecommerce": ("优选商城|集品网|乐购优品", "ShopNest|Cartwell|BrightMart"),
    "hospital": (
        "市第一人民医院|仁和医院|省中医院",
        "St. Mary's Hospital|Riverside Medical Center|Lakeview Hospital",
    ),
    "saas": ("云枢科技|数栈科技|飞流软件", "Cloudpivot|Datastack|Streamline Software"),
    "insurance": ("平和保险|安盛达保险|众信保险", "Evergreen Insurance|Harbor Mutual|Beacon Assurance"),
}
SURN = "张王李刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "建国",
    "静",
    "伟",
    "芳",
    "敏",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "志强",
    "晓燕",
    "海燕",
    "子涵",
    "浩然",
    "雨桐",
    "思远",
    "文博",
    "一鸣",
    "欣怡",
]
EN_SURN = [
    "Johnson",
    "Patel",
    "Garcia",
    "Nguyen",
    "Smith",
    "Kim",
    "Müller",
    "O'Brien",
    "Rossi",
    "Tanaka",
    "Okafor",
    "Silva",
    "Cohen",
    "Novak",
    "Larsen",
    "Dubois",
    "Haddad",
    "Kowalski",
    "Singh",
    "Walker",
]
CITY_ZH = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "成都",
    "杭州",
    "武汉",
    "西安",
    "南京",
    "重庆",
    "苏州",
    "长沙",
    "郑州",
    "青岛",
    "厦门",
    "昆明",
    "哈尔滨",
    "乌鲁木齐",
    "呼和浩特",
    "石家庄",
]
CITY_TW = ["台北", "新北", "台中", "高雄", "台南", "桃園", "新竹", "嘉義", "花蓮", "基隆"]
CITY_EN = [
    "Seattle",
    "Manchester",
    "Toronto",
    "Melbourne",
    "Dublin",
    "Austin",
    "Leeds",
    "Vancouver",
    "Auckland",
    "Denver",
]
COUNTRY = [
    ("日本", "Japan"),
    ("泰国", "Thailand"),
    ("新加坡", "Singapore"),
    ("法国", "France"),
    ("澳大利亚", "Australia"),
    ("美国", "the US"),
    ("韩国", "South Korea"),
    ("意大利", "Italy"),
    ("马来西亚", "Malaysia"),
    ("德国", "Germany"),
]
PROD_EC = [
    ("小米手环8", "Mi Band 8"),
    ("华为MatePad 11", "MatePad 11"),
    ("戴森V12吸尘器", "Dyson V12 vacuum"),
    ("优衣库羽绒服", "Uniqlo down jacket"),
    ("Kindle Paperwhite", "Kindle Paperwhite"),
    ("乐高42115兰博基尼", "LEGO 42115 Lamborghini"),
    ("九阳豆浆机", "Joyoung soymilk maker"),
    ("安踏跑鞋", "Anta running shoes"),
    ("索尼WH-1000XM5耳机", "Sony WH-1000XM5 headphones"),
    ("美的电饭煲", "Midea rice cooker"),
]
PROD_SAAS = [
    ("云枢CRM", "Cloudpivot CRM"),
    ("飞流BI", "Streamline BI"),
    ("数栈DataHub", "Datastack Hub"),
    ("简道工单", "Jiandao Desk"),
    ("明镜监控", "Mirror Monitor"),
]
DEPT = [
    ("心内科", "Cardiology"),
    ("消化内科", "Gastroenterology"),
    ("内分泌科", "Endocrinology"),
    ("皮肤科", "Dermatology"),
    ("眼科", "Ophthalmology"),
    ("骨科", "Orthopedics"),
    ("儿科", "Pediatrics"),
    ("呼吸内科", "Respiratory Medicine"),
    ("神经内科", "Neurology"),
    ("耳鼻喉科", "ENT"),
]
EXAM = [
    ("胃镜检查", "gastroscopy"),
    ("核磁共振", "MRI scan"),
    ("甲状腺功能检查", "thyroid function test"),
    ("幽门螺杆菌呼气试验", "H. pylori breath test"),
    ("冠脉CT", "coronary CT angiography"),
    ("骨密度检测", "bone density scan"),
]
PLAN = [("畅享88套餐", "Unlimited 88"), ("畅享128套餐", "Unlimited 128"), ("5G智享套餐", "5G Plus")]
STREET = [
    ("中山路128号", "128 Zhongshan Road"),
    ("解放大道66号", "66 Jiefang Avenue"),
    ("人民北路9号", "9 Renmin North Road"),
    ("建设路301号", "301 Jianshe Road"),
]


def rint(rng, a, b):
    return rng.randint(a, b)


def make_entities(rng, lang, domain):
    zh = lang != "en"
    y = rng.choice([2023, 2024, 2024, 2025])
    m = rint(rng, 1, 12)
    d = rint(rng, 1, 26)
    d2 = d + rint(rng, 1, 2)
    sur = rng.choice(SURN)
    e = {}
    if zh:
        e["name"] = sur + rng.choice(["先生", "女士"])
        e["date"] = rng.choice(["%d月%d日" % (m, d), "%d-%02d-%02d" % (y, m, d)])
        e["date2"] = "%d月%d日" % (m, d2)
        dname = rng.choice(SURN) + rng.choice(GIVEN)
        e["doc"] = dname + rng.choice(["", "主任"])
        e["city"] = rng.choice(CITY_TW if lang == "tw" else CITY_ZH)
    else:
        e["name"] = rng.choice(["Mr. ", "Ms. "]) + rng.choice(EN_SURN)
        mon = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ][m - 1]
        e["date"] = rng.choice(["%s %d" % (mon, d), "%d-%02d-%02d" % (y, m, d)])
        e["date2"] = "%s %d" % (mon, d2)
        e["doc"] = "Dr. " + rng.choice(EN_SURN)
        e["city"] = rng.choice(CITY_EN)
    k = 0 if zh else 1
    e["month"] = "%d-%02d" % (y, m)
    e["time"] = rng.choice(["9:30", "10:30", "14:00", "15:30", "18:00", "8:45", "11:15"])
    e["amt"] = str(rng.choice([rint(rng, 20, 999), rint(rng, 1000, 49999), rint(rng, 50, 300)]))
    e["ord"] = rng.choice(["DD", "", "SO"]) + str(y) + "".join(rng.choice(string.digits) for _ in range(10))
    e["ticket"] = rng.choice(["GD", "T", "WO-", "INC"]) + "".join(
        rng.choice(string.digits) for _ in range(rint(rng, 7, 12))
    )
    e["claim"] = "BA" + str(y) + "".join(rng.choice(string.digits) for _ in range(8))
    e["policy"] = (
        rng.choice(["PDAA", "PDZA", "P"]) + str(y) + "".join(rng.choice(string.digits) for _ in range(9))
    )
    e["card"] = "".join(rng.choice(string.digits) for _ in range(4))
    e["phone"] = (
        "1"
        + rng.choice("3589")
        + str(rint(rng, 0, 9))
        + "****"
        + "".join(rng.choice(string.digits) for _ in range(4))
    )
    e["country"] = rng.choice(COUNTRY)[k]
    e["prod"] = rng.choice(PROD_SAAS if domain == "saas" else PROD_EC)[k]
    e["plan"] = rng.choice(PLAN)[k]
    e["dept"] = rng.choice(DEPT)[k]
    e["exam"] = rng.choice(EXAM)[k]
    st = rng.choice(STREET)
    e["street"], e["street_en"] = st
    e["fee"] = str(rng.choice([15, 20, 30, 50, 80, 100]))
    e["limit"] = str(rng.choice([100, 200, 500, 3000, 5000, 10000]))
    e["ver"] = "v%d.%d.%d" % (rint(rng, 1, 5), rint(rng, 0, 12), rint(rng, 0, 20))
    e["kbdate"] = "%d-%02d-%02d" % (y - rng.choice([0, 1]), rint(rng, 1, 12), rint(rng, 1, 28))
    comp = COMPANY[domain][k].split("|")
    e["company"] = rng.choice(comp)
    e["hospname"] = e["company"]
    dn = {
        "banking": "example-bank.com.cn",
        "telecom": "yuntong.example.cn",
        "ecommerce": "shop.example.com",
        "hospital": "hospital.example.org.cn",
        "saas": "cloudpivot.example.io",
        "insurance": "insure.example.cn",
    }[domain]
    e["domainname"] = dn
    e["url"] = (
        "https://"
        + rng.choice(["www.", "help.", "status.", "m."])
        + dn
        + rng.choice(["/help", "/faq/%d" % rint(rng, 100, 999), "", "/status", "/service/claims"])
    )
    e["hotline"] = rng.choice(
        [
            "400-%03d-%04d" % (rint(rng, 100, 999), rint(rng, 0, 9999)),
            "9%04d" % rint(rng, 5000, 5999),
            "800-%03d-%04d" % (rint(rng, 100, 999), rint(rng, 0, 9999)),
        ]
    )
    e["hotline2"] = "400-%03d-%04d" % (rint(rng, 100, 999), rint(rng, 0, 9999))
    return e


def fill(s, e):
    def rep(m):
        return e.get(m.group(1), m.group(0))

    return re.sub(r"\{(\w+)\}", rep, s)


def pick(rng, s, k):
    """s is 'zh||en' with '|' alternatives; returns one alternative for language k."""
    part = s.split("||")[k]
    return rng.choice(part.split("|"))


def part(s, k):
    return s.split("||")[k]


# ---------------------------------------------------------------------------
# Simplified -> Traditional (zh-TW wording) converter, for the text we emit.
# ---------------------------------------------------------------------------
TW_PHRASES = [
    ("个人信息", "個人資料"),
    ("咨询", "諮詢"),
    ("答复", "答覆"),
    ("顺丰", "順豐"),
    ("消息", "訊息"),
    ("合并", "合併"),
    ("账号", "帳號"),
    ("账户", "帳戶"),
    ("帐户", "帳戶"),
    ("设置", "設定"),
    ("信息", "訊息"),
    ("短信", "簡訊"),
    ("软件", "軟體"),
    ("网络", "網路"),
    ("视频", "影音"),
    ("手机号", "手機號碼"),
    ("默认", "預設"),
    ("登录", "登入"),
    ("激活", "啟用"),
    ("文件", "檔案"),
    ("程序", "程式"),
    ("服务器", "伺服器"),
    ("数据漫游", "數據漫遊"),
    ("数据", "資料"),
    ("质量", "品質"),
    ("运营商", "電信業者"),
    ("充值", "儲值"),
    ("套餐", "方案"),
    ("快递员", "物流人員"),
    ("快递柜", "智慧取件櫃"),
    ("快递", "物流"),
    ("营业厅", "門市"),
    ("二维码", "QR碼"),
    ("链接", "連結"),
    ("点击", "點選"),
    ("在线", "線上"),
    ("人工客服", "真人客服"),
    ("周一", "週一"),
    ("周五", "週五"),
    ("医保", "健保"),
    ("身份证", "身分證"),
    ("回复", "回覆"),
    ("余额", "餘額"),
    ("其余", "其餘"),
    ("范围", "範圍"),
    ("准备", "準備"),
    ("标准", "標準"),
    ("恢复", "恢復"),
    ("复杂", "複雜"),
    ("重复", "重複"),
    ("复制", "複製"),
    ("复诊", "複診"),
    ("复查", "複查"),
    ("复核", "複核"),
    ("制作", "製作"),
    ("联系", "聯繫"),
    ("日历", "日曆"),
    ("彩铃", "答鈴"),
    ("公众号", "官方帳號"),
    ("微信", "LINE"),
    ("U盾", "晶片讀卡機"),
    ("支持", "支援"),
    ("后台", "後台"),
    ("手机", "手機"),
    ("工单", "工單"),
    ("网点", "分行"),
    ("话费", "電話費"),
    ("流量", "數據流量"),
    ("打印", "列印"),
    ("光盘", "光碟"),
    ("鼠标", "滑鼠"),
    ("出租车", "計程車"),
    ("派出所", "警察局"),
    ("120和122", "119和110"),
    ("退订", "取消訂閱"),
    ("订购", "訂閱"),
    ("干净", "乾淨"),
    ("面条", "麵條"),
    ("头发", "頭髮"),
    ("皇后", "皇后"),
    ("准确", "準確"),
    ("只", "只"),
    ("“", "「"),
    ("”", "」"),
    ("‘", "『"),
    ("’", "』"),
]
_S = (
    "这个们来时对说过还没会后发与问题为么么吗开关门间见车东动电话号码钱银行卡转账户单务费请您帐证认实网络营业项预约挂医诊检查报验药"
    "处理进选择确认该应该让给当经过现场据资讯产业专务员两个业务条则规则边写读课谁调换态权众优们头实际运输签收货邮购买卖价购补寄递"
    "错误误读将节点击录码页面么样记录时间长风险险赔偿额额度仅仅历史违规陆区审核过认证阶级层级结构统计计划设计纪录续继续给组织织线纸缘"
    "终结缴纳约纠纷红级绿练组细经给络统绝续维绩绪缆总丝结缓编缩纤绍绒综绳绑纲纵线绕绘络缚缝断"
)
_T = (
    "這個們來時對說過還沒會後發與問題為麼麼嗎開關門間見車東動電話號碼錢銀行卡轉賬戶單務費請您帳證認實網絡營業項預約掛醫診檢查報驗藥"
    "處理進選擇確認該應該讓給當經過現場據資訊產業專務員兩個業務條則規則邊寫讀課誰調換態權眾優們頭實際運輸簽收貨郵購買賣價購補寄遞"
    "錯誤誤讀將節點擊錄碼頁面麼樣記錄時間長風險險賠償額額度僅僅歷史違規陸區審核過認證階級層級結構統計計劃設計紀錄續繼續給組織織線紙緣"
    "終結繳納約糾紛紅級綠練組細經給絡統絕續維績緒纜總絲結緩編縮纖紹絨綜繩綁綱縱線繞繪絡縛縫斷"
)
_S2 = (
    "办冻结阅务导备传专复产亲伤价众优会伟体余佣侦侧侨侩俭债倾偿储儿兑党兰关兴养兽内册写军农冯冲决况冻净准凉减凑几凤凭凯击凿刍划刘则刚创删别刮制刹剂剑剧劝办务动励劲劳势勋匀区医华协单卖卢卫却厂厅历厉压厌县参双发变叙叠叶号叹吓吕吗吨听启吴呐员呗呜咏咙咸响哑哗唤啬啰啸喷嗳嘘嘱团园围困图圆圣场坏块坚坛坝坞坟坠垄垒垦垫埘"
    "声处备复够头夸夹夺奋奖妆妇妈姗娄娱娲婴婶嫔学宁宝实宠审宪宫宽宾对寻导寿将尔尘尝尧层属岁岂岗岛岭岳峡币帅师帐带帧帮帱广庄庆库应庙庞废开异弃张弥弯弹强归当录彻径忆志忧怀态怂怜总怼恋恒恳恶恼悦悬悭惊惧惨惩惫惬惭惯愤愿慑懒戏战户执扩扫扬扰抚抛抟抠抡抢护报担拟拢拣拥拦拧拨择挂挚挛挝挞挟挠挡挣挤挥捞损捡换捣据掳掴掷掸掺揽搀搁搂搅携摄摆摇摈摊撑撵擞攒敌敛数斋斓斗斩断无旧时旷昙昼显晋晒晓晕暂术机杀杂权条来杨杰极构枪柜标栈栋栏树样档桥梦检棂椭楼榄横樯欢欧歼殇残毁毕毙气氢汇汉污汤沟没沦沧沪泪泻泼泽洁洒浅浆浇浊测济浏浑浓涂涛涝涟润涨涩渊渐渔湾湿溃滚满滤滥滨灭灯灵灾灿炉点炼烁烂烛烟烦烧热焕爱爷牍牵犹状独狭狮猎献环现玛琐瑶璎电画畅疗疯痒瘫癞盏盐监盖盗盘眯着睁矫矿码砖础确碍礼祸离秃秆种积称秽稳穷窃窍竖竞笔笼筑筛筹签简箩粮紧纠红纤约级纪纯纱纲纳纵纷纸纹纺线练组绅细织终绊绍经绑结绕绘给络绝统继绩绪续维绵综绿缄缓编缘缚缝缩缴网罗罚罢羡翘耸职联聪肃肠肤肿胀胁胆胜胶脑脚脱脸腊腻腾舆舰舱艰艺节芦苍苏苹范茧荐荡荣药莱获莹营萧萨蓝蔼蕴虏虑虚虽蚀蛮蜡蝇衅衔补衬袄装裤见观规视览觉誉计订认讨让训议讯记讲讳讶许论设访证评识诉诊词译试诗诚话诞询该详误诱说请诸诺读课谁调谅谈谊谋谍谎谓谢谣谦谨谱贝贞负贡财责贤败货质贩贪贫购贯贴贵贷贸费贺资赋赌赎赏赐赔赖赚赛赞赠赵赶趋跃践踊踪躯车轨轩转轮软轰轴轻载较辅辆辈辉辖辨辩辫边达迁过迈运还这进远违连迟迹适选逊递逻遗邓邮邻郑酝酱酿释里鉴针钉钓钟钢钥钦钱钻铁铃铅铜铝银铺链销锁锅锋错锦键锻镇镜长门闪闭问闯闲间闷闸闹闻阀阁阅队阳阴阵阶际陆陈陕险随隐隶难雏雳雾静韦韧页顶项顺须顽顾顿颁预领颇频颗题颜额风飘飞饥饭饮饰饱饲饶饼馆首马驱驶驻驾骂验骑骗骚骤鱼鲜鸡鸣鸭鸿鹅黄齐齿龙龟"
)
_T2 = (
    "辦凍結閱務導備傳專復產親傷價眾優會偉體餘傭偵側僑儈儉債傾償儲兒兌黨蘭關興養獸內冊寫軍農馮衝決況凍淨準涼減湊幾鳳憑凱擊鑿芻劃劉則剛創刪別颳制剎劑劍劇勸辦務動勵勁勞勢勳勻區醫華協單賣盧衛卻廠廳歷厲壓厭縣參雙發變敘疊葉號嘆嚇呂嗎噸聽啟吳吶員唄嗚詠嚨鹹響啞嘩喚嗇囉嘯噴噯噓囑團園圍睏圖圓聖場壞塊堅壇壩塢墳墜壟壘墾墊塒"
    "聲處備復夠頭誇夾奪奮獎妝婦媽姍婁娛媧嬰嬸嬪學寧寶實寵審憲宮寬賓對尋導壽將爾塵嘗堯層屬歲豈崗島嶺嶽峽幣帥師帳帶幀幫幬廣莊慶庫應廟龐廢開異棄張彌彎彈強歸當錄徹徑憶志憂懷態慫憐總懟戀恆懇惡惱悅懸慳驚懼慘懲憊愜慚慣憤願懾懶戲戰戶執擴掃揚擾撫拋摶摳掄搶護報擔擬攏揀擁攔擰撥擇掛摯攣撾撻挾撓擋掙擠揮撈損撿換搗據擄摑擲撣摻攬攙擱摟攪攜攝擺搖擯攤撐攆擻攢敵斂數齋斕鬥斬斷無舊時曠曇晝顯晉曬曉暈暫術機殺雜權條來楊傑極構槍櫃標棧棟欄樹樣檔橋夢檢欞橢樓欖橫檣歡歐殲殤殘毀畢斃氣氫匯漢汙湯溝沒淪滄滬淚瀉潑澤潔灑淺漿澆濁測濟瀏渾濃塗濤澇漣潤漲澀淵漸漁灣濕潰滾滿濾濫濱滅燈靈災燦爐點煉爍爛燭煙煩燒熱煥愛爺牘牽猶狀獨狹獅獵獻環現瑪瑣瑤瓔電畫暢療瘋癢癱癩盞鹽監蓋盜盤瞇著睜矯礦碼磚礎確礙禮禍離禿稈種積稱穢穩窮竊竅豎競筆籠築篩籌簽簡籮糧緊糾紅纖約級紀純紗綱納縱紛紙紋紡線練組紳細織終絆紹經綁結繞繪給絡絕統繼績緒續維綿綜綠緘緩編緣縛縫縮繳網羅罰罷羨翹聳職聯聰肅腸膚腫脹脅膽勝膠腦腳脫臉臘膩騰輿艦艙艱藝節蘆蒼蘇蘋範繭薦蕩榮藥萊獲瑩營蕭薩藍藹蘊虜慮虛雖蝕蠻蠟蠅釁銜補襯襖裝褲見觀規視覽覺譽計訂認討讓訓議訊記講諱訝許論設訪證評識訴診詞譯試詩誠話誕詢該詳誤誘說請諸諾讀課誰調諒談誼謀諜謊謂謝謠謙謹譜貝貞負貢財責賢敗貨質販貪貧購貫貼貴貸貿費賀資賦賭贖賞賜賠賴賺賽讚贈趙趕趨躍踐踴蹤軀車軌軒轉輪軟轟軸輕載較輔輛輩輝轄辨辯辮邊達遷過邁運還這進遠違連遲跡適選遜遞邏遺鄧郵鄰鄭醞醬釀釋裡鑑針釘釣鐘鋼鑰欽錢鑽鐵鈴鉛銅鋁銀鋪鏈銷鎖鍋鋒錯錦鍵鍛鎮鏡長門閃閉問闖閒間悶閘鬧聞閥閣閱隊陽陰陣階際陸陳陝險隨隱隸難雛靂霧靜韋韌頁頂項順須頑顧頓頒預領頗頻顆題顏額風飄飛飢飯飲飾飽飼饒餅館首馬驅駛駐駕罵驗騎騙騷驟魚鮮雞鳴鴨鴻鵝黃齊齒龍龜"
)
CHARMAP = dict(zip(_S, _T))
CHARMAP.update(zip(_S2, _T2))
for _c in "刮困":
    CHARMAP.pop(_c, None)
CHARMAP.update(
    {
        "账": "帳",
        "后": "後",
        "里": "裡",
        "个": "個",
        "们": "們",
        "这": "這",
        "为": "為",
        "么": "麼",
        "吗": "嗎",
        "与": "與",
        "万": "萬",
        "亿": "億",
        "于": "於",
        "从": "從",
        "众": "眾",
        "云": "雲",
        "尽": "盡",
        "须": "須",
        "采": "採",
        "汇": "匯",
        "钟": "鐘",
        "获": "獲",
        "丢": "丟",
        "丝": "絲",
        "严": "嚴",
        "丽": "麗",
        "乐": "樂",
        "乔": "喬",
        "习": "習",
        "书": "書",
        "买": "買",
        "乱": "亂",
        "争": "爭",
        "亏": "虧",
        "亚": "亞",
        "仅": "僅",
        "仓": "倉",
        "们": "們",
        "价": "價",
        "伙": "夥",
        "负": "負",
        "层": "層",
        "刹": "剎",
        "厕": "廁",
        "块": "塊",
        "国": "國",
        "馈": "饋",
        "类": "類",
        "临": "臨",
        "枢": "樞",
        "韩": "韓",
        "语": "語",
        "脉": "脈",
        "艳": "豔",
        "龚": "龔",
        "孙": "孫",
        "墙": "牆",
        "蒋": "蔣",
        "闫": "閆",
        "谭": "譚",
        "邹": "鄒",
        "贾": "賈",
        "并": "並",
    }
)
TW_PHRASES.sort(key=lambda p: -len(p[0]))
_TW_RE = re.compile("|".join(re.escape(a) for a, _ in TW_PHRASES))
_TW_D = dict(TW_PHRASES)


def to_tw(s):
    if not s:
        return s
    s = _TW_RE.sub(lambda m: _TW_D[m.group(0)], s)
    return "".join(CHARMAP.get(c, c) for c in s)


def tw_obj(o):
    if isinstance(o, str):
        return to_tw(o)
    if isinstance(o, list):
        return [tw_obj(x) for x in o]
    if isinstance(o, dict):
        return {k: tw_obj(v) for k, v in o.items()}
    return o


# ---------------------------------------------------------------------------
# KB rendering with several numbering conventions (+ optional perturbation)
# ---------------------------------------------------------------------------
CN_NUM = "零一二三四五六七八九十"


def cn_num(n):
    if n <= 10:
        return CN_NUM[n]
    if n < 20:
        return "十" + CN_NUM[n - 10]
    return CN_NUM[n // 10] + "十" + (CN_NUM[n % 10] if n % 10 else "")


CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
ROMAN = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
KB_STYLES_ZH = ["dotted", "dotted", "dotted_trail", "cn", "tiao", "circled", "md", "bullets"]
KB_STYLES_EN = ["dotted", "dotted", "dotted_trail", "md", "bullets", "alpha"]
# which levels carry numbers (1-based levels) and whether labels are composite (contain the parent's number)
NUMBERED_LEVELS = {
    "dotted": (1, 2, 3, 4),
    "dotted_trail": (1, 2, 3, 4),
    "cn": (1, 2, 3, 4),
    "tiao": (1, 2, 3, 4),
    "circled": (1, 2, 3),
    "md": (1, 2, 3, 4),
    "bullets": (1,),
    "alpha": (1, 2, 3),
}
COMPOSITE = {"dotted", "dotted_trail", "md"}


def label_for(style, level, nums):
    """nums: displayed indices of the ancestors+self (list)."""
    n = nums[-1]
    if style in ("dotted", "dotted_trail"):
        if level == 1:
            return "%d." % n
        return ".".join(str(x) for x in nums) + ("." if style == "dotted_trail" else "")
    if style == "md":
        lab = ".".join(str(x) for x in nums)
        if level == 1:
            return "### %s." % lab
        if level == 2:
            return "#### " + lab
        return "- " + lab
    if style == "cn":
        return ["", "%s、" % cn_num(n), "（%s）" % cn_num(n), "%d." % n, "(%d)" % n][min(level, 4)]
    if style == "tiao":
        return ["", "第%s条" % cn_num(n), "（%s）" % cn_num(n), "%d." % n, "(%d)" % n][min(level, 4)]
    if style == "circled":
        return ["", "%d、" % n, CIRCLED[n - 1], "（%d）" % n, "-"][min(level, 4)]
    if style == "alpha":
        return ["", "%d)" % n, "%s)" % "abcdefghij"[n - 1], "%s)" % ROMAN[n], "-"][min(level, 4)]
    if style == "bullets":
        return "%d." % n if level == 1 else "-"
    raise ValueError(style)


def tree_items(root):
    """Yield (path, node) for all non-root nodes in document order."""
    out = []

    def walk(node, path):
        for i, ch in enumerate(node.get("k") or []):
            p = path + (i + 1,)
            out.append((p, ch))
            walk(ch, p)

    walk(root, ())
    return out


def perturb_candidates(scn, style):
    items = tree_items(scn["root"])
    cands = []
    numbered = NUMBERED_LEVELS[style]
    sib_count = {}
    for p, _ in items:
        sib_count[p[:-1]] = max(sib_count.get(p[:-1], 0), p[-1])
    for p, node in items:
        lvl = len(p)
        if lvl not in numbered:
            continue
        if p[-1] >= 2:
            cands.append(("skip", p))
            cands.append(("repeat", p))
            cands.append(("swap", p))
        if style in COMPOSITE and lvl >= 2 and not node.get("k"):
            cands.append(("wrong_parent", p))
    return cands


def kb_line(node, k, e):
    c = fill(part(node["c"], k), e)
    d = fill(part(node["d"], k), e)
    if k == 0:
        return "如果%s，%s。" % (c, d)
    return "If %s, %s." % (c, d)


def render_kb(scn, k, e, style, opts, perturb=None):
    """Return (text, perturb_description or None)."""
    items = tree_items(scn["root"])
    disp = {p: p[-1] for p, _ in items}
    wp = {}
    desc = None
    if perturb:
        kind, tp = perturb
        par = tp[:-1]
        sibs = sorted([p for p, _ in items if p[:-1] == par and p[-1] >= tp[-1]])
        if kind == "skip":
            for p in sibs:
                disp[p] += 1
        elif kind == "repeat":
            for p in sibs:
                disp[p] -= 1
        elif kind == "swap":
            prev = par + (tp[-1] - 1,)
            disp[tp], disp[prev] = disp[prev], disp[tp]
        elif kind == "wrong_parent":
            wp[tp] = True
    lines = []
    title = fill(part(scn["title"], k), e)
    if opts["title"] == "md" or style == "md":
        lines.append("## " + title)
        lines.append("")
    elif opts["title"] == "book":
        lines.append(("《%s》" % title) if k == 0 else ("Title: %s" % title))
    root = scn["root"]
    intro = fill(part(scn["intro"], k), e)
    rd = fill(part(root["d"], k), e)
    lines.append(intro + (rd + "。" if k == 0 else " " + rd[0].upper() + rd[1:] + "."))
    labels = {}
    for p, node in items:
        lvl = len(p)
        nums = [disp[p[: i + 1]] for i in range(lvl)]
        if wp.get(p):
            nums[-2] = nums[-2] + 1 if nums[-2] == 1 else nums[-2] - 1
        lab = label_for(style, lvl, nums)
        labels[p] = lab
        ind = ""
        if style in ("bullets", "circled", "alpha") or opts["indent"]:
            if style != "md":
                ind = "  " * (lvl - 1)
        if style == "md" and lvl >= 4:
            ind = "  "
        sep = "" if style == "tiao" and lvl == 1 else " "
        if style == "tiao" and lvl == 1:
            sep = "　"
        lines.append(ind + lab + sep + kb_line(node, k, e))
        if style == "md" and lvl <= 2:
            lines.append("")
    if perturb:
        kind, tp = perturb
        orig = label_for(style, len(tp), list(tp))
        desc = "%s: item '%s' labelled '%s'" % (kind, orig.strip("#- "), labels[tp].strip("#- "))
    for ex in opts["extras"]:
        hz, he, bz, be = EXTRAS[ex]
        head = fill(hz if k == 0 else he, e)
        body = fill(bz if k == 0 else be, e)
        lines.append("")
        if style == "md" or opts["title"] == "md":
            lines.append("### " + head)
        else:
            lines.append(
                ("【附】%s：" if k == 0 else "Appendix - %s:") % head
                if opts["exhead"]
                else (head + ("：" if k == 0 else ":"))
            )
        lines.append(body)
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip(), desc


# ---------------------------------------------------------------------------
# Conversation planning
# ---------------------------------------------------------------------------
ROLE = {
    "banking": (
        "在线客服助手，负责解答客户关于账户、转账和银行卡的问题",
        "online banking assistant, helping customers with accounts, transfers and cards",
    ),
    "telecom": (
        "智能客服，帮助用户处理话费、套餐和漫游等问题",
        "virtual agent for billing, plans and roaming questions",
    ),
    "ecommerce": (
        "售后客服助手，处理退换货、退款和物流问题",
        "after-sales assistant for returns, refunds and deliveries",
    ),
    "hospital": (
        "导诊与预约助手，协助患者挂号、退号（不提供诊断意见）",
        "appointment assistant helping patients book and cancel visits (no medical advice)",
    ),
    "saas": (
        "技术支持助手，面向企业客户解答账号、权限和API集成问题",
        "technical support assistant for sign-in, permissions and API integration",
    ),
    "insurance": (
        "理赔服务助手，协助客户报案和办理理赔",
        "claims assistant helping policyholders report and file claims",
    ),
}
OBS_ASK = (
    ["等待用户回复。", "需要等待用户的回答。", "等用户确认后再继续。", "用户尚未回复，等待中。"],
    [
        "Waiting for the user's reply.",
        "Need the user's answer before continuing.",
        "Wait for the customer to respond.",
    ],
)
OBS_INFO = (
    ["已向用户说明处理方法。", "处理方案已告知用户，无需等待。", "已告知用户，等待用户反馈。"],
    [
        "The solution has been explained to the user.",
        "Informed the user; nothing to wait for.",
        "Told the customer what to do.",
    ],
)
CITE = (
    ["根据知识库结果", "根据检索到的知识库内容", "参考知识库", "按照知识库中的处理流程"],
    [
        "According to the knowledge base",
        "Per the retrieved KB",
        "Based on the knowledge base",
        "Following the KB procedure",
    ],
)
VAGUE = (
    ["不太清楚", "我也不知道啊", "什么意思？", "嗯……我看看", "这个我不确定"],
    ["Not sure.", "What do you mean?", "Hmm, let me check.", "I don't know."],
)
CLOSE_U = (
    ["好的，谢谢", "明白了，谢谢你", "行，我试试看", "好的，没有其他问题了", "知道了，辛苦了"],
    ["OK, thanks.", "Got it, thank you!", "Great, that's all.", "Thanks, that helps."],
)
CLOSE_R = (
    [
        "不客气，祝您生活愉快！如还有其他问题，欢迎随时联系我们。",
        "感谢您的耐心，如有其他问题欢迎随时咨询。",
        "不客气，很高兴能帮到您！",
    ],
    [
        "You're welcome! Feel free to reach out if you need anything else.",
        "Glad I could help. Have a nice day!",
        "Happy to help. Take care!",
    ],
)
GREET_U = (["你好", "在吗？", "您好，有人吗", "喂，你好"], ["Hi", "Hello?", "Hi there, anyone around?"])


def step_for_node(rng, node, k, e, topic, cite, is_root, label=None):
    st = {}
    d = fill(part(node["d"], k), e)
    if k == 0:
        if is_root:
            st["thought"] = rng.choice(
                [
                    "用户反馈%s的问题。%s，处理方法是%s。",
                    "用户咨询%s。%s，需要%s。",
                    "针对%s的问题，%s，应该%s。",
                ]
            ) % (topic, cite, d)
        else:
            c = fill(part(node["c"], k), e)
            lab = ("第%s条" % label) if label else ""
            t = rng.choice(
                [
                    "{cite}{lab}，如果{c}，{d}。",
                    "用户的回答说明{c}。{cite}{lab}，这种情况下{d}。",
                    "{c}，{cite}{lab}，{d}。",
                ]
            )
            st["thought"] = t.format(cite=cite, lab=lab, c=c, d=d)
    else:
        if is_root:
            t = rng.choice(
                [
                    "The user is asking about {topic}. {cite}, I should {d}.",
                    "For {topic}, {cite_l}, I need to {d}.",
                ]
            )
            st["thought"] = t.format(topic=topic, cite=cite, cite_l=cite[0].lower() + cite[1:], d=d)
        else:
            c = fill(part(node["c"], k), e)
            lab = (" (item %s)" % label) if label else ""
            t = rng.choice(
                [
                    "{cite}{lab}, if {c}, {d}.",
                    "The answer means {c}. {cite}{lab}, in this case I should {d}.",
                    "Since {c}, {cite_l}{lab} says: {d}.",
                ]
            )
            st["thought"] = t.format(cite=cite, cite_l=cite[0].lower() + cite[1:], lab=lab, c=c, d=d)
            st["thought"] = st["thought"].replace(" says: ", " says to ")  # keep thoughts free of colons
    if node.get("k"):
        st["act"] = fill(part(node["q"], k), e)
        st["act_name"] = "ask_user"
        st["obs"] = rng.choice(OBS_ASK[k])
        st["reply"] = fill(pick(rng, node["a"], k), e)
        st["tool"] = None
        st["q"] = st["act"]
        st["a"] = st["reply"]
    else:
        st["act"] = fill(part(node["act"], k), e)
        st["reply"] = fill(part(node["say"], k), e)
        if node.get("tool"):
            name, args, res = node["tool"]
            st["tool"] = (
                name,
                {a: fill(v, e) if isinstance(v, str) else v for a, v in args.items()},
                {a: fill(v, e) if isinstance(v, str) else v for a, v in res.items()},
            )
            st["act_name"] = name
            st["obs"] = ("系统返回 " if k == 0 else "Tool returned ") + json.dumps(
                st["tool"][2], ensure_ascii=False
            )
        else:
            st["tool"] = None
            st["act_name"] = "reply_user"
            st["obs"] = rng.choice(OBS_INFO[k])
    return st


def node_label(style, path):
    if style in ("dotted", "dotted_trail", "md"):
        return ".".join(str(x) for x in path)
    return None


def plan_record(rng, idx):
    r = rng.random()
    lang = "zh" if r < 0.62 else ("tw" if r < 0.77 else "en")
    k = 1 if lang == "en" else 0
    domain = rng.choice(["banking", "telecom", "ecommerce", "hospital", "saas", "insurance"])
    e = make_entities(rng, lang, domain)
    if k == 0:
        style = rng.choices(
            ["zh_colon", "bracket", "seedlike", "en_react", "json", "xml", "native", "plain"],
            [24, 12, 10, 12, 12, 6, 20, 4],
        )[0]
    else:
        style = rng.choices(
            ["zh_colon", "en_react", "json", "xml", "native", "plain"], [6, 33, 15, 10, 31, 5]
        )[0]
    p = {"idx": idx, "lang": lang, "k": k, "domain": domain, "e": e, "style": style}
    # label conventions
    if style == "zh_colon":
        p["labels"] = (
            rng.choice(
                [
                    ("思考", "行动", "观察", "回复"),
                    ("思考", "动作", "观察", "回复"),
                    ("思考", "行动", "观察", "回答"),
                    ("思考", "行动", None, "回复"),
                ]
            )
            if k == 0
            else rng.choice(
                [("Thought", "Action", "Observation", "Response"), ("Thought", "Action", None, "Reply")]
            )
        )
        p["sep"] = rng.choice(["：", "：", ": "]) if k == 0 else ": "
    elif style == "bracket":
        p["labels"] = rng.choice(
            [
                ("思考", "行动", "观察", "回复"),
                ("思考", "动作", "结果", "回复"),
                ("推理", "行动", "观察", "答复"),
            ]
        )
        p["nl"] = rng.random() < 0.3
    elif style == "seedlike":
        p["labels"] = rng.choice([("思考", "动作", "观察"), ("思考", "行动", "观察")])
        p["sep"] = "："
        p["div"] = rng.choice(["---", "---", "——"])
    elif style == "en_react":
        p["labels"] = ("Thought", "Action", "Action Input", "Observation", "Final Answer")
    elif style == "json":
        p["keys"] = rng.choice(
            [
                ("thought", "action", "action_input", "observation", "response"),
                ("thought", "action", "action_input", "observation", "final_answer"),
                ("thought", "action", None, "observation", "reply"),
            ]
        )
        p["indent"] = rng.choice([None, None, 2])
        p["fence"] = rng.random() < 0.2
    elif style == "xml":
        p["tags"] = rng.choice(
            [("thought", "action", "observation", "answer"), ("think", "action", "observation", "response")]
        )
    elif style == "native":
        p["labels"] = (
            rng.choice([("思考", "回复"), ("Thought", "Answer")]) if k == 0 else ("Thought", "Answer")
        )
        p["sep"] = "：" if p["labels"][0] == "思考" else ": "
        p["tools_field"] = rng.random() < 0.8
        p["tool_name_field"] = rng.random() < 0.3
    # retrieval convention
    if style == "native":
        p["ret"] = rng.choices(["every", "first", "tool", "system"], [40, 20, 35, 5])[0]
    else:
        p["ret"] = rng.choices(["every", "first", "system"], [65, 25, 10])[0]
    if k == 0:
        p["wrapper"] = rng.choice(["jsr", "context", "refs", "knowledge", "kbr", "bracket"])
        p["marker"] = rng.choice(["[同上]", "同上", "（同上）", "(see above)"])
    else:
        p["wrapper"] = rng.choice(["context", "knowledge", "kbr", "refs_en"])
        p["marker"] = rng.choice(["(see above)", "[same as above]", "Same as above."])
    p["kbpos"] = "before" if p["wrapper"] in ("bracket",) else rng.choice(["after", "after", "before"])
    p["full_repeat"] = p["ret"] == "every" and rng.random() < 0.2
    p["kbstyle"] = rng.choice(KB_STYLES_ZH if k == 0 else KB_STYLES_EN)
    p["kbopts"] = {
        "title": rng.choice(["none", "book", "md"]) if p["kbstyle"] != "md" else "md",
        "indent": rng.random() < 0.4,
        "exhead": rng.random() < 0.5,
    }
    # topics
    long_mode = rng.random() < 0.13
    same_dom = [s for s in SCENARIOS if s["domain"] == domain]
    first = rng.choice(same_dom)
    topics = [first]
    if long_mode or rng.random() < 0.18:
        topics.append([s for s in same_dom if s is not first][0])
    if long_mode:
        p["full_repeat"] = False
    p["long"] = long_mode
    p["topics"] = topics
    p["extras"] = []
    for s in topics:
        ex = [x for x in s["extras"] if rng.random() < 0.75]
        p["extras"].append(ex)
    others = [s for s in SCENARIOS if s not in topics]
    p["distractor"] = rng.choice([s for s in others if s["domain"] == domain] or others)
    p["rel_first"] = rng.random() < 0.6  # relevant doc listed as [1]
    # turns
    turns = []
    cite_pool = CITE[k]
    if p["ret"] != "every" and rng.random() < (0.5 if long_mode else 0.1):
        turns.append(
            {
                "kind": "greet",
                "topic": None,
                "user": rng.choice(GREET_U[k]),
                "step": {
                    "thought": "用户打招呼，还没有说明具体问题。"
                    if k == 0
                    else "The user greeted me without describing a problem yet.",
                    "act": "询问用户需要什么帮助" if k == 0 else "ask how I can help",
                    "act_name": "ask_user",
                    "obs": rng.choice(OBS_ASK[k]),
                    "tool": None,
                    "reply": ("您好，我是%s智能客服，请问有什么可以帮您？" % e["company"])
                    if k == 0
                    else ("Hello, this is the %s assistant. How can I help you today?" % e["company"]),
                },
            }
        )
    for ti, scn in enumerate(topics):
        topic = part(scn["topic"], k)
        opening = fill(pick(rng, scn["open"], k), e)
        if ti > 0:
            opening = (
                rng.choice(["另外，", "还有个问题，", "对了，", "顺便问一下，"])
                if k == 0
                else rng.choice(["Also, ", "One more thing: ", "By the way, "])
            ) + (opening[0].lower() + opening[1:] if k == 1 and not opening.startswith("I ") else opening)
        node = scn["root"]
        path = ()
        cite = rng.choice(cite_pool)
        st = step_for_node(rng, node, k, e, topic, cite, True)
        if ti == 0 and not turns and rng.random() < 0.3:
            st["reply"] = (
                (e["name"] + "您好，" + st["reply"].replace("您好，", ""))
                if k == 0
                else ("Hi %s, " % e["name"]) + st["reply"][0].lower() + st["reply"][1:]
            )
        turns.append({"kind": "open", "topic": ti, "user": opening, "step": st})
        while node.get("k"):
            kids = node["k"]
            if long_mode:
                depth = lambda n: 1 + max([depth(c) for c in n.get("k") or []] or [0])
                w = [depth(c) + 0.5 for c in kids]
                ci = rng.choices(range(len(kids)), w)[0]
            else:
                ci = rng.randrange(len(kids))
            if rng.random() < (0.35 if long_mode else 0.08):
                q, a = st["q"], st["a"]
                if k == 0:
                    cst = {
                        "thought": "用户的回答不够明确，需要再次%s。" % q,
                        "act": q,
                        "act_name": "ask_user",
                        "obs": rng.choice(OBS_ASK[k]),
                        "tool": None,
                        "reply": rng.choice(
                            ["抱歉，可能我刚才没有说清楚。", "不好意思，我再确认一下。", "麻烦您再确认一下。"]
                        )
                        + a,
                        "q": q,
                        "a": a,
                    }
                else:
                    cst = {
                        "thought": "The answer is unclear, so I need to %s again." % q,
                        "act": q,
                        "act_name": "ask_user",
                        "obs": rng.choice(OBS_ASK[k]),
                        "tool": None,
                        "reply": rng.choice(
                            ["Sorry, let me rephrase. ", "Just to confirm. ", "Sorry if that was unclear. "]
                        )
                        + a,
                        "q": q,
                        "a": a,
                    }
                turns.append({"kind": "clar", "topic": ti, "user": rng.choice(VAGUE[k]), "step": cst})
            node = kids[ci]
            path = path + (ci + 1,)
            cite = rng.choice(cite_pool)
            lab = node_label(p["kbstyle"], path) if rng.random() < 0.3 else None
            st = step_for_node(rng, node, k, e, topic, cite, False, lab)
            turns.append(
                {"kind": "answer", "topic": ti, "user": fill(pick(rng, node["u"], k), e), "step": st}
            )
    if long_mode or rng.random() < 0.45:
        turns.append(
            {
                "kind": "close",
                "topic": len(topics) - 1,
                "user": rng.choice(CLOSE_U[k]),
                "step": {
                    "thought": rng.choice(
                        ["用户表示已经了解，问题处理完毕。", "用户没有其他问题，可以结束对话。"]
                    )
                    if k == 0
                    else "The user has no further questions; close politely.",
                    "act": "礼貌结束对话" if k == 0 else "close the conversation politely",
                    "act_name": "end_conversation",
                    "obs": "无需进一步操作。" if k == 0 else "Nothing else to do.",
                    "tool": None,
                    "reply": rng.choice(CLOSE_R[k]),
                },
            }
        )
    p["turns"] = turns
    p["sys_var"] = rng.randrange(3)
    p["ensure_ascii"] = rng.random() < 0.08
    p["meta"] = rng.choice(["id", "id", "idmeta", "none", "meta"])
    p["call_ids"] = [
        "call_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24))
        for _ in range(12)
    ]
    p["toolres_json"] = rng.random() < 0.5
    p["sep_q"] = rng.choice(["\n\n", " ", "\n"])
    return p


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------
TOOL_DESC = {
    "search_kb": ("检索知识库", "Search the knowledge base", {"query": "string"}),
    "transfer_to_human": ("转接人工客服", "Transfer to a human agent", {"reason": "string"}),
    "create_ticket": ("创建工单", "Create a support ticket", {"type": "string"}),
}


def tools_schema(p):
    k = p["k"]
    names = {}
    if p["ret"] == "tool":
        names["search_kb"] = {"query": "x"}
    for scn in p["topics"]:
        for _, node in tree_items(scn["root"]):
            if node.get("tool"):
                names.setdefault(node["tool"][0], {}).update(node["tool"][1])
    out = []
    for n in sorted(names):
        desc = TOOL_DESC.get(n, ("执行 %s 操作" % n, "Run %s" % n, None))[k]
        props = {a: {"type": "string"} for a in sorted(names[n])}
        out.append(
            {
                "type": "function",
                "function": {
                    "name": n,
                    "description": desc,
                    "parameters": {"type": "object", "properties": props, "required": sorted(props)[:1]},
                },
            }
        )
    return out


def format_desc(p):
    k, s = p["k"], p["style"]
    if s == "zh_colon":
        T, A, O, R = p["labels"]
        sep = p["sep"]
        lines = (
            ["%s%s…" % (T, sep), "%s%s…" % (A, sep)]
            + (["%s%s…" % (O, sep)] if O else [])
            + ["%s%s…" % (R, sep)]
        )
        if k == 0:
            return (
                "每次回复都必须严格按照以下格式输出（ReAct）：\n"
                + "\n".join(lines)
                + "\n其中“%s”写明你要采取的动作，“%s”是最终发给用户的内容。" % (A, R)
            )
        return (
            "Always answer in this ReAct format:\n"
            + "\n".join(lines)
            + '\n"%s" states what you will do; "%s" is the message shown to the customer.' % (A, R)
        )
    if s == "bracket":
        T, A, O, R = p["labels"]
        return (
            "请使用ReAct方法：每次回复依次输出【%s】【%s】【%s】三个部分，最后在【%s】中给出对用户的答复。每一轮都必须包含这四个部分。"
            % (T, A, O, R)
        )
    if s == "seedlike":
        T, A, O = p["labels"]
        return (
            "你的输出要包含两部分：思考过程和给用户的答复。思考过程用<>包围，依次写出%s、%s、%s；给用户的答复写在“%s”之后。"
            "注意：不要只有第一次回复使用ReAct，每次回复都要使用ReAct方法。"
        ) % (T, A, O, p["div"])
    if s == "en_react":
        body = "Thought: <your reasoning>\nAction: <ask_user | reply_user | end_conversation | a tool name>\nAction Input: <input for the action>\nObservation: <result of the action>\nFinal Answer: <message to the user>"
        if k == 0:
            return "请严格按照以下ReAct格式输出，每一轮都不能省略任何一步：\n" + body
        return "Use the ReAct format below for every turn and never skip a step:\n" + body
    if s == "json":
        keys = [x for x in p["keys"] if x]
        if k == 0:
            return "每次只输出一个JSON对象，必须包含以下字段：%s。其中%s是给用户的答复。" % (
                "、".join(keys),
                keys[-1],
            )
        return (
            'Reply with a single JSON object containing the keys %s; "%s" is the text shown to the user.'
            % (", ".join(keys), keys[-1])
        )
    if s == "xml":
        t = p["tags"]
        fmt = "".join("<%s>…</%s>" % (x, x) for x in t)
        if k == 0:
            return "每轮回复请按 %s 的格式输出，四个标签缺一不可。" % fmt
        return "Format every reply as %s; all four tags are required." % fmt
    if s == "native":
        T, R = p["labels"]
        if k == 0:
            return (
                "需要执行操作时请直接调用工具。调用工具前先在content中以“%s%s”写出理由；回复用户时先写“%s%s”，再以“%s%s”给出答复。"
                % (T, p["sep"], T, p["sep"], R, p["sep"])
            )
        return (
            'Call tools directly when an operation is needed. Before a tool call, explain your reasoning in the content as "%s%s"; when replying, write "%s%s" and then "%s%s" with the answer.'
            % (T, p["sep"], T, p["sep"], R, p["sep"])
        )
    return "回答要简洁、礼貌，直接给出答复即可。" if k == 0 else "Keep answers short and polite."


WRAP_DESC = {
    "jsr": "检索结果：",
    "context": "<context>…</context>",
    "refs": "参考资料：",
    "knowledge": "Knowledge:",
    "kbr": "Knowledge Base Result:",
    "bracket": "【知识库】",
    "refs_en": "Retrieved documents:",
}


def system_prompt(p, kb_texts):
    k = p["k"]
    e = p["e"]
    role = ROLE[p["domain"]][k]
    v = p["sys_var"]
    if k == 0:
        intro = [
            "你是%s的%s。" % (e["company"], role),
            "你是一个帮助用户解决问题的客服助手，服务于%s。" % e["company"],
            "角色：%s%s。" % (e["company"], role),
        ][v]
        rule = "请只依据知识库内容作答，不要编造知识库中没有的信息。"
        ret = {
            "every": "每一轮用户消息都会附带检索结果（以“%s”标出）；如果与上一轮相同，会写成“%s”。"
            % (WRAP_DESC[p["wrapper"]], p["marker"]),
            "first": "用户提出新问题时，消息中会附带检索到的知识库内容（以“%s”标出）；同一问题的后续追问不再重复附带。"
            % WRAP_DESC[p["wrapper"]],
            "system": "本次对话可用的知识库内容附在本提示末尾。",
            "tool": "需要查询知识库时，请调用 search_kb 工具，不要凭记忆回答。",
        }[p["ret"]]
        if p["full_repeat"]:
            ret = "每一轮用户消息都会附带完整的检索结果（以“%s”标出）。" % WRAP_DESC[p["wrapper"]]
    else:
        intro = [
            "You are the %s for %s." % (role, e["company"]),
            "You work for %s as a %s." % (e["company"], role),
            "Role: %s, %s." % (e["company"], role),
        ][v]
        rule = "Only use information from the knowledge base; never make things up."
        ret = {
            "every": 'Every user message includes retrieved context (marked "%s"); if it is unchanged from the previous turn it is written as "%s".'
            % (WRAP_DESC[p["wrapper"]], p["marker"]),
            "first": 'When the user raises a new issue, the message includes retrieved context (marked "%s"); follow-up turns do not repeat it.'
            % WRAP_DESC[p["wrapper"]],
            "system": "The knowledge base for this conversation is appended below.",
            "tool": "Use the search_kb tool to look things up in the knowledge base.",
        }[p["ret"]]
        if p["full_repeat"]:
            ret = (
                'Every user message includes the full retrieved context (marked "%s").'
                % WRAP_DESC[p["wrapper"]]
            )
    parts = [intro, ret, format_desc(p), rule]
    if v == 2:
        parts = [intro, format_desc(p), ret, rule]
    sp = ("\n" if v else "").join(parts) if k == 0 else ("\n" if v else " ").join(parts)
    if p["ret"] == "system":
        sp += ("\n\n知识库：\n" if k == 0 else "\n\nKnowledge base:\n") + "\n\n".join(kb_texts)
    return sp


def wrap_kb(p, kb, doc2=None, marker=False):
    w = p["wrapper"]
    k = p["k"]
    if marker:
        body = p["marker"]
    elif w in ("refs", "refs_en"):
        docs = [kb, doc2] if p["rel_first"] else [doc2, kb]
        body = "\n" + "\n".join("[%d] %s" % (i + 1, d) for i, d in enumerate(docs))
    else:
        body = kb
    if w == "jsr":
        return "检索结果：" + ("\n" + body if not marker else body)
    if w == "context":
        return "<context>" + ("\n" + body + "\n" if not marker else body) + "</context>"
    if w == "refs":
        return "参考资料：" + body
    if w == "refs_en":
        return "Retrieved documents:" + (body if not marker else " " + body)
    if w == "knowledge":
        return "Knowledge:" + ("\n" + body if not marker else " " + body)
    if w == "kbr":
        return "Knowledge Base Result: " + body
    if w == "bracket":
        return "【知识库】\n" + body
    raise ValueError(w)


def compose_user(p, q, ctx):
    if ctx is None:
        return q
    if p["wrapper"] == "bracket":
        return ctx + "\n【用户问题】" + q
    if p["kbpos"] == "before" and not p["wrapper"] == "kbr":
        return ctx + "\n\n" + q
    return q + p["sep_q"] + ctx


def truncate_text(rng, s, k):
    n = len(s)
    for _ in range(50):
        cut = int(n * rng.uniform(0.35, 0.8))
        t = s[:cut]
        if k == 1:
            t = t.rsplit(" ", 1)[0] if " " in t else t
        t = t.rstrip(" ，,、；;：:")
        if t and t[-1] not in '。！？.!?）)"”」>' and len(t) >= 6:
            return t
    return s[: max(6, n // 2)].rstrip("。！？.!? ") + ("的" if k == 0 else " the")


def render_step(p, st, d, rng_d):
    """Return list of messages for an assistant step.  d: defect dict for this turn or None."""
    s = p["style"]
    k = p["k"]
    reply = st["reply"]
    dk = d["kind"] if d else None
    if dk == "truncated_reply":
        reply = d["text"]
    if dk == "empty_reply" and not (s == "native" and st["tool"]):
        return [{"role": "assistant", "content": d["ws"]}]
    if dk == "missing_react" and s != "native":
        return [{"role": "assistant", "content": reply}]
    drop = d.get("which") if dk == "missing_react_step" else None
    dc = d if dk == "action_double_colon" else None
    act_text = st["act"]
    if dc and dc["variant"] == "inner":
        act_text = ("询问用户：" if k == 0 else "ask the user: ") + st["reply"]
    if s == "zh_colon":
        T, A, O, R = p["labels"]
        sep = p["sep"]
        asep = sep
        if dc and dc["variant"] != "inner":
            asep = dc["colon"]
        lines = []
        if drop != "thought":
            lines.append(T + sep + st["thought"])
        if drop != "action":
            lines.append(A + asep + act_text)
        if O:
            lines.append(O + sep + st["obs"])
        lines.append(R + sep + reply)
        return [{"role": "assistant", "content": "\n".join(lines)}]
    if s == "bracket":
        T, A, O, R = p["labels"]
        j = "\n" if p["nl"] else ""
        segs = []
        if drop != "thought":
            segs.append("【%s】%s%s" % (T, j, st["thought"]))
        if drop != "action":
            segs.append("【%s】%s%s" % (A, j, act_text))
        segs.append("【%s】%s%s" % (O, j, st["obs"]))
        segs.append("【%s】%s%s" % (R, j, reply))
        return [{"role": "assistant", "content": "\n".join(segs)}]
    if s == "seedlike":
        T, A, O = p["labels"]
        asep = "："
        if dc and dc["variant"] != "inner":
            asep = dc["colon"]
        inner = []
        if drop != "thought":
            inner.append(T + "：" + st["thought"])
        if drop != "action":
            inner.append(A + asep + act_text)
        inner.append(O + "：" + st["obs"])
        return [{"role": "assistant", "content": "<" + "\n".join(inner) + ">\n" + p["div"] + "\n" + reply}]
    if s == "en_react":
        ai = json.dumps(st["tool"][1], ensure_ascii=False) if st["tool"] else act_text
        lines = []
        if drop != "thought":
            lines.append("Thought: " + st["thought"])
        if drop != "action":
            asep = dc["colon"] if (dc and dc["variant"] != "inner") else ": "
            lines.append("Action" + asep + st["act_name"])
            lines.append("Action Input: " + ai)
        lines.append("Observation: " + st["obs"])
        lines.append("Final Answer: " + reply)
        return [{"role": "assistant", "content": "\n".join(lines)}]
    if s == "json":
        kt, ka, kai, ko, kr = p["keys"]
        obj = {}
        if drop != "thought":
            obj[kt] = st["thought"]
        if drop != "action":
            obj[ka] = st["act_name"] if kai else act_text
            if kai:
                obj[kai] = st["tool"][1] if st["tool"] else act_text
        obj[ko] = st["obs"]
        obj[kr] = reply
        txt = json.dumps(obj, ensure_ascii=False, indent=p["indent"])
        if p["fence"]:
            txt = "```json\n" + txt + "\n```"
        return [{"role": "assistant", "content": txt}]
    if s == "xml":
        t1, t2, t3, t4 = p["tags"]
        segs = []
        if drop != "thought":
            segs.append("<%s>%s</%s>" % (t1, st["thought"], t1))
        if drop != "action":
            segs.append("<%s>%s</%s>" % (t2, act_text, t2))
        segs.append("<%s>%s</%s>" % (t3, st["obs"], t3))
        segs.append("<%s>%s</%s>" % (t4, reply, t4))
        return [{"role": "assistant", "content": "\n".join(segs)}]
    if s == "plain":
        return [{"role": "assistant", "content": reply}]
    if s == "native":
        T, R = p["labels"]
        sep = p["sep"]
        if st["tool"]:
            name, args, res = st["tool"]
            cid = p["call_ids"][p["_cid"]]
            p["_cid"] += 1
            c1 = None if drop == "thought" else T + sep + st["thought"]
            m1 = {
                "role": "assistant",
                "content": c1,
                "tool_calls": [
                    {
                        "id": cid,
                        "type": "function",
                        "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)},
                    }
                ],
            }
            m2 = {"role": "tool", "tool_call_id": cid, "content": json.dumps(res, ensure_ascii=False)}
            if p["tool_name_field"]:
                m2["name"] = name
            post = st.get("post") or (
                "工具调用成功，需要把结果告知用户。"
                if k == 0
                else "The tool call succeeded; tell the user the result."
            )
            if dk == "empty_reply":
                m3 = {"role": "assistant", "content": d["ws"]}
            elif dk == "missing_react":
                m3 = {"role": "assistant", "content": reply}
            else:
                m3 = {"role": "assistant", "content": T + sep + post + "\n" + R + sep + reply}
            return [m1, m2, m3]
        if dk == "missing_react":
            return [{"role": "assistant", "content": reply}]
        return [{"role": "assistant", "content": T + sep + st["thought"] + "\n" + R + sep + reply}]
    raise ValueError(s)


def kb_for_topic(p, ti, perturb=None):
    scn = p["topics"][ti]
    opts = dict(p["kbopts"])
    opts["extras"] = p["extras"][ti]
    return render_kb(scn, p["k"], p["e"], p["kbstyle"], opts, perturb)


def render(p, defect=None):
    """Return (messages, tools, info)."""
    p["_cid"] = 0
    k = p["k"]
    kb_perturb = defect["perturb"] if defect and defect["kind"] == "kb_numbering" else None
    kb_ptopic = defect["topic"] if kb_perturb else None
    used_perturb = [False]
    info = {"user": {}, "asst": {}, "kbmsg": {}}

    def kb_text(ti):
        if kb_perturb and ti == kb_ptopic and not used_perturb[0]:
            used_perturb[0] = True
            t, desc = kb_for_topic(p, ti, kb_perturb)
            info["kb_desc"] = desc
            return t
        return kb_for_topic(p, ti)[0]

    def doc2_text(ti):
        opts = {
            "title": p["kbopts"]["title"],
            "indent": p["kbopts"]["indent"],
            "exhead": p["kbopts"]["exhead"],
            "extras": [],
        }
        return render_kb(p["distractor"], k, p["e"], p["kbstyle"], opts)[0]

    msgs = []
    sys_kb = []
    if p["ret"] == "system":
        for ti in range(len(p["topics"])):
            info["kbmsg"][ti] = 0
            sys_kb.append(kb_text(ti))
    msgs.append({"role": "system", "content": system_prompt(p, sys_kb)})
    seen_topic = set()
    for t, turn in enumerate(p["turns"]):
        ti = turn["topic"]
        ctx = None
        new_topic = ti is not None and ti not in seen_topic
        if ti is not None:
            seen_topic.add(ti)
        if p["ret"] in ("every", "first") and not (
            defect and defect["kind"] == "missing_retrieval" and defect["turn"] == t
        ):
            if p["ret"] == "every" and turn["kind"] != "greet":
                if new_topic or p["full_repeat"]:
                    if new_topic:
                        info["kbmsg"][ti] = len(msgs)
                    ctx = wrap_kb(
                        p, kb_text(ti), doc2_text(ti) if p["wrapper"] in ("refs", "refs_en") else None
                    )
                else:
                    ctx = wrap_kb(p, None, marker=True)
            elif p["ret"] == "first" and new_topic:
                info["kbmsg"][ti] = len(msgs)
                ctx = wrap_kb(p, kb_text(ti), doc2_text(ti) if p["wrapper"] in ("refs", "refs_en") else None)
        info["user"][t] = len(msgs)
        msgs.append({"role": "user", "content": compose_user(p, turn["user"], ctx)})
        if p["ret"] == "tool" and new_topic:
            cid = p["call_ids"][p["_cid"]]
            p["_cid"] += 1
            T = p["labels"][0]
            th = (
                ("用户咨询%s，需要先检索知识库。" % part(p["topics"][ti]["topic"], 0))
                if k == 0
                else (
                    "The user asks about %s; search the knowledge base first."
                    % part(p["topics"][ti]["topic"], 1)
                )
            )
            q = part(p["topics"][ti]["title"], k)
            msgs.append(
                {
                    "role": "assistant",
                    "content": T + p["sep"] + th,
                    "tool_calls": [
                        {
                            "id": cid,
                            "type": "function",
                            "function": {
                                "name": "search_kb",
                                "arguments": json.dumps({"query": q}, ensure_ascii=False),
                            },
                        }
                    ],
                }
            )
            info["kbmsg"][ti] = len(msgs)
            kt = kb_text(ti)
            tm = {
                "role": "tool",
                "tool_call_id": cid,
                "content": json.dumps({"results": [{"title": q, "content": kt}]}, ensure_ascii=False)
                if p["toolres_json"]
                else kt,
            }
            if p["tool_name_field"]:
                tm["name"] = "search_kb"
            msgs.append(tm)
        d = (
            defect
            if (
                defect
                and defect.get("turn") == t
                and defect["kind"]
                in (
                    "missing_react",
                    "missing_react_step",
                    "action_double_colon",
                    "truncated_reply",
                    "empty_reply",
                )
            )
            else None
        )
        start = len(msgs)
        msgs.extend(render_step(p, turn["step"], d, None))
        info["asst"][t] = list(range(start, len(msgs)))
    tools = tools_schema(p) if p["style"] == "native" and p["tools_field"] else None
    if p["lang"] == "tw":
        msgs = tw_obj(msgs)
        tools = tw_obj(tools)
    return msgs, tools, info


def record_obj(p, msgs, tools):
    rid = "%s-%s-%06d" % (p["domain"], p["lang"], p["idx"])
    meta = {
        "domain": p["domain"],
        "lang": {"zh": "zh-CN", "tw": "zh-TW", "en": "en"}[p["lang"]],
        "source": "cs-react-v%d" % (1 + p["sys_var"]),
    }
    m = p["meta"]
    o = {}
    if m in ("id", "idmeta"):
        o["id"] = rid
    o["messages"] = msgs
    if tools:
        o["tools"] = tools
    if m in ("idmeta", "meta"):
        o["meta"] = meta
    return o


def dumps(p, o):
    return json.dumps(o, ensure_ascii=p["ensure_ascii"])


# ---------------------------------------------------------------------------
# Defect planting
# ---------------------------------------------------------------------------
KINDS = [
    "missing_react",
    "missing_react_step",
    "action_double_colon",
    "kb_numbering",
    "missing_retrieval",
    "typo",
    "truncated_reply",
    "exact_duplicate",
    "near_duplicate",
    "empty_reply",
    "wrong_role_order",
]
# clear homophone / near-form misspellings (correct -> wrong); applied to Simplified Chinese text only
TYPOS = [
    ("再次", "在次"),
    ("即使", "既使"),
    ("已经", "以经"),
    ("安装", "按装"),
    ("附件", "付件"),
    ("处理", "处里"),
    ("稍等", "梢等"),
    ("申请", "申清"),
    ("工作日", "工做日"),
    ("密码", "蜜码"),
    ("验证码", "验正码"),
    ("即可", "既可"),
    ("以后", "已后"),
    ("建议", "建意"),
    ("理赔", "理陪"),
    ("材料", "才料"),
    ("发票", "发漂"),
    ("报销", "报消"),
    ("套餐", "套参"),
    ("办理", "半理"),
    ("请您", "情您"),
    ("咨询", "资询"),
    ("详细", "祥细"),
    ("耐心", "耐新"),
    ("包装", "包妆"),
    ("确认", "却认"),
    ("签收", "签受"),
    ("挂失", "挂矢"),
]
TEXT_STYLES = ("zh_colon", "bracket", "seedlike", "en_react", "json", "xml")


def structural_defect(kind, p, rng):
    """Return a defect spec for render(), or None if the record is not eligible."""
    s = p["style"]
    turns = p["turns"]
    T = list(range(len(turns)))
    if kind == "missing_react":
        if s in TEXT_STYLES:
            c = T
        elif s == "native":
            c = [t for t in T if not turns[t]["step"]["tool"]]
        else:
            return None
        if not c:
            return None
        t = rng.choice(c)
        return {"kind": kind, "turn": t, "detail": "assistant turn %d has no ReAct steps, only the reply" % t}
    if kind == "missing_react_step":
        if s in TEXT_STYLES:
            t = rng.choice(T)
            which = rng.choice(["thought", "action"])
        elif s == "native":
            c = [t for t in T if turns[t]["step"]["tool"]]
            if not c:
                return None
            t = rng.choice(c)
            which = "thought"
        else:
            return None
        return {"kind": kind, "turn": t, "which": which, "detail": "%s step removed" % which}
    if kind == "action_double_colon":
        if s not in ("zh_colon", "seedlike", "en_react"):
            return None
        if s == "zh_colon" and p["labels"][1] == "Action" and False:
            return None
        t = rng.choice(T)
        inner_ok = (
            p["k"] == 0 and s in ("zh_colon", "seedlike") and turns[t]["step"]["act_name"] == "ask_user"
        )
        if inner_ok and rng.random() < 0.25:
            return {
                "kind": kind,
                "turn": t,
                "variant": "inner",
                "detail": "action line contains a second colon (询问用户：<question>)",
            }
        if s == "en_react":
            colon = ":: "
        elif s == "seedlike":
            colon = rng.choice(["：：", "：："])
        else:
            colon = rng.choice(["：：", "：:"]) if p["sep"] == "：" else ":: "
        return {
            "kind": kind,
            "turn": t,
            "variant": "double",
            "colon": colon,
            "detail": "double colon after action label (%s)" % colon.strip(),
        }
    if kind == "kb_numbering":
        tis = list(range(len(p["topics"])))
        rng.shuffle(tis)
        for ti in tis:
            c = perturb_candidates(p["topics"][ti], p["kbstyle"])
            if c:
                pert = rng.choice(c)
                return {"kind": kind, "topic": ti, "perturb": pert, "detail": ""}
        return None
    if kind == "missing_retrieval":
        if p["ret"] == "every":
            c = [t for t in T if turns[t]["kind"] != "greet"]
        elif p["ret"] == "first":
            c = [t for t in T if turns[t]["kind"] == "open"]
        else:
            return None
        t = rng.choice(c)
        return {"kind": kind, "turn": t, "detail": ""}
    if kind == "truncated_reply":
        t = rng.choice(T) if rng.random() < 0.5 else T[-1]
        return {
            "kind": kind,
            "turn": t,
            "text": truncate_text(rng, turns[t]["step"]["reply"], p["k"]),
            "detail": "",
        }
    if kind == "empty_reply":
        t = rng.choice(T)
        return {"kind": kind, "turn": t, "ws": rng.choice(["", " ", "\n", "  \n ", "\t"]), "detail": ""}
    return None


def plant_typo(msgs, rng):
    cands = []
    for i, m in enumerate(msgs):
        if m["role"] not in ("user", "assistant") or not isinstance(m.get("content"), str):
            continue
        for right, wrong in TYPOS:
            for mm in re.finditer(re.escape(right), m["content"]):
                w = 3 if m["role"] == "assistant" else 1
                cands.append((w, i, mm.start(), right, wrong))
    if not cands:
        return None
    w, i, pos, right, wrong = rng.choices(cands, [c[0] for c in cands])[0]
    c = msgs[i]["content"]
    msgs[i]["content"] = c[:pos] + wrong + c[pos + len(right) :]
    return "message %d (%s): '%s' misspelled as '%s'" % (i, msgs[i]["role"], right, wrong)


def has_tc(m):
    return bool(m.get("tool_calls"))


def plant_role_order(msgs, info, rng):
    kbm = set(info["kbmsg"].values())
    opts = []
    for i in range(2, len(msgs) - 1):
        m = msgs[i]
        if (
            m["role"] == "assistant"
            and not has_tc(m)
            and msgs[i - 1]["role"] == "user"
            and msgs[i + 1]["role"] == "user"
        ):
            opts.append(("double_user", i))
        if (
            m["role"] == "user"
            and i not in kbm
            and msgs[i - 1]["role"] == "assistant"
            and not has_tc(msgs[i - 1])
            and msgs[i + 1]["role"] == "assistant"
        ):
            opts.append(("double_assistant", i))
    if msgs[1]["role"] == "user" and len(msgs) > 2 and msgs[2]["role"] == "assistant" and not has_tc(msgs[2]):
        opts.append(("assistant_first", 1))
    if not opts:
        return None
    v, i = rng.choice(opts)
    if v == "double_user":
        del msgs[i]
        return "assistant reply removed: messages %d and %d are consecutive user messages" % (i - 1, i)
    if v == "double_assistant":
        del msgs[i]
        return "user message removed: messages %d and %d are consecutive assistant messages" % (i - 1, i)
    msgs[1], msgs[2] = msgs[2], msgs[1]
    return "assistant message at index 1 comes before any user message (turn order swapped)"


def near_dup(obj, rng, new_id):
    o = copy.deepcopy(obj)
    msgs = o["messages"]
    if "id" in o:
        o["id"] = new_id
    cands = [
        i
        for i, m in enumerate(msgs)
        if m["role"] in ("assistant", "user")
        and isinstance(m.get("content"), str)
        and re.search(r"\d", m["content"])
    ]
    changed = 0
    if cands:
        asst = [i for i in cands if msgs[i]["role"] == "assistant"]
        i = rng.choice(asst or cands)
        c = list(msgs[i]["content"])
        pos = [j for j, ch in enumerate(c) if ch.isdigit()]
        for j in rng.sample(pos, min(len(pos), rng.randint(1, 3))):
            c[j] = rng.choice([d for d in "0123456789" if d != c[j]])
            changed += 1
        msgs[i]["content"] = "".join(c)
    else:
        ia = [
            i
            for i, m in enumerate(msgs)
            if m["role"] == "assistant"
            and isinstance(m.get("content"), str)
            and m["content"].rstrip()[-1:] in "。.？?"
        ]
        i = rng.choice(ia)
        c = msgs[i]["content"].rstrip()
        msgs[i]["content"] = c[:-1] + {"。": "！", ".": "!", "？": "?", "?": "？"}[c[-1]]
        changed = 1
    return o, "message %d: %d character(s) changed" % (i, changed)


def quick_eligible(kind, p, clean_src):
    s = p["style"]
    if kind in ("exact_duplicate", "near_duplicate"):
        return bool(clean_src)
    if kind == "typo":
        return p["lang"] == "zh"
    if kind == "action_double_colon":
        return s in ("zh_colon", "seedlike", "en_react")
    if kind == "missing_react":
        return s != "plain"
    if kind == "missing_react_step":
        return s in TEXT_STYLES or (s == "native" and any(t["step"]["tool"] for t in p["turns"]))
    if kind == "missing_retrieval":
        return p["ret"] in ("every", "first")
    return True


def build(p, defect):
    msgs, tools, info = render(p, defect)
    return record_obj(p, msgs, tools), info


def main():
    import sys

    if "--score" in sys.argv:
        from seed_kind_score import score

        return score(sys.argv[sys.argv.index("--score") + 1])
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--plant", type=float, default=0.0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth", default=None)
    a = ap.parse_args()
    prng = random.Random("plant-%d-%d" % (a.seed, a.n))
    n_plant = int(round(a.n * a.plant))
    planted_idx = sorted(prng.sample(range(1, a.n), min(n_plant, a.n - 1))) if n_plant else []
    kinds = [KINDS[j % len(KINDS)] for j in range(len(planted_idx))]
    prng.shuffle(kinds)
    assign = dict(zip(planted_idx, kinds))
    target = {x: len(planted_idx) / len(KINDS) for x in KINDS}
    counts = collections.Counter()
    lines, objs, truth = [], [], []
    clean_src = []  # indices of unplanted records usable as duplicate sources
    for i in range(a.n):
        rng = random.Random("rec-%d-%d" % (a.seed, i))
        p = plan_record(rng, i)
        kind = assign.get(i)
        if kind is None:
            o, _ = build(p, None)
            lines.append(dumps(p, o))
            objs.append((p, o))
            clean_src.append(i)
            continue
        drng = random.Random("def-%d-%d" % (a.seed, i))
        elig = [x for x in KINDS if quick_eligible(x, p, clean_src)]
        drng.shuffle(elig)
        kind = max(elig, key=lambda x: target[x] - counts[x])
        counts[kind] += 1
        order = [kind] + [x for x in elig if x != kind]
        done = False
        for kd in order:
            if kd in ("exact_duplicate", "near_duplicate"):
                if not clean_src:
                    continue
                j = drng.choice(clean_src[-400:])
                if kd == "exact_duplicate":
                    lines.append(lines[j])
                    objs.append(objs[j])
                    truth.append({"index": i, "kind": kd, "detail": "byte-identical copy of record %d" % j})
                else:
                    pj, oj = objs[j]
                    o, det = near_dup(oj, drng, "%s-%s-%06d" % (pj["domain"], pj["lang"], i))
                    lines.append(dumps(pj, o))
                    objs.append((pj, o))
                    truth.append({"index": i, "kind": kd, "detail": "near copy of record %d; %s" % (j, det)})
                done = True
            elif kd == "typo":
                if p["lang"] != "zh":
                    continue
                o, info = build(p, None)
                det = plant_typo(o["messages"], drng)
                if not det:
                    continue
                lines.append(dumps(p, o))
                objs.append((p, o))
                truth.append({"index": i, "kind": kd, "detail": det})
                done = True
            elif kd == "wrong_role_order":
                o, info = build(p, None)
                det = plant_role_order(o["messages"], info, drng)
                if not det:
                    continue
                lines.append(dumps(p, o))
                objs.append((p, o))
                truth.append({"index": i, "kind": kd, "detail": det})
                done = True
            else:
                d = structural_defect(kd, p, drng)
                if not d:
                    continue
                o, info = build(p, d)
                if kd == "kb_numbering":
                    det = "KB in message %d: %s" % (info["kbmsg"][d["topic"]], info.get("kb_desc"))
                elif kd == "missing_retrieval":
                    det = "user message %d carries no retrieval context (convention: %s)" % (
                        info["user"][d["turn"]],
                        p["ret"],
                    )
                else:
                    am = info["asst"][d["turn"]]
                    mi = am[-1] if kd in ("truncated_reply", "empty_reply", "missing_react") else am[0]
                    det = "message %d: %s" % (mi, d["detail"] or kd.replace("_", " "))
                lines.append(dumps(p, o))
                objs.append((p, o))
                truth.append({"index": i, "kind": kd, "detail": det})
                done = True
            if done:
                break
        if not done:
            raise RuntimeError("could not plant in record %d" % i)
    with open(a.out, "w", encoding="utf-8") as f:
        for ln in lines:
            f.write(ln + "\n")
    if n_plant:
        tp = a.truth or re.sub(r"\.jsonl$", "", a.out) + ".truth.jsonl"
        with open(tp, "w", encoding="utf-8") as f:
            for t in truth:
                f.write(json.dumps(t, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
