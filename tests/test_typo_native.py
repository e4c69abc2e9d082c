"""T001's optional C kernels (``sftlint._typo_native``) give what the pure-Python methods give.

The Python methods of :class:`TypoDetector` (``_*_py``) are the reference; each native kernel
must return the same values, bit for bit, on the same model tables: on real-looking Chinese text
(``fixtures/text/zh_typo_native.txt``), on every text of ``../shared/data`` when it is present, on
random strings mixing lexicon words with random CJK characters (hypothesis), and at the edges
(empty strings, every str kind, characters outside the BMP).  The whole detector must find the
same typos with the same counts either way.  Where the extension was not built (no compiler),
the kernel tests skip and the rest of the suite runs the Python path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED_DATA, shared_strings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sftlint.analysis.text import typo as typo_module
from sftlint.analysis.text.typo import _RUNS_AND_GAPS, TypoDetector
from sftlint.analysis.text.typo_model import load_model

try:
    from sftlint import _typo_native as native
except ImportError:  # not built: the Python path is all there is
    native = None

needs_native = pytest.mark.skipif(
    native is None, reason="sftlint._typo_native not built (no C compiler at install): Python path only"
)

FIXTURE = Path(__file__).parent / "fixtures" / "text" / "zh_typo_native.txt"


def fixture_texts() -> list[str]:
    return FIXTURE.read_text(encoding="utf-8").splitlines()


def runs_of(texts: list[str]) -> list[str]:
    """The runs of Chinese characters T001 analyses in ``texts``, each once, in order."""
    return list(dict.fromkeys(m.group(1) for t in texts for m in _RUNS_AND_GAPS.finditer(t)))


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    return load_model()


@pytest.fixture(scope="module")
def det(model) -> TypoDetector:
    return TypoDetector(model, mode="full")


COMMON = "的是了不在有人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"


LIMITS = (typo_module.MIN_GAIN - typo_module._ROUNDING, 0.0, 2.5, 12.0)


def assert_kernels_agree(
    det: TypoDetector, run: str, every: int = 1, limits: tuple[float, ...] = LIMITS
) -> None:
    """Each native kernel against its Python reference on ``run``: the coverage, the
    segmentation, the askable positions, and at the uncovered positions (and every ``every``-th
    other; 0: none) the gain bound and the re-segmentations for the proposals
    :meth:`_features` would score and for a few common characters."""
    table = det._native
    assert table is not None
    unc = det._uncovered_py(run)
    assert table.uncovered(run) == unc, run
    assert table.segment(run) == det._segment_py(run), run
    if not run:
        return
    if det._need is typo_module._no_need:
        assert det._askable(run, unc) == det._askable_py(run, unc), run
    positions = sorted({*unc, *range(0, len(run), every)}) if every else unc
    for i in positions:
        a, b = max(0, i - typo_module.CONTEXT), min(len(run), i + typo_module.CONTEXT + 1)
        ctx, p = run[a:b], i - a
        props = {}
        if det._need is typo_module._no_need:
            props = det._proposals(run, i)
            assert props == det._proposals_py(run, i), (run, i)
            assert list(props) == list(det._proposals_py(run, i))  # the same order
        good = [r for _, r in sorted(((f, r) for r, (_, f, _) in props.items()), reverse=True)[:4]]
        for rights in (good, [COMMON[(i * 7 + k) % len(COMMON)] for k in range(3)], [run[i]]):
            if not rights:
                continue
            for limit in limits:
                assert table.gains_below(ctx, p, rights, limit) == det._gains_below_py(
                    ctx, p, rights, limit
                ), (
                    run,
                    i,
                    rights,
                    limit,
                )
            assert table.rescore(ctx, p, rights) == det._rescore_py(ctx, p, rights), (run, i, rights)


class _Tables:
    """Just the tables the Python methods read, for made-up models."""

    def __init__(self, freq: Any, prefix2: Any, logtotal: float = 10.0) -> None:
        self.freq, self.prefix2, self.logtotal = freq, prefix2, logtotal
        self._native = native.Model(freq, prefix2, logtotal)
        self._need = None  # not a whole model's: no homophone index to ask

    _uncovered_py = TypoDetector._uncovered_py
    _segment_py = TypoDetector._segment_py
    _fill = TypoDetector._fill
    _gains_below_py = TypoDetector._gains_below_py
    _rescore_py = TypoDetector._rescore_py


# -- edges --------------------------------------------------------------------------------


@needs_native
def test_kernels_on_empty_and_odd_strings(det):
    for s in ["", "的", "ab", "a" * 10, "é中文", "中文😀", "𠀀𠀁中国人民", "😀", "中\x00国", "北京" * 500]:
        assert_kernels_agree(det, s)
    table = det._native
    for bad in (-1, 3):
        with pytest.raises(IndexError):
            table.gains_below("中国", bad, ["的"], 5.0)
        with pytest.raises(IndexError):
            table.rescore("中国", bad, ["的"])
    with pytest.raises(ValueError, match="one character"):
        table.rescore("中国人", 1, ["的的"])
    with pytest.raises(ValueError, match="one character"):
        table.gains_below("中国人", 1, [""], 5.0)
    with pytest.raises(TypeError):
        table.rescore("中国人", 1, [1])


@needs_native
def test_every_str_kind_probes_the_same_keys():
    """Keys of every str kind (1-, 2- and 4-byte) are found from runs of any kind, and words
    longer than the longest probe do not get in the way."""
    lex = {"ab": 1, "abc": 2, "中国": 3, "中国人": 4, "😀x": 5, "é中": 0, "中国人民共和国": 6, "": 1}
    prefix2 = frozenset({"ab", "中国", "😀x", "é中", "x"})
    tables = _Tables(lex, prefix2)
    for run in ["abcd", "xabc", "中国人民", "😀中国人", "😀x", "é中国", "a😀xb", "中国人民共和国", "x", ""]:
        assert_kernels_agree(tables, run)


@needs_native
def test_the_table_takes_only_plain_dicts_sets_and_str_keys():
    """A subclass may answer ``in`` otherwise than its contents, and a key that is not a str
    may equal one: the table refuses them, and the detector then runs the Python methods."""

    class Lex(dict):
        def __contains__(self, key: object) -> bool:
            return key == "国人" or dict.__contains__(self, key)

    class Key(str):
        pass

    for freq, prefix2 in [
        (Lex({"中国": 1}), {"中国"}),
        ({"中国": 1}, ["中国"]),
        ({"中国": 1}, {Key("中国")}),
        ({Key("中国"): 1}, {"中国"}),
        ({1: 1}, set()),
    ]:
        with pytest.raises(TypeError):
            native.Model(freq, prefix2, 1.0)
    assert typo_module._native_table(Lex({"中国": 1}), {"中国"}, 1.0) is None
    with pytest.raises(TypeError):
        native.Model.uncovered(native.Model({}, set(), 1.0), b"abc")


@needs_native
def test_a_table_refuses_to_answer_for_changed_tables():
    lex, prefix2 = {"中国": 1}, {"中国"}
    table = native.Model(lex, prefix2, 1.0)
    assert table.uncovered("中国人") == [2]
    lex["国人"] = 1
    with pytest.raises(RuntimeError, match="changed"):
        table.uncovered("中国人")


@needs_native
def test_counts_are_logged_as_math_log_does():
    """Counts that do not fit a double, or that math.log refuses, as math.log has them."""
    tables = _Tables({"ab": 10**400, "cd": 3, "ef": 0, "a": 7, "x": 2**80 + 1}, {"ab", "cd", "ef"})
    for run in ["abxcdxef", "efab", "xxab", "cdab"]:
        assert_kernels_agree(tables, run)
    assert tables._native.uncovered("abxcdxef") == [2, 5]  # a count of 0 covers too
    bad = _Tables({"ab": 1, "gh": -2, "g": -1}, {"ab", "gh"})
    assert_kernels_agree(bad, "abab")  # (the bad counts are never read)
    for run in ("ghab", "gab"):
        with pytest.raises(ValueError, match="math domain error"):
            bad._segment_py(run)
        with pytest.raises(ValueError, match="math domain error"):
            bad._native.segment(run)


# -- real-looking and real text ----------------------------------------------------------


@needs_native
def test_kernels_on_the_fixture_text(det):
    runs = runs_of(fixture_texts())
    assert len(runs) > 50
    for run in runs:
        assert_kernels_agree(det, run)


@needs_native
def test_kernels_on_the_shared_data(det):
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (only present beside the project's CI clone)")
    runs = runs_of(shared_strings())
    assert len(runs) > 10_000
    for run in runs:
        assert_kernels_agree(det, run, every=0, limits=LIMITS[:2])


words_cache: list[str] = []


def _words(model: dict[str, Any]) -> list[str]:
    if not words_cache:
        words_cache.extend(sorted(w for w in model["freq"] if 2 <= len(w) <= 5))
    return words_cache


@needs_native
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_kernels_on_random_strings(data, model, det):
    """Lexicon words, common and random CJK characters (some outside the BMP), punctuation."""
    words = _words(model)
    piece = st.one_of(
        st.sampled_from(words),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from("的了是在不有和人这中大为上个国以经已"),
        st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),
        st.sampled_from(["，", "a", "3", "·", "😀", "é"]),
    )
    run = "".join(data.draw(st.lists(piece, max_size=40)))
    assert_kernels_agree(det, run)


@needs_native
def test_askable_on_made_up_frames():
    """Codes at either end of a run, with and without neighbours, several codes a character."""
    able = {"已": "\ue800", "经": "\ue801\ue802", "好": "", "人": "\ue803"}
    starts = frozenset({"\ue800经", "\ue802人"})
    ends = frozenset({"已\ue801", "\ue803"})
    middles = frozenset({"好\ue800好"})
    frames = native.Frames(able, starts, ends, middles)
    tables = _Tables({}, set())
    tables._able, tables._frames = able, (starts, ends, middles)
    for run in ["已经", "经人", "好已好", "人", "已", "经经经", "人人", "好好", ""]:
        unc = list(range(len(run)))
        assert frames.askable(run, unc) == TypoDetector._askable_py(tables, run, unc), run
    assert frames.askable("已经人", [0, 1, 2]) == [0, 1]
    assert frames.askable("人", [0]) == [0]
    with pytest.raises(IndexError):
        frames.askable("已经", [2])
    with pytest.raises(TypeError):
        native.Frames({"已": 1}, starts, ends, middles)


def test_no_table_on_the_store():
    """On the store the tables grow as blocks are read: the Python methods probe them as they
    stand, until the detector switches to the whole model."""
    lazy = TypoDetector(mode="lazy")
    assert lazy._native is None
    lazy._maybe_switch()
    assert lazy.mode == "lazy"
    lazy._switch, lazy._lazy.analysed = True, typo_module.SWITCH_CHARS
    lazy._maybe_switch()
    assert lazy.mode == "full"
    assert (lazy._native is not None) == (native is not None)


# -- the whole detector ------------------------------------------------------------------


def _detect_all(model: dict[str, Any], texts: list[str], mode: str) -> tuple[list[Any], int]:
    det = TypoDetector(model, mode="full") if mode == "full" else TypoDetector(mode=mode)
    return [det.detect_counted(t) for t in texts], det._proposed


@needs_native
@pytest.mark.parametrize("mode", ["full", "lazy"])
def test_the_detector_finds_the_same_either_way(model, mode, monkeypatch):
    texts = fixture_texts()
    if SHARED_DATA.is_dir():
        texts += shared_strings()[:3000]
    fast = _detect_all(model, texts, mode)
    monkeypatch.setattr(typo_module, "NATIVE", None)
    slow = _detect_all(model, texts, mode)
    assert fast == slow
    assert sum(len(found) for found, _, _ in fast[0]) > 5  # the fixture's typos are found


def test_the_environment_forces_the_python_path():
    code = "from sftlint.analysis.text import typo; print(typo.NATIVE is None)"
    env = {**os.environ, "SFTLINT_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
    env["SFTLINT_PURE_PYTHON"] = "0"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(native is None)


def test_the_python_path_finds_the_fixture_typos(model, monkeypatch):
    """With the kernels off (as where they were not built) T001 still works."""
    monkeypatch.setattr(typo_module, "NATIVE", None)
    det = TypoDetector(model, mode="full")
    found = {(t.wrong, t.right) for text in fixture_texts() for t in det.detect(text)}
    assert ("雀", "确") in found


@needs_native
def test_a_module_of_another_interface_is_ignored(monkeypatch):
    """An editable install keeps the module it built while the source moves on."""
    assert typo_module._native_kernels() is native
    monkeypatch.setattr(native, "KERNELS", typo_module.NATIVE_KERNELS + 1)
    assert typo_module._native_kernels() is None


@needs_native
def test_proposals_at_the_edges(det):
    """The first and last characters, a character without sound codes, astral neighbours."""
    kernel = det._frames_table()
    tables = (det.fuzzy, det.readings, det.index, det.freq, typo_module.VARIANT_PAIRS)
    for run in ["正雀", "雀", "完全正雀", "𠀀雀𠀁", "a雀", "以经", "已经以经", "😀"]:
        for i in range(len(run)):
            got = kernel.proposals(run, i, *tables)
            assert got == det._proposals_py(run, i), (run, i)
            assert list(got) == list(det._proposals_py(run, i))
    assert kernel.proposals("完全正雀", 3, *tables)["确"][2] == "正确"
    with pytest.raises(IndexError):
        kernel.proposals("正雀", 2, *tables)
    with pytest.raises(TypeError):
        kernel.proposals("正雀", 1, *tables[:4], list(typo_module.VARIANT_PAIRS))
