"""Configuration discovery, validation (exit 2 naming the key), per-rule options, baselines, --fix."""

from __future__ import annotations

import json
import os

from conftest import chat, run_cli, write_jsonl

import sftlint

PLACEHOLDER = chat(("user", "你是谁"), ("assistant", "我是{{name}}，有什么可以帮您？"))
TWO_USERS = chat(("user", "在吗"), ("user", "我想退货"), ("assistant", "好的"))


def codes_of(result):
    """Codes that fail or warn (D003 too-few-records is an info on every small test file)."""
    return sorted(d["code"] for d in result.json() if d["severity"] != "info")


def test_pyproject_is_found_upward_from_the_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.sftlint]\nignore = ["S007"]\n')
    data = tmp_path / "data" / "train"
    data.mkdir(parents=True)
    f = write_jsonl(data / "a.jsonl", [PLACEHOLDER, TWO_USERS])
    assert codes_of(run_cli("check", "--output-format", "json", f)) == ["S004"]
    # CLI flags override configuration
    assert codes_of(run_cli("check", "--output-format", "json", "--select", "S007", f)) == ["S007"]


def test_sftlint_toml_takes_precedence_in_its_directory(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.sftlint]\nignore = ["S007"]\n')
    (tmp_path / "sftlint.toml").write_text('select = ["S007"]\nfail-on = "warning"\n')
    f = write_jsonl(tmp_path / "a.jsonl", [PLACEHOLDER, TWO_USERS])
    r = run_cli("check", "--output-format", "json", f)
    assert codes_of(r) == ["S007"] and r.code == 1


def test_pyproject_without_section_is_skipped(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path.parent / "sftlint.toml").write_text('ignore = ["S004"]\n') if False else None
    f = write_jsonl(tmp_path / "a.jsonl", [TWO_USERS])
    assert codes_of(run_cli("check", "--output-format", "json", f)) == ["S004"]


def test_unknown_key_wrong_type_and_bad_rule_options_exit_2(tmp_path):
    f = write_jsonl(tmp_path / "a.jsonl", [PLACEHOLDER])
    cases = {
        '[tool.sftlint]\nselct = ["S"]\n': "unknown key 'selct'",
        '[tool.sftlint]\nselect = "S007"\n': "'select' must be a list of strings",
        '[tool.sftlint]\nfail-on = "never"\n': "fail-on",
        '[tool.sftlint.rules.template-placeholder]\npatern = "x"\n': "unknown option 'patern'",
        '[tool.sftlint.rules.template-placeholder]\nskip-code = "maybe"\n': "'skip-code'",
        "[tool.sftlint.rules.no-such-rule]\nx = 1\n": "no rule named 'no-such-rule'",
        "[tool.sftlint\n": "invalid TOML",
        '[tool.sftlint]\noutput-format = "tabular"\n': "pyproject.toml: 'output-format': unknown output format 'tabular'",
    }
    for text, expected in cases.items():
        (tmp_path / "pyproject.toml").write_text(text)
        r = run_cli("check", f)
        assert r.code == 2, text
        assert expected in r.err, (text, r.err)


def test_an_unknown_output_format_on_the_command_line_names_no_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.sftlint]\nselect = ["S"]\n')
    r = run_cli("check", "--output-format", "tabular", write_jsonl(tmp_path / "a.jsonl", [PLACEHOLDER]))
    assert r.code == 2 and "unknown output format 'tabular'" in r.err and "pyproject.toml" not in r.err


def test_rule_options_and_severity_override(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.sftlint.rules.template-placeholder]\npattern = "<<\\\\w+>>"\nseverity = "error"\n'
    )
    f = write_jsonl(tmp_path / "a.jsonl", [chat(("user", "你是谁"), ("assistant", "我是<<name>>"))])
    r = run_cli("check", "--output-format", "json", f)
    assert [(d["code"], d["severity"]) for d in r.json() if d["code"] != "D003"] == [("S007", "error")]
    assert r.code == 1


def test_per_file_ignores(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.sftlint.per-file-ignores]\n"legacy/*.jsonl" = ["S004"]\n')
    (tmp_path / "legacy").mkdir()
    write_jsonl(
        tmp_path / "legacy" / "old.jsonl",
        [chat(("user", "你好"), ("user", "请问退款"), ("assistant", "好的"))],
    )
    write_jsonl(tmp_path / "new.jsonl", [TWO_USERS])
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        r = run_cli("check", "--output-format", "json", ".")
    finally:
        os.chdir(old)
    assert [(os.path.basename(d["path"]), d["code"]) for d in r.json() if d["severity"] != "info"] == [
        ("new.jsonl", "S004")
    ]


