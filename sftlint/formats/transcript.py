"""Conversations written as one transcript string, turns read back out of it.

- ``Human: …`` / ``Assistant: …``: Anthropic's HH-RLHF writes each preference side so
  (``"\\n\\nHuman: …\\n\\nAssistant: …"``), OpenAssistant-Guanaco (the QLoRA tutorials' set)
  whole records as ``{"text": "### Human: …### Assistant: …"}``;
- text already put through a chat template, as datasets prepared for TRL's text field are:
  ChatML (``<|im_start|>user\\n…<|im_end|>``), Llama 2 / Mistral (``<s>[INST] … [/INST] … </s>``),
  Llama 3, Gemma, Phi-3 / Zephyr / GLM, Vicuna and the Alpaca prompt
  (:mod:`sftlint.formats.chat_templates` describes each).

Each turn keeps the string's pointer, with its offset in it (:attr:`sftlint.record.Segment.base`),
so a finding's span is a span of the whole transcript.
"""

from __future__ import annotations

from typing import Any

from sftlint.formats.base import InputFormat
from sftlint.formats.chat_templates import template_of, template_turns
from sftlint.record import Message, Segment


def text_record_schema(title: str) -> dict[str, Any]:
    """The JSON Schema of a record that is one ``text`` string (a transcript, a document)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "required": ["text"],
        "properties": {"text": {"type": "string"}},
    }


def is_transcript(text: Any) -> bool:
    """Whether ``text`` is a transcript: ``Human:``/``Assistant:`` opening with the human, or a
    chat template's text."""
    return template_of(text) is not None


def transcript_messages(text: str, pointer: str) -> list[Message]:
    """The turns of a transcript string, each pointing into it."""
    out: list[Message] = []
    template = template_of(text)
    if template is None:
        return out
    for turn in template_turns(text, template):
        body = text[turn.start : turn.end]
        segment = Segment(pointer, 0, len(body), "text", turn.start)
        out.append(Message(turn.role, body, len(out), "", pointer, [segment], turn.raw_role, None))
    return out


class TranscriptFormat(InputFormat):
    name = "transcript"
    description = (
        'One templated string: {"text": "<|im_start|>user…"} (ChatML, Llama 2/3, Gemma, Phi-3, '
        'Vicuna, Alpaca prompt) or Guanaco\'s "### Human: …### Assistant: …"'
    )
    role_names = "the template's: system, user, assistant (Gemma's model), tool; Human, Assistant"

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        return text_record_schema("transcript record")

    def sniff(self, obj: Any) -> bool:
        return isinstance(obj, dict) and is_transcript(obj.get("text"))

    def quick_check(self, obj: Any) -> bool:
        return type(obj) is dict and type(obj.get("text")) is str and template_of(obj["text"]) is not None

    def schema_errors(self, obj: Any) -> list[tuple[str, str]]:
        """The schema's errors, and a ``text`` that no chat template wrote: in a file of
        templated conversations such a record has no turns to lint (cut before its first
        header, or another kind of text), so it is reported rather than passed over."""
        errors = super().schema_errors(obj)
        text = obj.get("text") if isinstance(obj, dict) else None
        if not errors and isinstance(text, str) and template_of(text) is None:
            errors.append(("/text", _untemplated(text)))
        return errors

    def to_messages(self, obj: Any) -> list[Message]:
        text = obj.get("text") if isinstance(obj, dict) else None
        return transcript_messages(text, "/text") if isinstance(text, str) else []


#: characters a text picks up unseen when files are joined (a byte-order mark, zero-width ones)
_INVISIBLE_LEAD = "\ufeff\u200b\u200c\u200d\u2060"


def _untemplated(text: str) -> str:
    """Why a record of a templated file holds no template's turns: an invisible character
    before the first marker (the template's opening is right after it), or no template at all."""
    stripped = text.lstrip(_INVISIBLE_LEAD + " \t\r\n")
    if stripped != text.lstrip() and template_of(stripped) is not None:
        lead = next(ch for ch in text if ch in _INVISIBLE_LEAD)
        return (
            f"text starts with an invisible U+{ord(lead):04X} before its chat template's first marker: "
            "the template is not recognised, and a tokenizer reads the character as a token; remove it"
        )
    return (
        "text holds no chat template's turns (no `<|im_start|>`, `[INST]`, "
        "`USER:` … `ASSISTANT:` or the like), unlike the file's other records"
    )
