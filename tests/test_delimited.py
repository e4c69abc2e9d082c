"""CSV and TSV files read as records (sftlint.delimited): what a row becomes, where its findings
point, and the damaged rows and bytes that pandas and ``datasets`` stop at."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import run_cli

import sftlint
from sftlint.files import FileSelection, expand_paths
from sftlint.fixes import can_rewrite

ALPACA_ROWS = [
    {
        "instruction": "把下面的句子翻译成英文",
        "input": "今天天气很好",
        "output": "The weather is nice today.",
    },
    {"instruction": "写一首关于春天的诗", "input": "", "output": "春风拂面柳丝长，\n桃花朵朵映斜阳。"},
    {"instruction": "介绍一下北京", "input": "", "output": ""},
    {"instruction": "列出三种常见的水果", "input": "", "output": "苹果、香蕉和"},
]


def _write_csv(path, header, rows, **kw):
    with open(path, "w", newline="", encoding=kw.pop("encoding", "utf-8")) as fh:
        writer = csv.writer(fh, **kw)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _alpaca_csv(path):
    header = ["instruction", "input", "output"]
    return _write_csv(path, header, [[r[k] for k in header] for r in ALPACA_ROWS], encoding="utf-8-sig")


def _found(path, **kw):
    return [(d.code, d.line, d.pointer) for d in sftlint.lint(str(path), **kw) if d.severity != "info"]


def test_an_alpaca_csv_is_linted_as_its_jsonl_would_be(tmp_path):
    # Excel's "CSV UTF-8" (a byte-order mark) with a quoted cell holding a line break
    got = _found(_alpaca_csv(tmp_path / "alpaca.csv"))
    jsonl = tmp_path / "alpaca.jsonl"
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ALPACA_ROWS) + "\n")
    as_json = _found(jsonl)
    assert sorted((c, p) for c, _, p in got) == sorted((c, p) for c, _, p in as_json)
    # the empty reply (S003) and the reply cut after 和 (T006), on the lines their rows start:
    # header 1, rows 2, 3-4 (the poem's line break), 5, 6
    assert ("S003", 5, "/output") in got
    assert ("T006", 6, "/output") in got
    assert not any(code.startswith("J") for code, _, _ in got)  # the BOM is Excel's, not a defect


def test_a_messages_column_of_json_text_is_read_as_the_conversation(tmp_path):
    good = [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好！有什么可以帮您？"}]
    two_users = [{"role": "user", "content": "在吗"}, {"role": "user", "content": "在吗"}]
    path = _write_csv(
        tmp_path / "chat.csv",
        ["id", "messages"],
        [[1, json.dumps(good, ensure_ascii=False)], [2, json.dumps(two_users, ensure_ascii=False)]],
    )
    got = _found(path)
    assert {(c, line) for c, line, _ in got} == {("S004", 3), ("S005", 3)}
    assert all(p.startswith("/messages/1") for _, _, p in got)


def test_an_answer_that_is_json_stays_text_outside_the_structured_columns(tmp_path):
    # a model taught to answer in JSON: the output cell is a string, as Alpaca's schema wants;
    # a key written twice inside it is the answer's text, not a duplicate key of the record (J005
    # scans a record's JSON source, and a row's source is CSV)
    path = _write_csv(
        tmp_path / "json_answers.csv",
        ["instruction", "output"],
        [
            ["把订单信息写成JSON", '{"order": 1024, "status": "已发货"}'],
            ["写一个有重复键的字典", '{"a": 1, "a": 2}'],
            # CodeAlpaca's: JSON escaped inside a cell reads, to a JSON scanner, as keys `""`
            ["Parse it.", r'"[{\"name\":\"john\",\"age\":25},{\"name\":\"jane\",\"age\":35}]"'],
        ],
    )
    assert _found(path, select=["ALL"]) == []


def test_damaged_rows_are_j001_each_and_the_run_goes_on(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(
        "prompt,completion\n"
        '"What is 2+2?",4\n'
        "What, is this,extra\n"  # three cells under a two-column header
        '"a stray "quote" here",z\n'  # a quote inside a quoted cell, not doubled
        "Name a colour,\n"  # an empty completion, read after the damage
    )
    got = _found(path)
    j001 = [line for code, line, _ in got if code == "J001"]
    assert j001 == [3, 4]
    assert ("S003", 5, "/completion") in got
    messages = [d.message for d in sftlint.lint(str(path)) if d.code == "J001"]
    assert "3 cells where the header names 2" in messages[0]


def test_bytes_that_are_not_utf8_are_j003_on_their_row_and_the_row_is_read(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("query,response\n你好,您好\n".encode() + b"caf\xe9,ok\n" + "在吗,\n".encode())
    got = _found(path)
    assert ("J003", 3, "") in [(c, line, p or "") for c, line, p in got]
    assert ("S003", 4, "/response") in got


def test_a_utf16_file_and_a_header_without_rows(tmp_path):
    utf16 = tmp_path / "excel.csv"
    utf16.write_bytes("instruction,output\n你好,您好\n".encode("utf-16"))
    assert [c for c, _, _ in _found(utf16)] == ["J003"]
    header_only = tmp_path / "empty.tsv"
    header_only.write_text("query\tresponse\n\n")
    assert [c for c, _, _ in _found(header_only)] == ["J006"]


def test_a_column_named_twice_is_j005_on_the_header_and_read_as_pandas_reads_it(tmp_path):
    # pandas (and so `datasets`) keeps the first `output` under its name and reads the second
    # as `output.1`; the rows are linted with the keys a loader gives them
    path = _write_csv(
        tmp_path / "dup.csv",
        ["instruction", "input", "output", "output"],
        [["你好", "", "你好！", "您好！<|im_end|>"], ["写一句诗", "", "", "春眠不觉晓"]],
    )
    diags = [d for d in sftlint.lint(str(path)) if d.severity != "info"]
    j005 = [d for d in diags if d.code == "J005"]
    assert [(d.line, d.column) for d in j005] == [(1, len("instruction,input,output,") + 1)]
    assert "'output' is named twice" in j005[0].message and "'output.1'" in j005[0].message
    # the first `output` is the reply: the second row's is empty (S003), and the template token
    # in the second column is not in a reply any format reads
    assert ("S003", 3, "/output") in [(d.code, d.line, d.pointer) for d in diags]
    assert not [d for d in diags if d.code == "S008"]
    # one header with three of a name, and a name that is already `x.1`
    from sftlint.delimited import _mangle_duplicates

    header = ["a", "a", "a.1", "a", "b"]
    assert _mangle_duplicates(header) == [(1, "a"), (3, "a")]
    assert header == ["a", "a.2", "a.1", "a.3", "b"]


def test_a_tsv_is_split_at_tabs_and_a_long_cell_is_read_whole(tmp_path):
    reply = "这是一段很长的回答。" * 20_000  # 200,000 characters: above csv's default cell limit
    path = _write_csv(
        tmp_path / "long.tsv", ["query", "response"], [["你好", reply], ["在吗", ""]], delimiter="\t"
    )
    got = _found(path)
    assert ("S003", 3, "/response") in got
    assert not any(code in ("J001", "J007") for code, _, _ in got)


def test_a_walk_takes_the_tables_whose_header_names_a_format(tmp_path):
    _alpaca_csv(tmp_path / "train.csv")
    (tmp_path / "metrics.csv").write_text("epoch,loss\n1,0.52\n2,0.31\n")
    (tmp_path / "pairs.tsv").write_text("prompt\tcompletion\nhi\thello\n")
    from sftlint.formats import looks_like_record

    selection = FileSelection(respect_gitignore=False, is_record=looks_like_record)
    names = sorted(p.rsplit("/", 1)[-1] for p in expand_paths([str(tmp_path)], selection))
    assert names == ["pairs.tsv", "train.csv"]
    # named on the command line a table is always read (it is the user's choice)
    assert _found(tmp_path / "metrics.csv")[0][0] == "S001"


def test_fix_leaves_a_csv_alone(tmp_path):
    path = tmp_path / "fixable.csv"
    path.write_text('instruction,output\n"翻译: hello","你好,世界"\n')
    before = path.read_bytes()
    assert not can_rewrite(str(path))
    result = run_cli("check", path, "--fix", "--no-cache", "--select", "T003")
    assert result.code in (0, 1) and "Traceback" not in result.err, result
    assert path.read_bytes() == before


def test_jobs_2_reads_a_csv_as_jobs_1_does(tmp_path):
    rows = [
        [f"问题{i}：运费谁出？", "" if i % 7 == 0 else f"第{i}条：七天无理由退货的运费由我们承担。"]
        for i in range(300)
    ]
    path = _write_csv(tmp_path / "many.csv", ["instruction", "output"], rows)
    outs = []
    for jobs in ("1", "2"):
        result = run_cli("check", path, "--jobs", jobs, "--no-cache", "--output-format", "json")
        assert result.code == 1, result
        outs.append(result.json())
    assert outs[0] == outs[1]
    assert sum(1 for d in outs[0] if d["code"] == "S003") == 43


def test_a_list_column_written_by_pandas_is_reported_and_still_linted(tmp_path):
    # df.to_csv() writes a list column as Python's repr (single quotes), and its index first
    reply_cut = "退货的运费由我们承担，以及"
    conversations = [
        [
            {"role": "user", "content": "运费谁出？"},
            {"role": "assistant", "content": "七天无理由退货的运费由我们承担。"},
        ],
        [{"role": "user", "content": "退货运费呢？"}, {"role": "assistant", "content": reply_cut}],
    ]
    path = _write_csv(
        tmp_path / "pandas.csv", ["", "messages"], [[i, str(c)] for i, c in enumerate(conversations)]
    )
    got = _found(path)
    assert [line for code, line, _ in got if code == "J001"] == [2, 3]
    assert ("T006", 3, "/messages/1/content") in got  # the conversation itself is linted
    message = next(d.message for d in sftlint.lint(str(path)) if d.code == "J001")
    assert "Python's repr" in message and "json.dumps" in message


def test_a_finding_points_at_its_exact_line_and_column_in_the_table(tmp_path):
    # cells with commas, doubled quotes and line breaks before the flagged text
    outputs = [
        "您好&amp;欢迎光临。",
        '他说"好的",然后\n又说&amp;再见。',
        'a,b,"c"\r\n第二行\n第三行：“引号”&amp;结束。',
        "&amp;开头就是。",
    ]
    rows = [[f"问题{i}", "上下文，有逗号" if i % 2 else "", out] for i, out in enumerate(outputs)]
    path = _write_csv(tmp_path / "where.csv", ["instruction", "input", "output"], rows)
    lines = path.read_text(encoding="utf-8").split("\n")
    found = [d for d in sftlint.lint(str(path), select=["T007"])]
    assert len(found) == len(outputs)
    for d in found:
        assert d.pointer == "/output"
        assert lines[d.line - 1][d.column - 1 :].startswith("&amp;"), (d.line, d.column)
        assert (d.end_line, d.end_column) == (d.line, d.column + 5)


def test_a_finding_inside_a_json_cell_points_at_its_text_in_the_table(tmp_path):
    """Through the JSON text's escapes (\\n, \\", \\u escapes of ensure_ascii) and then the
    cell's doubled quotes: the line and column are the flagged text's, and the excerpt shows it."""
    conversations = [
        [
            {"role": "user", "content": 'He said "hi"\nthen asked for {{name}}'},
            {"role": "assistant", "content": "好的，{{name}} 您好。"},
        ],
        [
            {"role": "user", "content": "多行\n问题"},
            {"role": "assistant", "content": "第二行\n请联系{{phone}}。"},
        ],
    ]
    rows = [[i, json.dumps(c, ensure_ascii=bool(i))] for i, c in enumerate(conversations)]
    path = _write_csv(tmp_path / "chat.csv", ["id", "messages"], rows)
    lines = path.read_text(encoding="utf-8").split("\n")
    found = [d for d in sftlint.lint(str(path), select=["S007"])]
    assert [d.pointer for d in found] == ["/messages/0/content", "/messages/1/content", "/messages/1/content"]
    for d in found:
        flagged = d.source[d.source_span[0] : d.source_span[1]]
        assert flagged.startswith("{{") and flagged.endswith("}}")
        # the placeholders are ASCII, so written alike with and without ensure_ascii
        assert lines[d.line - 1][d.column - 1 :].startswith(flagged), (d.line, d.column)
        assert (d.end_line, d.end_column) == (d.line, d.column + len(flagged))
    # a value the cell's text does not hold at a pointer (a Python repr cell) is the whole cell
    path = _write_csv(tmp_path / "repr.csv", ["messages"], [[str(conversations[1])]])
    (d,) = [d for d in sftlint.lint(str(path), select=["S007"])]
    assert (d.line, d.column) == (2, 1)


def test_a_text_cell_finding_shows_the_cell_text_around_it(tmp_path):
    path = _write_csv(
        tmp_path / "t.csv", ["instruction", "output"], [["问候", '您好，"{{user}}"，欢迎光临。']]
    )
    (d,) = [d for d in sftlint.lint(str(path), select=["S007"])]
    assert d.source == '您好，"{{user}}"，欢迎光临。'
    assert d.source[d.source_span[0] : d.source_span[1]] == "{{user}}"
    line = path.read_text(encoding="utf-8").split("\n")[d.line - 1]
    assert line[d.column - 1 :].startswith("{{user}}")


def test_cell_bounds_and_offsets_agree_with_the_csv_module():
    from sftlint.delimited import _cell_bounds, _source_offset

    values = ["", "plain", "with,comma", 'with "quotes"', "two\nlines", '"', ",", "中文，全角"]
    for a in values:
        for b in values:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow([a, b])
            text = buf.getvalue().removesuffix("\n")
            bounds = _cell_bounds(text, ",")
            assert len(bounds) == 2
            for value, (start, end, quoted) in zip((a, b), bounds, strict=True):
                rebuilt = "".join(
                    text[_source_offset(text, start, end, quoted, k)] for k in range(len(value))
                )
                assert rebuilt == value, (a, b, text)


def test_a_messages_cell_nested_too_deep_is_j007_not_a_crash(tmp_path):
    deep = "[" * 5000 + "]" * 5000
    path = _write_csv(tmp_path / "deep.csv", ["messages"], [[deep], ['[{"role": "user", "content": "hi"}]']])
    got = _found(path, select=["J007", "S005"])
    assert ("J007", 2, None) in [(c, line, p or None) for c, line, p in got]
    assert ("S005", 3) in [(c, line) for c, line, _ in got]  # the next row is read


def test_a_table_on_standard_input_is_read_by_its_stdin_filename(tmp_path):
    answer = "七天无理由退货的运费由我们承担，请您放心寄回，收到后三个工作日内退款到原支付账户。"
    rows = [
        [
            f"第{i}个问题：请问关于订单{i}的物流信息在哪里可以查到？",
            f"您好，订单{i}的物流信息可以在我的订单页面查看。",
        ]
        for i in range(60)
    ]
    rows += [["请问退货的运费由谁来承担呢？", answer], ["请问退货的运费由谁来承担？", answer]]  # near-copies
    path = _write_csv(tmp_path / "stdin.csv", ["instruction", "output"], rows)
    as_file = run_cli("check", path, "--no-cache", "--output-format", "json")
    piped = run_cli(
        "check",
        "-",
        "--stdin-filename",
        path,
        "--no-cache",
        "--output-format",
        "json",
        stdin=path.read_bytes(),
    )
    assert piped.code == as_file.code, piped
    got, expected = piped.json(), as_file.json()
    assert [(d["code"], d["line"], d["column"]) for d in got] == [
        (d["code"], d["line"], d["column"]) for d in expected
    ]
    assert any(d["code"] == "D002" for d in got)  # D002 reads the records again: from the copy, as a table


@pytest.mark.parametrize("name", ["wild/lf_alpaca_en_demo.json", "sft/llamafactory_alpaca_zh_demo.json"])
def test_real_alpaca_data_as_a_table_gets_the_findings_of_its_json(shared_data, name, tmp_path):
    records = json.loads((shared_data / name).read_text(encoding="utf-8"))
    header = list(records[0])
    table = _write_csv(tmp_path / "data.csv", header, [[r.get(k, "") for k in header] for r in records])
    array = tmp_path / "data.json"
    array.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")

    def what(path):  # the findings without their lines (a table's rows span other lines)
        return sorted(
            (d.code, d.record, d.pointer, d.span, d.message.split(" at line")[0].split("record at line")[0])
            for d in sftlint.lint(str(path))
        )

    found = what(table)
    assert found and found == what(array)
    # and each finding in a cell is where the table holds it
    lines = table.read_text(encoding="utf-8").split("\n")
    for d in sftlint.lint(str(table), select=["ALL"]):
        if d.span and d.column and d.pointer.count("/") == 1:
            value = records[d.record][d.pointer[1:]]
            flagged = value[d.span[0] : d.span[1]].split("\n")[0]
            assert lines[d.line - 1][d.column - 1 :].replace('""', '"').startswith(flagged), d


def test_fix_says_it_leaves_a_csv_or_a_gz_file_alone(tmp_path):
    """Asked to fix, a file --fix cannot rewrite is named on stderr, not left to be guessed."""
    import gzip

    csv_path = tmp_path / "fixable.csv"
    csv_path.write_text('instruction,output\n"翻译: hello","你好\u200b世界"\n', encoding="utf-8")
    gz = tmp_path / "a.jsonl.gz"
    rec = {"messages": [{"role": "user", "content": "在吗"}, {"role": "assistant", "content": "在\u200b的"}]}
    gz.write_bytes(gzip.compress((json.dumps(rec, ensure_ascii=False) + "\n").encode()))
    r = run_cli("check", "--fix", "--no-cache", csv_path, gz)
    assert r.code == 1
    for p in (csv_path, gz):
        assert f"sftlint: note: {p}: --fix does not rewrite" in r.err
    assert "note" not in run_cli("check", "--no-cache", csv_path, gz).err
