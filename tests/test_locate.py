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


# -- finding a string by its JSON form before indexing (Locator._find_string) ------------------


def _string_pointers(value, prefix: str = "") -> list[str]:
    return [p for p in _pointers(value, prefix) if isinstance(_at(value, p), str)]


def _at(value, pointer: str):
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        value = value[int(token)] if isinstance(value, list) else value[token]
    return value


def _same_locations(text: str, value) -> int:
    """Locate every string of ``value`` (whole, and a span inside) with the parsed value given
    and without; the locations must be equal.  Returns how many the search answered."""
    searched = 0
    plain = Locator(text, 3, 5)
    strings = set(_string_pointers(value))
    for pointer in [*_pointers(value), "/missing", "/0/x"]:
        string = _at(value, pointer) if pointer in strings else None
        spans = [None] if not string else [None, (len(string) // 3, len(string) // 2 + 1)]
        for span in spans:
            quick = Locator(text, 3, 5, data=value)  # a fresh one: each may search
            assert quick.locate(pointer, span) == plain.locate(pointer, span), (text, pointer, span)
            searched += quick._indexed is None  # answered without indexing the record
    return searched


@given(JSON_VALUES, st.booleans(), st.sampled_from([None, 2]))
def test_searching_for_a_string_finds_what_the_index_finds(value, ascii_only, indent):
    _same_locations(json.dumps(value, ensure_ascii=ascii_only, indent=indent), value)


def test_a_string_found_by_its_json_form_needs_no_index():
    record = {
        "messages": [
            {"role": "user", "content": "第一行\n他说“好”"},
            {"role": "assistant", "content": "x"},
            {"role": "user", "content": "y"},
        ]
    }
    text = json.dumps(record, ensure_ascii=False)
    loc = Locator(text, 7, data=record)
    found = loc.locate("/messages/0/content", (4, 6))
    assert (found.line, found.column, found.source_span) == (7, text.index("他说") + 1, (4, 6))
    assert loc._indexed is None  # the search answered: the record was never indexed
    # a role occurs twice in a record: the search cannot tell which, the index can
    assert loc.value_span("/messages/2/role") == Locator(text, 7).value_span("/messages/2/role")
    assert loc._indexed is True


def test_searching_is_not_fooled_by_other_spellings_of_the_same_string():
    cases = [
        # the value is written with a \u escape, a later copy plainly: the copy is not the value
        ('[{"content": "caf\\u00e9"}, {"content": "café"}]', "/0/content"),
        ('[{"content": "a\\/b"}, {"content": "a/b"}]', "/0/content"),
        # the string's JSON form inside another string, after an escaped quote
        ('{"a": "q\\"abc", "b": "abc"}', "/b"),
        # a key spelt like the value
        ('{"abc": "abc"}', "/abc"),
        # the closing quote of one string and the opening quote of the next
        ('["a", "b", ","]', "/2"),
    ]
    for text, pointer in cases:
        value = json.loads(text)
        quick = Locator(text, 1, data=value).value_span(pointer)
        assert quick == Locator(text, 1).value_span(pointer), (text, pointer)
        assert json.loads(text[quick[0] : quick[1]]) == _at(value, pointer)


def test_many_findings_in_one_record_stop_searching_and_index():
    record = {"messages": [{"role": "user", "content": f"第{k}句"} for k in range(40)]}
    text = json.dumps(record, ensure_ascii=False)
    loc = Locator(text, 1, data=record)
    for k in range(40):
        assert loc.value_span(f"/messages/{k}/content") == Locator(text, 1).value_span(
            f"/messages/{k}/content"
        )
    assert loc._indexed is True and loc._quick == 0


def test_searching_finds_the_index_locations_on_the_shared_data(shared_data):
    import orjson

    searched = 0
    for folder in ("wild", "sft"):
        for path in sorted((shared_data / folder).rglob("*.json*")):
            raw = path.read_bytes()
            if path.suffix == ".jsonl":
                records = [line.decode("utf-8") for line in raw.splitlines() if line.strip()]
            else:
                parsed = orjson.loads(raw)
                items = parsed if isinstance(parsed, list) else [parsed]
                records = [json.dumps(item, ensure_ascii=False, indent=2) for item in items]
            for text in records[:50]:
                try:
                    value = orjson.loads(text)
                except orjson.JSONDecodeError:
                    continue
                searched += _same_locations(text, value)
    assert searched > 1000  # the search, not only the index, answered most of these
