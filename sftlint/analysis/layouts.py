"""Which ReAct layout a record uses, and parsing the line and inline layouts.

People write ReAct three ways, and a turn is only wrong measured against the layout its
data uses:

*block* (the seed article's)::

    < 思考：用户想退货，要先确认签收时间。
    动作：查询订单签收时间。
    观察：等系统返回签收时间 >
    --- 请问您是什么时候签收的？

*line* (the ReAct paper's labels as the LangChain and LlamaIndex prompts write them; the
observation comes from the next tool or user turn, the last turn carries the final label)::

    Thought: I need the weather in Paris.
    Action: get_weather
    Action Input: {"city": "Paris"}

*inline* (the ReAct paper's own trajectories, FireAct's): the action's argument in brackets::

    Thought: I need to search Badr Hari.
    Action: search[Badr Hari]

A record's layout is decided once (:func:`record_layout`): an option pins it; else the
system prompt decides when it holds a format template or names the block's delimiters (the
strongest signal: it is what the model sees in production); else the record's assistant
turns vote, each by the signals it carries (a ``<`` block or ``---`` separator; an
``Action Input`` or final-answer label; an action written ``name[...]``).  A record whose
turns carry no signal has no layout, and the rules that need one stay quiet on it.

Where a record cannot tell by itself, the file's majority decides inside the rules that vote
over the file (dataset scope, so the answer is the same under ``--jobs`` and Ray): R001 (turns
with ReAct steps), R008 (final turns with the final-answer label) and R011 (observations from
tool or user turns).  The record rules (R002–R007, R009, R010) decide per record: a record rule
cannot wait for the rest of the file, and guessing would cost precision.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, NamedTuple

from sftlint.analysis.react import (
    CLOSING,
    DEFAULT_SYNTAX,
    ReactSyntax,
    ReactTurn,
    prompt_requests_react,
    react_facts,
)
from sftlint.rule import MANY_PROMPTS, PerPrompt

if TYPE_CHECKING:
    from sftlint.record import Message, Record

Layout = Literal["block", "line", "inline"]
LAYOUTS: tuple[Layout, ...] = ("block", "line", "inline")

#: Labels the line layout adds to the thought / action / observation labels of the syntax.
ACTION_INPUT_LABELS: tuple[str, ...] = ("Action Input", "行动输入", "动作输入", "行動輸入", "動作輸入")
FINAL_LABELS: tuple[str, ...] = (
    "Final Answer",
    "最终答案",
    "最终回答",
    "最终回复",
    "最終答案",
    "最終回答",
    "最終回覆",
)
#: LlamaIndex ends with ``Answer:``; counted as the final label only after a thought in the
#: same turn ("Answer:" alone at a line start is too common in ordinary text).
ANSWER_LABELS: tuple[str, ...] = ("Answer", "答案", "回答")

StepKind = Literal["thought", "action", "action_input", "observation", "final", "answer"]


class Step(NamedTuple):
    """One labelled line of a line-layout turn; the value runs to the next label line."""

    kind: str
    label: str  # as written
    start: int  # the label's start
    value_start: int  # the value, stripped of surrounding whitespace
    value_end: int


@dataclass(frozen=True, slots=True)
class LineSyntax:
    """The labels of the line layout, compiled once per set of labels."""

    pattern: re.Pattern[str]
    kinds: dict[str, str]  # label (lower-cased) -> kind
    probes: tuple[str, ...]  # what a turn must contain to hold any label
    colonless: bool = False  # some label is bracketed (【答复】), which needs no colon


@lru_cache(maxsize=32)
def line_syntax(
    syntax: ReactSyntax = DEFAULT_SYNTAX,
    action_input: tuple[str, ...] = ACTION_INPUT_LABELS,
    final: tuple[str, ...] = FINAL_LABELS,
    answer: tuple[str, ...] = ANSWER_LABELS,
) -> LineSyntax:
    kinds: dict[str, str] = {}
    groups = (
        ("action_input", action_input),
        ("final", final),
        ("thought", syntax.thought),
        ("action", syntax.action),
        ("observation", syntax.observation),
        ("answer", answer),
    )
    for kind, words in groups:
        for w in words:
            kinds.setdefault(w.lower(), kind)
    for w in list(kinds):  # a bracketed label learned from a prompt: 【答复】 with its bracket
        if w[:1] in CLOSING:
            kinds[w + CLOSING[w[0]]] = kinds.pop(w)
    words = sorted(kinds, key=len, reverse=True)
    alts = "|".join(re.escape(w).replace(r"\ ", r"[ \t]+") if w.isascii() else re.escape(w) for w in words)
    # A label starts a line (after optional markdown emphasis or a quote marker), may carry a
    # step number ("Thought 1:", the paper's), and ends with a colon (a bracketed one: with its
    # bracket, the colon optional).
    pattern = re.compile(
        rf"^[ \t]*(?:[*_>#]+[ \t]*)?(?P<label>(?i:{alts}))"
        rf"(?:(?<=[】\]〕］])[ \t]*[:：]?|(?:[ \t]*\d{{1,2}})?[ \t]*(?:\*\*)?[ \t]*[:：])",
        re.MULTILINE,
    )
    probes = tuple(dict.fromkeys(p for w in kinds for p in ((w, w.capitalize()) if w.isascii() else (w,))))
    return LineSyntax(
        pattern, kinds, _fewest_probes(probes, syntax.thought), any(w[:1] in CLOSING for w in kinds)
    )


def _fewest_probes(probes: tuple[str, ...], first: tuple[str, ...]) -> tuple[str, ...]:
    """``probes`` without those that hold another probe (``Action Input`` holds ``Action``: a
    text holding it holds ``Action``), the thought's words first.  A turn passes the probe test
    exactly when it passed it with every probe; each probe is a scan of the turn, and a ReAct
    turn usually opens with its thought."""
    kept = [p for p in probes if not any(q != p and q in p for q in probes)]
    return tuple(sorted(kept, key=lambda p: p.lower() not in {w.lower() for w in first}))


_BLANKS = re.compile(r"[ \t]+")


def label_key(label: str) -> str:
    """A label as :attr:`LineSyntax.kinds` keys it: lower case, each run of blanks one space
    (``Final  Answer`` -> ``final answer``).  Most labels have no run to fold, and a regex
    substitution on each cost more than the rest of a step's parse."""
    key = label.lower()
    if "\t" in key or "  " in key:
        return _BLANKS.sub(" ", key)
    return key


