"""Which parts of a text are Simplified Chinese: the only script the typo model knows.

The typo detector's dictionary is Simplified Chinese.  Traditional Chinese
(然後, 簡化字) and Japanese (細胞, 洋食・カフェ) are full of characters and words
it does not know, and every one of them looks like a typo to it.  So the
detector judges only Simplified text and leaves the rest alone, decided per
span from the text itself:

* a *Traditional-only* character is one that Traditional Chinese writes and
  Simplified Chinese replaces (後, 細, 簡, 氣): it appears among CC-CEDICT's
  traditional forms and never among its simplified ones (the character lists
  come from the ``zhon`` package).  Characters both scripts share (著, 乾, 干)
  are not evidence either way;
* *Simplified-only* characters (这, 个, 后) are the reverse;
* Japanese is recognised by its kana (the katakana middle dot ``・`` is left
  out: Chinese text uses it between the parts of a foreign name).

A text (a message) or a line whose Traditional-only characters outnumber its
Simplified-only ones, or that is mostly kana, is left alone as a whole; in a
Simplified line, a sentence holding any Traditional-only character or any kana
is left alone (a quoted Japanese title, a Traditional name).
"""

from __future__ import annotations

import os
import re
from functools import cache

#: Hiragana, katakana (without the middle dot U+30FB), phonetic extensions, half-width katakana.
KANA = re.compile("[\u3041-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
#: Where a sentence ends, for the per-sentence decision (a line is split further here).
SENTENCE_END = re.compile("[。！？!?；;…]+")
#: A text whose kana are at least this share of its Chinese characters and kana is Japanese.
KANA_SHARE = 0.2


#: Bumped when what :func:`_derive_class_chars` makes of zhon's lists changes (the cache key).
CLASSES_VERSION = 1


@cache
def _class_chars() -> tuple[str, str]:
    """(Traditional-only, Simplified-only) characters, each as the inside of a character class.

    Derived from zhon's two CC-CEDICT lists of 10,737 characters each; importing them and
    taking the differences cost 39M instructions, a twentieth of a ten-record check, on every
    start.  So the result is kept in the cache directory, keyed by the *content* of the lists'
    files, and derived again only when they change (a zhon upgrade) or cannot be found."""
    from sftlint.analysis.text.cache import KEEP_SMALL, cache_key, content_digest, load_or_build

    files = _cedict_files()
    if files is None:
        return _derive_class_chars()
    key = cache_key("script-classes", CLASSES_VERSION, content_digest("zhon-cedict", files))
    value = load_or_build("script-classes", key, _derive_class_chars, valid=_are_classes, keep=KEEP_SMALL)
    return value[0], value[1]


def _derive_class_chars() -> tuple[str, str]:
    """What :func:`_class_chars` returns, from zhon's lists themselves."""
    from zhon import cedict

    simplified, traditional = set(cedict.simplified), set(cedict.traditional)
    return re.escape("".join(sorted(traditional - simplified))), re.escape(
        "".join(sorted(simplified - traditional))
    )


def _cedict_files() -> list[str] | None:
    """The files zhon reads its Simplified and Traditional lists from, found without importing
    zhon (which imports all of its data); None where they are not where zhon 2 keeps them."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("zhon")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = os.path.join(next(iter(spec.submodule_search_locations)), "cedict")
    files = [os.path.join(folder, name) for name in ("__init__.py", "simplified.py", "traditional.py")]
    return files if all(os.path.isfile(f) for f in files) else None


def _are_classes(value: object) -> bool:
    return type(value) is tuple and len(value) == 2 and all(type(v) is str and v for v in value)


@cache
def _classes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(Traditional-only, Simplified-only) character classes, compiled on first need: only a
    line with a Traditional-only character or kana needs them (2,703 and 2,325 single
    characters: about 15 ms of compiling together, a tenth of a small check's start)."""
    trad, simp = _class_chars()
    return re.compile(f"[{trad}]"), re.compile(f"[{simp}]")


@cache
def _not_plain() -> re.Pattern[str]:
    """A Traditional-only character or kana: one scan tells a plain Simplified text (the
    common case) instead of one per class."""
    return re.compile("[" + _class_chars()[0] + KANA.pattern[1:-1] + "]")


def traditional_only(text: str) -> list[str]:
    """The Traditional-only characters of ``text``, in order."""
    return _classes()[0].findall(text)


def _foreign(text: str) -> bool:
    """Whether ``text`` as a whole is Traditional Chinese or Japanese."""
    trad, simp = _classes()
    t = len(trad.findall(text))
    if t and t > len(simp.findall(text)):
        return True
    kana = len(KANA.findall(text))
    if kana:
        han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        return kana >= KANA_SHARE * (han + kana)
    return False


def is_plain(text: str) -> bool:
    """Whether ``text`` holds no Traditional-only character and no kana: then it is not
    foreign (:func:`is_foreign`), and :func:`simplified_only` returns it, and each part of it,
    as it is (one scan for a text instead of one per line)."""
    return _not_plain().search(text) is None


def is_foreign(text: str) -> bool:
    """Whether ``text`` (a message) is Traditional Chinese or Japanese as a whole."""
    if _not_plain().search(text) is None:
        return False
    return _foreign(text)


def simplified_only(line: str) -> str:
    """``line`` with every span that is not Simplified Chinese blanked out (same length).

    The line itself when all of it is Simplified (the common case, one regex
    search each); all spaces when the line as a whole is Traditional or
    Japanese; otherwise each sentence holding a Traditional-only character or
    kana is replaced by spaces, so offsets stay the same.
    """
    if _not_plain().search(line) is None:
        return line
    trad = _classes()[0]
    if _foreign(line):
        return " " * len(line)
    out = []
    start = 0
    for m in SENTENCE_END.finditer(line):
        out.append(_blank_if_foreign(line[start : m.end()], trad))
        start = m.end()
    out.append(_blank_if_foreign(line[start:], trad))
    return "".join(out)


def _blank_if_foreign(sentence: str, trad: re.Pattern[str]) -> str:
    if trad.search(sentence) is not None or KANA.search(sentence) is not None:
        return " " * len(sentence)
    return sentence
