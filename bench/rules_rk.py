"""Cost of the R and K rules next to the J and S rules, on the same corpora, in the same run.

    python bench/rules_rk.py                    # 20,000 records per corpus, best of 3
    python bench/rules_rk.py --records 5000 --repeat 5

Three corpora are written to a temporary directory, every user and assistant text made unique
per record (an order number), knowledge-base text shared as in real RAG data:

- ``react-clean``: the clean records of the labelled seed-style corpus
  (tests/corpus/react_rag/zh_react_rag.jsonl: multi-turn ReAct turns with knowledge-base text in
  every user turn): the case R and K are for, where every turn is parsed;
- ``plain``: the real LLaMA-Factory Alpaca demo (../shared/data/sft/, when present): what a
  dataset that uses neither ReAct nor retrieval pays;
- ``react-defects``: the whole labelled corpus, about 70% of its records defective: shown for
  information, most of its extra time is the engine locating ~1 finding per record.

Each corpus is linted with ``select=["J", "S"]`` (the baseline) and with
``select=["J", "S", "R", "K"]``; the reported ratio is the *added* cost of R+K over J+S:
``(t(J+S+R+K) - t(J+S)) / t(J+S)``, in CPU time (the machine may be shared; wall time is shown
too).  The budget (issue 3) is at most 2.0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus" / "react_rag" / "zh_react_rag.jsonl"
LABELS = CORPUS.with_name("labels.json")
ALPACA = ROOT.parent / "shared" / "data" / "sft" / "llamafactory_alpaca_zh_demo.json"


def _unique(record: dict, i: int) -> dict:
    """A copy whose user and assistant texts are unique to record ``i`` (an order number in each),
    so nothing is measured on repeated turns; retrieved knowledge-base text stays shared, as in
    real RAG data where many questions retrieve the same passages."""
    out = json.loads(json.dumps(record))
    for k, m in enumerate(out.get("messages", [])):
        if m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str):
            m["content"] = (
                f"[工单{i:06d}-{k}] " + m["content"]
                if m["role"] == "user"
                else m["content"] + f"（工单{i:06d}）"
            )
    for key in ("instruction", "output"):
        if isinstance(out.get(key), str):
            out[key] = f"{out[key]}（{i:06d}）"
    return out


def _write(path: Path, records: list[dict], n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps(_unique(records[i % len(records)], i), ensure_ascii=False) + "\n")


def corpora(directory: Path, n: int) -> dict[str, Path]:
    out: dict[str, Path] = {}
    labels = json.loads(LABELS.read_text(encoding="utf-8"))[CORPUS.name]
    react = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    clean = [r for r, lab in zip(react, labels, strict=True) if not lab]
    out["react-clean"] = directory / "react_clean.jsonl"
    _write(out["react-clean"], clean, n)
    if ALPACA.is_file():
        out["plain"] = directory / "plain.jsonl"
        _write(out["plain"], json.loads(ALPACA.read_text(encoding="utf-8")), n)
    out["react-defects"] = directory / "react_defects.jsonl"
    _write(out["react-defects"], react, n)
    return out


def _run(path: Path, select: list[str]) -> tuple[float, float, int]:
    import sftlint

    w0, c0 = time.perf_counter(), time.process_time()
    count = sum(1 for _ in sftlint.lint_iter(path, select=select))
    return time.perf_counter() - w0, time.process_time() - c0, count


def measure(path: Path, repeat: int) -> dict[str, tuple[float, float, int]]:
    """Best (minimum) wall and CPU time of each selection; runs interleaved so that load from
    other processes falls on both alike."""
    best: dict[str, tuple[float, float, int]] = {}
    for _ in range(repeat):
        for name, select in (("J+S", ["J", "S"]), ("J+S+R+K", ["J", "S", "R", "K"])):
            wall, cpu, n = _run(path, select)
            old = best.get(name)
            best[name] = (min(wall, old[0]) if old else wall, min(cpu, old[1]) if old else cpu, n)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    import sftlint

    sftlint.lint(CORPUS, select=["J", "S", "R", "K"])  # warm imports and plugin loading
    print(
        f"python {platform.python_version()} on {platform.machine()} ({os.cpu_count()} cpus), "
        f"{args.records} records per corpus, best of {args.repeat} interleaved runs; CPU seconds (wall)"
    )
    print(f"{'corpus':14} {'J+S':>14} {'J+S+R+K':>14} {'R+K added':>10}  findings J+S / all")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in corpora(Path(tmp), args.records).items():
            r = measure(path, args.repeat)
            (bw, bc, bn), (fw, fc, fn) = r["J+S"], r["J+S+R+K"]
            added = (fc - bc) / bc
            if name != "react-defects":
                worst = max(worst, added)
            print(f"{name:14} {bc:6.2f} ({bw:5.2f}) {fc:6.2f} ({fw:5.2f}) {added:9.2f}x  {bn} / {fn}")
    print(f"worst added cost on react-clean / plain: {worst:.2f}x of J+S (budget 2.0x)")
    return 0 if worst <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
