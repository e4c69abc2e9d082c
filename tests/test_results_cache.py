"""The results cache: an unchanged run is answered from disk, and only an unchanged one.

Every test runs the real CLI on real-looking records with its own cache directory.  The
suite as a whole runs with ``SFTLINT_NO_CACHE=1`` (tests/conftest.py), since many tests patch
code in-process, which a cache keyed by files cannot see; these tests turn it back on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sftlint
from sftlint import cli, plugins, results_cache
from sftlint.config import Settings
from sftlint.engine import Engine
from sftlint.plugins import build_registry
from tests.conftest import chat, run_cli, write_jsonl

SYSTEM = "你是客服助手。请按 思考：/行动：/观察： 的格式回答。"


def _records(n: int = 6, *, typo: bool = False) -> list[dict]:
    out = []
    for i in range(n):
        reply = f"思考：用户问第{i}个订单。\n行动：查询订单\n观察：订单已发货。"
        if typo and i == 2:
            reply = ""  # an empty assistant turn
        out.append(chat(("user", f"我的第{i}个订单到哪里了？"), ("assistant", reply), system=SYSTEM))
    out.append(out[0])  # an exact duplicate, a dataset-level finding
    return out


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv(results_cache.ENV_OFF, raising=False)
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "results"


@pytest.fixture
def data(tmp_path) -> Path:
    return write_jsonl(tmp_path / "train.jsonl", _records(typo=True))


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("run-*.bin")) if cache.is_dir() else []


def _no_linting(monkeypatch) -> None:
    """Make any real linting fail loudly, so a run that succeeds was answered from the cache."""

    def refuse(*args, **kwargs):
        raise AssertionError("linted although the run was stored")

    monkeypatch.setattr(cli, "_iter_with_sources", refuse)


def test_an_unchanged_run_is_replayed_exactly(cache, data, monkeypatch):
    first = run_cli("check", data, "--output-format", "json")
    assert first.code == 1, first
    assert len(_entries(cache)) == 1
    _no_linting(monkeypatch)
    again = run_cli("check", data, "--output-format", "json")
    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)
    codes = {d["code"] for d in first.json()}
    assert {"D001"} <= codes  # the dataset-level finding comes back too


def test_the_report_format_does_not_matter_but_the_counts_do(cache, data, monkeypatch):
    run_cli("check", data, "--output-format", "json")
    full = run_cli("check", data, "--no-cache")
    _no_linting(monkeypatch)
    replayed = run_cli("check", data)
    assert replayed.out == full.out  # the summary's record and file counts included
    assert "in 7 records of 1 file" in replayed.out


@pytest.mark.parametrize(
    "change",
    ["input byte", "select", "ignore", "rule option", "another file", "fail-on only"],
)
def test_what_the_findings_depend_on_is_in_the_key(cache, data, tmp_path, change):
    base = ["check", data]
    report = ["--output-format", "json-lines"]
    run_cli(*base, *report)
    extra: list[str] = []
    if change == "input byte":
        text = data.read_text(encoding="utf-8").replace("查询订单", "查询物流", 1)
        data.write_text(text, encoding="utf-8")
    elif change == "select":
        extra = ["--select", "S"]
    elif change == "ignore":
        extra = ["--ignore", "D001"]
    elif change == "rule option":
        (tmp_path / "sftlint.toml").write_text("[rules.D003]\nmin-records = 2\n", encoding="utf-8")
        extra = ["--config", tmp_path / "sftlint.toml"]
    elif change == "another file":
        extra = [write_jsonl(tmp_path / "eval.jsonl", _records(2))]
    elif change == "fail-on only":
        extra = ["--fail-on", "warning"]
    second = run_cli(*base, *extra, *report)
    assert second.code in (0, 1), second
    expected = 1 if change == "fail-on only" else 2
    assert len(_entries(cache)) == expected
    fresh = run_cli(*base, *extra, *report, "--no-cache")
    cached = run_cli(*base, *extra, *report)
    assert (cached.code, cached.out) == (fresh.code, fresh.out)


def test_the_contents_of_a_file_an_option_names_are_in_the_key(cache, tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("肾阳虚 5 n\n", encoding="utf-8")
    data = write_jsonl(tmp_path / "med.jsonl", _records(3))
    config = tmp_path / "sftlint.toml"
    config.write_text(f'[rules.T001]\nuser-dict = "{words}"\n', encoding="utf-8")
    run_cli("check", data, "--config", config)
    words.write_text("肾阳虚 5 n\n脾胃虚寒 3 n\n", encoding="utf-8")
    run_cli("check", data, "--config", config)
    assert len(_entries(cache)) == 2


def test_a_dataset_info_beside_the_file_is_in_the_key(cache, tmp_path):
    rows = [{"instruction": "把这句话翻译成英文", "input": "你好", "output": "Hello"}] * 2
    data = tmp_path / "alpaca.json"
    data.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    run_cli("check", data)
    info = {"demo": {"file_name": "alpaca.json", "columns": {"prompt": "instruction", "response": "output"}}}
    (tmp_path / "dataset_info.json").write_text(json.dumps(info), encoding="utf-8")
    run_cli("check", data)
    assert len(_entries(cache)) == 2


def test_a_plugins_code_is_in_the_key(cache, tmp_path, monkeypatch):
    """Editing a plugin's module (a rule's logic) must not be answered with the old findings."""
    module = tmp_path / "plug_rc" / "__init__.py"
    module.parent.mkdir()
    source = textwrap.dedent(
        """
        import sftlint
        from sftlint.diagnostic import Finding
        from sftlint.rule import Rule

        class Shouty(Rule):
            '''## What it does
            Flags replies with an exclamation mark.'''

            code = "Z771"
            name = "shouty"

            def check(self, record):
                for i, m in enumerate(record.messages):
                    if "{mark}" in m.content:
                        yield Finding("shouting", pointer=f"/messages/{{i}}/content")

        @sftlint.hookimpl
        def sftlint_rules():
            return [Shouty]
        """
    )
    module.write_text(source.format(mark="！"), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import plug_rc

    registry = build_registry(extra_plugins=(plug_rc,))
    engine = Engine(Settings(select=["Z771"]), registry)
    data = write_jsonl(tmp_path / "t.jsonl", _records(2))
    key = results_cache.run_key(engine, [str(data)])
    assert key == results_cache.run_key(engine, [str(data)])
    module.write_text(source.format(mark="?"), encoding="utf-8")
    os.utime(module, ns=(module.stat().st_atime_ns, module.stat().st_mtime_ns + 1_000_000_000))
    assert results_cache.run_key(engine, [str(data)]) != key


def test_the_key_does_not_depend_on_the_hash_seed(tmp_path):
    """Rule options hold sets; their order changes with PYTHONHASHSEED, the key must not."""
    data = write_jsonl(tmp_path / "t.jsonl", _records(2))
    program = (
        "import sys; from sftlint.engine import Engine; from sftlint import results_cache as r; "
        "print(r.run_key(Engine(), [sys.argv[1]]))"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", program, str(data)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(keys) == 1 and len(next(iter(keys))) == 64


def test_canonical_form_ignores_set_and_dict_order():
    a = results_cache.canonical({"x": {"b", "a", "c"}, "y": [1, {"k": 2, "j": 3}]})
    b = results_cache.canonical({"y": [1, {"j": 3, "k": 2}], "x": {"c", "a", "b"}})
    assert a == b and repr(a) == repr(b)
    assert results_cache.canonical([1, 2]) != results_cache.canonical([2, 1])


def test_off_switches(cache, data, monkeypatch):
    run_cli("check", data, "--no-cache")
    assert _entries(cache) == []
    monkeypatch.setenv(results_cache.ENV_OFF, "1")
    run_cli("check", data)
    assert _entries(cache) == []
    monkeypatch.setenv(results_cache.ENV_OFF, "0")
    run_cli("check", data)
    assert len(_entries(cache)) == 1


def test_standard_input_is_never_stored(cache, data):
    result = run_cli("check", "-", stdin=data.read_bytes())
    assert result.code == 1
    assert _entries(cache) == []


def test_a_pipe_is_read_once_and_never_stored(cache, data, tmp_path):
    """``sftlint check <(zcat train.jsonl.gz)``: hashing a pipe would consume what the run reads
    (the run then found no records, or waited forever for a second writer)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # S and D only: a fresh process in a fresh cache folder would otherwise build T001's model
    command = [
        sys.executable,
        "-m",
        "sftlint",
        "check",
        str(fifo),
        "--output-format",
        "json",
        "--select",
        "S,D",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open(fifo, "wb") as fh:  # blocks until the run opens the pipe
        fh.write(data.read_bytes())
    out, err = proc.communicate(timeout=120)
    fresh = run_cli("check", data, "--output-format", "json", "--no-cache", "--select", "S,D")
    assert [d["code"] for d in json.loads(out)] == [d["code"] for d in fresh.json()], err
    assert "D001" in out.decode()
    assert _entries(cache) == []


def test_a_run_with_a_crashed_rule_is_not_stored(cache, data, monkeypatch):
    class Crashes(sftlint.Rule):
        """## What it does
        Fails on every record."""

        code = "Z772"
        name = "crashes"

        def check(self, record):
            raise RuntimeError("boom")

    class Plugin:
        @staticmethod
        @sftlint.hookimpl
        def sftlint_rules():
            return [Crashes]

    monkeypatch.setattr(plugins, "default_registry", lambda: build_registry(extra_plugins=(Plugin,)))
    result = run_cli("check", data, "--select", "Z772,S")
    assert result.code == 2 and "Z772" in result.out + result.err
    assert _entries(cache) == []
    assert not list(cache.glob("*.tmp"))


def test_a_report_cut_short_is_not_stored(cache, data):
    """The consumer went away after the first diagnostic (a closed pipe): no entry, no temp file."""
    import argparse

    engine = Engine(Settings())
    args = argparse.Namespace(no_cache=False, engine="local", jobs=1)
    stream = cli._diagnostics(engine, [str(data)], args, [])
    next(stream)
    stream.close()
    assert _entries(cache) == []
    assert not list(cache.glob("*.tmp"))


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "foreign key"])
def test_a_damaged_entry_is_a_miss_and_is_replaced(cache, data, damage):
    first = run_cli("check", data, "--output-format", "json")
    (entry,) = _entries(cache)
    raw = bytearray(entry.read_bytes())
    if damage == "flip a byte":
        raw[len(raw) // 2] ^= 0xFF
    elif damage == "truncate":
        raw = raw[: len(raw) - 10]
    else:
        raw[len(results_cache.MAGIC)] ^= 0x01  # the key stored in the entry
    entry.write_bytes(bytes(raw))
    again = run_cli("check", data, "--output-format", "json")
    assert (again.code, again.out) == (first.code, first.out)
    (rewritten,) = _entries(cache)
    assert rewritten.read_bytes() != bytes(raw)


def test_the_directory_stays_bounded(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(results_cache, "KEEP", 2)
    for i in range(4):
        run_cli("check", write_jsonl(tmp_path / f"d{i}.jsonl", _records(i + 2)))
    kept = _entries(cache)
    assert len(kept) == 2
    monkeypatch.setattr(results_cache, "MAX_ENTRY_BYTES", 200)
    run_cli("check", write_jsonl(tmp_path / "big.jsonl", _records(8, typo=True)))
    assert _entries(cache) == kept  # too big to keep: not stored, nothing else evicted
    assert not list(cache.glob("*.tmp"))


def test_clean_empties_the_cache(cache, data):
    run_cli("check", data)
    assert _entries(cache)
    result = run_cli("clean")
    assert result.code == 0 and "Removed 1 stored run" in result.out
    assert _entries(cache) == []


def test_clean_says_what_it_could_not_remove_and_fails(cache, data):
    """An entry ``clean`` cannot delete (here a folder in its place; a read-only cache alike)
    is named and the exit code is 2: a script that cleans before a timing must not go on as if
    the cache were empty."""
    run_cli("check", data)
    stuck = cache / ("file-" + "0" * 40 + ".bin")
    stuck.mkdir()
    (stuck / "x").write_text("x")
    result = run_cli("clean")
    assert result.code == 2, result
    assert "Removed 1 stored run" in result.out
    assert stuck.name in result.err and "could not remove 1 entry" in result.err
    assert _entries(cache) == []


def test_clean_of_a_cache_that_is_not_a_folder_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "results").write_text("not a folder")
    result = run_cli("clean")
    assert result.code == 2 and "results" in result.err and "Traceback" not in result.err
    (tmp_path / "cache" / "results").unlink()  # a missing folder is simply empty
    assert run_cli("clean").code == 0


def test_a_replay_survives_another_run_pruning_the_entry(cache, data):
    """Two runs share the directory: one may prune or replace an entry the other is replaying."""
    first = run_cli("check", data, "--output-format", "json")
    engine = Engine(Settings())
    stored = results_cache.ResultsCache(results_cache.run_key(engine, [str(data)]), cache).load()
    assert stored is not None and stored.count == len(first.json())
    for entry in _entries(cache):
        entry.unlink()
    replayed = [d.code for d in stored.diagnostics()]
    assert replayed == [d["code"] for d in first.json()]
    assert stored.fh.closed


def test_a_plugin_that_only_answers_a_hook_is_in_the_key(cache, tmp_path, monkeypatch):
    """A plugin without rules or formats still changes findings through sftlint_detect_format."""
    module = tmp_path / "detect_rc.py"
    source = textwrap.dedent(
        """
        import sftlint

        @sftlint.hookimpl
        def sftlint_detect_format(sample, path, formats):
            return {answer!r}
        """
    )
    module.write_text(source.format(answer=None), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import detect_rc

    engine = Engine(Settings(), build_registry(extra_plugins=(detect_rc,)))
    data = write_jsonl(tmp_path / "t.jsonl", _records(2))
    key = results_cache.run_key(engine, [str(data)])
    module.write_text(source.format(answer="sharegpt"), encoding="utf-8")
    os.utime(module, ns=(module.stat().st_atime_ns, module.stat().st_mtime_ns + 1_000_000_000))
    assert results_cache.run_key(engine, [str(data)]) != key


def test_a_deleted_working_directory_means_no_key(tmp_path, monkeypatch):
    data = write_jsonl(tmp_path / "t.jsonl", _records(2))
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert results_cache.run_key(Engine(Settings()), [str(data)]) is None


def test_an_option_naming_a_folder_costs_a_listing_not_a_walk(tmp_path):
    """Option values are strings: one spelled like a big data folder must not walk it."""
    folder = tmp_path / "data"
    (folder / "deep").mkdir(parents=True)
    (folder / "deep" / "big.jsonl").write_text("{}\n")
    before = results_cache._path_fingerprint(str(folder))
    (folder / "deep" / "big.jsonl").write_text("{}\n{}\n")
    assert results_cache._path_fingerprint(str(folder)) == before
    (folder / "words.txt").write_text("肾阳虚\n", encoding="utf-8")
    assert results_cache._path_fingerprint(str(folder)) != before


def test_show_settings_says_whether_the_cache_answers(cache, data, monkeypatch):
    on = run_cli("check", data, "--show-settings")
    assert f"results cache: on, {cache}" in on.out
    assert "off (--no-cache)" in run_cli("check", data, "--show-settings", "--no-cache").out
    monkeypatch.setenv(results_cache.ENV_OFF, "1")
    assert "results cache: off (SFTLINT_NO_CACHE=1)" in run_cli("check", data, "--show-settings").out


def test_an_unusable_cache_folder_only_costs_the_replay(tmp_path, data, monkeypatch):
    """A cache directory that cannot be created (here: a file is in the way) is not an error."""
    monkeypatch.delenv(results_cache.ENV_OFF, raising=False)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(blocker))
    result = run_cli("check", data, "--output-format", "json")
    fresh = run_cli("check", data, "--output-format", "json", "--no-cache")
    assert (result.code, result.out) == (fresh.code, fresh.out)
    assert "results" not in result.err and "internal error" not in result.err


# -- files of a run stored one by one: only the changed ones are linted again ---------------


def _file_entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("file-*.bin")) if cache.is_dir() else []


