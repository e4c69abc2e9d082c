"""Column mappings: [tool.sftlint.format] and LLaMA-Factory's dataset_info.json."""

from __future__ import annotations

import json

from conftest import run_cli, write_jsonl
from hypothesis import example, given, settings
from hypothesis import strategies as st

import sftlint


def _found(path, **kwargs):
    return sorted((d.code, d.record, d.pointer) for d in sftlint.lint(path, **kwargs) if d.severity != "info")


def _info(folder, entries):
    (folder / "dataset_info.json").write_text(json.dumps(entries), encoding="utf-8")


# -- LLaMA-Factory dataset_info.json -------------------------------------------------------


def test_alpaca_columns_renamed(tmp_path):
    rows = [
        {
            "q": "把这句话翻译成英文",
            "ctx": "今天天气很好",
            "a": "The weather is nice today.",
            "sys": "你是翻译。",
        },
        {"q": "你好", "ctx": "", "a": "  ", "sys": "你是翻译。"},
    ]
    write_jsonl(tmp_path / "train.jsonl", rows)
    _info(
        tmp_path,
        {
            "mine": {
                "file_name": "train.jsonl",
                "columns": {"prompt": "q", "query": "ctx", "response": "a", "system": "sys"},
            }
        },
    )
    assert _found(tmp_path / "train.jsonl") == [("S003", 1, "/a")]
    # without the mapping the file is unrecognised (one S001)
    (tmp_path / "dataset_info.json").unlink()
    assert [c for c, _, _ in _found(tmp_path / "train.jsonl")] == ["S001"]


def test_user_turn_is_prompt_newline_query_with_pointers_into_each(tmp_path):
    rows = [{"instruction": "总结下文", "input": "请拨打{{phone}}咨询", "output": "请致电咨询。"}]
    write_jsonl(tmp_path / "d.jsonl", rows)
    _info(tmp_path, {"d": {"file_name": "d.jsonl"}})
    diags = [d for d in sftlint.lint(tmp_path / "d.jsonl") if d.code == "S007"]
    assert [(d.pointer, d.span) for d in diags] == [("/input", (3, 12))]


def test_columns_not_named_are_not_read(tmp_path):
    """With "columns", LLaMA-Factory leaves every column it does not name unset: history too."""
    rows = [{"instruction": "你好", "output": "你好！", "history": [["在吗", ""]]}]
    write_jsonl(tmp_path / "d.jsonl", rows)
    _info(
        tmp_path, {"d": {"file_name": "d.jsonl", "columns": {"prompt": "instruction", "response": "output"}}}
    )
    assert _found(tmp_path / "d.jsonl") == []
    _info(
        tmp_path,
        {
            "d": {
                "file_name": "d.jsonl",
                "columns": {"prompt": "instruction", "response": "output", "history": "history"},
            }
        },
    )
    assert _found(tmp_path / "d.jsonl") == [("S003", 0, "/history/0/1")]


def test_sharegpt_tags_and_an_untagged_system_turn(tmp_path):
    rows = [
        {
            "dialog": [
                {"speaker": "system", "text": "你是客服。"},
                {"speaker": "客户", "text": "我要退货"},
                {"speaker": "客服", "text": "好的，请提供订单号。"},
            ]
        },
        {"dialog": [{"speaker": "客户", "text": "在吗"}, {"speaker": "客服", "text": "在的。"}]},
    ]
    write_jsonl(tmp_path / "d.jsonl", rows)
    tags = {"role_tag": "speaker", "content_tag": "text", "user_tag": "客户", "assistant_tag": "客服"}
    _info(
        tmp_path,
        {
            "d": {
                "file_name": "d.jsonl",
                "formatting": "sharegpt",
                "columns": {"messages": "dialog"},
                "tags": tags,
            }
        },
    )
    # no system_tag: LLaMA-Factory drops the first example for its "system" turn; S002 says why
    assert _found(tmp_path / "d.jsonl") == [("S002", 0, "/dialog/0/speaker")]
    _info(
        tmp_path,
        {
            "d": {
                "file_name": "d.jsonl",
                "formatting": "sharegpt",
                "columns": {"messages": "dialog"},
                "tags": {**tags, "system_tag": "system"},
            }
        },
    )
    assert _found(tmp_path / "d.jsonl") == []


