"""The curated wrong-form list: every entry is a real slip that is never legal text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.analysis.text.typo import TypoDetector
from sftlint.analysis.text.typo_data import CURATED, MODERN_WORDS, VARIANT_PAIRS
from sftlint.analysis.text.zh import HAN_RUN


@pytest.fixture(scope="module")
def detector() -> TypoDetector:
    return TypoDetector(mode="full")  # the tests read its tables


@pytest.mark.parametrize(("wrong", "right"), sorted(CURATED.items()))
def test_entry_shape(wrong, right):
    assert HAN_RUN.fullmatch(wrong) and HAN_RUN.fullmatch(right)
    assert len(wrong) == len(right)
    diff = [i for i, (a, b) in enumerate(zip(wrong, right, strict=True)) if a != b]
    assert 1 <= len(diff) <= 2, (wrong, right)


def test_entries_are_reported_alone_and_in_a_sentence(detector):
    for wrong, right in CURATED.items():
        for text in (wrong, f"客服说{wrong}。"):
            found = [t for t in detector.detect(text) if t.source == "list"]
            assert found, text
            t = found[0]
            fixed = text[: t.start] + t.right + text[t.end :]
            assert right in fixed, (text, fixed)


def test_the_correct_form_is_more_common_than_the_wrong_one(detector):
    # jieba's dictionary itself holds a few wrong forms (优惠卷 3, 再接再励 3):
    # the correct one must never be the rarer where both are listed.
    for wrong, right in CURATED.items():
        fw, fr = detector.freq.get(wrong, 0), detector.freq.get(right, 0)
        assert fw == 0 or fr >= fw, (wrong, fw, right, fr)


def test_no_dictionary_word_containing_a_wrong_form_is_reported(detector):
    """必竟 inside 想必竟然, 作崇 inside 工作崇拜: a wrong form as a substring of a real word is legal."""
    words = [w for w, f in detector.freq.items() if f >= 20 and len(w) >= 3]
    offenders = []
    for wrong in CURATED:
        for w in words:
            if wrong in w and w != wrong and any(t.source == "list" for t in detector.detect(w)):
                offenders.append((wrong, w))
    assert offenders == []


def test_modern_words_and_variant_pairs_are_well_formed():
    assert len(set(MODERN_WORDS)) == len(MODERN_WORDS)
    assert all(HAN_RUN.fullmatch(w) for w in MODERN_WORDS)
    assert all(len(a) == len(b) == 1 for a, b in VARIANT_PAIRS)


def _reference_spans(text: str) -> list[tuple[int, int, str]]:
    from sftlint.analysis.text.typo import CURATED_RE

    return [(m.start(), m.end(), m.group()) for m in CURATED_RE.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(sorted({*CURATED, *CURATED.values(), *"".join(CURATED), "，", "a", " "}))))
def test_curated_spans_are_the_alternations_matches(parts):
    """The scan that tries the alternation only after a first and a second character of some
    form finds what the plain alternation's finditer finds, overlapping forms included
    (一起来 holds two forms that share a character where both are listed)."""
    from sftlint.analysis.text.typo import curated_spans

    text = "".join(parts)
    assert list(curated_spans(text)) == _reference_spans(text)


def test_curated_spans_on_real_text():
    from conftest import SHARED_DATA

    from sftlint.analysis.text.typo import curated_spans

    texts = [f"客服说{w}。{w}{r}{w}" for w, r in CURATED.items()]
    for d in ("wild", "sft"):
        for path in sorted((SHARED_DATA / d).glob("*.json*")):
            texts += path.read_text(encoding="utf-8", errors="replace").split("\n")
    assert sum(len(_reference_spans(t)) for t in texts) >= len(CURATED)
    for text in texts:
        assert list(curated_spans(text)) == _reference_spans(text)
