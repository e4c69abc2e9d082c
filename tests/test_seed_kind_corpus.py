"""The independent seed-kind generator (bench/seed_kind_corpus.py) against the default rules: a clean
corpus yields no error or warning of the R, K, S and T families, and every planted R and K defect is
reported at its line (the acceptance checks run on a corpus of the seed's kind that the repo's own
generator did not write; these layouts are the ones the rules were once over-fitted against)."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import sftlint

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench import seed_kind_corpus as skc  # noqa: E402


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_clean_corpus_is_quiet_in_both_formats(tmp_path):
    for fmt in ("messages", "sharegpt"):
        lines, truth = skc.generate(300, 3, 0.0, fmt)
        assert truth == []
        diags = [d for d in sftlint.lint(str(write(tmp_path, f"{fmt}.jsonl", lines))) if d.severity != "info"]
        # D002 may find one of the generator's own near-copies; nothing else is a finding
        assert [d for d in diags if d.code != "D002"] == [], fmt


def test_planted_react_and_retrieval_defects_are_reported_where_planted(tmp_path):
    lines, truth = skc.generate(600, 5, 0.4, "messages")
    path = write(tmp_path, "planted.jsonl", lines)
    found = defaultdict(set)
    for d in sftlint.lint(str(path)):
        found[d.line].add(d.code)
    checked = 0
    for t in truth:
        if t["codes"][0][0] in "RK":
            checked += 1
            assert found[t["line"]] & set(t["codes"]), t
    assert checked > 100
    # the truth points at the damaged message
    for t in truth:
        if t["pointer"]:
            record = json.loads(lines[t["line"] - 1])
            _, key, index, field = t["pointer"].split("/")
            assert isinstance(record[key][int(index)][field], str)
