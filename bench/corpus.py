"""Synthetic corpus of Chinese customer-service SFT records, in the seed article's style.

Every benchmark that needs "a realistic dataset of N records" imports this
module, so that all numbers in ``docs/benchmarks.md`` are measured on the same
kind of data::

    python bench/corpus.py --records 100000 --out bench/out/cs100k.jsonl [--seed 0] [--plant-defects]
    python bench/corpus.py --mb 1024 --out bench/out/cs1g.jsonl          # size instead of a count
    python bench/corpus.py --mb 1024 --exchanges --out bench/out/small1g.jsonl  # ~1 KB records

    from bench.corpus import generate, write_corpus
    for record in generate(1000, seed=0): ...

What a record looks like (the article's good practice, section 二): a system
prompt asking for ReAct; each user turn carries the retrieved knowledge-base
text after ``Knowledge Base Result:``; each assistant turn is
``< 思考：… \\n动作：… \\n观察：… >\\n--- reply``.  The knowledge base is a
hierarchical decision tree (``1.``, ``2.``, ``2.1``) and a dialogue follows one
branch of it.

Distinct records are distinct: every turn is assembled from several phrase
pools and slot values (order numbers, products, cities, amounts, dates), so two
clean records usually share well under half of their character 5-shingles once
the shared knowledge-base text is set aside.  Not always: two records on the
same topic and branch, built from the same phrases, can reach 0.8 by chance
(three pairs in the 1 GB corpus of ``bench/dataset.py``); the D002 benchmark
reports such pairs with their exact similarity instead of counting them false.

``--plant-defects`` replaces about one record in twenty (``defect_rate``) with
a record carrying exactly one known defect, cycling through every rule family
(J, S, R, K, T, D).  :func:`write_corpus` can write the ground truth as a JSONL
sidecar (``{"line", "code", "source_line"}``): the physical line of the defect
and, for D001/D002, the line of the record it copies.  J defects exist only at
the line level (invalid JSON cannot be a dict), so :func:`generate` plants the
other families and :func:`write_corpus` / :func:`generate_lines` plant all.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

MARKER = "Knowledge Base Result: "

SYSTEM = (
    "你是一个帮助前来咨询的用户解决他们问题的客服助手。每次收到用户的输入，你都需要根据知识库结果"
    "（knowledge base result），用 ReAct 方法思考出解决方案，然后答复用户。你的输出要包含两部分："
    "思考过程和给用户的答复；其中，ReAct 思考过程要用（<>）包围起来，之后另起一行写“---”，"
    "再写给用户的答复。给用户的答复正常显示即可，不需要用（<>）包围起来。注意：每次回复都要使用 ReAct "
    "方法去思考。ReAct 的方法是：1. 首先思考用户的问题该如何解决，给出你的推理，标记为思考。"
    "2. 然后根据你的推理决定合适的动作，标记为动作。3. 观察你动作的结果或收集必要的信息，标记为观察。"
)
#: An older revision of the prompt (planted for D004): one sentence differs.
SYSTEM_OLD = SYSTEM.replace(
    "注意：每次回复都要使用 ReAct 方法去思考。", "注意：回复时尽量简洁，必要时使用 ReAct 方法。"
)

# -- slot values ---------------------------------------------------------------
PRODUCTS = (
    "无线蓝牙耳机",
    "智能手表",
    "空气炸锅",
    "电动牙刷",
    "保温杯",
    "扫地机器人",
    "机械键盘",
    "儿童书包",
    "羽绒服",
    "跑步鞋",
    "破壁机",
    "电饭煲",
    "护眼台灯",
    "行李箱",
    "充电宝",
    "床上四件套",
    "加湿器",
    "投影仪",
    "咖啡机",
    "登山背包",
    "瑜伽垫",
    "电热水壶",
    "吸尘器",
    "平板电脑保护套",
    "婴儿推车",
    "洗碗机",
    "剃须刀",
    "吹风机",
    "蓝牙音箱",
    "电竞椅",
    "茶具套装",
    "陶瓷餐具",
    "按摩仪",
    "空气净化器",
)
CITIES = (
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "成都",
    "武汉",
    "南京",
    "西安",
    "重庆",
    "苏州",
    "天津",
    "长沙",
    "郑州",
    "青岛",
    "厦门",
    "昆明",
    "合肥",
    "福州",
    "沈阳",
    "大连",
    "济南",
    "宁波",
    "无锡",
)
DISTRICTS = (
    "朝阳区",
    "浦东新区",
    "天河区",
    "南山区",
    "西湖区",
    "武侯区",
    "江汉区",
    "鼓楼区",
    "雁塔区",
    "渝中区",
)
COURIERS = ("顺丰", "中通", "圆通", "韵达", "申通", "京东物流", "邮政")
PAYMENTS = ("账户余额", "储蓄卡", "信用卡", "花呗分期")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
)

# -- phrase pools shared by all topics -------------------------------------------
OPENERS = (
    "",
    "你好，",
    "您好，",
    "在吗？",
    "客服你好，",
    "麻烦问一下，",
    "请问一下，",
    "打扰了，",
    "急！",
    "有个问题，",
)
USER_DETAILS = (
    "订单号是{order}。",
    "我买的是{product}，订单号{order}。",
    "{date}下的单，买的是{product}。",
    "东西是{product}，一共花了{amount}元。",
    "收货地址在{city}{district}，订单号{order}。",
    "是{date}买的{product}，付了{amount}元。",
    "我的手机尾号是{phone}，订单号{order}。",
    "订单{order}，商品是{product}。",
)
USER_MOODS = (
    "",
    "",
    "谢谢。",
    "麻烦尽快帮我处理一下。",
    "有点着急。",
    "等了好久了。",
    "辛苦了。",
    "怎么办呀？",
)
ACKS = (
    "您好，",
    "好的，",
    "明白了，",
    "收到，",
    "理解您的心情，",
    "感谢您的耐心，",
    "非常抱歉给您带来不便，",
    "好的{title}，",
    "了解了，",
    "谢谢您的反馈，",
)
REPLY_DETAILS = (
    "我已经查到您的订单{order}。",
    "您购买的{product}我这边已经看到了。",
    "订单{order}的信息已经核实过了。",
    "您{date}购买的{product}我已经查到了。",
    "关于您的{product}，",
    "",
    "",
)
CLOSINGS = (
    "",
    "",
    "还有其他问题可以随时联系我。",
    "祝您生活愉快！",
    "感谢您的理解。",
    "如有疑问请随时告诉我。",
    "给您添麻烦了。",
    "请您放心。",
)

# -- topics: a knowledge-base decision tree and dialogues along its branches ----
# A step: (thought clause quoting the KB, action variants, observation variants, reply variants).
# A branch: a list of (user-answer variants, step); the first step asks the first question.


@dataclass(frozen=True)
class Step:
    thought: str
    actions: tuple[str, ...]
    observations: tuple[str, ...]
    replies: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    kb: str
    questions: tuple[str, ...]
    first: Step
    branches: tuple[tuple[tuple[tuple[str, ...], Step], ...], ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        kb="用户反馈退款迟迟没有到账，如何处理？ 处理方法是：先确认退款申请的状态是否为“退款成功”。\n"
        "1. 如果状态不是“退款成功”，要告诉用户退款仍在审核中，审核通常在一到三个工作日内完成。\n"
        "2. 如果状态是“退款成功”，要进一步询问用户付款时使用的支付方式。\n"
        "2.1 如果用户使用余额支付，要告诉用户退款已退回账户余额，请用户在“我的钱包”中查看。\n"
        "2.2 如果用户使用银行卡支付，要告诉用户退款会在三到七个工作日内退回原银行卡。\n"
        "2.3 如果用户使用信用卡支付且超过七个工作日仍未到账，要为用户转接人工客服。",
        questions=(
            "我的退款怎么还没到账？",
            "申请退款{days}天了，钱还没回来，怎么回事？",
            "退的{amount}元到现在都没收到。",
            "退款一直没到账，能帮我看看吗？",
            "{product}退货了，可是退款迟迟没到。",
            "请问退款一般多久能到账？我已经等了{days}天。",
        ),
        first=Step(
            "根据知识库结果，我要先确认用户的退款申请状态是否为“退款成功”。",
            ("询问用户退款申请的状态", "请用户查看退款申请页面显示的状态", "确认退款申请目前的处理状态"),
            ("等用户告知退款申请的状态", "等待用户查看退款状态后回复"),
            (
                "请问您在退款申请页面看到的状态是“退款成功”吗？",
                "麻烦您先看一下退款申请的状态，是否已经显示“退款成功”了？",
                "您可以在订单详情里找到退款进度，请告诉我现在显示的状态。",
            ),
        ),
        branches=(
            (
                (
                    (
                        "还没有，显示的是处理中。",
                        "状态是审核中。",
                        "没有显示成功，还在处理。",
                        "页面写着待审核。",
                    ),
                    Step(
                        "根据知识库结果，如果状态不是“退款成功”，要告诉用户退款仍在审核中，审核通常在一到三个工作日内完成。",
                        ("告诉用户退款仍在审核中以及审核需要的时间", "说明退款审核的进度和时长"),
                        ("用户已了解退款的审核进度", "用户知道需要继续等待审核"),
                        (
                            "您的退款仍在审核中，审核通常会在一到三个工作日内完成，审核通过后系统会通知您。",
                            "目前退款还在审核阶段，一般一到三个工作日内会有结果，请您耐心等待。",
                            "退款申请正在审核，通常一到三个工作日审核完毕，届时会有短信提醒。",
                        ),
                    ),
                ),
            ),
            (
                (
                    ("显示退款成功了。", "已经是退款成功。", "状态写的是退款成功。"),
                    Step(
                        "根据知识库结果，如果状态是“退款成功”，要进一步询问用户付款时使用的支付方式。",
                        ("询问用户付款时使用的支付方式", "确认用户当时的付款方式"),
                        ("等用户告知支付方式", "等待用户回复付款方式"),
                        (
                            "请问您当时付款用的是账户余额、银行卡还是信用卡呢？",
                            "想再确认一下，您付款时选择的是哪种支付方式？",
                            "方便告诉我您下单时是用什么方式付款的吗？",
                        ),
                    ),
                ),
                (
                    ("用的是余额。", "我是用账户余额付的。", "余额支付的。"),
                    Step(
                        "根据知识库结果，如果用户使用余额支付，要告诉用户退款已退回账户余额，请用户在“我的钱包”中查看。",
                        ("告诉用户退款已退回账户余额并说明查看位置", "引导用户到我的钱包查看退款"),
                        ("用户已知道去哪里查看退款", "用户会去我的钱包查看"),
                        (
                            "使用余额支付的订单，退款成功后会直接退回您的账户余额，您可以在“我的钱包”中查看。",
                            "这笔退款已经退回到您的账户余额了，打开“我的钱包”就能看到。",
                        ),
                    ),
                ),
            ),
            (
                (
                    ("显示退款成功了。", "已经是退款成功。", "成功了但是没看到钱。"),
                    Step(
                        "根据知识库结果，如果状态是“退款成功”，要进一步询问用户付款时使用的支付方式。",
                        ("询问用户付款时使用的支付方式", "确认用户当时的付款方式"),
                        ("等用户告知支付方式", "等待用户回复付款方式"),
                        (
                            "请问您当时付款用的是账户余额、银行卡还是信用卡呢？",
                            "想再确认一下，您付款时选择的是哪种支付方式？",
                        ),
                    ),
                ),
                (
                    (
                        "用的是信用卡，已经过了十天。",
                        "信用卡付的，十多天了还没到。",
                        "刷的信用卡，超过一周了。",
                    ),
                    Step(
                        "根据知识库结果，如果用户使用信用卡支付且超过七个工作日仍未到账，要为用户转接人工客服。",
                        ("为用户转接人工客服", "发起人工客服转接"),
                        ("已为用户发起人工客服转接", "人工客服转接已发起"),
                        (
                            "非常抱歉让您久等了，我现在为您转接人工客服，由专人帮您核实这笔退款的去向。",
                            "这种情况需要人工进一步核查，我马上为您转接人工客服，请稍等。",
                        ),
                    ),
                ),
            ),
        ),
    ),
    Topic(
        kb="用户想修改订单的收货地址，如何处理？ 处理方法是：先确认订单是否已经发货。\n"
        "1. 如果订单还没有发货，要告诉用户可以在订单详情页点击“修改地址”自行修改。\n"
        "2. 如果订单已经发货，要进一步询问用户新地址是否与原地址在同一个城市。\n"
        "2.1 如果在同一个城市，要告诉用户可以联系快递员改派，并提供订单详情页的快递员电话。\n"
        "2.2 如果不在同一个城市，要告诉用户暂时无法修改，建议用户拒收后重新下单。",
        questions=(
            "我的地址填错了，能改吗？",
            "收货地址想换一下，怎么操作？",
            "下单时地址写成了{city}的旧地址，还能改吗？",
            "我想把{product}的收货地址改一下。",
            "地址写错了，怎么修改收货地址？",
        ),
        first=Step(
            "根据知识库结果，我要先确认用户的订单是否已经发货。",
            ("询问用户订单是否已经发货", "确认订单当前的发货状态"),
            ("等用户告知订单的发货状态", "等待用户查看订单是否发货"),
            (
                "请问您的订单现在已经发货了吗？",
                "麻烦您确认一下订单是否已经发货了？",
                "您可以在订单详情里看到物流状态，请问是否已经发货？",
            ),
        ),
        branches=(
            (
                (
                    ("还没发货。", "显示待发货。", "还没有发出。"),
                    Step(
                        "根据知识库结果，如果订单还没有发货，要告诉用户可以在订单详情页点击“修改地址”自行修改。",
                        ("告诉用户在订单详情页自行修改地址的方法", "引导用户自行修改收货地址"),
                        ("用户已知道修改地址的入口", "用户会自行修改地址"),
                        (
                            "订单还没有发货的话，您可以打开订单详情页，点击“修改地址”，填写新地址后保存即可。",
                            "还没发货就好办，在订单详情页点“修改地址”就可以自己改，改完记得保存。",
                        ),
                    ),
                ),
            ),
            (
                (
                    ("已经发货了。", "昨天就发出了。", "显示运输中。"),
                    Step(
                        "根据知识库结果，如果订单已经发货，要进一步询问用户新地址是否与原地址在同一个城市。",
                        ("询问用户新地址与原地址是否在同一个城市", "确认新旧地址是否同城"),
                        ("等用户告知新地址所在的城市", "等待用户说明新地址"),
                        (
                            "请问您要改的新地址和原来的地址在同一个城市吗？",
                            "想确认一下，新地址和原地址是不是在同一个城市？",
                        ),
                    ),
                ),
                (
                    ("都在{city}，只是换个小区。", "同一个城市，在{district}。", "是同城的。"),
                    Step(
                        "根据知识库结果，如果在同一个城市，要告诉用户可以联系快递员改派，并提供订单详情页的快递员电话。",
                        ("告诉用户联系快递员改派以及快递员电话的位置", "说明同城改派的办法"),
                        ("用户已知道如何联系快递员改派", "用户会联系快递员"),
                        (
                            "同城的地址可以请快递员帮您改派。快递员的电话在订单详情页的物流信息里。",
                            "同一个城市可以改派，您在订单详情页找到{courier}快递员的电话，跟他说明新地址就行。",
                        ),
                    ),
                ),
            ),
            (
                (
                    ("已经发货了。", "发出两天了。", "物流已经在路上了。"),
                    Step(
                        "根据知识库结果，如果订单已经发货，要进一步询问用户新地址是否与原地址在同一个城市。",
                        ("询问用户新地址与原地址是否在同一个城市", "确认新旧地址是否同城"),
                        ("等用户告知新地址所在的城市", "等待用户说明新地址"),
                        (
                            "请问您要改的新地址和原来的地址在同一个城市吗？",
                            "想确认一下，新地址和原地址是不是在同一个城市？",
                        ),
                    ),
                ),
                (
                    ("不是，新地址在{city}。", "要改到{city}去。", "不在一个城市。"),
                    Step(
                        "根据知识库结果，如果不在同一个城市，要告诉用户暂时无法修改，建议用户拒收后重新下单。",
                        ("告诉用户跨城地址暂时无法修改并建议拒收后重新下单", "说明跨城无法改址的处理办法"),
                        ("用户已了解跨城改址的处理方式", "用户会拒收后重新下单"),
                        (
                            "很抱歉，已发货的订单暂时不能改到其他城市，建议您拒收这个包裹，再按新地址重新下单。",
                            "跨城市的地址目前没法修改，您可以先拒收，退款到账后用新地址重新下单。",
                        ),
                    ),
                ),
            ),
        ),
    ),
    Topic(
        kb="用户反馈无法开直播，如何处理？ 处理方法是：先确认用户是否在开播时收到了异常提示，即“账号异常，无法开播”。\n"
        "1. 如果用户收到了异常提示，要让用户自行核查账号是否存在历史违规。\n"
        "2. 如果用户没收到异常提示，要进一步询问用户的账号是否为大陆地区的账号。\n"
        "2.1 如果用户的账号不是大陆地区的账号，要告诉用户，非大陆地区暂无法开启直播。\n"
        "2.2 如果用户的账号是大陆地区账号，要进一步询问用户是否已完成实名认证。\n"
        "2.2.1 如果用户的账号没有完成实名认证，要告诉用户，需要完成实名认证才能开启直播。\n"
        "2.2.2 如果用户的账号已经完成实名认证，要为用户转接人工客服。",
        questions=(
            "为什么我无法开直播？",
            "开播按钮点了没反应，怎么回事？",
            "我想直播卖{product}，但是开不了播。",
            "直播间一直开不起来。",
            "今天开播失败了好几次。",
        ),
        first=Step(
            "根据知识库结果，我要先确认用户是否在开播时收到了异常提示，即“账号异常，无法开播”。",
            ("询问用户开播时是否收到了异常提示", "确认用户是否看到账号异常的提示"),
            ("等用户返回是否收到了异常提示", "等待用户回复有没有异常提示"),
            (
                "请问您在开播时是否收到了异常提示，即“账号异常，无法开播”？",
                "开播的时候有没有弹出“账号异常，无法开播”的提示呢？",
            ),
        ),
        branches=(
            (
                (
                    ("收到了，提示账号异常。", "有的，弹出了账号异常。", "看到了那个提示。"),
                    Step(
                        "根据知识库结果，如果用户收到了异常提示，要让用户自行核查账号是否存在历史违规。",
                        ("请用户自行核查账号是否存在历史违规", "引导用户查看账号的违规记录"),
                        ("用户会去核查账号的违规记录", "用户已知道如何核查违规"),
                        (
                            "出现这个提示，通常是账号存在历史违规，请您在“账号与安全”里查看违规记录。",
                            "这个提示一般和账号的历史违规有关，您可以在设置里的违规记录中核查一下。",
                        ),
                    ),
                ),
            ),
            (
                (
                    ("没有。", "没收到任何提示。", "没有弹出提示。"),
                    Step(
                        "根据知识库结果，如果用户没收到异常提示，要进一步询问用户的账号是否为大陆地区的账号。",
                        ("询问用户的账号是否是大陆地区的账号", "确认用户账号的注册地区"),
                        ("等用户告知账号所属地区", "等待用户确认账号地区"),
                        ("请问您的账号是大陆地区的账号吗？", "想确认一下，您的账号是在大陆地区注册的吗？"),
                    ),
                ),
                (
                    ("不是，是香港的账号。", "我的账号在海外注册的。", "不是大陆的。"),
                    Step(
                        "根据知识库结果，如果用户的账号不是大陆地区的账号，要告诉用户，非大陆地区暂无法开启直播。",
                        ("告诉用户非大陆地区暂无法开启直播", "说明非大陆地区账号的直播限制"),
                        ("用户已了解地区限制", "用户知道暂时无法开播的原因"),
                        (
                            "很抱歉，非大陆地区的账号目前暂时无法开启直播，后续开放后会第一时间通知您。",
                            "目前直播功能只对大陆地区账号开放，非大陆地区的账号暂时还不能开播。",
                        ),
                    ),
                ),
            ),
            (
                (
                    ("没有。", "没收到任何提示。", "没有弹出提示。"),
                    Step(
                        "根据知识库结果，如果用户没收到异常提示，要进一步询问用户的账号是否为大陆地区的账号。",
                        ("询问用户的账号是否是大陆地区的账号", "确认用户账号的注册地区"),
                        ("等用户告知账号所属地区", "等待用户确认账号地区"),
                        ("请问您的账号是大陆地区的账号吗？", "想确认一下，您的账号是在大陆地区注册的吗？"),
                    ),
                ),
                (
                    ("是。", "是大陆的账号。", "对，在{city}注册的。"),
                    Step(
                        "根据知识库结果，如果用户的账号是大陆地区账号，要进一步询问用户是否已完成实名认证。",
                        ("询问用户是否已完成实名认证", "确认用户的实名认证情况"),
                        ("等用户告知实名认证情况", "等待用户确认是否实名"),
                        ("请问您的账号已经完成实名认证了吗？", "您的账号有没有完成实名认证呢？"),
                    ),
                ),
                (
                    ("还没有实名。", "没做过实名认证。", "好像没认证。"),
                    Step(
                        "根据知识库结果，如果用户的账号没有完成实名认证，要告诉用户，需要完成实名认证才能开启直播。",
                        ("告诉用户需要完成实名认证才能开启直播", "引导用户完成实名认证"),
                        ("用户已了解需要先实名认证", "用户会去完成实名认证"),
                        (
                            "开启直播需要先完成实名认证，您可以在“设置 - 账号与安全 - 实名认证”中完成。",
                            "需要先完成实名认证才能开播，认证通过后就可以正常直播了。",
                        ),
                    ),
                ),
            ),
        ),
    ),
    Topic(
        kb="用户反馈快递一直没有更新物流信息，如何处理？ 处理方法是：先确认订单发货已经超过多少天。\n"
        "1. 如果发货不足三天，要告诉用户物流信息可能延迟更新，请用户耐心等待。\n"
        "2. 如果发货超过三天，要进一步询问用户收货地址是否在偏远地区。\n"
        "2.1 如果在偏远地区，要告诉用户偏远地区运输时间较长，一般需要七到十天。\n"
        "2.2 如果不在偏远地区，要为用户登记物流异常并在二十四小时内回电。",
        questions=(
            "我的快递好几天没动静了。",
            "物流信息{days}天没更新了，怎么回事？",
            "买的{product}一直在路上，物流不动。",
            "快递是不是丢了？一直没有更新。",
            "帮我查一下物流，好久没变化了。",
        ),
        first=Step(
            "根据知识库结果，我要先确认订单发货已经超过多少天。",
            ("询问用户订单发货的天数", "确认订单已经发货多久"),
            ("等用户告知发货天数", "等待用户查看发货时间"),
            ("请问您的订单是几天前发货的？", "麻烦您看一下订单详情，发货到现在有几天了？"),
        ),
        branches=(
            (
                (
                    ("前天才发的货。", "昨天发货的。", "刚发货两天。"),
                    Step(
                        "根据知识库结果，如果发货不足三天，要告诉用户物流信息可能延迟更新，请用户耐心等待。",
                        ("告诉用户物流信息可能延迟更新", "请用户耐心等待物流更新"),
                        ("用户已了解物流更新会有延迟", "用户会继续等待"),
                        (
                            "刚发货的包裹物流信息有时会延迟更新，一般一两天内就会有新的记录，请您耐心等待。",
                            "发货不到三天时物流可能还没同步，{courier}那边更新后您就能看到了。",
                        ),
                    ),
                ),
            ),
            (
                (
                    ("已经发货五天了。", "发货一个礼拜了。", "超过三天了，快{days}天了。"),
                    Step(
                        "根据知识库结果，如果发货超过三天，要进一步询问用户收货地址是否在偏远地区。",
                        ("询问用户收货地址所在的地区", "确认收货地址是否属于偏远地区"),
                        ("等用户告知收货地址", "等待用户说明收货地区"),
                        ("请问您的收货地址是在哪个地区呢？", "想确认一下，收货地址是否在偏远地区？"),
                    ),
                ),
                (
                    ("在{city}市区。", "就在{city}{district}。", "不偏远，在市中心。"),
                    Step(
                        "根据知识库结果，如果不在偏远地区，要为用户登记物流异常并在二十四小时内回电。",
                        ("为用户登记物流异常并告知会在二十四小时内回电", "登记物流异常工单"),
                        ("已为用户登记物流异常", "物流异常工单已登记"),
                        (
                            "我已经为您登记了物流异常，专员会在二十四小时内给您回电，请保持电话畅通。",
                            "这个情况不太正常，我这边登记了物流异常，二十四小时内会有专员联系您。",
                        ),
                    ),
                ),
            ),
        ),
    ),
    Topic(
        kb="用户想开具发票，如何处理？ 处理方法是：先确认订单是否已经确认收货。\n"
        "1. 如果还没有确认收货，要告诉用户确认收货后才能申请发票。\n"
        "2. 如果已经确认收货，要进一步询问用户需要个人发票还是企业发票。\n"
        "2.1 如果需要个人发票，要告诉用户在订单详情页点击“申请发票”，抬头填写个人姓名即可。\n"
        "2.2 如果需要企业发票，要告诉用户填写企业名称和税号，电子发票会在三个工作日内发送到邮箱。",
        questions=(
            "怎么开发票？",
            "我买的{product}需要开发票。",
            "请问能开发票吗？公司要报销。",
            "想给订单{order}开个发票。",
            "发票在哪里申请？",
        ),
        first=Step(
            "根据知识库结果，我要先确认用户的订单是否已经确认收货。",
            ("询问用户订单是否已经确认收货", "确认订单的收货状态"),
            ("等用户告知是否确认收货", "等待用户查看收货状态"),
            ("请问这个订单您已经确认收货了吗？", "麻烦确认一下，订单是否已经点了确认收货？"),
        ),
        branches=(
            (
                (
                    ("还没确认收货。", "东西还没到。", "还没点确认。"),
                    Step(
                        "根据知识库结果，如果还没有确认收货，要告诉用户确认收货后才能申请发票。",
                        ("告诉用户确认收货后才能申请发票", "说明申请发票的前提条件"),
                        ("用户已了解开票条件", "用户会在收货后申请"),
                        (
                            "发票需要在确认收货之后才能申请，您收到商品并确认收货后，就可以在订单里申请了。",
                            "目前订单还没确认收货，暂时不能开票，确认收货后再来申请就可以。",
                        ),
                    ),
                ),
            ),
            (
                (
                    ("已经确认收货了。", "确认过了。", "收到了，也确认了。"),
                    Step(
                        "根据知识库结果，如果已经确认收货，要进一步询问用户需要个人发票还是企业发票。",
                        ("询问用户需要个人发票还是企业发票", "确认发票抬头的类型"),
                        ("等用户告知发票类型", "等待用户选择发票类型"),
                        ("请问您需要开个人发票还是企业发票？", "发票抬头是开给个人还是公司呢？"),
                    ),
                ),
                (
                    ("开企业的，公司报销用。", "要公司抬头的。", "企业发票。"),
                    Step(
                        "根据知识库结果，如果需要企业发票，要告诉用户填写企业名称和税号，电子发票会在三个工作日内发送到邮箱。",
                        ("告诉用户填写企业名称和税号以及发票送达方式", "说明企业发票的申请步骤"),
                        ("用户已了解企业发票的申请方式", "用户会填写企业信息"),
                        (
                            "申请企业发票时请填写企业名称和税号，电子发票会在三个工作日内发送到您的邮箱。",
                            "企业发票需要您提供公司名称和税号，提交后三个工作日内电子发票会发到邮箱里。",
                        ),
                    ),
                ),
            ),
            (
                (
                    ("已经确认收货了。", "确认过了。", "收到了，也确认了。"),
                    Step(
                        "根据知识库结果，如果已经确认收货，要进一步询问用户需要个人发票还是企业发票。",
                        ("询问用户需要个人发票还是企业发票", "确认发票抬头的类型"),
                        ("等用户告知发票类型", "等待用户选择发票类型"),
                        ("请问您需要开个人发票还是企业发票？", "发票抬头是开给个人还是公司呢？"),
                    ),
                ),
                (
                    ("个人的就行。", "开给我自己。", "个人发票。"),
                    Step(
                        "根据知识库结果，如果需要个人发票，要告诉用户在订单详情页点击“申请发票”，抬头填写个人姓名即可。",
                        ("告诉用户在订单详情页申请个人发票的方法", "引导用户申请个人发票"),
                        ("用户已知道个人发票的申请入口", "用户会自行申请"),
                        (
                            "个人发票可以在订单详情页点击“申请发票”，抬头填写您的姓名就可以了。",
                            "您在订单详情页点“申请发票”，抬头选个人并写上姓名，提交即可。",
                        ),
                    ),
                ),
            ),
        ),
    ),
    Topic(
        kb="用户收到的商品有质量问题，如何处理？ 处理方法是：先确认用户收货是否在七天以内。\n"
        "1. 如果在七天以内，要告诉用户可以申请七天无理由退货，运费由商家承担。\n"
        "2. 如果超过七天，要进一步询问用户是否在三十天的保修期内。\n"
        "2.1 如果在保修期内，要为用户安排免费维修，并提供寄修地址。\n"
        "2.2 如果超过保修期，要告诉用户可以付费维修，并说明维修费用以检测结果为准。",
        questions=(
            "买的{product}坏了。",
            "收到的{product}有质量问题，怎么办？",
            "东西用了几天就出毛病了。",
            "{product}开不了机，是质量问题吧？",
            "商品有瑕疵，我要退换。",
        ),
        first=Step(
            "根据知识库结果，我要先确认用户收货是否在七天以内。",
            ("询问用户收货的时间", "确认用户收货是否在七天以内"),
            ("等用户告知收货时间", "等待用户回复收货日期"),
            ("请问您是哪天收到商品的？", "麻烦问一下，您收到货到现在有几天了？"),
        ),
        branches=(
            (
                (
                    ("前天刚收到。", "{date}收到的，还没一周。", "收到三天了。"),
                    Step(
                        "根据知识库结果，如果在七天以内，要告诉用户可以申请七天无理由退货，运费由商家承担。",
                        ("告诉用户可以申请七天无理由退货且运费由商家承担", "引导用户申请退货"),
                        ("用户已了解退货政策", "用户会申请退货"),
                        (
                            "收货七天以内可以申请七天无理由退货，来回运费都由商家承担，您在订单里点“申请售后”即可。",
                            "还在七天内，可以直接申请无理由退货，运费不用您出，请在订单详情里提交退货申请。",
                        ),
                    ),
                ),
            ),
            (
                (
                    ("已经半个多月了。", "收到二十天了。", "超过一周了。"),
                    Step(
                        "根据知识库结果，如果超过七天，要进一步询问用户是否在三十天的保修期内。",
                        ("确认商品是否在三十天保修期内", "询问用户购买是否超过三十天"),
                        ("等用户确认购买时间", "等待用户回复是否在保修期内"),
                        ("请问您购买到现在是否还在三十天以内？", "想确认一下，购买时间有没有超过三十天？"),
                    ),
                ),
                (
                    ("还没到三十天。", "二十天左右，没超过一个月。", "在保修期里。"),
                    Step(
                        "根据知识库结果，如果在保修期内，要为用户安排免费维修，并提供寄修地址。",
                        ("为用户安排免费维修并提供寄修地址", "登记免费维修"),
                        ("已为用户安排免费维修", "免费维修已登记"),
                        (
                            "商品还在保修期内，我已经为您安排了免费维修，寄修地址稍后会通过短信发给您。",
                            "在保修期内可以免费维修，寄修地址我会发到您尾号{phone}的手机上。",
                        ),
                    ),
                ),
            ),
        ),
    ),
    Topic(
        kb="用户想使用优惠券但无法使用，如何处理？ 处理方法是：先确认优惠券是否在有效期内。\n"
        "1. 如果优惠券已经过期，要告诉用户过期的优惠券无法使用，并推荐当前可领的活动券。\n"
        "2. 如果优惠券在有效期内，要进一步询问订单金额是否达到使用门槛。\n"
        "2.1 如果没有达到门槛，要告诉用户需要凑够门槛金额才能使用。\n"
        "2.2 如果达到了门槛，要询问商品是否属于不参加优惠的特价商品，并说明特价商品不能叠加优惠券。",
        questions=(
            "优惠券用不了。",
            "为什么我的优惠券不能用？",
            "买{product}的时候优惠券一直是灰色的。",
            "领的满减券结算时用不上。",
            "{amount}元的订单为什么不能用券？",
        ),
        first=Step(
            "根据知识库结果，我要先确认优惠券是否在有效期内。",
            ("询问用户优惠券的有效期", "请用户查看优惠券是否过期"),
            ("等用户告知优惠券的有效期", "等待用户查看优惠券"),
            ("请问您的优惠券还在有效期内吗？", "麻烦您在“我的优惠券”里看一下这张券是否已经过期？"),
        ),
        branches=(
            (
                (
                    ("好像过期了。", "显示已过期。", "昨天就到期了。"),
                    Step(
                        "根据知识库结果，如果优惠券已经过期，要告诉用户过期的优惠券无法使用，并推荐当前可领的活动券。",
                        ("告诉用户过期券无法使用并推荐活动券", "说明过期券的规则并推荐新券"),
                        ("用户已了解过期券无法使用", "用户会去领取活动券"),
                        (
                            "过期的优惠券没办法再使用了，不过现在首页有满减活动，您可以去领一张新的优惠券。",
                            "很遗憾这张券已经过期，您可以到领券中心看看，目前有不少可以领取的活动券。",
                        ),
                    ),
                ),
            ),
            (
                (
                    ("没过期，还有几天。", "有效期到月底。", "还在有效期内。"),
                    Step(
                        "根据知识库结果，如果优惠券在有效期内，要进一步询问订单金额是否达到使用门槛。",
                        ("询问订单金额是否达到使用门槛", "确认订单金额和优惠券门槛"),
                        ("等用户告知订单金额", "等待用户核对金额"),
                        (
                            "请问您这笔订单的金额达到优惠券的使用门槛了吗？",
                            "优惠券一般有满减门槛，您的订单金额够了吗？",
                        ),
                    ),
                ),
                (
                    ("只有{amount}元，没到门槛。", "差一点才够。", "还差几十块。"),
                    Step(
                        "根据知识库结果，如果没有达到门槛，要告诉用户需要凑够门槛金额才能使用。",
                        ("告诉用户需要凑够门槛金额", "说明优惠券的使用门槛"),
                        ("用户已了解门槛要求", "用户会凑单"),
                        (
                            "这张券需要订单金额达到门槛才能使用，您可以再添加一些商品凑够金额。",
                            "目前金额还没到门槛，凑够之后优惠券就会自动变成可用状态。",
                        ),
                    ),
                ),
            ),
        ),
    ),
)


# -- assembling records ---------------------------------------------------------


class _Slots:
    """Random slot values for one dialogue (the same customer throughout)."""

    def __init__(self, rng: random.Random) -> None:
        self.order = str(rng.randrange(10**17, 10**18))
        self.product = rng.choice(PRODUCTS)
        self.city = rng.choice(CITIES)
        self.district = rng.choice(DISTRICTS)
        self.courier = rng.choice(COURIERS)
        self.amount = f"{rng.randrange(19, 3000)}.{rng.choice('0259')}0"
        self.date = f"{rng.randrange(1, 13)}月{rng.randrange(1, 29)}日"
        self.days = str(rng.randrange(3, 15))
        self.phone = f"{rng.randrange(0, 10000):04d}"
        self.title = rng.choice(SURNAMES) + rng.choice(("先生", "女士"))

    def fill(self, template: str) -> str:
        return template.format_map(self.__dict__) if "{" in template else template


def _user_turn(rng: random.Random, slots: _Slots, core: str, kb: str, first: bool) -> str:
    text = slots.fill(core)
    if first:
        text = rng.choice(OPENERS) + text
        if rng.random() < 0.85:
            text += slots.fill(rng.choice(USER_DETAILS))
    elif rng.random() < 0.5:
        text += slots.fill(rng.choice(USER_DETAILS))
    text += rng.choice(USER_MOODS)
    return f"{text} {MARKER}{kb}"


def _assistant_turn(rng: random.Random, slots: _Slots, step: Step, *, first: bool) -> str:
    action = slots.fill(rng.choice(step.actions))
    observation = slots.fill(rng.choice(step.observations))
    reply = slots.fill(rng.choice(ACKS))
    if first or rng.random() < 0.4:
        reply += slots.fill(rng.choice(REPLY_DETAILS))
    reply += slots.fill(rng.choice(step.replies)) + rng.choice(CLOSINGS)
    return f"< 思考：{step.thought}\n动作：{action}\n观察：{observation} >\n--- {reply}"


def clean_record(rng: random.Random) -> dict[str, Any]:
    """One clean record: a dialogue along one branch of one topic."""
    topic = rng.choice(TOPICS)
    branch = rng.choice(topic.branches)
    slots = _Slots(rng)
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": _user_turn(rng, slots, rng.choice(topic.questions), topic.kb, True)},
        {"role": "assistant", "content": _assistant_turn(rng, slots, topic.first, first=True)},
    ]
    for answers, step in branch:
        messages.append(
            {"role": "user", "content": _user_turn(rng, slots, rng.choice(answers), topic.kb, False)}
        )
        messages.append({"role": "assistant", "content": _assistant_turn(rng, slots, step, first=False)})
    if rng.random() < 0.3:  # a closing exchange
        thanks = rng.choice(
            ("好的，谢谢。", "明白了，谢谢你。", "知道了。", "行，我试试。", "好，那我等等看。")
        )
        messages.append({"role": "user", "content": f"{thanks} {MARKER}{topic.kb}"})
        messages.append(
            {
                "role": "assistant",
                "content": "< 思考：用户已经了解了处理办法，我要礼貌地结束对话。\n动作：感谢用户并结束对话\n"
                "观察：对话结束 >\n--- "
                + rng.choice(("不客气，", "不用谢，", "应该的，", "好的，"))
                + rng.choice(CLOSINGS[2:]),
            }
        )
    return {"messages": messages}


# -- planted defects --------------------------------------------------------------

#: Record-level defects (representable as a dict), one per rule they trigger.
RECORD_DEFECTS = (
    "S002", "S003", "S004", "S005", "S006", "S007",
    "R001", "R002", "R003", "R004", "R006",
    "K001", "K002", "K101", "K103", "K104",
    "T001", "T002", "T005",
    "D001", "D002", "D002", "D002", "D004", "D005",
)  # fmt: skip
#: Line-level defects (only in files): invalid JSON, not an object, bad UTF-8, blank line, duplicate key.
LINE_DEFECTS = ("J001", "J002", "J003", "J004", "J005")


def _assistants(rec: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in rec["messages"] if m["role"] == "assistant"]


def _users(rec: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in rec["messages"] if m["role"] == "user"]


def near_duplicate(rng: random.Random, rec: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``rec`` with small edits: what re-exports and hand-edits produce.

    One or two of: whitespace changed, punctuation changed (full/half width,
    a dropped full stop), a word changed in one reply, a closing added to one
    reply.  The result is never identical to ``rec``.
    """
    out = json.loads(json.dumps(rec, ensure_ascii=False))
    turns = [m for m in out["messages"] if m["role"] != "system"]
    edits = rng.sample(("space", "punct", "word", "suffix"), rng.choice((1, 2)))
    for edit in edits:
        msg = rng.choice(turns)
        c = msg["content"]
        if edit == "space":
            msg["content"] = (
                c.replace("--- ", "---  ", 1).replace("。", "。 ", 2) if "---" in c else " " + c + " "
            )
        elif edit == "punct":
            msg["content"] = c.replace("，", ",", 3).replace("？", "?", 1)
        elif edit == "word":
            for a, b in (
                ("请您", "麻烦您"),
                ("可以", "能够"),
                ("已经", "早已"),
                ("请问", "想问下"),
                ("您", "你"),
            ):
                if a in c:
                    msg["content"] = c.replace(a, b, 1)
                    break
            else:
                msg["content"] = c + "。"
        else:
            msg["content"] = c + "好的。"
    if out == rec:
        turns[-1]["content"] += "好的。"
    return out


