"""The seed article's example dialogue: exactly the defects the article itself points out.

As written, its later user turns carry ``Knowledge Base Result: [同上]`` (K002 x 4) and its
system prompt says 标记为行动 while every turn writes 动作 (R005).  Filled with the real
context and with the prompt saying 动作, it yields no warning or error at all (an ``info``
finding such as D003 too-few-records is allowed).
"""

from __future__ import annotations

import json

from conftest import ROOT, run_cli

import sftlint

SEED = ROOT / "examples" / "seed_dialogue.jsonl"


def _problems(diags):
    return [d for d in diags if d.severity in ("warning", "error")]


def test_seed_dialogue_as_written():
    record = json.loads(SEED.read_text(encoding="utf-8"))
    found = _problems(sftlint.lint(SEED))
    assert sorted(d.code for d in found) == ["K002"] * 4 + ["R005"], [(d.code, d.message) for d in found]
    k002 = [d for d in found if d.code == "K002"]
    assert [d.pointer for d in k002] == [f"/messages/{i}/content" for i in (3, 5, 7, 9)]
    for d in k002:
        content = record["messages"][int(d.pointer.split("/")[2])]["content"]
        assert content[d.span[0] : d.span[1]] == "[同上]"
    (r005,) = [d for d in found if d.code == "R005"]
    system = record["messages"][0]["content"]
    assert r005.pointer == "/messages/0/content"
    assert system[r005.span[0] : r005.span[1]] == "行动"
    assert system[r005.span[0] - 3 : r005.span[1]] == "标记为行动"
    assert r005.line == 1 and r005.column is not None


def test_seed_dialogue_fixed_yields_nothing(tmp_path):
    record = json.loads(SEED.read_text(encoding="utf-8"))
    messages = record["messages"]
    marker = "Knowledge Base Result: "
    first = messages[1]["content"]
    kb = first[first.index(marker) + len(marker) :]
    for m in messages[3::2]:
        assert m["content"].endswith("[同上]")
        m["content"] = m["content"].replace("[同上]", kb)
    messages[0]["content"] = messages[0]["content"].replace("标记为行动", "标记为动作")
    path = tmp_path / "seed_fixed.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert _problems(sftlint.lint(path)) == []
    assert run_cli("check", path, "--fail-on", "warning").code == 0


def test_seed_dialogue_cli_json(tmp_path):
    result = run_cli("check", SEED, "--select", "R,K", "--output-format", "json")
    rows = result.json()
    assert sorted(r["code"] for r in rows) == ["K002"] * 4 + ["R005"]
    assert all(r["line"] == 1 and r["column"] for r in rows)
    assert result.code == 0  # warnings only: the run does not fail by default
