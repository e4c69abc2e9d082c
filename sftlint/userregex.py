"""Regular expressions that come from configuration, run with a time limit.

A pattern written by a user (S007's ``pattern``) can backtrack catastrophically:
``(a+)+$`` on a long run of ``a`` never finishes.  Such patterns are compiled with
the ``regex`` module, whose matching takes a timeout; a pattern that overruns it
raises :class:`UserRegexTimeout`, naming the option, instead of hanging the run.
Built-in patterns are written to be linear and do not need this.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Matching time allowed per text: this many seconds, plus one second per MB of text.
TIMEOUT_SECONDS = 1.0


class UserRegexTimeout(Exception):
    """A configured pattern took longer than its time limit on one text."""


def check_pattern(pattern: str) -> str:
    """Validate ``pattern`` (a pydantic field validator): raise ValueError when it does not compile."""
    import regex  # imported on first use: a run without configured patterns never needs it

    try:
        regex.compile(pattern)
    except (regex.error, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return pattern


class UserPattern:
    """A configured pattern: ``finditer`` like ``re``, with a time limit per text."""

    __slots__ = ("_compiled", "option", "pattern")

    def __init__(self, pattern: str, option: str) -> None:
        self.pattern = pattern
        self.option = option
        import regex

        self._compiled = regex.compile(pattern)

    def finditer(self, text: str) -> Iterator[Any]:
        limit = TIMEOUT_SECONDS + len(text) / 1_000_000
        try:
            yield from self._compiled.finditer(text, timeout=limit)
        except TimeoutError:
            raise UserRegexTimeout(
                f"option {self.option!r} (pattern {self.pattern!r}) took more than {limit:.1f} s on one "
                f"text of {len(text)} characters; the pattern backtracks catastrophically: "
                "rewrite it without nested repetition such as (a+)+"
            ) from None
