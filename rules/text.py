"""T — text quality: typos (T001), term variants (T002), half-width punctuation (T003), garbled text (T005),
escape sequences written out (T010).

The analysis lives in :mod:`sftlint.analysis.text`; these classes turn it into
findings.  The typo model loads only when a record holds Chinese text and
T001 runs, once per process, from a prepared cache.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, field_validator

from sftlint.analysis.feedback import undesirable_reply
from sftlint.analysis.majority import CONVENTION_LEAST
from sftlint.analysis.text.escapes import find_literal_escape, template_frame
from sftlint.analysis.text.garble import find_garbled
from sftlint.analysis.text.invisible import is_blank
from sftlint.analysis.text.memo import forget_too
from sftlint.analysis.text.phrases import FilePhrases, reply_phrases
from sftlint.analysis.text.userdict import covered
from sftlint.analysis.text.variants import variant_spans
from sftlint.analysis.text.zh import HAN_CHARS, has_chinese
from sftlint.diagnostic import Edit, Finding, Fix, RecordRef
from sftlint.record import Message, Record
from sftlint.rule import Rule, RuleOptions
from sftlint.transport import compact_pickle

Role = str
_DEFAULT_ROLES = ["system", "user", "assistant"]


def _messages(record: Record, roles: Iterable[str]) -> Iterator[Message]:
    wanted = set(roles)
    for m in record.messages or ():
        if m.role in wanted and m.content:
            yield m


def _edit(msg: Message, start: int, end: int, replacement: str) -> tuple[str, tuple[int, int], Edit]:
    pointer, span = msg.resolve((start, end))
    assert span is not None
    return pointer, span, Edit(pointer, span[0], span[1], replacement)


# ---------------------------------------------------------------------------
# T001


_DETECTORS: dict[tuple[str, ...], Any] = {}
#: A file is *unfamiliar* to the typo model when it holds at least this many proposals (fewer
#: say nothing about the file) ...
UNFAMILIAR_MIN_PROPOSALS = 20
#: ... more than this many per 1,000 Chinese characters (the rate of clean edited Chinese,
#: csc/clean_xxqg: 0.98), where the bar starts to rise ...
UNFAMILIAR_FROM = 1.0
#: ... to the whole bar at this many (twice that rate) ...
UNFAMILIAR_RATE = 2.0
#: ... of which fewer than this share pass the threshold (text full of real typos convinces:
#: the csc sets 0.19-0.43; text whose words the dictionary lacks does not: 0.004-0.07).
UNFAMILIAR_CONVINCING = 0.12
#: The score a model finding needs in a wholly unfamiliar file: twice the detector's threshold.
UNFAMILIAR_SCORE = 2.5


def unfamiliar_bar(chars: int, proposed: int, model: int) -> float | None:
    """The score a model finding needs in a file whose checked text holds ``chars`` Chinese
    characters, ``proposed`` proposals and ``model`` findings of the model; None where the
    detector's own threshold is the bar (the file is not unfamiliar).

    The bar rises with the rate of proposals, in proportion from :data:`UNFAMILIAR_FROM` to
    :data:`UNFAMILIAR_RATE` per 1,000 characters, where it reaches :data:`UNFAMILIAR_SCORE`:
    a step at one rate treated two samples of one source differently (Huatuo's medical Q&A:
    1.94 in its first 2,000 records, over 2.0 in the whole file)."""
    if proposed < UNFAMILIAR_MIN_PROPOSALS or model >= UNFAMILIAR_CONVINCING * proposed:
        return None
    if proposed * 1000 >= UNFAMILIAR_RATE * chars:
        return UNFAMILIAR_SCORE
    if proposed * 1000 <= UNFAMILIAR_FROM * chars:
        return None
    from sftlint.analysis.text.typo import THRESHOLD

    share = (proposed * 1000 / chars - UNFAMILIAR_FROM) / (UNFAMILIAR_RATE - UNFAMILIAR_FROM)
    return THRESHOLD + share * (UNFAMILIAR_SCORE - THRESHOLD)


#: A list item, title or label of at most this many Chinese characters standing alone on its
#: line (:func:`in_item`) ...
ITEM_MAX = 8
#: ... gives a model finding no sentence around it: the finding needs this score.  Such items
#: are names and terms (an episode title 暮光之国来临, the yoga pose 坐姿猫牛伸展, the brand
#: 依拓康, the heading 竞品分析: 8 held-out false alarms, 1.51-2.84), and no right held-out
#: finding stands in one.
ITEM_SCORE = 3.0
_ITEM_HAN = re.compile(f"[{HAN_CHARS}]")
#: what may come before an item on its line: a bullet, a number, an opening quote or bracket
_ITEM_OPEN = re.compile(
    r"\s*(?:[-*•·+]\s*|#{1,6}\s*|\d+(?:[.．]\d+)*[.．、)）]?\s*|[（(]?[一二三四五六七八九十]+[、.)）]\s*|[（(]\d+[)）]\s*)?"
    r"[\"“‘「《【'`]*\s*"
)
#: what may follow it: the end of the line, a closing quote or bracket, a colon, an opening
#: bracket (a gloss)
_ITEM_CLOSE = re.compile(r"\s*$|[\"”’」》】'`：:（(]")


def in_item(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies in a short run of Chinese characters that stands alone
    on its line as a list item, a title or a label (`- 坐姿猫牛伸展：5-7轮`, `"暮光之国来临",`,
    `1.1.1依拓康（外科技术）`, `## 竞品分析`): between a bullet, heading mark, number or quote and a
    colon, bracket, quote or the line's end, at most :data:`ITEM_MAX` characters.  A clause
    between ，and 。 is no item."""
    a = start
    while a > 0 and start - a <= ITEM_MAX and _ITEM_HAN.match(text[a - 1]):
        a -= 1
    b = end
    while b < len(text) and b - a <= ITEM_MAX and _ITEM_HAN.match(text[b]):
        b += 1
    if b - a > ITEM_MAX:
        return False
    line_start = text.rfind("\n", 0, a) + 1
    line_end = text.find("\n", b)
    if line_end < 0:
        line_end = len(text)
    return (
        _ITEM_OPEN.fullmatch(text, line_start, a) is not None
        and _ITEM_CLOSE.match(text[b:line_end]) is not None
    )


#: A correction the file asks for on two distinct lines (fewer than ``frequent``, which drops it)
#: while no record that holds it writes the corrected word: the form is written by habit, a
#: term, a name or a coined word the dictionary lacks (竞品分析 in two replies, a singer's name
#: in the joke and its answer), or a writer's confident misspelling (完型填空 twice, 咨政院 in an
#: exam question and its answer).  The habits score high (3.6-4.5 on the held-out files), the
#: vocabulary near the threshold (1.3-2.9): such a finding needs the score of an item without a
#: sentence (:data:`ITEM_SCORE`).  A record that writes the correction too (共同材产 beside
#: 共同财产) shows a writer who knows the word: a slip, at the usual bar.
REPEATED_LINES = 2


