"""R007–R012 — the line and inline ReAct layouts (LangChain, LlamaIndex, the ReAct paper).

The block rules (:mod:`sftlint.rules.react`) check the seed's ``< … > --- reply`` turns; these
check the turns that agent frameworks parse line by line::

    Thought: I need the weather in Paris.
    Action: get_weather
    Action Input: {"city": "Paris"}

where the observation comes from the next tool (or user) turn and the episode ends with
``Final Answer:`` (LangChain) or ``Answer:`` (LlamaIndex), or the paper's inline form
``Action: search[Paris weather]`` … ``Action: finish[sunny]``.  Each rule checks a record only
against the layout decided for it (:func:`sftlint.analysis.layouts.record_layout`: an option, the
system prompt's format template, or the record's turns), so a seed-style dataset and a plain chat
dataset never trigger them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import orjson
from pydantic import Field
from sftlint.rules.react import ReactOptions

from sftlint.analysis.layouts import (
    FINAL_LABELS,
    LineSyntax,
    LineTurn,
    Step,
    ends_episode,
    env_observation,
    exact_json,
    is_json,
    labelled,
    line_syntax,
    line_turn,
    names_input,
    names_of,
    prompt_asks_json,
    prompt_names_input,
    prompt_tools,
    read_action,
    record_layout,
    record_line_syntax,
    unfence,
)
from sftlint.analysis.majority import (
    FileVoteMixin,
    Tally,
    VoteCollector,
    VotePiece,
    clean_tally,
    kept_findings,
)
from sftlint.analysis.react import bracketed, syntax_from
from sftlint.diagnostic import Edit, Finding, Fix, RecordRef
from sftlint.record import Message, Record
from sftlint.rule import Rule, RuleOptions

#: Actions that end the episode rather than call a tool.
_FINISH = frozenset({"finish", "final answer", "final_answer", "none", "无", "结束"})


class _LineRule(Rule):
    Options = ReactOptions
    family = "react-line"

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        self.syntax = syntax_from(self.options)
        self.lsyn: LineSyntax = line_syntax(self.syntax)

    def lsyn_of(self, record: Record) -> LineSyntax:
        """The line labels of ``record``: the options' and those its system prompt defines."""
        return record_line_syntax(record, self.syntax)

    def family_key(self) -> object:
        return (self.syntax.key, self.options.layout)  # type: ignore[attr-defined]

    def active(self, record: Record, layouts: tuple[str, ...] = ("line", "inline")) -> bool:
        """Whether ``record`` is one the rule checks: some assistant turn writes a ReAct label,
        and the record's layout is one of ``layouts`` (the family gate asks the same)."""
        return labelled(record, self.syntax) and self.layout(record) in layouts

    def layout(self, record: Record) -> str | None:
        return record_layout(record, self.syntax, self.options.layout).layout  # type: ignore[attr-defined]

    def turns(self, record: Record) -> Iterator[tuple[Message, LineTurn]]:
        lsyn = self.lsyn_of(record)
        for m in record.messages or ():
            if m.role == "assistant":
                yield m, line_turn(m, record, lsyn)

    @classmethod
    def family_gate(cls, rules: list[Rule]) -> Callable[[Record], bool] | None:
        """Quiet on a record in neither the line nor the inline layout (every seed-style and
        plain chat record): each member's first question."""
        if not all(isinstance(r, _LineRule) for r in rules):
            return None
        first: _LineRule = rules[0]  # type: ignore[assignment]
        return lambda record: not first.active(record)


def _label(lt: LineTurn, kind_words: tuple[str, ...]) -> str:
    """The label of a step in the turn's language (English unless it writes Chinese labels)."""
    chinese = any(not s.label.isascii() for s in lt.steps)
    for w in kind_words:
        if w.isascii() != chinese:
            return w
    return kind_words[0]


