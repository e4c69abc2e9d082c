"""UltraChat records: ``{"id", "data": ["user turn", "assistant turn", ...]}``.

The conversation is a list of plain strings, the user's and the assistant's turns in turn, the
user first (stingning/ultrachat, the set UltraLM and Zephyr were tuned on; FastChat and
LLaMA-Factory read it the same way).  Each turn keeps its own pointer (``/data/3``).
"""

from __future__ import annotations

from typing import Any

from sftlint.formats.alpaca import joined_message
from sftlint.formats.base import InputFormat
from sftlint.record import Message

#: where the list of turns is
TURNS_KEY = "data"


class StringTurnsFormat(InputFormat):
    name = "string-turns"
    description = 'UltraChat: {"data": ["user turn", "assistant turn", ...]} (strings, the user first)'
    role_names = "user, assistant (by position)"

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "string-turns record",
            "type": "object",
            "required": [TURNS_KEY],
            "properties": {TURNS_KEY: {"type": "array", "minItems": 1, "items": {"type": "string"}}},
        }

    def sniff(self, obj: Any) -> bool:
        if not isinstance(obj, dict):
            return False
        turns = obj.get(TURNS_KEY)
        return isinstance(turns, list) and bool(turns) and all(isinstance(t, str) for t in turns[:4])

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict:
            return False
        turns = obj.get(TURNS_KEY)
        return type(turns) is list and bool(turns) and all(type(t) is str for t in turns)

    def to_messages(self, obj: Any) -> list[Message]:
        turns = obj.get(TURNS_KEY) if isinstance(obj, dict) else None
        if not isinstance(turns, list):
            return []
        out: list[Message] = []
        for k, text in enumerate(turns):
            if isinstance(text, str):
                role = "user" if k % 2 == 0 else "assistant"
                out.append(joined_message(role, [(f"/{TURNS_KEY}/{k}", text)], len(out)))
        return out
