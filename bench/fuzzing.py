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
``in-string``: damage written inside string literals (quotes, backslashes, broken escapes, lone
or reversed surrogate escapes, raw control characters, a raw lone surrogate's bytes),
``nan``, ``bigint``, ``dupkey``, ``deep``: nested arrays, ``deep-objects``: nested objects);
size and density (``huge``: one long run, ``dense``: a defect every few characters, for
hundreds of thousands of findings in a record).  Files are JSONL, JSON arrays (pretty or one
line), CRLF, blank-line runs, a BOM in the middle, gzip (intact or damaged).
"""

from __future__ import annotations

import gzip
import json
import random
import re
from typing import Any, Protocol

from sftlint.analysis.text.template_tokens import TOKENS


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

#: Preference and per-turn weight layouts (sftlint.formats.pairs, formats.weights): a pair is
#: linted side by side, so damage in one side must not break the other's reading.
BASE += [
    {
        "input": {
            "messages": [{"role": "user", "content": "查一下北京天气"}],
            "tools": [
                {"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}
            ],
        },
        "preferred_output": [{"role": "assistant", "content": "北京今天晴。"}],
        "non_preferred_output": [{"role": "assistant", "content": "北京今天晴。"}],
    },
    {
        "query": "1+1等于几？",
        "response": "等于2。",
        "rejected_response": "等于3。",
        "history": [["你好", "您好！"]],
    },
    {
        "chosen": [
            {"role": "user", "content": "讲个笑话"},
            {"role": "assistant", "content": "好的：{{joke}}"},
        ],
        "rejected": [{"role": "user", "content": "讲个笑话"}, {"role": "assistant", "content": ""}],
    },
    {"chosen": "\n\nHuman: 你好\n\nAssistant: 您好！", "rejected": "\n\nHuman: 你好\n\nAssistant: "},
    {
        "messages": [
            {"role": "user", "content": "hi", "loss_weight": 0.0},
            {
                "role": "assistant",
                "content": "Hello!",
                "loss_weight": 1.0,
                "weight": 0,
                "loss": False,
                "train": True,
            },
        ],
        "rejected_messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "Go away."},
        ],
    },
]

#: Layouts and defects the later rules read: MOSS's tagged turn fields (sftlint.formats.moss,
#: a plugin turn and a plain one), HammerBench's ``function call`` turns whose content is the
#: call object (C rules), a reply claiming another vendor's identity (T011), a code block left
#: open (T012) and a reply opening with a line break (T013).
BASE += [
    {
        "meta_instruction": "You are an AI assistant whose name is MOSS.\n",
        "num_turns": 2,
        "chat": {
            "turn_1": {
                "Human": "<|Human|>: 北京今天天气怎么样？<eoh>\n",
                "Inner Thoughts": "<|Inner Thoughts|>: 用户问天气，需要搜索<eot>\n",
                "Commands": '<|Commands|>: Search("北京 天气")<eoc>\n',
                "Tool Responses": '<|Results|>:\nSearch("北京 天气") =>\n<|1|>: 晴，25度\n<eor>\n',
                "MOSS": "<|MOSS|>: 北京今天晴，25度。<sup><|1|></sup><eom>\n",
            },
            "turn_2": {
                "Human": "<|Human|>: 写个快排<eoh>\n",
                "Inner Thoughts": "<|Inner Thoughts|>: None<eot>\n",
                "Commands": "<|Commands|>: None<eoc>\n",
                "Tool Responses": "<|Results|>: None<eor>\n",
                "MOSS": "<|MOSS|>: ```python\ndef qsort(a):\n    return a<eom>\n",
            },
        },
    },
    {
        "id": "Based_0_3",
        "messages": [
            {"role": "user", "content": "查一下我的车有没有违章记录"},
            {"role": "function call", "content": {"name": "queryViolation", "arguments": {"city": "广州"}}},
            {"role": "assistant", "content": "请提供车牌号"},
        ],
        "multiple_tools": [
            {
                "name": "queryViolation",
                "description": "查询违章",
                "parameters": {
                    "type": "object",
                    "properties": {"plate_number": {"type": "string"}, "city": {"type": "string"}},
                    "required": ["plate_number", "city"],
                },
            }
        ],
    },
    {
        "conversations": [
            {"from": "human", "value": "你能上网吗？"},
            {"from": "gpt", "value": "\n抱歉，我是由OpenAI训练的大型语言模型，无法访问互联网。"},
            {"from": "human", "value": "Write a function."},
            {"from": "gpt", "value": "Here:\n\n```python\ndef f(x):\n    return x"},
        ]
    },
]

#: One conversation as the text each chat template writes (TRL's ``text`` field), and a plain
#: document: the ``templated`` kind cuts, drops and splices their markers.
TEMPLATED = [
    "<|im_start|>system\n你是客服助手。<|im_end|>\n<|im_start|>user\n我的订单到哪了？<|im_end|>\n"
    "<|im_start|>assistant\n您的订单已发货。<|im_end|>\n",
    "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nWhat is monopsony? [/INST] A single buyer. </s>"
    "<s>[INST] An example? [/INST] A mining town. </s>",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n北京天气？<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\n晴。<|eot_id|>",
    "<bos><start_of_turn>user\nWhy is the sky blue?<end_of_turn>\n<start_of_turn>model\nRayleigh.<end_of_turn>\n",
    "<s><|user|>\nHi!<|end|>\n<|assistant|>\nHello.<|end|>\n",
    "A chat. USER: Hello! ASSISTANT: Hi there.</s>USER: A joke? ASSISTANT: No.</s>",
    "Below is an instruction.\n\n### Instruction:\nSummarise.\n\n### Input:\nThe cat sat.\n\n### Response:\nA cat sat.</s>",
    "\n\nHuman: 你好\n\nAssistant: 您好！",
    "北京是中国的首都，有三千多年的建城史。1. 故宫 2. 长城\n",
]
#: Every template's markers (the control tokens S008 knows, and the text headers of Vicuna, the
#: Alpaca prompt and Human/Assistant), spliced into another template's text.
TEMPLATE_MARKERS = [
    *TOKENS,
    "<|im_start|>assistant\n",
    " USER:",
    " ASSISTANT:",
    "\n### Instruction:",
    "\n### Response:",
    "\n\nHuman:",
    "\n\nAssistant:",
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
    "```",
    "我是ChatGPT",
]
#: What :func:`_damage_inside_strings` writes inside a JSON string literal, as JSON text: an
#: unescaped quote or backslash, escapes that are cut, unknown or of no character (a lone
#: surrogate, low or high, a pair reversed or split by another escape), escaped NUL and line
#: separators, raw control characters, an escaped quote that ends the literal early.
IN_STRING = [
    '"',
    "\\",
    "\\x41",
    "\\u12",
    "\\u12G4",
    "\\uD800",
    "\\udc00",
    "\\ude00\\ud83d",
    "\\ud83d\\u0041",
    "\\ud83d\\ude00",
    "\\ud800\\ud800",
    "\\u0000",
    "\\u2028",
    "\\u001b[31m",
    "\t",
    "\r",
    "\x00",
    "\x1b",
    '\\"',
    "\\\\",
    "\\/",
    "\\b\\f",
    "\ufeff",
    "\udcff",
]
_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')


def _damage_inside_strings(line: str, pick: Pick) -> str:
    """``line`` (a record as JSON text) with one to three of :data:`IN_STRING` written inside
    its string literals (keys and values), each at a position drawn inside the literal: between
    two characters, or inside an escape the literal already holds (``\\u4f60`` cut in two)."""
    for _ in range(pick.integer(1, 3)):
        spans = [m.span() for m in _STRING_LITERAL.finditer(line)]
        if not spans:
            break
        start, end = pick.choice(spans)
        at = pick.integer(start + 1, end - 1)
        line = line[:at] + pick.choice(IN_STRING) + line[at:]
    return line


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
    "in-string",
    "nan",
    "bigint",
    "dupkey",
    "deep",
    "deep-objects",
    "huge",
    "dense",
    "templated",
    "huge-templated",
]
LAYOUTS = [
    "jsonl",
    "json",
    "json-pretty",
    "crlf",
    "blank",
    "bom-middle",
    "gz",
    "gz-damaged",
    "wrapped",
    "csv",
    "tsv",
]


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


def templated_text(pick: Pick) -> str:
    """A text of :data:`TEMPLATED`, damaged the ways a preparation script damages one: cut
    short, a marker dropped, another template's marker spliced in, two joined."""
    text = pick.choice(TEMPLATED)
    for _ in range(pick.integer(0, 3)):
        op = pick.choice(["cut", "drop", "splice", "join", "unit"])
        at = pick.integer(0, len(text))
        if op == "cut":
            text = text[:at]
        elif op == "drop":
            marker = pick.choice(TEMPLATE_MARKERS)
            text = text.replace(marker, "", 1)
        elif op == "splice":
            text = text[:at] + pick.choice(TEMPLATE_MARKERS) + text[at:]
        elif op == "join":
            text = text + pick.choice(TEMPLATED)
        else:
            text = text[:at] + pick.choice(UNITS) + text[at:]
    return text


