"""Conversations written as lists of strings: UltraChat's ``{"id", "data": [...]}`` and LIMA's
``{"conversations": [...], "source"}``.

The conversation is a list of plain strings, the user's and the assistant's turns in turn, the
user first (stingning/ultrachat, the set UltraLM and Zephyr were tuned on; GAIR/lima).  Each turn
keeps its own pointer (``/data/3``).
"""

from __future__ import annotations

from typing import Any

from sftlint.formats.alpaca import joined_message
from sftlint.formats.base import InputFormat
from sftlint.record import Message

#: where the list of turns may be
TURNS_KEYS = ("data", "conversations")


def string_list_key(obj: object) -> str | None:
    """The key of ``obj``'s list of string turns, if it has one (its first items are strings)."""
    if not isinstance(obj, dict):
        return None
    for key in TURNS_KEYS:
        turns = obj.get(key)
        if isinstance(turns, list) and turns and all(isinstance(t, str) for t in turns[:4]):
            return key
    return None


class StringTurnsFormat(InputFormat):
    name = "string-turns"
    description = 'UltraChat / LIMA: {"data" or "conversations": ["user turn", "assistant turn", ...]}'
    role_names = "user, assistant (by position)"

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "string-turns record",
            "type": "object",
            "anyOf": [{"required": [k]} for k in TURNS_KEYS],
            "properties": {
                k: {"type": "array", "minItems": 1, "items": {"type": "string"}} for k in TURNS_KEYS
            },
        }

    def sniff(self, obj: Any) -> bool:
        return string_list_key(obj) is not None

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict:
            return False
        key = string_list_key(obj)
        if key is None:
            return False
        turns = obj[key]
        return all(type(t) is str for t in turns) and all(
            type(obj[k]) is list for k in TURNS_KEYS if k in obj and k != key
        )

    def to_messages(self, obj: Any) -> list[Message]:
        key = string_list_key(obj) or next(
            (k for k in TURNS_KEYS if isinstance(obj, dict) and k in obj), None
        )
        turns = obj.get(key) if key is not None else None
        if not isinstance(turns, list):
            return []
        out: list[Message] = []
        for k, text in enumerate(turns):
            if isinstance(text, str):
                role = "user" if k % 2 == 0 else "assistant"
                out.append(joined_message(role, [(f"/{key}/{k}", text)], len(out)))
        return out
