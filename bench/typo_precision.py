"""T001's precision per dataset, over the real SFT files and the spelling-check sets.

``bench/precision.py`` measures every rule on the real SFT datasets (``wild/``, ``sft/``),
where T001 finds only a handful of typos: machine-written text holds few.  This bench adds the
real Chinese text of ``csc/`` (sentences written by people, with gold corrections, and clean
sentences), so that T001's precision rests on enough findings to be a number:

    python bench/typo_precision.py                 # per-dataset table, SFT files + csc sets
    python bench/typo_precision.py --markdown      # the same, for docs/benchmarks.md
    python bench/typo_precision.py --unjudged      # csc findings without a verdict, gold shown
    python bench/typo_precision.py --judge-gold    # append gold verdicts for findings the gold marks

How a finding is made: on the SFT files, by the rule itself (``sftlint.lint(select=["T001"])``,
the file-level ``frequent`` count included); on a csc set, by T001's detector on each sentence
alone (the set is a list of unrelated sentences, not a dataset: the rule's per-file count of
repeated corrections does not apply), as ``bench/typo.py`` runs it.

Where its verdict lives: ``bench/verdicts/typo.jsonl`` (SFT files) and
``bench/verdicts/typo_csc.jsonl`` (csc sets), one line per finding as in ``bench/precision.py``:
``file`` is ``csc/<set file>``, ``line`` the 1-based line of the sentence in the ``.tsv``
(or the 1-based position in ``clean_xxqg.json``), ``pointer`` ``""`` (``/<i>/original_text``
for the JSON list), ``span`` the flagged character.  Each csc verdict says ``how`` it was
made: ``"gold"`` when the gold target changes the flagged character (the finding is right;
``why`` says whether the suggestion equals the gold), ``"hand"`` when the gold leaves that
character alone and the finding was read in its sentence and judged (a typo the gold missed
is right; anything else is wrong).  ``--judge-gold`` writes only ``"gold"`` verdicts; every
``"hand"`` verdict was written by a person reading the finding.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
CSC_VERDICTS = ROOT / "bench" / "verdicts" / "typo_csc.jsonl"


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


precision = _load("precision_bench", ROOT / "bench" / "precision.py")


def half(text: str) -> str:
    """The tune/held-out split of ``bench/typo.py`` (by the MD5 of the sentence)."""
    return "tune" if int(hashlib.md5(text.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "held-out"


def csc_sentences(data: Path) -> list[tuple[str, int, str, str, str]]:
    """``(file, line, pointer, source, target)`` for every sentence of every csc set."""
    out: list[tuple[str, int, str, str, str]] = []
    folder = data / "csc"
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.tsv")):
        rel = path.relative_to(data).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            parts = line.split("\t")
            if len(parts) == 2:
                parts = ["", *parts]
            if len(parts) >= 3 and len(parts[1]) == len(parts[2]):
                out.append((rel, n, "", parts[1], parts[2]))
    clean = folder / "clean_xxqg.json"
    if clean.is_file():
        rel = clean.relative_to(data).as_posix()
        for i, item in enumerate(json.loads(clean.read_text(encoding="utf-8"))):
            text = item["original_text"]
            out.append((rel, i + 1, f"/{i}/original_text", text, item.get("correct_text", text)))
    return out


def csc_findings(data: Path) -> tuple[list[Any], dict[Any, tuple[str, str, str]], Counter[str]]:
    """T001's findings on the csc sentences, each with (source, target, suggestion), and the
    number of sentences per file."""
    sys.path.insert(0, str(ROOT))
    from rules.text import typo_detector

    detector = typo_detector()
    findings: list[Any] = []
    context: dict[Any, tuple[str, str, str]] = {}
    sentences: Counter[str] = Counter()
    for rel, line, pointer, src, tgt in csc_sentences(data):
        sentences[rel] += 1
        for t in detector.detect(src):
            key = precision.Key(rel, "T001", line, pointer, (t.start, t.end))
            msg = f"{t.wrong} -> {t.right} ({t.before} -> {t.after})"
            findings.append(precision.Finding(key, msg, data / rel, None))
            context[key] = (src, tgt, t.right)
    return findings, context, sentences


def gold_verdict(src: str, tgt: str, span: tuple[int, int], right: str) -> dict[str, str] | None:
    """The verdict the gold gives, or None when the gold leaves the flagged characters alone."""
    a, b = span
    if src[a:b] == tgt[a:b]:
        return None
    fix = "suggestion equals the gold" if tgt[a:b] == right else f"gold reads {tgt[a:b]}, suggested {right}"
    return {"verdict": "right", "how": "gold", "why": f"the gold corrects {src[a:b]} here; {fix}"}


def rows_for(
    findings: list[Any],
    judged: dict[Any, str],
    how: dict[Any, str],
    context: dict[Any, tuple[str, str, str]],
) -> list[dict[str, Any]]:
    """One row per file, then one for all of them."""
    files = sorted({f.key.file for f in findings}, key=lambda s: (not s.startswith(("wild", "sft")), s))
    rows = []
    for name in [*files, "all"]:
        mine = [f for f in findings if name == "all" or f.key.file == name]
        keys = [f.key for f in mine]
        j = [k for k in keys if k in judged]
        right = sum(1 for k in j if judged[k] == "right")
        held = [k for k in j if k in context and half(context[k][0]) == "held-out"]
        held_right = sum(1 for k in held if judged[k] == "right")
        rows.append(
            {
                "dataset": name,
                "findings": len(keys),
                "judged": len(j),
                "by_gold": sum(1 for k in j if how.get(k) == "gold"),
                "by_hand": sum(1 for k in j if how.get(k) != "gold"),
                "right": right,
                "precision": round(right / len(j), 3) if j else None,
                "held_out": f"{held_right}/{len(held)}" if held else "-",
                "unjudged": len(keys) - len(j),
            }
        )
    return rows


def print_rows(rows: list[dict[str, Any]], markdown: bool) -> None:
    head = ["dataset", "findings", "judged by gold", "judged by hand", "right", "precision", "held-out right"]
    body = [
        [
            r["dataset"],
            str(r["findings"]),
            str(r["by_gold"]),
            str(r["by_hand"]),
            str(r["right"]),
            "-" if r["precision"] is None else f"{r['precision']:.3f}",
            r["held_out"],
        ]
        + ([] if not r["unjudged"] else [f"({r['unjudged']} unjudged)"])
        for r in rows
    ]
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for b in body:
            print("| " + " | ".join(b[: len(head)]) + " |" + (" " + b[-1] if len(b) > len(head) else ""))
        return
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    for b in body:
        print(
            "  ".join(c.ljust(w) for c, w in zip(b, widths, strict=False)) + "  " + " ".join(b[len(head) :])
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--verdicts", type=Path, default=precision.DEFAULT_VERDICTS)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-sft", action="store_true", help="only the csc sets")
    ap.add_argument("--unjudged", action="store_true", help="list csc findings without a verdict")
    ap.add_argument(
        "--judge-gold",
        action="store_true",
        help=f"append a gold verdict to VERDICTS/{CSC_VERDICTS.name} for each unjudged csc finding the gold marks",
    )
    args = ap.parse_args(argv)

    findings, context, sentences = csc_findings(args.data)
    if not args.no_sft:
        sft, _ = precision.run_rules(precision.dataset_files(args.data), args.data, ["T001"])
        findings = sft + findings
    verdicts = [v for v in precision.load_verdicts(args.verdicts) if v.get("code") == "T001"]
    judged, stale = precision.match(findings, verdicts)
    how: dict[Any, str] = {}
    for v in verdicts:
        span = tuple(v["span"]) if v.get("span") is not None else None
        key = precision.Key(v["file"], "T001", int(v["line"]), v.get("pointer") or "", span)
        how[key] = v.get("how", "hand")

    if args.judge_gold or args.unjudged:
        todo = [f for f in findings if f.key in context and f.key not in judged]
        added = 0
        target = args.verdicts / CSC_VERDICTS.name
        with target.open("a", encoding="utf-8") if args.judge_gold else open(os.devnull, "w") as out:
            for f in todo:
                src, tgt, right = context[f.key]
                assert f.key.span is not None
                g = gold_verdict(src, tgt, f.key.span, right)
                entry = {
                    "file": f.key.file,
                    "code": "T001",
                    "line": f.key.line,
                    "pointer": f.key.pointer,
                    "span": list(f.key.span),
                }
                if g is not None and args.judge_gold:
                    out.write(json.dumps({**entry, **g}, ensure_ascii=False) + "\n")
                    added += 1
                elif args.unjudged:
                    a, b = f.key.span
                    gold = "gold marks it" if g else "gold silent"
                    print(json.dumps(entry, ensure_ascii=False))
                    print(f"   {f.message}  [{gold}; gold text: {tgt[max(0, a - 12) : b + 12]}]")
                    print(f"   {src[max(0, a - 40) : a]}[[{src[a:b]}]]{src[b : b + 40]}")
        if args.judge_gold:
            print(f"{added} gold verdicts appended to {target}", file=sys.stderr)
        return 0

    rows = rows_for(findings, judged, how, context)
    if args.json:
        print(json.dumps({"rows": rows, "stale": len(stale), "sentences": dict(sentences)}, indent=2))
        return 0
    print_rows(rows, args.markdown)
    print(
        f"\n{len(sentences)} csc sets ({sum(sentences.values())} sentences) "
        + ("" if args.no_sft else "and the SFT files of bench/precision.py")
        + f"; {len(stale)} stale T001 verdicts (match no current finding)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
