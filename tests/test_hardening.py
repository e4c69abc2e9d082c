"""Hostile inputs, configuration and plugins (issue 18): findings and clear errors, never a hang,
a traceback or a lying exit code."""

from __future__ import annotations

import gzip
import json
import os
import re

import pytest
from conftest import chat, run_cli
from hypothesis import given
from hypothesis import strategies as st

import sftlint
from sftlint.config import Settings
from sftlint.diagnostic import Finding
from sftlint.engine import Engine
from sftlint.plugins import build_registry
from sftlint.rule import Rule

GOOD = json.dumps(chat(("user", "在吗？"), ("assistant", "在的，请问有什么可以帮您？")), ensure_ascii=False)


def check(path, *extra):
    select = () if "--select" in extra else ("--select", "ALL")
    r = run_cli("check", "--output-format", "json", "--no-color", *select, *extra, path)
    assert "Traceback" not in r.err and "internal error" not in r.err, r
    return r


def found(r) -> list[tuple[str, int]]:
    return [(d["code"], d["line"]) for d in r.json() if d["severity"] != "info"]


# -- data ------------------------------------------------------------------------------


def test_a_json_array_reports_each_broken_element_and_reads_on(tmp_path):
    elements = [
        GOOD,
        '{"messages": [{"role": "user", "content": "\\ud800"}, {"role": "assistant", "content": "x"}]}',
        '{"a": NaN}',
        '{"messages": ' + "[" * 300 + "]" * 300 + "}",
        '{"b": 1} {"c": 2}',
        GOOD.replace("在吗", "你好"),
    ]
    p = tmp_path / "odd.json"
    p.write_text("[\n  " + ",\n  ".join(elements) + "\n]\n", encoding="utf-8")
    r = check(p, "--select", "J")
    assert found(r) == [("J003", 3), ("J001", 4), ("J007", 5), ("J001", 6)]
    assert r.code == 1
    # each finding is of its own element (the missing comma of element 4, where it belongs),
    # and the elements around the broken ones are records: checked, counted, in their places
    assert [(d["record"], d["line"], d["column"]) for d in r.json()][-1] == (4, 6, 11)
    assert [d.record for d in sftlint.lint(str(p), select=["J"])] == [1, 2, 3, 4]
    s001 = [d.record for d in sftlint.lint(str(p), select=["S001"])]
    assert s001 == [4, 5]  # {"b": 1} and {"c": 2}: elements 4 and 5 have no messages


def test_a_json_array_with_broken_elements_gives_the_same_with_jobs_2(tmp_path, monkeypatch):
    from sftlint.run import processes

    monkeypatch.setattr(processes, "SERIAL_BELOW_BYTES", 0)
    elements = [GOOD] * 30 + ['{"b": 1}} {"c": 2}', GOOD + " " + GOOD, "x", GOOD.replace("在吗", "在吗?")]
    p = tmp_path / "odd.json"
    p.write_text("[\n" + ",\n".join(elements) + ",\n]\n", encoding="utf-8")
    serial = sftlint.lint(str(p), select=["ALL"], jobs=1)
    # values 30 ({"b": 1}, then a stray "}") and 31; 32 and 33 (no comma between); "x" 34; the
    # last, 35, has a trailing comma
    assert {d.record for d in serial if d.code == "J001"} == {30, 32, 34, 35}
    assert sftlint.lint(str(p), select=["ALL"], jobs=2) == serial
    one, two = (check(p, "--jobs", n) for n in ("1", "2"))
    assert one.out == two.out and one.code == two.code == 1


def test_big_integers_and_deep_nesting_are_findings_not_crashes(tmp_path):
    p = tmp_path / "a.json"
    deep = "[" * 200 + "]" * 200
    p.write_text(
        f'[{{"x": 123456789012345678901234567890, "messages": []}}, {{"y": {deep}}}]', encoding="utf-8"
    )
    r = check(p)
    assert ("J007", 1) in found(r) and r.code == 1


