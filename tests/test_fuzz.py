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
import signal

import pytest
from conftest import run_cli
from hypothesis import HealthCheck, example, given, settings
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
    diagnostics = sftlint.lint(fuzzing.as_records(lines), select=["ALL"])
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


# -- hostile configuration and plugins -----------------------------------------------------


def _rule_options() -> dict[str, list[str]]:
    from sftlint.plugins import default_registry

    return {
        r.name: sorted(f.replace("_", "-") for f in r.Options.model_fields)
        for r in default_registry().rules.values()
    }


@st.composite
def hostile_config(draw) -> tuple[str, str]:
    return fuzzing.hostile_config(_DrawPick(draw), _rule_options())


@settings(
    max_examples=max(5, EXAMPLES),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=hostile_config())
@example(case=('[tool.sftlint.rules.template-placeholder]\npattern = "(a+)+$"\n', "pattern"))
def test_a_configuration_mistake_is_an_exit_2_message_naming_its_key(tmp_path_factory, case):
    toml, key = case
    folder = tmp_path_factory.mktemp("config")
    (folder / "pyproject.toml").write_text(toml, encoding="utf-8")
    data = _write(folder, "data.jsonl", (json.dumps(fuzzing.BASE[0], ensure_ascii=False) + "\n").encode())
    data.write_text(data.read_text(encoding="utf-8") + fuzzing.REGEX_BAIT + "\n", encoding="utf-8")
    r = run_cli("check", "--select", "ALL", "--no-color", "--output-format", "concise", data)
    assert "Traceback" not in r.err and "internal error" not in r.err, (toml, r)
    assert r.code in (0, 1, 2), (toml, r)
    if r.code == 2:  # a mistake (a value of the right type and range is simply used)
        assert key in r.err, (toml, r.err)


@st.composite
def hostile_plugin(draw):
    return fuzzing.hostile_plugin(_DrawPick(draw))


def _builtin(diagnostics) -> list:
    return [d for d in diagnostics if d.code not in ("Z990", "X001")]


def _builtin_json(diagnostics: list[dict]) -> list[tuple]:
    return [
        (d["code"], d["record"], d["pointer"], d["message"])
        for d in diagnostics
        if d["code"] not in ("Z990", "X001")
    ]


@settings(
    max_examples=max(5, EXAMPLES),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=hostile_plugin())
def test_a_hostile_plugin_is_reported_by_name_and_the_built_in_rules_run(tmp_path_factory, case):
    from sftlint import engine as engine_module
    from sftlint import plugins
    from sftlint.config import Settings
    from sftlint.engine import Engine

    plugin, hook_kind, rule_kind, detect_kind = case
    lines = [json.dumps(r, ensure_ascii=False) for r in fuzzing.BASE[:3]]
    path = _write(tmp_path_factory.mktemp("plugin"), "data.jsonl", ("\n".join(lines) + "\n").encode())
    settings_ = Settings(select=["ALL"], record_time_limit=0.3)
    baseline = _builtin(Engine(settings_, plugins.build_registry()).lint_path(str(path)))
    (path.parent / "sftlint.toml").write_text("record-time-limit = 0.3\n", encoding="utf-8")
    cli_args = ("check", "--select", "ALL", "--output-format", "json", path)
    cli_baseline = _builtin_json(run_cli(*cli_args).json())
    registry = plugins.build_registry(extra_plugins=(plugin,))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine_module, "WARM_UP_SECONDS", 0.1)
        engine = Engine(settings_, registry)
        registered = "Z990" in registry.rules
        if registered and rule_kind == "interrupt":
            # the Python API cannot tell a rule's KeyboardInterrupt from Ctrl-C, and keeps
            # Python's behaviour (the CLI, whose SIGINT handler can, reports the rule below)
            # (under Python's own SIGINT handler: a library or an earlier test may have left
            # another installed, and then the engine rightly takes the rule's as a failure)
            previous = signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                with pytest.raises(KeyboardInterrupt):
                    list(engine.lint_path(str(path)))
            finally:
                if previous is not None:
                    signal.signal(signal.SIGINT, previous)
            rule_kind = "interrupt (CLI)"
            diagnostics = []
        else:
            diagnostics = list(engine.lint_path(str(path)))
            assert _builtin(diagnostics) == baseline, (hook_kind, rule_kind, detect_kind)
        assert registered == (hook_kind in ("fine", "junk-list", "no-code"))
        if not registered or hook_kind != "fine":
            assert registry.errors, hook_kind  # the hook's fault is reported, by plugin
        if registered and rule_kind in ("raise", "exit", "hang", "junk"):
            crashes = [d.message for d in diagnostics if d.code == "X001"]
            assert crashes and all("Z990" in m for m in crashes), (rule_kind, crashes)
        if detect_kind != "none" and rule_kind != "interrupt (CLI)":
            assert engine.errors, detect_kind  # the broken detector is reported
        # through the CLI: the same, and a plugin's failure is exit 2, never a traceback
        mp.setattr(plugins, "default_registry", lambda: registry)
        mp.setattr(engine_module, "default_registry", lambda: registry)
        r = run_cli(*cli_args)
        assert "Traceback" not in r.err, r
        if rule_kind == "interrupt (CLI)":
            assert [d["message"] for d in r.json() if d["code"] == "X001"], r
            assert "KeyboardInterrupt" in r.err and "Z990" in r.err
        assert _builtin_json(r.json()) == cli_baseline
        failed = (
            bool(registry.errors)
            or detect_kind != "none"
            or any(d.code == "X001" for d in diagnostics)
            or rule_kind == "interrupt (CLI)"
        )
        assert r.code == (2 if failed else 1), (hook_kind, rule_kind, detect_kind, r)
        assert "J001" in run_cli("rules").out