def mutated_line(pick: Pick, kind: str | None = None) -> bytes:
    """One line: a record of :data:`BASE`, damaged one way (``kind``; drawn when None)."""
    record = json.loads(json.dumps(pick.choice(BASE)))
    kind = kind or pick.choice(KINDS)
    if kind == "templated":
        record = {"text": templated_text(pick)}
    elif kind == "huge-templated":
        # a marker (or a header with no answer after it) repeated through a long text
        unit = pick.choice([*TEMPLATE_MARKERS, "USER: ", "### Instruction:\n", "Human: "])
        record = {"text": pick.choice(["", pick.choice(TEMPLATED)]) + unit * pick.integer(1000, 100000)}
    elif kind == "types":
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
    elif kind == "in-string":
        line = _damage_inside_strings(line, pick)
    elif kind == "nan":
        line = line[:-1] + ', "x": ' + pick.choice(["NaN", "Infinity", "-Infinity"]) + "}"
    elif kind == "bigint":
        line = line[:-1] + ', "x": 123456789012345678901234567890}'
    elif kind == "dupkey":
        line = line[:-1] + pick.choice(
            [', "messages": []}', ', "id": 1, "id": 2}', ', "a": {"b": 1, "b": "中,文"}}']
        )
    data = line.encode("utf-8", "surrogatepass")  # (in-string writes a raw lone surrogate too)
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