def test_sharegpt_ranking_lints_both_answers(tmp_path):
    rows = [
        {
            "conversations": [{"from": "human", "value": "天空为什么是蓝色的？"}],
            "chosen": {"from": "gpt", "value": "因为瑞利散射。"},
            "rejected": {"from": "gpt", "value": ""},
        }
    ]
    p = tmp_path / "dpo.json"
    p.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    _info(
        tmp_path,
        {
            "dpo": {
                "file_name": "dpo.json",
                "formatting": "sharegpt",
                "ranking": True,
                "columns": {"messages": "conversations", "chosen": "chosen", "rejected": "rejected"},
            }
        },
    )
    assert _found(p) == [("S003", 0, "/rejected/value")]


def test_alpaca_ranking(tmp_path):
    rows = [{"instruction": "天空为什么是蓝色的？", "input": "", "chosen": "瑞利散射。", "rejected": "  "}]
    write_jsonl(tmp_path / "d.jsonl", rows)
    cols = {"prompt": "instruction", "query": "input", "chosen": "chosen", "rejected": "rejected"}
    _info(tmp_path, {"d": {"file_name": "d.jsonl", "ranking": True, "columns": cols}})
    assert _found(tmp_path / "d.jsonl") == [("S003", 0, "/rejected")]


def test_where_a_dataset_info_applies(tmp_path):
    data = tmp_path / "data"
    (data / "parts").mkdir(parents=True)
    rows = [{"q": "你好", "a": ""}]
    write_jsonl(data / "parts" / "p1.jsonl", rows)
    write_jsonl(data / "other.jsonl", rows)
    cols = {"prompt": "q", "response": "a"}
    _info(
        data,
        {
            "hub": {"hf_hub_url": "someone/x", "file_name": "other.jsonl", "columns": cols},  # a hub entry
            "parts": {"file_name": "parts", "columns": cols},  # a folder covers the files in it
        },
    )
    assert _found(data / "parts" / "p1.jsonl") == [("S003", 0, "/a")]
    assert [c for c, _, _ in _found(data / "other.jsonl")] == ["S001"]


def test_huggingface_dataset_info_is_not_a_mapping(tmp_path):
    write_jsonl(
        tmp_path / "d.jsonl",
        [{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}],
    )
    _info(tmp_path, {"citation": "", "description": "", "features": {"messages": {}}})
    assert _found(tmp_path / "d.jsonl") == []


def test_a_bad_entry_is_an_error(tmp_path):
    write_jsonl(tmp_path / "d.jsonl", [{"q": "a", "a": "b"}])
    _info(tmp_path, {"d": {"file_name": "d.jsonl", "formatting": "yaml"}})
    result = run_cli("check", tmp_path / "d.jsonl")
    assert result.code == 2 and "formatting must be alpaca, sharegpt or openai" in result.err


def test_mapping_survives_worker_processes(tmp_path, monkeypatch):
    from sftlint.run import processes

    monkeypatch.setattr(processes, "SERIAL_BELOW_BYTES", 0)
    monkeypatch.setattr(processes, "RANGE_BYTES", 20_000)
    rows = [{"q": f"问题{i}" + "。" * 100, "a": "" if i % 97 == 5 else f"回答{i}"} for i in range(400)]
    write_jsonl(tmp_path / "d.jsonl", rows)
    _info(tmp_path, {"d": {"file_name": "d.jsonl", "columns": {"prompt": "q", "response": "a"}}})
    serial = _found(tmp_path / "d.jsonl")
    assert ("S003", 5, "/a") in serial and not [f for f in serial if f[0] == "S001"]
    assert _found(tmp_path / "d.jsonl", jobs=2) == serial


# -- [tool.sftlint.format] ----------------------------------------------------------------

ROWS = [
    {
        "id": 1,
        "turns": [{"who": "客户", "said": "我要退货"}, {"who": "客服", "said": "好的，请提供订单号。"}],
    },
    {"id": 2, "turns": [{"who": "客户", "said": "在吗"}, {"who": "店小二", "said": "在的。"}]},
]


