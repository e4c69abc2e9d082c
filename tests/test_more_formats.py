"""The conversation variants, prompt-completion, preference data, and unrecognised files."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli, write_jsonl
from hypothesis import example, given, settings
from hypothesis import strategies as st

import sftlint
from sftlint.formats import (
    AlpacaFormat,
    ConversationFormat,
    HumanAssistantFormat,
    InputOutputFormat,
    MessageListFormat,
    MossFormat,
    PlainTextFormat,
    PreferenceFormat,
    PromptCompletionFormat,
    QueryResponseFormat,
    StringTurnsFormat,
    TranscriptFormat,
    XTunerFormat,
)
from sftlint.plugins import default_registry


def _found(records, **kwargs):
    return [(d.code, d.pointer) for d in sftlint.lint(records, **kwargs) if d.severity != "info"]


def _format_of(record):
    from sftlint.formats import detect

    return detect([record], default_registry().formats)


# -- each shape as people publish it: detected, no S001, content rules run ----------------------

FIREFLY = {
    "conversation_id": 7,
    "category": "Brainstorming",
    "conversation": [
        {
            "human": "能给我推荐几本关于时间管理的书吗？",
            "assistant": "当然可以：《高效能人士的七个习惯》《番茄工作法图解》。",
        },
        {"human": "第二本讲什么？", "assistant": "它介绍了以25分钟为单位专注工作的方法。"},
    ],
    "dataset": "moss",
}
ROLE_CONTENT = {
    "id": "identity_12",
    "conversation": [
        {"role": "user", "content": "你是谁？"},
        {"role": "assistant", "content": "我是一个由研究团队训练的语言模型助手。"},
    ],
    "metadata": {"source": "self-cognition"},
}
FROM_VALUE = {
    "conversation": [
        {"from": "human", "value": "把这句话翻译成英文：今天天气很好。"},
        {"from": "gpt", "value": "The weather is nice today."},
    ]
}
PLURAL_ROLE_CONTENT = {
    "conversations": [
        {"role": "system", "content": "你是一名耐心的数学老师。"},
        {"role": "user", "content": "三角形内角和是多少？"},
        {"role": "assistant", "content": "三角形的内角和是180度。"},
    ]
}
PROMPT_COMPLETION = {"prompt": "中国的首都是", "completion": "北京。"}
PROMPT_COMPLETION_CONV = {
    "prompt": [{"role": "user", "content": "中国的首都是哪里？"}],
    "completion": [{"role": "assistant", "content": "中国的首都是北京。"}],
}
KTO = {**PROMPT_COMPLETION_CONV, "label": True}
#: DeepSpeed-Chat's supervised layout as Yi's finetune/yi_example_dataset writes it
PROMPT_CHOSEN = {
    "prompt": "Human: 你的朋友想和你一起去参加一场音乐会，但你并不擅长欣赏音乐会。请给出一个委婉的拒绝。 Assistant:",
    "chosen": "谢谢你邀请我，不过我对音乐会不太在行，你找更喜欢音乐的朋友一起去会更尽兴。改天我们一起去看电影吧？",
}
PREFERENCE = {
    "prompt": [{"role": "user", "content": "天空为什么是蓝色的？"}],
    "chosen": [{"role": "assistant", "content": "因为瑞利散射：短波长的蓝光被大气散射得更多。"}],
    "rejected": [{"role": "assistant", "content": "因为天空反射了海洋的颜色。"}],
}
PREFERENCE_STANDARD = {
    "prompt": "天空为什么是蓝色的？",
    "chosen": "因为瑞利散射。",
    "rejected": "因为海洋。",
}
PREFERENCE_IMPLICIT = {
    "chosen": [
        {"role": "user", "content": "天空为什么是蓝色的？"},
        {"role": "assistant", "content": "因为瑞利散射。"},
    ],
    "rejected": [
        {"role": "user", "content": "天空为什么是蓝色的？"},
        {"role": "assistant", "content": "因为海洋。"},
    ],
}
PREFERENCE_SHAREGPT = {  # LLaMA-Factory's dpo_*_demo.json layout
    "conversations": [{"from": "human", "value": "天空为什么是蓝色的？"}],
    "chosen": {"from": "gpt", "value": "因为瑞利散射。"},
    "rejected": {"from": "gpt", "value": "因为海洋。"},
}
PREFERENCE_V1 = {  # LLaMA-Factory v1 (data/v1_dpo_demo.jsonl): each side a whole conversation
    "chosen_messages": [
        {"role": "system", "content": [{"type": "text", "value": "你是一名翻译。"}], "loss_weight": 0.0},
        {"role": "user", "content": [{"type": "text", "value": "把“早上好”译成英文。"}], "loss_weight": 0.0},
        {"role": "assistant", "content": [{"type": "text", "value": "Good morning."}], "loss_weight": 1.0},
    ],
    "rejected_messages": [
        {"role": "system", "content": [{"type": "text", "value": "你是一名翻译。"}], "loss_weight": 0.0},
        {"role": "user", "content": [{"type": "text", "value": "把“早上好”译成英文。"}], "loss_weight": 0.0},
        {"role": "assistant", "content": [{"type": "text", "value": "Good night."}], "loss_weight": 1.0},
    ],
}
DOLLY = {  # databricks-dolly-15k
    "instruction": "When did Virgin Australia start operating?",
    "context": "Virgin Australia commenced services on 31 August 2000 as Virgin Blue, with two aircraft.",
    "response": "Virgin Australia commenced services on 31 August 2000.",
    "category": "closed_qa",
}
OPEN_ORCA = {
    "id": "niv.242684",
    "system_prompt": "You are an AI assistant. Provide a detailed answer.",
    "question": "What is the capital of France?",
    "response": "The capital of France is Paris.",
}
GSM8K = {
    "question": "Natalia sold clips to 48 of her friends in April, and half as many in May. How many in all?",
    "answer": "In May she sold 48/2 = 24 clips.\nAltogether 48+24 = 72 clips.\n#### 72",
}
ULTRACHAT = {
    "id": "0",
    "data": ["How can I sleep better?", "Keep a regular schedule.", "Anything else?", "Avoid late caffeine."],
}
LIMA = {
    "conversations": ["Can brain cells move?", "Most brain cells do not move after birth."],
    "source": "stackexchange",
}
GUANACO = {
    "text": "### Human: Can you write a short introduction about monopsony in economics?"
    "### Assistant: Monopsony refers to a market with a single buyer.### Human: An example?"
    "### Assistant: A mining town whose one employer sets the wages."
}
CHATML = {
    "text": "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n北京今天天气怎么样？"
    "<|im_end|>\n<|im_start|>assistant\n北京今天晴，气温25度。<|im_end|>\n"
}
HH_RLHF = {
    "chosen": "\n\nHuman: What are some good fruits?\n\nAssistant: Apples and oranges.\n\nHuman: Which is sweeter?"
    "\n\nAssistant: Usually oranges.",
    "rejected": "\n\nHuman: What are some good fruits?\n\nAssistant: Apples and oranges.\n\nHuman: Which is sweeter?"
    "\n\nAssistant: I do not know.",
}
QUERY_RESPONSE = {  # ms-swift's query-response layout
    "system": "你是一名全科医生。",
    "query": "头痛两天了，需要去医院吗？",
    "response": "如果头痛持续或伴有发热、呕吐，建议尽快就医。",
    "history": [["你好", "您好，请问有什么可以帮您？"]],
}
CHATGLM = {  # ChatGLM's fine-tuning layout: prompt, response, history
    "prompt": "那需要挂哪个科？",
    "response": "可以先挂神经内科。",
    "history": [["头痛两天了，需要去医院吗？", "如果头痛持续，建议尽快就医。"]],
}
PREFERENCE_ALPACA = {
    "instruction": "天空为什么是蓝色的？",
    "input": "",
    "chosen": "瑞利散射。",
    "rejected": "海洋。",
}


@pytest.mark.parametrize(
    ("record", "name"),
    [
        (FIREFLY, "human-assistant"),
        (ROLE_CONTENT, "conversation"),
        (FROM_VALUE, "conversation"),
        (PLURAL_ROLE_CONTENT, "conversation"),
        (PROMPT_COMPLETION, "prompt-completion"),
        (PROMPT_COMPLETION_CONV, "prompt-completion"),
        (KTO, "prompt-completion"),
        (PROMPT_CHOSEN, "prompt-completion"),
        (PREFERENCE, "preference"),
        (PREFERENCE_STANDARD, "preference"),
        (PREFERENCE_IMPLICIT, "preference"),
        (PREFERENCE_SHAREGPT, "preference"),
        (PREFERENCE_ALPACA, "preference"),
        (PREFERENCE_V1, "preference"),
        (HH_RLHF, "preference"),
        (DOLLY, "alpaca"),
        (OPEN_ORCA, "query-response"),
        (GSM8K, "query-response"),
        (ULTRACHAT, "string-turns"),
        (LIMA, "string-turns"),
        (GUANACO, "transcript"),
        (CHATML, "transcript"),
        (QUERY_RESPONSE, "query-response"),
        (CHATGLM, "query-response"),
        ({"query": "头痛怎么办？", "response": "多休息。"}, "query-response"),
    ],
)
def test_shapes_are_detected_and_clean(record, name):
    assert _format_of(record) == name
    fmt = default_registry().formats[name]
    assert fmt.quick_check(record) and fmt.schema_errors(record) == []
    assert _found([record]) == []


def test_the_existing_shapes_keep_their_formats():
    assert _format_of({"conversations": [{"from": "human", "value": "a"}]}) == "sharegpt"
    assert _format_of({"messages": [{"role": "user", "content": "a"}]}) == "messages"
    assert _format_of({"instruction": "a", "output": "b"}) == "alpaca"


def test_query_response_turns_and_findings_point_into_history():
    record = json.loads(json.dumps(QUERY_RESPONSE))
    messages = default_registry().formats["query-response"].to_messages(record)
    assert [(m.role, m.content_pointer) for m in messages] == [
        ("system", "/system"),
        ("user", "/history/0/0"),
        ("assistant", "/history/0/1"),
        ("user", "/query"),
        ("assistant", "/response"),
    ]
    record["history"][0][1] = ""  # an empty reply inside the history
    record["response"] = "建议尽快就医。<|im_end|>"  # a template's control token written in the answer
    found = _found([record])
    assert ("S003", "/history/0/1") in found and ("S008", "/response") in found


def test_preference_v1_lints_each_whole_side_at_its_pointer():
    record = json.loads(json.dumps(PREFERENCE_V1))
    record["rejected_messages"][2]["content"][0]["value"] = ""  # an empty rejected reply
    record["chosen_messages"][2]["content"][0]["value"] = "Good morning.<|im_end|>"
    found = _found([record])
    assert ("S003", "/rejected_messages/2/content") in found
    assert ("S008", "/chosen_messages/2/content/0/value") in found
    assert not [f for f in found if f[0] == "S001"]
    broken = {"chosen_messages": [{"role": "user", "content": 3}], "rejected_messages": []}
    assert [code for code, _ in _found([broken])].count("S001") >= 1


def test_public_layouts_map_to_their_turns():
    """Dolly, OpenOrca, GSM8K, UltraChat and HH-RLHF: each turn at its own pointer, in order."""
    formats = default_registry().formats

    def turns(record, name):
        return [(m.role, m.content_pointer) for m in formats[name].to_messages(record)]

    assert turns(DOLLY, "alpaca") == [("user", "/instruction"), ("assistant", "/response")]
    assert [s.pointer for s in formats["alpaca"].to_messages(DOLLY)[0].segments] == [
        "/instruction",
        "/context",
    ]
    assert turns(OPEN_ORCA, "query-response") == [
        ("system", "/system_prompt"),
        ("user", "/question"),
        ("assistant", "/response"),
    ]
    assert turns(GSM8K, "query-response") == [("user", "/question"), ("assistant", "/answer")]
    assert turns(ULTRACHAT, "string-turns") == [
        ("user", "/data/0"),
        ("assistant", "/data/1"),
        ("user", "/data/2"),
        ("assistant", "/data/3"),
    ]
    assert turns(LIMA, "string-turns") == [("user", "/conversations/0"), ("assistant", "/conversations/1")]
    guanaco = formats["transcript"].to_messages(GUANACO)
    assert [(m.role, m.content) for m in guanaco] == [
        ("user", "Can you write a short introduction about monopsony in economics?"),
        ("assistant", "Monopsony refers to a market with a single buyer."),
        ("user", "An example?"),
        ("assistant", "A mining town whose one employer sets the wages."),
    ]
    assert _format_of({"text": "Plain pre-training text, no speakers."}) == "text"  # a document, not a chat
    chatml = formats["transcript"].to_messages(CHATML)
    assert [(m.role, m.content) for m in chatml] == [
        ("system", "You are a helpful assistant."),
        ("user", "北京今天天气怎么样？"),
        ("assistant", "北京今天晴，气温25度。"),
    ]
    pointer, span = chatml[2].resolve((0, 2))
    assert pointer == "/text" and CHATML["text"][span[0] : span[1]] == "北京"
    chosen, rejected = formats["preference"].views(HH_RLHF)
    assert [(m.role, m.content) for m in rejected] == [
        ("user", "What are some good fruits?"),
        ("assistant", "Apples and oranges."),
        ("user", "Which is sweeter?"),
        ("assistant", "I do not know."),
    ]
    # a span in a turn is a span in the whole transcript string
    text = HH_RLHF["chosen"]
    pointer, span = chosen[3].resolve((0, 7))
    assert pointer == "/chosen" and text[span[0] : span[1]] == "Usually"


def test_public_layouts_findings_point_into_their_fields():
    dolly = dict(DOLLY, response="")
    assert ("S003", "/response") in _found([dolly])
    hh = dict(HH_RLHF, chosen=HH_RLHF["chosen"].replace("Usually oranges.", "Usually oranges.<|im_end|>"))
    found = [d for d in sftlint.lint([hh]) if d.code == "S008"]
    assert [(d.pointer, hh["chosen"][d.span[0] : d.span[1]]) for d in found] == [("/chosen", "<|im_end|>")]
    ultra = {"data": ["How can I sleep better?", "Keep a regular schedule.", "Anything else?"]}
    assert ("S005", "/data/2") in _found([ultra])


# Chinese-Vicuna's chat data: a conversation as parallel lists, input[i] answered by output[i]
VICUNA_CHAT = {
    "input": [
        "提供一個媒體招待會的流程表，活動結束後透過媒體招待會來展示這段期間的活動成果",
        "希望來參加招待會的媒體朋友可以有個很美好的體驗，再修改一下流程表",
    ],
    "output": [
        "以下是媒體招待會的流程表：\n\n| 時間 | 流程 |\n| --- | --- |\n| 14:00 | 歡迎詞 |\n| 14:10 | 活動成果報告 |",
        "非常好的想法！以下是修改後的流程表：\n\n| 時間 | 流程 |\n| --- | --- |\n| 14:00 | 報到與茶點 |\n| 14:20 | 歡迎詞 |",
    ],
}


def test_parallel_turn_lists_are_a_conversation():
    """``{"input": [...], "output": [...]}`` is read as turns, each at its own pointer, not as
    an Alpaca record whose fields have the wrong type (S001 on every field of every record)."""
    fmt = AlpacaFormat()
    assert _format_of(VICUNA_CHAT) == "alpaca"
    assert fmt.quick_check(VICUNA_CHAT)
    assert fmt.schema_errors(VICUNA_CHAT) == []
    msgs = fmt.to_messages(VICUNA_CHAT)
    assert [m.role for m in msgs] == ["user", "assistant", "user", "assistant"]
    assert msgs[3].content == VICUNA_CHAT["output"][1]
    assert _found([VICUNA_CHAT]) == []
    cut = json.loads(json.dumps(VICUNA_CHAT))
    cut["output"][1] = (
        "非常好的想法！媒體朋友們抵達後可以先享用茶點。活動中，參與者們可以互相交流、分享彼此的想法，建立關"
    )
    assert ("T006", "/output/1") in _found([cut])
    with_instruction = dict(VICUNA_CHAT, instruction="你是活動企劃。")
    msgs = fmt.to_messages(with_instruction)
    assert [m.role for m in msgs] == ["user", "assistant", "user", "assistant"]
    assert msgs[0].content.startswith("你是活動企劃。\n提供一個媒體招待會")


def test_parallel_turn_lists_that_do_not_pair_are_schema_violations():
    short = dict(VICUNA_CHAT, output=VICUNA_CHAT["output"][:1])
    assert ("S001", "/output") in _found([short])
    mixed = dict(VICUNA_CHAT, output="以下是媒體招待會的流程表。")
    assert ("S001", "/output") in _found([mixed])
    mixed = {"input": "提供一個流程表", "output": VICUNA_CHAT["output"]}
    assert ("S001", "/input") in _found([mixed])
    empty = {"input": [], "output": []}
    assert {("S001", "/input"), ("S001", "/output")} <= set(_found([empty]))


def test_query_response_wrong_types_are_schema_violations():
    found = _found([{"query": "头痛怎么办？", "response": "多休息。", "history": [["只有一半"]]}])
    assert ("S001", "/history/0") in found


def test_firefly_findings_point_into_the_exchange(tmp_path):
    bad = json.loads(json.dumps(FIREFLY))
    bad["conversation"][1]["assistant"] = "   "
    bad["conversation"][0]["assistant"] = "请联系 {{phone}} 获取书单。"
    p = write_jsonl(tmp_path / "firefly.jsonl", [FIREFLY, bad])
    got = [(d.code, d.line, d.pointer) for d in sftlint.lint(p) if d.severity != "info"]
    assert ("S003", 2, "/conversation/1/assistant") in got
    assert ("S007", 2, "/conversation/0/assistant") in got
    assert not [g for g in got if g[0] == "S001"]


def test_firefly_missing_answer_is_a_schema_violation_and_no_final_assistant():
    rec = {"conversation": [{"human": "你好", "assistant": "你好！"}, {"human": "再见"}]}
    assert ("S001", "/conversation/1") in _found([rec])
    assert "S005" in {c for c, _ in _found([rec])}


def test_role_content_conversation_checks_roles_and_order():
    rec = json.loads(json.dumps(ROLE_CONTENT))
    rec["conversation"].append({"role": "user", "content": "还有呢？"})
    rec["conversation"][1]["role"] = "robot"
    got = _found([rec])
    assert ("S002", "/conversation/1/role") in got
    assert "S005" in {c for c, _ in got}


def test_prompt_completion_findings_point_at_each_side():
    got = _found([{"prompt": "中国的首都是", "completion": " "}])
    assert got == [("S003", "/completion")]
    conv = json.loads(json.dumps(PROMPT_COMPLETION_CONV))
    conv["prompt"][0]["content"] = "请介绍{{city}}"
    assert _found([conv]) == [("S007", "/prompt/0/content")]


def test_prompt_and_chosen_without_a_rejected_answer_is_a_prompt_and_its_reply():
    """Yi's / DeepSpeed-Chat's SFT records: the Human transcript is the user's turn (its
    ``Assistant:`` generation prompt is no part of it), ``chosen`` the reply."""
    fmt = PromptCompletionFormat()
    turns = fmt.to_messages(PROMPT_CHOSEN)
    assert [(m.role, m.content) for m in turns] == [
        ("user", "你的朋友想和你一起去参加一场音乐会，但你并不擅长欣赏音乐会。请给出一个委婉的拒绝。"),
        ("assistant", PROMPT_CHOSEN["chosen"]),
    ]
    multi = {
        "prompt": "\n\nHuman: 你好\n\nAssistant: 你好！有什么可以帮你？\n\nHuman: 推荐一本书\n\nAssistant:",
        "chosen": " 《活着》。",
    }
    assert [m.role for m in fmt.to_messages(multi)] == ["user", "assistant", "user", "assistant"]
    # a finding in the prompt points at its characters in the string
    rec = dict(PROMPT_CHOSEN, prompt="Human: 请给{{name}}写一封生日贺卡。 Assistant:")
    (d,) = [d for d in sftlint.lint([rec]) if d.code == "S007"]
    assert d.pointer == "/prompt" and rec["prompt"][d.span[0] : d.span[1]] == "{{name}}"
    assert _found([dict(PROMPT_CHOSEN, chosen="")]) == [("S003", "/chosen")]
    # with a rejected answer beside it the record is a preference pair, as before
    assert _format_of(dict(PROMPT_CHOSEN, rejected="不去。")) == "preference"
    assert _format_of({"prompt": "a", "chosen": "b", "completion": "c"}) is None


def test_preference_lints_both_sides_and_reports_the_shared_prompt_once():
    rec = json.loads(json.dumps(PREFERENCE))
    rec["prompt"][0]["content"] = "天空为什么是{{color}}的？"
    rec["rejected"][0]["content"] = ""
    rec["chosen"].append({"role": "user", "content": "还有吗"})
    got = _found([rec])
    assert got.count(("S007", "/prompt/0/content")) == 1
    assert ("S003", "/rejected/0/content") in got
    assert ("S005", "/chosen/1/role") in got
    assert not [g for g in got if g[1].startswith("/rejected") and g[0] == "S005"]


def test_preference_sides_in_other_layouts_point_into_their_side():
    rec = json.loads(json.dumps(PREFERENCE_SHAREGPT))
    rec["rejected"]["value"] = ""
    assert _found([rec]) == [("S003", "/rejected/value")]
    rec = dict(PREFERENCE_ALPACA, chosen="  ")
    assert _found([rec]) == [("S003", "/chosen")]
    rec = json.loads(json.dumps(PREFERENCE_IMPLICIT))
    rec["rejected"][1]["role"] = "user"
    got = _found([rec])
    assert ("S004", "/rejected/1/role") in got and not [g for g in got if g[1].startswith("/chosen")]


def test_preference_locations_are_lines_and_columns_of_the_file(tmp_path):
    rec = json.loads(json.dumps(PREFERENCE))
    rec["rejected"][0]["content"] = "请拨打{{phone}}"
    p = tmp_path / "dpo.json"
    p.write_text(json.dumps([PREFERENCE, rec], ensure_ascii=False, indent=2), encoding="utf-8")
    (d,) = [d for d in sftlint.lint(p) if d.code == "S007"]
    text = p.read_text(encoding="utf-8").splitlines()
    assert d.pointer == "/rejected/0/content" and d.record == 1
    assert "{{phone}}" in text[d.line - 1][d.column - 1 :]


def test_real_content_rules_run_on_preference_data():
    """The T rules read both sides too (mojibake only in the rejected answer is found)."""
    rec = {
        "prompt": [{"role": "user", "content": "我的优惠券怎么用？"}],
        "chosen": [{"role": "assistant", "content": "下单时在结算页选择优惠券即可抵扣。"}],
        "rejected": [{"role": "assistant", "content": "下单时在结算页选择优惠券即可抵扣锟斤拷。"}],
    }
    got = [(d.code, d.pointer, d.span) for d in sftlint.lint([rec], select=["T"])]
    assert got == [("T005", "/rejected/0/content", (16, 19))]


# -- unrecognised files: one finding, not one per record ------------------------------------


def test_an_unrecognised_file_gets_one_finding_naming_its_keys(tmp_path):
    rows = [{"uid": i, "dialog": [{"speaker": "客户", "text": f"问题{i}"}], "lang": "zh"} for i in range(60)]
    p = write_jsonl(tmp_path / "custom.jsonl", rows)
    result = run_cli("check", p, "--output-format", "json")
    found = [d for d in result.json() if d["code"] == "S001"]
    assert result.code == 1 and len(found) == 1, result
    msg = found[0]["message"]
    assert "'uid', 'dialog', 'lang'" in msg and "--format" in msg and "[tool.sftlint.format]" in msg
    assert 'messages = "dialog"' in msg
    assert found[0]["line"] == 1


def test_the_one_finding_sits_on_the_first_record_after_broken_lines(tmp_path):
    p = tmp_path / "custom.jsonl"
    p.write_text('{broken\n{"a": 1}\n{"a": 2}\n', encoding="utf-8")
    found = [d for d in sftlint.lint(p) if d.code == "S001"]
    assert [(d.line, d.record) for d in found] == [(2, 1)]


def test_an_unrecognised_file_split_across_workers_still_gets_one_finding(tmp_path, monkeypatch):
    from sftlint.run import processes

    monkeypatch.setattr(processes, "SERIAL_BELOW_BYTES", 0)
    monkeypatch.setattr(processes, "RANGE_BYTES", 20_000)
    rows = [{"uid": i, "body": "x" * 200} for i in range(400)]
    p = write_jsonl(tmp_path / "custom.jsonl", rows)
    serial = [(d.code, d.line) for d in sftlint.lint(p) if d.code == "S001"]
    parallel = [(d.code, d.line) for d in sftlint.lint(p, jobs=2) if d.code == "S001"]
    assert serial == parallel == [("S001", 1)]
    chunked = run_cli("check", "-", "--jobs", "2", "--output-format", "json", stdin=p.read_bytes())
    assert [d["line"] for d in chunked.json() if d["code"] == "S001"] == [1]


# -- the fast path implies the schema, as for the other formats ------------------------------

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-2, 2)
    | st.sampled_from(
        ["", "user", "text", "x", "<|im_start|>user\nhi", "<s>[INST] q [/INST] a </s>", "USER: a ASSISTANT:"]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "role",
                    "content",
                    "type",
                    "from",
                    "value",
                    "human",
                    "assistant",
                    "conversation",
                    "conversations",
                    "prompt",
                    "completion",
                    "chosen",
                    "rejected",
                    "instruction",
                    "input",
                    "system",
                    "tools",
                    "messages",
                    "query",
                    "response",
                    "history",
                    "chosen_messages",
                    "rejected_messages",
                    "data",
                    "text",
                    "question",
                    "answer",
                    "context",
                    "output",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


_FORMATS = (
    MessageListFormat(),
    ConversationFormat(),
    HumanAssistantFormat(),
    PromptCompletionFormat(),
    InputOutputFormat(),
    PreferenceFormat(),
    QueryResponseFormat(),
    StringTurnsFormat(),
    MossFormat(),
    AlpacaFormat(),
    TranscriptFormat(),
    PlainTextFormat(),
    XTunerFormat(),
)


@settings(max_examples=300, deadline=None)
@given(_values)
@example({"chosen": "", "chosen_messages": None, "rejected": ""})  # a whole side beside a pair
@example({"prompt": "", "completion": "", "chosen": None})  # a side beside the completion
@example({"chosen_messages": [{"role": "user", "content": "x"}], "rejected_messages": [], "system": 1})
def test_quick_check_never_accepts_what_the_schema_rejects(value):
    for fmt in _FORMATS:
        if fmt.quick_check(value):
            assert fmt.schema_errors(value) == [], (fmt.name, value)


@settings(max_examples=200, deadline=None)
@given(_values)
def test_mapping_never_raises(value):
    for fmt in _FORMATS:
        fmt.to_messages(value)
        fmt.views(value)


def test_the_formats_page_examples_are_read_as_their_format():
    """docs/formats.md: each chat format's example record is detected as that format, with no S001."""
    import re

    from conftest import ROOT

    page = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    chat_part = page.split("## Chat formats", 1)[1].split("## Any other shape", 1)[0]
    sections = re.findall(r"### `([a-z-]+)`[^\n]*\n(.*?)(?=\n### |\Z)", chat_part, re.S)
    names = {name for name, _ in sections}
    assert names == {f for f in default_registry().formats if f not in ("mapping", "llamafactory")}
    for name, body in sections:
        example = json.loads(re.search(r"```json\n(.*?)\n```", body, re.S).group(1))
        assert _format_of(example) == name
        assert "S001" not in {code for code, _ in _found([example])}, name


