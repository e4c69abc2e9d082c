"""ShareGPT records: ``{"conversations": [{"from", "value"}], "system", "tools"}``.

Roles follow LLaMA-Factory's defaults: ``human`` -> user, ``gpt`` -> assistant,
``function_call`` -> an assistant turn that calls a tool, ``observation`` -> the
tool's result.
"""

from __future__ import annotations

from typing import Any

from sftlint.formats.base import InputFormat
from sftlint.formats.string_turns import string_list_key
from sftlint.formats.turns import turn_keys
from sftlint.formats.weights import turn_weight
from sftlint.record import Message

ROLE_MAP = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "model": "assistant",
    "system": "system",
    "function_call": "assistant",
    "observation": "tool",
    "function": "tool",
    "tool": "tool",
}


class ShareGPTFormat(InputFormat):
    name = "sharegpt"
    description = 'ShareGPT: {"conversations": [{"from", "value"}], "system", "tools"}'
    schema_file = "sharegpt.schema.json"
    role_names = "human, gpt, system, function_call, observation"

    def sniff(self, obj: Any) -> bool:
        if not (isinstance(obj, dict) and isinstance(obj.get("conversations"), list)):
            return False
        # role/content turns, human/assistant exchanges and plain strings (LIMA) under
        # "conversations" are other formats'
        if string_list_key(obj) == "conversations":
            return False
        keys = turn_keys(obj["conversations"])
        return not keys or "from" in keys or "value" in keys or not ({"role", "content", "human"} & keys)

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict:
            return False
        conv = obj.get("conversations")
        if type(conv) is not list or not conv:
            return False
        if "system" in obj and type(obj["system"]) is not str:
            return False
        if "tools" in obj and not isinstance(obj["tools"], (str, list)):
            return False
        for m in conv:
            if type(m) is not dict or type(m.get("from")) is not str or type(m.get("value")) is not str:
                return False
        return True

    def to_messages(self, obj: Any) -> list[Message]:
        if not isinstance(obj, dict):
            return []
        out: list[Message] = []
        system = obj.get("system")
        if isinstance(system, str) and system:
            out.append(Message("system", system, 0, "", "/system", None, "system", None))
        conv = obj.get("conversations")
        if not isinstance(conv, list):
            return out
        for i, m in enumerate(conv):
            if not isinstance(m, dict):
                continue
            ptr = f"/conversations/{i}"
            raw_role = m.get("from")
            role = ROLE_MAP.get(raw_role, raw_role) if isinstance(raw_role, str) else ""
            value = m.get("value")
            vptr = ptr + "/value"
            text = value if isinstance(value, str) else ""
            segments = None if isinstance(value, str) else []
            calls = [value] if raw_role == "function_call" else None
            weight = turn_weight(m) if len(m) > 2 else None  # axolotl's sharegpt: "weight": 0 masks a turn
            out.append(
                Message(role, text, len(out), ptr, vptr, segments, raw_role, ptr + "/from", calls, weight)
            )
        return out
