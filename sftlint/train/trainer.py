"""Run TRL's SFTTrainer on linted, split data (seed article, sections 四 and 五).

This is deliberately thin: it loads the ``train.jsonl`` / ``val.jsonl`` that
``sftlint split`` wrote, fills unset hyperparameters from
:mod:`sftlint.train.hparams`, and hands everything to ``trl.SFTTrainer`` with
the settings the seed asks for — evaluation every N steps so the train and
validation curves can be compared, early stopping once validation loss stops
improving, and the loss history written to ``trainer_state.json`` for
``sftlint curve``.  Loss is computed on assistant tokens only when the chat
template allows it.

Model may be a local directory, a hub name (cached, or downloaded when online)
or ``tiny`` / ``tiny:llama``: a randomly initialised model with a tokenizer
trained on the data (see :mod:`sftlint.train.tiny`), which lets the whole
pipeline run offline in seconds.

Heavy imports (torch, transformers, trl, datasets, peft) happen inside
:func:`run`, never at module import.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

TRAIN_EXTRA_HINT = "the training stack is not installed: pip install 'sftlint[train]'"


class TrainError(RuntimeError):
    """A problem the user can fix (bad config, missing extra, unusable data); reported, not a traceback."""


@dataclass
class TrainConfig:
    """Everything ``sftlint train`` accepts, from a TOML/JSON file or flags.

    ``None`` means "suggest from the data" (see :func:`sftlint.train.hparams.suggest`).
    """

    model: str = "tiny"
    train_file: str = "train.jsonl"
    val_file: str | None = "val.jsonl"
    output_dir: str = "runs/sft"
    method: str = "lora"
    epochs: float | None = None
    batch_size: int | None = None
    per_device_batch_size: int | None = None
    gradient_accumulation_steps: int | None = None
    learning_rate: float | None = None
    lr_scheduler_type: str = "cosine"
    warmup_ratio: float = 0.1
    max_length: int = 1024
    eval_steps: int | None = None
    logging_steps: int | None = None
    early_stopping_patience: int = 3
    early_stopping_threshold: float = 0.0
    assistant_only_loss: bool | None = None  # None: when the chat template allows
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: str | list[str] = "all-linear"
    seed: int = 42
    save_model: bool = True
    save_checkpoints: bool = True  # keep the best checkpoint and load it at the end
    gradient_checkpointing: bool = False
    device: str = "auto"  # auto | cpu | cuda
    tiny_vocab_size: int = 2048
    max_steps: int | None = None
    threads: int | None = None  # CPU threads for torch; None: the idle cores (sftlint.train.threads)
    allow_errors: bool = False  # train on records with error findings too (the lint gate off)
    lint_config: str | None = None  # sftlint configuration for the gate (default: found from the data file)
    lint_select: list[str] | None = None
    lint_ignore: list[str] | None = None

    @classmethod
    def field_names(cls) -> set[str]:
        return {f.name for f in fields(cls)}

    @classmethod
    def from_mapping(cls, data: dict[str, Any], base: TrainConfig | None = None) -> TrainConfig:
        """Build from a mapping (keys may use ``-`` or ``_``); unknown keys are an error."""
        values = asdict(base) if base is not None else {}
        known = cls.field_names()
        unknown = []
        for key, value in data.items():
            name = key.replace("-", "_")
            if name not in known:
                unknown.append(key)
                continue
            values[name] = value
        if unknown:
            raise TrainError(f"unknown training option(s): {', '.join(sorted(unknown))}")
        cfg = cls(**values)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        if self.method not in ("full", "lora"):
            raise TrainError(f"method must be 'full' or 'lora', not {self.method!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise TrainError(f"device must be 'auto', 'cpu' or 'cuda', not {self.device!r}")
        for name in (
            "batch_size",
            "per_device_batch_size",
            "gradient_accumulation_steps",
            "eval_steps",
            "threads",
        ):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, int) or v < 1):
                raise TrainError(f"{name} must be a positive integer, not {v!r}")
        if self.max_length < 16:
            raise TrainError(f"max_length must be at least 16, not {self.max_length}")


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a TOML or JSON training config; a ``[train]`` table is used when present."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise TrainError(f"{p}: cannot read config ({exc})") from exc
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TrainError(f"{p}: invalid JSON ({exc})") from exc
    else:
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise TrainError(f"{p}: invalid TOML ({exc})") from exc
    if not isinstance(data, dict):
        raise TrainError(f"{p}: the config must be a table/object")
    if isinstance(data.get("train"), dict):
        data = data["train"]
    base = p.parent
    for key in ("train_file", "val_file", "output_dir", "train-file", "val-file", "output-dir"):
        v = data.get(key)
        if isinstance(v, str) and not Path(v).is_absolute():
            data[key] = str(base / v)  # paths in a config file are relative to the file
    model = data.get("model")
    if isinstance(model, str) and model.startswith((".", "/")) and not Path(model).is_absolute():
        data["model"] = str(base / model)
    return data


@dataclass
class TrainResult:
    output_dir: str
    state_file: str
    log_history: list[dict[str, Any]]
    n_train: int
    n_val: int
    steps: int
    runtime_s: float
    assistant_only_loss: bool
    first_train_loss: float | None
    last_train_loss: float | None
    best_val_loss: float | None
    best_step: int | None
    stopped_early: bool
    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    data_notes: list[str] = field(default_factory=list)  # what the lint gate dropped or refused


# --------------------------------------------------------------------------- data


def load_rows(
    path: str | Path,
    notes: list[str] | None = None,
    *,
    gate: bool = True,
    lint_kwargs: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Training rows in the form TRL documents, from records that passed the linter.

    The lint gate: the file is linted with the configured rules (the
    configuration found from the file, or ``lint_kwargs``) and records with
    error findings are dropped, counted per code as ``sftlint split`` does —
    unless ``gate`` is off.  The rest are converted by
    :mod:`sftlint.train.trl_rows`, which carries tool calls, ``tools``,
    content parts and per-turn weights over whole or refuses the record with
    the reason; nothing is blanked.  What was dropped or refused is appended
    to ``notes``.
    """
    import sftlint
    from sftlint.train.split import clean_records
    from sftlint.train.trl_rows import convert_all

    p = Path(path)
    if not p.is_file():
        raise TrainError(f"{p}: no such data file (run `sftlint split` first)")
    notes = notes if notes is not None else []
    engine_errors = _engine_errors()
    try:
        if gate:
            clean = clean_records(p, **(lint_kwargs or {}))
            records = clean.records
            if clean.dropped:
                codes = ", ".join(f"{c} x{n}" for c, n in sorted(clean.dropped_by_code.items()))
                notes.append(
                    f"warning: {p}: dropped {clean.dropped} of {clean.total} record(s) with error findings ({codes}); "
                    f"see `sftlint check {p}` (--allow-errors trains on them anyway)"
                )
            if not records and clean.total:
                codes = ", ".join(f"{c} x{n}" for c, n in sorted(clean.dropped_by_code.items()))
                raise TrainError(
                    f"{p}: every record has error findings ({codes}); nothing left to train on. "
                    f"Fix them (`sftlint check {p}`), or pass --allow-errors"
                )
        else:
            config = (lint_kwargs or {}).get("config")
            records = [r for r in sftlint.load_records(p, config=config) if r.messages]
    except engine_errors as exc:
        raise TrainError(str(exc)) from exc
    res = convert_all(records)
    if res.refused:
        reasons = "; ".join(f"{r} (x{n})" for r, n in res.reasons().most_common())
        first = ", ".join(f"line {line}" for _, line, _ in res.refused[:5])
        notes.append(
            f"warning: {p}: refused {len(res.refused)} record(s) that cannot be carried over to TRL whole: "
            f"{reasons} ({first}{', ...' if len(res.refused) > 5 else ''})"
        )
    if res.cut_turns:
        notes.append(
            f"{p}: {res.cut_turns} record(s) end with assistant turns of weight 0; those turns (and what "
            "follows them) are left out, as they teach nothing"
        )
    n_tools = sum(1 for r in res.rows if any(m.get("tool_calls") for m in _all_messages(r)))
    if n_tools:
        notes.append(f"{p}: {n_tools} record(s) with tool calls, passed to TRL as tool_calls (and tools)")
    if "prompt" in (res.rows[0] if res.rows else {}):
        notes.append(
            f"{p}: per-turn weights leave one trained turn per record: prompt-completion rows, loss on the "
            "completion only"
        )
    return res.rows


