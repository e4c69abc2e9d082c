"""Recall and precision of every R and K rule on the labelled corpus in tests/corpus/react_rag/.

A finding matches a label when code and JSON pointer agree (per record).  The
labels live in ``labels.json`` beside the data, so the rules never see them.
The test prints the per-rule table and fails below recall 0.95 or precision
0.98 for any rule.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

import sftlint

CORPUS = Path(__file__).resolve().parent / "corpus" / "react_rag"
CODES = ["R001", "R002", "R003", "R004", "R005", "R006", "K001", "K002", "K101", "K102", "K103", "K104"]
MIN_RECALL, MIN_PRECISION = 0.95, 0.98


def _labels() -> dict[str, list[set[tuple[str, str]]]]:
    raw = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))
    return {name: [{(c, p) for c, p in rec} for rec in recs] for name, recs in raw.items()}


def score() -> tuple[Counter, Counter, Counter, list[str]]:
    tp, fp, fn = Counter(), Counter(), Counter()
    misses: list[str] = []
    for name, expected in _labels().items():
        path = CORPUS / name
        assert sum(1 for line in path.open(encoding="utf-8") if line.strip()) == len(expected), name
        found: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for d in sftlint.lint(path, select=["R", "K"]):
            found[d.record].add((d.code, d.pointer))
        for i, exp in enumerate(expected):
            got = found.pop(i, set())
            for code, _ in got & exp:
                tp[code] += 1
            for code, ptr in got - exp:
                fp[code] += 1
                misses.append(f"false positive {code} {name} record {i} {ptr}")
            for code, ptr in exp - got:
                fn[code] += 1
                misses.append(f"missed {code} {name} record {i} {ptr}")
        assert not found, f"findings on records that do not exist: {found}"
    return tp, fp, fn, misses


def test_corpus_is_big_and_varied_enough():
    labels = _labels()
    records = sum(len(v) for v in labels.values())
    assert records >= 150
    per_code = Counter(code for recs in labels.values() for rec in recs for code, _ in rec)
    assert all(per_code[c] >= 8 for c in CODES), per_code
    clean = sum(1 for recs in labels.values() for rec in recs if not rec)
    assert clean >= 50, clean
    multi_turn = 0
    for name in labels:
        for line in (CORPUS / name).open(encoding="utf-8"):
            msgs = json.loads(line)["messages"]
            multi_turn += sum(1 for m in msgs if m["role"] == "assistant") >= 2
    assert multi_turn >= 150


def test_precision_and_recall_per_rule(capsys):
    tp, fp, fn, misses = score()
    rows = ["rule   TP  FP  FN  precision  recall"]
    failing = []
    for code in CODES:
        p = tp[code] / (tp[code] + fp[code]) if tp[code] + fp[code] else 1.0
        r = tp[code] / (tp[code] + fn[code]) if tp[code] + fn[code] else 1.0
        rows.append(f"{code}  {tp[code]:3d} {fp[code]:3d} {fn[code]:3d}  {p:9.3f}  {r:6.3f}")
        if p < MIN_PRECISION or r < MIN_RECALL:
            failing.append(code)
    with capsys.disabled():
        print("\n" + "\n".join(rows))
    assert not failing, f"below recall {MIN_RECALL} / precision {MIN_PRECISION}: {failing}\n" + "\n".join(
        misses
    )


def test_generated_files_are_up_to_date(tmp_path):
    """The committed corpus is what the generator makes (nobody edited labels by hand)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    module.write(tmp_path)
    for name in [*module.BUILDERS, "labels.json"]:
        assert (tmp_path / name).read_text(encoding="utf-8") == (CORPUS / name).read_text(encoding="utf-8"), (
            name
        )


def test_the_engine_clean_example_corpus_is_silent():
    """The lead's hand-written seed-style examples are clean ReAct + RAG data: no R or K finding."""
    path = CORPUS.parents[2] / "examples" / "customer_service.jsonl"
    if not path.is_file():
        pytest.skip("examples/customer_service.jsonl not present")
    assert [(d.code, d.record, d.message) for d in sftlint.lint(path, select=["R", "K"])] == []


@pytest.mark.parametrize(
    "options",
    [
        None,
        {
            "R002": {"required": ["thought", "action", "observation"]},
            "R003": {"labels": ["thought", "action"]},
        },
        {"K101": {"texts": ["retrieval", "system"]}, "K104": {"texts": ["retrieval", "system"]}},
    ],
)
def test_family_gates_are_quiet_only_where_every_member_is(options):
    """The engine skips a family (R002–R006, K101–K104) on a record when its gate says none of
    them has anything to report: on every corpus record the gate is true only where each
    member's ``check`` indeed yields nothing, and it does let the defective records through."""
    from sftlint.config import Settings
    from sftlint.engine import Engine
    from sftlint.reader import read_source
    from sftlint.record import Record

    engine = Engine(Settings(select=["R", "K"], rules=options or {}))
    gated = [(gate, rules) for gate, rules in engine.record_units if gate is not None]
    assert {r.code for _, rules in gated for r in rules} >= {"R002", "R003", "R004", "R005", "R006", "K101"}
    passed = Counter()
    for path in sorted(CORPUS.glob("*.jsonl")):
        state, raws = engine.start_file(read_source(str(path), 1 << 24), str(path))
        for raw in raws:
            record = Record(state.info, raw.index, raw.line, raw.end_line, raw.data, raw.text, raw.column)
            record.messages = state.fmt.to_messages(raw.data)
            for gate, rules in gated:
                reported = [r.code for r in rules if list(r.check(record))]
                if gate(record):
                    assert not reported, f"{path.name} record {raw.index}: gate quiet, {reported} report"
                else:
                    passed[rules[0].family] += bool(reported)
    assert passed["react"] >= 30 and passed["kb-numbering"] >= 15, passed
