"""T001 on real-looking datasets: names and transliterations, users' own words, the file's own words.

Each test has a twin that must still be reported, so that a filter switched off or a count
that never stops anything shows up as a failure.
"""

from __future__ import annotations

import json

import pytest

import sftlint
from sftlint.analysis.text.typo import in_foreign_name, takes_from_dotted_name, transliterated_word
from sftlint.analysis.text.userdict import covered, parse_user_dict


def chat(*turns: str) -> dict:
    return {
        "messages": [
            {"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)
        ]
    }


def t001(records, **kw) -> list:
    return [d for d in sftlint.lint(records, select=["T001"], **kw) if d.code == "T001"]


# -- names and transliterations ------------------------------------------------

NAMES = [
    chat("前菲律宾总统杜特尔特的毒品战争是否应被调查？", "国际刑事法院已授权调查杜特尔特总统和其他官员。"),
    chat(
        "这篇文章讲了什么？",
        "文章说墨西哥总统安德烈斯·曼努埃尔·洛佩斯·奥夫拉多尔宣布退出推特，洛佩斯·奥夫拉多尔解释了原因。",
    ),
    chat("推荐一本教育名著。", "《爱弥儿》，卢梭著；也可以读迪德罗的《百科全书》。"),
]


@pytest.mark.parametrize("record", NAMES)
def test_transliterated_names_stay_quiet(record):
    assert t001([record]) == []


def test_the_signs_of_a_foreign_name():
    assert in_foreign_name("总统杜特尔特的", 2, "独特")  # a run of transliteration characters
    assert in_foreign_name("返回帕耳特镇", 3, "帕尔特")  # the correction only makes another name
    assert in_foreign_name("奥夫拉多", 1, "福拉", dots=(True, False))  # after a name dot
    assert not in_foreign_name("我以经申请退款了", 1, "已经")


def test_a_typo_beside_a_name_is_still_reported():
    (d,) = t001([chat("杜特尔特是谁？", "杜特尔特是菲律宾前总统，他以经卸任了。")])
    assert "以经" in d.message


def test_a_two_character_transliterated_name_is_not_reported():
    """A translated Alpaca and a translated story write Molly as 莫莉 (露丝和莫莉, 莫莉在家里开了
    一个托儿所): both characters are transliteration characters, 莉 a marker, and 莫莉 is no slip
    for 茉莉 (jasmine).  A slip beside the name is still reported."""
    names = [
        chat("确定句子中的人物。\n露丝和莫莉为烘焙义卖做了曲奇饼。", "露丝和莫莉"),
        chat("背景：莫莉在家里开了一个托儿所，每天有8个小孩。她有什么感受？", "烦恼"),
    ]
    assert t001(names) == []
    (d,) = t001([chat("莫莉去哪了？", "莫莉以经回家了。")])
    assert "以经" in d.message
    assert transliterated_word("莫莉") and transliterated_word("拉丁")
    assert (
        not transliterated_word("以经") and not transliterated_word("安全") and not transliterated_word("莫")
    )


#: an episode list and a yoga routine (held-out round 7's medical DPO file): 暮光 (twilight) and
#: 猫牛 (the cat-cow pose) stand in list items, where the model reads 目光 and 牦牛
ITEMS = [
    chat(
        "列出小马宝莉第二季的剧集。",
        '[\n  "坎特洛婚礼！",\n  "苹果家族团聚",\n  "暮光之国来临",\n  "小马痘"\n]',
    ),
    chat(
        "推荐几个椅子瑜伽动作。",
        "椅子瑜伽示例练习：\n- 坐姿扭转：每侧3-5次呼吸\n- 坐姿猫牛伸展：5-7轮\n- 坐姿前折：5-7次呼吸",
    ),
]


def test_a_weak_model_finding_in_a_list_item_or_title_is_not_reported():
    """A short run standing alone as a list item, title or label is a name or a term more often
    than a sentence: its model finding needs ITEM_SCORE.  The detector still proposes them; a
    slip in a sentence, and a strong one in an item, are still reported."""
    from rules.text import in_item
    from sftlint.analysis.text.typo import TypoDetector

    det = TypoDetector()
    # (猫牛 -> 牦牛 is a correction into a rare character, which the detector itself now asks
    # more of: only 暮光 -> 目光 is left for the item's bar to stop)
    assert [t.source for t in det.detect(ITEMS[0]["messages"][1]["content"])] == ["model"]
    assert det.detect(ITEMS[1]["messages"][1]["content"]) == ()
    assert t001(ITEMS) == []
    (d,) = t001([chat("我该怎么办？", "我现在间段性血尿，已经一周了。")])
    assert "间段性" in d.message
    (d,) = t001(
        [chat("离婚时财产怎么分？", "需要注意：\n- 共同材产：婚后所得归双方共有\n- 个人财产：婚前所得归个人")]
    )
    assert "共同材产" in d.message
    text = "1.1.1依拓康（外科技术）\n## 竞品分析\n他在暮光中看见了她。\n目前有北京坊店、三里屯店"
    assert in_item(text, text.index("拓"), text.index("拓") + 1)
    assert in_item(text, text.index("竞"), text.index("竞") + 1)
    assert not in_item(text, text.index("暮"), text.index("暮") + 1)  # a clause, not an item
    assert not in_item(text, text.index("坊"), text.index("坊") + 1)


#: a film synopsis with a cast credit: （蒂姆·柯瑞饰） is "played by Tim Curry"
CREDIT = chat(
    "这部电影讲了什么？",
    "彼得开始在其他地方打听。罗马尼亚慈善家赫克默·霍莫尔卡（蒂姆·柯瑞饰）提出资助这次远征；卡伦也提出资助。",
)


def test_a_correction_that_takes_a_character_of_a_dotted_name_is_not_reported():
    # 饰 -> 士 would make 瑞士 (Switzerland) out of the name's 瑞
    assert t001([CREDIT]) == []
    assert takes_from_dotted_name("柯瑞饰", 2, (1, 3), (True, False))
    assert takes_from_dotted_name("饰柯林", 0, (0, 2), (False, True))  # a name dot after the run
    assert not takes_from_dotted_name("柯瑞偿试了", 2, (2, 4), (True, False))  # begins at the suspect
    assert not takes_from_dotted_name("柯瑞饰", 2, (1, 3), (False, False))  # no name dot


def test_a_slip_right_after_a_dotted_name_is_still_reported():
    (d,) = t001([chat("这部电影讲了什么？", "（蒂姆·柯瑞饰）偿试说服大学资助这次远征。")])
    assert "偿试" in d.message


# -- a user dictionary in jieba's format ---------------------------------------

DRUG = chat("这个药叫什么？", "这是我们店的票亮洗衣液，洗得很干净。")


def test_a_user_dictionary_silences_its_words(tmp_path):
    assert t001([DRUG]), "the twin: without the dictionary the word is reported"
    path = tmp_path / "userdict.txt"
    path.write_text("# 我们的产品\n票亮洗衣液 10 nz\n肾阳虚 5 n\n", encoding="utf-8")
    assert t001([DRUG], options={"zh-typo": {"user-dict": str(path)}}) == []
    # other typos in the same record are still found
    other = chat("这个药叫什么？", "这是我们店的票亮洗衣液，我门已经发货了。")
    (d,) = t001([other], options={"zh-typo": {"user-dict": str(path)}})
    assert "我门" in d.message


def test_user_dictionary_format_and_lookup():
    words = parse_user_dict(["\ufeff念珠菌 3 n", "", "# comment", "云计算", "a"])
    assert words == {"念珠菌", "云计算"}
    assert covered("白色念球菌感染", 2, 3, frozenset({"念球菌"}), 3)
    assert not covered("白色念球菌感染", 1, 2, frozenset({"念球菌"}), 3)


def test_an_unreadable_user_dictionary_is_a_configuration_error(tmp_path):
    with pytest.raises(Exception, match="user dictionary"):
        t001([DRUG], options={"zh-typo": {"user-dict": str(tmp_path / "missing.txt")}})


def test_the_cli_reads_a_user_dictionary_from_pyproject(tmp_path):
    from sftlint.cli import main

    (tmp_path / "words.txt").write_text("票亮洗衣液\n", encoding="utf-8")
    (tmp_path / "data.jsonl").write_text(json.dumps(DRUG, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.sftlint.rules.zh-typo]\nuser-dict = "{tmp_path / "words.txt"}"\n', encoding="utf-8"
    )
    assert (
        main(["check", "--select", "T001", "-q", "--fail-on", "warning", str(tmp_path / "data.jsonl")]) == 0
    )


# -- the file's own frequent words ---------------------------------------------

# (褐蘑菇 alone: with "或香菇" after it the parallel of the two items vouches for it, see
# tests/test_typo_coherence.py)
TERM = "再加八盎司切片蘑菇（如褐蘑菇）"


def _records(n: int) -> list[dict]:
    return [chat(f"第{i}个问题：沙拉怎么做？", f"在第{i}个例子里，{TERM}。") for i in range(n)]


def test_a_correction_on_many_lines_of_a_file_is_the_files_own_word(tmp_path):
    one = t001(_records(1))
    assert len(one) == 1 and "如褐" in one[0].message  # alone, it reads as a typo
    assert t001(_records(5)) == []  # five distinct lines: the file uses the word on purpose
    assert len(t001(_records(5), options={"zh-typo": {"frequent": 0}})) == 5


# A templated customer-service file: every reply is one of a few templates, most of them
# writing 申请; the template of every tenth record carries the slip 申清.
SERVICE_TEMPLATES = [
    ("退款多久到账？", "已为您登记了退费申请，我们会在3个工作日内核实后退还费用。"),
    ("怎么退换货？", "您可以直接在订单页申请退换货，来回运费都由商家承担。"),
    ("补办社保卡要多久？", "您可以在“掌上社保”App里在线申请补卡，新卡大约20个工作日后寄到。"),
    ("发票怎么开？", "请在订单详情页点击申请开票，电子发票会发到您的邮箱。"),
]


def _service(slip: str, n: int = 120, templated: bool = True) -> list[dict]:
    out = []
    for i in range(n):
        q, a = SERVICE_TEMPLATES[i % len(SERVICE_TEMPLATES)]
        if not templated:  # every reply in words of its own: no phrase comes back
            a = f"第{i}位客户，您好：{a[:-1]}，编号{i * 7919 % 1000}号窗口为您办理。"
        if i % 7 == 3:  # on every template's reply: four distinct lines
            a = f"{a}提交{slip}后请留意短信通知。"
        out.append(chat(q, a))
    return out


def test_a_slip_a_template_copies_is_reported_wherever_it_was_copied():
    """Repeated on four distinct lines, 申清 would be the file's own word; in a templated file
    whose other phrases write 申请 a hundred times it is the template's slip."""
    found = t001(_service("申清"))
    assert [d.line for d in found] == list(range(4, 121, 7))
    assert all(
        d.message.endswith("（申清 → 申请）（本文件的句子写“申请”120次、写“申清”17次：模板里的笔误）")
        for d in found
    )
    # the clean twins: the correct template; a file whose replies do not repeat their phrases
    # (its repeated word is its own, as before); a templated file that never writes 申请
    assert t001(_service("申请")) == []
    assert t001(_service("申清", templated=False)) == []
    never = [
        chat(r["messages"][0]["content"], r["messages"][1]["content"].replace("申请", "办理"))
        for r in _service("申清")
    ]
    assert sum("申清" in r["messages"][1]["content"] for r in never) == 17 and t001(never) == []


def test_a_templates_slip_stands_in_a_file_full_of_words_the_dictionary_lacks(monkeypatch):
    """A file that keeps offering the model corrections raises the score a model finding needs
    (its vocabulary is one the dictionary lacks); a slip the file's own phrases show is not one
    of those words and is reported whatever its score (安照 at 2.1 in a corpus whose bar was 2.5)."""
    from sftlint.rules import text as text_rules

    monkeypatch.setattr(text_rules, "unfamiliar_bar", lambda chars, proposed, model: 99.0)
    found = t001(_service("申清"))
    assert [d.line for d in found] == list(range(4, 121, 7))
    # an ordinary model finding in the same file is held to the bar
    one_off = _service("申请")
    one_off[5] = chat("发票怎么开？", "请在订单详情页点击申请开票，电子发漂会发到您的邮箱。")
    assert t001(one_off) == []
    monkeypatch.undo()
    assert [d.line for d in t001(one_off)] == [6]


def test_a_typo_repeated_in_one_line_or_copied_records_still_counts_once():
    same = chat("请问怎么办？", f"{TERM}，{TERM}，{TERM}。")
    assert len(t001([same] * 4)) == 12  # one distinct line, however often it repeats


def test_listed_wrong_forms_are_never_the_files_own_word():
    records = [chat(f"第{i}张优惠卷怎么用？", "您好，请在结算时选择。") for i in range(6)]
    assert len(t001(records)) == 6


def test_frequency_is_counted_per_file_and_the_same_under_jobs(tmp_path):
    many = tmp_path / "many.jsonl"
    many.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records(6)), encoding="utf-8")
    few = tmp_path / "few.jsonl"
    few.write_text(json.dumps(_records(1)[0], ensure_ascii=False) + "\n", encoding="utf-8")
    serial = t001([str(many), str(few)], jobs=1)
    parallel = t001([str(many), str(few)], jobs=2)
    assert [(d.path, d.line, d.span) for d in serial] == [(str(few), 1, d.span) for d in serial]
    assert [(d.path, d.line, d.span, d.message) for d in serial] == [
        (d.path, d.line, d.span, d.message) for d in parallel
    ]