def repeated_unechoed(n_lines: int, echoed: bool, frequent: int) -> bool:
    """Whether a model finding whose correction the file asks for on ``n_lines`` distinct lines,
    ``echoed`` when some record holding it also writes the corrected word, needs
    :data:`ITEM_SCORE` (see :data:`REPEATED_LINES`).  Off with ``frequent`` 0, and below it only:
    at ``frequent`` lines the finding is the file's own word and is dropped."""
    return bool(frequent) and REPEATED_LINES <= n_lines < frequent and not echoed


#: a stretch of text in quotation marks (“…”, "…", ‘…’, 「…」, 『…』) on one line
_QUOTED = re.compile(r"[“\"‘「『]([^“”\"‘’「」『』\n]{1,40})[”\"’」』]")


def _mentioned(record: Record, msg: Message, word: str) -> bool:
    """Whether a word a model finding reads as a slip is the conversation's own, mentioned rather
    than used: another party writes it too (the user a reply answers, the reply to a user's
    turn, a system prompt, a tool result) and a turn puts it in quotation marks, talking about
    the word itself (the joke's 人兽保险 asked about and answered as 所谓“人兽保险”; the pun
    认贼作赋 answered 不应被视为“认贼作赋”).  A slip the reply copies as its own word (an exam
    question's misprinted 咨政院, written six times by the answer) is quoted nowhere."""
    if len(word) < 2:
        return False
    messages = record.messages or ()
    if not any(o.role != msg.role and word in o.content for o in messages):
        return False
    return any(word in q.group(1) for o in messages if word in o.content for q in _QUOTED.finditer(o.content))


def _rest_written(record: Record, before: str, after: str) -> bool:
    """Whether a model correction only lengthens a string (the rest of the corrected word beside
    the suspect, two characters or more) that the conversation writes on its own elsewhere:
    neither the suspect nor the correction before it (after it, for a hole at the end).  The user
    writes 我泳圈都买好了 and the reply 即使有泳圈: 泳圈 is a word of the conversation, and the 有
    before it is a word of its own, not a slip for 游泳圈.  The detector's dictionary version of
    this (a correction lengthening a word it knows: 怎么养 -> 怎么样) asks for more score; a word
    only the conversation knows is evidence enough, since a slip leaves the rest where the
    slip is.  Written inside another word (赡养费 beside the slip 服养费 -> 抚养费: 养费 after 赡)
    vouches for nothing: the rest must stand where the character before it (after it, for a
    hole at the end) makes no word of the dictionary with it."""
    n = len(before)
    if n < 3 or len(after) != n:
        return False
    if before[0] != after[0] and before[1:] == after[1:]:
        rest, hole = before[1:], (before[0], after[0])
        at_start = True
    elif before[-1] != after[-1] and before[:-1] == after[:-1]:
        rest, hole = before[:-1], (before[-1], after[-1])
        at_start = False
    else:
        return False
    known = typo_detector().known
    for m in record.messages or ():
        text = m.content
        k = text.find(rest)
        while k >= 0:
            beside = text[k - 1 : k] if at_start else text[k + len(rest) : k + len(rest) + 1]
            if beside not in hole and not (beside and known(beside + rest if at_start else rest + beside)):
                return True
            k = text.find(rest, k + 1)
    return False


def typo_detector(whitelist: Iterable[str] = ()) -> Any:
    """The process-wide typo detector (model loaded on first use), for ``whitelist``."""
    key = tuple(sorted(set(whitelist)))
    det = _DETECTORS.get(key)
    if det is None:
        base = _DETECTORS.get(())
        if base is None:
            from sftlint.analysis.text.typo import TypoDetector

            base = _DETECTORS[()] = TypoDetector()
            base.share_across_forks()  # --jobs workers share their analyses
            forget_too(base.forget_lines)  # emptied when a run's records are done
        det = _DETECTORS[key] = base.with_whitelist(key) if key else base
    return det


#: how many times more often a templated file must write the corrected word than the suspect
#: one, in its phrases, for a finding it repeats to be the template's slip
SLIP_RATIO = 3


def templated_slip(phrases: FilePhrases, path: str, before: str, after: str) -> bool:
    """Whether the suspect word ``before`` (corrected ``after``) is a slip a template carries:
    the file at ``path`` is templated (:meth:`~sftlint.analysis.text.phrases.FilePhrases.templated`) and writes ``after`` at least :data:`SLIP_RATIO` times as often as ``before`` (and
    at least that often), counted in its phrases.  A suspect the file repeats is otherwise its
    own word, written on purpose (a name, a term the dictionary lacks); a template copies its
    writer's slip into every record made from it (提交申清后 beside 退费申请, 申请退换货 …), and
    the file's other phrases show the word it meant."""
    if not phrases.templated(path):
        return False
    return phrases.holding(path, after) >= SLIP_RATIO * max(1, phrases.holding(path, before))


