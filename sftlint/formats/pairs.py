"""Prompt/completion and preference records (OpenAI, TRL, LLaMA-Factory's DPO files).

- ``prompt-completion``: ``{"prompt": ..., "completion": ...}`` with strings (standard)
  or lists of ``role``/``content`` messages (conversational); KTO's ``label`` rides along.
  An assistant turn of a conversational prompt (an agent's earlier step) is context: TRL learns
  the completion only, so its loss weight is 0 unless the turn sets its own.
  DeepSpeed-Chat's supervised step, and Yi's fine-tuning scripts after it, read
  ``{"prompt": "Human: … Assistant:", "chosen": "…"}``: a ``chosen`` with no rejected answer
  beside it is the completion, and a prompt written as a ``Human:``/``Assistant:`` transcript
  is read as its turns, the trailing ``Assistant:`` (where the reply is generated) left out.
- ``preference``: ``chosen`` and ``rejected`` beside a prompt (``prompt``, Alpaca's
  ``instruction``/``input``, or a ``conversations``/``messages`` list), or without one
  (TRL's implicit prompt: both sides are whole conversations).  Each side is a string, one
  turn object, or a list of turns.  The record holds two conversations, prompt + chosen and
  prompt + rejected: both are linted (:meth:`InputFormat.views`), and each finding points
  into its side (``/chosen/0/content``, ``/rejected``).
"""

from __future__ import annotations

import re
from typing import Any

from sftlint.formats.alpaca import history_messages, joined_message, strings_and_history_ok, user_turn
from sftlint.formats.base import InputFormat
from sftlint.formats.conversation import _content_schema, rebase
from sftlint.formats.messages import MessagesFormat
from sftlint.formats.sharegpt import ROLE_MAP as SHAREGPT_ROLES
from sftlint.formats.transcript import is_transcript, transcript_messages
from sftlint.formats.turns import COMMON_ROLES, text_message, turns_to_messages
from sftlint.record import Message, Segment

_MESSAGES = MessagesFormat()

_TURN = {
    "type": "object",
    "required": ["role", "content"],
    "properties": {"role": {"type": "string"}, "content": _content_schema()},
}
_SIDE = {"anyOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": _TURN}]}


def _turn_ok(m: Any) -> bool:
    if type(m) is not dict or type(m.get("role")) is not str or "content" not in m:
        return False
    c = m["content"]
    if c is None or type(c) is str:
        return True
    return type(c) is list and all(type(p) is dict and "type" in p for p in c)


def _side_ok(value: Any) -> bool:
    if type(value) is str:
        return True
    return type(value) is list and bool(value) and all(_turn_ok(m) for m in value)


def side_messages(value: Any, pointer: str, default_role: str, out: list[Message]) -> list[Message]:
    """Messages of one side (a string, one turn object, or a list of turns) appended to ``out``."""
    if isinstance(value, list):
        if any(isinstance(m, dict) and "from" in m for m in value):
            turns_to_messages(
                value, pointer, "from", "value", SHAREGPT_ROLES, out, frozenset({"function_call"})
            )
            return out
        for m in rebase(_MESSAGES.to_messages({"messages": value}), "/messages", pointer):
            m.index = len(out)
            out.append(m)
        return out
    if isinstance(value, dict):
        tmp: list[Message] = []
        side_messages([value], pointer, default_role, tmp)
        for m in rebase(tmp, pointer + "/0", pointer):
            m.index = len(out)
            out.append(m)
        return out
    text_message(default_role, value, pointer, out)
    return out


def _system(obj: dict[str, Any], out: list[Message]) -> None:
    system = obj.get("system")
    if isinstance(system, str) and system:
        text_message("system", system, "/system", out)


