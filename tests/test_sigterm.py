"""A SIGTERM ends a check; a rule that raises SystemExit itself is only that rule failing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from conftest import chat

import sftlint
from sftlint.config import Settings
from sftlint.diagnostic import Finding
from sftlint.engine import Engine
from sftlint.plugins import build_registry
from sftlint.rule import Rule
from sftlint.signals import Terminated


class _Stopped(Rule):
    """## What it does
    Is interrupted by SIGTERM while it runs."""

    code = "Z911"
    name = "stopped"

    def check(self, record):
        raise Terminated(128 + signal.SIGTERM)


class _Exits(Rule):
    """## What it does
    Calls sys.exit itself."""

    code = "Z912"
    name = "exits"

    def check(self, record):
        raise SystemExit(3)


class _Fine(Rule):
    """## What it does
    Reports every record."""

    code = "Z913"
    name = "fine"

    def check(self, record):
        yield Finding("seen", pointer="")


class _Plugin:
    @staticmethod
    @sftlint.hookimpl
    def sftlint_rules():
        return [_Stopped, _Exits, _Fine]


def _engine(select: list[str]) -> Engine:
    return Engine(Settings(select=select), build_registry(extra_plugins=(_Plugin,)))


def test_a_termination_inside_a_rule_ends_the_run():
    records = [chat(("user", "你好"), ("assistant", "您好"))] * 3
    with pytest.raises(Terminated) as info:
        list(_engine(["Z911", "Z913"]).lint_objects(records))
    assert info.value.code == 128 + signal.SIGTERM


def test_a_rule_calling_sys_exit_is_a_crash_and_the_run_goes_on():
    records = [chat(("user", "你好"), ("assistant", "您好"))] * 3
    diags = list(_engine(["Z912", "Z913"]).lint_objects(records))
    assert [d.code for d in diags].count("Z913") == 3
    assert sum(d.code == "X001" and "SystemExit" in d.message for d in diags) >= 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_stops_the_cli_mid_check_with_status_143(tmp_path):
    """`kill` while `sftlint check` reads a big file: the process ends with 128 + 15, and no
    rule is reported as crashed (it was: X001 'rule T009 crashed: SystemExit: 143', and the
    check went on to the end)."""
    path = tmp_path / "big.jsonl"
    line = json.dumps({"messages": [{"role": "user", "content": "你好，请问怎么退款"}]}, ensure_ascii=False)
    path.write_text((line + "\n") * 150_000, encoding="utf-8")  # S005 on every record
    proc = subprocess.Popen(
        [sys.executable, "-m", "sftlint", "check", str(path), "--jobs", "1", "--output-format", "json-lines"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # findings stream out while the file is read
    assert b'"S005"' in first
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM
    assert b"X001" not in out and b"crashed" not in err
    assert out.count(b"\n") < 150_000 - 1  # it stopped; it did not lint to the end
