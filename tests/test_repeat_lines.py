"""T009's one-pass line reading (``_read_lines``) and its split code-line test (``_code_line``)
find exactly what the two line walks and the single code pattern found before.

The references below are the earlier walks, kept word for word: one pass collected the prose
lines, another the lines written twice in a row, each testing every line against the whole
code pattern (whose ``\\w`` alternatives are tried at every character of a line)."""

from __future__ import annotations

import random

from conftest import shared_strings
from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.analysis.text import repeat as R


def _ref_prose_lines(text: str) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    in_fence = False
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        if R._FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or not line.strip():
            continue
        if R._TABLE_OR_RULE.match(line) or R._LABEL.match(line):
            continue
        item = R._LIST_ITEM.match(line)
        marker = item.group().strip() if item else ""
        if item:
            if item.group().lstrip().startswith("#"):
                continue
            start += item.end()
            line = line[item.end() :]
        if R._CODE_LINE.search(line) or "=" in line:
            continue
        label = R._SHORT_LABEL.match(line)
        if label:
            marker += label.group().strip()
            start += label.end()
            line = line[label.end() :]
        out.append((start, line, marker))
    return out


def _ref_repeated_lines(text: str) -> list[R.Repeat]:
    out: list[R.Repeat] = []
    prev: tuple[int, int, str] | None = None
    in_fence = False
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        if R._FENCE.match(line):
            in_fence = not in_fence
            prev = None
            continue
        body = line.strip()
        if not body:
            continue
        if in_fence or R._TABLE_OR_RULE.match(line) or R._LABEL.match(line) or R._CODE_LINE.search(line):
            prev = None
            continue
        lead = len(line) - len(line.lstrip())
        s, e = start + lead, start + lead + len(body)
        if prev is not None and prev[2] == body and R.unit_weight(body) >= R.MIN_ADJACENT_WEIGHT:
            out.append(R.Repeat(s, e, (prev[0], prev[1]), 2, body, "loop"))
        prev = (s, e, body)
    return out


TEXTS = [
    "退款会在三个工作日内原路退回您的支付账户。退款会在三个工作日内原路退回您的支付账户。请留意银行通知。",
    "3. 文件损坏：请重新下载安装包后再试一次\n3. 文件损坏：请重新下载安装包后再试一次\n",
    "```python\nx = 1;\nx = 1;\n```\n正文里的句子写了一遍又一遍。\n正文里的句子写了一遍又一遍。",
    "def f(x):\n    return x\n    return x\nprint(f(1))\nprint(f(1))",
    "优点：速度快\n优点：速度快\n缺点：占内存\n",
    "  }\n  }\n if (a) {\n if (a) {\n a->b\n a->b\n std::cout\n std::cout\n",
    "调用 foo(bar) \n调用 foo(bar) \n看 (这里)\n看 (这里)\n#include <x>\n#include <x>",
    "a += 1 并且 b == 2\na += 1 并且 b == 2\nx => y 的映射关系很重要\nx => y 的映射关系很重要",
    "- 第一项内容写在这里\n- 第一项内容写在这里\n# 标题\n# 标题\n| a | b |\n| a | b |",
    "Observation: the same result\nObservation: the same result\n// note\n// note\n-- sql\n-- sql",
    "  ~~~\n~~~~ 正文\n ```\n\t```js\n  ```\n  ---\n  ~~~ ~~~\n - - -\n  :|:\n   \n 观察 2 ：好\nANSWER:是的",
    " ```\n同一句话写了两遍是不对的。\n同一句话写了两遍是不对的。\n```\n同一句话写了两遍是不对的。\n同一句话写了两遍是不对的。",
]


def _skip_kind(line: str) -> str | None:
    """What the three patterns ``_SKIP_LINE`` stands for say of a line, in the walk's order."""
    if R._FENCE.match(line):
        return "fence"
    if R._TABLE_OR_RULE.match(line) or R._LABEL.match(line):
        return "skip"
    return None


def _agree(text: str) -> None:
    prose, repeated = R._read_lines(text)
    assert prose == _ref_prose_lines(text), text
    assert repeated == _ref_repeated_lines(text), text
    for line in text.split("\n"):
        assert R._code_line(line) == (R._CODE_LINE.search(line) is not None), line
        m = R._SKIP_LINE.match(line)
        assert (None if m is None else m.lastgroup or "skip") == _skip_kind(line), line


def test_crafted_texts():
    for text in TEXTS:
        _agree(text)
    assert R._read_lines(TEXTS[1])[1]  # the line written twice is found


def test_every_string_of_the_shared_data():
    for text in shared_strings():
        _agree(text)


def test_lines_mixed_from_the_shared_data():
    lines = [ln for t in shared_strings()[:20000] for ln in t.split("\n")] or TEXTS
    rng = random.Random(7)
    for _ in range(3000):
        picked = [rng.choice(lines) for _ in range(rng.randint(1, 6))]
        picked = [ln for p in picked for ln in ([p, p] if rng.random() < 0.3 else [p])]
        _agree("\n".join(picked))


PIECES = [*"a \t(){};=->:#/*中", "x(", "1. ", "def ", "    "]
#: what the fence, table-or-rule and label patterns look at
SKIP_PIECES = [
    *" \t\u3000|-=_*~+#:：`1x中",
    "```",
    "~~~",
    "Observation",
    "action input",
    "思考",
    "行动输入",
    "最终答案",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(SKIP_PIECES), max_size=10).map("".join))
def test_random_skipped_lines(line):
    m = R._SKIP_LINE.match(line)
    assert (None if m is None else m.lastgroup or "skip") == _skip_kind(line)
    _agree("\n".join([line, "正文里的一句话写在这里了。", line, line]))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join), st.integers(1, 3))
def test_random_code_like_lines(line, times):
    _agree("\n".join([line] * times))
