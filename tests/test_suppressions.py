"""Reviewed findings silenced with a reason (sftlint-suppressions.toml), and --add-suppressions."""

from __future__ import annotations

from tests.conftest import chat, run_cli, write_jsonl


def typo_record(rid: str | None, extra: str = "") -> dict:
    rec = chat(("user", f"有优惠卷吗{extra}"), ("assistant", "有的，下单时在结算页选择即可使用。"))
    if rid is not None:
        rec = {"id": rid, **rec}
    return rec


TWO_USERS = chat(("user", "你好"), ("user", "请问退款怎么办"), ("assistant", "您好，请提供订单号。"))


def codes(r) -> list[tuple[str, int]]:
    return sorted((d["code"], d["line"]) for d in r.json() if d["severity"] != "info")


def test_added_suppressions_silence_exactly_the_reviewed_findings(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.sftlint]\n")
    f = write_jsonl(tmp_path / "a.jsonl", [typo_record("r1"), TWO_USERS])
    assert codes(run_cli("check", "--output-format", "json", f)) == [("S004", 2), ("T001", 1)]
    r = run_cli("check", "--select", "T001", "--add-suppressions", "--reason", "brand name, reviewed", f)
    assert r.code == 0 and "Added 1 suppression" in r.out
    text = (tmp_path / "sftlint-suppressions.toml").read_text(encoding="utf-8")
    assert 'record = "id:r1"' in text and 'reason = "brand name, reviewed"' in text
    r = run_cli("check", "--output-format", "json", f)
    assert codes(r) == [("S004", 2)]  # the unreviewed finding stays
    # the record is edited elsewhere and moves: its id still names it
    write_jsonl(f, [TWO_USERS, typo_record("r1", extra="？谢谢")])
    assert codes(run_cli("check", "--output-format", "json", f)) == [("S004", 1)]
    # the same slip in another record is a new finding
    write_jsonl(f, [typo_record("r1"), typo_record("r2")])
    assert codes(run_cli("check", "--ignore", "D", "--output-format", "json", f)) == [("T001", 2)]


def test_records_without_an_id_are_named_by_content(tmp_path):
    (tmp_path / "sftlint.toml").write_text("")
    f = write_jsonl(tmp_path / "a.jsonl", [TWO_USERS])
    assert run_cli("check", "--add-suppressions", "--reason", "multi-turn prompt by design", f).code == 0
    r = run_cli("check", "--output-format", "concise", f)
    assert r.code == 0 and "1 reviewed finding silenced" in r.out
    edited = chat(("user", "您好"), ("user", "请问退款怎么办"), ("assistant", "您好，请提供订单号。"))
    write_jsonl(f, [edited])  # content changed: the suppression no longer names it
    assert codes(run_cli("check", "--output-format", "json", f)) == [("S004", 1)]


def test_adding_needs_a_reason(tmp_path):
    f = write_jsonl(tmp_path / "a.jsonl", [TWO_USERS])
    r = run_cli("check", "--add-suppressions", f)
    assert r.code == 2 and "--reason" in r.err
    assert not (tmp_path / "sftlint-suppressions.toml").exists()


def test_the_config_names_the_file_relative_to_itself(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.sftlint]\nsuppressions = "lint/reviewed.toml"\n')
    (tmp_path / "lint").mkdir()
    (tmp_path / "data").mkdir()
    f = write_jsonl(tmp_path / "data" / "a.jsonl", [TWO_USERS])
    monkeypatch.chdir(tmp_path / "data")
    assert run_cli("check", "--add-suppressions", "--reason", "ok", "a.jsonl").code == 0
    assert (tmp_path / "lint" / "reviewed.toml").is_file()
    monkeypatch.chdir(tmp_path)
    assert run_cli("check", str(f)).code == 0


def test_a_malformed_suppressions_file_is_a_configuration_error(tmp_path):
    (tmp_path / "sftlint.toml").write_text("")
    (tmp_path / "sftlint-suppressions.toml").write_text('[[suppress]]\ncode = "S004"\nrecord = "sha:1"\n')
    f = write_jsonl(tmp_path / "a.jsonl", [TWO_USERS])
    r = run_cli("check", f)
    assert r.code == 2 and "needs reason" in r.err and "sftlint-suppressions.toml" in r.err


def test_adding_twice_writes_nothing_new_and_keeps_the_file(tmp_path):
    (tmp_path / "sftlint.toml").write_text("")
    f = write_jsonl(tmp_path / "a.jsonl", [TWO_USERS, typo_record("x")])
    run_cli("check", "--add-suppressions", "--reason", "first review", "--select", "S004", f)
    before = (tmp_path / "sftlint-suppressions.toml").read_bytes()
    r = run_cli("check", "--add-suppressions", "--reason", "again", "--select", "S004", f)
    assert "Added 0 suppressions" in r.out
    assert (tmp_path / "sftlint-suppressions.toml").read_bytes() == before
    run_cli("check", "--add-suppressions", "--reason", "second review", "--select", "T001", f)
    after = (tmp_path / "sftlint-suppressions.toml").read_bytes()
    assert after.startswith(before) and b"second review" in after


def test_a_run_with_every_finding_hidden_still_says_how_many(tmp_path):
    """ "the report says how many reviewed findings it silenced" (docs/getting-started.md), also
    when they were all of them: the text report then said only "All checks passed!"."""
    (tmp_path / "sftlint.toml").write_text("")
    f = write_jsonl(tmp_path / "a.jsonl", [TWO_USERS])
    assert run_cli("check", "--select", "S004", "--add-suppressions", "--reason", "by design", f).code == 0
    for fmt in ("full", "concise", "grouped"):
        r = run_cli("check", "--select", "S004", "--output-format", fmt, f)
        assert r.code == 0 and "All checks passed!" in r.out, (fmt, r.out)
        assert "(1 reviewed finding silenced by the suppressions file.)" in r.out, (fmt, r.out)
    baseline = str(tmp_path / "base.json")
    assert run_cli("check", "--select", "S", "--baseline", baseline, "--write-baseline", f).code == 0
    r = run_cli(
        "check", "--select", "S", "--suppressions", str(tmp_path / "none.toml"), "--baseline", baseline, f
    )
    assert r.code == 0 and "All checks passed!" in r.out
    assert "(1 known finding hidden by the baseline.)" in r.out, r.out
