"""`sftlint train` without the training extra, and its config handling: no torch needed for these."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import ROOT, run_cli, write_jsonl

from sftlint.train.trainer import TrainConfig, TrainError, load_config, load_rows

EXAMPLE = ROOT / "examples" / "customer_service.jsonl"


def test_missing_extra_is_a_clear_usage_error(tmp_path, monkeypatch) -> None:
    assert run_cli("split", EXAMPLE, "-o", tmp_path / "split").code == 0
    monkeypatch.setitem(sys.modules, "trl", None)  # as if sftlint[train] were not installed
    res = run_cli("train", "--data", tmp_path / "split", "--output-dir", tmp_path / "run")
    assert res.code == 2, res
    assert "pip install 'sftlint[train]'" in res.err
    assert "Traceback" not in res.err


def test_config_keys_paths_and_validation(tmp_path) -> None:
    cfg = tmp_path / "conf" / "train.json"
    cfg.parent.mkdir()
    cfg.write_text('{"model": "./models/x", "train-file": "d/train.jsonl", "epochs": 2, "method": "full"}')
    values = load_config(cfg)
    assert values["model"] == str(cfg.parent / "models/x")  # relative to the config file
    assert values["train-file"] == str(cfg.parent / "d/train.jsonl")
    c = TrainConfig.from_mapping(values)
    assert c.epochs == 2 and c.method == "full" and c.train_file.endswith("d/train.jsonl")
    for bad in ({"method": "qlora"}, {"batch_size": 0}, {"device": "tpu"}, {"max_length": 4}, {"epochz": 1}):
        try:
            TrainConfig.from_mapping(bad)
        except TrainError:
            continue
        raise AssertionError(f"accepted {bad}")
    (tmp_path / "bad.toml").write_text("[train\n")
    assert run_cli("train", tmp_path / "bad.toml").code == 2


def test_rows_from_other_formats_are_mapped(tmp_path) -> None:
    share = tmp_path / "s.jsonl"
    assert run_cli("export", EXAMPLE, "--to", "sharegpt", "-o", share).code == 0
    notes: list[str] = []
    rows = load_rows(share, notes)
    assert len(rows) == 60 and set(rows[0]) == {"messages"}
    assert rows[0]["messages"][0]["role"] == "system"
    assert all(set(m) == {"role", "content"} for r in rows for m in r["messages"])
    assert notes == []


def planted_errors(path):
    """Twelve example dialogues, three with errors: an empty reply, two assistant turns in a row, no 动作."""
    recs = [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines()][:12]
    recs[1]["messages"][-1]["content"] = ""
    recs[3]["messages"].append({"role": "assistant", "content": recs[3]["messages"][-1]["content"]})
    recs[5]["messages"][-1]["content"] = recs[5]["messages"][-1]["content"].replace("动作：", "", 1)
    return write_jsonl(path, recs)


def test_lint_gate_drops_records_with_errors_and_names_the_codes(tmp_path) -> None:
    path = planted_errors(tmp_path / "train.jsonl")
    notes: list[str] = []
    rows = load_rows(path, notes)
    assert len(rows) == 9
    assert any("dropped 3 of 12 record(s) with error findings" in n for n in notes), notes
    note = next(n for n in notes if "dropped" in n)
    for code in ("S003", "S004", "R002"):
        assert code in note
    # The gate off: every record that maps to messages goes on.
    assert len(load_rows(path, [], gate=False)) == 12
    # Only errors: nothing to train on, said with the codes.
    bad = write_jsonl(
        tmp_path / "bad.jsonl", [json.loads(line) for line in path.read_text().splitlines()][1:2]
    )
    with pytest.raises(TrainError, match=r"every record has error findings.*S003"):
        load_rows(bad, [])


def test_tool_calls_and_tools_reach_trl_whole(shared_data, tmp_path) -> None:
    src = shared_data / "sft" / "llamafactory_glaive_toolcall_zh_demo.json"
    assert run_cli("split", src, "-o", tmp_path).code == 0
    notes: list[str] = []
    rows = load_rows(tmp_path / "train.jsonl", notes)
    with_calls = [r for r in rows if any(m.get("tool_calls") for m in r["messages"])]
    assert with_calls and all("tools" in r for r in with_calls)
    for r in rows:
        for m in r["messages"]:
            if m["role"] == "assistant":
                assert m["content"] or m.get("tool_calls")  # never blanked
            for call in m.get("tool_calls", []):
                assert call["type"] == "function" and isinstance(call["function"]["arguments"], dict)
    assert any("passed to TRL as tool_calls" in n for n in notes)


def record_from(tmp_path, rec: dict):
    import sftlint

    return next(sftlint.load_records(write_jsonl(tmp_path / "one.jsonl", [rec])))


def test_weights_parts_and_media(tmp_path) -> None:
    from sftlint.train.trl_rows import Refused, convert, convert_all

    u = {"role": "user", "content": "在吗？"}

    def a(text, w=None):
        return {"role": "assistant", "content": text} | ({} if w is None else {"weight": w})

    # Only the last turn weighted: prompt-completion, TRL trains the completion only.
    row, cut = convert(record_from(tmp_path, {"messages": [u, a("在的。", 0), u, a("好的。", 1)]}))
    assert set(row) == {"prompt", "completion"} and row["completion"][0]["content"] == "好的。" and not cut
    # Trailing unweighted turns teach nothing: cut.
    row, cut = convert(record_from(tmp_path, {"messages": [u, a("在的。", 1), u, a("好的。", 0)]}))
    assert row == {"messages": [u, {"role": "assistant", "content": "在的。"}]} and cut
    # An unweighted turn between weighted ones: TRL cannot say it.
    with pytest.raises(Refused, match="weight 0 between"):
        convert(record_from(tmp_path, {"messages": [u, a("1", 1), u, a("2", 0), u, a("3", 1)]}))
    # A weight TRL cannot honour is named as written: a fraction, or ms-swift's loss_scale of 2.
    with pytest.raises(Refused, match=r"loss weight of 0\.5 on a reply"):
        convert(record_from(tmp_path, {"messages": [u, a("在的。", 0.5)]}))
    scaled = {"role": "assistant", "content": "好的。", "loss_scale": 2.0}
    with pytest.raises(Refused, match="loss weight of 2 on a reply"):
        convert(record_from(tmp_path, {"messages": [u, scaled]}))
    # Text parts become the text a template renders; an image refuses the record.
    parts = {
        "role": "user",
        "content": [{"type": "text", "text": "订单"}, {"type": "text", "text": "在哪？"}],
    }
    row, _ = convert(record_from(tmp_path, {"messages": [parts, a("已发货。")]}))
    assert row["messages"][0] == {"role": "user", "content": "订单在哪？"}
    image = {
        "role": "user",
        "content": [
            {"type": "image_url", "image_url": {"url": "x.png"}},
            {"type": "text", "text": "这是什么"},
        ],
    }
    with pytest.raises(Refused, match="image_url content part"):
        convert(record_from(tmp_path, {"messages": [image, a("一张图。")]}))
    # Reasoning parts become the assistant turn's reasoning_content (what reasoning models' templates render).
    think = {
        "role": "assistant",
        "content": [{"type": "reasoning", "value": "用户问物流。"}, {"type": "text", "value": "已发货。"}],
    }
    row, _ = convert(record_from(tmp_path, {"messages": [u, think]}))
    assert row["messages"][1] == {
        "role": "assistant",
        "content": "已发货。",
        "reasoning_content": "用户问物流。",
    }
    # One record needing prompt-completion pulls single-turn ones along and refuses multi-turn ones.
    import sftlint

    path = write_jsonl(
        tmp_path / "mix.jsonl",
        [
            {"messages": [u, a("在的。", 0), u, a("好的。", 1)]},
            {"messages": [u, a("在的。")]},
            {"messages": [u, a("在的。"), u, a("好的。")]},
        ],
    )
    res = convert_all(list(sftlint.load_records(path)))
    assert [set(r) for r in res.rows] == [{"prompt", "completion"}] * 2
    assert len(res.refused) == 1 and "2 trained assistant turns" in res.refused[0][2]


def test_written_files_follow_the_umask(tmp_path) -> None:
    import os

    from sftlint.atomic import atomic_write_text
    from sftlint.train.io import write_jsonl_atomic

    old = os.umask(0o022)
    try:
        write_jsonl_atomic(tmp_path / "a.jsonl", [{"x": 1}])
        atomic_write_text(str(tmp_path / "b.txt"), "hi\n")
        os.umask(0o077)
        write_jsonl_atomic(tmp_path / "c.jsonl", [{"x": 1}])
    finally:
        os.umask(old)
    assert (tmp_path / "a.jsonl").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "c.jsonl").stat().st_mode & 0o777 == 0o600


def test_default_thread_count_uses_the_idle_cores() -> None:
    from sftlint.train.threads import default_threads

    assert default_threads(cpus=2, load=1.7) == 1  # a busy 2-core machine: one thread
    assert default_threads(cpus=2, load=9.0) == 1  # never fewer than one
    assert default_threads(cpus=8, load=0.0) == 8
    assert default_threads(cpus=8, load=3.2) == 5


def test_eval_help_prints_one_percent_sign() -> None:
    res = run_cli("eval", "--help")
    assert "95%%" not in res.out and "95%" in res.out


def test_reasoning_is_kept_only_where_the_template_renders_it(tmp_path) -> None:
    pytest.importorskip("transformers")
    from sftlint.train.tiny import train_tokenizer
    from sftlint.train.trainer import _keep_reasoning_if_rendered

    rows = [
        {
            "messages": [
                {"role": "user", "content": "?"},
                {"role": "assistant", "content": "!", "reasoning_content": "想"},
            ]
        },
        {"messages": [{"role": "user", "content": "?"}, {"role": "assistant", "content": "好"}]},
    ]
    tok = train_tokenizer(["想好"], vocab_size=300)
    said: list[str] = []
    assert _keep_reasoning_if_rendered(TrainConfig(), tok, rows, [], said.append) == (rows, [])
    assert not said
    tok.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    kept, _ = _keep_reasoning_if_rendered(TrainConfig(), tok, rows, [], said.append)
    assert kept == rows[1:]
    assert "refused 1 record(s) with reasoning" in said[0]


def test_reasoning_tool_use_data_keeps_its_reasoning(shared_data) -> None:
    rows = load_rows(shared_data / "sft" / "llamafactory_reason_tool_use_demo_50.jsonl", [])
    with_reasoning = [r for r in rows if any(m.get("reasoning_content") for m in r["messages"])]
    assert len(rows) >= 45 and len(with_reasoning) == len(rows)


def test_templated_text_trains_as_its_turns_and_documents_as_text(tmp_path) -> None:
    """Text a chat template wrote is read back into turns, so it trains as messages; a document
    (TRL's language-modeling text) trains as its text: as a one-turn chat, the chat template
    would wrap it in a reply's markup."""
    chatml = "<|im_start|>user\n怎么开发票？<|im_end|>\n<|im_start|>assistant\n确认收货后在订单详情页申请。<|im_end|>\n"
    rows = load_rows(write_jsonl(tmp_path / "chatml.jsonl", [{"text": chatml}] * 3), [])
    assert (
        rows
        == [
            {
                "messages": [
                    {"role": "user", "content": "怎么开发票？"},
                    {"role": "assistant", "content": "确认收货后在订单详情页申请。"},
                ]
            }
        ]
        * 3
    )
    notes: list[str] = []
    docs = [{"text": f"第{k}篇文章的正文，讲的是发票的申请流程。"} for k in range(3)]
    assert load_rows(write_jsonl(tmp_path / "docs.jsonl", docs), notes) == docs
    assert notes == []
