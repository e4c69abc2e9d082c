"""Would "the file's own vocabulary" quiet T001's false alarms?  A measurement, not a rule.

The idea: a word that T001 flags in one record but that the same file writes, unflagged, in
other records is the file's vocabulary (a term), not a typo.  For every finding T001 reports
(the ``model`` source: hand-listed wrong forms and 的/地/得 are never exempt), this counts

- ``F``: the records of the file where T001 flags the same word (the finding's ``before``);
- ``U``: the *other* records that hold the word at a place T001 does not flag;
- ``Uw``: those of them where the occurrence is a unit of its own: no word of jieba's
  dictionary crosses either of its edges (回声影响 holds 声影 only across two words);

and what three decisions (``U >= 1``, ``U >= F``, ``U > F``, each on ``U`` and on ``Uw``)
would remove, by verdict.  The converse is counted too: ``A``, the other records that write the
correction (``after``) unflagged, and what dropping the findings with ``A == 0`` would remove
(a slip is usually made where the file writes the right word elsewhere):

    python bench/typo_vocab.py --heldout ../heldout   # the held-out files (verdicts: heldout/<name>)
    python bench/typo_vocab.py                        # the shared SFT files and the csc sets
    python bench/typo_vocab.py --rows                 # every finding with its counts and contexts
    python bench/typo_vocab.py --heldout ../heldout --with-shared --across   # all of them, and
        # each right finding's word counted in the records of every *other* file as well: what
        # ``U`` would be if the typo sat in one file as large as all of them together

On the csc sets a set is taken as one file of one-sentence records (T001 is run per sentence,
as ``bench/typo_precision.py`` does).  Verdicts come from ``bench/verdicts/*.jsonl``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DECISIONS = ("U>=1", "U>=F", "U>F")


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Text:
    """One checked message: its text and the T001 typos found in it (start, before, key)."""

    text: str
    flagged: list[tuple[int, str, Any]] = field(default_factory=list)


@dataclass
class Row:
    """A reported finding with its counts."""

    key: Any  # the verdict key (precision.Key)
    record: int
    before: str
    after: str
    context: str
    f: int = 0
    u: int = 0
    uw: int = 0
    a: int = 0  # other records that write the correction (``after``)
    seen: list[str] = field(default_factory=list)  # contexts of the unflagged occurrences
    verdict: str = "?"


def crosses(text: str, k: int, n: int, is_word: Callable[[str], bool]) -> bool:
    """Whether a dictionary word of 2-3 characters crosses an edge of ``text[k:k+n]``."""
    for a, b in (
        (k - 1, k + 1),
        (k - 2, k + 1),
        (k - 1, k + 2),
        (k + n - 1, k + n + 1),
        (k + n - 2, k + n + 1),
        (k + n - 1, k + n + 2),
    ):
        if a >= 0 and b <= len(text) and (a < k < b or a < k + n < b) and is_word(text[a:b]):
            return True
    return False


def count(records: Sequence[Sequence[Text]], rows: Iterable[Row], is_word: Callable[[str], bool]) -> None:
    """Fill ``f``, ``u``, ``uw``, ``a`` and ``seen`` of every row from the file's ``records``."""
    rows = list(rows)
    words = {r.before for r in rows} | {r.after for r in rows}
    flagged_in: dict[str, set[int]] = {w: set() for w in words}
    unflagged: dict[str, set[int]] = {w: set() for w in words}
    unit: dict[str, set[int]] = {w: set() for w in words}
    where: dict[str, list[tuple[int, str]]] = {w: [] for w in words}
    for i, texts in enumerate(records):
        for t in texts:
            starts = {s for s, _, _ in t.flagged}
            for _s, before, _ in t.flagged:
                if before in flagged_in:
                    flagged_in[before].add(i)
            for w in words:
                k = t.text.find(w)
                while k >= 0:
                    if not starts.intersection(range(k, k + len(w))):
                        unflagged[w].add(i)
                        if not crosses(t.text, k, len(w), is_word):
                            unit[w].add(i)
                        if len(where[w]) < 12:
                            where[w].append((i, t.text[max(0, k - 6) : k + len(w) + 6].replace("\n", " ")))
                    k = t.text.find(w, k + 1)
    for r in rows:
        r.f = len(flagged_in[r.before])
        r.u = len(unflagged[r.before] - {r.record})
        r.uw = len(unit[r.before] - {r.record})
        r.a = len(unflagged[r.after] - {r.record})
        r.seen = [c for i, c in where[r.before] if i != r.record][:4]


