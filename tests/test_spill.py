"""Sorting dataset findings in runs on disk gives what sorting them in a list gives."""

from __future__ import annotations

import random

import pytest

from sftlint import spill
from sftlint.diagnostic import Diagnostic


def _diagnostics(n: int, seed: int) -> list[Diagnostic]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        out.append(
            Diagnostic(
                code=rng.choice(["D001", "D002"]),
                name="near-duplicate",
                severity="warning",
                message=f"record is a near-duplicate of the record at line {rng.randrange(n)} ({k})",
                path=rng.choice(["a.jsonl", "b.jsonl", "数据/c.jsonl"]),
                line=rng.randrange(1, 40),  # many equal keys: the order they came in must hold
                column=rng.choice([None, 1, 5]),
                pointer="",
                record=k,
                record_hash=f"pair:{k:016x}",
                data={"similarity": rng.random(), "first_line": rng.randrange(n)},
            )
        )
    return out


@pytest.mark.parametrize(("n", "hold"), [(0, 3), (1, 3), (3, 3), (4, 3), (1000, 7), (1000, 64), (50, 10_000)])
def test_runs_on_disk_give_the_stable_sort(monkeypatch, n, hold):
    monkeypatch.setattr(spill, "HOLD", hold)
    monkeypatch.setattr(spill, "READ_BACK", 5)
    diags = _diagnostics(n, seed=n + hold)
    buffer = spill.SortedSpill(Diagnostic.sort_key)
    for d in diags:
        buffer.append(d)
    assert (buffer._file is not None) == (n > hold)
    got = list(buffer)
    assert got == sorted(diags, key=Diagnostic.sort_key)  # equal keys keep their order (stable)
    assert buffer._file is None  # the temporary file is gone once read


def test_a_buffer_closed_early_removes_its_file(monkeypatch):
    monkeypatch.setattr(spill, "HOLD", 2)
    buffer = spill.SortedSpill(Diagnostic.sort_key)
    for d in _diagnostics(10, seed=1):
        buffer.append(d)
    fh = buffer._file
    assert fh is not None
    buffer.close()
    assert fh.closed and list(buffer) == []


def test_dataset_findings_past_the_hold_come_out_as_before(monkeypatch, tmp_path):
    """D001 and D002 on a file with many copies: the same diagnostics in the same order whether
    they are sorted in memory or in runs on disk."""
    import orjson

    import sftlint
    from bench import corpus

    rows = list(corpus.generate(40, seed=3))
    rng = random.Random(5)
    lines = []
    for _ in range(300):
        rec = orjson.loads(orjson.dumps(rng.choice(rows)))
        if rng.random() < 0.5:  # a near-copy: one character changed in the last turn
            msg = rec["messages"][-1]
            msg["content"] = msg["content"][:-3] + "的" + msg["content"][-2:]
        lines.append(orjson.dumps(rec))
    a, b = tmp_path / "b.jsonl", tmp_path / "a.jsonl"  # read b first: the sort puts a first
    a.write_bytes(b"\n".join(lines[:150]) + b"\n")
    b.write_bytes(b"\n".join(lines[150:]) + b"\n")
    whole = [d.to_dict() for d in sftlint.lint([str(a), str(b)], select=["D001", "D002"])]
    monkeypatch.setattr(spill, "HOLD", 7)
    assert [d.to_dict() for d in sftlint.lint([str(a), str(b)], select=["D001", "D002"])] == whole
    assert len(whole) > 200


def test_without_a_temporary_directory_the_runs_stay_in_memory(monkeypatch, tmp_path):
    """No writable temporary directory (or a full disk) costs memory, never findings."""
    import tempfile

    monkeypatch.setattr(spill, "HOLD", 7)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))  # TemporaryFile fails
    diags = _diagnostics(100, seed=5)
    buffer = spill.SortedSpill(Diagnostic.sort_key)
    for d in diags:
        buffer.append(d)
    assert buffer._file is None and len(buffer._runs) == 14
    assert list(buffer) == sorted(diags, key=Diagnostic.sort_key)


def test_a_file_that_stops_taking_runs_keeps_the_order(monkeypatch, tmp_path):
    """Runs written before the failure are read back from the file, those after it from memory,
    merged in the order they were cut (equal keys keep their arrival order)."""
    monkeypatch.setattr(spill, "HOLD", 7)
    monkeypatch.setattr(spill, "READ_BACK", 3)
    diags = _diagnostics(60, seed=9)
    buffer = spill.SortedSpill(Diagnostic.sort_key)
    for d in diags[:20]:
        buffer.append(d)
    assert len(buffer._runs) == 2 and buffer._file is not None
    written = tmp_path / "runs"
    buffer._file.seek(0)
    written.write_bytes(buffer._file.read())
    buffer._file.close()
    buffer._file = open(written, "rb")  # noqa: SIM115 - a file that can be read, not written
    for d in diags[20:]:
        buffer.append(d)
    assert [isinstance(run, list) for run in buffer._runs] == [
        False,
        False,
        True,
        True,
        True,
        True,
        True,
        True,
    ]
    assert list(buffer) == sorted(diags, key=Diagnostic.sort_key)


# -- SpilledTexts: texts by position, past a few MB on disk -------------------------------------