def test_config_short_keys(tmp_path):
    write_jsonl(tmp_path / "d.jsonl", ROWS)
    (tmp_path / "sftlint.toml").write_text(
        '[format]\nmessages = "turns"\nrole = "who"\ncontent = "said"\n'
        '[format.roles]\nuser = "客户"\nassistant = ["客服"]\n',
        encoding="utf-8",
    )
    result = run_cli("check", tmp_path / "d.jsonl", "--output-format", "json")
    found = [(d["code"], d["pointer"]) for d in result.json() if d["severity"] != "info"]
    assert ("S002", "/turns/1/who") in found and "S001" not in {c for c, _ in found}
    s002 = next(d for d in result.json() if d["code"] == "S002")
    assert "店小二" in s002["message"] and "客服" in s002["message"]


def test_config_mapping_in_pyproject_with_llamafactory_keys(tmp_path):
    write_jsonl(tmp_path / "d.jsonl", [{"q": "你好", "a": ""}])
    (tmp_path / "pyproject.toml").write_text(
        '[tool.sftlint.format]\ncolumns = { prompt = "q", response = "a" }\n', encoding="utf-8"
    )
    assert _found(tmp_path / "d.jsonl") == [("S003", 0, "/a")]


def test_config_mapping_leaves_files_without_its_column_to_detection(tmp_path):
    write_jsonl(
        tmp_path / "chat.jsonl",
        [{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}],
    )
    (tmp_path / "sftlint.toml").write_text('[format]\nmessages = "turns"\n', encoding="utf-8")
    assert [c for c, _, _ in _found(tmp_path / "chat.jsonl")] == ["S004", "S005"]


def test_config_mapping_is_validated(tmp_path):
    write_jsonl(tmp_path / "d.jsonl", ROWS)
    for body, words in [
        ('[format]\nmesages = "turns"\n', "unknown key 'mesages'"),
        ('[format]\nrole = "who"\n', "'messages'"),
        ('[format]\nmessages = "turns"\n[format.roles]\nbot = "x"\n', "roles.bot"),
        ('[format]\nmessages = "turns"\ncolumns = {}\n', "not both"),
    ]:
        (tmp_path / "sftlint.toml").write_text(body, encoding="utf-8")
        result = run_cli("check", tmp_path / "d.jsonl")
        assert result.code == 2 and words in result.err, (body, result.err)


# -- the fast path implies the schema, and mapping never raises -----------------------------

_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(["", "human", "gpt", "客户", "x"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["q", "a", "ctx", "sys", "hist", "dialog", "speaker", "text", "chosen", "rejected"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


def _mapped_formats():
    from sftlint.formats.mapping import MappedFormat, spec_from_llamafactory

    tags = {"role_tag": "speaker", "content_tag": "text", "user_tag": "客户", "assistant_tag": "gpt"}
    entries = [
        {"columns": {"prompt": "q", "query": "ctx", "response": "a", "system": "sys", "history": "hist"}},
        {"ranking": True, "columns": {"prompt": "q", "chosen": "chosen", "rejected": "rejected"}},
        {"formatting": "sharegpt", "columns": {"messages": "dialog", "system": "sys"}, "tags": tags},
        {
            "formatting": "sharegpt",
            "ranking": True,
            "tags": tags,
            "columns": {"messages": "dialog", "chosen": "chosen", "rejected": "rejected"},
        },
    ]
    return [MappedFormat(spec_from_llamafactory(e, "test")) for e in entries]


@settings(max_examples=300, deadline=None)
@given(_values)
@example({"dialog": [{"q": None, "speaker": []}]})  # a list as the first turn's role (CI found it)
@example({"dialog": [{"speaker": {"a": 1}, "text": "x"}], "sys": "s"})
def test_mapped_quick_check_implies_the_schema_and_mapping_never_raises(value):
    for fmt in _mapped_formats():
        if fmt.quick_check(value):
            assert fmt.schema_errors(value) == [], (fmt.spec, value)
        fmt.views(value)
