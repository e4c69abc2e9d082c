"""Chat templates' control tokens written into a message's text.

A chat template turns messages into one token sequence by wrapping each turn in control
tokens: ``<|im_start|>user … <|im_end|>`` (ChatML: Qwen, Yi, OpenHermes), ``<|start_header_id|>``
and ``<|eot_id|>`` (Llama 3), ``[INST] … [/INST]`` and ``</s>`` (Llama 2, Mistral),
``<start_of_turn>``/``<end_of_turn>`` (Gemma), ``<|user|>``/``<|end|>`` (Phi-3, GLM),
``<｜User｜>`` (DeepSeek), ``<|endoftext|>`` (GPT-2 to GPT-4, Qwen).  A Hugging Face tokenizer
reads such a string in a message's text as the control token itself, not as characters: a
reply holding ``<|im_end|>`` ends there for the model, and the text after it is trained as a
turn of nobody's, or as the start of a new one.  It gets there when a conversation was
exported already templated and then wrapped again, when a scraper kept a model's raw output,
or when a turn was glued to the next.

What is not a control token here: code (a fenced block or an inline span explains a
template), and HTML's strike-through ``<s>…</s>`` (an opening ``<s>`` and a closing ``</s>``
on one line, in that order).
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: The control tokens of the common chat templates, written as they appear in text.  The
#: full-width bars and ``▁`` are DeepSeek's own spelling.
TOKENS = (
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<|endofprompt|>",
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|python_tag|>",
    "<|system|>",
    "<|user|>",
    "<|assistant|>",
    "<|observation|>",
    "<|end|>",
    "<start_of_turn>",
    "<end_of_turn>",
    "[INST]",
    "[/INST]",
    "<<SYS>>",
    "<</SYS>>",
    "<s>",
    "</s>",
    "<｜begin▁of▁sentence｜>",
    "<｜end▁of▁sentence｜>",
    "<｜User｜>",
    "<｜Assistant｜>",
)

_TOKEN = re.compile("|".join(re.escape(t) for t in sorted(TOKENS, key=len, reverse=True)))


def _by_first_character(tokens: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The tokens as one pattern per first character, each opened by that character.

    What :data:`_TOKEN` finds anywhere, one of these finds too, but faster: a pattern that opens
    with a literal is searched by a scan for that character, while an alternation whose
    branches open with different characters (``<`` and ``[``) has the regex engine try it at
    every position (about 50 instructions a character of CJK text: 68K for a reply of 1,160
    characters, where the scans for ``<`` and ``[`` and a search at each ``<`` take 2K)."""
    groups: dict[str, list[str]] = {}
    for token in sorted(tokens, key=len, reverse=True):
        groups.setdefault(token[0], []).append(re.escape(token[1:]))
    return tuple(
        (first, re.compile(re.escape(first) + "(?:" + "|".join(rest) + ")")) for first, rest in groups.items()
    )


_TOKEN_BY_FIRST = _by_first_character(TOKENS)
_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]+`", re.S)


class TokenPlace(NamedTuple):
    start: int
    end: int
    token: str


def _might_hold(text: str) -> bool:
    """Whether ``text`` holds a token (most texts are plain prose): each first character is
    looked for first, and only a text that holds it is searched for its tokens."""
    for first, pattern in _TOKEN_BY_FIRST:  # noqa: SIM110 - any() of a generator costs more here
        if first in text and pattern.search(text) is not None:
            return True
    return False


def find_template_tokens(text: str, extra: re.Pattern[str] | None = None) -> list[TokenPlace]:
    """Every control token in ``text`` outside code and HTML strike-through, in order.

    ``extra``: a pattern of further tokens (a user's own tokenizer's), matched the same way."""
    if not _might_hold(text) and (extra is None or extra.search(text) is None):
        return []
    code = [m.span() for m in _CODE.finditer(text)] if "`" in text or "~~~" in text else []
    hits = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    if extra is not None:
        hits += [(m.start(), m.end(), m.group()) for m in extra.finditer(text) if m.end() > m.start()]
        hits.sort()
    strike = _strike_through(text, hits)
    places = []
    for start, end, token in hits:
        if start in strike or any(a <= start < b for a, b in code):
            continue
        places.append(TokenPlace(start, end, token))
    return places


def _strike_through(text: str, hits: list[tuple[int, int, str]]) -> set[int]:
    """Starts of the ``<s>`` and ``</s>`` that pair up as HTML strike-through: an opening tag
    and the next closing one on the same line."""
    paired: set[int] = set()
    opened: int | None = None
    for start, _end, token in hits:
        if token == "<s>":
            opened = start
        elif token == "</s>" and opened is not None:
            if "\n" not in text[opened:start] and start > opened + 3:
                paired.update((opened, start))
            opened = None
    return paired
