"""Builds the labelled corpus for the R and K rules (``python tests/corpus/react_rag/make_corpus.py``).

Output, next to this script:

- ``zh_react_rag.jsonl`` — Chinese ReAct + retrieval dialogues in the seed's style
  (12 scenarios x 3 dialogues), each clean and with defects injected;
- ``en_react.jsonl`` — English ReAct dialogues (Thought / Action / Observation);
- ``kb_in_system.jsonl`` — the knowledge base embedded in the system prompt after a marker;
- ``plain_chat.jsonl`` — plain customer-service chats (no ReAct, no retrieval): must stay silent;
- ``probes.jsonl`` — hand-written records in other layouts, with hand-written labels (``probes.py``);
- ``labels.json`` — ``{file: [[[code, pointer], ...] per record]}``, the expected R/K findings.

Labels come from construction: the script knows where it injected each defect
(the turn whose action line got a second colon, the knowledge-base item it
removed), never from running sftlint.  The labels live in a side file, so the
rules never see them.  The dialogues themselves are hand-written
(``topics_zh.py``, ``material_other.py``); this script only assembles them and
injects the defects, deterministically.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from material_other import EN_DIALOGUES, EN_SYSTEM, PLAIN_CHATS  # noqa: E402
from probes import PROBES  # noqa: E402
from topics_zh import COLON_PREFIXES, EXTRA_ITEMS, TOPICS  # noqa: E402

Label = tuple[str, str]
Item = tuple[tuple[int, ...], str, str | None]  # parts, text, style override

# -- system prompts ------------------------------------------------------------------

_SEED_PROMPT = (
    "你是一个帮助前来咨询的用户解决他们问题的客服助手。每次收到用户的输入，你都需要根据知识库结果（knowledge base "
    "result），用 ReAct 方法思考出解决方案，然后答复用户。你的输出要包含两部分：思考过程和给用户的答复；其中，ReAct "
    "思考过程要用（<>）包围起来。给用户的答复正常显示即可，不需要用（<>）包围起来。注意：不要只有第一次回复用户的时候"
    "使用ReAct方法，每次回复都要使用ReAct方法去思考。 ReAct 的方法是：1. 首先思考用户的问题该如何解决，给出你的推理，"
    "标记为思考。2. 然后根据你的推理决定合适的{act}，标记为{act}。3. 观察你{act}的结果或收集必要的信息，标记为观察。"
)
PROMPTS: dict[str, str | None] = {
    "seed-dongzuo": _SEED_PROMPT.format(act="动作"),
    "seed-xingdong": _SEED_PROMPT.format(act="行动"),
    "short": (
        "你是某电商平台的智能客服。请结合用户消息中的知识库结果作答，每次回复都先用<>包裹ReAct思考过程"
        "（思考、动作、观察各占一行），再另起一行以---开头写给用户的答复。"
    ),
    "none": None,
    "template": (
        "你是在线客服助手，请根据知识库结果回复用户。回复格式如下：\n< 思考：分析用户的问题\n动作：决定要做的事\n"
        "观察：行动的结果（可省略） >\n--- 给用户的答复"
    ),
}
#: the action label the turns use with each prompt when the record is clean
ACTION_LABEL = {
    "seed-dongzuo": "动作",
    "seed-xingdong": "行动",
    "short": "动作",
    "none": "动作",
    "template": "动作",
}
PROMPT_CYCLE = ["seed-dongzuo", "short", "seed-xingdong", "none", "template", "seed-dongzuo"]

PLACEHOLDERS = ["[同上]", "同上", "【同上】", "略", "...", "", "（同上）"]
MARKERS = [("Knowledge Base Result:", " "), ("知识库结果：", "\n"), ("Knowledge Base Result:", "\n")]

# -- knowledge base rendering ------------------------------------------------------------

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def render_number(parts: tuple[int, ...], style: str) -> str:
    if style == "dot":
        return f"{parts[0]}. " if len(parts) == 1 else ".".join(map(str, parts)) + " "
    if style == "dunhao":
        return f"{parts[0]}、"
    if style == "paren":
        return f"（{parts[-1]}）"
    if style == "circled":
        return _CIRCLED[parts[0] - 1]
    raise ValueError(style)


def item_style(topic_style: str, parts: tuple[int, ...]) -> str:
    if topic_style == "paren-sub":
        return "dot" if len(parts) == 1 else "paren"
    return topic_style


def render_kb(topic: dict, items: list[Item]) -> str:
    pieces = [render_number(p, o or item_style(topic["style"], p)) + text for p, text, o in items]
    if topic["layout"] == "inline":
        return topic["header"] + "".join(pieces)
    return topic["header"] + " \n" + " \n".join(pieces)


def base_items(topic: dict) -> list[Item]:
    return [(p, t, None) for p, t in topic["items"]]


def _children(items: list[Item], parts: tuple[int, ...]) -> list[int]:
    return [i for i, (p, _, _) in enumerate(items) if len(p) == len(parts) + 1 and p[: len(parts)] == parts]


def _is_leaf(items: list[Item], i: int) -> bool:
    return not _children(items, items[i][0])


def _next_sibling(items: list[Item], i: int) -> int | None:
    p = items[i][0]
    want = (*p[:-1], p[-1] + 1)
    for j in range(i + 1, len(items)):
        if items[j][0] == want:
            return j
    return None


def kb_gap(topic: dict, items: list[Item]) -> tuple[list[Item], list[str]] | None:
    """Remove a leaf item that has a next sibling: K101 on that sibling."""
    for i in range(len(items) - 1, -1, -1):
        if _is_leaf(items, i) and _next_sibling(items, i) is not None:
            return items[:i] + items[i + 1 :], ["K101"]
    return None


def kb_orphan(topic: dict, items: list[Item]) -> tuple[list[Item], list[str]] | None:
    """Remove an item that has children (dotted styles only): K102 on its first child."""
    if topic["style"] != "dot":
        return None
    for i in range(len(items) - 1, -1, -1):
        if not _is_leaf(items, i):
            return items[:i] + items[i + 1 :], ["K102"]
    return None


def kb_duplicate(topic: dict, items: list[Item]) -> tuple[list[Item], list[str]] | None:
    """Insert an item after a leaf with the leaf's number (added without renumbering): K103."""
    extra = EXTRA_ITEMS[topic["name"]]
    for i in range(len(items)):
        if _is_leaf(items, i) and _next_sibling(items, i) is not None:
            return [*items[: i + 1], (items[i][0], extra, None), *items[i + 1 :]], ["K103"]
    return None


