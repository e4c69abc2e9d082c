"""Rule failures reported like a linter reports: the first few in full, then a count per rule.

A rule that fails on every record (a plugin whose optional dependency is missing, a bug hit
by every record) would otherwise print one "rule ... crashed on record N" line and one X001
diagnostic per record: two thousand lines that say one thing.  The engine lists the first
:data:`LISTED` failures of each rule, counts the rest, and closes with one line and one X001
diagnostic per rule that say how many records it failed on.  The exit code stays 2.

Counting happens where the records come together in order (the serial engine, or the main
process of ``--jobs`` and Ray, whose workers keep every failure of their piece), so which
failures are listed does not depend on ``--jobs``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sftlint.diagnostic import Diagnostic

#: Failures of one rule listed in full (message and X001 diagnostic); the rest are counted.
LISTED = 3


class RuleError(str):
    """An engine error message about one rule's failure on one record (``rule`` is its code)."""

    rule: str

    def __new__(cls, message: str, rule: str) -> RuleError:
        self = super().__new__(cls, message)
        self.rule = rule
        return self

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # workers send these back
        return (RuleError, (str(self), self.rule))


class ErrorList(list):  # type: ignore[type-arg]
    """The engine's error messages: all of them, except a rule's failures past the first
    :data:`LISTED` (``limit``; 0 keeps every one, as workers do), which are counted."""

    def __init__(self, items: Iterable[str] = (), limit: int = LISTED) -> None:
        super().__init__()
        self.limit = limit
        self.failures: Counter[str] = Counter()
        self.extend(items)

    def append(self, message: str) -> None:
        rule = getattr(message, "rule", None)
        if rule is not None and self.limit:
            self.failures[rule] += 1
            if self.failures[rule] > self.limit:
                return
        super().append(message)

    def extend(self, messages: Iterable[str]) -> None:
        for m in messages:
            self.append(m)

    def close(self) -> None:
        """Add one line per rule that failed more often than was listed (call once, at the end)."""
        if not self.limit:
            return
        for rule, n in sorted(self.failures.items()):
            if n > self.limit:
                super().append(
                    f"rule {rule} failed on {n:,} records in all; the first {self.limit} are listed "
                    "above, the rest are counted (one X001 diagnostic closes them)"
                )


class DiagnosticLimiter:
    """Lets through the first :data:`LISTED` X001 diagnostics of each rule; keeps the first of
    the rest and counts them, for one closing diagnostic per rule."""

    def __init__(self, limit: int = LISTED) -> None:
        self.limit = limit
        self.seen: Counter[str] = Counter()
        self.first_dropped: dict[str, Diagnostic] = {}

    def admit(self, d: Diagnostic) -> bool:
        rule = d.data.get("rule") if d.data else None
        if rule is None or not self.limit:
            return True
        self.seen[rule] += 1
        if self.seen[rule] <= self.limit:
            return True
        self.first_dropped.setdefault(rule, d)
        return False

    def closing(self) -> list[Diagnostic]:
        """One X001 per rule with failures not listed: the first of them, counting them all."""
        out = []
        for rule, d in self.first_dropped.items():
            more = self.seen[rule] - self.limit
            d.count = more
            if more > 1:
                d.message += (
                    f"; and {more - 1:,} more failures of rule {rule}, not listed one by one "
                    f"({self.seen[rule]:,} in all)"
                )
            out.append(d)
        self.first_dropped = {}
        return out
