"""Finding the retrieval context (RAG) inside a turn: ``Knowledge Base Result: …``.

The seed article appends what the retriever returned to each user turn, after a
marker::

    为什么我无法开直播？ Knowledge Base Result: 用户反馈无法开直播，如何处理？ …

The K rules need three things from a text: where its markers are, what
context follows each one (up to the next marker or the end), and whether that
context is a placeholder such as ``[同上]`` instead of real retrieved text.
Parsed once per record through ``record.memo`` and shared by the K rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from sftlint.record import Message, Record

#: The seed's marker, its Chinese form, and the two headers Chinese RAG templates put before the
#: retrieved text: ``已知信息：`` (langchain-ChatGLM's and Langchain-Chatchat's prompt) and
#: ``参考资料：`` / ``【参考资料】``, and the Traditional Chinese forms (``【參考資料】``).  A word followed by
#: a colon, or written as a ``【…】`` header.
DEFAULT_MARKERS: tuple[str, ...] = (
    "Knowledge Base Result",
    "知识库结果",
    "已知信息",
    "参考资料",
    "知識庫結果",
    "參考資料",
)
DEFAULT_PLACEHOLDERS: tuple[str, ...] = (
    "同上",
    "...",
    "…",
    "……",
    "略",
    "见上",
    "见上文",
    "同前",
    "省略",
    "same as above",
    "see above",
    "ditto",
)
#: Besides the markers themselves, words in a system prompt that say each turn carries retrieved text.
DEFAULT_PROMPT_HINTS: tuple[str, ...] = ("检索结果", "檢索結果", "retrieved context", "retrieval result")

_BRACKETS = {"[": "]", "【": "】", "（": "）", "(": ")", "「": "」", "<": ">", "《": "》", "{": "}"}
_TRIM = frozenset(" \t\r\n\u3000\u00a0")
_TRIM_STR = " \t\r\n\u3000\u00a0"


class Context(NamedTuple):
    """One marker and the context that follows it, as offsets in the text."""

    marker_start: int
    marker_end: int  # after the colon
    start: int  # the context, stripped of surrounding whitespace (start == end when empty)
    end: int
    #: found under a header or in a tag of the text's own (``参考知识：``, ``<knowledge>``), not
    #: after a configured marker: retrieved text to the K rules, but possibly the very passage a
    #: task asks about (``上下文：…`` then ``问题：…``), which D002 keeps
    own: bool = False

    @property
    def empty(self) -> bool:
        return self.start == self.end


@lru_cache(maxsize=32)
def marker_regex(markers: tuple[str, ...]) -> re.Pattern[str]:
    """A marker: one of the words (spaces flexible, ASCII case-insensitive), then a colon; or a
    Chinese word as a ``【…】`` header (``【参考资料】``: the match starts at the word)."""
    alts = []
    headers = []
    for m in sorted(markers, key=len, reverse=True):
        word = m.strip().rstrip(":：").strip()
        if not word:
            continue
        pat = r"\s*".join(re.escape(part) for part in word.split())
        alts.append(f"(?i:{pat})" if word.isascii() else pat)
        if not word.isascii():
            headers.append(pat)
    if not alts:
        return re.compile(r"(?!x)x")
    colon = rf"(?:{'|'.join(alts)})[ \t]*[:：]"
    if not headers:
        return re.compile(colon)
    return re.compile(rf"{colon}|(?<=【)(?:{'|'.join(headers)})】")


#: Where a context ends before the next marker: a line that opens a ``【…】`` header of the
#: question, a party or the task (``【用户问题】``, :data:`_NOT_CONTEXT_HEADERS`) or labels the
#: question (``问题：``), as templates write after the context.  Another header is the retrieved
#: text's own (a knowledge-base entry: ``【问题】…`` then ``【处理方法】…``).
_CONTEXT_END = re.compile(r"\n[ \t]*(?:【([^】\n]{1,12})】|(?:用户)?问题[ \t]*[:：])")


@lru_cache(maxsize=32)
def _probes(markers: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """Literal fragments to find every marker by, each with how far before it the marker starts.

    A marker starts with its first word as written; an ASCII first word in any casing is found
    by its tail in lower and upper case ("nowledge" finds "Knowledge" and "knowledge") — two
    scans of the text instead of one per casing; the pattern then confirms the whole marker.
    """
    probes: dict[tuple[str, int], None] = {}
    for m in markers:
        word = m.strip().rstrip(":：").strip()
        if not word:
            continue
        first = word.split()[0]
        if first.isascii() and len(first) > 2:
            probes[(first[1:].lower(), 1)] = None
            probes[(first[1:].upper(), 1)] = None
        elif first.isascii():
            for variant in (first, first.lower(), first.upper(), first.capitalize()):
                probes[(variant, 0)] = None
        else:
            probes[(first, 0)] = None
    return tuple(probes)


def _marker_matches(
    text: str, probes: tuple[tuple[str, int], ...], pattern: re.Pattern[str]
) -> list[re.Match[str]]:
    """Markers in ``text``: candidates found with ``str.find`` (fast), confirmed with the pattern.

    (Measured: one ``finditer`` of the pattern costs twice these finds, as it must scan the
    whole knowledge-base text after the marker character by character.)
    """
    if "：" not in text and ":" not in text and "】" not in text:
        return []
    starts: list[int] = []
    for p, back in probes:
        i = text.find(p, back)
        while i >= 0:
            starts.append(i - back)
            i = text.find(p, i + 1)
    if not starts:
        return []
    if len(starts) > 1:
        starts.sort()
    out: list[re.Match[str]] = []
    end = -1
    for i in starts:
        if i < end:
            continue
        m = pattern.match(text, i)
        if m is not None and not _quoted(text, m.start(), m.end()):
            out.append(m)
            end = m.end()
    return out


#: quotes a marker is named in: ``用户消息中“Knowledge Base Result:”之后的内容是检索结果``
_QUOTES = {"“": "”", '"': '"', "「": "」", "‘": "’", "'": "'", "`": "`", "《": "》"}


def _quoted(text: str, start: int, end: int) -> bool:
    """Whether the marker at ``start:end`` is quoted, its colon and all: named (a system
    prompt that says where the retrieved text is), not a header that the text follows."""
    if not start or end >= len(text):
        return False
    close = _QUOTES.get(text[start - 1])
    return close is not None and text[end] == close


def find_contexts(
    text: str, markers: tuple[str, ...] = DEFAULT_MARKERS, pattern: re.Pattern[str] | None = None
) -> list[Context]:
    """Every marker in ``text`` and the context after it."""
    return _find(text, _probes(markers), pattern or marker_regex(markers))


def _find(text: str, probes: tuple[tuple[str, int], ...], pattern: re.Pattern[str]) -> list[Context]:
    found = _marker_matches(text, probes, pattern)
    if not found:
        return _own_contexts(text)
    out: list[Context] = []
    last = len(found) - 1
    for i, m in enumerate(found):
        m_start, m_end = m.span()
        end = found[i + 1].start() if i < last else len(text)
        if text.find("\n", m_end, end) >= 0 and (
            text.find("【", m_end, end) >= 0 or text.find("问题", m_end, end) >= 0
        ):
            end = _context_end(text, m_end + 1, end)
        out.append(_trimmed(text, m_start, m_end, end, False))
    return out


_new_context = tuple.__new__  # a Context without the namedtuple's Python-level __new__ (hot path)


def _trimmed(text: str, m_start: int, m_end: int, end: int, own: bool) -> Context:
    """The context after the marker at ``m_start:m_end`` up to ``end``, without the white space
    around it."""
    s = m_end
    while s < end and text[s] in _TRIM:
        s += 1
    e = end
    while e > s and text[e - 1] in _TRIM:
        e -= 1
    return _new_context(Context, (m_start, m_end, s, e, own))


def _context_end(text: str, start: int, end: int) -> int:
    """Where the context that may run from ``start`` to ``end`` ends: at the first line that
    opens a header of the question, a party or the task (:data:`_CONTEXT_END`).  A 【问题】 on the
    context's first line opens a knowledge-base entry (【问题】… then 【处理方法】…), not the
    user's question, and ends nothing."""
    first = True
    for cut in _CONTEXT_END.finditer(text, start, end):
        header = cut.group(1)
        word = header.strip().lower() if header is not None else None
        if first and text[start : cut.start()].strip(_TRIM_STR):
            first = False
        if word is None or (word in _NOT_CONTEXT_HEADERS and not (first and word in _ENTRY_HEADERS)):
            return cut.start()
    return end


