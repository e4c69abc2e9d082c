"""Scoring a stranger's seed-kind corpus: planted defects caught, and findings on no plant.

The generators that strangers wrote from the seed article alone (``bench/seed_kind_formats.py``,
``bench/seed_kind_teams.py``, ``bench/seed_kind_pipeline.py``) write, beside each planted file,
a truth file: one ``{"index", "kind", "detail"}`` per planted record (the 0-based record index in
that file; a CSV file's data rows).  :func:`score` lints the file with the default rules and
prints, per planted kind, how many plants a finding of an expected code caught (matched by
record index), and the findings on records with no plant of their kind.  K002 on the ``[同上]``
the generators write on purpose, and D001/D002 on records with no plant, are left out: near-copies
of one template are the generators' own, judged separately.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

#: the codes that catch each planted kind
EXPECT = {
    "missing_react": ("R001", "R004", "R008"),
    "missing_react_step": ("R002", "R013"),
    "action_double_colon": ("R003",),
    "kb_numbering": ("K101", "K102", "K103", "K104"),
    "missing_retrieval": ("K001",),
    "typo": ("T001", "T002"),
    "truncated_reply": ("T006", "R004", "R008"),
    "exact_duplicate": ("D001",),
    "near_duplicate": ("D002", "D001"),
    "empty_reply": ("S001", "S002", "S003", "S005", "R001", "R008"),
    "wrong_role_order": ("S003", "S004", "S005", "S006", "S007"),
}


def score(path: str) -> int:
    """Print the planted kinds' recall and the findings on no plant (a clean file, without a
    truth file beside it: every finding but K002's and D001/D002's)."""
    import os

    import sftlint

    truth_path = path.rsplit(".", 1)[0] + ".truth.jsonl"
    truth = []
    if os.path.exists(truth_path):
        with open(truth_path, encoding="utf-8") as f:
            truth = [json.loads(x) for x in f]
    by_index = defaultdict(list)
    for t in truth:
        by_index[t["index"]].append(t)
    caught, stray, seen = Counter(), [], set()
    for d in sftlint.lint(path):
        if d.severity == "info" or (d.code in ("K002", "D001", "D002") and not by_index.get(d.record)):
            continue
        hits = [t for t in by_index.get(d.record, ()) if d.code in EXPECT[t["kind"]]]
        for t in hits:
            if id(t) not in seen:
                seen.add(id(t))
                caught[t["kind"]] += 1
        if not hits and d.code not in ("K002", "D001", "D002"):
            stray.append(d)
    planted = Counter(t["kind"] for t in truth)
    print(f"{'kind':22} {'planted':>7} {'caught':>7} {'recall':>7}")
    for kind, n in sorted(planted.items()):
        print(f"{kind:22} {n:7d} {caught[kind]:7d} {caught[kind] / n:7.2f}")
    n, c = sum(planted.values()), sum(caught.values())
    print(f"{'all':22} {n:7d} {c:7d} {c / max(n, 1):7.2f}")
    print(f"findings on records with no plant of their kind: {dict(Counter(d.code for d in stray))}")
    for d in stray[:10]:
        print(f"  record {d.record} {d.code} {d.pointer} {d.message[:100]}")
    return 0
