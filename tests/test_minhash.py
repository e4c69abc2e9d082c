"""D002's sketch: the numpy and the plain-Python paths give the same bits, and the findings are
those of the earlier implementation (CRC-32 shingle hashes, one pair at a time in Python)."""

from __future__ import annotations

import functools
import random
import zlib
from array import array
from pathlib import Path

import pytest
from conftest import SHARED_DATA
from sftlint.rules import dataset as D

import sftlint
from sftlint.analysis import minhash as M

np = pytest.importorskip("numpy")

SHARED_FILES = sorted(p for d in ("wild", "sft") for p in (SHARED_DATA / d).glob("*.json*"))
needs_shared = pytest.mark.skipif(not SHARED_FILES, reason="../shared/data (real datasets) is not present")


def _texts(path: Path) -> list[str]:
    return [D.dialogue_text(r) for r in sftlint.load_records(path) if r.messages]


@functools.cache
def _corpus_texts() -> tuple[str, ...]:
    """The dialogue texts of 300 seed-style records (``bench/corpus.py``)."""
    import tempfile

    import orjson

    from bench import corpus

    path = Path(tempfile.mkdtemp()) / "c.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in corpus.generate(300, seed=2)))
    return tuple(_texts(path))


def _plain_signature(text: str) -> bytes:
    """``signature`` forced onto the plain-Python path."""
    left = M._plain_left
    M._plain_left = 1 << 30
    try:
        return M.signature(text)
    finally:
        M._plain_left = left


def _numpy_signature(text: str) -> bytes:
    mins = M._mins_numpy(np, text) if len(text) >= M.SHINGLE else M._mins_plain(text)
    assert len(text) < M.SHINGLE or mins == M._mins_plain(text)
    return _plain_signature(text)


def test_plain_and_numpy_hash_every_shingle_alike():
    rng = random.Random(3)
    alphabet = "退款订单快递abcXYZ0123456789\U0001f600\U00020000é"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(5, 400))) for _ in range(200)]
    texts += ["\ud800abcdef", "abcde", "x" * 1000]
    for text in texts:
        assert M._mins_numpy(np, text) == M._mins_plain(text), text


def test_plain_and_numpy_signatures_agree_on_corpus_texts():
    for text in list(_corpus_texts()):
        assert _numpy_signature(text) == _plain_signature(text)


@needs_shared
def test_plain_and_numpy_signatures_agree_on_real_data():
    for path in SHARED_FILES:
        for text in _texts(path)[:300]:
            if len(text) >= M.SHINGLE:
                assert M._mins_numpy(np, text) == M._mins_plain(text), path.name


def _sketch(texts: list[str], sign) -> tuple[bytearray, array]:
    sigs, digests = bytearray(), array("Q")
    for k, text in enumerate(texts):
        sigs += sign(text)
        digests.append(zlib.crc32(text.encode()) << 8 | k % 7)  # a few shared digests: copies
    return sigs, digests


def _templated_texts(n: int, seed: int) -> list[str]:
    """Many near-copies of few texts: buckets of every size, pairs met in several bands."""
    rng = random.Random(seed)
    base = list(_corpus_texts())[:20]
    out = []
    for _ in range(n):
        chars = list(rng.choice(base))
        for _ in range(rng.randrange(0, 30)):
            chars[rng.randrange(len(chars))] = rng.choice("的一是在不了有和人这中大")
        out.append("".join(chars))
    return out


@pytest.mark.parametrize("per_record", [1, 4])
def test_numpy_near_pairs_equal_the_plain_ones(per_record):
    texts = _templated_texts(600, seed=per_record) + list(_corpus_texts())
    sigs, digests = _sketch(texts, M.signature)
    for threshold in (0.5, 0.65, 0.8):
        fast = M._near_pairs_numpy(np, sigs, digests, threshold, per_record)
        plain = M._near_pairs_plain(sigs, digests, threshold, per_record)
        assert fast == plain
        assert fast  # the templated texts do have pairs
        pick = random.Random(threshold)
        only = bytearray(pick.randrange(2) for _ in range(len(texts)))
        wide = M._near_pairs_numpy(np, sigs, digests, threshold, per_record, 32, only)
        assert wide == M._near_pairs_plain(sigs, digests, threshold, per_record, 32, only)
        assert wide and all(only[i] for i in wide)


