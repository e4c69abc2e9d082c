"""MinHash signatures of character shingles and LSH candidate pairs (D002's sketch).

Two implementations of every step give the same bits: plain Python, used for the first
records of a run (so a small check does not pay numpy's import) and where numpy is
missing, and numpy, which hashes every shingle of a text in a few array operations and
finds the candidate pairs of a whole dataset band by band without a Python loop per pair.
Tests compare the two on real texts.

The shingle hash is a polynomial over the characters' code points (mod 2**64) followed by
the splitmix64 finaliser: both are plain 64-bit integer arithmetic, so they vectorise, and
they are deterministic across processes and machines (no salted ``hash()``).
"""

from __future__ import annotations

import bisect
import re
import sys
import unicodedata
from array import array
from collections.abc import Callable, Iterator
from typing import Any

#: MinHash signature: NUM_HASHES values of 16 bits (one-permutation hashing over 64 bins).
NUM_HASHES = 64
#: LSH: BANDS bands of ROWS values; two records become a candidate pair when one band agrees.
BANDS, ROWS = 16, 4
SHINGLE = 5
#: Candidate pairs per band bucket: each record is compared with the first FIRST_K and the
#: last LAST_K earlier records of the bucket (buckets of shared boilerplate can hold thousands).
FIRST_K, LAST_K = 2, 3

_MASK64 = (1 << 64) - 1
_EMPTY = 1 << 64
_MIX = 0x9E3779B97F4A7C15
_DENSE = 0x632BE59BD9B4E019
#: polynomial base of the shingle hash (odd, so multiplication is invertible mod 2**64)
_POLY = 0x100000001B3
_FIN1, _FIN2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_BIN_SHIFT = 64 - 6  # top 6 bits choose one of 64 bins
#: Signatures a process computes in plain Python before it imports numpy: a small check
#: (a pre-commit hook) never pays for the import.
PLAIN_FIRST = 48
#: Texts shorter than this many characters always take the plain path (numpy's per-call
#: overhead is larger than the work).
PLAIN_BELOW = 48
#: Texts longer than this many characters are hashed in pieces of this size (numpy holds about
#: 32 bytes per character of the piece).
_CHUNK = 1 << 16

#: Datasets of fewer records find their pairs in plain Python (the same pairs, no numpy import).
PLAIN_PAIRS_BELOW = 2000

_np: Any = None
_plain_left = PLAIN_FIRST


def _numpy() -> Any:
    """numpy, imported on first use; False when it is not installed."""
    global _np
    if _np is None:
        try:
            import numpy

            _np = numpy
        except ImportError:  # pragma: no cover - numpy is a dependency; the plain path still works
            _np = False
    return _np


def numpy_if_imported() -> Any:
    """numpy where this process has imported it already (for D002, or by the caller), else None:
    for a step that pays off with numpy only when the import is paid already."""
    return _np or sys.modules.get("numpy")


def _finalise(h: int) -> int:
    h ^= h >> 30
    h = (h * _FIN1) & _MASK64
    h ^= h >> 27
    h = (h * _FIN2) & _MASK64
    return h ^ (h >> 31)


def _shingle_hash(codes: list[int]) -> int:
    h = 0
    for c in codes:
        h = (h * _POLY + c) & _MASK64
    return _finalise(h)


def _mins_plain(text: str) -> list[int]:
    codes = [ord(c) for c in text]
    n = len(codes) - SHINGLE + 1
    mins = [_EMPTY] * NUM_HASHES
    if n <= 0:
        h = _shingle_hash(codes)
        mins[h >> _BIN_SHIFT] = h
        return mins
    p1, p2, p3, p4 = _POLY, _POLY**2 & _MASK64, _POLY**3 & _MASK64, _POLY**4 & _MASK64
    f1, f2, mask = _FIN1, _FIN2, _MASK64
    for i in range(n):
        c0, c1, c2, c3, c4 = codes[i : i + SHINGLE]
        h = (c0 * p4 + c1 * p3 + c2 * p2 + c3 * p1 + c4) & mask
        h ^= h >> 30
        h = (h * f1) & mask
        h ^= h >> 27
        h = (h * f2) & mask
        h ^= h >> 31
        b = h >> _BIN_SHIFT
        if h < mins[b]:
            mins[b] = h
    return mins


def _shingle_hashes(c: Any, codes: Any, n: int) -> Any:
    """The hash of each of the ``n`` shingles of ``codes`` (uint64 code points): the shingle's
    polynomial, then splitmix64's finaliser.  ``c``: :func:`_consts`."""
    # c0*p^4 + c1*p^3 + c2*p^2 + c3*p + c4 from the pairs q_i = c_i*p + c_(i+1):
    # q_i*p^3 + q_(i+2)*p + c_(i+4), six operations instead of eight
    q = codes[:-1] * c.poly
    q += codes[1:]
    h = q[:n] * c.poly3
    t = q[2 : n + 2] * c.poly
    h += t
    h += codes[SHINGLE - 1 :]
    h ^= h >> c.s30
    h *= c.fin1
    h ^= h >> c.s27
    h *= c.fin2
    h ^= h >> c.s31
    return h


def _mins_numpy(np: Any, text: str) -> list[int]:
    """:func:`_mins_plain` in a dozen array operations (a text of a few hundred characters and
    more spends most of its time in numpy's per-call overhead, so every call counts)."""
    c = _consts(np)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.uint64)
    n = len(codes) - SHINGLE + 1
    h = _shingle_hashes(c, codes, n)
    # each bin's minimum in one unbuffered scatter (no sort of the whole array)
    out = c.full.copy()
    bins = h >> c.bin_shift
    np.minimum.at(out, bins, h)
    mins: list[int] = out.tolist()
    if _MASK64 in mins:  # an empty bin (or, with odds of 2**-64, a hash of all ones)
        counts = np.bincount(bins, minlength=NUM_HASHES).tolist()
        mins = [v if counts[b] else _EMPTY for b, v in enumerate(mins)]
    return mins


class _Consts:
    """numpy scalars of the hash's constants, made once (each costs a call to make)."""

    def __init__(self, np: Any) -> None:
        u = np.uint64
        self.poly, self.poly3 = u(_POLY), u(_POLY**3 & _MASK64)
        self.fin1, self.fin2 = u(_FIN1), u(_FIN2)
        self.s30, self.s27, self.s31, self.bin_shift = u(30), u(27), u(31), u(_BIN_SHIFT)
        self.full = np.full(NUM_HASHES, _MASK64, dtype=np.uint64)
        self.low16, self.dense, self.mix = u(0xFFFF), u(_DENSE), u(_MIX)


_consts_made: _Consts | None = None


def _consts(np: Any) -> _Consts:
    global _consts_made
    if _consts_made is None:
        _consts_made = _Consts(np)
    return _consts_made


