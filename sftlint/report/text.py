"""Human output: ``full`` (ruff-style, with the offending text and the span marked) and ``concise``."""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from itertools import accumulate

from sftlint.diagnostic import Diagnostic
from sftlint.report.base import Reporter, RunSummary

_STYLES = {
    "error": "31;1",
    "warning": "33;1",
    "info": "36;1",
    "code": "31;1",
    "path": "1",
    "dim": "2",
    "caret": "31;1",
    "ok": "32;1",
}
SNIPPET_WIDTH = 100  # display columns of text shown around a span


class _Widths(dict):
    """Display width of each character seen so far, looked up at C speed (``map``)."""

    def __missing__(self, c: str) -> int:
        w = self[c] = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        return w


class _Visible(dict):
    """What :func:`visible` shows for each code point seen so far (``str.translate`` table)."""

    def __missing__(self, o: int) -> str:
        c = chr(o)
        if c == "\t":
            shown = " "
        elif unicodedata.category(c) in ("Cc", "Cf"):
            shown = "\u2423"
        else:
            shown = c
        self[o] = shown
        return shown


_WIDTHS = _Widths()
_VISIBLE = _Visible()


def width(text: str) -> int:
    """Terminal display width: CJK and full-width characters take two columns."""
    if text.isascii():
        return len(text)  # every ASCII character, control characters included, is narrow
    return sum(map(_WIDTHS.__getitem__, text))


def _char_width(c: str) -> int:
    return _WIDTHS[c]


def visible(text: str) -> str:
    """Make control characters and tabs visible so the caret line stays aligned."""
    return text.translate(_VISIBLE)


def snippet(source: str, span: tuple[int, int] | None) -> tuple[str, str] | None:
    """The source line holding the span's start, clipped to SNIPPET_WIDTH, and its caret line."""
    if span is None:
        start = end = 0
        line_start = 0
    else:
        start, end = span
        line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    if line_end < 0:
        line_end = len(source)
    if span is not None:
        end = min(max(end, start + 1), max(line_end, start + 1))
    text = source[line_start:line_end]
    s, e = start - line_start, end - line_start
    # clip a long line around the span: running widths of the characters either side of it,
    # at most one per column (a character is at least one column wide)
    half = SNIPPET_WIDTH // 2
    left = 0
    if s > half or width(text[:s]) > half:
        # step back from the span's start until half the width is used or the line starts
        back = list(accumulate(map(_WIDTHS.__getitem__, text[max(0, s - half) : s][::-1])))
        left = s - min(bisect_left(back, half) + 1, len(back))
    n = len(text)
    # the longest piece from ``left`` that fits the width
    ahead = list(accumulate(map(_WIDTHS.__getitem__, text[left : left + SNIPPET_WIDTH + 1])))
    right = left + bisect_right(ahead, SNIPPET_WIDTH)
    floor = max(e, left + 1)
    right = max(right, floor) if right < n and floor < n else n  # the span itself is always shown
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    shown = prefix + visible(text[left:right]) + suffix
    if span is None:
        return shown, ""
    pad = width(prefix) + width(visible(text[left:s]))
    marked = text[s : min(e, right)] or " "
    caret = " " * pad + "^" * max(1, width(visible(marked)))
    return shown, caret


class _Styled(Reporter):
    def offers_fix(self, d: Diagnostic) -> bool:
        """``[*]``: a safe fix that ``--fix`` can write back to this file."""
        return (
            self.show_fixes
            and d.fix is not None
            and d.fix.applicability == "safe"
            and self.rewritable(d.path)
        )

    def style(self, text: str, kind: str) -> str:
        if not self.color:
            return text
        return f"\x1b[{_STYLES[kind]}m{text}\x1b[0m"

    def header(self, d: Diagnostic) -> str:
        loc = self.relpath(d.path)
        if d.line is not None:
            loc += f":{d.line}"
            if d.column is not None:
                loc += f":{d.column}"
        fix = " [*]" if self.offers_fix(d) else ""
        sev = "" if d.severity == "error" else f" ({d.severity})"
        return f"{self.style(loc, 'path')}: {self.style(d.code, d.severity)}{fix} {d.message}{sev}"

    def finish(self, summary: RunSummary) -> None:
        write = self.stream.write
        total = sum(summary.counts.values())
        if summary.fixed:
            write(f"Fixed {summary.fixed} finding{'s' if summary.fixed != 1 else ''}.\n")
        if total == 0:
            if not summary.errors:
                write(self.style("All checks passed!", "ok") + "\n")
            self._hidden(summary)
            return
        parts = []
        for sev in ("error", "warning", "info"):
            n = summary.counts.get(sev, 0)
            if n:
                parts.append(f"{n} {sev}{'s' if n != 1 else ''}")
        write(
            f"Found {', '.join(parts)} in {summary.records} record{'s' if summary.records != 1 else ''}"
            f" of {summary.files} file{'s' if summary.files != 1 else ''}.\n"
        )
        fixable = sum(summary.fixable.values())
        if fixable and self.show_fixes:
            option = "`--fix --unsafe-fixes` options" if summary.unsafe_fixes else "`--fix` option"
            hidden = (
                f" ({summary.hidden_fixes} hidden fixes can be enabled with the `--unsafe-fixes` option)"
                if summary.hidden_fixes
                else ""
            )
            write(f"[*] {fixable} fixable with the {option}{hidden}.\n")
        elif summary.hidden_fixes and self.show_fixes:
            write(
                f"No fixes available ({summary.hidden_fixes} hidden fixes can be enabled with the `--unsafe-fixes` option).\n"
            )
        dominant = dominant_rules(summary)
        if dominant:
            write(dominant)
        self._hidden(summary)

    def _hidden(self, summary: RunSummary) -> None:
        """How many findings the suppressions file and the baseline kept out of the report: said
        also when they kept out every one, where the report is otherwise "All checks passed!"."""
        write = self.stream.write
        if summary.suppressed:
            write(
                f"({summary.suppressed} reviewed finding{'s' if summary.suppressed != 1 else ''} "
                "silenced by the suppressions file.)\n"
            )
        if summary.baselined:
            write(
                f"({summary.baselined} known finding{'s' if summary.baselined != 1 else ''} "
                "hidden by the baseline.)\n"
            )


