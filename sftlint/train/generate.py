"""Answer the prompts of a validation file with a trained model, for ``sftlint eval``.

The loop the seed asks for ends with judging the model on real prompts by
the same rules the data passed.  This writes what ``eval`` reads:
``{"id", "prompt", "output", "finish_reason"}`` lines, one per record of the
validation file, where ``prompt`` is the conversation up to (not including)
its last assistant turn and ``output`` is the model's answer to it.
``finish_reason`` is ``"stop"`` when the model ended its turn and
``"length"`` when it hit ``max_new_tokens`` — eval counts the latter as cut
off.

Generation is batched (left padding, so every prompt ends where its answer
begins), greedy by default, with a progress bar on stderr.  A model may be a
``sftlint train`` output directory (its ``model/``), a saved model or LoRA
adapter directory, or a hub name in the local cache.

Needs the ``sftlint[train]`` extra; heavy imports happen inside the functions.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sftlint.train.trainer import TRAIN_EXTRA_HINT, TrainError


@dataclass
class Prompt:
    id: Any
    messages: list[dict[str, Any]]
    tools: Any = None


@dataclass
class GenerateResult:
    written: int
    stopped: int  # outputs that ended their turn
    cut: int  # outputs that hit max_new_tokens
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why)


def prompts_of(path: str | Path) -> tuple[list[Prompt], list[tuple[int, str]]]:
    """The prompt of every record: its turns before the last assistant turn (or all, when it has none)."""
    import sftlint
    from sftlint.train.trl_rows import Refused, convert

    if not Path(path).is_file():
        raise TrainError(f"{path}: no such file")
    prompts: list[Prompt] = []
    skipped: list[tuple[int, str]] = []
    for pos, rec in enumerate(sftlint.load_records(path)):
        try:
            row, _ = convert(rec)
        except Refused as exc:
            if str(exc) != "no assistant turn to learn" or not rec.messages:
                skipped.append((rec.line, str(exc)))
                continue
            row = {"messages": [{"role": m.role, "content": m.content} for m in rec.messages]}
        if "text" in row:
            skipped.append((rec.line, "a document (language-modeling text): no turns to prompt with"))
            continue
        msgs = row["messages"] if "messages" in row else row["prompt"] + row["completion"]
        last = max((i for i, m in enumerate(msgs) if m["role"] == "assistant"), default=len(msgs))
        context = msgs[:last]
        if not context:
            skipped.append((rec.line, "nothing before the assistant turn to answer"))
            continue
        rid = rec.data.get("id") if isinstance(rec.data, dict) else None
        prompts.append(Prompt(rid if isinstance(rid, (str, int)) else pos, context, row.get("tools")))
    return prompts, skipped


def resolve_model_dir(model: str) -> str:
    """A ``sftlint train`` output directory means its ``model/``; anything else is used as given."""
    p = Path(model)
    own = (p / "config.json").is_file() or (p / "adapter_config.json").is_file()
    if p.is_dir() and not own and (p / "model").is_dir():
        return str(p / "model")
    return model


def load_model(model: str) -> tuple[Any, Any]:
    """Model and tokenizer; a LoRA adapter directory is loaded onto its base model with peft."""
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise TrainError(f"{TRAIN_EXTRA_HINT} ({exc})") from exc
    path = resolve_model_dir(model)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        if (Path(path) / "adapter_config.json").is_file():
            lm = _load_adapter(Path(path))
        else:
            lm = AutoModelForCausalLM.from_pretrained(path)
    except (OSError, ValueError) as exc:
        raise TrainError(
            f"cannot load model {model!r}: {exc}\n(a `sftlint train` output directory, a saved model or adapter "
            "directory, or a hub name already in the local cache)"
        ) from exc
    if tokenizer.chat_template is None:
        raise TrainError(f"the tokenizer of {model!r} has no chat template: it cannot answer conversations")
    lm.eval()
    return lm, tokenizer


def _load_adapter(path: Path) -> Any:
    """A LoRA adapter on its base model; an adapter that names no base uses ``sftlint train``'s tiny-base."""
    import json

    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    cfg = json.loads((path / "adapter_config.json").read_text(encoding="utf-8"))
    base = cfg.get("base_model_name_or_path")
    if not base and (path.parent / "tiny-base").is_dir():
        base = str(path.parent / "tiny-base")
    if not base:
        raise TrainError(f"{path}: the adapter names no base model (base_model_name_or_path is empty)")
    return PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), str(path))


