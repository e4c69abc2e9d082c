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
   Records are also grouped by what they share beyond their wording
   (``group_by``): a field (``field:article_id``), the retrieved context
   (``retrieval``: every dialogue about one knowledge-base article), or the
   system prompt (``system``).  Dialogues written from one article are only
   about half alike in wording, below any near-duplicate threshold, yet a
   model validated on an article it trained on is validated on what it
   memorised.  The default (``auto``) groups by retrieved context when the
   file uses retrieval, and the summary says so.
3. Assign whole groups to train or validation, in an order fixed by the seed,
   until the validation share is reached: the same input and seed always give
   the same split.

Pure Python: works without the training extra.
"""

from __future__ import annotations

import json
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
#: What ``--group-by`` accepts besides ``field:NAME``.
GROUP_BY = ("auto", "retrieval", "system", "none")


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
    group_by: str = "none"  # what the records were grouped by besides near-duplicates
    key_groups: int = 0  # groups of more than one record sharing that key
    key_grouped: int = 0  # records in those groups
    group_by_note: str = ""  # why (auto) it was chosen


# --------------------------------------------------------------------------- 1. lint filter


def clean_records(path: str | Path, **lint_kwargs: Any) -> CleanData:
    """Records of ``path`` with no error-severity finding, and what was dropped."""
    import sftlint

    errors_by_record: dict[int, set[str]] = defaultdict(set)
    for d in sftlint.lint(str(path), **lint_kwargs):
        if d.severity == "error" and d.record is not None:
            errors_by_record[d.record].add(d.code)
    kept, seen = [], 0
    for rec in sftlint.load_records(path, config=lint_kwargs.get("config")):
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


# --------------------------------------------------------------------------- 2b. shared keys


def _retrieval_texts(record: Record) -> list[str]:
    """The normalised retrieved contexts of a record (placeholders such as [同上] left out)."""
    from sftlint.analysis.retrieval import DEFAULT_PLACEHOLDERS, message_contexts, placeholder_span

    out = []
    for msg, contexts in message_contexts(record):
        for ctx in contexts:
            if ctx.empty or placeholder_span(msg.content, ctx, DEFAULT_PLACEHOLDERS) is not None:
                continue
            text = normalise(msg.content[ctx.start : ctx.end])
            if text:
                out.append(text)
    return out


def group_keys(records: Sequence[Record], group_by: str) -> list[list[str]]:
    """Per record, the keys it shares with others under ``group_by`` (records sharing a key stay together).

    ``retrieval`` keys are clusters of retrieved contexts: contexts that are
    near-duplicates of each other (an article retrieved with a line more or
    less) count as one article.
    """
    if group_by == "none":
        return [[] for _ in records]
    if group_by == "system":
        return [
            [normalise(r.messages[0].content)] if r.messages and r.messages[0].role == "system" else []
            for r in records
        ]
    if group_by.startswith("field:"):
        name = group_by.partition(":")[2]
        keys: list[list[str]] = []
        for r in records:
            v = r.data.get(name) if isinstance(r.data, dict) else None
            keys.append([] if v is None else [json.dumps(v, ensure_ascii=False, sort_keys=True)])
        return keys
    if group_by == "retrieval":
        texts = [_retrieval_texts(r) for r in records]
        distinct = sorted({t for ts in texts for t in ts})
        cluster = dict(zip(distinct, near_duplicate_groups(distinct, THRESHOLD), strict=True))
        return [sorted({f"ctx{cluster[t]}" for t in ts}) for ts in texts]
    raise ValueError(f"unknown --group-by {group_by!r}: use {', '.join(GROUP_BY)} or field:NAME")


def resolve_group_by(records: Sequence[Record], group_by: str) -> tuple[str, str]:
    """``auto`` -> ``retrieval`` when records share retrieved context, else ``none``; with the reason."""
    if group_by != "auto":
        return group_by, ""
    keys = group_keys(records, "retrieval")
    counts = Counter(k for ks in keys for k in ks)
    shared = sum(1 for ks in keys if any(counts[k] > 1 for k in ks))
    if shared:
        return "retrieval", (
            f"{shared} records share retrieved context (knowledge-base articles): grouped by it, so each "
            "article's dialogues stay on one side (--group-by none to turn this off)"
        )
    return "none", ""


def merge_groups(group_ids: Sequence[int], keys: Sequence[Sequence[str]]) -> list[int]:
    """Near-duplicate groups merged with groups of records sharing a key (smallest member index as id)."""
    uf = _UnionFind(len(group_ids))
    for i, g in enumerate(group_ids):
        uf.union(i, g)
    first: dict[str, int] = {}
    for i, ks in enumerate(keys):
        for k in ks:
            if k in first:
                uf.union(first[k], i)
            else:
                first[k] = i
    return [uf.find(i) for i in range(len(group_ids))]


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
    group_by: str = "auto",
) -> SplitResult:
    from sftlint.train.export import Skip, convert

    rows: list[tuple[Record, dict[str, Any]]] = []
    skipped = []
    for rec in clean.records:
        try:
            rows.append((rec, convert(rec, to)))
        except Skip as exc:
            skipped.append((rec.index, rec.line, str(exc)))
    near = near_duplicate_groups([dialogue_text(r) for r, _ in rows], threshold)
    sizes = Counter(near)
    multi = [g for g, c in sizes.items() if c > 1]
    recs = [r for r, _ in rows]
    group_by, note = resolve_group_by(recs, group_by)
    keys = group_keys(recs, group_by)
    by_key = Counter(merge_groups(list(range(len(rows))), keys))
    groups = merge_groups(near, keys)
    val = assign_groups(groups, val_fraction, seed)
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
        group_by=group_by,
        key_groups=sum(1 for c in by_key.values() if c > 1),
        key_grouped=sum(c for c in by_key.values() if c > 1),
        group_by_note=note,
    )


def split_file(
    path: str | Path,
    out_dir: str | Path,
    val_fraction: float = 0.1,
    seed: int = 0,
    to: str = "messages",
    threshold: float = THRESHOLD,
    group_by: str = "auto",
    **lint_kwargs: Any,
) -> SplitResult:
    """Lint, filter, group, split; write ``train.jsonl`` and ``val.jsonl`` into ``out_dir`` atomically."""
    from sftlint.train.io import write_jsonl_atomic

    result = split_records(clean_records(path, **lint_kwargs), val_fraction, seed, to, threshold, group_by)
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
    if result.group_by != "none":
        what = {"retrieval": "retrieved context", "system": "system prompt"}.get(
            result.group_by, result.group_by.replace("field:", "field ")
        )
        lines.append(
            f"grouped by {what}: {result.key_grouped} records in {result.key_groups} group(s) that share it; "
            "each group stays on one side"
        )
        if result.group_by_note:
            lines.append(f"note: {result.group_by_note}")
    where = f" in {out_dir}" if out_dir is not None else ""
    lines.append(f"wrote {len(result.train)} train and {len(result.val)} validation records{where}")
    if not result.val and result.train:
        lines.append("warning: the validation set is empty; overfitting cannot be seen (seed §五)")
    return lines
