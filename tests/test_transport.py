"""Dataset summaries pickle as their class and field values (``--jobs`` sends one per record)."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field

import pytest
from sftlint.rules.replies import LangTally, _Turn
from sftlint.rules.text import VariantTally, _Place

from sftlint.diagnostic import RecordRef
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
