"""S rules on per-turn loss weights: what a fine-tune trains on, as the turns' own keys say.

The keys and who reads them are in :mod:`sftlint.formats.weights` (OpenAI's ``weight``,
LLaMA-Factory v1's ``loss_weight``, ms-swift's ``loss``/``loss_scale``, axolotl's ``train``).
They are structure, not text: they decide which turns are trained on, so their rules are S
rules, numbered after S013.  S014 reports a record that trains nothing, S015 a value the trainer
refuses or misreads, S016 a weight on a prompt turn that trains the prompt against the file's
own convention or that the trainer ignores.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from pydantic import Field

from sftlint.analysis.tools import resolve
from sftlint.diagnostic import Finding, RecordRef
from sftlint.formats.weights import TRAINERS, WEIGHT_KEYS, is_number
from sftlint.locate import escape_token
from sftlint.record import Message, Record
from sftlint.rule import Rule, RuleOptions

#: Roles whose turns are the prompt: what the model reads, not what it learns to write.
PROMPT_ROLES = frozenset({"system", "user", "tool"})

#: What each key says to train a turn.
ON = {"weight": "1", "loss_weight": "1.0", "loss": "true", "loss_scale": "1.0", "train": "true"}

#: What training a prompt turn does, per key read on every turn (S016).
PROMPT_TRAINED = {
    "loss_weight": "LLaMA-Factory v1 (release 0.9.5) trains the model to write this prompt",
    "train": "axolotl trains the model to write this prompt",
    "weight": "axolotl's sharegpt strategy (with train_on_inputs) trains the model to write this prompt",
}

#: Strings that mean "no" but are true to a trainer that tests the value for truth.
FALSE_STRINGS = frozenset({"false", "0", "no", "off", "none", "null"})


class Flag(NamedTuple):
    """One weight key written on a turn."""

    message: Message
    key: str
    value: Any
    pointer: str  # of the key's value


def turn_flags(record: Record) -> list[Flag]:
    """The weight keys the record's turns carry, in turn order (computed once per record and
    side: S014, S015 and S016 share it)."""
    return record.memo("loss-weight-flags", lambda: _flags(record))


_UNSEEN = object()


def _weighted(turns: Any) -> bool:
    """Whether a list of turns holds a turn object with a weight key (most hold none: one
    pass over the list, a dict's key view tested against the keys only where the turn has
    more than role and content)."""
    if type(turns) is not list:
        return False
    for turn in turns:  # noqa: SIM110 (a plain loop: on every record)
        if type(turn) is dict and len(turn) > 2 and not _KEYS.isdisjoint(turn):
            return True
    return False


_KEYS = frozenset(WEIGHT_KEYS)


def _holds_weights(data: Any) -> bool:
    """Whether a turn list of the record holds a weight key: the record itself when it is the
    list (xtuner's bare message list), its lists, and the lists of its objects (OpenAI's
    preference ``input.messages``).  Nearly every record holds none, and this is what they cost."""
    if type(data) is list:
        return _weighted(data)
    if type(data) is not dict:
        return False
    for value in data.values():
        if type(value) is list:
            if _weighted(value):
                return True
        elif type(value) is dict:
            for inner in value.values():
                if type(inner) is list and _weighted(inner):
                    return True
    return False


def _flags(record: Record) -> list[Flag]:
    msgs = record.messages
    data = record.data
    if not msgs or not _holds_weights(data):
        return []
    out: list[Flag] = []
    lists: dict[str, Any] = {}  # the turn lists the messages come from: None when unweighted
    for m in msgs:
        pointer = m.pointer
        if not pointer:
            continue  # a turn made of record fields (Alpaca's output, ShareGPT's system)
        cut = pointer.rfind("/")
        parent = pointer[:cut]
        turns = lists.get(parent, _UNSEEN)
        if turns is _UNSEEN:
            turns = resolve(data, parent)
            turns = lists[parent] = turns if _weighted(turns) else None
        if turns is None:
            continue
        index = pointer[cut + 1 :]
        if not index.isdigit() or int(index) >= len(turns):
            continue
        turn = turns[int(index)]
        if type(turn) is not dict or len(turn) <= 2:
            continue  # {"role", "content"}: no room for a weight
        for key in WEIGHT_KEYS:
            if key in turn:
                out.append(Flag(m, key, turn[key], f"{pointer}/{escape_token(key)}"))
    return out


def _shown(value: Any) -> str:
    """A weight's value as JSON writes it."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return f'the string "{value[:20]}"'
    if isinstance(value, (list, dict)):
        return "an array" if isinstance(value, list) else "an object"
    return repr(value)


