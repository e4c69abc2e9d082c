"""Prompt/completion and preference records (OpenAI, TRL, LLaMA-Factory's DPO files).

- ``prompt-completion``: ``{"prompt": ..., "completion": ...}`` with strings (standard)
  or lists of ``role``/``content`` messages (conversational); KTO's ``label`` rides along.
- ``preference``: ``chosen`` and ``rejected`` beside a prompt (``prompt``, Alpaca's
  ``instruction``/``input``, or a ``conversations``/``messages`` list), or without one
  (TRL's implicit prompt: both sides are whole conversations).  Each side is a string, one
  turn object, or a list of turns.  The record holds two conversations, prompt + chosen and
  prompt + rejected: both are linted (:meth:`InputFormat.views`), and each finding points
  into its side (``/chosen/0/content``, ``/rejected``).
"""

from __future__ import annotations

from typing import Any

from sftlint.formats.base import InputFormat
from sftlint.formats.conversation import _content_schema, rebase
from sftlint.formats.messages import MessagesFormat
from sftlint.formats.sharegpt import ROLE_MAP as SHAREGPT_ROLES
from sftlint.formats.transcript import is_transcript, transcript_messages
from sftlint.formats.turns import COMMON_ROLES, text_message, turns_to_messages
from sftlint.record import Message

_MESSAGES = MessagesFormat()

_TURN = {
    "type": "object",
    "required": ["role", "content"],
    "properties": {"role": {"type": "string"}, "content": _content_schema()},
}
_SIDE = {"anyOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": _TURN}]}


def _turn_ok(m: Any) -> bool:
    if type(m) is not dict or type(m.get("role")) is not str or "content" not in m:
        return False
    c = m["content"]
    if c is None or type(c) is str:
        return True
    return type(c) is list and all(type(p) is dict and "type" in p for p in c)


def _side_ok(value: Any) -> bool:
    if type(value) is str:
        return True
    return type(value) is list and bool(value) and all(_turn_ok(m) for m in value)


def side_messages(value: Any, pointer: str, default_role: str, out: list[Message]) -> list[Message]:
    """Messages of one side (a string, one turn object, or a list of turns) appended to ``out``."""
    if isinstance(value, list):
        if any(isinstance(m, dict) and "from" in m for m in value):
            turns_to_messages(
                value, pointer, "from", "value", SHAREGPT_ROLES, out, frozenset({"function_call"})
            )
            return out
        for m in rebase(_MESSAGES.to_messages({"messages": value}), "/messages", pointer):
            m.index = len(out)
            out.append(m)
        return out
    if isinstance(value, dict):
        tmp: list[Message] = []
        side_messages([value], pointer, default_role, tmp)
        for m in rebase(tmp, pointer + "/0", pointer):
            m.index = len(out)
            out.append(m)
        return out
    text_message(default_role, value, pointer, out)
    return out


def _system(obj: dict[str, Any], out: list[Message]) -> None:
    system = obj.get("system")
    if isinstance(system, str) and system:
        text_message("system", system, "/system", out)


class PromptCompletionFormat(InputFormat):
    name = "prompt-completion"
    description = 'OpenAI/TRL: {"prompt", "completion"}, strings or lists of {"role", "content"}'

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "prompt-completion record",
            "type": "object",
            "required": ["prompt", "completion"],
            "properties": {"prompt": _SIDE, "completion": _SIDE, "system": {"type": "string"}},
        }

    def sniff(self, obj: Any) -> bool:
        return isinstance(obj, dict) and "completion" in obj and "prompt" in obj and "chosen" not in obj

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict or ("system" in obj and type(obj["system"]) is not str):
            return False
        return _side_ok(obj.get("prompt")) and _side_ok(obj.get("completion"))

    def to_messages(self, obj: Any) -> list[Message]:
        if not isinstance(obj, dict):
            return []
        out: list[Message] = []
        _system(obj, out)
        if "prompt" in obj:
            side_messages(obj["prompt"], "/prompt", "user", out)
        if "completion" in obj:
            side_messages(obj["completion"], "/completion", "assistant", out)
        return out