def record_line_syntax(record: Record, syntax: ReactSyntax = DEFAULT_SYNTAX) -> LineSyntax:
    """The line-layout labels of ``record``: ``syntax``'s, and those its system prompt defines
    (steps, the action's input, the final answer: ``Reasoning:/Tool:/Tool Input:/Result:``, then
    ``Response:``; see :func:`sftlint.analysis.react.prompt_step_labels`)."""
    last = _LAST_LINE[0]
    if last is not None and last[0] is record and last[1] is syntax:
        return last[2]  # the line rules ask about one record after another
    prompt = record.system_prompt
    lsyn = prompt_line_syntax(prompt, syntax) if prompt else line_syntax(syntax)
    _LAST_LINE[0] = (record, syntax, lsyn)
    return lsyn


#: The last answer of :func:`record_line_syntax` (record, syntax, line syntax), by identity.
_LAST_LINE: list[tuple[Record, ReactSyntax, LineSyntax] | None] = [None]
_KNOWN_PARTS = frozenset(w.lower() for w in ACTION_INPUT_LABELS + FINAL_LABELS + ANSWER_LABELS)


def prompt_line_syntax(prompt: str, syntax: ReactSyntax = DEFAULT_SYNTAX) -> LineSyntax:
    learned = syntax.prompt_labels(prompt)
    own = syntax.for_prompt(prompt)
    if own is syntax and "action_input" not in learned and "final" not in learned:
        return line_syntax(syntax)  # the common case: the prompt defines no label of its own
    inputs = tuple(w for w in learned.get("action_input", ()) if w.lower() not in _KNOWN_PARTS)
    finals = tuple(w for w in learned.get("final", ()) if w.lower() not in _KNOWN_PARTS)
    return line_syntax(own, inputs + ACTION_INPUT_LABELS, finals + FINAL_LABELS)


