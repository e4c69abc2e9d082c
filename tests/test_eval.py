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
    # R003 looks at ReAct blocks only: the three replies without one and the empty answer are not applicable.
    assert (by["R003"].passed, by["R003"].total, by["R003"].not_applicable) == (2, 6, 4)
    assert res.failures["R003"] == [3, 4, 5, 6]
    assert res.failures["S003"] == [9]
    assert by["R002"].total == 6
    assert by["R001"].total == 10  # the reference answers are ReAct blocks: ReAct was asked of every output
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


def test_outputs_that_often_stop_mid_sentence_all_fail_t006(tmp_path) -> None:
    """In training data T006 takes a file whose replies mostly end without a full stop for a
    file with that style; a model's outputs have no style: every cut one fails."""
    cut = "普通感冒多为病毒感染，一般一周左右自愈。可以多喝水、注意休息，症状明显时可以服用对乙酰氨"
    rows = [
        {"prompt": f"感冒了怎么办？{i}", "output": cut if i % 2 else "多喝水，注意休息。"} for i in range(30)
    ]
    res = score(write_jsonl(tmp_path / "o.jsonl", rows), select=["T006"])
    assert res.failures.get("T006") == list(range(1, 30, 2))


def test_outputs_that_often_claim_another_identity_all_fail_t011(tmp_path) -> None:
    """In training data T011 reports a file written to train an identity once; a model's
    outputs are scored one by one: every output that says it is ChatGPT fails."""
    claim = "抱歉，我是由OpenAI训练的大型语言模型，无法访问互联网。"
    rows = [
        {"prompt": f"今天的新闻是什么？{i}", "output": claim if i % 2 else "抱歉，我无法上网。"}
        for i in range(30)
    ]
    res = score(write_jsonl(tmp_path / "o.jsonl", rows), select=["T011"])
    assert res.failures.get("T011") == list(range(1, 30, 2))


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
    # Same prompts: a paired comparison, exact McNemar on the 10 outputs that changed.
    assert rows["R001"]["test"] == "exact McNemar"
    assert rows["R001"]["a"]["share"] == 1.0 and rows["R001"]["b"]["share"] == 0.0
    assert (rows["R001"]["a_pass_b_fail"], rows["R001"]["a_fail_b_pass"]) == (10, 0)
    assert rows["R001"]["p_value"] == pytest.approx(2 / 2**10)
    assert rows["R001"]["verdict"] == "B worse"
    assert rows["S003"]["verdict"] == "no clear difference"
    assert rows["R001"]["diff"] == -1.0
    # B may be full records (e.g. the reference answers themselves): the reference then applies to A only,
    # and the prompts still pair.
    vs_gold = run_cli("eval", b, "--reference", ref, "--compare", ref, "--output-format", "json").json()
    gold_rows = {c["code"]: c for c in vs_gold["comparison"]}
    assert gold_rows["R001"]["verdict"] == "B better" and gold_rows["R001"]["test"] == "exact McNemar"
    text = run_cli("eval", a, "--reference", ref, "--compare", b)
    assert "R001  react-missing" in text.out and "B worse" in text.out
    assert "McNemar" in text.out


def test_cli_compare_unpaired_runs_keep_their_intervals(tmp_path) -> None:
    refs, gold = gold_answers(20)
    ref_a = write_jsonl(tmp_path / "ref_a.jsonl", refs[:10])
    ref_b = write_jsonl(tmp_path / "ref_b.jsonl", refs[10:])
    a = outputs_file(tmp_path / "a.jsonl", gold[:10])
    b = outputs_file(tmp_path / "b.jsonl", [no_react(x) for x in gold[10:]])
    res = run_cli(
        "eval",
        a,
        "--reference",
        ref_a,
        "--compare",
        b,
        "--compare-reference",
        ref_b,
        "--output-format",
        "json",
    )
    rows = {c["code"]: c for c in res.json()["comparison"]}
    assert rows["R001"]["test"].startswith("Newcombe")
    assert rows["R001"]["ci95"] == pytest.approx([-1.0, -1 + 2**0.5 * wilson(0, 10)[1]])
    assert rows["R001"]["verdict"] == "B worse"


def test_mcnemar_exact_known_values() -> None:
    from sftlint.evaluate import mcnemar_exact

    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(10, 0) == pytest.approx(2 / 1024)
    assert mcnemar_exact(1, 5) == pytest.approx(2 * 7 / 64)  # P(X <= 1), X ~ Bin(6, 1/2), doubled
    assert mcnemar_exact(3, 3) == 1.0


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
        ([{"foo": 1}, {"foo": 2}], [], "not a model output sftlint can read"),
        ([{"predict": "a", "label": "b"}, {"output": "c"}], [], "mixes kinds"),
        ([{"messages": [{"role": "user", "content": "hi"}]}], [], "no assistant turn"),
        ([[1, 2]], [], "not a model output"),
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


def _lf_prompt(messages: list[dict]) -> str:
    """A prompt as LLaMA-Factory's predict step writes it (Qwen template, special tokens skipped)."""
    body = "".join(f"{m['role']}\n{m['content']}\n" for m in messages)
    return body + "assistant\n"


