"""How often `sftlint curve` calls a healthy run broken, and how often it catches real trouble (issue 16).

Simulated runs, shaped like the Trainer's ``log_history``: a training loss
logged every step and 10 evaluations of validation loss.  Validation noise is
multiplicative Gaussian (``--noise``: 1% and 2% by default, what a few hundred
validation records give).  Scenarios:

* ``flat``: validation loss constant plus noise (a converged run);
* ``converged``: falls early (time constant 1/8 of the run) and is flat by
  the last third;
* ``overfit``: the textbook case — falls to a minimum at mid-run, then rises
  32% by the end, training loss still falling;
* ``still_falling``: falls steadily, 25% over the run (not converged);
* ``nan``: a loss becomes NaN at 70% of the run.

The target (issue 16): at most 5% of ``flat`` runs called anything but
plateau (a converged run), while ``overfit`` is still caught.  Run:

    python bench/curve_sim.py                 # 1000 runs per scenario and noise level
    python bench/curve_sim.py --runs 200 --noise 0.01

Pure Python, deterministic (seeded); prints a Markdown table.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sftlint.train.curve import curve_from_history, diagnose

STEPS = 100
EVALS = 10
VERDICTS = ("plateau", "not_converged", "overfitting", "diverging", "insufficient_data")


def val_curve(kind: str, s: int) -> float:
    if kind == "flat":
        return 1.0
    if kind == "converged":
        return 1.0 + 0.8 * math.exp(-s / (STEPS / 8))
    if kind == "overfit":
        return 2.0 - 0.01 * s if s <= STEPS / 2 else 1.5 + 0.012 * (s - STEPS / 2) * (100 / STEPS)
    if kind in ("still_falling", "nan"):
        return 1.25 - 0.25 * s / STEPS
    raise ValueError(kind)


def train_curve(kind: str, s: int) -> float:
    if kind in ("flat", "converged"):
        return 0.6 + 1.2 * math.exp(-s / (STEPS / 8))
    return 0.3 + 2.5 * math.exp(-s / (STEPS / 3))


def history(kind: str, noise: float, rng: random.Random) -> list[dict]:
    eval_every = STEPS // EVALS
    out: list[dict] = []
    peak = 2e-4
    for s in range(1, STEPS + 1):
        lr = peak * 0.5 * (1 + math.cos(math.pi * s / STEPS))  # cosine to zero, as the Trainer's default
        loss = train_curve(kind, s) * (1 + rng.gauss(0, 0.05))
        if kind == "nan" and s >= 0.7 * STEPS:
            loss = float("nan")
        out.append({"loss": loss, "learning_rate": lr, "step": s})
        if s % eval_every == 0:
            v = val_curve(kind, s) * (1 + rng.gauss(0, noise))
            if kind == "nan" and s >= 0.7 * STEPS:
                v = float("nan")
            out.append({"eval_loss": v, "step": s})
    return out


def simulate(kind: str, noise: float, runs: int, seed: int = 0) -> Counter[str]:
    rng = random.Random(f"{kind}-{noise}-{seed}")
    return Counter(diagnose(curve_from_history(history(kind, noise, rng))).verdict for _ in range(runs))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--noise", type=float, action="append", help="validation noise (default 0.01 and 0.02)")
    args = ap.parse_args(argv)
    noises = args.noise or [0.01, 0.02]
    print(f"{args.runs} simulated runs per row, {EVALS} evaluations over {STEPS} steps\n")
    print("| scenario | val noise | " + " | ".join(VERDICTS) + " |")
    print("|---|---|" + "---|" * len(VERDICTS))
    for kind in ("flat", "converged", "still_falling", "overfit", "nan"):
        for noise in noises:
            c = simulate(kind, noise, args.runs)
            cells = " | ".join(f"{100 * c[v] / args.runs:.1f}%" for v in VERDICTS)
            print(f"| {kind} | {noise:.0%} | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
