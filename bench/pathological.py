"""Pathological inputs against a normal file of the same size: time ratio and peak memory.

Each input is written to a temporary folder, checked with every rule on
(``sftlint check --select ALL --output-format json``) in a fresh process, and measured by the
CPU time (user + sys) and peak RSS of that process.  The normal file is real chat data
(``tests/fixtures`` records, repeated) of the same size.  A ratio of 5 or more fails.

The memory check runs one record of ``--record-mb`` megabytes (many findings in it) and
compares the peak RSS with that of a tiny file: the bound stated in docs/large-datasets.md is
at most three times the largest record plus a fixed amount.

Usage: python bench/pathological.py [--mb 2] [--record-mb 20] [--only NAME]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_RATIO = 5.0


def _normal_records() -> list[str]:
    out = []
    for path in sorted((ROOT / "tests" / "fixtures").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                if isinstance(json.loads(line), dict) and len(line) < 20000:
                    out.append(line)
            except ValueError:
                continue
    return out


def _fill(lines: list[str], size: int) -> str:
    out, total, k = [], 0, 0
    while total < size:
        line = lines[k % len(lines)]
        out.append(line)
        total += len(line.encode()) + 1
        k += 1
    return "\n".join(out) + "\n"


def _one(content: str, size: int) -> str:
    """One record whose user turn is ``content`` grown to about ``size`` bytes."""
    unit = content
    n = max(1, size // max(1, len(json.dumps(unit, ensure_ascii=False).encode()) - 2))
    rec = {"messages": [{"role": "user", "content": unit * n}, {"role": "assistant", "content": "好的"}]}
    return json.dumps(rec, ensure_ascii=False) + "\n"


def inputs(size: int) -> dict[str, tuple[str, bytes]]:
    """name -> (file suffix, bytes)."""
    normal = _normal_records()
    rec = json.dumps(
        {"messages": [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好"}]},
        ensure_ascii=False,
    )
    pretty = json.dumps(json.loads(normal[0]), ensure_ascii=False, indent=2)
    cases: dict[str, tuple[str, str | bytes]] = {
        "normal": ("jsonl", _fill(normal, size)),
        "normal-json-array": ("json", "[\n" + ",\n".join(_fill(normal, size).splitlines()) + "\n]\n"),
        "zero-width-findings": ("jsonl", _fill([_one("你好\u200b" * 20, 24_000).strip()], size)),
        "one-record-zero-width": ("jsonl", _one("\u200b", size)),
        "one-record-escapes": (
            "jsonl",
            _one('他说："好"\n\t', size).encode("ascii", "backslashreplace").decode(),
        ),
        "one-record-cjk-run": ("jsonl", _one("中", size)),
        "one-record-placeholders": ("jsonl", _one("{{a}}", size)),
        "one-record-half-width": ("jsonl", _one("中,文;", size)),
        "one-record-parens": ("jsonl", _one("动作：(", size)),
        "one-record-letters": ("jsonl", _one("abc", size)),
        "short-array-lines": ("jsonl", "[1,\n" * (size // 4)),
        "open-object-lines": ("jsonl", '{"a": [\n' * (size // 8)),
        "blank-lines": ("jsonl", "\n" * size),
        "deep-nesting": ("jsonl", ("[" * 1000 + "]" * 1000 + "\n") * (size // 2001)),
        "deep-valid-200": ("jsonl", ('{"messages": ' + "[" * 200 + "]" * 200 + "}\n") * (size // 415)),
        "pretty-printed": ("jsonl", _fill([pretty], size)),
        "duplicate-keys": (
            "jsonl",
            _fill(['{"messages": [], ' + ", ".join(f'"k": {i}' for i in range(2000)) + "}"], size),
        ),
        "gz-damaged": ("jsonl.gz", b""),
    }
    packed = bytearray(gzip.compress(_fill([rec], size).encode()))
    packed[len(packed) // 2] ^= 0xFF
    cases["gz-damaged"] = ("jsonl.gz", bytes(packed))
    return {k: (suffix, v.encode() if isinstance(v, str) else v) for k, (suffix, v) in cases.items()}


def measure(path: Path) -> tuple[float, int, int]:
    """CPU seconds, peak RSS (KB) and exit code of one check in a fresh process (its own
    rusage, from wait4: RUSAGE_CHILDREN would give the largest child so far)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sftlint.cli",
            "check",
            "--select",
            "ALL",
            "--output-format",
            "json",
            "-q",
            "--jobs",
            "1",
            str(path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=2.0, help="size of each input (default 2 MB)")
    ap.add_argument("--record-mb", type=float, default=20.0, help="size of the one-record memory check")
    ap.add_argument("--only", help="run only the inputs whose name contains this")
    args = ap.parse_args()
    size = int(args.mb * 1_000_000)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        cases = inputs(size)
        rows = []
        base_cpu = None
        for name, (suffix, data) in cases.items():
            if args.only and args.only not in name and name != "normal":
                continue
            path = Path(tmp) / f"{name}.{suffix}"
            path.write_bytes(data)
            cpu, rss, code = measure(path)
            if name == "normal":
                base_cpu = cpu
            ratio = cpu / base_cpu if base_cpu else 1.0
            bad = ratio >= MAX_RATIO or code not in (0, 1)
            failed |= bad
            rows.append((name, len(data), cpu, ratio, rss, code, bad))
            path.unlink()
        print(f"{'input':<26} {'bytes':>10} {'cpu s':>7} {'ratio':>6} {'peak RSS MB':>12} exit")
        for name, n, cpu, ratio, rss, code, bad in rows:
            print(
                f"{name:<26} {n:>10,} {cpu:>7.2f} {ratio:>6.2f} {rss / 1024:>12.0f} {code}{'  FAIL' if bad else ''}"
            )
        # memory: one big record with many findings against a tiny file
        tiny = Path(tmp) / "tiny.jsonl"
        tiny.write_text(_one("你好", 100))
        _, tiny_rss, _ = measure(tiny)
        record = int(args.record_mb * 1_000_000)
        big = Path(tmp) / "big.jsonl"
        big.write_text(_one("你好\u200b，", record))
        cpu, big_rss, code = measure(big)
        size_mb = big.stat().st_size / 1e6
        extra = (big_rss - tiny_rss) / 1024
        ok = extra <= 3 * size_mb
        failed |= not ok
        print(
            f"\none record of {size_mb:.1f} MB: peak RSS {big_rss / 1024:.0f} MB, a tiny file {tiny_rss / 1024:.0f} MB: "
            f"+{extra:.0f} MB = {extra / size_mb:.2f} x the record (bound: 3 x){'' if ok else '  FAIL'}; "
            f"cpu {cpu:.1f} s, exit {code}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