# -- the earlier implementation, kept here as the reference the findings are compared with --


def _crc_signature(text: str) -> bytes:
    n = len(text) - M.SHINGLE + 1
    shingles = {text[i : i + M.SHINGLE] for i in range(n)} if n > 0 else {text}
    mins = [M._EMPTY] * M.NUM_HASHES
    for s in shingles:
        h = (zlib.crc32(s.encode("utf-8")) * M._MIX) & M._MASK64
        if h < mins[h >> 58]:
            mins[h >> 58] = h
    if M._EMPTY in mins:
        k = M.NUM_HASHES
        filled = mins[:]
        nxt, dist = M._EMPTY, 0
        for j in range(2 * k - 1, -1, -1):
            v = mins[j % k]
            if v != M._EMPTY:
                nxt, dist = v, 0
                continue
            dist += 1
            if j < k and nxt != M._EMPTY:
                filled[j] = M._densified(nxt, dist)
        mins = filled
    return array("H", [v & 0xFFFF for v in mins]).tobytes()


def _d002(path: Path) -> list[tuple[int, str]]:
    return [(d.line, d.message) for d in sftlint.lint(path, select=["D002"])]


def _one_pass(sigs, digests, threshold, per_record, last_k=M.LAST_K, only=None):
    """The earlier LSH: one pass, no second look for the records left without a pair."""
    return {} if only is not None else M._near_pairs_plain(sigs, digests, threshold, per_record)


def _d002_with_crc(path: Path, monkeypatch) -> list[tuple[int, str]]:
    with monkeypatch.context() as m:
        m.setattr(D, "signature", _crc_signature)
        m.setattr(D, "near_pairs", _one_pass)
        return _d002(path)


def _same_or_more(now: list[tuple[int, str]], before: list[tuple[int, str]]) -> None:
    """Every earlier finding is still there, word for word; any added one is exactly verified."""
    assert set(before) <= set(now)
    for _, message in set(now) - set(before):
        assert "(similarity" in message


@needs_shared
@pytest.mark.slow
def test_d002_findings_equal_the_earlier_implementation_on_real_data(monkeypatch):
    for path in SHARED_FILES:
        assert _d002(path) == _d002_with_crc(path, monkeypatch), path.name  # identical here


def test_d002_findings_equal_the_earlier_implementation_on_templated_records(monkeypatch, tmp_path):
    import orjson

    from bench import corpus

    rows = list(corpus.generate(200, seed=9))
    rng = random.Random(4)
    for _ in range(300):  # near-copies with a few characters changed in every turn
        rec = orjson.loads(orjson.dumps(rng.choice(rows)))
        for msg in rec["messages"]:
            chars = list(msg["content"])
            for _ in range(rng.randrange(1, 5)):
                chars[rng.randrange(len(chars))] = rng.choice("的一是在不了有和人")
            msg["content"] = "".join(chars)
        rows.append(rec)
    path = tmp_path / "templated.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    now = _d002(path)
    assert len(now) > 100
    _same_or_more(now, _d002_with_crc(path, monkeypatch))


def test_d002_verified_in_small_blocks_gives_the_same_findings(monkeypatch, tmp_path):
    """Candidates are verified a block at a time (one pass over the input each), so that
    templated data never holds every text; the block size changes nothing."""
    import orjson

    from bench import corpus

    rows = list(corpus.generate(60, seed=5))
    rng = random.Random(8)
    for _ in range(80):
        rec = orjson.loads(orjson.dumps(rng.choice(rows)))
        msg = rec["messages"][-1]
        msg["content"] = msg["content"][: rng.randrange(len(msg["content"]) // 2, len(msg["content"]))]
        rows.append(rec)
    path = tmp_path / "blocks.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    whole = _d002(path)
    monkeypatch.setattr(D, "VERIFY_BLOCK", 7)
    assert _d002(path) == whole and len(whole) > 20