# -- a form written on two lines, its correction never beside it ----------------------------

#: a product manager's and a beautician's words the dictionary lacks (竞品 → 精品, 紧致度 → 制度),
#: each in two replies that never write the correction
TWICE = [
    chat(
        "新产品上线前要做哪些准备？",
        "首先要做用户调研和竞品分析，了解市场上同类产品的优缺点，再确定功能的优先级。",
    ),
    chat("产品需求文档怎么写？", "需求文档一般包括背景、目标用户、竞品分析、功能列表和上线计划。"),
    chat("这款精华液有什么作用？", "这款精华液能提升皮肤的紧致度，让肌肤更有弹性。"),
    chat("脸部按摩有用吗？", "坚持按摩可以改善面部轮廓的紧致度。"),
]


def test_a_form_written_on_two_lines_without_its_correction_is_the_files_word():
    assert t001(TWICE) == []
    # each record alone, or with frequent turned off, reads as a typo
    assert [len(t001([r])) for r in TWICE] == [1, 1, 1, 1]
    assert len(t001(TWICE, options={"zh-typo": {"frequent": 0}})) == 4


def test_the_two_line_bar_is_the_same_under_jobs(tmp_path):
    twice = tmp_path / "twice.jsonl"
    filler = [chat(f"第{i}个问题：怎么办？", f"第{i}个回答：先休息一下。") for i in range(40)]
    rows = [*TWICE[:2], *filler, *TWICE[2:]]
    twice.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    once = tmp_path / "once.jsonl"
    once.write_text(json.dumps(TWICE[0], ensure_ascii=False) + "\n", encoding="utf-8")
    serial = t001([str(twice), str(once)], jobs=1)
    parallel = t001([str(twice), str(once)], jobs=2)
    assert [(d.path, d.line) for d in serial] == [(str(once), 1)]
    assert [(d.path, d.line, d.span, d.message) for d in serial] == [
        (d.path, d.line, d.span, d.message) for d in parallel
    ]


