"""Read a trainer's loss history and say what the curves mean (seed article, section 五).

The seed's rule: if the training loss falls while the validation loss rises,
the model is overfitting and training should stop; if both are still falling
slowly, the model has not converged and can keep training.  We add the third
case a user meets in practice — both flat, a plateau — and a fourth that
signals a broken run: both rising (diverging, usually a learning rate that is
too high).

Training loss is noisy (one batch per point), so it is smoothed with a
debiased exponential moving average before its trend is read.  Validation
loss is averaged over the whole validation set and is read as is, but a rise
only counts as overfitting once it holds for at least two evaluations after
the best one — a single bad point is not a trend.

Pure Python; the PNG plot needs matplotlib and is skipped (with a note)
without it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Verdict = Literal["overfitting", "not_converged", "plateau", "diverging", "insufficient_data"]

#: Relative change of the loss over the recent window below which a curve is flat.
FLAT_TOL = 0.01
#: Relative rise of validation loss over its best value that counts as a rise.
RISE_TOL = 0.02
#: Weight of the past in the moving average of the training loss.
SMOOTHING = 0.6


class CurveError(ValueError):
    """The input is not a readable trainer state / loss history."""


@dataclass
class Curve:
    """Loss points as (step, loss), sorted by step."""

    train: list[tuple[int, float]]
    val: list[tuple[int, float]]
    source: str = ""


@dataclass
class Diagnosis:
    verdict: Verdict
    message: str
    stop_step: int | None = None  # step to stop at (lowest validation loss) when it matters
    best_step: int | None = None
    best_val_loss: float | None = None
    last_step: int | None = None
    train_trend: float | None = None  # relative change over the recent window
    val_trend: float | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "message": self.message,
            "stop_step": self.stop_step,
            "best_step": self.best_step,
            "best_val_loss": self.best_val_loss,
            "last_step": self.last_step,
            "train_trend": self.train_trend,
            "val_trend": self.val_trend,
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- reading


def find_state_file(path: str | Path) -> Path:
    """``trainer_state.json`` itself, or the one inside an output dir (else its latest checkpoint)."""
    p = Path(path)
    if p.is_dir():
        direct = p / "trainer_state.json"
        if direct.is_file():
            return direct
        checkpoints = sorted(
            (c for c in p.glob("checkpoint-*") if (c / "trainer_state.json").is_file()),
            key=lambda c: int(c.name.rsplit("-", 1)[-1]) if c.name.rsplit("-", 1)[-1].isdigit() else -1,
        )
        if checkpoints:
            return checkpoints[-1] / "trainer_state.json"
        raise CurveError(f"{p}: no trainer_state.json in this directory or its checkpoint-* folders")
    if not p.is_file():
        raise CurveError(f"{p}: no such file")
    return p


def load_curve(path: str | Path) -> Curve:
    """Read the loss history from a trainer state file (or a bare ``log_history`` list)."""
    state_file = find_state_file(path)
    try:
        data = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CurveError(f"{state_file}: not a readable JSON file ({exc})") from exc
    history = data.get("log_history") if isinstance(data, dict) else data
    if not isinstance(history, list):
        raise CurveError(f"{state_file}: no `log_history` list (is this a trainer_state.json?)")
    curve = curve_from_history(history)
    curve.source = str(state_file)
    return curve


def curve_from_history(history: list[Any]) -> Curve:
    """Split a ``log_history`` into training and validation points."""
    train: dict[int, float] = {}
    val: dict[int, float] = {}
    for entry in history:
        if not isinstance(entry, dict):
            continue
        step = entry.get("step")
        if not isinstance(step, int):
            continue
        loss, eval_loss = entry.get("loss"), entry.get("eval_loss")
        if _is_number(loss):
            train[step] = float(loss)
        if _is_number(eval_loss):
            val[step] = float(eval_loss)
    return Curve(sorted(train.items()), sorted(val.items()))


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == x and abs(x) != float("inf")


# --------------------------------------------------------------------------- analysis


def ema(values: list[float], weight: float = SMOOTHING) -> list[float]:
    """Debiased exponential moving average (as TensorBoard's smoothing slider)."""
    out, acc = [], 0.0
    for i, v in enumerate(values, start=1):
        acc = weight * acc + (1 - weight) * v
        out.append(acc / (1 - weight**i))
    return out


def relative_trend(points: list[tuple[int, float]]) -> float:
    """Least-squares change over the window, relative to the window's mean loss."""
    n = len(points)
    if n < 2:
        return 0.0
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0 or my == 0:
        return 0.0
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope * (xs[-1] - xs[0]) / abs(my)


def _window(points: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The recent part of a curve: its last third, at least three points."""
    k = max(3, len(points) // 3)
    return points[-k:]


def _value_at(points: list[tuple[int, float]], step: int) -> float:
    """Last value at or before ``step`` (first value if none)."""
    chosen = points[0][1]
    for s, v in points:
        if s <= step:
            chosen = v
        else:
            break
    return chosen


def diagnose(curve: Curve, flat_tol: float = FLAT_TOL, rise_tol: float = RISE_TOL) -> Diagnosis:
    """Classify a run as overfitting / not converged / plateau / diverging (seed §五)."""
    train_s = list(zip([s for s, _ in curve.train], ema([v for _, v in curve.train]), strict=True))
    val = curve.val
    last_step = max([s for s, _ in curve.train] + [s for s, _ in val], default=None)
    train_trend = relative_trend(_window(train_s)) if len(train_s) >= 3 else None

    if len(val) < 3:
        notes = [
            "fewer than 3 validation points: overfitting cannot be told apart from progress "
            "(evaluate more often, e.g. `--eval-steps`, and keep a validation split)"
        ]
        if train_trend is None:
            return Diagnosis(
                "insufficient_data", "too few loss points to read a trend", last_step=last_step, notes=notes
            )
        if train_trend < -flat_tol:
            msg = f"training loss still falling ({train_trend:+.1%} over the recent window); no validation to check"
            return Diagnosis("not_converged", msg, last_step=last_step, train_trend=train_trend, notes=notes)
        msg = f"training loss flat ({train_trend:+.1%} over the recent window); no validation to check"
        return Diagnosis("plateau", msg, last_step=last_step, train_trend=train_trend, notes=notes)

    best_i = min(range(len(val)), key=lambda i: (val[i][1], i))
    best_step, best = val[best_i]
    after = val[best_i + 1 :]
    val_trend = relative_trend(_window(val))
    d = Diagnosis(
        "plateau",
        "",
        best_step=best_step,
        best_val_loss=best,
        last_step=last_step,
        train_trend=train_trend,
        val_trend=val_trend,
    )
    threshold = best * (1 + rise_tol)
    sustained_rise = len(after) >= 2 and after[-1][1] > threshold and after[-2][1] > best * (1 + rise_tol / 2)

    if sustained_rise:
        rise = after[-1][1] / best - 1
        train_at_best = _value_at(train_s, best_step) if train_s else None
        train_end = train_s[-1][1] if train_s else None
        if train_at_best is not None and train_end is not None and train_end > train_at_best * (1 + rise_tol):
            d.verdict = "diverging"
            d.stop_step = best_step
            d.message = (
                f"training and validation loss both rise after step {best_step} "
                f"(validation {best:.4g} -> {after[-1][1]:.4g}): the run is unstable — lower the learning "
                f"rate; the best weights are at step {best_step}"
            )
            return d
        d.verdict = "overfitting"
        d.stop_step = best_step
        fell = (
            f"training loss kept falling ({train_at_best:.4g} -> {train_end:.4g}) "
            if train_at_best is not None and train_end is not None
            else ""
        )
        d.message = (
            f"overfitting: {fell}while validation loss rose {rise:.1%} above its minimum "
            f"{best:.4g} at step {best_step}; stop at step {best_step} and keep that checkpoint"
        )
        return d

    if val_trend < -flat_tol:
        d.verdict = "not_converged"
        both = (
            "training and validation loss are both still falling"
            if train_trend is not None and train_trend < -flat_tol
            else "validation loss is still falling"
        )
        d.message = (
            f"not converged: {both} (validation {val_trend:+.1%} over the recent window, best so far "
            f"{best:.4g} at step {best_step}); keep training — more epochs or a higher learning rate"
        )
        return d

    if len(after) >= 1 and after[-1][1] > threshold:
        d.stop_step = best_step
        d.notes.append(
            f"validation loss rose at the last evaluation ({after[-1][1]:.4g} vs best {best:.4g}); "
            "if the next evaluation is higher again, the run is overfitting"
        )
    d.verdict = "plateau"
    d.message = (
        f"plateau: validation loss is flat ({val_trend:+.1%} over the recent window; best {best:.4g} at step "
        f"{best_step}); more steps are unlikely to help — stop here, or change the data or learning rate"
    )
    return d


# --------------------------------------------------------------------------- reporting


def format_text(curve: Curve, d: Diagnosis) -> str:
    lines = []
    if curve.source:
        lines.append(
            f"{curve.source}: {len(curve.train)} training points, {len(curve.val)} validation points"
        )
    lines.append(f"verdict: {d.verdict}")
    lines.append(d.message)
    if d.stop_step is not None:
        lines.append(f"suggested stop: step {d.stop_step}")
    lines.extend(f"note: {n}" for n in d.notes)
    return "\n".join(lines)


def plot(curve: Curve, d: Diagnosis, out: str | Path) -> Path | None:
    """Write a PNG of both curves with the suggested stop marked; None when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    out = Path(out)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    try:
        if curve.train:
            steps = [s for s, _ in curve.train]
            ax.plot(steps, [v for _, v in curve.train], color="tab:blue", alpha=0.25, linewidth=1)
            ax.plot(steps, ema([v for _, v in curve.train]), color="tab:blue", label="train loss (smoothed)")
        if curve.val:
            ax.plot(
                [s for s, _ in curve.val],
                [v for _, v in curve.val],
                color="tab:orange",
                marker="o",
                markersize=3,
                label="validation loss",
            )
        if d.stop_step is not None:
            ax.axvline(
                d.stop_step, color="tab:red", linestyle="--", label=f"suggested stop (step {d.stop_step})"
            )
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.set_title(f"{d.verdict.replace('_', ' ')}")
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, format="png")
    finally:
        plt.close(fig)
    return out
