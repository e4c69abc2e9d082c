"""Re-lint after fixing: the check every rule's fix tests use.

``relint(tmp_path, records)`` writes the records to a JSONL file, lints it, applies the
fixes the way ``sftlint check --fix`` does (:func:`sftlint.fixes.apply_fixes` on the file),
lints the fixed file again and returns both runs.  ``assert_fixes_create_nothing`` is the
contract: after applying safe fixes (or unsafe ones too, when asked) no finding exists that
was not there before, and every finding whose fix was applied is gone.

A finding is compared by ``(code, record, pointer)``: spans move when text is edited, so
they cannot be compared across the two runs.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sftlint
from sftlint.fixes import apply_fixes


@dataclass
class Relint:
    before: list[Any]
    after: list[Any]
    applied: int
    records: list[dict]  # the fixed records, as read back from the file

    @staticmethod
    def key(d: Any) -> tuple[str, int | None, str]:
        return (d.code, d.record, d.pointer)


def relint(tmp_path: Path, records: list[dict] | str, *, unsafe: bool = False, **lint_kw: Any) -> Relint:
    """Lint ``records`` (dicts, or the text of a JSONL file), apply their fixes to a file as
    ``--fix`` does, lint again."""
    path = tmp_path / "relint.jsonl"
    if isinstance(records, str):
        text = records
    else:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path.write_text(text, encoding="utf-8")
    before = sftlint.lint(path, **lint_kw)
    applied = apply_fixes(str(path), before, unsafe=unsafe)
    after = sftlint.lint(path, **lint_kw)
    fixed = []
    for line in path.read_text(encoding="utf-8-sig", errors="replace").splitlines():
        try:
            fixed.append(json.loads(line))
        except ValueError:
            continue
    return Relint(before, after, applied, fixed)


def assert_fixes_create_nothing(
    tmp_path: Path, records: list[dict] | str, *, unsafe: bool = False, **lint_kw: Any
) -> Relint:
    """Fix ``records`` and prove the fixes created no finding and removed what they fixed."""
    r = relint(tmp_path, records, unsafe=unsafe, **lint_kw)
    before = Counter(Relint.key(d) for d in r.before)
    after = Counter(Relint.key(d) for d in r.after)
    created = after - before
    assert not created, f"fixes created new findings: {sorted(created)}\n" + "\n".join(
        f"  {d.code} {d.pointer}: {d.message}" for d in r.after if Relint.key(d) in created
    )
    # a fixed finding is gone (unless the same code still has another finding at that pointer)
    fixable = Counter(
        Relint.key(d) for d in r.before if d.fix is not None and (unsafe or d.fix.applicability == "safe")
    )
    for key, n in fixable.items():
        assert after[key] <= before[key] - n, f"{key}: fixed {n} finding(s) but {after[key]} remain"
    return r