def test_a_slip_written_twice_beside_its_correction_is_still_reported():
    records = [
        chat("感冒了怎么办？", "我健议你先去医院做个检查，再按照医生的建议用药。"),
        chat("喉咙痛吃什么好？", "多喝温水，健议少吃辛辣的食物。"),
    ]
    assert [("健议" in d.message) for d in t001(records)] == [True, True]


def test_a_confident_slip_written_twice_is_still_reported():
    records = [
        chat("排队要注意什么？", "排队的时候请对号入坐，不要抢别人的位置。"),
        chat("看电影有什么礼仪？", "电影院里要对号入坐，手机调成静音。"),
    ]
    assert [("对号入坐" in d.message) for d in t001(records)] == [True, True]


# -- new and technical words the lexicons attest --------------------------------

TERMS = [
    chat("机器学习是什么？", "机器学习让计算机无需显式编程，就能从数据中学习。"),
    chat("什么是在线音频？", "在线音频包括播客、现场广播和音乐流媒体。"),
]


@pytest.mark.parametrize("record", TERMS)
def test_a_pair_that_begins_a_known_word_is_not_a_typo(record):
    assert t001([record]) == []


def test_a_real_typo_beside_a_term_is_still_reported():
    (d,) = t001([chat("什么是在线音频？", "在线音频包括播客和现场广播，我门每天都听。")])
    assert "我门" in d.message


