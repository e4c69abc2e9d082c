"""Where a reply presents the model as another vendor's assistant (T011).

Data distilled from a hosted model keeps that model's self-description: "I am a large language
model trained by OpenAI", "我是由OpenAI训练的大型语言模型", "作为ChatGPT，我…".  A model fine-tuned
on it learns to claim an identity that is not its own, which is why LLaMA-Factory ships
``identity.json`` to train the opposite, and why cleaned releases of ShareGPT drop such replies.

Only first-person claims are read, in English and Chinese:

- a name: ``I am ChatGPT``, ``I'm Claude, an AI assistant``, ``我是ChatGPT``, ``作为通义千问，我``;
- a maker: ``I am a language model trained by OpenAI``, ``我是由OpenAI训练的``,
  ``As an AI developed by Google, I``, ``作为OpenAI训练的语言模型，我``.

A name that is also an everyday word or a person's name (Claude, Gemini, Llama, Kimi, 豆包)
counts only with an AI word in the same sentence.  A negation (``I am not ChatGPT``,
``我不是由OpenAI开发的``), a hypothesis (``如果我是ChatGPT``, ``if I were ChatGPT``), a quotation
on its line and a code block are not claims.  Whether a claim is wrong for the record (its
system prompt gives that identity, the user asked for the persona) is the rule's call, not this
module's: it only finds the claims and says whom they name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace
from typing import Any


@dataclass(frozen=True, slots=True)
class Maker:
    """A vendor of hosted assistants, and the names of its models."""

    name: str  # as the message shows it
    aliases: tuple[str, ...]  # how texts write the vendor (regex alternatives, escaped)
    models: tuple[str, ...]  # model names that need no AI word beside them
    ambiguous_models: tuple[str, ...] = ()  # names that are everyday words or people's names


#: The makers whose assistants' self-descriptions fill distilled data.  Regex alternatives;
#: English ones are matched case-insensitively as whole words.
MAKERS: tuple[Maker, ...] = (
    Maker(
        "OpenAI",
        ("OpenAI", "Open AI"),
        (r"ChatGPT", r"(?:Instruct)?GPT-?[345](?:\.5)?(?:[- ]?(?:turbo|o))?", r"GPT-?4o"),
    ),
    Maker("Anthropic", ("Anthropic",), (), ("Claude",)),
    Maker(
        "Google", ("Google", "Google DeepMind", "DeepMind", "谷歌"), (), ("Gemini", "Bard", "LaMDA", "PaLM")
    ),
    Maker("Meta", ("Meta AI", "Meta", "Facebook"), (), ("LLaMA", "Llama")),
    Maker("Microsoft", ("Microsoft", "微软", "微軟"), (), ("Copilot", "Bing", "Sydney")),
    Maker("Baidu", ("Baidu", "百度"), ("文心一言", "ERNIE Bot"), ("文心", "ERNIE")),
    Maker(
        "Alibaba",
        ("Alibaba Cloud", "Alibaba", "阿里巴巴", "阿里云", "阿里雲", "通义实验室", "通義實驗室"),
        ("通义千问", "通義千問", "Qwen"),
        ("通义", "通義"),
    ),
    Maker(
        "Zhipu AI",
        ("Zhipu AI", "Zhipu", "智谱AI", "智谱华章", "智谱", "智譜"),
        ("ChatGLM", "智谱清言", "智譜清言"),
        ("GLM",),
    ),
    Maker("Moonshot AI", ("Moonshot AI", "月之暗面"), (), ("Kimi",)),
    Maker("ByteDance", ("ByteDance", "字节跳动", "字節跳動"), (), ("豆包", "Doubao")),
    Maker("DeepSeek", ("DeepSeek", "深度求索"), ("DeepSeek",)),
    Maker("iFlytek", ("iFlytek", "科大讯飞", "科大訊飛"), ("讯飞星火", "訊飛星火"), ("星火",)),
    Maker("Baichuan", ("Baichuan", "百川智能"), ("Baichuan",)),
    Maker("Fudan University", ("复旦大学", "復旦大學", "Fudan University"), (), ("MOSS",)),
    Maker(
        "Shanghai AI Laboratory",
        ("上海人工智能实验室", "上海人工智能實驗室", "Shanghai AI Lab(?:oratory)?"),
        ("InternLM", "书生·?浦语", "書生·?浦語"),
    ),
    Maker("Tencent", ("Tencent", "腾讯", "騰訊"), (), ("混元", "Hunyuan")),
    Maker("LMSYS", ("LMSYS", "Large Model Systems Organization"), (), ("Vicuna",)),
    Maker("Mistral AI", ("Mistral AI",), (), ("Mistral",)),
)


@dataclass(frozen=True, slots=True)
class Claim:
    """One first-person claim: the text's span, what it names, and whose it is."""

    start: int
    end: int
    named: str  # the name or vendor as the text writes it
    maker: Maker
    kind: str  # "name" or "maker"


