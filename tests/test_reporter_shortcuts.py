"""The reporters' shortcuts on the per-finding path give what the long way gives.

The json and json-lines reporters build each diagnostic's JSON text without a dictionary
(``encode_diagnostic``); it must be the standard encoder's text of ``Diagnostic.to_dict()``,
byte for byte, whatever the strings hold (control characters, quotes, backslashes, any plane).
Whether ``--fix`` could write a file is asked once a path, not once a finding."""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.diagnostic import Diagnostic, Edit, Fix
from sftlint.report.base import RunSummary
from sftlint.report.machine import JsonLinesReporter, encode_diagnostic
from sftlint.report.text import FullReporter


def reference(d: Diagnostic) -> str:
    return json.dumps(d.to_dict(), ensure_ascii=False)


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
numbers = st.none() | st.integers(min_value=-5, max_value=10**12)
edits = st.builds(Edit, st.none() | texts, st.integers(0, 99), st.integers(0, 99), texts, numbers, numbers)
fixes = st.none() | st.builds(
    Fix, texts, st.tuples() | st.tuples(edits) | st.tuples(edits, edits), st.sampled_from(["safe", "unsafe"])
)
diagnostics = st.builds(
    Diagnostic,
    code=texts,
    name=texts,
    severity=st.sampled_from(["error", "warning", "info"]),
    message=texts,
    path=texts,
    line=numbers,
    column=numbers,
    end_line=numbers,
    end_column=numbers,
    pointer=st.none() | texts,
    span=st.none() | st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
    fix=fixes,
    url=texts,
    record=numbers,
    count=st.integers(1, 10**6),
)


@settings(max_examples=400, deadline=None)
@given(d=diagnostics)
def test_encoded_text_is_the_encoders(d: Diagnostic) -> None:
    assert encode_diagnostic(d) == reference(d)


def test_every_escape_the_encoder_writes() -> None:
    # every control character, the quote and backslash, DEL, the line separators, astral planes
    awkward = "".join(map(chr, range(0x20))) + '"\\\x7f\u2028\u2029\ufeff😀𠀋 a/b'
    d = Diagnostic(
        "T001", awkward, "warning", awkward, awkward, 1, 2, 3, 4, awkward, (0, 5), url=awkward, record=0
    )
    assert encode_diagnostic(d) == reference(d)
    assert json.loads(encode_diagnostic(d))["message"] == awkward


def test_a_field_of_another_type_goes_through_the_encoder() -> None:
    # a plugin's diagnostic with a float line and a list span: the reporter's line is still the
    # encoder's text of to_dict(), not an error
    d = Diagnostic("X001", "plugin-rule", "error", "msg", "f.jsonl", line=3.0, span=[1, 2, 3])  # type: ignore[arg-type]
    out = io.StringIO()
    JsonLinesReporter(out).diagnostic(d)
    assert out.getvalue() == reference(d) + "\n"


def test_fixable_counts_ask_the_file_system_once_a_path(tmp_path, monkeypatch) -> None:
    import sftlint.report.base as base

    asked: list[str] = []
    real = base.can_rewrite
    monkeypatch.setattr(base, "can_rewrite", lambda p: asked.append(p) or real(p))
    fix = Fix("drop it", (Edit("/a", 0, 1, ""),))
    summary = RunSummary()
    for path in ["a.jsonl", "a.jsonl", "b.jsonl.gz", "a.jsonl", "b.jsonl.gz"]:
        summary.add(Diagnostic("S001", "x", "error", "m", path, fix=fix))
    assert asked == ["a.jsonl", "b.jsonl.gz"]
    assert summary.fixable["S001"] == 3  # the .gz file's fixes cannot be written back


def test_the_fix_marker_asks_the_file_system_once_a_path(tmp_path, monkeypatch) -> None:
    import sftlint.report.base as base

    asked: list[str] = []
    real = base.can_rewrite
    monkeypatch.setattr(base, "can_rewrite", lambda p: asked.append(p) or real(p))
    fix = Fix("drop it", (Edit("/a", 0, 1, ""),))
    out = io.StringIO()
    reporter = FullReporter(out)
    for path in ["a.jsonl", "a.jsonl", "b.jsonl.gz", "a.jsonl"]:
        reporter.diagnostic(Diagnostic("S001", "x", "error", "m", path, line=1, column=1, fix=fix))
    assert asked == ["a.jsonl", "b.jsonl.gz"]
    headers = [line for line in out.getvalue().splitlines() if line.startswith(("a.jsonl", "b.jsonl"))]
    assert headers == [
        "a.jsonl:1:1: S001 [*] m",
        "a.jsonl:1:1: S001 [*] m",
        "b.jsonl.gz:1:1: S001 m",  # nothing --fix could write back
        "a.jsonl:1:1: S001 [*] m",
    ]