# -- issue 15, second round: the reply's own words, eponyms, rarer names, frames ---------

MATRIX_Q = "如何用numpy构造一个分块对角矩阵？"
MATRIX_REPLY = (
    "具体来说，每个子矩阵的维数为(10 x 10)，原矩阵的维数为(100 x 100)。\n"
    "分块对角矩阵的维数等于各子矩阵维数之和。\n"
    "因此，您需要对第一个数组的每一行执行10次乘积，得到10个维数为(10 x 10)的子矩阵。"
)
QUIET_SECOND_ROUND = [
    chat(MATRIX_Q, MATRIX_REPLY),
    chat(
        "感染性心内膜炎最常见的病原体是什么？",
        "最可能的病原体是口腔链球菌或博氏链球菌，可经口腔操作进入血液。",
    ),
    chat("帮我写一个童话的开头。", "请龙帮我们找一个苹果。小兔子对山谷里的老龙说。"),
    chat("这本书怎么样？", "任何人都能一口气读下去，越读越觉得过瘾的好书。"),
]


@pytest.mark.parametrize("record", QUIET_SECOND_ROUND)
def test_the_texts_own_words_eponyms_names_and_frames_stay_quiet(record):
    assert t001([record]) == []


def test_their_twins_with_a_real_slip_are_reported():
    # the matrix line alone: 维数 (which jieba lacks) is written once, so 个位数 is proposed
    alone = t001([chat(MATRIX_Q, MATRIX_REPLY.split("\n")[-1])])
    assert [d.message.split("（")[1] for d in alone] == ["个维数 → 个位数）"]
    # the eponym and the frame keep quiet only for their own character: a slip beside them is found
    slips = [
        chat("病原体是什么？", "最可能的病原体是博氏链球菌，要及时治撩。"),
        chat("这本书怎么样？", "这本书越读越觉得飞常好看。"),
    ]
    found = t001(slips)
    assert sorted(d.message.split("“")[1][0] for d in found) == ["撩", "飞"]


