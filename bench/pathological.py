"""Pathological inputs against a normal file of the same size: time ratio and peak memory.

Each input is written to a temporary folder, checked with every rule on
(``sftlint check --select ALL --output-format json``) in a fresh process, and measured by the
CPU time (user + sys) and peak RSS of that process.  The normal file is real chat data
(``tests/fixtures`` records, repeated) of the same size.  A ratio of 5 or more fails.

The memory table runs one record of ``--record-mb`` megabytes of each kind of text (many
findings, words, lines, steps) and compares its peak RSS with that of the same record at 2 KB:
the bound stated in docs/large-datasets.md is at most three times the largest record plus a
fixed amount.

Usage: python bench/pathological.py [--mb 2] [--record-mb 10] [--only NAME] [--memory]
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


def _one(content: str, size: int, role: str = "user") -> str:
    """One record whose user turn (or assistant turn) is ``content`` grown to about ``size`` bytes."""
    unit = content
    n = max(1, size // max(1, len(json.dumps(unit, ensure_ascii=False).encode()) - 2))
    if role == "assistant":
        turns = [{"role": "user", "content": "请按步骤回答"}, {"role": "assistant", "content": unit * n}]
    else:
        turns = [{"role": "user", "content": unit * n}, {"role": "assistant", "content": "好的"}]
    return json.dumps({"messages": turns}, ensure_ascii=False) + "\n"


#: One record of ``--record-mb`` megabytes of each: (role, the unit repeated).  Each kind makes
#: some rule hold something per character, word, line or finding if it is not bounded.
MEMORY_CASES: dict[str, tuple[str, str]] = {
    "zero-width-and-comma": ("user", "你好\u200b，"),  # a million T005 findings
    "half-width-marks": ("user", "中,文;"),  # 2.5 million T003 findings
    "latin-zero-width": ("user", "a\u200b"),  # T005 findings between Latin letters
    "chinese": ("user", "你好"),
    "chinese-function-words": ("user", "的是在了吗"),
    "latin-words": ("user", "abc "),
    "english-sentences": ("assistant", "The answer is here. "),
    "short-lines": ("user", "ab\n"),
    "numbered-lines": ("assistant", "1. 步骤\n"),
    "react-steps": ("assistant", "Thought: 查询\nAction: search\nObservation: 结果\n"),
    "placeholders": ("user", "{{a}} "),
    "code-fences": ("assistant", "```\nx = 1\n```\n"),
    "urls": ("user", "http://a.cn/x "),
    "emoji": ("user", "😀"),
    "mixed-latin-chinese": ("user", "在 Node 的 ES 模块中 "),
}


def _varied_chinese(chars: int) -> str:
    """One record of ``chars`` characters of Chinese lines that never repeat (seeded)."""
    import random

    rng = random.Random(0)
    common = "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从"
    lines, total = [], 0
    while total < chars:
        line = "".join(rng.choice(common) for _ in range(rng.randint(20, 60))) + "。"
        lines.append(line)
        total += len(line) + 1
    rec = {
        "messages": [{"role": "user", "content": "\n".join(lines)}, {"role": "assistant", "content": "好的"}]
    }
    return json.dumps(rec, ensure_ascii=False) + "\n"


def _many_contexts(size: int) -> str:
    """One record whose user turns each carry a different retrieved text, the last one none."""
    msgs = []
    total = i = 0
    while total < size:
        text = f"问题{i}？ Knowledge Base Result: 处理方法{i}：" + "如果用户反馈异常，要先确认订单状态。" * 3
        msgs += [{"role": "user", "content": text}, {"role": "assistant", "content": "好的"}]
        total += len(text) * 3 + 40
        i += 1
    msgs += [{"role": "user", "content": "谢谢"}, {"role": "assistant", "content": "不客气"}]
    return json.dumps({"messages": msgs}, ensure_ascii=False) + "\n"


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
        # a template's end-of-sequence tag repeated along one line (the fuzz campaign's
        # huge-templated kind): T007 read the tag's line again for each of its tags
        "one-record-many-tags": ("jsonl", _one("</s>", size, role="assistant")),
        # a <br> between table cells, along one line: each <br> asks whether its line is a row
        "one-record-many-br": ("jsonl", _one("| a<br>b ", size, role="assistant")),
        # retrieved text under a template's own header or tag: a user turn of many headers
        # (each a context to its next), of closing tags without their opening one, of opening
        # tags without a close (K's contexts read the closing tags once each)
        "one-record-many-kb-headers": ("jsonl", _one("参考知识：\n1. 如果\n", size)),
        "one-record-many-closing-tags": ("jsonl", _one("</knowledge>", size)),
        "one-record-many-opening-tags": ("jsonl", _one("<knowledge>", size)),
        # stop 45's readers: documents listed under a noted header, Markdown-bold step labels, a
        # prose paragraph after each blank line (each opening a list), letter items
        "one-record-many-documents": ("jsonl", _one("参考文档（共2篇）：\n1) 如果\n", size)),
        "one-record-bold-labels": ("jsonl", _one("**思考**：a\n**动作**：b\n", size, role="assistant")),
        "one-record-many-paragraphs": ("jsonl", _one("\n\n用户反馈，如何处理？\n一、 如果\n", size)),
        "one-record-letter-items": ("jsonl", _one("a) 如果\n①甲\n", size)),
        # one record of thousands of turns, each with a retrieved text of its own, then a bare
        # one: K001 compares each text with the record's earlier ones (the last few only)
        "one-record-many-contexts": ("jsonl", _many_contexts(size)),
        # one clause of Chinese as long as the file, then a short one cut on a word that needs
        # more: T006's clause shape once searched for the last clause from every start
        "one-record-long-clause": (
            "jsonl",
            json.dumps(
                {
                    "messages": [
                        {"role": "user", "content": "请回答"},
                        {"role": "assistant", "content": "中" * (size // 3) + "，很高兴能"},
                    ]
                },
                ensure_ascii=False,
            )
            + "\n",
        ),
        # a chat template's marker repeated through a long text (the fuzz campaign's
        # huge-templated kind): read as a transcript, a finding per marker
        "one-record-template-markers": ("jsonl", json.dumps({"text": "[/INST]" * (size // 7)}) + "\n"),
        "one-record-template-headers": ("jsonl", json.dumps({"text": "Human: " * (size // 7)}) + "\n"),
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
    ap.add_argument("--record-mb", type=float, default=10.0, help="size of the one-record memory checks")
    ap.add_argument("--only", help="run only the inputs whose name contains this")
    ap.add_argument("--memory", action="store_true", help="run only the one-record memory table")
    args = ap.parse_args()
    size = int(args.mb * 1_000_000)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        if args.memory:
            return 1 if memory(Path(tmp), int(args.record_mb * 1_000_000), args.only) else 0
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
        failed |= memory(Path(tmp), int(args.record_mb * 1_000_000), args.only)
    return 1 if failed else 0


def memory(tmp: Path, record: int, only: str | None = None) -> bool:
    """Peak RSS of one record of ``record`` bytes of each kind against the same record at 2 KB,
    each after 200 KB of real records (the fixed amount: the interpreter, the rules and the
    models that real data loads).
    The bound of docs/large-datasets.md: at most 3 x the record more.  True when one fails."""
    failed = False
    # real records around it, and one of 250,000 characters of varied Chinese (T001 loads its
    # whole model after 200,000 characters it has not seen): the models a real dataset loads
    # count in the fixed amount, not against the record
    normal = _fill(_normal_records(), 200_000) + _varied_chinese(250_000)
    print(
        f"\n{'one record of':<26} {'MB':>6} {'cpu s':>7} {'peak RSS MB':>12} {'2 KB MB':>8} {'+MB':>6} {'x rec':>6} exit"
    )
    for name, (role, unit) in MEMORY_CASES.items():
        if only and only not in name:
            continue
        tiny, big = tmp / "tiny.jsonl", tmp / "big.jsonl"
        tiny.write_text(normal + _one(unit, 2000, role), encoding="utf-8")
        one = _one(unit, record, role)
        big.write_text(normal + one, encoding="utf-8")
        _, tiny_rss, _ = measure(tiny)
        cpu, big_rss, code = measure(big)
        size_mb = len(one.encode()) / 1e6
        extra = max(0, big_rss - tiny_rss) / 1024
        bad = extra > 3 * size_mb or code not in (0, 1)
        failed |= bad
        print(
            f"{name:<26} {size_mb:>6.1f} {cpu:>7.2f} {big_rss / 1024:>12.0f} {tiny_rss / 1024:>8.0f} {extra:>6.0f} "
            f"{extra / size_mb:>6.2f} {code}{'  FAIL' if bad else ''}"
        )
    return failed


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("SFTLINT_NO_CACHE", "1")  # every run lints
    sys.exit(main())