class PromptCompletionFormat(InputFormat):
    name = "prompt-completion"
    description = (
        'OpenAI/TRL: {"prompt", "completion"}, strings or lists of {"role", "content"}; '
        'DeepSpeed-Chat/Yi SFT: {"prompt": "Human: … Assistant:", "chosen"} without a rejected answer'
    )

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "prompt-completion record",
            "type": "object",
            "required": ["prompt"],
            "anyOf": [{"required": ["completion"]}, {"required": ["chosen"]}],
            "properties": {
                "prompt": _SIDE,
                "completion": _SIDE,
                "chosen": _SIDE,
                "system": {"type": "string"},
            },
        }

    def sniff(self, obj: Any) -> bool:
        if not isinstance(obj, dict) or "prompt" not in obj:
            return False
        if "completion" in obj:
            return "chosen" not in obj
        return "chosen" in obj and preference_sides(obj) is None

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict or ("system" in obj and type(obj["system"]) is not str):
            return False
        if "prompt" not in obj or ("completion" not in obj and "chosen" not in obj):
            return False
        # every side the record holds, as the schema checks them (a "chosen": null beside a
        # completion is a schema error too)
        return all(_side_ok(obj[key]) for key in ("prompt", "completion", "chosen") if key in obj)

    def to_messages(self, obj: Any) -> list[Message]:
        if not isinstance(obj, dict):
            return []
        out: list[Message] = []
        _system(obj, out)
        if "prompt" in obj:
            prompt = obj["prompt"]
            if isinstance(prompt, str) and _HUMAN_PROMPT.match(prompt):
                human_prompt_messages(prompt, "/prompt", out)
            else:
                side_messages(prompt, "/prompt", "user", out)
            for m in out:
                if m.role == "assistant" and m.weight is None:
                    m.weight = 0  # context: TRL learns the completion only (completion_only_loss)
        answer = "completion" if "completion" in obj else "chosen"
        if answer in obj:
            side_messages(obj[answer], f"/{answer}", "assistant", out)
        return out


#: a prompt written as Anthropic's transcript (``Human: …``), DeepSpeed-Chat's convention
_HUMAN_PROMPT = re.compile(r"\s*(?:###\s*)?Human:")
#: the generation prompt such a transcript ends with: ``… Assistant:`` with nothing after it
#: (DeepSpeed-Chat joins it with one space, HH-RLHF with a blank line)
_OPEN_ASSISTANT = re.compile(r"\s*(?:###\s*)?Assistant:\s*\Z")


def human_prompt_messages(text: str, pointer: str, out: list[Message]) -> list[Message]:
    """The turns of a ``Human: … Assistant:`` prompt, each pointing into it; the trailing
    ``Assistant:`` where the reply is to be generated is not a turn (nor part of the last
    human turn, when it follows with one space rather than a blank line)."""
    for m in transcript_messages(text, pointer):
        if m.role == "assistant" and not m.content.strip():
            continue
        if m.role == "user" and (cut := _OPEN_ASSISTANT.search(m.content)) is not None:
            seg = m.segments[0]
            body = m.content[: cut.start()]
            m = Message(
                m.role,
                body,
                0,
                "",
                pointer,
                [Segment(pointer, 0, len(body), "text", seg.base)],
                m.raw_role,
                None,
            )
        m.index = len(out)
        out.append(m)
    return out


def _input_turns(value: Any) -> tuple[Any, str] | None:
    """The turns of an input-output record's ``input`` and their pointer: the list itself, or an
    OpenAI request's ``messages`` (``{"messages": [...], "tools": [...]}``); None for anything else."""
    if type(value) is list:
        return value, "/input"
    if type(value) is dict and "messages" in value:
        return value["messages"], "/input/messages"
    return None


class InputOutputFormat(InputFormat):
    """``{"input": [turns], "output": reply}``: a conversation so far and the reply to learn.

    OpenPipe's import format writes the request as it was sent (``"input": {"messages": [...],
    "tools": [...]}``) and the reply as an assistant message (``"output": {"role": "assistant",
    "content": ...}``); logs of a chat model (an LLM judge's prompt and its verdict, ToolAlpaca's
    evaluation outputs) write the turns as a list and the reply as a string.  The turns of
    ``input`` are the prompt, the reply is the assistant's; an assistant turn of the prompt is
    context (loss weight 0), as in a prompt/completion record.  A record with ``instruction``, or
    whose ``input`` is text, is Alpaca's."""

    name = "input-output"
    description = 'OpenPipe / chat logs: {"input": [turns] or {"messages": [turns]}, "output": reply}'

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        turns = {"type": "array", "minItems": 1, "items": _TURN}
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "input-output record",
            "type": "object",
            "required": ["input", "output"],
            "properties": {
                "input": {
                    "anyOf": [
                        turns,
                        {"type": "object", "required": ["messages"], "properties": {"messages": turns}},
                    ]
                },
                "output": {"anyOf": [{"type": "string"}, _TURN, turns]},
            },
        }

    def sniff(self, obj: Any) -> bool:
        if not isinstance(obj, dict) or "output" not in obj or "instruction" in obj:
            return False
        found = _input_turns(obj.get("input"))
        return found is not None and isinstance(found[0], list) and bool(found[0]) and _turn_ok(found[0][0])

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict:
            return False
        found = _input_turns(obj.get("input"))
        if found is None or type(found[0]) is not list or not _side_ok(found[0]):
            return False
        out = obj.get("output")
        return _turn_ok(out) if type(out) is dict else _side_ok(out)

    def to_messages(self, obj: Any) -> list[Message]:
        if not isinstance(obj, dict):
            return []
        out: list[Message] = []
        found = _input_turns(obj.get("input"))
        if found is not None and isinstance(found[0], list):
            side_messages(found[0], found[1], "user", out)
            for m in out:
                if m.role == "assistant" and m.weight is None:
                    m.weight = 0
        if "output" in obj:
            side_messages(obj["output"], "/output", "assistant", out)
        return out


