"""The real pre-commit tool runs our hook from this repository in a temporary git repo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from conftest import ROOT, chat, write_jsonl

pytestmark = pytest.mark.slow


def git(cwd, *args):
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env=dict(
            os.environ,
            GIT_AUTHOR_NAME="t",
            GIT_AUTHOR_EMAIL="t@example.com",
            GIT_COMMITTER_NAME="t",
            GIT_COMMITTER_EMAIL="t@example.com",
        ),
    )


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory):
    if shutil.which("pre-commit") is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    return tmp_path_factory.mktemp("pre-commit-home")


def run_hook(repo, home, *files):
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        ["pre-commit", "try-repo", str(ROOT), "sftlint", "--verbose", "--files", *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_hook_fails_on_a_bad_dataset_and_passes_on_a_good_one(tmp_path, precommit_home):
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    good = write_jsonl(
        repo / "good.jsonl", [chat(("user", "在吗"), ("assistant", "在的，请问有什么可以帮您？"))]
    )
    bad = write_jsonl(repo / "bad.jsonl", [chat(("user", "在吗"), ("user", "我想退货"))])
    (repo / "notes.txt").write_text("not data")
    git(repo, "add", ".")

    passed = run_hook(repo, precommit_home, good.name, "notes.txt")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout

    # Six more files, a record copied from the first into the last: pre-commit splits the named
    # files among one run per core unless the hook is serial (require_serial), and the copy
    # must be found, and the dataset counted whole, whatever the core count.
    copied = chat(("user", "订单什么时候发货？"), ("assistant", "您好，订单会在48小时内发货。"))
    parts = []
    for i in range(6):
        other = chat(("user", f"第{i}个问题是什么？"), ("assistant", f"这是第{i}个回答。"))
        parts.append(write_jsonl(repo / f"part{i}.jsonl", [copied if i in (0, 5) else other]).name)
    git(repo, "add", ".")

    failed = run_hook(repo, precommit_home, good.name, bad.name, *parts)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert "bad.jsonl:1:" in failed.stdout and "S004" in failed.stdout and "S005" in failed.stdout
    assert "part5.jsonl:1: D001" in failed.stdout and "at part0.jsonl:1" in failed.stdout, failed.stdout
    assert "in 8 records of 8 files" in failed.stdout, failed.stdout
    assert json.loads(good.read_text())  # the hook never rewrites files


def test_hook_passes_tool_files_and_ignored_copies(tmp_path, precommit_home):
    """package.json, a JSON Schema and a git-ignored copy are not datasets to the hook either."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "package.json").write_text(json.dumps({"name": "web", "version": "1.0.0"}))
    (repo / "config.json").write_text(json.dumps({"theme": "dark"}))
    (repo / "record.json").write_text(json.dumps({"type": "object", "properties": {}}))
    (repo / "scratch").mkdir()
    write_jsonl(repo / "scratch" / "bad.jsonl", [chat(("user", "在吗"), ("user", "我想退货"))])
    (repo / ".gitignore").write_text("scratch/\n")
    git(repo, "add", ".")
    git(repo, "add", "-f", "scratch/bad.jsonl")
    result = run_hook(repo, precommit_home, "package.json", "config.json", "record.json", "scratch/bad.jsonl")
    assert result.returncode == 0, result.stdout + result.stderr
