"""Conversations written as lists of strings: UltraChat's ``{"id", "data": [...]}``, LIMA's
``{"conversations": [...], "source"}``, and lists whose strings open with a speaker's tag.

The conversation is a list of plain strings.  Untagged, they are the user's and the assistant's
turns in turn, the user first (stingning/ultrachat, the set UltraLM and Zephyr were tuned on;
GAIR/lima).  Tagged, each string names its speaker before its text: ``[客户] …`` / ``[律师] …``
(lawyer-llama's multi-turn counsel data), ``[Human] …``, ``User: …`` / ``Assistant: …``,
``患者：…`` / ``医生：…``.  A tagged list may sit under ``history`` and the other keys of
:data:`TAGGED_KEYS` too, beside fields the format does not read (lawyer-llama's ``query``,
which repeats the first question as the retrieval query, and ``laws``, the articles retrieved for
it, which the file does not say how a prompt joins to the turns).

Which tag is the user's is decided from the record itself, never from a list of known pairs:

1. the tags' words, where they are common role words (``User``, ``Human``, ``用户``, ``Assistant``,
   ``助手``, ``客服``, ``医生``, ``System``: :data:`ROLE_WORDS`); one known word decides both
   speakers;
2. otherwise the speaker who opens the conversation is the user, and the other the assistant.

A list is read by its tags only when every string carries one and they name two speakers (and,
first, at most one system prompt); a list where only some strings carry a tag, or three
speakers' tags, is not mangled: under ``data``/``conversations`` it is read by position as
before, under the other keys it is S001's (the string that breaks the pattern, at its pointer).

Each turn keeps its own pointer (``/data/3``, ``/history/3``); a tagged turn's text is the string
after its tag (:attr:`sftlint.record.Segment.base`), so a finding's span is a span of the whole
string, past the tag.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from sftlint.formats.alpaca import joined_message
from sftlint.formats.base import InputFormat
from sftlint.record import Message, Segment

#: where a list of turns may be, tagged or not
TURNS_KEYS = ("data", "conversations")
#: where a list of turns may be when its strings carry speaker tags (untagged, such a list is
#: another layout's: Alpaca's and query-response's ``history`` holds ``[query, response]`` pairs)
TAGGED_KEYS = ("history", "conversation", "dialogue", "dialog", "turns")
#: keys that make a record another format's (their ``history`` is theirs)
OTHER_FORMATS = frozenset(
    {"instruction", "output", "response", "answer", "completion", "chosen", "messages", "text"}
)

#: A speaker's tag at the start of a string: a name in brackets, ``[客户]``, ``【用户】``, ``[GPT4]``
#: (optionally followed by a colon; ``[1]`` is a footnote), or a word of letters followed by a
#: colon: ``User:``, ``患者：``, ``AI Assistant:`` (``Step 1:`` and ``https://`` are no tags);
#: then the white space before the text.
_TAG = re.compile(
    r"(?:\[(?P<b>[^\W\d_][\w .-]{0,19})\]|【(?P<c>[^\W\d_][\w .-]{0,19})】)[:：]?[ \t]*\n?[ \t]*"
    r"|(?P<w>[^\W\d_](?:[^\W\d_]|[ ._-](?=[^\W\d_])){0,19})[:：](?!//)[ \t]*\n?[ \t]*"
)

#: Common role words (lower case), the evidence a tag's own word gives.  A speaker whose word
#: is not here takes its role from the conversation (who opens it).
ROLE_WORDS: dict[str, str] = {
    **dict.fromkeys(("system", "系统", "系统提示"), "system"),
    **dict.fromkeys(
        (
            "user", "human", "customer", "client", "patient", "student", "questioner", "question",
            "q", "instruction", "用户", "人类", "客户", "顾客", "患者", "病人", "来访者", "咨询者",
            "提问者", "学生", "问", "问题", "提问",
        ),
        "user",
    ),
    **dict.fromkeys(
        (
            "assistant", "ai", "bot", "chatbot", "gpt", "chatgpt", "model", "agent", "answer", "a",
            "response", "doctor", "lawyer", "teacher", "counselor", "therapist", "助手", "ai助手",
            "智能助手", "客服", "医生", "律师", "老师", "咨询师", "心理咨询师", "机器人", "模型", "答",
            "回答",
        ),
        "assistant",
    ),
}  # fmt: skip


class Tagged(NamedTuple):
    """One string split at its tag: the speaker's word and where its text starts."""

    speaker: str
    start: int


