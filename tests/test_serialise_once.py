"""A record is serialised once (issue 19): J005 counts colons in the canonical JSON the content
hash is of, and the reader counts a line's brackets (the nesting check) and its colons (J005's)
in one pass; findings and hashes as before."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.hashing import canonical_hash, canonical_json, record_hash
from sftlint.jsonscan import brackets_and_colons, scan_value, skip_ws, too_deep


def _nested(depth: int, leaf: str = '"好"') -> str:
    """A record whose messages hold a value nested ``depth`` levels in all (record included)."""
    inner = leaf
    for k in range(depth - 3):
        inner = f'{{"k{k}": {inner}}}' if k % 2 else f"[{inner}]"
    return '{"messages": [{"role": "user", "content": "你好", "meta": ' + inner + "}]}"


def _depth(text: str) -> int:
    return scan_value(text, skip_ws(text, 0))[1]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from('[]{}"\\:a中, '), max_size=400), st.integers(0, 40))
def test_brackets_counted_in_one_pass_as_two_counts_do(text, limit):
    """Bytes (one ``translate`` pass) answer as text (two ``count`` passes) on any text,
    brackets inside strings included."""
    assert too_deep(text.encode("utf-8"), limit) == too_deep(text, limit)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from('[]{}"\\:a中, '), max_size=400))
def test_brackets_and_colons_counted_in_one_pass_as_three_counts_do(text):
    line = text.encode("utf-8")
    assert brackets_and_colons(line) == (line.count(b"[") + line.count(b"{"), line.count(b":"))


def test_the_reader_gives_each_line_its_colons(tmp_path):
    """J005 compares the colons the reader counted with the canonical JSON's: they are the
    line's own, after a byte-order mark is cut."""
    from sftlint.reader import read_jsonl

    path = tmp_path / "chat.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(_RECORDS).encode("utf-8") + b"\n")
    lines = path.read_bytes()[3:].splitlines()
    with path.open("rb") as fh:
        raws = [r for r in read_jsonl(fh, str(path)) if r.parsed]
    assert len(raws) == len(_RECORDS) - 1  # the one nested too deep is not parsed
    for raw in raws:
        assert raw.raw_bytes == lines[raw.line - 1]
        assert raw.colons == raw.raw_bytes.count(b":")


def test_nesting_at_and_past_the_limit():
    for depth in (3, 20, 127, 128, 129, 200):
        line = _nested(depth)
        assert _depth(line) == depth
        assert too_deep(line.encode(), 128) is (depth > 128)
        assert too_deep(line, 128) is (depth > 128)
    # many brackets, shallow: past the count, the scan says no
    flat = '{"messages": [' + ", ".join(['{"role": "user", "content": "[{"}'] * 300) + "]}"
    assert not too_deep(flat.encode(), 128)


_RECORDS = [
    # clean, key order as exported
    '{"messages": [{"role": "user", "content": "退款多久到账？"}, {"role": "assistant", "content": "一般1-3个工作日到账。"}]}',
    # the same record, keys in another order and spaced: the same content hash (D001)
    '{"messages":[{"content":"退款多久到账？","role":"user"},{"content":"一般1-3个工作日到账。","role":"assistant"}]}',
    # a key twice (J005)
    '{"messages": [{"role": "user", "content": "退款多久到账？", "content": "退款多久能到账？"}, {"role": "assistant", "content": "一般1-3个工作日到账。"}]}',
    # a key twice deep inside a tool call's arguments
    '{"messages": [{"role": "user", "content": "查天气"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "北京", "unit": {"c": 1, "c": 2}}}}]}, {"role": "tool", "content": "晴"}, {"role": "assistant", "content": "北京今天晴。"}]}',
    # colons in text, an escaped colon (\\u003a), no duplicate
    '{"messages": [{"role": "user", "content": "时间格式 12:30 和 a\\u003ab"}, {"role": "assistant", "content": "好的：12:30。"}]}',
    # deep but within the limit, with a duplicate key at the bottom
    _nested(120, '{"x": 1, "x": 2}'),
    # too deep (J007, not parsed)
    _nested(140),
]


def _lint(path: str, select: list[str]) -> list:
    from sftlint.api import _settings
    from sftlint.engine import Engine, iter_diagnostics

    engine = Engine(_settings([path], None, select, None, None, None, None), want_hashes=True)
    return list(iter_diagnostics(engine, [path]))


def _key(d) -> tuple:
    return (d.code, d.line, d.column, d.pointer, d.message, d.record_hash)


def test_findings_and_hashes_as_when_the_record_was_written_twice(tmp_path):
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(_RECORDS) + "\n", encoding="utf-8")
    lines = path.read_bytes().splitlines()
    with_j005 = _lint(str(path), ["J", "D001"])
    codes = {(d.code, d.line) for d in with_j005}
    assert ("J005", 3) in codes and ("J005", 4) in codes and ("J005", 6) in codes
    assert ("J007", 7) in codes and ("D001", 2) in codes
    assert not any(d.code == "J005" for d in with_j005 if d.line in (1, 2, 5))
    for d in with_j005:
        if d.line == 7:  # not parsed: the hash of its bytes
            continue
        expected = record_hash(orjson.loads(lines[d.line - 1]))
        assert d.record_hash in (expected, expected[:16]), d
    # without J005 the hash is written by the record itself: the same
    without = _lint(str(path), ["D001"])
    assert [_key(d) for d in without] == [_key(d) for d in with_j005 if d.code == "D001"]


def test_canonical_bytes_are_those_the_hash_is_of():
    for line in _RECORDS[:-1]:
        data = orjson.loads(line)
        canonical = canonical_json(data)
        assert canonical_hash(canonical) == record_hash(data)
        # sorting moves no colon: J005's count is the one of the unsorted serialisation
        assert canonical.count(b":") == orjson.dumps(data).count(b":")


def test_a_parsed_copy_is_written_and_the_records_strings_keep_their_size(tmp_path):
    """orjson keeps the UTF-8 form of each non-ASCII string it writes inside the string; the
    content hash is written from a copy parsed again from the record's bytes, so the strings the
    rules keep (memo keys: the turns' texts) do not grow by 3 bytes a character of Chinese.
    The hashes are those of the record itself."""
    import sys

    from sftlint.config import Settings
    from sftlint.engine import Engine
    from sftlint.hashing import parsed_copy
    from sftlint.reader import read_source

    text = "请问社保卡丢了以后应该怎么补办，需要带哪些材料？" * 20
    record = {
        "messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "好的。" + text}]
    }
    path = tmp_path / "zh.jsonl"
    path.write_bytes(orjson.dumps(record) + b"\n")
    fresh = sys.getsizeof(orjson.loads(orjson.dumps(text)))
    for select in (["J", "D"], ["D"]):  # the hash written by J005, or by the record itself
        engine = Engine(Settings(select=select), want_hashes=True)
        raws = read_source(str(path), 1 << 20)
        state, stream = engine.start_file(raws, str(path))
        for raw in stream:
            kept = [m["content"] for m in raw.data["messages"]]
            list(engine.process(raw, state))
            assert [sys.getsizeof(s) for s in kept] == [fresh, sys.getsizeof("好的。" + text)], select
        list(engine.finish())
    # the copy, and the data itself where the text is not its source
    line = orjson.dumps(record)
    assert parsed_copy(record, line) == record and parsed_copy(record, line) is not record
    other = {"messages": []}
    assert parsed_copy(other, line) is other and parsed_copy(other, b"{not json") is other
    assert parsed_copy(other, None) is other
    assert canonical_json(parsed_copy(record, line)) == canonical_json(record)
