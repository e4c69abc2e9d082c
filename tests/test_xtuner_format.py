"""XTuner's conversation layout: {"conversation": [{"system", "input", "output"}, {"input", "output"}]}."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import sftlint
from sftlint.formats import XTunerFormat, detect
from sftlint.plugins import default_registry

SYSTEM = "现在你是一个心理专家，我有一些心理问题，请你用专业的知识帮我解决。"

#: a counselling dialogue as XTuner's multi-turn data writes it: `system` on the first exchange only
COUNSEL = {
    "conversation": [
        {
            "system": SYSTEM,
            "input": "医生，我最近总是失眠，躺在床上脑子里全是工作上的事情，越想越清醒。",
            "output": "听起来工作压力一直跟着你到了床上。我们先试着把睡前的时间和工作分开：睡前一小时把明天要做的事写在纸上，告诉自己已经记下了。",
        },
        {
            "input": "我试过写下来，可还是会忍不住去想。",
            "output": "这很正常，思绪不会一下子停下来。你可以试试腹式呼吸：吸气四秒，屏住七秒，呼气八秒，重复几次，让身体先慢下来。",
        },
        {
            "input": "好的，我今晚试一试。",
            "output": "好的，坚持一周再看看变化。如果失眠持续超过一个月，建议到医院的睡眠门诊做个评估。",
        },
    ]
}

#: XTuner's single-turn layout: one exchange, `system` included
SINGLE = {
    "conversation": [
        {
            "system": "You are an AI assistant.",
            "input": "Give three tips for staying healthy.",
            "output": "1. Eat a balanced diet. 2. Exercise regularly. 3. Get enough sleep.",
        }
    ]
}

#: XTuner's incremental pre-training layout: empty `system` and `input`, the text is the output
PRETRAIN = {
    "conversation": [
        {
            "system": "",
            "input": "",
            "output": "书生·浦语是上海人工智能实验室发布的大语言模型，支持长文本理解与工具调用。",
        }
    ]
}


def _format_of(*records):
    return detect(list(records), default_registry().formats)


def _found(records, **kwargs):
    return [(d.code, d.pointer) for d in sftlint.lint(records, **kwargs) if d.severity != "info"]


def _dialogues(n):
    """``n`` distinct counselling records (D rules have nothing to say about them)."""
    out = []
    for i in range(n):
        rec = copy.deepcopy(COUNSEL)
        rec["conversation"][0]["input"] += f"这样已经持续了{i + 2}周。"
        rec["conversation"][1]["output"] += f"第{i + 1}次练习时记下入睡用了多久。"
        out.append(rec)
    return out


@pytest.mark.parametrize(
    "record", [COUNSEL, SINGLE, PRETRAIN], ids=["multi-turn", "single-turn", "pre-training"]
)
def test_xtuner_records_are_detected_and_clean(record):
    fmt = XTunerFormat()
    assert _format_of(record) == "xtuner"
    assert fmt.quick_check(record) and fmt.schema_errors(record) == []
    assert _found([record], ignore=["D"]) == []


def test_each_exchange_maps_to_its_messages_with_exact_pointers():
    messages = XTunerFormat().to_messages(COUNSEL)
    assert [(m.role, m.content_pointer) for m in messages] == [
        ("system", "/conversation/0/system"),
        ("user", "/conversation/0/input"),
        ("assistant", "/conversation/0/output"),
        ("user", "/conversation/1/input"),
        ("assistant", "/conversation/1/output"),
        ("user", "/conversation/2/input"),
        ("assistant", "/conversation/2/output"),
    ]
    assert [m.index for m in messages] == list(range(7))
    assert messages[3].content == "我试过写下来，可还是会忍不住去想。"
    assert {m.pointer for m in messages[3:5]} == {"/conversation/1"}


def test_a_system_on_a_later_exchange_is_read_there():
    """XTuner's template reads `system` on any exchange, not only the first."""
    record = copy.deepcopy(COUNSEL)
    record["conversation"][2]["system"] = "请用简短的话回答。"
    roles = [(m.role, m.content_pointer) for m in XTunerFormat().to_messages(record)]
    assert roles[5] == ("system", "/conversation/2/system")


def test_output_with_loss_false_is_a_zero_weight_reply():
    record = copy.deepcopy(COUNSEL)
    record["conversation"][0]["output_with_loss"] = False
    messages = XTunerFormat().to_messages(record)
    assert [m.weight for m in messages if m.role == "assistant"] == [0, None, None]
    assert XTunerFormat().quick_check(record)


def test_the_pretraining_shape_is_a_document_not_a_turn_out_of_order():
    """One exchange with empty system and input: the output alone, no empty user turn (S003)
    and no 'starts with an assistant turn' (S004)."""
    messages = XTunerFormat().to_messages(PRETRAIN)
    assert [(m.role, m.content_pointer) for m in messages] == [("assistant", "/conversation/0/output")]
    assert XTunerFormat().is_document(PRETRAIN) and not XTunerFormat().is_document(COUNSEL)
    assert _found([PRETRAIN], ignore=["D"]) == []


def test_an_empty_input_in_a_dialogue_is_an_empty_user_turn():
    record = copy.deepcopy(COUNSEL)
    record["conversation"][1]["input"] = ""
    assert ("S003", "/conversation/1/input") in _found([record], ignore=["D"])


