"""Templated text (a chat template's output kept as the record's ``text``) and plain documents.

TRL's SFTTrainer and many tutorials' datasets keep each conversation as the one string the model
sees.  The turns must be read back out with their exact place in the string, the end tokens a
template requires must be checked (S011), and a plain document must be linted as text, not
reported as a file no format claims.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sftlint
from sftlint.formats.chat_templates import TEMPLATES, template_of
from sftlint.plugins import default_registry

LLAMA2 = (
    "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\n"
    "What is monopsony? [/INST] A market with a single buyer. </s>"
    "<s>[INST] An example? [/INST] A mining town whose one employer sets the wages. </s>"
)
MISTRAL = "<s>[INST] Me gradué hace poco, ¿qué hago? [/INST] Busca un trabajo que te guste. </s>"
LLAMA3 = (
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>\n\n北京今天天气怎么样？<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\n北京今天晴，气温25度。<|eot_id|>"
)
GEMMA = "<bos><start_of_turn>user\nWhy is the sky blue?<end_of_turn>\n<start_of_turn>model\nRayleigh scattering.<end_of_turn>\n"
PHI3 = "<|user|>\nWhy is the sky blue?<|end|>\n<|assistant|>\nRayleigh scattering.<|end|>\n"
ZEPHYR = "<|system|>\nBe kind.</s>\n<|user|>\nHi!</s>\n<|assistant|>\nHello, how can I help?</s>\n"
VICUNA = (
    "A chat between a curious user and an artificial intelligence assistant. "
    "USER: Hello! ASSISTANT: Hi there, how can I help?</s>USER: Tell me a joke. ASSISTANT: Why did the chicken cross the road?</s>"
)
ALPACA_TEXT = (
    "Below is an instruction that describes a task, paired with an input that provides further context. "
    "Write a response that appropriately completes the request.\n\n"
    "### Instruction:\nSummarise the text.\n\n### Input:\nThe cat sat on the mat all day.\n\n"
    "### Response:\nA cat spent the day on a mat."
)


def _turns(text: str) -> list[tuple[str, str]]:
    messages = default_registry().formats["transcript"].to_messages({"text": text})
    return [(m.role, m.content) for m in messages]


@pytest.mark.parametrize(
    ("text", "template", "turns"),
    [
        (
            LLAMA2,
            "llama-2",
            [
                ("system", "You are a helpful assistant."),
                ("user", "What is monopsony?"),
                ("assistant", "A market with a single buyer."),
                ("user", "An example?"),
                ("assistant", "A mining town whose one employer sets the wages."),
            ],
        ),
        (
            MISTRAL,
            "llama-2",
            [("user", "Me gradué hace poco, ¿qué hago?"), ("assistant", "Busca un trabajo que te guste.")],
        ),
        (
            LLAMA3,
            "llama-3",
            [
                ("system", "Be brief."),
                ("user", "北京今天天气怎么样？"),
                ("assistant", "北京今天晴，气温25度。"),
            ],
        ),
        (GEMMA, "gemma", [("user", "Why is the sky blue?"), ("assistant", "Rayleigh scattering.")]),
        (PHI3, "phi-3", [("user", "Why is the sky blue?"), ("assistant", "Rayleigh scattering.")]),
        ("<s>" + PHI3, "phi-3", [("user", "Why is the sky blue?"), ("assistant", "Rayleigh scattering.")]),
        (
            "<s><|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n您好！<|im_end|>\n",
            "chatml",
            [("user", "你好"), ("assistant", "您好！")],
        ),
        (ZEPHYR, "phi-3", [("system", "Be kind."), ("user", "Hi!"), ("assistant", "Hello, how can I help?")]),
        (
            VICUNA,
            "vicuna",
            [
                ("system", "A chat between a curious user and an artificial intelligence assistant."),
                ("user", "Hello!"),
                ("assistant", "Hi there, how can I help?"),
                ("user", "Tell me a joke."),
                ("assistant", "Why did the chicken cross the road?"),
            ],
        ),
        (
            ALPACA_TEXT,
            "alpaca",
            [
                ("system", ALPACA_TEXT.split("\n\n")[0]),
                ("user", "Summarise the text.\n\n### Input:\nThe cat sat on the mat all day."),
                ("assistant", "A cat spent the day on a mat."),
            ],
        ),
    ],
)
def test_each_template_is_read_back_into_its_turns(text, template, turns):
    assert template_of(text).name == template
    assert _turns(text) == turns
    # clean data: detected as a transcript, and nothing to report
    found = [d for d in sftlint.lint([{"text": text}]) if d.severity != "info"]
    assert found == []


def test_a_turn_points_at_its_exact_place_in_the_string():
    messages = default_registry().formats["transcript"].to_messages({"text": LLAMA2})
    reply = messages[4]
    pointer, span = reply.resolve((2, 8))
    assert pointer == "/text" and LLAMA2[span[0] : span[1]] == "mining"


def test_findings_in_templated_text_point_into_it():
    bad_reply = LLAMA2.replace("A market with a single buyer.", "A market with a {{answer}} buyer.")
    empty_reply = MISTRAL.replace("Busca un trabajo que te guste.", "")
    records = [{"text": bad_reply}, {"text": empty_reply}]
    found = {(d.record, d.code): d for d in sftlint.lint(records) if d.severity != "info"}
    s007 = found[(0, "S007")]
    assert s007.pointer == "/text" and bad_reply[s007.span[0] : s007.span[1]] == "{{answer}}"
    assert (1, "S003") in found and found[(1, "S003")].pointer == "/text"


def test_prose_that_mentions_markers_is_not_a_template():
    for text in (
        "The user typed USER: into the box.",  # no ASSISTANT: after it
        "Write ### Instruction: headings in your prompts.",  # not at a line start, no Response
        "In Llama 2 prompts the user's text goes between [INST] and [/INST].",  # not at the start
    ):
        assert template_of(text) is None, text


#: Vicuna's and the Alpaca prompt's openings as they were written before ``follows``: the
#: lookahead inside the pattern (the reference the split form must agree with)
_LOOKAHEAD_OPENINGS = {
    "vicuna": re.compile(r"(?s).{0,2000}?(?:\A|(?<=\s))USER:(?=.*?\sASSISTANT:)"),
    "alpaca": re.compile(r"(?sm).{0,2000}?^#{2,4}[ \t]*Instruction:(?=.*?^#{2,4}[ \t]*Response:)"),
    "human-assistant": re.compile(r"\s*(?:###\s*)?Human:(?=.*?Assistant:)", re.S),
}
_PIECES = [
    "USER:",
    "ASSISTANT:",
    "Human:",
    "Assistant:",
    "###",
    "### Instruction:",
    "### Response:",
    "## Response:",
    " ",
    "\n",
    "a",
    "\t",
    "#",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_an_opening_and_what_must_follow_it_read_as_the_lookahead_did(pieces):
    text = "".join(pieces)
    expected = next(
        (t.name for t in TEMPLATES if _LOOKAHEAD_OPENINGS.get(t.name, t.opening).match(text)),
        None,
    )
    got = template_of(text)
    assert (got.name if got else None) == expected, text


def test_no_opening_looks_ahead_to_the_rest_of_the_text():
    # what must follow an opening is ``follows``, searched once: a lookahead in ``opening``
    # is scanned again from each candidate opening (quadratic on a long text)
    for template in TEMPLATES:
        assert "(?=" not in template.opening.pattern, template.name


def test_a_long_text_that_repeats_user_and_never_answers_is_read_in_one_pass():
    # Before: the lookahead scanned the rest of the text again from every ``USER:`` among the
    # first 2,000 characters; on these 6 MB that is about 400 scans of 6 MB (minutes).
    for text in ("USER: " * 1_000_000, "### Instruction:\n" * 400_000):
        assert template_of(text) is None
    assert template_of("USER: hi\n" * 100_000 + " ASSISTANT: hello").name == "vicuna"


# -- S011 for the templates that end every turn with a token ----------------------------------


@pytest.mark.parametrize(
    ("closed", "cut", "token"),
    [
        (LLAMA3, LLAMA3.removesuffix("<|eot_id|>"), "<|eot_id|>"),
        (GEMMA, GEMMA.replace("scattering.<end_of_turn>", "scattering."), "<end_of_turn>"),
    ],
)
def test_s011_an_end_token_missing_in_llama3_and_gemma(closed, cut, token):
    assert sftlint.lint([{"text": closed}], select=["S011"]) == []
    (d,) = sftlint.lint([{"text": cut}], select=["S011"])
    assert token in d.message and "the text ends" in d.message
    assert cut[d.span[0] : d.span[1]] == cut.rstrip()[-1]  # the last character of the open turn


def test_s011_leaves_templates_without_a_required_end_alone():
    # Llama 2 without the closing </s>, GLM-style headers without <|end|>: the template allows it
    for text in (MISTRAL.removesuffix(" </s>"), "<|user|>\n你好<|assistant|>\n你好！有什么可以帮您？"):
        assert sftlint.lint([{"text": text}], select=["S011"]) == []


# -- TRL's language-modeling text ---------------------------------------------------------------


def test_a_plain_document_is_read_as_text_and_linted(tmp_path):
    docs = [
        {"text": "垄断性买方指一个市场上只有一个买家的结构，买家因此能压低价格。"},
        {"text": "今天我们以经完成了全部的工作，明天继续。"},  # 以经 -> 已经
        {"text": "See the attached file.\\nThe second line is written out."},
    ]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    found = [(d.code, d.line, d.pointer) for d in sftlint.lint(path) if d.severity != "info"]
    assert ("T001", 2, "/text") in found  # the typo rule judges the document
    assert ("T010", 3, "/text") in found  # so does the literal-escape rule
    assert not [f for f in found if f[0] in ("S001", "S004", "S005")]  # no turns to put in order


def test_the_dialogue_a_document_holds_is_its_own():
    """S009 reports a reply that writes the user's next turn; a document's dialogue is its own."""
    prose = [f"第{k}章的内容写在这里，共有若干段落，讲述了一个完整的故事。" for k in range(30)]
    play = "营业时间如下，周一到周五九点开门。\n\nUser: 那周末呢？"
    as_documents = [{"text": t} for t in [*prose, play]]
    assert [d.code for d in sftlint.lint(as_documents, select=["S009"])] == []
    as_replies = [
        {"messages": [{"role": "user", "content": "请讲"}, {"role": "assistant", "content": d["text"]}]}
        for d in as_documents
    ]
    assert [d.code for d in sftlint.lint(as_replies, select=["S009"])] == ["S009"]


def test_a_file_of_templated_chats_with_a_few_plain_texts_stays_a_transcript():
    records = [{"text": LLAMA3}] * 8 + [{"text": "一段没有模板的文字。"}] * 2
    fmt = default_registry().formats
    from sftlint.formats import detect

    assert detect(records, fmt) == "transcript"
    assert detect([{"text": "plain"}] * 8 + [{"text": LLAMA3}] * 2, fmt) == "text"


# -- the same conversations, templated: the same findings ---------------------------------------

_RENDER = {
    "chatml": lambda turns: "".join(f"<|im_start|>{r}\n{c}<|im_end|>\n" for r, c in turns),
    "llama-3": lambda turns: (
        "<|begin_of_text|>"
        + "".join(f"<|start_header_id|>{r}<|end_header_id|>\n\n{c}<|eot_id|>" for r, c in turns)
    ),
    "gemma": lambda turns: (
        "<bos>"
        + "".join(
            f"<start_of_turn>{'model' if r == 'assistant' else r}\n{c}<end_of_turn>\n" for r, c in turns
        )
    ),
    "phi-3": lambda turns: "".join(f"<|{r}|>\n{c}<|end|>\n" for r, c in turns),
}


def _by_turn(diagnostics, conversations):
    """(record, code, turn, span in the turn's text) of each finding: comparable across layouts.

    A finding about a whole turn names the turn's own string (or role) where the turn has one,
    and the turn's whole stretch of the transcript where it is cut out of one: both read as
    (turn, None).  A span-less finding on a transcript names no turn."""
    out = set()
    for d in diagnostics:
        if d.code.startswith("D"):
            continue  # dataset rules compare whole records, whose bytes differ between layouts
        messages = conversations[d.record]
        shared = len({m.content_pointer for m in messages}) < len(messages)
        turn, span = None, None
        for k, m in enumerate(messages):
            lo, hi = m.segments[0].base, m.segments[0].base + len(m.content)
            if not shared and d.pointer in (m.content_pointer, m.role_pointer, m.pointer):
                turn, span = k, None if d.span is None else tuple(d.span)
                break
            if shared and d.span is not None and d.pointer == m.content_pointer and lo <= d.span[0] <= hi:
                turn, span = k, (d.span[0] - lo, d.span[1] - lo)
                if (lo, hi) == tuple(d.span):
                    span = None
                break
        if turn is not None and span == (0, len(messages[turn].content)):
            span = None
        out.add((d.record, d.code, turn, span))
    return out


@pytest.mark.slow
def test_templated_conversations_get_the_findings_of_the_same_messages(shared_data):
    """MedicalGPT's real dialogues (with their empty turns, unfinished replies, garbled text and
    typos), written as messages and through four chat templates: every rule says the same of
    each turn, at the same place in it."""
    rows = [json.loads(line) for line in (shared_data / "wild" / "medicalgpt_sharegpt_zh_1K.jsonl").open()]
    roles = {"human": "user", "gpt": "assistant", "system": "system"}
    conversations = [[(roles[t["from"]], t["value"]) for t in row["conversations"]] for row in rows[:400]]
    as_messages = [{"messages": [{"role": r, "content": c} for r, c in conv]} for conv in conversations]
    mapped = [default_registry().formats["messages"].to_messages(r) for r in as_messages]
    expected = {
        (rec, code, turn, span)
        for rec, code, turn, span in _by_turn(sftlint.lint(as_messages), mapped)
        if code != "S001"
    }
    assert len({code for _, code, _, _ in expected}) >= 4  # the data has defects of several kinds
    for name, render in _RENDER.items():
        texts = [{"text": render(conv)} for conv in conversations]
        turns = [default_registry().formats["transcript"].to_messages(t) for t in texts]
        assert all(template_of(t["text"]).name == name for t in texts)
        got = _by_turn(sftlint.lint(texts), turns)
        assert got == expected, name


# -- S012: a reply without the end-of-sequence token the file's other replies end with -----------

ANSWERS = [
    ("退货要多久到账？", "审核通过后3-5个工作日原路退回。"),
    ("运费谁出？", "质量问题的退货运费由我们承担。"),
    ("可以换货吗？", "可以，签收后七天内可在订单页申请换货。"),
]


def _llama2(q: str, a: str, eos: bool) -> dict:
    return {"text": f"<s>[INST] {q} [/INST] {a}" + (" </s>" if eos else "")}


def test_s012_a_reply_without_the_files_end_of_sequence_token():
    records = [_llama2(q, a, True) for q, a in ANSWERS * 4]
    records.append(_llama2(*ANSWERS[0], eos=False))  # cut: the model would learn to run on
    (d,) = sftlint.lint(records, select=["S012"])
    assert d.record == 12 and d.pointer == "/text" and "`</s>`" in d.message and "92%" in d.message
    assert records[12]["text"][d.span[0] : d.span[1]] == "。"  # the reply's last character
    # a multi-turn record: its first reply closed, its last one not
    multi = {"text": _llama2(*ANSWERS[1], True)["text"] + _llama2(*ANSWERS[2], False)["text"]}
    (d,) = sftlint.lint([*records[:12], multi], select=["S012"])
    assert d.record == 12 and multi["text"][d.span[1] - 3 : d.span[1]] == "换货。"


def test_s012_quiet_where_the_file_leaves_the_token_to_the_trainer():
    # no record writes </s>: the trainer adds it (or the file is judged by its own convention)
    assert sftlint.lint([_llama2(q, a, False) for q, a in ANSWERS * 4], select=["S012"]) == []
    # Vicuna, the same vote
    vicuna = [{"text": f"A chat. USER: {q} ASSISTANT: {a}</s>"} for q, a in ANSWERS * 4]
    vicuna.append({"text": f"A chat. USER: {ANSWERS[0][0]} ASSISTANT: {ANSWERS[0][1]}"})
    assert [d.record for d in sftlint.lint(vicuna, select=["S012"])] == [12]
    # templates whose every turn must end with a token are S011's, not S012's
    chatml = [{"text": f"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n{a}"} for q, a in ANSWERS]
    assert sftlint.lint(chatml, select=["S012"]) == []


def test_a_record_without_the_files_template_is_reported_not_passed_over():
    """In a file of templated conversations, a text no template wrote (cut before its first
    header, or pasted plain) has no turns for the rules to read: S001 says so."""
    records = [{"text": LLAMA3}] * 5 + [{"text": "北京今天晴，气温25度。<|eot_id|>"}]
    found = [(d.record, d.code, d.pointer) for d in sftlint.lint(records, select=["S001"])]
    assert found == [(5, "S001", "/text")]
    assert sftlint.lint([{"text": LLAMA3}] * 5, select=["S001"]) == []


# -- S013: records written with another template than the file's -------------------------------


def test_s013_records_of_another_template_than_the_files(monkeypatch):
    from sftlint.rules import structure

    chatml = [
        {"text": f"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n{a}<|im_end|>\n"}
        for q, a in ANSWERS * 3
    ]
    llama2 = [_llama2(q, a, True) for q, a in ANSWERS]
    found = sftlint.lint([*chatml, *llama2[:1], *chatml], select=["S013"])
    assert [(d.record, d.pointer) for d in found] == [(9, "/text")]
    assert (
        "llama-2" in found[0].message
        and "18 of the file's 19" in found[0].message
        and "chatml" in found[0].message
    )
    assert sftlint.lint(chatml, select=["S013"]) == []  # one template: nothing to say
    assert sftlint.lint([{"text": "一篇文章。"}] * 3, select=["S013"]) == []  # documents: no template
    # past the listing bound, the rest are counted in one finding
    monkeypatch.setattr(structure, "TEMPLATES_LISTED", 2)
    found = sftlint.lint([*chatml, *chatml, *llama2, *llama2], select=["S013"])
    assert [d.record for d in found if d.pointer] == [18, 19]
    (summary,) = [d for d in found if not d.pointer]
    assert summary.message.startswith("4 more records are written with the llama-2 template")


def test_s013_collector_pieces_merge_as_appending_does(monkeypatch):
    from sftlint.rules import structure

    from sftlint.diagnostic import RecordRef

    monkeypatch.setattr(structure, "TEMPLATES_LISTED", 3)
    uses = [
        structure._TemplateUse(RecordRef("a.jsonl", i, i + 1, None), f"h{i}", name)
        for i, name in enumerate(
            ["chatml", "llama-2", "chatml", "llama-2", "gemma", "llama-2", "llama-2", "chatml"]
        )
    ]
    whole = structure._TemplateCollector()
    for u in uses:
        whole.append(u)
    merged = structure._TemplateCollector()
    for part in (uses[:3], uses[3:6], uses[6:]):
        piece = merged.piece()
        for u in part:
            piece.append(u)
        merged.merge(piece)
    assert merged.counts == whole.counts and merged.kept == whole.kept
    assert list(merged.counts["a.jsonl"]) == ["chatml", "llama-2", "gemma"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\n\u3000\u2028a中<", max_size=40), st.data())
def test_the_end_of_a_turns_content_is_where_rstrip_would_end_it(text, data):
    from rules.structure import end_of_content

    end = data.draw(st.integers(0, len(text)))
    assert end_of_content(text, end) == len(text[:end].rstrip())


def test_s011_on_a_text_of_many_empty_turns_reports_each_where_it_ends():
    # fifty thousand open assistant headers: every turn is reported (each copy of the text
    # before a turn made this quadratic) and points just before the next header
    text = "<|im_start|>user\n你好<|im_end|>\n" + "<|im_start|>assistant\n 好 \n" * 50_000
    found = sftlint.lint([{"text": text}], select=["S011"])
    assert sum(d.count for d in found) == 50_000  # the first 100 listed, the rest counted
    assert all(text[d.span[0] : d.span[1]] == "好" for d in found if d.span)


def test_a_templated_record_with_an_invisible_first_character_is_told_so():
    # a byte-order mark picked up when files were joined: the template is not recognised, and
    # the finding says why instead of "holds no chat template's turns"
    turn = "<|im_start|>user\n在吗<|im_end|>\n<|im_start|>assistant\n在的。<|im_end|>\n"
    records = [{"text": turn}] * 3 + [{"text": "\ufeff" + turn}, {"text": "just prose"}]
    found = {d.record: d.message for d in sftlint.lint(records, select=["S001"])}
    assert set(found) == {3, 4}
    assert "invisible U+FEFF" in found[3]
    assert "holds no chat template's turns" in found[4]
