"""T001's fast paths give what the plain computations they replace give (issue 19).

Each test keeps the reference (the code as it was) and compares on the real model, on the
shared data's strings and on edge cases."""

from __future__ import annotations

import itertools
import random

import pytest
from conftest import shared_strings

from sftlint.analysis.text import typo as typo_module
from sftlint.analysis.text.typo import TypoDetector, hole_fillers, three_holes
from sftlint.analysis.text.typo_model import load_model


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def whole(model) -> TypoDetector:
    return TypoDetector(model, mode="full")


# -- the characters that fill a hole of a three-character word ---------------------------


def _three(freq: dict[str, int]) -> str:
    return "\n" + "\n".join([w for w in freq if len(w) == 3]) + "\n"


def test_hole_search_finds_the_index_entries_in_order(model):
    freq = model["freq"]
    holes = three_holes(freq)
    three = _three(freq)
    keys = sorted(holes)
    rng = random.Random(7)
    # every key would take minutes: a sample, plus the keys with the most fillers
    sample = rng.sample(keys, 1000) + sorted(keys, key=lambda k: -len(holes[k]))[:30]
    for k, pair in sample:
        assert hole_fillers(three, k, pair) == holes[(k, pair)]
    # pairs no word has at that hole, pairs straddling two words of the list, newlines and
    # characters the pattern would read as syntax
    chars = "".join({w[0] for w in freq if len(w) == 3})
    for _ in range(1000):
        pair = rng.choice(chars) + rng.choice(chars)
        for k in range(3):
            assert hole_fillers(three, k, pair) == holes.get((k, pair), "")
    words = [w for w in freq if len(w) == 3]
    for a, b in itertools.pairwise(words[:201]):
        for pair in (a[2] + b[0], a[1] + a[2], b[0] + b[1]):
            for k in range(3):
                assert hole_fillers(three, k, pair) == holes.get((k, pair), "")
    for pair in ("\n\n", "a\n", "\n一", ".*", "(.", "\\n"):
        for k in range(3):
            assert hole_fillers(three, k, pair) == ""


def test_hole_search_on_a_tiny_vocabulary():
    freq = {"念珠菌": 5, "链球菌": 9, "念球": 1, "白念珠": 2, "链珠菌": 3, "珠菌念": 1, "一": 4}
    holes = three_holes(freq)
    three = _three(freq)
    for k in range(3):
        for a in "念珠菌链球白一":
            for b in "念珠菌链球白一":
                assert hole_fillers(three, k, a + b) == holes.get((k, a + b), "")
    assert hole_fillers(three, 1, "念菌") == "珠"
    assert hole_fillers(three, 0, "珠菌") == "念链"


KEPT = [
    "白色念球菌是一种真菌，常见于口腔。",
    "念球菌感染",
    "最可能的病原体是口腔链球菌或博氏链球菌。",
]


def _kept_calls(det: TypoDetector, texts: list[str]) -> list[object]:
    calls: list[object] = []
    original = TypoDetector._kept_reading

    def spy(self, run, cand):
        out = original(self, run, cand)
        calls.append((run, cand["span"], out))
        return out

    TypoDetector._kept_reading = spy  # type: ignore[method-assign]
    try:
        found = [det.detect_counted(t) for t in texts]
    finally:
        TypoDetector._kept_reading = original  # type: ignore[method-assign]
    return [found, calls]


def test_searching_and_indexing_the_holes_give_the_same_findings(monkeypatch, model):
    texts = KEPT + shared_strings()
    monkeypatch.setattr(typo_module, "_HOLES", None)
    monkeypatch.setattr(typo_module, "_hole_searches", 0)
    searched = _kept_calls(TypoDetector(model, mode="full"), texts)
    assert typo_module._HOLES is None  # the few questions were searched
    monkeypatch.setattr(typo_module, "_hole_searches", typo_module.HOLES_INDEX_AFTER)
    indexed = _kept_calls(TypoDetector(model, mode="full"), texts)
    assert typo_module._HOLES is not None
    assert searched == indexed
    assert sum(out is not None for _, _, out in searched[1]) >= 1  # 念球菌 -> 念珠菌
    # on the store too (it loads the whole model's words for the search)
    monkeypatch.setattr(typo_module, "_HOLES", None)
    monkeypatch.setattr(typo_module, "_hole_searches", 0)
    assert _kept_calls(TypoDetector(mode="lazy"), KEPT)[1] == [
        c for c in searched[1] if c[0] in "".join(KEPT)
    ]


