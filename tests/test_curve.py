"""Loss-curve diagnosis (seed §五) on hand-written histories; the real-run case lives in test_train.py."""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from sftlint.train.curve import Curve, curve_from_history, diagnose, ema, load_curve, relative_trend


def history(train: list[float], val: dict[int, float]) -> list[dict]:
    """A log_history shaped like the Trainer's: loss per step, eval_loss at eval steps, a final summary."""
    out: list[dict] = []
    for step, loss in enumerate(train, start=1):
        out.append({"loss": loss, "step": step, "epoch": step / 10, "learning_rate": 1e-4})
        if step in val:
            out.append({"eval_loss": val[step], "step": step, "epoch": step / 10})
    out.append({"train_loss": sum(train) / len(train), "train_runtime": 1.0, "step": len(train)})
    return out


def write_state(path: Path, hist: list[dict]) -> Path:
    path.write_text(json.dumps({"global_step": hist[-1]["step"], "log_history": hist}), encoding="utf-8")
    return path


def noisy(values: list[float], seed: int = 0, scale: float = 0.08) -> list[float]:
    rng = random.Random(seed)
    return [v * (1 + rng.uniform(-scale, scale)) for v in values]


TRAIN_FALLING = [3.0 * math.exp(-s / 25) + 0.2 for s in range(1, 101)]


def test_overfitting_names_the_step_with_the_lowest_validation_loss() -> None:
    val = {s: 2.0 - 0.01 * s if s <= 50 else 1.5 + 0.012 * (s - 50) for s in range(10, 101, 10)}
    d = diagnose(curve_from_history(history(noisy(TRAIN_FALLING), val)))
    assert d.verdict == "overfitting"
    assert d.stop_step == 50 == d.best_step
    assert "stop at step 50" in d.message


def test_not_converged_when_both_still_fall() -> None:
    val = {s: 2.5 * math.exp(-s / 60) + 0.3 for s in range(10, 101, 10)}
    d = diagnose(curve_from_history(history(noisy(TRAIN_FALLING, 1), val)))
    assert d.verdict == "not_converged"
    assert d.stop_step is None
    assert "keep training" in d.message
    assert "both still falling" in d.message


def test_plateau_when_both_are_flat() -> None:
    train = noisy([0.8] * 100, 2, scale=0.05)
    val = {s: 1.0 + (0.002 if s % 20 else -0.002) for s in range(10, 101, 10)}
    d = diagnose(curve_from_history(history(train, val)))
    assert d.verdict == "plateau"
    assert d.best_step is not None


def test_diverging_when_both_rise() -> None:
    train = [1.0 - 0.005 * s if s <= 40 else 0.8 + 0.03 * (s - 40) for s in range(1, 101)]
    val = {s: 1.2 - 0.005 * s if s <= 40 else 1.0 + 0.03 * (s - 40) for s in range(10, 101, 10)}
    d = diagnose(curve_from_history(history(train, val)))
    assert d.verdict == "diverging"
    assert d.stop_step == 40
    assert "learning rate" in d.message


def test_one_bad_evaluation_is_not_yet_overfitting() -> None:
    val = {10: 2.0, 20: 1.8, 30: 1.7, 40: 1.65, 50: 1.64, 60: 1.63, 70: 1.75}
    d = diagnose(curve_from_history(history(noisy(TRAIN_FALLING[:70], 3), val)))
    assert d.verdict != "overfitting"
    assert any("rose at the last evaluation" in n for n in d.notes)


def test_noise_in_training_loss_is_smoothed() -> None:
    # A falling trend under +-30% per-step noise is still read as falling.
    train = noisy([2.0 - 0.01 * s for s in range(1, 101)], 4, scale=0.3)
    d = diagnose(curve_from_history(history(train, {})))
    assert d.verdict == "not_converged"
    assert d.train_trend is not None and d.train_trend < 0
    assert any("validation" in n for n in d.notes)  # cannot judge overfitting without it


def test_too_few_points() -> None:
    d = diagnose(Curve(train=[(1, 2.0)], val=[]))
    assert d.verdict == "insufficient_data"


def test_ema_and_trend_helpers() -> None:
    assert ema([1.0, 1.0, 1.0]) == pytest.approx([1.0, 1.0, 1.0])  # debiased: no pull towards 0
    assert relative_trend([(0, 2.0), (10, 1.0)]) == pytest.approx(-1 / 1.5)
    assert relative_trend([(0, 1.0), (10, 1.0)]) == 0


def test_history_parsing_ignores_summary_and_junk() -> None:
    c = curve_from_history(
        [
            {"loss": 1.0, "step": 1},
            {"eval_loss": 1.5, "step": 1},
            {"loss": float("nan"), "step": 2},
            "x",
            {"step": 3},
        ]
    )
    assert c.train == [(1, 1.0)] and c.val == [(1, 1.5)]


def test_load_from_output_dir_and_latest_checkpoint(tmp_path) -> None:
    hist = history(TRAIN_FALLING[:20], {10: 2.0, 20: 1.9})
    (tmp_path / "checkpoint-10").mkdir()
    (tmp_path / "checkpoint-20").mkdir()
    write_state(tmp_path / "checkpoint-10" / "trainer_state.json", hist[:11])
    write_state(tmp_path / "checkpoint-20" / "trainer_state.json", hist)
    c = load_curve(tmp_path)
    assert c.source.endswith("checkpoint-20/trainer_state.json")
    assert len(c.train) == 20