# -- message-list: xtuner's bare list of messages per line ------------------------------------

#: Lines as xtuner's tests/resource/openai_sft.jsonl writes them (Alpaca rewritten as turns).
XTUNER_LINES = [
    [
        {"content": "Give three tips for staying healthy.\n", "role": "user"},
        {
            "content": "1. Eat a balanced diet.\n2. Exercise regularly.\n3. Get enough sleep.",
            "role": "assistant",
        },
    ],
    [
        {"content": "What are the three primary colors?\n", "role": "user"},
        {"content": "The three primary colors are red, blue, and yellow.", "role": "assistant"},
    ],
    [
        {"content": "Describe the structure of an atom.\n", "role": "user"},
        {"content": "An atom is made up of a nucleus surrounded by electrons.", "role": "assistant"},
    ],
]


def test_a_file_of_bare_message_lists_is_read_as_message_list(tmp_path):
    rows = [XTUNER_LINES[i % 3] for i in range(60)]
    rows[7] = [{"role": "user", "content": "How do I reset my router?"}, {"role": "assistant", "content": ""}]
    rows[9] = [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hello?"}]
    p = write_jsonl(tmp_path / "openai_sft.jsonl", rows)
    found = [(d.code, d.line, d.pointer) for d in sftlint.lint(p) if d.severity != "info"]
    assert not [f for f in found if f[0] == "J002"], found
    assert ("S003", 8, "/1/content") in found  # the empty reply, pointed at in the list
    assert ("S004", 10, "/1/role") in found
    assert _format_of(XTUNER_LINES[0]) == "message-list"
    assert sorted(found) == sorted(
        (d.code, d.line, d.pointer) for d in sftlint.lint(p, jobs=2) if d.severity != "info"
    )


def test_message_list_schema_violations_and_object_records(tmp_path):
    rows = [XTUNER_LINES[i % 3] for i in range(20)]
    rows.append([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": 5}])
    rows.append({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})
    p = write_jsonl(tmp_path / "mixed.jsonl", rows)
    found = [(d.code, d.line, d.pointer) for d in sftlint.lint(p) if d.code in ("S001", "J002")]
    # the number is a schema violation of the list; the object record is read as `messages`
    assert found == [("S001", 21, "/1/content")]


def test_an_array_among_object_records_is_still_j002(tmp_path):
    rows = [{"messages": XTUNER_LINES[i % 3]} for i in range(20)]
    rows.insert(5, XTUNER_LINES[1])
    rows.insert(9, ["你好", "您好！"])
    p = write_jsonl(tmp_path / "messages.jsonl", rows)
    assert [(d.code, d.line) for d in sftlint.lint(p) if d.code == "J002"] == [("J002", 6), ("J002", 10)]
    q = write_jsonl(tmp_path / "strings.jsonl", [["你好", "您好！"]] * 20)
    assert {d.code for d in sftlint.lint(q) if d.code in ("J002", "S001")} == {"J002"}


def test_message_list_near_copies_are_found_and_loaded(tmp_path):
    import random

    from sftlint.api import load_records

    rng = random.Random(3)
    words = [
        "air",
        "water",
        "city",
        "river",
        "tree",
        "cloud",
        "road",
        "train",
        "music",
        "paper",
        "light",
        "stone",
        "glass",
        "bread",
        "salt",
    ]
    words += [
        "north",
        "south",
        "quiet",
        "early",
        "late",
        "small",
        "large",
        "green",
        "blue",
        "warm",
        "cold",
        "fast",
        "slow",
        "open",
    ]

    def sentence(n):
        return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."

    rows = [
        [{"role": "user", "content": sentence(8)}, {"role": "assistant", "content": sentence(40)}]
        for _ in range(60)
    ]
    copy = [dict(m) for m in rows[3]]
    copy[1]["content"] = copy[1]["content"].replace(".", " indeed.")
    rows.append(copy)
    p = write_jsonl(tmp_path / "near.jsonl", rows)
    assert [(d.code, d.line) for d in sftlint.lint(p) if d.code == "D002"] == [("D002", 61)]
    loaded = list(load_records(p))
    assert len(loaded) == 61 and loaded[0].format == "message-list"
    assert [m.pointer for m in loaded[0].messages] == ["/0", "/1"]


def test_whole_turn_findings_in_a_transcript_point_at_the_turn_not_the_string(tmp_path):
    """An empty answer or a misplaced turn inside an HH transcript is located on that turn: the
    span is the turn's stretch of the string, and the line:column lands on it in the file."""
    shared = "\n\nHuman: Where is the station?\n\nAssistant: Two blocks north.\n\nHuman: And the bus?"
    rec = {
        "chosen": shared + "\n\nAssistant: ",
        "rejected": shared + "\n\nAssistant: Line 5.\n\nAssistant: Or line 7.",
    }
    p = tmp_path / "hh.jsonl"
    line = json.dumps(rec)
    p.write_text(line + "\n", encoding="utf-8")
    found = {d.code: d for d in sftlint.lint(p) if d.code in ("S003", "S004")}
    empty, twice = found["S003"], found["S004"]
    assert (empty.pointer, empty.span) == ("/chosen", (len(rec["chosen"]), len(rec["chosen"])))
    assert twice.pointer == "/rejected"
    a, b = twice.span
    assert rec["rejected"][a:b] == "Or line 7."
    # the column is where the span starts in the file, not where the string starts
    assert line[twice.column - 1 :].startswith("Or line 7.")
    assert twice.column > line.index('"rejected"') + len('"rejected": "') + 1


def test_whole_turn_findings_of_a_plain_message_still_name_the_whole_string():
    rec = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "  "}]}
    (d,) = [d for d in sftlint.lint([rec]) if d.code == "S003"]
    assert (d.pointer, d.span) == ("/messages/1/content", None)


