"""T — defects of whole replies: truncation (T006), markup debris (T007), language mismatch (T008),
repeated text (T009).

The analysis lives in :mod:`sftlint.analysis.text` (``truncation``, ``markup``, ``language``,
``repeat``); these classes turn it into findings.  They sit apart from ``text.py`` (the
character-level T rules) because they judge a turn as a whole, often against the file's own
conventions.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from sftlint.diagnostic import Finding
from sftlint.record import Record
from sftlint.rule import Rule, RuleOptions


def _shorten(s: str, limit: int = 40) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


# ---------------------------------------------------------------------------
# T006


class TruncatedText(Rule):
    """## What it does
    Reports a reply cut off mid-sentence: it ends with a comma (`，` `、` `,`) or a connective
    (`和` `以及` `因为`, `and` `the` `of`), with a colon that introduces nothing, inside a bracket
    or quote opened on its last line, or with a sentence that opens like prose (`此外，如果…`,
    `总之，…`) and stops without punctuation.  And a turn that begins with punctuation only
    text can come before (`，` `。` `、` `）`): its beginning was cut.

    Lists, headings, tables, code, hashtags, signatures, verse, one-line answers and a colon
    that asks the reader for input (`请输入选项编号：`) end without a full stop legitimately and
    are left alone; so are user turns that end open (a fill-in-the-blank question, a story to
    continue): by default only the assistant's endings are judged.

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
    judged (user and assistant).
    """

    code = "T006"
    name = "truncated-text"
    severity = "warning"
    scope = "record"

    class Options(RuleOptions):
        roles: list[str] = Field(default_factory=lambda: ["assistant"])
        start_roles: list[str] = Field(default_factory=lambda: ["user", "assistant"])

    def check(self, record: Record) -> Iterator[Finding]:
        from sftlint.analysis.text.truncation import find_truncation

        end_roles, start_roles = set(self.options.roles), set(self.options.start_roles)
        for m in record.messages or ():
            if m.role not in end_roles and m.role not in start_roles:
                continue
            for t in find_truncation(m.content):
                if (t.where == "end" and m.role in end_roles) or (
                    t.where == "start" and m.role in start_roles
                ):
                    tail = (
                        m.content[max(0, t.start - 20) : t.end]
                        if t.where == "end"
                        else m.content[t.start : t.start + 20]
                    )
                    yield self.finding(
                        f"text looks cut off: {t.reason} (“{_shorten(tail, 30)}”)",
                        msg=m,
                        span=(t.start, t.end),
                        where=t.where,
                    )


# ---------------------------------------------------------------------------
# T009


class RepeatedText(Rule):
    """## What it does
    Reports a sentence or clause repeated inside one reply: the same sentence twice in a row
    (three times when it is short), a phrase looping without punctuation (好的好的好的好的), or
    a long sentence that comes back later in the same paragraph.  Code, tables, list items,
    labelled lines (`Observation:`, `替代方案：`), formulas and verse (songs and poems have
    refrains) are left alone, and so are short sentences repeated far apart.

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

    class Options(RuleOptions):
        roles: list[str] = Field(default_factory=lambda: ["assistant"])

    def check(self, record: Record) -> Iterator[Finding]:
        from sftlint.analysis.text.repeat import find_repeats

        roles = set(self.options.roles)
        for m in record.messages or ():
            if m.role not in roles or len(m.content) < 12:
                continue
            for r in find_repeats(m.content):
                what = "repeated back to back" if r.kind == "loop" else "repeated later in the paragraph"
                yield self.finding(
                    f"text {what} ({r.count} times in all): “{_shorten(r.unit)}”",
                    msg=m,
                    span=(r.start, r.end),
                    count=r.count,
                    first=list(r.first),
                )


RULES = [TruncatedText, RepeatedText]
