"""A user's turn written into an assistant's reply as plain text (rule S009).

Raw transcripts split in the wrong place leave the next speaker's turn inside a reply:
``…you can use Git LFS.\\n\\nUser: can you explain why…``, ``…祝您早日康复。\\n用户：那要吃什么药？``.
The model learns to write the user's next message itself.  This module finds such a turn in
one reply and says whether the conversation asks for dialogue in text, so the rule can judge
the file's convention too.

A *speaker line* starts a line (or follows a sentence's end with no space, as in
``Storage.</p>User:``) with a chat label of the user's side: ``User:``, ``Human:``,
``### Human:``, ``<human>:``, ``**User:**``, ``[User]:``, ``用户：``, ``人类：``.  Left alone:

- a reply that is a dialogue on purpose: it begins as a script or a written conversation
  (``用户：嗨 AI…\\n\\nAI: 你好！``, ``猫：喵。``; ReAct's ``Thought:``/``Action:`` lines read as one
  too), or the conversation asks for one (dialogue, conversation, role-play, format, 对话, 剧本,
  扮演, 格式 … in the system prompt or a user turn: the rule's to judge), or a short line of
  the reply just before the label introduces it (an example, 例如), or ends with a colon
  (``Here is how it would go:``);
- code (fenced blocks, ``inline code``) and quoted lines (``> User: …``);
- ReAct ``Observation:`` lines and other labels that are not a speaker's (R011 owns invented
  observations);
- a speaker line with nothing after its label, or a reply with no answer before it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sftlint.analysis.text.memo import PerText

_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`", re.S)
_USER_NAMES = r"User|USER|user|Human|HUMAN|human|用户|人类"
_USER_NAME = re.compile(_USER_NAMES)
_ASSISTANT_NAMES = r"Assistant|ASSISTANT|assistant|AI|Bot|BOT|GPT|ChatGPT|助手|AI助手|机器人"
# a chat label: optional Markdown heading, bold, brackets or angles around the name, a colon
# a user's name and its colon (what is searched for: a pattern that starts with the name lets
# the regex engine skip every position whose character cannot start one), then what may stand
# before the name on its line: a Markdown heading, bold, an angle or a square bracket
_NAME_COLON = re.compile(r"(?:" + _USER_NAMES + r")(?:>|\]|\*\*|__)?[ \t]*[:：](?:\*\*|__)?")
_LINE_PREFIX = re.compile(r"[ \t]*(?:#{1,4}[ \t]*)?(?:\*\*|__)?[<\[]?")
# a speaker line glued to the end of a sentence or a closing tag with no space (``Storage.</p>User:``)
_GLUED_AFTER = frozenset(".!?。！？>")


def _user_lines(text: str) -> Iterator[tuple[int, int, int]]:
    """``(start, label_end, line_end)`` of each user's speaker line: where its label starts and
    ends, and where its line ends."""
    # the line break before a label and the one after it are found once per stretch of text,
    # not searched for again from each label: a long line of labels (`Human: Human: …`, a
    # transcript's marker repeated) would cost its length once per label
    line_start, searched, eol = 0, 0, -1
    for m in _NAME_COLON.finditer(text):
        s = m.start()
        line_start = text.rfind("\n", searched, s) + 1 or line_start
        searched = s
        if line_start == 0 or not _LINE_PREFIX.fullmatch(text, line_start, s):
            # not at a line's start (the text's first line is its opening, not a turn after a reply)
            if s == 0 or text[s - 1] not in _GLUED_AFTER or line_start == s:
                continue
            start = s
        else:
            start = line_start + len(text[line_start:s]) - len(text[line_start:s].lstrip(" \t"))
        if eol < m.end():
            eol = text.find("\n", m.end())
            if eol == -1:
                eol = len(text)
        yield start, m.end(), eol


# a reply that begins with a speaker label of the chat's own (``User:``, ``AI:``, ``Q:``, ``问：``) is
# a written conversation
_STARTS_WITH_CHAT_LABEL = re.compile(
    r"\s*(?:#{1,4}[ \t]*)?(?:\*\*|__)?(?:<|\[)?(?:"
    + _USER_NAMES
    + "|"
    + _ASSISTANT_NAMES
    + r"|Q|A|问|答)(?:>|\])?(?:\*\*|__)?[ \t]*[:：]"
)
# any short name and a colon that starts a line and is followed by speech (``猫：喵。``,
# ``Person 1: Hi``, ``福尔摩斯：“沃森…”``)
_SPEAKER = (
    r"(?:\*\*|__)?([^\s:：,，。.!?！？\"'{}()\[\]<>“”]{1,12}(?: \d{1,2})?)(?:\*\*|__)?[ \t]*[:：][ \t]*\S"
)
# a speaker line after a line break: searched for, the regex engine scans for the break (a
# literal) and tries the rest only there (``^`` with re.MULTILINE had it try every position)
_SPEAKER_AFTER_BREAK = re.compile(r"\n[ \t]*" + _SPEAKER)
_FIRST_SPEAKER = re.compile(r"\s*" + _SPEAKER)


# the conversation asks for dialogue written in text (a system prompt, a user turn) ...
# (扮演 and 模拟 in their other senses stay out: 扮演了关键角色 "plays a key role", 模拟退火)
_DIALOGUE_WORDS = (
    r"(?<![A-Za-z])(?:dialog(?:ue)?s?|conversations?|chats?|chat ?logs?|transcripts?|screenplays?|skits?|"
    r"role-?play(?:ing)?|interviews?|scenes?|formats?|templates?|prompts?|simulat(?:e|ed|ion)|"
    r"pretend|act as)(?![A-Za-z])|"
    r"对话|会话|聊天|剧本|台词|角色扮演|扮演(?!了|着|什么|重要|关键|的)|格式|模板|采访|访谈|提示词|模拟(?!退火)"
)
_ASKS = re.compile(_DIALOGUE_WORDS, re.I)
# ... or the reply's line before the speaker line introduces one (a short line: "Here is an
# example.", "例如："; an "example" inside a long paragraph of the answer says nothing)
_INTRODUCES = re.compile(
    _DIALOGUE_WORDS
    + r"|(?<![A-Za-z])(?:examples?|samples?|e\.g\.|for instance)(?![A-Za-z])|示例|例子|例如|样例|范例",
    re.I,
)
_INTRO_LINE = 100
_INTRO_END = frozenset(":：")


@dataclass(frozen=True, slots=True)
class EmbeddedTurn:
    """``text[start:end]`` is the label and the line of a user's turn written into a reply;
    ``cut`` is where the reply's own text ends (the whitespace before the label)."""

    start: int
    end: int
    label: str
    line: str
    cut: int


