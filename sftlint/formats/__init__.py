"""Built-in input formats, registered as a plugin through the ``sftlint`` entry point."""

from __future__ import annotations

from typing import Any

from sftlint.formats.alpaca import AlpacaFormat
from sftlint.formats.base import InputFormat
from sftlint.formats.conversation import ConversationFormat, HumanAssistantFormat
from sftlint.formats.messages import MessageListFormat, MessagesFormat
from sftlint.formats.moss import MossFormat
from sftlint.formats.pairs import InputOutputFormat, PreferenceFormat, PromptCompletionFormat
from sftlint.formats.plain_text import PlainTextFormat
from sftlint.formats.query_response import QueryResponseFormat
from sftlint.formats.sharegpt import ShareGPTFormat
from sftlint.formats.string_turns import StringTurnsFormat
from sftlint.formats.transcript import TranscriptFormat
from sftlint.formats.xtuner import XTunerFormat
from sftlint.hookspecs import hookimpl

__all__ = [
    "AlpacaFormat",
    "ConversationFormat",
    "HumanAssistantFormat",
    "InputFormat",
    "InputOutputFormat",
    "MessageListFormat",
    "MessagesFormat",
    "MossFormat",
    "PlainTextFormat",
    "PreferenceFormat",
    "PromptCompletionFormat",
    "QueryResponseFormat",
    "ShareGPTFormat",
    "StringTurnsFormat",
    "TranscriptFormat",
    "XTunerFormat",
    "detect",
]

#: Preference when several formats claim the same sample (preference data also has a prompt
#: list that messages/sharegpt would claim).
PRIORITY = (
    "preference",
    "messages",
    "message-list",
    "sharegpt",
    "conversation",
    "human-assistant",
    "xtuner",
    "prompt-completion",
    "input-output",
    "query-response",
    "string-turns",
    "moss",
    "transcript",
    "alpaca",
    "text",
)


def detect(sample: list[Any], formats: dict[str, InputFormat]) -> str | None:
    """The format that claims most records of ``sample`` (ties: PRIORITY, then name).

    A format is asked only about records of its JSON type (an object; ``message-list``: an
    array): a plugin's ``sniff`` that reads keys never meets an array."""
    best: tuple[int, int, str] | None = None
    order = {name: k for k, name in enumerate(PRIORITY)}
    for name, fmt in formats.items():
        kind = getattr(fmt, "record_type", dict)
        try:
            votes = sum(1 for obj in sample if type(obj) is kind and fmt.sniff(obj))
        except Exception:
            continue
        if votes == 0:
            continue
        key = (-votes, order.get(name, len(PRIORITY)), name)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def looks_like_record(obj: Any) -> bool:
    """Whether some installed input format claims ``obj`` (a lone ``.json`` object found by a walk)."""
    from sftlint.plugins import default_registry

    for fmt in default_registry().formats.values():
        try:
            if fmt.sniff(obj):
                return True
        except Exception:
            continue
    return False


def wrapped_record_keys(obj: Any) -> list[str]:
    """The keys of a JSON document's lists of records, when the document is not a record
    itself: ``{"version": "1.0", "data": [{"instruction": ...}, ...]}`` (what
    ``datasets.load_dataset("json", field="data")`` reads) or ``{"train": [...], "test": [...]}``.
    A list counts when its first element is an object some installed format claims."""
    if not isinstance(obj, dict) or looks_like_record(obj):
        return []
    return [
        key
        for key, value in obj.items()
        if isinstance(value, list) and value and isinstance(value[0], dict) and looks_like_record(value[0])
    ]


@hookimpl
def sftlint_input_formats() -> list[InputFormat]:
    return [
        MessagesFormat(),
        MessageListFormat(),
        ShareGPTFormat(),
        AlpacaFormat(),
        ConversationFormat(),
        HumanAssistantFormat(),
        XTunerFormat(),
        PromptCompletionFormat(),
        InputOutputFormat(),
        QueryResponseFormat(),
        StringTurnsFormat(),
        MossFormat(),
        TranscriptFormat(),
        PlainTextFormat(),
        PreferenceFormat(),
    ]


@hookimpl(trylast=True)
def sftlint_detect_format(sample: list[Any], path: str, formats: dict[str, InputFormat]) -> str | None:
    return detect(sample, formats)