def kb_backwards(topic: dict, items: list[Item]) -> tuple[list[Item], list[str]] | None:
    """Swap two adjacent leaf siblings: the later number comes first (K101) and the earlier goes back (K103)."""
    for i in range(len(items) - 1):
        j = i + 1
        if _is_leaf(items, i) and _is_leaf(items, j) and _next_sibling(items, i) == j:
            out = list(items)
            out[i], out[j] = out[j], out[i]
            return out, ["K101", "K103"]
    return None


def kb_style(topic: dict, items: list[Item]) -> tuple[list[Item], list[str]] | None:
    """Write one later top-level item in another style: K104."""
    other = {"dot": "dunhao", "dunhao": "dot", "circled": "dot", "paren-sub": "dunhao"}[topic["style"]]
    tops = [i for i, (p, _, _) in enumerate(items) if len(p) == 1]
    if len(tops) < 2:
        return None
    i = tops[1]
    out = list(items)
    out[i] = (items[i][0], items[i][1], other)
    return out, ["K104"]


KB_DEFECTS: dict[str, Callable] = {
    "K101": kb_gap,
    "K102": kb_orphan,
    "K103": kb_duplicate,
    "K103b": kb_backwards,
    "K104": kb_style,
}

# -- assistant turn rendering ---------------------------------------------------------------