def _every_turn(flag: Flag, record: Record) -> bool:
    """Whether the trainer that reads ``flag``'s key honours it on every turn, prompts included
    (LLaMA-Factory's ``loss_weight``, axolotl's ``train``, and ``weight`` in ShareGPT turns,
    which axolotl's sharegpt strategy read), rather than on assistant turns only."""
    return flag.key in ("loss_weight", "train") or (flag.key == "weight" and record.format == "sharegpt")


# ---------------------------------------------------------------------------
# S014


class UntrainedRecord(Rule):
    """## What it does
    Reports a record whose every assistant turn has loss weight 0: OpenAI's `"weight": 0`,
    LLaMA-Factory v1's `"loss_weight": 0.0`, ms-swift's `"loss": false`, axolotl's
    `"train": false` (see [docs/formats.md](../formats.md) for the keys).  A record that masks
    some assistant turns and trains others is what the keys are for, and is not reported;
    neither is one that trains a prompt turn instead, where the trainer honours that (S016
    judges it).

    An S rule (conversation structure): the weights decide which turns the fine-tune learns
    from, as the roles do.

    ## Why is this bad?
    Such a record trains nothing: no token of it reaches the loss.  It still costs its tokens
    and its place in a batch: LLaMA-Factory v1's own code calls such a sample "a zero-loss
    (wasted) step", a batch made only of such samples averages the loss over no token at all (a
    NaN loss with PyTorch's cross-entropy), and sftlint's own trainer refuses the record.  It is
    nearly always a conversion that wrote the prompt's weight on the replies too, or that
    masked the turn it meant to train.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "运费谁出？"}, {"role": "assistant", "content": "七天无理由退货的运费由我们承担。", "weight": 0}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "运费谁出？"}, {"role": "assistant", "content": "七天无理由退货的运费由我们承担。", "weight": 1}]}
    ```
    """

    code = "S014"
    name = "untrained-record"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        flags = turn_flags(record)
        if not flags:
            return
        assistants = [m for m in record.messages or () if m.role == "assistant"]
        if not assistants or any(m.weight is None or m.weight > 0 for m in assistants):
            return
        for f in flags:
            if f.message.role != "assistant" and _every_turn(f, record) and (f.message.weight or 0) > 0:
                return  # it trains a prompt (S016's to judge), so it trains something
        last = assistants[-1]
        flag = next((f for f in reversed(flags) if f.message is last), None)
        said: dict[str, None] = {}
        for f in flags:
            if f.message.role == "assistant":
                said[f"`{f.key}: {_shown(f.value)}`"] = None
        n = len(assistants)
        what = "its assistant turn is" if n == 1 else f"all {n} of its assistant turns are"
        on = f"`{flag.key}: {ON[flag.key]}`" if flag is not None else "a weight of 1"
        yield self.finding(
            f"the record trains nothing: {what} masked ({', '.join(said)}), so no token of it reaches "
            f"the loss; give the reply it should learn {on}",
            pointer=flag.pointer if flag is not None else last.pointer,
        )


# ---------------------------------------------------------------------------
# S015


