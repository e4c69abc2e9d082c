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

import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from sftlint.record import Message, Record

#: The three ReAct steps, in the order they must appear.
KINDS: tuple[str, ...] = ("thought", "action", "observation")
KIND_RANK: dict[str, int] = {k: i for i, k in enumerate(KINDS)}

DEFAULT_LABELS: dict[str, tuple[str, ...]] = {
    "thought": ("思考", "想法", "Thought"),
    "action": ("动作", "行动", "動作", "行動", "Action"),
    "observation": ("观察", "觀察", "Observation"),
}

#: Characters after which a label may start (besides line start and whitespace).
_BOUNDARY = "<>。！？；!?;"
_COLONS = "：:"


class ReactSyntax:
    """The configurable surface of a ReAct turn (labels, block delimiters, separator).

    Built once per rule from its options; it holds its compiled patterns and a
    ``key`` under which parsed turns are cached per record, so two rules with
    the same options share one parse.  Equal and hashable by that key.
    """

    __slots__ = (
        "_ascii_words",
        "_brackets",
        "_canon",
        "_ends",
        "_hash",
        "_kinds",
        "_last",
        "_learned",
        "_lengths",
        "_plain_words",
        "_probe_words",
        "action",
        "block_close",
        "block_open",
        "close_re",
        "dashes",
        "fast_re",
        "key",
        "label_re",
        "memo_key",
        "naming_re",
        "observation",
        "sep_re",
        "separator",
        "thought",
    )

    def __init__(
        self,
        thought: Iterable[str] = DEFAULT_LABELS["thought"],
        action: Iterable[str] = DEFAULT_LABELS["action"],
        observation: Iterable[str] = DEFAULT_LABELS["observation"],
        block_open: str = "<",
        block_close: str = ">",
        separator: str = "---",
    ) -> None:
        self.thought = tuple(thought)
        self.action = tuple(action)
        self.observation = tuple(observation)
        self.block_open = block_open
        self.block_close = block_close
        self.separator = separator
        self.key = repr((self.thought, self.action, self.observation, block_open, block_close, separator))
        self.memo_key = "react.turns" + self.key
        self._hash = hash(self.key)
        self._last: tuple[Record, ReactFacts] | None = None
        #: per system prompt: this syntax with the labels the prompt defines (see :meth:`for_prompt`),
        #: and those labels
        self._learned: dict[str, tuple[ReactSyntax, dict[str, tuple[str, ...]]]] = {}
        # A label written in brackets (``【推理】``, learned from a prompt) is kept without its
        # closing bracket, which ends the label as a colon does: ``【推理】用户想…``.
        self._brackets = "".join(
            sorted({CLOSING[w[0]] for ws in self.labels().values() for w in ws if w[:1] in CLOSING})
        )
        self._kinds: dict[str, str] = {}
        for kind, words in self.labels().items():
            for w in words:
                self._kinds.setdefault(w.lower(), kind)
        lower_keys = list(self._kinds)
        self._canon: dict[str, str] = {}
        for ws in self.labels().values():
            for w in ws:
                self._canon.setdefault(w.lower(), w)
        words = sorted(lower_keys, key=len, reverse=True)
        self._lengths = tuple(sorted({len(w) for w in words}, reverse=True))
        # label words by their last character (lower-cased): lengths to try, longest first
        ends: dict[str, list[int]] = {}
        for w in words:
            ends.setdefault(w[-1], [])
            if len(w) not in ends[w[-1]]:
                ends[w[-1]].append(len(w))
        self._ends = {c: tuple(sorted(v, reverse=True)) for c, v in ends.items()}
        for c in list(self._ends):
            self._ends.setdefault(c.upper(), self._ends[c])
        self._plain_words = tuple(w for w in self._canon.values() if not w.isascii())
        self._ascii_words = tuple(w.lower() for w in self._canon.values() if w.isascii())
        # what a turn must contain to hold a label: each word, ASCII ones in their usual casings
        self._probe_words = self._plain_words + tuple(
            dict.fromkeys(v for w in self._ascii_words for v in (w, w.capitalize(), w.upper()))
        )
        for kind, ws in self.labels().items():  # exact spellings too: no lower() on the hot path
            for w in ws:
                self._kinds.setdefault(w, kind)
        originals = self._canon
        alts = [originals[w] for w in words]
        plain = "|".join(f"(?i:{re.escape(w)})" if w.isascii() else re.escape(w) for w in alts)
        bounded = "|".join(f"(?i:{re.escape(w)})\\b" if w.isascii() else re.escape(w) for w in alts)
        # A label: at a boundary, the word, an optional step number ("Thought 1"), a colon.
        self.label_re = re.compile(
            rf"(?:^|(?<=[\s{re.escape(_BOUNDARY)}]))(?P<label>{plain})(?:[ \t]*\d{{1,2}})?[ \t]*(?P<colon>[{_COLONS}])",
            re.MULTILINE,
        )
        q = re.escape(_QUOTES_OPEN)
        self.naming_re = re.compile(
            rf"{_NAMING_START}(?:(?:{_ZH_NAMING}|{_EN_NAMING})[ \t]*[{q}]?[ \t]*(?P<label>{bounded})"
            rf"|[{q}](?P<qlabel>{bounded})[{_COLONS}]?[\"'”’」』】`])"
        )
        self.dashes = bool(separator) and set(separator) == {"-"}
        #: a close that ends its line: where a block without a separator ends
        self.close_re = re.compile(re.escape(block_close) + r"[ \t\u3000]*(?:\n|$)") if block_close else None
        self.fast_re = _canonical_pattern(self)
        if separator and set(separator) == {"-"}:
            # "---" also matches a longer rule ("-----"); it is one separator.
            self.sep_re = re.compile(rf"-{{{len(separator)},}}")
        else:
            self.sep_re = re.compile(re.escape(separator)) if separator else None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReactSyntax) and other.key == self.key

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"ReactSyntax{self.key}"

    def labels(self) -> dict[str, tuple[str, ...]]:
        return {"thought": self.thought, "action": self.action, "observation": self.observation}

    def for_prompt(self, prompt: str | None) -> ReactSyntax:
        """This syntax with the labels that ``prompt`` defines for the steps added in front
        (:func:`prompt_step_labels`), or this syntax itself when it defines none it lacks."""
        if not prompt:
            return self
        known = self._learned.get(prompt)
        return (known or self._learn(prompt))[0]

    def prompt_labels(self, prompt: str) -> dict[str, tuple[str, ...]]:
        """:func:`prompt_step_labels` of ``prompt``, read once per prompt with :meth:`for_prompt`."""
        known = self._learned.get(prompt)
        return (known or self._learn(prompt))[1]

    def _learn(self, prompt: str) -> tuple[ReactSyntax, dict[str, tuple[str, ...]]]:
        if len(self._learned) > 4096:
            self._learned.clear()
        new = prompt_step_labels.__wrapped__(prompt, self)  # cached here, not in the LRU
        separator = _prompt_separator(prompt, self.separator)
        own = (
            _syntax(
                new.get("thought", ()) + self.thought,
                new.get("action", ()) + self.action,
                new.get("observation", ()) + self.observation,
                self.block_open,
                self.block_close,
                separator,
            )
            if any(k in new for k in KINDS) or separator != self.separator
            else self
        )
        self._learned[prompt] = (own, new)
        return own, new

    def kind_of(self, label: str) -> str | None:
        """The step a label word names (case-insensitive for ASCII labels)."""
        return self._kinds.get(label.lower())

    def canonical(self, label: str) -> str:
        """The label as configured (``thought`` -> ``Thought``), for messages."""
        return self._canon.get(label.lower(), label)


