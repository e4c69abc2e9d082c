"""Precision of every rule on real data nobody here wrote, from hand-judged verdicts.

Runs the default rules (or ``--select``) on every dataset in the shared data folder
(``../shared/data/wild`` and ``../shared/data/sft`` beside the checkout), matches each
finding to the verdicts in ``bench/verdicts/*.jsonl`` and prints, per rule: findings,
findings per 1,000 records, how many were judged, how many were right, the precision,
and how many findings have no verdict yet.  A precision is a number only where findings
were judged; a rule that fires but was never judged shows "-".

One verdict per line::

    {"file": "wild/fireact_gpt_hotpotqa.jsonl", "code": "R001", "line": 13,
     "pointer": "/messages/2/content", "span": [0, 12], "verdict": "right",
     "why": "the turn has no Thought although the prompt's template demands one"}

``file`` is relative to the data folder; a verdict matches the finding with the same
file, code, line, pointer and span (``span`` null matches the first finding at that
pointer without a verdict of its own).  Verdicts that match no current finding are
counted as *stale*: the rule no longer says that (fixed, or moved), so they are not
part of the precision.

    python bench/precision.py                    # the table
    python bench/precision.py --markdown         # the same, for docs/benchmarks.md
    python bench/precision.py --unjudged T001    # findings of T001 without a verdict, in context
    python bench/precision.py --unjudged T001 --template > todo.jsonl   # verdict lines to fill in
    python bench/precision.py --typo [--markdown]  # T001 per dataset, the spelling-check sets too
                                                   # (bench/typo_precision.py)
    python bench/precision.py --heldout ../heldout  # held-out datasets (verdicts' file "heldout/<name>")

Held-out data is SFT data gathered from public repositories *after* the rules were written
and never read while tuning them (``bench/verdicts/heldout.jsonl`` names each file's source:
repository, commit and path; ``bench/verdicts/heldout_files.jsonl`` lists every file, how it was
cut and its sha256, and ``bench/gather_heldout.py`` rebuilds the folder from git mirrors of the
sources).  It is not in the repository; ``--heldout DIR`` scores the
files directly in ``DIR`` against the verdicts whose ``file`` starts with ``heldout/``, and
says so and stops when ``DIR`` does not exist.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_VERDICTS = ROOT / "bench" / "verdicts"
#: The folders of real SFT datasets inside the data folder (``csc/`` holds spelling test sets).
DATASET_DIRS = ("wild", "sft")
DATASET_SUFFIXES = (".json", ".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet")
#: The ``file`` prefix of verdicts on held-out data (``--heldout DIR``: ``heldout/<name>``).
HELDOUT_PREFIX = "heldout"
#: Files of a held-out folder that describe its data rather than hold records.
NOT_DATASETS = ("dataset_info.json",)


@dataclass(frozen=True)
class Key:
    """What identifies a finding across runs: where it is and which rule said it."""

    file: str
    code: str
    line: int
    pointer: str
    span: tuple[int, int] | None
    #: the record's index in the file: tells apart findings a one-line JSON array puts at the
    #: same line, pointer and span (a verdict may name it; one that does not judges them all)
    record: int | None = None

    @property
    def where(self) -> Key:
        """The key without the record: what a verdict that names no record matches."""
        return Key(self.file, self.code, self.line, self.pointer, self.span)


@dataclass
class Finding:
    key: Key
    message: str
    records_file: Path
    record: int | None  # 0-based record index in the file (context lookup)


def dataset_files(data: Path) -> list[Path]:
    """Every dataset file in the real-data folders, in a stable order."""
    out: list[Path] = []
    for sub in DATASET_DIRS:
        folder = data / sub
        if folder.is_dir():
            out.extend(
                p for p in sorted(folder.iterdir()) if p.is_file() and p.name.endswith(DATASET_SUFFIXES)
            )
    return out


def heldout_files(folder: Path) -> list[Path]:
    """Every dataset file directly in a held-out folder (its ``dataset_info.json`` excluded)."""
    return [
        p
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name.endswith(DATASET_SUFFIXES) and p.name not in NOT_DATASETS
    ]


def relative_name(path: Path, data: Path, heldout: Path | None) -> str:
    """A finding's ``file`` as verdicts write it: relative to the data folder, or ``heldout/<name>``."""
    if heldout is not None:
        return f"{HELDOUT_PREFIX}/{path.relative_to(heldout).as_posix()}"
    return path.relative_to(data).as_posix()


def count_records(path: Path) -> int:
    import sftlint

    return sum(1 for _ in sftlint.load_records(path))


