"""R — ReAct turns (R001–R006).

The seed article trains a customer-service agent whose every reply is a ReAct
block followed by the answer::

    < 思考：……
    动作：……
    观察：…… >
    --- 给用户的答复

These rules check that shape.  Parsing lives in :mod:`sftlint.analysis.react` and is
shared by all six rules through the record's cache.  Labels, delimiters and the
separator are options of every rule (defaults: 思考/动作/行动/观察, their Traditional forms
動作/行動/觀察, and Thought/Action/Observation, ``< >``, ``---``), so an English or a Traditional
Chinese ReAct dataset works without configuration.

R002–R004 and R006 look only at turns that *are* ReAct blocks (an opening
``<`` followed by labels or a separator, or labels of two different steps), so
a plain chat dataset never triggers them; R001 and R005 need the dataset or the
system prompt to ask for ReAct first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field

from sftlint.analysis.layouts import ends_episode, labelled, line_turn, record_layout, record_line_syntax
from sftlint.analysis.majority import (
    FileTallies,
    FileVoteMixin,
    Missing,
    Tally,
    clean_tally,
    lacking_tally,
    voting_path,
)
from sftlint.analysis.react import (
    CLOSING,
    DEFAULT_LABELS,
    KIND_RANK,
    KINDS,
    LabelUse,
    ReactFacts,
    ReactSyntax,
    ReactTurn,
    bracketed,
    extra_colons,
    kinds_in_order,
    label_namings,
    prompt_requests_react,
    quoted_step_kinds,
    react_facts,
    record_syntax,
    structured_kinds,
    syntax_from,
)
from sftlint.diagnostic import Edit, Finding, Fix, RecordRef
from sftlint.locate import Location
from sftlint.record import Message, Record
from sftlint.rule import MANY_PROMPTS, PerPrompt, Rule, RuleOptions
from sftlint.transport import compact_pickle

Kind = Literal["thought", "action", "observation"]
_KIND_ZH = {"thought": "思考/Thought", "action": "动作/Action", "observation": "观察/Observation"}


class ReactOptions(RuleOptions):
    """Labels, block delimiters and separator: the same keys on every R rule."""

    thought_labels: list[str] = Field(default_factory=lambda: list(DEFAULT_LABELS["thought"]), min_length=1)
    action_labels: list[str] = Field(default_factory=lambda: list(DEFAULT_LABELS["action"]), min_length=1)
    observation_labels: list[str] = Field(
        default_factory=lambda: list(DEFAULT_LABELS["observation"]), min_length=1
    )
    block_open: str = "<"
    block_close: str = ">"
    separator: str = Field(default="---", min_length=1)
    #: Pins the layout the rule checks (``block``, ``line``, ``inline``); unset, each record's
    #: layout is decided from its system prompt, then its assistant turns
    #: (:func:`sftlint.analysis.layouts.record_layout`).
    layout: Literal["block", "line", "inline"] | None = None


class _ReactRule(Rule):
    Options = ReactOptions
    family = "react"

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        self.syntax: ReactSyntax = syntax_from(self.options)

    def family_key(self) -> object:
        return self.syntax.key

    @classmethod
    def family_gate(cls, rules: list[Rule]) -> Callable[[Record], bool] | None:
        """R002–R006 on one parse: quiet when the record has no block, or every block is laid
        out, ordered, labels every required step, holds no extra colon in a checked line, and
        (R005) the labels agree with the system prompt.  Each clause is the rule's own early
        return, folded over the record's blocks in :class:`ReactFacts`."""
        required, checked, layout, order = 0, frozenset(), False, False
        mismatch: ReactLabelMismatch | None = None
        for r in rules:
            if isinstance(r, ReactMarkerMissing):
                required |= r.required_mask
            elif isinstance(r, ActionColons):
                checked |= r.checked
            elif isinstance(r, ReactLayout):
                layout = True
            elif isinstance(r, ReactMarkerOrder):
                order = True
            elif isinstance(r, ReactLabelMismatch):
                mismatch = r
            else:
                return None  # a member this gate does not know: call every rule
        syntax = rules[0].syntax  # type: ignore[attr-defined]

        thought = bool(required & 1 << KIND_RANK["thought"])
        required_kinds = frozenset(k for k in KINDS if required & 1 << KIND_RANK[k])

        def quiet(record: Record) -> bool:
            facts = react_facts(record, syntax)
            if thought and any(not t.is_block and t.labels for _, t in facts.turns):
                return False  # a labelled turn that is not a block: R002 reads it in the line layout
            if required_kinds and structured_gaps(facts, required_kinds):
                return False  # a turn written as data lacks a step its record's others write
            if not facts.blocks:
                return True
            if (layout and not facts.layout_ok) or (order and not facts.in_order):
                return False
            if required & ~facts.common_mask or (
                facts.colon_kinds and not checked.isdisjoint(facts.colon_kinds)
            ):
                return False
            if required_kinds and any(
                len(t.labels) >= 4 and cycle_gaps(t.labels, required_kinds, t.text) for _, t in facts.blocks
            ):
                return False  # a cycle of several lacks a step (R002)
            return mismatch is None or mismatch.check(record) == ()

        return quiet


def _label_for(syntax: ReactSyntax, kind: str, turn: ReactTurn) -> str:
    """The label of ``kind`` in the turn's language (Action for an English block, 动作 otherwise);
    a label the record's prompt defines (first in its syntax) comes first: ``【操作】``."""
    english = bool(turn.labels) and all(u.text.isascii() for u in turn.labels)
    words = syntax.labels()[kind]
    for w in words:
        if w.isascii() == english:
            return bracketed(w)
    return bracketed(words[0])


def _block_span(turn: ReactTurn) -> tuple[int, int]:
    start = turn.open if turn.open is not None else (turn.labels[0].start if turn.labels else 0)
    end = turn.close + 1 if turn.close is not None else turn.block_end
    return start, max(start + 1, len(turn.text[:end].rstrip()))