def _code_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _CODE.finditer(text)] if "`" in text or "~~~" in text else []


def asks_for_dialogue(text: str) -> bool:
    """Whether ``text`` (a system prompt, a user turn) asks for dialogue or examples in text."""
    return _ASKS.search(text) is not None


def may_hold_turns(text: str) -> bool:
    """A cheap first test: whether ``text`` names the user's side at all, with a colon."""
    return (
        "ser" in text or "SER" in text or "uman" in text or "UMAN" in text or "用户" in text or "人类" in text
    ) and (":" in text or "：" in text)


def is_dialogue(text: str) -> bool:
    """Whether ``text`` is or holds a written conversation: it begins as a script, or a line of
    it is a user's speaker line (a transcript in a prompt, a dialogue in a reply)."""
    return starts_with_speaker(text) or (may_hold_turns(text) and next(_user_lines(text), None) is not None)


def starts_with_speaker(text: str) -> bool:
    """Whether ``text`` begins as a script or a written dialogue: with a chat label, or with a
    speaker's line whose speaker speaks again, or answered by another speaker than the user
    (``人：…\\n用户：…\\n人：…``, ``医生：…\\n主人：…``).  A first line such as ``您的新密码是：…``
    followed only by a ``User:`` line is an answer with a turn glued to it, not a script."""
    if _STARTS_WITH_CHAT_LABEL.match(text):
        return True
    opening = _FIRST_SPEAKER.match(text)
    if opening is None:
        return False
    first = opening.group(1)
    names = [m.group(1) for _, m in zip(range(20), _speaker_lines(text, opening.end()), strict=False)]
    names.append(first)
    return names.count(first) >= 2 or any(n != first and not _USER_NAME.fullmatch(n) for n in names)


def _speaker_lines(text: str, pos: int) -> Iterator[re.Match[str]]:
    """The speaker lines (a name and a colon that start a line, the name in group 1) that start
    at or after ``pos`` (> 0: past the text's first character).  No speaker line holds a line
    break, so each starts just after one, and is found by a search for the break."""
    return _SPEAKER_AFTER_BREAK.finditer(text, pos - 1 if text[pos - 1] == "\n" else pos)


def find_embedded_turn(text: str) -> EmbeddedTurn | None:
    """The first user's turn written into the reply ``text`` as a speaker line, where nothing in
    the reply itself says the dialogue is on purpose (the conversation's context is the rule's
    to judge: :func:`asks_for_dialogue`)."""
    return read_reply(text)[0]


def read_reply(text: str) -> tuple[EmbeddedTurn | None, bool]:
    """What S009 needs of one reply, read once per distinct text (templated replies repeat):
    the turn glued into it (:func:`find_embedded_turn`), and whether it is a written dialogue
    (:func:`is_dialogue`)."""
    if not may_hold_turns(text):
        return None, starts_with_speaker(text)
    return _MEMO[text]


def _read(text: str) -> tuple[EmbeddedTurn | None, bool]:
    lines = _user_lines(text)
    first = next(lines, None)
    if first is None:
        return None, starts_with_speaker(text)
    if starts_with_speaker(text):
        return None, True
    code: list[tuple[int, int]] | None = None
    for start, label_end, end in itertools.chain((first,), lines):
        rest = text[label_end:end].strip()
        if len(rest) < 2:
            continue  # a label with nothing after it
        if code is None:
            code = _code_spans(text)
        if any(a <= start < b for a, b in code):
            continue
        before = text[:start].rstrip()
        if len(before) < 10 or before[-1] in _INTRO_END:
            break  # no answer before it, or the reply introduces what follows
        intro = before[before.rfind("\n") + 1 :]
        if len(intro) <= _INTRO_LINE and _INTRODUCES.search(intro):
            break
        return EmbeddedTurn(start, end, text[start:label_end], rest, len(before)), False
    return None, True  # it holds speaker lines on purpose


_MEMO = PerText(_read)