class ActionInputMissing(_LineRule):
    """## What it does
    In the line layout (LangChain, LlamaIndex, Qwen: `Thought:` / `Action:` / `Action Input:`),
    reports an `Action:` line with no `Action Input:` after it.  Actions that carry their input
    themselves are not reported: the inline form `search[query]` and a JSON blob
    (`{"action": …, "action_input": …}`).  Knows the line layout only: the block layout's
    actions are sentences, the inline layout's carry their argument in brackets.

    ## Why is this bad?
    The framework that runs the model parses the action and its input from separate lines;
    an action without its input cannot be executed (LangChain raises "Could not parse LLM
    output"), and a model trained on such turns writes them in production.

    ## Example
    ```json
    {"messages": [{"role": "system", "content": "Answer the question using the tools.\\nUse the following format:\\nThought: you should always think about what to do\\nAction: the action to take, should be one of [get_weather]\\nAction Input: the input to the action\\nObservation: the result of the action\\nThought: I now know the final answer\\nFinal Answer: the final answer"}, {"role": "user", "content": "What's the weather in Paris?"}, {"role": "assistant", "content": "Thought: I need the current weather in Paris.\\nAction: get_weather"}, {"role": "tool", "content": "Sunny, 21°C"}, {"role": "assistant", "content": "Thought: I now know the final answer\\nFinal Answer: It is sunny and 21°C in Paris."}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "system", "content": "Answer the question using the tools.\\nUse the following format:\\nThought: you should always think about what to do\\nAction: the action to take, should be one of [get_weather]\\nAction Input: the input to the action\\nObservation: the result of the action\\nThought: I now know the final answer\\nFinal Answer: the final answer"}, {"role": "user", "content": "What's the weather in Paris?"}, {"role": "assistant", "content": "Thought: I need the current weather in Paris.\\nAction: get_weather\\nAction Input: Paris"}, {"role": "tool", "content": "Sunny, 21°C"}, {"role": "assistant", "content": "Thought: I now know the final answer\\nFinal Answer: It is sunny and 21°C in Paris."}]}
    ```

    Chinese labels are the same rule: `行动：get_weather` needs `行动输入：…` after it.

    Reported only where the record's own convention has an input line: its system prompt (or
    the instruction of a record without one) names the action's input, or another of its turns
    writes one.  Elsewhere the action carries itself (`Thought: …` / `Action: 询问用户是否已签收` /
    `Final Answer: …`, a customer-service dataset whose actions are aimed at the user; a prompt
    asking for `思考1`/`行动1`/`观察1`).  Labels the prompt defines in words of its own count
    (`Use Reasoning:/Tool:/Tool Input:/Result:`: `Tool:` needs `Tool Input:`; see R002).

    ## Fix availability
    None: the input cannot be guessed.
    """

    code = "R007"
    name = "action-input-missing"
    severity = "error"

    def check(self, record: Record) -> Iterable[Finding]:
        if not self.active(record, ("line",)):
            return
        turns = list(self.turns(record))
        if not (
            any(s.kind == "action_input" for _, lt in turns for s in lt.steps)
            or prompt_names_input(record.system_prompt, self.syntax)
            or any(m.role == "user" and names_input(m.content) for m in record.messages or ())
        ):
            return  # the record's convention carries the action alone: no input is expected
        for msg, lt in turns:
            steps = lt.steps
            for i, s in enumerate(steps):
                if s.kind != "action":
                    continue
                call = read_action(lt.value(s))
                if call.inline or call.blob or call.name.lower() in _FINISH:
                    continue
                nxt = steps[i + 1] if i + 1 < len(steps) else None
                if nxt is not None and nxt.kind == "action_input":
                    continue
                prompt = record.system_prompt
                own = self.syntax.prompt_labels(prompt).get("action_input", ()) if prompt else ()
                want = bracketed(own[0]) if own else _label(lt, ("Action Input", "行动输入"))
                yield self.finding(
                    f"`{s.label}` line without its `{want}` line; the framework cannot run the action",
                    msg=msg,
                    span=(s.start, s.value_end),
                )


