"""Escape sequences written out as characters in message text (rule T010).

A text that was JSON-encoded twice, or written with ``repr()``, holds the two characters
``\\`` ``n`` where a line break was meant, ``\\"`` for a quote and ``\\u4e2d`` for 中.  A model
trained on it learns to print backslash-n.  This module finds such escapes in one text and
decides from the text's own evidence, since the same characters are legitimate in many places:

- code (fenced blocks, ``inline code``) and string literals: a ``\\n`` between quotes on its
  line (``printf("%d\\n", x)``, JSON shown in a reply, a tool list in a system prompt) is
  the literal's own escape;
- LaTeX: ``\\nabla``, ``\\neq``, ``\\nu``, ``\\neg``, ``\\newline`` start with ``\\n``;
- regexes (``\\r?\\n``, ``[^\\n]``), Windows paths (``C:\\new\\table``) and other tokens
  whose backslashes are not all escapes;
- a text about escapes (newline, 换行, 转义, regex, …): the sequences are its subject.

What is left is reported only where the escape stands *for* the text's structure:

- a ``\\n`` (or ``\\r\\n``, ``\\n\\n``) used as a line break between words, in a text that holds
  no real line break at all (``Question: Who …?\\nAnswer: Napoleon``): the whole text was
  encoded once more;
- in a text that does have real line breaks, at least two such breaks after the end of a
  sentence (``… of the South.\\n\\nAnswer this question``): a field encoded twice inside
  a template that was not;
- a run of three or more ``\\uXXXX`` escapes of printable non-ASCII characters
  (``\\u4f60\\u597d\\uff01``): text dumped with ``ensure_ascii``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from sftlint.analysis.text.memo import PerText

_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`", re.S)
# a line break written out: \n, \r\n, and runs of them (\n\n, \r\n\r\n)
_BREAK = re.compile(r"(?:\\r)?\\n(?:(?:\\r)?\\n)*")
# characters written as \uXXXX, three or more in a row
_UNICODE_RUN = re.compile(r"(?:\\u[0-9a-fA-F]{4}){3,}")
# what a backslash may start in an escaped string; any other backslash in the same token
# makes the token a path, a regex or LaTeX (``C:\new\table``, ``\s*\n``, ``\frac{1}{n}``)
_ESCAPE_CHARS = frozenset("nrtu\"\\/bf'")
# LaTeX commands that begin with ``\n`` (the letters after the backslash)
_LATEX_N = frozenset(
    {
        "nabla",
        "ne",
        "neq",
        "neg",
        "nu",
        "not",
        "notin",
        "newline",
        "noindent",
        "nonumber",
        "nolimits",
        "nexists",
        "ni",
        "nmid",
        "ngeq",
        "nleq",
        "ngtr",
        "nless",
        "natural",
        "newcommand",
        "newpage",
        "normalsize",
        "nparallel",
        "nsubseteq",
        "nsupseteq",
        "nsubset",
        "nsupset",
        "nrightarrow",
        "nleftarrow",
        "nLeftarrow",
        "nRightarrow",
        "nleftrightarrow",
        "nLeftrightarrow",
        "nsim",
        "ncong",
        "nprec",
        "nsucc",
        "nvdash",
        "nVdash",
        "nvDash",
        "nearrow",
        "nwarrow",
        "nobreak",
        "newenvironment",
        "newtheorem",
        "nocite",
        "norm",
        "nequiv",
        "nshortmid",
        "nleqslant",
        "ngeqslant",
        "nsucceq",
        "npreceq",
        "numberwithin",
        "nolinebreak",
        "newcounter",
    }
)
_LATEX_MARKERS = re.compile(r"\$|\\\(|\\\[|\\(?:frac|begin|sqrt|sum|int|left|right|cdot|times|mathbb|text)\b")
# a text whose subject is escapes, line breaks or patterns: its sequences are mentioned, not used
_ABOUT_ESCAPES = re.compile(
    r"(?<![A-Za-z])(?:escap(?:e|es|ed|ing)|newlines?|new[- ]line|line ?breaks?|line ?feeds?|"
    r"carriage|backslash(?:es)?|regexp?|regular expressions?|unicode|printf|string literals?)(?![A-Za-z])|"
    r"换行|转义|反斜杠|正则|字符串|回车|制表符",
    re.I,
)
_SENTENCE_END = frozenset(".!?。！？:：")
# characters a written-out line break may come after: the end of a word, of a sentence, of a
# bracket; not a quote or an operator (``'\n'``, ``IFS=\n``, ``[^\n]``, ``\r?\n``)
_NOT_BEFORE = frozenset("\"'`“‘「『=([{|^<\\/")
# a quantifier after an escape or a group is a regex (``\r?\n``, ``(\r\n)+``); after a word,
# the end of a question or of bold text (``1815?\nAnswer``, ``**Step 1:**\nOpen``)
_QUANTIFIERS = frozenset("?*+")
_LIST_MARKERS = frozenset("-*#>•")


@dataclass(frozen=True, slots=True)
class LiteralEscape:
    """``text[start:end]`` is an escape sequence written out (the first one the text was judged
    on); ``count`` how many such places the text holds, ``flat`` whether it has no real line
    break, ``decoded`` the text with its escapes decoded, where the whole text decodes as one
    JSON string (the repair of a text encoded twice)."""

    start: int
    end: int
    count: int
    flat: bool
    kind: str  # "break" or "unicode"
    decoded: str | None = None


def _code_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _CODE.finditer(text)] if "`" in text or "~~~" in text else []


def _in(spans: list[tuple[int, int]], i: int) -> bool:
    """Whether ``i`` falls in one of ``spans`` (sorted, disjoint)."""
    k = bisect.bisect_right(spans, (i, _AFTER_ALL)) - 1
    return k >= 0 and spans[k][0] <= i < spans[k][1]


_AFTER_ALL = float("inf")
#: a Python string prefix standing alone before a quote (``f'``, ``rb'``, after a space, ``(``,
#: ``=``, ``,`` or a line's start): searched in the three characters before the quote
_STRING_PREFIX = re.compile(r"(?:^|(?<=[^\w]))(?:[fFrRbBuU]|[rR][bBfF]|[bBfF][rR])\Z", re.M)
_QUOTING = re.compile(r"[\\\"'\n]")


class _Quotes:
    """Whether a position is inside a quoted string on its line: an odd number of unescaped
    ``"`` (or of ``'`` that are not apostrophes) between the line's start and it.  Asked for
    positions in increasing order, it reads each character once (a text of one long line with
    thousands of escapes stays linear)."""

    __slots__ = ("doubles", "pos", "singles", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0  # counted up to here (past a backslash's escaped character)
        self.doubles = self.singles = 0

    def inside(self, start: int) -> bool:
        text = self.text
        if start < self.pos:  # asked out of order: count again from the line's start
            self.pos = text.rfind("\n", 0, start) + 1
            self.doubles = self.singles = 0
        i = self.pos
        for m in _QUOTING.finditer(text, i, start):
            j = m.start()
            if j < i:
                continue  # the character a backslash escapes
            c = text[j]
            i = j + 1
            if c == "\\":
                # a backslash escapes the next character, but never the line's end: quotes
                # are counted per line (a line ending in a backslash starts the next afresh)
                i = j + 1 if text[j + 1 : j + 2] == "\n" else j + 2
            elif c == "\n":
                self.doubles = self.singles = 0
            elif c == '"':
                self.doubles += 1
            else:  # an apostrophe inside a word (don't, students') is not a quote
                prev = text[j - 1] if j else " "
                nxt = text[j + 1] if j + 1 < len(text) else " "
                if not (prev.isalnum() and nxt.isalnum()) and not (prev.isalpha() and nxt in " s"):
                    self.singles += 1
                elif _STRING_PREFIX.search(text, max(0, j - 3), j) is not None:
                    self.singles += 1  # Python's f'…', r'…', b'…': a quote after a string prefix
        self.pos = max(i, start)
        return self.doubles % 2 == 1 or self.singles % 2 == 1


#: how far a token is read either side of an escape (a line of Chinese has no spaces)
_TOKEN_REACH = 60


def _token(text: str, start: int, end: int) -> str:
    """The token (between spaces, tabs or line breaks) around ``text[start:end]``, at most
    ``_TOKEN_REACH`` characters either side."""
    left = text[max(0, start - _TOKEN_REACH) : start]
    right = text[end : end + _TOKEN_REACH]
    cut = max(left.rfind(" "), left.rfind("\n"), left.rfind("\t"))
    ends = [k for k in (right.find(" "), right.find("\n"), right.find("\t")) if k != -1]
    return left[cut + 1 :] + text[start:end] + (right[: min(ends)] if ends else right)


def _foreign_backslashes(token: str) -> bool:
    """A backslash in ``token`` that does not start an escape (a path, a regex, LaTeX), or a
    drive letter (``C:\\``)."""
    i = token.find("\\")
    while i != -1:
        nxt = token[i + 1 : i + 2]
        if nxt not in _ESCAPE_CHARS:
            return True
        if nxt == "\\":
            i += 1  # an escaped backslash
        i = token.find("\\", i + 2)
    return bool(re.search(r"(?<![A-Za-z])[A-Za-z]:\\", token))


def _latex_command(text: str, end: int, latex: bool) -> bool:
    """Whether the ``\\n`` that ends at ``end`` starts a LaTeX command (``\\nabla``, ``\\neq``),
    or, in a text with LaTeX, any lowercase command."""
    j = end
    while j < len(text) and text[j].isascii() and text[j].isalpha():
        j += 1
    if j == end:
        return False
    if "n" + text[end:j] in _LATEX_N:
        return True
    return latex and text[end].islower()


def _is_break(text: str, start: int, end: int, latex: bool) -> bool:
    """Whether the written-out break ``text[start:end]`` stands between two pieces of text
    where a line break goes (not a mention: ``what does \\n mean``, ``"\\n"``)."""
    if start == 0 or end >= len(text):
        return False
    before, after = text[start - 1], text[end]
    if after.isspace():
        return False
    # after a quote or an operator the break is a mention or code (``"\n"``, ``IFS=\n``), but
    # for an escaped quote that closes a sentence (``the machine.\"\nThe``) and a table row's
    # end before the next row (``| 30 |\n| 25 |``)
    closing = (before == '"' and text[start - 2 : start - 1] == "\\") or (before == "|" and after == "|")
    if before in _NOT_BEFORE and not closing:
        return False
    if (
        before in _QUANTIFIERS
        and start >= 2
        and (text[start - 2] in ")]}" or text[start - 3 : start - 2] == "\\")
    ):
        return False
    if after in _LIST_MARKERS:
        return end + 1 < len(text) and (text[end + 1] == " " or text[end + 1] == after)
    if after == "\\":
        # the next line starts with an escaped quote or letter (``\n\"The``, ``\n\u4f8b``)
        return text[end + 1 : end + 2] in ('"', "u")
    if after == "`":
        return text.startswith("```", end)  # a code fence opens on the next line
    if not (after.isalnum() or after in "([（【《“'*_|"):
        return False
    if before.isspace():
        # ``name \n- Img``, ``below: \nSee``: a space before the break, a line after it
        return after.isupper() or after.isdigit() or ord(after) > 0x2E7F
    return not (after.islower() and _latex_command(text, end, latex))


def _sentence_end_before(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    return i >= 0 and text[i] in _SENTENCE_END


def _decode(text: str) -> str | None:
    """``text`` read as the inside of a JSON string, where that changes it and it holds no
    unescaped quote (the repair of a text encoded twice)."""
    import json

    if '"' in text.replace('\\"', ""):
        return None
    try:
        decoded = json.loads('"' + text + '"')
    except ValueError:
        return None
    return decoded if decoded != text else None


def _find(text: str) -> LiteralEscape | None:
    breaks = "\\n" in text
    unicode = "\\u" in text
    if not breaks and not unicode:
        return None
    code = _code_spans(text)
    flat = "\n" not in text
    latex = bool(_LATEX_MARKERS.search(text))
    places: list[tuple[int, int, str]] = []
    sentence_breaks = 0
    if breaks:
        quotes = _Quotes(text)
        for m in _BREAK.finditer(text):
            s, e = m.span()
            if _in(code, s) or not _is_break(text, s, e, latex):
                continue
            if _foreign_backslashes(_token(text, s, e)) or quotes.inside(s):
                continue
            places.append((s, e, "break"))
            sentence_breaks += _sentence_end_before(text, s)
    if not flat and sentence_breaks < 2:
        places = []
    if unicode:
        quotes = _Quotes(text)
        for m in _UNICODE_RUN.finditer(text):
            s, e = m.span()
            chars = [chr(int(text[i + 2 : i + 6], 16)) for i in range(s, e, 6)]
            if not all(c.isprintable() and not c.isascii() for c in chars) or _in(code, s):
                continue
            if text[s - 1 : s] == "[" or quotes.inside(s):
                continue  # a character class, a literal
            places.append((s, e, "unicode"))
    if not places or _ABOUT_ESCAPES.search(text):
        return None
    places.sort()
    s, e, kind = places[0]
    return LiteralEscape(s, e, len(places), flat, kind, _decode(text) if flat else None)


_MEMO = PerText(_find)


def find_literal_escape(text: str) -> LiteralEscape | None:
    """The first escape sequence written out in ``text`` where the text's own evidence says it
    was encoded twice (see the module docstring), or ``None``."""
    if "\\" not in text:
        return None
    return _MEMO[text]


#: how long a template's frame may be: the fixed text from a written-out line break to the
#: text's end (``\\n医生：``), or from its start to the break (``### Instruction:\\n``)
FRAME_REACH = 24


def template_frame(text: str) -> tuple[str, ...]:
    """Where ``text`` writes a line break out in a short fixed frame around its content: the
    text from its last written-out break to its end (``病人：…\\n医生：`` gives ``"$\\n医生："``),
    and from its start to its first (``### Instruction:\\n…`` gives ``"^### Instruction:\\n"``),
    each where it is at most :data:`FRAME_REACH` characters and holds no real line break.  A file
    whose texts of one role mostly share one is a template that writes the break so on purpose
    (rule T010 reads the file's convention from these); a text encoded twice writes its breaks
    inside its content, where no two records agree."""
    if "\\n" not in text:
        return ()
    frames: list[str] = []
    last = text.rfind("\\n")
    if len(text) - last <= FRAME_REACH + 2 and "\n" not in text[last:]:
        start = last
        while start >= 2 and text[start - 2 : start] in ("\\n", "\\r"):
            start -= 2  # the whole run (``\\n\\n``, ``\\r\\n``)
        if text[start - 1 : start] != "\\":
            frames.append("$" + text[start:])
    first = text.find("\\n")
    if first <= FRAME_REACH and "\n" not in text[:first] and text[first - 1 : first] != "\\":
        end = first + 2
        while text[end : end + 2] in ("\\n", "\\r"):
            end += 2
        frames.append("^" + text[:end])
    return tuple(frames)
