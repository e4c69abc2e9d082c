"""Hand-written material for the other corpus files: English ReAct and plain chats.

English dialogues use the seed's layout with English labels
(``< Thought: … / Action: … / Observation: … >`` then ``---`` and the reply),
so they check that an English ReAct dataset works without configuration.
Turn: ``(user, thought, action, observation or None, reply)``.

Plain chats are ordinary customer-service conversations with no ReAct and no
retrieval; they carry the look-alikes (numbered replies with gaps, ``<``,
``---``, a stray "思考：") that must not wake the R and K rules.
"""

from __future__ import annotations

EN_SYSTEM = (
    "You are the support assistant of ShopNow. Before every reply, reason with ReAct inside < >: "
    "write your reasoning as Thought, the step you take as Action and what you learn as Observation, "
    "one per line. Then write --- followed by your reply to the customer."
)

EN_DIALOGUES: list[list[tuple]] = [
    [
        (
            "Where is my order? It was supposed to arrive yesterday.",
            "The customer is asking about a late delivery. I need the order status first.",
            "look up the latest tracking event for the customer's order",
            "The parcel left the regional hub at 06:40 today and is out for delivery.",
            "Your parcel left our regional hub at 06:40 this morning and is out for delivery today.",
        ),
        (
            "Can I pick it up myself instead?",
            "Self pickup is possible only before the courier's route starts; it has already started.",
            "explain that pickup is no longer possible and offer a delivery note",
            None,
            "Since the parcel is already on the courier's route, pickup isn't possible anymore, "
            "but I can add a note asking the courier to leave it with your building's reception.",
        ),
    ],
    [
        (
            "I returned a jacket two weeks ago and still have no refund.",
            "Refunds are issued after the warehouse inspects the return. I should check the return status.",
            "check the return status in the returns system (status: inspected / pending)",
            "The return was inspected three days ago and the refund was issued to the original card.",
            "Good news: your return was inspected three days ago and the refund went to your original card. "
            "Banks usually take 3-5 business days to show it.",
        ),
        (
            "It's been three days already.",
            "Three business days is within the bank's usual window, so there is nothing to escalate yet.",
            "reassure the customer and give the date after which to contact us again",
            None,
            "That's still within the bank's usual 3-5 business days. If you don't see it by Friday, "
            "reply here and we'll open a trace with the payment provider.",
        ),
    ],
    [
        (
            "I can't log in, it says my password is wrong.",
            "The customer cannot log in with their password; the standard path is a password reset.",
            "send the password reset link https://account.shopnow.example/reset to the registered email",
            "The reset email was sent successfully.",
            "I've sent a password reset link to your registered email. It expires in 30 minutes.",
        ),
        (
            "I don't use that email anymore.",
            "If the email is no longer in use, the account must be verified another way before changing it.",
            "offer identity verification by SMS to the phone number on the account",
            None,
            "No problem. I can verify you by SMS instead: I'll send a 6-digit code to the phone number on "
            "your account, and then we can update your email.",
        ),
    ],
    [
        (
            "How do I cancel my ShopNow Plus subscription?",
            "The cancellation path depends on where the subscription was bought.",
            "ask whether the subscription was bought on the website or through the App Store",
            None,
            "Happy to help. Did you subscribe on our website or through the App Store on your iPhone?",
        ),
        (
            "On the website.",
            "Website subscriptions are cancelled under Account > Membership.",
            "explain the cancellation steps for website subscriptions",
            None,
            "Go to Account > Membership and click Cancel renewal. You keep the Plus benefits until the end "
            "of the current billing period.",
        ),
    ],
    [
        (
            "The mug I ordered arrived broken.",
            "Damaged items are replaced free of charge once we have a photo of the damage.",
            "ask the customer for a photo of the damaged item and the packaging",
            None,
            "I'm sorry it arrived broken! Could you send a photo of the mug and the box it came in?",
        ),
        (
            "Here are the photos.",
            "The photos show the handle snapped off, which qualifies for a free replacement.",
            "create a replacement order (order_id: R-20931) with free express shipping",
            "Replacement order R-20931 was created.",
            "Thanks! I've created replacement order R-20931 with free express shipping; you don't need to "
            "send the broken mug back.",
        ),
    ],
    [
        (
            "Can I change the delivery address on my order?",
            "Address changes are possible only before the order is packed.",
            "check whether the order has been packed yet",
            "The order is still awaiting packing.",
            "Yes, your order hasn't been packed yet, so the address can still be changed. What's the new "
            "address?",
        ),
        (
            "12 Park Lane, Flat 3B, please.",
            "The order is unpacked, so the address can be updated directly.",
            "update the shipping address on the order",
            "The address was updated.",
            "Done! Your order will now ship to 12 Park Lane, Flat 3B.",
        ),
    ],
    [
        (
            "My promo code SAVE10 doesn't work.",
            "Promo codes fail when the basket is below the minimum spend or the code has expired.",
            "check the terms of the code SAVE10",
            "SAVE10 needs a minimum spend of $50; the customer's basket is $42.",
            "SAVE10 needs a minimum spend of $50, and your basket is currently $42, so it's $8 short.",
        ),
        (
            "Ugh, ok. Anything else I can use?",
            "The welcome offer gives free shipping with no minimum and the customer hasn't used it yet.",
            "suggest the unused welcome offer",
            None,
            "You still have our welcome offer: free shipping on this order with no minimum spend. It's "
            "applied automatically at checkout.",
        ),
    ],
    [
        (
            "How many loyalty points do I have?",
            "Points balance is on the customer's account.",
            "look up the customer's loyalty balance",
            "The balance is 2,400 points, of which 400 expire on 31 March.",
            "You have 2,400 points; 400 of them expire on 31 March, so it's worth using them soon.",
        ),
        (
            "What are they worth?",
            "Points convert at 100:1 into store credit.",
            "explain the 100:1 conversion rate",
            None,
            "Points convert at 100:1, so your 2,400 points are worth $24 in store credit.",
        ),
    ],
    [
        (
            "My headphones stopped charging after 8 months.",
            "The headphones are within the 12-month warranty, so a repair or replacement applies.",
            "check the purchase date against the 12-month warranty",
            "Purchased 8 months ago: covered by the warranty.",
            "Your headphones are still under our 12-month warranty, so we'll repair or replace them for free.",
        ),
        (
            "Great, what do I do?",
            "Warranty claims start with a prepaid return label.",
            "email a prepaid return label and book a courier pickup for 14:30 tomorrow",
            "Label sent; pickup booked.",
            "I've emailed you a prepaid return label and booked a courier pickup for tomorrow at 14:30.",
        ),
    ],
    [
        (
            "My account says it's locked.",
            "Accounts lock after five failed logins and unlock automatically after 24 hours.",
            "check the lock reason on the account",
            "Locked at 21:15 yesterday after five failed logins.",
            "Your account was locked at 21:15 yesterday after five failed login attempts. It unlocks "
            "automatically 24 hours later.",
        ),
        (
            "Can you unlock it now? I need to order today.",
            "An early unlock is allowed after identity verification.",
            "offer an early unlock after SMS verification",
            None,
            "I can unlock it right away once you confirm the 6-digit code I'm sending to your phone.",
        ),
    ],
]

