"""bench/typo_margin.py: the measurement of T001's file-level bar reads the rule's own test and
counts, so its tables stay the rule's (a file is unfamiliar exactly when the rule says so, and
a finding in it is kept exactly when its score reaches the rule's bar)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench():
    spec = importlib.util.spec_from_file_location("typo_margin_bench", ROOT / "bench" / "typo_margin.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["typo_margin_bench"] = module
    spec.loader.exec_module(module)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return module


def _finding(b, score: float, verdict: str):
    return b.Finding(key=None, text="", start=0, before="", after="", score=score, verdict=verdict)


def test_unfamiliar_files_and_what_the_bar_keeps(capsys):
    b = _bench()
    # clinical notes: many proposals per character, few of them findings
    notes = b.FileStats("heldout-r1", "notes", chars=10_000, proposed=40, model=2)
    notes.findings = [_finding(b, 1.5, "wrong"), _finding(b, 2.6, "right")]
    # a spelling-check set: as dense, but the proposals convince
    slips = b.FileStats("csc", "slips", chars=10_000, proposed=40, model=12)
    slips.findings = [_finding(b, 1.5, "right")]
    # too few proposals to say anything about the file
    small = b.FileStats("heldout-r1", "small", chars=1_000, proposed=10, model=0)
    small.findings = [_finding(b, 1.5, "wrong")]
    assert [b.unfamiliar(s) for s in (notes, slips, small)] == [True, False, False]
    b.file_step_table([notes, slips, small])
    out = capsys.readouterr().out
    assert "heldout-r1     1/2 -> 1/1" in out
    assert "csc            1/0 -> 1/0" in out
