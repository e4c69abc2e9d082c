"""Train/validation split of linted data that does not leak.

Three jobs, in order:

1. Keep only records without error findings (the trainer must never see a
   record the linter rejects; ``datasets`` even aborts on one bad line) and
   count, per rule code, how many records were dropped.
2. Group near-duplicates: records whose conversation text (system prompt
   left out — it is usually shared by every record) overlaps by at least
   ``threshold`` in character-shingle Jaccard similarity.  Candidates come from
   a MinHash sketch with banding (one-permutation hashing, so one hash per
   shingle), each candidate pair is then verified with the exact Jaccard, and
   union-find merges the pairs into groups.  A near-duplicate of a training
   record in the validation set would make validation loss look better than
   the model is.
3. Assign whole groups to train or validation, in an order fixed by the seed,
   until the validation share is reached: the same input and seed always give
   the same split.

Pure Python: works without the training extra.
"""

from __future__ import annotations

import random
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sftlint.record import Record

SHINGLE = 5
THRESHOLD = 0.8
BINS = 64


@dataclass
class CleanData:
    records: list[Record]
    total: int  # records in the file (including unreadable ones)
    dropped: int
    dropped_by_code: Counter[str] = field(default_factory=Counter)  # records dropped per code


@dataclass
class SplitResult:
    train: list[dict[str, Any]]
    val: list[dict[str, Any]]
    clean: CleanData
    groups: int  # near-duplicate groups with more than one record
    grouped: int  # records in those groups
    skipped: list[tuple[int, int, str]] = field(default_factory=list)  # not fitting the export format
    train_indices: list[int] = field(default_factory=list)
    val_indices: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------- 1. lint filter


def clean_records(path: str | Path, **lint_kwargs: Any) -> CleanData:
    """Records of ``path`` with no error-severity finding, and what was dropped."""
    import sftlint

    errors_by_record: dict[int, set[str]] = defaultdict(set)
    for d in sftlint.lint(str(path), **lint_kwargs):
        if d.severity == "error" and d.record is not None:
            errors_by_record[d.record].add(d.code)
    kept, seen = [], 0
    for rec in sftlint.load_records(path):
        seen = max(seen, rec.index + 1)
        if rec.index not in errors_by_record and rec.messages:
            kept.append(rec)
        elif rec.index not in errors_by_record:
            errors_by_record[rec.index].add("unmapped")
    total = max([seen, *(i + 1 for i in errors_by_record)]) if (seen or errors_by_record) else 0
    by_code: Counter[str] = Counter()
    for codes in errors_by_record.values():
        by_code.update(codes)
    return CleanData(kept, total, len(errors_by_record), by_code)


# --------------------------------------------------------------------------- 2. near-duplicates