def as_records(lines: list[bytes]) -> list[Any]:
    """Mutated lines as the Python API takes them: each line's value, or, where it does not
    parse, ``{"raw": ...}`` holding its text (the API gets objects, not bytes)."""
    records: list[Any] = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except (ValueError, RecursionError):
            records.append({"raw": line.decode("utf-8", "replace")})
    return records


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
    if layout == "wrapped":  # {"version": ..., "data": [...]}: datasets' field="data"
        head = (
            b'\xef\xbb\xbf{"version": "1.0", "data": [' if pick.boolean() else b'{"version": "1.0", "data": ['
        )
        return "json", head + b",\n  ".join(lines) + b"]}\n"
    if layout in ("csv", "tsv"):
        return layout, _table(pick, lines, "," if layout == "csv" else "\t")
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


def _table(pick: Pick, lines: list[bytes], delimiter: str) -> bytes:
    """The lines as a CSV/TSV table: the keys of the records that parse are the header, a
    string value is its cell and any other value its JSON; a line that does not parse is one
    cell of its own.  Then some bytes may be damaged, or a quote or delimiter stray in."""
    import csv
    import io

    rows: list[Any] = []
    header: list[str] = []
    for line in lines:
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            rows.append(line.decode("utf-8", "replace"))
            continue
        if isinstance(value, dict):
            header.extend(k for k in value if k not in header)
        rows.append(value)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=pick.choice(["\n", "\r\n"]))
    writer.writerow(header or ["text"])
    for row in rows:
        if isinstance(row, dict):
            writer.writerow(
                [
                    v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                    for v in (row.get(k, "") for k in header)
                ]
            )
        else:
            writer.writerow([row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)])
    data = out.getvalue().encode("utf-8", "surrogatepass")
    for _ in range(pick.integer(0, 2)):
        at = pick.integer(0, len(data))
        data = data[:at] + pick.choice([b'"', delimiter.encode(), b"\n", b"\xff", b"\x00"]) + data[at:]
    return data


