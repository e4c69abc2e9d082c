"""``--fix`` changes only the bytes it fixes, never hides or loses anything, and says so truly."""

from __future__ import annotations

import json
import os
import stat

import pytest
from conftest import run_cli

import sftlint
from sftlint.diagnostic import Diagnostic, Edit, Fix
from sftlint.engine import Engine
from sftlint.fixes import fix_bytes

ZW = "\u200b"  # T005 removes it (a safe fix)

# Records written the way people write them: escapes, odd spacing, a duplicate key, number
# spellings.  Only the zero-width characters may change.
RECORDS = [
    '{"messages": [{"role": "user", "content": "\\u4f60\\u597d\\u200b\\/x", "content": "dup"},'
    ' {"role": "assistant", "content": "ok\\u200b", "n": 1.0e5, "big": 123456789012345678901234567890}]}',
    '{"messages":[{"role":"user","content":"hi'
    + ZW
    + ' there: x"},{"role":"assistant","content":"好的'
    + ZW
    + '"}]}',
    '{  "messages" : [ {"role":"user", "content":"a\\"b\\n"} , {"role": "assistant",  "content": "c'
    + ZW
    + '"} ] }',
]
NAN = (
    '{"messages": [{"role": "user", "content": "a'
    + ZW
    + '"}, {"role": "assistant", "content": "b", "x": NaN}]}'
)
SURROGATE = (
    '{"messages": [{"role": "user", "content": "\\ud800' + ZW + '"}, {"role": "assistant", "content": "b"}]}'
)


def expected(text: str) -> str:
    """The record with its live zero-width characters removed, nothing else touched."""
    out = text.replace("ok\\u200b", "ok").replace(ZW, "")
    return out


def check(*args):
    return run_cli("check", "--select", "T005,J", "--no-color", "--output-format", "concise", *args)


def test_jsonl_fix_changes_only_the_fixed_bytes(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text("\n".join([*RECORDS, NAN, SURROGATE]) + "\n", encoding="utf-8")
    r = check("--fix", f)
    lines = f.read_text(encoding="utf-8").split("\n")
    assert lines[:3] == [expected(t) for t in RECORDS]
    # the first user "content" is a shadowed duplicate key: parsers never see its \u200b, so it stays
    assert "\\u200b\\/x" in lines[0] and '"content": "dup"' in lines[0] and "1.0e5" in lines[0]
    assert lines[3] == NAN and lines[4] == SURROGATE  # records that do not parse are never touched
    assert "Fixed 4 findings" in r.out
    assert "J005" in r.out and r.code == 1  # the duplicate key is still reported


def test_json_array_fix_changes_only_the_fixed_bytes(tmp_path):
    f = tmp_path / "a.json"
    body = "[\n  " + ",\n  ".join([*RECORDS, NAN]) + "\n]\n"
    f.write_text(body, encoding="utf-8")
    check("--fix", f)
    assert f.read_text(encoding="utf-8") == "[\n  " + ",\n  ".join([*map(expected, RECORDS), NAN]) + "\n]\n"


def test_fix_converges_and_counts_only_what_it_applied(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text("\n".join(RECORDS) + "\n", encoding="utf-8")
    assert "Fixed 4 findings" in check("--fix", f).out
    again = check("--fix", f)
    assert "Fixed" not in again.out


def test_diff_shows_edits_without_writing(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text("\n".join(RECORDS) + "\n", encoding="utf-8")
    before = f.read_bytes()
    r = check("--diff", f)
    assert f.read_bytes() == before
    assert r.code == 1
    assert f"-{RECORDS[2]}" in r.out and f"+{expected(RECORDS[2])}" in r.out
    assert "Would fix 4 findings" in r.err


def test_show_fixes_lists_them_per_file(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text(RECORDS[1] + "\n", encoding="utf-8")
    r = check("--fix", "--show-fixes", f)
    assert "2 × T005 (garbled-text)" in r.out


def test_fix_obeys_per_file_ignores(tmp_path):
    f = tmp_path / "legacy.jsonl"
    f.write_text(RECORDS[1] + "\n", encoding="utf-8")
    (tmp_path / "sftlint.toml").write_text('[per-file-ignores]\n"legacy.jsonl" = ["T005"]\n')
    before = f.read_bytes()
    check("--fix", f)
    assert f.read_bytes() == before


def test_fix_writes_through_a_symlink_and_keeps_the_mode(tmp_path):
    target = tmp_path / "data.jsonl"
    target.write_text(RECORDS[1] + "\n", encoding="utf-8")
    os.chmod(target, 0o640)
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    check("--fix", link)
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == expected(RECORDS[1]) + "\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_fix_refuses_a_read_only_file(tmp_path):
    f = tmp_path / "ro.jsonl"
    f.write_text(RECORDS[1] + "\n", encoding="utf-8")
    os.chmod(f, 0o444)
    before = f.read_bytes()
    r = check("--fix", f)
    assert r.code == 2 and "read-only" in r.err
    assert f.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sftlint-")]


def test_output_file_naming_an_input_is_refused(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text(RECORDS[1] + "\n", encoding="utf-8")
    before = f.read_bytes()
    r = check("-o", f, f)
    assert r.code == 2 and "names an input" in r.err
    assert f.read_bytes() == before
    r = check("-o", tmp_path / "missing" / "report.txt", f)
    assert r.code == 2 and "does not exist" in r.err and "internal error" not in r.err


def test_a_fix_that_would_create_a_finding_is_not_applied(tmp_path):
    text = RECORDS[2]
    path = str(tmp_path / "a.jsonl")
    engine = Engine(sftlint.config.Settings(select=["T005"]))
    # a (made-up) fix that inserts a zero-width space: T005 would then report it
    bad = Diagnostic(
        "X999",
        "made-up",
        "warning",
        "m",
        path,
        record=0,
        record_line=1,
        fix=Fix("insert", (Edit("/messages/0/content", 0, 0, ZW),)),
    )
    good = Diagnostic(
        "X998",
        "made-up",
        "warning",
        "m",
        path,
        record=0,
        record_line=1,
        fix=Fix("replace", (Edit("/messages/0/content", 0, 1, "A"),)),
    )
    result = fix_bytes(path, (text + "\n").encode(), [bad, good], engine, unsafe=False)
    assert result.applied == {"X998": 1}
    assert result.after == (text.replace('"a\\"b', '"A\\"b') + "\n").encode()


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_fixed_files_lint_clean_for_the_fixed_rule(tmp_path, fmt):
    f = tmp_path / f"a.{fmt}"
    body = "\n".join(RECORDS) + "\n" if fmt == "jsonl" else "[" + ",\n".join(RECORDS) + "]\n"
    f.write_text(body, encoding="utf-8")
    check("--fix", f)
    assert [d for d in sftlint.lint(str(f), select=["T005"])] == []
    json.loads(f.read_text()) if fmt == "json" else [json.loads(x) for x in f.read_text().splitlines()]