def _plant(code: str, rng: random.Random, rec: dict[str, Any], recent: deque) -> dict[str, Any]:
    """Apply the record-level defect ``code`` to the clean record ``rec``."""
    msgs = rec["messages"]
    a = _assistants(rec)
    u = _users(rec)
    if code == "S002":
        a[-1]["role"] = "客服"
    elif code == "S003":
        a[0]["content"] = "  "
    elif code == "S004":
        msgs.insert(2, {"role": "user", "content": u[0]["content"]})
    elif code == "S005":
        msgs.pop()
    elif code == "S006":
        msgs.insert(3, {"role": "system", "content": "请注意语气礼貌。"})
    elif code == "S007":
        a[0]["content"] = a[0]["content"].replace("--- ", "--- {{customer_name}}，", 1)
    elif code == "R001":
        a[-1]["content"] = a[-1]["content"].split("--- ", 1)[1]
    elif code == "R002":
        rest = a[-1]["content"].split("\n", 1)[1]
        a[-1]["content"] = "< " + rest
    elif code == "R003":
        c = a[0]["content"]
        a[0]["content"] = c.replace("\n动作：", "\n动作：询问用户：", 1)
    elif code == "R004":
        a[-1]["content"] = a[-1]["content"].replace(" >\n--- ", " >\n", 1)
    elif code == "R006":
        c = a[0]["content"]
        think, act, rest = c.split("\n", 2)
        a[0]["content"] = "< " + act + "\n" + think[2:] + "\n" + rest
    elif code == "K001":
        u[-1]["content"] = u[-1]["content"].split(" " + MARKER, 1)[0]
    elif code == "K002":
        u[-1]["content"] = u[-1]["content"].split(MARKER, 1)[0] + MARKER + "[同上]"
    elif code in ("K101", "K103", "K104"):
        old, new = {"K101": ("\n2. ", "\n3. "), "K103": ("\n2. ", "\n1. "), "K104": ("\n2. ", "\n2、")}[code]
        for m in u:
            m["content"] = m["content"].replace(old, new, 1)
    elif code == "T001":
        c = a[-1]["content"]
        for a_, b_ in (
            ("已经", "以经"),
            ("申请", "申情"),
            ("抱歉", "报歉"),
            ("地址", "地止"),
            ("辛苦", "幸苦"),
        ):
            if a_ in c:
                a[-1]["content"] = c.replace(a_, b_, 1)
                break
        else:
            a[-1]["content"] = c + "以经为您处理。"
    elif code == "T002":
        u[0]["content"] = u[0]["content"].replace("订单号", "帐号", 1) + "我的帐号也登录不了。"
    elif code == "T005":
        a[0]["content"] = a[0]["content"].replace("--- ", "--- 锟斤拷", 1)
    elif code == "D004":
        msgs[0]["content"] = SYSTEM_OLD
    elif code == "D005":
        extra = []
        for _ in range(40):
            extra.append(dict(u[-1]))
            extra.append(dict(a[-1]))
        rec["messages"] = msgs + extra
    return rec


