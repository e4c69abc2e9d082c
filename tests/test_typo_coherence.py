"""T001 leaves alone a string that is a coherent unit in its context, and Traditional/Japanese text.

Third round of issue 15: real words a dictionary lacks (生餐, 凌星法, 褐蘑菇) sit beside characters
that make a very common word (生产, 零星, 如何).  Two decisions quiet them, each with a twin
whose real slip is still reported, so a rule switched off or one that silences everything fails:

- a run of two characters (a list item between 、, a label) gives a correction no context, so
  it needs more score;
- a modifier of a head that a sibling item of a coordination shares (X法或Y法, X菇或Y菇) names a
  term of that kind.

And records written in Traditional Chinese or Japanese, whole paragraphs of them, give no
T001 finding at all.
"""

from __future__ import annotations

import sftlint
from sftlint.analysis.text.typo import TypoDetector


def chat(*turns: str) -> dict:
    return {
        "messages": [
            {"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)
        ]
    }


def t001(*records: dict) -> list:
    return [d for d in sftlint.lint(list(records), select=["T001"]) if d.code == "T001"]


# -- a two-character run: no context ------------------------------------------


def test_an_item_of_an_enumeration_is_not_corrected_into_a_common_word():
    record = chat(
        "有哪些健康的饮食方式？",
        "常见的健康饮食方式有很多，如素食、生餐、低糖、低脂等，可以根据自己的身体状况选择。",
    )
    assert t001(record) == []


def test_the_same_pair_in_running_text_is_still_reported():
    (d,) = t001(chat("工厂今年的目标是什么？", "工厂今年要提高生餐效率，同时降低能耗。"))
    assert "生餐" in d.message and "生产" in d.message


def test_a_two_character_run_with_strong_evidence_is_still_reported():
    (d,) = t001(chat("医生怎么说？", "健议，这种情况虽然检查了，但是还要复查。"))
    assert "健议" in d.message


# -- a modifier of a head its sibling shares ------------------------------------


def test_parallel_terms_in_a_coordination_are_left_alone():
    records = [
        chat(
            "天文学家怎么发现系外行星？",
            "用于探测系外行星的方法如凌星法或径向速度法在探测某种类型的行星或确定其特性方面也存在局限。",
        ),
        chat(
            "奶油蘑菇汤需要什么材料？",
            "需要黄油2汤匙、洋葱1个、8盎司切片蘑菇（如褐蘑菇或香菇）、鸡汤2杯和淡奶油半杯。",
        ),
    ]
    assert t001(*records) == []


def test_without_a_sibling_that_shares_the_head_the_suspect_is_reported():
    # the same modifiers without the parallel item: nothing vouches for them any more
    (d,) = t001(chat("天文学家怎么发现系外行星？", "常用的方法如凌星法，观测亮度的变化。"))
    assert "凌星" in d.message


def test_a_slip_in_a_coordination_whose_heads_differ_is_reported():
    (d,) = t001(chat("该听谁的？", "可以参考研究人员的健议或专家的意见。"))
    assert "健议" in d.message


def test_a_correction_that_reaches_the_shared_head_is_reported():
    # 健议或建议: the correction 建议 makes the head itself, so the parallel vouches for nothing
    (d,) = t001(chat("该听谁的？", "可以参考研究人员的健议或专家的建议。"))
    assert "健议" in d.message


def test_a_shared_head_that_the_dictionary_lacks_in_one_item_is_vouched_for_by_the_other():
    # Huatuo's medical Q&A: 止惊剂 (an anticonvulsant) beside 镇静剂; 惊剂 -> 惊悸 would break the
    # 剂 both items end with
    records = [
        chat("病毒性脑膜炎怎么治？", "病毒性脑膜炎则需要使用镇静剂和止惊剂等。"),
        chat("治疗方案是什么？", "该病例的治疗方案包括药物治疗（镇静剂和止惊剂）、病情监护、控制高热。"),
    ]
    assert t001(*records) == []


def test_a_slip_in_the_head_that_differs_from_the_siblings_is_reported():
    # the twin: 剂 misspelt 济 no longer matches the other item's head
    (d,) = t001(chat("病毒性脑膜炎怎么治？", "病毒性脑膜炎则需要使用镇静剂和止惊济等。"))
    assert "惊济" in d.message


def test_the_parallel_check_reads_items_from_the_segmentation():
    det = TypoDetector(mode="lazy")
    run = "用于探测系外行星的方法如凌星法或径向速度法"
    i = run.index("凌")
    assert det._parallel_item(run, i, (i, i + 2))
    # the right item's head ends within a few characters, whatever follows it
    assert det._parallel_item(run + "在探测某种类型的行星方面", i, (i, i + 2))
    # a suspect in the right item, before the shared head
    j = run.index("速")
    assert det._parallel_item(run, j, (j, j + 2))
    # a right item whose shared character comes too late is no sibling
    far = "如凌星法或利用恒星光谱中的多普勒位移测量法"
    assert not det._parallel_item(far, 1, (1, 3))
    # the head itself is not a modifier, and a suspect far from the head is not vouched for
    assert not det._parallel_item(run, run.index("法如"), (0, 1))
    assert not det._parallel_item(run, run.index("探"), (2, 4))
    assert not det._parallel_item("如凌星法", 1, (1, 3))  # no coordinator
    # the shared head itself, in either item
    assert det._parallel_item("镇静剂和止惊剂等", 6, (5, 7))
    assert det._parallel_item("镇静剂和止惊剂等", 2, (1, 3))


# -- a short title between 《》, a rare character the correction strands ------------


def test_a_short_title_is_the_name_of_a_work_and_the_same_pun_outside_it_is_reported():
    (d,) = t001(chat("推荐一部电影", "推荐你看库布里克的《大开眼戒》，看完真的让人大开眼戒。"))
    assert "大开眼戒" in d.message
    assert d.span[0] > len("推荐你看库布里克的《大开眼戒》")  # the one outside the title


def test_a_long_descriptive_title_and_a_listed_wrong_form_in_a_title_are_still_checked():
    law = chat("请回答", "下列哪项表述不符合《与贸易有关的知识产券协议》的规定？")
    listed = chat("这本书叫什么？", "他写了一本《再接再励》的小书。")
    assert ["知识产券" in d.message for d in t001(law)] == [True]
    assert ["再接再励" in d.message for d in t001(listed)] == [True]


def test_a_correction_that_strands_a_rare_character_is_a_name_going_on():
    quiet = chat("你喜欢哪位作家？", "我是严歌苓的忠实读者，故事的层层叠叠还是严歌苓最擅长的。")
    assert t001(quiet) == []
    (d,) = t001(chat("公司有什么要求？", "公司对产品质量有严歌的要求。"))
    assert "严歌" in d.message


# -- Traditional Chinese and Japanese paragraphs --------------------------------

TRADITIONAL = [
    chat(
        "台北的公車要漲價了嗎？",
        "臺北市政府今天宣布，自下個月起調整公車票價，普通票由十五元調整為十八元。市府交通局表示，"
        "這次調整是考量燃料成本上漲及司機薪資提升，並將同步推出定期票優惠方案，讓通勤族的負擔不致增加太多。",
    ),
    chat(
        "用 Python 處理大檔案有什麼建議？",
        "在使用 Python 處理資料時，建議先以 pandas 讀取檔案，再透過 groupby 進行彙總。若資料量很大，"
        "可以考慮分批讀取，避免記憶體不足。此外，請記得在程式結束前關閉資料庫連線。",
    ),
    chat(
        "糖尿病人平常要注意什麼？",
        "糖尿病患者應定期監測血糖，並遵照醫師指示服藥。飲食方面，宜選擇低升糖指數的食物，"
        "如燕麥、糙米及蔬菜，避免含糖飲料。規律運動也有助於控制血糖與體重。",
    ),
    chat(
        "推介一間餐廳",
        "呢間餐廳嘅叉燒飯好出名，每日中午都大排長龍。佢哋嘅湯底係用豬骨熬足八個鐘，味道好濃郁。",
    ),
]
JAPANESE = [
    chat(
        "細胞外マトリックスとは何ですか？",
        "細胞外マトリックスは、細胞の接着、増殖、分化を調節する重要な構造体である。主な成分は"
        "コラーゲン、プロテオグリカン、フィブロネクチンなどで、組織ごとに組成が異なる。",
    ),
    chat(
        "この論文の要旨をまとめてください。",
        "本研究では、肝細胞癌患者百二十名を対象に、術後再発率と血清中腫瘍マーカー値の関連を検討した。"
        "結果、術前値が高値の群で再発率が有意に高かった。",
    ),
    chat(
        "出汁の取り方を教えて",
        "鍋に水と昆布を入れて三十分置き、弱火で加熱します。沸騰直前に昆布を取り出し、鰹節を加えて"
        "二分煮出したら、濾して出汁の完成です。",
    ),
    chat(
        "日本の見出しを中国語に訳して",
        "日本的新闻标题常常不用假名，例如「全国高校駅伝大会開幕」或「円相場一時急落」，"
        "意思是全国高中接力赛开幕、日元汇率一度急跌。",
    ),
]


def test_traditional_and_japanese_paragraphs_give_no_t001():
    assert t001(*TRADITIONAL, *JAPANESE) == []


def test_their_simplified_twins_with_a_slip_are_reported():
    twin = chat(
        "糖尿病人平常要注意什么？",
        "糖尿病患者应定期监测血糖，并遵照医师指示服药。饮食方面，以经有研究表明宜选择低升糖指数的食物。",
    )
    (d,) = t001(twin)
    assert "以经" in d.message