def removed(row: Row, decision: str, units: bool) -> bool:
    """Whether ``decision`` would drop ``row`` (on ``Uw`` when ``units``)."""
    u = row.uw if units else row.u
    if decision == "U>=1":
        return u >= 1
    if decision == "U>=F":
        return u >= max(1, row.f)
    return u > row.f


def _jieba_words() -> Callable[[str], bool]:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    freq = jieba.dt.FREQ
    return lambda s: freq.get(s, 0) > 0


def _format_of(path: Path) -> str | None:
    info = path.parent / "dataset_info.json"
    if info.is_file() and path.name in info.read_text(encoding="utf-8"):
        return "llamafactory"
    return None


def sft_file(path: Path, rel: str, precision: Any) -> tuple[list[list[Text]], list[Row]]:
    """The checked texts of every record of a dataset file, and the findings T001 reports there."""
    import sftlint
    from rules.text import ZhTypo, _messages, typo_detector
    from sftlint.analysis.text.zh import has_chinese

    rule = ZhTypo()
    detector = typo_detector()
    records: list[list[Text]] = []
    summaries = []
    pending: dict[tuple[int, str, tuple[int, int]], Row] = {}
    for n, record in enumerate(sftlint.load_records(path, _format_of(path))):
        texts = []
        for m in _messages(record, rule.options.roles):
            if not has_chinese(m.content):
                continue
            t = Text(m.content)
            for typo in detector.detect(m.content):
                t.flagged.append((typo.start, typo.before, typo.source))
                if typo.source != "model":
                    continue
                pointer, span = m.resolve((typo.start, typo.end))
                loc = record.locate(pointer, span)
                key = precision.Key(rel, "T001", int(loc.line or 0), pointer, tuple(span))
                ctx = m.content[max(0, typo.start - 8) : typo.end + 8].replace("\n", " ")
                pending[(record.index, pointer, tuple(span))] = Row(key, n, typo.before, typo.after, ctx)
            texts.append(t)
        records.append(texts)
        s = rule.map(record)
        if s is not None:
            summaries.append(s)
    reported = {(f.ref.index, f.pointer, tuple(f.span)) for f in rule.reduce(summaries)}
    return records, [row for k, row in pending.items() if k in reported]


def csc_file(rel: str, sentences: list[tuple[str, int, str, str, str]], precision: Any):
    """A csc set as a file of one-sentence records, and T001's findings on each sentence."""
    from rules.text import typo_detector

    detector = typo_detector()
    records: list[list[Text]] = []
    rows: list[Row] = []
    for f, line, pointer, src, _tgt in sentences:
        if f != rel:
            continue
        t = Text(src)
        for typo in detector.detect(src):
            t.flagged.append((typo.start, typo.before, typo.source))
            if typo.source == "model":
                key = precision.Key(rel, "T001", line, pointer, (typo.start, typo.end))
                ctx = src[max(0, typo.start - 8) : typo.end + 8]
                rows.append(Row(key, len(records), typo.before, typo.after, ctx))
        records.append([t])
    return records, rows


def _tally(rows: Iterable[Row]) -> str:
    rows = list(rows)
    return "/".join(str(sum(r.verdict == v for r in rows)) for v in ("right", "wrong", "?"))


