"""T001 keeps each run's curated-form matches in its run cache instead of scanning every line
whole: the typos must be the ones the whole-line scan gives, wherever a form sits."""

from __future__ import annotations

from conftest import shared_strings

from sftlint.analysis.text import typo as typo_module
from sftlint.analysis.text.typo import CURATED_RE, MAX_RUN, TypoDetector

EDGES = [
    "您好，您的优惠卷已经发放到账户，请注意查收。",
    "优惠卷",
    "A优惠卷B",  # beside Latin letters: the run's flags differ, the matches do not
    "3以经2",
    "我以经申请退款了，以经济为中心。",  # 以经济: joined to a word inside the run
    "想必竟然如此",
    "以经",
    "他以经走了。以经。",
    "《优惠卷》和《以经》都是书名。",  # a title: the model's typos are dropped there, not the list's
    "优惠卷优惠劵代金卷，稍侯再说",
    "请稍侯·以经",
    "以经 以经\t以经",
    "中" * (MAX_RUN - 1) + "以经了",  # a run cut at MAX_RUN through the form: scanned whole
    "中" * (MAX_RUN - 3) + "以经了",  # a long line whose runs are not cut
    "好" * (MAX_RUN + 5) + "，优惠卷",
]


def _typos(texts: list[str]) -> list[tuple[object, ...]]:
    det = TypoDetector(mode="full")
    first = [det.detect_counted(t) for t in texts]
    # the same runs again inside other lines: from the run cache, with their new offsets
    again = [det.detect_counted("前言：" + t) for t in texts]
    return first + again


def test_curated_forms_per_run_are_those_of_the_whole_line(monkeypatch):
    texts = EDGES + [s for s in shared_strings() if CURATED_RE.search(s)]
    per_run = _typos(texts)
    monkeypatch.setattr(typo_module, "_CURATED_HAN", False)  # every line scanned whole
    whole = _typos(texts)
    assert per_run == whole
    listed = sum(t.source == "list" for found, _, _ in per_run for t in found)
    assert listed >= 20  # the texts hold curated forms, found both ways
