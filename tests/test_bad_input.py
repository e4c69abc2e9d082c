"""Bad input is a finding (or a clear error), never a traceback; exit codes stay truthful."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import chat, run_cli

GOOD = json.dumps(chat(("user", "在吗？"), ("assistant", "在的，请问有什么可以帮您？")), ensure_ascii=False)


def check(path, *extra):
    result = run_cli("check", "--output-format", "json", "--no-color", "--select", "J,S", *extra, path)
    assert "Traceback" not in result.err, result
    return result


def found(result) -> list[tuple[str, int]]:
    return [(d["code"], d["line"]) for d in result.json()]


def test_empty_file(tmp_path):
    p = tmp_path / "empty.jsonl"
    p.write_bytes(b"")
    r = check(p)
    assert found(r) == [("J006", 1)]
    assert r.code == 0  # a warning does not fail the run


def test_only_blank_lines(tmp_path):
    p = tmp_path / "blank.jsonl"
    p.write_bytes(b"\n  \n\n")
    r = check(p)
    assert sorted(found(r)) == [("J004", 1), ("J006", 1)]  # one J004 for the run of three
    (j004,) = [d for d in r.json() if d["code"] == "J004"]
    assert (j004["line"], j004["end_line"]) == (1, 3)
    assert j004["message"].startswith("3 blank lines")
    assert r.code == 0
    assert check(p, "--fail-on", "warning").code == 1


def test_blank_line_between_records_and_trailing_newlines(tmp_path):
    p = tmp_path / "gap.jsonl"
    p.write_text(f"{GOOD}\n\n{GOOD}\n\n\n", encoding="utf-8")
    # the gap is reported; blank lines after the last record are an editor artefact
    assert found(check(p)) == [("J004", 2)]


def test_bom_is_reported_and_the_record_still_linted(tmp_path):
    p = tmp_path / "bom.jsonl"
    bad = json.dumps(chat(("user", "你好"), ("user", "在吗")), ensure_ascii=False)
    p.write_bytes(b"\xef\xbb\xbf" + bad.encode() + b"\n")
    r = check(p)
    assert ("J003", 1) in found(r)
    assert any(code == "S004" for code, _ in found(r)), "the record after the BOM is still checked"
    assert r.code == 1


def test_invalid_utf8_names_the_byte_offset_and_goes_on(tmp_path):
    p = tmp_path / "latin1.jsonl"
    bad = '{"messages": [{"role": "user", "content": "café"}]}'.encode("latin-1")
    p.write_bytes(GOOD.encode() + b"\n" + bad + b"\n" + GOOD.encode() + b"\n")
    r = check(p)
    diags = r.json()
    assert [(d["code"], d["line"]) for d in diags] == [("J003", 2)]
    assert f"byte offset {bad.index(0xE9)}" in diags[0]["message"]
    assert diags[0]["column"] == bad.index(0xE9) + 1
    assert r.code == 1


def test_nul_bytes(tmp_path):
    p = tmp_path / "nul.jsonl"
    p.write_bytes(GOOD.encode() + b"\n" + b'{"messages": \x00}\n')
    r = check(p)
    assert found(r) == [("J003", 2)]
    assert "NUL" in r.json()[0]["message"]


@pytest.mark.parametrize(
    ("escape", "where"),
    [
        (r"\ud800", "alone"),
        (r"\udc00", "a low half first"),
        (r"\ud83d\u0041", "a high half followed by another character"),
        (r"\ud800\ud800", "two high halves"),
    ],
)
def test_a_lone_surrogate_escape_is_bad_encoding_at_its_column(tmp_path, escape, where):
    r"""JSON's grammar allows any \uXXXX, but half of a surrogate pair encodes no character:
    J003 (what UTF-8 cannot hold), at the escape, naming it; not J001's generic parse error."""
    line = (
        '{"messages": [{"role": "user", "content": "hi ESC there"}, {"role": "assistant", "content": "ok"}]}'
    )
    bad = line.replace("ESC", escape)
    for name, text, at in (
        ("lines.jsonl", f"{GOOD}\n{bad}\n{GOOD}\n", 2),
        ("array.json", f"[\n{GOOD},\n{bad},\n{GOOD}\n]\n", 3),
    ):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        r = check(p)
        diags = r.json()
        assert [(d["code"], d["line"]) for d in diags] == [("J003", at)], (where, name, diags)
        assert diags[0]["column"] == bad.index("\\u") + 1
        assert f"“{escape[:6]}”" in diags[0]["message"] and "surrogate" in diags[0]["message"]


