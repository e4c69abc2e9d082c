"""CLI subcommands of the training module: split, export, hparams, train, generate, curve, eval.

``sftlint.cli`` calls :func:`register` with its subparsers.  Every handler
returns the exit code of the contract: 0 ok, 1 problems found (records
skipped, an overfitting run, a score under ``--fail-under``), 2 usage or
input errors.  Heavy imports happen inside the handlers, so ``sftlint check``
never pays for them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def _error(message: str) -> int:
    sys.stderr.write(f"sftlint: error: {message}\n")
    return EXIT_ERROR


def _csv(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1): {text}")
    return value


def _engine_errors() -> tuple[type[BaseException], ...]:
    from sftlint.config import ConfigError
    from sftlint.reader import SourceError

    return (ConfigError, SourceError)


def register(subparsers: Any) -> None:
    """Add the training subcommands to ``sftlint``'s argparse subparsers."""
    from sftlint.train import EXPORT_FORMATS as FORMATS

    p = subparsers.add_parser(
        "split",
        help="drop records with errors, split train/validation without near-duplicate leaks",
        description="Keep only records without error findings, group near-duplicates, and split them "
        "deterministically into train.jsonl and val.jsonl.",
    )
    p.add_argument("data", help="dataset file (any supported input format)")
    p.add_argument("--val", type=_fraction, default=0.1, help="validation share (default 0.1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the split order (default 0)")
    p.add_argument(
        "-o", "--out-dir", default="split", help="where train.jsonl and val.jsonl go (default ./split)"
    )
    p.add_argument("--to", choices=FORMATS, default="messages", help="output format (default messages)")
    p.add_argument(
        "--threshold",
        type=float,
        default=0.8,
        help="Jaccard similarity that makes two records near-duplicates",
    )
    p.add_argument(
        "--group-by",
        default="auto",
        metavar="KEY",
        help="keep records that share KEY on one side: field:NAME, retrieval (retrieved context, e.g. one "
        "knowledge-base article), system (system prompt), none; default auto = retrieval when the file uses it",
    )
    p.add_argument(
        "--select", action="append", help="rules that decide what is dropped (default: the defaults)"
    )
    p.add_argument("--ignore", action="append", help="rules whose errors do not drop a record")
    p.add_argument("--config", help="sftlint configuration file")
    p.add_argument("--output-format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_split)

    p = subparsers.add_parser(
        "export",
        help="convert a dataset to messages / ShareGPT / Alpaca / prompt-completion",
        description="Convert records to the format a trainer reads. Records that do not fit the target "
        "(e.g. multi-turn conversations for Alpaca) are skipped and counted with the reason.",
    )
    p.add_argument("data", help="dataset file (any supported input format)")
    p.add_argument("--to", choices=FORMATS, required=True, help="target format")
    p.add_argument("-o", "--output", required=True, help="output JSONL file (written atomically)")
    p.add_argument("--format", dest="input_format", help="input format (default: detected)")
    p.add_argument(
        "--dataset-name",
        help="name of the entry written to dataset_info.json beside the output (default: the file's stem)",
    )
    p.add_argument(
        "--no-dataset-info",
        action="store_true",
        help="do not write LLaMA-Factory's dataset_info.json entry beside the output",
    )
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser(
        "hparams",
        help="suggest epochs, batch size and learning rate for the data size, with reasons",
        description="Suggest hyperparameters fitted to the number of clean records (seed §四), "
        "each with the reason it was chosen, and warn where the seed warns.",
    )
    p.add_argument("data", help="training data (e.g. split/train.jsonl)")
    p.add_argument("--method", choices=("full", "lora"), default="lora")
    p.add_argument(
        "--val",
        type=_fraction,
        default=0.0,
        help="share still to be held out for validation (default 0: DATA is train)",
    )
    p.add_argument(
        "--write-config", metavar="PATH", help="also write the values as a `sftlint train` TOML config"
    )
    p.add_argument("--output-format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_hparams)

    p = subparsers.add_parser(
        "train",
        help="fine-tune with TRL's SFTTrainer (needs sftlint[train])",
        description="Run TRL's SFTTrainer on split data: assistant-only loss where the chat template allows, "
        "evaluation every N steps, early stopping on validation loss; writes trainer_state.json.",
    )
    p.add_argument(
        "config", nargs="?", help="TOML or JSON config (keys as the flags, a [train] table is allowed)"
    )
    p.add_argument(
        "--model", help="local model dir, hub name, or tiny / tiny:llama (random tiny model, offline)"
    )
    p.add_argument("--data", help="directory holding train.jsonl and val.jsonl (from `sftlint split`)")
    p.add_argument("--train-file")
    p.add_argument("--val-file")
    p.add_argument("--output-dir")
    p.add_argument("--method", choices=("full", "lora"))
    p.add_argument("--epochs", type=float)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--per-device-batch-size", type=int)
    p.add_argument("--learning-rate", type=float)
    p.add_argument("--max-length", type=int)
    p.add_argument("--max-steps", type=int)
    p.add_argument("--eval-steps", type=int)
    p.add_argument("--logging-steps", type=int)
    p.add_argument("--early-stopping-patience", type=int, help="0 disables early stopping")
    p.add_argument("--lr-scheduler-type")
    p.add_argument("--warmup-ratio", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--device", choices=("auto", "cpu", "cuda"))
    p.add_argument(
        "--threads", type=int, help="CPU threads for torch (default: the idle cores, or OMP_NUM_THREADS)"
    )
    p.add_argument(
        "--assistant-only-loss",
        dest="assistant_only_loss",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="loss on assistant tokens only (default: when the chat template allows)",
    )
    p.add_argument(
        "--allow-errors",
        dest="allow_errors",
        action="store_true",
        default=None,
        help="train on records with error findings too (by default the lint gate drops them)",
    )
    p.add_argument(
        "--lint-config", help="sftlint configuration for the lint gate (default: found from the data)"
    )
    p.add_argument("--select", dest="lint_select", action="append", help="rules of the lint gate")
    p.add_argument("--ignore", dest="lint_ignore", action="append", help="rules the lint gate leaves out")
    p.add_argument("--no-save-model", dest="save_model", action="store_false", default=None)
    p.add_argument("--no-checkpoints", dest="save_checkpoints", action="store_false", default=None)
    p.add_argument("--no-plot", action="store_true", help="do not write loss_curve.png")
    p.add_argument("-v", "--verbose", action="store_true", help="show the libraries' own logs")
    p.set_defaults(func=cmd_train)

    p = subparsers.add_parser(
        "generate",
        help="answer the prompts of a validation file with a trained model, for `sftlint eval` (needs sftlint[train])",
        description="For every record of DATA, answer its conversation up to the last assistant turn with MODEL "
        "(batched, greedy unless --temperature) and write {id, prompt, output, finish_reason} lines that "
        "`sftlint eval OUT --reference DATA` scores. Outputs from other tools (LLaMA-Factory "
        "generated_predictions.jsonl, OpenAI/vLLM batch output) can go to `eval` directly.",
    )
    p.add_argument(
        "model", help="a `sftlint train` output dir, a saved model or LoRA adapter dir, or a hub name"
    )
    p.add_argument("data", help="the prompts: a validation file (e.g. split/val.jsonl), any supported format")
    p.add_argument("-o", "--output", required=True, help="output JSONL (written atomically)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-new-tokens", type=int, default=512)
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--threads", type=int, help="CPU threads for torch (default: the idle cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_generate)

    p = subparsers.add_parser(
        "curve",
        help="diagnose a training run from its loss history (overfitting, not converged, plateau)",
        description="Read trainer_state.json (or an output dir) and say, per the seed's §五, whether the run "
        "overfits (stop, and where), has not converged (keep training) or is on a plateau.",
    )
    p.add_argument("state", help="trainer_state.json, or the training output directory")
    p.add_argument(
        "--plot", metavar="PNG", help="where to write the plot (default: loss_curve.png beside the state)"
    )
    p.add_argument("--no-plot", action="store_true")
    p.add_argument("--output-format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_curve)

    p = subparsers.add_parser(
        "eval",
        help="score model outputs with the lint rules, with 95%% Wilson intervals; compare two runs",
        description="Score model outputs with the rules used on the training data: per rule, the share of "
        "outputs with no finding in the model's turn, with a 95% Wilson interval.",
    )
    p.add_argument(
        "outputs",
        help='model outputs: records, {"output": ..., "id": ...} lines (sftlint generate), LLaMA-Factory '
        "generated_predictions.jsonl, or OpenAI/vLLM batch output",
    )
    p.add_argument(
        "--reference",
        help="records the outputs answer (e.g. split/val.jsonl, or a batch input file), matched by id/position",
    )
    p.add_argument("--compare", metavar="B", help="a second run's outputs: show both and B minus A")
    p.add_argument("--compare-reference", help="reference for --compare (default: --reference)")
    p.add_argument("--select", action="append", help="rules to score (default: record-level default rules)")
    p.add_argument("--ignore", action="append")
    p.add_argument("--all-turns", action="store_true", help="score every assistant turn, not only the last")
    p.add_argument(
        "--degeneration",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also score outputs cut off without an end (CUT) and, when T009 is not scored, repeated text (REP) (default: on unless --select)",
    )
    p.add_argument(
        "--show-failures", action="store_true", help="list the failing outputs of each rule (ids and lines)"
    )
    p.add_argument(
        "--fail-under", type=float, metavar="SHARE", help="exit 1 when the overall pass share is lower"
    )
    p.add_argument("--output-format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_eval)


# --------------------------------------------------------------------------- split


def cmd_split(args: argparse.Namespace) -> int:
    from sftlint.train.split import GROUP_BY, split_file, summary_lines

    if not 0 < args.threshold <= 1:
        return _error(f"--threshold must be in (0, 1], not {args.threshold}")
    if args.group_by not in GROUP_BY and not (
        args.group_by.startswith("field:") and args.group_by.partition(":")[2]
    ):
        return _error(f"--group-by must be one of {', '.join(GROUP_BY)} or field:NAME, not {args.group_by!r}")
    kwargs: dict[str, Any] = {}
    if args.select:
        kwargs["select"] = _csv(args.select)
    if args.ignore:
        kwargs["ignore"] = _csv(args.ignore)
    if args.config:
        kwargs["config"] = args.config
    try:
        result = split_file(
            args.data, args.out_dir, args.val, args.seed, args.to, args.threshold, args.group_by, **kwargs
        )
    except _engine_errors() as exc:
        return _error(str(exc))
    if args.output_format == "json":
        c = result.clean
        print(
            json.dumps(
                {
                    "records": c.total,
                    "kept": len(c.records),
                    "dropped": c.dropped,
                    "dropped_by_code": dict(sorted(c.dropped_by_code.items())),
                    "skipped": [{"record": i, "line": ln, "reason": r} for i, ln, r in result.skipped],
                    "near_duplicate_groups": result.groups,
                    "grouped_records": result.grouped,
                    "group_by": result.group_by,
                    "key_groups": result.key_groups,
                    "key_grouped_records": result.key_grouped,
                    "train": len(result.train),
                    "val": len(result.val),
                    "out_dir": args.out_dir,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print("\n".join(summary_lines(result, args.out_dir)))
    return EXIT_OK if result.train else EXIT_PROBLEMS


# --------------------------------------------------------------------------- export


def cmd_export(args: argparse.Namespace) -> int:
    from sftlint.train.export import export_file

    try:
        result = export_file(args.data, args.output, args.to, format=args.input_format)
    except (*_engine_errors(), KeyError) as exc:
        return _error(str(exc))
    print(f"wrote {len(result.rows)} record(s) in {args.to} format to {args.output}")
    if not args.no_dataset_info:
        from sftlint.train.export import write_dataset_info

        try:
            written = write_dataset_info(args.output, args.to, args.dataset_name)
        except ValueError as exc:
            return _error(str(exc))
        if written is not None:
            print(
                f"wrote the entry {written[1]!r} to {written[0]}: LLaMA-Factory reads it with "
                f"`dataset: {written[1]}` and `dataset_dir: {written[0].parent}`"
            )
            if args.to == "messages" and any(
                "tool_calls" in m for r in result.rows for m in r.get("messages", [])
            ):
                print(
                    "note: LLaMA-Factory does not read OpenAI tool_calls; export --to sharegpt for tool data"
                )
    if result.unreadable:
        print(
            f"skipped {result.unreadable} unreadable line(s) (invalid JSON); see `sftlint check {args.data}`"
        )
    for reason, n in result.reasons().most_common():
        print(f"skipped {n} record(s): {reason}")
    for index, line, reason in result.skipped[:5]:
        print(f"  {args.data}:{line}: record {index + 1}: {reason}")
    if len(result.skipped) > 5:
        print(f"  ... and {len(result.skipped) - 5} more")
    return EXIT_PROBLEMS if result.skipped or result.unreadable else EXIT_OK


# --------------------------------------------------------------------------- hparams


def cmd_hparams(args: argparse.Namespace) -> int:
    from sftlint.train.hparams import format_text, suggest
    from sftlint.train.split import clean_records

    try:
        clean = clean_records(args.data)
    except _engine_errors() as exc:
        return _error(str(exc))
    n = len(clean.records)
    n_val = round(n * args.val) if args.val else None
    n_train = n - (n_val or 0)
    s = suggest(n_train, args.method, n_val=n_val)
    if clean.dropped:
        codes = ", ".join(f"{c} x{k}" for c, k in sorted(clean.dropped_by_code.items()))
        s.warnings.insert(0, f"{clean.dropped} record(s) with error findings are not counted ({codes})")
    if args.output_format == "json":
        from sftlint.train.hparams import sftconfig_args

        print(json.dumps(s.to_dict() | {"trl": sftconfig_args(s)}, ensure_ascii=False, indent=2))
    else:
        print(format_text(s))
    if args.write_config and n_train > 0:
        for path, what in _write_handoffs(args.data, s, Path(args.write_config)):
            if args.output_format == "text":
                print(f"wrote {path}: {what}")
    return EXIT_OK


def _write_handoffs(data: str, s: Any, toml_path: Path) -> list[tuple[Path, str]]:
    """The `sftlint train` TOML, and beside it a LLaMA-Factory YAML and TRL SFTConfig arguments."""
    from sftlint.train.hparams import llamafactory_yaml, sftconfig_args
    from sftlint.train.io import write_text_atomic

    base = toml_path.parent
    write_text_atomic(toml_path, [_train_toml(data, s, base)])
    stem = toml_path.name[: -len(toml_path.suffix)] if toml_path.suffix else toml_path.name
    train = Path(data)
    val = train.parent / "val.jsonl"
    lf_dir = os.path.relpath(train.parent / "llamafactory", base)
    yaml_path = base / f"{stem}.llamafactory.yaml"
    write_text_atomic(
        yaml_path,
        [llamafactory_yaml(s, train.stem, val.stem if val.is_file() else None, lf_dir)],
    )
    trl_path = base / f"{stem}.sftconfig.json"
    write_text_atomic(trl_path, [json.dumps(sftconfig_args(s), ensure_ascii=False, indent=2) + "\n"])
    export_cmd = f"sftlint export {train} --to sharegpt -o {train.parent / 'llamafactory' / train.name}"
    return [
        (toml_path, f"run `sftlint train {toml_path}`"),
        (
            yaml_path,
            f"run `{export_cmd}` (and the same for val.jsonl), then `llamafactory-cli train {yaml_path}`",
        ),
        (
            trl_path,
            "SFTConfig(**sft_config), LoraConfig(**lora_config), EarlyStoppingCallback(**early_stopping)",
        ),
    ]


def _train_toml(data: str, s: Any, config_dir: Path) -> str:
    """A ready-to-run ``sftlint train`` config with the suggested values and their reasons."""
    data_dir = Path(data).parent
    lines = [
        "# sftlint train config written by `sftlint hparams`; paths are relative to this file's directory.",
        "[train]",
        'model = "tiny"  # a local model directory or a hub name; tiny = random tiny model for a dry run',
        f"train_file = {json.dumps(os.path.relpath(data, config_dir))}",
    ]
    val = data_dir / "val.jsonl"
    if val.is_file():
        lines.append(f"val_file = {json.dumps(os.path.relpath(val, config_dir))}")
    lines.append('output_dir = "runs/sft"')
    lines.append(f'method = "{s.method}"')
    keys = {
        "epochs",
        "batch_size",
        "per_device_batch_size",
        "learning_rate",
        "lr_scheduler_type",
        "warmup_ratio",
        "eval_steps",
        "early_stopping_patience",
        "lora_r",
        "lora_alpha",
    }
    for c in s.choices:
        if c.name in keys:
            value = json.dumps(c.value) if isinstance(c.value, str) else repr(c.value)
            lines.append(f"{c.name} = {value}  # {c.reason}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- train


_FLAG_KEYS = (
    "model",
    "train_file",
    "val_file",
    "output_dir",
    "method",
    "epochs",
    "batch_size",
    "per_device_batch_size",
    "learning_rate",
    "max_length",
    "max_steps",
    "eval_steps",
    "logging_steps",
    "early_stopping_patience",
    "lr_scheduler_type",
    "warmup_ratio",
    "seed",
    "device",
    "threads",
    "allow_errors",
    "lint_config",
    "assistant_only_loss",
    "save_model",
    "save_checkpoints",
)


def cmd_train(args: argparse.Namespace) -> int:
    from sftlint.train.trainer import TrainConfig, TrainError, load_config, run

    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    try:
        values: dict[str, Any] = load_config(args.config) if args.config else {}
        if args.data:
            values["train_file"] = str(Path(args.data) / "train.jsonl")
            val = Path(args.data) / "val.jsonl"
            values["val_file"] = str(val) if val.is_file() else None
        for key in _FLAG_KEYS:
            v = getattr(args, key, None)
            if v is not None:
                values[key] = v
        for key in ("lint_select", "lint_ignore"):
            if getattr(args, key, None):
                values[key] = _csv(getattr(args, key))
        cfg = TrainConfig.from_mapping(values)
    except TrainError as exc:
        return _error(str(exc))
    if cfg.val_file and not Path(cfg.val_file).is_file():
        return _error(f"{cfg.val_file}: no such validation file (run `sftlint split`, or set val_file)")
    _quiet_libraries(args.verbose)
    try:
        result = run(cfg, log=print)
    except TrainError as exc:
        return _error(str(exc))
    for note in result.notes:
        print(note if note.startswith("warning:") else f"note: {note}")
    first, last = result.first_train_loss, result.last_train_loss
    loss = (
        f"training loss {first:.4g} -> {last:.4g}"
        if first is not None and last is not None
        else "no loss logged"
    )
    best = (
        f", best validation loss {result.best_val_loss:.4g} at step {result.best_step}"
        if result.best_step
        else ""
    )
    print(f"trained {result.steps} steps in {result.runtime_s:.1f}s: {loss}{best}")
    print(f"wrote {result.state_file}")
    return _report_curve(
        result.state_file, None if args.no_plot else Path(result.output_dir) / "loss_curve.png"
    )


def _quiet_libraries(verbose: bool) -> None:
    if verbose:
        return
    import warnings

    warnings.filterwarnings("ignore")
    try:
        import datasets
        import transformers

        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
        datasets.disable_progress_bars()
    except ImportError:
        pass
    try:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    except ImportError:
        pass


# --------------------------------------------------------------------------- generate


def cmd_generate(args: argparse.Namespace) -> int:
    if args.batch_size < 1 or args.max_new_tokens < 1:
        return _error("--batch-size and --max-new-tokens must be at least 1")
    from sftlint.train.trainer import TrainError

    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    _quiet_libraries(False)
    try:
        from sftlint.train.generate import generate

        res = generate(
            args.model,
            args.data,
            args.output,
            batch_size=args.batch_size,
            max_new_tokens=args.max_new_tokens,
            temperature=args.temperature,
            threads=args.threads,
            device=args.device,
            progress=not args.no_progress,
            log=lambda m: print(f"note: {m}"),
        )
    except (TrainError, *_engine_errors()) as exc:
        return _error(str(exc))
    print(
        f"wrote {res.written} output(s) to {args.output}: {res.stopped} ended their turn, "
        f"{res.cut} stopped at --max-new-tokens={args.max_new_tokens}"
    )
    for line, why in res.skipped[:5]:
        print(f"skipped {args.data}:{line}: {why}")
    if len(res.skipped) > 5:
        print(f"skipped {len(res.skipped) - 5} more record(s)")
    print(f"next: sftlint eval {args.output} --reference {args.data}")
    return EXIT_OK


# --------------------------------------------------------------------------- curve


def _report_curve(state: str | Path, png: Path | None, output_format: str = "text") -> int:
    from sftlint.train.curve import CurveError, diagnose, format_text, load_curve, plot

    try:
        curve = load_curve(state)
    except CurveError as exc:
        return _error(str(exc))
    d = diagnose(curve)
    written = None
    plot_note = None
    if png is not None:
        written = plot(curve, d, png)
        if written is None:
            plot_note = "matplotlib is not installed: no plot written (pip install matplotlib)"
    if output_format == "json":
        out = {"state": curve.source, **d.to_dict(), "plot": str(written) if written else None}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(format_text(curve, d))
        if written is not None:
            print(f"wrote {written}")
        if plot_note:
            print(f"note: {plot_note}")
    return EXIT_PROBLEMS if d.verdict in ("overfitting", "diverging") else EXIT_OK


def cmd_curve(args: argparse.Namespace) -> int:
    from sftlint.train.curve import CurveError, find_state_file

    png: Path | None = None
    if not args.no_plot:
        if args.plot:
            png = Path(args.plot)
        else:
            try:
                png = find_state_file(args.state).parent / "loss_curve.png"
            except CurveError as exc:
                return _error(str(exc))
    return _report_curve(args.state, png, args.output_format)


# --------------------------------------------------------------------------- eval


def cmd_eval(args: argparse.Namespace) -> int:
    from sftlint.evaluate import EvalError, compare, format_comparison, format_text, score

    select, ignore = _csv(args.select), _csv(args.ignore)
    degeneration = args.degeneration if args.degeneration is not None else not select
    try:
        a = score(
            args.outputs,
            reference=args.reference,
            select=select,
            ignore=ignore,
            all_turns=args.all_turns,
            degeneration=degeneration,
        )
        b = None
        if args.compare:
            from sftlint.evaluate import holds_output_lines

            b_reference = args.compare_reference
            if b_reference is None and holds_output_lines(args.compare):
                b_reference = args.reference
            b = score(
                args.compare,
                reference=b_reference,
                select=select,
                ignore=ignore,
                all_turns=args.all_turns,
                degeneration=degeneration,
            )
    except (EvalError, *_engine_errors()) as exc:
        return _error(str(exc))
    if args.output_format == "json":
        out: dict[str, Any] = {"a": a.to_dict()}
        if b is not None:
            out["b"] = b.to_dict()
            out["comparison"] = [c.to_dict() for c in compare(a, b)]
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(format_text(a, args.show_failures))
        if b is not None:
            print()
            print(format_text(b, args.show_failures))
            print()
            print(format_comparison(a, b, compare(a, b)))
    if args.fail_under is not None and a.overall.share < args.fail_under:
        return EXIT_PROBLEMS
    return EXIT_OK