class FinalAnswerMissing(FileVoteMixin, _LineRule):
    """## What it does
    In the line layout, reports a turn that ends an episode (the record's last assistant turn,
    or one the user answers rather than a tool) without the final-answer label: `Final Answer:`
    (LangChain, Qwen), `Answer:` after a thought (LlamaIndex), `最终答案：`.  Expected where the
    system prompt's template names the label, or where most such turns of the file carry it.
    Turns that end with an action are not final turns, unless the turn writes its own
    `Observation:` lines (the whole trajectory in one turn, as Qwen-style ReAct data does) in a
    file whose observations never come from tool or user turns: there, ending on an action means
    the trajectory stopped before that action's observation and the answer.  And in a file whose
    turns act and answer the user in the same turn (the seed's kind: `行动：询问用户…` then
    `回答：请问…`; at least 20 such turns that end an exchange, at most a tenth of them without
    the answer), a turn that acts and stops there (`想法：…` / `行动：礼貌地结束对话`, or
    `Final Ans`, the label itself cut) before the user speaks: it lost its answer.  A
    final-answer label with nothing after it (`Final Answer:` ending the turn) is reported
    wherever it is.  Knows the line layout only (the block
    layout's reply follows `---`; the inline layout ends with `finish[…]`).

    ## Why is this bad?
    The agent loop stops when it reads the final-answer label; a final turn without it is parsed
    as a malformed action (LangChain: "Could not parse LLM output") or loops, and a model trained
    on it does the same.

    ## Example
    ```json
    {"messages": [{"role": "system", "content": "Use the following format:\\nThought: you should always think about what to do\\nAction: the action to take, should be one of [search]\\nAction Input: the input to the action\\nObservation: the result of the action\\nThought: I now know the final answer\\nFinal Answer: the final answer to the original input question"}, {"role": "user", "content": "Who wrote Dream of the Red Chamber?"}, {"role": "assistant", "content": "Thought: I should look it up.\\nAction: search\\nAction Input: Dream of the Red Chamber author"}, {"role": "tool", "content": "Cao Xueqin wrote Dream of the Red Chamber in the 18th century."}, {"role": "assistant", "content": "Thought: I now know the final answer\\nIt was written by Cao Xueqin."}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "system", "content": "Use the following format:\\nThought: you should always think about what to do\\nAction: the action to take, should be one of [search]\\nAction Input: the input to the action\\nObservation: the result of the action\\nThought: I now know the final answer\\nFinal Answer: the final answer to the original input question"}, {"role": "user", "content": "Who wrote Dream of the Red Chamber?"}, {"role": "assistant", "content": "Thought: I should look it up.\\nAction: search\\nAction Input: Dream of the Red Chamber author"}, {"role": "tool", "content": "Cao Xueqin wrote Dream of the Red Chamber in the 18th century."}, {"role": "assistant", "content": "Thought: I now know the final answer\\nFinal Answer: It was written by Cao Xueqin."}]}
    ```

    ## Options
    `majority`: the share of the file's final turns that must carry the label before the others
    are reported when the system prompt does not name it.

    ## Fix availability
    None: where the answer starts inside the turn is not always clear.
    """

    code = "R008"
    name = "final-answer-missing"
    severity = "error"
    scope = "dataset"

    class Options(ReactOptions):
        majority: float = Field(default=0.5, ge=0.0, lt=1.0)

    def map(self, record: Record) -> Tally | None:
        msgs = record.messages
        if (
            not msgs
            or not (record.system_prompt or labelled(record, self.syntax))
            or self.layout(record) != "line"
        ):
            return None
        having = answered = 0
        lacking: list[tuple[str, int | None, int | None, Any]] = []
        acted: list[tuple[str, int | None, int | None, Any]] = []
        for msg, lt in self.turns(record):
            acts = any(s.kind in ("action", "action_input") for s in lt.steps)
            final = lt.final
            if final is not None and (final.value_end > final.value_start or msg.tool_calls):
                having += 1
                if acts and ends_episode(msgs, msg, self.lsyn_of(record)):
                    answered += 1
                continue
            if not msg.content.strip():
                continue
            kind = _BARE if final is None else _EMPTY
            if acts and final is None:
                if any(s.kind == "answer" for s in lt.steps):
                    continue  # it answers, its thought missing (R002's)
                # a turn that ends with an action is not a final turn, unless it writes its own
                # observations (the whole trajectory in one turn): then it stopped before its last
                # action's observation and the answer (judged in the reduce: not in a file whose
                # observations come from tool or user turns, where R011 reports the invented one);
                # or unless its file's turns act and answer the user in the same turn (the seed's
                # kind: 行动：询问… then 回答：…): then it stopped before its answer (judged in the
                # reduce by the file's other such turns, outside the vote on the label)
                kind = _ACTED
                if lt.steps[-1].kind in ("action", "action_input") and any(
                    s.kind == "observation" for s in lt.steps
                ):
                    kind = _CUT
            if msg.tool_calls or not ends_episode(msgs, msg, self.lsyn_of(record)):
                continue
            loc = record.locate(msg.content_pointer)
            (acted if kind == _ACTED else lacking).append(
                (msg.content_pointer, loc.line, loc.column, _final_label(record, lt), kind)
            )
        path = record.file.path
        env = any(m.role != "assistant" and env_observation(m, self.lsyn_of(record)) for m in msgs)
        if env:  # this record's observations come from its other turns: no turn of it is cut
            lacking = [m for m in lacking if m[4] != _CUT]
            acted = []
        if lacking:
            forced = _prompt_final(record.system_prompt) is not None
            tally: Tally | None = tuple.__new__(
                Tally, (path, forced, having, tuple(lacking), record.index, record.line, record.end_line)
            )
        else:
            tally = clean_tally(path, having) if having else None
        parts: tuple[Any, ...] = (tally,) if tally is not None else ()
        if answered or acted:
            parts += (Acting(path, answered, tuple(acted), record.index, record.line, record.end_line),)
        if env:
            parts += (EnvSeen(path),)
        return parts[0] if len(parts) == 1 else (parts or None)

    def collector(self) -> FinalVotes:
        return FinalVotes(self.options.majority)

    def lacking(self, m: Any, reason: str) -> tuple[str, None]:
        why = (
            "the system prompt's template names it"
            if reason == "forced"
            else f"the file's other final turns carry it ({reason})"
        )
        if m[4] == _CUT:
            return (
                f"the trajectory stops after an action: the turn writes its own observations, but "
                f"its last action has none and no `{m[3]}:` follows; expected because {why}",
                None,
            )
        if m[4] == _ACTED:
            return (
                f"the turn stops before its answer: it acts and no `{m[3]}:` follows, and the user "
                f"speaks next (or no one does); the file's turns that act and end an exchange answer "
                f"in the same turn ({reason})",
                None,
            )
        if m[4] == _EMPTY:
            return (
                f"the turn's `{m[3]}:` label has no answer after it; the turn stops before its answer",
                None,
            )
        return f"the turn that ends the episode has no `{m[3]}:` label; expected because {why}", None

    def lacking_summary(self, n: int, reason: str) -> str:
        return f"{n} more final turns from this record on lack the final-answer label ({reason} carry it)"


