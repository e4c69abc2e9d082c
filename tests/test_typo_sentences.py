"""T001 puts a new line's analysis together from the line's sentences (each cached on its own),
and tells a text of known lines plain from the plainness cached with each line: the typos,
characters and proposals must be those of the whole line analysed at once, and of a fresh
detector that has cached nothing, wherever a sentence ends and in whatever order texts come."""

from __future__ import annotations

import pytest
from conftest import shared_strings

from sftlint.analysis.text.typo import _SENTENCES, MAX_RUN, TypoDetector

# lines whose sentences end next to what a run's analysis reads (letters, digits, name dots),
# with typos and curated forms at either side of a mark
EDGES = [
    "我以经申请退款了。以经济为中心！优惠卷在哪？",
    "再接再励。再接再励！再接再励？",
    "优惠卷。",
    "。优惠卷",
    "。。优惠卷！！以经？？",
    "A。以经B！C优惠卷。3",
    "他说以经走了。2以经了！以经a？",
    "请稍侯·。·以经。",
    "约翰·。以经走了",
    "你好。我门去公圆玩吧！今天天气很好？他在那里等着我们。",
    "这个题目我门做的很好。大家都玩的很开心！他非常的高兴。",
    "我觉的不错。我觉的可以！",
    "《大开眼戒》好看。以经看过了！",  # a title: left to the whole line
    "这是一个問題。看着我门",  # not plain: left to the whole line
    "你好 。 以经 ！ 优惠卷 ？ 结束",
    "你好。" * 50 + "以经了",
    "中" * (MAX_RUN - 1) + "。" + "以经了。",
    "中" * (MAX_RUN + 1) + "。" + "以经了",  # a sentence longer than MAX_RUN: the whole line
    "的。地。得。",
    "没有句号的一行以经写完了",
]


def _lines() -> list[str]:
    seen: dict[str, None] = {}
    for line in EDGES:
        seen[line] = None
    for s in shared_strings():
        for line in s.split("\n"):
            if len(_SENTENCES.findall(line)) >= 2:
                seen[line] = None
    return list(seen)


@pytest.mark.parametrize("mode", ["full", "lazy"])
def test_a_line_from_its_sentences_is_the_whole_line(mode):
    lines = _lines()
    by_sentence = TypoDetector(mode=mode)
    whole = TypoDetector(mode=mode)
    split = [by_sentence._detect_line(line, True) for line in lines]
    # and again, now from the sentence cache
    again = [by_sentence._detect_line(line, True) for line in lines]
    assert split == again == [whole._detect(line, True) for line in lines]
    found = [t for typos, _, _ in split for t in typos]
    assert len(found) >= 20  # the lines hold typos, found both ways
    assert any(t.source == "list" for t in found) and any(t.source == "model" for t in found)


TEXTS = [
    "我以经申请退款了。优惠卷在哪？",
    "首先，您需要從您的分支創建一個新的分支，然後對文件進行所需的更改。\n我以经申请退款了。优惠卷在哪？",
    "我以经申请退款了。优惠卷在哪？\n然後，簡化字的氣候，這是一個問題。",
    "我以经申请退款了。优惠卷在哪？\n\nステーキ・オムライス・パンケーキ",
    "ステーキ・オムライス・パンケーキ\n我以经申请退款了。优惠卷在哪？",
    "这是一个問題。看着我门\n我以经申请退款了。优惠卷在哪？",
    "这是一个問題。看着我门",
    "hello\n\n我以经申请退款了。优惠卷在哪？\nworld",
    "我以经申请退款了。\n我以经申请退款了。\n优惠卷在哪？",
]
# lines that are not plain, cached inside texts that are not foreign, then together in a text
# that is (Japanese by its kana): known lines, and still nothing is reported
MIXED = "这是一个問題。看着我门"
JAPANESE = "今日は寿司を食べました。"
PLAIN = "我们今天去公园玩，天气很好，大家都很开心。" * 3
FOREIGN_OF_KNOWN = [f"{MIXED}\n{PLAIN}", f"{JAPANESE}\n{PLAIN}", f"{MIXED}\n{JAPANESE}"]


@pytest.mark.parametrize("mode", ["full", "lazy"])
def test_cached_lines_give_what_a_fresh_detector_gives(mode):
    from sftlint.analysis.text.typo_model import load_model, open_model

    model = load_model() if mode == "full" else None

    def fresh() -> TypoDetector:
        return TypoDetector(model) if model is not None else TypoDetector(open_model(), mode="lazy")

    texts = FOREIGN_OF_KNOWN + TEXTS + [s for s in shared_strings() if "\n" in s and "\n\n" in s][:150]
    det = fresh()
    for order in (texts, texts[::-1], texts):
        for text in order:
            assert det.detect_counted(text) == fresh().detect_counted(text), text
    # a text holding a Traditional or Japanese line is foreign as a whole when those lines
    # outweigh the rest, whether or not its Simplified lines were cached before
    assert det.detect_counted(TEXTS[3]) == ((), 0, 0)
    assert det.detect_counted(TEXTS[0])[0]
    assert det.detect_counted(FOREIGN_OF_KNOWN[0])[0]  # 我门 in a Simplified text
    assert det.detect_counted(FOREIGN_OF_KNOWN[2]) == ((), 0, 0)


def test_lines_are_analysed_whole_where_sentences_seldom_recur(monkeypatch):
    from sftlint.analysis.text import typo as typo_module

    monkeypatch.setattr(typo_module, "SENTENCE_WINDOW", 20)
    det = TypoDetector(mode="lazy")
    whole = TypoDetector(mode="lazy")
    # new sentences only: after 20 looked up and none found, 20 lines are analysed whole
    lines = [f"第{i}句以经写好。第{i}个优惠卷！" for i in range(40)]
    assert [det._detect_line(line, True) for line in lines[:10]] == [
        whole._detect(x, True) for x in lines[:10]
    ]
    assert det._sentence_looks == [0, 0, 20]
    assert [det._detect_line(line, True) for line in lines[10:30]] == [
        whole._detect(x, True) for x in lines[10:30]
    ]
    assert det._sentence_looks == [0, 0, 0] and len(det._sentences.data) == 20  # looked at again next
    # recurring sentences: the sentence path stays on
    again = [det._detect_line(line + "你好。", True) for line in lines[:10]]
    assert again == [whole._detect(x + "你好。", True) for x in lines[:10]]
    assert det._sentence_looks[2] == 0