#: where a preference record's shared prompt may live
PROMPT_KEYS = ("prompt", "instruction", "question", "query", "conversations", "messages", "input")

#: the keys of a record's two answers, chosen first: TRL's and LLaMA-Factory's, MedicalGPT's
#: reward data (``{"question", "history", "response_chosen", "response_rejected"}``), the Hub's
#: ``chosen_response``/``rejected_response`` datasets, and OpenAI's preference fine-tuning
#: (``{"input": {"messages", "tools"}, "preferred_output", "non_preferred_output"}``, as Together
#: AI takes it too); each beside a shared prompt
ANSWER_SIDES = (
    ("chosen", "rejected"),
    ("response_chosen", "response_rejected"),
    ("chosen_response", "rejected_response"),
    ("preferred_output", "non_preferred_output"),
)
#: each side a whole conversation, the prompt's turns written again in both: LLaMA-Factory
#: v1's ``chosen_messages``/``rejected_messages``, ms-swift's ``messages``/``rejected_messages``
WHOLE_PAIRS = (("chosen_messages", "rejected_messages"), ("messages", "rejected_messages"))
WHOLE_SIDES = WHOLE_PAIRS[0]

#: ms-swift's preference records: the chosen answer is the conversation's own (the last turn of
#: ``messages``, or ``response`` beside ``query``), the rejected one stands beside it
REJECTED_ONLY = "rejected_response"
CHOSEN_OWN = ("messages", "response", "answer")


def preference_sides(obj: Any) -> tuple[str, str, str] | None:
    """How a preference record holds its pair: ``(kind, chosen key, rejected key)`` with kind
    ``"answers"`` (two answers beside a shared prompt), ``"whole"`` (two whole conversations)
    or ``"own"`` (the conversation's own answer and ``rejected_response``); None for a record
    that is not one."""
    if type(obj) is not dict:
        return None
    for chosen, rejected in ANSWER_SIDES:
        if chosen in obj and rejected in obj:
            return ("answers", chosen, rejected)
    for chosen, rejected in WHOLE_PAIRS:
        if chosen in obj and rejected in obj:
            return ("whole", chosen, rejected)
    if REJECTED_ONLY in obj:
        own = next((k for k in CHOSEN_OWN if k in obj), None)
        if own is not None:
            return ("own", own, REJECTED_ONLY)
    return None