#: what a lacking turn of R008 lacks (the fifth field of its place): no final-answer label; a
#: trajectory written in one turn that stops after an action; in a file whose turns act and answer
#: the user in one turn, a turn that acts and stops before the answer; a final-answer label with
#: nothing after it
_BARE, _CUT, _ACTED, _EMPTY = 0, 1, 2, 3
#: a file's turns that act and end an exchange answer in the same turn when at least this many
#: do, and no more than :data:`ACTED_BARE_SHARE` of them stop without the answer (the seed's
#: kind: 行动：询问用户… then 回答：请问…)
ACTED_LEAST = 20
ACTED_BARE_SHARE = 0.1
#: the turns that act and stop held per file for the reduce; past them only counted (a file with
#: so many is not one whose acting turns answer, short of a million answering ones)
ACTED_HELD = 50_000


class Acting(NamedTuple):
    """R008's summary of a record's turns that act and end an exchange (the user speaks next, or
    nothing does): how many answer in the same turn, and the places of those that do not."""

    path: str
    answered: int
    missing: tuple[tuple[str, int | None, int | None, Any], ...]  # the places of those that stop
    index: int
    line: int
    end_line: int | None

    @property
    def ref(self) -> RecordRef:
        return RecordRef(self.path, self.index, self.line, self.end_line)


@dataclass(slots=True)
class _FileActing:
    """Per file: the turns that act and end an exchange, answered and bare, and the records
    holding bare ones (up to :data:`ACTED_HELD` turns; the rest counted from ``first_dropped``)."""

    answered: int = 0
    bare: int = 0
    held: list[Acting] = field(default_factory=list)
    dropped: int = 0
    first_dropped: RecordRef | None = None

    def add(self, a: Acting) -> None:
        self.answered += a.answered
        n = len(a.missing)
        if not n:
            return
        if self.bare - self.dropped + n > ACTED_HELD:
            if self.first_dropped is None:
                self.first_dropped = a.ref
            self.dropped += n
        else:
            self.held.append(a)
        self.bare += n

    def answers(self) -> bool:
        """Whether the file's turns that act and end an exchange answer in the same turn: at
        least :data:`ACTED_LEAST` do, and at most :data:`ACTED_BARE_SHARE` of them do not."""
        return self.answered >= ACTED_LEAST and self.bare <= ACTED_BARE_SHARE * (self.answered + self.bare)


class EnvSeen(str):
    """R008's summary of a record whose observations come from a tool or user turn (its path):
    in such a file a turn that writes its own observations and ends on an action is a step, not
    a cut trajectory (R011 reports the invented observation)."""

    __slots__ = ()


class _SeesEnvironment:
    """The part :class:`FinalVotes` and its piece share: R008's summaries are a :class:`Tally`,
    an :class:`Acting`, an :class:`EnvSeen`, or a tuple of them; the tally goes to the vote, the
    acting turns to ``acting``, the path to ``env_files``."""

    __slots__ = ()
    env_files: set[str]

    def append(self, s: Any) -> None:
        kind = type(s)
        if kind is tuple:
            for part in s:
                self.append(part)
        elif kind is EnvSeen:
            self.env_files.add(s)
        elif kind is Acting:
            self.add_acting(s)
        else:
            super().append(s)  # type: ignore[misc]

    def add_acting(self, a: Acting) -> None:
        raise NotImplementedError


class FinalVotes(_SeesEnvironment, VoteCollector):
    """R008's collector: the file vote on the final-answer label, the files where some record's
    observations come from tool or user turns (their cut-trajectory turns are not reported), and
    per file the turns that act and end an exchange (those that stop before the answer are
    reported where the file's others answer in the same turn)."""

    __slots__ = ("acting", "env_files")

    def __init__(self, threshold: float = 0.5, max_pending: int = 50_000) -> None:
        super().__init__(threshold, max_pending)
        self.env_files: set[str] = set()
        self.acting: dict[str, _FileActing] = {}

    def piece(self) -> FinalVotesPiece:
        return FinalVotesPiece()

    def add_acting(self, a: Acting) -> None:
        acting = self.acting.get(a.path)
        if acting is None:
            acting = self.acting[a.path] = _FileActing()
        acting.add(a)

    def merge(self, piece: VotePiece) -> None:
        super().merge(piece)
        if isinstance(piece, FinalVotesPiece):
            self.env_files.update(piece.env_files)
            for path, answered in piece.answered.items():
                self.add_acting(Acting(path, answered, (), -1, 0, None))
            for a in piece.acting:
                self.add_acting(a)

    def findings(self, report: Any, summary: Any) -> Iterator[Finding]:
        env = self.env_files
        if env:  # a cut-trajectory turn is a step in a file that gets observations from turns
            for vote_path, vote in self.files.items():
                if vote_path in env:
                    vote.pending = [k for t in vote.pending if (k := _without(t, _CUT, vote)) is not None]
            forced = []
            for t in self.forced:
                kept = _without(t, _CUT, None) if t.path in env else t
                if kept is not None:
                    forced.append(kept)
            self.forced = forced
        yield from super().findings(report, summary)
        for path, acting in self.acting.items():
            if path in env or not acting.answers():
                continue  # (a file whose turns act and wait: a step, not a cut turn)
            reason = f"{acting.answered} of {acting.answered + acting.bare}"
            yield from kept_findings(
                acting.held, acting.dropped, acting.first_dropped, reason, report, summary
            )