# -- a file whose vocabulary the dictionary lacks -----------------------------------

COURT = [
    chat(f"（第{i}幕）{line}", reply)
    for i, (line, reply) in enumerate(
        [
            ("小主今日气色真好。", "小主仔细脚下，奴婢扶着您。"),
            ("小主先用些点心吧。", "小主可要歇一歇？"),
            ("小主放心，奴才这就去办。", "小主莫急，皇上就快到了。"),
            ("这碗燕窝是御膳房才炖好的，小主趁热用些。", "今儿个风大，小主仔细着凉。"),
            ("小主莫要伤怀，皇上心里是有小主的。", "温太医医术高明，小主尽可放心。"),
            ("逆风如解意，容易莫摧残。", "小主这句诗念得极好。"),
            ("小主要去御花园走走吗？", "小主，轿子已经备好了。"),
            ("小主，内务府送了新的衣料来。", "小主瞧瞧这匹云锦的花样。"),
            ("小主昨夜睡得可好？", "小主若是乏了，奴婢这就熄灯。"),
            ("小主，华妃娘娘派人来了。", "小主只管推说身子不适便是。"),
            ("小主别哭了，仔细哭坏了眼睛。", "小主宽心，日子总会好起来的。"),
            ("小主，药煎好了，趁热喝吧。", "小主，蜜饯在这儿呢。"),
        ]
    )
]
#: a word the dictionary lacks (素知, "has long known"), which a weak proposal reads as 素质
SUZHI = chat("太医可还记得？", "温太医素知小主的脾性，开了温补的方子。")
#: a real slip, with strong evidence (偿试 -> 尝试)
CHANGSHI = chat("这汤烫不烫？", "小主，奴婢偿试过了，这汤不烫。")
#: real slips with ordinary evidence
SLIPS = [
    chat("我父亲的情况怎么样？", "这位换者年龄82岁了，肺部又有积水，需要住院观察。"),
    chat("孩子吃坏肚子了怎么办？", "孩子腹泄的时候要注意补充水分。"),
    chat("这款洗衣液好用吗？", "我们的新品是票亮洗衣液，欢迎选购。"),
    chat("我该怎么办？", "他是父母包办的婚因，我不想跟他过了。"),
]


