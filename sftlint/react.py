"""Parsing ReAct turns: labels, the ``< ... >`` block, the ``---`` separator, the reply.

The seed article's assistant turns look like this::

    < 思考：根据知识库结果，我要先确认……。
    动作：询问用户是否在开播时收到了异常提示。
    观察：等用户返回是否收到了异常提示 >
    --- 请问您是否在开播时收到了异常提示？

A turn is parsed once per record (through ``record.memo``) and shared by the
R rules, so each rule only looks at the parts it is about.  Parsing never
raises: a malformed turn is a turn with missing parts, which is what the rules
report.

Why labels are recognised only at a *boundary* (line start, after ``<``, after
a sentence end or whitespace) and only when followed by a colon: the label
words are ordinary words (思考, 行动, "action"); "下一步动作：" in the middle of a
thought is text, not a label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sftlint.record import Message, Record

#: The three ReAct steps, in the order they must appear.
KINDS: tuple[str, ...] = ("thought", "action", "observation")
KIND_RANK: dict[str, int] = {k: i for i, k in enumerate(KINDS)}

DEFAULT_LABELS: dict[str, tuple[str, ...]] = {
    "thought": ("思考", "Thought"),
    "action": ("动作", "行动", "Action"),
    "observation": ("观察", "Observation"),
}

#: Characters after which a label may start (besides line start and whitespace).
_BOUNDARY = "<>。！？；!?;"
_COLONS = "：:"


@dataclass(frozen=True, slots=True)
class ReactSyntax:
    """The configurable surface of a ReAct turn (labels, block delimiters, separator).

    Hashable, so that parsed turns can be cached per syntax: two rules with the
    same options share one parse.
    """

    thought: tuple[str, ...] = DEFAULT_LABELS["thought"]
    action: tuple[str, ...] = DEFAULT_LABELS["action"]
    observation: tuple[str, ...] = DEFAULT_LABELS["observation"]
    block_open: str = "<"
    block_close: str = ">"
    separator: str = "---"

    def labels(self) -> dict[str, tuple[str, ...]]:
        return {"thought": self.thought, "action": self.action, "observation": self.observation}

    def kind_of(self, label: str) -> str | None:
        """The step a label word names (case-insensitive for ASCII labels)."""
        low = label.lower()
        for kind, words in self.labels().items():
            if any(w.lower() == low for w in words):
                return kind
        return None

    def canonical(self, label: str) -> str:
        """The label as configured (``thought`` -> ``Thought``), for messages."""
        low = label.lower()
        for words in self.labels().values():
            for w in words:
                if w.lower() == low:
                    return w
        return label

    @property
    def key(self) -> str:
        return repr(self)


DEFAULT_SYNTAX = ReactSyntax()


@dataclass(frozen=True, slots=True)
class LabelUse:
    """One label written in a turn: ``动作：询问用户……``."""

    kind: str  # "thought" | "action" | "observation"
    text: str  # the label as written ("动作", "Action")
    start: int  # span of the label word
    end: int
    colon: int  # offset of the colon that closes the label
    value_end: int  # end of the label's line (next label, line end, block end)

    @property
    def value_start(self) -> int:
        return self.colon + 1


@dataclass(slots=True)
class ReactTurn:
    """What one assistant turn holds, as offsets into its content."""

    text: str
    is_block: bool = False  # the turn is (an attempt at) a ReAct turn
    labels: list[LabelUse] = field(default_factory=list)  # labels inside the block, in order
    open: int | None = None  # offset of the block's opening delimiter
    close: int | None = None  # offset of the block's closing delimiter
    separator: tuple[int, int] | None = None
    reply: tuple[int, int] | None = None  # stripped reply text after the separator
    reply_wrapped: bool = False  # the reply is itself wrapped in the block delimiters
    trailing: tuple[int, int] | None = None  # text after the block when there is no separator

    @property
    def block_end(self) -> int:
        """Where the block's content ends (the close, the separator, or the text end)."""
        if self.close is not None:
            return self.close
        if self.separator is not None:
            return self.separator[0]
        return len(self.text)

    def kinds(self) -> list[str]:
        return [u.kind for u in self.labels]


@lru_cache(maxsize=64)
def _label_regex(syntax: ReactSyntax) -> re.Pattern[str]:
    words: list[str] = []
    for kind_words in syntax.labels().values():
        words.extend(kind_words)
    words.sort(key=len, reverse=True)
    alts = "|".join(f"(?i:{re.escape(w)})" if w.isascii() else re.escape(w) for w in words)
    # A label: at a boundary, the word, an optional step number ("Thought 1"), a colon.
    return re.compile(
        rf"(?:^|(?<=[\s{re.escape(_BOUNDARY)}]))(?P<label>{alts})(?:[ \t]*\d{{1,2}})?[ \t]*(?P<colon>[{_COLONS}])",
        re.MULTILINE,
    )


@lru_cache(maxsize=64)
def _separator_regex(separator: str) -> re.Pattern[str]:
    if separator and set(separator) == {"-"}:
        # "---" also matches a longer rule ("-----"); it is one separator.
        return re.compile(rf"-{{{len(separator)},}}")
    return re.compile(re.escape(separator))


