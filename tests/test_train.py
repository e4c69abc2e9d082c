"""Real training, offline, on CPU, in seconds: tiny random Qwen2/Llama + a tokenizer trained on the corpus.

Nothing here is mocked: the tokenizer is trained with `tokenizers`, the model is a real (tiny) transformers
model, and the trainer is TRL's SFTTrainer.  The overfitting run is diagnosed by `sftlint curve` from the
trainer_state.json that run wrote.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
pytest.importorskip("trl")
pytest.importorskip("torch")

from conftest import ROOT, run_cli, write_jsonl

from sftlint.train.curve import load_curve
from sftlint.train.io import read_jsonl
from sftlint.train.tiny import IM_END, build_tiny_model, corpus_texts, train_tokenizer
from sftlint.train.trainer import TrainConfig, decide_assistant_only, run

pytestmark = [pytest.mark.train, pytest.mark.slow]

EXAMPLE = ROOT / "examples" / "customer_service.jsonl"


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return list(read_jsonl(EXAMPLE))


@pytest.fixture(scope="module")
def split_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("split")
    res = run_cli("split", EXAMPLE, "--val", "0.1", "--seed", "0", "-o", out)
    assert res.code == 0, res
    return out


def test_tiny_tokenizer_masks_exactly_the_assistant_turns(records) -> None:
    from trl.chat_template_utils import has_generation_markers, is_chat_template_stop_token_trained

    tok = train_tokenizer(corpus_texts(records))
    assert len(tok) <= 2048 + 3
    text = records[0]["messages"][1]["content"]
    assert tok.decode(tok(text)["input_ids"]) == text  # byte-level BPE round-trips Chinese
    assert has_generation_markers(tok.chat_template)
    assert is_chat_template_stop_token_trained(
        tok
    )  # the end-of-turn token is learned: the model learns to stop
    msgs = records[0]["messages"]
    enc = tok.apply_chat_template(msgs, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    ids, mask = enc["input_ids"], enc["assistant_masks"]
    learned = tok.decode([i for i, m in zip(ids, mask, strict=True) if m])
    expected = "".join(m["content"] + IM_END for m in msgs if m["role"] == "assistant")
    assert learned == expected


def test_assistant_only_loss_follows_the_chat_template(records) -> None:
    from trl.chat_template_utils import qwen2_5_chat_template

    tok = train_tokenizer(corpus_texts(records[:5]))
    rows = [{"messages": records[0]["messages"]}]
    cfg = TrainConfig()
    assert decide_assistant_only(cfg, tok, rows)[0] is True  # our template carries {% generation %}
    tok.chat_template = qwen2_5_chat_template
    on, why = decide_assistant_only(cfg, tok, rows)
    assert on and "TRL swaps in" in why  # a known family: TRL has a training version
    tok.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    on, why = decide_assistant_only(cfg, tok, rows)
    assert not on and "every token" in why  # unknown template: full-sequence loss, said out loud


def tiny_full_config(train: Path, val: Path, tmp_path: Path, **overrides) -> TrainConfig:
    """The tiny model trained whole at a constant 3e-3 from the first step: what the tests that
    watch the loss move share (each sets its epochs, evaluation and saving)."""
    return TrainConfig(
        model="tiny",
        train_file=str(train),
        val_file=str(val),
        output_dir=str(tmp_path / "run"),
        method="full",
        learning_rate=3e-3,
        lr_scheduler_type="constant",
        warmup_ratio=0.0,
        **overrides,
    )


def test_training_loss_falls_and_state_is_written(split_dir, tmp_path) -> None:
    cfg = tiny_full_config(
        split_dir / "train.jsonl",
        split_dir / "val.jsonl",
        tmp_path,
        epochs=1,
        eval_steps=9,
        save_checkpoints=False,
    )
    result = run(cfg)
    assert result.n_train == 56 and result.n_val == 4  # split keeps each article on one side
    assert result.assistant_only_loss
    state = json.loads(Path(result.state_file).read_text(encoding="utf-8"))
    losses = [h["loss"] for h in state["log_history"] if "loss" in h]
    evals = [h["eval_loss"] for h in state["log_history"] if "eval_loss" in h]
    assert len(losses) >= 20 and len(evals) >= 3
    first, last = sum(losses[:3]) / 3, sum(losses[-3:]) / 3
    assert last < 0.85 * first, (first, last)
    assert evals[-1] < evals[0]
    summary = json.loads((tmp_path / "run" / "sftlint_train.json").read_text(encoding="utf-8"))
    assert summary["settings"]["batch_size"] == 2  # fitted to 54 examples by `hparams`
    assert any("batch_size = 2" in n for n in summary["notes"])
    # The saved model loads back and generates.
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tmp_path / "run" / "model")
    tok = AutoTokenizer.from_pretrained(tmp_path / "run" / "model")
    prompt = tok.apply_chat_template(
        records_first_turn(split_dir), add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    out = model.generate(**prompt, max_new_tokens=5, do_sample=False)
    assert out.shape[1] == prompt["input_ids"].shape[1] + 5


def records_first_turn(split_dir: Path) -> list[dict]:
    rec = next(read_jsonl(split_dir / "val.jsonl"))
    return rec["messages"][:2]


def overfit_files(records: list[dict], tmp_path: Path) -> tuple[Path, Path]:
    """Four dialogues of one topic to learn by heart, six of other topics to validate on."""
    train = write_jsonl(tmp_path / "train.jsonl", records[:4])
    val = write_jsonl(tmp_path / "val.jsonl", records[20:26])
    return train, val


def test_overfitting_run_is_diagnosed_from_its_real_trainer_state(records, tmp_path) -> None:
    train, val = overfit_files(records, tmp_path)
    cfg = tiny_full_config(
        train,
        val,
        tmp_path,
        epochs=30,
        batch_size=2,
        eval_steps=4,
        early_stopping_patience=0,  # let it overfit
        save_model=False,
        save_checkpoints=False,
    )
    result = run(cfg)
    assert result.steps == 60
    curve = load_curve(result.state_file)
    best_step = min(curve.val, key=lambda p: p[1])[0]
    assert best_step < 60
    res = run_cli("curve", result.state_file)
    assert res.code == 1, res
    assert "verdict: overfitting" in res.out
    assert f"suggested stop: step {best_step}" in res.out
    assert (tmp_path / "run" / "loss_curve.png").is_file() or "matplotlib is not installed" in res.out
    train_losses = [v for _, v in curve.train]
    assert sum(train_losses[-4:]) / 4 < 0.5 * sum(train_losses[:4]) / 4  # training loss kept falling


def test_cli_train_with_early_stopping_stops_an_overfitting_run(records, tmp_path) -> None:
    overfit_files(records, tmp_path)  # train.jsonl / val.jsonl beside the config
    cfg = tmp_path / "train.toml"
    cfg.write_text(
        "[train]\n"
        'model = "tiny"\ntrain_file = "train.jsonl"\nval_file = "val.jsonl"\noutput_dir = "out"\n'
        'method = "full"\nepochs = 30\nbatch_size = 2\nlearning_rate = 3e-3\nlr_scheduler_type = "constant"\n'
        "warmup_ratio = 0.0\neval_steps = 4\nearly_stopping_patience = 2\n",
        encoding="utf-8",
    )
    res = run_cli("train", cfg, "--no-save-model", "--no-plot")
    assert res.code in (0, 1), res  # 1: the curve check still reports the overfitting it stopped
    assert "early stopping: validation loss did not improve for 2 evaluations" in res.out
    summary = json.loads((tmp_path / "out" / "sftlint_train.json").read_text(encoding="utf-8"))
    assert summary["stopped_early"] and summary["steps"] < 60
    state = json.loads((tmp_path / "out" / "trainer_state.json").read_text(encoding="utf-8"))
    assert state["best_global_step"] == summary["best_step"]
    assert (tmp_path / "out" / f"checkpoint-{summary['best_step']}").is_dir()  # the best weights are kept


def test_lora_on_a_llama_shaped_model(split_dir, tmp_path) -> None:
    pytest.importorskip("peft")
    base = build_tiny_model(tmp_path / "base", split_dir / "train.jsonl", arch="llama")
    assert json.loads((base / "config.json").read_text(encoding="utf-8"))["model_type"] == "llama"
    res = run_cli(
        "train",
        "--model",
        base,
        "--data",
        split_dir,
        "--output-dir",
        tmp_path / "run",
        "--method",
        "lora",
        "--max-steps",
        "4",
        "--eval-steps",
        "2",
        "--learning-rate",
        "1e-3",
        "--no-plot",
    )
    assert res.code in (0, 1), res
    assert "trained 4 steps" in res.out
    assert (tmp_path / "run" / "model" / "adapter_config.json").is_file()  # a LoRA adapter, not full weights
    assert (tmp_path / "run" / "trainer_state.json").is_file()


def test_cli_train_usage_errors(split_dir, tmp_path) -> None:
    assert run_cli("train", "--train-file", tmp_path / "none.jsonl", "--val-file", "").code == 2
    bad = tmp_path / "bad.toml"
    bad.write_text('[train]\nmodel = "tiny"\nlearning_rat = 1e-4\n', encoding="utf-8")
    res = run_cli("train", bad)
    assert res.code == 2 and "learning_rat" in res.err
    res = run_cli(
        "train", "--model", "no-such-org/no-such-model", "--data", split_dir, "--output-dir", tmp_path / "o"
    )
    assert res.code == 2 and "cannot load model" in res.err


TOOL_RECORDS = [
    {
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "query_order",
                    "description": "查询订单状态",
                    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}},
                },
            }
        ],
        "messages": [
            {"role": "user", "content": f"帮我查一下订单{n}的状态"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "type": "function",
                        "function": {"name": "query_order", "arguments": {"order_id": str(n)}},
                    }
                ],
            },
            {"role": "tool", "content": f'{{"status": "已发货", "order_id": "{n}"}}'},
            {"role": "assistant", "content": f"您的订单{n}已经发货了，请留意物流信息。"},
        ],
    }
    for n in range(1001, 1009)
]


def test_tool_calls_reach_trl_and_are_learned(tmp_path) -> None:
    """The tokenized training rows TRL builds hold the calls and the tool definitions, in the loss mask."""
    import trl

    from sftlint.train.tiny import build_model
    from sftlint.train.trainer import _checkpointing_arg, _texts, load_rows
    from sftlint.train.trl_rows import to_dataset

    rows = load_rows(write_jsonl(tmp_path / "tools.jsonl", TOOL_RECORDS), [])
    assert len(rows) == 8 and rows[0]["tools"][0]["function"]["name"] == "query_order"
    tok = train_tokenizer(_texts(rows), vocab_size=600)
    args = trl.SFTConfig(
        output_dir=str(tmp_path / "o"),
        assistant_only_loss=True,
        use_cpu=True,
        bf16=False,
        report_to="none",
        max_length=512,
        # SFTConfig's own default is the deprecated gradient_checkpointing=True, which transformers 5.2x warns about
        **_checkpointing_arg(trl.SFTConfig, False),
    )
    trainer = trl.SFTTrainer(
        model=build_model(tok), args=args, train_dataset=to_dataset(rows), processing_class=tok
    )
    ex = trainer.train_dataset[0]
    text = tok.decode(ex["input_ids"])
    assert '"name": "query_order"' in text and "<tools>" in text  # tools column rendered
    labels = (
        ex["labels"]
        if "labels" in ex
        else [i if m else -100 for i, m in zip(ex["input_ids"], ex["assistant_masks"], strict=True)]
    )
    learned = tok.decode([i for i in labels if i != -100])
    assert '<tool_call>{"name": "query_order", "arguments": {"order_id": "1001"}}</tool_call>' in learned
    assert "已经发货了" in learned and "查询订单状态" not in learned


def test_cli_train_refuses_planted_errors_with_their_codes(tmp_path) -> None:
    from test_train_cli import planted_errors

    data = tmp_path / "data"
    data.mkdir()
    planted_errors(data / "train.jsonl")
    res = run_cli(
        "train",
        "--model",
        "tiny",
        "--data",
        data,
        "--output-dir",
        tmp_path / "run",
        "--max-steps",
        "2",
        "--method",
        "full",
        "--no-save-model",
        "--no-checkpoints",
        "--no-plot",
        "--threads",
        "1",
    )
    assert res.code in (0, 1), res
    assert "dropped 3 of 12 record(s) with error findings (R001 x1, R002 x1, S003 x1, S004 x1)" in res.out
    assert "training on 9 records" in res.out


def test_generate_answers_val_prompts_batched_and_eval_scores_them(records, tmp_path) -> None:
    val = write_jsonl(tmp_path / "val.jsonl", records[:5])
    model_dir = build_tiny_model(tmp_path / "m", records[:20], vocab_size=600)
    out = tmp_path / "outputs.jsonl"
    res = run_cli(
        "generate",
        model_dir,
        val,
        "-o",
        out,
        "--batch-size",
        "2",
        "--max-new-tokens",
        "6",
        "--threads",
        "1",
        "--no-progress",
    )
    assert res.code == 0, res
    rows = list(read_jsonl(out))
    assert [r["id"] for r in rows] == [0, 1, 2, 3, 4]
    assert all(r["prompt"] == rec["messages"][:-1] for r, rec in zip(rows, records, strict=False))
    assert all(r["finish_reason"] in ("stop", "length") for r in rows)
    assert f"wrote 5 output(s) to {out}" in res.out
    # Left padding: the same prompt answered alone and in a batch gives the same greedy answer.
    alone = tmp_path / "alone.jsonl"
    assert (
        run_cli(
            "generate",
            model_dir,
            val,
            "-o",
            alone,
            "--batch-size",
            "1",
            "--max-new-tokens",
            "6",
            "--no-progress",
        ).code
        == 0
    )
    assert [r["output"] for r in read_jsonl(alone)] == [r["output"] for r in rows]
    # eval reads it with the validation file as reference; a random model's answers fail, cut ones are CUT.
    ev = run_cli("eval", out, "--reference", val, "--output-format", "json")
    assert ev.code == 0, ev
    a = ev.json()["a"]
    assert a["outputs"] == 5 and a["overall"]["passed"] < 5
    cut = sum(r["finish_reason"] == "length" for r in rows)
    assert len(a["failures"].get("CUT", [])) == cut


def test_generate_loads_a_lora_adapter_from_a_train_output_dir(split_dir, tmp_path) -> None:
    run_dir = tmp_path / "lora"
    res = run_cli(
        "train",
        "--model",
        "tiny",
        "--data",
        split_dir,
        "--output-dir",
        run_dir,
        "--method",
        "lora",
        "--max-steps",
        "2",
        "--no-plot",
        "--no-checkpoints",
        "--threads",
        "1",
    )
    assert res.code in (0, 1), res
    assert (run_dir / "model" / "adapter_config.json").is_file()
    out = tmp_path / "o.jsonl"
    res = run_cli(
        "generate", run_dir, split_dir / "val.jsonl", "-o", out, "--max-new-tokens", "3", "--no-progress"
    )
    assert res.code == 0, res
    assert len(list(read_jsonl(out))) == len(list(read_jsonl(split_dir / "val.jsonl")))


def test_documents_train_as_language_modeling_text(records, tmp_path) -> None:
    """TRL's language-modeling rows: a file of documents trains on every token of each text, with
    no chat template around it; the loss falls as on conversations."""
    docs = [{"text": rec["messages"][-1]["content"]} for rec in records[:46]]
    train = write_jsonl(tmp_path / "docs.jsonl", docs[:40])
    val = write_jsonl(tmp_path / "val.jsonl", docs[40:])
    cfg = tiny_full_config(train, val, tmp_path, epochs=2, save_checkpoints=False, save_model=False)
    result = run(cfg)
    assert (result.n_train, result.n_val) == (40, 6) and not result.assistant_only_loss
    assert any("language-modeling text" in n for n in result.notes), result.notes
    losses = [h["loss"] for h in result.log_history if "loss" in h]
    assert len(losses) >= 6
    assert sum(losses[-3:]) / 3 < 0.85 * sum(losses[:3]) / 3, losses