# ---------------------------------------------------------------------------


class ReactMissing(FileVoteMixin, _ReactRule):
    """## What it does
    Reports an assistant turn without a ReAct block where ReAct is expected: the system prompt asks
    for it (it says "ReAct" or names the labels of two steps), the option `require` is true, or
    most assistant turns of the same file have a block.

    ## Why is this bad?
    The seed's system prompt insists: "不要只有第一次回复用户的时候使用ReAct方法，每次回复都要使用ReAct方法去思考".
    A dataset where some replies skip the block teaches the model that planning is optional, and
    in production it skips it exactly when the conversation gets long.

    ## Example
    ```json
    {"messages": [{"role": "system", "content": "你是客服助手。每次回复都要用 ReAct 方法思考，思考过程用<>包围，然后写---和给用户的答复。"}, {"role": "user", "content": "我的快递到哪了？"}, {"role": "assistant", "content": "您的快递已到达本市分拣中心，预计明天送达。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "system", "content": "你是客服助手。每次回复都要用 ReAct 方法思考，思考过程用<>包围，然后写---和给用户的答复。"}, {"role": "user", "content": "我的快递到哪了？"}, {"role": "assistant", "content": "< 思考：用户想知道快递位置，物流信息显示已到达本市分拣中心。\\n动作：告诉用户快递当前位置和预计送达时间。>\\n--- 您的快递已到达本市分拣中心，预计明天送达。"}]}
    ```

    ## Layouts
    Knows all three, and counts a turn as a ReAct turn in the layout its record uses (see
    `layout` under Options):

    - *block* (the seed's): `< 思考：…\\n动作：… >` then `--- 回复`;
    - *line* (LangChain, LlamaIndex, Qwen): `Thought: …` / `Action: search` / `Action Input: …`,
      and the last turn `Thought: I now know the final answer` / `Final Answer: …` (LlamaIndex:
      `Answer: …`; Chinese 思考/行动/行动输入/最终答案);
    - *inline* (the ReAct paper, FireAct): `Thought: …` / `Action: search[query]`, ending with
      `Action: finish[answer]`.

    In the line and inline layouts a plain turn that ends an episode is not reported here: it
    lacks the final-answer label, which is R008's finding.

    A turn that writes three or more lines under labels of its own that the system prompt does
    not define (`推理：…` / `操作：…` / `结果：…` / `答复：…`), or its steps as a JSON object's keys
    (`{"thought": …, "action": …, "reply": …}`) or as tags (`<think>…</think><action>…</action>`),
    is not reported: its steps are there, in a form the rule does not read, and it does not guess
    (labels the prompt defines are read: see R002).  Labels may be Markdown bold (`**思考**：`) and
    Traditional (`行動：`, `觀察：`); a turn that labels the steps its prompt quotes (`先写“思考：”，
    再以“回复：”给出答复`) is a turn of that prompt's steps.

    A file may mix records whose prompts ask for ReAct with records whose prompts ask for a
    direct answer (`直接给出答复即可`).  A record with a system prompt that does not ask for ReAct
    votes with the file's other such records only, so a direct answer is measured against the
    direct-answer records, not against the ReAct ones.

    ## Options
    `require`: `true` expects a block in every assistant turn, `false` never reports, unset
    (default) decides per record (system prompt) and per file (more than `majority` of the
    file's assistant turns have a block).  Assistant turns that call a tool with no text, or with
    their thought labelled (`思考：…` then the call), are not counted.

    ## Fix availability
    None: the missing reasoning cannot be written mechanically.
    """

    code = "R001"
    name = "react-missing"
    severity = "error"
    scope = "dataset"

    class Options(ReactOptions):
        require: bool | None = None
        majority: float = Field(default=0.5, ge=0.0, lt=1.0)

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        self.asks_react = PerPrompt(
            lambda prompt: bool(prompt) and prompt_requests_react(prompt, self.syntax), limit=MANY_PROMPTS
        )

    def map(self, record: Record) -> Tally | None:
        opts = self.options
        if opts.require is False or not record.messages:
            return None
        facts = react_facts(record, self.syntax)
        if not facts.turns:
            return None
        prompt = record.system_prompt
        asks = bool(prompt) and self.asks_react[prompt]
        # a record whose system prompt does not ask for ReAct votes with the file's other such
        # records: a file that mixes prompts that ask with prompts that answer directly holds
        # two conventions, and the second's turns are not the first's defects
        group = _PROMPT_WITHOUT_REACT if prompt and not asks else ""
        path = voting_path(record.file.path, group)
        if len(facts.blocks) == len(facts.turns):  # the common case in a ReAct dataset
            return clean_tally(path, len(facts.blocks))
        # a turn that calls a tool acts natively: with no text, or with its thought labelled in
        # its text (``思考：…`` then the call), it is a ReAct step
        # a turn that labels the steps its prompt quotes (``先写“思考：”，再以“回复：”给出答复``:
        # a thought, then the reply) writes the steps it asks for
        quoted = quoted_step_kinds(prompt, self.syntax) if prompt and asks else frozenset()
        lacking = [
            m
            for m, t in facts.turns
            if not t.is_block
            and not (m.tool_calls and (t.labels or not m.content.strip()))
            and not (quoted and quoted <= {u.kind for u in t.labels})
        ]
        having = len(facts.blocks)
        if (
            lacking
            and (having or opts.layout or record.system_prompt or labelled(record, self.syntax))
            and record_layout(record, self.syntax, opts.layout).layout in ("line", "inline")
        ):
            lacking, steps = _line_lacking(record, self.syntax, lacking)
            having += steps
        if lacking and not opts.require:
            # steps under labels of the file's own that its prompt does not define, or written
            # as a JSON object's keys or as tags: not a turn without ReAct, and which step is
            # which cannot be read as labels (never guess)
            lacking = [m for m in lacking if not _own_steps(m.content) and not _structured_turn(m.content)]
        if not lacking:
            return clean_tally(path, having) if having else None
        forced = bool(opts.require) or asks
        return lacking_tally(record, forced, having, lacking, group)

    def lacking(self, m: Missing, reason: str) -> tuple[str, None]:
        why = (
            "the system prompt asks for ReAct"
            if reason == "forced" and not self.options.require
            else "`require` is set"
            if reason == "forced"
            else f"{reason} use it"
        )
        return (
            f"assistant turn has no ReAct steps (a `< … >` block, then `---` and the reply, or Thought/Action "
            f"lines, in the layout the file uses); expected because {why}",
            None,
        )

    def lacking_summary(self, n: int, reason: str) -> str:
        return (
            f"{n} more assistant turns from this record on lack a ReAct block ({reason} use it); "
            "they were not listed one by one to keep memory flat; set `require = true` to list them"
        )