def render_turn(
    t: str | None, a: str | None, o: str | None, r: str, act: str, fmt: int, **defect: bool
) -> str:
    lines: list[tuple[str, str]] = []
    if t is not None:
        lines.append(("思考", t))
    if a is not None:
        lines.append((act, a))
    if o is not None:
        lines.append(("观察", o))
    if defect.get("swap") and len(lines) >= 2:
        lines[0], lines[1] = lines[1], lines[0]
    opener = "" if defect.get("no_open") else ("< " if fmt != 1 else "<")
    closer = "" if defect.get("no_close") else ">"
    if fmt == 0:  # the seed's spacing: "< 思考：… \n动作：… > \n--- reply"
        body = " \n".join(f"{k}：{v}" for k, v in lines)
        block = f"{opener}{body} {closer}" if o is not None else f"{opener}{body}{closer}"
        sep, glue = " \n--- ", " "
    elif fmt == 1:  # compact: "<思考：…\n动作：…>\n---\nreply"
        block = opener + "\n".join(f"{k}：{v}" for k, v in lines) + closer
        sep, glue = "\n---\n", "\n"
    else:  # "< 思考：…\n动作：…\n观察：… >\n--- reply"
        block = opener + "\n".join(f"{k}：{v}" for k, v in lines) + (" " + closer if closer else "")
        sep, glue = "\n--- ", " "
    if defect.get("no_reply"):
        return block
    if defect.get("no_sep"):
        return block + glue + r
    if defect.get("wrapped"):
        return block + sep + "<" + r + ">"
    return block + sep + r


def colon_action(action: str, reply: str) -> str:
    """The seed's 例2: the action line gets a second colon introducing what is said."""
    first = reply
    for stop in "？?":
        if stop in reply:
            first = reply[: reply.index(stop) + 1]
            break
    for prefix in COLON_PREFIXES:
        if action.startswith(prefix):
            return f"{prefix}：{first}"
    return action.rstrip("。") + "，并回复用户：" + first


# -- records ----------------------------------------------------------------------------------

R_DEFECTS = ["R001", "R002", "R003", "R004", "R005", "R006"]
K_DEFECTS = ["K001", "K002", "K101", "K102", "K103", "K104"]
ROTATION = ["R003", "K101", "R001", "K002", "R004", "K102", "R002", "K103", "R005", "K001", "R006", "K104"]
R004_KINDS = ["no_close", "no_sep", "no_reply", "wrapped", "no_open"]


def build_dialogue(
    topic: dict,
    dialogue: list[tuple],
    *,
    prompt: str,
    fmt: int,
    marker: int,
    defects: list[str],
    seq: int,
) -> tuple[dict, list[Label]]:
    """One record of a dialogue with the given defects, and its expected labels."""
    labels: list[Label] = []
    act = ACTION_LABEL[prompt]
    items = base_items(topic)
    kb_codes: list[str] = []
    for d in defects:
        if d.startswith("K1"):
            key = "K103b" if d == "K103" and seq % 2 else d
            made = KB_DEFECTS[key](topic, items) or KB_DEFECTS[d](topic, items)
            assert made is not None, (topic["name"], d)
            items, kb_codes = made
    if "R005" in defects:
        if prompt in ("seed-xingdong",):
            act = "动作"  # the seed's own mismatch: the prompt says 行动, the turns write 动作
        elif prompt in ("seed-dongzuo", "template"):
            act = "行动"
        else:
            prompt, act = "seed-xingdong", "动作"
    kb = render_kb(topic, items)
    mark, glue = MARKERS[marker % len(MARKERS)]
    messages: list[dict] = []
    system = PROMPTS[prompt]
    if system is not None:
        messages.append({"role": "system", "content": system})
    if "R005" in defects:
        labels.append(("R005", "/messages/0/content"))
    n_turns = len(dialogue)
    target = n_turns - 1 if seq % 2 else max(0, n_turns - 2)  # which turn gets an R defect
    user_target = n_turns - 1  # which user turn gets K001 / K002 (a later one)
    for k, (user, thought, action, obs, reply) in enumerate(dialogue):
        # user turn
        if "K001" in defects and k == user_target:
            content = user
            labels.append(("K001", f"/messages/{len(messages)}/content"))
        elif "K002" in defects and k >= 1:
            ph = PLACEHOLDERS[(seq + k) % len(PLACEHOLDERS)]
            content = f"{user} {mark} {ph}".rstrip() if ph else f"{user} {mark}"
            labels.append(("K002", f"/messages/{len(messages)}/content"))
        else:
            sep = "" if mark.endswith("：") else " "
            content = f"{user}{glue}{mark}{sep}{kb}"
            for code in kb_codes:
                labels.append((code, f"/messages/{len(messages)}/content"))
        messages.append({"role": "user", "content": content})
        # assistant turn
        t, a, o = thought, action, obs
        flags: dict[str, bool] = {}
        here = f"/messages/{len(messages)}/content"
        if k == target:
            if "R001" in defects:
                messages.append({"role": "assistant", "content": reply})
                labels.append(("R001", here))
                continue
            if "R002" in defects:
                if seq % 2:
                    t = None
                else:
                    a = None
                labels.append(("R002", here))
            if "R003" in defects:
                a = colon_action(action, reply)
                labels.append(("R003", here))
            if "R004" in defects:
                flags[R004_KINDS[seq % len(R004_KINDS)]] = True
                labels.append(("R004", here))
            if "R006" in defects:
                flags["swap"] = True
                labels.append(("R006", here))
        messages.append({"role": "assistant", "content": render_turn(t, a, o, reply, act, fmt, **flags)})
    return {"messages": messages}, labels


