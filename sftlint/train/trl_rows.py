"""Linted records -> rows in the form TRL's SFTTrainer documents, or a refusal with the reason.

Nothing is blanked on the way.  Before this module, content that was not a
plain string became ``""``: raw LLaMA-Factory rows trained on 1,000 empty
messages and 198 tool-call turns of the glaive data became empty assistant
turns.  Now each record is either carried over whole or refused:

* **tool calls** travel as TRL's conversational tool-calling form: an
  assistant message ``{"role": "assistant", "content": "", "tool_calls":
  [{"type": "function", "function": {"name", "arguments": {...}}}]}``, the
  result as ``{"role": "tool", "content": ..., "name"/"tool_call_id"}``
  where the data has them, and the definitions in the ``tools`` column (TRL
  passes it to the chat template; a JSON string is decoded by TRL itself);
* **content parts** of text (``[{"type": "text", "text": ...}]``) become the
  string a chat template renders from them (the parts' text, concatenated);
  ``reasoning``/``thinking`` parts become the assistant message's
  ``reasoning_content``, the field reasoning models' templates (Qwen3,
  DeepSeek-R1) render — the trainer refuses them when the model's template
  would drop it (:func:`renders_reasoning`); parts a text model cannot take
  (images, audio, files) refuse the record;
* **per-turn loss weights** (OpenAI's ``"weight": 0`` on an assistant turn, or another trainer's
  key: :mod:`sftlint.formats.weights`):
  TRL trains every assistant turn of a ``messages`` row (with assistant-only
  loss), or only the ``completion`` of a prompt-completion row.  So turns
  after the last weighted one are cut (they would teach nothing), a record
  whose only weighted turn is its last becomes ``prompt``/``completion``, and
  a record with an unweighted turn *between* weighted ones cannot be said in
  TRL's terms and is refused.

Rows are stored with ``datasets``' ``Json`` feature (see :func:`to_dataset`),
so tool-call arguments of different shapes never get padded with ``null``
keys by Arrow's schema unification.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sftlint.record import Message, Record

TEXT_PARTS = {"text", "input_text", "output_text", "refusal"}
ROLES = {"system", "user", "assistant", "tool"}


class Refused(Exception):
    """A record that cannot be carried over to TRL whole; the message says why."""


@dataclass
class Rows:
    """TRL rows and what was refused, per reason."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    refused: list[tuple[int, int, str]] = field(default_factory=list)  # (index, line, reason)
    cut_turns: int = 0  # records whose unweighted trailing turns were cut

    def reasons(self) -> Counter[str]:
        return Counter(r for _, _, r in self.refused)


def _raw_message(record: Record, m: Message) -> dict[str, Any] | None:
    """The message's own JSON object in the record, when the format keeps one per message."""
    data = record.data
    if not (isinstance(data, dict) and m.pointer and m.pointer.startswith("/messages/")):
        return None
    msgs = data.get("messages")
    try:
        raw = msgs[int(m.pointer.rsplit("/", 1)[1])]
    except (TypeError, ValueError, IndexError):
        return None
    return raw if isinstance(raw, dict) else None


def _content(record: Record, m: Message) -> tuple[str, str | None]:
    """The turn's text, and its reasoning (``reasoning``/``thinking`` parts) where it has any."""
    raw = _raw_message(record, m)
    content = raw.get("content") if raw is not None else None
    reasoning: list[str] = []
    if isinstance(content, list):
        texts = []
        for part in content:
            kind = part.get("type", "text") if isinstance(part, dict) else None
            if kind in TEXT_PARTS:
                text = part.get("text", part.get("value"))
                if not isinstance(text, str):
                    raise Refused(f"a {kind} content part without text")
                texts.append(text)
            elif kind in ("tool_call", "function_call"):
                continue  # carried as tool_calls
            elif kind in ("reasoning", "thinking"):
                text = part.get("text", part.get("value", part.get(kind)))
                if not isinstance(text, str):
                    raise Refused(f"a {kind} content part without text")
                reasoning.append(text)
            else:
                raise Refused(f"a {kind or 'non-object'} content part a text model cannot be trained on")
        return "".join(texts), ("".join(reasoning) if reasoning else None)
    if m.has_media:
        raise Refused("media in the content, which a text model cannot be trained on")
    return m.content, None


def _call(call: Any) -> dict[str, Any]:
    """One tool call in the OpenAI/TRL shape, arguments decoded to an object."""
    if (
        isinstance(call, dict)
        and call.get("type") in ("tool_call", "function_call")
        and "function" not in call
    ):
        body = call.get("value", call.get("text", call.get(call["type"])))  # a content part holding the call
        if isinstance(body, (str, dict)):
            call = body
    if isinstance(call, str):  # ShareGPT function_call value: '{"name": ..., "arguments": ...}'
        try:
            call = json.loads(call)
        except json.JSONDecodeError:
            raise Refused("a tool call that is not JSON") from None
    if not isinstance(call, dict):
        raise Refused("a tool call that is not an object")
    fn = call.get("function", call if "name" in call else None)
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
        raise Refused("a tool call without a function name")
    args = fn.get("arguments", {})
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError:
            raise Refused("tool-call arguments that are not JSON") from None
    out: dict[str, Any] = {"type": "function", "function": {"name": fn["name"], "arguments": args}}
    if isinstance(call.get("id"), str):
        out["id"] = call["id"]
    return out


