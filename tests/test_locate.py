"""Pointers and spans map to the right physical line and column, through escapes."""

from __future__ import annotations

import json
from contextlib import contextmanager

from hypothesis import given
from hypothesis import strategies as st

import sftlint.locate
from sftlint.locate import Locator, _StringMap, find_value, raw_offsets


def test_find_value_follows_objects_and_arrays():
    text = '{"a": [1, {"b": "x"}], "c": "中文"}'
    start, end = find_value(text, "/a/1/b")
    assert text[start:end] == '"x"'
    start, end = find_value(text, "/c")
    assert text[start:end] == '"中文"'
    assert find_value(text, "/missing") is None
    assert find_value(text, "/a/7") is None


def test_pointer_tokens_are_unescaped():
    text = json.dumps({"a/b": {"~k": "v"}})
    start, end = find_value(text, "/a~1b/~0k")
    assert text[start:end] == '"v"'


def test_last_duplicate_key_wins_like_the_parser():
    text = '{"k": "first", "k": "second"}'
    start, end = find_value(text, "/k")
    assert text[start:end] == '"second"'


def test_span_through_escapes():
    value = '他说："订单\n已发货"\t😀完成'
    literal = json.dumps(value)  # ASCII escapes everywhere, surrogate pair for the emoji
    target = value.index("完成")
    rs, re_ = raw_offsets(literal, (target, target + 2))
    assert json.loads('"' + literal[rs:re_] + '"') == "完成"


@given(st.text(min_size=1, max_size=40), st.data())
def test_span_round_trip_for_any_string(value, data):
    start = data.draw(st.integers(0, len(value)))
    end = data.draw(st.integers(start, len(value)))
    for ensure_ascii in (True, False):
        literal = json.dumps(value, ensure_ascii=ensure_ascii)
        rs, re_ = raw_offsets(literal, (start, end))
        assert json.loads('"' + literal[rs:re_] + '"') == value[start:end]


@contextmanager
def _checkpoints_only():
    """Escape maps made inside keep every 64th escape, as a string with many escapes does."""
    kept = sftlint.locate.FULL_MAP_MAX
    sftlint.locate.FULL_MAP_MAX = 0
    try:
        yield
    finally:
        sftlint.locate.FULL_MAP_MAX = kept


@given(st.text(max_size=200), st.data())
def test_full_and_checkpoint_escape_maps_agree(value, data):
    # the full map (a bisection) and the checkpoint map (a walk) give the same offsets
    value += data.draw(st.sampled_from(['\n"\\\t', "😀\n", "\u2028x"])) * data.draw(st.integers(0, 150))
    literal = json.dumps(value, ensure_ascii=data.draw(st.booleans()))
    full = _StringMap(literal, 0, len(literal))
    with _checkpoints_only():
        sparse = _StringMap(literal, 0, len(literal))
    assert sparse._shift is None and (full._shift is not None or "\\" not in literal)
    assert full.length == sparse.length == len(value)
    assert [full.raw(d) for d in range(-1, len(value) + 2)] == [
        sparse.raw(d) for d in range(-1, len(value) + 2)
    ]
    lo = data.draw(st.integers(0, len(value)))
    hi = data.draw(st.integers(lo, len(value)))
    assert full.decode(lo, hi) == sparse.decode(lo, hi) == value[lo:hi]


def test_columns_on_a_jsonl_line_and_in_a_multiline_record():
    line = json.dumps({"messages": [{"role": "user", "content": "你好，在吗"}]}, ensure_ascii=False)
    loc = Locator(line, 7).locate("/messages/0/content", (3, 5))
    assert (loc.line, loc.column) == (7, line.index("在吗") + 1)
    assert loc.end_column == loc.column + 2
    assert loc.source == "你好，在吗" and loc.source_span == (3, 5)
    pretty = json.dumps({"messages": [{"role": "user", "content": "你好"}]}, ensure_ascii=False, indent=2)
    loc = Locator(pretty, 10).locate("/messages/0/content")
    lines = pretty.splitlines()
    assert lines[loc.line - 10][loc.column - 1 :].startswith('"你好"')


