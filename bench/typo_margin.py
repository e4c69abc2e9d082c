"""Would a higher bar, or a file-level statistic, make T001 precise on real SFT data?  A measurement.

Two hypotheses, each measured on every T001 finding of the model (``source == "model"``:
hand-listed wrong forms and 的/地/得 are never touched) with its verdict:

1. **Prior.**  Typos are rare in SFT data, unlike the spelling-check sets, so the decision
   should demand more.  For each finding this finds the *slack*: the highest decision threshold
   (on a grid from the default 1.25 up) at which the same finding is still reported.  Every bar
   of the detector (the lengthening, lone-edge and short-run extras) is ``threshold + extra``,
   so raising the threshold raises them all; the slack is measured by running the detector at
   each threshold, not computed, so every interaction (rivals, the text's own pairs) counts.
   The table says, per group, how many right and wrong findings each threshold keeps.
2. **File confidence.**  A file dense with words the dictionary lacks (medical, legal,
   classical) is where the model cannot be precise.  Per file, over its checked Chinese text,
   as T001's map counts them: Chinese characters, proposals scored (suspects with a correction
   that makes a common word, above the threshold or not), per 1,000 characters (``prop/k``),
   the model's findings and their share of the proposals (``found/prop``), whether T001's
   file-level test calls the file unfamiliar, and the file's findings by verdict.  The last
   table says what the file-level bar (a model finding in an unfamiliar file needs
   ``unfamiliar_bar``'s score, up to ``UNFAMILIAR_SCORE``) keeps, per group.

Every finding is collected with the file-level step turned off, so the tables compare the
rule without it (the threshold grid) and with it.

Groups: the held-out files (round 1 and round 2, from ``--heldout``; see its README), the
shared SFT files, the csc sets (each taken as one file of one-sentence records, T001 per
sentence, as ``bench/typo_precision.py`` does).  Verdicts come from ``bench/verdicts/*.jsonl``::

    python bench/typo_margin.py --heldout /work/wt/heldout          # both tables
    python bench/typo_margin.py --heldout /work/wt/heldout --rows   # every finding, its slack
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GRID = (1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.5, 4.0, 5.0)
#: The held-out files of the first round (the README's first block) ...
ROUND1 = {
    "medicalgpt_medical_sft_1K.jsonl",
    "medicalgpt_numina_cot_sharegpt_1k.jsonl",
    "medicalgpt_belle_open_source_1k.json",
    "lawyer_llama_counsel_with_article.json",
    "lawyer_llama_fakao_gpt4.json",
    "knowagent_hotpotqa.json",
    "knowagent_alfworld.json",
    "firefly_dummy_data.jsonl",
    "toolbench_train_messages.jsonl",
}
#: ... and of the second (its second block); files added later are grouped as "heldout-new".
ROUND2 = {
    "fastchat_dummy_conversation.json",
    "toolace_sharegpt_func_fixed.json",
    "foundry_stock_toolcall_training.jsonl",
    "llamafactory_dpo_zh_demo.json",
    "llamafactory_kto_en_demo.json",
    "pclue_train_9.json",
    "glm_cookbook_react_finetuning_events_10q.jsonl",
    "selfllm_huanhuan_first2000.json",
    "fastchat_alpaca_data_cleaned_1000.json",
}


@dataclass
class Finding:
    key: Any
    text: str
    start: int
    before: str
    after: str
    score: float
    slack: float = 0.0
    verdict: str = "?"


@dataclass
class FileStats:
    group: str
    name: str
    chars: int = 0
    proposed: int = 0
    model: int = 0  # model findings before the file-level steps
    findings: list[Finding] = field(default_factory=list)


def _load(name: str, path: Path) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def text_stats(det: Any, text: str, st: FileStats) -> None:
    """Add ``text``'s Chinese characters, proposals and model findings to ``st``, as T001's map
    counts them (:meth:`TypoDetector.detect_counted`)."""
    found, chars, proposed = det.detect_counted(text)
    st.chars += chars
    st.proposed += proposed
    st.model += sum(t.source == "model" for t in found)


def features(det: Any, f: Finding) -> dict[str, float]:
    """The design features of the proposal behind ``f`` (its run re-analysed, flags ignored)."""
    from sftlint.analysis.text.script import simplified_only
    from sftlint.analysis.text.typo import _RUNS_AND_GAPS, design

    pos = 0
    for line in f.text.split("\n"):
        if pos <= f.start < pos + len(line) + 1:
            off = pos
            for m in _RUNS_AND_GAPS.finditer(simplified_only(line)):
                if m.start() <= f.start - off < m.end():
                    for c in det._winners(m.group()):
                        if c["i"] == f.start - off - m.start():
                            return design(c["feats"])
        pos += len(line) + 1
    return {}


def slack(dets: list[tuple[float, Any]], f: Finding) -> float:
    """The highest threshold of the grid at which the finding is still reported."""
    best = 0.0
    for t, det in dets:
        if any(x.start == f.start and x.source == "model" for x in det.detect(f.text)):
            best = t
        else:
            break
    return best


def sft_file(path: Path, rel: str, group: str, precision: Any, det: Any) -> FileStats:
    import sftlint
    from rules.text import ZhTypo, _messages
    from sftlint.analysis.text.zh import has_chinese

    vocab = sys.modules["typo_vocab_bench"]
    rule = ZhTypo()
    st = FileStats(group, path.name)
    summaries = []
    pending: dict[tuple[int, str, tuple[int, int]], Finding] = {}
    for record in sftlint.load_records(path, vocab._format_of(path)):
        for m in _messages(record, rule.options.roles):
            if not has_chinese(m.content):
                continue
            text_stats(det, m.content, st)
            for typo in det.detect(m.content):
                if typo.source != "model":
                    continue
                pointer, span = m.resolve((typo.start, typo.end))
                loc = record.locate(pointer, span)
                key = precision.Key(rel, "T001", int(loc.line or 0), pointer, tuple(span))
                pending[(record.index, pointer, tuple(span))] = Finding(
                    key, m.content, typo.start, typo.before, typo.after, typo.score
                )
        s = rule.map(record)
        if s is not None:
            summaries.append(s)
    reported = {(f.ref.index, f.pointer, tuple(f.span)) for f in rule.reduce(summaries)}
    st.findings = [f for k, f in pending.items() if k in reported]
    return st


def csc_file(
    rel: str, sentences: list[tuple[str, int, str, str, str]], precision: Any, det: Any
) -> FileStats:
    st = FileStats("csc", Path(rel).name)
    for f, line, pointer, src, _tgt in sentences:
        if f != rel:
            continue
        text_stats(det, src, st)
        for typo in det.detect(src):
            if typo.source == "model":
                key = precision.Key(rel, "T001", line, pointer, (typo.start, typo.end))
                st.findings.append(Finding(key, src, typo.start, typo.before, typo.after, typo.score))
    return st


def _kept(fs: Iterable[Finding], t: float) -> str:
    fs = [f for f in fs if f.slack >= t]
    return f"{sum(f.verdict == 'right' for f in fs)}/{sum(f.verdict == 'wrong' for f in fs)}"


def file_step_table(files: list[FileStats]) -> None:
    from rules import text as rt

    print(f"\nmodel findings (right/wrong) without and with the file-level bar (up to {rt.UNFAMILIAR_SCORE})")
    groups: dict[str, list[int]] = {}
    for st in files:
        g = groups.setdefault(st.group, [0, 0, 0, 0])
        bar = rt.unfamiliar_bar(st.chars, st.proposed, st.model)
        for f in st.findings:
            k = 0 if f.verdict == "right" else 1
            g[k] += 1
            if bar is None or f.score >= bar:
                g[2 + k] += 1
    for name, (r, w, r2, w2) in groups.items():
        print(f"{name:<14} {r}/{w} -> {r2}/{w2}")


def threshold_table(groups: dict[str, list[Finding]]) -> None:
    print("findings kept at each threshold (right/wrong); the default is 1.25")
    print(f"{'group':<14}" + "".join(f"{t:>9}" for t in GRID))
    for name, fs in groups.items():
        print(f"{name:<14}" + "".join(f"{_kept(fs, t):>9}" for t in GRID))


def _p(fs: list[Finding]) -> str:
    r = sum(f.verdict == "right" for f in fs)
    w = sum(f.verdict == "wrong" for f in fs)
    return f"{r / (r + w):.2f}" if r + w else "-"


def unfamiliar(st: FileStats) -> bool:
    """T001's file-level test (``rules/text.py``), on the file's sums: whether the file's bar
    is above the detector's threshold."""
    from rules import text as rt

    return rt.unfamiliar_bar(st.chars, st.proposed, st.model) is not None


