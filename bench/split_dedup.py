"""Near-duplicate grouping of `sftlint split`: MinHash + banding against the exhaustive pairwise baseline.

    python bench/split_dedup.py                 # real LLaMA-Factory data (../shared/data) + the example, best of 3
    python bench/split_dedup.py --repeat 5

The baseline compares every pair of records with the exact Jaccard similarity of their character
5-gram sets (what the grouping means), O(n^2).  `near_duplicate_groups` hashes each record once into a
one-permutation MinHash sketch, compares only the pairs that share an LSH band, and verifies those with
the exact Jaccard.  Both run on the same texts in the same process; the script reports both times, the
speed-up, and whether the two give the same groups (recall and precision of the pairs LSH finds).
"""

from __future__ import annotations

import argparse
import itertools
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sftlint  # noqa: E402
from sftlint.train.split import (  # noqa: E402
    THRESHOLD,
    _UnionFind,
    dialogue_text,
    jaccard,
    near_duplicate_groups,
    normalise,
    shingles,
)

SHARED = ROOT.parent / "shared" / "data" / "sft"
SOURCES = [
    SHARED / "llamafactory_alpaca_zh_demo.json",
    SHARED / "llamafactory_glaive_toolcall_zh_demo.json",
    SHARED / "llamafactory_identity.json",
    ROOT / "examples" / "customer_service.jsonl",
]


def exhaustive_groups(texts: list[str], threshold: float) -> list[int]:
    sets = [shingles(normalise(t)) for t in texts]
    uf = _UnionFind(len(texts))
    for a, b in itertools.combinations(range(len(texts)), 2):
        if jaccard(sets[a], sets[b]) >= threshold:
            uf.union(a, b)
    return [uf.find(i) for i in range(len(texts))]


def pairs(groups: list[int]) -> set[tuple[int, int]]:
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    return {p for m in members.values() for p in itertools.combinations(m, 2)}


def best_of(repeat: int, fn, *args):
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threshold", type=float, default=THRESHOLD)
    args = ap.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, best of {args.repeat}")
    print(f"{'file':44} {'records':>7} {'pairwise s':>10} {'LSH s':>8} {'speed-up':>8} {'groups':>6} same")
    for path in SOURCES:
        if not path.is_file():
            print(f"{path.name:44} (absent, skipped)")
            continue
        texts = [dialogue_text(r) for r in sftlint.load_records(path)]
        t_base, base = best_of(args.repeat, exhaustive_groups, texts, args.threshold)
        t_lsh, lsh = best_of(args.repeat, near_duplicate_groups, texts, args.threshold)
        p_base, p_lsh = pairs(base), pairs(lsh)
        n_groups = sum(1 for g in set(lsh) if lsh.count(g) > 1)
        same = "yes" if p_base == p_lsh else f"no (missed {len(p_base - p_lsh)}, extra {len(p_lsh - p_base)})"
        print(
            f"{path.name:44} {len(texts):>7} {t_base:>10.3f} {t_lsh:>8.3f} {t_base / t_lsh:>7.1f}x {n_groups:>6} {same}"
        )


if __name__ == "__main__":
    main()