#: the group of a file's records whose system prompt does not ask for ReAct (R001's vote)
_PROMPT_WITHOUT_REACT = "under a system prompt that does not ask for ReAct"


def _line_lacking(record: Record, syntax: ReactSyntax, lacking: list[Message]) -> tuple[list[Message], int]:
    """In the line and inline layouts: the turns of ``lacking`` that really lack ReAct steps,
    and how many have some after all.

    A turn with one step (``Final Answer: …``, ``Thought: …`` then ``Answer: …``, an action
    alone) is a ReAct turn of these layouts.  A plain turn that ends an episode (the record's
    last assistant turn, or one answered by the user rather than by an observation) is left to
    R008, which says what it lacks: the final-answer label."""
    lsyn = record_line_syntax(record, syntax)
    msgs = record.messages or []
    keep: list[Message] = []
    having = 0
    for m in lacking:
        lt = line_turn(m, record, lsyn)
        if lt.has_steps:
            having += 1
        elif not ends_episode(msgs, m, lsyn):
            keep.append(m)
    return keep, having


class ReactMarkerMissing(_ReactRule):
    """## What it does
    Reports a ReAct block that lacks a required label (by default the thought and the action:
    the seed's own turns do not always write an observation).  In a turn of several cycles
    (`Thought 1 / Action 1 / Observation 1 / Thought 2 / …`) that labels every step somewhere,
    it reports the cycle that lacks one: an observation after a thought with no action between,
    or an action right after an observation with no thought (two thoughts in a row are one; the
    last cycle may be a lone thought before the final answer).  A turn that writes its steps as a
    JSON object's keys (`{"thought": …, "action": …, "reply": …}`) or as tags (`<think>…</think>
    <action>…</action>`) is reported where it lacks the thought or the action that the record's
    other such turns write.

    ## Why is this bad?
    The model learns the structure from the labels.  A block without `动作` leaves the model to
    guess where reasoning ends and the decision begins, which is the ambiguity the seed warns about.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "优惠券怎么用不了？"}, {"role": "assistant", "content": "< 思考：优惠券可能未满足使用门槛，需要确认订单金额。>\\n--- 请问您的订单金额是否达到了优惠券的使用门槛？"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "优惠券怎么用不了？"}, {"role": "assistant", "content": "< 思考：优惠券可能未满足使用门槛，需要确认订单金额。\\n动作：询问用户订单金额是否达到使用门槛。>\\n--- 请问您的订单金额是否达到了优惠券的使用门槛？"}]}
    ```

    ## Layouts
    Knows all three (the labels are the same words); it looks at turns that label two steps or
    open a `<` block.  Block: `< 思考：… >` without `动作：`.  Line and inline:
    `Action: search[x]` / `Observation: …` without `Thought:`, and in the line layout a turn
    with an action and the final answer but no thought (`行动：礼貌地结束对话` / `回答：不客气…`).  A
    line-layout final turn (`Thought: …` / `Final Answer: …`) has no action by design and is
    not a finding.

    ## Labels the file defines
    A file may name its steps in its own words, and its system prompt says which: `思考过程标记为【推理】，
    调用工具标记为【操作】，工具返回标记为【结果】`, `Use Reasoning:/Tool:/Result:`, `每一步按 分析 → 执行 →
    反馈 的格式`, `推理部分以“思路：”开头`, "prefix your reasoning with `Plan:`", or template lines
    (`推理：…` / `操作：…`).  Those labels count as the steps they name (a bracketed one with or
    without its colon: `【推理】用户想…`), and the finding names the missing step in them
    (`lacks the action label (【操作】)`).  Where the prompt's labels cannot be read with
    confidence (more than three steps, a word naming another step than its place, a label the
    prompt introduces with nothing saying its step) nothing is learned; a block that then writes
    two lines of labels of its own and none of the known ones is not reported: which of them is
    the thought cannot be known.

    ## Options
    `required`: the steps every block must label (`thought`, `action`, `observation`).

    ## Fix availability
    None: the missing step's content cannot be written mechanically.
    """

    code = "R002"
    name = "react-marker-missing"
    severity = "error"

    class Options(ReactOptions):
        required: list[Kind] = Field(default_factory=lambda: ["thought", "action"])

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        self.required = frozenset(self.options.required)
        self.required_mask = sum(1 << KIND_RANK[k] for k in self.required)

    def check(self, record: Record) -> Iterable[Finding]:
        facts = react_facts(record, self.syntax)
        found: list[Finding] = []
        if facts.blocks and self.required_mask & ~facts.common_mask:
            found.extend(self._report(record, facts))
        if facts.blocks:
            found.extend(self._cycles(record, facts))
        if self.required and facts.turns:
            found.extend(self._structured(record, facts))
        if "thought" in self.required and any(not t.is_block and t.labels for _, t in facts.turns):
            found.extend(self._acted_without_thought(record, facts))
        return found

    def _acted_without_thought(self, record: Record, facts: ReactFacts) -> Iterator[Finding]:
        """Line layout: a turn that labels an action and the final answer but no thought (one
        step label, so not a block above).  LangChain refuses such output ("both a final answer
        and a parse-able action"), and the template asks for the thought first."""
        if record_layout(record, self.syntax, self.options.layout).layout != "line":  # type: ignore[attr-defined]
            return
        lsyn = record_line_syntax(record, self.syntax)
        for msg, turn in facts.turns:
            if turn.is_block or not turn.labels:
                continue
            steps = line_turn(msg, record, lsyn).steps
            kinds = {st.kind for st in steps}
            if "action" in kinds and kinds & {"final", "answer"} and "thought" not in kinds:
                label = _label_for(record_syntax(record, self.syntax), "thought", turn)
                yield self.finding(
                    f"ReAct turn has an action and the final answer but lacks the thought label ({label})",
                    msg=msg,
                    span=(steps[0].start, steps[-1].value_end),
                )

    def _structured(self, record: Record, facts: ReactFacts) -> Iterator[Finding]:
        """A turn that writes its steps as a JSON object's keys or as tags, without a required
        step (thought, action) that the record's other such turns write."""
        for msg, absent in structured_gaps(facts, self.required):
            names = "、".join(f"`{k}`" for k in absent)
            yield self.finding(
                f"ReAct turn written as {'a JSON object' if '{' in msg.content else 'tags'} lacks the "
                f"{', '.join(absent)} step ({names}) that the record's other such turns write",
                msg=msg,
                span=(0, len(msg.content)),
            )

    def _cycles(self, record: Record, facts: ReactFacts) -> Iterator[Finding]:
        """A turn of several cycles (``Thought 1 / Action 1 / Observation 1 / Thought 2 / …``)
        whose every step is labelled somewhere, but one cycle lacks a required step: a thought
        whose observation comes with no action, or an action right after an observation with no
        thought between.  The last cycle may be a lone thought (``Thought: I now know the final
        answer``)."""
        syntax: ReactSyntax | None = None
        for msg, turn in facts.blocks:
            labels = turn.labels
            if len(labels) < 4 or self.required_mask & ~turn.kind_mask:
                continue  # one cycle, or a step missing from the whole turn (reported above)
            for kind, use in cycle_gaps(labels, self.required, turn.text):
                if syntax is None:
                    syntax = record_syntax(record, self.syntax)
                yield self.finding(
                    f"ReAct cycle lacks the {kind} label ({_label_for(syntax, kind, turn)}) that the turn's "
                    "other cycles write",
                    msg=msg,
                    span=(use.start, use.value_end),
                )

    def _report(self, record: Record, facts: ReactFacts) -> Iterator[Finding]:
        syntax = record_syntax(record, self.syntax)
        for msg, turn in facts.blocks:
            if not self.required_mask & ~turn.kind_mask:
                continue
            if not turn.kind_mask and _own_labels(turn):
                continue  # labels of the file's own that its prompt does not define: never guess
            absent = [k for k in KINDS if k in self.required and not turn.kind_mask >> KIND_RANK[k] & 1]
            if absent:
                names = "、".join(_label_for(syntax, k, turn) for k in absent)
                yield self.finding(
                    f"ReAct block lacks the {', '.join(absent)} label ({names})",
                    msg=msg,
                    span=_block_span(turn),
                )