class PreferenceFormat(InputFormat):
    name = "preference"
    description = (
        'TRL/LLaMA-Factory preference: {"prompt", "chosen", "rejected"}, v1\'s '
        '{"chosen_messages", "rejected_messages"}, ms-swift\'s {"messages", "rejected_response"}, '
        'MedicalGPT\'s {"question", "response_chosen", "response_rejected"}, OpenAI\'s '
        '{"input", "preferred_output", "non_preferred_output"} (both sides linted)'
    )
    multi_view = True

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        side = {"anyOf": [*_SIDE["anyOf"], {"type": "object"}]}
        whole = (_MESSAGES.schema or {})["properties"]["messages"]  # a side of v1: a messages list
        pair = {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string"}}
        text = {"type": "string"}
        shapes = [*ANSWER_SIDES, *WHOLE_PAIRS, *((own, REJECTED_ONLY) for own in CHOSEN_OWN)]
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "preference record",
            "type": "object",
            "anyOf": [{"required": list(keys)} for keys in shapes],
            "properties": {
                "prompt": _SIDE,
                **{key: side for keys in ANSWER_SIDES for key in keys},
                "chosen_messages": whole,
                "rejected_messages": whole,
                **{key: text for key in ("instruction", "input", "question", "query", "response", "answer")},
                **{key: text for key in ("system", "system_prompt")},
                "history": {"type": "array", "items": pair},
                "conversations": {"type": "array"},
                "messages": {"type": "array"},
                # Alpaca's string beside ``instruction``, or OpenAI's object holding the prompt
                "input": {
                    "anyOf": [
                        {"type": "string"},
                        {"type": "object", "properties": {"messages": whole, "tools": {"type": "array"}}},
                    ]
                },
            },
        }

    def sniff(self, obj: Any) -> bool:
        return preference_sides(obj) is not None

    def quick_check(self, obj: Any) -> bool:
        sides = preference_sides(obj)
        if sides is None:
            return False
        kind, chosen, rejected = sides
        # each whole conversation a record holds (its two sides, or one beside another layout's
        # pair) is a messages list; the other keys are checked as for every shape, since the
        # schema checks them whatever the shape
        for key in {chosen, rejected, *WHOLE_SIDES} if kind == "whole" else WHOLE_SIDES:
            if key in obj and not (type(obj[key]) is list and _MESSAGES.quick_check({"messages": obj[key]})):
                return False
        # ``input`` is Alpaca's string beside ``instruction``, or OpenAI's object holding the prompt
        strings = ("instruction", "question", "query", "response", "answer", "system", "system_prompt")
        if not strings_and_history_ok(obj, strings) or type(obj.get("input", "")) not in (str, dict):
            return False
        for key in ("conversations", "messages"):
            if key in obj and type(obj[key]) is not list:
                return False
        if type(obj.get("input")) is dict:
            given = obj["input"]
            if type(given) is not dict or not _MESSAGES.quick_check({"messages": given.get("messages")}):
                return False
            if "tools" in given and type(given["tools"]) is not list:
                return False
        if "prompt" in obj and not _side_ok(obj["prompt"]):
            return False
        for key in (key for pair in ANSWER_SIDES for key in pair):
            if key not in obj or (kind == "own" and key == REJECTED_ONLY):
                continue
            value = obj[key]
            if type(value) is dict:
                if not all(type(v) is str for v in value.values()):
                    return False
            elif not _side_ok(value):
                return False
        if kind == "own":
            return type(obj[REJECTED_ONLY]) is str and (
                chosen != "messages" or _MESSAGES.quick_check({"messages": obj["messages"]})
            )
        return True

    def _prompt(self, obj: dict[str, Any], own_answer: bool = False) -> list[Message]:
        """The turns both sides share: the system prompt, the earlier exchanges (``history``)
        and the prompt itself.  ``own_answer``: ``messages`` holds the chosen answer as its
        last turn (ms-swift), which stays out of the prompt."""
        out: list[Message] = []
        _system(obj, out)
        if "prompt" in obj:
            side_messages(obj["prompt"], "/prompt", "user", out)
        elif isinstance(obj.get("instruction"), str):
            history_messages(obj, out)
            segs = [("/instruction", obj["instruction"])]
            if isinstance(obj.get("input"), str) and obj["input"]:
                segs.append(("/input", obj["input"]))
            out.append(user_turn(segs, len(out)))
        elif (
            key := next((k for k in ("question", "query") if isinstance(obj.get(k), str)), None)
        ) is not None:
            history_messages(obj, out)
            out.append(joined_message("user", [(f"/{key}", obj[key])], len(out)))
        elif isinstance(obj.get("input"), dict) and isinstance(obj["input"].get("messages"), list):
            for m in rebase(_MESSAGES.to_messages(obj["input"]), "/messages", "/input/messages"):
                m.index = len(out)
                out.append(m)
        elif isinstance(obj.get("conversations"), list):
            turns_to_messages(
                obj["conversations"], "/conversations", "from", "value", SHAREGPT_ROLES, out,
                frozenset({"function_call"}),
            )  # fmt: skip
        elif isinstance(obj.get("messages"), list):
            turns = _MESSAGES.to_messages(obj)
            if own_answer and turns and turns[-1].role == "assistant":
                turns = turns[:-1]
            for m in turns:
                m.index = len(out)
                out.append(m)
        return out

    def views(self, obj: Any) -> list[list[Message]]:
        sides = preference_sides(obj)
        if sides is None:
            return [[]]
        kind, chosen, rejected = sides
        if (
            kind == "answers"
            and not any(k in obj for k in PROMPT_KEYS)
            and all(is_transcript(obj.get(k)) for k in (chosen, rejected))
        ):
            return [transcript_messages(obj[k], f"/{k}") for k in (chosen, rejected)]
        if kind == "whole":
            return [
                turns_to_messages(obj.get(k), f"/{k}", "role", "content", COMMON_ROLES, [])
                for k in (chosen, rejected)
            ]
        if kind == "own" and chosen == "messages":
            first = self._prompt(obj)
            second = self._prompt(obj, own_answer=True)
            side_messages(obj[rejected], f"/{rejected}", "assistant", second)
            return [first, second]
        out = []
        for side in (chosen, rejected):
            msgs = self._prompt(obj)
            side_messages(obj[side], f"/{side}", "assistant", msgs)
            out.append(msgs)
        return out

    def to_messages(self, obj: Any) -> list[Message]:
        return self.views(obj)[0]
