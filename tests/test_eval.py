"""`sftlint eval`: model outputs scored with the lint rules, Wilson intervals, comparison of two runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, chat, run_cli, write_jsonl

from sftlint.evaluate import build_output_records, newcombe, score, wilson
from sftlint.train.io import read_jsonl

EXAMPLE = ROOT / "examples" / "customer_service.jsonl"
SEED = ROOT / "examples" / "seed_dialogue.jsonl"


def gold_answers(n: int = 10) -> tuple[list[dict], list[str]]:
    refs = list(read_jsonl(EXAMPLE))[:n]
    return refs, [r["messages"][-1]["content"] for r in refs]


def outputs_file(path: Path, answers: list[str], ids: bool = True) -> Path:
    rows = [({"id": i} if ids else {}) | {"output": a} for i, a in enumerate(answers)]
    return write_jsonl(path, rows)


def no_react(answer: str) -> str:
    """The reply alone: the model forgot the ReAct block (R001)."""
    return answer.split("---", 1)[1].strip()


def two_colons(answer: str) -> str:
    """`动作：询问用户：…` — the seed's own example of a bad action line (R003)."""
    return answer.replace("动作：", "动作：询问用户：", 1)


def test_wilson_interval_known_values() -> None:
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)  # Newcombe (1998), example (c)
    assert wilson(10, 10)[1] == pytest.approx(1.0)
    assert wilson(0, 0) == (0.0, 1.0)


def test_newcombe_difference_known_values() -> None:
    # Newcombe (1998), "Interval estimation for the difference between independent proportions", method 10.
    assert newcombe(48, 80, 56, 70) == pytest.approx((0.2, 0.0524, 0.3339), abs=1e-4)
    d, lo, hi = newcombe(5, 56, 0, 29)
    assert (d, lo, hi) == pytest.approx((-5 / 56, -0.1926, 0.0381), abs=1e-4)


def test_gold_answers_pass_every_rule(tmp_path) -> None:
    refs, gold = gold_answers()
    ref = write_jsonl(tmp_path / "ref.jsonl", refs)
    res = score(outputs_file(tmp_path / "o.jsonl", gold), reference=ref)
    assert res.n == 10
    assert res.overall.passed == 10
    codes = {s.code for s in res.rules}
    assert {"S003", "R001", "R003", "R004"} <= codes
    assert not any(c.startswith(("J", "D")) for c in codes)  # file/dataset rules are not about answers


def test_broken_answers_fail_exactly_their_rules(tmp_path) -> None:
    refs, gold = gold_answers()
    ref = write_jsonl(tmp_path / "ref.jsonl", refs)
    answers = [no_react(a) if i < 3 else two_colons(a) if i < 7 else a for i, a in enumerate(gold)]
    answers[9] = " "  # an empty answer
    res = score(outputs_file(tmp_path / "o.jsonl", answers), reference=ref)
    by = {s.code: s for s in res.rules}
    assert res.failures["R001"] == [0, 1, 2, 9]  # an empty answer has no ReAct block either
    assert by["R003"].passed == 6 and res.failures["R003"] == [3, 4, 5, 6]
    assert res.failures["S003"] == [9]
    assert by["R002"].total == 10
    assert res.overall.passed == 2  # outputs 7 and 8
    lo, hi = by["R003"].interval
    assert lo < 0.6 < hi


def test_problems_in_the_context_are_not_counted(tmp_path) -> None:
    # The seed's own dialogue carries `[同上]` placeholders (K002) and a label mismatch in the system prompt
    # (R005) — not the model's doing.  The gold final answer must still pass.
    seed = next(read_jsonl(SEED))
    out = outputs_file(tmp_path / "o.jsonl", [seed["messages"][-1]["content"]])
    res = score(out, reference=SEED)
    assert res.overall.passed == 1
    assert res.outside >= 1


def test_ids_match_reference_ids_or_positions(tmp_path) -> None:
    refs, gold = gold_answers(4)
    ref = write_jsonl(tmp_path / "ref.jsonl", [r | {"id": f"q{i}"} for i, r in enumerate(refs)])
    rows = [{"id": "q2", "output": gold[2]}, {"id": "q0", "output": gold[0]}]
    records = build_output_records(rows, ref)
    assert records[0]["messages"][:-1] == refs[2]["messages"][:-1]
    assert records[1]["messages"][-1]["content"] == gold[0]
    by_position = build_output_records([{"output": "a"}, {"output": "b"}], ref)
    assert by_position[1]["messages"][:-1] == refs[1]["messages"][:-1]


