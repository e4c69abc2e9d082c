"""D002's sketch: the numpy and the plain-Python paths give the same bits, and the findings are
those of the earlier implementation (CRC-32 shingle hashes, one pair at a time in Python)."""

from __future__ import annotations

import functools
import pickle
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
    """``signature`` forced onto the plain-Python path (a text longer than a piece would take
    numpy whatever the budget)."""
    return M._sign(text, None)


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


def _numpy_batch(texts: list[str]) -> list[bytes]:
    """:func:`M.signatures` with numpy for every text (no plain budget left)."""
    left = M._plain_left
    M._plain_left = 0
    try:
        return M.signatures(texts)
    finally:
        M._plain_left = left


def _mixed_texts(seed: int) -> list[str]:
    """Texts of every length D002 meets and a few it cannot (shorter than a shingle, longer than
    a piece), in scripts of one to four bytes a character, with empty bins and full ones."""
    rng = random.Random(seed)
    alphabet = "退款订单快递abcXYZ0123456789\U0001f600\U00020000é"
    texts = [
        "".join(rng.choice(alphabet) for _ in range(rng.choice([5, 6, 9, 30, 47, 48, 200, 900])))
        for _ in range(300)
    ]
    texts += ["", "a", "abcd", "\ud800abcdef", "abcde", "x" * 1000, "ab" * 40_000, "中文" * 33_000]
    rng.shuffle(texts)
    return texts


@pytest.mark.parametrize("block_chars", [5, 64, 1000, M.BLOCK_CHARS])
def test_batched_signatures_are_the_single_ones(monkeypatch, block_chars):
    """Texts signed together in blocks (one shingle array for many texts, the shingles that cross
    from one text into the next set aside, densification in arrays) give each text's own
    signature, on random texts, the seed corpus's and the templated ones."""
    monkeypatch.setattr(M, "BLOCK_CHARS", block_chars)
    texts = _mixed_texts(5) + list(_corpus_texts()) + _templated_texts(200, seed=6)
    want = [_plain_signature(t) for t in texts]
    assert _numpy_batch(texts) == want
    assert [s for k in range(0, len(texts), 37) for s in _numpy_batch(texts[k : k + 37])] == want


@needs_shared
def test_batched_signatures_are_the_single_ones_on_real_data():
    for path in SHARED_FILES:
        texts = _texts(path)[:2000]
        assert _numpy_batch(texts) == [_plain_signature(t) for t in texts], path.name


def test_a_batch_spends_the_plain_budget_as_one_text_at_a_time(monkeypatch):
    """Each long text takes the plain path while the process's budget lasts, in the order added,
    so numpy is needed (imported) at the same text either way; short texts spend nothing."""
    long, short = "退款订单" * 20, "退款订单快递"
    monkeypatch.setattr(M, "_plain_left", 3)
    batch = M.Batch()
    for text in [short, long, long, short, long, long, long]:
        batch.add(text)
    assert batch.plain == [True, True, True, True, True, False, False]
    assert M._plain_left == 0
    assert batch.sign() == [_plain_signature(t) for t in [short, long, long, short, long, long, long]]
    assert len(batch) == 0 and batch.chars == 0


