"""T010 literal-escape: escape sequences written out in message text, on real-looking records
(many taken from the shared and held-out data, double-encoded the way a pipeline does it) and
the clean twins it must leave alone (code, string literals, LaTeX, regexes, paths, mentions)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import alternating
from hypothesis import given, settings
from hypothesis import strategies as st

import sftlint
from sftlint.analysis.text.escapes import find_literal_escape

chat = alternating  # user, assistant, user … (conftest)


def lint(records, **kw) -> list:
    return [d for d in sftlint.lint(records, select=["T010"], **kw) if d.code == "T010"]


def encoded_twice(text: str, ascii_only: bool = False) -> str:
    """What a pipeline that JSON-encodes a field once too often stores: the inside of the string."""
    return json.dumps(text, ensure_ascii=ascii_only)[1:-1]


# A reply of FastChat's alpaca_data_cleaned (record 617) and a prompt of LLaMA-Factory's
# kto_en_demo (record 237), as published: one written-out break each, no real line break.
WATERLOO = (
    "Question: Who were the opposing commanders at the Battle of Waterloo in 1815?\\nAnswer: "
    "Napoleon Bonaparte and the Duke of Wellington, along with Field Marshal Blücher"
)
GODAVARI = (
    "In terms of length, catchment area and discharge, the Godavari river is the largest in "
    "peninsular India, and had been dubbed as the Dakshina Ganga -- Ganges of the South.\\n\\n"
    "Answer this question based on the passage: largest catchment area of river in south india? "
    "Let's give stream of consciousness first:"
)
# real multi-line replies of the shared data, to be encoded twice
STEPS = (
    "当然可以！以下是使用Notepad ++进行查找和替换的步骤：\n1. 打开Notepad ++和要编辑的文件。\n"
    "2. 按 `Ctrl + H` 打开查找和替换对话框。\n3. 点击“全部替换”。"
)
POEM = "The silver moonlight,\nEndless stars, a canvas vast,\nNight's art, pure, bright, free."
CODE_REPLY = (
    "Here is a simple program in Python that adds two numbers entered by the user:\n\n```python\n"
    'num1 = float(input("Enter the first number: "))\nnum2 = float(input("Enter the second number: "))\n'
    'print("The sum is", num1 + num2)\n```\n\nRun it and type two numbers.'
)
TABLE = "| Name | Age |\n|------|-----|\n| Alice | 30 |\n| John | 25 |"
DIALOGUE_ZH = "福尔摩斯：“沃森，我有一个新案子要调查。”\n华生医生：“真的吗？这个案子有什么难度？”"


@pytest.mark.parametrize(
    "record",
    [
        chat(
            "Using the given information, create a trivia quiz question and provide the correct answer.",
            WATERLOO,
        ),
        chat(GODAVARI, "The Godavari river."),
        chat("Notepad++怎么批量替换？", encoded_twice(STEPS)),
        chat("Write a haiku about the night sky.", encoded_twice(POEM)),
        chat("Write a program that adds two numbers.", encoded_twice(CODE_REPLY)),
        chat("Make a table of two people and their ages.", encoded_twice(TABLE)),
        chat("写一段福尔摩斯和华生的对话。", encoded_twice(DIALOGUE_ZH)),
        # Chinese dumped with ensure_ascii
        chat(
            "什么是迁移学习？",
            encoded_twice("迁移学习（Transfer Learning）是机器学习中的一个重要概念。", True),
        ),
        # a user prompt assembled from a real field and one encoded twice, twice over
        chat(
            "Read the passage and answer.\n"
            + encoded_twice("The river is long.\n\nIt floods in June.\n\nWhy?"),
            "Because of the monsoon.",
        ),
    ],
    ids=[
        "waterloo",
        "godavari",
        "steps-zh",
        "poem",
        "code-reply",
        "table",
        "dialogue-zh",
        "ensure-ascii",
        "template",
    ],
)
def test_text_encoded_twice_is_reported(record):
    found = lint([record])
    assert len(found) == 1, found
    d = found[0]
    text = record["messages"][int(d.pointer.split("/")[2])]["content"]
    assert text[d.span[0] : d.span[1]].startswith("\\")


@pytest.mark.parametrize(
    "text",
    [
        # C code with printf's \n, unfenced, as medicalgpt_sharegpt_zh_1K writes it (record 616)
        'int main() {\n    printf("Usage: %s <pid>\\n", argv[0]);\n    return -1;\n}',
        # the same one-liner without real line breaks
        'Use printf("%d\\n", x) to print it.',
        # a regex in prose (medicalgpt_sharegpt_zh_1K record 396)
        "您可以尝试使用\\r?\\n而不是$来匹配行尾。\n在“查找”字段中输入模式^0+\\s*(..)\\r?\\n。",
        # a character class of Chinese
        "匹配中文可以用[\\u4e00-\\u9fa5]+这个表达式。",
        # LaTeX with commands that start with \n (numina_cot records 149, 628, 972)
        "If $\\neg p$ is a sufficient condition for $\\neg q$, then $\\nu_p(n) \\neq 0$.",
        "We have \\(\\nabla f = 0\\) at the optimum.\nSo x is stationary.",
        # a Windows path
        "Save it as C:\\new\\table\\notes.txt and reopen it.",
        # a mention of the sequence
        "What does \\n mean in a Python string?",
        "它仅读取整数值并将换行符 (“\\n”) 留在输入流中。",
        # JSON shown on purpose (alpaca_zh_demo record 678) and a tool list in a system prompt
        '输出："{\\"姓名\\": \\"John\\", \\"年龄\\": 25}"',
        'Use these tools: [{"name": "plants", "description": "Returns:\\n- Latin name \\n- Family"}]',
        # one written-out break inside a text with real ones, not after a sentence
        "Steps:\n1. Open the file.\n2. Type IFS=\\n and run it.",
        # a text about escapes
        "In JSON a line break inside a string is escaped as \\n, e.g. Hello\\nWorld.",
        # code in backticks, on one line
        "Call `text.split('\\n')`, then join the lines.",
        # unfenced Python whose f-string holds \n (LLaMA-Factory's dpo_en_demo.json, record 30):
        # the quote after the string prefix opens a literal, as after a space
        "def check_cpu_usage():\n    if cpu_percent > CPU_THRESHOLD:\n        send_email(\n"
        "            f'High CPU Usage Alert ({cpu_percent}%)',\n"
        "            f'The CPU usage has exceeded the threshold of {CPU_THRESHOLD}%.\\nCurrent CPU usage: {cpu_percent}%'\n"
        "        )\n\ndef check_memory_usage():\n    print(rb'Memory usage is high.\\nCheck it.')\n",
    ],
)
def test_legitimate_backslashes_are_left_alone(text):
    assert find_literal_escape(text) is None
    assert not lint([chat("Question?", text)])


def test_an_apostrophe_after_a_word_is_still_no_quote():
    """The string-prefix reading only takes f/r/b/u (and their pairs) standing alone: the chef's
    knife and elf's hat keep their apostrophes, so their written breaks are still found."""
    text = "The chef's knife is sharp.\\nThe elf's hat is green.\\nBoth are new."
    assert find_literal_escape(text) is not None