def _without(t: Tally, kind: int, vote: Any) -> Tally | None:
    """``t`` without its turns of ``kind`` (None when nothing is left); the file's count of
    lacking turns, if given, loses them too."""
    kept = tuple(m for m in t.missing if m[4] != kind)
    if len(kept) == len(t.missing):
        return t
    if vote is not None:
        vote.lacking -= len(t.missing) - len(kept)
    return t._replace(missing=kept) if kept else None


class FinalVotesPiece(_SeesEnvironment, VotePiece):
    """A worker's piece of :class:`FinalVotes`: its acting turns kept in order, counted when merged."""

    __slots__ = ("acting", "answered", "env_files")

    def __init__(self) -> None:
        super().__init__()
        self.env_files: set[str] = set()
        self.answered: dict[str, int] = {}  # per file: the acting turns that answer
        self.acting: list[Acting] = []  # the records with acting turns that stop, in order

    def add_acting(self, a: Acting) -> None:
        self.answered[a.path] = self.answered.get(a.path, 0) + a.answered
        if a.missing:
            self.acting.append(a._replace(answered=0))


def _prompt_final(prompt: str | None) -> str | None:
    """The final-answer label the system prompt's template writes, if any."""
    if not prompt:
        return None
    import re

    m = re.search(
        r"^[ \t]*(Final[ \t]+Answer|最终答案|最终回答|最终回复|Answer|答案|回答)[ \t]*[:：]",
        prompt,
        re.M | re.I,
    )
    return m.group(1) if m else None


def _final_label(record: Record, lt: LineTurn) -> str:
    named = _prompt_final(record.system_prompt)
    if named:
        return named
    return _label(lt, FINAL_LABELS)


class ActionInputNotJson(_LineRule):
    """## What it does
    In the line layout, where the system prompt asks for the `Action Input` as JSON (LlamaIndex:
    "in a JSON format representing the kwargs", "Please use a valid JSON format for the Action
    Input"; Qwen: "Format the arguments as a JSON object"; `行动输入 … JSON格式`), reports an
    `Action Input` that is not valid JSON.  A surrounding Markdown code fence is allowed.
    Knows the line layout only.

    ## Why is this bad?
    The framework runs `json.loads` on the input: a Python dict (`{'input': 'hello'}`, the very
    example LlamaIndex's prompt forbids) or a bare string fails to parse, and the tool is never
    called.  A model trained on it writes it in production.

    ## Example
    ```json
    {"messages": [{"role": "system", "content": "You have access to the following tools:\\n> Tool Name: search\\nTool Description: web search\\n\\nUse the following format:\\nThought: I need to use a tool.\\nAction: tool name (one of search)\\nAction Input: the input to the tool, in a JSON format representing the kwargs (e.g. {\\"input\\": \\"hello world\\"})\\n\\nThen respond with:\\nThought: I can answer without using any more tools.\\nAnswer: [your answer here]"}, {"role": "user", "content": "Who founded Alibaba?"}, {"role": "assistant", "content": "Thought: I need to use a tool to help me answer the question.\\nAction: search\\nAction Input: {'input': 'Alibaba founder'}"}, {"role": "user", "content": "Observation: Alibaba was founded in 1999 by Jack Ma and 17 others in Hangzhou."}, {"role": "assistant", "content": "Thought: I can answer without using any more tools.\\nAnswer: Jack Ma and 17 co-founders, in 1999."}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "system", "content": "You have access to the following tools:\\n> Tool Name: search\\nTool Description: web search\\n\\nUse the following format:\\nThought: I need to use a tool.\\nAction: tool name (one of search)\\nAction Input: the input to the tool, in a JSON format representing the kwargs (e.g. {\\"input\\": \\"hello world\\"})\\n\\nThen respond with:\\nThought: I can answer without using any more tools.\\nAnswer: [your answer here]"}, {"role": "user", "content": "Who founded Alibaba?"}, {"role": "assistant", "content": "Thought: I need to use a tool to help me answer the question.\\nAction: search\\nAction Input: {\\"input\\": \\"Alibaba founder\\"}"}, {"role": "user", "content": "Observation: Alibaba was founded in 1999 by Jack Ma and 17 others in Hangzhou."}, {"role": "assistant", "content": "Thought: I can answer without using any more tools.\\nAnswer: Jack Ma and 17 co-founders, in 1999."}]}
    ```

    ## Fix availability
    Sometimes, and safe when offered: a Python literal whose conversion to JSON is exact (dicts
    with string keys, lists, strings, numbers, `True`/`False`/`None`) is rewritten as JSON.  A
    tuple, a set or anything else that is not a literal has no fix.
    """

    code = "R009"
    name = "action-input-not-json"
    severity = "error"
    fix_availability = "sometimes"

    def check(self, record: Record) -> Iterable[Finding]:
        if not self.active(record, ("line",)) or not prompt_asks_json(record.system_prompt):
            return
        for msg, lt in self.turns(record):
            for s in lt.steps:
                if s.kind != "action_input":
                    continue
                value = lt.value(s)
                body = unfence(value).strip()
                if not body or is_json(body):
                    continue
                converted = exact_json(body)
                fix = None
                if converted is not None and body == value:
                    pointer, span = msg.resolve((s.value_start, s.value_end))
                    if span is not None and span[1] - span[0] == s.value_end - s.value_start:
                        fix = Fix(
                            "write the input as JSON", (Edit(pointer, span[0], span[1], converted),), "safe"
                        )
                what = "a Python literal" if converted is not None else "not valid JSON"
                yield self.finding(
                    f"`{s.label}` is {what} where the system prompt asks for JSON",
                    msg=msg,
                    span=(s.value_start, s.value_end),
                    fix=fix,
                )