# -- the proposals for a suspect ----------------------------------------------------------


def reference_proposals(det: TypoDetector, run: str, i: int) -> dict[str, tuple[bool, int, str]]:
    """``TypoDetector._proposals`` before the index lookups were sifted (code_frames): every 2-4
    character window around the suspect, under every sound code of it (the whole model)."""
    c = run[i]
    codes = det.fuzzy.get(c)
    if not codes:
        return {}
    index, freq, readings = det.index, det.freq, det.readings
    n = len(run)
    out: dict[str, tuple[bool, int, str]] = {}
    own = readings.get(c, "")
    frames = [
        (run[st:i], run[i + 1 : st + L])
        for L in (2, 3, 4)
        for st in range(max(0, i - L + 1), min(i, n - L) + 1)
    ]
    for k in codes:
        for head, tail in frames:
            hit = index.get(head + k + tail)
            if not hit:
                continue
            for r in hit:
                if r == c or (c, r) in typo_module.VARIANT_PAIRS:
                    continue
                word = head + r + tail
                f = freq.get(word, 0)
                prev = out.get(r)
                if prev is None:
                    out[r] = (own[:1] in readings.get(r, "") if own else False, f, word)
                elif f > prev[1]:
                    out[r] = (prev[0], f, word)
    return out


def _runs(texts: list[str]) -> list[str]:
    runs: dict[str, None] = {}
    for text in texts:
        for m in typo_module._RUNS_AND_GAPS.finditer(typo_module.simplified_only(text)):
            runs[m.group(1)] = None
    return list(runs)


PROPOSAL_EDGES = [
    "我以经申请退款了",
    "以经",
    "经以",
    "请您核对信息是否正雀",
    "白色念球菌是一种真菌",
    "这件衣服很票亮",
    "按装",
    "验正码",
    "的",
]


def test_proposals_are_those_of_every_window(whole):
    runs = PROPOSAL_EDGES + _runs(shared_strings())
    compared = found = 0
    for run in runs:
        # where T001 asks (the uncovered characters), and both ends of every run
        for i in {*whole._uncovered(run), 0, len(run) - 1}:
            got = whole._proposals(run, i)
            assert got == reference_proposals(whole, run, i), (run, i)
            assert list(got) == list(reference_proposals(whole, run, i))  # and in the same order
            compared += 1
            found += bool(got)
    assert compared > 100_000 and found > 10_000


# -- the bound on a correction's gain -----------------------------------------------------


def _gain(det: TypoDetector, ctx: str, p: int, r: str) -> float:
    """The gain :meth:`TypoDetector._features` computes: best segmentation, corrected less plain."""
    return det._segment(ctx[:p] + r + ctx[p + 1 :])[0] - det._segment(ctx)[0]


GAIN_EDGES = [
    "我以经申请退款了",
    "以经",
    "白色念球菌是一种真菌",
    "请您核对信息是否正雀",
    "这件衣服很票亮我很喜欢",
    "非常报歉给您带来不便",
    "按装",
    "的的",
]


