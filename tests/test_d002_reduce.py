"""D002's reduce in the main process: reading candidate lines again (:func:`lines_at`) and the
low-byte prefilter of the LSH pairs give exactly what the plain ways give."""

from __future__ import annotations

import io
import random

import pytest
from sftlint.rules import dataset as D

from sftlint.analysis import minhash as M


def _pieces(rng: random.Random, n: int) -> bytes:
    """Lines of every kind a JSONL file has: empty, CR-only, CRLF, long, a BOM, no final newline."""
    out = []
    for _ in range(n):
        body = rng.choice(
            [b"", b"\r", b"x" * rng.randint(0, 40), b"\xef\xbb\xbf{}", b'{"a": "\xe4\xbd\xa0"}']
        )
        out.append(body + rng.choice([b"\n", b"\r\n", b"\n\n", b"\n" * 30, b""]))
    return b"".join(out)


@pytest.mark.parametrize("skip_by_count", [2, 3, D.SKIP_BY_COUNT])
def test_lines_at_numbers_lines_as_iterating_the_file_does(monkeypatch, skip_by_count):
    monkeypatch.setattr(D, "SKIP_BY_COUNT", skip_by_count)
    rng = random.Random(skip_by_count)
    for _ in range(600):
        data = _pieces(rng, rng.randint(0, 60))
        reference = list(enumerate(io.BytesIO(data), 1))
        wanted = sorted(rng.sample(range(1, len(reference) + 4), min(len(reference) + 3, rng.randint(0, 10))))
        block = rng.choice([1, 2, 3, 7, 16, 64, 1 << 20])
        got = list(D.lines_at(io.BytesIO(data), wanted, block))
        assert got == [(k, line) for k, line in reference if k in set(wanted)], (data, wanted, block)


def test_lines_at_skips_a_long_run_of_lines_in_whole_blocks():
    data = b"\n" * 100_000 + b'{"x": 1}\n' + b"y" * 5000 + b"\nlast"
    assert list(D.lines_at(io.BytesIO(data), [100_001, 100_002, 100_003, 100_004], 4096)) == [
        (100_001, b'{"x": 1}\n'),
        (100_002, b"y" * 5000 + b"\n"),
        (100_003, b"last"),
    ]


def test_low_byte_agreement_bounds_the_whole_agreement():
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(7)
    n = 400
    values = rng.integers(0, 1 << 16, size=(n, M.NUM_HASHES), dtype=np.uint16)
    # near copies: some values kept, some changed only in the high byte (low bytes agree)
    for k in range(0, n, 2):
        keep = rng.random(M.NUM_HASHES) < 0.7
        high_only = rng.random(M.NUM_HASHES) < 0.5
        changed = values[k] ^ np.where(high_only, np.uint16(0x0100), np.uint16(0x0101))
        values[k + 1] = np.where(keep, values[k], changed)
    i = rng.integers(0, n, 5000)
    j = rng.integers(0, n, 5000)
    i[:200] = np.arange(0, 400, 2)
    j[:200] = np.arange(1, 400, 2)
    low = np.ascontiguousarray(values.astype(np.uint8))
    got = M._low_agreement(np, low, i, j)
    assert (got == (low[i] == low[j]).sum(axis=1)).all()
    assert (got >= (values[i] == values[j]).sum(axis=1)).all()
    assert (got[:200] > (values[i[:200]] == values[j[:200]]).sum(axis=1)).any()  # a real upper bound


class _Counted(bytes):
    """A block whose ``count`` calls add up the bytes they look through."""

    scanned = 0

    def count(self, sub, start=0, end=None):  # type: ignore[override]
        end = len(self) if end is None else end
        _Counted.scanned += max(0, end - start)
        return bytes.count(self, sub, start, end)


class _Blocks(io.BytesIO):
    def read(self, n=-1):  # type: ignore[override]
        return _Counted(super().read(n))


def test_lines_at_counts_a_block_once_for_a_line_far_ahead_in_it():
    """A wanted line more than SKIP_BY_COUNT lines ahead inside the block read: the rest of the
    block was counted again before each line skipped one by one (20 s of D002's reduce for the
    fuzz campaign's seed 7010, a 1 MB table of short lines).  The count is kept as lines go."""
    data = b"".join(b'{"n": %d}\n' % i for i in range(60_000))
    reference = data.split(b"\n")
    wanted = [3, 5_000, 9_000, 30_000, 59_999, 60_000]
    _Counted.scanned = 0
    got = list(D.lines_at(_Blocks(data), wanted, 1 << 20))
    assert got == [(k, reference[k - 1] + b"\n") for k in wanted]
    assert _Counted.scanned <= 3 * len(data)


def test_a_block_sent_to_a_worker_carries_its_records_locations_with_or_without_numpy(monkeypatch):
    """What the main process sends with a verification block (its records' positions, path ids,
    numbers, lines, digests and kept turns; the files' path ids) is the same taken with numpy
    or one record at a time, over two files and positions past 2**16."""
    rng = random.Random(8)
    coll = D._SignatureCollector()
    for k in range(70_000):
        coll.loc.add("b.jsonl" if 30_000 <= k < 50_000 else "a.jsonl", k, k + 2)
        coll.digests.append(rng.getrandbits(64))
    coll.kept = {k: (f"turn {k}", ("user",), "") for k in range(0, 70_000, 7)}
    pairs = {i: sorted(rng.sample(range(i), 2)) for i in sorted(rng.sample(range(1, 70_000), 300))}
    part = M.Pairs.from_dict({i: [(j, 0.75) for j in js] for i, js in pairs.items()}, 70_000)
    sent, pids = D._sent_locations(coll, part, ["a", "b"])
    positions = sorted({k for i, js in pairs.items() for k in (i, *js)})
    assert sent[1].tolist() == positions and pids == [0, 1]
    assert sent[2].tolist() == [coll.loc.path_id[k] for k in positions]
    assert sent[3].tolist() == positions and sent[4].tolist() == [k + 2 for k in positions]
    assert sent[5].tolist() == [coll.digests[k] for k in positions]
    assert sent[6] == {k: coll.kept[k] for k in positions if k % 7 == 0} and sent[6]
    monkeypatch.setattr(M, "_np", False)
    assert D._sent_locations(coll, part, ["a", "b"]) == (sent, pids)
