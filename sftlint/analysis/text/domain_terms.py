"""Domain vocabulary the general dictionary lacks, for the typo detector (rule T001).

T001's model knows the words of jieba's general dictionary.  Medical text is full of terms it
lacks: drug names (氨甲环酸, 特比萘芬), syndromes (预激综合征), anatomy (喉咽).  There a
character of the term looks like a slip for a same-sounding one that makes a common word
(预激 -> 预计), and on held-out medical Q&A every model finding was such a term.  A model
finding whose word (the characters the model read around its suspect) lies inside a term of the shipped medical vocabulary (THUOCL's medical lexicon,
18,749 words mined from medical text; MIT) is therefore not reported: the text writes the term.
Listed wrong forms and 的/地/得 are not affected.

Medical writing also clips a term to its last characters: prescriptions and diet advice name
the herb 枸杞子 as 杞子 and 山萸肉 as 萸肉.  A model finding whose window is such a tail of a
term (two characters or more, the term longer) is not reported either.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from sftlint.analysis.text.userdict import covered, parse_user_dict


@lru_cache(maxsize=1)
def medical_terms() -> tuple[frozenset[str], int]:
    """The shipped medical terms and the length of the longest (read at the first model finding)."""
    text = files("sftlint.analysis.text").joinpath("medical_terms.txt").read_text(encoding="utf-8")
    words = parse_user_dict(text.splitlines())
    return words, max(map(len, words), default=0)


def in_medical_term(text: str, start: int, end: int, window: str) -> bool:
    """Whether the word the model read, ``window`` (``text[start:end]`` is its suspect
    character), lies inside a medical term that ``text`` writes.  The whole window, not the
    character alone: in 白色念球菌 the term 球菌 holds the suspect 球 but not the window 念球菌
    that the correction 念珠菌 rewrites, and the slip is still reported."""
    words, longest = medical_terms()
    at = text.find(window, max(0, end - len(window)))
    while 0 <= at <= start:
        if at + len(window) >= end:
            return covered(text, at, at + len(window), words, longest)
        at = text.find(window, at + 1)
    return False  # (the window is always in the text; were it not, the finding stays)


_TAILS: tuple[frozenset[str], frozenset[str]] | None = None


def _medical_tails() -> frozenset[str]:
    """Every proper tail of two characters or more of a shipped medical term (枸杞子: 杞子),
    built once for the vocabulary :func:`medical_terms` returns."""
    global _TAILS
    words, _ = medical_terms()
    if _TAILS is None or _TAILS[0] is not words:
        _TAILS = (words, frozenset(w[k:] for w in words for k in range(1, len(w) - 1)))
    return _TAILS[1]


def clips_medical_term(window: str) -> bool:
    """Whether ``window``, the word the model read around its suspect, is a medical term
    clipped to its last characters (杞子 of 枸杞子, 萸肉 of 山萸肉)."""
    return len(window) >= 2 and window in _medical_tails()
