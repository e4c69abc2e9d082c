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

    Bounded by the characters of the texts it keeps, in two generations: when the texts kept
    would pass ``limit`` they become the older generation (the one before is forgotten at
    once, which costs nothing per entry) and a new one starts; a text found in the older
    generation moves to the new one.  So a text the dataset keeps repeating stays however
    many others pass between its repeats, as long as it comes back within a generation (a
    single generation, cleared when full, forgot a third of the seed corpus's repeated turns).
    A text longer than ``longest`` is computed and not kept.  A lookup hashes the text once;
    Python keeps a string's hash, so the other rules that look up the same turn pay only the
    comparison.
    """

    __slots__ = ("chars", "compute", "limit", "longest", "older")

    def __init__(self, compute: Callable[[str], Any], limit: int = 1_000_000, longest: int = 20_000) -> None:
        super().__init__()
        self.compute = compute
        self.limit = limit
        self.longest = longest
        self.chars = 0
        self.older: dict[str, Any] = {}

    def __missing__(self, text: str) -> Any:
        older = self.older.get(text, _NONE)
        value = self.compute(text) if older is _NONE else older
        n = len(text)
        if n <= self.longest:
            if self.chars + n > self.limit:
                self.older = dict(self)
                super().clear()
                self.chars = 0
            self[text] = value
            self.chars += n
        return value

    def clear(self) -> None:
        super().clear()
        self.older = {}
        self.chars = 0


_NONE = object()