@given(st.text(min_size=0, max_size=300), st.data())
def test_span_round_trip_through_many_escapes(value, data):
    # more escapes than one checkpoint of the escape map holds
    value = value + '\n"\\\t' * data.draw(st.integers(0, 100))
    start = data.draw(st.integers(0, len(value)))
    end = data.draw(st.integers(start, len(value)))
    text = json.dumps({"k": [1, {"v": value}]}, ensure_ascii=data.draw(st.booleans()))
    locator = Locator(text, 1)
    first, last = locator.value_span("/k/1/v")
    literal = text[first:last]
    rs, re_ = raw_offsets(literal, (start, end))
    assert json.loads('"' + literal[rs:re_] + '"') == value[start:end]
    loc = locator.locate("/k/1/v", (start, end))
    assert (loc.column - 1, loc.end_column - 1) == (first + rs, first + re_)
    window, (a, b) = loc.source, loc.source_span
    assert window[a:b] == value[start:end][: b - a]


def test_many_findings_in_one_string_share_one_pass():
    # 8,000 findings in one record: each is located without re-walking the record
    value = "你好" + "\u200b" * 8000
    text = json.dumps({"messages": [{"role": "user", "content": value}]}, ensure_ascii=True)
    locator = Locator(text, 3)
    locs = [locator.locate("/messages/0/content", (k, k + 1)) for k in range(2, 8002)]
    assert locs[0].column == text.index("\\u200b") + 1
    assert locs[-1].end_column - locs[-1].column == len("\\u200b")
    assert all(len(loc.source) <= 64 + 112 for loc in locs)  # a window, not the whole string


def test_pointers_into_containers_of_every_shape():
    text = '{"a": [1, {"b": "x"}], "c": "中文", "d": {"e~f/g": [[], {}]}, "n": -1.5e3}'
    loc = Locator(text, 1)
    assert text[slice(*loc.value_span("/d/e~0f~1g/1"))] == "{}"
    assert text[slice(*loc.value_span("/n"))] == "-1.5e3"
    assert loc.value_span("/a/01") is None and loc.value_span("/a/-1") is None
    assert loc.value_span("/c/0") is None
    assert text[slice(*loc.value_span(""))] == text


def _pointers(value: object, prefix: str = "") -> list[str]:
    """Every pointer into ``value``, its own included."""
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _pointers(item, prefix + "/" + key.replace("~", "~0").replace("/", "~1"))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            out += _pointers(item, f"{prefix}/{k}")
    return out


def _lazy(text: str, root: int = 0) -> Locator:
    """A locator that walks container by container (the path of records over INDEX_ALL_MAX)."""
    loc = Locator(text, 1, root=root)
    loc._indexed = False
    return loc


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=24,
)


@given(JSON_VALUES, st.booleans(), st.sampled_from([None, 2]))
def test_one_pass_index_finds_what_the_walk_finds(value, ascii_only, indent):
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    indexed, lazy = Locator(text, 1), _lazy(text)
    pointers = [*_pointers(value), "/missing", "/0/x", "/-1"]
    assert [indexed.value_span(p) for p in pointers] == [lazy.value_span(p) for p in pointers]
    assert indexed._indexed is isinstance(value, (dict, list))


def test_one_pass_index_keeps_the_last_duplicate_and_stops_at_the_record():
    # a record inside a JSON array file: the index covers the record, not the file after it
    text = '[{"k": [1, 2], "k": {"x": "\\"]}"}}, {"k": 3}]'
    root = 1
    loc = Locator(text, 1, root=root)
    start, end = loc.value_span("/k/x")
    assert text[start:end] == '"\\"]}"'
    assert loc.value_span("/k/0") is None  # the first "k" was replaced by the second
    assert loc._indexed and max(loc._containers) < text.index('{"k": 3}')


def test_one_pass_index_gives_up_on_text_that_is_not_json():
    for text in ('{"a": "cut', '{"a": [1, 2}', '{"a" 1}', '{"a": 1,}', '{"a": 1 "b": 2}', "[1, 2"):
        loc = Locator(text, 1)
        assert loc.value_span("/a") == _lazy(text).value_span("/a")
        assert loc._indexed is False, text
    # what follows the record's closing brace is not the record's business
    loc = Locator('{"a": 1}}', 1)
    assert loc.value_span("/a") == (6, 7) and loc._indexed
