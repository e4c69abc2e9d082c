"""T012 unclosed-code-block: a reply that opens a Markdown code block and never closes it, on
real-looking records (shapes taken from the shared and held-out data: a generation cut off inside
its code, a closing fence lost before the closing prose, one glued to the last code line, a stray
fence at the end) and the clean twins it must leave alone (closed blocks, LIMA's inline code in
triple backticks, longer outer fences, indented fences in lists, tildes, user turns, a KTO
negative)."""

from __future__ import annotations

import json

import sftlint
from sftlint.analysis.text.fences import find_open_fence


def chat(*turns: str, **extra) -> dict:
    msgs = [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]
    return {"messages": msgs, **extra}


def lint(records, **kw) -> list:
    return [d for d in sftlint.lint(records, select=["T012"], **kw) if d.code == "T012"]


# LLaMA-Factory's alpaca_en_demo, record 179: the table stops mid-row, inside its block
TABLE_CUT = (
    "Here is the multiplication table for numbers 2 to 10:\n\n```\n"
    "2x1=2  | 3x1=3  | 4x1=4  | 5x1=5\n2x2=4  | 3x2=6  | 4x2=8  | 5x2=10\n2x3=6  | 3x3=9  | 4x3=12"
)
TABLE = TABLE_CUT + " | 5x3=15\n```"
# dpo_en_demo's chosen reply 171: Terraform cut off mid-assignment
HCL_CUT = (
    '1. Create a `main.tf` file with the following content:\n```hcl\nprovider "azurerm" {\n'
    '  features {}\n}\n\nresource "azurerm_app_service_plan" "asp" {\n  kind = "linux"\n'
    "  maximum_elastic_scale ="
)
# MedicalGPT's ShareGPT file, record 859: the closing fence is lost before the closing sentence
LOST_CLOSE = (
    '这是包含所有资源的 `main.tf` 文件内容：\n```\nresource "aws_dynamodb_table" "alpha_table" {\n'
    '  name = "alpha_table"\n}\n请告知如果您有任何问题或需要进一步帮助。'
)
CLOSED = LOST_CLOSE.replace("}\n请告知", "}\n```\n请告知")
# ko_alpaca, record 1236: the closing fence glued to the last code line (closed, as meant)
GLUED = (
    "난수 배열을 생성하는 Python 스크립트를 작성하겠습니다.\n\n```python\nimport random\n"
    "array = random.sample(range(1, 101), 50)\nprint(array)```"
)
# llm_math_solver: the opening fence glued to the prose line before the code
GLUED_OPEN = (
    "### Python代码验证：\n我们可以使用Python代码来验证这个计算过程：```python\n"
    "original_price = 3200\nprint('西服的现价为:', original_price * 7 / 8 * 9 / 8)\n```"
)
GLUED_OPEN_CUT = GLUED_OPEN.rsplit("\n", 1)[0]
# kto_en_demo, record 37: a stray fence after a closed block
STRAY = "Here is the bot:\n```scala\nobject Bot extends App\n```\n\nIt keeps the conversation state.\n```"
# LIMA's StackExchange conversion writes inline code in triple backticks
LIMA_INLINE = (
    "Use ```git reset --soft``` to keep your changes staged.\n* Use ```--hard``` to wipe "
    "everything out and start a fresh slate at the new commit."
)
# a Markdown README shown in a four-backtick block holds three-backtick fences
NESTED = (
    "Here is the README:\n\n````markdown\n# Install\n\n```bash\npip install foo\n```\n````\n\n"
    "Save it as README.md."
)
# fences indented inside a numbered list
LISTED = (
    "1. Install the package:\n\n    ```bash\n    pip install foo\n    ```\n\n"
    "2. Import it:\n\n    ```python\n    import foo\n    ```"
)
TILDES = "Run:\n~~~sh\nmake test\n~~~\nThen open the report."


def test_reports_a_reply_cut_inside_its_code():
    found = lint([chat("Print a multiplication table for 2 to 10.", TABLE_CUT)])
    assert len(found) == 1
    d = found[0]
    assert d.pointer == "/messages/1/content"
    assert TABLE_CUT[d.span[0] : d.span[1]] == "```"
    assert "never closed" in d.message and "4x3=12" in d.message


def test_reports_a_cut_with_an_info_string():
    (d,) = lint([chat("Deploy an App Service with Terraform.", HCL_CUT)])
    assert HCL_CUT[d.span[0] : d.span[1]] == "```hcl"
    assert "maximum_elastic_scale" in d.message


def test_reports_a_lost_closing_fence_before_prose():
    (d,) = lint([chat("给我 main.tf 的完整内容", LOST_CLOSE)])
    assert "请告知" in d.message