def test_api_options_and_explicit_config(tmp_path):
    rec = chat(("user", "你是谁"), ("assistant", "我是<<name>>"))
    assert sftlint.lint([rec], select=["S007"]) == []
    diags = sftlint.lint([rec], select=["S007"], options={"template-placeholder": {"pattern": r"<<\w+>>"}})
    assert [d.span for d in diags] == [(2, 10)]
    cfg = tmp_path / "sftlint.toml"
    cfg.write_text('select = ["S005"]\n')
    assert [d.code for d in sftlint.lint([chat(("user", "x"))], config=str(cfg))] == ["S005"]


def test_baseline_hides_known_findings_and_fails_on_new_ones(tmp_path):
    f = write_jsonl(tmp_path / "a.jsonl", [TWO_USERS, PLACEHOLDER])
    baseline = tmp_path / "baseline.json"
    r = run_cli("check", "--baseline", baseline, "--write-baseline", f)
    assert r.code == 0 and baseline.exists()
    assert run_cli("check", "--baseline", baseline, f).code == 0
    # reordering records does not resurrect old findings
    write_jsonl(f, [PLACEHOLDER, TWO_USERS])
    assert run_cli("check", "--baseline", baseline, "--output-format", "json", f).json() == []
    # a new bad record fails the run, and only it is reported
    new_bad = chat(("user", "你好"), ("user", "在吗"), ("assistant", "在的"))
    write_jsonl(f, [PLACEHOLDER, TWO_USERS, new_bad])
    r = run_cli("check", "--baseline", baseline, "--output-format", "json", f)
    assert r.code == 1 and [(d["code"], d["line"]) for d in r.json()] == [("S004", 3)]
    assert run_cli("check", "--baseline", tmp_path / "missing.json", f).code == 2


def test_fix_removes_blank_lines_and_bom_atomically_and_keeps_the_rest(tmp_path):
    good = json.dumps(chat(("user", "你好"), ("assistant", "您好")), ensure_ascii=False)
    other = json.dumps(TWO_USERS, ensure_ascii=False)
    f = tmp_path / "a.jsonl"
    f.write_bytes(b"\xef\xbb\xbf" + good.encode() + b"\n\n" + other.encode() + b"\n")
    r = run_cli("check", "--fix", "--output-format", "concise", f)
    assert f.read_bytes() == (good + "\n" + other + "\n").encode()
    assert "Fixed 2 findings" in r.out
    assert r.code == 1 and "S004" in r.out  # what cannot be fixed is still reported
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sftlint-")]


def test_fix_refuses_stdin():
    r = run_cli("check", "--fix", "-", stdin=b"{}\n")
    assert r.code == 2


def test_unvalidated_defaults_equal_validated_ones_for_every_rule():
    """A run that configures nothing skips option validation (``RuleOptions.defaults``): that is
    only right while every rule's declared defaults are what validation would produce."""
    from sftlint.plugins import default_registry

    rules = default_registry().rules.values()
    assert len(rules) >= 30
    for rule in rules:
        assert rule.Options.defaults() == rule.Options(), rule.code
        assert rule().options == rule.Options(), rule.code


def test_defaults_are_what_model_construct_makes_for_every_rule():
    """RuleOptions.defaults takes each default itself (pydantic's model_construct asks
    inspect.signature of every factory): same values, same types, no field marked as set, and
    a fresh copy of every mutable default each time."""
    from sftlint.plugins import default_registry

    for rule in default_registry().rules.values():
        ours, theirs = rule.Options.defaults(), rule.Options.model_construct()
        assert ours == theirs, rule.code
        assert type(ours) is type(theirs), rule.code
        assert ours.model_fields_set == theirs.model_fields_set == set(), rule.code
        assert {k: type(v) for k, v in vars(ours).items()} == {k: type(v) for k, v in vars(theirs).items()}
        again = rule.Options.defaults()
        for name, value in vars(ours).items():
            if isinstance(value, (list, dict, set)):
                assert value is not getattr(again, name), (rule.code, name)


