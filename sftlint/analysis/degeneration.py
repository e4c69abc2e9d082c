"""Signs that generated text degenerated: a loop of repeated text, or an answer cut off.

For ``sftlint eval`` (issue 16).  The detectors are the text rules' own
(:mod:`sftlint.analysis.text.repeat`, behind T009, and
:mod:`sftlint.analysis.text.truncation`, behind T006); what this module adds
is what only generated text has:

* :func:`cut_off` trusts the generator first: ``finish_reason == "length"``
  means the answer hit the token limit.  Without a finish reason, an answer
  the truncation detector finds cut at its end counts as cut off only when
  the reference answers of the same file end cleanly themselves (their
  convention, not a style of the model).
* :func:`repetition` is the first repetition T009's detector finds.
"""

from __future__ import annotations

from collections.abc import Iterable


def repetition(text: str) -> tuple[int, int, str] | None:
    """``(start, end, unit)`` of the first degenerate repetition in ``text``; None if none."""
    from sftlint.analysis.text.repeat import find_repeats

    found = find_repeats(text)
    if not found:
        return None
    r = found[0]
    return r.start, r.end, r.unit


def _cut_at_end(text: str) -> str | None:
    from sftlint.analysis.text.truncation import find_truncation

    for t in find_truncation(text):
        if t.where == "end":
            return t.reason
    return None


def ends_cleanly(text: str) -> bool:
    """Whether ``text`` does not look cut off at its end."""
    return not text.strip() or _cut_at_end(text) is None


def ends_sentences(labels: Iterable[str]) -> bool:
    """Whether reference answers end cleanly (9 in 10 or more, of at least 3): then an output should too."""
    seen = [ends_cleanly(t) for t in labels if t and t.strip()]
    return len(seen) >= 3 and sum(seen) >= 0.9 * len(seen)


def cut_off(text: str, finish_reason: str | None = None, references_end: bool = False) -> str | None:
    """Why ``text`` looks cut off, or None.

    ``finish_reason`` is what the generator reported ("length": it hit the
    token limit; "stop": it ended its turn, whatever the text looks like);
    ``references_end`` says the file's reference answers end cleanly, so an
    output that does not is cut, not a style.
    """
    if finish_reason == "length":
        return "the generator stopped at its token limit (finish_reason=length)"
    if finish_reason in (None, "") and references_end and text.strip():
        why = _cut_at_end(text)
        if why is not None:
            return f"{why} (the reference answers end cleanly)"
    return None
