"""The same findings before and after: a fingerprint of every diagnostic on fixed inputs.

Speed work must change no diagnostic.  This writes every diagnostic of the default rules (and
of ``--select ALL``) on every file of the shared real data, on a seed-style corpus with planted
defects and on a *templated* corpus (most records near-copies of another, D002's worst case),
one JSON line each, so two commits can be compared line by line::

    python bench/same_findings.py --write /tmp/before.jsonl     # on the old commit
    python bench/same_findings.py --write /tmp/after.jsonl      # on the new one
    python bench/same_findings.py --compare /tmp/before.jsonl   # run now, diff against a file
    python bench/same_findings.py --add bench/out/sk5000.jsonl --add /work/heldout_all --add-select R,S --write ...

The corpora are written once to ``bench/out`` (deterministic: fixed seeds).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DATA = (
    Path("/work/shared/data")
    if Path("/work/shared/data").is_dir()
    else HERE.parent.parent / "shared" / "data"
)


def templated(source: Path, target: Path, records: int, seed: int = 1) -> None:
    """Records that are mostly near-copies: each new record copies an earlier one and edits a
    few characters of each turn (a template filled again), or is a fresh record."""
    rng = random.Random(seed)
    base = []
    for line in source.read_bytes().splitlines()[: records // 4]:
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue  # the planted J defects
        if isinstance(rec, dict):
            base.append(rec)
    out: list[bytes] = []
    pool: list[dict] = []
    for i in range(records):
        if i < len(base) and (not pool or rng.random() < 0.3):
            rec = base[i]
        else:
            rec = orjson.loads(orjson.dumps(rng.choice(pool or base)))
            for msg in rec.get("messages", []):
                text = msg.get("content")
                if isinstance(text, str) and len(text) > 10:
                    chars = list(text)
                    for _ in range(rng.randint(1, 4)):
                        chars[rng.randrange(len(chars))] = rng.choice("的一是在不了有和人这中大为上个国")
                    msg["content"] = "".join(chars)
        pool.append(rec)
        out.append(orjson.dumps(rec))
    target.write_bytes(b"\n".join(out) + b"\n")


def inputs(out: Path) -> list[Path]:
    from corpus import write_corpus

    out.mkdir(parents=True, exist_ok=True)
    seed = out / "same-seed-6000.jsonl"
    if not seed.exists():
        write_corpus(seed, 6000, seed=3, plant_defects=True)
    tmpl = out / "same-templated-4000.jsonl"
    if not tmpl.exists():
        templated(seed, tmpl, 4000)
    files = sorted(p for d in ("wild", "sft") for p in (DATA / d).glob("*.json*"))
    return [*files, seed, tmpl]


def extra_inputs(given: list[str]) -> list[Path]:
    """The files of ``--add``: a folder stands for its ``*.json*`` files (sorted, symlinks
    followed), so a held-out folder is fingerprinted the same way on both commits."""
    paths: list[Path] = []
    for name in given:
        path = Path(name)
        paths.extend(sorted(path.glob("*.json*")) if path.is_dir() else [path])
    return paths


def fingerprint(paths: list[Path], select: list[str] | None, jobs: int = 1) -> Iterator[bytes]:
    from sftlint.config import Settings
    from sftlint.engine import Engine
    from sftlint.run.processes import parallel_diagnostics

    for path in paths:
        settings = Settings(select=select) if select else Settings()
        engine = Engine(settings)
        for d in parallel_diagnostics(engine, [str(path)], jobs):
            yield orjson.dumps(
                {
                    "sel": ",".join(select or ["default"]),
                    "file": path.name,
                    "code": d.code,
                    "line": d.line,
                    "col": d.column,
                    "end": [d.end_line, d.end_column],
                    "pointer": d.pointer,
                    "span": d.span,
                    "msg": d.message,
                    "sev": d.severity,
                    "fix": d.fix.to_dict() if d.fix else None,
                },
                option=orjson.OPT_SORT_KEYS,
            )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--write", help="write the fingerprint here")
    p.add_argument("--compare", help="compare with this earlier fingerprint")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--out", default=str(HERE / "out"))
    p.add_argument(
        "--add",
        action="append",
        default=[],
        metavar="PATH",
        help="a further file, or a folder of *.json* files, to fingerprint (repeatable)",
    )
    p.add_argument(
        "--add-select",
        metavar="CODES",
        help="the rules to run on the --add files (comma-separated; default: the default rules and ALL)",
    )
    args = p.parse_args(argv)
    paths = inputs(Path(args.out))
    extra = extra_inputs(args.add)
    if args.add_select:  # a large held-out folder under one family's rules, not every rule twice
        selections: list[list[str] | None] = [None, ["ALL"]]
        lines = [s for sel in selections for s in fingerprint(paths, sel, args.jobs)]
        lines += fingerprint(extra, args.add_select.split(","), args.jobs)
    else:
        paths += extra
        lines = [*fingerprint(paths, None, args.jobs), *fingerprint(paths, ["ALL"], args.jobs)]
    if args.write:
        Path(args.write).write_bytes(b"\n".join(lines) + b"\n")
        print(f"{len(lines)} diagnostics written to {args.write}")
    if args.compare:
        old = Path(args.compare).read_bytes().splitlines()
        if old == lines:
            print(f"same findings: {len(lines)} diagnostics identical")
            return 0
        gone, new = set(old) - set(lines), set(lines) - set(old)
        print(f"DIFFERENT: {len(old)} before, {len(lines)} now; {len(gone)} gone, {len(new)} new")
        for line in sorted(gone)[:20]:
            print("-", line.decode())
        for line in sorted(new)[:20]:
            print("+", line.decode())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
