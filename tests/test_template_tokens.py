"""S008 template-token: chat templates' control tokens written in message text, on
real-looking records, their clean twins, and a file that writes templated text on purpose."""

from __future__ import annotations

import json

import pytest

import sftlint
from sftlint.analysis.text.template_tokens import TOKENS, _might_hold, find_template_tokens
from sftlint.run import processes as parallel


def chat(*turns: str, system: str | None = None, **extra) -> dict:
    msgs = [{"role": "system", "content": system}] if system else []
    for i, t in enumerate(turns):
        msgs.append({"role": "user" if i % 2 == 0 else "assistant", "content": t})
    return {"messages": msgs, **extra}


def s008(records, **kw) -> list:
    return [d for d in sftlint.lint(records, select=["S008"], **kw) if d.code == "S008"]


LEAKS = [
    # a ChatML export wrapped again: the next user turn glued into the reply
    (
        chat("退货要多久到账？", "审核通过后3-5个工作日原路退回。<|im_end|>\n<|im_start|>user\n那运费呢？"),
        ["<|im_end|>", "<|im_start|>"],
    ),
    # a scraped raw model output: Llama 2's end-of-sequence token and the run-on after it
    (
        chat(
            "How do I reset my router?",
            "Hold the reset button for 10 seconds until the lights blink.</s> \nUser: and then?",
        ),
        ["</s>"],
    ),
    # Llama 3 header tokens left in a user turn
    (
        chat(
            "<|start_header_id|>user<|end_header_id|>\n\n帮我写一首关于秋天的诗<|eot_id|>", "秋风起，落叶黄。"
        ),
        ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
    ),
    # a Llama 2 prompt pasted whole into the user turn
    (chat("<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi [/INST]", "Hello!"), None),
    # Gemma and DeepSeek spellings
    (chat("hi", "Hi there!<end_of_turn>\n<start_of_turn>user\nthanks"), ["<end_of_turn>", "<start_of_turn>"]),
    (chat("你好", "你好！有什么可以帮你？<｜end▁of▁sentence｜>"), ["<｜end▁of▁sentence｜>"]),
]


@pytest.mark.parametrize(("record", "tokens"), LEAKS)
def test_finds_control_tokens_at_their_exact_spans(record, tokens):
    found = s008([record])
    assert found, record
    for d in found:
        msg = record["messages"][int(d.pointer.rsplit("/", 2)[1])]["content"]
        token = msg[d.span[0] : d.span[1]]
        assert f"“{token}”" in d.message and d.severity == "error"
        # a dataset rule's finding still shows its text (located while the record was at hand)
        assert d.source is not None and d.source[d.source_span[0] : d.source_span[1]] == token
    if tokens is not None:
        assert [d.message.split("“")[1].split("”")[0] for d in found] == tokens


CLEAN = [
    # a text that explains a template in code
    chat("What is ChatML?", "It wraps each turn: `<|im_start|>user` ... `<|im_end|>`."),
    chat("Llama 2 的格式？", "格式如下：\n```\n<s>[INST] {prompt} [/INST] {answer} </s>\n```\n注意空格。"),
    # HTML strike-through, markup and brackets that are not tokens
    chat("Show a discount", "Price: <s>$30</s> now $20."),
    chat("引用格式？", "见文献[1]和[INST-2]，<br>以及 <b>粗体</b>。"),
    chat("比较大小", "3 < 5 且 5 > 3，[1, 2] 是列表。"),
]


@pytest.mark.parametrize("record", CLEAN)
def test_leaves_clean_twins_alone(record):
    assert s008([record]) == []


def test_a_kto_reply_labelled_undesirable_is_not_judged_but_its_prompt_is():
    bad_reply = chat("hi", "Hello!</s> User: more", label=False)
    assert s008([bad_reply]) == []
    leaking_prompt = chat("<|im_start|>user hi", "Hello!", label=False)
    assert len(s008([leaking_prompt])) == 1
    assert len(s008([chat("hi", "Hello!</s> User: more", label=True)])) == 1


def test_a_file_that_writes_templated_text_on_purpose_is_not_judged():
    # every reply ends with the end-of-sequence token: the file's own convention for its trainer
    templated = [chat(f"问题{i}", f"回答{i}。</s>") for i in range(30)]
    assert s008(templated) == []
    # a few leaks among clean records are reported
    mixed = [chat(f"问题{i}", f"回答{i}。" + ("</s>" if i % 10 == 0 else "")) for i in range(30)]
    assert len(s008(mixed)) == 3
    # the share is an option
    assert len(s008(templated, config={"rules": {"template-token": {"max-share": 1.0}}})) == 30


def test_extra_tokens_of_the_users_own_tokenizer():
    record = chat("hi", "Hello<|my_eos|> again")
    assert s008([record]) == []
    found = s008([record], config={"rules": {"template-token": {"extra-tokens": ["<|my_eos|>"]}}})
    assert [d.span for d in found] == [(5, 15)]


def test_roles_option():
    record = chat("hi", "ok", system="<|im_start|>system\nYou are helpful.")
    assert len(s008([record])) == 1
    assert s008([record], config={"rules": {"template-token": {"roles": ["user", "assistant"]}}}) == []


def test_find_template_tokens_pairs_strike_through_only_on_one_line():
    assert find_template_tokens("a <s>b</s> c") == []
    # an end-of-sequence token with an unrelated BOS on another line is not strike-through
    assert [p.token for p in find_template_tokens("<s>\nanswer</s>")] == ["<s>", "</s>"]
    assert [p.token for p in find_template_tokens("answer</s>")] == ["</s>"]


def test_jobs_2_gives_the_serial_findings(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "SERIAL_BELOW_BYTES", 0)
    monkeypatch.setattr(parallel, "RANGE_BYTES", 2_000)
    monkeypatch.setattr(parallel, "MIN_RANGE_BYTES", 1_000)
    path = tmp_path / "a.jsonl"
    rows = [
        chat(f"问题{i}，请详细说明。", f"回答{i}。" + ("<|im_end|>" if i % 7 == 0 else ""))
        for i in range(120)
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    serial = sftlint.lint([path], select=["S008"], jobs=1)
    assert len(serial) == 18
    assert sftlint.lint([path], select=["S008"], jobs=2) == serial


@pytest.mark.parametrize(
    "text",
    [
        "思考过程用<>包围起来，之后写---，再写给用户的答复。" * 20,  # angles, no token
        "回复[参考1]见上文，<b>加粗</b>，a < b 且 c > d。",
        "每个 token 单独出现：" + "".join(t[:-1] for t in TOKENS),  # every token cut short
        *(f"前文很长，CJK 文本。{t}后文" for t in TOKENS),  # each token alone, inside CJK text
        "[/INST",
        "",
    ],
)
def test_the_quick_test_says_whether_a_token_is_there(text):
    """The per-first-character search that gates the scan (``_might_hold``) says yes exactly
    when a token is in the text."""
    assert _might_hold(text) is any(t in text for t in TOKENS)
