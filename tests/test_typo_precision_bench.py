"""bench/typo_precision.py: T001's findings on spelling-check sentences are judged by the gold
where it marks the flagged character, by hand otherwise, and counted per dataset."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _bench():
    spec = importlib.util.spec_from_file_location(
        "typo_precision_bench", ROOT / "bench" / "typo_precision.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["typo_precision_bench"] = module
    spec.loader.exec_module(module)
    return module


def test_gold_verdicts_say_how_they_were_made():
    bench = _bench()
    src, tgt = "这是程序正档原则的要求", "这是程序正当原则的要求"
    v = bench.gold_verdict(src, tgt, (5, 6), "当")
    assert v == {
        "verdict": "right",
        "how": "gold",
        "why": "the gold corrects 档 here; suggestion equals the gold",
    }
    assert "gold reads 当, suggested 挡" in bench.gold_verdict(src, tgt, (5, 6), "挡")["why"]
    assert bench.gold_verdict(src, tgt, (4, 5), "证") is None  # the gold is silent: a person judges


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    (data / "csc").mkdir(parents=True)
    (data / "csc" / "law.tsv").write_text(
        "1\t政府采购应当醋进中小企业发展\t政府采购应当促进中小企业发展\n"
        "0\t依据合同法，下列正确的是?\t依据合同法，下列正确的是?\n"
        "1\t在加上吃点中草药调理那就事伴功倍了\t在加上吃点中草药调理那就事伴功倍了\n",
        encoding="utf-8",
    )
    (data / "csc" / "clean_xxqg.json").write_text(
        json.dumps(
            [
                {
                    "original_text": "要秉持以人为中心的政策导向。",
                    "correct_text": "要秉持以人为中心的政策导向。",
                }
            ]
        ),
        encoding="utf-8",
    )
    return data


def test_gold_then_hand_verdicts_give_precision_per_dataset(tmp_path, capsys):
    bench = _bench()
    data, verdicts = _data(tmp_path), tmp_path / "verdicts"
    verdicts.mkdir()
    assert bench.main(["--data", str(data), "--verdicts", str(verdicts), "--no-sft", "--judge-gold"]) == 0
    written = [json.loads(x) for x in (verdicts / "typo_csc.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(v["line"], v["span"], v["how"]) for v in written] == [(1, [6, 7], "gold")]
    capsys.readouterr()
    # the gold is silent on line 3 (its target keeps 在加上 and 事伴功倍): listed for a person to judge
    assert bench.main(["--data", str(data), "--verdicts", str(verdicts), "--no-sft", "--unjudged"]) == 0
    listed = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert {(v["line"], tuple(v["span"])) for v in listed} == {(3, (0, 1)), (3, (13, 14))}
    with (verdicts / "typo_csc.jsonl").open("a", encoding="utf-8") as fh:
        for v in listed:
            fh.write(
                json.dumps({**v, "verdict": "right", "how": "hand", "why": "a typo the gold left"}) + "\n"
            )
    assert bench.main(["--data", str(data), "--verdicts", str(verdicts), "--no-sft", "--json"]) == 0
    rows = {r["dataset"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["csc/law.tsv"]["findings"] == 3
    assert (rows["csc/law.tsv"]["by_gold"], rows["csc/law.tsv"]["by_hand"]) == (1, 2)
    assert rows["all"]["precision"] == 1.0 and rows["all"]["unjudged"] == 0


@pytest.mark.slow
def test_every_csc_finding_has_a_verdict_and_precision_holds(capsys):
    # The number in docs/benchmarks.md stays a number: a change to T001's decisions that makes
    # a new finding on the spelling-check sets must judge it (gold or hand) in
    # bench/verdicts/typo_csc.jsonl, and precision there must stay at the target.
    from conftest import SHARED_DATA

    if not (SHARED_DATA / "csc").is_dir():
        pytest.skip(f"shared spelling-check data not found at {SHARED_DATA / 'csc'}")
    bench = _bench()
    assert bench.main(["--data", str(SHARED_DATA), "--no-sft", "--json"]) == 0
    rows = {r["dataset"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["all"]["unjudged"] == 0, "run bench/typo_precision.py --judge-gold, then --unjudged"
    assert rows["all"]["findings"] >= 200
    assert rows["all"]["precision"] >= 0.9
    assert sum(1 for name, r in rows.items() if name != "all" and r["judged"] >= 20) >= 3