#: A line of a block that starts with a label of some other words: ``推理：``, ``Plan:``, ``【推理】``.
_OWN_LABEL = re.compile(
    r"^[ \t]*(?:<[ \t]*)?(?:【[^\s【】]{1,8}】|(?P<w>[\u4e00-\u9fff]{1,6}|[A-Za-z][a-z]*(?:[ \t][A-Za-z][a-z]*)?)[ \t]*[：:])",
    re.MULTILINE,
)


def _structured_turn(text: str) -> bool:
    """A turn whose JSON keys or tags name the thought or the action and one more step: its steps
    are there as data (what one of them lacks is R002's to say)."""
    return len(structured_kinds(text)) >= 2


def structured_gaps(facts: ReactFacts, required: frozenset[str]) -> list[tuple[Message, list[str]]]:
    """The record's turns written as data (:func:`structured_kinds`) that lack a required step
    the record's other such turns write: (turn, the absent steps)."""
    turns = []
    for msg, turn in facts.turns:
        if turn.is_block or turn.labels:
            continue
        kinds = structured_kinds(msg.content)
        if len(kinds) >= 2:
            turns.append((msg, kinds))
    if len(turns) < 2:
        return []
    written = frozenset().union(*(k for _m, k in turns)) & required
    out = []
    for msg, kinds in turns:
        absent = [k for k in ("thought", "action") if k in written and k not in kinds]
        if absent:
            out.append((msg, absent))
    return out


def cycle_gaps(
    labels: list[LabelUse], required: frozenset[str], text: str | None = None
) -> list[tuple[str, LabelUse]]:
    """The required steps (thought, action) that a cycle of a turn of several cycles lacks, each
    with the label where the cycle starts.  A cycle starts at a thought, or at an action right
    after an observation (its thought is the one missing); an observation that follows a
    thought with no action between lacks the action.  The last cycle may be a lone thought.
    Given the turn's ``text``, only labels that open a line count."""
    cycles: list[list[LabelUse]] = []
    for u in labels:
        if text is not None and text[text.rfind("\n", 0, u.start) + 1 : u.start].strip(" \t<*#>-"):
            continue  # a label inside a line's text (``观察：4. 行动：提供…``) opens no step
        kind = u.kind
        last = cycles[-1][-1].kind if cycles else None
        if (
            last is None
            or (kind == "thought" and last != "thought")
            or (kind == "action" and last == "observation")
        ):
            cycles.append([u])  # (two thoughts in a row are one thought written on two lines)
        else:
            cycles[-1].append(u)
    if len(cycles) < 2:
        return []
    gaps = []
    for i, cycle in enumerate(cycles):
        kinds = {u.kind for u in cycle}
        if i == len(cycles) - 1 and kinds == {"thought"}:
            continue  # the final thought before the answer
        for kind in ("thought", "action"):
            if kind in required and kind not in kinds:
                gaps.append((kind, cycle[0]))
    return gaps


