"""ruff's CLI conventions, and a CLI that never lies: exit codes through a closed pipe, argument
checks, standard input named for config, settings with their origins, grouped output, a summary
of what dominates a flood of findings, truthful fixable counts, --watch, the progress line."""

from __future__ import annotations

import gzip
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import chat, run_cli, write_jsonl

TWO_USERS = chat(("user", "你好"), ("user", "请问退款怎么办"), ("assistant", "您好，请提供订单号。"))
ZERO_WIDTH = chat(("user", "你好\u200b"), ("assistant", "您好，有什么可以帮您？"))


def _sftlint(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sftlint.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        **kw,
    )


def test_a_closed_pipe_keeps_the_exit_code_truthful(tmp_path):
    """`sftlint check bad.jsonl | head -1`: the reader goes away after one line, errors were found."""
    bad = write_jsonl(tmp_path / "bad.jsonl", [TWO_USERS] * 3000)
    proc = _sftlint("check", "--output-format", "concise", str(bad))
    first = proc.stdout.readline()
    proc.stdout.close()  # what `head -1` does after its line
    proc.wait(timeout=120)
    err = proc.stderr.read().decode()
    assert b"S004" in first
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "Exception ignored" not in err and "internal error" not in err


def test_a_closed_pipe_on_a_clean_file_exits_0(tmp_path):
    ok = write_jsonl(tmp_path / "ok.jsonl", [chat(("user", "你好"), ("assistant", "您好！"))] * 60)
    proc = _sftlint("check", "--output-format", "json", str(ok))
    proc.stdout.close()
    proc.wait(timeout=120)
    assert proc.returncode == 0, proc.stderr.read().decode()


@pytest.mark.parametrize("value", ["-3", "two", "1.5"])
def test_jobs_must_be_a_whole_number_of_workers(tmp_path, value):
    f = write_jsonl(tmp_path / "a.jsonl", [TWO_USERS])
    r = run_cli("check", "--jobs", value, f)
    assert r.code == 2
    assert "--jobs" in r.err


def test_stdin_filename_names_standard_input_for_output_and_per_file_ignores(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.sftlint.per-file-ignores]\n"legacy/*.jsonl" = ["S004"]\n')
    monkeypatch.chdir(tmp_path)
    data = (write_jsonl(tmp_path / "x.jsonl", [TWO_USERS])).read_bytes()
    r = run_cli("check", "-", "--stdin-filename", "new/a.jsonl", "--output-format", "json", stdin=data)
    found = [(d["path"], d["code"]) for d in r.json() if d["severity"] != "info"]
    assert found == [("new/a.jsonl", "S004")]
    r = run_cli("check", "-", "--stdin-filename", "legacy/a.jsonl", "--output-format", "json", stdin=data)
    assert [d["code"] for d in r.json() if d["severity"] != "info"] == []
    assert r.code == 0


def test_extend_ignore_adds_to_the_configured_ignore(tmp_path):
    (tmp_path / "sftlint.toml").write_text('ignore = ["S004"]\n')
    f = write_jsonl(tmp_path / "a.jsonl", [TWO_USERS, ZERO_WIDTH])
    r = run_cli("check", "--output-format", "json", f)
    assert sorted({d["code"] for d in r.json()}) == ["D003", "T005"]
    r = run_cli("check", "--extend-ignore", "T005", "--output-format", "json", f)
    assert sorted({d["code"] for d in r.json()}) == ["D003"]


def test_show_settings_says_where_each_value_came_from(tmp_path):
    cfg = tmp_path / "sftlint.toml"
    cfg.write_text('fail-on = "warning"\n[per-file-ignores]\n"old/*.jsonl" = ["S"]\n')
    f = write_jsonl(tmp_path / "a.jsonl", [TWO_USERS])
    r = run_cli("check", "--show-settings", "--select", "S,R", f)
    assert r.code == 0
    lines = {line.split("=")[0].strip(): line for line in r.out.splitlines() if "=" in line}
    assert lines["select"].endswith("# command line") and '["S", "R"]' in lines["select"]
    assert lines["fail-on"].endswith(f"# {cfg}")
    assert lines["per-file-ignores"].endswith(f"# {cfg}")
    assert lines["format"].endswith("# default")
    assert "enabled rules (" in r.out and "R003" in r.out and "T001" not in r.out


def test_grouped_output_has_a_header_per_file(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [TWO_USERS, TWO_USERS])
    b = write_jsonl(tmp_path / "b.jsonl", [ZERO_WIDTH])
    r = run_cli("check", "--output-format", "grouped", "--ignore", "D", a, b)
    lines = r.out.splitlines()
    headers = [line for line in lines if line.endswith(".jsonl:")]
    assert [Path(h[:-1]).name for h in headers] == ["a.jsonl", "b.jsonl"]
    body = [line for line in lines if line.startswith("  ")]
    assert [line.split()[1] for line in body] == ["S004", "S004", "T005"]
    assert body[0].split()[0] == "1:1" or body[0].split()[0].startswith("1:")
    assert r.code == 1


