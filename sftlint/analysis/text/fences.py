"""A Markdown code block that a reply opens and never closes (T012).

A fence is a line of three or more backticks or tildes (```` ```python ````, ``~~~``), as
CommonMark reads it: an opening fence may carry an info string (a backtick fence's may not hold a
backtick, so ```` ```--hard``` ```` on a line of prose is inline code, not a fence), and the block
ends at a line that holds only a fence of the same character, at least as long.  Leading spaces
are allowed at any depth: a fence inside a list item is indented.  A text whose last block is
still open when the text ends leaves the rest of the reply rendered as code: the reply was cut
off inside the code (a generation that hit its token limit), or the closing fence was lost or
glued to the end of the last code line (``print(x)```  `` closes nothing: a closing fence stands
on its own line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)")
_CLOSE = re.compile(r"[ \t]*(`{3,}|~{3,})[ \t]*")


@dataclass(frozen=True, slots=True)
class OpenFence:
    """The fence that opens the block left open: its span in the text, as written."""

    start: int
    end: int
    fence: str  # the opening line, stripped: "```python"
    lines_after: int  # non-blank lines of the text after the opening fence
    glued: bool  # a line inside ends with the fence's characters ("print(x)```")
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
        else:
            m = _CLOSE.fullmatch(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = ""
        pos = line_end + 1
    if not fence:
        return None
    inside = lines[opened_at + 1 :]
    mark = fence[0] * 3
    # a closing fence written at the end of a code line: the line's only run of the fence's
    # characters ends it ("print(x)```"); a line of prose with inline code (```x``` and ```y```)
    # is not one
    glued = any(
        ln.rstrip().endswith(mark) and ln.count(mark) == 1 and ln.strip() != ln.strip()[0] * len(ln.strip())
        for ln in inside
    )
    last = next((ln.strip() for ln in reversed(lines) if ln.strip()), "")
    return OpenFence(start, end, opened, sum(1 for ln in inside if ln.strip()), glued, last)
