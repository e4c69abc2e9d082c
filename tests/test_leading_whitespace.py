"""T013 leading-whitespace: a reply that begins with a line break or stray spaces where its file's
replies begin with text, on real-looking records (shapes of the held-out data: MedicalGPT's
BELLE outputs opening with a line break, AutoAct's answers with a space, a Q&A site's answers
with six spaces) and the clean twins it must leave alone (code indentation, a file whose
template opens every reply with a line break, rejected and KTO-negative replies)."""

from __future__ import annotations

from sftlint.rules.replies import leading_whitespace

import sftlint


def alpaca(output: str, instruction: str = "写一段关于远程工作的介绍。") -> dict:
    return {"instruction": instruction, "input": "", "output": output}


def lint(records, **kw) -> list:
    return [d for d in sftlint.lint(records, select=["T013"], **kw) if d.code == "T013"]


CLEAN = [alpaca(f"第{i}条：随着技术的发展，越来越多的人选择远程工作。") for i in range(30)]


def test_reports_a_leading_line_break_in_a_file_that_begins_with_text():
    found = lint([*CLEAN, alpaca("\n随着技术的发展，越来越多的人选择远程工作。")])
    assert len(found) == 1
    d = found[0]
    assert d.pointer == "/output" and d.span == (0, 1)
    assert "a line break" in d.message and "30 of the file's 31 replies begin with text" in d.message
    assert d.fix is not None and d.fix.applicability == "safe"


def test_reports_spaces_before_the_first_word():
    answers = [{"input": f"Question {i}?", "output": f"Answer {i}"} for i in range(25)]
    found = lint([*answers, {"input": "What is the Sahara?", "output": " largest desert in the world"}])
    assert [d.span for d in found] == [(0, 1)]
    six = lint([*CLEAN, alpaca("      需要去医院看看目前青光眼的眼压水平。")])
    assert [d.span for d in six] == [(0, 6)]


def test_a_small_file_is_judged_reply_by_reply():
    found = lint([alpaca("随着技术的发展。"), alpaca(" \n根据你说的症状应该属于气滞。")])
    assert [d.span for d in found] == [(0, 2)]


def test_code_indentation_is_left_alone():
    assert leading_whitespace("    def area(r):\n        return 3.14 * r * r") == 0
    assert leading_whitespace("\tfor i in range(3):") == 0
    # only the blank line goes, the code keeps its indentation
    assert leading_whitespace("\n    def area(r):") == 1
    assert leading_whitespace("Plain text.") == 0
    assert leading_whitespace("   ") == 0  # an empty reply is S003's


def test_a_file_whose_template_opens_every_reply_with_a_line_break_is_left_alone():
    records = [alpaca(f"\n第{i}条：远程工作更灵活。") for i in range(30)] + [alpaca("远程工作更灵活。")]
    assert lint(records) == []


def test_rejected_and_kto_negative_replies_are_not_judged():
    pair = {
        "conversations": [{"from": "human", "value": "Translate to English: Bună ziua"}],
        "chosen": {"from": "gpt", "value": "Good day"},
        "rejected": {"from": "gpt", "value": " Good afternoon"},
    }
    assert lint([pair]) == []
    kto = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "\nHello!"}],
        "label": False,
    }
    assert lint([kto]) == []
    # the same replies as the file's good examples are judged: the silence above is the label's
    kto["label"] = True
    assert [d.pointer for d in lint([kto])] == ["/messages/1/content"]
    pair["chosen"], pair["rejected"] = pair["rejected"], pair["chosen"]
    assert [d.pointer for d in lint([pair])] == ["/chosen/value"]


def test_the_fix_removes_only_the_whitespace(tmp_path):
    import json
    import subprocess
    import sys

    path = tmp_path / "data.jsonl"
    rows = [*CLEAN, alpaca("\n\n随着技术的发展。")]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "sftlint", "check", str(path), "--select", "T013", "--fix"],
        capture_output=True,
        check=False,
    )
    last = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert last["output"] == "随着技术的发展。"


def test_chinese_paragraph_indentation_is_left_alone():
    # MedicalGPT's medical_sft: a Q&A site's answer, every paragraph indented with two U+3000
    reply = "\u3000\u3000病情分析：\n\n\u3000\u3000你好，根据你的描述，考虑是慢性咽炎。"
    assert leading_whitespace(reply) == 0
    assert lint([*CLEAN, alpaca(reply)]) == []


def test_a_reply_of_parts_is_judged_by_the_whitespace_its_first_part_writes():
    def parts(*texts: str) -> dict:
        content = [{"type": "text", "text": t} for t in texts]
        return {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": content}]}

    answers = [parts(f"Answer {i}.") for i in range(25)]
    # an empty first part: the line break between the parts is written in no string
    assert lint([*answers, parts("", "Hello.")]) == []
    found = lint([*answers, parts("  ", "Hello.")])
    assert [(d.pointer, d.span) for d in found] == [("/messages/1/content/0/text", (0, 2))]
    assert "2 spaces" in found[0].message