@dataclass(slots=True)
class LineTurn:
    """The labelled lines of one assistant turn, in order."""

    text: str
    steps: list[Step]

    def of(self, kind: str) -> list[Step]:
        return [s for s in self.steps if s.kind == kind]

    def value(self, step: Step) -> str:
        return self.text[step.value_start : step.value_end]

    @property
    def final(self) -> Step | None:
        """The final answer: a ``Final Answer`` label, or ``Answer`` after a thought."""
        seen_thought = False
        for s in self.steps:
            if s.kind == "final":
                return s
            if s.kind == "thought":
                seen_thought = True
            elif s.kind == "answer" and seen_thought:
                return s
        return None

    @property
    def has_steps(self) -> bool:
        return any(s.kind != "answer" for s in self.steps) or self.final is not None


_new_step = tuple.__new__  # builds a Step without the named tuple's Python-level __new__ (hot path)


def parse_line_turn(text: str, syn: LineSyntax) -> LineTurn:
    """The labelled lines of ``text``.  Never raises; a turn without labels has no steps."""
    if ":" not in text and "：" not in text and not syn.colonless:
        return LineTurn(text, [])
    for p in syn.probes:
        if p in text:
            break
    else:
        return LineTurn(text, [])
    found = [(m.start(1), m.end(), m.group(1)) for m in syn.pattern.finditer(text)]  # 1: the label
    kinds = syn.kinds
    steps: list[Step] = []
    for i, (start, colon_end, label) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(text)
        if i + 1 < len(found):  # the next label's line starts after the last newline before it
            nl = text.rfind("\n", colon_end, end)
            end = nl if nl >= 0 else end
        vs, ve = colon_end, end
        while vs < ve and text[vs].isspace():
            vs += 1
        while ve > vs and text[ve - 1].isspace():
            ve -= 1
        steps.append(_new_step(Step, (kinds[label_key(label)], label, start, vs, ve)))
    return LineTurn(text, steps)


# -- actions -----------------------------------------------------------------

_INLINE = re.compile(r"(?s)\s*(?P<name>[^\W\d][\w.\-]*(?: [\w.\-]+){0,3}?)\s*\[(?P<arg>.*)\]\s*")
_FENCE = re.compile(r"(?s)\A\s*```[\w-]*\s*\n?(.*?)\n?\s*```\s*\Z")


class ActionCall(NamedTuple):
    """What an action line names: the tool, and its input where the line carries it."""

    name: str
    inline: bool  # written ``name[argument]``
    blob: bool  # a JSON object naming the action (LangChain's structured agents)


def unfence(text: str) -> str:
    """``text`` without a surrounding Markdown code fence."""
    m = _FENCE.match(text)
    return m.group(1) if m else text


def read_action(value: str) -> ActionCall:
    """The tool an action line names (``search[x]`` -> ``search``; a JSON blob -> its action)."""
    m = _INLINE.fullmatch(value)
    if m is not None:
        return ActionCall(m.group("name"), True, False)
    body = unfence(value).strip()
    if body.startswith("{"):
        try:
            obj = json.loads(body)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and isinstance(obj.get("action"), str):
            return ActionCall(obj["action"], False, True)
    name = value.strip().strip("`'\"“”‘’").strip()
    return ActionCall(name, False, False)


# -- what the system prompt says --------------------------------------------

