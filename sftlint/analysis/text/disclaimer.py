"""Where a reply speaks of itself as "an AI language model" (T014).

Hosted chat models hedge in a fixed phrase: "As an AI language model, I cannot…", "I'm just an
AI, so…", "作为一个AI语言模型，我无法…", "由于我是一个人工智能语言模型…".  Data distilled from them
keeps the phrase by the hundred (the recall audit counted 465 replies in 29 of 86 public files),
and a model fine-tuned on it learns to disclaim itself in the same words, often in answers whose
question called for no disclaimer at all.  Cleaned releases of ShareGPT (the "unfiltered"
Vicuna and WizardLM sets) drop such replies for that reason.

Only the model speaking of itself counts, in English and Chinese (Simplified and Traditional):

- ``As an AI language model, I…`` / ``As an AI, I…`` / ``as a large language model, my…``;
- ``I am (just) an AI (language model)…`` / ``I'm an AI assistant and cannot…``;
- ``作为（一个）AI（语言）模型，我…`` / ``作为一个人工智能，我…`` / ``我（只）是一个人工智能语言模型…``.

A persona with a trade (``作为AI医疗助手``, "as an AI writing assistant") is a product's chosen
self-description, not the hosted model's phrase, and does not match.  A denial (``I am not an
AI``) does not match; a hypothesis (``如果我是一个AI语言模型``), a quotation on its line and a code block are
not the model describing itself.  Whether a match is wrong for its record (the system prompt
makes the assistant an AI, the user asked what it is) is the rule's call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sftlint.analysis.text.identity import QuoteScan, fenced_spans, is_hypothetical


@dataclass(frozen=True, slots=True)
class Disclaimer:
    """One self-description as an AI: the text's span and the noun it uses."""

    start: int
    end: int
    noun: str  # "model" (a language model), "assistant" (an AI assistant) or "ai" (an AI)


_EN_AI = r"(?:AI|A\.I\.|artificial[ -]intelligence)"
_EN_NOUN = r"(?:(?:large[ -])?language model|model|LLM|assistant|chat ?bot|program|system)"
_ZH_AI = r"(?:AI|人工智能|人工智慧|机器学习|機器學習)"
#: what "I am an AI …" may go on with and still be the hedge: a model or a program.  "I am an AI
#: assistant" introduces a product (an identity file's "我是人工智能助手 {{name}}"), not the hedge.
_EN_SELF = r"(?:(?:large[ -])?language model|model|LLM|program)"
_ZH_SELF = r"(?:(?:大型)?(?:语言|語言)?模型|程序|程式)"
_ZH_NOUN = r"(?:(?:大型)?(?:语言|語言)?模型|助手|助理|程序|程式|系统|系統)"
_ZH_ONE = r"(?:一个|一個|一名|一款|一种|一種|一位|个|個)?"

#: "作为一个AI，…" speaks of the writer when its clause goes on with 我 ("作为一个AI，我无法…",
#: "作为人工智能助手，如果您需要…我会推荐"), as the English "As an AI, I…" does.
_ZH_I = r"[^。！？!?\n]{0,30}?我(?![们們])"

#: The phrases, each a self-description the model makes: "as …, I", "I am …".  English ones
#: need the clause to go on in the first person ("As an AI language model, I cannot"), so that
#: "As an AI model ages, its weights…" is not one.
_PATTERNS = (
    rf"\bas\s+an?\s+{_EN_AI}(?:[\s-]+{_EN_NOUN})?\s*,?\s+(?:I|I'm|I['’]ve|my|me|it\s+is\s+not|it['’]s\s+not)\b",
    r"\bas\s+an?\s+(?:large[ -])?(?:language\s+model)\s*,?\s+(?:I|I'm|my|me|it\s+is\s+not|it['’]s\s+not)\b",
    rf"\bI(?:\s+am|['’]m)\s+(?:just\s+|only\s+|merely\s+|simply\s+)?an?\s+{_EN_AI}(?:[\s-]+{_EN_SELF})?+\b"
    r"(?![\s-]+(?:assistant|chat ?bot|system|that|who|which|designed|built|created|developed|trained|made|named|called)\b)",
    r"\bI(?:\s+am|['’]m)\s+(?:just\s+|only\s+|merely\s+|simply\s+)?an?\s+(?:large\s+)?language\s+model\b",
    rf"作[为為]{_ZH_ONE}\s*{_ZH_AI}\s*{_ZH_NOUN}?\s*[，,](?={_ZH_I})",
    rf"作[为為]{_ZH_ONE}(?:大型)?(?:(?:语言|語言)模型)\s*[，,](?={_ZH_I})",
    rf"我(?:只|只不过|只不過|仅仅|僅僅)?(?:是|只是){_ZH_ONE}\s*{_ZH_AI}(?:\s*{_ZH_SELF})?+"
    r"(?=\s*(?:[，,。；;、！!]|而|所以|因此|并|並|无法|無法|不能|没有|沒有|$))",
    rf"我(?:只|仅仅|僅僅)?(?:是|只是){_ZH_ONE}(?:大型)?(?:语言|語言)模型",
)
_RE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.I)
_MODEL = re.compile(r"model|LLM|模型", re.I)
_ASSISTANT = re.compile(r"assistant|chat ?bot|program|system|助手|助理|程序|程式|系统|系統", re.I)

#: The words a reply's sentence needs before the phrase can be there at all: a cheap test
#: (most replies hold none of them).
_NEEDLES = re.compile(r"AI|A\.I\.|artificial|language model|人工智|语言模型|語言模型|机器学习|機器學習", re.I)


def find_disclaimers(text: str) -> Iterator[Disclaimer]:
    """Every place where ``text`` describes its writer as an AI or a language model, in order."""
    if not _NEEDLES.search(text):
        return
    first = _RE.search(text)
    if first is None:
        return
    fenced = fenced_spans(text) if "```" in text or "~~~" in text else ()
    quoted = QuoteScan(text)
    end = -1
    for m in _RE.finditer(text, first.start()):
        start = m.start()
        if start < end or any(a <= start < b for a, b in fenced):
            continue
        if quoted(start) or is_hypothetical(text, start) or _reported(text, start):
            continue
        end = m.end()
        yield Disclaimer(start, m.end(), _noun(m.group()))


#: Reported speech before the phrase in its sentence: "我回答说，作为一个AI语言模型，我…", "I told
#: him: as an AI language model, I…" quote an earlier answer, they do not give one.
_REPORTED = re.compile(
    r"(?:说|說|回答|答道|写道|寫道|\bsaid|\btold\s+\w+|\breplied|\banswered|\bwrote)[^。！？!?.\n]{0,8}$",
    re.I,
)


def _reported(text: str, start: int) -> bool:
    return _REPORTED.search(text, max(0, start - 20), start) is not None


def _noun(phrase: str) -> str:
    if _MODEL.search(phrase):
        return "model"
    if _ASSISTANT.search(phrase):
        return "assistant"
    return "ai"
