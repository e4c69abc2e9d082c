"""Hyperparameter suggestions fitted to the size of a linted dataset.

The seed article (section 四) names three knobs — learning rate, batch size,
epochs — and says the batch size must fit the data: a small training set gets
a small batch.  Section 二 says to start with 50–100 good records and check
for a real gain before scaling.  This module turns those rules of thumb, plus
published anchors (OpenAI's epoch rule, the LoRA and full-SFT learning rates
used by LLaMA-Factory and axolotl), into numbers with the reason for each, so a
user can see why a value was chosen and overrule it knowingly.

Pure Python: no torch needed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Method = Literal["full", "lora"]

# OpenAI cookbook, "Data preparation and analysis for chat model fine-tuning":
# aim for 3 epochs, but keep examples x epochs within [100, 25000] and epochs
# within [1, 25].
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25

#: Fewest optimizer steps per epoch we want: fewer points make the loss curve
#: unreadable and leave early stopping nothing to act on.
MIN_STEPS_PER_EPOCH = 16
MAX_BATCH = {"full": 128, "lora": 64}
#: Largest batch one device usually holds for a 7B-class model at 1–2k tokens;
#: the rest of the effective batch comes from gradient accumulation.
MAX_PER_DEVICE = 4

LEARNING_RATE = {"full": 1e-5, "lora": 2e-4}
LR_RANGE = {"full": "1e-5 to 2e-5", "lora": "1e-4 to 2e-4"}

#: The seed: "先用少量数据（50条~100条）… 观察真实评估是否有收益".
SEED_MIN_RECORDS = 50
SEED_MAX_START = 100
#: OpenAI requires at least 10 training examples.
OPENAI_MIN_EXAMPLES = 10


@dataclass
class Choice:
    """One suggested value and why it was chosen."""

    name: str
    value: Any
    reason: str


@dataclass
class Suggestion:
    """Everything ``sftlint hparams`` prints."""

    method: str
    n_train: int
    choices: list[Choice] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def get(self, name: str) -> Any:
        for c in self.choices:
            if c.name == name:
                return c.value
        raise KeyError(name)

    def as_config(self) -> dict[str, Any]:
        """The suggested values as ``sftlint train`` config keys."""
        return {c.name: c.value for c in self.choices}

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n_train": self.n_train,
            "choices": [asdict(c) for c in self.choices],
            "warnings": list(self.warnings),
        }


def openai_epochs(n_train: int) -> int:
    """OpenAI's default epoch count for ``n_train`` examples (10 -> 10, 50 -> 3, 50k -> 1)."""
    if n_train <= 0:
        return 0
    epochs = TARGET_EPOCHS
    if n_train * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        epochs = min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_train)
    elif n_train * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        epochs = max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_train)
    return epochs


def fitted_batch_size(n_train: int, method: Method) -> int:
    """Largest power of two leaving >= MIN_STEPS_PER_EPOCH steps per epoch, capped per method."""
    if n_train <= 0:
        return 1
    bs = 1
    while bs * 2 <= MAX_BATCH[method] and n_train // (bs * 2) >= MIN_STEPS_PER_EPOCH:
        bs *= 2
    return bs