#: headers that may open a knowledge-base entry as well as the user's question
_ENTRY_HEADERS = frozenset({"问题", "问", "question"})


def _own_contexts(text: str) -> list[Context]:
    """The retrieved text of a turn with none of the markers, under a header or in a tag whose
    name says it holds retrieved text (:func:`_header_contexts`, :func:`_tag_contexts`)."""
    out = _header_contexts(text) if ("】" in text or "：" in text or ":" in text) else []
    if not out and "</" in text:
        out = _tag_contexts(text)
    return out


#: What a header or tag names when it holds retrieved text (not 背景, which users write before
#: their own question: ``背景：我是一名学生``)
_RETRIEVAL_STEMS = (
    "知识",
    "检索",
    "资料",
    "文档",
    "知識",
    "檢索",
    "資料",
    "文檔",
    "条款",
    "條款",
    "参考信息",
    "參考信息",
    "上下文",
    "context",
    "knowledge",
    "document",
    "retriev",
    "passage",
)


#: a header in square brackets opening its line (``[文档1]``, ``[Document 2]``, ``[参考资料]``), or
#: a Markdown heading alone on its line (``## 知识库``)
_DOC_HEADER = re.compile(r"^[ \t]*(?:\[([^\[\]\n]{2,16})\]|#{1,4}[ \t]+([^\n#]{2,16}?)[ \t]*$)", re.MULTILINE)