class ZhTypo(Rule):
    """## What it does
    Reports a likely wrong Chinese character (错别字) and suggests the correction: a classic wrong
    form from a hand-reviewed list (再接再励, 优惠卷, 申情, 验正 …), or a character that no word
    around it accepts while a same- or near-sounding character would make a common word
    (以经 → 已经), or a 的/地/得 that the words around it rule out (玩的很开心 → 玩得很开心,
    我觉的 → 我觉得, 非常的高兴 → 非常地高兴).  The span covers exactly the wrong character.

    ## Why is this bad?
    Typos are noise the model learns to reproduce: an assistant trained on 优惠卷 writes 优惠卷.
    The detector favours precision (a linter that cries wolf is switched off), so it leaves
    names, rare characters and anything next to Latin letters or digits alone, checks 的/地/得
    only in a few patterns where the neighbours decide (慢慢的恢复, everyday usage, is left
    alone), and misses typos that need the meaning of the sentence (在/再, 他/她).  Only
    Simplified Chinese is judged: a message, line or sentence written in Traditional Chinese
    (然後, 簡化字) or Japanese (kana) is left alone, since its words are not typos of
    Simplified ones.  Transliterated foreign names (杜特尔特, 奥夫拉多尔), corrections that
    would only make another personal name (王志俊 → 王志军, 请龙帮 → 青龙帮) or take a
    character of a name after a name dot (the film credit 蒂姆·柯瑞饰 → 瑞士), eponyms
    (博氏链球菌), pairs of characters that begin a word the lexicons know (播客, 显式), a
    pair the same text writes again where nothing is flagged (维数 in a reply about
    matrices), the kept characters of a corrected word, no word themselves, that the same text
    fills again with another character (是因违法行为 beside 是因未按时履行 → 是因为; 祸兮福之所倚，
    福兮祸之所伏), a character written twice in a frame (越读越) and a unit counted between
    numerals (两套二室一厅: the correction would only make the bare number 二十一), a verb before the
    measure word of its object (寄个快递 is no slip for 几个) and a character beside the one the
    correction would only double (缺德娃挖的 → 娃娃) are not typos either; a correction into a
    character too rare ever to be a suspect (音哑 → 喑哑) needs strong evidence, and one that
    only lengthens a string the conversation writes on its own (the user's 我泳圈都买好了, the
    reply's 即使有泳圈 → 游泳圈) is not reported.  Nor is
    a string that is a coherent unit in its context, though a dictionary lacks it: a
    two-character list item (素食、生餐、低糖) needs stronger evidence, having no context; a
    modifier of a head that the other item of a coordination shares (凌星法或径向速度法,
    褐蘑菇或香菇) names a term of that kind, and the other item vouches for the shared head
    itself (镇静剂和止惊剂); a medical term of the shipped vocabulary (THUOCL's
    medical lexicon: 氨甲环酸, 特比萘芬, 预激综合征, 喉咽) is written on purpose, and so is one
    clipped to its last characters (杞子 for 枸杞子 in a prescription); a short title between 《》 (《大开眼戒》) is the
    name of a work, and a short item standing alone on its line (a list item, a quoted title, a
    label before its colon: `- 坐姿猫牛伸展：5-7轮`, `"暮光之国来临"`, `1.1.1依拓康（外科技术）`)
    gives the model no sentence to judge by, so its finding needs a score of 3; and a correction that leaves a rare character beside it stranded (严歌苓)
    meets a name that goes on.  A word both parties of a conversation write, quoted by one of
    them, is mentioned, not used: the user's pun and the reply about it (人兽保险 asked about,
    answered 所谓“人兽保险”) are not reported; a slip the reply copies as its own word is.
    A file whose text keeps offering corrections that few
    convince (more than clean edited Chinese's 1 per 1,000 Chinese characters, under 12% of
    them strong enough: clinical notes, classical dialogue, a vocabulary the dictionary lacks)
    gets a higher bar, rising with that rate: from 2 per 1,000 on, a finding of the model
    needs twice the usual score (the listed wrong forms and 的/地/得 are unaffected).  A file
    full of real slips convinces, and keeps the usual bar; a correction the file asks for on
    `frequent` lines (its own word, below) convinces of nothing.  A correction asked for on
    two distinct lines whose corrected word no record holding it writes (竞品分析 in two
    replies that never write 精品) is the file's vocabulary as well, unless its score is that
    of a confident misspelling (3, as for a list item: 完型填空 twice is still reported); a
    record that writes the corrected word too (健议 beside 建议) keeps the usual bar.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "我的优惠卷怎么用不了？"}, {"role": "assistant", "content": "您好，优惠卷需要在订单满99元时才能使用哦。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "我的优惠券怎么用不了？"}, {"role": "assistant", "content": "您好，优惠券需要在订单满99元时才能使用哦。"}]}
    ```

    ## Options
    `whitelist`: words never reported (product names, jargon): a finding is dropped when its
    character lies in or next to one of them.  `user-dict`: a file of your own words in jieba's
    user-dictionary format (one word per line, optionally followed by a count and a tag:
    `肾阳虚 5 n`), the vocabulary Chinese NLP projects already keep; a finding inside one of
    them is not reported (a relative path is read from the directory sftlint runs in).
    `frequent`: the same correction proposed on this many distinct lines of one file means
    the file uses the word on purpose (播客, 显式 in a technical dataset): none of them is
    reported (default 3; 0 turns this off, and with it the higher bar for a correction asked
    for on two lines; hand-reviewed wrong forms such as 优惠卷 are always reported, and so is a
    template's slip: in a templated file, whose phrases each come back 20 times or more on
    average, a suspect its phrases write far less often than the corrected word, 提交申清后 beside
    a hundred 申请, was copied with its template, and is reported even where a file full of words
    the dictionary lacks raises the score a correction needs).  Because of this count, findings are reported once the whole file has
    been read.  `particles`: whether misused 的/地/得 are
    reported (turn off for transcribed speech or a style that writes 的 throughout).  `roles`:
    which messages are checked (tool output is external data and is not checked by default).

    ## Fix availability
    Sometimes, and always **unsafe**: replacing a character can change the meaning when the
    detector is wrong, so the fix is only applied with `--unsafe-fixes`.
    """

    code = "T001"
    name = "zh-typo"
    severity = "warning"
    scope = "dataset"
    fix_availability = "sometimes"

    class Options(RuleOptions):
        whitelist: list[str] = Field(default_factory=list)
        user_dict: str | None = None
        frequent: int = Field(default=3, ge=0)
        particles: bool = True
        roles: list[Role] = Field(default_factory=lambda: list(_DEFAULT_ROLES))

        @field_validator("user_dict")
        @classmethod
        def _readable(cls, v: str | None) -> str | None:
            if v is not None:
                from sftlint.analysis.text.userdict import load_user_dict

                try:
                    load_user_dict(v)
                except (OSError, UnicodeDecodeError) as exc:
                    raise ValueError(f"cannot read the user dictionary {v!r}: {exc}") from None
            return v

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        path = self.options.user_dict
        if path:
            from sftlint.analysis.text.userdict import load_user_dict

            self._words = load_user_dict(path)
        else:
            self._words = frozenset()
        self._longest = max(map(len, self._words), default=0)

    def map(self, record: Record) -> _TypoSummary | None:
        msgs = [m for m in _messages(record, self.options.roles) if has_chinese(m.content)]
        if not msgs:
            return None  # no Chinese: the model is never loaded
        detector = typo_detector(self.options.whitelist)
        particles = self.options.particles
        items = []
        chars = proposed = model = 0
        for m in msgs:
            text = m.content
            found, n_chars, n_proposed = detector.detect_counted(text)
            chars += n_chars
            proposed += n_proposed
            for t in found:
                if t.source == "model":
                    if t.score < ITEM_SCORE and in_item(text, t.start, t.end):
                        continue  # a name or term standing as a list item, a title, a label
                    if _mentioned(record, m, t.before):
                        continue  # the conversation's own word, quoted: a pun, a coined term
                    if _rest_written(record, t.before, t.after):
                        continue  # 即使有泳圈 beside the user's 我泳圈: the rest is a word here
                    model += 1
                    echoed = any(t.after in o.content for o in msgs)
                else:
                    echoed = True
                if t.source == "grammar" and not particles:
                    continue
                if self._words and covered(text, t.start, t.end, self._words, self._longest):
                    continue
                pointer, span = m.resolve((t.start, t.end))
                assert span is not None
                loc = record.locate(pointer, span)
                kind = "的/地/得用错" if t.source == "grammar" else "可能的错别字"
                lo = text.rfind("\n", 0, t.start) + 1
                hi = text.find("\n", t.end)
                line = text[lo : hi if hi >= 0 else len(text)]
                items.append(
                    _TypoItem(
                        (t.source, t.before, t.after),
                        zlib.crc32(line.encode("utf-8")),
                        f"{kind}“{t.wrong}”，应为“{t.right}”（{t.before} → {t.after}）",
                        t.wrong,
                        t.right,
                        _Place(pointer, span, loc.line, loc.column, loc.end_line, loc.end_column),
                        t.score,
                        echoed,
                    )
                )
        clauses = reply_phrases(record)
        if not items:
            # the record's counts still go into its file's sums
            return _TypoCounts(record.file.path, chars, proposed, model, clauses) if chars else None
        return _TypoSummary(record.ref(), record.content_hash, tuple(items), chars, proposed, model, clauses)

    def collector(self) -> _TypoCollector:
        return _TypoCollector()

    def reduce(self, summaries: Iterable[_TypoSummary | _TypoCounts]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        frequent = self.options.frequent
        summaries = coll.summaries
        lines: dict[tuple[str, tuple[str, str, str]], set[int]] = {}
        # per file, the model findings that are the file's own words (below): not convincing
        own: dict[str, int] = {}
        # per file and correction, whether a record holding it writes the corrected word too
        echoed: dict[tuple[str, tuple[str, str, str]], bool] = {}
        phrases = coll.phrases
        slips: dict[tuple[str, tuple[str, str, str]], str] = {}

        def slip(path: str, key: tuple[str, str, str]) -> str:
            """For a model finding in a templated file that writes the corrected word far more
            often than the suspect one (see :func:`templated_slip`), the evidence its message
            adds; else "".  Decided once per file and key."""
            k = (path, key)
            known = slips.get(k)
            if known is None:
                _, before, after = key
                known = slips[k] = (
                    f"（本文件的句子写“{after}”{phrases.holding(path, after)}次、"
                    f"写“{before}”{phrases.holding(path, before)}次：模板里的笔误）"
                    if key[0] == "model" and templated_slip(phrases, path, before, after)
                    else ""
                )
            return known

        if frequent:
            for s in summaries:
                for it in s.items:
                    if it.key[0] != "list":  # a hand-reviewed wrong form is never legal
                        seen = lines.setdefault((s.ref.path, it.key), set())
                        if len(seen) < frequent:
                            seen.add(it.line)
                        k = (s.ref.path, it.key)
                        echoed[k] = echoed.get(k, False) or it.echoed
            for s in summaries:
                for it in s.items:
                    if (
                        it.key[0] == "model"
                        and len(lines[(s.ref.path, it.key)]) >= frequent
                        and not slip(s.ref.path, it.key)
                    ):
                        own[s.ref.path] = own.get(s.ref.path, 0) + 1
        # A file whose text keeps offering the model corrections, few of them convincing, is
        # written in a vocabulary the dictionary lacks (medical, classical, names): there a
        # model finding must score more, up to twice the threshold (unfamiliar_bar).  A
        # correction the file asks for on many lines (its own word, never reported) convinces
        # of nothing: a file that writes its unfamiliar words consistently is not made familiar
        # by writing them often.
        bars = {
            path: bar
            for path, (chars, proposed, model) in coll.files.items()
            if (bar := unfamiliar_bar(chars, proposed, model - own.get(path, 0))) is not None
        }
        for s in summaries:
            bar = bars.get(s.ref.path)
            for it in s.items:
                n_lines = len(lines.get((s.ref.path, it.key), ())) if frequent else 0
                message = it.message
                evidence = slip(s.ref.path, it.key) if frequent and n_lines >= REPEATED_LINES else ""
                if evidence:
                    # a template's slip, copied with it: reported wherever it was copied, with
                    # the file's own evidence
                    message += evidence
                elif frequent and n_lines >= frequent:
                    continue  # the file's own word, used on purpose
                elif (
                    it.key[0] == "model"
                    and it.score < ITEM_SCORE
                    and repeated_unechoed(n_lines, echoed.get((s.ref.path, it.key), True), frequent)
                ):
                    continue  # written twice, the correction never beside it: a term the model lacks
                if bar is not None and it.key[0] == "model" and it.score < bar and not evidence:
                    continue  # a word the dictionary lacks, in a file full of them (no slip the file shows)
                p = it.place
                f = self.finding(
                    message,
                    pointer=p.pointer,
                    span=p.span,
                    ref=s.ref,
                    fix=Fix(
                        f"将“{it.wrong}”改为“{it.right}”",
                        (Edit(p.pointer, p.span[0], p.span[1], it.right),),
                        "unsafe",
                    ),
                    record_hash=s.record_hash,
                    source=it.key[0],
                )
                f.line, f.column, f.end_line, f.end_column = p.line, p.column, p.end_line, p.end_column
                yield f


@dataclass(frozen=True, slots=True)
class _TypoItem:
    """One finding of T001 in a record, with what the dataset-level count needs."""

    key: tuple[str, str, str]  # (source, text's word, corrected word)
    line: int  # CRC-32 of the line it is on: distinct lines are counted, not repeats
    message: str
    wrong: str
    right: str
    place: _Place
    score: float  # the model's score (99 for the list and 的/地/得)
    echoed: bool = True  # the record writes the corrected word too (model findings; see repeated_unechoed)


@dataclass(frozen=True, slots=True)
class _TypoSummary:
    """T001's findings in one record, with the record's counts (see :class:`_TypoCounts`)."""

    ref: RecordRef
    record_hash: str
    items: tuple[_TypoItem, ...]
    chars: int
    proposed: int
    model: int
    clauses: tuple[str, ...] = ()  # the whole clauses of its replies' last lines (the file's phrases)


@dataclass(frozen=True, slots=True)
class _TypoCounts:
    """A record without findings but with proposals: the Chinese characters the model read,
    the proposals it scored and its findings there, for the file's sums."""

    path: str
    chars: int
    proposed: int
    model: int
    clauses: tuple[str, ...] = ()


class _TypoCollector:
    """T001's summaries: the records with findings in order, and per file the sums of the
    counts (characters, proposals, model findings), so a record without findings costs no
    memory.  It is its own piece: ``merge`` adds a range's sums and extends the list, exactly
    as appending the range's summaries one by one would."""

    __slots__ = ("files", "phrases", "summaries")

    def __init__(self) -> None:
        self.files: dict[str, list[int]] = {}
        self.summaries: list[_TypoSummary] = []
        self.phrases = FilePhrases()  # the clauses its texts write, per file

    def _add(self, path: str, chars: int, proposed: int, model: int) -> None:
        c = self.files.get(path)
        if c is None:
            self.files[path] = [chars, proposed, model]
        else:
            c[0] += chars
            c[1] += proposed
            c[2] += model

    def append(self, s: _TypoSummary | _TypoCounts) -> None:
        if isinstance(s, _TypoSummary):
            path = s.ref.path
            self._add(path, s.chars, s.proposed, s.model)
            self.summaries.append(s)
        else:
            path = s.path
            self._add(path, s.chars, s.proposed, s.model)
        if s.clauses:
            self.phrases.add(path, s.clauses)

    def piece(self) -> _TypoCollector:
        """An empty piece for a worker's range (see :func:`sftlint.run.ranges.fresh_pieces`)."""
        return _TypoCollector()

    def merge(self, piece: _TypoCollector) -> None:
        for path, (chars, proposed, model) in piece.files.items():
            self._add(path, chars, proposed, model)
        self.summaries.extend(piece.summaries)
        self.phrases.merge(piece.phrases)


# ---------------------------------------------------------------------------
# T002

#: occurrences kept per form and record (counts are always exact)
_KEEP = 3
#: occurrences of one form listed one by one across the dataset; the rest are counted and
#: named in one finding, so memory stays bounded however large the dataset is
MAX_LISTED = 2_000


@compact_pickle
@dataclass(slots=True)
class _Place:
    pointer: str
    span: tuple[int, int]
    line: int | None
    column: int | None
    end_line: int | None
    end_column: int | None


@compact_pickle
@dataclass(slots=True)
class VariantTally:
    """What T002 keeps of one record: counts per form, and a few located occurrences."""

    ref: RecordRef
    record_hash: str | None
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    places: dict[tuple[str, str], list[_Place]] = field(default_factory=dict)


class TermVariant(Rule):
    """## What it does
    Finds a term written two ways across the dataset (账号/帐号, 其他/其它, 登录/登陆 in the
    sense of logging in, 部分/部份 …) and reports each occurrence of the minority form, with
    how often each form occurs.  登陆 is only counted where it means logging in (登陆账号,
    无法登陆, 登陆失败), never for a landing (登陆月球), and a form counts only where the
    words of its sentence keep it whole (梦想像是 is 梦想 + 像是, no 想像; the typo model's
    dictionary segmentation decides).  Counts are exact; at most three
    occurrences per record and 2,000 per form across the dataset are listed one by one (so
    memory stays bounded on any dataset), and one further finding says how many more there are
    and where they begin — fix the listed ones and run again.

    ## Why is this bad?
    The model learns both spellings and picks one at random in production; a dataset should
    speak with one voice.  Which form is right is a style decision: the majority wins.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "我的账号被冻结了，帐号还能找回吗？"}, {"role": "assistant", "content": "您好，请提供您的账号，我们帮您查询。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "我的账号被冻结了，账号还能找回吗？"}, {"role": "assistant", "content": "您好，请提供您的账号，我们帮您查询。"}]}
    ```

    ## Fix availability
    Sometimes: each reported occurrence can be rewritten to the majority form.  Safe for pure
    spelling variants; unsafe for 登陆 → 登录, which relies on recognising the login sense.
    """

    code = "T002"
    name = "term-variant"
    severity = "warning"
    scope = "dataset"
    fix_availability = "sometimes"

    class Options(RuleOptions):
        roles: list[Role] = Field(default_factory=lambda: ["system", "user", "assistant"])

    def map(self, record: Record) -> VariantTally | None:
        tally: VariantTally | None = None
        for m in _messages(record, self.options.roles):
            for group, form, start, end, standard in variant_spans(m.content):
                if tally is None:
                    tally = VariantTally(record.ref(), None)
                key = (group, form)
                tally.counts[key] = tally.counts.get(key, 0) + 1
                kept = tally.places.setdefault(key, [])
                if len(kept) < _KEEP:
                    pointer, span = m.resolve((start, end))
                    assert span is not None
                    if standard:
                        # usually the majority: not worth locating (a minority standard
                        # form is reported at its record's line)
                        kept.append(_Place(pointer, span, None, None, None, None))
                    else:
                        loc = record.locate(pointer, span)
                        kept.append(_Place(pointer, span, loc.line, loc.column, loc.end_line, loc.end_column))
                        if tally.record_hash is None:
                            tally.record_hash = record.content_hash
        return tally

    def collector(self) -> _VariantCollector:
        return _VariantCollector()

    def reduce(self, summaries: Iterable[VariantTally]) -> Iterator[Finding]:
        from sftlint.analysis.text.variants import standard_form

        coll = self.collected(summaries)
        totals: dict[str, dict[str, int]] = {}
        for (group, form), n in coll.counts.items():
            totals.setdefault(group, {})[form] = n
        majority: dict[str, str] = {}
        for group, forms in totals.items():
            if len(forms) < 2:
                continue
            standard = standard_form(group)
            # most frequent wins; a tie goes to the standard form
            majority[group] = max(forms, key=lambda f: (forms[f], f == standard))
        if not majority:
            return

        def counts_of(group: str) -> str:
            forms = totals[group]
            return "，".join(f"“{f}” {n} 次" for f, n in sorted(forms.items(), key=lambda x: -x[1]))

        for (group, form), ref, record_hash, p, extra in coll.places:
            win = majority.get(group)
            if win is None or form == win:
                continue
            more = f"（本条记录另有 {extra} 处）" if extra > 0 else ""
            f = self.finding(
                f"同一术语两种写法：“{form}”应统一为“{win}”（数据集中{counts_of(group)}）{more}",
                pointer=p.pointer,
                span=p.span,
                ref=ref,
                fix=Fix(
                    f"将“{form}”改为“{win}”",
                    (Edit(p.pointer, p.span[0], p.span[1], win),),
                    "unsafe" if group == "登录" else "safe",
                ),
                record_hash=record_hash,
            )
            if p.line is not None:
                f.line, f.column, f.end_line, f.end_column = p.line, p.column, p.end_line, p.end_column
            yield f
        for (group, form), (n, ref) in coll.unlisted.items():
            win = majority.get(group)
            if win is None or form == win:
                continue
            yield self.finding(
                f"同一术语两种写法：“{form}”另有 {n} 处未逐一列出，从这条记录起（每种写法最多列出 "
                f"{MAX_LISTED:,} 处；修正后再次运行可列出其余），应统一为“{win}”（数据集中{counts_of(group)}）",
                ref=ref,
            )


class _VariantCollector:
    """T002's summaries in bounded memory: exact counts per form, and at most
    :data:`MAX_LISTED` located occurrences per form (in arrival order); beyond that,
    occurrences are only counted, with the record where the unlisted ones begin."""

    __slots__ = ("counts", "listed", "places", "unlisted")

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}
        self.listed: dict[tuple[str, str], int] = {}
        self.unlisted: dict[tuple[str, str], tuple[int, RecordRef]] = {}
        self.places: list[tuple[tuple[str, str], RecordRef, str | None, _Place, int]] = []

    def append(self, t: VariantTally) -> None:
        counts = self.counts
        for key, n in t.counts.items():
            counts[key] = counts.get(key, 0) + n
        if t.places:
            self._list(t)

    def piece(self) -> _VariantPiece:
        """An empty piece for a worker's range (see :func:`sftlint.run.ranges.fresh_pieces`)."""
        return _VariantPiece()

    def merge(self, piece: _VariantPiece) -> None:
        """The piece's tallies after these, exactly as if appended here one by one: counts are
        sums (forms keep the order in which they first appeared), and the tallies with located
        occurrences are listed in order against the dataset-wide cap."""
        counts = self.counts
        for key, n in piece.counts.items():
            counts[key] = counts.get(key, 0) + n
        for ref, record_hash, forms in piece.tallies:
            self._list_flat(ref, record_hash, forms)

    def _list_flat(
        self, ref_fields: tuple[Any, ...], record_hash: str | None, forms: tuple[Any, ...]
    ) -> None:
        """:meth:`_list` of a tally that came in a piece as plain tuples (see
        :class:`_VariantPiece`); the record's reference and the places are built only for what
        is listed or starts the unlisted count (beyond the dataset-wide cap, none are)."""
        ref: RecordRef | None = None
        listed, places, unlisted = self.listed, self.places, self.unlisted
        for key, total, kept in forms:
            room = MAX_LISTED - listed.get(key, 0)
            use = kept[:room] if room > 0 else ()
            if use:
                if ref is None:
                    ref = RecordRef(*ref_fields)
                listed[key] = listed.get(key, 0) + len(use)
                last = len(use) - 1
                for i, p in enumerate(use):
                    extra = total - len(kept) if i == last and len(use) == len(kept) else 0
                    places.append((key, ref, record_hash, _Place(*p), extra))
            left = total - len(use)
            if left > 0 and len(use) < len(kept):
                had = unlisted.get(key)
                if had is None:
                    if ref is None:
                        ref = RecordRef(*ref_fields)
                    unlisted[key] = (left, ref)
                else:
                    unlisted[key] = (had[0] + left, had[1])

    def _list(self, t: VariantTally) -> None:
        """List the tally's located occurrences within the dataset-wide cap per form."""
        for key, kept in t.places.items():
            room = MAX_LISTED - self.listed.get(key, 0)
            total = t.counts[key]
            use = kept[:room] if room > 0 else []
            if use:
                self.listed[key] = self.listed.get(key, 0) + len(use)
                last = len(use) - 1
                for i, p in enumerate(use):
                    # the record's own unlisted occurrences are named on its last listed one
                    extra = total - len(kept) if i == last and len(use) == len(kept) else 0
                    self.places.append((key, t.ref, t.record_hash, p, extra))
            left = total - len(use)
            if left > 0 and len(use) < len(kept):  # the dataset-wide cap, not the per-record one
                n, ref = self.unlisted.get(key, (0, t.ref))
                self.unlisted[key] = (n + left, ref)