def test_the_bound_is_never_below_the_gain(whole):
    """Wherever the bound says no correction reaches a limit, none does (every position of
    the edge cases and the uncovered positions of the shared data's runs, each character a
    proposal of every other nearby, limits around MIN_GAIN)."""
    rng = random.Random(3)
    runs = _runs(shared_strings())
    cases = [(run, i) for run in GAIN_EDGES for i in range(len(run))]
    cases += [(run, i) for run in rng.sample(runs, min(len(runs), 4000)) for i in whole._uncovered(run)]
    settled = 0
    for run, i in cases:
        a, b = max(0, i - typo_module.CONTEXT), min(len(run), i + typo_module.CONTEXT + 1)
        ctx, p = run[a:b], i - a
        rights = sorted({*whole._proposals(run, i), *run, "已", "经", "的"} - {run[i]})[:12]
        for limit in (0.0, 2.0, typo_module.MIN_GAIN, 8.0):
            if whole._gains_below(ctx, p, rights, limit):
                settled += 1
                assert all(_gain(whole, ctx, p, r) < limit for r in rights), (run, i, limit)
            for r in rights[:3]:
                if whole._gains_below(ctx, p, [r], limit):
                    assert _gain(whole, ctx, p, r) < limit
    assert settled > 1000


def test_findings_and_proposal_counts_are_those_without_the_bound(monkeypatch, model):
    texts = GAIN_EDGES + shared_strings()
    bounded = TypoDetector(model, mode="full")
    with_bound = [bounded.detect_counted(t) for t in texts]
    monkeypatch.setattr(TypoDetector, "_gains_below", lambda *args: False)
    plain = TypoDetector(model, mode="full")
    assert with_bound == [plain.detect_counted(t) for t in texts]
    assert bounded._proposed == plain._proposed > 100


# -- characters that are never suspects, runs without a particle ----------------------------


def test_characters_outside_the_suspect_set_yield_nothing_in_any_context(whole):
    able = whole._suspect_chars()
    others = [c for c in whole.char_freq if c not in able]
    assert len(able) > 3000 and len(others) > 1000
    rng = random.Random(5)
    contexts = ["我{}经申请了", "{}经", "已{}", "请您核对{}息是否正确", "这件{}服很漂亮"]
    for c in rng.sample(others, 1500) + [c for c in "的了吗呢是在" if c not in able]:
        for ctx in contexts:
            run = ctx.format(c)
            i = run.index(c)
            assert whole._features(run, i, [i]) == [], (run, i)


def test_findings_are_those_without_the_position_sieve_and_the_particle_test(monkeypatch, model):
    texts = [*GAIN_EDGES, "玩的很开心", "认认真真得做", "我觉的这款耳机一般", *shared_strings()]
    fast = TypoDetector(model, mode="full")
    found = [fast.detect_counted(t) for t in texts]
    assert fast._able is not None  # the set was made and used
    monkeypatch.setattr(TypoDetector, "_askable", lambda self, run, unc: unc)
    monkeypatch.setattr(typo_module, "has_particle", lambda run: True)
    plain = TypoDetector(model, mode="full")
    assert found == [plain.detect_counted(t) for t in texts]
    assert fast._proposed == plain._proposed
    assert sum(t.source == "grammar" for typos, _, _ in found for t in typos) >= 2


def test_has_particle_is_true_wherever_particle_typos_may_yield():
    from sftlint.analysis.text.particles import has_particle, particle_typos

    def segment(s: str) -> list[int]:
        return list(range(1, len(s) + 1))

    for run in ["的", "的确", "好的", "好好得", "真得好", "好", "得的", "玩的很开心", "认认真真得做"]:
        if not has_particle(run):
            assert list(particle_typos(run, segment, lambda w: "")) == []
    assert not has_particle("的确") and not has_particle("好") and has_particle("好的")


def test_positions_left_out_get_no_proposal(whole):
    asked_total = left_out = 0
    for run in PROPOSAL_EDGES + _runs(shared_strings()):
        unc = whole._uncovered(run)
        asked = whole._askable(run, unc)
        assert asked == [i for i in unc if i in set(asked)]  # in order, a subset
        for i in unc:
            if i not in asked:
                left_out += 1
                assert whole._features(run, i, unc) == []
                if run[i] in whole._able:
                    assert reference_proposals(whole, run, i) == {}
        asked_total += len(asked)
    assert left_out > asked_total > 1000
