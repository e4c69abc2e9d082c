"""F — feedback data, preference pairs (DPO, ORPO, reward-model data): the two sides compared.

A preference record holds two conversations that share a prompt and differ in the answer
(:meth:`sftlint.formats.pairs.PreferenceFormat.views`, or a column mapping with ``ranking``).
The other families lint each side on its own; these rules read the pair: two sides that are
the same answer (F001), two sides whose prompts are not the same conversation (F002), and two
records of the dataset that prefer opposite answers to one prompt (F003).
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from sftlint.diagnostic import Finding
from sftlint.record import Message, Record
from sftlint.rule import Rule, shorten


class _Pair(NamedTuple):
    """A preference record's two conversations and what each turn says (:func:`_turn_key`)."""

    chosen: list[Message]
    rejected: list[Message]
    chosen_keys: list[tuple[str, str, str]]
    rejected_keys: list[tuple[str, str, str]]


def _pair(record: Record) -> _Pair | None:
    """The record's chosen and rejected conversations, when its format holds a pair.  The
    engine lints each side as a conversation of its own (``Record.side``); a pair is judged
    once, while the first side is read, and read once for the three rules (the record's memo)."""
    if record.side or not getattr(record.file.input_format, "multi_view", False) or not record.messages:
        return None
    return record.memo("preference.pair", lambda: _read_pair(record))


def _read_pair(record: Record) -> _Pair | None:
    try:
        views = record.file.input_format.views(record.data)
    except Exception:  # a record its format cannot map: S001's to report
        return None
    if len(views) != 2 or not views[0] or not views[1]:
        return None
    chosen, rejected = views
    return _Pair(chosen, rejected, [_turn_key(m) for m in chosen], [_turn_key(m) for m in rejected])


def _turn_key(m: Message) -> tuple[str, str, str]:
    """What a turn says: its role, its text with whitespace runs made one space, its calls."""
    calls = repr(m.tool_calls) if m.tool_calls else ""
    return (m.role, " ".join(m.content.split()), calls)


def _side_name(m: Message) -> str:
    """The record key a side's turn lives under (``rejected``, ``rejected_messages`` …)."""
    return m.content_pointer.split("/")[1] if m.content_pointer.count("/") else "rejected"


class IdenticalPair(Rule):
    """## What it does
    Reports a preference record whose rejected answer is the same as its chosen answer (the same
    text, or text that differs only in spaces and line breaks), in every shape the preference
    format reads: `chosen`/`rejected`, `chosen_messages`/`rejected_messages`, ms-swift's
    `rejected_response` beside the conversation's own answer, MedicalGPT's
    `response_chosen`/`response_rejected`.

    ## Why is this bad?
    The pair says the answer is better than itself.  DPO's loss on it is a constant: the
    chosen and rejected log-probability ratios are equal whatever the weights, so its gradient is
    zero and the record trains nothing, while it still counts in the batch and in the reward
    accuracy (a tie the model can never win).  It is how a pipeline reports a failed comparison:
    two samples of a model that came out the same, or a tie between two ratings kept as a pair.
    Drop the record, or sample another rejected answer.

    ## Example
    ```json
    {"prompt": [{"role": "user", "content": "退货要多久到账？"}], "chosen": [{"role": "assistant", "content": "退款一般在 1-3 个工作日内原路退回。"}], "rejected": [{"role": "assistant", "content": "退款一般在 1-3 个工作日内原路退回。"}]}
    ```

    ## Use instead
    ```json
    {"prompt": [{"role": "user", "content": "退货要多久到账？"}], "chosen": [{"role": "assistant", "content": "退款一般在 1-3 个工作日内原路退回。"}], "rejected": [{"role": "assistant", "content": "不知道。"}]}
    ```
    """

    code = "F001"
    name = "identical-pair"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        pair = _pair(record)
        if pair is None:
            return
        chosen, rejected = pair.chosen, pair.rejected
        if pair.chosen_keys != pair.rejected_keys:
            return
        answer = rejected[-1]
        if not answer.content.strip() and not answer.tool_calls:
            return  # an empty answer on both sides: S003's to report
        if [m.content for m in chosen] == [m.content for m in rejected]:
            how, why = "the same text as", "DPO learns nothing from it (its loss gradient is zero)"
        else:
            how = "the same text, but for spaces and line breaks, as"
            why = "DPO learns next to nothing from it"
        yield self.finding(
            f"the rejected answer is {how} the chosen one: the pair prefers an answer to itself, and {why}",
            msg=answer,
            span=(0, len(answer.content)) if answer.content else None,
        )


