"""Finding-dense records: runs of equal defects are one finding, and a rule's findings past
``max-findings-per-record`` become one closing diagnostic that counts them and fixes them all.

Both keep a record with 300,000 defects linear and small (issue 18), so what matters here is
that nothing is lost: exact counts, exact locations for what is listed, and fixes that fix
every finding (the re-lint proves it), with ``--jobs 2`` giving what ``--jobs 1`` gives.
"""

from __future__ import annotations

import json

import pytest
from conftest import chat, run_cli, write_jsonl
from relint import relint

import sftlint
from sftlint.config import ConfigError
from sftlint.plugins import build_registry
from sftlint.rule import Rule
from sftlint.run import processes as parallel

GOOD = json.dumps(chat(("user", "在吗？"), ("assistant", "在的，请问有什么可以帮您？")), ensure_ascii=False)


def test_a_run_of_invisible_characters_is_one_finding_and_one_fix(tmp_path):
    rec = chat(("user", "请问\u200b\u200b\u200c\u200b订单在哪"), ("assistant", "您好\u200b，已发货。"))
    r = relint(tmp_path, [rec], select=["T005"])
    assert [(d.pointer, d.span) for d in r.before] == [
        ("/messages/0/content", (2, 6)),
        ("/messages/1/content", (2, 3)),
    ]
    assert r.before[0].message.startswith("4 invisible characters in a row")
    assert r.after == [] and r.applied == 2
    assert r.records == [chat(("user", "请问订单在哪"), ("assistant", "您好，已发货。"))]


def test_an_emoji_joiner_splits_a_run_and_is_kept(tmp_path):
    text = "好\u200b👨\u200d👩\u200b\u200b了"
    diags = sftlint.lint([chat(("user", "在吗"), ("assistant", text))], select=["T005"])
    assert [d.span for d in diags] == [(1, 2), (5, 7)] and all(d.count == 1 for d in diags)


