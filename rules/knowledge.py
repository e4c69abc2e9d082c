"""K — retrieval context and knowledge-base numbering (K001, K002, K101–K104).

The seed article appends the retrieved knowledge-base text to every user turn
after a marker (``Knowledge Base Result:``) and structures that text with
hierarchical numbers (1. / 2.1 / 2.2.1).  K001/K002 check that the context is
there and real; K101–K104 check its numbering.

Where the numbering rules look (option ``texts``): by default only at
retrieval context, i.e. the text after a marker in any message (user turns,
and a system prompt that embeds a knowledge base after a marker).  Whole
messages of a role can be added (``texts = ["retrieval", "system"]``), but
ordinary answers and prompts are not knowledge bases: the seed's own system
prompt lists "1. … 2. … 3. …" inline and is not checked by default.

Parsing lives in :mod:`sftlint.analysis.retrieval` and :mod:`sftlint.analysis.numbering`; the
numbering of a record is computed once and shared by K101–K104.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import ClassVar, Literal, NamedTuple

from pydantic import Field

from sftlint.analysis.majority import (
    CONVENTION_LEAST,
    FileVoteMixin,
    Missing,
    Tally,
    clean_tally,
    lacking_tally,
    voting_path,
)
from sftlint.analysis.numbering import (
    FAMILY_ARABIC,
    Numbering,
    Problem,
    analyse,
    analyse_span,
    is_excerpt,
    without,
    without_omissions,
)
from sftlint.analysis.retrieval import (
    CONTEXT_STEMS,
    DEFAULT_MARKERS,
    DEFAULT_PLACEHOLDERS,
    DEFAULT_PROMPT_HINTS,
    Context,
    documents,
    headed_context,
    message_contexts,
    placeholder_span,
    prompt_mentions_retrieval,
)
from sftlint.analysis.tools import has_tool_data, tool_facts
from sftlint.diagnostic import Edit, Finding, Fix
from sftlint.record import Message, Record
from sftlint.rule import PerPrompt, Rule, RuleOptions

TextKind = Literal["retrieval", "system", "user", "assistant", "tool"]


#: the group of a file's turns that follow a turn with retrieved text in a record that carries
#: none on (K001's vote): reported only where more than FOLLOW_UPS_SHARE of the file's
#: follow-ups (of at least CONVENTION_LEAST) carry it, or, in a smaller file, most of them
FOLLOW_UPS = "after a turn with retrieved text"
FOLLOW_UPS_SHARE = 0.9


class RetrievalOptions(RuleOptions):
    """The retrieval markers: the same key on every K rule."""

    markers: list[str] = Field(default_factory=lambda: list(DEFAULT_MARKERS), min_length=1)


class _KRule(Rule):
    Options = RetrievalOptions

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        self.markers: tuple[str, ...] = tuple(self.options.markers)


# ---------------------------------------------------------------------------


class RagMissing(FileVoteMixin, _KRule):
    """## What it does
    Reports a user turn without retrieval context (no `Knowledge Base Result:` / `知识库结果：`
    marker, nor the `已知信息：` / `参考资料：` / `【参考资料】` header of Chinese RAG templates) in a dataset that uses retrieval: the system prompt says the turns carry it (it names
    the marker, as the seed's "根据知识库结果（knowledge base result）", without holding the retrieved
    text itself), the option `require` is true, or most user turns of the same file carry a marker.
    A turn that carries it under a header or in a tag of the record's own words is not
    reported: a header the prompt names as the answer's source (`请依据【背景资料】回答` and a
    turn under `【背景资料】`), one that says what it holds (`相关文档：`, `参考知识：`, `Context:`,
    `【知识库检索结果】`, `[文档1]`, `参考文档（共2篇）：`), or a tag (`<knowledge>…</knowledge>`, or one the prompt names: `用户消息中
    <kb>标签内的内容`); labels of the question or a speaker (`问题：`, `用户：`) never count.  A
    header or tag whose own name says it holds retrieved text votes as a marker does; one only
    the prompt names does not (`[File: …]` in an agent's file makes no retrieval file), nor does
    either where `require` asks for the markers themselves.  A record whose system prompt holds
    the retrieved text itself (a marker, `## 知识库` or `[文档1]` opening its line) expects none in
    its turns and does not vote, nor does one whose assistant looks things up with tools (a
    `tool` turn returns what `search_kb` found; a tool that acts, `create_ticket`, retrieves
    nothing); a turn that only greets (`在吗？`, `Hi there,
    anyone around?`) asks nothing to retrieve for.  A marker the prompt names in quotes
    (`用户消息中“Knowledge Base Result:”之后的内容`) is named, not a header.  The Traditional forms
    (`【參考資料】`, `知識庫結果：`, `[文檔1]`) are markers and headers too, as is a placeholder under
    a header of the turn's own (`相关条款：（同上）`: K002's finding, not a turn without context).

    Many RAG datasets retrieve once per question and let its follow-ups go bare (`是住院`,
    `没有过敏。`), or open a new question with a new passage.  A turn after a turn with retrieved
    text, in a record none of whose later turns carries it on (no `[同上]`, no copy of a text it
    had), votes apart: it is reported only where more than 90% of the file's follow-ups (of at
    least 20; in a smaller file, most) carry it, or where the record's prompt says every turn
    brings it (`每一轮用户消息都会附带检索结果`, `Every user message includes retrieved context`;
    the seed's `每次收到用户的输入，你都需要根据知识库结果` says how to answer, and leaves it to the
    file's follow-ups) or how a follow-up does (`内容为[同上]时表示与前一轮相同`).  A record whose system prompt does not mention retrieval votes
    with the file's other such records only: a file that mixes RAG prompts with another task's
    (`你是一个友好的聊天助手。`) holds two conventions.  An Alpaca record's `input` holds what its instruction works
    on: a non-empty one exempts the turn without voting, and where it holds the retrieved text
    (not `[同上]`) the `history` before it, bare in every turn, is the talk before the question.

    ## Why is this bad?
    The seed (section 二.1): training data must look like what the model sees in production.  In a
    RAG application every user turn arrives with retrieved text; a training turn without it
    teaches the model to answer from memory, which is what RAG exists to prevent.

    ## Example
    ```json
    {"messages": [{"role": "system", "content": "你是客服助手，请根据知识库结果（knowledge base result）回答用户。"}, {"role": "user", "content": "运费险怎么理赔？"}, {"role": "assistant", "content": "退货签收后运费险会自动理赔到您的支付账户。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "system", "content": "你是客服助手，请根据知识库结果（knowledge base result）回答用户。"}, {"role": "user", "content": "运费险怎么理赔？ Knowledge Base Result: 运费险在退货商品签收后72小时内自动理赔，理赔金额退回原支付账户。"}, {"role": "assistant", "content": "退货商品签收后72小时内，运费险会自动理赔到您的原支付账户。"}]}
    ```

    ## Options
    `markers`: the words that introduce the context (a colon follows them).  `require`: `true`
    expects context in every user turn, `false` never reports, unset (default) decides per record
    (system prompt) and per file (more than `majority` of its user turns carry a marker).
    `prompt-hints`: further phrases in a system prompt that mean the turns carry retrieved text.

    ## Fix availability
    None: the retrieved text cannot be invented.
    """

    code = "K001"
    name = "rag-missing"
    severity = "error"
    scope = "dataset"
    vote_groups: ClassVar[dict[str, tuple[float, int]]] = {FOLLOW_UPS: (FOLLOW_UPS_SHARE, CONVENTION_LEAST)}

    class Options(RetrievalOptions):
        require: bool | None = None
        majority: float = Field(default=0.5, ge=0.0, lt=1.0)
        prompt_hints: list[str] = Field(default_factory=lambda: list(DEFAULT_PROMPT_HINTS))

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        self.hints = tuple(self.options.prompt_hints)
        self.mentions_retrieval = PerPrompt(
            lambda prompt: bool(prompt) and prompt_mentions_retrieval(prompt, self.markers, self.hints)
        )

    def map(self, record: Record) -> Tally | None:
        opts = self.options
        if opts.require is False or not record.messages:
            return None
        contexts = message_contexts(record, self.markers)
        if opts.require:  # the configured markers themselves, not a header or tag of the text's own
            contexts = [(m, [c for c in ctxs if not c.own]) for m, ctxs in contexts]
        n_users = 0
        having = 0
        for m, ctxs in contexts:
            if m.role == "user":
                n_users += 1
                if ctxs:
                    having += 1
        if not n_users:
            return None
        prompt = record.system_prompt
        mentions = bool(prompt) and self.mentions_retrieval[prompt]
        # a record whose system prompt does not mention retrieval votes with the file's other
        # such records: a file that mixes RAG prompts with plain ones holds two conventions
        group = _PROMPT_WITHOUT_RETRIEVAL if prompt and not mentions and opts.require is None else ""
        path = voting_path(record.file.path, group)
        if having == n_users:  # the common case in a RAG dataset
            if n_users == 1 or opts.require is not None:
                return clean_tally(path, having)
            # its follow-ups carry the text on: a vote for the file's follow-up convention
            return (
                clean_tally(path, having),
                clean_tally(self.follow_up_path(record), n_users - 1),
            )  # type: ignore[return-value]
        if opts.require is None and (_carries_context(record, self.markers) or _retrieves_by_tool(record)):
            # the system prompt holds the retrieved text, or a tool returns it: its turns need
            # not carry it, nor vote
            return None
        # Whether the record itself says turns carry context only matters when one lacks it (a
        # prompt that holds the retrieved text itself returned above)
        forced = bool(opts.require) or mentions
        lacking = [m for m, ctxs in contexts if m.role == "user" and not ctxs]
        if opts.require is None:
            # a turn that carries retrieved text under a header of the record's own words has
            # it (another template's 【背景资料】, 相关文档：, 参考知识：, <knowledge>…</knowledge>),
            # whether its prompt asks for retrieval or most of its file's turns carry a marker;
            # in the file's vote it counts only where the prompt asks (a header a prompt names,
            # ``[File: …]`` in an agent's file, makes no file a retrieval file)
            lacking = [m for m in lacking if not _carries_own(prompt, m) and not _greeting(m.content)]
            if lacking and _bare_history(contexts, lacking):
                lacking = [m for m in lacking if not m.content_pointer.startswith("/history/")]
            if forced:
                having = n_users - len(lacking)
            if not lacking:
                return clean_tally(path, having)
            # the follow-ups of a record that attaches the retrieved text once per question vote
            # apart: they lack it only where the file's follow-ups carry it as a convention
            follow_ups = _bare_follow_ups(contexts, lacking, prompt)
            if follow_ups:
                bare = {id(m) for m in follow_ups}
                lacking = [m for m in lacking if id(m) not in bare]
                aside = lacking_tally(record, False, 0, follow_ups, FOLLOW_UPS, locate=True)
                if lacking:
                    return (lacking_tally(record, forced, having, lacking, group), aside)  # type: ignore[return-value]
                return (clean_tally(path, having), aside) if having else aside  # type: ignore[return-value]
        return lacking_tally(record, forced, having, lacking, group)

    def follow_up_path(self, record: Record) -> str:
        return voting_path(record.file.path, FOLLOW_UPS)

    def lacking(self, m: Missing, reason: str) -> tuple[str, None]:
        if reason == "forced":
            why = "`require` is set" if self.options.require else "the system prompt says turns carry it"
        else:
            why = f"{reason} carry it"
        return (
            f"user turn has no retrieval context (`{self.options.markers[0]}:`); expected because {why}",
            None,
        )

    def lacking_summary(self, n: int, reason: str) -> str:
        return (
            f"{n} more user turns from this record on lack retrieval context ({reason} carry it); "
            "they were not listed one by one to keep memory flat; set `require = true` to list them"
        )


def _bare_follow_ups(
    contexts: list[tuple[Message, list[Context]]], lacking: list[Message], prompt: str | None
) -> list[Message]:
    """The turns of ``lacking`` that follow up a turn with retrieved text in a record that
    attaches it once per question: none of its later turns carries it again (no ``[同上]``, no
    copy of a text it already had: a different text is the next question's).  Many RAG datasets
    retrieve for a question and let its follow-ups (``是住院``, ``没有过敏。``) go bare; a record
    that writes ``[同上]`` in one follow-up and nothing in another has lost a context (none is
    returned).  Nor where the system prompt says how a follow-up carries it (``内容为[同上]时表示
    与前一轮相同``), or that every turn carries it (``每一轮用户消息都会附带检索结果``) and not
    that follow-ups go without."""
    if prompt and _prompt_carries_follow_ups(prompt):
        return []
    seen: list[str] = []
    follow_ups: list[Message] = []
    opened = False
    bare = False  # a bare follow-up since the last turn with retrieved text
    missing = {id(m) for m in lacking}
    for m, ctxs in contexts:
        if m.role != "user":
            continue
        if not ctxs:
            if id(m) in missing:
                if opened:
                    follow_ups.append(m)
                    bare = True
            elif opened and _PLACEHOLDER_AFTER_HEADER.search(m.content):
                return []  # 相关条款：（同上） under a header of its own: carried on
            else:
                opened = True  # retrieved text under a header of its own, or in an Alpaca input
            continue
        text = m.content
        for c in ctxs:
            body = text[c.start : c.end]
            if opened and placeholder_span(text, c, DEFAULT_PLACEHOLDERS) is not None:
                return []  # the record carries its context into follow-ups
            if opened and not bare and _seen_before(body, seen):
                return []  # … or repeats it in the turn after (a copy after bare turns asks anew)
            seen.append(body)
        opened = True
        bare = False
    return follow_ups


def _seen_before(body: str, seen: list[str]) -> bool:
    """Whether ``body`` is one of the record's earlier retrieved texts carried on: equal, or
    nearly (most of their character pairs shared), not the next question's passage.  Compared
    with the last :data:`SEEN_COMPARED` texts only: a record of hundreds of turns stays linear."""
    if body in seen:
        return True
    pairs: set[str] | None = None
    for other in seen[-SEEN_COMPARED:]:
        if min(len(body), len(other)) < 0.8 * max(len(body), len(other)):
            continue
        if pairs is None:
            pairs = {body[i : i + 2] for i in range(len(body) - 1)}
            if not pairs:
                return False
        theirs = {other[i : i + 2] for i in range(len(other) - 1)}
        if len(pairs & theirs) >= 0.8 * len(pairs | theirs):
            return True
    return False


#: how many of a record's earlier retrieved texts a new one is compared with
SEEN_COMPARED = 8


@lru_cache(maxsize=256)
def _prompt_carries_follow_ups(prompt: str) -> bool:
    """Whether the system prompt says a follow-up carries the text too (once per prompt: a
    dataset's prompts repeat)."""
    return _PROMPT_PLACEHOLDER.search(prompt) is not None or _says_every_turn(prompt)


def _says_every_turn(prompt: str) -> bool:
    """Whether a sentence of the prompt says every turn comes with the retrieved text
    (``每一轮用户消息都会附带检索结果``, ``Every user message includes retrieved context``), and no
    sentence says follow-ups go without (``同一问题的后续追问不再重复附带``).  The seed's
    ``每次收到用户的输入，你都需要根据知识库结果…`` says how to answer each turn, not that each
    turn brings the text: its file's follow-ups decide (the follow-up vote)."""
    if _NOT_REPEATED.search(prompt):
        return False
    for m in _EVERY_TURN.finditer(prompt):
        starts = [e.end() for e in _SENTENCE_END.finditer(prompt, 0, m.start())]
        end = _SENTENCE_END.search(prompt, m.end())
        sentence = prompt[starts[-1] if starts else 0 : end.start() if end else len(prompt)].lower()
        if any(stem in sentence for stem in CONTEXT_STEMS) and _CARRIES.search(sentence):
            return True
    return False


#: words of a sentence that say a turn brings the text with it
_CARRIES = re.compile(
    r"提供|附带|附帶|附上|附有|带有|帶有|附加|包含|含有|都有|都会有|都會有|include|come[s]? with|contain|carr|attach|append"
)


#: where a sentence of a prompt ends (a full stop before a space, not 2.1's)
_SENTENCE_END = re.compile(r"[。！？；!?;\n]|\.(?=\s|$)")
#: a system prompt that says every user turn carries the retrieved text
_EVERY_TURN = re.compile(
    r"每一?[轮輪次条條]|每个用户|每條|(?i:\b(?:every|each)\s+(?:user\s+)?(?:turn|message)s?\b)"
)
#: … or that follow-ups do not repeat it
_NOT_REPEATED = re.compile(
    r"不再重复|不再重複|不重复附带|不重複附帶|(?i:\b(?:do|does|will)\s+not\s+repeat|\bonly\s+when\b)"
)
#: a system prompt that names the placeholder a follow-up carries
_PROMPT_PLACEHOLDER = re.compile(r"同上|见上文|見上文|(?i:same as above|see above)")
#: a header of the turn's own, then only a placeholder: ``相关条款：（同上）``, ``【参考】[同上]``
_PLACEHOLDER_AFTER_HEADER = re.compile(
    r"(?:[:：】\]]|^)[ \t\n]*[\[【（(「]?[ \t]*(?:同上|见上文?|見上文?|同前|(?i:same as above|see above))[ \t]*[\]】）)」]?[。.]?[ \t]*(?:\n|$)",
    re.MULTILINE,
)


def _bare_history(contexts: list[tuple[Message, list[Context]]], lacking: list[Message]) -> bool:
    """Whether an Alpaca record keeps its history bare by its own convention: the retrieved text
    comes with the question its input holds it for (not as ``[同上]``, which points back into
    the history), and no turn of the history carries any.  Its history is then the talk before
    the question, not turns that lost their context."""
    missing = {id(m) for m in lacking}
    last = None
    for m, ctxs in contexts:
        if m.role != "user":
            continue
        if m.content_pointer.startswith("/history/") and id(m) not in missing:
            return False  # a history turn with retrieved text: the record's turns carry it
        last = (m, ctxs)
    if last is None or id(last[0]) in missing or last[0].content_pointer.startswith("/history/"):
        return False
    msg, ctxs = last
    if any(placeholder_span(msg.content, c, DEFAULT_PLACEHOLDERS) is not None for c in ctxs):
        return False
    return _PLACEHOLDER_AFTER_HEADER.search(msg.content) is None


#: what a turn that only greets says (``在吗？``, ``喂，你好``, ``Hi there, anyone around?``)
_GREETING = re.compile(
    r"(?:你好|您好|在吗|在嗎|在不在|有人吗|有人嗎|喂|嗨|哈喽|哈囉|客服|早上好|下午好|晚上好|早安|"
    r"(?i:hi|hello|hey|there|anyone|around|good|morning|afternoon|evening|is|someone|here))"
)
_NOT_WORDS = re.compile(r"[\s\W_]+")


def _greeting(text: str) -> bool:
    """Whether a turn only greets: it asks nothing a retriever could look up."""
    if len(text) > 40:
        return False
    return not _NOT_WORDS.sub("", _GREETING.sub("", text))


def _carries_own(prompt: str | None, msg: Message) -> bool:
    """Whether a turn without a marker carries retrieved text in its own way: under a header of
    the record's words, in an Alpaca input, or as a placeholder under a header
    (``相关条款：（同上）``, the next rule's finding, not a turn without context)."""
    text = msg.content
    return (
        headed_context(prompt, text)
        or _beside_instruction(msg)
        or (
            ("同" in text or "见" in text or "見" in text or "above" in text)
            and _PLACEHOLDER_AFTER_HEADER.search(text) is not None
        )
    )


#: the group of a file's records whose system prompt does not mention retrieval (K001's vote)
_PROMPT_WITHOUT_RETRIEVAL = "under a system prompt that does not mention retrieval"


#: the fields of an Alpaca record that hold what the instruction works on
_INPUT_POINTERS = frozenset({"/input", "/context"})


def _beside_instruction(msg: Message) -> bool:
    """Whether the turn joins an instruction and an Alpaca ``input`` (Dolly ``context``) that is
    not empty: the text the instruction works on, which a RAG file fills with what the retriever
    returned, without a header (the field names it).  Whether it is retrieved text is the file's
    choice, so it exempts the turn without voting, as a header of the turn's own words does."""
    segments = msg._segments
    return bool(segments) and any(
        s.pointer in _INPUT_POINTERS and msg.content[s.start : s.start + s.length].strip()
        for s in segments[1:]
    )


def _retrieves_by_tool(record: Record) -> bool:
    """Whether the record's assistant looks things up with a tool (``search_kb``,
    ``retrieve_docs``, ``knowledge_search``): what it retrieves comes back in the tool's turn,
    not in the user's.  A tool that acts (``create_ticket``) retrieves nothing."""
    if not has_tool_data(record):
        return False
    return any(c.name and _RETRIEVAL_TOOL.search(c.name) for c in tool_facts(record).calls)


#: the name of a tool that looks things up
_RETRIEVAL_TOOL = re.compile(r"(?i)search|retriev|knowledge|lookup|(?:^|_)(?:kb|rag)(?:_|$)|检索|查询|知识")


def _carries_context(record: Record, markers: tuple[str, ...]) -> bool:
    """Whether the system prompt itself holds the retrieved text: a marker opening its line, or a
    header or tag of its own, followed by text (not 每次用户输入都会附带【参考资料】，你必须根据…, which
    names where the text is, nor ``(marked "<context>…</context>")``, whose tag holds an ellipsis)."""
    for msg, ctxs in message_contexts(record, markers):
        if msg.role == "system":
            text = msg.content
            return any(
                not c.empty
                and (c.own or not text[text.rfind("\n", 0, c.marker_start) + 1 : c.marker_start].strip())
                and placeholder_span(text, c, DEFAULT_PLACEHOLDERS) is None
                for c in ctxs
            )
    return False


#: Brackets that may open a placeholder (``[同上]``): context starting with one is looked at closely.
_OPENERS = "[【（(「<《{"


class RagPlaceholder(_KRule):
    """## What it does
    Reports retrieval context that is a placeholder (`[同上]`, `同上`, `...`, `略`, or nothing)
    instead of the retrieved text.  The span marks the placeholder (the marker, when the context
    is empty).

    ## Why is this bad?
    In production the retriever returns real text on every turn; it never says "同上".  Later turns
    of the seed's example carry `Knowledge Base Result: [同上]`, so the model learns to answer
    turn 3 from a knowledge base it is not shown in the way it will be shown.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "直播间为什么被限流了？ Knowledge Base Result: 直播间限流通常由违规内容引起，用户可在“直播中心-违规记录”查看原因。"}, {"role": "assistant", "content": "您可以在“直播中心-违规记录”查看限流原因。"}, {"role": "user", "content": "看到了，怎么申诉？ Knowledge Base Result: [同上]"}, {"role": "assistant", "content": "您可以在违规记录详情页点击“申诉”。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "直播间为什么被限流了？ Knowledge Base Result: 直播间限流通常由违规内容引起，用户可在“直播中心-违规记录”查看原因。"}, {"role": "assistant", "content": "您可以在“直播中心-违规记录”查看限流原因。"}, {"role": "user", "content": "看到了，怎么申诉？ Knowledge Base Result: 对违规判定有异议的，可在违规记录详情页点击“申诉”，3个工作日内反馈结果。"}, {"role": "assistant", "content": "您可以在违规记录详情页点击“申诉”，3个工作日内会有结果。"}]}
    ```

    ## Options
    `markers`, and `placeholders`: the words that count as a placeholder (brackets around them and
    a final full stop are ignored; empty context always counts).

    ## Fix availability
    Sometimes, unsafe: the placeholder is replaced with the context of the nearest earlier turn,
    which is what "同上" says.  It is unsafe because in production the retriever runs again for the
    new question and may return different text.
    """

    code = "K002"
    name = "rag-placeholder"
    severity = "warning"
    fix_availability = "sometimes"

    class Options(RetrievalOptions):
        placeholders: list[str] = Field(default_factory=lambda: list(DEFAULT_PLACEHOLDERS))

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        self.placeholders = tuple(self.options.placeholders)
        self.longest = max((len(p) for p in self.placeholders), default=0) + 8

    def _may_be_placeholder(self, msg: Message, ctx: Context) -> bool:
        """Real retrieved text is longer than any placeholder: the common case, decided at once."""
        return ctx.end - ctx.start <= self.longest or msg.content[ctx.start] in _OPENERS

    def check(self, record: Record) -> Iterable[Finding]:
        contexts = message_contexts(record, self.markers)
        for msg, ctxs in contexts:
            for ctx in ctxs:
                if self._may_be_placeholder(msg, ctx):
                    return self._report(contexts)
        return ()

    def _report(self, contexts: list[tuple[Message, list[Context]]]) -> Iterator[Finding]:
        placeholders = self.placeholders
        earlier: tuple[Message, Context] | None = None
        for msg, ctxs in contexts:
            for ctx in ctxs:
                if not self._may_be_placeholder(msg, ctx):
                    span = None
                else:
                    span = placeholder_span(msg.content, ctx, placeholders)
                if span is None:
                    if msg.role == "user":
                        earlier = (msg, ctx)
                    continue
                what = "empty" if ctx.empty else f"the placeholder `{msg.content[span[0] : span[1]]}`"
                fix = None
                if earlier is not None and not ctx.empty:
                    pointer, local = msg.resolve(span)
                    if local is not None and local[1] - local[0] == span[1] - span[0]:
                        emsg, ectx = earlier
                        fix = Fix(
                            "replace the placeholder with the earlier turn's retrieval context",
                            (Edit(pointer, local[0], local[1], emsg.content[ectx.start : ectx.end]),),
                            "unsafe",
                        )
                yield self.finding(
                    f"retrieval context is {what} instead of the retrieved text the model sees in production",
                    msg=msg,
                    span=span,
                    fix=fix,
                )


# -- numbering -----------------------------------------------------------------


class NumberingOptions(RetrievalOptions):
    """Where knowledge-base numbering is checked: the same keys on K101–K104."""

    texts: list[TextKind] = Field(default_factory=lambda: ["retrieval"], min_length=1)


class _RecordNumbering(NamedTuple):
    """The numbered texts of one record and the kinds of problem found in any of them."""

    texts: list[tuple[Message, int, Numbering]]  # (message, offset of the text in its content, numbering)
    kinds: frozenset[str]


def _numberings(record: Record, markers: tuple[str, ...], texts: tuple[str, ...]) -> _RecordNumbering:
    out: list[tuple[Message, int, Numbering]] = []
    whole_roles = {t for t in texts if t != "retrieval"}
    if whole_roles:
        contexts = {id(m): c for m, c in message_contexts(record, markers)} if "retrieval" in texts else {}
        for msg in record.messages or ():
            if msg.role in whole_roles:
                out.append((msg, 0, analyse(msg.content)))
                continue
            for ctx in contexts.get(id(msg), ()):
                if ctx.end > ctx.start:
                    _add_documents(out, msg, ctx)
    else:
        for msg, ctxs in message_contexts(record, markers):
            for ctx in ctxs:
                if ctx.end > ctx.start:
                    _add_documents(out, msg, ctx)
    kinds: frozenset[str] = frozenset()
    for _msg, _offset, numbering in out:
        if numbering.problems:
            kinds = kinds | {p.kind for p in numbering.problems}
    return tuple.__new__(_RecordNumbering, (out, kinds))  # without the namedtuple's Python-level __new__


def _add_documents(out: list[tuple[Message, int, Numbering]], msg: Message, ctx: Context) -> None:
    """The numbering of each document the retrieved text ``ctx`` lists (one, mostly)."""
    text = msg.content
    for start, end in documents(text, ctx.start, ctx.end):
        if end > start:
            out.append((msg, start, _context_numbering(text, start, end)))


def _context_numbering(text: str, start: int, end: int) -> Numbering:
    """The numbering of the retrieved text at ``start:end``; of an excerpt (``（节选）…``),
    without the problems its omissions make; of a text that opens with an item other than the
    first (``（2）本周消费电子板块…``: a retriever's chunk cut from a longer list), without that
    item's start."""
    numbering = analyse_span(text, start, end)
    if not numbering.problems:
        return numbering
    if is_excerpt(text, start):
        return without_omissions(numbering)
    first = numbering.items[0] if numbering.items else None
    if first is not None and first.token_start == 0:
        return without(numbering, lambda p: p.item is first and p.kind == "gap")
    return numbering


class _NumberingRule(_KRule):
    """K101–K104: one analysis per record (shared through the record's memo), each rule
    reporting its own kind of problem; a rule whose kind is absent returns at once."""

    Options = NumberingOptions
    kinds: tuple[str, ...] = ()
    family = "kb-numbering"

    def family_key(self) -> object:
        return self.memo_key

    @classmethod
    def family_gate(cls, rules: list[Rule]) -> Callable[[Record], bool] | None:
        """K101–K104 on one analysis: quiet when the record's numbering has no problem of a
        kind one of them reports."""
        if not all(isinstance(r, _NumberingRule) for r in rules):
            return None
        first: _NumberingRule = rules[0]  # type: ignore[assignment]
        kinds = frozenset().union(*(r.kind_set for r in rules))  # type: ignore[attr-defined]

        def quiet(record: Record) -> bool:
            found = first.numbering(record).kinds
            return not found or kinds.isdisjoint(found)

        return quiet

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        self.texts = tuple(sorted(set(self.options.texts)))
        self.memo_key = f"knowledge.numbering:{self.markers!r}:{self.texts!r}"
        self.kind_set = frozenset(self.kinds)

    def numbering(self, record: Record) -> _RecordNumbering:
        return record.memo(self.memo_key, lambda: _numberings(record, self.markers, self.texts))

    def check(self, record: Record) -> Iterable[Finding]:
        found = self.numbering(record)
        if not found.kinds or self.kind_set.isdisjoint(found.kinds):
            return ()  # the common case: no problem of this rule's kind in the record
        return self._report(found)

    def _report(self, found: _RecordNumbering) -> Iterator[Finding]:
        for msg, offset, numbering in found.texts:
            for p in numbering.problems:
                if p.kind in self.kind_set:
                    yield self.finding(
                        p.message,
                        msg=msg,
                        span=(offset + p.item.start, offset + p.item.end),
                        fix=self.fix_for(msg, offset, p),
                    )

    def fix_for(self, msg: Message, offset: int, p: Problem) -> Fix | None:
        return None


class KbNumberingGap(_NumberingRule):
    """## What it does
    Reports a knowledge-base number that skips one (1 then 3; 2.1 then 2.3) or a list that does
    not start at 1.  The span marks the number that breaks the sequence and the message says which
    number was expected.  Numbers are read at line starts and inline after a sentence end or a
    colon, in the styles `1.` `1、` `1)` `（1）` `①` `一、` and hierarchical `2.2.1`, with
    full-width digits; prices (12.5元), versions (2.0版本, v1.2), clock times, dates and decimals
    are not list numbers.  A lone number is not a list: texts with fewer than two items are skipped.
    Retrieved text that says it is an excerpt (`（节选）`, `摘录：`, a leading `…`) leaves items out
    on purpose and is not reported for what it omits (gaps, orphans, a style that seems to change),
    nor is a text that opens on an item other than the first (`（2）本周…`: a retriever's chunk cut
    from a longer list).  Besides the markers, retrieved text is read under a header that opens its
    line and names it (`【知识库检索结果】`, `参考知识：`, `[文档1]`, a Markdown `## 知识库` section up
    to the next heading, `参考文档（共2篇）：`) and in a tag (`<knowledge>…</knowledge>`).  A line that
    opens with an article or chapter number (`第三条 …`, `第二章`) or a letter item (`a) …`, `b）…`)
    heads a list of its own: its `(一)` or `①` starts again; so does a paragraph of prose after a blank line (the next entry's title,
    `用户反馈物流异常，如何处理？处理方法是：…`).  Retrieved text that lists documents (`1) …`
    `2) …`, `【资料1】…【资料2】…`, `[文档1]`, the labels running 1, 2, 3) is read one document at a
    time: each numbers its knowledge base from 1.  A dotted number off the running outline
    (`4.1` after `2.1`) is read as a wrongly numbered branch where its own first child follows
    it (`4.1.1`); a date or a time (`5.1劳动节`) has none.

    ## Why is this bad?
    The seed (section 二.2, 例1) points out that the knowledge base shows its levels "通过1.2.1这样的
    序号来清楚的表示层级".  A skipped number reads as a missing branch of the decision tree: the model
    cannot tell whether 2.3 is an exception to 2.1 or a case whose 2.2 was lost.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "退款多久到账？ Knowledge Base Result: 退款到账时间如下：\\n1. 余额支付的订单，退款即时到账。\\n3. 银行卡支付的订单，退款3到7个工作日到账。"}, {"role": "assistant", "content": "请问您当时使用的是哪种支付方式呢？"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "退款多久到账？ Knowledge Base Result: 退款到账时间如下：\\n1. 余额支付的订单，退款即时到账。\\n2. 银行卡支付的订单，退款3到7个工作日到账。"}, {"role": "assistant", "content": "请问您当时使用的是哪种支付方式呢？"}]}
    ```

    ## Options
    `markers`; `texts`: where numbering is checked: `retrieval` (text after a marker, default),
    or whole messages of a role (`system`, `user`, `assistant`, `tool`).

    ## Fix availability
    None: renumbering would hide a branch that may really be missing, and text that refers to
    "第3条" would point at the wrong item.
    """

    code = "K101"
    name = "kb-numbering-gap"
    severity = "error"
    kinds = ("gap",)


class KbNumberingOrphan(_NumberingRule):
    """## What it does
    Reports a hierarchical knowledge-base number whose parent is missing (`2.2.1` with no `2.2`);
    the message names the missing parent.  Siblings under the same missing parent are reported once.

    ## Why is this bad?
    The hierarchy is the decision tree the agent follows (2.2 "账号是大陆地区账号" → 2.2.1 "没有完成实名认证").
    Without the parent, the condition under which 2.2.1 applies is lost, and the model learns to
    apply it unconditionally.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "为什么开不了直播？ Knowledge Base Result: 处理方法：\\n1. 如果用户收到异常提示，请用户核查账号是否存在违规。\\n2. 如果没有收到异常提示，询问账号是否为大陆地区账号。\\n2.1 如果不是大陆地区账号，告诉用户暂无法开播。\\n2.2.1 如果没有完成实名认证，告诉用户需要先完成实名认证。"}, {"role": "assistant", "content": "请问您在开播时是否收到了异常提示？"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "为什么开不了直播？ Knowledge Base Result: 处理方法：\\n1. 如果用户收到异常提示，请用户核查账号是否存在违规。\\n2. 如果没有收到异常提示，询问账号是否为大陆地区账号。\\n2.1 如果不是大陆地区账号，告诉用户暂无法开播。\\n2.2 如果是大陆地区账号，询问是否已完成实名认证。\\n2.2.1 如果没有完成实名认证，告诉用户需要先完成实名认证。"}, {"role": "assistant", "content": "请问您在开播时是否收到了异常提示？"}]}
    ```

    ## Options
    `markers`, `texts` (see K101).

    ## Fix availability
    None: the parent's condition is content that cannot be invented.
    """

    code = "K102"
    name = "kb-numbering-orphan"
    severity = "error"
    kinds = ("orphan",)


class KbNumberingDuplicate(_NumberingRule):
    """## What it does
    Reports a knowledge-base number that repeats (2 then 2) or goes backwards (3 then 2; 2.2
    then 2.1).  A list that restarts at 1 after a heading ending with a colon or a blank line
    (`换货规则：1. …`) is a new list, not a repeat.

    ## Why is this bad?
    Two items numbered 2 make every later reference ambiguous ("按第2条处理"), and a number going
    backwards usually means two versions of the knowledge base were pasted together.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "优惠券为什么用不了？ Knowledge Base Result: 优惠券无法使用的原因：\\n1. 订单金额未达到使用门槛。\\n2. 优惠券已过期。\\n2. 商品不在优惠券适用范围内。"}, {"role": "assistant", "content": "请问您的订单金额是否达到了优惠券的使用门槛？"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "优惠券为什么用不了？ Knowledge Base Result: 优惠券无法使用的原因：\\n1. 订单金额未达到使用门槛。\\n2. 优惠券已过期。\\n3. 商品不在优惠券适用范围内。"}, {"role": "assistant", "content": "请问您的订单金额是否达到了优惠券的使用门槛？"}]}
    ```

    ## Options
    `markers`, `texts` (see K101).

    ## Fix availability
    None: renumbering is not safe when an item may be missing or two lists were merged.
    """

    code = "K103"
    name = "kb-numbering-duplicate"
    severity = "error"
    kinds = ("duplicate", "backwards")


class KbNumberingStyle(_NumberingRule):
    """## What it does
    Reports mixed numbering styles in one knowledge-base text: `1.` then `2、`, or a `（3）`
    continuing a `1.` `2.` list.  Different styles for different levels (`1.` items with `（1）`
    sub-items, `一、` with `（一）`) are a hierarchy, not a mix.  Reported once per text, on the
    first item in the other style.

    ## Why is this bad?
    The style is part of how the model learns the hierarchy: when `2、` and `2.` alternate, it
    cannot tell whether they are one list or two levels.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "怎么开发票？ Knowledge Base Result: 开具发票的步骤：\\n1. 进入“我的订单”，找到需要开票的订单。\\n2、点击“申请开票”，填写抬头和税号。\\n3. 提交后1到3个工作日内开具电子发票。"}, {"role": "assistant", "content": "您可以在“我的订单”中找到该订单，点击“申请开票”。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "怎么开发票？ Knowledge Base Result: 开具发票的步骤：\\n1. 进入“我的订单”，找到需要开票的订单。\\n2. 点击“申请开票”，填写抬头和税号。\\n3. 提交后1到3个工作日内开具电子发票。"}, {"role": "assistant", "content": "您可以在“我的订单”中找到该订单，点击“申请开票”。"}]}
    ```

    ## Options
    `markers`, `texts` (see K101).

    ## Fix availability
    Sometimes, safe: when the odd item differs only in its punctuation (`2、` in a `1.` list), the
    punctuation is changed to the list's; the number and the text stay, so the meaning cannot
    change.  A number in another family (`（3）` in a `1.` list) has no fix: it may be a sub-list.
    """

    code = "K104"
    name = "kb-numbering-style"
    severity = "warning"
    fix_availability = "sometimes"
    kinds = ("style",)

    def fix_for(self, msg: Message, offset: int, p: Problem) -> Fix | None:
        prev = p.previous
        item = p.item
        if prev is None or item.family != FAMILY_ARABIC or prev.family != FAMILY_ARABIC:
            return None
        text = msg.content
        want = text[offset + prev.end : offset + prev.token_end]  # the list's punctuation as written
        start, end = offset + item.end, offset + item.token_end
        if not want or start >= end:
            return None
        pointer, local = msg.resolve((start, end))
        if local is None or local[1] - local[0] != end - start:
            return None
        return Fix(f"use the list's style `{prev.style}`", (Edit(pointer, local[0], local[1], want),), "safe")


RULES = [
    RagMissing,
    RagPlaceholder,
    KbNumberingGap,
    KbNumberingOrphan,
    KbNumberingDuplicate,
    KbNumberingStyle,
]