def test_tool_output_is_not_judged():
    record = {
        "messages": [
            {"role": "user", "content": "Track my parcel ABC456."},
            {"role": "assistant", "content": "Let me check."},
            {"role": "tool", "content": "get_track_info error...\\nExceeded 30 redirects.\\nRetry later."},
            {"role": "assistant", "content": "The tracking service is down; please try again later."},
        ]
    }
    assert not lint([record])


def test_an_undesirable_kto_reply_is_its_own_example():
    assert not lint([chat("Write a quiz question.", WATERLOO, label=False)])
    assert lint([chat("Write a quiz question.", WATERLOO, label=True)])


def test_location_message_and_unsafe_fix(tmp_path):
    path = tmp_path / "data.jsonl"
    record = chat("Write a quiz question.", WATERLOO)
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    [d] = lint(path)
    assert d.line == 1 and d.pointer == "/messages/1/content"
    assert WATERLOO[d.span[0] : d.span[1]] == "\\n" and d.span[0] == WATERLOO.index("\\n")
    assert "line break written as “\\n”" in d.message and "no real line break" in d.message
    assert d.fix is not None and d.fix.applicability == "unsafe"
    [edit] = d.fix.edits
    assert edit.replacement == WATERLOO.replace("\\n", "\n")


def test_a_text_that_mixes_real_and_written_breaks_gets_no_fix():
    text = "Step 1: open it.\nStep 2: read it.\\n\\nStep 3: close it.\\nStep 4: done."
    [d] = lint([chat("How?", text)])
    assert d.fix is None and "after the end of a sentence" in d.message and "2 such places" in d.message


