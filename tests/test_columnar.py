"""Parquet, Arrow, Hugging Face ``datasets`` folders, and .jsonl.zst: the same findings as the JSONL."""

from __future__ import annotations

import json

import pytest
from conftest import chat, run_cli, write_jsonl

import sftlint

pa = pytest.importorskip("pyarrow", reason="the Parquet tests need pyarrow (pip install -e '.[test]')")
pq = pytest.importorskip("pyarrow.parquet")

RECORDS = [
    chat(("user", "在吗"), ("assistant", "在的，请问有什么可以帮您？"), system="你是客服。"),
    chat(("user", "我想退货"), ("user", "订单号是 123")),  # S004, S005
    {
        "messages": [
            {"role": "user", "content": "查一下物流"},
            {"role": "assistant", "content": "请稍等{{name}}"},
        ]
    },
    chat(("user", "在吗"), ("assistant", "在的，请问有什么可以帮您？"), system="你是客服。"),  # D001
    {
        "messages": [
            {"role": "user", "content": "北京天气？"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"type": "function", "function": {"name": "weather", "arguments": '{"city": "北京"}'}}
                ],
            },
            {"role": "tool", "content": "晴"},
            {"role": "assistant", "content": ""},  # S003
        ]
    },
]


def _keys(diags):
    return sorted((d.code, d.record, d.pointer, d.span) for d in diags)


def _write_parquet(path, records, row_group_size=None):
    pq.write_table(pa.Table.from_pylist(records), path, row_group_size=row_group_size)
    return path


def test_parquet_gives_the_jsonl_findings(tmp_path):
    jsonl = write_jsonl(tmp_path / "d.jsonl", RECORDS)
    parquet = _write_parquet(tmp_path / "d.parquet", RECORDS, row_group_size=2)
    a, b = sftlint.lint(jsonl), sftlint.lint(parquet)
    assert {"S004", "S005", "S007", "D001", "S003"} <= {d.code for d in a}
    assert _keys(a) == _keys(b)
    # locations: the row number as the line, the pointer inside the row, no column
    s007 = next(d for d in b if d.code == "S007")
    assert (s007.line, s007.column, s007.pointer) == (3, None, "/messages/1/content")


def test_parquet_location_in_the_report(tmp_path):
    parquet = _write_parquet(tmp_path / "d.parquet", RECORDS)
    result = run_cli("check", parquet, "--output-format", "concise", "--select", "S004")
    assert result.code == 1
    assert f"{parquet}:2: S004" in result.out


def test_parquet_with_nested_parts_and_a_text_column(tmp_path):
    rows = [
        {
            "id": 1,
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "图里是什么？"}, {"type": "image"}]},
                {"role": "assistant", "content": [{"type": "text", "text": "一只猫锟斤拷。"}]},
            ],
        }
    ]
    parquet = _write_parquet(tmp_path / "mm.parquet", rows)
    found = [(d.code, d.pointer, d.span) for d in sftlint.lint(parquet) if d.severity != "info"]
    assert found == [("T005", "/messages/1/content/0/text", (3, 6))]


def test_parquet_reads_in_batches(tmp_path, monkeypatch):
    from sftlint import columnar

    monkeypatch.setattr(columnar, "BATCH_ROWS", 7)
    records = [chat(("user", f"问题{i}"), ("assistant", f"回答{i}")) for i in range(50)]
    records[37] = chat(("user", "a"), ("user", "b"))
    parquet = _write_parquet(tmp_path / "d.parquet", records, row_group_size=10)
    s004 = [(d.record, d.line) for d in sftlint.lint(parquet) if d.code == "S004"]
    assert s004 == [(37, 38)]