def _alt(items: list[str]) -> str:
    # longest first, so that "GPT-4o" is not read as "GPT-4" and "Meta AI" not as "Meta"
    return "|".join(sorted(items, key=len, reverse=True))


_NAME_GROUPS = {f"n{i}": m for i, m in enumerate(MAKERS)}
_VENDOR_GROUPS = {f"v{i}": m for i, m in enumerate(MAKERS)}
_AMBIGUOUS = {a.casefold() for m in MAKERS for a in m.ambiguous_models}

# A Latin name or vendor stands as a whole word; a Chinese one stands anywhere.
_B, _E = r"(?<![A-Za-z0-9_])", r"(?![A-Za-z_])"


def _names() -> str:
    return "|".join(
        f"(?P<n{i}>{_alt(list(m.models + m.ambiguous_models))})"
        for i, m in enumerate(MAKERS)
        if m.models or m.ambiguous_models
    )


def _vendors() -> str:
    return "|".join(f"(?P<v{i}>{_alt(list(m.aliases))})" for i, m in enumerate(MAKERS))


_EN_VERB = (
    r"(?:trained|developed|created|built|made|designed|programmed|owned|fine-tuned|pre-trained|powered)"
)
#: Simplified and Traditional (Taiwan's SFT data is distilled from the same hosted models).
_ZH_VERB = (
    r"(?:训练|开发|创建|创造|培训|打造|研发|设计|推出|构建|制作|发布"
    r"|訓練|開發|創建|創造|培訓|研發|設計|構建|製作|發佈|發布)"
)
#: The words a self-description puts between "I am" and "trained by": "a large language model",
#: "an AI assistant", "just a computer program".  Any other word ("I was reading an article
#: developed by Google") makes the sentence about something else.
_SELF_WORD = (
    r"(?:an?|the|just|only|simply|merely|also|large|larger|big|powerful|advanced|conversational|"
    r"generative|artificial|intelligence|intelligent|AI|A\.I\.|language|model|assistant|chat ?bot|"
    r"chat|bot|program|computer|virtual|digital|system|LLM|natural|processing|neural|network|"
    r"text-based|machine|learning|based|research|version|helpful|friendly|open-source|"
    r"pre-trained|pretrained|\w*GPT[\w\-.]*)"
)
_ZH_LEAD = r"(?:一个|一种|一款|一位|个|款|种|一個|一種|個|種)?(?:由|被|基于|基於)?"
_ZH_AFTER = (
    r"(?:公司|团队|的团队|的研究团队|的工程师们?|的研究人员|團隊|的團隊|的研究團隊|的工程師們?|的研究人員"
    r"|的[\w\-.]{1,12})?(?:所|自主|精心)?"
)