def test_a_lone_surrogate_in_a_record_spread_over_lines_is_one_j001_and_one_j003(tmp_path):
    """A pretty-printed record that only a lone surrogate keeps from parsing: J001 once for the
    lines it spans, J003 at the escape's own line and column, and the next record read."""
    second = '  {"role": "user", "content": "hi \\udc00 there"},'
    p = tmp_path / "pretty.jsonl"
    p.write_text(
        '{"messages": [\n' + second + '\n  {"role": "assistant", "content": "ok"}]}\n' + GOOD + "\n",
        encoding="utf-8",
    )
    diags = check(p).json()
    assert [(d["code"], d["line"]) for d in diags] == [("J001", 1), ("J003", 2)]
    assert "spans lines 1-3" in diags[0]["message"]
    assert diags[1]["column"] == second.index("\\u") + 1 and "“\\udc00”" in diags[1]["message"]


def test_a_whole_surrogate_pair_and_an_escaped_backslash_are_text(tmp_path):
    r"""An emoji written as its pair of escapes is one character; ``\\ud800`` with its backslash
    escaped is the six characters of the text, not an escape."""
    p = tmp_path / "fine.jsonl"
    for content in (r"smile \ud83d\ude00", r"the escape \\ud800 in a regex"):
        rec = '{"messages": [{"role": "user", "content": "X"}, {"role": "assistant", "content": "ok"}]}'
        p.write_text(GOOD + "\n" + rec.replace("X", content) + "\n", encoding="utf-8")
        assert found(check(p)) == []
    # a broken line whose first fault comes before the surrogate is J001's
    p.write_text(GOOD + '\n{"messages": [} "\\ud800"\n', encoding="utf-8")
    assert found(check(p)) == [("J001", 2)]


def test_truncated_last_line(tmp_path):
    p = tmp_path / "cut.jsonl"
    p.write_text(GOOD + "\n" + GOOD[:40], encoding="utf-8")
    r = check(p)
    diags = r.json()
    assert [(d["code"], d["line"]) for d in diags] == [("J001", 2)]
    assert "truncated" in diags[0]["message"]
    assert r.code == 1


@pytest.mark.slow
def test_fifty_megabyte_single_line(tmp_path):
    p = tmp_path / "huge.jsonl"
    big = json.dumps(chat(("user", "请总结下面的日志"), ("assistant", "x" * (50 * 1024 * 1024))))
    p.write_text(big + "\n" + GOOD + "\n", encoding="utf-8")
    r = check(p)
    assert r.code == 0, r
    assert r.json() == [] or all(d["severity"] == "info" for d in r.json())


def test_record_over_the_size_limit_is_skipped_not_loaded(tmp_path):
    p = tmp_path / "big.jsonl"
    p.write_text(json.dumps(chat(("user", "a" * 5000), ("assistant", "b"))) + "\n" + GOOD + "\n")
    r = check(p, "--max-record-bytes", "1000")
    assert found(r) == [("J007", 1)]
    assert r.code == 1


def test_nesting_one_hundred_thousand_deep(tmp_path):
    p = tmp_path / "deep.jsonl"
    p.write_text('{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}\n" + GOOD + "\n")
    r = check(p)
    diags = r.json()
    # valid JSON, but deeper than any record (and than parsers' limits): J007, like a record too large
    assert [(d["code"], d["line"]) for d in diags] == [("J007", 1)]
    assert "deeper than 128 levels" in diags[0]["message"]


def test_non_object_lines(tmp_path):
    p = tmp_path / "scalars.jsonl"
    p.write_text('[1, 2]\n"text"\n42\nnull\n' + GOOD + "\n")
    r = check(p)
    assert found(r) == [("J002", 1), ("J002", 2), ("J002", 3), ("J002", 4)]
    assert "array" in r.json()[0]["message"]
    assert "encoded twice" not in r.json()[1]["message"]  # a plain string


def test_a_record_encoded_twice_is_named_so(tmp_path):
    p = tmp_path / "twice.jsonl"
    record = json.loads(GOOD)
    p.write_text(json.dumps(json.dumps(record, ensure_ascii=False)) + "\n" + '"{not json"\n' + GOOD + "\n")
    r = check(p)
    assert found(r) == [("J002", 1), ("J002", 2)]
    messages = [d["message"] for d in r.json()]
    assert "encoded twice" in messages[0] and "encoded twice" not in messages[1]


def test_duplicate_keys_point_at_the_repeated_key(tmp_path):
    p = tmp_path / "dup.jsonl"
    line = (
        '{"messages": [{"role": "user", "content": "退款多久到账？", "content": "退款多久能到账？"}, '
        '{"role": "assistant", "content": "一般1-3个工作日。"}]}'
    )
    p.write_text(line + "\n", encoding="utf-8")
    r = check(p)
    diags = r.json()
    assert [(d["code"], d["pointer"]) for d in diags] == [("J005", "/messages/0/content")]
    assert diags[0]["column"] == line.index('"退款多久能到账？"') + 1


def test_escaped_quotes_and_colons_are_not_duplicate_keys(tmp_path):
    p = tmp_path / "escaped.jsonl"
    rec = chat(("user", '他说"订单:123":请查询'), ("assistant", '{"name": "查询", "name2": 1}'))
    p.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    assert found(check(p)) == []


def test_pretty_printed_record_is_reported_once_and_still_checked(tmp_path):
    p = tmp_path / "pretty.jsonl"
    rec = chat(("user", "你好"), ("user", "在吗"))
    p.write_text(
        GOOD + "\n" + json.dumps(rec, ensure_ascii=False, indent=2) + "\n" + GOOD + "\n", encoding="utf-8"
    )
    r = check(p)
    diags = r.json()
    j001 = [d for d in diags if d["code"] == "J001"]
    assert len(j001) == 1
    n_lines = len(json.dumps(rec, indent=2).splitlines())
    assert j001[0]["line"] == 2 and j001[0]["end_line"] == 1 + n_lines
    assert f"spans lines 2-{1 + n_lines}" in j001[0]["message"]
    # the record itself was parsed and linted, located at its lines
    s004 = [d for d in diags if d["code"] == "S004"]
    assert len(s004) == 1 and 2 < s004[0]["line"] <= 1 + n_lines


def test_binary_file(tmp_path):
    p = tmp_path / "image.jsonl"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20)
    r = check(p)
    diags = r.json()
    assert len(diags) == 1 and diags[0]["code"] == "J003" and "binary" in diags[0]["message"]
    assert r.code == 1