class ActionUndeclaredTool(_LineRule):
    """## What it does
    In the line and inline layouts, reports an action that names a tool the system prompt does
    not list.  The list is read where the templates put it: `one of [search, calculator]`
    (LangChain, Qwen), `(one of search, calculator)` and `> Tool Name: search` (LlamaIndex),
    `search: Call this tool to interact with …` (Qwen), `(1) Search[entity]` (the ReAct paper),
    `[…]之一` and `工具名称：…`; tools declared in the record's own `tools` field (OpenAI or
    ShareGPT shape, a list or a JSON string) count as listed, and are the list where the prompt
    has none.
    Names compare without case (`Search` and `search` are one tool); `finish` and
    `Final Answer` end the episode and are not tools.  Silent where the prompt lists no tools.

    ## Why is this bad?
    In production the framework looks the name up among the tools it was given: an unknown name
    fails, and a model trained to call it invents tools.

    ## Example
    ```json
    {"messages": [{"role": "system", "content": "Use the following format:\\nThought: you should always think about what to do\\nAction: the action to take, should be one of [search, calculator]\\nAction Input: the input to the action\\nObservation: the result of the action\\nFinal Answer: the final answer"}, {"role": "user", "content": "What is 17% of 2,340?"}, {"role": "assistant", "content": "Thought: I should compute it.\\nAction: python_repl\\nAction Input: 0.17 * 2340"}, {"role": "tool", "content": "397.8"}, {"role": "assistant", "content": "Thought: I now know the final answer\\nFinal Answer: 397.8"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "system", "content": "Use the following format:\\nThought: you should always think about what to do\\nAction: the action to take, should be one of [search, calculator]\\nAction Input: the input to the action\\nObservation: the result of the action\\nFinal Answer: the final answer"}, {"role": "user", "content": "What is 17% of 2,340?"}, {"role": "assistant", "content": "Thought: I should compute it.\\nAction: calculator\\nAction Input: 0.17 * 2340"}, {"role": "tool", "content": "397.8"}, {"role": "assistant", "content": "Thought: I now know the final answer\\nFinal Answer: 397.8"}]}
    ```

    Inline layout: with the paper's prompt listing `Search[entity]`, `Lookup[keyword]` and
    `Finish[answer]`, `Action: Browse[https://…]` is reported.

    ## Fix availability
    None: which listed tool was meant is a judgement.
    """

    code = "R010"
    name = "action-undeclared-tool"
    severity = "error"

    def check(self, record: Record) -> Iterable[Finding]:
        if not self.active(record):
            return
        listed = prompt_tools(record.system_prompt) | _declared(record)
        if not listed:
            return
        for msg, lt in self.turns(record):
            for s in lt.steps:
                if s.kind != "action":
                    continue
                name = read_action(lt.value(s)).name
                key = name.lower()
                if not key or key in _FINISH or key in listed:
                    continue
                shown = ", ".join(sorted(listed)[:8]) + (", …" if len(listed) > 8 else "")
                yield self.finding(
                    f"`{s.label}` names `{name[:60]}`, a tool the system prompt does not list ({shown})",
                    msg=msg,
                    span=(s.value_start, s.value_end),
                )


def _declared(record: Record) -> set[str]:
    tools = record.data.get("tools") if isinstance(record.data, dict) else None
    if isinstance(tools, str):
        try:
            tools = orjson.loads(tools)
        except orjson.JSONDecodeError:
            return set()
    return names_of(tools) if isinstance(tools, list) else set()


