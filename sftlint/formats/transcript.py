"""Conversations written as one transcript string, turns read back out of it.

- ``Human: …`` / ``Assistant: …``: Anthropic's HH-RLHF writes each preference side so
  (``"\\n\\nHuman: …\\n\\nAssistant: …"``), OpenAssistant-Guanaco (the QLoRA tutorials' set)
  whole records as ``{"text": "### Human: …### Assistant: …"}``;
- ChatML, text already put through a chat template (``<|im_start|>user\\n…<|im_end|>``), as
  datasets prepared for Qwen and for TRL's text field are.

Each turn keeps the string's pointer, with its offset in it (:attr:`sftlint.record.Segment.base`),
so a finding's span is a span of the whole transcript.
"""

from __future__ import annotations

import re
from typing import Any

from sftlint.formats.base import InputFormat
from sftlint.record import Message, Segment

#: a transcript opens with the human's turn
TRANSCRIPT_START = re.compile(r"\s*(?:###\s*)?Human:")
#: where a turn starts: the text's start, a blank line or ``###``, then the speaker
_TURN = re.compile(r"(?:\A\s*(?:###\s*)?|\n\n(?:###\s*)?|###\s*)(Human|Assistant):[ \t]?")
_ROLES = {"Human": "user", "Assistant": "assistant"}


#: a ChatML turn: its role line, then its text up to ``<|im_end|>`` (or the end of the string)
_CHATML_START = re.compile(r"\s*<\|im_start\|>")
_CHATML_TURN = re.compile(r"<\|im_start\|>([^\n<]*)\n(.*?)(?:<\|im_end\|>|(?=<\|im_start\|>)|\Z)", re.S)
_CHATML_ROLES = {"system": "system", "user": "user", "assistant": "assistant", "tool": "tool"}


def is_transcript(text: Any) -> bool:
    """Whether ``text`` is a transcript: ``Human:``/``Assistant:`` opening with the human, or ChatML."""
    if not isinstance(text, str):
        return False
    if _CHATML_START.match(text) is not None:
        return True
    return TRANSCRIPT_START.match(text) is not None and "Assistant:" in text


def transcript_messages(text: str, pointer: str) -> list[Message]:
    """The turns of a transcript string, each pointing into it."""
    out: list[Message] = []

    def add(raw_role: str, role: str, start: int, end: int) -> None:
        body = text[start:end]
        segment = Segment(pointer, 0, len(body), "text", start)
        out.append(Message(role, body, len(out), "", pointer, [segment], raw_role, None))

    if _CHATML_START.match(text) is not None:
        for m in _CHATML_TURN.finditer(text):
            raw = m.group(1).strip()
            add(raw, _CHATML_ROLES.get(raw, raw), m.start(2), m.end(2))
        return out
    marks = list(_TURN.finditer(text))
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        add(m.group(1), _ROLES[m.group(1)], m.end(), end)
    return out


class TranscriptFormat(InputFormat):
    name = "transcript"
    description = 'One transcript string: {"text": "### Human: …### Assistant: …"} (Guanaco) or ChatML'
    role_names = "Human, Assistant; ChatML's system, user, assistant, tool"

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "transcript record",
            "type": "object",
            "required": ["text"],
            "properties": {"text": {"type": "string"}},
        }

    def sniff(self, obj: Any) -> bool:
        return isinstance(obj, dict) and is_transcript(obj.get("text"))

    def quick_check(self, obj: Any) -> bool:
        return type(obj) is dict and type(obj.get("text")) is str

    def to_messages(self, obj: Any) -> list[Message]:
        text = obj.get("text") if isinstance(obj, dict) else None
        return transcript_messages(text, "/text") if isinstance(text, str) else []
