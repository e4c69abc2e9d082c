"""Terminal concerns of the CLI: the progress line, and a report stream that survives a closed pipe.

Both exist so that what the CLI prints never lies: the progress line lives on stderr, only on a
terminal, and is wiped before any line of the report is written to the same terminal; and when
the reader of the report goes away (``sftlint check … | head -1``) the run still knows whether
findings failed it, so the exit code stays truthful.
"""

from __future__ import annotations

import os
import sys
import time
from typing import IO

#: A run shorter than this never shows a progress line (it would only flicker).
PROGRESS_AFTER_S = 1.0
#: The line is redrawn at most this often.
REDRAW_EVERY_S = 0.1


class Progress:
    """``[#####    ]  40% 12/30 MB`` on stderr, redrawn in place; shown once the run has lasted
    :data:`PROGRESS_AFTER_S`, so quick runs print nothing."""

    def __init__(self, total_bytes: int, stream: IO[str] | None = None) -> None:
        self.total = max(total_bytes, 1)
        self.done = 0
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.shown = False  # is the line on the screen now?

    def __call__(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.started < PROGRESS_AFTER_S or now - self.last_draw < REDRAW_EVERY_S:
            return
        self.last_draw = now
        pct = min(100, self.done * 100 // self.total)
        bar = "#" * (pct // 4)
        self.stream.write(f"\r[{bar:<25}] {pct:3d}% {self.done / 1e6:,.0f}/{self.total / 1e6:,.0f} MB")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        """Wipe the line (before report output reaches the same terminal, and at the end)."""
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False
            self.last_draw = 0.0  # redraw on the next tick, below the new output

    close = clear


class ReportStream:
    """The stream reporters write to.

    - Before writing to a terminal that also shows the progress line, the line is wiped, so a
      finding never starts in the middle of ``[####   ]``.
    - When the reader closes the pipe, writes go nowhere from then on (:attr:`closed` is set) and
      no ``BrokenPipeError`` escapes; the CLI decides the exit code from what was found.
    """

    def __init__(self, stream: IO[str], progress: Progress | None = None) -> None:
        self.stream = stream
        self.closed = False
        shares_terminal = progress is not None and _same_terminal(stream, progress.stream)
        self.progress = progress if shares_terminal else None

    def write(self, text: str) -> int:
        if self.closed:
            return len(text)
        if self.progress is not None:
            self.progress.clear()
        try:
            try:
                return self.stream.write(text)
            except UnicodeEncodeError:
                # a report quoting what the stream cannot encode: a lone surrogate that a JSON
                # string inside a string carried (a tool's name in `tools`), or any character
                # on a terminal that is not UTF-8; written as its escape, as --output-file does
                encoding = getattr(self.stream, "encoding", None) or "utf-8"
                safe = text.encode(encoding, "backslashreplace").decode(encoding)
                return self.stream.write(safe)
        except BrokenPipeError:
            self._broken()
            return len(text)

    def flush(self) -> None:
        if self.closed:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._broken()

    def isatty(self) -> bool:
        return not self.closed and hasattr(self.stream, "isatty") and self.stream.isatty()

    def _broken(self) -> None:
        self.closed = True
        # The interpreter flushes sys.stdout at exit: point its descriptor at /dev/null so that
        # flush cannot raise (and print "Exception ignored ...") after the report is done.
        try:
            fd = self.stream.fileno()
        except (AttributeError, OSError, ValueError):
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)


def _same_terminal(a: IO[str], b: IO[str]) -> bool:
    try:
        return a.isatty() and b.isatty()
    except (AttributeError, ValueError):
        return False