@dataclass(slots=True)
class CorpusLine:
    """One physical line of a generated file and what was planted in it."""

    raw: bytes
    data: dict[str, Any] | None  # None for line-level defects that are not a record
    code: str | None = None  # planted defect
    source: int | None = None  # for D001/D002: ordinal (0-based) of the copied record's line


def generate_lines(
    n: int,
    seed: int = 0,
    plant_defects: bool = False,
    *,
    defect_rate: float = 0.05,
    line_defects: bool = True,
) -> Iterator[CorpusLine]:
    """``n`` records (and, with line-level defects, an occasional blank line).

    ``source`` of a D001/D002 line is the 0-based position, among the lines
    yielded so far, of the line it copies.
    """
    rng = random.Random(seed)
    plant_rng = random.Random(seed + 1)
    codes = RECORD_DEFECTS + (LINE_DEFECTS if line_defects else ())
    order = list(codes)
    plant_rng.shuffle(order)
    recent: deque[tuple[int, dict[str, Any]]] = deque(maxlen=512)
    made = 0
    pos = 0
    dumps = orjson.dumps
    while made < n:
        rec = clean_record(rng)
        if not (plant_defects and made > 0 and plant_rng.random() < defect_rate):
            raw = dumps(rec)
            recent.append((pos, rec))
            yield CorpusLine(raw, rec)
            pos += 1
            made += 1
            continue
        code = order[made % len(order)]
        if code in ("D001", "D002") and recent:
            src_pos, src = plant_rng.choice(recent)
            copy = src if code == "D001" else near_duplicate(plant_rng, src)
            yield CorpusLine(dumps(copy), copy, code, src_pos)
        elif code == "J001":
            yield CorpusLine(dumps(rec)[:-40], None, code)
        elif code == "J002":
            yield CorpusLine(dumps(rec["messages"]), None, code)
        elif code == "J003":
            yield CorpusLine(dumps(rec).replace("客服".encode(), b"\xe5\xae\xa2\xff", 1), None, code)
        elif code == "J004":
            yield CorpusLine(b"", None, code)
            pos += 1
            raw = dumps(rec)
            recent.append((pos, rec))
            yield CorpusLine(raw, rec)
        elif code == "J005":
            body = dumps(rec)
            yield CorpusLine(b'{"id": "dup", "id": "dup", ' + body[1:], None, code)
        else:
            planted = _plant(code, plant_rng, rec, recent)
            yield CorpusLine(dumps(planted), planted, code)
        pos += 1
        made += 1