def build_zh() -> tuple[list[dict], list[list[Label]]]:
    records: list[dict] = []
    labels: list[list[Label]] = []
    seq = 0
    j = 0
    for topic in TOPICS:
        for dialogue in topic["dialogues"]:
            prompt = PROMPT_CYCLE[j % len(PROMPT_CYCLE)]
            fmt = j % 3
            variants: list[list[str]] = [[]]
            pos = 3 * j
            chosen: list[str] = []
            while len(chosen) < 3:
                d = ROTATION[pos % len(ROTATION)]
                pos += 1
                if d.startswith("K1"):
                    key = d
                    if KB_DEFECTS[key](topic, base_items(topic)) is None:
                        continue
                chosen.append(d)
            variants += [[d] for d in chosen]
            if j % 4 == 0:  # a record with two defects in different places
                r = (
                    next(d for d in chosen if d.startswith("R") and d != "R005")
                    if any(d.startswith("R") and d != "R005" for d in chosen)
                    else "R003"
                )
                variants.append([r, "K002" if r != "K002" else "K101"])
            for defects in variants:
                rec, lab = build_dialogue(
                    topic, dialogue, prompt=prompt, fmt=fmt, marker=j + seq, defects=defects, seq=seq
                )
                records.append(rec)
                labels.append(lab)
                seq += 1
            j += 1
    return records, labels


# -- English ReAct ------------------------------------------------------------------------------


def render_en(t: str | None, a: str | None, o: str | None, r: str, **defect: bool) -> str:
    lines: list[tuple[str, str]] = []
    if t is not None:
        lines.append(("Thought", t))
    if a is not None:
        lines.append(("Action", a))
    if o is not None:
        lines.append(("Observation", o))
    if defect.get("swap"):
        lines[0], lines[1] = lines[1], lines[0]
    block = ("" if defect.get("no_open") else "< ") + "\n".join(f"{k}: {v}" for k, v in lines)
    block += "" if defect.get("no_close") else " >"
    if defect.get("no_sep"):
        return block + "\n" + r
    return block + "\n--- " + r


EN_PLAN = [
    # (dialogue index, with system prompt, defect or None, turn)
    (0, True, None, 0),
    (1, False, None, 0),
    (2, True, None, 0),
    (3, False, None, 0),
    (4, True, None, 0),
    (5, False, None, 0),
    (6, True, None, 0),
    (7, False, None, 0),
    (8, True, None, 0),
    (9, False, None, 0),
    (0, False, "R001", 1),
    (3, False, "R001", 0),
    (6, True, "R001", 1),
    (1, True, "R002", 0),
    (5, False, "R002", 1),
    (2, True, "R003", 1),
    (4, False, "R003", 0),
    (7, True, "R003", 1),
    (8, False, "R004", 0),
    (9, True, "R004", 1),
    (2, False, "R004", 0),
    (3, True, "R006", 1),
    (6, False, "R006", 0),
    (9, False, "R003", 0),
    (4, True, "R002", 1),
]


