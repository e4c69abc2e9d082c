"""Mutations of real-looking records, the ways real files get damaged (issue 18).

Shared by the suite's hypothesis fuzzer (``tests/test_fuzz.py``, a bounded number of examples)
and the campaign script (``bench/fuzz_campaign.py``, tens of thousands of lines).  Every choice
goes through a ``pick`` object (``choice``, ``integer``, ``boolean``), so hypothesis can shrink a
failing example and the campaign can replay one from its seed.

Kinds: ``clean``; damaged values (``types``: values of other types, ``parts``: odd content
parts, ``keys``: keys with ``/``, ``~``, empty or huge, ``numbers``: spellings of numbers,
``escapes``: every character escaped, ``controls``: control characters and U+2028 in
strings, ``astral``: emoji and surrogate pairs); damaged JSON (``bytes``: flipped bytes,
``cut``: truncated, ``cut-escape``: cut inside an escape, ``surrogate``: a lone surrogate,
``nan``, ``bigint``, ``dupkey``, ``deep``: nested arrays, ``deep-objects``: nested objects);
size and density (``huge``: one long run, ``dense``: a defect every few characters, for
hundreds of thousands of findings in a record).  Files are JSONL, JSON arrays (pretty or one
line), CRLF, blank-line runs, a BOM in the middle, gzip (intact or damaged).
"""

from __future__ import annotations

import gzip
import json
import random
from typing import Any, Protocol


class Pick(Protocol):
    def choice(self, seq: list[Any]) -> Any: ...
    def integer(self, lo: int, hi: int) -> int: ...
    def boolean(self) -> bool: ...


class RandomPick:
    """A :class:`Pick` over ``random.Random`` (the campaign)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def choice(self, seq: list[Any]) -> Any:
        return seq[self.rng.randrange(len(seq))]

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def boolean(self) -> bool:
        return self.rng.random() < 0.5


BASE: list[dict[str, Any]] = [
    {
        "messages": [
            {"role": "system", "content": "你是客服助手。"},
            {"role": "user", "content": "我的订单到哪了？"},
            {
                "role": "assistant",
                "content": "< 思考：用户问物流。动作：查询订单。观察：已发货 >\n---\n您的订单已发货，预计明天送达。",
            },
        ]
    },
    {
        "conversations": [
            {"from": "human", "value": "Thought: 你好"},
            {"from": "gpt", "value": "Action: search[天气]\nObservation: 晴"},
        ]
    },
    {
        "instruction": "把下面的句子翻译成英文",
        "input": "今天天气很好",
        "output": "The weather is nice today. {{name}}",
    },
    {
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "Knowledge Base Result: 1. 退款 2. 换货\n问：怎么退款"}],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "refund", "arguments": '{"order": 1}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "ok"},
            {"role": "assistant", "content": "已为您办理退款\u200b。"},
        ]
    },
    {
        "messages": [
            {"role": "user", "content": "请问 A/B 测试怎么做?"},
            {"role": "assistant", "content": "您好,A/B 测试(分流实验)需要先确定指标;再分组。"},
        ],
        "id": "rec-1",
    },
]

UNITS = [
    "中",
    "a",
    "\u200b",
    "{{",
    "：",
    ":",
    "(",
    "\\",
    '"',
    "1.",
    "Thought: ",
    "<",
    "---",
    "锟斤拷",
    " ",
    "\n",
]
#: Units that are one finding each, for records dense with findings.
DENSE_UNITS = ["中,", "好\u200b", "的;", "{{x}}", "\x07a", "Ã©", "\ufffd中", "好?", "（", "&amp;"]
KINDS = [
    "clean",
    "types",
    "parts",
    "keys",
    "numbers",
    "escapes",
    "controls",
    "astral",
    "bytes",
    "cut",
    "cut-escape",
    "surrogate",
    "nan",
    "bigint",
    "dupkey",
    "deep",
    "deep-objects",
    "huge",
    "dense",
]
LAYOUTS = ["jsonl", "json", "json-pretty", "crlf", "blank", "bom-middle", "gz", "gz-damaged"]


def _swap_types(value: Any, pick: Pick) -> Any:
    if isinstance(value, dict):
        return {k: _swap_types(v, pick) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap_types(v, pick) for v in value]
    if pick.integer(0, 6) == 0:
        return pick.choice([None, 1, -1.5, True, [], {}, ["text"], {"type": ["x"]}, "", 2**70])
    return value


def _texts(record: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every string value in ``record``."""
    out = []
    stack = [record]
    while stack:
        v = stack.pop()
        items = v.items() if isinstance(v, dict) else enumerate(v) if isinstance(v, list) else ()
        for k, x in items:
            if isinstance(x, str):
                out.append((v, k))
            else:
                stack.append(x)
    return out


