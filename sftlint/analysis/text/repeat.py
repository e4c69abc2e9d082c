"""Repeated text inside one reply: the classic sign of degenerate generation.

A model that has lost its way repeats itself: the same sentence twice in a row,
a clause looping to the end of the reply ("好的好的好的好的…"), or a long sentence
that comes back verbatim later in the answer.  This module finds those repeats in
plain text, for rule T009 and for ``eval`` (model outputs are checked with the
same function, :func:`find_repeats`).

Real replies repeat legitimately too, and those are left alone:

* code (fenced blocks, and lines that look like code), tables, rules (``-----``)
  and headings: parallel structure is not degeneration.  List items are read without
  their markers: items that share a shape are parallel, the same item twice in a row
  or a sentence looping inside one item is not;
* verse: songs, poems and raps have refrains; a text whose lines are mostly short
  and unpunctuated is read as verse and not checked;
* labelled trajectory lines (``Observation:``, ``Thought:``, ``观察：``): a tool
  returning the same result twice is the environment's text, not the model's;
* short sentences ("我明白了。", "Thank you."): repeated far apart they are style;
  only a short unit repeated back to back, several times, is reported.
"""

from __future__ import annotations

import re
from collections import Counter, _count_elements  # type: ignore[attr-defined]
from dataclasses import dataclass

from sftlint.analysis.text.zh import HAN_CHARS

#: A non-adjacent repeat needs a unit at least this long (see :func:`unit_weight`).
MIN_WEIGHT = 16
#: A sentence repeated back to back twice needs at least this weight ...
MIN_ADJACENT_WEIGHT = 10
#: ... a shorter one (down to MIN_RUN_WEIGHT) this many occurrences in a row.
MIN_ADJACENT_RUN = 3
MIN_RUN_WEIGHT = 6
#: A loop without punctuation ("好的好的好的好的"): a unit of at least this many characters ...
MIN_LOOP_UNIT = 2
#: ... repeated at least this many times back to back.
MIN_LOOP_TIMES = 4

_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_LINE = re.compile(
    r"[{};]\s*$|^\s*[}\])]|^\s*(?:def|class|return|import|from|for|while|if|else|elif|var|let|const|"
    r"function|public|private|static|#include|SELECT|INSERT|UPDATE)\b|\w\s*[=!<>+\-*/]=|=>|->|::|\w\(\S*\)\s*$"
    r"|^\s{4,}\S|^\s*(?://|#|/\*|\*/|--\s)"
)
#: :data:`_CODE_LINE` in two parts, for a line without ``=`` (the alternatives that need one
#: left out): what must match at the line's start, and a search whose alternatives all start
#: with a literal character (``\w(`` as ``(`` with the word character behind it), so ``re``
#: skips the other characters at C speed instead of trying ten alternatives at each (the
#: pattern's ``\w`` alternatives are tried at every character of a Chinese line).
_CODE_START = re.compile(
    r"\s*(?:[}\])]|(?:def|class|return|import|from|for|while|if|else|elif|var|let|const|"
    r"function|public|private|static|#include|SELECT|INSERT|UPDATE)\b|//|#|/\*|\*/|--\s)|\s{4,}\S"
)
_CODE_ANY = re.compile(r"\{\s*$|\}\s*$|;\s*$|->|::|\((?<=\w\()\S*\)\s*$")


def _code_line(line: str) -> bool:
    """``_CODE_LINE.search(line) is not None``, faster on a line without ``=``."""
    if "=" in line:
        return _CODE_LINE.search(line) is not None
    return _CODE_START.match(line) is not None or _CODE_ANY.search(line) is not None


