"""Count, per file, the defect classes of the recall audit (docs/benchmarks.md, "Recall audit on
held-out data"): defects read by hand in samples of the held-out and shared files, described
precisely enough for a script to count them everywhere.

    python bench/recall_audit.py ../heldout ../shared/data/wild ../shared/data/sft
    python bench/recall_audit.py --sample 30 ../heldout/cet_lima.json   # seeded records to read

Replies are found without the input formats, by a generic walk: a message whose role is the
assistant's (``assistant``, ``gpt``, ``bot``), and strings under the keys that hold answers
(``output``, ``response``, ``answer``, ``chosen``, ``rejected``, ...).  A count is of replies,
not of findings: a class here is a candidate, not a rule.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sftlint.analysis.text.fences import find_open_fence  # noqa: E402

ANSWER_KEYS = {"output", "response", "answer", "std_answer", "raw_anwser", "target", "chosen", "rejected"}
ASSISTANT = {"assistant", "gpt", "bot"}
#: A reply that speaks as "an AI language model" (ChatGPT's hedge), no vendor named.
AI_DISCLAIMER = re.compile(
    r"\b(?:as an? (?:AI|artificial intelligence)(?: language model| model| assistant)?"
    r"|I(?:'m| am) (?:just |only )?an? (?:AI|artificial intelligence) (?:language model|model)"
    r"|as a (?:large )?language model)\b"
    r"|作[为為](?:一个|一個|一名|一款)?(?:AI|人工智能|人工智慧)(?:语言|語言)?(?:模型|助手|程序|程式)?"
    r"|我(?:只)?是(?:一个|一個|一款)?(?:AI|人工智能|人工智慧)(?:语言|語言)?模型",
    re.I,
)
SENTENCE = re.compile(r"[^。！？!?\n]{15,}[。！？!?]")


def load(path: Path) -> list:
    text = path.read_text(encoding="utf-8", errors="replace")
    if text.lstrip().startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    out = []
    for line in text.splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append(None)
    return out


def replies(record: object) -> list[str]:
    out: list[str] = []

    def walk(o: object, key: str | None = None) -> None:
        if isinstance(o, dict):
            if (o.get("role") or o.get("from")) in ASSISTANT:
                c = o.get("content", o.get("value"))
                if isinstance(c, str):
                    out.append(c)
                elif isinstance(c, list):
                    out.extend(p.get("text", p.get("value")) for p in c if isinstance(p, dict))
                return
            for k, v in o.items():
                walk(v, k)
        elif isinstance(o, list):
            for v in o:
                walk(v, key)
        elif isinstance(o, str) and key in ANSWER_KEYS:
            out.append(o)

    walk(record)
    return [r for r in out if isinstance(r, str) and r]


def classes(path: Path) -> tuple[int, Counter]:
    counts: Counter = Counter()
    sentences: Counter = Counter()
    n = 0
    for rec in load(path):
        for text in replies(rec):
            n += 1
            counts["unclosed code block"] += find_open_fence(text) is not None
            counts["AI-model disclaimer"] += bool(AI_DISCLAIMER.search(text))
            counts["leading whitespace"] += text[0] in " \t\n"
            counts["trailing whitespace"] += text[-1] in " \t\n"
            sentences.update(set(SENTENCE.findall(text)))
    # a sentence of 15+ characters that at least 5 replies and 1% of the file's replies share
    counts["shared sentence"] = sum(c for _, c in sentences.most_common(3) if c >= 5 and c >= 0.01 * n)
    return n, +counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--sample", type=int, help="print this many seeded records of each file instead")
    args = ap.parse_args(argv)
    files = [f for p in args.paths for f in (sorted(p.glob("*.json*")) if p.is_dir() else [p])]
    files = [f for f in files if f.name != "dataset_info.json"]
    if args.sample:
        for f in files:
            recs = load(f)
            random.seed(56)
            for i in sorted(random.sample(range(len(recs)), min(args.sample, len(recs)))):
                print(f"--- {f.name} #{i}\n{json.dumps(recs[i], ensure_ascii=False)}")
        return 0
    in_files: Counter = Counter()
    in_replies: Counter = Counter()
    for f in files:
        n, counts = classes(f)
        if counts:
            print(f"{f.name} ({n} replies): " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for k, v in counts.items():
            in_files[k] += 1
            in_replies[k] += v
    print(f"\n{len(files)} files")
    for k, v in in_replies.most_common():
        print(f"{k}: {v} replies in {in_files[k]} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