# -- hostile configuration and plugins ---------------------------------------------------

#: Top-level keys of ``[tool.sftlint]``, and a few that do not exist (misspelt, old).
CONFIG_KEYS = [
    "select",
    "extend-select",
    "ignore",
    "fail-on",
    "format",
    "output-format",
    "max-record-bytes",
    "exclude",
    "extend-exclude",
    "respect-gitignore",
    "suppressions",
    "record-time-limit",
    "max-findings-per-record",
    "selct",
    "max_records",
    "line-length",
]
#: Values of the wrong type or range for some key (and some right ones: those must pass).
CONFIG_VALUES: list[Any] = [
    1,
    -1,
    0,
    2**62,
    -(2**62),
    1.5,
    -0.5,
    float("nan"),
    float("inf"),
    "",
    "x",
    "ALL",
    "(a+)+$",
    "(",
    True,
    False,
    [],
    [1, 2],
    ["NOPE9"],
    ["J0"],
    ["J001", 3],
    [[]],
    {},
    {"a": 1},
    {"J001": True},
]
#: Patterns for a pattern option: catastrophic on a long run of ``a`` (the data below holds
#: one), invalid, or fine.
USER_PATTERNS = ["(a+)+$", "(a|a)*b", "(a*)*c", "(x+x+)+y", "(", "[", "a{2,1}", "\\", "{{a}}", "(?i)x"]
#: A line whose text makes a catastrophic pattern backtrack for ever (without a time limit).
REGEX_BAIT = json.dumps(
    {"messages": [{"role": "user", "content": "a" * 5000 + "!"}, {"role": "assistant", "content": "好的"}]}
)


def _toml_key(key: str) -> str:
    return key if key and all(c.isalnum() or c in "-_" for c in key) else json.dumps(key)


