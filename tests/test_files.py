"""File selection as ruff does it: exclude / extend-exclude, .gitignore, and .json files that hold no data."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import chat, run_cli, write_jsonl

from sftlint.files import FileSelection, excludes, expand_paths, holds_dataset
from sftlint.gitignore import GitIgnore, parse

#: a dataset with one failing finding (S004: two user turns in a row) and clean records
RECORDS = [
    chat(("user", "在吗"), ("assistant", "在的，请问有什么可以帮您？")),
    chat(("user", "我想退货"), ("user", "订单号是 123")),
    chat(("user", "运费谁出？"), ("assistant", "七天无理由退货的运费由我们承担。")),
]


def _report(result):
    return sorted((d["code"], d["line"], d["pointer"]) for d in result.json())


def _mixed_folder(root):
    """package.json, tsconfig.json, LLaMA-Factory's dataset_info.json, a JSON Schema, a .gitignore'd
    copy of the dataset, and the dataset itself."""
    write_jsonl(root / "train.jsonl", RECORDS)
    (root / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0", "scripts": {}}))
    (root / "tsconfig.json").write_text(json.dumps({"compilerOptions": {"strict": True}}))
    tags = {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"}
    (root / "dataset_info.json").write_text(
        json.dumps(
            {
                "train": {
                    "file_name": "train.jsonl",
                    "formatting": "sharegpt",
                    "columns": {"messages": "messages"},
                    "tags": {**tags, "system_tag": "system"},
                },
                "elsewhere": {"file_name": "other/data.json"},
            }
        )
    )
    (root / "record.schema.json").write_text(
        json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"})
    )
    (root / "schema.json").write_text(
        json.dumps({"type": "object", "properties": {"messages": {"type": "array"}}})
    )
    (root / "copies").mkdir()
    shutil.copy(root / "train.jsonl", root / "copies" / "train_backup.jsonl")
    (root / ".gitignore").write_text("# backups\ncopies/\n")


def test_a_folder_reports_only_its_dataset_and_exits_as_the_dataset_alone(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    _mixed_folder(folder)
    alone = run_cli("check", folder / "train.jsonl", "--output-format", "json", "--no-color")
    walked = run_cli("check", folder, "--output-format", "json", "--no-color")
    assert walked.code == alone.code == 1, walked
    assert {d["path"] for d in walked.json()} == {str(folder / "train.jsonl")}
    assert _report(walked) == _report(alone)
    assert "S004" in {d["code"] for d in walked.json()}
    assert "D001" not in {d["code"] for d in walked.json()}  # the ignored copy is not read


def test_a_clean_dataset_among_tool_files_exits_zero(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    _mixed_folder(folder)
    write_jsonl(folder / "train.jsonl", [RECORDS[0], RECORDS[2]])
    result = run_cli("check", folder, "--no-color", "--quiet")
    assert result.code == 0, result


def test_no_respect_gitignore_reads_the_ignored_copy(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    _mixed_folder(folder)
    result = run_cli("check", folder, "--output-format", "json", "--no-respect-gitignore")
    paths = {d["path"] for d in result.json()}
    assert str(folder / "copies" / "train_backup.jsonl") in paths
    assert "D001" in {d["code"] for d in result.json()}


def test_a_path_named_explicitly_is_always_linted(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    _mixed_folder(folder)
    copy = folder / "copies" / "train_backup.jsonl"
    result = run_cli("check", copy, "--output-format", "json")
    assert result.code == 1 and {d["path"] for d in result.json()} == {str(copy)}
    result = run_cli("check", folder / "package.json", "--output-format", "json")
    assert result.code == 1 and [d["code"] for d in result.json() if d["severity"] != "info"] == ["S001"]


def test_force_exclude_applies_the_same_logic_to_named_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "p"
    folder.mkdir()
    _mixed_folder(folder)
    named = [folder / "package.json", folder / "schema.json", folder / "copies" / "train_backup.jsonl"]
    result = run_cli("check", "--force-exclude", *named)
    assert result.code == 0, result
    result = run_cli("check", "--force-exclude", "--output-format", "json", *named, folder / "train.jsonl")
    assert result.code == 1 and {d["path"] for d in result.json()} == {str(folder / "train.jsonl")}


def test_exclude_globs_are_relative_to_the_config_file(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "data" / "raw").mkdir(parents=True)
    (project / "data" / "clean").mkdir(parents=True)
    write_jsonl(project / "data" / "raw" / "a.jsonl", RECORDS)
    write_jsonl(project / "data" / "clean" / "a.jsonl", [RECORDS[0]])
    write_jsonl(project / "data" / "clean" / "scratch_b.jsonl", RECORDS)
    (project / "sftlint.toml").write_text('exclude = ["data/raw"]\nextend-exclude = ["scratch_*"]\n')
    monkeypatch.chdir(tmp_path)  # globs are the config's, not the working directory's
    result = run_cli("check", project / "data", "--output-format", "json")
    assert result.code == 0, result
    assert {d["path"] for d in result.json()} == {str(project / "data" / "clean" / "a.jsonl")}
    # --exclude on the command line replaces the config's exclude (relative to the cwd)
    result = run_cli("check", project / "data", "--output-format", "json", "--exclude", "nothing")
    assert {d["path"] for d in result.json() if d["severity"] == "error"} == {
        str(project / "data" / "raw" / "a.jsonl")
    }
    result = run_cli(
        "check", project / "data", "--output-format", "json", "--extend-exclude", "project/data/clean"
    )
    assert result.code == 2 and "no data files" in result.err  # everything left out


def test_config_rejects_a_wrong_type_for_the_selection_keys(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", RECORDS)
    (tmp_path / "sftlint.toml").write_text('respect-gitignore = "no"\n')
    result = run_cli("check", tmp_path)
    assert result.code == 2 and "respect-gitignore" in result.err


def test_nested_gitignore_and_negation(tmp_path):
    root = tmp_path / "repo"
    (root / "data" / "sub").mkdir(parents=True)
    for name in ("keep.jsonl", "tmp_1.jsonl", "tmp_keep.jsonl"):
        write_jsonl(root / "data" / name, [RECORDS[0]])
    write_jsonl(root / "data" / "sub" / "x.jsonl", [RECORDS[0]])
    write_jsonl(root / "data" / "sub" / "y.jsonl", [RECORDS[0]])
    (root / ".gitignore").write_text("tmp_*.jsonl\n!tmp_keep.jsonl\n")
    (root / "data" / "sub" / ".gitignore").write_text("/x.jsonl\n")
    files = expand_paths([str(root)], FileSelection())
    names = sorted(p.split("repo/")[1] for p in files)
    assert names == ["data/keep.jsonl", "data/sub/y.jsonl", "data/tmp_keep.jsonl"]


def test_gitignore_in_a_real_git_repository_applies_from_its_root(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("data/old_*\n")
    write_jsonl(root / "data" / "old_train.jsonl", [RECORDS[1]])
    write_jsonl(root / "data" / "train.jsonl", [RECORDS[0]])
    # the walk starts below the .gitignore: the repository's root rules still apply
    files = expand_paths([str(root / "data")], FileSelection())
    assert [p.rsplit("/", 1)[1] for p in files] == ["train.jsonl"]
    info = root / ".git" / "info"
    info.mkdir(exist_ok=True)
    (info / "exclude").write_text("train.jsonl\n")
    assert expand_paths([str(root / "data")], FileSelection()) == []


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "ignored"),
    [
        ("*.jsonl", "a/b/c.jsonl", False, True),
        ("/c.jsonl", "a/c.jsonl", False, False),
        ("/c.jsonl", "c.jsonl", False, True),
        ("a/*.jsonl", "a/b/c.jsonl", False, False),
        ("a/**/c.jsonl", "a/b/d/c.jsonl", False, True),
        ("**/b", "x/y/b", True, True),
        ("build/", "build", False, False),
        ("build/", "build", True, True),
        ("c?.jsonl", "c1.jsonl", False, True),
        ("c[0-9].jsonl", "cx.jsonl", False, False),
        ("c[!0-9].jsonl", "cx.jsonl", False, True),
        ("\\#x", "#x", False, True),
        ("a/**", "a/b/c", False, True),
    ],
)
def test_gitignore_patterns(pattern, path, is_dir, ignored):
    (rule,) = parse(pattern)
    matched = bool(rule.regex.match(path)) and not (rule.dir_only and not is_dir)
    assert matched == ignored


def test_gitignore_comment_and_blank_lines_are_not_rules():
    assert parse("# comment\n\n   \n") == []


def test_gitignore_class_last_match_wins(tmp_path):
    (tmp_path / ".gitignore").write_text("*.jsonl\n!keep.jsonl\n")
    gi = GitIgnore()
    assert gi.ignored(str(tmp_path / "drop.jsonl"), False, str(tmp_path))
    assert not gi.ignored(str(tmp_path / "keep.jsonl"), False, str(tmp_path))


def test_holds_dataset(tmp_path):
    cases = {
        "records.json": [{"messages": []}],
        "one_record.json": {"messages": [{"role": "user", "content": "hi"}]},
        "settings.json": {"theme": "dark", "fontSize": 12},
        "x.schema.json": {"type": "object"},
        "schema.json": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"},
    }
    for name, value in cases.items():
        (tmp_path / name).write_text(json.dumps(value))
    (tmp_path / "lines.json").write_text('{"messages": []}\n{"messages": []}\n')
    (tmp_path / "broken.json").write_text('{"messages": [')
    got = {name: holds_dataset(str(tmp_path / name)) for name in [*cases, "lines.json", "broken.json"]}
    assert got == {
        "records.json": True,
        "one_record.json": True,
        "settings.json": False,
        "x.schema.json": False,
        "schema.json": False,
        "lines.json": True,
        "broken.json": True,
    }


def test_exclude_name_glob_matches_at_any_depth(tmp_path):
    (tmp_path / "a" / "backup").mkdir(parents=True)
    write_jsonl(tmp_path / "a" / "backup" / "x.jsonl", [RECORDS[0]])
    write_jsonl(tmp_path / "a" / "y.jsonl", [RECORDS[0]])
    sel = FileSelection(excludes(["backup"], str(tmp_path)))
    assert [p.rsplit("/", 1)[1] for p in expand_paths([str(tmp_path)], sel)] == ["y.jsonl"]
