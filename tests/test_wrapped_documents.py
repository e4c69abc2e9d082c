"""A JSON document that wraps its records in a list (``{"version": ..., "data": [...]}``, what
``datasets.load_dataset("json", field="data")`` reads, or ``{"train": [...], "test": [...]}``):
its records are read one by one and located in the whole file."""

from __future__ import annotations

import json

from conftest import run_cli

import sftlint
from sftlint.files import FileSelection, expand_paths
from sftlint.formats import looks_like_record, wrapped_record_keys

RECORDS = [
    {"instruction": "问候顾客", "input": "", "output": "你好,欢迎光临本店。"},
    {"instruction": "介绍退货政策", "input": "", "output": ""},
    {"instruction": "解释符号", "input": "", "output": "您好&amp;欢迎。"},
]


def _document(tmp_path, name="wrapped.json", bom=False, **lists):
    body = {"version": "1.0", "名称": "客服数据", **lists}
    text = json.dumps(body, ensure_ascii=False, indent=2)
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def _at(path, d) -> str:
    """The file's text where a diagnostic points (its line and column)."""
    line = path.read_text(encoding="utf-8-sig").splitlines()[d.line - 1]
    return line[d.column - 1 :]


def test_the_records_of_a_data_list_are_linted_and_located_in_the_file(tmp_path):
    path = _document(tmp_path, data=RECORDS)
    found = {d.code: d for d in sftlint.lint(str(path), select=["ALL"]) if d.severity != "info"}
    assert set(found) >= {"S003", "T003", "T007"}
    assert found["S003"].record == 1 and found["S003"].pointer == "/output"
    assert _at(path, found["S003"]).startswith('""')
    assert _at(path, found["T003"]).startswith(",欢迎光临")
    assert _at(path, found["T007"]).startswith("&amp;")
    assert not any(d.code == "S001" for d in sftlint.lint(str(path)))


def test_two_splits_in_one_document_are_one_dataset(tmp_path):
    path = _document(tmp_path, train=RECORDS[:2], test=[RECORDS[0]])
    found = sftlint.lint(str(path))
    duplicate = [d for d in found if d.code == "D001"]
    assert len(duplicate) == 1 and duplicate[0].record == 2  # test's record copies train's first


def test_a_record_or_a_config_is_not_unwrapped():
    assert wrapped_record_keys({"messages": [{"role": "user", "content": "hi"}]}) == []  # a record
    assert wrapped_record_keys({"compilerOptions": {"strict": True}, "files": [{"path": "a.ts"}]}) == []
    assert wrapped_record_keys({"version": 1, "data": RECORDS, "test": []}) == ["data"]


def test_a_walk_takes_a_wrapped_document_and_leaves_a_config(tmp_path):
    _document(tmp_path, data=RECORDS)
    (tmp_path / "settings.json").write_text(json.dumps({"lr": 0.0001, "layers": [{"dim": 64}]}))
    selection = FileSelection(respect_gitignore=False, is_record=looks_like_record)
    names = [p.rsplit("/", 1)[-1] for p in expand_paths([str(tmp_path)], selection)]
    assert names == ["wrapped.json"]


def test_fix_edits_only_the_bytes_of_the_wrapped_records(tmp_path):
    path = _document(tmp_path, bom=True, data=RECORDS)
    before = path.read_bytes()
    result = run_cli("check", path, "--select=J003,T003,T007", "--fix", "--unsafe-fixes", "--no-cache")
    assert result.code == 0, result
    after = path.read_bytes()
    expected = before[3:].replace("你好,欢迎".encode(), "你好，欢迎".encode()).replace(b"&amp;", b"&")
    assert after == expected
    assert json.loads(after)["data"][0]["output"] == "你好，欢迎光临本店。"
