"""OpenAI / TRL ``messages`` records.

``content`` may be a string, ``null`` (an assistant turn that only calls
tools, in ``tool_calls`` or the legacy ``function_call``) or a list of typed
parts (``{"type": "text", "text": ...}``; LLaMA-Factory writes ``"value"``
instead of ``"text"``).  Text-like parts are joined with a newline into
``Message.content``; segments keep each part's pointer.  API exports write
``"tool_calls": null`` on turns that call nothing: that is not a violation.

ms-swift's agent format writes each call as its own turn, ``{"role": "tool_call",
"content": "{\"name\": ..., \"arguments\": ...}"}``, and each result as ``{"role":
"tool_response"}``; parallel calls are consecutive ``tool_call`` turns, and an assistant turn
may think before them.  A ``tool_call`` turn is an assistant turn whose content is its call
(as ShareGPT's ``function_call``); ``tool_response`` is a tool result.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, ClassVar

from sftlint.formats.base import InputFormat
from sftlint.formats.weights import turn_weight
from sftlint.record import Message, Segment

#: roles as written -> canonical roles
ROLE_MAP = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "function": "tool",
    "ipython": "tool",
    "tool_call": "assistant",  # ms-swift: one call per turn, the call as its content
    "tool_response": "tool",  # ms-swift
}

#: the raw role of a turn whose content is one tool call (ms-swift's agent format)
CALL_ROLE = "tool_call"


#: part types whose text is conversational content (others: images, tool calls)
TEXT_PART_TYPES = {"text", "reasoning", "thinking", "input_text", "output_text", "refusal"}
#: part types that are a tool call written inside the content (LLaMA-Factory)
TOOL_CALL_PART_TYPES = {"tool_call", "function_call"}


def part_type(part: dict[str, Any], default: str | None = None) -> str | None:
    """A part's ``type`` when it is a string; anything else (a list, a number) is no known type
    (S001 reports it) and must not be used as a set member."""
    value = part.get("type", default)
    return value if isinstance(value, str) else "(invalid)"


def parts_to_text(parts: list[Any], pointer: str) -> tuple[str, list[Segment]]:
    """Join the text of typed content parts; non-text parts (images, tool calls) are skipped."""
    texts: list[str] = []
    segments: list[Segment] = []
    offset = 0
    for k, part in enumerate(parts):
        if not isinstance(part, dict) or part_type(part, "text") not in TEXT_PART_TYPES:
            continue
        key = (
            "text"
            if isinstance(part.get("text"), str)
            else "value"
            if isinstance(part.get("value"), str)
            else None
        )
        if key is None:
            continue
        text = part[key]
        if texts:
            offset += 1  # the joining newline
        segments.append(Segment(f"{pointer}/{k}/{key}", offset, len(text), str(part.get("type", "text"))))
        texts.append(text)
        offset += len(text)
    return "\n".join(texts), segments


class MessagesFormat(InputFormat):
    name = "messages"
    description = 'OpenAI/TRL chat: {"messages": [{"role", "content"}, ...]}'
    schema_file = "messages.schema.json"

    def sniff(self, obj: Any) -> bool:
        return isinstance(obj, dict) and isinstance(obj.get("messages"), list)

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict:
            return False
        msgs = obj.get("messages")
        if type(msgs) is not list or not msgs:
            return False
        tools = obj.get("tools", [])
        if not isinstance(tools, (list, str)):
            return False
        return _messages_ok(msgs)

    def to_messages(self, obj: Any) -> list[Message]:
        msgs = obj.get("messages") if isinstance(obj, dict) else None
        if not isinstance(msgs, list):
            return []
        return _to_messages(msgs, _POINTERS, _pointers)


def _messages_ok(msgs: list[Any]) -> bool:
    """The quick check of a message list (True implies the schema's ``messages`` items hold)."""
    for m in msgs:
        if type(m) is not dict or type(m.get("role")) is not str:
            return False
        if len(m) == 2 and type(m.get("content")) is str:
            continue  # the common case: {"role", "content"}
        content = m.get("content")
        if content is not None and type(content) is not str:
            if type(content) is not list:
                return False
            for part in content:
                if type(part) is not dict or type(part.get("type")) is not str:
                    return False
                for key in ("text", "value"):
                    if key in part and type(part[key]) is not str:
                        return False
        for key in ("name", "tool_call_id"):
            if key in m and type(m[key]) is not str:
                return False
        calls = m.get("tool_calls")
        if calls is not None and (type(calls) is not list or any(type(c) is not dict for c in calls)):
            return False
        call = m.get("function_call")
        if call is not None and type(call) is not dict:
            return False
    return True


def _to_messages(
    msgs: list[Any], table: list[tuple[str, str, str]], pointers: Callable[[int], tuple[str, str, str]]
) -> list[Message]:
    """The messages of a list of OpenAI turns; ``table``/``pointers``: where turn ``i`` is."""
    n_table = len(table)
    out: list[Message] = []
    append = out.append
    for i, m in enumerate(msgs):
        if type(m) is not dict:
            continue
        ptr, cptr, rptr = table[i] if i < n_table else pointers(i)
        raw_role = m.get("role")
        # A missing or non-string role maps to "" (S001 reports it; S002 only
        # judges string roles).
        role = ROLE_MAP.get(raw_role, raw_role) if type(raw_role) is str else ""
        content = m.get("content")
        if len(m) == 2 and type(content) is str:  # the common {"role", "content"} case
            calls = [content] if raw_role == CALL_ROLE else None
            append(Message(role, content, len(out), ptr, cptr, None, raw_role, rptr, calls))
            continue
        segments = None
        media = False
        calls = m.get("tool_calls")
        if not calls and type(m.get("function_call")) is dict:
            calls = [m["function_call"]]  # the legacy OpenAI shape: one call, answered by role "function"
        if not calls and raw_role == CALL_ROLE and type(content) is str:
            calls = [content]
        if type(content) is str:
            text = content
        elif type(content) is list:
            text, segments = parts_to_text(content, cptr)
            if not calls:
                calls = [p for p in content if isinstance(p, dict) and part_type(p) in TOOL_CALL_PART_TYPES]
            media = any(
                isinstance(p, dict) and part_type(p) not in TEXT_PART_TYPES | TOOL_CALL_PART_TYPES
                for p in content
            )
        else:
            text, segments = "", []
        append(
            Message(
                role,
                text,
                len(out),
                ptr,
                cptr,
                segments,
                raw_role,
                rptr,
                calls if isinstance(calls, list) and calls else None,
                turn_weight(m) if len(m) > 2 else None,
                media,
            )
        )
    return out


def _pointers(i: int) -> tuple[str, str, str]:
    """The pointers of message ``i``, of its content and of its role."""
    p = f"/messages/{i}"
    return p, p + "/content", p + "/role"


#: Built once: a record's messages reuse these strings instead of building three per message.
_N_POINTERS = 256
_POINTERS = [_pointers(i) for i in range(_N_POINTERS)]


def _list_pointers(i: int) -> tuple[str, str, str]:
    """The pointers of turn ``i`` of a record that is the message list itself."""
    p = f"/{i}"
    return p, p + "/content", p + "/role"


_LIST_POINTERS = [_list_pointers(i) for i in range(_N_POINTERS)]


class MessageListFormat(InputFormat):
    """A record that is the message list itself: ``[{"role", "content"}, ...]`` on each line.

    xtuner v1 reads a line that is a bare list of OpenAI messages as one conversation, as it
    reads ``{"messages": [...]}`` (``sft_tokenize_fn/openai.py``; its install guide trains on
    such a file).  The turns are read as the ``messages`` format reads them; the pointers name
    the turns of the list (``/0/content``).  An object record of such a file is read as the
    ``messages`` format reads it (xtuner takes both).  Only a file whose first records are such
    lists is read so: a stray array among object records is still J002's.
    """

    name = "message-list"
    description = 'a bare list of OpenAI messages per record (xtuner v1): [{"role", "content"}, ...]'
    record_type: ClassVar[type] = list

    def sniff(self, obj: Any) -> bool:
        return (
            isinstance(obj, list)
            and bool(obj)
            and all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in obj)
            and any("content" in m for m in obj)
        )

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is dict:
            return _OBJECTS.quick_check(obj)
        return type(obj) is list and bool(obj) and _messages_ok(obj)

    def schema_errors(self, obj: Any) -> list[tuple[str, str]]:
        return _OBJECTS.schema_errors(obj) if type(obj) is dict else super().schema_errors(obj)

    @cached_property
    def schema(self) -> dict[str, Any] | None:
        turns = _OBJECTS.schema["properties"]["messages"]  # type: ignore[index]
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "A bare list of OpenAI / TRL chat messages",
            **turns,
        }

    def to_messages(self, obj: Any) -> list[Message]:
        if isinstance(obj, dict):
            return _OBJECTS.to_messages(obj)
        if not isinstance(obj, list):
            return []
        return _to_messages(obj, _LIST_POINTERS, _list_pointers)


#: How a ``message-list`` file's object records are read.
_OBJECTS = MessagesFormat()