#: Opening brackets of a bracketed label, and the bracket that closes each.
CLOSING = {"【": "】", "[": "]", "〔": "〕", "［": "］"}

_ZH_NAMING_WORDS = ("标记为", "标记成", "标注为", "标注成", "记为", "记作", "标为", "写作", "写为", "写成", "命名为", "称为", "叫做", "前缀为")  # fmt: skip
_EN_NAMING_WORDS = ("as", "with", "called", "named", "label(?:l)?ed", "marked", "prefixed", "tagged")
_ZH_NAMING = "(?:" + "|".join(_ZH_NAMING_WORDS) + ")"
_EN_NAMING = r"(?i:\b(?:" + "|".join(_EN_NAMING_WORDS) + r")\b)"
_QUOTES_OPEN = "\"'“‘「『【`"
#: What a naming starts with: a naming word's first character or an opening quote.  As a
#: lookahead in front of the naming pattern it lets ``re`` skip the other positions of a
#: prompt at once, where it would try every branch at each (3x faster on seed-kind prompts).
#: (One class, case-insensitive for the English words' letters: a class is one test per position.)
_NAMING_START = (
    "(?=(?i:["
    + re.escape("".join(sorted({w[0] for w in _ZH_NAMING_WORDS + _EN_NAMING_WORDS})) + _QUOTES_OPEN)
    + "]))"
)


#: Groups of :func:`_canonical_pattern`: the block's delimiters and separator, and per step
#: the label word and the line content after its colon.
_OPEN, _EXTRA, _CLOSE, _SEP = 1, 6, 9, 10
_STEP_GROUPS = (("thought", 2, 3), ("action", 4, 5), ("observation", 7, 8))
_WORD_GROUPS = tuple(word for _, word, _ in _STEP_GROUPS)


#: a separator a prompt quotes (``答覆寫在「——」之後``, ``另起一行写“===”``): a run of one rule character
_QUOTED_SEPARATOR = re.compile(r"[“\"「『'‘`]\s*(-{2,}|—{1,3}|={3,}|~{3,}|\*{3,}|_{3,})\s*[”\"」』'’`]")


def _prompt_separator(prompt: str, separator: str) -> str:
    """The separator ``prompt`` quotes where it quotes one other than ``separator`` (the option's
    ``---``), and ``separator`` else: the reply follows the rule the record's own prompt
    names.  A prompt that quotes two different rules names none."""
    if not separator:
        return separator
    found = {m.group(1) for m in _QUOTED_SEPARATOR.finditer(prompt)}
    if len(found) != 1:
        return separator
    (rule,) = found
    if set(rule) == set(separator):
        return separator  # "---" or "-----": the option's rule
    return rule


def _canonical_pattern(syntax: ReactSyntax) -> re.Pattern[str] | None:
    """One pattern for the canonical turn: ``<`` thought line, action line, optional observation
    line, ``>``, separator; between the action and the observation, one line of no label
    (``动作输入：{...}``, a tool call's arguments).  Label lines hold no delimiter; a colon inside one (a time, a URL, a
    quote) is looked at by :func:`_canonical_turn`.

    Most turns of a clean ReAct dataset have this shape, and one ``re.match`` decides it where
    the general scan walks every colon; :func:`parse_turn` takes its result only when it is
    exactly what the general parse would give (a test compares both on every corpus turn).
    None when the syntax has no delimiters or one word labels two steps.

    Groups as numbered in :data:`_STEP_GROUPS` and :data:`_OPEN` / ``_CLOSE`` / ``_SEP``; the
    label's colon is the character before its content.
    """
    words = [w.lower() for ws in syntax.labels().values() for w in ws]
    if (
        not (syntax.block_open and syntax.block_close and syntax.separator)
        or len(set(words)) < len(words)
        or syntax._brackets
    ):
        return None

    stop = re.escape(syntax.block_open + syntax.block_close)

    def words(kind_words: tuple[str, ...]) -> str:
        ordered = sorted(kind_words, key=len, reverse=True)
        return "|".join(f"(?i:{re.escape(w)})" if w.isascii() else re.escape(w) for w in ordered)

    def label(kind_words: tuple[str, ...]) -> str:
        return rf"({words(kind_words)})(?:[ \t]*\d{{1,2}})?[ \t]*[{_COLONS}]([^\n{stop}]*+)"

    # One line between the action and the observation that is not the observation's
    # ("动作输入：{...}", a tool call's arguments); _canonical_turn makes sure it holds no label.
    extra = (
        rf"(?:\n\s*+(?!(?:{words(syntax.observation)})(?:[ \t]*\d{{1,2}})?[ \t]*[{_COLONS}])([^\n{stop}]*+))?"
    )

    # Possessive runs (``*+``): nothing that follows a run can start inside it, so giving
    # characters back can never help a match; not trying makes the match 40% faster.
    sep = rf"-{{{len(syntax.separator)},}}" if set(syntax.separator) == {"-"} else re.escape(syntax.separator)
    return re.compile(
        rf"\s*+({re.escape(syntax.block_open)})\s*+{label(syntax.thought)}\n\s*+{label(syntax.action)}{extra}"
        rf"(?:\n\s*+{label(syntax.observation)})?\s*+({re.escape(syntax.block_close)})\s*+({sep})\s*+"
    )


DEFAULT_SYNTAX = ReactSyntax()


class LabelUse(NamedTuple):
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