def test_a_content_part_whose_type_is_a_list_is_a_schema_finding(tmp_path):
    rec = {
        "messages": [
            {"role": "user", "content": [{"type": ["text"], "text": "hi"}]},
            {"role": "assistant", "content": "ok"},
        ]
    }
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps(rec) + "\n" + GOOD + "\n", encoding="utf-8")
    r = check(p, "--select", "J,S")
    assert [c for c, _ in found(r)] == ["S001"] and r.code == 1


@pytest.mark.parametrize(
    "rec",
    [
        # messages (D002 read the part's type as a set member: unhashable list, X001)
        {
            "messages": [
                {"role": "user", "content": [{"type": ["text"], "text": "hi"}]},
                {"role": "assistant", "content": "ok"},
            ]
        },
        # role/content turns under `conversation` (formats/turns.py)
        {
            "conversation": [
                {"role": "user", "content": [{"type": {"t": 1}, "text": "hi"}]},
                {"role": "assistant", "content": "ok"},
            ]
        },
        # a preference pair whose sides are turns (formats/pairs.py)
        {
            "prompt": "你好",
            "chosen": [{"role": "assistant", "content": [{"type": ["x"]}]}],
            "rejected": [{"role": "assistant", "content": "走开"}],
        },
    ],
)
def test_a_part_type_that_is_not_a_string_is_no_crash_with_every_rule(tmp_path, rec):
    """Near copies (D002 compares what they show besides their text, a part's type among it)."""
    reply = "七天无理由退货的运费由我们承担，退款会在审核通过后三到五个工作日内原路退回。"
    text = json.dumps(rec, ensure_ascii=False)
    lines = [text.replace('"ok"', f'"{reply}{i}"').replace('"走开"', f'"{reply}{i}"') for i in range(4)]
    p = tmp_path / "a.jsonl"
    p.write_text("\n".join(lines) + "\n" + GOOD + "\n", encoding="utf-8")
    r = check(p)
    assert r.code == 1 and not [d for d in r.json() if d["code"] == "X001"]
    assert not [d for d in sftlint.lint(p, select=["ALL"]) if d.code == "X001"]


def test_a_lone_surrogate_in_a_csv_json_cell_is_j001_not_a_crash(tmp_path):
    """A `messages` cell holding JSON with a lone surrogate escape decoded (json.loads takes it)
    into text no rule expects: D005 crashed encoding it.  As on a JSON Lines line it is J001, and
    the cell is read as text; a pair of surrogates (an emoji) is text like any other."""
    import csv
    import io

    long_reply = "我们承担运费。" * 3000
    cells = [
        json.dumps(
            [{"role": "user", "content": "运费\ud800谁出？"}, {"role": "assistant", "content": long_reply}]
        ),
        json.dumps(
            [{"role": "user", "content": "运费谁出？😀"}, {"role": "assistant", "content": long_reply}]
        ),
        json.dumps(
            [
                {"role": "user", "content": "运费谁出？"},
                {"role": "assistant", "content": "好\udc00" + long_reply},
            ]
        ),
    ]
    assert "\\ud83d\\ude00" in cells[1] and "\\ud800" in cells[0]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["messages"])
    for c in cells:
        w.writerow([c])
    p = tmp_path / "a.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    r = check(p)
    assert r.code == 1 and not [d for d in r.json() if d["code"] == "X001"]
    j001 = [(d["line"], d["message"]) for d in r.json() if d["code"] == "J001"]
    assert [line for line, _ in j001] == [2, 4] and "lone surrogate" in j001[0][1]
    assert check(p, "--select", "D005", "--config", _context(tmp_path)).code in (0, 1)


def _context(tmp_path) -> str:
    cfg = tmp_path / "sftlint.toml"
    cfg.write_text("[rules.context-overflow]\ncontext-window = 512\n", encoding="utf-8")
    return str(cfg)


