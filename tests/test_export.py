"""`sftlint export`: messages / ShareGPT / Alpaca / prompt-completion, with unfit records skipped and explained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, chat, run_cli, write_jsonl

import sftlint
from sftlint.train.export import Skip, convert, export_file
from sftlint.train.io import read_jsonl

EXAMPLE = ROOT / "examples" / "customer_service.jsonl"

SINGLE = chat(
    ("user", "怎么开发票？"), ("assistant", "确认收货后在订单详情页申请。"), system="你是客服助手。"
)
MULTI = chat(
    ("user", "我的退款怎么还没到账？"),
    ("assistant", "请问退款状态是“退款成功”吗？"),
    ("user", "是的。"),
    ("assistant", "退款会在三到七个工作日内退回原银行卡。"),
)


def records_of(tmp_path: Path, rows: list[dict], name: str = "d.jsonl") -> list:
    return list(sftlint.load_records(write_jsonl(tmp_path / name, rows)))


def test_messages_to_sharegpt_and_back_is_lossless(tmp_path) -> None:
    rows = [*list(read_jsonl(EXAMPLE))[:8], SINGLE, MULTI]
    share = tmp_path / "share.jsonl"
    res = export_file(write_jsonl(tmp_path / "d.jsonl", rows), share, "sharegpt")
    assert not res.skipped and len(res.rows) == 10
    first = res.rows[0]
    assert first["system"] == rows[0]["messages"][0]["content"]
    assert [t["from"] for t in first["conversations"]][:2] == ["human", "gpt"]
    back = export_file(share, tmp_path / "back.jsonl", "messages")
    assert back.rows == rows


def test_alpaca_takes_single_turn_and_explains_the_rest(tmp_path) -> None:
    recs = records_of(tmp_path, [SINGLE, MULTI])
    assert convert(recs[0], "alpaca") == {
        "instruction": "怎么开发票？",
        "input": "",
        "output": "确认收货后在订单详情页申请。",
        "system": "你是客服助手。",
    }
    # Multi-turn: the last exchange is the instruction and output, earlier ones LLaMA-Factory's history.
    assert convert(recs[1], "alpaca") == {
        "instruction": "是的。",
        "input": "",
        "output": "退款会在三到七个工作日内退回原银行卡。",
        "history": [["我的退款怎么还没到账？", "请问退款状态是“退款成功”吗？"]],
    }
    two_users = records_of(
        tmp_path, [chat(("user", "在吗"), ("user", "退款"), ("assistant", "好的"))], "u.jsonl"
    )
    with pytest.raises(Skip, match="do not alternate"):
        convert(two_users[0], "alpaca")


def test_alpaca_input_survives_a_round_trip() -> None:
    rec = next(sftlint.load_records(FIXTURES / "clean_alpaca.json"))
    out = convert(rec, "alpaca")
    assert out["instruction"] == rec.data["instruction"]
    assert out["input"] == rec.data.get("input", "")
    assert out["output"] == rec.data["output"]


def test_prompt_completion_only_for_one_final_assistant_turn(tmp_path) -> None:
    recs = records_of(tmp_path, [SINGLE, MULTI])
    out = convert(recs[0], "prompt-completion")
    assert out["prompt"] == SINGLE["messages"][:2]
    assert out["completion"] == [SINGLE["messages"][2]]
    with pytest.raises(Skip, match="2 assistant turns"):
        convert(recs[1], "prompt-completion")


def test_sharegpt_tool_calls_become_messages_tool_calls(shared_data: Path, tmp_path) -> None:
    src = shared_data / "sft" / "llamafactory_glaive_toolcall_zh_demo.json"
    res = export_file(src, tmp_path / "m.jsonl", "messages")
    with_calls = [r for r in res.rows if any("tool_calls" in m for m in r["messages"])]
    assert with_calls
    msg = next(m for m in with_calls[0]["messages"] if "tool_calls" in m)
    call = msg["tool_calls"][0]
    assert call["type"] == "function" and call["function"]["name"] == "generate_invoice"
    assert "tools" in with_calls[0]
    # ...and back to ShareGPT, the call is a function_call turn again.
    again = export_file(tmp_path / "m.jsonl", tmp_path / "s.jsonl", "sharegpt")
    assert any(t["from"] == "function_call" for t in again.rows[0]["conversations"])


def test_cli_reports_skips_and_exits_1(tmp_path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [SINGLE, MULTI, MULTI])
    out = tmp_path / "pc.jsonl"
    res = run_cli("export", data, "--to", "prompt-completion", "-o", out)
    assert res.code == 1, res
    assert "wrote 1 record(s) in prompt-completion format" in res.out
    assert "skipped 2 record(s): 2 assistant turns" in res.out
    assert f"{data}:2: record 2" in res.out
    assert len(list(read_jsonl(out))) == 1
    assert run_cli("export", data, "--to", "messages", "-o", tmp_path / "m.jsonl").code == 0


def test_cli_counts_unreadable_lines(tmp_path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps(SINGLE, ensure_ascii=False) + "\n{broken\n[1, 2]\n", encoding="utf-8")
    res = run_cli("export", data, "--to", "messages", "-o", tmp_path / "m.jsonl")
    assert res.code == 1
    assert "skipped 2 unreadable line(s)" in res.out


def test_output_is_replaced_atomically(tmp_path) -> None:
    out = tmp_path / "o.jsonl"
    out.write_text("old content\n", encoding="utf-8")
    data = write_jsonl(tmp_path / "d.jsonl", [SINGLE])
    assert run_cli("export", data, "--to", "sharegpt", "-o", out).code == 0
    assert next(iter(read_jsonl(out)))["conversations"][0]["value"] == "怎么开发票？"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_cli_usage_errors(tmp_path) -> None:
    assert run_cli("export", tmp_path / "missing.jsonl", "--to", "messages", "-o", tmp_path / "o").code == 2
    assert run_cli("export", EXAMPLE, "--to", "parquet", "-o", tmp_path / "o").code == 2


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        (
            "sharegpt",
            {
                "formatting": "sharegpt",
                "columns": {"messages": "conversations", "system": "system", "tools": "tools"},
            },
        ),
        (
            "alpaca",
            {
                "columns": {
                    "prompt": "instruction",
                    "query": "input",
                    "response": "output",
                    "system": "system",
                    "history": "history",
                }
            },
        ),
    ],
)
def test_export_writes_the_dataset_info_entry_llamafactory_needs(tmp_path, to, expected) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [SINGLE, MULTI])
    out_dir = tmp_path / "lf"
    out_dir.mkdir()
    (out_dir / "dataset_info.json").write_text(json.dumps({"identity": {"file_name": "identity.json"}}))
    res = run_cli("export", data, "--to", to, "-o", out_dir / "cs.jsonl", "--dataset-name", "cs_sft")
    assert res.code == 0, res
    info = json.loads((out_dir / "dataset_info.json").read_text(encoding="utf-8"))
    assert info["identity"] == {"file_name": "identity.json"}  # other entries are kept
    assert info["cs_sft"] == {"file_name": "cs.jsonl", **expected}
    assert "`dataset: cs_sft`" in res.out
    rows = list(read_jsonl(out_dir / "cs.jsonl"))
    if to == "alpaca":
        assert rows[1]["history"] == [[MULTI["messages"][0]["content"], MULTI["messages"][1]["content"]]]
    assert run_cli("export", data, "--to", to, "-o", tmp_path / "x.jsonl", "--no-dataset-info").code == 0
    assert not (tmp_path / "dataset_info.json").exists()


def test_templated_text_exports_as_its_turns_and_a_document_is_skipped(tmp_path) -> None:
    """A chat template's text is read back into turns, so it exports as messages; a plain
    document (TRL's language-modeling text) has no turns to export and says so."""
    chatml = "<|im_start|>system\n你是客服助手。<|im_end|>\n<|im_start|>user\n怎么开发票？<|im_end|>\n<|im_start|>assistant\n确认收货后在订单详情页申请。<|im_end|>\n"
    res = export_file(
        write_jsonl(tmp_path / "t.jsonl", [{"text": chatml}] * 3), tmp_path / "m.jsonl", "messages"
    )
    assert res.rows == [SINGLE] * 3 and not res.skipped
    docs = [{"text": "一篇没有对话的文章。"}, {"text": "另一篇文章。"}]
    res = export_file(write_jsonl(tmp_path / "docs.jsonl", docs), tmp_path / "d.jsonl", "messages")
    assert not res.rows and [index for index, _, _ in res.skipped] == [0, 1]
    assert all("document" in reason for _, _, reason in res.skipped)
