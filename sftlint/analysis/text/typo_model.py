"""The typo detector's prepared model: built once from jieba and pypinyin data, then cached.

Only data that ships inside the installed packages is used (jieba's
``dict.txt`` and ``analyse/idf.txt``, pypinyin's ``pinyin_dict.json`` and
``phrases_dict.json``); nothing is downloaded.

The central structure is a *homophone index*.  For every dictionary word of
2-4 characters and every position in it, the key is the word with that one
character replaced by a code for its pronunciation, and the value is the
characters that fill the hole: ``<yi> + "经"`` -> ``"已"``.  At run time,
a suspicious character in a text is replaced by the code of its own
pronunciation and the windows around it are looked up: one dictionary probe
per window finds every same-sounding character that turns the window into a
word, instead of trying each homophone in turn.  The codes are "fuzzy"
pronunciations (zh/z, -ng/-n, n/l ... collapsed), so near homophones are
found by the same probe; the detector tells exact from near afterwards.

Pronunciation codes are single private-use characters, so keys are ordinary
short strings and the whole model is a handful of dicts that :mod:`marshal`
loads in well under a second.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import math
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sftlint.analysis.text.cache import (
    cache_key,
    cache_path,
    content_digest,
    load_or_build,
    remove_others,
    touch,
)
from sftlint.analysis.text.particles import VERBAL_TAGS
from sftlint.analysis.text.typo_data import DOMAIN_WORDS, MODERN_WORDS, SURNAMES
from sftlint.analysis.text.typo_store import Store, write_store
from sftlint.analysis.text.zh import HAN_RUN, fuzzy_syllable, strip_tone

#: Bump when the model's layout or content rules change (invalidates caches).
MODEL_VERSION = 15
#: The package data files the model is built from (their content keys the cache).
SOURCES = (
    ("jieba", "dict.txt"),
    ("jieba", "analyse/idf.txt"),
    ("jieba", "finalseg/prob_emit.p"),
    ("pypinyin", "pinyin_dict.json"),
    ("pypinyin", "phrases_dict.json"),
)
#: Words shorter or longer than this are not correction targets.
MIN_WORD, MAX_WORD = 2, 4
#: Words this rare (jieba counts) are not offered as corrections (the detector's MIN_WORD_FREQ).
MIN_INDEX_FREQ = 20
#: Longest word used when scoring segmentations.
MAX_SEG_WORD = 7

#: jieba-style count given to the built-in modern words (a middling word).
MODERN_FREQ = 500
#: Least jieba-style count of the customer-service words (a common word).
DOMAIN_FREQ = 10000
#: jieba part-of-speech tags of proper nouns, and the frequency below which they count as rare.
PROPER_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})
PROPER_MAX_FREQ = 100
#: A character that begins this many names, or whose dictionary words are at least this
#: share names, is a name character (:func:`_name_chars`).
NAME_STARTS, NAME_SHARE = 10, 0.5
#: Word classes kept for the 的/地/得 patterns (:mod:`sftlint.analysis.text.particles`).
POS_KEPT = VERBAL_TAGS | {"r"}

_EXACT_BASE = 0xE000  # private-use code points for exact syllables
_FUZZY_BASE = 0xE800  # ... and for fuzzy syllable classes


def _package_lines(package: str, name: str) -> Iterator[str]:
    """Lines of a data file shipped inside ``package``, streamed (no big list in memory)."""
    from importlib import resources  # only to build the model: a cached model never needs it

    with (resources.files(package) / name).open("r", encoding="utf-8") as fh:
        yield from fh


def _package_text(package: str, name: str) -> str:
    from importlib import resources

    return (resources.files(package) / name).read_text(encoding="utf-8")


def _source_files() -> list[str | None]:
    """Where each of :data:`SOURCES` is installed (None where its package is not).

    Found without importing jieba or pypinyin (and without a package-metadata scan)."""
    bases: dict[str, str | None] = {}
    out: list[str | None] = []
    for package, name in SOURCES:
        if package not in bases:
            try:
                spec = importlib.util.find_spec(package)
            except (ImportError, ValueError):
                spec = None
            locations = list(spec.submodule_search_locations or ()) if spec else []
            bases[package] = locations[0] if locations else None
        base = bases[package]
        out.append(os.path.join(base, name) if base else None)
    return out


def model_key() -> str:
    """The model's cache key: our model version and word lists, and the *content* of the data
    files (:func:`~sftlint.analysis.text.cache.content_digest`), not where or when they were
    installed, so every environment holding the same data shares one model."""
    words = (" ".join(MODERN_WORDS), MODERN_FREQ, " ".join(DOMAIN_WORDS), DOMAIN_FREQ)
    data = content_digest("typo-data", _source_files())
    return cache_key("typo-model", MODEL_VERSION, data, *words)


def store_path(key: str | None = None) -> Path:
    """Where the memory-mapped form of the model lives."""
    return cache_path("typo-store", key or model_key()).with_suffix(".bin")


#: The model's two forms share a key and are kept or deleted together.
_MODEL_FILES, _STORE_FILES = "typo-model-*.marshal", "typo-store-*.bin"


def _is_model(value: Any) -> bool:
    """Whether a cached value is a whole model of this version (not a damaged or foreign file)."""
    return (
        isinstance(value, dict)
        and value.get("version") == MODEL_VERSION
        and isinstance(value.get("freq"), dict)
    )


def load_model() -> dict[str, Any]:
    """The whole prepared model in memory, from the cache or freshly built (and then cached).

    Where it is not cached, a forked child builds and caches it, and this process reads it
    from the cache as a later run would (:func:`_build_in_child`)."""
    key = model_key()
    if not cache_path("typo-model", key).exists():
        _build_in_child(key)
    return _load_or_build(key)


#: Whether this process has tried a child build already (once is enough: a child that could
#: not cache the model would not do better a second time).
_child_tried = False


def _load_or_build(key: str) -> dict[str, Any]:
    model: dict[str, Any] = load_or_build(
        "typo-model", key, lambda: _build(key), valid=_is_model, companions=(_STORE_FILES,)
    )
    return model


def _build_in_child(key: str) -> None:
    """Build and cache the model in a forked child, where the platform forks.

    A process that builds the model holds, to its end, the whole dict form (a cached run opens
    the memory-mapped store instead) and much of what the build read (pypinyin's and jieba's
    data: Python's allocator keeps the arenas that long-lived strings pin).  On a fresh machine
    100,000 short records peaked at 412 MB where a run with the model cached took 240 MB, and a
    gigabyte of them at 653 MB, over issue 19's 500.  The child's memory goes back when it
    exits, and this process opens the store the child wrote.  A child that
    cannot be forked (a daemonic ``--jobs`` worker, a platform without fork, a process running
    other threads), fails, or cannot write the cache leaves the build to this process, as
    before."""
    global _child_tried
    if _child_tried:
        return
    _child_tried = True
    import multiprocessing
    import threading

    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return  # (forking a process that runs other threads is unsafe: the Python API's callers')
    folder = cache_path("typo-model", key).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    if not os.access(folder, os.W_OK):  # the child's model could not come back through it
        return
    from sftlint.run.forked import fork_with_pipe

    try:
        started = fork_with_pipe(_build_for_parent, key)
    except (AssertionError, ValueError):  # a daemonic process may not have children
        return
    if started is None:
        return
    child, receive = started
    try:
        receive.recv()
    except (EOFError, OSError):  # the child failed: this process builds the model
        pass
    except BaseException:  # stopped (Ctrl-C, SIGTERM): the child's build is not wanted
        child.kill()
        raise
    finally:
        receive.close()
        child.join()


def _build_for_parent(key: str, send: Any) -> None:
    """A child's work for :func:`_build_in_child`: build and cache the model, then say so."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    try:
        _load_or_build(key)
        send.send(True)
    except BaseException:  # nothing sent: the parent builds the model itself
        pass
    finally:
        send.close()


def _build(key: str) -> dict[str, Any]:
    """Build the model and write its block store beside it (``load_or_build`` caches the whole form)."""
    model = build_model()
    _write_store(model, store_path(key))
    return model


def open_model() -> Store | dict[str, Any]:
    """The memory-mapped store if it is cached, else the whole model (the store is then written).

    The store answers a small text with a few probes; the detector switches to
    :func:`load_model` when a big input makes loading everything pay.
    """
    key = model_key()
    path = store_path(key)
    found = _opened_store(path)
    if found is None and not _child_tried and not cache_path("typo-model", key).exists():
        _build_in_child(key)  # which writes the store too, as a cached run would find it
        found = _opened_store(path)
    if found is not None:
        return found
    model = load_model()  # a fresh build has just written the store; a cached model has not
    try:
        Store(path).close()
    except (OSError, ValueError):
        _write_store(model, path)
    return model


def _opened_store(path: Path) -> Store | None:
    """The store at ``path``, marked as just used; None where it is missing or damaged."""
    try:
        found = Store(path)
    except (OSError, ValueError):
        return None
    touch(path)
    return found


def _write_store(model: dict[str, Any], path: Path) -> None:
    try:
        meta, blocks, count = store_layout(model)
        write_store(path, meta, blocks, count)
    except OSError:
        return
    remove_others(path, _STORE_FILES, _MODEL_FILES)


def store_layout(model: dict[str, Any]) -> tuple[dict[str, Any], Iterator[tuple[str, Any]], int]:
    """The store's blocks of a whole model, made one at a time: ``(meta, blocks, count)``.

    A two-character prefix's block is ``(words, homophone-index keys, rare proper nouns,
    word classes, personal names)`` starting with it; a character's block is ``(its count as a one-character
    word or None, its summed count in words, readings, fuzzy readings, how often it stands
    alone, its word class)``.
    Sorted key lists group the strings by prefix, so only one block exists at a time.
    """
    freq: dict[str, int] = model["freq"]
    index: dict[str, str] = model["index"]
    meta = {"version": model["version"], "total": model["total"], "name_chars": model["name_chars"]}
    words = sorted(w for w in freq if len(w) >= 2)
    keys = sorted(index)
    proper = sorted(model["proper"])
    pos: dict[str, str] = model["pos"]
    persons: frozenset[str] = model["persons"]
    prefixes = sorted({w[:2] for w in words} | {k[:2] for k in keys})
    chars: dict[str, int] = model["char_freq"]

    def blocks() -> Iterator[tuple[str, Any]]:
        wi = ki = pi = 0
        for p in prefixes:
            block_words: dict[str, int] = {}
            while wi < len(words) and words[wi][:2] == p:
                block_words[words[wi]] = freq[words[wi]]
                wi += 1
            block_index: dict[str, str] = {}
            while ki < len(keys) and keys[ki][:2] == p:
                block_index[keys[ki]] = index[keys[ki]]
                ki += 1
            while pi < len(proper) and proper[pi][:2] < p:
                pi += 1  # a proper noun whose prefix has no block is never looked up
            names = []
            while pi < len(proper) and proper[pi][:2] == p:
                names.append(proper[pi])
                pi += 1
            classes = {w: pos[w] for w in block_words if w in pos}
            people = tuple(w for w in block_words if w in persons)
            yield p, (block_words, block_index, tuple(names), classes, people)
        readings, fuzzy, alone = model["readings"], model["fuzzy"], model["alone"]
        for ch, cf in chars.items():
            yield (
                ch,
                (
                    freq.get(ch),
                    cf,
                    readings.get(ch, ""),
                    fuzzy.get(ch, ""),
                    alone.get(ch, 0.25),
                    pos.get(ch, ""),
                ),
            )

    return meta, blocks(), len(prefixes) + len(chars)


def _is_han_word(word: str) -> bool:
    m = HAN_RUN.fullmatch(word)
    return m is not None


def _load_emissions() -> dict[str, dict[str, float]]:
    import pickle
    from importlib import resources

    raw = (resources.files("jieba") / "finalseg" / "prob_emit.p").read_bytes()
    table = pickle.loads(raw)
    return {state: {ch: float(v) for ch, v in table[state].items()} for state in "BMES"}


def _alone_shares(emit: dict[str, dict[str, float]], chars: Iterable[str]) -> dict[str, float]:
    """P(S) / P(B, M, E or S) per character, from the HMM's emission probabilities.

    A typo is a character left stranded by the word it broke, and a character
    that rarely stands alone (径, 章) is better evidence than one that often
    does (养, 球, 的).  Characters the HMM never saw get 0.25 (no preference).
    """
    out = {}
    for ch in chars:
        ps = math.exp(emit["S"].get(ch, -20.0))
        total = ps + sum(math.exp(emit[s].get(ch, -20.0)) for s in "BME")
        out[ch] = ps / total
    return out


def _name_chars(tags: dict[str, str]) -> str:
    """Characters of personal names (鲍, 邢, 巫): they begin many of the dictionary's
    names (tag ``nr*``), or most dictionary words holding them are names.

    A rare character of a name is never a typo suspect, whatever homophone
    would make a word of it (鲍玉慧 is not 宝玉).
    """
    starts: dict[str, int] = {}
    in_names: dict[str, int] = {}
    in_words: dict[str, int] = {}
    for word, tag in tags.items():
        name = tag.startswith("nr")
        if name:
            starts[word[0]] = starts.get(word[0], 0) + 1
        for ch in set(word):
            in_words[ch] = in_words.get(ch, 0) + 1
            if name:
                in_names[ch] = in_names.get(ch, 0) + 1
    return "".join(
        sorted(
            ch
            for ch, n in in_words.items()
            if starts.get(ch, 0) >= NAME_STARTS or (n >= 5 and in_names.get(ch, 0) >= NAME_SHARE * n)
        )
    )


def build_model() -> dict[str, Any]:
    """Build every table the detector needs from the packages' own data files."""
    freq: dict[str, int] = {}
    tags: dict[str, str] = {}
    for line in _package_lines("jieba", "dict.txt"):
        parts = line.rstrip("\n").split(" ")
        if len(parts) < 2:
            continue
        word = parts[0]
        if len(word) <= MAX_SEG_WORD and _is_han_word(word):
            try:
                freq[word] = freq.get(word, 0) + int(parts[1])
            except ValueError:
                continue
            if len(parts) > 2:
                tags[word] = parts[2]
    # Rare proper nouns (names, places, organisations): a correction that
    # turns a text into one of these is more likely another name than a typo.
    proper = frozenset(
        w
        for w, t in tags.items()
        if MIN_WORD <= len(w) <= MAX_WORD
        and t in PROPER_TAGS
        and MIN_INDEX_FREQ <= freq.get(w, 0) < PROPER_MAX_FREQ
    )
    name_chars = _name_chars(tags)
    # Personal names of the shape surname + two characters (王志军, 刘国梁): a
    # correction that makes one is another name far more often than a typo (王志俊).
    # Rarer personal names of any length (青龙帮, a gang's name, count 3): a correction that
    # only makes one (请龙帮我们 -> 青龙帮) is reading a name into ordinary text.
    persons = frozenset(
        w
        for w, t in tags.items()
        if t.startswith("nr")
        and MIN_WORD <= len(w) <= MAX_WORD
        and ((len(w) == 3 and w[0] in SURNAMES) or freq.get(w, 0) < PROPER_MAX_FREQ)
    )
    # Word classes the 的/地/得 patterns ask about (verbs, adjectives, adverbs,
    # pronouns); nouns, names and idioms, most of the dictionary, are left out.
    pos = {w: t for w, t in tags.items() if t in POS_KEPT}
    for word in MODERN_WORDS:
        if _is_han_word(word):
            freq.setdefault(word, MODERN_FREQ)
    for word in DOMAIN_WORDS:
        if _is_han_word(word) and len(word) >= MIN_WORD:
            freq[word] = max(freq.get(word, 0), DOMAIN_FREQ)
    total = sum(freq.values())

    # Readings: pypinyin's per-character list (first = most common) and the
    # readings its phrase table attests in real words.
    char_readings: dict[str, list[str]] = {}
    for code_point, value in json.loads(_package_text("pypinyin", "pinyin_dict.json")).items():
        ch = chr(int(code_point))
        readings = []
        for r in value.split(","):
            s = strip_tone(r.strip())
            if s and s not in readings:
                readings.append(s)
        if readings:
            char_readings[ch] = readings
    phrases: dict[str, list[list[str]]] = json.loads(_package_text("pypinyin", "phrases_dict.json"))
    attested: dict[str, set[str]] = {}
    for word, pys in phrases.items():
        if len(word) == len(pys):
            for ch, py in zip(word, pys, strict=False):
                attested.setdefault(ch, set()).add(strip_tone(py[0]))

    syllables: dict[str, str] = {}
    fuzzies: dict[str, str] = {}

    def code(s: str) -> str:
        c = syllables.get(s)
        if c is None:
            c = syllables[s] = chr(_EXACT_BASE + len(syllables))
        return c

    def fcode(s: str) -> str:
        f = fuzzy_syllable(s)
        c = fuzzies.get(f)
        if c is None:
            c = fuzzies[f] = chr(_FUZZY_BASE + len(fuzzies))
        return c

    def word_pinyin(word: str) -> list[str] | None:
        pys = phrases.get(word)
        if pys is not None and len(pys) == len(word):
            return [strip_tone(p[0]) for p in pys]
        out = []
        for ch in word:
            r = char_readings.get(ch)
            if not r:
                return None
            out.append(r[0])
        return out

    index: dict[str, str] = {}
    for word, f in freq.items():
        if not (MIN_WORD <= len(word) <= MAX_WORD) or f < MIN_INDEX_FREQ:
            continue
        pys = word_pinyin(word)
        if pys is None:
            continue
        for j, (ch, py) in enumerate(zip(word, pys, strict=False)):
            k = word[:j] + fcode(py) + word[j + 1 :]
            have = index.get(k, "")
            if ch not in have:
                index[k] = have + ch

    # A character's own readings, as codes: the common one first, then the
    # others that real phrases use (rare literary readings are left out: they
    # would make every character a homophone of everything).
    # Only characters of dictionary words need them: a suspect is a common
    # character, and a proposal comes from a dictionary word.
    char_freq: dict[str, int] = {}
    for word, f in freq.items():
        for ch in word:
            char_freq[ch] = char_freq.get(ch, 0) + f
    reading_codes: dict[str, str] = {}
    fuzzy_codes: dict[str, str] = {}
    for ch, readings in char_readings.items():
        if ch not in char_freq:
            continue
        keep = [readings[0]] + [r for r in readings[1:] if r in attested.get(ch, ())]
        reading_codes[ch] = "".join(code(r) for r in keep)
        fuzzy_codes[ch] = "".join(dict.fromkeys(fcode(r) for r in keep))

    # Strings other lexicons know (jieba's IDF table, pypinyin's phrases): not
    # in the frequency dictionary, but evidence that the string is legal.
    known: set[str] = set()
    for line in _package_lines("jieba", "analyse/idf.txt"):
        word = line.split(" ", 1)[0]
        if MIN_WORD <= len(word) <= MAX_WORD and word not in freq and _is_han_word(word):
            known.add(word)
    for word in phrases:
        if MIN_WORD <= len(word) <= MAX_WORD and word not in freq and _is_han_word(word):
            known.add(word)

    # jieba's HMM emission log-probabilities P(char | B/M/E/S) give how
    # readily a character stands alone as a one-character word in real text.
    alone = _alone_shares(_load_emissions(), char_freq)

    # Other lexicons' words join the dictionary with count 0: legal text, never a correction.
    for word in known:
        freq.setdefault(word, 0)
    prefix2 = frozenset(w[:2] for w in freq if len(w) >= 2)
    for scratch in (phrases, attested, char_readings, tags, known):
        scratch.clear()  # build-time tables: free them before the model is used
    gc.collect()

    return {
        "version": MODEL_VERSION,
        "prefix2": prefix2,
        "alone": alone,
        "freq": freq,
        "total": total,
        "index": index,
        "readings": reading_codes,
        "fuzzy": fuzzy_codes,
        "char_freq": char_freq,
        "proper": proper,
        "pos": pos,
        "name_chars": name_chars,
        "persons": persons,
        "syllables": {c: s for s, c in syllables.items()},
    }