def _densified(value: int, distance: int) -> int:
    # Mixed with the distance, so it agrees with another record's bin only when both borrow
    # the same minimum from the same distance.
    return ((value ^ (distance * _DENSE)) * _MIX) & _MASK64


def numpy_undecided() -> bool:
    """Whether numpy is not imported yet: texts signed now are signed in plain Python (about
    2.5 us a shingle, against a fraction of that with numpy), and a later text may still import
    it (the first text of PLAIN_BELOW characters or more once :data:`PLAIN_FIRST` are spent)."""
    return _np is None


#: A caller may hold up to this many characters of texts while :func:`numpy_undecided`
#: (a few dozen texts: the plain budget counts texts of PLAIN_BELOW characters or more).
HOLD_CHARS = 1 << 18


def signature(text: str) -> bytes:
    """MinHash signature of the character 5-shingles of ``text``: NUM_HASHES 16-bit values.

    One-permutation hashing: each shingle is hashed once (a polynomial over its code points,
    then the splitmix64 finaliser), the top bits choose one of NUM_HASHES bins, each bin keeps
    its minimum.  A text shorter than a shingle is one shingle.  Empty bins borrow the nearest
    non-empty bin to their right (rotation densification), so short texts are not similar
    merely for sharing empty bins.  Only the low 16 bits of each minimum are kept (b-bit
    MinHash): two different minima agree by chance with probability 2**-16.

    :class:`Batch` gives the same signatures for many texts at a fraction of the cost.
    """
    return _sign(text, _numpy() if _takes_numpy(text) else None)


def _takes_numpy(text: str) -> bool:
    """Whether ``text`` is signed with numpy: not while the process's plain budget lasts (each
    text of PLAIN_BELOW characters or more spends one), nor a shorter text."""
    global _plain_left
    if len(text) < PLAIN_BELOW:
        return False
    if len(text) > _CHUNK:
        # a text of more than a piece: hashing it in plain Python (about 2.5 us a shingle) costs
        # more than importing numpy, whatever the budget says (a check whose first record is a
        # megabyte of text spent seconds here)
        return True
    if _plain_left > 0:
        _plain_left -= 1
        return False
    return True


def _sign(text: str, np: Any) -> bytes:
    """The signature of one text, with numpy (``np``) or without (None)."""
    if len(text) > _CHUNK:
        # a long text a piece at a time (pieces overlap by a shingle less one character, so they
        # hold every shingle once): the same minima, in memory bounded by the piece, not the text
        mins = [_EMPTY] * NUM_HASHES
        for i in range(0, len(text) - SHINGLE + 1, _CHUNK):
            piece = text[i : i + _CHUNK + SHINGLE - 1]
            part = _mins_numpy(np, piece) if np else _mins_plain(piece)
            mins = [a if a < b else b for a, b in zip(mins, part, strict=True)]
    else:
        mins = _mins_numpy(np, text) if np else _mins_plain(text)
    return _finish(mins)


def _finish(mins: list[int]) -> bytes:
    """The signature of a text from its bins' minima (``_EMPTY`` for an empty bin)."""
    if _EMPTY in mins:
        k = NUM_HASHES
        filled = mins[:]
        nxt, dist = _EMPTY, 0
        for j in range(2 * k - 1, -1, -1):  # right to left, twice round the circle
            v = mins[j % k]
            if v != _EMPTY:
                nxt, dist = v, 0
                continue
            dist += 1
            if j < k and nxt != _EMPTY:
                filled[j] = _densified(nxt, dist)
        mins = filled
    return array("H", [v & 0xFFFF for v in mins]).tobytes()


#: A :class:`Batch` hashes at most this many characters in one set of array operations (numpy
#: holds about 40 bytes per character of the block; arrays of more than 128 KB are mapped and
#: unmapped by the allocator every time, which costs more than the hashing).
BLOCK_CHARS = 1 << 14


#: Separator of the parts of a text added by :meth:`Batch.add_parts` (a control character:
#: never a word character, never composed or case-folded with a neighbour).
PART_SEP = "\x1f"
_NOT_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]+")


#: Characters that Chinese and Japanese text is full of and NFKC changes (full-width punctuation,
#: the ideographic space, the ellipsis, the no-break space), each with its compatibility
#: decomposition, all ASCII.  See :func:`nfkc`.
_FOLDS = tuple(
    (c, unicodedata.normalize("NFKD", c))
    for c in [*(chr(cp) for cp in range(0xFF01, 0xFF5F)), "\u3000", "\u2026", "\u00a0"]
    if not c.isalnum()
)


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, several times faster on Chinese text.

    NFKC of a text with full-width punctuation takes CPython's slow path (decompose and
    recompose every character: about 0.1 us a character).  NFKC is the composition of the
    *character-by-character* compatibility decomposition, so replacing a character by its own
    decomposition first never changes the result; after the common full-width punctuation is
    replaced by its ASCII decomposition, most texts pass the quick check and come back as they
    are.  Texts with anything else NFKC changes still take the full path."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    for c, ascii_form in _FOLDS:
        if c in text:
            text = text.replace(c, ascii_form)
    return unicodedata.normalize("NFKC", text)


def fold(text: str) -> str:
    """NFKC, then case folding: the text :meth:`Batch.add_parts` takes, from the one
    :meth:`Batch.add_raw` takes."""
    return nfkc(text).casefold()


#: The code points that :func:`_fold_table` folds alone, besides :data:`_FOLD_SAME`: ASCII,
#: Latin, IPA, Greek and Cyrillic letters, general punctuation, letterlike and technical
#: symbols, arrows, enclosed numbers, CJK punctuation and kana, the CJK compatibility
#: ideographs, variation selectors, the half- and full-width forms, and the game and enclosed
#: symbols below U+1F300.  None of them is the second character of a canonical composition (the
#: second is a combining mark, a Hangul vowel or final, or one of a dozen Indic vowel signs),
#: and Unicode composes no new pair of existing characters.
_FOLD_RANGES = (
    (0x0001, 0x0300),  # and NUL, the separator of the table's texts, which folds to itself
    (0x0370, 0x0530),
    (0x1E00, 0x2800),
    (0x3000, 0x3100),
    (0xF900, 0xFB00),
    (0xFE00, 0xFE10),
    (0xFF00, 0xFFF0),
    (0x1F000, 0x1F300),
)
#: The CJK ideographs (extension A, the unified block) and the emoji and pictographs from
#: U+1F300: no decomposition, no case, starters, folded to themselves (tested on every one).
_FOLD_SAME = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0x1F300, 0x1FB00))
#: :func:`_fold_table`'s value for a code point it does not fold alone
_UNFOLDED = 0xFFFFFFFF
_fold_table_made: Any = None