def _problem(flag: Flag, record: Record) -> str | None:
    """What is wrong with the value of ``flag``, in the words of its trainer; None if nothing."""
    key, value = flag.key, flag.value
    if key == "weight":
        if is_number(value) and value in (0, 1):
            return None
        if record.format == "sharegpt":  # axolotl's sharegpt strategy: only `weight == 0` masks
            return (
                f"`weight` is {_shown(value)}, not 0 or 1: axolotl's sharegpt strategy masks a turn only "
                "at the number 0 and trains this one in full"
            )
        if not is_number(value):
            return (
                f"`weight` is {_shown(value)}, not a number: OpenAI fine-tuning takes the number 0 or 1 "
                "there"
                + (
                    ", and a trainer that compares it with 0 trains the turn"
                    if isinstance(value, str)
                    else ""
                )
            )
        if 0 < value < 1:
            return (
                f"`weight` {value!r}: OpenAI fine-tuning takes only 0 or 1 (a turn is trained on or not) "
                "and does not scale a turn's loss; to scale it, use a trainer that reads fractional "
                "weights (LLaMA-Factory v1's `loss_weight`, ms-swift's `loss_scale`)"
            )
        return f"`weight` {value!r}: OpenAI fine-tuning takes only 0 (not trained on) or 1 (trained on)"
    if key == "loss_weight":
        if is_number(value):
            if value < 0:
                return (
                    f"`loss_weight` {value!r} is negative: a weight is 0.0 (masked), 1.0 (trained) or another "
                    "positive scale; LLaMA-Factory v1 masks the turn but adds the negative weight to the "
                    "batch's loss normaliser"
                )
            return None
        if value is None or isinstance(value, (str, list, dict)):
            return (
                f"`loss_weight` is {_shown(value)}, not a number: LLaMA-Factory v1 compares it with a "
                "number and stops with a TypeError"
            )
        return None  # true/false: read as 1.0/0.0
    if key == "loss_scale":
        if is_number(value) and value < 0:
            return (
                f"`loss_scale` {value!r} is negative: ms-swift multiplies the turn's token losses by it, "
                "so the model is trained away from this reply"
            )
        return None
    if key == "train":
        if isinstance(value, str) and value.strip().lower() in FALSE_STRINGS:
            return (
                f"`train` is {_shown(value)}, not false: axolotl tests the value for truth and a "
                "non-empty string is true, so the turn is trained on"
            )
        return None
    return None


class InvalidLossWeight(Rule):
    """## What it does
    Reports a per-turn loss weight whose value the trainer that reads its key refuses or
    misreads: an OpenAI `weight` other than 0 or 1 (0.5, 2, `"1"`, `true`, `null`), a
    LLaMA-Factory v1 `loss_weight` that is not a number or is negative, a negative ms-swift
    `loss_scale`, and an axolotl `train` written as the string `"false"`.  The finding points at
    the key's value and says what the trainer does with it.

    An S rule (conversation structure): the weights decide which turns the fine-tune learns
    from.  Before this rule a bad `weight` was S001's (the `messages` schema bounded it to
    [0, 1]); the schema now leaves the key to this rule, so 0.5 is reported too and the
    message names the trainer.

    ## Why is this bad?
    OpenAI's format allows only 0 (the turn is context) or 1 (it is trained on): 0.5 does not
    halve the turn's loss there, it is a value the API does not define.  A string or null where
    LLaMA-Factory compares the weight with a number stops the run with a TypeError; a negative
    scale trains the model away from the reply; and `"train": "false"` is true to a truth test,
    so axolotl trains the very turn it was meant to mask.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "运费谁出？"}, {"role": "assistant", "content": "七天无理由退货的运费由我们承担。", "weight": 0.5}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "运费谁出？"}, {"role": "assistant", "content": "七天无理由退货的运费由我们承担。", "weight": 1}]}
    ```
    """

    code = "S015"
    name = "invalid-loss-weight"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        for flag in turn_flags(record):
            problem = _problem(flag, record)
            if problem is not None:
                yield self.finding(problem, pointer=flag.pointer)


# ---------------------------------------------------------------------------
# S016


#: (pointer, line, column, role, message) of a prompt turn S016 may report, and whether it is
#: reported whatever the file's convention (a key its trainer ignores on prompts).
_Place = tuple[str, int | None, int | None, str, str, bool]


