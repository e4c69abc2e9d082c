"""MOSS's conversations: ``{"meta_instruction", "num_turns", "chat": {"turn_1": {...}, ...}}``.

OpenLMLab's MOSS SFT data (the moss-003-sft set and the samples in the MOSS repository) writes
each turn as five fields, every one a string carrying its tag and end marker as the training
script concatenates them::

    "Human": "<|Human|>: …<eoh>\\n", "Inner Thoughts": "<|Inner Thoughts|>: …<eot>\\n",
    "Commands": "<|Commands|>: Search(\\"…\\")<eoc>\\n", "Tool Responses": "<|Results|>: …<eor>\\n",
    "MOSS": "<|MOSS|>: …<eom>\\n"

The reader takes the text between a field's tag and its end marker, pointing into the string
(:attr:`sftlint.record.Segment.base`), so a finding's span is a span of the field.  A field whose
text is ``None`` (no thought, no command, no result: how MOSS writes a turn without plugins)
is no turn.  ``meta_instruction`` is the system prompt; ``Human`` the user's turn; the inner
thoughts and the commands are the assistant's turn that calls a plugin, the results the tool's
turn, and ``MOSS`` the reply after them.  A turn that calls nothing is one assistant turn: the
thoughts, then the reply.

The plugins are MOSS's tools: ``meta_instruction`` declares each enabled one by its API
(``- Web search: enabled. API: Search(query)``, :func:`declared_apis`), the commands are a
comma-separated list of calls (``Search("a"), Calculate("2+3")``, :func:`parse_commands`) and
the results echo each call before its output (``Search("a") =>``, :func:`echoed_calls`), which
is how :mod:`sftlint.analysis.tools` pairs them.
"""

from __future__ import annotations

import re
from typing import Any

from sftlint.formats.base import InputFormat
from sftlint.locate import escape_token
from sftlint.record import Message, Segment

#: a turn's fields, in the order the training script joins them
FIELDS = ("Human", "Inner Thoughts", "Commands", "Tool Responses", "MOSS")
#: a field's tag at its start (``<|Human|>:``, ``<|Results|>:``) and the blank after it
_TAG = re.compile(r"<\|[^|<>\n]{1,40}\|>:[ \t]*\n?")
#: a field's end marker (``<eoh>``, ``<eot>``, ``<eoc>``, ``<eor>``, ``<eom>``) and what follows
_END = re.compile(r"<eo[a-z]>\s*")


def field_text(value: str) -> tuple[int, int]:
    """Where the text of a field lies in its string: after the tag, before the end marker and
    the blank before it (a field without them is all text, its trailing blank aside)."""
    tag = _TAG.match(value)
    start = tag.end() if tag else 0
    cut = value.rfind("<eo")
    end = cut if cut >= start and _END.fullmatch(value, cut) else len(value)
    end = len(value[:end].rstrip())
    return start, max(start, end)


#: a plugin's name where a call starts: the name, then its parenthesis
_CALL = re.compile(r"[ \t\r\n]*([A-Za-z_][\w.]*)\(")
#: an enabled plugin's API in the meta instruction: ``API: Search(query)``
_API = re.compile(r"\bAPI:[ \t]*([A-Za-z_][\w.]*)\(")
#: a result's echo of its call, at the start of a line: ``Calculate("2+3") => '5'``
_ECHO = re.compile(r"^[ \t]*(([A-Za-z_][\w.]*)\(.*?)[ \t]*=>", re.M)


def parse_commands(text: str) -> list[tuple[str, int, int]] | None:
    """The calls of a commands text, ``(name, start, end)`` each, written as MOSS's plugins parse
    them: ``Name(arguments)`` separated by commas, quoted arguments holding any bracket, a
    ``None`` item skipped.  None when the text is anything else (``None`` alone, prose, a
    numbered list): no call can be read."""
    calls: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        if i >= n:
            return calls or None
        if text.startswith("None", i) and not text[i + 4 : i + 5].strip(" \t\r\n,"):
            i += 4  # MOSS's "no command" written as an item of the list: Search("…"), None
            continue
        m = _CALL.match(text, i)
        if m is None:
            return None
        j, depth, quote = m.end(), 1, ""
        while j < n and depth:
            ch = text[j]
            if quote:
                if ch == "\\":
                    j += 1
                elif ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            j += 1
        if depth:
            return None
        calls.append((m.group(1), m.start(1), j))
        i = j