def summarise(groups: dict[str, list[Row]]) -> None:
    print("what each decision removes (right / wrong / unjudged), on U (substring) and Uw (unit)")
    names = [d + (" Uw" if units else " U") for units in (False, True) for d in DECISIONS] + ["A==0"]
    print(f"{'group':<10} {'findings':>8} {'right':>5} {'wrong':>5}  " + "  ".join(f"{n:>12}" for n in names))
    for name, rows in groups.items():
        right = sum(r.verdict == "right" for r in rows)
        wrong = sum(r.verdict == "wrong" for r in rows)
        cells = [
            _tally(r for r in rows if removed(r, d, units)) for units in (False, True) for d in DECISIONS
        ]
        cells.append(_tally(r for r in rows if r.a == 0))
        print(f"{name:<10} {len(rows):>8} {right:>5} {wrong:>5}  " + "  ".join(f"{c:>12}" for c in cells))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--heldout", type=Path, help="the held-out folder (else: shared SFT files and csc sets)")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--rows", action="store_true", help="print every finding with its counts")
    ap.add_argument(
        "--with-shared", action="store_true", help="with --heldout: the shared files and csc sets too"
    )
    ap.add_argument(
        "--across", action="store_true", help="count right findings' words in the other files too"
    )
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    precision = _load("precision_bench", ROOT / "bench" / "precision.py")
    verdicts = precision.load_verdicts(precision.DEFAULT_VERDICTS)
    by_key = {}
    for v in verdicts:
        if v.get("code") == "T001" and v.get("span") is not None:
            key = precision.Key(v["file"], "T001", int(v["line"]), v.get("pointer") or "", tuple(v["span"]))
            by_key[key] = v["verdict"]
    is_word = _jieba_words()
    groups: dict[str, list[Row]] = {}
    jobs: list[tuple[str, Callable[[], tuple[list[list[Text]], list[Row]]]]] = []
    if args.heldout is not None:
        if not args.heldout.is_dir():
            print(f"no held-out folder at {args.heldout}", file=sys.stderr)
            return 2
        for p in precision.heldout_files(args.heldout):
            rel = f"{precision.HELDOUT_PREFIX}/{p.name}"
            jobs.append(("heldout", lambda p=p, rel=rel: sft_file(p, rel, precision)))
    if args.heldout is None or args.with_shared:
        for p in precision.dataset_files(args.data):
            rel = p.relative_to(args.data).as_posix()
            jobs.append(("shared", lambda p=p, rel=rel: sft_file(p, rel, precision)))
        tp = _load("typo_precision_bench", ROOT / "bench" / "typo_precision.py")
        sentences = tp.csc_sentences(args.data)
        for rel in sorted({s[0] for s in sentences}):
            jobs.append(("csc", lambda rel=rel: csc_file(rel, sentences, precision)))
    files: list[tuple[list[list[Text]], list[Row]]] = []
    for group, job in jobs:
        records, rows = job()
        files.append((records, rows))
        count(records, rows, is_word)
        for r in rows:
            r.verdict = by_key.get(r.key, "?")
            if args.rows:
                print(
                    f"{r.verdict:<5} {r.key.file}:{r.key.line} {r.before} -> {r.after} F={r.f} U={r.u} "
                    f"Uw={r.uw} A={r.a}  {r.context}  ||  {' | '.join(r.seen)}"
                )
        groups.setdefault(group, []).extend(rows)
    summarise(groups)
    if args.across:
        across(files, is_word)
    return 0


def across(files: list[tuple[list[list[Text]], list[Row]]], is_word: Callable[[str], bool]) -> None:
    """Each right finding's word over the records of all files: the other files' records that
    hold it unflagged (as a substring, and as a unit)."""
    every: list[list[Text]] = []
    moved: list[tuple[Row, Row]] = []
    for records, rows in files:
        for r in rows:
            if r.verdict == "right":
                moved.append((r, Row(r.key, r.record + len(every), r.before, r.after, r.context)))
        every.extend(records)
    count(every, [m for _, m in moved], is_word)
    hit = [(r, m.u - r.u, m.uw - r.uw, m.seen) for r, m in moved if m.u > r.u]
    chars = sum(len(t.text) for texts in every for t in texts)
    print(
        f"\nright findings: {len(moved)}; records of all files: {len(every)} ({chars:,} characters); "
        f"right findings whose word other files hold unflagged: {len(hit)} as a substring, "
        f"{sum(1 for h in hit if h[2])} as a unit"
    )
    for r, u, uw, seen in hit:
        print(f"  {r.key.file}:{r.key.line} {r.before} -> {r.after}: +U={u} +Uw={uw}  {' | '.join(seen)}")


if __name__ == "__main__":
    sys.exit(main())
