"""Hyperparameter suggestions: OpenAI's epoch rule, batch size fitted to the data, lr by method, seed warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, chat, run_cli, write_jsonl

from sftlint.train.hparams import MIN_STEPS_PER_EPOCH, fitted_batch_size, openai_epochs, suggest
from sftlint.train.trainer import TrainConfig, load_config

EXAMPLE = ROOT / "examples" / "customer_service.jsonl"


@pytest.mark.parametrize(
    ("n", "epochs"),
    [
        (1, 25),  # 100 // 1 = 100, capped at 25
        (5, 20),
        (10, 10),  # the cookbook's own example
        (33, 3),  # 33 * 3 = 99 < 100 -> 100 // 33 = 3
        (50, 3),
        (8000, 3),
        (10_000, 2),  # 30000 > 25000 -> 25000 // 10000
        (50_000, 1),
        (1_000_000, 1),  # never below 1
    ],
)
def test_openai_epoch_rule(n: int, epochs: int) -> None:
    assert openai_epochs(n) == epochs
    assert 1 <= openai_epochs(n) <= 25


def test_batch_size_is_small_for_small_data_and_grows_with_it() -> None:
    sizes = [fitted_batch_size(n, "full") for n in (5, 20, 60, 200, 1000, 10_000, 1_000_000)]
    assert sizes[0] == 1
    assert sizes == sorted(sizes)
    assert sizes[-1] == 128  # capped
    assert fitted_batch_size(1_000_000, "lora") == 64
    for n in (40, 60, 200, 1000, 5000):
        bs = fitted_batch_size(n, "lora")
        assert bs & (bs - 1) == 0  # a power of two
        assert n // bs >= MIN_STEPS_PER_EPOCH  # enough points on the loss curve
        if bs < 64:
            assert n // (2 * bs) < MIN_STEPS_PER_EPOCH  # and the largest such batch


def test_learning_rate_by_method_and_every_choice_has_a_reason() -> None:
    lora, full = suggest(60, "lora"), suggest(60, "full")
    assert 1e-4 <= lora.get("learning_rate") <= 2e-4
    assert 1e-5 <= full.get("learning_rate") <= 2e-5
    assert lora.get("lora_r") > 0 and "lora_r" not in full.as_config()
    for s in (lora, full):
        for c in s.choices:
            assert c.reason.strip(), c.name
    assert "OpenAI" in next(c.reason for c in lora.choices if c.name == "epochs")
    assert "small" in next(c.reason for c in suggest(20, "lora").choices if c.name == "batch_size")
    effective = lora.get("per_device_batch_size") * lora.get("gradient_accumulation_steps")
    assert effective == lora.get("batch_size")


def test_seed_warnings() -> None:
    assert any("expect little gain" in w for w in suggest(30, "lora").warnings)
    assert any("at least 10" in w for w in suggest(6, "lora").warnings)
    assert not any("little gain" in w for w in suggest(80, "lora").warnings)
    assert any("validation" in w for w in suggest(80, "lora", n_val=0).warnings)
    assert suggest(0, "lora").choices == []
    with pytest.raises(ValueError):
        suggest(10, "qlora")  # type: ignore[arg-type]


def test_cli_counts_only_clean_records(tmp_path) -> None:
    good = chat(("user", "请问怎么开发票？"), ("assistant", "您可以在订单详情页申请发票。"))
    bad = chat(("user", "请问怎么开发票？"), ("assistant", ""))  # S003 empty content
    data = write_jsonl(tmp_path / "d.jsonl", [good] * 12 + [bad] * 3)
    res = run_cli("hparams", data, "--output-format", "json")
    assert res.code == 0, res
    out = res.json()
    assert out["n_train"] == 12
    assert any("S003" in w for w in out["warnings"])
    assert any("little gain" in w for w in out["warnings"])
    epochs = next(c for c in out["choices"] if c["name"] == "epochs")
    assert epochs["value"] == 100 // 12


def test_cli_on_example_writes_a_config_train_accepts(tmp_path) -> None:
    cfg_path = tmp_path / "train.toml"
    res = run_cli("hparams", EXAMPLE, "--method", "full", "--val", "0.1", "--write-config", cfg_path)
    assert res.code == 0, res
    assert "54 training examples" in res.out  # 60 clean records, 6 held out
    assert "epochs" in res.out and "# OpenAI" in res.out
    values = load_config(cfg_path)
    cfg = TrainConfig.from_mapping(values)
    assert cfg.method == "full"
    assert cfg.epochs == 3
    assert cfg.learning_rate == pytest.approx(1e-5)
    assert Path(values["train_file"]).resolve() == EXAMPLE.resolve()  # relative to the config's directory


def test_cli_missing_file_is_a_usage_error(tmp_path) -> None:
    res = run_cli("hparams", tmp_path / "nope.jsonl")
    assert res.code == 2
    assert "no such file" in res.err


def test_json_output_is_valid(tmp_path) -> None:
    res = run_cli("hparams", EXAMPLE, "--output-format", "json")
    assert res.code == 0
    data = json.loads(res.out)
    assert data["method"] == "lora" and data["n_train"] == 60


def test_write_config_also_writes_llamafactory_yaml_and_sftconfig_args(tmp_path) -> None:
    split = tmp_path / "split"
    assert run_cli("split", EXAMPLE, "-o", split).code == 0
    cfg_path = tmp_path / "train.toml"
    res = run_cli("hparams", split / "train.jsonl", "--write-config", cfg_path)
    assert res.code == 0, res
    yaml_path, trl_path = tmp_path / "train.llamafactory.yaml", tmp_path / "train.sftconfig.json"
    assert f"wrote {yaml_path}" in res.out and "llamafactory-cli train" in res.out
    yaml = pytest.importorskip("yaml")
    lf = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    assert lf["stage"] == "sft" and lf["finetuning_type"] == "lora" and lf["lora_rank"] == 16
    assert lf["dataset"] == "train" and lf["eval_dataset"] == "val"
    assert lf["learning_rate"] == pytest.approx(2e-4) and lf["num_train_epochs"] == 3.0
    assert lf["per_device_train_batch_size"] * lf["gradient_accumulation_steps"] == 2
    args = json.loads(trl_path.read_text(encoding="utf-8"))
    assert args["sft_config"]["learning_rate"] == pytest.approx(2e-4)
    assert args["lora_config"]["r"] == 16
    trl = pytest.importorskip("trl")
    from sftlint.train.trainer import _checkpointing_arg

    # TRL accepts every key (the checkpointing switch only silences the warning about SFTConfig's own default)
    cfg = trl.SFTConfig(
        **args["sft_config"], use_cpu=True, bf16=False, **_checkpointing_arg(trl.SFTConfig, False)
    )
    assert cfg.num_train_epochs == 3 and cfg.assistant_only_loss