class _VariantPiece:
    """T002's tallies of one worker's range, for :meth:`_VariantCollector.merge`: the counts
    summed, and the tallies with located occurrences kept in order as plain tuples (the
    record's reference, its hash, and per form its count and places).  Tuples of strings and
    numbers pickle and unpickle in C; the tallies' objects took a Python call each way per
    place, which made T002 almost all of what a range sends back."""

    __slots__ = ("counts", "tallies")

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}
        self.tallies: list[tuple[Any, ...]] = []

    def append(self, t: VariantTally) -> None:
        counts = self.counts
        for key, n in t.counts.items():
            counts[key] = counts.get(key, 0) + n
        if t.places:
            r = t.ref
            forms = tuple(
                (
                    key,
                    t.counts[key],
                    tuple((p.pointer, p.span, p.line, p.column, p.end_line, p.end_column) for p in kept),
                )
                for key, kept in t.places.items()
            )
            self.tallies.append(((r.path, r.index, r.line, r.end_line, r.id), t.record_hash, forms))


# ---------------------------------------------------------------------------
# T003


class PunctWidth(Rule):
    """## What it does
    Reports half-width punctuation inside Chinese sentences: `,` `;` `:` between Chinese
    characters, `?` `!` after one, `( )` around Chinese text.  Numbers (3.5, 9:00), URLs,
    e-mail addresses, English text, code and lines written in Japanese (with kana:
    `意味: 仲間はずれ`) are left alone, and so are parentheses around a gloss in an English
    sentence (`Explore the Shuri Castle (渋利城) and …`: English on the line before them, no
    Chinese after).

    ## Why is this bad?
    Mixed widths are inconsistent typography the model copies into its answers; Chinese
    customer-facing text uses full-width marks.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "快递到哪了?"}, {"role": "assistant", "content": "您好,包裹已到达上海转运中心(预计明天送达)。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "快递到哪了？"}, {"role": "assistant", "content": "您好，包裹已到达上海转运中心（预计明天送达），营业时间9:00-18:00。"}]}
    ```

    ## Fix availability
    Always, safe: the mark is replaced by its full-width form (a space after it is dropped).
    """

    code = "T003"
    name = "punct-width"
    severity = "warning"
    scope = "record"
    default_enabled = False
    fix_availability = "always"

    class Options(RuleOptions):
        roles: list[Role] = Field(default_factory=lambda: list(_DEFAULT_ROLES))

    def check(self, record: Record) -> Iterator[Finding]:
        from sftlint.analysis.text.punct import KANA, find_half_width, in_kana_line

        for m in _messages(record, self.options.roles):
            text = m.content
            kana = KANA.search(text) is not None
            for h in find_half_width(text):
                if kana and in_kana_line(text, h.start):
                    continue  # Japanese: its own typography (意味: 仲間はずれ)
                pointer, span, edit = _edit(m, h.start, h.end, h.replacement)
                yield self.finding(
                    f"half-width “{h.mark}” in Chinese text; use “{h.replacement}”",
                    pointer=pointer,
                    span=span,
                    fix=Fix(f"replace with “{h.replacement}”", (edit,), "safe"),
                )


