"""The K, R and T analyses rewritten for speed (issue 19) find exactly what the functions they
replace found.  Each reference below is the earlier function, kept word for word (module names
read from the module), and each comparison runs on every string of the shared data (wild, sft
and the csc sets), on the texts of both bench corpora and on random texts built from the
characters each analysis turns on."""

from __future__ import annotations

import heapq
import random
import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from conftest import SHARED_DATA, shared_strings
from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.analysis import numbering as N
from sftlint.analysis.text import punct as P

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _walk(x: object, out: list[str]) -> None:
    if isinstance(x, str):
        out.append(x)
    elif isinstance(x, dict):
        for v in x.values():
            _walk(v, out)
    elif isinstance(x, list):
        for v in x:
            _walk(v, out)


@lru_cache(maxsize=1)
def corpus_strings() -> tuple[str, ...]:
    """Every string of the shared data (wild, sft, csc), and of 300 records of each bench corpus."""
    import orjson

    out = list(shared_strings())
    for path in sorted(SHARED_DATA.glob("csc/*")):
        if path.suffix == ".json":
            _walk(orjson.loads(path.read_bytes()), out)
        elif path.suffix == ".tsv":
            for line in path.read_text(encoding="utf-8").splitlines():
                out += line.split("\t")
    sys.path.insert(0, str(BENCH))
    try:
        import corpus
        import real_text_corpus

        for rec in corpus.generate(300, seed=3, plant_defects=True):
            _walk(rec, out)
        if (SHARED_DATA / "wild").is_dir():
            rng = random.Random(5)
            recs = real_text_corpus.records(real_text_corpus.real_sentences(SHARED_DATA), rng)
            for _ in range(300):
                _walk(next(recs), out)
    finally:
        sys.path.remove(str(BENCH))
    return tuple(out)


# -- T003 ----------------------------------------------------------------------

_REF_BETWEEN = re.compile(f"(?<=[{P.HAN_CHARS}])([,;:]) ?(?=[{P.HAN_CHARS}])")
_REF_ENDING = re.compile(f"(?<=[{P.HAN_CHARS}）」』])([?!]+)(?=$|\\s|[{P.HAN_CHARS}\"'”’」』）)])", re.M)


def _ref_find_half_width(text: str) -> Iterator[P.HalfWidth]:
    """The earlier ``find_half_width``: the patterns opened with their look-behind, and the
    three kinds were always merged."""
    if P._HAN.search(text) is None:
        return
    pattern = P._protected_pattern(text)
    protected = bytearray(len(text)) if pattern is not None and pattern.search(text) else None
    if protected is not None:
        assert pattern is not None
        for m in pattern.finditer(text):
            protected[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    streams = (_ref_between(text, protected), _ref_endings(text, protected), P._parens(text, protected))
    yield from heapq.merge(*streams, key=lambda h: h.start)


def _ref_between(text: str, protected: bytearray | None) -> Iterator[P.HalfWidth]:
    for m in _REF_BETWEEN.finditer(text):
        if protected is None or not protected[m.start()]:
            mark = m.group(1)
            yield P.HalfWidth(m.start(), m.end(), mark, P.FULL_WIDTH[mark])


def _ref_endings(text: str, protected: bytearray | None) -> Iterator[P.HalfWidth]:
    for m in _REF_ENDING.finditer(text):
        for k in range(m.start(1), m.end(1)):
            if protected is None or not protected[k]:
                yield P.HalfWidth(k, k + 1, text[k], P.FULL_WIDTH[text[k]])


_T003_PIECES = [*"中文好a1 .,;:?!()（）」』”'\"\n\t`@", "```", "://", "www.", "a@b.cn", "?!", ", "]


def _check_t003(text: str) -> None:
    assert list(P.find_half_width(text)) == list(_ref_find_half_width(text)), text[:200]
    assert [m.span(1) for m in P._BETWEEN.finditer(text)] == [m.span(1) for m in _REF_BETWEEN.finditer(text)]
    assert [m.span(1) for m in P._ENDING.finditer(text)] == [m.span(1) for m in _REF_ENDING.finditer(text)]


def test_t003_patterns_of_record_are_the_references():
    assert _REF_BETWEEN.pattern == P._BETWEEN_RECORD
    assert _REF_ENDING.pattern == P._ENDING_RECORD


def test_t003_half_width_marks_of_every_corpus_string():
    texts = corpus_strings()
    assert len(texts) > 50_000
    found = 0
    for text in texts:
        _check_t003(text)
        found += bool(_REF_BETWEEN.search(text))
    assert found > 100  # the marks are there to be found


def test_t003_seeded_mixtures():
    rng = random.Random(3)
    for _ in range(5000):
        _check_t003("".join(rng.choice(_T003_PIECES) for _ in range(rng.randint(0, 40))))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_T003_PIECES), max_size=40).map("".join))