def test_ensure_ascii_run_names_the_characters():
    [d] = lint([chat("你好吗？", encoded_twice("你好，世界！", True))])
    assert "stands for “你好，世界！”" in d.message


def test_real_data_has_no_findings(shared_data):
    """No text of the shared data holds written-out escapes (the held-out data has two,
    judged in bench/verdicts/heldout.jsonl)."""
    paths = sorted((shared_data / "wild").glob("*.json*")) + sorted((shared_data / "sft").glob("*.json*"))
    assert paths
    assert not [d for p in paths for d in lint(p)]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \"'\\\n."), max_size=60), st.data())
def test_quote_state_read_once_is_the_state_counted_from_the_line_start(text, data):
    """The incremental quote counter (one pass over a long line) answers what counting each
    position from its line's start answers, in order and out of order."""
    from sftlint.analysis.text.escapes import _Quotes

    def naive(start: int) -> bool:
        doubles = singles = 0
        j = text.rfind("\n", 0, start) + 1
        while j < start:
            c = text[j]
            if c == "\\":
                j += 2  # the escaped character is not a quote
                continue
            if c == '"':
                doubles += 1
            elif c == "'":
                prev, nxt = text[j - 1 : j] or " ", text[j + 1 : j + 2] or " "
                apostrophe = (prev.isalnum() and nxt.isalnum()) or (prev.isalpha() and nxt in " s")
                # ... unless the word before it is a whole Python string prefix (f'..., rb'...)
                k = j
                while k > 0 and (text[k - 1].isalnum() or text[k - 1] == "_"):
                    k -= 1
                prefix = text[k:j].lower() in {"f", "r", "b", "u", "rb", "br", "fr", "rf"}
                singles += not apostrophe or prefix
            j += 1
        return doubles % 2 == 1 or singles % 2 == 1

    positions = data.draw(st.lists(st.integers(0, len(text)), max_size=8))
    quotes = _Quotes(text)
    for p in sorted(positions) + positions:
        assert quotes.inside(p) == naive(p), (text, p)


def test_a_backslash_at_a_lines_end_does_not_carry_the_quote_count_into_the_next_line():
    """Quotes are counted per line: an unclosed quote before a backslash that ends its line is
    forgotten on the next line, as counting from that line's start forgets it (CI's hypothesis
    run drew the first text)."""
    from sftlint.analysis.text.escapes import _Quotes

    text = "\\\\\\\\'\\\n"  # four backslashes, a quote, a backslash, the line's end
    assert len(text) == 7 and _Quotes(text).inside(6) and not _Quotes(text).inside(7)
    quotes = _Quotes("say 'x\\\nnext")
    assert quotes.inside(6) and not quotes.inside(10)


