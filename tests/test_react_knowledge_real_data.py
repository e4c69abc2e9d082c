"""R and K rules on the real SFT datasets in ../shared/data/sft/ (LLaMA-Factory demos).

None of them is a ReAct or retrieval dataset, so with default options the R and
K rules must stay silent there.  Configured on, they must still only report
what is really in the data (checked by hand, see the expectations below).
"""

from __future__ import annotations

import pytest

import sftlint

FILES = [
    "llamafactory_alpaca_zh_demo.json",
    "llamafactory_glaive_toolcall_zh_demo.json",
    "llamafactory_identity.json",
    "llamafactory_reason_tool_use_demo_50.jsonl",
]


@pytest.mark.parametrize("name", FILES)
def test_silent_by_default(shared_data, name):
    path = shared_data / "sft" / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    found = [(d.code, d.record, d.pointer, d.message) for d in sftlint.lint(path, select=["R", "K"])]
    assert found == []


@pytest.mark.parametrize("name", FILES)
def test_configured_on(shared_data, name):
    """With ReAct required, R001 reports every assistant turn and the block rules stay quiet
    (no turn is a ReAct block); numbering checked on whole messages finds only real gaps."""
    path = shared_data / "sft" / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    whole = {"texts": ["system", "user", "assistant"]}
    options = {"react-missing": {"require": True}} | {
        k: whole
        for k in ("kb-numbering-gap", "kb-numbering-orphan", "kb-numbering-duplicate", "kb-numbering-style")
    }
    found = sftlint.lint(path, select=["R", "K"], options=options)
    codes = {d.code for d in found}
    assert codes <= {"R001", "K101", "K103"}, codes
    numbering = sorted((d.record, d.code) for d in found if d.code.startswith("K"))
    # Reviewed by hand: alpaca record 492 is a crossword whose clues are numbered 1/3/5/7 and
    # 2/4/6 on purpose; reason_tool_use record 33 elides items 3-39 with "...".  Both are real
    # gaps in whole-message numbering (not knowledge bases, hence silent by default).
    expected = {
        "llamafactory_alpaca_zh_demo.json": {(492, "K101"), (492, "K103")},
        "llamafactory_reason_tool_use_demo_50.jsonl": {(33, "K101")},
    }.get(name, set())
    assert set(numbering) == expected
