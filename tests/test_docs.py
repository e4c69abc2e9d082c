"""Docs that cannot drift: every example in README.md and docs/ is checked against the tool.

- every ``sftlint …`` command line in a shell or console block must be accepted by the CLI's own
  argument parser (a renamed or removed flag fails here);
- every ``console`` block whose commands are ``sftlint check`` / ``rule`` / ``rules`` is run from
  the repository root and its output compared with what the block shows (a line ``...`` stands
  for any number of lines);
- every TOML snippet that configures sftlint is loaded as configuration, its rule tables checked
  against the rules' options, and a suppressions snippet is loaded as a suppressions file;
- the pre-commit snippet is run by the real pre-commit against a local clone of this repository,
  with the ``rev`` it names (tests/test_precommit.py runs the hook itself).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```", re.S | re.M)
#: Console commands run for real (the training commands need the extras and minutes).
RUNNABLE = ("check", "rule", "rules")


@dataclass
class Block:
    doc: Path
    lang: str
    text: str
    line: int

    def __str__(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line} ({self.lang or 'plain'} block)"


def blocks(lang: tuple[str, ...]) -> list[Block]:
    out = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in _BLOCK.finditer(text):
            if m.group(1) in lang:
                out.append(Block(doc, m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1))
    return out


def command_lines(block: Block) -> list[str]:
    """The sftlint invocations of a block: continuation lines joined, comments, prompts,
    redirections and the commands around ``&&`` / ``|`` dropped."""
    joined = block.text.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if block.lang == "console":
            if not line.startswith("$ "):
                continue
            line = line[2:]
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token in ("&&", "||", ";", "|", "&"):
                if words and words[0] == "sftlint":
                    out.append(shlex.join(words))
                words = []
            elif token in ("<", ">", ">>", "2>"):
                words.append("\0redirect")
            elif words and words[-1] == "\0redirect":
                words.pop()  # the redirection's target
            else:
                words.append(token)
    return out


def _parse(argv: list[str]) -> int:
    from sftlint.cli import build_parser

    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


COMMANDS = [(str(b), cmd) for b in blocks(("sh", "console", "bash", "shell")) for cmd in command_lines(b)]


def test_the_docs_show_commands():
    assert len(COMMANDS) >= 20  # the extraction itself must keep working


@pytest.mark.parametrize(("where", "command"), COMMANDS)
def test_every_documented_command_line_is_accepted(where, command):
    argv = shlex.split(command)[1:]
    if argv and argv[0] in ("train", "generate") and _parse(["--help"]) == 0 and argv[0] not in _commands():
        pytest.skip(f"`sftlint {argv[0]}` needs the train extra")
    assert _parse(argv) == 0, f"{where}: `{command}` is rejected by the CLI"


def _commands() -> set[str]:
    from sftlint.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return set(sub.choices)


@dataclass
class Session:
    block: Block
    command: str
    expected: list[str]


def console_sessions(commands: tuple[str, ...] = RUNNABLE) -> list[Session]:
    out = []
    for b in blocks(("console",)):
        current: Session | None = None
        for line in b.text.replace("\\\n", " ").splitlines():
            if line.startswith("$ "):
                current = Session(b, line[2:], [])
                out.append(current)
            elif current is not None:
                current.expected.append(line.rstrip())
    return [s for s in out if shlex.split(s.command)[:2][-1:] and shlex.split(s.command)[1] in commands]


def _matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; a line ``...`` matches any run of lines (also none)."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(_matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and actual[0] == expected[0] and _matches(expected[1:], actual[1:])


SESSIONS = console_sessions()


def test_the_docs_show_runnable_console_sessions():
    assert len(SESSIONS) >= 2


@pytest.mark.parametrize("session", SESSIONS, ids=[f"{s.block}: {s.command}" for s in SESSIONS])
def test_console_examples_print_what_the_docs_show(session, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    r = run_cli(*shlex.split(session.command)[1:])
    actual = [line.rstrip() for line in (r.out + r.err).splitlines()]
    expected = session.expected
    while expected and not expected[-1]:
        expected = expected[:-1]
    while actual and not actual[-1]:
        actual = actual[:-1]
    assert _matches(expected, actual), (
        f"{session.block}: `{session.command}` printed:\n"
        + "\n".join(actual)
        + "\n\nthe docs show:\n"
        + "\n".join(expected)
    )


#: Console commands that write files: run in a scratch folder, in the order the docs give them
#: (hparams reads what split wrote).
WRITING = ("split", "hparams")


def test_split_and_hparams_print_what_the_training_guide_shows(tmp_path, monkeypatch):
    """docs/training.md's split and hparams sessions (hparams once showed 54 training examples
    where the split writes 56)."""
    sessions = console_sessions(WRITING)
    assert [shlex.split(s.command)[1] for s in sessions] == ["split", "hparams"]
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    for session in sessions:
        r = run_cli(*shlex.split(session.command)[1:])
        actual = [line.rstrip() for line in (r.out + r.err).splitlines()]
        assert _matches(session.expected, actual), (
            f"{session.block}: `{session.command}` printed:\n" + "\n".join(actual)
        )


def _sftlint_table(doc: dict) -> dict | None:
    if "tool" in doc:
        return doc["tool"].get("sftlint")
    from sftlint.config import _KEYS

    if doc and all(k.replace("_", "-") in _KEYS for k in doc):
        return doc
    return None


TOML = blocks(("toml",))


@pytest.mark.parametrize("block", TOML, ids=[str(b) for b in TOML])
def test_every_toml_snippet_is_valid_configuration(block, tmp_path):
    from sftlint.config import settings_from_mapping
    from sftlint.engine import Engine

    doc = tomllib.loads(block.text)
    if "suppress" in doc:
        from sftlint.suppressions import Suppressions

        path = tmp_path / "suppressions.toml"
        path.write_text(block.text, encoding="utf-8")
        assert Suppressions.load(str(path)).by_key, f"{block}: no suppression read"
        return
    table = _sftlint_table(doc)
    if table is None:
        assert "project" in doc or "build-system" in doc, (
            f"{block}: neither sftlint configuration nor packaging"
        )
        return
    settings = settings_from_mapping(table, str(block))
    Engine(settings)  # rule tables and their options are validated here


def _git(cwd: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com")
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


PRECOMMIT = [b for b in blocks(("yaml",)) if "id: sftlint" in b.text and "repos:" in b.text]


@pytest.mark.slow
@pytest.mark.parametrize("block", PRECOMMIT, ids=[str(b) for b in PRECOMMIT])
def test_the_pre_commit_snippet_runs_with_the_rev_it_names(block, tmp_path):
    if shutil.which("pre-commit") is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: nothing to clone")
    rev = re.search(r"^\s*rev:\s*(\S+)", block.text, re.M).group(1)
    # a bare clone keeps every branch and tag of this repository as its own refs, as a hosted one does
    clone = tmp_path / "sftlint-clone.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ROOT), str(clone)], check=True, capture_output=True)
    refs = subprocess.run(["git", "show-ref"], cwd=clone, capture_output=True, text=True).stdout.split()
    known = {r.rsplit("/", 1)[-1] for r in refs if r.startswith(("refs/heads/", "refs/tags/"))}
    assert rev in known, f"{block}: rev {rev} is neither a branch nor a tag of the repository"
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    config = re.sub(r"(repo:\s*)\S+", lambda m: m.group(1) + str(clone), block.text, count=1)
    (project / ".pre-commit-config.yaml").write_text(config)
    (project / "bad.jsonl").write_text(
        '{"messages": [{"role": "user", "content": "在吗"}, {"role": "user", "content": "我想退货"}]}\n'
    )
    (project / "package.json").write_text('{"name": "web"}\n')
    _git(project, "add", ".")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "home"), PRE_COMMIT_COLOR="never")
    env.pop("VIRTUAL_ENV", None)
    r = subprocess.run(
        ["pre-commit", "run", "--all-files"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert "bad.jsonl:1:" in r.stdout and "S004" in r.stdout
    assert "package.json" not in r.stdout


def _anchors(doc: Path) -> set[str]:
    """GitHub's anchors for the headings of ``doc``: lower case, punctuation dropped, spaces to -."""
    text = _BLOCK.sub("", doc.read_text(encoding="utf-8"))
    heads = re.findall(r"^#+\s+(.+?)\s*$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in heads}


LINKED = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("doc", LINKED, ids=[str(d.relative_to(ROOT)) for d in LINKED])
def test_relative_links_resolve(doc):
    """Every relative link of README.md and docs/ names a file of the repository, and its
    #anchor a heading of that page."""
    text = _BLOCK.sub("", doc.read_text(encoding="utf-8"))
    dead = []
    for link in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", link):
            continue
        path, _, anchor = link.partition("#")
        target = (doc.parent / path).resolve() if path else doc
        missing_heading = anchor and target.suffix == ".md" and anchor not in _anchors(target)
        if not target.exists() or missing_heading:
            dead.append(link)
    assert not dead, f"{doc.relative_to(ROOT)}: dead links {dead}"