def _fold_table(np: Any) -> Any:
    """Per code point below 0x1FB00, :func:`fold` of it alone where that is what :func:`fold`
    makes of it in any text, else :data:`_UNFOLDED` (uint32).

    :func:`fold` of a text is the concatenation of its characters' folds when no two of its
    characters compose or reorder under NFKC.  That holds for a character whose compatibility
    decomposition starts with a starter (canonical combining class 0) that is no composition's
    second character, and is one of :data:`_FOLD_RANGES` (the rest, combining marks, jamo,
    rare scripts, are left out): nothing before it composes with it, and it stops what comes
    before from reordering with what comes after.  A fold of several characters that are all
    no words (``…`` to ``...``) is a space: the batch keeps only the word characters (and the
    separators between parts), so which non-word it is does not matter; a fold of several
    characters with a word among them (``ß`` to ``ss``, ``ﬁ``) is not folded alone.  Every
    code point of the table is folded in one call each to NFKD, NFKC and ``casefold`` over
    the characters joined by NUL (a starter that blocks composition and has no fold)."""
    global _fold_table_made
    if _fold_table_made is not None:
        return _fold_table_made
    table = np.full(_FOLD_SAME[-1][1] + 1, _UNFOLDED, dtype=np.uint32)
    table[0] = 0
    for lo, hi in _FOLD_SAME:
        table[lo:hi] = np.arange(lo, hi, dtype=np.uint32)
    bounds: list[int] = []  # the ranges' starts and ends, in order (odd bisection: inside one)
    for lo, hi in sorted((*_FOLD_RANGES, *_FOLD_SAME)):
        if bounds and bounds[-1] == lo:
            bounds[-1] = hi  # adjacent ranges: one
        else:
            bounds += [lo, hi]
    combining = unicodedata.combining
    for lo, hi in _FOLD_RANGES:
        chars = [chr(cp) for cp in range(lo, hi)]
        joined = "\x00".join(chars)
        decomposed = unicodedata.normalize("NFKD", joined).split("\x00")
        folded = unicodedata.normalize("NFKC", joined).casefold().split("\x00")
        values = list(range(lo, hi))
        for i, (c, d, f) in enumerate(zip(chars, decomposed, folded, strict=True)):
            if d == c and f == c:  # most: no decomposition, no case
                if combining(c):
                    values[i] = _UNFOLDED
                continue
            first = d[:1]
            if (
                first == ""
                or combining(first)
                or not bisect.bisect_right(bounds, ord(first)) & 1  # not in a range
                or PART_SEP in f
            ):
                values[i] = _UNFOLDED
            elif len(f) == 1:
                values[i] = ord(f)
            elif not any(ch.isalnum() for ch in f):
                values[i] = 0x20
            else:
                values[i] = _UNFOLDED
        table[lo:hi] = values
    _fold_table_made = table
    return table


def words_of_parts(text: str) -> str:
    """The word characters (``re``'s ``\\w`` less ``_``) of each :data:`PART_SEP`-separated part of
    ``text``, the parts left with any joined by PART_SEP (the plain path of :meth:`Batch.add_parts`)."""
    return PART_SEP.join(w for w in (_NOT_WORD.sub("", part) for part in text.split(PART_SEP)) if w)


class Batch:
    """Texts waiting to be signed, in order: :meth:`sign` gives what :func:`signature` would give
    for each, one text at a time, with the numpy work of many texts done in one set of array
    operations (numpy's per-call overhead, not the hashing, is most of the cost of signing one
    text of a few hundred characters).

    Each text's path is chosen as it is added, as :func:`signature` chooses it, so numpy is
    imported at the same text as it would be one text at a time (a small check never imports
    it; a process that forks workers after its first records has it already).  Once it is
    imported, :meth:`sign` signs every text of the batch with it (the two paths give the same
    bits): a caller that holds its texts while :func:`numpy_undecided` signs a check's first
    texts in plain Python only when the check turns out small."""

    __slots__ = ("chars", "least", "plain", "raw", "texts")

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.plain: list[bool] = []  # per text: signed without numpy
        self.least: list[int] = []  # per text: 0 for a text as it is, else add_parts's min_chars
        self.raw: list[bool] = []  # per text: added by add_raw (folded here)
        self.chars = 0

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, text: str) -> None:
        """A text, signed as it is."""
        self._add(text, 0)

    def add_parts(self, text: str, min_chars: int) -> None:
        """A text whose signature is that of :func:`words_of_parts` of it, or None when that is
        shorter than ``min_chars`` (at least SHINGLE).  With numpy the characters that are not
        words are dropped in arrays, with the hashing, instead of one regex call per part."""
        self._add(text, max(min_chars, SHINGLE))

    def add_raw(self, text: str, min_chars: int) -> None:
        """:meth:`add_parts` of :func:`fold` of ``text``.  With numpy the characters are folded in
        arrays, by :func:`_fold_table`, where every character of the text folds alone (NFKC
        and case folding cost about 180 instructions a character of Chinese text in Python);
        a text with any other character is folded by :func:`fold`."""
        self._add(text, max(min_chars, SHINGLE), True)

    def _add(self, text: str, least: int, raw: bool = False) -> None:
        if _takes_numpy(text):
            _numpy()
            self.plain.append(False)
        else:
            self.plain.append(True)
        self.texts.append(text)
        self.least.append(least)
        self.raw.append(raw)
        self.chars += len(text)

    def sign(self, words: list[str | None] | None = None) -> list[bytes | None]:
        """The signatures of the texts added, in order; the batch is empty afterwards.

        With ``words`` (a list), each text's signed characters are appended to it too: the
        text as :meth:`add` took it, or what :meth:`add_parts` and :meth:`add_raw` made of it
        (its folded word characters, :func:`words_of_parts`), None where the signature is.
        D002 keeps them for its verification, which would otherwise read the record again
        and normalise it a second time."""
        texts, plain, least, raw = self.texts, self.plain, self.least, self.raw
        self.texts, self.plain, self.least, self.raw, self.chars = [], [], [], [], 0
        np = _np or None  # imported by a text that takes numpy (shorter texts may join it)
        out: list[bytes | None] = [None] * len(texts)
        made: list[str | None] | None = None if words is None else [None] * len(texts)
        # hashed together: texts as they are, parts, parts to fold
        blocks: tuple[list[int], list[int], list[int]] = ([], [], [])
        for k, text in enumerate(texts):
            # a text that took the plain path as it was added is signed with numpy all the same
            # when a later text of the batch imported it: the same bits, at numpy's cost
            if np is None or not SHINGLE <= len(text) <= _CHUNK:
                if raw[k]:
                    text = fold(text)
                if least[k]:
                    text = words_of_parts(text)
                    if len(text) < least[k]:
                        continue
                out[k] = _sign(text, None if plain[k] else np)
                if made is not None:
                    made[k] = text
            else:
                blocks[2 if raw[k] else 1 if least[k] else 0].append(k)
        for parts, block in enumerate(blocks):
            lo = 0
            while lo < len(block):
                hi, chars = lo, 0
                while hi < len(block) and (hi == lo or chars + len(texts[block[hi]]) <= BLOCK_CHARS):
                    chars += len(texts[block[hi]])
                    hi += 1
                done = block[lo:hi]
                some = [texts[k] for k in done]
                if parts:
                    got = [] if made is not None else None
                    sigs = _parts_numpy(np, some, [least[k] for k in done], parts == 2, got)
                    for k, sig in zip(done, sigs, strict=True):
                        out[k] = sig
                    if made is not None:
                        for k, text in zip(done, got, strict=True):  # type: ignore[arg-type]
                            made[k] = text
                else:
                    for k, sig in zip(done, _signatures_numpy(np, some), strict=True):
                        out[k] = sig
                    if made is not None:
                        for k in done:
                            made[k] = texts[k]
                lo = hi
        if words is not None:
            words += made  # type: ignore[arg-type]
        return out