class _PromptWeights(NamedTuple):
    """S016's summary of one record: per prompt role, of its turns that carry a weight read on
    every turn, how many there are and how many are masked (weight 0); and the turns to report."""

    ref: RecordRef
    counts: tuple[tuple[str, int, int], ...]  # (role, counted, masked)
    places: tuple[_Place, ...]


class _PromptCollector:
    """S016's summaries in flat memory: per file and prompt role, how many weighted turns and how
    many masked (the file's convention is judged per role, so the system prompts every record
    masks do not make its user turns look masked), and only the records with turns to report."""

    __slots__ = ("counts", "kept")

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, list[int]]] = {}
        self.kept: dict[str, list[_PromptWeights]] = {}

    def append(self, t: _PromptWeights) -> None:
        path = t.ref.path
        roles = self.counts.setdefault(path, {})
        for role, counted, masked in t.counts:
            c = roles.setdefault(role, [0, 0])
            c[0] += counted
            c[1] += masked
        if t.places:
            self.kept.setdefault(path, []).append(t)

    def piece(self) -> _PromptCollector:
        return _PromptCollector()

    def merge(self, other: _PromptCollector) -> None:
        for path, roles in other.counts.items():
            mine = self.counts.setdefault(path, {})
            for role, (counted, masked) in roles.items():
                c = mine.setdefault(role, [0, 0])
                c[0] += counted
                c[1] += masked
        for path, kept in other.kept.items():
            self.kept.setdefault(path, []).extend(kept)