_LINE_TEMPLATE = re.compile(
    r"^[ \t]*(?:Action[ \t]+Input|行动输入|动作输入|Final[ \t]+Answer|最终答案|最终回答)[ \t]*[:：]",
    re.MULTILINE | re.IGNORECASE,
)
_THOUGHT_LINE = re.compile(
    r"^[ \t]*(?:Thought|思考|想法)[ \t]*\d{0,2}[ \t]*[:：]", re.MULTILINE | re.IGNORECASE
)
_ANSWER_LINE = re.compile(r"^[ \t]*(?:Answer|答案|回答)[ \t]*[:：]", re.MULTILINE | re.IGNORECASE)
_INLINE_TEMPLATE = re.compile(  # the lookahead: as in _BLOCK_MENTION
    r"(?=[ \tA行动Ff(])(?:^[ \t]*(?:Action|行动|动作)[ \t]*\d{0,2}[ \t]*[:：][ \t]*[^\W\d]\w*\["
    r"|\b(?:Finish|finish)\[(?:answer|ans)?\]|\(\d\)\s*[A-Z]\w*\[\w*\])",
    re.MULTILINE,
)
#: The block named in a prompt: empty delimiters (``用<>包围``, ``inside < >``), a template line
#: opening the block (``< 思考：…``), or the separator next to the reply it introduces
#: (``---和给用户的答复``, ``write --- and your reply``); a bare ``---`` is a Markdown rule.
#: (The lookahead is each branch's first character: with it ``re`` passes over the other
#: positions at once where it would try four case-insensitive branches at each, 5x faster on
#: seed-kind prompts.)
_BLOCK_MENTION = re.compile(
    r"(?=[<＜ \t\-答回r])(?:[<＜]\s*[>＞]|^[ \t]*<[ \t]*(?:思考|Thought)[ \t]*[:：]"
    r"|(?<![-\w])---(?![-\w])[^\n]{0,20}(?:答复|回复|回答|reply|response|answer)"
    r"|(?:答复|回复|reply|response)[^\n]{0,20}(?<![-\w])---(?![-\w]))",
    re.MULTILINE | re.IGNORECASE,
)


@lru_cache(maxsize=512)
def prompt_layout(prompt: str | None, syntax: ReactSyntax = DEFAULT_SYNTAX) -> Layout | None:
    """The layout a system prompt asks for, or None when it does not say.

    A format template decides: ``Action Input:`` or ``Final Answer:`` lines (LangChain,
    LlamaIndex, Qwen) or a ``Thought:`` line with an ``Answer:`` line mean *line*; an action
    written ``Search[entity]`` or ``Finish[answer]`` (the ReAct paper) means *inline*; a prompt
    that asks for ReAct and names the block's delimiters (``<>``, ``---``) means *block*.
    """
    if not prompt:
        return None
    if _some_line(_LINE_TEMPLATE, prompt) or (
        _some_line(_THOUGHT_LINE, prompt) and _some_line(_ANSWER_LINE, prompt)
    ):
        return "line"
    if "[" in prompt and _INLINE_TEMPLATE.search(prompt):  # each branch writes a `[`
        return "inline"
    if syntax.prompt_labels(prompt).get("final") and not _mentions_block(prompt):
        return "line"  # its own labels, the final answer's among them: Reasoning:/Tool:/… Response:
    if _mentions_block(prompt) and ("ReAct" in prompt or prompt_requests_react(prompt, syntax)):
        return "block"
    return None


#: :data:`_BLOCK_MENTION`'s branches one by one: empty delimiters, a template line opening the
#: block, the separator next to the reply.
_EMPTY_BLOCK = re.compile(r"[<＜]\s*[>＞]")
_BLOCK_LINE = re.compile(r"^[ \t]*<[ \t]*(?:思考|Thought)[ \t]*[:：]", re.MULTILINE | re.IGNORECASE)
_SEPARATOR_REPLY = re.compile(
    r"(?<![-\w])---(?![-\w])[^\n]{0,20}(?:答复|回复|回答|reply|response|answer)"
    r"|(?:答复|回复|reply|response)[^\n]{0,20}(?<![-\w])---(?![-\w])",
    re.MULTILINE | re.IGNORECASE,
)


def _mentions_block(prompt: str) -> bool:
    """Whether :data:`_BLOCK_MENTION` matches ``prompt``, a branch at a time, the cheapest first.
    The empty delimiters (``用<>包围``, most block prompts) start with a character that is the same
    in either case, so ``re`` jumps from one ``<`` to the next where the whole pattern tries
    every position; the template line is matched at line starts; the separator branches run only
    where the prompt holds ``---``, which each of them must match."""
    return (
        _EMPTY_BLOCK.search(prompt) is not None
        or ("<" in prompt and _some_line(_BLOCK_LINE, prompt))
        or ("---" in prompt and _SEPARATOR_REPLY.search(prompt) is not None)
    )


