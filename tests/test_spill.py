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
