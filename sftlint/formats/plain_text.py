"""TRL's *language modeling* records: ``{"text": "..."}`` holding a document, not a chat.

TRL's SFTTrainer trains on such a dataset as it is (its ``dataset_text_field``), and so do
continued-pretraining and completion setups: every token is learned.  The text is one
message in the assistant's role, since the model learns to write all of it, so the text
rules (typos, garbled text, template tokens, duplicates) judge it as they judge a reply.
A text written with a chat template is a transcript instead
(:mod:`sftlint.formats.transcript`), whose turns are read out of it.

A document has no turns, so the rules of turn order (S004: "starts with the assistant")
do not apply; :attr:`InputFormat.conversational` says so.
"""

from __future__ import annotations

from typing import Any

from sftlint.formats.base import InputFormat
from sftlint.formats.transcript import is_transcript, text_record_schema
from sftlint.formats.turns import text_message
from sftlint.record import Message


class PlainTextFormat(InputFormat):
    name = "text"
    description = 'TRL language modeling: {"text": "..."} without chat markup, one document learned whole'
    role_names = "none: the text is one document"
    conversational = False

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        return text_record_schema("text record")

    def sniff(self, obj: Any) -> bool:
        return isinstance(obj, dict) and isinstance(obj.get("text"), str) and not is_transcript(obj["text"])

    def quick_check(self, obj: Any) -> bool:
        return type(obj) is dict and type(obj.get("text")) is str

    def to_messages(self, obj: Any) -> list[Message]:
        out: list[Message] = []
        if isinstance(obj, dict) and "text" in obj:
            text_message("assistant", obj["text"], "/text", out)
            out[0].raw_role = None  # the role is the format's, not written in the record
        return out