#: where a preference record's shared prompt may live
PROMPT_KEYS = ("prompt", "instruction", "conversations", "messages")


#: LLaMA-Factory v1's preference layout: each side a whole conversation (the prompt's turns
#: written again in both), ``{"chosen_messages": [...], "rejected_messages": [...]}``
WHOLE_SIDES = ("chosen_messages", "rejected_messages")


class PreferenceFormat(InputFormat):
    name = "preference"
    description = (
        'TRL/LLaMA-Factory preference: {"prompt", "chosen", "rejected"} or v1\'s '
        '{"chosen_messages", "rejected_messages"} (both sides linted)'
    )
    multi_view = True

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        side = {"anyOf": [*_SIDE["anyOf"], {"type": "object"}]}
        whole = (_MESSAGES.schema or {})["properties"]["messages"]  # a side of v1: a messages list
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "preference record",
            "type": "object",
            "anyOf": [{"required": ["chosen", "rejected"]}, {"required": list(WHOLE_SIDES)}],
            "properties": {
                "prompt": _SIDE,
                "chosen": side,
                "rejected": side,
                "chosen_messages": whole,
                "rejected_messages": whole,
                "instruction": {"type": "string"},
                "input": {"type": "string"},
                "system": {"type": "string"},
                "conversations": {"type": "array"},
                "messages": {"type": "array"},
            },
        }

    def sniff(self, obj: Any) -> bool:
        return isinstance(obj, dict) and (
            ("chosen" in obj and "rejected" in obj) or all(k in obj for k in WHOLE_SIDES)
        )

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict:
            return False
        if "chosen" not in obj and "rejected" not in obj:
            return all(
                type(obj.get(k)) is list and _MESSAGES.quick_check({"messages": obj[k]}) for k in WHOLE_SIDES
            )
        for key in ("instruction", "input", "system"):
            if key in obj and type(obj[key]) is not str:
                return False
        for key in ("conversations", "messages"):
            if key in obj and type(obj[key]) is not list:
                return False
        if "prompt" in obj and not _side_ok(obj["prompt"]):
            return False
        for key in ("chosen", "rejected"):
            value = obj.get(key)
            if type(value) is dict:
                if not all(type(v) is str for v in value.values()):
                    return False
            elif not _side_ok(value):
                return False
        return True

    def _prompt(self, obj: dict[str, Any]) -> list[Message]:
        out: list[Message] = []
        _system(obj, out)
        if "prompt" in obj:
            side_messages(obj["prompt"], "/prompt", "user", out)
        elif isinstance(obj.get("instruction"), str):
            segs = [("/instruction", obj["instruction"])]
            if isinstance(obj.get("input"), str) and obj["input"]:
                segs.append(("/input", obj["input"]))
            from sftlint.formats.alpaca import user_turn

            out.append(user_turn(segs, len(out)))
        elif isinstance(obj.get("conversations"), list):
            turns_to_messages(
                obj["conversations"], "/conversations", "from", "value", SHAREGPT_ROLES, out,
                frozenset({"function_call"}),
            )  # fmt: skip
        elif isinstance(obj.get("messages"), list):
            for m in _MESSAGES.to_messages(obj):
                m.index = len(out)
                out.append(m)
        return out

    def views(self, obj: Any) -> list[list[Message]]:
        if not isinstance(obj, dict):
            return [[]]
        if not any(k in obj for k in PROMPT_KEYS) and all(
            is_transcript(obj.get(k)) for k in ("chosen", "rejected")
        ):
            return [transcript_messages(obj[k], f"/{k}") for k in ("chosen", "rejected")]
        if "chosen" not in obj and "rejected" not in obj and any(k in obj for k in WHOLE_SIDES):
            return [
                turns_to_messages(obj.get(k), f"/{k}", "role", "content", COMMON_ROLES, [])
                for k in WHOLE_SIDES
            ]
        out = []
        for side in ("chosen", "rejected"):
            msgs = self._prompt(obj)
            if side in obj:
                side_messages(obj[side], f"/{side}", "assistant", msgs)
            out.append(msgs)
        return out

    def to_messages(self, obj: Any) -> list[Message]:
        return self.views(obj)[0]