def _words(findings) -> list[str]:
    return sorted(
        w for d in findings for w in ("素知", "偿试", "换者", "腹泄", "票亮", "婚因") if w in d.message
    )


def test_in_a_file_full_of_words_the_dictionary_lacks_a_weak_finding_is_not_reported():
    # The court drama keeps offering the model corrections (小主 …) that none convinces: the
    # file is written in a vocabulary the dictionary lacks, so 素知 -> 素质 (score 1.3) is not
    # reported there, while the strong 偿试 -> 尝试 (2.9) still is.
    assert _words(t001([*COURT, SUZHI, CHANGSHI])) == ["偿试"]


def test_the_same_weak_finding_is_reported_in_an_ordinary_file():
    assert _words(t001([SUZHI, CHANGSHI])) == ["偿试", "素知"]


def test_a_file_full_of_real_slips_is_not_unfamiliar():
    # Text whose proposals often convince (many real slips) is not out of the dictionary's
    # depth: every finding is reported, the weak ones too.
    found = _words(t001([*COURT, SUZHI, CHANGSHI, *SLIPS]))
    assert found == ["偿试", "婚因", "换者", "票亮", "素知", "腹泄"]


def test_a_correction_that_is_the_files_own_word_convinces_of_nothing():
    # 如褐 -> 如何 on five lines of the court drama is the file's own word (褐蘑菇), never
    # reported; counted among the convincing proposals it made the drama look full of real
    # slips (7 of 34) and took its bar away, so the weak 素知 -> 素质 was reported.  A spun
    # web-doctor file (one substitution written on hundreds of lines) did the same.
    found = t001([*COURT, SUZHI, CHANGSHI, *_records(5)])
    assert _words(found) == ["偿试"]
    assert not [d for d in found if "如褐" in d.message]


def test_real_slips_still_convince_beside_the_files_own_words():
    found = _words(t001([*COURT, SUZHI, CHANGSHI, *SLIPS, *_records(5)]))
    assert found == ["偿试", "婚因", "换者", "票亮", "素知", "腹泄"]


def test_the_file_level_bar_is_per_file_and_the_same_under_jobs(tmp_path):
    court = tmp_path / "court.jsonl"
    court.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [*COURT, SUZHI, CHANGSHI]), encoding="utf-8"
    )
    plain = tmp_path / "plain.jsonl"
    plain.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [SUZHI, CHANGSHI]), encoding="utf-8"
    )
    serial = t001([str(court), str(plain)], jobs=1)
    parallel = t001([str(court), str(plain)], jobs=2)
    assert [(d.path, _words([d])) for d in serial] == [
        (str(court), ["偿试"]),
        (str(plain), ["素知"]),
        (str(plain), ["偿试"]),
    ]
    assert [(d.path, d.line, d.span, d.message) for d in serial] == [
        (d.path, d.line, d.span, d.message) for d in parallel
    ]


