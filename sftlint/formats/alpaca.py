"""Alpaca records: ``instruction``, ``input``, ``output``, ``system``, ``history``.

The user turn is ``instruction`` and ``input`` joined by a newline (as
LLaMA-Factory builds it); its two segments keep their own pointers, so a
finding in the input is reported at ``/input``.  ``history`` pairs become
earlier user/assistant turns.  A record needs a prompt (``instruction``, or a
non-empty ``input``) and an ``output``: files written as ``{input, output}``
(KnowAgent, lawyer-llama) are prompt/answer pairs, not records that lost their
instruction (LLaMA-Factory likewise skips an instruction that is absent).

Dolly (databricks-dolly-15k) writes the same record as ``instruction``, ``context`` and
``response``: without ``input``/``output``, ``context`` is the input and ``response`` the output.

A multi-turn conversation may be written with ``input`` and ``output`` as parallel lists of turns
(Chinese-Vicuna's chat data: ``{"input": [q1, q2], "output": [a1, a2]}``): ``input[i]`` is the
user's i-th turn (after ``instruction``, when there is one, on the first) and ``output[i]`` its
answer, each at its own pointer (``/output/1``).  Lists of different lengths are S001.
"""

from __future__ import annotations

from typing import Any

from sftlint.formats.base import InputFormat
from sftlint.record import Message, Segment


def joined_message(role: str, segs: list[tuple[str, str]], index: int) -> Message:
    """One message made of several string fields joined by newlines (``instruction`` + ``input``),
    each keeping its own pointer."""
    texts, segments, offset = [], [], 0
    for ptr, text in segs:
        if texts:
            offset += 1
        segments.append(Segment(ptr, offset, len(text)))
        texts.append(text)
        offset += len(text)
    first = segs[0][0] if segs else ""
    return Message(role, "\n".join(texts), index, "", first, segments, role, None)


def user_turn(segs: list[tuple[str, str]], index: int) -> Message:
    return joined_message("user", segs, index)


def history_ok(obj: dict[str, Any]) -> bool:
    """The quick check of a ``history`` field (Alpaca, query-response): absent, or a list of
    ``[query, response]`` string pairs."""
    if "history" not in obj:
        return True
    hist = obj["history"]
    if type(hist) is not list:
        return False
    for pair in hist:
        if type(pair) is not list or len(pair) != 2 or any(type(x) is not str for x in pair):
            return False
    return True


def strings_and_history_ok(obj: dict[str, Any], keys: tuple[str, ...]) -> bool:
    """The rest of a quick check shared by Alpaca and query-response: each of ``keys`` present is
    a string, and ``history`` is well formed."""
    for k in keys:
        if k in obj and type(obj[k]) is not str:
            return False
    return history_ok(obj)


def history_messages(obj: dict[str, Any], out: list[Message]) -> None:
    """Append the turns of ``obj``'s ``history`` pairs to ``out``, each at its own pointer
    (``/history/0/1``); what is not a string pair is skipped (S001 reports it)."""
    history = obj.get("history")
    if not isinstance(history, list):
        return
    for k, pair in enumerate(history):
        if isinstance(pair, list) and len(pair) == 2:
            for role, j in (("user", 0), ("assistant", 1)):
                if isinstance(pair[j], str):
                    out.append(joined_message(role, [(f"/history/{k}/{j}", pair[j])], len(out)))


def parallel_turns(obj: dict[str, Any]) -> bool:
    """Whether ``obj`` writes its conversation as parallel lists: ``input`` and ``output`` both
    lists of strings, of one length (one answer to each user turn)."""
    inputs, outputs = obj.get("input"), obj.get("output")
    return (
        type(inputs) is list
        and type(outputs) is list
        and len(inputs) == len(outputs) > 0
        and all(type(t) is str for t in inputs)
        and all(type(t) is str for t in outputs)
    )


def _input_key(obj: dict[str, Any]) -> str:
    """The field that holds the input: ``input``, or Dolly's ``context``."""
    return "context" if "input" not in obj and "context" in obj else "input"


def _output_key(obj: dict[str, Any]) -> str:
    """The field that holds the answer: ``output``, or Dolly's ``response``."""
    return "response" if "output" not in obj and "response" in obj else "output"


class AlpacaFormat(InputFormat):
    name = "alpaca"
    description = (
        'Alpaca: {"instruction", "input", "output", "system", "history"} (Dolly: "context", "response")'
    )
    schema_file = "alpaca.schema.json"

    def sniff(self, obj: Any) -> bool:
        return (
            isinstance(obj, dict)
            and ("instruction" in obj or "output" in obj)
            and "messages" not in obj
            and "conversations" not in obj
            and "chosen" not in obj
        )

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict:
            return False
        if parallel_turns(obj):
            return type(obj.get("instruction", "")) is str and strings_and_history_ok(obj, ("system",))
        if type(obj.get(_output_key(obj))) is not str:
            return False
        key = _input_key(obj)
        if "instruction" in obj:
            if type(obj["instruction"]) is not str:
                return False
        elif type(obj.get(key)) is not str or not obj[key]:
            return False
        return strings_and_history_ok(obj, ("input", "context", "output", "response", "system"))

    def schema_errors(self, obj: Any) -> list[tuple[str, str]]:
        """The schema's errors, and parallel lists of turns whose lengths differ (a user turn
        without its answer, or an answer to no turn)."""
        errors = super().schema_errors(obj)
        if not errors and isinstance(obj, dict):
            inputs, outputs = obj.get("input"), obj.get("output")
            if isinstance(inputs, list) and isinstance(outputs, list) and len(inputs) != len(outputs):
                errors.append(("/output", f"output has {len(outputs)} turns for {len(inputs)} input turns"))
        return errors

    def to_messages(self, obj: Any) -> list[Message]:
        if not isinstance(obj, dict):
            return []
        out: list[Message] = []

        def add(role: str, segs: list[tuple[str, str]]) -> None:
            out.append(joined_message(role, segs, len(out)))

        system = obj.get("system")
        if isinstance(system, str) and system:
            add("system", [("/system", system)])
        history_messages(obj, out)
        user: list[tuple[str, str]] = []
        if isinstance(obj.get("instruction"), str):
            user.append(("/instruction", obj["instruction"]))
        if isinstance(obj.get("input"), list) and isinstance(obj.get("output"), list):
            for k, (question, answer) in enumerate(zip(obj["input"], obj["output"], strict=False)):
                if isinstance(question, str):
                    user.append((f"/input/{k}", question))
                if user:
                    add("user", user)
                user = []
                if isinstance(answer, str):
                    add("assistant", [(f"/output/{k}", answer)])
            return out
        key = _input_key(obj)
        if isinstance(obj.get(key), str) and obj[key]:
            user.append((f"/{key}", obj[key]))
        if user:
            add("user", user)
        key = _output_key(obj)
        if isinstance(obj.get(key), str):
            add("assistant", [(f"/{key}", obj[key])])
        return out