class InventedObservation(FileVoteMixin, _LineRule):
    """## What it does
    Reports an assistant turn that writes, after its action, the observation that in this
    file's layout a tool or user turn supplies: `Action: search[…]` then `Observation: …` in the
    same turn.  The observations come from outside where the record has observation turns (a
    `tool` turn, or a user turn starting `Observation:`), or where most observations of the file
    do.  Knows every layout, and the layout decides:

    - *line* / *inline*: the observation belongs to the next turn; reported.
    - *block* (the seed's): `观察：等用户返回…` inside `< >` is a *planned* observation, part of the
      turn by design; never reported.
    - a file whose trajectories are written whole in one turn (FireAct's Alpaca file: every
      `output` holds Thought / Action / Observation … to the end) has no turn that could supply
      them: its observations are the environment's, written there by the file's convention, and
      are not reported (mask them from the loss when training).

    ## Why is this bad?
    The model learns to write the tool's output itself instead of stopping to wait for it; in
    production it invents results, and where the real observation follows in the data, the
    invented one can contradict it.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Which country is Ezhou in?"}, {"role": "assistant", "content": "Thought: I need to search Ezhou.\\nAction: search[Ezhou]\\nObservation: Ezhou is a city in Hubei, China."}, {"role": "user", "content": "Observation: Ezhou is a prefecture-level city in eastern Hubei province, China."}, {"role": "assistant", "content": "Thought: Ezhou is in China.\\nAction: finish[China]"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "Which country is Ezhou in?"}, {"role": "assistant", "content": "Thought: I need to search Ezhou.\\nAction: search[Ezhou]"}, {"role": "user", "content": "Observation: Ezhou is a prefecture-level city in eastern Hubei province, China."}, {"role": "assistant", "content": "Thought: Ezhou is in China.\\nAction: finish[China]"}]}
    ```

    ## Options
    `majority`: the share of the file's observations that must come from tool or user turns
    before an invented one is reported in a record that has none of its own.

    ## Fix availability
    None: cutting the turn at the observation is right only when the real observation follows.
    """

    code = "R011"
    name = "invented-observation"
    severity = "error"
    scope = "dataset"

    class Options(ReactOptions):
        majority: float = Field(default=0.5, ge=0.0, lt=1.0)

    def map(self, record: Record) -> Tally | None:
        msgs = record.messages
        if not msgs or not labelled(record, self.syntax) or self.layout(record) == "block":
            return None
        env = sum(1 for m in msgs if m.role != "assistant" and env_observation(m, self.lsyn_of(record)))
        invented: list[tuple[str, int | None, int | None, tuple[int, int] | None]] = []
        for msg, lt in self.turns(record):
            obs = _after_action(lt.steps)
            if obs is None:
                continue
            pointer, span = msg.resolve((obs.start, obs.value_end))
            loc = record.locate(pointer, span)
            invented.append((pointer, loc.line, loc.column, span))
        if not invented:
            return tuple.__new__(Tally, (record.file.path, False, env, (), -1, 0, None)) if env else None
        forced = env > 0
        return tuple.__new__(
            Tally,
            (record.file.path, forced, env, tuple(invented), record.index, record.line, record.end_line),
        )

    def lacking(self, m: Any, reason: str) -> tuple[str, tuple[int, int]]:
        why = (
            "the record's other observations come from tool or user turns"
            if reason == "forced"
            else f"in this file observations come from tool or user turns ({reason})"
        )
        return f"the assistant writes the observation after its action itself; {why}", m[3]

    def lacking_summary(self, n: int, reason: str) -> str:
        return f"{n} more assistant turns from this record on write their own observation"


def _after_action(steps: list[Step]) -> Step | None:
    """The first observation step that follows an action step in the same turn and says
    something: a bare `Observation:` closing the turn is the stop word some datasets keep (the
    framework stops generation there), not an invented observation."""
    acted = False
    for s in steps:
        if s.kind in ("action", "action_input"):
            acted = True
        elif s.kind == "observation" and acted and s.value_end > s.value_start:
            return s
    return None


#: The labels agent frameworks parse, as they spell them (a near miss of one is R012's finding).
_PARSED_LABELS = ("Thought", "Action", "Action Input", "Observation", "Final Answer")
_LOWER_LABELS = frozenset(label.lower() for label in _PARSED_LABELS)
#: A line that opens with a label-like phrase and a colon: the phrase is group 1.
_LABEL_LIKE = re.compile(r"(?m)^[ \t]*([A-Za-z][A-Za-z_ ]{3,14}?)[ \t]*:")
#: A line that opens with a parsed label written twice (`Thought:Thought:`, `Action: Action:
#: search`): the first label is group 1, the repeat (with the space before it) group 2.
_DOUBLED_LABEL = re.compile(r"(?m)^[ \t]*(" + "|".join(_PARSED_LABELS) + r")[ \t]*:([ \t]*\1[ \t]*:)")


@lru_cache(maxsize=4096)
def near_label(word: str) -> str | None:
    """The parsed label ``word`` misspells (one edit away, two for a label of eight letters or
    more; swapping two neighbours is one edit), or None: ``word`` is a label, or no near one.
    Kept per word: a file writes the same few labels on every line, and the distances to the
    labels before the right one in the list cost more than the rest of R012."""
    lowered = word.lower()
    if lowered in _LOWER_LABELS:
        return None
    best: str | None = None
    for label in _PARSED_LABELS:
        target = label.lower()
        if lowered == target:
            return None
        allowed = 2 if len(target) >= 8 else 1
        if abs(len(lowered) - len(target)) <= allowed and _edits(lowered, target, allowed) <= allowed:
            best = best or label
    return best


