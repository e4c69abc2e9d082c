"""A reply that picks an option letter of a multiple-choice question whose options the record
never shows (T016).

A *pick* is a phrase that names the chosen option by its letter: `故本题选C`, `答案是B`,
`正确答案为C`, `选项D正确`, `C项正确`, "The answer is (B)", "Answer: C", "option B is
correct", "(D) is the correct answer".  The letter is an uppercase A to H (full-width too),
or a run of them for a question with several right options (`选BCD`, `选A、C`), standing alone:
not part of a word (`C语言`, `B超`, `A股`, `C++`, `B站`, `A型血`), not after another letter
(`维生素C`) and, in English, not an article (`Answer: A dog runs`).

An *offer* is what makes a letter one of the question's options in the text before the reply:
an option marker on its own line or inline (`A. …`, `A、…`, `(A) …`, `A: …`, `Ａ．…`, `A）…`,
`A.xx B.xx`), an `Options:` / `选项：` header followed by a list, or the letter standing alone
anywhere there (a plan named B, a point C, a variable: the letter means something the record
defines).  Where any option list exists in the context the letters are taken as offered, even
when the pick's letter is not among them: a list in another shape (`①②③`, `a) b)`) may be
what the letters number.  Context that says the options are elsewhere (an image, a figure, a
table, "the options above", `上述选项`) is taken at its word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class _Lazy:
    """A pattern compiled on first use: only a reply that passes :func:`may_pick` needs these,
    so a run over data without picks does not pay for compiling them."""

    __slots__ = ("_args", "_rx")

    def __init__(self, *args: object) -> None:
        self._args = args
        self._rx: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> object:
        rx = self._rx
        if rx is None:
            rx = self._rx = re.compile(*self._args)  # type: ignore[call-overload]
        return getattr(rx, name)


_L = "A-HＡ-Ｈ"
#: One option letter, not glued to a letter or digit before it.
_ONE = rf"(?<![A-Za-z0-9Ａ-Ｚａ-ｚ０-９_])[{_L}]"
#: Several letters for a multi-answer question: `BCD`, `A、C`, `A和C`, `A,B`.
_RUN = rf"{_ONE}(?:\s?[、,，/和与及或]?\s?[{_L}]){{0,5}}"
#: What may follow a Chinese pick's letters: the end, a space, punctuation, or 项 / 选项 / 正确 …
_ZH_AFTER = r"(?=$|\s|[。．，,.;；!！?？:：)）\]】\"”'’、]|[两三四几]?项|选项|正确|为|是正确|符合|均|都)"
#: What may follow an English pick's letter: the end, punctuation, or a word that explains it.
_EN_AFTER = r"(?=\s*$|[.,;:!?)\]\"”'’]|\s*\n|\s+(?:is\b|because\b|since\b|as\b|which\b|—|–|-\s|\())"

_OPEN = r"[“\"'‘(（【\[]?"
_CLOSE = r"[”\"'’)）】\]]?"

#: Each pick pattern opens with a lookahead for the characters it can start with: a failed
#: position then costs one class test rather than a try of every branch.
_ZH_PICK = _Lazy(
    r"(?=[故本应所因则答只可我都选正符，,。；;：:\s])(?:"
    # 故本题选C / 故选C / 应选C / 所以选 B / 答案选A / 本题选BCD / 选择C / …，选C。
    r"(?:(?:故本题|本题|故应|故|应|应该|所以|因此|因而|则|答案|只能|可|我|都)选(?:择)?(?:项)?"
    r"|(?:(?<=[，,。；;：:\s])|^)选(?![择项]))"
    # 答案是B / 正确答案为C / 答案：D / 参考答案：A / 最佳答案是 A
    r"|(?:正确|最佳|最终|参考|标准)?答案(?:应该|应当|应)?(?:是|为|选|：|:)(?:选项)?"
    # 正确选项是C / 正确的选项为 D / 正确的是选项B
    r"|正确(?:的)?选项(?:是|为|：|:)|正确的是选项|符合题意的是选项"
    r")\s*[：:]?\s*" + _OPEN + r"\s*(" + _RUN + r")\s*" + _CLOSE + _ZH_AFTER
)
#: A weaker pick, read where a reply has no stronger one: 选项C正确 / C项正确 / C选项正确 /
#: 故C正确 / 选项B符合题意.
_ZH_RIGHT = _Lazy(
    r"(?=[选第故A-HＡ-Ｈ])(?:选项|第|故)\s*(" + _RUN + r")\s*(?:项)?(?:是)?(?:正确|符合题意)"
    r"|(" + _RUN + r")\s*(?:项|选项)(?:是)?(?:正确|符合题意|为正确答案|是正确答案)"
)

_EN_PICK = _Lazy(
    # the (correct) answer is (B) / Answer: C / the best option would be D / the correct choice is A
    r"(?=[AaOoCc(\[])(?:(?i:\b(?:answer|option|choice))\s*(?i:is|would\s+be|should\s+be|must\s+be|will\s+be|=)"
    r"|(?i:\banswer)\s*[:：])\s*"
    r"(?i:(?:option|choice|letter)\s+)?[(\[]?\s*("
    + _ONE
    + r")\s*[)\]]?"
    + _EN_AFTER
    # option B is correct / (D) is the correct answer / choice C is right
    + r"|(?:(?i:\b(?:option|choice)\s+)[(\[]?("
    + _ONE
    + r")[)\]]?|[(\[]("
    + _ONE
    + r")[)\]])"
    r"\s+(?i:is\s+(?:the\s+)?(?:correct|right|best|only\s+correct))"
)

#: An option marker on its own line: `A. …`, `(B) …`, `C、…`, `D: …`, `Ａ．…`, `a) …`.
_LINE_MARKER = _Lazy(r"(?m)^[ \t>*\-]*[(（\[]?([A-Ha-hＡ-Ｈ])\s*[.．、:：)）\]]\s*\S")
#: An option marker inline: `(A)`, `（B）`, or `A.` / `A、` / `A：` / `A）` after a space or punctuation.
_BRACKET_MARKER = _Lazy(r"[(（\[]([A-Ha-hＡ-Ｈ])[)）\]]")
_INLINE_MARKER = _Lazy(r"(?<![A-Za-z0-9.Ａ-Ｚａ-ｚ])([A-HＡ-Ｈ])\s*[.．、:：)）]\s*(?=\S)(?![.．\d])")
#: A header that announces a list of options or choices.
_HEADER = _Lazy(
    r"(?i:\b(?:options?|choices?|answer\s+choices|alternatives|candidates)\s*[:：])|选项\s*[:：]|备选(?:答案|项)\s*[:：]"
)
#: Context that says the options are somewhere the text does not hold: an image, a figure, a
#: table, or earlier ("the options above", `上述选项`).
_ELSEWHERE = _Lazy(
    r"<image>|<img|!\[|如图|图中|下图|上图|见图|看图|题图|附图|图示|如下表|下表|表中|附件"
    r"|上述选项|以上选项|上面的选项|前面的选项|上题|上一题|前一题"
    r"|(?i:\b(?:the|this|these|attached|following|above|below)\s+(?:images?|pictures?|photos?|figures?"
    r"|diagrams?|graphs?|charts?|tables?|maps?|screenshots?)\b|\bfig(?:ure)?\.?\s*\d"
    r"|\b(?:options?|choices?|answers?)\s+(?:above|shown|listed|given|provided|previously)"
    r"|\babove\s+(?:options?|choices?|answers?)|\bprevious\s+question)"
)
#: A reply that defines a letter itself before its pick: `设A为…`, `Let A be`, `A = 3`, `∠A`, `点C`.
_DEFINES = _Lazy(
    r"(?:设|令|记|∠|点|角|Let\s+|let\s+|point\s+)([A-H])(?![A-Za-z0-9])|(?<![A-Za-z0-9])([A-H])\s*[=＝]"
)


@dataclass(slots=True)
class Pick:
    start: int  # the pick phrase's span in the reply
    end: int
    letters: str  # the chosen letters, half-width (`C`, `BCD`)


_WIDE = str.maketrans("ＡＢＣＤＥＦＧＨ", "ABCDEFGH")


def _letters(run: str) -> str:
    return "".join(c for c in run.translate(_WIDE) if "A" <= c <= "H")


#: A letter A to H standing alone, or a run of them (`选BCD`): every pick has one.
_LETTER = re.compile(r"[A-HＡ-Ｈ](?<![A-Za-z0-9_][A-HＡ-Ｈ])[A-HＡ-Ｈ]{0,5}(?![A-Za-z0-9_])")


def may_pick(text: str) -> bool:
    """Whether ``text`` may hold a pick: one of the pick words (a reply that holds none picks
    no option), and a letter standing alone (scans in C, no Python loop: most replies fail
    them).  The words are looked for one by one with ``in``, which skips through a text at
    memchr speed; their alternation tested every character against their first characters in
    turn and cost twice as much on the seed-kind corpus's replies (26.5M against 13.0M
    instructions)."""
    return (
        "选" in text
        or "答案" in text
        or "nswer" in text
        or "NSWER" in text
        or "ption" in text
        or "hoice" in text
        or "orrect" in text
        or "项正确" in text
    ) and _LETTER.search(text) is not None


def find_picks(text: str) -> list[Pick]:
    """The option picks of a reply: its picks in order, then its weaker ones (`故C正确`)."""
    found: list[Pick] = []
    zh = "选" in text or "答案" in text
    en = "nswer" in text or "NSWER" in text or "ption" in text or "hoice" in text or "orrect" in text
    for rx in (_ZH_PICK,) * zh + (_EN_PICK,) * en:
        for m in rx.finditer(text):
            run = next(g for g in m.groups() if g)
            found.append(Pick(m.start(), m.end(), _letters(run)))
    found.sort(key=lambda p: p.start)
    if "正确" not in text and "符合题意" not in text:
        return found
    for m in _ZH_RIGHT.finditer(text):
        run = next(g for g in m.groups() if g)
        found.append(Pick(m.start(), m.end(), _letters(run)))
    return found


def lists_options(text: str) -> bool:
    """Whether ``text`` holds an option list of any letters, in any of the common forms, or
    says its options are elsewhere (an image, a figure, "the options above")."""
    if _HEADER.search(text) or _ELSEWHERE.search(text):
        return True
    seen = {m.group(1).translate(_WIDE).upper() for m in _LINE_MARKER.finditer(text)}
    seen.update(m.group(1).translate(_WIDE).upper() for m in _BRACKET_MARKER.finditer(text))
    if len(seen) >= 2:
        return True
    # inline markers without brackets (`A.xx B.xx`) need two neighbouring letters: an initial
    # (`Dr. A. Smith`) and an abbreviation (`D.C.`) are not a list
    seen.update(m.group(1).translate(_WIDE) for m in _INLINE_MARKER.finditer(text))
    return any(chr(ord(c) + 1) in seen for c in seen)


_STANDALONE = _Lazy(rf"(?<![A-Za-z0-9Ａ-Ｚａ-ｚ０-９_])([{_L}])(?![A-Za-z0-9Ａ-Ｚａ-ｚ０-９_+#])")


#: A run of the letters A to H alone: points and segments (`三角形ABC`, `AB=AC`), sets.
_POINTS = _Lazy(r"(?<![A-Za-z0-9_])[A-H]{2,4}(?![A-Za-z0-9_])")


def standalone_letters(text: str) -> set[str]:
    """The uppercase letters A to H that stand alone somewhere in ``text``: an option's letter,
    a plan, a point, a variable (`维生素C` counts: the letter is defined there), and those of a
    run of such letters (`三角形ABC`, `AB=AC`: points)."""
    out = {m.group(1).translate(_WIDE) for m in _STANDALONE.finditer(text)}
    for m in _POINTS.finditer(text):
        out.update(m.group())
    return out


def reply_defines(text: str, before: int) -> set[str]:
    """The letters the reply itself makes into options or names before ``before``: its own
    option list (markers of two letters or more, each on its own line) or a definition (`设A为…`, `Let A be`, `A = …`)."""
    head = text[:before]
    listed = {m.group(1).translate(_WIDE).upper() for m in _LINE_MARKER.finditer(head)}
    out = listed if len(listed) >= 2 else set()
    out.update(a or b for a, b in _DEFINES.findall(head))
    return out