def test_fences_glued_to_a_line_are_read_as_meant():
    assert lint([chat("1부터 100까지의 난수 배열을 만드세요.", GLUED)]) == []
    assert lint([chat("一件西服原价3200元……现价是多少元？", GLUED_OPEN)]) == []
    (d,) = lint([chat("一件西服原价3200元……现价是多少元？", GLUED_OPEN_CUT)])
    assert GLUED_OPEN_CUT[d.span[0] : d.span[1]] == "```python"


def test_names_a_stray_fence_at_the_end():
    (d,) = lint([chat("Write a chatbot in Scala.", STRAY)])
    assert "stray fence" in d.message and "nothing follows" in d.message
    assert STRAY[d.span[0] :] == "```"


def test_sharegpt_and_alpaca_layouts():
    sharegpt = {
        "conversations": [{"from": "human", "value": "main.tf?"}, {"from": "gpt", "value": LOST_CLOSE}]
    }
    alpaca = {"instruction": "Print a multiplication table for 2 to 10.", "input": "", "output": TABLE_CUT}
    assert len(lint([sharegpt])) == 1
    assert len(lint([alpaca])) == 1


def test_clean_twins_are_left_alone():
    clean = [TABLE, CLOSED, LIMA_INLINE, NESTED, LISTED, TILDES, "No code here at all."]
    records = [chat("Show me.", text) for text in clean]
    assert lint(records) == []


def test_user_turns_are_not_read_by_default():
    assert lint([chat("Fix this:\n```python\ndef f(:\n", "Add the closing parenthesis: `def f():`.")]) == []


def test_a_kto_negative_is_not_judged():
    assert lint([chat("Print a multiplication table.", TABLE_CUT, label=False)]) == []
    assert len(lint([chat("Print a multiplication table.", TABLE_CUT, label=True)])) == 1


def test_the_rejected_side_of_a_pair_is_not_judged():
    pair = {
        "conversations": [{"from": "human", "value": "Deploy an App Service with Terraform."}],
        "chosen": {"from": "gpt", "value": HCL_CUT.replace("maximum_elastic_scale =", "}\n```")},
        "rejected": {"from": "gpt", "value": HCL_CUT},
    }
    assert lint([pair]) == []
    pair["chosen"], pair["rejected"] = pair["rejected"], pair["chosen"]
    assert len(lint([pair])) == 1


def test_scanner_details():
    assert find_open_fence("no fence") is None
    # a shorter fence does not close a longer one; a longer one does
    assert find_open_fence("````\ncode\n```") is not None
    assert find_open_fence("```\ncode\n`````") is None
    # tildes do not close backticks
    assert find_open_fence("```\ncode\n~~~") is not None
    # a backtick fence's info string may not hold a backtick: not an opener
    assert find_open_fence("```E1: `x` is a boolean\ntext") is None
    f = find_open_fence("text\n  ```js\nlet a = 1")
    assert f is not None and f.fence == "```js" and f.lines_after == 1
    # a glued fence is the line's unpaired last run: inline code pairs are not one
    assert find_open_fence("Use ```a``` or ```b```\ntext") is None
    assert find_open_fence("Run it:```sh\nmake") is not None
    # a bare fence after a sentence opens nothing (LIMA): the fences of their own lines pair up
    assert find_open_fence("It skips matched characters.```\n\n```\ncode\n```") is None
    assert find_open_fence("Use ```new Image()```.\ntext") is None


def test_fences_written_as_json_escapes_are_read(tmp_path):
    import json

    path = tmp_path / "escaped.jsonl"
    line = json.dumps(chat("Print a multiplication table for 2 to 10.", TABLE_CUT)).replace("`", "\\u0060")
    path.write_text(line + "\n" + json.dumps(chat("Show me.", TABLE)).replace("`", "\\u0060") + "\n")
    found = lint([str(path)])
    assert [d.line for d in found] == [1]


def _parts(*texts) -> dict:
    """A reply written as typed content parts (an image between two of them)."""
    parts = [{"type": "text", "text": t} if isinstance(t, str) else t for t in texts]
    return {
        "messages": [
            {"role": "user", "content": "Terraform 怎么写？"},
            {"role": "assistant", "content": parts},
        ]
    }


def test_a_block_across_parts_is_read_joined_and_a_finding_points_at_its_own_part(tmp_path):
    """The parts are read joined (a block opened in one text part and closed in the next is
    closed); a block left open is reported at the part and the place its fence is written, past
    an image part and a closed block in the part before."""
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    closed = _parts('配置如下：\n```hcl\nprovider "azurerm" {', "}\n```\n完成。")
    assert lint([closed]) == []
    opened = _parts("先看说明。\n```\nA\n```", image, "配置如下：\n" + HCL_CUT[HCL_CUT.index("```") :])
    p = tmp_path / "a.jsonl"
    line = json.dumps(opened, ensure_ascii=False)
    p.write_text(line + "\n", encoding="utf-8")
    (d,) = lint(str(p))
    assert d.pointer == "/messages/1/content/2/text" and d.span == (6, 12)
    assert line[d.column - 1 : d.end_column - 1] == "```hcl"
