"""The CLI pauses the garbage collector only while its own process starts a check: records are
read, and every other command runs, with the collector on; a caller of ``main(argv)`` keeps its
collector as it is."""

from __future__ import annotations

import gc
import sys

import pytest

from sftlint import cli

RECORD = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello."}]}\n'


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "d.jsonl"
    path.write_text(RECORD, encoding="utf-8")
    threshold = gc.get_threshold()
    yield path
    gc.unfreeze()  # what main() froze of this test process goes back to the collector
    gc.enable()
    gc.set_threshold(*threshold)


def _spy(monkeypatch, name: str) -> list[bool]:
    """Record whether the collector is on each time ``cli.<name>`` is called."""
    seen: list[bool] = []
    real = getattr(cli, name)

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(cli, name, spy)
    return seen


def test_the_records_of_a_check_are_read_with_the_collector_on(data, monkeypatch):
    started = _spy(monkeypatch, "build_parser")
    running = _spy(monkeypatch, "_run")
    monkeypatch.setattr(sys, "argv", ["sftlint", "check", str(data), "-q"])
    assert cli.main() == 0
    assert started == [False]  # the process's own start: paused
    assert running == [True]
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0  # what start-up built is out of the collector's way
    # the records are read with the collector running less often (a record's own short-lived
    # containers die before it runs)
    assert gc.get_threshold()[0] == cli.RECORDS_GC_THRESHOLD


def test_other_commands_keep_the_collectors_thresholds(data, monkeypatch, capsys):
    before = gc.get_threshold()
    monkeypatch.setattr(sys, "argv", ["sftlint", "rules"])
    cli.main()
    assert gc.get_threshold() == before


@pytest.mark.parametrize(
    "argv",
    [["rules"], ["check", "--no-such-option"], ["check", "/no/such/file.jsonl"], []],
    ids=["other-command", "usage-error", "missing-file", "no-command"],
)
def test_every_way_out_leaves_the_collector_on(data, monkeypatch, capsys, argv):
    monkeypatch.setattr(sys, "argv", ["sftlint", *argv])
    cli.main()
    assert gc.isenabled()


def test_commands_other_than_check_run_with_the_collector_on(data, monkeypatch, capsys):
    from sftlint.cli import cmd_rules

    seen = []

    def rules(args):
        seen.append(gc.isenabled())
        return cmd_rules(args)

    monkeypatch.setattr(cli, "cmd_rules", rules)
    monkeypatch.setattr(sys, "argv", ["sftlint", "rules"])
    cli.main()
    assert seen == [True]


def test_a_caller_of_main_with_arguments_keeps_its_collector(data):
    frozen = gc.get_freeze_count()
    threshold = gc.get_threshold()
    assert cli.main(["check", str(data), "-q"]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert gc.get_threshold() == threshold
    gc.disable()
    try:
        assert cli.main(["check", str(data), "-q"]) == 0
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
