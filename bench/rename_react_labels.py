"""Rename the ReAct step labels of a seed-kind corpus, in its system prompts and its turns.

    python bench/seed_kind_corpus.py --records 3000 --out /tmp/sk.jsonl
    python bench/rename_react_labels.py /tmp/sk.jsonl --set zh_bracket --out /tmp/sk-zh_bracket.jsonl
    python bench/rename_react_labels.py /tmp/sk.jsonl --set all --out /tmp/sk-renamed.jsonl   # one file per set

A second engineer names the steps in other words and says so in the system prompt; the R rules
must read the labels a file defines there and check its turns against those.  Each set is one
such engineer: the labels of thought, action, action input, observation and the final answer,
and how the prompt phrases them (for the block layout and for the line layout).  The phrasings
of ``zh_prefix``, ``en_prefix`` and ``zh_template`` are not the generator's (``标记为…``,
``Thought: …`` template lines), and ``zh_silent`` names no label at all in its prompt (the turns
still use their own labels consistently): the rules cannot read that file's labels and must not
guess.

A planted corpus keeps its defects (a dropped step line stays dropped, ``动作：询问用户：…``
becomes ``【操作】询问用户：…``); its truth file is copied next to the output, so ``--score``
works on the renamed file.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

# (thought, action, action input, observation, final), whether a colon follows the label, and
# the prompt's wording of the format for the block layout ({extra}: the action-input sentence)
# and for the line layout.
SETS: dict[str, dict[str, object]] = {
    "zh_bracket": {
        "labels": ("【推理】", "【操作】", "【操作参数】", "【结果】", "【答复】"),
        "colon": False,
        "block": "每次回复都要先用 ReAct 方法思考：思考过程标记为【推理】，调用工具标记为【操作】，工具返回标记为【结果】。{extra}",
        "extra": "如果需要调用系统查询，在【操作】后另起一行写【操作参数】，内容为JSON格式。",
        "line": "每一轮回复请按以下格式输出，每项单独一行：\n【推理】你对问题的分析\n【操作】你决定采取的行动\n【结果】行动的结果或需要等待的信息\n【答复】给用户的答复",
    },
    "en_tool": {
        "labels": ("Reasoning", "Tool", "Tool Input", "Result", "Response"),
        "colon": True,
        "block": "Think with ReAct before every reply. Use Reasoning:/Tool:/Result: for the steps{extra}. ",
        "extra": ", and Tool Input: with the JSON arguments when you query the system",
        "line": "Use Reasoning:/Tool:/Result:, one per line, then Response: with the reply to the user.",
    },
    "zh_arrow": {
        "labels": ("分析", "执行", "执行参数", "反馈", "答复"),
        "colon": True,
        "block": "每次回复都要先用 ReAct 方法思考，每一步按 分析 → 执行 → 反馈 的格式写{extra}。",
        "extra": "，需要调用系统查询时在执行后另起一行写执行参数（JSON格式）",
        "line": "每一轮回复的每一步按 分析 → 执行 → 反馈 → 答复 的格式输出，每项单独一行，冒号后写内容。",
    },
    "zh_prefix": {
        "labels": ("思路", "措施", "措施参数", "结果", "答复"),
        "colon": True,
        "block": "每次回复前先用 ReAct 方法想清楚：推理部分以“思路：”开头，决定要做的事用“措施：”表示，得到的结果记为“结果：”。{extra}",
        "extra": "需要查询系统时，另起一行以“措施参数：”开头写JSON。",
        "line": "回复格式：推理部分以“思路：”开头，决定要做的事用“措施：”表示，得到的结果记为“结果：”，最后以“答复：”开头写给用户的话，每项单独一行。",
    },
    "en_prefix": {
        "labels": ("Plan", "Do", "Do Input", "Seen", "Reply"),
        "colon": True,
        "block": "Before every reply, reason in ReAct style: prefix your reasoning with `Plan:`, the step you take with `Do:`{extra}, and what comes back with `Seen:`. ",
        "extra": " (its JSON arguments on a line `Do Input:`)",
        "line": "Reply in this format, one item per line. Begin your reasoning with Plan:, the step you take with Do:, what comes back with Seen:, and the answer to the user with Reply:.",
    },
    "zh_template": {
        "labels": ("推理", "操作", "操作输入", "结果", "最终回复"),
        "colon": True,
        "block": "每次回复都要先用 ReAct 方法思考，格式如下：\n< 推理：你的推理\n操作：你要做的事\n结果：操作的结果 >\n{extra}",
        "extra": "查询系统时在操作后另起一行写“操作输入：”和JSON参数。\n",
        "line": "每一轮回复请按以下格式输出：\n推理：你的推理\n操作：你要做的事\n结果：操作的结果\n最终回复：给用户的答复\n",
    },
    "zh_silent": {
        "labels": ("推理", "操作", "操作输入", "结果", "答复"),
        "colon": True,
        "block": "每次回复都要先用 ReAct 方法思考。{extra}",
        "extra": "",
        "line": "每一轮回复请按固定的格式输出，每项单独一行。",
    },
}

_BLOCK_FMT = re.compile(
    r"每次回复都要先用 ReAct 方法思考：1\. .*?标记为观察。(?:如果需要调用系统查询，在(?:动作|行动)后另起一行写“(?:动作|行动)输入”，内容为JSON格式。)?"
)
_LINE_FMT = re.compile(
    r"(?:每一轮回复请按以下格式输出，每项单独一行：\n想法：.*?\n回答：给用户的答复"
    r"|请使用ReAct格式回复，每项单独一行：\nThought: .*?\nFinal Answer: 给用户的答复)",
    re.S,
)
_KIND = {
    "思考": 0, "想法": 0, "Thought": 0,
    "动作": 1, "行动": 1, "Action": 1,
    "动作输入": 2, "行动输入": 2,
    "观察": 3, "Observation": 3,
    "回答": 4, "Final Answer": 4,
}  # fmt: skip
_TURN_LABEL = re.compile(
    r"(?m)(^[ \t]*<?[ \t\n]*)(动作输入|行动输入|Final Answer|Observation|Thought|Action|思考|想法|动作|行动|观察|回答)[ \t]*[：:][ \t]?"
)


def rename_prompt(prompt: str, spec: dict[str, object]) -> str:
    def block(m: re.Match[str]) -> str:
        extra = spec["extra"] if "输入" in m.group(0) else ""
        return str(spec["block"]).format(extra=extra)

    out = _BLOCK_FMT.sub(block, prompt)
    return _LINE_FMT.sub(lambda m: str(spec["line"]), out)


def rename_turn(text: str, spec: dict[str, object]) -> str:
    labels = spec["labels"]
    colon = "：" if spec["colon"] else ""

    def one(m: re.Match[str]) -> str:
        word = labels[_KIND[m.group(2)]]  # type: ignore[index]
        sep = (": " if word.isascii() else colon) if colon else ""
        return m.group(1) + word + sep

    return _TURN_LABEL.sub(one, text)


def rename_record(obj: dict, spec: dict[str, object]) -> dict:
    if "messages" in obj:
        for m in obj["messages"]:
            if m.get("role") == "system":
                m["content"] = rename_prompt(m["content"], spec)
            elif m.get("role") == "assistant":
                m["content"] = rename_turn(m["content"], spec)
    else:
        obj["system"] = rename_prompt(obj.get("system", ""), spec)
        for m in obj.get("conversations", []):
            if m.get("from") == "gpt":
                m["value"] = rename_turn(m["value"], spec)
    return obj


def rename_file(src: Path, dst: Path, name: str) -> None:
    spec = SETS[name]
    lines = src.read_text(encoding="utf-8").splitlines()
    out = [json.dumps(rename_record(json.loads(x), spec), ensure_ascii=False) for x in lines]
    dst.write_text("\n".join(out) + "\n", encoding="utf-8")
    truth = Path(str(src) + ".truth.jsonl")
    if truth.exists():
        shutil.copyfile(truth, str(dst) + ".truth.jsonl")
    print(f"{len(out)} records, labels {spec['labels']} -> {dst}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("--set", default="all", choices=[*SETS, "all"])
    ap.add_argument("--out", type=Path, required=True, help="with --set all: <stem>-<set><suffix> per set")
    args = ap.parse_args(argv)
    if args.set != "all":
        rename_file(args.src, args.out, args.set)
        return 0
    for name in SETS:
        rename_file(args.src, args.out.with_name(f"{args.out.stem}-{name}{args.out.suffix}"), name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