def _own_steps(text: str) -> bool:
    """Whether a turn that is no ReAct block writes three or more lines under labels of its own
    (``推理：…`` / ``操作：…`` / ``结果：…`` / ``答复：…``)."""
    if "：" not in text and ":" not in text and "】" not in text:
        return False
    words = {m.group(0).strip(" \t<：:") for m in _OWN_LABEL.finditer(text)}
    return len(words) >= 3


def _own_labels(turn: ReactTurn) -> bool:
    """Whether a block that writes none of the known labels writes two lines of its own labels
    (``< 推理：… 操作：… >``): a file that names its steps in words its system prompt does not
    define.  Which of them is the thought cannot be known, so R002 does not guess."""
    start = turn.open if turn.open is not None else 0
    words = {m.group(0).strip(" \t<：:") for m in _OWN_LABEL.finditer(turn.text, start, turn.block_end)}
    return len(words) >= 2


class ActionColons(_ReactRule):
    """## What it does
    Reports a label line (by default the action line) that holds another colon after its label,
    as in `动作：询问用户：您的账号…`.  The span marks the extra colon.  Not counted as colons:
    clock times and ratios (`9:00`, `21：30`, `1:2`), URLs (`https://…`), and colons inside
    quotes or brackets (`回复用户“注意：…”`, `lookup({"id": 1})`), where the quotes already
    delimit the content.  English lines are held to the same rule: `Action: lookup_order: 123`
    is reported (is `123` part of the action or a new field?); write `Action: lookup_order[123]`.

    ## Why is this bad?
    The seed article (section 二, 例2): "一句中有两个冒号，这个结构就不够清晰——大模型就不容易理解到
    '询问用户：您的账号是否是大陆地区的？' 都属于'动作'".  The colon is the label's delimiter; a second
    one reads as a second label.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "我为什么无法开直播？"}, {"role": "assistant", "content": "< 思考：需要确认用户账号所在地区。\\n动作：询问用户：您的账号是否是大陆地区的？>\\n--- 请问您的账号是大陆地区的账号吗？"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "我为什么无法开直播？"}, {"role": "assistant", "content": "< 思考：需要确认用户账号所在地区。\\n动作：询问用户的账号是否是大陆地区的账号。>\\n--- 请问您的账号是大陆地区的账号吗？"}]}
    ```

    ## Layouts
    Knows all three: the action line is `动作：…` in the block layout, `Action: …` in the line
    layout (`Action: lookup_order: 123` is reported; `Action Input:` is its own line) and
    `Action: search[…]` in the inline layout, where colons inside the brackets are content.

    ## Options
    `labels`: which steps' lines are checked (default `["action"]`).

    ## Fix availability
    Sometimes: a doubled colon right after the label (`动作：：询问…`) is removed safely.  Any
    other extra colon has no fix: turning it into a comma or quotes rewrites what the model learns
    and may join two fields into one.
    """

    code = "R003"
    name = "action-colons"
    severity = "error"
    fix_availability = "sometimes"

    class Options(ReactOptions):
        labels: list[Kind] = Field(default_factory=lambda: ["action"])

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        self.checked = frozenset(self.options.labels)

    def check(self, record: Record) -> Iterable[Finding]:
        facts = react_facts(record, self.syntax)
        if not facts.colon_kinds or self.checked.isdisjoint(facts.colon_kinds):
            return ()  # no colon after any checked label: nothing to look at
        return self._report(facts)

    def _report(self, facts: ReactFacts) -> Iterator[Finding]:
        checked = self.checked
        for msg, turn in facts.blocks:
            if not turn.colon_kinds or checked.isdisjoint(turn.colon_kinds):
                continue  # no colon after any checked label: nothing to look at
            text = turn.text
            for use in turn.labels:
                if use.kind not in checked:
                    continue
                extra = extra_colons(text, use.value_start, use.value_end)
                if not extra:
                    continue
                at = extra[0]
                more = f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""
                fix = None
                if not text[use.value_start : at].strip():
                    pointer, span = msg.resolve((at, at + 1))
                    if span is not None:
                        fix = Fix("remove the doubled colon", (Edit(pointer, span[0], span[1], ""),), "safe")
                yield self.finding(
                    f"`{use.text}` line has another colon after its label{more}; the label's colon "
                    "should be the only one (quote the content or rephrase)",
                    msg=msg,
                    span=(at, at + 1),
                    fix=fix,
                )


