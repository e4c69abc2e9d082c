"""Text cut off mid-sentence: at its end (a generation that hit its token limit, an export that
clipped a field) or at its start (a record split in the wrong place).

Only shapes that a finished text does not have are reported:

* the text ends with a clause separator (``，`` ``、`` ``,``) or a connective that needs a
  continuation (``和`` ``以及`` ``因为`` …, ``and`` ``the`` ``of`` …);
* it ends with a colon that introduces nothing (a list or code that never came), unless the
  line asks the reader for input (``请输入选项编号：``, ``选择：``);
* it ends inside a bracket or quote opened on its last line (``（`` ``[`` ``“`` …);
* its last line is a sentence of prose, with a clause or a full stop before, and stops without
  punctuation while the text ends its other sentences with punctuation (``……此外，如果紧密关注
  市场趋势``, ``……已经经营超过50年。它在意大利、西班``): a cut word;
* it begins with punctuation that only follows text (``，`` ``。`` ``、`` ``）``).

Lists, headings, tables, code, hashtags, signatures, verse and one-line answers end without
punctuation legitimately and are not judged by their last character; nor is a letter's
complimentary close (``Hi there,`` … ``Best regards,``), whose comma waits for a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sftlint.analysis.text.memo import PerText
from sftlint.analysis.text.phrases import CLAUSE_MARKUP, CLAUSE_PARTING, PHRASE_CHARS
from sftlint.analysis.text.repeat import is_verse
from sftlint.analysis.text.zh import HAN_CHARS

_ZH_CONNECTIVES = (
    "以及",
    "并且",
    "而且",
    "但是",
    "因为",
    "所以",
    "如果",
    "或者",
    "例如",
    "比如",
    "包括",
    "虽然",
    "然而",
    "和",
    "与",
    "及",
    "或",
    "并",
    "但",
    "而",
)
#: words that end in a connective's character and finish a sentence (销售额总和, 积极参与, 涉及)
_WORDS_ENDING_IN_CONNECTIVE = tuple(
    [
        "总和",
        "平和",
        "温和",
        "缓和",
        "柔和",
        "饱和",
        "调和",
        "共和",
        "附和",
        "暖和",
        "求和",
        "讲和",
        "祥和",
        "随和",
        "谦和",
        "和和",
        "参与",
        "给与",
        "赋与",
        "授与",
        "涉及",
        "普及",
        "来不及",
        "波及",
        "提及",
        "顾及",
        "危及",
        "触及",
        "企及",
        "殃及",
        "不及",
        "论及",
        "合并",
        "吞并",
        "兼并",
        "归并",
    ]
)
_EN_CONNECTIVES = frozenset(
    [
        "and",
        "or",
        "but",
        "the",
        "a",
        "an",
        "of",
        "to",
        "with",
        "for",
        "that",
        "which",
        "because",
        "if",
        "than",
        "as",
        "from",
        "by",
        "into",
        "whose",
        # a subject pronoun waits for its verb ("…reminded him why he")
        "he",
        "she",
        "they",
        "we",
    ]
)
#: A relative or interrogative clause whose object stands at its front ends on its preposition
#: ("Is there anything else I can help you with", "the number of people I've worked with",
#: "what you are looking for"): a finished sentence, only its punctuation missing.  The clause
#: (the text after the last punctuation) holds a word that heads it (a wh-word, an indefinite
#: pronoun, a noun of people or things), then a subject pronoun and at most three words before
#: the preposition.  ``to`` is left out (``I'd like to`` waits for its verb), and so is a
#: clause opened by ``if``/``because`` alone (``If you could spell it out for``).
_STRANDED = re.compile(
    r"\b(?:what|which|who|whom|whoever|whatever|anything|something|everything|nothing|anyone|"
    r"someone|everyone|anybody|somebody|everybody|people|person|one|ones|thing|things)\b"
    r"[^.,;:!?\n]*?\b(?:I|you|we|they|he|she|it)(?:['’](?:ve|d|ll|m|re|s))?"
    r"(?:\s+[A-Za-z'’]+){0,3}\s+(?:with|for|of|from|by|into)$",
    re.IGNORECASE,
)
#: How much of the last clause :data:`_STRANDED` reads (a clause is a few words long)
_STRANDED_CLAUSE = 160
_CLAUSE_BREAK = re.compile(r".*[.,;:!?]", re.S)
_CLAUSE_END = "，、,"
#: what joins the fields of a line of data: a triple's ``_``, a table's ``|``, a tab
_FIELD_SEPARATORS = re.compile(r"[_|\t]")
#: each opener with the characters that close it: a bracket closes in either width (the IME
#: switched between the two: ``[あなたの名前］``, ``（见下文)``), other pairs in their own
_OPENERS = {
    "（": "）)",
    "(": ")）",
    "[": "]］",
    "［": "］]",
    "【": "】",
    "《": "》",
    "“": "”",
    "‘": "’",
    "「": "」",
    "『": "』",
}
#: the characters the unclosed-opener check looks at (it skips everything else)
_BRACKETS = re.compile("[" + re.escape("".join(_OPENERS) + "".join(_OPENERS.values())) + "]")
_START_PUNCT = "，、。；：）】》」』,;"
_TERMINAL = re.compile(r"[。！？!?.…~～）)」』”’\"'\]］】》*`|>]$")
_TERMINAL_CHARS = frozenset("。！？!?.…~～）)」』”’\"']］】》*`|>")
_HAN_END = re.compile(f"[{HAN_CHARS}]$")
_HAN_ALL = re.compile(f"[{HAN_CHARS}]")
#: an emoji shortcode (GitHub, Slack: `:rocket:`, `:+1:`) at the end of a text: its colons close it
_SHORTCODE_END = re.compile(r"(?<![A-Za-z0-9_:]):[a-z0-9_+-]{2,30}:$")
_LATIN_END = re.compile(r"(?<![A-Za-z])([A-Za-z]+)$")
_LIST_OR_HEADING = re.compile(
    r"^\s*(?:[-*+•·●○◦▪■□>]\s|\\\*|\d{1,3}(?:\.\d{1,3})*[.、)）:：]?\s?|[（(]?[0-9一二三四五六七八九十]{1,3}[)）、]|"
    r"[a-zA-Z][.)、]\s?|#{1,6}\s|第[0-9一二三四五六七八九十百]+[章节部分条回幕]|[A-Z]、|\|)"
)
_PROMPT = re.compile(
    r"输入|选择|选项|回答|请问|请告诉|您的|你的选择|enter|choose|select|your|answer|>\s*$", re.I
)
_CODE = re.compile(r"[{};=]|^\s{4,}|^\s*(?:def|class|return|import|SELECT)\b|\w\(.*\)\s*$")
# a sentence that opens like this needs a continuation: stopping without punctuation, it was cut
_OPENING = re.compile(
    r"^(?:总之|此外|另外|还有|因此|所以|但是|然而|虽然|因为|如果|重要的是|例如|比如|首先|其次|最后|同时|"
    r"当(?:你|我|他|她|它|我们|您|人们)|尽管|除了|为了|由于|只要|只有|即使|不过|而且|并且|综上所述|总的来说|简而言之)"
)
_INLINE_LIST = re.compile(r"(?:^|\s)\d{1,2}[.、]")
#: openers of a subordinate clause or of an adverbial phrase: the sentence is unfinished until
#: its main clause comes, which a clause separator after the opener begins (如果……，那么……;
#: 除了……外，患者理应……; 为了……，我们……)
_SUBORDINATE = re.compile(r"^(?:如果|虽然|因为|尽管|即使|只要|只有|由于|当|除了|为了)[^，,；;]*[，,；;]")


@dataclass(frozen=True, slots=True)
class Truncation:
    """``text[start:end]`` shows where ``text`` was cut; ``where`` is ``"end"`` or ``"start"``."""

    start: int
    end: int
    where: str
    reason: str


def _in_fence(text: str) -> bool:
    """Whether ``text`` ends inside a fenced code block: an odd number of its lines start
    (after whitespace) with a fence.  Counted with a scan, not a list of the lines (a text of
    a million short lines held them all)."""
    return sum(1 for _ in _FENCE_LINE.finditer(text)) % 2 == 1


# ``[^\S\n]`` is the whitespace ``str.lstrip`` removes from one line (both are Unicode's)
_FENCE_LINE = re.compile(r"^[^\S\n]*(?:```|~~~)", re.M)


def _stranded_preposition(line: str) -> bool:
    """Whether ``line`` ends with a clause whose object stands at its front, so that its last
    word is a preposition left at the end (:data:`_STRANDED`)."""
    clause = line[-_STRANDED_CLAUSE:]
    brk = _CLAUSE_BREAK.match(clause)
    if brk:
        clause = clause[brk.end() :]
    return _STRANDED.search(clause) is not None


#: A field of a form: a short label (no sentence inside it) and its colon, then the value if
#: any, up to the end of the line or the next field on it (主体词：咳嗽；发生状态：；描述词：间断性)
_FIELD = re.compile(r"[^\n：:。，！？；;,.!?]{1,24}[：:][^\n；;]*")
_FIELD_SEP = re.compile(r"[；;]")


def _form_with_empty_slots(body: str) -> bool:
    """Whether ``body`` is a form of ``label：value`` fields, two lines or more of nothing else,
    that leaves a field before its last one empty: a template that lists every asked-for type
    and keeps the label of a type with no value (PromptCBLUE's 上述句子中的实体包含：/
    医疗设备实体：/ 疾病实体：肺外结核病 / 身体部位实体：).  Its last field is empty the same way;
    a text cut after a colon is prose, or a form whose fields before the cut are all filled (a
    heading that ends in a colon on the first line, its label unlike the fields' labels, is not
    an empty field: Here are the steps: / First: … / Then: is cut)."""
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    if len(lines) < 2:
        return False
    empty = 0
    labels = []
    for line in lines:
        for part in _FIELD_SEP.split(line):
            part = part.strip()
            if not part:
                continue
            if _FIELD.fullmatch(part) is None:
                return False
            label, _, value = part.replace(":", "：").partition("：")
            labels.append(label)
            if not value:
                empty += 1
    first = lines[0]
    if first[-1] in "：:" and len(labels) > 1 and not any(x[-2:] == labels[0][-2:] for x in labels[1:]):
        # a heading that introduces the form (上述句子中的实体包含：), unlike its fields' labels
        # (…实体：), is no empty field; a first field like the others is (…关系的头尾实体对如下：)
        empty -= 1
    return empty >= 2  # the last field and another one


#: a letter's salutation on its first line (``Hi there,``, ``Dear Mr. Smith,``, ``Hello team:``)
_SALUTATION = re.compile(
    r"(?:Dear|Hi|Hello|Hey|Greetings|Good (?:morning|afternoon|evening))\b[^\n!?]{0,40}[,:]$", re.I
)
#: the words of a complimentary close (``Best regards,``, ``Looking forward to seeing you,``)
_CLOSE_WORDS = 6
#: words that open a clause, not a close: a short line opened by one and ending in a comma was cut
_CLAUSE_OPENERS = frozenset(
    ["if", "when", "because", "and", "but", "or", "as", "since", "although", "though", "while", "which", "so"]
)


def _letter_close(body: str, line_start: int, last: str) -> bool:
    """Whether ``body`` is a letter that ends on its complimentary close: its first line a
    salutation (``Hi there,``), its last line a short one of its own after a finished paragraph
    (``Best regards,``, ``Looking forward to seeing you,``), the sender's name left out.  An
    e-mail written for the user ends so: nothing was cut mid-sentence."""
    first = body.lstrip().split("\n", 1)[0].strip()
    words = last.split()
    if not _SALUTATION.match(first) or len(words) > _CLOSE_WORDS or not last[:1].isupper():
        return False
    if words[0].lower() in _CLAUSE_OPENERS:
        return False  # If you have any questions, … : a clause that waits for its main clause
    before = body[:line_start].rstrip()
    return line_start > 0 and before[-1:] in _TERMINAL_CHARS


def _end(text: str) -> Truncation | None:
    body = text.rstrip()
    if len(body) < 2 or body[-1] in _TERMINAL_CHARS:
        # a text that ends like a finished sentence is never cut at its end: every test below
        # either looks for a last character that is not one of these, or asks that it is not
        return None
    end = len(body)
    line_start = body.rfind("\n") + 1
    last = body[line_start:].strip()
    if not last or _in_fence(body) or _CODE.search(last):
        return None
    ch = body[-1]
    if ch in _CLAUSE_END:
        if ch == "," and not re.search(r"[A-Za-z\u4e00-\u9fff]\s*,$", body):
            return None
        if ch == "," and _letter_close(body, line_start, last):
            return None  # a letter's complimentary close, its signature left out
        return Truncation(end - 1, end, "end", f"ends with “{ch}”, mid-sentence")
    for w in _ZH_CONNECTIVES if body.endswith(_ZH_CONNECTIVES) else ():
        # a last line of a few characters is a word, not a clause (the whole answer 心平气和 or
        # 望尘莫及 of a cloze or idiom task): like the four words English asks for below; so is
        # the last field of a line of fields (an extracted triple 主继电器_部件故障_未吸和, a
        # table's cell), which copies its words from elsewhere
        field = _FIELD_SEPARATORS.split(last)[-1]
        if body.endswith(w) and len(field) > len(w) + 4 and not _LIST_OR_HEADING.match(last):
            prev = body[-len(w) - 1]
            if (_HAN_END.search(prev) or prev in "，,") and not body.endswith(_WORDS_ENDING_IN_CONNECTIVE):
                return Truncation(end - len(w), end, "end", f"ends with the connective “{w}”")
    # (the pattern can only match when the last character is a Latin letter: searching a
    # Chinese text for it tries every character)
    m = _LATIN_END.search(body) if ch.isascii() and ch.isalpha() else None
    if (
        m
        and m.group(1) in _EN_CONNECTIVES
        and len(last.split()) >= 4
        and not _LIST_OR_HEADING.match(last)
        and not _stranded_preposition(last)
    ):
        return Truncation(m.start(1), end, "end", f"ends with “{m.group(1)}”, mid-sentence")
    if ch in "：:":
        if _PROMPT.search(last) or (ch == ":" and not re.search(f"[{HAN_CHARS}A-Za-z]:$", body)):
            return None
        if _form_with_empty_slots(body):
            return None  # a form's last field left empty, as others are (身体部位实体：)
        if ch == ":" and _SHORTCODE_END.search(body):
            return None  # an emoji shortcode closes the text (…参与黑客马拉松！:rocket:)
        return Truncation(end - 1, end, "end", "ends with a colon that introduces nothing")
    # an opener on the last line that is never closed
    stack: list[tuple[int, str]] = []
    for b in _BRACKETS.finditer(body, line_start):
        c = b.group()
        if c in _OPENERS:
            stack.append((b.start(), c))
        elif stack and c in _OPENERS[stack[-1][1]]:
            stack.pop()
    terminal = _TERMINAL.search(body, end - 1) is not None  # body ends with no newline
    if stack and not terminal:
        i, c = stack[0]
        if c != "(" or not re.match(r"\(\s*\d{0,3}\s*$", body[i:]):
            return Truncation(i, end, "end", f"“{c}” is never closed")
    # a sentence of prose that stops without punctuation
    if terminal or "#" in last or "＃" in last:
        return None
    if _LIST_OR_HEADING.match(last):
        return _cut_item(body, last)
    if _HAN_END.search(body, end - 1) and "。" in body and not is_verse(body):
        # the sentence that was being written when the text stopped
        parts = re.split(r"[。！？!?]", last)
        fragment = parts[-1].strip()
        if _INLINE_LIST.search(fragment):
            return None
        # a sentence that opens like prose, or one that follows a finished sentence on the
        # same line: the paragraph was being written in sentences and the last one stopped
        if _OPENING.match(fragment) or (len(parts) > 1 and len(_HAN_ALL.findall(fragment)) >= 3):
            return Truncation(end - len(fragment), end, "end", UNPUNCTUATED)
    return None


#: how many earlier items of a list must end with a full stop for its unpunctuated last item to count as cut
_ITEMS_BEFORE = 2
_FULL_STOP = re.compile(r"[。！？!?.]$")


def _last_lines(text: str, n: int) -> list[str]:
    """The last ``n`` non-blank lines of ``text``, stripped (fewer when it has fewer), read from
    its end: a list of every line of a long reply is not needed for the last three."""
    out: list[str] = []
    end = len(text)
    while len(out) < n:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if line:
            out.append(line)
        if start == 0:
            break
        end = start - 1
    return out[::-1]


def _cut_item(body: str, last: str) -> Truncation | None:
    """The last item of a list whose items end with a full stop, stopping without one (``6. 以``).

    Lists end their items without punctuation legitimately, so it takes the list's own
    habit: the items right before it (at least :data:`_ITEMS_BEFORE`, with the same kind of
    marker) all end with a full stop.
    """
    lines = _last_lines(body, _ITEMS_BEFORE + 1)
    marker = _LIST_OR_HEADING.match(last)
    if marker is None or len(lines) < _ITEMS_BEFORE + 1 or last.startswith(("#", "|", "第")):
        return None
    shape = re.sub(r"\d+|[一二三四五六七八九十]+|[a-zA-Z]", "0", marker.group().strip())
    before = lines[-1 - _ITEMS_BEFORE : -1]
    for ln in before:
        m = _LIST_OR_HEADING.match(ln)
        if m is None or re.sub(r"\d+|[一二三四五六七八九十]+|[a-zA-Z]", "0", m.group().strip()) != shape:
            return None
        if not _FULL_STOP.search(ln):
            return None
    end = len(body)
    text = last[marker.end() :]
    return Truncation(
        end - len(text), end, "end", "the last list item stops without the full stop its list uses"
    )


def _start(text: str) -> Truncation | None:
    body = text.lstrip()
    if len(body) < 2 or body[0] not in _START_PUNCT:
        return None
    if body[0] in "：:" or body[:2] in (",,", "，，"):
        return None
    i = len(text) - len(body)
    return Truncation(i, i + 1, "start", f"begins with “{body[0]}”, mid-sentence")


#: openers that link a sentence to the one before (此外, 最后, 总之 …) rather than announce a
#: clause still to come: after one, a sentence of several clauses has run its course
_LINKING = re.compile(
    r"^(?:总之|此外|另外|还有|因此|所以|但是|然而|首先|其次|最后|同时|不过|而且|并且|综上所述|总的来说|简而言之)[，,]?"
)
_CLAUSE_SEP = re.compile("[，,；;]")


def hangs_on_last_word(fragment: str) -> bool:
    """Whether the unpunctuated sentence ``fragment`` (an :data:`UNPUNCTUATED` finding's span)
    is suspect only for lacking its full stop, so that its last word decides (:func:`ends_mid_word`).

    A sentence that opens so that it needs a continuation (:data:`_OPENING`: 如果……, 重要的是,
    此外，如果……, 总之，要解决这个问题) is cut whatever its last word; one whose subordinate
    clause is followed by its main clause (如果……，那么……) is not, nor one that goes on for
    several clauses after a linking opener (此外，A，B), nor a plain sentence after a finished one.
    """
    if not _OPENING.match(fragment):
        return True
    if _SUBORDINATE.match(fragment):
        return True
    link = _LINKING.match(fragment)
    if link is None:
        return False
    rest = fragment[link.end() :].lstrip()
    if _OPENING.match(rest):
        return _SUBORDINATE.match(rest) is not None
    return _CLAUSE_SEP.search(rest) is not None


#: how readily a last character may stand alone as a word (the typo model's ``alone``, jieba's
#: HMM share) and still be a stranded first character: 保 0.05, 电 0.09, 班 0.12, 氨 (of
#: 对乙酰氨基酚) 0.45, while 的, 您 and 等, which end sentences, stand alone 0.76 to 0.98 of the time
STRANDED_ALONE = 0.5
#: how common ``一`` + a character must be for the character to be a measure word or unit (一次
#: 19,249, 一天 8,470, 一周 993, 一岁 136; 一公 and 一毫 are no words: 3公 was cut from 3公斤)
MEASURE_WORD_FREQ = 100
#: how many characters before the end the segmentation reads (the longest word is shorter)
_WORD_WINDOW = 8
_HAN_TAIL = re.compile(f"[{HAN_CHARS}]+$")
#: one-character words that stand alone often but never end a sentence: a demonstrative
#: waits for its noun, a preposition or coverb for its object (…给您添麻烦了这, …变量设置为)
_NEEDS_MORE = frozenset("这那为把被从向将")
#: a particle that a phrase's one-character head follows (X之Y, written Chinese: 辛辣之品,
#: 油腻之物, 必经之路, 为何之故): after it the last character ends the phrase, it begins no word
_HEAD_AFTER = frozenset("之")


def ends_mid_word(detector: Any, text: str) -> bool:
    """Whether ``text`` stops inside a Chinese word: the best segmentation of its last
    characters (the typo model's, ``detector``) ends in a one-character word that rarely
    stands alone (…通过保, …发展符, …干式电: 保护, 符合, 电池 were cut), not in a dictionary
    word (…方案不同, …航班信息) or a character that ends sentences by itself (…帮助您, …的).
    """
    m = _HAN_TAIL.search(text)
    if m is None:
        return False
    if m.end() - m.start() == 1 and m.start() > 0 and text[m.start() - 1].isdigit():
        # one character after a number: a measure word or unit (每日3～4次, 连服5天) ends the
        # phrase, it begins no word; it is one when 一 makes a common word with it (一次, 一天)
        word = "一" + m.group()
        detector._need(word)
        if detector.freq.get(word, 0) >= MEASURE_WORD_FREQ:
            return False
    tail = text[max(m.start(), len(text) - _WORD_WINDOW) :]
    detector._need(tail)
    ends = detector._segment(tail)[1]
    if len(tail) - (ends[-2] if len(ends) > 1 else 0) > 1:
        return False  # the last word has two characters or more
    if len(ends) > 2 and ends[-2] - ends[-3] == 1 and tail[ends[-3]] in _HEAD_AFTER:
        return False  # the head of a noun phrase after 之 (辛辣之品, 不速之客): it ends the phrase
    return tail[-1] in _NEEDS_MORE or bool(detector._alone(tail[-1]) < STRANDED_ALONE)


#: the reason for a reply of one sentence of clauses whose last clause stops without punctuation
#: (``不客气，很高兴能``): judged only where its file ends its replies closed (T006)
UNPUNCTUATED_CLAUSE = "the last clause ends on a word that needs what follows it"
#: one-character words that cannot end a clause: a modal, a coverb or preposition waiting for
#: its object, a demonstrative or determiner waiting for its noun, a conjunction's first half
#: (…很高兴能, …窗口每, …如有其, …用竹签插入蛋糕中心，如).  The clause shape reports only these
#: (as the last word of the segmentation): a clause that ends on a content word (…具体需根据患者
#: 情况而定, …其城区常住人口为1987万人, …加用达喜片) is a finished sentence without its full stop,
#: and the segmentation cannot tell a cut content word from a whole one there (eight of nine
#: such held-out replies were finished).  会, 在 and 对 are left out: 是的，我会 / 我在 /
#: 你说得对 finish a reply.
CLAUSE_CUT_CHARS = frozenset("能将把被向从给如若其每该这那为")
#: a clause that ends the sentence before the last one on a line: two Chinese characters or more,
#: then a clause separator (the sentence was being written clause by clause)
_CLAUSE_BEFORE = re.compile(f"[{HAN_CHARS}][^，,；;]*[{HAN_CHARS}][^，,；;]*[，,；;]")


def unpunctuated_clause(text: str) -> Truncation | None:
    """The last clause of ``text``, when its last line is one sentence of clauses (a clause,
    a clause separator, then a clause ending on a Chinese character, no full stop anywhere on
    the line: ``Final Answer: 不客气，很高兴能``) and :func:`find_truncation` finds no cut at its end.

    A weaker shape than :data:`UNPUNCTUATED`'s (nothing before it on the line shows that the
    writer ends sentences with a full stop), so T006 asks for more before reporting it: the
    clause ends on a one-character word of :data:`CLAUSE_CUT_CHARS` (:func:`ends_mid_word`)
    and the file ends its replies with punctuation nearly always (a file vote).  Lists,
    headings, tables, code, verse, and a line that numbers its items inline are not judged,
    as for the other shapes."""
    body = text.rstrip()
    if len(body) < 2 or _HAN_END.search(body, len(body) - 1) is None:
        return None
    if any(t.where == "end" for t in _FOUND[text]):
        return None  # another shape already says why it is cut
    line_start = body.rfind("\n") + 1
    last = body[line_start:].strip()
    if (
        _TERMINAL_ANY.search(last) is not None
        or "#" in last
        or "＃" in last
        or _CODE.search(last)
        or _LIST_OR_HEADING.match(last)
        or _INLINE_LIST.search(last)
        or _in_fence(body)
    ):
        return None
    # the last clause: from the first Chinese character after the line's last clause separator
    # (found from the end: a pattern anchored at the end, searched, tries every start)
    cut = max(body.rfind(sep, line_start) for sep in "，,；;")
    clause = _HAN_ANY.search(body, max(cut + 1, line_start))
    if clause is None or _CLAUSE_BEFORE.search(body, line_start, clause.start()) is None:
        return None
    if is_verse(_last_paragraph(body)):
        return None  # a poem's line (床前明月光，疑是地上霜) ends without punctuation
    return Truncation(clause.start(), len(body), "end", UNPUNCTUATED_CLAUSE)


#: a line that parts paragraphs: blank, or markup without a letter or a Chinese character (``---``, ``>``)
_PARTING_LINE = re.compile(f"^[^A-Za-z0-9{HAN_CHARS}]*$", re.M)


def _last_paragraph(body: str) -> str:
    """The lines of ``body`` after its last parting line (a blank line, ``---``, ``>``): the
    reply after a ReAct block's markup, whose short unpunctuated step lines are no verse."""
    start = 0
    for m in _PARTING_LINE.finditer(body):
        start = m.end()
    return body[start:]


#: a sentence's end anywhere on a line (the shape above is a line that is one sentence)
_TERMINAL_ANY = re.compile(r"[。！？!?]")


#: the reason for a reply whose last clause is the start of a longer phrase its file writes in
#: full, never ending there (``不客气，很高兴`` where the file writes ``很高兴能帮到您``): T006
CUT_PHRASE = "the last clause stops partway through a phrase the file writes in full"


def open_clause(text: str) -> tuple[int, int] | None:
    """The span of the clause ``text`` ends on without a separator after it (its leading markup
    left out), when it ends on a Chinese character or a digit and is not the whole text (one
    character is enough: ``感谢您的耐心，祝``): the piece of a phrase a cut reply stops on
    (``Final Answer: 不客气，很高兴`` -> ``很高兴``)."""
    body = text.rstrip()
    if not body or not (body[-1].isdigit() or _HAN_END.search(body, len(body) - 1) is not None):
        return None
    start = 0
    for m in CLAUSE_PARTING.finditer(body, max(0, len(body) - PHRASE_CHARS[1] - 1)):
        start = m.end()
    if start == 0 and len(body) > PHRASE_CHARS[1]:
        return None  # no separator in the last 41 characters: no phrase of a template
    while start < len(body) and body[start] in CLAUSE_MARKUP:
        start += 1
    if start >= len(body) or not body[:start].strip():
        return None  # (a reply of one clause is a short answer: 手术治疗)
    return start, len(body)


#: the reason for a prose sentence that stops without punctuation: the one shape a file's own
#: style can explain (T006 weighs it against how often the file's replies end that way)
UNPUNCTUATED = "the last sentence stops without punctuation (a cut word?)"
_HAN_ANY = re.compile(f"[{HAN_CHARS}]")
_HAN_LAST = re.compile(f"[{HAN_CHARS}]\\s*$")


def has_han(text: str) -> bool:
    """Whether ``text`` holds a Chinese character (a reply whose ending the style count weighs)."""
    return _HAN_ANY.search(text) is not None


def ends_open(text: str) -> bool:
    r"""Whether ``text`` ends with a Chinese character, no punctuation after it.

    :data:`_HAN_LAST` searched from 64 characters before the end, read from the end: the
    character before the trailing white space (``\s`` and ``str.rstrip`` strip the same
    characters), at most 64 from the end, is Chinese.  The search tried the pattern at each of
    those 64 positions; T006 asks it of every reply."""
    last = len(text.rstrip()) - 1
    return last >= 0 and last >= len(text) - 64 and _HAN_ANY.match(text, last) is not None


def find_truncation(text: str) -> list[Truncation]:
    """Where ``text`` looks cut off: at most one finding for its end and one for its start.
    Once per distinct text (:class:`~sftlint.analysis.text.memo.PerText`)."""
    return list(_FOUND[text])


def _find(text: str) -> tuple[Truncation, ...]:
    out = []
    s = _start(text)
    if s is not None:
        out.append(s)
    e = _end(text)
    if e is not None:
        out.append(e)
    return tuple(out)


_FOUND = PerText(_find)