def test_a_damaged_gzip_is_j003_after_the_records_read(tmp_path):
    packed = bytearray(gzip.compress(((GOOD + "\n") * 3000).encode()))
    packed[len(packed) // 2] ^= 0xFF
    p = tmp_path / "a.jsonl.gz"
    p.write_bytes(bytes(packed))
    r = check(p, "--select", "J")
    damaged = [d for d in r.json() if d["code"] == "J003" and "compressed data is damaged" in d["message"]]
    assert len(damaged) == 1 and r.code == 1  # after it, whatever garbled records came out before
    header = tmp_path / "b.jsonl.gz"
    header.write_bytes(b"\x1f\x8b\x08\x00garbage" * 4)
    r = check(header, "--select", "J")
    assert [c for c, _ in found(r)] == ["J003"] and r.code == 1


def test_a_run_of_blank_lines_is_one_finding_without_being_held(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text(GOOD + "\n" + "\n" * 5000 + GOOD + "\n", encoding="utf-8")
    r = check(p, "--select", "J")
    assert found(r) == [("J004", 2)]
    assert r.json()[0]["end_line"] == 5001


def test_multiline_records_after_a_failed_look_ahead_are_still_found(tmp_path):
    pretty = json.dumps(json.loads(GOOD), ensure_ascii=False, indent=2)
    lines = [GOOD, "[1,", "[2,", pretty, GOOD, "{"]
    p = tmp_path / "a.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = check(p, "--select", "J001")
    start = 4
    end = start + pretty.count("\n")
    codes = [(d["code"], d["line"], d["end_line"]) for d in r.json()]
    # the broken lines each, the pretty-printed record once with its lines, the cut last line
    assert codes == [("J001", 2, 2), ("J001", 3, 3), ("J001", start, end), ("J001", end + 2, end + 2)]


def test_the_api_reports_records_the_cli_would_and_drops_none():
    deep: list = []
    cur = deep
    for _ in range(500):
        cur.append([])
        cur = cur[0]
    cyclic: list = []
    cyclic.append(cyclic)
    records = [
        chat(("user", "\ud800"), ("assistant", "x")),
        {"a": float("nan"), "messages": []},
        {"messages": deep},
        {"x": {1, 2}},
        {"c": cyclic},
    ]
    got = [(d.code, d.record) for d in sftlint.lint(records, select=["J"])]
    assert got == [("J003", 0), ("J001", 1), ("J007", 2), ("J001", 3), ("J001", 4)]


def _old_url_regex():
    return re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s，。；、“”\"'<>）)】\]]*")


@given(st.text(alphabet="ab1:/.+- 中（x", max_size=60))
def test_url_ranges_are_what_the_old_regex_found(text):
    from sftlint.analysis.react import _urls

    assert _urls(text, 0, len(text)) == [m.span() for m in _old_url_regex().finditer(text)]


# -- configuration -----------------------------------------------------------------------


def test_configuration_mistakes_are_clear_exit_2_messages(tmp_path):
    data = tmp_path / "a.jsonl"
    data.write_text(GOOD + "\n", encoding="utf-8")
    cases = {
        "[tool]\nsftlint = 1\n": "[tool.sftlint] must be a table",
        "tool = 1\n": "'tool' must be a table",
        "[tool.sftlint]\nmax-record-bytes = -1\n": "'max-record-bytes' must be a positive number",
        "[tool.sftlint]\nrecord-time-limit = -2\n": "'record-time-limit'",
        '[tool.sftlint.per-file-ignores]\n"*.jsonl" = ["NOPE"]\n': "per-file-ignores['*.jsonl']: unknown rule selector 'NOPE'",
        '[tool.sftlint.rules.template-placeholder]\npattern = "("\n': "'pattern': Value error, not a valid regular expression",
    }
    for text, message in cases.items():
        (tmp_path / "pyproject.toml").write_text(text)
        r = run_cli("check", data)
        assert r.code == 2 and message in r.err and "internal error" not in r.err, (text, r)
    (tmp_path / "pyproject.toml").unlink()
    r = run_cli("check", "--max-record-bytes", "-1", data)
    assert r.code == 2 and "max-record-bytes must be a positive" in r.err


def test_a_catastrophic_user_regex_is_stopped_and_named(tmp_path):
    data = tmp_path / "a.jsonl"
    data.write_text(
        json.dumps(chat(("user", "x" * 3000 + "!"), ("assistant", "好的")), ensure_ascii=False) + "\n"
    )
    (tmp_path / "sftlint.toml").write_text('[rules.template-placeholder]\npattern = "(x+x+)+y"\n')
    r = run_cli("check", "--select", "S007", "--output-format", "concise", data)
    assert r.code == 2 and "rules.template-placeholder.pattern" in r.out + r.err


def test_an_unreadable_subdirectory_is_reported(tmp_path, monkeypatch):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.jsonl").write_text(GOOD + "\n", encoding="utf-8")
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    r = run_cli("check", tmp_path)
    assert r.code == 2 and "locked: cannot list the directory" in r.err


# -- plugins -----------------------------------------------------------------------------


class _Hangs(Rule):
    """## What it does
    Never returns."""

    code = "Z901"
    name = "hangs"

    def check(self, record):
        while True:
            pass


class _Exits(Rule):
    """## What it does
    Calls sys.exit."""

    code = "Z902"
    name = "exits"

    def check(self, record):
        raise SystemExit(0)


class _Fine(Rule):
    """## What it does
    Reports every record."""

    code = "Z903"
    name = "fine"

    def check(self, record):
        yield Finding("seen", pointer="")


class _Plugin:
    @staticmethod
    @sftlint.hookimpl
    def sftlint_rules():
        return [_Hangs, _Exits, _Fine, 42, type("NoCode", (Rule,), {})]


class _BadHooks:
    @staticmethod
    @sftlint.hookimpl
    def sftlint_rules():
        return 7

    @staticmethod
    @sftlint.hookimpl
    def sftlint_detect_format(sample, path, formats):
        raise RuntimeError("detector down")


def test_hostile_plugins_are_reported_by_name_and_the_rest_runs(monkeypatch):
    from sftlint import engine as engine_module

    monkeypatch.setattr(engine_module, "WARM_UP_SECONDS", 0.2)  # a first call's extra time
    registry = build_registry(extra_plugins=(_Plugin, _BadHooks))
    errors = "\n".join(registry.errors)
    assert "returned 42, which is not a Rule subclass" in errors
    assert "has no valid code" in errors
    assert "hook sftlint_rules returned 7" in errors
    engine = Engine(Settings(select=["Z9", "S001"], record_time_limit=0.5), registry)
    diags = list(engine.lint_objects([chat(("user", "你好"), ("assistant", "您好"))]))
    by_code = {d.code: d for d in diags}
    assert by_code["Z903"].message == "seen"  # the rule after the hanging one still ran
    crashes = [d.message for d in diags if d.code == "X001"]
    assert any("Z901" in m and "within" in m for m in crashes)  # stopped by the time limit
    assert any("Z902" in m and "SystemExit" in m for m in crashes)
    assert "S001" not in by_code  # the built-in detector still found the format
    assert any("detector down" in e for e in engine.errors)


def test_an_alarm_that_arrives_after_the_record_is_done_is_ignored():
    """The time limit's interval can run out just as a record's rules return; Python runs the
    SIGALRM handler a little later, after the timer is disarmed.  That stale alarm must not
    raise into whatever runs next (it once left the CLI's SIGINT handler installed)."""
    import signal

    from sftlint import engine as engine_module
    from sftlint.reader import RawRecord

    timer = engine_module._RecordTimer(0.5, active=True)
    previous = signal.signal(signal.SIGALRM, engine_module._on_alarm)
    try:
        timer.arm(RawRecord("x.jsonl", 0, 1, 1, "{}"))
        timer.disarm()
        engine_module._on_alarm(signal.SIGALRM, None)  # what the late handler call does
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not engine_module._TIMERS


def test_rules_still_lists_rules_when_a_plugin_returns_junk(monkeypatch):
    from sftlint import plugins

    registry = build_registry(extra_plugins=(_BadHooks,))
    monkeypatch.setattr(plugins, "default_registry", lambda: registry)
    r = run_cli("rules")
    assert "J001" in r.out and r.code == 2 and "sftlint_rules returned 7" in r.err


@pytest.mark.parametrize("argv", [["check", "-"]])
def test_closed_stdin_is_a_clear_error(argv, monkeypatch):
    import sys

    monkeypatch.setattr(sys, "stdin", None)
    r = run_cli(*argv)
    assert r.code == 2 and "standard input is closed" in r.err


def test_a_stray_closing_brace_in_a_json_array_is_reported_and_reading_goes_on(tmp_path):
    """Found by the fuzz campaign: after a stray ``}`` the array reader read an empty element
    and came back to the same byte for ever (a 436-byte file filled 23 GB)."""
    p = tmp_path / "a.json"
    p.write_text('[{"a": 1}}}, {"messages": []} } ]', encoding="utf-8")
    r = check(p, "--select", "J")
    assert r.code == 1 and len(r.json()) < 10
    assert any("expected ',' or ']'" in d["message"] for d in r.json())


def test_an_integer_past_64_bits_in_a_csv_json_cell_is_no_crash(tmp_path):
    """json.loads decodes a table's JSON cell with an integer past 64 bits (a JSON Lines line
    holding one is read too); D002 wrote a record's media parts with orjson, which refuses it,
    and crashed (exit 2) on near copies."""
    import csv
    import io

    def cell(question: str) -> str:
        part = {"type": "image", "id": 123456789012345678901234567890}
        turns = [
            {"role": "user", "content": [part, {"type": "text", "text": question}]},
            {"role": "assistant", "content": "一只猫坐在窗台上晒太阳，旁边有一盆绿植。"},
        ]
        return json.dumps(turns, ensure_ascii=False)

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["messages"])
    for q in ("图里是什么？请描述这张图片里的东西", "图里是什么？请描述这张图片里的东西！", "这是哪里？"):
        w.writerow([cell(q)])
    p = tmp_path / "a.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    r = check(p)
    assert r.code in (0, 1) and not [d for d in r.json() if d["code"] == "X001"]
    assert [d["line"] for d in r.json() if d["code"] == "D002"] == [3]