def test_llamafactory_predictions_are_scored_with_their_failures(tmp_path) -> None:
    refs, gold = gold_answers(6)
    broken = [no_react(gold[0]), two_colons(gold[1]), "", no_react(gold[3]), two_colons(gold[4]), gold[5]]
    rows = [
        {"prompt": _lf_prompt(r["messages"][:-1]), "predict": p, "label": g}
        for r, p, g in zip(refs, broken, gold, strict=True)
    ]
    path = write_jsonl(tmp_path / "generated_predictions.jsonl", rows)
    res = score(path)
    assert res.kind == "llamafactory" and res.n == 6
    assert res.overall.passed == 1
    assert res.failures["R001"] == [
        0,
        2,
        3,
    ]  # the system prompt (recovered from the prompt text) asks for ReAct
    assert res.failures["R003"] == [1, 4]
    cli = run_cli("eval", path, "--show-failures")
    assert cli.code == 0, cli
    assert "LLaMA-Factory" in cli.out
    assert "R003 action-colons: 2 failing output(s)" in cli.out
    assert "line 2" in cli.out and "line 5" in cli.out


def test_openai_batch_output_pairs_with_its_batch_input(tmp_path) -> None:
    refs, gold = gold_answers(3)
    requests = [
        {
            "custom_id": f"req-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "m", "messages": r["messages"][:-1]},
        }
        for i, r in enumerate(refs)
    ]
    answers = [gold[0], no_react(gold[1]), None]
    out_rows = []
    for i, a in enumerate(answers):
        row = {"id": f"batch_req_{i}", "custom_id": f"req-{i}", "error": None}
        if a is None:
            row["response"] = {"status_code": 500, "request_id": "x", "body": {"error": "boom"}}
        else:
            row["response"] = {
                "status_code": 200,
                "request_id": "x",
                "body": {
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": a}, "finish_reason": "stop"}
                    ]
                },
            }
        out_rows.append(row)
    out = write_jsonl(tmp_path / "batch_output.jsonl", out_rows[::-1])  # order is not guaranteed
    req = write_jsonl(tmp_path / "batch_input.jsonl", requests)
    res = score(out, reference=req)
    assert res.kind == "openai-batch" and res.n == 2
    assert [res.ids[i] for i in res.failures["R001"]] == ["req-1"]
    assert len(res.failed_requests) == 1
    text = run_cli("eval", out, "--reference", req)
    assert "1 request(s) have no output" in text.out


def test_rule_that_does_not_apply_is_not_a_pass(tmp_path) -> None:
    # Run A learned ReAct but lays one block out wrong; run B never writes a block.  R004 (layout) applies
    # to A's blocks only: B is not "better" on it, it is not applicable.
    refs, gold = gold_answers(4)
    ref = write_jsonl(tmp_path / "ref.jsonl", refs)
    bad_layout = gold[0].replace("---", "", 1)
    a = score(outputs_file(tmp_path / "a.jsonl", [bad_layout, *gold[1:]]), reference=ref)
    b = score(outputs_file(tmp_path / "b.jsonl", [no_react(g) for g in gold]), reference=ref)
    ra = {s.code: s for s in a.rules}["R004"]
    rb = {s.code: s for s in b.rules}["R004"]
    assert (ra.passed, ra.total) == (3, 4)
    assert (rb.total, rb.not_applicable) == (0, 4)
    assert {s.code: s for s in b.rules}["R001"].passed == 0  # what B fails is R001, where it applies


def test_degenerate_outputs_are_caught_and_clean_twins_pass(tmp_path) -> None:
    from sftlint.analysis.degeneration import cut_off, repetition

    loop = "您好，请问有什么可以帮您？" + "好的好的好的" * 6
    same_line = "请提供您的订单号，我马上帮您查询物流。" * 3
    clean_list = "1. 打开订单详情页。\n2. 点击申请售后。\n3. 选择退款原因并提交。"
    assert repetition(loop) is not None
    assert repetition(same_line) is not None
    assert repetition(clean_list) is None
    assert repetition("——————————————————————————————") is None  # a rule line is layout
    assert repetition("哈哈哈，好的。") is None
    assert cut_off("请您稍等，我这边帮您查询一下订单的", "length") is not None
    assert cut_off("您的退款将在三到七个工作日内退回，因为", None, references_end=True) is not None
    assert cut_off("请您稍等，我这边帮您查询一下订单。", None, references_end=True) is None
    assert (
        cut_off("请您稍等，我这边帮您查询一下订单的", "stop", references_end=True) is None
    )  # it chose to stop

    rows = [
        {"id": 0, "output": loop, "finish_reason": "stop"},
        {"id": 1, "output": "您的订单已经发货，预计明天送达", "finish_reason": "length"},
        {"id": 2, "output": "您的订单已经发货，预计明天送达。", "finish_reason": "stop"},
    ]
    res = score(write_jsonl(tmp_path / "o.jsonl", rows), ignore=["T009"])
    assert res.failures["REP"] == [0]
    assert "REP" not in score(write_jsonl(tmp_path / "o.jsonl", rows)).failures  # T009 scores it itself
    assert res.failures["CUT"] == [1]
    assert 2 not in {i for f in res.failures.values() for i in f}
    out = run_cli("eval", tmp_path / "o.jsonl", "--ignore", "T009", "--output-format", "json").json()["a"]
    assert [f["id"] for f in out["failures"]["CUT"]] == [1]


def test_junk_file_is_an_error_not_a_score(tmp_path) -> None:
    junk = tmp_path / "junk.jsonl"
    junk.write_text("this is not json\n{oops\n", encoding="utf-8")
    res = run_cli("eval", junk)
    assert res.code == 2, res
    assert "no outputs to score" in res.err
    foo = write_jsonl(tmp_path / "foo.jsonl", [{"foo": 1}] * 3)
    res = run_cli("eval", foo, "--select", "R001")
    assert res.code == 2 and "not a model output" in res.err and res.out == ""