def test_a_missing_input_is_read_as_xtuner_reads_it_an_empty_user_turn():
    """XTuner's template takes an exchange without `input` for one whose input is "" (its
    ``template_map_fn`` reads ``exchange.get("input", "")``): the output answers nothing.  The
    finding is the empty input's, S003, naming the missing key at the exchange, not S004's
    "two assistant turns in a row"."""
    record = copy.deepcopy(COUNSEL)
    del record["conversation"][1]["input"]
    messages = XTunerFormat().to_messages(record)
    assert [m.role for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert (messages[3].content, messages[3].content_pointer) == ("", "/conversation/1/input")
    found = [d for d in sftlint.lint([*_dialogues(3), record], ignore=["D"]) if d.severity != "info"]
    assert [(d.code, d.pointer, d.record) for d in found] == [("S003", "/conversation/1", 3)]
    assert "no “input”" in found[0].message and "missing" in found[0].message
    # on the first exchange too: a system and an output, no question
    opening = copy.deepcopy(COUNSEL)
    del opening["conversation"][0]["input"]
    assert _found([opening], ignore=["D"]) == [("S003", "/conversation/0")]
    # the pre-training shape may leave both keys out: a document, nothing missing
    assert _found([{"conversation": [{"output": PRETRAIN["conversation"][0]["output"]}]}], ignore=["D"]) == []
    # and a present input that is empty or null is the empty turn it always was
    for value in ("", None):
        empty = copy.deepcopy(COUNSEL)
        empty["conversation"][1]["input"] = value
        (d,) = [d for d in sftlint.lint([empty], ignore=["D"]) if d.severity != "info"]
        assert (d.code, d.pointer, d.message) == ("S003", "/conversation/1/input", "user content is empty")


@pytest.mark.parametrize(
    ("edit", "pointer", "text"),
    [
        (lambda c: c[1].pop("output"), "/conversation/1", "'output' is required"),
        (lambda c: c[1].update(output=None), "/conversation/1/output", "must be string, got null"),
        (lambda c: c[2].update(input=3), "/conversation/2/input", "must be string or null, got number"),
        (lambda c: c[0].update(system=["你是心理专家"]), "/conversation/0/system", "got array"),
        (lambda c: c[0].update(output_with_loss="false"), "/conversation/0/output_with_loss", "boolean"),
        (lambda c: c.__setitem__(1, "我试过写下来"), "/conversation/1", "must be object, got string"),
    ],
    ids=["missing-output", "null-output", "number-input", "list-system", "string-flag", "string-exchange"],
)
def test_schema_violations_are_s001_at_the_offending_pointer(edit, pointer, text):
    record = copy.deepcopy(COUNSEL)
    edit(record["conversation"])
    fmt = XTunerFormat()
    assert not fmt.quick_check(record)
    s001 = [d for d in sftlint.lint([*_dialogues(3), record]) if d.code == "S001"]
    assert [d.pointer for d in s001] == [pointer]
    assert text in s001[0].message and "xtuner format" in s001[0].message


def test_an_empty_conversation_is_s001():
    assert [(c, p) for c, p in _found([{"conversation": []}, *_dialogues(3)]) if c == "S001"] == [
        ("S001", "/conversation")
    ]


def test_content_findings_point_into_the_exchange(tmp_path):
    """A rule reading the text locates its finding at the field and the line it is on."""
    records = _dialogues(3)
    records[1]["conversation"][1]["output"] = "这很正常，\u200b思绪不会一下子停下来。"
    path = tmp_path / "emo.json"
    path.write_text(json.dumps(records, ensure_ascii=False, indent=4), encoding="utf-8")
    found = [d for d in sftlint.lint(path) if d.code == "T005"]
    assert [(d.pointer, d.span) for d in found] == [("/conversation/1/output", (5, 6))]
    line = path.read_text(encoding="utf-8").splitlines()[found[0].line - 1]
    assert '"output": "这很正常，' in line


def test_a_file_of_xtuner_records_is_read_by_the_cli(tmp_path):
    records = _dialogues(60)
    path = tmp_path / "counsel.json"
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    result = run_cli("check", path, "--ignore", "D", "--output-format", "json")
    assert json.loads(result.out) == [] and result.code == 0
    records[7]["conversation"][2]["output"] = " "
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    result = run_cli("check", path, "--ignore", "D", "--output-format", "json")
    assert [(d["code"], d["pointer"]) for d in json.loads(result.out)] == [("S003", "/conversation/2/output")]


def test_the_other_shapes_under_conversation_keep_their_formats():
    firefly = {"conversation": [{"human": "推荐几本书", "assistant": "《番茄工作法图解》。"}]}
    roles = {
        "conversation": [{"role": "user", "content": "你是谁？"}, {"role": "assistant", "content": "助手。"}]
    }
    from_value = {"conversation": [{"from": "human", "value": "你好"}, {"from": "gpt", "value": "你好！"}]}
    alpaca = {"instruction": "翻译", "input": "你好", "output": "Hello"}
    assert _format_of(firefly) == "human-assistant"
    assert _format_of(roles) == "conversation"
    assert _format_of(from_value) == "conversation"
    assert _format_of(alpaca) == "alpaca"
    assert not XTunerFormat().sniff({"conversation": [{"input": "a", "output": "b", "role": "user"}]})


_text = st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(["", "你好", "ok"])
_exchange = st.dictionaries(
    st.sampled_from(["system", "input", "output", "output_with_loss", "need_eos_token", "sep", "id"]),
    _text | st.lists(_text, max_size=2),
    max_size=5,
)
_records = st.dictionaries(
    st.sampled_from(["conversation", "id", "system"]),
    st.lists(_exchange | _text, max_size=3) | _text,
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(_records)
def test_quick_check_implies_the_schema_and_mapping_never_raises(value):
    fmt = XTunerFormat()
    if fmt.quick_check(value):
        assert fmt.schema_errors(value) == [], value
    fmt.to_messages(value)
    fmt.is_document(value)