#: "As ChatGPT, I…" opens a clause; "based on a similar technology as ChatGPT, my…" does not.
_CLAUSE_START = r"(?<=(?:^|[.!?;:,\n。！？，；：\"“(])\s*)"
_I_AM = r"(?:I\s+am|I['’]m|I\s+was|I['’]ve\s+been|I\s+have\s+been|my\s+name\s+is|call\s+me)"
_PATTERNS = (
    # I am ChatGPT / I'm Claude, an AI assistant / my name is Qwen
    ("name", rf"{_B}{_I_AM}\s+{_B}(?:{_names()}){_E}"),
    # I'm a language model called Vicuna / I go by the name Vicuna / you may refer to me as Vicuna
    (
        "name",
        rf"{_B}(?:{_I_AM}(?:,?\s+{_SELF_WORD}){{0,6}}?\s+(?:called|named)|go\s+by\s+the\s+name"
        rf"|(?:refer\s+to|call)\s+me\s+as)\s+{_B}(?:{_names()}){_E}",
    ),
    # I am a large language model trained by OpenAI / I was developed by a team at Google
    (
        "maker",
        rf"{_B}{_I_AM}(?:,?\s+{_SELF_WORD}){{0,6}}?\s+{_EN_VERB}\s+by\s+(?:the\s+)?"
        rf"(?:(?:team|researchers|engineers)\s+(?:at|of|from)\s+)?{_B}(?:{_vendors()}){_E}",
    ),
    # As ChatGPT, I ... / As an AI developed by OpenAI, I ...
    ("name", rf"{_CLAUSE_START}as\s+{_B}(?:{_names()}){_E}\s*,\s*(?:I|my)\b"),
    (
        "maker",
        rf"{_CLAUSE_START}as\s+an?\s+(?:{_SELF_WORD}\s+){{0,5}}?{_EN_VERB}\s+by\s+(?:the\s+)?{_B}(?:{_vendors()}){_E}"
        r"[^.!?\n,]{0,40},\s*(?:I|my)\b",
    ),
    # 我是ChatGPT / 我叫通义千问 / 作为ChatGPT，我
    ("name", rf"我(?:是|叫|名叫|的名字是)\s*(?:{_names()}){_E}"),
    ("name", rf"作[为為](?:一个|一名|一個|一名)?\s*(?:{_names()}){_E}\s*[，,]\s*我"),
    # 我是由OpenAI训练的 / 我是一个由百度开发的 / 我被OpenAI训练
    (
        "maker",
        rf"我(?:是|被|由){_ZH_LEAD}\s*(?:{_vendors()}){_E}\s*{_ZH_AFTER}{_ZH_VERB}",
    ),
    # 作为（一个）由OpenAI训练的大型语言模型，我…
    (
        "maker",
        rf"作[为為]{_ZH_LEAD}\s*(?:{_vendors()}){_E}\s*{_ZH_AFTER}{_ZH_VERB}[^，。！？；\n]{{0,16}}[，,]\s*我",
    ),
    # my creators at OpenAI / 我在OpenAI的创造者们 / 我的开发者是百度
    (
        "maker",
        rf"{_B}my\s+(?:creators?|developers?|makers?|trainers?)\s+(?:at|from|in)\s+{_B}(?:{_vendors()}){_E}",
    ),
    ("maker", rf"我(?:在)?\s*(?:{_vendors()}){_E}\s*的(?:创造者|开发者|创建者|研发者|开发团队|研发团队)"),
    ("maker", rf"我的(?:创造者|开发者|创建者|研发者)(?:是|们是)?\s*(?:{_vendors()}){_E}"),
)

#: What every claim's maker or model name holds, lower-cased: a cheap test before the
#: patterns (a reply that names no maker, most of them, costs one scan of its lower-cased text).
NEEDLES = (
    "gpt", "openai", "open ai", "claude", "anthropic", "google", "deepmind", "gemini", "bard", "lamda",
    "palm", "meta", "facebook", "llama", "microsoft", "copilot", "bing", "sydney", "baidu", "ernie",
    "alibaba", "qwen", "zhipu", "glm", "moonshot", "kimi", "bytedance", "doubao", "deepseek", "iflytek",
    "baichuan", "fudan", "moss", "shanghai ai", "internlm", "tencent", "hunyuan", "lmsys", "vicuna",
    "mistral", "large model systems", "上海人工智能实验室", "上海人工智能實驗室", "书生", "書生",
    "复旦大学", "復旦大學", "字节跳动", "字節跳動", "微软", "微軟", "智譜", "科大訊飛", "訊飛", "通義", "阿里雲", "騰訊", "文心", "星火", "智谱",
    "月之暗面", "深度求索", "混元", "百川智能", "百度", "科大讯飞", "腾讯", "谷歌", "豆包", "通义",
    "阿里云", "阿里巴巴",
)  # fmt: skip


