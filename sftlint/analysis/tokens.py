"""Token counts for D005 context-overflow: a real tokenizer when the user names one.

Three counters, chosen by a *spec* string (the rule's ``tokenizer`` option):

``None`` (default)
    A documented approximation: **one token per non-ASCII character** (a CJK
    character, an emoji) **plus one per four ASCII characters**, rounded up.
    Byte-level BPE vocabularies trained on Chinese land near one token per
    character, English text near four characters per token; the approximation
    is for "is this record anywhere near the window", and the message says it
    was used.  Name a tokenizer for exact counts.
``"path/to/tokenizer.json"``
    A Hugging Face ``tokenizers`` file (``pip install 'sftlint[tokenizers]'``),
    the file that ships with every open model.  Special tokens are not added:
    the chat template's are counted by the rule's ``per-message-tokens``.
``"tiktoken:<encoding>"``
    A tiktoken encoding such as ``tiktoken:cl100k_base`` or ``tiktoken:o200k_base``.
    tiktoken downloads an encoding's BPE file on first use; offline, point
    ``TIKTOKEN_CACHE_DIR`` at a directory that holds it.

Counters are loaded once per process and cached (worker processes of
``--jobs`` and Ray workers each load their own), and the heavy imports happen
only when a tokenizer is named.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

APPROXIMATION = "approximation: 1 token per non-ASCII character + 1 per 4 ASCII characters"


class TokenizerError(Exception):
    """The named tokenizer cannot be loaded (missing file, missing extra, offline)."""


class TokenCounter(Protocol):
    #: how the counts were made, for messages ("tokenizer.json at …", "tiktoken cl100k_base", the approximation)
    description: str

    def count(self, texts: Sequence[str]) -> list[int]:
        """Token count of each text."""
        ...


def approx_tokens(text: str) -> int:
    """The approximation: non-ASCII characters + ceil(ASCII characters / 4)."""
    n = len(text)
    if text.isascii():
        return (n + 3) // 4
    ascii_n = len(text.encode("ascii", "ignore"))
    return (n - ascii_n) + (ascii_n + 3) // 4


class ApproxCounter:
    description = APPROXIMATION

    def count(self, texts: Sequence[str]) -> list[int]:
        return [approx_tokens(t) for t in texts]


class HFTokenizerCounter:
    """A ``tokenizer.json`` loaded with the ``tokenizers`` library."""

    def __init__(self, path: str) -> None:
        # a wrong path is the first thing to tell, whether or not the library is installed
        if not os.path.isfile(path):
            raise TokenizerError(f"tokenizer file {path!r} does not exist")
        try:
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise TokenizerError(
                f"tokenizer {path!r} needs the `tokenizers` library: pip install 'sftlint[tokenizers]'"
            ) from exc
        try:
            self._tok = Tokenizer.from_file(path)
        except Exception as exc:
            raise TokenizerError(f"cannot load tokenizer {path!r}: {exc}") from exc
        self.description = f"tokenizer {os.path.basename(path)}"

    def count(self, texts: Sequence[str]) -> list[int]:
        encode = self._tok.encode
        return [len(encode(t, add_special_tokens=False).ids) if t else 0 for t in texts]


class TiktokenCounter:
    """A tiktoken encoding (``tiktoken:cl100k_base``)."""

    def __init__(self, encoding: str) -> None:
        try:
            import tiktoken
        except ImportError as exc:
            raise TokenizerError(
                f"tokenizer 'tiktoken:{encoding}' needs tiktoken: pip install 'sftlint[tokenizers]'"
            ) from exc
        try:
            self._enc = tiktoken.get_encoding(encoding)
        except Exception as exc:
            raise TokenizerError(
                f"cannot load tiktoken encoding {encoding!r} ({type(exc).__name__}: {exc}); tiktoken "
                "downloads it on first use, so offline set TIKTOKEN_CACHE_DIR to a directory that holds it"
            ) from exc
        self.description = f"tiktoken {encoding}"

    def count(self, texts: Sequence[str]) -> list[int]:
        encode = self._enc.encode_ordinary
        return [len(encode(t)) if t else 0 for t in texts]


_CACHE: dict[str | None, TokenCounter] = {}


def get_counter(spec: str | None) -> TokenCounter:
    """The counter for ``spec`` (see the module docstring), loaded once per process.

    Raises :class:`TokenizerError` with a message for the user when it cannot be loaded.
    """
    counter = _CACHE.get(spec)
    if counter is None:
        if spec is None or spec == "" or spec == "approx":
            counter = ApproxCounter()
        elif spec.startswith("tiktoken:"):
            counter = TiktokenCounter(spec.split(":", 1)[1])
        else:
            counter = HFTokenizerCounter(os.path.expanduser(spec))
        _CACHE[spec] = counter
    return counter


__all__ = ["APPROXIMATION", "TokenCounter", "TokenizerError", "approx_tokens", "get_counter"]