# ---------------------------------------------------------------------------
# T005


class GarbledText(Rule):
    r"""## What it does
    Reports decoding debris in message text: the replacement character U+FFFD, mojibake
    (锟斤拷, 烫烫烫, UTF-8 read as Latin-1 such as `Ã©` or `â€™`), control characters other
    than tab and newline, and invisible zero-width characters (U+200B, U+200C, U+200D,
    U+2060, U+FEFF) inside text, a run of `????` right after Chinese punctuation (`温阳之品，??????
    你好`: characters lost when the text was saved in an encoding that could not hold them), and
    a tokenizer's unknown token in a sentence (`西服的<UNK>硬朗`, `遮肉，<UNK>，很显腿直`: the text was
    decoded back from token ids, each character the vocabulary lacked turned into `<UNK>`,
    `<unk>` or `[UNK]`; a marker set apart by spaces or quotes, `the [UNK] token`, or in a text
    about tokenization, `未登录词替换为[UNK]`, is talked about and left alone).
    Zero-width joiners inside emoji sequences are left alone, and so is a single pair that would
    decode to one letter of another script (`400米 ×\u00a02`, a multiplication sign and a
    no-break space, is not a mis-decoded Hebrew נ: such text leaves a run of pairs).
    A run of consecutive invisible (or control) characters is one finding spanning the run.
    In a turn the model does not write (a prompt, an observation, a tool's output), a
    terminal's own control sequences are left alone: an ANSI escape sequence (`ESC [33m` …
    `ESC [0m` around a coloured log line) and the backspace, space, backspace that erases a
    progress spinner's character are what the program printed, and what an agent is shown
    again at inference; in a reply, and as lone bytes anywhere, they are still reported.

    ## Why is this bad?
    The model learns garbage as language: it will emit 锟斤拷 or invisible characters that
    break string matching, search and tokenisation downstream.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "订单号是多少锟斤拷"}, {"role": "assistant", "content": "您好\u200b，请提供订单号。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "订单号是多少？"}, {"role": "assistant", "content": "您好，请提供订单号。"}]}
    ```

    ## Fix availability
    Sometimes: zero-width characters are removed, a whole run at once (safe), except in a message made only of
    invisible characters, where removing them would leave it empty (S003 reports that
    message); UTF-8-as-Latin-1 mojibake is re-decoded (unsafe: the guess can be wrong).  Other
    debris needs the source text.
    """

    code = "T005"
    name = "garbled-text"
    severity = "error"
    scope = "record"
    fix_availability = "sometimes"

    class Options(RuleOptions):
        roles: list[Role] = Field(default_factory=lambda: ["system", "user", "assistant", "tool"])

    def check(self, record: Record) -> Iterator[Finding]:
        for m in _messages(record, self.options.roles):
            # removing every invisible character of a message that holds nothing else would
            # leave it empty (S003): no fix there, the turn needs its text back
            blank = is_blank(m.content)
            for g in find_garbled(m.content, terminal=m.role != "assistant"):
                pointer, span, edit = _edit(m, g.start, g.end, g.repair or "")
                fix = None
                if g.kind == "zero-width" and not blank:
                    fix = Fix("remove the invisible character", (edit,), "safe")
                elif g.repair:
                    fix = Fix(f"re-decode as UTF-8: “{g.repair}”", (edit,), "unsafe")
                yield self.finding(g.message, pointer=pointer, span=span, fix=fix)


