"""S017 quoted-system-prompt: a system prompt written as a string literal (Python's ``repr``, a
second JSON encoding) is reported, with a fix that removes the quotes where nothing inside is
escaped; prompts that quote something, and quoted user turns and replies, are left alone."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

import sftlint

QWEN = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."


def _record(system: str, reply: str = "你好！有什么可以帮你？") -> dict:
    return {
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": "帮我查一下明天北京的天气"},
            {"role": "assistant", "content": reply},
        ]
    }


def s017(records: list[dict]) -> list[sftlint.Diagnostic]:
    return [d for d in sftlint.lint(records, select=["S017"]) if d.code == "S017"]


@pytest.mark.parametrize(
    "system",
    [
        f"'{QWEN}'",  # Python's repr
        f'"{QWEN}"',  # JSON-encoded twice
        f"  '{QWEN}'\n",  # with spaces around
        "'你是一个乐于助人的助手，请用中文回答。'",
        "'You are a helpful assistant.\\nAnswer briefly.'",  # a repr with \\n written out
        '"You are \\"Xiaozhi\\", the shop\'s assistant."',  # the quote escaped inside
    ],
)
def test_a_system_prompt_written_as_a_string_literal_is_reported(system):
    found = s017([_record(system)])
    assert len(found) == 1
    d = found[0]
    assert d.pointer == "/messages/0/content" and d.severity == "warning"
    start = len(system) - len(system.lstrip())
    assert d.span == (start, len(system.rstrip()))
    assert "quoted string" in d.message


@pytest.mark.parametrize(
    "system",
    [
        QWEN,
        'You are "Xiaozhi", the shop\'s assistant.',  # quotes inside
        '"Be brief" and "be kind" are your two rules.',  # two quotations
        "'Hello,' she said, and you answer as her assistant.",
        '"A" and "B"',  # the closing quote is not the first one's
        "'",
        "''",
        "'?!'",  # nothing to say inside
        "“你是客服助手。”",  # typographic quotes: written by a person, not by repr
        "'unclosed prompt",
    ],
)
def test_prompts_that_only_quote_something_are_left_alone(system):
    assert s017([_record(system)]) == []


def test_quoted_user_turns_and_replies_are_left_alone():
    rec = _record(QWEN, reply='"Rainbow Veggie Hummus Wrap: A Colorful and Nutritious Meal"')
    rec["messages"][1]["content"] = '"写一段讨论新案件的谈话，内容为福尔摩斯和华生医生之间的对话。"'
    assert s017([rec]) == []


def test_the_fix_removes_the_quotes_and_nothing_else(tmp_path):
    path = tmp_path / "data.jsonl"
    records = [_record(f"'{QWEN}'"), _record(QWEN), _record("'You are brief.\\nVery brief.'")]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    before = path.read_bytes()
    found = s017([json.loads(line) for line in before.decode().splitlines()])
    assert [d.fix is not None for d in found] == [True, False]  # escapes inside: no fix
    assert found[0].fix.applicability == "unsafe"
    run_cli("check", str(path), "--select", "S017", "--fix")
    assert path.read_bytes() == before  # an unsafe fix needs --unsafe-fixes
    result = run_cli("check", str(path), "--select", "S017", "--fix", "--unsafe-fixes")
    after = path.read_bytes().decode().splitlines()
    assert json.loads(after[0]) == _record(QWEN)
    assert after[1:] == before.decode().splitlines()[1:]
    assert "Fixed 1 finding" in result.out and "Found 1 warning" in result.out  # the escaped one is left