def split_tag(text: str) -> Tagged | None:
    """The speaker tag opening ``text``, if it opens with one."""
    m = _TAG.match(text)
    if m is None:
        return None
    word = m.group("b") or m.group("c") or m.group("w")
    word = word.strip()
    return Tagged(word, m.end()) if word else None


def role_word(speaker: str) -> str | None:
    """The role a speaker's word names, if it is a common role word (:data:`ROLE_WORDS`); a
    name of several words is known by its last (``AI Assistant``, ``Human User``)."""
    word = speaker.lower()
    return ROLE_WORDS.get(word) or ROLE_WORDS.get(word.rsplit(None, 1)[-1])


def speaker_roles(speakers: list[str]) -> dict[str, str] | None:
    """The role of each speaker of a conversation (``speakers``: each string's, in order), or
    None when its tags do not read as one user and one assistant (a third speaker, a system tag
    after the opening, a list of several strings with one speaker)."""
    order = list(dict.fromkeys(speakers))
    roles: dict[str, str] = {}
    if role_word(order[0]) == "system":
        if speakers.count(order[0]) > 1:
            return None
        roles[order[0]] = "system"
        order = order[1:]
    if len(order) > 2 or (not order and roles) or (len(order) < 2 and len(speakers) - len(roles) > 1):
        return None
    known = [role_word(s) for s in order]
    if "system" in known:
        return None  # a system prompt after the conversation has begun
    if len(order) == 2 and known[0] != known[1]:
        # the tags' own words (user and assistant, or one of them known): they decide both speakers
        mine = known[0] or ("assistant" if known[1] == "user" else "user")
        roles[order[0]] = mine
        roles[order[1]] = "assistant" if mine == "user" else "user"
    else:
        # no word decides (none known, or both the same role): the one who opens is the user
        roles[order[0]] = known[0] if len(order) == 1 and known[0] in ("user", "assistant") else "user"
        if len(order) == 2:
            roles[order[1]] = "assistant"
    return roles


def speaker_turns(turns: list[Any], alone: bool = True) -> list[tuple[str, str, int]] | None:
    """``(role, speaker, text start)`` of each string of ``turns`` read by its speaker tag, or
    None when the list is not a tagged conversation (a string without a tag, a non-string,
    tags that name no user and assistant: :func:`speaker_roles`).  ``alone``: whether one tagged
    string is a conversation (not under UltraChat's ``data``, whose strings are read by position:
    one string that opens with ``Note:`` is no speaker's)."""
    if not turns or (not alone and len(turns) < 2):
        return None
    tagged = []
    for text in turns:
        if type(text) is not str:
            return None
        tag = split_tag(text)
        if tag is None:
            return None
        tagged.append(tag)
    roles = speaker_roles([t.speaker for t in tagged])
    if roles is None:
        return None
    return [(roles[t.speaker], t.speaker, t.start) for t in tagged]


def string_list_key(obj: object) -> str | None:
    """The key of ``obj``'s list of string turns, if it has one: a list under ``data`` or
    ``conversations`` whose first items are strings, or a list of speaker-tagged strings under
    a key of :data:`TAGGED_KEYS` in a record of no other format."""
    if not isinstance(obj, dict):
        return None
    for key in TURNS_KEYS:
        turns = obj.get(key)
        if isinstance(turns, list) and turns and all(isinstance(t, str) for t in turns[:4]):
            return key
    key = _tagged_key(obj)
    if key is not None and speaker_turns(obj[key]) is not None:
        return key
    return None


def _tagged_key(obj: dict[str, Any]) -> str | None:
    """The key of :data:`TAGGED_KEYS` whose list of strings ``obj`` holds (tagged or not)."""
    if OTHER_FORMATS & obj.keys():
        return None
    for key in TAGGED_KEYS:
        turns = obj.get(key)
        if type(turns) is list and turns and type(turns[0]) is str:
            return key
    return None


