"""Chinese typo (错别字) detection without a language model.

Two detectors, both tuned for precision (a linter that cries wolf is
switched off):

1. A hand-reviewed list of wrong forms that are never legal strings
   (:mod:`sftlint.analysis.text.typo_data`): 再接再励, 迫不急待, 优惠卷 ...  One
   precompiled regular expression finds them all.
2. A dictionary model (:mod:`sftlint.analysis.text.typo_model`).  Text is cut into
   runs of Chinese characters; a character that no dictionary word covers
   (it stands alone where a typo would break a word) is a *suspect*.  For
   each suspect, the homophone index proposes same- or near-sounding
   characters that turn a window around it into a dictionary word; each
   proposal is scored by how much it raises the probability of the best
   segmentation of the surrounding characters, plus a few cheap facts
   (how common the word and the characters are, whether the sound is
   exact, whether the neighbourhood looks like a name).  A linear score
   over these, fitted on half of the public test data (see
   ``bench/typo.py`` and docs/benchmarks.md), decides.

Hard filters come first and keep precision up: rare characters (names,
terms of art; a less rare one only for an exact homophone making a common
word), characters that stand alone by grammar (吗, 的), characters
next to Latin letters or digits (T恤), and corrections into rare words are
never reported.

The hot path is a handful of dict probes per character; the expensive
segmentation scoring runs only on suspects with a proposal.  Results are
cached per line, so a system prompt or knowledge-base paragraph repeated in
every record is analysed once, and the model's analysis is cached per run of
Chinese characters (a clause), so a sentence that recurs inside different
lines (templated data, boilerplate) is analysed once too.

The model starts as a memory-mapped store (:mod:`sftlint.analysis.text.typo_store`):
before a line is analysed, the blocks for the two-character prefixes it holds
are read into the detector's dicts, so a pre-commit check of ten records
touches a few thousand small blocks instead of loading the whole model.
Once enough blocks have been read that loading everything is cheaper
(:data:`SWITCH_BLOCKS`), the detector loads the whole model and carries on
with it; the findings are the same either way.
"""

from __future__ import annotations

import copy
import marshal
import math
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from sftlint.analysis.forkshare import ForkLog
from sftlint.analysis.text.particles import has_particle, particle_typos
from sftlint.analysis.text.script import is_foreign, is_plain, simplified_only
from sftlint.analysis.text.typo_data import (
    CURATED,
    GUARD_AFTER,
    GUARDED_FORMS,
    NAME_DOTS,
    NAME_SUFFIXES,
    SURNAMES,
    TRANSLIT_MARKERS,
    TRANSLITERATION,
    VARIANT_PAIRS,
)
from sftlint.analysis.text.typo_store import DamagedStore, Store
from sftlint.analysis.text.zh import HAN, HAN_CHARS, HAN_RUN
from sftlint.native import native_module

#: Characters of context on each side used when scoring a proposal.
CONTEXT = 5
#: Characters rarer than this (summed jieba counts of the words holding them) are never suspects.
MIN_RARE_CHAR_FREQ = 500
#: Characters rarer than this are suspects only for an exact homophone making a common word
#: (正雀 -> 正确, 采购应当醋进 -> 促进): names and terms of art hold rare characters, so
#: they need the stronger evidence.
MIN_CHAR_FREQ = 3000
#: How common (log jieba count) the word a correction of a rare character makes must be.
RARE_MIN_LOG_WORD = 8.0
#: Characters that stand alone at least this often (jieba's HMM) are never suspects.
MAX_ALONE = 0.8
#: A correction must make a word at least this common (jieba count).
MIN_WORD_FREQ = 20
#: At most this many proposals per suspect are scored by segmentation.
MAX_PROPOSALS = 4
#: Longest word tried when segmenting a context.
SEG_MAX_WORD = 5
#: Proposals that raise the log-probability less than this are not considered.
MIN_GAIN = 5.0
#: Margin for rounding when a bound on the gain (:meth:`TypoDetector._gains_below`), summed
#: in another order than the segmentation's, is compared with :data:`MIN_GAIN`.
_ROUNDING = 1e-6
#: A correction that only lengthens a word already there (怎么养 -> 怎么样, 七十二巷 -> 七十二行)
#: needs this much more score (chosen on the tune half, the clean sets and People's Daily).
EXTENSION_EXTRA = 0.75
#: ... and a two-character word grown into a three-character one (对角巷 -> 对角线, 创世记 ->
#: 创世纪, 呈黄色 -> 橙黄色) this much: on real datasets such a third character is far more
#: often a word of its own or a term than a slip (chosen on the real data's false alarms; on
#: the CSC sets it costs 5 of about 250 detections, all of them whole words misspelt there).
EXTENSION_EXTRA_3 = 2.5
#: A suspect at the edge of a run with no other uncovered character near it (its neighbour
#: belongs to an intact word: 切成粒, 制造出趣) needs this much more score: a broken word
#: usually leaves two characters uncovered, and on the CSC sets the two such detections
#: scored 2.9 and 5.6 (chosen on the real data's false alarms).
LONE_EDGE_EXTRA = 1.25
#: A run of just two characters (a list item such as 素食、生餐、低糖, a label, a heading)
#: gives the correction no context beyond the word itself, so it needs this much more score:
#: the false alarms of that shape on real text (生餐 -> 生产, 痛过 -> 通过, 这鞋 -> 这些, names
#: in People's Daily's lists) scored 1.4-2.0, the CSC sets' three such detections 2.43-2.60.
SHORT_RUN_EXTRA = 1.0
#: A correction into a character rarer than :data:`MIN_RARE_CHAR_FREQ` (one that is never a
#: suspect itself: 喑, 癜, 嚏) needs this much more score, the bar of a word grown to three
#: characters (:data:`EXTENSION_EXTRA_3`).  Text keeps writing the everyday character for the rare
#: one on purpose (音哑 for 喑哑 in a list of symptoms, 饮哑药), and the dictionary knows the rare
#: word from few counts; a slip into a rare word's common homophone is still reported when the
#: words around it leave no doubt (白殿风 -> 白癜风 6.0, 宽关节 -> 髋关节 4.0, 打喷替 -> 打喷嚏 5.8).
RARE_RIGHT_EXTRA = 2.5
#: Measure words a verb may take before its object in speech (寄个快递, 洗个澡, 吃个饭): a verb
#: before one is a word of its own, not a slip for a number or a demonstrative (几个, 这个).
VERB_MEASURES = frozenset("个")
#: The characters of a number written in Chinese (二十一, 三百, 两千零五).
NUMERALS = frozenset("零〇一二三四五六七八九十百千万亿两")
#: Words that join two items of a coordination (凌星法或径向速度法, 褐蘑菇或香菇).
COORDINATORS = frozenset({"或", "或者", "和", "与", "及", "以及", "跟", "还是"})
#: A suspect at most this many characters before the head its item shares with the other
#: item (:meth:`TypoDetector._parallel_item`) is a modifier of a term of that kind.
PARALLEL_REACH = 3
#: How far after the coordinator the other item's shared head may end (径向速度法: 5).
PARALLEL_SPAN = 7
#: A short title between 《》 (a book, film, song or poem: 《大开眼戒》, 《暮光之城》) is the name
#: of a work, coined by its makers.  Long ones (《与贸易有关的知识产权协议》) are descriptive
#: titles of laws and treaties, read like running text, and are still checked.
TITLE = re.compile(r"《[^《》\n]{1,8}》")
#: Runs of two or more Chinese characters, kept by ``split`` (a one-character run is no word
#: to analyse)
#: A run of Chinese characters longer than this is analysed a piece at a time: the analysis
#: holds a few objects per character of its run (a 4 MB run without punctuation took 170 MB),
#: and no sentence runs this long without a mark, a digit or a space.  A piece's neighbour is
#: a Chinese character, which counts as a letter beside it: nothing is proposed at a cut.
MAX_RUN = 1000
#: A text longer than this many characters is read a line at a time, not split into a list
#: of its lines (a million short lines held 35 MB).
_LONG_TEXT = 1 << 16


#: The native kernels' interface this module calls (``KERNELS`` in ``sftlint/_typo_native.c``).
NATIVE_KERNELS = 3


def _native_kernels() -> Any:
    """The optional C kernels (``sftlint._typo_native``), or None: not built, stale, or
    ``SFTLINT_PURE_PYTHON`` set (see :func:`sftlint.native.native_module`)."""
    return native_module("_typo_native", NATIVE_KERNELS)


#: The native kernels in use, or None for the pure-Python methods (the reference: each kernel
#: does what a ``_*_py`` method of :class:`TypoDetector` does, bit for bit, on the same tables;
#: ``tests/test_typo_native.py`` compares them).  Set it to None before a detector loads its
#: model to force Python.
NATIVE: Any = _native_kernels()
#: The last whole model's native table: (freq, prefix2, logtotal, table), so detectors of one
#: model (whitelist views, a switch from the store) build it once.
_NATIVE_TABLE: tuple[Any, Any, float, Any] | None = None


