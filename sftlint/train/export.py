"""Convert records of any supported input format to the shapes trainers read.

* ``messages`` — ``{"messages": [{"role", "content"}]}``: TRL, OpenAI, axolotl
  ``chat_template``; holds every conversation.
* ``sharegpt`` — ``{"conversations": [{"from", "value"}], "system"}``:
  LLaMA-Factory, FastChat; holds every conversation.
* ``alpaca`` — ``{"instruction", "input", "output", "system", "history"}``:
  the last instruction and answer, earlier turns as LLaMA-Factory's
  ``history`` (``[[instruction, answer], ...]``).  Tool conversations and
  turns that do not alternate user/assistant do not fit and are skipped with
  the reason.
* ``prompt-completion`` — TRL's conversational form ``{"prompt": [messages],
  "completion": [assistant message]}``: fits conversations with exactly one
  assistant turn, at the end (TRL trains on the completion only; earlier
  assistant turns would silently go untrained, so those records are skipped).

Pure Python: works without the training extra.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sftlint.record import Message, Record
from sftlint.train import EXPORT_FORMATS

FORMATS = EXPORT_FORMATS

#: Findings that mean the reader could not turn a line into a record at all.
UNREADABLE_CODES = {"J001", "J002", "J007"}

SHAREGPT_ROLE = {"system": "system", "user": "human", "assistant": "gpt", "tool": "observation"}


class Skip(Exception):
    """A record that does not fit the target format; the message says why."""


@dataclass
class ExportResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[int, int, str]] = field(default_factory=list)  # (index, line, reason)
    unreadable: int = 0  # lines that are not a JSON object at all (J001/J002/J007)

    def reasons(self) -> Counter[str]:
        return Counter(reason for _, _, reason in self.skipped)


def convert(record: Record, to: str) -> dict[str, Any]:
    """One record in the target format; raises :class:`Skip` when it does not fit."""
    if to not in FORMATS:
        raise ValueError(f"unknown export format {to!r}; choose from {', '.join(FORMATS)}")
    msgs = record.messages
    if not msgs:
        raise Skip("the record could not be mapped to messages")
    if not record.conversational:
        raise Skip("a document (language-modeling text), not a conversation: train on its text as it is")
    for m in msgs:
        if m.role not in SHAREGPT_ROLE:
            raise Skip(f"unknown role {m.raw_role!r}")
    extra = _extras(record)
    if to == "messages":
        return {"messages": [_message(m) for m in msgs], **extra}
    if to == "sharegpt":
        return _sharegpt(msgs, extra)
    if to == "alpaca":
        return _alpaca(record, msgs)
    return _prompt_completion(msgs, extra)


def _extras(record: Record) -> dict[str, Any]:
    """Tool definitions travel with the conversation (they are part of what the model sees)."""
    data = record.data if isinstance(record.data, dict) else {}
    tools = data.get("tools")
    return {"tools": tools} if tools not in (None, "", []) else {}


def _message(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role, "content": m.content}
    calls = _tool_calls(m)
    if calls:
        out["tool_calls"] = calls
        if m.raw_role == "function_call":  # ShareGPT keeps the call in the text itself
            out["content"] = ""
    return out


def _tool_calls(m: Message) -> list[Any] | None:
    if m.role != "assistant" or not m.tool_calls:
        return None
    calls = []
    for call in m.tool_calls:
        if isinstance(call, str):  # ShareGPT function_call value: '{"name": ..., "arguments": ...}'
            try:
                call = json.loads(call)
            except json.JSONDecodeError:
                raise Skip("a function_call value that is not JSON") from None
        if isinstance(call, dict) and "function" not in call and "name" in call:
            call = {
                "type": "function",
                "function": {"name": call["name"], "arguments": call.get("arguments", {})},
            }
        calls.append(call)
    return calls


def _sharegpt(msgs: list[Message], extra: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    body = msgs
    if msgs[0].role == "system":
        out["system"] = msgs[0].content
        body = msgs[1:]
    conv = []
    for m in body:
        if m.role == "system":
            raise Skip("a system message after the first turn (ShareGPT has one system prompt)")
        calls = _tool_calls(m)
        if calls:
            if m.content.strip() and m.raw_role != "function_call":
                raise Skip("an assistant turn with both text and a tool call (ShareGPT splits them)")
            for call in calls:
                fn = call.get("function", call) if isinstance(call, dict) else call
                conv.append({"from": "function_call", "value": json.dumps(fn, ensure_ascii=False)})
            continue
        conv.append({"from": SHAREGPT_ROLE[m.role], "value": m.content})
    out["conversations"] = conv
    if "tools" in extra:
        tools = extra["tools"]
        out["tools"] = tools if isinstance(tools, str) else json.dumps(tools, ensure_ascii=False)
    return out


def _split_system(msgs: list[Message]) -> tuple[str | None, list[Message]]:
    if msgs and msgs[0].role == "system":
        return msgs[0].content, msgs[1:]
    return None, msgs


def _alpaca(record: Record, msgs: list[Message]) -> dict[str, Any]:
    system, body = _split_system(msgs)
    roles = [m.role for m in body]
    if any(r in ("tool", "system") for r in roles) or any(m.tool_calls for m in body):
        raise Skip("tool calls or extra system turns do not fit Alpaca")
    if len(roles) < 2 or len(roles) % 2 or roles != ["user", "assistant"] * (len(roles) // 2):
        raise Skip("turns that do not alternate user/assistant, ending with the assistant")
    history = [[body[i].content, body[i + 1].content] for i in range(0, len(body) - 2, 2)]
    if history:
        out: dict[str, Any] = {"instruction": body[-2].content, "input": "", "output": body[-1].content}
        if system:
            out["system"] = system
        out["history"] = history
        return out
    data = record.data if isinstance(record.data, dict) else {}
    if record.format == "alpaca" and isinstance(data.get("instruction"), str):
        instruction, inp = (
            data["instruction"],
            data.get("input") if isinstance(data.get("input"), str) else "",
        )
    else:
        instruction, inp = body[0].content, ""
    out: dict[str, Any] = {"instruction": instruction, "input": inp, "output": body[1].content}
    if system:
        out["system"] = system
    return out


def _prompt_completion(msgs: list[Message], extra: dict[str, Any]) -> dict[str, Any]:
    assistant_turns = [i for i, m in enumerate(msgs) if m.role == "assistant"]
    if not assistant_turns or assistant_turns[-1] != len(msgs) - 1:
        raise Skip("the conversation does not end with an assistant turn")
    if len(assistant_turns) > 1:
        raise Skip(
            f"{len(assistant_turns)} assistant turns: prompt-completion trains only the last one "
            "(use messages to train on all of them)"
        )
    return {
        "prompt": [_message(m) for m in msgs[:-1]],
        "completion": [_message(msgs[-1])],
        **extra,
    }


def convert_all(records: Iterable[Record], to: str) -> ExportResult:
    result = ExportResult()
    for rec in records:
        try:
            result.rows.append(convert(rec, to))
        except Skip as exc:
            result.skipped.append((rec.index, rec.line, str(exc)))
    return result


def export_file(path: str | Path, out: str | Path, to: str, format: str | None = None) -> ExportResult:
    """Convert every record of ``path`` and write the fitting ones to ``out`` atomically."""
    import sftlint
    from sftlint.train.io import write_jsonl_atomic

    result = convert_all(sftlint.load_records(path, format=format), to)
    # The reader skips lines that are not JSON objects; count them so nothing vanishes silently.
    result.unreadable = len(
        {d.record for d in sftlint.lint(str(path), select=["J"]) if d.code in UNREADABLE_CODES}
    )
    write_jsonl_atomic(out, result.rows)
    return result


#: LLaMA-Factory's ``dataset_info.json`` entry for each export format (``file_name`` is added).
DATASET_INFO: dict[str, dict[str, Any]] = {
    "sharegpt": {
        "formatting": "sharegpt",
        "columns": {"messages": "conversations", "system": "system", "tools": "tools"},
    },
    "alpaca": {
        "columns": {
            "prompt": "instruction",
            "query": "input",
            "response": "output",
            "system": "system",
            "history": "history",
        },
    },
    "messages": {
        "formatting": "sharegpt",
        "columns": {"messages": "messages"},
        "tags": {
            "role_tag": "role",
            "content_tag": "content",
            "user_tag": "user",
            "assistant_tag": "assistant",
            "system_tag": "system",
        },
    },
}


def dataset_info_entry(to: str, file_name: str) -> dict[str, Any] | None:
    """The ``dataset_info.json`` entry LLaMA-Factory needs to read an export; None for prompt-completion."""
    spec = DATASET_INFO.get(to)
    if spec is None:
        return None
    return {"file_name": file_name, **json.loads(json.dumps(spec))}


def write_dataset_info(out: str | Path, to: str, name: str | None = None) -> tuple[Path, str] | None:
    """Add (or replace) the entry for ``out`` in ``dataset_info.json`` beside it; (path, dataset name).

    Other entries of an existing file are kept: LLaMA-Factory reads one
    ``dataset_info.json`` per data directory, listing every dataset in it.
    """
    from sftlint.train.io import write_text_atomic

    target = Path(out)
    entry = dataset_info_entry(to, target.name)
    if entry is None:
        return None
    info_path = target.parent / "dataset_info.json"
    info: dict[str, Any] = {}
    if info_path.is_file():
        try:
            loaded = json.loads(info_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(
                f"{info_path}: exists but is not readable JSON ({exc}); not overwritten"
            ) from exc
        if not isinstance(loaded, dict):
            raise ValueError(f"{info_path}: not a JSON object; not overwritten")
        info = loaded
    key = name or target.stem
    info[key] = entry
    write_text_atomic(info_path, [json.dumps(info, ensure_ascii=False, indent=2) + "\n"])
    return info_path, key


def to_messages_rows(path: str | Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Messages rows for the trainer from any input format, and why records were refused."""
    from sftlint import load_records

    res = convert_all(load_records(path), "messages")
    return res.rows, [f"record {i + 1} (line {line}): {reason}" for i, line, reason in res.skipped]