def test_a_text_longer_than_a_piece_takes_numpy_while_the_plain_budget_lasts(monkeypatch):
    """A text of more than a piece (the first record of a check may be a megabyte of text) is
    signed with numpy even while the plain budget lasts, and spends none of it: hashing it in
    plain Python cost seconds (the fuzz campaign's templated text, a marker repeated 100,000
    times).  The signature is the plain one."""
    text = "<|im_start|>user\n你好<|im_end|>\n" * (M._CHUNK // 20)
    assert len(text) > M._CHUNK
    short = "退款订单" * 20
    want, want_short = _plain_signature(text), _plain_signature(short)
    monkeypatch.setattr(M, "_plain_left", M.PLAIN_FIRST)
    monkeypatch.setattr(M, "_np", None)
    calls = []
    plain = M._mins_plain
    monkeypatch.setattr(M, "_mins_plain", lambda t: calls.append(len(t)) or plain(t))
    assert M.signature(text) == want
    assert calls == [] and M._np is not None and M._plain_left == M.PLAIN_FIRST
    batch = M.Batch()
    batch.add(short)
    batch.add(text)
    assert batch.plain == [True, False]
    assert batch.sign() == [want_short, want] and calls == []


def test_the_word_table_is_the_regex_on_every_code_point(monkeypatch):
    """The table of word characters (built from the plane decoded from its UTF-16 units) holds
    exactly the code points ``re``'s ``[^\\W_]`` matches, surrogates included (none)."""
    import numpy as np

    monkeypatch.setattr(M, "_word_table", None)
    got = M._words(np, np.arange(0x10000, dtype=np.uint32)).tolist()
    assert got == [M._WORD.fullmatch(chr(c)) is not None for c in range(0x10000)]
    assert M._plane_text(np, 0x4E00, 0x4E10) == "".join(map(chr, range(0x4E00, 0x4E10)))


def test_a_batch_signs_its_plain_texts_with_numpy_once_a_later_text_imported_it(monkeypatch):
    """The texts that spent the plain budget as they were added are signed with numpy when a later
    text of the same batch imported it: the same signatures, no plain hashing."""
    texts = list(_corpus_texts())[:8]
    want = [_plain_signature(t) for t in texts]
    monkeypatch.setattr(M, "_plain_left", 5)
    monkeypatch.setattr(M, "_np", None)
    batch = M.Batch()
    for text in texts:
        batch.add(text)
    assert batch.plain == [True] * 5 + [False] * 3 and M._np is not None
    calls = []
    monkeypatch.setattr(M, "_mins_plain", lambda text: calls.append(text) or [])
    assert batch.sign() == want
    assert calls == []


def test_a_batch_signs_plain_without_numpy(monkeypatch):
    """Without numpy imported, every text of a batch is signed in plain Python (as before)."""
    texts = list(_corpus_texts())[:4]
    want = [_plain_signature(t) for t in texts]
    monkeypatch.setattr(M, "_plain_left", 10)
    monkeypatch.setattr(M, "_np", None)
    batch = M.Batch()
    for text in texts:
        batch.add(text)
    assert M.numpy_undecided()
    assert batch.sign() == want and M._np is None


@pytest.mark.parametrize("hold", [10**9, 3000])
def test_d002_holds_the_first_texts_until_numpy_is_decided(monkeypatch, hold):
    """D002's collector keeps its first texts waiting while numpy is not imported (they would be
    signed in plain Python), up to HOLD_CHARS; the signatures are the serial ones either way, and
    with room to wait the text that imports numpy signs the whole first batch with it."""
    texts = list(_corpus_texts())[:60]
    want = b"".join(_plain_signature(t) for t in texts)
    monkeypatch.setattr(M, "_plain_left", 40)
    monkeypatch.setattr(M, "_np", None)
    monkeypatch.setattr(M, "HOLD_CHARS", hold)
    monkeypatch.setattr(D, "BLOCK_CHARS", 1000)
    calls = []
    plain = M._mins_plain
    monkeypatch.setattr(M, "_mins_plain", lambda text: calls.append(text) or plain(text))
    coll = D.NearDuplicate().collector()
    for k, text in enumerate(texts):
        coll.append((text, k, "a.jsonl", k, k + 1, "messages"))
        if k < 40 and hold > 10**6:
            assert len(coll.pending) == k + 1  # all waiting: numpy may still come
    coll.settle()
    assert bytes(coll.sigs) == want
    long = [t for t in texts[:40] if len(t) >= M.PLAIN_BELOW]
    if hold > 10**6:
        assert calls == []  # the 41st text imported numpy, which signed the 40 before it
    else:
        assert 0 < len(calls) <= len(long)  # held up to 3000 characters, then signed plain


def test_d002_pieces_carry_signatures_not_texts(monkeypatch):
    """A worker's piece signs its waiting texts when pickled: what crosses to the main process is
    128 bytes a record, and merged it equals the serial collector."""
    import pickle

    monkeypatch.setattr(M, "_plain_left", 0)
    texts = list(_corpus_texts())[:50]
    serial, piece = D.NearDuplicate().collector(), D.NearDuplicate().collector().piece()
    for k, text in enumerate(texts):
        serial.append((text, k, "a.jsonl", k, k + 1, "messages"))
        piece.append((text, k, "a.jsonl", k, k + 1, "messages"))
    assert piece.pending is not None and len(piece.pending) > 0  # the last texts wait
    sent = pickle.loads(pickle.dumps(piece))
    assert sent.pending is None and bytes(sent.sigs) == b"".join(_plain_signature(t) for t in texts)
    merged = D.NearDuplicate().collector()
    merged.merge(sent)
    serial.settle()
    assert bytes(merged.sigs) == bytes(serial.sigs) and merged.digests == serial.digests


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
        # both looks in one pass give what two passes give
        arrays = M._near_pairs_numpy_looks(np, sigs, digests, threshold, per_record, (3, 32), only)
        looks = [pairs.as_dict() for pairs in arrays]
        assert looks == [M._near_pairs_plain(sigs, digests, threshold, per_record, k, only) for k in (3, 32)]
        assert looks[1] == wide


@pytest.mark.parametrize(
    ("band_block", "top_every", "keyed"), [(1, 1, True), (5, 3, False), (37, 1000, True), (4096, 7, True)]
)
def test_numpy_near_pairs_taken_in_blocks_equal_the_plain_ones(monkeypatch, band_block, top_every, keyed):
    """A band's order is read BAND_BLOCK positions at a time and the pairs found are folded into
    the best per record every TOP_EVERY pairs: buckets of hundreds of near-copies cross many
    blocks (a pair's earlier record is then in an earlier block: up to 32 back, or a bucket's
    first records, far back), and a record's pairs come in many folds, kept as 64-bit keys or
    (past 2**28 records) as three arrays; the pairs are the ones one whole pass gives (the
    plain reference)."""
    texts = _templated_texts(500, seed=band_block) + list(_corpus_texts())[:200]
    sigs, digests = _sketch(texts, M.signature)
    monkeypatch.setattr(M, "BAND_BLOCK", band_block)
    monkeypatch.setattr(M, "TOP_EVERY", top_every)
    monkeypatch.setattr(M, "KEYED_PAIRS", keyed)
    only = bytearray(random.Random(band_block).choices([0, 1, 1], k=len(texts)))
    for threshold, per_record, limit in ((0.65, 4, None), (0.8, 2, only)):
        got = M._near_pairs_numpy_looks(np, sigs, digests, threshold, per_record, (3, 32), limit)
        want = [M._near_pairs_plain(sigs, digests, threshold, per_record, k, limit) for k in (3, 32)]
        assert [pairs.as_dict() for pairs in got] == want
        assert sum(len(pairs) for pairs in got) > 300  # many pairs, in buckets far larger than a block
        for pairs, plain in zip(got, want, strict=True):
            assert _same_pairs(pairs, M.Pairs.from_dict(plain, len(digests)))


@pytest.mark.parametrize(("processes", "keyed"), [(2, True), (3, False), (16, True), (20, True)])
def test_bands_shared_among_processes_give_the_pairs_of_one_pass(monkeypatch, processes, keyed):
    """With ``spread``, each process takes a share of the bands and sends back the pairs they
    kept, already cut to ``per_record`` a record; folded together they are the pairs of one pass
    over every band (a pair met in bands of two processes counts once).  The shares run here in
    sequence, and then in forked processes."""
    from sftlint.run.forked import forked_map

    texts = _templated_texts(700, seed=processes) + list(_corpus_texts())[:200]
    sigs, digests = _sketch(texts, M.signature)
    monkeypatch.setattr(M, "KEYED_PAIRS", keyed)
    monkeypatch.setattr(M, "SPREAD_BANDS_FROM", 2)
    monkeypatch.setattr(M, "PLAIN_PAIRS_BELOW", 2)  # numpy's path, which shares the bands
    only = bytearray(random.Random(processes).choices([0, 1, 1], k=len(texts)))
    in_turn = (lambda fn, tasks: [fn(task) for task in tasks]), processes
    forked = (lambda fn, tasks: forked_map(fn, tasks, processes)), processes
    for threshold, per_record, limit in ((0.5, 4, None), (0.65, 4, None), (0.8, 1, only)):
        want = M.near_pair_arrays(sigs, digests, threshold, per_record, (3, 32), limit)
        assert sum(len(pairs) for pairs in want) > 200
        if threshold == 0.5:  # some pairs only one band proposes: a band left out would show
            some = M._looks_kept(np, sigs, digests, threshold, per_record, (3, 32), limit, range(1, M.BANDS))
            code = M.Pairs.typecode(len(digests))
            assert not all(_same_pairs(k.pairs(code), w) for k, w in zip(some, want, strict=True))
        for spread in (in_turn, forked):
            got = M.near_pair_arrays(sigs, digests, threshold, per_record, (3, 32), limit, spread)
            assert all(_same_pairs(a, b) for a, b in zip(got, want, strict=True))


def _same_pairs(a: M.Pairs, b: M.Pairs) -> bool:
    return (a.i, a.j, bytes(a.agree)) == (b.i, b.j, bytes(b.agree))


def test_pairs_blocks_split_by_records_and_keep_every_pair():
    pairs = {0: [(5, 0.5)], 3: [(1, 0.75), (2, 1.0)], 9: [(0, 0.8125), (4, 0.6875), (8, 0.7)]}
    p = M.Pairs.from_dict({i: [(j, round(e * 64) / 64) for j, e in v] for i, v in pairs.items()}, 10)
    assert p.records() == 3 and len(p) == 6
    blocks = list(p.blocks(2))
    assert [sorted(b) for b in blocks] == [[0, 3], [9]]
    assert {k: v for b in blocks for k, v in b.items()} == p.as_dict()
    assert p.as_dict()[3] == [(1, 0.75), (2, 1.0)]
    assert list(M.Pairs.empty(10).blocks(5)) == [] and M.Pairs.empty(10).records() == 0
    # a block sent to a worker as its slice of the arrays makes the same dictionary there
    assert p.bounds(2) == [(0, 3), (3, 6)] and p.bounds(5) == [(0, 6)] and M.Pairs.empty(3).bounds(2) == []
    sent = [pickle.loads(pickle.dumps(p.part(lo, hi))).as_dict() for lo, hi in p.bounds(2)]
    assert sent == blocks


@pytest.mark.parametrize("numpy", [True, False])
def test_pairs_blocks_equal_a_walk_over_the_pairs(monkeypatch, numpy):
    """Records with many pairs and many records with one, in blocks of every size."""
    if not numpy:
        monkeypatch.setattr(M, "_np", False)
    rng = random.Random(5)
    pairs = {
        i: sorted(
            (j, rng.randrange(33, 65) / 64) for j in rng.sample(range(i), min(i, rng.choice([1, 1, 2, 9])))
        )
        for i in range(1, 400)
        if rng.random() < 0.6
    }
    p = M.Pairs.from_dict(pairs, 400)
    assert p.as_dict() == pairs and p.records() == len(pairs)
    for size in (1, 2, 7, 100, 1000):
        blocks = list(p.blocks(size))
        assert all(len(b) == size for b in blocks[:-1]) and 0 < len(blocks[-1]) <= size
        assert [k for b in blocks for k in b] == sorted(pairs)
        assert {k: v for b in blocks for k, v in b.items()} == pairs


def test_exact_copies_in_numpy_equal_the_plain_ones():
    rng = random.Random(3)
    for n in (0, 1, 2, 50, 3000):
        digests = array("Q", (rng.choice([0, 1, 2**64 - 1, rng.getrandbits(64)]) for _ in range(n)))
        got = M._exact_copies_numpy(np, np.frombuffer(digests, dtype=np.uint64))
        assert got.tolist() == [bool(b) for b in M.exact_copies(digests)]


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


def _one_pass_looks(sigs, digests, threshold, per_record, looks, only=None):
    """The earlier LSH for each look D002 takes: the first is the one pass, the others find nothing."""
    return [_one_pass(sigs, digests, threshold, per_record), *({} for _ in looks[1:])]


def _one_pass_arrays(sigs, digests, threshold, per_record, looks, only=None, spread=None):
    return [
        M.Pairs.from_dict(p, len(digests))
        for p in _one_pass_looks(sigs, digests, threshold, per_record, looks)
    ]


def _d002_with_crc(path: Path, monkeypatch) -> list[tuple[int, str]]:
    with monkeypatch.context() as m:
        m.setattr(D, "signature", _crc_signature)
        m.setattr(D, "near_pair_arrays", _one_pass_arrays)
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