def _native_table(freq: dict[str, int], prefix2: Any, logtotal: float) -> Any:
    """The native kernels' table of a whole model (built on first use), or None without them.
    Only a whole model's tables, which never change once loaded: on the store the tables grow
    as blocks are read, and the Python methods probe them as they stand."""
    global _NATIVE_TABLE
    if NATIVE is None or type(freq) is not dict or type(prefix2) not in (set, frozenset):
        return None
    last = _NATIVE_TABLE
    if last is not None and last[0] is freq and last[1] is prefix2 and last[2] == logtotal:
        return last[3]
    table = NATIVE.Model(freq, prefix2, logtotal)
    _NATIVE_TABLE = (freq, prefix2, logtotal, table)
    return table


def _lines(text: str) -> Iterator[str]:
    """``text.split("\\n")``, one line at a time."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def _split_lazily(text: str) -> Iterator[str]:
    """``_RUNS_AND_GAPS.split(text)``, one part at a time."""
    pos = 0
    for m in _RUNS_AND_GAPS.finditer(text):
        yield text[pos : m.start()]
        yield m.group(1)
        pos = m.end()
    yield text[pos:]


_RUNS_AND_GAPS = re.compile(f"([{HAN_CHARS}]{{2,{MAX_RUN}}})")
#: Two bits of a run's flags (before, after) as the pair of booleans the analysis takes.
_SIDES = ((False, False), (True, False), (False, True), (True, True))
#: Two neighbouring corrections that each keep the other's character (医元: 亿元 or 医院)
#: are both dropped unless one gains this many nats more (chosen on the tune half).
RIVAL_MARGIN = 1.25
#: A pair of characters holding a suspect that the same text writes this many more times,
#: unflagged, is its own word, not a slip (:meth:`TypoDetector._own_pair`).
OWN_PAIR = 2
#: Blocks read from the store after which the whole model is loaded instead (reading a
#: block costs a few microseconds, loading the whole model a few tenths of a second).
SWITCH_BLOCKS = 10_000
#: Characters analysed (cache misses) after which the whole model is loaded instead: reading
#: blocks on demand costs a set difference per line, which a long run pays back by loading
#: everything once (about half a second of analysis against a few tenths for the load).
SWITCH_CHARS = 200_000
#: Decision threshold on the linear score (chosen on the tune half, see bench/typo.py).
THRESHOLD = 1.25
#: Linear weights over :func:`design` (a logistic regression fitted on the tune half).
WEIGHTS: dict[str, float] = {
    "gain": 0.464,
    "lwmax": 0.28,
    "lwmaxlow": 1.079,
    "Lw3": 1.507,
    "sc_hi": -0.521,
    "cfr": -0.384,
    "near": -1.093,
    "margin": 0.345,
    "nunc": -0.233,
    "sur": -0.757,
    "edge": 0.177,
    "ncand": 0.201,
    "proper": -0.735,
    "alone": 0.366,
    "rival": 0.13,
    "bias": -2.831,
}


def design(f: dict[str, float]) -> dict[str, float]:
    """The linear score's inputs, from the raw features of a proposal.

    ``gain``: log-probability gained by the best segmentation of the context;
    ``lwmax``/``lwmaxlow``: log count of the word the correction makes (and a
    hinge for rare ones); ``Lw3``: that word has 3+ characters; ``sc_hi``: the
    suspect is a very common one-character word; ``cfr``: how common the
    proposed character is; ``near``: near (not exact) homophone; ``margin``:
    lead over the second-best proposal; ``nunc``: other suspects within two
    characters; ``sur``: right after a lone surname; ``edge``: at the edge of
    a run; ``ncand``: proposals; ``proper``: the correction is a rare proper
    noun; ``alone``: how often the suspect stands alone; ``rival``: gain of a
    proposal at a neighbouring suspect.  Clipped so that no extreme value
    dominates: a gain above 14 nats adds nothing more.
    """
    return {
        "gain": min(f["gain"], 14.0),
        "lwmax": min(f["lwmax"], 12.0),
        "lwmaxlow": max(0.0, 5.0 - f["lwmax"]),
        "Lw3": 1.0 if f["Lw"] >= 3 else 0.0,
        "sc_hi": max(0.0, f["sc"] - 10.0),
        "cfr": f["cfr"],
        "near": 1.0 - f["exact"],
        "margin": min(f["margin"], 5.0),
        "nunc": f["nunc"],
        "sur": f["sur"],
        "edge": f["edge"],
        "ncand": min(f["ncand"], 5.0),
        "proper": f["proper"],
        "alone": f["alone"],
        "rival": min(f.get("rival", 0.0), 14.0),
    }


@dataclass(frozen=True, slots=True)
class Typo:
    """A likely wrong character: ``text[start:end]`` should read ``right``.

    ``before``/``after`` show the word it belongs to (优惠卷 -> 优惠券);
    ``source`` is ``"list"`` for the curated list, ``"grammar"`` for a misused 的/地/得
    (:mod:`sftlint.analysis.text.particles`), ``"model"`` otherwise.
    """

    start: int
    end: int
    wrong: str
    right: str
    before: str
    after: str
    score: float
    source: str


def _ends_of(nxt: list[int], n: int) -> list[int]:
    """The word ends of a segmentation of ``n`` characters, from each position's next end."""
    ends = []
    i = 0
    while i < n:
        i = nxt[i]
        ends.append(i)
    return ends


def _fields(t: Typo) -> tuple[Any, ...]:
    """``t``'s fields in order (``Typo(*_fields(t)) == t``), for :mod:`marshal`."""
    return (t.start, t.end, t.wrong, t.right, t.before, t.after, t.score, t.source)


def in_foreign_name(run: str, i: int, after: str, dots: tuple[bool, bool] = (False, False)) -> bool:
    """Whether ``run[i]`` looks like part of a transliterated foreign name (杜特尔特, 奥夫拉多尔).

    Three signs, each general: the character sits in a run of transliteration characters
    that is long (4+) or holds a marker character (尔, 斯, 娃 ...); the correction would
    only make another foreign name (帕耳特 -> 帕尔特, 迪德罗 -> 狄德罗); or the characters
    from a name dot (·) up to it are all transliteration characters.
    """
    if run[i] in TRANSLITERATION:
        a = i
        while a > 0 and run[a - 1] in TRANSLITERATION:
            a -= 1
        b = i + 1
        while b < len(run) and run[b] in TRANSLITERATION:
            b += 1
        n = b - a
        if n >= 4 or (n >= 3 and any(ch in TRANSLIT_MARKERS for ch in run[a:b])):
            return True
        if (dots[0] and a == 0) or (dots[1] and b == len(run)):
            return True
    return (
        len(after) >= 2
        and all(ch in TRANSLITERATION for ch in after)
        and any(ch in TRANSLIT_MARKERS for ch in after)
    )


def transliterated_word(word: str) -> bool:
    """Whether the word the model read around a suspect is written only in transliteration
    characters, one of them a marker (莫莉 for Molly beside 露丝, 莫莉在家里开了一个托儿所): a
    two-character foreign name, too short for :func:`in_foreign_name`'s run of four.  No
    detection on the spelling-check sets reads such a word (0 of 211)."""
    return (
        len(word) >= 2
        and all(ch in TRANSLITERATION for ch in word)
        and any(ch in TRANSLIT_MARKERS for ch in word)
    )


#: How far from a name dot (·) a correction may reach into the name there (:func:`takes_from_dotted_name`):
#: the name part beside the dot and the suspect after it, within this many characters.
NAME_PART = 4


def takes_from_dotted_name(run: str, i: int, span: tuple[int, int], dots: tuple[bool, bool]) -> bool:
    """Whether the correction's word ``run[span[0]:span[1]]`` takes characters of a foreign name
    that a name dot opens just before the run (or closes just after it): in a film credit
    （蒂姆·柯瑞饰）, 饰 -> 士 makes 瑞士 out of the name's 瑞.  The name part begins (ends) with a
    transliteration character at the run's edge, and the suspect lies within
    :data:`NAME_PART` characters of the dot; a correction that begins at the suspect (柯瑞偿试 ->
    尝试) leaves the name whole and is still reported."""
    ws, we = span
    if dots[0] and ws < i < NAME_PART and run[0] in TRANSLITERATION:
        return True
    n = len(run)
    return dots[1] and we > i + 1 and n - 1 - i < NAME_PART and run[-1] in TRANSLITERATION


#: Every three-character word of the whole model, in its order, each after a newline, with a
#: newline at the end (:func:`hole_fillers` searches it).
_THREE: str | None = None
#: The three-character words by any one missing character (:func:`three_holes`), built once
#: :data:`HOLES_INDEX_AFTER` searches have been made.
_HOLES: dict[tuple[int, str], str] | None = None
#: Searches of :data:`_THREE` made so far in this process.
_hole_searches = 0
#: Searches of the word list after which the index of every hole is built instead: a search
#: reads the whole list (about half a millisecond), the index costs about 0.3 s to build.
#: Nearly every input asks a few times or never (bench/out/real-20mb.jsonl: twice).
HOLES_INDEX_AFTER = 400


def three_holes(freq: dict[str, int]) -> dict[tuple[int, str], str]:
    """``(position, the other two characters) -> characters that fill the hole`` over every
    three-character word of ``freq``, in ``freq``'s order."""
    holes: dict[tuple[int, str], str] = {}
    for w in freq:
        if len(w) == 3:
            for k in range(3):
                key = (k, w[:k] + w[k + 1 :])
                holes[key] = holes.get(key, "") + w[k]
    return holes


