"""Fuzzing: mutated real-looking records never crash sftlint, through the API or the CLI.

Each example takes records of every input format, damages them the ways real files are
damaged (flipped and cut bytes, values of the wrong type, deep nesting, huge strings, lone
surrogates, NaN, big integers, duplicate keys, broken compression) and checks that:

- no exception escapes ``sftlint.lint``, on the file and on the parsed records;
- the CLI exits 0 or 1 (a data problem is a finding, never exit 2), with every rule on;
- ``--jobs 2`` reports exactly what ``--jobs 1`` does (with the parallel thresholds lowered so
  that even a small file is cut into ranges).

CI runs a bounded number of examples; ``SFTLINT_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py``
runs more.
"""

from __future__ import annotations

import gzip
import json
import os

import pytest
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sftlint

EXAMPLES = int(os.environ.get("SFTLINT_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)

BASE = [
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


def _swap_types(value, draw, depth=0):
    """Replace some values of a record by values of other types."""
    if isinstance(value, dict):
        return {k: _swap_types(v, draw, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap_types(v, draw, depth + 1) for v in value]
    if draw(st.integers(0, 6)) == 0:
        return draw(st.sampled_from([None, 1, -1.5, True, [], {}, ["text"], {"type": ["x"]}, "", 2**70]))
    return value


@st.composite
def mutated_line(draw) -> bytes:
    record = json.loads(json.dumps(draw(st.sampled_from(BASE))))
    kind = draw(
        st.sampled_from(
            [
                "clean",
                "types",
                "deep",
                "huge",
                "surrogate",
                "nan",
                "bigint",
                "dupkey",
                "bytes",
                "cut",
                "parts",
            ]
        )
    )
    if kind == "types":
        record = _swap_types(record, draw)
    elif kind == "deep":
        record["extra"] = "__DEEP__"  # spliced in as text: json itself cannot build it
    elif kind == "huge":
        unit = draw(st.sampled_from(UNITS))
        text = unit * draw(st.integers(1000, 30000))
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
                    "content": [{"type": draw(st.sampled_from([["text"], 3, None, {}])), "text": "hi"}],
                },
                {"role": "assistant", "content": "ok"},
            ]
        }
    line = json.dumps(record, ensure_ascii=draw(st.booleans()))
    if kind == "deep":
        depth = draw(st.sampled_from([100, 127, 128, 129, 300, 1023, 1025, 5000]))
        line = line.replace('"__DEEP__"', "[" * depth + "]" * depth)
    if kind == "surrogate":
        line = line.replace('"content": "', '"content": "\\ud800', 1)
    elif kind == "nan":
        line = line[:-1] + ', "x": NaN}'
    elif kind == "bigint":
        line = line[:-1] + ', "x": 123456789012345678901234567890}'
    elif kind == "dupkey":
        line = line[:-1] + ', "messages": []}'
    data = line.encode("utf-8")
    if kind == "bytes":
        for _ in range(draw(st.integers(1, 5))):
            at = draw(st.integers(0, len(data) - 1))
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    elif kind == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    return data.replace(b"\n", b" ")


@st.composite
def dataset(draw) -> tuple[str, bytes]:
    lines = draw(st.lists(mutated_line(), min_size=1, max_size=6))
    layout = draw(st.sampled_from(["jsonl", "json", "gz", "gz-damaged", "blank"]))
    if layout == "json":
        return "json", b"[\n" + b",\n".join(lines) + b"\n]\n"
    body = b"\n".join(lines) + b"\n"
    if layout == "blank":
        return "jsonl", b"\n\n" + body.replace(b"\n", b"\n\n")
    if layout.startswith("gz"):
        packed = gzip.compress(body)
        if layout == "gz-damaged":
            at = draw(st.integers(0, len(packed) - 1))
            packed = packed[:at] + bytes([packed[at] ^ 0xFF]) + packed[at + 1 :]
        return "jsonl.gz", packed
    return "jsonl", body


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@FUZZ
@given(case=dataset())
def test_no_exception_escapes_and_exit_codes_stay_0_or_1(tmp_path_factory, case):
    suffix, data = case
    path = _write(tmp_path_factory.mktemp("fuzz"), f"data.{suffix}", data)
    diagnostics = sftlint.lint(str(path), select=["ALL"])
    assert not [d for d in diagnostics if d.code == "X001"], [
        d.message for d in diagnostics if d.code == "X001"
    ]
    for fmt in ("json", "full"):
        r = run_cli("check", "--select", "ALL", "--no-color", "--output-format", fmt, path)
        assert r.code in (0, 1), r
        assert "internal error" not in r.err and "Traceback" not in r.err, r


@FUZZ
@given(lines=st.lists(mutated_line(), min_size=1, max_size=6))
def test_the_api_reports_every_record_it_is_given(lines):
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except (ValueError, RecursionError):
            records.append({"raw": line.decode("utf-8", "replace")})
    diagnostics = sftlint.lint(records, select=["ALL"])
    assert not [d for d in diagnostics if d.code == "X001"]


@settings(
    max_examples=max(3, EXAMPLES // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(lines=st.lists(mutated_line(), min_size=2, max_size=8))
def test_jobs_2_equals_jobs_1_on_damaged_files(tmp_path_factory, lines, monkeypatch_module):
    path = _write(tmp_path_factory.mktemp("jobs"), "data.jsonl", b"\n".join(lines) + b"\n")
    serial = run_cli("check", "--select", "ALL", "--output-format", "json", "--jobs", "1", path)
    parallel = run_cli("check", "--select", "ALL", "--output-format", "json", "--jobs", "2", path)
    assert (parallel.code, parallel.json()) == (serial.code, serial.json())


@pytest.fixture(scope="module")
def monkeypatch_module():
    """Lower the thresholds so that a file of a few records is cut into ranges for --jobs."""
    from sftlint.run import processes

    mp = pytest.MonkeyPatch()
    mp.setattr(processes, "SERIAL_BELOW_BYTES", 0)
    mp.setattr(processes, "RANGE_BYTES", 64)
    yield mp
    mp.undo()
