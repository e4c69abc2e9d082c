"""T015 empty-code-block: a reply that holds a Markdown code block with nothing inside, on
real-looking records (shapes from the shared and held-out data: a math solver's generator that
wraps no code in ```` ```python ```` fences, a ShareGPT scrape that stripped the HTML of its
examples, LIMA's conversion that stripped XML) and the clean twins it must leave alone (blocks
with code, LIMA's commands written on the fence line, a fence that closes a block whose opening
was lost, an unclosed block, user turns, a KTO negative)."""

from __future__ import annotations

import sftlint
from sftlint.analysis.text.fences import find_empty_blocks


def chat(*turns: str, **extra) -> dict:
    msgs = [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]
    return {"messages": msgs, **extra}


def lint(records, **kw) -> list:
    return [d for d in sftlint.lint(records, select=["T015"], **kw) if d.code == "T015"]


# percent4/llm_math_solver's ape210k data: a reply solved without code still gets the fences
SOLVER = "因此，他们在游乐场玩了 \\(\\boxed{3}\\) 小时。```python\n\n```"
SOLVER_CODE = "我们可以使用Python代码来验证这个计算过程：```python\nprint(3200 * (1 - 1/8) * (1 + 1/8))\n```"
# MedicalGPT's ShareGPT file, record 303: the <form> example was stripped in the scrape
STRIPPED = (
    "多部分上传表单中的边界数量由表单中包含文件数据的字段数量确定。\n例如，考虑以下HTML表单：\n```\n```\n"
    "这个表单包含三个字段：一个文本字段和两个文件字段。"
)
# MedicalGPT record 97: an empty ```tsx block where the snippet was
TSX = "您可以将父容器的高度设置为'h-64'：\n```tsx\n```\n通过为父容器设置固定高度，您可以确保图像正确显示。"
# LIMA 263: the HTML after a CSS block closed by a glued fence left only blank lines
LIMA_HTML = "A working sample for you:\n\n```#box {\n  display: flex;\n}```\n```\n  \n  \n  \n```\n"
# LIMA 231: commands written on the fence line: not empty, the code is in the info string
LIMA_CMD = "run this command\n```aspnet_regiis.exe -i\n```\nNext, sometimes running\n```iisreset\n```\nhelps."
# MedicalGPT 429: code outside any block, then a fence that closes it and one that opens the next
LOST_OPEN = "class Data : public QObject\n{\n    Q_OBJECT\n};\n```\n```\nUpdater::Updater() {}\n```"


def test_empty_blocks_are_found_where_they_are():
    records = [
        chat("题目：小明和小红去游乐场…", SOLVER),
        chat("如何计算边界？", STRIPPED),
        chat("图像在手机上被切断了", TSX),
        chat("How do I space the items?", LIMA_HTML),
    ]
    found = [(d.pointer, d.span, d.message) for d in lint(records)]
    start = SOLVER.index("```python")
    assert found[0][:2] == ("/messages/1/content", (start, len(SOLVER)))
    assert "the reply ends with it" in found[0][2]
    at = STRIPPED.index("```")
    assert found[1][:2] == ("/messages/1/content", (at, at + 7))
    assert "the code the text around it introduces is missing" in found[1][2]
    at = TSX.index("```tsx")
    assert found[2][:2] == ("/messages/1/content", (at, at + len("```tsx\n```")))
    at = LIMA_HTML.index("```\n  ")
    assert found[3][:2] == ("/messages/1/content", (at, LIMA_HTML.rindex("```") + 3))
    assert len(found) == 4


def test_blocks_with_code_and_other_fences_are_left_alone():
    kto_negative = {**chat("题目：…", SOLVER), "label": False}
    records = [
        chat("题目：一件西服原价3200元…", SOLVER_CODE),
        chat("How do I register ASP.NET?", LIMA_CMD),
        chat("Qt 线程示例", LOST_OPEN),
        chat("题目：…", SOLVER.replace("\n\n```", "\nprint(3)")),  # unclosed: T012's, not T015's
        chat("题目：…```python\n\n```", "答案是3。"),  # a user turn
        chat("Show a tilde block", "~~~\nls -la\n~~~"),
        kto_negative,
    ]
    assert lint(records) == []


def test_the_walk_reads_fences_as_t012_does():
    assert [(b.fence, b.last) for b in find_empty_blocks("a\n~~~\n\n~~~\nb")] == [("~~~", False)]
    # a four-backtick block may hold three-backtick fences: not empty
    assert find_empty_blocks("````\n```\n```\n````") == []
    # LIMA's inline code in triple backticks opens nothing
    assert find_empty_blocks("Use ```--hard``` to reset, then ```git status```.") == []
    assert find_empty_blocks("no fence at all") == []