def test_a_defect_of_the_turns_both_transcripts_share_is_reported_once(tmp_path):
    """HH-RLHF writes the whole conversation on each side, so the prompt turns sit in two
    strings: a defect there (two assistant turns in a row, a typo) is one defect of the record,
    reported on the chosen side; a defect of the rejected side's own turns is still reported."""
    shared = (
        "\n\nHuman: Where is the station?\n\nAssistant: Two blocks north.\n\nAssistant: Past the bank."
        "\n\nHuman: And the bus?"
    )
    rec = {
        "chosen": shared + "\n\nAssistant: Line 5 stops there.",
        "rejected": shared + "\n\nAssistant: Line 5.\n\nAssistant: Or line 7.",
    }
    p = write_jsonl(tmp_path / "hh.jsonl", [rec])
    found = [(d.code, d.pointer, d.span) for d in sftlint.lint(p) if d.code == "S004"]
    a = shared.index("Past the bank.")
    b = rec["rejected"].index("Or line 7.")
    assert found == [
        ("S004", "/chosen", (a, a + len("Past the bank."))),
        ("S004", "/rejected", (b, b + len("Or line 7."))),
    ]
    # two identical sides (F001's business) share every turn: the defect once
    two = write_jsonl(tmp_path / "two.jsonl", [{"chosen": rec["chosen"], "rejected": rec["chosen"]}])
    assert [d.pointer for d in sftlint.lint(two) if d.code == "S004"] == ["/chosen"]