def _engine_errors() -> tuple[type[BaseException], ...]:
    from sftlint.config import ConfigError
    from sftlint.reader import SourceError

    return (ConfigError, SourceError)


def _all_messages(row: dict[str, Any]) -> list[dict[str, Any]]:
    if "messages" in row:
        return row["messages"]
    return [*row.get("prompt", []), *row.get("completion", [])]


def row_kind(row: dict[str, Any]) -> str:
    """What TRL reads a row as: ``messages``, ``prompt-completion`` or (documents) ``text``."""
    if "messages" in row:
        return "messages"
    return "text" if "text" in row else "prompt-completion"


def _texts(rows: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for r in rows:
        if "text" in r:
            out.append(r["text"])
        for m in _all_messages(r):
            if m.get("content"):
                out.append(m["content"])
            if m.get("reasoning_content"):
                out.append(m["reasoning_content"])
            for call in m.get("tool_calls") or []:
                out.append(json.dumps(call.get("function", call), ensure_ascii=False))
        if r.get("tools"):
            out.append(json.dumps(r["tools"], ensure_ascii=False))
    return out


# --------------------------------------------------------------------------- run


def resolve_settings(cfg: TrainConfig, n_train: int, n_val: int) -> tuple[dict[str, Any], list[str]]:
    """Fill unset hyperparameters from the data-size suggestions; return values and their reasons."""
    from sftlint.train.hparams import MAX_PER_DEVICE, suggest

    sug = suggest(n_train, cfg.method, n_val=n_val)  # type: ignore[arg-type]
    reasons: list[str] = []

    def pick(name: str, configured: Any, suggested_name: str | None = None) -> Any:
        if configured is not None:
            return configured
        value = sug.get(suggested_name or name)
        reason = next(c.reason for c in sug.choices if c.name == (suggested_name or name))
        reasons.append(f"{name} = {value} ({reason})")
        return value

    epochs = pick("epochs", cfg.epochs)
    batch = pick("batch_size", cfg.batch_size)
    per_device = cfg.per_device_batch_size or min(batch, MAX_PER_DEVICE)
    accum = cfg.gradient_accumulation_steps or max(1, batch // per_device)
    lr = pick("learning_rate", cfg.learning_rate)
    steps_per_epoch = max(1, -(-n_train // (per_device * accum)))
    total = cfg.max_steps or int(steps_per_epoch * epochs)
    eval_steps = cfg.eval_steps or max(1, total // 10)
    logging_steps = cfg.logging_steps or max(1, min(eval_steps, total // 50 or 1))
    settings = {
        "epochs": epochs,
        "batch_size": per_device * accum,
        "per_device_batch_size": per_device,
        "gradient_accumulation_steps": accum,
        "learning_rate": lr,
        "eval_steps": eval_steps,
        "logging_steps": logging_steps,
        "planned_steps": total,
    }
    reasons.extend(f"warning: {w}" for w in sug.warnings)
    return settings, reasons


def _import_stack() -> dict[str, Any]:
    try:
        import datasets
        import torch
        import transformers
        import trl
    except ImportError as exc:
        raise TrainError(f"{TRAIN_EXTRA_HINT} ({exc})") from exc
    return {"torch": torch, "transformers": transformers, "trl": trl, "datasets": datasets}


def _load_model(cfg: TrainConfig, rows: list[dict[str, Any]], out: Path) -> tuple[Any, Any, str]:
    """Model and tokenizer for ``cfg.model``; returns (model, tokenizer, description)."""
    if cfg.model == "tiny" or cfg.model.startswith("tiny:"):
        from sftlint.train.tiny import build_model, train_tokenizer

        arch = cfg.model.partition(":")[2] or "qwen2"
        tokenizer = train_tokenizer(_texts(rows), vocab_size=cfg.tiny_vocab_size)
        model = build_model(tokenizer, arch=arch, seed=cfg.seed)
        tiny_dir = out / "tiny-base"
        tokenizer.save_pretrained(tiny_dir)
        model.save_pretrained(tiny_dir)
        return model, tokenizer, f"tiny random {arch} model (vocab {len(tokenizer)}), saved to {tiny_dir}"
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(cfg.model)
        model = AutoModelForCausalLM.from_pretrained(cfg.model)
    except (OSError, ValueError) as exc:
        raise TrainError(
            f"cannot load model {cfg.model!r}: {exc}\n(a hub name needs the model in the local cache "
            "when HF_HUB_OFFLINE=1; a local path must hold config.json and the weights)"
        ) from exc
    return model, tokenizer, cfg.model


def _keep_reasoning_if_rendered(
    cfg: TrainConfig,
    tokenizer: Any,
    train_rows: list[dict[str, Any]],
    val_rows: list[dict[str, Any]],
    say: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Refuse records whose reasoning the model's chat template would silently drop."""
    from sftlint.train.trl_rows import has_reasoning, renders_reasoning

    n = sum(has_reasoning(r) for r in train_rows + val_rows)
    if not n or tokenizer.chat_template is None or renders_reasoning(tokenizer):
        return train_rows, val_rows
    say(
        f"warning: refused {n} record(s) with reasoning: the chat template of {cfg.model!r} does not render "
        "an assistant turn's reasoning_content, so it would be lost (use a reasoning model's template)"
    )
    train_rows = [r for r in train_rows if not has_reasoning(r)]
    val_rows = [r for r in val_rows if not has_reasoning(r)]
    if not train_rows:
        raise TrainError(
            f"{cfg.train_file}: no training records left whose content the chat template renders"
        )
    return train_rows, val_rows


def decide_assistant_only(cfg: TrainConfig, tokenizer: Any, rows: list[dict[str, Any]]) -> tuple[bool, str]:
    """Assistant-only loss when asked for, or (auto) when the chat template allows it."""
    kind = row_kind(rows[0]) if rows else "messages"
    if kind != "messages":
        if cfg.assistant_only_loss:
            raise TrainError("assistant_only_loss needs conversational (messages) data")
        if kind == "text":
            return False, "language-modeling text (documents): loss on every token"
        return False, "prompt-completion data: TRL trains on the completion only"
    if tokenizer.chat_template is None:
        raise TrainError(
            f"the tokenizer of {cfg.model!r} has no chat template; conversational data needs one"
        )
    if cfg.assistant_only_loss is False:
        return False, "assistant-only loss switched off in the config: loss on every token"
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    if has_generation_markers(tokenizer.chat_template):
        return True, "chat template has {% generation %} markers: loss on assistant tokens only"
    try:
        patched = get_training_chat_template(tokenizer)
    except Exception as exc:  # TRL raises for templates it has no training version of
        if cfg.assistant_only_loss:
            raise TrainError(
                f"assistant_only_loss=true but the chat template is not training-compatible: {exc}"
            ) from exc
        return (
            False,
            "chat template has no {% generation %} markers and TRL has no training version: loss on every token",
        )
    if patched is not None:
        return True, "TRL swaps in its training version of this chat template: loss on assistant tokens only"
    return False, "chat template cannot mark assistant tokens: loss on every token"


def length_report(tokenizer: Any, rows: list[dict[str, Any]], max_length: int) -> list[str]:
    """Say how many records are cut at ``max_length`` (TRL truncates silently)."""
    if not rows or row_kind(rows[0]) == "prompt-completion":
        return []
    lengths = []
    for r in rows:
        if "text" in r:
            lengths.append(len(tokenizer(r["text"])["input_ids"]))
            continue
        ids = tokenizer.apply_chat_template(r["messages"], tools=r.get("tools"), tokenize=True)
        if isinstance(ids, dict) or hasattr(ids, "keys"):
            ids = ids["input_ids"]
        lengths.append(len(ids))
    over = sum(1 for n in lengths if n > max_length)
    longest = max(lengths)
    notes = [f"token lengths: median {sorted(lengths)[len(lengths) // 2]}, longest {longest}"]
    if over:
        notes.append(
            f"warning: {over} of {len(rows)} records are longer than max_length={max_length} and will be "
            "truncated (their end, usually the last assistant turns, is not learned); raise max_length"
        )
    return notes


def _checkpointing_arg(config_cls: Any, on: bool) -> dict[str, bool]:
    """SFTConfig turns activation checkpointing on by default; it only slows a CPU run.

    transformers 5 renamed ``gradient_checkpointing`` to ``activation_checkpointing``
    (the old name warns); older versions only know the old name.
    """
    import dataclasses

    names = {f.name for f in dataclasses.fields(config_cls)}
    key = "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"
    return {key: on}


def _progress_callback(say: Any, every: int) -> Any:
    """Print a line every ``every`` steps instead of the libraries' dict dumps and progress bars."""
    from transformers import TrainerCallback

    class Progress(TrainerCallback):
        def on_log(
            self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any
        ) -> None:
            if not logs:
                return
            if "eval_loss" in logs:
                say(f"  step {state.global_step}: validation loss {logs['eval_loss']:.4f}")
            elif "loss" in logs and (state.global_step % every == 0 or state.global_step == 1):
                say(f"  step {state.global_step}: training loss {logs['loss']:.4f}")

    return Progress()


def run(cfg: TrainConfig, log: Any = None) -> TrainResult:
    """Train with TRL's SFTTrainer and write ``trainer_state.json`` to ``cfg.output_dir``."""
    say = log or (lambda _msg: None)
    stack = _import_stack()
    torch, trl = stack["torch"], stack["trl"]
    stack["datasets"].disable_progress_bars()
    from transformers import EarlyStoppingCallback

    from sftlint.train.threads import apply_threads, choose_threads
    from sftlint.train.trl_rows import to_dataset

    n_threads, threads_why = choose_threads(cfg.threads)
    apply_threads(torch, n_threads)

    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    data_notes: list[str] = []
    lint_kwargs: dict[str, Any] = {}
    if cfg.lint_config:
        lint_kwargs["config"] = cfg.lint_config
    if cfg.lint_select:
        lint_kwargs["select"] = list(cfg.lint_select)
    if cfg.lint_ignore:
        lint_kwargs["ignore"] = list(cfg.lint_ignore)
    gate = not cfg.allow_errors
    train_rows = load_rows(cfg.train_file, data_notes, gate=gate, lint_kwargs=lint_kwargs)
    val_rows = load_rows(cfg.val_file, data_notes, gate=gate, lint_kwargs=lint_kwargs) if cfg.val_file else []
    if val_rows and train_rows and row_kind(val_rows[0]) != row_kind(train_rows[0]):
        raise TrainError(
            f"{cfg.train_file} and {cfg.val_file} convert to different row kinds ({row_kind(train_rows[0])} vs "
            f"{row_kind(val_rows[0])}); TRL needs one kind"
        )
    if not train_rows:
        raise TrainError(f"{cfg.train_file}: no training records")
    for note in data_notes:  # what the lint gate dropped is said before any training time is spent
        say(note)
    settings, reasons = resolve_settings(cfg, len(train_rows), len(val_rows))
    notes = list(reasons)
    if not (cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())):
        notes.append(threads_why)

    # A tiny model's tokenizer learns from train and validation text alike, standing in for a pretrained
    # tokenizer that covers the language: trained on the training split alone, validation text would fall
    # apart into bytes and its loss would say little.  (The model itself never sees validation data.)
    model, tokenizer, model_desc = _load_model(cfg, train_rows + val_rows, out)
    say(f"model: {model_desc}")
    train_rows, val_rows = _keep_reasoning_if_rendered(cfg, tokenizer, train_rows, val_rows, say)
    assistant_only, why = decide_assistant_only(cfg, tokenizer, train_rows)
    notes.append(why)
    notes.extend(length_report(tokenizer, train_rows + val_rows, cfg.max_length))

    use_cuda = cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise TrainError("device=cuda but no CUDA device is available")
    bf16 = bool(use_cuda and torch.cuda.is_bf16_supported())
    has_val = bool(val_rows)
    save_best = cfg.save_checkpoints and has_val
    early_stop = has_val and cfg.early_stopping_patience > 0
    args = trl.SFTConfig(
        output_dir=str(out),
        num_train_epochs=float(settings["epochs"]),
        max_steps=cfg.max_steps or -1,
        per_device_train_batch_size=settings["per_device_batch_size"],
        per_device_eval_batch_size=settings["per_device_batch_size"],
        gradient_accumulation_steps=settings["gradient_accumulation_steps"],
        learning_rate=float(settings["learning_rate"]),
        lr_scheduler_type=cfg.lr_scheduler_type,
        warmup_steps=cfg.warmup_ratio,
        logging_strategy="steps",
        logging_steps=settings["logging_steps"],
        eval_strategy="steps" if has_val else "no",
        eval_steps=settings["eval_steps"] if has_val else None,
        save_strategy="best" if save_best else "no",
        save_total_limit=1 if save_best else None,
        load_best_model_at_end=save_best,
        metric_for_best_model="eval_loss" if has_val else None,
        greater_is_better=False if has_val else None,
        max_length=cfg.max_length,
        assistant_only_loss=assistant_only,
        packing=False,
        use_cpu=not use_cuda,
        bf16=bf16,
        **_checkpointing_arg(trl.SFTConfig, cfg.gradient_checkpointing),
        report_to="none",
        seed=cfg.seed,
        data_seed=cfg.seed,
        disable_tqdm=True,
    )
    peft_config = None
    if cfg.method == "lora":
        try:
            from peft import LoraConfig
        except ImportError as exc:
            raise TrainError(f"method=lora needs peft: {TRAIN_EXTRA_HINT}") from exc
        peft_config = LoraConfig(
            r=cfg.lora_r,
            lora_alpha=cfg.lora_alpha,
            lora_dropout=cfg.lora_dropout,
            target_modules=cfg.lora_target_modules,
            task_type="CAUSAL_LM",
        )
    callbacks: list[Any] = []
    if log is not None:
        callbacks.append(_progress_callback(say, settings["eval_steps"]))
    if early_stop:
        callbacks.append(
            EarlyStoppingCallback(
                early_stopping_patience=cfg.early_stopping_patience,
                early_stopping_threshold=cfg.early_stopping_threshold,
            )
        )
    trainer = trl.SFTTrainer(
        model=model,
        args=args,
        train_dataset=to_dataset(train_rows),
        eval_dataset=to_dataset(val_rows) if has_val else None,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=callbacks,
    )
    if log is not None:
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)  # ours prints a readable subset instead
    say(
        f"training on {len(train_rows)} records, validating on {len(val_rows)}: "
        f"{settings['planned_steps']} planned steps, eval every {settings['eval_steps']}"
    )
    t0 = time.perf_counter()
    trainer.train()
    runtime = time.perf_counter() - t0

    state_file = out / "trainer_state.json"
    trainer.state.save_to_json(str(state_file))
    if cfg.save_model:
        trainer.save_model(str(out / "model"))
        tokenizer.save_pretrained(str(out / "model"))

    history = trainer.state.log_history
    train_losses = [h["loss"] for h in history if "loss" in h]
    evals = [(h["step"], h["eval_loss"]) for h in history if "eval_loss" in h]
    best = min(evals, key=lambda e: e[1]) if evals else (None, None)
    planned = trainer.state.max_steps or settings["planned_steps"]
    stopped_early = early_stop and trainer.state.global_step < planned
    if stopped_early:
        notes.append(
            f"early stopping: validation loss did not improve for {cfg.early_stopping_patience} evaluations; "
            f"stopped at step {trainer.state.global_step} of {planned}"
        )
    result = TrainResult(
        output_dir=str(out),
        state_file=str(state_file),
        log_history=history,
        n_train=len(train_rows),
        n_val=len(val_rows),
        steps=trainer.state.global_step,
        runtime_s=runtime,
        assistant_only_loss=assistant_only,
        first_train_loss=train_losses[0] if train_losses else None,
        last_train_loss=train_losses[-1] if train_losses else None,
        best_val_loss=best[1],
        best_step=best[0],
        stopped_early=stopped_early,
        settings={
            **settings,
            "method": cfg.method,
            "max_length": cfg.max_length,
            "device": "cuda" if use_cuda else "cpu",
        },
        notes=notes,
        data_notes=data_notes,
    )
    summary = {k: v for k, v in asdict(result).items() if k != "log_history"}
    summary["config"] = asdict(cfg)
    (out / "sftlint_train.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return result