def hole_fillers(three: str, k: int, pair: str) -> str:
    """``three_holes(freq).get((k, pair), "")`` read from ``three``, the three-character words of
    ``freq`` each after a newline, with a newline at the end: a word is a line, so a match of
    the two known characters with a newline on the side of the hole is aligned with a word."""
    out = []
    if k == 2:
        needle = "\n" + pair
        j = three.find(needle)
        while j >= 0:
            out.append(three[j + 3])
            j = three.find(needle, j + 4)
    elif k == 0:
        needle = pair + "\n"
        j = three.find(needle)
        while j >= 0:
            out.append(three[j - 1])
            j = three.find(needle, j + 4)
    else:
        out = re.findall("\n" + re.escape(pair[0]) + "(.)" + re.escape(pair[1]), three)
    return "".join(out)


#: ``(index, sets)`` of the last :func:`code_frames` (one model per process).
_FRAMES: tuple[dict[str, str], tuple[frozenset[str], frozenset[str], frozenset[str]]] | None = None


def code_frames(
    index: dict[str, str], fuzzy: dict[str, str]
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """``(starts, ends, middles)``: the characters around the sound code in the keys of the
    homophone ``index``, by where the code stands: ``code + next character`` of each key that
    begins with a code, ``character before + code`` of each key that ends with one, and
    ``character before + code + character after`` of each key holding one inside.  A code is a
    character of ``fuzzy``'s values; the sets take any character between the least and the
    greatest code for one, which makes them a little larger, never smaller.

    A window around a suspect with the code in place of the suspect can be a key only if the
    set of its shape holds the code with the suspect's neighbours (:meth:`TypoDetector._proposals`):
    a window that ends at the suspect needs the pair with the left neighbour among the ends, one
    that begins there the pair with the right neighbour among the starts, one that goes on
    both sides the three characters among the middles.  Made once per model."""
    global _FRAMES
    if _FRAMES is None or _FRAMES[0] is not index:
        codes = {k for v in fuzzy.values() for k in v}
        if codes:
            keys = "\n" + "\n".join(index) + "\n"
            between = f"[{re.escape(min(codes))}-{re.escape(max(codes))}]"
            # Each pattern begins with a character to look for (the newline before a key, the
            # code), so ``re`` skips to the next one at C speed instead of trying a lookaround
            # at each of the million positions of ``keys``; the last two match the code alone
            # and look around it, so two codes side by side are both found (overlapping).
            sets = (
                frozenset(re.findall(f"\\n({between}[^\\n])", keys)),
                frozenset(re.findall(f"{between}(?=\\n)(?<=([^\\n]{between}))", keys)),
                frozenset(re.findall(f"{between}(?=[^\\n](?<=([^\\n]{between}[^\\n])))", keys)),
            )
        else:
            sets = (frozenset(), frozenset(), frozenset())
        _FRAMES = (index, sets)
    return _FRAMES[1]


#: The windows of 2-4 characters around a suspect, as ``(characters before it, characters
#: after it, shape)`` in the order :meth:`TypoDetector._proposals` looks them up (by length,
#: then by start), for each room before and after the suspect (up to 3 characters): shape 0
#: ends at the suspect, 1 begins there, 2 goes on both sides (:func:`code_frames`).
_WINDOWS: dict[tuple[int, int], tuple[tuple[int, int, int], ...]] = {
    (before, after): tuple(
        (h, L - 1 - h, 0 if h == L - 1 else 1 if h == 0 else 2)
        for L in (2, 3, 4)
        for h in range(L - 1, -1, -1)
        if h <= before and L - 1 - h <= after
    )
    for before in range(4)
    for after in range(4)
}


class _LRU:
    """Analysed lines (or runs), oldest first, bounded by their total length.

    Bounded in characters rather than entries so that a file of long unique
    lines cannot grow the cache without limit.  The hot loops read ``data``
    directly (a hit does not move the entry: the oldest entry goes first,
    which costs a recurring line nothing but a second analysis after a long
    stretch of new ones).
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.chars = 0
        self.data: OrderedDict[str, Any] = OrderedDict()

    def get(self, key: str) -> Any:
        value = self.data.get(key)
        if value is not None:
            self.data.move_to_end(key)
        return value

    def put(self, key: str, value: Any) -> None:
        if len(key) > self.max_chars // 8 or key in self.data:
            return  # a huge line is not worth keeping
        self.data[key] = value
        self.chars += len(key)
        while self.chars > self.max_chars:
            old, _ = self.data.popitem(last=False)
            self.chars -= len(old)


class _Lazy:
    """Model tables filled from the store as texts ask for them.

    Shared by a detector and its whitelist views, so a block is read once per
    process, and so is the whole model once one of them switches to it.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.tables: dict[str, Any] = {
            **store.meta(),
            "freq": {},
            "index": {},
            "prefix2": set(),
            "proper": set(),
            "char_freq": {},
            "readings": {},
            "fuzzy": {},
            "alone": {},
            "pos": {},
            "persons": set(),
        }
        self.probed: set[str] = set()
        self.full: dict[str, Any] | None = None
        #: characters of runs analysed so far (cache misses, by the detector and its whitelist views)
        self.analysed = 0
        #: the tables hold the whole model (the store was found damaged): nothing more to read
        self.whole = False

    def need(self, s: str) -> None:
        """Read the blocks of every character and two-character prefix in ``s`` not read yet."""
        if self.whole:
            return
        n = len(s)
        if n == 3:  # most asks (a suspect with a neighbour each side): the same set, built at once
            new = {s[:2], s[1:], s[0], s[1], s[2]}
        elif n == 2:
            new = {s, s[0], s[1]}
        else:
            new = {s[i : i + 2] for i in range(n - 1)}
            new.update(s)
        # difference(), not difference_update(): the latter walks the big set
        new = new.difference(self.probed)
        if not new:
            return
        try:
            found = self.store.blocks(new)
        except DamagedStore:
            self._whole_model()
            return
        self.probed.update(new)
        t = self.tables
        freq = t["freq"]
        for key, block in found:
            if len(key) == 1:
                single, t["char_freq"][key], t["readings"][key], t["fuzzy"][key], t["alone"][key], cls = block
                if single is not None:
                    freq[key] = single
                if cls:
                    t["pos"][key] = cls
                continue
            words, index, proper, classes, people = block
            if words:
                freq.update(words)
                t["prefix2"].add(key)
            if index:
                t["index"].update(index)
            if proper:
                t["proper"].update(proper)
            if classes:
                t["pos"].update(classes)
            if people:
                t["persons"].update(people)

    def _whole_model(self) -> None:
        """A block of the store is damaged: fill the tables from the whole model, in place (the
        detector and its whitelist views hold them), and remove the file (the next run writes
        it again), so the findings are those of a sound store."""
        from sftlint.analysis.text.typo_model import load_model

        self.store.discard()
        if self.full is None:
            self.full = load_model()
        for name, table in self.tables.items():
            if isinstance(table, (dict, set)):
                table.update(self.full[name])
        self.whole = True


def _no_need(s: str) -> None:
    """The whole model is loaded: nothing to read."""


#: The curated wrong forms as one alternation, the longest first: the matches of its
#: ``finditer`` are the forms :func:`curated_spans` finds (the reference; tests compare).
CURATED_RE = re.compile("|".join(map(re.escape, sorted(CURATED, key=len, reverse=True))))
#: The same alternation, tried only where a form's first character is followed by a second
#: character of some form.  ``re`` tries the 145 alternatives one after another at every
#: position whose character starts one (the commonest characters do: 一, 在, 不), which made
#: the scan most of a line's cost; here the first-character set skips the other positions at
#: C speed and the second character rules out most of the rest.  The alternation runs inside a
#: lookahead, so the match is the first character and the form is group 1.
_CURATED_AT = re.compile(
    "[{}]{}(?<=(?=({})).)".format(
        re.escape("".join(sorted({w[0] for w in CURATED}))),
        "(?=[{}])".format(re.escape("".join(sorted({w[1] for w in CURATED}))))
        if min(map(len, CURATED)) > 1
        else "",
        CURATED_RE.pattern,
    )
)


#: Whether every curated form is Chinese characters only (so a match never leaves a run).
_CURATED_HAN = all(re.fullmatch(f"[{HAN_CHARS}]+", w) for w in CURATED)


def curated_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, form)`` of each match of :data:`CURATED_RE`'s ``finditer`` in ``text``:
    left to right, a match never starting inside the one before (every form has two
    characters or more)."""
    end = 0
    for m in _CURATED_AT.finditer(text):
        start = m.start()
        if start >= end:
            form = m.group(1)
            end = start + len(form)
            yield start, end, form


class TypoDetector:
    """Finds likely typos in Chinese text.

    Build once per process; :meth:`detect` caches its analysis per line, so a
    system prompt or knowledge-base paragraph repeated in every record costs
    once.  ``mode``: ``"auto"`` starts from the memory-mapped store and loads
    the whole model when a big input makes it pay, ``"lazy"`` never does,
    ``"full"`` loads the whole model at once.  :attr:`mode` tells which is in
    use and :meth:`blocks_read` how much of the store was read.
    """

    def __init__(
        self,
        model: dict[str, Any] | Store | None = None,
        *,
        whitelist: Iterable[str] = (),
        use_model: bool = True,
        threshold: float | None = None,
        cache_chars: int = 4_000_000,
        mode: str = "auto",
    ) -> None:
        if mode not in ("auto", "lazy", "full"):
            raise ValueError(f"mode must be auto, lazy or full, not {mode!r}")
        if model is None and use_model:
            from sftlint.analysis.text.typo_model import load_model, open_model

            model = load_model() if mode == "full" else open_model()
        self.use_model = use_model and model is not None
        self.threshold = THRESHOLD if threshold is None else threshold
        self._cache = _LRU(cache_chars)  # line -> (typos, Chinese characters, proposals, plain?)
        self._runs = _LRU(cache_chars // 2)  # run key -> (typos, proposals, curated matches)
        self._proposed = 0  # proposals scored so far (see :meth:`detect_counted`)
        self._curated_re = CURATED_RE
        self._set_whitelist(whitelist)
        self._lazy: _Lazy | None = None
        self._shared: ForkLog | None = None
        self._switch = mode == "auto"
        self._need: Any = _no_need
        self.mode = "none"
        if self.use_model:
            assert model is not None
            if isinstance(model, Store):
                self._lazy = _Lazy(model)
                self._need = self._lazy.need
                self._load(self._lazy.tables, whole=False)
                self.mode = "lazy"
            else:
                self._load(model)
                self.mode = "full"

    def blocks_read(self) -> int:
        """Blocks read from the store so far (0 when the whole model was loaded at once)."""
        return self._lazy.store.reads if self._lazy is not None else 0

    def _maybe_switch(self) -> None:
        lazy = self._lazy
        assert lazy is not None
        if lazy.full is None:
            if not self._switch or (lazy.store.reads < SWITCH_BLOCKS and lazy.analysed < SWITCH_CHARS):
                return
            from sftlint.analysis.text.typo_model import load_model

            lazy.full = load_model()
        self._load(lazy.full)
        self._need = _no_need
        self.mode = "full"

    def forget_lines(self) -> None:
        """Empty the caches of analysed lines and runs (shared with the whitelist views)."""
        for cache in (self._cache, self._runs):
            cache.data.clear()
            cache.chars = 0

    def share_across_forks(self) -> None:
        """Share the analysis of each run with the processes forked from this one afterwards
        (``--jobs`` workers): each writes the runs it analyses to a :class:`ForkLog` and takes
        the others' results before analysing a run itself.  A run's analysis depends only on
        its cache key and the model (the same whole or on demand), so the findings are those
        each process would have found alone; on text whose sentences recur across the input
        two workers no longer both analyse every distinct sentence.  Call once, on the
        detector the whitelist views are made from (they share its caches)."""
        if self._shared is None and self.use_model:
            self._shared = ForkLog()

    def _take_shared(self, shared: ForkLog) -> bool:
        """Put the runs other processes analysed since the last look into the run cache."""
        payloads = shared.read()
        put = self._runs.put
        for payload in payloads:
            key, typos, n_proposed, spans = marshal.loads(payload)
            put(key, (tuple(Typo(*t) for t in typos), n_proposed, spans))
        return bool(payloads)

    def with_whitelist(self, words: Iterable[str]) -> TypoDetector:
        """A detector sharing this one's model and cache, ignoring ``words`` (names, jargon)."""
        clone = copy.copy(self)
        clone._set_whitelist(words)
        return clone

    def _set_whitelist(self, words: Iterable[str]) -> None:
        self.whitelist = tuple(sorted({w for w in words if w}, key=len, reverse=True))
        self._white_re = re.compile("|".join(map(re.escape, self.whitelist))) if self.whitelist else None

    # ------------------------------------------------------------------ setup
    def _load(self, model: dict[str, Any], whole: bool = True) -> None:
        # ``freq`` also holds words other lexicons know, with count 0: they
        # make text legal (coverage) but never serve as corrections.
        self.freq: dict[str, int] = model["freq"]
        self.logtotal = math.log(model["total"])
        self.index: dict[str, str] = model["index"]
        self.readings: dict[str, str] = model["readings"]
        self.fuzzy: dict[str, str] = model["fuzzy"]
        self.char_freq: dict[str, int] = model["char_freq"]
        self.alone: dict[str, float] = model["alone"]
        self.proper: frozenset[str] | set[str] = model["proper"]
        self.prefix2: frozenset[str] | set[str] = model["prefix2"]
        self.pos: dict[str, str] = model["pos"]
        self.name_chars = frozenset(model["name_chars"])
        self.persons: frozenset[str] | set[str] = model["persons"]
        # the native kernels' table of a whole model (None on the store, or without them)
        self._native = _native_table(self.freq, self.prefix2, self.logtotal) if whole else None
        self._native_frames: Any = None  # the frames of _askable for the native kernel
        # the characters around a sound code in the index's keys, by the code's place
        # (code_frames), made on first use on a whole model
        self._frames: tuple[frozenset[str], frozenset[str], frozenset[str]] | None = None
        # the characters that can be suspects at all, with their sound codes (_suspect_chars),
        # on first use likewise
        self._able: dict[str, str] | None = None

    # ------------------------------------------------------------------ API
    def detect(self, text: str) -> tuple[Typo, ...]:
        """Likely typos in ``text``, in order of position.

        Only Simplified Chinese is judged: a text that is Traditional Chinese or
        Japanese as a whole yields nothing, and so do such lines and sentences
        inside a Simplified text (:mod:`sftlint.analysis.text.script`).
        """
        return self.detect_counted(text)[0]

    def detect_counted(self, text: str) -> tuple[tuple[Typo, ...], int, int]:
        """:meth:`detect`'s typos, with the Chinese characters the model read and the
        proposals it scored there (suspects with a correction making a common word, whether
        or not they passed the threshold): what tells a text whose vocabulary the dictionary
        knows from one it does not (T001's file-level bar, ``rules/text.py``)."""
        out: list[Typo] = []
        pos = chars = proposed = 0
        # Only lines holding Chinese are ever cached, each with whether it is plain (no
        # Traditional-only character or kana, see is_plain).  The text is looked at as a whole
        # (is it plain, else is it foreign, which yields nothing) before its first line that
        # is not cached, or at a cached line that is not plain; a text of cached plain lines is
        # plain (a line break is neither), and is not scanned again.
        plain: bool | None = None  # whether the text is plain (None: not known yet)
        cached = self._cache.data.get
        for line in text.split("\n") if len(text) <= _LONG_TEXT else _lines(text):
            entry = cached(line)
            if entry is None:
                if not line:
                    pos += 1
                    continue
                if plain is None:
                    plain = is_plain(text)  # then so is each line: simplified_only returns it as it is
                    if not plain and is_foreign(text):
                        return (), 0, 0
                    if self.mode == "lazy":
                        self._maybe_switch()
                if HAN.search(line) is not None:
                    line_plain = plain or is_plain(line)
                    entry = (*self._detect(line, line_plain), line_plain)
                    self._cache.put(line, entry)
            elif plain is None and not entry[3]:
                plain = False
                if is_foreign(text):
                    return (), 0, 0
                if self.mode == "lazy":
                    self._maybe_switch()
            if entry is not None:
                found, n_chars, n_proposed, _ = entry
                chars += n_chars
                proposed += n_proposed
                for t in found:
                    out.append(replace(t, start=t.start + pos, end=t.end + pos) if pos else t)
            pos += len(line) + 1
        if plain is None and self.mode == "lazy":
            self._maybe_switch()  # (before the checks below, which may read the model)
        if self._white_re is not None and out:
            masked = self._masked(text)
            out = [t for t in out if not masked.intersection(range(t.start - 1, t.end + 1))]
        if out:
            flagged = {t.start for t in out}
            out = [
                t
                for t in out
                if t.source != "model"
                or not (self._own_pair(text, t.start, flagged) or self._own_frame(text, t, flagged))
            ]
        if out:
            from sftlint.analysis.text.domain_terms import clips_medical_term, in_medical_term

            out = [
                t
                for t in out
                if t.source != "model"
                or not (in_medical_term(text, t.start, t.end, t.before) or clips_medical_term(t.before))
            ]
        return tuple(out), chars, proposed

    @staticmethod
    def _own_pair(text: str, i: int, flagged: set[int]) -> bool:
        """Whether the suspect ``text[i]`` and a neighbour form a pair the same text writes
        :data:`OWN_PAIR` more times where nothing is flagged (维数 in a reply about matrices, a
        term or a name it keeps using): a pair the writer keeps choosing, and that reads as
        text elsewhere, is the text's own word.  A word misspelt the same way throughout
        (打喷替 three times in one essay) is flagged at each place, so it is still reported."""
        for a in (i - 1, i):
            pair = text[a : a + 2] if a >= 0 else ""
            if len(pair) != 2 or HAN_RUN.fullmatch(pair) is None:
                continue
            others = 0
            k = text.find(pair)
            while k >= 0:
                if k != a and k not in flagged and k + 1 not in flagged:
                    others += 1
                    if others >= OWN_PAIR:
                        return True
                k = text.find(pair, k + 1)
        return False

    def _own_frame(self, text: str, t: Typo, flagged: set[int]) -> bool:
        """Whether the characters the correction keeps, when they are no word by themselves
        (是因 of 是因未 -> 是因为, 之所 of 之所倚 -> 之所以), are written elsewhere in the same text
        with another character in the suspect's place, making no word either, where nothing is
        flagged (是因违法行为 beside 是因未按时履行; 祸兮福之所倚，福兮祸之所伏): the text's own
        construction, not a broken 是因为.  Only a hole at either end of a corrected word of
        three or more characters; a frame that is a word (怎么 of 怎么养 -> 怎么样) says nothing,
        nor does the corrected character or the suspect itself in the hole."""
        before, after = t.before, t.after
        n = len(before)
        if n < 3 or len(after) != n:
            return False
        k = next((j for j in range(n) if before[j] != after[j]), -1)
        if k not in (0, n - 1):
            return False
        frame = before[1:] if k == 0 else before[:-1]
        need, freq = self._need, self.freq
        need(frame)
        if frame in freq:
            return False
        skip = (t.wrong, t.right)
        m = len(frame)
        at = text.find(frame)
        while at >= 0:
            h = at - 1 if k == 0 else at + m  # the hole's place in the text
            if h != t.start and 0 <= h < len(text) and h not in flagged:
                c = text[h]
                if c not in skip and HAN_RUN.match(c) is not None:
                    filled = c + frame if k == 0 else frame + c
                    need(filled)
                    if filled not in freq:
                        return True
            at = text.find(frame, at + 1)
        return False

    # ------------------------------------------------------------------ work
    def _detect(self, text: str, plain: bool = False) -> tuple[tuple[Typo, ...], int, int]:
        """Typos in one line (no newline inside), whitelist not applied; with the Chinese
        characters of its runs and the proposals scored there."""
        found: dict[int, Typo] = {}
        chars = proposed = 0
        if not plain:  # (a plain line is returned as it is)
            text = simplified_only(text)  # Traditional and Japanese spans become spaces
        n = len(text)
        # The curated forms are runs of Chinese characters, so each match lies inside one
        # run, and the run cache keeps each run's matches: most lines are new while their
        # runs recur.  A line longer than MAX_RUN may cut a run in pieces, and a match across
        # a cut would be lost: such lines, and text without the model, are scanned whole.
        per_run = self.use_model and _CURATED_HAN and n <= MAX_RUN
        if not per_run:
            for s, e, wrong in curated_spans(text):
                self._take_curated(text, s, e, wrong, found)
        if self.use_model:
            cache = self._runs
            cached = cache.data.get
            shared = self._shared
            # the runs of two or more Chinese characters and the text between them, in one
            # call: [text before, run, text between, run, ..., text after] (a run is never
            # next to another Chinese character, so only the first and last gaps can be empty,
            # and the gaps inside a run longer than MAX_RUN, which is cut in pieces)
            # (a long line is split lazily: the list of a megabyte's parts held 40 MB)
            parts = iter(_RUNS_AND_GAPS.split(text) if n <= _LONG_TEXT else _split_lazily(text))
            after = next(parts)
            off = len(after)
            for run in parts:
                before, after = after, next(parts)
                # what a run's analysis depends on besides its characters: a Latin letter or
                # digit (bits 0, 1), or a name dot (bits 2, 3), just before or after it; a flag
                # character, which no run holds, ends the key when any is set
                flags = 0
                if before:
                    c = before[-1]
                    if c.isalnum():
                        flags = 1
                    elif c in NAME_DOTS:
                        flags = 4
                elif off:
                    flags = 1  # cut from a longer run (MAX_RUN): a Chinese character, a letter
                if after:
                    c = after[0]
                    if c.isalnum():
                        flags |= 2
                    elif c in NAME_DOTS:
                        flags |= 8
                elif off + len(run) < n:
                    flags |= 2  # cut from a longer run
                key = run + chr(flags) if flags else run
                entry = cached(key)
                if entry is None and shared is not None and self._take_shared(shared):
                    entry = cached(key)
                if entry is None:
                    if self._lazy is not None:
                        self._lazy.analysed += len(run)
                        self._need(run)
                    before_run = self._proposed
                    typos = self._analyse_run(run, flags)
                    # (a run without a curated form's first two characters holds no form)
                    spans = tuple(curated_spans(run)) if _CURATED_AT.search(run) is not None else ()
                    entry = (typos, self._proposed - before_run, spans)
                    cache.put(key, entry)
                    if shared is not None and shared.writing:
                        shared.write(marshal.dumps((key, [_fields(t) for t in typos], *entry[1:])))
                typos, n_proposed, spans = entry
                chars += len(run)
                proposed += n_proposed
                if spans and per_run:
                    for s, e, wrong in spans:
                        self._take_curated(text, off + s, off + e, wrong, found)
                for t in typos:
                    if off + t.start not in found:
                        found[off + t.start] = replace(t, start=t.start + off, end=t.end + off)
                off += len(run) + len(after)
        if found and "《" in text:
            # A short title between 《》 names a work as its makers wrote it (《大开眼戒》):
            # puns and coinages are the norm there.  Only the listed never-legal forms count.
            inside = {k for m in TITLE.finditer(text) for k in range(m.start(), m.end())}
            found = {k: t for k, t in found.items() if t.source == "list" or k not in inside}
        if not found:
            return (), chars, proposed
        return tuple(found[k] for k in sorted(found)), chars, proposed

    def _take_curated(self, text: str, s: int, e: int, wrong: str, found: dict[int, Typo]) -> None:
        """Add the curated form ``wrong`` at ``text[s:e]`` to ``found`` unless the text joins it
        to a word outside it (:meth:`_curated`), or a typo already starts there."""
        # the words _joined_outside probes start within three characters of the match
        # (and a guarded form's word, the longer words starting with it: _curated)
        self._need(text[max(0, s - 3) : e + (SEG_MAX_WORD if wrong in GUARDED_FORMS else 3)])
        typo = self._curated(text, s, wrong)
        if typo is not None:
            found.setdefault(typo.start, typo)

    def _analyse_run(self, run: str, flags: int) -> tuple[Typo, ...]:
        """The model's and the particle patterns' typos in one run, offsets within the run.

        A run's analysis depends only on its characters and on ``flags`` (bit 0/1: a Latin
        letter or digit just before/after it, bit 2/3: a name dot), so it is cached per run:
        templated data and real SFT data repeat clauses (a system prompt's sentences, a
        knowledge-base paragraph, boilerplate) far more often than whole lines.
        """
        found: dict[int, Typo] = {}
        for typo in self._scan_run(run, 0, _SIDES[flags & 3], _SIDES[flags >> 2]):
            found.setdefault(typo.start, typo)
        if has_particle(run):
            for typo in self._particles(run, 0):
                found.setdefault(typo.start, typo)
        return tuple(found.values()) if found else ()

    def _particles(self, run: str, off: int) -> Iterator[Typo]:
        """Misused 的/地/得 (:mod:`sftlint.analysis.text.particles`), as typos of source ``"grammar"``."""
        pos = self.pos
        for i, right, before, after in particle_typos(run, self._ends, lambda w: pos.get(w, "")):
            yield Typo(off + i, off + i + 1, run[i], right, before, after, 99.0, "grammar")

    def _ends(self, s: str) -> list[int]:
        return self._segment(s)[1]

    def _masked(self, text: str) -> set[int]:
        out: set[int] = set()
        if self._white_re is not None:
            for m in self._white_re.finditer(text):
                out.update(range(m.start(), m.end()))
        return out

    def _curated(self, text: str, start: int, wrong: str) -> Typo | None:
        right = CURATED[wrong]
        diff = [i for i, (a, b) in enumerate(zip(wrong, right, strict=False)) if a != b]
        if not diff or len(wrong) != len(right):
            return None
        lo, hi = diff[0], diff[-1] + 1
        # Guard: a dictionary word joining a character of the match to one
        # outside it means the match straddles a word boundary (想必竟然
        # holds 必竟, 工作崇拜 holds 作崇, 以经济 holds 以经): legal text.
        # Four-character idioms are too specific to arise by accident.  A guarded form (因该先,
        # 从新设置: GUARDED) is guarded whatever its length, and left alone before a noun
        # phrase's 的 or 中 (从新安装的应用中).
        guarded = wrong in GUARDED_FORMS
        end = start + len(wrong)
        if guarded:
            if end < len(text) and text[end] in GUARD_AFTER:
                return None
            # the word after the pair must be a word of its own or begin an adverb (因该很快): a
            # dictionary word that goes on past it (因该要件, 在次联系人, 因该先生) makes the pair
            # a preposition and a determiner before a noun
            t = start + 2
            pos = self.pos
            for k in range(end + 1, min(len(text), t + SEG_MAX_WORD) + 1):
                if text[t:k] in self.freq and pos.get(text[t:k]) != "d":
                    return None
        if self.use_model and len(wrong) < 4 and not guarded and self._joined_outside(text, start, end):
            return None
        if self.use_model and guarded and self._joined_outside(text, start, start + 1):
            return None  # a word ending on the pair's first character (自从新, 原因该)
        return Typo(start + lo, start + hi, wrong[lo:hi], right[lo:hi], wrong, right, 99.0, "list")

    def _joined_outside(self, text: str, s: int, e: int) -> bool:
        n = len(text)
        for L in range(2, 5):
            for st in range(max(0, s - L + 1), min(e, n - L + 1)):
                if s <= st and st + L <= e:
                    continue
                if self.freq.get(text[st : st + L], 0) >= 20:
                    return True
        return False

    def _uncovered(self, run: str) -> list[int]:
        """Positions of ``run`` that no 2-4 character dictionary word covers."""
        native = self._native
        if native is not None:
            return native.uncovered(run)
        return self._uncovered_py(run)

    def _uncovered_py(self, run: str) -> list[int]:
        """:meth:`_uncovered` in Python (the reference of ``NATIVE.uncovered``)."""
        lex, prefix2 = self.freq, self.prefix2
        out = []
        reach = 0
        n = len(run)
        for i in range(n):
            b = run[i : i + 2]
            if b in prefix2:
                if run[i : i + 4] in lex:
                    e = i + 4
                elif run[i : i + 3] in lex:
                    e = i + 3
                elif b in lex:
                    e = i + 2
                else:
                    e = 0
                if e > reach:
                    reach = e
            if reach <= i:
                out.append(i)
        return out

    def _logp(self, w: str) -> float:
        f = self.freq.get(w)
        if f is None:
            return -self.logtotal
        return math.log(f) - self.logtotal

    def _segment(self, s: str) -> tuple[float, list[int]]:
        """Best unigram segmentation of ``s``: (log-probability, word end offsets)."""
        native = self._native
        if native is not None:
            return native.segment(s)
        return self._segment_py(s)

    def _segment_py(self, s: str) -> tuple[float, list[int]]:
        """:meth:`_segment` in Python (the reference of ``NATIVE.Model.segment``)."""
        n = len(s)
        best = [0.0] * (n + 1)
        nxt = [0] * (n + 1)
        self._fill(s, n - 1, best, nxt)
        return best[0], _ends_of(nxt, n)

    def _fill(self, s: str, top: int, best: list[float], nxt: list[int]) -> None:
        """:meth:`_segment`'s dynamic programme, from position ``top`` of ``s`` down to 0:
        ``best[i]`` the log-probability of the best segmentation of ``s[i:]``, ``nxt[i]`` the
        end of its first word.  Both read only positions after ``i``, so the positions after
        ``top`` may come from another string that ends like ``s`` (:meth:`_features` corrects
        one character and fills again only up to it, with the same operations)."""
        n = len(s)
        freq, logtotal, prefix, log = self.freq, self.logtotal, self.prefix2, math.log
        for i in range(top, -1, -1):
            f = freq.get(s[i])
            b = (log(f) if f else 0.0) - logtotal + best[i + 1]
            e = i + 1
            if s[i : i + 2] in prefix:
                for j in range(i + 2, min(n, i + SEG_MAX_WORD) + 1):
                    f = freq.get(s[i:j])
                    if f:
                        v = log(f) - logtotal + best[j]
                        if v > b:
                            b, e = v, j
            best[i] = b
            nxt[i] = e

    def _gains_below(self, ctx: str, p: int, rights: list[str], limit: float) -> bool:
        """:meth:`_gains_below_py`, by the native kernel where there is one."""
        native = self._native
        if native is not None:
            return native.gains_below(ctx, p, rights, limit)
        return self._gains_below_py(ctx, p, rights, limit)

    def _gains_below_py(self, ctx: str, p: int, rights: list[str], limit: float) -> bool:
        """Whether replacing ``ctx[p]`` by each of ``rights`` provably raises the best
        segmentation's log-probability (:meth:`_features`' gain) by less than ``limit``.

        The best segmentation of the corrected context has one word ``W`` over position ``p``
        (a dictionary word of 2-5 characters, or the character alone).  Its other words are
        words of ``ctx`` too, so ``ctx`` segmented into them and ``W``'s characters one by one
        scores its log-probability less ``W``'s plus those characters' (the best segmentation
        of ``ctx`` scores at least that).  The gain is therefore at most the largest
        ``log P(W) - sum(log P(c) for c in ctx[W])`` over the words ``W`` the correction makes
        around ``p``: a few dictionary probes and no segmentation.  Most suspects with a
        proposal gain far less than :data:`MIN_GAIN` and are settled here.
        """
        freq, prefix, logtotal, log = self.freq, self.prefix2, self.logtotal, math.log
        m = len(ctx)
        lo = max(0, p - SEG_MAX_WORD + 1)
        hi = min(m, p + SEG_MAX_WORD)
        # cost[k - lo]: minus the summed one-character log-probabilities of ctx[lo:k]
        cost = [0.0]
        total = 0.0
        for ch in ctx[lo:hi]:
            f = freq.get(ch)
            total -= (log(f) if f else 0.0) - logtotal
            cost.append(total)
        alone = cost[p + 1 - lo] - cost[p - lo]  # minus the suspect's own log-probability
        for r in rights:
            f = freq.get(r)
            if (log(f) if f else 0.0) - logtotal + alone >= limit:
                return False
            fixed = ctx[:p] + r + ctx[p + 1 :]
            for s in range(lo, p + 1):
                if fixed[s : s + 2] in prefix:
                    for e in range(max(p + 1, s + 2), min(m, s + SEG_MAX_WORD) + 1):
                        f = freq.get(fixed[s:e])
                        if f and log(f) - logtotal + cost[e - lo] - cost[s - lo] >= limit:
                            return False
        return True

    def _rescore_py(self, ctx: str, p: int, rights: list[str]) -> tuple[float, list[tuple[float, int, int]]]:
        """The segmentations :meth:`_features` compares (the reference of
        ``NATIVE.Model.rescore``): the best segmentation's log-probability of ``ctx``, and for
        each correction ``r`` of ``ctx[p]`` that of the corrected context with the start and
        end of its word holding ``p``."""
        m = len(ctx)
        base_best = [0.0] * (m + 1)
        base_nxt = [0] * (m + 1)
        self._fill(ctx, m - 1, base_best, base_nxt)
        out = []
        for r in rights:
            ctx2 = ctx[:p] + r + ctx[p + 1 :]
            # the corrected context ends like ctx after the corrected character: only the
            # positions up to it are segmented again
            best = base_best.copy()
            nxt = base_nxt.copy()
            self._fill(ctx2, p, best, nxt)
            # the word of the corrected segmentation that holds the new character
            st = 0
            for e in _ends_of(nxt, m):
                if e > p:
                    break
                st = e
            out.append((best[0], st, e))
        return base_best[0], out

    def _proposals(self, run: str, i: int) -> dict[str, tuple[bool, int, str]]:
        """Characters that could replace ``run[i]``.

        ``{char: (exact homophone?, count of the best word it makes, that word)}``.
        """
        if self._native is not None:
            return self._frames_table().proposals(
                run, i, self.fuzzy, self.readings, self.index, self.freq, VARIANT_PAIRS
            )
        return self._proposals_py(run, i)

    def _proposals_py(self, run: str, i: int) -> dict[str, tuple[bool, int, str]]:
        """:meth:`_proposals` in Python (the reference of ``NATIVE.Frames.proposals``)."""
        c = run[i]
        codes = self.fuzzy.get(c)
        if not codes:
            return {}
        index, freq, readings = self.index, self.freq, self.readings
        out: dict[str, tuple[bool, int, str]] = {}
        own = readings.get(c, "")
        left, right = run[i - 1 : i], run[i + 1 : i + 2]
        need = self._need
        lazy = need is not _no_need  # on the store, blocks are read before each lookup
        if not lazy:
            frames = self._frames
            if frames is None:
                frames = self._frames = code_frames(index, self.fuzzy)
            starts, ends, middles = frames
        # the windows of 2-4 characters holding the suspect: up to three characters before it
        # and after it, in the order of _WINDOWS
        windows = _WINDOWS[min(i, 3), min(len(run) - 1 - i, 3)]
        heads = ("", left, run[max(0, i - 2) : i], run[max(0, i - 3) : i])
        tails = ("", right, run[i + 1 : i + 3], run[i + 1 : i + 4])
        for k in codes:
            if lazy:
                need(left + k + right)
                shapes: tuple[bool, bool, bool] = (True, True, True)
            else:
                # a key with the sound code at its end holds the code after the left neighbour,
                # one with it at its start the code before the right neighbour, one with it
                # inside both (code_frames): a window of no possible shape is not looked up
                # (most suspects: no index lookup at all)
                shapes = (left + k in ends, k + right in starts, left + k + right in middles)
                if shapes == (False, False, False):
                    continue
            for h, t, shape in windows:
                if not shapes[shape]:
                    continue  # not a key: see above
                head, tail = heads[h], tails[t]
                hit = index.get(head + k + tail)
                if not hit:
                    continue
                for r in hit:
                    if r == c or (c, r) in VARIANT_PAIRS:
                        continue
                    if lazy:
                        need(left + r + right)
                    word = head + r + tail
                    f = freq.get(word, 0)
                    prev = out.get(r)
                    if prev is None:
                        # exact: the suspect's usual reading is one of the correction's;
                        # an IME offers a character under its usual reading, not under a
                        # rare one (汤 is tang, not the literary shang of 商)
                        out[r] = (own[:1] in readings.get(r, "") if own else False, f, word)
                    elif f > prev[1]:
                        out[r] = (prev[0], f, word)
        return out

    def _features(
        self, run: str, i: int, unc: list[int], adj: tuple[bool, bool] = (False, False)
    ) -> list[dict[str, Any]]:
        c = run[i]
        # Rare characters are left alone: they are names, terms of art
        # (疣, 蛎, 唑) or deliberate, and an IME rarely offers them by mistake.
        # Less rare ones only for the strongest evidence (below), and never when
        # they are name characters (鲍, 邢: 鲍玉慧 is not 宝玉).
        cf_c = self.char_freq.get(c, 0)
        if cf_c < MIN_RARE_CHAR_FREQ or (cf_c < MIN_CHAR_FREQ and c in self.name_chars):
            return []
        # A name suffix after a character (博氏, 革兰氏) makes an eponym, not a broken word.
        if i > 0 and c in NAME_SUFFIXES:
            return []
        # The same character again within two places is a frame (越读越好, 又哭又笑, 一步一步)
        # or a repetition (操操操, 哈哈): the writer chose it twice, it is not a slip.
        if c in run[max(0, i - 2) : i] or c in run[i + 1 : i + 3]:
            return []
        # Function characters that nearly always stand alone (吗, 的, 了) are
        # alone by grammar, not because a word broke.
        if self.alone.get(c, 0.25) >= MAX_ALONE:  # self._alone(c)
            return []
        n = len(run)
        # Next to Latin letters or digits (T恤, X光, 3D打印): a product or model name.
        if (i == 0 and adj[0]) or (i == n - 1 and adj[1]):
            return []
        props = self._proposals(run, i)
        # A correction must make a reasonably common word; score the few best.
        good = sorted(
            ((f, r, exact, w) for r, (exact, f, w) in props.items() if f >= MIN_WORD_FREQ), reverse=True
        )[:MAX_PROPOSALS]
        if not good:
            return []
        a, b = max(0, i - CONTEXT), min(n, i + CONTEXT + 1)
        ctx = run[a:b]
        p = i - a
        rights = [r for _, r, _, _ in good]
        if self._gains_below(ctx, p, rights, MIN_GAIN - _ROUNDING):
            return []  # no correction can gain enough: what follows would find that too
        native = self._native
        base, segs = (
            native.rescore(ctx, p, rights) if native is not None else self._rescore_py(ctx, p, rights)
        )
        scored = []
        for (f, r, exact, wmax), (lp, st, e) in zip(good, segs, strict=True):
            ctx2 = ctx[:p] + r + ctx[p + 1 :]
            scored.append((lp - base, r, exact, ctx2[st:e], st + a, e + a, f, wmax))
        scored.sort(key=lambda x: -x[0])
        gain, r, exact, word, ws, we, f, wmax = scored[0]
        if gain < MIN_GAIN or word in self.persons:
            return []  # too little gain, or the correction makes another person's name (王志俊 -> 王志军)
        if cf_c < MIN_CHAR_FREQ and (not exact or math.log1p(f) < RARE_MIN_LOG_WORD):
            return []
        second = scored[1][0] if len(scored) > 1 else -20.0
        cf = self.char_freq
        feats = {
            "gain": gain,
            "Lw": len(word),
            "sc": math.log1p(self.freq.get(c, 0)),
            "cfc": math.log1p(cf.get(c, 0)),
            "cfr": math.log1p(cf.get(r, 0)),
            "exact": 1.0 if exact else 0.0,
            "margin": min(gain - second, 10.0),
            "nunc": sum(1 for j in unc if j != i and abs(j - i) <= 2),
            "sur": 1.0 if (i > 0 and run[i - 1] in SURNAMES and (i - 1) in unc) else 0.0,
            "edge": 1.0 if (i == 0 or i == n - 1) else 0.0,
            "lwmax": math.log1p(f),
            "ncand": len(props),
            "alone": self._alone(c),
            "proper": 1.0 if (wmax in self.proper or word in self.proper) else 0.0,
        }
        return [{"i": i, "right": r, "before": run[ws:we], "after": word, "span": (ws, we), "feats": feats}]

    def _askable(self, run: str, unc: list[int]) -> list[int]:
        """The positions of ``unc`` where :meth:`_features` may find a proposal (a whole model):
        the character can be a suspect (:meth:`_suspect_chars`) and a window around it can be
        a key of the homophone index under one of its codes (:func:`code_frames`, the test
        :meth:`_proposals` makes first).  Elsewhere it finds nothing: on real text four
        uncovered positions in five are settled here without a call."""
        able = self._able
        if able is None:
            able = self._able = self._suspect_chars()
        frames = self._frames
        if frames is None:
            frames = self._frames = code_frames(self.index, self.fuzzy)
        if self._native is not None:
            return self._frames_table().askable(run, unc)
        return self._askable_py(run, unc)

    def _frames_table(self) -> Any:
        """The native kernels' table of the frames and suspect characters (a whole model's)."""
        kernel = self._native_frames
        if kernel is None:
            if self._able is None:
                self._able = self._suspect_chars()
            if self._frames is None:
                self._frames = code_frames(self.index, self.fuzzy)
            kernel = self._native_frames = NATIVE.Frames(self._able, *self._frames)
        return kernel

    def _askable_py(self, run: str, unc: list[int]) -> list[int]:
        """:meth:`_askable` in Python (the reference of ``NATIVE.Frames.askable``), once the
        tables it reads are made."""
        able = self._able
        assert able is not None and self._frames is not None
        starts, ends, middles = self._frames
        out = []
        for i in unc:
            codes = able.get(run[i])
            if codes:
                left, right = run[i - 1 : i], run[i + 1 : i + 2]
                for k in codes:
                    with_left = left + k
                    if with_left in ends or k + right in starts or with_left + right in middles:
                        out.append(i)
                        break
        return out

    def _suspect_chars(self) -> dict[str, str]:
        """The characters :meth:`_features` does not turn down by themselves, whatever their
        context, with their sound codes: common enough (and, if less common, not a name
        character), not alone by grammar, with a sound code.  Any other character yields no
        proposal (about half the uncovered positions of real text hold one)."""
        cf, names, fuzzy = self.char_freq, self.name_chars, self.fuzzy
        return {
            c: fuzzy[c]
            for c, f in cf.items()
            if f >= MIN_RARE_CHAR_FREQ
            and not (f < MIN_CHAR_FREQ and c in names)
            and self._alone(c) < MAX_ALONE
            and fuzzy.get(c)
        }

    def _alone(self, ch: str) -> float:
        """How often ``ch`` stands alone as a one-character word (jieba's HMM, 0..1).

        A typo is a character left stranded by the word it broke, and a
        character that rarely stands alone (径, 章) is better evidence than
        one that often does (养, 球, 的).
        """
        return self.alone.get(ch, 0.25)

    def _score(self, feats: dict[str, float]) -> float:
        w = WEIGHTS
        return w["bias"] + sum(w[k] * v for k, v in design(feats).items())

    def _winners(self, run: str, adj: tuple[bool, bool] = (False, False)) -> list[dict[str, Any]]:
        """One proposal per suspect, overlapping suspects resolved jointly.

        Suspects are taken in order of segmentation gain; once one is
        accepted, the others near it are re-scored on the text with that
        correction applied (解示: 示->释 makes 解释, after which 解->揭 gains
        nothing), so a broken word yields one finding at the right place.
        """
        unc = self._uncovered(run)
        if not unc:
            return []
        asked = self._askable(run, unc) if self._need is _no_need else unc
        cands = [c for i in asked for c in self._features(run, i, unc, adj)]
        if not cands:
            return []
        self._proposed += len(cands)
        # A neighbour that could just as well be the typo (医元: 医->亿 makes 亿元,
        # 元->院 makes 医院) makes either reading less certain.
        for c in cands:
            c["feats"]["rival"] = max(
                (o["feats"]["gain"] for o in cands if o is not c and abs(o["i"] - c["i"]) == 1), default=0.0
            )
        # When the neighbour's correction makes a word that keeps this character as
        # written (亿元 for 医元 against 医院) and gains nearly as much, the two are
        # rival readings of one broken pair and neither is reported.
        cands = [c for c in cands if not any(self._rivals(c, o) for o in cands)]
        cands.sort(key=lambda c: -c["feats"]["gain"])
        accepted: list[dict[str, Any]] = []
        fixed = list(run)
        for cand in cands:
            i = cand["i"]
            if any(abs(a["i"] - i) <= CONTEXT for a in accepted):
                again = [
                    c for c in self._features("".join(fixed), i, unc, adj) if c["right"] == cand["right"]
                ]
                if not again or again[0]["feats"]["gain"] < MIN_GAIN:
                    continue
                again[0]["feats"]["rival"] = cand["feats"]["rival"]
                cand = again[0]
            accepted.append(cand)
            fixed[i] = cand["right"]
        return accepted

    def _extends(self, run: str, cand: dict[str, Any]) -> bool:
        """Whether the correction only lengthens a word the text already has (怎么养 -> 怎么样).

        Repairing a broken word is the typical typo; growing an intact one (怎么 by
        养, 北京 by 乘) is weaker evidence.
        """
        ws, we = cand["span"]
        i = cand["i"]
        if i == ws:
            rest = run[i + 1 : we]
        elif i == we - 1:
            rest = run[ws:i]
        else:
            return False
        return len(rest) >= 2 and bool(self.freq.get(rest))

    def _kept_reading(self, run: str, cand: dict[str, Any]) -> tuple[int, str, str] | None:
        """Another repair of the same three characters that keeps the suspect as written.

        ``(position, character, word)``: the corrected word grows an intact word (念 + 球菌 ->
        链球菌), and replacing one character of that intact word instead makes a known word
        that holds the suspect (念珠菌).  Such words are found by any one character, not by
        sound (珠 and 球 do not sound alike), in the model's three-character words
        (:meth:`_hole_fillers`).
        """
        ws, we = cand["span"]
        i = cand["i"]
        word = run[ws:we]
        if len(word) != 3:
            return None
        freq = self.freq
        best: tuple[int, int, str, str] | None = None
        for k in range(3):
            j = ws + k
            if j == i:
                continue
            for ch in self._hole_fillers(k, word[:k] + word[k + 1 :]):
                if ch == word[k]:
                    continue
                other = word[:k] + ch + word[k + 1 :]
                self._need(other)  # on the store, its block may not have been read yet
                f = freq.get(other, 0)
                if not f or other in self.proper or other in self.persons:
                    continue  # only a word with a count, never a name
                if best is None or f > best[0]:
                    best = (f, j, ch, other)
        return None if best is None else best[1:]

    def _hole_fillers(self, k: int, pair: str) -> str:
        """The characters that make a three-character word of the whole model with ``pair``
        around them, the hole at ``k`` (in the model's word order).  Each process searches
        the list of three-character words for its first few questions
        (:data:`HOLES_INDEX_AFTER`), then builds the index of every hole."""
        global _THREE, _HOLES, _hole_searches
        if _HOLES is None:
            if _hole_searches < HOLES_INDEX_AFTER:
                _hole_searches += 1
                if _THREE is None:
                    _THREE = "\n" + "\n".join([w for w in self._whole_freq() if len(w) == 3]) + "\n"
                return hole_fillers(_THREE, k, pair)
            _HOLES = three_holes(self._whole_freq())
            _THREE = None  # the index answers from now on: the word list is not needed again
        return _HOLES.get((k, pair), "")

    def _whole_freq(self) -> dict[str, int]:
        """The whole model's word counts (loaded now on the store)."""
        if self._lazy is not None and self.mode == "lazy":
            from sftlint.analysis.text.typo_model import load_model

            if self._lazy.full is None:
                self._lazy.full = load_model()
            return self._lazy.full["freq"]
        return self.freq

    def _strands_rare(self, run: str, i: int, right: str, span: tuple[int, int]) -> bool:
        """Whether the correction leaves a rare character right beside the suspect uncovered
        (严歌苓 -> 严格 + 苓): a word repaired by a typo fix reads on into its neighbours, while
        a name or a term goes on with a character the correction cannot place (rare: summed
        count under :data:`MIN_CHAR_FREQ`, the bar for less rare suspects)."""
        fixed = run[:i] + right + run[i + 1 :]
        unc = None
        for j in (span[0] - 1, span[1]):
            if abs(j - i) == 1 and 0 <= j < len(run) and self.char_freq.get(run[j], 0) < MIN_CHAR_FREQ:
                if unc is None:
                    unc = set(self._uncovered(fixed))
                if j in unc:
                    return True
        return False

    def _parallel_item(self, run: str, i: int, span: tuple[int, int]) -> bool:
        """Whether ``run[i]`` modifies the head of a coordination item that the other item
        shares (凌星法或径向速度法, 褐蘑菇或香菇, 甲型和乙型): the items name things of one kind
        (methods, mushrooms), so each modifier is a name of that kind (the transit method, the
        brown mushroom), which a dictionary often lacks; a correction that reaches for a
        common word across it (凌星 -> 零星, 如褐 -> 如何) breaks the parallel.

        The run is segmented; around each coordinator word (或, 和, 与 ...) the head of the
        left item is the character just before it, and the right item shares it when a word
        ending in the same character ends within :data:`PARALLEL_SPAN` characters after it
        (径向速度法).  The suspect must sit within :data:`PARALLEL_REACH` characters before
        one of these heads, in its own item, and the correction's word must not reach the head.
        The head itself is vouched for by the other item, which ends with it too (镇静剂和止惊剂:
        惊剂 -> 惊悸 would break the shared 剂 of a term the dictionary lacks).
        """
        _, ends = self._segment(run)
        word_end = set(ends)
        start = 0
        for end in ends:
            cs, ce = start, end
            start = end
            if run[cs:ce] not in COORDINATORS or cs < 2:
                continue
            left = cs - 1
            h = run[left]
            right = next(
                (
                    p
                    for p in range(ce + 1, min(len(run), ce + PARALLEL_SPAN))
                    if run[p] == h and p + 1 in word_end
                ),
                None,
            )
            if right is None:
                continue
            if i in (left, right):
                return True  # the shared head itself (镇静剂和止惊剂): the other item writes it too
            for head, lo in ((left, 0), (right, ce)):
                if max(lo, head - PARALLEL_REACH) <= i < head and span[0] >= lo and span[1] <= head:
                    return True
        return False

    def known(self, word: str) -> bool:
        """Whether ``word`` is a word of the model's dictionary."""
        self._need(word)
        return word in self.freq

    def _is_verb(self, ch: str) -> bool:
        """Whether the lexicon tags the one-character word ``ch`` as a verb (jieba's ``v``)."""
        self._need(ch)
        return self.pos.get(ch, "").startswith("v")

    def _rare(self, ch: str) -> bool:
        """Whether ``ch`` is too rare ever to be a suspect (:data:`MIN_RARE_CHAR_FREQ`)."""
        self._need(ch)
        return self.char_freq.get(ch, 0) < MIN_RARE_CHAR_FREQ

    @staticmethod
    def _rivals(c: dict[str, Any], o: dict[str, Any]) -> bool:
        """Whether ``o`` (next to ``c``) is a correction as good as ``c`` that keeps ``c``'s character."""
        i = c["i"]
        return (
            abs(o["i"] - i) == 1
            and o["span"][0] <= i < o["span"][1]
            and c["feats"]["gain"] - o["feats"]["gain"] < RIVAL_MARGIN
        )

    def _scan_run(
        self,
        run: str,
        off: int,
        adj: tuple[bool, bool] = (False, False),
        dots: tuple[bool, bool] = (False, False),
    ) -> list[Typo]:
        out = []
        for cand in self._winners(run, adj):
            score = self._score(cand["feats"])
            if score < self.threshold:
                continue
            extends = self._extends(run, cand)
            if extends and len(cand["after"]) == 3 and not cand["feats"]["exact"]:
                kept = self._kept_reading(run, cand)
                if kept is not None:
                    # Two one-character repairs make the three characters a word: a near
                    # homophone for the stranded character, or another character that keeps
                    # it (念球菌: 念珠菌, not 链球菌): the text's own character is the better
                    # evidence.
                    j, right, word = kept
                    out.append(
                        Typo(off + j, off + j + 1, run[j], right, cand["before"], word, score, "model")
                    )
                    continue
            extra = EXTENSION_EXTRA_3 if len(cand["after"]) == 3 else EXTENSION_EXTRA
            if score < self.threshold + extra and extends:
                continue
            feats = cand["feats"]
            if feats["edge"] and not feats["nunc"] and score < self.threshold + LONE_EDGE_EXTRA:
                continue  # a lone last character beside intact words (切成粒, 制造出趣): a word of its own
            if len(run) == 2 and score < self.threshold + SHORT_RUN_EXTRA:
                continue  # a two-character run (素食、生餐、低糖): no context supports the word
            i = cand["i"]
            if self._strands_rare(run, i, cand["right"], cand["span"]):
                continue  # 严歌苓 -> 严格苓: the rare 苓 stays stranded, a name goes on
            if self._parallel_item(run, i, cand["span"]):
                continue  # 凌星法或径向速度法: a term parallel to its sibling, not a slip
            if in_foreign_name(run, i, cand["after"], dots) or transliterated_word(cand["before"]):
                continue  # a transliterated name, not a broken word
            if (dots[0] or dots[1]) and takes_from_dotted_name(run, i, cand["span"], dots):
                continue  # （蒂姆·柯瑞饰）: the correction would take a character of the name
            if len(cand["before"]) == 2 and cand["before"] in self.prefix2:
                continue  # the pair begins a word the lexicons know (播客, 显式): attested text
            if all(c in NUMERALS for c in cand["after"]):
                continue  # 二室一厅 -> 二十一: a unit counted between numerals, not a slip in a number
            right = cand["right"]
            if right in run[i - 1 : i] or right in run[i + 1 : i + 2]:
                # 缺德娃挖的 -> 娃娃: the correction only doubles its neighbour.  An IME offers the
                # doubled word (娃娃, 妈妈) for the syllable typed twice; two different characters
                # of one sound side by side are two picks, each its own word.
                continue
            if i + 1 < len(run) and run[i + 1] in VERB_MEASURES and self._is_verb(run[i]):
                continue  # 寄个快递 -> 几个: a verb with a measure of its object (V个N), not a number
            if score < self.threshold + RARE_RIGHT_EXTRA and self._rare(right):
                continue  # 音哑 -> 喑哑: the everyday character for a rare one, written on purpose
            out.append(
                Typo(
                    off + i, off + i + 1, run[i], cand["right"], cand["before"], cand["after"], score, "model"
                )
            )
        return out