class PromptLossWeight(Rule):
    """## What it does
    Reports a loss weight on a prompt turn (system, user or tool) that does not do what the file
    means.  Two cases:

    * the turn is trained on while the file masks its other prompts: LLaMA-Factory v1's
      `loss_weight` 1.0 (or axolotl's `"train": true`, or `weight` 1 in ShareGPT turns) on a
      user turn of a file whose user turns are otherwise 0.0.  The file's own convention
      decides, role by role: at least `majority` (0.75) of its weighted user (system, tool)
      turns must be masked before the others are reported, so a file that trains its prompts
      on purpose, everywhere or in a good share of its records, stays quiet;
    * the trainer ignores the key on prompts: OpenAI reads `weight` on assistant messages only,
      ms-swift reads `loss`/`loss_scale` on assistant turns only; a non-zero value there asks
      for training the trainer never does.  A zero there does what the trainer does anyway
      and is not reported.

    An S rule (conversation structure), with S014 and S015.

    ## Why is this bad?
    Trained on, a prompt teaches the model to write the user's side of the conversation (and
    the system prompt, verbatim), and spends the fine-tune's loss on text it will only ever
    read.  LLaMA-Factory's converters write 0.0 on every system and user turn; a 1.0 among them
    is a conversion slip (release 0.9.5 trains the turn; its development branch since July
    2026 reads the weights of assistant turns only, so there the value is silently ignored:
    either way the file says one thing and the trainer does another).

    ## Example
    ```json
    {"messages": [{"role": "system", "content": [{"type": "text", "value": "你是电商客服。"}], "loss_weight": 0.0}, {"role": "user", "content": [{"type": "text", "value": "运费谁出？"}], "loss_weight": 0.0}, {"role": "assistant", "content": [{"type": "text", "value": "七天无理由退货的运费由我们承担。"}], "loss_weight": 1.0}, {"role": "user", "content": [{"type": "text", "value": "几天到账？"}], "loss_weight": 0.0}, {"role": "assistant", "content": [{"type": "text", "value": "审核通过后3-5个工作日原路退回。"}], "loss_weight": 1.0}, {"role": "user", "content": [{"type": "text", "value": "发票怎么开？"}], "loss_weight": 0.0}, {"role": "assistant", "content": [{"type": "text", "value": "在订单详情页点击“申请发票”即可。"}], "loss_weight": 1.0}]}
    {"messages": [{"role": "system", "content": [{"type": "text", "value": "你是电商客服。"}], "loss_weight": 0.0}, {"role": "user", "content": [{"type": "text", "value": "可以换货吗？"}], "loss_weight": 1.0}, {"role": "assistant", "content": [{"type": "text", "value": "可以，签收后七天内可在订单页申请换货。"}], "loss_weight": 1.0}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "system", "content": [{"type": "text", "value": "你是电商客服。"}], "loss_weight": 0.0}, {"role": "user", "content": [{"type": "text", "value": "运费谁出？"}], "loss_weight": 0.0}, {"role": "assistant", "content": [{"type": "text", "value": "七天无理由退货的运费由我们承担。"}], "loss_weight": 1.0}, {"role": "user", "content": [{"type": "text", "value": "几天到账？"}], "loss_weight": 0.0}, {"role": "assistant", "content": [{"type": "text", "value": "审核通过后3-5个工作日原路退回。"}], "loss_weight": 1.0}, {"role": "user", "content": [{"type": "text", "value": "发票怎么开？"}], "loss_weight": 0.0}, {"role": "assistant", "content": [{"type": "text", "value": "在订单详情页点击“申请发票”即可。"}], "loss_weight": 1.0}]}
    {"messages": [{"role": "system", "content": [{"type": "text", "value": "你是电商客服。"}], "loss_weight": 0.0}, {"role": "user", "content": [{"type": "text", "value": "可以换货吗？"}], "loss_weight": 0.0}, {"role": "assistant", "content": [{"type": "text", "value": "可以，签收后七天内可在订单页申请换货。"}], "loss_weight": 1.0}]}
    ```

    ## Options
    `majority`: the share of the file's weighted turns of a prompt role that must be masked
    before a turn of that role trained on is reported.
    """

    code = "S016"
    name = "prompt-loss-weight"
    severity = "warning"
    scope = "dataset"

    class Options(RuleOptions):
        majority: float = Field(default=0.75, gt=0.0, lt=1.0)

    def map(self, record: Record) -> _PromptWeights | None:
        flags = turn_flags(record)
        if not flags:
            return None
        counts: dict[str, list[int]] = {}
        places: list[_Place] = []
        for f in flags:
            m = f.message
            if m.role not in PROMPT_ROLES:
                continue
            value = f.value
            if type(value) is bool:
                on = value
            elif is_number(value):
                on = value > 0
            else:
                continue  # S015's
            if _every_turn(f, record):
                c = counts.setdefault(m.role, [0, 0])
                c[0] += 1
                if not on:
                    c[1] += 1
                    continue
                message = (
                    f"the {m.role} turn is trained on (`{f.key}: {_shown(value)}`), but {{reason}}: "
                    + PROMPT_TRAINED[f.key]
                )
                forced = False
            elif on:
                message = (
                    f"`{f.key}: {_shown(value)}` on a {m.role} turn: {TRAINERS[f.key]} reads `{f.key}` on "
                    "assistant turns only, so this turn is not trained on whatever it says"
                )
                forced = True
            else:
                continue
            loc = record.locate(f.pointer)
            places.append((f.pointer, loc.line, loc.column, m.role, message, forced))
        if not counts and not places:
            return None
        return _PromptWeights(
            record.ref(), tuple((role, c[0], c[1]) for role, c in counts.items()), tuple(places)
        )

    def collector(self) -> _PromptCollector:
        return _PromptCollector()

    def reduce(self, summaries: Iterable[_PromptWeights]) -> Iterator[Finding]:
        coll: _PromptCollector = self.collected(summaries)
        majority = self.options.majority  # type: ignore[attr-defined]
        for path, kept in coll.kept.items():
            roles = coll.counts.get(path, {})
            for t in kept:
                for pointer, line, column, role, message, forced in t.places:
                    if not forced:
                        counted, masked = roles.get(role, (0, 0))
                        if not counted or masked < majority * counted:
                            continue  # the file trains its prompts of this role on purpose
                        message = message.replace(
                            "{reason}",
                            f"{masked:,} of the file's {counted:,} weighted {role} turns are masked with 0",
                        )
                    f = self.finding(message, pointer=pointer, ref=t.ref)
                    f.line, f.column = line, column
                    yield f


RULES = [UntrainedRecord, InvalidLossWeight, PromptLossWeight]
