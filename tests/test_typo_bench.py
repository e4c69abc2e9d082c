"""T001 on the public spelling-check sets (held-out half): precision floors and the clean-text flag rate.

Numbers and the split are documented in docs/benchmarks.md (section ``typo``);
``python bench/typo.py`` prints the full table.
"""

from __future__ import annotations

import importlib.util

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow


def _bench():
    spec = importlib.util.spec_from_file_location("typo_bench", ROOT / "bench" / "typo.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def setup(request):
    from conftest import SHARED_DATA

    csc = SHARED_DATA / "csc"
    if not csc.is_dir():
        pytest.skip(f"shared spelling-check data not found at {csc}")
    from sftlint.analysis.text.typo import TypoDetector

    return _bench(), csc, TypoDetector()


# (set, minimum sentence precision, minimum char precision, minimum char recall) on the held-out half
FLOORS = [
    ("ecspell_odw_test", 0.90, 0.90, 0.12),
    ("ecspell_law_test", 0.88, 0.88, 0.08),
    ("ecspell_med_test", 0.88, 0.88, 0.12),
    ("sighan14_test", 0.85, 0.85, 0.07),
]


@pytest.mark.parametrize(("name", "sent_p", "char_p", "char_r"), FLOORS)
def test_held_out_precision(setup, name, sent_p, char_p, char_r):
    bench, csc, detector = setup
    rows = [r for r in bench.load_tsv(csc / f"{name}.tsv") if bench.half(r[0]) == "held-out"]
    assert len(rows) > 200
    m = bench.evaluate(detector, rows)
    assert m["sP"] >= sent_p, m
    assert m["cP"] >= char_p, m
    assert m["cR"] >= char_r, m
    assert m["fix"] >= 0.85, m  # a correct detection almost always suggests the right character


def test_sighan14_sentence_recall_reaches_the_target(setup):
    # issue 4 asks for sentence recall >= 0.10 on SIGHAN14; the held-out half measured 0.12
    bench, csc, detector = setup
    rows = [r for r in bench.load_tsv(csc / "sighan14_test.tsv") if bench.half(r[0]) == "held-out"]
    assert bench.evaluate(detector, rows)["sR"] >= 0.10


def test_clean_sentences_are_rarely_flagged(setup):
    bench, csc, detector = setup
    rows = bench.load_clean(csc / "clean_xxqg.json")
    assert len(rows) == 5000
    m = bench.evaluate(detector, rows)
    assert m["flag_rate"] <= 0.003, m
