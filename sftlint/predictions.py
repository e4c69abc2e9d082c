"""Read model outputs written by the tools people use, into one shape for ``sftlint eval``.

A user should not have to generate with sftlint to evaluate with it, and a
file ``eval`` does not understand must be an error, never a 100% pass.  So
each line is recognised as exactly one of these, or the file is refused:

* ``output`` lines — ``{"output" | "response" | "completion" | "prediction": "...",
  "id": ..., "prompt": ...}``: what ``sftlint generate`` writes (it adds
  ``finish_reason``);
* LLaMA-Factory ``generated_predictions.jsonl`` — ``{"prompt", "predict", "label"}``
  (``llamafactory-cli train --do_predict`` and ``scripts/vllm_infer.py``);
* OpenAI Batch API output, which vLLM's ``run_batch`` also writes —
  ``{"custom_id", "response": {"status_code", "body": {"choices": [{"message":
  {"content"}, "finish_reason"}]}}, "error"}``.  The prompts are in the batch
  *input* file (``{"custom_id", "body": {"messages"}}``), which serves as the
  reference.

Records in a chat format (messages, ShareGPT, Alpaca) are not read here: they
are whole conversations and go through the engine's reader.

Pure Python.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Keys of a plain output line, in the order they are looked for.
OUTPUT_KEYS = ("output", "response", "completion", "prediction")
#: Keys that make a line a whole conversation (read by the engine instead).
RECORD_KEYS = ("messages", "conversations", "instruction")

KINDS = {
    "output": 'output lines ({"output": ...})',
    "llamafactory": "LLaMA-Factory generated_predictions.jsonl",
    "openai-batch": "OpenAI/vLLM batch output",
}


class PredictionError(ValueError):
    """A predictions file that cannot be read as model outputs (exit code 2)."""


@dataclass
class Prediction:
    """One model output and what is known about the prompt it answers."""

    output: str
    line: int  # 1-based line in the file
    key: str | int | None = None  # the id the tool gave it (id, custom_id), if any
    prompt: str | list[dict[str, Any]] | None = None  # text, or messages before the output
    label: str | None = None  # the reference answer, where the tool kept it
    finish_reason: str | None = None  # "stop", "length" ...: "length" means cut off


@dataclass
class Predictions:
    kind: str
    items: list[Prediction]
    unreadable: int = 0  # lines that are not JSON
    failed: list[tuple[int, str]] = field(default_factory=list)  # (line, why) requests without output

    @property
    def description(self) -> str:
        return KINDS[self.kind]


def read_lines(path: str | Path) -> tuple[list[tuple[int, Any]], int]:
    """The JSON values of a JSONL file with their line numbers, and how many lines were not JSON."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PredictionError(f"{p}: cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise PredictionError(f"{p}: not UTF-8 text ({exc})") from exc
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:  # a JSON array (LLaMA-Factory and others write .json files this way)
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, list):
            return [(i + 1, obj) for i, obj in enumerate(data)], 0
    rows: list[tuple[int, Any]] = []
    bad = 0
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rows.append((n, json.loads(line)))
        except json.JSONDecodeError:
            bad += 1
    return rows, bad


def kind_of(obj: Any) -> str | None:
    """Which kind of prediction line ``obj`` is, or None."""
    if not isinstance(obj, dict) or any(k in obj for k in RECORD_KEYS):
        return None
    if isinstance(obj.get("predict"), str) and ("label" in obj or "prompt" in obj):
        return "llamafactory"
    if "custom_id" in obj and ("response" in obj or "error" in obj):
        return "openai-batch"
    if any(isinstance(obj.get(k), str) for k in OUTPUT_KEYS):
        return "output"
    return None


def is_record(obj: Any) -> bool:
    """Whether a line is a whole conversation (messages, ShareGPT, Alpaca)."""
    return isinstance(obj, dict) and any(k in obj for k in RECORD_KEYS)


def _id(obj: dict[str, Any]) -> str | int | None:
    for k in ("id", "custom_id", "index"):
        v = obj.get(k)
        if isinstance(v, (str, int)) and not isinstance(v, bool):
            return v
    return None