def test_cli_overfitting_exits_1_and_writes_png(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    val = {s: 2.0 - 0.01 * s if s <= 50 else 1.5 + 0.012 * (s - 50) for s in range(10, 101, 10)}
    state = write_state(tmp_path / "trainer_state.json", history(noisy(TRAIN_FALLING), val))
    res = run_cli("curve", state)
    assert res.code == 1, res
    assert "verdict: overfitting" in res.out
    assert "suggested stop: step 50" in res.out
    png = tmp_path / "loss_curve.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {png}" in res.out


def test_cli_json_and_no_plot(tmp_path) -> None:
    val = {s: 2.5 * math.exp(-s / 60) + 0.3 for s in range(10, 101, 10)}
    state = write_state(tmp_path / "trainer_state.json", history(TRAIN_FALLING, val))
    res = run_cli("curve", state, "--no-plot", "--output-format", "json")
    assert res.code == 0, res
    out = json.loads(res.out)
    assert out["verdict"] == "not_converged" and out["plot"] is None
    assert not (tmp_path / "loss_curve.png").exists()


def test_cli_without_matplotlib_says_so(tmp_path, monkeypatch) -> None:
    state = write_state(tmp_path / "trainer_state.json", history(TRAIN_FALLING, {10: 2.0, 20: 1.9, 30: 1.8}))
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    res = run_cli("curve", state)
    assert res.code == 0, res
    assert "matplotlib is not installed" in res.out
    assert not (tmp_path / "loss_curve.png").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not a readable JSON"),
        ('{"global_step": 3}', "no `log_history`"),
    ],
)
def test_cli_bad_input_is_exit_2_not_a_traceback(tmp_path, content, message) -> None:
    path = tmp_path / "trainer_state.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    res = run_cli("curve", path)
    assert res.code == 2, res
    assert message in res.err
    assert "Traceback" not in res.err


def test_nan_loss_is_a_diverged_run_not_keep_training() -> None:
    hist = history(TRAIN_FALLING, {s: 2.0 - 0.005 * s for s in range(10, 101, 10)})
    for h in hist:
        if h.get("step", 0) >= 70 and "loss" in h:
            h["loss"] = float("nan")
        if h.get("step", 0) == 80 and "eval_loss" in h:
            h["eval_loss"] = float("inf")
    d = diagnose(curve_from_history(hist))
    assert d.verdict == "diverging"
    assert "NaN or infinite at step 70" in d.message
    assert d.stop_step == 60  # the best finite evaluation before the blow-up


def test_cli_reads_nan_written_by_json_and_exits_1(tmp_path) -> None:
    hist = history(TRAIN_FALLING[:30], {10: 2.0, 20: 1.9, 30: 1.8})
    hist[25]["loss"] = float("nan")
    state = write_state(tmp_path / "trainer_state.json", hist)  # json writes the bare token NaN
    res = run_cli("curve", state, "--no-plot")
    assert res.code == 1, res
    assert "diverged" in res.out


def _flat_noisy(seed: int, noise: float) -> list[dict]:
    rng = random.Random(seed)
    train = [0.6 + 1.2 * math.exp(-s / 12) for s in range(1, 101)]
    val = {s: 1.0 * (1 + rng.gauss(0, noise)) for s in range(10, 101, 10)}
    return history(noisy(train, seed, 0.05), val)


@pytest.mark.parametrize("noise", [0.01, 0.02])
def test_flat_noisy_runs_are_called_plateau(noise) -> None:
    verdicts = [diagnose(curve_from_history(_flat_noisy(seed, noise))).verdict for seed in range(200)]
    wrong = sum(v != "plateau" for v in verdicts)
    assert wrong <= 10, verdicts  # <= 5% (bench/curve_sim.py measures it on 1000 runs)


def test_noisy_textbook_overfitting_is_still_caught_with_its_best_step() -> None:
    rng = random.Random(7)
    val = {
        s: (2.0 - 0.01 * s if s <= 50 else 1.5 + 0.012 * (s - 50)) * (1 + rng.gauss(0, 0.01))
        for s in range(10, 101, 10)
    }
    d = diagnose(curve_from_history(history(noisy(TRAIN_FALLING), val)))
    assert d.verdict == "overfitting"
    assert d.best_step == d.stop_step == min(val, key=val.get)
    assert d.val_noise is not None and d.val_noise > 0


def test_trend_window_is_measured_in_steps() -> None:
    from sftlint.train.curve import window

    # Dense early evaluations, sparse late ones: the last third of the steps is steps >= 700.
    points = [(s, 1.0) for s in (10, 20, 30, 40, 50, 60, 70, 80, 700, 850, 1000)]
    assert [s for s, _ in window(points)] == [700, 850, 1000]
    points = [(s, 1.0) for s in range(100, 1001, 100)]
    assert [s for s, _ in window(points)] == [700, 800, 900, 1000]


def test_ended_learning_rate_is_named() -> None:
    hist = history(TRAIN_FALLING, {s: 2.5 * math.exp(-s / 60) + 0.3 for s in range(10, 101, 10)})
    for h in hist:
        if "learning_rate" in h:
            h["learning_rate"] = 2e-4 * 0.5 * (1 + math.cos(math.pi * h["step"] / 100))
    d = diagnose(curve_from_history(hist))
    assert d.verdict == "not_converged"
    assert d.schedule_ended
    assert "the schedule has ended; train longer with a new schedule, not more steps of this one" in d.message
    # A constant rate (the other tests' histories) has not ended.
    d2 = diagnose(
        curve_from_history(
            history(TRAIN_FALLING, {s: 2.5 * math.exp(-s / 60) + 0.3 for s in range(10, 101, 10)})
        )
    )
    assert not d2.schedule_ended and "schedule has ended" not in d2.message
