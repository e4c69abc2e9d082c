"""Question/answer records: ``{"query", "response", "history", "system"}`` and their kin.

ms-swift's query-response format and ChatGLM's fine-tuning format (``prompt`` instead of
``query``), common in the Chinese fine-tuning world: the user's turn is ``query`` (or
``prompt``), the answer is ``response``, and ``history`` holds the earlier exchanges as
``[query, response]`` pairs, oldest first, as in Alpaca's ``history``.  The same shape under
other names is read the same way: OpenOrca's ``{"system_prompt", "question", "response"}``,
and ``{"question", "answer"}`` pairs (GSM8K and the maths sets built on it).
"""

from __future__ import annotations

from typing import Any

from sftlint.formats.alpaca import history_messages, joined_message, strings_and_history_ok
from sftlint.formats.base import InputFormat
from sftlint.record import Message

#: where the user's turn may be, in order of preference
QUERY_KEYS = ("query", "prompt", "question")
#: where the answer may be
ANSWER_KEYS = ("response", "answer")
#: where the system prompt may be
SYSTEM_KEYS = ("system", "system_prompt")
#: keys that make a record another format's
OTHER_FORMATS = frozenset({"completion", "chosen", "messages", "conversations", "instruction", "output"})


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((k for k in keys if k in obj), None)


class QueryResponseFormat(InputFormat):
    name = "query-response"
    description = (
        'ms-swift / ChatGLM: {"query" (or "prompt", "question"), "response" (or "answer"), '
        '"history": [[q, r]], "system" (or "system_prompt")}'
    )

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        pair = {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string"}}
        text = {"type": "string"}
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "query/response record",
            "type": "object",
            "allOf": [
                {"anyOf": [{"required": [k]} for k in ANSWER_KEYS]},
                {"anyOf": [{"required": [k]} for k in QUERY_KEYS]},
            ],
            "properties": {
                **{k: text for k in (*QUERY_KEYS, *ANSWER_KEYS, *SYSTEM_KEYS)},
                "history": {"type": "array", "items": pair},
            },
        }

    def sniff(self, obj: Any) -> bool:
        return (
            isinstance(obj, dict)
            and _first(obj, ANSWER_KEYS) is not None
            and _first(obj, QUERY_KEYS) is not None
            and not OTHER_FORMATS & obj.keys()
        )

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict:
            return False
        answer, query = _first(obj, ANSWER_KEYS), _first(obj, QUERY_KEYS)
        if answer is None or query is None:
            return False
        return strings_and_history_ok(obj, (*QUERY_KEYS, *ANSWER_KEYS, *SYSTEM_KEYS))

    def to_messages(self, obj: Any) -> list[Message]:
        if not isinstance(obj, dict):
            return []
        out: list[Message] = []

        def add(role: str, key: str | None) -> None:
            if key is not None and isinstance(obj.get(key), str):
                out.append(joined_message(role, [(f"/{key}", obj[key])], len(out)))

        system = _first(obj, SYSTEM_KEYS)
        if system is not None and obj[system]:
            add("system", system)
        history_messages(obj, out)
        add("user", _first(obj, QUERY_KEYS))
        add("assistant", _first(obj, ANSWER_KEYS))
        return out