def test_defaults_leave_unusual_factories_to_pydantic():
    """A factory that may take the validated data (or anything but a plain function of no
    parameters or a container type) goes through model_construct, as before."""
    from pydantic import Field

    from sftlint.rule import RuleOptions

    class Options(RuleOptions):
        base: list[str] = Field(default_factory=lambda: ["a"])
        derived: list[str] = Field(default_factory=lambda data: [*data["base"], "b"])
        plain: dict[str, int] = Field(default_factory=dict)
        fixed: list[int] = [1, 2]  # noqa: RUF012 - pydantic copies it (the case tested)
        text: str = "x"

    made = Options.defaults()
    assert made == Options.model_construct() == Options()
    assert made.derived == ["a", "b"]

    class Simple(RuleOptions):
        items: list[str] = Field(default_factory=lambda: ["a"])
        fixed: list[int] = [1, 2]  # noqa: RUF012 - pydantic copies it (the case tested)
        required_too: int

    made = Simple.defaults()
    assert vars(made) == vars(Simple.model_construct()) == {"items": ["a"], "fixed": [1, 2]}
    assert made.fixed is not Simple.defaults().fixed


def test_per_file_ignores_are_relative_to_the_config_file_from_any_directory(tmp_path):
    """The glob is anchored at the config file's directory, not at the working directory."""
    (tmp_path / "pyproject.toml").write_text('[tool.sftlint.per-file-ignores]\n"legacy/*.jsonl" = ["S004"]\n')
    (tmp_path / "legacy").mkdir()
    (tmp_path / "other" / "legacy").mkdir(parents=True)
    bad = [chat(("user", "你好"), ("user", "请问退款"), ("assistant", "好的"))]
    write_jsonl(tmp_path / "legacy" / "a.jsonl", bad)
    write_jsonl(tmp_path / "other" / "legacy" / "b.jsonl", bad)  # not under <config dir>/legacy
    old = os.getcwd()
    seen = {}
    try:
        for where, target in [
            (tmp_path, "legacy/a.jsonl"),
            (tmp_path / "legacy", "a.jsonl"),
            (tmp_path / "other", "../legacy/a.jsonl"),
            (tmp_path / "other" / "legacy", "b.jsonl"),
        ]:
            os.chdir(where)
            r = run_cli("check", "--output-format", "json", target)
            seen[(where.name, target)] = sorted(d["code"] for d in r.json() if d["severity"] != "info")
    finally:
        os.chdir(old)
    assert seen[(tmp_path.name, "legacy/a.jsonl")] == []
    assert seen[("legacy", "a.jsonl")] == []
    assert seen[("other", "../legacy/a.jsonl")] == []
    assert seen[("legacy", "b.jsonl")] == ["S004"]


def test_baseline_keeps_dataset_findings_hidden_when_records_move(tmp_path):
    """D001/D002 point at whichever copy comes later: the baseline keys them by content, not line."""
    a = chat(("user", "我的快递到哪了？"), ("assistant", "您的快递已到达本市分拣中心，预计明天送达。"))
    reply = "七天无理由退货的运费由商家承担。请在订单页面申请退货，填写快递单号后，我们会在收到商品后三个工作日内退款。"
    b = chat(("user", "请问退货的运费由谁来出？"), ("assistant", reply))
    b_near = chat(("user", "请问退货的运费由谁来出呢？"), ("assistant", reply))
    other = chat(("user", "可以开发票吗？"), ("assistant", "可以，下单时填写抬头即可。"))
    f = write_jsonl(tmp_path / "a.jsonl", [a, other, a, b, b_near])
    baseline = tmp_path / "baseline.json"
    found = run_cli("check", "--select", "D001,D002", "--output-format", "json", f).json()
    assert sorted((d["code"], d["line"]) for d in found) == [("D001", 3), ("D002", 5)]
    assert run_cli("check", "--select", "D001,D002", "--baseline", baseline, "--write-baseline", f).code == 0
    # the same records, reordered: the later copies are now other records at other lines
    write_jsonl(f, [b_near, a, other, b, a])
    moved = run_cli("check", "--select", "D001,D002", "--output-format", "json", f).json()
    assert sorted((d["code"], d["line"]) for d in moved) == [("D001", 5), ("D002", 4)]
    r = run_cli("check", "--select", "D001,D002", "--baseline", baseline, "--output-format", "json", f)
    assert r.json() == []
    # a third copy is a new finding
    write_jsonl(f, [b_near, a, other, b, a, a])
    r = run_cli("check", "--select", "D001,D002", "--baseline", baseline, "--output-format", "json", f)
    assert [(d["code"], d["line"]) for d in r.json()] == [("D001", 6)]