def test_t003_random_mixtures(text):
    _check_t003(text)


# -- K101-K104 -----------------------------------------------------------------


class _RefChecker(N._Checker):
    """The checker with the earlier ``add`` and ``_arabic``, kept word for word."""

    def add(self, item: N.Item) -> None:
        fam = item.family
        if fam in self.stack:
            idx = self.stack.index(fam)
            for child in self.stack[idx + 1 :]:
                self._reset(child)  # the sub-lists of the previous item are over
            del self.stack[idx + 1 :]
            fresh = False
        else:
            fresh = True
        other = self._continues_other(item) if fresh else None
        if other is not None:
            self._mixed(item, other)
        else:
            if fresh:
                self.stack.append(fam)
                self._reset(fam)
            if fam == N.FAMILY_ARABIC:
                self._arabic(item)
            else:
                self._flat(item)
        self._style(item)
        self.last_item = item
        self.accepted.append(item)

    def _arabic(self, item: N.Item) -> None:
        tree = self.tree
        parts = item.parts
        if tree.seen and parts == (1,) and item.opens_list:
            tree.reset()  # a new list after a heading ("换货规则：1. …")
        if tree.has(parts):
            first = tree.seen.get(parts)
            self.problems.append(
                N.Problem("duplicate", item, f"number {item.label} repeats an earlier item", previous=first)
            )
        elif tree.last is not None and parts < tree.last:
            prev = tree.seen.get(tree.last)
            self.problems.append(
                N.Problem(
                    "backwards",
                    item,
                    f"number {item.label} goes backwards after {N._dotted(tree.last)}",
                    previous=prev,
                )
            )
        else:
            parent = parts[:-1]
            if parent and not tree.has(parent):
                missing = [parts[:i] for i in range(1, len(parts)) if not tree.has(parts[:i])]
                names = ", ".join(N._dotted(p) for p in missing)
                self.problems.append(
                    N.Problem(
                        "orphan",
                        item,
                        f"item {item.label} has no parent {N._dotted(parent)}"
                        + (f" (missing: {names})" if len(missing) > 1 else ""),
                        missing_parent=N._dotted(parent),
                    )
                )
                for p in missing:
                    tree.virtual.add(p)
                    grand = p[:-1]
                    tree.last_child[grand] = max(tree.last_child.get(grand, 0), p[-1])
            else:
                want = tree.expected_next(parent)
                if parts[-1] > want:
                    exp = N._dotted((*parent, want))
                    self.problems.append(
                        N.Problem(
                            "gap",
                            item,
                            f"number {item.label} skips {exp}: expected {exp}"
                            if want > 1 or parent
                            else f"list starts at {item.label}: expected 1",
                            expected=exp,
                        )
                    )
        tree.seen.setdefault(parts, item)
        if tree.last is None or parts > tree.last:
            tree.last = parts
        parent = parts[:-1]
        tree.last_child[parent] = max(tree.last_child.get(parent, 0), parts[-1])


def _ref_check_items(items: list[N.Item]) -> N.Numbering:
    checker = _RefChecker()
    for k, item in enumerate(items):
        if (item.strong and (checker.plausible(item) or N._heads_branch(checker, items, k))) or checker.fits(
            item
        ):
            checker.add(item)
    problems = tuple(checker.problems) if len(checker.accepted) >= 2 else ()
    return N.Numbering(tuple(checker.accepted), problems)


def _check_numbering(text: str) -> int:
    from test_numbering_scan import reference_items

    items = N.find_items(text)
    assert items == reference_items(text), text[:200]
    got = N.check_items(items)
    assert got == _ref_check_items(items), text[:200]
    for p in got.problems:  # the labels as the generator join wrote them
        assert p.item.label == (
            ".".join(str(x) for x in p.item.parts) if p.item.family == N.FAMILY_ARABIC else p.item.label
        )
    return len(got.problems)


