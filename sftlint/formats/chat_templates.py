"""Chat templates, read backwards: the turns of a text that a chat template already wrote.

Datasets prepared for TRL's ``text`` field, for Axolotl's completion type or for a tutorial's
trainer hold each conversation as the one string the model sees: ChatML (Qwen), Llama 2
(``<s>[INST] … [/INST] … </s>``, Mistral too), Llama 3 (``<|start_header_id|>…``), Gemma
(``<start_of_turn>…``), Phi-3 / Zephyr / GLM (``<|user|>``), Vicuna (``USER: … ASSISTANT:``),
the Alpaca prompt (``### Instruction: … ### Response:``) and Anthropic's ``Human:`` /
``Assistant:``.  :class:`ChatTemplate` describes each by two regular expressions: how a text
written with it opens, and its *markers*, each a turn's header or a token that ends a turn.
A turn's text runs from its header to the next marker.

Why here and not in each format: the same strings are a whole record (``{"text": …}``) and
each side of a preference record (HH-RLHF's ``chosen`` and ``rejected``), and the rule that
checks each turn is closed (S011) reads the same markers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: the role names templates write, mapped to canonical roles (others are kept as written,
#: and S002 reports them)
TEMPLATE_ROLES: Mapping[str, str] = {
    "system": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "ipython": "tool",
    "observation": "tool",
    "model": "assistant",
    "Human": "user",
    "Assistant": "assistant",
    "USER": "user",
    "ASSISTANT": "assistant",
}


@dataclass(frozen=True)
class ChatTemplate:
    """One template's layout.

    ``marker``'s matches are headers or ends: a match whose group ``end`` took part ends the
    turn before it; one whose group ``skip`` took part (a sequence's ``<s>``) only stops the
    turn's text; any other is the header of a turn whose role is the group ``role`` or, when
    that group is absent, the name of the group ``system``/``user``/``assistant`` that took
    part.
    """

    name: str
    opening: re.Pattern[str]
    marker: re.Pattern[str]
    #: what must come somewhere after the opening (Vicuna's ``ASSISTANT:``, the Alpaca prompt's
    #: ``### Response:``), searched once from the opening's end: as a lookahead inside
    #: ``opening`` it was scanned again for every candidate opening, quadratic on a long text
    #: that repeats ``USER:`` and never answers
    follows: re.Pattern[str] | None = None
    #: the token every turn must end with (S011); None where the template may leave it out
    end_token: str | None = None
    #: the end-of-sequence token(s) a reply may end with where the template may leave it out
    #: (S012 reports a reply without it where the file's other replies have it), as messages
    #: name them; "" where the template has none
    eos: str = ""
    #: whether the spaces and newlines around a turn's text are the template's, not the turn's
    strip: bool = True
    #: the role of text before the first header (Alpaca's and Vicuna's preamble), or None
    preamble: str | None = None
    roles: Mapping[str, str] = field(default_factory=lambda: TEMPLATE_ROLES)


@dataclass(frozen=True, slots=True)
class TemplateTurn:
    """A turn read out of a templated text: its raw and canonical role, where its text lies
    in the string, and whether an end token (not the next header) ended it."""

    raw_role: str
    role: str
    start: int
    end: int
    closed: bool


#: what a ChatML header holds: its role line, then a newline (a BOS token the tokenizer writes
#: may come first: Phi-3's and Mistral's ``<s>``, GPT-2-style ``<|endoftext|>``)
_CHATML = ChatTemplate(
    "chatml",
    re.compile(r"\s*(?:<s>|<\|endoftext\|>|<bos>)?\s*<\|im_start\|>"),
    re.compile(r"<\|im_start\|>(?P<role>[^\n<]*)\n|(?P<end><\|im_end\|>)"),
    end_token="<|im_end|>",
    strip=False,
)
_LLAMA3 = ChatTemplate(
    "llama-3",
    re.compile(r"\s*(?:<\|begin_of_text\|>)?\s*<\|start_header_id\|>"),
    re.compile(r"<\|start_header_id\|>(?P<role>[^<\n]*)<\|end_header_id\|>\n{0,2}|(?P<end><\|eot_id\|>)"),
    end_token="<|eot_id|>",
    strip=False,
)
_GEMMA = ChatTemplate(
    "gemma",
    re.compile(r"\s*(?:<bos>)?\s*<start_of_turn>"),
    re.compile(r"<start_of_turn>(?P<role>[^\n<]*)\n|(?P<end><end_of_turn>)"),
    end_token="<end_of_turn>",
    strip=False,
)
#: Phi-3 ends a turn with ``<|end|>``, Zephyr with ``</s>``, GLM with nothing (the next header)
_PIPE_ROLES = ChatTemplate(
    "phi-3",
    re.compile(r"\s*(?:<s>|\[gMASK\]\s*<sop>)?\s*<\|(?:system|user)\|>"),
    re.compile(r"<\|(?P<role>system|user|assistant|observation)\|>|(?P<end><\|end\|>|</s>|<\|endoftext\|>)"),
    eos="`<|end|>`, `</s>` or `<|endoftext|>`",
)
#: Llama 2 and Mistral: ``<s>[INST] <<SYS>>\n…\n<</SYS>>\n\nquestion [/INST] answer </s>``
_LLAMA2 = ChatTemplate(
    "llama-2",
    re.compile(r"\s*(?:<s>)?\s*\[INST\]"),
    re.compile(
        r"(?P<system>\[INST\]\s*<<SYS>>)|(?P<user><</SYS>>|\[INST\])|(?P<assistant>\[/INST\])"
        r"|(?P<end></s>)|(?P<skip><s>)"
    ),
    eos="`</s>`",
)
#: FastChat's Vicuna: a preamble, then ``USER: … ASSISTANT: …</s>``
_VICUNA = ChatTemplate(
    "vicuna",
    re.compile(r"(?s).{0,2000}?(?:\A|(?<=\s))USER:"),
    re.compile(r"(?:\A|(?<=[\s>]))(?P<role>USER|ASSISTANT):|(?P<end></s>)"),
    follows=re.compile(r"\sASSISTANT:"),
    preamble="system",
    eos="`</s>`",
)
#: the Alpaca prompt: a preamble, ``### Instruction:`` (with its ``### Input:``), ``### Response:``
_ALPACA = ChatTemplate(
    "alpaca",
    re.compile(r"(?sm).{0,2000}?^#{2,4}[ \t]*Instruction:"),
    re.compile(r"(?m)^#{2,4}[ \t]*(?:(?P<user>Instruction)|(?P<assistant>Response)):|(?P<end></s>)"),
    follows=re.compile(r"(?m)^#{2,4}[ \t]*Response:"),
    preamble="system",
    eos="`</s>`",
)
#: Anthropic's HH-RLHF (``\n\nHuman: …\n\nAssistant: …``) and Guanaco's ``### Human: …### Assistant: …``
_HUMAN_ASSISTANT = ChatTemplate(
    "human-assistant",
    re.compile(r"\s*(?:###\s*)?Human:"),
    re.compile(r"(?:\A\s*(?:###\s*)?|\n\n(?:###\s*)?|###\s*)(?P<role>Human|Assistant):[ \t]?"),
    follows=re.compile("Assistant:"),
    strip=False,
)

#: every template, in the order they are tried (the unambiguous control tokens first)
TEMPLATES: tuple[ChatTemplate, ...] = (
    _CHATML,
    _LLAMA3,
    _GEMMA,
    _PIPE_ROLES,
    _LLAMA2,
    _HUMAN_ASSISTANT,
    _VICUNA,
    _ALPACA,
)


#: The last string asked about and its answers: a record's ``text`` is asked about by the
#: format's quick check, its mapping, and S011, S012 and S013, always as the same object, so
#: each is read once (the entry holds the string, so its identity cannot be reused meanwhile).
_last_template: list[Any] = [None, None]
_last_turns: list[Any] = [None, None, ()]


def template_of(text: object) -> ChatTemplate | None:
    """The template ``text`` was written with, or None (a string that is not a templated chat)."""
    if not isinstance(text, str):
        return None
    if text is _last_template[0]:
        return _last_template[1]
    found = next((t for t in TEMPLATES if _opens(text, t)), None)
    _last_template[0], _last_template[1] = text, found
    return found


def _opens(text: str, template: ChatTemplate) -> bool:
    """Whether ``text`` opens as ``template`` writes a chat (and has what must follow)."""
    opened = template.opening.match(text)
    if opened is None:
        return False
    # every later candidate opening sees a suffix of what this one sees: one search decides
    return template.follows is None or template.follows.search(text, opened.end()) is not None


def template_turns(text: str, template: ChatTemplate) -> tuple[TemplateTurn, ...]:
    """The turns of ``text``, in order (a header followed at once by another marker makes an
    empty turn: S003's finding)."""
    if text is _last_turns[0] and template is _last_turns[1]:
        return _last_turns[2]
    turns = tuple(_read_turns(text, template))
    _last_turns[0], _last_turns[1], _last_turns[2] = text, template, turns
    return turns


def _read_turns(text: str, template: ChatTemplate) -> Iterator[TemplateTurn]:
    current: tuple[str, int] | None = None
    first = True
    for m in template.marker.finditer(text):
        if first and template.preamble and text[: m.start()].strip():
            yield _turn(text, template, template.preamble, 0, m.start(), False)
        first = False
        groups = m.groupdict()
        ends = groups.get("end") is not None
        if current is not None:
            yield _turn(text, template, current[0], current[1], m.start(), ends)
            current = None
        if ends or groups.get("skip") is not None:
            continue
        raw = groups.get("role") or next(
            (r for r in ("system", "user", "assistant") if groups.get(r) is not None), ""
        )
        current = (raw.strip(), m.end())
    if current is not None:
        yield _turn(text, template, current[0], current[1], len(text), False)


def _turn(text: str, template: ChatTemplate, raw: str, start: int, end: int, closed: bool) -> TemplateTurn:
    if template.strip:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
    role = template.roles.get(raw, template.roles.get(raw.lower(), raw))
    return TemplateTurn(raw, role, start, end, closed)


def unclosed_turns(text: str, template: ChatTemplate) -> Iterator[tuple[TemplateTurn, bool]]:
    """The turns of a template with a required end token that are not closed with it, each with
    whether the next turn comes first (else the text ends).  A last turn with nothing in it is
    a generation prompt left open on purpose (or an empty reply: S003's), not one of them."""
    if template.end_token is None:
        return
    turns = template_turns(text, template)
    for k, turn in enumerate(turns):
        if turn.closed:
            continue
        last = k == len(turns) - 1
        if last and not text[turn.start : turn.end].strip():
            continue
        yield turn, not last