def test_outputs_without_reference_use_their_prompt(tmp_path) -> None:
    rows = [
        {"prompt": "怎么开发票？", "output": "确认收货后在订单详情页申请。"},
        {"prompt": [{"role": "user", "content": "在吗？"}], "output": ""},
        {"output": "您好，请问有什么可以帮您？"},
    ]
    res = score(write_jsonl(tmp_path / "o.jsonl", rows))
    assert res.failures.get("S003") == [1]
    assert res.overall.passed == 2


def test_full_records_score_the_last_turn_or_all_turns(tmp_path) -> None:
    rec = chat(
        ("user", "在吗？"), ("assistant", "   "), ("user", "我要退款"), ("assistant", "好的，请提供订单号。")
    )
    path = write_jsonl(tmp_path / "conv.jsonl", [rec])
    assert score(path).overall.passed == 1  # the empty turn is context, not the model's answer
    assert score(path, all_turns=True).failures["S003"] == [0]


def test_cli_compare_two_runs(tmp_path) -> None:
    refs, gold = gold_answers()
    ref = write_jsonl(tmp_path / "ref.jsonl", refs)
    a = outputs_file(tmp_path / "a.jsonl", gold)
    b = outputs_file(tmp_path / "b.jsonl", [no_react(x) for x in gold])
    res = run_cli("eval", a, "--reference", ref, "--compare", b, "--output-format", "json")
    assert res.code == 0, res
    out = res.json()
    rows = {c["code"]: c for c in out["comparison"]}
    assert rows["R001"]["a"]["share"] == 1.0 and rows["R001"]["b"]["share"] == 0.0
    assert rows["R001"]["verdict"] == "B worse"
    assert rows["S003"]["verdict"] == "no clear difference"
    assert rows["R001"]["diff"] == -1.0
    assert rows["R001"]["ci95"] == pytest.approx([-1.0, -1 + 2**0.5 * wilson(0, 10)[1]])
    # B may be full records (e.g. the reference answers themselves): the reference then applies to A only.
    vs_gold = run_cli("eval", b, "--reference", ref, "--compare", ref, "--output-format", "json").json()
    assert {c["code"]: c["verdict"] for c in vs_gold["comparison"]}["R001"] == "B better"
    text = run_cli("eval", a, "--reference", ref, "--compare", b)
    assert "R001  react-missing" in text.out and "B worse" in text.out
    assert "95% CI" in text.out


def test_cli_select_and_fail_under(tmp_path) -> None:
    refs, gold = gold_answers(6)
    ref = write_jsonl(tmp_path / "ref.jsonl", refs)
    out = outputs_file(tmp_path / "o.jsonl", [two_colons(a) for a in gold[:3]] + gold[3:])
    res = run_cli("eval", out, "--reference", ref, "--select", "R003", "--output-format", "json")
    assert res.code == 0
    data = res.json()["a"]
    assert [r["code"] for r in data["rules"]] == ["R003"]
    assert data["rules"][0]["passed"] == 3
    assert run_cli("eval", out, "--reference", ref, "--fail-under", "0.9").code == 1
    assert run_cli("eval", out, "--reference", ref, "--fail-under", "0.4").code == 0


@pytest.mark.parametrize(
    ("lines", "extra", "message"),
    [
        ([{"id": 99, "output": "x"}], ["--reference", str(EXAMPLE)], "matches no record"),
        ([{"output": "x"}, chat(("user", "a"), ("assistant", "b"))], [], "mixes"),
        ([{"output": "x"}], ["--select", "Z999"], "unknown rule selector"),
        ([], [], "no outputs"),
    ],
)
def test_cli_bad_input_exits_2(tmp_path, lines, extra, message) -> None:
    path = write_jsonl(tmp_path / "o.jsonl", lines)
    res = run_cli("eval", path, *extra)
    assert res.code == 2, res
    assert message in res.err


def test_unreadable_lines_are_reported(tmp_path) -> None:
    path = tmp_path / "o.jsonl"
    path.write_text(json.dumps({"output": "好的"}, ensure_ascii=False) + "\n{oops\n", encoding="utf-8")
    res = run_cli("eval", path)
    assert res.code == 0
    assert "1 unreadable line(s)" in res.out
    assert run_cli("eval", tmp_path / "missing.jsonl").code == 2