def test_a_run_of_blank_lines_is_one_finding_and_its_fix_removes_the_run(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes((GOOD + "\n\n  \r\n\t\n\n" + GOOD + "\n\n" + GOOD + "\n").encode())
    r = run_cli("check", "--select", "J004", "--output-format", "json", str(p))
    got = [(d["line"], d["end_line"], d["fix"]["edits"][0]["end_line"]) for d in r.json()]
    assert got == [(2, 5, 5), (7, 7, None)] and r.code == 0
    assert run_cli("check", "--select", "J004", "--fix", str(p)).code == 0
    assert p.read_bytes() == ((GOOD + "\n") * 3).encode()


def _dense(n: int) -> dict:
    """A record with ``n`` half-width commas between Chinese characters (T003 findings)."""
    return chat(("user", "好,的" * n), ("assistant", "收到,谢谢"))


def test_findings_past_the_cap_are_one_closing_diagnostic_that_counts_them(tmp_path):
    p = write_jsonl(tmp_path / "a.jsonl", [_dense(300), _dense(3)])
    r = run_cli("check", "--select", "T003", "--output-format", "json", str(p))
    diags = r.json()
    first = [d for d in diags if d["record"] == 0]
    assert len(first) == 101  # 100 listed, one closing
    listed, closing = first[:100], first[100]
    assert all(d["count"] == 1 for d in listed)
    assert [d["span"] for d in listed[:2]] == [[1, 2], [4, 5]]  # exact locations, in order
    assert closing["count"] == 301 - 100  # 300 in the user turn, 1 in the reply
    assert closing["span"] == [301, 302] and "and 200 more T003 findings" in closing["message"]
    assert sum(d["count"] for d in diags) == 301 + 4
    stats = run_cli("check", "--select", "T003", "--statistics", "--output-format", "json", str(p)).json()
    assert stats == [{"code": "T003", "name": "punct-width", "count": 305, "fixable": 305}]
    every = run_cli(
        "check", "--select", "T003", "--output-format", "json", "--config", _config(tmp_path, 0), str(p)
    )
    assert len(every.json()) == 305 and all(d["count"] == 1 for d in every.json())


def _config(tmp_path, cap) -> str:
    cfg = tmp_path / "sftlint.toml"
    cfg.write_text(f"max-findings-per-record = {cap}\n")
    return str(cfg)


def test_the_closing_fix_fixes_every_finding_past_the_cap(tmp_path):
    records = [_dense(300), chat(("user", "好\u200b的" * 250), ("assistant", "收到,谢谢" * 120 + "。"))]
    r = relint(tmp_path, records, select=["T003", "T005"])
    assert r.after == [] and r.applied == sum(d.count for d in r.before) == 300 + 1 + 250 + 120
    assert r.records == [
        chat(("user", "好，的" * 300), ("assistant", "收到，谢谢")),
        chat(("user", "好的" * 250), ("assistant", "收到，谢谢" * 120 + "。")),
    ]


def test_a_file_rule_past_the_cap_is_closed_too(tmp_path):
    line = '{"messages": [], ' + ", ".join(f'"k": {i}' for i in range(250)) + "}"
    p = tmp_path / "a.jsonl"
    p.write_text(line + "\n", encoding="utf-8")
    diags = run_cli("check", "--select", "J005", "--output-format", "json", str(p)).json()
    assert len(diags) == 101 and diags[-1]["count"] == 249 - 100


def test_the_cap_is_validated(tmp_path):
    with pytest.raises(ConfigError, match="max-findings-per-record"):
        sftlint.lint([json.loads(GOOD)], config={"max-findings-per-record": -1})
    r = run_cli(
        "check", "--config", _config(tmp_path, -3), str(write_jsonl(tmp_path / "a.jsonl", [_dense(1)]))
    )
    assert r.code == 2 and "max-findings-per-record" in r.err


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(parallel, "SERIAL_BELOW_BYTES", 0)
    monkeypatch.setattr(parallel, "RANGE_BYTES", 50_000)
    monkeypatch.setattr(parallel, "MIN_RANGE_BYTES", 20_000)


def test_jobs_2_closes_and_runs_as_the_serial_run_does(tmp_path, small_chunks):
    lines = []
    for i in range(400):
        lines.append(GOOD)
        if i % 50 == 7:
            lines.append(json.dumps(_dense(150 + i), ensure_ascii=False))
            lines.extend([""] * (i % 4 + 1))
    p = tmp_path / "a.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kw = {"select": ["J004", "T003"]}
    serial = sftlint.lint(p, jobs=1, **kw)
    assert sum(d.count > 1 for d in serial) == 8 and sum(d.code == "J004" for d in serial) == 8
    assert sftlint.lint(p, jobs=2, **kw) == serial


class _NeedsMissingModule(Rule):
    """## What it does
    Fails on every record, like a plugin rule whose optional dependency is not installed."""

    code = "Z950"
    name = "needs-missing-module"

    def check(self, record):
        import sftlint_module_that_is_not_installed  # noqa: F401

        return ()


class _MissingModulePlugin:
    @staticmethod
    @sftlint.hookimpl
    def sftlint_rules():
        return [_NeedsMissingModule]


@pytest.fixture
def failing_rule(monkeypatch):
    from sftlint import engine as engine_module
    from sftlint import plugins

    registry = build_registry(extra_plugins=(_MissingModulePlugin,))
    monkeypatch.setattr(plugins, "default_registry", lambda: registry)
    monkeypatch.setattr(engine_module, "default_registry", lambda: registry)


def test_a_rule_failing_on_every_record_is_listed_a_few_times_then_counted(tmp_path, failing_rule):
    p = tmp_path / "a.jsonl"
    p.write_text((GOOD + "\n") * 2000, encoding="utf-8")
    r = run_cli("check", "--select", "Z950,S", "--output-format", "json", str(p))
    assert r.code == 2  # still an internal error
    x001 = [d for d in r.json() if d["code"] == "X001"]
    assert [d["record"] for d in x001] == [0, 1, 2, 3] and [d["count"] for d in x001] == [1, 1, 1, 1997]
    assert "ModuleNotFoundError" in x001[0]["message"] and "1,996 more failures" in x001[3]["message"]
    lines = [ln for ln in r.err.splitlines() if "Z950" in ln]
    assert len(lines) == 4 and "failed on 2,000 records in all" in lines[-1]


def test_failures_are_counted_alike_with_jobs_2(tmp_path, failing_rule, small_chunks):
    p = tmp_path / "a.jsonl"
    p.write_text((GOOD + "\n") * 3000, encoding="utf-8")
    serial = sftlint.lint(p, jobs=1, select=["Z950", "S"])
    assert sum(d.count for d in serial if d.code == "X001") == 3000 and len(serial) == 4
    assert sftlint.lint(p, jobs=2, select=["Z950", "S"]) == serial


class _TwoPassWidth(Rule):
    """## What it does
    Reports half-width commas, then half-width semicolons, of the user's turn: a rule that
    yields a string's findings in two passes, out of order."""

    code = "Z951"
    name = "two-pass-width"

    def check(self, record):
        from sftlint.diagnostic import Edit, Fix

        text = record.messages[0].content
        pointer = "/messages/0/content"
        for mark, full in ((",", "，"), (";", "；")):
            for k, ch in enumerate(text):
                if ch == mark:
                    edit = Edit(pointer, k, k + 1, full)
                    yield self.finding(
                        f"half-width {mark}", pointer=pointer, span=(k, k + 1), fix=Fix("widen", (edit,))
                    )


class _TwoPassPlugin:
    @staticmethod
    @sftlint.hookimpl
    def sftlint_rules():
        return [_TwoPassWidth]


def test_a_rule_yielding_out_of_order_past_the_cap_is_fixed_and_counted_honestly(tmp_path, monkeypatch):
    from sftlint import engine as engine_module
    from sftlint import plugins

    registry = build_registry(extra_plugins=(_TwoPassPlugin,))
    monkeypatch.setattr(plugins, "default_registry", lambda: registry)
    monkeypatch.setattr(engine_module, "default_registry", lambda: registry)
    # commas and semicolons alternate: the second pass's edits fall between the first's
    records = [
        chat(("user", "好,的;" * 300), ("assistant", "收到")),
        chat(("user", "好,的;" * 3 + "吗"), ("assistant", "嗯")),
    ]
    rounds, total = [], 606
    for _ in range(3):
        r = relint(tmp_path, records, select=["Z951"])
        left = sum(d.count for d in r.after)
        assert r.applied == sum(d.count for d in r.before) - left  # what it says it fixed, it fixed
        rounds.append(r.applied)
        records = r.records
        if not left:
            break
    assert len(rounds) <= 2  # edits a pass folded cover the other pass's: a second round
    assert sum(rounds) == total and r.after == []
    assert records == [
        chat(("user", "好，的；" * 300), ("assistant", "收到")),
        chat(("user", "好，的；" * 3 + "吗"), ("assistant", "嗯")),
    ]


def test_a_closing_fix_of_a_long_text_is_written_whole_in_every_machine_format(tmp_path):
    # 40,000 commas: the merged fix holds about 120,000 characters (written a piece at a time)
    p = write_jsonl(tmp_path / "a.jsonl", [_dense(40_000), json.loads(GOOD)])
    args = ("check", "--select", "T003", "--no-color")
    docs = run_cli(*args, "--output-format", "json", str(p)).json()
    lines = run_cli(*args, "--output-format", "json-lines", str(p)).out.splitlines()
    assert [json.loads(line) for line in lines] == docs
    closing = docs[-1]
    assert closing["count"] == 40_001 - 100 and len(docs) == 101  # and the reply's comma
    text = "".join(e["replacement"] for e in closing["fix"]["edits"])
    assert len(text) > 100_000 and "," not in text
    assert run_cli(*args, "--fix", str(p)).code == 0
    assert json.loads(p.read_text(encoding="utf-8").splitlines()[0]) == chat(
        ("user", "好，的" * 40_000), ("assistant", "收到，谢谢")
    )


# -- dataset rules: the cap holds for them too ------------------------------------------------

_CLEAN = [
    chat(("user", f"第{i}个订单什么时候发货？"), ("assistant", f"第{i}个订单明天发货，请留意短信。"))
    for i in range(30)
]


def _tokens(n: int) -> dict:
    """A reply that runs on through ``n`` ChatML end tokens (S008 findings), a little text
    between them."""
    return chat(("user", "怎么退货？"), ("assistant", "七天内可退。<|im_end|>好的" * n))


def test_a_dataset_rule_past_the_cap_is_one_closing_diagnostic_that_counts_them(tmp_path):
    """S008 reports after its records are gone (a dataset rule): it listed every token of a
    record, 100,000 of a marker repeated through a text (the fuzz campaign's seed 56, minutes of
    a check), past the cap every record rule keeps.  The first 100 are listed, exactly as
    without the cap, the rest one closing diagnostic located at the first of them."""
    p = write_jsonl(tmp_path / "a.jsonl", [*_CLEAN, _tokens(250), _tokens(3)])
    r = run_cli("check", "--select", "S008", "--output-format", "json", str(p))
    every = run_cli(
        "check", "--select", "S008", "--output-format", "json", "--config", _config(tmp_path, 0), str(p)
    ).json()
    assert len(every) == 253 and all(d["count"] == 1 for d in every)
    capped = r.json()
    first = [d for d in capped if d["record"] == 30]
    assert len(first) == 101 and first[:100] == every[:100]
    closing = first[100]
    assert closing["count"] == 150 and "and 149 more S008 findings" in closing["message"]
    assert (closing["line"], closing["column"], closing["span"]) == (
        every[100]["line"],
        every[100]["column"],
        every[100]["span"],
    )
    assert [d for d in capped if d["record"] == 31] == every[250:]
    assert sum(d["count"] for d in capped) == 253
    stats = run_cli("check", "--select", "S008", "--statistics", "--output-format", "json", str(p)).json()
    assert stats[0]["count"] == 253


def test_a_dataset_rule_keeps_the_places_it_lists_and_counts_the_rest():
    """What S008 keeps of a record (its map runs while the record is at hand) is bounded by the
    cap: one more place than it lists, the rest counted."""
    from sftlint.rules.structure import TemplateToken

    from sftlint.engine import Engine

    engine = Engine(sftlint.config.Settings())
    (rule,) = [r for r in engine.dataset_rules if isinstance(r, TemplateToken)]
    assert rule.places_per_record == 101
    diags = sftlint.lint([*_CLEAN, _tokens(2000)], select=["S008"])
    assert [d.count for d in diags][-2:] == [1, 1900] and len(diags) == 101
    assert TemplateToken().places_per_record > 10**9  # a rule the engine does not run keeps every place


def test_a_dataset_rules_fixes_past_the_cap_are_applied_all(tmp_path):
    """T007's entity fixes past the cap are one fix, kept edit by edit (the record is gone when
    the rule reports, so they are not joined through its text); the tags past it are counted."""
    reply = "血小板&lt;100，" * 180 + "<br>见说明" * 40
    records = [*_CLEAN, chat(("user", "血小板低要紧吗？"), ("assistant", reply))]
    r = relint(tmp_path, records, select=["T007"], unsafe=True)
    assert sum(d.count for d in r.before) == 220 and len(r.before) == 101
    assert r.applied == 180
    assert r.records[-1] == chat(
        ("user", "血小板低要紧吗？"), ("assistant", "血小板<100，" * 180 + "<br>见说明" * 40)
    )
    assert sum(d.count for d in r.after) == 40  # the tags, which need a person


def test_jobs_2_closes_dataset_rules_as_the_serial_run_does(tmp_path, small_chunks):
    lines = [json.dumps(r, ensure_ascii=False) for r in _CLEAN]
    for i in range(200):
        lines.append(GOOD)
        if i % 40 == 3:
            lines.append(json.dumps(_tokens(120 + i), ensure_ascii=False))
    p = tmp_path / "a.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    serial = sftlint.lint(p, jobs=1, select=["S008", "T007"])
    assert sum(d.count > 1 for d in serial) == 5
    assert sftlint.lint(p, jobs=2, select=["S008", "T007"]) == serial


def test_fixes_that_fail_together_are_tried_by_halves_not_one_by_one(tmp_path, monkeypatch):
    """A record whose 160 comma fixes (T003) together push it over the context window (D005: a
    full-width comma counts as a token, a half-width one as a quarter) fails the check all
    fixes get together.  Each fix was then tried alone: one re-check per fix listed, 101 a round
    (26 s of ``--fix`` for the fuzz campaign's 400 KB seed 1016); halves find the fixes that
    pass in a few checks, and as many pass."""
    from sftlint import fixes

    rec = chat(("user", "好,的" * 160), ("assistant", "收到。"))
    cfg = tmp_path / "sftlint.toml"
    cfg.write_text(
        "[rules.context-overflow]\ncontext-window = 460\nper-message-tokens = 0\n", encoding="utf-8"
    )
    p = write_jsonl(tmp_path / "a.jsonl", [rec])
    kw = {"select": ["T003", "D005"], "config": str(cfg)}
    before = sftlint.lint(p, **kw)
    assert [d.code for d in before] == ["T003"] * 101 and before[-1].count == 60
    calls = []
    findings = fixes._Checker.findings
    monkeypatch.setattr(fixes._Checker, "findings", lambda self, *a: calls.append(1) or findings(self, *a))
    from sftlint.api import _settings
    from sftlint.engine import Engine

    engine = Engine(_settings([], str(cfg), ["T003", "D005"], None, None, None, None))
    applied = fixes.apply_fixes(str(p), before, engine=engine)
    assert applied == 100 and len(calls) <= 20  # 101 fixes one by one took 103 checks
    after = sftlint.lint(p, **kw)
    assert [d.code for d in after] == ["T003"] * 60  # the closing fix would cross the window


def test_the_listed_counts_of_a_dataset_rule_cost_a_byte_a_record_not_an_entry_a_finding():
    """D001 and D002 report a fifth of a templated dataset's records: the counts that hold the
    cap are kept per position of each file, not in a dict entry per reported record."""
    from sftlint.overflow import ListedPerRecord

    listed = ListedPerRecord(cap=100)
    for index in range(0, 50_000, 2):
        listed.add("a.jsonl", index)
    listed.add("a.jsonl", 10)
    listed.add("b.jsonl", 3)
    assert listed.get("a.jsonl", 10) == 2 and listed.get("a.jsonl", 12) == 1
    assert listed.get("a.jsonl", 11) == 0 and listed.get("a.jsonl", 10**6) == 0
    assert listed.get("b.jsonl", 3) == 1 and listed.get("b.jsonl", 10) == 0 and listed.get("c.jsonl", 0) == 0
    assert not listed._other  # every count in the arrays
    assert sum(len(a) * a.itemsize for a in listed._counts.values()) < 2 * 50_000 + 64
    # a position that is no record number (a plugin's own ref) is counted all the same
    listed.add("a.jsonl", -1)
    listed.add("a.jsonl", "x")
    listed.add("a.jsonl", "x")
    assert listed.get("a.jsonl", -1) == 1 and listed.get("a.jsonl", "x") == 2
    # nor does a position far past any file's records make an array of its size
    far = 10**12
    listed.add("a.jsonl", far)
    assert listed.get("a.jsonl", far) == 1 and len(listed._counts["a.jsonl"]) < 10**6


def test_a_cap_past_255_is_counted_in_wider_arrays():
    from sftlint.overflow import ListedPerRecord

    listed = ListedPerRecord(cap=1000)
    for _ in range(300):
        listed.add("a.jsonl", 7)
    assert listed.get("a.jsonl", 7) == 300


def test_a_dataset_rule_past_a_cap_of_300_lists_300_and_closes_the_rest(tmp_path):
    """The counts of a cap above what a byte holds do not wrap around (300 listed, not 44)."""
    p = write_jsonl(tmp_path / "a.jsonl", [*_CLEAN, _tokens(400)])
    capped = run_cli(
        "check", "--select", "S008", "--output-format", "json", "--config", _config(tmp_path, 300), str(p)
    ).json()
    assert [d["count"] for d in capped] == [1] * 300 + [100]