def suggest(n_train: int, method: Method = "lora", n_val: int | None = None) -> Suggestion:
    """Suggest epochs, batch size, learning rate and schedule for ``n_train`` clean examples."""
    if method not in ("full", "lora"):
        raise ValueError(f"method must be 'full' or 'lora', not {method!r}")
    s = Suggestion(method=method, n_train=n_train)
    if n_train <= 0:
        s.warnings.append("no usable training records: nothing to train on")
        return s

    epochs = openai_epochs(n_train)
    if n_train * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        why = (
            f"OpenAI's rule: aim for {TARGET_EPOCHS} epochs but see at least {MIN_TARGET_EXAMPLES} examples "
            f"in total; {n_train} examples -> {MIN_TARGET_EXAMPLES} // {n_train} = {epochs}"
            + (f" (capped at {MAX_DEFAULT_EPOCHS})" if epochs == MAX_DEFAULT_EPOCHS else "")
        )
    elif n_train * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        why = (
            f"OpenAI's rule: aim for {TARGET_EPOCHS} epochs but see at most {MAX_TARGET_EXAMPLES} examples "
            f"in total; {n_train} examples -> {epochs}"
        )
    else:
        why = (
            f"OpenAI's rule: {TARGET_EPOCHS} epochs when examples x epochs falls within "
            f"[{MIN_TARGET_EXAMPLES}, {MAX_TARGET_EXAMPLES}] ({n_train} x {TARGET_EPOCHS} = {n_train * TARGET_EPOCHS})"
        )
    s.choices.append(Choice("epochs", epochs, why))

    bs = fitted_batch_size(n_train, method)
    steps_per_epoch = math.ceil(n_train / bs)
    if bs == 1:
        why = (
            f"a small dataset gets a small batch (seed §四): with {n_train} examples a batch of 1 already gives "
            f"{steps_per_epoch} optimizer steps per epoch, and fewer than {MIN_STEPS_PER_EPOCH} would leave "
            "too few points on the loss curve"
        )
    else:
        why = (
            f"batch size fitted to the data (seed §四): the largest power of two that still gives at least "
            f"{MIN_STEPS_PER_EPOCH} optimizer steps per epoch ({n_train} / {bs} -> {steps_per_epoch} steps)"
            + (f", capped at {MAX_BATCH[method]} for {method}" if bs == MAX_BATCH[method] else "")
        )
    s.choices.append(Choice("batch_size", bs, why))
    per_device = min(bs, MAX_PER_DEVICE)
    s.choices.append(
        Choice(
            "per_device_batch_size",
            per_device,
            f"at most {MAX_PER_DEVICE} sequences per device; the effective batch of {bs} comes from "
            f"{bs // per_device} gradient accumulation step(s)",
        )
    )
    s.choices.append(
        Choice(
            "gradient_accumulation_steps",
            bs // per_device,
            f"batch_size / per_device_batch_size = {bs} / {per_device}",
        )
    )

    lr = LEARNING_RATE[method]
    if method == "lora":
        why = (
            f"LoRA trains few parameters and needs a higher rate: {LR_RANGE['lora']} is the range used by "
            "LLaMA-Factory and axolotl SFT examples; the seed warns too high a rate may not converge"
        )
    else:
        why = (
            f"full fine-tuning moves every weight: {LR_RANGE['full']} keeps the model from forgetting "
            "(TRL's SFT default is 2e-5); the seed warns too high a rate may not converge"
        )
    s.choices.append(Choice("learning_rate", lr, why))
    s.choices.append(Choice("lr_scheduler_type", "cosine", "cosine decay, as in the common SFT recipes"))
    s.choices.append(
        Choice("warmup_ratio", 0.1, "warm up over the first 10% of steps so early noisy gradients do no harm")
    )
    if method == "lora":
        s.choices.append(
            Choice("lora_r", 16, "rank 16 on all linear layers is a common starting point for SFT")
        )
        s.choices.append(Choice("lora_alpha", 32, "alpha = 2 x rank, the usual scaling"))

    total_steps = steps_per_epoch * epochs
    eval_steps = max(1, total_steps // 10)
    s.choices.append(
        Choice(
            "eval_steps",
            eval_steps,
            f"about 10 validation points over the {total_steps} steps of the run, enough to see a trend (seed §五)",
        )
    )
    s.choices.append(
        Choice(
            "early_stopping_patience",
            3,
            "stop when validation loss has not improved for 3 evaluations: the seed says to stop once it rises",
        )
    )

    if n_train < OPENAI_MIN_EXAMPLES:
        s.warnings.append(
            f"only {n_train} training examples: OpenAI requires at least {OPENAI_MIN_EXAMPLES}; "
            "the model will mostly memorise them"
        )
    if n_train < SEED_MIN_RECORDS:
        s.warnings.append(
            f"fewer than {SEED_MIN_RECORDS} training examples: expect little gain (seed §二: start with "
            f"{SEED_MIN_RECORDS}–{SEED_MAX_START} good records and check the real evaluation)"
        )
    elif n_train > SEED_MAX_START * 10:
        s.warnings.append(
            f"{n_train} examples: the seed advises proving a gain on {SEED_MIN_RECORDS}–{SEED_MAX_START} good "
            "records first, then growing the data from them while the gain keeps coming"
        )
    if n_val is not None:
        if n_val == 0:
            s.warnings.append(
                "no validation records: you cannot tell overfitting from progress (seed §五); "
                "run `sftlint split` first"
            )
        elif n_val < 5:
            s.warnings.append(
                f"only {n_val} validation records: the validation loss will be noisy; judge the curve's trend, "
                "not single points"
            )
    return s


def format_text(s: Suggestion) -> str:
    """Human-readable report: one line per choice with its reason, then warnings."""
    lines = [f"Suggested hyperparameters for {s.n_train} training examples, method={s.method}:"]
    width = max((len(c.name) for c in s.choices), default=0)
    for c in s.choices:
        value = f"{c.value:g}" if isinstance(c.value, float) else str(c.value)
        lines.append(f"  {c.name.ljust(width)} = {value:<8}  # {c.reason}")
    for w in s.warnings:
        lines.append(f"warning: {w}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- hand-offs


def sftconfig_args(s: Suggestion, output_dir: str = "runs/sft", max_length: int = 1024) -> dict[str, Any]:
    """The suggestion as keyword arguments of TRL's ``SFTConfig`` (and peft's ``LoraConfig``).

    The settings ``sftlint train`` itself passes: evaluation every ``eval_steps``
    so the curves can be read, the best checkpoint kept and loaded at the end,
    loss on assistant tokens only, no packing.  Set ``bf16``/``use_cpu`` for
    your hardware.
    """
    sft = {
        "output_dir": output_dir,
        "num_train_epochs": s.get("epochs"),
        "per_device_train_batch_size": s.get("per_device_batch_size"),
        "per_device_eval_batch_size": s.get("per_device_batch_size"),
        "gradient_accumulation_steps": s.get("gradient_accumulation_steps"),
        "learning_rate": s.get("learning_rate"),
        "lr_scheduler_type": s.get("lr_scheduler_type"),
        "warmup_steps": s.get("warmup_ratio"),  # transformers 5: a value below 1 is a share of the steps
        "logging_steps": max(1, s.get("eval_steps") // 5),
        "eval_strategy": "steps",
        "eval_steps": s.get("eval_steps"),
        "save_strategy": "best",
        "save_total_limit": 1,
        "load_best_model_at_end": True,
        "metric_for_best_model": "eval_loss",
        "greater_is_better": False,
        "max_length": max_length,
        "assistant_only_loss": True,
        "packing": False,
        "report_to": "none",
    }
    out: dict[str, Any] = {
        "sft_config": sft,
        "early_stopping": {"early_stopping_patience": s.get("early_stopping_patience")},
    }
    if s.method == "lora":
        out["lora_config"] = {
            "r": s.get("lora_r"),
            "lora_alpha": s.get("lora_alpha"),
            "lora_dropout": 0.05,
            "target_modules": "all-linear",
            "task_type": "CAUSAL_LM",
        }
    return out


def llamafactory_yaml(
    s: Suggestion, train_dataset: str, val_dataset: str | None, dataset_dir: str, max_length: int = 1024
) -> str:
    """A LLaMA-Factory SFT config (``llamafactory-cli train FILE``) with the suggested values.

    ``train_dataset``/``val_dataset`` name entries of ``dataset_info.json`` in
    ``dataset_dir``, which ``sftlint export`` writes.
    """
    per_device = s.get("per_device_batch_size")
    lines = [
        "# LLaMA-Factory SFT config written by `sftlint hparams`; run: llamafactory-cli train THIS_FILE",
        "# The datasets are entries of dataset_info.json, written by `sftlint export --to sharegpt`.",
        "### model",
        "model_name_or_path: Qwen/Qwen2.5-0.5B-Instruct  # your base model",
        "trust_remote_code: true",
        "",
        "### method",
        "stage: sft",
        "do_train: true",
        f"finetuning_type: {s.method}",
    ]
    if s.method == "lora":
        lines += [f"lora_rank: {s.get('lora_r')}", f"lora_alpha: {s.get('lora_alpha')}", "lora_target: all"]
    lines += [
        "",
        "### dataset",
        f"dataset: {train_dataset}",
        f"dataset_dir: {dataset_dir}",
        "template: qwen  # the chat template of your base model",
        f"cutoff_len: {max_length}",
        "overwrite_cache: true",
        "",
        "### output",
        "output_dir: saves/sft",
        f"logging_steps: {max(1, s.get('eval_steps') // 5)}",
        "save_strategy: steps",
        f"save_steps: {s.get('eval_steps')}",
        "plot_loss: true",
        "",
        "### train",
        f"per_device_train_batch_size: {per_device}",
        f"gradient_accumulation_steps: {s.get('gradient_accumulation_steps')}",
        f"learning_rate: {s.get('learning_rate'):g}",
        f"num_train_epochs: {float(s.get('epochs'))}",
        f"lr_scheduler_type: {s.get('lr_scheduler_type')}",
        f"warmup_ratio: {s.get('warmup_ratio')}",
        "bf16: true  # false on hardware without bfloat16",
    ]
    if val_dataset:
        lines += [
            "",
            "### eval",
            f"eval_dataset: {val_dataset}",
            f"per_device_eval_batch_size: {per_device}",
            "eval_strategy: steps",
            f"eval_steps: {s.get('eval_steps')}",
            "load_best_model_at_end: true",
            "metric_for_best_model: eval_loss",
        ]
    return "\n".join(lines) + "\n"
