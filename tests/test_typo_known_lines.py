"""T001 tells a text of known lines plain (no Traditional-only character or kana) from the
plainness cached with each line, instead of scanning the text again: the typos, characters and
proposals must be those of a fresh detector that has cached nothing, in whatever order texts
come, and a foreign text of known lines still yields nothing."""

from __future__ import annotations

import pytest
from conftest import shared_strings

from sftlint.analysis.text.typo import TypoDetector

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
