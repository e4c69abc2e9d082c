"""Conversations under a ``conversation`` / ``conversations`` key, in the layouts people publish.

- ``conversation``: turns with ``role``/``content`` (``{"id", "conversation": [{"role",
  "content"}], "metadata"}``) or, under the singular key, ``from``/``value``.  The plural key
  with ``from``/``value`` is ShareGPT (:mod:`sftlint.formats.sharegpt`).
- ``human-assistant``: one object per exchange, ``{"human": ..., "assistant": ...}``
  (Firefly, MOSS): each becomes a user and an assistant message.

The list key is the record's own (``conversation`` when both are missing), so
pointers name what the file holds: ``/conversation/2/assistant``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from sftlint.formats.base import InputFormat
from sftlint.formats.messages import MessagesFormat
from sftlint.formats.turns import text_message, turn_keys, turns_to_messages
from sftlint.record import Message

LIST_KEYS = ("conversation", "conversations")


def list_key(obj: Any) -> str | None:
    """The record's conversation key (the singular one first), or None."""
    if not isinstance(obj, dict):
        return None
    for key in LIST_KEYS:
        if key in obj:
            return key
    return None


def rebase(messages: list[Message], old: str, new: str) -> list[Message]:
    """Point messages mapped under ``old`` (``/messages``) at ``new`` (``/conversation``)."""
    n = len(old)
    for m in messages:
        if m.pointer.startswith(old):
            m.pointer = new + m.pointer[n:]
        if m.content_pointer.startswith(old):
            m.content_pointer = new + m.content_pointer[n:]
        if m.role_pointer and m.role_pointer.startswith(old):
            m.role_pointer = new + m.role_pointer[n:]
        if m._segments:
            for seg in m._segments:
                if seg.pointer.startswith(old):
                    seg.pointer = new + seg.pointer[n:]
    return messages


def _content_schema() -> dict[str, Any]:
    return {
        "anyOf": [
            {"type": "string"},
            {"type": "null"},
            {"type": "array", "items": {"type": "object", "required": ["type"]}},
        ]
    }


def _record_schema(key: str, turn: dict[str, Any], title: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "required": [key],
        "properties": {
            key: {"type": "array", "minItems": 1, "items": turn},
            "system": {"type": "string"},
            "tools": {"type": ["string", "array"]},
        },
    }


class _KeyedSchemas(InputFormat):
    """A format whose schema depends on which list key (and turn keys) the record uses."""

    def variant(self, obj: Any) -> tuple[str, ...]:
        raise NotImplementedError

    def variant_schema(self, variant: tuple[str, ...]) -> dict[str, Any]:
        raise NotImplementedError

    @cached_property
    def _validators(self) -> dict[tuple[str, ...], Any]:
        return {}

    @property
    def schema(self) -> dict[str, Any] | None:  # type: ignore[override]
        return self.variant_schema(self.variant({}))

    def schema_errors(self, obj: Any) -> list[tuple[str, str]]:
        import jsonschema

        from sftlint.formats.base import described_errors

        key = self.variant(obj)
        validator = self._validators.get(key)
        if validator is None:
            schema = self.variant_schema(key)
            validator = self._validators[key] = jsonschema.validators.validator_for(schema)(schema)
        return described_errors(validator, obj)


def _parts_ok(c: Any) -> bool:
    return type(c) is list and all(type(p) is dict and "type" in p for p in c)


def _top_ok(obj: dict[str, Any]) -> bool:
    if "system" in obj and type(obj["system"]) is not str:
        return False
    return not ("tools" in obj and not isinstance(obj["tools"], (str, list)))