_MD_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]", re.MULTILINE)


def _header_contexts(text: str) -> list[Context]:
    """The blocks of ``text`` under a header that opens its line and names retrieved text
    (``【知识库检索结果】``, ``参考知识：``, ``[文档1]``, ``## 知识库``, ``Retrieved documents:``,
    ``参考文档（共2篇）：``): each
    runs to the next such header (a Markdown section to the next heading), or to a header of the
    question or a party (``【用户问题】``, ``问题：``), or to the end."""
    heads = []
    for m in _HEADER.finditer(text):
        word = (m.group(1) or m.group(2)).strip().lower()
        # a header opens its line (not 用户消息中【知识库检索结果】下方…)
        if (
            word not in _NOT_CONTEXT_HEADERS
            and any(stem in word for stem in _RETRIEVAL_STEMS)
            and not text[text.rfind("\n", 0, m.start()) + 1 : m.start()].strip()
        ):
            heads.append(m)
    extra = False
    if "[" in text or "#" in text:  # [文档1] …, [Document 2] …, ## 知识库
        for m in _DOC_HEADER.finditer(text):
            if any(stem in (m.group(1) or m.group(2)).lower() for stem in _RETRIEVAL_STEMS):
                heads.append(m)
                extra = True
    if "（" in text or "(" in text:  # 参考文档（共2篇）：
        for m in _NOTED_HEADER.finditer(text):
            if any(stem in m.group(1).lower() for stem in _RETRIEVAL_STEMS):
                heads.append(m)
                extra = True
    if extra:
        heads.sort(key=lambda m: m.start())
    out: list[Context] = []
    for i, m in enumerate(heads):
        m_start, m_end = m.span()
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        if m.re is _DOC_HEADER and m.group(2) is not None:  # a Markdown section ends at the next heading
            nxt = _MD_HEADING.search(text, m_end, end)
            end = nxt.start() if nxt is not None else end
        ctx = _trimmed(text, m_start, m_end, _context_end(text, m_end, end), True)
        if not ctx.empty:
            out.append(ctx)
    return out


def _tag_contexts(text: str) -> list[Context]:
    """The blocks of ``text`` in a tag named for retrieved text (``<knowledge>…</knowledge>``,
    ``<context id="1">…</context>``, ``<参考资料>…</参考资料>``), where it has no marker: another
    template's way of attaching what the retriever returned.  The opening tag stands for the
    marker.  Read from the closing tags, so a text of many other tags costs one pass."""
    out: list[Context] = []
    done = 0
    searched: dict[str, int] = {}  # per name, where the search for its opening tag stopped
    for close in _CLOSING_TAG.finditer(text):
        name = close.group(1)
        word = name.lower()
        if close.start() < done or not any(stem in word for stem in CONTEXT_STEMS):
            continue
        # the first opening tag of the name after the previous block (each stretch searched once)
        since = max(done, searched.get(name, 0))
        searched[name] = close.end()
        opened = _opening_tag(name).search(text, since, close.start())
        if opened is None:
            continue
        out.append(_trimmed(text, opened.start(), opened.end(), close.start(), True))
        done = close.end()
    return out