def test_a_lone_surrogate_inside_a_json_string_is_reported_not_a_crash_of_the_report(tmp_path):
    """`tools` written as a JSON string (ShareGPT, ms-swift) is valid JSON around a lone surrogate
    escape of its own (`"\\\\ud800x"`): the C rules read it (json.loads takes it) and quote the
    name, and writing the report to a UTF-8 standard output raised UnicodeEncodeError: an
    internal error, exit 2, in every output format.  The report writes it as its escape."""
    import subprocess
    import sys

    tools = json.dumps(
        [{"type": "function", "function": {"name": "\ud800x", "parameters": {"type": "object"}}}]
    )
    call = {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}
    rec = {
        "messages": [
            {"role": "user", "content": "北京天气怎么样？"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": "晴"},
            {"role": "assistant", "content": "北京今天晴。"},
        ],
        "tools": tools,
    }
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    for fmt in ("json", "concise", "sarif", "junit"):
        r = subprocess.run(
            [sys.executable, "-m", "sftlint.cli", "check", "--select", "C,S", "--output-format", fmt, str(p)],
            capture_output=True,
            env={**os.environ, "PYTHONIOENCODING": "utf-8", "SFTLINT_NO_CACHE": "1"},
        )
        assert r.returncode == 1 and b"internal error" not in r.stderr, (fmt, r.stderr[-300:])
        assert b"\\ud800x" in r.stdout
        if fmt == "json":
            (c002,) = [d for d in json.loads(r.stdout) if d["code"] == "C002"]
            assert "\ud800x" in c002["message"]


def test_the_report_stream_escapes_what_its_stream_cannot_encode():
    import io

    from sftlint.console import ReportStream

    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    stream = ReportStream(out)
    stream.write("a\ud800 运费\n")
    stream.flush()
    assert raw.getvalue() == b"a\\ud800 \\u8fd0\\u8d39\n"