class ReactLayout(_ReactRule):
    """## What it does
    Reports a ReAct turn whose layout is broken: the block does not open with `<` or is not
    closed with `>`, the `---` separator or the reply after it is missing, or the reply is itself
    wrapped in `< >`.  One finding per turn, naming every problem.

    ## Why is this bad?
    In production the application splits the model's output at the block and the separator and
    shows the user only the reply.  A turn without a closing `>` or without `---` teaches the
    model an output that the application cannot split: the user sees the reasoning, or nothing.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "会员怎么续费？"}, {"role": "assistant", "content": "< 思考：用户想续费会员，知识库说明可在“我的-会员中心”续费。\\n动作：告诉用户续费入口。\\n--- 您可以在“我的-会员中心”页面点击续费。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "会员怎么续费？"}, {"role": "assistant", "content": "< 思考：用户想续费会员，知识库说明可在“我的-会员中心”续费。\\n动作：告诉用户续费入口。>\\n--- 您可以在“我的-会员中心”页面点击续费。"}]}
    ```

    ## Layouts
    Knows the *block* layout only, and speaks only where the record uses it: the system prompt
    asks for the `< >` block (or the `---` separator), or the record's turns are written as
    blocks.  A record in the line layout (`Thought:` / `Action:` / `Action Input:` /
    `Final Answer:`) or the inline layout (`Action: search[query]`, FireAct's trajectories) is
    never reported, nor is a record whose turns show no layout at all.  Pin the layout with the
    `layout` option where the data cannot tell.

    ## Fix availability
    Sometimes, and safe when offered, because it only adds delimiters and never touches the text:
    a missing `>` is inserted before the separator, a missing `<` before the first label, a
    missing separator between `>` and the reply, and a separator written as another dash run
    (`——`) is replaced by `---`.  A wrapped reply gets an unsafe fix (removing
    the `< >`), since the wrapped text might be a second block rather than the reply.  A missing
    reply has no fix.
    """

    code = "R004"
    name = "react-layout"
    severity = "error"
    fix_availability = "sometimes"

    def check(self, record: Record) -> Iterable[Finding]:
        facts = react_facts(record, self.syntax)
        if facts.layout_ok or record_layout(record, self.syntax, self.options.layout).layout != "block":
            return ()  # laid out, or a record in the line or inline layout (or none decided)
        return self._report(facts)

    def _report(self, facts: ReactFacts) -> Iterator[Finding]:
        syn = self.syntax
        for msg, turn in facts.blocks:
            if turn.layout_ok:
                continue
            text = turn.text
            # (what is wrong, span, edits, applicability, what the fix does)
            problems: list[tuple[str, tuple[int, int], tuple[Edit, ...] | None, str, str]] = []
            first_label = turn.labels[0].start if turn.labels else None
            if turn.open is None:
                at = first_label if first_label is not None else 0
                edits = None
                if first_label is not None and not text[:first_label].strip():
                    edits = (Edit("", first_label, first_label, syn.block_open + " "),)
                problems.append(
                    (
                        f"the block does not open with `{syn.block_open}`",
                        (at, at + 1),
                        edits,
                        "safe",
                        f"open the block with `{syn.block_open}`",
                    )
                )
            if turn.close is None:
                if turn.separator is not None:
                    end = len(text[: turn.separator[0]].rstrip())
                    edits = (Edit("", end, end, syn.block_close),)
                    span = (max(0, end - 1), max(1, end))
                else:
                    end = len(text.rstrip())
                    edits = None
                    span = (max(0, end - 1), max(1, end))
                problems.append(
                    (
                        f"the block is not closed with `{syn.block_close}`",
                        span,
                        edits,
                        "safe",
                        f"close the block with `{syn.block_close}`",
                    )
                )
            if turn.separator is None:
                if turn.close is not None and turn.trailing is not None:
                    dashes = _DASHES.match(text, turn.trailing[0])
                    if dashes is not None:  # "——" or "--": a separator written another way
                        edits = (Edit("", dashes.start(), dashes.end(), syn.separator),)
                    else:
                        edits = (
                            Edit(
                                "",
                                turn.close + len(syn.block_close),
                                turn.trailing[0],
                                f" \n{syn.separator} ",
                            ),
                        )
                    problems.append(
                        (
                            f"no `{syn.separator}` separator before the reply",
                            (turn.close, turn.close + 1),
                            edits,
                            "safe",
                            f"write the `{syn.separator}` separator before the reply",
                        )
                    )
                else:
                    at = turn.close if turn.close is not None else max(0, len(text.rstrip()) - 1)
                    problems.append(
                        (
                            f"no `{syn.separator}` separator and no reply after the block",
                            (at, at + 1),
                            None,
                            "safe",
                            "",
                        )
                    )
            elif turn.reply is None:
                problems.append(
                    (
                        f"nothing after the `{syn.separator}` separator: the reply is missing",
                        turn.separator,
                        None,
                        "safe",
                        "",
                    )
                )
            elif turn.reply_wrapped:
                rs, re_ = turn.reply
                inner_has_labels = any(u.start >= rs for u in _all_labels(turn, syn))
                edits = None
                if not inner_has_labels:
                    edits = (
                        Edit("", re_ - len(syn.block_close), re_, ""),
                        Edit("", rs, rs + len(syn.block_open), ""),
                    )
                problems.append(
                    (
                        f"the reply is wrapped in `{syn.block_open} {syn.block_close}`",
                        turn.reply,
                        edits,
                        "unsafe",
                        "unwrap the reply",
                    )
                )
            if not problems:
                continue
            message = "ReAct layout: " + "; ".join(p[0] for p in problems)
            fix = None
            if len(problems) == 1 and problems[0][2] is not None:
                fix = _fix(msg, problems[0][4], problems[0][2], problems[0][3])
            yield self.finding(message, msg=msg, span=problems[0][1], fix=fix)


_DASHES = re.compile(r"[-—–─━_~=]{2,}")


def _all_labels(turn: ReactTurn, syntax: ReactSyntax) -> list:
    from sftlint.analysis.react import find_labels

    return find_labels(turn.text, syntax)


def _fix(msg: Message, verb: str, edits: tuple[Edit, ...], applicability: str) -> Fix | None:
    """Map edits in ``msg.content`` onto the pointer of the string they fall in."""
    out: list[Edit] = []
    for e in edits:
        pointer, span = msg.resolve((e.start, e.end))
        if span is None:
            return None
        # An edit must stay inside one string: reject ones that the resolver clipped.
        if span[1] - span[0] != e.end - e.start:
            return None
        out.append(Edit(pointer, span[0], span[1], e.replacement))
    return Fix(verb, tuple(out), applicability)  # type: ignore[arg-type]


