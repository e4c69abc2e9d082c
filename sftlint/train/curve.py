"""Read a trainer's loss history and say what the curves mean (seed article, section 五).

The seed's rule: if the training loss falls while the validation loss rises,
the model is overfitting and training should stop; if both are still falling
slowly, the model has not converged and can keep training.  We add the third
case a user meets in practice — both flat, a plateau — and two that signal a
broken run: both rising (diverging, usually a learning rate that is too high)
and a loss that became NaN or infinite (diverged).

Validation loss is measured on a finite set, so it is noisy: with 1% noise
and 10 evaluations, the lowest point of a flat run lies about 1.5% under the
rest, and a fixed "rose 2% above the best" rule called 22% of flat runs
overfitting (52% at 2% noise).  So the noise is estimated from the run itself
(from the second differences of the validation curve, which a smooth trend
barely moves), and a rise counts only when it stands out from that noise and
holds for the last two evaluations; a fall counts only when its slope does.
The numbers are checked by simulation in ``bench/curve_sim.py``.

The trend window is the last third of the run measured in steps (not a count
of evaluation points, which would span a different share of the run when
evaluations are uneven).  A learning rate that has decayed to almost nothing
at the end is named: more steps of an ended schedule teach little.

Pure Python; the PNG plot needs matplotlib and is skipped (with a note)
without it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Verdict = Literal["overfitting", "not_converged", "plateau", "diverging", "insufficient_data"]

#: Relative change of the loss over the recent window below which a curve is flat.
FLAT_TOL = 0.01
#: Smallest relative rise of validation loss over its best value that counts (even without noise).
RISE_TOL = 0.02
#: A rise must exceed this many noise standard deviations (chosen with bench/curve_sim.py:
#: the lowest of 10 noisy points alone sits ~1.5 sd under the mean).
RISE_SIGMAS = 4.0
#: A trend counts when its slope is this many standard errors from zero.
TREND_T = 3.0
#: The same for the training loss: one point per step gives many points and a well-estimated noise.
TRAIN_TREND_T = 2.0
#: A single point above the best by this many noise sds (or RISE_TOL) earns a "watch the next one" note.
NOTE_SIGMAS = 2.0
#: Weight of the past in the moving average of the training loss.
SMOOTHING = 0.6
#: Share of the run, in steps, that the recent-trend window covers.
WINDOW_SHARE = 1 / 3
#: A final learning rate at or under this share of its peak means the schedule has ended.
LR_ENDED = 0.05
LR_ENDED_ADVICE = "the schedule has ended; train longer with a new schedule, not more steps of this one"


class CurveError(ValueError):
    """The input is not a readable trainer state / loss history."""


@dataclass
class Curve:
    """Loss points as (step, loss), sorted by step; learning rates and non-finite losses beside them."""

    train: list[tuple[int, float]]
    val: list[tuple[int, float]]
    source: str = ""
    lr: list[tuple[int, float]] = field(default_factory=list)
    nonfinite: list[tuple[int, str]] = field(default_factory=list)  # (step, "loss"/"eval_loss")


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
    val_noise: float | None = None  # estimated standard deviation of one validation point
    schedule_ended: bool = False
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
            "val_noise": self.val_noise,
            "schedule_ended": self.schedule_ended,
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
    """Split a ``log_history`` into training and validation points, learning rates, NaN/inf losses."""
    train: dict[int, float] = {}
    val: dict[int, float] = {}
    lr: dict[int, float] = {}
    nonfinite: list[tuple[int, str]] = []
    for entry in history:
        if not isinstance(entry, dict):
            continue
        step = entry.get("step")
        if not isinstance(step, int) or isinstance(step, bool):
            continue
        for key, into in (("loss", train), ("eval_loss", val)):
            value = _number(entry.get(key))
            if value is None:
                continue
            if math.isfinite(value):
                into[step] = value
            else:
                nonfinite.append((step, key))
        rate = _number(entry.get("learning_rate"))
        if rate is not None and math.isfinite(rate):
            lr[step] = rate
    return Curve(sorted(train.items()), sorted(val.items()), lr=sorted(lr.items()), nonfinite=nonfinite)


def _number(x: Any) -> float | None:
    """A float from a JSON value; ``"NaN"``/``"Infinity"`` strings (some writers emit them) included."""
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, float)):
        return float(x)
    if isinstance(x, str) and x.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return float(x.strip().lower().replace("infinity", "inf"))
    return None


# --------------------------------------------------------------------------- analysis


def ema(values: list[float], weight: float = SMOOTHING) -> list[float]:
    """Debiased exponential moving average (as TensorBoard's smoothing slider)."""
    out, acc = [], 0.0
    for i, v in enumerate(values, start=1):
        acc = weight * acc + (1 - weight) * v
        out.append(acc / (1 - weight**i))
    return out


def _fit(points: list[tuple[int, float]]) -> tuple[float, float, float]:
    """Least-squares slope, mean loss and sum of squared step deviations of ``points``."""
    n = len(points)
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0, my, 0.0
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope, my, sxx


def relative_trend(points: list[tuple[int, float]]) -> float:
    """Least-squares change over the window, relative to the window's mean loss."""
    if len(points) < 2:
        return 0.0
    slope, my, sxx = _fit(points)
    if sxx == 0 or my == 0:
        return 0.0
    return slope * (points[-1][0] - points[0][0]) / abs(my)


def trend_t(points: list[tuple[int, float]], noise: float) -> float:
    """The fitted slope in standard errors (``noise`` is one point's standard deviation); inf without noise."""
    if len(points) < 2:
        return 0.0
    slope, _, sxx = _fit(points)
    if sxx == 0 or slope == 0:
        return 0.0
    if noise <= 0:
        return math.copysign(math.inf, slope)
    return slope / (noise / math.sqrt(sxx))


def noise_sd(points: list[tuple[int, float]]) -> float:
    """Standard deviation of one point's noise, estimated from the curve itself.

    Second differences ``y[i-1] - 2 y[i] + y[i+1]`` cancel any straight trend,
    and a smooth curve bends little between neighbouring evaluations, so what
    is left is mostly noise: for independent noise of sd s their variance is
    6 s².  A sharp bend (the minimum of an overfitting run) only raises the
    estimate, which makes the verdict more cautious, never less.
    """
    ys = [v for _, v in points]
    if len(ys) < 3:
        return 0.0
    d2 = [ys[i - 1] - 2 * ys[i] + ys[i + 1] for i in range(1, len(ys) - 1)]
    return math.sqrt(sum(d * d for d in d2) / (6 * len(d2)))


def window(points: list[tuple[int, float]], share: float = WINDOW_SHARE) -> list[tuple[int, float]]:
    """The recent part of a curve: its last ``share`` of the steps, at least three points."""
    if len(points) <= 3:
        return list(points)
    first, last = points[0][0], points[-1][0]
    start = last - (last - first) * share
    recent = [p for p in points if p[0] >= start]
    return recent if len(recent) >= 3 else points[-3:]


def _value_at(points: list[tuple[int, float]], step: int) -> float:
    """Last value at or before ``step`` (first value if none)."""
    chosen = points[0][1]
    for s, v in points:
        if s <= step:
            chosen = v
        else:
            break
    return chosen


def schedule_state(lr: list[tuple[int, float]]) -> tuple[bool, float | None, float | None]:
    """Whether the learning-rate schedule has run down: (ended, last rate, peak rate)."""
    if len(lr) < 2:
        return False, None, None
    peak = max(v for _, v in lr)
    last = lr[-1][1]
    return (peak > 0 and last <= LR_ENDED * peak), last, peak


def _falling(
    points: list[tuple[int, float]], noise: float, flat_tol: float, t_crit: float = TREND_T
) -> tuple[bool, float]:
    """Whether a curve's recent window falls by more than ``flat_tol`` and more than its noise."""
    recent = window(points)
    change = relative_trend(recent)
    return change < -flat_tol and trend_t(recent, noise) < -t_crit, change


def diagnose(curve: Curve, flat_tol: float = FLAT_TOL, rise_tol: float = RISE_TOL) -> Diagnosis:
    """Classify a run as overfitting / not converged / plateau / diverging (seed §五)."""
    d = _diagnose(curve, flat_tol, rise_tol)
    ended, last_lr, peak = schedule_state(curve.lr)
    if ended and d.verdict in ("not_converged", "plateau", "insufficient_data"):
        d.schedule_ended = True
        d.notes.append(
            f"the learning rate ended at {last_lr:.3g} ({last_lr / peak:.1%} of its peak {peak:.3g}): "
            f"{LR_ENDED_ADVICE}"
        )
        if d.verdict == "not_converged":
            d.message = d.message.replace("keep training", f"keep training, but {LR_ENDED_ADVICE}")
    return d


def _diagnose(curve: Curve, flat_tol: float, rise_tol: float) -> Diagnosis:
    train_s = list(zip([s for s, _ in curve.train], ema([v for _, v in curve.train]), strict=True))
    val = curve.val
    last_step = max([s for s, _ in curve.train] + [s for s, _ in val], default=None)
    train_trend = relative_trend(window(train_s)) if len(train_s) >= 3 else None

    if curve.nonfinite:
        step, key = curve.nonfinite[0]
        which = "validation" if key == "eval_loss" else "training"
        finite_before = [p for p in val if p[0] < step]
        best = min(finite_before, key=lambda p: p[1]) if finite_before else None
        return Diagnosis(
            "diverging",
            f"diverged: the {which} loss became NaN or infinite at step {step} "
            f"({len(curve.nonfinite)} non-finite value(s)); the run blew up — lower the learning rate, "
            "check the data for empty or over-long records, and use gradient clipping"
            + (f"; the best finite weights are at step {best[0]}" if best else ""),
            stop_step=best[0] if best else None,
            best_step=best[0] if best else None,
            best_val_loss=best[1] if best else None,
            last_step=last_step,
            train_trend=train_trend,
        )

    if len(val) < 3:
        notes = [
            "fewer than 3 validation points: overfitting cannot be told apart from progress "
            "(evaluate more often, e.g. `--eval-steps`, and keep a validation split)"
        ]
        if train_trend is None:
            return Diagnosis(
                "insufficient_data", "too few loss points to read a trend", last_step=last_step, notes=notes
            )
        falling, _ = _falling(curve.train, noise_sd(curve.train), flat_tol, TRAIN_TREND_T)
        if falling:
            msg = f"training loss still falling ({train_trend:+.1%} over the recent window); no validation to check"
            return Diagnosis("not_converged", msg, last_step=last_step, train_trend=train_trend, notes=notes)
        msg = f"training loss flat ({train_trend:+.1%} over the recent window); no validation to check"
        return Diagnosis("plateau", msg, last_step=last_step, train_trend=train_trend, notes=notes)

    noise = noise_sd(val)
    best_i = min(range(len(val)), key=lambda i: (val[i][1], i))
    best_step, best = val[best_i]
    after = val[best_i + 1 :]
    falling, val_trend = _falling(val, noise, flat_tol)
    if not falling and best_i == len(val) - 1:
        # The newest point is the best and the second half of the run falls beyond its noise: the
        # recent window of a noisy curve holds too few points to show it, but nothing says it stopped.
        half = window(val, 0.5)
        falling = relative_trend(half) < -flat_tol and trend_t(half, noise) < -TREND_T
    d = Diagnosis(
        "plateau",
        "",
        best_step=best_step,
        best_val_loss=best,
        last_step=last_step,
        train_trend=train_trend,
        val_trend=val_trend,
        val_noise=noise,
    )
    margin = max(best * rise_tol, RISE_SIGMAS * noise)
    threshold = best + margin
    sustained_rise = len(after) >= 2 and after[-1][1] > threshold and after[-2][1] > threshold

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
            f"{best:.4g} at step {best_step} and stayed up for the last two evaluations (the run's own noise "
            f"is about {noise / best:.1%} per evaluation); stop at step {best_step} and keep that checkpoint"
        )
        return d

    if falling:
        d.verdict = "not_converged"
        train_falling = (
            train_trend is not None
            and _falling(curve.train, noise_sd(curve.train), flat_tol, TRAIN_TREND_T)[0]
        )
        both = (
            "training and validation loss are both still falling"
            if train_falling
            else "validation loss is still falling"
        )
        d.message = (
            f"not converged: {both} (validation {val_trend:+.1%} over the recent window, best so far "
            f"{best:.4g} at step {best_step}); keep training — more epochs or a higher learning rate"
        )
        return d

    if len(after) >= 1 and after[-1][1] > best + max(best * rise_tol, NOTE_SIGMAS * noise):
        d.stop_step = best_step
        d.notes.append(
            f"validation loss rose at the last evaluation ({after[-1][1]:.4g} vs best {best:.4g}, beyond the "
            "run's noise); if the next evaluation is higher again, the run is overfitting"
        )
    d.verdict = "plateau"
    d.message = (
        f"plateau: validation loss is flat ({val_trend:+.1%} over the recent window, within the run's noise "
        f"of about {noise / best:.1%}; best {best:.4g} at step {best_step}); more steps are unlikely to help — "
        "stop here, or change the data or learning rate"
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