class ConversationFormat(_KeyedSchemas):
    name = "conversation"
    description = (
        'Chat turns under "conversation"/"conversations": [{"role", "content"}] or [{"from", "value"}]'
    )
    role_names = "system, user, assistant, tool"

    def sniff(self, obj: Any) -> bool:
        key = list_key(obj)
        if key is None or not isinstance(obj[key], list):
            return False
        keys = turn_keys(obj[key])
        if "from" in keys:
            return key == "conversation"  # the plural is ShareGPT's
        return bool({"role", "content"} & keys)

    def variant(self, obj: Any) -> tuple[str, ...]:
        key = list_key(obj) or "conversation"
        fields = (
            ("from", "value")
            if isinstance(obj, dict) and "from" in turn_keys(obj.get(key))
            else ("role", "content")
        )
        return (key, *fields)

    def variant_schema(self, variant: tuple[str, ...]) -> dict[str, Any]:
        key, role, content = variant
        turn = {
            "type": "object",
            "required": [role, content],
            "properties": {role: {"type": "string"}, content: _content_schema()},
        }
        return _record_schema(key, turn, f"conversation record ({key}: {role}/{content})")

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict or not _top_ok(obj):
            return False
        key, role, content = self.variant(obj)
        turns = obj.get(key)
        if type(turns) is not list or not turns:
            return False
        for m in turns:
            if type(m) is not dict or type(m.get(role)) is not str:
                return False
            c = m.get(content, 0)  # a missing content fails below
            if c is not None and type(c) is not str and not _parts_ok(c):
                return False
        return True

    def to_messages(self, obj: Any) -> list[Message]:
        if not isinstance(obj, dict):
            return []
        key, role, _content = self.variant(obj)
        out: list[Message] = []
        system = obj.get("system")
        if isinstance(system, str) and system:
            text_message("system", system, "/system", out)
        turns = obj.get(key)
        if role == "role":
            mapped = MessagesFormat().to_messages({"messages": turns})
            for m in rebase(mapped, "/messages", f"/{key}"):
                m.index = len(out)
                out.append(m)
            return out
        from sftlint.formats.sharegpt import ROLE_MAP

        return turns_to_messages(
            turns, f"/{key}", "from", "value", ROLE_MAP, out, frozenset({"function_call"})
        )


#: keys of one exchange: the user's side and the assistant's side
PAIR_USER_KEYS = ("human", "user", "input", "question")
PAIR_ASSISTANT_KEYS = ("assistant", "gpt", "output", "answer")


def _pair_keys(turns: Any) -> tuple[str, str]:
    keys = turn_keys(turns)
    user = next((k for k in PAIR_USER_KEYS if k in keys), "human")
    assistant = next((k for k in PAIR_ASSISTANT_KEYS if k in keys), "assistant")
    return user, assistant


class HumanAssistantFormat(_KeyedSchemas):
    name = "human-assistant"
    description = 'One object per exchange: {"conversation": [{"human", "assistant"}, ...]} (Firefly, MOSS)'
    role_names = "human, assistant"

    def sniff(self, obj: Any) -> bool:
        key = list_key(obj)
        if key is None or not isinstance(obj[key], list):
            return False
        keys = turn_keys(obj[key])
        return not ({"role", "from"} & keys) and "human" in keys and "assistant" in keys

    def variant(self, obj: Any) -> tuple[str, ...]:
        key = list_key(obj) or "conversation"
        turns = obj.get(key) if isinstance(obj, dict) else None
        return (key, *_pair_keys(turns))

    def variant_schema(self, variant: tuple[str, ...]) -> dict[str, Any]:
        key, user, assistant = variant
        turn = {
            "type": "object",
            "required": [user, assistant],
            "properties": {user: {"type": "string"}, assistant: {"type": "string"}},
        }
        return _record_schema(key, turn, f"human/assistant exchanges under {key}")

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict or not _top_ok(obj):
            return False
        key, user, assistant = self.variant(obj)
        turns = obj.get(key)
        if type(turns) is not list or not turns:
            return False
        return all(
            type(m) is dict and type(m.get(user)) is str and type(m.get(assistant)) is str for m in turns
        )

    def to_messages(self, obj: Any) -> list[Message]:
        if not isinstance(obj, dict):
            return []
        key, user, assistant = self.variant(obj)
        out: list[Message] = []
        system = obj.get("system")
        if isinstance(system, str) and system:
            text_message("system", system, "/system", out)
        turns = obj.get(key)
        if not isinstance(turns, list):
            return out
        for i, pair in enumerate(turns):
            if not isinstance(pair, dict):
                continue
            for side, role in ((user, "user"), (assistant, "assistant")):
                if side in pair:
                    text_message(role, pair[side], f"/{key}/{i}/{side}", out)
                    out[-1].pointer = f"/{key}/{i}"
        return out


__all__ = ["ConversationFormat", "HumanAssistantFormat", "list_key", "rebase"]