@dataclass(slots=True, eq=False)
class ReactTurn:
    """What one assistant turn holds, as offsets into its content.

    A canonical turn (see :func:`_canonical_pattern`) keeps its match and builds its
    :attr:`labels` only when a rule asks for them; on a clean dataset most never are.
    """

    text: str
    is_block: bool = False  # the turn is (an attempt at) a ReAct turn
    _labels: list[LabelUse] | None = field(default=None, repr=False)  # see ``labels``
    open: int | None = None  # offset of the block's opening delimiter
    close: int | None = None  # offset of the block's closing delimiter
    separator: tuple[int, int] | None = None
    reply: tuple[int, int] | None = None  # stripped reply text after the separator
    reply_wrapped: bool = False  # the reply is itself wrapped in the block delimiters
    trailing: tuple[int, int] | None = None  # text after the block when there is no separator
    # Facts the rules ask about, computed once with the parse (the rules' common path is
    # checking these flags on a clean turn):
    kind_mask: int = 0  # the steps labelled in the block, one bit per step (see KIND_RANK)
    layout_ok: bool = True  # opened, closed, separator, reply, reply not wrapped
    in_order: bool = True  # the first thought / action / observation appear in that order
    colon_kinds: frozenset[str] = frozenset()  # steps whose label line holds another colon character
    match: re.Match[str] | None = field(default=None, repr=False)  # a canonical turn's match

    @property
    def labels(self) -> list[LabelUse]:
        """The labels inside the block, in order."""
        labels = self._labels
        if labels is None:
            labels = self._labels = _canonical_labels(self.match) if self.match is not None else []
        return labels

    def words(self) -> list[tuple[str, str]]:
        """``(step, label as written)`` of each label, without building the labels."""
        if self._labels is None and self.match is not None:
            return [
                (k, w) for k, w in zip(KINDS, self.match.group(*_WORD_GROUPS), strict=True) if w is not None
            ]
        return [(u.kind, u.text) for u in self.labels]

    def word_key(self) -> object:
        """A hashable value; two turns with equal keys have equal :meth:`words` (R005 remembers
        which words agree with a prompt by it)."""
        if self._labels is None and self.match is not None:
            return self.match.group(*_WORD_GROUPS)
        return tuple(self.words())

    def _key(self) -> tuple[object, ...]:
        return (
            self.text, self.is_block, self.labels, self.open, self.close, self.separator, self.reply,
            self.reply_wrapped, self.trailing, self.kind_mask, self.layout_ok, self.in_order, self.colon_kinds,
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        """Equal parses (however they were made: the canonical path or the general one)."""
        return isinstance(other, ReactTurn) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

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

    @property
    def kind_set(self) -> frozenset[str]:
        """The steps labelled in the block."""
        return frozenset(k for k in KINDS if self.kind_mask >> KIND_RANK[k] & 1)


_COLON_RE = re.compile(f"[{_COLONS}]")
_BOUNDARY_SET = frozenset(_BOUNDARY)


def _colons(text: str) -> list[int]:
    """Offsets of every colon (full- and half-width), in order; ``str.find`` is faster than a regex."""
    out: list[int] = []
    for ch in _COLONS:
        i = text.find(ch)
        while i >= 0:
            out.append(i)
            i = text.find(ch, i + 1)
    if len(out) > 1:
        out.sort()
    return out


def find_labels(
    text: str, syntax: ReactSyntax = DEFAULT_SYNTAX, limit: int | None = None, colons: list[int] | None = None
) -> list[LabelUse]:
    """Every label in ``text`` (before ``limit``) at a boundary, with the extent of its line."""
    if colons is None:
        colons = _colons(text)
    found = _scan_labels(text, syntax, _with_brackets(text, syntax, colons) if syntax._brackets else colons)
    return found if limit is None else _clip(found, limit)


def _with_brackets(text: str, syntax: ReactSyntax, colons: list[int]) -> list[int]:
    """``colons`` and the closing brackets of ``text`` that may end a bracketed label, in order."""
    out = list(colons)
    for ch in syntax._brackets:
        i = text.find(ch)
        while i >= 0:
            out.append(i)
            i = text.find(ch, i + 1)
    out.sort()
    return out


def _scan_labels(text: str, syntax: ReactSyntax, colons: list[int]) -> list[LabelUse]:
    """Each label, its line running to the line end or the next label.

    A label is always followed by a colon, and colons are rare: the scan starts
    from each colon and looks back for a label word (optionally numbered, as in
    "Thought 1:"); a lookup on the character before the colon rejects most
    colons at once.
    """
    kinds = syntax._kinds
    ends = syntax._ends
    found: list[tuple[int, int, int, str]] = []  # (start, end, colon, word)
    for colon in colons:
        if colon == 0:
            continue
        j = colon
        ch = text[j - 1]
        candidates = ends.get(ch)
        if candidates is None and (ch == "*" or ch == "_"):  # Markdown emphasis: **思考**：
            while j > 0 and colon - j < 3 and text[j - 1] in "*_":
                j -= 1
            ch = text[j - 1] if j > 0 else " "
            candidates = ends.get(ch)
            if candidates is None:
                continue
        if candidates is None:
            if ch not in " \t" and not ch.isdigit():
                continue  # the common case: a colon after ordinary text
            while j > 0 and text[j - 1] in " \t":
                j -= 1
            if j > 0 and text[j - 1].isdigit():  # "Thought 1:"
                j -= 1
                if j > 0 and text[j - 1].isdigit():
                    j -= 1
                while j > 0 and text[j - 1] in " \t":
                    j -= 1
            if j == 0:
                continue
            candidates = ends.get(text[j - 1])
            if candidates is None:
                continue
        for n in candidates:
            start = j - n
            if start < 0:
                continue
            word = text[start:j]
            if word not in kinds and word.lower() not in kinds:
                continue
            if start > 0:
                before = text[start - 1]
                if not (before.isspace() or before in _BOUNDARY_SET or _emphasis_opens(text, start)):
                    continue
            if syntax._brackets and text[colon] in syntax._brackets:
                # ``【推理】：…``: the colon after the bracket is the label's own
                k = colon + 1
                while k < len(text) and text[k] in " \t":
                    k += 1
                if k < len(text) and text[k] in _COLONS:
                    colon = k
            found.append((start, j, colon, word))
            break
    if not found:
        return []
    uses: list[LabelUse] = []
    last = len(found) - 1
    n = len(text)
    for i, (start, end_word, colon, word) in enumerate(found):
        end = text.find("\n", colon)
        if end < 0:
            end = n
        if i < last and found[i + 1][0] < end:
            end = found[i + 1][0]
        uses.append(
            _new_use(LabelUse, (kinds.get(word) or kinds[word.lower()], word, start, end_word, colon, end))
        )
    return uses


def _emphasis_opens(text: str, start: int) -> bool:
    """Whether a label at ``start`` follows Markdown emphasis that opens at a boundary
    (``**思考**：``, ``**Thought:**``), not an identifier's underscore (``my_Action:``)."""
    i = start
    while i > 0 and start - i < 3 and text[i - 1] in "*_":
        i -= 1
    return i < start and (i == 0 or text[i - 1].isspace() or text[i - 1] in _BOUNDARY_SET)


def _clip(uses: list[LabelUse], limit: int) -> list[LabelUse]:
    """The labels starting before ``limit``, their lines cut at it."""
    return [
        u if u.value_end <= limit else _new_use(LabelUse, (u.kind, u.text, u.start, u.end, u.colon, limit))
        for u in uses
        if u.start < limit
    ]


_new_use = tuple.__new__  # builds a LabelUse without the namedtuple's Python-level __new__ (hot path)


def _find_separator(text: str, syntax: ReactSyntax, start: int) -> tuple[int, int] | None:
    """Span of the separator after ``start`` (a run of 3+ dashes for ``---``), via ``str.find``."""
    sepstr = syntax.separator
    if not sepstr:
        return None
    i = text.find(sepstr, start)
    if i < 0:
        return None
    end = i + len(sepstr)
    if syntax.dashes:
        while end < len(text) and text[end] == "-":
            end += 1
    return (i, end)


def _may_have_labels(text: str, syntax: ReactSyntax) -> bool:
    """Cheap test: a label needs a colon and one of the label words (most plain answers fail it)."""
    if (
        "：" not in text
        and ":" not in text
        and not (syntax._brackets and any(b in text for b in syntax._brackets))
    ):
        return False
    for w in syntax._probe_words:  # noqa: SIM110 (a plain loop: this runs on every plain answer)
        if w in text:
            return True
    return False


def parse_turn(text: str, syntax: ReactSyntax = DEFAULT_SYNTAX) -> ReactTurn:
    """Parse one assistant turn.  Never raises."""
    fast = syntax.fast_re
    if fast is not None:
        m = fast.match(text)
        if m is not None:
            turn = _canonical_turn(text, m, syntax)
            if turn is not None:
                return turn
    turn = ReactTurn(text)
    stripped_start = len(text) - len(text.lstrip()) if text and text[0].isspace() else 0
    if syntax.block_open and text.startswith(syntax.block_open, stripped_start):
        turn.open = stripped_start
    elif not _may_have_labels(text, syntax):
        return turn
    colons = _colons(text)
    found = _scan_labels(text, syntax, _with_brackets(text, syntax, colons) if syntax._brackets else colons)
    if not found and turn.open is None:
        return turn

    first = found[0].start if found else turn.open + len(syntax.block_open)  # type: ignore[operator]
    sep = _find_separator(text, syntax, first)
    close_char = syntax.block_close
    if sep is not None:
        sep_start, sep_end = sep
        turn.separator = sep
        j = sep_start
        while j > first and text[j - 1].isspace():
            j -= 1
        if close_char and j - len(close_char) >= first and text.startswith(close_char, j - len(close_char)):
            turn.close = j - len(close_char)
        region_end = sep_start
        rs, re_ = sep_end, len(text)
        while rs < re_ and text[rs].isspace():
            rs += 1
        while re_ > rs and text[re_ - 1].isspace():
            re_ -= 1
        if re_ > rs:
            turn.reply = (rs, re_)
            turn.reply_wrapped = bool(
                syntax.block_open
                and close_char
                and re_ - rs > 1
                and text.startswith(syntax.block_open, rs)
                and text.endswith(close_char, rs, re_)
            )
    else:
        region_end = len(text)
        if close_char:
            # Without a separator, the block ends at a close that ends its line,
            # else at the last close after the last label ("…> 请问…": reply glued on).
            end_of_line = syntax.close_re.search(text, first)  # type: ignore[union-attr]
            if end_of_line is not None:
                turn.close = end_of_line.start()
            if turn.close is None and found:
                last = text.rfind(close_char, found[-1].colon)
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
    # usually every label's line ends inside the block, and nothing needs cutting
    labels = found if not found or found[-1].value_end <= region_end else _clip(found, region_end)
    turn._labels = labels
    mask = 0  # bit per step used
    in_order = True  # the first use of each step comes in order (later cycles may repeat steps)
    highest = -1
    for u in labels:
        r = KIND_RANK[u.kind]
        bit = 1 << r
        if not mask & bit:
            mask |= bit
            if r < highest:
                in_order = False
            else:
                highest = r
    # A block: an opening delimiter followed by labels or a separator, or labels of
    # two different steps.  One stray "思考：" in an ordinary answer is not a block.
    turn.is_block = mask & (mask - 1) != 0 or (turn.open is not None and (bool(labels) or sep is not None))
    if turn.is_block:
        turn.kind_mask = mask
        turn.in_order = in_order
        turn.layout_ok = (
            turn.open is not None
            and turn.close is not None
            and turn.separator is not None
            and turn.reply is not None
            and not turn.reply_wrapped
        )
        own = len(labels) if not syntax._brackets else sum(text[u.colon] in _COLONS for u in labels)
        if len(colons) > own:  # some colon is not a label's: which label lines hold one?
            turn.colon_kinds = _colon_kinds(labels, colons)
    return turn


def _colon_kinds(labels: list[LabelUse], colons: list[int]) -> frozenset[str]:
    """The steps whose label line holds a colon after the label's own: per label, the first
    colon after its own (``colons`` is sorted) is the one to test."""
    kinds = []
    last = len(colons)
    for u in labels:
        i = bisect_right(colons, u.colon)
        if i < last and colons[i] < u.value_end:
            kinds.append(u.kind)
    return frozenset(kinds)


def _canonical_turn(text: str, m: re.Match[str], syntax: ReactSyntax) -> ReactTurn | None:
    """The parse of a turn that matched :attr:`ReactSyntax.fast_re`, as the general parse makes it.

    The one thing the pattern leaves open is checked here: the separator must be the first one
    after the thought label, as the general parse takes the first.  The labels are built from
    the match when asked for (:func:`_canonical_labels`).  (Positions are read with ``span()``
    per group: ``Match.regs`` builds every pair and costs three times as much.)
    """
    sep = m.span(_SEP)
    first, close = m.start(_WORD_GROUPS[0]), m.start(_CLOSE)
    if text.find(syntax.separator, first) != sep[0]:
        return None
    colon_kinds: frozenset[str] = frozenset()
    labels = 2 if m.start(_WORD_GROUPS[2]) < 0 else 3
    if text.count("：", first, close) + text.count(":", first, close) > labels:
        # Colons inside label lines: none may be a label's own (then the general parse decides),
        # and the steps whose line holds one are the turn's colon kinds (R003 looks at them).
        # The line between action and observation belongs to no label: its colons are no
        # label line's, and it must hold no label either.
        inside: list[int] = []
        kinds = set()
        for kind, _word, content in _STEP_GROUPS:
            cs, ce = m.span(content)
            if cs < 0:
                break
            found = _colons(text[cs:ce])
            if found:
                kinds.add(kind)
                inside.extend(cs + c for c in found)
        cs, ce = m.span(_EXTRA)
        if cs >= 0:
            inside.extend(cs + c for c in _colons(text[cs:ce]))
            inside.sort()
        if _scan_labels(text, syntax, inside):
            return None
        colon_kinds = frozenset(kinds)
    rs, re_ = m.end(), len(text.rstrip())
    reply = (rs, re_) if re_ > rs else None
    wrapped = (
        reply is not None
        and re_ - rs > 1
        and text.startswith(syntax.block_open, rs)
        and text.endswith(syntax.block_close, rs, re_)
    )
    return ReactTurn(
        text, True, None, m.start(_OPEN), close, sep, reply, wrapped, None,
        0b011 if labels == 2 else 0b111, reply is not None and not wrapped, True, colon_kinds, m,
    )  # fmt: skip


def _canonical_labels(m: re.Match[str]) -> list[LabelUse]:
    """The labels of a canonical turn: each line ends where its content group ends (at the line
    end or the close); the label's colon is the character before the content."""
    text = m.string
    uses = []
    for kind, word, content in _STEP_GROUPS:
        start, end = m.span(word)
        if start < 0:
            break
        cs, ce = m.span(content)
        uses.append(_new_use(LabelUse, (kind, text[start:end], start, end, cs - 1, ce)))
    return uses


class ReactFacts(NamedTuple):
    """The parsed assistant turns of one record, shared by the R rules.

    Besides the turns, what the rules' common path asks, folded over the blocks once: a rule
    whose question is answered "nothing to report" here returns at once without looking at a
    turn (on a clean ReAct dataset that is every rule on every record).
    """

    turns: list[tuple[Message, ReactTurn]]  # every assistant turn
    blocks: list[tuple[Message, ReactTurn]]  # the turns that are ReAct blocks
    common_mask: int = 0b111  # the steps labelled in *every* block (bits as in KIND_RANK)
    layout_ok: bool = True  # every block is opened, closed, separated and has a reply
    in_order: bool = True  # every block labels its steps in order
    colon_kinds: frozenset[str] = frozenset()  # steps whose label line holds another colon, in any block


def react_facts(record: Record, syntax: ReactSyntax = DEFAULT_SYNTAX) -> ReactFacts:
    """Every assistant turn of ``record`` with its parse, computed once per record and syntax.

    The R rules ask for the same record one after another: the last answer is kept on
    the syntax object and checked by identity before the record's memo is consulted.
    """
    last = syntax._last
    if last is not None and last[0] is record:
        return last[1]
    own = syntax.for_prompt(record.system_prompt)  # the labels the record's prompt defines
    facts = record.memo(own.memo_key, lambda: _facts(record, own))
    syntax._last = (record, facts)
    return facts


def record_syntax(record: Record, syntax: ReactSyntax = DEFAULT_SYNTAX) -> ReactSyntax:
    """The syntax ``record``'s turns are parsed with: ``syntax`` and the labels its system prompt
    defines (:meth:`ReactSyntax.for_prompt`)."""
    return syntax.for_prompt(record.system_prompt)


def _facts(record: Record, syntax: ReactSyntax) -> ReactFacts:
    turns: list[tuple[Message, ReactTurn]] = []
    blocks: list[tuple[Message, ReactTurn]] = []
    common, layout_ok, in_order, colon_kinds = 0b111, True, True, frozenset()
    for m in record.messages or ():
        if m.role != "assistant":
            continue
        t = parse_turn(m.content, syntax)
        turns.append((m, t))
        if t.is_block:
            blocks.append((m, t))
            common &= t.kind_mask
            if not t.layout_ok:
                layout_ok = False
            if not t.in_order:
                in_order = False
            if t.colon_kinds:
                colon_kinds = colon_kinds | t.colon_kinds
    return tuple.__new__(ReactFacts, (turns, blocks, common, layout_ok, in_order, colon_kinds))


def parse_turns(record: Record, syntax: ReactSyntax = DEFAULT_SYNTAX) -> list[tuple[Message, ReactTurn]]:
    """Every assistant turn of ``record`` with its parse (see :func:`react_facts`)."""
    return react_facts(record, syntax).turns


# -- what the system prompt says -------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelNaming:
    """A place where the system prompt names the label of a step."""

    kind: str
    text: str  # label as written in the prompt
    start: int
    end: int


@lru_cache(maxsize=512)
def label_namings(prompt: str, syntax: ReactSyntax = DEFAULT_SYNTAX) -> tuple[LabelNaming, ...]:
    """Labels the system prompt assigns to steps.

    Recognised: "标记为行动" (and 记为/写作/命名为…), "mark it as Action",
    a quoted label ("“思考”", ``"Thought:"``) and a format template written in
    the prompt (``思考：…`` at a line start).
    """
    found: list[LabelNaming] = []
    for m in syntax.naming_re.finditer(prompt):
        group = "label" if m.group("label") is not None else "qlabel"
        word = m.group(group)
        kind = syntax.kind_of(word)
        if kind:
            found.append(LabelNaming(kind, word, m.start(group), m.end(group)))
    for use in find_labels(prompt, syntax):
        if not any(n.start == use.start for n in found):
            found.append(LabelNaming(use.kind, use.text, use.start, use.end))
    found.sort(key=lambda n: n.start)
    return tuple(found)  # cached: system prompts repeat across a dataset


_REACT_WORD = re.compile(r"(?<![A-Za-z])ReAct(?![A-Za-z])")

# -- the labels a system prompt defines ---------------------------------------------
#
# A file may name its steps in its own words ("思考过程标记为【推理】，调用工具标记为【操作】",
# "Use Reasoning:/Tool:/Result:", "每一步按 分析 → 执行 → 反馈 的格式", a template of label
# lines).  prompt_step_labels reads those words, so the turns are checked against the labels the
# file defines; it learns nothing unless the reading is unambiguous.

_ZH_WORD = r"[\u4e00-\u9fff]{1,6}"
#: an English label: one word, or two where the second names a part (``Tool Input``, ``Final Answer``)
_EN_WORD = r"[A-Za-z][a-z]*(?:[ \t](?i:input|answer|output|call|name|arguments|args|result|response))?"
_BRACKETED = r"[【\[〔［][^\s【】\[\]〔〕［］：:]{1,8}[】\]〕］]"
#: a label quoted with its colon, or bracketed: 「思路：」, `Plan:`, 【推理】
_QUOTED = (
    rf"(?:[“\"'「『`‘]\s*(?P<q>{_ZH_WORD}|{_EN_WORD})\s*[：:]\s*[”\"'」』`’]"
    rf"|(?P<b>{_BRACKETED}))"
)
# Each pattern opens with literals or a class of them, which ``re`` looks for without trying
# the pattern at each position (a lookahead or a class of CJK characters first is 10-20x slower
# on a seed-kind prompt; prompts of 20,000 characters exist).
_ZH_NAMED = re.compile(
    rf"(?:{_ZH_NAMING})[ \t]*"
    rf"(?:{_QUOTED}|[“\"'「『`‘](?P<zq>{_ZH_WORD})[”\"'」』`’]|(?P<z>{_ZH_WORD}?)(?=[：:]?[，。；、\s）)]|$))"
)
_ZH_PREFIXED = re.compile(  # 以「思路：」开头, 用【推理】表示
    rf"[以用][ \t]*(?=[“\"'「『`‘【\[〔［])(?:{_QUOTED}|[“\"'「『`‘](?P<zq>{_ZH_WORD})[”\"'」』`’])"
    r"[ \t]*(?:开头|开始|起头|表示|标记|标注|来表示|作为开头)"
)
_EN_NAMED = re.compile(  # prefix your reasoning with `Plan:`; the step you take with Do:; then Response:
    rf"(?=[wWaAtTfFuU])\b(?i:with|as|then|finally|use)[ \t]+(?:{_QUOTED}|(?P<c>{_EN_WORD}):(?=[\s,.;)]|$))"
)
#: the words before a naming, back to the clause's start: what they say names the step
_CLAUSE_END = re.compile(r"[，。；;,.\n]")
_LIST_SEP = r"[ \t]*(?:/|→|->|=>|⟶|＞)[ \t]*"
_LIST_ITEM = rf"(?:{_BRACKETED}|{_ZH_WORD}|{_EN_WORD})[：:]?"
_LISTED = re.compile(
    rf"(?=[【\[〔［\u4e00-\u9fffA-Za-z])(?<![\w/])(?:{_LIST_ITEM})(?:{_LIST_SEP}(?:{_LIST_ITEM})){{2,5}}(?![\w/])"
)
_SEP_RE = re.compile(r"/|→|->|=>|⟶|＞")
_ITEM_RE = re.compile(_LIST_ITEM)
_ITEM_START = re.compile(r"(?<![\w/])(?=[【\[〔［\w])")
_CLOSERS = frozenset("】]〕］")
#: a label quoted with its colon anywhere in a prompt (``after "Response:"``, ``用“回复：”给出``): learned
#: only where its own word names the final answer or the action's input
_QUOTED_LABEL = re.compile(rf"[“\"'「『`‘]\s*(?P<q>{_ZH_WORD}|{_EN_WORD})\s*[：:]\s*[”\"'」』`’]")
#: bracketed labels written one after another (``【思考】【动作】【观察】``, ``【思考】、【动作】、【观察】``):
#: a list whose order gives the steps
_BRACKET_RUN = re.compile(rf"{_BRACKETED}(?:[、，,]?[ \t]*{_BRACKETED}){{2,5}}")
_TEMPLATE_LINE = re.compile(
    rf"[ \t]*(?:<[ \t]*)?(?:[-*][ \t]+)?(?:(?P<b>{_BRACKETED})|(?P<w>{_ZH_WORD}|{_EN_WORD})[ \t]*[：:])"
)

#: What a label's own word says of its step (prompts and turns alike).
_CUE_WORDS: tuple[tuple[str, str, str], ...] = (  # step, Chinese words, English words
    ("input", "输入|参数|輸入|參數", "input|arguments?|args|params?"),
    ("final", "答复|回复|回答|答案|最终|答覆|回覆|最終", "answer|reply|response|final"),
    ("thought", "思考|推理|想法|分析|思路|思维", "reasoning|reason|thoughts?|think(?:ing)?|plan"),
    ("action", "行动|动作|操作|执行|措施|调用|工具|行動|動作|執行|調用", "actions?|act|tools?|call|step"),
    (
        "observation",
        "观察|结果|反馈|返回|觀察|結果|反饋",
        "observations?|observe|results?|output|feedback|returns?|comes back",
    ),
)
_CUE_RANK = {kind: i for i, (kind, _zh, _en) in enumerate(_CUE_WORDS)}
#: One pattern, a group per step; a label's own words name the first step in the order above
#: (操作参数: the input, not the action).
_CUES = re.compile(
    "|".join(rf"(?P<{kind}>{zh}|\b(?i:{en})\b)" for kind, zh, en in _CUE_WORDS),
)


def _cue(text: str, last: bool = False) -> str | None:
    """The step ``text`` names by its words (a label's own word, or the words that introduce it:
    ``调用工具标记为``, ``the step you take with``); ``last``: the cue nearest the end wins."""
    found = [m.lastgroup for m in _CUES.finditer(text)]
    if not found:
        return None
    return found[-1] if last else min(found, key=_CUE_RANK.__getitem__)


class _Candidate(NamedTuple):
    at: int
    word: str
    before: str | None  # the words introducing it (up to 12 or 40 characters before a naming)
    ordered: bool  # from a list or template, where the order gives the step


def _candidates(prompt: str) -> list[_Candidate]:
    """Each place the prompt defines a label, in order."""
    out: list[_Candidate] = []
    for rx, reach in ((_ZH_NAMED, 12), (_ZH_PREFIXED, 12), (_EN_NAMED, 40)):
        for m in rx.finditer(prompt):
            found = m.groupdict()
            for g in ("q", "b", "zq", "z", "c"):
                word = found.get(g)
                if word:
                    out.append(
                        _Candidate(m.start(g), word, prompt[max(0, m.start() - reach) : m.start()], False)
                    )
                    break
    done = -1  # a list is looked for around each separator, not at every word of the prompt
    for sep in _SEP_RE.finditer(prompt):
        if sep.start() < done:
            continue
        before = prompt[max(0, sep.start() - 2) : sep.start()].rstrip(" \t：:")
        after = prompt[sep.end() : sep.end() + 3].lstrip(" \t")
        if not (before and after and (before[-1].isalnum() or before[-1] in _CLOSERS)):
            continue  # a list's separator stands between two labels
        if not (after[0].isalnum() or after[0] in CLOSING):
            continue
        m = None
        for start in _ITEM_START.finditer(prompt, max(0, sep.start() - 40), sep.start()):
            m = _LISTED.match(prompt, start.start())
            if m is not None and m.end() > sep.start():
                break
            m = None
        if m is None:
            continue
        done = m.end()
        for part in _ITEM_RE.finditer(m.group(0)):
            out.append(_Candidate(m.start() + part.start(), part.group(0).rstrip("：:"), None, True))
    if ":" in prompt or "：" in prompt:  # then write the reply after "Response:"; 最后用“回复：”给出
        named = {c.at for c in out}
        for m in _QUOTED_LABEL.finditer(prompt):
            if m.start("q") not in named and _cue(m.group("q")) in ("final", "input"):
                out.append(_Candidate(m.start("q"), m.group("q"), None, False))
    if "】" in prompt or "]" in prompt or "〕" in prompt or "］" in prompt:
        for m in _BRACKET_RUN.finditer(prompt):  # 请用【思考】【动作】【观察】【回复】四个小标题
            for part in re.finditer(_BRACKETED, m.group(0)):
                out.append(_Candidate(m.start() + part.start(), part.group(0), None, True))
    run: list[_Candidate] = []  # template lines, one after another
    at = 0
    for line in prompt.split("\n"):
        m = (
            _TEMPLATE_LINE.match(line)
            if ("：" in line or ":" in line or "】" in line or "]" in line)
            else None
        )
        if m is None:
            if len(run) >= 2:
                out.extend(run)
            run = []
        else:
            word = m.group("b") or m.group("w")
            run.append(_Candidate(at + (m.start("b") if m.group("b") else m.start("w")), word, None, True))
        at += len(line) + 1
    if len(run) >= 2:
        out.extend(run)
    out.sort()
    return out


@lru_cache(maxsize=512)
def prompt_step_labels(prompt: str, syntax: ReactSyntax = DEFAULT_SYNTAX) -> dict[str, tuple[str, ...]]:
    """The labels ``prompt`` defines for the steps that ``syntax`` does not know, by step.

    Read where prompts define labels: naming sentences (``标记为【推理】``, ``记为“结果：”``,
    ``以“思路：”开头``, ``prefix your reasoning with `Plan:```), label lists (``Reasoning:/Tool:/Result:``,
    ``分析 → 执行 → 反馈``, ``【思考】【动作】【观察】``) and template lines (``推理：…`` / ``【推理】…`` on consecutive lines).
    Labels of the action's input and of the final answer (``Tool Input``, ``答复``) are set apart
    by their words (returned under ``action_input`` and ``final``, for the line layout); the
    others take the steps in order (thought, action, observation).  What a
    label's own word says (推理, 操作, Result), or else the words that introduce it (调用工具标记为…,
    the step you take with …), must be the step its place gives it, and a label found in a
    sentence needs one of them (a list or a template gives the order).  Nothing is learned (an
    empty dict) when the prompt's labels cannot be read that way: fewer than two or more than
    three steps, a word naming another step than its place, a label of two steps, or a prompt
    that neither says ReAct nor names its first two steps.
    """
    firsts: dict[str, tuple[str | None, bool]] = {}  # label -> (its step by its words, ordered)
    for c in _candidates(prompt):
        word = c.word.strip()
        if not word:
            continue
        known = syntax.kind_of(word)
        cue = known or _cue(word[1:-1] if word[:1] in CLOSING else word)
        if cue is None and c.before:  # the words before it, back to the clause's start
            cue = _cue(_CLAUSE_END.split(c.before)[-1], last=True)
        if word in firsts:
            prior, ordered = firsts[word]
            if prior is not None and cue is not None and cue != prior:
                return {}  # one label, two steps
            firsts[word] = (prior or cue, ordered or c.ordered)
        else:
            firsts[word] = (cue, c.ordered)
    steps = [(w, cue, ordered) for w, (cue, ordered) in firsts.items() if cue not in ("input", "final")]
    parts = {"input": "action_input", "final": "final"}
    if not 2 <= len(steps) <= 3 or all(cue is None for _w, cue, _o in steps):
        return {}  # (角色：… / 任务：… / 输出格式：…: a prompt's own headings, no step's words)
    for i, (_w, cue, ordered) in enumerate(steps):
        if (cue is not None and cue != KINDS[i]) or (cue is None and not ordered):
            return {}
    if not _REACT_WORD.search(prompt) and [c for _w, c, _o in steps[:2]] != ["thought", "action"]:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for i, (word, _cue_kind, _o) in enumerate(steps):
        if syntax.kind_of(word) is not None:
            continue  # a label the syntax knows already
        label = word[:-1] if word[:1] in CLOSING else word  # 【推理】 -> 【推理 (see ReactSyntax)
        if any(syntax.kind_of(w) for w in (label, label.lower())):
            return {}
        out[KINDS[i]] = (*out.get(KINDS[i], ()), label)
    for word, (cue, _o) in firsts.items():  # the action's input and the final answer (line layout)
        if cue in parts:
            out[parts[cue]] = (*out.get(parts[cue], ()), word[:-1] if word[:1] in CLOSING else word)
    return out


@lru_cache(maxsize=512)
def prompt_requests_react(prompt: str | None, syntax: ReactSyntax = DEFAULT_SYNTAX) -> bool:
    """Whether a system prompt asks for ReAct turns.

    It does when it says "ReAct" (the method's name, case-sensitive so that
    "react to" does not count) or names the labels of at least two steps (its own labels too:
    :func:`prompt_step_labels`).
    """
    if not prompt:
        return False
    if _REACT_WORD.search(prompt):
        return True
    return (
        len({n.kind for n in label_namings(prompt, syntax.for_prompt(prompt))}) >= 2
        or _lists_steps(prompt)
        or bool(quoted_step_kinds(prompt, syntax))
    )


@lru_cache(maxsize=512)
def quoted_step_kinds(prompt: str, syntax: ReactSyntax = DEFAULT_SYNTAX) -> frozenset[str]:
    """The steps (thought, action) whose labels ``prompt`` quotes with their colon as what a turn
    writes (``回复用户时先写“思考：”，再以“回复：”给出答复``): a turn of steps, if only the thought."""
    if "“" not in prompt and '"' not in prompt and "「" not in prompt and "`" not in prompt:
        return frozenset()
    kinds = {syntax.kind_of(m.group("q")) for m in _QUOTED_LABEL.finditer(prompt)}
    return frozenset(kinds & {"thought", "action"})


#: step words listed one after another (``依次包含思考、动作、观察、回复``, ``thought, action, observation``)
_STEP_LIST = re.compile(
    r"(?i:\b|(?<=[^A-Za-z]))(思考|想法|推理|动作|行动|動作|行動|观察|觀察|thoughts?|actions?|observations?)"
    r"(?:[ \t]*(?:[、，,/]|和|及|与|與|and)[ \t]*(思考|想法|推理|动作|行动|動作|行動|观察|觀察|(?i:thoughts?|actions?|observations?)))+"
)


def _lists_steps(prompt: str) -> bool:
    """Whether the prompt lists the thought and the action as the parts of a reply, one after
    the other (``每轮输出依次包含思考、动作、观察、回复四个部分``)."""
    for m in _STEP_LIST.finditer(prompt):
        kinds = {_cue(w) for w in re.split(r"[ \t]*(?:[、，,/]|和|及|与|與|and)[ \t]*", m.group(0))}
        if {"thought", "action"} <= kinds:
            return True
    return False


#: a tag that opens a line or follows a closing one: ``<think>``, ``<action>``
_TAG = re.compile(r"<([A-Za-z][\w-]{1,20})>")


def structured_steps(text: str) -> bool:
    """Whether an assistant turn writes its steps as data rather than labels: a JSON object with
    keys for the thought and the action (``{"thought": …, "action": …, "reply": …}``, in a
    ``json`` fence or not), or tags for them (``<think>…</think><action>…</action>``).  The R
    rules do not read those layouts as labels; such a turn is not a turn without ReAct."""
    return {"thought", "action"} <= structured_kinds(text)


def structured_kinds(text: str) -> frozenset[str]:
    """The steps (and ``final``, ``input``) whose keys a turn's JSON object, or whose tags, it
    writes; empty for a turn that is neither (or an object or tags naming no step)."""
    if "{" not in text and "</" not in text:
        return _NO_KINDS
    return _structured_kinds(text)


_NO_KINDS: frozenset[str] = frozenset()


@lru_cache(maxsize=64)
def _structured_kinds(text: str) -> frozenset[str]:
    """:func:`structured_kinds` past its quick test, once per text (R002's gate and R002 ask in
    turn, R001 too)."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`").strip()
        if body[:4].lower() == "json":
            body = body[4:].strip()
    if body.startswith("{") and body.endswith("}"):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            kinds = frozenset(_cue(str(k).replace("_", " ")) for k in data) - {None}
            if kinds & {"thought", "action"}:
                return kinds  # type: ignore[return-value]
    if "</" in body:
        kinds = frozenset(_cue(name) for name in _TAG.findall(body) if f"</{name}>" in body) - {None}
        if kinds & {"thought", "action"} and len(kinds) >= 2:
            return kinds  # type: ignore[return-value]
    return _NO_KINDS


# -- colons inside a label line (R003) --------------------------------------

#: What follows a URL's scheme; the scheme is found by looking back from ``://`` (see _urls).
_URL_REST = re.compile(r"://[^\s，。；、“”\"'<>）)】\]]*")
_SCHEME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+.-")
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


_OPENER = re.compile("[" + re.escape("".join(_PAIRS)) + "]")


def _protected_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Ranges inside ``[start, end)`` whose colons are not structure: quotes, brackets, URLs.

    Only balanced pairs count, so a stray opening quote does not hide the rest
    of the line.
    """
    ranges = _urls(text, start, end)
    unclosed: set[str] = set()  # openers with no closer further on: not searched again
    i = start
    while True:
        m = _OPENER.search(text, i, end)
        if m is None:
            return ranges
        at = m.start()
        opener = text[at]
        close = -1 if opener in unclosed else text.find(_PAIRS[opener], at + 1, end)
        if close > 0:
            ranges.append((at, close + 1))
            i = close + 1
        else:
            unclosed.add(opener)
            i = at + 1


def _urls(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Ranges of URLs (``scheme://...``) inside ``[start, end)``.

    The regular expression ``[A-Za-z][A-Za-z0-9+.-]*://...`` would retry a long run of
    letters from each of its characters; here each ``://`` looks back over its scheme once,
    so the scan is linear.
    """
    out: list[tuple[int, int]] = []
    last = start
    for m in _URL_REST.finditer(text, start, end):
        colon = m.start()
        i = colon
        while i > last and text[i - 1] in _SCHEME_CHARS:
            i -= 1
        while i < colon and not (text[i].isascii() and text[i].isalpha()):
            i += 1  # a scheme starts with a letter
        if i < colon:
            out.append((i, m.end()))
            last = m.end()
    return out


def extra_colons(text: str, start: int, end: int) -> list[int]:
    """Offsets of colons in ``text[start:end]`` that structure the line.

    Not counted: clock times and ratios (a colon between digits: 9:00, 21：30,
    1:2), URLs (``https://…``, ``host:8080`` inside one), and colons inside
    quotes or brackets (``回复用户“注意：…”``, ``lookup({"id": 1})``): there
    the quotes already delimit the content, which is the clarity the seed asks for.
    """
    found: list[int] = []
    protected: list[tuple[int, int]] | None = None
    for m in _COLON_RE.finditer(text, start, end):
        i = m.start()
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


def bracketed(label: str) -> str:
    """A label as written: a bracketed one with its closing bracket (``【推理`` -> ``【推理】``)."""
    return label + CLOSING[label[0]] if label[:1] in CLOSING else label


def describe_kinds(kinds: Iterable[str], syntax: ReactSyntax = DEFAULT_SYNTAX) -> str:
    """``思考/Thought`` style names for messages."""
    labels = syntax.labels()
    return ", ".join("/".join(labels[k][:2]) for k in kinds)


def syntax_from(options: object) -> ReactSyntax:
    """The :class:`ReactSyntax` of rule options that carry the syntax fields.

    Rules with the same syntax options get the same object, so the parse that one rule asks for
    is found by the next through the syntax's last answer, without a memo lookup.
    """
    get = getattr
    return _syntax(
        tuple(get(options, "thought_labels", DEFAULT_LABELS["thought"])),
        tuple(get(options, "action_labels", DEFAULT_LABELS["action"])),
        tuple(get(options, "observation_labels", DEFAULT_LABELS["observation"])),
        get(options, "block_open", "<"),
        get(options, "block_close", ">"),
        get(options, "separator", "---"),
    )


@lru_cache(maxsize=64)
def _syntax(
    thought: tuple[str, ...],
    action: tuple[str, ...],
    observation: tuple[str, ...],
    block_open: str,
    block_close: str,
    separator: str,
) -> ReactSyntax:
    return ReactSyntax(thought, action, observation, block_open, block_close, separator)


def kinds_in_order(uses: Sequence[LabelUse]) -> list[LabelUse]:
    """The first use of each step, in the order they appear."""
    seen: set[str] = set()
    firsts: list[LabelUse] = []
    for u in uses:
        if u.kind not in seen:
            seen.add(u.kind)
            firsts.append(u)
    return firsts