def _unwrap(s: str) -> str:
    s = s.strip(_TRIM_STR)
    while len(s) >= 2 and _BRACKETS.get(s[0]) == s[-1]:
        s = s[1:-1].strip(_TRIM_STR)
    return s


def placeholder_span(text: str, ctx: Context, placeholders: Sequence[str]) -> tuple[int, int] | None:
    """The span of the placeholder when the context is one, else ``None``.

    A context is a placeholder when, without its brackets and final full stop,
    it is one of ``placeholders`` (``[同上]``, ``同上。``, ``...``), or when it
    *starts* with a bracketed placeholder (``[同上] 另见退款规则``).  Empty
    context counts too; its span is the marker.
    """
    if ctx.empty:
        return (ctx.marker_start, ctx.marker_end)
    placeholders = tuple(placeholders)
    if ctx.end - ctx.start > _longest(placeholders) + 8 and text[ctx.start] not in _BRACKETS:
        return None  # real retrieved text: longer than any placeholder
    body = text[ctx.start : ctx.end]
    words = _words(placeholders)
    core = _unwrap(body.rstrip("。.!！")).lower()
    if core in words or (body.rstrip("。").lower() in words):
        return (ctx.start, ctx.end)
    close = _BRACKETS.get(body[0])
    if close is not None:
        j = body.find(close, 1)
        if j > 0 and _unwrap(body[: j + 1]).lower() in words:
            return (ctx.start, ctx.start + j + 1)
    return None


@lru_cache(maxsize=32)
def _words(placeholders: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_unwrap(p).lower() for p in placeholders if _unwrap(p))


@lru_cache(maxsize=32)
def _longest(placeholders: tuple[str, ...]) -> int:
    return max((len(p) for p in placeholders), default=0)


def message_contexts(
    record: Record, markers: tuple[str, ...] = DEFAULT_MARKERS
) -> list[tuple[Message, list[Context]]]:
    """Contexts of every non-assistant message of ``record`` (once per record and markers)."""
    global _last
    last = _last
    if last is not None and last[0] is record and last[1] == markers:
        return last[2]
    value = record.memo(_memo_key(markers), lambda: _contexts(record, markers))
    _last = (record, markers, value)
    return value


#: The K rules ask for the same record one after another: the last answer, checked by identity.
_last: tuple[Record, tuple[str, ...], list[tuple[Message, list[Context]]]] | None = None


@lru_cache(maxsize=32)
def _memo_key(markers: tuple[str, ...]) -> str:
    return f"retrieval.contexts:{markers!r}"


def _contexts(record: Record, markers: tuple[str, ...]) -> list[tuple[Message, list[Context]]]:
    # Retrieval context is input to the model: assistant turns are its output, not context.
    pattern = marker_regex(markers)
    probes = _probes(markers)
    return [
        (
            m,
            _system_contexts(m.content, markers) if m.role == "system" else _find(m.content, probes, pattern),
        )
        for m in record.messages or ()
        if m.role != "assistant"
    ]


@lru_cache(maxsize=256)
def _system_contexts(text: str, markers: tuple[str, ...]) -> list[Context]:
    """System prompts repeat across a dataset: parse each one once (the list is shared, read-only)."""
    return find_contexts(text, markers)