def _edits(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment) of ``a`` and ``b``, or
    ``limit + 1`` once it is certain to exceed ``limit``."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class MisspelledLabel(_LineRule):
    """## What it does
    In the line and inline layouts, reports an assistant line that opens with a misspelling of
    a label the framework parses (`Aciton:`, `Thougth:`, `Obversation:`, `Action_Input:`,
    `Final Answers:`), where the record spells that label right elsewhere (in its system
    prompt's format or its other turns), so the right spelling is known.  A spelling that the
    system prompt itself uses is the format, not a slip, and is left alone.  A label written
    twice at a line's start (`Thought:Thought:`, `Action: Action: search`) is the same kind of
    slip and is reported too.

    ## Why is this bad?
    Agent frameworks find the steps by their exact labels: a reply with `Aciton:` has no action
    to them (LangChain raises "Could not parse LLM output"), and a model trained on it writes the
    slip now and then in production.  No other rule sees it: the misspelt line is read as part
    of the step before it.

    ## Example
    ```json
    {"messages": [{"role": "system", "content": "Use the format:\\nThought: what to do\\nAction: one of [search]\\nAction Input: the query\\nObservation: the result\\nFinal Answer: the answer"}, {"role": "user", "content": "Where is Ezhou?"}, {"role": "assistant", "content": "Thought: I should search.\\nAciton: search\\nAction Input: Ezhou"}, {"role": "tool", "content": "Ezhou is a city in Hubei, China."}, {"role": "assistant", "content": "Thought: I know it now.\\nFinal Answer: Hubei, China."}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "system", "content": "Use the format:\\nThought: what to do\\nAction: one of [search]\\nAction Input: the query\\nObservation: the result\\nFinal Answer: the answer"}, {"role": "user", "content": "Where is Ezhou?"}, {"role": "assistant", "content": "Thought: I should search.\\nAction: search\\nAction Input: Ezhou"}, {"role": "tool", "content": "Ezhou is a city in Hubei, China."}, {"role": "assistant", "content": "Thought: I know it now.\\nFinal Answer: Hubei, China."}]}
    ```

    ## Fix availability
    An unsafe fix writes the label right, or once (the reply's text is changed).
    """

    code = "R012"
    name = "misspelled-label"
    severity = "error"
    fix_availability = "sometimes"

    def check(self, record: Record) -> Iterable[Finding]:
        if not self.active(record):
            return
        slips: list[tuple[Message, re.Match[str], str]] = []
        for m in record.messages or ():
            if m.role != "assistant" or not m.content or ":" not in m.content:
                continue
            for match in _LABEL_LIKE.finditer(m.content):
                label = near_label(match.group(1).strip())
                if label is not None:
                    slips.append((m, match, label))
            for match in _DOUBLED_LABEL.finditer(m.content):
                slips.append((m, match, ""))
        if not slips:
            return
        spelled = _spelled_labels(record)
        prompt_words = {w.lower() for w in _LABEL_LIKE.findall(record.system_prompt or "")}
        for m, match, label in slips:
            if not label:  # a label written twice: the repeat is taken out
                yield self._doubled(m, match)
                continue
            written = match.group(1).strip()
            if label.lower() not in spelled or written.lower() in prompt_words:
                continue
            start = match.start(1)
            span = (start, start + len(written))
            pointer, local = m.resolve(span)
            fix = None
            if local is not None and local[1] - local[0] == span[1] - span[0]:
                fix = Fix(f"write `{label}`", (Edit(pointer, local[0], local[1], label),), "unsafe")
            yield self.finding(
                f"`{written}:` misspells the label `{label}:`: the framework does not see this step",
                msg=m,
                span=span,
                fix=fix,
            )

    def _doubled(self, m: Message, match: re.Match[str]) -> Finding:
        label = match.group(1)
        span = match.span(2)
        pointer, local = m.resolve(span)
        fix = None
        if local is not None and local[1] - local[0] == span[1] - span[0]:
            fix = Fix(f"write `{label}:` once", (Edit(pointer, local[0], local[1], ""),), "unsafe")
        return self.finding(
            f"the label `{label}:` is written twice: the step's text starts with another `{label}:`, "
            "and the model learns to write it so",
            msg=m,
            span=span,
            fix=fix,
        )


def _spelled_labels(record: Record) -> set[str]:
    """The parsed labels the record writes right at the start of a line (lower case), in its
    system prompt or any assistant turn."""
    texts = [record.system_prompt or ""]
    texts += [m.content for m in record.messages or () if m.role == "assistant" and m.content]
    return {w.strip().lower() for text in texts for w in _LABEL_LIKE.findall(text)} & {
        label.lower() for label in _PARSED_LABELS
    }


RULES = [
    ActionInputMissing,
    FinalAnswerMissing,
    ActionInputNotJson,
    ActionUndeclaredTool,
    InventedObservation,
    MisspelledLabel,
]