def run_rules(
    files: Iterable[Path], data: Path, select: list[str] | None, heldout: Path | None = None
) -> tuple[list[Finding], int]:
    """Findings of every file and the number of records read."""
    import sftlint

    findings: list[Finding] = []
    records = 0
    for path in files:
        rel = relative_name(path, data, heldout)
        records += count_records(path)
        kwargs: dict[str, Any] = {"select": select} if select else {}
        for d in sftlint.lint(str(path), **kwargs):
            span = tuple(d.span) if d.span is not None else None
            key = Key(rel, d.code, int(d.line or 0), d.pointer or "", span, d.record)  # type: ignore[arg-type]
            findings.append(Finding(key, d.message, path, d.record))
    return findings, records


#: Files of the verdicts folder that list data rather than judge findings: the held-out folder's
#: manifest (``bench/gather_heldout.py`` rebuilds the folder from it).
NOT_VERDICTS = ("heldout_files.jsonl",)


def load_verdicts(folder: Path) -> list[dict[str, Any]]:
    """Every verdict line of every ``*.jsonl`` in ``folder`` (its manifests, :data:`NOT_VERDICTS`,
    left out), with where it came from."""
    out: list[dict[str, Any]] = []
    for path in sorted(p for p in folder.glob("*.jsonl") if p.name not in NOT_VERDICTS):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            v = json.loads(line)
            if v.get("verdict") not in ("right", "wrong"):
                raise SystemExit(f"{path}:{n}: verdict must be 'right' or 'wrong', not {v.get('verdict')!r}")
            v["_where"] = f"{path.name}:{n}"
            out.append(v)
    return out


def match(findings: list[Finding], verdicts: list[dict[str, Any]]) -> tuple[dict[Key, str], list[dict]]:
    """Verdict per finding key, and the verdicts that matched nothing (stale)."""
    present = {f.key for f in findings}
    by_where: dict[Key, list[Key]] = defaultdict(list)
    by_loose: dict[tuple[str, str, int, str], list[Key]] = defaultdict(list)
    for f in findings:
        by_where[f.key.where].append(f.key)
        by_loose[(f.key.file, f.key.code, f.key.line, f.key.pointer)].append(f.key)
    judged: dict[Key, str] = {}
    stale: list[dict[str, Any]] = []
    loose: list[dict[str, Any]] = []
    for v in verdicts:
        span = tuple(v["span"]) if v.get("span") is not None else None
        key = Key(v["file"], v["code"], int(v["line"]), v.get("pointer") or "", span, v.get("record"))  # type: ignore[arg-type]
        if span is None:
            loose.append(v)
        elif key.record is not None:
            if key in present:
                judged[key] = v["verdict"]
            else:
                stale.append(v)
        elif key in by_where:
            for k in by_where[key]:  # every record there: one verdict for a place, as before
                judged.setdefault(k, v["verdict"])
        else:
            stale.append(v)
    for v in loose:  # span-less verdicts take the first finding there that has none yet
        candidates = by_loose.get((v["file"], v["code"], int(v["line"]), v.get("pointer") or ""), [])
        free = [k for k in candidates if k not in judged]
        if free:
            judged[free[0]] = v["verdict"]
        else:
            stale.append(v)
    return judged, stale


def table(findings: list[Finding], records: int, judged: dict[Key, str]) -> list[dict[str, Any]]:
    counts = Counter(f.key.code for f in findings)
    right = Counter(k.code for k, v in judged.items() if v == "right")
    total = Counter(k.code for k in judged)
    rows = []
    for code in sorted(counts):
        n_judged = total[code]
        rows.append(
            {
                "code": code,
                "findings": counts[code],
                "per_1k_records": round(1000 * counts[code] / records, 2) if records else 0.0,
                "judged": n_judged,
                "right": right[code],
                "precision": round(right[code] / n_judged, 3) if n_judged else None,
                "unjudged": counts[code] - n_judged,
            }
        )
    return rows