#: A header: a ``【…】`` word, or a short label (or two or three English words: ``Knowledge
#: base:``) and a colon at a line's start or after a space or a sentence's punctuation
#: (``背景知识：``, ``手机没信号了 Context:``)
_HEADER = re.compile(
    r"【([^】\n]{2,12})】"
    r"|(?:^|(?<=[\s。？！?!，,；;]))([^\s:：【】\[\]()（）。？！?!，,；;]{2,14}|[A-Za-z]+(?:[ \t][A-Za-z]+){1,2})[ \t]*[:：]",
    re.MULTILINE,
)
#: Headers that label the question, a party or the answer, never retrieved text
_NOT_CONTEXT_HEADERS = frozenset(
    [
        "问题",
        "用户问题",
        "客户问题",
        "用户提问",
        "提问",
        "问",
        "答",
        "回答",
        "答案",
        "用户",
        "客户",
        "顾客",
        "客服",
        "助手",
        "系统",
        "指令",
        "输入",
        "输出",
        "要求",
        "任务",
        "question",
        "query",
        "user",
        "customer",
        "answer",
        "human",
        "assistant",
        "system",
        "instruction",
        "input",
        "output",
        "task",
    ]
)
#: Words that name retrieved text inside a header the system prompt does not spell out
CONTEXT_STEMS = (
    "资料",
    "文档",
    "知识",
    "检索",
    "上下文",
    "背景",
    "参考",
    "資料",
    "文檔",
    "知識",
    "檢索",
    "參考",
    "条款",
    "條款",
    "context",
    "document",
    "reference",
    "knowledge",
    "passage",
    "retriev",
)


def headed_context(prompt: str | None, text: str) -> bool:
    """Whether ``text`` carries a block under a header that names retrieved text in this
    record's own words, where the turn has none of the configured markers: a header the system
    prompt spells out (it says ``请根据【背景资料】回答`` and the turn opens ``【背景资料】``) or
    one that says what it holds (``相关文档：``, ``Context:``).  Another engineer's template
    names its retrieved text in its own words; a prompt that asks for retrieval and a turn that
    carries it under another header is not a turn without context.  Question and party labels
    (``问题：``, ``用户：``) never count."""
    tagged = ">" in text and "</" in text
    if "】" not in text and "：" not in text and ":" not in text and not tagged:
        return False
    low_prompt = (prompt or "").lower()
    for m in _HEADER.finditer(text):
        word = (m.group(1) or m.group(2)).strip().lower()
        if word in _NOT_CONTEXT_HEADERS or not text[m.end() :].strip():
            continue
        if any(stem in word for stem in CONTEXT_STEMS) or _prompt_names(low_prompt, word):
            return True
    for m in _NOTED_HEADER.finditer(text):
        if any(stem in m.group(1).lower() for stem in CONTEXT_STEMS):
            return True
    if "[" in text:
        for m in _SQUARE_HEADER.finditer(text):
            if any(stem in m.group(1).lower() for stem in CONTEXT_STEMS):
                return True
    return tagged and _tagged_context(low_prompt, text)


#: a header in square brackets that ends its line (``…怎么办？ [知识库检索]`` then the text below)
_SQUARE_HEADER = re.compile(r"\[([^\[\]\n]{2,12})\][ \t]*\n[ \t]*\S")


#: a header with a note in brackets before its colon (``参考文档（共2篇）：``), opening its line: it
#: names the text below it (several documents, each numbered as a list item with its own
#: numbered knowledge base inside: :func:`documents` tells them apart)
_NOTED_HEADER = re.compile(
    r"^[ \t]*([^\s:：【】\[\]()（）。？！?!，,；;]{2,14})[（(][^）)\n]{1,12}[）)][ \t]*[:：]", re.MULTILINE
)


#: A closing tag (``</knowledge>``)
_CLOSING_TAG = re.compile(r"</([^\W\d_][\w-]{1,20})\s*>")


@lru_cache(maxsize=64)
def _opening_tag(name: str) -> re.Pattern[str]:
    """The opening tag of ``name``, attributes allowed (``<context id="1">``)."""
    return re.compile(rf"<{re.escape(name)}(?:\s[^<>\n]*)?>")


def _tagged_context(low_prompt: str, text: str) -> bool:
    """Whether ``text`` holds a block in a tag that names retrieved text (``<knowledge>…
    </knowledge>``, ``<参考资料>``, or a tag the prompt names): read from the closing tags,
    once per name, so a text of many other tags (``<br>`` cells) costs one pass."""
    seen: set[str] = set()
    for close in _CLOSING_TAG.finditer(text):
        name = close.group(1)
        word = name.lower()
        if word in seen:
            continue
        seen.add(word)
        if word in _NOT_CONTEXT_HEADERS or not (
            any(stem in word for stem in CONTEXT_STEMS) or _prompt_names(low_prompt, word)
        ):
            continue
        opened = _opening_tag(name).search(text, 0, close.start())
        if opened is not None and text[opened.end() : close.start()].strip():
            return True
    return False