def _trie(words: Iterable[str]) -> str:
    """One alternation of ``words`` as a prefix tree: the stdlib engine then tries one branch
    per position instead of every word (about 15 ns a character, against 130 for a flat
    alternation of the same words)."""
    tree: dict[str, dict] = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return emit(tree)


def _spellings() -> set[str]:
    """Every needle as texts write it: lower case, upper case, capitalised, and as the makers'
    own names spell it (``ChatGPT``, ``OpenAI``, ``iFlytek``).  Searching these in the text as
    it is costs half of lower-casing a Chinese text first; a name in another casing
    (``cHatgpt``) is not looked for."""
    spelled = set()
    for needle in NEEDLES:
        spelled.update((needle, needle.upper(), needle.capitalize()))
    for maker in MAKERS:
        for name in maker.aliases + maker.models + maker.ambiguous_models:
            lowered = name.lower()
            for needle in NEEDLES:
                at = lowered.find(needle)
                if at >= 0:
                    spelled.add(name[at : at + len(needle)])
    return spelled


_ANY_NEEDLE = re.compile(_trie(_spellings()))
_AI_WORD = (
    r"(?<![A-Za-z])(?:AI|A\.I\.|LLM)(?![A-Za-z])|\b(?:assistant|chat ?bot|bot|language model|model)s?\b"
    r"|人工智能|人工智慧|助手|模型|机器人|機器人"
)
_HYPOTHESIS_ZH = r"(?:如果|假如|假设|假設|要是|倘若|若是|想象|想像|假装|假裝|扮演)[^，。！？\n]{0,12}$"
_HYPOTHESIS_EN = r"\b(?:if|suppose|imagine|pretend|as if|what if|were)\b[^.!?\n]{0,40}$"


@cache
def _compiled() -> Any:
    """The claim patterns and their helpers, compiled on the first reply that names a maker or
    a model (most runs meet none): they need the third-party ``regex`` module (a lookbehind of
    any length), whose import and the compilation cost about 80 ms."""
    import regex

    flags = regex.IGNORECASE | regex.V0
    return SimpleNamespace(
        claims=tuple((kind, regex.compile(p, flags)) for kind, p in _PATTERNS),
        ai_word=regex.compile(_AI_WORD, regex.IGNORECASE),
        hypothesis_zh=regex.compile(_HYPOTHESIS_ZH),
        hypothesis_en=regex.compile(_HYPOTHESIS_EN, regex.IGNORECASE),
        sentence_end=regex.compile(r"[.!?。！？\n]"),
        fence=regex.compile(r"^\s*(?:```|~~~)", regex.MULTILINE),
        persona=regex.compile(_PERSONA, regex.IGNORECASE),
        search=regex.search,
        escape=regex.escape,
        flags=regex.IGNORECASE,
    )


def find_claims(text: str) -> Iterator[Claim]:
    """Every first-person identity claim in ``text``, in order, one per place."""
    if not _ANY_NEEDLE.search(text):
        return
    compiled = _compiled()
    fenced = fenced_spans(text) if "```" in text or "~~~" in text else ()
    seen_end = -1
    # every pattern's matches, in the order of the text (a pattern's before a later one's at the
    # same place), so that the quotation marks of a line are counted once, not once per claim
    matches = sorted(
        (
            (m.start(), n, kind, m)
            for n, (kind, pattern) in enumerate(compiled.claims)
            for m in pattern.finditer(text)
        ),
        key=lambda x: x[:2],
    )
    quoted = QuoteScan(text)
    found: list[Claim] = []
    for start, _, kind, m in matches:
        group = next((g for g, v in m.groupdict().items() if v is not None), None)
        if group is None:
            continue
        maker = (_NAME_GROUPS if group[0] == "n" else _VENDOR_GROUPS)[group]
        named = m.group(group)
        end = m.end()
        if any(a <= start < b for a, b in fenced):
            continue
        if quoted(start) or is_hypothetical(text, start):
            continue
        if group[0] == "n" and named.casefold() in _AMBIGUOUS and not _ai_context(text, start, end):
            continue
        found.append(Claim(start, end, named, maker, kind))
    for c in found:
        if c.start >= seen_end:  # two patterns on one place: the first
            seen_end = c.end
            yield c


