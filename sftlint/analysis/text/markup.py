"""HTML entities and stray tags left in plain text (rule T007).

Text scraped from web pages or exported through an HTML editor keeps its debris:
``&lt;1``, ``&gt;1：20``, ``&amp;``, ``&nbsp;``, ``<br>``, ``</p>``, a ``</think>`` left by
a reasoning template.  This module finds such debris in one text; whether the file's
texts are *meant* to hold markup (an HTML-writing dataset) is decided by the rule from
the whole file.

Left alone: a reply that opens with a reasoning block (``<think>…</think>``, as reasoning
models' chat formats write it, Qwen3 and DeepSeek-R1 among them, and ms-swift's agent data
before a call): the block's two tags are the format, not debris (a ``</think>`` alone, or one
in the middle of a reply, still is); code (fenced blocks and ``inline code``), text that talks about markup
(HTML, XML, 标签, entity, 转义 …: its tags are the subject), ``<br>`` inside a Markdown
table row (the usual way to break a line in a cell), placeholders such as
``<RoleObjectId>`` or ``<Song>`` (not HTML tag names), a text that is itself an HTML
or XML document (it opens with a tag, or holds many).  Whether a reply answers a request about
markup (a code-instruction dataset's "Create an HTML table …" answered with `<table>` …
`</table>`: its tags are the answer) is the rule's to decide, from the turns before it
(:func:`about_markup`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`", re.S)
_ENTITY = re.compile(r"&(?:#[0-9]{2,7}|#[xX][0-9a-fA-F]{2,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# HTML formatting and structure tags that have no business in a plain-text reply, and the
# reasoning/turn wrappers that templates leave behind
_TAG_NAMES = (
    "p|br|div|span|b|i|u|em|strong|font|a|li|ul|ol|h[1-6]|hr|sup|sub|code|pre|td|tr|th|table|"
    "tbody|thead|img|center|small|big|blockquote|think|answer|reasoning|s"
)
_TAG = re.compile(
    rf"<(/?)({_TAG_NAMES})(?:\s+[a-zA-Z-]+(?:=(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s<>]+))?)*\s*/?>", re.I
)
_ANY_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]*)?/?>")
# whole words only: "dom" inside "random", "tag" inside "advantage" and "react" inside
# "reaction" said nothing about markup and silenced real debris; nor does "ReAct", the agent
# method every ReAct system prompt names; 元素, 标记 and 实体 are everyday words (chemical
# elements, to mark, a physical store) unless they name markup
_ABOUT_MARKUP = re.compile(
    r"(?<![A-Za-z])(?:x?html\d?|xml|markup|markdown|entit(?:y|ies)|escap(?:e|es|ed|ing)|tags?|jsx|vue|"
    r"(?-i:(?!ReAct\b))react(?:js)?|jquery|php|dom|svg|css)(?![A-Za-z])|"
    r"标签|转义|网页|前端|标记语言|实体(?:字符|编码|引用|名称)",
    re.I,
)
#: a reasoning block that opens a reply: its tag name (the closing tag is searched after it)
_LEADING_REASONING = re.compile(r"\s*<(think|reasoning)>", re.I)
_DOCUMENT = re.compile(r"<(?:!DOCTYPE|\?xml|html|svg|root|body|head)\b", re.I)
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")


@dataclass(frozen=True, slots=True)
class Markup:
    """``text[start:end]`` is markup debris: an ``"entity"`` (with its decoded ``repair``) or a ``"tag"``."""

    start: int
    end: int
    kind: str
    repair: str | None = None


def _masked(text: str) -> str:
    """``text`` with code replaced by spaces (offsets kept).  Every code span starts with
    a backtick or ``~~~``: a text without either is returned as it is, without the scan that
    tests each character against the pattern's first characters."""
    if "`" not in text and "~~~" not in text:
        return text
    return _CODE.sub(lambda m: " " * len(m.group()), text)


def is_markup_document(text: str) -> bool:
    """Whether ``text`` is itself HTML/XML: a document, or elements that are not formatting tags."""
    body = _masked(text).strip()
    if _DOCUMENT.match(body):
        return True
    return sum(1 for m in _ANY_TAG.finditer(body) if not _TAG.fullmatch(m.group())) >= 3


def about_markup(text: str) -> bool:
    """Whether ``text`` talks about markup: it names HTML, XML, CSS, tags, entities, a web
    framework (React, Vue, jQuery, PHP), 标签, 转义 …"""
    return _ABOUT_MARKUP.search(text) is not None


def find_markup(text: str, reply: bool = False) -> list[Markup]:
    """Entities and stray tags in ``text``, in order (see the module docstring for what is left
    alone).  ``reply``: ``text`` is an assistant's, so a reasoning block opening it is its format."""
    if "&" not in text and "<" not in text:
        return []
    if _ABOUT_MARKUP.search(text) or is_markup_document(text):
        return []
    body = _masked(text)
    block = _reasoning_block_tags(body) if reply else ()
    out: list[Markup] = []
    for m in _ENTITY.finditer(body):
        repair = _decoded(m.group())
        if repair is not None:
            out.append(Markup(m.start(), m.end(), "entity", repair))
    # the line a <br> stands on, read once per line: a long line of tags (a template's
    # ``</s>`` repeated 90,000 times) sliced its line again for each tag, quadratic in the line
    row_from = row_to = -1  # the last line read, when no line break is inside it
    row = False  # whether that line is a Markdown table row
    for m in _TAG.finditer(body):
        if m.start() in block:
            continue
        if m.group(2).lower() == "br":
            if not (row_from <= m.start() and m.end() <= row_to):
                line_start = body.rfind("\n", 0, m.start()) + 1
                line_end = body.find("\n", m.end())
                line = body[line_start : line_end if line_end >= 0 else len(body)]
                row = _TABLE_ROW.match(line) is not None
                row_from, row_to = (line_start, line_start + len(line)) if "\n" not in line else (-1, -1)
            if row:
                continue
        out.append(Markup(m.start(), m.end(), "tag"))
    out.sort(key=lambda x: x.start)
    return out


def _reasoning_block_tags(body: str) -> tuple[int, ...]:
    """Where the two tags of a reasoning block that opens ``body`` start (``<think>`` first
    thing, its ``</think>`` after it), or nothing: an unclosed opening tag is left to be
    reported, as a template's leftover."""
    m = _LEADING_REASONING.match(body)
    if m is None:
        return ()
    close = re.compile(rf"</{m.group(1)}>", re.I).search(body, m.end())
    return () if close is None else (m.start(1) - 1, close.start())


def _decoded(entity: str) -> str | None:
    """What HTML decodes ``entity`` (``&name;`` or ``&#...;``) to, or None where it names no
    character.  :mod:`html` is imported here, at the first entity-like text: its table of
    2,231 entity names costs 6M instructions to import, a hundredth of a small check's start,
    and most data has no entity at all."""
    import html
    from html.entities import html5

    name = entity[1:]
    if not (name.startswith("#") or name in html5):
        return None
    repair = html.unescape(entity)
    return repair if repair != entity else None


def has_markup(text: str) -> bool:
    """Whether ``text`` holds any HTML-like tag or entity outside code (for the file's convention)."""
    if "&" not in text and "<" not in text:
        return False
    body = _masked(text)
    return bool(_ANY_TAG.search(body) or _ENTITY.search(body))
