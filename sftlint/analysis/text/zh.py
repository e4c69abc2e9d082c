"""Small, dependency-free helpers for Chinese text.

Everything here is plain :mod:`re` so that rules can ask "is there any Chinese
in this record?" without importing jieba or pypinyin: the heavy analysis only
starts for text that needs it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

#: CJK unified ideographs (basic block, extension A, compatibility ideographs).
HAN_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN = re.compile(f"[{HAN_CHARS}]")
HAN_RUN = re.compile(f"[{HAN_CHARS}]+")


def has_chinese(text: str) -> bool:
    """Whether ``text`` holds at least one Chinese character."""
    return HAN.search(text) is not None


def han_runs(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, run)`` for every maximal run of Chinese characters in ``text``."""
    for m in HAN_RUN.finditer(text):
        yield m.start(), m.group()


def is_han(ch: str) -> bool:
    return HAN.match(ch) is not None


# A few thousand syllables, each met hundreds of thousands of times while T001's model is built
# from pypinyin's tables: each is worked out once.
@lru_cache(maxsize=8192)
def strip_tone(syllable: str) -> str:
    """``'lǜ'`` -> ``'lv'``, ``'zhōng'`` -> ``'zhong'``: pinyin without tone marks, ü as v."""
    decomposed = unicodedata.normalize("NFD", syllable).replace("u\u0308", "v")
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@lru_cache(maxsize=8192)
def fuzzy_syllable(syllable: str) -> str:
    """Collapse the distinctions that people most often confuse when typing pinyin.

    zh/z, ch/c, sh/s, n/l initials; -ng/-n finals; lü/lu, nü/nu.  Two
    syllables with the same fuzzy form are "near" homophones.
    """
    s = syllable
    for retro, flat in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if s.startswith(retro):
            s = flat + s[2:]
            break
    if s.startswith("n") and s != "ng":
        s = "l" + s[1:]
    if s.endswith("ng") and len(s) > 2:
        s = s[:-1]
    return s.replace("v", "u")