def signatures(texts: list[str]) -> list[bytes]:
    """:func:`signature` of each text (the same bits), by one :class:`Batch`."""
    batch = Batch()
    for text in texts:
        batch.add(text)
    return batch.sign()  # type: ignore[return-value]


def _codes(np: Any, texts: list[str]) -> Any:
    """The code points of the texts, one after another (uint32)."""
    return np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _signatures_numpy(np: Any, texts: list[str]) -> list[bytes]:
    """The signatures of texts of SHINGLE to _CHUNK characters."""
    return _signatures_codes(np, _codes(np, texts).astype(np.uint64), np.fromiter(map(len, texts), np.int64))


_word_table: Any = None
#: The basic plane without the surrogates (no word characters; UTF-16 cannot hold them alone).
_PLANE = ((0, 0xD800), (0xE000, 0x10000))


def _plane_text(np: Any, lo: int, hi: int) -> str:
    """The characters ``lo`` to ``hi - 1`` (no surrogate among them) as one string, decoded from
    their UTF-16 units: ``"".join(map(chr, range(lo, hi)))`` without a string per character
    (43M instructions for the plane, a fifth of a million this way)."""
    return np.arange(lo, hi, dtype="<u2").tobytes().decode("utf-16-le")


def _words(np: Any, codes: Any) -> Any:
    """Per code point: a word character (``re``'s ``\\w`` less ``_``: ``str.isalnum``)."""
    global _word_table
    if _word_table is None:  # by the regex itself: one scan of the whole plane
        table = bytearray(0x10000)
        for lo, hi in _PLANE:
            for m in _WORD.finditer(_plane_text(np, lo, hi)):
                table[lo + m.start() : lo + m.end()] = b"\x01" * (m.end() - m.start())
        _word_table = np.frombuffer(bytes(table), dtype=bool)
    if not len(codes) or codes.max() < 0x10000:
        return _word_table[codes]
    word = _word_table[np.minimum(codes, 0xFFFF)]
    far = np.flatnonzero(codes > 0xFFFF)
    word[far] = [chr(c).isalnum() for c in codes[far].tolist()]
    return word


def _fold_codes(np: Any, texts: list[str], codes: Any) -> tuple[list[str], Any]:
    """The texts (each :func:`fold`-ed where it has a character :func:`_fold_table` does not
    fold alone) and the code points of their folds, from their code points ``codes``."""
    table = _fold_table(np)
    # (clipped: the last entry is _UNFOLDED, and so is every code point from there on)
    folded = table.take(codes, mode="clip")
    unfolded = folded == _UNFOLDED
    if not unfolded.any():
        return texts, folded
    # the texts with such a character: counted between each text's start and end
    upto = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(unfolded, out=upto[1:])
    ends = np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)))
    starts = np.zeros_like(ends)
    starts[1:] = ends[:-1]
    which = np.flatnonzero(upto[ends] > upto[starts]).tolist()
    texts = list(texts)
    for k in which:
        texts[k] = fold(texts[k])
    codes = _codes(np, texts)
    alone = np.ones(len(texts), dtype=bool)
    alone[which] = False
    lens = np.fromiter(map(len, texts), np.int64, len(texts))
    return texts, np.where(np.repeat(alone, lens), table.take(codes, mode="clip"), codes)


def _parts_numpy(
    np: Any, texts: list[str], least: list[int], raw: bool = False, words: list[str | None] | None = None
) -> list[bytes | None]:
    """:meth:`Batch.add_parts`'s signatures of texts of SHINGLE to _CHUNK characters: the word
    characters kept, and a separator where two parts with words meet, in arrays (``raw``:
    :meth:`Batch.add_raw`'s, the texts folded first).  With ``words``, each text's kept
    characters (:func:`words_of_parts` of it, folded first where ``raw``) are appended to it, None
    where its signature is."""
    count = len(texts)
    codes = _codes(np, texts)
    if raw:
        texts, codes = _fold_codes(np, texts, codes)
    lens = np.fromiter(map(len, texts), np.int64, count)
    n = len(codes)
    firsts = np.cumsum(lens) - lens  # where each text starts
    ends = firsts + lens
    keep = _words(np, codes)
    upto = np.empty(n + 1, dtype=np.int64)  # words before each position
    upto[0] = 0
    np.cumsum(keep, out=upto[1:])
    kept = upto[ends] - upto[firsts]  # each text's length once normalised (separators below)
    sep = np.flatnonzero(codes == ord(PART_SEP))
    if len(sep):
        # a separator stays where its text has words before it and the part after it has some
        text = np.searchsorted(firsts, sep, side="right") - 1
        after = np.empty_like(sep)  # where that part ends: the next separator or its text's end
        after[:-1] = sep[1:]
        after[-1] = n
        np.minimum(after, ends[text], out=after)
        stays = (upto[sep] > upto[firsts[text]]) & (upto[after] > upto[sep + 1])
        keep[sep] = stays
        kept += np.bincount(text[stays], minlength=count)
    enough = kept >= np.array(least, dtype=np.int64)
    if not enough.all():
        if not enough.any():
            if words is not None:
                words += [None] * count
            return [None] * count
        keep &= np.repeat(enough, lens)
    signed = codes[keep]
    if words is not None:
        _append_words(np, signed, kept, enough, words)
    sigs = iter(_signatures_codes(np, signed.astype(np.uint64), kept[enough]))
    return [next(sigs) if ok else None for ok in enough.tolist()]


def _append_words(np: Any, signed: Any, kept: Any, enough: Any, words: list[str | None]) -> None:
    """Append to ``words`` each text's characters of ``signed`` (the kept code points of the
    texts with ``enough``, one after another; ``kept``: each text's count), None for the others:
    one decode for the batch, then a slice a text."""
    joined = signed.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
    pos = 0
    for ok, n in zip(enough.tolist(), kept.tolist(), strict=True):
        if ok:
            words.append(joined[pos : pos + n])
            pos += n
        else:
            words.append(None)


