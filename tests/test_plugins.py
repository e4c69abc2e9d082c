"""Third-party plugins: installed from their own directory, listed, run; failures isolated."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from conftest import ROOT, chat, write_jsonl

from sftlint import hookimpl
from sftlint.config import Settings
from sftlint.engine import Engine, iter_diagnostics
from sftlint.plugins import build_registry
from sftlint.rule import Rule

EXAMPLE = ROOT / "tests" / "plugin_example"


def pip_install_target(project: Path, target: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(project),
        ],
        check=True,
    )


def sftlint(target: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(target))
    return subprocess.run(
        [sys.executable, "-m", "sftlint.cli", *args], env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def example_installed(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    pip_install_target(EXAMPLE, target)
    return target


@pytest.mark.slow
def test_installed_plugin_rule_is_listed_and_fires(example_installed, tmp_path):
    listed = sftlint(example_installed, "rules")
    assert listed.returncode == 0, listed.stderr
    assert "P001" in listed.stdout and "ai-disclaimer" in listed.stdout
    plugins = sftlint(example_installed, "plugins").stdout
    assert "sftlint-example-plugin 1.2.0" in plugins
    lines = {line.split()[0]: line for line in plugins.splitlines()}
    assert any(line.endswith("(1 rule)") for line in lines.values()), plugins  # P001, one rule
    # the distribution column is padded: the versions start in one column
    starts = {line.index(" 0.1.0") for name, line in lines.items() if " 0.1.0 " in line}
    assert len(starts) == 1, plugins
    data = write_jsonl(
        tmp_path / "d.jsonl",
        [
            chat(("user", "能帮我订票吗？"), ("assistant", "作为一个AI，我无法为您订票。")),
            chat(("user", "能帮我订票吗？"), ("assistant", "抱歉，目前不支持在线订票。")),
        ],
    )
    r = sftlint(example_installed, "check", "--output-format", "tsv", "--ignore", "D003", str(data))
    assert r.returncode == 0, r.stderr  # a warning does not fail
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert [(row[1], row[3]) for row in rows] == [("1", "P001")]
    assert sftlint(example_installed, "rule", "P001").stdout.startswith("# P001 ai-disclaimer")


@pytest.mark.slow
def test_plugin_that_fails_to_import_is_reported_not_fatal(tmp_path):
    project = tmp_path / "broken"
    (project / "broken_plugin").mkdir(parents=True)
    (project / "broken_plugin" / "__init__.py").write_text("raise RuntimeError('oops at import')\n")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "broken-plugin"\nversion = "0.0.1"\n'
        '[project.entry-points.sftlint]\nbroken = "broken_plugin"\n'
        '[tool.setuptools]\npackages = ["broken_plugin"]\n'
    )
    target = tmp_path / "site"
    pip_install_target(project, target)
    data = write_jsonl(tmp_path / "d.jsonl", [chat(("user", "在吗"))])
    r = sftlint(target, "check", "--output-format", "concise", str(data))
    assert r.returncode == 2
    assert "broken" in r.stderr and "oops at import" in r.stderr and "Traceback" not in r.stderr
    assert "S005" in r.stdout  # the built-in rules still ran


class Crashy(Rule):
    """## What it does
    Crashes on records mentioning 炸弹 (a test double for a buggy third-party rule)."""

    code = "Z901"
    name = "crashy"

    def check(self, record):
        for m in record.messages or ():
            if "炸弹" in m.content:
                raise ValueError("boom")
        return ()


class DuplicateCode(Rule):
    code = "S001"
    name = "my-schema"


def test_crashing_rule_becomes_a_diagnostic_and_the_run_goes_on():
    plugin = types.SimpleNamespace(sftlint_rules=hookimpl(lambda: [Crashy]))
    registry = build_registry(extra_plugins=(plugin,))
    engine = Engine(Settings(select=["Z901", "S005"]), registry)
    records = [chat(("user", "炸弹"), ("assistant", "?")), chat(("user", "你好"))]
    diags = list(iter_diagnostics(engine, [records]))
    assert [(d.code, d.record) for d in diags] == [("X001", 0), ("S005", 1)]
    assert (
        "Z901" in diags[0].message
        and "record 0" in diags[0].message
        and "ValueError: boom" in diags[0].message
    )
    assert engine.errors  # the CLI turns this into exit code 2


class _Gated(Rule):
    """## What it does
    Reports records mentioning 退款; a plugin family whose gate is quiet on the others (or,
    in the test, raises)."""

    family = "refund-words"
    gate_raises = False

    @classmethod
    def family_gate(cls, rules):
        def quiet(record):
            if cls.gate_raises:
                raise RuntimeError("gate bug")
            return not any("退款" in m.content for m in record.messages or ())

        return quiet

    def check(self, record):
        if any("退款" in m.content for m in record.messages or ()):
            yield self.finding(f"{self.code} sees a refund", pointer="")


class GatedA(_Gated):
    code = "Z911"
    name = "gated-a"


class GatedB(_Gated):
    code = "Z912"
    name = "gated-b"


@pytest.mark.parametrize("raises", [False, True])
def test_a_plugin_family_gate_skips_quiet_records_and_a_failing_gate_skips_nothing(monkeypatch, raises):
    monkeypatch.setattr(_Gated, "gate_raises", raises)
    plugin = types.SimpleNamespace(sftlint_rules=hookimpl(lambda: [GatedA, GatedB]))
    engine = Engine(Settings(select=["Z911", "Z912"]), build_registry(extra_plugins=(plugin,)))
    ((gate, members),) = engine.record_units
    assert gate is not None and [r.code for r in members] == ["Z911", "Z912"]
    calls = []
    for rule in members:
        check = rule.check
        monkeypatch.setattr(
            rule, "check", lambda record, check=check: calls.append(record.index) or check(record)
        )
    records = [chat(("user", "我要退款")), chat(("user", "你好")), chat(("user", "退款到哪了"))]
    diags = list(iter_diagnostics(engine, [records]))
    assert [(d.code, d.record) for d in diags] == [("Z911", 0), ("Z912", 0), ("Z911", 2), ("Z912", 2)]
    assert calls == ([0, 0, 1, 1, 2, 2] if raises else [0, 0, 2, 2])  # the quiet record is skipped
    assert not engine.errors


def test_duplicate_rule_code_is_an_error():
    plugin = types.SimpleNamespace(sftlint_rules=hookimpl(lambda: [DuplicateCode]))
    registry = build_registry(extra_plugins=(plugin,))
    assert registry.rules["S001"].name == "schema-violation"
    assert any("duplicate rule code S001" in e for e in registry.errors)


# -- the entry-point cache ---------------------------------------------------------


def test_entry_points_are_cached_per_environment(monkeypatch, tmp_path):
    """A start reads the entry points from the cache; an install on sys.path (a directory's
    mtime changes) makes a fresh scan."""
    from sftlint import plugins

    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path / "cache"))
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    scans = []
    real_scan = plugins._scan_entry_points

    def counting_scan():
        scans.append(1)
        return real_scan()

    monkeypatch.setattr(plugins, "_scan_entry_points", counting_scan)
    first = plugins.discovered_entry_points()
    assert first[[e[1] for e in first].index("sftlint.rules")][:3] == ("rules", "sftlint.rules", "sftlint")
    assert plugins.discovered_entry_points() == first and len(scans) == 1  # served from the cache
    (site / "newplugin-1.0.dist-info").mkdir()  # what an install does to a site directory
    os.utime(site, ns=(1, 10**18))
    assert plugins.discovered_entry_points() == first and len(scans) == 2
    # the stale one stays among the most recently used lists (another environment may be
    # using it), never more than KEEP_SMALL of them (tests/test_model_cache.py)
    assert len(list((tmp_path / "cache").glob("entry-points-*"))) == 2


def test_a_stale_cache_entry_falls_back_to_the_metadata(monkeypatch, tmp_path):
    from sftlint import plugins
    from sftlint.analysis.text.cache import cache_path, store

    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path))
    real = plugins._scan_entry_points()
    stale = (*real, ("gone", "sftlint_removed_plugin", "removed", "1.0"))
    store(cache_path("entry-points", plugins._environment_key()), stale)
    registry = plugins.build_registry()
    assert registry.errors == []  # the removed plugin is not reported: the metadata no longer has it
    assert "R003" in registry.rules
    assert plugins.discovered_entry_points() == real  # and the cache was rewritten