def print_table(rows: list[dict[str, Any]], records: int, files: int, stale: int, markdown: bool) -> None:
    head = ["rule", "findings", "per 1k records", "judged", "right", "precision", "unjudged"]
    body = [
        [
            r["code"],
            str(r["findings"]),
            f"{r['per_1k_records']:.1f}",
            str(r["judged"]),
            str(r["right"]),
            "-" if r["precision"] is None else f"{r['precision']:.2f}",
            str(r["unjudged"]),
        ]
        for r in rows
    ]
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for b in body:
            print("| " + " | ".join(b) + " |")
    else:
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
        print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
        for b in body:
            print("  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)))
    print(f"\n{files} files, {records} records; {stale} stale verdicts (match no current finding)")


def resolve(data: Any, pointer: str) -> Any:
    """The value at an RFC 6901 pointer, or None."""
    if not pointer:
        return data
    for part in pointer.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        try:
            data = data[int(part)] if isinstance(data, list) else data[part]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return data


def records_by_index(path: Path) -> dict[int, Any]:
    import sftlint

    try:
        return {r.index: r.data for r in sftlint.load_records(path)}
    except Exception:  # context is a convenience; a reader problem shows up as a finding anyway
        return {}


def unjudged(findings: list[Finding], judged: dict[Key, str], code: str) -> Iterator[Finding]:
    for f in findings:
        if f.key.code == code and f.key not in judged:
            yield f


def show_unjudged(
    findings: list[Finding], judged: dict[Key, str], code: str, limit: int, template: bool
) -> None:
    cache: dict[Path, dict[int, Any]] = {}
    shown = 0
    for f in unjudged(findings, judged, code):
        if shown >= limit:
            break
        shown += 1
        k = f.key
        entry = {
            "file": k.file,
            "code": k.code,
            "line": k.line,
            "pointer": k.pointer,
            "span": list(k.span) if k.span else None,
            "record": k.record,
        }
        if template:
            print(json.dumps({**entry, "verdict": "?", "why": "", "message": f.message}, ensure_ascii=False))
            continue
        if f.records_file not in cache:
            cache[f.records_file] = records_by_index(f.records_file)
        record = cache[f.records_file].get(f.record) if f.record is not None else None
        value = resolve(record, k.pointer)
        print(f"== {k.file}:{k.line} {k.code} {k.pointer} span={k.span}")
        print(f"   {f.message}")
        if isinstance(value, str):
            if k.span:
                a, b = k.span
                print(f"   …{value[max(0, a - 80) : a]}[[{value[a:b]}]]{value[b : b + 80]}…")
            else:
                print("   " + value[:400].replace("\n", "\n   "))
        elif value is not None:
            print("   " + json.dumps(value, ensure_ascii=False)[:400])
        if not isinstance(value, str) or len(value) < 40:  # a role or a short value: show its message
            parent = resolve(record, k.pointer.rsplit("/", 1)[0])
            print("   in: " + json.dumps(parent, ensure_ascii=False)[:600])
        print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--verdicts", type=Path, default=DEFAULT_VERDICTS)
    parser.add_argument("--select", help="comma-separated selectors (default: the default rules)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    parser.add_argument("--unjudged", metavar="CODE", help="list findings of CODE without a verdict")
    parser.add_argument("--limit", type=int, default=50, help="how many unjudged findings to list")
    parser.add_argument("--template", action="store_true", help="with --unjudged: verdict lines to fill in")
    parser.add_argument(
        "--typo",
        action="store_true",
        help="T001 per dataset over these files and the csc sets (runs bench/typo_precision.py)",
    )
    parser.add_argument(
        "--heldout",
        type=Path,
        metavar="DIR",
        help="score the held-out datasets in DIR (verdicts whose file is heldout/<name>) instead",
    )
    args = parser.parse_args(argv)
    if args.typo:
        import importlib.util

        spec = importlib.util.spec_from_file_location("typo_precision", ROOT / "bench" / "typo_precision.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        rest = ["--data", str(args.data), "--verdicts", str(args.verdicts)]
        return int(module.main(rest + (["--markdown"] if args.markdown else [])))

    heldout: Path | None = args.heldout
    if heldout is not None:
        if not heldout.is_dir():
            print(
                f"no held-out data at {heldout}: nothing to measure (rebuild it from git mirrors "
                f"of the sources: python bench/gather_heldout.py --mirrors DIR --out {heldout})",
                file=sys.stderr,
            )
            return 0
        files = heldout_files(heldout)
        wanted: tuple[str, ...] = (HELDOUT_PREFIX,)
    else:
        files = dataset_files(args.data)
        # verdicts on the spelling-check sets (csc/) belong to bench/typo_precision.py
        wanted = DATASET_DIRS
    if not files:
        where = heldout if heldout is not None else f"{args.data} ({', '.join(DATASET_DIRS)})"
        print(f"no datasets under {where}: nothing to measure", file=sys.stderr)
        return 0
    select = [s.strip() for s in args.select.split(",")] if args.select else None
    findings, records = run_rules(files, args.data, select, heldout)
    verdicts = [v for v in load_verdicts(args.verdicts) if v["file"].split("/")[0] in wanted]
    judged, stale = match(findings, verdicts)
    if args.unjudged:
        show_unjudged(findings, judged, args.unjudged, args.limit, args.template)
        return 0
    rows = table(findings, records, judged)
    if args.json:
        print(
            json.dumps(
                {"records": records, "files": len(files), "rules": rows, "stale": len(stale)}, indent=2
            )
        )
    else:
        print_table(rows, records, len(files), len(stale), args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