# -- the file-level bar rises with the rate, no step at one rate ----------------------


def _plain(n: int) -> list[dict]:
    """Ordinary text the dictionary knows (no proposals): it dilutes a file's rate of proposals."""
    return [
        chat(f"第{i}天的天气怎么样？", "今天天气晴朗，适合出门散步。记得多喝水，注意防晒。" * 40)
        for i in range(n)
    ]


def test_a_file_between_the_clean_rate_and_twice_it_gets_part_of_the_bar():
    # The court drama diluted with plain text to about 1.7 proposals per 1,000 characters (few
    # convincing): under the whole bar's rate (2.0) but well over clean Chinese's (1.0).  The
    # bar has risen most of the way (2.1), so the weak 素知 -> 素质 (1.27) is not reported and
    # the strong 偿试 -> 尝试 (2.9) is; a step at 2.0 reported both (Huatuo's medical Q&A, at
    # 1.94, reported terms such as 止惊剂 that its whole file, over 2.0, keeps quiet).
    assert _words(t001([*COURT, SUZHI, CHANGSHI, *_plain(20)])) == ["偿试"]


def test_a_file_at_the_clean_rate_keeps_the_detectors_bar():
    # twice the plain text: about 0.85 per 1,000 characters, ordinary text: both reported
    assert _words(t001([*COURT, SUZHI, CHANGSHI, *_plain(40)])) == ["偿试", "素知"]


def test_the_bar_by_rate():
    from rules.text import UNFAMILIAR_SCORE, unfamiliar_bar
    from sftlint.analysis.text.typo import THRESHOLD

    assert unfamiliar_bar(20_000, 20, 0) is None  # 1.0 per 1,000: clean Chinese
    assert unfamiliar_bar(20_000, 30, 0) == pytest.approx((THRESHOLD + UNFAMILIAR_SCORE) / 2)  # 1.5
    assert unfamiliar_bar(20_000, 40, 0) == UNFAMILIAR_SCORE  # 2.0 and over: the whole bar
    assert unfamiliar_bar(1_000, 100, 0) == UNFAMILIAR_SCORE
    assert unfamiliar_bar(20_000, 30, 4) is None  # 13% of the proposals convince: real slips
    assert unfamiliar_bar(5_000, 10, 0) is None  # too few proposals to judge the file


# -- a frame the text fills again: its own construction ------------------------------

#: a law exam's explanation: 是因 + the reason, twice (是因违法行为, 是因未按时履行)
FINE = chat(
    "题目：30元的额外罚款是否属于行政处罚？",
    "综上所述，200元罚款是因违法行为而直接给予的行政处罚，而30元的额外罚款是因未按时履行行政处罚决定而产生的经济补偿，不属于行政处罚的范畴。",
)
#: a classical quotation in period dialogue: 之所 + a verb, twice
LAOZI = chat("“祸兮福之所倚，福兮祸之所伏”，熹贵妃，你相不相信？", "本宫自然相信。")


@pytest.mark.parametrize("record", [FINE, LAOZI])
def test_a_frame_the_text_fills_again_with_another_character_is_its_own_construction(record):
    assert t001([record]) == []


def test_the_frame_written_once_is_still_reported():
    (d,) = t001([chat("罚款属于什么？", "而30元的额外罚款是因未按时履行行政处罚决定而产生的经济补偿。")])
    assert "是因未" in d.message
    (d,) = t001([chat("“祸兮福之所倚”，熹贵妃，你相不相信？", "本宫自然相信。")])
    assert "之所倚" in d.message


def test_a_frame_filled_by_the_correction_or_into_a_word_vouches_for_nothing():
    # 磁共振 is the correction itself; 赡养费 is a word of its own: the slips are still reported
    slips = [
        chat("需要什么？", "需帮助发来磁共震照片为你指导，磁共振检查不需要空腹。"),
        chat("抚养费给多少？", "老婆要离婚，孩子他说他要服养费，法院判大概要多少钱？老人的赡养费怎么算？"),
    ]
    assert sorted(d.message.split("（")[1] for d in t001(slips)) == ["服养费 → 抚养费）", "磁共震 → 磁共振）"]