class PairPromptMismatch(Rule):
    """## What it does
    Reports a preference record whose two sides are whole conversations that differ before
    their answers: a system or user turn (or a tool result) of the rejected side is not the
    chosen side's.  The sides are compared turn by turn (text with whitespace runs made one
    space); the first turn that differs must be an assistant turn on both sides.  Records whose
    prompt is written once (`prompt`, `instruction`, `question`, a `conversations` history) cannot
    differ and are not read.

    ## Why is this bad?
    A preference pair compares two answers to one conversation.  TRL (its implicit-prompt
    format, and LLaMA-Factory v1 / ms-swift `rejected_messages`) takes the turns both sides
    share as the prompt, so where the user turns differ the prompt is cut short there and the
    rest of each conversation, user turns included, is trained as the answer.  The pair then
    says which of two different conversations is better, not which reply.  It comes from
    joining two files on the wrong key, or from shuffling one side.

    ## Example
    ```json
    {"chosen": [{"role": "user", "content": "怎么修改密码？"}, {"role": "assistant", "content": "在“设置-账号安全”中修改。"}], "rejected": [{"role": "user", "content": "怎么注销账号？"}, {"role": "assistant", "content": "不清楚。"}]}
    ```

    ## Use instead
    ```json
    {"chosen": [{"role": "user", "content": "怎么修改密码？"}, {"role": "assistant", "content": "在“设置-账号安全”中修改。"}], "rejected": [{"role": "user", "content": "怎么修改密码？"}, {"role": "assistant", "content": "不清楚。"}]}
    ```
    """

    code = "F002"
    name = "pair-prompt-mismatch"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        pair = _pair(record)
        if pair is None:
            return
        turns = zip(pair.chosen, pair.rejected, pair.chosen_keys, pair.rejected_keys, strict=False)
        for k, (c, r, c_key, r_key) in enumerate(turns):
            if c_key == r_key:
                continue  # the same turn (one of the shared prompt, or written again)
            if c.role == r.role == "assistant":
                return  # the answers part here: what a pair is
            if c.role == r.role:
                what = f"the {_side_name(r)} side's turn {k} ({r.role}) is not the chosen side's" + _quoted(
                    c, r
                )
            else:
                what = f"the {_side_name(r)} side's turn {k} is a {r.role} turn where the chosen side has a {c.role} turn"
            yield self.finding(
                f"{what}: the two answers reply to different conversations",
                msg=r,
                span=(0, len(r.content)) if r.content else None,
            )
            return


def _quoted(c: Message, r: Message) -> str:
    """The two turns' openings, where they differ in text (the reader sees which is which)."""
    if not c.content or not r.content:
        return ""
    return f" (chosen: “{shorten(c.content, 30)}”, rejected: “{shorten(r.content, 30)}”)"


def _hash(keys: list[tuple[str, str, str]]) -> int:
    """64 stable bits of a list of turns (the same in every process: ``--jobs`` workers)."""
    text = "\x1e".join("\x1f".join(k) for k in keys)
    return int.from_bytes(
        hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big"
    )


class _PairCollector:
    """F003's summaries: the prompt's and each answer's hash, and where the record is."""

    __slots__ = ("chosen", "loc", "prompt", "rejected")

    def __init__(self) -> None:
        from sftlint.rules.dataset import _Locations

        self.prompt, self.chosen, self.rejected = array("Q"), array("Q"), array("Q")
        self.loc = _Locations()

    def append(self, summary: tuple[int, int, int, str, int, int]) -> None:
        prompt, chosen, rejected, path, index, line = summary
        self.prompt.append(prompt)
        self.chosen.append(chosen)
        self.rejected.append(rejected)
        self.loc.add(path, index, line)


class ContradictoryPairs(Rule):
    """## What it does
    Reports a preference record that prefers, for the same prompt, the answer an earlier record
    of the dataset rejects, over the answer that record chose: `A` better than `B` in one
    record, `B` better than `A` in another.  The prompt is the turns both sides share; the
    answers are compared as F001 compares them (whitespace runs made one space).

    ## Why is this bad?
    The two pairs pull the model in opposite directions and cancel out, while each still
    counts as a comparison (in the loss, and in reward accuracy, where one of the two is
    always "wrong").  It is what merging two annotation rounds, or two annotators who
    disagree, leaves behind; keep one judgement of the pair, or neither.

    ## Example
    ```json
    {"prompt": "推荐一本入门的机器学习书", "chosen": "《机器学习》（周志华）", "rejected": "《深度学习》"}
    {"prompt": "推荐一本入门的机器学习书", "chosen": "《深度学习》", "rejected": "《机器学习》（周志华）"}
    ```

    ## Use instead
    ```json
    {"prompt": "推荐一本入门的机器学习书", "chosen": "《机器学习》（周志华）", "rejected": "《深度学习》"}
    ```
    """

    code = "F003"
    name = "contradictory-pairs"
    severity = "error"
    scope = "dataset"

    def map(self, record: Record) -> tuple[int, int, int, str, int, int] | None:
        pair = _pair(record)
        if pair is None:
            return None
        chosen, rejected = pair.chosen_keys, pair.rejected_keys
        k = 0
        while k < min(len(chosen), len(rejected)) and chosen[k] == rejected[k]:
            k += 1
        if k == len(chosen) and k == len(rejected):
            return None  # the same answer on both sides: F001's
        prompt = _hash(chosen[:k])
        return (prompt, _hash(chosen[k:]), _hash(rejected[k:]), record.path, record.index, record.line)

    def collector(self) -> _PairCollector:
        return _PairCollector()

    def reduce(self, summaries: Iterable[Any]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        first: dict[tuple[int, int, int], int] = {}
        for i, key in enumerate(zip(coll.prompt, coll.chosen, coll.rejected, strict=True)):
            prompt, chosen, rejected = key
            earlier = first.get((prompt, rejected, chosen))
            if earlier is not None:
                ref = coll.loc.ref(i)
                yield self.finding(
                    f"the record at {coll.loc.where(earlier, ref.path)} prefers this record's rejected answer "
                    "over its chosen one, for the same prompt: the two pairs cancel out",
                    pointer="",
                    ref=ref,
                )
            first.setdefault(key, i)


RULES = [IdenticalPair, PairPromptMismatch, ContradictoryPairs]