# BianQue's CMeDiaLog prompts (scutcyr/BianQue, data/cMedialog_example.csv): a patient's words
# between the template's "病人：" and "\n医生：", the break written out on purpose (the app turns
# real line breaks into that form for a T5 tokenizer without a line-break token).
PATIENTS = [
    "我和我男朋友再一起已经7年多了,但是我发现我有性冷淡,不知道是为什么",
    "请问服用黄体酮是不是可以让月经提前来？",
    "宝宝6个月大，最近有时候会发抖，请问是什么原因？",
    "头晕头痛,高血压高血脂,天天如此，应该吃什么药",
    "消化一直不怎好，吃东西很久也不消化而且还有胀气",
    "晨起床头晕、恶心、胸闷、气短，血压50—80，请问是什么病？",
]
DOCTOR = "你好，根据你的描述，建议去医院做个检查。\n　　1、注意休息\n　　2、清淡饮食"


def bianque(patient: str) -> dict:
    return {"instruction": f"病人：{patient}\\n医生：", "output": DOCTOR}


def bianque_file(n: int = 24) -> list[dict]:
    return [bianque(f"{PATIENTS[i % len(PATIENTS)]}（第{i}次咨询）") for i in range(n)]


def write(path, rows) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def test_a_template_that_writes_its_line_break_out_on_purpose_is_the_files_convention():
    rows = bianque_file()
    # one record alone: its evidence says encoded twice
    assert len(lint(rows[:1])) == 1
    # the file's every prompt ends with the same written-out break: its template writes it so
    assert lint(rows) == []


def test_a_text_that_mixes_in_a_real_line_break_breaks_the_convention(tmp_path):
    mixed = bianque("目前一般情况:无临床表现\n病史:一直是小三阳十年了\n以往的诊断和治疗经过:没有治疗")
    path = tmp_path / "bianque.jsonl"
    write(path, [*bianque_file(), mixed])
    [d] = lint(path)
    assert d.line == 25 and d.pointer == "/instruction"
    assert mixed["instruction"][d.span[0] : d.span[1]] == "\n"
    assert (
        "a real line break (2 in the text)" in d.message
        and "25 of its 25 user texts end with “\\n医生：”" in (d.message)
    )
    assert d.fix is not None and d.fix.applicability == "unsafe"
    subprocess.run(
        [sys.executable, "-m", "sftlint", "check", str(path), "--select", "T010", "--fix", "--unsafe-fixes"],
        capture_output=True,
        check=False,
    )
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert rows[-1]["instruction"] == mixed["instruction"].replace("\n", "\\n")
    assert rows[:-1] == bianque_file()
    assert lint(path) == []


def test_one_record_of_many_that_writes_its_break_out_is_reported_and_fixed(tmp_path):
    rows = [chat("Write a quiz question.", POEM.replace("\n", " / ") + f" ({i})") for i in range(30)]
    rows.append(chat("Write a quiz question.", WATERLOO))
    path = tmp_path / "quiz.jsonl"
    write(path, rows)
    [d] = lint(path)
    assert d.line == 31 and "line break written as “\\n”" in d.message
    subprocess.run(
        [sys.executable, "-m", "sftlint", "check", str(path), "--select", "T010", "--fix", "--unsafe-fixes"],
        capture_output=True,
        check=False,
    )
    last = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert last["messages"][1]["content"] == WATERLOO.replace("\\n", "\n")


def test_a_file_encoded_twice_throughout_is_still_reported():
    """Alpaca-CoT's AQuA prompts write every break out (``…?\\nOptions:\\n(A) 300\\n(B) 992…``): the
    same label in every record, but inside the content, where no two records agree: reported."""
    questions = [
        f"Question: A train runs {k} km in {k % 7 + 2} hours. What is its speed?" for k in range(40, 70)
    ]
    rows = [
        {
            "instruction": f"{q}\\nOptions:\\n(A) {k}\\n(B) {k + 3}\\n(C) {k + 5} Let's think first.",
            "input": "",
            "output": "x",
        }
        for k, q in enumerate(questions)
    ]
    assert len(lint(rows)) == len(rows)


def test_a_templated_file_still_reports_characters_written_as_escapes():
    rows = bianque_file()
    rows.append(bianque(encoded_twice("你好，世界！", True)))
    [d] = lint(rows)
    assert "stands for “你好，世界！”" in d.message