def generate(
    model: str,
    data: str | Path,
    out: str | Path,
    *,
    batch_size: int = 8,
    max_new_tokens: int = 512,
    temperature: float = 0.0,
    threads: int | None = None,
    device: str = "auto",
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> GenerateResult:
    """Answer every prompt of ``data`` with ``model`` and write output lines to ``out`` (atomically)."""
    try:
        import torch
    except ImportError as exc:
        raise TrainError(f"{TRAIN_EXTRA_HINT} ({exc})") from exc
    from sftlint.train.io import write_jsonl_atomic
    from sftlint.train.threads import apply_threads, choose_threads

    say = log or (lambda _m: None)
    prompts, skipped = prompts_of(data)
    if not prompts:
        raise TrainError(f"{data}: no prompts to answer")
    use_cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    if device == "cuda" and not torch.cuda.is_available():
        raise TrainError("device=cuda but no CUDA device is available")
    if not use_cuda:
        n, why = choose_threads(threads)
        apply_threads(torch, n)
        say(why)
    lm, tok = load_model(model)
    if use_cuda:
        lm = lm.to("cuda")
    tok.padding_side = "left"  # every prompt ends where its answer starts
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    stop_ids = _stop_ids(lm, tok)
    bar = _progress(len(prompts), progress)
    rows: list[dict[str, Any]] = []
    stopped = 0
    try:
        for start in range(0, len(prompts), batch_size):
            batch = prompts[start : start + batch_size]
            enc = _encode(tok, batch)
            enc = {k: v.to(lm.device) for k, v in enc.items()}
            kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "pad_token_id": tok.pad_token_id}
            if temperature > 0:
                kwargs |= {"do_sample": True, "temperature": temperature}
            else:
                kwargs["do_sample"] = False
            with torch.no_grad():
                gen = lm.generate(**enc, **kwargs)
            new = gen[:, enc["input_ids"].shape[1] :]
            for p, ids in zip(batch, new.tolist(), strict=True):
                ended = any(i in stop_ids for i in ids)
                if ended:
                    ids = ids[: next(k for k, i in enumerate(ids) if i in stop_ids)]
                stopped += ended
                text = tok.decode(ids, skip_special_tokens=True)
                rows.append(
                    {
                        "id": p.id,
                        "prompt": p.messages,
                        "output": text,
                        "finish_reason": "stop" if ended else "length",
                    }
                )
            bar(len(batch))
    finally:
        bar(0, close=True)
    write_jsonl_atomic(out, rows)
    return GenerateResult(len(rows), stopped, len(rows) - stopped, skipped)


def _stop_ids(lm: Any, tok: Any) -> set[int]:
    ids = lm.generation_config.eos_token_id if lm.generation_config is not None else None
    out = set(ids if isinstance(ids, list) else [ids] if ids is not None else [])
    if tok.eos_token_id is not None:
        out.add(tok.eos_token_id)
    return out


def _encode(tok: Any, batch: list[Prompt]) -> dict[str, Any]:
    texts = [
        tok.apply_chat_template(p.messages, tools=p.tools, add_generation_prompt=True, tokenize=False)
        for p in batch
    ]
    # The rendered text holds the template's own special tokens already.
    return dict(tok(texts, return_tensors="pt", padding=True, add_special_tokens=False))


def _progress(total: int, enabled: bool) -> Callable[..., None]:
    """A progress bar on stderr (tqdm, which transformers brings), or nothing."""
    if not enabled:
        return lambda n, close=False: None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - transformers depends on tqdm
        return lambda n, close=False: None
    bar = tqdm(total=total, desc="generating", unit="prompt", file=sys.stderr)

    def update(n: int, close: bool = False) -> None:
        if n:
            bar.update(n)
        if close:
            bar.close()

    return update
