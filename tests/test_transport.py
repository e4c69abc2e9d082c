"""Dataset summaries and diagnostics pickle as their class and field values (``--jobs`` sends
one summary per record and every diagnostic from the workers to the main process)."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field

import pytest
from sftlint.rules.replies import LangTally, _Turn
from sftlint.rules.text import VariantTally, _Place

from sftlint.diagnostic import Diagnostic, Edit, Fix, RecordRef
from sftlint.transport import compact_pickle


def test_summaries_come_back_equal_and_smaller():
    ref = RecordRef("data/train.jsonl", 7, 9, 9)
    lang = LangTally(ref, None, [_Turn("/messages/1/content", "user", "zh", "cjk", 18, None, False)])
    variant = VariantTally(
        ref,
        "ab12",
        {("账号", "帐号"): 2},
        {("账号", "帐号"): [_Place("/messages/2/content", (3, 5), 9, 40, 9, 42)]},
    )
    for summary in (lang, variant):
        data = pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL)
        assert pickle.loads(data) == summary
        # rebuilt by one call of the class (not copyreg's __newobj__ and dataclasses' __setstate__)
        assert summary.__reduce_ex__(pickle.HIGHEST_PROTOCOL)[0] is type(summary)


def test_diagnostics_come_back_equal_each_rebuilt_by_one_call():
    """A diagnostic with a fix (K002's: the earlier turn's text as the replacement) and one
    with every optional field set: equal after the trip, each object rebuilt by one call of its
    class (not copyreg's ``__newobj__`` and dataclasses' ``__setstate__``, which set the fields
    one by one in Python and name every field in the bytes)."""
    fix = Fix(
        "replace the placeholder with the earlier turn's retrieval context",
        (Edit("/messages/5/content", 46, 50, "保持健康的睡眠时间表非常重要。"), Edit(None, 0, 1, "", 3, 4)),
        "unsafe",
    )
    fixed = Diagnostic(
        "K002",
        "knowledge-placeholder",
        "warning",
        "the turn repeats `[同上]`",
        "data/a.jsonl",
        3,
        10,
        3,
        14,
        "/messages/5/content",
        (46, 50),
        fix,
        "https://x/K002.md",
        2,
        None,
        3,
    )
    full = Diagnostic(
        "R005",
        "react-label-mismatch",
        "error",
        "动作 / 行动",
        "data/a.jsonl",
        9,
        252,
        9,
        254,
        "/messages/0/content",
        (206, 208),
        None,
        "https://x/R005.md",
        8,
        "ab12",
        9,
        "ReAct 的方法是：标记为行动。",
        (12, 14),
        "id:7",
        "行动",
        {"first": [1, 2]},
        3,
    )
    for diagnostic in (fixed, full):
        data = pickle.dumps(diagnostic, protocol=pickle.HIGHEST_PROTOCOL)
        back = pickle.loads(data)
        assert back == diagnostic and type(back) is Diagnostic
        assert diagnostic.__reduce_ex__(pickle.HIGHEST_PROTOCOL)[0] is Diagnostic
    assert pickle.loads(pickle.dumps(fix)) == fix
    for obj in (fix, fix.edits[0], RecordRef("a.jsonl", 1, 2, None, "id:x")):
        assert obj.__reduce_ex__(pickle.HIGHEST_PROTOCOL)[0] is type(obj)


def test_refuses_a_dataclass_that_init_does_not_rebuild():
    @dataclass
    class Derived:
        a: int
        b: int = field(init=False, default=0)

    with pytest.raises(TypeError):
        compact_pickle(Derived)

    @dataclass
    class Checked:
        a: int

        def __post_init__(self) -> None:
            self.a += 1

    with pytest.raises(TypeError):
        compact_pickle(Checked)