_TABLE_OR_RULE = re.compile(r"^\s*(?:\||[-=_*~+#]{3,}|[-=_*~+|\s:]{3,}$)")
_LIST_ITEM = re.compile(
    r"^\s*(?:[-*+•·●○◦▪■□]\s|\d{1,3}[.、)）]\s?|[（(]\d{1,3}[)）]|[a-zA-Z][.)]\s|#{1,6}\s)"
)
_LABEL = re.compile(
    r"^\s*(?:Observation|Thought|Action|Action Input|Final Answer|Question|Answer|观察|思考|动作|行动|"
    r"行动输入|最终答案)\s*\d*\s*[:：]",
    re.I,
)
#: :data:`_FENCE`, :data:`_TABLE_OR_RULE` and :data:`_LABEL` in one match at a line's start,
#: the fence first: a fence can only match after all of the line's leading white space, which
#: is where the greedy ``\s*`` tries the alternatives first, so the match is a fence exactly
#: when :data:`_FENCE` matches, and otherwise a match exactly when one of the other two does.
_SKIP_LINE = re.compile(
    r"\s*(?:(?P<fence>```|~~~)|\||[-=_*~+#]{3,}|[-=_*~+|\s:]{3,}$"
    r"|(?i:Observation|Thought|Action|Action Input|Final Answer|Question|Answer|观察|思考|动作|行动|"
    r"行动输入|最终答案)\s*\d*\s*[:：])"
)
# sentence units: end at 。！？!?；; or a full stop followed by a space/end; newlines split too
# "替代方案：…", "正常回答：…": a labelled line is a form being filled, parallel by design
_SHORT_LABEL = re.compile(r"^\s*[^\s:：，,。]{1,8}[:：]")
#: the titles written before a name: their full stop followed by a capital letter ends no
#: sentence ("The contact person for this trial is Dr. Sarah Johnson" is one sentence, and two
#: such sentences about two people are parallel, not one repeated)
_TITLES = ("Dr", "Mr", "Mrs", "Ms", "Prof", "St", "Mt", "Rev", "Capt", "Lt", "Sgt", "Gov", "Sen")
_AFTER_TITLE = "(?:" + "|".join(rf"(?<=\b{t}\.)" for t in _TITLES) + ")"
_NOT_AFTER_TITLE = "".join(rf"(?<!\b{t}\.)" for t in _TITLES)
_BEFORE_NAME = r"(?=[ \t]+[A-Z])"
_SENTENCE_LAZY = (
    r"[^\n。！？!?；;]*?(?:[。！？!?；;]+[”’」』）)\"']*|"
    rf"\.(?=\s|$)(?:{_NOT_AFTER_TITLE}|(?![ \t]+[A-Z]))[”’\"']?|(?=\n)|$)"
)
#: The sentence units of :data:`_SENTENCE_LAZY` (the grammar of record, which the tests keep):
#: its lazy body stops at the first character where an ending can match (a terminator, a line
#: end, a ``.`` before white space or the end, or the end), and at that character one always
#: does, so a body that takes every other character possessively and the same endings find the
#: same units.  The lazy body tried the four endings before each character it took.
_SENTENCE = re.compile(
    rf"(?:[^\n。！？!?；;.]++|\.(?!\s|$)|\.{_BEFORE_NAME}{_AFTER_TITLE})*+"
    + _SENTENCE_LAZY[_SENTENCE_LAZY.index("(?:") :]
)
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_LATIN_WORD_ONLY = re.compile(r"[A-Za-z]{2,}")
_HAN = re.compile(f"[{HAN_CHARS}]")
_NORM_DROP = re.compile(r"[\s\u3000]+")
_SENT_END = re.compile(r"[。！？!?.…；;：:”’」』）)\"']\s*$")
#: :data:`_SENT_END`'s characters: a line ends a sentence when the last character before its
#: trailing white space (``\s`` and ``str.rstrip`` strip the same characters) is one of these.
#: ``search`` tried the pattern at every character of the line.
_SENT_END_CHARS = frozenset("。！？!?.…；;：:”’」』）)\"'")
_LOOP = re.compile(rf"(.{{{MIN_LOOP_UNIT},40}}?)\1{{{MIN_LOOP_TIMES - 1},}}", re.S)