def find_labels(text: str, syntax: ReactSyntax = DEFAULT_SYNTAX) -> list[LabelUse]:
    """Every label in ``text`` at a boundary, with the extent of its line."""
    matches = list(_label_regex(syntax).finditer(text))
    uses: list[LabelUse] = []
    for i, m in enumerate(matches):
        colon = m.start("colon")
        nl = text.find("\n", colon)
        end = len(text) if nl < 0 else nl
        if i + 1 < len(matches):
            end = min(end, matches[i + 1].start())
        kind = syntax.kind_of(m.group("label")) or "thought"
        uses.append(LabelUse(kind, m.group("label"), m.start("label"), m.end("label"), colon, end))
    return uses


def parse_turn(text: str, syntax: ReactSyntax = DEFAULT_SYNTAX) -> ReactTurn:
    """Parse one assistant turn.  Never raises."""
    turn = ReactTurn(text)
    stripped_start = len(text) - len(text.lstrip())
    if syntax.block_open and text.startswith(syntax.block_open, stripped_start):
        turn.open = stripped_start
    all_labels = find_labels(text, syntax)
    if not all_labels and turn.open is None:
        return turn

    first = all_labels[0].start if all_labels else turn.open + len(syntax.block_open)  # type: ignore[operator]
    sep_match = _separator_regex(syntax.separator).search(text, first) if syntax.separator else None
    close_char = syntax.block_close
    if sep_match is not None:
        turn.separator = (sep_match.start(), sep_match.end())
        before = text[: sep_match.start()].rstrip()
        if close_char and before.endswith(close_char) and len(before) - 1 >= first:
            turn.close = len(before) - 1
        region_end = sep_match.start()
        rest = text[sep_match.end() :]
        lead = len(rest) - len(rest.lstrip())
        body = rest.strip()
        if body:
            rs = sep_match.end() + lead
            turn.reply = (rs, rs + len(body))
            turn.reply_wrapped = bool(
                syntax.block_open
                and close_char
                and body.startswith(syntax.block_open)
                and body.endswith(close_char)
                and len(body) > 1
            )
    else:
        region_end = len(text)
        if close_char:
            # Without a separator, the block ends at a close that ends its line,
            # else at the last close after the last label ("…> 请问…": reply glued on).
            for m in re.finditer(re.escape(close_char) + r"[ \t\u3000]*(?:\n|$)", text[first:]):
                turn.close = first + m.start()
                break
            if turn.close is None and all_labels:
                last = text.rfind(close_char, all_labels[-1].colon)
                if last >= 0:
                    turn.close = last
        if turn.close is not None:
            region_end = turn.close
            after = text[turn.close + len(close_char) :]
            body = after.strip()
            if body:
                s = turn.close + len(close_char) + (len(after) - len(after.lstrip()))
                turn.trailing = (s, s + len(body))

    if turn.close is not None:
        region_end = min(region_end, turn.close)
    labels = [u for u in all_labels if u.start < region_end]
    turn.labels = [
        LabelUse(u.kind, u.text, u.start, u.end, u.colon, min(u.value_end, region_end)) for u in labels
    ]
    kinds = {u.kind for u in turn.labels}
    # A block: an opening delimiter followed by labels or a separator, or labels of
    # two different steps.  One stray "思考：" in an ordinary answer is not a block.
    turn.is_block = len(kinds) >= 2 or (
        turn.open is not None and (bool(turn.labels) or sep_match is not None)
    )
    return turn


def parse_turns(record: Record, syntax: ReactSyntax = DEFAULT_SYNTAX) -> list[tuple[Message, ReactTurn]]:
    """Every assistant turn of ``record`` with its parse, computed once per record and syntax."""

    def compute() -> list[tuple[Message, ReactTurn]]:
        return [(m, parse_turn(m.content, syntax)) for m in record.messages or () if m.role == "assistant"]

    return record.memo(f"react.turns:{syntax.key}", compute)


# -- what the system prompt says -------------------------------------------

_ZH_NAMING = r"(?:标记为|标记成|标注为|标注成|记为|记作|标为|写作|写为|写成|命名为|称为|叫做|前缀为)"
_EN_NAMING = r"(?i:\b(?:as|with|called|named|label(?:l)?ed|marked|prefixed|tagged)\b)"
_QUOTES_OPEN = "\"'“‘「『【`"


@dataclass(frozen=True, slots=True)
class LabelNaming:
    """A place where the system prompt names the label of a step."""

    kind: str
    text: str  # label as written in the prompt
    start: int
    end: int


@lru_cache(maxsize=64)
def _naming_regex(syntax: ReactSyntax) -> re.Pattern[str]:
    words: list[str] = []
    for kind_words in syntax.labels().values():
        words.extend(kind_words)
    words.sort(key=len, reverse=True)
    alts = "|".join(f"(?i:{re.escape(w)})\\b" if w.isascii() else re.escape(w) for w in words)
    q = re.escape(_QUOTES_OPEN)
    return re.compile(
        rf"(?:{_ZH_NAMING}|{_EN_NAMING})[ \t]*[{q}]?[ \t]*(?P<label>{alts})"
        rf"|[{q}](?P<qlabel>{alts})[{_COLONS}]?[\"'”’」』】`]"
    )