def generate(n: int, seed: int = 0, plant_defects: bool = False, **kw: Any) -> Iterator[dict[str, Any]]:
    """``n`` records as dicts (record-level defects only when planting)."""
    for line in generate_lines(n, seed, plant_defects, line_defects=False, **kw):
        if line.data is not None:
            yield line.data


def write_corpus(
    path: str | Path,
    n: int | None = None,
    seed: int = 0,
    plant_defects: bool = False,
    *,
    mb: float | None = None,
    truth: str | Path | None = None,
    defect_rate: float = 0.05,
    exchanges: bool = False,
) -> dict[str, Any]:
    """Write ``n`` records (or about ``mb`` megabytes) of JSONL to ``path``.

    ``exchanges``: write each generated record as its exchanges instead, one record per user turn
    and the assistant turn after it, without the system prompt (about 1.2 KB a record, a third
    of a whole dialogue's: a gigabyte is about 900,000 records, for what grows per record).
    Planted line-level defects are written as they are; no truth file (``n`` counts dialogues).

    With ``truth``, write one JSON line per planted defect:
    ``{"line": 1-based line, "code": ..., "source_line": 1-based line or null}``.
    Returns ``{"records", "lines", "bytes", "planted": {code: count}}``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    limit = int(mb * 1024 * 1024) if mb is not None else None
    count = n if n is not None else 1 << 62
    planted: dict[str, int] = {}
    size = lines = records = 0
    tf = open(truth, "w", encoding="utf-8") if truth else None  # noqa: SIM115
    try:
        with open(path, "wb") as fh:
            for i, line in enumerate(generate_lines(count, seed, plant_defects, defect_rate=defect_rate)):
                if exchanges:
                    raws = _exchanges(line)
                    size += sum(len(raw) + 1 for raw in raws)
                    lines += len(raws)
                    records += len(raws) if line.code != "J004" else 0
                    fh.write(b"".join(raw + b"\n" for raw in raws))
                    if limit is not None and size >= limit:
                        break
                    continue
                fh.write(line.raw + b"\n")
                size += len(line.raw) + 1
                lines += 1
                if line.code != "J004":
                    records += 1
                if line.code:
                    planted[line.code] = planted.get(line.code, 0) + 1
                    if tf is not None:
                        src = line.source + 1 if line.source is not None else None
                        tf.write(json.dumps({"line": i + 1, "code": line.code, "source_line": src}) + "\n")
                if limit is not None and size >= limit:
                    break
    finally:
        if tf is not None:
            tf.close()
    return {"records": records, "lines": lines, "bytes": size, "planted": planted}


def _exchanges(line: CorpusLine) -> list[bytes]:
    """The lines of ``line``'s record cut into exchanges (each user turn with the assistant turn
    after it, no system prompt); a line that is not a record of messages, as it is."""
    messages = line.data.get("messages") if isinstance(line.data, dict) else None
    if not isinstance(messages, list):
        return [line.raw]
    turns = [m for m in messages if isinstance(m, dict) and m.get("role") != "system"]
    out = [orjson.dumps({"messages": turns[k : k + 2]}) for k in range(0, len(turns), 2)]
    return out or [line.raw]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("--records", type=int, help="number of records")
    size.add_argument("--mb", type=float, help="write about this many megabytes instead")
    p.add_argument("--out", required=True, help="JSONL file to write")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plant-defects", action="store_true", help="plant one known defect in ~5%% of records")
    p.add_argument("--defect-rate", type=float, default=0.05)
    p.add_argument("--truth", help="where to write the planted defects (default: OUT.truth.jsonl)")
    p.add_argument(
        "--exchanges",
        action="store_true",
        help="one record per exchange (user turn + reply, no system prompt): ~1.2 KB records; no truth file",
    )
    args = p.parse_args(argv)
    truth = args.truth or (args.out + ".truth.jsonl" if args.plant_defects and not args.exchanges else None)
    if args.exchanges and args.truth:
        p.error("--exchanges writes no truth file")
    stats = write_corpus(
        args.out,
        args.records,
        args.seed,
        args.plant_defects,
        mb=args.mb,
        truth=truth,
        defect_rate=args.defect_rate,
        exchanges=args.exchanges,
    )
    planted = ", ".join(f"{k} {v}" for k, v in sorted(stats["planted"].items()))
    sys.stderr.write(
        f"wrote {stats['records']:,} records ({stats['bytes'] / 1e6:,.1f} MB) to {args.out}"
        + (f"; planted: {planted}; truth in {truth}" if planted else "")
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