# -- the conversation's own words: written by both parties, quoted as words ------------------

#: 弱智吧 questions (ruozhiba, answered by GPT-4o): the user's pun, which the reply quotes
OWN_WORDS = [
    chat(
        "我马上就要和我家老母猪奉子成婚，要不要买一份人兽保险？",
        "人与动物的婚姻不被承认，因此更不需要购买什么“人兽保险”。买一份人兽保险也没有任何依据。",
    ),
    chat(
        "我们背诵曹操的《观沧海》算不算认贼作赋？",
        "背诵和学习古诗词是一种文化传承，不应被视为“认贼作赋”。",
    ),
]


def test_a_word_both_parties_write_and_quote_is_the_conversations_own():
    from sftlint.analysis.text.typo import TypoDetector

    det = TypoDetector()
    for rec in OWN_WORDS:  # the detector reads each as a slip, in the question and in the reply
        assert any(t.source == "model" for m in rec["messages"] for t in det.detect(m["content"]))
    assert t001(OWN_WORDS) == []


def test_a_slip_one_party_writes_or_nobody_quotes_is_still_reported():
    # the question's own slip, which the reply does not copy
    (d,) = t001([chat("总所周知，两点之间线段最短，那人下楼为什么要走楼梯？", "因为人需要安全地下楼。")])
    assert "众所周知" in d.message
    # the reply's slip, though the user wrote the word right
    (d,) = t001([chat("请问众所周知是什么意思？", "总所周知的意思是大家都知道。")])
    assert d.pointer == "/messages/1/content"
    # an exam question's misprint the answer copies as its own word (lawyer-llama's 咨政院 for
    # 资政院): written by both, quoted by neither, reported where the answer writes it
    copied = chat(
        "下列说法哪项不正确？D. 清末在中央设咨政院，其性质属于中央咨询性机构。",
        "D选项的描述是错误的。咨政院的设立是清末新政的一部分，目的是引入一种类似议会的机构。",
    )
    assert "/messages/1/content" in [d.pointer for d in t001([copied])]
    # the pun quoted, its twin unquoted: the unquoted one is a copied slip as far as T001 can tell
    unquoted = chat(
        "我们背诵曹操的《观沧海》算不算认贼作赋？",
        "背诵和学习古诗词是一种文化传承，不应被视为认贼作赋。",
    )
    assert len(t001([unquoted])) == 2
    # a hand-reviewed wrong form the reply copies from the user is still a wrong form, twice
    assert len(t001([chat("我的优惠卷怎么用不了？", "您好，“优惠卷”需要在订单满99元时才能使用哦。")])) == 2


# -- the rest of a corrected word, written on its own by the conversation --------------------


def test_a_correction_lengthening_the_conversations_own_word_is_not_reported():
    """ruozhiba: the user writes 我泳圈都买好了 and the reply 即使有泳圈 (even with a swim ring);
    the model read 有泳圈 as a slip for 游泳圈.  The conversation writes 泳圈 on its own: the 有
    before it is a word, not a broken 游."""
    rec = chat(
        "请问怎么在脸盆里学游泳？ 我泳圈都买好了！",
        "在脸盆里学游泳实际上是个不现实的想法。即使有泳圈，也不能在如此狭小的空间内实现游泳的训练。",
    )
    assert t001([rec]) == []


def test_a_slip_whose_rest_is_written_only_beside_it_is_still_reported():
    # nobody writes 泳圈 on its own: the reply's 有泳圈 is read as a slip
    rec = chat(
        "请问怎么在脸盆里学游泳？ 我游泳圈都买好了！",
        "在脸盆里学游泳实际上是个不现实的想法。即使有泳圈，也不能在如此狭小的空间内实现游泳的训练。",
    )
    (d,) = t001([rec])
    assert "游泳圈" in d.message and d.pointer == "/messages/1/content"
