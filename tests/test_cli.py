"""The CLI contract: output formats, exit codes, selection, statistics, rule docs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from conftest import FIXTURES, ROOT, chat, run_cli, write_jsonl

CONTRACT_FIELDS = {
    "code",
    "name",
    "severity",
    "message",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "pointer",
    "span",
    "fix",
    "url",
}


@pytest.fixture
def bad_file(tmp_path):
    return write_jsonl(
        tmp_path / "bad.jsonl",
        [
            chat(("user", "你好"), ("assistant", "我是{{name}}，很高兴为您服务。")),
            chat(("user", "在吗"), ("user", "我想退货")),
        ],
    )


def test_json_output_carries_every_contract_field(bad_file):
    r = run_cli("check", "--output-format", "json", "--select", "J,S", bad_file)
    diags = r.json()
    assert r.code == 1
    assert {d["code"] for d in diags} == {"S007", "S004", "S005"}
    for d in diags:
        assert d.keys() >= CONTRACT_FIELDS
        assert d["severity"] in ("error", "warning", "info")
    s007 = next(d for d in diags if d["code"] == "S007")
    line = bad_file.read_text(encoding="utf-8").splitlines()[0]
    assert (s007["line"], s007["pointer"], s007["span"]) == (1, "/messages/1/content", [2, 10])
    assert line[s007["column"] - 1 : s007["end_column"] - 1] == "{{name}}"
    assert s007["url"].endswith("S007.md")


def test_json_lines_is_the_same_objects(bad_file):
    whole = run_cli("check", "--output-format", "json", bad_file).json()
    lines = run_cli("check", "--output-format", "json-lines", bad_file).out.splitlines()
    assert len(whole) >= 3
    assert [json.loads(x) for x in lines] == whole


def test_sarif_output_validates_against_the_sarif_schema(bad_file):
    r = run_cli("check", "--output-format", "sarif", "--select", "S", bad_file)
    doc = json.loads(r.out)
    schema = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    results = doc["runs"][0]["results"]
    assert {x["ruleId"] for x in results} == {"S007", "S004", "S005"}
    assert all(x["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for x in results)


def test_sarif_with_no_findings_is_valid(tmp_path):
    doc = json.loads(run_cli("check", "--output-format", "sarif", FIXTURES / "clean_messages.jsonl").out)
    schema = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)


def test_github_annotations(bad_file, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    r = run_cli("check", "--select", "S", bad_file)  # github is chosen automatically under GitHub Actions
    lines = r.out.splitlines()
    assert any(x.startswith("::warning file=") and "title=S007 (template-placeholder)" in x for x in lines)
    assert any(x.startswith("::error file=") and ",line=2," in x for x in lines)


def test_junit_is_valid_xml(bad_file):
    root = ET.fromstring(run_cli("check", "--output-format", "junit", "--select", "S", bad_file).out)
    cases = root.findall(".//testcase")
    assert len(cases) == 3 and all(c.find("failure") is not None for c in cases)


def test_full_output_shows_the_text_with_the_span_marked(bad_file):
    out = run_cli("check", "--no-color", "--select", "S", bad_file).out
    assert "bad.jsonl:1:" in out and "S007" in out
    lines = out.splitlines()
    text_line = next(x for x in lines if "我是{{name}}" in x)
    caret_line = lines[lines.index(text_line) + 1]
    # the caret sits under {{name}} (CJK characters are two columns wide)
    prefix = text_line[: text_line.index("{{name}}")]
    from sftlint.report.text import width

    assert caret_line.index("^") == width(prefix)
    assert caret_line.count("^") == len("{{name}}")
    assert "Found 2 errors, 1 warning" in out


def test_concise_and_quiet(bad_file):
    r = run_cli("check", "--output-format", "concise", "--quiet", "--select", "S", bad_file)
    assert len(r.out.splitlines()) == 3
    assert all(": S00" in x for x in r.out.splitlines())


def test_statistics(bad_file):
    r = run_cli("check", "--statistics", "--select", "S", bad_file)
    rows = [x.split("\t") for x in r.out.splitlines()]
    assert sorted((row[1], row[0].strip()) for row in rows) == [("S004", "1"), ("S005", "1"), ("S007", "1")]
    assert r.code == 1


def test_statistics_as_json_and_as_json_lines(bad_file):
    """json: one array; json-lines: one object per line, as the findings themselves are (it
    printed the indented array, which no JSON Lines reader takes)."""
    expected = [("S004", 1), ("S005", 1), ("S007", 1)]
    r = run_cli("check", "--statistics", "--select", "S", "--output-format", "json", bad_file)
    assert sorted((row["code"], row["count"]) for row in r.json()) == expected
    r = run_cli("check", "--statistics", "--select", "S", "--output-format", "json-lines", bad_file)
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert sorted((row["code"], row["count"]) for row in rows) == expected and r.code == 1
    assert set(rows[0]) == {"code", "name", "count", "fixable"}


def test_exit_codes_and_fail_on(tmp_path):
    warn_only = write_jsonl(tmp_path / "w.jsonl", [chat(("user", "你是谁"), ("assistant", "我是{{name}}"))])
    assert run_cli("check", warn_only).code == 0
    assert run_cli("check", "--fail-on", "warning", warn_only).code == 1
    assert run_cli("check", "--exit-zero", "--fail-on", "warning", warn_only).code == 0
    assert run_cli("check", FIXTURES / "clean_messages.jsonl").code == 0


def test_selection_by_code_prefix_name_and_all(bad_file):
    def got(*args):
        return sorted(
            {d["code"] for d in run_cli("check", "--output-format", "json", *args, bad_file).json()}
        )

    assert got("--select", "S007") == ["S007"]
    assert got("--select", "template-placeholder") == ["S007"]
    assert got("--select", "S00", "--ignore", "S004,S005") == ["S007"]
    assert [c for c in got("--select", "ALL", "--ignore", "S") if c.startswith("S")] == []
    assert got("--ignore", "S005", "--ignore", "S007", "--ignore", "D003") == ["S004"]
    r = run_cli("check", "--select", "Q999", bad_file)
    assert r.code == 2 and "unknown rule selector" in r.err


def test_rule_rules_and_plugins_commands():
    r = run_cli("rule", "S007")
    assert r.code == 0 and "# S007 template-placeholder" in r.out and "Why is this bad?" in r.out
    assert run_cli("rule", "template-placeholder").out == r.out
    assert run_cli("rule", "nope").code == 2
    rows = json.loads(run_cli("rules", "--output-format", "json").out)
    assert {"J001", "S001", "S007"} <= {x["code"] for x in rows}
    plugins = run_cli("plugins").out
    assert "sftlint.rules" in plugins and "0.1.0" in plugins


def test_shared_sft_datasets_are_detected_and_reported_truthfully(shared_data):
    sft = shared_data / "sft"
    expect_formats = {
        "llamafactory_alpaca_zh_demo.json": "alpaca",
        "llamafactory_glaive_toolcall_zh_demo.json": "sharegpt",
        "llamafactory_identity.json": "alpaca",
        "llamafactory_reason_tool_use_demo_50.jsonl": "messages",
    }
    import sftlint

    for name, fmt in expect_formats.items():
        assert next(iter(sftlint.load_records(sft / name))).format == fmt
        r = run_cli("check", "--output-format", "json", sft / name)
        diags = r.json()
        errors = [d for d in diags if d["severity"] == "error"]
        assert r.code == (1 if errors else 0), name
        text = (sft / name).read_text(encoding="utf-8").splitlines()
        for d in diags:
            if d["column"] is not None and d["span"] is not None:
                # the reported line really holds the flagged text
                assert d["line"] <= len(text)
    identity = run_cli("check", "--output-format", "json", sft / "llamafactory_identity.json").json()
    s007 = [d for d in identity if d["code"] == "S007"]
    assert s007 and {d["pointer"] for d in s007} == {"/output"}
    lines = (sft / "llamafactory_identity.json").read_text(encoding="utf-8").splitlines()
    for d in s007:
        assert lines[d["line"] - 1][d["column"] - 1 : d["end_column"] - 1] in ("{{name}}", "{{author}}")


def test_an_interrupted_run_leaves_the_previous_report_whole(tmp_path, monkeypatch):
    """-o writes through a temporary file renamed into place at the end: a run stopped halfway
    (Ctrl-C, a crash) leaves the last complete report, not the first half of a new one."""
    import sftlint.cli as cli

    data = write_jsonl(tmp_path / "d.jsonl", [chat(("user", "你好"), ("assistant", "您好！"))] * 3)
    report = tmp_path / "report.json"
    assert run_cli("check", data, "--output-format", "json", "-o", report).code == 0
    complete = report.read_text(encoding="utf-8")
    assert json.loads(complete)  # D001's copies, D003

    real_run = cli._run

    def stopped(engine, files, args, reporter, *rest):
        reporter.stream.write('[{"half": ')  # the report has started
        reporter.stream.flush()
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run", stopped)
    stopped_run = run_cli("check", data, "--output-format", "json", "-o", report)
    assert stopped_run.code == 130, stopped_run  # the CLI's answer to Ctrl-C
    assert report.read_text(encoding="utf-8") == complete
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    monkeypatch.setattr(cli, "_run", real_run)
    # a new file gets the permissions any file the user makes gets, and /dev/stdout still works
    fresh = tmp_path / "new.txt"
    assert run_cli("check", data, "-o", fresh).code == 0 and "D001" in fresh.read_text(encoding="utf-8")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