def _save_to_disk_layout(folder, shards):
    """What ``datasets.Dataset.save_to_disk`` writes: Arrow IPC streams, state.json, dataset_info.json."""
    folder.mkdir()
    names = []
    for k, rows in enumerate(shards):
        name = f"data-{k:05d}-of-{len(shards):05d}.arrow"
        table = pa.Table.from_pylist(rows)
        with pa.OSFile(str(folder / name), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        names.append({"filename": name})
    (folder / "state.json").write_text(json.dumps({"_data_files": names, "_split": "train"}))
    (folder / "dataset_info.json").write_text(json.dumps({"citation": "", "features": {}}))
    return folder


def test_a_datasets_folder_is_one_dataset(tmp_path):
    folder = _save_to_disk_layout(tmp_path / "ds", [RECORDS[:3], RECORDS[3:]])
    jsonl = write_jsonl(tmp_path / "d.jsonl", RECORDS)
    assert _keys(sftlint.lint(folder)) == _keys(sftlint.lint(jsonl))
    # found by a directory walk as one source; its state.json / dataset_info.json are not data
    result = run_cli("check", tmp_path, "--output-format", "json", "--exclude", "d.jsonl")
    assert {d["path"] for d in result.json()} == {str(folder)}


def test_a_real_save_to_disk_folder(tmp_path):
    datasets = pytest.importorskip("datasets", reason="needs the train extra (datasets)")
    ds = datasets.Dataset.from_list(RECORDS)
    ds.save_to_disk(str(tmp_path / "saved"))
    jsonl = write_jsonl(tmp_path / "d.jsonl", RECORDS)
    assert _keys(sftlint.lint(tmp_path / "saved")) == _keys(sftlint.lint(jsonl))


def test_a_lone_arrow_file(tmp_path):
    folder = _save_to_disk_layout(tmp_path / "ds", [RECORDS])
    arrow = next(folder.glob("*.arrow"))
    jsonl = write_jsonl(tmp_path / "d.jsonl", RECORDS)
    assert _keys(sftlint.lint(arrow)) == _keys(sftlint.lint(jsonl))


def test_a_corrupt_parquet_file_is_a_finding(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    result = run_cli("check", bad, "--output-format", "json")
    assert result.code == 1 and [d["code"] for d in result.json()] == ["J003"]
    assert "Parquet" in result.json()[0]["message"]


@pytest.mark.parametrize("named", [False, True], ids=["by-its-bytes", "by-stdin-filename"])
def test_a_parquet_file_piped_in_gives_the_file_findings(tmp_path, named):
    # a Parquet file is read from its footer: standard input is written to disk first, and the
    # rows come out as the file's, D002's second reading of the records included
    reply = (
        "退货流程如下：第一步，在订单详情页点击申请退货并选择退货原因；第二步，按页面提示把商品寄回仓库，"
        "运单号填写在退货申请里；第三步，仓库签收并检查商品后，退款会在三个工作日内原路退回您的支付账户。"
    )
    near = chat(("user", "我买的衣服不合适，想退货，应该怎么操作？"), ("assistant", reply))
    near2 = chat(
        ("user", "我买的衣服不合适，想退货，应该怎么操作？"), ("assistant", reply.replace("三个", "3 个"))
    )
    parquet = _write_parquet(tmp_path / "d.parquet", [*RECORDS, near, near2])
    name = ["--stdin-filename", "data.parquet"] if named else []
    piped = run_cli(
        "check", "-", *name, "--select", "ALL", "--output-format", "json", stdin=parquet.read_bytes()
    )
    from_file = run_cli("check", parquet, "--select", "ALL", "--output-format", "json")
    shown = "data.parquet" if named else "-"
    assert piped.code == from_file.code == 1
    got, want = piped.json(), from_file.json()
    assert {d["code"] for d in want} >= {"S004", "S007", "D001", "D002"}
    strip = [{k: v for k, v in d.items() if k != "path"} for d in got]
    assert strip == [{k: v for k, v in d.items() if k != "path"} for d in want]
    assert {d["path"] for d in got} == {shown}
    # the row number is the line, with no column, as for the file
    s007 = next(d for d in got if d["code"] == "S007")
    assert (s007["line"], s007["column"]) == (3, None)


def test_a_damaged_parquet_file_piped_in_is_j003_naming_standard_input(tmp_path):
    result = run_cli("check", "-", "--output-format", "json", stdin=b"PAR1 and then nothing of the kind")
    assert result.code == 1
    (d,) = result.json()
    assert d["code"] == "J003" and "Parquet" in d["message"] and "sftlint-stdin" not in d["message"]


def test_fix_leaves_columnar_sources_alone(tmp_path):
    parquet = _write_parquet(tmp_path / "d.parquet", RECORDS)
    before = parquet.read_bytes()
    run_cli("check", parquet, "--fix")
    assert parquet.read_bytes() == before


def test_zstd_jsonl(tmp_path):
    zstandard = pytest.importorskip("zstandard")
    jsonl = write_jsonl(tmp_path / "d.jsonl", RECORDS)
    zst = tmp_path / "d.jsonl.zst"
    zst.write_bytes(zstandard.ZstdCompressor().compress(jsonl.read_bytes()))
    assert _keys(sftlint.lint(zst)) == _keys(sftlint.lint(jsonl))
    assert [(d.code, d.line) for d in sftlint.lint(zst) if d.code == "S004"] == [("S004", 2)]


def test_missing_pyarrow_is_a_clear_error(tmp_path, monkeypatch):
    import builtins

    parquet = _write_parquet(tmp_path / "d.parquet", RECORDS)
    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError("No module named 'pyarrow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    result = run_cli("check", parquet)
    assert result.code == 2
    assert "pip install 'sftlint[parquet]'" in result.err
    # piped in: the same error, said of standard input (not of the copy on disk)
    piped = run_cli("check", "-", stdin=parquet.read_bytes())
    assert piped.code == 2 and "pip install 'sftlint[parquet]'" in piped.err
    assert "sftlint-stdin" not in piped.err and piped.err.startswith("sftlint: error: -:")


def test_a_truncated_zstd_file_is_j003_not_an_empty_or_shorter_file(tmp_path):
    """zstandard's stream reader ends in silence where the input ends inside a frame: a cut
    `.zst` read as a shorter file, or as an empty one (J006, exit 0).  It is J003 after the
    records read, as a cut `.gz` is; a file of several frames is read whole."""
    zstandard = pytest.importorskip("zstandard")
    jsonl = write_jsonl(tmp_path / "d.jsonl", RECORDS * 30).read_bytes()
    whole = zstandard.ZstdCompressor().compress(jsonl)
    for cut in (len(whole) // 2, len(whole) - 1, 20):
        zst = tmp_path / "cut.jsonl.zst"
        zst.write_bytes(whole[:cut])
        r = run_cli("check", "--output-format", "json", "--select", "J", zst)
        j003 = [d for d in r.json() if d["code"] == "J003"]
        assert r.code == 1 and len(j003) == 1 and "compressed data is damaged" in j003[0]["message"]
        assert not [d for d in r.json() if d["code"] == "J006"]
    frames = tmp_path / "frames.jsonl.zst"
    c = zstandard.ZstdCompressor()
    half = jsonl.index(b"\n", len(jsonl) // 2) + 1
    frames.write_bytes(c.compress(jsonl[:half]) + c.compress(jsonl[half:]))
    assert _keys(sftlint.lint(frames)) == _keys(sftlint.lint(tmp_path / "d.jsonl"))
    assert sum(1 for _ in sftlint.load_records(str(frames))) == len(RECORDS) * 30
