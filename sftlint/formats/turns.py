"""Turning a list of turn objects into messages, whatever their keys are called.

Every conversational format is, underneath, a list of objects with a role key
and a content key (``role``/``content``, ``from``/``value``, or the names a
mapping gives).  :func:`turns_to_messages` maps such a list once, keeping each
message's pointers into the record, so the formats differ only in where the
list lives and what the keys and role values are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sftlint.formats.messages import TEXT_PART_TYPES, TOOL_CALL_PART_TYPES, part_type, parts_to_text
from sftlint.formats.weights import turn_weight
from sftlint.locate import escape_token
from sftlint.record import Message

#: prefix of a role value that a column mapping does not name (S002 reports the raw value)
UNMAPPED = "unmapped:"

#: role values most chat data uses, mapped to canonical roles
COMMON_ROLES: dict[str, str] = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "bot": "assistant",
    "model": "assistant",
    "tool": "tool",
    "function": "tool",
    "ipython": "tool",
    "observation": "tool",
    "function_call": "assistant",
}


def turns_to_messages(
    turns: Any,
    base: str,
    role_key: str,
    content_key: str,
    roles: Mapping[str, str],
    out: list[Message],
    call_roles: frozenset[str] = frozenset(),
    strict: bool = False,
) -> list[Message]:
    """Append the messages of ``turns`` (a list at pointer ``base``) to ``out``.

    A role not in ``roles`` keeps its raw value (S002 reports it); a missing or
    non-string role maps to ``""`` (S001 reports it).  Content may be a string,
    null (a turn that only calls tools) or a list of typed parts.  A turn whose
    raw role is in ``call_roles`` (ShareGPT's ``function_call``) is a tool call
    written as its content.  ``strict`` (a column mapping): only the values ``roles`` names
    are roles, so an unmapped ``"system"`` is unknown too.
    """
    if not isinstance(turns, list):
        return out
    rkey, ckey = escape_token(role_key), escape_token(content_key)
    for i, m in enumerate(turns):
        if type(m) is not dict:
            continue
        ptr = f"{base}/{i}"
        cptr = f"{ptr}/{ckey}"
        raw_role = m.get(role_key)
        if type(raw_role) is not str:
            role = ""
        elif strict:
            role = roles.get(raw_role) or UNMAPPED + raw_role
        else:
            role = roles.get(raw_role, raw_role)
        content = m.get(content_key)
        segments = None
        media = False
        calls = m.get("tool_calls")
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
        if type(raw_role) is str and raw_role in call_roles and type(content) is str and not calls:
            calls = [content]
        out.append(
            Message(
                role,
                text,
                len(out),
                ptr,
                cptr,
                segments,
                raw_role,
                f"{ptr}/{rkey}",
                calls if isinstance(calls, list) and calls else None,
                turn_weight(m) if len(m) > 2 else None,
                media,
            )
        )
    return out


def text_message(role: str, value: Any, pointer: str, out: list[Message], container: str = "") -> None:
    """Append a message whose content is one string field (``prompt``, ``output``) of the record
    or, given its ``container`` pointer, of an object inside it (XTuner's exchange)."""
    text = value if isinstance(value, str) else ""
    segments = None if isinstance(value, str) else []
    out.append(Message(role, text, len(out), container, pointer, segments, role, None))


def turn_keys(turns: Any) -> set[str]:
    """Keys of the turn objects of a list (the first few), for sniffing a layout."""
    keys: set[str] = set()
    if isinstance(turns, list):
        for m in turns[:4]:
            if isinstance(m, dict):
                keys.update(m)
    return keys