# ---------------------------------------------------------------------------
# T010


class LiteralEscape(Rule):
    r"""## What it does
    Reports escape sequences written out as characters in message text: `\n` where a line break
    was meant, `\uXXXX` where a character was meant.  The text was JSON-encoded twice, or
    written with `repr()`, somewhere in the pipeline.

    Only a text whose own evidence says so is reported: a `\n` used as a line break between
    words (`Who won at Waterloo?\nAnswer: Wellington`) in a text without any real line
    break; in a text that has real line breaks, at least two such breaks after the end of a
    sentence (a field encoded twice inside a template that was not); or a run of three or
    more `\uXXXX` escapes of non-ASCII characters (`\u4f60\u597d\uff01`: text dumped with
    `ensure_ascii`).  Legitimate backslashes are left alone: code (fenced or inline), string
    literals (`printf("%d\n", x)`, JSON shown in a reply, a tool list in a system prompt), LaTeX
    (`\nabla`, `\neq`, `\nu`, `\neg`, `\newline`), regexes (`\r?\n`, `[^\n]`,
    `[\u4e00-\u9fa5]`), Windows paths (`C:\new\table`), a mention of the sequence
    (`what does \n mean`, `“\n”`), and a text about escapes, line breaks or regexes (newline,
    escape, backslash, regex, 换行, 转义, 正则 …).  Tool output (external data) is not judged, and
    a reply a KTO file labels undesirable (`"label": false`) is the file's own example of what
    not to say.  One finding per text, at its first written-out escape, with the count.

    A file whose template writes a line break out on purpose is left alone: when more than
    `max-share` (half) of a file's texts of one role (at least 20) write it in the same short
    frame around their content (BianQue's prompts all end `病人：…\n医生：`, the form its
    T5 tokenizer, which has no line-break token, is served), line breaks written out in that
    role are the file's convention, not reported one by one.  What is reported there instead is
    the text that breaks the convention: a real line break in a text of that frame
    (`病人：患者性别女` and a real break, then `详细病情…\n医生：`).  A text encoded twice writes
    its breaks inside its content, where no two records agree (`…?\nOptions:\n(A) 300`): a
    whole file of those is still reported.

    ## Why is this bad?
    The model learns what it reads: trained on `\n` written out, it prints backslash-n to the
    user instead of breaking the line, and `\u4f60` instead of 你.  Where a file writes its
    breaks out on purpose, the one text with a real break is read in a form the model is
    never served.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Write a trivia question about the Battle of Waterloo, with its answer."}, {"role": "assistant", "content": "Question: Who were the opposing commanders at the Battle of Waterloo?\\nAnswer: Napoleon Bonaparte and the Duke of Wellington."}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "Write a trivia question about the Battle of Waterloo, with its answer."}, {"role": "assistant", "content": "Question: Who were the opposing commanders at the Battle of Waterloo?\nAnswer: Napoleon Bonaparte and the Duke of Wellington."}]}
    ```

    ## Options
    `roles`: which messages are checked (not tool output, which is external data).
    `max-share`: the share of a file's texts of one role, writing a line break out in the same
    frame, above which that is the file's convention.

    ## Fix availability
    Sometimes, and **unsafe**: a text without real line breaks that reads as one JSON string
    is decoded once (every escape in it); a text that mixes real and written-out line breaks
    needs a person to decide, but in a file that writes its breaks out, where the fix writes
    the text's real breaks out as the file does.
    """

    code = "T010"
    name = "literal-escape"
    severity = "warning"
    scope = "dataset"
    fix_availability = "sometimes"

    class Options(RuleOptions):
        roles: list[Role] = Field(default_factory=lambda: list(_DEFAULT_ROLES))
        max_share: float = Field(default=0.5, ge=0.0, le=1.0)

    def map(self, record: Record) -> EscapeTally | None:
        tally: EscapeTally | None = None
        for m in _messages(record, self.options.roles):
            if tally is None:
                tally = EscapeTally(record.ref(), None, [], [], [])
            tally.roles.append(m.role)
            if "\\" not in m.content:
                continue
            frames = template_frame(m.content)
            for frame in frames:
                tally.keys.append((m.role, frame))
            x = find_literal_escape(m.content)
            if (x is None and not (frames and "\n" in m.content)) or (
                m.role == "assistant" and _undesirable(record)
            ):
                continue  # (a reply a KTO file labels undesirable is its example of what not to say)
            if x is not None:
                tally.places.append(self._escape_place(record, m, x))
            if frames and "\n" in m.content:
                tally.places.append(self._real_break_place(record, m, frames))
        if tally is not None and tally.places:
            tally.record_hash = record.content_hash
        return tally

    def _escape_place(self, record: Record, m: Message, x: Any) -> _EscapePlace:
        written = m.content[x.start : x.end]
        if x.kind == "unicode":
            shown = written if len(written) <= 30 else written[:30] + "…"
            chars = "".join(chr(int(written[i + 2 : i + 6], 16)) for i in range(0, len(written), 6))
            what = f"characters written as escapes: “{shown}” stands for “{_short(chars)}”"
        else:
            what = f"line break written as “{written}”"
        where = "the text has no real line break" if x.flat else "after the end of a sentence"
        message = (
            f"{what} ({x.count} such place{'s' if x.count != 1 else ''} in the text; {where}): "
            "the text was JSON-encoded twice or written with repr()"
        )
        fix = None
        if x.decoded is not None:
            pointer, whole = m.resolve((0, len(m.content)))
            if whole == (0, len(m.content)):
                fix = Fix(
                    "decode the text's escapes once", (Edit(pointer, 0, len(m.content), x.decoded),), "unsafe"
                )
        pointer, span = m.resolve((x.start, x.end))
        return _EscapePlace(
            m.role, x.kind, (), pointer, span, record.locate(pointer, span), message, fix, x.count
        )

    def _real_break_place(self, record: Record, m: Message, frames: tuple[str, ...]) -> _EscapePlace:
        """A text that writes a line break out in its frame and also holds a real one: reported
        only where the file's template writes its line breaks out (see :meth:`reduce`)."""
        text = m.content
        at = text.index("\n")
        breaks = text.count("\n")
        message = f"a real line break ({breaks} in the text)"
        fix = None
        pointer, whole = m.resolve((0, len(text)))
        if whole == (0, len(text)):
            fix = Fix(
                "write the text's line breaks out, as the file does",
                (Edit(pointer, 0, len(text), text.replace("\r\n", "\n").replace("\n", "\\n")),),
                "unsafe",
            )
        pointer, span = m.resolve((at, at + 1))
        return _EscapePlace(
            m.role, "real", frames, pointer, span, record.locate(pointer, span), message, fix, breaks
        )

    def collector(self) -> _EscapeCollector:
        return _EscapeCollector()

    def reduce(self, summaries: Iterable[EscapeTally]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        share = self.options.max_share
        for path, tallies in coll.kept.items():
            counts = coll.counts.get(path, {})
            # per role: the frames with a written-out break that more than ``share`` of the
            # file's texts of that role hold (at least CONVENTION_LEAST texts): written on purpose
            convention: dict[str, dict[str, int]] = {}
            for key, n in counts.items():
                if isinstance(key, tuple):
                    texts = counts.get(key[0], 0)
                    if texts >= CONVENTION_LEAST and n > share * texts:
                        convention.setdefault(key[0], {})[key[1]] = n
            for t in tallies:
                for p in t.places:
                    keys = convention.get(p.role)
                    if p.kind == "real":
                        held = [k for k in p.frames if keys and k in keys]
                        if not held:
                            continue
                        frame = held[0]
                        where = f"end with “{frame[1:]}”" if frame[0] == "$" else f"begin with “{frame[1:]}”"
                        message = (
                            f"{p.message} in a file whose template writes its line breaks out: "
                            f"{keys[frame]} of its {counts[p.role]} {p.role} texts {where}; the model "
                            "reads this text's lines differently from the rest"
                        )
                    elif p.kind == "break" and keys:
                        continue  # the file's template writes its line breaks out on purpose
                    else:
                        message = p.message
                    yield self.placed(message, t, p, fix=p.fix, count=p.count)


@compact_pickle
@dataclass(slots=True)
class _EscapePlace:
    role: str
    kind: str  # "break", "unicode" (written out), or "real" (a real line break in a templated text)
    frames: tuple[str, ...]  # (for "real") the text's template frames with a written-out break
    pointer: str
    span: tuple[int, int] | None
    loc: Any
    message: str
    fix: Fix | None
    count: int


@compact_pickle
@dataclass(slots=True)
class EscapeTally:
    """What T010 keeps of one record: the roles of the texts read, the written-out line breaks in a
    template frame they hold (the file's convention is judged from these), and its places."""

    ref: RecordRef
    record_hash: str | None
    roles: list[str]
    keys: list[tuple[str, str]]  # (role, frame), once per text
    places: list[_EscapePlace]


class _EscapeCollector:
    """T010's summaries in flat memory: per file, how many texts of each role were read and how
    many hold each template frame with a written-out break, and only the tallies with places."""

    __slots__ = ("counts", "kept")

    def __init__(self) -> None:
        #: per file: role -> texts, (role, frame) -> texts holding it
        self.counts: dict[str, dict[Any, int]] = {}
        self.kept: dict[str, list[EscapeTally]] = {}

    def append(self, t: EscapeTally) -> None:
        path = t.ref.path
        counts = self.counts.get(path)
        if counts is None:
            counts = self.counts[path] = {}
        for role in t.roles:
            counts[role] = counts.get(role, 0) + 1
        for key in t.keys:
            counts[key] = counts.get(key, 0) + 1
        if t.places:
            self.kept.setdefault(path, []).append(t)

    def piece(self) -> _EscapeCollector:
        return _EscapeCollector()

    def merge(self, other: _EscapeCollector) -> None:
        for path, theirs in other.counts.items():
            counts = self.counts.setdefault(path, {})
            for key, n in theirs.items():
                counts[key] = counts.get(key, 0) + n
        for path, tallies in other.kept.items():
            self.kept.setdefault(path, []).extend(tallies)


def _undesirable(record: Record) -> bool:
    return bool(undesirable_reply(record))


def _short(s: str, limit: int = 12) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "…"


RULES = [ZhTypo, TermVariant, PunctWidth, GarbledText, LiteralEscape]
