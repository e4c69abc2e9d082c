"""A seed-kind corpus whose texts are real sentences, recombined: the worst case for memos.

``bench/corpus.py`` builds every turn from phrase pools, so the same Chinese phrases come back
thousands of times and every analysis that remembers a text it has seen (T001's runs, T008's
turns, the knowledge-base parser) answers most of them from memory.  Real datasets repeat much
less.  This corpus keeps the seed's shape (a system prompt asking for ReAct, a knowledge-base
result with hierarchical numbering in every user turn, ``< 思考 … 动作 … 观察 … > --- reply``
assistant turns, one to four rounds) but fills it with sentences drawn at random from real
Chinese SFT data in the shared folder (MedicalGPT's ShareGPT dialogues and LLaMA-Factory's
alpaca_zh demo, about 35,000 sentences), so almost no two texts are the same::

    python bench/real_text_corpus.py --mb 20 --out bench/out/real-20mb.jsonl
    python bench/speed.py --corpus bench/out/real-20mb.jsonl --repeat 1

It is not a correctness corpus (the recombined sentences do not answer the questions, and a
numbered line may begin with a sentence that itself starts with a number); it measures speed
on text that does not repeat.  It needs ``../shared/data`` beside the checkout.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data"

SYSTEM = (
    "你是一个帮助前来咨询的用户解决他们问题的客服助手。每次收到用户的输入，你都需要根据知识库结果"
    "（knowledge base result），用 ReAct 方法思考出解决方案，然后答复用户。你的输出要包含两部分：思考过程和"
    "给用户的答复；其中，ReAct 思考过程要用（<>）包围起来。ReAct 的方法是：1. 首先思考用户的问题该如何解决，"
    "给出你的推理，标记为思考。2. 然后根据你的推理决定合适的行动，标记为行动。3. 观察你行动的结果或收集必要的"
    "信息，标记为观察。"
)
SENTENCE_END = re.compile(r"(?<=[。！？])")
CHINESE_RUN = re.compile(r"[\u4e00-\u9fff]{6}")


def real_sentences(data: Path) -> list[str]:
    """Chinese sentences of 9-119 characters from the shared data's Chinese SFT files."""
    texts: list[str] = []
    with open(data / "wild" / "medicalgpt_sharegpt_zh_1K.jsonl", encoding="utf-8") as fh:
        for line in fh:
            texts += [turn["value"] for turn in json.loads(line)["conversations"]]
    with open(data / "sft" / "llamafactory_alpaca_zh_demo.json", encoding="utf-8") as fh:
        texts += [record["output"] for record in json.load(fh)]
    out = []
    for text in texts:
        for sentence in SENTENCE_END.split(text):
            sentence = sentence.strip().replace("\n", " ")
            if 8 < len(sentence) < 120 and CHINESE_RUN.search(sentence):
                out.append(sentence)
    return out


def records(sentences: list[str], rng: random.Random) -> Iterator[dict]:
    """Seed-shaped records, endlessly."""
    questions = [s.rstrip("。！？") + "？" for s in sentences if len(s) < 40]

    def knowledge() -> str:
        lines = [rng.choice(questions) + " 处理方法是：" + rng.choice(sentences)]
        for i in range(1, rng.randint(2, 4)):
            lines.append(f"{i}. {rng.choice(sentences)}")
            lines += [f"{i}.{j} {rng.choice(sentences)}" for j in range(1, rng.randint(1, 3))]
        return " \n".join(lines)

    def reply() -> str:
        text = f"< 思考：{rng.choice(sentences)}\n动作：{rng.choice(sentences)}"
        if rng.random() < 0.6:
            text += f"\n观察：{rng.choice(sentences)}"
        return text + " > \n--- " + "".join(rng.choice(sentences) for _ in range(rng.randint(1, 3)))

    while True:
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": rng.choice(questions) + " Knowledge Base Result: " + knowledge()},
            {"role": "assistant", "content": reply()},
        ]
        for _ in range(rng.randint(0, 3)):
            messages.append(
                {"role": "user", "content": rng.choice(questions) + " Knowledge Base Result: [同上]"}
            )
            messages.append({"role": "assistant", "content": reply()})
        yield {"messages": messages}


def write(out: Path, mb: float, seed: int = 0, data: Path = DEFAULT_DATA) -> int:
    """Write about ``mb`` megabytes of records to ``out``; returns the number of records."""
    rng = random.Random(seed)
    size = count = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for record in records(real_sentences(data), rng):
            if size >= mb * 1e6:
                break
            line = json.dumps(record, ensure_ascii=False) + "\n"
            fh.write(line)
            size += len(line.encode("utf-8"))
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mb", type=float, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    args = p.parse_args(argv)
    if not (args.data / "wild").is_dir():
        p.error(f"{args.data} holds no shared data (wild/, sft/): pass --data")
    print(f"{args.out}: {write(args.out, args.mb, args.seed, args.data):,} records")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
