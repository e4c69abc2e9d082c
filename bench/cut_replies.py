"""Cut the last reply of a share of a corpus's records, and score what the rules report of them.

    python bench/seed_kind_corpus.py --records 5000 --seed 123 --out bench/out/sk-clean-123.jsonl
    python bench/cut_replies.py bench/out/sk-clean-123.jsonl --share 0.25 --seed 1 --out bench/out/sk-cut25.jsonl
    python bench/cut_replies.py --score bench/out/sk-cut25.jsonl

A generator that stops at its token limit, an export that truncates a field, a copy that loses
its tail: the record's last assistant turn ends partway.  ``--share`` of the records (messages or
ShareGPT ``conversations``) get their last assistant turn cut at a random character in its second
half, never right after punctuation or white space, so each cut is a real one; the lines cut are
written to ``<out>.truth.json``.  Where the cut falls decides which rule can see it: inside a
ReAct block (R004), inside a line-layout trace before its answer (R008), in the reply (T006).

``--score`` lints the file with the default rules and prints how many cut records got a finding,
by code, the findings on records that were not cut, and the shape of the last lines of the cut
records no finding marks.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

_NO_CUT_AFTER = set("，。！？、；：,.!?;: \n\t　")


def _turns(record: dict) -> list[dict] | None:
    turns = record.get("messages") or record.get("conversations")
    return turns if isinstance(turns, list) else None


def _text_key(turn: dict) -> str:
    return "content" if "content" in turn else "value"


def _is_reply(turn: dict) -> bool:
    return turn.get("role", turn.get("from")) in ("assistant", "gpt")


def cut(path: Path, share: float, seed: int, out: Path) -> int:
    rng = random.Random(seed)
    cut_lines: list[int] = []
    with path.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for n, line in enumerate(src, 1):
            record = json.loads(line)
            turns = _turns(record)
            replies = [t for t in turns or () if _is_reply(t)]
            if replies and rng.random() < share:
                last = replies[-1]
                key = _text_key(last)
                text = last[key]
                places = [i for i in range(len(text) // 2, len(text) - 1) if text[i - 1] not in _NO_CUT_AFTER]
                if places:
                    last[key] = text[: rng.choice(places)]
                    cut_lines.append(n)
            dst.write(json.dumps(record, ensure_ascii=False) + "\n")
    Path(str(out) + ".truth.json").write_text(json.dumps(cut_lines))
    print(f"{len(cut_lines)} records cut, written to {out}")
    return 0


def score(path: Path) -> int:
    import sftlint

    truth = set(json.loads(Path(str(path) + ".truth.json").read_text()))
    codes_on: dict[int, set[str]] = {}
    for d in sftlint.lint(str(path)):
        if d.severity != "info" and d.line is not None:
            codes_on.setdefault(d.line, set()).add(d.code)
    found = [n for n in truth if n in codes_on]
    print(f"cut records: {len(truth)}; with a finding: {len(found)} ({len(found) / max(len(truth), 1):.3f})")
    print("  by code:", dict(Counter(c for n in found for c in codes_on[n]).most_common()))
    elsewhere = Counter(c for n, cs in codes_on.items() if n not in truth for c in cs)
    print("findings on records not cut:", dict(elsewhere.most_common()))
    missed = sorted(truth - set(found))
    lines = path.read_text(encoding="utf-8").splitlines()
    shapes = Counter()
    for n in missed:
        turns = _turns(json.loads(lines[n - 1])) or []
        replies = [t for t in turns if _is_reply(t)]
        last_line = replies[-1][_text_key(replies[-1])].rstrip().rsplit("\n", 1)[-1] if replies else ""
        shapes[last_line[-12:]] += 1
    for shape, k in shapes.most_common(15):
        print(f"  missed, ends {shape!r}: {k}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path)
    ap.add_argument("--share", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--score", type=Path, metavar="FILE")
    args = ap.parse_args(argv)
    if args.score:
        return score(args.score)
    if not (args.corpus and args.out):
        ap.error("give a corpus and --out to cut, or --score FILE")
    return cut(args.corpus, args.share, args.seed, args.out)


if __name__ == "__main__":
    sys.exit(main())