def mutated_line(pick: Pick, kind: str | None = None) -> bytes:
    """One line: a record of :data:`BASE`, damaged one way (``kind``; drawn when None)."""
    record = json.loads(json.dumps(pick.choice(BASE)))
    kind = kind or pick.choice(KINDS)
    if kind == "types":
        record = _swap_types(record, pick)
    elif kind in ("deep", "deep-objects"):
        record["extra"] = "__DEEP__"  # spliced in as text: json itself cannot build it
    elif kind in ("huge", "dense"):
        unit = pick.choice(UNITS if kind == "huge" else DENSE_UNITS)
        text = unit * pick.integer(1000, 30000 if kind == "huge" else 20000)
        key = next(iter(record))
        record = {
            key: record[key],
            "messages": [{"role": "user", "content": text}, {"role": "assistant", "content": text[:500]}],
        }
    elif kind == "parts":
        record = {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": pick.choice([["text"], 3, None, {}, "text"]), "text": "hi"}],
                },
                {"role": "assistant", "content": pick.choice(["ok", [], [{"type": "text"}], {"text": "x"}])},
            ]
        }
    elif kind == "keys":
        key = pick.choice(["a/b", "~0", "~1/~", "", "messages/0", "x" * 5000, "\u200b", "role"])
        record[key] = pick.choice(["v", {"a/b": "中,文"}, ["~"]])
    elif kind == "controls":
        for parent, k in _texts(record)[:3]:
            parent[k] = parent[k] + pick.choice(
                ["\x00", "\x07好", "\u2028", "\u2029", "\x7f", "\t\r", "\U0001f600"]
            )
    elif kind == "astral":
        for parent, k in _texts(record)[:4]:
            parent[k] = pick.choice(["😀", "𠀀", "👨\u200d👩", "\U0001f600\u200b"]) + parent[k]
    line = json.dumps(record, ensure_ascii=pick.boolean())
    if kind == "deep":
        depth = pick.choice([100, 127, 128, 129, 300, 1023, 1025, 5000])
        line = line.replace('"__DEEP__"', "[" * depth + "]" * depth)
    elif kind == "deep-objects":
        depth = pick.choice([100, 128, 129, 990, 1500])
        line = line.replace('"__DEEP__"', '{"a": ' * depth + "1" + "}" * depth)
    elif kind == "escapes":
        line = json.dumps(record, ensure_ascii=True).replace("/", "\\/")
        line = line.replace('"role"', '"\\u0072ole"', 1)
    elif kind == "numbers":
        spelling = pick.choice(["1.0e5", "-0", "1E+2", "0.10", "1e400", "-1e-400", "01", "1.", "+1", "0x10"])
        line = line[:-1] + f', "n": {spelling}, "m": [{spelling}, 2.50]}}'
    elif kind == "surrogate":
        line = line.replace('"content": "', '"content": "\\ud800', 1)
    elif kind == "nan":
        line = line[:-1] + ', "x": ' + pick.choice(["NaN", "Infinity", "-Infinity"]) + "}"
    elif kind == "bigint":
        line = line[:-1] + ', "x": 123456789012345678901234567890}'
    elif kind == "dupkey":
        line = line[:-1] + pick.choice(
            [', "messages": []}', ', "id": 1, "id": 2}', ', "a": {"b": 1, "b": "中,文"}}']
        )
    data = line.encode("utf-8")
    if kind == "bytes":
        for _ in range(pick.integer(1, 5)):
            at = pick.integer(0, len(data) - 1)
            data = data[:at] + bytes([pick.integer(0, 255)]) + data[at + 1 :]
    elif kind == "cut":
        data = data[: pick.integer(0, len(data))]
    elif kind == "cut-escape":
        escaped = json.dumps(record, ensure_ascii=True).encode()
        at = escaped.find(b"\\u")
        data = escaped[: at + pick.integer(1, 5)] if at >= 0 else escaped[:-1]
    return data.replace(b"\n", b" ")


def dataset(pick: Pick, lines: list[bytes], layout: str | None = None) -> tuple[str, bytes]:
    """A file of ``lines`` laid out one of :data:`LAYOUTS` ways: ``(suffix, bytes)``."""
    layout = layout or pick.choice(LAYOUTS)
    if layout == "json":
        return "json", b"[\n" + b",\n".join(lines) + b"\n]\n"
    if layout == "json-pretty":
        parts = []
        for line in lines:
            try:
                parts.append(json.dumps(json.loads(line), ensure_ascii=pick.boolean(), indent=2).encode())
            except (ValueError, RecursionError):
                parts.append(line)
        return "json", b"[" + b", ".join(parts) + b"]"
    body = b"\n".join(lines) + b"\n"
    if layout == "crlf":
        return "jsonl", body.replace(b"\n", b"\r\n")
    if layout == "blank":
        return "jsonl", b"\n\n" + body.replace(b"\n", b"\n \n\t\n")
    if layout == "bom-middle":
        return "jsonl", body.replace(b"\n", b"\n\xef\xbb\xbf", 1)
    if layout.startswith("gz"):
        packed = gzip.compress(body)
        if layout == "gz-damaged":
            at = pick.integer(0, len(packed) - 1)
            packed = packed[:at] + bytes([packed[at] ^ 0xFF]) + packed[at + 1 :]
        return "jsonl.gz", packed
    return "jsonl", body