def _message(record: Record, m: Message) -> dict[str, Any]:
    if m.role not in ROLES:
        raise Refused(f"role {m.raw_role!r}, which chat templates do not know")
    text, reasoning = _content(record, m)
    out: dict[str, Any] = {"role": m.role, "content": text}
    if reasoning is not None:
        if m.role != "assistant":
            raise Refused(f"reasoning in a {m.role} turn")
        out["reasoning_content"] = reasoning  # the field reasoning models' chat templates read
    if m.tool_calls:
        if m.role != "assistant":
            raise Refused(f"a tool call in a {m.role} turn")
        out["tool_calls"] = [_call(c) for c in m.tool_calls]
        if m.raw_role == "function_call":  # ShareGPT keeps the call as the turn's text
            out["content"] = ""
    raw = _raw_message(record, m)
    if m.role == "tool" and raw is not None:
        for key in ("name", "tool_call_id"):
            if isinstance(raw.get(key), str):
                out[key] = raw[key]
    return out


def _tools(record: Record) -> Any:
    data = record.data if isinstance(record.data, dict) else {}
    tools = data.get("tools")
    if tools in (None, "", []):
        return None
    if isinstance(tools, str):
        try:
            tools = json.loads(tools)
        except json.JSONDecodeError:
            raise Refused("a tools field that is not JSON") from None
    if not isinstance(tools, list):
        raise Refused("a tools field that is not a list of definitions")
    return [t if "function" in t or "type" in t else {"type": "function", "function": t} for t in tools]


def convert(record: Record) -> tuple[dict[str, Any], bool]:
    """One record as a TRL row; (row, whether trailing unweighted turns were cut)."""
    msgs = record.messages
    if not msgs:
        raise Refused("the record could not be mapped to messages")
    if not record.conversational:
        # TRL's language-modeling form: the text as it is, every token learned (as a one-turn
        # chat, the chat template would wrap the document in a reply's markup)
        return {"text": msgs[0].content}, False
    out = [_message(record, m) for m in msgs]
    assistant = [i for i, m in enumerate(msgs) if m.role == "assistant"]
    if not assistant:
        raise Refused("no assistant turn to learn")
    trained = [i for i in assistant if msgs[i].weight is None or msgs[i].weight > 0]
    if not trained:
        raise Refused("every assistant turn has weight 0: nothing to learn")
    scaled = next((msgs[i].weight for i in trained if msgs[i].weight not in (None, 0, 1)), None)
    if scaled is not None:
        raise Refused(
            f"a loss weight of {scaled:g} on a reply (TRL weighs every trained token alike: 0 or 1 only)"
        )
    cut = trained[-1] + 1 < len(out)
    out = out[: trained[-1] + 1]
    untrained_before = [i for i in assistant if i < trained[-1] and i not in trained]
    row: dict[str, Any]
    if not untrained_before:
        row = {"messages": out}
    elif len(trained) == 1:
        row = {"prompt": out[:-1], "completion": out[-1:]}
    else:
        raise Refused(
            "an assistant turn with weight 0 between weighted ones (TRL trains every assistant turn of a "
            "conversation, or only the completion)"
        )
    tools = _tools(record)
    if tools is not None:
        row["tools"] = tools
    return row, cut


def convert_all(records: list[Record]) -> Rows:
    """Every record converted or refused; rows all of one kind (messages or prompt-completion;
    a file of documents gives language-modeling ``{"text"}`` rows).

    TRL reads one kind per dataset.  When some records need prompt-completion
    (only their last turn is weighted), records holding one assistant turn
    follow them into that form; a conversation of several trained turns
    cannot, and is refused with the reason.
    """
    res = Rows()
    converted: list[tuple[Record, dict[str, Any]]] = []
    for rec in records:
        try:
            row, cut = convert(rec)
        except Refused as exc:
            res.refused.append((rec.index, rec.line, str(exc)))
            continue
        res.cut_turns += cut
        converted.append((rec, row))
    if any("prompt" in row for _, row in converted):
        for rec, row in converted:
            if "messages" in row:
                msgs = row.pop("messages")
                n_assistant = sum(1 for m in msgs if m["role"] == "assistant")
                if n_assistant != 1:
                    res.refused.append(
                        (
                            rec.index,
                            rec.line,
                            f"{n_assistant} trained assistant turns in a dataset that other records' weights "
                            "put in prompt-completion form (only the completion is trained)",
                        )
                    )
                    row["_refused"] = True
                    continue
                row["prompt"], row["completion"] = msgs[:-1], msgs[-1:]
    res.rows = [row for _, row in converted if not row.pop("_refused", False)]
    res.refused.sort()
    return res


def to_dataset(rows: list[dict[str, Any]]) -> Any:
    """A ``datasets.Dataset`` of TRL rows, each message and tool list kept as JSON as it is."""
    from datasets import Dataset, Features, Json, List

    if not rows:
        return Dataset.from_list([])
    if "text" in rows[0]:  # language-modeling rows: plain strings
        return Dataset.from_list([{"text": r["text"]} for r in rows])
    cols = ["messages"] if "messages" in rows[0] else ["prompt", "completion"]
    spec: dict[str, Any] = {c: List(Json()) for c in cols}
    if any("tools" in r for r in rows):
        spec["tools"] = Json()
    data = [{k: r.get(k) for k in spec} for r in rows]
    return Dataset.from_list(data, features=Features(spec))


def has_reasoning(row: dict[str, Any]) -> bool:
    msgs = row.get("messages") or [*row.get("prompt", []), *row.get("completion", [])]
    return any("reasoning_content" in m for m in msgs)


def renders_reasoning(tokenizer: Any) -> bool:
    """Whether the tokenizer's chat template writes an assistant turn's ``reasoning_content``."""
    probe = "sftlint-reasoning-probe"
    msgs = [
        {"role": "user", "content": "?"},
        {"role": "assistant", "content": "!", "reasoning_content": probe},
    ]
    try:
        text = tokenizer.apply_chat_template(msgs, tokenize=False)
    except Exception:  # a template that cannot render the probe does not render reasoning either
        return False
    return probe in text
