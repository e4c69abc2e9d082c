"""T001 the rule, file-level steps included, on each spelling-check set taken as one file.

``bench/typo.py`` and ``bench/typo_precision.py`` run T001's detector on each csc sentence
alone, so the rule's steps over a whole file (``frequent``, the unfamiliar file's bar, the bar
for a correction asked for on two lines) never act there.  This writes each set as one JSON
Lines file of one-sentence records (``{"messages": [{"role": "user", "content": sentence}]}``)
in a temporary folder, lints it with T001 and counts the findings whose flagged character the
gold target changes (right by the gold) and the others:

    python bench/typo_csc_files.py            # one row per set
    python bench/typo_csc_files.py --rows     # every finding, the gold's verdict beside it
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _typo_precision():
    spec = importlib.util.spec_from_file_location("typo_precision", ROOT / "bench" / "typo_precision.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["typo_precision"] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--rows", action="store_true", help="print every finding")
    args = ap.parse_args(argv)
    import sftlint

    sets: dict[str, list[tuple[str, str]]] = {}
    for rel, _line, _pointer, src, tgt in _typo_precision().csc_sentences(args.data):
        sets.setdefault(rel, []).append((src, tgt))
    if not sets:
        print(f"no csc sets under {args.data}", file=sys.stderr)
        return 0
    print(f"{'set':24} {'sentences':>9} {'findings':>8} {'gold':>5} {'other':>5}")
    with tempfile.TemporaryDirectory() as tmp:
        for rel, pairs in sets.items():
            path = Path(tmp) / (Path(rel).stem + ".jsonl")
            path.write_text(
                "".join(
                    json.dumps({"messages": [{"role": "user", "content": s}]}, ensure_ascii=False) + "\n"
                    for s, _ in pairs
                ),
                encoding="utf-8",
            )
            found = [d for d in sftlint.lint(str(path), select=["T001"]) if d.code == "T001"]
            gold = 0
            for d in found:
                src, tgt = pairs[d.line - 1]
                a, b = d.span
                hit = src[a:b] != tgt[a:b]
                gold += hit
                if args.rows:
                    print(f"  {rel}:{d.line} {'gold' if hit else 'other'} {d.message}")
            print(f"{Path(rel).stem:24} {len(pairs):>9} {len(found):>8} {gold:>5} {len(found) - gold:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