def normalise(text: str) -> str:
    """NFKC, lower case, without whitespace and punctuation: what a near-duplicate shares."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch)[0] in "PZC"))


def dialogue_text(record: Record) -> str:
    """The text that makes a record itself: every turn but the (shared) system prompt."""
    return "\n".join(m.content for m in record.messages or [] if m.role != "system")


def shingles(text: str, k: int = SHINGLE) -> set[int]:
    if len(text) <= k:
        return {zlib.crc32(text.encode("utf-8"))} if text else set()
    data = [text[i : i + k].encode("utf-8") for i in range(len(text) - k + 1)]
    return {zlib.crc32(s) for s in data}


def jaccard(a: set[int], b: set[int]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _sketch(sh: set[int]) -> tuple[int, ...]:
    """One-permutation MinHash: the smallest hash in each of BINS buckets (-1 when empty)."""
    mins = [-1] * BINS
    for h in sh:
        b, v = h % BINS, h // BINS
        if mins[b] < 0 or v < mins[b]:
            mins[b] = v
    return tuple(mins)


def rows_per_band(threshold: float, bins: int = BINS, recall: float = 0.99) -> int:
    """Most rows per LSH band that still make a pair at ``threshold`` a candidate with ``recall``.

    More rows per band means fewer false candidates to verify; the banding
    catches a pair of similarity s with probability 1 - (1 - s^r)^(bins / r).
    """
    best = 1
    for r in range(1, 9):
        if 1 - (1 - threshold**r) ** (bins // r) >= recall:
            best = r
    return best


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def near_duplicate_groups(texts: Sequence[str], threshold: float = THRESHOLD) -> list[int]:
    """Group id (the smallest member index) of each text; texts with Jaccard >= threshold share one."""
    norm = [normalise(t) for t in texts]
    sets = [shingles(t) for t in norm]
    uf = _UnionFind(len(texts))
    rows = rows_per_band(threshold)
    buckets: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)
    for i, sh in enumerate(sets):
        sk = _sketch(sh)
        for band in range(0, BINS - rows + 1, rows):
            key = sk[band : band + rows]
            if all(v < 0 for v in key):
                continue
            buckets[(band, key)].append(i)
    checked: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1 :]:
                if (a, b) in checked or uf.find(a) == uf.find(b):
                    continue
                checked.add((a, b))
                if jaccard(sets[a], sets[b]) >= threshold:
                    uf.union(a, b)
    return [uf.find(i) for i in range(len(texts))]


# --------------------------------------------------------------------------- 3. assignment


def assign_groups(group_ids: Sequence[int], val_fraction: float, seed: int) -> set[int]:
    """Indices that go to validation: whole groups, in a seeded order, up to the target share."""
    n = len(group_ids)
    if n == 0 or val_fraction <= 0:
        return set()
    target = max(1, round(n * val_fraction)) if n >= 2 else 0
    members: dict[int, list[int]] = defaultdict(list)
    for i, g in enumerate(group_ids):
        members[g].append(i)
    order = sorted(members)
    random.Random(seed).shuffle(order)
    val: set[int] = set()
    for g in order:
        if len(val) >= target:
            break
        if len(val) + len(members[g]) <= target:
            val.update(members[g])
    if not val:
        # Every group overshoots the target: take the smallest one that leaves training data.
        fitting = [g for g in order if len(members[g]) < n]
        if fitting:
            val.update(members[min(fitting, key=lambda g: len(members[g]))])
    return val


# --------------------------------------------------------------------------- whole job


def split_records(
    clean: CleanData,
    val_fraction: float = 0.1,
    seed: int = 0,
    to: str = "messages",
    threshold: float = THRESHOLD,
) -> SplitResult:
    from sftlint.train.export import Skip, convert

    rows: list[tuple[Record, dict[str, Any]]] = []
    skipped = []
    for rec in clean.records:
        try:
            rows.append((rec, convert(rec, to)))
        except Skip as exc:
            skipped.append((rec.index, rec.line, str(exc)))
    groups = near_duplicate_groups([dialogue_text(r) for r, _ in rows], threshold)
    val = assign_groups(groups, val_fraction, seed)
    sizes = Counter(groups)
    multi = [g for g, c in sizes.items() if c > 1]
    train_rows = [row for i, (_, row) in enumerate(rows) if i not in val]
    val_rows = [row for i, (_, row) in enumerate(rows) if i in val]
    return SplitResult(
        train=train_rows,
        val=val_rows,
        clean=clean,
        groups=len(multi),
        grouped=sum(sizes[g] for g in multi),
        skipped=skipped,
        train_indices=[rec.index for i, (rec, _) in enumerate(rows) if i not in val],
        val_indices=[rec.index for i, (rec, _) in enumerate(rows) if i in val],
    )


def split_file(
    path: str | Path,
    out_dir: str | Path,
    val_fraction: float = 0.1,
    seed: int = 0,
    to: str = "messages",
    threshold: float = THRESHOLD,
    **lint_kwargs: Any,
) -> SplitResult:
    """Lint, filter, group, split; write ``train.jsonl`` and ``val.jsonl`` into ``out_dir`` atomically."""
    from sftlint.train.io import write_jsonl_atomic

    result = split_records(clean_records(path, **lint_kwargs), val_fraction, seed, to, threshold)
    out = Path(out_dir)
    write_jsonl_atomic(out / "train.jsonl", result.train)
    write_jsonl_atomic(out / "val.jsonl", result.val)
    return result


def summary_lines(result: SplitResult, out_dir: str | Path | None = None) -> list[str]:
    c = result.clean
    lines = [f"{c.total} records read, {len(c.records)} without error findings"]
    if c.dropped:
        codes = ", ".join(f"{code} x{n}" for code, n in sorted(c.dropped_by_code.items()))
        lines.append(f"dropped {c.dropped} record(s) with error findings ({codes}); see `sftlint check`")
    if result.skipped:
        reasons = Counter(r for _, _, r in result.skipped)
        lines.append(
            f"skipped {len(result.skipped)} record(s) that do not fit the export format: "
            + "; ".join(f"{r} (x{n})" for r, n in reasons.most_common())
        )
    if result.groups:
        lines.append(
            f"{result.grouped} records form {result.groups} near-duplicate group(s); each group stays on one side"
        )
    where = f" in {out_dir}" if out_dir is not None else ""
    lines.append(f"wrote {len(result.train)} train and {len(result.val)} validation records{where}")
    if not result.val and result.train:
        lines.append("warning: the validation set is empty; overfitting cannot be seen (seed §五)")
    return lines
