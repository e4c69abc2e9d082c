"""A seed-kind corpus written independently of ``bench/corpus.py``: Chinese ReAct + RAG SFT records.

    python bench/seed_kind_corpus.py --records 5000 --out bench/out/seedkind-clean.jsonl
    python bench/seed_kind_corpus.py --records 5000 --plant 0.3 --out bench/out/seedkind-planted.jsonl
    python bench/seed_kind_corpus.py --score bench/out/seedkind-planted.jsonl   # recall/precision table

The records are what another engineer would write after reading the seed article
(``shared/seed/000_93ea3973b544fb77.txt``): customer-service conversations in several domains
(e-commerce after-sales, banking, telecom, government services, hospital triage), each grounded in
a knowledge-base decision tree that every user turn carries, with a ReAct trace in every assistant
turn.  The file is in one input format (``--format``: OpenAI ``messages``, or ShareGPT
``conversations`` with a ``system`` field), as a trainer reads one format per file.  Per record
it picks, at random:

- the ReAct layout, which its system prompt describes: the seed's block
  ``< 思考：… 动作：… 观察：… > --- 回复`` (with 动作 or 行动, with or without 动作输入), a line layout
  ``想法：/行动：/观察：/回答：``, or English labels ``Thought:/Action:/Observation:/Final Answer:`` in a
  Chinese dataset;
- how the retrieved text is attached to the user turn: ``Knowledge Base Result:``, ``知识库结果：``,
  a ``【参考资料】`` header, or ``已知信息：``;
- the knowledge base's numbering: ``1.`` / ``2.1`` / ``2.2.1``, ``一、`` / ``（一）`` / ``1.``, or
  ``1、`` / ``（1）`` / ``①``;
- the path through the tree (1 to 4 exchanges, sometimes a closing thanks), the user's wording,
  order numbers, amounts and dates.

``--plant RATE`` plants one known defect in that share of the records and writes a truth file
(``<out>.truth.jsonl``: line, kind, pointer, the codes that should report it).  The kinds are those
the seed article names: a turn without its ReAct trace or without one of its steps, a second colon
in the action line, broken knowledge-base numbering (gap, orphan, repeat, mixed style), a user turn
without its retrieval context, a 错别字, a truncated reply, and duplicate or near-duplicate records.

``--score FILE`` lints FILE with the default rules (through ``sftlint.lint``) and prints, per kind,
how many planted defects a finding of an expected code caught, and the precision of the findings
(warnings and errors; a finding on a line with no planted defect is a false alarm).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

# --------------------------------------------------------------------------------------------
# Knowledge: one decision tree per scenario.  A node asks the user something (``q``: what to
# confirm, written to follow 用户 / 询问用户; ``ask``: the question as the reply puts it) and
# branches on the answer; a leaf does something (``do``: the action, ``say``: the reply).
# ``if``: the condition of a branch as the knowledge base writes it; ``ans``: what users say.
# --------------------------------------------------------------------------------------------


def N(q, ask, *kids):
    return {"q": q, "ask": ask, "kids": list(kids)}


def B(cond, ans, then):
    return {"if": cond, "ans": ans, "then": then}


def L(do, say):
    return {"do": do, "say": say}


SCENARIOS = {
    "电商售后": [
        {
            "title": "用户反馈退款一直没有到账，如何处理？",
            "asks": [
                "我申请的退款怎么还没到账？",
                "退款{days}天了还没收到钱",
                "订单{order}退款一直没到，怎么回事",
                "你好，我的退款到现在都没到账",
            ],
            "tree": N(
                "当时使用的支付方式",
                "请问您这笔订单当时是用余额支付的，还是银行卡支付的呢？",
                B(
                    "用户使用余额支付",
                    ["余额", "用的余额", "余额付的"],
                    L(
                        "告诉用户余额支付的退款即时到账，请用户在“我的-余额-明细”中查看",
                        "余额支付的订单退款是即时退回的，您可以在“我的-余额-明细”里查看这笔退款记录。",
                    ),
                ),
                B(
                    "用户使用银行卡支付",
                    ["银行卡", "用的银行卡", "信用卡付的"],
                    N(
                        "的退款申请是否已经审核通过",
                        "麻烦您看一下订单详情，退款申请显示“审核通过”了吗？",
                        B(
                            "退款申请还在审核中",
                            ["还在审核", "显示审核中", "没有，还在等审核"],
                            L(
                                "告诉用户审核会在1到2个工作日内完成",
                                "您的退款申请还在审核中，审核一般会在1到2个工作日内完成，请您耐心等待。",
                            ),
                        ),
                        B(
                            "退款申请已经审核通过",
                            ["通过了", "显示审核通过", "已经通过了"],
                            N(
                                "审核通过后是否已超过7个工作日",
                                "请问审核通过到现在超过7个工作日了吗？",
                                B(
                                    "未超过7个工作日",
                                    ["还没有", "才{days}天", "没超过"],
                                    L(
                                        "告诉用户银行处理需要3到7个工作日，请用户耐心等待",
                                        "银行卡退款需要银行处理，一般3到7个工作日到账，请您再耐心等待几天。",
                                    ),
                                ),
                                B(
                                    "已超过7个工作日",
                                    ["超过了", "都{days2}天了", "早就超过了"],
                                    L(
                                        "为用户转接人工客服核实退款进度",
                                        "非常抱歉让您久等了，我这就为您转接人工客服，帮您核实退款进度。",
                                    ),
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        },
        {
            "title": "用户收到的商品有质量问题，如何处理？",
            "asks": [
                "买的{goods}坏了，怎么办？",
                "收到的{goods}有质量问题",
                "你好，{goods}用了两天就出毛病了",
                "我收到的东西是坏的",
            ],
            "tree": N(
                "是否在签收后7天内",
                "请问您是在7天内签收的这件商品吗？",
                B(
                    "用户在签收后7天内",
                    ["是的", "前天刚收到", "在7天内"],
                    L(
                        "告诉用户可以申请7天无理由退换货，运费由商家承担",
                        "签收7天内出现质量问题，您可以直接在订单页申请退换货，来回运费都由商家承担。",
                    ),
                ),
                B(
                    "用户已签收超过7天",
                    ["超过了", "收到有半个月了", "不是，一个月前买的"],
                    N(
                        "的商品是否仍在保修期内",
                        "这件商品目前还在保修期内吗？保修期可以在订单详情的“服务”一栏看到。",
                        B(
                            "商品在保修期内",
                            ["在保修期内", "还在保修", "在"],
                            L(
                                "告诉用户可以在订单页申请保修，寄回商家检测维修",
                                "在保修期内的话，您可以在订单页点击“申请售后-保修”，把商品寄回商家检测维修。",
                            ),
                        ),
                        B(
                            "商品已过保修期",
                            ["过保了", "已经过了", "不在了"],
                            L(
                                "告诉用户可以联系品牌售后付费维修，并提供品牌售后电话",
                                "商品已经过了保修期，建议您联系品牌官方售后进行付费维修，售后电话可以在商品详情页底部找到。",
                            ),
                        ),
                    ),
                ),
            ),
        },
        {
            "title": "用户的优惠券无法使用，如何处理？",
            "asks": ["优惠券怎么用不了？", "下单的时候{coupon}元的券不能用", "为什么领的优惠券用不上"],
            "tree": N(
                "的订单金额是否达到优惠券的使用门槛",
                "请问您这笔订单的金额达到优惠券的使用门槛了吗？",
                B(
                    "订单金额未达到门槛",
                    ["没有", "差一点", "还差{coupon}块"],
                    L(
                        "告诉用户需要凑够门槛金额才能使用优惠券",
                        "这张优惠券需要订单金额满足门槛才能使用，您可以再添加一些商品凑够金额。",
                    ),
                ),
                B(
                    "订单金额已达到门槛",
                    ["达到了", "早就够了", "满了"],
                    N(
                        "的优惠券是否在有效期内",
                        "麻烦您在“我的-优惠券”里看一下，这张券还在有效期内吗？",
                        B(
                            "优惠券已过期",
                            ["过期了", "昨天就过期了", "好像过期了"],
                            L(
                                "告诉用户过期的优惠券无法恢复，并推荐当前可领取的优惠活动",
                                "很遗憾，过期的优惠券无法恢复使用。您可以关注首页的领券中心，近期还有新的优惠活动。",
                            ),
                        ),
                        B(
                            "优惠券在有效期内",
                            ["没过期", "还有{days}天", "在有效期内"],
                            L(
                                "为用户转接人工客服排查",
                                "优惠券在有效期内却无法使用，可能是商品不在适用范围，我为您转接人工客服进一步排查。",
                            ),
                        ),
                    ),
                ),
            ),
        },
    ],
    "银行": [
        {
            "title": "用户的银行卡被冻结，如何处理？",
            "asks": [
                "我的卡怎么被冻结了？",
                "尾号{tail}的银行卡用不了了，提示冻结",
                "你好，卡被冻结了怎么解冻",
            ],
            "tree": N(
                "是否收到过冻结原因的短信通知",
                "请问您是否收到过我行发送的冻结原因短信通知？",
                B(
                    "用户收到了司法冻结的通知",
                    ["收到了，说是司法冻结", "短信说是司法冻结"],
                    L(
                        "告诉用户司法冻结需要联系冻结机关处理，银行无法直接解冻",
                        "司法冻结需要由冻结机关出具解冻手续，我行无法直接为您解冻，建议您联系短信中写明的冻结机关。",
                    ),
                ),
                B(
                    "用户收到了风险管控的通知或没有收到通知",
                    ["没收到", "说是风险管控", "没有短信"],
                    N(
                        "能否携带本人身份证到网点办理",
                        "请问您方便携带本人身份证到我行任一网点办理解冻吗？",
                        B(
                            "用户可以到网点办理",
                            ["可以", "方便", "明天可以去"],
                            L(
                                "告诉用户携带身份证和银行卡到网点柜台办理，工作日营业时间为9:00-17:00",
                                "您可以携带本人身份证和银行卡到任一网点柜台办理解冻，网点工作日营业时间为9:00-17:00。",
                            ),
                        ),
                        B(
                            "用户无法到网点办理",
                            ["去不了", "人在外地", "不方便"],
                            L(
                                "告诉用户可以在手机银行提交解冻申请，上传身份证照片后等待审核",
                                "您也可以在手机银行“安全中心-账户解冻”提交申请，上传身份证照片后，1个工作日内会有审核结果。",
                            ),
                        ),
                    ),
                ),
            ),
        },
        {
            "title": "用户信用卡还款后额度没有恢复，如何处理？",
            "asks": [
                "信用卡还款了额度怎么没恢复？",
                "我还了{amount}元，额度还是没变",
                "还完款额度不恢复是什么情况",
            ],
            "tree": N(
                "的还款方式",
                "请问您是通过什么方式还款的？比如本行储蓄卡、他行转账或者第三方支付。",
                B(
                    "用户使用本行储蓄卡还款",
                    ["本行储蓄卡", "用你们行的卡还的", "自动还款"],
                    L(
                        "告诉用户本行还款实时到账，请用户刷新后查看，仍未恢复可重启手机银行",
                        "本行储蓄卡还款是实时入账的，您可以刷新一下额度页面，如果还没恢复，可以退出手机银行后重新登录查看。",
                    ),
                ),
                B(
                    "用户使用他行转账或第三方支付还款",
                    ["他行转账", "用支付宝还的", "微信还的"],
                    N(
                        "还款是否已超过2个工作日",
                        "请问您还款到现在超过2个工作日了吗？",
                        B(
                            "未超过2个工作日",
                            ["没有", "今天刚还的", "昨天还的"],
                            L(
                                "告诉用户他行或第三方还款需要1到2个工作日入账",
                                "他行转账和第三方支付还款一般需要1到2个工作日入账，入账后额度会自动恢复，请您耐心等待。",
                            ),
                        ),
                        B(
                            "已超过2个工作日",
                            ["超过了", "已经{days2}天了", "都一周了"],
                            L(
                                "为用户登记还款核查工单，并告知1个工作日内回电",
                                "已经为您登记了还款核查，工作人员会在1个工作日内给您回电，请保持电话畅通。",
                            ),
                        ),
                    ),
                ),
            ),
        },
    ],
    "通信运营商": [
        {
            "title": "用户反馈手机没有信号，如何处理？",
            "asks": ["手机突然没信号了", "我的号码{phone}打不了电话", "为什么手机一直显示无服务"],
            "tree": N(
                "的号码是否欠费停机",
                "请问您的号码最近有没有欠费停机的提醒？",
                B(
                    "号码欠费停机",
                    ["欠费了", "收到停机短信了", "好像欠费了"],
                    L(
                        "告诉用户缴清欠费后会在30分钟内自动复机",
                        "您的号码欠费后会暂停服务，缴清欠费后30分钟内会自动恢复，您可以通过营业厅App或微信缴费。",
                    ),
                ),
                B(
                    "号码没有欠费",
                    ["没欠费", "余额还有{amount}", "没有提醒"],
                    N(
                        "所在位置的其他手机是否也没有信号",
                        "请问您身边其他人的手机在同一个地方有信号吗？",
                        B(
                            "其他手机也没有信号",
                            ["也没有", "大家都没信号", "都没有"],
                            L(
                                "为用户提交基站故障报修，并告知24小时内处理",
                                "可能是您所在区域的基站出现故障，已为您提交报修，我们会在24小时内处理。",
                            ),
                        ),
                        B(
                            "其他手机信号正常",
                            ["他们有", "别人正常", "就我没有"],
                            L(
                                "建议用户重启手机或重新插拔SIM卡，仍无法恢复可到营业厅补换卡",
                                "建议您先重启手机，或者关机后重新插拔一下SIM卡；如果还是没有信号，可以携带身份证到营业厅免费补换卡。",
                            ),
                        ),
                    ),
                ),
            ),
        },
        {
            "title": "用户对话费账单有疑问，如何处理？",
            "asks": ["这个月话费怎么这么多？", "话费比平时多扣了{amount}元", "我想查一下本月账单，多扣钱了"],
            "tree": N(
                "的账单中多出的费用属于哪一类",
                "您可以在营业厅App的“账单详情”里看一下，多出来的费用是流量费、增值业务费还是通话费？",
                B(
                    "多出的是流量费",
                    ["流量费", "流量超了", "是流量"],
                    L(
                        "告诉用户套餐外流量按量计费，并推荐办理流量加油包",
                        "多出的费用是套餐外流量产生的，建议您根据使用情况办理流量加油包，会比按量计费划算很多。",
                    ),
                ),
                B(
                    "多出的是增值业务费",
                    ["增值业务", "有个会员费", "不知道是什么业务"],
                    N(
                        "是否主动订购过该增值业务",
                        "请问这项增值业务是您本人主动订购的吗？",
                        B(
                            "用户主动订购过",
                            ["订过", "是我开的", "好像是我开的"],
                            L(
                                "告诉用户可以发送短信“0000”查询并退订",
                                "您可以发送短信“0000”到客服号码查询已订购的业务，并按提示回复退订。",
                            ),
                        ),
                        B(
                            "用户没有订购过",
                            ["没订过", "我没开过", "从来没有"],
                            L(
                                "为用户登记退费申请，3个工作日内核实后退还费用",
                                "已为您登记了退费申请，我们会在3个工作日内核实，核实后费用将退还到您的话费账户。",
                            ),
                        ),
                    ),
                ),
            ),
        },
    ],
    "政务服务": [
        {
            "title": "市民咨询如何办理居住证，如何答复？",
            "asks": ["居住证怎么办理？", "我想办个居住证，需要什么材料", "外地人在这边办居住证要什么手续"],
            "tree": N(
                "在本市居住是否已满半年",
                "请问您在本市居住满半年了吗？",
                B(
                    "居住未满半年",
                    ["没有", "才来{months}个月", "还不到半年"],
                    L(
                        "告诉用户居住满半年后才能申领居住证，可先办理居住登记",
                        "申领居住证需要在本市居住满半年，您可以先到社区办理居住登记，满半年后再申领。",
                    ),
                ),
                B(
                    "居住已满半年",
                    ["满了", "来了两年了", "已经一年多了"],
                    N(
                        "是否有合法稳定就业、住所或连续就读证明",
                        "请问您能提供劳动合同、租房合同或者学校的就读证明中的一种吗？",
                        B(
                            "用户能提供证明材料",
                            ["有劳动合同", "有租房合同", "可以"],
                            L(
                                "告诉用户携带身份证、证明材料和照片到派出所或网上办理，15个工作日内发证",
                                "您可以携带身份证、证明材料和一寸照片到居住地派出所办理，也可以在政务服务网上申请，一般15个工作日内发证。",
                            ),
                        ),
                        B(
                            "用户无法提供证明材料",
                            ["没有", "都没有", "房子是朋友的"],
                            L(
                                "告诉用户需要先补齐证明材料，可由房东出具居住证明",
                                "申领需要合法稳定就业、住所或就读中的一项证明，您可以请房东出具居住证明，并附上房产证复印件。",
                            ),
                        ),
                    ),
                ),
            ),
        },
        {
            "title": "市民咨询社保卡丢失如何补办，如何答复？",
            "asks": ["社保卡丢了怎么办？", "医保卡不见了，怎么补", "社保卡丢了能在网上补吗"],
            "tree": N(
                "是否已经办理社保卡挂失",
                "请问您的社保卡已经挂失了吗？",
                B(
                    "用户还没有挂失",
                    ["还没有", "没挂失", "不知道怎么挂失"],
                    L(
                        "告诉用户先拨打12333或在“掌上社保”中挂失",
                        "请您先拨打12333热线或在“掌上社保”App里办理挂失，挂失后医保账户就不会被他人盗用。",
                    ),
                ),
                B(
                    "用户已经挂失",
                    ["挂失了", "已经挂了", "昨天挂的"],
                    N(
                        "是否需要加急领取新卡",
                        "请问您是否着急用卡？需要的话可以选择即时制卡。",
                        B(
                            "用户需要加急",
                            ["急用", "要去看病", "需要"],
                            L(
                                "告诉用户携带身份证到具备即时制卡服务的网点，当场领取新卡",
                                "您可以携带身份证到具备即时制卡服务的社保网点，现场拍照后当场就能领取新卡。",
                            ),
                        ),
                        B(
                            "用户不着急",
                            ["不急", "不着急", "都可以"],
                            L(
                                "告诉用户可以在线上申请补卡，新卡约20个工作日寄到",
                                "您可以在“掌上社保”App里在线申请补卡，新卡大约20个工作日后寄到您填写的地址。",
                            ),
                        ),
                    ),
                ),
            ),
        },
    ],
    "医院分诊": [
        {
            "title": "患者咨询发热应该挂哪个科室，如何分诊？",
            "asks": ["发烧了应该挂什么科？", "孩子发烧{temp}度，挂哪个科", "我发烧两天了，去医院挂什么号"],
            "tree": N(
                "是否为14岁以下的儿童",
                "请问就诊的是14岁以下的儿童吗？",
                B(
                    "患者为14岁以下儿童",
                    ["是孩子", "孩子{age}岁", "是的，是小孩"],
                    L(
                        "建议用户挂儿科发热门诊",
                        "14岁以下的儿童发热，请挂儿科发热门诊，就诊时请全程佩戴口罩。",
                    ),
                ),
                B(
                    "患者为成人",
                    ["不是，是我自己", "成人", "是我本人"],
                    N(
                        "体温是否超过38.5℃或伴有呼吸困难",
                        "请问您现在体温超过38.5℃了吗？有没有胸闷、呼吸困难？",
                        B(
                            "体温超过38.5℃或伴有呼吸困难",
                            ["超过了", "{temp}度，有点喘", "呼吸有点困难"],
                            L(
                                "建议用户立即到发热门诊就诊，必要时转急诊",
                                "您的情况建议立即到发热门诊就诊，如果呼吸困难加重，请直接前往急诊。",
                            ),
                        ),
                        B(
                            "体温未超过38.5℃且没有呼吸困难",
                            ["没有", "38度左右", "不喘"],
                            L(
                                "建议用户挂普通内科门诊，并提醒多饮水、注意休息",
                                "您可以先挂普通内科门诊就诊，平时注意多喝水、多休息，体温升高时及时复诊。",
                            ),
                        ),
                    ),
                ),
            ),
        },
        {
            "title": "患者咨询如何预约挂号，如何答复？",
            "asks": ["怎么预约挂号？", "我想挂{dept}的号", "下周想来看{dept}，能提前预约吗"],
            "tree": N(
                "是否已经在医院建档",
                "请问您之前在我院就诊过、已经建档了吗？",
                B(
                    "用户已经建档",
                    ["建过", "以前来看过", "有就诊卡"],
                    L(
                        "告诉用户在公众号“预约挂号”中选择科室和医生，可预约未来7天的号源",
                        "您可以在医院公众号点击“预约挂号”，选择科室和医生，可以预约未来7天内的号源。",
                    ),
                ),
                B(
                    "用户还没有建档",
                    ["没有", "第一次来", "没来过"],
                    N(
                        "是否方便使用手机在线建档",
                        "首次就诊需要先建档，请问您方便用手机在线建档吗？",
                        B(
                            "用户可以在线建档",
                            ["可以", "方便", "行"],
                            L(
                                "告诉用户在公众号“个人中心”填写身份证信息完成建档后再预约",
                                "您可以在公众号“个人中心”填写身份证信息完成建档，建档后就可以直接预约挂号了。",
                            ),
                        ),
                        B(
                            "用户无法在线建档",
                            ["不会弄", "老人没有智能手机", "不方便"],
                            L(
                                "告诉用户可以携带身份证到门诊大厅人工窗口建档挂号，窗口7:30开始服务",
                                "您可以携带身份证到门诊大厅人工窗口建档并挂号，窗口每天7:30开始服务。",
                            ),
                        ),
                    ),
                ),
            ),
        },
    ],
}

FILL = {
    "days": lambda r: str(r.randint(3, 6)),
    "days2": lambda r: str(r.randint(8, 20)),
    "months": lambda r: str(r.randint(2, 5)),
    "order": lambda r: f"{r.randint(10**15, 10**16 - 1)}",
    "goods": lambda r: r.choice(
        ["电饭煲", "蓝牙耳机", "吹风机", "台灯", "电动牙刷", "保温杯", "加湿器", "键盘"]
    ),
    "coupon": lambda r: r.choice(["5", "10", "20", "30", "50"]),
    "tail": lambda r: f"{r.randint(0, 9999):04d}",
    "amount": lambda r: str(r.choice([35, 58, 100, 200, 860, 1200, 3000])),
    "phone": lambda r: "1" + r.choice("3578") + f"{r.randint(0, 99):02d}****{r.randint(0, 9999):04d}",
    "temp": lambda r: r.choice(["38.2", "38.6", "39", "39.5", "40"]),
    "age": lambda r: str(r.randint(2, 12)),
    "dept": lambda r: r.choice(["消化内科", "皮肤科", "眼科", "骨科", "心内科", "口腔科"]),
}


def fill(text: str, rng: random.Random) -> str:
    for k, f in FILL.items():
        key = "{" + k + "}"
        while key in text:
            text = text.replace(key, f(rng), 1)
    return text


# --------------------------------------------------------------------------------------------
# Knowledge-base text: the tree written as a numbered list, in one of three numbering styles.
# --------------------------------------------------------------------------------------------
CN = "一二三四五六七八九十"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def label(style: str, path: tuple[int, ...]) -> str:
    depth = len(path)
    n = path[-1]
    if style == "dotted":
        return f"{path[0]}." if depth == 1 else ".".join(map(str, path))
    if style == "chinese":
        return [f"{CN[n - 1]}、", f"（{CN[n - 1]}）", f"{n}."][min(depth, 3) - 1]
    return [f"{n}、", f"（{n}）", CIRCLED[n - 1]][min(depth, 3) - 1]


def kb_items(node, path=()):
    """(path, text) for every branch of the tree, depth first."""
    out = []
    for i, kid in enumerate(node["kids"], 1):
        p = (*path, i)
        then = kid["then"]
        if "do" in then:
            out.append((p, f"如果{kid['if']}，要{then['do']}。"))
        else:
            out.append((p, f"如果{kid['if']}，要进一步确认用户{then['q']}。"))
            out.extend(kb_items(then, p))
    return out


def kb_text(sc, style: str, rng: random.Random):
    """The knowledge-base text and the labels of its items, in order."""
    intro = f"{sc['title']} 处理方法是：先确认用户{sc['tree']['q']}。"
    items = kb_items(sc["tree"])
    sep = "\n" if rng.random() < 0.8 else " \n"
    lines = [intro] + [
        f"{label(style, p)} {t}" if style == "dotted" else f"{label(style, p)}{t}" for p, t in items
    ]
    return sep.join(lines), [(p, label(style, p)) for p, _ in items]


def attach(question: str, kb: str, mode: str) -> str:
    if mode == "kbr":
        return f"{question} Knowledge Base Result: {kb}"
    if mode == "zh":
        return f"{question}\n\n知识库结果：{kb}"
    if mode == "ref":
        return f"【参考资料】\n{kb}\n\n【用户问题】\n{question}"
    return f"已知信息：\n{kb}\n\n问题：{question}"


# --------------------------------------------------------------------------------------------
# ReAct traces and system prompts.
# --------------------------------------------------------------------------------------------
ROLE = {
    "电商售后": "电商平台的售后客服助手",
    "银行": "银行的智能客服",
    "通信运营商": "通信运营商的在线客服",
    "政务服务": "政务服务热线的智能助手",
    "医院分诊": "医院的导诊分诊助手",
}
KB_NAME = {
    "kbr": "知识库结果（knowledge base result）",
    "zh": "知识库结果",
    "ref": "【参考资料】",
    "ref2": "已知信息",
}


def system_prompt(domain: str, layout: str, retrieval: str, rng: random.Random) -> str:
    role = ROLE[domain]
    kb = KB_NAME["ref2" if retrieval == "known" else retrieval]
    head = rng.choice(
        [f"你是{role}。", f"你是一名{role}，负责解答用户的问题。", f"你是{role}，请耐心、礼貌地回答用户。"]
    )
    ground = rng.choice(
        [
            f"每次用户输入都会附带{kb}，你必须根据{kb}回答，不要编造信息。",
            f"请严格依据用户消息中的{kb}来处理问题。",
        ]
    )
    if layout in ("block", "block_xd", "block_input"):
        act = "行动" if layout == "block_xd" else "动作"
        extra = (
            f"如果需要调用系统查询，在{act}后另起一行写“{act}输入”，内容为JSON格式。"
            if layout == "block_input"
            else ""
        )
        fmt = (
            f"每次回复都要先用 ReAct 方法思考：1. 思考用户的问题该如何解决，标记为思考。2. 根据推理决定合适的行动，标记为{act}。"
            f"3. 观察行动的结果，标记为观察。{extra}思考过程用<>包围起来，之后写---，再写给用户的答复，答复不要用<>包围。"
        )
    elif layout == "line_zh":
        fmt = "每一轮回复请按以下格式输出，每项单独一行：\n想法：你对问题的分析\n行动：你决定采取的行动\n观察：行动的结果或需要等待的信息\n回答：给用户的答复"
    else:
        fmt = "请使用ReAct格式回复，每项单独一行：\nThought: 你的分析\nAction: 你要采取的行动\nObservation: 行动的结果\nFinal Answer: 给用户的答复"
    tail = rng.choice(["", "每次回复都要使用这个格式，不要只在第一轮使用。", "答复要简洁，语气友好。"])
    return head + ground + fmt + tail


def thought_for(kind: str, cond: str | None, num: str | None, what: str, rng: random.Random) -> str:
    if kind == "first":
        return rng.choice(
            [
                f"根据知识库结果，我要先确认用户{what}。",
                f"用户遇到了问题，知识库要求先确认用户{what}。",
                f"这个问题要先弄清楚用户{what}，才能按知识库给出处理方法。",
            ]
        )
    return rng.choice(
        [
            f"根据知识库结果，如果{cond}，要{what}。",
            f"用户的回答说明{cond}，对应知识库第{num}条，下一步要{what}。",
            f"{cond}，按照第{num}条的处理方法，需要{what}。",
        ]
    )


def action_for(step, rng: random.Random) -> str:
    if "q" in step:
        return rng.choice([f"询问用户{step['q']}", f"向用户确认{step['q']}", f"请用户告知{step['q']}"])
    return step["do"]


def observation_for(step, rng: random.Random) -> str:
    if "q" in step:
        return rng.choice(["等待用户回复", "等用户返回答案", "需要用户的回答才能继续处理"])
    return rng.choice(["已按知识库给出处理方法", "问题已有明确的处理方法", "用户的问题已经处理"])


QUERY_TOOLS = {
    "电商售后": ("query_order", lambda r: {"order_id": FILL["order"](r)}),
    "银行": ("query_card_status", lambda r: {"card_tail": FILL["tail"](r)}),
    "通信运营商": ("query_account", lambda r: {"phone": FILL["phone"](r)}),
    "政务服务": ("query_policy", lambda r: {"city": r.choice(["杭州", "成都", "武汉", "西安"])}),
    "医院分诊": ("query_schedule", lambda r: {"dept": FILL["dept"](r)}),
}


def assistant_turn(layout, thought, action, obs, reply, rng, tool=None):
    """One assistant turn in the layout.  Returns the text and the spans of its parts."""
    if layout in ("block", "block_xd", "block_input"):
        act = "行动" if layout == "block_xd" else "动作"
        lines = [x for x in (thought and f"思考：{thought}", action and f"{act}：{action}") if x]
        if tool is not None:
            lines.append(f"{act}输入：{json.dumps(tool, ensure_ascii=False)}")
        if obs is not None:
            lines.append(f"观察：{obs}")
        opener = rng.choice(["< ", "<", "<\n"])
        closer = rng.choice([" >", ">", "\n>"])
        sep = rng.choice(["\n--- ", "\n---\n", " \n--- "])
        return opener + "\n".join(lines) + closer + sep + reply
    if layout == "line_zh":
        parts = [x for x in (thought and f"想法：{thought}", action and f"行动：{action}") if x]
        if obs is not None:
            parts.append(f"观察：{obs}")
        parts.append(f"回答：{reply}")
        return "\n".join(parts)
    parts = [x for x in (thought and f"Thought: {thought}", action and f"Action: {action}") if x]
    if obs is not None:
        parts.append(f"Observation: {obs}")
    parts.append(f"Final Answer: {reply}")
    return "\n".join(parts)


OPENERS = ["好的，", "明白了，", "收到，", "了解，", "感谢您的回复，", "好的，清楚了。", "嗯嗯，"]

CLOSINGS = [
    ("好的，谢谢", "不客气，祝您生活愉快！如果还有其他问题，随时联系我。"),
    ("明白了，谢谢你", "不客气，很高兴能帮到您。"),
    ("行，知道了", "好的，如有其他疑问欢迎再来咨询。"),
    ("好的", "感谢您的耐心，祝您一切顺利！"),
]


def build_record(rng: random.Random, style: str | None = None):
    """One clean record: a dict with the format-free parts, for serialising and planting."""
    domain = rng.choice(list(SCENARIOS))
    sc = rng.choice(SCENARIOS[domain])
    layout = rng.choice(["block", "block", "block_xd", "block_input", "line_zh", "line_en"])
    retrieval = rng.choice(["kbr", "kbr", "zh", "ref", "known"])
    style = style or rng.choice(["dotted", "dotted", "chinese", "paren"])
    kb, labels = kb_text(sc, style, rng)
    system = system_prompt(domain, layout, retrieval, rng)
    num_of = {p: lab.strip("、. ") for p, lab in labels}
    turns = []  # (role, text, parts) with parts for the assistant: thought, action, obs, reply
    question = fill(rng.choice(sc["asks"]), rng)
    if rng.random() < 0.2 and not question.startswith(("你好", "您好")):
        question = rng.choice(["你好，", "您好，", "在吗？"]) + question
    node, path, cond = sc["tree"], (), None
    user_text = question
    max_depth = rng.choice([1, 2, 3, 3, 3])
    depth = 0
    while True:
        depth += 1
        turns.append({"role": "user", "q": user_text, "kb": kb})
        if "q" in node:
            what = f"询问用户{node['q']}" if cond else node["q"]
            thought = thought_for("first" if cond is None else "next", cond, num_of.get(path), what, rng)
            step = node
            reply = node["ask"]
        else:
            thought = thought_for("next", cond, num_of.get(path), node["do"], rng)
            step = node
            reply = fill(node["say"], rng)
        tool = None
        if layout == "block_input" and cond is None and rng.random() < 0.6:
            name, args = QUERY_TOOLS[domain]
            tool = {"tool": name, "arguments": args(rng)}
        obs = observation_for(step, rng) if rng.random() < 0.7 else None
        turns.append(
            {
                "role": "assistant",
                "thought": thought,
                "action": action_for(step, rng),
                "obs": obs,
                "reply": reply,
                "tool": tool,
            }
        )
        if "q" not in node or depth > max_depth:
            break
        i = rng.randrange(len(node["kids"]))
        kid = node["kids"][i]
        user_text = fill(rng.choice(kid["ans"]), rng)
        if rng.random() < 0.3:
            user_text += rng.choice(["。", "！", "，怎么办", "，然后呢"])
        path, cond, node = (*path, i + 1), kid["if"], kid["then"]
    if "do" in node and rng.random() < 0.35:
        u, a = rng.choice(CLOSINGS)
        turns.append({"role": "user", "q": u, "kb": kb})
        turns.append(
            {
                "role": "assistant",
                "thought": "用户表示没有其他问题了。",
                "action": "礼貌地结束对话",
                "obs": None,
                "reply": a,
                "tool": None,
            }
        )
    for t in turns[2:]:  # after the first reply, a reply often acknowledges the answer first
        if t["role"] == "assistant" and rng.random() < 0.5:
            t["reply"] = rng.choice(OPENERS) + t["reply"]
    fmt = "messages"
    return {
        "domain": domain,
        "layout": layout,
        "retrieval": retrieval,
        "style": style,
        "system": system,
        "turns": turns,
        "format": fmt,
        "labels": labels,
    }


def render_turn(rec, t, rng):
    if t["role"] == "user":
        if t.get("kb") is None:
            return t["q"]
        return attach(t["q"], t["kb"], rec["retrieval"])
    if t.get("plain"):
        return t["reply"]
    return assistant_turn(rec["layout"], t["thought"], t["action"], t["obs"], t["reply"], rng, t.get("tool"))


def serialise(rec, rng):
    """The JSON object and, per turn index, its pointer."""
    texts = [render_turn(rec, t, rng) if "text" not in t else t["text"] for t in rec["turns"]]
    if rec["format"] == "messages":
        msgs = [{"role": "system", "content": rec["system"]}] + [
            {"role": t["role"], "content": x} for t, x in zip(rec["turns"], texts, strict=True)
        ]
        return {"messages": msgs}, [f"/messages/{i + 1}/content" for i in range(len(texts))]
    conv = [
        {"from": "human" if t["role"] == "user" else "gpt", "value": x}
        for t, x in zip(rec["turns"], texts, strict=True)
    ]
    return {"conversations": conv, "system": rec["system"]}, [
        f"/conversations/{i}/value" for i in range(len(texts))
    ]


# --------------------------------------------------------------------------------------------
# Planted defects.  Each takes a record (and the rendered texts) and changes one thing; it
# returns the turn index it damaged, or None when the record has no place for it.
# --------------------------------------------------------------------------------------------
TYPOS = [  # (right, wrong, a sentence that carries the right form)
    ("已经", "以经", "您的问题我已经记录下来了。"),
    ("应该", "因该", "一般来说应该很快就能处理好。"),
    ("再次", "在次", "如果问题没有解决，欢迎再次联系我们。"),
    ("配合", "配和", "感谢您的耐心配合。"),
    ("申请", "申清", "提交申请后请留意短信通知。"),
    ("验证", "验正", "操作前需要先完成身份验证。"),
    ("安装", "按装", "请确认手机已经安装了最新版本的App。"),
    ("既然", "即然", "既然情况是这样，我们会尽快为您处理。"),
    ("重新", "从新", "如果页面没有更新，可以重新登录看看。"),
    ("优惠券", "优惠卷", "后续有新的优惠券也会第一时间通知您。"),
    ("充值", "冲值", "充值成功后余额会实时更新。"),
    ("报销", "报消", "相关票据请妥善保管，方便后续报销。"),
]

#: The codes that report each kind: the first is the one meant; the others report the same
#: damage from another side (renumbering 2. as 1. also orphans 2.1; a line-layout turn that
#: ends the episode without its trace lacks the final-answer label, R008's finding).
EXPECT = {
    "react_missing": ["R001", "R008"],
    "react_step_missing": ["R002"],
    "action_double_colon": ["R003"],
    "block_unclosed": ["R004"],
    "numbering_gap": ["K101", "K102"],
    "numbering_orphan": ["K102", "K101"],
    "numbering_repeat": ["K103", "K102"],
    "numbering_style": ["K104"],
    "rag_missing": ["K001"],
    "typo": ["T001"],
    "truncated_reply": ["T006"],
    "duplicate": ["D001"],
    "near_duplicate": ["D002"],
}


def _asst(rec):
    return [i for i, t in enumerate(rec["turns"]) if t["role"] == "assistant"]


def _users(rec):
    return [i for i, t in enumerate(rec["turns"]) if t["role"] == "user"]


def plant_react_missing(rec, rng):
    idx = [i for i in _asst(rec)]
    if len(idx) < 2:
        return None
    i = rng.choice(idx)
    rec["turns"][i]["plain"] = True
    return i


def plant_react_step_missing(rec, rng):
    i = rng.choice(_asst(rec))
    t = rec["turns"][i]
    # in the line layouts a turn with a thought and the answer but no action is the episode's
    # final turn (LangChain's shape), not a defect: drop the thought there
    if rng.random() < 0.5 or rec["layout"].startswith("line"):
        t["thought_drop"] = True
        t["text"] = None
    else:
        t["action_drop"] = True
    return i


def plant_action_double_colon(rec, rng):
    cands = [i for i in _asst(rec) if rec["turns"][i]["action"].startswith(("询问", "向用户", "请用户"))]
    if not cands:
        return None
    i = rng.choice(cands)
    t = rec["turns"][i]
    t["action"] = rng.choice(["询问用户：", "向用户确认：", "回复用户："]) + t["reply"]
    return i


def plant_block_unclosed(rec, rng):
    if not rec["layout"].startswith("block"):
        return None
    i = rng.choice(_asst(rec))
    rec["turns"][i]["unclosed"] = rng.choice(["close", "sep"])
    return i


def _kb_mutate(rec, rng, how):
    """Change the knowledge base of every user turn the same way (the retriever returned it so)."""
    labels = rec["labels"]
    kb = rec["turns"][0]["kb"]
    style = rec["style"]
    if how == "gap":
        # the last item of a level with at least two items renumbered one higher
        cands = [k for k, (p, _) in enumerate(labels) if p[-1] >= 2 and len(p) == 1] or [
            k for k, (p, _) in enumerate(labels) if p[-1] >= 2
        ]
        k = rng.choice(cands)
        p, lab = labels[k]
        # every item under it moves too, as a renumbering would do
        new = kb
        for q, qlab in sorted(labels, key=lambda x: -len(x[1])):
            if q[: len(p)] == p:
                q2 = (*p[:-1], p[-1] + 1, *q[len(p) :])
                new = new.replace(_line_prefix(qlab, style), _line_prefix(label(style, q2), style))
        return new if new != kb else None
    if how == "orphan":
        # drop the parent line of a deeper item (only dotted numbers name their parent)
        if style != "dotted":
            return None
        deep = [k for k, (p, _) in enumerate(labels) if len(p) >= 2]
        if not deep:
            return None
        p = labels[rng.choice(deep)][0]
        parent = p[:-1]
        plab = label(style, parent)
        lines = kb.split("\n")
        out = [ln for ln in lines if not ln.startswith(_line_prefix(plab, style).lstrip("\n"))]
        return "\n".join(out) if len(out) == len(lines) - 1 else None
    if how == "repeat":
        top = [(p, lab) for p, lab in labels if len(p) == 1]
        if len(top) < 2:
            return None
        p, lab = top[1]
        return kb.replace(_line_prefix(lab, style), _line_prefix(label(style, (1,)), style), 1)
    if how == "style":
        top = [(p, lab) for p, lab in labels if len(p) == 1]
        if len(top) < 2 or style == "chinese":
            return None
        p, lab = top[-1]
        other = f"{p[-1]}、" if style == "dotted" else f"{p[-1]}. "
        return kb.replace(_line_prefix(lab, style), other, 1)
    return None


def _line_prefix(lab: str, style: str) -> str:
    return f"\n{lab} " if style == "dotted" else f"\n{lab}"


def plant_numbering(how):
    def f(rec, rng):
        new = _kb_mutate(rec, rng, how)
        if new is None:
            return None
        for t in rec["turns"]:
            if t["role"] == "user" and t.get("kb") is not None:
                t["kb"] = new
        return _users(rec)[0]

    return f


def plant_rag_missing(rec, rng):
    users = _users(rec)
    if len(users) < 2:
        return None
    i = rng.choice(users[1:])
    rec["turns"][i]["kb"] = None
    return i


def plant_typo(rec, rng):
    right, wrong, carrier = rng.choice(TYPOS)
    i = rng.choice(_asst(rec))
    t = rec["turns"][i]
    if right in t["reply"]:
        t["reply"] = t["reply"].replace(right, wrong, 1)
    else:
        t["reply"] = t["reply"] + carrier.replace(right, wrong, 1)
    return i


def plant_truncated(rec, rng):
    i = _asst(rec)[-1]
    t = rec["turns"][i]
    r = t["reply"]
    # cut inside the last clause, never right after punctuation
    cuts = [
        k
        for k in range(len(r) // 2, len(r) - 2)
        if r[k - 1] not in "，。！？、；：“”（）" and r[k] not in "，。！？、；：“”）"
    ]
    if not cuts:
        return None
    t["reply"] = r[: rng.choice(cuts)]
    return i


PLANTERS = {
    "react_missing": plant_react_missing,
    "react_step_missing": plant_react_step_missing,
    "action_double_colon": plant_action_double_colon,
    "block_unclosed": plant_block_unclosed,
    "numbering_gap": plant_numbering("gap"),
    "numbering_orphan": plant_numbering("orphan"),
    "numbering_repeat": plant_numbering("repeat"),
    "numbering_style": plant_numbering("style"),
    "rag_missing": plant_rag_missing,
    "typo": plant_typo,
    "truncated_reply": plant_truncated,
}


def render_planted(rec, rng):
    """Apply the per-turn plant flags that change the rendered text."""
    for t in rec["turns"]:
        if t["role"] != "assistant" or ("text" in t and t["text"] is not None):
            continue
        t.pop("text", None)
        if t.get("thought_drop") or t.get("action_drop") or t.get("unclosed"):
            layout = rec["layout"]
            thought = None if t.get("thought_drop") else t["thought"]
            action = None if t.get("action_drop") else t["action"]
            text = assistant_turn(layout, thought, action, t["obs"], t["reply"], rng, t.get("tool"))
            if t.get("unclosed") == "close":
                k = text.rfind(">")
                text = text[:k] + text[k + 1 :]
            elif t.get("unclosed") == "sep":
                text = text.replace("---", "", 1)
            t["text"] = text


_NOISE = re.compile(r"^(?:你好|您好|在吗)|怎么办|然后呢|[，。！？、\s\d]")


def skeleton(rec) -> tuple[str, ...]:
    """What makes two conversations the same example: the user's words and the replies, without
    greetings, filler, punctuation and the acknowledgements a reply opens with."""
    out = []
    for t in rec["turns"]:
        if t["role"] == "user":
            out.append(_NOISE.sub("", t["q"]))
        else:
            r = t["reply"]
            for o in OPENERS:
                r = r.removeprefix(o)
            out.append(_NOISE.sub("", r))
    return tuple(out)


def fresh_record(rng: random.Random, seen: set[tuple[str, ...]], tries: int = 40, style: str | None = None):
    """A record whose conversation no earlier record of the corpus has (a generator that repeats
    itself makes near-duplicates, which D002 rightly reports)."""
    for _ in range(tries):
        rec = build_record(rng, style)
        key = skeleton(rec)
        if key not in seen:
            break
    seen.add(key)
    return rec


def generate(n: int, seed: int, plant: float, fmt: str = "messages"):
    rng = random.Random(seed)
    out, truth = [], []
    seen: set[tuple[str, ...]] = set()
    kinds = [*PLANTERS, "duplicate", "near_duplicate"]
    for _ in range(n):
        line = len(out) + 1
        if plant and out and rng.random() < plant:
            kind = rng.choice(kinds)
            if kind == "duplicate":
                k = rng.randrange(len(out))
                out.append(out[k])
                truth.append(
                    {"line": line, "kind": kind, "pointer": "", "codes": EXPECT[kind], "source": k + 1}
                )
                continue
            # only dotted numbers (2.2.1) name their parent: an orphan needs them
            rec = fresh_record(rng, seen, style="dotted" if kind == "numbering_orphan" else None)
            rec["format"] = fmt
            if kind == "near_duplicate":
                k = rng.randrange(len(out))
                obj = json.loads(out[k])
                key = "messages" if "messages" in obj else "conversations"
                field = "content" if key == "messages" else "value"
                turns = obj[key]
                j = max(
                    i for i, m in enumerate(turns) if m.get("role", m.get("from")) in ("assistant", "gpt")
                )
                old = turns[j][field]
                ending = rng.choice(["~", "。谢谢您的理解。", "。祝您生活愉快！"])
                turns[j][field] = old.rstrip("。！") + ("！" if old.endswith("。") else ending)
                out.append(json.dumps(obj, ensure_ascii=False))
                truth.append(
                    {"line": line, "kind": kind, "pointer": "", "codes": EXPECT[kind], "source": k + 1}
                )
                continue
            where = PLANTERS[kind](rec, rng)
            if where is None:
                kind = None
            render_planted(rec, rng)
            obj, pointers = serialise(rec, rng)
            out.append(json.dumps(obj, ensure_ascii=False))
            if kind:
                truth.append({"line": line, "kind": kind, "pointer": pointers[where], "codes": EXPECT[kind]})
            continue
        rec = fresh_record(rng, seen)
        rec["format"] = fmt
        obj, _ = serialise(rec, rng)
        out.append(json.dumps(obj, ensure_ascii=False))
    return out, truth


# --------------------------------------------------------------------------------------------
# Scoring a planted corpus.
# --------------------------------------------------------------------------------------------


def score(path: Path) -> int:
    import sftlint

    truth = [json.loads(x) for x in Path(str(path) + ".truth.jsonl").read_text(encoding="utf-8").splitlines()]
    by_line = defaultdict(list)
    for t in truth:
        by_line[t["line"]].append(t)
    # a copy carries its source's defects too (and those of the source's own source)
    inherited: dict[int, set[str]] = {}
    for t in sorted(truth, key=lambda t: t["line"]):
        if "source" in t:
            src = t["source"]
            codes = {c for s in by_line.get(src, []) if "source" not in s for c in s["codes"]}
            inherited[t["line"]] = codes | inherited.get(src, set())
    diags = [d for d in sftlint.lint(str(path)) if d.severity != "info"]
    caught = Counter()
    planted = Counter(t["kind"] for t in truth)
    right, wrong = Counter(), Counter()
    seen = set()
    stray = []
    for d in diags:
        hits = [t for t in by_line.get(d.line, []) if d.code in t["codes"]]
        if hits:
            right[d.code] += 1
            for t in hits:
                if id(t) not in seen:
                    seen.add(id(t))
                    caught[t["kind"]] += 1
        elif d.code in inherited.get(d.line, ()):
            right[d.code] += 1
        else:
            wrong[d.code] += 1
            stray.append(d)
    print(f"{'kind':22} {'codes':16} {'planted':>7} {'caught':>7} {'recall':>7}")
    for kind in EXPECT:
        if planted[kind]:
            print(
                f"{kind:22} {','.join(EXPECT[kind]):16} {planted[kind]:7d} {caught[kind]:7d} {caught[kind] / planted[kind]:7.2f}"
            )
    tot_p, tot_c = sum(planted.values()), sum(caught.values())
    print(f"{'all':22} {'':16} {tot_p:7d} {tot_c:7d} {tot_c / max(tot_p, 1):7.2f}")
    print()
    print(f"{'code':6} {'findings':>8} {'on a plant':>10} {'elsewhere':>9} {'share on a plant':>16}")
    for code in sorted(set(right) | set(wrong)):
        n = right[code] + wrong[code]
        print(f"{code:6} {n:8d} {right[code]:10d} {wrong[code]:9d} {right[code] / n:16.2f}")
    n = sum(right.values()) + sum(wrong.values())
    print(
        f"{'all':6} {n:8d} {sum(right.values()):6d} {sum(wrong.values()):6d} {sum(right.values()) / max(n, 1):9.2f}"
    )
    for d in stray[:20]:
        print(f"  elsewhere (judge it): line {d.line} {d.code} {d.pointer} {d.message[:100]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--plant", type=float, default=0.0, help="share of records given one planted defect")
    ap.add_argument(
        "--format",
        choices=["messages", "sharegpt"],
        default="messages",
        help="one per file, as a trainer reads it",
    )
    ap.add_argument("--out", type=Path)
    ap.add_argument("--score", type=Path, help="lint this planted corpus and print recall and precision")
    args = ap.parse_args(argv)
    if args.score:
        return score(args.score)
    if not args.out:
        ap.error("--out or --score")
    lines, truth = generate(args.records, args.seed, args.plant, args.format)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if args.plant:
        Path(str(args.out) + ".truth.jsonl").write_text(
            "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in truth), encoding="utf-8"
        )
    print(f"{len(lines)} records, {len(truth)} planted defects -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