class StringTurnsFormat(InputFormat):
    name = "string-turns"
    description = (
        'UltraChat / LIMA: {"data" or "conversations": ["user turn", "assistant turn", ...]}; '
        'speaker-tagged strings: {"history": ["[客户] …", "[律师] …"]}'
    )
    role_names = "user, assistant (by position, or by the strings' speaker tags)"

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        # a list under TAGGED_KEYS is checked by schema_errors (its strings' tags)
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "string-turns record",
            "type": "object",
            "anyOf": [{"required": [k]} for k in (*TURNS_KEYS, *TAGGED_KEYS)],
            "properties": {
                k: {"type": "array", "minItems": 1, "items": {"type": "string"}} for k in TURNS_KEYS
            },
        }

    def sniff(self, obj: Any) -> bool:
        return string_list_key(obj) is not None

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict:
            return False
        key = string_list_key(obj)
        if key is None:
            return False
        turns = obj[key]
        return all(type(t) is str for t in turns) and all(
            type(obj[k]) is list for k in TURNS_KEYS if k in obj and k != key
        )

    def schema_errors(self, obj: Any) -> list[tuple[str, str]]:
        """The schema's errors, and a list under ``history`` (or another key of
        :data:`TAGGED_KEYS`) that is no tagged conversation: read by position it would be
        mangled (an untagged string taken for a turn of the wrong speaker), so it is reported."""
        errors = super().schema_errors(obj)
        if errors or not isinstance(obj, dict) or any(k in obj for k in TURNS_KEYS):
            return errors
        key = next((k for k in TAGGED_KEYS if k in obj), None)
        if key is None:
            return errors
        turns = obj[key]
        if type(turns) is not list or not turns:
            errors.append((f"/{key}", f"{key} must be a non-empty list of speaker-tagged strings"))
        elif speaker_turns(turns) is None:
            errors.append(_untagged(turns, key))
        return errors

    def to_messages(self, obj: Any) -> list[Message]:
        if not isinstance(obj, dict):
            return []
        key = string_list_key(obj) or next((k for k in (*TURNS_KEYS, *TAGGED_KEYS) if k in obj), None)
        turns = obj.get(key) if key is not None else None
        if not isinstance(turns, list):
            return []
        out: list[Message] = []
        tagged = speaker_turns(turns, alone=key not in TURNS_KEYS)
        if tagged is not None:
            for k, (role, speaker, start) in enumerate(tagged):
                text, pointer = turns[k], f"/{key}/{k}"
                body = text[start:]
                segment = Segment(pointer, 0, len(body), "text", start)
                out.append(Message(role, body, len(out), "", pointer, [segment], speaker, pointer))
            return out
        if key not in TURNS_KEYS:
            return out  # not a conversation this format can read: S001 (schema_errors) says why
        for k, text in enumerate(turns):
            if isinstance(text, str):
                role = "user" if k % 2 == 0 else "assistant"
                out.append(joined_message(role, [(f"/{key}/{k}", text)], len(out)))
        return out


def _untagged(turns: list[Any], key: str) -> tuple[str, str]:
    """S001's ``(pointer, message)`` for a list of strings under ``key`` that is no tagged
    conversation: the first string without a tag, or what its tags lack."""
    tags = [split_tag(t) if type(t) is str else None for t in turns]
    for k, tag in enumerate(tags):
        if tag is None:
            if type(turns[k]) is not str:
                return f"/{key}/{k}", f"{key}/{k} must be string, got {type(turns[k]).__name__}"
            shown = [t.speaker for t in tags if t is not None]
            if not shown:
                return f"/{key}", f"{key} holds strings with no speaker tag, so whose turn each is is unknown"
            return (
                f"/{key}/{k}",
                f"{key}/{k} has no speaker tag, unlike the record's other strings "
                f"({', '.join(repr(s) for s in dict.fromkeys(shown))}): whose turn it is is unknown",
            )
    speakers = list(dict.fromkeys(t.speaker for t in tags if t is not None))
    return (
        f"/{key}",
        f"{key}'s speaker tags ({', '.join(repr(s) for s in speakers)}) do not name one user and "
        "one assistant (a third speaker, or a system tag after the first string)",
    )
