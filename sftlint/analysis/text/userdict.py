"""Users' own words, in jieba's user-dictionary format, for the typo detector.

Chinese NLP users already keep their domain vocabulary (product names, medical and legal
terms, jargon) in jieba's format: one word per line, optionally followed by a count and a
part-of-speech tag, separated by spaces (``肾阳虚 5 n``).  T001 reads the same file: a
finding whose character lies inside one of these words is not reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path


def parse_user_dict(lines: Iterable[str]) -> frozenset[str]:
    """The words of a jieba user dictionary (count and tag ignored; ``#`` starts a comment line)."""
    words = set()
    for line in lines:
        line = line.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        word = line.split()[0]
        if len(word) >= 2:
            words.add(word)
    return frozenset(words)


@lru_cache(maxsize=8)
def load_user_dict(path: str) -> frozenset[str]:
    """The words of the user dictionary at ``path`` (read once per process)."""
    with Path(path).open(encoding="utf-8") as fh:
        return parse_user_dict(fh)


def covered(text: str, start: int, end: int, words: frozenset[str], longest: int) -> bool:
    """Whether some word of ``words`` (at most ``longest`` characters) holds ``text[start:end]``."""
    n = len(text)
    for length in range(max(2, end - start), longest + 1):
        for s in range(max(0, end - length), min(start, n - length) + 1):
            if text[s : s + length] in words:
                return True
    return False
