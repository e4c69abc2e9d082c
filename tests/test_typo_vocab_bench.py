"""bench/typo_vocab.py: the measurement of "a word the file writes unflagged elsewhere is its
vocabulary" counts other records' unflagged occurrences, and tells a unit from a substring
that straddles two words."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = {"回声", "影响", "包括", "超声", "可见"}


def _bench():
    spec = importlib.util.spec_from_file_location("typo_vocab_bench", ROOT / "bench" / "typo_vocab.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["typo_vocab_bench"] = module
    spec.loader.exec_module(module)
    return module


def _row(bench, record: int, before: str, after: str):
    return bench.Row(key=(record, before), record=record, before=before, after=after, context="")


def test_a_word_written_unflagged_in_other_records_is_counted_and_straddling_is_told_apart():
    b = _bench()
    records = [
        [b.Text("超声示低回声，后方伴声影。", [(11, "声影", "model")])],
        [b.Text("胎儿骨骼回声影响也比较小。")],  # 声影 across 回声 + 影响: not the word
        [b.Text("结石后方可见声影，随体位移动。")],  # the term itself, unflagged
        [b.Text("治疗主要抱括药物治疗。", [(4, "抱括", "model")])],
        [b.Text("治疗主要包括手术和药物。")],
    ]
    term, typo = _row(b, 0, "声影", "声音"), _row(b, 3, "抱括", "包括")
    b.count(records, [term, typo], WORDS.__contains__)
    assert (term.f, term.u, term.uw) == (1, 2, 1)
    assert (typo.f, typo.u, typo.uw) == (1, 0, 0)
    assert (typo.a, term.a) == (1, 0)  # 包括 is written in another record, 声音 nowhere
    assert b.removed(term, "U>=F", units=True) and b.removed(term, "U>F", units=False)
    assert not b.removed(term, "U>F", units=True)
    assert not any(b.removed(typo, d, u) for d in b.DECISIONS for u in (False, True))


def test_a_typo_flagged_everywhere_gets_no_alibi_from_its_own_copies():
    b = _bench()
    records = [[b.Text("两人有共同材产吗", [(5, "共同材产", "model")])] for _ in range(3)]
    rows = [_row(b, i, "共同材产", "共同财产") for i in range(3)]
    b.count(records, rows, WORDS.__contains__)
    assert [(r.f, r.u) for r in rows] == [(3, 0)] * 3


def test_crosses_needs_a_word_over_an_edge():
    b = _bench()
    assert b.crosses("回声影响", 1, 2, WORDS.__contains__)
    assert not b.crosses("可见声影。", 2, 2, lambda s: s == "声影")  # the word itself is no crossing