def test_utf16_file(tmp_path):
    p = tmp_path / "utf16.jsonl"
    p.write_bytes((GOOD + "\n").encode("utf-16"))
    r = check(p)
    assert [d["code"] for d in r.json()] == ["J003"]
    assert "UTF-16" in r.json()[0]["message"]


def test_missing_path_is_a_usage_error(tmp_path):
    r = run_cli("check", str(tmp_path / "nope.jsonl"))
    assert r.code == 2
    assert "no such file" in r.err and "Traceback" not in r.err


def test_missing_path_beside_a_good_one_still_exits_2(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(GOOD + "\n", encoding="utf-8")
    r = run_cli("check", good, tmp_path / "nope.jsonl")
    assert r.code == 2
    assert "nope.jsonl" in r.err


def test_directory_without_data(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    r = run_cli("check", tmp_path)
    assert r.code == 2
    assert "no data files" in r.err


def test_gzip_and_stdin(tmp_path):
    bad = json.dumps(chat(("user", "你好")), ensure_ascii=False)
    p = tmp_path / "data.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write(GOOD + "\n" + bad + "\n")
    assert found(check(p)) == [("S005", 2)]
    r = run_cli(
        "check", "--output-format", "json", "--select", "J,S", "-", stdin=(GOOD + "\n" + bad + "\n").encode()
    )
    assert [(d["code"], d["line"], d["path"]) for d in r.json()] == [("S005", 2, "-")]


def test_corrupt_gzip_is_reported(tmp_path):
    p = tmp_path / "broken.jsonl.gz"
    p.write_bytes(gzip.compress((GOOD + "\n").encode() * 50)[:60])
    r = check(p)
    assert r.code in (1, 2)
    assert r.json() or r.err


def test_json_array_records_are_located_where_they_start(tmp_path):
    p = tmp_path / "data.json"
    records = [chat(("user", "你好"), ("assistant", "您好")), chat(("user", "在吗"))]
    p.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    r = check(p)
    diags = r.json()
    assert [d["code"] for d in diags] == ["S005"]
    text = p.read_text(encoding="utf-8").splitlines()
    assert text[diags[0]["line"] - 1].strip().startswith('"role": "user"')
    assert diags[0]["record"] == 1


def test_broken_json_array(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text('[\n  {"messages": []},\n  {"messages": [}\n]\n')
    r = check(p)
    codes = [(d["code"], d["line"]) for d in r.json()]
    assert ("J001", 3) in codes
    assert r.code == 1


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_json_array_elements_that_cross_read_chunks_keep_their_lines(tmp_path, monkeypatch, chunk):
    """An element that straddles two reads of the array reader is read whole and located at the
    line where it starts (a stale start once made it an empty J001 and lost the record)."""
    import json as _json

    import sftlint
    from sftlint import reader

    monkeypatch.setattr(reader, "ARRAY_CHUNK", chunk)
    rows = [
        {
            "instruction": f"问题{i}：请解释牛顿第三定律。",
            "input": "",
            "output": f"作用力与反作用力大小相等、方向相反（{i}）。",
        }
        for i in range(12)
    ]
    f = tmp_path / "a.json"
    f.write_text(_json.dumps(rows, ensure_ascii=False, indent=4), encoding="utf-8")  # no final newline
    text = f.read_text(encoding="utf-8").splitlines()
    starts = [n for n, line in enumerate(text, 1) if line == "    {"]
    records = list(sftlint.load_records(f))
    assert [r.line for r in records] == starts
    assert [r.data for r in records] == rows
    assert [d.code for d in sftlint.lint(str(f), select=["J"])] == []


def _array_with_an_unterminated_string(indent: int | None) -> tuple[str, int]:
    """Four records, the second's reply missing its closing quote; the fourth has two user
    turns in a row (S004), which is only found when reading goes on past the broken one."""
    records = [
        chat(("user", "问题一"), ("assistant", "回答一")),
        chat(("user", "问题二"), ("assistant", "回答二")),
        chat(("user", "问题三"), ("assistant", "回答三")),
        chat(("user", "问题四"), ("user", "还在吗"), ("assistant", "在的")),
    ]
    if indent is None:
        text = "[\n" + ",\n".join(json.dumps(x, ensure_ascii=False) for x in records) + "\n]\n"
    else:
        text = json.dumps(records, ensure_ascii=False, indent=indent) + "\n"
    broken = text.replace('"回答二"', '"回答二', 1)
    line = broken[: broken.index('"回答二')].count("\n") + 1
    return broken, line


@pytest.mark.parametrize("indent", [None, 2, 4])
def test_an_unterminated_string_in_a_json_array_does_not_swallow_the_rest(tmp_path, indent):
    """JSON strings hold no raw line break: the string ends at its line, and the records after
    it are still read (before, every quote after it paired wrongly and the file was 'truncated')."""
    text, broken_line = _array_with_an_unterminated_string(indent)
    p = tmp_path / "broken.json"
    p.write_text(text, encoding="utf-8")
    r = check(p)
    diags = r.json()
    (j001,) = [d for d in diags if d["code"] == "J001"]
    assert j001["line"] == broken_line and j001["record"] == 1
    assert "unterminated string" in j001["message"]
    (s004,) = [d for d in diags if d["code"] == "S004"]
    assert s004["record"] == 3  # the fourth record keeps its own index
    assert r.code == 1
    assert check(p, "--jobs", "2").out == r.out


def test_line_breaks_written_as_escapes_are_not_unterminated_strings(tmp_path):
    """The clean twin: escaped line breaks and quotes in strings, pretty-printed."""
    records = [chat(("user", '第一行\n第二行 "引号"'), ("assistant", "好的\n\n- 一\n- 二"))] * 3
    p = tmp_path / "ok.json"
    p.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    r = check(p)
    assert [d["code"] for d in r.json() if d["code"].startswith("J")] == []


@pytest.mark.parametrize("name", ["train.jsonl", "train.json"])
def test_a_git_lfs_pointer_is_named_as_one(tmp_path, name):
    """A dataset repository cloned without git-lfs holds pointer files: one finding that says so
    and how to get the data, not an invalid-JSON error per line."""
    pointer = tmp_path / name
    pointer.write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:2df9083338b4abd6bceb5635764dab5d833b393b55759dffb0959b6fcbf794ec\n"
        "size 13085339\n",
        encoding="utf-8",
    )
    result = run_cli("check", pointer, "--output-format", "json")
    found = result.json()
    assert result.code == 1 and [d["code"] for d in found] == ["J001"]
    assert (
        "Git LFS pointer for 13,085,339 bytes" in found[0]["message"]
        and "git lfs pull" in found[0]["message"]
    )


def test_records_separated_by_a_bare_carriage_return_are_named_so(tmp_path):
    """Old Mac line ends (a bare ``\\r``) make one line of the records, which JSON reads as blank
    space between documents: J001 says so, not only "unexpected content after document", and
    ``--fix`` leaves the bytes alone.  A ``\\r\\n`` line end and a ``\\r`` inside a record are fine."""
    p = tmp_path / "mac.jsonl"
    data = (GOOD + "\r" + GOOD + "\r" + GOOD + "\r\n" + GOOD.replace(", ", ",\r ") + "\n").encode()
    p.write_bytes(data)
    r = check(p)
    (d,) = r.json()
    assert (d["code"], d["line"]) == ("J001", 1) and r.code == 1
    assert "bare carriage return (\\r, 2 on this line)" in d["message"]
    assert run_cli("check", "--fix", "--select", "J,S", str(p)).code == 1 and p.read_bytes() == data
    other = tmp_path / "other.jsonl"
    other.write_text(GOOD + " " + GOOD + "\n", encoding="utf-8")
    (d,) = check(other).json()
    assert d["message"] == "unexpected content after document"
