"""Rule documentation: every rule is documented in ruff's shape, its examples run, pages are in sync."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

import sftlint
from sftlint.rule_docs import builtin_rules, examples, expected_pages

RULES = builtin_rules()
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_metadata(rule):
    assert re.fullmatch(r"[A-Z]\d{3}", rule.code)
    assert NAME.match(rule.name), rule.name
    assert rule.severity in ("error", "warning", "info")
    assert rule.scope in ("file", "record", "dataset")
    doc = rule.doc()
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        # a heading of its own line, flush left: a docstring line that starts at column 0 (a
        # `\n` written unescaped) stops the dedent, and the page renders as one code block
        assert re.search(f"^{re.escape(section)}$", doc, re.M), f"{rule.code} lacks {section!r}"


def _lint_text(tmp_path, rule, text):
    path = tmp_path / f"{rule.code}.jsonl"
    path.write_text(text, encoding="utf-8")
    return [d for d in sftlint.lint(path, select=[rule.code]) if d.code == rule.code]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_examples_trigger_and_use_instead_passes(rule, tmp_path):
    blocks = examples(rule)
    if not blocks:
        pytest.skip(f"{rule.code} documents its example in prose (it cannot be a small file)")
    assert set(blocks) == {"Example", "Use instead"}, f"{rule.code}: both examples must be ```json blocks"
    assert _lint_text(tmp_path, rule, blocks["Example"]), f"{rule.code}: its Example does not trigger it"
    assert _lint_text(tmp_path, rule, blocks["Use instead"]) == [], (
        f"{rule.code}: its 'Use instead' triggers it"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_use_instead_passes_the_default_rules(rule, tmp_path):
    """What a page tells the reader to write must not fail another rule (S008's once ended on
    the user's turn it had split off: S005)."""
    blocks = examples(rule)
    if not blocks:
        pytest.skip(f"{rule.code} documents its example in prose")
    path = tmp_path / f"{rule.code}.jsonl"
    path.write_text(blocks["Use instead"], encoding="utf-8")
    found = [f"{d.code} {d.message}" for d in sftlint.lint(path) if d.severity != "info"]
    assert found == [], f"{rule.code}: its 'Use instead' gives {found}"


def test_generated_pages_are_in_sync():
    docs = ROOT / "docs" / "rules"
    expected = expected_pages()
    stale = [
        name
        for name, text in expected.items()
        if not (docs / name).is_file() or (docs / name).read_text(encoding="utf-8") != text
    ]
    extra = sorted(p.name for p in docs.glob("*.md") if p.name not in expected)
    assert not stale and not extra, (
        f"docs/rules is out of date (stale: {stale}, extra: {extra}); run `python -m sftlint.rule_docs`"
    )