def _some_line(pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``pattern``, anchored at a line start (``^`` in multi-line mode), matches some line
    of ``text``: one match per line where a search tries every position of the prompt, which
    costs a prompt of few lines (most) several times more.  (Text of many short lines is
    searched: there a match per line would cost more.)"""
    if text.count("\n") * 16 > len(text):
        return pattern.search(text) is not None
    pos = 0
    while True:
        if pattern.match(text, pos) is not None:
            return True
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return False


_INPUT_WORD = re.compile(r"action[ \t_]*input|行动输入|动作输入", re.IGNORECASE)


def names_input(text: str | None) -> bool:
    """Whether ``text`` (a prompt, or an instruction that carries the format) names the action's
    input: ``Action Input``, ``行动输入``, ``动作输入``."""
    return bool(text) and _INPUT_WORD.search(text) is not None  # type: ignore[arg-type]


@lru_cache(maxsize=512)
def prompt_names_input(prompt: str | None, syntax: ReactSyntax = DEFAULT_SYNTAX) -> bool:
    """Whether the system prompt names the action's input, in the frameworks' words or as a
    label of its own (``Use Reasoning:/Tool:/Tool Input:/Result:``, see :func:`prompt_step_labels`):
    the data's convention writes an input line after each action.  A prompt that does not (the
    seed's kind: ``Thought: …`` / ``Action: 询问用户是否已签收`` / ``Final Answer: …``, an action
    aimed at the user; ``按“思考1”“行动1”“观察1”的格式``) carries the action alone."""
    if not prompt:
        return False
    return names_input(prompt) or bool(syntax.prompt_labels(prompt).get("action_input"))


_ASKS_JSON = re.compile(  # the lookahead: as in _BLOCK_MENTION
    r"(?=[a行动参j])(?:(?:action[ \t]+input|行动输入|动作输入|arguments?|参数)[^\n]{0,160}?json"
    r"|json[^\n]{0,80}?(?:action[ \t]+input|行动输入|动作输入))",
    re.IGNORECASE,
)


@lru_cache(maxsize=512)
def prompt_asks_json(prompt: str | None) -> bool:
    """Whether the system prompt asks for the Action Input as JSON (LlamaIndex: "in a JSON
    format representing the kwargs"; Qwen: "Format the arguments as a JSON object")."""
    return bool(prompt) and _ASKS_JSON.search(prompt) is not None  # type: ignore[arg-type]


_TOOL_LISTS = (
    re.compile(
        r"one of(?: the following(?: tools| actions)?)?[ \t]*:?[ \t]*\[([^\]\n]{1,2000})\]", re.IGNORECASE
    ),
    re.compile(r"\(one of ([^)\n]{1,2000})\)", re.IGNORECASE),
    re.compile(r"\[([^\]\n]{1,2000})\]\s*(?:中的|里的|其中)?\s*(?:之一|一个|一种)"),
    re.compile(r"(?:工具|tools?)[^\n\[]{0,20}之一[：:]?\s*\[([^\]\n]{1,2000})\]", re.IGNORECASE),
    re.compile(r"Valid \"?action\"? values:[ \t]*([^\n]{1,2000})", re.IGNORECASE),
)
_TOOL_LINES = (
    re.compile(r"^[ \t>]*(?:Tool Name|工具名称|工具名)[ \t]*[:：][ \t]*`?([\w.\-]+)`?", re.MULTILINE),
    re.compile(r"^[ \t]*([\w.\-]+)[ \t]*:[ \t]*Call this tool to interact with", re.MULTILINE),
    re.compile(r"^[ \t]*([\w.\-]+)[ \t]*[:：][ \t]*调用此工具", re.MULTILINE),
    re.compile(r"\(\d\)\s*([A-Z]\w*)\[\w*\]"),
)


@lru_cache(maxsize=512)
def prompt_tools(prompt: str | None) -> frozenset[str]:
    """The tool names a system prompt lists, lower-cased (empty when it lists none).

    Read from the templates' own places: ``one of [search, calculator]`` (LangChain, Qwen),
    ``(one of search, calculator)`` (LlamaIndex), ``> Tool Name: search`` lines (LlamaIndex's
    tool descriptions), ``search: Call this tool to interact with …`` (Qwen), ``(1) Search[entity]``
    (the ReAct paper), and the Chinese ``[…]之一`` / ``工具名称：…``.
    """
    if not prompt:
        return frozenset()
    names: set[str] = set()
    for rx in _TOOL_LISTS:
        for m in rx.finditer(prompt):
            inner = m.group(1)
            if "{" in inner:
                continue  # an unfilled template ({tool_names}): lists nothing
            for part in re.split(r"[,，、;；]|\s+or\s+|或|以及|和", inner):
                name = part.strip().strip("`'\"“”‘’ ").strip()
                if name and len(name) <= 64 and " " not in name.strip():
                    names.add(name.lower())
    for rx in _TOOL_LINES:
        for m in rx.finditer(prompt):
            names.add(m.group(1).lower())
    return frozenset(names)


# -- the record's layout ------------------------------------------------------


class LayoutDecision(NamedTuple):
    layout: Layout | None
    source: str  # "option" | "prompt" | "turns" | "none"


def turn_layout(msg: Message, turn: ReactTurn, record: Record, lsyn: LineSyntax) -> Layout | None:
    """The layout one assistant turn shows by itself (``turn`` is its block parse), or None when
    it carries no signal.  A turn without any thought/action/observation label shows none."""
    if turn.is_block and (turn.open is not None or _separator_starts_line(turn.text, turn.separator)):
        return "block"
    if not turn.labels:
        return None
    lt = line_turn(msg, record, lsyn)
    if lt.final is not None or any(s.kind == "action_input" for s in lt.steps):
        return "line"
    for s in lt.steps:
        if s.kind == "action" and read_action(lt.value(s)).inline:
            return "inline"
    return None


def _separator_starts_line(text: str, sep: tuple[int, int] | None) -> bool:
    """A ``---`` that starts a line or follows the block's close (``> ---``), not one inside a
    sentence ("Jianglang Mountain---the only …" in an observation)."""
    if sep is None:
        return False
    before = text[: sep[0]].rstrip(" \t")
    return not before or before.endswith(("\n", ">"))


def line_turn(msg: Message, record: Record, lsyn: LineSyntax) -> LineTurn:
    """The line parse of one turn, once per record and label set."""
    turns = record.memo(("react.line", id(lsyn)), dict)
    t = turns.get(msg.index)
    if t is None:
        t = turns[msg.index] = parse_line_turn(msg.content, lsyn)
    return t


def labelled(record: Record, syntax: ReactSyntax = DEFAULT_SYNTAX) -> bool:
    """Whether some assistant turn of ``record`` writes a ReAct label (no turn of a plain chat
    dataset does): the cheap question the layout rules ask first."""
    for _m, t in react_facts(record, syntax).turns:  # noqa: SIM110 (a plain loop: on every record)
        if t.is_block or t.labels:
            return True
    return False


_NONE = LayoutDecision(None, "none")
_DECIDED = {(lay, src): LayoutDecision(lay, src) for lay in LAYOUTS for src in ("option", "prompt", "turns")}
#: per syntax key: the record memo key, and the layout each system prompt asks for
_KEYS: dict[str, str] = {}
_PROMPTS: dict[str, PerPrompt] = {}


def record_layout(
    record: Record,
    syntax: ReactSyntax = DEFAULT_SYNTAX,
    pinned: Layout | None = None,
    lsyn: LineSyntax | None = None,
) -> LayoutDecision:
    """The layout the R rules check ``record`` against (see the module docstring); decided once
    per record and shared by the rules."""
    if pinned is not None:
        return _DECIDED[pinned, "option"]
    last = _LAST[0]
    if last is not None and last[0] is record and last[1] is syntax:
        return last[2]  # the rules ask about one record after another
    key = _KEYS.get(syntax.key)
    if key is None:
        key = _KEYS[syntax.key] = "react.layout" + syntax.key
    decision = record.memo(key, lambda: _decide(record, syntax, lsyn))
    _LAST[0] = (record, syntax, decision)
    return decision


#: The last answer of :func:`record_layout` (record, syntax, decision), checked by identity.
_LAST: list[tuple[Record, ReactSyntax, LayoutDecision] | None] = [None]


def _decide(record: Record, syntax: ReactSyntax, lsyn: LineSyntax | None) -> LayoutDecision:
    prompt = record.system_prompt
    if prompt:
        cache = _PROMPTS.get(syntax.key)
        if cache is None:
            cache = _PROMPTS[syntax.key] = PerPrompt(lambda p: prompt_layout(p, syntax), MANY_PROMPTS)
        lay = cache[prompt]
        if lay is not None:
            return _DECIDED[lay, "prompt"]  # type: ignore[index]
    votes: dict[str, int] | None = None
    for m, t in react_facts(record, syntax).turns:
        if not t.is_block and not t.labels:
            continue  # a plain turn (every turn of a chat dataset): no signal
        if lsyn is None:
            lsyn = record_line_syntax(record, syntax)
        lay = turn_layout(m, t, record, lsyn)
        if lay is not None:
            if votes is None:
                votes = {}
            votes[lay] = votes.get(lay, 0) + 1
    if not votes:
        return _NONE
    best = max(votes.values())
    winners = [k for k, v in votes.items() if v == best]
    return _NONE if len(winners) > 1 else _DECIDED[winners[0], "turns"]  # type: ignore[index]


# -- environment turns ----------------------------------------------------------


def env_observation(msg: Message, lsyn: LineSyntax) -> bool:
    """Whether a non-assistant turn is an observation from the environment: a tool result, or a
    user turn that starts with an observation label (``Observation: …``, FireAct's)."""
    if msg.role == "tool":
        return True
    if msg.role != "user":
        return False
    return _opens_with_observation(msg.content, lsyn)


def _opens_with_observation(text: str, lsyn: LineSyntax) -> bool:
    """Whether ``text``, leading whitespace aside, opens with an observation label.  A turn that
    opens with no whitespace is matched as it is: stripping copies the turn (a user turn that
    carries a retrieved document is long), and the R rules ask this of every user turn."""
    if text and text[0].isspace():
        text = text.lstrip()
    m = lsyn.pattern.match(text)
    return m is not None and lsyn.kinds.get(label_key(m.group(1))) == "observation"


# -- converting an Action Input to JSON ---------------------------------------------


def exact_json(text: str) -> str | None:
    """``text`` as JSON when it is a Python literal whose conversion is exact, else None.

    Exact: dicts with string keys, lists, strings, ints, finite floats, True/False/None,
    nested; a tuple or a set (which JSON would turn into a list), bytes or a non-string key
    are not.  ``{'input': 'hello'}`` -> ``{"input": "hello"}``.
    """
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(value, (dict, list)) or not _jsonable(value):
        return None
    return json.dumps(value, ensure_ascii=False)


def _jsonable(v: object, depth: int = 0) -> bool:
    if depth > 50:
        return False
    if v is None or isinstance(v, (bool, str, int)):
        return True
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, list):
        return all(_jsonable(x, depth + 1) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _jsonable(x, depth + 1) for k, x in v.items())
    return False


