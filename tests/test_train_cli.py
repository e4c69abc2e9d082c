"""`sftlint train` without the training extra, and its config handling: no torch needed for these."""

from __future__ import annotations

import sys

from conftest import ROOT, run_cli

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


def test_rows_from_other_formats_are_mapped_and_trimmed(tmp_path) -> None:
    share = tmp_path / "s.jsonl"
    assert run_cli("export", EXAMPLE, "--to", "sharegpt", "-o", share).code == 0
    notes: list[str] = []
    rows = load_rows(share, notes)
    assert len(rows) == 60 and set(rows[0]) == {"messages"}
    assert rows[0]["messages"][0]["role"] == "system"
    assert all(set(m) == {"role", "content"} for r in rows for m in r["messages"])
    assert notes == []


def test_tool_call_records_are_trained_as_text_and_said_so(shared_data, tmp_path) -> None:
    src = shared_data / "sft" / "llamafactory_glaive_toolcall_zh_demo.json"
    assert run_cli("split", src, "-o", tmp_path).code == 0
    notes: list[str] = []
    rows = load_rows(tmp_path / "train.jsonl", notes)
    assert rows and all(set(m) == {"role", "content"} for r in rows for m in r["messages"])
    assert notes and "hold tool calls" in notes[0]


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
