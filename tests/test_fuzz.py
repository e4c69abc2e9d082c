"""Fuzzing: mutated real-looking records never crash sftlint, through the API or the CLI.

Each example takes records of every input format, damages them the ways real files are
damaged (the kinds of :mod:`bench.fuzzing`: flipped and cut bytes, values of the wrong type,
deep nesting, huge strings, records dense with findings, lone surrogates, NaN, big integers,
number spellings, escapes, control characters, odd keys, duplicate keys; CRLF, blank-line
runs, a BOM in the middle, pretty JSON arrays, broken compression) and checks that:

- no exception escapes ``sftlint.lint``, on the file and on the parsed records;
- the CLI exits 0 or 1 (a data problem is a finding, never exit 2), with every rule on;
- ``--jobs 2`` reports exactly what ``--jobs 1`` does (with the parallel thresholds lowered so
  that even a small file is cut into ranges).

- ``--fix`` on JSON arrays and JSONL changes only records that had a fix, keeps every number's
  spelling, and creates no finding.

CI runs a bounded number of examples; ``SFTLINT_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py``
runs more, and ``python bench/fuzz_campaign.py`` runs a campaign of 20,000 lines.
"""

from __future__ import annotations

import json
import os

import pytest
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sftlint
from bench import fuzzing

EXAMPLES = int(os.environ.get("SFTLINT_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)


class _DrawPick:
    """The choices of :mod:`bench.fuzzing` drawn by hypothesis (so failures shrink)."""

    def __init__(self, draw) -> None:
        self.draw = draw

    def choice(self, seq):
        return self.draw(st.sampled_from(seq))

    def integer(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def boolean(self):
        return self.draw(st.booleans())


@st.composite
def mutated_line(draw) -> bytes:
    return fuzzing.mutated_line(_DrawPick(draw))


@st.composite
def dataset(draw) -> tuple[str, bytes]:
    lines = draw(st.lists(mutated_line(), min_size=1, max_size=6))
    return fuzzing.dataset(_DrawPick(draw), lines)


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@FUZZ
@given(case=dataset())
def test_no_exception_escapes_and_exit_codes_stay_0_or_1(tmp_path_factory, case):
    suffix, data = case
    path = _write(tmp_path_factory.mktemp("fuzz"), f"data.{suffix}", data)
    diagnostics = sftlint.lint(str(path), select=["ALL"])
    assert not [d for d in diagnostics if d.code == "X001"], [
        d.message for d in diagnostics if d.code == "X001"
    ]
    for fmt in ("json", "full"):
        r = run_cli("check", "--select", "ALL", "--no-color", "--output-format", fmt, path)
        assert r.code in (0, 1), r
        assert "internal error" not in r.err and "Traceback" not in r.err, r


@FUZZ
@given(lines=st.lists(mutated_line(), min_size=1, max_size=6))
def test_the_api_reports_every_record_it_is_given(lines):
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except (ValueError, RecursionError):
            records.append({"raw": line.decode("utf-8", "replace")})
    diagnostics = sftlint.lint(records, select=["ALL"])
    assert not [d for d in diagnostics if d.code == "X001"]


@settings(
    max_examples=max(3, EXAMPLES // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(lines=st.lists(mutated_line(), min_size=2, max_size=8))
def test_jobs_2_equals_jobs_1_on_damaged_files(tmp_path_factory, lines, monkeypatch_module):
    path = _write(tmp_path_factory.mktemp("jobs"), "data.jsonl", b"\n".join(lines) + b"\n")
    serial = run_cli("check", "--select", "ALL", "--output-format", "json", "--jobs", "1", path)
    parallel = run_cli("check", "--select", "ALL", "--output-format", "json", "--jobs", "2", path)
    assert (parallel.code, parallel.json()) == (serial.code, serial.json())


@pytest.fixture(scope="module")
def monkeypatch_module():
    """Lower the thresholds so that a file of a few records is cut into ranges for --jobs."""
    from sftlint.run import processes

    mp = pytest.MonkeyPatch()
    mp.setattr(processes, "SERIAL_BELOW_BYTES", 0)
    mp.setattr(processes, "RANGE_BYTES", 64)
    yield mp
    mp.undo()


@FUZZ
@given(lines=st.lists(mutated_line(), min_size=1, max_size=5), pretty=st.booleans())
def test_fix_on_a_json_array_changes_only_what_it_fixes(tmp_path_factory, lines, pretty):
    from bench.fuzz_campaign import check_fix

    suffix, data = fuzzing.dataset(fuzzing.RandomPick(0), lines, "json-pretty" if pretty else "json")
    path = _write(tmp_path_factory.mktemp("fix"), f"data.{suffix}", data)
    before = sftlint.lint(str(path), select=["ALL"])
    problems: list[str] = []
    if any(d.fix is not None and d.record is not None for d in before):
        check_fix(path, before, problems)
    assert not problems, problems