class ReactLabelMismatch(_ReactRule):
    """## What it does
    Compares the labels that the system prompt names for each step (`标记为行动`, "mark it as
    Action", a quoted label, or a format template such as `动作：…` in the prompt) with the labels
    the assistant turns write.  Reports once per step whose labels differ, with the span on the
    label in the system prompt: the prompt is the one place to fix, and the model sees it in
    production.

    ## Why is this bad?
    The seed's own example: its prompt says "决定合适的行动，标记为行动" while every turn writes `动作：`.
    The model is trained on instructions that its targets contradict; at inference it is unclear
    which label to produce, and a parser waiting for `行动：` misses the action.

    ## Example
    ```json
    {"messages": [{"role": "system", "content": "用 ReAct 方法思考：先思考，标记为思考；再决定合适的行动，标记为行动。"}, {"role": "user", "content": "怎么修改收货地址？"}, {"role": "assistant", "content": "< 思考：用户想修改收货地址。\\n动作：告诉用户修改地址的入口。>\\n--- 您可以在订单详情页点击“修改地址”。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "system", "content": "用 ReAct 方法思考：先思考，标记为思考；再决定合适的动作，标记为动作。"}, {"role": "user", "content": "怎么修改收货地址？"}, {"role": "assistant", "content": "< 思考：用户想修改收货地址。\\n动作：告诉用户修改地址的入口。>\\n--- 您可以在订单详情页点击“修改地址”。"}]}
    ```

    ## Layouts
    Knows all three: a prompt's template (`Thought:` / `Action:` lines, `思考：…`), its naming
    (`标记为行动`) or its quoted labels are compared with what the turns write, in any layout.
    Labels the prompt defines in words of its own (`思考过程标记为【推理】`, `Use Reasoning:/Tool:/Result:`;
    see R002) are read the same way: a prompt that says `【推理】` over turns that write `思考：` is reported.

    ## Fix availability
    None: whether the prompt or the turns are right is the dataset owner's choice.
    """

    code = "R005"
    name = "react-label-mismatch"
    severity = "warning"

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        #: per system prompt: the labels it names by step, whether a turn's label words agree
        #: with them (by the words), and the mismatches reported for a record's blocks (by their
        #: words, in order)
        self._prompts = PerPrompt(
            lambda prompt: (_named_by_kind(prompt, self.syntax), {}, {}), limit=MANY_PROMPTS
        )

    def check(self, record: Record) -> Iterable[Finding]:
        msgs = record.messages
        if not msgs or msgs[0].role != "system":
            return ()
        system = msgs[0]
        named_by_kind, verdicts, reports = self._prompts[system.content]
        if not named_by_kind:
            return ()
        blocks = react_facts(record, self.syntax).blocks
        for _msg, turn in blocks:
            key = turn.word_key()
            agree = verdicts.get(key)  # the common case: these label words were seen before
            if agree is None:
                agree = self._agree(named_by_kind, turn.words(), self.syntax.for_prompt(system.content))
                if len(verdicts) < 64:
                    verdicts[key] = agree
            if not agree:
                return self._report(system, blocks, reports)
        return ()

    def _agree(
        self, named_by_kind: dict[str, frozenset[str]], words: list[tuple[str, str]], syntax: ReactSyntax
    ) -> bool:
        canonical = syntax.canonical
        for kind, word in words:
            named = named_by_kind.get(kind)
            if named is not None and _bare(word) not in named and _bare(canonical(word)) not in named:
                return False
        return True

    def _report(
        self,
        system: Message,
        blocks: list[tuple[Message, ReactTurn]],
        reports: dict[tuple[object, ...], list[tuple[str, tuple[int, int]]]],
    ) -> Iterator[Finding]:
        # What is reported depends only on the prompt and the label words of the blocks, in
        # order: a dataset whose prompt disagrees with its turns (the seed's) writes the same
        # few sequences of words on every record, so the findings are worked out once each.
        key = tuple(turn.word_key() for _msg, turn in blocks)
        found = reports.get(key)
        if found is None:
            found = self._mismatches(system.content, blocks)
            if len(reports) < 128:
                reports[key] = found
        for message, span in found:
            yield self.finding(message, msg=system, span=span)

    def _mismatches(
        self, prompt: str, blocks: list[tuple[Message, ReactTurn]]
    ) -> list[tuple[str, tuple[int, int]]]:
        """Per step whose labels differ: the message and the span of the prompt's label."""
        syntax = self.syntax.for_prompt(prompt)
        namings = label_namings(prompt, syntax)
        canonical = syntax.canonical
        used: dict[str, dict[str, int]] = {}
        for _msg, turn in blocks:
            for kind, word in turn.words():
                key = _bare(canonical(word))
                counts = used.setdefault(kind, {})
                counts[key] = counts.get(key, 0) + 1
        out: list[tuple[str, tuple[int, int]]] = []
        for kind in KINDS:
            named = [n for n in namings if n.kind == kind]
            if not named or kind not in used:
                continue
            named_set = {_bare(canonical(n.text)) for n in named}
            other = {label: c for label, c in used[kind].items() if label not in named_set}
            if not other:
                continue
            writes = ", ".join(f"`{label}` ({c}×)" for label, c in sorted(other.items(), key=lambda x: -x[1]))
            first = named[0]
            out.append(
                (
                    f"the system prompt names the {kind} step `{first.text}` but the assistant turns write "
                    f"{writes}; use one label",
                    (first.start, first.end),
                )
            )
        return out


def _named_by_kind(prompt: str, syntax: ReactSyntax) -> dict[str, frozenset[str]]:
    """The labels a system prompt names, by step (R005 keeps them per prompt)."""
    syntax = syntax.for_prompt(prompt)
    out: dict[str, set[str]] = {}
    for n in label_namings(prompt, syntax):
        out.setdefault(n.kind, set()).add(_bare(syntax.canonical(n.text)))
    return {k: frozenset(v) for k, v in out.items()}


def _bare(label: str) -> str:
    """A label without the bracket it opens with (``【思考`` -> ``思考``): a prompt that names
    【思考】 and turns that write 【思考】 (or 思考：) use one label; brackets are layout."""
    return label[1:] if label[:1] in CLOSING else label


