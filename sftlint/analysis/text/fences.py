"""A Markdown code block that a reply opens and never closes (T012), or that holds nothing (T015).

A fence is a line of three or more backticks or tildes (```` ```python ````, ``~~~``), as
CommonMark reads it: an opening fence may carry an info string (a backtick fence's may not hold a
backtick, so ```` ```--hard``` ```` on a line of prose is inline code, not a fence), and the block
ends at a line that holds only a fence of the same character, at least as long.  Leading spaces
are allowed at any depth: a fence inside a list item is indented.  A backtick fence written at the
end of a line is read as the writer meant it, although CommonMark does not: ``验证如下：```python``
(with its language) opens a block (a math-solver file writes every reply so) and ``print(x)```  ``
closes one, when it is the line's last and unpaired run of backticks (``use ```a``` or ```b``` ``
is inline code; a bare ```` ``` ```` after a sentence, as LIMA's conversion leaves, opens nothing).
A text whose last block is still open when the text ends leaves the rest of the reply rendered as
code: the reply was cut off inside the code (a generation that hit its token limit), or the
closing fence was lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)")
_CLOSE = re.compile(r"[ \t]*(`{3,}|~{3,})[ \t]*")
#: A backtick fence at the end of a line after other text, with an optional language word.
_GLUED = re.compile(r"(?<=[^`\s])[ \t]*(`{3,})([A-Za-z][\w+#.-]*)?[ \t]*$")
_RUN = re.compile(r"`{3,}")
#: Info strings that name a language (an empty block's fence may carry one): a one-word info
#: string outside this list may be code written on the fence line (LIMA's ```` ```iisreset ````).
_LANGUAGE_NAMES = """
    python py python3 py3 ipython pycon javascript js jsx typescript ts tsx node java kotlin kt scala
    groovy c cpp c++ cc h hpp csharp cs c# fsharp go golang rust rs ruby rb php perl pl lua r julia
    matlab octave swift objc objective-c dart haskell hs elixir erlang clojure lisp scheme ocaml
    bash sh shell zsh fish console shell-session powershell ps1 bat cmd batch sql mysql postgresql
    psql plsql sqlite html htm xml xhtml svg css scss sass less vue svelte json json5 jsonc yaml yml
    toml ini cfg conf properties env dockerfile docker makefile make cmake gradle nginx apache
    markdown md text txt plaintext plain output log diff patch graphql gql proto protobuf latex tex
    vb vbnet vba asm assembly nasm solidity sol verilog vhdl prolog fortran pascal delphi cobol ada
    awk sed tcl zig nim crystal terraform hcl jinja jinja2 django handlebars mermaid csv tsv
"""
LANGUAGES = frozenset(_LANGUAGE_NAMES.split())


def _glued(line: str) -> re.Match[str] | None:
    """The fence at the end of ``line`` when it is the line's unpaired last run of backticks."""
    m = _GLUED.search(line)
    if m is None or len(_RUN.findall(line)) % 2 == 0:
        return None
    return m


def _closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes the block ``fence`` opened: a fence of its own line, or one glued
    to the end of the last code line."""
    m = _CLOSE.fullmatch(line)
    if m:
        return m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)
    if fence[0] != "`" or "```" not in line:
        return False
    g = _glued(line)
    return g is not None and g.group(2) is None and len(g.group(1)) >= len(fence)


@dataclass(frozen=True, slots=True)
class OpenFence:
    """The fence that opens the block left open: its span in the text, as written."""

    start: int
    end: int
    fence: str  # the opening line, stripped: "```python"
    lines_after: int  # non-blank lines of the text after the opening fence
    last_line: str  # the text's last non-blank line


def find_open_fence(text: str) -> OpenFence | None:
    """The opening fence of a code block that ``text`` never closes, or ``None``."""
    if "```" not in text and "~~~" not in text:
        return None
    fence = ""  # the open fence's characters, "" outside a block
    start = end = 0
    opened = ""
    line_no = opened_at = 0
    pos = 0
    lines = text.split("\n")
    for line_no, line in enumerate(lines):
        line_end = pos + len(line)
        if not fence:
            m = _OPEN.fullmatch(line)
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                fence = m.group(1)
                start, end = pos + m.start(1), line_end
                opened, opened_at = line.strip(), line_no
            elif "```" in line and (g := _glued(line)) and g.group(2):  # "验证如下：```python"
                fence = g.group(1)
                start, end = pos + g.start(1), line_end
                opened, opened_at = line[g.start(1) :].strip(), line_no
        else:
            if _closes(line, fence):
                fence = ""
        pos = line_end + 1
    if not fence:
        return None
    inside = lines[opened_at + 1 :]
    last = next((ln.strip() for ln in reversed(lines) if ln.strip()), "")
    return OpenFence(start, end, opened, sum(1 for ln in inside if ln.strip()), last)


@dataclass(frozen=True, slots=True)
class EmptyBlock:
    """A code block with nothing inside: the span from its opening fence to its closing one."""

    start: int
    end: int
    fence: str  # the opening line, stripped: "```python"
    last: bool  # nothing but blank text follows the block: the reply ends with it


def find_empty_blocks(text: str) -> list[EmptyBlock]:
    """The code blocks of ``text`` (read as :func:`find_open_fence` reads them) whose lines
    between the opening and the closing fence are blank or absent."""
    if "```" not in text and "~~~" not in text:
        return []
    found: list[EmptyBlock] = []
    fence = ""
    start = 0
    opened = ""
    filled = False
    before = ""  # the last non-blank line outside a block
    pos = 0
    for line in text.split("\n"):
        line_end = pos + len(line)
        if not fence:
            m = _OPEN.fullmatch(line)
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                fence, start, opened = m.group(1), pos + m.start(1), line.strip()
                info = m.group(2).strip()
                # code written on the fence line (LIMA's ```ffmpeg -i …) names no language: the
                # block is not empty, its code is in the info string; and a fence after a line
                # of code outside any block closes a block whose opening fence was lost
                filled = (bool(info) and info.lower() not in LANGUAGES) or before.endswith((";", "{", "}"))
            elif "```" in line and (g := _glued(line)) and g.group(2):
                fence, start, opened = g.group(1), pos + g.start(1), line[g.start(1) :].strip()
                filled = g.group(2).lower() not in LANGUAGES
            elif line.strip():
                before = line.rstrip()
        elif _CLOSE.fullmatch(line) and _closes(line, fence):
            if not filled:
                end = pos + len(line.rstrip())
                found.append(EmptyBlock(start, end, opened, not text[end:].strip()))
            fence, before = "", line.rstrip()
        elif _closes(line, fence):  # glued to the end of a code line: the block holds that line
            fence, before = "", line.rstrip()
        elif line.strip():
            filled = True
        pos = line_end + 1
    return found