def toml_value(value: Any) -> str:
    """``value`` written as TOML (a tiny writer: the values above)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string escapes as JSON does for these
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def hostile_config(pick: Pick, rule_options: dict[str, list[str]]) -> tuple[str, str]:
    """A ``pyproject.toml`` with one hostile setting, and the key a message must name.

    ``rule_options``: each rule's name and its option names (from the registry).  Kinds: a
    top-level key (or an unknown one) with a value of any type, a per-file-ignores entry, a
    rule option with a value of any type (or an unknown option, or an unknown rule), a pattern
    option set to a catastrophic or invalid pattern, a ``tool`` or ``[tool.sftlint]`` that is
    not a table, invalid TOML.
    """
    kind = pick.choice(["key", "key", "per-file", "option", "option", "pattern", "unknown-rule", "shape"])
    if kind == "key":
        key = pick.choice(CONFIG_KEYS)
        return f"[tool.sftlint]\n{key} = {toml_value(pick.choice(CONFIG_VALUES))}\n", key
    if kind == "per-file":
        value = pick.choice(CONFIG_VALUES)
        return f'[tool.sftlint.per-file-ignores]\n"*.jsonl" = {toml_value(value)}\n', "per-file-ignores"
    if kind == "option":
        rule = pick.choice(sorted(rule_options))
        option = pick.choice([*rule_options[rule], "no-such-option"])
        value = pick.choice(CONFIG_VALUES)
        return f"[tool.sftlint.rules.{rule}]\n{option} = {toml_value(value)}\n", option
    if kind == "pattern":
        pattern = pick.choice(USER_PATTERNS)
        return f"[tool.sftlint.rules.template-placeholder]\npattern = {toml_value(pattern)}\n", "pattern"
    if kind == "unknown-rule":
        return "[tool.sftlint.rules.no-such-rule]\nx = 1\n", "no-such-rule"
    text, key = pick.choice(
        [
            ("tool = 1\n", "tool"),
            ("[tool]\nsftlint = [1]\n", "tool.sftlint"),
            ("[tool.sftlint\nselect = 1\n", "invalid TOML"),
            ('[tool.sftlint]\nselect = ["J"]\nselect = ["S"]\n', "invalid TOML"),
        ]
    )
    return text, key


#: Plugin behaviours: each hook of a plugin does one of these.
PLUGIN_BEHAVIOURS = ["fine", "raise", "exit", "interrupt", "junk", "hang", "none"]


def hostile_plugin(pick: Pick, code: str = "Z990") -> tuple[type, str, str, str]:
    """A plugin class with one rule that misbehaves, and how: ``(plugin, rules hook behaviour,
    rule behaviour, detect_format hook behaviour)``.

    The rule's ``check`` yields a finding (``fine``), raises, calls ``sys.exit``, raises
    ``KeyboardInterrupt``, yields junk (not a Finding, a pointer to nothing, a reversed span, a
    fix outside its string), never returns (``hang``: the record time limit must stop it) or
    yields thousands of findings.  The ``sftlint_rules`` hook returns the rule, raises, or
    returns junk (an int, a list holding an int or a rule without a code); the
    ``sftlint_detect_format`` hook answers nothing, raises or returns junk.
    """
    import sys

    from sftlint.diagnostic import Edit, Finding, Fix
    from sftlint.hookspecs import hookimpl
    from sftlint.rule import Rule

    rule_kind = pick.choice(["fine", "raise", "exit", "interrupt", "junk", "hang", "many"])
    hook_kind = pick.choice(["fine", "fine", "fine", "raise", "int", "junk-list", "no-code"])
    detect_kind = pick.choice(["none", "none", "raise", "junk", "unknown"])

    def check(self: Any, record: Any) -> Any:
        if rule_kind == "raise":
            raise ValueError("plugin rule broke")
        if rule_kind == "exit":
            sys.exit(0)
        if rule_kind == "interrupt":
            raise KeyboardInterrupt
        if rule_kind == "hang":
            while True:
                pass
        if rule_kind == "junk":
            yield 42
            yield Finding("points nowhere", pointer="/messages/99/content", span=(5, 2))
            edit = Edit("/messages/0/content", 10**6, 10**6 + 3, "x")
            yield Finding("fixes nothing", pointer="/messages/0/content", fix=Fix("nothing", (edit,)))
            return
        for _ in range(3000 if rule_kind == "many" else 1):
            yield Finding("seen", pointer="")

    rule = type(
        "HostileRule",
        (Rule,),
        {
            "__doc__": "## What it does\nMisbehaves on purpose.",
            "code": code,
            "name": "hostile-rule",
            "check": check,
        },
    )
    no_code = type("NoCode", (Rule,), {"__doc__": "## What it does\nHas no code."})

    def sftlint_rules() -> Any:
        if hook_kind == "raise":
            raise RuntimeError("rules hook broke")
        if hook_kind == "int":
            return 7
        if hook_kind == "junk-list":
            return [rule, 42]
        if hook_kind == "no-code":
            return [rule, no_code]
        return [rule]

    def sftlint_detect_format(sample: Any, path: Any, formats: Any) -> Any:
        if detect_kind == "raise":
            raise RuntimeError("detector broke")
        if detect_kind == "junk":
            return 5
        if detect_kind == "unknown":
            return "no-such-format"
        return None

    plugin = type(
        "HostilePlugin",
        (),
        {
            "sftlint_rules": staticmethod(hookimpl(sftlint_rules)),
            "sftlint_detect_format": staticmethod(hookimpl(sftlint_detect_format)),
        },
    )
    return plugin, hook_kind, rule_kind, detect_kind