def test_a_flood_of_findings_ends_with_what_dominates_it(tmp_path):
    rows = [
        chat(("user", f"你好{i}"), ("user", f"请问订单{i}怎么退款"), ("assistant", "请提供订单号。"))
        for i in range(60)
    ]
    rows += [chat(("user", f"第{i}个问题\u200b"), ("assistant", "好的，马上为您查询。")) for i in range(5)]
    many = write_jsonl(tmp_path / "many.jsonl", rows)
    r = run_cli("check", "--output-format", "concise", "--ignore", "D", many)
    tail = r.out.splitlines()[-3:]
    assert any(line.startswith("Most findings: S004 role-order 60") for line in tail), tail
    assert any(line.startswith("S004 makes 92% of the findings") for line in tail), tail
    few = write_jsonl(tmp_path / "few.jsonl", [TWO_USERS] * 3)
    assert "Most findings" not in run_cli("check", "--output-format", "concise", few).out


def test_fixable_counts_only_what_fix_could_write(tmp_path):
    plain = write_jsonl(tmp_path / "a.jsonl", [ZERO_WIDTH])
    r = run_cli("check", plain)
    assert "[*] 1 fixable with the `--fix` option." in r.out
    gz = tmp_path / "b.jsonl.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    r = run_cli("check", str(gz))
    assert "T005" in r.out  # found, but --fix cannot rewrite a .gz file: not offered
    assert "fixable with" not in r.out and "[*]" not in r.out


def test_unsafe_fixes_are_counted_with_unsafe_fixes_and_hidden_without(tmp_path):
    f = write_jsonl(tmp_path / "a.jsonl", [chat(("user", "有优惠卷吗"), ("assistant", "有的，下单时可用。"))])
    r = run_cli("check", "--select", "T001", f)
    assert "T001" in r.out
    assert "1 hidden fixes can be enabled with the `--unsafe-fixes` option" in r.out
    r = run_cli("check", "--select", "T001", "--unsafe-fixes", f)
    assert "[*] 1 fixable with the `--fix --unsafe-fixes` options." in r.out


def test_rule_page_in_the_terminal_has_no_html_comment():
    r = run_cli("rule", "R003")
    assert r.code == 0
    assert r.out.startswith("# R003 action-colons")
    assert "<!--" not in r.out


def test_watch_checks_again_when_a_file_changes(tmp_path):
    f = write_jsonl(tmp_path / "a.jsonl", [chat(("user", "你好"), ("assistant", "您好！"))])
    proc = _sftlint("check", "--watch", "--ignore", "D", "--output-format", "concise", str(f), cwd=tmp_path)
    try:
        assert b"All checks passed!" in proc.stdout.readline()
        time.sleep(0.2)
        write_jsonl(f, [TWO_USERS])
        out = b""
        deadline = time.monotonic() + 240  # a loaded CI machine can take a while
        while b"Found 1 error" not in out and time.monotonic() < deadline:  # the second check ended
            out += proc.stdout.readline()
        assert b"changed:" in out and b"S004" in out
        watching = 0
        while watching < 2 and time.monotonic() < deadline:  # the second check has returned
            watching += b"Watching for changes" in proc.stderr.readline()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
    assert proc.returncode == 1  # the last check found an error


def test_watch_sees_the_configuration_of_the_checked_folder(tmp_path, monkeypatch):
    """The configuration is found upward from the first path (configuration.md), so that is
    where --watch must look: it looked upward from the working directory, and a config written
    beside the data, run from elsewhere, went unnoticed."""
    from sftlint.watch import snapshot

    data = tmp_path / "project" / "data"
    data.mkdir(parents=True)
    write_jsonl(data / "a.jsonl", [TWO_USERS])
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    for checked in (str(data), str(data / "a.jsonl")):
        before = snapshot([checked], None)
        (tmp_path / "project" / "sftlint.toml").write_text('ignore = ["S004"]\n')
        assert snapshot([checked], None) != before, checked
        (tmp_path / "project" / "sftlint.toml").unlink()


def test_progress_line_is_wiped_before_report_output_on_the_same_terminal(monkeypatch):
    from sftlint import console

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Tty()  # stdout and stderr on one terminal
    monkeypatch.setattr(console, "PROGRESS_AFTER_S", 0.0)
    progress = console.Progress(1000, stream=screen)
    out = console.ReportStream(screen, progress)
    progress(500)
    assert screen.getvalue().startswith("\r[") and progress.shown
    out.write("a.jsonl:1:1: S004 two user turns in a row\n")
    text = screen.getvalue()
    bar_end = text.index("MB") + 2
    assert text[bar_end:].startswith("\r\x1b[2K" + "a.jsonl:1:1")  # wiped, then the finding
    assert not progress.shown


def test_no_progress_line_for_a_quick_run():
    from sftlint import console

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Tty()
    progress = console.Progress(1000, stream=screen)
    progress(1000)  # within the first second
    assert screen.getvalue() == ""


def test_python_dash_m_sftlint_runs_the_same_cli(tmp_path):
    """`python -m sftlint check FILE` works where the console script is not on PATH."""
    bad = write_jsonl(tmp_path / "bad.jsonl", [TWO_USERS])
    out = subprocess.run(
        [sys.executable, "-m", "sftlint", "check", "--output-format", "concise", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1, out.stderr
    assert "S004" in out.stdout


def test_a_deleted_working_directory_is_a_clear_error_not_an_internal_one(tmp_path):
    """A shell whose directory was removed under it (a cleaned build folder): say so, exit 2."""
    gone = tmp_path / "gone"
    gone.mkdir()
    data = write_jsonl(tmp_path / "a.jsonl", [TWO_USERS])
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import os, sys; os.chdir({str(gone)!r}); os.rmdir({str(gone)!r});"
            "from sftlint.cli import main; sys.exit(main(sys.argv[1:]))",
            "check",
            str(data),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, (out, err)
    assert "current directory no longer exists" in err
    assert "internal error" not in err