def label_namings(prompt: str, syntax: ReactSyntax = DEFAULT_SYNTAX) -> list[LabelNaming]:
    """Labels the system prompt assigns to steps.

    Recognised: "标记为行动" (and 记为/写作/命名为…), "mark it as Action",
    a quoted label ("“思考”", ``"Thought:"``) and a format template written in
    the prompt (``思考：…`` at a line start).
    """
    found: list[LabelNaming] = []
    for m in _naming_regex(syntax).finditer(prompt):
        group = "label" if m.group("label") is not None else "qlabel"
        word = m.group(group)
        kind = syntax.kind_of(word)
        if kind:
            found.append(LabelNaming(kind, word, m.start(group), m.end(group)))
    for use in find_labels(prompt, syntax):
        if not any(n.start == use.start for n in found):
            found.append(LabelNaming(use.kind, use.text, use.start, use.end))
    found.sort(key=lambda n: n.start)
    return found


_REACT_WORD = re.compile(r"\bReAct\b")


def prompt_requests_react(prompt: str | None, syntax: ReactSyntax = DEFAULT_SYNTAX) -> bool:
    """Whether a system prompt asks for ReAct turns.

    It does when it says "ReAct" (the method's name, case-sensitive so that
    "react to" does not count) or names the labels of at least two steps.
    """
    if not prompt:
        return False
    if _REACT_WORD.search(prompt):
        return True
    return len({n.kind for n in label_namings(prompt, syntax)}) >= 2


# -- colons inside a label line (R003) --------------------------------------

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s，。；、“”\"'<>）)】\]]*")
_PAIRS: Mapping[str, str] = {
    '"': '"',
    "“": "”",
    "‘": "’",
    "「": "」",
    "『": "』",
    "《": "》",
    "(": ")",
    "（": "）",
    "[": "]",
    "【": "】",
    "{": "}",
}


def _protected_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Ranges inside ``[start, end)`` whose colons are not structure: quotes, brackets, URLs.

    Only balanced pairs count, so a stray opening quote does not hide the rest
    of the line.
    """
    ranges: list[tuple[int, int]] = [(m.start(), m.end()) for m in _URL.finditer(text, start, end)]
    i = start
    while i < end:
        ch = text[i]
        close = _PAIRS.get(ch)
        if close is not None:
            depth_close = text.find(close, i + 1, end)
            if depth_close > 0:
                ranges.append((i, depth_close + 1))
                i = depth_close + 1
                continue
        i += 1
    return ranges


def extra_colons(text: str, start: int, end: int) -> list[int]:
    """Offsets of colons in ``text[start:end]`` that structure the line.

    Not counted: clock times and ratios (a colon between digits: 9:00, 21：30,
    1:2), URLs (``https://…``, ``host:8080`` inside one), and colons inside
    quotes or brackets (``回复用户“注意：…”``, ``lookup({"id": 1})``): there
    the quotes already delimit the content, which is the clarity the seed asks for.
    """
    found: list[int] = []
    protected: list[tuple[int, int]] | None = None
    for i in range(start, end):
        ch = text[i]
        if ch not in _COLONS:
            continue
        prev = text[i - 1] if i > 0 else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if _is_digit(prev) and _is_digit(nxt):
            continue
        if protected is None:
            protected = _protected_ranges(text, start, end)
        if any(a <= i < b for a, b in protected):
            continue
        found.append(i)
    return found


def _is_digit(ch: str) -> bool:
    return bool(ch) and ("0" <= ch <= "9" or "０" <= ch <= "９")


def describe_kinds(kinds: Iterable[str], syntax: ReactSyntax = DEFAULT_SYNTAX) -> str:
    """``思考/Thought`` style names for messages."""
    labels = syntax.labels()
    return ", ".join("/".join(labels[k][:2]) for k in kinds)


def syntax_from(options: object) -> ReactSyntax:
    """Build a :class:`ReactSyntax` from rule options that carry the syntax fields."""
    get = getattr
    return ReactSyntax(
        thought=tuple(get(options, "thought_labels", DEFAULT_LABELS["thought"])),
        action=tuple(get(options, "action_labels", DEFAULT_LABELS["action"])),
        observation=tuple(get(options, "observation_labels", DEFAULT_LABELS["observation"])),
        block_open=get(options, "block_open", "<"),
        block_close=get(options, "block_close", ">"),
        separator=get(options, "separator", "---"),
    )


def kinds_in_order(uses: Sequence[LabelUse]) -> list[LabelUse]:
    """The first use of each step, in the order they appear."""
    seen: set[str] = set()
    firsts: list[LabelUse] = []
    for u in uses:
        if u.kind not in seen:
            seen.add(u.kind)
            firsts.append(u)
    return firsts
