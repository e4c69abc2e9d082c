"""The text reporter's snippet clipping, rewritten to sum widths once per character, shows exactly
what the earlier character-by-character version showed (kept here as the reference)."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.report.text import SNIPPET_WIDTH, snippet, visible, width


def _reference(source: str, span: tuple[int, int] | None) -> tuple[str, str]:
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
    left = 0
    if width(text[:s]) > SNIPPET_WIDTH // 2:
        left = s
        while left > 0 and width(text[left:s]) < SNIPPET_WIDTH // 2:
            left -= 1
    right = len(text)
    while right > max(e, left + 1) and width(text[left:right]) > SNIPPET_WIDTH:
        right -= 1
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    shown = prefix + visible(text[left:right]) + suffix
    if span is None:
        return shown, ""
    pad = width(prefix) + width(visible(text[left:s]))
    marked = text[s : min(e, right)] or " "
    return shown, " " * pad + "^" * max(1, width(visible(marked)))


_TEXT = st.text(alphabet=st.sampled_from("ab 退款订单，。\t\n\x07ｗ😀"), max_size=400)


@settings(max_examples=400, deadline=None)
@given(_TEXT, st.data())
def test_snippet_equals_the_reference(source, data):
    if data.draw(st.booleans()):
        span = None
    else:
        a = data.draw(st.integers(0, len(source)))
        b = data.draw(st.integers(a, len(source) + 3))
        span = (a, b)
    assert snippet(source, span) == _reference(source, span)


def test_snippet_of_a_long_record_line_is_clipped_around_the_span():
    line = '{"messages": [{"role": "user", "content": "' + "退款订单" * 5000 + "错别字" + "。" * 3000 + '"}]}'
    at = line.index("错别字")
    shown, caret = snippet(line, (at, at + 3))
    assert shown.startswith("…") and shown.endswith("…") and "错别字" in shown
    assert width(shown) <= SNIPPET_WIDTH + 2
    assert caret.strip() == "^^^^^^"


def _width_reference(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _visible_reference(text: str) -> str:
    out = []
    for c in text:
        if c == "\t":
            out.append(" ")
        elif unicodedata.category(c) in ("Cc", "Cf") or c == "\ufffd":
            out.append("\u2423" if c != "\ufffd" else c)
        else:
            out.append(c)
    return "".join(out)


_ANY = st.text(max_size=200) | st.text(
    alphabet=st.sampled_from("a\t\x00\x7f\x9f\u200b\u2060\ufeff\ufffd\u3000ｗ中😀\u0301\ud800"), max_size=60
)


@settings(max_examples=400, deadline=None)
@given(_ANY)
def test_width_and_visible_equal_the_character_by_character_definitions(text):
    # both look characters up in tables filled as characters are first seen: the same answers
    # on the first sight of a character and on every later one
    for _ in range(2):
        assert width(text) == _width_reference(text)
        assert visible(text) == _visible_reference(text)