def _may_loop(line: str) -> bool:
    """Whether ``line`` can hold a match of :data:`_LOOP`: a unit of p >= 2 characters written
    :data:`MIN_LOOP_TIMES` times in a row puts the unit's first two characters, side by side,
    at that many places p apart (all inside the loop), so a line in which no character, or no
    pair of neighbours, comes back that often holds none.  One count at C speed decides a
    line; the loop pattern tries 39 unit lengths and a back-reference at every character
    (about 18 us for a 40-character line of real replies, 0.4 us a character).  The pairs are
    counted alone: a pair at that many places puts its first character there too, so counting
    the characters first only ruled out what the pairs rule out (it cost more than it saved).
    The count is of code points, read as integers from the line's UTF-32 form: counting
    ``pairwise`` tuples of characters made and hashed a one-character string for each
    (tests/test_text_rule_fastpaths.py compares the answers with the ``Counter`` of characters,
    then of ``pairwise`` pairs)."""
    n = len(line)
    if n < MIN_LOOP_UNIT * MIN_LOOP_TIMES:
        return False
    # a pair of neighbours as one 64-bit integer (two UTF-32 units): the even pairs (0, 1),
    # (2, 3)... and the odd ones (1, 2), (3, 4)... read from the same bytes
    units = line.encode("utf-32-le", "surrogatepass")
    counts: dict[int, int] = {}
    _count_elements(counts, memoryview(units)[: n // 2 * 8].cast("Q"))
    _count_elements(counts, memoryview(units)[4 : 4 + (n - 1) // 2 * 8].cast("Q"))
    return max(counts.values()) >= MIN_LOOP_TIMES


assert MIN_LOOP_UNIT >= 2  # _may_loop's pairs: a unit of one character repeats no pair p apart


@dataclass(frozen=True, slots=True)
class Repeat:
    """A repeated unit.

    ``text[start:end]`` is a repetition (the second occurrence, or for a run of
    back-to-back repeats, every occurrence after the first); ``first`` is the span
    of the first occurrence; ``count`` how often the unit occurs; ``kind`` is
    ``"loop"`` (a unit repeated back to back) or ``"sentence"`` (a long sentence
    that comes back later).
    """

    start: int
    end: int
    first: tuple[int, int]
    count: int
    unit: str
    kind: str


def unit_weight(unit: str) -> int:
    """How much content a unit holds: Chinese characters count one each, Latin words two."""
    return len(_HAN.findall(unit)) + 2 * len(_LATIN_WORD.findall(unit))


def _normal(unit: str) -> str:
    return _NORM_DROP.sub("", unit).rstrip("。！？!?.；;，,").lower()


def _wordy(unit: str) -> bool:
    """Whether a looping unit is words (two Chinese characters or two Latin words), not
    digits, symbols, a laugh (哈哈) or a nested function name."""
    if "=" in unit or len(set(unit)) < 2:
        return False
    return len(_HAN.findall(unit)) >= 2 or len(_LATIN_WORD_ONLY.findall(unit)) >= 2


#: A text longer than this many characters is read a piece of whole lines at a time: the
#: analysis holds a few objects per sentence and per line (4 MB of English sentences took 65 MB).
LONG_TEXT = 1 << 16
# what ``str.splitlines`` splits at (its non-empty lines are these runs)
_LINE = re.compile("[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


def is_verse(text: str) -> bool:
    """Whether ``text`` reads as verse (a song, poem, rap): mostly short, unpunctuated lines."""
    lines = text.splitlines() if len(text) <= LONG_TEXT else (m.group() for m in _LINE.finditer(text))
    n = short = lyric = 0
    for ln in lines:
        ln = ln.strip()
        if not ln:
            continue
        n += 1
        if len(ln) <= 40:
            lyric += 1
            if ln.rstrip("，,").rstrip()[-1:] not in _SENT_END_CHARS:
                short += 1
    if n < 4:
        return False
    return short >= 0.5 * n or (lyric >= 0.8 * n and short >= 0.3 * n)


def _read_lines(text: str) -> tuple[list[tuple[int, str, str]], list[Repeat]]:
    """The prose lines of ``text`` and its lines written twice in a row, in one pass.

    The prose lines are ``(offset, line, marker)`` (see the module docstring).  A list item or
    a labelled line is read without its ``marker`` (``"4. "``, ``"哥布林1："``), and runs on
    into the next line only under the same marker: the same value under two labels is a
    table, the same item under the same number twice is a loop.

    A whole line written twice in a row ("3. 文件损坏：…" then the same line again) is a
    repeat of its own: labelled and list lines are parallel structure when they differ; the
    very same line back to back, label and number included, is a loop.  Code, tables and
    trajectory labels (``Observation:``) are still left alone.  Both read the same lines with
    the same tests, so each line is classified once.
    """
    out: list[tuple[int, str, str]] = []
    repeats: list[Repeat] = []
    prev: tuple[int, int, str] | None = None  # the last line that may be repeated
    in_fence = False
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        skip = _SKIP_LINE.match(line)
        if skip is not None and skip.lastgroup == "fence":
            in_fence = not in_fence
            prev = None
            continue
        body = line.strip()
        if not body:
            continue
        if in_fence or skip is not None:  # a table, a rule or a trajectory label
            prev = None
            continue
        code = _code_line(line)
        if code:
            prev = None
        else:
            lead = len(line) - len(line.lstrip())
            s, e = start + lead, start + lead + len(body)
            if prev is not None and prev[2] == body and unit_weight(body) >= MIN_ADJACENT_WEIGHT:
                repeats.append(Repeat(s, e, (prev[0], prev[1]), 2, body, "loop"))
            prev = (s, e, body)
        item = _LIST_ITEM.match(line)
        if item:
            # a list item's marker is structure, its text is prose: a sentence looping inside
            # one item, or the same item written twice in a row, is degeneration too (items that
            # merely share a shape, "优点：…", stay alone through the label test below)
            if item.group().lstrip().startswith("#"):
                continue  # a heading
            marker = item.group().strip()
            start += item.end()
            line = line[item.end() :]
            if "=" in line or _code_line(line):
                continue
        elif code or "=" in line:
            continue
        else:
            marker = ""
        label = _SHORT_LABEL.match(line)
        if label:
            marker += label.group().strip()
            # "替代方案：…" lines are a form being filled, parallel by design: their text is
            # read on its own (a paragraph of its own, so it is never matched across items)
            start += label.end()
            line = line[label.end() :]
        out.append((start, line, marker))
    return out, repeats


_SPACE = re.compile(r"\s+")


def _adjacent(text: str, end: int, start: int, marker: str) -> bool:
    """Whether nothing but white space (and the next line's own list marker or label) lies
    between two sentence units: lines skipped as code, formulas, tables or labels still stand
    between them in the reply (a maths solution that opens each part with the same sentence,
    its working in between, is parallel, not repeated back to back)."""
    gap = _SPACE.sub("", text[end:start])
    return not gap or gap == _SPACE.sub("", marker)


#: Where a reply starts quoting the source it cites: a legal answer's ``法律依据：`` or an article
#: of a named law (``《中华人民共和国民法典》第五百零二条``).
_CITATION = re.compile(r"法律依据[:：]|《[^》\n]{1,60}》\s*第\s*[0-9一二三四五六七八九十百千零〇]+\s*条")
#: Parallel statements share at least this much of their ending (see :func:`_parallel_tail`).
PARALLEL_TAIL = 8


def _quotes_its_source(text: str, line: int, first_end: int, start: int) -> bool:
    """Whether a sentence comes back inside a quotation of the source the reply cites: its first
    copy is the reply's own (it ends before the paragraph first cites an article), the second
    follows the citation.  A legal answer states the rule, then quotes the article as its basis
    (``法律依据：《…》第六条 …``): the words come back by design.  A sentence quoted twice, or
    written twice before any citation, is still a repeat."""
    m = _CITATION.search(text, line, start)
    return m is not None and m.start() >= first_end


def _parallel_tail(units: list[tuple[int, int, str, int]], first: int, second: int) -> bool:
    """Whether two copies of a sentence each end a parallel statement: going back from both
    while the sentences are the same, the two that differ still share their ending (at least
    ``PARALLEL_TAIL`` in weight).  A statute's two paragraphs, "…的，处三年以下有期徒刑或者拘役，
    并处罚金；情节严重的，处三年以上七年以下有期徒刑，并处罚金。", share their penalty tiers; a
    reply written twice has no such predecessor (its first copy opens the paragraph, or the
    sentence before its second copy is the end of the first), and one copy written behind a
    heading shares its whole sentence, not an ending."""
    k = 1
    while (
        first - k >= 0
        and units[first - k][3] == units[first][3]
        and units[second - k][2] == units[first - k][2]
    ):
        if second - k <= first:
            return False
        k += 1
    if first - k < 0 or units[first - k][3] != units[first][3]:
        return False
    a, b = units[first - k][2], units[second - k][2]
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    # both statements say something of their own before the shared ending: a sentence written
    # again behind a heading ("特别提示 " + the same sentence) is a copy, not a parallel
    return (
        n > 0
        and unit_weight(a[len(a) - n :]) >= PARALLEL_TAIL
        and min(unit_weight(a[: len(a) - n]), unit_weight(b[: len(b) - n])) >= PARALLEL_TAIL
    )


def find_repeats(text: str) -> list[Repeat]:
    """Degenerate repetitions in ``text``, in order of position, without overlaps.

    Three shapes are found in prose (code, tables, lists, labelled lines and verse are
    skipped, see the module docstring):

    * a sentence repeated back to back: twice when its weight is at least
      ``MIN_ADJACENT_WEIGHT``, three times when it is shorter (down to ``MIN_RUN_WEIGHT``);
    * a loop without punctuation: a unit of 2-40 characters repeated 4 or more times in
      a row, holding letters (``哈哈哈哈`` is a laugh and ``=====`` a rule: neither counts);
    * a long sentence (weight >= ``MIN_WEIGHT``) that occurs again later in the reply.

    Verse is told first (about 2 us): the replies of some datasets are nearly all verse by this
    test (3,005 of bench/corpus.py's 3,008 ReAct replies on 4 MB: short lines without a full
    stop), and reading the prose costs about ten times as much.  Sentence units are
    normalised only when there are two of them to compare (most replies of real text hold one
    sentence of prose).
    """
    if len(text) > LONG_TEXT:
        return _in_pieces(text)
    if len(text) < 12 or is_verse(text):
        return []
    spans: list[tuple[int, int, str, int]] = []  # (start, end, raw text, line) of sentence units
    markers: dict[int, str] = {}  # line offset -> its list marker and label ("" for prose)
    loops: list[Repeat] = []
    lines, repeated_lines = _read_lines(text)
    for offset, line, marker in lines:
        markers[offset] = marker
        for m in _SENTENCE.finditer(line):
            raw = m.group()
            if not raw.strip():
                continue
            lead = len(raw) - len(raw.lstrip())
            spans.append((offset + m.start() + lead, offset + m.end(), raw, offset))
        for m in _LOOP.finditer(line) if _may_loop(line) else ():
            unit = m.group(1)
            if not _wordy(unit):
                continue
            times = len(m.group()) // len(unit)
            s = offset + m.start()
            loops.append(Repeat(s + len(unit), offset + m.end(), (s, s + len(unit)), times, unit, "loop"))
    out: list[Repeat] = loops + repeated_lines
    # back-to-back sentence runs, and sentences that come back: both need a normal form that
    # occurs twice, so a text with fewer than two units, or whose units are all different, is
    # done, and a unit whose normal form is the only one of its kind is passed over (its weight
    # is never read)
    units: list[tuple[int, int, str, int]] = []  # (start, end, normal form, line)
    if len(spans) >= 2:
        units = [(s, e, _normal(raw), at) for s, e, raw, at in spans]
        norms = Counter(u[2] for u in units)
        if len(norms) == len(units):
            units = []
    i = 0
    n = len(units)
    seen: dict[str, tuple[int, int, int, int]] = {}  # normal form -> (first start, end, count, unit)
    line = -1
    while i < n:
        s, e, norm, at = units[i]
        if at != line:
            # a sentence that comes back in another paragraph is often parallel structure
            # (two versions of an e-mail, a song's second verse): only one paragraph counts
            seen.clear()
            line = at
        if norms[norm] == 1:
            i += 1
            continue
        j = i + 1
        while (
            j < n
            and units[j][2] == norm
            and (units[j][3] == at or markers[units[j][3]] == markers[at])
            and _adjacent(text, units[j - 1][1], units[j][0], markers[units[j][3]])
        ):
            j += 1
        run = j - i
        w = unit_weight(text[s:e])
        if (
            norm
            and run >= 2
            and (w >= MIN_ADJACENT_WEIGHT or (run >= MIN_ADJACENT_RUN and w >= MIN_RUN_WEIGHT))
        ):
            out.append(Repeat(units[i + 1][0], units[j - 1][1], (s, e), run, text[s:e], "loop"))
        elif norm and w >= MIN_WEIGHT:
            if norm in seen:
                fs, fe, c, fi = seen[norm]
                if not (_quotes_its_source(text, at, fe, s) or _parallel_tail(units, fi, i)):
                    seen[norm] = (fs, fe, c + run, fi)
                    out.append(Repeat(s, units[j - 1][1], (fs, fe), c + run, text[s:e], "sentence"))
            else:
                seen[norm] = (s, e, run, i)
        i = j
    if not out:
        return []
    out.sort(key=lambda r: (r.start, -r.end))
    kept: list[Repeat] = []
    last_end = -1
    for r in out:
        if r.start >= last_end:
            kept.append(r)
            last_end = r.end
    return kept


def _in_pieces(text: str) -> list[Repeat]:
    """:func:`find_repeats` of a long text, a piece of at most ``LONG_TEXT`` characters of whole
    lines at a time (a line longer than that is cut): a repetition inside a piece is found as
    in a short text; one that spans pieces, a sentence coming back a piece later, is not."""
    out: list[Repeat] = []
    start = 0
    while start < len(text):
        end = text.rfind("\n", start, start + LONG_TEXT) + 1 if start + LONG_TEXT < len(text) else len(text)
        if end <= start:
            end = start + LONG_TEXT
        for r in find_repeats(text[start:end]):
            first = (r.first[0] + start, r.first[1] + start)
            out.append(Repeat(r.start + start, r.end + start, first, r.count, r.unit, r.kind))
        start = end
    return out


def repeated_fraction(text: str) -> float:
    """The share of ``text``'s characters that are repetitions (0.0 for a clean reply).

    A single number for ``eval``: 0 for a healthy answer, approaching 1 for output
    that loops.
    """
    if not text:
        return 0.0
    return min(1.0, sum(r.end - r.start for r in find_repeats(text)) / len(text))