def _shards(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    records = _records(9)
    return {
        name: write_jsonl(folder / f"{name}.jsonl", records[k * 3 : k * 3 + 3])
        for k, name in enumerate(("a", "b", "c"))
    }


def _linted_paths(monkeypatch) -> list[str]:
    """Record the files this process lints (the serial run)."""
    seen: list[str] = []
    real = Engine.lint_path

    def spy(self, path):
        seen.append(os.path.basename(path))
        return real(self, path)

    monkeypatch.setattr(Engine, "lint_path", spy)
    return seen


def test_only_the_changed_file_of_a_run_is_linted_again(cache, tmp_path, monkeypatch):
    shards = _shards(tmp_path / "data")
    folder = str(tmp_path / "data")
    run_cli("check", folder, "--output-format", "json")
    assert len(_file_entries(cache)) == 3 and len(_entries(cache)) == 1
    # c gains a copy of a record of a: a duplicate across files, found with a replayed
    copied = shards["a"].read_text(encoding="utf-8").splitlines()[1]
    with shards["c"].open("a", encoding="utf-8") as fh:
        fh.write(copied + "\n")
    linted = _linted_paths(monkeypatch)
    again = run_cli("check", folder, "--output-format", "json")
    assert linted == ["c.jsonl"]
    fresh = run_cli("check", folder, "--output-format", "json", "--no-cache")
    assert (again.code, again.out) == (fresh.code, fresh.out)
    dup = [d for d in again.json() if d["code"] == "D001"]
    assert any(d["path"].endswith("c.jsonl") and "a.jsonl" in d["message"] for d in dup), dup


def test_a_stored_file_does_not_lean_on_the_files_before_it(cache, tmp_path, monkeypatch):
    """D004 sends each system prompt's text once per process: b's stored summaries must hold
    the prompt's text although a, linted before it, sent it first (a later run replays b
    after a changed and no longer holds that prompt)."""
    folder = tmp_path / "data"
    folder.mkdir()
    main, drifted, other = SYSTEM, SYSTEM.replace("客服助手", "售后助手"), "你是翻译助手。"
    turns = (("user", "我的订单到哪里了？"), ("assistant", "思考：查询。\n行动：查询订单\n观察：已发货。"))
    a = write_jsonl(folder / "a.jsonl", [chat(*turns, system=main)] * 2)
    write_jsonl(folder / "b.jsonl", [chat(*turns, system=main)] * 5 + [chat(*turns, system=drifted)])
    run_cli("check", str(folder), "--select", "D004", "--output-format", "json")
    write_jsonl(a, [chat(*turns, system=other)] * 2)
    linted = _linted_paths(monkeypatch)
    again = run_cli("check", str(folder), "--select", "D004", "--output-format", "json")
    assert linted == ["a.jsonl"]
    fresh = run_cli("check", str(folder), "--select", "D004", "--output-format", "json", "--no-cache")
    assert again.out == fresh.out
    assert "售后" in again.out  # the difference from the dominant prompt is spelt out


def test_parallel_runs_replay_stored_files_in_their_place(cache, tmp_path, monkeypatch):
    from sftlint.run import processes

    # small files go to the workers, and each is cut in ranges
    monkeypatch.setattr(processes, "SERIAL_BELOW_BYTES", 0)
    monkeypatch.setattr(processes, "MIN_RANGE_BYTES", 600)
    monkeypatch.setattr(processes, "RANGES_PER_JOB", 1)
    folder = tmp_path / "data"
    folder.mkdir()
    records = _records(30, typo=True)
    shards = [write_jsonl(folder / f"{k}.jsonl", records[k * 10 : k * 10 + 10]) for k in range(3)]
    run_cli("check", str(folder), "--jobs", "2", "--output-format", "json")
    assert len(_file_entries(cache)) == 3
    stored = set(_file_entries(cache))
    with shards[1].open("a", encoding="utf-8") as fh:  # the middle file gains a copy of the first's
        fh.write(shards[0].read_text(encoding="utf-8").splitlines()[3] + "\n")
    again = run_cli("check", str(folder), "--jobs", "2", "--output-format", "json")
    assert len(set(_file_entries(cache)) - stored) == 1  # the changed file's own, nothing else
    fresh = run_cli("check", str(folder), "--jobs", "1", "--output-format", "json", "--no-cache")
    assert (again.code, again.out) == (fresh.code, fresh.out)
    assert any(d["code"] == "D001" and d["path"].endswith("1.jsonl") for d in again.json())


def test_a_file_with_a_crashed_rule_is_not_stored_but_the_others_are(cache, tmp_path, monkeypatch):
    class CrashesOnRefunds(sftlint.Rule):
        """## What it does
        Fails on a record that asks for a refund."""

        code = "Z773"
        name = "crashes-on-refunds"

        def check(self, record):
            if "退款" in json.dumps(record.data, ensure_ascii=False):
                raise RuntimeError("boom")
            return ()

    class Plugin:
        @staticmethod
        @sftlint.hookimpl
        def sftlint_rules():
            return [CrashesOnRefunds]

    monkeypatch.setattr(plugins, "default_registry", lambda: build_registry(extra_plugins=(Plugin,)))
    shards = _shards(tmp_path / "data")
    write_jsonl(shards["b"], [chat(("user", "我要退款"), ("assistant", "好的。"))])
    result = run_cli("check", str(tmp_path / "data"), "--select", "Z773,S")
    assert result.code == 2
    assert len(_file_entries(cache)) == 2 and _entries(cache) == []
    assert not list(cache.glob("*.tmp"))


def test_file_entries_stay_bounded_and_clean_removes_them(cache, tmp_path, monkeypatch):
    """Past FILE_KEEP, the file entries of earlier runs go first; the entries the run itself
    used stay (see the next test), and `sftlint clean` removes everything."""
    monkeypatch.setattr(results_cache, "FILE_KEEP", 2)
    _shards(tmp_path / "data")
    run_cli("check", str(tmp_path / "data"))
    first = _file_entries(cache)
    assert len(first) == 3  # the run's own three, though over the bound
    (tmp_path / "other").mkdir()
    for k in range(2):
        write_jsonl(
            tmp_path / "other" / f"x{k}.jsonl",
            [chat(("user", f"另一个问题{k}"), ("assistant", "另一个回答。"))],
        )
    run_cli("check", str(tmp_path / "other"))
    left = _file_entries(cache)
    assert len(left) == 2 and not set(left) & set(
        first
    )  # the new run's two; the old ones past the bound went
    cleaned = run_cli("clean")
    assert cleaned.code == 0 and "Removed 2 stored runs and 2 stored files" in cleaned.out
    assert _file_entries(cache) == [] and _entries(cache) == []


def test_a_run_over_more_shards_than_the_bound_is_replayed_whole_next_time(cache, tmp_path, monkeypatch):
    """A run over more files than FILE_KEEP evicted its own first entries (the folder was pruned
    to the bound as it went), so every later run linted about half its files again.  The
    entries a run stored or replayed are kept now, and the folder is scanned as the run's
    entries double, not every few entries (a first run over a thousand shards did a million
    stats when each entry pruned)."""
    monkeypatch.setattr(results_cache, "PRUNE_EVERY_FILES", 4)
    monkeypatch.setattr(results_cache, "FILE_KEEP", 5)
    monkeypatch.setattr(results_cache, "_unpruned", [0, 0, 0])
    scans = []
    real_prune = results_cache.prune
    monkeypatch.setattr(results_cache, "prune", lambda *a, **k: (scans.append(1), real_prune(*a, **k)))
    folder = tmp_path / "many"
    folder.mkdir()
    for k in range(20):
        write_jsonl(folder / f"part-{k:02d}.jsonl", [chat(("user", f"问题{k}"), ("assistant", f"回答{k}。"))])
    first = run_cli("check", str(folder), "--output-format", "json")
    assert len(scans) == 4  # at 4 entries, 4 more (as many as the run had used), 8 more, and the run's own
    assert len(_file_entries(cache)) == 20 and len(_entries(cache)) == 1
    # one shard changed: the run's key changes, every other shard is replayed from its entry
    write_jsonl(folder / "part-07.jsonl", [chat(("user", "改过的问题"), ("assistant", "改过的回答。"))])
    linted = _linted_paths(monkeypatch)
    again = run_cli("check", str(folder), "--output-format", "json")
    assert again.code == first.code and [os.path.basename(p) for p in linted] == ["part-07.jsonl"]


def test_a_parallel_run_is_stored_as_its_workers_packed_it(cache, tmp_path, monkeypatch):
    """With --jobs the run's entry takes each range's diagnostics as the worker packed them,
    between the ones the main process adds itself (a replayed file's, the dataset rules')."""
    from sftlint.run import processes

    monkeypatch.setattr(processes, "SERIAL_BELOW_BYTES", 0)
    monkeypatch.setattr(processes, "MIN_RANGE_BYTES", 600)
    monkeypatch.setattr(processes, "RANGES_PER_JOB", 1)
    data = write_jsonl(tmp_path / "train.jsonl", _records(40, typo=True))
    first = run_cli("check", data, "--jobs", "2", "--output-format", "json")
    fresh = run_cli("check", data, "--jobs", "1", "--output-format", "json", "--no-cache")
    assert (first.code, first.out) == (fresh.code, fresh.out)
    assert len(_entries(cache)) == 1
    _no_linting(monkeypatch)
    again = run_cli("check", data, "--output-format", "json")
    assert (again.code, again.out) == (first.code, first.out)
    assert {"D001", "S003"} <= {d["code"] for d in again.json()}


def test_a_run_of_several_files_is_replayed_whole(cache, tmp_path, monkeypatch):
    """The run's entry of a serial run of several files holds the batches each file packed for
    its own entry (written once, stored twice), and the dataset findings after them."""
    folder = tmp_path / "data"
    folder.mkdir()
    records = _records(9, typo=True)  # an empty reply: a finding in a record
    for k in range(3):
        write_jsonl(folder / f"{k}.jsonl", records[k * 3 : k * 3 + 3] + records[:1])
    first = run_cli("check", str(folder), "--output-format", "json")
    codes = [d["code"] for d in first.json()]
    assert "D001" in codes and any(not c.startswith("D") for c in codes)
    _no_linting(monkeypatch)
    again = run_cli("check", str(folder), "--output-format", "json")
    assert (again.code, again.out) == (first.code, first.out)


def test_a_worker_moving_to_another_file_sends_its_prompts_again(tmp_path):
    """What a --jobs worker gives the dataset rules for a file does not lean on another file it
    read before: D004's prompt texts are sent again (the file's stored summaries need them)."""
    from sftlint.run import processes
    from sftlint.run.ranges import Range

    turns = (("user", "我的订单到哪里了？"), ("assistant", "思考：查询。\n行动：查询订单\n观察：已发货。"))
    a = write_jsonl(tmp_path / "a.jsonl", [chat(*turns, system=SYSTEM)] * 2)
    b = write_jsonl(tmp_path / "b.jsonl", [chat(*turns, system=SYSTEM)] * 3)
    settings = Settings(select=["D004"])
    processes._init_worker(settings, False)
    try:
        texts = []
        for path in (a, b, b):
            result = processes._lint_task(Range(0, str(path)))
            texts.append(sorted(result["summaries"]["D004"].texts.values()))
        assert texts[0] == texts[1] == [SYSTEM]  # sent again for b
        assert texts[2] == []  # the same file again: once is enough
    finally:
        processes._WORKER.clear()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_entry_gone_by_its_turn_means_the_file_is_linted(cache, tmp_path, monkeypatch, jobs):
    """Entries are verified at their turn, not held open from the start (a run of a thousand
    stored shards would hold a thousand files open): one pruned meanwhile is linted instead."""
    from sftlint.run import processes

    monkeypatch.setattr(processes, "SERIAL_BELOW_BYTES", 0)
    monkeypatch.setattr(processes, "MIN_RANGE_BYTES", 600)
    shards = _shards(tmp_path / "data")
    with shards["c"].open("a", encoding="utf-8") as fh:
        fh.write(shards["a"].read_text(encoding="utf-8").splitlines()[0] + "\n")
    folder = str(tmp_path / "data")
    run_cli("check", folder, "--jobs", jobs, "--output-format", "json")
    with shards["b"].open("a", encoding="utf-8") as fh:  # b changed: linted (by workers with --jobs 2)
        fh.write(shards["b"].read_text(encoding="utf-8").splitlines()[0] + "\n")
    real = results_cache.FileResults.load

    def pruned(self, path):
        return None if path.endswith("a.jsonl") else real(self, path)

    monkeypatch.setattr(results_cache.FileResults, "load", pruned)
    again = run_cli("check", folder, "--jobs", jobs, "--output-format", "json")
    fresh = run_cli("check", folder, "--jobs", "1", "--output-format", "json", "--no-cache")
    assert (again.code, again.out) == (fresh.code, fresh.out)
    assert any(d["code"] == "D001" for d in again.json())


def test_engine_ray_without_ray_is_not_answered_from_the_cache(cache, data):
    """An answer from the cache is the one the run would give (configuration.md); a run on Ray
    without Ray installed gives exit 2 and says what to install, cached findings or not."""
    import importlib.util

    if importlib.util.find_spec("ray") is not None:
        pytest.skip("Ray is installed here")
    assert run_cli("check", data).code == 1 and len(_entries(cache)) == 1
    r = run_cli("check", data, "--engine", "ray")
    assert r.code == 2 and "pip install 'sftlint[ray]'" in r.err, r


# -- a hostile environment: inputs that change while the run reads them --------------------


def _changed_while_linted(monkeypatch, path: Path, new: bytes) -> None:
    """Rewrite ``path`` with ``new`` just before the run lints it (after its key was taken), as
    an editor saving or a checkout does during a pre-commit hook's run."""
    real = Engine.lint_path

    def rewrite_then_lint(self, p):
        if os.path.basename(p) == path.name:
            path.write_bytes(new)
        return real(self, p)

    monkeypatch.setattr(Engine, "lint_path", rewrite_then_lint)


@pytest.mark.parametrize("files", ["one", "several"])
def test_a_file_rewritten_while_linted_is_not_stored_under_its_old_bytes(cache, tmp_path, monkeypatch, files):
    """The key holds the bytes hashed before linting; findings of other bytes stored under it
    would be replayed for the old bytes when they come back (a branch checked out again)."""
    shards = _shards(tmp_path / "data")
    target = shards["b"]
    old = target.read_bytes()
    new = old + shards["a"].read_bytes()  # b now repeats a: duplicates across files
    argv = [str(tmp_path / "data")] if files == "several" else [str(target)]
    with monkeypatch.context() as m:
        _changed_while_linted(m, target, new)
        run_cli("check", *argv, "--output-format", "json")
    target.write_bytes(old)  # the old bytes are back
    again = run_cli("check", *argv, "--output-format", "json")
    fresh = run_cli("check", *argv, "--output-format", "json", "--no-cache")
    assert (again.code, again.out) == (fresh.code, fresh.out)


def test_an_entry_damaged_in_place_during_its_replay_is_a_clear_error(cache, data, monkeypatch):
    """sftlint only renames entries into place, but another program may write into one
    between its verification and its replay: exit 2 with what happened, not "internal error"."""
    run_cli("check", data)
    real = results_cache.ResultsCache.load

    def load_then_damage(self):
        found = real(self)
        if found is not None:
            raw = bytearray(self.path.read_bytes())
            raw[len(raw) // 2] ^= 1
            with open(self.path, "r+b") as fh:  # in place: the open entry sees it
                fh.write(raw)
        return found

    monkeypatch.setattr(results_cache.ResultsCache, "load", load_then_damage)
    result = run_cli("check", data)
    assert result.code == 2, result
    assert "changed by another program while it was replayed" in result.err
    assert "internal error" not in result.err


def test_an_entry_anyone_could_have_written_is_a_miss(cache, data):
    """A stored entry is unpickled: one that anyone may write (a cache directory under /tmp)
    could have been planted.  It is linted again and stored anew (the new file is the run's)."""
    first = run_cli("check", data, "--output-format", "json", "--select", "S,D")
    (entry,) = _entries(cache)
    entry.chmod(0o666)
    again = run_cli("check", data, "--output-format", "json", "--select", "S,D")
    assert (again.code, again.out) == (first.code, first.out)
    (entry,) = _entries(cache)
    assert not entry.stat().st_mode & 0o002  # replaced by this run's own entry, not replayed


def test_a_fifo_in_an_entrys_place_is_a_miss_not_a_hang(cache, data, tmp_path):
    """Opening a FIFO for reading waits for a writer: an entry (or another cache file) that is
    one made every run hang.  It is refused as not a regular file."""
    assert run_cli("check", data, "--select", "S,D").code == 1
    (entry,) = _entries(cache)
    entry.unlink()
    os.mkfifo(entry)
    env = {**os.environ, "SFTLINT_CACHE_DIR": str(cache.parent)}
    env.pop(results_cache.ENV_OFF, None)
    command = [
        sys.executable,
        "-m",
        "sftlint",
        "check",
        str(data),
        "--output-format",
        "json",
        "--select",
        "S,D",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    fresh = run_cli("check", data, "--output-format", "json", "--no-cache", "--select", "S,D")
    assert (proc.returncode, out.decode()) == (fresh.code, fresh.out), err
