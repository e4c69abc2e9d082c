"""The Python the package declares is one its own regular expressions compile on.

Possessive quantifiers (``*+``, ``++``, ``?+``, ``{m,n}+``) and atomic groups (``(?>…)``) are
new in Python 3.11's ``re``; the rules use them to keep their patterns linear on hostile text.
On 3.10 the first rule module to import stopped the run with ``multiple repeat at position 3``,
while ``requires-python`` still said 3.10 would do: pip installed a tool that could not start.
"""

from __future__ import annotations

import io
import re
import tokenize
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: a possessive quantifier or an atomic group, as written inside a string literal
_NEW_IN_311 = re.compile(r"(?:[*+?}]\+)|\(\?>")


def _floor() -> tuple[int, int]:
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    match = re.fullmatch(r"\s*>=\s*(\d+)\.(\d+)\s*", spec)
    assert match, f"requires-python {spec!r} is not a plain lower bound"
    return int(match.group(1)), int(match.group(2))


def _pattern_texts_needing_311() -> list[str]:
    found = []
    for path in sorted([*(ROOT / "sftlint").rglob("*.py"), *(ROOT / "rules").rglob("*.py")]):
        source = path.read_text(encoding="utf-8")
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.STRING and _NEW_IN_311.search(tok.string):
                found.append(f"{path.relative_to(ROOT)}:{tok.start[0]}")
    return found


def test_the_scan_sees_the_syntax_it_looks_for() -> None:
    assert _NEW_IN_311.search(r"'\s*+x'") and _NEW_IN_311.search("'(?>ab)'")
    assert _NEW_IN_311.search(r"'a{1,3}+'") and _NEW_IN_311.search(r"'a?+'")
    assert not _NEW_IN_311.search(r"'a+b*c?'") and not _NEW_IN_311.search("'(?:x)+'")


def test_requires_python_admits_no_interpreter_the_patterns_break_on() -> None:
    needing = _pattern_texts_needing_311()
    assert needing, "no pattern needs 3.11 any more: requires-python could be lowered"
    assert _floor() >= (3, 11), f"these patterns need Python 3.11's re: {needing[:5]}"