def _signatures_codes(np: Any, codes: Any, lens: Any) -> list[bytes]:
    """The signatures of texts of SHINGLE to _CHUNK characters given as their code points
    (uint64) one after another and their lengths: :func:`_mins_numpy` over the concatenation,
    each shingle's bin numbered by its text, the shingles that cross from one text into the
    next sent to a bin of their own."""
    c = _consts(np)
    count = len(lens)
    n = len(codes) - SHINGLE + 1
    h = _shingle_hashes(c, codes, n)
    # bin of each shingle: text number * NUM_HASHES + its top bits
    key = np.repeat(np.arange(0, count * NUM_HASHES, NUM_HASHES, dtype=np.uint64), lens)[:n]
    key += h >> c.bin_shift
    # the last SHINGLE - 1 positions of every text start a shingle that crosses into the next
    ends = np.cumsum(lens)
    crossing = (ends[:, None] - np.arange(1, SHINGLE, dtype=np.int64)).ravel()
    key[crossing[crossing < n]] = count * NUM_HASHES
    mins = np.full(count * NUM_HASHES + 1, _MASK64, dtype=np.uint64)
    np.minimum.at(mins, key, h)
    rows = mins[:-1].reshape(count, NUM_HASHES)
    empty = np.bincount(key, minlength=count * NUM_HASHES + 1)[:-1].reshape(count, NUM_HASHES) == 0
    some = np.flatnonzero(empty.any(axis=1))
    if len(some):  # densify (as _finish does): an empty bin borrows the nearest filled one to its right
        part, gaps = rows[some], empty[some]
        k = NUM_HASHES
        both = np.concatenate([gaps, gaps], axis=1)  # twice round the circle
        at = np.where(both, 2 * k, np.arange(2 * k))
        nearest = np.minimum.accumulate(at[:, ::-1], axis=1)[:, ::-1][:, :k]
        dist = (nearest - np.arange(k)).astype(np.uint64)
        value = np.take_along_axis(part, nearest % k, axis=1)
        value ^= dist * c.dense
        value *= c.mix
        rows[some] = np.where(gaps, value, part)
    low = (rows & c.low16).astype("<u2").tobytes()
    width = NUM_HASHES * 2
    out = [low[k * width : (k + 1) * width] for k in range(count)]
    return out


#: The lowest bit of every 16-bit value of a signature read as one integer.
_LANE_LOW = int.from_bytes(b"\x01\x00" * NUM_HASHES, "little")


def agreement(a: int, b: int) -> float:
    """:func:`estimate` on signatures read as integers: OR-fold each 16-bit lane of ``a ^ b``
    into its lowest bit, so a lane's bit is set exactly when the two values differ."""
    x = a ^ b
    x |= x >> 8
    x |= x >> 4
    x |= x >> 2
    x |= x >> 1
    return (NUM_HASHES - (x & _LANE_LOW).bit_count()) / NUM_HASHES