#: Below this many findings the list itself is easy to read: no summary of what dominates.
DOMINANCE_MIN_FINDINGS = 50
#: A rule with at least this share of the findings is named as dominating the report.
DOMINANCE_SHARE = 0.5


def dominant_rules(summary: RunSummary, top: int = 3) -> str:
    """For a flood of findings, the closing lines that say which rules make it up, and how to
    steer (``--statistics``, ``--ignore``, ``grouped``): 13,000 lines are no use on their own."""
    total = sum(summary.by_code.values())
    if total < DOMINANCE_MIN_FINDINGS:
        return ""
    ranked = sorted(summary.by_code.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [
        f"{code} {summary.names.get(code, '')} {n:,} ({100 * n / total:.0f}%)" for code, n in ranked[:top]
    ]
    more = f", and {len(ranked) - top} more rules" if len(ranked) > top else ""
    text = f"Most findings: {', '.join(parts)}{more}. `--statistics` counts every rule"
    text += "; `--output-format grouped` lists them per file.\n"
    code, n = ranked[0]
    if n / total >= DOMINANCE_SHARE:
        text += (
            f"{code} makes {100 * n / total:.0f}% of the findings: read a few (`--select {code}`); if the rule "
            f"does not fit this data, configure it (`sftlint rule {code}`) or turn it off for these files "
            "(`--ignore`, per-file-ignores).\n"
        )
    return text


class FullReporter(_Styled):
    """``path:line:col: CODE message``, then the offending text with the span marked."""

    name = "full"
    human = True

    def diagnostic(self, d: Diagnostic) -> None:
        # the block's pieces go out in one write (the stream wipes a progress line on each)
        parts = [self.header(d), "\n"]
        write = parts.append
        bar = self.style("|", "dim")
        if d.pointer:
            write(
                f"  {self.style('-->', 'dim')} {d.pointer}"
                + (f" [{d.span[0]}:{d.span[1]}]" if d.span else "")
                + "\n"
            )
        if d.source is not None:
            span = d.source_span
            if span is None and d.source and "\n" not in d.source and len(d.source) <= SNIPPET_WIDTH:
                span = (0, len(d.source))  # a short value: mark all of it
            shown = snippet(d.source, span)
            if shown is not None:
                text, caret = shown
                write(f"   {bar}\n   {bar} {text}\n")
                if caret:
                    write(f"   {bar} {self.style(caret, 'caret')} {self.style(d.code, d.severity)}\n")
                write(f"   {bar}\n")
        if d.fix is not None and self.show_fixes:
            label = "fix" if d.fix.applicability == "safe" else "unsafe fix"
            write(f"   = {label}: {d.fix.message}\n")
        write("\n")
        self.stream.write("".join(parts))


class ConciseReporter(_Styled):
    """One line per finding: ``path:line:col: CODE message``."""

    name = "concise"
    human = True

    def diagnostic(self, d: Diagnostic) -> None:
        self.stream.write(self.header(d) + "\n")


class GroupedReporter(_Styled):
    """ruff's ``grouped``: a header per file, then one indented ``line:col CODE message`` per finding.

    Streamed: findings arrive in file order, so a header is written whenever the file changes
    (dataset findings, which come last, may name an earlier file again under a header of its own).
    """

    name = "grouped"
    human = True

    def start(self) -> None:
        self._current: str | None = None

    def diagnostic(self, d: Diagnostic) -> None:
        write = self.stream.write
        path = self.relpath(d.path)
        if path != self._current:
            if self._current is not None:
                write("\n")
            write(self.style(path, "path") + ":\n")
            self._current = path
        loc = "" if d.line is None else f"{d.line}:{d.column}" if d.column is not None else f"{d.line}"
        fix = " [*]" if self.offers_fix(d) else ""
        sev = "" if d.severity == "error" else f" ({d.severity})"
        write(f"  {loc:<10} {self.style(d.code, d.severity)}{fix} {d.message}{sev}\n")

    def finish(self, summary: RunSummary) -> None:
        if self._current is not None:
            self.stream.write("\n")
        super().finish(summary)
