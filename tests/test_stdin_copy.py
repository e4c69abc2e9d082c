"""Standard input gives the findings the same file gives: D002 reads its candidates again from a
copy of standard input on disk (issue 18), so the estimate no longer decides for piped data."""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from sftlint import stdin_copy
from sftlint.run import processes as parallel

PAIR = ROOT / "tests" / "fixtures" / "dataset" / "estimate_false_pair.jsonl"


def _d002(result, path_name):
    return [
        (d["line"], d["message"].replace(path_name, "<input>")) for d in result.json() if d["code"] == "D002"
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_stdin_and_the_file_give_the_same_d002(tmp_path, jobs, monkeypatch):
    monkeypatch.setattr(parallel, "SERIAL_BELOW_BYTES", 0)
    # the pair whose estimate (0.83) passes the threshold but whose exact similarity (0.77) does
    # not, among near-duplicates that are real (the same record re-punctuated)
    text = PAIR.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    data = text + first.replace("，", ",") + "\n" + first + "\n"
    p = tmp_path / "a.jsonl"
    p.write_text(data, encoding="utf-8")
    args = ("check", "--select", "D002", "--output-format", "json", "--jobs", jobs)
    from_file = _d002(run_cli(*args, str(p)), str(p))
    from_stdin = run_cli(*args, "--stdin-filename", "piped.jsonl", "-", stdin=data.encode())
    assert from_file and _d002(from_stdin, "piped.jsonl") == from_file
    assert all("estimated" not in m for _, m in from_file)


def test_the_copy_is_made_only_for_rules_that_read_again_and_removed(tmp_path, monkeypatch):
    # a temporary folder of the test's own: other processes' copies come and go in the shared one
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    run_cli("check", "--select", "S", "-", stdin=PAIR.read_bytes())
    assert glob.glob(os.path.join(tmp_path, "sftlint-stdin-*")) == []
    run_cli("check", "--select", "D002", "-", stdin=PAIR.read_bytes())
    copy = stdin_copy.copy_of("-")
    assert copy is not None and Path(copy).parent == tmp_path and Path(copy).read_bytes() == PAIR.read_bytes()
    stdin_copy.forget()
    assert not os.path.exists(copy) and stdin_copy.copy_of("-") is None