def _batch_output(obj: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(content, finish_reason, why there is none) of one OpenAI/vLLM batch output line."""
    if obj.get("error"):
        err = obj["error"]
        msg = err.get("message") if isinstance(err, dict) else str(err)
        return None, None, f"the request failed: {msg}"
    resp = obj.get("response")
    if not isinstance(resp, dict):
        return None, None, "no response"
    status = resp.get("status_code")
    body = resp.get("body")
    if status not in (None, 200) or not isinstance(body, dict):
        return None, None, f"the request failed with status {status}"
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None, None, "the response holds no choices"
    choice = choices[0]
    msg = choice.get("message")
    content = msg.get("content") if isinstance(msg, dict) else choice.get("text")
    finish = choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None
    if isinstance(msg, dict) and msg.get("tool_calls") and not content:
        return None, finish, "the answer is a tool call, not text"
    if not isinstance(content, str):
        return None, finish, "the response holds no text"
    return content, finish, None


def parse(rows: Sequence[tuple[int, Any]], path: str | Path = "") -> Predictions | None:
    """Predictions from parsed lines; None when every line is a whole record (not predictions).

    Raises :class:`PredictionError` for a line that is neither, and for a file
    that mixes kinds: a file ``eval`` cannot read is an error, never a pass.
    """
    kinds: dict[str, int] = {}
    records = 0
    for n, obj in rows:
        k = kind_of(obj)
        if k is None:
            if is_record(obj):
                records += 1
                continue
            raise PredictionError(
                f"{path}:{n}: {_describe(obj)} is not a model output sftlint can read; {_expected()}"
            )
        kinds.setdefault(k, n)
    if not kinds:
        return None
    if records:
        raise PredictionError(
            f'{path}: mixes model outputs ({{"output": ...}} and the like) with full records; use one kind per file'
        )
    if len(kinds) > 1:
        seen = ", ".join(f"{KINDS[k]} (line {n})" for k, n in kinds.items())
        raise PredictionError(f"{path}: mixes kinds of prediction lines: {seen}")
    kind = next(iter(kinds))
    out = Predictions(kind, [])
    for n, obj in rows:
        if kind == "output":
            text = next(obj[k] for k in OUTPUT_KEYS if isinstance(obj.get(k), str))
            prompt = obj.get("prompt")
            out.items.append(
                Prediction(
                    text,
                    n,
                    key=_id(obj),
                    prompt=prompt if isinstance(prompt, (str, list)) else None,
                    label=obj.get("label") if isinstance(obj.get("label"), str) else None,
                    finish_reason=obj.get("finish_reason")
                    if isinstance(obj.get("finish_reason"), str)
                    else None,
                )
            )
        elif kind == "llamafactory":
            prompt = obj.get("prompt")
            out.items.append(
                Prediction(
                    obj["predict"],
                    n,
                    key=_id(obj),
                    prompt=prompt if isinstance(prompt, str) else None,
                    label=obj.get("label") if isinstance(obj.get("label"), str) else None,
                )
            )
        else:
            content, finish, why = _batch_output(obj)
            if content is None:
                out.failed.append((n, why or "no output"))
                continue
            key = obj.get("custom_id")  # the request's id (``id`` is the batch line's own)
            key = key if isinstance(key, (str, int)) and not isinstance(key, bool) else _id(obj)
            out.items.append(Prediction(content, n, key=key, finish_reason=finish))
    return out


def _describe(obj: Any) -> str:
    if isinstance(obj, dict):
        keys = ", ".join(sorted(map(str, obj))[:6])
        return f"an object with keys {{{keys}}}" if keys else "an empty object"
    return f"a JSON {type(obj).__name__}"


def _expected() -> str:
    return (
        'expected {"output": ...} lines (sftlint generate), LLaMA-Factory predictions ({"prompt", "predict", '
        '"label"}), OpenAI/vLLM batch output ({"custom_id", "response"}), or chat records (messages, ShareGPT, '
        "Alpaca)"
    )


def read(path: str | Path) -> Predictions | None:
    """Read ``path`` as predictions (None when it holds whole chat records instead)."""
    rows, bad = read_lines(path)
    preds = parse(rows, path)
    if preds is not None:
        preds.unreadable = bad
    return preds


def batch_requests(path: str | Path) -> dict[str, list[dict[str, Any]]] | None:
    """``custom_id`` -> messages of an OpenAI/vLLM batch *input* file; None when it is not one."""
    rows, _ = read_lines(path)
    out: dict[str, list[dict[str, Any]]] = {}
    for _, obj in rows:
        if not (isinstance(obj, dict) and "custom_id" in obj and isinstance(obj.get("body"), dict)):
            return None
        msgs = obj["body"].get("messages")
        if not isinstance(msgs, list):
            return None
        out[str(obj["custom_id"])] = [m for m in msgs if isinstance(m, dict)]
    return out or None