#: What a prompt writes just before the name of the text it answers from
_SOURCE_CUE = re.compile(r"根据|依据|参考|基于|结合|using|from|based on|according to")


def _prompt_names(low_prompt: str, word: str) -> bool:
    """Whether the prompt names ``word`` as what the answer comes from: quoted or bracketed
    (``【背景资料】``, ``“政策原文”``), or shortly after 根据/依据/using (``依据用户消息中的政策原文``).
    A word the prompt merely uses (``请向用户询问订单号``) names no source: ``订单号：…`` stays a
    turn without context."""
    start = low_prompt.find(word)
    while start >= 0:
        if start and low_prompt[start - 1] in "【“「《<\"'":
            return True
        if _SOURCE_CUE.search(low_prompt, max(0, start - 12), start):
            return True
        start = low_prompt.find(word, start + 1)
    return False


@lru_cache(maxsize=512)
def prompt_mentions_retrieval(
    prompt: str | None,
    markers: tuple[str, ...] = DEFAULT_MARKERS,
    hints: tuple[str, ...] = DEFAULT_PROMPT_HINTS,
) -> bool:
    """Whether a system prompt says the turns carry retrieved context (cached: prompts repeat).

    The seed's prompt says "根据知识库结果（knowledge base result）": the marker's
    words, with or without the colon, or one of the ``hints``.
    """
    if not prompt:
        return False
    low = prompt.lower()
    for word in (*markers, *hints):
        w = word.strip().rstrip(":：").strip().lower()
        if w and re.search(r"\s*".join(re.escape(p) for p in w.split()), low):
            return True
    return False


#: A label that opens a line and numbers a retrieved document: ``1)``, ``1）``, ``[1]``, ``【2】``,
#: ``[文档3]``, ``【资料1】``, ``文档2：``, ``Document 2:``
_LABEL_BODY = (
    r"(?:(\d{1,2})[)）]"
    r"|[\[【](?:文档|资料|文檔|資料|document|doc|passage)?[ \t]*(\d{1,2})[\]】]"
    r"|(?:文档|资料|文檔|資料|document|doc|passage)[ \t]*(\d{1,2})[ \t]*[:：.])"
)
_DOCUMENT_LABEL = re.compile(r"^[ \t]*" + _LABEL_BODY, re.MULTILINE | re.IGNORECASE)
#: the first document's label, where the retrieved text starts (after its marker, mid-line)
_FIRST_DOCUMENT_LABEL = re.compile(_LABEL_BODY, re.IGNORECASE)


def documents(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The retrieved text at ``start:end`` split into the documents it lists, as ``(start, end)``
    offsets without their labels; the whole text where it lists none.

    A retriever that returns several passages numbers them (``参考文档（共2篇）：`` then ``1) …``
    and ``2) …``), and each passage holds a knowledge base numbered from 1 on its own: read as
    one list, its ``1.`` repeats the document's ``1)`` and its numbering runs on across
    documents.  A text is a list of documents where it opens with such a label and the labels of
    that form opening lines run 1, 2, 3 … to its end (a passage whose items use the same form
    breaks the run, and the text stays whole: its numbering is then one list, as before)."""
    first = _FIRST_DOCUMENT_LABEL.match(text, start, end)
    if first is None or _label_number(first) != 1:
        return [(start, end)]
    form = _form(first)
    labels = [first]
    for m in _DOCUMENT_LABEL.finditer(text, first.end(), end):
        if _form(m) != form:
            continue
        if _label_number(m) != len(labels) + 1:
            return [(start, end)]
        labels.append(m)
    out = []
    for i, m in enumerate(labels):
        s = m.end()
        e = labels[i + 1].start() if i + 1 < len(labels) else end
        while s < e and text[s] in _TRIM:
            s += 1
        while e > s and text[e - 1] in _TRIM:
            e -= 1
        out.append((s, e))
    return out


def _label_number(m: re.Match[str]) -> int:
    return int(m.group(1) or m.group(2) or m.group(3))


def _form(m: re.Match[str]) -> str:
    """A document label's form, its number left out (``1)`` and ``2)`` share one)."""
    return re.sub(r"\d+", "#", m.group().strip())