def mentions(text: str, maker: Maker) -> bool:
    """Whether ``text`` names ``maker`` or any of its models (a system prompt that does gives the
    model that identity)."""
    alts = maker.aliases + maker.models + maker.ambiguous_models
    compiled = _compiled()
    return compiled.search(rf"{_B}(?:{_alt(list(alts))}){_E}", text, compiled.flags) is not None


_PERSONA = (
    r"role-?play|pretend|act(?:ing)? as|you are now|imagine (?:that )?you|in the first person|first-person"
    r"|from the perspective|\b(?:story|stories|character|persona|script|novel|fiction)\b"
    r"|扮演|假装|假裝|假设你是|假設你是|第一人称|第一人稱|角色|人设|人設|模仿|故事|小说|小說|剧本|劇本"
    r"|以[^，。！？\n]{0,12}(?:身份|口吻|视角|視角|语气|語氣)"
)


def asks_for_persona(text: str, named: str) -> bool:
    """Whether the user turn ``text`` asks for ``named`` as a persona: it names the model and
    asks for a role, a story or the first person ("用第一人称写…一个名为Chatgpt的聊天机器人").  A
    user who only asks whether the assistant is ChatGPT has set up no persona."""
    compiled = _compiled()
    if compiled.search(rf"{_B}{compiled.escape(named)}{_E}", text, compiled.flags) is None:
        return False
    return compiled.persona.search(text) is not None


def _ai_context(text: str, start: int, end: int) -> bool:
    """An AI word in the claim's sentence, other than the name itself."""
    left = max(
        (m.end() for m in _compiled().sentence_end.finditer(text, max(0, start - 120), start)),
        default=max(0, start - 120),
    )
    right_m = _compiled().sentence_end.search(text, end, end + 160)
    right = right_m.start() if right_m else min(len(text), end + 160)
    sentence = text[left:start] + text[end:right]
    return _compiled().ai_word.search(sentence) is not None


_QUOTES = ("“", "”", "「", "」", '"')


class QuoteScan:
    """Whether a claim stands inside a quotation opened on its line, for claims asked in the
    order of the text: the quotation marks are counted as the scan goes, so a reply of one long
    line with thousands of claims is read once, not once per claim."""

    __slots__ = ("counts", "pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0  # counted up to here, from the start of its line
        self.counts = [0] * len(_QUOTES)

    def __call__(self, start: int) -> bool:
        if start > self.pos:
            text = self.text
            line_start = text.rfind("\n", self.pos, start) + 1
            if line_start:
                self.counts = [0] * len(_QUOTES)
            begin = max(line_start, self.pos)
            self.counts = [n + text.count(q, begin, start) for n, q in zip(self.counts, _QUOTES, strict=True)]
            self.pos = start
        left, right, corner_left, corner_right, straight = self.counts
        return left > right or corner_left > corner_right or straight % 2 == 1


def is_hypothetical(text: str, start: int) -> bool:
    """Whether the words before ``start`` on its line make what follows a supposition
    (``如果我是ChatGPT``, ``if I were an AI``), not a statement."""
    # only the 60 characters before the claim are read: the line's start is looked for there
    line_start = text.rfind("\n", max(0, start - 60), start) + 1
    before = text[max(line_start, start - 60) : start]
    compiled = _compiled()
    return bool(compiled.hypothesis_zh.search(before) or compiled.hypothesis_en.search(before))


def fenced_spans(text: str) -> list[tuple[int, int]]:
    """The spans of ``text``'s fenced code blocks (a fence to the next): what code says is
    not the reply speaking."""
    marks = [m.start() for m in _compiled().fence.finditer(text)]
    return [(marks[i], marks[i + 1]) for i in range(0, len(marks) - 1, 2)]
