"""Query/response records: ``{"query", "response", "history", "system"}``.

ms-swift's query-response format and ChatGLM's fine-tuning format (``prompt`` instead of
``query``), common in the Chinese fine-tuning world: the user's turn is ``query`` (or
``prompt``), the answer is ``response``, and ``history`` holds the earlier exchanges as
``[query, response]`` pairs, oldest first, as in Alpaca's ``history``.
"""

from __future__ import annotations

from typing import Any

from sftlint.formats.alpaca import history_messages, history_ok, joined_message
from sftlint.formats.base import InputFormat
from sftlint.record import Message

#: where the user's turn may be, in order of preference
QUERY_KEYS = ("query", "prompt")


def _query_key(obj: dict[str, Any]) -> str | None:
    return next((k for k in QUERY_KEYS if k in obj), None)


class QueryResponseFormat(InputFormat):
    name = "query-response"
    description = 'ms-swift / ChatGLM: {"query" (or "prompt"), "response", "history": [[q, r]], "system"}'

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        pair = {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string"}}
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "query/response record",
            "type": "object",
            "required": ["response"],
            "anyOf": [{"required": ["query"]}, {"required": ["prompt"]}],
            "properties": {
                "query": {"type": "string"},
                "prompt": {"type": "string"},
                "response": {"type": "string"},
                "system": {"type": "string"},
                "history": {"type": "array", "items": pair},
            },
        }

    def sniff(self, obj: Any) -> bool:
        return (
            isinstance(obj, dict)
            and "response" in obj
            and _query_key(obj) is not None
            and not {"completion", "chosen", "messages", "conversations", "instruction"} & obj.keys()
        )

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict or type(obj.get("response")) is not str:
            return False
        key = _query_key(obj)
        if key is None:
            return False
        for k in ("query", "prompt", "system"):
            if k in obj and type(obj[k]) is not str:
                return False
        return history_ok(obj)

    def to_messages(self, obj: Any) -> list[Message]:
        if not isinstance(obj, dict):
            return []
        out: list[Message] = []

        def add(role: str, pointer: str, text: Any) -> None:
            if isinstance(text, str):
                out.append(joined_message(role, [(pointer, text)], len(out)))

        system = obj.get("system")
        if isinstance(system, str) and system:
            add("system", "/system", system)
        history_messages(obj, out)
        key = _query_key(obj)
        if key is not None:
            add("user", f"/{key}", obj[key])
        add("assistant", "/response", obj.get("response"))
        return out
