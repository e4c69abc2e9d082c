"""Conversations written as one transcript string: ``Human: …`` / ``Assistant: …`` turns.

Anthropic's HH-RLHF writes each preference side so (``"\\n\\nHuman: …\\n\\nAssistant: …"``), and
OpenAssistant-Guanaco (the QLoRA tutorials' set) writes whole records as ``{"text": "### Human:
…### Assistant: …"}``.  The turns are read out of the string; each keeps the string's pointer,
with its offset in it (:attr:`sftlint.record.Segment.base`), so a finding's span is a span of the
whole transcript.
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


def is_transcript(text: Any) -> bool:
    """Whether ``text`` is a ``Human:``/``Assistant:`` transcript (it opens with the human)."""
    return isinstance(text, str) and TRANSCRIPT_START.match(text) is not None and "Assistant:" in text


def transcript_messages(text: str, pointer: str) -> list[Message]:
    """The turns of a transcript string, each pointing into it."""
    marks = list(_TURN.finditer(text))
    out: list[Message] = []
    for k, m in enumerate(marks):
        start = m.end()
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        body = text[start:end]
        segment = Segment(pointer, 0, len(body), "text", start)
        out.append(Message(_ROLES[m.group(1)], body, len(out), "", pointer, [segment], m.group(1), None))
    return out


class TranscriptFormat(InputFormat):
    name = "transcript"
    description = 'One transcript string: {"text": "### Human: …### Assistant: …"} (Guanaco)'
    role_names = "Human, Assistant"

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