def declared_apis(meta: str) -> dict[str, tuple[int, int]]:
    """The plugins the meta instruction enables, each with the span of its name there."""
    return {m.group(1): m.span(1) for m in _API.finditer(meta)}


def echoed_calls(results: str) -> list[tuple[str, str]]:
    """``(name, call as echoed)`` for each call the results text answers by echoing it."""
    return [(m.group(2), m.group(1).strip()) for m in _ECHO.finditer(results)]


def _turns(obj: Any) -> dict[str, Any] | None:
    chat = obj.get("chat") if type(obj) is dict else None
    return chat if type(chat) is dict else None


class MossFormat(InputFormat):
    name = "moss"
    description = 'MOSS: {"meta_instruction", "chat": {"turn_1": {"Human", "Inner Thoughts", "Commands", "Tool Responses", "MOSS"}}}'
    role_names = "Human, Inner Thoughts, Commands, Tool Responses, MOSS (the fields of a turn)"

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "MOSS record",
            "type": "object",
            "required": ["chat"],
            "properties": {
                "meta_instruction": {"type": "string"},
                "chat": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": {
                        "type": "object",
                        "required": ["Human", "MOSS"],
                        "properties": {f: {"type": "string"} for f in FIELDS},
                    },
                },
            },
        }

    def sniff(self, obj: Any) -> bool:
        turns = _turns(obj)
        if not turns:
            return False
        first = next(iter(turns.values()))
        return type(first) is dict and ("Human" in first or "MOSS" in first)

    def quick_check(self, obj: Any) -> bool:
        turns = _turns(obj)
        if not turns or ("meta_instruction" in obj and type(obj["meta_instruction"]) is not str):
            return False
        for turn in turns.values():
            if type(turn) is not dict or "Human" not in turn or "MOSS" not in turn:
                return False
            if any(type(turn[f]) is not str for f in FIELDS if f in turn):
                return False
        return True

    def to_messages(self, obj: Any) -> list[Message]:
        turns = _turns(obj)
        if turns is None:
            return []
        out: list[Message] = []
        system = obj.get("meta_instruction")
        if isinstance(system, str) and system:
            out.append(Message("system", system, 0, "", "/meta_instruction", None, "meta_instruction", None))
        for key, turn in turns.items():
            if not isinstance(turn, dict):
                continue
            where = f"/chat/{escape_token(str(key))}"
            parts = {}
            for f in FIELDS:
                value = turn.get(f)
                if isinstance(value, str):
                    start, end = field_text(value)
                    kind = "reasoning" if f == "Inner Thoughts" else "text"
                    parts[f] = (f"{where}/{escape_token(f)}", value[start:end], start, kind)
            human = parts.get("Human")
            if human is not None:
                out.append(_message("user", [human], len(out), "Human"))
            said = {f: p for f, p in parts.items() if p[1].strip() != "None"}
            thoughts, command, results = (
                said.get(f) for f in ("Inner Thoughts", "Commands", "Tool Responses")
            )
            reply = parts.get("MOSS")
            if command is not None or results is not None:
                call = [p for p in (thoughts, command) if p is not None]
                if call:
                    calls = [command[1]] if command is not None else None
                    out.append(_message("assistant", call, len(out), "Commands", calls))
                if results is not None:
                    out.append(_message("tool", [results], len(out), "Tool Responses"))
                if reply is not None:
                    out.append(_message("assistant", [reply], len(out), "MOSS"))
            else:
                said_parts = [p for p in (thoughts, reply) if p is not None]
                if said_parts:
                    out.append(_message("assistant", said_parts, len(out), "MOSS"))
        return out


def _message(
    role: str,
    parts: list[tuple[str, str, int, str]],
    index: int,
    raw_role: str,
    calls: list[Any] | None = None,
) -> Message:
    """One turn made of fields (each ``(pointer, text, offset of the text in its string, kind)``:
    the inner thoughts are a ``reasoning`` segment), their texts joined by newlines."""
    texts: list[str] = []
    segments: list[Segment] = []
    offset = 0
    for pointer, text, base, kind in parts:
        if texts:
            offset += 1
        segments.append(Segment(pointer, offset, len(text), kind, base))
        texts.append(text)
        offset += len(text)
    first = parts[0][0]
    return Message(role, "\n".join(texts), index, "", first, segments, raw_role, first, calls)