def test_numbering_of_every_corpus_string():
    problems = sum(_check_numbering(t) for t in corpus_strings())
    assert problems > 300  # the bench corpora's knowledge bases break their numbering often


#: numbers of every shape, the characters that decide their context, and text
_K_PIECES = [
    *"0123456789.．、)）（(一二十①②⑴ \n：:。，a",
    "1. ",
    "2. ",
    "3. ",
    "1.1 ",
    "1.2 ",
    "2.1 ",
    "2.2.1 ",
    "（1）",
    "（2）",
    "一、",
    "二、",
    "\n1. 退款",
    "\n2、换货",
    "\n3) 其他",
    "规则：",
    "\n\n",
    "文字",
]


def test_numbering_seeded_mixtures():
    rng = random.Random(7)
    problems = 0
    for _ in range(4000):
        problems += _check_numbering("".join(rng.choice(_K_PIECES) for _ in range(rng.randint(0, 30))))
    assert problems > 500


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_K_PIECES), max_size=30).map("".join))
def test_numbering_random_mixtures(text):
    _check_numbering(text)


# -- T008 ----------------------------------------------------------------------


def test_t008_languages_kept_are_those_built(monkeypatch):
    """``_detect`` hands out one Language object per value: the same values as building one each
    time (the earlier code), on every corpus string, both ways."""
    from sftlint.analysis.text import language as L

    texts = corpus_strings()
    got = [(L._detect(t, False), L._detect(t, True)) for t in texts]
    monkeypatch.setattr(L, "_language", L.Language)
    assert got == [(L._detect(t, False), L._detect(t, True)) for t in texts]
    assert sum(1 for a, _b in got if a is not None and a.code == "zh") > 10_000


def test_t008_languages_kept_stay_bounded(monkeypatch):
    from sftlint.analysis.text import language as L

    monkeypatch.setattr(L, "_LANGUAGES", {})
    monkeypatch.setattr(L, "_LANGUAGES_KEPT", 3)
    made = [L._language("zh", "cjk", w) for w in range(10)]
    assert made == [L.Language("zh", "cjk", w) for w in range(10)]
    assert len(L._LANGUAGES) <= 3
    assert L._language("zh", "cjk", 9) is made[9]  # the last one is still kept


# -- T009 ----------------------------------------------------------------------


def _ref_may_loop(line: str) -> bool:
    """The earlier ``_may_loop``: characters and pairs of neighbours counted as strings."""
    from collections import Counter
    from itertools import pairwise

    from sftlint.analysis.text import repeat as R

    if len(line) < R.MIN_LOOP_UNIT * R.MIN_LOOP_TIMES:
        return False
    if max(Counter(line).values()) < R.MIN_LOOP_TIMES:
        return False
    return max(Counter(pairwise(line)).values()) >= R.MIN_LOOP_TIMES


def test_t009_may_loop_on_every_line_of_every_corpus_string():
    from sftlint.analysis.text import repeat as R

    answers = {True: 0, False: 0}
    for text in corpus_strings():
        for line in text.split("\n"):
            want = _ref_may_loop(line)
            assert R._may_loop(line) == want, line[:200]
            answers[want] += 1
    assert answers[True] > 1000 and answers[False] > 1000


#: a few characters, so that they and their pairs come back; astral and lone surrogates
#: (which JSON can carry) too, whose UTF-32 units are read as they are
_T009_CHARS = ["a", "b", "好", "的", "。", " ", "😀", "\ud800", "\udfff", "\x00", "\U0010ffff"]


def test_t009_may_loop_seeded_strings():
    from sftlint.analysis.text import repeat as R

    rng = random.Random(9)
    answers = {True: 0, False: 0}
    for _ in range(20_000):
        k = rng.randint(1, len(_T009_CHARS))
        line = "".join(rng.choice(_T009_CHARS[:k]) for _ in range(rng.randint(0, 30)))
        want = _ref_may_loop(line)
        assert R._may_loop(line) == want, line
        answers[want] += 1
    assert answers[True] > 1000 and answers[False] > 1000


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_T009_CHARS), max_size=40) | st.text(max_size=40))
def test_t009_may_loop_random_strings(line):
    from sftlint.analysis.text import repeat as R

    assert R._may_loop(line) == _ref_may_loop(line)