#: Plain customer-service chats: no ReAct, no retrieval marker.  Each is (system or None, [(role, text), ...]).
PLAIN_CHATS: list[tuple[str | None, list[tuple[str, str]]]] = [
    (
        "你是某电商平台的客服助手，请礼貌、简洁地回答用户问题。",
        [
            ("user", "退货流程是怎样的？"),
            (
                "assistant",
                "退货流程如下：\n1. 在订单详情页点击“申请退货”；\n2. 选择退货原因并上传照片；\n4. 等待审核通过后寄回商品。\n审核一般在24小时内完成。",
            ),
        ],
    ),
    (
        None,
        [
            ("user", "满减券是怎么算的？"),
            (
                "assistant",
                "满减券在商品实付金额≥门槛时可用，例如满199元减20元；如果实付金额<199元就无法使用。",
            ),
            ("user", "那退货后券还能用吗？"),
            (
                "assistant",
                "整单退货后，未过期的券会自动退回您的账户；部分退货后如果剩余金额>门槛，券仍然有效。",
            ),
        ],
    ),
    (
        "你是客服助手。",
        [
            ("user", "你们周末上班吗？"),
            ("assistant", "在线客服每天9:00-21:00都在线，周末和节假日也不休息。"),
        ],
    ),
    (
        None,
        [
            ("user", "帮我比较一下这两款耳机。"),
            (
                "assistant",
                "两款耳机的主要区别：\n---\nA款：续航30小时，支持降噪，价格399元。\nB款：续航24小时，不支持降噪，价格259元。\n---\n如果您经常通勤，推荐A款。",
            ),
        ],
    ),
    (
        None,
        [
            ("user", "我该买哪个尺码？"),
            (
                "assistant",
                "思考：您的身高175cm、体重65kg，按尺码表对应L码。\n如果您喜欢宽松一点的版型，也可以选XL码。",
            ),
        ],
    ),
    (
        "You are a helpful store assistant.",
        [
            ("user", "What's your return policy?"),
            (
                "assistant",
                "You can return items within 30 days.\nAction: start the return from Orders > Return item, then print the label.",
            ),
        ],
    ),
    (
        None,
        [
            ("user", "<活动咨询> 双11有什么优惠？"),
            (
                "assistant",
                "双11期间（11.1-11.11）全场满300减50，部分商品低至2.5折，11.11当天0:00-2:00还有限时秒杀。",
            ),
        ],
    ),
    (
        "你是某App的客服，回答要简短。",
        [
            ("user", "App闪退怎么办？"),
            (
                "assistant",
                "请先将App升级到8.2.0及以上版本。如果仍然闪退：1. 清除缓存后重启；2. 卸载后重新安装；3. 联系人工客服。",
            ),
            ("user", "升级了还是不行。"),
            (
                "assistant",
                "麻烦您告诉我手机型号和系统版本（例如iOS 17.2或Android 14），我帮您登记给技术同事排查。",
            ),
        ],
    ),
    (
        None,
        [
            ("user", "快递什么时候到？单号SF1234567890。"),
            ("assistant", "单号SF1234567890显示包裹今天08:15已到达派送站，预计18:00前送达。"),
        ],
    ),
    (
        None,
        [
            ("user", "会员有哪些权益？"),
            (
                "assistant",
                "会员权益：\n① 每月4张免运费券；\n② 会员专享价；\n③ 生日当月双倍积分。\n开通费用为每月15元或每年148元。",
            ),
        ],
    ),
    (
        "你是在线客服。",
        [
            ("user", "怎么联系人工？"),
            ("assistant", "您可以拨打400-820-1234（工作日9:00-18:00），或在App内点击“我的-客服-转人工”。"),
        ],
    ),
    (
        None,
        [
            ("user", "我的积分为什么少了？"),
            ("assistant", "积分有效期为12个月，到期自动清零。您在2023.3.15获得的200积分已于2024.3.15到期。"),
        ],
    ),
    (
        None,
        [
            ("user", "发票开错了能重开吗？"),
            (
                "assistant",
                "可以的，开票后30天内可申请换开一次。步骤：\n1、在订单详情页点击“发票详情”；\n2、点击“申请换开”并填写正确信息；\n3、新发票会在1-3个工作日内发送到邮箱。",
            ),
        ],
    ),
    (
        "You are ShopNow's assistant.",
        [
            ("user", "Is the blender dishwasher safe?"),
            (
                "assistant",
                "Yes, the jar and blades (model BX-2.1) are dishwasher safe; the motor base is not.",
            ),
            ("user", "Thanks! And the warranty?"),
            ("assistant", "It has a 2-year warranty. Note: keep your receipt, you will need it for a claim."),
        ],
    ),
    (
        None,
        [
            ("user", "为什么我的订单被取消了？"),
            (
                "assistant",
                "订单在下单后30分钟内未支付会自动取消。如果您已经付款但订单被取消，款项会在1-3个工作日内原路退回。",
            ),
        ],
    ),
    (
        None,
        [
            ("user", "可以开增值税专用发票吗？"),
            (
                "assistant",
                "可以。需要提供以下信息：\n（1）企业名称；\n（2）纳税人识别号；\n（3）开户行及账号；\n（4）注册地址及电话。",
            ),
        ],
    ),
    (
        "你是客服助手，回答时可以使用列表。",
        [
            ("user", "直播带货需要什么资质？"),
            (
                "assistant",
                "开通直播带货需要满足：\n1. 完成实名认证；\n2. 账号粉丝数≥1000；\n3. 缴纳保证金500元。\n其中第2.1条“粉丝数”以开通当天9:00的数据为准。",
            ),
        ],
    ),
    (
        None,
        [
            ("user", "下单后多久发货？"),
            ("assistant", "现货商品48小时内发货；预售商品按页面标注的时间发货，例如“5.20前发货”。"),
            ("user", "5.20是周日也发吗？"),
            ("assistant", "是的，仓库周末正常发货。"),
        ],
    ),
    (
        None,
        [
            ("user", "怎么修改绑定手机号？"),
            (
                "assistant",
                "请在“设置-账号与安全-手机号”中修改。操作时需要：1.验证原手机号；2.输入新手机号并验证。原手机号停用的，请选择“原手机号不可用”。",
            ),
        ],
    ),
    (
        "You are a React and TypeScript expert who helps our customers with the storefront SDK.",
        [
            ("user", "How do I react to a failed payment in the checkout component?"),
            (
                "assistant",
                "Listen for the onPaymentError event:\n1. Show the error message.\n2. Keep the basket.\n3. Offer another payment method.",
            ),
        ],
    ),
    (
        "你是一个乐于助人的客服。",
        [
            ("user", "比例是多少？"),
            ("assistant", "积分与现金的兑换比例为100:1，也就是100积分抵扣1元。"),
        ],
    ),
]