TOOLALPACA_JUDGE = {
    "id": 0,
    "input": [
        {
            "role": "user",
            "content": "Given the documentation of a REST API and a task instruction, I need you to evaluate "
            "whether the solution provided by my AI assistant aligns with the standard answer.\n\n"
            "## Task Instruction\nHey, can you show me a random picture of an axolotl?\n\n"
            "## Standard Answer\n1. Function: getRandomAxolotlImage\nParameters: {}\n\n## Analysis",
        }
    ],
    "output": "The AI assistant's solution aligns with the standard answer.\n\n## Results \n"
    "Process Correctness: Yes \nFinal Response Correctness: Yes",
    "process_correctness": "Yes",
    "final_response_correctness": "Yes",
}

OPENPIPE = {
    "input": {
        "messages": [
            {"role": "system", "content": "You are a shopping assistant."},
            {"role": "user", "content": "Is order 99850 shipped?"},
            {"role": "assistant", "content": "Which store account is it on?"},
            {"role": "user", "content": "hana.wang@example.com"},
        ],
        "tools": [
            {"type": "function", "function": {"name": "track_shipment", "parameters": {"type": "object"}}}
        ],
    },
    "output": {"role": "assistant", "content": "Order 99850 left the warehouse this morning."},
}


def test_input_output_records_are_read_as_the_prompt_and_the_reply():
    """An LLM judge's log (ToolAlpaca's evaluation outputs) and OpenPipe's import format: the
    turns of `input` and the reply of `output`; the prompt's assistant turn is context."""
    assert _format_of(TOOLALPACA_JUDGE) == "input-output"
    assert _format_of(OPENPIPE) == "input-output"
    fmt = default_registry().formats["input-output"]
    assert [(m.role, m.content_pointer) for m in fmt.to_messages(TOOLALPACA_JUDGE)] == [
        ("user", "/input/0/content"),
        ("assistant", "/output"),
    ]
    msgs = fmt.to_messages(OPENPIPE)
    assert [(m.role, m.weight) for m in msgs] == [
        ("system", None),
        ("user", None),
        ("assistant", 0),
        ("user", None),
        ("assistant", None),
    ]
    assert msgs[-1].content_pointer == "/output/content"
    assert sftlint.lint([TOOLALPACA_JUDGE, OPENPIPE], select=["S"]) == []


def test_alpaca_records_stay_alpaca_and_a_broken_input_output_record_is_reported():
    """`input` as text is Alpaca's; ToolAlpaca's failed entries (`{"input": "", "output": ""}`)
    beside its records are S001 in the file's layout, and empty."""
    assert _format_of({"instruction": "翻译成英文", "input": "你好", "output": "Hello"}) == "alpaca"
    assert _format_of({"input": "你好", "output": "Hello"}) == "alpaca"
    broken = {"input": "", "output": ""}
    diags = sftlint.lint([TOOLALPACA_JUDGE, broken], select=["S001", "S003"], format="input-output")
    assert [(d.code, d.record, d.pointer) for d in diags] == [("S001", 1, "/input"), ("S003", 1, "/output")]