def file_table(files: list[FileStats]) -> None:
    print("\nper file: Chinese characters, proposals, model findings; the reported model findings")
    print(
        f"{'group':<10} {'file':<46} {'chars':>9} {'prop':>5} {'prop/k':>6} {'found':>5} "
        f"{'found/prop':>10} {'unfam':>5} {'right':>5} {'wrong':>5} {'P':>5}"
    )
    for st in sorted(files, key=lambda s: (s.group, s.name)):
        if not st.chars:
            continue
        fs = st.findings
        print(
            f"{st.group:<10} {st.name[:46]:<46} {st.chars:>9} {st.proposed:>5} "
            f"{st.proposed * 1000 / st.chars:>6.2f} {st.model:>5} {st.model / max(st.proposed, 1):>10.3f} "
            f"{'yes' if unfamiliar(st) else '':>5} {sum(f.verdict == 'right' for f in fs):>5} "
            f"{sum(f.verdict == 'wrong' for f in fs):>5} {_p(fs):>5}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--heldout", type=Path, help="the held-out folder (verdicts: heldout/<name>)")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--rows", action="store_true", help="print every finding with its score and slack")
    ap.add_argument("--features", action="store_true", help="with --rows: each finding's features")
    ap.add_argument("--no-csc", action="store_true", help="skip the csc sets")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    precision = _load("precision_bench", ROOT / "bench" / "precision.py")
    _load("typo_vocab_bench", ROOT / "bench" / "typo_vocab.py")
    from rules import text as rt
    from rules.text import typo_detector
    from sftlint.analysis.text.typo import TypoDetector
    from sftlint.analysis.text.typo_model import load_model

    step = rt.UNFAMILIAR_MIN_PROPOSALS
    rt.UNFAMILIAR_MIN_PROPOSALS = 1 << 62  # collect the findings without the file-level step
    det = typo_detector()
    model = load_model()
    dets = [(t, TypoDetector(model, threshold=t)) for t in GRID]
    verdicts = precision.load_verdicts(precision.DEFAULT_VERDICTS)
    by_key = {}
    for v in verdicts:
        if v.get("code") == "T001" and v.get("span") is not None:
            key = precision.Key(v["file"], "T001", int(v["line"]), v.get("pointer") or "", tuple(v["span"]))
            by_key[key] = v["verdict"]
    files: list[FileStats] = []
    if args.heldout is not None:
        for p in precision.heldout_files(args.heldout):
            group = "heldout-r2" if p.name in ROUND2 else "heldout-r1" if p.name in ROUND1 else "heldout-new"
            files.append(sft_file(p, f"{precision.HELDOUT_PREFIX}/{p.name}", group, precision, det))
    for p in precision.dataset_files(args.data):
        files.append(sft_file(p, p.relative_to(args.data).as_posix(), "shared", precision, det))
    if not args.no_csc:
        tp = _load("typo_precision_bench", ROOT / "bench" / "typo_precision.py")
        sentences = tp.csc_sentences(args.data)
        for rel in sorted({s[0] for s in sentences}):
            files.append(csc_file(rel, sentences, precision, det))
    groups: dict[str, list[Finding]] = {}
    for st in files:
        for f in st.findings:
            f.verdict = by_key.get(f.key, "?")
            f.slack = slack(dets, f)
            if args.rows:
                ctx = f.text[max(0, f.start - 8) : f.start + 9].replace("\n", " ")
                print(
                    f"{st.group:<10} {f.verdict:<5} slack={f.slack:<4} score={f.score:6.2f} "
                    f"{f.before}->{f.after}  {st.name}:{f.key.line}  {ctx}"
                )
                if args.features:
                    fe = features(det, f)
                    print("    " + " ".join(f"{k}={v:.2f}" for k, v in fe.items()))
        groups.setdefault(st.group, []).extend(st.findings)
    rt.UNFAMILIAR_MIN_PROPOSALS = step
    threshold_table(groups)
    file_table(files)
    file_step_table(files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