class ReactMarkerOrder(_ReactRule):
    """## What it does
    Reports a ReAct block whose labels are out of order: the first action before the first thought,
    or the first observation before the first action.  Later cycles (thought, action, observation,
    thought, …) are fine.  The span marks the label that comes too late.

    ## Why is this bad?
    ReAct is thought → action → observation: the action follows from the reasoning.  A block that
    acts first teaches the model to decide before it reasons, the opposite of what the method is for.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "退款什么时候到账？"}, {"role": "assistant", "content": "< 动作：查询用户的退款状态。\\n思考：用户关心退款到账时间，需要先知道退款状态。>\\n--- 请稍等，我帮您查询一下退款状态。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "退款什么时候到账？"}, {"role": "assistant", "content": "< 思考：用户关心退款到账时间，需要先知道退款状态。\\n动作：查询用户的退款状态。>\\n--- 请稍等，我帮您查询一下退款状态。"}]}
    ```

    ## Layouts
    Knows all three: `< 动作：… 思考：… >`, `Action: search` before `Thought:`, and
    `Observation:` before the first `Action:` of a trajectory are all out of order.

    ## Fix availability
    None: reordering lines can change the reasoning they express.
    """

    code = "R006"
    name = "react-marker-order"
    severity = "warning"

    def check(self, record: Record) -> Iterable[Finding]:
        facts = react_facts(record, self.syntax)
        return () if facts.in_order else self._report(facts)

    def _report(self, facts: ReactFacts) -> Iterator[Finding]:
        for msg, turn in facts.blocks:
            if turn.in_order:
                continue
            firsts = kinds_in_order(turn.labels)
            highest = None
            for use in firsts:
                if highest is not None and KIND_RANK[use.kind] < KIND_RANK[highest.kind]:
                    order = " → ".join(self.syntax.labels()[k][0] for k in KINDS)
                    yield self.finding(
                        f"`{use.text}` comes after `{highest.text}`; label order is {order}",
                        msg=msg,
                        span=(use.start, use.end),
                    )
                    break
                if highest is None or KIND_RANK[use.kind] > KIND_RANK[highest.kind]:
                    highest = use


class ObservationDropped(_ReactRule):
    """## What it does
    Reports a ReAct turn without the observation step in a file whose ReAct turns write it:
    at least 20 turns that label a thought and an action, and more than 95% of them an
    observation too.  The seed's own turns leave the observation out after the first (R002
    does not require it); a file that always writes it, and a turn that does not, is a turn
    that lost a line.  Knows the turns R002 reads: `< … >` blocks, and turns that label two
    steps on their lines (`思考：` / `行动：` / `观察：` / `回复：`, or the labels the system prompt
    defines, `【思考】【动作】【观察】`).

    ## Why is this bad?
    A fine-tune copies the file's shape: one turn in twenty without the observation teaches the
    model to skip it now and then, where the file (and its prompt: `四个部分缺一不可`) means
    every turn to note what the action did or waits for.

    ## Example
    A file of twenty or more turns that each write all three steps,
    `< 思考：优惠券可能未满足使用门槛。 动作：询问用户订单金额。 观察：等待用户确认订单金额。 > --- 请问…？`,
    and one turn that stops after its action:
    `< 思考：优惠券可能未满足使用门槛。 动作：询问用户订单金额。 > --- 请问…？` (the convention
    needs the whole file, so the example is not a one-record file).

    ## Use instead
    The observation in that turn too: `… 动作：询问用户订单金额。 观察：等待用户确认订单金额。 > --- …`.

    ## Fix availability
    None: what the turn observed cannot be written mechanically.
    """

    code = "R013"
    name = "observation-dropped"
    severity = "warning"
    scope = "dataset"

    def map(self, record: Record) -> _ObservedTally | None:
        facts = react_facts(record, self.syntax)
        if not facts.blocks:
            return None
        tally = _ObservedTally(record.ref(), None)
        syntax: ReactSyntax | None = None
        for msg, turn in facts.blocks:
            mask = turn.kind_mask
            if mask & _ACTING != _ACTING:
                continue  # (a turn without its thought or action is R002's)
            tally.turns += 1
            if mask & _OBSERVING:
                tally.observed += 1
                continue
            if syntax is None:
                syntax = record_syntax(record, self.syntax)
            pointer, span = msg.resolve(_block_span(turn))
            tally.places.append(
                _Unobserved(
                    pointer, span, _label_for(syntax, "observation", turn), record.locate(pointer, span)
                )
            )
        if tally.places:
            tally.record_hash = record.content_hash
        return tally if tally.turns else None

    def collector(self) -> FileTallies:
        return FileTallies("turns", "observed")

    def reduce(self, summaries: Iterable[_ObservedTally]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        for path, tallies in coll.kept.items():
            if not coll.convention(path, OBSERVED_SHARE):
                continue
            turns, observed = coll.counts[path]
            for t in tallies:
                for p in t.places:
                    yield self.placed(
                        f"ReAct turn lacks the observation label ({p.label}), which the file's other "
                        f"turns write ({observed:,} of {turns:,})",
                        t,
                        p,
                    )


#: the steps a turn that acts labels (thought and action), and the observation's bit
_ACTING = (1 << KIND_RANK["thought"]) | (1 << KIND_RANK["action"])
_OBSERVING = 1 << KIND_RANK["observation"]
#: a file writes the observation in its turns when more than this share of them do (of at
#: least ``CONVENTION_LEAST``)
OBSERVED_SHARE = 0.95


@compact_pickle
@dataclass(slots=True)
class _Unobserved:
    pointer: str
    span: tuple[int, int]
    label: str  # the observation's label in the turn's words
    loc: Location


@compact_pickle
@dataclass(slots=True)
class _ObservedTally:
    """What R013 keeps of one record: its acting turns, those that observe, and the others."""

    ref: RecordRef
    record_hash: str | None
    turns: int = 0
    observed: int = 0
    places: list[_Unobserved] = field(default_factory=list)


RULES = [
    ReactMissing,
    ReactMarkerMissing,
    ActionColons,
    ReactLayout,
    ReactLabelMismatch,
    ReactMarkerOrder,
    ObservationDropped,
]