def build_en() -> tuple[list[dict], list[list[Label]]]:
    records: list[dict] = []
    labels: list[list[Label]] = []
    for n, (di, with_system, defect, turn) in enumerate(EN_PLAN):
        dialogue = EN_DIALOGUES[di]
        messages: list[dict] = [{"role": "system", "content": EN_SYSTEM}] if with_system else []
        lab: list[Label] = []
        for k, (user, t, a, o, r) in enumerate(dialogue):
            messages.append({"role": "user", "content": user})
            here = f"/messages/{len(messages)}/content"
            flags: dict[str, bool] = {}
            tt, aa = t, a
            if defect and k == turn:
                lab.append((defect, here))
                if defect == "R001":
                    messages.append({"role": "assistant", "content": r})
                    continue
                if defect == "R002":
                    tt = None
                if defect == "R003":
                    aa = (a.split(" ", 1)[0] + ": " + a.split(" ", 1)[1]) if " " in a else a + ": now"
                if defect == "R004":
                    flags[["no_close", "no_sep", "no_open"][n % 3]] = True
                if defect == "R006":
                    flags["swap"] = True
            messages.append({"role": "assistant", "content": render_en(tt, aa, o, r, **flags)})
        records.append({"messages": messages})
        labels.append(lab)
    return records, labels


# -- knowledge base in the system prompt -------------------------------------------------------

KB_SYSTEM_PLAN = [
    (0, None),
    (1, None),
    (6, None),
    (10, None),
    (1, "K101"),
    (6, "K102"),
    (10, "K104"),
    (0, "K103"),
]


def build_kb_in_system() -> tuple[list[dict], list[list[Label]]]:
    records: list[dict] = []
    labels: list[list[Label]] = []
    for n, (ti, defect) in enumerate(KB_SYSTEM_PLAN):
        topic = TOPICS[ti]
        items = base_items(topic)
        codes: list[str] = []
        if defect:
            made = KB_DEFECTS[defect](topic, items)
            assert made is not None
            items, codes = made
        system = (
            "你是电商平台的客服助手，请依据下面的知识库结果，用 ReAct 方法思考后答复用户：思考过程用<>包围，"
            "之后另起一行写---和给用户的答复。\n知识库结果：" + render_kb(topic, items)
        )
        messages: list[dict] = [{"role": "system", "content": system}]
        for user, t, a, o, r in topic["dialogues"][n % 3]:
            messages.append({"role": "user", "content": user})
            messages.append({"role": "assistant", "content": render_turn(t, a, o, r, "动作", n % 3)})
        records.append({"messages": messages})
        labels.append([(c, "/messages/0/content") for c in codes])
    return records, labels


def build_plain() -> tuple[list[dict], list[list[Label]]]:
    records: list[dict] = []
    for system, turns in PLAIN_CHATS:
        messages = [{"role": "system", "content": system}] if system else []
        messages += [{"role": r, "content": c} for r, c in turns]
        records.append({"messages": messages})
    return records, [[] for _ in records]


def build_probes() -> tuple[list[dict], list[list[Label]]]:
    return [r for r, _ in PROBES], [list(lab) for _, lab in PROBES]


BUILDERS = {
    "zh_react_rag.jsonl": build_zh,
    "en_react.jsonl": build_en,
    "kb_in_system.jsonl": build_kb_in_system,
    "plain_chat.jsonl": build_plain,
    "probes.jsonl": build_probes,
}


def build_all() -> dict[str, tuple[list[dict], list[list[Label]]]]:
    return {name: fn() for name, fn in BUILDERS.items()}


def write(directory: Path = HERE) -> None:
    all_labels: dict[str, list[list[list[str]]]] = {}
    for name, (records, labels) in build_all().items():
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        (directory / name).write_text(text, encoding="utf-8")
        all_labels[name] = [sorted([list(x) for x in set(lab)]) for lab in labels]
    (directory / "labels.json").write_text(
        json.dumps(all_labels, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    write()
    counts = {name: len(recs) for name, (recs, _) in build_all().items()}
    print(counts, "total", sum(counts.values()))