def estimate(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures: the share of agreeing values."""
    x = (int.from_bytes(a, "little") ^ int.from_bytes(b, "little")).to_bytes(len(a), "little")
    return array("H", x).count(0) / NUM_HASHES


def exact_copies(digests: array) -> bytearray:
    """1 for every record whose digest an earlier record has (D001's exact copies)."""
    seen: set[int] = set()
    copy = bytearray(len(digests))
    for i, d in enumerate(digests):
        if d in seen:
            copy[i] = 1
        else:
            seen.add(d)
    return copy


def _exact_copies_numpy(np: Any, dig: Any) -> Any:
    """:func:`exact_copies` as a boolean array, by a stable sort of the digests (a set of a
    million Python integers holds about 60 MB)."""
    order = np.argsort(dig, kind="stable")
    ordered = dig[order]
    later = np.zeros(len(dig), dtype=bool)
    later[1:] = ordered[1:] == ordered[:-1]  # a copy of the record before it in the sort
    copy = np.zeros(len(dig), dtype=bool)
    copy[order[later]] = True
    return copy


def near_pairs(
    sigs: bytes | bytearray,
    digests: array,
    threshold: float,
    per_record: int = 1,
    last_k: int = LAST_K,
    only: bytes | bytearray | None = None,
) -> dict[int, list[tuple[int, float]]]:
    """For each record with an earlier near-duplicate by the estimate: up to ``per_record``
    such records, the most similar by the estimate (then the earliest), as
    ``[(record, estimated similarity), ...]`` in record order.

    LSH, one band at a time: records are sorted by the band's value (stably, so a bucket lists
    its records in order) and each record is compared with the first FIRST_K and the last LAST_K
    records before it in its bucket (``last_k``), on the whole signature; ``only``: a byte per
    record, the records to find pairs for (the others still serve as earlier records).  Exact copies (same digest as an
    earlier record) are D001's and skipped.  Which pairs a band proposes does not depend on the
    other bands, so a pair two bands propose counts once.
    """
    return near_pairs_looks(sigs, digests, threshold, per_record, (last_k,), only)[0]


def near_pairs_looks(
    sigs: bytes | bytearray,
    digests: array,
    threshold: float,
    per_record: int,
    looks: tuple[int, ...],
    only: bytes | bytearray | None = None,
) -> list[dict[int, list[tuple[int, float]]]]:
    """:func:`near_pairs` for each ``last_k`` of ``looks`` (``[near_pairs(..., k, only) for k
    in looks]``), in one pass: the bands are sorted once, and a pair that a narrower look
    proposes too is compared once for all (D002 takes a first look 3 records back in the
    buckets and a second 32 back).  :func:`near_pair_arrays` gives the same pairs compactly."""
    return [pairs.as_dict() for pairs in near_pair_arrays(sigs, digests, threshold, per_record, looks, only)]


def near_pair_arrays(
    sigs: bytes | bytearray,
    digests: array,
    threshold: float,
    per_record: int,
    looks: tuple[int, ...],
    only: bytes | bytearray | None = None,
    spread: tuple[Callable[[Callable[[Any], Any], list[Any]], list[Any]], int] | None = None,
) -> list[Pairs]:
    """:func:`near_pairs_looks` as :class:`Pairs`: 9 bytes a pair instead of a dictionary entry,
    a list and a tuple per pair (templated data has a few pairs for most of its records: a
    million records held half a gigabyte of them).

    ``spread``, ``(map, n)``: a ``map(fn, tasks)`` that computes the tasks elsewhere, in ``n``
    processes (``--jobs``' forked processes): the bands are then shared among them, and the
    pairs each finds folded together here (the same pairs: :func:`_top`)."""
    n = len(digests)
    if n < 2:
        return [Pairs.empty(n) for _ in looks]
    np = _numpy() if n >= PLAIN_PAIRS_BELOW else None
    if np and spread is not None and spread[1] > 1 and n >= SPREAD_BANDS_FROM:
        return _near_pairs_spread(np, sigs, digests, threshold, per_record, looks, only, spread)
    if np:
        return _near_pairs_numpy_looks(np, sigs, digests, threshold, per_record, looks, only)
    return [
        Pairs.from_dict(_near_pairs_plain(sigs, digests, threshold, per_record, k, only), n) for k in looks
    ]


class Pairs:
    """Candidate pairs: for each record with pairs (ascending), its earlier records (ascending)
    and how many signature values each pair agrees on, in three flat arrays (``i``, ``j``,
    ``agree``: 4, 4 and 1 bytes a pair; 8 for the records when there are 2**32 or more)."""

    __slots__ = ("agree", "i", "j")

    def __init__(self, i: array, j: array, agree: bytes | bytearray) -> None:
        self.i, self.j, self.agree = i, j, agree

    @staticmethod
    def typecode(n: int) -> str:
        """The array type of record numbers below ``n``."""
        return "I" if n <= 1 << 32 and array("I").itemsize == 4 else "Q"

    @classmethod
    def empty(cls, n: int) -> Pairs:
        code = cls.typecode(n)
        return cls(array(code), array(code), b"")

    @classmethod
    def from_dict(cls, pairs: dict[int, list[tuple[int, float]]], n: int) -> Pairs:
        """From :func:`near_pairs`'s dictionary (``n``: the number of records)."""
        code = cls.typecode(n)
        i, j, agree = array(code), array(code), bytearray()
        for rec in sorted(pairs):
            for other, est in sorted(pairs[rec]):
                i.append(rec)
                j.append(other)
                agree.append(round(est * NUM_HASHES))
        return cls(i, j, agree)

    def __len__(self) -> int:
        return len(self.i)

    def _starts(self) -> list[int]:
        """Where each record's pairs start in the arrays."""
        i = self.i
        if not i:
            return []
        np = _numpy()
        if np:
            ids = np.frombuffer(i, dtype=np.uint32 if i.itemsize == 4 else np.uint64)
            return [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist()]
        return [k for k in range(len(i)) if k == 0 or i[k] != i[k - 1]]

    def records(self) -> int:
        """How many records have pairs."""
        return len(self._starts())

    def bounds(self, size: int) -> list[tuple[int, int]]:
        """The blocks of ``size`` records (the last may hold fewer), in order, as where their
        pairs start and end in the arrays (see :meth:`part`)."""
        starts = self._starts()[::size]
        return list(zip(starts, [*starts[1:], len(self.i)][: len(starts)], strict=True))

    def part(self, lo: int, hi: int) -> Pairs:
        """The pairs from ``lo`` to ``hi`` in the arrays (a block of :meth:`bounds`), compact
        to send to a worker, which makes the block's dictionary itself (:meth:`as_dict`)."""
        return Pairs(self.i[lo:hi], self.j[lo:hi], self.agree[lo:hi])

    def blocks(self, size: int) -> Iterator[dict[int, list[tuple[int, float]]]]:
        """The pairs as :func:`near_pairs` gives them, ``size`` records at a time (in order)."""
        for lo, hi in self.bounds(size):
            yield self.part(lo, hi).as_dict()

    def as_dict(self) -> dict[int, list[tuple[int, float]]]:
        """The pairs as :func:`near_pairs` gives them: per record, ``(earlier record,
        estimated similarity)`` in order."""
        out: dict[int, list[tuple[int, float]]] = {}
        last, pairs = -1, []
        for rec, other, agree in zip(self.i, self.j, self.agree, strict=True):
            if rec != last:
                pairs = out.setdefault(rec, [])
                last = rec
            pairs.append((other, agree / NUM_HASHES))
        return out


def _bucket_pairs(order: list[int], column: list[int], last_k: int) -> list[tuple[int, int]]:
    """(record, earlier record) pairs of one band, in the order the band proposes them."""
    out: list[tuple[int, int]] = []
    n = len(order)
    start = 0
    while start < n:
        value = column[order[start]]
        end = start + 1
        while end < n and column[order[end]] == value:
            end += 1
        if end - start > 1:
            bucket = order[start:end]
            for pos in range(1, len(bucket)):
                i = bucket[pos]
                for j in bucket[: min(pos, FIRST_K)] + bucket[max(FIRST_K, pos - last_k) : pos]:
                    out.append((i, j))
        start = end
    return out


def _near_pairs_plain(
    sigs: bytes | bytearray,
    digests: array,
    threshold: float,
    per_record: int,
    last_k: int = LAST_K,
    only: bytes | bytearray | None = None,
) -> dict[int, list[tuple[int, float]]]:
    """The reference implementation (numpy missing): the same pairs as the numpy one."""
    n = len(digests)
    width = NUM_HASHES * 2
    copy = exact_copies(digests)
    keys = memoryview(bytes(sigs)).cast("Q")  # band b of record i is keys[i * BANDS + b]
    need = threshold - 1e-9
    as_int = [int.from_bytes(sigs[k * width : (k + 1) * width], "little") for k in range(n)]
    best: dict[int, dict[int, float]] = {}
    for band in range(BANDS):
        column = keys[band::BANDS].tolist()
        order = sorted(range(n), key=column.__getitem__)
        for i, j in _bucket_pairs(order, column, last_k):
            if copy[i] or digests[j] == digests[i] or (only is not None and not only[i]):
                continue
            sim = agreement(as_int[i], as_int[j])
            if sim >= need:
                best.setdefault(i, {})[j] = sim
    out = {}
    for i, found in best.items():
        top = sorted(found.items(), key=lambda p: (-p[1], p[0]))[:per_record]
        out[i] = sorted(top)
    return out


def _near_pairs_numpy(
    np: Any,
    sigs: bytes | bytearray,
    digests: array,
    threshold: float,
    per_record: int,
    last_k: int = LAST_K,
    only: bytes | bytearray | None = None,
) -> dict[int, list[tuple[int, float]]]:
    return _near_pairs_numpy_looks(np, sigs, digests, threshold, per_record, (last_k,), only)[0].as_dict()


#: The LSH pairs are taken this many positions of a band's order at a time: the low bytes of the
#: signatures they compare are gathered for those positions only (64 bytes each), not for all.
BAND_BLOCK = 1 << 16
#: The pairs found wait until there are this many (or a quarter of those kept, if more), then
#: only the best per record are kept.
TOP_EVERY = 1 << 18
#: Pairs are kept as one 64-bit key each (record, agreement, earlier record) when the record
#: numbers fit; off, or past 2**28 records, as three arrays (the same pairs; tests turn it off).
KEYED_PAIRS = True


class _Kept:
    """The best pairs per record that one look has found so far: at most ``per_record`` per
    record, the most agreeing, then the earliest (see :func:`_top`), and the pairs found since
    they were last folded in.

    Keyed (up to 2**28 records): a pair is ``record << (bits + 7) | (NUM_HASHES - agreement) <<
    bits | earlier record``, so the keys sort as :func:`_top` ranks, a pair met in two bands is
    one key twice, and a fold is a sort (a merge of the kept keys with the new ones), a
    comparison with the neighbour and one with the key ``per_record`` places before:
    8 bytes a pair and a few more while folding, against 9 and about 60."""

    __slots__ = ("bits", "count", "kept", "keyed", "np", "per_record", "waiting")

    def __init__(self, np: Any, n: int, per_record: int) -> None:
        self.np, self.per_record = np, per_record
        self.bits = max(1, (n - 1).bit_length())
        self.keyed = KEYED_PAIRS and 2 * self.bits + 7 <= 64
        if self.keyed:
            self.kept: Any = np.zeros(0, np.uint64)
        else:
            self.kept = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint8))
        self.waiting: list[Any] = []
        self.count = 0

    def __len__(self) -> int:
        return len(self.kept) if self.keyed else len(self.kept[0])

    def add(self, i: Any, j: Any, agree: Any) -> None:
        """Pairs (``i`` later than ``j``) found, with the values they agree on (uint8)."""
        np = self.np
        if self.keyed:
            u = np.uint64
            key = i.astype(u) << u(self.bits + 7)
            key |= (NUM_HASHES - agree).astype(u) << u(self.bits)
            key |= j.astype(u)
            self._wait(key, len(i))
        else:
            self._wait((i, j, agree), len(i))

    def _wait(self, part: Any, n: int) -> None:
        """``n`` pairs to fold in later (now, once enough wait)."""
        self.waiting.append(part)
        self.count += n
        if self.count >= max(TOP_EVERY, len(self) // 4):
            self.fold()

    def fold(self) -> None:
        """Keep the best pairs of those kept and those waiting."""
        if not self.waiting:
            return
        np = self.np
        if not self.keyed:
            parts = [self.kept, *self.waiting]
            self.waiting, self.count = [], 0
            self.kept = _top(np, *(np.concatenate([p[c] for p in parts]) for c in range(3)), self.per_record)
            return
        new = np.concatenate(self.waiting)
        self.waiting, self.count = [], 0
        new.sort()
        keys = np.concatenate([self.kept, new])
        del new
        self.kept = None
        keys.sort(kind="stable")  # two sorted runs: a merge
        # a pair met in several bands is one key several times; then a key is among its
        # record's first per_record when the key per_record places before is another record's
        # (the masks are made a piece at a time: no temporary array of the keys' size)
        keys = keys[self._mask(keys, 1, None)]
        keys = keys[self._mask(keys, self.per_record, np.uint64(self.bits + 7))]
        self.kept = keys

    def folded(self) -> Any:
        """The pairs kept, folded (to send to the process that :meth:`absorb` s them)."""
        self.fold()
        return self.kept

    def absorb(self, kept: Any) -> None:
        """Add the pairs another :class:`_Kept` of the same records kept (its :meth:`folded`):
        they wait to be folded in like pairs found here."""
        self._wait(kept, len(kept) if self.keyed else len(kept[0]))

    def _mask(self, keys: Any, back: int, shift: Any) -> Any:
        """True for each key that differs from the key ``back`` places before it (the first
        ``back`` keys: True), comparing ``keys >> shift`` when ``shift`` is given."""
        np = self.np
        keep = np.ones(len(keys), dtype=bool)
        for lo in range(back, len(keys), _PIECE):
            hi = min(len(keys), lo + _PIECE)
            now, before = keys[lo:hi], keys[lo - back : hi - back]
            if shift is not None:
                now, before = now >> shift, before >> shift
            np.not_equal(now, before, out=keep[lo:hi])
        return keep

    def pairs(self, code: str) -> Pairs:
        """The pairs kept, in order of record and then of earlier record."""
        np = self.np
        self.fold()
        if not self.keyed:
            i, j, agree = self.kept
            self.kept = None
            by_pair = np.lexsort((j, i))
            return Pairs(
                array(code, i[by_pair].astype(code).tobytes()),
                array(code, j[by_pair].astype(code).tobytes()),
                agree[by_pair].tobytes(),
            )
        # the agreement moved from between the two records to the lowest bits, in place a piece
        # at a time, so that one sort in place orders the keys by record and earlier record
        u = np.uint64
        keys, self.kept = self.kept, None
        bits, high = u(self.bits), u(self.bits + 7)
        low_mask, a_mask, seven = u((1 << self.bits) - 1), u(0x7F), u(7)
        for lo in range(0, len(keys), _PIECE):
            piece = keys[lo : lo + _PIECE]
            piece[:] = ((piece >> high) << high) | ((piece & low_mask) << seven) | ((piece >> bits) & a_mask)
        keys.sort()
        i, j, agree = array(code), array(code), bytearray()
        for lo in range(0, len(keys), _PIECE):
            piece = keys[lo : lo + _PIECE]
            i.frombytes((piece >> high).astype(code).tobytes())
            j.frombytes(((piece >> seven) & low_mask).astype(code).tobytes())
            agree += (NUM_HASHES - (piece & a_mask)).astype(np.uint8).tobytes()
        return Pairs(i, j, agree)


#: Keys :class:`_Kept` transforms at a time (the temporaries of a piece, not of all the keys).
_PIECE = 1 << 16


def _near_pairs_numpy_looks(
    np: Any,
    sigs: bytes | bytearray,
    digests: array,
    threshold: float,
    per_record: int,
    looks: tuple[int, ...],
    only: bytes | bytearray | None = None,
) -> list[Pairs]:
    """:func:`near_pair_arrays` with numpy.  Memory: besides the signatures (held by the
    caller), about 30 bytes a record while a band is sorted, the pairs kept (8 bytes each, see
    :class:`_Kept`) and what a block of BAND_BLOCK positions needs; nothing of 64 bytes a record."""
    kept = _looks_kept(np, sigs, digests, threshold, per_record, looks, only, range(BANDS))
    code = Pairs.typecode(len(digests))
    return [look.pairs(code) for look in kept]


#: Records from which ``near_pair_arrays`` shares its bands among the processes it is lent
#: (fewer: forking costs more than the bands).
SPREAD_BANDS_FROM = 5000


def _near_pairs_spread(
    np: Any,
    sigs: bytes | bytearray,
    digests: array,
    threshold: float,
    per_record: int,
    looks: tuple[int, ...],
    only: bytes | bytearray | None,
    spread: tuple[Callable[[Callable[[Any], Any], list[Any]], list[Any]], int],
) -> list[Pairs]:
    """:func:`_near_pairs_numpy_looks` with the bands shared among ``spread``'s processes, each
    sending back the pairs its bands kept (already folded: at most ``per_record`` a record and
    look), folded together here."""
    mapper, processes = spread

    def bands_kept(bands: range) -> list[Any]:
        return [k.folded() for k in _looks_kept(np, sigs, digests, threshold, per_record, looks, only, bands)]

    shares = [range(first, BANDS, processes) for first in range(min(processes, BANDS))]
    kept = [_Kept(np, len(digests), per_record) for _ in looks]
    found = list(mapper(bands_kept, shares))
    for share in range(len(found)):
        # each share's pairs folded in and let go before the next: all of them waiting at once,
        # with a fold's copies of them, were the main process's peak on a gigabyte of short
        # records with --jobs 2
        parts, found[share] = found[share], None
        for look, part in zip(kept, parts, strict=True):
            look.absorb(part)
            look.fold()
        del parts
    code = Pairs.typecode(len(digests))
    return [look.pairs(code) for look in kept]


def _looks_kept(
    np: Any,
    sigs: bytes | bytearray,
    digests: array,
    threshold: float,
    per_record: int,
    looks: tuple[int, ...],
    only: bytes | bytearray | None,
    bands: range,
) -> list[_Kept]:
    """The pairs of each look that ``bands`` propose (see :func:`_near_pairs_numpy_looks`)."""
    n = len(digests)
    idx = np.int32 if n < 1 << 31 else np.int64
    values = np.frombuffer(sigs, dtype="<u2").reshape(n, NUM_HASHES)
    # each value's low byte: the first of its two (little-endian), read in place
    low = np.frombuffer(sigs, dtype=np.uint8).reshape(n, 2 * NUM_HASHES)[:, 0::2]
    keys = np.frombuffer(sigs, dtype="<u8").reshape(n, BANDS)
    dig = np.frombuffer(digests, dtype=np.uint64) if digests.itemsize == 8 else np.array(digests, np.uint64)
    skip = _exact_copies_numpy(np, dig)
    if only is not None:
        skip |= np.frombuffer(bytes(only), dtype=np.uint8) == 0
    need = int(np.ceil((threshold - 1e-9) * NUM_HASHES))  # agreeing values needed
    kept = [_Kept(np, n, per_record) for _ in looks]
    deepest = max(looks)
    # the first FIRST_K of the bucket, then the last_k just before (not repeating the first)
    offsets = [("first", k) for k in range(FIRST_K)] + [("last", d) for d in range(1, deepest + 1)]
    for band in bands:
        column = keys[:, band]
        order = np.argsort(column, kind="stable").astype(idx)
        ordered = column[order]
        new = np.empty(n, dtype=bool)
        new[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
        del ordered
        start_of = np.flatnonzero(new).astype(idx)[np.cumsum(new, dtype=idx) - 1]  # bucket start
        del new
        for a in range(0, n, BAND_BLOCK):
            b = min(n, a + BAND_BLOCK)
            # positions a0..b of the order, laid out in that order: the prefilter reads them in
            # sequence (a bucket's last earlier records are at most ``deepest`` before)
            a0 = max(0, a - deepest)
            rows = order[a0:b]
            low_s, skip_s, dig_s = low[rows], skip[rows], dig[rows]
            pos = np.arange(a, b, dtype=idx) - start_of[a:b]  # place of each in its bucket
            for kind, k in offsets:
                if kind == "first":
                    sel = np.flatnonzero(pos > k)
                    q = start_of[a + sel] + k  # the bucket's k-th record: anywhere before
                    qrec = order[q]
                    q_dig = dig[qrec]
                else:
                    sel = np.flatnonzero(pos - k >= FIRST_K)
                    ql = sel + (a - a0 - k)  # in the block's layout
                    q_dig = dig_s[ql]
                if not len(sel):
                    continue
                pl = sel + (a - a0)
                ok = ~skip_s[pl] & (dig_s[pl] != q_dig)
                pl = pl[ok]
                q_low = low[qrec[ok]] if kind == "first" else low_s[ql[ok]]
                maybe = np.flatnonzero(_low_rows_agreement(np, low_s[pl], q_low) >= need)
                if not len(maybe):
                    continue
                ci = rows[pl[maybe]]
                cj = qrec[ok][maybe] if kind == "first" else rows[ql[ok][maybe]]
                agree = (values[ci] == values[cj]).sum(axis=1)
                hit = agree >= need
                if hit.any():
                    pairs = (ci[hit], cj[hit], agree[hit].astype(np.uint8))
                    for look, last_k in enumerate(looks):
                        if kind == "first" or k <= last_k:
                            kept[look].add(*pairs)
        del order, start_of
    return kept


def _low_agreement(np: Any, low: Any, i: Any, j: Any) -> Any:
    """For each pair ``(i[k], j[k])`` of rows of ``low`` (each value's low byte),
    :func:`_low_rows_agreement` of the two rows."""
    return _low_rows_agreement(np, low[i], low[j])


def _low_rows_agreement(np: Any, x: Any, y: Any) -> Any:
    """For each row pair ``(x[k], y[k])`` (the low byte of each value of two signatures, C
    contiguous), how many of the signatures' values agree in their low byte: at least as many as
    agree whole (equal values have equal low bytes), so a pair below the agreement needed here
    is below it whole.  Half the bytes of the whole comparison, and the 64 equalities of a pair
    summed as eight 64-bit words (each byte 0 or 1, so a byte lane of the sum is at most 8) whose
    bytes one multiplication adds into its top byte (at most 64): about a quarter of the time of
    comparing and summing the whole values, which the few pairs that pass then still are (the
    pairs of a bucket are mostly far from similar).  Needs NUM_HASHES a multiple of 8 and under
    256."""
    eq = np.equal(x, y).view(np.uint64)  # (pairs, NUM_HASHES / 8) words of 0/1 bytes
    words = eq[:, 0].copy()
    for w in range(1, NUM_HASHES // 8):
        words += eq[:, w]
    return (words * np.uint64(0x0101010101010101)) >> np.uint64(56)


def _top(np: Any, i: Any, j: Any, a: Any, per_record: int) -> tuple[Any, Any, Any]:
    """Distinct (i, j) pairs, at most ``per_record`` per ``i``: the most agreeing, then the
    earliest.  ``a`` is unsigned (at most NUM_HASHES): ``NUM_HASHES - a`` orders it downwards.
    Folding pairs in several times keeps what one fold of all of them keeps (a pair agrees
    alike whichever band proposes it, and what a fold drops ranks below ``per_record`` others)."""
    order = np.lexsort((j, NUM_HASHES - a, i))
    i, j, a = i[order], j[order], a[order]
    if not len(i):
        return i, j, a
    same = np.zeros(len(i), dtype=bool)
    same[1:] = (i[1:] == i[:-1]) & (j[1:] == j[:-1])
    i, j, a = i[~same], j[~same], a[~same]  # pairs met in several bands (same agreement)
    new = np.ones(len(i), dtype=bool)
    new[1:] = i[1:] != i[:-1]
    starts = np.flatnonzero(new)
    rank = np.arange(len(i)) - starts[np.cumsum(new) - 1]
    keep = rank < per_record
    return i[keep], j[keep], a[keep]
