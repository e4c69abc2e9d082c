"""Results of pure functions of a text, computed once per distinct text.

Datasets repeat whole texts: a system prompt in every record, boilerplate replies, a
templated question with its knowledge-base paragraph (a third of the turns of the seed-style
corpus are repeats).  Rules that judge a turn by its text alone (its language, whether it
was cut off, whether it asks for a translation) look each text up here first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class PerText(dict):  # type: ignore[type-arg]
    """``memo[text]`` is ``compute(text)``, computed on the first lookup of each distinct text.

    Bounded by the characters of the texts it keeps: when they would pass ``limit`` it is
    cleared (forgetting everything at once costs nothing per entry, and the texts a dataset
    repeats come back at once).  A text longer than ``longest`` is computed and not kept.
    A lookup hashes the text once; Python keeps a string's hash, so the other rules that look
    up the same turn pay only the comparison.
    """

    __slots__ = ("chars", "compute", "limit", "longest")

    def __init__(self, compute: Callable[[str], Any], limit: int = 1_000_000, longest: int = 20_000) -> None:
        super().__init__()
        self.compute = compute
        self.limit = limit
        self.longest = longest
        self.chars = 0

    def __missing__(self, text: str) -> Any:
        value = self.compute(text)
        n = len(text)
        if n <= self.longest:
            if self.chars + n > self.limit:
                self.clear()
            self[text] = value
            self.chars += n
        return value

    def clear(self) -> None:
        super().clear()
        self.chars = 0