def is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def names_of(tools: Iterable[object]) -> set[str]:
    """Tool names of a record's structured ``tools`` declaration (OpenAI or flat shape)."""
    out: set[str] = set()
    for t in tools:
        if isinstance(t, dict):
            fn = t.get("function") if isinstance(t.get("function"), dict) else t
            name = fn.get("name") if isinstance(fn, dict) else None
            if isinstance(name, str):
                out.add(name.lower())
    return out


def ends_episode(msgs: list[Message], msg: Message, lsyn: LineSyntax) -> bool:
    """Whether assistant turn ``msg`` ends an episode: nothing but environment turns follow it
    before the end of the record or the next user question (an observation answers an action;
    a user question starts a new episode)."""
    after = False
    for m in msgs:
        if m is msg:
            after = True
            continue
        if not after:
            continue
        if m.role == "assistant":
            return False
        if m.role == "user" and not env_observation(m, lsyn):
            return True
    return True


def acts_in_text(text: str) -> bool:
    """Whether an assistant turn calls a tool in its text: a ReAct action line (S004 takes a tool
    turn after it as the answer to that call)."""
    if "ction" not in text and "行动" not in text and "动作" not in text:
        return False
    return any(s.kind == "action" for s in parse_line_turn(text, line_syntax()).steps)


def observes(text: str) -> bool:
    """Whether a (user) turn starts with an observation label: an environment turn."""
    return _opens_with_observation(text, line_syntax())