#: texts as D002 keeps them: Chinese, emoji and other characters outside the basic plane, a lone
#: surrogate (JSON's "\ud800" reads as one), ASCII, none and empty
_TEXTS = ["退款怎么还没到账", None, "😀𠀀abc", "\ud800孤", "", "plain ascii text", "é" * 50]


def _filled(texts: list[str | None]) -> spill.SpilledTexts:
    store = spill.SpilledTexts()
    for text in texts:
        store.add(text)
    return store


def _want(texts: list[str | None]) -> list[str | None]:
    return [text or None for text in texts]  # an empty text reads back as none


def _read(store: spill.SpilledTexts) -> list[str | None]:
    return [store.get(k) for k in range(len(store))]


@pytest.mark.parametrize(("hold", "on_disk"), [(spill.TEXTS_HOLD, False), (1, True), (40, True)])
def test_spilled_texts_read_back_by_position(monkeypatch, hold, on_disk):
    """In memory, each text on its own in the file (hold 1), and part in the file, part not."""
    monkeypatch.setattr(spill, "TEXTS_HOLD", hold)
    texts = _TEXTS * 5
    store = _filled(texts)
    assert len(store) == len(texts)
    assert _read(store) == _want(texts)
    assert (store._file is not None) == on_disk
    assert store.get(len(texts)) is None and store.get(-1) is None


@pytest.mark.parametrize("hold", [spill.TEXTS_HOLD, 1, 40])
def test_extended_texts_follow_in_order(monkeypatch, hold):
    """Pieces after one another (a worker's ranges folded in order), whether they hold their
    texts in memory, in a file copied over, or in a file taken over by an empty store."""
    monkeypatch.setattr(spill, "TEXTS_HOLD", hold)
    pieces = [_TEXTS[:3], _TEXTS[3:], ["第三块"] * 9, [], _TEXTS]
    store = spill.SpilledTexts()
    for texts in pieces:
        store.extend(_filled(texts))
    assert _read(store) == _want([t for texts in pieces for t in texts])


def test_pickled_texts_cross_to_another_process_but_are_not_stored(monkeypatch):
    """A --jobs worker's piece carries its texts to the main process; the results cache's entry
    holds only the positions (the texts only spare work), so a file replayed from the cache has
    none and its records are read again."""
    import pickle

    monkeypatch.setattr(spill, "TEXTS_HOLD", 16)  # some of them in the piece's file
    store = _filled(_TEXTS * 3)
    sent = pickle.loads(pickle.dumps(store))
    assert _read(sent) == _want(_TEXTS * 3)
    with spill.storing():
        payload = pickle.dumps(store)
    stored = pickle.loads(payload)
    assert len(stored) == len(store) and _read(stored) == [None] * len(store)
    assert len(payload) < 200 and "孤".encode() not in payload
    # a replayed file between two linted ones: the positions after it keep their texts
    folded = _filled(["前"])
    folded.extend(stored)
    folded.extend(_filled(["后", "面"]))
    assert _read(folded) == ["前", *[None] * len(store), "后", "面"]


def test_texts_are_forgotten_not_lost_when_the_file_cannot_be_written(monkeypatch, tmp_path):
    """No temporary directory (or a full disk): every text reads back as none (D002 then reads
    its records again), and the positions still count, so the stores extended after stay right."""
    import tempfile

    monkeypatch.setattr(spill, "TEXTS_HOLD", 8)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    store = _filled(_TEXTS * 2)
    assert len(store) == 2 * len(_TEXTS) and _read(store) == [None] * len(store)
    store.extend(_filled(["再来"]))
    assert len(store) == 2 * len(_TEXTS) + 1 and store.get(len(store) - 1) is None


def test_a_forked_process_reads_the_file_while_this_one_does(monkeypatch):
    """D002 verifies blocks in forked processes that share the file: reading at an offset
    (``pread``) never moves the other's place."""
    import os

    if not hasattr(os, "fork"):
        pytest.skip("needs fork")
    monkeypatch.setattr(spill, "TEXTS_HOLD", 1)
    texts = [f"第{k}条：" + "字" * (k % 17) for k in range(300)]
    store = _filled(texts)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        ok = all(store.get(k) == texts[k] for k in reversed(range(300)))
        os.write(w, b"1" if ok else b"0")
        os._exit(0)
    os.close(w)
    mine = [store.get(k) for k in range(300)]
    os.waitpid(pid, 0)
    assert os.read(r, 1) == b"1" and mine == texts


def test_the_positions_take_eight_bytes_once_the_texts_pass_4_gb():
    """Four bytes a position while the texts' ends fit, eight from the first that does not:
    the texts read back the same either way (the store is told it wrote 4 GB to its file)."""
    store = spill.SpilledTexts()
    store._flushed = (1 << 32) - 2  # as if that much were in its file already
    store.add(None)
    assert store._ends.typecode == "I"
    store.add("后面")
    assert store._ends.typecode == "Q"
    store.extend(_filled(["再来"]))
    assert len(store) == 3 and [store.get(k) for k in range(3)] == [None, "后面", "再来"]
    small = _filled(["前"])
    small.extend(store)  # a piece past 4 GB after a small one
    assert small._ends.typecode == "Q" and small.get(0) == "前" and len(small) == 4
